/* Validated model -> plan. The plan is pure data: an ordered list of kernel
 * operations (see /work/spec/plan.md and include/vlab/plan.h). Each phase
 * below is one pass over the model, so the plan comes out in the order the
 * executor needs (namespaces, then devices, then addresses, ...) and the
 * whole build is linear in the size of the topology.
 *
 * The model is complete after vl_validate(): every index is resolved, every
 * NIC has a MAC and an MTU. Nothing here re-checks it. */
#include "vlab/plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Per-build context: namespace names computed once per node and switch. */
struct planner {
	const struct vl_topology *t;
	struct vl_plan *p;
	char (*node_ns)[VL_NSNAME_MAX];
	char (*sw_ns)[VL_NSNAME_MAX];
	const char **sw_owner; /* node whose namespace holds the switch */
	int *sw_tunnels;       /* tunnel ports per switch (split horizon) */
	const char ***master;  /* per host, per NIC: the vSwitch or bond an
				* uplink NIC is enslaved to (NULL: none) */
};

static const char *const op_names[VL_OP__COUNT] = {
	[VL_OP_NETNS] = "netns",   [VL_OP_SYSCTL] = "sysctl",
	[VL_OP_HOSTS] = "hosts",   [VL_OP_BRIDGE] = "bridge",
	[VL_OP_VETH] = "veth",     [VL_OP_VLAN] = "vlan",
	[VL_OP_VXLAN] = "vxlan",   [VL_OP_GENEVE] = "geneve",
	[VL_OP_BRPORT] = "brport", [VL_OP_FDB] = "fdb",
	[VL_OP_ADDR] = "addr",     [VL_OP_UP] = "up",
	[VL_OP_ROUTE] = "route",   [VL_OP_QDISC] = "qdisc",
	[VL_OP_MIRROR] = "mirror", [VL_OP_NAT] = "nat",
	[VL_OP_BOND] = "bond",
	[VL_OP_NVGRE] = "nvgre",   [VL_OP_FILTER] = "filter",
};

const char *vl_op_kind_name(enum vl_op_kind k)
{
	if ((unsigned)k >= VL_OP__COUNT)
		return "?";
	return op_names[k];
}

/* Bounded copy that always terminates (names were length-checked by
 * validation; truncation here would only hide a validation bug). */
static void cpy(char *dst, size_t n, const char *src)
{
	size_t l = src ? strlen(src) : 0;
	if (l >= n)
		l = n - 1;
	memcpy(dst, src ? src : "", l);
	dst[l] = '\0';
}
#define CPY(dst, src) cpy((dst), sizeof(dst), (src))

static struct vl_op *emit(struct planner *pl, enum vl_op_kind kind,
			  const char *node, const char *ns, const char *dev)
{
	struct vl_plan *p = pl->p;
	struct vl_op *op = VL_PUSH(p->ops, p->nops, p->cap);
	op->kind = kind;
	CPY(op->node, node);
	CPY(op->ns, ns);
	CPY(op->dev, dev);
	return op;
}

static int lab_mtu(const struct vl_topology *t)
{
	return t->lab.mtu ? t->lab.mtu : 1500;
}

static int switch_mtu(const struct vl_topology *t, const struct vl_switch *s)
{
	return s->mtu ? s->mtu : lab_mtu(t);
}

static int nic_mtu(const struct vl_topology *t, const struct vl_nic *nic)
{
	if (nic->mtu)
		return nic->mtu;
	if (nic->sw_idx >= 0)
		return switch_mtu(t, &t->switches[nic->sw_idx]);
	return lab_mtu(t);
}

/* Attributes of a node's own end of a cable. */
static void nic_dev(const struct vl_topology *t, const struct vl_nic *nic,
		    struct vl_op_dev *d)
{
	memcpy(d->mac, nic->mac, 6);
	d->has_mac = nic->mac_set;
	d->mtu = nic_mtu(t, nic);
	d->up = true;
}

/* ---- phase: namespaces ------------------------------------------------ */

static void plan_netns(struct planner *pl)
{
	const struct vl_topology *t = pl->t;
	for (size_t i = 0; i < t->nnodes; i++) {
		emit(pl, VL_OP_NETNS, t->nodes[i].name, pl->node_ns[i], "");
		vl_strv_push(&pl->p->netns, pl->node_ns[i]);
	}
	for (size_t i = 0; i < t->nswitches; i++) {
		if (t->switches[i].host_idx >= 0)
			continue;
		emit(pl, VL_OP_NETNS, t->switches[i].name, pl->sw_ns[i], "");
		vl_strv_push(&pl->p->netns, pl->sw_ns[i]);
	}
}

static void sysctl(struct planner *pl, const char *node, const char *ns,
		   const char *key, const char *value)
{
	struct vl_op *op = emit(pl, VL_OP_SYSCTL, node, ns, "");
	CPY(op->u.sysctl.key, key);
	CPY(op->u.sysctl.value, value);
}

/* ---- IPv6 link-locals without DAD (lab ipv6 = on, dad = off) ----------
 * Every device of a node that carries addresses gets addr_gen_mode none
 * before it has a carrier and its fe80::EUI-64 address from vlab, added
 * without DAD (an ADDR op marked ll). That replaces accept_dad = 0 on
 * "all" and "default" in every namespace: each open() under /proc/sys/net
 * walks a dentry hash chain as long as the number of namespaces that ever
 * looked there, so the sysctl cost O(N^2) in a big lab (issue 13). */
static bool lab_ll6(const struct vl_topology *t)
{
	return t->lab.ipv6 && !t->lab.dad;
}

/* Host NIC j of node ni enslaved to a vSwitch or a bond: no address. */
static bool nic_enslaved(const struct planner *pl, size_t ni, size_t j)
{
	return pl->master[ni] && pl->master[ni][j];
}

/* The MAC of an address-bearing Ethernet device of node ni: a NIC (a veth
 * end), a bond (it takes its first member's) or a sub-interface (its
 * parent's). NULL: not such a device, or no ll6 for it. */
static const uint8_t *bond_mac(const struct planner *pl, size_t ni, size_t b);

static const uint8_t *nic_mac(const struct planner *pl, size_t ni, size_t j)
{
	const struct vl_nic *c = &pl->t->nodes[ni].nics[j];
	if (!lab_ll6(pl->t) || nic_enslaved(pl, ni, j) || (c->sw_idx < 0 && c->link_idx < 0))
		return NULL;
	return c->mac;
}

/* The vSwitch whose uplink bond b of node ni is, -1 when none. */
static int bond_uplink(const struct planner *pl, size_t ni, size_t b)
{
	const struct vl_topology *t = pl->t;
	for (size_t s = 0; s < t->nswitches; s++)
		if (t->switches[s].host_idx == (int)ni && t->switches[s].uplink &&
		    t->switches[s].uplink_bond == (int)b)
			return (int)s;
	return -1;
}

static const uint8_t *bond_mac(const struct planner *pl, size_t ni, size_t b)
{
	const struct vl_bond *bd = &pl->t->nodes[ni].bonds[b];
	if (!lab_ll6(pl->t) || bond_uplink(pl, ni, b) >= 0 || !bd->nmembers || bd->member_nic[0] < 0)
		return NULL;
	return pl->t->nodes[ni].nics[bd->member_nic[0]].mac;
}

static const uint8_t *sub_mac(const struct planner *pl, size_t ni, const struct vl_subif *s)
{
	const struct vl_node *n = &pl->t->nodes[ni];
	for (size_t j = 0; j < n->nnics; j++)
		if (!strcmp(n->nics[j].name, s->parent))
			return nic_mac(pl, ni, j);
	for (size_t b = 0; b < n->nbonds; b++)
		if (!strcmp(n->bonds[b].name, s->parent))
			return bond_mac(pl, ni, b);
	return NULL;
}

/* Every address-bearing device of node ni has its link-local from vlab.
 * Where one has not (a sub-interface of an enslaved NIC), the namespace
 * keeps the accept_dad sysctls. */
static bool node_ll6(const struct planner *pl, size_t ni)
{
	const struct vl_node *n = &pl->t->nodes[ni];
	for (size_t j = 0; j < n->nsubs; j++)
		if (!sub_mac(pl, ni, &n->subs[j]))
			return false;
	for (size_t b = 0; b < n->nbonds; b++)
		if (bond_uplink(pl, ni, b) < 0 && !bond_mac(pl, ni, b))
			return false;
	return true;
}

/* IPv6 and DAD settings go on "all" and "default" before any device
 * exists, so every device created later inherits them. */
static void ns_sysctls(struct planner *pl, const char *node, const char *ns,
		       bool forward, bool ll6, bool switches)
{
	const struct vl_lab *lab = &pl->t->lab;
	if (!lab->ipv6) {
		sysctl(pl, node, ns, "ipv6/conf/all/disable_ipv6", "1");
		sysctl(pl, node, ns, "ipv6/conf/default/disable_ipv6", "1");
	} else if (switches && ll6 && !lab->dad) {
		/* Bridge ports sit below IPv6: with it on, each would get an
		 * ff00::/8 route and each port event walks them all
		 * (rt6_sync_down_dev: O(ports^2) per bridge). The executor
		 * turns it on again device by device where addresses go. */
		sysctl(pl, node, ns, "ipv6/conf/default/disable_ipv6", "1");
	} else if (!lab->dad && !ll6) {
		sysctl(pl, node, ns, "ipv6/conf/all/accept_dad", "0");
		sysctl(pl, node, ns, "ipv6/conf/default/accept_dad", "0");
	}
	if (forward) {
		sysctl(pl, node, ns, "ipv4/ip_forward", "1");
		if (lab->ipv6)
			sysctl(pl, node, ns, "ipv6/conf/all/forwarding", "1");
	}
}

static void plan_sysctls(struct planner *pl)
{
	const struct vl_topology *t = pl->t;
	for (size_t i = 0; i < t->nnodes; i++) {
		bool switches = false;
		for (size_t s = 0; s < t->nswitches && !switches; s++)
			switches = t->switches[s].host_idx == (int)i;
		ns_sysctls(pl, t->nodes[i].name, pl->node_ns[i], t->nodes[i].forward,
			   node_ll6(pl, i), switches);
	}
	/* a switch's own namespace holds only devices without addresses */
	for (size_t i = 0; i < t->nswitches; i++)
		if (t->switches[i].host_idx < 0)
			ns_sysctls(pl, t->switches[i].name, pl->sw_ns[i], false, true, true);
}

/* ---- phase: devices --------------------------------------------------- */

/* Spanning tree: a 2 s forward delay (the kernel's minimum) and a 1 s
 * hello time, so a lab's loop converges in seconds, not the 30 s of the
 * kernel's defaults. */
static void bridge_stp(struct vl_op *op, const struct vl_switch *s)
{
	if (!s->stp)
		return;
	op->u.bridge.stp = true;
	op->u.bridge.forward_delay_cs = s->forward_delay_cs ? s->forward_delay_cs : 200;
	op->u.bridge.hello_time_cs = 100;
	op->u.bridge.priority = s->priority;
}

static void plan_bridges(struct planner *pl)
{
	const struct vl_topology *t = pl->t;
	for (size_t i = 0; i < t->nswitches; i++) {
		const struct vl_switch *s = &t->switches[i];
		struct vl_op *op = emit(pl, VL_OP_BRIDGE, pl->sw_owner[i], pl->sw_ns[i],
					s->name);
		op->d.mtu = switch_mtu(t, s);
		op->d.up = true;
		op->d.noaddr = true;
		op->u.bridge.vlan_filtering = s->vlan_filtering > 0;
		/* Filtering bridges start with no VLAN on any port: BRPORT ops
		 * say exactly which ones each port carries. */
		op->u.bridge.default_pvid = s->vlan_filtering > 0 ? 0 :
					    (s->pvid ? s->pvid : 1);
		/* Snooping off unless asked: the kernel's bridge visits every
		 * port's multicast state each time one port comes or goes
		 * (O(ports^2) per bridge), and with no querier in the lab
		 * multicast is flooded either way (bench/NOTES.md). */
		op->u.bridge.mcast_snooping = s->mcast_snooping;
		bridge_stp(op, s);
	}
}

/* A host NIC that is a vSwitch's uplink, or a member of its bond: enslaved
 * (a bond member is enslaved down, the bond opens it), no address. */
static void uplink_peer(struct planner *pl, size_t ni, size_t j, struct vl_op_dev *d)
{
	if (!pl->master[ni] || !pl->master[ni][j])
		return;
	const char *m = pl->master[ni][j];
	CPY(d->master, m);
	d->noaddr = true;
	d->ll6 = false;
	for (size_t b = 0; b < pl->t->nodes[ni].nbonds; b++)
		if (!strcmp(pl->t->nodes[ni].bonds[b].name, m))
			d->up = false;
}

/* Bonds of hosts, before the veths whose host ends join them. */
static void plan_bonds(struct planner *pl)
{
	const struct vl_topology *t = pl->t;
	static const int mode[] = {[VL_BOND_ACTIVE_BACKUP] = 1, [VL_BOND_BALANCE_XOR] = 2,
				   [VL_BOND_8023AD] = 4};
	for (size_t i = 0; i < t->nnodes; i++) {
		const struct vl_node *n = &t->nodes[i];
		for (size_t j = 0; j < n->nbonds; j++) {
			const struct vl_bond *b = &n->bonds[j];
			struct vl_op *op = emit(pl, VL_OP_BOND, n->name, pl->node_ns[i], b->name);
			op->u.bond.mode = mode[b->mode];
			op->u.bond.miimon_ms = b->miimon_ms;
			op->d.up = true;
			if (b->nmembers && b->member_nic[0] >= 0)
				op->d.mtu = nic_mtu(t, &n->nics[b->member_nic[0]]);
			int up = bond_uplink(pl, i, j);
			if (up >= 0) {
				CPY(op->d.master, t->switches[up].name);
				op->d.noaddr = true;
			}
			/* the MAC it would take from its first member anyway, set
			 * so that its link-local is known here */
			const uint8_t *mac = bond_mac(pl, i, j);
			if (mac) {
				memcpy(op->d.mac, mac, 6);
				op->d.has_mac = true;
				op->d.ll6 = true;
			}
		}
	}
}

/* A cable between two switches: a veth from a port of one bridge to a
 * port of the other, both named as written. */
static void plan_switch_cable(struct planner *pl, const struct vl_link *l)
{
	const struct vl_topology *t = pl->t;
	int sa = l->sw_idx[0], sb = l->sw_idx[1];
	struct vl_op *op = emit(pl, VL_OP_VETH, pl->sw_owner[sa], pl->sw_ns[sa], l->port[0]->name);
	struct vl_op_dev *d[2] = {&op->d, &op->u.veth.peer};
	for (int e = 0; e < 2; e++) {
		memcpy(d[e]->mac, l->port[e]->mac, 6);
		d[e]->has_mac = l->port[e]->mac_set;
		d[e]->mtu = l->port[e]->mtu;
		d[e]->up = true;
		d[e]->noaddr = true;
		d[e]->isolated = l->port[e]->isolated;
		CPY(d[e]->master, t->switches[l->sw_idx[e]].name);
	}
	CPY(op->u.veth.peer_ns, pl->sw_ns[sb]);
	CPY(op->u.veth.peer_dev, l->port[1]->name);
}

/* A node NIC plugged into a switch: the bridge side is named after the
 * node and NIC, the node side keeps the NIC's name. */
static void plan_port_veth(struct planner *pl, size_t ni, const struct vl_nic *nic)
{
	const struct vl_topology *t = pl->t;
	const struct vl_node *n = &t->nodes[ni];
	int si = nic->sw_idx;
	char port[VL_DEVNAME_MAX];

	vl_port_name(port, n->name, nic->name);
	struct vl_op *op = emit(pl, VL_OP_VETH, pl->sw_owner[si], pl->sw_ns[si], port);
	op->d.mtu = nic_mtu(t, nic);
	op->d.up = true;
	op->d.noaddr = true;
	CPY(op->d.master, t->switches[si].name);
	vl_port_altname(op->d.altname, n->name, nic->name);
	/* An altname equal to the name itself is refused by the kernel. */
	if (!strcmp(op->d.altname, port))
		op->d.altname[0] = '\0';
	CPY(op->u.veth.peer_ns, pl->node_ns[ni]);
	CPY(op->u.veth.peer_dev, nic->name);
	nic_dev(t, nic, &op->u.veth.peer);
	op->u.veth.peer.ll6 = nic_mac(pl, ni, (size_t)(nic - n->nics)) != NULL;
	op->d.isolated = nic->isolated;
	uplink_peer(pl, ni, (size_t)(nic - n->nics), &op->u.veth.peer);
}

static void plan_link_veth(struct planner *pl, const struct vl_link *l)
{
	const struct vl_topology *t = pl->t;
	const struct vl_node *a = &t->nodes[l->node_idx[0]];
	const struct vl_node *b = &t->nodes[l->node_idx[1]];
	const struct vl_nic *na = &a->nics[l->nic_idx[0]];
	const struct vl_nic *nb = &b->nics[l->nic_idx[1]];

	struct vl_op *op = emit(pl, VL_OP_VETH, a->name, pl->node_ns[l->node_idx[0]],
				na->name);
	nic_dev(t, na, &op->d);
	op->d.ll6 = nic_mac(pl, (size_t)l->node_idx[0], (size_t)l->nic_idx[0]) != NULL;
	CPY(op->u.veth.peer_ns, pl->node_ns[l->node_idx[1]]);
	CPY(op->u.veth.peer_dev, nb->name);
	nic_dev(t, nb, &op->u.veth.peer);
	op->u.veth.peer.ll6 = nic_mac(pl, (size_t)l->node_idx[1], (size_t)l->nic_idx[1]) != NULL;
}

static void plan_veths(struct planner *pl)
{
	const struct vl_topology *t = pl->t;
	for (size_t i = 0; i < t->nnodes; i++) {
		const struct vl_node *n = &t->nodes[i];
		for (size_t j = 0; j < n->nnics; j++)
			if (n->nics[j].sw_idx >= 0)
				plan_port_veth(pl, i, &n->nics[j]);
	}
	for (size_t i = 0; i < t->nlinks; i++) {
		if (t->links[i].port[0])
			plan_switch_cable(pl, &t->links[i]);
		else
			plan_link_veth(pl, &t->links[i]);
	}
}

static void plan_vlans(struct planner *pl)
{
	const struct vl_topology *t = pl->t;
	for (size_t i = 0; i < t->nnodes; i++) {
		const struct vl_node *n = &t->nodes[i];
		for (size_t j = 0; j < n->nsubs; j++) {
			const struct vl_subif *s = &n->subs[j];
			struct vl_op *op = emit(pl, VL_OP_VLAN, n->name, pl->node_ns[i],
						s->name);
			CPY(op->u.vlan.parent, s->parent);
			op->u.vlan.vid = s->vid;
			op->d.mtu = s->mtu;
			op->d.up = true;
			op->d.ll6 = sub_mac(pl, i, s) != NULL;
		}
	}
}

static int overlay_port(const struct vl_overlay *o)
{
	if (o->port)
		return o->port;
	if (o->type == VL_OVERLAY_NVGRE)
		return 0; /* GRE has no ports */
	return o->type == VL_OVERLAY_GENEVE ? 6081 : 4789;
}

static struct vl_op *tunnel_op(struct planner *pl, const struct vl_overlay *o,
			       size_t k, const char *dev)
{
	int si = o->sw_idx[k];
	enum vl_op_kind kind = o->type == VL_OVERLAY_GENEVE ? VL_OP_GENEVE :
			       o->type == VL_OVERLAY_NVGRE ? VL_OP_NVGRE : VL_OP_VXLAN;
	struct vl_op *op = emit(pl, kind, pl->sw_owner[si], pl->sw_ns[si], dev);
	CPY(op->d.master, pl->t->switches[si].name);
	op->d.mtu = o->mtu;
	op->d.up = true;
	op->d.noaddr = true;
	op->u.tunnel.vni = o->vni;
	op->u.tunnel.port = overlay_port(o);
	op->u.tunnel.ttl = o->ttl;
	op->u.tunnel.learning = o->learning;
	return op;
}

/* VXLAN: one device per switch; unicast peers come from FDB ops, multicast
 * uses the group on the underlay NIC. */
static void plan_vxlan(struct planner *pl, const struct vl_overlay *o)
{
	char dev[VL_DEVNAME_MAX];
	vl_vtep_name(dev, false, o->vni, 0);
	for (size_t k = 0; k < o->nswitches; k++) {
		struct vl_op *op = tunnel_op(pl, o, k, dev);
		op->u.tunnel.local = o->local[k];
		if (o->group.family) {
			const struct vl_node *h = &pl->t->nodes[o->host_idx[k]];
			op->u.tunnel.remote = o->group;
			op->u.tunnel.multicast = true;
			CPY(op->u.tunnel.underlay, h->nics[o->underlay_nic[k]].name);
		}
	}
}

/* Geneve (and NVGRE, gretap) has no FDB: one device per remote VTEP. When a bridge holds
 * several tunnel ports they are isolated from each other (split horizon),
 * or a frame flooded in from one remote would be sent on to the others. */
static void plan_geneve(struct planner *pl, const struct vl_overlay *o)
{
	int nremote = (int)o->nswitches - 1;
	for (size_t k = 0; k < o->nswitches; k++) {
		int idx = 0;
		for (size_t r = 0; r < o->nswitches; r++) {
			if (r == k)
				continue;
			char dev[VL_DEVNAME_MAX];
			if (o->type == VL_OVERLAY_NVGRE)
				vl_nvgre_name(dev, o->vni, nremote > 1 ? ++idx : 0);
			else
				vl_vtep_name(dev, true, o->vni, nremote > 1 ? ++idx : 0);
			struct vl_op *op = tunnel_op(pl, o, k, dev);
			op->u.tunnel.remote = o->local[r];
			if (o->type == VL_OVERLAY_NVGRE)
				op->u.tunnel.local = o->local[k];
			op->d.isolated = pl->sw_tunnels[o->sw_idx[k]] > 1;
		}
	}
}

static void plan_tunnels(struct planner *pl)
{
	const struct vl_topology *t = pl->t;
	for (size_t i = 0; i < t->noverlays; i++) {
		if (t->overlays[i].type != VL_OVERLAY_VXLAN)
			plan_geneve(pl, &t->overlays[i]);
		else
			plan_vxlan(pl, &t->overlays[i]);
	}
}

/* Head-end replication: every VXLAN VTEP floods to every other one. */
static void plan_fdb(struct planner *pl)
{
	const struct vl_topology *t = pl->t;
	for (size_t i = 0; i < t->noverlays; i++) {
		const struct vl_overlay *o = &t->overlays[i];
		if (o->type != VL_OVERLAY_VXLAN || o->group.family)
			continue;
		char dev[VL_DEVNAME_MAX];
		vl_vtep_name(dev, false, o->vni, 0);
		for (size_t k = 0; k < o->nswitches; k++) {
			int si = o->sw_idx[k];
			for (size_t r = 0; r < o->nswitches; r++) {
				if (r == k)
					continue;
				struct vl_op *op = emit(pl, VL_OP_FDB, pl->sw_owner[si],
							pl->sw_ns[si], dev);
				op->u.fdb.dst = o->local[r];
			}
		}
	}
}

/* ---- phase: VLAN membership ------------------------------------------- */

static void brport(struct planner *pl, int si, const char *dev, int vid,
		   bool untagged_pvid)
{
	struct vl_op *op = emit(pl, VL_OP_BRPORT, pl->sw_owner[si], pl->sw_ns[si], dev);
	op->u.brport.vid = vid;
	op->u.brport.pvid = untagged_pvid;
	op->u.brport.untagged = untagged_pvid;
}

static int switch_pvid(const struct vl_switch *s)
{
	return s->pvid ? s->pvid : 1;
}

static void port_brports(struct planner *pl, int si, const char *port,
			 const struct vl_nic *nic)
{
	if (nic->access_vlan) {
		brport(pl, si, port, nic->access_vlan, true);
	} else if (nic->ntrunk) {
		for (size_t k = 0; k < nic->ntrunk; k++)
			brport(pl, si, port, nic->trunk[k], false);
		if (nic->native_vlan)
			brport(pl, si, port, nic->native_vlan, true);
	} else {
		brport(pl, si, port, switch_pvid(&pl->t->switches[si]), true);
	}
}

static void nic_brports(struct planner *pl, const struct vl_node *n,
			const struct vl_nic *nic)
{
	char port[VL_DEVNAME_MAX];
	vl_port_name(port, n->name, nic->name);
	port_brports(pl, nic->sw_idx, port, nic);
}

/* Ports of cables between switches; a vSwitch's uplink: a trunk of the
 * VLANs it uses, its PVID untagged. */
static void l2_brports(struct planner *pl)
{
	const struct vl_topology *t = pl->t;
	for (size_t i = 0; i < t->nlinks; i++)
		for (int e = 0; e < 2; e++) {
			const struct vl_link *l = &t->links[i];
			if (l->port[e] && t->switches[l->sw_idx[e]].vlan_filtering > 0)
				port_brports(pl, l->sw_idx[e], l->port[e]->name, l->port[e]);
		}
	for (size_t i = 0; i < t->nswitches; i++) {
		const struct vl_switch *s = &t->switches[i];
		if (!s->uplink || s->vlan_filtering <= 0 || (s->uplink_nic < 0 && s->uplink_bond < 0))
			continue;
		for (size_t k = 0; k < s->nuplink_vlans; k++)
			brport(pl, (int)i, s->uplink, s->uplink_vlans[k], false);
		if (s->uplink_untagged)
			brport(pl, (int)i, s->uplink, s->uplink_untagged, true);
	}
}

static void overlay_brports(struct planner *pl, const struct vl_overlay *o)
{
	const struct vl_topology *t = pl->t;
	int nremote = (int)o->nswitches - 1;
	for (size_t k = 0; k < o->nswitches; k++) {
		int si = o->sw_idx[k];
		const struct vl_switch *s = &t->switches[si];
		if (s->vlan_filtering <= 0)
			continue;
		int vid = o->vlan ? o->vlan : switch_pvid(s);
		char dev[VL_DEVNAME_MAX];
		if (o->type == VL_OVERLAY_VXLAN) {
			vl_vtep_name(dev, false, o->vni, 0);
			brport(pl, si, dev, vid, true);
			continue;
		}
		for (int r = 1; r <= nremote; r++) {
			vl_vtep_name(dev, true, o->vni, nremote > 1 ? r : 0);
			brport(pl, si, dev, vid, true);
		}
	}
}

static void plan_brports(struct planner *pl)
{
	const struct vl_topology *t = pl->t;
	for (size_t i = 0; i < t->nnodes; i++) {
		const struct vl_node *n = &t->nodes[i];
		for (size_t j = 0; j < n->nnics; j++) {
			const struct vl_nic *nic = &n->nics[j];
			if (nic->sw_idx >= 0 && t->switches[nic->sw_idx].vlan_filtering > 0)
				nic_brports(pl, n, nic);
		}
	}
	for (size_t i = 0; i < t->noverlays; i++)
		overlay_brports(pl, &t->overlays[i]);
	l2_brports(pl);
}

/* ---- phase: addresses and routes -------------------------------------- */

static void addrs(struct planner *pl, size_t ni, const char *dev, const uint8_t *ll_mac,
		  const struct vl_addr *a, size_t na)
{
	const struct vl_node *n = &pl->t->nodes[ni];
	if (ll_mac) {
		struct vl_op *op = emit(pl, VL_OP_ADDR, n->name, pl->node_ns[ni], dev);
		op->u.addr.addr = vl_ll6_eui64(ll_mac);
		op->u.addr.nodad = true;
		op->u.addr.ll = true;
	}
	for (size_t k = 0; k < na; k++) {
		struct vl_op *op = emit(pl, VL_OP_ADDR, n->name, pl->node_ns[ni], dev);
		op->u.addr.addr = a[k].p;
		op->u.addr.nodad = a[k].p.family == AF_INET6 && !pl->t->lab.dad;
	}
}

static void plan_addrs(struct planner *pl)
{
	const struct vl_topology *t = pl->t;
	for (size_t i = 0; i < t->nnodes; i++) {
		const struct vl_node *n = &t->nodes[i];
		for (size_t j = 0; j < n->nnics; j++)
			addrs(pl, i, n->nics[j].name, nic_mac(pl, i, j), n->nics[j].addrs,
			      n->nics[j].naddrs);
		for (size_t j = 0; j < n->nbonds; j++)
			addrs(pl, i, n->bonds[j].name, bond_mac(pl, i, j), NULL, 0);
		for (size_t j = 0; j < n->nsubs; j++)
			addrs(pl, i, n->subs[j].name, sub_mac(pl, i, &n->subs[j]),
			      n->subs[j].addrs, n->subs[j].naddrs);
	}
}

static void plan_routes(struct planner *pl)
{
	const struct vl_topology *t = pl->t;
	for (size_t i = 0; i < t->nnodes; i++) {
		const struct vl_node *n = &t->nodes[i];
		for (size_t j = 0; j < n->nroutes; j++) {
			const struct vl_route *r = &n->routes[j];
			struct vl_op *op = emit(pl, VL_OP_ROUTE, n->name, pl->node_ns[i],
						r->dev ? r->dev : "");
			op->u.route.dst = r->dst;
			op->u.route.via = r->via;
			op->u.route.has_dev = r->dev != NULL;
		}
	}
}

/* ---- phase: shaping, mirrors, NAT, hosts ------------------------------ */

static void qdisc(struct planner *pl, const char *node, const char *ns,
		  const char *dev, int mtu, const struct vl_shape *s)
{
	struct vl_op *op = emit(pl, VL_OP_QDISC, node, ns, dev);
	struct vl_shape *sh = &op->u.qdisc.shape;
	*sh = *s;
	op->d.mtu = mtu;
	vl_shape_derive(sh, mtu);
}

void vl_shape_derive(struct vl_shape *sh, int mtu)
{
	if (sh->rate_bps) {
		sh->burst_bytes = vl_tbf_burst(sh->rate_bps, mtu, sh->burst_bytes);
		sh->limit_bytes = vl_tbf_limit(sh->rate_bps, sh->burst_bytes, sh->limit_bytes);
	}
}

/* `out` shapes the node side's egress; `in` (traffic towards the node) is
 * the egress of the bridge-side port, or of the far end of a link. */
static void plan_qdiscs(struct planner *pl)
{
	const struct vl_topology *t = pl->t;
	for (size_t i = 0; i < t->nnodes; i++) {
		const struct vl_node *n = &t->nodes[i];
		for (size_t j = 0; j < n->nnics; j++) {
			const struct vl_nic *nic = &n->nics[j];
			if (nic->sw_idx < 0)
				continue;
			if (nic->out.set)
				qdisc(pl, n->name, pl->node_ns[i], nic->name, nic_mtu(t, nic), &nic->out);
			if (nic->in.set) {
				char port[VL_DEVNAME_MAX];
				int si = nic->sw_idx;
				vl_port_name(port, n->name, nic->name);
				qdisc(pl, pl->sw_owner[si], pl->sw_ns[si], port, nic_mtu(t, nic),
				      &nic->in);
			}
		}
	}
	for (size_t i = 0; i < t->nlinks; i++) {
		const struct vl_link *l = &t->links[i];
		for (int e = 0; e < 2 && !l->port[0]; e++) {
			const struct vl_node *n = &t->nodes[l->node_idx[e]];
			const struct vl_nic *nic = &n->nics[l->nic_idx[e]];
			const struct vl_node *fn = &t->nodes[l->node_idx[!e]];
			const struct vl_nic *far = &fn->nics[l->nic_idx[!e]];
			/* validation allows only one of the two per direction */
			const struct vl_shape *s = nic->out.set ? &nic->out :
						   far->in.set ? &far->in : NULL;
			if (s)
				qdisc(pl, n->name, pl->node_ns[l->node_idx[e]], nic->name,
				      nic_mtu(t, nic), s);
		}
	}
}

static void plan_mirrors(struct planner *pl)
{
	const struct vl_topology *t = pl->t;
	for (size_t i = 0; i < t->nmirrors; i++) {
		const struct vl_mirror *m = &t->mirrors[i];
		const struct vl_node *sn = &t->nodes[m->src_node_idx];
		const struct vl_node *dn = &t->nodes[m->dst_node_idx];
		const struct vl_nic *snic = &sn->nics[m->src_nic_idx];
		const struct vl_nic *dnic = &dn->nics[m->dst_nic_idx];
		int si = snic->sw_idx;
		char port[VL_DEVNAME_MAX];

		vl_port_name(port, sn->name, snic->name);
		struct vl_op *op = emit(pl, VL_OP_MIRROR, pl->sw_owner[si], pl->sw_ns[si],
					port);
		vl_port_name(op->u.mirror.to, dn->name, dnic->name);
		op->u.mirror.ingress = m->ingress;
		op->u.mirror.egress = m->egress;
	}
}

static void plan_nat(struct planner *pl)
{
	const struct vl_topology *t = pl->t;
	for (size_t i = 0; i < t->nnodes; i++) {
		const struct vl_node *n = &t->nodes[i];
		if (n->kind == VL_NODE_ROUTER && n->nat)
			emit(pl, VL_OP_NAT, n->name, pl->node_ns[i], n->nat);
	}
}

static void hosts_line(struct vl_buf *b, const char *node, const char *ifname,
		       const struct vl_addr *a, size_t na)
{
	if (!na)
		return;
	char addr[64];
	vl_prefix_format(&a[0].p, addr, sizeof(addr), false);
	vl_buf_printf(b, "%s\t%s %s-%s\n", addr, node, node, ifname);
}

/* The shared hosts file replaces /etc/hosts inside every node (ip netns
 * exec bind-mounts it), so it must keep localhost working too. */
static void plan_hosts(struct planner *pl)
{
	const struct vl_topology *t = pl->t;
	struct vl_buf *b = &pl->p->hosts;
	char path[256];

	vl_buf_printf(b, "# vlab lab %s: generated, removed by vlab down\n"
			 "127.0.0.1\tlocalhost\n"
			 "::1\tlocalhost ip6-localhost ip6-loopback\n", t->lab.name);
	for (size_t i = 0; i < t->nnodes; i++) {
		const struct vl_node *n = &t->nodes[i];
		for (size_t j = 0; j < n->nnics; j++)
			hosts_line(b, n->name, n->nics[j].name, n->nics[j].addrs,
				   n->nics[j].naddrs);
		for (size_t j = 0; j < n->nsubs; j++)
			hosts_line(b, n->name, n->subs[j].name, n->subs[j].addrs,
				   n->subs[j].naddrs);
	}
	snprintf(path, sizeof(path), VL_RUN_DIR "/%s/hosts", t->lab.name);
	for (size_t i = 0; i < t->nnodes; i++) {
		struct vl_op *op = emit(pl, VL_OP_HOSTS, t->nodes[i].name,
					pl->node_ns[i], "");
		CPY(op->u.hosts.path, path);
	}
}

/* ---- driver ----------------------------------------------------------- */

static void planner_init(struct planner *pl, const struct vl_topology *t,
			 struct vl_plan *p)
{
	pl->t = t;
	pl->p = p;
	pl->node_ns = xcalloc(t->nnodes, sizeof(*pl->node_ns));
	pl->sw_ns = xcalloc(t->nswitches, sizeof(*pl->sw_ns));
	pl->sw_owner = xcalloc(t->nswitches, sizeof(*pl->sw_owner));
	pl->sw_tunnels = xcalloc(t->nswitches, sizeof(*pl->sw_tunnels));

	for (size_t i = 0; i < t->nnodes; i++)
		vl_netns_name(pl->node_ns[i], t->lab.name, t->nodes[i].name);
	for (size_t i = 0; i < t->nswitches; i++) {
		const struct vl_switch *s = &t->switches[i];
		if (s->host_idx >= 0) {
			memcpy(pl->sw_ns[i], pl->node_ns[s->host_idx], VL_NSNAME_MAX);
			pl->sw_owner[i] = t->nodes[s->host_idx].name;
		} else {
			vl_netns_name(pl->sw_ns[i], t->lab.name, s->name);
			pl->sw_owner[i] = s->name;
		}
	}
	for (size_t i = 0; i < t->noverlays; i++) {
		const struct vl_overlay *o = &t->overlays[i];
		int per = o->type != VL_OVERLAY_VXLAN ? (int)o->nswitches - 1 : 1;
		for (size_t k = 0; k < o->nswitches; k++)
			pl->sw_tunnels[o->sw_idx[k]] += per;
	}
	pl->master = xcalloc(t->nnodes ? t->nnodes : 1, sizeof(*pl->master));
	for (size_t i = 0; i < t->nswitches; i++) {
		const struct vl_switch *s = &t->switches[i];
		if (!s->uplink || s->host_idx < 0 || (s->uplink_nic < 0 && s->uplink_bond < 0))
			continue;
		const struct vl_node *h = &t->nodes[s->host_idx];
		const char ***m = &pl->master[s->host_idx];
		if (!*m)
			*m = xcalloc(h->nnics ? h->nnics : 1, sizeof(**m));
		if (s->uplink_nic >= 0) {
			(*m)[s->uplink_nic] = s->name;
			continue;
		}
		const struct vl_bond *b = &h->bonds[s->uplink_bond];
		for (size_t k = 0; k < b->nmembers; k++)
			if (b->member_nic[k] >= 0)
				(*m)[b->member_nic[k]] = b->name;
	}
}

static void planner_free(struct planner *pl)
{
	free(pl->node_ns);
	free(pl->sw_ns);
	free(pl->sw_owner);
	free(pl->sw_tunnels);
	for (size_t i = 0; i < pl->t->nnodes; i++)
		free(pl->master[i]);
	free(pl->master);
}

int vl_plan_build(const struct vl_topology *t, struct vl_plan *p, struct vl_diags *d)
{
	struct planner pl;

	memset(p, 0, sizeof(*p));
	if (!t->lab.name || !*t->lab.name) {
		struct vl_loc loc = {t->file, 0, NULL};
		vl_err(d, &loc, NULL, "no lab name: cannot plan an unvalidated topology");
		return -1;
	}
	CPY(p->lab, t->lab.name);
	planner_init(&pl, t, p);

	/* The order of these calls is the order plan.md guarantees. */
	plan_netns(&pl);
	plan_sysctls(&pl);
	plan_bridges(&pl);
	plan_bonds(&pl);
	plan_veths(&pl);
	plan_vlans(&pl);
	plan_tunnels(&pl);
	plan_fdb(&pl);
	plan_brports(&pl);
	plan_addrs(&pl);
	/* No UP ops: every device is created up (DAD is off or addresses
	 * are nodad, so nothing needs addresses before the link is up). */
	plan_routes(&pl);
	plan_qdiscs(&pl);
	plan_mirrors(&pl);
	plan_nat(&pl);
	vl_secure_plan(t, p, (const char (*)[VL_NSNAME_MAX])pl.sw_ns, pl.sw_owner);
	vl_external_plan(t, p);
	plan_hosts(&pl);
	vl_startup_plan(t, p); /* run after all of the above (src/startup.c) */

	planner_free(&pl);
	return 0;
}

void vl_plan_free(struct vl_plan *p)
{
	free(p->ops);
	vl_strv_free(&p->netns);
	vl_buf_free(&p->hosts);
	vl_startup_free(p);
	memset(p, 0, sizeof(*p));
}
