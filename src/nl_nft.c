/* NAT for routers: nftables table "vlab" (ip) with a nat postrouting chain
 * holding `oifname DEV masquerade`, sent as one nfnetlink batch with
 * libnftnl. Runs in the caller's current namespace. */
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

#include "vlab/exec.h"

#define NFT_TABLE "vlab"
#define NFT_CHAIN "postrouting"

static void put_table(struct mnl_nlmsg_batch *b, uint32_t seq)
{
	struct nftnl_table *t = nftnl_table_alloc();
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, NFT_TABLE);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_IPV4);
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b), NFT_MSG_NEWTABLE,
						     NFPROTO_IPV4, NLM_F_CREATE | NLM_F_ACK, seq);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	mnl_nlmsg_batch_next(b);
}

static void put_chain(struct mnl_nlmsg_batch *b, uint32_t seq)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, NFT_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, NFT_CHAIN);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "nat");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, NF_INET_POST_ROUTING);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, 100);
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b), NFT_MSG_NEWCHAIN,
						     NFPROTO_IPV4, NLM_F_CREATE | NLM_F_ACK, seq);
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

int vl_nft_masquerade(const char *oifname)
{
	static char buf[16384];
	struct vl_nl nl;
	int r = vl_nl_open(&nl, NETLINK_NETFILTER);
	if (r < 0)
		return r;
	uint32_t seq = (uint32_t)time(NULL);
	uint32_t begin = seq;
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(buf, sizeof(buf));
	nftnl_batch_begin(mnl_nlmsg_batch_current(b), seq++);
	mnl_nlmsg_batch_next(b);
	put_table(b, seq++);
	put_chain(b, seq++);
	uint32_t last = seq;
	put_rule(b, seq++, oifname);
	nftnl_batch_end(mnl_nlmsg_batch_current(b), seq++);
	mnl_nlmsg_batch_next(b);

	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	if (sendto(nl.fd, mnl_nlmsg_batch_head(b), mnl_nlmsg_batch_size(b), 0,
		   (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		goto out;
	}
	/* One ack per message; the first error wins (also one answering the
	 * batch-begin message: no nf_tables), the rule's ack ends it. */
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
	mnl_nlmsg_batch_stop(b);
	vl_nl_close(&nl);
	return r;
}
