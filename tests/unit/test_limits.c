/* Machine limits judged without root: the messages name the limit and
 * its value; unknown limits never refuse. */
#include "unit.h"

#include "vlab/limits.h"

static void test_fits(void **state)
{
	(void)state;
	struct vl_machine m = {1024, 4096, 1000, 10, 1 << 20};
	struct vl_buf msg = {0};
	assert_int_equal(vl_limits_judge("a", 100, &m, &msg), 0);
	assert_true(msg.len == 0);
	/* nothing known: nothing refused */
	struct vl_machine u = {-1, -1, -1, -1, -1};
	assert_int_equal(vl_limits_judge("a", 100000, &u, &msg), 0);
	vl_buf_free(&msg);
}

static void test_nofile(void **state)
{
	(void)state;
	assert_int_equal(vl_fds_needed(304), 304 + VL_FDS_BASE);
	struct vl_machine m = {64, 64, -1, -1, -1};
	struct vl_buf msg = {0};
	assert_int_equal(vl_limits_judge("big", 304, &m, &msg), -1);
	/* one socket per namespace: 304 + 32 */
	assert_non_null(strstr(msg.s, "RLIMIT_NOFILE is 64 (hard limit 64)"));
	assert_non_null(strstr(msg.s, "needs 336 open files"));
	vl_buf_free(&msg);
	/* exactly enough */
	m.nofile_cur = vl_fds_needed(16);
	assert_int_equal(vl_limits_judge("x", 16, &m, &msg), 0);
	vl_buf_free(&msg);
}

static void test_netns_and_memory(void **state)
{
	(void)state;
	struct vl_machine m = {-1, -1, 100, 60, -1};
	struct vl_buf msg = {0};
	/* 39 + the probe = 40 = 100 - 60: fits; one more does not */
	assert_int_equal(vl_limits_judge("x", 39, &m, &msg), 0);
	assert_int_equal(vl_limits_judge("x", 40, &m, &msg), -1);
	assert_non_null(strstr(msg.s, "max_net_namespaces is 100 and 60 are in use"));
	vl_buf_free(&msg);
	struct vl_machine mem = {-1, -1, -1, -1, 100 * 1024};
	assert_int_equal(vl_limits_judge("x", 200, &mem, &msg), 0);
	assert_int_equal(vl_limits_judge("x", 201, &mem, &msg), -1);
	assert_non_null(strstr(msg.s, "MemAvailable is 100 MB"));
	vl_buf_free(&msg);
}

static void test_in_use(void **state)
{
	(void)state;
	/* at least our own namespace */
	assert_true(vl_netns_in_use() >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fits),
		cmocka_unit_test(test_nofile),
		cmocka_unit_test(test_netns_and_memory),
		cmocka_unit_test(test_in_use),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
