/* The difference between two topologies of a running lab (src/plan_diff.c):
 * only what changed is removed, changed or created. */
#include "unit.h"

#include <errno.h>
#include <unistd.h>

#include "vlab/cmd.h"
#include "vlab/plan.h"

static const char base[] =
	"[lab]\nname = dt\n"
	"[host hv1]\nnic = eth0 under 192.168.9.1/24\n"
	"[host hv2]\nnic = eth0 under 192.168.9.2/24\n"
	"[switch under]\n"
	"[switch vs1]\nhost = hv1\nmtu = 1450\n"
	"[switch vs2]\nhost = hv2\nmtu = 1450\n"
	"[overlay t]\ntype = vxlan\nvni = 7\nswitches = vs1 vs2\n"
	"[vm a]\nhost = hv1\nnic = eth0 vs1 10.1.0.1/24\ngateway = 10.1.0.254\n"
	"[vm b]\nhost = hv1\nnic = eth0 vs1 10.1.0.2/24 rate=20mbit\n";

static struct vl_topology *load(const char *text)
{
	char path[] = "/tmp/vlab-diff-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	struct vl_topology *t = vl_load(path, true);
	unlink(path);
	assert_non_null(t);
	return t;
}

static void topo_free(struct vl_topology *t)
{
	vl_topology_free(t);
	free(t);
}

/* diff of base -> base + extra text (or edited by `edit`) */
static void diff_of(const char *a, const char *b, struct vl_diff *d)
{
	struct vl_topology *o = load(a), *n = load(b);
	vl_plan_diff(o, n, d);
	topo_free(o);
	topo_free(n);
}

static size_t count(const struct vl_diff *d, unsigned char act, enum vl_op_kind k)
{
	size_t n = 0;
	for (size_t i = 0; i < d->plan.nops; i++)
		n += d->plan.ops[i].act == act && d->plan.ops[i].kind == k;
	return n;
}

static bool touches(const struct vl_diff *d, const char *ns)
{
	for (size_t i = 0; i < d->plan.nops; i++)
		if (!strcmp(d->plan.ops[i].ns, ns) ||
		    (d->plan.ops[i].kind == VL_OP_VETH && !strcmp(d->plan.ops[i].u.veth.peer_ns, ns)))
			return true;
	return false;
}

static char *edit(const char *from, const char *what, const char *with)
{
	const char *p = strstr(from, what);
	assert_non_null(p);
	size_t n = strlen(from) - strlen(what) + strlen(with) + 1;
	char *s = malloc(n);
	snprintf(s, n, "%.*s%s%s", (int)(p - from), from, with, p + strlen(what));
	return s;
}

static void test_same(void **state)
{
	(void)state;
	struct vl_diff d;
	diff_of(base, base, &d);
	assert_int_equal(d.plan.nops, 0);
	assert_int_equal(d.refuse.n, 0);
	vl_diff_free(&d);
}

static void test_add_vm(void **state)
{
	(void)state;
	char *b = edit(base, "[vm b]", "[vm c]\nhost = hv2\nnic = eth0 vs2 10.1.0.3/24\n[vm b]");
	struct vl_diff d;
	diff_of(base, b, &d);
	assert_int_equal(d.nremove, 0);
	assert_int_equal(count(&d, VL_ACT_CREATE, VL_OP_NETNS), 1);
	assert_int_equal(count(&d, VL_ACT_CREATE, VL_OP_VETH), 1);
	/* its link-local (vlab's, ipv6 = on) and its address */
	assert_int_equal(count(&d, VL_ACT_CREATE, VL_OP_ADDR), 2);
	assert_int_equal(count(&d, VL_ACT_CHANGE, VL_OP_HOSTS), 1);
	assert_false(touches(&d, "vlab-dt-a"));
	assert_false(touches(&d, "vlab-dt-b"));
	assert_false(touches(&d, "vlab-dt-hv1"));
	assert_true(touches(&d, "vlab-dt-hv2")); /* c's port on vs2 */
	vl_diff_free(&d);
	free(b);
}

static void test_shaper_in_place(void **state)
{
	(void)state;
	char *b = edit(base, "rate=20mbit", "rate=50mbit");
	struct vl_diff d;
	diff_of(base, b, &d);
	assert_int_equal(d.plan.nops, 1);
	assert_int_equal(d.plan.ops[0].act, VL_ACT_CHANGE);
	assert_int_equal(d.plan.ops[0].kind, VL_OP_QDISC);
	assert_int_equal(d.plan.ops[0].u.qdisc.shape.rate_bps, 50000000);
	vl_diff_free(&d);
	free(b);
	/* shaping removed: the qdisc is removed, nothing else */
	b = edit(base, " rate=20mbit", "");
	diff_of(base, b, &d);
	assert_int_equal(d.plan.nops, 1);
	assert_int_equal(count(&d, VL_ACT_REMOVE, VL_OP_QDISC), 1);
	vl_diff_free(&d);
	free(b);
}

static void test_address(void **state)
{
	(void)state;
	char *b = edit(base, "10.1.0.2/24", "10.1.0.22/24");
	struct vl_diff d;
	diff_of(base, b, &d);
	assert_int_equal(count(&d, VL_ACT_REMOVE, VL_OP_ADDR), 1);
	assert_int_equal(count(&d, VL_ACT_CREATE, VL_OP_ADDR), 1);
	assert_int_equal(count(&d, VL_ACT_CHANGE, VL_OP_HOSTS), 1);
	assert_int_equal(d.plan.nops, 3);
	vl_diff_free(&d);
	free(b);
}

static void test_remove_vm(void **state)
{
	(void)state;
	char *b = edit(base, "[vm b]\nhost = hv1\nnic = eth0 vs1 10.1.0.2/24 rate=20mbit\n", "");
	struct vl_diff d;
	diff_of(base, b, &d);
	/* its cable is unplugged from the switch first (at once, not when
	 * the kernel frees the namespace), then the namespace goes, and with
	 * it its address and shaper */
	assert_int_equal(count(&d, VL_ACT_REMOVE, VL_OP_NETNS), 1);
	assert_int_equal(count(&d, VL_ACT_REMOVE, VL_OP_VETH), 1);
	assert_int_equal(count(&d, VL_ACT_CREATE, VL_OP_NETNS) + d.ncreate, 0);
	assert_int_equal(d.nremove, 2);
	assert_int_equal(d.plan.ops[0].kind, VL_OP_VETH);
	assert_int_equal(d.plan.ops[1].kind, VL_OP_NETNS);
	vl_diff_free(&d);
	free(b);
}

/* A NIC whose cable is re-created gets its address and routes again. */
static void test_placement(void **state)
{
	(void)state;
	struct vl_topology *o = load(base), *n = load(base);
	assert_int_equal(vl_topology_place(n, "a", "eth0", "vs2"), 0);
	assert_int_equal(vl_topology_place(n, "a", "eth9", "vs2"), -ENOENT);
	assert_int_equal(vl_topology_place(n, "a", "eth0", "nope"), -ENOENT);
	struct vl_diff d;
	vl_plan_diff(o, n, &d);
	assert_int_equal(count(&d, VL_ACT_REMOVE, VL_OP_VETH), 1);
	assert_int_equal(count(&d, VL_ACT_CREATE, VL_OP_VETH), 1);
	/* its link-local (vlab's, ipv6 = on) and its address */
	assert_int_equal(count(&d, VL_ACT_CREATE, VL_OP_ADDR), 2);
	assert_int_equal(count(&d, VL_ACT_CREATE, VL_OP_ROUTE), 1);
	assert_int_equal(d.nchange, 0);
	assert_int_equal(d.plan.ops[0].act, VL_ACT_REMOVE);
	assert_string_equal(d.plan.ops[0].ns, "vlab-dt-hv1");
	for (size_t i = 0; i < d.plan.nops; i++)
		if (d.plan.ops[i].kind == VL_OP_VETH && d.plan.ops[i].act == VL_ACT_CREATE) {
			assert_string_equal(d.plan.ops[i].ns, "vlab-dt-hv2");
			assert_string_equal(d.plan.ops[i].d.master, "vs2");
			assert_string_equal(d.plan.ops[i].u.veth.peer_dev, "eth0");
		}
	assert_false(touches(&d, "vlab-dt-b"));
	struct vl_buf out = {0};
	vl_diff_print(&d, &out);
	assert_non_null(strstr(out.s, "\n- vlab-dt-hv1: veth a-eth0"));
	assert_non_null(strstr(out.s, "\n+ vlab-dt-hv2: veth a-eth0"));
	vl_buf_free(&out);
	vl_diff_json(&d, &out);
	assert_non_null(strstr(out.s, "\"act\":\"remove\""));
	vl_buf_free(&out);
	vl_diff_free(&d);
	topo_free(o);
	topo_free(n);
}

/* The MTU of a cable changes: the veth is re-created, and what sat on it
 * (address, shaper, routes of the namespace) is redone. */
static void test_cascade(void **state)
{
	(void)state;
	char *b = edit(base, "nic = eth0 vs1 10.1.0.2/24 rate=20mbit",
		       "nic = eth0 vs1 10.1.0.2/24 rate=20mbit mtu=1400");
	struct vl_diff d;
	diff_of(base, b, &d);
	assert_int_equal(count(&d, VL_ACT_REMOVE, VL_OP_VETH), 1);
	assert_int_equal(count(&d, VL_ACT_CREATE, VL_OP_VETH), 1);
	/* its link-local (vlab's, ipv6 = on) and its address */
	assert_int_equal(count(&d, VL_ACT_CREATE, VL_OP_ADDR), 2);
	assert_int_equal(count(&d, VL_ACT_CREATE, VL_OP_QDISC), 1);
	assert_int_equal(count(&d, VL_ACT_REMOVE, VL_OP_ADDR), 0);
	assert_false(touches(&d, "vlab-dt-a"));
	vl_diff_free(&d);
	free(b);
}

/* Multicast snooping turned on for one vSwitch: that bridge is made again
 * (its ports with it), the other host is not touched. */
static void test_snooping(void **state)
{
	(void)state;
	char *b = edit(base, "[switch vs1]\nhost = hv1\n", "[switch vs1]\nhost = hv1\nmcast_snooping = on\n");
	struct vl_diff d;
	diff_of(base, b, &d);
	assert_int_equal(count(&d, VL_ACT_REMOVE, VL_OP_BRIDGE), 1);
	assert_int_equal(count(&d, VL_ACT_CREATE, VL_OP_BRIDGE), 1);
	for (size_t i = 0; i < d.plan.nops; i++)
		if (d.plan.ops[i].act == VL_ACT_CREATE && d.plan.ops[i].kind == VL_OP_BRIDGE) {
			assert_string_equal(d.plan.ops[i].dev, "vs1");
			assert_true(d.plan.ops[i].u.bridge.mcast_snooping);
		}
	assert_false(touches(&d, "vlab-dt-hv2"));
	assert_int_equal(d.refuse.n, 0);
	vl_diff_free(&d);
	free(b);
}

static void test_refused(void **state)
{
	(void)state;
	char *b = edit(base, "[vm b]", "[router b]");
	struct vl_diff d;
	diff_of(base, b, &d);
	assert_int_equal(d.refuse.n, 1);
	assert_non_null(strstr(d.refuse.v[0], "changes kind"));
	assert_int_equal(d.plan.nops, 0);
	vl_diff_free(&d);
	free(b);
	b = edit(base, "name = dt", "name = dt2");
	diff_of(base, b, &d);
	assert_int_equal(d.refuse.n, 1);
	assert_non_null(strstr(d.refuse.v[0], "renamed"));
	vl_diff_free(&d);
	free(b);
}

/* Removing an overlay member: its FDB entry on the other VTEP goes too. */
static void test_overlay_member(void **state)
{
	(void)state;
	char *b3 = edit(base, "[overlay t]", "[host hv3]\nnic = eth0 under 192.168.9.3/24\n"
			"[switch vs3]\nhost = hv3\nmtu = 1450\n[overlay t]");
	char *b = edit(b3, "switches = vs1 vs2", "switches = vs1 vs2 vs3");
	struct vl_diff d;
	diff_of(b, b3, &d);
	assert_int_equal(count(&d, VL_ACT_REMOVE, VL_OP_FDB), 2); /* vs1's and vs2's towards hv3 */
	assert_int_equal(count(&d, VL_ACT_REMOVE, VL_OP_VXLAN), 1);
	assert_int_equal(d.ncreate, 0);
	vl_diff_free(&d);
	diff_of(b3, b, &d);
	assert_int_equal(count(&d, VL_ACT_CREATE, VL_OP_FDB), 4);
	assert_int_equal(count(&d, VL_ACT_CREATE, VL_OP_VXLAN), 1);
	assert_int_equal(d.nremove, 0);
	vl_diff_free(&d);
	free(b);
	free(b3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same),
		cmocka_unit_test(test_add_vm),
		cmocka_unit_test(test_shaper_in_place),
		cmocka_unit_test(test_address),
		cmocka_unit_test(test_remove_vm),
		cmocka_unit_test(test_placement),
		cmocka_unit_test(test_cascade),
		cmocka_unit_test(test_snooping),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_overlay_member),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
