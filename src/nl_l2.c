/* Layer-2 requests for switches and uplinks, built with libmnl (libnl 3.7
 * has no setter for them): a bridge's spanning tree (IFLA_BR_STP_STATE,
 * timers and priority) and a bond device (IFLA_INFO_KIND "bond",
 * IFLA_BOND_MODE, IFLA_BOND_MIIMON), created with its master. */
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "vlab/exec.h"

/* Timers first: the kernel refuses a forward delay under 2 s once STP is
 * on, and processes the attributes in its own order (delay before state). */
int vl_link_bridge_stp(struct vl_nl *nl, int ifindex, int forward_delay_cs,
		       int hello_time_cs, int priority)
{
	char buf[512] = {0};
	struct nlmsghdr *nlh = vl_link_msg(buf, RTM_NEWLINK, AF_UNSPEC, ifindex);
	struct nlattr *li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	if (forward_delay_cs > 0)
		mnl_attr_put_u32(nlh, IFLA_BR_FORWARD_DELAY, (uint32_t)forward_delay_cs);
	if (hello_time_cs > 0)
		mnl_attr_put_u32(nlh, IFLA_BR_HELLO_TIME, (uint32_t)hello_time_cs);
	if (priority >= 0)
		mnl_attr_put_u16(nlh, IFLA_BR_PRIORITY, (uint16_t)priority);
	mnl_attr_put_u32(nlh, IFLA_BR_STP_STATE, 1);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, li);
	return vl_nl_talk(nl, nlh);
}

int vl_link_bond(struct vl_nl *nl, const struct vl_devspec *s, int mode, int miimon_ms)
{
	char buf[512] = {0};
	struct nlmsghdr *nlh = vl_link_msg(buf, RTM_NEWLINK, AF_UNSPEC, s->ifindex);
	nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, s->name);
	if (s->d && s->d->mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, (uint32_t)s->d->mtu);
	if (s->master_ifindex)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)s->master_ifindex);
	struct nlattr *li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bond");
	struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u8(nlh, IFLA_BOND_MODE, (uint8_t)mode);
	if (miimon_ms > 0)
		mnl_attr_put_u32(nlh, IFLA_BOND_MIIMON, (uint32_t)miimon_ms);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, li);
	if (s->d && s->d->up) {
		struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
		ifi->ifi_flags = ifi->ifi_change = IFF_UP;
	}
	return vl_nl_talk(nl, nlh);
}
