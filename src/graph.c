/* Topology -> Graphviz DOT, drawn for a slide (legend: vlab(1), graph).
 *
 * Layout grammar (rankdir=LR, so edges are written "left -- right"):
 *   guest -- vSwitch -- VTEP -- host NIC -- physical switch -- ...
 * and outside the boxes in the order of hops from the left edge (the host
 * boxes and the end systems of the first network), see place_outside.
 * A host that holds vSwitches, guests or bonds is a cluster; its own NICs
 * are small nodes inside it (the cables to the physical network leave the
 * box from them), plain hosts are one node. Addresses are rows of the node
 * that owns them (HTML labels with one PORT per NIC), never edge labels,
 * so nothing is written across a line. An overlay is a dashed segment
 * node beside the underlay with a dashed tunnel from each VTEP; a VTEP
 * sits in its host's box, tied to the NIC whose address it uses.
 * Output is deterministic (model order) so it can be diffed. */
#include "vlab/graph.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vlab/naming.h"
#include "vlab/plan.h"
#include "vlab/runtime.h"

/* ---- text helpers ------------------------------------------------------ */

/* A DOT id "PREFIX:A[:B]", quoted (names cannot hold quotes; escaped anyway
 * so a bad model never yields a broken file). */
static void esc_dq(struct vl_buf *o, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			vl_buf_add(o, "\\");
		vl_buf_addn(o, s, 1);
	}
}

static void id2(struct vl_buf *o, const char *pfx, const char *a, const char *b)
{
	vl_buf_printf(o, "\"%s:", pfx);
	esc_dq(o, a);
	if (b) {
		vl_buf_add(o, ":");
		esc_dq(o, b);
	}
	vl_buf_add(o, "\"");
}

static void dot_str(struct vl_buf *o, const char *s)
{
	vl_buf_add(o, "\"");
	esc_dq(o, s);
	vl_buf_add(o, "\"");
}

/* HTML-like label text. */
static void html(struct vl_buf *o, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': vl_buf_add(o, "&amp;"); break;
		case '<': vl_buf_add(o, "&lt;"); break;
		case '>': vl_buf_add(o, "&gt;"); break;
		case '"': vl_buf_add(o, "&quot;"); break;
		default: vl_buf_addn(o, s, 1);
		}
	}
}

/* A multi-line plain label: lines joined with DOT's "\n" escape. */
struct label {
	struct vl_buf b;
};

static void label_line(struct label *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void label_line(struct label *l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	if (l->b.len)
		vl_buf_add(&l->b, "\n");
	vl_buf_add(&l->b, s);
	free(s);
}

/* `, key="..."` (nothing when empty), newlines as DOT's \n; frees l. */
static void label_attr(struct vl_buf *o, const char *key, struct label *l)
{
	if (l->b.len) {
		vl_buf_printf(o, ", %s=\"", key);
		for (const char *s = l->b.s; *s; s++) {
			if (*s == '\n')
				vl_buf_add(o, "\\n");
			else if (*s == '"' || *s == '\\')
				vl_buf_printf(o, "\\%c", *s);
			else
				vl_buf_addn(o, s, 1);
		}
		vl_buf_add(o, "\"");
	}
	vl_buf_free(&l->b);
}

static void vid_list(struct vl_buf *b, const uint16_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		vl_buf_printf(b, "%s%u", i ? "," : "", v[i]);
}

/* The switch-port side of a NIC: access VLAN, trunk, isolation. */
static void port_text(struct vl_buf *o, const struct vl_nic *nic, const char *sep)
{
	const char *s = "";
	if (nic->access_vlan) {
		vl_buf_printf(o, "vlan %d", nic->access_vlan);
		s = sep;
	}
	if (nic->ntrunk) {
		vl_buf_printf(o, "%strunk ", s);
		vid_list(o, nic->trunk, nic->ntrunk);
		if (nic->native_vlan)
			vl_buf_printf(o, " native %d", nic->native_vlan);
		s = sep;
	}
	if (nic->isolated)
		vl_buf_printf(o, "%sisolated", s);
}

static void port_lines(struct label *l, const struct vl_nic *nic)
{
	struct vl_buf b = {0};
	port_text(&b, nic, "\n");
	if (b.len)
		label_line(l, "%s", b.s);
	vl_buf_free(&b);
}

/* One allow/deny rule as the file says it, words only. */
static void rule_text(struct vl_buf *o, const struct vl_acl_rule *r)
{
	static const char *const proto[] = {
		[VL_ACL_ANY] = "", [VL_ACL_TCP] = " tcp", [VL_ACL_UDP] = " udp",
		[VL_ACL_ICMP] = " icmp",
	};
	vl_buf_printf(o, "%s%s", r->allow ? "allow" : "deny", proto[r->proto]);
	if (r->peer)
		vl_buf_printf(o, " to %s", r->peer);
	if (r->dport[0] || r->dport[1])
		vl_buf_printf(o, r->dport[1] != r->dport[0] ? " port %u-%u" : " port %u",
			      r->dport[0], r->dport[1]);
	if (r->sport[0] || r->sport[1])
		vl_buf_printf(o, r->sport[1] != r->sport[0] ? " sport %u-%u" : " sport %u",
			      r->sport[0], r->sport[1]);
}

/* The rules of a node's port (its own, for every NIC or this one), at most
 * three lines, then how many more. */
static void acl_lines(struct label *l, const struct vl_acl *a, const char *nic)
{
	size_t shown = 0, more = 0;
	for (size_t i = 0; i < a->n; i++) {
		const struct vl_acl_rule *r = &a->v[i];
		if (r->nic && nic && strcmp(r->nic, nic))
			continue;
		if (shown == 3) {
			more++;
			continue;
		}
		struct vl_buf b = {0};
		rule_text(&b, r);
		label_line(l, "%s", b.s);
		vl_buf_free(&b);
		shown++;
	}
	if (more)
		label_line(l, "(+%zu rules)", more);
}

/* Port security of NODE:NIC when it is not its switch's (the switch's
 * own shows on the switch), and the node's rules. */
static void security_lines(struct label *l, const struct vl_node *n, const struct vl_nic *c,
			   const struct vl_switch *s)
{
	enum vl_port_security sec = c->security ? c->security : n->security;
	if (sec && sec != (s->security ? s->security : VL_SEC_OFF))
		label_line(l, "%s", sec == VL_SEC_STRICT ? "port security" : "no port security");
	acl_lines(l, &n->acl, c->name);
}

/* ---- what is drawn where ----------------------------------------------- */

struct chain {
	int keep[2];      /* the run's first and last switch (drawn) */
	int link[2];      /* the cable of each kept end that leads into the fold */
	int n;            /* switches folded away */
	int first, last;  /* the first and last folded switch */
};

struct g {
	const struct vl_topology *t;
	const struct vl_graph_opts *o;
	struct vl_buf *out;
	/* hosts' members, bucketed in one pass (model order kept) */
	int *node_head, *node_next, *sw_head, *sw_next;
	bool *boxed;                /* host drawn as a cluster */
	bool *hide_node;            /* guest folded into its vSwitch's "N more" */
	int *fold_n, *fold_first, *fold_last; /* per switch */
	bool *hide_sw;              /* switch folded in a chain */
	bool *hide_link;
	int hosts_n, hosts_first, hosts_last; /* hosts folded into one "N more" */
	bool *hosts_sw;             /* physical switches the folded hosts reach */
	int *dist;                  /* hops from the left edge (nodes, then switches) */
	struct chain *chains;
	size_t nchains, chains_cap;
};

static bool live_touches(const struct g *g, const char *node)
{
	const struct vl_changes *c = g->o->live;
	if (!c)
		return false;
	for (size_t i = 0; i < c->nlinks; i++)
		if (!strcmp(c->links[i].node, node))
			return true;
	for (size_t i = 0; i < c->nfaults; i++)
		if (!strcmp(c->faults[i].node, node))
			return true;
	for (size_t i = 0; i < c->nshapes; i++)
		if (!strcmp(c->shapes[i].node, node))
			return true;
	return false;
}

static bool in_mirror(const struct vl_topology *t, const char *node)
{
	for (size_t i = 0; i < t->nmirrors; i++)
		if (!strcmp(t->mirrors[i].src_node, node) || !strcmp(t->mirrors[i].dst_node, node))
			return true;
	return false;
}

/* A guest that is nothing but one NIC on a vSwitch of its own host. */
static int foldable_on(const struct g *g, size_t i)
{
	const struct vl_topology *t = g->t;
	const struct vl_node *n = &t->nodes[i];
	if (n->kind == VL_NODE_HOST || n->host_idx < 0 || n->nnics != 1 || n->nsubs ||
	    n->nbonds)
		return -1;
	const struct vl_nic *c = &n->nics[0];
	if (c->sw_idx < 0 || c->link_idx >= 0 || t->switches[c->sw_idx].host_idx != n->host_idx)
		return -1;
	if (in_mirror(t, n->name) || live_touches(g, n->name))
		return -1;
	return c->sw_idx;
}

static void fold_guests(struct g *g)
{
	const struct vl_topology *t = g->t;
	int *total = xcalloc(t->nswitches + 1, sizeof(int));
	int *seen = xcalloc(t->nswitches + 1, sizeof(int));
	int *sw = xmalloc((t->nnodes + 1) * sizeof(int));
	for (size_t i = 0; i < t->nnodes; i++) {
		sw[i] = g->o->all ? -1 : foldable_on(g, i);
		if (sw[i] >= 0)
			total[sw[i]]++;
	}
	for (size_t i = 0; i < t->nnodes; i++) {
		int s = sw[i];
		if (s < 0 || total[s] <= VL_GRAPH_FOLD)
			continue;
		int k = seen[s]++;
		if (k < 2 || k == total[s] - 1)
			continue;
		g->hide_node[i] = true;
		if (!g->fold_n[s]++)
			g->fold_first[s] = (int)i;
		g->fold_last[s] = (int)i;
	}
	free(total);
	free(seen);
	free(sw);
}

/* Cable ends of switch s: up to `max` (link, end) pairs; returns the count. */
static int switch_ends(const struct vl_topology *t, int s, int *lk, int *end, int max)
{
	int n = 0;
	for (size_t i = 0; i < t->nlinks; i++)
		for (int e = 0; e < 2; e++)
			if (t->links[i].port[e] && t->links[i].sw_idx[e] == s) {
				if (n < max) {
					lk[n] = (int)i;
					end[n] = e;
				}
				n++;
			}
	return n;
}

/* Runs of plain switches (physical, two cables, nothing else) longer than
 * VL_GRAPH_FOLD keep their first and last switch; the middle is one node. */
static void fold_chains(struct g *g)
{
	const struct vl_topology *t = g->t;
	size_t ns = t->nswitches;
	if (g->o->all || !t->nlinks || !ns)
		return;
	bool *plain = xcalloc(ns, sizeof(bool));
	int (*lk)[2] = xcalloc(ns, sizeof(*lk));
	int *nics = xcalloc(ns, sizeof(int));
	for (size_t i = 0; i < t->nnodes; i++)
		for (size_t j = 0; j < t->nodes[i].nnics; j++)
			if (t->nodes[i].nics[j].sw_idx >= 0)
				nics[t->nodes[i].nics[j].sw_idx]++;
	for (size_t s = 0; s < ns; s++) {
		int end[2];
		plain[s] = t->switches[s].host_idx < 0 && !nics[s] && !t->switches[s].uplink &&
			   switch_ends(t, (int)s, lk[s], end, 2) == 2 &&
			   !live_touches(g, t->switches[s].name);
	}
	bool *done = xcalloc(ns, sizeof(bool));
	int *run = xmalloc(ns * sizeof(int));
	for (size_t s = 0; s < ns; s++) {
		if (!plain[s] || done[s])
			continue;
		/* start only at a run's end: a cable to a switch that is not plain */
		int from = -1;
		for (int e = 0; e < 2 && from < 0; e++) {
			const struct vl_link *k = &t->links[lk[s][e]];
			int other = k->sw_idx[0] == (int)s ? k->sw_idx[1] : k->sw_idx[0];
			if (other >= 0 && !plain[other])
				from = e;
		}
		if (from < 0)
			continue;
		int n = 0, cur = (int)s, in = lk[s][from];
		for (;;) {
			run[n++] = cur;
			done[cur] = true;
			int outl = lk[cur][0] == in ? lk[cur][1] : lk[cur][0];
			const struct vl_link *k = &t->links[outl];
			int next = k->sw_idx[0] == cur ? k->sw_idx[1] : k->sw_idx[0];
			if (next < 0 || !plain[next] || done[next])
				break;
			in = outl;
			cur = next;
		}
		if (n <= VL_GRAPH_FOLD)
			continue;
		struct chain *c = VL_PUSH(g->chains, g->nchains, g->chains_cap);
		c->keep[0] = run[0];
		c->keep[1] = run[n - 1];
		c->first = run[1];
		c->last = run[n - 2];
		c->n = n - 2;
		for (int i = 1; i < n - 1; i++)
			g->hide_sw[run[i]] = true;
		/* the cables from the kept ends into the fold */
		for (int e = 0; e < 2; e++) {
			int keep = c->keep[e], nb = e ? run[n - 2] : run[1];
			for (int x = 0; x < 2; x++) {
				const struct vl_link *k = &t->links[lk[keep][x]];
				if (k->sw_idx[0] == nb || k->sw_idx[1] == nb)
					c->link[e] = lk[keep][x];
			}
		}
	}
	for (size_t i = 0; i < t->nlinks; i++)
		for (int e = 0; e < 2; e++)
			if (t->links[i].port[e] && t->links[i].sw_idx[e] >= 0 &&
			    g->hide_sw[t->links[i].sw_idx[e]])
				g->hide_link[i] = true;
	free(plain);
	free(lk);
	free(nics);
	free(done);
	free(run);
}

/* A host box that only hangs off physical switches: no overlay, link,
 * bond, mirror or live change in it or its guests. */
static bool host_foldable(const struct g *g, size_t h)
{
	const struct vl_topology *t = g->t;
	const struct vl_node *n = &t->nodes[h];
	if (!g->boxed[h] || n->nbonds || in_mirror(t, n->name) || live_touches(g, n->name))
		return false;
	for (size_t j = 0; j < n->nnics; j++)
		if (n->nics[j].sw_idx < 0 || t->switches[n->nics[j].sw_idx].host_idx >= 0)
			return false;
	for (size_t i = 0; i < t->noverlays; i++)
		for (size_t a = 0; a < t->overlays[i].nswitches; a++)
			if (t->overlays[i].host_idx && t->overlays[i].host_idx[a] == (int)h)
				return false;
	for (int k = g->node_head[h]; k >= 0; k = g->node_next[k]) {
		const struct vl_node *v = &t->nodes[k];
		if (in_mirror(t, v->name) || live_touches(g, v->name))
			return false;
		for (size_t j = 0; j < v->nnics; j++)
			if (v->nics[j].sw_idx < 0 ||
			    t->switches[v->nics[j].sw_idx].host_idx != (int)h)
				return false;
	}
	return true;
}

/* More than VL_GRAPH_FOLD such hosts: the first two and the last stay. */
static void fold_hosts(struct g *g)
{
	const struct vl_topology *t = g->t;
	if (g->o->all)
		return;
	int total = 0, k = 0;
	for (size_t h = 0; h < t->nnodes; h++)
		total += host_foldable(g, h);
	if (total <= VL_GRAPH_FOLD)
		return;
	for (size_t h = 0; h < t->nnodes; h++) {
		if (!host_foldable(g, h))
			continue;
		int me = k++;
		if (me < 2 || me == total - 1)
			continue;
		if (!g->hosts_n++)
			g->hosts_first = (int)h;
		g->hosts_last = (int)h;
		g->hide_node[h] = true;
		for (size_t j = 0; j < t->nodes[h].nnics; j++)
			g->hosts_sw[t->nodes[h].nics[j].sw_idx] = true;
		for (int v = g->node_head[h]; v >= 0; v = g->node_next[v])
			g->hide_node[v] = true;
		for (int s = g->sw_head[h]; s >= 0; s = g->sw_next[s])
			g->hide_sw[s] = true;
	}
}

/* Which way cables between the outside pieces run (left to right): by
 * hops from the roots, the host boxes and the single-NIC end systems of
 * the first physical switch that has any (a chain of routers reads from
 * its first network to its last; a ring becomes a diamond). Vertices are
 * nodes 0..nnodes-1, then switches. */
static void place_outside(struct g *g)
{
	const struct vl_topology *t = g->t;
	size_t nn = t->nnodes, nv = nn + t->nswitches;
	int *q = xmalloc((nv + 1) * sizeof(int));
	size_t qh = 0, qt = 0;
	g->dist = xmalloc((nv + 1) * sizeof(int));
	for (size_t v = 0; v < nv; v++)
		g->dist[v] = -1;
	int first = -1;
	for (size_t i = 0; i < nn && first < 0; i++) {
		const struct vl_node *n = &t->nodes[i];
		if (g->boxed[i])
			continue;
		if (n->kind != VL_NODE_ROUTER && n->nnics == 1 && n->nics[0].sw_idx >= 0 &&
		    t->switches[n->nics[0].sw_idx].host_idx < 0)
			first = n->nics[0].sw_idx;
	}
	for (size_t i = 0; i < nn; i++) {
		const struct vl_node *n = &t->nodes[i];
		bool leaf = n->kind != VL_NODE_ROUTER && n->nnics == 1 && first >= 0 &&
			    n->nics[0].sw_idx == first && !g->boxed[i];
		if (g->boxed[i] || leaf) {
			g->dist[i] = 0;
			q[qt++] = (int)i;
		}
	}
	for (size_t start = 0; start <= nv; start++) {
		while (qh < qt) {
			int v = q[qh++];
#define VISIT(w) do { int w_ = (w); if (w_ >= 0 && g->dist[w_] < 0) { \
		g->dist[w_] = g->dist[v] + 1; q[qt++] = w_; } } while (0)
			if ((size_t)v < nn) {
				const struct vl_node *n = &t->nodes[v];
				for (size_t j = 0; j < n->nnics; j++) {
					if (n->nics[j].sw_idx >= 0)
						VISIT((int)nn + n->nics[j].sw_idx);
					if (n->nics[j].link_idx >= 0) {
						const struct vl_link *k = &t->links[n->nics[j].link_idx];
						VISIT(k->node_idx[0] == v ? k->node_idx[1] : k->node_idx[0]);
					}
				}
				for (int k = g->node_head[v]; k >= 0; k = g->node_next[k])
					VISIT(k);
			} else {
				int s = v - (int)nn;
				for (size_t i = 0; i < t->nlinks; i++) {
					const struct vl_link *k = &t->links[i];
					if (!k->port[0] || !k->port[1])
						continue;
					if (k->sw_idx[0] == s)
						VISIT((int)nn + k->sw_idx[1]);
					else if (k->sw_idx[1] == s)
						VISIT((int)nn + k->sw_idx[0]);
				}
				for (size_t i = 0; i < nn; i++)
					for (size_t j = 0; j < t->nodes[i].nnics; j++)
						if (t->nodes[i].nics[j].sw_idx == s)
							VISIT((int)i);
			}
#undef VISIT
		}
		if (start < nv && g->dist[start] < 0) { /* a part the roots do not reach */
			g->dist[start] = 0;
			q[qt++] = (int)start;
		}
	}
	free(q);
}

static void g_init(struct g *g, const struct vl_topology *t, const struct vl_graph_opts *o,
		   struct vl_buf *out)
{
	memset(g, 0, sizeof(*g));
	g->t = t;
	g->o = o;
	g->out = out;
	size_t nn = t->nnodes + 1, ns = t->nswitches + 1;
	g->node_head = xmalloc(nn * sizeof(int));
	g->node_next = xmalloc(nn * sizeof(int));
	g->sw_head = xmalloc(nn * sizeof(int));
	g->sw_next = xmalloc(ns * sizeof(int));
	g->boxed = xcalloc(nn, sizeof(bool));
	g->hide_node = xcalloc(nn, sizeof(bool));
	g->fold_n = xcalloc(ns, sizeof(int));
	g->fold_first = xcalloc(ns, sizeof(int));
	g->fold_last = xcalloc(ns, sizeof(int));
	g->hide_sw = xcalloc(ns, sizeof(bool));
	g->hide_link = xcalloc(t->nlinks + 1, sizeof(bool));
	g->hosts_sw = xcalloc(ns, sizeof(bool));
	for (size_t i = 0; i < t->nnodes; i++)
		g->node_head[i] = g->sw_head[i] = -1;
	/* walk backwards and prepend, so each list ends up in model order */
	for (size_t i = t->nnodes; i-- > 0;) {
		int h = t->nodes[i].host ? t->nodes[i].host_idx : -1;
		if (h < 0)
			continue;
		g->node_next[i] = g->node_head[h];
		g->node_head[h] = (int)i;
	}
	for (size_t i = t->nswitches; i-- > 0;) {
		int h = t->switches[i].host ? t->switches[i].host_idx : -1;
		if (h < 0)
			continue;
		g->sw_next[i] = g->sw_head[h];
		g->sw_head[h] = (int)i;
	}
	for (size_t i = 0; i < t->nnodes; i++)
		g->boxed[i] = t->nodes[i].kind == VL_NODE_HOST &&
			      (g->node_head[i] >= 0 || g->sw_head[i] >= 0 || t->nodes[i].nbonds);
	fold_guests(g);
	fold_chains(g);
	fold_hosts(g);
	place_outside(g);
}

static void g_free(struct g *g)
{
	free(g->node_head);
	free(g->node_next);
	free(g->sw_head);
	free(g->sw_next);
	free(g->boxed);
	free(g->hide_node);
	free(g->fold_n);
	free(g->fold_first);
	free(g->fold_last);
	free(g->hide_sw);
	free(g->hide_link);
	free(g->hosts_sw);
	free(g->dist);
	free(g->chains);
}

/* Where a NIC's cable starts: a boxed host's NIC node, or the NIC's row
 * (PORT) in its node's label. */
static void nic_end(const struct g *g, int ni, int j)
{
	const struct vl_node *n = &g->t->nodes[ni];
	if (g->boxed[ni]) {
		id2(g->out, "h", n->name, n->nics[j].name);
	} else {
		id2(g->out, "n", n->name, NULL);
		vl_buf_printf(g->out, ":\"i%d\"", j);
	}
}

static void switch_end(const struct g *g, int s, int link, int end)
{
	id2(g->out, "s", g->t->switches[s].name, NULL);
	if (link >= 0)
		vl_buf_printf(g->out, ":\"k%d_%d\"", link, end);
}

/* ---- live state (a running lab's changes) ------------------------------ */

/* Colour and extra lines for the cable of NODE:NIC; returns the style
 * attributes to add ("" when nothing is live there). */
static const char *live_lines(const struct g *g, const char *node, const char *nic,
			      struct label *l)
{
	const struct vl_changes *c = g->o->live;
	if (!c)
		return "";
	const char *style = "";
	int f = vl_changes_fault(c, node, nic);
	for (int dir = VL_DIR_OUT; dir <= VL_DIR_IN; dir++) {
		const struct vl_shape *s = vl_changes_shape(c, node, nic, dir);
		if (!s || f >= 0)
			continue;
		struct vl_buf b = {0};
		vl_shape_text(s, &b);
		label_line(l, "%s %s now: %s", nic, dir == VL_DIR_OUT ? "out" : "in", b.s);
		vl_buf_free(&b);
		style = ", color=darkorange, fontcolor=darkorange";
	}
	if (f >= 0) {
		label_line(l, "FAULT %s: %s", nic, c->faults[f].what);
		style = ", color=darkorange, fontcolor=darkorange, penwidth=3";
	}
	if (vl_changes_link_down(c, node, nic)) {
		label_line(l, "DOWN %s:%s", node, nic);
		style = ", style=dashed, color=red, fontcolor=red";
	}
	return style;
}

/* ---- nodes ------------------------------------------------------------- */

static void addr_list(struct vl_buf *o, const struct vl_addr *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char buf[64];
		vl_prefix_format(&a[i].p, buf, sizeof(buf), true);
		vl_buf_add(o, i ? "<BR/>" : " ");
		html(o, buf);
	}
}

static void table_open(struct vl_buf *o, const char *title)
{
	vl_buf_add(o, "<<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"1\">");
	if (title) {
		vl_buf_add(o, "<TR><TD><B>");
		html(o, title);
		vl_buf_add(o, "</B></TD></TR>");
	}
}

static void table_close(struct vl_buf *o)
{
	vl_buf_add(o, "</TABLE>>");
}

/* One row; port NULL for none; `text` is HTML already. */
static void row(struct vl_buf *o, const char *port, const char *text)
{
	vl_buf_add(o, "<TR><TD ALIGN=\"LEFT\" BALIGN=\"LEFT\"");
	if (port)
		vl_buf_printf(o, " PORT=\"%s\"", port);
	vl_buf_printf(o, ">%s</TD></TR>", text);
}

/* A NIC's shaping, small and brown under its row (the NIC's, not the
 * cable's: `out` leaves the node, `in` arrives at it). */
static void shape_rows(struct vl_buf *o, const struct vl_nic *nic)
{
	const struct vl_shape *sh[2] = {&nic->out, &nic->in};
	for (int d = 0; d < 2; d++) {
		if (!sh[d]->set)
			continue;
		struct vl_buf b = {0}, r = {0};
		vl_shape_format(sh[d], "", &b);
		if (b.len) {
			vl_buf_printf(&r, "<FONT POINT-SIZE=\"8\" COLOR=\"#8a4b00\">&nbsp;&nbsp;%s: ",
				      d ? "in" : "out");
			html(&r, b.s);
			vl_buf_add(&r, "</FONT>");
			row(o, NULL, r.s);
		}
		vl_buf_free(&b);
		vl_buf_free(&r);
	}
}

/* The rows of a node's NICs and sub-interfaces (a port per NIC). */
/* The MTU a NIC would have without being told: its switch's, else the lab's. */
static int usual_mtu(const struct vl_topology *t, const struct vl_nic *c)
{
	if (c->sw_idx >= 0 && t->switches[c->sw_idx].mtu > 0)
		return t->switches[c->sw_idx].mtu;
	return t->lab.mtu > 0 ? t->lab.mtu : 1500;
}

static void nic_rows(struct vl_buf *o, const struct vl_topology *t, const struct vl_node *n)
{
	for (size_t j = 0; j < n->nnics; j++) {
		const struct vl_nic *c = &n->nics[j];
		struct vl_buf r = {0};
		html(&r, c->name);
		addr_list(&r, c->addrs, c->naddrs);
		if (c->mtu > 0 && c->mtu != usual_mtu(t, c))
			vl_buf_printf(&r, " mtu %d", c->mtu);
		if (n->nat && !strcmp(n->nat, c->name))
			vl_buf_add(&r, " <I>(NAT)</I>");
		char port[32];
		snprintf(port, sizeof(port), "i%zu", j);
		row(o, port, r.s);
		vl_buf_free(&r);
		shape_rows(o, c);
		for (size_t k = 0; k < n->nsubs; k++) {
			const struct vl_subif *s = &n->subs[k];
			if (strcmp(s->parent, c->name))
				continue;
			struct vl_buf sr = {0};
			vl_buf_add(&sr, "&nbsp;&nbsp;");
			html(&sr, s->name);
			addr_list(&sr, s->addrs, s->naddrs);
			row(o, NULL, sr.s);
			vl_buf_free(&sr);
		}
	}
}

/* A VM, router or plain host: its name and one row per NIC. */
static void emit_node(const struct g *g, const struct vl_node *n, const char *indent)
{
	static const char *const look[] = {
		[VL_NODE_HOST] = "shape=box3d, style=filled, fillcolor=white",
		[VL_NODE_VM] = "shape=box, style=\"rounded,filled\", fillcolor=white",
		[VL_NODE_ROUTER] = "shape=box, style=\"filled,diagonals\", fillcolor=\"#ffe8a8\"",
	};
	struct vl_buf *o = g->out;
	vl_buf_add(o, indent);
	id2(o, "n", n->name, NULL);
	vl_buf_printf(o, " [%s, label=", look[n->kind]);
	table_open(o, n->name);
	nic_rows(o, g->t, n);
	table_close(o);
	vl_buf_add(o, "];\n");
}

/* A boxed host's own NICs (each a small node the cables leave from) and
 * its bonds. */
static void emit_host_parts(const struct g *g, const struct vl_node *h)
{
	struct vl_buf *o = g->out;
	for (size_t j = 0; j < h->nnics; j++) {
		vl_buf_add(o, "\t\t");
		id2(o, "h", h->name, h->nics[j].name);
		vl_buf_add(o, " [shape=box, style=filled, fillcolor=\"#e4e4e4\", fontsize=9, label=");
		table_open(o, NULL);
		struct vl_node one = *h;
		one.nics = &h->nics[j];
		one.nnics = 1;
		one.nat = NULL;
		nic_rows(o, g->t, &one);
		table_close(o);
		vl_buf_add(o, "];\n");
	}
	static const char *const modes[] = {
		[VL_BOND_ACTIVE_BACKUP] = "active-backup",
		[VL_BOND_BALANCE_XOR] = "balance-xor",
		[VL_BOND_8023AD] = "802.3ad",
	};
	for (size_t b = 0; b < h->nbonds; b++) {
		struct label l = {0};
		label_line(&l, "%s", h->bonds[b].name);
		label_line(&l, "%s", modes[h->bonds[b].mode]);
		vl_buf_add(o, "\t\t");
		id2(o, "b", h->name, h->bonds[b].name);
		vl_buf_add(o, " [shape=box, style=filled, fillcolor=\"#e4e4e4\", fontsize=9");
		label_attr(o, "label", &l);
		vl_buf_add(o, "];\n");
	}
}

static void emit_switch(const struct g *g, int si, const char *indent)
{
	const struct vl_topology *t = g->t;
	const struct vl_switch *s = &t->switches[si];
	struct vl_buf *o = g->out;
	char buf[64];
	vl_buf_add(o, indent);
	id2(o, "s", s->name, NULL);
	if (s->host)
		vl_buf_add(o, " [shape=box, style=\"rounded,filled\", fillcolor=\"#cfe2ff\", label=");
	else
		vl_buf_add(o, " [shape=box, style=filled, fillcolor=\"#d4d4d4\", label=");
	table_open(o, s->name);
	struct vl_buf r = {0};
	if (s->subnet.family) {
		vl_prefix_format(&s->subnet, buf, sizeof(buf), true);
		html(&r, buf);
		row(o, NULL, r.s);
		r.len = 0;
	}
	if (s->subnet6.family) {
		vl_prefix_format(&s->subnet6, buf, sizeof(buf), true);
		html(&r, buf);
		row(o, NULL, r.s);
		r.len = 0;
	}
	if (s->mtu > 0 && s->mtu != (t->lab.mtu > 0 ? t->lab.mtu : 1500)) {
		vl_buf_printf(&r, "mtu %d", s->mtu);
		row(o, NULL, r.s);
		r.len = 0;
	}
	if (s->security == VL_SEC_STRICT) {
		vl_buf_add(&r, "port security");
		row(o, NULL, r.s);
		r.len = 0;
	}
	if (s->acl.n) {
		struct label al = {0};
		acl_lines(&al, &s->acl, NULL);
		for (char *line = al.b.s, *nl; line; line = nl) {
			nl = strchr(line, '\n');
			if (nl)
				*nl++ = 0;
			if (r.s)
				r.s[0] = 0;
			r.len = 0;
			html(&r, line);
			row(o, NULL, r.s);
		}
		vl_buf_free(&al.b);
		r.len = 0;
		if (r.s)
			r.s[0] = 0;
	}
	if (s->stp) {
		vl_buf_add(&r, "STP on");
		if (s->priority >= 0)
			vl_buf_printf(&r, ", priority %d", s->priority);
		row(o, NULL, r.s);
		r.len = 0;
	}
	/* ports named in the file: the ends of switch-to-switch cables */
	for (size_t i = 0; i < t->nlinks; i++)
		for (int e = 0; e < 2; e++) {
			const struct vl_link *k = &t->links[i];
			if (!k->port[e] || k->sw_idx[e] != si || g->hide_link[i])
				continue;
			if (r.s)
				r.s[0] = 0;
			r.len = 0;
			html(&r, k->port[e]->name);
			struct vl_buf pt = {0};
			port_text(&pt, k->port[e], ", ");
			if (pt.len) {
				vl_buf_add(&r, " <I>");
				html(&r, pt.s);
				vl_buf_add(&r, "</I>");
			}
			vl_buf_free(&pt);
			char port[32];
			snprintf(port, sizeof(port), "k%zu_%d", i, e);
			row(o, port, r.s);
		}
	/* a chain fold's kept end keeps the port that leads into the fold */
	for (size_t c = 0; c < g->nchains; c++)
		for (int e = 0; e < 2; e++) {
			const struct chain *ch = &g->chains[c];
			if (ch->keep[e] != si)
				continue;
			const struct vl_link *k = &t->links[ch->link[e]];
			int end = k->sw_idx[0] == si ? 0 : 1;
			if (r.s)
				r.s[0] = 0;
			r.len = 0;
			html(&r, k->port[end]->name);
			char port[32];
			snprintf(port, sizeof(port), "k%d_%d", ch->link[e], end);
			row(o, port, r.s);
		}
	vl_buf_free(&r);
	table_close(o);
	vl_buf_add(o, "];\n");
}

/* One colour per overlay (model order), so tenants tell apart. */
static const char *ov_color(const struct vl_topology *t, const struct vl_overlay *ov)
{
	static const char *const pal[] = {"blue", "purple", "darkcyan", "sienna", "deeppink3"};
	size_t i = (size_t)(ov - t->overlays);
	return pal[i % (sizeof(pal) / sizeof(pal[0]))];
}

/* The VTEP of overlay `ov` on its a-th switch (inside that switch's host). */
static void vtep_id(struct vl_buf *o, const struct vl_overlay *ov, size_t a)
{
	id2(o, "v", ov->name, ov->switches[a]);
}

static void emit_vteps_of_host(const struct g *g, int hi)
{
	const struct vl_topology *t = g->t;
	struct vl_buf *o = g->out;
	for (size_t i = 0; i < t->noverlays; i++) {
		const struct vl_overlay *ov = &t->overlays[i];
		for (size_t a = 0; a < ov->nswitches; a++) {
			if (!ov->host_idx || ov->host_idx[a] != hi)
				continue;
			char dev[VL_DEVNAME_MAX];
			if (ov->type == VL_OVERLAY_NVGRE)
				vl_nvgre_name(dev, ov->vni, 0);
			else
				vl_vtep_name(dev, ov->type == VL_OVERLAY_GENEVE, ov->vni, 0);
			struct label l = {0};
			label_line(&l, "VTEP");
			if (ov->type != VL_OVERLAY_VXLAN && ov->nswitches > 2)
				/* no FDB: a device per remote VTEP, dev-1 .. dev-N */
				label_line(&l, "%s-1..%zu", dev, ov->nswitches - 1);
			else
				label_line(&l, "%s", dev);
			vl_buf_add(o, "\t\t");
			vtep_id(o, ov, a);
			vl_buf_printf(o, " [shape=cds, style=filled, fillcolor=\"#eef4ff\", color=%s, "
				      "fontsize=9", ov_color(t, ov));
			label_attr(o, "label", &l);
			vl_buf_add(o, "];\n");
		}
	}
}

static void emit_places(struct g *g)
{
	const struct vl_topology *t = g->t;
	struct vl_buf *o = g->out;
	for (size_t i = 0; i < t->nnodes; i++) {
		const struct vl_node *h = &t->nodes[i];
		if (!g->boxed[i] || g->hide_node[i])
			continue;
		vl_buf_add(o, "\tsubgraph \"cluster_");
		esc_dq(o, h->name);
		vl_buf_add(o, "\" {\n\t\tlabel=");
		/* "host hv1"; a host named "host" is not "host host" */
		char *lbl = xasprintf("%s%s", strcasecmp(h->name, "host") ? "host " : "", h->name);
		dot_str(o, lbl);
		free(lbl);
		vl_buf_add(o, "; style=\"rounded,filled\"; fillcolor=\"#f6f6f6\"; color=gray40; "
			      "fontsize=12;\n");
		emit_host_parts(g, h);
		for (int s = g->sw_head[i]; s >= 0; s = g->sw_next[s]) {
			emit_switch(g, s, "\t\t");
			if (g->fold_n[s]) {
				struct label l = {0};
				label_line(&l, "... %d more", g->fold_n[s]);
				label_line(&l, "%s ... %s", t->nodes[g->fold_first[s]].name,
					   t->nodes[g->fold_last[s]].name);
				vl_buf_add(o, "\t\t");
				id2(o, "f", t->switches[s].name, NULL);
				vl_buf_add(o, " [shape=box, style=\"rounded,dashed\"");
				label_attr(o, "label", &l);
				vl_buf_add(o, "];\n");
			}
		}
		emit_vteps_of_host(g, (int)i);
		for (int n = g->node_head[i]; n >= 0; n = g->node_next[n])
			if (!g->hide_node[n])
				emit_node(g, &t->nodes[n], "\t\t");
		vl_buf_add(o, "\t}\n");
	}
	for (size_t i = 0; i < t->nswitches; i++)
		if ((!t->switches[i].host || t->switches[i].host_idx < 0) && !g->hide_sw[i])
			emit_switch(g, (int)i, "\t");
	if (g->hosts_n) {
		struct label l = {0};
		label_line(&l, "... %d more hosts", g->hosts_n);
		label_line(&l, "%s ... %s", t->nodes[g->hosts_first].name,
			   t->nodes[g->hosts_last].name);
		vl_buf_add(o, "\t\"f:hosts\" [shape=box3d, style=\"filled,dashed\", "
			      "fillcolor=\"#f6f6f6\"");
		label_attr(o, "label", &l);
		vl_buf_add(o, "];\n");
	}
	for (size_t c = 0; c < g->nchains; c++) {
		const struct chain *ch = &g->chains[c];
		struct label l = {0};
		label_line(&l, "... %d switches", ch->n);
		label_line(&l, "%s ... %s", t->switches[ch->first].name, t->switches[ch->last].name);
		vl_buf_add(o, "\t");
		vl_buf_printf(o, "\"f:chain%zu\"", c);
		vl_buf_add(o, " [shape=box, style=\"filled,dashed\", fillcolor=\"#ececec\"");
		label_attr(o, "label", &l);
		vl_buf_add(o, "];\n");
	}
	for (size_t i = 0; i < t->nnodes; i++) {
		const struct vl_node *n = &t->nodes[i];
		if (!g->boxed[i] && (!n->host || n->host_idx < 0))
			emit_node(g, n, "\t");
	}
}

/* ---- edges ------------------------------------------------------------- */

/* NICs plugged into switches: guest -- vSwitch (vSwitch -- router),
 * host NIC -- switch; outside the host boxes, the way place_outside's hops
 * run. */
static void emit_nic_edges(const struct g *g)
{
	const struct vl_topology *t = g->t;
	struct vl_buf *o = g->out;
	for (size_t i = 0; i < t->nnodes; i++) {
		const struct vl_node *n = &t->nodes[i];
		if (g->hide_node[i])
			continue;
		for (size_t j = 0; j < n->nnics; j++) {
			const struct vl_nic *nic = &n->nics[j];
			if (nic->sw_idx < 0)
				continue;
			const struct vl_switch *s = &t->switches[nic->sw_idx];
			struct label l = {0};
			port_lines(&l, nic);
			security_lines(&l, n, nic, s);
			const char *live = live_lines(g, n->name, nic->name, &l);
			vl_buf_add(o, "\t");
			/* guest -- vSwitch (a router: vSwitch -- router); outside the
			 * boxes, the way the hops from the left edge run */
			int dn = g->dist[i], ds = g->dist[t->nnodes + (size_t)nic->sw_idx];
			bool rev = n->kind == VL_NODE_ROUTER;
			if (!s->host && !g->boxed[i] && !n->host && dn != ds)
				rev = dn > ds;
			if (rev)
				switch_end(g, nic->sw_idx, -1, 0);
			else
				nic_end(g, (int)i, (int)j);
			vl_buf_add(o, " -- ");
			if (rev)
				nic_end(g, (int)i, (int)j);
			else
				switch_end(g, nic->sw_idx, -1, 0);
			vl_buf_printf(o, " [penwidth=%d", s->host ? 1 : 2);
			label_attr(o, "label", &l);
			vl_buf_printf(o, "%s];\n", live);
		}
	}
	/* the "N more" guests of a vSwitch */
	for (size_t s = 0; s < t->nswitches; s++)
		if (g->hosts_sw[s]) {
			vl_buf_add(o, "\t\"f:hosts\" -- ");
			id2(o, "s", t->switches[s].name, NULL);
			vl_buf_add(o, " [penwidth=2, style=dashed];\n");
		}
	for (size_t s = 0; s < t->nswitches; s++)
		if (g->fold_n[s] && !g->hide_sw[s]) {
			vl_buf_add(o, "\t");
			id2(o, "f", t->switches[s].name, NULL);
			vl_buf_add(o, " -- ");
			id2(o, "s", t->switches[s].name, NULL);
			vl_buf_add(o, " [style=dashed];\n");
		}
}

/* vSwitch uplinks (a host NIC or bond enslaved to it) and bond members. */
static void emit_uplinks(const struct g *g)
{
	const struct vl_topology *t = g->t;
	struct vl_buf *o = g->out;
	for (size_t i = 0; i < t->nswitches; i++) {
		const struct vl_switch *s = &t->switches[i];
		if (!s->uplink || s->host_idx < 0 || g->hide_sw[i])
			continue;
		const struct vl_node *h = &t->nodes[s->host_idx];
		struct label l = {0};
		struct vl_buf b = {0};
		label_line(&l, "uplink");
		if (s->nuplink_vlans) {
			vid_list(&b, s->uplink_vlans, s->nuplink_vlans);
			label_line(&l, "trunk %s", b.s);
		}
		if (s->uplink_untagged > 1) /* VLAN 1, the default, goes unsaid */
			label_line(&l, "untagged %d", s->uplink_untagged);
		vl_buf_free(&b);
		vl_buf_add(o, "\t");
		id2(o, "s", s->name, NULL);
		vl_buf_add(o, " -- ");
		id2(o, s->uplink_bond >= 0 ? "b" : "h", h->name, s->uplink);
		vl_buf_add(o, " [penwidth=2");
		label_attr(o, "label", &l);
		vl_buf_add(o, "];\n");
	}
	for (size_t i = 0; i < t->nnodes; i++) {
		const struct vl_node *h = &t->nodes[i];
		if (!g->boxed[i] || g->hide_node[i])
			continue;
		/* inside the box, its own NICs stand right of its vSwitches */
		if (g->sw_head[i] >= 0)
			for (size_t j = 0; j < h->nnics; j++) {
				vl_buf_add(o, "\t");
				id2(o, "s", t->switches[g->sw_head[i]].name, NULL);
				vl_buf_add(o, " -- ");
				id2(o, "h", h->name, h->nics[j].name);
				vl_buf_add(o, " [style=invis];\n");
			}
		for (size_t b = 0; b < h->nbonds; b++)
			for (size_t m = 0; m < h->bonds[b].nmembers; m++) {
				vl_buf_add(o, "\t");
				id2(o, "b", h->name, h->bonds[b].name);
				vl_buf_add(o, " -- ");
				id2(o, "h", h->name, h->bonds[b].members[m]);
				vl_buf_add(o, " [penwidth=2, color=gray30];\n");
			}
	}
}

static void emit_links(const struct g *g)
{
	const struct vl_topology *t = g->t;
	struct vl_buf *o = g->out;
	for (size_t i = 0; i < t->nlinks; i++) {
		const struct vl_link *k = &t->links[i];
		if (g->hide_link[i])
			continue;
		struct label l = {0};
		label_line(&l, "%s", k->name);
		const char *live = "", *lv;
		vl_buf_add(o, "\t");
		if (k->port[0]) {
			for (int e = 0; e < 2; e++)
				if (*(lv = live_lines(g, k->node[e], k->nic[e], &l)))
					live = lv;
			int e0 = g->dist[t->nnodes + (size_t)k->sw_idx[0]] >
				 g->dist[t->nnodes + (size_t)k->sw_idx[1]];
			switch_end(g, k->sw_idx[e0], (int)i, e0);
			vl_buf_add(o, " -- ");
			switch_end(g, k->sw_idx[!e0], (int)i, !e0);
		} else {
			for (int e = 0; e < 2; e++)
				if (*(lv = live_lines(g, k->node[e], k->nic[e], &l)))
					live = lv;
			int e0 = g->dist[k->node_idx[0]] > g->dist[k->node_idx[1]];
			nic_end(g, k->node_idx[e0], k->nic_idx[e0]);
			vl_buf_add(o, " -- ");
			nic_end(g, k->node_idx[!e0], k->nic_idx[!e0]);
		}
		vl_buf_add(o, " [penwidth=2");
		label_attr(o, "label", &l);
		vl_buf_printf(o, "%s];\n", live);
	}
	for (size_t c = 0; c < g->nchains; c++) {
		const struct chain *ch = &g->chains[c];
		for (int e = 0; e < 2; e++) {
			const struct vl_link *k = &t->links[ch->link[e]];
			int end = k->sw_idx[0] == ch->keep[e] ? 0 : 1;
			vl_buf_add(o, "\t");
			if (e == 0) {
				switch_end(g, ch->keep[0], ch->link[0], end);
				vl_buf_printf(o, " -- \"f:chain%zu\"", c);
			} else {
				vl_buf_printf(o, "\"f:chain%zu\" -- ", c);
				switch_end(g, ch->keep[1], ch->link[1], end);
			}
			vl_buf_add(o, " [penwidth=2, style=dashed];\n");
		}
	}
}

/* Per host: vSwitch -- VTEP -- the underlay NIC it uses. The segment
 * itself is one dashed node (name, type, VNI, group) with a dashed tunnel
 * from each VTEP: the frames ride in UDP between the VTEPs' underlay
 * addresses (head-end replication is a full mesh; a star says the same
 * with one label instead of n(n-1)/2). */
static void emit_overlays(const struct g *g)
{
	const struct vl_topology *t = g->t;
	struct vl_buf *o = g->out;
	for (size_t i = 0; i < t->noverlays; i++) {
		const struct vl_overlay *ov = &t->overlays[i];
		const char *type = vl_overlay_type_name(ov->type);
		const char *col = ov_color(t, ov);
		struct label sl = {0};
		if (strcasecmp(ov->name, type)) /* an overlay named "vxlan" says it once */
			label_line(&sl, "%s", ov->name);
		label_line(&sl, "%s %s %u", type, ov->type == VL_OVERLAY_NVGRE ? "VSID" : "VNI",
			   ov->vni);
		if (ov->group.family) {
			char gr[64];
			vl_prefix_format(&ov->group, gr, sizeof(gr), false);
			label_line(&sl, "group %s", gr);
		}
		vl_buf_add(o, "\t");
		id2(o, "o", ov->name, NULL);
		vl_buf_printf(o, " [shape=box, style=\"rounded,dashed,filled\", fillcolor=\"#eef4ff\", "
			      "color=%s, fontcolor=%s, penwidth=2", col, col);
		label_attr(o, "label", &sl);
		vl_buf_add(o, "];\n");
		for (size_t a = 0; a < ov->nswitches; a++) {
			struct label l = {0};
			if (ov->vlan)
				label_line(&l, "vlan %d", ov->vlan);
			vl_buf_add(o, "\t");
			id2(o, "s", ov->switches[a], NULL);
			vl_buf_add(o, " -- ");
			vtep_id(o, ov, a);
			vl_buf_printf(o, " [color=%s, fontcolor=%s", col, col);
			label_attr(o, "label", &l);
			vl_buf_add(o, "];\n");
			if (ov->host_idx && ov->underlay_nic && ov->host_idx[a] >= 0 &&
			    ov->underlay_nic[a] >= 0) {
				const struct vl_node *h = &t->nodes[ov->host_idx[a]];
				vl_buf_add(o, "\t");
				vtep_id(o, ov, a);
				vl_buf_add(o, " -- ");
				id2(o, "h", h->name, h->nics[ov->underlay_nic[a]].name);
				vl_buf_printf(o, " [color=%s, style=bold];\n", col);
			}
			vl_buf_add(o, "\t");
			vtep_id(o, ov, a);
			vl_buf_add(o, " -- ");
			id2(o, "o", ov->name, NULL);
			vl_buf_printf(o, " [style=dashed, color=%s, penwidth=2, minlen=2];\n", col);
		}
	}
}

static void emit_mirrors(const struct g *g)
{
	const struct vl_topology *t = g->t;
	struct vl_buf *o = g->out;
	for (size_t i = 0; i < t->nmirrors; i++) {
		const struct vl_mirror *m = &t->mirrors[i];
		struct label l = {0};
		label_line(&l, "%s%s (%s)", strcasecmp(m->name, "mirror") ? "mirror " : "", m->name,
			   m->ingress && m->egress ? "in+out" : m->ingress ? "in" : "out");
		vl_buf_add(o, "\t");
		nic_end(g, m->src_node_idx, m->src_nic_idx);
		vl_buf_add(o, " -- ");
		nic_end(g, m->dst_node_idx, m->dst_nic_idx);
		vl_buf_add(o, " [style=dotted, dir=forward, color=darkgreen, fontcolor=darkgreen, "
			      "penwidth=2");
		label_attr(o, "label", &l);
		vl_buf_add(o, "];\n");
	}
}

void vl_graph_dot_opts(const struct vl_topology *t, const struct vl_graph_opts *opts,
		       struct vl_buf *o)
{
	static const struct vl_graph_opts none = {0};
	if (!opts)
		opts = &none;
	struct g g;
	g_init(&g, t, opts, o);
	const char *lab = t->lab.name ? t->lab.name : "";
	vl_buf_add(o, "graph ");
	dot_str(o, lab);
	vl_buf_add(o, " {\n\tgraph [rankdir=LR, fontname=\"Helvetica\", fontsize=14, "
		      "labelloc=t, nodesep=0.25, ranksep=0.5, label=");
	char *title = xasprintf("%s%s%s", strcasecmp(lab, "lab") ? "lab " : "", lab,
				opts->running ? " (running)" : "");
	dot_str(o, title);
	free(title);
	vl_buf_add(o, "];\n"
		      "\tnode [fontname=\"Helvetica\", fontsize=10];\n"
		      "\tedge [fontname=\"Helvetica\", fontsize=9];\n");
	emit_places(&g);
	emit_nic_edges(&g);
	emit_uplinks(&g);
	emit_links(&g);
	emit_overlays(&g);
	emit_mirrors(&g);
	vl_buf_add(o, "}\n");
	g_free(&g);
}

void vl_graph_dot(const struct vl_topology *t, struct vl_buf *o)
{
	vl_graph_dot_opts(t, NULL, o);
}
