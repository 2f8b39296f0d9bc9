/* The pure parts of impair/link/fault: impair arguments through the file's
 * parsers and checks, where a NIC's shaping lives (must agree with the
 * planner), the change records, fault arguments, and qdiscs read back. */
#include "unit.h"

#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include "vlab/exec.h"
#include "vlab/parse.h"
#include "vlab/plan.h"
#include "vlab/runtime.h"
#include "vlab/validate.h"

#ifndef TC_HANDLE
#define TC_HANDLE(maj, min) (((maj) << 16) | (min)) /* as libnl writes it */
#endif

static int args(struct vl_shape *s, const char *a, const char *b, struct vl_buf *err)
{
	char *v[2] = {(char *)a, (char *)b};
	vl_buf_free(err);
	return vl_impair_args(s, v, b ? 2 : 1, err);
}

static void test_impair_args(void **state)
{
	(void)state;
	struct vl_buf err = {0};
	struct vl_shape s = {.set = true, .rate_bps = 20000000};
	assert_int_equal(args(&s, "delay=5ms", "loss=1%", &err), 0);
	assert_int_equal(s.rate_bps, 20000000); /* kept */
	assert_int_equal(s.delay_us, 5000);
	assert_true(s.loss_pct == 1.0);
	assert_int_equal(args(&s, "rate=none", "loss=off", &err), 0);
	assert_int_equal(s.rate_bps, 0);
	assert_true(s.loss_pct == 0);
	assert_true(s.set);
	assert_int_equal(args(&s, "delay=none", NULL, &err), 0);
	assert_false(s.set);
	assert_int_equal(args(&s, "rate=100gbit", NULL, &err), 0);
	assert_int_equal(s.rate_bps, 100000000000ULL);

	struct vl_shape t = {0};
	assert_int_equal(args(&t, "rate=4bit", NULL, &err), -1);
	assert_non_null(strstr(err.s, "smallest rate is 8bit"));
	memset(&t, 0, sizeof(t));
	assert_int_equal(args(&t, "jitter=1ms", NULL, &err), -1);
	assert_non_null(strstr(err.s, "jitter needs delay"));
	assert_int_equal(args(&t, "rat=1mbit", NULL, &err), -1);
	assert_non_null(strstr(err.s, "did you mean rate"));
	assert_int_equal(args(&t, "loss=101%", NULL, &err), -1);
	assert_non_null(strstr(err.s, "percentage 0..100"));
	assert_int_equal(args(&t, "rate", NULL, &err), -1);
	assert_non_null(strstr(err.s, "not KEY=VALUE"));
	assert_int_equal(args(&t, "delay=5", NULL, &err), -1);
	assert_non_null(strstr(err.s, "us, ms or s"));
	vl_buf_free(&err);
}

static const char *lab_text =
	"[lab]\nname = rt\n"
	"[host hv]\nnic = eth0 core 192.168.0.1/24 in_rate=7mbit\n"
	"[switch core]\n"
	"[switch vs]\nhost = hv\n"
	"[vm a]\nhost = hv\nnic = eth0 vs 10.0.0.1/24 rate=10mbit in_rate=5mbit\n"
	"[vm b]\nhost = hv\nnic = eth0 vs 10.0.0.2/24\n"
	"[router r]\nnic = eth0 core 192.168.0.254/24 rate=3mbit\n"
	"[router s]\n"
	"[link rs]\na = r eth1 10.9.0.1/30 in_rate=2mbit\nb = s eth1 10.9.0.2/30 in_rate=1mbit\n";

static struct vl_topology *load(const char *text);

/* What link up puts back on a node device that was down: its addresses,
 * those of sub-interfaces on it, the routes by dev or via a gateway on
 * their subnets; nothing of the node's other NICs. */
static void test_replumb_ops(void **state)
{
	(void)state;
	struct vl_topology *t = load(
		"[lab]\nname = rp\n[switch s1]\n[switch s2]\n"
		"[vm p]\nnic = eth0 s1 10.1.0.5/24 fd01::5/64\nnic = eth1 s2 10.2.0.5/24\n"
		"sub = eth1.7 10.3.0.5/24\n"
		"gateway = 10.1.0.1\ngateway6 = fd01::1\nroute = 10.7.0.0/16 via 10.2.0.1\n"
		"route = 172.16.0.0/24 dev eth1\nroute = 10.8.0.0/16 via 10.3.0.1\n"
		"[vm q]\nnic = eth0 s1 10.1.0.6/24\ngateway = 10.1.0.1\n");
	struct vl_plan p = {0}, sub;
	struct vl_diags d = {0};
	assert_int_equal(vl_plan_build(t, &p, &d), 0);
	struct vl_buf b = {0};
	vl_rt_replumb_ops(&p, "vlab-rp-p", "eth0", &sub);
	assert_int_equal(sub.netns.n, 1);
	assert_string_equal(sub.netns.v[0], "vlab-rp-p");
	for (size_t i = 0; i < sub.nops; i++) {
		vl_op_describe(&sub.ops[i], &b);
		vl_buf_add(&b, "\n");
	}
	/* the link-local too: addr_gen_mode none keeps the kernel from
	 * making it again */
	assert_string_equal(b.s, "vlab-rp-p: addr fe80::87:a7ff:fe08:acc6/64 dev eth0 nodad (link-local)\n"
				 "vlab-rp-p: addr 10.1.0.5/24 dev eth0\n"
				 "vlab-rp-p: addr fd01::5/64 dev eth0 nodad\n"
				 "vlab-rp-p: route default via 10.1.0.1\n"
				 "vlab-rp-p: route default (ipv6) via fd01::1\n");
	vl_plan_free(&sub);
	vl_buf_free(&b);
	b = (struct vl_buf){0};
	vl_rt_replumb_ops(&p, "vlab-rp-p", "eth1", &sub);
	for (size_t i = 0; i < sub.nops; i++) {
		vl_op_describe(&sub.ops[i], &b);
		vl_buf_add(&b, "\n");
	}
	assert_non_null(strstr(b.s, "addr 10.2.0.5/24 dev eth1\n"));
	assert_non_null(strstr(b.s, "addr 10.3.0.5/24 dev eth1.7\n"));
	assert_non_null(strstr(b.s, "route 10.7.0.0/16 via 10.2.0.1\n"));
	assert_non_null(strstr(b.s, "route 172.16.0.0/24 dev eth1\n"));
	assert_non_null(strstr(b.s, "route 10.8.0.0/16 via 10.3.0.1\n"));
	assert_null(strstr(b.s, "eth0"));
	assert_null(strstr(b.s, "default"));
	/* the sub-interface has its parent's MAC, so its link-local too */
	const char *ll = strstr(b.s, "addr fe80::");
	assert_non_null(ll);
	char ll1[64];
	snprintf(ll1, sizeof(ll1), "%.*s", (int)(strchr(ll, '/') - ll), ll);
	char want[160];
	snprintf(want, sizeof(want), "%s/64 dev eth1.7 nodad (link-local)\n", ll1);
	assert_non_null(strstr(b.s, want));
	assert_int_equal(sub.nops, 7);
	vl_plan_free(&sub);
	vl_buf_free(&b);
	vl_diags_free(&d);
	vl_plan_free(&p);
	vl_topology_free(t);
	free(t);
}

static struct vl_topology *load(const char *text)
{
	struct vl_topology *t = xcalloc(1, sizeof(*t));
	struct vl_diags d = {0};
	assert_int_equal(vl_parse_string("t.ini", text, t, &d), 0);
	vl_validate(t, &d);
	if (d.errors)
		vl_diags_print(&d, stderr);
	assert_int_equal(d.errors, 0);
	vl_diags_free(&d);
	return t;
}

/* Every qdisc the planner places is where vl_rt_locate says, with the
 * same values; and every NIC direction the file shapes is one of them. */
static void test_locate_agrees_with_plan(void **state)
{
	(void)state;
	struct vl_topology *t = load(lab_text);
	struct vl_plan p;
	struct vl_diags d = {0};
	assert_int_equal(vl_plan_build(t, &p, &d), 0);
	size_t shaped = 0, found = 0;
	for (size_t i = 0; i < t->nnodes; i++)
		for (size_t j = 0; j < t->nodes[i].nnics; j++)
			for (int dir = 0; dir < 2; dir++) {
				struct vl_rt_place pl;
				struct vl_buf err = {0};
				assert_int_equal(vl_rt_locate(t, t->nodes[i].name, t->nodes[i].nics[j].name,
							      dir, &pl, &err), 0);
				if (!pl.file.set)
					continue;
				shaped++;
				for (size_t k = 0; k < p.nops; k++) {
					const struct vl_op *op = &p.ops[k];
					if (op->kind == VL_OP_QDISC && !strcmp(op->ns, pl.ns) &&
					    !strcmp(op->dev, pl.dev) &&
					    vl_shape_same(&op->u.qdisc.shape, &pl.file))
						found++;
				}
			}
	size_t qdiscs = 0;
	for (size_t k = 0; k < p.nops; k++)
		qdiscs += p.ops[k].kind == VL_OP_QDISC;
	/* a out, a in, hv in, r eth0 out, and a link's in_* keys on the far end's
	 * egress: s eth1 in = r eth1 out, r eth1 in = s eth1 out (one qdisc each) */
	assert_int_equal(qdiscs, 6);
	assert_int_equal(shaped, 8);
	assert_int_equal(found, 8);

	struct vl_rt_place pl;
	struct vl_buf err = {0};
	assert_int_equal(vl_rt_locate(t, "a", "eth0", VL_DIR_IN, &pl, &err), 0);
	assert_string_equal(pl.ns, "vlab-rt-hv");
	assert_string_equal(pl.dev, "a-eth0");
	assert_false(pl.node_nic); /* a switch port: link pulls it, the NIC stays up */
	assert_int_equal(vl_rt_locate(t, "a", "eth0", VL_DIR_OUT, &pl, &err), 0);
	assert_true(pl.node_nic);
	assert_int_equal(vl_rt_locate(t, "hv", "eth0", VL_DIR_IN, &pl, &err), 0);
	assert_string_equal(pl.ns, "vlab-rt-core"); /* a standalone switch's own namespace */
	assert_int_equal(vl_rt_locate(t, "s", "eth1", VL_DIR_IN, &pl, &err), 0);
	assert_string_equal(pl.ns, "vlab-rt-r");
	assert_string_equal(pl.dev, "eth1");
	assert_true(pl.node_nic); /* a [link]'s far end: a node's NIC */
	assert_int_equal(pl.file.rate_bps, 1000000);
	assert_int_equal(vl_rt_locate(t, "s", "eth1", VL_DIR_OUT, &pl, &err), 0);
	assert_string_equal(pl.ns, "vlab-rt-s");
	assert_int_equal(pl.file.rate_bps, 2000000); /* r's in_rate */
	assert_int_equal(vl_rt_locate(t, "b", "eth0", VL_DIR_OUT, &pl, &err), 0);
	assert_false(pl.file.set);

	assert_int_equal(vl_rt_locate(t, "vm1", "eth0", VL_DIR_OUT, &pl, &err), -1);
	assert_non_null(strstr(err.s, "no node \"vm1\""));
	assert_non_null(strstr(err.s, "its nodes: hv a b r s"));
	vl_buf_free(&err);
	assert_int_equal(vl_rt_locate(t, "r", "eth2", VL_DIR_OUT, &pl, &err), -1);
	assert_non_null(strstr(err.s, "did you mean eth0?"));
	assert_non_null(strstr(err.s, "its NICs: eth0 eth1"));
	vl_buf_free(&err);
	vl_diags_free(&d);
	vl_plan_free(&p);
	vl_topology_free(t);
	free(t);
}

static void test_split(void **state)
{
	(void)state;
	char n[33], c[16];
	assert_int_equal(vl_rt_split("vm1:eth0", n, sizeof(n), c, sizeof(c)), 0);
	assert_string_equal(n, "vm1");
	assert_string_equal(c, "eth0");
	assert_int_equal(vl_rt_split("vm1", n, sizeof(n), c, sizeof(c)), -1);
	assert_int_equal(vl_rt_split(":eth0", n, sizeof(n), c, sizeof(c)), -1);
	assert_int_equal(vl_rt_split("vm1:", n, sizeof(n), c, sizeof(c)), -1);
	assert_int_equal(vl_rt_split("a:b:c", n, sizeof(n), c, sizeof(c)), -1);
	assert_int_equal(vl_rt_split("vm1:averyveryverylongname", n, sizeof(n), c, sizeof(c)), -1);
}

static void test_changes_roundtrip(void **state)
{
	(void)state;
	struct vl_changes c = {0};
	struct vl_shape s = {.set = true, .rate_bps = 123456789012ULL, .burst_bytes = 3,
			     .limit_bytes = 4, .delay_us = 5, .jitter_us = 6, .loss_pct = 1.0 / 3,
			     .duplicate_pct = 0.5, .corrupt_pct = 100, .reorder_pct = 1e-9,
			     .netem_limit = 7};
	vl_changes_set_shape(&c, "a", "eth0", VL_DIR_IN, &s);
	struct vl_shape none = {0};
	vl_changes_set_shape(&c, "b", "eth 1", VL_DIR_OUT, &none); /* cleared: "none" */
	vl_changes_set_link(&c, "a", "eth0", true);
	struct vl_rt_fault *f = VL_PUSH(c.faults, c.nfaults, c.faults_cap);
	f->node = xstrdup("b");
	f->nic = xstrdup("eth0");
	f->what = xstrdup("flap 200ms for 1s");
	f->pid = 4242;
	f->start = 99;
	f->began = 1700000000.5;
	f->ends = 1700000001.5;
	struct vl_buf b = {0};
	vl_changes_format(&c, &b);
	vl_buf_add(&b, "shape a eth0 sideways 1 2 3 4 5 6 7 8 9 10\nlink x\ngarbage\n");
	FILE *in = fmemopen(b.s, b.len, "r");
	struct vl_changes r;
	vl_changes_parse(in, &r);
	fclose(in);
	assert_int_equal(r.bad, 3);
	assert_int_equal(r.nshapes, 2);
	const struct vl_shape *got = vl_changes_shape(&r, "a", "eth0", VL_DIR_IN);
	assert_non_null(got);
	assert_true(vl_shape_same(got, &s));
	assert_true(got->set);
	got = vl_changes_shape(&r, "b", "eth 1", VL_DIR_OUT);
	assert_non_null(got);
	assert_false(got->set);
	assert_null(vl_changes_shape(&r, "a", "eth0", VL_DIR_OUT));
	assert_true(vl_changes_link_down(&r, "a", "eth0"));
	assert_false(vl_changes_link_down(&r, "b", "eth0"));
	assert_int_equal(r.nfaults, 1);
	assert_string_equal(r.faults[0].what, "flap 200ms for 1s");
	assert_int_equal(r.faults[0].pid, 4242);
	assert_true(r.faults[0].ends == 1700000001.5);
	/* pid 4242 with start time 99 is not running: pruned, not trusted */
	vl_changes_prune(&r);
	assert_int_equal(r.nfaults, 0);
	vl_changes_set_link(&r, "a", "eth0", false);
	vl_changes_set_shape(&r, "a", "eth0", VL_DIR_IN, NULL);
	assert_int_equal(r.nlinks, 0);
	assert_int_equal(r.nshapes, 1);
	vl_changes_free(&r);
	vl_changes_free(&c);
	vl_buf_free(&b);
}

static int fparse(const char *line, struct vl_fault_spec *f, struct vl_buf *err)
{
	struct vl_strv w = {0};
	vl_split(&w, line, false);
	vl_buf_free(err);
	int r = vl_fault_parse(w.v, w.n, f, err);
	vl_strv_free(&w);
	return r;
}

static void test_fault_parse(void **state)
{
	(void)state;
	struct vl_fault_spec f;
	struct vl_buf err = {0}, t = {0};
	assert_int_equal(fparse("flap 200ms for 1s", &f, &err), 0);
	assert_int_equal(f.kind, VL_FAULT_FLAP);
	assert_int_equal(f.period_us, 200000);
	assert_int_equal(f.duration_us, 1000000);
	vl_fault_text(&f, &t);
	assert_string_equal(t.s, "flap 200ms for 1s");
	vl_buf_free(&t);
	assert_int_equal(fparse("flap 2s", &f, &err), 0);
	assert_int_equal(f.duration_us, 0);
	assert_int_equal(fparse("loss 10% for 5s", &f, &err), 0);
	assert_true(f.loss_pct == 10);
	vl_fault_text(&f, &t);
	assert_string_equal(t.s, "loss 10% for 5s");
	vl_buf_free(&t);
	assert_int_equal(fparse("delay 150ms for 1500ms", &f, &err), 0);
	assert_int_equal(f.delay_us, 150000);
	vl_fault_text(&f, &t);
	assert_string_equal(t.s, "delay 150ms for 1500ms");
	vl_buf_free(&t);

	assert_int_equal(fparse("flap 5ms", &f, &err), -1);
	assert_non_null(strstr(err.s, "at least 20ms"));
	assert_int_equal(fparse("loss 5%", &f, &err), -1);
	assert_non_null(strstr(err.s, "for DURATION"));
	assert_int_equal(fparse("loss 0% for 1s", &f, &err), -1);
	assert_int_equal(fparse("delay 10 for 1s", &f, &err), -1);
	assert_int_equal(fparse("flop 1s", &f, &err), -1);
	assert_non_null(strstr(err.s, "did you mean flap"));
	assert_int_equal(fparse("flap 1s during 2s", &f, &err), -1);
	assert_int_equal(fparse("flap 1s for", &f, &err), -1);
	assert_int_equal(fparse("flap", &f, &err), -1);
	vl_buf_free(&err);
}

/* Messages as vlab sends them are what the kernel dumps back (same
 * layout): the values survive the round trip. */
static void test_qdisc_readback(void **state)
{
	(void)state;
	char buf[VL_TC_MSG_MAX];
	struct vl_tc_now now = {0};
	struct vl_shape s = {.set = true, .rate_bps = 10000000};
	vl_tc_parse_qdisc(vl_tc_tbf_msg(buf, 3, TC_H_ROOT, TC_HANDLE(1, 0), 1500, &s), 3, &now);
	assert_string_equal(now.root_kind, "tbf");
	assert_int_equal(now.root_handle, TC_HANDLE(1, 0));
	assert_int_equal(now.shape.rate_bps, 10000000);
	uint32_t burst = vl_tbf_burst(s.rate_bps, 1500, 0);
	assert_true(now.shape.burst_bytes >= burst - 1 && now.shape.burst_bytes <= burst);
	assert_int_equal(now.shape.limit_bytes, vl_tbf_limit(s.rate_bps, burst, 0));

	/* another device's qdisc is not ours to read */
	struct vl_tc_now other = {0};
	vl_tc_parse_qdisc(vl_tc_tbf_msg(buf, 4, TC_H_ROOT, TC_HANDLE(1, 0), 1500, &s), 3, &other);
	assert_int_equal(other.root_handle, 0);

	struct vl_shape n = {.set = true, .delay_us = 300000000, .jitter_us = 2000,
			     .loss_pct = 1, .duplicate_pct = 0.5, .corrupt_pct = 2, .reorder_pct = 25,
			     .rate_bps = 100000000000ULL};
	memset(&now, 0, sizeof(now));
	vl_tc_parse_qdisc(vl_tc_netem_msg(buf, 3, &n), 3, &now);
	vl_tc_parse_qdisc(vl_tc_tbf_msg(buf, 3, TC_HANDLE(1, 1), TC_HANDLE(10, 0), 1500, &n), 3, &now);
	assert_string_equal(now.root_kind, "netem");
	assert_int_equal(now.child_handle, TC_HANDLE(10, 0));
	assert_int_equal(now.shape.delay_us, 300000000); /* beyond the 32-bit ticks */
	assert_int_equal(now.shape.jitter_us, 2000);
	assert_true(now.shape.loss_pct == 1);
	assert_true(now.shape.duplicate_pct == 0.5);
	assert_true(now.shape.corrupt_pct == 2);
	assert_true(now.shape.reorder_pct == 25);
	assert_int_equal(now.shape.netem_limit, 0); /* the default sent */
	assert_int_equal(now.shape.rate_bps, 100000000000ULL); /* TCA_TBF_RATE64 */
	struct vl_buf t = {0};
	vl_shape_text(&now.shape, &t);
	assert_non_null(strstr(t.s, "rate=100gbit"));
	assert_non_null(strstr(t.s, "delay=300s"));
	assert_non_null(strstr(t.s, "loss=1%"));
	vl_buf_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_impair_args),
		cmocka_unit_test(test_locate_agrees_with_plan),
		cmocka_unit_test(test_replumb_ops),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_changes_roundtrip),
		cmocka_unit_test(test_fault_parse),
		cmocka_unit_test(test_qdisc_readback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
