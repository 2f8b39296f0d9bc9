/* vlab test FILE|LAB: a lab proves itself. Brings the lab up (unless it
 * already runs from this file), runs every [test] assertion with traffic
 * vlab makes itself inside the namespaces (src/tnet.c), reports TAP 14 on
 * stdout (or JSON) and optionally JUnit XML (src/report.c), and tears down
 * what it brought up, also when interrupted.
 *
 * Scheduling: reach, isolate, mtu, path, tcp, udp, mac and cmd checks are
 * independent and run concurrently on -j threads; latency, rate and loss
 * measure the network, so they run one at a time after the others, where
 * no other check's traffic can disturb them. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vlab/cmd.h"
#include "vlab/sig.h"
#include "vlab/exec.h"
#include "vlab/naming.h"
#include "vlab/report.h"
#include "vlab/state.h"
#include "vlab/tnet.h"
#include "vlab/util.h"


#define DEFAULT_TIMEOUT 3.0
#define DEFAULT_JOBS 16
#define SEEN_MAX 2048

/* SIGINT/SIGTERM/SIGHUP are noted by the shared guard (vlab/sig.h): the
 * checks poll this flag and the run stops, reports and tears down. */
#define stop_sig (*vl_sig_flag())

struct job {
	const struct vl_test *sec;
	const struct vl_assert *a;
	struct vl_result res;
	bool measure;              /* runs alone, after the concurrent ones */
	bool done;
};

struct run {
	const char *lab;
	const struct vl_topology *t;
	int *nsfd;                 /* per node, lazily opened; -1 = not yet */
	pthread_mutex_t ns_mu;
	struct job *jobs;
	size_t njobs;
	size_t *conc, nconc;       /* indexes of concurrent jobs */
	atomic_size_t next;
	int nthreads;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool finished;
};

/* ---- helpers ---- */

static int node_ns(struct run *r, int node)
{
	if (node < 0)
		return -ENOENT;
	pthread_mutex_lock(&r->ns_mu);
	if (r->nsfd[node] < 0) {
		char ns[VL_NSNAME_MAX];
		vl_netns_name(ns, r->lab, r->t->nodes[node].name);
		r->nsfd[node] = vl_netns_open(ns);
	}
	int fd = r->nsfd[node];
	pthread_mutex_unlock(&r->ns_mu);
	return fd;
}

static double timeout_of(const struct vl_assert *a, double dflt)
{
	return a->timeout > 0 ? a->timeout : dflt;
}

static const char *fmt(const struct vl_prefix *p, char *buf, size_t n)
{
	if (!p->family)
		snprintf(buf, n, "(no address)");
	else
		vl_prefix_format(p, buf, n, false);
	return buf;
}

static bool same_addr(const struct vl_prefix *a, const struct vl_prefix *b)
{
	return a->family && a->family == b->family &&
	       !memcmp(a->addr, b->addr, a->family == AF_INET ? 4 : 16);
}

/* The lab node owning an address, for naming hops; NULL when none. */
static const char *node_of_addr(const struct vl_topology *t, const struct vl_prefix *p)
{
	for (size_t i = 0; i < t->nnodes; i++) {
		const struct vl_node *n = &t->nodes[i];
		for (size_t j = 0; j < n->nnics; j++)
			for (size_t k = 0; k < n->nics[j].naddrs; k++)
				if (same_addr(&n->nics[j].addrs[k].p, p))
					return n->name;
		for (size_t j = 0; j < n->nsubs; j++)
			for (size_t k = 0; k < n->subs[j].naddrs; k++)
				if (same_addr(&n->subs[j].addrs[k].p, p))
					return n->name;
	}
	return NULL;
}

static const char *cmp_text[] = {"<", "<=", ">", ">="};

static bool holds(double v, enum vl_cmp c, double bound)
{
	switch (c) {
	case VL_CMP_LT: return v < bound;
	case VL_CMP_LE: return v <= bound;
	case VL_CMP_GT: return v > bound;
	case VL_CMP_GE: return v >= bound;
	}
	return false;
}

static void nap(double s)
{
	poll(NULL, 0, (int)(s * 1000));
}

static bool stopped(void)
{
	return stop_sig != 0;
}

/* ---- the checks: each returns VL_RES_*, `seen` says what happened ---- */

/* Every ordered pair (source must be a lab node) from a's endpoints. */
static enum vl_result_status check_reach(struct run *r, const struct vl_assert *a,
					 struct vl_buf *seen)
{
	struct vl_ping *p = xcalloc(a->nargs * a->nargs + 1, sizeof(*p));
	size_t *from = xcalloc(a->nargs * a->nargs + 1, sizeof(size_t));
	size_t *to = xcalloc(a->nargs * a->nargs + 1, sizeof(size_t));
	size_t n = 0;
	enum vl_result_status st = VL_RES_PASS;
	for (size_t i = 0; i < a->nargs; i++)
		for (size_t j = 0; j < a->nargs; j++) {
			if (i == j || a->ep[i].node_idx < 0 || a->ep[i].node_idx == a->ep[j].node_idx)
				continue;
			if (!a->ep[j].addr.family) {
				vl_buf_printf(seen, "%s has no address to ping; ", a->args[j]);
				st = VL_RES_FAIL;
				continue;
			}
			int fd = node_ns(r, a->ep[i].node_idx);
			if (fd < 0) {
				vl_buf_printf(seen, "node %s is not running: %s; ", a->args[i],
					      strerror(-fd));
				st = VL_RES_FAIL;
				continue;
			}
			p[n].nsfd = fd;
			p[n].dst = a->ep[j].addr;
			from[n] = i, to[n] = j;
			n++;
		}
	struct vl_ping_opts o = {.interval = 0.2, .timeout = timeout_of(a, DEFAULT_TIMEOUT),
				 .until_reply = true, .stop = &stop_sig};
	vl_ping_run(p, n, &o);
	for (size_t k = 0; k < n; k++) {
		if (p[k].received)
			continue;
		char ad[64], why[256];
		vl_ping_why(&p[k], why, sizeof(why));
		vl_buf_printf(seen, "%s -> %s (%s): pings sent %d, received 0%s%s; ", a->args[from[k]],
			      a->args[to[k]], fmt(&p[k].dst, ad, sizeof(ad)), p[k].sent, *why ? ", " : "",
			      why);
		st = VL_RES_FAIL;
	}
	if (st == VL_RES_PASS)
		vl_buf_printf(seen, "%zu pair%s answered", n, n == 1 ? "" : "s");
	free(p);
	free(from);
	free(to);
	return st;
}

/* No pair reaches, over every address of the target read from the kernel
 * (IPv4, IPv6, link-local out of each of the source's interfaces). */
/* Another lab node than `self` that has address `a` (tenants may reuse
 * addresses on separate segments), or NULL. A reply from such an address
 * cannot tell which of the two answered, so isolate does not probe it. */
static const char *other_holder(const struct vl_topology *t, int self, const struct vl_prefix *a)
{
	size_t alen = a->family == AF_INET ? 4 : 16;
	for (size_t n = 0; n < t->nnodes; n++) {
		if ((int)n == self)
			continue;
		const struct vl_node *nd = &t->nodes[n];
		for (size_t i = 0; i < nd->nnics; i++)
			for (size_t k = 0; k < nd->nics[i].naddrs; k++)
				if (nd->nics[i].addrs[k].p.family == a->family &&
				    !memcmp(nd->nics[i].addrs[k].p.addr, a->addr, alen))
					return nd->name;
		for (size_t i = 0; i < nd->nsubs; i++)
			for (size_t k = 0; k < nd->subs[i].naddrs; k++)
				if (nd->subs[i].addrs[k].p.family == a->family &&
				    !memcmp(nd->subs[i].addrs[k].p.addr, a->addr, alen))
					return nd->name;
	}
	return NULL;
}

static enum vl_result_status check_isolate(struct run *r, const struct vl_assert *a,
					   struct vl_buf *seen)
{
	struct vl_ping *p = NULL;
	size_t n = 0, cap = 0, *from = NULL, fcap = 0, fn = 0, *to = NULL, tcap = 0, tn = 0;
	enum vl_result_status st = VL_RES_PASS;
	struct vl_buf shared = {0};
	size_t nshared = 0;
	for (size_t i = 0; i < a->nargs; i++) {
		int sfd = node_ns(r, a->ep[i].node_idx);
		if (a->ep[i].node_idx < 0)
			continue;
		if (sfd < 0) {
			vl_buf_printf(seen, "node %s is not running; ", a->args[i]);
			st = VL_RES_FAIL;
			continue;
		}
		int *links = NULL;
		size_t nlinks = 0;
		vl_tnet_links(sfd, &links, &nlinks);
		for (size_t j = 0; j < a->nargs; j++) {
			if (i == j || a->ep[i].node_idx == a->ep[j].node_idx)
				continue;
			struct vl_ifaddr *ta = NULL;
			size_t nta = 0;
			int tfd = node_ns(r, a->ep[j].node_idx);
			if (tfd >= 0) {
				vl_tnet_addrs(tfd, &ta, &nta);
			} else if (a->ep[j].addr.family) {
				ta = xcalloc(1, sizeof(*ta));
				ta->addr = a->ep[j].addr;
				nta = 1;
			}
			for (size_t k = 0; k < nta; k++) {
				const char *twin = ta[k].link_local ? NULL :
					other_holder(r->t, a->ep[j].node_idx, &ta[k].addr);
				if (twin) {
					char ad[64];
					vl_buf_printf(&shared, "%s%s (also %s's)", nshared ? ", " : "",
						      fmt(&ta[k].addr, ad, sizeof(ad)), twin);
					nshared++;
					continue;
				}
				size_t reps = ta[k].link_local ? nlinks : 1;
				for (size_t l = 0; l < reps; l++) {
					struct vl_ping *q = VL_PUSH(p, n, cap);
					q->nsfd = sfd;
					q->dst = ta[k].addr;
					q->dst.len = q->dst.family == AF_INET ? 32 : 128;
					q->scope = ta[k].link_local ? links[l] : 0;
					*(size_t *)VL_PUSH(from, fn, fcap) = i;
					*(size_t *)VL_PUSH(to, tn, tcap) = j;
				}
			}
			free(ta);
		}
		free(links);
	}
	struct vl_ping_opts o = {.count = 3, .interval = 0.1,
				 .timeout = timeout_of(a, DEFAULT_TIMEOUT),
				 .linger = timeout_of(a, DEFAULT_TIMEOUT), .stop_on_send_error = true,
				 .stop = &stop_sig};
	vl_ping_run(p, n, &o);
	for (size_t k = 0; k < n; k++) {
		if (!p[k].received)
			continue;
		char ad[64];
		char scope[32] = "";
		if (p[k].scope) /* the interface by index, as `ip link` numbers them */
			snprintf(scope, sizeof(scope), "%%%d", p[k].scope);
		vl_buf_printf(seen, "%s reached %s at %s%s: pings sent %d, received %d; ",
			      a->args[from[k]], a->args[to[k]], fmt(&p[k].dst, ad, sizeof(ad)), scope,
			      p[k].sent, p[k].received);
		st = VL_RES_FAIL;
	}
	if (st == VL_RES_PASS)
		vl_buf_printf(seen, "%zu address%s probed, no reply in %.1f s", n, n == 1 ? "" : "es",
			      o.timeout);
	if (nshared)
		vl_buf_printf(seen, "%snot probed, held by another node too: %s",
			      st == VL_RES_PASS ? "; " : "", shared.s);
	vl_buf_free(&shared);
	free(p);
	free(from);
	free(to);
	return st;
}

static enum vl_result_status check_mtu(struct run *r, const struct vl_assert *a,
				       struct vl_buf *seen)
{
	int fd = node_ns(r, a->ep[0].node_idx);
	char ad[64], why[256];
	if (fd < 0 || !a->ep[1].addr.family) {
		vl_buf_printf(seen, fd < 0 ? "%s is not a running lab node" : "%s has no address",
			      fd < 0 ? a->args[0] : a->args[1]);
		return VL_RES_FAIL;
	}
	struct vl_ping p = {.nsfd = fd, .dst = a->ep[1].addr};
	double to = timeout_of(a, DEFAULT_TIMEOUT);
	struct vl_ping_opts o = {.interval = 0.2, .timeout = to, .size = a->mtu, .df = true,
				 .until_reply = true, .stop = &stop_sig};
	vl_ping_run(&p, 1, &o);
	if (!p.received) {
		vl_ping_why(&p, why, sizeof(why));
		vl_buf_printf(seen, "%d-byte packets with DF from %s to %s: pings sent %d, received 0%s%s",
			      a->mtu, a->args[0], fmt(&p.dst, ad, sizeof(ad)), p.sent, *why ? "; " : "",
			      why);
		return VL_RES_FAIL;
	}
	struct vl_ping big = {.nsfd = fd, .dst = a->ep[1].addr};
	struct vl_ping_opts ob = {.count = 3, .interval = 0.1, .linger = to < 1 ? to : 1,
				  .timeout = to, .size = a->mtu + 1, .df = true, .stop = &stop_sig};
	vl_ping_run(&big, 1, &ob);
	if (big.received) {
		vl_buf_printf(seen, "%d bytes pass, but %d bytes with DF also reached %s (%d of %d "
			      "replies): the path MTU is larger than %d", a->mtu, a->mtu + 1,
			      fmt(&p.dst, ad, sizeof(ad)), big.received, big.sent, a->mtu);
		return VL_RES_FAIL;
	}
	vl_ping_why(&big, why, sizeof(why));
	vl_buf_printf(seen, "%d bytes pass; %d do not (%s)", a->mtu, a->mtu + 1,
		      *why ? why : "no reply");
	return VL_RES_PASS;
}

static void hop_text(const struct run *r, const struct vl_trace *t, struct vl_buf *b)
{
	int last = t->reached ? t->reached - 1 : VL_TRACE_MAX;
	while (!t->reached && last > 0 && !t->hop[last].family)
		last--;
	if (!last) {
		vl_buf_add(b, t->reached ? "directly (no router between)" : "nowhere (no answer)");
		return;
	}
	for (int i = 1; i <= last; i++) {
		char ad[64];
		const char *who = t->hop[i].family ? node_of_addr(r->t, &t->hop[i]) : NULL;
		vl_buf_printf(b, "%s%s%s%s%s", i > 1 ? ", " : "via ",
			      t->hop[i].family ? fmt(&t->hop[i], ad, sizeof(ad)) : "*",
			      who ? " (" : "", who ? who : "", who ? ")" : "");
	}
}

static enum vl_result_status check_path(struct run *r, const struct vl_assert *a,
					struct vl_buf *seen)
{
	int fd = node_ns(r, a->ep[0].node_idx), hfd = node_ns(r, a->ep[2].node_idx);
	char ad[64];
	if (fd < 0 || hfd < 0 || !a->ep[1].addr.family) {
		vl_buf_printf(seen, "%s", fd < 0 ? "the source is not a running lab node"
				      : hfd < 0 ? "the hop is not a running lab node"
						: "the target has no address");
		return VL_RES_FAIL;
	}
	struct vl_ifaddr *ha = NULL;
	size_t nha = 0;
	vl_tnet_addrs(hfd, &ha, &nha);
	double deadline = vl_mono_s() + timeout_of(a, DEFAULT_TIMEOUT);
	/* rounds until the hop shows up; `t` gathers every answer seen, since
	 * routers rate-limit their time-exceeded messages */
	struct vl_trace t = {0}, round;
	enum vl_result_status st = VL_RES_FAIL;
	for (;;) {
		double left = deadline - vl_mono_s();
		vl_trace_run(fd, &a->ep[1].addr, left > 1 ? 1 : (left > 0.2 ? left : 0.2), &stop_sig,
			     &round);
		if (round.reached)
			t.reached = round.reached;
		for (int i = 1; i <= VL_TRACE_MAX; i++)
			if (round.hop[i].family)
				t.hop[i] = round.hop[i];
		int upto = t.reached ? t.reached - 1 : VL_TRACE_MAX;
		for (int i = 1; i <= upto && st == VL_RES_FAIL; i++)
			for (size_t k = 0; k < nha; k++)
				if (same_addr(&t.hop[i], &ha[k].addr)) {
					st = VL_RES_PASS;
					vl_buf_printf(seen, "hop %d is %s, an address of %s", i,
						      fmt(&t.hop[i], ad, sizeof(ad)), a->args[2]);
					break;
				}
		if (st == VL_RES_PASS || stopped() || deadline - vl_mono_s() < 0.3)
			break;
		nap(0.3);
	}
	if (st == VL_RES_FAIL) {
		vl_buf_printf(seen, "route from %s to %s goes ", a->args[0],
			      fmt(&a->ep[1].addr, ad, sizeof(ad)));
		hop_text(r, &t, seen);
		vl_buf_printf(seen, ", not via %s%s", a->args[2],
			      t.reached ? "" : " (the target did not answer within 16 hops)");
	}
	free(ha);
	return st;
}

static enum vl_result_status check_port(struct run *r, const struct vl_assert *a,
					struct vl_buf *seen)
{
	int fd = node_ns(r, a->ep[0].node_idx);
	if (fd < 0 || !a->ep[1].addr.family) {
		vl_buf_add(seen, fd < 0 ? "the source is not a running lab node"
					: "the target has no address");
		return VL_RES_FAIL;
	}
	int bfd = a->ep[1].node_idx >= 0 ? node_ns(r, a->ep[1].node_idx) : -1;
	char buf[SEEN_MAX];
	int ok = a->kind == VL_ASSERT_TCP
			 ? vl_tcp_check(fd, bfd, &a->ep[1].addr, a->port,
					timeout_of(a, DEFAULT_TIMEOUT), &stop_sig, buf, sizeof(buf))
			 : vl_udp_check(fd, bfd, &a->ep[1].addr, a->port,
					timeout_of(a, DEFAULT_TIMEOUT), &stop_sig, buf, sizeof(buf));
	vl_buf_printf(seen, "from %s: %s", a->args[0], buf);
	return ok ? VL_RES_PASS : VL_RES_FAIL;
}

/* latency, loss, rate: measure until the bound holds or the time is up
 * (at least once). */
static enum vl_result_status check_measure(struct run *r, const struct vl_assert *a,
					   struct vl_buf *seen)
{
	int fd = node_ns(r, a->ep[0].node_idx);
	int bfd = a->nargs > 1 ? node_ns(r, a->ep[1].node_idx) : -1;
	if (fd < 0 || a->nargs < 2 || !a->ep[1].addr.family) {
		vl_buf_add(seen, fd < 0 ? "the source is not a running lab node"
					: "the target has no address");
		return VL_RES_FAIL;
	}
	double deadline = vl_mono_s() + timeout_of(a, DEFAULT_TIMEOUT);
	char text[512];
	do {
		double v = 0;
		text[0] = 0;
		if (a->kind == VL_ASSERT_RATE) {
			if (bfd < 0) {
				vl_buf_add(seen, "rate needs vlab's own listener in the target, which is "
						 "not a running lab node");
				return VL_RES_FAIL;
			}
			char err[256];
			if (vl_rate_measure(fd, bfd, &a->ep[1].addr, 1.0, &stop_sig, &v, err,
					    sizeof(err)) < 0) {
				snprintf(text, sizeof(text), "%s", err);
				continue;
			}
			snprintf(text, sizeof(text), "%.2f Mbit/s in 1 s of bulk TCP (bound %s %.2f "
				 "Mbit/s)", v / 1e6, cmp_text[a->cmp], a->bound / 1e6);
		} else {
			bool lat = a->kind == VL_ASSERT_LATENCY;
			struct vl_ping p = {.nsfd = fd, .dst = a->ep[1].addr};
			struct vl_ping_opts o = {.count = lat ? 10 : 100, .interval = lat ? 0.02 : 0.01,
						 .linger = 1.0, .timeout = lat ? 3.0 : 4.0,
						 .stop = &stop_sig};
			vl_ping_run(&p, 1, &o);
			if (lat) {
				if (p.received * 2 < p.sent) {
					snprintf(text, sizeof(text), "pings sent %d, received %d: too few "
						 "replies for a median", p.sent, p.received);
					continue;
				}
				v = vl_ping_median(&p);
				snprintf(text, sizeof(text), "median RTT %.3f ms of %d pings (bound %s "
					 "%.3f ms)", v * 1e3, p.received, cmp_text[a->cmp],
					 a->bound * 1e3);
			} else {
				v = p.sent ? 100.0 * (p.sent - p.received) / p.sent : 100;
				snprintf(text, sizeof(text), "pings sent %d, received %d: %.1f%% lost "
					 "(bound %s %g%%)", p.sent, p.received, v, cmp_text[a->cmp],
					 a->bound);
			}
		}
		if (holds(v, a->cmp, a->bound)) {
			vl_buf_add(seen, text);
			return VL_RES_PASS;
		}
	} while (!stopped() && vl_mono_s() < deadline);
	vl_buf_add(seen, text);
	return VL_RES_FAIL;
}

static enum vl_result_status check_mac(struct run *r, const struct vl_assert *a,
				       struct vl_buf *seen)
{
	int fd = node_ns(r, a->ep[0].node_idx);
	const struct vl_node *n = a->ep[0].node_idx >= 0 ? &r->t->nodes[a->ep[0].node_idx] : NULL;
	/* NODE:IF as written: IF may be a sub-interface (nic_idx is then its
	 * parent's) */
	const char *c = a->nargs ? strchr(a->args[0], ':') : NULL;
	const char *ifn = c ? c + 1 : n && a->ep[0].nic_idx >= 0 ? n->nics[a->ep[0].nic_idx].name
								: NULL;
	if (fd < 0 || !ifn) {
		vl_buf_add(seen, fd < 0 ? "the node is not running" : "no interface named");
		return VL_RES_FAIL;
	}
	uint8_t m[6];
	int e = vl_tnet_mac(fd, ifn, m);
	if (e < 0) {
		vl_buf_printf(seen, "%s: %s", a->args[0],
			      e == -ENODEV ? "no such interface in the node" : strerror(-e));
		return VL_RES_FAIL;
	}
	vl_buf_printf(seen, "%s has %02x:%02x:%02x:%02x:%02x:%02x", a->args[0], m[0], m[1], m[2],
		      m[3], m[4], m[5]);
	if (memcmp(m, a->mac, 6)) {
		vl_buf_printf(seen, ", not %02x:%02x:%02x:%02x:%02x:%02x", a->mac[0], a->mac[1],
			      a->mac[2], a->mac[3], a->mac[4], a->mac[5]);
		return VL_RES_FAIL;
	}
	return VL_RES_PASS;
}

/* /bin/sh -c COMMAND inside the node the way `vlab exec` runs it, bounded
 * by the timeout; its output is kept for the report. */
static enum vl_result_status check_cmd(struct run *r, const struct vl_assert *a,
				       struct vl_buf *seen)
{
	const char *node = a->nargs ? a->args[0] : "";
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		vl_buf_printf(seen, "pipe: %s", strerror(errno));
		return VL_RES_FAIL;
	}
	pid_t pid = fork();
	if (pid < 0) {
		vl_buf_printf(seen, "fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return VL_RES_FAIL;
	}
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setpgid(0, 0);
		int dn = open("/dev/null", O_RDONLY);
		dup2(dn, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		if (vl_node_enter(r->lab, node))
			_exit(126);
		setenv("VLAB_LAB", r->lab, 1);
		setenv("VLAB_NODE", node, 1);
		const char *cmd = a->cmd ? a->cmd : "false";
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		if (errno == ENOENT) /* minimal systems: a sh on PATH */
			execlp("sh", "sh", "-c", cmd, (char *)NULL);
		fprintf(stderr, "vlab: cannot run /bin/sh: %s\n", strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	double to = timeout_of(a, DEFAULT_TIMEOUT), deadline = vl_mono_s() + to;
	struct vl_buf out = {0};
	bool killed = false;
	for (;;) {
		int ms = killed ? 1000 : (int)((deadline - vl_mono_s()) * 1000);
		if (!killed && (ms <= 0 || stopped())) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			killed = true;
			continue;
		}
		struct pollfd pf = {.fd = pfd[0], .events = POLLIN};
		if (poll(&pf, 1, ms > 100 ? 100 : ms) <= 0)
			continue;
		char buf[1024];
		ssize_t n = read(pfd[0], buf, sizeof(buf));
		if (n <= 0)
			break; /* EOF: the command (and everything holding its output) ended */
		vl_buf_addn(&out, buf, (size_t)n);
	}
	close(pfd[0]);
	int status = 0;
	/* the shell may have closed its output and still run: bounded wait */
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (!killed && (vl_mono_s() >= deadline || stopped())) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			killed = true;
		}
		poll(NULL, 0, 10);
	}
	enum vl_result_status st = VL_RES_FAIL;
	if (killed)
		vl_buf_printf(seen, "%s did not finish within %.1f s (killed)", node, to);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		vl_buf_printf(seen, "exit status 0"), st = VL_RES_PASS;
	else if (WIFEXITED(status))
		vl_buf_printf(seen, "exit status %d", WEXITSTATUS(status));
	else
		vl_buf_printf(seen, "killed by signal %d", WTERMSIG(status));
	if (out.len) {
		/* the last lines say most */
		const char *s = out.s;
		if (out.len > 600)
			s = out.s + out.len - 600;
		size_t l = strlen(s);
		while (l && s[l - 1] == '\n')
			l--;
		vl_buf_add(seen, "; output: ");
		vl_buf_addn(seen, s, l);
	}
	vl_buf_free(&out);
	return st;
}

static void run_job(struct run *r, struct job *j)
{
	const struct vl_assert *a = j->a;
	struct vl_buf seen = {0};
	double t0 = vl_mono_s();
	enum vl_result_status st;
	switch (a->kind) {
	case VL_ASSERT_REACH: st = check_reach(r, a, &seen); break;
	case VL_ASSERT_ISOLATE: st = check_isolate(r, a, &seen); break;
	case VL_ASSERT_MTU: st = check_mtu(r, a, &seen); break;
	case VL_ASSERT_ROUTE: st = check_path(r, a, &seen); break;
	case VL_ASSERT_TCP: case VL_ASSERT_UDP: st = check_port(r, a, &seen); break;
	case VL_ASSERT_LATENCY: case VL_ASSERT_RATE: case VL_ASSERT_LOSS:
		st = check_measure(r, a, &seen);
		break;
	case VL_ASSERT_MAC: st = check_mac(r, a, &seen); break;
	case VL_ASSERT_CMD: st = check_cmd(r, a, &seen); break;
	default:
		st = VL_RES_SKIP;
		vl_buf_add(&seen, "this kind of assertion is not known to the runner");
	}
	if (stopped() && st != VL_RES_PASS) {
		st = VL_RES_SKIP;
		vl_buf_free(&seen);
		vl_buf_add(&seen, "interrupted");
	}
	/* drop a trailing "; " of a list */
	while (seen.len >= 2 && !strcmp(seen.s + seen.len - 2, "; "))
		seen.s[seen.len -= 2] = 0;
	pthread_mutex_lock(&r->mu);
	j->res.status = st;
	j->res.seen = seen.s;
	j->res.seconds = vl_mono_s() - t0;
	j->done = true;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

static void *worker(void *arg)
{
	struct run *r = arg;
	for (;;) {
		size_t i = atomic_fetch_add(&r->next, 1);
		if (i >= r->nconc)
			return NULL;
		run_job(r, &r->jobs[r->conc[i]]);
	}
}

static void *runner(void *arg)
{
	struct run *r = arg;
	int nt = r->nthreads < (int)r->nconc ? r->nthreads : (int)r->nconc;
	pthread_t *th = xcalloc((size_t)nt + 1, sizeof(pthread_t));
	int started = 0;
	for (int i = 0; i < nt; i++)
		if (pthread_create(&th[i], NULL, worker, r) == 0)
			started++;
	if (!started && r->nconc)
		worker(r);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	free(th);
	for (size_t i = 0; i < r->njobs; i++)
		if (r->jobs[i].measure)
			run_job(r, &r->jobs[i]);
	pthread_mutex_lock(&r->mu);
	r->finished = true;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

/* ---- the command ---- */

struct opts {
	bool keep, json, yes;
	const char *only, *junit;
	int jobs;
};

/* The value of an assertion as written (the text after '=' on its line). */
static char *args_text(char **lines, size_t nlines, const struct vl_assert *a)
{
	if (a->loc.line > 0 && (size_t)a->loc.line <= nlines) {
		const char *eq = strchr(lines[a->loc.line - 1], '=');
		if (eq) {
			eq++;
			while (*eq == ' ' || *eq == '\t')
				eq++;
			size_t l = strcspn(eq, "\r\n");
			while (l && (eq[l - 1] == ' ' || eq[l - 1] == '\t'))
				l--;
			return xstrndup(eq, l);
		}
	}
	struct vl_buf b = {0};
	for (size_t i = 0; i < a->nargs; i++)
		vl_buf_printf(&b, "%s%s", i ? " " : "", a->args[i]);
	return b.s ? b.s : xstrdup("");
}

static void read_lines(const char *file, struct vl_strv *lines)
{
	FILE *f = fopen(file, "r");
	if (!f)
		return;
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) >= 0)
		vl_strv_push(lines, line);
	free(line);
	fclose(f);
}

static bool section_selected(const struct vl_test *x, const char *only)
{
	return !only || !strcmp(x->name, only);
}

/* cmd assertions run commands as root from a file that may be someone
 * else's, and so do the startup commands (run/daemon) of a lab this test
 * brings up (`up` would ask for those it has not seen): show them all
 * and ask once, or require --yes (src/startup.c). 0 = go ahead. */
static int confirm_cmds(const struct vl_topology *t, const struct opts *o, bool bring_up)
{
	struct vl_strv lines = {0};
	for (size_t i = 0; i < t->ntests; i++)
		for (size_t j = 0; section_selected(&t->tests[i], o->only) && j < t->tests[i].nasserts;
		     j++) {
			const struct vl_assert *a = &t->tests[i].asserts[j];
			if (a->kind != VL_ASSERT_CMD)
				continue;
			char *l = xasprintf("  line %d, in %s: %s", a->loc.line,
					    a->nargs ? a->args[0] : "?", a->cmd ? a->cmd : "");
			vl_strv_push(&lines, l);
			free(l);
		}
	struct vl_plan p = {0};
	struct vl_diags d = {0};
	bool startup = bring_up && vl_plan_build(t, &p, &d) == 0 && p.nstartup &&
		       !vl_startup_approved(&p);
	if (startup)
		vl_startup_list(&p, "  ", &lines);
	/* a lab this test brings up with external = reaches into the machine */
	bool ext = bring_up && t->lab.external && !o->yes;
	if (ext)
		fprintf(stderr, "vlab: %s connects node %s to this machine's own network "
			"(external = %s, line %d): a veth, forwarding and masquerade in the "
			"machine's namespace (`vlab plan` shows them)\n", t->file, t->lab.external,
			t->lab.external, t->lab.external_loc.line);
	int rc = ext && !lines.n ? vl_confirm("changing this machine's network", "Go ahead?")
				 : vl_confirm_commands(t->file, &lines, o->yes);
	if (!rc && startup)
		vl_startup_confirmed = true; /* up records the approval */
	vl_plan_free(&p);
	vl_diags_free(&d);
	vl_strv_free(&lines);
	return rc;
}

/* Run stdout-writing commands (up, down) with their output on stderr, so
 * stdout stays pure TAP/JSON. */
static int quietly(int (*fn)(int, char **), const char *verb, const char *arg, bool yes)
{
	char *argv[] = {(char *)verb, (char *)arg, yes ? (char *)"--yes" : NULL, NULL};
	fflush(stdout);
	int saved = dup(STDOUT_FILENO);
	dup2(STDERR_FILENO, STDOUT_FILENO);
	int rc = fn(yes ? 3 : 2, argv);
	fflush(stdout);
	if (saved >= 0) {
		dup2(saved, STDOUT_FILENO);
		close(saved);
	}
	return rc;
}

/* Run the assertions of a running lab and write the reports. Returns the
 * exit code. */
static int run_tests(const char *lab, const struct vl_topology *t, const struct opts *o,
		     FILE *junit)
{
	struct vl_strv lines = {0};
	read_lines(t->file, &lines);
	struct run r = {.lab = lab, .t = t, .nthreads = o->jobs};
	pthread_mutex_init(&r.mu, NULL);
	pthread_cond_init(&r.cv, NULL);
	pthread_mutex_init(&r.ns_mu, NULL);
	r.nsfd = xcalloc(t->nnodes + 1, sizeof(int));
	for (size_t i = 0; i < t->nnodes; i++)
		r.nsfd[i] = -1;
	size_t cap = 0, ccap = 0;
	for (size_t i = 0; i < t->ntests; i++) {
		if (!section_selected(&t->tests[i], o->only))
			continue;
		for (size_t j = 0; j < t->tests[i].nasserts; j++) {
			const struct vl_assert *a = &t->tests[i].asserts[j];
			struct job *jb = VL_PUSH(r.jobs, r.njobs, cap);
			jb->sec = &t->tests[i];
			jb->a = a;
			/* measurements, and commands (which may count packets or
			 * time things), run alone after the concurrent checks */
			jb->measure = a->kind == VL_ASSERT_LATENCY || a->kind == VL_ASSERT_RATE ||
				      a->kind == VL_ASSERT_LOSS || a->kind == VL_ASSERT_CMD;
			jb->res.section = t->tests[i].name;
			jb->res.key = vl_assert_key(a->kind);
			jb->res.file = t->file;
			jb->res.line = a->loc.line;
			jb->res.args = args_text(lines.v, lines.n, a);
			if (!jb->measure)
				*(size_t *)VL_PUSH(r.conc, r.nconc, ccap) = r.njobs - 1;
		}
	}
	vl_strv_free(&lines);

	bool color = !o->json && vl_color(stdout); /* a terminal, no NO_COLOR */
	double t0 = vl_mono_s();
	if (!o->json)
		vl_tap_begin(stdout, r.njobs);

	/* workers never take the signals: the main thread notices them */
	sigset_t sigs, old;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, &old);
	pthread_t th;
	bool have_runner = pthread_create(&th, NULL, runner, &r) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!have_runner)
		runner(&r);

	size_t printed = 0;
	pthread_mutex_lock(&r.mu);
	for (;;) {
		while (printed < r.njobs && r.jobs[printed].done) {
			if (!o->json)
				vl_tap_result(stdout, printed + 1, &r.jobs[printed].res, color);
			printed++;
		}
		if (r.finished)
			break;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000L)
			ts.tv_sec++, ts.tv_nsec -= 1000000000L;
		pthread_cond_timedwait(&r.cv, &r.mu, &ts);
	}
	pthread_mutex_unlock(&r.mu);
	if (have_runner)
		pthread_join(th, NULL);

	for (size_t i = 0; i < r.njobs; i++)
		if (!r.jobs[i].done) {
			r.jobs[i].res.status = VL_RES_SKIP;
			r.jobs[i].res.seen = xstrdup("interrupted");
		}
	for (; printed < r.njobs; printed++)
		if (!o->json)
			vl_tap_result(stdout, printed + 1, &r.jobs[printed].res, color);

	struct vl_result *res = xcalloc(r.njobs + 1, sizeof(*res));
	for (size_t i = 0; i < r.njobs; i++)
		res[i] = r.jobs[i].res;
	struct vl_report rep = {lab, t->file, res, r.njobs, vl_mono_s() - t0};
	struct vl_totals tot;
	vl_report_totals(res, r.njobs, &tot);
	if (o->json)
		vl_report_json(stdout, &rep);
	else
		vl_tap_end(stdout, &tot);
	if (junit)
		vl_report_junit(junit, &rep);
	if (!vl_quiet())
		fprintf(stderr, "vlab: %zu assertion%s in %.3f s\n", r.njobs, r.njobs == 1 ? "" : "s",
			rep.seconds);

	for (size_t i = 0; i < r.njobs; i++) {
		free(res[i].args);
		free(res[i].seen);
	}
	free(res);
	for (size_t i = 0; i < t->nnodes; i++)
		if (r.nsfd[i] >= 0)
			close(r.nsfd[i]);
	free(r.nsfd);
	free(r.jobs);
	free(r.conc);
	pthread_mutex_destroy(&r.mu);
	pthread_cond_destroy(&r.cv);
	pthread_mutex_destroy(&r.ns_mu);
	if (stop_sig)
		return 128 + (int)stop_sig;
	return tot.failed ? VL_EXIT_TESTS : VL_EXIT_OK;
}

static bool looks_like_file(const char *arg)
{
	struct stat st;
	size_t n = strlen(arg);
	return strchr(arg, '/') || (n > 4 && !strcmp(arg + n - 4, ".ini")) ||
	       (stat(arg, &st) == 0 && S_ISREG(st.st_mode));
}

/* Is the lab running? 1 = yes, from this very file (test in place);
 * 0 = not running; <0 = an exit code negated, message printed. */
static int running_from(const char *lab, const char *file)
{
	struct vl_state st;
	if (vl_state_read(lab, &st) < 0)
		return 0;
	char *abs = realpath(file, NULL), *hash = vl_file_hash(file);
	int rc;
	if (strcmp(st.status, "up")) {
		fprintf(stderr, "vlab: lab %s is half built (an up did not finish): run `vlab down %s` "
			"first\n", lab, lab);
		rc = -VL_EXIT_FAIL;
	} else if (!abs || !st.file || strcmp(abs, st.file)) {
		fprintf(stderr, "vlab: a lab named %s is already running from %s; test it with `vlab "
			"test %s`, or take it down first (`vlab down %s`)\n", lab,
			st.file ? st.file : "another file", lab, lab);
		rc = -VL_EXIT_FAIL;
	} else if (!hash || !st.hash || strcmp(hash, st.hash)) {
		fprintf(stderr, "vlab: %s changed since lab %s was brought up from it; run `vlab down "
			"%s` and test again\n", file, lab, lab);
		rc = -VL_EXIT_FAIL;
	} else {
		rc = 1;
	}
	free(abs);
	free(hash);
	vl_state_free(&st);
	return rc;
}

static int parse_opts(int argc, char **argv, struct opts *o, const char **target)
{
	static const struct option lo[] = {
		{"keep", no_argument, NULL, 'k'},       {"json", no_argument, NULL, 'J'},
		{"junit", required_argument, NULL, 'x'}, {"only", required_argument, NULL, 'o'},
		{"jobs", required_argument, NULL, 'j'},  {"yes", no_argument, NULL, 'y'},
		{NULL, 0, NULL, 0}};
	*o = (struct opts){.jobs = DEFAULT_JOBS};
	optind = 1;
	opterr = 0;
	int c;
	/* options before or after FILE|LAB: GNU getopt permutes */
	while ((c = getopt_long(argc, argv, "j:y", lo, NULL)) != -1) {
		switch (c) {
		case 'k': o->keep = true; break;
		case 'J': o->json = true; break;
		case 'x': o->junit = optarg; break;
		case 'o': o->only = optarg; break;
		case 'y': o->yes = true; break;
		case 'j': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > 256) {
				fprintf(stderr, "vlab test: -j wants a number of threads 1..256, not "
					"\"%s\"\n", optarg);
				return VL_EXIT_USAGE;
			}
			o->jobs = (int)v;
			break;
		}
		default:
			fprintf(stderr, "vlab test: unknown option \"%s\"\n", argv[optind - 1]);
			vl_usage(stderr, "test");
			return VL_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		vl_usage(stderr, "test");
		return VL_EXIT_USAGE;
	}
	*target = argv[optind];
	return 0;
}

int cmd_test(int argc, char **argv)
{
	struct opts o;
	const char *target;
	int rc = parse_opts(argc, argv, &o, &target);
	if (rc)
		return rc;
	rc = vl_need_root("test");
	if (rc)
		return rc;
	vl_sig_guard(); /* before up: a signal at any moment is a clean stop */

	/* which lab, which file, and is it running */
	char *lab = NULL, *file = NULL;
	int in_place = 0;
	if (looks_like_file(target)) {
		file = xstrdup(target);
	} else {
		struct vl_state st;
		if (!vl_lab_name_ok(target, NULL) || vl_state_read(target, &st) < 0) {
			fprintf(stderr, "vlab: lab %s is not running (see vlab ls); `vlab test FILE` brings "
				"a lab up, tests it and takes it down\n", target);
			return VL_EXIT_FAIL;
		}
		if (strcmp(st.status, "up") || !st.file) {
			fprintf(stderr, "vlab: lab %s is half built (an up did not finish): run `vlab down "
				"%s`\n", target, target);
			vl_state_free(&st);
			return VL_EXIT_FAIL;
		}
		file = xstrdup(st.file);
		vl_state_free(&st);
	}
	struct vl_topology *t = vl_load(file, false);
	if (!t) {
		free(file);
		return VL_EXIT_FAIL;
	}
	lab = xstrdup(t->lab.name);
	FILE *junit = NULL;
	int lock = -1;
	bool brought_up = false;

	in_place = running_from(lab, file);
	if (in_place < 0) {
		rc = -in_place;
		goto out;
	}
	if (!looks_like_file(target) && !in_place) {
		fprintf(stderr, "vlab: lab %s is no longer running: it was taken down meanwhile "
			"(see vlab ls; `vlab test FILE` brings a lab up)\n", lab);
		rc = VL_EXIT_FAIL;
		goto out;
	}
	if (o.only) {
		bool found = false;
		for (size_t i = 0; i < t->ntests; i++)
			found |= !strcmp(t->tests[i].name, o.only);
		if (!found) {
			fprintf(stderr, "vlab: %s has no [test %s] section; its sections:", file, o.only);
			for (size_t i = 0; i < t->ntests; i++)
				fprintf(stderr, " [test%s%s]", *t->tests[i].name ? " " : "",
					t->tests[i].name);
			fprintf(stderr, "%s\n", t->ntests ? "" : " none");
			rc = VL_EXIT_USAGE;
			goto out;
		}
	}
	rc = confirm_cmds(t, &o, !in_place);
	if (rc)
		goto out;
	if (o.junit && !(junit = fopen(o.junit, "w"))) {
		fprintf(stderr, "vlab: cannot write %s: %s (give --junit a path in a writable "
			"directory)\n", o.junit, strerror(errno));
		rc = VL_EXIT_USAGE;
		goto out;
	}
	if (!in_place) {
		/* external access was confirmed above (or --yes) */
		rc = quietly(cmd_up, "up", file, t->lab.external != NULL);
		if (rc)
			goto out;
		brought_up = true;
	}
	/* up holds the signals once the lab is up: the test run takes them */
	vl_sig_release();
	lock = vl_state_lock_wait(lab, false, NULL, VL_LOCK_WAIT);
	if (lock < 0) {
		fprintf(stderr, "vlab: lab %s is %s\n", lab, lock == -EWOULDBLOCK ?
			"busy: another vlab command is working on it; wait for it to end and run "
			"`vlab test` again" : "gone: another command took it down meanwhile");
		rc = lock == -EWOULDBLOCK ? VL_EXIT_BUSY : VL_EXIT_FAIL;
		goto out;
	}
	int tr = vl_tnet_init();
	if (tr < 0) {
		fprintf(stderr, "vlab: cannot open our own network namespace: %s (needs root)\n",
			strerror(-tr));
		rc = VL_EXIT_FAIL;
		goto out;
	}
	rc = run_tests(lab, t, &o, junit);
	vl_tnet_fini();
out:
	vl_state_unlock(lock);
	if (junit)
		fclose(junit);
	if (brought_up && o.keep) {
		if (!vl_quiet())
			fprintf(stderr, "vlab: lab %s left running (--keep); `vlab down %s` removes "
				"it\n", lab, lab);
	} else if (brought_up) {
		int d = quietly(cmd_down, "down", lab, false);
		if (d && !rc)
			rc = d;
	}
	vl_topology_free(t);
	free(t);
	free(lab);
	free(file);
	return rc;
}
