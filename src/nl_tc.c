/* Traffic control: shaping (tbf, netem, netem with a tbf child) with
 * libnl-route, and port mirroring: a clsact qdisc (plain ingress when the
 * kernel has no clsact) plus a match-all u32 filter whose mirred action
 * copies every packet to the monitor port. */
#include <errno.h>
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
#include <netlink/route/qdisc/netem.h>
#include <netlink/route/qdisc/tbf.h>
#include <netlink/route/tc.h>

#include "vlab/exec.h"

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

static int add_qdisc(struct vl_nl *nl, struct rtnl_qdisc *q)
{
	struct nl_msg *m;
	if (rtnl_qdisc_build_add_request(q, NLM_F_CREATE | NLM_F_EXCL, &m) < 0)
		return -ENOMEM;
	return talk_msg(nl, m);
}

/* Percent (0..100) as netem's 32-bit probability. */
static int netem_prob(double pct)
{
	if (pct <= 0)
		return 0;
	if (pct >= 100)
		return (int)UINT32_MAX;
	return (int)(uint32_t)(pct / 100.0 * (double)UINT32_MAX);
}

static bool has_netem(const struct vl_shape *s)
{
	return s->delay_us || s->jitter_us || s->loss_pct > 0 || s->duplicate_pct > 0 ||
	       s->corrupt_pct > 0 || s->reorder_pct > 0 || s->netem_limit;
}

static int add_tbf(struct vl_nl *nl, int ifindex, uint32_t parent, uint32_t handle,
		   int mtu, const struct vl_shape *s)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	if (!q)
		return -ENOMEM;
	uint64_t rate = s->rate_bps / 8;
	if (rate > INT32_MAX)
		rate = INT32_MAX; /* libnl 3.7 takes an int: ~17 Gbit/s is plenty here */
	uint32_t burst = vl_tbf_burst(s->rate_bps, mtu, s->burst_bytes);
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), parent);
	rtnl_tc_set_handle(TC_CAST(q), handle);
	int r = rtnl_tc_set_kind(TC_CAST(q), "tbf");
	if (r >= 0) {
		rtnl_qdisc_tbf_set_limit(q, (int)vl_tbf_limit(s->rate_bps, burst, s->limit_bytes));
		rtnl_qdisc_tbf_set_rate(q, (int)rate, (int)burst, 0);
		r = add_qdisc(nl, q);
	} else {
		r = -EINVAL;
	}
	rtnl_qdisc_put(q);
	return r;
}

static int add_netem(struct vl_nl *nl, int ifindex, const struct vl_shape *s)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	if (!q)
		return -ENOMEM;
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
	rtnl_tc_set_handle(TC_CAST(q), TC_HANDLE(1, 0));
	int r = rtnl_tc_set_kind(TC_CAST(q), "netem");
	if (r >= 0) {
		/* netem drops everything with limit 0: keep the kernel's 1000 */
		rtnl_netem_set_limit(q, s->netem_limit ? (int)s->netem_limit : 1000);
		if (s->delay_us)
			rtnl_netem_set_delay(q, (int)s->delay_us);
		if (s->jitter_us)
			rtnl_netem_set_jitter(q, (int)s->jitter_us);
		if (s->loss_pct > 0)
			rtnl_netem_set_loss(q, netem_prob(s->loss_pct));
		if (s->duplicate_pct > 0)
			rtnl_netem_set_duplicate(q, netem_prob(s->duplicate_pct));
		if (s->corrupt_pct > 0)
			rtnl_netem_set_corruption_probability(q, netem_prob(s->corrupt_pct));
		if (s->reorder_pct > 0)
			rtnl_netem_set_reorder_probability(q, netem_prob(s->reorder_pct));
		r = add_qdisc(nl, q);
	} else {
		r = -EINVAL;
	}
	rtnl_qdisc_put(q);
	return r;
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
