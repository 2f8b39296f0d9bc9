/* Port security, NVGRE and external access without root: the rule language, the filter ops
 * the planner makes of it, and the nftables batch of one op as the kernel
 * receives it (parsed back with libnftnl, expression by expression, like
 * test_tc does for tc). */
#include "unit.h"

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter_bridge.h>
#include <sys/socket.h>

#include "vlab/exec.h"
#include "vlab/parse.h"
#include "vlab/plan.h"
#include "vlab/validate.h"

static const char *const lab_text =
	"[lab]\nname = sec\n"
	"[host hv1]\nnic = eth0 fabric 192.168.1.1/24\n"
	"[host hv2]\nnic = eth0 fabric 192.168.1.2/24\n"
	"[switch fabric]\n"
	"[switch vs1]\nhost = hv1\nsubnet = 10.0.0.0/24\nsecurity = strict\ndeny = tcp port=23\n"
	"[switch vs2]\nhost = hv2\nsubnet = 10.0.0.0/24\n"
	"[vm web]\nhost = hv1\nnic = eth0 vs1 auto\nallow = tcp to=db port=5432\n"
	"[vm db]\nhost = hv1\nnic = eth0 vs1 auto\n"
	"[vm open]\nhost = hv1\nnic = eth0 vs1 auto security=off\n"
	"[vm far]\nhost = hv2\nnic = eth0 vs2 10.0.0.9/24\n"
	"[overlay ov]\ntype = nvgre\nvni = 5000\nswitches = vs1 vs2\n";

static char *diag_text(struct vl_diags *d)
{
	struct vl_buf b = {0};
	for (size_t i = 0; i < d->n; i++) {
		char *s = vl_diag_format(&d->v[i]);
		vl_buf_printf(&b, "%s\n", s);
		free(s);
	}
	return b.s ? b.s : xstrdup("");
}

/* Parse and validate; the diagnostics' text (caller frees). */
static char *load(const char *text, struct vl_topology *t, size_t *errors)
{
	struct vl_diags d = {0};
	memset(t, 0, sizeof(*t));
	vl_parse_string("t.ini", text, t, &d);
	if (!d.errors)
		vl_validate(t, &d);
	*errors = d.errors;
	char *s = diag_text(&d);
	vl_diags_free(&d);
	return s;
}

static void plan_of(const char *text, struct vl_topology *t, struct vl_plan *p)
{
	size_t errors;
	char *s = load(text, t, &errors);
	if (errors)
		fprintf(stderr, "%s", s);
	free(s);
	assert_int_equal(errors, 0);
	struct vl_diags d = {0};
	assert_int_equal(vl_plan_build(t, p, &d), 0);
	vl_diags_free(&d);
}

static char *describe(const struct vl_op *op)
{
	struct vl_buf b = {0};
	vl_op_describe(op, &b);
	return b.s;
}

/* ---- the language ---- */

static void test_acl_parse(void **state)
{
	(void)state;
	struct vl_acl_rule r;
	char *why;
	assert_int_equal(vl_acl_parse("tcp to=db port=5432", true, true, &r, &why), 0);
	assert_true(r.allow);
	assert_int_equal(r.proto, VL_ACL_TCP);
	assert_string_equal(r.peer, "db");
	assert_int_equal(r.dport[0], 5432);
	assert_int_equal(r.dport[1], 5432);
	free(r.peer);
	assert_int_equal(vl_acl_parse("udp sport=1000-2000 nic=eth1", false, true, &r, &why), 0);
	assert_int_equal(r.sport[0], 1000);
	assert_int_equal(r.sport[1], 2000);
	assert_string_equal(r.nic, "eth1");
	assert_null(r.peer);
	free(r.nic);
	assert_int_equal(vl_acl_parse("any to=any", true, false, &r, &why), 0);
	assert_null(r.peer);

	static const struct {
		const char *val;
		bool on_node;
		const char *why;
	} bad[] = {
		{"", true, "empty"},
		{"http to=db", true, "\"http\" is not a protocol"},
		{"icmp port=80", true, "ports need tcp or udp"},
		{"tcp port=0", true, "a port is 1..65535"},
		{"tcp port=90-80", true, "a port is 1..65535"},
		{"tcp port=80 port=81", true, "given twice"},
		{"tcp dport=80", true, "is not one of to=PEER"},
		{"tcp nic=eth0", false, "nic= chooses a NIC of a node"},
		{"tcp to=", true, "to= has no value"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(vl_acl_parse(bad[i].val, true, bad[i].on_node, &r, &why), -1);
		if (!strstr(why, bad[i].why))
			fail_msg("\"%s\": %s (expected %s)", bad[i].val, why, bad[i].why);
		free(why);
		free(r.peer);
		free(r.nic);
	}
	enum vl_port_security s;
	assert_int_equal(vl_security_parse("strict", &s), 0);
	assert_int_equal(s, VL_SEC_STRICT);
	assert_int_equal(vl_security_parse("off", &s), 0);
	assert_int_equal(s, VL_SEC_OFF);
	assert_int_equal(vl_security_parse("on", &s), -1);
}

static void expect_error(const char *text, const char *want)
{
	struct vl_topology t;
	size_t errors;
	char *s = load(text, &t, &errors);
	if (!errors || !strstr(s, want))
		fail_msg("expected \"%s\", got:\n%s", want, s);
	free(s);
	vl_topology_free(&t);
}

static void test_validate(void **state)
{
	(void)state;
	const char *base = "[lab]\nname = v\n[switch s]\nsubnet = 10.0.0.0/24\n"
			   "[vm a]\nnic = eth0 s auto\n[vm b]\nnic = eth0 s auto\n"
			   "[switch s2]\n[router r]\nnic = eth0 s2\n";
	char *text;
#define WITH(extra, want)                                      \
	do {                                                       \
		text = xasprintf("%s%s", base, extra);             \
		expect_error(text, want);                          \
		free(text);                                        \
	} while (0)
	WITH("[vm c]\nallow = tcp to=a\n", "t.ini:13: error: [vm c] allow: rules apply in a vSwitch port");
	WITH("[vm c]\nnic = eth0 s auto\nallow = tcp to=s\n", "allow: to=s: s is a switch (line 3)");
	WITH("[vm c]\nnic = eth0 s auto\ndeny = tcp to=zz\n", "deny: to=zz: unknown node \"zz\"");
	WITH("[vm c]\nnic = eth0 s auto\nallow = tcp to=r\n", "to=r: r has no address");
	WITH("[vm c]\nnic = eth0 s auto\nallow = tcp to=a:eth9\n", "to=a:eth9: a has no interface eth9");
	WITH("[vm c]\nnic = eth0 s auto\nallow = tcp nic=eth1\n", "nic=eth1: c has no NIC eth1");
	WITH("[vm c]\nnic = eth0 s auto\nsecurity = on\n", "t.ini:14: error: [vm c] security: \"on\" is not strict");
	WITH("[vm c]\nnic = eth0 s auto security=maybe\n", "security=maybe is not strict or off");
	WITH("[vm c]\nsecurity = strict\n", "[vm c] security: port security applies in a vSwitch port");
	WITH("[vm c]\nnic = eth0 s auto\nallow = udp port=99999\n", "port=99999: a port is 1..65535");
#undef WITH
}

/* ---- the plan ---- */

static size_t count_chain(const struct vl_plan *p, const char *chain)
{
	size_t n = 0;
	for (size_t i = 0; i < p->nops; i++)
		if (p->ops[i].kind == VL_OP_FILTER && !strcmp(p->ops[i].u.filter.chain, chain))
			n++;
	return n;
}

static void test_plan(void **state)
{
	(void)state;
	struct vl_topology t;
	struct vl_plan p;
	plan_of(lab_text, &t, &p);
	/* web: strict chain, then its acl (arp, nd, allow, the switch's deny,
	 * default drop), then the jump from the base chain */
	assert_int_equal(count_chain(&p, "acl-web-eth0"), 5);
	/* db: strict + the switch's deny; open: acl only; far: nothing */
	assert_int_equal(count_chain(&p, "acl-db-eth0"), 3);
	assert_int_equal(count_chain(&p, "sec-open-eth0"), 0);
	assert_int_equal(count_chain(&p, "acl-open-eth0"), 3);
	assert_int_equal(count_chain(&p, "ports"), 3);
	size_t base_seen = 0, ndrop = 0;
	for (size_t i = 0; i < p.nops; i++) {
		const struct vl_op *op = &p.ops[i];
		if (op->kind != VL_OP_FILTER)
			continue;
		assert_string_equal(op->ns, "vlab-sec-hv1");
		char *s = describe(op);
		if (!strcmp(op->u.filter.chain, "ports"))
			base_seen++;
		else if (!strncmp(op->u.filter.chain, "sec-web", 7))
			assert_int_equal(base_seen, 0); /* chains before the jump */
		if (strstr(s, "acl-web-eth0: ip daddr 10.0.0.2 meta l4proto tcp dport 5432 accept"))
			ndrop += 100;
		if (strstr(s, "acl-web-eth0: meta l4proto tcp dport 23 drop"))
			ndrop += 10;
		const char *end = "filter bridge vlab acl-web-eth0: drop";
		size_t sl = strlen(s), el = strlen(end);
		if (sl >= el && !strcmp(s + sl - el, end))
			ndrop += 1;
		free(s);
	}
	assert_int_equal(ndrop, 111);
	const struct vl_op *sec = NULL;
	for (size_t i = 0; i < p.nops && !sec; i++)
		if (p.ops[i].kind == VL_OP_FILTER && !strcmp(p.ops[i].u.filter.chain, "sec-web-eth0"))
			sec = &p.ops[i];
	assert_non_null(sec);
	assert_int_equal(sec->u.filter.mac_match, VL_MAC_NE);
	assert_memory_equal(sec->u.filter.mac, t.nodes[2].nics[0].mac, 6);

	/* NVGRE: gretap devices with the VSID, no FDB, 42 bytes over IPv4 */
	size_t ngre = 0;
	for (size_t i = 0; i < p.nops; i++) {
		const struct vl_op *op = &p.ops[i];
		assert_int_not_equal(op->kind, VL_OP_FDB);
		if (op->kind != VL_OP_NVGRE)
			continue;
		ngre++;
		assert_string_equal(op->dev, "nv5000");
		assert_int_equal(op->d.mtu, 1458);
		assert_int_equal(op->u.tunnel.local.family, AF_INET);
		char *s = describe(op);
		assert_non_null(strstr(s, "nvgre (gretap) nv5000 vsid 5000 key 0x00138800"));
		assert_null(strstr(s, "dstport"));
		free(s);
	}
	assert_int_equal(ngre, 2);
	assert_int_equal(vl_overlay_overhead(VL_OVERLAY_NVGRE, AF_INET), 42);
	assert_int_equal(vl_overlay_overhead(VL_OVERLAY_NVGRE, AF_INET6), 62);
	vl_plan_free(&p);
	vl_topology_free(&t);
}

/* apply: an unchanged file changes nothing; a changed rule is refused
 * (rules are appended to chains: down and up) */
static void test_diff(void **state)
{
	(void)state;
	struct vl_topology a, b;
	struct vl_plan pa, pb;
	plan_of(lab_text, &a, &pa);
	plan_of(lab_text, &b, &pb);
	struct vl_diff d;
	assert_int_equal(vl_plan_diff(&a, &b, &d), 0);
	assert_int_equal(d.nremove + d.nchange + d.ncreate, 0);
	vl_diff_free(&d);
	vl_plan_free(&pb);
	vl_topology_free(&b);
	char *text = xstrdup(lab_text);
	char *p = strstr(text, "port=5432");
	memcpy(p, "port=5433", 9);
	plan_of(text, &b, &pb);
	vl_plan_diff(&a, &b, &d);
	assert_int_equal(d.nremove + d.nchange + d.ncreate, 0);
	assert_int_equal(d.plan.nops, 0);
	assert_int_equal(d.refuse.n, 1);
	assert_non_null(strstr(d.refuse.v[0], "port security rules of hv1 change (chain acl-web-eth0)"));
	vl_diff_free(&d);
	free(text);
	vl_plan_free(&pa);
	vl_plan_free(&pb);
	vl_topology_free(&a);
	vl_topology_free(&b);
}

/* a router behind a strict port: warned, and security=off silences it */
static void test_router_warning(void **state)
{
	(void)state;
	const char *b = "[lab]\nname = w\n[switch s]\nsubnet = 10.0.0.0/24\nsecurity = strict\n"
			"[router r]\nnic = eth0 s auto%s\n";
	struct vl_topology t;
	size_t errors;
	char *text = xasprintf(b, "");
	char *s = load(text, &t, &errors);
	assert_int_equal(errors, 0);
	assert_non_null(strstr(s, "t.ini:7: warning: [router r] nic: router r forwards packets whose "
				  "source is another machine's; its strict port on s drops them"));
	free(s);
	free(text);
	vl_topology_free(&t);
	text = xasprintf(b, " security=off");
	s = load(text, &t, &errors);
	assert_null(strstr(s, "forwards packets"));
	free(s);
	free(text);
	vl_topology_free(&t);
}

/* [lab] external: the plan says what it will change on the machine */
static void test_external_plan(void **state)
{
	(void)state;
	const char *text = "[lab]\nname = ext\nexternal = gw\n[switch lan]\n"
			   "[router gw]\nnic = eth0 lan 10.7.0.1/24\n"
			   "[vm pc]\nnic = eth0 lan 10.7.0.2/24\ngateway = 10.7.0.1\n";
	struct vl_topology t;
	struct vl_plan p;
	plan_of(text, &t, &p);
	assert_true(p.ext.on);
	assert_string_equal(p.ext.ns, "vlab-ext-gw");
	assert_string_equal(p.ext.dev, "ext0");
	assert_string_equal(p.ext.root_dev, "vl-ext");
	assert_string_equal(p.ext.table, "vlab_ext_ext");
	assert_true(p.ext.node_nat);
	assert_int_equal(p.ext.net.len, 30);
	assert_int_equal(p.ext.net.addr[0], 198);
	assert_int_equal(p.ext.net.addr[1] & 0xfe, 18); /* 198.18.0.0/15 */
	assert_int_equal(p.ext.net.addr[3] & 3, 0);
	struct vl_buf b = {0};
	vl_plan_print(&p, &b);
	assert_non_null(strstr(b.s, "# external access: changes THIS MACHINE's own network namespace"));
	assert_non_null(strstr(b.s, "nftables table ip vlab_ext_ext"));
	assert_non_null(strstr(b.s, "net.ipv4.ip_forward = 1"));
	vl_buf_free(&b);
	vl_plan_json(&p, &b);
	assert_non_null(strstr(b.s, "\"external\":{\"root_namespace\":true"));
	vl_buf_free(&b);
	vl_plan_free(&p);
	vl_topology_free(&t);
	/* off by default: nothing about the machine in the plan */
	plan_of(lab_text, &t, &p);
	assert_false(p.ext.on);
	vl_plan_print(&p, &b);
	assert_null(strstr(b.s, "external"));
	vl_buf_free(&b);
	vl_plan_free(&p);
	vl_topology_free(&t);
}

static void test_nvgre_checks(void **state)
{
	(void)state;
	const char *b = "[lab]\nname = n\n[switch f]\n"
			"[host h1]\nnic = eth0 f %s\n[host h2]\nnic = eth0 f %s\n"
			"[switch a]\nhost = h1\n[switch b]\nhost = h2\n"
			"[overlay o]\ntype = nvgre\nvni = 7\nswitches = a b\n%s";
	char *text = xasprintf(b, "fd00::1/64", "fd00::2/64", "");
	expect_error(text, "vlab builds NVGRE as gretap over IPv4 only");
	free(text);
	text = xasprintf(b, "10.1.0.1/24", "10.1.0.2/24", "port = 4789\n");
	expect_error(text, "[overlay o] port: NVGRE is carried by GRE, which has no ports");
	free(text);
	text = xasprintf(b, "10.1.0.1/24", "10.1.0.2/24", "group = 239.1.1.1\n");
	expect_error(text, "nvgre has no multicast mode");
	free(text);
	text = xasprintf(b, "10.1.0.1/24", "10.1.0.2/24", "mtu = strict\n");
	expect_error(text, "NVGRE over IPv4 adds 42 bytes, so the segment MTU must be <= 1458");
	free(text);
}

/* ---- the nftables batch ---- */

struct seen {
	char names[32][16];
	int n;
	const struct nftnl_expr *e[32];
};

static int collect(struct nftnl_expr *e, void *data)
{
	struct seen *s = data;
	if (s->n < 32) {
		snprintf(s->names[s->n], 16, "%s", nftnl_expr_get_str(e, NFTNL_EXPR_NAME));
		s->e[s->n] = e;
		s->n++;
	}
	return 0;
}

static const void *cmp_data(const struct nftnl_expr *e, uint32_t *len, uint32_t *op)
{
	*op = nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_OP);
	return nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, len);
}

/* Walk one batch: begin, table, chains, rule, end. Returns the rule. */
static struct nftnl_rule *walk(const char *buf, size_t n, const struct vl_filter *f, int nchains)
{
	const struct nlmsghdr *h = (const void *)buf;
	int left = (int)n, i = 0, chains = 0;
	struct nftnl_rule *rule = NULL;
	for (; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left), i++) {
		int type = h->nlmsg_type & 0xff;
		if (i == 0) {
			assert_int_equal(h->nlmsg_type, NFNL_MSG_BATCH_BEGIN);
			continue;
		}
		if (h->nlmsg_type == NFNL_MSG_BATCH_END)
			break;
		assert_int_equal(h->nlmsg_type >> 8, NFNL_SUBSYS_NFTABLES);
		const struct nfgenmsg *g = mnl_nlmsg_get_payload(h);
		assert_int_equal(g->nfgen_family, NFPROTO_BRIDGE);
		assert_true(h->nlmsg_flags & NLM_F_ACK);
		assert_false(h->nlmsg_flags & NLM_F_EXCL); /* created when missing, kept when there */
		if (type == NFT_MSG_NEWTABLE) {
			struct nftnl_table *t = nftnl_table_alloc();
			assert_int_equal(nftnl_table_nlmsg_parse(h, t), 0);
			assert_string_equal(nftnl_table_get_str(t, NFTNL_TABLE_NAME), "vlab");
			uint32_t ul;
			const char *ud = nftnl_table_get_data(t, NFTNL_TABLE_USERDATA, &ul);
			assert_non_null(ud);
			assert_string_equal(ud, "vlab:sec");
			nftnl_table_free(t);
		} else if (type == NFT_MSG_NEWCHAIN) {
			struct nftnl_chain *c = nftnl_chain_alloc();
			assert_int_equal(nftnl_chain_nlmsg_parse(h, c), 0);
			const char *name = nftnl_chain_get_str(c, NFTNL_CHAIN_NAME);
			if (chains++ == 0) {
				assert_string_equal(name, "ports");
				assert_int_equal(nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM), NF_BR_PRE_ROUTING);
				assert_int_equal(nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO), -200);
				assert_int_equal(nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY), NF_ACCEPT);
				assert_string_equal(nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE), "filter");
			} else {
				assert_false(nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM));
			}
			nftnl_chain_free(c);
		} else {
			assert_int_equal(type, NFT_MSG_NEWRULE);
			assert_true(h->nlmsg_flags & NLM_F_APPEND);
			rule = nftnl_rule_alloc();
			assert_int_equal(nftnl_rule_nlmsg_parse(h, rule), 0);
			assert_string_equal(nftnl_rule_get_str(rule, NFTNL_RULE_CHAIN), f->chain);
		}
	}
	assert_int_equal(chains, nchains);
	assert_non_null(rule);
	return rule;
}

static void test_batch_strict(void **state)
{
	(void)state;
	char buf[VL_NFT_BATCH_MAX];
	uint32_t last;
	struct vl_filter f = {.chain = "sec-web-eth0", .mac_match = VL_MAC_NE,
			      .mac = {2, 0, 0, 0, 0, 1}, .verdict = VL_NFT_DROP};
	size_t n = vl_nft_filter_batch(buf, sizeof(buf), 100, "vlab:sec", &f, &last);
	assert_true(n > 0 && n < sizeof(buf));
	assert_int_equal(last, 100 + 4); /* begin, table, ports, sec-web-eth0, rule */
	struct nftnl_rule *r = walk(buf, n, &f, 2);
	struct seen s = {0};
	nftnl_expr_foreach(r, collect, &s);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.names[0], "payload");
	assert_int_equal(nftnl_expr_get_u32(s.e[0], NFTNL_EXPR_PAYLOAD_BASE), NFT_PAYLOAD_LL_HEADER);
	assert_int_equal(nftnl_expr_get_u32(s.e[0], NFTNL_EXPR_PAYLOAD_OFFSET), 6);
	assert_int_equal(nftnl_expr_get_u32(s.e[0], NFTNL_EXPR_PAYLOAD_LEN), 6);
	uint32_t len, op;
	const uint8_t *d = cmp_data(s.e[1], &len, &op);
	assert_int_equal(op, NFT_CMP_NEQ);
	assert_int_equal(len, 6);
	assert_memory_equal(d, f.mac, 6);
	assert_string_equal(s.names[2], "immediate");
	assert_int_equal(nftnl_expr_get_u32(s.e[2], NFTNL_EXPR_IMM_VERDICT), NF_DROP);
	nftnl_rule_free(r);

	/* the ARP sender check: protocol, sender MAC at 8, sender IP at 14 */
	struct vl_filter a = {.chain = "sec-web-eth0", .ethertype = 0x0806, .arp_sha = true,
			      .mac = {2, 0, 0, 0, 0, 1}, .verdict = VL_NFT_GOTO,
			      .target = "acl-web-eth0"};
	a.src.family = AF_INET;
	a.src.len = 32;
	memcpy(a.src.addr, "\x0a\x00\x00\x05", 4);
	n = vl_nft_filter_batch(buf, sizeof(buf), 1, "vlab:sec", &a, &last);
	r = walk(buf, n, &a, 3);
	memset(&s, 0, sizeof(s));
	nftnl_expr_foreach(r, collect, &s);
	assert_int_equal(s.n, 7);
	assert_string_equal(s.names[0], "meta");
	assert_int_equal(nftnl_expr_get_u32(s.e[0], NFTNL_EXPR_META_KEY), NFT_META_PROTOCOL);
	d = cmp_data(s.e[1], &len, &op);
	assert_int_equal(len, 2);
	assert_memory_equal(d, "\x08\x06", 2);
	assert_int_equal(nftnl_expr_get_u32(s.e[2], NFTNL_EXPR_PAYLOAD_BASE), NFT_PAYLOAD_NETWORK_HEADER);
	assert_int_equal(nftnl_expr_get_u32(s.e[2], NFTNL_EXPR_PAYLOAD_OFFSET), 8);
	assert_int_equal(nftnl_expr_get_u32(s.e[4], NFTNL_EXPR_PAYLOAD_OFFSET), 14);
	d = cmp_data(s.e[5], &len, &op);
	assert_int_equal(len, 4);
	assert_memory_equal(d, "\x0a\x00\x00\x05", 4);
	assert_int_equal(nftnl_expr_get_u32(s.e[6], NFTNL_EXPR_IMM_VERDICT), (uint32_t)NFT_GOTO);
	assert_string_equal(nftnl_expr_get_str(s.e[6], NFTNL_EXPR_IMM_CHAIN), "acl-web-eth0");
	nftnl_rule_free(r);
}

static void test_batch_acl(void **state)
{
	(void)state;
	char buf[VL_NFT_BATCH_MAX];
	uint32_t last;
	/* ip daddr 10.0.0.0/24 tcp dport 5000-5010 accept */
	struct vl_filter f = {.chain = "acl-web-eth0", .ethertype = 0x0800, .l4proto = 6,
			      .dport = {5000, 5010}, .verdict = VL_NFT_ACCEPT};
	f.dst.family = AF_INET;
	f.dst.len = 24;
	memcpy(f.dst.addr, "\x0a\x00\x00\x07", 4); /* host bits are masked off */
	size_t n = vl_nft_filter_batch(buf, sizeof(buf), 1, "vlab:sec", &f, &last);
	struct nftnl_rule *r = walk(buf, n, &f, 2);
	struct seen s = {0};
	nftnl_expr_foreach(r, collect, &s);
	static const char *const want[] = {"meta", "cmp", "payload", "bitwise", "cmp", "meta",
					   "cmp", "payload", "cmp", "cmp", "immediate"};
	assert_int_equal(s.n, (int)(sizeof(want) / sizeof(want[0])));
	for (int i = 0; i < s.n; i++)
		assert_string_equal(s.names[i], want[i]);
	assert_int_equal(nftnl_expr_get_u32(s.e[2], NFTNL_EXPR_PAYLOAD_OFFSET), 16);
	uint32_t len, op;
	const uint8_t *d = nftnl_expr_get(s.e[3], NFTNL_EXPR_BITWISE_MASK, &len);
	assert_int_equal(len, 4);
	assert_memory_equal(d, "\xff\xff\xff\x00", 4);
	d = cmp_data(s.e[4], &len, &op);
	assert_memory_equal(d, "\x0a\x00\x00\x00", 4);
	assert_int_equal(nftnl_expr_get_u32(s.e[5], NFTNL_EXPR_META_KEY), NFT_META_L4PROTO);
	assert_int_equal(nftnl_expr_get_u32(s.e[7], NFTNL_EXPR_PAYLOAD_BASE),
			 NFT_PAYLOAD_TRANSPORT_HEADER);
	assert_int_equal(nftnl_expr_get_u32(s.e[7], NFTNL_EXPR_PAYLOAD_OFFSET), 2);
	d = cmp_data(s.e[8], &len, &op);
	assert_int_equal(op, NFT_CMP_GTE);
	assert_memory_equal(d, "\x13\x88", 2); /* 5000, network order */
	d = cmp_data(s.e[9], &len, &op);
	assert_int_equal(op, NFT_CMP_LTE);
	assert_memory_equal(d, "\x13\x92", 2);
	assert_int_equal(nftnl_expr_get_u32(s.e[10], NFTNL_EXPR_IMM_VERDICT), NF_ACCEPT);
	nftnl_rule_free(r);

	/* the base chain's jump: iifname, zero padded to IFNAMSIZ */
	struct vl_filter b = {.chain = "ports", .iif = "web-eth0", .verdict = VL_NFT_GOTO,
			      .target = "sec-web-eth0"};
	n = vl_nft_filter_batch(buf, sizeof(buf), 1, "vlab:sec", &b, &last);
	r = walk(buf, n, &b, 2);
	memset(&s, 0, sizeof(s));
	nftnl_expr_foreach(r, collect, &s);
	assert_int_equal(s.n, 3);
	assert_int_equal(nftnl_expr_get_u32(s.e[0], NFTNL_EXPR_META_KEY), NFT_META_IIFNAME);
	d = cmp_data(s.e[1], &len, &op);
	assert_int_equal(len, 16);
	char name[16] = "web-eth0";
	assert_memory_equal(d, name, 16);
	nftnl_rule_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_acl_parse),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_router_warning),
		cmocka_unit_test(test_external_plan),
		cmocka_unit_test(test_nvgre_checks),
		cmocka_unit_test(test_batch_strict),
		cmocka_unit_test(test_batch_acl),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
