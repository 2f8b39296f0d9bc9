/* Netlink requests `apply` and `migrate` need beyond those of `up`:
 * reading a running namespace's devices, deleting what a plan created, and
 * changing a qdisc in place. Built with libmnl, like nl_mnl.c. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include "vlab/exec.h"

struct dump_ctx {
	int (*cb)(int ifindex, const char *name, const char *alias, void *arg);
	void *arg;
};

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *c = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const char *name = NULL, *alias = "";
	struct nlattr *a;
	mnl_attr_for_each(a, nlh, sizeof(*ifi)) {
		if (mnl_attr_get_type(a) == IFLA_IFNAME)
			name = mnl_attr_get_str(a);
		else if (mnl_attr_get_type(a) == IFLA_IFALIAS)
			alias = mnl_attr_get_str(a);
	}
	return name ? c->cb(ifi->ifi_index, name, alias, c->arg) : 0;
}

int vl_link_dump(struct vl_nl *nl, int (*cb)(int ifindex, const char *name, const char *alias,
					     void *arg), void *arg)
{
	struct dump_ctx c = {cb, arg};
	return vl_nl_dump_all(nl, RTM_GETLINK, sizeof(struct ifinfomsg), link_cb, &c);
}

int vl_link_del(struct vl_nl *nl, int ifindex)
{
	char buf[256] = {0};
	return vl_nl_talk(nl, vl_link_msg(buf, RTM_DELLINK, AF_UNSPEC, ifindex));
}

int vl_addr_del(struct vl_nl *nl, int ifindex, const struct vl_prefix *p)
{
	char buf[256] = {0};
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_DELADDR;
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (unsigned char)p->family;
	ifa->ifa_prefixlen = (unsigned char)p->len;
	ifa->ifa_index = (unsigned)ifindex;
	int alen = p->family == AF_INET ? 4 : 16;
	mnl_attr_put(nlh, IFA_LOCAL, alen, p->addr);
	if (p->family == AF_INET)
		mnl_attr_put(nlh, IFA_ADDRESS, alen, p->addr);
	return vl_nl_talk(nl, nlh);
}

int vl_route_del(struct vl_nl *nl, const struct vl_prefix *dst, int family)
{
	char buf[256] = {0};
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_DELROUTE;
	struct rtmsg *rt = mnl_nlmsg_put_extra_header(nlh, sizeof(*rt));
	rt->rtm_family = (unsigned char)family;
	rt->rtm_dst_len = (unsigned char)(dst->family ? dst->len : 0);
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_scope = RT_SCOPE_NOWHERE;
	if (dst->family && dst->len)
		mnl_attr_put(nlh, RTA_DST, family == AF_INET ? 4 : 16, dst->addr);
	return vl_nl_talk(nl, nlh);
}

int vl_qdisc_del(struct vl_nl *nl, int ifindex, bool clsact)
{
	char buf[256] = {0};
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_DELQDISC;
	struct tcmsg *t = mnl_nlmsg_put_extra_header(nlh, sizeof(*t));
	t->tcm_family = AF_UNSPEC;
	t->tcm_ifindex = ifindex;
	t->tcm_parent = clsact ? TC_H_CLSACT : TC_H_ROOT;
	if (clsact)
		t->tcm_handle = TC_H_MAKE(TC_H_CLSACT, 0);
	return vl_nl_talk(nl, nlh);
}

static bool gone(int r)
{
	return r == -ENOENT || r == -EINVAL;
}

/* A rate-only shaping is one root tbf: replaced in place (NLM_F_REPLACE),
 * so the device is never without its limit. With netem the root is netem
 * (and tbf its child): it is deleted and added again. Nothing set: the
 * root qdisc is deleted. */
int vl_tc_reshape(struct vl_nl *nl, int ifindex, int mtu, const struct vl_shape *s)
{
	bool netem = s->delay_us || s->jitter_us || s->loss_pct > 0 || s->duplicate_pct > 0 ||
		     s->corrupt_pct > 0 || s->reorder_pct > 0 || s->netem_limit;
	if (!netem && s->rate_bps) {
		char buf[VL_TC_MSG_MAX];
		struct nlmsghdr *nlh = vl_tc_tbf_msg(buf, ifindex, TC_H_ROOT, TC_H_MAKE(1u << 16, 0),
						     mtu, s);
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE;
		return vl_nl_talk(nl, nlh);
	}
	int r = vl_qdisc_del(nl, ifindex, false);
	if (r < 0 && !gone(r))
		return r;
	return netem ? vl_tc_shape(nl, ifindex, mtu, s) : 0;
}
