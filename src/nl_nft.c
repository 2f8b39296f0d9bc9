/* nftables through libnftnl, one nfnetlink batch per request, in the
 * caller's current namespace:
 *  - NAT for routers: table "vlab" (ip) with a nat postrouting chain
 *    holding `oifname DEV masquerade`;
 *  - port security (src/secure.c): table "vlab" (bridge) in a switch's
 *    namespace, base chain "ports" on prerouting and one chain per port. */
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter_bridge.h>

#include "vlab/exec.h"

#define NFT_TABLE "vlab"
#define NFT_CHAIN "postrouting"

/* NEWTABLE: `name` in `family`; with `mark`, the owner's mark as the
 * table's userdata (as an nft comment would be stored). */
static void put_table(struct mnl_nlmsg_batch *b, uint32_t seq, uint32_t family,
		      const char *name, const char *mark)
{
	struct nftnl_table *t = nftnl_table_alloc();
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, family);
	if (mark)
		nftnl_table_set_data(t, NFTNL_TABLE_USERDATA, mark, (uint32_t)strlen(mark) + 1);
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b), NFT_MSG_NEWTABLE,
						     (uint16_t)family, NLM_F_CREATE | NLM_F_ACK, seq);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	mnl_nlmsg_batch_next(b);
}

/* What makes a chain a base chain: its type, hook and priority. */
struct base_chain {
	const char *type;
	uint32_t hook;
	int32_t prio;
	bool policy_accept;
};

/* NEWCHAIN `name` in table `table` of `family`; a base chain with `base`,
 * else a regular one (a jump target). */
static void put_chain(struct mnl_nlmsg_batch *b, uint32_t seq, uint32_t family,
		      const char *table, const char *name, const struct base_chain *base)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	if (base) {
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, base->type);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, base->hook);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, base->prio);
		if (base->policy_accept)
			nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b), NFT_MSG_NEWCHAIN,
						     (uint16_t)family, NLM_F_CREATE | NLM_F_ACK, seq);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	mnl_nlmsg_batch_next(b);
}

static void put_rule(struct mnl_nlmsg_batch *b, uint32_t seq, const char *oifname)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	char name[16] = {0}; /* IFNAMSIZ, zero padded like nft does */
	strncpy(name, oifname, sizeof(name) - 1);

	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NFT_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, NFT_CHAIN);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_IPV4);

	struct nftnl_expr *e = nftnl_expr_alloc("meta");
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_OIFNAME);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	nftnl_rule_add_expr(r, e);
	e = nftnl_expr_alloc("cmp");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, name, sizeof(name));
	nftnl_rule_add_expr(r, e);
	nftnl_rule_add_expr(r, nftnl_expr_alloc("masq"));

	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b), NFT_MSG_NEWRULE,
						     NFPROTO_IPV4,
						     NLM_F_APPEND | NLM_F_CREATE | NLM_F_ACK, seq);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	mnl_nlmsg_batch_next(b);
}

int vl_nft_scan_acks(const void *buf, size_t len, uint32_t begin, uint32_t last)
{
	const struct nlmsghdr *h = buf;
	int n = (int)len;
	for (; mnl_nlmsg_ok(h, n); h = mnl_nlmsg_next(h, &n)) {
		if (h->nlmsg_type != NLMSG_ERROR || h->nlmsg_seq < begin || h->nlmsg_seq > last)
			continue;
		if (h->nlmsg_len < NLMSG_HDRLEN + sizeof(struct nlmsgerr))
			return -EBADMSG;
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);
		if (e->error)
			return e->error < 0 ? e->error : -e->error;
		if (h->nlmsg_seq == last)
			return 1;
	}
	return 0;
}

/* The whole exchange may take this long (a batch is applied inside
 * sendmsg(), so its acks are normally waiting already). */
#define NFT_TIMEOUT_MS 5000

/* Send a built batch and wait for the ack of `last` (or the first error). */
static int send_batch(struct mnl_nlmsg_batch *b, uint32_t begin, uint32_t last)
{
	struct vl_nl nl;
	int r = vl_nl_open(&nl, NETLINK_NETFILTER);
	if (r < 0)
		return r;
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	if (sendto(nl.fd, mnl_nlmsg_batch_head(b), mnl_nlmsg_batch_size(b), 0,
		   (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		goto out;
	}
	/* One ack per message; the first error wins (also one answering the
	 * batch-begin message: no nf_tables), the last request's ack ends it. */
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		char rx[8192];
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		long spent = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (spent >= NFT_TIMEOUT_MS) {
			r = -ETIMEDOUT;
			goto out;
		}
		ssize_t n = vl_nl_recv(nl.fd, rx, sizeof(rx), (int)(NFT_TIMEOUT_MS - spent));
		if (n == -EAGAIN)
			continue;
		if (n < 0) {
			r = (int)n;
			goto out;
		}
		r = vl_nft_scan_acks(rx, (size_t)n, begin, last);
		if (r != 0) {
			if (r > 0)
				r = 0;
			goto out;
		}
	}
out:
	vl_nl_close(&nl);
	return r;
}

int vl_nft_masquerade(const char *oifname)
{
	static char buf[16384];
	uint32_t seq = (uint32_t)time(NULL);
	uint32_t begin = seq;
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(buf, sizeof(buf));
	nftnl_batch_begin(mnl_nlmsg_batch_current(b), seq++);
	mnl_nlmsg_batch_next(b);
	static const struct base_chain nat = {"nat", NF_INET_POST_ROUTING, 100, false};
	put_table(b, seq++, NFPROTO_IPV4, NFT_TABLE, NULL);
	put_chain(b, seq++, NFPROTO_IPV4, NFT_TABLE, NFT_CHAIN, &nat);
	uint32_t last = seq;
	put_rule(b, seq++, oifname);
	nftnl_batch_end(mnl_nlmsg_batch_current(b), seq++);
	mnl_nlmsg_batch_next(b);
	int r = send_batch(b, begin, last);
	mnl_nlmsg_batch_stop(b);
	return r;
}

/* ---- port security: table bridge vlab in a switch's namespace ----------- */

/* A chain of table bridge vlab: the base chain on prerouting, or a port's */
static void br_chain(struct mnl_nlmsg_batch *b, uint32_t seq, const char *name)
{
	static const struct base_chain prerouting = {"filter", NF_BR_PRE_ROUTING,
						      NF_BR_PRI_FILTER_BRIDGED, true};
	put_chain(b, seq, NFPROTO_BRIDGE, VL_NFT_BRIDGE_TABLE, name,
		  strcmp(name, VL_NFT_BASE_CHAIN) ? NULL : &prerouting);
}

static void x_meta(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	nftnl_rule_add_expr(r, e);
}

static void x_payload(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	nftnl_rule_add_expr(r, e);
}

static void x_cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	nftnl_rule_add_expr(r, e);
}

/* reg1 &= mask of a prefix (only when it is shorter than the address) */
static void x_mask(struct nftnl_rule *r, const struct vl_prefix *p, uint32_t len)
{
	if (p->len >= (int)len * 8)
		return;
	uint8_t mask[16] = {0}, zero[16] = {0};
	for (int i = 0; i < p->len; i++)
		mask[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	struct nftnl_expr *e = nftnl_expr_alloc("bitwise");
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
	nftnl_rule_add_expr(r, e);
}

static void x_addr(struct nftnl_rule *r, const struct vl_prefix *p, uint32_t off4, uint32_t off6)
{
	uint32_t len = p->family == AF_INET ? 4 : 16;
	uint8_t net[16] = {0};
	for (int i = 0; i < p->len && i < (int)len * 8; i++)
		net[i / 8] |= (uint8_t)(p->addr[i / 8] & (0x80 >> (i % 8)));
	x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, p->family == AF_INET ? off4 : off6, len);
	x_mask(r, p, len);
	x_cmp(r, NFT_CMP_EQ, net, len);
}

static void x_range16(struct nftnl_rule *r, uint32_t off, const uint16_t rg[2])
{
	if (!rg[1])
		return;
	uint16_t lo = htobe16(rg[0]), hi = htobe16(rg[1]);
	x_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, off, 2);
	if (rg[0] == rg[1]) {
		x_cmp(r, NFT_CMP_EQ, &lo, 2);
		return;
	}
	x_cmp(r, NFT_CMP_GTE, &lo, 2); /* big endian: memcmp order is numeric order */
	x_cmp(r, NFT_CMP_LTE, &hi, 2);
}

static void x_verdict(struct nftnl_rule *r, const struct vl_filter *f)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, f->verdict == VL_NFT_ACCEPT ? NF_ACCEPT :
						      f->verdict == VL_NFT_DROP ? NF_DROP : NFT_GOTO);
	if (f->verdict == VL_NFT_GOTO)
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, f->target);
	nftnl_rule_add_expr(r, e);
}

static void br_rule(struct mnl_nlmsg_batch *b, uint32_t seq, const struct vl_filter *f)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, VL_NFT_BRIDGE_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, f->chain);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_BRIDGE);
	if (f->iif[0]) {
		char name[16] = {0}; /* IFNAMSIZ, zero padded like nft does */
		memcpy(name, f->iif, strnlen(f->iif, sizeof(name) - 1));
		x_meta(r, NFT_META_IIFNAME);
		x_cmp(r, NFT_CMP_EQ, name, sizeof(name));
	}
	if (f->ethertype) {
		uint16_t et = htobe16(f->ethertype);
		x_meta(r, NFT_META_PROTOCOL);
		x_cmp(r, NFT_CMP_EQ, &et, 2);
	}
	if (f->mac_match) {
		x_payload(r, NFT_PAYLOAD_LL_HEADER, 6, 6);
		x_cmp(r, f->mac_match == VL_MAC_NE ? NFT_CMP_NEQ : NFT_CMP_EQ, f->mac, 6);
	}
	if (f->arp_sha) {
		x_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 8, 6);
		x_cmp(r, NFT_CMP_EQ, f->mac, 6);
	}
	if (f->src.family) /* ARP: sender IP at 14; ip saddr at 12; ip6 saddr at 8 */
		x_addr(r, &f->src, f->ethertype == 0x0806 ? 14 : 12, 8);
	if (f->dst.family)
		x_addr(r, &f->dst, 16, 24);
	if (f->l4proto) {
		x_meta(r, NFT_META_L4PROTO);
		x_cmp(r, NFT_CMP_EQ, &f->l4proto, 1);
	}
	x_range16(r, 2, f->dport);
	x_range16(r, 0, f->sport);
	if (f->icmp_type[1]) {
		x_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1);
		x_cmp(r, NFT_CMP_GTE, &f->icmp_type[0], 1);
		x_cmp(r, NFT_CMP_LTE, &f->icmp_type[1], 1);
	}
	x_verdict(r, f);
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b), NFT_MSG_NEWRULE,
						     NFPROTO_BRIDGE,
						     NLM_F_APPEND | NLM_F_CREATE | NLM_F_ACK, seq);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	mnl_nlmsg_batch_next(b);
}

/* begin, table, chains (created when missing), the rule, end; returns
 * the rule's sequence number (the ack that ends the exchange) */
static uint32_t put_filter(struct mnl_nlmsg_batch *b, uint32_t seq, const char *mark,
			   const struct vl_filter *f)
{
	nftnl_batch_begin(mnl_nlmsg_batch_current(b), seq++);
	mnl_nlmsg_batch_next(b);
	put_table(b, seq++, NFPROTO_BRIDGE, VL_NFT_BRIDGE_TABLE, mark);
	br_chain(b, seq++, VL_NFT_BASE_CHAIN);
	if (strcmp(f->chain, VL_NFT_BASE_CHAIN))
		br_chain(b, seq++, f->chain);
	if (f->verdict == VL_NFT_GOTO)
		br_chain(b, seq++, f->target);
	uint32_t last = seq;
	br_rule(b, seq++, f);
	nftnl_batch_end(mnl_nlmsg_batch_current(b), seq++);
	mnl_nlmsg_batch_next(b);
	return last;
}

size_t vl_nft_filter_batch(void *buf, size_t size, uint32_t seq, const char *mark,
			   const struct vl_filter *f, uint32_t *last)
{
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(buf, size);
	*last = put_filter(b, seq, mark, f);
	size_t n = mnl_nlmsg_batch_size(b);
	mnl_nlmsg_batch_stop(b);
	return n;
}

int vl_nft_filter(const char *mark, const struct vl_filter *f)
{
	char buf[VL_NFT_BATCH_MAX];
	uint32_t seq = (uint32_t)time(NULL);
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(buf, sizeof(buf));
	uint32_t last = put_filter(b, seq, mark, f);
	int r = send_batch(b, seq, last);
	mnl_nlmsg_batch_stop(b);
	return r;
}

/* ---- external access: table ip vlab_ext_<lab> in the machine's namespace ---- */

static uint32_t put_ext(struct mnl_nlmsg_batch *b, uint32_t seq, const char *table,
			const char *mark, const struct vl_prefix *net)
{
	nftnl_batch_begin(mnl_nlmsg_batch_current(b), seq++);
	mnl_nlmsg_batch_next(b);

	struct nftnl_table *t = nftnl_table_alloc();
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, table);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_IPV4);
	nftnl_table_set_data(t, NFTNL_TABLE_USERDATA, mark, (uint32_t)strlen(mark) + 1);
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b), NFT_MSG_NEWTABLE,
						     NFPROTO_IPV4, NLM_F_CREATE | NLM_F_ACK, seq++);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	mnl_nlmsg_batch_next(b);

	struct nftnl_chain *c = nftnl_chain_alloc();
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, NFT_CHAIN);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "nat");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, NF_INET_POST_ROUTING);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, 100);
	nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b), NFT_MSG_NEWCHAIN, NFPROTO_IPV4,
				    NLM_F_CREATE | NLM_F_ACK, seq++);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	mnl_nlmsg_batch_next(b);

	struct nftnl_rule *r = nftnl_rule_alloc();
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, NFT_CHAIN);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_IPV4);
	x_addr(r, net, 12, 8); /* ip saddr NET */
	nftnl_rule_add_expr(r, nftnl_expr_alloc("masq"));
	uint32_t last = seq;
	nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b), NFT_MSG_NEWRULE, NFPROTO_IPV4,
				    NLM_F_APPEND | NLM_F_CREATE | NLM_F_ACK, seq++);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	mnl_nlmsg_batch_next(b);

	nftnl_batch_end(mnl_nlmsg_batch_current(b), seq++);
	mnl_nlmsg_batch_next(b);
	return last;
}

int vl_nft_masquerade_from(const char *table, const char *mark, const struct vl_prefix *net)
{
	char buf[VL_NFT_BATCH_MAX];
	uint32_t seq = (uint32_t)time(NULL);
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(buf, sizeof(buf));
	uint32_t last = put_ext(b, seq, table, mark, net);
	int r = send_batch(b, seq, last);
	mnl_nlmsg_batch_stop(b);
	return r;
}

int vl_nft_table_del(const char *table)
{
	char buf[VL_NFT_BATCH_MAX];
	uint32_t seq = (uint32_t)time(NULL), begin = seq;
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(buf, sizeof(buf));
	nftnl_batch_begin(mnl_nlmsg_batch_current(b), seq++);
	mnl_nlmsg_batch_next(b);
	struct nftnl_table *t = nftnl_table_alloc();
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, table);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_IPV4);
	uint32_t last = seq;
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b), NFT_MSG_DELTABLE,
						     NFPROTO_IPV4, NLM_F_ACK, seq++);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	mnl_nlmsg_batch_next(b);
	nftnl_batch_end(mnl_nlmsg_batch_current(b), seq++);
	mnl_nlmsg_batch_next(b);
	int r = send_batch(b, begin, last);
	mnl_nlmsg_batch_stop(b);
	return r == -ENOENT ? 0 : r;
}
