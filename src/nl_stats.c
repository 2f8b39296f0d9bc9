/* Reading a running lab for `vlab capture` and `vlab stats`: per
 * namespace, one RTM_GETLINK dump (names, altnames, kind, master, ifalias,
 * IFLA_STATS64) and one RTM_GETQDISC dump (root and ingress qdiscs,
 * TCA_STATS2). Nothing is changed and no socket outlives the read, so a
 * lab being torn down is never held alive by us. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/gen_stats.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include "vlab/exec.h"
#include "vlab/naming.h"
#include "vlab/observe.h"
#include "vlab/state.h"

struct read_ctx {
	struct vl_obs_ns *n;
	char lo_alias[VL_ALTNAME_MAX];
};

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct read_ctx *ctx = data;
	struct vl_link_attrs l;
	vl_link_attrs_parse(nlh, &l);
	if (l.flags & IFF_LOOPBACK) {
		snprintf(ctx->lo_alias, sizeof(ctx->lo_alias), "%s", l.alias);
		return MNL_CB_OK;
	}
	struct vl_ifrec *f = vl_obs_add_if(ctx->n, l.index, l.name, l.kind, l.master);
	f->flags = l.flags;
	if (l.alias[0]) {
		free(f->alias);
		f->alias = xstrdup(l.alias);
	}
	if (l.stats) {
		struct rtnl_link_stats64 st;
		memcpy(&st, l.stats, sizeof(st));
		f->c[VL_RX_PACKETS] = st.rx_packets;
		f->c[VL_RX_BYTES] = st.rx_bytes;
		f->c[VL_RX_DROPPED] = st.rx_dropped;
		f->c[VL_RX_ERRORS] = st.rx_errors;
		f->c[VL_TX_PACKETS] = st.tx_packets;
		f->c[VL_TX_BYTES] = st.tx_bytes;
		f->c[VL_TX_DROPPED] = st.tx_dropped;
		f->c[VL_TX_ERRORS] = st.tx_errors;
	}
	const struct nlattr *b;
	if (l.prop_list)
		mnl_attr_for_each_nested(b, l.prop_list)
			if (mnl_attr_get_type(b) == IFLA_ALT_IFNAME)
				vl_strv_push(&f->altnames, mnl_attr_get_str(b));
	return MNL_CB_OK;
}

static void qdisc_queue_stats(struct vl_ifrec *f, const struct nlattr *stats2, bool root)
{
	const struct nlattr *b;
	mnl_attr_for_each_nested(b, stats2) {
		if (mnl_attr_get_type(b) != TCA_STATS_QUEUE ||
		    mnl_attr_get_payload_len(b) < sizeof(struct gnet_stats_queue))
			continue;
		struct gnet_stats_queue q;
		memcpy(&q, mnl_attr_get_payload(b), sizeof(q));
		f->c[VL_Q_DROPS] += q.drops;
		if (root) {
			f->c[VL_Q_OVERLIMITS] += q.overlimits;
			f->c[VL_Q_REQUEUES] += q.requeues;
			f->backlog += q.backlog;
		}
	}
}

static int qdisc_cb(const struct nlmsghdr *nlh, void *data)
{
	struct read_ctx *ctx = data;
	const struct tcmsg *tc = mnl_nlmsg_get_payload(nlh);
	bool root = tc->tcm_parent == TC_H_ROOT;
	if (!root && tc->tcm_parent != TC_H_INGRESS)
		return MNL_CB_OK; /* children: their drops are counted by the root */
	struct vl_ifrec *f = NULL;
	for (size_t i = 0; i < ctx->n->n && !f; i++)
		if (ctx->n->ifs[i].index == tc->tcm_ifindex)
			f = &ctx->n->ifs[i];
	if (!f)
		return MNL_CB_OK;
	const struct nlattr *a;
	bool stats2 = false;
	mnl_attr_for_each(a, nlh, sizeof(*tc)) {
		int t = mnl_attr_get_type(a);
		if (t == TCA_KIND && root)
			snprintf(f->qkind, sizeof(f->qkind), "%s", mnl_attr_get_str(a));
		else if (t == TCA_STATS2) {
			qdisc_queue_stats(f, a, root);
			stats2 = true;
		}
	}
	/* kernels without TCA_STATS2 only send the old struct tc_stats */
	mnl_attr_for_each(a, nlh, sizeof(*tc)) {
		if (stats2 || mnl_attr_get_type(a) != TCA_STATS ||
		    mnl_attr_get_payload_len(a) < sizeof(struct tc_stats))
			continue;
		struct tc_stats s;
		memcpy(&s, mnl_attr_get_payload(a), sizeof(s));
		f->c[VL_Q_DROPS] += s.drops;
		if (root) {
			f->c[VL_Q_OVERLIMITS] += s.overlimits;
			f->backlog += s.backlog;
		}
	}
	return MNL_CB_OK;
}

static int read_inside(void *arg)
{
	int r = vl_nl_dump_links_and(RTM_GETQDISC, sizeof(struct tcmsg), link_cb, qdisc_cb, arg);
	return r;
}

int vl_obs_read_ns(const char *lab, int home, struct vl_obs_ns *out)
{
	struct read_ctx ctx = {.n = out};
	int fd = vl_netns_open(out->ns);
	int r = fd;
	if (fd >= 0) {
		r = vl_netns_call(fd, home, read_inside, &ctx);
		close(fd);
	}
	const char *node = vl_obs_mark_node(ctx.lo_alias, lab);
	free(out->node);
	out->node = xstrdup(node ? node : vl_ns_node(lab, out->ns));
	out->err = r < 0 ? r : 0;
	return out->err;
}

int vl_obs_read_lab(const char *lab, int home, struct vl_obs_lab *out)
{
	struct vl_strv ns = {0};
	bool running = vl_lab_live_netns(lab, &ns);
	for (size_t i = 0; i < ns.n; i++)
		vl_obs_read_ns(lab, home, vl_obs_add_ns(out, ns.v[i], NULL));
	vl_strv_free(&ns);
	return running ? 0 : -ENOENT;
}

void vl_lab_not_running(const char *cmd, const char *lab)
{
	struct vl_strv labs = {0};
	vl_state_list(&labs);
	fprintf(stderr, "vlab %s: lab %s is not running", cmd, lab);
	const char *dym = vl_did_you_mean(lab, (const char *const *)labs.v, labs.n);
	if (dym)
		fprintf(stderr, "; did you mean %s?", dym);
	if (!labs.n)
		fprintf(stderr, " (no lab is running)\n");
	for (size_t i = 0; i < labs.n; i++)
		fprintf(stderr, "%s%s%s", i ? ", " : " (running: ", labs.v[i],
			i + 1 == labs.n ? ")\n" : "");
	vl_strv_free(&labs);
}
