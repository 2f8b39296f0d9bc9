#include "unit.h"

#include <arpa/inet.h>

#include "vlab/model.h"
#include "vlab/naming.h"

static void test_names(void **state)
{
	(void)state;
	const char *why;
	assert_true(vl_name_ok("web1", 32, &why));
	assert_true(vl_name_ok("a_b-c", 32, NULL));
	assert_false(vl_name_ok("", 32, &why));
	assert_false(vl_name_ok("-x", 32, &why));
	assert_false(vl_name_ok("a/b", 32, &why));
	assert_false(vl_name_ok("a.b", 32, &why));
	assert_false(vl_name_ok("abcdef", 5, &why));
	assert_true(vl_ifname_ok("eth0", &why));
	assert_true(vl_ifname_ok("eth0.10", &why));
	assert_true(vl_ifname_ok("123456789012345", &why));
	assert_false(vl_ifname_ok("1234567890123456", &why));
	assert_false(vl_ifname_ok(".", &why));
	assert_false(vl_ifname_ok("..", &why));
	assert_false(vl_ifname_ok("a/b", &why));
	assert_false(vl_ifname_ok("a:b", &why));
	assert_false(vl_ifname_ok("a b", &why));
	assert_false(vl_ifname_ok("a%d", &why));
	assert_false(vl_ifname_ok("\xc3\xa9th0", &why));
	assert_false(vl_ifname_ok("", &why));
}

/* Issue 15: lab "a" node "b-c" and lab "a-b" node "c" both mapped to
 * vlab-a-b-c. Lab names cannot hold '-', so the mapping is injective: the
 * first '-' after "vlab-" ends the lab. */
static void test_netns_names_injective(void **state)
{
	(void)state;
	const char *why = NULL;
	assert_false(vl_lab_name_ok("a-b", &why));
	assert_non_null(strstr(why, "'-'"));
	assert_true(vl_lab_name_ok("a", NULL));
	assert_true(vl_lab_name_ok("a_b", NULL));
	assert_true(vl_lab_name_ok("dc1000", NULL));
	assert_false(vl_lab_name_ok("_a", NULL));
	assert_false(vl_lab_name_ok("A", NULL));
	assert_false(vl_lab_name_ok("abcdefghijklm", NULL));
	assert_false(vl_lab_name_ok("", NULL));
	assert_false(vl_lab_name_ok("..", NULL));

	const char *labs[] = {"a", "ab", "a_b", "a1", "a-b", "b"};
	const char *nodes[] = {"c", "b-c", "b_c", "bc", "c-d-e", "b", "1"};
	char seen[64][VL_NSNAME_MAX];
	size_t n = 0;
	for (size_t i = 0; i < sizeof(labs) / sizeof(*labs); i++) {
		if (!vl_lab_name_ok(labs[i], NULL))
			continue;
		for (size_t j = 0; j < sizeof(nodes) / sizeof(*nodes); j++) {
			assert_true(vl_name_ok(nodes[j], 32, NULL));
			char ns[VL_NSNAME_MAX];
			vl_netns_name(ns, labs[i], nodes[j]);
			for (size_t k = 0; k < n; k++)
				assert_string_not_equal(ns, seen[k]);
			snprintf(seen[n++], VL_NSNAME_MAX, "%s", ns);
			/* and it reads back: lab up to the first '-' */
			const char *l = ns + strlen(VL_NETNS_PREFIX), *dash = strchr(l, '-');
			assert_non_null(dash);
			assert_int_equal((size_t)(dash - l), strlen(labs[i]));
			assert_memory_equal(l, labs[i], strlen(labs[i]));
			assert_string_equal(dash + 1, nodes[j]);
		}
	}
	assert_int_equal(n, 5 * 7);
}

static void test_devices(void **state)
{
	(void)state;
	char ns[VL_NSNAME_MAX], dev[VL_DEVNAME_MAX], alt[VL_ALTNAME_MAX];
	vl_netns_name(ns, "dc", "web1");
	assert_string_equal(ns, "vlab-dc-web1");
	vl_port_name(dev, "web1", "eth0");
	assert_string_equal(dev, "web1-eth0");
	vl_port_name(dev, "averylongnode", "eth0");
	assert_int_equal(strlen(dev), 9);
	assert_int_equal(dev[0], 'p');
	char dev2[VL_DEVNAME_MAX];
	vl_port_name(dev2, "averylongnode", "eth0");
	assert_string_equal(dev, dev2); /* stable */
	vl_port_name(dev2, "averylongnode", "eth1");
	assert_string_not_equal(dev, dev2);
	vl_port_altname(alt, "averylongnode", "eth0");
	assert_string_equal(alt, "averylongnode-eth0");
	vl_vtep_name(dev, false, 5010, 0);
	assert_string_equal(dev, "vx5010");
	vl_vtep_name(dev, true, 16777215, 3);
	assert_string_equal(dev, "gn16777215-3");
	vl_alias(alt, "dc", NULL);
	assert_string_equal(alt, "vlab:dc");
	vl_alias(alt, "dc", "web1");
	assert_string_equal(alt, "vlab:dc:web1");
}

static void test_mac(void **state)
{
	(void)state;
	uint8_t a[6], b[6], c[6];
	vl_derive_mac(a, "dc", "web1", "eth0");
	vl_derive_mac(b, "dc", "web1", "eth0");
	vl_derive_mac(c, "dc", "web1", "eth1");
	assert_memory_equal(a, b, 6);
	assert_memory_not_equal(a, c, 6);
	assert_int_equal(a[0] & 1, 0); /* unicast */
	assert_int_equal(a[0] & 2, 2); /* locally administered */
	/* different labs give different MACs for the same node */
	vl_derive_mac(b, "dc2", "web1", "eth0");
	assert_memory_not_equal(a, b, 6);
}

static void test_prefix(void **state)
{
	(void)state;
	struct vl_prefix p;
	char buf[64];
	assert_int_equal(vl_prefix_parse("10.0.0.1/24", &p, true), 0);
	assert_int_equal(p.family, AF_INET);
	assert_int_equal(p.len, 24);
	vl_prefix_format(&p, buf, sizeof(buf), true);
	assert_string_equal(buf, "10.0.0.1/24");
	vl_prefix_format(&p, buf, sizeof(buf), false);
	assert_string_equal(buf, "10.0.0.1");
	assert_int_equal(vl_prefix_parse("fd00::1/64", &p, true), 0);
	assert_int_equal(p.family, AF_INET6);
	vl_prefix_format(&p, buf, sizeof(buf), true);
	assert_string_equal(buf, "fd00::1/64");
	assert_int_equal(vl_prefix_parse("10.0.0.1", &p, false), 0);
	assert_int_equal(p.len, 32);
	assert_int_equal(vl_prefix_parse("10.0.0.1", &p, true), -1);
	assert_int_equal(vl_prefix_parse("10.0.0.1/33", &p, true), -1);
	assert_int_equal(vl_prefix_parse("10.0.0.1/-1", &p, true), -1);
	assert_int_equal(vl_prefix_parse("10.0.0.1/", &p, true), -1);
	assert_int_equal(vl_prefix_parse("10.0.0.1/ 8", &p, true), -1);
	assert_int_equal(vl_prefix_parse("fd00::1/129", &p, true), -1);
	assert_int_equal(vl_prefix_parse("10.0.0.256/24", &p, true), -1);
	assert_int_equal(vl_prefix_parse("web1", &p, false), -1);
	assert_int_equal(vl_prefix_parse("", &p, false), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_netns_names_injective),
		cmocka_unit_test(test_devices),
		cmocka_unit_test(test_mac),
		cmocka_unit_test(test_prefix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
