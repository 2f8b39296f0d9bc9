/* Links, addresses, routes and FDB entries, built with libnl-route and sent
 * through the executor's own socket (src/nl_mnl.c) so each request gets its
 * errno back. Devices are created with their final ifindex, name, MTU, MAC,
 * master and IFF_UP in one RTM_NEWLINK; the peer of a veth is created
 * directly in its namespace (IFLA_NET_NS_FD). FDB entries are in nl_mnl.c:
 * libnl refuses an IPv4 destination on an AF_BRIDGE neighbour. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/geneve.h>
#include <netlink/route/link/ipgre.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/link/vlan.h>
#include <netlink/route/link/vxlan.h>
#include <netlink/route/route.h>

#include "vlab/exec.h"
#include "vlab/runtime.h"

/* Send a libnl-built message and free it. */
static int talk_msg(struct vl_nl *nl, struct nl_msg *m)
{
	int r = vl_nl_talk(nl, nlmsg_hdr(m));
	nlmsg_free(m);
	return r;
}

static struct nl_addr *prefix_addr(const struct vl_prefix *p)
{
	struct nl_addr *a = nl_addr_build(p->family, p->addr, p->family == AF_INET ? 4 : 16);
	if (a)
		nl_addr_set_prefixlen(a, p->len);
	return a;
}

/* Name, index, MTU, MAC, master, up: what every created device carries. */
static int fill_common(struct rtnl_link *l, const struct vl_devspec *s)
{
	rtnl_link_set_name(l, s->name);
	if (s->ifindex)
		rtnl_link_set_ifindex(l, s->ifindex);
	if (!s->d)
		return 0;
	if (s->d->mtu)
		rtnl_link_set_mtu(l, s->d->mtu);
	if (s->d->has_mac) {
		struct nl_addr *mac = nl_addr_build(AF_LLC, s->d->mac, 6);
		if (!mac)
			return -ENOMEM;
		rtnl_link_set_addr(l, mac);
		nl_addr_put(mac);
	}
	if (s->master_ifindex)
		rtnl_link_set_master(l, s->master_ifindex);
	if (s->d->up)
		rtnl_link_set_flags(l, IFF_UP);
	return 0;
}

static int create_link(struct vl_nl *nl, struct rtnl_link *l)
{
	struct nl_msg *m;
	if (rtnl_link_build_add_request(l, NLM_F_CREATE | NLM_F_EXCL, &m) < 0)
		return -ENOMEM;
	return talk_msg(nl, m);
}

/* Change attributes of an existing link (RTM_NEWLINK without CREATE). */
static int change_link(struct vl_nl *nl, struct rtnl_link *l)
{
	struct nl_msg *m;
	if (rtnl_link_build_add_request(l, 0, &m) < 0)
		return -ENOMEM;
	return talk_msg(nl, m);
}

/* lo of a fresh namespace: up, carrying the node's mark. In a namespace
 * without IPv6 (lab ipv6 = off) it also says so: addr_gen_mode none on lo
 * is the mark `apply` reads back (vl_link_addr_gen_mode) to give devices
 * it adds later the same treatment. (lo gets ::1 whatever its mode; the
 * caller removes it.) */
struct nlmsghdr *vl_link_lo_mark_msg(char *buf, const char *alias, bool v6off)
{
	struct nlmsghdr *nlh = vl_link_msg(buf, RTM_NEWLINK, AF_UNSPEC, 1);
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias);
	if (v6off) {
		struct nlattr *spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
		struct nlattr *in6 = mnl_attr_nest_start(nlh, AF_INET6);
		mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
		mnl_attr_nest_end(nlh, in6);
		mnl_attr_nest_end(nlh, spec);
	}
	return nlh;
}

int vl_link_lo_mark(struct vl_nl *nl, const char *alias, bool v6off)
{
	char buf[VL_LINK_MSG_MAX] = {0};
	int r = vl_nl_talk(nl, vl_link_lo_mark_msg(buf, alias, v6off));
	if (r == -EAFNOSUPPORT && v6off) {
		/* a kernel without IPv6: nothing to turn off */
		memset(buf, 0, sizeof(buf));
		r = vl_nl_talk(nl, vl_link_lo_mark_msg(buf, alias, false));
	}
	return r;
}

/* IPv6 gone from lo (::1/128), in a namespace of a lab without IPv6. */
int vl_link_lo_v6off(struct vl_nl *nl)
{
	struct vl_prefix lo6 = {.family = AF_INET6, .len = 128};
	lo6.addr[15] = 1;
	int r = vl_addr_del(nl, 1, &lo6);
	return r == -EADDRNOTAVAIL || r == -EAFNOSUPPORT || r == -ENOENT ? 0 : r;
}

struct gen_mode_req {
	int mode;
};

static int gen_mode_cb(const struct nlmsghdr *nlh, void *data)
{
	struct gen_mode_req *q = data;
	const struct nlattr *a, *b, *c;
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return 0;
	mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg)) {
		if (mnl_attr_get_type(a) != IFLA_AF_SPEC)
			continue;
		mnl_attr_for_each_nested(b, a) {
			if (mnl_attr_get_type(b) != AF_INET6)
				continue;
			mnl_attr_for_each_nested(c, b)
				if (mnl_attr_get_type(c) == IFLA_INET6_ADDR_GEN_MODE)
					q->mode = mnl_attr_get_u8(c);
		}
	}
	return 0;
}

int vl_link_addr_gen_mode(struct vl_nl *nl, int ifindex)
{
	char buf[VL_LINK_MSG_MAX] = {0};
	struct nlmsghdr *nlh = vl_link_msg(buf, RTM_GETLINK, AF_UNSPEC, ifindex);
	struct gen_mode_req q = {-ENOENT};
	int r = vl_nl_request(nl, nlh, gen_mode_cb, &q);
	return r < 0 ? r : q.mode;
}

int vl_link_set_alias(struct vl_nl *nl, int ifindex, const char *alias, bool up)
{
	struct rtnl_link *l = rtnl_link_alloc();
	if (!l)
		return -ENOMEM;
	rtnl_link_set_ifindex(l, ifindex);
	rtnl_link_set_ifalias(l, alias);
	if (up)
		rtnl_link_set_flags(l, IFF_UP);
	int r = change_link(nl, l);
	rtnl_link_put(l);
	return r;
}

/* A switch's own device gets no IPv6 address (addr_gen_mode none; the
 * kernel refuses IFLA_AF_SPEC in a creating request, so this follows the
 * creation, before the device has a carrier or is up). A bridge also takes
 * no IPv4 from its ports: rp_filter 1 drops every packet arriving on a
 * device without addresses, arp_ignore 1 answers no ARP request there. */
struct nlmsghdr *vl_link_noaddr_msg(char *buf, int ifindex, bool ipv4_too, bool ipv6)
{
	struct nlmsghdr *nlh = vl_link_msg(buf, RTM_NEWLINK, AF_UNSPEC, ifindex);
	struct nlattr *spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	if (ipv4_too) {
		struct nlattr *in = mnl_attr_nest_start(nlh, AF_INET);
		struct nlattr *conf = mnl_attr_nest_start(nlh, IFLA_INET_CONF);
		mnl_attr_put_u32(nlh, IPV4_DEVCONF_RP_FILTER, 1);
		mnl_attr_put_u32(nlh, IPV4_DEVCONF_ARP_IGNORE, 1);
		mnl_attr_nest_end(nlh, conf);
		mnl_attr_nest_end(nlh, in);
	}
	if (ipv6) {
		struct nlattr *in6 = mnl_attr_nest_start(nlh, AF_INET6);
		mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
		mnl_attr_nest_end(nlh, in6);
	}
	mnl_attr_nest_end(nlh, spec);
	return nlh;
}

int vl_link_noaddr(struct vl_nl *nl, int ifindex, bool ipv4_too, bool ipv6)
{
	char buf[VL_LINK_MSG_MAX] = {0};
	return vl_nl_talk(nl, vl_link_noaddr_msg(buf, ifindex, ipv4_too, ipv6));
}

int vl_link_set_up(struct vl_nl *nl, int ifindex)
{
	struct rtnl_link *l = rtnl_link_alloc();
	if (!l)
		return -ENOMEM;
	rtnl_link_set_ifindex(l, ifindex);
	rtnl_link_set_flags(l, IFF_UP);
	int r = change_link(nl, l);
	rtnl_link_put(l);
	return r;
}

int vl_link_set_master(struct vl_nl *nl, int ifindex, int master)
{
	struct rtnl_link *l = rtnl_link_alloc();
	if (!l)
		return -ENOMEM;
	rtnl_link_set_ifindex(l, ifindex);
	rtnl_link_set_master(l, master);
	int r = change_link(nl, l);
	rtnl_link_put(l);
	return r;
}

int vl_link_bridge(struct vl_nl *nl, const struct vl_devspec *s)
{
	struct rtnl_link *l = rtnl_link_alloc();
	if (!l)
		return -ENOMEM;
	int r = rtnl_link_set_type(l, "bridge");
	if (r >= 0)
		r = fill_common(l, s);
	if (r >= 0)
		r = create_link(nl, l);
	rtnl_link_put(l);
	return r;
}

int vl_link_veth(struct vl_nl *nl, const struct vl_devspec *s,
		 const struct vl_devspec *peer, int peer_nsfd)
{
	struct rtnl_link *l = rtnl_link_veth_alloc();
	if (!l)
		return -ENOMEM;
	struct rtnl_link *p = rtnl_link_veth_get_peer(l);
	int r = fill_common(l, s);
	if (r >= 0)
		r = fill_common(p, peer);
	if (r >= 0) {
		/* The peer cannot be opened inside the creating request (veth
		 * pairs the two ends only after configuring the peer: ENOTCONN);
		 * the caller sets it up afterwards. */
		rtnl_link_unset_flags(p, IFF_UP);
		/* One queue each, asked for up front: otherwise veth trims its
		 * per-CPU queues after registering, an expedited RCU grace
		 * period per end. */
		rtnl_link_set_num_tx_queues(l, 1);
		rtnl_link_set_num_rx_queues(l, 1);
		rtnl_link_set_num_tx_queues(p, 1);
		rtnl_link_set_num_rx_queues(p, 1);
		/* (the kernel ignores IFLA_MASTER inside the peer: callers
		 * pass none and enslave the peer afterwards) */
		if (peer_nsfd >= 0)
			rtnl_link_set_ns_fd(p, peer_nsfd);
		r = create_link(nl, l);
	}
	rtnl_link_put(p);
	rtnl_link_veth_release(l);
	return r;
}

int vl_link_vlan(struct vl_nl *nl, const struct vl_devspec *s, int parent, int vid)
{
	struct rtnl_link *l = rtnl_link_vlan_alloc();
	if (!l)
		return -ENOMEM;
	int r = fill_common(l, s);
	if (r >= 0) {
		rtnl_link_set_link(l, parent);
		rtnl_link_vlan_set_id(l, vid);
		r = create_link(nl, l);
	}
	rtnl_link_put(l);
	return r;
}

/* libnl (3.7) writes IFLA_VXLAN_PORT and IFLA_GENEVE_PORT as u32 although
 * the kernel's policies say be16: the kernel warns "attribute type 15 (5)
 * has an invalid length" on every tunnel device and reads the first two
 * bytes. Both sizes
 * pad to 8 bytes, so the attribute is shortened in place (no parent
 * length changes). A libnl that writes 2 bytes is left alone. */
static void fix_port(struct nl_msg *m, int type)
{
	struct nlattr *li = nlmsg_find_attr(nlmsg_hdr(m), sizeof(struct ifinfomsg), IFLA_LINKINFO);
	struct nlattr *d = li ? nla_find(nla_data(li), nla_len(li), IFLA_INFO_DATA) : NULL;
	struct nlattr *p = d ? nla_find(nla_data(d), nla_len(d), type) : NULL;
	if (p && nla_len(p) == 4) {
		p->nla_len = NLA_HDRLEN + 2;
		memset((char *)nla_data(p) + 2, 0, 2);
	}
}

int vl_link_vxlan_msg(const struct vl_devspec *s, const struct vl_op *op,
		      int underlay_ifindex, struct nl_msg **m)
{
	struct rtnl_link *l = rtnl_link_vxlan_alloc();
	if (!l)
		return -ENOMEM;
	int r = fill_common(l, s);
	if (r < 0)
		goto out;
	rtnl_link_vxlan_set_id(l, op->u.tunnel.vni);
	rtnl_link_vxlan_set_port(l, op->u.tunnel.port ? op->u.tunnel.port : 4789);
	if (op->u.tunnel.ttl)
		rtnl_link_vxlan_set_ttl(l, (uint8_t)op->u.tunnel.ttl);
	rtnl_link_vxlan_set_learning(l, op->u.tunnel.learning);
	if (op->u.tunnel.local.family) {
		struct nl_addr *a = prefix_addr(&op->u.tunnel.local);
		nl_addr_set_prefixlen(a, op->u.tunnel.local.family == AF_INET ? 32 : 128);
		rtnl_link_vxlan_set_local(l, a);
		nl_addr_put(a);
	}
	if (op->u.tunnel.multicast && op->u.tunnel.remote.family) {
		struct nl_addr *a = prefix_addr(&op->u.tunnel.remote);
		nl_addr_set_prefixlen(a, op->u.tunnel.remote.family == AF_INET ? 32 : 128);
		rtnl_link_vxlan_set_group(l, a);
		nl_addr_put(a);
	}
	if (underlay_ifindex)
		rtnl_link_vxlan_set_link(l, underlay_ifindex);
	if (rtnl_link_build_add_request(l, NLM_F_CREATE | NLM_F_EXCL, m) < 0)
		r = -ENOMEM;
	else
		fix_port(*m, IFLA_VXLAN_PORT);
out:
	rtnl_link_put(l);
	return r;
}

int vl_link_vxlan(struct vl_nl *nl, const struct vl_devspec *s,
		  const struct vl_op *op, int underlay_ifindex)
{
	struct nl_msg *m;
	int r = vl_link_vxlan_msg(s, op, underlay_ifindex, &m);
	return r < 0 ? r : talk_msg(nl, m);
}

int vl_link_geneve_msg(const struct vl_devspec *s, const struct vl_op *op, struct nl_msg **m)
{
	struct rtnl_link *l = rtnl_link_geneve_alloc();
	if (!l)
		return -ENOMEM;
	int r = fill_common(l, s);
	if (r < 0)
		goto out;
	rtnl_link_geneve_set_id(l, op->u.tunnel.vni);
	rtnl_link_geneve_set_port(l, op->u.tunnel.port ? op->u.tunnel.port : 6081);
	if (op->u.tunnel.ttl)
		rtnl_link_geneve_set_ttl(l, (uint8_t)op->u.tunnel.ttl);
	if (op->u.tunnel.remote.family) {
		struct nl_addr *a = prefix_addr(&op->u.tunnel.remote);
		nl_addr_set_prefixlen(a, op->u.tunnel.remote.family == AF_INET ? 32 : 128);
		rtnl_link_geneve_set_remote(l, a);
		nl_addr_put(a);
	}
	if (rtnl_link_build_add_request(l, NLM_F_CREATE | NLM_F_EXCL, m) < 0)
		r = -ENOMEM;
	else
		fix_port(*m, IFLA_GENEVE_PORT);
out:
	rtnl_link_put(l);
	return r;
}

int vl_link_geneve(struct vl_nl *nl, const struct vl_devspec *s, const struct vl_op *op)
{
	struct nl_msg *m;
	int r = vl_link_geneve_msg(s, op, &m);
	return r < 0 ? r : talk_msg(nl, m);
}

/* NVGRE as the kernel can do it: gretap (Ethernet over GRE) with the key
 * carrying the VSID in its upper 24 bits and FlowID 0, as RFC 7637 lays
 * the key field out. IPv4 underlay only (validation refuses IPv6). */
int vl_link_gretap(struct vl_nl *nl, const struct vl_devspec *s, const struct vl_op *op)
{
	struct rtnl_link *l = rtnl_link_ipgretap_alloc();
	if (!l)
		return -ENOMEM;
	int r = fill_common(l, s);
	if (r < 0)
		goto out;
	uint32_t key = htonl(op->u.tunnel.vni << 8), a;
	rtnl_link_ipgre_set_ikey(l, key);
	rtnl_link_ipgre_set_okey(l, key);
	/* GRE_KEY of linux/if_tunnel.h (which clashes with net/if.h) */
	rtnl_link_ipgre_set_iflags(l, htons(0x2000));
	rtnl_link_ipgre_set_oflags(l, htons(0x2000));
	if (op->u.tunnel.local.family == AF_INET) {
		memcpy(&a, op->u.tunnel.local.addr, 4);
		rtnl_link_ipgre_set_local(l, a);
	}
	if (op->u.tunnel.remote.family == AF_INET) {
		memcpy(&a, op->u.tunnel.remote.addr, 4);
		rtnl_link_ipgre_set_remote(l, a);
	}
	if (op->u.tunnel.ttl)
		rtnl_link_ipgre_set_ttl(l, (uint8_t)op->u.tunnel.ttl);
	r = create_link(nl, l);
out:
	rtnl_link_put(l);
	return r;
}

int vl_addr_add(struct vl_nl *nl, int ifindex, const struct vl_prefix *p, bool nodad)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local = prefix_addr(p);
	struct nl_msg *m;
	int r = -ENOMEM;

	if (!a || !local)
		goto out;
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_family(a, p->family);
	if (rtnl_addr_set_local(a, local) < 0)
		goto out;
	rtnl_addr_set_prefixlen(a, p->len);
	if (nodad && p->family == AF_INET6)
		rtnl_addr_set_flags(a, IFA_F_NODAD);
	if (rtnl_addr_build_add_request(a, NLM_F_CREATE | NLM_F_EXCL, &m) < 0)
		goto out;
	r = talk_msg(nl, m);
out:
	if (local)
		nl_addr_put(local);
	if (a)
		rtnl_addr_put(a);
	return r;
}

int vl_route_add(struct vl_nl *nl, const struct vl_prefix *dst,
		 const struct vl_prefix *via, int oif)
{
	struct rtnl_route *rt = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *d = prefix_addr(dst);
	struct nl_msg *m;
	int r = -ENOMEM;

	if (!rt || !nh || !d)
		goto out;
	rtnl_route_set_family(rt, (uint8_t)dst->family);
	rtnl_route_set_table(rt, RT_TABLE_MAIN);
	rtnl_route_set_protocol(rt, RTPROT_STATIC);
	rtnl_route_set_type(rt, RTN_UNICAST);
	if (rtnl_route_set_dst(rt, d) < 0)
		goto out;
	rtnl_route_set_scope(rt, via->family ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
	if (oif)
		rtnl_route_nh_set_ifindex(nh, oif);
	if (via->family) {
		struct nl_addr *g = prefix_addr(via);
		nl_addr_set_prefixlen(g, via->family == AF_INET ? 32 : 128);
		rtnl_route_nh_set_gateway(nh, g);
		nl_addr_put(g);
	}
	rtnl_route_add_nexthop(rt, nh);
	nh = NULL; /* owned by the route now */
	if (rtnl_route_build_add_request(rt, NLM_F_CREATE | NLM_F_EXCL, &m) < 0)
		goto out;
	r = talk_msg(nl, m);
out:
	if (d)
		nl_addr_put(d);
	if (nh)
		rtnl_route_nh_free(nh);
	if (rt)
		rtnl_route_put(rt);
	return r;
}

int vl_link_set_admin(struct vl_nl *nl, int ifindex, bool up)
{
	struct rtnl_link *l = rtnl_link_alloc();
	if (!l)
		return -ENOMEM;
	rtnl_link_set_ifindex(l, ifindex);
	if (up)
		rtnl_link_set_flags(l, IFF_UP);
	else
		rtnl_link_unset_flags(l, IFF_UP);
	int r = change_link(nl, l);
	rtnl_link_put(l);
	return r;
}
