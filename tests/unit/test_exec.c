/* Executor pieces that need no kernel: derived tbf parameters and which
 * kernel features a plan needs. */
#include "unit.h"

#include <sys/socket.h>

#include "vlab/exec.h"

static void test_tbf_burst(void **state)
{
	(void)state;
	/* given: kept */
	assert_int_equal(vl_tbf_burst(100000000, 1500, 32768), 32768);
	/* small rates: at least 5000 bytes */
	assert_int_equal(vl_tbf_burst(1000000, 1500, 0), 5000);
	/* 1 Gbit/s: 10 ms worth = 1250000 bytes */
	assert_int_equal(vl_tbf_burst(1000000000ULL, 1500, 0), 1250000);
	/* jumbo MTU: two frames */
	assert_int_equal(vl_tbf_burst(1000000, 9000, 0), 2 * (9000 + 14));
}

static void test_tbf_limit(void **state)
{
	(void)state;
	assert_int_equal(vl_tbf_limit(100000000, 5000, 4096), 4096);
	/* 100 Mbit/s: 50 ms = 625000 bytes */
	assert_int_equal(vl_tbf_limit(100000000, 125000, 0), 625000);
	/* never below three bursts */
	assert_int_equal(vl_tbf_limit(1000000, 5000, 0), 15000);
}

static void test_plan_features(void **state)
{
	(void)state;
	struct vl_plan p = {0};
	struct vl_op *op = VL_PUSH(p.ops, p.nops, p.cap);
	op->kind = VL_OP_NETNS;
	op = VL_PUSH(p.ops, p.nops, p.cap);
	op->kind = VL_OP_BRIDGE;
	op->u.bridge.vlan_filtering = 1;
	op = VL_PUSH(p.ops, p.nops, p.cap);
	op->kind = VL_OP_QDISC;
	op->u.qdisc.shape.delay_us = 1000;
	uint32_t f = vl_plan_features(&p);
	assert_true(f & (1u << VL_FEAT_NETNS));
	assert_true(f & (1u << VL_FEAT_BRIDGE));
	assert_true(f & (1u << VL_FEAT_VLAN_FILTERING));
	assert_true(f & (1u << VL_FEAT_NETEM));
	assert_false(f & (1u << VL_FEAT_TBF));
	assert_false(f & (1u << VL_FEAT_VXLAN));
	free(p.ops);
}

static void test_feature_names(void **state)
{
	(void)state;
	for (int f = 0; f < VL_FEAT__COUNT; f++) {
		const struct vl_feature_info *fi = vl_feature_info(f);
		assert_non_null(fi);
		assert_non_null(fi->name);
		assert_non_null(fi->config);
	}
	assert_string_equal(vl_feature_info(VL_FEAT_8021Q)->config, "CONFIG_VLAN_8021Q");
	assert_null(vl_feature_info(VL_FEAT__COUNT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tbf_burst),
		cmocka_unit_test(test_tbf_limit),
		cmocka_unit_test(test_plan_features),
		cmocka_unit_test(test_feature_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
