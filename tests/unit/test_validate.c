#include "unit.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <time.h>

#include "vlab/diag.h"
#include "vlab/model.h"
#include "vlab/parse.h"
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
	assert_int_equal(d.errors, 0);
	assert_non_null(strstr(s, "t.ini:7: warning: [vm a] eth1: 10.0.0.2/16 overlaps 10.0.0.1/24 on a eth0 (line 6)"));
	assert_non_null(strstr(s, "switch lonely has no ports"));
	assert_non_null(strstr(s, "vm empty has no NICs"));
	assert_non_null(strstr(s, "via 10.9.9.9 is not on a local subnet of r (10.0.0.0/24)"));
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
