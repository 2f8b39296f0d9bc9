/* vlab trace LAB SRC DST [--size N] [--json] [--probe]: the path a packet
 * from SRC (a node, or NODE:IF) to DST (a node, NODE:IF or an address)
 * takes through the running lab, read from the kernel (src/trace_nl.c)
 * and walked hop by hop (src/trace.c). Exit 0: the path is complete;
 * VL_EXIT_TESTS (6): it is broken (where and why printed). Changes
 * nothing; --probe sends one echo request from SRC's namespace. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vlab/cmd.h"
#include "vlab/exec.h"
#include "vlab/observe.h"
#include "vlab/state.h"
#include "vlab/tnet.h"
#include "vlab/trace.h"

struct args {
	const char *lab, *src, *dst;
	int size;
	bool json, probe;
};

static int parse(int argc, char **argv, struct args *a)
{
	memset(a, 0, sizeof(*a));
	const char *pos[3];
	int np = 0;
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (!strcmp(s, "--json")) {
			a->json = true;
		} else if (!strcmp(s, "--probe")) {
			a->probe = true;
		} else if (!strcmp(s, "--size") || !strncmp(s, "--size=", 7)) {
			const char *v = s[6] == '=' ? s + 7 : i + 1 < argc ? argv[++i] : NULL;
			char *end;
			long n = v ? strtol(v, &end, 10) : 0;
			if (!v || *end || n < 28 || n > 65535) {
				fprintf(stderr, "vlab trace: --size needs an IP packet size in bytes, "
						"28 to 65535 (got \"%s\")\n", v ? v : "");
				return -1;
			}
			a->size = (int)n;
		} else if (s[0] == '-' && s[1]) {
			fprintf(stderr, "vlab trace: unknown option \"%s\"\n", s);
			return -1;
		} else if (np < 3) {
			pos[np++] = s;
		} else {
			fprintf(stderr, "vlab trace: too many arguments (\"%s\")\n", s);
			return -1;
		}
	}
	if (np < 3) {
		fprintf(stderr, "vlab trace: needs LAB SRC DST\n");
		return -1;
	}
	a->lab = pos[0];
	a->src = pos[1];
	a->dst = pos[2];
	return 0;
}

/* --probe: one echo request, then which hops' counters moved. 0, or -1
 * with `p->why` saying why none could be sent. */
static int probe(const struct vl_tr_snap *s, const struct vl_tr_path *t, int home,
		 const char *src_node, struct vl_tr_probe *p)
{
	memset(p, 0, sizeof(*p));
	size_t n = t->n;
	const char *ns = NULL;
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].node, src_node))
			ns = s->v[i].ns;
	struct vl_tr_ip d;
	if (!ns || vl_tr_ip_parse(t->dst, &d) < 0) {
		snprintf(p->why, sizeof(p->why), "no echo request sent: %s",
			 ns ? "the destination has no address" : "the source has no namespace");
		return -1;
	}
	long long *before = xcalloc(n + 1, sizeof(*before));
	for (size_t i = 0; i < n; i++)
		before[i] = vl_tr_counter(s, home, t->hops[i].node, t->hops[i].ifname);
	struct vl_ping ping = {0};
	ping.nsfd = vl_netns_open(ns);
	ping.dst.family = d.family;
	memcpy(ping.dst.addr, d.a, 16);
	ping.dst.len = d.family == AF_INET6 ? 128 : 32;
	struct vl_ping_opts o = {.count = 1, .timeout = 2.0, .linger = 1.0, .size = t->size,
				 .df = true, .until_reply = true};
	if (ping.nsfd >= 0 && vl_tnet_init() == 0) {
		vl_ping_run(&ping, 1, &o);
		vl_tnet_fini();
	}
	if (ping.nsfd >= 0)
		close(ping.nsfd);
	for (size_t i = 0; i < n; i++) {
		long long after = vl_tr_counter(s, home, t->hops[i].node, t->hops[i].ifname);
		if (before[i] >= 0 && after > before[i])
			p->last = (int)i + 1;
	}
	p->answered = ping.received > 0;
	if (p->answered)
		p->rtt_ms = vl_ping_median(&ping) * 1e3;
	else
		vl_ping_why(&ping, p->why, sizeof(p->why));
	free(before);
	return 0;
}

int cmd_trace(int argc, char **argv)
{
	struct args a;
	if (parse(argc, argv, &a) < 0) {
		vl_usage(stderr, "trace");
		return VL_EXIT_USAGE;
	}
	int rc = vl_need_root("trace");
	if (rc)
		return rc;
	char *lab = vl_resolve_lab(a.lab);
	if (!lab)
		return VL_EXIT_USAGE;
	int home = vl_netns_self();
	if (home < 0) {
		fprintf(stderr, "vlab trace: opening our network namespace: %s\n", strerror(-home));
		free(lab);
		return VL_EXIT_FAIL;
	}
	struct vl_tr_snap s = {0};
	struct vl_tr_path t = {0};
	struct vl_buf err = {0}, out = {0};
	if (vl_tr_read_lab(lab, home, &s) < 0 || !s.n) {
		vl_lab_not_running("trace", lab);
		rc = VL_EXIT_FAIL;
		goto done;
	}
	for (size_t i = 0; i < s.n; i++)
		if (s.v[i].err)
			fprintf(stderr, "vlab trace: %s: not readable: %s\n", s.v[i].ns,
				strerror(-s.v[i].err));
	char *src_node = xstrdup(a.src), *colon = strchr(src_node, ':');
	if (colon)
		*colon++ = 0;
	struct vl_tr_req r = {.src_node = src_node, .src_if = colon, .dst = a.dst, .size = a.size};
	if (vl_trace_walk(&s, &r, &t, &err) < 0) {
		fprintf(stderr, "vlab trace: %s\n", err.s);
		free(src_node);
		rc = VL_EXIT_USAGE;
		goto done;
	}
	struct vl_tr_probe pr;
	int sent = a.probe ? probe(&s, &t, home, src_node, &pr) : -1;
	if (a.probe && sent < 0 && !a.json)
		fprintf(stderr, "vlab trace: --probe: %s\n", pr.why);
	if (a.json) {
		vl_trace_json(&t, lab, a.probe ? &pr : NULL, &out);
	} else {
		vl_trace_text(&t, &out);
		if (sent == 0)
			vl_trace_probe_text(&t, &pr, &out);
	}
	free(src_node);
	fputs(out.s ? out.s : "", stdout);
	fflush(stdout);
	rc = t.verdict == VL_TR_OK ? VL_EXIT_OK : VL_EXIT_TESTS;
done:
	vl_trace_free(&t);
	vl_tr_snap_free(&s);
	vl_buf_free(&err);
	vl_buf_free(&out);
	close(home);
	free(lab);
	return rc;
}
