#include "unit.h"

#include "vlab/parse.h"

static void test_rate(void **state)
{
	(void)state;
	uint64_t r;
	assert_int_equal(vl_parse_rate("100mbit", &r), 0);
	assert_true(r == 100000000ull);
	assert_int_equal(vl_parse_rate("1gbit", &r), 0);
	assert_true(r == 1000000000ull);
	assert_int_equal(vl_parse_rate("512kbit", &r), 0);
	assert_true(r == 512000ull);
	assert_int_equal(vl_parse_rate("10mbps", &r), 0); /* bytes per second */
	assert_true(r == 80000000ull);
	assert_int_equal(vl_parse_rate("1.5Mbit", &r), 0);
	assert_true(r == 1500000ull);
	assert_int_equal(vl_parse_rate("100", &r), -1);   /* bare: say the unit */
	assert_int_equal(vl_parse_rate("0mbit", &r), -1);
	assert_int_equal(vl_parse_rate("-1mbit", &r), -1);
	assert_int_equal(vl_parse_rate("mbit", &r), -1);
	assert_int_equal(vl_parse_rate("10 mbit", &r), -1);
	assert_int_equal(vl_parse_rate("1e9bit", &r), -1);
	assert_int_equal(vl_parse_rate("99999999999999999999999tbit", &r), -1);
	assert_int_equal(vl_parse_rate("", &r), -1);
	assert_int_equal(vl_parse_rate(NULL, &r), -1);
}

static void test_time(void **state)
{
	(void)state;
	uint32_t t;
	assert_int_equal(vl_parse_time("5ms", &t), 0);
	assert_int_equal(t, 5000);
	assert_int_equal(vl_parse_time("200us", &t), 0);
	assert_int_equal(t, 200);
	assert_int_equal(vl_parse_time("1s", &t), 0);
	assert_int_equal(t, 1000000);
	assert_int_equal(vl_parse_time("0.5ms", &t), 0);
	assert_int_equal(t, 500);
	assert_int_equal(vl_parse_time("5", &t), -1);
	assert_int_equal(vl_parse_time("5min", &t), -1);
	assert_int_equal(vl_parse_time("4000s", &t), 0);
	assert_int_equal(vl_parse_time("5000000s", &t), -1); /* overflows u32 us */
}

static void test_size(void **state)
{
	(void)state;
	uint32_t s;
	assert_int_equal(vl_parse_size("32kb", &s), 0);
	assert_int_equal(s, 32768);
	assert_int_equal(vl_parse_size("1mb", &s), 0);
	assert_int_equal(s, 1048576);
	assert_int_equal(vl_parse_size("1500", &s), 0);
	assert_int_equal(s, 1500);
	assert_int_equal(vl_parse_size("100b", &s), 0);
	assert_int_equal(s, 100);
	assert_int_equal(vl_parse_size("0.5b", &s), -1);
	assert_int_equal(vl_parse_size("5gb", &s), -1);
	assert_int_equal(vl_parse_size("12xb", &s), -1);
}

static void test_percent(void **state)
{
	(void)state;
	double p;
	assert_int_equal(vl_parse_percent("1%", &p), 0);
	assert_true(p == 1.0);
	assert_int_equal(vl_parse_percent("0.5", &p), 0);
	assert_true(p == 0.5);
	assert_int_equal(vl_parse_percent("100%", &p), 0);
	assert_int_equal(vl_parse_percent("100.1%", &p), -1);
	assert_int_equal(vl_parse_percent("5%%", &p), -1);
	assert_int_equal(vl_parse_percent("%", &p), -1);
}

static void test_mac_bool(void **state)
{
	(void)state;
	uint8_t m[6];
	assert_int_equal(vl_parse_mac("02:00:00:aB:cd:01", m), 0);
	assert_int_equal(m[0], 2);
	assert_int_equal(m[3], 0xab);
	assert_int_equal(m[5], 1);
	assert_int_equal(vl_parse_mac("02:00:00:ab:cd", m), -1);
	assert_int_equal(vl_parse_mac("02-00-00-ab-cd-01", m), -1);
	assert_int_equal(vl_parse_mac("02:00:00:ab:cd:0g", m), -1);
	bool b;
	assert_int_equal(vl_parse_bool("on", &b), 0);
	assert_true(b);
	assert_int_equal(vl_parse_bool("No", &b), 0);
	assert_false(b);
	assert_int_equal(vl_parse_bool("1", &b), 0);
	assert_true(b);
	assert_int_equal(vl_parse_bool("maybe", &b), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate),    cmocka_unit_test(test_time),
		cmocka_unit_test(test_size),    cmocka_unit_test(test_percent),
		cmocka_unit_test(test_mac_bool),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
