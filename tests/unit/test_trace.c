/* The pure half of vlab trace: walking synthetic snapshots of a lab's
 * kernel state (two or three hypervisors on a fabric switch, a VXLAN
 * segment, VMs; a VLAN trunk to a router on a stick) and naming the
 * layer where each injected fault stops the packet. */
#include "unit.h"

#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/neighbour.h>

#include "vlab/trace.h"

static int next_index = 10;

static struct vl_tr_if *dev(struct vl_tr_ns *n, const char *name, const char *kind, int master)
{
	struct vl_tr_if *f = vl_tr_add_if(n, next_index++, name, kind);
	f->master = master;
	f->mac[0] = 0x02;
	f->mac[5] = (uint8_t)f->index;
	return f;
}

static void addr(struct vl_tr_ns *n, int ifindex, const char *ip, int plen)
{
	struct vl_tr_addr *a = VL_PUSH(n->addrs, n->naddrs, n->addrs_cap);
	a->ifindex = ifindex;
	a->plen = plen;
	assert_int_equal(vl_tr_ip_parse(ip, &a->ip), 0);
}

static void cable(struct vl_tr_if *a, struct vl_tr_if *b)
{
	a->link = b->index;
	b->link = a->index;
	a->link_nsid = b->link_nsid = 0;
}

static void route(struct vl_tr_ns *n, const char *dst, int plen, const char *gw, int oif)
{
	struct vl_tr_route *r = VL_PUSH(n->routes, n->nroutes, n->routes_cap);
	assert_int_equal(vl_tr_ip_parse(dst, &r->dst), 0);
	r->plen = plen;
	if (gw)
		assert_int_equal(vl_tr_ip_parse(gw, &r->gw), 0);
	r->oif = oif;
}

static void vtep_default(struct vl_tr_ns *n, int ifindex, const char *remote)
{
	struct vl_tr_fdb *e = VL_PUSH(n->fdb, n->nfdb, n->fdb_cap);
	e->ifindex = ifindex;
	e->state = NUD_PERMANENT;
	assert_int_equal(vl_tr_ip_parse(remote, &e->dst), 0);
}

static struct vl_tr_ns *find(struct vl_tr_snap *s, const char *node)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].node, node))
			return &s->v[i];
	fail_msg("no node %s", node);
	return NULL;
}

static struct vl_tr_if *ifn(struct vl_tr_snap *s, const char *node, const char *name)
{
	struct vl_tr_ns *n = find(s, node);
	for (size_t k = 0; k < n->nifs; k++)
		if (!strcmp(n->ifs[k].name, name))
			return &n->ifs[k];
	fail_msg("no %s %s", node, name);
	return NULL;
}

/* hv1..hvN (192.168.0.i) on switch "fabric", a vSwitch vsI and a VTEP
 * vx100 each, one VM vmI (10.0.0.i) on each; hv1's VTEP lists the others
 * highest first, so the head-end list has dead ends before the right one. */
static void build(struct vl_tr_snap *s, int hosts)
{
	memset(s, 0, sizeof(*s));
	s->lab = xstrdup("t");
	struct vl_tr_ns *fab = vl_tr_add_ns(s, "vlab-t-fabric", "fabric");
	struct vl_tr_if *fbr = dev(fab, "fabric", "bridge", 0);
	int fbr_index = fbr->index;
	for (int i = 1; i <= hosts; i++) {
		char b[64], ip[64];
		snprintf(b, sizeof(b), "hv%d", i);
		struct vl_tr_ns *hv = vl_tr_add_ns(s, b, b);
		hv->fwd4 = 0;
		snprintf(b, sizeof(b), "vs%d", i);
		int br = dev(hv, b, "bridge", 0)->index;
		struct vl_tr_if *vx = dev(hv, "vx100", "vxlan", br);
		vx->vni = 100;
		vx->dstport = 4789;
		snprintf(ip, sizeof(ip), "192.168.0.%d", i);
		vl_tr_ip_parse(ip, &vx->local);
		int vxi = vx->index;
		struct vl_tr_if *up = dev(hv, "eth0", "veth", 0);
		up->mtu = 1550;
		addr(hv, up->index, ip, 24);
		for (int j = hosts; j >= 1; j--)
			if (j != i) {
				snprintf(ip, sizeof(ip), "192.168.0.%d", j);
				vtep_default(hv, vxi, ip);
			}
		/* hv's pointers move when fab grows: re-find both ends */
		snprintf(b, sizeof(b), "hv%d-eth0", i);
		fab = find(s, "fabric");
		struct vl_tr_if *port = dev(fab, b, "veth", fbr_index);
		port->mtu = 1550;
		snprintf(b, sizeof(b), "hv%d", i);
		cable(ifn(s, b, "eth0"), port);

		snprintf(b, sizeof(b), "vm%d", i);
		struct vl_tr_ns *vm = vl_tr_add_ns(s, b, b);
		struct vl_tr_if *nic = dev(vm, "eth0", "veth", 0);
		snprintf(ip, sizeof(ip), "10.0.0.%d", i);
		addr(vm, nic->index, ip, 24);
		snprintf(b, sizeof(b), "hv%d", i);
		char pn[32];
		snprintf(pn, sizeof(pn), "vm%d-eth0", i);
		struct vl_tr_if *vport = dev(find(s, b), pn, "veth", br);
		snprintf(b, sizeof(b), "vm%d", i);
		cable(ifn(s, b, "eth0"), vport);
	}
	vl_tr_pair_veths(s);
}

static struct vl_tr_path walk(struct vl_tr_snap *s, const char *src, const char *dst, int size)
{
	struct vl_tr_path t;
	struct vl_buf err = {0};
	struct vl_tr_req r = {.src_node = src, .dst = dst, .size = size};
	int rc = vl_trace_walk(s, &r, &t, &err);
	if (rc)
		fail_msg("walk: %s", err.s);
	vl_buf_free(&err);
	return t;
}

static bool has_hop(const struct vl_tr_path *t, const char *node, const char *ifname)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->hops[i].node, node) && !strcmp(t->hops[i].ifname, ifname))
			return true;
	return false;
}

static void test_overlay_path(void **state)
{
	(void)state;
	struct vl_tr_snap s;
	build(&s, 3);
	for (size_t i = 0; i < s.n; i++)
		for (size_t k = 0; k < s.v[i].nifs; k++)
			if (!strcmp(s.v[i].ifs[k].kind, "veth"))
				assert_true(s.v[i].ifs[k].peer_ns >= 0);
	struct vl_tr_path t = walk(&s, "vm1", "vm2", 0);
	assert_int_equal(t.verdict, VL_TR_OK);
	assert_string_equal(t.src, "10.0.0.1");
	assert_string_equal(t.dst, "10.0.0.2");
	/* hv1's head-end list is hv3 then hv2: the hv3 branch dead-ends
	 * (vm3 is not 10.0.0.2) and leaves no trace */
	assert_false(has_hop(&t, "hv3", "vx100"));
	const char *want[][3] = {
		{"vm1", "eth0", "nic"},      {"hv1", "vm1-eth0", "port"}, {"hv1", "vs1", "switch"},
		{"hv1", "vx100", "vtep"},    {"hv1", "eth0", "underlay"}, {"fabric", "hv1-eth0", "port"},
		{"fabric", "fabric", "switch"}, {"fabric", "hv2-eth0", "port"}, {"hv2", "eth0", "underlay"},
		{"hv2", "vx100", "vtep"},    {"hv2", "vs2", "switch"},    {"hv2", "vm2-eth0", "port"},
		{"vm2", "eth0", "nic"},
	};
	assert_int_equal(t.n, VL_ARRAY_SIZE(want));
	for (size_t i = 0; i < t.n; i++) {
		assert_string_equal(t.hops[i].node, want[i][0]);
		assert_string_equal(t.hops[i].ifname, want[i][1]);
		assert_string_equal(t.hops[i].layer, want[i][2]);
	}
	assert_non_null(strstr(t.hops[3].text, "VNI 100 to remote VTEP 192.168.0.2"));
	assert_non_null(strstr(t.hops[3].text, "default (00:00:00:00:00:00) entry"));
	assert_int_equal(t.path_mtu, 1500);
	struct vl_buf b = {0};
	vl_trace_text(&t, &b);
	assert_non_null(strstr(b.s, "path complete: 13 hops, path MTU 1500"));
	assert_non_null(strstr(b.s, "path: vm1 eth0 -> hv1 vm1-eth0 -> hv1 vs1 -> hv1 vx100 -> hv1 eth0"));
	vl_buf_free(&b);
	vl_trace_json(&t, "t", NULL, &b);
	assert_non_null(strstr(b.s, "\"verdict\":{\"ok\":true,\"hop\":null"));
	assert_non_null(strstr(b.s, ",\"probe\":null}\n"));
	assert_non_null(strstr(b.s, "{\"hop\":4,\"node\":\"hv1\",\"interface\":\"vx100\",\"layer\":\"vtep\""));
	vl_buf_free(&b);
	vl_trace_free(&t);

	/* a learned FDB entry for vm2's MAC on the VTEP wins over the list */
	struct vl_tr_ns *hv1 = find(&s, "hv1");
	struct vl_tr_fdb *e = VL_PUSH(hv1->fdb, hv1->nfdb, hv1->fdb_cap);
	e->ifindex = ifn(&s, "hv1", "vx100")->index;
	memcpy(e->mac, ifn(&s, "vm2", "eth0")->mac, 6);
	vl_tr_ip_parse("192.168.0.2", &e->dst);
	t = walk(&s, "vm1", "10.0.0.2", 0);
	assert_int_equal(t.verdict, VL_TR_OK);
	assert_non_null(strstr(t.hops[3].text, "fdb entry for the MAC"));
	vl_trace_free(&t);
	vl_tr_snap_free(&s);
}

static void expect_broken(struct vl_tr_snap *s, const char *src, const char *dst, int size,
			  const char *layer, const char *node, const char *ifname, const char *why)
{
	struct vl_tr_path t = walk(s, src, dst, size);
	assert_int_equal(t.verdict, VL_TR_BROKEN);
	assert_string_equal(t.layer, layer);
	assert_true(t.at >= 0 && (size_t)t.at + 1 == t.n);
	assert_string_equal(t.hops[t.at].node, node);
	assert_string_equal(t.hops[t.at].ifname, ifname);
	assert_true(t.hops[t.at].fault);
	if (!strstr(t.why, why))
		fail_msg("why: \"%s\" lacks \"%s\"", t.why, why);
	struct vl_buf b = {0};
	vl_trace_json(&t, "t", NULL, &b);
	assert_non_null(strstr(b.s, "\"verdict\":{\"ok\":false"));
	vl_buf_free(&b);
	/* --probe: the echo request died where the walk stops */
	struct vl_tr_probe p = {.answered = false, .last = (int)t.n};
	snprintf(p.why, sizeof(p.why), "no reply in 2 s");
	vl_trace_json(&t, "t", &p, &b);
	char want[128];
	snprintf(want, sizeof(want), ",\"probe\":{\"answered\":false,\"rtt_ms\":null,"
		 "\"why\":\"no reply in 2 s\",\"counters_to_hop\":%zu}}\n", t.n);
	if (!strstr(b.s, want))
		fail_msg("probe JSON: want %s in %s", want, b.s);
	vl_buf_free(&b);
	vl_trace_probe_text(&t, &p, &b);
	assert_non_null(strstr(b.s, "probe: no answer to one"));
	if (t.n > 1)
		assert_null(strstr(b.s, "not past it"));
	vl_buf_free(&b);
	vl_trace_free(&t);
}

static void test_faults(void **state)
{
	(void)state;
	struct vl_tr_snap s;

	/* the cable pulled at vm2: its switch port has no carrier */
	build(&s, 2);
	ifn(&s, "vm2", "eth0")->flags &= ~(unsigned)(IFF_UP | IFF_LOWER_UP);
	ifn(&s, "hv2", "vm2-eth0")->flags &= ~(unsigned)IFF_LOWER_UP;
	expect_broken(&s, "vm1", "vm2", 0, "link", "hv2", "vm2-eth0", "its peer vm2 eth0 is down");
	/* at the source: its own NIC */
	expect_broken(&s, "vm2", "vm1", 0, "link", "vm2", "eth0", "administratively");
	vl_tr_snap_free(&s);

	/* no route in the VM (the walk starts nowhere) */
	build(&s, 2);
	expect_broken(&s, "vm1", "10.9.9.9", 0, "route", "vm1", "-", "no route to 10.9.9.9");
	/* the underlay loses its route to the remote VTEP */
	struct vl_tr_ns *hv1 = find(&s, "hv1");
	hv1->naddrs = 0;
	expect_broken(&s, "vm1", "vm2", 0, "route", "hv1", "-", "hv1 has no route to 192.168.0.2");
	vl_tr_snap_free(&s);

	/* MTU: full-size frames need 1550 on the underlay; one link has 1500 */
	build(&s, 2);
	struct vl_tr_path t = walk(&s, "vm1", "vm2", 1500);
	assert_int_equal(t.verdict, VL_TR_OK);
	vl_trace_free(&t);
	ifn(&s, "fabric", "hv2-eth0")->mtu = 1500;
	expect_broken(&s, "vm1", "vm2", 1500, "mtu", "fabric", "hv2-eth0",
		      "MTU 1500, smaller than the 1550-byte packet (1500 + 50 bytes of encapsulation)");
	t = walk(&s, "vm1", "vm2", 1400);
	assert_int_equal(t.verdict, VL_TR_OK);
	assert_int_equal(t.path_mtu, 1450);
	vl_trace_free(&t);
	vl_tr_snap_free(&s);

	/* the overlay's FDB: no entry for the MAC and no default entry */
	build(&s, 2);
	find(&s, "hv1")->nfdb = 0;
	expect_broken(&s, "vm1", "vm2", 0, "fdb", "hv1", "vx100", "knows no remote VTEP");
	vl_tr_snap_free(&s);

	/* the far host has no VTEP for the VNI */
	build(&s, 2);
	ifn(&s, "hv2", "vx100")->vni = 200;
	expect_broken(&s, "vm1", "vm2", 0, "overlay", "hv2", "eth0", "no vxlan VTEP for VNI 100");
	vl_tr_snap_free(&s);

	/* a shaper: netem loss stops it, tbf drops are a warning */
	build(&s, 2);
	struct vl_tr_if *up = ifn(&s, "hv2", "eth0");
	snprintf(up->qkind, sizeof(up->qkind), "tbf");
	up->shape.rate_bps = 1000000;
	up->qdrops = 523;
	t = walk(&s, "vm1", "vm2", 0);
	assert_int_equal(t.verdict, VL_TR_OK);
	assert_int_equal(t.warnings.n, 1);
	assert_non_null(strstr(t.warnings.v[0], "has dropped 523 packets"));
	struct vl_buf b = {0};
	vl_trace_text(&t, &b);
	assert_non_null(strstr(b.s, "qdisc tbf rate 1mbit, 523 drops"));
	vl_buf_free(&b);
	vl_trace_free(&t);
	snprintf(up->qkind, sizeof(up->qkind), "netem");
	up->shape.loss_pct = 30;
	expect_broken(&s, "vm1", "vm2", 0, "shaper", "hv2", "eth0", "drops 30% of the packets");
	vl_tr_snap_free(&s);
}

/* red (VLAN 10, access) and blue (VLAN 20) on switch sw; router rtr on a
 * trunk (eth0.10, eth0.20), forwarding. */
static void build_vlans(struct vl_tr_snap *s)
{
	memset(s, 0, sizeof(*s));
	s->lab = xstrdup("v");
	struct vl_tr_ns *sw = vl_tr_add_ns(s, "vlab-v-sw", "sw");
	struct vl_tr_if *br = dev(sw, "sw", "bridge", 0);
	br->vlan_filtering = true;
	int bri = br->index;
	const char *names[] = {"red", "blue", "rtr"};
	for (int i = 0; i < 3; i++) {
		char pn[32];
		snprintf(pn, sizeof(pn), "%s-eth0", names[i]);
		struct vl_tr_if *p = dev(find(s, "sw"), pn, "veth", bri);
		if (i < 2) {
			struct vl_tr_vlan *v = VL_PUSH(p->vlans, p->nvlans, p->vlans_cap);
			*v = (struct vl_tr_vlan){.vid = (uint16_t)(10 * (i + 1)), .pvid = true, .untagged = true};
		} else {
			*VL_PUSH(p->vlans, p->nvlans, p->vlans_cap) = (struct vl_tr_vlan){.vid = 10};
			*VL_PUSH(p->vlans, p->nvlans, p->vlans_cap) = (struct vl_tr_vlan){.vid = 20};
		}
		struct vl_tr_ns *n = vl_tr_add_ns(s, names[i], names[i]);
		struct vl_tr_if *nic = dev(n, "eth0", "veth", 0);
		cable(nic, ifn(s, "sw", pn));
	}
	struct vl_tr_ns *red = find(s, "red"), *blue = find(s, "blue"), *rtr = find(s, "rtr");
	addr(red, red->ifs[0].index, "10.10.0.2", 24);
	route(red, "0.0.0.0", 0, "10.10.0.1", red->ifs[0].index);
	addr(blue, blue->ifs[0].index, "10.20.0.2", 24);
	route(blue, "0.0.0.0", 0, "10.20.0.1", blue->ifs[0].index);
	rtr->fwd4 = 1;
	int parent = rtr->ifs[0].index;
	for (int v = 10; v <= 20; v += 10) {
		char nm[16], ip[32];
		snprintf(nm, sizeof(nm), "eth0.%d", v);
		struct vl_tr_if *sub = dev(rtr, nm, "vlan", 0);
		sub->link = parent;
		sub->vlan_id = v;
		snprintf(ip, sizeof(ip), "10.%d.0.1", v);
		addr(rtr, sub->index, ip, 24);
	}
	memcpy(rtr->ifs[1].mac, rtr->ifs[0].mac, 6);
	memcpy(rtr->ifs[2].mac, rtr->ifs[0].mac, 6);
	vl_tr_pair_veths(s);
}

static void test_vlans(void **state)
{
	(void)state;
	struct vl_tr_snap s;
	build_vlans(&s);
	struct vl_tr_path t = walk(&s, "red", "blue", 0);
	assert_int_equal(t.verdict, VL_TR_OK);
	assert_true(has_hop(&t, "rtr", "eth0.10"));
	assert_true(has_hop(&t, "rtr", "eth0.20"));
	struct vl_buf b = {0};
	vl_trace_text(&t, &b);
	assert_non_null(strstr(b.s, "untagged = VLAN 10"));
	assert_non_null(strstr(b.s, "out of sw, VLAN 10 tagged"));
	assert_non_null(strstr(b.s, "out of sw, VLAN 20 untagged"));
	vl_buf_free(&b);
	vl_trace_free(&t);

	/* the trunk loses VLAN 20: the router's tagged frames are refused */
	struct vl_tr_if *trunk = ifn(&s, "sw", "rtr-eth0");
	trunk->nvlans = 1;
	expect_broken(&s, "red", "blue", 0, "vlan", "sw", "rtr-eth0",
		      "VLAN 20 is not allowed on port rtr-eth0 of sw sw (its VLANs: 10)");
	/* an access port without a PVID drops untagged frames */
	trunk->nvlans = 2;
	ifn(&s, "sw", "red-eth0")->vlans[0].pvid = false;
	expect_broken(&s, "red", "blue", 0, "vlan", "sw", "red-eth0", "has no PVID");
	ifn(&s, "sw", "red-eth0")->vlans[0].pvid = true;
	/* a router that does not forward */
	find(&s, "rtr")->fwd4 = 0;
	expect_broken(&s, "red", "blue", 0, "forwarding", "rtr", "eth0.20", "does not forward IPv4");
	vl_tr_snap_free(&s);
}

static void test_requests(void **state)
{
	(void)state;
	struct vl_tr_snap s;
	build(&s, 2);
	struct vl_tr_path t;
	struct vl_buf err = {0};
	struct vl_tr_req r = {.src_node = "vm3", .dst = "vm2"};
	assert_int_equal(vl_trace_walk(&s, &r, &t, &err), -1);
	assert_non_null(strstr(err.s, "lab t has no node \"vm3\"; did you mean vm1?"));
	vl_buf_free(&err);
	r = (struct vl_tr_req){.src_node = "vm1", .src_if = "eht0", .dst = "vm2"};
	assert_int_equal(vl_trace_walk(&s, &r, &t, &err), -1);
	assert_non_null(strstr(err.s, "did you mean eth0?"));
	vl_buf_free(&err);
	r = (struct vl_tr_req){.src_node = "vm1", .dst = "fabric"};
	assert_int_equal(vl_trace_walk(&s, &r, &t, &err), -1);
	assert_non_null(strstr(err.s, "fabric has no address"));
	vl_buf_free(&err);
	/* NODE:IF both ends; a host as destination */
	r = (struct vl_tr_req){.src_node = "vm1", .src_if = "eth0", .dst = "vm2:eth0"};
	assert_int_equal(vl_trace_walk(&s, &r, &t, &err), 0);
	assert_int_equal(t.verdict, VL_TR_OK);
	vl_trace_free(&t);
	r = (struct vl_tr_req){.src_node = "hv1", .dst = "hv2"};
	assert_int_equal(vl_trace_walk(&s, &r, &t, &err), 0);
	assert_int_equal(t.verdict, VL_TR_OK);
	assert_string_equal(t.dst, "192.168.0.2");
	assert_int_equal(t.n, 5);
	vl_trace_free(&t);
	/* to itself */
	t = walk(&s, "vm1", "10.0.0.1", 0);
	assert_int_equal(t.verdict, VL_TR_OK);
	assert_int_equal(t.n, 1);
	vl_trace_free(&t);
	/* an address nobody in the lab has, on a connected subnet */
	expect_broken(&s, "vm1", "10.0.0.77", 0, "neighbour", "vm1", "eth0",
		      "no device in the lab holds 10.0.0.77");
	vl_tr_snap_free(&s);

	struct vl_tr_ip a, b2;
	char buf[64];
	assert_int_equal(vl_tr_ip_parse("fd00::1", &a), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_string_equal(vl_tr_ip_str(&a, buf, sizeof(buf)), "fd00::1");
	assert_int_equal(vl_tr_ip_parse("nope", &b2), -1);
	assert_false(vl_tr_ip_eq(&a, &b2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_overlay_path),
		cmocka_unit_test(test_faults),
		cmocka_unit_test(test_vlans),
		cmocka_unit_test(test_requests),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
