/* The pure half of `vlab trace`: walking a snapshot of a lab's kernel
 * state (vlab/trace.h) from a node to an address, hop by hop, and the
 * text and JSON of the result. No kernel access here: routes come from
 * the snapshot's hook. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if.h>
#include <linux/neighbour.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vlab/trace.h"

/* ---- addresses ---- */

int vl_tr_ip_parse(const char *s, struct vl_tr_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, s, ip->a) == 1) {
		ip->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, ip->a) == 1) {
		ip->family = AF_INET6;
		return 0;
	}
	return -1;
}

const char *vl_tr_ip_str(const struct vl_tr_ip *ip, char *out, size_t n)
{
	if (!ip->family || !inet_ntop(ip->family, ip->a, out, (socklen_t)n))
		snprintf(out, n, "-");
	return out;
}

static size_t ip_len(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

bool vl_tr_ip_eq(const struct vl_tr_ip *a, const struct vl_tr_ip *b)
{
	return a->family && a->family == b->family && !memcmp(a->a, b->a, ip_len(a->family));
}

static bool prefix_has(const struct vl_tr_ip *net, int plen, const struct vl_tr_ip *ip)
{
	if (net->family != ip->family)
		return false;
	for (int i = 0; i < plen; i++) {
		int m = 0x80 >> (i % 8);
		if ((net->a[i / 8] & m) != (ip->a[i / 8] & m))
			return false;
	}
	return true;
}

static bool ip_global(const struct vl_tr_ip *ip)
{
	if (ip->family == AF_INET)
		return ip->a[0] != 127;
	static const uint8_t lo6[16] = {[15] = 1};
	return !(ip->a[0] == 0xfe && (ip->a[1] & 0xc0) == 0x80) && memcmp(ip->a, lo6, 16);
}

static const char *mac_str(const uint8_t m[6], char *out, size_t n)
{
	snprintf(out, n, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return out;
}

/* ---- the snapshot ---- */

struct vl_tr_ns *vl_tr_add_ns(struct vl_tr_snap *s, const char *ns, const char *node)
{
	struct vl_tr_ns *n = VL_PUSH(s->v, s->n, s->cap);
	n->ns = xstrdup(ns);
	n->node = xstrdup(node ? node : ns);
	n->fwd4 = n->fwd6 = -1;
	return n;
}

struct vl_tr_if *vl_tr_add_if(struct vl_tr_ns *n, int index, const char *name, const char *kind)
{
	struct vl_tr_if *f = VL_PUSH(n->ifs, n->nifs, n->ifs_cap);
	f->index = index;
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(f->kind, sizeof(f->kind), "%s", kind);
	f->flags = IFF_UP | IFF_LOWER_UP;
	f->mtu = 1500;
	f->link_nsid = -1;
	f->peer_ns = -1;
	return f;
}

void vl_tr_snap_free(struct vl_tr_snap *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct vl_tr_ns *n = &s->v[i];
		for (size_t k = 0; k < n->nifs; k++)
			free(n->ifs[k].vlans);
		free(n->ifs);
		free(n->addrs);
		free(n->fdb);
		free(n->neigh);
		free(n->routes);
		free(n->ns);
		free(n->node);
	}
	free(s->v);
	free(s->lab);
	memset(s, 0, sizeof(*s));
}

struct vl_tr_if *vl_tr_if_by_index(const struct vl_tr_ns *n, int index)
{
	for (size_t k = 0; k < n->nifs; k++)
		if (n->ifs[k].index == index)
			return &n->ifs[k];
	return NULL;
}

static struct vl_tr_if *if_by_name(const struct vl_tr_ns *n, const char *name)
{
	for (size_t k = 0; k < n->nifs; k++)
		if (!strcmp(n->ifs[k].name, name))
			return &n->ifs[k];
	return NULL;
}

static bool owns(const struct vl_tr_ns *n, const struct vl_tr_ip *ip)
{
	for (size_t k = 0; k < n->naddrs; k++)
		if (vl_tr_ip_eq(&n->addrs[k].ip, ip))
			return true;
	return false;
}

static bool if_owns(const struct vl_tr_ns *n, int ifindex, const struct vl_tr_ip *ip)
{
	for (size_t k = 0; k < n->naddrs; k++)
		if (n->addrs[k].ifindex == ifindex && vl_tr_ip_eq(&n->addrs[k].ip, ip))
			return true;
	return false;
}

int vl_tr_route_table(void *ctx, const struct vl_tr_snap *s, size_t ns,
		      const struct vl_tr_ip *dst, int oif, struct vl_tr_rt *out)
{
	(void)ctx;
	const struct vl_tr_ns *n = &s->v[ns];
	memset(out, 0, sizeof(*out));
	if (owns(n, dst)) {
		out->local = true;
		return 0;
	}
	int best = -1;
	const struct vl_tr_route *br = NULL;
	const struct vl_tr_addr *ba = NULL;
	for (size_t k = 0; k < n->nroutes; k++) {
		const struct vl_tr_route *r = &n->routes[k];
		if ((oif && r->oif != oif) || !prefix_has(&r->dst, r->plen, dst) || r->plen <= best)
			continue;
		best = r->plen;
		br = r;
	}
	for (size_t k = 0; k < n->naddrs; k++) {
		const struct vl_tr_addr *a = &n->addrs[k];
		const struct vl_tr_if *f = vl_tr_if_by_index(n, a->ifindex);
		if (!f || !(f->flags & IFF_UP) || (oif && a->ifindex != oif) ||
		    !prefix_has(&a->ip, a->plen, dst) || a->plen <= best)
			continue;
		best = a->plen;
		ba = a;
		br = NULL;
	}
	if (ba) {
		out->oif = ba->ifindex;
		out->src = ba->ip;
		return 0;
	}
	if (!br || br->unreachable)
		return -ENETUNREACH;
	out->oif = br->oif;
	out->gw = br->gw;
	return 0;
}

void vl_tr_pair_veths(struct vl_tr_snap *s)
{
	for (size_t i = 0; i < s->n; i++)
		for (size_t k = 0; k < s->v[i].nifs; k++) {
			struct vl_tr_if *f = &s->v[i].ifs[k];
			if (strcmp(f->kind, "veth") || f->peer_ns >= 0 || !f->link)
				continue;
			if (f->link_nsid < 0) {
				if (vl_tr_if_by_index(&s->v[i], f->link)) {
					f->peer_ns = (int)i;
					f->peer_if = f->link;
				}
				continue;
			}
			int found = -1, count = 0;
			for (size_t j = 0; j < s->n; j++) {
				if (j == i)
					continue;
				const struct vl_tr_if *p = vl_tr_if_by_index(&s->v[j], f->link);
				if (p && !strcmp(p->kind, "veth") && p->link == f->index &&
				    p->link_nsid >= 0) {
					found = (int)j;
					count++;
				}
			}
			if (count == 1) {
				f->peer_ns = found;
				f->peer_if = f->link;
			}
		}
}

/* ---- the walk ---- */

enum { DEAD = 0, REACHED = 1, STOP = -1 };

struct fault {
	size_t hop;
	bool warn;
	char layer[16];
	char why[320];
};

struct seen {
	size_t ns;
	int ifindex, vid;
	bool out;
};

struct walk {
	const struct vl_tr_snap *s;
	struct vl_tr_path *t;
	struct fault *f;
	size_t nf, fcap;
	struct seen *seen;
	size_t nseen, seencap, seg;   /* seg: where this L2 segment's entries start */
	int size;                     /* bytes of the packet as it is here */
	int overhead;                 /* encapsulation around the original */
	int depth;
	char dead[320];
};

/* A destination on one L2 segment: the interfaces holding `ip`. */
struct l2dst {
	const struct vl_tr_ip *ip;
	uint8_t mac[8][6];
	size_t nmac;
};

struct mark {
	size_t hops, faults, seen;
};

static void mark(const struct walk *w, struct mark *m)
{
	m->hops = w->t->n;
	m->faults = w->nf;
	m->seen = w->nseen;
}

static void undo(struct walk *w, const struct mark *m)
{
	w->t->n = m->hops;
	w->nf = m->faults;
	w->nseen = m->seen;
}

/* A branch that stopped at a fault, kept while the other branches are
 * tried: if none reaches the destination, it is the answer. */
struct saved {
	bool have;
	struct vl_tr_hop *hops;
	size_t nh;
	struct fault *f;
	size_t nf;
};

static void save(struct walk *w, struct saved *sv)
{
	if (sv->have)
		return;
	sv->have = true;
	sv->nh = w->t->n;
	sv->hops = xmalloc((sv->nh + 1) * sizeof(*sv->hops));
	memcpy(sv->hops, w->t->hops, sv->nh * sizeof(*sv->hops));
	sv->nf = w->nf;
	sv->f = xmalloc((sv->nf + 1) * sizeof(*sv->f));
	memcpy(sv->f, w->f, sv->nf * sizeof(*sv->f));
}

static int restore(struct walk *w, struct saved *sv, int r)
{
	if (sv->have && r != REACHED) {
		w->t->n = 0;
		for (size_t i = 0; i < sv->nh; i++)
			*VL_PUSH(w->t->hops, w->t->n, w->t->cap) = sv->hops[i];
		w->nf = 0;
		for (size_t i = 0; i < sv->nf; i++)
			*VL_PUSH(w->f, w->nf, w->fcap) = sv->f[i];
		r = STOP;
	}
	free(sv->hops);
	free(sv->f);
	return r;
}

static void add_fault(struct walk *w, size_t hop, bool warn, const char *layer,
		      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void add_fault(struct walk *w, size_t hop, bool warn, const char *layer,
		      const char *fmt, ...)
{
	struct fault *f = VL_PUSH(w->f, w->nf, w->fcap);
	f->hop = hop;
	f->warn = warn;
	snprintf(f->layer, sizeof(f->layer), "%s", layer);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->why, sizeof(f->why), fmt, ap);
	va_end(ap);
}

static int dead(struct walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int dead(struct walk *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->dead, sizeof(w->dead), fmt, ap);
	va_end(ap);
	return DEAD;
}

static bool seen(struct walk *w, size_t ns, int ifindex, int vid, bool out)
{
	for (size_t i = w->seg; i < w->nseen; i++) {
		const struct seen *e = &w->seen[i];
		if (e->ns == ns && e->ifindex == ifindex && e->vid == vid && e->out == out)
			return true;
	}
	*VL_PUSH(w->seen, w->nseen, w->seencap) = (struct seen){ns, ifindex, vid, out};
	return false;
}

static bool has_bridge_or_vtep(const struct vl_tr_ns *n)
{
	for (size_t k = 0; k < n->nifs; k++)
		if (!strcmp(n->ifs[k].kind, "bridge") || !strcmp(n->ifs[k].kind, "vxlan") ||
		    !strcmp(n->ifs[k].kind, "geneve"))
			return true;
	return false;
}

static bool is_vtep(const struct vl_tr_if *f)
{
	return !strcmp(f->kind, "vxlan") || !strcmp(f->kind, "geneve");
}

static const char *layer_of(const struct vl_tr_ns *n, const struct vl_tr_if *f)
{
	if (!strcmp(f->kind, "bridge"))
		return "switch";
	if (is_vtep(f))
		return "vtep";
	if (f->master)
		return "port";
	if (!strcmp(f->kind, "vlan"))
		return "vlan";
	return has_bridge_or_vtep(n) ? "underlay" : "nic";
}

static size_t add_hop(struct walk *w, size_t ns, const struct vl_tr_if *f, const char *layer,
		      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static size_t add_hop(struct walk *w, size_t ns, const struct vl_tr_if *f, const char *layer,
		      const char *fmt, ...)
{
	struct vl_tr_hop *h = VL_PUSH(w->t->hops, w->t->n, w->t->cap);
	snprintf(h->node, sizeof(h->node), "%s", w->s->v[ns].node);
	snprintf(h->ifname, sizeof(h->ifname), "%s", f ? f->name : "-");
	h->layer = layer ? layer : f ? layer_of(&w->s->v[ns], f) : "nic";
	h->overhead = w->overhead;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(h->text, sizeof(h->text), fmt, ap);
	va_end(ap);
	return w->t->n - 1;
}

static void hop_append(struct walk *w, size_t hop, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void hop_append(struct walk *w, size_t hop, const char *fmt, ...)
{
	struct vl_tr_hop *h = &w->t->hops[hop];
	size_t l = strlen(h->text);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(h->text + l, sizeof(h->text) - l, fmt, ap);
	va_end(ap);
}

static void rate_str(uint64_t bps, char *out, size_t n)
{
	if (bps >= 1000000000 && bps % 1000000000 == 0)
		snprintf(out, n, "%llugbit", (unsigned long long)(bps / 1000000000));
	else if (bps >= 1000000 && bps % 1000000 == 0)
		snprintf(out, n, "%llumbit", (unsigned long long)(bps / 1000000));
	else if (bps >= 1000 && bps % 1000 == 0)
		snprintf(out, n, "%llukbit", (unsigned long long)(bps / 1000));
	else
		snprintf(out, n, "%llubit", (unsigned long long)bps);
}

/* The checks every device on the way gets: admin state, carrier, MTU,
 * its shaper. Faults are recorded; the walk goes on structurally. */
static void check_dev(struct walk *w, size_t ns, const struct vl_tr_if *f, size_t hop, bool mtu)
{
	struct vl_tr_hop *h = &w->t->hops[hop];
	const char *node = w->s->v[ns].node;
	if (mtu)
		h->mtu = f->mtu;
	if (f->qkind[0]) {
		size_t l = 0;
		l += (size_t)snprintf(h->shaper + l, sizeof(h->shaper) - l, "%s", f->qkind);
		char r[32];
		if (f->shape.rate_bps) {
			rate_str(f->shape.rate_bps, r, sizeof(r));
			l += (size_t)snprintf(h->shaper + l, sizeof(h->shaper) - l, " rate %s", r);
		}
		if (f->shape.delay_us && l < sizeof(h->shaper))
			l += (size_t)snprintf(h->shaper + l, sizeof(h->shaper) - l, " delay %.1fms",
					      f->shape.delay_us / 1000.0);
		if (f->shape.loss_pct > 0 && l < sizeof(h->shaper))
			l += (size_t)snprintf(h->shaper + l, sizeof(h->shaper) - l, " loss %g%%",
					      f->shape.loss_pct);
		if (f->qdrops && l < sizeof(h->shaper))
			snprintf(h->shaper + l, sizeof(h->shaper) - l, ", %llu drops",
				 (unsigned long long)f->qdrops);
	}
	if (!(f->flags & IFF_UP)) {
		add_fault(w, hop, false, "link", "%s %s is down (administratively: its cable is pulled)",
			  node, f->name);
	} else if (!(f->flags & IFF_LOWER_UP)) {
		const char *why = "";
		char buf[160] = "";
		if (f->peer_ns >= 0) {
			const struct vl_tr_ns *pn = &w->s->v[f->peer_ns];
			const struct vl_tr_if *p = vl_tr_if_by_index(pn, f->peer_if);
			if (p && !(p->flags & IFF_UP)) {
				snprintf(buf, sizeof(buf), ": its peer %s %s is down (the cable is pulled there)",
					 pn->node, p->name);
				why = buf;
			}
		}
		add_fault(w, hop, false, "link", "%s %s has no carrier%s", node, f->name, why);
	}
	if (mtu && f->mtu && w->size > f->mtu) {
		if (w->overhead)
			add_fault(w, hop, false, "mtu",
				  "%s %s has MTU %d, smaller than the %d-byte packet (%d + %d bytes of encapsulation)",
				  node, f->name, f->mtu, w->size, w->size - w->overhead, w->overhead);
		else
			add_fault(w, hop, false, "mtu", "%s %s has MTU %d, smaller than the %d-byte packet",
				  node, f->name, f->mtu, w->size);
	}
	if (f->shape.loss_pct > 0) {
		add_fault(w, hop, false, "shaper", "the shaper on %s %s drops %g%% of the packets (netem loss)",
			  node, f->name, f->shape.loss_pct);
	} else if (f->qdrops) {
		char r[32] = "";
		if (f->shape.rate_bps)
			rate_str(f->shape.rate_bps, r, sizeof(r));
		add_fault(w, hop, true, "shaper",
			  "the shaper (%s%s%s) on %s %s has dropped %llu packets: loss without interface errors",
			  f->qkind, r[0] ? " rate " : "", r, node, f->name,
			  (unsigned long long)f->qdrops);
	}
}

static const struct vl_tr_vlan *port_vlan(const struct vl_tr_if *f, int vid)
{
	for (size_t i = 0; i < f->nvlans; i++)
		if (f->vlans[i].vid == vid)
			return &f->vlans[i];
	return NULL;
}

static int port_pvid(const struct vl_tr_if *f)
{
	for (size_t i = 0; i < f->nvlans; i++)
		if (f->vlans[i].pvid)
			return f->vlans[i].vid;
	return 0;
}

static void vlan_list(const struct vl_tr_if *f, char *out, size_t n)
{
	size_t l = 0;
	out[0] = 0;
	for (size_t i = 0; i < f->nvlans && l < n; i++)
		l += (size_t)snprintf(out + l, n - l, "%s%u", i ? "," : "", f->vlans[i].vid);
	if (!f->nvlans)
		snprintf(out, n, "none");
}

static int l3(struct walk *w, size_t ns, const struct vl_tr_ip *dst, int oif, bool origin,
	      size_t *end);
static int l2_in(struct walk *w, size_t ns, int ifindex, int tag, const struct l2dst *d,
		 size_t *end);

static bool mac_is(const struct l2dst *d, const uint8_t mac[6])
{
	for (size_t i = 0; i < d->nmac; i++)
		if (!memcmp(d->mac[i], mac, 6))
			return true;
	return false;
}

/* Out of a veth end: in at its peer. */
static int veth_out(struct walk *w, size_t ns, const struct vl_tr_if *f, int tag,
		    const struct l2dst *d, size_t *end)
{
	if (f->peer_ns < 0)
		return dead(w, "%s %s: its peer is outside the lab", w->s->v[ns].node, f->name);
	return l2_in(w, (size_t)f->peer_ns, f->peer_if, tag, d, end);
}

static int bridge_fwd(struct walk *w, size_t ns, int br, int in, int vid, const struct l2dst *d,
		      size_t *end);

/* A frame leaves device ifindex (its hop is already there). */
static int l2_out(struct walk *w, size_t ns, int ifindex, int tag, const struct l2dst *d,
		  size_t *end)
{
	const struct vl_tr_ns *n = &w->s->v[ns];
	const struct vl_tr_if *f = vl_tr_if_by_index(n, ifindex);
	if (!f)
		return dead(w, "%s: device %d is gone", n->node, ifindex);
	if (!strcmp(f->kind, "vlan")) {
		const struct vl_tr_if *p = vl_tr_if_by_index(n, f->link);
		if (!p)
			return dead(w, "%s %s: its parent device is gone", n->node, f->name);
		size_t h = add_hop(w, ns, p, NULL, "carries the frame tagged VLAN %d", f->vlan_id);
		check_dev(w, ns, p, h, true);
		return l2_out(w, ns, p->index, f->vlan_id, d, end);
	}
	if (!strcmp(f->kind, "veth"))
		return veth_out(w, ns, f, tag, d, end);
	if (!strcmp(f->kind, "bridge"))
		return bridge_fwd(w, ns, f->index, 0, tag ? tag : port_pvid(f), d, end);
	return dead(w, "%s %s (%s) leads nowhere the trace can follow", n->node, f->name,
		    f->kind[0] ? f->kind : "device");
}

static int vtep_out(struct walk *w, size_t ns, const struct vl_tr_if *v, size_t hop, int tag,
		    const struct l2dst *d, size_t *end);

/* Out of bridge `b` through port q in VLAN vid. */
static int port_out(struct walk *w, size_t ns, const struct vl_tr_if *b, int q, int vid,
		    const struct l2dst *d, size_t *end)
{
	const struct vl_tr_ns *n = &w->s->v[ns];
	const struct vl_tr_if *f = vl_tr_if_by_index(n, q);
	if (!f)
		return dead(w, "%s: port %d is gone", n->node, q);
	if (seen(w, ns, q, vid, true))
		return dead(w, "%s %s: a loop", n->node, f->name);
	int tag = vid;
	size_t h;
	if (b->vlan_filtering) {
		const struct vl_tr_vlan *m = port_vlan(f, vid);
		h = add_hop(w, ns, f, NULL, "out of %s, VLAN %d %s", b->name, vid,
			    m && m->untagged ? "untagged" : "tagged");
		if (!m) {
			char l[64];
			vlan_list(f, l, sizeof(l));
			add_fault(w, h, false, "vlan",
				  "VLAN %d is not allowed on port %s of %s %s (its VLANs: %s)", vid,
				  f->name, n->node, b->name, l);
		} else if (m->untagged) {
			tag = 0;
		}
	} else {
		h = add_hop(w, ns, f, NULL, "out of %s", b->name);
	}
	check_dev(w, ns, f, h, true);
	if (is_vtep(f))
		return vtep_out(w, ns, f, h, tag, d, end);
	if (!strcmp(f->kind, "veth"))
		return veth_out(w, ns, f, tag, d, end);
	return dead(w, "%s %s (%s) leads nowhere the trace can follow", n->node, f->name, f->kind);
}

static int bridge_fwd(struct walk *w, size_t ns, int br, int in, int vid, const struct l2dst *d,
		      size_t *end)
{
	const struct vl_tr_ns *n = &w->s->v[ns];
	const struct vl_tr_if *b = vl_tr_if_by_index(n, br);
	if (!b)
		return dead(w, "%s: bridge %d is gone", n->node, br);
	size_t h = add_hop(w, ns, b, "switch", "%s", "");
	if (!(b->flags & IFF_UP))
		add_fault(w, h, false, "link", "switch %s in %s is down", b->name, n->node);
	char m[24];
	for (size_t k = 0; k < n->nfdb; k++) {
		const struct vl_tr_fdb *e = &n->fdb[k];
		const struct vl_tr_if *p = vl_tr_if_by_index(n, e->ifindex);
		if (!e->master || !p || p->master != br || !mac_is(d, e->mac) ||
		    (b->vlan_filtering && e->vlan != vid))
			continue;
		hop_append(w, h, "fdb: %s on port %s%s", mac_str(e->mac, m, sizeof(m)), p->name,
			   e->state & NUD_PERMANENT ? " (static)" : " (learned)");
		if (e->ifindex == in) {
			add_fault(w, h, false, "fdb",
				  "the fdb of %s in %s puts %s behind the port it came in on (%s): the frame is dropped",
				  b->name, n->node, m, p->name);
			return STOP;
		}
		return port_out(w, ns, b, e->ifindex, vid, d, end);
	}
	hop_append(w, h, "%s not in the fdb: floods%s", d->nmac ? mac_str(d->mac[0], m, sizeof(m)) : "MAC",
		   b->vlan_filtering ? " the VLAN" : "");
	if (b->vlan_filtering)
		hop_append(w, h, " %d", vid);
	struct saved sv = {0};
	int r = DEAD;
	for (size_t k = 0; k < n->nifs && r != REACHED; k++) {
		const struct vl_tr_if *q = &n->ifs[k];
		if (q->master != br || q->index == in)
			continue;
		struct mark mk;
		mark(w, &mk);
		r = port_out(w, ns, b, q->index, vid, d, end);
		if (r == STOP)
			save(w, &sv);
		if (r != REACHED)
			undo(w, &mk);
	}
	if (r != REACHED && !sv.have)
		dead(w, "%s floods the frame for %s and no port of it leads there", b->name,
		     d->nmac ? mac_str(d->mac[0], m, sizeof(m)) : "the destination");
	return restore(w, &sv, r);
}

/* In at device ifindex of namespace ns, carrying VLAN tag (0 = none). */
static int l2_in(struct walk *w, size_t ns, int ifindex, int tag, const struct l2dst *d,
		 size_t *end)
{
	const struct vl_tr_ns *n = &w->s->v[ns];
	const struct vl_tr_if *f = vl_tr_if_by_index(n, ifindex);
	if (!f)
		return dead(w, "%s: device %d is gone", n->node, ifindex);
	if (seen(w, ns, ifindex, tag, false))
		return dead(w, "%s %s: a loop", n->node, f->name);
	char ip[64];
	size_t h;
	if (is_vtep(f))
		h = add_hop(w, ns, f, NULL, "decapsulates VNI %u", f->vni);
	else if (f->master)
		h = add_hop(w, ns, f, NULL, "into %s%s",
			    vl_tr_if_by_index(n, f->master) ? vl_tr_if_by_index(n, f->master)->name : "?",
			    tag ? "," : "");
	else
		h = add_hop(w, ns, f, NULL, "%s", "in");
	if (tag)
		hop_append(w, h, " VLAN %d tagged", tag);
	check_dev(w, ns, f, h, true);
	if (if_owns(n, ifindex, d->ip)) {
		hop_append(w, h, ", holds %s", vl_tr_ip_str(d->ip, ip, sizeof(ip)));
		if (tag)
			add_fault(w, h, false, "vlan",
				  "the frame reaches %s %s tagged VLAN %d, but %s expects it untagged",
				  n->node, f->name, tag, f->name);
		*end = ns;
		return REACHED;
	}
	if (tag && !f->master) {
		for (size_t k = 0; k < n->nifs; k++) {
			const struct vl_tr_if *g = &n->ifs[k];
			if (strcmp(g->kind, "vlan") || g->link != ifindex || g->vlan_id != tag)
				continue;
			size_t h2 = add_hop(w, ns, g, "vlan", "VLAN %d, tag removed", tag);
			check_dev(w, ns, g, h2, true);
			if (if_owns(n, g->index, d->ip)) {
				hop_append(w, h2, ", holds %s", vl_tr_ip_str(d->ip, ip, sizeof(ip)));
				*end = ns;
				return REACHED;
			}
			return dead(w, "%s %s does not hold %s", n->node, g->name,
				    vl_tr_ip_str(d->ip, ip, sizeof(ip)));
		}
		return dead(w, "%s %s gets the frame tagged VLAN %d and has no sub-interface for it",
			    n->node, f->name, tag);
	}
	if (!f->master)
		return dead(w, "%s %s does not hold %s", n->node, f->name,
			    vl_tr_ip_str(d->ip, ip, sizeof(ip)));
	const struct vl_tr_if *b = vl_tr_if_by_index(n, f->master);
	if (!b)
		return dead(w, "%s %s: its switch is gone", n->node, f->name);
	int vid = tag;
	if (b->vlan_filtering) {
		if (!tag) {
			vid = port_pvid(f);
			if (vid)
				hop_append(w, h, ", untagged = VLAN %d", vid);
			else
				add_fault(w, h, false, "vlan",
					  "port %s of %s %s has no PVID: untagged frames are dropped",
					  f->name, n->node, b->name);
		} else if (!port_vlan(f, tag)) {
			char l[64];
			vlan_list(f, l, sizeof(l));
			add_fault(w, h, false, "vlan",
				  "VLAN %d is not allowed on port %s of %s %s (its VLANs: %s)", tag,
				  f->name, n->node, b->name, l);
		}
	}
	return bridge_fwd(w, ns, b->index, ifindex, vid, d, end);
}

static bool zero_mac(const uint8_t m[6])
{
	static const uint8_t z[6];
	return !memcmp(m, z, 6);
}

/* The VTEP of VNI `v->vni` on the far host: same kind, VNI and port, and
 * (geneve) pointing back at the sender. */
static const struct vl_tr_if *far_vtep(const struct walk *w, size_t far, size_t from,
				       const struct vl_tr_if *v, const struct vl_tr_ip *remote)
{
	const struct vl_tr_ns *n = &w->s->v[far];
	for (size_t k = 0; k < n->nifs; k++) {
		const struct vl_tr_if *g = &n->ifs[k];
		if (strcmp(g->kind, v->kind) || g->vni != v->vni || g->dstport != v->dstport)
			continue;
		if (!strcmp(g->kind, "vxlan") && g->local.family && !vl_tr_ip_eq(&g->local, remote))
			continue;
		if (!strcmp(g->kind, "geneve") && g->remote.family && !owns(&w->s->v[from], &g->remote))
			continue;
		return g;
	}
	return NULL;
}

static int vtep_out(struct walk *w, size_t ns, const struct vl_tr_if *v, size_t hop, int tag,
		    const struct l2dst *d, size_t *end)
{
	const struct vl_tr_ns *n = &w->s->v[ns];
	struct vl_tr_ip cand[64];
	size_t nc = 0;
	const char *how = "";
	char m[24], ip[64];
	if (!strcmp(v->kind, "vxlan")) {
		for (size_t k = 0; k < n->nfdb && !nc; k++) {
			const struct vl_tr_fdb *e = &n->fdb[k];
			if (e->ifindex == v->index && !e->master && e->dst.family && mac_is(d, e->mac)) {
				cand[nc++] = e->dst;
				how = "fdb entry for the MAC";
			}
		}
		for (size_t k = 0; k < n->nfdb && !nc; k++) {
			const struct vl_tr_fdb *e = &n->fdb[k];
			if (e->ifindex != v->index || e->master || !e->dst.family || !zero_mac(e->mac))
				continue;
			for (size_t j = k; j < n->nfdb && nc < VL_ARRAY_SIZE(cand); j++) {
				const struct vl_tr_fdb *x = &n->fdb[j];
				if (x->ifindex == v->index && !x->master && x->dst.family && zero_mac(x->mac))
					cand[nc++] = x->dst;
			}
			how = "default (00:00:00:00:00:00) entry";
		}
	}
	if (!nc && v->remote.family) {
		cand[nc++] = v->remote;
		how = !strcmp(v->kind, "vxlan") ? "group/remote of the device" : "remote of the device";
	}
	hop_append(w, hop, ", VNI %u", v->vni);
	if (!nc) {
		add_fault(w, hop, false, "fdb",
			  "VTEP %s in %s has no FDB entry for %s nor a default (00:00:00:00:00:00) entry: "
			  "it knows no remote VTEP to send VNI %u to",
			  v->name, n->node, d->nmac ? mac_str(d->mac[0], m, sizeof(m)) : "the MAC", v->vni);
		return STOP;
	}
	size_t base = strlen(w->t->hops[hop].text);
	struct saved sv = {0};
	int r = DEAD;
	for (size_t c = 0; c < nc && r != REACHED; c++) {
		struct mark mk;
		mark(w, &mk);
		w->t->hops[hop].text[base] = 0;
		hop_append(w, hop, " to remote VTEP %s (%s%s)", vl_tr_ip_str(&cand[c], ip, sizeof(ip)),
			   how, nc > 1 ? ", one of the head-end list" : "");
		int oh = (cand[c].family == AF_INET6 ? 70 : 50) + (tag ? 4 : 0);
		int size0 = w->size, oh0 = w->overhead;
		size_t seg0 = w->seg;
		w->size += oh;
		w->overhead += oh;
		size_t far = 0;
		w->depth++;
		r = w->depth > 8 ? dead(w, "overlays nested too deep") : l3(w, ns, &cand[c], 0, true, &far);
		w->depth--;
		w->size = size0;
		w->overhead = oh0;
		w->seg = seg0;
		if (r == REACHED) {
			const struct vl_tr_if *g = far_vtep(w, far, ns, v, &cand[c]);
			if (!g) {
				size_t h = w->t->n - 1;
				add_fault(w, h, false, "overlay",
					  "%s has no %s VTEP for VNI %u (port %u): the packet is dropped on arrival",
					  w->s->v[far].node, v->kind, v->vni, v->dstport);
				r = STOP;
			} else {
				r = l2_in(w, far, g->index, tag, d, end);
			}
		}
		if (r == STOP)
			save(w, &sv);
		if (r != REACHED)
			undo(w, &mk);
	}
	return restore(w, &sv, r);
}

static void neigh_text(struct walk *w, size_t ns, int oif, const struct vl_tr_ip *nh, size_t hop,
		       struct l2dst *d)
{
	const struct vl_tr_ns *n = &w->s->v[ns];
	char ip[64], m[24];
	for (size_t k = 0; k < n->nneigh; k++) {
		const struct vl_tr_neigh *e = &n->neigh[k];
		if (e->ifindex != oif || !vl_tr_ip_eq(&e->ip, nh))
			continue;
		if (e->state & (NUD_FAILED | NUD_INCOMPLETE)) {
			hop_append(w, hop, "; neighbour %s: %s (no answer to ARP/ND yet)",
				   vl_tr_ip_str(nh, ip, sizeof(ip)),
				   e->state & NUD_FAILED ? "FAILED" : "INCOMPLETE");
			return;
		}
		if (!e->has_mac)
			return;
		hop_append(w, hop, "; neighbour %s is %s", vl_tr_ip_str(nh, ip, sizeof(ip)),
			   mac_str(e->mac, m, sizeof(m)));
		if (d->nmac && !mac_is(d, e->mac))
			add_fault(w, hop, !(e->state & NUD_PERMANENT), "neighbour",
				  "%s's neighbour entry gives %s the MAC %s, which the device holding it does not have%s",
				  n->node, ip, m, e->state & NUD_PERMANENT ? "" : " (stale; it will be asked again)");
		return;
	}
	hop_append(w, hop, "; no neighbour entry for %s yet (ARP/ND will ask)",
		   vl_tr_ip_str(nh, ip, sizeof(ip)));
}

static int route(const struct walk *w, size_t ns, const struct vl_tr_ip *dst, int oif,
		 struct vl_tr_rt *rt)
{
	vl_tr_route_fn fn = w->s->route ? w->s->route : vl_tr_route_table;
	memset(rt, 0, sizeof(*rt));
	return fn(w->s->route_ctx, w->s, ns, dst, oif, rt);
}

/* Routed from namespace ns toward dst until a namespace holding it. */
static int l3(struct walk *w, size_t ns, const struct vl_tr_ip *dst, int oif, bool origin,
	      size_t *end)
{
	char ip[64], gw[64];
	vl_tr_ip_str(dst, ip, sizeof(ip));
	for (int ttl = 0; ttl < 32; ttl++) {
		const struct vl_tr_ns *n = &w->s->v[ns];
		if (owns(n, dst)) {
			if (origin)
				add_hop(w, ns, NULL, "nic", "%s is an address of %s itself", ip, n->node);
			*end = ns;
			return REACHED;
		}
		struct vl_tr_rt rt;
		int r = route(w, ns, dst, oif, &rt);
		if (r == 0 && rt.local) {
			*end = ns;
			return REACHED;
		}
		const struct vl_tr_if *o = r == 0 ? vl_tr_if_by_index(n, rt.oif) : NULL;
		if (r < 0 || !o) {
			/* a device that is down has lost its connected routes */
			for (size_t k = 0; k < n->naddrs; k++) {
				const struct vl_tr_addr *a = &n->addrs[k];
				const struct vl_tr_if *f = vl_tr_if_by_index(n, a->ifindex);
				if (!f || (f->flags & IFF_UP) || !prefix_has(&a->ip, a->plen, dst))
					continue;
				size_t h = add_hop(w, ns, f, NULL, "no route to %s: the device is down", ip);
				add_fault(w, h, false, "link",
					  "%s %s is down (administratively: its cable is pulled), so %s has no route to %s",
					  n->node, f->name, n->node, ip);
				return STOP;
			}
			size_t h = add_hop(w, ns, NULL, origin ? (w->overhead ? "underlay" : "nic") : "router",
					   "no route to %s", ip);
			add_fault(w, h, false, "route", "%s has no route to %s%s%s", n->node, ip,
				  r < 0 ? ": " : "", r < 0 ? strerror(-r) : "");
			return STOP;
		}
		const struct vl_tr_ip *nh = rt.gw.family ? &rt.gw : dst;
		size_t h = add_hop(w, ns, o, origin ? NULL : "router", "route to %s ", ip);
		if (rt.gw.family)
			hop_append(w, h, "via %s", vl_tr_ip_str(&rt.gw, gw, sizeof(gw)));
		else
			hop_append(w, h, "on link");
		if (rt.src.family)
			hop_append(w, h, ", from %s", vl_tr_ip_str(&rt.src, gw, sizeof(gw)));
		if (!origin) {
			int fwd = dst->family == AF_INET6 ? n->fwd6 : n->fwd4;
			if (fwd == 0)
				add_fault(w, h, false, "forwarding",
					  "%s does not forward %s (its forwarding sysctl is 0)", n->node,
					  dst->family == AF_INET6 ? "IPv6" : "IPv4");
		}
		check_dev(w, ns, o, h, true);
		struct l2dst d = {.ip = nh};
		for (size_t i = 0; i < w->s->n; i++)
			for (size_t k = 0; k < w->s->v[i].naddrs; k++) {
				const struct vl_tr_addr *a = &w->s->v[i].addrs[k];
				const struct vl_tr_if *f = vl_tr_if_by_index(&w->s->v[i], a->ifindex);
				if (f && vl_tr_ip_eq(&a->ip, nh) && d.nmac < VL_ARRAY_SIZE(d.mac))
					memcpy(d.mac[d.nmac++], f->mac, 6);
			}
		neigh_text(w, ns, o->index, nh, h, &d);
		if (!d.nmac) {
			add_fault(w, h, false, "neighbour",
				  "no device in the lab holds %s, the next hop from %s %s",
				  vl_tr_ip_str(nh, gw, sizeof(gw)), n->node, o->name);
			return STOP;
		}
		size_t next = 0, seg0 = w->seg;
		w->seg = w->nseen;
		r = l2_out(w, ns, o->index, 0, &d, &next);
		w->seg = seg0;
		if (r != REACHED)
			return r;
		ns = next;
		origin = false;
		oif = 0;
	}
	add_fault(w, w->t->n ? w->t->n - 1 : 0, false, "route", "more than 32 routed hops: a loop");
	return STOP;
}

/* ---- the request ---- */

static int find_ns(const struct vl_tr_snap *s, const char *node, struct vl_buf *err)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].node, node))
			return (int)i;
	const char **names = xcalloc(s->n + 1, sizeof(*names));
	for (size_t i = 0; i < s->n; i++)
		names[i] = s->v[i].node;
	vl_buf_printf(err, "lab %s has no node \"%s\"", s->lab ? s->lab : "?", node);
	const char *dym = vl_did_you_mean(node, names, s->n);
	if (dym)
		vl_buf_printf(err, "; did you mean %s?", dym);
	for (size_t i = 0; i < s->n; i++)
		vl_buf_printf(err, "%s%s", i ? ", " : " (nodes: ", names[i]);
	vl_buf_add(err, s->n ? ")" : " (no node is readable)");
	free(names);
	return -1;
}

static const struct vl_tr_if *find_if(const struct vl_tr_ns *n, const char *name, struct vl_buf *err)
{
	const struct vl_tr_if *f = if_by_name(n, name);
	if (f)
		return f;
	const char **names = xcalloc(n->nifs + 1, sizeof(*names));
	for (size_t k = 0; k < n->nifs; k++)
		names[k] = n->ifs[k].name;
	vl_buf_printf(err, "node %s has no interface \"%s\"", n->node, name);
	const char *dym = vl_did_you_mean(name, names, n->nifs);
	if (dym)
		vl_buf_printf(err, "; did you mean %s?", dym);
	for (size_t k = 0; k < n->nifs; k++)
		vl_buf_printf(err, "%s%s", k ? ", " : " (interfaces: ", names[k]);
	vl_buf_add(err, n->nifs ? ")" : "");
	free(names);
	return NULL;
}

/* The address of DST to aim at: on `ifindex` (0 = any device), global,
 * preferably in a subnet `src` has, then IPv4. */
static const struct vl_tr_addr *pick_addr(const struct vl_tr_ns *n, int ifindex,
					  const struct vl_tr_ns *src)
{
	const struct vl_tr_addr *best = NULL;
	int best_score = -1;
	for (size_t k = 0; k < n->naddrs; k++) {
		const struct vl_tr_addr *a = &n->addrs[k];
		if ((ifindex && a->ifindex != ifindex) || !ip_global(&a->ip))
			continue;
		int score = a->ip.family == AF_INET ? 1 : 0;
		for (size_t j = 0; src && j < src->naddrs; j++)
			if (prefix_has(&src->addrs[j].ip, src->addrs[j].plen, &a->ip))
				score += 2;
		if (score > best_score) {
			best_score = score;
			best = a;
		}
	}
	return best;
}

static void finish(struct walk *w, int r)
{
	struct vl_tr_path *t = w->t;
	const struct fault *first = NULL;
	for (size_t i = 0; i < w->nf && !first; i++)
		if (!w->f[i].warn)
			first = &w->f[i];
	if (first) {
		t->verdict = VL_TR_BROKEN;
		t->at = (int)first->hop;
		snprintf(t->layer, sizeof(t->layer), "%s", first->layer);
		snprintf(t->why, sizeof(t->why), "%s", first->why);
		if (first->hop < t->n) {
			t->n = first->hop + 1;
			t->hops[first->hop].fault = true;
		}
	} else if (r != REACHED) {
		t->verdict = VL_TR_BROKEN;
		t->at = t->n ? (int)t->n - 1 : -1;
		snprintf(t->layer, sizeof(t->layer), "l2");
		snprintf(t->why, sizeof(t->why), "%s", w->dead[0] ? w->dead : "no way to the destination");
		if (t->n)
			t->hops[t->n - 1].fault = true;
	} else {
		t->verdict = VL_TR_OK;
	}
	for (size_t i = 0; i < w->nf; i++)
		if (w->f[i].warn && w->f[i].hop < t->n)
			vl_strv_push(&t->warnings, w->f[i].why);
	t->path_mtu = 0;
	for (size_t i = 0; i < t->n; i++) {
		const struct vl_tr_hop *h = &t->hops[i];
		if (!h->mtu || !strcmp(h->layer, "switch"))
			continue;
		int m = h->mtu - h->overhead;
		if (!t->path_mtu || m < t->path_mtu)
			t->path_mtu = m;
	}
}

int vl_trace_walk(const struct vl_tr_snap *s, const struct vl_tr_req *r, struct vl_tr_path *t,
		  struct vl_buf *err)
{
	memset(t, 0, sizeof(*t));
	t->at = -1;
	t->size = r->size > 0 ? r->size : 84;
	int si = find_ns(s, r->src_node, err);
	if (si < 0)
		return -1;
	const struct vl_tr_ns *sn = &s->v[si];
	int oif = 0;
	if (r->src_if) {
		const struct vl_tr_if *f = find_if(sn, r->src_if, err);
		if (!f)
			return -1;
		oif = f->index;
	}
	struct vl_tr_ip dst;
	if (vl_tr_ip_parse(r->dst, &dst) == 0) {
		snprintf(t->dst_node, sizeof(t->dst_node), "%s", r->dst);
		for (size_t i = 0; i < s->n; i++)
			if (owns(&s->v[i], &dst))
				snprintf(t->dst_node, sizeof(t->dst_node), "%s", s->v[i].node);
	} else {
		char node[128];
		snprintf(node, sizeof(node), "%s", r->dst);
		char *colon = strchr(node, ':');
		if (colon)
			*colon++ = 0;
		int di = find_ns(s, node, err);
		if (di < 0)
			return -1;
		int difx = 0;
		if (colon) {
			const struct vl_tr_if *f = find_if(&s->v[di], colon, err);
			if (!f)
				return -1;
			difx = f->index;
		}
		const struct vl_tr_addr *a = pick_addr(&s->v[di], difx, sn);
		if (!a) {
			vl_buf_printf(err, "%s%s%s has no address to trace to", node, colon ? ":" : "",
				      colon ? colon : "");
			return -1;
		}
		dst = a->ip;
		snprintf(t->dst_node, sizeof(t->dst_node), "%.63s", node);
	}
	snprintf(t->src_node, sizeof(t->src_node), "%s", sn->node);
	vl_tr_ip_str(&dst, t->dst, sizeof(t->dst));
	struct walk w = {.s = s, .t = t, .size = t->size};
	struct vl_tr_rt rt;
	if (route(&w, (size_t)si, &dst, oif, &rt) == 0 && rt.src.family)
		vl_tr_ip_str(&rt.src, t->src, sizeof(t->src));
	else {
		const struct vl_tr_addr *a = NULL;
		for (size_t k = 0; k < sn->naddrs && !a; k++)
			if (sn->addrs[k].ip.family == dst.family && ip_global(&sn->addrs[k].ip) &&
			    (!oif || sn->addrs[k].ifindex == oif))
				a = &sn->addrs[k];
		snprintf(t->src, sizeof(t->src), "%s", "-");
		if (a)
			vl_tr_ip_str(&a->ip, t->src, sizeof(t->src));
	}
	size_t end = 0;
	int res = l3(&w, (size_t)si, &dst, oif, true, &end);
	finish(&w, res);
	free(w.f);
	free(w.seen);
	return 0;
}

void vl_trace_free(struct vl_tr_path *t)
{
	free(t->hops);
	vl_strv_free(&t->warnings);
	memset(t, 0, sizeof(*t));
}

/* ---- output ---- */

void vl_trace_text(const struct vl_tr_path *t, struct vl_buf *b)
{
	vl_buf_printf(b, "trace %s (%s) -> %s (%s), %d-byte packets, don't fragment\n", t->src_node,
		      t->src, t->dst_node, t->dst, t->size);
	for (size_t i = 0; i < t->n; i++) {
		const struct vl_tr_hop *h = &t->hops[i];
		vl_buf_printf(b, "%c%2zu  %-10s %-12s %-8s %s", h->fault ? '!' : ' ', i + 1, h->node,
			      h->ifname, h->layer, h->text);
		if (h->mtu && strcmp(h->layer, "switch"))
			vl_buf_printf(b, "; mtu %d", h->mtu);
		if (h->shaper[0])
			vl_buf_printf(b, "; qdisc %s", h->shaper);
		vl_buf_add(b, "\n");
	}
	if (t->verdict == VL_TR_OK)
		vl_buf_printf(b, "path complete: %zu hops, path MTU %d (largest packet with DF set)\n",
			      t->n, t->path_mtu);
	else
		vl_buf_printf(b, "BROKEN at hop %d (%s %s), layer %s: %s\n", t->at + 1,
			      t->at >= 0 ? t->hops[t->at].node : "-",
			      t->at >= 0 ? t->hops[t->at].ifname : "-", t->layer, t->why);
	for (size_t i = 0; i < t->warnings.n; i++)
		vl_buf_printf(b, "warning: %s\n", t->warnings.v[i]);
	vl_buf_add(b, "path: ");
	for (size_t i = 0; i < t->n; i++) {
		const struct vl_tr_hop *h = &t->hops[i];
		vl_buf_printf(b, "%s%s %s", i ? " -> " : "", h->node, h->ifname);
		if (h->fault)
			vl_buf_add(b, " [X]");
	}
	vl_buf_add(b, "\n");
}

static void json_kv(struct vl_buf *b, const char *k, const char *v, bool comma)
{
	vl_buf_printf(b, "%s\"%s\":", comma ? "," : "", k);
	vl_buf_json_str(b, v);
}

void vl_trace_probe_text(const struct vl_tr_path *t, const struct vl_tr_probe *p,
			 struct vl_buf *out)
{
	if (p->answered)
		vl_buf_printf(out, "probe: one %d-byte echo request answered in %.2f ms\n", t->size,
			      p->rtt_ms);
	else
		vl_buf_printf(out, "probe: no answer to one %d-byte echo request%s%s\n", t->size,
			      p->why[0] ? ": " : "", p->why);
	if (p->last > 0)
		vl_buf_printf(out, "probe: counters moved up to hop %d (%s %s)%s\n", p->last,
			      t->hops[p->last - 1].node, t->hops[p->last - 1].ifname,
			      (size_t)p->last < t->n ? ", not past it" : "");
}

void vl_trace_json(const struct vl_tr_path *t, const char *lab, const struct vl_tr_probe *p,
		   struct vl_buf *b)
{
	vl_buf_add(b, "{");
	json_kv(b, "lab", lab, false);
	vl_buf_add(b, ",\"src\":{");
	json_kv(b, "node", t->src_node, false);
	json_kv(b, "address", t->src, true);
	vl_buf_add(b, "},\"dst\":{");
	json_kv(b, "node", t->dst_node, false);
	json_kv(b, "address", t->dst, true);
	vl_buf_printf(b, "},\"size\":%d,\"hops\":[", t->size);
	for (size_t i = 0; i < t->n; i++) {
		const struct vl_tr_hop *h = &t->hops[i];
		vl_buf_printf(b, "%s{\"hop\":%zu", i ? "," : "", i + 1);
		json_kv(b, "node", h->node, true);
		json_kv(b, "interface", h->ifname, true);
		json_kv(b, "layer", h->layer, true);
		json_kv(b, "text", h->text, true);
		vl_buf_printf(b, ",\"mtu\":%d", h->mtu);
		json_kv(b, "qdisc", h->shaper, true);
		vl_buf_printf(b, ",\"fault\":%s}", h->fault ? "true" : "false");
	}
	vl_buf_printf(b, "],\"verdict\":{\"ok\":%s", t->verdict == VL_TR_OK ? "true" : "false");
	if (t->verdict == VL_TR_OK) {
		vl_buf_add(b, ",\"hop\":null,\"layer\":null,\"why\":null");
	} else {
		vl_buf_printf(b, ",\"hop\":%d", t->at + 1);
		json_kv(b, "node", t->at >= 0 ? t->hops[t->at].node : "", true);
		json_kv(b, "interface", t->at >= 0 ? t->hops[t->at].ifname : "", true);
		json_kv(b, "layer", t->layer, true);
		json_kv(b, "why", t->why, true);
	}
	vl_buf_printf(b, "},\"path_mtu\":%d,\"warnings\":[", t->path_mtu);
	for (size_t i = 0; i < t->warnings.n; i++) {
		if (i)
			vl_buf_add(b, ",");
		vl_buf_json_str(b, t->warnings.v[i]);
	}
	vl_buf_add(b, "],\"probe\":");
	if (!p) {
		vl_buf_add(b, "null}\n");
		return;
	}
	vl_buf_printf(b, "{\"answered\":%s", p->answered ? "true" : "false");
	if (p->answered)
		vl_buf_printf(b, ",\"rtt_ms\":%.3f,\"why\":null", p->rtt_ms);
	else {
		vl_buf_add(b, ",\"rtt_ms\":null");
		if (p->why[0])
			json_kv(b, "why", p->why, true);
		else
			vl_buf_add(b, ",\"why\":null");
	}
	if (p->last > 0)
		vl_buf_printf(b, ",\"counters_to_hop\":%d}}\n", p->last);
	else
		vl_buf_add(b, ",\"counters_to_hop\":null}}\n");
}
