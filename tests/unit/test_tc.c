/* The shaping requests as the kernel receives them: built by the pure
 * builders of src/nl_tc.c and parsed back with libmnl, attribute by
 * attribute, for the values the 32-bit fields cannot hold (100gbit, a
 * 3 GiB bucket, 300 s of delay) and the smallest rate. */
#include "unit.h"

#include <libmnl/libmnl.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#include <netlink/msg.h>

#include "vlab/exec.h"

#ifndef TC_HANDLE
#define TC_HANDLE(maj, min) (((maj) << 16) | (min)) /* as libnl writes it */
#endif

struct attrs {
	const struct nlattr *tb[64];
};

static int collect(const struct nlattr *a, void *data)
{
	struct attrs *x = data;
	uint16_t type = mnl_attr_get_type(a);
	if (type < 64)
		x->tb[type] = a;
	return MNL_CB_OK;
}

/* Check the header and return TCA_OPTIONS (and the kind in *kind). */
static const struct nlattr *options(const struct nlmsghdr *nlh, const char *kind,
				    int ifindex, uint32_t parent, uint32_t handle)
{
	struct attrs top = {0};
	assert_int_equal(nlh->nlmsg_type, RTM_NEWQDISC);
	assert_true(nlh->nlmsg_flags & NLM_F_CREATE);
	assert_true(nlh->nlmsg_flags & NLM_F_EXCL);
	assert_true(nlh->nlmsg_len <= VL_TC_MSG_MAX);
	const struct tcmsg *t = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(t->tcm_ifindex, ifindex);
	assert_int_equal(t->tcm_parent, parent);
	assert_int_equal(t->tcm_handle, handle);
	assert_int_equal(mnl_attr_parse(nlh, sizeof(*t), collect, &top), MNL_CB_OK);
	assert_non_null(top.tb[TCA_KIND]);
	assert_string_equal(mnl_attr_get_str(top.tb[TCA_KIND]), kind);
	assert_non_null(top.tb[TCA_OPTIONS]);
	return top.tb[TCA_OPTIONS];
}

static void tbf(const struct vl_shape *s, int mtu, struct tc_tbf_qopt *q, struct attrs *x)
{
	static char buf[VL_TC_MSG_MAX]; /* x points into it after we return */
	struct nlmsghdr *nlh = vl_tc_tbf_msg(buf, 7, TC_H_ROOT, TC_HANDLE(1, 0), mtu, s);
	const struct nlattr *opt = options(nlh, "tbf", 7, TC_H_ROOT, TC_HANDLE(1, 0));
	memset(x, 0, sizeof(*x));
	assert_int_equal(mnl_attr_parse_nested(opt, collect, x), MNL_CB_OK);
	assert_non_null(x->tb[TCA_TBF_PARMS]);
	assert_int_equal(mnl_attr_get_payload_len(x->tb[TCA_TBF_PARMS]), sizeof(*q));
	memcpy(q, mnl_attr_get_payload(x->tb[TCA_TBF_PARMS]), sizeof(*q));
	assert_non_null(x->tb[TCA_TBF_BURST]);
}

static void test_tbf_100gbit(void **state)
{
	(void)state;
	struct vl_shape s = {.set = true, .rate_bps = 100000000000ull};
	struct tc_tbf_qopt q;
	struct attrs x;
	tbf(&s, 1500, &q, &x);
	/* 12.5 GB/s does not fit 32 bits: the 64-bit attribute carries it */
	assert_non_null(x.tb[TCA_TBF_RATE64]);
	assert_true(mnl_attr_get_u64(x.tb[TCA_TBF_RATE64]) == 12500000000ull);
	assert_int_equal(q.rate.rate, UINT32_MAX);
	assert_int_equal(q.rate.linklayer, TC_LINKLAYER_ETHERNET);
	/* derived bucket: 10 ms worth of rate */
	assert_int_equal(mnl_attr_get_u32(x.tb[TCA_TBF_BURST]), 125000000);
	assert_true(q.limit >= 125000000);

	/* below 2^32 B/s: no 64-bit attribute, the exact rate in the struct */
	s.rate_bps = 100000000;
	tbf(&s, 1500, &q, &x);
	assert_null(x.tb[TCA_TBF_RATE64]);
	assert_int_equal(q.rate.rate, 12500000);
	/* the largest rate the language accepts (1e15 bit/s) */
	s.rate_bps = 1000000000000000ull;
	tbf(&s, 1500, &q, &x);
	assert_true(mnl_attr_get_u64(x.tb[TCA_TBF_RATE64]) == 125000000000000ull);
}

static void test_tbf_big_burst(void **state)
{
	(void)state;
	struct vl_shape s = {.set = true, .rate_bps = 1000000000, .burst_bytes = 3u << 30};
	struct tc_tbf_qopt q;
	struct attrs x;
	tbf(&s, 1500, &q, &x);
	/* the bucket in bytes, unsigned: 3 GiB, not a negative number */
	assert_true(mnl_attr_get_u32(x.tb[TCA_TBF_BURST]) == 3221225472u);
	/* its time at 125 MB/s (25.8 s) in 64 ns ticks, below the clamp */
	uint64_t ticks = (uint64_t)(3221225472.0 / 125000000.0 * 1e9) >> 6;
	assert_true(q.buffer >= ticks - 1 && q.buffer <= ticks + 1);
	/* a bucket whose time does not fit 32-bit ticks is clamped, not wrapped */
	s.rate_bps = 8;
	tbf(&s, 1500, &q, &x);
	assert_int_equal(q.buffer, UINT32_MAX);
	assert_true(mnl_attr_get_u32(x.tb[TCA_TBF_BURST]) == 3221225472u);
}

static void test_tbf_tiny_rate(void **state)
{
	(void)state;
	/* 8 bit/s, the smallest rate validation lets through: 1 byte/s */
	struct vl_shape s = {.set = true, .rate_bps = 8};
	struct tc_tbf_qopt q;
	struct attrs x;
	tbf(&s, 1500, &q, &x);
	assert_int_equal(q.rate.rate, 1);
	assert_null(x.tb[TCA_TBF_RATE64]);
	/* the derived bucket still holds two full frames */
	assert_true(mnl_attr_get_u32(x.tb[TCA_TBF_BURST]) >= 2 * 1514);
	assert_int_equal(q.buffer, UINT32_MAX); /* 5000 s of bucket: clamped */
}

static void netem(const struct vl_shape *s, struct tc_netem_qopt *q, struct attrs *x)
{
	static char buf[VL_TC_MSG_MAX]; /* x points into it after we return */
	struct nlmsghdr *nlh = vl_tc_netem_msg(buf, 9, s);
	const struct nlattr *opt = options(nlh, "netem", 9, TC_H_ROOT, TC_HANDLE(1, 0));
	/* netem's options: the struct, then attributes (what the kernel's
	 * nla_parse_nested_compat expects) */
	size_t len = mnl_attr_get_payload_len(opt);
	assert_true(len >= MNL_ALIGN(sizeof(*q)));
	memcpy(q, mnl_attr_get_payload(opt), sizeof(*q));
	memset(x, 0, sizeof(*x));
	const char *rest = (const char *)mnl_attr_get_payload(opt) + MNL_ALIGN(sizeof(*q));
	assert_int_equal(mnl_attr_parse_payload(rest, len - MNL_ALIGN(sizeof(*q)), collect, x),
			 MNL_CB_OK);
}

static int64_t s64(const struct nlattr *a)
{
	int64_t v;
	assert_int_equal(mnl_attr_get_payload_len(a), sizeof(v));
	memcpy(&v, mnl_attr_get_payload(a), sizeof(v));
	return v;
}

static void test_netem_long_delay(void **state)
{
	(void)state;
	struct vl_shape s = {.set = true, .delay_us = 300000000, .jitter_us = 280000000};
	struct tc_netem_qopt q;
	struct attrs x;
	netem(&s, &q, &x);
	assert_non_null(x.tb[TCA_NETEM_LATENCY64]);
	assert_true(s64(x.tb[TCA_NETEM_LATENCY64]) == 300000000000ll);
	assert_non_null(x.tb[TCA_NETEM_JITTER64]);
	assert_true(s64(x.tb[TCA_NETEM_JITTER64]) == 280000000000ll);
	/* the 32-bit tick fields end at ~275 s: clamped, never wrapped */
	assert_int_equal(q.latency, UINT32_MAX);
	assert_int_equal(q.jitter, UINT32_MAX);
	assert_int_equal(q.limit, 1000);

	/* the largest delay the language accepts (2^32-1 us, ~71 min) */
	s.delay_us = UINT32_MAX;
	s.jitter_us = 0;
	netem(&s, &q, &x);
	assert_true(s64(x.tb[TCA_NETEM_LATENCY64]) == (int64_t)UINT32_MAX * 1000);
	assert_null(x.tb[TCA_NETEM_JITTER64]);

	/* 5 ms: both forms agree (78125 ticks of 64 ns) */
	s.delay_us = 5000;
	netem(&s, &q, &x);
	assert_int_equal(q.latency, 78125);
	assert_true(s64(x.tb[TCA_NETEM_LATENCY64]) == 5000000);
}

static void test_netem_probabilities(void **state)
{
	(void)state;
	struct vl_shape s = {.set = true, .delay_us = 1000, .loss_pct = 100, .duplicate_pct = 50,
			     .corrupt_pct = 1, .reorder_pct = 25, .netem_limit = 77};
	struct tc_netem_qopt q;
	struct attrs x;
	netem(&s, &q, &x);
	assert_int_equal(q.loss, UINT32_MAX);
	assert_true(q.duplicate > UINT32_MAX / 2 - 2 && q.duplicate < UINT32_MAX / 2 + 2);
	assert_int_equal(q.limit, 77);
	assert_int_equal(q.gap, 1); /* with gap 0 netem would never reorder */
	assert_non_null(x.tb[TCA_NETEM_REORDER]);
	const struct tc_netem_reorder *r = mnl_attr_get_payload(x.tb[TCA_NETEM_REORDER]);
	assert_true(r->probability > UINT32_MAX / 4 - 2 && r->probability < UINT32_MAX / 4 + 2);
	assert_non_null(x.tb[TCA_NETEM_CORRUPT]);
	/* nothing asked, nothing sent */
	struct vl_shape none = {.set = true, .loss_pct = 1};
	netem(&none, &q, &x);
	assert_null(x.tb[TCA_NETEM_LATENCY64]);
	assert_null(x.tb[TCA_NETEM_REORDER]);
	assert_null(x.tb[TCA_NETEM_CORRUPT]);
	assert_int_equal(q.gap, 0);
}

/* The VXLAN request carries IFLA_VXLAN_PORT as the kernel's be16 (libnl
 * 3.7 writes a u32, which the kernel warns about), the VNI and the TTL. */
static void test_vxlan_port_be16(void **state)
{
	(void)state;
	struct vl_op op = {0};
	struct vl_devspec s = {"vx100", 0, NULL, 0, NULL};
	struct nl_msg *m = NULL;
	op.u.tunnel.vni = 100;
	op.u.tunnel.port = 4790;
	op.u.tunnel.ttl = 9;
	assert_int_equal(vl_link_vxlan_msg(&s, &op, 3, &m), 0);
	const struct nlmsghdr *nlh = nlmsg_hdr(m);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
	struct attrs top = {0}, info = {0}, data = {0};
	assert_int_equal(mnl_attr_parse(nlh, sizeof(struct ifinfomsg), collect, &top), MNL_CB_OK);
	assert_non_null(top.tb[IFLA_LINKINFO]);
	assert_int_equal(mnl_attr_parse_nested(top.tb[IFLA_LINKINFO], collect, &info), MNL_CB_OK);
	assert_string_equal(mnl_attr_get_str(info.tb[IFLA_INFO_KIND]), "vxlan");
	assert_int_equal(mnl_attr_parse_nested(info.tb[IFLA_INFO_DATA], collect, &data), MNL_CB_OK);
	assert_non_null(data.tb[IFLA_VXLAN_PORT]);
	assert_int_equal(mnl_attr_get_payload_len(data.tb[IFLA_VXLAN_PORT]), 2);
	assert_int_equal(ntohs(mnl_attr_get_u16(data.tb[IFLA_VXLAN_PORT])), 4790);
	assert_int_equal(mnl_attr_get_payload_len(data.tb[IFLA_VXLAN_ID]), 4);
	assert_int_equal(mnl_attr_get_u32(data.tb[IFLA_VXLAN_ID]), 100);
	assert_int_equal(mnl_attr_get_payload_len(data.tb[IFLA_VXLAN_TTL]), 1);
	assert_int_equal(mnl_attr_get_u8(data.tb[IFLA_VXLAN_TTL]), 9);
	assert_int_equal(mnl_attr_get_u32(data.tb[IFLA_VXLAN_LINK]), 3);
	nlmsg_free(m);
}

static void test_geneve_port_be16(void **state)
{
	(void)state;
	struct vl_op op = {0};
	struct vl_devspec s = {"gn100", 0, NULL, 0, NULL};
	struct nl_msg *m = NULL;
	op.u.tunnel.vni = 100;
	assert_int_equal(vl_link_geneve_msg(&s, &op, &m), 0);
	struct attrs top = {0}, info = {0}, data = {0};
	assert_int_equal(mnl_attr_parse(nlmsg_hdr(m), sizeof(struct ifinfomsg), collect, &top), MNL_CB_OK);
	assert_int_equal(mnl_attr_parse_nested(top.tb[IFLA_LINKINFO], collect, &info), MNL_CB_OK);
	assert_string_equal(mnl_attr_get_str(info.tb[IFLA_INFO_KIND]), "geneve");
	assert_int_equal(mnl_attr_parse_nested(info.tb[IFLA_INFO_DATA], collect, &data), MNL_CB_OK);
	assert_non_null(data.tb[IFLA_GENEVE_PORT]);
	assert_int_equal(mnl_attr_get_payload_len(data.tb[IFLA_GENEVE_PORT]), 2);
	assert_int_equal(ntohs(mnl_attr_get_u16(data.tb[IFLA_GENEVE_PORT])), 6081);
	assert_int_equal(mnl_attr_get_u32(data.tb[IFLA_GENEVE_ID]), 100);
	nlmsg_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tbf_100gbit),
		cmocka_unit_test(test_tbf_big_burst),
		cmocka_unit_test(test_tbf_tiny_rate),
		cmocka_unit_test(test_netem_long_delay),
		cmocka_unit_test(test_netem_probabilities),
		cmocka_unit_test(test_vxlan_port_be16),
		cmocka_unit_test(test_geneve_port_be16),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
