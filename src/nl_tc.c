/* Traffic control: shaping (tbf, netem, netem with a tbf child) with
 * libnl-route, and port mirroring: a clsact qdisc (plain ingress when the
 * kernel has no clsact) plus a match-all u32 filter whose mirred action
 * copies every packet to the monitor port. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/if_ether.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>
#include <netlink/netlink.h>
#include <netlink/route/action.h>
#include <netlink/route/act/mirred.h>
#include <netlink/route/classifier.h>
#include <netlink/route/cls/u32.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/tc.h>

#include "vlab/exec.h"
#include "vlab/runtime.h"

#ifndef TC_H_CLSACT
#define TC_H_CLSACT TC_H_INGRESS
#endif
#ifndef TC_H_MIN_INGRESS
#define TC_H_MIN_INGRESS 0xFFF2U
#define TC_H_MIN_EGRESS 0xFFF3U
#endif

uint32_t vl_tbf_burst(uint64_t rate_bps, int mtu, uint32_t burst)
{
	if (burst)
		return burst;
	uint64_t b = rate_bps / 8 / 100;          /* 10 ms worth of rate */
	uint64_t two = 2 * (uint64_t)((mtu ? mtu : 1500) + 14);
	if (b < two)
		b = two;
	if (b < 5000)
		b = 5000;
	return b > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)b;
}

uint32_t vl_tbf_limit(uint64_t rate_bps, uint32_t burst, uint32_t limit)
{
	if (limit)
		return limit;
	uint64_t l = rate_bps / 8 / 20;           /* 50 ms worth of rate */
	if (l < 3 * (uint64_t)burst)
		l = 3 * (uint64_t)burst;
	return l > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)l;
}

static int talk_msg(struct vl_nl *nl, struct nl_msg *m)
{
	int r = vl_nl_talk(nl, nlmsg_hdr(m));
	nlmsg_free(m);
	return r;
}

/* Percent (0..100) as netem's 32-bit probability. */
static uint32_t netem_prob(double pct)
{
	if (pct <= 0)
		return 0;
	if (pct >= 100)
		return UINT32_MAX;
	return (uint32_t)(pct / 100.0 * (double)UINT32_MAX);
}

static bool has_netem(const struct vl_shape *s)
{
	return s->delay_us || s->jitter_us || s->loss_pct > 0 || s->duplicate_pct > 0 ||
	       s->corrupt_pct > 0 || s->reorder_pct > 0 || s->netem_limit;
}

/* The kernel's psched tick is 64 ns (PSCHED_SHIFT 6): the unit of the
 * 32-bit time fields, which end at ~275 s. The 64-bit attributes carry
 * the real values; the 32-bit fields are clamped, never wrapped. */
static uint32_t ticks32(uint64_t ns)
{
	uint64_t t = ns >> 6;
	return t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

static struct nlmsghdr *qdisc_msg(void *buf, int ifindex, uint32_t parent, uint32_t handle,
				  const char *kind)
{
	memset(buf, 0, VL_TC_MSG_MAX);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWQDISC;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL;
	struct tcmsg *t = mnl_nlmsg_put_extra_header(nlh, sizeof(*t));
	t->tcm_family = AF_UNSPEC;
	t->tcm_ifindex = ifindex;
	t->tcm_parent = parent;
	t->tcm_handle = handle;
	mnl_attr_put_strz(nlh, TCA_KIND, kind);
	return nlh;
}

/* tbf: rate in bytes per second, 64-bit beyond 2^32-1 B/s (~34 Gbit/s);
 * the bucket in bytes (TCA_TBF_BURST), so the kernel computes its time
 * itself; link layer ethernet, so no rate table is needed. */
struct nlmsghdr *vl_tc_tbf_msg(void *buf, int ifindex, uint32_t parent, uint32_t handle,
			       int mtu, const struct vl_shape *s)
{
	struct nlmsghdr *nlh = qdisc_msg(buf, ifindex, parent, handle, "tbf");
	uint64_t rate = s->rate_bps / 8;
	uint32_t burst = vl_tbf_burst(s->rate_bps, mtu, s->burst_bytes);
	struct tc_tbf_qopt q = {0};

	q.rate.linklayer = TC_LINKLAYER_ETHERNET;
	q.rate.rate = rate > UINT32_MAX ? UINT32_MAX : (uint32_t)rate;
	q.limit = vl_tbf_limit(s->rate_bps, burst, s->limit_bytes);
	q.buffer = rate ? ticks32((uint64_t)((double)burst * 1e9 / (double)rate)) : UINT32_MAX;
	struct nlattr *opt = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	mnl_attr_put(nlh, TCA_TBF_PARMS, sizeof(q), &q);
	mnl_attr_put_u32(nlh, TCA_TBF_BURST, burst);
	if (rate > UINT32_MAX)
		mnl_attr_put_u64(nlh, TCA_TBF_RATE64, rate);
	mnl_attr_nest_end(nlh, opt);
	return nlh;
}

/* netem: TCA_OPTIONS is struct tc_netem_qopt followed by attributes (not a
 * plain nest). Delay and jitter go as 64-bit nanoseconds as well. */
struct nlmsghdr *vl_tc_netem_msg(void *buf, int ifindex, const struct vl_shape *s)
{
	struct nlmsghdr *nlh = qdisc_msg(buf, ifindex, TC_H_ROOT, TC_HANDLE(1, 0), "netem");
	uint64_t delay_ns = (uint64_t)s->delay_us * 1000, jitter_ns = (uint64_t)s->jitter_us * 1000;
	struct tc_netem_qopt q = {0};

	/* netem drops everything with limit 0: keep the kernel's 1000 */
	q.limit = s->netem_limit ? s->netem_limit : 1000;
	q.latency = ticks32(delay_ns);
	q.jitter = ticks32(jitter_ns);
	q.loss = netem_prob(s->loss_pct);
	q.duplicate = netem_prob(s->duplicate_pct);
	if (s->reorder_pct > 0)
		q.gap = 1; /* as tc does: with gap 0 netem never reorders */
	struct nlattr *opt = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	/* not a nest: clear the flag mnl_attr_nest_start may set */
	opt->nla_type = TCA_OPTIONS;
	memcpy(mnl_nlmsg_get_payload_tail(nlh), &q, sizeof(q));
	nlh->nlmsg_len += MNL_ALIGN(sizeof(q));
	if (delay_ns) {
		int64_t v = (int64_t)delay_ns;
		mnl_attr_put(nlh, TCA_NETEM_LATENCY64, sizeof(v), &v);
	}
	if (jitter_ns) {
		int64_t v = (int64_t)jitter_ns;
		mnl_attr_put(nlh, TCA_NETEM_JITTER64, sizeof(v), &v);
	}
	if (s->reorder_pct > 0) {
		struct tc_netem_reorder r = {netem_prob(s->reorder_pct), 0};
		mnl_attr_put(nlh, TCA_NETEM_REORDER, sizeof(r), &r);
	}
	if (s->corrupt_pct > 0) {
		struct tc_netem_corrupt c = {netem_prob(s->corrupt_pct), 0};
		mnl_attr_put(nlh, TCA_NETEM_CORRUPT, sizeof(c), &c);
	}
	mnl_attr_nest_end(nlh, opt);
	return nlh;
}

static int add_tbf(struct vl_nl *nl, int ifindex, uint32_t parent, uint32_t handle,
		   int mtu, const struct vl_shape *s)
{
	char buf[VL_TC_MSG_MAX];
	return vl_nl_talk(nl, vl_tc_tbf_msg(buf, ifindex, parent, handle, mtu, s));
}

static int add_netem(struct vl_nl *nl, int ifindex, const struct vl_shape *s)
{
	char buf[VL_TC_MSG_MAX];
	return vl_nl_talk(nl, vl_tc_netem_msg(buf, ifindex, s));
}

int vl_tc_shape(struct vl_nl *nl, int ifindex, int mtu, const struct vl_shape *s)
{
	bool netem = has_netem(s), tbf = s->rate_bps > 0;
	int r = 0;

	if (netem) {
		r = add_netem(nl, ifindex, s);
		if (r < 0 || !tbf)
			return r;
		/* rate limiting under the impairments: tbf child of netem's class */
		return add_tbf(nl, ifindex, TC_HANDLE(1, 1), TC_HANDLE(10, 0), mtu, s);
	}
	if (tbf)
		r = add_tbf(nl, ifindex, TC_H_ROOT, TC_HANDLE(1, 0), mtu, s);
	return r;
}

/* clsact (or ingress) qdisc, built by hand: libnl 3.7 has no clsact type. */
static int add_clsact(struct vl_nl *nl, int ifindex, const char *kind)
{
	char buf[256] = {0};
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWQDISC;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	struct tcmsg *t = mnl_nlmsg_put_extra_header(nlh, sizeof(*t));
	t->tcm_family = AF_UNSPEC;
	t->tcm_ifindex = ifindex;
	t->tcm_parent = TC_H_CLSACT;
	t->tcm_handle = TC_HANDLE(TC_H_MAJ(TC_H_CLSACT) >> 16, 0);
	mnl_attr_put_strz(nlh, TCA_KIND, kind);
	return vl_nl_talk(nl, nlh);
}

static int add_mirred_filter(struct vl_nl *nl, int ifindex, uint32_t parent, int to)
{
	struct rtnl_cls *c = rtnl_cls_alloc();
	struct rtnl_act *a = rtnl_act_alloc();
	struct nl_msg *m;
	int r = -ENOMEM;

	if (!c || !a)
		goto out;
	rtnl_tc_set_ifindex(TC_CAST(c), ifindex);
	rtnl_tc_set_parent(TC_CAST(c), parent);
	if (rtnl_tc_set_kind(TC_CAST(c), "u32") < 0 || rtnl_tc_set_kind(TC_CAST(a), "mirred") < 0) {
		r = -EINVAL;
		goto out;
	}
	rtnl_cls_set_prio(c, 1);
	rtnl_cls_set_protocol(c, ETH_P_ALL);
	rtnl_u32_add_key_uint32(c, 0, 0, 0, 0); /* match all */
	rtnl_u32_set_cls_terminal(c);
	if (to) {
		rtnl_mirred_set_action(a, TCA_EGRESS_MIRROR);
		rtnl_mirred_set_policy(a, TC_ACT_PIPE);
		rtnl_mirred_set_ifindex(a, (uint32_t)to);
		rtnl_u32_add_action(c, a);
	}
	if (rtnl_cls_build_add_request(c, NLM_F_CREATE | NLM_F_EXCL, &m) < 0)
		goto out;
	r = talk_msg(nl, m);
out:
	if (a)
		rtnl_act_put(a);
	if (c)
		rtnl_cls_put(c);
	return r;
}

int vl_tc_mirror(struct vl_nl *nl, int ifindex, int to_ifindex, bool ingress, bool egress)
{
	int r = add_clsact(nl, ifindex, "clsact");
	if (r == -EOPNOTSUPP || r == -ENOENT || r == -EINVAL) {
		/* old kernel: ingress only */
		if (egress)
			return r;
		r = add_clsact(nl, ifindex, "ingress");
	}
	if (r < 0)
		return r;
	if (ingress) {
		r = add_mirred_filter(nl, ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS), to_ifindex);
		if (r < 0)
			return r;
	}
	if (egress)
		r = add_mirred_filter(nl, ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS), to_ifindex);
	return r;
}

int vl_tc_probe(struct vl_nl *nl, int ifindex, int other, uint32_t want, uint32_t *have)
{
	struct vl_shape s = {.rate_bps = 1000000, .delay_us = 1000};
	uint32_t clsact = 1u << VL_FEAT_CLSACT, u32 = 1u << VL_FEAT_U32, mirred = 1u << VL_FEAT_MIRRED;

	if (want & (1u << VL_FEAT_TBF) && add_tbf(nl, ifindex, TC_H_ROOT, TC_HANDLE(1, 0), 1500, &s) == 0)
		*have |= 1u << VL_FEAT_TBF;
	if (want & (1u << VL_FEAT_NETEM) && add_netem(nl, other, &s) == 0)
		*have |= 1u << VL_FEAT_NETEM;
	if (!(want & (clsact | u32 | mirred)))
		return 0;
	if (add_clsact(nl, ifindex, "clsact") < 0)
		return 0;
	*have |= clsact;
	uint32_t ing = TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS);
	if (add_mirred_filter(nl, ifindex, ing, 0) < 0)
		return 0;
	*have |= u32;
	if (add_mirred_filter(nl, ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS), other) == 0)
		*have |= mirred;
	return 0;
}

/* ---- reading shaping back, and changing it in place (vlab impair) ---- */

static double prob_pct(uint32_t p)
{
	return p == UINT32_MAX ? 100.0 : (double)p / (double)UINT32_MAX * 100.0;
}

/* Percentages read back from 32-bit probabilities: to 6 significant
 * digits, so 1% reads 1 and not 0.99999999. */
static double round_pct(double v)
{
	char b[32];
	snprintf(b, sizeof(b), "%.6g", v);
	return strtod(b, NULL);
}

static void parse_tbf(const struct nlattr *opt, struct vl_shape *s)
{
	const struct nlattr *a;
	struct tc_tbf_qopt q;
	bool have = false;
	uint64_t rate64 = 0;
	mnl_attr_for_each_nested(a, opt) {
		if (mnl_attr_get_type(a) == TCA_TBF_PARMS && mnl_attr_get_payload_len(a) >= sizeof(q)) {
			memcpy(&q, mnl_attr_get_payload(a), sizeof(q));
			have = true;
		} else if (mnl_attr_get_type(a) == TCA_TBF_RATE64 && mnl_attr_get_payload_len(a) >= 8) {
			rate64 = mnl_attr_get_u64(a);
		}
	}
	if (!have)
		return;
	uint64_t rate = rate64 ? rate64 : q.rate.rate; /* bytes per second */
	s->rate_bps = rate * 8;
	/* the bucket as the time it lasts at the rate, in 64 ns ticks */
	double burst = (double)((uint64_t)q.buffer << 6) * (double)rate / 1e9;
	s->burst_bytes = burst >= UINT32_MAX ? UINT32_MAX : (uint32_t)(burst + 0.5);
	s->limit_bytes = q.limit;
	s->set = true;
}

static void parse_netem(const struct nlattr *opt, struct vl_shape *s)
{
	struct tc_netem_qopt q;
	size_t len = mnl_attr_get_payload_len(opt);
	if (len < sizeof(q))
		return;
	memcpy(&q, mnl_attr_get_payload(opt), sizeof(q));
	uint64_t lat = (uint64_t)q.latency << 6, jit = (uint64_t)q.jitter << 6;
	/* attributes follow the struct, aligned */
	const char *p = (const char *)mnl_attr_get_payload(opt) + MNL_ALIGN(sizeof(q));
	const char *end = (const char *)mnl_attr_get_payload(opt) + len;
	while (p + sizeof(struct nlattr) <= end) {
		const struct nlattr *a = (const struct nlattr *)p;
		if (a->nla_len < sizeof(*a) || p + a->nla_len > end)
			break;
		size_t alen = mnl_attr_get_payload_len(a);
		const void *v = mnl_attr_get_payload(a);
		switch (mnl_attr_get_type(a)) {
		case TCA_NETEM_LATENCY64:
			if (alen >= 8) { int64_t x; memcpy(&x, v, 8); lat = x < 0 ? 0 : (uint64_t)x; }
			break;
		case TCA_NETEM_JITTER64:
			if (alen >= 8) { int64_t x; memcpy(&x, v, 8); jit = x < 0 ? 0 : (uint64_t)x; }
			break;
		case TCA_NETEM_CORRUPT:
			if (alen >= sizeof(struct tc_netem_corrupt)) {
				struct tc_netem_corrupt c;
				memcpy(&c, v, sizeof(c));
				s->corrupt_pct = round_pct(prob_pct(c.probability));
			}
			break;
		case TCA_NETEM_REORDER:
			if (alen >= sizeof(struct tc_netem_reorder)) {
				struct tc_netem_reorder r;
				memcpy(&r, v, sizeof(r));
				s->reorder_pct = round_pct(prob_pct(r.probability));
			}
			break;
		}
		p += MNL_ALIGN(a->nla_len);
	}
	s->delay_us = (uint32_t)((lat + 500) / 1000);
	s->jitter_us = (uint32_t)((jit + 500) / 1000);
	s->loss_pct = q.loss ? round_pct(prob_pct(q.loss)) : 0;
	s->duplicate_pct = q.duplicate ? round_pct(prob_pct(q.duplicate)) : 0;
	s->netem_limit = q.limit == 1000 ? 0 : q.limit; /* 1000: the default vlab sends */
	s->set = true;
}

int vl_tc_parse_qdisc(const struct nlmsghdr *nlh, int ifindex, struct vl_tc_now *now)
{
	if (nlh->nlmsg_type != RTM_NEWQDISC)
		return 0;
	const struct tcmsg *t = mnl_nlmsg_get_payload(nlh);
	if (t->tcm_ifindex != ifindex)
		return 0;
	const struct nlattr *a, *opt = NULL;
	char kind[16] = "";
	mnl_attr_for_each(a, nlh, sizeof(*t)) {
		if (mnl_attr_get_type(a) == TCA_KIND)
			snprintf(kind, sizeof(kind), "%s", mnl_attr_get_str(a));
		else if (mnl_attr_get_type(a) == TCA_OPTIONS)
			opt = a;
	}
	if (t->tcm_parent == TC_H_ROOT) {
		if (!t->tcm_handle)
			return 0; /* the device's default (noqueue, pfifo_fast...) */
		snprintf(now->root_kind, sizeof(now->root_kind), "%s", kind);
		now->root_handle = t->tcm_handle;
		if (opt && !strcmp(kind, "tbf"))
			parse_tbf(opt, &now->shape);
		else if (opt && !strcmp(kind, "netem"))
			parse_netem(opt, &now->shape);
	} else if (!strcmp(kind, "tbf") && TC_H_MIN(t->tcm_parent) == 1 && now->root_handle &&
		   TC_H_MAJ(t->tcm_parent) == TC_H_MAJ(now->root_handle)) {
		now->child_handle = t->tcm_handle;
		if (opt)
			parse_tbf(opt, &now->shape);
	}
	return 0;
}

static int qdisc_cb(const struct nlmsghdr *nlh, void *data)
{
	struct vl_tc_now *now = data;
	return vl_tc_parse_qdisc(nlh, now->ifindex, now);
}

int vl_tc_read(struct vl_nl *nl, int ifindex, struct vl_tc_now *now)
{
	memset(now, 0, sizeof(*now));
	now->ifindex = ifindex;
	/* twice: the child (tbf under netem) may be dumped before its root */
	for (int pass = 0; pass < 2; pass++) {
		char buf[256] = {0};
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = RTM_GETQDISC;
		nlh->nlmsg_flags = NLM_F_REQUEST;
		struct tcmsg *t = mnl_nlmsg_put_extra_header(nlh, sizeof(*t));
		t->tcm_family = AF_UNSPEC;
		t->tcm_ifindex = ifindex;
		int r = vl_nl_dump(nl, nlh, qdisc_cb, now);
		if (r < 0)
			return r;
		if (!now->root_handle || strcmp(now->root_kind, "netem") || now->child_handle)
			break;
	}
	return 0;
}

enum { TREE_NONE, TREE_TBF, TREE_NETEM, TREE_NETEM_TBF, TREE_OTHER };

static int tree_of(const struct vl_shape *s)
{
	bool n = has_netem(s), t = s->rate_bps > 0;
	return n ? (t ? TREE_NETEM_TBF : TREE_NETEM) : t ? TREE_TBF : TREE_NONE;
}

static int tree_now(const struct vl_tc_now *now)
{
	if (!now->root_handle)
		return TREE_NONE;
	if (!strcmp(now->root_kind, "tbf"))
		return TREE_TBF;
	if (!strcmp(now->root_kind, "netem"))
		return now->child_handle ? TREE_NETEM_TBF : TREE_NETEM;
	return TREE_OTHER;
}

static int send_qdisc(struct vl_nl *nl, struct nlmsghdr *nlh, uint16_t flags, uint32_t handle)
{
	struct tcmsg *t = mnl_nlmsg_get_payload(nlh);
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	t->tcm_handle = handle;
	return vl_nl_talk(nl, nlh);
}

/* Same tree as now: change each qdisc in place (RTM_NEWQDISC on its own
 * handle, no CREATE: the kernel's qdisc_change keeps the queue). Another
 * tree: a new root under another handle grafted over the old one with
 * NLM_F_REPLACE (the old tree goes in the same step), then its child.
 * Nothing is removed before the new root exists, so a kernel without
 * netem refuses the request and the device keeps what it had. */
int vl_tc_replace(struct vl_nl *nl, int ifindex, int mtu, const struct vl_tc_now *now,
		  const struct vl_shape *want)
{
	char buf[VL_TC_MSG_MAX];
	int tw = tree_of(want), tn = tree_now(now);
	if (tw == TREE_NONE) {
		if (tn == TREE_NONE)
			return 0;
		memset(buf, 0, sizeof(buf));
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = RTM_DELQDISC;
		nlh->nlmsg_flags = NLM_F_REQUEST;
		struct tcmsg *t = mnl_nlmsg_put_extra_header(nlh, sizeof(*t));
		t->tcm_family = AF_UNSPEC;
		t->tcm_ifindex = ifindex;
		t->tcm_parent = TC_H_ROOT;
		return vl_nl_talk(nl, nlh);
	}
	if (tw == tn) {
		int r;
		if (tw == TREE_TBF)
			return send_qdisc(nl, vl_tc_tbf_msg(buf, ifindex, TC_H_ROOT, 0, mtu, want),
					  NLM_F_REPLACE, now->root_handle);
		r = send_qdisc(nl, vl_tc_netem_msg(buf, ifindex, want), NLM_F_REPLACE, now->root_handle);
		if (r < 0 || tw == TREE_NETEM)
			return r;
		uint32_t parent = TC_H_MAJ(now->root_handle) | 1;
		return send_qdisc(nl, vl_tc_tbf_msg(buf, ifindex, parent, 0, mtu, want),
				  NLM_F_REPLACE, now->child_handle);
	}
	uint32_t root = now->root_handle == TC_HANDLE(1, 0) ? TC_HANDLE(2, 0) : TC_HANDLE(1, 0);
	struct nlmsghdr *nlh = tw == TREE_TBF ?
		vl_tc_tbf_msg(buf, ifindex, TC_H_ROOT, 0, mtu, want) :
		vl_tc_netem_msg(buf, ifindex, want);
	int r = send_qdisc(nl, nlh, NLM_F_CREATE | NLM_F_REPLACE, root);
	if (r < 0 || tw != TREE_NETEM_TBF)
		return r;
	/* rate limiting under the impairments, as vl_tc_shape does */
	uint32_t child = TC_HANDLE(TC_H_MAJ(root) >> 16 == 1 ? 11 : 12, 0);
	return send_qdisc(nl, vl_tc_tbf_msg(buf, ifindex, TC_H_MAJ(root) | 1, 0, mtu, want),
			  NLM_F_CREATE | NLM_F_EXCL, child);
}
