/* vlab clean [--all] [--dry-run]: remove the leftovers of vlab labs.
 *
 * A lab is found by its directory /run/vlab/<lab>, a /run/netns entry
 * carrying its mark ("vlab:<lab>:<node>"), or an /etc/netns/<ns>/hosts
 * linking to /run/vlab/<lab>/hosts (what survives a reboot). Without
 * --all only labs that are not healthy are removed: no state, a state not
 * `up` (an up that never finished), or an `up` state some of whose
 * namespaces are gone. Healthy labs are kept.
 *
 * Each lab is handled under its lock (labs another command holds are
 * skipped), and what is removed is decided once, under that lock, and
 * printed the same way by --dry-run and by the real run. Only what carries
 * the lab's mark is removed; unmarked vlab-* namespaces are left alone. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vlab/cmd.h"
#include "vlab/exec.h"
#include "vlab/naming.h"
#include "vlab/paths.h"
#include "vlab/progress.h"
#include "vlab/runtime.h"
#include "vlab/sig.h"
#include "vlab/startup.h"
#include "vlab/state.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void push_unique(struct vl_strv *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->v[i], s))
			return;
	vl_strv_push(v, s);
}

/* The lab an /etc/netns/<ns>/hosts link belongs to ("" when not vlab's). */
static void etc_owner(const char *ns, char *lab, size_t n)
{
	char link[300], target[300];
	lab[0] = 0;
	vl_path_etc_netns(link, sizeof(link), ns, "hosts");
	ssize_t len = readlink(link, target, sizeof(target) - 1);
	if (len <= 0) {
		vl_path_etc_netns(link, sizeof(link), ns, VL_ETC_HOSTS_TMP);
		len = readlink(link, target, sizeof(target) - 1);
	}
	if (len <= 0)
		return;
	target[len] = 0;
	size_t rl = strlen(VL_RUN_DIR);
	if (strncmp(target, VL_RUN_DIR "/", rl + 1))
		return;
	const char *l = target + rl + 1, *slash = strchr(l, '/');
	if (!slash || strcmp(slash, "/hosts") || (size_t)(slash - l) >= n)
		return;
	snprintf(lab, n, "%.*s", (int)(slash - l), l);
	if (!vl_lab_name_ok(lab, NULL))
		lab[0] = 0;
}

/* Every lab with something on this machine, sorted; unmarked vlab-*
 * namespaces go to `unmarked`. */
static void find_labs(struct vl_strv *labs, struct vl_strv *unmarked)
{
	vl_state_list(labs);
	DIR *d = opendir(VL_NETNS_DIR);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, VL_NETNS_PREFIX, strlen(VL_NETNS_PREFIX)))
			continue;
		char mark[VL_ALTNAME_MAX];
		if (vl_netns_mark(e->d_name, mark, sizeof(mark)) < 0 ||
		    strncmp(mark, VL_ALIAS_PREFIX, strlen(VL_ALIAS_PREFIX))) {
			vl_strv_push(unmarked, e->d_name);
			continue;
		}
		char *lab = mark + strlen(VL_ALIAS_PREFIX), *colon = strchr(lab, ':');
		if (colon)
			*colon = 0;
		if (vl_lab_name_ok(lab, NULL))
			push_unique(labs, lab);
		else /* a lab name with '-', from a vlab before names were injective */
			vl_info("vlab: leaving %s/%s: marked by lab \"%s\", a name vlab no longer "
			       "accepts; remove it with `ip netns del %s` if it is a leftover\n",
			       VL_NETNS_DIR, e->d_name, lab, e->d_name);
	}
	if (d)
		closedir(d);
	d = opendir(VL_ETC_NETNS_DIR);
	while (d && (e = readdir(d))) {
		char lab[64];
		if (strncmp(e->d_name, VL_NETNS_PREFIX, strlen(VL_NETNS_PREFIX)))
			continue;
		etc_owner(e->d_name, lab, sizeof(lab));
		if (lab[0])
			push_unique(labs, lab);
	}
	if (d)
		closedir(d);
	if (labs->n > 1)
		qsort(labs->v, labs->n, sizeof(char *), cmp_str);
	if (unmarked->n > 1)
		qsort(unmarked->v, unmarked->n, sizeof(char *), cmp_str);
}

/* Why the lab is a leftover (caller frees), or NULL when it is healthy. */
static char *leftover_reason(const struct vl_state *st, bool have_state, size_t *gone)
{
	*gone = 0;
	if (!have_state)
		return xstrdup("no state");
	if (strcmp(st->status, "up"))
		return xasprintf("state \"%s\": an up that never finished", st->status);
	for (size_t i = 0; i < st->netns.n; i++)
		*gone += !vl_netns_exists(st->netns.v[i]);
	if (*gone)
		return xasprintf("up, but %zu of its %zu namespaces are gone", *gone, st->netns.n);
	return NULL;
}

/* /etc/netns entries of `lab` (links to /run/vlab/<lab>/hosts). */
static void lab_etc(const char *lab, struct vl_strv *out)
{
	DIR *d = opendir(VL_ETC_NETNS_DIR);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char owner[64];
		if (strncmp(e->d_name, VL_NETNS_PREFIX, strlen(VL_NETNS_PREFIX)))
			continue;
		etc_owner(e->d_name, owner, sizeof(owner));
		if (!strcmp(owner, lab))
			vl_strv_push(out, e->d_name);
	}
	if (d)
		closedir(d);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(char *), cmp_str);
}

struct totals {
	size_t labs, netns, etc, busy, kept;
};

/* Decide (under the lab's lock), print, and unless dry, remove. */
static void clean_lab(const char *lab, bool all, bool dry, struct totals *t)
{
	const char *verb = dry ? "would remove" : "removing";
	char dir[300];
	vl_state_path(dir, sizeof(dir), lab, NULL);
	struct stat sb;
	bool have_dir = lstat(dir, &sb) == 0;

	/* dry: lock only what exists; real: create the lock, so no `up` can
	 * start on this lab while we remove it */
	int lock = vl_state_lock_wait(lab, !dry, NULL, VL_LOCK_WAIT);
	if (lock == -EWOULDBLOCK) {
		printf("vlab: lab %s is busy (another vlab command holds its lock): skipped\n", lab);
		t->busy++;
		return;
	}
	if (lock < 0 && !(dry && lock == -ENOENT)) {
		printf("vlab: lab %s: cannot take its lock in %s: %s: skipped\n", lab, dir,
		       strerror(-lock));
		t->busy++;
		return;
	}
	struct vl_state st;
	bool have_state = vl_state_read(lab, &st) == 0;
	size_t gone;
	char *why = leftover_reason(&st, have_state, &gone);
	if (!why && !all) {
		vl_info("vlab: keeping lab %s: up and healthy (%zu namespaces); `vlab down %s` or "
		       "`vlab clean --all` removes it\n", lab, st.netns.n, lab);
		t->kept++;
		goto out;
	}
	if (!why)
		why = xstrdup("--all");
	struct vl_strv ns = {0}, etc = {0};
	vl_lab_netns(lab, have_state ? &st : NULL, &ns);
	lab_etc(lab, &etc);
	vl_info("vlab: lab %s (%s):\n", lab, why);
	for (size_t i = 0; i < ns.n; i++)
		vl_info("vlab:   %s namespace %s\n", verb, ns.v[i]);
	for (size_t i = 0; i < etc.n; i++)
		vl_info("vlab:   %s %s/%s\n", verb, VL_ETC_NETNS_DIR, etc.v[i]);
	/* fault processes of `vlab fault` (recorded in the lab's state) */
	struct vl_changes ch;
	if (vl_changes_read(lab, &ch) == 0) {
		for (size_t i = 0; i < ch.nfaults; i++)
			if (vl_proc_is(ch.faults[i].pid, ch.faults[i].start))
				vl_info("vlab:   %s fault process %ld (%s on %s:%s)\n",
					dry ? "would end" : "ending", ch.faults[i].pid, ch.faults[i].what,
					ch.faults[i].node, ch.faults[i].nic);
		vl_changes_free(&ch);
	}
	if (have_dir)
		vl_info("vlab:   %s state %s\n", verb, dir);
	t->labs++;
	t->netns += ns.n;
	t->etc += etc.n;
	if (!dry) {
		vl_rt_end_faults(lab); /* before the namespaces go: they hold them */
		vl_startup_end(lab);   /* daemon = commands recorded in its state */
		vl_netns_holders(lab, ns.v, ns.n);
		char what[96];
		snprintf(what, sizeof(what), "clean %s", lab);
		vl_progress_start(what); /* on a terminal only */
		vl_teardown_netns(ns.v, ns.n, 5.0);
		vl_progress_stop();
		for (size_t i = 0; i < etc.n; i++)
			vl_etc_netns_remove(etc.v[i]);
		bool left = false;
		for (size_t i = 0; i < ns.n; i++)
			if (vl_netns_exists(ns.v[i]) || vl_netns_mounted(ns.v[i])) {
				fprintf(stderr, "vlab: namespace %s is still there: state of lab %s kept\n",
					ns.v[i], lab);
				left = true;
			}
		if (!left) {
			vl_external_down(lab);
			vl_state_remove(lab);
			lock = -1; /* its file went with the directory */
		}
	}
	vl_strv_free(&ns);
	vl_strv_free(&etc);
out:
	free(why);
	if (have_state)
		vl_state_free(&st);
	vl_state_unlock(lock);
}

int cmd_clean(int argc, char **argv)
{
	bool dry = false, all = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dry-run") || !strcmp(argv[i], "-n")) {
			dry = true;
		} else if (!strcmp(argv[i], "--all")) {
			all = true;
		} else {
			vl_usage(stderr, "clean");
			return VL_EXIT_USAGE;
		}
	}
	int rc = vl_need_root("clean");
	if (rc)
		return rc;
	vl_sig_guard(); /* clean finishes what it started; signals only noted */

	struct vl_strv labs = {0}, unmarked = {0};
	find_labs(&labs, &unmarked);
	for (size_t i = 0; i < unmarked.n; i++)
		vl_info("vlab: leaving %s/%s: not marked as vlab's\n", VL_NETNS_DIR, unmarked.v[i]);
	struct totals t = {0};
	for (size_t i = 0; i < labs.n; i++)
		clean_lab(labs.v[i], all, dry, &t);
	if (!t.labs)
		vl_info("vlab: nothing to clean%s\n", t.kept && !all ? " (healthy labs are kept; "
		       "--all removes them too)" : "");
	else
		vl_info("vlab: %s %zu lab%s: %zu namespace%s, %zu /etc/netns entr%s\n",
		       dry ? "would remove" : "removed", t.labs, t.labs == 1 ? "" : "s", t.netns,
		       t.netns == 1 ? "" : "s", t.etc, t.etc == 1 ? "y" : "ies");
	if (!dry)
		rmdir(VL_RUN_DIR); /* ours; only goes when no lab is left */
	vl_strv_free(&labs);
	vl_strv_free(&unmarked);
	return vl_sig_exit(t.busy ? VL_EXIT_BUSY : VL_EXIT_OK);
}
