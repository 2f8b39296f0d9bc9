/* The steps impair, link and fault share: open a running lab (state, file,
 * lock), and change or read one device of it inside its namespace. Only
 * devices carrying the lab's mark (ifalias "vlab:<lab>") are touched. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "vlab/cmd.h"
#include "vlab/exec.h"
#include "vlab/plan.h"
#include "vlab/runtime.h"
#include "vlab/state.h"

double vl_rt_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int vl_rt_open(const char *cmd, const char *arg, bool lock, struct vl_rt_lab *L)
{
	memset(L, 0, sizeof(*L));
	L->lock = -1;
	int rc = vl_need_root(cmd);
	if (rc)
		return rc;
	L->lab = vl_resolve_lab(arg);
	if (!L->lab)
		return VL_EXIT_FAIL;
	struct vl_state st;
	int r = vl_state_read(L->lab, &st);
	if (r < 0 || strcmp(st.status, "up")) {
		struct vl_strv labs = {0};
		vl_state_list(&labs);
		const char *dym = vl_did_you_mean(L->lab, (const char *const *)labs.v, labs.n);
		if (r < 0)
			fprintf(stderr, "vlab %s: lab %s is not running%s%s%s (see vlab ls)\n", cmd,
				L->lab, dym ? "; did you mean " : "", dym ? dym : "", dym ? "?" : "");
		else
			fprintf(stderr, "vlab %s: lab %s is %s, not up: nothing changed\n", cmd, L->lab,
				st.status);
		vl_strv_free(&labs);
		if (r == 0)
			vl_state_free(&st);
		return VL_EXIT_FAIL;
	}
	L->file = st.file ? xstrdup(st.file) : NULL;
	char *hash = L->file ? vl_file_hash(L->file) : NULL;
	bool changed = hash && st.hash && strcmp(hash, st.hash);
	free(hash);
	vl_state_free(&st);
	if (!L->file || !(L->t = vl_load(L->file, true))) {
		fprintf(stderr, "vlab %s: cannot read %s, which lab %s was built from: it tells where "
			"each NIC is plugged and what the file says (restore it, or vlab down %s)\n",
			cmd, L->file ? L->file : "(no file in the state)", L->lab, L->lab);
		return VL_EXIT_FAIL;
	}
	if (changed)
		fprintf(stderr, "vlab %s: note: %s changed since lab %s came up; its current text "
			"is taken as \"the file\"\n", cmd, L->file, L->lab);
	if (!lock)
		return 0;
	L->lock = vl_state_lock_wait(L->lab, false, NULL, VL_LOCK_WAIT);
	if (L->lock == -EWOULDBLOCK) {
		fprintf(stderr, "vlab %s: lab %s is busy: another vlab command is working on it; "
			"nothing changed (try again)\n", cmd, L->lab);
		return VL_EXIT_BUSY;
	}
	if (L->lock < 0) {
		fprintf(stderr, "vlab %s: locking lab %s: %s\n", cmd, L->lab, strerror(-L->lock));
		return VL_EXIT_FAIL;
	}
	return 0;
}

int vl_rt_nodeif(const char *cmd, const char *arg, char node[VL_NODE_NAME_MAX + 1],
		 char nic[VL_DEVNAME_MAX])
{
	if (vl_rt_split(arg, node, VL_NODE_NAME_MAX + 1, nic, VL_DEVNAME_MAX) == 0)
		return 0;
	fprintf(stderr, "vlab %s: \"%s\" is not NODE:IF (say vm1:eth0)\n", cmd, arg);
	return -1;
}

int vl_rt_where(const char *cmd, const struct vl_topology *t, const char *node, const char *nic,
		int dir, struct vl_rt_place *out)
{
	struct vl_buf err = {0};
	if (vl_rt_locate(t, node, nic, dir, out, &err) == 0)
		return 0;
	fprintf(stderr, "vlab %s: %s\n", cmd, err.s);
	vl_buf_free(&err);
	return -1;
}

bool vl_rt_fault_busy(const char *cmd, const struct vl_changes *c, const char *lab,
		      const char *node, const char *nic)
{
	int fi = vl_changes_fault(c, node, nic);
	if (fi < 0)
		return false;
	fprintf(stderr, "vlab %s: fault \"%s\" (pid %ld) is running on %s:%s; end it first "
		"(vlab fault %s --stop %s:%s); nothing changed\n", cmd, c->faults[fi].what,
		c->faults[fi].pid, node, nic, lab, node, nic);
	return true;
}

void vl_rt_close(struct vl_rt_lab *L)
{
	vl_state_unlock(L->lock);
	L->lock = -1;
	if (L->t) {
		vl_topology_free(L->t);
		free(L->t);
	}
	free(L->lab);
	free(L->file);
	memset(L, 0, sizeof(*L));
	L->lock = -1;
}

/* ---- one device inside its namespace ---- */

struct devop {
	const char *lab, *dev;
	int (*fn)(struct devop *o, struct vl_nl *nl);
	/* found */
	int ifindex, mtu;
	unsigned flags;
	char alias[128];
	/* in/out */
	const struct vl_shape *want;
	struct vl_tc_now *now;
	bool up, was_up;
	char err[512];
};

static int find_cb(const struct nlmsghdr *nlh, void *data)
{
	struct devop *o = data;
	struct vl_link_attrs l;
	vl_link_attrs_parse(nlh, &l);
	if (!strcmp(l.name, o->dev)) {
		o->ifindex = l.index;
		o->flags = l.flags;
		o->mtu = l.mtu;
		snprintf(o->alias, sizeof(o->alias), "%s", l.alias);
	}
	return 0;
}

static int inside(void *arg)
{
	struct devop *o = arg;
	struct vl_nl nl;
	int r = vl_nl_open(&nl, NETLINK_ROUTE);
	if (r < 0)
		return r;
	r = vl_nl_dump_all(&nl, RTM_GETLINK, sizeof(struct ifinfomsg), find_cb, o);
	char mark[VL_ALTNAME_MAX];
	snprintf(mark, sizeof(mark), "%s%s", VL_ALIAS_PREFIX, o->lab);
	if (r == 0 && !o->ifindex) {
		snprintf(o->err, sizeof(o->err), "no device %s there", o->dev);
		r = -ENODEV;
	} else if (r == 0 && strcmp(o->alias, mark)) {
		snprintf(o->err, sizeof(o->err), "device %s does not carry the mark %s "
			 "(ifalias \"%s\"): not vlab's, left alone", o->dev, mark, o->alias);
		r = -EPERM;
	}
	if (r == 0)
		r = o->fn(o, &nl);
	vl_nl_close(&nl);
	return r;
}

static int run(const char *lab, const char *ns, const char *dev, struct devop *o)
{
	o->lab = lab;
	o->dev = dev;
	int home = vl_netns_self();
	if (home < 0)
		return home;
	int fd = vl_netns_open(ns);
	int r = fd;
	if (fd >= 0) {
		r = vl_netns_call(fd, home, inside, o);
		close(fd);
	} else {
		snprintf(o->err, sizeof(o->err), "namespace %s: %s", ns, strerror(-fd));
	}
	close(home);
	if (r < 0 && o->err[0])
		fprintf(stderr, "vlab: %s: %s\n", ns, o->err);
	return r;
}

static int do_read(struct devop *o, struct vl_nl *nl)
{
	return vl_tc_read(nl, o->ifindex, o->now);
}

int vl_rt_shape_read(const char *lab, const char *ns, const char *dev, struct vl_tc_now *now)
{
	struct devop o = {.fn = do_read, .now = now};
	return run(lab, ns, dev, &o);
}

static int do_set(struct devop *o, struct vl_nl *nl)
{
	struct vl_tc_now now;
	int r = vl_tc_read(nl, o->ifindex, &now);
	if (r < 0)
		return r;
	r = vl_tc_replace(nl, o->ifindex, o->mtu, &now, o->want);
	if (r < 0) {
		const char *ext = vl_nl_extack();
		bool netem = o->want->delay_us || o->want->jitter_us || o->want->loss_pct > 0 ||
			     o->want->duplicate_pct > 0 || o->want->corrupt_pct > 0 ||
			     o->want->reorder_pct > 0 || o->want->netem_limit;
		snprintf(o->err, sizeof(o->err), "shaping %s: %s%s%s%s", o->dev, strerror(-r),
			 ext && ext[0] ? " (" : "", ext && ext[0] ? ext : "", ext && ext[0] ? ")" : "");
		if (netem && (r == -ENOENT || r == -EOPNOTSUPP || r == -EINVAL))
			snprintf(o->err + strlen(o->err), sizeof(o->err) - strlen(o->err),
				 ": this kernel has no netem (CONFIG_NET_SCH_NETEM), which delay, "
				 "jitter, loss, duplicate, corrupt and reorder need");
	}
	return r;
}

int vl_rt_shape_set(const char *lab, const char *ns, const char *dev, const struct vl_shape *want)
{
	struct devop o = {.fn = do_set, .want = want};
	return run(lab, ns, dev, &o);
}

static int do_admin(struct devop *o, struct vl_nl *nl)
{
	o->was_up = o->flags & IFF_UP;
	int r = vl_link_set_admin(nl, o->ifindex, o->up);
	if (r < 0)
		snprintf(o->err, sizeof(o->err), "setting %s %s: %s", o->dev, o->up ? "up" : "down",
			 strerror(-r));
	return r;
}

int vl_rt_admin(const char *lab, const char *ns, const char *dev, bool up, bool *was_up)
{
	struct devop o = {.fn = do_admin, .up = up};
	int r = run(lab, ns, dev, &o);
	if (was_up)
		*was_up = o.was_up;
	return r;
}

/* ---- putting back what an administrative down removed ---- */

int vl_rt_replumb(const struct vl_topology *t, const char *ns, const char *dev)
{
	struct vl_plan p = {0}, sub = {0};
	struct vl_diags d = {0};
	if (vl_plan_build(t, &p, &d) < 0) {
		fprintf(stderr, "vlab: %s %s: cannot plan the lab's file to restore its addresses "
			"and routes\n", ns, dev);
		vl_diags_free(&d);
		vl_plan_free(&p);
		return -1;
	}
	vl_diags_free(&d);
	vl_rt_replumb_ops(&p, ns, dev, &sub);
	int r = 0;
	if (sub.nops) {
		struct vl_buf err = {0};
		r = vl_exec_apply(&sub, -1, true, NULL, &err, NULL);
		if (r != 0)
			fprintf(stderr, "vlab: restoring the addresses and routes of %s %s: %s\n", ns, dev,
				err.s ? err.s : "failed");
		vl_buf_free(&err);
	}
	vl_plan_free(&sub);
	vl_plan_free(&p);
	return r != 0 ? -1 : 0;
}
