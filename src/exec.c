/* The executor: runs a plan's operations in order, one function per
 * operation kind, and undoes everything when one fails.
 *
 * Speed comes from not asking the kernel anything we can know: every lab
 * namespace is fresh (only lo), so we choose each device's ifindex
 * ourselves and never look one up; one netlink socket per namespace is
 * opened while inside it at creation and kept for the whole run; devices
 * are created up, enslaved, with MTU and MAC in the creating request. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/sockios.h>
#include <linux/if_link.h>
#include <linux/netlink.h>

#include "vlab/exec.h"
#include "vlab/naming.h"
#include "vlab/paths.h"
#include "vlab/state.h"

/* First ifindex we hand out in a lab namespace: lo is 1, and kernels with
 * fallback tunnel devices (sit0, gre0...) put those right after it. */
#define FIRST_IFINDEX 32

struct nsctx {
	const char *name;
	int nsfd;
	struct vl_nl nl;
	int next_ifindex;
	bool created;        /* its /run/netns file is ours (rollback deletes it) */
	bool existing;       /* apply: a namespace of the running lab, opened on first use */
	bool v6off;          /* no IPv6 here (lab ipv6 = off): set device by device */
	bool switches;       /* holds bridges: keeps the sysctl way (see v6off_sysctl) */
	bool v6off_default;  /* ... and there default/disable_ipv6 = 1 covers new devices */
	int ready;           /* 1 built, -1 failed or never, 0 not yet (under ready_lock);
			      * -2 existing, not opened yet */
};

struct devent {
	int ns;          /* -1 = empty slot */
	int ifindex;     /* 0: deleted (apply), look further */
	bool foreign;    /* apply: found without the lab's ifalias mark */
	char name[VL_DEVNAME_MAX];
};

struct exec {
	const struct vl_plan *p;
	int home;        /* our own netns */
	int cur;         /* namespace we are in: -1 = home */
	struct nsctx *ns;
	size_t nns;
	int *nsmap;      /* open addressing: name hash -> ns index */
	size_t nsmap_cap;
	struct devent *devs;
	size_t devs_cap, ndevs;
	int state_fd;
	char alias[VL_ALTNAME_MAX];
	bool hosts_written;
	bool no_altname; /* kernel without altnames: skip them */

	int *netns_op;   /* per namespace: its NETNS op, -1 */
	int *sysctl_head; /* per namespace: first SYSCTL op, -1 */
	int *sysctl_next; /* per op: next SYSCTL op of the same namespace */
	long fault_at;   /* VLAB_FAULT_AT (test-only), 0 = off */
	bool fault_stop; /* VLAB_FAULT_MODE=stop: SIGSTOP instead of failing */
	volatile sig_atomic_t *stop;
	bool apply;      /* running a difference on a running lab */
	bool tolerant;   /* apply: what exists already is fine (undo, recovery) */

	/* the first failure, from whichever thread */
	pthread_mutex_t lock;
	atomic_bool failed;
	size_t fail_op;
	struct vl_buf *err;
	atomic_size_t next_ns;
	atomic_size_t built;  /* namespaces built (the `netns` fault phase) */
	size_t nbuild;        /* namespaces to build */
	/* namespaces are built by worker threads while the main thread already
	 * wires up those that are ready */
	pthread_mutex_t ready_lock;
	pthread_cond_t ready_cv;
};

static struct vl_exec_progress *progress; /* a display's counters, or NULL */

void vl_exec_set_progress(struct vl_exec_progress *p)
{
	progress = p;
}

static void set_ready(struct exec *x, int ns, int v)
{
	pthread_mutex_lock(&x->ready_lock);
	x->ns[ns].ready = v;
	pthread_cond_broadcast(&x->ready_cv);
	pthread_mutex_unlock(&x->ready_lock);
}

static bool stopping(struct exec *x);

/* Wait until namespace ns is built; false when it never will be. */
static bool wait_ready(struct exec *x, int ns)
{
	pthread_mutex_lock(&x->ready_lock);
	while (x->ns[ns].ready == 0 && !stopping(x)) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 20 * 1000 * 1000; /* re-check the stop flags now and then */
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&x->ready_cv, &x->ready_lock, &ts);
	}
	bool ok = x->ns[ns].ready == 1;
	pthread_mutex_unlock(&x->ready_lock);
	return ok;
}

/* ---- lookups ---- */

static size_t pow2_at_least(size_t n)
{
	size_t c = 64;
	while (c < n)
		c <<= 1;
	return c;
}

static void nsmap_build(struct exec *x)
{
	x->nsmap_cap = pow2_at_least(x->nns * 2 + 1);
	x->nsmap = xmalloc(x->nsmap_cap * sizeof(int));
	for (size_t i = 0; i < x->nsmap_cap; i++)
		x->nsmap[i] = -1;
	for (size_t i = 0; i < x->nns; i++) {
		size_t h = vl_hash32(x->ns[i].name) & (x->nsmap_cap - 1);
		while (x->nsmap[h] >= 0)
			h = (h + 1) & (x->nsmap_cap - 1);
		x->nsmap[h] = (int)i;
	}
}

static int ns_find(const struct exec *x, const char *name)
{
	size_t h = vl_hash32(name) & (x->nsmap_cap - 1);
	while (x->nsmap[h] >= 0) {
		if (!strcmp(x->ns[x->nsmap[h]].name, name))
			return x->nsmap[h];
		h = (h + 1) & (x->nsmap_cap - 1);
	}
	return -1;
}

static uint32_t dev_hash(int ns, const char *name)
{
	return vl_hash32(name) * 31u + (uint32_t)ns * 2654435761u;
}

static void dev_put(struct exec *x, int ns, const char *name, int ifindex);

static void dev_grow(struct exec *x)
{
	struct devent *old = x->devs;
	size_t oldcap = x->devs_cap;
	x->devs_cap = oldcap ? oldcap * 2 : 1024;
	x->devs = xmalloc(x->devs_cap * sizeof(*x->devs));
	for (size_t i = 0; i < x->devs_cap; i++)
		x->devs[i].ns = -1;
	x->ndevs = 0;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].ns >= 0)
			dev_put(x, old[i].ns, old[i].name, old[i].ifindex);
	free(old);
}

static void dev_put(struct exec *x, int ns, const char *name, int ifindex)
{
	if ((x->ndevs + 1) * 2 > x->devs_cap)
		dev_grow(x);
	size_t h = dev_hash(ns, name) & (x->devs_cap - 1);
	while (x->devs[h].ns >= 0)
		h = (h + 1) & (x->devs_cap - 1);
	x->devs[h].ns = ns;
	x->devs[h].ifindex = ifindex;
	snprintf(x->devs[h].name, sizeof(x->devs[h].name), "%s", name);
	x->ndevs++;
}

static int dev_find(const struct exec *x, int ns, const char *name)
{
	if (!strcmp(name, "lo"))
		return 1;
	if (!x->devs_cap)
		return 0;
	size_t h = dev_hash(ns, name) & (x->devs_cap - 1);
	while (x->devs[h].ns >= 0) {
		if (x->devs[h].ns == ns && x->devs[h].ifindex && !strcmp(x->devs[h].name, name))
			return x->devs[h].ifindex;
		h = (h + 1) & (x->devs_cap - 1);
	}
	return 0;
}

static int dev_new(struct exec *x, int ns, const char *name)
{
	int idx = x->ns[ns].next_ifindex++;
	dev_put(x, ns, name, idx);
	return idx;
}

/* ---- errors ---- */

struct opfail {
	int err;
	const char *what;   /* "creating veth" */
	const char *dev;
	char detail[160];   /* extra words before the hint, may be "" */
	const char *hint;   /* overrides the hint derived from err */
	char devbuf[160];   /* storage for dev when it is built on the fly */
};

static const char *kind_hint(enum vl_op_kind k)
{
	switch (k) {
	case VL_OP_BRIDGE: return "kernel lacks CONFIG_BRIDGE?";
	case VL_OP_VETH: return "kernel lacks CONFIG_VETH?";
	case VL_OP_VLAN: return "kernel lacks CONFIG_VLAN_8021Q?";
	case VL_OP_VXLAN: return "kernel lacks CONFIG_VXLAN?";
	case VL_OP_GENEVE: return "kernel lacks CONFIG_GENEVE?";
	case VL_OP_BRPORT: return "kernel lacks CONFIG_BRIDGE_VLAN_FILTERING?";
	case VL_OP_QDISC: return "kernel lacks CONFIG_NET_SCH_NETEM or CONFIG_NET_SCH_TBF?";
	case VL_OP_MIRROR: return "kernel lacks CONFIG_NET_SCH_INGRESS, CONFIG_NET_CLS_U32 or CONFIG_NET_ACT_MIRRED?";
	case VL_OP_NAT: return "kernel lacks CONFIG_NF_TABLES/CONFIG_NFT_MASQ?";
	case VL_OP_BOND: return "kernel lacks CONFIG_BONDING?";
	case VL_OP_NVGRE: return "kernel lacks CONFIG_NET_IPGRE (gretap)?";
	case VL_OP_FILTER: return "kernel lacks CONFIG_NF_TABLES_BRIDGE?";
	default: return NULL;
	}
}

static void format_fail(const struct vl_op *op, const struct opfail *f, bool fault,
			struct vl_buf *err)
{
	const char *hint = NULL;
	char hbuf[320];
	int e = -f->err;

	if (fault)
		hint = "injected by VLAB_FAULT_AT, a test-only hook";
	else if (e == EOPNOTSUPP || (e == ENOENT && (op->kind == VL_OP_QDISC || op->kind == VL_OP_MIRROR ||
						    op->kind == VL_OP_NAT || op->kind == VL_OP_FILTER)))
		hint = kind_hint(op->kind);
	else if (e == EEXIST)
		hint = "already exists: another lab or tool uses this name or address";
	else if (e == EPERM || e == EACCES)
		hint = "vlab needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN)";
	else if (e == EMFILE || e == ENFILE)
		hint = "too many open files: raise the open-files limit (ulimit -n)";
	else if (e == ERANGE || (e == EINVAL && op->d.mtu))
		hint = "is the MTU within what the device allows?";
	if (f->hint)
		hint = f->hint;
	else if (vl_nl_extack()[0] && !fault) {
		snprintf(hbuf, sizeof(hbuf), "kernel: %s%s%s", vl_nl_extack(), hint ? "; " : "",
			 hint ? hint : "");
		hint = hbuf;
	}
	vl_buf_printf(err, "%s: %s%s%s \"%s\": %s", op->node, f->what,
		      f->detail[0] ? " " : "", f->detail, f->dev, strerror(e));
	if (hint)
		vl_buf_printf(err, " (%s)", hint);
}

/* ---- namespaces: being in the right one lazily ---- */

/* A descriptor of namespace ns for a moment (close it after): the one
 * kept for a namespace apply opened, else one the kernel gives for the
 * namespace's netlink socket (SIOCGSKNS). A namespace this run created
 * keeps only its socket open: one descriptor each, so a 10,000-namespace
 * lab fits a 20,000-file limit. */
static int ns_fd(struct exec *x, int ns, bool *temp)
{
	*temp = false;
	if (x->ns[ns].nsfd >= 0)
		return x->ns[ns].nsfd;
	int fd = ioctl(x->ns[ns].nl.fd, SIOCGSKNS);
	if (fd < 0)
		return -errno;
	*temp = true;
	return fd;
}

static int enter(struct exec *x, int ns)
{
	if (x->cur == ns)
		return 0;
	bool temp = false;
	int fd = ns < 0 ? x->home : ns_fd(x, ns, &temp);
	if (fd < 0)
		return fd;
	int r = setns(fd, CLONE_NEWNET) < 0 ? -errno : 0;
	if (temp)
		close(fd);
	if (r < 0)
		return r;
	x->cur = ns;
	return 0;
}

/* ---- operations ---- */

#define FAIL(f_, e_, what_, dev_)                                               \
	do {                                                                    \
		(f_)->err = (e_);                                               \
		(f_)->what = (what_);                                           \
		(f_)->dev = (dev_);                                             \
		return (e_);                                                    \
	} while (0)

/* Test-only phase hook (see include/vlab/exec.h). Each phase fires at
 * most once per process: the preflight probe runs twice in some `up`s. */
int vl_fault_phase(const char *phase)
{
	static bool fired;
	const char *at = getenv("VLAB_FAULT_AT");
	if (fired || !at || strcmp(at, phase))
		return 0;
	fired = true;
	const char *mode = getenv("VLAB_FAULT_MODE");
	if (mode && !strcmp(mode, "stop")) {
		raise(SIGSTOP); /* the test signals or kills us now */
		return 0;
	}
	fprintf(stderr, "vlab: failing at phase %s: %s (injected by VLAB_FAULT_AT, a test-only "
		"hook)\n", phase, strerror(EIO));
	return -EIO;
}

/* A phase of the executor failed through the hook: stop like an op. */
static void phase_fail(struct exec *x, const char *phase)
{
	pthread_mutex_lock(&x->lock);
	if (!atomic_load(&x->failed)) {
		x->fail_op = 0;
		x->err->len = 0;
		vl_buf_printf(x->err, "vlab: phase %s: %s (injected by VLAB_FAULT_AT, a test-only "
			      "hook)", phase, strerror(EIO));
		atomic_store(&x->failed, true);
	}
	pthread_mutex_unlock(&x->lock);
}

/* Test-only hook: should operation i fail (or stop the process) here? */
static bool fault_here(struct exec *x, size_t i)
{
	static bool apply_fired; /* apply: the undo run must not fail again */
	if (x->fault_at <= 0 || (size_t)x->fault_at != i + 1)
		return false;
	if (x->apply) {
		if (apply_fired)
			return false;
		apply_fired = true;
	}
	if (x->fault_stop) {
		raise(SIGSTOP); /* the test kills us now, mid-up */
		return false;
	}
	return true;
}

/* Record a failure of operation i; the earliest one is reported. */
static void set_fail(struct exec *x, size_t i, const struct opfail *f, bool fault)
{
	struct vl_buf msg = {0};
	if (fault) {
		struct opfail ff = {.err = -EIO, .what = vl_op_kind_name(x->p->ops[i].kind)};
		ff.dev = x->p->ops[i].dev[0] ? x->p->ops[i].dev : x->p->ops[i].ns;
		snprintf(ff.detail, sizeof(ff.detail), "(op %zu)", i + 1);
		format_fail(&x->p->ops[i], &ff, true, &msg);
	} else {
		format_fail(&x->p->ops[i], f, false, &msg);
	}
	pthread_mutex_lock(&x->lock);
	if (!atomic_load(&x->failed) || i < x->fail_op) {
		x->fail_op = i;
		x->err->len = 0;
		vl_buf_add(x->err, msg.s);
		atomic_store(&x->failed, true);
	}
	pthread_mutex_unlock(&x->lock);
	vl_buf_free(&msg);
}

static bool stopping(struct exec *x)
{
	return atomic_load(&x->failed) || (x->stop && *x->stop);
}

struct inside {
	struct exec *x;
	int ns;
	struct opfail f;
	size_t op;       /* the operation that failed inside */
	bool fault;
};

/* The plan's way of saying "no IPv6 in this namespace". The executor does
 * it through netlink instead of /proc/sys: each open() under /proc/sys/net
 * walks a dentry hash chain as long as the number of namespaces whose
 * /proc/sys was ever looked up (proc_sys_compare per entry), so writing it
 * in every namespace cost O(N^2): 54% of a 5000-VM up. Instead every device
 * created in the namespace gets addr_gen_mode none before it goes up (no
 * link-local, no SLAAC, no DAD, no MLD report: no IPv6 packet leaves), and
 * lo loses ::1. Not in namespaces holding switches: there IPv6 left on
 * would give every bridge port an ff00::/8 route, and each port event
 * walks them all (rt6_sync_down_dev: O(ports^2) per bridge); those few
 * namespaces keep disable_ipv6, cheap as long as the many VM namespaces
 * never look up /proc/sys. */
static bool v6off_sysctl(const struct vl_op *op)
{
	return op->kind == VL_OP_SYSCTL && !strcmp(op->u.sysctl.value, "1") &&
	       (!strcmp(op->u.sysctl.key, "ipv6/conf/all/disable_ipv6") ||
		!strcmp(op->u.sysctl.key, "ipv6/conf/default/disable_ipv6"));
}

/* Runs inside a namespace just created: mark lo, apply its sysctls (the
 * plan's SYSCTL ops of this namespace) without any setns. */
static int ns_inside(void *arg)
{
	struct inside *in = arg;
	struct exec *x = in->x;
	struct nsctx *c = &x->ns[in->ns];
	const struct vl_op *op = &x->p->ops[x->netns_op[in->ns]];
	char lo_alias[VL_ALTNAME_MAX];
	snprintf(lo_alias, sizeof(lo_alias), "%s%s:%s", VL_ALIAS_PREFIX, x->p->lab, op->node);
	int r = vl_link_lo_mark(&c->nl, lo_alias, c->v6off);
	if (r < 0)
		FAIL(&in->f, r, "marking loopback of", op->ns);
	if (c->v6off && (r = vl_link_lo_v6off(&c->nl)) < 0)
		FAIL(&in->f, r, "removing ::1 from loopback of", op->ns);
	for (int j = x->sysctl_head[in->ns]; j >= 0; j = x->sysctl_next[j]) {
		const struct vl_op *so = &x->p->ops[j];
		in->op = (size_t)j;
		if (fault_here(x, (size_t)j)) {
			in->fault = true;
			return -EIO;
		}
		if (c->v6off && v6off_sysctl(so))
			continue; /* done above and device by device */
		char path[128];
		snprintf(path, sizeof(path), "/proc/sys/net/%s", so->u.sysctl.key);
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			FAIL(&in->f, -errno, "setting sysctl", so->u.sysctl.key);
		size_t len = strlen(so->u.sysctl.value);
		ssize_t n = write(fd, so->u.sysctl.value, len);
		r = n < 0 ? -errno : 0;
		close(fd);
		if (r < 0)
			FAIL(&in->f, r, "setting sysctl", so->u.sysctl.key);
	}
	return 0;
}

/* NETNS and its SYSCTLs for namespace `ns`; any thread. */
static void build_ns(struct exec *x, int ns)
{
	size_t i = (size_t)x->netns_op[ns];
	const struct vl_op *op = &x->p->ops[i];
	struct nsctx *c = &x->ns[ns];
	struct inside in = {.x = x, .ns = ns, .op = i};

	if (fault_here(x, i)) {
		set_fail(x, i, NULL, true);
		return;
	}
	if (x->state_fd >= 0) {
		/* recorded before the /run/netns entry exists: a kill -9 at
		 * any point leaves nothing `down` does not know about */
		int w = vl_state_add_netns(x->state_fd, op->ns);
		if (w < 0) {
			in.f = (struct opfail){.err = w, .what = "recording in the state file",
					       .dev = op->ns};
			set_fail(x, i, &in.f, false);
			return;
		}
	}
	char mark[VL_ALTNAME_MAX];
	vl_alias(mark, x->p->lab, op->node);
	int r = vl_netns_reserve(op->ns, mark);
	if (r < 0) {
		in.f = (struct opfail){.err = r, .what = "creating namespace", .dev = op->ns};
		set_fail(x, i, &in.f, false);
		return;
	}
	c->created = true;
	r = vl_netns_create(op->ns, x->home, &c->nsfd, &c->nl, ns_inside, &in);
	if (r < 0) {
		if (!in.f.what)
			in.f = (struct opfail){.err = r, .what = "creating namespace", .dev = op->ns};
		set_fail(x, in.op, &in.f, in.fault);
		return;
	}
	/* its socket stands for it from now on (see ns_fd) */
	close(c->nsfd);
	c->nsfd = -1;
	set_ready(x, ns, 1);
	size_t built = atomic_fetch_add(&x->built, 1) + 1;
	if (progress)
		atomic_store_explicit(&progress->netns_done, built, memory_order_relaxed);
	/* test-only: the `netns` phase, half the namespaces made */
	if (built == (x->nbuild + 1) / 2 && vl_fault_phase("netns") < 0)
		phase_fail(x, "netns");
}

static void *ns_worker(void *arg)
{
	struct exec *x = arg;
	for (;;) {
		size_t i = atomic_fetch_add(&x->next_ns, 1);
		if (i >= x->nns || stopping(x))
			break;
		if (x->netns_op[i] >= 0)
			build_ns(x, (int)i);
	}
	/* wake the main thread: it may wait for a namespace we gave up on */
	pthread_mutex_lock(&x->ready_lock);
	pthread_cond_broadcast(&x->ready_cv);
	pthread_mutex_unlock(&x->ready_lock);
	return NULL;
}

static int write_hosts(struct exec *x)
{
	const char *s = x->p->hosts.s ? x->p->hosts.s : "";
	return vl_state_write_file(x->p->lab, "hosts", s, x->p->hosts.len, 0644);
}

/* Is this symlink target one of vlab's hosts files (/run/vlab/<lab>/hosts)? */
static bool vlab_hosts_target(const char *target)
{
	size_t rl = strlen(VL_RUN_DIR), n = strlen(target);
	if (strncmp(target, VL_RUN_DIR "/", rl + 1))
		return false;
	const char *lab = target + rl + 1, *slash = strchr(lab, '/');
	if (!slash || strcmp(slash, "/hosts"))
		return false;
	char name[64];
	snprintf(name, sizeof(name), "%.*s", (int)(slash - lab), lab);
	return n < 300 && vl_lab_name_ok(name, NULL);
}

/* /etc/netns/<ns>/hosts -> /run/vlab/<lab>/hosts. An entry of ours left by
 * a reboot (/run is gone, /etc is not) is replaced atomically: the new link
 * is made under a temporary name and renamed over it. Anything else there
 * is someone else's and is refused. All through directory fds opened
 * without following links. */
static int op_hosts(struct exec *x, const struct vl_op *op, struct opfail *f)
{
	char *dir = f->detail, *link = f->devbuf, target[300];
	int r;
	pthread_mutex_lock(&x->lock);
	if (!x->hosts_written) {
		r = write_hosts(x);
		if (r < 0) {
			pthread_mutex_unlock(&x->lock);
			FAIL(f, r, "writing hosts file", op->u.hosts.path);
		}
		x->hosts_written = true;
	}
	pthread_mutex_unlock(&x->lock);
	vl_path_etc_netns(link, sizeof(f->devbuf), op->ns, "hosts");
	snprintf(dir, sizeof(f->detail), "%s", ""); /* detail stays empty */
	int etc = vl_checked_dir(VL_ETC_NETNS_DIR, true);
	if (etc < 0)
		FAIL(f, etc, "opening", VL_ETC_NETNS_DIR);
	bool made = mkdirat(etc, op->ns, 0755) == 0;
	if (!made && errno != EEXIST) {
		r = -errno;
		close(etc);
		FAIL(f, r, "creating directory of", link);
	}
	int dfd = openat(etc, op->ns, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	r = dfd < 0 ? -errno : 0;
	close(etc);
	if (made && dfd >= 0)
		fchmod(dfd, 0755); /* whatever the umask */
	if (r < 0) {
		f->hint = "not a directory vlab made (a symlink?): remove it or rename the node";
		FAIL(f, r, "opening directory of", link);
	}
	ssize_t n = readlinkat(dfd, "hosts", target, sizeof(target) - 1);
	if (n >= 0)
		target[n] = 0;
	if (n < 0 && errno != ENOENT) {
		close(dfd);
		f->hint = "it is not vlab's (not a link to " VL_RUN_DIR "/<lab>/hosts): vlab will not "
			  "replace it; move it away or rename the node";
		FAIL(f, -EEXIST, "refusing to replace", link);
	}
	if (n >= 0 && !vlab_hosts_target(target)) {
		close(dfd);
		f->hint = "it links elsewhere, so it is not vlab's: vlab will not replace it; move it "
			  "away or rename the node";
		FAIL(f, -EEXIST, "refusing to replace", link);
	}
	static const char tmp[] = VL_ETC_HOSTS_TMP;
	unlinkat(dfd, tmp, 0);
	r = 0;
	if (symlinkat(op->u.hosts.path, dfd, tmp) < 0 || renameat(dfd, tmp, dfd, "hosts") < 0) {
		r = -errno;
		unlinkat(dfd, tmp, 0);
	}
	close(dfd);
	if (r < 0)
		FAIL(f, r, "linking hosts file", link);
	return 0;
}

/* IPv6 of one device on or off (disable_ipv6; netlink has no setter):
 * off for a bridge (no input from the ports reaches the namespace holding
 * it); on for a device with addresses in a namespace holding switches,
 * where default/disable_ipv6 = 1 keeps it off the ports. Absent file = no
 * IPv6 in this kernel. */
static int dev_ipv6(struct exec *x, int ns, const char *name, bool on)
{
	char path[96];
	int r = enter(x, ns);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", name);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	r = write(fd, on ? "0" : "1", 1) == 1 ? 0 : -errno;
	close(fd);
	return r;
}

/* The creating request of a switch device: bridges and VTEPs have a carrier
 * at once, so they are created down and go up in after_create, once they
 * cannot get an address any more (veth ports have no carrier before their
 * peer is up, so they keep IFF_UP). */
static struct vl_op_dev create_dev(const struct exec *x, int ns, const struct vl_op_dev *d)
{
	struct vl_op_dev c = *d;
	if (c.noaddr || c.ll6 || x->ns[ns].v6off)
		c.up = false;
	return c;
}

/* No address, alias mark, altname, isolation: what follows creating a device. */
static int after_create(struct exec *x, int ns, int ifindex, const char *name,
			const struct vl_op_dev *d, bool up, struct opfail *f)
{
	struct nsctx *c = &x->ns[ns];
	int r;
	if (d && d->noaddr) {
		bool bridge = !d->master[0];
		/* IPv6 off through the namespace's default: a port needs
		 * nothing more (one request less per VM) */
		bool v6 = !c->v6off_default;
		r = bridge || v6 ? vl_link_noaddr(&c->nl, ifindex, bridge, v6) : 0;
		if (r == -EAFNOSUPPORT && v6) /* no IPv6 on this device or kernel */
			r = bridge ? vl_link_noaddr(&c->nl, ifindex, true, false) : 0;
		if (r < 0)
			FAIL(f, r, "turning off addresses of", name);
		/* (where the whole namespace has no IPv6, nothing can
		 * reach it through the bridge: no sysctl write needed) */
		if (bridge && !c->v6off && !c->v6off_default &&
		    (r = dev_ipv6(x, ns, name, false)) < 0)
			FAIL(f, r, "turning off IPv6 of", name);
	} else if (c->v6off || (d && d->ll6)) {
		/* ll6: the link-local is vlab's, an ADDR op without DAD. In a
		 * namespace holding switches IPv6 is off by default (for the
		 * ports); apply cannot tell, and turns it on anyway */
		if (d && d->ll6 && (c->v6off_default || c->existing) &&
		    (r = dev_ipv6(x, ns, name, true)) < 0)
			FAIL(f, r, "turning on IPv6 of", name);
		r = vl_link_noaddr(&c->nl, ifindex, false, true);
		if (r < 0 && r != -EAFNOSUPPORT)
			FAIL(f, r, c->v6off ? "turning off IPv6 of" :
			     "turning off the kernel's link-local of", name);
	}
	r = vl_link_set_alias(&c->nl, ifindex, x->alias, up);
	if (r < 0)
		FAIL(f, r, "marking (ifalias)", name);
	if (d && d->altname[0] && !x->no_altname) {
		r = vl_link_add_altname(&c->nl, ifindex, d->altname);
		if (r < 0 && x->apply && (r == -EOPNOTSUPP || r == -EINVAL)) {
			x->no_altname = true; /* an old kernel */
			r = 0;
		}
		if (r < 0) {
			snprintf(f->detail, sizeof(f->detail), "%s on", d->altname);
			FAIL(f, r, "adding altname", name);
		}
	}
	if (d && d->isolated) {
		r = vl_link_set_isolated(&c->nl, ifindex);
		if (r < 0)
			FAIL(f, r, "isolating bridge port", name);
	}
	return 0;
}

static int master_of(struct exec *x, int ns, const struct vl_op_dev *d, struct opfail *f,
		     int *out)
{
	*out = 0;
	if (!d->master[0])
		return 0;
	*out = dev_find(x, ns, d->master);
	if (!*out)
		FAIL(f, -ENODEV, "finding bridge", d->master);
	return 0;
}

static int op_bridge(struct exec *x, int ns, const struct vl_op *op, struct opfail *f)
{
	struct nsctx *c = &x->ns[ns];
	struct vl_op_dev d = create_dev(x, ns, &op->d);
	struct vl_devspec s = {op->dev, dev_new(x, ns, op->dev), &d, 0, x->alias};
	int r = vl_link_bridge(&c->nl, &s);
	if (r < 0)
		FAIL(f, r, "creating bridge", op->dev);
	/* One request after creation (libnl has no setter for IFLA_BR_*):
	 * VLAN filtering when asked, multicast snooping when off (the
	 * kernel's default is on). */
	if (op->u.bridge.vlan_filtering || !op->u.bridge.mcast_snooping) {
		r = vl_link_bridge_opts(&c->nl, s.ifindex, op->u.bridge.vlan_filtering ? 1 : -1,
					op->u.bridge.default_pvid,
					op->u.bridge.mcast_snooping ? -1 : 0);
		if (r < 0)
			FAIL(f, r, op->u.bridge.vlan_filtering ?
			     "turning on vlan_filtering of bridge" :
			     "turning multicast snooping off on bridge", op->dev);
	}
	if (op->u.bridge.stp) {
		r = vl_link_bridge_stp(&c->nl, s.ifindex, op->u.bridge.forward_delay_cs,
				       op->u.bridge.hello_time_cs, op->u.bridge.priority);
		if (r < 0)
			FAIL(f, r, "turning on spanning tree of bridge", op->dev);
	}
	return after_create(x, ns, s.ifindex, op->dev, &op->d, d.up != op->d.up, f);
}

/* A host's bond: created down with its master (a vSwitch), members join
 * it as their veth ends are made (they must be down to be enslaved). */
static int op_bond(struct exec *x, int ns, const struct vl_op *op, struct opfail *f)
{
	struct vl_op_dev d = create_dev(x, ns, &op->d);
	struct vl_devspec s = {op->dev, 0, &d, 0, x->alias};
	if (master_of(x, ns, &op->d, f, &s.master_ifindex) < 0)
		return f->err;
	s.ifindex = dev_new(x, ns, op->dev);
	int r = vl_link_bond(&x->ns[ns].nl, &s, op->u.bond.mode, op->u.bond.miimon_ms);
	if (r < 0)
		FAIL(f, r, "creating bond", op->dev);
	return after_create(x, ns, s.ifindex, op->dev, &op->d, d.up != op->d.up, f);
}

static int op_veth(struct exec *x, int ns, const struct vl_op *op, struct opfail *f)
{
	int pns = ns_find(x, op->u.veth.peer_ns);
	if (pns < 0)
		FAIL(f, -ENOENT, "finding namespace", op->u.veth.peer_ns);
	struct vl_devspec s = {op->dev, 0, &op->d, 0, x->alias};
	struct vl_devspec ps = {op->u.veth.peer_dev, 0, &op->u.veth.peer, 0, x->alias};
	if (master_of(x, ns, &op->d, f, &s.master_ifindex) < 0)
		return f->err;
	s.ifindex = dev_new(x, ns, op->dev);
	ps.ifindex = dev_new(x, pns, op->u.veth.peer_dev);
	bool temp = false;
	int pfd = -1; /* -1: the peer stays in this namespace */
	if (pns != ns && (pfd = ns_fd(x, pns, &temp)) < 0)
		FAIL(f, pfd, "opening namespace", op->u.veth.peer_ns);
	int r = vl_link_veth(&x->ns[ns].nl, &s, &ps, pfd);
	if (temp)
		close(pfd);
	if (r < 0) {
		snprintf(f->detail, sizeof(f->detail), "pair %s/%s <->", op->u.veth.peer_ns,
			 op->u.veth.peer_dev);
		FAIL(f, r, "creating veth", op->dev);
	}
	if (op->u.veth.peer.master[0]) {
		int m;
		if (master_of(x, pns, &op->u.veth.peer, f, &m) < 0)
			return f->err;
		r = vl_link_set_master(&x->ns[pns].nl, ps.ifindex, m);
		if (r < 0)
			FAIL(f, r, "enslaving", op->u.veth.peer_dev);
	}
	r = after_create(x, ns, s.ifindex, op->dev, &op->d, false, f);
	if (r < 0)
		return r;
	return after_create(x, pns, ps.ifindex, op->u.veth.peer_dev, &op->u.veth.peer,
			    op->u.veth.peer.up, f);
}

static int op_vlan(struct exec *x, int ns, const struct vl_op *op, struct opfail *f)
{
	int parent = dev_find(x, ns, op->u.vlan.parent);
	if (!parent)
		FAIL(f, -ENODEV, "finding parent device", op->u.vlan.parent);
	/* its parent may have a carrier: created down where IPv6 must be
	 * off first */
	struct vl_op_dev d = create_dev(x, ns, &op->d);
	struct vl_devspec s = {op->dev, 0, &d, 0, x->alias};
	if (master_of(x, ns, &op->d, f, &s.master_ifindex) < 0)
		return f->err;
	s.ifindex = dev_new(x, ns, op->dev);
	int r = vl_link_vlan(&x->ns[ns].nl, &s, parent, op->u.vlan.vid);
	if (r < 0)
		FAIL(f, r, "creating vlan", op->dev);
	return after_create(x, ns, s.ifindex, op->dev, &op->d, d.up != op->d.up, f);
}

static int op_tunnel(struct exec *x, int ns, const struct vl_op *op, struct opfail *f)
{
	bool geneve = op->kind == VL_OP_GENEVE, nvgre = op->kind == VL_OP_NVGRE;
	struct vl_op_dev d = create_dev(x, ns, &op->d);
	struct vl_devspec s = {op->dev, 0, &d, 0, x->alias};
	int under = 0, r;
	if (master_of(x, ns, &op->d, f, &s.master_ifindex) < 0)
		return f->err;
	if (!geneve && op->u.tunnel.underlay[0]) {
		under = dev_find(x, ns, op->u.tunnel.underlay);
		if (!under)
			FAIL(f, -ENODEV, "finding underlay device", op->u.tunnel.underlay);
	}
	s.ifindex = dev_new(x, ns, op->dev);
	if (nvgre)
		r = vl_link_gretap(&x->ns[ns].nl, &s, op);
	else if (geneve)
		r = vl_link_geneve(&x->ns[ns].nl, &s, op);
	else
		r = vl_link_vxlan(&x->ns[ns].nl, &s, op, under);
	if (r < 0)
		FAIL(f, r, nvgre ? "creating gretap (NVGRE)" : geneve ? "creating geneve" : "creating vxlan",
		     op->dev);
	return after_create(x, ns, s.ifindex, op->dev, &op->d, d.up != op->d.up, f);
}

/* One port security rule in the switch's namespace (table bridge vlab). */
static int op_filter(struct exec *x, int ns, const struct vl_op *op, struct opfail *f)
{
	int r = enter(x, ns);
	if (r < 0)
		FAIL(f, r, "entering namespace", op->ns);
	r = vl_nft_filter(x->alias, &op->u.filter);
	if (r < 0)
		FAIL(f, r, "adding a port security rule for", op->dev);
	return 0;
}

static int need_dev(struct exec *x, int ns, const char *name, struct opfail *f, int *out)
{
	*out = dev_find(x, ns, name);
	if (!*out)
		FAIL(f, -ENODEV, "finding device", name);
	return 0;
}

static int op_brport(struct exec *x, int ns, const struct vl_op *op, struct opfail *f)
{
	int idx;
	if (need_dev(x, ns, op->dev, f, &idx) < 0)
		return f->err;
	int r = vl_link_brport_vlan(&x->ns[ns].nl, idx, op->u.brport.self, op->u.brport.vid,
				    op->u.brport.pvid, op->u.brport.untagged, op->u.brport.del);
	if (r < 0) {
		snprintf(f->detail, sizeof(f->detail), "%d on", op->u.brport.vid);
		FAIL(f, r, op->u.brport.del ? "removing vlan" : "adding vlan", op->dev);
	}
	return 0;
}

static int op_fdb(struct exec *x, int ns, const struct vl_op *op, struct opfail *f)
{
	int idx;
	if (need_dev(x, ns, op->dev, f, &idx) < 0)
		return f->err;
	int r = vl_fdb_append(&x->ns[ns].nl, idx, &op->u.fdb.dst);
	if (r < 0) {
		vl_prefix_format(&op->u.fdb.dst, f->detail, sizeof(f->detail), false);
		strncat(f->detail, " on", sizeof(f->detail) - strlen(f->detail) - 1);
		FAIL(f, r, "adding flood entry to", op->dev);
	}
	return 0;
}

static int op_addr(struct exec *x, int ns, const struct vl_op *op, struct opfail *f)
{
	int idx;
	if (need_dev(x, ns, op->dev, f, &idx) < 0)
		return f->err;
	int r = vl_addr_add(&x->ns[ns].nl, idx, &op->u.addr.addr, op->u.addr.nodad);
	/* a link-local there already is the same one (the kernel's, in a lab
	 * an older vlab built); no IPv6 in this kernel: nothing to add */
	if (op->u.addr.ll && (r == -EEXIST || r == -EAFNOSUPPORT))
		r = 0;
	if (r < 0) {
		vl_prefix_format(&op->u.addr.addr, f->detail, sizeof(f->detail), true);
		strncat(f->detail, " to", sizeof(f->detail) - strlen(f->detail) - 1);
		FAIL(f, r, "adding address", op->dev);
	}
	return 0;
}

static int op_up(struct exec *x, int ns, const struct vl_op *op, struct opfail *f)
{
	int idx;
	if (need_dev(x, ns, op->dev, f, &idx) < 0)
		return f->err;
	int r = vl_link_set_up(&x->ns[ns].nl, idx);
	if (r < 0)
		FAIL(f, r, "setting up", op->dev);
	return 0;
}

static int op_route(struct exec *x, int ns, const struct vl_op *op, struct opfail *f)
{
	int idx = 0;
	if (op->u.route.has_dev && need_dev(x, ns, op->dev, f, &idx) < 0)
		return f->err;
	int r = vl_route_add(&x->ns[ns].nl, &op->u.route.dst, &op->u.route.via, idx);
	if (r < 0) {
		char dst[64], via[64];
		if (op->u.route.dst.len == 0)
			snprintf(dst, sizeof(dst), "default");
		else
			vl_prefix_format(&op->u.route.dst, dst, sizeof(dst), true);
		via[0] = 0;
		if (op->u.route.via.family)
			vl_prefix_format(&op->u.route.via, via, sizeof(via), false);
		snprintf(f->detail, sizeof(f->detail), "%s%s%s%s", dst, via[0] ? " via " : "", via,
			 op->u.route.has_dev ? " dev" : "");
		FAIL(f, r, "adding route", op->u.route.has_dev ? op->dev : op->ns);
	}
	return 0;
}

static int op_qdisc(struct exec *x, int ns, const struct vl_op *op, struct opfail *f)
{
	int idx;
	if (need_dev(x, ns, op->dev, f, &idx) < 0)
		return f->err;
	int r = vl_tc_shape(&x->ns[ns].nl, idx, op->d.mtu, &op->u.qdisc.shape);
	if (r < 0)
		FAIL(f, r, "adding shaping qdisc to", op->dev);
	return 0;
}

static int op_mirror(struct exec *x, int ns, const struct vl_op *op, struct opfail *f)
{
	int idx, to;
	if (need_dev(x, ns, op->dev, f, &idx) < 0 || need_dev(x, ns, op->u.mirror.to, f, &to) < 0)
		return f->err;
	int r = vl_tc_mirror(&x->ns[ns].nl, idx, to, op->u.mirror.ingress, op->u.mirror.egress);
	if (r < 0) {
		snprintf(f->detail, sizeof(f->detail), "to %s from", op->u.mirror.to);
		FAIL(f, r, "mirroring", op->dev);
	}
	return 0;
}

static int op_nat(struct exec *x, int ns, const struct vl_op *op, struct opfail *f)
{
	int r = enter(x, ns);
	if (r < 0)
		FAIL(f, r, "entering namespace", op->ns);
	r = vl_nft_masquerade(op->dev);
	if (r < 0)
		FAIL(f, r, "adding nftables masquerade out of", op->dev);
	return 0;
}


/* ---- apply: a difference run on a running lab ---- */

struct dump_arg {
	struct exec *x;
	int ns;
};

static int dump_dev(int ifindex, const char *name, const char *alias, void *arg)
{
	struct dump_arg *a = arg;
	struct exec *x = a->x;
	dev_put(x, a->ns, name, ifindex);
	size_t h = dev_hash(a->ns, name) & (x->devs_cap - 1);
	while (x->devs[h].ns >= 0) {
		if (x->devs[h].ns == a->ns && x->devs[h].ifindex == ifindex &&
		    !strcmp(x->devs[h].name, name)) {
			x->devs[h].foreign = strcmp(alias, x->alias) != 0;
			break;
		}
		h = (h + 1) & (x->devs_cap - 1);
	}
	if (ifindex >= x->ns[a->ns].next_ifindex)
		x->ns[a->ns].next_ifindex = ifindex + 1;
	return 0;
}

/* Open a namespace of the running lab (main thread): its fd, a socket
 * inside it, and its devices (names, ifindexes, marks) so ops find them
 * and new devices get free ifindexes. */
static int open_existing(struct exec *x, int ns, struct opfail *f)
{
	struct nsctx *c = &x->ns[ns];
	if (!vl_netns_has_mark(c->name, x->p->lab)) {
		f->hint = "it is not a namespace of this lab (no vlab mark): vlab will not change it";
		FAIL(f, -ENOENT, "opening namespace", c->name);
	}
	int fd = vl_netns_open(c->name);
	if (fd < 0)
		FAIL(f, fd, "opening namespace", c->name);
	c->nsfd = fd;
	int r = enter(x, ns);
	if (r < 0)
		FAIL(f, r, "entering namespace", c->name);
	r = vl_nl_open(&c->nl, NETLINK_ROUTE);
	if (r < 0)
		FAIL(f, r, "opening netlink in", c->name);
	struct dump_arg a = {x, ns};
	r = vl_link_dump(&c->nl, dump_dev, &a);
	if (r < 0)
		FAIL(f, r, "listing devices of", c->name);
	/* a namespace without IPv6 says so on lo (see ns_inside) */
	c->v6off = vl_link_addr_gen_mode(&c->nl, 1) == IN6_ADDR_GEN_MODE_NONE;
	c->ready = 1;
	return 0;
}

/* Namespace ns usable now: built (new) or opened (existing). */
static int use_ns(struct exec *x, int ns, struct opfail *f)
{
	if (x->ns[ns].ready == -2)
		return open_existing(x, ns, f);
	if (!wait_ready(x, ns)) {
		if (stopping(x))
			return -ECANCELED;
		FAIL(f, -ENOENT, "using namespace (it was not created)", x->ns[ns].name);
	}
	return 0;
}

static struct devent *dev_entry(struct exec *x, int ns, const char *name)
{
	if (!x->devs_cap)
		return NULL;
	size_t h = dev_hash(ns, name) & (x->devs_cap - 1);
	while (x->devs[h].ns >= 0) {
		if (x->devs[h].ns == ns && x->devs[h].ifindex && !strcmp(x->devs[h].name, name))
			return &x->devs[h];
		h = (h + 1) & (x->devs_cap - 1);
	}
	return NULL;
}

static void dev_forget(struct exec *x, int ns, const char *name)
{
	struct devent *e = ns >= 0 ? dev_entry(x, ns, name) : NULL;
	if (e)
		e->ifindex = 0;
}

/* Absent is what a remove wants. */
static bool absent(int r)
{
	return r == -ENOENT || r == -ENODEV || r == -ESRCH || r == -EADDRNOTAVAIL;
}

static int write_sysctl(struct exec *x, int ns, const struct vl_op *op, struct opfail *f)
{
	int r = enter(x, ns);
	if (r < 0)
		FAIL(f, r, "entering namespace", op->ns);
	char path[128];
	snprintf(path, sizeof(path), "/proc/sys/net/%s", op->u.sysctl.key);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		FAIL(f, -errno, "setting sysctl", op->u.sysctl.key);
	size_t len = strlen(op->u.sysctl.value);
	r = write(fd, op->u.sysctl.value, len) == (ssize_t)len ? 0 : -errno;
	close(fd);
	if (r < 0)
		FAIL(f, r, "setting sysctl", op->u.sysctl.key);
	return 0;
}

static int remove_netns(struct exec *x, const struct vl_op *op, struct opfail *f)
{
	if (!vl_netns_exists(op->ns))
		return 0;
	if (!vl_netns_has_mark(op->ns, x->p->lab)) {
		f->hint = "it is not a namespace of this lab (no vlab mark): vlab will not delete it";
		FAIL(f, -EPERM, "deleting namespace", op->ns);
	}
	int r = vl_netns_delete(op->ns);
	if (r < 0)
		FAIL(f, r, "deleting namespace", op->ns);
	vl_etc_netns_remove(op->ns);
	return 0;
}

static int remove_link(struct exec *x, int ns, const struct vl_op *op, struct opfail *f)
{
	struct devent *e = dev_entry(x, ns, op->dev);
	if (!e)
		return 0;
	if (e->foreign) {
		f->hint = "it has no vlab mark (ifalias vlab:<lab>): vlab will not delete it";
		FAIL(f, -EPERM, "deleting", op->dev);
	}
	int r = vl_link_del(&x->ns[ns].nl, e->ifindex);
	if (r < 0 && !absent(r))
		FAIL(f, r, "deleting", op->dev);
	e->ifindex = 0;
	if (op->kind == VL_OP_VETH)
		dev_forget(x, ns_find(x, op->u.veth.peer_ns), op->u.veth.peer_dev);
	return 0;
}

static int run_remove(struct exec *x, int ns, const struct vl_op *op, struct opfail *f)
{
	struct nsctx *c = &x->ns[ns];
	int idx = dev_find(x, ns, op->dev), r = 0;
	const char *what = "removing";
	switch (op->kind) {
	case VL_OP_BRIDGE:
	case VL_OP_VETH:
	case VL_OP_VLAN:
	case VL_OP_VXLAN:
	case VL_OP_GENEVE:
	case VL_OP_BOND:
	case VL_OP_NVGRE:
		return remove_link(x, ns, op, f);
	case VL_OP_HOSTS:
		vl_etc_netns_remove(op->ns);
		return 0;
	case VL_OP_NAT:
		f->hint = "vlab cannot remove NAT from a running router: down and up the lab";
		FAIL(f, -EOPNOTSUPP, "removing NAT out of", op->dev);
	case VL_OP_FILTER:
		f->hint = "vlab cannot change port security rules of a running lab: down and up the lab";
		FAIL(f, -EOPNOTSUPP, "removing a port security rule for", op->dev);
	case VL_OP_ROUTE: {
		int fam = op->u.route.dst.family ? op->u.route.dst.family : op->u.route.via.family;
		r = vl_route_del(&c->nl, &op->u.route.dst, fam);
		what = "removing route in";
		break;
	}
	default:
		break;
	}
	if (op->kind != VL_OP_ROUTE) {
		if (!idx)
			return 0; /* the device is gone, and with it what was on it */
		switch (op->kind) {
		case VL_OP_ADDR:
			r = vl_addr_del(&c->nl, idx, &op->u.addr.addr);
			what = "removing address from";
			break;
		case VL_OP_FDB:
			r = vl_fdb_del(&c->nl, idx, &op->u.fdb.dst);
			what = "removing flood entry from";
			break;
		case VL_OP_BRPORT:
			r = vl_link_brport_vlan(&c->nl, idx, op->u.brport.self, op->u.brport.vid, false,
						false, true);
			what = "removing vlan from";
			break;
		case VL_OP_QDISC:
		case VL_OP_MIRROR:
			r = vl_qdisc_del(&c->nl, idx, op->kind == VL_OP_MIRROR);
			what = op->kind == VL_OP_MIRROR ? "removing mirror from" : "removing shaping from";
			if (r == -EINVAL)
				r = 0; /* no such qdisc */
			break;
		default:
			return 0;
		}
	}
	if (r < 0 && !absent(r))
		FAIL(f, r, what, op->kind == VL_OP_ROUTE ? op->ns : op->dev);
	return 0;
}

static int run_change(struct exec *x, int ns, const struct vl_op *op, struct opfail *f)
{
	int idx;
	switch (op->kind) {
	case VL_OP_SYSCTL:
		return write_sysctl(x, ns, op, f);
	case VL_OP_QDISC: {
		if (need_dev(x, ns, op->dev, f, &idx) < 0)
			return f->err;
		int r = vl_tc_reshape(&x->ns[ns].nl, idx, op->d.mtu, &op->u.qdisc.shape);
		if (r < 0)
			FAIL(f, r, "changing shaping of", op->dev);
		return 0;
	}
	default:
		FAIL(f, -EINVAL, "changing in place (not supported for this kind)", op->dev);
	}
}

/* Apply's create: a device that exists already is fine when tolerant;
 * other ops' EEXIST too. */
static int run_create(struct exec *x, int ns, const struct vl_op *op, struct opfail *f);

static int run_apply_op(struct exec *x, const struct vl_op *op, struct opfail *f)
{
	if (op->kind == VL_OP_HOSTS && op->act == VL_ACT_CHANGE) {
		int r = write_hosts(x);
		if (r < 0)
			FAIL(f, r, "writing hosts file", op->u.hosts.path);
		x->hosts_written = true;
		return 0;
	}
	int ns = ns_find(x, op->ns);
	if (ns < 0)
		FAIL(f, -ENOENT, "finding namespace (not in the plan's list)", op->ns);
	if (op->act == VL_ACT_REMOVE && op->kind == VL_OP_NETNS)
		return remove_netns(x, op, f);
	if (op->kind == VL_OP_HOSTS)
		return op->act == VL_ACT_REMOVE ? (vl_etc_netns_remove(op->ns), 0) : op_hosts(x, op, f);
	int r = use_ns(x, ns, f);
	if (r < 0)
		return r;
	if (op->act == VL_ACT_REMOVE)
		return run_remove(x, ns, op, f);
	if (op->act == VL_ACT_CHANGE)
		return run_change(x, ns, op, f);
	if (op->kind == VL_OP_VETH) {
		int pns = ns_find(x, op->u.veth.peer_ns);
		if (pns >= 0 && (r = use_ns(x, pns, f)) < 0)
			return r;
	}
	return run_create(x, ns, op, f);
}

static int run_op(struct exec *x, const struct vl_op *op, struct opfail *f)
{
	if (x->apply)
		return run_apply_op(x, op, f);
	int ns = ns_find(x, op->ns);
	if (ns < 0)
		FAIL(f, -ENOENT, "finding namespace (not in the plan's list)", op->ns);
	/* -ECANCELED: another thread failed or a signal came; not our fault */
	if (!wait_ready(x, ns)) {
		if (stopping(x))
			return -ECANCELED;
		FAIL(f, -ENOENT, "using namespace (it was not created)", op->ns);
	}
	if (op->kind == VL_OP_VETH) {
		int pns = ns_find(x, op->u.veth.peer_ns);
		if (pns >= 0 && !wait_ready(x, pns)) {
			if (stopping(x))
				return -ECANCELED;
			FAIL(f, -ENOENT, "using namespace (it was not created)", op->u.veth.peer_ns);
		}
	}
	return run_create(x, ns, op, f);
}

static int run_create(struct exec *x, int ns, const struct vl_op *op, struct opfail *f)
{
	if (x->apply && x->tolerant && op->kind != VL_OP_NETNS && op->kind != VL_OP_SYSCTL) {
		int r;
		if ((op->kind == VL_OP_BRIDGE || op->kind == VL_OP_VETH || op->kind == VL_OP_VLAN ||
		     op->kind == VL_OP_VXLAN || op->kind == VL_OP_GENEVE || op->kind == VL_OP_BOND ||
		     op->kind == VL_OP_NVGRE) &&
		    dev_find(x, ns, op->dev))
			return 0; /* there already */
		if (op->kind == VL_OP_QDISC) {
			int idx;
			if (need_dev(x, ns, op->dev, f, &idx) < 0)
				return f->err;
			r = vl_tc_reshape(&x->ns[ns].nl, idx, op->d.mtu, &op->u.qdisc.shape);
			if (r < 0)
				FAIL(f, r, "changing shaping of", op->dev);
			return 0;
		}
		struct opfail g = {0};
		x->tolerant = false;
		r = run_create(x, ns, op, &g);
		x->tolerant = true;
		if (r == -EEXIST)
			return 0;
		*f = g;
		return r;
	}
	if (x->apply && op->kind == VL_OP_ROUTE) {
		/* run again after an address or device went: still there is done */
		int r = op_route(x, ns, op, f);
		return r == -EEXIST ? 0 : r;
	}
	switch (op->kind) {
	case VL_OP_NETNS: return 0; /* done by the namespace phase */
	case VL_OP_SYSCTL:
		/* apply: a sysctl of a namespace that exists already */
		return x->apply && x->netns_op[ns] < 0 ? write_sysctl(x, ns, op, f) : 0;
	case VL_OP_HOSTS: return op_hosts(x, op, f);
	case VL_OP_BRIDGE: return op_bridge(x, ns, op, f);
	case VL_OP_VETH: return op_veth(x, ns, op, f);
	case VL_OP_VLAN: return op_vlan(x, ns, op, f);
	case VL_OP_VXLAN:
	case VL_OP_GENEVE:
	case VL_OP_NVGRE: return op_tunnel(x, ns, op, f);
	case VL_OP_BRPORT: return op_brport(x, ns, op, f);
	case VL_OP_FDB: return op_fdb(x, ns, op, f);
	case VL_OP_ADDR: return op_addr(x, ns, op, f);
	case VL_OP_UP: return op_up(x, ns, op, f);
	case VL_OP_ROUTE: return op_route(x, ns, op, f);
	case VL_OP_QDISC: return op_qdisc(x, ns, op, f);
	case VL_OP_MIRROR: return op_mirror(x, ns, op, f);
	case VL_OP_NAT: return op_nat(x, ns, op, f);
	case VL_OP_BOND: return op_bond(x, ns, op, f);
	case VL_OP_FILTER: return op_filter(x, ns, op, f);
	default: FAIL(f, -EINVAL, "running unknown operation", op->dev);
	}
}

/* ---- the run ---- */

/* One descriptor per namespace (its socket) stays open. */
static void raise_nofile(size_t nns)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)(nns + 256);
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
		return;
	if (rl.rlim_max < want) {
		rl.rlim_max = want; /* root may raise the hard limit up to nr_open */
	}
	rl.rlim_cur = want;
	setrlimit(RLIMIT_NOFILE, &rl);
}

static void close_all(struct exec *x)
{
	enter(x, -1);
	for (size_t i = 0; i < x->nns; i++) {
		vl_nl_close(&x->ns[i].nl);
		if (x->ns[i].nsfd >= 0)
			close(x->ns[i].nsfd);
		x->ns[i].nsfd = -1;
	}
}

static void exec_free(struct exec *x)
{
	free(x->ns);
	free(x->nsmap);
	free(x->devs);
	if (x->home >= 0)
		close(x->home);
}

static void rollback(struct exec *x)
{
	close_all(x);
	char **names = xcalloc(x->nns + 1, sizeof(char *));
	size_t n = 0;
	for (size_t i = 0; i < x->nns; i++)
		if (x->ns[i].created)
			names[n++] = (char *)x->ns[i].name;
	vl_teardown_netns(names, n, 5.0);
	free(names);
}

/* Index the plan: each namespace's NETNS op and chain of SYSCTL ops. */
static void index_plan(struct exec *x)
{
	const struct vl_plan *p = x->p;
	x->netns_op = xmalloc((x->nns + 1) * sizeof(int));
	x->sysctl_head = xmalloc((x->nns + 1) * sizeof(int));
	x->sysctl_next = xmalloc((p->nops + 1) * sizeof(int));
	int *tail = xmalloc((x->nns + 1) * sizeof(int));
	for (size_t i = 0; i < x->nns; i++)
		x->netns_op[i] = x->sysctl_head[i] = tail[i] = -1;
	for (size_t i = 0; i < p->nops; i++) {
		int ns = p->ops[i].kind == VL_OP_BRIDGE && p->ops[i].act == VL_ACT_CREATE ?
			 ns_find(x, p->ops[i].ns) : -1;
		if (ns >= 0)
			x->ns[ns].switches = true;
	}
	for (size_t i = 0; i < p->nops; i++) {
		x->sysctl_next[i] = -1;
		const struct vl_op *op = &p->ops[i];
		if (op->kind != VL_OP_NETNS && op->kind != VL_OP_SYSCTL)
			continue;
		int ns = ns_find(x, op->ns);
		if (ns < 0)
			continue; /* run_op reports it */
		if (op->act != VL_ACT_CREATE || x->ns[ns].existing)
			continue; /* apply: the main loop runs it */
		if (v6off_sysctl(op) && !x->ns[ns].switches)
			x->ns[ns].v6off = true;
		if (v6off_sysctl(op) && x->ns[ns].switches && strstr(op->u.sysctl.key, "/default/"))
			x->ns[ns].v6off_default = true;
		if (op->kind == VL_OP_NETNS) {
			if (x->netns_op[ns] < 0)
				x->nbuild++;
			x->netns_op[ns] = (int)i;
		} else if (tail[ns] < 0) {
			x->sysctl_head[ns] = tail[ns] = (int)i;
		} else {
			x->sysctl_next[tail[ns]] = (int)i;
			tail[ns] = (int)i;
		}
	}
	free(tail);
}

/* Namespaces (with their sysctls) are built by worker threads, several at
 * once: much of a namespace's creation runs outside the rtnl lock. */
static size_t start_ns_workers(struct exec *x, pthread_t *tid, size_t max)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = x->nns >= 64 ? (size_t)(cpus < 1 ? 1 : cpus > 4 ? 4 : cpus) : 1;
	const char *e = getenv("VLAB_THREADS");
	if (e && atoi(e) > 0)
		n = (size_t)atoi(e);
	if (n > max)
		n = max;
	size_t started = 0;
	for (size_t t = 0; t < n; t++)
		if (pthread_create(&tid[started], NULL, ns_worker, x) == 0)
			started++;
	if (!started)
		ns_worker(x); /* no threads: build them all here first */
	return started;
}

/* Phase 2 runs HOSTS ops (plain files in /etc/netns, slow on a disk file
 * system) on a thread of their own while phase 3 does the netlink work. */
static void *hosts_worker(void *arg)
{
	struct exec *x = arg;
	for (size_t i = 0; i < x->p->nops && !stopping(x); i++) {
		const struct vl_op *op = &x->p->ops[i];
		if (op->kind != VL_OP_HOSTS)
			continue;
		struct opfail f = {0};
		if (fault_here(x, i)) {
			set_fail(x, i, NULL, true);
			break;
		}
		int ns = ns_find(x, op->ns);
		if (ns >= 0 && !wait_ready(x, ns) && stopping(x))
			break;
		if (ns < 0 || x->ns[ns].ready != 1 || op_hosts(x, op, &f) < 0) {
			if (!f.what)
				f = (struct opfail){.err = -ENOENT, .what = "finding namespace", .dev = op->ns};
			set_fail(x, i, &f, false);
			break;
		}
	}
	return NULL;
}

/* Built by the namespace workers, not the main loop. */
static bool by_workers(struct exec *x, const struct vl_op *op)
{
	if (op->kind != VL_OP_NETNS && op->kind != VL_OP_SYSCTL)
		return false;
	if (!x->apply)
		return true;
	if (op->act != VL_ACT_CREATE)
		return false;
	int ns = ns_find(x, op->ns);
	return op->kind == VL_OP_NETNS || ns < 0 || x->netns_op[ns] >= 0;
}

/* apply: which namespaces exist already (opened on first use, never
 * created): those without a create op, and, when tolerant, those of the
 * lab that exist. */
static void mark_existing(struct exec *x)
{
	bool *create = xcalloc(x->nns + 1, sizeof(bool));
	for (size_t i = 0; i < x->p->nops; i++) {
		const struct vl_op *op = &x->p->ops[i];
		int ns = op->kind == VL_OP_NETNS && op->act == VL_ACT_CREATE ? ns_find(x, op->ns) : -1;
		if (ns >= 0)
			create[ns] = true;
	}
	for (size_t i = 0; i < x->nns; i++)
		x->ns[i].existing = !create[i] || (x->tolerant && vl_netns_exists(x->ns[i].name) &&
						   vl_netns_has_mark(x->ns[i].name, x->p->lab));
	free(create);
}

static int exec_run(const struct vl_plan *p, int state_fd, volatile sig_atomic_t *stop,
		    struct vl_buf *err, struct vl_exec_stats *st, bool apply, bool tolerant);

int vl_exec_plan(const struct vl_plan *p, int state_fd, volatile sig_atomic_t *stop,
		 struct vl_buf *err, struct vl_exec_stats *st)
{
	return exec_run(p, state_fd, stop, err, st, false, false);
}

int vl_exec_apply(const struct vl_plan *diff, int state_fd, bool tolerant,
		  volatile sig_atomic_t *stop, struct vl_buf *err, struct vl_exec_stats *st)
{
	return exec_run(diff, state_fd, stop, err, st, true, tolerant);
}

static int exec_run(const struct vl_plan *p, int state_fd, volatile sig_atomic_t *stop,
		    struct vl_buf *err, struct vl_exec_stats *st, bool apply, bool tolerant)
{
	struct exec x = {.p = p, .cur = -1, .state_fd = state_fd, .stop = stop, .err = err,
			 .apply = apply, .tolerant = tolerant};
	double t0 = vl_mono_s();
	const char *fe = getenv("VLAB_FAULT_AT");
	const char *fm = getenv("VLAB_FAULT_MODE");
	char *fend = NULL;
	if (fe)
		x.fault_at = strtol(fe, &fend, 10);
	if (fe && (fend == fe || *fend))
		x.fault_at = 0; /* a phase name: vl_fault_phase() */
	x.fault_stop = fm && !strcmp(fm, "stop");
	pthread_mutex_init(&x.lock, NULL);

	snprintf(x.alias, sizeof(x.alias), "%s%s", VL_ALIAS_PREFIX, p->lab);
	x.home = vl_netns_self();
	if (x.home < 0) {
		vl_buf_printf(err, "vlab: opening our own network namespace: %s", strerror(-x.home));
		return -1;
	}
	int r = vl_netns_prepare();
	if (r < 0) {
		vl_buf_printf(err, "vlab: preparing %s: %s (is /run writable and are we root?)",
			      VL_NETNS_DIR, strerror(-r));
		close(x.home);
		return -1;
	}
	raise_nofile(p->netns.n);
	x.nns = p->netns.n;
	x.ns = xcalloc(x.nns ? x.nns : 1, sizeof(*x.ns));
	for (size_t i = 0; i < x.nns; i++) {
		x.ns[i].name = p->netns.v[i];
		x.ns[i].nsfd = -1;
		x.ns[i].nl.fd = -1;
		x.ns[i].next_ifindex = FIRST_IFINDEX;
	}
	nsmap_build(&x);
	if (apply)
		mark_existing(&x);
	index_plan(&x);
	uint32_t have = 0;
	if (!apply && vl_plan_features(p) & (1u << VL_FEAT_ALTNAME)) {
		/* altnames are a convenience: go on without them on old kernels
		 * (apply, a few devices: no probe namespace; a refusal is
		 * taken as the answer, see after_create) */
		vl_probe_features(1u << VL_FEAT_ALTNAME, &have);
		x.no_altname = !(have & (1u << VL_FEAT_ALTNAME));
	}

	/* VLAB_PROFILE=1: time spent per phase and operation kind, on stderr */
	bool prof = getenv("VLAB_PROFILE") != NULL || vl_verbose(); /* or -v */
	double kind_t[VL_OP__COUNT] = {0};
	size_t kind_n[VL_OP__COUNT] = {0};

	pthread_mutex_init(&x.ready_lock, NULL);
	pthread_cond_init(&x.ready_cv, NULL);
	for (size_t i = 0; i < x.nns; i++)
		x.ns[i].ready = x.ns[i].existing ? -2 : x.netns_op[i] >= 0 ? 0 : -1;
	pthread_t ns_tid[16];
	size_t ns_threads = start_ns_workers(&x, ns_tid, 16);

	pthread_t hosts_tid;
	bool hosts_thread = false;
	for (size_t i = 0; i < p->nops && !apply && !hosts_thread && !stopping(&x); i++)
		if (p->ops[i].kind == VL_OP_HOSTS)
			hosts_thread = pthread_create(&hosts_tid, NULL, hosts_worker, &x) == 0;

	/* ops of the main loop, for the `devices` fault phase (test-only) */
	size_t nmain = 0, done = 0;
	for (size_t i = 0; i < p->nops; i++)
		nmain += !(by_workers(&x, &p->ops[i]) ||
			   (p->ops[i].kind == VL_OP_HOSTS && hosts_thread));
	if (progress) {
		atomic_store_explicit(&progress->netns_total, x.nbuild, memory_order_relaxed);
		atomic_store_explicit(&progress->ops_total, nmain, memory_order_relaxed);
	}
	for (size_t i = 0; i < p->nops && !stopping(&x); i++) {
		const struct vl_op *op = &p->ops[i];
		struct opfail f = {0};
		if (by_workers(&x, op) || (op->kind == VL_OP_HOSTS && hosts_thread))
			continue;
		const char *phase = apply ? "apply-ops" : "devices";
		if (done++ == nmain / 2 && vl_fault_phase(phase) < 0) {
			phase_fail(&x, phase);
			break;
		}
		if (stopping(&x))
			break; /* a signal while stopped at the phase */
		double t1 = prof ? vl_mono_s() : 0;
		if (fault_here(&x, i)) {
			set_fail(&x, i, NULL, true);
			break;
		}
		r = run_op(&x, op, &f);
		if (r == -ECANCELED)
			break;
		if (r < 0) {
			set_fail(&x, i, &f, false);
			break;
		}
		if (progress)
			atomic_store_explicit(&progress->ops_done, done, memory_order_relaxed);
		if (prof) {
			double dt = vl_mono_s() - t1;
			kind_t[op->kind] += dt;
			kind_n[op->kind]++;
			if (vl_verbose()) { /* -v: each operation as it runs */
				struct vl_buf b = {0};
				vl_op_describe(op, &b);
				fprintf(stderr, "vlab: op %zu/%zu %s (%.3f ms)\n", done, nmain,
					b.s ? b.s : "", dt * 1e3);
				vl_buf_free(&b);
			}
		}
	}
	for (size_t t = 0; t < ns_threads; t++)
		pthread_join(ns_tid[t], NULL);
	if (hosts_thread)
		pthread_join(hosts_tid, NULL);
	if (prof) {
		fprintf(stderr, "profile: (namespaces and hosts files built alongside)\n");
		for (int k = 0; k < VL_OP__COUNT; k++)
			if (kind_n[k])
				fprintf(stderr, "profile: %-8s %6zu ops %8.3f s\n", vl_op_kind_name(k),
					kind_n[k], kind_t[k]);
	}
	int ret = 0;
	if (stop && *stop)
		ret = 1; /* a signal: whatever failed after it failed because of it */
	else if (atomic_load(&x.failed))
		ret = -1;
	if (ret != 0)
		rollback(&x);
	else
		close_all(&x);
	if (st) {
		st->seconds = vl_mono_s() - t0;
		st->ops = p->nops;
		st->netns = x.nns;
	}
	free(x.netns_op);
	free(x.sysctl_head);
	free(x.sysctl_next);
	pthread_mutex_destroy(&x.lock);
	pthread_mutex_destroy(&x.ready_lock);
	pthread_cond_destroy(&x.ready_cv);
	exec_free(&x);
	return ret;
}

/* ---- teardown ---- */

/* /etc/netns/<ns>/hosts is ours only when it is a link to a vlab hosts
 * file (/run/vlab/<lab>/hosts); then the directory goes too when that
 * left it empty. Anything else there is not ours. Returns 1 when removed. */
int vl_etc_netns_remove(const char *name)
{
	char target[300];
	if (!name[0] || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return 0;
	int etc = open(VL_ETC_NETNS_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (etc < 0)
		return 0;
	int dfd = openat(etc, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int removed = 0;
	/* the link, and its temporary name when an up died in between */
	static const char *const leaves[] = {"hosts", VL_ETC_HOSTS_TMP};
	for (size_t i = 0; dfd >= 0 && i < VL_ARRAY_SIZE(leaves); i++) {
		ssize_t n = readlinkat(dfd, leaves[i], target, sizeof(target) - 1);
		if (n > 0) {
			target[n] = 0;
			if (vlab_hosts_target(target) && unlinkat(dfd, leaves[i], 0) == 0)
				removed = 1;
		}
	}
	if (dfd >= 0) {
		close(dfd);
		unlinkat(etc, name, AT_REMOVEDIR); /* only when empty */
	}
	close(etc);
	return removed;
}

struct drop {
	char *const *names;
	size_t n;
	atomic_size_t next;
	atomic_int existed;
};

static void *drop_worker(void *arg)
{
	struct drop *d = arg;
	for (;;) {
		size_t i = atomic_fetch_add(&d->next, 1);
		if (i >= d->n)
			break;
		if (vl_netns_delete(d->names[i]) > 0)
			atomic_fetch_add(&d->existed, 1);
		vl_etc_netns_remove(d->names[i]);
		if (progress)
			atomic_fetch_add_explicit(&progress->netns_done, 1, memory_order_relaxed);
	}
	return NULL;
}

bool vl_teardown_waits(size_t n)
{
	const char *tw = getenv("VLAB_TEARDOWN_WAIT");
	if (tw && *tw)
		return strcmp(tw, "0") != 0;
	return n >= VL_TEARDOWN_WAIT_MIN;
}

int vl_teardown_netns(char *const *names, size_t n, double wait_s)
{
	return vl_teardown_netns_ex(names, n, wait_s, -1, NULL);
}

int vl_teardown_netns_ex(char *const *names, size_t n, double wait_s, int wait_kernel,
			 double *kernel_s)
{
	if (kernel_s)
		*kernel_s = -1;
	/* Hold every namespace (an fd each) while the entries go, then let
	 * them all go at once: the kernel destroys what is queued when its
	 * cleanup work starts as one batch, and each batch's cost grows with
	 * the namespaces still alive (unhash_nsid visits every one: 20% of a
	 * 5000-namespace teardown when they trickled in during the unmounts). */
	raise_nofile(n);
	int *held = xmalloc((n ? n : 1) * sizeof(int));
	for (size_t i = 0; i < n; i++)
		held[i] = vl_netns_open(names[i]);
	struct vl_sentinel sen;
	bool wait = wait_kernel < 0 ? vl_teardown_waits(n) : wait_kernel > 0;
	bool watch = n > 0 && wait && vl_sentinel_make(&sen) == 0;

	/* Drop every namespace entry: each unmount waits for an RCU grace
	 * period (and /etc/netns may sit on a disk file system): many threads
	 * let those waits overlap. */
	struct drop d = {.names = names, .n = n};
	if (progress) /* `down` tears down in two calls: counts add up */
		atomic_fetch_add_explicit(&progress->netns_total, n, memory_order_relaxed);
	pthread_t tid[16];
	size_t started = 0;
	size_t want = n >= 64 ? 16 : 0;
	for (size_t t = 0; t < want; t++)
		if (pthread_create(&tid[started], NULL, drop_worker, &d) == 0)
			started++;
	drop_worker(&d);
	for (size_t t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
	int existed = atomic_load(&d.existed);
	/* Then confirm once, bounded: no entry and no mount left. */
	double until = vl_mono_s() + wait_s;
	while (vl_netns_left(names, n, NULL) && vl_mono_s() <= until) {
		for (size_t i = 0; i < n; i++)
			vl_netns_delete(names[i]);
		usleep(10000);
	}
	for (size_t i = 0; i < n; i++)
		if (held[i] >= 0)
			close(held[i]);
	free(held);
	if (watch) {
		/* bounded: about 1 ms per namespace here, generously */
		double t0 = vl_mono_s();
		int r = vl_sentinel_wait(&sen, 10.0 + (double)n / 100.0);
		if (kernel_s && r == 0)
			*kernel_s = vl_mono_s() - t0;
	}
	vl_netns_release();
	return existed;
}
