#include "unit.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <time.h>

#include "vlab/diag.h"
#include "vlab/model.h"
#include "vlab/parse.h"
#include "vlab/plan.h"
#include "vlab/util.h"
#include "vlab/validate.h"

static char *diag_text(struct vl_diags *d)
{
	struct vl_buf b = {0};
	vl_buf_add(&b, "");
	for (size_t i = 0; i < d->n; i++) {
		char *s = vl_diag_format(&d->v[i]);
		vl_buf_printf(&b, "%s\n", s);
		free(s);
	}
	return b.s;
}

/* Load a file that must validate; `warnings` is how many warnings. */
static void load(const char *path, struct vl_topology *t, size_t warnings, char **text)
{
	struct vl_diags d = {0};
	assert_int_equal(vl_parse_file(path, t, &d), 0);
	vl_validate(t, &d);
	char *s = diag_text(&d);
	if (d.errors || d.warnings != warnings)
		fprintf(stderr, "%s:\n%s", path, s);
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.warnings, warnings);
	if (text)
		*text = s;
	else
		free(s);
	vl_diags_free(&d);
}

static void load_str(const char *text, struct vl_topology *t, struct vl_diags *d)
{
	vl_parse_string("t.ini", text, t, d);
	vl_validate(t, d);
}

static const char *addr(const struct vl_prefix *p, char *b)
{
	vl_prefix_format(p, b, 64, true);
	return b;
}

/* Every tests/good file validates; every nic has a MAC and an MTU. */
static void test_good_files(void **state)
{
	(void)state;
	DIR *dir = opendir("tests/good");
	assert_non_null(dir);
	struct dirent *e;
	int n = 0;
	while ((e = readdir(dir))) {
		if (!strstr(e->d_name, ".ini"))
			continue;
		char *path = xasprintf("tests/good/%s", e->d_name);
		struct vl_topology t;
		struct vl_diags d = {0};
		vl_parse_file(path, &t, &d);
		vl_validate(&t, &d);
		if (d.errors) {
			char *s = diag_text(&d);
			fprintf(stderr, "%s", s);
			free(s);
		}
		assert_int_equal(d.errors, 0);
		for (size_t i = 0; i < t.nnodes; i++)
			for (size_t j = 0; j < t.nodes[i].nnics; j++) {
				struct vl_nic *c = &t.nodes[i].nics[j];
				assert_true(c->mac_set);
				assert_true(c->mtu >= 68);
				assert_true(c->sw_idx >= 0 || c->link_idx >= 0);
				for (size_t k = 0; k < c->naddrs; k++)
					assert_true(c->addrs[k].p.family != 0);
			}
		for (size_t i = 0; i < t.nswitches; i++)
			assert_true(t.switches[i].vlan_filtering == 0 ||
				    t.switches[i].vlan_filtering == 1);
		vl_diags_free(&d);
		vl_topology_free(&t);
		free(path);
		n++;
	}
	closedir(dir);
	assert_true(n >= 7);
}

static void test_vxlan(void **state)
{
	(void)state;
	struct vl_topology t;
	char b[64];
	load("tests/good/vxlan.ini", &t, 0, NULL);
	struct vl_overlay *o = &t.overlays[0];
	assert_int_equal(o->port, 4789);
	assert_int_equal(o->mtu, 1500); /* 1600 underlay fits 1500 + 50 */
	int hv1 = vl_find_node(&t, "hv1"), hv2 = vl_find_node(&t, "hv2");
	assert_int_equal(o->sw_idx[0], vl_find_switch(&t, "vs1"));
	assert_int_equal(o->host_idx[0], hv1);
	assert_int_equal(o->host_idx[1], hv2);
	assert_int_equal(o->underlay_nic[0], 0);
	assert_string_equal(addr(&o->local[0], b), "192.168.1.10/32");
	assert_string_equal(addr(&o->local[1], b), "192.168.2.10/32");
	/* auto addresses are unique in the lab across both vSwitches */
	struct vl_node *a = &t.nodes[vl_find_node(&t, "a")];
	struct vl_node *bb = &t.nodes[vl_find_node(&t, "b")];
	assert_string_equal(addr(&a->nics[0].addrs[0].p, b), "10.10.0.1/24");
	assert_true(a->nics[0].addrs[0].is_auto);
	assert_string_equal(addr(&bb->nics[0].addrs[0].p, b), "10.10.0.2/24");
	assert_int_equal(a->host_idx, hv1);
	/* gateway became a default route */
	struct vl_node *h = &t.nodes[hv1];
	assert_int_equal(h->nroutes, 1);
	assert_int_equal(h->routes[0].dst.len, 0);
	assert_int_equal(h->routes[0].dst.family, AF_INET);
	assert_string_equal(addr(&h->routes[0].via, b), "192.168.1.1/32");
	assert_int_equal(h->nics[0].mtu, 1600);
	vl_topology_free(&t);
}

static void test_geneve_mtu_fix(void **state)
{
	(void)state;
	struct vl_topology t;
	char *text;
	load("tests/good/geneve.ini", &t, 1, &text);
	assert_non_null(strstr(text, "[overlay g] mtu: underlay eth0 of hv1 has MTU 1500, Geneve over IPv6 adds 70 bytes, "
				     "so the segment MTU must be <= 1430 (it is 1500); lowering it to 1430"));
	free(text);
	struct vl_overlay *o = &t.overlays[0];
	assert_int_equal(o->port, 6081);
	assert_int_equal(o->mtu, 1430);
	assert_int_equal(o->local[0].family, AF_INET6);
	assert_int_equal(t.nodes[vl_find_node(&t, "a")].nics[0].mtu, 1430);
	assert_int_equal(t.nodes[vl_find_node(&t, "b")].nics[0].mtu, 1430);
	assert_int_equal(t.switches[vl_find_switch(&t, "vs1")].mtu, 1430);
	assert_int_equal(t.nodes[vl_find_node(&t, "hv1")].nics[0].mtu, 1500);
	vl_topology_free(&t);
}

static void test_mtu_ignore(void **state)
{
	(void)state;
	struct vl_topology t;
	struct vl_diags d = {0};
	load_str("[lab]\nname = i\n[switch p]\n[host h1]\nnic = eth0 p 10.0.0.1/24\n"
		 "[host h2]\nnic = eth0 p 10.0.0.2/24\n[switch v1]\nhost = h1\n[switch v2]\nhost = h2\n"
		 "[vm a]\nhost = h1\nnic = eth0 v1\n"
		 "[overlay o]\ntype = vxlan\nvni = 9\nswitches = v1 v2\nmtu = ignore\n",
		 &t, &d);
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.warnings, 1);
	assert_non_null(strstr(d.v[0].msg, "keeping it because mtu = ignore"));
	assert_int_equal(t.overlays[0].mtu, 1500);
	assert_int_equal(t.nodes[2].nics[0].mtu, 1500);
	assert_int_equal(vl_overlay_overhead(VL_OVERLAY_VXLAN, AF_INET), 50);
	assert_int_equal(vl_overlay_overhead(VL_OVERLAY_GENEVE, AF_INET6), 70);
	vl_diags_free(&d);
	vl_topology_free(&t);
}

/* Overlays between the same two vSwitches: with different vlan= they
 * carry different VLANs (no loop); two with the same VLAN, or one that
 * carries every VLAN beside one with a VLAN, close a loop in that VLAN. */
static bool overlay_loop(const char *overlays)
{
	struct vl_topology t;
	struct vl_diags d = {0};
	char *text = xasprintf("[lab]\nname = o\n[switch p]\n[host h1]\nnic = eth0 p 10.0.0.1/24\n"
			       "[host h2]\nnic = eth0 p 10.0.0.2/24\n[switch v1]\nhost = h1\n"
			       "[switch v2]\nhost = h2\n[vm a]\nhost = h1\nnic = eth0 v1 vlan=10\n"
			       "[vm b]\nhost = h2\nnic = eth0 v2 vlan=20\n%s", overlays);
	load_str(text, &t, &d);
	assert_int_equal(d.errors, 0);
	char *s = diag_text(&d);
	bool loop = strstr(s, "loop without spanning tree: v") != NULL;
	free(s);
	free(text);
	vl_diags_free(&d);
	vl_topology_free(&t);
	return loop;
}

static void test_overlay_vlan_loops(void **state)
{
	(void)state;
	const char *o10 = "[overlay o10]\ntype = vxlan\nvni = 10\nvlan = 10\nswitches = v1 v2\n";
	const char *o20 = "[overlay o20]\ntype = vxlan\nvni = 20\nvlan = 20\nswitches = v1 v2\n";
	const char *o30 = "[overlay o30]\ntype = vxlan\nvni = 30\nvlan = 10\nswitches = v1 v2\n";
	const char *all = "[overlay all]\ntype = vxlan\nvni = 40\nswitches = v1 v2\n";
	char *two = xasprintf("%s%s", o10, o20);
	assert_false(overlay_loop(o10));
	assert_false(overlay_loop(two));
	free(two);
	char *same = xasprintf("%s%s%s", o10, o20, o30);
	assert_true(overlay_loop(same));
	free(same);
	char *mixed = xasprintf("%s%s", o20, all);
	assert_true(overlay_loop(mixed));
	free(mixed);
}

static void test_vlans(void **state)
{
	(void)state;
	struct vl_topology t;
	load("tests/good/vlans.ini", &t, 0, NULL);
	assert_int_equal(t.switches[0].vlan_filtering, 1);
	struct vl_node *r = &t.nodes[vl_find_node(&t, "r1")];
	assert_int_equal(r->subs[0].mtu, 1500); /* from the parent */
	assert_int_equal(r->subs[1].mtu, 1400);
	assert_true(r->forward);
	vl_topology_free(&t);

	/* no VLANs anywhere: auto means off */
	struct vl_diags d = {0};
	load_str("[lab]\nname = v\n[switch s]\n[vm a]\nnic = eth0 s\n", &t, &d);
	assert_int_equal(d.errors, 0);
	assert_int_equal(t.switches[0].vlan_filtering, 0);
	assert_int_equal(t.switches[0].mtu, 1500);
	vl_diags_free(&d);
	vl_topology_free(&t);
}

static void test_shapers(void **state)
{
	(void)state;
	struct vl_topology t;
	load("tests/good/links.ini", &t, 0, NULL);
	struct vl_node *left = &t.nodes[vl_find_node(&t, "left")];
	struct vl_nic *c = &left->nics[vl_find_nic(left, "eth0")];
	assert_int_equal(c->link_idx, 0);
	assert_true(c->out.set);
	assert_true(c->out.rate_bps == 10000000ull);   /* from the profile */
	assert_int_equal(c->out.delay_us, 300000);
	assert_int_equal(c->out.jitter_us, 10000);
	assert_true(c->out.loss_pct == 1.0);           /* inline wins over 0.5% */
	assert_int_equal(t.links[0].node_idx[1], vl_find_node(&t, "right"));
	assert_true(t.links[0].nic_idx[0] >= 0 && t.links[0].nic_idx[1] >= 0);
	struct vl_node *right = &t.nodes[vl_find_node(&t, "right")];
	assert_int_equal(right->nics[vl_find_nic(right, "eth0")].mtu, 1400);
	c = &left->nics[vl_find_nic(left, "eth1")];
	assert_int_equal(c->out.netem_limit, 1000);
	assert_true(c->in.rate_bps == 100000000ull);
	assert_int_equal(c->in.burst_bytes, 32768);
	vl_topology_free(&t);
}

static void test_nat_routes(void **state)
{
	(void)state;
	struct vl_topology t;
	char b[64];
	load("tests/good/nat.ini", &t, 0, NULL);
	struct vl_node *pc = &t.nodes[vl_find_node(&t, "pc1")];
	assert_string_equal(addr(&pc->nics[0].addrs[0].p, b), "10.0.0.2/24");
	assert_string_equal(addr(&pc->nics[0].addrs[1].p, b), "fd00:1::2/64");
	assert_int_equal(pc->nroutes, 2);
	assert_int_equal(pc->routes[1].dst.family, AF_INET6);
	assert_int_equal(pc->routes[1].dst.len, 0);
	struct vl_node *gw = &t.nodes[vl_find_node(&t, "gw")];
	assert_string_equal(gw->nat, "eth1");
	assert_int_equal(gw->nroutes, 2);
	vl_topology_free(&t);
}

static void test_mirror(void **state)
{
	(void)state;
	struct vl_topology t;
	load("tests/good/mirror.ini", &t, 0, NULL);
	struct vl_mirror *m = &t.mirrors[0];
	assert_int_equal(m->src_node_idx, vl_find_node(&t, "a"));
	assert_int_equal(m->dst_node_idx, vl_find_node(&t, "ids"));
	assert_int_equal(m->src_nic_idx, 0);
	assert_true(m->ingress);
	assert_false(m->egress);
	vl_topology_free(&t);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void test_ranges_big(void **state)
{
	(void)state;
	struct vl_topology t;
	double t0 = now_ms();
	load("tests/good/ranges.ini", &t, 0, NULL);
	double dt = now_ms() - t0;
	fprintf(stderr, "parse + validate of 1010 nodes: %.2f ms\n", dt);
	assert_true(dt < 1000); /* natively a few ms; generous for valgrind */
	assert_int_equal(t.nnodes, 1010);
	/* hv1..10 round robin: web11 is on hv1, web10 on hv10 */
	struct vl_node *w = &t.nodes[vl_find_node(&t, "web11")];
	assert_string_equal(w->host, "hv1");
	assert_string_equal(w->nics[0].sw, "vs1");
	w = &t.nodes[vl_find_node(&t, "web10")];
	assert_string_equal(w->nics[0].sw, "vs10");
	assert_int_equal(t.overlays[0].nswitches, 10);
	assert_int_equal(t.overlays[0].mtu, 1500); /* 9000 underlay */
	/* 1000 distinct auto addresses */
	char b[64];
	w = &t.nodes[vl_find_node(&t, "web1000")];
	assert_string_equal(addr(&w->nics[0].addrs[0].p, b), "10.0.3.232/16");
	vl_topology_free(&t);
}

static void test_warnings(void **state)
{
	(void)state;
	struct vl_topology t;
	struct vl_diags d = {0};
	load_str("[lab]\nname = w\n[switch s]\n[switch lonely]\n[vm a]\n"
		 "nic = eth0 s 10.0.0.1/24\nnic = eth1 s 10.0.0.2/16\n[vm empty]\n"
		 "[router r]\nnic = eth0 s 10.0.0.3/24\nroute = 10.5.0.0/16 via 10.9.9.9\n",
		 &t, &d);
	char *s = diag_text(&d);
	assert_int_equal(d.errors, 1); /* the route: the kernel would refuse it */
	assert_non_null(strstr(s, "t.ini:7: warning: [vm a] eth1: 10.0.0.2/16 overlaps 10.0.0.1/24 on a eth0 (line 6)"));
	assert_non_null(strstr(s, "switch lonely has no ports"));
	assert_non_null(strstr(s, "vm empty has no NICs"));
	assert_non_null(strstr(s, "t.ini:11: error: [router r] route: via 10.9.9.9 is not on a local subnet of r (10.0.0.0/24)"));
	free(s);
	vl_diags_free(&d);
	vl_topology_free(&t);
}

static void test_small_subnets(void **state)
{
	(void)state;
	struct vl_topology t;
	struct vl_diags d = {0};
	char b[64];
	load_str("[lab]\nname = p\n[switch p2p]\nsubnet = 10.0.0.0/31\n[switch one]\nsubnet = 10.1.0.0/32\n"
		 "[vm a]\nnic = eth0 p2p auto\nnic = eth1 one auto\n[vm b]\nnic = eth0 p2p auto\n",
		 &t, &d);
	assert_int_equal(d.errors, 0);
	assert_string_equal(addr(&t.nodes[0].nics[0].addrs[0].p, b), "10.0.0.0/31");
	assert_string_equal(addr(&t.nodes[0].nics[1].addrs[0].p, b), "10.1.0.0/32");
	assert_string_equal(addr(&t.nodes[1].nics[0].addrs[0].p, b), "10.0.0.1/31");
	vl_diags_free(&d);
	vl_topology_free(&t);

	/* auto skips addresses given statically anywhere */
	load_str("[lab]\nname = p\n[switch s]\nsubnet = 10.0.0.0/29\n"
		 "[vm a]\nnic = eth0 s auto\n[vm b]\nnic = eth0 s 10.0.0.1/29\n[vm c]\nnic = eth0 s auto\n",
		 &t, &d);
	assert_int_equal(d.errors, 0);
	assert_string_equal(addr(&t.nodes[0].nics[0].addrs[0].p, b), "10.0.0.2/29");
	assert_string_equal(addr(&t.nodes[2].nics[0].addrs[0].p, b), "10.0.0.3/29");
	vl_diags_free(&d);
	vl_topology_free(&t);
}

/* Endpoints resolve as model.h says: first interface with an address
 * (IPv4 first), NODE:IF, sub-interfaces (nic_idx = parent), literals. */
static void test_assert_endpoints(void **state)
{
	(void)state;
	struct vl_topology t;
	struct vl_diags d = {0};
	char b[64];
	load_str("[lab]\nname = e\n[switch s]\nsubnet = 10.0.0.0/24\nsubnet6 = fd00::/64\n"
		 "[vm a]\nnic = eth0 s\nnic = eth1 s auto6 auto\n"
		 "[vm b]\nnic = eth0 s auto6\n"
		 "[router r]\nnic = eth0 s trunk=10\nsub = eth0.10 10.1.0.1/24\n"
		 "[test]\nisolate = a b:eth0 r\nmtu = a 192.0.2.1 1400\nmac = r:eth0.10 02:00:00:00:00:01\n"
		 "cmd = b -- true\nreach = b:eth0 fd00::1\n",
		 &t, &d);
	char *s = diag_text(&d);
	if (d.errors)
		fprintf(stderr, "%s", s);
	assert_int_equal(d.errors, 0);
	free(s);
	struct vl_assert *a = t.tests[0].asserts;
	/* a: eth0 has no address; eth1's IPv4 comes before its IPv6 */
	assert_int_equal(a[0].ep[0].node_idx, 0);
	assert_int_equal(a[0].ep[0].nic_idx, 1);
	assert_string_equal(addr(&a[0].ep[0].addr, b), "10.0.0.1/32");
	assert_int_equal(a[0].ep[1].node_idx, 1);
	assert_int_equal(a[0].ep[1].nic_idx, 0);
	assert_int_equal(a[0].ep[1].addr.family, AF_INET6);
	/* r has its address on a sub-interface: nic_idx is the parent */
	assert_int_equal(a[0].ep[2].node_idx, 2);
	assert_int_equal(a[0].ep[2].nic_idx, 0);
	assert_string_equal(addr(&a[0].ep[2].addr, b), "10.1.0.1/32");
	/* an address outside the lab, as an mtu target */
	assert_int_equal(a[1].ep[1].node_idx, -1);
	assert_int_equal(a[1].ep[1].nic_idx, -1);
	assert_string_equal(addr(&a[1].ep[1].addr, b), "192.0.2.1/32");
	assert_int_equal(a[2].ep[0].node_idx, 2);
	assert_int_equal(a[2].ep[0].nic_idx, 0);
	assert_int_equal(a[3].ep[0].node_idx, 1);
	/* a literal of a lab node resolves to that node and NIC */
	assert_int_equal(a[4].ep[0].addr.family, AF_INET6);
	assert_int_equal(a[4].ep[1].node_idx, 0);
	assert_int_equal(a[4].ep[1].nic_idx, 1);
	assert_int_equal(a[4].ep[1].addr.family, AF_INET6);
	vl_diags_free(&d);
	vl_topology_free(&t);
}

static const char *const assert_lab =
	"[lab]\nname = j\n"
	"[switch s]\nsubnet = 10.0.0.0/24\n"
	"[switch s2]\nsubnet = 10.0.2.0/24\n"
	"[switch v]\nsubnet = 10.0.5.0/24\n"
	"[vm a]\nnic = eth0 s auto mtu=1400\n"
	"[vm b]\nnic = eth0 s auto\n"
	"[vm c]\nnic = eth0 s2 auto\n"
	"[vm d]\nnic = eth0 s\n"
	"[vm six]\nnic = eth0 s fd00::6/64\n"
	"[vm red]\nnic = eth0 v auto vlan=10\n"
	"[vm blue]\nnic = eth0 v auto vlan=20\n"
	"[vm green]\nnic = eth0 v auto vlan=30\n"
	"[router r]\nnic = eth0 v trunk=10,20\nsub = eth0.10 10.0.10.1/24\nsub = eth0.20 10.0.20.1/24\n"
	"[vm h]\nnic = eth0 s2 auto\nnic = eth1 s auto\n"
	"[test]\n";

/* The assertions `extra` (line 33 on) on assert_lab: the errors and
 * warnings expected, and `want` in the text when not NULL. */
static void judge(const char *extra, size_t errors, size_t warnings, const char *want)
{
	struct vl_topology t;
	struct vl_diags d = {0};
	char *text = xasprintf("%s%s\n", assert_lab, extra);
	load_str(text, &t, &d);
	char *s = diag_text(&d);
	if (d.errors != errors || d.warnings != warnings || (want && !strstr(s, want)))
		fprintf(stderr, "%s\nwanted %zu errors, %zu warnings, \"%s\"; got:\n%s", extra,
			errors, warnings, want ? want : "", s);
	assert_int_equal(d.errors, errors);
	assert_int_equal(d.warnings, warnings);
	if (want)
		assert_non_null(strstr(s, want));
	free(s);
	free(text);
	vl_diags_free(&d);
	vl_topology_free(&t);
}

static void test_assert_judgments(void **state)
{
	(void)state;
	/* good: same switch; VLANs joined by the router; a host on both */
	judge("reach = a b\nreach = red blue r\nreach = c h\nreach = h b\nisolate = red green\n"
	      "mtu = a b 1400\nmtu = b 192.0.2.1 1500\npath = red blue r\ntcp = a b:22\n"
	      "udp = a 10.0.0.2:53 timeout=1s\nlatency = a b < 5ms\nrate = a b > 1mbit\n"
	      "loss = a b <= 1%\ncmd = d -- true\nreach = six fd00::6\n", 0, 0, NULL);
	/* reach and isolate of one pair, across [test] sections */
	judge("reach = a b c\n[test other]\nisolate = b a", 1, 2,
	      "t.ini:35: error: [test other] isolate: b and a are also asserted to reach each other (reach at line 33)");
	/* a literal names the same address as the node */
	judge("reach = a b\nisolate = 10.0.0.1 b", 1, 0, "10.0.0.1 and b are also asserted");
	/* no shared segment */
	judge("reach = a c", 0, 1,
	      "t.ini:33: warning: [test] reach: a and c have no possible L3 path: a is on switch s, c on switch s2");
	/* other VLAN, no router on it */
	judge("reach = red green", 0, 1, "red is on switch v VLAN 10, green on switch v VLAN 30");
	judge("latency = a c < 1s", 0, 1, "no possible L3 path");
	/* isolate, mac and cmd send nothing to judge */
	judge("isolate = a c", 0, 0, NULL);
	/* a forwarding host joins its segments; a plain one does not */
	judge("reach = a c\n[vm fw]\nnic = eth0 s auto\nnic = eth1 s2 auto\nforward = on", 0, 0, NULL);
	/* MTU */
	judge("mtu = a b 1401", 1, 0,
	      "t.ini:33: error: [test] mtu: 1401 is larger than the MTU of a eth0 (1400): a packet of that size cannot leave a at all; assert at most 1400");
	judge("mtu = b a 1500", 1, 0, "cannot arrive at a");
	/* addresses */
	judge("reach = a d", 1, 0, "d has no address to test with");
	judge("tcp = a d:80", 1, 0, "d has no address to test with");
	judge("reach = a six", 2, 0, "a has no IPv6 address to reach six (fd00::6) from, and no address of another family");
	judge("tcp = a 192.0.2.1:80", 1, 0,
	      "192.0.2.1 is not an address of any node in the lab; here tcp needs a lab node");
	judge("mtu = 192.0.2.1 a 1400", 1, 0, "192.0.2.1 is not an address of any node");
	judge("reach = a 192.0.2.1", 1, 0, "192.0.2.1 is not an address of any node");
	/* names */
	judge("reach = a bb", 1, 0, "reach: unknown node \"bb\" (did you mean b?)");
	judge("udp = a b:eth7:53", 1, 0, "b has no NIC eth7");
	judge("mac = a:eth1 02:00:00:00:00:01", 1, 0, "mac: a has no NIC eth1");
	judge("cmd = nobody -- true", 1, 0, "cmd: unknown node \"nobody\"");
	judge("path = red blue r:eth0", 1, 0, "the hop is a node, not r:eth0");
	judge("path = red blue b", 0, 1, "b does not forward (forward = off)");
	judge("mac = a:eth0 02:00:00:00:00:01", 0, 1, "a:eth0 gets the MAC");
	judge("[vm m]\nnic = eth0 s mac=02:00:00:00:00:07\n[test]\nmac = m:eth0 02:00:00:00:00:07",
	      0, 0, NULL);
}

/* tests/good/tests.ini: every kind, no warning; what the runner reads. */
static void test_assert_good_file(void **state)
{
	(void)state;
	struct vl_topology t;
	char b[64];
	load("tests/good/tests.ini", &t, 0, NULL);
	assert_int_equal(t.ntests, 4);
	bool seen[VL_ASSERT__COUNT] = {0};
	for (size_t i = 0; i < t.ntests; i++)
		for (size_t j = 0; j < t.tests[i].nasserts; j++) {
			const struct vl_assert *a = &t.tests[i].asserts[j];
			seen[a->kind] = true;
			assert_non_null(a->ep);
			assert_true(a->timeout > 0);
		}
	for (int k = 0; k < VL_ASSERT__COUNT; k++)
		assert_true(seen[k]);
	const struct vl_assert *p = &t.tests[0].asserts[4]; /* path = pc 198.51.100.7 gw */
	assert_int_equal(p->kind, VL_ASSERT_ROUTE);
	assert_int_equal(p->ep[1].node_idx, -1);
	assert_string_equal(addr(&p->ep[1].addr, b), "198.51.100.7/32");
	assert_int_equal(p->ep[2].node_idx, vl_find_node(&t, "gw"));
	const struct vl_assert *tcp6 = &t.tests[1].asserts[1]; /* tcp = pc [fd00:2::1]:443 */
	assert_int_equal(tcp6->port, 443);
	assert_int_equal(tcp6->ep[1].node_idx, vl_find_node(&t, "srv"));
	assert_string_equal(addr(&tcp6->ep[1].addr, b), "fd00:2::1/128");
	assert_true(tcp6->timeout == 5.0);
	vl_topology_free(&t);
}

/* Diagnostics of a lab text: errors, warnings, and a substring of them. */
static void expect(const char *text, size_t errors, size_t warnings, const char *want)
{
	struct vl_topology t;
	struct vl_diags d = {0};
	load_str(text, &t, &d);
	char *s = diag_text(&d);
	if (d.errors != errors || d.warnings != warnings || (want && !strstr(s, want)))
		fprintf(stderr, "%s\nwanted %zu errors, %zu warnings, \"%s\"; got:\n%s", text,
			errors, warnings, want ? want : "", s);
	assert_int_equal(d.errors, errors);
	assert_int_equal(d.warnings, warnings);
	if (want)
		assert_non_null(strstr(s, want));
	free(s);
	vl_diags_free(&d);
	vl_topology_free(&t);
}

/* Addresses are unique per segment and routing domain, not per lab. */
static void test_address_domains(void **state)
{
	(void)state;
	struct vl_topology t;
	char b[64];
	load("tests/good/tenants.ini", &t, 0, NULL);
	/* a literal is ambiguous; node names are not */
	struct vl_assert *a = &t.tests[0].asserts[1];
	assert_int_equal(a->ep[0].node_idx, vl_find_node(&t, "b_web"));
	assert_string_equal(addr(&a->ep[1].addr, b), "192.168.1.2/32");
	assert_int_equal(a->ep[1].node_idx, vl_find_node(&t, "b_db"));
	vl_topology_free(&t);

	const char *two = "[lab]\nname = d\n[switch s1]\n[switch s2]\n"
			  "[vm a]\nnic = eth0 s1 10.0.0.1/24\n[vm b]\nnic = eth0 s2 10.0.0.1/24\n";
	expect(two, 0, 0, NULL);
	/* one segment */
	expect("[lab]\nname = d\n[switch s1]\n[vm a]\nnic = eth0 s1 10.0.0.1/24\n"
	       "[vm b]\nnic = eth0 s1 10.0.0.1/24\n", 1, 0,
	       "t.ini:7: error: [vm b] nic: eth0: address 10.0.0.1 is already on a eth0 (line 5), "
	       "on the same segment (switch s1)");
	/* one VLAN of a switch, not another */
	expect("[lab]\nname = d\n[switch s1]\n[vm a]\nnic = eth0 s1 10.0.0.1/24 vlan=10\n"
	       "[vm b]\nnic = eth0 s1 10.0.0.1/24 vlan=20\n", 0, 0, NULL);
	expect("[lab]\nname = d\n[switch s1]\n[vm a]\nnic = eth0 s1 10.0.0.1/24 vlan=10\n"
	       "[vm b]\nnic = eth0 s1 10.0.0.1/24 vlan=10\n", 1, 0, "(switch s1 VLAN 10)");
	/* joined by a router */
	char *routed = xasprintf("%s[router r]\nnic = eth0 s1 10.0.0.254/24\nnic = eth1 s2 10.1.0.1/24\n", two);
	expect(routed, 1, 0, "address 10.0.0.1 is already on a eth0 (line 6), in the same routing "
	       "domain (switch s1 and switch s2 are joined through forwarding nodes)");
	free(routed);
	/* behind two NAT routers on one outside switch: both hidden */
	expect("[lab]\nname = d\n[switch out]\n[switch in1]\n[switch in2]\n"
	       "[router r1]\nnic = eth0 in1 10.0.0.254/24\nnic = eth1 out 100.64.0.1/24\nnat = eth1\n"
	       "[router r2]\nnic = eth0 in2 10.0.0.254/24\nnic = eth1 out 100.64.0.2/24\nnat = eth1\n"
	       "[vm a]\nnic = eth0 in1 10.0.0.1/24\n[vm b]\nnic = eth0 in2 10.0.0.1/24\n", 0, 0, NULL);
	/* one node holds an address once, whatever the segments */
	expect("[lab]\nname = d\n[switch s1]\n[switch s2]\n"
	       "[vm a]\nnic = eth0 s1 10.0.0.1/24\nnic = eth1 s2 10.0.0.1/24\n", 1, 1,
	       "one node cannot hold an address twice");
	/* auto allocation counts per domain: both get the first address */
	load_str("[lab]\nname = d\n[switch s1]\nsubnet = 10.0.0.0/24\n[switch s2]\n"
		 "subnet = 10.0.0.0/24\n[vm a]\nnic = eth0 s1 auto\n[vm b]\nnic = eth0 s2 auto\n"
		 "[vm c]\nnic = eth0 s2 auto\n", &t, &(struct vl_diags){0});
	assert_string_equal(addr(&t.nodes[0].nics[0].addrs[0].p, b), "10.0.0.1/24");
	assert_string_equal(addr(&t.nodes[1].nics[0].addrs[0].p, b), "10.0.0.1/24");
	assert_string_equal(addr(&t.nodes[2].nics[0].addrs[0].p, b), "10.0.0.2/24");
	vl_topology_free(&t);
	/* isolate between nodes whose addresses the other domain also uses */
	expect("[lab]\nname = d\n[switch s1]\n[switch s2]\n[vm a]\nnic = eth0 s1 10.0.0.1/24\n"
	       "[vm b]\nnic = eth0 s2 10.0.0.1/24\n[vm c]\nnic = eth0 s2 10.0.0.2/24\n"
	       "[test]\nisolate = a c\n", 0, 1,
	       "t.ini:12: warning: [test] isolate: a's address 10.0.0.1 is also b's (b eth0, line 8) "
	       "in c's routing domain: pings from c to it are answered by b");
	/* an address literal two nodes have */
	expect("[lab]\nname = d\n[switch s1]\n[switch s2]\n[vm a]\nnic = eth0 s1 10.0.0.1/24\n"
	       "[vm b]\nnic = eth0 s2 10.0.0.1/24\n[vm c]\nnic = eth0 s2 10.0.0.2/24\n"
	       "[test]\nreach = c 10.0.0.1\n", 1, 0,
	       "t.ini:12: error: [test] reach: 10.0.0.1 is ambiguous: a eth0 (line 6) and b eth0 "
	       "(line 8) both have it (on different segments); name the node instead (a or b)");
}


/* Multicast snooping: off on every bridge unless the switch asks; the key
 * takes on/off only. */
static void test_mcast_snooping(void **state)
{
	(void)state;
	struct vl_topology t;
	struct vl_diags d = {0};
	load_str("[lab]\nname = m\n[host hv]\n[switch plain]\nhost = hv\n[switch igmp]\nhost = hv\n"
		 "mcast_snooping = on\n[vm a]\nhost = hv\nnic = eth0 plain 10.0.0.1/24\n"
		 "[vm b]\nhost = hv\nnic = eth0 igmp 10.0.1.1/24\n", &t, &d);
	assert_int_equal(d.errors, 0);
	struct vl_plan p;
	assert_int_equal(vl_plan_build(&t, &p, &d), 0);
	size_t seen = 0;
	for (size_t i = 0; i < p.nops; i++) {
		const struct vl_op *op = &p.ops[i];
		if (op->kind != VL_OP_BRIDGE)
			continue;
		assert_int_equal(op->u.bridge.mcast_snooping, !strcmp(op->dev, "igmp"));
		seen++;
	}
	assert_int_equal(seen, 2);
	vl_plan_free(&p);
	vl_diags_free(&d);
	vl_topology_free(&t);
	expect("[lab]\nname = m\n[switch s]\nmcast_snooping = igmp\n[vm a]\n"
	       "nic = eth0 s 10.0.0.1/24\n", 1, 0,
	       "t.ini:4: error: [switch s] mcast_snooping: \"igmp\" is not on or off");
}

/* Layer 2: cables between switches join segments (no "no path" warning
 * across a chain), a loop without STP is named, with STP it is not; an
 * uplink trunks the vSwitch's VLANs; the plan enslaves the uplink NIC and
 * the bond members, and turns STP on. */
static const char *const ring_text =
	"[lab]\nname = r\n[switch s1..3]\n%s[link c1..3]\na = s$i p2\nb = s${i %% 3 + 1} p1\n"
	"[host h1]\nnic = eth0 s1 10.0.0.1/24\n[host h2]\nnic = eth0 s3 10.0.0.2/24\n"
	"[test]\nreach = h1 h2\n";

static void test_layer2(void **state)
{
	(void)state;
	struct vl_topology t;
	struct vl_diags d = {0};
	char *text = xasprintf(ring_text, "");
	load_str(text, &t, &d);
	char *s = diag_text(&d);
	assert_int_equal(d.errors, 0);
	assert_non_null(strstr(s, "loop without spanning tree: s1 -> s2 -> s3 -> s1"));
	assert_null(strstr(s, "no possible"));
	free(s);
	free(text);
	vl_diags_free(&d);
	vl_topology_free(&t);

	text = xasprintf(ring_text, "stp = on\npriority = 4096\n");
	load_str(text, &t, &d);
	s = diag_text(&d);
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.warnings, 0);
	struct vl_plan p;
	assert_int_equal(vl_plan_build(&t, &p, &d), 0);
	size_t bridges = 0, cables = 0;
	for (size_t i = 0; i < p.nops; i++) {
		const struct vl_op *op = &p.ops[i];
		if (op->kind == VL_OP_BRIDGE) {
			assert_true(op->u.bridge.stp);
			assert_int_equal(op->u.bridge.forward_delay_cs, 200);
			assert_int_equal(op->u.bridge.priority, 4096);
			bridges++;
		}
		if (op->kind == VL_OP_VETH && !strcmp(op->dev, "p2")) {
			assert_true(op->d.noaddr && op->u.veth.peer.noaddr);
			assert_string_equal(op->u.veth.peer_dev, "p1");
			assert_true(op->d.master[0] && op->u.veth.peer.master[0]);
			cables++;
		}
	}
	assert_int_equal(bridges, 3);
	assert_int_equal(cables, 3);
	vl_plan_free(&p);
	free(s);
	free(text);
	vl_diags_free(&d);
	vl_topology_free(&t);

	load_str("[lab]\nname = u\n[switch fabric]\n[host hv1]\nnic = eth1 fabric trunk=10,20\n"
		 "nic = eth2 fabric trunk=10,20\nbond = bond0 eth1 eth2\n[switch vs1]\nhost = hv1\n"
		 "uplink = bond0\n[vm a]\nhost = hv1\nnic = eth0 vs1 10.0.0.1/24 vlan=10 isolated\n"
		 "[vm b]\nhost = hv1\nnic = eth0 vs1 10.0.0.2/24 vlan=20\n[host db]\n"
		 "nic = eth0 fabric 10.0.0.100/24 vlan=10\n[test]\nreach = a db\n", &t, &d);
	s = diag_text(&d);
	assert_int_equal(d.errors, 0);
	assert_null(strstr(s, "no possible"));
	const struct vl_switch *vs = &t.switches[1];
	assert_int_equal(vs->uplink_bond, 0);
	assert_int_equal(vs->nuplink_vlans, 2);
	assert_int_equal(vs->uplink_vlans[0], 10);
	assert_int_equal(vs->uplink_vlans[1], 20);
	assert_int_equal(vs->uplink_untagged, 1);
	assert_int_equal(vl_plan_build(&t, &p, &d), 0);
	size_t bonds = 0, members = 0, tagged = 0, isolated = 0;
	for (size_t i = 0; i < p.nops; i++) {
		const struct vl_op *op = &p.ops[i];
		if (op->kind == VL_OP_BOND) {
			assert_string_equal(op->dev, "bond0");
			assert_string_equal(op->d.master, "vs1");
			assert_int_equal(op->u.bond.mode, 1);
			assert_int_equal(op->u.bond.miimon_ms, 50);
			bonds++;
		}
		if (op->kind == VL_OP_VETH && !strcmp(op->u.veth.peer.master, "bond0")) {
			assert_false(op->u.veth.peer.up); /* enslaved down, the bond opens it */
			members++;
		}
		if (op->kind == VL_OP_BRPORT && !strcmp(op->dev, "bond0"))
			tagged += !op->u.brport.untagged;
		if (op->kind == VL_OP_VETH && op->d.isolated) {
			assert_string_equal(op->dev, "a-eth0");
			isolated++;
		}
	}
	assert_int_equal(bonds, 1);
	assert_int_equal(members, 2);
	assert_int_equal(tagged, 2);
	assert_int_equal(isolated, 1);
	vl_plan_free(&p);
	free(s);
	vl_diags_free(&d);
	vl_topology_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_files),
		cmocka_unit_test(test_vxlan),
		cmocka_unit_test(test_geneve_mtu_fix),
		cmocka_unit_test(test_mtu_ignore),
		cmocka_unit_test(test_vlans),
		cmocka_unit_test(test_shapers),
		cmocka_unit_test(test_nat_routes),
		cmocka_unit_test(test_mirror),
		cmocka_unit_test(test_ranges_big),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_small_subnets),
		cmocka_unit_test(test_assert_endpoints),
		cmocka_unit_test(test_assert_judgments),
		cmocka_unit_test(test_assert_good_file),
		cmocka_unit_test(test_address_domains),
		cmocka_unit_test(test_layer2),
		cmocka_unit_test(test_mcast_snooping),
		cmocka_unit_test(test_overlay_vlan_loops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
