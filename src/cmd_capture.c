/* vlab capture LAB NODE:IF [-c N] [-w FILE] [FILTER...]: capture packets on
 * one interface of a running lab with libpcap (the standard capture
 * library; FILTER is its BPF syntax, as tcpdump's). NODE is a node, or a
 * switch whose bridge lives in a host's (or its own) namespace: the lab's
 * namespaces are read from the kernel (nl_stats.c) and the one holding that
 * node or bridge is joined (setns, network namespace only). Writes a pcap
 * file (-w FILE, or -w - for standard output) or one line per packet.
 *
 * The process marks itself as vlab's (VLAB_LAB in its environment, set by
 * re-executing itself once), so `vlab down` ends a running capture (SIGTERM;
 * the file is flushed and closed) instead of reporting a foreign process. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "vlab/cmd.h"
#include "vlab/exec.h"
#include "vlab/observe.h"
#include "vlab/sig.h"
#include "vlab/state.h"

static pcap_t *g_pcap;

/* From the signal guard's handler (vl_sig_on_catch): a blocked read ends */
static void break_capture(int sig)
{
	(void)sig;
	if (g_pcap)
		pcap_breakloop(g_pcap); /* async-signal-safe in libpcap >= 1.10 (eventfd) */
}

struct ctx {
	long count, seen;
	pcap_dumper_t *dump;
	int linktype;
	bool failed;   /* writing failed (a closed pipe): stop */
};

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct ctx *c = (struct ctx *)user;
	if (c->failed || (c->count && c->seen >= c->count))
		return;
	c->seen++;
	if (c->dump) {
		pcap_dump((u_char *)c->dump, h, bytes);
	} else {
		char when[32], sum[512];
		time_t sec = h->ts.tv_sec;
		struct tm tm;
		strftime(when, sizeof(when), "%H:%M:%S", localtime_r(&sec, &tm));
		if (c->linktype == DLT_EN10MB)
			vl_pkt_summary(sum, sizeof(sum), bytes, h->caplen);
		else
			snprintf(sum, sizeof(sum), "link-type %d", c->linktype);
		if (printf("%s.%06ld %5u B %s\n", when, (long)h->ts.tv_usec, h->len, sum) < 0 ||
		    fflush(stdout) == EOF)
			c->failed = true;
	}
	if (c->failed || (c->count && c->seen >= c->count))
		pcap_breakloop(g_pcap);
}

/* The namespace and real device name of NODE:IF; prints why not. */
static int resolve(const struct vl_capture_args *a, int home, char **ns, char *dev,
		   char *what, size_t what_n)
{
	struct vl_obs_lab l = {0};
	if (vl_obs_read_lab(a->lab, home, &l) < 0) {
		vl_lab_not_running("capture", a->lab);
		return VL_EXIT_FAIL;
	}
	struct vl_buf err = {0};
	size_t ni, fi;
	int rc = VL_EXIT_OK;
	if (vl_obs_find(&l, a->lab, a->node, a->ifname, &ni, &fi, &err) < 0) {
		fprintf(stderr, "vlab capture: %s\n", err.s);
		rc = VL_EXIT_FAIL;
	} else {
		const struct vl_obs_ns *n = &l.v[ni];
		const struct vl_ifrec *f = &n->ifs[fi];
		*ns = xstrdup(n->ns);
		snprintf(dev, VL_DEVNAME_MAX, "%s", f->name);
		const char *layer = vl_obs_layer(n, f);
		const struct vl_ifrec *m = f->master ? vl_obs_if_by_index(n, f->master) : NULL;
		if (m && !strcmp(layer, "port"))
			snprintf(what, what_n, "%s:%s (port of %s, in %s)", a->node, f->name, m->name,
				 n->node);
		else
			snprintf(what, what_n, "%s:%s (%s)", n->node, f->name, layer);
	}
	vl_buf_free(&err);
	vl_obs_lab_free(&l);
	return rc;
}

/* Re-execute ourselves once with VLAB_LAB/VLAB_NODE in the environment
 * (what `down` recognises as its own); returns only when that failed. */
static void mark_as_vlab(int argc, char **argv, const char *lab, const char *node)
{
	const char *cur = getenv("VLAB_LAB");
	if (cur && !strcmp(cur, lab))
		return;
	setenv("VLAB_LAB", lab, 1);
	setenv("VLAB_NODE", node, 1);
	char **v = xcalloc((size_t)argc + 3, sizeof(char *));
	int k = 0;
	v[k++] = (char *)"vlab";
	if (vl_verbosity()) /* main.c took -q/-v out of argv */
		v[k++] = (char *)(vl_quiet() ? "-q" : "-v");
	for (int i = 0; i < argc; i++)
		v[k++] = argv[i];
	execv("/proc/self/exe", v);
	free(v); /* carry on unmarked: `down` will name us instead */
}

static int join(const char *ns)
{
	int fd = vl_netns_open(ns);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "vlab capture: entering namespace %s: %s\n", ns,
			strerror(fd < 0 ? -fd : errno));
		if (fd >= 0)
			close(fd);
		return VL_EXIT_FAIL;
	}
	close(fd);
	return 0;
}

static pcap_t *open_pcap(const char *dev, const char *filter, int *rc)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	*rc = VL_EXIT_FAIL;
	pcap_t *p = pcap_create(dev, errbuf);
	if (!p) {
		fprintf(stderr, "vlab capture: %s: %s\n", dev, errbuf);
		return NULL;
	}
	pcap_set_snaplen(p, 262144);
	pcap_set_promisc(p, 1);
	pcap_set_immediate_mode(p, 1);
	pcap_set_timeout(p, 100);
	int r = pcap_activate(p);
	if (r < 0) {
		fprintf(stderr, "vlab capture: %s: %s\n", dev, pcap_geterr(p));
		pcap_close(p);
		return NULL;
	}
	if (r > 0)
		fprintf(stderr, "vlab capture: warning: %s: %s\n", dev, pcap_geterr(p));
	struct bpf_program prog;
	if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		fprintf(stderr, "vlab capture: filter \"%s\": %s (BPF syntax as tcpdump's: "
			"pcap-filter(7))\n", filter, pcap_geterr(p));
		pcap_close(p);
		*rc = VL_EXIT_USAGE;
		return NULL;
	}
	r = pcap_setfilter(p, &prog);
	pcap_freecode(&prog);
	if (r < 0) {
		fprintf(stderr, "vlab capture: setting the filter: %s\n", pcap_geterr(p));
		pcap_close(p);
		return NULL;
	}
	*rc = 0;
	return p;
}

/* Open FILE for writing without following a symbolic link; a file we
 * create belongs to the user who ran sudo. */
static FILE *open_output(const char *path)
{
	if (!strcmp(path, "-"))
		return stdout;
	bool created = true;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST) {
		created = false;
		fd = open(path, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0) {
		fprintf(stderr, "vlab capture: %s: %s%s\n", path, strerror(errno),
			errno == ELOOP ? " (a symbolic link: not followed)" : "");
		return NULL;
	}
	const char *su = getenv("SUDO_UID"), *sg = getenv("SUDO_GID");
	if (created && su && sg && geteuid() == 0) {
		char *e1, *e2;
		unsigned long uid = strtoul(su, &e1, 10), gid = strtoul(sg, &e2, 10);
		if (!*e1 && !*e2 && *su && *sg && fchown(fd, (uid_t)uid, (gid_t)gid) < 0)
			fprintf(stderr, "vlab capture: warning: chown %s: %s\n", path, strerror(errno));
	}
	FILE *f = fdopen(fd, "w");
	if (!f)
		close(fd);
	return f;
}

static int capture_loop(pcap_t *p, struct ctx *c)
{
	while (!vl_sig_caught() && !c->failed && !(c->count && c->seen >= c->count)) {
		int r = pcap_dispatch(p, -1, on_packet, (u_char *)c);
		if (c->dump && (pcap_dump_flush(c->dump) < 0))
			c->failed = true;
		if (r == PCAP_ERROR_BREAK)
			continue; /* the loop condition says why */
		if (r < 0) {
			fprintf(stderr, "vlab capture: %s\n", pcap_geterr(p));
			return VL_EXIT_FAIL;
		}
	}
	return VL_EXIT_OK;
}

int cmd_capture(int argc, char **argv)
{
	struct vl_capture_args a;
	struct vl_buf err = {0};
	if (vl_capture_parse(argc, argv, &a, &err) < 0) {
		fprintf(stderr, "vlab capture: %s\n", err.s);
		vl_buf_free(&err);
		vl_usage(stderr, "capture");
		return VL_EXIT_USAGE;
	}
	if (a.write && !strcmp(a.write, "-") && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "vlab capture: not writing pcap to a terminal: pipe it "
			"(-w - | wireshark -k -i -) or give -w FILE\n");
		vl_capture_args_free(&a);
		return VL_EXIT_USAGE;
	}
	int rc = vl_need_root("capture");
	char *lab = rc ? NULL : vl_resolve_lab(a.lab);
	if (!rc && !lab)
		rc = VL_EXIT_USAGE;
	int home = rc ? -1 : vl_netns_self();
	if (!rc && home < 0) {
		fprintf(stderr, "vlab capture: opening our network namespace: %s\n", strerror(-home));
		rc = VL_EXIT_FAIL;
	}
	char *ns = NULL, dev[VL_DEVNAME_MAX] = "", what[300] = "";
	pcap_t *p = NULL;
	FILE *out = NULL;
	if (rc)
		goto done;
	a.lab = lab;
	rc = resolve(&a, home, &ns, dev, what, sizeof(what));
	if (rc)
		goto done;
	mark_as_vlab(argc, argv, lab, a.node);
	rc = join(ns);
	if (rc)
		goto done;
	p = open_pcap(dev, a.filter, &rc);
	if (!p)
		goto done;
	struct ctx c = {.count = a.count, .linktype = pcap_datalink(p)};
	if (a.write) {
		out = open_output(a.write);
		c.dump = out ? pcap_dump_fopen(p, out) : NULL;
		if (!c.dump) {
			if (out)
				fprintf(stderr, "vlab capture: %s: %s\n", a.write, pcap_geterr(p));
			rc = VL_EXIT_FAIL;
			goto done;
		}
		pcap_dump_flush(c.dump); /* the file header: readers may start now */
	} else {
		setvbuf(stdout, NULL, _IOLBF, 0);
	}
	/* Ctrl-C, TERM, HUP: the normal end (exit 0 with the summary); the
	 * guard ignores SIGPIPE: a closed pipe is a write error, we stop */
	g_pcap = p;
	vl_sig_on_catch(break_capture);
	vl_sig_guard();
	fprintf(stderr, "vlab capture: capturing on %s, link-type %s, filter \"%s\"%s\n", what,
		pcap_datalink_val_to_name(c.linktype) ? pcap_datalink_val_to_name(c.linktype) : "?",
		a.filter, a.count ? "" : "; Ctrl-C stops");
	rc = capture_loop(p, &c);
	struct pcap_stat ps;
	if (pcap_stats(p, &ps) == 0)
		fprintf(stderr, "vlab capture: %ld packet%s captured, %u dropped by the kernel\n",
			c.seen, c.seen == 1 ? "" : "s", ps.ps_drop);
	if (c.dump) {
		if (pcap_dump_flush(c.dump) < 0)
			c.failed = true;
		pcap_dump_close(c.dump); /* fcloses `out` (stdout too: we are done) */
		out = NULL;
	}
	/* a reader that went away (| head, a closed wireshark) is a normal end */
	if (c.failed && a.write && strcmp(a.write, "-")) {
		fprintf(stderr, "vlab capture: writing %s: %s\n", a.write, strerror(errno));
		rc = VL_EXIT_FAIL;
	}
done:
	vl_sig_on_catch(NULL);
	g_pcap = NULL;
	if (out && out != stdout)
		fclose(out);
	if (p)
		pcap_close(p);
	if (home >= 0)
		close(home);
	free(ns);
	free(lab);
	vl_capture_args_free(&a);
	return rc;
}
