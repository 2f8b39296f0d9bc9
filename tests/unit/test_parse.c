#include "unit.h"

#include <arpa/inet.h>
#include <time.h>

#include "vlab/diag.h"
#include "vlab/model.h"
#include "vlab/parse.h"
#include "vlab/util.h"

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

/* Parse text that must give no diagnostics. */
static void parse_ok(const char *text, struct vl_topology *t)
{
	struct vl_diags d = {0};
	assert_int_equal(vl_parse_string("t.ini", text, t, &d), 0);
	if (d.n) {
		char *s = diag_text(&d);
		fprintf(stderr, "unexpected diagnostics:\n%s", s);
		free(s);
	}
	assert_int_equal(d.n, 0);
	vl_diags_free(&d);
}

static void test_basic(void **state)
{
	(void)state;
	struct vl_topology t;
	parse_ok("; a comment\n"
		 "[lab]\n"                                  /* 2 */
		 "name = dc ; inline comment\n"             /* 3 */
		 "mtu = 9000\n"
		 "ipv6 = off\n"
		 "\n"
		 "# another comment\n"
		 "[switch sw]\n"                            /* 8 */
		 "subnet = 10.0.0.0/24\n"
		 "[vm web1]\n"                              /* 10 */
		 "  nic = eth0 sw 10.0.0.5/24 auto mac=02:00:00:00:00:01 mtu=1400 vlan=10\n"
		 "nic = eth1 sw trunk=10,20-22 native=5 rate=10mbit in_delay=5ms shaper=x\n"
		 "gateway = 10.0.0.1\n"
		 "route = 10.2.0.0/16 via 10.0.0.254 dev eth0\n"
		 "route = default dev eth1\n"
		 "sub = eth1.20 10.0.20.5/24 mtu=1300\n"
		 "forward = yes\n",
		 &t);
	assert_string_equal(t.lab.name, "dc");
	assert_int_equal(t.lab.mtu, 9000);
	assert_false(t.lab.ipv6);
	assert_int_equal(t.lab.loc.line, 2);
	assert_int_equal(t.nswitches, 1);
	assert_int_equal(t.switches[0].subnet.len, 24);
	assert_int_equal(t.switches[0].vlan_filtering, -1);
	assert_int_equal(t.switches[0].loc.line, 8);
	assert_int_equal(t.nnodes, 1);
	struct vl_node *n = &t.nodes[0];
	assert_int_equal(n->kind, VL_NODE_VM);
	assert_string_equal(n->loc.section, "vm web1");
	assert_int_equal(n->loc.line, 10);
	assert_true(n->forward);
	assert_int_equal(n->nnics, 2);
	struct vl_nic *c = &n->nics[0];
	assert_string_equal(c->name, "eth0");
	assert_string_equal(c->sw, "sw");
	assert_int_equal(c->loc.line, 11);
	assert_int_equal(c->naddrs, 2);
	assert_false(c->addrs[0].is_auto);
	assert_true(c->addrs[1].is_auto);
	assert_true(c->mac_set);
	assert_int_equal(c->mac[5], 1);
	assert_int_equal(c->mtu, 1400);
	assert_int_equal(c->access_vlan, 10);
	c = &n->nics[1];
	assert_int_equal(c->ntrunk, 4);
	assert_int_equal(c->trunk[0], 10);
	assert_int_equal(c->trunk[3], 22);
	assert_int_equal(c->native_vlan, 5);
	assert_true(c->out.set);
	assert_true(c->out.rate_bps == 10000000ull);
	assert_true(c->out.given == VL_SHAPE_RATE);
	assert_int_equal(c->in.delay_us, 5000);
	assert_string_equal(c->shaper, "x");
	assert_int_equal(n->gateway.family, AF_INET);
	assert_int_equal(n->nroutes, 2);
	assert_int_equal(n->routes[0].dst.len, 16);
	assert_string_equal(n->routes[0].dev, "eth0");
	assert_int_equal(n->routes[1].dst.len, 0);
	assert_int_equal(n->routes[1].via.family, 0);
	assert_int_equal(n->nsubs, 1);
	assert_string_equal(n->subs[0].parent, "eth1");
	assert_int_equal(n->subs[0].vid, 20);
	assert_int_equal(n->subs[0].mtu, 1300);
	vl_topology_free(&t);
}

static void test_kinds(void **state)
{
	(void)state;
	struct vl_topology t;
	parse_ok("[lab]\nname = k\n"
		 "[overlay o]\ntype = geneve\nvni = 0\nswitches = a, b c\nport = 6000\n"
		 "ttl = 8\nlearning = off\nvlan = 7\nunderlay = eth9\nmtu = ignore\n"
		 "[shaper s]\nrate = 1gbit\nburst = 64kb\ndelay = 1ms\njitter = 100us\n"
		 "loss = 1%\nduplicate = 2\ncorrupt = 0.1%\nreorder = 25%\nlimit = 500\n"
		 "[mirror m]\nport = a:eth0\nto = b:eth1\ndirection = out\n"
		 "[test]\nreach = a b 10.0.0.1\nisolate = a:eth0 c\nmtu = a b 1400\npath = a b r\n"
		 "[test named]\nreach = x y\n"
		 "[router r]\nnat = eth1\n"
		 "[link l]\na = r eth5 10.9.0.1/30 delay=1ms\nb = r eth6 10.9.0.2/30\n",
		 &t);
	struct vl_overlay *o = &t.overlays[0];
	assert_int_equal(o->type, VL_OVERLAY_GENEVE);
	assert_int_equal(o->vni, 0);
	assert_int_equal(o->nswitches, 3);
	assert_string_equal(o->switches[2], "c");
	assert_int_equal(o->port, 6000);
	assert_int_equal(o->ttl, 8);
	assert_false(o->learning);
	assert_int_equal(o->vlan, 7);
	assert_string_equal(o->underlay, "eth9");
	assert_int_equal(o->mtu_policy, VL_MTU_IGNORE);
	struct vl_shape *s = &t.shapers[0].shape;
	assert_true(s->rate_bps == 1000000000ull);
	assert_int_equal(s->burst_bytes, 65536);
	assert_int_equal(s->jitter_us, 100);
	assert_true(s->duplicate_pct == 2.0);
	assert_int_equal(s->netem_limit, 500);
	assert_false(t.mirrors[0].ingress);
	assert_true(t.mirrors[0].egress);
	assert_string_equal(t.mirrors[0].dst_nic, "eth1");
	assert_int_equal(t.ntests, 2);
	assert_string_equal(t.tests[0].name, "");
	assert_int_equal(t.tests[0].nasserts, 4);
	assert_int_equal(t.tests[0].asserts[0].nargs, 3);
	assert_int_equal(t.tests[0].asserts[2].kind, VL_ASSERT_MTU);
	assert_int_equal(t.tests[0].asserts[2].mtu, 1400);
	assert_int_equal(t.tests[0].asserts[2].nargs, 2);
	assert_int_equal(t.tests[0].asserts[3].kind, VL_ASSERT_ROUTE);
	assert_string_equal(t.tests[1].name, "named");
	struct vl_node *r = &t.nodes[0];
	assert_true(r->forward); /* routers forward by default */
	assert_string_equal(r->nat, "eth1");
	/* link ends land on the node, even when the link comes first */
	assert_int_equal(r->nnics, 2);
	assert_int_equal(r->nics[0].link_idx, 0);
	assert_null(r->nics[0].sw);
	assert_int_equal(r->nics[0].out.delay_us, 1000);
	assert_string_equal(t.links[0].node[1], "r");
	assert_string_equal(t.links[0].nic[1], "eth6");
	vl_topology_free(&t);
}

static void test_ranges(void **state)
{
	(void)state;
	struct vl_topology t;
	parse_ok("[lab]\nname = r\n"
		 "[host hv1..3]\nnic = eth0 fabric 10.0.0.$i/24\n"
		 "[switch vs1..3]\nhost = hv$i\n"
		 "[vm web01..10]\nhost = hv1..3\nnic = eth0 vs$h auto\nnic = eth1 x$i-$h\n",
		 &t);
	assert_int_equal(t.nnodes, 13);
	assert_string_equal(t.nodes[2].name, "hv3");
	assert_string_equal(t.nodes[2].loc.section, "host hv3");
	char b[64];
	vl_prefix_format(&t.nodes[2].nics[0].addrs[0].p, b, sizeof(b), true);
	assert_string_equal(b, "10.0.0.3/24");
	assert_string_equal(t.switches[1].host, "hv2");
	struct vl_node *w = &t.nodes[3];
	assert_string_equal(w->name, "web01");
	assert_string_equal(w->host, "hv1");
	assert_string_equal(w->nics[0].sw, "vs1");
	assert_string_equal(w->nics[1].sw, "x01-1");
	w = &t.nodes[3 + 3]; /* web04: round robin wraps */
	assert_string_equal(w->name, "web04");
	assert_string_equal(w->host, "hv1");
	w = &t.nodes[12];
	assert_string_equal(w->name, "web10");
	assert_string_equal(w->loc.section, "vm web10");
	assert_string_equal(w->nics[1].sw, "x10-1");
	vl_topology_free(&t);
}

/* ${expr}: the evaluator alone, then in range bodies. */
static long ev(const char *s, long i, long h)
{
	long r = -12345;
	char *why = NULL;
	if (vl_range_expr(s, strlen(s), true, i, true, h, &r, &why) < 0) {
		fprintf(stderr, "%s: %s\n", s, why);
		free(why);
		return -99999;
	}
	return r;
}

static void ev_err(const char *s, bool has_i, bool has_h, const char *want)
{
	long r;
	char *why = NULL;
	assert_int_equal(vl_range_expr(s, strlen(s), has_i, 7, has_h, 2, &r, &why), -1);
	if (!strstr(why, want))
		fprintf(stderr, "%s: got \"%s\", wanted \"%s\"\n", s, why, want);
	assert_non_null(strstr(why, want));
	free(why);
}

static void test_range_expr(void **state)
{
	(void)state;
	assert_int_equal(ev("i+1", 4, 0), 5);
	assert_int_equal(ev("i*2", 4, 0), 8);
	assert_int_equal(ev("i%4", 10, 0), 2);
	assert_int_equal(ev(" i % 4 + 1 ", 4, 0), 1);      /* a ring of 4 */
	assert_int_equal(ev("1+2*3", 0, 0), 7);            /* precedence */
	assert_int_equal(ev("(1+2)*3", 0, 0), 9);
	assert_int_equal(ev("10-4-3", 0, 0), 3);           /* left to right */
	assert_int_equal(ev("100/10/5", 0, 0), 2);
	assert_int_equal(ev("(i-1)/2", 8, 0), 3);          /* a tree's parent */
	assert_int_equal(ev("-i+10", 3, 0), 7);
	assert_int_equal(ev("--i", 3, 0), 3);
	assert_int_equal(ev("h*100+i", 5, 3), 305);
	assert_int_equal(ev("((((i))))", 6, 0), 6);
	ev_err("i/0", true, false, "divides by zero");
	ev_err("i%(i-7)", true, false, "remainder of division by zero");
	ev_err("x+1", true, false, "unknown name \"x\" (only i and h exist)");
	ev_err("ii", true, false, "unknown name \"ii\"");
	ev_err("i+", true, false, "ends where a number");
	ev_err("(i+1", true, false, "( without its )");
	ev_err("i+1)", true, false, "has ')' where an operator");
	ev_err("i 1", true, false, "has '1' where an operator");
	ev_err("", true, false, "ends where");
	ev_err("i+h", true, false, "uses h, which needs a host range");
	ev_err("i", false, false, "uses i, which is only defined in a range section");
	ev_err("99999999999999", true, false, "too large");
	ev_err("999999*999999*999999", true, false, "too large");
	ev_err("((((((((((((((((((((((((((((((((((i))))))))))))))))))))))))))))))))))", true, false,
	       "nested too deeply");

	struct vl_topology t;
	parse_ok("[lab]\nname = r\n[router r1..12]\nroute = 10.${i*2}.0.0/16 via 10.0.0.${i%4+1}\n"
		 "[link c1..11]\na = r$i e1\nb = r${i+1} e0\n"
		 "[vm v01..03]\nnic = eth0 s${i*4}\n", &t);
	assert_int_equal(t.nlinks, 11);
	assert_string_equal(t.links[10].name, "c11");
	assert_string_equal(t.links[10].node[0], "r11");
	assert_string_equal(t.links[10].node[1], "r12");
	assert_string_equal(t.nodes[12].nics[0].sw, "s04");  /* padded like $i */
	assert_int_equal(t.links[10].end_loc[1].line, 7);
	char b[64];
	vl_prefix_format(&t.nodes[2].routes[0].dst, b, sizeof(b), true); /* r3 */
	assert_string_equal(b, "10.6.0.0/16");
	vl_prefix_format(&t.nodes[2].routes[0].via, b, sizeof(b), false);
	assert_string_equal(b, "10.0.0.4");
	vl_topology_free(&t);
}

/* A typo in a 1000-member range is reported once, not a thousand times. */
static void test_range_errors_once(void **state)
{
	(void)state;
	struct vl_topology t;
	struct vl_diags d = {0};
	vl_parse_string("t.ini", "[lab]\nname = r\n[vm web1..1000]\nnic = eth0 sw rate=fast\n", &t, &d);
	assert_int_equal(d.errors, 1);
	assert_int_equal(t.nnodes, 1000);
	vl_diags_free(&d);
	vl_topology_free(&t);
}

static void test_long_line(void **state)
{
	(void)state;
	struct vl_buf b = {0};
	vl_buf_add(&b, "[lab]\nname = l\n[test]\nreach =");
	for (int i = 0; i < 3000; i++)
		vl_buf_printf(&b, " node%d", i);
	vl_buf_add(&b, "\nisolate = a b\n");
	struct vl_topology t;
	parse_ok(b.s, &t);
	assert_int_equal(t.tests[0].nasserts, 2);
	assert_int_equal(t.tests[0].asserts[0].nargs, 3000);
	assert_string_equal(t.tests[0].asserts[0].args[2999], "node2999");
	assert_int_equal(t.tests[0].asserts[1].loc.line, 5);
	vl_topology_free(&t);
	vl_buf_free(&b);

	/* a line over the limit is an error, and the next line keeps its number */
	struct vl_buf c = {0};
	vl_buf_add(&c, "[lab]\nname = l\n[test]\nreach = ");
	for (int i = 0; i < 70000; i++)
		vl_buf_add(&c, "x");
	vl_buf_add(&c, "\nreach = a b\n");
	struct vl_diags d = {0};
	vl_parse_string("t.ini", c.s, &t, &d);
	assert_int_equal(d.errors, 1);
	assert_int_equal(d.v[0].line, 4);
	assert_int_equal(t.tests[0].nasserts, 1);
	assert_int_equal(t.tests[0].asserts[0].loc.line, 5);
	vl_diags_free(&d);
	vl_topology_free(&t);
	vl_buf_free(&c);
}

static void test_crlf_bom(void **state)
{
	(void)state;
	struct vl_topology t;
	parse_ok("\xEF\xBB\xBF[lab]\r\nname = crlf\r\n[switch sw]\r\nmtu = 1400\r\n", &t);
	assert_string_equal(t.lab.name, "crlf");
	assert_int_equal(t.switches[0].mtu, 1400);
	assert_int_equal(t.switches[0].loc.line, 3);
	vl_topology_free(&t);
}

static void test_empty_section_lines(void **state)
{
	(void)state;
	/* sections without keys still exist, with their own lines */
	struct vl_topology t;
	parse_ok("[lab]\nname = e\n\n[switch a]\n[switch b]\n\n[vm x]\n", &t);
	assert_int_equal(t.nswitches, 2);
	assert_int_equal(t.switches[0].loc.line, 4);
	assert_int_equal(t.switches[1].loc.line, 5);
	assert_int_equal(t.nodes[0].loc.line, 7);
	vl_topology_free(&t);
}

static void test_missing_file(void **state)
{
	(void)state;
	struct vl_topology t;
	struct vl_diags d = {0};
	assert_int_equal(vl_parse_file("/nonexistent/x.ini", &t, &d), -1);
	assert_int_equal(d.errors, 1);
	vl_diags_free(&d);
	vl_topology_free(&t);
}

/* Whatever the input, the parser returns (no crash, no leak under valgrind
 * or ASan): random bytes, and good files with random edits. */
static void test_garbage(void **state)
{
	(void)state;
	static const char *const seeds[] = {
		"[lab]\nname = g\n[switch sw]\nsubnet = 10.0.0.0/24\n[vm a..3]\nhost = h1..2\n"
		"nic = eth0 sw auto $i $h mtu=1400 trunk=1-5 rate=1mbit\nsub = eth0.5 10.1.0.1/24\n"
		"route = default via 10.0.0.1\n[link l]\na = a1 e 10.9.0.1/30\nb = a2 e 10.9.0.2/30\n",
		"[overlay o]\ntype=vxlan\nvni=1\nswitches=a b\n[mirror m]\nport=a:b\nto=c:d\n[test]\nmtu = a b 99\n",
	};
	static const char alphabet[] = "[]=;#$.: \n\tabehinv0129/%-,";
	unsigned seed = 12345;
	for (int iter = 0; iter < 3000; iter++) {
		const char *s = seeds[iter % 2];
		size_t n = strlen(s);
		char *buf = xstrdup(s);
		int edits = 1 + (int)(rand_r(&seed) % 8);
		for (int e = 0; e < edits; e++) {
			size_t pos = (size_t)rand_r(&seed) % n;
			buf[pos] = iter % 3 ? alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)]
					    : (char)(1 + rand_r(&seed) % 255);
		}
		struct vl_topology t;
		struct vl_diags d = {0};
		vl_parse_string("fuzz.ini", buf, &t, &d);
		vl_diags_free(&d);
		vl_topology_free(&t);
		free(buf);
	}
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void test_big_range_fast(void **state)
{
	(void)state;
	struct vl_topology t;
	struct vl_diags d = {0};
	double t0 = now_ms();
	assert_int_equal(vl_parse_file("tests/good/ranges.ini", &t, &d), 0);
	double dt = now_ms() - t0;
	assert_int_equal(d.n, 0);
	assert_int_equal(t.nnodes, 1010);
	fprintf(stderr, "parsed 1010 nodes in %.2f ms\n", dt);
	assert_true(dt < 500); /* generous: valgrind; natively it is ~2 ms */
	vl_diags_free(&d);
	vl_topology_free(&t);
}

/* Every assertion kind into the model, with its values and timeout. */
static void test_asserts(void **state)
{
	(void)state;
	struct vl_topology t;
	parse_ok("[lab]\nname = a\n[test t]\n"
		 "reach = a b:eth1 10.0.0.1 [fd00::1] fd00::2 timeout=10s\n"
		 "isolate = a b\n"
		 "mtu = a fd00::9 1450\n"
		 "path = a 10.9.9.9 r\n"
		 "tcp = a b:80\n"
		 "tcp = a [fd00::1]:443\n"
		 "udp = a b:eth0:53 timeout=500ms\n"
		 "latency = a b > 20ms\n"
		 "latency = a b <=1s\n"
		 "rate = a b < 30mbit\n"
		 "loss = a b >= 5%\n"
		 "mac = a:eth0 02:00:00:AA:bb:01\n"
		 "cmd = a timeout=20s -- ip -6 route | grep -q 'via fe80::'  \n"
		 "cmd = a -- a -- b\n",
		 &t);
	assert_int_equal(t.ntests, 1);
	struct vl_test *x = &t.tests[0];
	assert_string_equal(x->name, "t");
	assert_int_equal(x->nasserts, 14);
	struct vl_assert *a = x->asserts;
	assert_int_equal(a[0].kind, VL_ASSERT_REACH);
	assert_int_equal(a[0].nargs, 5);
	assert_string_equal(a[0].args[1], "b:eth1");
	assert_string_equal(a[0].args[3], "fd00::1"); /* brackets gone */
	assert_true(a[0].timeout == 10.0);
	assert_true(a[1].timeout == 3.0); /* the default */
	assert_int_equal(a[1].kind, VL_ASSERT_ISOLATE);
	assert_int_equal(a[2].kind, VL_ASSERT_MTU);
	assert_int_equal(a[2].mtu, 1450);
	assert_int_equal(a[2].nargs, 2);
	assert_string_equal(a[2].args[1], "fd00::9");
	assert_int_equal(a[3].kind, VL_ASSERT_ROUTE);
	assert_int_equal(a[3].nargs, 3);
	assert_int_equal(a[4].kind, VL_ASSERT_TCP);
	assert_int_equal(a[4].port, 80);
	assert_int_equal(a[4].nargs, 2);
	assert_string_equal(a[4].args[1], "b");
	assert_string_equal(a[5].args[1], "fd00::1");
	assert_int_equal(a[5].port, 443);
	assert_int_equal(a[6].kind, VL_ASSERT_UDP);
	assert_string_equal(a[6].args[1], "b:eth0");
	assert_int_equal(a[6].port, 53);
	assert_true(a[6].timeout == 0.5);
	assert_int_equal(a[7].kind, VL_ASSERT_LATENCY);
	assert_int_equal(a[7].cmp, VL_CMP_GT);
	assert_true(a[7].bound == 0.02);
	assert_int_equal(a[8].cmp, VL_CMP_LE);
	assert_true(a[8].bound == 1.0);
	assert_int_equal(a[9].kind, VL_ASSERT_RATE);
	assert_int_equal(a[9].cmp, VL_CMP_LT);
	assert_true(a[9].bound == 30e6);
	assert_int_equal(a[10].kind, VL_ASSERT_LOSS);
	assert_int_equal(a[10].cmp, VL_CMP_GE);
	assert_true(a[10].bound == 5.0);
	assert_int_equal(a[11].kind, VL_ASSERT_MAC);
	assert_int_equal(a[11].nargs, 1);
	assert_string_equal(a[11].args[0], "a:eth0");
	assert_int_equal(a[11].mac[3], 0xaa);
	assert_int_equal(a[11].mac[5], 0x01);
	assert_int_equal(a[12].kind, VL_ASSERT_CMD);
	assert_int_equal(a[12].nargs, 1);
	assert_string_equal(a[12].args[0], "a");
	assert_string_equal(a[12].cmd, "ip -6 route | grep -q 'via fe80::'");
	assert_true(a[12].timeout == 20.0);
	assert_string_equal(a[13].cmd, "a -- b"); /* the first -- splits */
	for (int k = 0; k < VL_ASSERT__COUNT; k++)
		assert_string_not_equal(vl_assert_key((enum vl_assert_kind)k), "?");
	vl_topology_free(&t);

	/* a command is shell text: no $i/$h substitution */
	parse_ok("[lab]\nname = a\n[test]\ncmd = a -- test \"$(hostname)\" = \"$NAME\"\n", &t);
	assert_string_equal(t.tests[0].asserts[0].cmd, "test \"$(hostname)\" = \"$NAME\"");
	vl_topology_free(&t);
}

/* One bad assertion: no assertion built, one error with this text. */
static void assert_bad(const char *line, const char *want)
{
	struct vl_topology t;
	struct vl_diags d = {0};
	char *text = xasprintf("[lab]\nname = a\n[test x]\n%s\n", line);
	vl_parse_string("t.ini", text, &t, &d);
	char *s = diag_text(&d);
	if (!strstr(s, want) || d.errors != 1)
		fprintf(stderr, "%s\nexpected one error with \"%s\", got:\n%s", line, want, s);
	assert_non_null(strstr(s, want));
	assert_int_equal(d.errors, 1);
	assert_int_equal(t.tests[0].nasserts, 0);
	free(s);
	free(text);
	vl_diags_free(&d);
	vl_topology_free(&t);
}

static void test_asserts_bad(void **state)
{
	(void)state;
	assert_bad("reach = a", "t.ini:4: error: [test x] reach: needs at least two endpoints, e.g. reach = A B [C...]");
	assert_bad("reach = a 10.0.0.1/24", "\"10.0.0.1/24\": an endpoint address has no prefix length; say 10.0.0.1");
	assert_bad("reach = a b:c:d", "\"b:c:d\" is not an endpoint: say NODE, NODE:IF or an address");
	assert_bad("reach = a [10.0.0.1]", "brackets hold an IPv6 address");
	assert_bad("isolate = a b tmeout=2s", "unknown option \"tmeout=\" (did you mean timeout=?)");
	assert_bad("isolate = a timeout=2s b", "\"b\" after the options: options such as timeout= go last");
	assert_bad("isolate = a b timeout=2s timeout=3s", "option timeout= given twice");
	assert_bad("isolate = a b timeout=5", "timeout=5: expected a time above zero with a unit");
	assert_bad("isolate = a b timeout=0ms", "timeout=0ms: expected a time above zero");
	assert_bad("mtu = a b", "expected mtu = A B SIZE, e.g. mtu = web1 db1 1450");
	assert_bad("mtu = a b 67", "size \"67\" must be 68..65535");
	assert_bad("mtu = a b 1500b", "size \"1500b\" must be 68..65535");
	assert_bad("path = a b", "expected path = A B HOP, e.g. path = pc1 web gw");
	assert_bad("tcp = a b", "\"b\": the target needs a port; expected tcp = A B:PORT");
	assert_bad("tcp = a b:0", "port \"0\" must be 1..65535");
	assert_bad("tcp = a b:65536", "port \"65536\" must be 1..65535");
	assert_bad("udp = a b:http", "port \"http\" must be 1..65535");
	assert_bad("tcp = a fd00::1:80", "\"fd00::1:80\": put an IPv6 address in brackets before the port, e.g. [fd00::2]:80");
	assert_bad("tcp = a [fd00::1]80", "expected [IPV6]:PORT, e.g. [fd00::2]:80");
	assert_bad("udp = a b:53 c", "expected udp = A B:PORT");
	assert_bad("latency = a b 20ms", "expected a comparison <, <=, > or >= and a bound after A B: latency = A B OP TIME");
	assert_bad("latency = a b = 20ms", "expected a comparison");
	assert_bad("latency = a b <", "expected a comparison");
	assert_bad("latency = a b < 20", "\"20\": expected a time with a unit: us, ms or s");
	assert_bad("rate = a b > fast", "\"fast\": expected a rate: bit, kbit, mbit");
	assert_bad("rate = a b > 0mbit", "\"0mbit\": expected a rate");
	assert_bad("loss = a b < 101%", "\"101%\": expected a percentage 0..100, e.g. loss = vm1 vm2 < 5%");
	assert_bad("mac = a 02:00:00:00:00:01", "expected mac = NODE:IF MAC");
	assert_bad("mac = a:eth0", "expected mac = NODE:IF MAC");
	assert_bad("mac = a:eth0 02:00:00:00:00", "\"02:00:00:00:00\" is not a MAC address like 02:00:00:00:00:01");
	assert_bad("cmd = a true", "missing \" -- \" before the command; expected cmd = NODE -- COMMAND");
	assert_bad("cmd = a --", "no command after --");
	assert_bad("cmd = a --   ", "no command after --"); /* blanks are not a command */
	assert_bad("cmd = a:eth0 -- true", "a command runs inside one node: give its name before --");
	assert_bad("cmd = -- true", "a command runs inside one node");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_range_expr),
		cmocka_unit_test(test_range_errors_once),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_crlf_bom),
		cmocka_unit_test(test_empty_section_lines),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_big_range_fast),
		cmocka_unit_test(test_asserts),
		cmocka_unit_test(test_asserts_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
