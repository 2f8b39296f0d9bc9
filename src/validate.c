/* Model -> validated model. Every problem is reported (never just the
 * first), each at the line it was written; what validation derives (indexes,
 * MTUs, MACs, auto addresses, merged shapers, default routes, VLAN
 * filtering, overlay endpoints) is documented above struct vl_topology.
 * Name lookups go through hash maps so 1000-node labs stay linear. */
#include "vlab/validate.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "vlab/naming.h"
#include "vlab/parse.h"
#include "vlab/strmap.h"
#include "vlab/util.h"

#define OTHER_NAME_MAX 64

/* One address in the lab. Three sets hold them: per address domain
 * (duplicates, auto allocation), per node (one node cannot hold an address
 * twice) and lab-wide (which node an address literal in a [test] means;
 * node2 is a second node holding it, which makes the literal ambiguous). */
struct aent {
	const struct vl_prefix *p;
	int scope;               /* address domain, node index, or 0 */
	const char *node, *dev;
	int line;
	int seg;                 /* segment id of the interface, -1 */
	const char *node2, *dev2;
	int line2;
};

struct aset {
	struct aent *v;
	size_t cap, n;
};

struct l3map;

struct vctx {
	struct vl_topology *t;
	struct vl_diags *d;
	struct vl_strmap nodes, switches, shapers;
	struct aset addrs;      /* per address domain */
	struct aset node_addrs; /* per node */
	struct aset where;      /* lab-wide, for address literals */
	struct l3map *seg;      /* segments and domains, built before addresses */
	int *sw_ports;         /* NICs plugged into each switch */
	bool *sw_vlans;        /* a port or overlay of the switch uses VLANs */
	int *sw_vlan_line;     /* where, for the message */
	const char **sw_vlan_what;
	int *hosted;           /* per node: vSwitches and guests placed on it */
	size_t dym_left;       /* did-you-mean comparisons still allowed */
};

/* A file with 1000 members each naming an unknown host must not cost
 * 1000 x 1000 edit distances: suggestions stop when this runs out. */
#define VL_DYM_BUDGET 200000

static void fmt_addr(const struct vl_prefix *p, char *b, size_t n)
{
	vl_prefix_format(p, b, n, false);
}

static int addr_bytes(int family)
{
	return family == AF_INET ? 4 : 16;
}

static bool in_prefix(const struct vl_prefix *a, const struct vl_prefix *net)
{
	if (a->family != net->family)
		return false;
	int full = net->len / 8, rest = net->len % 8;
	if (memcmp(a->addr, net->addr, (size_t)full))
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));
		if ((a->addr[full] & mask) != (net->addr[full] & mask))
			return false;
	}
	return true;
}

static uint32_t ahash(int scope, const struct vl_prefix *p)
{
	uint32_t h = (2166136261u ^ (uint32_t)p->family) * 16777619u ^ (uint32_t)scope;
	for (int i = 0; i < addr_bytes(p->family); i++) {
		h ^= p->addr[i];
		h *= 16777619u;
	}
	return h;
}

static bool same_addr(const struct vl_prefix *a, const struct vl_prefix *b)
{
	return a->family == b->family && !memcmp(a->addr, b->addr, (size_t)addr_bytes(a->family));
}

static struct aent *aset_slot(struct aset *s, int scope, const struct vl_prefix *p)
{
	size_t i = ahash(scope, p) & (s->cap - 1);
	while (s->v[i].p && (s->v[i].scope != scope || !same_addr(s->v[i].p, p)))
		i = (i + 1) & (s->cap - 1);
	return &s->v[i];
}

static void aset_grow(struct aset *s)
{
	struct aset o = *s;
	s->cap = o.cap ? o.cap * 2 : 256;
	s->v = xcalloc(s->cap, sizeof(*s->v));
	for (size_t i = 0; i < o.cap; i++)
		if (o.v[i].p)
			*aset_slot(s, o.v[i].scope, o.v[i].p) = o.v[i];
	free(o.v);
}

static const struct aent *aset_get(struct aset *s, int scope, const struct vl_prefix *p)
{
	if (!s->cap)
		return NULL;
	struct aent *e = aset_slot(s, scope, p);
	return e->p ? e : NULL;
}

/* Returns the existing entry when the address is taken, else adds it. */
static struct aent *aset_add(struct aset *s, const struct aent *e)
{
	if ((s->n + 1) * 2 > s->cap)
		aset_grow(s);
	struct aent *slot = aset_slot(s, e->scope, e->p);
	if (slot->p)
		return slot;
	*slot = *e;
	s->n++;
	return NULL;
}

/* Did-you-mean over the names in a map, within the work budget. */
static const char *suggest(struct vctx *v, const struct vl_strmap *m, const char *word)
{
	if (!m->n || m->n > v->dym_left)
		return NULL;
	v->dym_left -= m->n;
	const char **cands = xcalloc(m->n, sizeof(*cands));
	size_t n = 0;
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i])
			cands[n++] = m->keys[i];
	const char *r = vl_did_you_mean(word, cands, n);
	free(cands);
	return r;
}

static void unknown(struct vctx *v, const struct vl_loc *loc, const char *key, const char *what,
		    const char *name, const struct vl_strmap *m)
{
	const char *dym = m ? suggest(v, m, name) : NULL;
	vl_err(v->d, loc, key, "unknown %s \"%s\"%s%s%s", what, name, dym ? " (did you mean " : "",
	       dym ? dym : "", dym ? "?)" : "");
}

/* A name where a node is expected: a switch gets said what it is. */
static int node_ref(struct vctx *v, const struct vl_loc *loc, const char *key, const char *name,
		    const char *expected)
{
	int n = vl_strmap_get(&v->nodes, name);
	if (n >= 0)
		return n;
	int s = vl_strmap_get(&v->switches, name);
	if (s >= 0) {
		const struct vl_switch *sw = &v->t->switches[s];
		vl_err(v->d, loc, key, "%s is a switch (line %d)%s%s, but %s", name, sw->loc.line,
		       sw->host ? " on " : "", sw->host ? sw->host : "", expected);
		return -1;
	}
	unknown(v, loc, key, "node", name, &v->nodes);
	return -1;
}

/* ---- lab and names ------------------------------------------------------ */

static void check_lab(struct vctx *v)
{
	struct vl_lab *lab = &v->t->lab;
	struct vl_loc whole = {v->t->file, 0, NULL};
	if (!lab->loc.line) {
		vl_err(v->d, &whole, NULL,
		       "missing [lab] section (every topology starts with [lab] and name = NAME)");
		return;
	}
	if (!lab->name)
		return; /* reported by the parser */
	const char *why = NULL;
	bool ok = vl_lab_name_ok(lab->name, &why);
	if (!ok && strchr(lab->name, '-') && strlen(lab->name) <= VL_LAB_NAME_MAX) {
		/* '-' separates lab and node in vlab-LAB-NODE: with it in lab
		 * names, lab "a" node "b-c" and lab "a-b" node "c" would share
		 * the namespace vlab-a-b-c */
		char *fix = xstrdup(lab->name);
		for (char *p = fix; *p; p++)
			if (*p == '-')
				*p = '_';
		vl_err(v->d, &lab->loc, "name",
		       "lab name \"%s\" may not contain '-': it separates lab and node in namespace "
		       "names (vlab-LAB-NODE), so lab \"a-b\" node \"c\" and lab \"a\" node \"b-c\" "
		       "would be the same namespace; use '_' (\"%s\")", lab->name, fix);
		free(fix);
	} else if (!ok) {
		vl_err(v->d, &lab->loc, "name",
		       "lab name \"%s\" %s (it prefixes namespaces: vlab-NAME-NODE; use up to %d of "
		       "a-z, 0-9, '_')", lab->name, why, VL_LAB_NAME_MAX);
	}
}

static void check_name(struct vctx *v, const struct vl_loc *loc, const char *what,
		       const char *name, size_t max)
{
	const char *why = NULL;
	if (vl_name_ok(name, max, &why))
		return;
	if (strlen(name) > max)
		vl_err(v->d, loc, NULL, "%s name \"%s\" is longer than %zu characters", what, name, max);
	else
		vl_err(v->d, loc, NULL, "%s name \"%s\" %s", what, name, why);
}

/* Unique within one kind ([overlay], [link], ...). */
#define UNIQUE_IN_KIND(v, arr, count, what)                                             \
	do {                                                                            \
		struct vl_strmap m_ = {0};                                              \
		for (size_t i_ = 0; i_ < (count); i_++) {                               \
			check_name((v), &(arr)[i_].loc, (what), (arr)[i_].name,         \
				   OTHER_NAME_MAX);                                     \
			int f_ = vl_strmap_add(&m_, (arr)[i_].name, (int)i_);           \
			if (f_ >= 0)                                                    \
				vl_err((v)->d, &(arr)[i_].loc, NULL,                    \
				       "duplicate %s name \"%s\" (the first is at line %d)", \
				       (what), (arr)[i_].name, (arr)[f_].loc.line);     \
		}                                                                       \
		vl_strmap_free(&m_);                                                    \
	} while (0)

static void index_names(struct vctx *v)
{
	struct vl_topology *t = v->t;
	for (size_t i = 0; i < t->nnodes; i++) {
		struct vl_node *n = &t->nodes[i];
		check_name(v, &n->loc, vl_node_kind_name(n->kind), n->name, VL_NODE_NAME_MAX);
		int f = vl_strmap_add(&v->nodes, n->name, (int)i);
		if (f >= 0)
			vl_err(v->d, &n->loc, NULL,
			       "duplicate name \"%s\": already a %s at line %d (hosts, vms, routers and switches share one name space)",
			       n->name, vl_node_kind_name(t->nodes[f].kind), t->nodes[f].loc.line);
	}
	for (size_t i = 0; i < t->nswitches; i++) {
		struct vl_switch *s = &t->switches[i];
		const char *why;
		check_name(v, &s->loc, "switch", s->name, VL_NODE_NAME_MAX);
		if (strlen(s->name) > VL_IFNAME_MAX && vl_name_ok(s->name, VL_NODE_NAME_MAX, &why))
			vl_err(v->d, &s->loc, NULL,
			       "switch name \"%s\" is longer than 15 characters (it names the bridge device)",
			       s->name);
		int f = vl_strmap_add(&v->switches, s->name, (int)i);
		int fn = vl_strmap_get(&v->nodes, s->name);
		if (f >= 0)
			vl_err(v->d, &s->loc, NULL, "duplicate switch name \"%s\" (the first is at line %d)",
			       s->name, t->switches[f].loc.line);
		else if (fn >= 0)
			vl_err(v->d, &s->loc, NULL,
			       "duplicate name \"%s\": already a %s at line %d (hosts, vms, routers and switches share one name space)",
			       s->name, vl_node_kind_name(t->nodes[fn].kind), t->nodes[fn].loc.line);
	}
	UNIQUE_IN_KIND(v, t->overlays, t->noverlays, "overlay");
	UNIQUE_IN_KIND(v, t->links, t->nlinks, "link");
	UNIQUE_IN_KIND(v, t->shapers, t->nshapers, "shaper");
	UNIQUE_IN_KIND(v, t->mirrors, t->nmirrors, "mirror");
	for (size_t i = 0; i < t->nshapers; i++)
		vl_strmap_add(&v->shapers, t->shapers[i].name, (int)i);
	struct vl_strmap tm = {0};
	for (size_t i = 0; i < t->ntests; i++) {
		struct vl_test *x = &t->tests[i];
		if (*x->name)
			check_name(v, &x->loc, "test", x->name, OTHER_NAME_MAX);
		int f = vl_strmap_add(&tm, x->name, (int)i);
		if (f >= 0 && *x->name)
			vl_err(v->d, &x->loc, NULL, "duplicate test name \"%s\" (the first is at line %d)",
			       x->name, t->tests[f].loc.line);
	}
	vl_strmap_free(&tm);
}

/* ---- placement ---------------------------------------------------------- */

static int host_ref(struct vctx *v, const char *name, const struct vl_loc *loc)
{
	int h = vl_strmap_get(&v->nodes, name);
	if (h < 0 && vl_strmap_get(&v->switches, name) >= 0) {
		vl_err(v->d, loc, "host", "%s is a switch, but host = names the [host] (hypervisor) "
		       "this runs on", name);
		return -1;
	}
	if (h < 0) {
		unknown(v, loc, "host", "host", name, &v->nodes);
		return -1;
	}
	if (v->t->nodes[h].kind != VL_NODE_HOST) {
		vl_err(v->d, loc, "host", "%s is a %s, not a [host]", name,
		       vl_node_kind_name(v->t->nodes[h].kind));
		return -1;
	}
	v->hosted[h]++;
	return h;
}

static void resolve_hosts(struct vctx *v)
{
	struct vl_topology *t = v->t;
	for (size_t i = 0; i < t->nnodes; i++) {
		struct vl_node *n = &t->nodes[i];
		n->host_idx = n->host ? host_ref(v, n->host, &n->loc) : -1;
	}
	for (size_t i = 0; i < t->nswitches; i++) {
		struct vl_switch *s = &t->switches[i];
		s->host_idx = s->host ? host_ref(v, s->host, &s->loc) : -1;
		if (!s->mtu)
			s->mtu = t->lab.mtu;
	}
}

/* The switch a NIC names must be where the node is. */
static void check_placement(struct vctx *v, struct vl_node *n, struct vl_nic *c)
{
	struct vl_topology *t = v->t;
	struct vl_switch *s = &t->switches[c->sw_idx];
	const char *nk = vl_node_kind_name(n->kind);

	if (n->kind == VL_NODE_HOST) {
		if (s->host)
			vl_err(v->d, &c->loc, "nic",
			       "%s: %s is a vSwitch on %s; a host's NICs plug into physical switches (a [switch] without host =)",
			       c->name, s->name, s->host);
		return;
	}
	if (n->host) {
		if (!s->host)
			vl_err(v->d, &c->loc, "nic",
			       "%s: %s is a physical switch, but %s %s runs on %s: its NICs plug into vSwitches of %s ([switch NAME] with host = %s)",
			       c->name, s->name, nk, n->name, n->host, n->host, n->host);
		else if (strcmp(s->host, n->host))
			vl_err(v->d, &c->loc, "nic",
			       "%s: %s is a vSwitch on %s, but %s %s runs on %s (a NIC can only plug into a vSwitch of its own host)",
			       c->name, s->name, s->host, nk, n->name, n->host);
	} else if (s->host) {
		vl_err(v->d, &c->loc, "nic",
		       "%s: %s is a vSwitch on %s, but %s %s has no host: a standalone node plugs into physical switches (or set host = %s)",
		       c->name, s->name, s->host, nk, n->name, s->host);
	}
}

static bool nic_uses_vlan(const struct vl_nic *c, int vid)
{
	if (c->access_vlan == vid || c->native_vlan == vid)
		return true;
	for (size_t i = 0; i < c->ntrunk; i++)
		if (c->trunk[i] == vid)
			return true;
	return false;
}

static void check_ifname(struct vctx *v, const struct vl_loc *loc, const char *key,
			 const char *name)
{
	const char *why;
	if (!vl_ifname_ok(name, &why))
		vl_err(v->d, loc, key, "interface name \"%s\" %s", name, why);
	else if (!strcmp(name, "lo"))
		vl_err(v->d, loc, key, "interface name \"lo\" is the loopback every namespace already has");
}

static void check_nic(struct vctx *v, struct vl_node *n, struct vl_nic *c)
{
	struct vl_topology *t = v->t;

	check_ifname(v, &c->loc, c->link_idx >= 0 ? NULL : "nic", c->name);
	if (c->sw) {
		c->sw_idx = vl_strmap_get(&v->switches, c->sw);
		int nd = c->sw_idx < 0 ? vl_strmap_get(&v->nodes, c->sw) : -1;
		if (nd >= 0) {
			vl_err(v->d, &c->loc, "nic",
			       "%s: %s is a %s (line %d), but a NIC plugs into a switch; cable two nodes "
			       "with a [link] section (a = %s %s, b = %s eth0)", c->name, c->sw,
			       vl_node_kind_name(t->nodes[nd].kind), t->nodes[nd].loc.line, n->name,
			       c->name, c->sw);
		} else if (c->sw_idx < 0) {
			char *what = xasprintf("switch for %s", c->name);
			unknown(v, &c->loc, "nic", what, c->sw, &v->switches);
			free(what);
		} else {
			check_placement(v, n, c);
			v->sw_ports[c->sw_idx]++;
		}
	}
	if (c->access_vlan && c->ntrunk)
		vl_err(v->d, &c->loc, "nic",
		       "%s: vlan= and trunk= together; a port is either an access port (vlan=) or a trunk (trunk=)",
		       c->name);
	if (c->native_vlan && !c->ntrunk)
		vl_err(v->d, &c->loc, "nic", "%s: native= needs trunk= (it is the untagged VLAN of a trunk)",
		       c->name);
	else if (c->native_vlan) {
		for (size_t i = 0; i < c->ntrunk; i++)
			if (c->trunk[i] == c->native_vlan)
				vl_err(v->d, &c->loc, "nic",
				       "%s: native VLAN %d is also in trunk=; a VLAN is either tagged or untagged on a port",
				       c->name, c->native_vlan);
	}
	if ((c->access_vlan || c->ntrunk || c->native_vlan) && c->sw_idx >= 0 &&
	    !v->sw_vlans[c->sw_idx]) {
		v->sw_vlans[c->sw_idx] = true;
		v->sw_vlan_line[c->sw_idx] = c->loc.line;
		v->sw_vlan_what[c->sw_idx] = c->name;
	}
	if (!c->mtu)
		c->mtu = c->sw_idx >= 0 ? t->switches[c->sw_idx].mtu : t->lab.mtu;
	if (c->mac_set) {
		if (c->mac[0] & 1)
			vl_err(v->d, &c->loc, c->link_idx >= 0 ? NULL : "nic",
			       "%s: mac=%02x:%02x:%02x:%02x:%02x:%02x is a multicast address (the first byte must be even, e.g. 02:...)",
			       c->name, c->mac[0], c->mac[1], c->mac[2], c->mac[3], c->mac[4], c->mac[5]);
		else if (!(c->mac[0] | c->mac[1] | c->mac[2] | c->mac[3] | c->mac[4] | c->mac[5]))
			vl_err(v->d, &c->loc, "nic", "%s: mac=00:00:00:00:00:00 is not usable", c->name);
	} else {
		vl_derive_mac(c->mac, t->lab.name ? t->lab.name : "", n->name, c->name);
		c->mac_set = true;
	}
}

static void check_nics(struct vctx *v)
{
	struct vl_topology *t = v->t;
	for (size_t i = 0; i < t->nnodes; i++) {
		struct vl_node *n = &t->nodes[i];
		struct vl_strmap names = {0};
		for (size_t j = 0; j < n->nnics; j++) {
			struct vl_nic *c = &n->nics[j];
			check_nic(v, n, c);
			int f = vl_strmap_add(&names, c->name, (int)j);
			if (f >= 0)
				vl_err(v->d, &c->loc, c->link_idx >= 0 ? NULL : "nic",
				       "%s has two NICs named %s (the first at line %d)", n->name,
				       c->name, n->nics[f].loc.line);
		}
		for (size_t j = 0; j < n->nsubs; j++) {
			struct vl_subif *s = &n->subs[j];
			int p = vl_find_nic(n, s->parent);
			check_ifname(v, &s->loc, "sub", s->name);
			if (p < 0) {
				vl_err(v->d, &s->loc, "sub", "%s: %s has no NIC %s to carry VLAN %d",
				       s->name, n->name, s->parent, s->vid);
			}
			int f = vl_strmap_add(&names, s->name, (int)(n->nnics + j));
			if (f >= 0)
				vl_err(v->d, &s->loc, "sub", "%s has two interfaces named %s (the first at line %d)",
				       n->name, s->name,
				       (size_t)f < n->nnics ? n->nics[f].loc.line : n->subs[(size_t)f - n->nnics].loc.line);
		}
		vl_strmap_free(&names);
	}
}

/* After overlays may have lowered NIC MTUs: subs follow their parent. */
static void sub_mtus(struct vctx *v, const int *orig_parent_mtu)
{
	struct vl_topology *t = v->t;
	size_t k = 0;
	for (size_t i = 0; i < t->nnodes; i++) {
		struct vl_node *n = &t->nodes[i];
		for (size_t j = 0; j < n->nsubs; j++, k++) {
			struct vl_subif *s = &n->subs[j];
			int p = vl_find_nic(n, s->parent);
			if (p < 0) {
				if (!s->mtu)
					s->mtu = t->lab.mtu;
				continue;
			}
			int pm = n->nics[p].mtu;
			if (s->mtu && s->mtu > orig_parent_mtu[k])
				vl_err(v->d, &s->loc, "sub",
				       "%s: mtu=%d is larger than its parent %s's MTU %d", s->name,
				       s->mtu, s->parent, orig_parent_mtu[k]);
			if (!s->mtu || s->mtu > pm)
				s->mtu = pm;
		}
	}
}

/* ---- links, shapers ----------------------------------------------------- */

static void resolve_switch_link(struct vctx *v, struct vl_link *l);

static void resolve_links(struct vctx *v)
{
	struct vl_topology *t = v->t;
	for (size_t i = 0; i < t->nlinks; i++) {
		struct vl_link *l = &t->links[i];
		if (l->port[0] || l->port[1]) {
			resolve_switch_link(v, l);
			continue;
		}
		for (int e = 0; e < 2; e++) {
			if (!l->node[e])
				continue;
			l->node_idx[e] = node_ref(v, &l->end_loc[e], e ? "b" : "a", l->node[e],
						  "a [link] end is a node (host, vm or router); plug nodes "
						  "into a switch with nic = IFNAME SWITCH");
			if (l->node_idx[e] < 0)
				continue;
			struct vl_node *n = &t->nodes[l->node_idx[e]];
			for (size_t j = 0; j < n->nnics; j++)
				if (n->nics[j].link_idx == (int)i && !strcmp(n->nics[j].name, l->nic[e]))
					l->nic_idx[e] = (int)j;
		}
		if (l->nic_idx[0] >= 0 && l->nic_idx[1] >= 0) {
			struct vl_nic *a = &t->nodes[l->node_idx[0]].nics[l->nic_idx[0]];
			struct vl_nic *b = &t->nodes[l->node_idx[1]].nics[l->nic_idx[1]];
			if (a->in.set && b->out.set)
				vl_err(v->d, &b->loc, "b",
				       "a's in_* keys and b's shaping both shape traffic from %s to %s; give it once",
				       l->node[1], l->node[0]);
			if (b->in.set && a->out.set)
				vl_err(v->d, &a->loc, "a",
				       "b's in_* keys and a's shaping both shape traffic from %s to %s; give it once",
				       l->node[0], l->node[1]);
		}
	}
}

static void merge_shape(struct vl_shape *dst, const struct vl_shape *src)
{
	unsigned take = src->given & ~dst->given;
#define TAKE(bit, field) if (take & (bit)) dst->field = src->field
	TAKE(VL_SHAPE_RATE, rate_bps);
	TAKE(VL_SHAPE_BURST, burst_bytes);
	TAKE(VL_SHAPE_LIMIT, limit_bytes);
	TAKE(VL_SHAPE_DELAY, delay_us);
	TAKE(VL_SHAPE_JITTER, jitter_us);
	TAKE(VL_SHAPE_LOSS, loss_pct);
	TAKE(VL_SHAPE_DUPLICATE, duplicate_pct);
	TAKE(VL_SHAPE_CORRUPT, corrupt_pct);
	TAKE(VL_SHAPE_REORDER, reorder_pct);
	TAKE(VL_SHAPE_NETEM_LIMIT, netem_limit);
#undef TAKE
	dst->given |= take;
	if (dst->given)
		dst->set = true;
}

static void check_shape(struct vctx *v, const struct vl_loc *loc, const char *key,
			const char *who, const char *pfx, const struct vl_shape *s)
{
	if (s->jitter_us && !s->delay_us)
		vl_err(v->d, loc, key, "%s%sjitter needs %sdelay (netem varies the delay around it)",
		       who, who[0] ? ": " : "", pfx);
	if (s->reorder_pct > 0 && !s->delay_us)
		vl_err(v->d, loc, key, "%s%sreorder needs %sdelay (netem reorders by sending some packets early)",
		       who, who[0] ? ": " : "", pfx);
	/* tbf counts whole bytes per second: below 8 bit/s it would get 0 */
	if (s->rate_bps && s->rate_bps < 8)
		vl_err(v->d, loc, key, "%s%s%srate %llubit cannot be programmed: tbf's smallest rate is 8bit "
		       "(1 byte per second); give at least 8bit",
		       who, who[0] ? ": " : "", pfx, (unsigned long long)s->rate_bps);
}

size_t vl_shape_check(const struct vl_shape *s, const char *who, const char *pfx,
		      struct vl_diags *d)
{
	struct vctx v = {.d = d};
	size_t before = d->errors;
	check_shape(&v, NULL, NULL, who, pfx, s);
	return d->errors - before;
}

static void shapers(struct vctx *v)
{
	struct vl_topology *t = v->t;
	for (size_t i = 0; i < t->nshapers; i++)
		check_shape(v, &t->shapers[i].loc, NULL, "", "", &t->shapers[i].shape);
	for (size_t i = 0; i < t->nnodes; i++) {
		struct vl_node *n = &t->nodes[i];
		for (size_t j = 0; j < n->nnics; j++) {
			struct vl_nic *c = &n->nics[j];
			const char *key = c->link_idx >= 0 ? NULL : "nic";
			for (int dir = 0; dir < 2; dir++) {
				const char *name = dir ? c->in_shaper : c->shaper;
				struct vl_shape *sh = dir ? &c->in : &c->out;
				if (name) {
					int s = vl_strmap_get(&v->shapers, name);
					if (s < 0) {
						char *what = xasprintf("%sshaper for %s", dir ? "in_" : "", c->name);
						unknown(v, &c->loc, key, what, name, &v->shapers);
						free(what);
					} else {
						merge_shape(sh, &t->shapers[s].shape);
					}
				}
				check_shape(v, &c->loc, key, c->name, dir ? "in_" : "", sh);
			}
		}
	}
}

/* ---- segments and routing domains --------------------------------------- */

/* A node's interfaces for tests: NICs 0..nnics-1, then subs. */
static size_t n_ifs(const struct vl_node *n)
{
	return n->nnics + n->nsubs;
}

static const char *if_name(const struct vl_node *n, size_t x)
{
	return x < n->nnics ? n->nics[x].name : n->subs[x - n->nnics].name;
}

static const struct vl_addr *if_addrs(const struct vl_node *n, size_t x, size_t *na)
{
	*na = x < n->nnics ? n->nics[x].naddrs : n->subs[x - n->nnics].naddrs;
	return x < n->nnics ? n->nics[x].addrs : n->subs[x - n->nnics].addrs;
}

static int if_mtu(const struct vl_node *n, size_t x)
{
	return x < n->nnics ? n->nics[x].mtu : n->subs[x - n->nnics].mtu;
}

static int if_find(const struct vl_node *n, const char *name)
{
	for (size_t x = 0; x < n_ifs(n); x++)
		if (!strcmp(if_name(n, x), name))
			return (int)x;
	return -1;
}

/* The NIC carrying interface x (a sub's parent). */
static int if_nic(const struct vl_node *n, int x)
{
	if (x < 0 || (size_t)x < n->nnics)
		return x;
	return vl_find_nic(n, n->subs[(size_t)x - n->nnics].parent);
}

/* Which L2 segments each interface sits on, and which segments a forwarding
 * node joins: enough to say "these two can never reach each other" without
 * reading any routing table (so it errs towards "maybe"). */
struct l3map {
	struct vl_strmap ids;   /* "s3/10" (switch 3, VLAN 10), "l2/0" (link 2) */
	struct vl_strv keys;
	int *uf;                /* union-find over segment ids: L3 reachability */
	int *l2;                /* segments joined by overlays only: one L2 domain */
	int *dom;               /* address domains: joined by overlays and forwarding
				 * nodes, except across a NAT router's outside NIC */
	bool *filt;             /* per switch: VLAN filtering as it will be */
	int **ifseg;            /* per node, per interface: segment id, -1 */
	bool built;
};

static int seg_id(struct l3map *g, char kind, int idx, int vlan)
{
	char *k = xasprintf("%c%d/%d", kind, idx, vlan);
	int id = vl_strmap_get(&g->ids, k);
	if (id < 0) {
		vl_strv_push(&g->keys, k);
		id = (int)g->keys.n - 1;
		vl_strmap_add(&g->ids, g->keys.v[id], id);
	}
	free(k);
	return id;
}

/* The VLAN of untagged frames on a switch (0 when it does not filter). */
static int untagged_vlan(const struct l3map *g, const struct vl_switch *s, int si)
{
	return g->filt[si] ? (s->pvid ? s->pvid : 1) : 0;
}

static int nic_seg(struct vctx *v, struct l3map *g, const struct vl_nic *c, int vid)
{
	if (c->link_idx >= 0)
		return seg_id(g, 'l', c->link_idx, vid);
	if (c->sw_idx < 0)
		return -1;
	const struct vl_switch *s = &v->t->switches[c->sw_idx];
	if (!vid)
		vid = !g->filt[c->sw_idx] ? 0 :
		      c->access_vlan ? c->access_vlan :
		      c->native_vlan ? c->native_vlan : untagged_vlan(g, s, c->sw_idx);
	return seg_id(g, 's', c->sw_idx, vid);
}

static int uf_find(int *uf, int x)
{
	while (uf[x] != x)
		x = uf[x] = uf[uf[x]];
	return x;
}

static void uf_join(int *uf, int a, int b)
{
	uf[uf_find(uf, a)] = uf_find(uf, b);
}

/* Each overlay's switches by index (names resolved here: the segment map is
 * built before overlays are checked), -1 when unknown. */
static int ov_switch(struct vctx *v, const struct vl_overlay *o, size_t j)
{
	return vl_strmap_get(&v->switches, o->switches[j]);
}

/* ---- layer 2: switch cables, uplinks, bonds, loops ---------------------- */

/* A [link] between two switches: each end is a port of its switch's bridge
 * (link->port[e], named nic[e]); a node end and a switch end do not mix. */
static void check_switch_port(struct vctx *v, struct vl_link *l, int e)
{
	struct vl_topology *t = v->t;
	struct vl_nic *c = l->port[e];
	const char *key = e ? "b" : "a";
	const struct vl_switch *s = &t->switches[l->sw_idx[e]];

	c->sw_idx = l->sw_idx[e];
	check_ifname(v, &c->loc, key, c->name);
	if (c->access_vlan && c->ntrunk)
		vl_err(v->d, &c->loc, key,
		       "%s %s: vlan= and trunk= together; a port is either an access port (vlan=) or a trunk (trunk=)",
		       s->name, c->name);
	if (c->native_vlan && !c->ntrunk)
		vl_err(v->d, &c->loc, key, "%s %s: native= needs trunk= (it is the untagged VLAN of a trunk)",
		       s->name, c->name);
	if ((c->access_vlan || c->ntrunk || c->native_vlan) && !v->sw_vlans[c->sw_idx]) {
		v->sw_vlans[c->sw_idx] = true;
		v->sw_vlan_line[c->sw_idx] = c->loc.line;
		v->sw_vlan_what[c->sw_idx] = c->name;
	}
	if (!c->mtu)
		c->mtu = s->mtu;
	if (!c->mac_set) {
		vl_derive_mac(c->mac, t->lab.name ? t->lab.name : "", s->name, c->name);
		c->mac_set = true;
	}
	v->sw_ports[c->sw_idx]++;
}

/* Called by resolve_links for a link with at least one switch end. */
static void resolve_switch_link(struct vctx *v, struct vl_link *l)
{
	struct vl_topology *t = v->t;
	for (int e = 0; e < 2; e++)
		if (l->port[e])
			l->sw_idx[e] = vl_strmap_get(&v->switches, l->node[e]);
	for (int e = 0; e < 2; e++) {
		if (!l->port[e] || l->sw_idx[e] < 0 || !l->node[!e] || l->port[!e])
			continue;
		vl_err(v->d, &l->end_loc[e], e ? "b" : "a",
		       "%s is a switch (line %d), but the other end %s is not: a [link] joins two "
		       "nodes or two switches; plug a node into a switch with nic = IFNAME SWITCH",
		       l->node[e], t->switches[l->sw_idx[e]].loc.line, l->node[!e]);
		return;
	}
	if (!l->port[0] || !l->port[1] || l->sw_idx[0] < 0 || l->sw_idx[1] < 0)
		return;
	if (l->sw_idx[0] == l->sw_idx[1]) {
		vl_err(v->d, &l->end_loc[1], "b",
		       "both ends are on switch %s: a cable from a switch to itself is a loop; "
		       "name two different switches", l->node[0]);
		return;
	}
	for (int e = 0; e < 2; e++)
		check_switch_port(v, l, e);
	if (l->port[0]->mtu != l->port[1]->mtu)
		vl_warn(v->d, &l->end_loc[1], "b",
			"%s %s has MTU %d but the other end %s %s has MTU %d (line %d): larger "
			"frames are dropped; give both ends the same mtu=", l->node[1],
			l->port[1]->name, l->port[1]->mtu, l->node[0], l->port[0]->name,
			l->port[0]->mtu, l->end_loc[0].line);
}

/* The untagged VLAN of a port on switch si (0 when it does not filter,
 * -1 when the port passes no untagged frames: a trunk without native=). */
static int port_untagged(const struct vl_topology *t, const bool *filt, int si,
			 const struct vl_nic *c)
{
	if (!filt[si])
		return 0;
	if (c->access_vlan)
		return c->access_vlan;
	if (c->ntrunk)
		return c->native_vlan ? c->native_vlan : -1;
	return t->switches[si].pvid ? t->switches[si].pvid : 1;
}

static bool port_tags(const struct vl_nic *c, int vid)
{
	for (size_t i = 0; i < c->ntrunk; i++)
		if (c->trunk[i] == vid)
			return true;
	return false;
}

/* A bond or NIC named by an uplink: the host NICs behind it. */
static size_t uplink_members(const struct vl_node *h, const struct vl_switch *s, int *out,
			     size_t max)
{
	if (s->uplink_nic >= 0) {
		out[0] = s->uplink_nic;
		return 1;
	}
	if (s->uplink_bond < 0)
		return 0;
	const struct vl_bond *b = &h->bonds[s->uplink_bond];
	size_t n = 0;
	for (size_t k = 0; k < b->nmembers && n < max; k++)
		if (b->member_nic[k] >= 0)
			out[n++] = b->member_nic[k];
	return n;
}

/* Pairs of segment ids to join, collected before the union-find arrays
 * are sized (seg_id may create segments no interface has). */
struct segpairs {
	int *v;
	size_t n, cap;
};

static void join3(struct segpairs *sp, int a, int b)
{
	*VL_PUSH(sp->v, sp->n, sp->cap) = a;
	*VL_PUSH(sp->v, sp->n, sp->cap) = b;
}

/* Segments joined by cables between switches and by vSwitch uplinks: the
 * untagged VLANs of the two ports, and each VLAN both ends tag. */
static void l2_joins(struct vctx *v, struct l3map *g, struct segpairs *sp)
{
	struct vl_topology *t = v->t;
	for (size_t i = 0; i < t->nlinks; i++) {
		const struct vl_link *l = &t->links[i];
		if (!l->port[0] || !l->port[1] || l->sw_idx[0] < 0 || l->sw_idx[1] < 0 ||
		    l->sw_idx[0] == l->sw_idx[1])
			continue;
		int ua = port_untagged(t, g->filt, l->sw_idx[0], l->port[0]);
		int ub = port_untagged(t, g->filt, l->sw_idx[1], l->port[1]);
		if (ua >= 0 && ub >= 0)
			join3(sp, seg_id(g, 's', l->sw_idx[0], ua), seg_id(g, 's', l->sw_idx[1], ub));
		for (size_t k = 0; k < l->port[0]->ntrunk; k++) {
			int vid = l->port[0]->trunk[k];
			if (port_tags(l->port[1], vid))
				join3(sp, seg_id(g, 's', l->sw_idx[0], vid),
				      seg_id(g, 's', l->sw_idx[1], vid));
		}
	}
	for (size_t i = 0; i < t->nswitches; i++) {
		const struct vl_switch *s = &t->switches[i];
		if (!s->uplink || s->host_idx < 0 || (s->uplink_nic < 0 && s->uplink_bond < 0))
			continue;
		const struct vl_node *h = &t->nodes[s->host_idx];
		int m[8];
		size_t nm = uplink_members(h, s, m, 8);
		for (size_t k = 0; k < nm; k++) {
			const struct vl_nic *c = &h->nics[m[k]];
			if (c->sw_idx < 0)
				continue;
			int up = port_untagged(t, g->filt, c->sw_idx, c);
			int mine = g->filt[i] ? (s->pvid ? s->pvid : 1) : 0;
			if (up >= 0)
				join3(sp, seg_id(g, 's', (int)i, mine), seg_id(g, 's', c->sw_idx, up));
			for (size_t x = 0; x < s->nuplink_vlans; x++)
				if (port_tags(c, s->uplink_vlans[x]))
					join3(sp, seg_id(g, 's', (int)i, s->uplink_vlans[x]),
					      seg_id(g, 's', c->sw_idx, s->uplink_vlans[x]));
		}
	}
}

/* bond = NAME NIC NIC [mode=]: members are the host's NICs on switches. */
static void check_bonds(struct vctx *v)
{
	struct vl_topology *t = v->t;
	for (size_t i = 0; i < t->nnodes; i++) {
		struct vl_node *n = &t->nodes[i];
		for (size_t j = 0; j < n->nbonds; j++) {
			struct vl_bond *b = &n->bonds[j];
			b->member_nic = xcalloc(b->nmembers ? b->nmembers : 1, sizeof(int));
			check_ifname(v, &b->loc, "bond", b->name);
			if (vl_find_nic(n, b->name) >= 0)
				vl_err(v->d, &b->loc, "bond", "%s: %s already has a NIC of that name",
				       b->name, n->name);
			if (b->mode == VL_BOND_8023AD)
				vl_err(v->d, &b->loc, "bond",
				       "%s: mode=802.3ad needs LACP at the other end, and a vlab switch is a "
				       "Linux bridge, which does not speak LACP; use mode=active-backup", b->name);
			else if (b->mode == VL_BOND_BALANCE_XOR)
				vl_err(v->d, &b->loc, "bond",
				       "%s: mode=balance-xor needs the switch ports to form a static link "
				       "aggregation group, which a Linux bridge cannot (it sends the bond's "
				       "broadcasts back in through the other member); use mode=active-backup",
				       b->name);
			for (size_t k = 0; k < b->nmembers; k++) {
				int c = b->member_nic[k] = vl_find_nic(n, b->members[k]);
				if (c < 0) {
					vl_err(v->d, &b->loc, "bond", "%s: %s has no NIC %s", b->name,
					       n->name, b->members[k]);
					continue;
				}
				struct vl_nic *nc = &n->nics[c];
				if (nc->sw_idx < 0)
					vl_err(v->d, &b->loc, "bond",
					       "%s: member %s is a [link] end; bond members are NICs on switches (nic = %s SWITCH)",
					       b->name, nc->name, nc->name);
				if (nc->naddrs)
					vl_err(v->d, &b->loc, "bond",
					       "%s: member %s has an address (line %d); a bond member carries none",
					       b->name, nc->name, nc->loc.line);
				if (nc->mtu != n->nics[b->member_nic[0] >= 0 ? b->member_nic[0] : c].mtu)
					vl_err(v->d, &b->loc, "bond", "%s: members %s and %s have different MTUs",
					       b->name, b->members[0], nc->name);
				for (size_t p = 0; p < j; p++)
					for (size_t q = 0; q < n->bonds[p].nmembers; q++)
						if (!strcmp(n->bonds[p].members[q], nc->name))
							vl_err(v->d, &b->loc, "bond",
							       "%s: %s is already a member of %s (line %d)",
							       b->name, nc->name, n->bonds[p].name,
							       n->bonds[p].loc.line);
			}
		}
	}
}

/* Record the VLANs of one switch port (access, native, trunk) as used,
 * the first time each is seen, with where (line) and by whom. */
static void port_vlans_used(const struct vl_nic *c, const char *name, bool *used, int *line,
			    const char **who)
{
	int vids[2] = {c->access_vlan, c->native_vlan};
	for (size_t k = 0; k < 2 + c->ntrunk; k++) {
		int vid = k < 2 ? vids[k] : c->trunk[k - 2];
		if (vid && !used[vid]) {
			used[vid] = true;
			line[vid] = c->loc.line;
			who[vid] = name;
		}
	}
}

/* The VLANs used on switch si by its ports, cables and overlays. */
static void switch_vlans_used(struct vctx *v, int si, bool *used, int *line, const char **who)
{
	struct vl_topology *t = v->t;
	for (size_t i = 0; i < t->nnodes; i++)
		for (size_t j = 0; j < t->nodes[i].nnics; j++) {
			const struct vl_nic *c = &t->nodes[i].nics[j];
			if (c->sw_idx == si)
				port_vlans_used(c, t->nodes[i].name, used, line, who);
		}
	for (size_t i = 0; i < t->nlinks; i++)
		for (int e = 0; e < 2; e++) {
			const struct vl_nic *c = t->links[i].port[e];
			if (c && t->links[i].sw_idx[e] == si)
				port_vlans_used(c, t->links[i].name, used, line, who);
		}
	for (size_t i = 0; i < t->noverlays; i++) {
		const struct vl_overlay *o = &t->overlays[i];
		for (size_t k = 0; o->vlan && k < o->nswitches; k++)
			if (vl_strmap_get(&v->switches, o->switches[k]) == si && !used[o->vlan]) {
				used[o->vlan] = true;
				line[o->vlan] = o->vlan_loc.line;
				who[o->vlan] = o->name;
			}
	}
}

/* What the physical port of one uplink member lacks for the vSwitch's VLANs. */
static void uplink_port_carries(struct vctx *v, struct vl_switch *s, const struct vl_node *h,
				const struct vl_nic *c, bool filt, const int *line, const char **who)
{
	struct vl_topology *t = v->t;
	const char *phys = t->switches[c->sw_idx].name;
	if (!filt) {
		if (c->ntrunk && !c->native_vlan)
			vl_err(v->d, &s->uplink_loc, "uplink",
			       "%s uses no VLANs, so its frames leave untagged, but %s's %s is a trunk "
			       "without native= on %s (line %d), which drops untagged frames; give %s "
			       "vlan=N or native=N", s->name, h->name, c->name, phys, c->loc.line, c->name);
		return;
	}
	for (size_t x = 0; x < s->nuplink_vlans; x++) {
		int vid = s->uplink_vlans[x];
		if (port_tags(c, vid))
			continue;
		if (c->ntrunk)
			vl_err(v->d, &s->uplink_loc, "uplink",
			       "VLAN %d of %s (used by %s, line %d) does not pass %s: %s's %s is a trunk "
			       "on it without VLAN %d (line %d); add %d to that NIC's trunk=",
			       vid, s->name, who[vid], line[vid], phys, h->name, c->name, vid,
			       c->loc.line, vid);
		else
			vl_err(v->d, &s->uplink_loc, "uplink",
			       "VLAN %d of %s (used by %s, line %d) does not pass %s: %s's %s is %s "
			       "port (line %d), so tagged frames are dropped; make it a trunk with "
			       "trunk=%d (and every other VLAN of %s)", vid, s->name, who[vid], line[vid],
			       phys, h->name, c->name, c->access_vlan ? "an access" : "an untagged",
			       c->loc.line, vid, s->name);
	}
}

/* uplink = IFNAME on a vSwitch: a NIC or bond of its host, on a physical
 * switch, used once, without addresses; the vSwitch's VLANs pass tagged
 * and must pass the physical port too. */
static void resolve_uplinks(struct vctx *v)
{
	struct vl_topology *t = v->t;
	struct vl_strmap used = {0};
	struct vl_strv keys = {0};
	for (size_t i = 0; i < t->nswitches; i++) {
		struct vl_switch *s = &t->switches[i];
		if (!s->uplink)
			continue;
		if (!s->host) {
			vl_err(v->d, &s->uplink_loc, "uplink",
			       "uplink is a vSwitch key (a switch with host =); cable physical switches "
			       "with a [link] (a = %s p1 trunk=..., b = OTHER p1 trunk=...)", s->name);
			continue;
		}
		if (s->host_idx < 0)
			continue;
		struct vl_node *h = &t->nodes[s->host_idx];
		s->uplink_nic = vl_find_nic(h, s->uplink);
		for (size_t j = 0; s->uplink_nic < 0 && j < h->nbonds; j++)
			if (!strcmp(h->bonds[j].name, s->uplink))
				s->uplink_bond = (int)j;
		if (s->uplink_nic < 0 && s->uplink_bond < 0) {
			vl_err(v->d, &s->uplink_loc, "uplink",
			       "%s has no NIC or bond named %s (give it nic = %s SWITCH trunk=..., or bond = %s NIC NIC)",
			       h->name, s->uplink, s->uplink, s->uplink);
			continue;
		}
		char *k = xasprintf("%s/%s", h->name, s->uplink);
		vl_strv_push(&keys, k);
		free(k);
		int f = vl_strmap_add(&used, keys.v[keys.n - 1], (int)i);
		if (f >= 0) {
			vl_err(v->d, &s->uplink_loc, "uplink",
			       "%s of %s is already the uplink of %s (line %d); a NIC is enslaved to one switch",
			       s->uplink, h->name, t->switches[f].name, t->switches[f].uplink_loc.line);
			s->uplink_nic = s->uplink_bond = -1;
			continue;
		}
		if (s->uplink_nic >= 0) {
			struct vl_nic *c = &h->nics[s->uplink_nic];
			if (c->sw_idx < 0) {
				vl_err(v->d, &s->uplink_loc, "uplink",
				       "%s of %s is a [link] end; an uplink is a NIC on a physical switch (nic = %s SWITCH trunk=...)",
				       c->name, h->name, c->name);
				s->uplink_nic = -1;
				continue;
			}
			if (c->naddrs)
				vl_err(v->d, &s->uplink_loc, "uplink",
				       "%s of %s has an address (line %d), but an uplink is enslaved to %s and "
				       "carries none: keep the host's address on another NIC or on a VLAN "
				       "sub-interface (sub = %s.99 ADDR)", c->name, h->name, c->loc.line,
				       s->name, c->name);
			for (size_t j = 0; j < h->nbonds; j++)
				for (size_t q = 0; q < h->bonds[j].nmembers; q++)
					if (!strcmp(h->bonds[j].members[q], c->name))
						vl_err(v->d, &s->uplink_loc, "uplink",
						       "%s is a member of bond %s (line %d); make the bond the uplink (uplink = %s)",
						       c->name, h->bonds[j].name, h->bonds[j].loc.line,
						       h->bonds[j].name);
		}
		v->sw_ports[i]++;
	}
	vl_strmap_free(&used);
	vl_strv_free(&keys);
}

/* After resolve_uplinks, before the segment map: the VLANs each uplink
 * tags (every VLAN used on the vSwitch but its PVID, which is untagged),
 * and whether the physical ports pass them. */
static void uplink_vlans(struct vctx *v)
{
	struct vl_topology *t = v->t;
	bool *used = xcalloc(4096, sizeof(bool));
	int *line = xcalloc(4096, sizeof(int));
	const char **who = xcalloc(4096, sizeof(char *));
	for (size_t i = 0; i < t->nswitches; i++) {
		struct vl_switch *s = &t->switches[i];
		if (!s->uplink || s->host_idx < 0 || (s->uplink_nic < 0 && s->uplink_bond < 0))
			continue;
		memset(used, 0, 4096 * sizeof(bool));
		switch_vlans_used(v, (int)i, used, line, who);
		bool any = false;
		for (int vid = 1; vid < 4095; vid++)
			any |= used[vid];
		bool filt = s->vlan_filtering >= 0 ? s->vlan_filtering == 1 : any;
		int pvid = s->pvid ? s->pvid : 1;
		s->uplink_untagged = filt ? pvid : 0;
		for (int vid = 1; filt && vid < 4095; vid++)
			if (used[vid] && vid != pvid) {
				s->uplink_vlans = xrealloc(s->uplink_vlans,
							   (s->nuplink_vlans + 1) * sizeof(uint16_t));
				s->uplink_vlans[s->nuplink_vlans++] = (uint16_t)vid;
			}
		const struct vl_node *h = &t->nodes[s->host_idx];
		int m[8];
		size_t nm = uplink_members(h, s, m, 8);
		for (size_t k = 0; k < nm; k++)
			if (h->nics[m[k]].sw_idx >= 0)
				uplink_port_carries(v, s, h, &h->nics[m[k]], filt, line, who);
	}
	free(used);
	free(line);
	free(who);
}

/* A bond nobody uses carries nothing. */
static void unused_bonds(struct vctx *v)
{
	struct vl_topology *t = v->t;
	for (size_t i = 0; i < t->nnodes; i++)
		for (size_t j = 0; j < t->nodes[i].nbonds; j++) {
			bool up = false;
			for (size_t s = 0; s < t->nswitches; s++)
				up |= t->switches[s].host_idx == (int)i &&
				      t->switches[s].uplink && t->switches[s].uplink_bond == (int)j;
			if (!up)
				vl_warn(v->d, &t->nodes[i].bonds[j].loc, "bond",
					"%s is no vSwitch's uplink, so it carries nothing (add uplink = %s to a [switch] with host = %s)",
					t->nodes[i].bonds[j].name, t->nodes[i].bonds[j].name, t->nodes[i].name);
		}
}

/* Loops of switches: cables between switches, uplinks (to the first
 * member's physical switch) and overlays (a hub: the first switch to each
 * other one). A loop with a switch that does not run STP is a warning
 * naming it. Cables and uplinks count as carrying every VLAN; an overlay
 * with vlan= carries that one. */
struct l2edge {
	int a, b;
	const struct vl_loc *loc;
	const char *key;
	int vlan; /* the one VLAN it carries (an overlay's vlan=); 0: all */
};

static void warn_loop(struct vctx *v, const struct l2edge *e, int *tree_head, int *tree_next,
		      int *tree_to)
{
	struct vl_topology *t = v->t;
	size_t ns = t->nswitches;
	int *prev = xmalloc(ns * sizeof(int));
	int *queue = xmalloc(ns * sizeof(int));
	for (size_t i = 0; i < ns; i++)
		prev[i] = -2;
	size_t qh = 0, qt = 0;
	queue[qt++] = e->a;
	prev[e->a] = -1;
	while (qh < qt && prev[e->b] == -2) {
		int x = queue[qh++];
		for (int k = tree_head[x]; k >= 0; k = tree_next[k])
			if (prev[tree_to[k]] == -2) {
				prev[tree_to[k]] = x;
				queue[qt++] = tree_to[k];
			}
	}
	struct vl_buf path = {0}, nostp = {0};
	size_t nno = 0;
	for (int x = e->b; x >= 0; x = prev[x]) {
		vl_buf_printf(&path, "%s -> ", t->switches[x].name);
		if (!t->switches[x].stp)
			vl_buf_printf(&nostp, "%s%s", nno++ ? ", " : "", t->switches[x].name);
	}
	vl_buf_printf(&path, "%s", t->switches[e->b].name);
	if (nno)
		vl_warn(v->d, e->loc, e->key,
			"switches form a loop without spanning tree: %s; broadcast frames would "
			"circle forever: set stp = on on %s (or remove a cable)", path.s, nostp.s);
	vl_buf_free(&path);
	vl_buf_free(&nostp);
	free(prev);
	free(queue);
}

/* The cycles among `edges` that carry VLAN `vlan` (0: the edges that
 * carry every VLAN), each warned about once (`warned`) when a switch on
 * it runs no spanning tree. */
static void loops_in(struct vctx *v, const struct l2edge *edges, size_t ne, int vlan,
		     bool *warned, int *told)
{
	struct vl_topology *t = v->t;
	size_t ns = t->nswitches;
	int *uf = xmalloc(ns * sizeof(int));
	bool *all_stp = xmalloc(ns * sizeof(bool));
	int *head = xmalloc(ns * sizeof(int));
	int *next = xmalloc((2 * ne + 1) * sizeof(int));
	int *to = xmalloc((2 * ne + 1) * sizeof(int));
	bool *closing = xcalloc(ne + 1, sizeof(bool));
	int nt = 0;
	for (size_t i = 0; i < ns; i++) {
		uf[i] = (int)i;
		head[i] = -1;
	}
	for (size_t i = 0; i < ne; i++) {
		if (edges[i].vlan && edges[i].vlan != vlan)
			continue;
		int a = uf_find(uf, edges[i].a), b = uf_find(uf, edges[i].b);
		if (a == b) {
			closing[i] = true;
			continue;
		}
		uf[a] = b;
		to[nt] = edges[i].b, next[nt] = head[edges[i].a], head[edges[i].a] = nt++;
		to[nt] = edges[i].a, next[nt] = head[edges[i].b], head[edges[i].b] = nt++;
	}
	for (size_t i = 0; i < ns; i++)
		all_stp[i] = true;
	for (size_t i = 0; i < ns; i++)
		if (!t->switches[i].stp)
			all_stp[uf_find(uf, (int)i)] = false;
	for (size_t i = 0; i < ne && *told < 20; i++)
		if (closing[i] && !warned[i] && !all_stp[uf_find(uf, edges[i].a)]) {
			warn_loop(v, &edges[i], head, next, to);
			warned[i] = true;
			(*told)++;
		}
	free(uf);
	free(all_stp);
	free(head);
	free(next);
	free(to);
	free(closing);
}

/* Switches joined in a cycle (cables, uplinks, overlays) without spanning
 * tree: broadcast frames circle forever. An overlay with vlan= carries
 * that VLAN only, so two overlays with different VLANs between the same
 * switches are no loop: each VLAN is looked at on its own. */
static void switch_loops(struct vctx *v)
{
	struct vl_topology *t = v->t;
	size_t ns = t->nswitches, ne = 0, cap = 0;
	struct l2edge *edges = NULL;
	if (!ns)
		return;
	for (size_t i = 0; i < t->nlinks; i++) {
		const struct vl_link *l = &t->links[i];
		if (l->port[0] && l->port[1] && l->sw_idx[0] >= 0 && l->sw_idx[1] >= 0 &&
		    l->sw_idx[0] != l->sw_idx[1])
			*VL_PUSH(edges, ne, cap) = (struct l2edge){l->sw_idx[0], l->sw_idx[1],
								   &l->end_loc[1], "b", 0};
	}
	for (size_t i = 0; i < ns; i++) {
		const struct vl_switch *s = &t->switches[i];
		if (!s->uplink || s->host_idx < 0 || (s->uplink_nic < 0 && s->uplink_bond < 0))
			continue;
		int m[8];
		if (uplink_members(&t->nodes[s->host_idx], s, m, 8) &&
		    t->nodes[s->host_idx].nics[m[0]].sw_idx >= 0)
			*VL_PUSH(edges, ne, cap) = (struct l2edge){(int)i,
				t->nodes[s->host_idx].nics[m[0]].sw_idx, &s->uplink_loc, "uplink", 0};
	}
	for (size_t i = 0; i < t->noverlays; i++) {
		const struct vl_overlay *o = &t->overlays[i];
		for (size_t k = 1; o->sw_idx && k < o->nswitches; k++)
			if (o->sw_idx[0] >= 0 && o->sw_idx[k] >= 0)
				*VL_PUSH(edges, ne, cap) = (struct l2edge){o->sw_idx[0], o->sw_idx[k],
					&o->switches_loc, "switches", o->vlan};
	}
	bool *warned = xcalloc(ne + 1, sizeof(bool));
	int told = 0;
	loops_in(v, edges, ne, 0, warned, &told);
	for (size_t i = 0; i < ne; i++) {
		bool first = edges[i].vlan != 0;
		for (size_t j = 0; first && j < i; j++)
			first = edges[j].vlan != edges[i].vlan;
		if (first) /* each VLAN an overlay names, once */
			loops_in(v, edges, ne, edges[i].vlan, warned, &told);
	}
	free(warned);
	free(edges);
}

/* forward_delay and priority only matter to spanning tree. */
static void stp_keys(struct vctx *v)
{
	struct vl_topology *t = v->t;
	for (size_t i = 0; i < t->nswitches; i++) {
		const struct vl_switch *s = &t->switches[i];
		if (!s->stp && (s->forward_delay_cs || s->priority >= 0))
			vl_warn(v->d, &s->loc, s->forward_delay_cs ? "forward_delay" : "priority",
				"switch %s: %s has no effect without stp = on", s->name,
				s->forward_delay_cs ? "forward_delay" : "priority");
	}
}

/* Built once, after NICs, links and switches are resolved and before
 * addresses: VLAN filtering is judged here as vlan_filtering() will set it
 * (auto: on when a port or an overlay uses VLANs). */
static void l3map_build(struct vctx *v, struct l3map *g)
{
	struct vl_topology *t = v->t;
	memset(g, 0, sizeof(*g));
	g->built = true;
	g->filt = xcalloc(t->nswitches ? t->nswitches : 1, sizeof(bool));
	for (size_t i = 0; i < t->nswitches; i++)
		g->filt[i] = t->switches[i].vlan_filtering >= 0 ? t->switches[i].vlan_filtering == 1
								: v->sw_vlans[i];
	for (size_t i = 0; i < t->noverlays; i++)
		for (size_t j = 0; t->overlays[i].vlan && j < t->overlays[i].nswitches; j++) {
			int s = ov_switch(v, &t->overlays[i], j);
			if (s >= 0 && t->switches[s].vlan_filtering < 0)
				g->filt[s] = true;
		}
	g->ifseg = xcalloc(t->nnodes ? t->nnodes : 1, sizeof(*g->ifseg));
	for (size_t i = 0; i < t->nnodes; i++) {
		const struct vl_node *n = &t->nodes[i];
		g->ifseg[i] = xcalloc(n_ifs(n) ? n_ifs(n) : 1, sizeof(int));
		for (size_t x = 0; x < n_ifs(n); x++) {
			int p = if_nic(n, (int)x);
			g->ifseg[i][x] = p < 0 ? -1 :
				nic_seg(v, g, &n->nics[p], x < n->nnics ? 0 : n->subs[x - n->nnics].vid);
		}
	}
	size_t nov = 0;
	for (size_t i = 0; i < t->noverlays; i++)
		nov += t->overlays[i].nswitches;
	int *ovseg = xcalloc(nov ? nov : 1, sizeof(int));
	for (size_t i = 0, k = 0; i < t->noverlays; i++) {
		const struct vl_overlay *o = &t->overlays[i];
		for (size_t j = 0; j < o->nswitches; j++, k++) {
			int s = ov_switch(v, o, j);
			ovseg[k] = s < 0 ? -1 :
				seg_id(g, 's', s, o->vlan ? o->vlan : untagged_vlan(g, &t->switches[s], s));
		}
	}
	struct segpairs sp = {0};
	l2_joins(v, g, &sp);
	size_t ns = g->keys.n ? g->keys.n : 1;
	g->uf = xcalloc(ns, sizeof(int));
	g->l2 = xcalloc(ns, sizeof(int));
	g->dom = xcalloc(ns, sizeof(int));
	for (size_t i = 0; i < g->keys.n; i++)
		g->uf[i] = g->l2[i] = g->dom[i] = (int)i;
	for (size_t i = 0, k = 0; i < t->noverlays; i++) {
		int first = -1;
		for (size_t j = 0; j < t->overlays[i].nswitches; j++, k++) {
			if (ovseg[k] < 0)
				continue;
			if (first < 0) {
				first = ovseg[k];
				continue;
			}
			uf_join(g->uf, ovseg[k], first);
			uf_join(g->l2, ovseg[k], first);
			uf_join(g->dom, ovseg[k], first);
		}
	}
	free(ovseg);
	for (size_t i = 0; i + 1 < sp.n; i += 2) {
		uf_join(g->uf, sp.v[i], sp.v[i + 1]);
		uf_join(g->l2, sp.v[i], sp.v[i + 1]);
		uf_join(g->dom, sp.v[i], sp.v[i + 1]);
	}
	free(sp.v);
	for (size_t i = 0; i < t->nnodes; i++) {
		const struct vl_node *n = &t->nodes[i];
		int first = -1, dfirst = -1;
		if (!n->forward)
			continue;
		for (size_t x = 0; x < n_ifs(n); x++) {
			int s = g->ifseg[i][x];
			if (s < 0)
				continue;
			if (first < 0)
				first = s;
			else
				uf_join(g->uf, s, first);
			/* addresses behind a NAT router are hidden from its
			 * outside: two NATed networks may use the same ones */
			if (n->nat && !strcmp(if_name(n, x), n->nat))
				continue;
			if (dfirst < 0)
				dfirst = s;
			else
				uf_join(g->dom, s, dfirst);
		}
	}
}

static void l3map_free(struct vl_topology *t, struct l3map *g)
{
	if (!g->built)
		return;
	for (size_t i = 0; i < t->nnodes; i++)
		free(g->ifseg[i]);
	free(g->ifseg);
	free(g->uf);
	free(g->l2);
	free(g->dom);
	free(g->filt);
	vl_strmap_free(&g->ids);
	vl_strv_free(&g->keys);
}

/* The address domain of interface x of node i: a segment root, or a scope
 * of the node's own (below -1) when the interface is on no known segment. */
static int addr_scope(struct l3map *g, size_t i, size_t x)
{
	int s = g->ifseg[i][x];
	return s < 0 ? -2 - (int)i : uf_find(g->dom, s);
}

/* "switch sw1 VLAN 10" or "link wan" for a segment id. */
static char *seg_name(const struct vl_topology *t, const struct l3map *g, int s)
{
	int idx, vlan;
	char kind;
	if (s < 0 || sscanf(g->keys.v[s], "%c%d/%d", &kind, &idx, &vlan) != 3)
		return xstrdup("no segment");
	const char *name = kind == 'l' ? t->links[idx].name : t->switches[idx].name;
	return vlan ? xasprintf("%s %s VLAN %d", kind == 'l' ? "link" : "switch", name, vlan)
		    : xasprintf("%s %s", kind == 'l' ? "link" : "switch", name);
}

static bool l3_possible(const struct vl_topology *t, struct l3map *g, int a, int b)
{
	if (a == b)
		return true;
	for (size_t x = 0; x < n_ifs(&t->nodes[a]); x++)
		for (size_t y = 0; y < n_ifs(&t->nodes[b]); y++) {
			int sa = g->ifseg[a][x], sb = g->ifseg[b][y];
			if (sa >= 0 && sb >= 0 && uf_find(g->uf, sa) == uf_find(g->uf, sb))
				return true;
		}
	return false;
}

/* "switch sw1 VLAN 10, link wan" */
static char *l3_where(const struct vl_topology *t, struct l3map *g, int n)
{
	struct vl_buf b = {0};
	vl_buf_add(&b, "");
	const struct vl_node *nd = &t->nodes[n];
	for (size_t x = 0; x < n_ifs(nd); x++) {
		if (g->ifseg[n][x] < 0)
			continue;
		char *s = seg_name(t, g, g->ifseg[n][x]);
		vl_buf_printf(&b, "%s%s", b.len ? ", " : "", s);
		free(s);
	}
	if (!b.len)
		vl_buf_add(&b, "nothing");
	return b.s;
}

/* ---- addresses ---------------------------------------------------------- */

/* Where two interfaces with one address meet: "on the same segment
 * (switch sw)", or how their segments are joined. */
static char *same_where(struct vctx *v, int seg_a, int seg_b)
{
	char *a = seg_name(v->t, v->seg, seg_a), *b = NULL, *r;
	if (seg_a == seg_b)
		r = xasprintf("on the same segment (%s)", a);
	else if (seg_a >= 0 && seg_b >= 0 &&
		 uf_find(v->seg->l2, seg_a) == uf_find(v->seg->l2, seg_b))
		r = xasprintf("on the same segment (%s and %s, joined by an overlay)", a,
			      b = seg_name(v->t, v->seg, seg_b));
	else
		r = xasprintf("in the same routing domain (%s and %s are joined through forwarding "
			      "nodes)", a, b = seg_name(v->t, v->seg, seg_b));
	free(a);
	free(b);
	return r;
}

/* Record who holds an address lab-wide; a second node makes a literal
 * naming it ambiguous. */
static void where_add(struct vctx *v, const struct aent *e)
{
	struct aent w = *e;
	w.scope = 0;
	struct aent *old = aset_add(&v->where, &w);
	if (old && !old->node2 && strcmp(old->node, e->node)) {
		old->node2 = e->node;
		old->dev2 = e->dev;
		old->line2 = e->line;
	}
}

/* Interface x of node i holds address a. Unique per address domain (the
 * segments joined by overlays and forwarding nodes) and per node. */
static void add_static(struct vctx *v, size_t i, size_t x, const char *key, struct vl_addr *a)
{
	const struct vl_node *n = &v->t->nodes[i];
	const char *dev = if_name(n, x);
	char b[64];
	if (a->is_auto)
		return;
	if (a->p.family == AF_INET6 && !v->t->lab.ipv6) {
		vl_prefix_format(&a->p, b, sizeof(b), true);
		vl_err(v->d, &a->loc, key, "%s: IPv6 address %s, but the lab has ipv6 = off", dev, b);
	}
	struct aent e = {&a->p, addr_scope(v->seg, i, x), n->name, dev, a->loc.line,
			 v->seg->ifseg[i][x], NULL, NULL, 0};
	const struct aent *old = aset_add(&v->addrs, &e);
	if (old) {
		char *w = same_where(v, old->seg, e.seg);
		fmt_addr(&a->p, b, sizeof(b));
		vl_err(v->d, &a->loc, key,
		       "%s: address %s is already on %s %s (line %d), %s; give one of them another address",
		       dev, b, old->node, old->dev, old->line, w);
		free(w);
		return;
	}
	e.scope = (int)i;
	old = aset_add(&v->node_addrs, &e);
	if (old) {
		fmt_addr(&a->p, b, sizeof(b));
		vl_err(v->d, &a->loc, key,
		       "%s: address %s is already on %s %s (line %d); one node cannot hold an address twice",
		       dev, b, old->node, old->dev, old->line);
		return;
	}
	where_add(v, &e);
}

/* Next free address of a switch's subnet, counting from its first host
 * address and skipping every address taken anywhere in the lab. */
struct alloc {
	uint64_t next, max;
	bool exhausted;
};

static bool alloc_next(struct vctx *v, const struct vl_prefix *net, struct alloc *al,
		       int scope, struct vl_prefix *out)
{
	while (!al->exhausted && al->next <= al->max) {
		struct vl_prefix p = *net;
		uint64_t off = al->next++;
		int nb = addr_bytes(net->family);
		/* add off to the low 64 bits of the address */
		uint64_t carry = off;
		for (int i = nb - 1; i >= 0 && carry; i--) {
			uint64_t s = p.addr[i] + (carry & 0xff);
			p.addr[i] = (uint8_t)s;
			carry = (carry >> 8) + (s >> 8);
		}
		if (!aset_get(&v->addrs, scope, &p)) {
			*out = p;
			return true;
		}
	}
	al->exhausted = true;
	return false;
}

static void alloc_init(const struct vl_prefix *net, struct alloc *al)
{
	int host_bits = (net->family == AF_INET ? 32 : 128) - net->len;
	al->exhausted = false;
	if (net->family == AF_INET && host_bits <= 1) {
		al->next = 0; /* /31 point-to-point and /32: every address usable */
		al->max = host_bits ? 1 : 0;
	} else if (host_bits >= 62) {
		al->next = 1;
		al->max = (uint64_t)1 << 62;
	} else {
		al->next = 1;
		/* IPv4 keeps the broadcast address free */
		al->max = ((uint64_t)1 << host_bits) - (net->family == AF_INET ? 2 : 1);
	}
}

/* Overlapping subnets on two interfaces of one node, found in one sorted
 * sweep (a node may have thousands of addresses): prefixes are nested or
 * disjoint, so after sorting by network and length the ones containing an
 * address are exactly a stack. Each address is reported at most once,
 * against the innermost prefix of another interface that contains it. */
struct onet {
	struct vl_prefix net;       /* masked */
	const struct vl_addr *a;
	size_t dev, seq;
};

static int onet_cmp(const void *x, const void *y)
{
	const struct onet *a = x, *b = y;
	if (a->net.family != b->net.family)
		return a->net.family < b->net.family ? -1 : 1;
	int c = memcmp(a->net.addr, b->net.addr, sizeof(a->net.addr));
	if (c)
		return c;
	if (a->net.len != b->net.len)
		return a->net.len < b->net.len ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* One range on the stack with up to two interfaces holding it. */
struct ostack {
	const struct onet *o[2];
};

static const char *dev_name(const struct vl_node *n, size_t x)
{
	return x < n->nnics ? n->nics[x].name : n->subs[x - n->nnics].name;
}

static void node_overlaps(struct vctx *v, const struct vl_node *n)
{
	size_t ni = n->nnics + n->nsubs, cnt = 0;
	for (size_t x = 0; x < ni; x++)
		cnt += x < n->nnics ? n->nics[x].naddrs : n->subs[x - n->nnics].naddrs;
	if (cnt < 2 || ni < 2)
		return;
	struct onet *o = xcalloc(cnt, sizeof(*o));
	size_t k = 0;
	for (size_t x = 0; x < ni; x++) {
		const struct vl_addr *av = x < n->nnics ? n->nics[x].addrs : n->subs[x - n->nnics].addrs;
		size_t na = x < n->nnics ? n->nics[x].naddrs : n->subs[x - n->nnics].naddrs;
		for (size_t j = 0; j < na; j++) {
			if (!av[j].p.family)
				continue;
			struct onet *e = &o[k];
			e->net = av[j].p;
			for (int bit = e->net.len; bit < 128; bit++)
				e->net.addr[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
			e->a = &av[j];
			e->dev = x;
			e->seq = k++;
		}
	}
	qsort(o, k, sizeof(*o), onet_cmp);
	struct ostack st[130];
	size_t depth = 0;
	for (size_t i = 0; i < k; i++) {
		const struct onet *e = &o[i];
		while (depth && (st[depth - 1].o[0]->net.family != e->net.family ||
				 !in_prefix(&e->net, &st[depth - 1].o[0]->net)))
			depth--;
		const struct onet *other = NULL;
		for (size_t d = depth; d-- > 0 && !other;)
			for (int j = 0; j < 2 && !other; j++)
				if (st[d].o[j] && st[d].o[j]->dev != e->dev)
					other = st[d].o[j];
		if (other) {
			/* said at the later of the two, as the file reads */
			const struct onet *late = other->seq > e->seq ? other : e;
			const struct onet *early = late == e ? other : e;
			char b[64], b2[64];
			vl_prefix_format(&late->a->p, b, sizeof(b), true);
			vl_prefix_format(&early->a->p, b2, sizeof(b2), true);
			vl_warn(v->d, &late->a->loc, NULL,
				"%s: %s overlaps %s on %s %s (line %d); routing between them is ambiguous",
				dev_name(n, late->dev), b, b2, n->name, dev_name(n, early->dev),
				early->a->loc.line);
		}
		struct ostack *top = depth ? &st[depth - 1] : NULL;
		if (top && top->o[0]->net.len == e->net.len) {
			/* the same range: remember a second interface holding it */
			if (!top->o[1] && top->o[0]->dev != e->dev)
				top->o[1] = e;
		} else if (depth < VL_ARRAY_SIZE(st)) {
			st[depth].o[0] = e;
			st[depth++].o[1] = NULL;
		}
	}
	free(o);
}

static void addresses(struct vctx *v)
{
	struct vl_topology *t = v->t;
	char b[64];

	for (size_t i = 0; i < t->nnodes; i++) {
		struct vl_node *n = &t->nodes[i];
		for (size_t j = 0; j < n->nnics; j++)
			for (size_t k = 0; k < n->nics[j].naddrs; k++)
				add_static(v, i, j, n->nics[j].link_idx >= 0 ? NULL : "nic",
					   &n->nics[j].addrs[k]);
		for (size_t j = 0; j < n->nsubs; j++)
			for (size_t k = 0; k < n->subs[j].naddrs; k++)
				add_static(v, i, n->nnics + j, "sub", &n->subs[j].addrs[k]);
	}

	struct alloc *al4 = xcalloc(t->nswitches ? t->nswitches : 1, sizeof(*al4));
	struct alloc *al6 = xcalloc(t->nswitches ? t->nswitches : 1, sizeof(*al6));
	for (size_t i = 0; i < t->nswitches; i++) {
		alloc_init(&t->switches[i].subnet, &al4[i]);
		alloc_init(&t->switches[i].subnet6, &al6[i]);
	}
	for (size_t i = 0; i < t->nnodes; i++) {
		struct vl_node *n = &t->nodes[i];
		for (size_t j = 0; j < n->nnics; j++) {
			struct vl_nic *c = &n->nics[j];
			for (size_t k = 0; k < c->naddrs; k++) {
				struct vl_addr *a = &c->addrs[k];
				bool six = a->p.family == AF_INET6;
				if (!a->is_auto || !a->p.family)
					continue;
				if (c->sw_idx < 0) {
					a->p.family = 0; /* unknown switch: reported */
					continue;
				}
				struct vl_switch *s = &t->switches[c->sw_idx];
				const struct vl_prefix *net = six ? &s->subnet6 : &s->subnet;
				struct alloc *al = six ? &al6[c->sw_idx] : &al4[c->sw_idx];
				if (six && !t->lab.ipv6) {
					vl_err(v->d, &a->loc, "nic", "%s: auto6, but the lab has ipv6 = off",
					       c->name);
					a->p.family = 0;
					continue;
				}
				if (!net->family) {
					vl_err(v->d, &a->loc, "nic",
					       "%s: %s needs a subnet on switch %s (e.g. %s)", c->name,
					       six ? "auto6" : "auto", s->name,
					       six ? "subnet6 = fd00:1::/64" : "subnet = 10.0.1.0/24");
					a->p.family = 0;
					continue;
				}
				int plen = net->len, scope = addr_scope(v->seg, i, j);
				if (!alloc_next(v, net, al, scope, &a->p)) {
					vl_prefix_format(net, b, sizeof(b), true);
					vl_err(v->d, &a->loc, "nic",
					       "%s: subnet %s of switch %s has no free address left for %s",
					       c->name, b, s->name, six ? "auto6" : "auto");
					a->p.family = 0;
					continue;
				}
				a->p.len = plen;
				struct aent e = {&a->p, scope, n->name, c->name, a->loc.line,
						 v->seg->ifseg[i][j], NULL, NULL, 0};
				aset_add(&v->addrs, &e);
				e.scope = (int)i;
				aset_add(&v->node_addrs, &e);
				where_add(v, &e);
			}
		}
	}
	free(al4);
	free(al6);

	for (size_t i = 0; i < t->nnodes; i++)
		node_overlaps(v, &t->nodes[i]);
}

/* ---- gateways, routes, nat ---------------------------------------------- */

/* Is `a` inside a subnet of the node's interfaces? `dev` restricts it to
 * one interface when not NULL. */
static bool on_link(const struct vl_node *n, const struct vl_prefix *a, const char *dev)
{
	for (size_t x = 0; x < n->nnics + n->nsubs; x++) {
		const struct vl_addr *av = x < n->nnics ? n->nics[x].addrs : n->subs[x - n->nnics].addrs;
		size_t na = x < n->nnics ? n->nics[x].naddrs : n->subs[x - n->nnics].naddrs;
		const char *d = x < n->nnics ? n->nics[x].name : n->subs[x - n->nnics].name;
		if (dev && strcmp(dev, d))
			continue;
		for (size_t i = 0; i < na; i++)
			if (av[i].p.family && in_prefix(a, &av[i].p))
				return true;
	}
	return false;
}

static bool own_addr(const struct vl_node *n, const struct vl_prefix *a)
{
	for (size_t x = 0; x < n->nnics + n->nsubs; x++) {
		const struct vl_addr *av = x < n->nnics ? n->nics[x].addrs : n->subs[x - n->nnics].addrs;
		size_t na = x < n->nnics ? n->nics[x].naddrs : n->subs[x - n->nnics].naddrs;
		for (size_t i = 0; i < na; i++)
			if (same_addr(a, &av[i].p))
				return true;
	}
	return false;
}

/* "10.0.1.0/24, 10.0.2.0/24" or "web1 has no IPv4 address" */
static char *local_subnets(const struct vl_node *n, int family)
{
	struct vl_buf b = {0};
	vl_buf_add(&b, "");
	for (size_t x = 0; x < n->nnics + n->nsubs; x++) {
		const struct vl_addr *av = x < n->nnics ? n->nics[x].addrs : n->subs[x - n->nnics].addrs;
		size_t na = x < n->nnics ? n->nics[x].naddrs : n->subs[x - n->nnics].naddrs;
		for (size_t i = 0; i < na; i++) {
			if (av[i].p.family != family)
				continue;
			struct vl_prefix net = av[i].p;
			int full = net.len / 8, rest = net.len % 8;
			if (rest)
				net.addr[full++] &= (uint8_t)(0xff << (8 - rest));
			memset(net.addr + full, 0, (size_t)(16 - full));
			char s[64];
			vl_prefix_format(&net, s, sizeof(s), true);
			if (b.len)
				vl_buf_add(&b, ", ");
			vl_buf_add(&b, s);
		}
	}
	if (!b.len)
		vl_buf_printf(&b, "%s has no %s address", n->name, family == AF_INET ? "IPv4" : "IPv6");
	return b.s;
}

static bool is_dev(const struct vl_node *n, const char *dev)
{
	if (vl_find_nic(n, dev) >= 0)
		return true;
	for (size_t i = 0; i < n->nsubs; i++)
		if (!strcmp(n->subs[i].name, dev))
			return true;
	return false;
}

static void routes(struct vctx *v)
{
	struct vl_topology *t = v->t;
	char b[64];
	for (size_t i = 0; i < t->nnodes; i++) {
		struct vl_node *n = &t->nodes[i];
		struct vl_strmap dsts = {0};
		struct vl_strv dkeys = {0};
		for (size_t j = 0; j < n->nroutes; j++) {
			struct vl_route *r = &n->routes[j];
			if (r->dev && !is_dev(n, r->dev))
				vl_err(v->d, &r->loc, "route", "dev %s is not an interface of %s", r->dev,
				       n->name);
			if (r->via.family && !on_link(n, &r->via, r->dev && is_dev(n, r->dev) ? r->dev : NULL)) {
				char *subs = local_subnets(n, r->via.family);
				fmt_addr(&r->via, b, sizeof(b));
				vl_err(v->d, &r->loc, "route",
				       "via %s is not on a local subnet of %s (%s): the kernel refuses such a "
				       "route (Network unreachable); use a gateway on one of those subnets",
				       b, n->name, subs);
				free(subs);
			} else if (r->via.family && own_addr(n, &r->via)) {
				fmt_addr(&r->via, b, sizeof(b));
				vl_err(v->d, &r->loc, "route",
				       "via %s is %s's own address: the kernel refuses it as a gateway; "
				       "give a neighbour's address", b, n->name);
			}
			if (n->nroutes > 1) {
				char d[64];
				vl_prefix_format(&r->dst, d, sizeof(d), true);
				vl_strv_push(&dkeys, d);
				int f = vl_strmap_add(&dsts, dkeys.v[dkeys.n - 1], (int)j);
				if (f >= 0)
					vl_err(v->d, &r->loc, "route",
					       "a route to %s is already given at line %d: the kernel keeps one "
					       "route per destination; keep one of them", d,
					       n->routes[f].loc.line);
			}
			if (r->dst.family == AF_INET6 && !t->lab.ipv6)
				vl_err(v->d, &r->loc, "route", "IPv6 route, but the lab has ipv6 = off");
		}
		vl_strmap_free(&dsts);
		vl_strv_free(&dkeys);
		for (int six = 0; six < 2; six++) {
			struct vl_prefix *gw = six ? &n->gateway6 : &n->gateway;
			struct vl_loc *gl = six ? &n->gateway6_loc : &n->gateway_loc;
			const char *key = six ? "gateway6" : "gateway";
			if (!gw->family)
				continue;
			fmt_addr(gw, b, sizeof(b));
			if (six && !t->lab.ipv6) {
				vl_err(v->d, gl, key, "IPv6 gateway, but the lab has ipv6 = off");
				continue;
			}
			if (own_addr(n, gw)) {
				vl_err(v->d, gl, key, "gateway %s is %s's own address", b, n->name);
				continue;
			}
			if (!on_link(n, gw, NULL)) {
				char *subs = local_subnets(n, gw->family);
				vl_err(v->d, gl, key, "gateway %s is not on a local subnet of %s (%s)", b,
				       n->name, subs);
				free(subs);
				continue;
			}
			bool dup = false;
			for (size_t j = 0; j < n->nroutes; j++) {
				struct vl_route *r = &n->routes[j];
				if (r->dst.len == 0 && r->dst.family == gw->family) {
					vl_err(v->d, gl, key,
					       "%s gives a default route, and so does route = at line %d; keep one",
					       key, r->loc.line);
					dup = true;
					break;
				}
			}
			if (dup)
				continue;
			struct vl_route *r = VL_PUSH(n->routes, n->nroutes, n->routes_cap);
			r->dst.family = gw->family;
			r->dst.len = 0;
			r->via = *gw;
			r->loc = *gl;
		}
		if (n->nat && !is_dev(n, n->nat))
			vl_err(v->d, &n->nat_loc, "nat", "%s has no NIC %s to masquerade through",
			       n->name, n->nat);
	}
}

/* ---- overlays ----------------------------------------------------------- */

int vl_overlay_overhead(enum vl_overlay_type type, int family)
{
	/* VXLAN and Geneve (without options): outer IP, UDP 8, header 8,
	 * inner Ethernet 14. NVGRE (gretap): outer IP, GRE with key 8, inner
	 * Ethernet 14. */
	if (type == VL_OVERLAY_NVGRE)
		return family == AF_INET6 ? 62 : 42;
	return family == AF_INET6 ? 70 : 50;
}

/* The address a host uses as VTEP source: the first IPv4 of the NIC, else
 * its first IPv6. */
static const struct vl_prefix *nic_vtep_addr(const struct vl_nic *c)
{
	for (size_t i = 0; i < c->naddrs; i++)
		if (c->addrs[i].p.family == AF_INET)
			return &c->addrs[i].p;
	for (size_t i = 0; i < c->naddrs; i++)
		if (c->addrs[i].p.family == AF_INET6)
			return &c->addrs[i].p;
	return NULL;
}

static void overlay_endpoints(struct vctx *v, struct vl_overlay *o)
{
	struct vl_topology *t = v->t;
	size_t ns = o->nswitches;

	o->sw_idx = xcalloc(ns ? ns : 1, sizeof(int));
	o->host_idx = xcalloc(ns ? ns : 1, sizeof(int));
	o->underlay_nic = xcalloc(ns ? ns : 1, sizeof(int));
	o->local = xcalloc(ns ? ns : 1, sizeof(struct vl_prefix));
	if (o->type == VL_OVERLAY_NVGRE && o->port)
		vl_err(v->d, &o->loc, "port", "NVGRE is carried by GRE, which has no ports; drop port =");
	if (o->type == VL_OVERLAY_NVGRE && o->group.family)
		vl_err(v->d, &o->group_loc, "group",
		       "nvgre has no multicast mode; drop group = (vlab gives each remote its own gretap)");
	if (!o->port && o->type != VL_OVERLAY_NVGRE)
		o->port = o->type == VL_OVERLAY_GENEVE ? 6081 : 4789;
	if (ns < 2 && ns > 0)
		vl_err(v->d, &o->switches_loc, "switches",
		       "an overlay joins at least two vSwitches on different hosts (only %s given)",
		       o->switches[0]);
	if (o->type == VL_OVERLAY_GENEVE && o->group.family)
		vl_err(v->d, &o->group_loc, "group",
		       "geneve has no multicast mode; drop group = (vlab replicates to each remote)");

	for (size_t i = 0; i < ns; i++) {
		o->sw_idx[i] = o->host_idx[i] = o->underlay_nic[i] = -1;
		int s = vl_strmap_get(&v->switches, o->switches[i]);
		if (s < 0) {
			unknown(v, &o->switches_loc, "switches", "switch", o->switches[i], &v->switches);
			continue;
		}
		o->sw_idx[i] = s;
		struct vl_switch *sw = &t->switches[s];
		if (!sw->host) {
			vl_err(v->d, &o->switches_loc, "switches",
			       "%s is a physical switch; an overlay joins vSwitches (a [switch] with host =)",
			       sw->name);
			continue;
		}
		for (size_t j = 0; j < i; j++)
			if (o->sw_idx[j] == s) {
				vl_err(v->d, &o->switches_loc, "switches", "%s is listed twice", sw->name);
				s = -1;
				break;
			} else if (o->sw_idx[j] >= 0 && t->switches[o->sw_idx[j]].host &&
				   !strcmp(t->switches[o->sw_idx[j]].host, sw->host)) {
				vl_err(v->d, &o->switches_loc, "switches",
				       "%s and %s are both on %s; an overlay joins switches on different hosts",
				       t->switches[o->sw_idx[j]].name, sw->name, sw->host);
				s = -1;
				break;
			}
		if (s < 0 || sw->host_idx < 0)
			continue;
		if (o->vlan) {
			if (sw->vlan_filtering == 0)
				vl_err(v->d, &o->vlan_loc, "vlan",
				       "switch %s has vlan_filtering = off, so VLAN %d cannot be carried over the VNI",
				       sw->name, o->vlan);
			else if (!v->sw_vlans[s]) {
				v->sw_vlans[s] = true;
				v->sw_vlan_line[s] = o->loc.line;
				v->sw_vlan_what[s] = o->name;
			}
		}
		int h = sw->host_idx;
		struct vl_node *host = &t->nodes[h];
		o->host_idx[i] = h;
		int u = -1;
		if (o->underlay) {
			u = vl_find_nic(host, o->underlay);
			if (u < 0) {
				vl_err(v->d, &o->underlay_loc, "underlay", "%s has no NIC %s", host->name, o->underlay);
				continue;
			}
		} else {
			for (size_t j = 0; j < host->nnics && u < 0; j++)
				if (nic_vtep_addr(&host->nics[j]))
					u = (int)j;
		}
		const struct vl_prefix *a = u >= 0 ? nic_vtep_addr(&host->nics[u]) : NULL;
		if (!a) {
			if (u >= 0)
				vl_err(v->d, &o->underlay_loc, "underlay",
				       "%s %s has no address to use as the VTEP source", host->name,
				       host->nics[u].name);
			else
				vl_err(v->d, &o->underlay_loc, "underlay",
				       "%s has no NIC with an address to use as the VTEP source (give it nic = eth0 SWITCH ADDR)",
				       host->name);
			continue;
		}
		if (o->type == VL_OVERLAY_NVGRE && a->family != AF_INET) {
			vl_err(v->d, &o->underlay_loc, "underlay",
			       "%s's underlay address is IPv6; vlab builds NVGRE as gretap over IPv4 only "
			       "(give %s %s an IPv4 address)", host->name, host->name, host->nics[u].name);
			continue;
		}
		o->underlay_nic[i] = u;
		o->local[i] = *a;
		o->local[i].len = a->family == AF_INET ? 32 : 128;
		if (o->group.family && o->group.family != a->family)
			vl_err(v->d, &o->group_loc, "group",
			       "group is %s but %s's underlay address is %s",
			       o->group.family == AF_INET ? "IPv4" : "IPv6", host->name,
			       a->family == AF_INET ? "IPv4" : "IPv6");
	}
}

/* Does a NIC plugged into switch s belong to the overlay's segment? */
static bool in_segment(const struct vl_overlay *o, const struct vl_nic *c)
{
	return !o->vlan || nic_uses_vlan(c, o->vlan);
}

static void overlay_mtu(struct vctx *v, struct vl_overlay *o)
{
	struct vl_topology *t = v->t;
	int seg = 0, budget = 0, ov = 0, umtu = 0, fam = 0;
	const char *uname = NULL, *hname = NULL;

	/* the tightest underlay */
	for (size_t i = 0; i < o->nswitches; i++) {
		if (o->underlay_nic[i] < 0)
			continue;
		const struct vl_nic *u = &t->nodes[o->host_idx[i]].nics[o->underlay_nic[i]];
		int oh = vl_overlay_overhead(o->type, o->local[i].family);
		if (!uname || u->mtu - oh < budget) {
			budget = u->mtu - oh;
			ov = oh;
			umtu = u->mtu;
			fam = o->local[i].family;
			uname = u->name;
			hname = t->nodes[o->host_idx[i]].name;
		}
	}
	if (!uname)
		return;
	/* the segment's MTU: the largest of its NICs */
	for (size_t i = 0; i < t->nnodes; i++)
		for (size_t j = 0; j < t->nodes[i].nnics; j++) {
			const struct vl_nic *c = &t->nodes[i].nics[j];
			for (size_t k = 0; k < o->nswitches; k++)
				if (c->sw_idx >= 0 && c->sw_idx == o->sw_idx[k] && in_segment(o, c) &&
				    c->mtu > seg)
					seg = c->mtu;
		}
	if (!seg)
		seg = t->lab.mtu;
	o->mtu = seg;
	if (seg <= budget)
		return;

	char *head = xasprintf(
		"underlay %s of %s has MTU %d, %s over %s adds %d bytes, so the segment MTU must be <= %d (it is %d)",
		uname, hname, umtu, vl_overlay_type_name(o->type),
		fam == AF_INET ? "IPv4" : "IPv6", ov, budget, seg);
	struct vl_loc loc = o->mtu_loc.line != o->loc.line ? o->mtu_loc : o->underlay_loc;
	if (budget < 68) {
		vl_err(v->d, &loc, "mtu", "%s; that is below the minimum of 68 (raise the underlay MTU)",
		       head);
	} else if (o->mtu_policy == VL_MTU_STRICT) {
		vl_err(v->d, &loc, "mtu",
		       "%s (set mtu = %d or more on the underlay NICs, mtu = %d on the segment, or mtu = fix on the overlay to lower it)",
		       head, seg + ov, budget);
	} else if (o->mtu_policy == VL_MTU_IGNORE) {
		vl_warn(v->d, &loc, "mtu",
			"%s; keeping it because mtu = ignore: packets larger than %d bytes will not cross",
			head, budget);
	} else {
		vl_warn(v->d, &loc, "mtu",
			"%s; lowering it to %d (set mtu = %d on the underlay NICs, or mtu = strict to refuse)",
			head, budget, seg + ov);
		o->mtu = budget;
		for (size_t i = 0; i < t->nnodes; i++)
			for (size_t j = 0; j < t->nodes[i].nnics; j++) {
				struct vl_nic *c = &t->nodes[i].nics[j];
				for (size_t k = 0; k < o->nswitches; k++)
					if (c->sw_idx >= 0 && c->sw_idx == o->sw_idx[k] &&
					    in_segment(o, c) && c->mtu > budget)
						c->mtu = budget;
			}
		for (size_t k = 0; k < o->nswitches; k++)
			if (o->sw_idx[k] >= 0 && !o->vlan && t->switches[o->sw_idx[k]].mtu > budget)
				t->switches[o->sw_idx[k]].mtu = budget;
	}
	free(head);
}

static void overlays(struct vctx *v)
{
	struct vl_topology *t = v->t;
	for (size_t i = 0; i < t->noverlays; i++) {
		struct vl_overlay *o = &t->overlays[i];
		for (size_t j = 0; j < i; j++)
			if (t->overlays[j].type == o->type && t->overlays[j].vni == o->vni) {
				vl_err(v->d, &o->vni_loc, "vni",
				       "%s VNI %u is already used by overlay %s (line %d)",
				       vl_overlay_type_name(o->type), o->vni,
				       t->overlays[j].name, t->overlays[j].loc.line);
				break;
			}
		overlay_endpoints(v, o);
		overlay_mtu(v, o);
	}
}

static void vlan_filtering(struct vctx *v)
{
	struct vl_topology *t = v->t;
	for (size_t i = 0; i < t->nswitches; i++) {
		struct vl_switch *s = &t->switches[i];
		if (s->vlan_filtering < 0)
			s->vlan_filtering = v->sw_vlans[i];
		else if (!s->vlan_filtering && v->sw_vlans[i] && v->sw_vlan_line[i] != 0) {
			/* overlays report their own conflict; this catches ports */
			bool from_overlay = false;
			for (size_t j = 0; j < t->noverlays; j++)
				if (t->overlays[j].loc.line == v->sw_vlan_line[i] &&
				    !strcmp(t->overlays[j].name, v->sw_vlan_what[i]))
					from_overlay = true;
			if (!from_overlay)
				vl_err(v->d, &s->loc, "vlan_filtering",
				       "switch %s has vlan_filtering = off, but its port %s (line %d) uses VLANs",
				       s->name, v->sw_vlan_what[i], v->sw_vlan_line[i]);
		}
	}
}

/* ---- what the kernel accepts but the lab would not survive ------------- */

/* Where a NIC's burst came from: its [shaper] profile or its own line. */
static char *burst_origin(const struct vl_topology *t, const struct vl_nic *c, bool in)
{
	const struct vl_shape *sh = in ? &c->in : &c->out;
	const char *prof = in ? c->in_shaper : c->shaper;
	for (size_t i = 0; prof && i < t->nshapers; i++) {
		const struct vl_shaper *p = &t->shapers[i];
		if (!strcmp(p->name, prof) && (p->shape.given & VL_SHAPE_BURST) &&
		    p->shape.burst_bytes == sh->burst_bytes)
			return xasprintf("from [shaper %s] at line %d", prof, p->loc.line);
	}
	return xasprintf("line %d", c->loc.line);
}

/* A tbf bucket smaller than a full frame: the kernel only logs it, and
 * every full-size packet that is not segmented is dropped. */
static void burst_vs_mtu(struct vctx *v)
{
	struct vl_topology *t = v->t;
	for (size_t i = 0; i < t->nnodes; i++) {
		const struct vl_node *n = &t->nodes[i];
		for (size_t j = 0; j < n->nnics; j++) {
			const struct vl_nic *c = &n->nics[j];
			for (int in = 0; in < 2; in++) {
				const struct vl_shape *sh = in ? &c->in : &c->out;
				if (!sh->rate_bps || !sh->burst_bytes ||
				    sh->burst_bytes >= (uint32_t)c->mtu + 14)
					continue;
				char *o = burst_origin(t, c, in);
				vl_warn(v->d, &c->loc, c->link_idx >= 0 ? NULL : "nic",
					"%s: %sburst %u bytes (%s) is smaller than a full frame of %s %s "
					"(MTU %d + 14 = %d bytes, line %d): tbf drops every such packet; "
					"give %sburst = %d or more", c->name, in ? "in_" : "",
					sh->burst_bytes, o, n->name, c->name, c->mtu, c->mtu + 14,
					c->loc.line, in ? "in_" : "", c->mtu + 14);
				free(o);
			}
		}
	}
}

/* The two ends of a cable with different MTUs: the larger side's full
 * packets are dropped by the smaller. */
static void link_mtus(struct vctx *v)
{
	struct vl_topology *t = v->t;
	for (size_t i = 0; i < t->nlinks; i++) {
		const struct vl_link *l = &t->links[i];
		if (l->nic_idx[0] < 0 || l->nic_idx[1] < 0)
			continue;
		const struct vl_nic *a = &t->nodes[l->node_idx[0]].nics[l->nic_idx[0]];
		const struct vl_nic *b = &t->nodes[l->node_idx[1]].nics[l->nic_idx[1]];
		if (a->mtu == b->mtu)
			continue;
		const struct vl_nic *big = a->mtu > b->mtu ? a : b, *small = big == a ? b : a;
		int bi = big == a ? 0 : 1;
		vl_warn(v->d, &l->end_loc[!bi], bi ? "a" : "b",
			"%s %s has MTU %d but the other end %s %s has MTU %d (line %d): packets "
			"larger than %d from %s are dropped; give both ends the same mtu=",
			l->node[!bi], small->name, small->mtu, l->node[bi], big->name, big->mtu,
			l->end_loc[bi].line, small->mtu, l->node[bi]);
	}
}

/* The same MAC twice on one L2 segment (overlays join segments): the
 * bridges' forwarding tables flap between the two ports. */
static void dup_macs(struct vctx *v)
{
	struct vl_topology *t = v->t;
	struct vl_strmap seen = {0};
	struct vl_strv keys = {0};
	struct vl_strv where = {0};
	for (size_t i = 0; i < t->nnodes; i++) {
		const struct vl_node *n = &t->nodes[i];
		for (size_t j = 0; j < n->nnics; j++) {
			const struct vl_nic *c = &n->nics[j];
			int sg = v->seg->ifseg[i][j];
			if (sg < 0 || !c->mac_set)
				continue;
			/* a NIC's MAC is on every VLAN of its port: key by the port's
			 * untagged segment, joined by overlays */
			char *k = xasprintf("%d/%02x%02x%02x%02x%02x%02x", uf_find(v->seg->l2, sg),
					    c->mac[0], c->mac[1], c->mac[2], c->mac[3], c->mac[4], c->mac[5]);
			vl_strv_push(&keys, k);
			free(k);
			int f = vl_strmap_add(&seen, keys.v[keys.n - 1], (int)where.n);
			if (f >= 0) {
				vl_warn(v->d, &c->loc, c->link_idx >= 0 ? NULL : "nic",
					"%s: MAC %02x:%02x:%02x:%02x:%02x:%02x is also %s, on the same segment: "
					"switches will send each one's frames to the other; give one another mac=",
					c->name, c->mac[0], c->mac[1], c->mac[2], c->mac[3], c->mac[4],
					c->mac[5], where.v[f]);
			}
			char *w = xasprintf("%s %s's (line %d)", n->name, c->name, c->loc.line);
			vl_strv_push(&where, w);
			free(w);
		}
	}
	vl_strmap_free(&seen);
	vl_strv_free(&keys);
	vl_strv_free(&where);
}

/* ---- mirrors and tests -------------------------------------------------- */

static int nic_ref(struct vctx *v, const struct vl_loc *loc, const char *key, const char *node,
		   const char *nic, int *nic_idx)
{
	*nic_idx = -1;
	int n = node_ref(v, loc, key, node, "a mirror names a node's NIC plugged into the switch (NODE:IFNAME)");
	if (n < 0)
		return -1;
	*nic_idx = vl_find_nic(&v->t->nodes[n], nic);
	if (*nic_idx < 0)
		vl_err(v->d, loc, key, "%s has no NIC %s", node, nic);
	return n;
}

static void mirrors(struct vctx *v)
{
	struct vl_topology *t = v->t;
	for (size_t i = 0; i < t->nmirrors; i++) {
		struct vl_mirror *m = &t->mirrors[i];
		if (!m->src_node || !m->dst_node)
			continue;
		m->src_node_idx = nic_ref(v, &m->loc, "port", m->src_node, m->src_nic, &m->src_nic_idx);
		m->dst_node_idx = nic_ref(v, &m->loc, "to", m->dst_node, m->dst_nic, &m->dst_nic_idx);
		if (m->src_nic_idx < 0 || m->dst_nic_idx < 0)
			continue;
		const struct vl_nic *a = &t->nodes[m->src_node_idx].nics[m->src_nic_idx];
		const struct vl_nic *b = &t->nodes[m->dst_node_idx].nics[m->dst_nic_idx];
		if (m->src_node_idx == m->dst_node_idx && m->src_nic_idx == m->dst_nic_idx) {
			vl_err(v->d, &m->loc, "to", "%s:%s is the watched port itself", m->dst_node,
			       m->dst_nic);
			continue;
		}
		if (!a->sw || !b->sw) {
			vl_err(v->d, &m->loc, a->sw ? "to" : "port",
			       "%s:%s is a [link] end, not a switch port", a->sw ? m->dst_node : m->src_node,
			       a->sw ? m->dst_nic : m->src_nic);
			continue;
		}
		if (a->sw_idx >= 0 && b->sw_idx >= 0 && a->sw_idx != b->sw_idx)
			vl_err(v->d, &m->loc, "to",
			       "%s:%s is on switch %s but %s:%s is on %s; a mirror copies within one switch",
			       m->dst_node, m->dst_nic, b->sw, m->src_node, m->src_nic, a->sw);
	}
}

/* ---- tests: endpoints and what check can judge -------------------------- */

/* The first address of interface x, IPv4 before IPv6; false when none. */
static bool if_first_addr(const struct vl_node *n, size_t x, struct vl_prefix *out)
{
	size_t na;
	const struct vl_addr *a = if_addrs(n, x, &na);
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < na; i++)
			if (a[i].p.family == (pass ? AF_INET6 : AF_INET)) {
				*out = a[i].p;
				out->len = pass ? 128 : 32;
				return true;
			}
	return false;
}

static bool has_family(const struct vl_node *n, int family)
{
	for (size_t x = 0; x < n_ifs(n); x++) {
		size_t na;
		const struct vl_addr *a = if_addrs(n, x, &na);
		for (size_t i = 0; i < na; i++)
			if (a[i].p.family == family)
				return true;
	}
	return false;
}

/* What each endpoint of an assertion may be. */
enum ep_role {
	EP_PEER,     /* reach/isolate: a lab node with an address */
	EP_SRC,      /* sends the traffic: a lab node with an address */
	EP_DST,      /* mtu/path target: also any address outside the lab */
	EP_NODE_DST, /* tcp/udp/latency/rate/loss target: a lab node with an address */
	EP_HOP,      /* path hop: a node (no NODE:IF) */
	EP_IF,       /* mac: NODE:IF */
	EP_NODE,     /* cmd: a node name */
};

static enum ep_role ep_role(enum vl_assert_kind k, size_t i)
{
	switch (k) {
	case VL_ASSERT_REACH:
	case VL_ASSERT_ISOLATE:
		return EP_PEER;
	case VL_ASSERT_MTU:
		return i ? EP_DST : EP_SRC;
	case VL_ASSERT_ROUTE:
		return i == 0 ? EP_SRC : i == 1 ? EP_DST : EP_HOP;
	case VL_ASSERT_MAC:
		return EP_IF;
	case VL_ASSERT_CMD:
		return EP_NODE;
	default:
		return i ? EP_NODE_DST : EP_SRC;
	}
}

/* Resolve a->args[i] into a->ep[i] (see struct vl_endpoint); *ifx is the
 * interface used (index as in if_name), -1 when none. */
static bool resolve_ep(struct vctx *v, struct vl_assert *a, size_t i, int *ifx)
{
	struct vl_topology *t = v->t;
	const char *w = a->args[i], *key = vl_assert_key(a->kind);
	enum ep_role role = ep_role(a->kind, i);
	struct vl_endpoint *ep = &a->ep[i];
	struct vl_prefix p;

	ep->node_idx = ep->nic_idx = *ifx = -1;
	if (role != EP_IF && role != EP_NODE && vl_prefix_parse(w, &p, false) == 0) {
		p.len = p.family == AF_INET ? 32 : 128;
		ep->addr = p;
		const struct aent *e = aset_get(&v->where, 0, &p);
		if (e && e->node2) {
			vl_err(v->d, &a->loc, key,
			       "%s is ambiguous: %s %s (line %d) and %s %s (line %d) both have it (on "
			       "different segments); name the node instead (%s or %s)",
			       w, e->node, e->dev, e->line, e->node2, e->dev2, e->line2, e->node,
			       e->node2);
			return false;
		}
		if (e) {
			ep->node_idx = vl_strmap_get(&v->nodes, e->node);
			if (ep->node_idx >= 0) {
				*ifx = if_find(&t->nodes[ep->node_idx], e->dev);
				ep->nic_idx = if_nic(&t->nodes[ep->node_idx], *ifx);
			}
			return true;
		}
		if (role == EP_DST)
			return true;
		vl_err(v->d, &a->loc, key,
		       "%s is not an address of any node in the lab; here %s needs a lab node (an outside address may only be the target B of mtu or path)",
		       w, key);
		return false;
	}

	const char *colon = strchr(w, ':');
	char *node = colon ? xstrndup(w, (size_t)(colon - w)) : xstrdup(w);
	bool ok = false;
	int n = node_ref(v, &a->loc, key, node,
			 "a test endpoint is a node (host, vm or router), NODE:IFNAME or an address");
	if (n < 0)
		goto out;
	const struct vl_node *nd = &t->nodes[n];
	ep->node_idx = n;
	if (colon) {
		if (role == EP_HOP) {
			vl_err(v->d, &a->loc, key, "the hop is a node, not %s", w);
			goto out;
		}
		*ifx = if_find(nd, colon + 1);
		if (*ifx < 0) {
			vl_err(v->d, &a->loc, key, "%s has no NIC %s", node, colon + 1);
			goto out;
		}
		if_first_addr(nd, (size_t)*ifx, &ep->addr);
	} else {
		for (size_t x = 0; x < n_ifs(nd) && *ifx < 0; x++)
			if (if_first_addr(nd, x, &ep->addr))
				*ifx = (int)x;
	}
	ep->nic_idx = if_nic(nd, *ifx);
	ok = true;
	if (role != EP_IF && role != EP_NODE && !ep->addr.family) {
		vl_err(v->d, &a->loc, key,
		       "%s has no address to test with; give %s an address (e.g. nic = eth0 SWITCH auto) or name one that has",
		       w, colon ? w : nd->name);
		ok = false;
	}
out:
	free(node);
	return ok;
}

static void warn_no_path(struct vctx *v, struct l3map *g, const struct vl_assert *a,
			 size_t i, size_t j)
{
	const struct vl_topology *t = v->t;
	int na = a->ep[i].node_idx, nb = a->ep[j].node_idx;
	if (na < 0 || nb < 0 || l3_possible(t, g, na, nb))
		return;
	char *wa = l3_where(t, g, na), *wb = l3_where(t, g, nb);
	vl_warn(v->d, &a->loc, vl_assert_key(a->kind),
		"%s and %s have no possible L3 path: %s is on %s, %s on %s; no switch, VLAN, link or overlay is shared, and no forwarding node (router) joins them",
		a->args[i], a->args[j], t->nodes[na].name, wa, t->nodes[nb].name, wb);
	free(wa);
	free(wb);
}

/* Traffic from ep i to ep j needs a source address of j's family. */
static void check_family(struct vctx *v, const struct vl_assert *a, size_t i, size_t j)
{
	const struct vl_endpoint *s = &a->ep[i], *d = &a->ep[j];
	if (s->node_idx < 0 || !d->addr.family || !s->addr.family ||
	    has_family(&v->t->nodes[s->node_idx], d->addr.family))
		return;
	char b[64], alt[64] = "";
	fmt_addr(&d->addr, b, sizeof(b));
	if (d->node_idx >= 0) {
		/* an address of the target that the source can reach */
		const struct vl_node *n = &v->t->nodes[d->node_idx];
		for (size_t x = 0; x < n_ifs(n) && !alt[0]; x++) {
			size_t na;
			const struct vl_addr *ad = if_addrs(n, x, &na);
			for (size_t k = 0; k < na && !alt[0]; k++)
				if (ad[k].p.family && ad[k].p.family != d->addr.family &&
				    has_family(&v->t->nodes[s->node_idx], ad[k].p.family))
					fmt_addr(&ad[k].p, alt, sizeof(alt));
		}
	}
	if (alt[0])
		vl_err(v->d, &a->loc, vl_assert_key(a->kind),
		       "%s has no %s address to reach %s (%s) from; write %s's address %s instead of %s",
		       a->args[i], d->addr.family == AF_INET6 ? "IPv6" : "IPv4", a->args[j], b,
		       v->t->nodes[d->node_idx].name, alt, a->args[j]);
	else
		vl_err(v->d, &a->loc, vl_assert_key(a->kind),
		       "%s has no %s address to reach %s (%s) from, and no address of another family to use",
		       a->args[i], d->addr.family == AF_INET6 ? "IPv6" : "IPv4", a->args[j], b);
}

static void check_mtu(struct vctx *v, const struct vl_assert *a, const int *ifx)
{
	for (size_t i = 0; i < 2; i++) {
		const struct vl_endpoint *e = &a->ep[i];
		if (e->node_idx < 0 || ifx[i] < 0)
			continue;
		const struct vl_node *n = &v->t->nodes[e->node_idx];
		int m = if_mtu(n, (size_t)ifx[i]);
		if (m && a->mtu > m)
			vl_err(v->d, &a->loc, "mtu",
			       "%d is larger than the MTU of %s %s (%d): a packet of that size cannot %s %s at all; assert at most %d",
			       a->mtu, n->name, if_name(n, (size_t)ifx[i]), m, i ? "arrive at" : "leave",
			       n->name, m);
	}
}

static void check_mac(struct vctx *v, const struct vl_assert *a)
{
	const struct vl_endpoint *e = &a->ep[0];
	if (e->node_idx < 0 || e->nic_idx < 0)
		return;
	const struct vl_nic *c = &v->t->nodes[e->node_idx].nics[e->nic_idx];
	if (!c->mac_set || !memcmp(c->mac, a->mac, 6))
		return;
	vl_warn(v->d, &a->loc, "mac",
		"%s gets the MAC %02x:%02x:%02x:%02x:%02x:%02x in this lab (%s), so this assertion will fail unless something changes it",
		a->args[0], c->mac[0], c->mac[1], c->mac[2], c->mac[3], c->mac[4], c->mac[5],
		"set by mac= or derived by vlab");
}

/* "0/10.0.1.1 3/10.0.1.2" (node index and address: tenants may share
 * addresses), smaller first: one key per unordered pair. */
static char *pair_key(const struct vl_endpoint *x, const struct vl_endpoint *y)
{
	char a[64], b[64], ka[80], kb[80];
	fmt_addr(&x->addr, a, sizeof(a));
	fmt_addr(&y->addr, b, sizeof(b));
	snprintf(ka, sizeof(ka), "%d/%s", x->node_idx, a);
	snprintf(kb, sizeof(kb), "%d/%s", y->node_idx, b);
	return strcmp(ka, kb) < 0 ? xasprintf("%s %s", ka, kb) : xasprintf("%s %s", kb, ka);
}

/* The same pair both in a reach and in an isolate, anywhere in the file. */
static void reach_vs_isolate(struct vctx *v)
{
	struct vl_topology *t = v->t;
	struct vl_strmap reach = {0};
	struct vl_strv keys = {0};
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < t->ntests; i++)
			for (size_t j = 0; j < t->tests[i].nasserts; j++) {
				const struct vl_assert *a = &t->tests[i].asserts[j];
				if (a->kind != (pass ? VL_ASSERT_ISOLATE : VL_ASSERT_REACH) || !a->ep)
					continue;
				for (size_t x = 0; x < a->nargs; x++)
					for (size_t y = x + 1; y < a->nargs; y++) {
						if (!a->ep[x].addr.family || !a->ep[y].addr.family)
							continue;
						char *k = pair_key(&a->ep[x], &a->ep[y]);
						if (!pass) {
							vl_strv_push(&keys, k);
							vl_strmap_add(&reach, keys.v[keys.n - 1], a->loc.line);
						} else {
							int line = vl_strmap_get(&reach, k);
							if (line > 0)
								vl_err(v->d, &a->loc, "isolate",
								       "%s and %s are also asserted to reach each other (reach at line %d); a pair cannot be both",
								       a->args[x], a->args[y], line);
						}
						free(k);
					}
			}
	vl_strmap_free(&reach);
	vl_strv_free(&keys);
}

/* isolate pings every address of the target from the source. Where a
 * target's address is also held in the source's routing domain by another
 * node (tenants sharing addresses), that node answers and the pings prove
 * nothing about the target: said once per pair. */
static void isolate_impostors(struct vctx *v, const struct vl_assert *a)
{
	const struct vl_topology *t = v->t;
	char b[64];
	for (size_t p = 0; p < a->nargs; p++)
		for (size_t q = 0; q < a->nargs; q++) {
			int s = a->ep[p].node_idx, d = a->ep[q].node_idx;
			if (p == q || s < 0 || d < 0 || s == d)
				continue;
			const struct vl_node *src = &t->nodes[s], *dst = &t->nodes[d];
			const struct aent *hit = NULL;
			const struct vl_prefix *hp = NULL;
			for (size_t y = 0; y < n_ifs(dst) && !hit; y++) {
				size_t na;
				const struct vl_addr *ad = if_addrs(dst, y, &na);
				for (size_t k = 0; k < na && !hit; k++)
					for (size_t x = 0; x < n_ifs(src) && !hit && ad[k].p.family; x++) {
						const struct aent *e = aset_get(
							&v->addrs, addr_scope(v->seg, (size_t)s, x), &ad[k].p);
						if (e && strcmp(e->node, dst->name)) {
							hit = e;
							hp = &ad[k].p;
						}
					}
			}
			if (!hit)
				continue;
			fmt_addr(hp, b, sizeof(b));
			vl_warn(v->d, &a->loc, "isolate",
				"%s's address %s is also %s's (%s %s, line %d) in %s's routing domain: "
				"pings from %s to it are answered by %s, so this isolate fails although "
				"%s and %s may well be isolated; compare nodes whose addresses differ",
				dst->name, b, hit->node, hit->node, hit->dev, hit->line, src->name,
				src->name, hit->node, src->name, dst->name);
		}
}

static bool sends_traffic(enum vl_assert_kind k)
{
	return k != VL_ASSERT_ISOLATE && k != VL_ASSERT_MAC && k != VL_ASSERT_CMD;
}

static void tests(struct vctx *v)
{
	struct vl_topology *t = v->t;

	for (size_t i = 0; i < t->ntests; i++) {
		struct vl_test *x = &t->tests[i];
		for (size_t j = 0; j < x->nasserts; j++) {
			struct vl_assert *a = &x->asserts[j];
			int *ifx = xcalloc(a->nargs ? a->nargs : 1, sizeof(int));
			bool ok = true;
			a->ep = xcalloc(a->nargs ? a->nargs : 1, sizeof(*a->ep));
			for (size_t k = 0; k < a->nargs; k++)
				ok &= resolve_ep(v, a, k, &ifx[k]);
			if (!ok) {
				free(ifx);
				continue;
			}
			if (a->kind == VL_ASSERT_ROUTE && !t->nodes[a->ep[2].node_idx].forward)
				vl_warn(v->d, &a->loc, "path",
					"%s does not forward (forward = off), so no path passes through it",
					t->nodes[a->ep[2].node_idx].name);
			if (a->kind == VL_ASSERT_MTU)
				check_mtu(v, a, ifx);
			if (a->kind == VL_ASSERT_MAC)
				check_mac(v, a);
			if (a->kind == VL_ASSERT_ISOLATE)
				isolate_impostors(v, a);
			free(ifx);
			if (!sends_traffic(a->kind))
				continue;
			size_t np = a->kind == VL_ASSERT_REACH ? a->nargs : 2;
			for (size_t p = 0; p < np; p++)
				for (size_t q = 0; q < np; q++)
					if (p != q && (a->kind == VL_ASSERT_REACH || p == 0))
						check_family(v, a, p, q);
			for (size_t p = 0; p < np; p++)
				for (size_t q = p + 1; q < np; q++)
					warn_no_path(v, v->seg, a, p, q);
		}
	}
	reach_vs_isolate(v);
}

/* ---- device names inside shared namespaces ------------------------------ */

/* A host's namespace holds its own NICs, its vSwitches' bridges and their
 * ports (<node>-<nic>, hashed when long); a standalone switch's namespace
 * holds its bridge and ports. Two devices with one name cannot both exist. */
struct devns {
	struct vl_strmap map;
	struct vl_strv keys, what;
};

static void dev_add(struct vctx *v, struct devns *ns, const char *space, const char *dev,
		    const struct vl_loc *loc, const char *key, char *what)
{
	char *k = xasprintf("%s/%s", space, dev);
	vl_strv_push(&ns->keys, k);
	free(k);
	int f = vl_strmap_add(&ns->map, ns->keys.v[ns->keys.n - 1], (int)ns->what.n);
	if (f >= 0)
		vl_err(v->d, loc, key,
		       "device name \"%s\" is used twice in the namespace of %s: by %s and by %s; "
		       "rename one of them%s",
		       dev, space, ns->what.v[f], what,
		       strstr(what, "overlay") ? " (tunnel devices are named after the VNI: "
						 "another vni renames them)" : "");
	vl_strv_push(&ns->what, what);
	free(what);
}

static void device_names(struct vctx *v)
{
	struct vl_topology *t = v->t;
	struct devns ns;
	char port[VL_DEVNAME_MAX];

	if (v->d->errors)
		return; /* names may be unresolved; avoid follow-up noise */
	memset(&ns, 0, sizeof(ns));
	for (size_t i = 0; i < t->nnodes; i++) {
		struct vl_node *n = &t->nodes[i];
		if (n->kind != VL_NODE_HOST)
			continue;
		for (size_t j = 0; j < n->nnics; j++)
			dev_add(v, &ns, n->name, n->nics[j].name, &n->nics[j].loc, NULL,
				xasprintf("NIC %s of %s", n->nics[j].name, n->name));
		for (size_t j = 0; j < n->nsubs; j++)
			dev_add(v, &ns, n->name, n->subs[j].name, &n->subs[j].loc, NULL,
				xasprintf("sub-interface %s of %s", n->subs[j].name, n->name));
	}
	for (size_t i = 0; i < t->nswitches; i++) {
		struct vl_switch *s = &t->switches[i];
		dev_add(v, &ns, s->host ? s->host : s->name, s->name, &s->loc, NULL,
			xasprintf("the bridge of switch %s", s->name));
	}
	for (size_t i = 0; i < t->nnodes; i++) {
		struct vl_node *n = &t->nodes[i];
		for (size_t j = 0; j < n->nnics; j++) {
			struct vl_nic *c = &n->nics[j];
			if (c->sw_idx < 0)
				continue;
			struct vl_switch *s = &t->switches[c->sw_idx];
			vl_port_name(port, n->name, c->name);
			dev_add(v, &ns, s->host ? s->host : s->name, port, &c->loc, "nic",
				xasprintf("the switch port of %s %s", n->name, c->name));
		}
	}
	/* cables between switches: their ports, named as written; bonds */
	for (size_t i = 0; i < t->nlinks; i++)
		for (int e = 0; e < 2; e++) {
			struct vl_link *l = &t->links[i];
			if (!l->port[e] || l->sw_idx[e] < 0)
				continue;
			struct vl_switch *s = &t->switches[l->sw_idx[e]];
			dev_add(v, &ns, s->host ? s->host : s->name, l->port[e]->name, &l->end_loc[e],
				e ? "b" : "a", xasprintf("port %s of switch %s (link %s)",
							 l->port[e]->name, s->name, l->name));
		}
	for (size_t i = 0; i < t->nnodes; i++)
		for (size_t j = 0; j < t->nodes[i].nbonds; j++)
			dev_add(v, &ns, t->nodes[i].name, t->nodes[i].bonds[j].name,
				&t->nodes[i].bonds[j].loc, "bond",
				xasprintf("bond %s of %s", t->nodes[i].bonds[j].name, t->nodes[i].name));
	/* VTEPs, named as the planner names them: vx<VNI> per switch; Geneve
	 * one per remote, gn<VNI> or gn<VNI>-<k> when there are several. */
	for (size_t i = 0; i < t->noverlays; i++) {
		struct vl_overlay *o = &t->overlays[i];
		bool geneve = o->type == VL_OVERLAY_GENEVE;
		int per = geneve ? (int)o->nswitches - 1 : 1;
		for (size_t k = 0; k < o->nswitches; k++) {
			struct vl_switch *s = &t->switches[o->sw_idx[k]];
			for (int r = 1; r <= per; r++) {
				vl_vtep_name(port, geneve, o->vni, geneve && per > 1 ? r : 0);
				dev_add(v, &ns, s->host ? s->host : s->name, port, &o->vni_loc, "vni",
					xasprintf("the %s device of overlay %s (vni %u) on switch %s",
						  geneve ? "Geneve" : "VXLAN", o->name, o->vni, s->name));
			}
		}
	}
	vl_strmap_free(&ns.map);
	vl_strv_free(&ns.keys);
	vl_strv_free(&ns.what);
}

/* ---- unused things ------------------------------------------------------ */

static void lonely(struct vctx *v)
{
	struct vl_topology *t = v->t;
	bool *in_overlay = xcalloc(t->nswitches ? t->nswitches : 1, sizeof(bool));
	for (size_t i = 0; i < t->noverlays; i++)
		for (size_t k = 0; k < t->overlays[i].nswitches; k++)
			if (t->overlays[i].sw_idx && t->overlays[i].sw_idx[k] >= 0)
				in_overlay[t->overlays[i].sw_idx[k]] = true;
	for (size_t i = 0; i < t->nswitches; i++)
		if (!v->sw_ports[i] && !in_overlay[i])
			vl_warn(v->d, &t->switches[i].loc, NULL, "switch %s has no ports",
				t->switches[i].name);
	free(in_overlay);
	for (size_t i = 0; i < t->nnodes; i++) {
		struct vl_node *n = &t->nodes[i];
		/* a host with vSwitches or guests on it is useful without NICs */
		if (!n->nnics && !v->hosted[i])
			vl_warn(v->d, &n->loc, NULL, "%s %s has no NICs", vl_node_kind_name(n->kind),
				n->name);
	}
}

size_t vl_validate(struct vl_topology *t, struct vl_diags *d)
{
	struct vctx v;
	struct l3map seg;
	size_t errors0 = d->errors;
	size_t nsw = t->nswitches ? t->nswitches : 1;

	memset(&v, 0, sizeof(v));
	v.t = t;
	v.d = d;
	v.dym_left = VL_DYM_BUDGET;
	v.sw_ports = xcalloc(nsw, sizeof(int));
	v.sw_vlans = xcalloc(nsw, sizeof(bool));
	v.sw_vlan_line = xcalloc(nsw, sizeof(int));
	v.sw_vlan_what = xcalloc(nsw, sizeof(char *));
	v.hosted = xcalloc(t->nnodes ? t->nnodes : 1, sizeof(int));
	if (!t->lab.mtu)
		t->lab.mtu = 1500;

	check_lab(&v);
	index_names(&v);
	resolve_hosts(&v);
	check_nics(&v);
	resolve_links(&v);
	check_bonds(&v);
	resolve_uplinks(&v);
	uplink_vlans(&v);
	shapers(&v);
	l3map_build(&v, &seg);
	v.seg = &seg;
	addresses(&v);
	routes(&v);

	/* remember parents' MTUs before overlays may lower them */
	size_t nsubs = 0;
	for (size_t i = 0; i < t->nnodes; i++)
		nsubs += t->nodes[i].nsubs;
	int *pm = xcalloc(nsubs ? nsubs : 1, sizeof(int));
	for (size_t i = 0, k = 0; i < t->nnodes; i++)
		for (size_t j = 0; j < t->nodes[i].nsubs; j++, k++) {
			int p = vl_find_nic(&t->nodes[i], t->nodes[i].subs[j].parent);
			pm[k] = p >= 0 ? t->nodes[i].nics[p].mtu : t->lab.mtu;
		}
	overlays(&v);
	sub_mtus(&v, pm);
	free(pm);

	vlan_filtering(&v);
	burst_vs_mtu(&v);
	link_mtus(&v);
	dup_macs(&v);
	mirrors(&v);
	vl_secure_validate(t, d);
	vl_external_validate(t, d);
	tests(&v);
	device_names(&v);
	lonely(&v);
	switch_loops(&v);
	stp_keys(&v);
	unused_bonds(&v);

	vl_strmap_free(&v.nodes);
	vl_strmap_free(&v.switches);
	vl_strmap_free(&v.shapers);
	free(v.addrs.v);
	free(v.node_addrs.v);
	free(v.where.v);
	l3map_free(t, &seg);
	free(v.sw_ports);
	free(v.sw_vlans);
	free(v.sw_vlan_line);
	free(v.sw_vlan_what);
	free(v.hosted);
	return d->errors - errors0;
}
