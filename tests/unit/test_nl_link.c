/* The device requests that replace /proc/sys writes (src/nl_link.c), as
 * the kernel receives them: built without a socket and parsed back with
 * libmnl. IPv6 off is addr_gen_mode none in IFLA_AF_SPEC/AF_INET6; a
 * switch device's IPv4 settings are IFLA_AF_SPEC/AF_INET/IFLA_INET_CONF,
 * whose attribute types are IPV4_DEVCONF_* (1-based, as the kernel's
 * inet_set_link_af reads them). */
#include "unit.h"

#include <net/if.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "vlab/exec.h"

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

/* Header checks; the top-level attributes in *top. */
static const struct ifinfomsg *link_req(const struct nlmsghdr *nlh, int ifindex, struct attrs *top)
{
	assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
	assert_false(nlh->nlmsg_flags & NLM_F_CREATE); /* a change, never a creation */
	assert_true(nlh->nlmsg_len <= VL_LINK_MSG_MAX);
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifi->ifi_family, AF_UNSPEC);
	assert_int_equal(ifi->ifi_index, ifindex);
	memset(top, 0, sizeof(*top));
	assert_int_equal(mnl_attr_parse(nlh, sizeof(*ifi), collect, top), MNL_CB_OK);
	return ifi;
}

/* The AF_INET6 and AF_INET nests inside IFLA_AF_SPEC (NULL when absent). */
static void af_spec(const struct attrs *top, const struct nlattr **in6, const struct nlattr **in4)
{
	struct attrs spec = {0};
	assert_non_null(top->tb[IFLA_AF_SPEC]);
	assert_int_equal(mnl_attr_parse_nested(top->tb[IFLA_AF_SPEC], collect, &spec), MNL_CB_OK);
	*in6 = spec.tb[AF_INET6];
	*in4 = spec.tb[AF_INET];
}

static int gen_mode(const struct nlattr *in6)
{
	struct attrs x = {0};
	assert_int_equal(mnl_attr_parse_nested(in6, collect, &x), MNL_CB_OK);
	assert_non_null(x.tb[IFLA_INET6_ADDR_GEN_MODE]);
	return mnl_attr_get_u8(x.tb[IFLA_INET6_ADDR_GEN_MODE]);
}

static void test_noaddr_ipv6_only(void **state)
{
	(void)state;
	char buf[VL_LINK_MSG_MAX] = {0};
	struct attrs top;
	const struct ifinfomsg *ifi = link_req(vl_link_noaddr_msg(buf, 33, false, true), 33, &top);
	assert_int_equal(ifi->ifi_change, 0); /* flags untouched: the device stays down */
	const struct nlattr *in6, *in4;
	af_spec(&top, &in6, &in4);
	assert_null(in4);
	assert_non_null(in6);
	assert_int_equal(gen_mode(in6), IN6_ADDR_GEN_MODE_NONE);
	assert_null(top.tb[IFLA_IFALIAS]);
}

static void test_noaddr_bridge(void **state)
{
	(void)state;
	char buf[VL_LINK_MSG_MAX] = {0};
	struct attrs top;
	link_req(vl_link_noaddr_msg(buf, 32, true, true), 32, &top);
	const struct nlattr *in6, *in4;
	af_spec(&top, &in6, &in4);
	assert_non_null(in6);
	assert_int_equal(gen_mode(in6), IN6_ADDR_GEN_MODE_NONE);
	assert_non_null(in4);
	struct attrs inet = {0}, conf = {0};
	assert_int_equal(mnl_attr_parse_nested(in4, collect, &inet), MNL_CB_OK);
	assert_non_null(inet.tb[IFLA_INET_CONF]);
	assert_int_equal(mnl_attr_parse_nested(inet.tb[IFLA_INET_CONF], collect, &conf), MNL_CB_OK);
	assert_non_null(conf.tb[IPV4_DEVCONF_RP_FILTER]);
	assert_int_equal(mnl_attr_get_u32(conf.tb[IPV4_DEVCONF_RP_FILTER]), 1);
	assert_non_null(conf.tb[IPV4_DEVCONF_ARP_IGNORE]);
	assert_int_equal(mnl_attr_get_u32(conf.tb[IPV4_DEVCONF_ARP_IGNORE]), 1);
	assert_null(conf.tb[IPV4_DEVCONF_FORWARDING]);
	/* IPv4 only (a kernel without IPv6 refuses the AF_INET6 nest) */
	memset(buf, 0, sizeof(buf));
	link_req(vl_link_noaddr_msg(buf, 32, true, false), 32, &top);
	af_spec(&top, &in6, &in4);
	assert_null(in6);
	assert_non_null(in4);
}

static void test_lo_mark(void **state)
{
	(void)state;
	char buf[VL_LINK_MSG_MAX] = {0};
	struct attrs top;
	const char *mark = "vlab:dc:web1";
	const struct ifinfomsg *ifi = link_req(vl_link_lo_mark_msg(buf, mark, false), 1, &top);
	assert_int_equal(ifi->ifi_flags & IFF_UP, IFF_UP);
	assert_int_equal(ifi->ifi_change & IFF_UP, IFF_UP);
	assert_non_null(top.tb[IFLA_IFALIAS]);
	assert_string_equal(mnl_attr_get_str(top.tb[IFLA_IFALIAS]), mark);
	assert_null(top.tb[IFLA_AF_SPEC]); /* IPv6 on: lo as the kernel makes it */

	/* the longest mark still fits, with the IPv6-off nest */
	char longmark[VL_ALTNAME_MAX];
	memset(longmark, 'x', sizeof(longmark) - 1);
	longmark[sizeof(longmark) - 1] = 0;
	memset(buf, 0, sizeof(buf));
	link_req(vl_link_lo_mark_msg(buf, longmark, true), 1, &top);
	assert_string_equal(mnl_attr_get_str(top.tb[IFLA_IFALIAS]), longmark);
	const struct nlattr *in6, *in4;
	af_spec(&top, &in6, &in4);
	assert_null(in4);
	assert_non_null(in6);
	assert_int_equal(gen_mode(in6), IN6_ADDR_GEN_MODE_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_noaddr_ipv6_only),
		cmocka_unit_test(test_noaddr_bridge),
		cmocka_unit_test(test_lo_mark),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
