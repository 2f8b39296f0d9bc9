/* The kernel half of `vlab trace`: a running lab read through netlink
 * into a snapshot (vlab/trace.h), and the route lookups (RTM_GETROUTE)
 * the walk asks for. Per namespace: RTM_GETLINK (AF_UNSPEC, then
 * AF_BRIDGE with RTEXT_FILTER_BRVLAN for port VLANs), RTM_GETADDR,
 * RTM_GETNEIGH (AF_INET, AF_INET6, AF_BRIDGE for the FDBs),
 * RTM_GETQDISC and RTM_GETNETCONF. Nothing is changed; no socket
 * outlives a read. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/gen_stats.h>
#include <linux/if.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/net_namespace.h>
#include <linux/netconf.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include "vlab/exec.h"
#include "vlab/observe.h"
#include "vlab/runtime.h"
#include "vlab/state.h"
#include "vlab/trace.h"

struct rd {
	struct vl_tr_ns *n;
	char lo_alias[VL_ALTNAME_MAX];
	struct vl_tc_now *tc;    /* per device, parallel to n->ifs */
};

static void get_ip(const struct nlattr *a, int family, struct vl_tr_ip *ip)
{
	size_t l = mnl_attr_get_payload_len(a);
	memset(ip, 0, sizeof(*ip));
	if (!family)
		family = l == 16 ? AF_INET6 : l == 4 ? AF_INET : 0;
	if ((family == AF_INET && l >= 4) || (family == AF_INET6 && l >= 16)) {
		ip->family = family;
		memcpy(ip->a, mnl_attr_get_payload(a), family == AF_INET ? 4 : 16);
	}
}

static void info_data(struct vl_tr_if *f, const struct nlattr *data)
{
	const struct nlattr *b;
	bool vx = !strcmp(f->kind, "vxlan"), gn = !strcmp(f->kind, "geneve");
	mnl_attr_for_each_nested(b, data) {
		int t = mnl_attr_get_type(b);
		if (!strcmp(f->kind, "vlan") && t == IFLA_VLAN_ID)
			f->vlan_id = mnl_attr_get_u16(b);
		else if (!strcmp(f->kind, "bridge") && t == IFLA_BR_VLAN_FILTERING)
			f->vlan_filtering = mnl_attr_get_u8(b);
		else if (vx && t == IFLA_VXLAN_ID)
			f->vni = mnl_attr_get_u32(b);
		else if (vx && t == IFLA_VXLAN_PORT)
			f->dstport = ntohs(mnl_attr_get_u16(b));
		else if (vx && (t == IFLA_VXLAN_LOCAL || t == IFLA_VXLAN_LOCAL6))
			get_ip(b, t == IFLA_VXLAN_LOCAL ? AF_INET : AF_INET6, &f->local);
		else if (vx && (t == IFLA_VXLAN_GROUP || t == IFLA_VXLAN_GROUP6))
			get_ip(b, t == IFLA_VXLAN_GROUP ? AF_INET : AF_INET6, &f->remote);
		else if (gn && t == IFLA_GENEVE_ID)
			f->vni = mnl_attr_get_u32(b);
		else if (gn && t == IFLA_GENEVE_PORT)
			f->dstport = ntohs(mnl_attr_get_u16(b));
		else if (gn && (t == IFLA_GENEVE_REMOTE || t == IFLA_GENEVE_REMOTE6))
			get_ip(b, t == IFLA_GENEVE_REMOTE ? AF_INET : AF_INET6, &f->remote);
	}
	if (f->remote.family == AF_INET && !memcmp(f->remote.a, "\0\0\0\0", 4))
		f->remote.family = 0;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rd *ctx = data;
	struct vl_link_attrs l;
	vl_link_attrs_parse(nlh, &l);
	if (l.flags & IFF_LOOPBACK) {
		snprintf(ctx->lo_alias, sizeof(ctx->lo_alias), "%s", l.alias);
		return MNL_CB_OK;
	}
	struct vl_tr_if *f = vl_tr_add_if(ctx->n, l.index, l.name, l.kind);
	f->flags = l.flags;
	if (l.mtu)
		f->mtu = l.mtu; /* else vl_tr_add_if's default, as before */
	f->master = l.master;
	f->link = l.link;
	f->link_nsid = l.link_nsid;
	if (l.mac)
		memcpy(f->mac, l.mac, 6);
	if (l.info_data)
		info_data(f, l.info_data);
	return MNL_CB_OK;
}

/* RTM_GETLINK AF_BRIDGE with RTEXT_FILTER_BRVLAN: a port's VLANs. */
static int brvlan_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rd *ctx = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct vl_tr_if *f = vl_tr_if_by_index(ctx->n, ifi->ifi_index);
	if (!f)
		return MNL_CB_OK;
	const struct nlattr *a, *b;
	mnl_attr_for_each(a, nlh, sizeof(*ifi)) {
		if (mnl_attr_get_type(a) != IFLA_AF_SPEC)
			continue;
		f->nvlans = 0; /* the port's own message, not the bridge's echo */
		mnl_attr_for_each_nested(b, a) {
			if (mnl_attr_get_type(b) != IFLA_BRIDGE_VLAN_INFO ||
			    mnl_attr_get_payload_len(b) < sizeof(struct bridge_vlan_info))
				continue;
			const struct bridge_vlan_info *vi = mnl_attr_get_payload(b);
			struct vl_tr_vlan *v = VL_PUSH(f->vlans, f->nvlans, f->vlans_cap);
			v->vid = vi->vid;
			v->pvid = vi->flags & BRIDGE_VLAN_INFO_PVID;
			v->untagged = vi->flags & BRIDGE_VLAN_INFO_UNTAGGED;
		}
	}
	return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rd *ctx = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a, *addr = NULL, *local = NULL;
	mnl_attr_for_each(a, nlh, sizeof(*ifa)) {
		if (mnl_attr_get_type(a) == IFA_ADDRESS)
			addr = a;
		else if (mnl_attr_get_type(a) == IFA_LOCAL)
			local = a;
	}
	if (local)
		addr = local;
	if (!addr || !vl_tr_if_by_index(ctx->n, (int)ifa->ifa_index))
		return MNL_CB_OK;
	struct vl_tr_addr *x = VL_PUSH(ctx->n->addrs, ctx->n->naddrs, ctx->n->addrs_cap);
	x->ifindex = (int)ifa->ifa_index;
	x->plen = ifa->ifa_prefixlen;
	get_ip(addr, ifa->ifa_family, &x->ip);
	return MNL_CB_OK;
}

static int neigh_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rd *ctx = data;
	const struct ndmsg *nd = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	if (nd->ndm_family == AF_BRIDGE) {
		struct vl_tr_fdb *e = VL_PUSH(ctx->n->fdb, ctx->n->nfdb, ctx->n->fdb_cap);
		e->ifindex = nd->ndm_ifindex;
		e->state = nd->ndm_state;
		e->master = !(nd->ndm_flags & NTF_SELF);
		mnl_attr_for_each(a, nlh, sizeof(*nd)) {
			int t = mnl_attr_get_type(a);
			if (t == NDA_LLADDR && mnl_attr_get_payload_len(a) == 6)
				memcpy(e->mac, mnl_attr_get_payload(a), 6);
			else if (t == NDA_VLAN)
				e->vlan = mnl_attr_get_u16(a);
			else if (t == NDA_DST)
				get_ip(a, 0, &e->dst);
		}
		return MNL_CB_OK;
	}
	struct vl_tr_neigh *e = VL_PUSH(ctx->n->neigh, ctx->n->nneigh, ctx->n->neigh_cap);
	e->ifindex = nd->ndm_ifindex;
	e->state = nd->ndm_state;
	mnl_attr_for_each(a, nlh, sizeof(*nd)) {
		int t = mnl_attr_get_type(a);
		if (t == NDA_DST)
			get_ip(a, nd->ndm_family, &e->ip);
		else if (t == NDA_LLADDR && mnl_attr_get_payload_len(a) == 6) {
			memcpy(e->mac, mnl_attr_get_payload(a), 6);
			e->has_mac = true;
		}
	}
	return MNL_CB_OK;
}

static int qdisc_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rd *ctx = data;
	const struct tcmsg *tc = mnl_nlmsg_get_payload(nlh);
	for (size_t k = 0; k < ctx->n->nifs; k++) {
		if (ctx->n->ifs[k].index != tc->tcm_ifindex)
			continue;
		vl_tc_parse_qdisc(nlh, tc->tcm_ifindex, &ctx->tc[k]);
		if (tc->tcm_parent != TC_H_ROOT)
			return MNL_CB_OK;
		const struct nlattr *a, *b;
		mnl_attr_for_each(a, nlh, sizeof(*tc)) {
			if (mnl_attr_get_type(a) != TCA_STATS2)
				continue;
			mnl_attr_for_each_nested(b, a) {
				if (mnl_attr_get_type(b) != TCA_STATS_QUEUE ||
				    mnl_attr_get_payload_len(b) < sizeof(struct gnet_stats_queue))
					continue;
				struct gnet_stats_queue q;
				memcpy(&q, mnl_attr_get_payload(b), sizeof(q));
				ctx->n->ifs[k].qdrops += q.drops;
			}
		}
	}
	return MNL_CB_OK;
}

static int netconf_cb(const struct nlmsghdr *nlh, void *data)
{
	int *fwd = data;
	const struct nlattr *a;
	mnl_attr_for_each(a, nlh, sizeof(struct netconfmsg))
		if (mnl_attr_get_type(a) == NETCONFA_FORWARDING)
			*fwd = (int)mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

static int read_fwd(struct vl_nl *nl, int family)
{
	char buf[256] = {0};
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETNETCONF;
	struct netconfmsg *nc = mnl_nlmsg_put_extra_header(nlh, sizeof(*nc));
	nc->ncm_family = (uint8_t)family;
	mnl_attr_put_u32(nlh, NETCONFA_IFINDEX, (uint32_t)NETCONFA_IFINDEX_ALL);
	int fwd = -1;
	if (vl_nl_request(nl, nlh, netconf_cb, &fwd) < 0)
		return -1;
	return fwd;
}

static int dump_family(struct vl_nl *nl, int type, int family, size_t hdr,
		       int (*cb)(const struct nlmsghdr *, void *), void *arg)
{
	char buf[256] = {0};
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (uint16_t)type;
	uint8_t *fam = mnl_nlmsg_put_extra_header(nlh, hdr);
	fam[0] = (uint8_t)family; /* every rtnetlink family header starts with it */
	if (type == RTM_GETLINK && family == AF_BRIDGE)
		mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_BRVLAN);
	return vl_nl_dump(nl, nlh, cb, arg);
}

static int read_inside(void *arg)
{
	struct rd *ctx = arg;
	struct vl_nl nl;
	int r = vl_nl_open(&nl, NETLINK_ROUTE);
	if (r < 0)
		return r;
	r = vl_nl_dump_all(&nl, RTM_GETLINK, sizeof(struct ifinfomsg), link_cb, ctx);
	if (r == 0)
		r = dump_family(&nl, RTM_GETLINK, AF_BRIDGE, sizeof(struct ifinfomsg), brvlan_cb, ctx);
	if (r == 0)
		r = vl_nl_dump_all(&nl, RTM_GETADDR, sizeof(struct ifaddrmsg), addr_cb, ctx);
	if (r == 0)
		r = dump_family(&nl, RTM_GETNEIGH, AF_INET, sizeof(struct ndmsg), neigh_cb, ctx);
	if (r == 0)
		r = dump_family(&nl, RTM_GETNEIGH, AF_INET6, sizeof(struct ndmsg), neigh_cb, ctx);
	if (r == 0)
		r = dump_family(&nl, RTM_GETNEIGH, AF_BRIDGE, sizeof(struct ndmsg), neigh_cb, ctx);
	if (r == 0) {
		ctx->tc = xcalloc(ctx->n->nifs + 1, sizeof(*ctx->tc));
		for (size_t k = 0; k < ctx->n->nifs; k++)
			ctx->tc[k].ifindex = ctx->n->ifs[k].index;
		/* twice: a tbf under netem may come before its root */
		for (int pass = 0; pass < 2 && r == 0; pass++) {
			for (size_t k = 0; k < ctx->n->nifs; k++)
				ctx->n->ifs[k].qdrops = 0;
			r = vl_nl_dump_all(&nl, RTM_GETQDISC, sizeof(struct tcmsg), qdisc_cb, ctx);
		}
	}
	if (r == 0) {
		ctx->n->fwd4 = read_fwd(&nl, AF_INET);
		ctx->n->fwd6 = read_fwd(&nl, AF_INET6);
	}
	vl_nl_close(&nl);
	return r;
}

static int read_ns(const char *lab, int home, struct vl_tr_ns *n)
{
	struct rd ctx = {.n = n};
	int fd = vl_netns_open(n->ns);
	int r = fd;
	if (fd >= 0) {
		r = vl_netns_call(fd, home, read_inside, &ctx);
		close(fd);
	}
	for (size_t k = 0; ctx.tc && k < n->nifs; k++) {
		struct vl_tr_if *f = &n->ifs[k];
		if (ctx.tc[k].root_handle) {
			snprintf(f->qkind, sizeof(f->qkind), "%s", ctx.tc[k].root_kind);
			f->shape = ctx.tc[k].shape;
		}
	}
	free(ctx.tc);
	const char *node = vl_obs_mark_node(ctx.lo_alias, lab);
	free(n->node);
	n->node = xstrdup(node ? node : vl_ns_node(lab, n->ns));
	n->err = r < 0 ? r : 0;
	return n->err;
}

/* ---- asking a namespace ---- */

struct nsid_q {
	int target_fd;
	int nsid;
};

static int nsid_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nsid_q *q = data;
	const struct nlattr *a;
	mnl_attr_for_each(a, nlh, sizeof(struct rtgenmsg))
		if (mnl_attr_get_type(a) == NETNSA_NSID)
			q->nsid = (int)mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

static int nsid_inside(void *arg)
{
	struct nsid_q *q = arg;
	char buf[256] = {0};
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETNSID;
	struct rtgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, NETNSA_FD, (uint32_t)q->target_fd);
	return vl_nl_request_once(nlh, nsid_cb, q);
}

/* The id namespace `from` gives namespace `to`, -1 when none. */
static int nsid_of(const struct vl_tr_snap *s, size_t from, size_t to, int home)
{
	struct nsid_q q = {.nsid = -1};
	int ff = vl_netns_open(s->v[from].ns);
	q.target_fd = vl_netns_open(s->v[to].ns);
	if (ff >= 0 && q.target_fd >= 0)
		vl_netns_call(ff, home, nsid_inside, &q);
	if (ff >= 0)
		close(ff);
	if (q.target_fd >= 0)
		close(q.target_fd);
	return q.nsid;
}

/* Veth peers vl_tr_pair_veths could not settle: several namespaces have
 * a veth with the right ifindex and back-link; the peer's namespace id,
 * as the namespace holding our end numbers it, decides. */
static void pair_ambiguous(struct vl_tr_snap *s, int home)
{
	for (size_t i = 0; i < s->n; i++)
		for (size_t k = 0; k < s->v[i].nifs; k++) {
			struct vl_tr_if *f = &s->v[i].ifs[k];
			if (strcmp(f->kind, "veth") || f->peer_ns >= 0 || f->link_nsid < 0)
				continue;
			for (size_t j = 0; j < s->n && f->peer_ns < 0; j++) {
				const struct vl_tr_if *p = vl_tr_if_by_index(&s->v[j], f->link);
				if (j == i || !p || strcmp(p->kind, "veth") || p->link != f->index)
					continue;
				if (nsid_of(s, i, j, home) == f->link_nsid) {
					f->peer_ns = (int)j;
					f->peer_if = f->link;
				}
			}
		}
}

struct route_q {
	const struct vl_tr_ip *dst;
	int oif;
	struct vl_tr_rt *out;
	int type;
};

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_q *q = data;
	const struct rtmsg *rt = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	q->type = rt->rtm_type;
	mnl_attr_for_each(a, nlh, sizeof(*rt)) {
		int t = mnl_attr_get_type(a);
		if (t == RTA_OIF)
			q->out->oif = (int)mnl_attr_get_u32(a);
		else if (t == RTA_GATEWAY)
			get_ip(a, rt->rtm_family, &q->out->gw);
		else if (t == RTA_PREFSRC)
			get_ip(a, rt->rtm_family, &q->out->src);
	}
	return MNL_CB_OK;
}

static int route_inside(void *arg)
{
	struct route_q *q = arg;
	char buf[256] = {0};
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETROUTE;
	struct rtmsg *rt = mnl_nlmsg_put_extra_header(nlh, sizeof(*rt));
	rt->rtm_family = (uint8_t)q->dst->family;
	rt->rtm_dst_len = q->dst->family == AF_INET6 ? 128 : 32;
	mnl_attr_put(nlh, RTA_DST, q->dst->family == AF_INET6 ? 16 : 4, q->dst->a);
	if (q->oif)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)q->oif);
	return vl_nl_request_once(nlh, route_cb, q);
}

static int live_route(void *ctx, const struct vl_tr_snap *s, size_t ns,
		      const struct vl_tr_ip *dst, int oif, struct vl_tr_rt *out)
{
	int home = *(int *)ctx;
	struct route_q q = {.dst = dst, .oif = oif, .out = out, .type = -1};
	int fd = vl_netns_open(s->v[ns].ns);
	if (fd < 0)
		return fd;
	int r = vl_netns_call(fd, home, route_inside, &q);
	close(fd);
	if (r < 0)
		return r;
	if (q.type == RTN_LOCAL)
		out->local = true;
	else if (q.type == RTN_UNREACHABLE || q.type == RTN_BLACKHOLE || q.type == RTN_PROHIBIT)
		return -ENETUNREACH;
	return 0;
}

static int home_fd = -1;

int vl_tr_read_lab(const char *lab, int home, struct vl_tr_snap *s)
{
	struct vl_strv ns = {0};
	bool running = vl_lab_live_netns(lab, &ns);
	free(s->lab);
	s->lab = xstrdup(lab);
	for (size_t i = 0; i < ns.n; i++)
		read_ns(lab, home, vl_tr_add_ns(s, ns.v[i], NULL));
	vl_strv_free(&ns);
	vl_tr_pair_veths(s);
	pair_ambiguous(s, home);
	home_fd = home;
	s->route = live_route;
	s->route_ctx = &home_fd;
	return running ? 0 : -ENOENT;
}

long long vl_tr_counter(const struct vl_tr_snap *s, int home, const char *node, const char *ifname)
{
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->v[i].node, node))
			continue;
		struct vl_obs_ns o = {0};
		o.ns = xstrdup(s->v[i].ns);
		long long v = -1;
		if (vl_obs_read_ns(s->lab, home, &o) == 0)
			for (size_t k = 0; k < o.n; k++)
				if (!strcmp(o.ifs[k].name, ifname))
					v = (long long)(o.ifs[k].c[VL_RX_PACKETS] + o.ifs[k].c[VL_TX_PACKETS]);
		free(o.ns);
		free(o.node);
		for (size_t k = 0; k < o.n; k++) {
			free(o.ifs[k].alias);
			vl_strv_free(&o.ifs[k].altnames);
		}
		free(o.ifs);
		return v;
	}
	return -1;
}
