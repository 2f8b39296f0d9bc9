/* Port security and micro-segmentation in the vSwitch: parse, check and
 * plan. A secured port (`security = strict`) lets through only frames
 * whose source MAC is its NIC's and whose source IP (ARP sender too) is
 * one of the NIC's addresses (its sub-interfaces' included); `allow =` /
 * `deny =` rules then filter what the NIC sends, first match wins, and
 * when any allow rule applies to a port everything else is dropped. The
 * rules are stateless (this kernel has no bridge conntrack): they judge
 * the frames a node sends into its port, never the answers it receives.
 *
 * Everything becomes VL_OP_FILTER ops, one nftables rule each, in the
 * namespace holding the switch (table bridge vlab, created by the first
 * rule, gone with the namespace). src/nl_nft.c turns an op into a batch. */
#include "vlab/plan.h"
#include "vlab/parse.h"
#include "vlab/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define ETH_IP 0x0800
#define ETH_ARP 0x0806
#define ETH_IP6 0x86dd

/* ---- parsing ------------------------------------------------------------ */

int vl_security_parse(const char *s, enum vl_port_security *out)
{
	if (!strcmp(s, "strict"))
		*out = VL_SEC_STRICT;
	else if (!strcmp(s, "off"))
		*out = VL_SEC_OFF;
	else
		return -1;
	return 0;
}

static int port_range(const char *s, uint16_t r[2])
{
	char *end;
	long lo = strtol(s, &end, 10), hi = lo;
	if (end == s)
		return -1;
	if (*end == '-') {
		const char *h = end + 1;
		hi = strtol(h, &end, 10);
		if (end == h)
			return -1;
	}
	if (*end || lo < 1 || hi > 65535 || lo > hi)
		return -1;
	r[0] = (uint16_t)lo;
	r[1] = (uint16_t)hi;
	return 0;
}

static const char *const acl_opts[] = {"to", "port", "sport", "nic"};

int vl_acl_parse(const char *val, bool allow, bool on_node, struct vl_acl_rule *r, char **why)
{
	struct vl_strv tok = {0};
	int rc = -1;
	memset(r, 0, sizeof(*r));
	r->allow = allow;
	*why = NULL;
	vl_split(&tok, val, false);
	if (!tok.n) {
		*why = xasprintf("empty: say PROTO [to=PEER] [port=N], e.g. tcp to=db port=5432");
		goto out;
	}
	const char *p = tok.v[0];
	if (!strcmp(p, "any") || !strcmp(p, "ip"))
		r->proto = VL_ACL_ANY;
	else if (!strcmp(p, "tcp"))
		r->proto = VL_ACL_TCP;
	else if (!strcmp(p, "udp"))
		r->proto = VL_ACL_UDP;
	else if (!strcmp(p, "icmp"))
		r->proto = VL_ACL_ICMP;
	else {
		*why = xasprintf("\"%s\" is not a protocol: the rule starts with tcp, udp, icmp or any", p);
		goto out;
	}
	for (size_t i = 1; i < tok.n; i++) {
		const char *w = tok.v[i], *eq = strchr(w, '=');
		size_t k = VL_ARRAY_SIZE(acl_opts);
		if (eq)
			for (k = 0; k < VL_ARRAY_SIZE(acl_opts); k++)
				if (strlen(acl_opts[k]) == (size_t)(eq - w) &&
				    !strncmp(w, acl_opts[k], (size_t)(eq - w)))
					break;
		if (k == VL_ARRAY_SIZE(acl_opts)) {
			*why = xasprintf("\"%s\" is not one of to=PEER, port=N[-M], sport=N[-M]%s", w,
					 on_node ? ", nic=IF" : "");
			goto out;
		}
		const char *v = eq + 1;
		if (!*v) {
			*why = xasprintf("%s= has no value", acl_opts[k]);
			goto out;
		}
		if (k == 0 && !r->peer) {
			if (strcmp(v, "any"))
				r->peer = xstrdup(v);
		} else if (k == 1 || k == 2) {
			uint16_t *pr = k == 1 ? r->dport : r->sport;
			if (pr[1]) {
				*why = xasprintf("%s= given twice", acl_opts[k]);
				goto out;
			}
			if (r->proto != VL_ACL_TCP && r->proto != VL_ACL_UDP) {
				*why = xasprintf("%s=%s: ports need tcp or udp, not %s", acl_opts[k], v, p);
				goto out;
			}
			if (port_range(v, pr)) {
				*why = xasprintf("%s=%s: a port is 1..65535, a range N-M", acl_opts[k], v);
				goto out;
			}
		} else if (k == 3 && on_node && !r->nic) {
			r->nic = xstrdup(v);
		} else if (k == 3) {
			*why = xasprintf("nic= chooses a NIC of a node; a switch's rules apply to all its ports");
			goto out;
		} else {
			*why = xasprintf("%s= given twice", acl_opts[k]);
			goto out;
		}
	}
	rc = 0;
out:
	vl_strv_free(&tok);
	return rc;
}

void vl_acl_free(struct vl_acl *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->v[i].peer);
		free(a->v[i].nic);
		free(a->v[i].peer_addrs);
	}
	free(a->v);
	memset(a, 0, sizeof(*a));
}

/* ---- validation --------------------------------------------------------- */

static void peer_push(struct vl_acl_rule *r, const struct vl_prefix *p)
{
	r->peer_addrs = realloc(r->peer_addrs, (r->npeer_addrs + 1) * sizeof(*p));
	if (!r->peer_addrs)
		abort();
	struct vl_prefix *q = &r->peer_addrs[r->npeer_addrs++];
	*q = *p;
	q->len = p->family == AF_INET ? 32 : 128;
}

static void node_addrs(const struct vl_node *n, const char *ifname, struct vl_acl_rule *r)
{
	for (size_t j = 0; j < n->nnics; j++)
		if (!ifname || !strcmp(ifname, n->nics[j].name))
			for (size_t k = 0; k < n->nics[j].naddrs; k++)
				peer_push(r, &n->nics[j].addrs[k].p);
	for (size_t j = 0; j < n->nsubs; j++)
		if (!ifname || !strcmp(ifname, n->subs[j].name))
			for (size_t k = 0; k < n->subs[j].naddrs; k++)
				peer_push(r, &n->subs[j].addrs[k].p);
}

static void resolve_peer(const struct vl_topology *t, struct vl_acl_rule *r, const char *key,
			 struct vl_diags *d)
{
	struct vl_prefix p;
	free(r->peer_addrs); /* validated again (apply, migrate): start over */
	r->peer_addrs = NULL;
	r->npeer_addrs = 0;
	if (!r->peer)
		return;
	if (vl_prefix_parse(r->peer, &p, true) == 0 || vl_prefix_parse(r->peer, &p, false) == 0) {
		r->peer_addrs = xcalloc(1, sizeof(p));
		r->peer_addrs[0] = p;
		r->npeer_addrs = 1;
		return;
	}
	char *name = xstrdup(r->peer), *colon = strchr(name, ':');
	if (colon)
		*colon++ = '\0';
	int ni = vl_find_node(t, name);
	if (ni < 0) {
		int si = vl_find_switch(t, name);
		if (si >= 0)
			vl_err(d, &r->loc, key,
			       "to=%s: %s is a switch (line %d); to= names a node, NODE:IF or an address",
			       r->peer, name, t->switches[si].loc.line);
		else
			vl_err(d, &r->loc, key,
			       "to=%s: unknown node \"%s\"; to= names a node, NODE:IF or an address",
			       r->peer, name);
		free(name);
		return;
	}
	const struct vl_node *n = &t->nodes[ni];
	if (colon && vl_find_nic(n, colon) < 0) {
		bool sub = false;
		for (size_t j = 0; j < n->nsubs; j++)
			sub |= !strcmp(n->subs[j].name, colon);
		if (!sub) {
			vl_err(d, &r->loc, key, "to=%s: %s has no interface %s", r->peer, name, colon);
			free(name);
			return;
		}
	}
	node_addrs(n, colon, r);
	if (!r->npeer_addrs)
		vl_err(d, &r->loc, key, "to=%s: %s has no address to match (give it one, or use to=any)",
		       r->peer, colon ? r->peer : name);
	free(name);
}

static bool on_switch(const struct vl_node *n)
{
	for (size_t j = 0; j < n->nnics; j++)
		if (n->nics[j].sw_idx >= 0)
			return true;
	return false;
}

static void check_node(struct vl_topology *t, struct vl_node *n, struct vl_diags *d)
{
	bool sw = on_switch(n);
	if (n->security && !sw)
		vl_err(d, &n->security_loc, "security",
		       "port security applies in a vSwitch port, and %s has no NIC on a switch "
		       "(a [link] end is not a switch port)", n->name);
	for (size_t j = 0; j < n->nnics; j++) {
		const struct vl_nic *c = &n->nics[j];
		if (c->security && c->sw_idx < 0 && c->link_idx >= 0)
			vl_err(d, &c->loc, "nic",
			       "%s: security= is a switch port option; a [link] end has no switch",
			       c->name);
		if (c->sw_idx < 0 || !n->forward)
			continue;
		enum vl_port_security sec = c->security ? c->security : n->security ?
					    n->security : t->switches[c->sw_idx].security;
		if (sec == VL_SEC_STRICT)
			vl_warn(d, &c->loc, "nic",
				"%s %s forwards packets whose source is another machine's; its strict port "
				"on %s drops them (give this nic security=off)",
				vl_node_kind_name(n->kind), n->name, t->switches[c->sw_idx].name);
	}
	for (size_t i = 0; i < n->acl.n; i++) {
		struct vl_acl_rule *r = &n->acl.v[i];
		const char *key = r->allow ? "allow" : "deny";
		if (!sw) {
			vl_err(d, &r->loc, key,
			       "rules apply in a vSwitch port, and %s has no NIC on a switch", n->name);
			continue;
		}
		if (r->nic) {
			int k = vl_find_nic(n, r->nic);
			if (k < 0)
				vl_err(d, &r->loc, key, "nic=%s: %s has no NIC %s", r->nic, n->name, r->nic);
			else if (n->nics[k].sw_idx < 0)
				vl_err(d, &r->loc, key,
				       "nic=%s: that NIC is a [link] end, not a switch port", r->nic);
		}
		resolve_peer(t, r, key, d);
	}
}

void vl_secure_validate(struct vl_topology *t, struct vl_diags *d)
{
	for (size_t i = 0; i < t->nnodes; i++)
		check_node(t, &t->nodes[i], d);
	for (size_t i = 0; i < t->nswitches; i++) {
		struct vl_switch *s = &t->switches[i];
		for (size_t k = 0; k < s->acl.n; k++)
			resolve_peer(t, &s->acl.v[k], s->acl.v[k].allow ? "allow" : "deny", d);
	}
}

/* ---- planning ----------------------------------------------------------- */

struct port {
	struct vl_plan *p;
	const char *owner, *ns;
	char dev[VL_DEVNAME_MAX];
	char sec[VL_CHAIN_MAX], acl[VL_CHAIN_MAX];
};

static void cpy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src);
}

static struct vl_filter *rule(struct port *pt, const char *chain, unsigned char verdict,
			      const char *target)
{
	struct vl_plan *p = pt->p;
	struct vl_op *op = VL_PUSH(p->ops, p->nops, p->cap);
	memset(op, 0, sizeof(*op));
	op->kind = VL_OP_FILTER;
	cpy(op->node, sizeof(op->node), pt->owner);
	cpy(op->ns, sizeof(op->ns), pt->ns);
	cpy(op->dev, sizeof(op->dev), pt->dev);
	struct vl_filter *f = &op->u.filter;
	cpy(f->chain, sizeof(f->chain), chain);
	f->verdict = verdict;
	if (target)
		cpy(f->target, sizeof(f->target), target);
	return f;
}

static void src_ok(struct port *pt, const char *next, uint16_t et, const struct vl_prefix *a,
		   const uint8_t mac[6])
{
	struct vl_filter *f = rule(pt, pt->sec, next ? VL_NFT_GOTO : VL_NFT_ACCEPT, next);
	f->ethertype = et;
	f->src = *a;
	f->src.len = a->family == AF_INET ? 32 : 128;
	if (et == ETH_ARP) {
		f->arp_sha = true;
		memcpy(f->mac, mac, 6);
	}
}

static void each_addr(const struct vl_node *n, const struct vl_nic *c, struct port *pt,
		      const char *next, uint16_t et, int family)
{
	for (size_t k = 0; k < c->naddrs; k++)
		if (c->addrs[k].p.family == family)
			src_ok(pt, next, et, &c->addrs[k].p, c->mac);
	for (size_t j = 0; j < n->nsubs; j++)
		if (!strcmp(n->subs[j].parent, c->name))
			for (size_t k = 0; k < n->subs[j].naddrs; k++)
				if (n->subs[j].addrs[k].p.family == family)
					src_ok(pt, next, et, &n->subs[j].addrs[k].p, c->mac);
}

static void plan_strict(const struct vl_topology *t, const struct vl_node *n,
			const struct vl_nic *c, struct port *pt, bool acl)
{
	const char *next = acl ? pt->acl : NULL;
	struct vl_filter *f = rule(pt, pt->sec, VL_NFT_DROP, NULL);
	f->mac_match = VL_MAC_NE;
	memcpy(f->mac, c->mac, 6);
	each_addr(n, c, pt, next, ETH_IP, AF_INET);
	each_addr(n, c, pt, next, ETH_ARP, AF_INET);
	if (t->lab.ipv6) {
		each_addr(n, c, pt, next, ETH_IP6, AF_INET6);
		struct vl_prefix ll = vl_ll6_eui64(c->mac), none = {.family = AF_INET6, .len = 128};
		src_ok(pt, next, ETH_IP6, &ll, c->mac);
		src_ok(pt, next, ETH_IP6, &none, c->mac); /* :: (DAD, MLD before an address) */
	}
	static const uint16_t ip_types[] = {ETH_IP, ETH_ARP, ETH_IP6};
	for (size_t i = 0; i < VL_ARRAY_SIZE(ip_types); i++)
		rule(pt, pt->sec, VL_NFT_DROP, NULL)->ethertype = ip_types[i];
	if (acl)
		rule(pt, pt->sec, VL_NFT_GOTO, pt->acl);
}

static void acl_rule(struct port *pt, const struct vl_acl_rule *r)
{
	unsigned char v = r->allow ? VL_NFT_ACCEPT : VL_NFT_DROP;
	static const int fams[] = {AF_INET, AF_INET6};
	for (size_t k = 0; k < (r->npeer_addrs ? r->npeer_addrs : 2); k++) {
		int fam = r->npeer_addrs ? r->peer_addrs[k].family : fams[k];
		bool family_bound = r->npeer_addrs || r->proto == VL_ACL_ICMP;
		if (!family_bound && k)
			break; /* one rule, for both families */
		struct vl_filter *f = rule(pt, pt->acl, v, NULL);
		if (family_bound)
			f->ethertype = fam == AF_INET ? ETH_IP : ETH_IP6;
		if (r->npeer_addrs)
			f->dst = r->peer_addrs[k];
		switch (r->proto) {
		case VL_ACL_TCP: f->l4proto = 6; break;
		case VL_ACL_UDP: f->l4proto = 17; break;
		case VL_ACL_ICMP: f->l4proto = fam == AF_INET ? 1 : 58; break;
		default: break;
		}
		memcpy(f->dport, r->dport, sizeof(f->dport));
		memcpy(f->sport, r->sport, sizeof(f->sport));
	}
}

static bool rule_applies(const struct vl_acl_rule *r, const struct vl_nic *c)
{
	return !r->nic || !strcmp(r->nic, c->name);
}

static void plan_acl(const struct vl_node *n, const struct vl_switch *s,
		     const struct vl_nic *c, struct port *pt)
{
	bool any_allow = false;
	rule(pt, pt->acl, VL_NFT_ACCEPT, NULL)->ethertype = ETH_ARP;
	struct vl_filter *nd = rule(pt, pt->acl, VL_NFT_ACCEPT, NULL);
	nd->ethertype = ETH_IP6;
	nd->l4proto = 58;
	nd->icmp_type[0] = 133; /* router solicitation .. redirect */
	nd->icmp_type[1] = 137;
	for (size_t i = 0; i < n->acl.n; i++)
		if (rule_applies(&n->acl.v[i], c)) {
			acl_rule(pt, &n->acl.v[i]);
			any_allow |= n->acl.v[i].allow;
		}
	for (size_t i = 0; i < s->acl.n; i++) {
		acl_rule(pt, &s->acl.v[i]);
		any_allow |= s->acl.v[i].allow;
	}
	if (any_allow)
		rule(pt, pt->acl, VL_NFT_DROP, NULL);
}

static bool has_rules(const struct vl_node *n, const struct vl_switch *s, const struct vl_nic *c)
{
	if (s->acl.n)
		return true;
	for (size_t i = 0; i < n->acl.n; i++)
		if (rule_applies(&n->acl.v[i], c))
			return true;
	return false;
}

void vl_secure_plan(const struct vl_topology *t, struct vl_plan *p,
		    const char (*sw_ns)[VL_NSNAME_MAX], const char *const *sw_owner)
{
	for (size_t i = 0; i < t->nnodes; i++) {
		const struct vl_node *n = &t->nodes[i];
		for (size_t j = 0; j < n->nnics; j++) {
			const struct vl_nic *c = &n->nics[j];
			if (c->sw_idx < 0)
				continue;
			const struct vl_switch *s = &t->switches[c->sw_idx];
			enum vl_port_security sec = c->security ? c->security :
						    n->security ? n->security : s->security;
			bool strict = sec == VL_SEC_STRICT, acl = has_rules(n, s, c);
			if (!strict && !acl)
				continue;
			struct port pt = {.p = p, .owner = sw_owner[c->sw_idx], .ns = sw_ns[c->sw_idx]};
			vl_port_name(pt.dev, n->name, c->name);
			snprintf(pt.sec, sizeof(pt.sec), "sec-%s", pt.dev);
			snprintf(pt.acl, sizeof(pt.acl), "acl-%s", pt.dev);
			if (strict)
				plan_strict(t, n, c, &pt, acl);
			if (acl)
				plan_acl(n, s, c, &pt);
			struct vl_filter *f = rule(&pt, VL_NFT_BASE_CHAIN, VL_NFT_GOTO,
						   strict ? pt.sec : pt.acl);
			cpy(f->iif, sizeof(f->iif), pt.dev);
		}
	}
}

void vl_nvgre_name(char out[VL_DEVNAME_MAX], uint32_t vsid, int idx)
{
	vsid &= 0xffffff;
	if (idx > 0)
		snprintf(out, VL_DEVNAME_MAX, "nv%u-%d", vsid, idx % 10000);
	else
		snprintf(out, VL_DEVNAME_MAX, "nv%u", vsid);
}

/* ---- printing ----------------------------------------------------------- */

static const char *ethertype_name(uint16_t et)
{
	return et == ETH_IP ? "ip" : et == ETH_IP6 ? "ip6" : et == ETH_ARP ? "arp" : "?";
}

static const char *l4_name(uint8_t p)
{
	switch (p) {
	case 6: return "tcp";
	case 17: return "udp";
	case 1: return "icmp";
	case 58: return "icmpv6";
	default: return NULL;
	}
}

static void range_text(struct vl_buf *o, const char *what, const uint16_t r[2])
{
	if (!r[1])
		return;
	if (r[0] == r[1])
		vl_buf_printf(o, " %s %u", what, r[0]);
	else
		vl_buf_printf(o, " %s %u-%u", what, r[0], r[1]);
}

static void mac_text(char *b, size_t n, const uint8_t m[6])
{
	snprintf(b, n, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static const char *verdict_name(unsigned char v)
{
	return v == VL_NFT_ACCEPT ? "accept" : v == VL_NFT_DROP ? "drop" : "goto";
}

void vl_filter_describe(const struct vl_op *op, struct vl_buf *o)
{
	const struct vl_filter *f = &op->u.filter;
	char a[64], m[24];
	const char *fam = f->ethertype ? ethertype_name(f->ethertype) : "ip";
	vl_buf_printf(o, "filter bridge vlab %s:", f->chain);
	if (f->iif[0])
		vl_buf_printf(o, " iifname %s", f->iif);
	if (f->mac_match) {
		mac_text(m, sizeof(m), f->mac);
		vl_buf_printf(o, " ether saddr %s%s", f->mac_match == VL_MAC_NE ? "!= " : "", m);
	}
	if (f->ethertype && !f->src.family && !f->dst.family && !f->l4proto)
		vl_buf_printf(o, " meta protocol %s", fam);
	if (f->arp_sha) {
		mac_text(m, sizeof(m), f->mac);
		vl_buf_printf(o, " arp saddr ether %s", m);
	}
	if (f->src.family) {
		vl_prefix_format(&f->src, a, sizeof(a), false);
		vl_buf_printf(o, " %s saddr %s%s", fam, f->ethertype == ETH_ARP ? "ip " : "", a);
	}
	if (f->dst.family) {
		bool host = f->dst.len == (f->dst.family == AF_INET ? 32 : 128);
		vl_prefix_format(&f->dst, a, sizeof(a), !host);
		vl_buf_printf(o, " %s daddr %s", fam, a);
	}
	if (f->l4proto)
		vl_buf_printf(o, " meta l4proto %s", l4_name(f->l4proto) ? l4_name(f->l4proto) : "?");
	range_text(o, "dport", f->dport);
	range_text(o, "sport", f->sport);
	if (f->icmp_type[1])
		vl_buf_printf(o, " icmpv6 type %u-%u", f->icmp_type[0], f->icmp_type[1]);
	vl_buf_printf(o, " %s", verdict_name(f->verdict));
	if (f->verdict == VL_NFT_GOTO)
		vl_buf_printf(o, " %s", f->target);
}

static void jstr(struct vl_buf *o, const char *k, const char *v)
{
	vl_buf_printf(o, ",\"%s\":", k);
	vl_buf_json_str(o, v);
}

void vl_filter_json(const struct vl_op *op, struct vl_buf *o)
{
	const struct vl_filter *f = &op->u.filter;
	char a[64], m[24];
	jstr(o, "chain", f->chain);
	if (f->iif[0])
		jstr(o, "iifname", f->iif);
	if (f->ethertype)
		jstr(o, "protocol", ethertype_name(f->ethertype));
	if (f->mac_match) {
		mac_text(m, sizeof(m), f->mac);
		jstr(o, f->mac_match == VL_MAC_NE ? "ether_saddr_not" : "ether_saddr", m);
	}
	if (f->arp_sha) {
		mac_text(m, sizeof(m), f->mac);
		jstr(o, "arp_sender_mac", m);
	}
	if (f->src.family) {
		vl_prefix_format(&f->src, a, sizeof(a), false);
		jstr(o, "saddr", a);
	}
	if (f->dst.family) {
		vl_prefix_format(&f->dst, a, sizeof(a), true);
		jstr(o, "daddr", a);
	}
	if (f->l4proto)
		vl_buf_printf(o, ",\"l4proto\":%u", f->l4proto);
	if (f->dport[1])
		vl_buf_printf(o, ",\"dport\":[%u,%u]", f->dport[0], f->dport[1]);
	if (f->sport[1])
		vl_buf_printf(o, ",\"sport\":[%u,%u]", f->sport[0], f->sport[1]);
	if (f->icmp_type[1])
		vl_buf_printf(o, ",\"icmp_type\":[%u,%u]", f->icmp_type[0], f->icmp_type[1]);
	jstr(o, "verdict", verdict_name(f->verdict));
	if (f->verdict == VL_NFT_GOTO)
		jstr(o, "target", f->target);
}
