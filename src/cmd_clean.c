/* vlab clean [--dry-run]: remove leftovers of any vlab lab, recognised by
 * marks and state alone (it works with /run/vlab gone):
 *  - /run/netns/vlab-* whose loopback alias starts with "vlab:", or that a
 *    state file lists; anything unmarked and unlisted is left alone;
 *  - /etc/netns/vlab-* holding only our hosts link, once their namespace
 *    is gone;
 *  - /run/vlab/<lab> of labs with no namespace left.
 * Labs another command holds the lock of are skipped. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vlab/cmd.h"
#include "vlab/exec.h"
#include "vlab/naming.h"
#include "vlab/sig.h"
#include "vlab/state.h"

struct labinfo {
	char *lab;
	int lock;          /* -1 when busy or no dir */
	bool busy;
	struct vl_state st;
	bool have_state;
};

static bool strv_has(const struct vl_strv *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->v[i], s))
			return true;
	return false;
}

/* Which lab does this namespace belong to? NULL = not vlab's. */
static const char *owner(const char *ns, struct labinfo *labs, size_t nlabs, char *alias, size_t n)
{
	for (size_t i = 0; i < nlabs; i++)
		if (labs[i].have_state && strv_has(&labs[i].st.netns, ns))
			return labs[i].lab;
	if (vl_netns_lo_alias(ns, alias, n) < 0 ||
	    strncmp(alias, VL_ALIAS_PREFIX, strlen(VL_ALIAS_PREFIX)))
		return NULL;
	char *lab = alias + strlen(VL_ALIAS_PREFIX);
	char *colon = strchr(lab, ':');
	if (colon)
		*colon = 0;
	return lab;
}

static bool lab_busy(const char *lab, struct labinfo *labs, size_t nlabs)
{
	for (size_t i = 0; i < nlabs; i++)
		if (labs[i].busy && !strcmp(labs[i].lab, lab))
			return true;
	return false;
}

int cmd_clean(int argc, char **argv)
{
	bool dry = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dry-run") || !strcmp(argv[i], "-n")) {
			dry = true;
		} else {
			vl_usage(stderr, "clean");
			return VL_EXIT_USAGE;
		}
	}
	int rc = vl_need_root("clean");
	if (rc)
		return rc;
	vl_sig_guard(); /* clean finishes what it started; signals only noted */
	const char *verb = dry ? "would remove" : "removing";

	struct vl_strv names = {0};
	vl_state_list(&names);
	struct labinfo *labs = xcalloc(names.n + 1, sizeof(*labs));
	size_t nlabs = names.n;
	for (size_t i = 0; i < nlabs; i++) {
		labs[i].lab = names.v[i];
		labs[i].lock = vl_state_lock(names.v[i], false, NULL);
		labs[i].busy = labs[i].lock == -EWOULDBLOCK;
		labs[i].have_state = vl_state_read(names.v[i], &labs[i].st) == 0;
		if (labs[i].busy)
			printf("vlab: lab %s is busy (another vlab command holds it): skipped\n",
			       labs[i].lab);
	}

	/* namespaces */
	struct vl_strv doomed = {0};
	DIR *d = opendir(VL_NETNS_DIR);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, VL_NETNS_PREFIX, strlen(VL_NETNS_PREFIX)))
			continue;
		char alias[VL_ALTNAME_MAX];
		const char *lab = owner(e->d_name, labs, nlabs, alias, sizeof(alias));
		if (!lab) {
			printf("vlab: leaving %s/%s: not marked as vlab's\n", VL_NETNS_DIR, e->d_name);
			continue;
		}
		if (lab_busy(lab, labs, nlabs))
			continue;
		printf("vlab: %s namespace %s (lab %s)\n", verb, e->d_name, lab);
		vl_strv_push(&doomed, e->d_name);
	}
	if (d)
		closedir(d);
	if (!dry && doomed.n)
		vl_teardown_netns(doomed.v, doomed.n, 5.0);

	/* /etc/netns entries whose namespace is gone */
	size_t etc = 0;
	d = opendir("/etc/netns");
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, VL_NETNS_PREFIX, strlen(VL_NETNS_PREFIX)))
			continue;
		if (vl_netns_exists(e->d_name) && !(dry && strv_has(&doomed, e->d_name)))
			continue;
		char link[300], target[300];
		snprintf(link, sizeof(link), "/etc/netns/%s/hosts", e->d_name);
		ssize_t n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = 0;
		if (strncmp(target, VL_RUN_DIR "/", strlen(VL_RUN_DIR) + 1))
			continue;
		printf("vlab: %s stale /etc/netns/%s\n", verb, e->d_name);
		etc++;
		if (!dry)
			vl_etc_netns_remove(e->d_name);
	}
	if (d)
		closedir(d);

	/* state of labs with nothing left */
	size_t states = 0;
	for (size_t i = 0; i < nlabs; i++) {
		if (labs[i].busy)
			continue;
		struct vl_strv left = {0};
		vl_lab_netns(labs[i].lab, labs[i].have_state ? &labs[i].st : NULL, &left);
		bool any = false;
		for (size_t k = 0; k < left.n; k++)
			any |= vl_netns_exists(left.v[k]) && !(dry && strv_has(&doomed, left.v[k]));
		vl_strv_free(&left);
		if (any)
			continue;
		printf("vlab: %s state of lab %s (%s/%s)\n", verb, labs[i].lab, VL_RUN_DIR, labs[i].lab);
		states++;
		if (!dry) {
			vl_state_remove(labs[i].lab);
			labs[i].lock = -1;
		}
	}
	if (!dry)
		rmdir(VL_RUN_DIR); /* ours; only goes when no lab is left */
	if (!doomed.n && !etc && !states)
		printf("vlab: nothing to clean\n");
	for (size_t i = 0; i < nlabs; i++) {
		vl_state_unlock(labs[i].lock);
		if (labs[i].have_state)
			vl_state_free(&labs[i].st);
	}
	free(labs);
	vl_strv_free(&names);
	vl_strv_free(&doomed);
	return VL_EXIT_OK;
}
