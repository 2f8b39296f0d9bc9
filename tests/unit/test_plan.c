/* Planner: model -> ordered kernel operations. Models are built in C here
 * (as vl_validate would leave them), so these tests pin the planner alone;
 * tests/golden/ covers parse + validate + plan together. */
#include "unit.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <time.h>

#include "vlab/graph.h"
#include "vlab/parse.h"
#include "vlab/plan.h"
#include "vlab/validate.h"

/* ---- a tiny model builder, filling what validation would ------------- */

static struct vl_topology *topo_new(const char *lab)
{
	struct vl_topology *t = xcalloc(1, sizeof(*t));
	t->file = xstrdup("test.ini");
	t->lab.name = xstrdup(lab);
	t->lab.mtu = 1500;
	t->lab.ipv6 = true;
	t->lab.dad = false;
	return t;
}

static void topo_free(struct vl_topology *t)
{
	vl_topology_free(t);
	free(t);
}

static struct vl_prefix pfx(const char *s)
{
	struct vl_prefix p = {0};
	char buf[64];
	snprintf(buf, sizeof(buf), "%s", s);
	char *slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	p.family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(p.family, buf, p.addr), 1);
	p.len = slash ? atoi(slash + 1) : (p.family == AF_INET ? 32 : 128);
	return p;
}

static int add_node(struct vl_topology *t, enum vl_node_kind kind, const char *name,
		    int host)
{
	struct vl_node *n = VL_PUSH(t->nodes, t->nnodes, t->nodes_cap);
	n->kind = kind;
	n->name = xstrdup(name);
	n->host_idx = host;
	if (host >= 0)
		n->host = xstrdup(t->nodes[host].name);
	n->forward = kind == VL_NODE_ROUTER;
	return (int)t->nnodes - 1;
}

static int add_switch(struct vl_topology *t, const char *name, int host, bool filtering)
{
	struct vl_switch *s = VL_PUSH(t->switches, t->nswitches, t->switches_cap);
	s->name = xstrdup(name);
	s->host_idx = host;
	if (host >= 0)
		s->host = xstrdup(t->nodes[host].name);
	s->vlan_filtering = filtering;
	s->pvid = 1;
	return (int)t->nswitches - 1;
}

static struct vl_nic *add_nic(struct vl_topology *t, int node, const char *name, int sw,
			      const char *addr)
{
	struct vl_node *n = &t->nodes[node];
	struct vl_nic *c = VL_PUSH(n->nics, n->nnics, n->nics_cap);
	c->name = xstrdup(name);
	c->sw_idx = sw;
	c->link_idx = -1;
	if (sw >= 0)
		c->sw = xstrdup(t->switches[sw].name);
	vl_derive_mac(c->mac, t->lab.name, n->name, name);
	c->mac_set = true;
	c->mtu = 1500;
	if (addr) {
		struct vl_addr *a = VL_PUSH(c->addrs, c->naddrs, c->addrs_cap);
		a->p = pfx(addr);
	}
	return c;
}

static void add_addr(struct vl_nic *c, const char *addr)
{
	struct vl_addr *a = VL_PUSH(c->addrs, c->naddrs, c->addrs_cap);
	a->p = pfx(addr);
}

static void add_link(struct vl_topology *t, int a, const char *na, int b, const char *nb)
{
	struct vl_link *l = VL_PUSH(t->links, t->nlinks, t->links_cap);
	l->name = xasprintf("l%zu", t->nlinks);
	int nodes[2] = {a, b};
	const char *nics[2] = {na, nb};
	for (int e = 0; e < 2; e++) {
		l->node[e] = xstrdup(t->nodes[nodes[e]].name);
		l->nic[e] = xstrdup(nics[e]);
		l->node_idx[e] = nodes[e];
		l->nic_idx[e] = vl_find_nic(&t->nodes[nodes[e]], nics[e]);
		assert_true(l->nic_idx[e] >= 0);
		t->nodes[nodes[e]].nics[l->nic_idx[e]].link_idx = (int)t->nlinks - 1;
	}
}

/* Each switch's host uses its NIC 0 as the underlay. */
static struct vl_overlay *add_overlay(struct vl_topology *t, enum vl_overlay_type type,
				      uint32_t vni, const int *sws, size_t n)
{
	struct vl_overlay *o = VL_PUSH(t->overlays, t->noverlays, t->overlays_cap);
	o->name = xasprintf("ov%u", vni);
	o->type = type;
	o->vni = vni;
	o->learning = true;
	o->nswitches = n;
	o->switches = xcalloc(n, sizeof(char *));
	o->sw_idx = xcalloc(n, sizeof(int));
	o->host_idx = xcalloc(n, sizeof(int));
	o->underlay_nic = xcalloc(n, sizeof(int));
	o->local = xcalloc(n, sizeof(struct vl_prefix));
	o->mtu = 1450;
	for (size_t i = 0; i < n; i++) {
		const struct vl_switch *s = &t->switches[sws[i]];
		o->switches[i] = xstrdup(s->name);
		o->sw_idx[i] = sws[i];
		o->host_idx[i] = s->host_idx;
		o->local[i] = t->nodes[s->host_idx].nics[0].addrs[0].p;
		o->local[i].len = o->local[i].family == AF_INET ? 32 : 128;
	}
	return o;
}

static void add_route(struct vl_topology *t, int node, const char *dst, const char *via,
		      const char *dev)
{
	struct vl_node *n = &t->nodes[node];
	struct vl_route *r = VL_PUSH(n->routes, n->nroutes, n->routes_cap);
	if (strcmp(dst, "default"))
		r->dst = pfx(dst);
	else
		r->dst.family = strchr(via, ':') ? AF_INET6 : AF_INET;
	if (via)
		r->via = pfx(via);
	r->dev = dev ? xstrdup(dev) : NULL;
}

static void build(const struct vl_topology *t, struct vl_plan *p)
{
	struct vl_diags d = {0};
	assert_int_equal(vl_plan_build(t, p, &d), 0);
	assert_int_equal(d.errors, 0);
	vl_diags_free(&d);
}

static size_t count(const struct vl_plan *p, enum vl_op_kind k)
{
	size_t n = 0;
	for (size_t i = 0; i < p->nops; i++)
		n += p->ops[i].kind == k;
	return n;
}

/* The i-th op (0-based) of kind k, or NULL. */
static const struct vl_op *nth(const struct vl_plan *p, enum vl_op_kind k, size_t i)
{
	for (size_t j = 0; j < p->nops; j++)
		if (p->ops[j].kind == k && i-- == 0)
			return &p->ops[j];
	return NULL;
}

static const struct vl_op *find(const struct vl_plan *p, enum vl_op_kind k,
				const char *ns, const char *dev)
{
	for (size_t j = 0; j < p->nops; j++)
		if (p->ops[j].kind == k && (!ns || !strcmp(p->ops[j].ns, ns)) &&
		    (!dev || !strcmp(p->ops[j].dev, dev)))
			return &p->ops[j];
	return NULL;
}

static char *describe(const struct vl_op *op)
{
	struct vl_buf b = {0};
	vl_op_describe(op, &b);
	return b.s;
}

/* A lab with a bit of everything:
 * hv1, hv2 hosts on physical switch "core"; vSwitch vs1 on hv1 (filtering),
 * vs2 on hv2; web1 (access vlan 10, out shaping), db1 (trunk 10,20 native 5,
 * sub eth0.20), mon (monitor), r1 router with nat on a standalone switch,
 * link r1:p2p <-> ext:p2p; vxlan overlay vs1+vs2; mirror web1 -> mon. */
static struct vl_topology *rich(void)
{
	struct vl_topology *t = topo_new("dc");
	int hv1 = add_node(t, VL_NODE_HOST, "hv1", -1);
	int hv2 = add_node(t, VL_NODE_HOST, "hv2", -1);
	int core = add_switch(t, "core", -1, false);
	int vs1 = add_switch(t, "vs1", hv1, true);
	int vs2 = add_switch(t, "vs2", hv2, false);
	add_nic(t, hv1, "eth0", core, "192.168.0.1/24");
	add_nic(t, hv2, "eth0", core, "192.168.0.2/24");

	int web1 = add_node(t, VL_NODE_VM, "web1", hv1);
	struct vl_nic *c = add_nic(t, web1, "eth0", vs1, "10.0.10.2/24");
	c->access_vlan = 10;
	c->out.set = true;
	c->out.rate_bps = 100000000;
	c->out.delay_us = 5000;
	c->in.set = true;
	c->in.loss_pct = 1;
	add_route(t, web1, "default", "10.0.10.1", NULL);

	int db1 = add_node(t, VL_NODE_VM, "db1", hv1);
	c = add_nic(t, db1, "eth0", vs1, NULL);
	c->trunk = xcalloc(2, sizeof(uint16_t));
	c->trunk[0] = 10;
	c->trunk[1] = 20;
	c->ntrunk = 2;
	c->native_vlan = 5;
	struct vl_node *n = &t->nodes[db1];
	struct vl_subif *s = VL_PUSH(n->subs, n->nsubs, n->subs_cap);
	s->name = xstrdup("eth0.20");
	s->parent = xstrdup("eth0");
	s->vid = 20;
	s->mtu = 1500;
	struct vl_addr *a = VL_PUSH(s->addrs, s->naddrs, s->addrs_cap);
	a->p = pfx("10.0.20.2/24");

	int mon = add_node(t, VL_NODE_VM, "mon", hv1);
	add_nic(t, mon, "eth0", vs1, NULL);

	int app = add_node(t, VL_NODE_VM, "app2", hv2);
	add_nic(t, app, "eth0", vs2, "10.0.10.3/24");
	add_addr(&t->nodes[app].nics[0], "fd00::3/64");

	int wan = add_switch(t, "wan", -1, false);
	int r1 = add_node(t, VL_NODE_ROUTER, "r1", -1);
	add_nic(t, r1, "up", wan, "172.16.0.1/24");
	add_nic(t, r1, "p2p", -1, "10.9.9.1/30");
	t->nodes[r1].nat = xstrdup("up");
	int ext = add_node(t, VL_NODE_VM, "ext", -1);
	c = add_nic(t, ext, "p2p", -1, "10.9.9.2/30");
	c->in.set = true;
	c->in.delay_us = 20000; /* shapes r1:p2p egress */
	add_link(t, r1, "p2p", ext, "p2p");

	int sws[2] = {vs1, vs2};
	add_overlay(t, VL_OVERLAY_VXLAN, 5010, sws, 2)->vlan = 10;

	struct vl_mirror *m = VL_PUSH(t->mirrors, t->nmirrors, t->mirrors_cap);
	m->name = xstrdup("m1");
	m->src_node = xstrdup("web1");
	m->src_nic = xstrdup("eth0");
	m->dst_node = xstrdup("mon");
	m->dst_nic = xstrdup("eth0");
	m->src_node_idx = web1;
	m->dst_node_idx = mon;
	m->ingress = m->egress = true;
	return t;
}

/* ---- tests ------------------------------------------------------------ */

static int phase_rank(enum vl_op_kind k)
{
	static const enum vl_op_kind order[] = {
		VL_OP_NETNS, VL_OP_SYSCTL, VL_OP_BRIDGE, VL_OP_VETH, VL_OP_VLAN,
		VL_OP_VXLAN, VL_OP_FDB, VL_OP_BRPORT, VL_OP_ADDR, VL_OP_UP,
		VL_OP_ROUTE, VL_OP_QDISC, VL_OP_MIRROR, VL_OP_NAT, VL_OP_HOSTS,
	};
	if (k == VL_OP_GENEVE)
		k = VL_OP_VXLAN;
	for (size_t i = 0; i < VL_ARRAY_SIZE(order); i++)
		if (order[i] == k)
			return (int)i;
	fail_msg("op kind %d has no phase", k);
	return -1;
}

static void test_order(void **state)
{
	(void)state;
	struct vl_topology *t = rich();
	struct vl_plan p;
	build(t, &p);

	for (size_t i = 1; i < p.nops; i++)
		if (phase_rank(p.ops[i].kind) < phase_rank(p.ops[i - 1].kind))
			fail_msg("op %zu (%s) after %s", i, vl_op_kind_name(p.ops[i].kind),
				 vl_op_kind_name(p.ops[i - 1].kind));

	/* every node and every standalone switch, netns list == NETNS ops */
	assert_int_equal(count(&p, VL_OP_NETNS), t->nnodes + 2);
	assert_int_equal(p.netns.n, count(&p, VL_OP_NETNS));
	for (size_t i = 0; i < p.netns.n; i++)
		assert_string_equal(p.netns.v[i], nth(&p, VL_OP_NETNS, i)->ns);
	assert_string_equal(p.netns.v[0], "vlab-dc-hv1");
	assert_non_null(find(&p, VL_OP_NETNS, "vlab-dc-core", NULL));
	assert_string_equal(p.lab, "dc");

	/* every op names a namespace of the plan */
	for (size_t i = 0; i < p.nops; i++) {
		bool ok = false;
		for (size_t j = 0; j < p.netns.n && !ok; j++)
			ok = !strcmp(p.ops[i].ns, p.netns.v[j]);
		if (!ok)
			fail_msg("op %zu in unknown ns \"%s\"", i, p.ops[i].ns);
	}
	assert_int_equal(count(&p, VL_OP_BRIDGE), t->nswitches);
	/* 7 switch NICs + 1 link */
	assert_int_equal(count(&p, VL_OP_VETH), 8);
	assert_int_equal(count(&p, VL_OP_HOSTS), t->nnodes);
	vl_plan_free(&p);
	topo_free(t);
}

static void test_veth_ports(void **state)
{
	(void)state;
	struct vl_topology *t = topo_new("dc");
	int hv = add_node(t, VL_NODE_HOST, "hv1", -1);
	int vs = add_switch(t, "vs1", hv, false);
	int vm = add_node(t, VL_NODE_VM, "web1", hv);
	add_nic(t, vm, "eth0", vs, NULL);
	int lv = add_node(t, VL_NODE_VM, "averyveryverylongname", hv);
	struct vl_nic *c = add_nic(t, lv, "eth1", vs, NULL);
	c->mtu = 9000;
	struct vl_plan p;
	build(t, &p);

	const struct vl_op *op = find(&p, VL_OP_VETH, "vlab-dc-hv1", "web1-eth0");
	assert_non_null(op);
	assert_string_equal(op->node, "hv1");
	assert_string_equal(op->d.master, "vs1");
	assert_string_equal(op->d.altname, ""); /* name itself is the full name */
	assert_true(op->d.up);
	assert_false(op->d.has_mac); /* the bridge side keeps a kernel MAC */
	assert_string_equal(op->u.veth.peer_ns, "vlab-dc-web1");
	assert_string_equal(op->u.veth.peer_dev, "eth0");
	assert_true(op->u.veth.peer.has_mac);
	assert_memory_equal(op->u.veth.peer.mac, t->nodes[vm].nics[0].mac, 6);
	assert_true(op->u.veth.peer.up);
	assert_string_equal(op->u.veth.peer.master, "");

	char port[VL_DEVNAME_MAX];
	vl_port_name(port, "averyveryverylongname", "eth1");
	assert_int_equal(port[0], 'p');
	assert_int_equal(strlen(port), 9);
	op = find(&p, VL_OP_VETH, NULL, port);
	assert_non_null(op);
	assert_string_equal(op->d.altname, "averyveryverylongname-eth1");
	assert_int_equal(op->d.mtu, 9000);
	assert_int_equal(op->u.veth.peer.mtu, 9000);

	const struct vl_op *br = nth(&p, VL_OP_BRIDGE, 0);
	assert_string_equal(br->dev, "vs1");
	assert_string_equal(br->ns, "vlab-dc-hv1");
	assert_int_equal(br->u.bridge.vlan_filtering, 0);
	assert_int_equal(br->u.bridge.default_pvid, 1);
	assert_int_equal(br->d.mtu, 1500);
	assert_int_equal(count(&p, VL_OP_BRPORT), 0);
	vl_plan_free(&p);
	topo_free(t);
}

static void expect_brport(const struct vl_plan *p, const char *dev, int vid, bool pu)
{
	for (size_t i = 0; i < p->nops; i++) {
		const struct vl_op *op = &p->ops[i];
		if (op->kind == VL_OP_BRPORT && !strcmp(op->dev, dev) &&
		    op->u.brport.vid == vid) {
			assert_int_equal(op->u.brport.pvid, pu);
			assert_int_equal(op->u.brport.untagged, pu);
			assert_false(op->u.brport.self);
			assert_false(op->u.brport.del);
			return;
		}
	}
	fail_msg("no brport %s vid %d", dev, vid);
}

static void test_vlans(void **state)
{
	(void)state;
	struct vl_topology *t = rich();
	struct vl_plan p;
	build(t, &p);

	const struct vl_op *br = find(&p, VL_OP_BRIDGE, NULL, "vs1");
	assert_int_equal(br->u.bridge.vlan_filtering, 1);
	assert_int_equal(br->u.bridge.default_pvid, 0);

	expect_brport(&p, "web1-eth0", 10, true);  /* access */
	expect_brport(&p, "db1-eth0", 10, false);  /* trunk */
	expect_brport(&p, "db1-eth0", 20, false);
	expect_brport(&p, "db1-eth0", 5, true);    /* native */
	expect_brport(&p, "mon-eth0", 1, true);    /* plain port: switch pvid */
	expect_brport(&p, "vx5010", 10, true);     /* overlay vlan on vs1 */
	/* vs2 is not filtering: nothing there */
	for (size_t i = 0; i < p.nops; i++)
		if (p.ops[i].kind == VL_OP_BRPORT)
			assert_string_equal(p.ops[i].ns, "vlab-dc-hv1");
	assert_int_equal(count(&p, VL_OP_BRPORT), 6);

	const struct vl_op *v = nth(&p, VL_OP_VLAN, 0);
	assert_string_equal(v->dev, "eth0.20");
	assert_string_equal(v->ns, "vlab-dc-db1");
	assert_string_equal(v->u.vlan.parent, "eth0");
	assert_int_equal(v->u.vlan.vid, 20);
	assert_non_null(find(&p, VL_OP_ADDR, "vlab-dc-db1", "eth0.20"));
	vl_plan_free(&p);
	topo_free(t);
}

static struct vl_topology *three_hosts(enum vl_overlay_type type, struct vl_overlay **o)
{
	struct vl_topology *t = topo_new("ov");
	int core = add_switch(t, "core", -1, false);
	int sws[3];
	for (int i = 0; i < 3; i++) {
		char name[16], addr[32], vs[16];
		snprintf(name, sizeof(name), "hv%d", i + 1);
		snprintf(addr, sizeof(addr), "192.168.0.%d/24", i + 1);
		snprintf(vs, sizeof(vs), "vs%d", i + 1);
		int h = add_node(t, VL_NODE_HOST, name, -1);
		add_nic(t, h, "eth0", core, addr);
		sws[i] = add_switch(t, vs, h, false);
	}
	*o = add_overlay(t, type, 42, sws, 3);
	return t;
}

static void test_vxlan_unicast(void **state)
{
	(void)state;
	struct vl_overlay *o;
	struct vl_topology *t = three_hosts(VL_OVERLAY_VXLAN, &o);
	o->ttl = 16;
	struct vl_plan p;
	build(t, &p);

	assert_int_equal(count(&p, VL_OP_VXLAN), 3);
	assert_int_equal(count(&p, VL_OP_GENEVE), 0);
	assert_int_equal(count(&p, VL_OP_FDB), 6);
	const struct vl_op *vx = find(&p, VL_OP_VXLAN, "vlab-ov-hv2", "vx42");
	assert_non_null(vx);
	assert_string_equal(vx->node, "hv2");
	assert_string_equal(vx->d.master, "vs2");
	assert_int_equal(vx->d.mtu, 1450);
	assert_int_equal(vx->u.tunnel.vni, 42);
	assert_int_equal(vx->u.tunnel.port, 4789);
	assert_int_equal(vx->u.tunnel.ttl, 16);
	assert_false(vx->u.tunnel.multicast);
	assert_int_equal(vx->u.tunnel.remote.family, 0);
	char a[64];
	vl_prefix_format(&vx->u.tunnel.local, a, sizeof(a), false);
	assert_string_equal(a, "192.168.0.2");

	/* hv2 floods to hv1 and hv3, not itself */
	int seen = 0;
	for (size_t i = 0; i < p.nops; i++) {
		const struct vl_op *op = &p.ops[i];
		if (op->kind != VL_OP_FDB || strcmp(op->ns, "vlab-ov-hv2"))
			continue;
		assert_string_equal(op->dev, "vx42");
		vl_prefix_format(&op->u.fdb.dst, a, sizeof(a), false);
		if (!strcmp(a, "192.168.0.1"))
			seen |= 1;
		else if (!strcmp(a, "192.168.0.3"))
			seen |= 4;
		else
			fail_msg("unexpected fdb dst %s", a);
	}
	assert_int_equal(seen, 5);
	vl_plan_free(&p);
	topo_free(t);
}

static void test_vxlan_multicast(void **state)
{
	(void)state;
	struct vl_overlay *o;
	struct vl_topology *t = three_hosts(VL_OVERLAY_VXLAN, &o);
	o->group = pfx("239.1.1.1");
	o->port = 8472;
	struct vl_plan p;
	build(t, &p);
	assert_int_equal(count(&p, VL_OP_FDB), 0);
	const struct vl_op *vx = nth(&p, VL_OP_VXLAN, 0);
	assert_true(vx->u.tunnel.multicast);
	assert_string_equal(vx->u.tunnel.underlay, "eth0");
	assert_int_equal(vx->u.tunnel.port, 8472);
	char a[64];
	vl_prefix_format(&vx->u.tunnel.remote, a, sizeof(a), false);
	assert_string_equal(a, "239.1.1.1");
	vl_plan_free(&p);
	topo_free(t);
}

static void test_geneve(void **state)
{
	(void)state;
	struct vl_overlay *o;
	struct vl_topology *t = three_hosts(VL_OVERLAY_GENEVE, &o);
	t->switches[2].vlan_filtering = 1; /* vs2 (0 is core) */
	o->vlan = 30;
	struct vl_plan p;
	build(t, &p);

	/* one device per remote: 3 hosts x 2 remotes */
	assert_int_equal(count(&p, VL_OP_GENEVE), 6);
	assert_int_equal(count(&p, VL_OP_FDB), 0);
	const struct vl_op *g1 = find(&p, VL_OP_GENEVE, "vlab-ov-hv1", "gn42-1");
	const struct vl_op *g2 = find(&p, VL_OP_GENEVE, "vlab-ov-hv1", "gn42-2");
	assert_non_null(g1);
	assert_non_null(g2);
	assert_true(g1->d.isolated);
	assert_true(g2->d.isolated);
	assert_int_equal(g1->u.tunnel.port, 6081);
	assert_string_equal(g1->d.master, "vs1");
	char a[64];
	vl_prefix_format(&g1->u.tunnel.remote, a, sizeof(a), false);
	assert_string_equal(a, "192.168.0.2");
	vl_prefix_format(&g2->u.tunnel.remote, a, sizeof(a), false);
	assert_string_equal(a, "192.168.0.3");
	g1 = find(&p, VL_OP_GENEVE, "vlab-ov-hv3", "gn42-2");
	vl_prefix_format(&g1->u.tunnel.remote, a, sizeof(a), false);
	assert_string_equal(a, "192.168.0.2");

	/* overlay vlan on the tunnel ports of the filtering switch only */
	assert_int_equal(count(&p, VL_OP_BRPORT), 2);
	expect_brport(&p, "gn42-1", 30, true);
	expect_brport(&p, "gn42-2", 30, true);
	assert_string_equal(nth(&p, VL_OP_BRPORT, 0)->ns, "vlab-ov-hv2");
	vl_plan_free(&p);
	topo_free(t);

	/* two hosts: one tunnel each, plain name, no split horizon needed */
	t = three_hosts(VL_OVERLAY_GENEVE, &o);
	o->nswitches = 2;
	build(t, &p);
	o->nswitches = 3; /* so the free sees every string */
	assert_int_equal(count(&p, VL_OP_GENEVE), 2);
	g1 = find(&p, VL_OP_GENEVE, "vlab-ov-hv1", "gn42");
	assert_non_null(g1);
	assert_false(g1->d.isolated);
	vl_plan_free(&p);
	topo_free(t);
}

static void test_shaping(void **state)
{
	(void)state;
	struct vl_topology *t = rich();
	struct vl_plan p;
	build(t, &p);

	assert_int_equal(count(&p, VL_OP_QDISC), 3);
	/* out: node side */
	const struct vl_op *q = find(&p, VL_OP_QDISC, "vlab-dc-web1", "eth0");
	assert_non_null(q);
	assert_int_equal(q->u.qdisc.shape.rate_bps, 100000000);
	assert_int_equal(q->u.qdisc.shape.delay_us, 5000);
	/* in: the bridge-side port, in the switch's namespace */
	q = find(&p, VL_OP_QDISC, "vlab-dc-hv1", "web1-eth0");
	assert_non_null(q);
	assert_true(q->u.qdisc.shape.loss_pct == 1);
	assert_string_equal(q->node, "hv1");
	/* link: ext's in shapes r1's end */
	q = find(&p, VL_OP_QDISC, "vlab-dc-r1", "p2p");
	assert_non_null(q);
	assert_int_equal(q->u.qdisc.shape.delay_us, 20000);
	assert_null(find(&p, VL_OP_QDISC, "vlab-dc-ext", NULL));

	char *s = describe(find(&p, VL_OP_QDISC, "vlab-dc-web1", "eth0"));
	/* derived burst (10 ms of rate) and limit (50 ms) are in the op: what
	 * runs is what the plan shows */
	assert_string_equal(s, "vlab-dc-web1: qdisc eth0 netem delay 5ms + tbf rate 100mbit burst 125000b limit 625000b");
	free(s);
	q = find(&p, VL_OP_QDISC, "vlab-dc-web1", "eth0");
	assert_int_equal(q->d.mtu, t->nodes[vl_find_node(t, "web1")].nics[0].mtu);
	assert_int_equal(q->u.qdisc.shape.burst_bytes, 125000);
	vl_plan_free(&p);
	topo_free(t);
}

static void test_links(void **state)
{
	(void)state;
	struct vl_topology *t = rich();
	struct vl_plan p;
	build(t, &p);
	const struct vl_op *op = find(&p, VL_OP_VETH, "vlab-dc-r1", "p2p");
	assert_non_null(op);
	assert_string_equal(op->node, "r1");
	assert_string_equal(op->d.master, "");
	assert_true(op->d.has_mac);
	assert_string_equal(op->u.veth.peer_ns, "vlab-dc-ext");
	assert_string_equal(op->u.veth.peer_dev, "p2p");
	assert_true(op->u.veth.peer.has_mac);
	assert_memory_equal(op->u.veth.peer.mac, t->nodes[vl_find_node(t, "ext")].nics[0].mac, 6);
	assert_non_null(find(&p, VL_OP_ADDR, "vlab-dc-ext", "p2p"));
	vl_plan_free(&p);
	topo_free(t);
}

static void test_nat_mirror_routes(void **state)
{
	(void)state;
	struct vl_topology *t = rich();
	struct vl_plan p;
	build(t, &p);
	assert_int_equal(count(&p, VL_OP_NAT), 1);
	const struct vl_op *op = nth(&p, VL_OP_NAT, 0);
	assert_string_equal(op->ns, "vlab-dc-r1");
	assert_string_equal(op->dev, "up");

	assert_int_equal(count(&p, VL_OP_MIRROR), 1);
	op = nth(&p, VL_OP_MIRROR, 0);
	assert_string_equal(op->ns, "vlab-dc-hv1");
	assert_string_equal(op->dev, "web1-eth0");
	assert_string_equal(op->u.mirror.to, "mon-eth0");
	assert_true(op->u.mirror.ingress && op->u.mirror.egress);

	assert_int_equal(count(&p, VL_OP_ROUTE), 1);
	op = nth(&p, VL_OP_ROUTE, 0);
	assert_string_equal(op->ns, "vlab-dc-web1");
	assert_false(op->u.route.has_dev);
	assert_int_equal(op->u.route.dst.len, 0);
	char *s = describe(op);
	assert_string_equal(s, "vlab-dc-web1: route default via 10.0.10.1");
	free(s);
	vl_plan_free(&p);
	topo_free(t);
}

static bool has_sysctl(const struct vl_plan *p, const char *ns, const char *key,
		       const char *value)
{
	for (size_t i = 0; i < p->nops; i++) {
		const struct vl_op *op = &p->ops[i];
		if (op->kind == VL_OP_SYSCTL && !strcmp(op->ns, ns) &&
		    !strcmp(op->u.sysctl.key, key))
			return !strcmp(op->u.sysctl.value, value);
	}
	return false;
}

static void test_sysctls(void **state)
{
	(void)state;
	struct vl_topology *t = rich();
	struct vl_plan p;
	build(t, &p);
	assert_true(has_sysctl(&p, "vlab-dc-r1", "ipv4/ip_forward", "1"));
	assert_true(has_sysctl(&p, "vlab-dc-r1", "ipv6/conf/all/forwarding", "1"));
	assert_false(has_sysctl(&p, "vlab-dc-web1", "ipv4/ip_forward", "1"));
	/* dad off (the default): no accept_dad sysctl anywhere (an O(N^2)
	 * /proc/sys walk at scale); each node device with addresses has
	 * addr_gen_mode none and vlab's own link-local, without DAD */
	for (size_t i = 0; i < p.netns.n; i++) {
		assert_false(has_sysctl(&p, p.netns.v[i], "ipv6/conf/all/accept_dad", "0"));
		assert_false(has_sysctl(&p, p.netns.v[i], "ipv6/conf/default/accept_dad", "0"));
	}
	size_t nll = 0, nll6 = 0;
	for (size_t i = 0; i < p.nops; i++) {
		const struct vl_op *op = &p.ops[i];
		if (op->kind == VL_OP_VLAN || op->kind == VL_OP_BOND)
			nll6 += op->d.ll6;
		if (op->kind == VL_OP_VETH) {
			nll6 += op->d.ll6 + op->u.veth.peer.ll6;
			assert_false(op->d.ll6 && op->d.noaddr);
			assert_false(op->u.veth.peer.ll6 && op->u.veth.peer.noaddr);
		}
		if (op->kind != VL_OP_ADDR || !op->u.addr.ll)
			continue;
		nll++;
		assert_true(op->u.addr.nodad);
		assert_int_equal(op->u.addr.addr.len, 64);
		/* fe80::EUI-64 of the NIC's MAC, the one the kernel would make */
		const struct vl_op *v = NULL;
		for (size_t k = 0; k < p.nops && !v; k++)
			if (p.ops[k].kind == VL_OP_VETH && !strcmp(p.ops[k].u.veth.peer_ns, op->ns) &&
			    !strcmp(p.ops[k].u.veth.peer_dev, op->dev))
				v = &p.ops[k];
		if (v) {
			struct vl_prefix want = vl_ll6_eui64(v->u.veth.peer.mac);
			assert_memory_equal(op->u.addr.addr.addr, want.addr, 16);
			assert_int_equal(op->u.addr.addr.addr[11], 0xff);
			assert_int_equal(op->u.addr.addr.addr[8], v->u.veth.peer.mac[0] ^ 2);
		}
	}
	assert_true(nll > 0);
	assert_int_equal(nll, nll6);
	/* where vSwitches are, IPv6 is off by default (for the ports) */
	assert_true(has_sysctl(&p, "vlab-dc-hv1", "ipv6/conf/default/disable_ipv6", "1"));
	assert_false(has_sysctl(&p, "vlab-dc-hv1", "ipv6/conf/all/disable_ipv6", "1"));
	assert_false(has_sysctl(&p, "vlab-dc-web1", "ipv6/conf/default/disable_ipv6", "1"));
	/* IPv6 addresses are nodad, IPv4 ones have no such flag */
	const struct vl_op *a6 = NULL, *a4 = NULL;
	for (size_t i = 0; i < p.nops; i++)
		if (p.ops[i].kind == VL_OP_ADDR && !strcmp(p.ops[i].ns, "vlab-dc-app2")) {
			if (p.ops[i].u.addr.addr.family == AF_INET6)
				a6 = &p.ops[i];
			else
				a4 = &p.ops[i];
		}
	assert_true(a6 && a6->u.addr.nodad);
	assert_true(a4 && !a4->u.addr.nodad);
	vl_plan_free(&p);

	t->lab.ipv6 = false;
	t->lab.dad = true;
	build(t, &p);
	assert_true(has_sysctl(&p, "vlab-dc-hv1", "ipv6/conf/all/disable_ipv6", "1"));
	assert_true(has_sysctl(&p, "vlab-dc-core", "ipv6/conf/default/disable_ipv6", "1"));
	assert_false(has_sysctl(&p, "vlab-dc-hv1", "ipv6/conf/all/accept_dad", "0"));
	assert_false(has_sysctl(&p, "vlab-dc-r1", "ipv6/conf/all/forwarding", "1"));
	assert_true(has_sysctl(&p, "vlab-dc-r1", "ipv4/ip_forward", "1"));
	vl_plan_free(&p);

	t->lab.ipv6 = true;
	build(t, &p);
	assert_int_equal(count(&p, VL_OP_SYSCTL), 2); /* r1 forwarding only */
	for (size_t i = 0; i < p.nops; i++)
		if (p.ops[i].kind == VL_OP_ADDR)
			assert_false(p.ops[i].u.addr.nodad);
	vl_plan_free(&p);
	topo_free(t);
}

static void test_hosts(void **state)
{
	(void)state;
	struct vl_topology *t = rich();
	struct vl_plan p;
	build(t, &p);
	const char *h = p.hosts.s;
	assert_non_null(strstr(h, "127.0.0.1\tlocalhost\n"));
	assert_non_null(strstr(h, "\n192.168.0.1\thv1 hv1-eth0\n"));
	assert_non_null(strstr(h, "\n10.0.10.2\tweb1 web1-eth0\n"));
	assert_non_null(strstr(h, "\n10.0.20.2\tdb1 db1-eth0.20\n"));
	assert_non_null(strstr(h, "\n10.0.10.3\tapp2 app2-eth0\n")); /* first only */
	assert_null(strstr(h, "fd00::3"));
	assert_null(strstr(h, "mon")); /* no address, no line */
	const struct vl_op *op = find(&p, VL_OP_HOSTS, "vlab-dc-web1", NULL);
	assert_non_null(op);
	assert_string_equal(op->u.hosts.path, "/run/vlab/dc/hosts");
	assert_null(find(&p, VL_OP_HOSTS, "vlab-dc-core", NULL));
	vl_plan_free(&p);
	topo_free(t);
}

/* Every device of a switch (bridge, the switch side of each cable, VTEPs)
 * carries no address of its own; every node NIC keeps its addresses. */
static void test_switch_noaddr(void **state)
{
	(void)state;
	struct vl_topology *t = rich();
	struct vl_plan p;
	build(t, &p);
	size_t bridges = 0, tunnels = 0, ports = 0, links = 0;
	for (size_t i = 0; i < p.nops; i++) {
		const struct vl_op *op = &p.ops[i];
		switch (op->kind) {
		case VL_OP_BRIDGE:
			assert_true(op->d.noaddr);
			bridges++;
			break;
		case VL_OP_VXLAN:
		case VL_OP_GENEVE:
			assert_true(op->d.noaddr);
			tunnels++;
			break;
		case VL_OP_VETH:
			/* the far end is always a node's NIC */
			assert_false(op->u.veth.peer.noaddr);
			if (op->d.master[0]) {
				assert_true(op->d.noaddr);
				ports++;
			} else {
				assert_false(op->d.noaddr); /* a [link]: node to node */
				links++;
			}
			break;
		default:
			break;
		}
	}
	assert_int_equal(bridges, 4);
	assert_int_equal(tunnels, 2);
	assert_int_equal(ports, 7);
	assert_int_equal(links, 1);
	char *s = describe(find(&p, VL_OP_BRIDGE, "vlab-dc-hv1", "vs1"));
	assert_non_null(strstr(s, " noaddr"));
	free(s);
	vl_plan_free(&p);
	topo_free(t);
}

static void test_print_json(void **state)
{
	(void)state;
	struct vl_topology *t = rich();
	struct vl_plan p;
	build(t, &p);
	struct vl_buf b = {0};
	vl_plan_print(&p, &b);
	assert_non_null(strstr(b.s, "plan for lab dc: 10 namespaces"));
	assert_non_null(strstr(b.s, "vlab-dc-hv1: veth web1-eth0 mtu 1500 master vs1 noaddr up "
				    "<-> vlab-dc-web1/eth0 mac "));
	assert_non_null(strstr(b.s, "vlab-dc-hv1: bridge vlan add web1-eth0 vid 10 pvid untagged"));
	assert_non_null(strstr(b.s, "vlab-dc-hv1: fdb append 00:00:00:00:00:00 dev vx5010 dst 192.168.0.2"));
	vl_buf_free(&b);

	vl_plan_json(&p, &b);
	assert_true(!strncmp(b.s, "{\"lab\":\"dc\",\"netns\":[\"vlab-dc-hv1\"", 34));
	assert_non_null(strstr(b.s, "{\"op\":\"veth\",\"node\":\"hv1\",\"ns\":\"vlab-dc-hv1\","
				    "\"dev\":\"web1-eth0\",\"mtu\":1500,\"master\":\"vs1\""));
	assert_non_null(strstr(b.s, "\"teardown\":[{\"op\":\"delete-netns\""));
	/* balanced braces and brackets outside strings */
	int depth = 0;
	bool str = false;
	for (const char *s = b.s; *s; s++) {
		if (str) {
			if (*s == '\\')
				s++;
			else if (*s == '"')
				str = false;
			continue;
		}
		if (*s == '"')
			str = true;
		else if (*s == '{' || *s == '[')
			depth++;
		else if (*s == '}' || *s == ']')
			assert_true(--depth >= 0);
	}
	assert_int_equal(depth, 0);
	vl_buf_free(&b);

	vl_plan_print_teardown(&p, &b);
	assert_non_null(strstr(b.s, "delete netns vlab-dc-core"));
	assert_non_null(strstr(b.s, "remove /etc/netns/vlab-dc-web1/hosts"));
	assert_null(strstr(b.s, "/etc/netns/vlab-dc-core"));
	assert_non_null(strstr(b.s, "remove /run/vlab/dc/"));
	vl_buf_free(&b);
	vl_plan_free(&p);
	topo_free(t);
}

/* The picture of the hand-built rich model (tests/unit/test_graph.c draws
 * parsed labs): hosts are boxes with their NICs, vSwitches, VTEPs and
 * guests; addresses are node rows; cables carry VLANs and shaping. */
static void test_graph(void **state)
{
	(void)state;
	struct vl_topology *t = rich();
	struct vl_buf b = {0};
	vl_graph_dot(t, &b);
	assert_true(!strncmp(b.s, "graph \"dc\" {", 12));
	assert_non_null(strstr(b.s, "subgraph \"cluster_hv1\""));
	/* web1's port: access VLAN and shaping on the cable, address in the node */
	assert_non_null(strstr(b.s, "\"n:web1\":\"i0\" -- \"s:vs1\" [penwidth=1, label=\"vlan 10\"]"));
	/* shaping is the NIC's: small rows under it, not text on the cable */
	assert_non_null(strstr(b.s, ">eth0 10.0.10.2/24</TD></TR><TR><TD ALIGN=\"LEFT\" BALIGN=\"LEFT\">"
				    "<FONT POINT-SIZE=\"8\" COLOR=\"#8a4b00\">&nbsp;&nbsp;out: rate=100mbit "
				    "delay=5ms</FONT>"));
	assert_non_null(strstr(b.s, "&nbsp;&nbsp;in: loss=1%</FONT>"));
	assert_non_null(strstr(b.s, ">eth0 10.0.10.2/24</TD>"));
	assert_non_null(strstr(b.s, "label=\"trunk 10,20 native 5\""));
	assert_non_null(strstr(b.s, "&nbsp;&nbsp;eth0.20 10.0.20.2/24"));
	/* the overlay: a VTEP per host, tied to its underlay NIC, and the segment */
	assert_non_null(strstr(b.s, "\"v:ov5010:vs1\" -- \"h:hv1:eth0\" [color=blue"));
	assert_non_null(strstr(b.s, "\"v:ov5010:vs1\" -- \"o:ov5010\" [style=dashed"));
	assert_non_null(strstr(b.s, "\"s:vs1\" -- \"v:ov5010:vs1\" [color=blue, fontcolor=blue, "
				    "label=\"vlan 10\"]"));
	assert_non_null(strstr(b.s, "label=\"ov5010\\nVXLAN VNI 5010\""));
	assert_non_null(strstr(b.s, "\"n:web1\":\"i0\" -- \"n:mon\":\"i0\" [style=dotted"));
	assert_non_null(strstr(b.s, "mirror m1 (in+out)"));
	assert_non_null(strstr(b.s, "-- \"n:ext\":\"i0\" [penwidth=2, label=\"l1\"]"));
	assert_non_null(strstr(b.s, "&nbsp;&nbsp;in: delay=20ms</FONT>"));
	assert_non_null(strstr(b.s, "up 172.16.0.1/24 <I>(NAT)</I>"));
	/* hv1's cluster holds vs1 and web1; r1 (standalone) is outside */
	const char *c1 = strstr(b.s, "subgraph \"cluster_hv1\"");
	const char *end = strstr(c1, "\n\t}\n");
	const char *vs1 = strstr(b.s, "\t\t\"s:vs1\" [");
	const char *r1 = strstr(b.s, "\t\"n:r1\" [");
	assert_true(vs1 > c1 && vs1 < end);
	assert_true(r1 > end);
	vl_buf_free(&b);
	topo_free(t);
}

/* ---- the same through the real parser and validation ------------------ */

static struct vl_topology *parse(const char *text)
{
	struct vl_topology *t = xcalloc(1, sizeof(*t));
	struct vl_diags d = {0};
	assert_int_equal(vl_parse_string("t.ini", text, t, &d), 0);
	size_t errors = vl_validate(t, &d);
	if (errors || d.errors) {
		vl_diags_print(&d, stderr);
		fail_msg("topology has errors");
	}
	vl_diags_free(&d);
	return t;
}

static void test_parsed_lab(void **state)
{
	(void)state;
	struct vl_topology *t = parse(
		"[lab]\nname = p\n"
		"[switch lan]\nsubnet = 10.0.0.0/24\n"
		"[router gw]\nnic = eth0 lan 10.0.0.1/24\nnic = eth1 wan 172.16.0.1/24\nnat = eth1\n"
		"[switch wan]\n"
		"[vm a]\nnic = eth0 lan auto rate=1mbit in_delay=5ms\ngateway = 10.0.0.1\n"
		"[vm b]\nnic = eth0 lan auto\ngateway = 10.0.0.1\n");
	struct vl_plan p;
	build(t, &p);
	for (size_t i = 1; i < p.nops; i++)
		assert_true(phase_rank(p.ops[i].kind) >= phase_rank(p.ops[i - 1].kind));
	assert_int_equal(p.netns.n, 5);
	assert_non_null(find(&p, VL_OP_NETNS, "vlab-p-lan", NULL));
	assert_non_null(find(&p, VL_OP_VETH, "vlab-p-lan", "a-eth0"));
	/* auto skips gw's static .1 */
	const struct vl_op *ll = find(&p, VL_OP_ADDR, "vlab-p-b", "eth0");
	char *s = describe(ll);
	assert_string_equal(s, "vlab-p-b: addr fe80::a7:e2ff:fe5b:1294/64 dev eth0 nodad (link-local)");
	free(s);
	s = describe(ll + 1);
	assert_string_equal(s, "vlab-p-b: addr 10.0.0.3/24 dev eth0");
	free(s);
	s = describe(find(&p, VL_OP_ROUTE, "vlab-p-a", NULL));
	assert_string_equal(s, "vlab-p-a: route default via 10.0.0.1");
	free(s);
	const struct vl_op *q = find(&p, VL_OP_QDISC, "vlab-p-a", "eth0");
	assert_int_equal(q->u.qdisc.shape.rate_bps, 1000000);
	q = find(&p, VL_OP_QDISC, "vlab-p-lan", "a-eth0");
	assert_int_equal(q->u.qdisc.shape.delay_us, 5000);
	assert_string_equal(nth(&p, VL_OP_NAT, 0)->dev, "eth1");
	assert_non_null(strstr(p.hosts.s, "\n10.0.0.2\ta a-eth0\n"));
	vl_plan_free(&p);
	topo_free(t);
}

/* ---- limits of expansion and of diagnostics ---------------------------- */

static double since_ms(const struct timespec *a)
{
	struct timespec b;
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) * 1e3 + (b.tv_nsec - a->tv_nsec) / 1e6;
}

static double time_factor(void)
{
	double f = getenv("VLAB_TIME_FACTOR") ? atof(getenv("VLAB_TIME_FACTOR")) : 1;
	return f > 0 ? f : 1;
}

/* A VM with 4000 NICs on one /8: every pair overlaps. The check was
 * quadratic (8 million warnings: 99 s and 2.4 GB); now one warning per NIC,
 * at most VL_DIAG_KEEP kept, and the report prints VL_DIAG_SHOW of them. */
static void test_many_nics_quick(void **state)
{
	(void)state;
	struct vl_buf txt = {0};
	vl_buf_add(&txt, "[lab]\nname = n\n[switch s]\nsubnet = 10.0.0.0/8\n[vm a]\n");
	for (int i = 0; i < 4000; i++)
		vl_buf_printf(&txt, "nic = e%d s 10.%d.%d.1/8\n", i, i / 250, i % 250);
	struct timespec a;
	clock_gettime(CLOCK_MONOTONIC, &a);
	struct vl_topology *t = xcalloc(1, sizeof(*t));
	struct vl_diags d = {0};
	assert_int_equal(vl_parse_string("t.ini", txt.s, t, &d), 0);
	vl_validate(t, &d);
	double ms = since_ms(&a);
	print_message("4000 NICs on one /8 checked in %.1f ms\n", ms);
	assert_true(ms < 1000 * time_factor());
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.warnings, 3999); /* each NIC once, against e0 */
	assert_true(d.n <= VL_DIAG_KEEP);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	vl_diags_report(&d, false, f);
	fclose(f);
	size_t lines = 0;
	for (const char *p = out; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, VL_DIAG_SHOW + 1);
	assert_non_null(strstr(out, "t.ini:7: warning: [vm a] e1: 10.0.1.1/8 overlaps 10.0.0.1/8 on a e0 (line 6)"));
	assert_non_null(strstr(out, "vlab: 3899 more not shown (0 errors, 3899 warnings)"));
	free(out);
	vl_diags_free(&d);
	vl_topology_free(t);
	free(t);
	vl_buf_free(&txt);
}

/* Overlaps the sorted sweep must still see: nested prefixes, a prefix held
 * by two interfaces, addresses of one interface (never reported), IPv6. */
static void test_overlaps(void **state)
{
	(void)state;
	struct vl_topology *t = xcalloc(1, sizeof(*t));
	struct vl_diags d = {0};
	assert_int_equal(vl_parse_string("t.ini",
		"[lab]\nname = o\n[switch s]\n[vm a]\n"
		"nic = e0 s 10.0.0.1/8 10.1.0.1/16\n"     /* line 5: one NIC, never with itself */
		"nic = e1 s 10.0.0.2/8\n"                 /* 6: same /8 as e0 */
		"nic = e2 s 10.1.2.3/24 fd00::1/64\n"     /* 7: in e0's /16 and the /8s */
		"nic = e3 s 192.168.0.1/24 fd00::2/48\n", /* 8: disjoint v4; v6 contains e2's */
		t, &d), 0);
	vl_validate(t, &d);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	vl_diags_report(&d, false, f);
	fclose(f);
	assert_non_null(strstr(out, "t.ini:6: warning: [vm a] e1: 10.0.0.2/8 overlaps 10.0.0.1/8 on a e0 (line 5)"));
	assert_non_null(strstr(out, "t.ini:7: warning: [vm a] e2: 10.1.2.3/24 overlaps 10.1.0.1/16 on a e0 (line 5)"));
	assert_non_null(strstr(out, "t.ini:8: warning: [vm a] e3: fd00::2/48 overlaps fd00::1/64 on a e2 (line 7)"));
	assert_null(strstr(out, "192.168.0.1"));
	assert_null(strstr(out, "on a e0 (line 5); routing between them is ambiguous\nt.ini:5"));
	/* e0's /16 lies in e1's /8 too; e2 is reported once, against the
	 * innermost prefix (e0's /16), not again for each /8 */
	assert_non_null(strstr(out, "t.ini:6: warning: [vm a] e1: 10.0.0.2/8 overlaps 10.1.0.1/16 on a e0 (line 5)"));
	if (d.warnings != 4)
		fputs(out, stderr);
	assert_int_equal(d.warnings, 4);
	free(out);
	vl_diags_free(&d);
	vl_topology_free(t);
	free(t);
}

/* Twenty 10,000-member ranges in a 600-byte file took 4.5 s and 1.1 GB;
 * the total is capped before anything is expanded. */
static void test_expansion_caps(void **state)
{
	(void)state;
	struct vl_buf txt = {0};
	vl_buf_add(&txt, "[lab]\nname = big\n[switch s]\n");
	for (char c = 'a'; c < 'a' + 20; c++)
		vl_buf_printf(&txt, "[vm %c1..10000]\nnic = eth0 s\n", c);
	struct timespec a;
	clock_gettime(CLOCK_MONOTONIC, &a);
	struct vl_topology *t = xcalloc(1, sizeof(*t));
	struct vl_diags d = {0};
	vl_parse_string("t.ini", txt.s, t, &d);
	double ms = since_ms(&a);
	print_message("twenty 10,000-member ranges refused in %.1f ms\n", ms);
	assert_true(ms < 2000 * time_factor());
	assert_true(t->nnodes <= VL_MAX_MEMBERS);
	assert_int_equal(d.errors, 19); /* s and a fit; b would make 20001 */
	char *msg = vl_diag_format(&d.v[0]);
	assert_non_null(strstr(msg, "t.ini:6: error: [vm b1..10000] this section makes 20001 nodes and "
				    "switches in all (10001 before it); a lab may have at most 20000"));
	free(msg);
	vl_diags_free(&d);
	vl_topology_free(t);
	free(t);
	vl_buf_free(&txt);

	/* more than VL_MAX_NODE_DEVS NICs and sub-interfaces on one node */
	vl_buf_add(&txt, "[lab]\nname = n\n[switch s]\n[vm a]\n");
	for (int i = 0; i < VL_MAX_NODE_DEVS + 5; i++)
		vl_buf_printf(&txt, "nic = e%d s\n", i);
	t = xcalloc(1, sizeof(*t));
	vl_parse_string("t.ini", txt.s, t, &d);
	assert_int_equal(d.errors, 1);
	assert_int_equal(t->nodes[0].nnics, VL_MAX_NODE_DEVS);
	msg = vl_diag_format(&d.v[0]);
	assert_non_null(strstr(msg, "t.ini:4101: error: [vm a] nic: a has more than 4096 NICs"));
	free(msg);
	vl_diags_free(&d);
	vl_topology_free(t);
	free(t);
	vl_buf_free(&txt);
}

/* Diagnostics are counted but kept only up to VL_DIAG_KEEP per class;
 * the report shows errors before warnings. */
static void test_diag_caps(void **state)
{
	(void)state;
	struct vl_diags d = {0};
	struct vl_loc loc = {"t.ini", 0, NULL};
	for (int i = 0; i < 5000; i++) {
		loc.line = i + 1;
		vl_warn(&d, &loc, NULL, "warning %d", i);
	}
	loc.line = 9999;
	vl_err(&d, &loc, "nic", "the one error");
	assert_int_equal(d.warnings, 5000);
	assert_int_equal(d.errors, 1);
	assert_int_equal(d.n, VL_DIAG_KEEP + 1);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	vl_diags_report(&d, false, f);
	fclose(f);
	assert_non_null(strstr(out, "t.ini:9999: error: nic: the one error\n"));
	assert_non_null(strstr(out, "t.ini:99: warning: warning 98\n"));
	assert_null(strstr(out, "warning 99\n"));
	assert_non_null(strstr(out, "vlab: 4901 more not shown (0 errors, 4901 warnings)"));
	free(out);
	vl_diags_free(&d);
}

static void test_parsed_overlay(void **state)
{
	(void)state;
	struct vl_topology *t = parse(
		"[lab]\nname = o\n"
		"[switch u]\n"
		"[host hv1..3]\nnic = eth0 u 192.168.0.$i/24\n"
		"[switch vs1..3]\nhost = hv$i\n"
		"[overlay t]\ntype = vxlan\nvni = 9\nswitches = vs1 vs2 vs3\nvlan = 5\nmtu = ignore\n"
		"[vm v1..3]\nhost = hv$i\nnic = eth0 vs$i 10.5.0.$i/24 vlan=5\n");
	struct vl_plan p;
	build(t, &p);
	assert_int_equal(count(&p, VL_OP_VXLAN), 3);
	assert_int_equal(count(&p, VL_OP_FDB), 6);
	expect_brport(&p, "vx9", 5, true);
	expect_brport(&p, "v2-eth0", 5, true);
	const struct vl_op *br = find(&p, VL_OP_BRIDGE, "vlab-o-hv2", "vs2");
	assert_int_equal(br->u.bridge.vlan_filtering, 1);
	assert_int_equal(br->u.bridge.default_pvid, 0);
	vl_plan_free(&p);
	topo_free(t);
}

/* 1000 VMs on 10 hosts, each host a vSwitch, all joined by one overlay. */
static void test_timing(void **state)
{
	(void)state;
	if (getenv("VLAB_DUMP_PLAN")) { /* eyeball the rich lab's plan */
		struct vl_topology *r = rich();
		struct vl_plan rp;
		struct vl_buf rb = {0};
		build(r, &rp);
		vl_plan_print(&rp, &rb);
		vl_graph_dot(r, &rb);
		fputs(rb.s, stderr);
		vl_buf_free(&rb);
		vl_plan_free(&rp);
		topo_free(r);
	}
	struct vl_topology *t = topo_new("big");
	int core = add_switch(t, "core", -1, false);
	int sws[10], hosts[10];
	for (int i = 0; i < 10; i++) {
		char name[16], addr[32];
		snprintf(name, sizeof(name), "hv%d", i + 1);
		snprintf(addr, sizeof(addr), "192.168.0.%d/24", i + 1);
		hosts[i] = add_node(t, VL_NODE_HOST, name, -1);
		add_nic(t, hosts[i], "eth0", core, addr);
		snprintf(name, sizeof(name), "vs%d", i + 1);
		sws[i] = add_switch(t, name, hosts[i], true);
	}
	for (int i = 0; i < 1000; i++) {
		char name[16], addr[32];
		snprintf(name, sizeof(name), "web%d", i + 1);
		snprintf(addr, sizeof(addr), "10.0.%d.%d/16", i / 250, i % 250 + 2);
		int n = add_node(t, VL_NODE_VM, name, hosts[i % 10]);
		struct vl_nic *c = add_nic(t, n, "eth0", sws[i % 10], addr);
		c->access_vlan = 10;
		add_route(t, n, "default", "10.0.0.1", NULL);
	}
	add_overlay(t, VL_OVERLAY_VXLAN, 100, sws, 10)->vlan = 10;

	struct timespec a, b;
	struct vl_plan p;
	clock_gettime(CLOCK_MONOTONIC, &a);
	build(t, &p);
	clock_gettime(CLOCK_MONOTONIC, &b);
	double ms = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
	/* sanitizers and valgrind are slower: VLAB_TIME_FACTOR=20 */
	double factor = getenv("VLAB_TIME_FACTOR") ? atof(getenv("VLAB_TIME_FACTOR")) : 1;
	print_message("planned %zu ops in %.2f ms\n", p.nops, ms);
	assert_true(ms < 50 * (factor > 0 ? factor : 1));
	assert_int_equal(count(&p, VL_OP_VETH), 1010);
	assert_int_equal(count(&p, VL_OP_FDB), 90);
	assert_int_equal(p.netns.n, 1011);

	struct vl_buf out = {0};
	clock_gettime(CLOCK_MONOTONIC, &a);
	vl_plan_print(&p, &out);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
	assert_true(ms < 200 * (factor > 0 ? factor : 1));
	vl_buf_free(&out);
	vl_plan_free(&p);
	topo_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_veth_ports),
		cmocka_unit_test(test_vlans),
		cmocka_unit_test(test_vxlan_unicast),
		cmocka_unit_test(test_vxlan_multicast),
		cmocka_unit_test(test_geneve),
		cmocka_unit_test(test_shaping),
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_nat_mirror_routes),
		cmocka_unit_test(test_sysctls),
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_switch_noaddr),
		cmocka_unit_test(test_print_json),
		cmocka_unit_test(test_graph),
		cmocka_unit_test(test_parsed_lab),
		cmocka_unit_test(test_parsed_overlay),
		cmocka_unit_test(test_timing),
		cmocka_unit_test(test_many_nics_quick),
		cmocka_unit_test(test_overlaps),
		cmocka_unit_test(test_expansion_caps),
		cmocka_unit_test(test_diag_caps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
