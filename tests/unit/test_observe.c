/* The pure half of vlab capture and vlab stats: arguments, finding
 * NODE:IF in a lab as the kernel reports it, packet summaries, rates,
 * sorting, the table and the JSON. */
#include "unit.h"

#include <linux/if.h>

#include "vlab/observe.h"

static int parse_capture(struct vl_capture_args *a, struct vl_buf *err, const char *line)
{
	struct vl_strv w = {0};
	vl_split(&w, line, false);
	int r = vl_capture_parse((int)w.n, w.v, a, err);
	/* the parsed lab/write point into argv: keep copies alive in a static */
	static struct vl_strv keep[32];
	static int k;
	vl_strv_free(&keep[k % 32]);
	keep[k++ % 32] = w;
	return r;
}

static void test_capture_args(void **state)
{
	(void)state;
	struct vl_capture_args a;
	struct vl_buf err = {0};
	assert_int_equal(parse_capture(&a, &err, "capture dc vm1:eth0 -c 3 -w out.pcap icmp and host 10.0.0.1"), 0);
	assert_string_equal(a.lab, "dc");
	assert_string_equal(a.node, "vm1");
	assert_string_equal(a.ifname, "eth0");
	assert_int_equal(a.count, 3);
	assert_string_equal(a.write, "out.pcap");
	assert_string_equal(a.filter, "icmp and host 10.0.0.1");
	vl_capture_args_free(&a);

	assert_int_equal(parse_capture(&a, &err, "capture dc vs1:vm1-eth0 -w -"), 0);
	assert_string_equal(a.write, "-");
	assert_string_equal(a.filter, "");
	assert_int_equal(a.count, 0);
	vl_capture_args_free(&a);

	/* options after the filter, and -- ending them */
	assert_int_equal(parse_capture(&a, &err, "capture dc hv1:vx100 udp -c 1 -- port 4789"), 0);
	assert_string_equal(a.filter, "udp port 4789");
	assert_int_equal(a.count, 1);
	vl_capture_args_free(&a);

	const char *bad[][2] = {
		{"capture dc vm1:eth0 -c 0", "-c needs a packet count"},
		{"capture dc vm1:eth0 -c x", "-c needs a packet count"},
		{"capture dc vm1:eth0 -w", "-w needs a file name"},
		{"capture dc vm1:eth0 -z", "unknown option \"-z\""},
		{"capture dc", "missing NODE:IF"},
		{"capture", "missing LAB and NODE:IF"},
		{"capture dc vm1", "\"vm1\" is not NODE:IF"},
		{"capture dc :eth0", "is not NODE:IF"},
		{"capture dc vm1:", "is not NODE:IF"},
		{"capture dc vm1:a:b", "is not an interface name"},
		{"capture dc v/m:eth0", "node name \"v/m\""},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		vl_buf_free(&err);
		assert_int_equal(parse_capture(&a, &err, bad[i][0]), -1);
		if (!strstr(err.s, bad[i][1]))
			fail_msg("%s: got \"%s\", want \"%s\"", bad[i][0], err.s, bad[i][1]);
		assert_null(a.node);
	}
	vl_buf_free(&err);
}

static int parse_stats(struct vl_stats_args *a, struct vl_buf *err, const char *line)
{
	struct vl_strv w = {0};
	vl_split(&w, line, false);
	int r = vl_stats_parse((int)w.n, w.v, a, err);
	static struct vl_strv keep[32];
	static int k;
	vl_strv_free(&keep[k % 32]);
	keep[k++ % 32] = w;
	return r;
}

static void test_stats_args(void **state)
{
	(void)state;
	struct vl_stats_args a;
	struct vl_buf err = {0};
	assert_int_equal(parse_stats(&a, &err, "stats dc"), 0);
	assert_string_equal(a.lab, "dc");
	assert_null(a.node);
	assert_false(a.watch);
	assert_false(a.json);
	vl_stats_args_free(&a);

	assert_int_equal(parse_stats(&a, &err, "stats dc --watch vm1:eth0 --json"), 0);
	assert_true(a.watch);
	assert_true(a.json);
	assert_true(a.interval == 1.0);
	assert_string_equal(a.node, "vm1");
	assert_string_equal(a.ifname, "eth0");
	vl_stats_args_free(&a);

	assert_int_equal(parse_stats(&a, &err, "stats dc vs1 --watch 2.5 --count 3"), 0);
	assert_true(a.interval == 2.5);
	assert_int_equal(a.count, 3);
	assert_string_equal(a.node, "vs1");
	assert_null(a.ifname);
	vl_stats_args_free(&a);

	assert_int_equal(parse_stats(&a, &err, "stats dc --watch=0.5"), 0);
	assert_true(a.interval == 0.5);
	vl_stats_args_free(&a);

	const char *bad[][2] = {
		{"stats", "missing LAB"},
		{"stats dc --watch 0", "0.1 to 3600"},
		{"stats dc --watch 99999", "0.1 to 3600"},
		{"stats dc --watch=x", "not a number of seconds"},
		{"stats dc --count 2", "use it with --watch"},
		{"stats dc --watch --count 0", "--count needs"},
		{"stats dc vm1 vm2", "unexpected \"vm2\""},
		{"stats dc --jsn", "unknown option \"--jsn\""},
		{"stats dc vm1:", "is not NODE:IF"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		vl_buf_free(&err);
		assert_int_equal(parse_stats(&a, &err, bad[i][0]), -1);
		if (!strstr(err.s, bad[i][1]))
			fail_msg("%s: got \"%s\", want \"%s\"", bad[i][0], err.s, bad[i][1]);
	}
	vl_buf_free(&err);
}

/* hv1 holds switch vs1 (ports a-eth0 and a hashed one, VTEP vx100) and an
 * uplink eth0; vm a has eth0; a standalone switch mgmt has its own. */
static void make_lab(struct vl_obs_lab *l)
{
	memset(l, 0, sizeof(*l));
	struct vl_obs_ns *hv = vl_obs_add_ns(l, "vlab-dc-hv1", "hv1");
	vl_obs_add_if(hv, 2, "vs1", "bridge", 0);
	vl_obs_add_if(hv, 3, "a-eth0", "veth", 2);
	struct vl_ifrec *p = vl_obs_add_if(hv, 4, "p1a2b3c4d", "veth", 2);
	vl_strv_push(&p->altnames, "verylongvmname-eth0");
	vl_obs_add_if(hv, 5, "eth0", "veth", 0);
	vl_obs_add_if(hv, 6, "vx100", "vxlan", 2);
	struct vl_obs_ns *a = vl_obs_add_ns(l, "vlab-dc-a", "a");
	vl_obs_add_if(a, 2, "eth0", "veth", 0);
	struct vl_obs_ns *m = vl_obs_add_ns(l, "vlab-dc-mgmt", "mgmt");
	vl_obs_add_if(m, 2, "mgmt", "bridge", 0);
	vl_obs_add_if(m, 3, "hv1-eth0", "veth", 2);
}

static void test_find(void **state)
{
	(void)state;
	struct vl_obs_lab l;
	make_lab(&l);
	struct vl_buf err = {0};
	size_t ni, fi;
	assert_int_equal(vl_obs_find(&l, "dc", "a", "eth0", &ni, &fi, &err), 0);
	assert_string_equal(l.v[ni].ifs[fi].name, "eth0");
	assert_string_equal(l.v[ni].ns, "vlab-dc-a");
	assert_int_equal(vl_obs_find(&l, "dc", "vs1", "a-eth0", &ni, &fi, &err), 0);
	assert_string_equal(l.v[ni].ns, "vlab-dc-hv1");
	assert_int_equal(l.v[ni].ifs[fi].index, 3);
	/* an altname finds the hashed port */
	assert_int_equal(vl_obs_find(&l, "dc", "vs1", "verylongvmname-eth0", &ni, &fi, &err), 0);
	assert_string_equal(l.v[ni].ifs[fi].name, "p1a2b3c4d");
	assert_int_equal(vl_obs_find(&l, "dc", "hv1", "vx100", &ni, &fi, &err), 0);
	assert_int_equal(vl_obs_find(&l, "dc", "vs1", "vx100", &ni, &fi, &err), 0);
	assert_int_equal(vl_obs_find(&l, "dc", "vs1", "vs1", &ni, &fi, &err), 0);
	/* a standalone switch is a node of its own */
	assert_int_equal(vl_obs_find(&l, "dc", "mgmt", "hv1-eth0", &ni, &fi, &err), 0);
	assert_string_equal(l.v[ni].ns, "vlab-dc-mgmt");
	assert_null(err.s);

	assert_int_equal(vl_obs_find(&l, "dc", "vs1", "eth0", &ni, &fi, &err), -1);
	assert_string_equal(err.s, "eth0 is not a port of switch vs1: it is an interface of hv1 "
				   "(capture it as hv1:eth0)");
	vl_buf_free(&err);
	assert_int_equal(vl_obs_find(&l, "dc", "a", "eht0", &ni, &fi, &err), -1);
	assert_string_equal(err.s, "node a has no interface \"eht0\"; did you mean \"eth0\"? "
				   "(its interfaces: eth0)");
	vl_buf_free(&err);
	assert_int_equal(vl_obs_find(&l, "dc", "vs1", "b-eth0", &ni, &fi, &err), -1);
	assert_string_equal(err.s, "switch vs1 (in hv1) has no port \"b-eth0\"; did you mean "
				   "\"a-eth0\"? (its ports: vs1, a-eth0, p1a2b3c4d, vx100)");
	vl_buf_free(&err);
	assert_int_equal(vl_obs_find(&l, "dc", "vs2", "eth0", &ni, &fi, &err), -1);
	assert_string_equal(err.s, "lab dc has no node or switch \"vs2\"; did you mean \"vs1\"? "
				   "(nodes: hv1, a, mgmt; switches: vs1, mgmt)");
	vl_buf_free(&err);
	/* long lists are cut */
	for (int i = 0; i < 20; i++) {
		char name[16];
		snprintf(name, sizeof(name), "vm%d", i);
		vl_obs_add_ns(&l, name, name);
	}
	assert_int_equal(vl_obs_find(&l, "dc", "zzz", "eth0", &ni, &fi, &err), -1);
	assert_non_null(strstr(err.s, "(nodes: hv1, a, mgmt, vm0, vm1, vm2, vm3, vm4, vm5, vm6, vm7, "
				      "vm8 and 11 more; switches: vs1, mgmt)"));
	vl_buf_free(&err);
	bool sw;
	assert_int_equal(vl_obs_find_node(&l, "dc", "vs1", &sw, &err), 0);
	assert_true(sw);
	assert_int_equal(vl_obs_find_node(&l, "dc", "mgmt", &sw, &err), 2);
	assert_false(sw);
	vl_obs_lab_free(&l);
}

static void test_layer_and_mark(void **state)
{
	(void)state;
	struct vl_obs_lab l;
	make_lab(&l);
	const char *want[] = {"switch", "port", "port", "underlay", "port"};
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(vl_obs_layer(&l.v[0], &l.v[0].ifs[i]), want[i]);
	assert_string_equal(vl_obs_layer(&l.v[1], &l.v[1].ifs[0]), "nic");
	l.v[0].ifs[4].master = 0;
	assert_string_equal(vl_obs_layer(&l.v[0], &l.v[0].ifs[4]), "vtep");
	vl_obs_lab_free(&l);
	assert_string_equal(vl_obs_mark_node("vlab:dc:web1", "dc"), "web1");
	assert_null(vl_obs_mark_node("vlab:dc-2:web1", "dc"));
	assert_null(vl_obs_mark_node("vlab:dc", "dc"));
	assert_null(vl_obs_mark_node("vlab:dc:", "dc"));
	assert_null(vl_obs_mark_node(NULL, "dc"));
}

static void test_rates_and_numbers(void **state)
{
	(void)state;
	assert_true(vl_ctr_rate(100, 300, 2.0) == 100.0);
	assert_true(vl_ctr_rate(500, 40, 1.0) == 40.0); /* re-created: from zero */
	assert_true(vl_ctr_rate(1, 2, 0) == 0.0);
	char b[24];
	vl_fmt_num(b, sizeof(b), 0);
	assert_string_equal(b, "0");
	vl_fmt_num(b, sizeof(b), 99999);
	assert_string_equal(b, "99999");
	vl_fmt_num(b, sizeof(b), 1.5);
	assert_string_equal(b, "1.5");
	vl_fmt_num(b, sizeof(b), 123.4);
	assert_string_equal(b, "123");
	vl_fmt_num(b, sizeof(b), 123456);
	assert_string_equal(b, "123.5k");
	vl_fmt_num(b, sizeof(b), 12345678);
	assert_string_equal(b, "12.3M");
	vl_fmt_num(b, sizeof(b), 2e9);
	assert_string_equal(b, "2.0G");
}

static struct vl_stat_row row(const char *node, const char *name, const char *layer, size_t order)
{
	struct vl_stat_row r = {.node = node, .ns = "ns", .name = name, .kind = "veth",
				.layer = layer, .qkind = "noqueue", .state = "up", .order = order};
	return r;
}

static void test_sort_table_json(void **state)
{
	(void)state;
	struct vl_stat_row rows[4] = {
		row("hv", "vs", "switch", 0), row("hv", "b-eth0", "port", 1),
		row("a", "eth0", "nic", 2), row("b", "eth0", "nic", 3),
	};
	rows[1].master = "vs";
	rows[2].v[VL_RX_DROPPED] = 1;
	rows[3].qkind = "tbf";
	rows[3].v[VL_Q_DROPS] = 523;
	rows[3].v[VL_Q_OVERLIMITS] = 900;
	rows[3].v[VL_TX_PACKETS] = 123456;
	assert_true(vl_stat_trouble(&rows[3]) == 523);
	vl_stat_sort(rows, 4);
	assert_string_equal(rows[0].node, "b");
	assert_string_equal(rows[1].node, "a");
	assert_string_equal(rows[2].name, "vs");   /* ties keep lab order */
	assert_string_equal(rows[3].name, "b-eth0");

	struct vl_buf t = {0};
	vl_stats_table(&t, rows, 4, false);
	const char *want =
		"  NODE:IF   LAYER    STATE        RX-PKT RX-BYTES RX-DROP RX-ERR   TX-PKT TX-BYTES "
		"TX-DROP TX-ERR QDISC     Q-DROP Q-OVERLM\n"
		"! b:eth0    nic      up                0        0       0      0   123.5k        0 "
		"      0      0 tbf          523      900\n"
		"! a:eth0    nic      up                0        0       1      0        0        0 "
		"      0      0 noqueue        0        0\n"
		"  hv:vs     switch   up                0        0       0      0        0        0 "
		"      0      0 noqueue        0        0\n"
		"  hv:b-eth0 port(vs) up                0        0       0      0        0        0 "
		"      0      0 noqueue        0        0\n"
		"most drops: b:eth0 (nic): qdisc tbf drops 523, interface drops 0, errors 0\n"
		"  -> loss without interface errors: the tbf qdisc (a shaper or its queue limit) "
		"drops, not the link\n";
	assert_string_equal(t.s, want);
	vl_buf_free(&t);

	vl_stats_table(&t, rows + 2, 2, true);
	assert_non_null(strstr(t.s, "RX-PKT/s"));
	assert_non_null(strstr(t.s, "no drops, no errors in this interval\n"));
	vl_buf_free(&t);

	vl_stats_json(&t, "dc", rows, 1, 0);
	assert_string_equal(t.s,
		"{\"lab\":\"dc\",\"interval\":0,\"per_second\":false,\"interfaces\":[{\"node\":\"b\","
		"\"netns\":\"ns\",\"name\":\"eth0\",\"kind\":\"veth\",\"layer\":\"nic\",\"master\":null,"
		"\"state\":\"up\",\"qdisc\":\"tbf\",\"rx_packets\":0,\"rx_bytes\":0,\"rx_dropped\":0,"
		"\"rx_errors\":0,\"tx_packets\":123456,\"tx_bytes\":0,\"tx_dropped\":0,\"tx_errors\":0,"
		"\"qdisc_drops\":523,\"qdisc_overlimits\":900,\"qdisc_requeues\":0,"
		"\"qdisc_backlog\":0}]}");
	vl_buf_free(&t);
	rows[0].v[VL_Q_DROPS] = 2.5;
	vl_stats_json(&t, "dc", rows, 1, 0.5);
	assert_non_null(strstr(t.s, "\"interval\":0.5,\"per_second\":true"));
	assert_non_null(strstr(t.s, "\"qdisc_drops\":2.50"));
	vl_buf_free(&t);
}

static const uint8_t MAC_A[6] = {2, 0, 0, 0, 0, 1}, MAC_B[6] = {2, 0, 0, 0, 0, 2};

static size_t eth(uint8_t *p, unsigned type)
{
	memcpy(p, MAC_B, 6);
	memcpy(p + 6, MAC_A, 6);
	p[12] = (uint8_t)(type >> 8);
	p[13] = (uint8_t)type;
	return 14;
}

static size_t ipv4(uint8_t *p, int proto, const uint8_t src[4], const uint8_t dst[4], size_t l4)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	p[2] = (uint8_t)((20 + l4) >> 8);
	p[3] = (uint8_t)(20 + l4);
	p[8] = 64;
	p[9] = (uint8_t)proto;
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	return 20;
}

static void test_pkt_summary(void **state)
{
	(void)state;
	uint8_t f[256] = {0};
	char s[512];
	const uint8_t a[4] = {10, 0, 0, 1}, b[4] = {10, 0, 0, 2};
	/* ICMP echo request */
	size_t n = eth(f, 0x0800);
	n += ipv4(f + n, 1, a, b, 8);
	f[n] = 8;
	f[n + 5] = 7;  /* id 7 */
	f[n + 7] = 1;  /* seq 1 */
	vl_pkt_summary(s, sizeof(s), f, n + 8);
	assert_string_equal(s, "02:00:00:00:00:01 > 02:00:00:00:00:02 IPv4 10.0.0.1 > 10.0.0.2 "
			       "ICMP echo request id 7 seq 1");
	/* truncated inside ICMP, and a frame too short for Ethernet */
	vl_pkt_summary(s, sizeof(s), f, n + 2);
	assert_non_null(strstr(s, "[truncated]"));
	vl_pkt_summary(s, sizeof(s), f, 10);
	assert_string_equal(s, " [truncated frame]");
	/* a tiny buffer is cut, never overrun */
	char tiny[8];
	vl_pkt_summary(tiny, sizeof(tiny), f, n + 8);
	assert_string_equal(tiny, "02:00:0");

	/* ARP who-has */
	memset(f, 0, sizeof(f));
	n = eth(f, 0x0806);
	f[n + 7] = 1;
	memcpy(f + n + 8, MAC_A, 6);
	memcpy(f + n + 14, a, 4);
	memcpy(f + n + 24, b, 4);
	vl_pkt_summary(s, sizeof(s), f, n + 28);
	assert_string_equal(s, "02:00:00:00:00:01 > 02:00:00:00:00:02 ARP who-has 10.0.0.2 tell "
			       "10.0.0.1");

	/* TCP SYN inside an 802.1Q tag */
	memset(f, 0, sizeof(f));
	n = eth(f, 0x8100);
	f[n] = 0;
	f[n + 1] = 10;
	f[n + 2] = 0x08;
	f[n + 3] = 0x00;
	n += 4;
	n += ipv4(f + n, 6, a, b, 20);
	f[n] = 0x30;
	f[n + 1] = 0x39;   /* 12345 */
	f[n + 3] = 80;
	f[n + 13] = 0x02;  /* SYN */
	vl_pkt_summary(s, sizeof(s), f, n + 20);
	assert_string_equal(s, "02:00:00:00:00:01 > 02:00:00:00:00:02 vlan 10 IPv4 10.0.0.1 > "
			       "10.0.0.2 TCP 12345 > 80 [S] seq 0");

	/* ICMP inside VXLAN inside UDP */
	memset(f, 0, sizeof(f));
	const uint8_t u1[4] = {192, 168, 1, 10}, u2[4] = {192, 168, 2, 10};
	n = eth(f, 0x0800);
	size_t inner = 14 + 20 + 8;
	n += ipv4(f + n, 17, u1, u2, 8 + 8 + inner);
	f[n] = 0xc0;
	f[n + 2] = 0x12;
	f[n + 3] = 0xb5;   /* 4789 */
	f[n + 5] = (uint8_t)(8 + 8 + inner);
	f[n + 8] = 0x08;   /* VNI valid */
	f[n + 13] = 0x10;
	f[n + 14] = 0x92;  /* VNI 4242 = 0x001092 */
	size_t m = n + 16;
	m += eth(f + m, 0x0800);
	m += ipv4(f + m, 1, a, b, 8);
	f[m] = 0;          /* echo reply */
	f[m + 7] = 3;
	vl_pkt_summary(s, sizeof(s), f, m + 8);
	assert_string_equal(s, "02:00:00:00:00:01 > 02:00:00:00:00:02 IPv4 192.168.1.10 > "
			       "192.168.2.10 UDP 49152 > 4789 len 58 VXLAN vni 4242: "
			       "02:00:00:00:00:01 > 02:00:00:00:00:02 IPv4 10.0.0.1 > 10.0.0.2 "
			       "ICMP echo reply id 0 seq 3");

	/* ICMPv6 echo request */
	memset(f, 0, sizeof(f));
	n = eth(f, 0x86dd);
	f[n] = 0x60;
	f[n + 5] = 8;
	f[n + 6] = 58;
	f[n + 8] = 0xfd;
	f[n + 23] = 1;
	f[n + 24] = 0xfd;
	f[n + 39] = 2;
	f[n + 40] = 128;
	f[n + 47] = 9;
	vl_pkt_summary(s, sizeof(s), f, n + 48);
	assert_string_equal(s, "02:00:00:00:00:01 > 02:00:00:00:00:02 IPv6 fd00::1 > fd00::2 "
			       "ICMP6 echo request id 0 seq 9");
	/* something else */
	n = eth(f, 0x88b5);
	vl_pkt_summary(s, sizeof(s), f, n + 4);
	assert_string_equal(s, "02:00:00:00:00:01 > 02:00:00:00:00:02 ethertype 0x88b5");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capture_args),
		cmocka_unit_test(test_stats_args),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_layer_and_mark),
		cmocka_unit_test(test_rates_and_numbers),
		cmocka_unit_test(test_sort_table_json),
		cmocka_unit_test(test_pkt_summary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
