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

int vl_link_lo_mark(struct vl_nl *nl, const char *alias)
{
	struct rtnl_link *l = rtnl_link_alloc();
	if (!l)
		return -ENOMEM;
	rtnl_link_set_ifindex(l, 1);
	rtnl_link_set_flags(l, IFF_UP);
	rtnl_link_set_ifalias(l, alias);
	int r = change_link(nl, l);
	rtnl_link_put(l);
	return r;
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
int vl_link_noaddr(struct vl_nl *nl, int ifindex, bool ipv4_too, bool ipv6)
{
	char buf[256] = {0};
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
	return vl_nl_talk(nl, nlh);
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

int vl_link_vxlan(struct vl_nl *nl, const struct vl_devspec *s,
		  const struct vl_op *op, int underlay_ifindex)
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
	r = create_link(nl, l);
out:
	rtnl_link_put(l);
	return r;
}

int vl_link_geneve(struct vl_nl *nl, const struct vl_devspec *s, const struct vl_op *op)
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
	r = create_link(nl, l);
out:
	rtnl_link_put(l);
	return r;
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
