/* Topology -> Graphviz DOT. A picture of the model, not of the plan: nodes,
 * switches, cables, overlays and mirrors with the words the INI file uses.
 * Output is deterministic (model order) so it can be diffed. */
#include "vlab/graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vlab/plan.h"

/* DOT ids and labels are always quoted; names cannot hold quotes, but
 * escape anyway so a bad model never yields a broken file. */
static void dot_str(struct vl_buf *o, const char *s)
{
	vl_buf_add(o, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			vl_buf_add(o, "\\");
		vl_buf_addn(o, s, 1);
	}
	vl_buf_add(o, "\"");
}

static void node_id(struct vl_buf *o, const char *name)
{
	vl_buf_printf(o, "\"n:%s\"", name);
}

static void switch_id(struct vl_buf *o, const char *name)
{
	vl_buf_printf(o, "\"s:%s\"", name);
}

/* A multi-line label: lines joined with DOT's "\n" escape. */
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

/* Emit ` label="..."` turning newlines into DOT's \n. */
static void label_attr(struct vl_buf *o, const char *key, struct label *l)
{
	vl_buf_printf(o, "%s=\"", key);
	for (const char *s = l->b.s ? l->b.s : ""; *s; s++) {
		if (*s == '\n')
			vl_buf_add(o, "\\n");
		else if (*s == '"' || *s == '\\')
			vl_buf_printf(o, "\\%c", *s);
		else
			vl_buf_addn(o, s, 1);
	}
	vl_buf_add(o, "\"");
	vl_buf_free(&l->b);
}

static void addr_lines(struct label *l, const char *prefix, const struct vl_addr *a,
		       size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char buf[64];
		vl_prefix_format(&a[i].p, buf, sizeof(buf), true);
		label_line(l, "%s%s", prefix, buf);
	}
}

static void shape_lines(struct label *l, const struct vl_nic *nic)
{
	struct vl_buf b = {0};
	if (nic->out.set) {
		vl_shape_format(&nic->out, "", &b);
		if (b.len)
			label_line(l, "out: %s", b.s);
		b.len = 0;
	}
	if (nic->in.set) {
		vl_shape_format(&nic->in, "", &b);
		if (b.len)
			label_line(l, "in: %s", b.s);
	}
	vl_buf_free(&b);
}

static void vlan_lines(struct label *l, const struct vl_nic *nic)
{
	if (nic->access_vlan)
		label_line(l, "vlan %d", nic->access_vlan);
	if (!nic->ntrunk)
		return;
	struct vl_buf b = {0};
	for (size_t i = 0; i < nic->ntrunk; i++)
		vl_buf_printf(&b, "%s%u", i ? "," : "", nic->trunk[i]);
	if (nic->native_vlan)
		label_line(l, "trunk %s native %d", b.s, nic->native_vlan);
	else
		label_line(l, "trunk %s", b.s);
	vl_buf_free(&b);
}

static void emit_node(struct vl_buf *o, const struct vl_node *n, const char *indent)
{
	static const char *const shapes[] = {
		[VL_NODE_HOST] = "shape=box3d",
		[VL_NODE_VM] = "shape=box, style=rounded",
		[VL_NODE_ROUTER] = "shape=octagon",
	};
	struct label l = {0};
	label_line(&l, "%s", n->name);
	label_line(&l, "%s", vl_node_kind_name(n->kind));
	for (size_t i = 0; i < n->nsubs; i++) {
		char buf[64] = "";
		if (n->subs[i].naddrs)
			vl_prefix_format(&n->subs[i].addrs[0].p, buf, sizeof(buf), true);
		label_line(&l, "%s%s%s", n->subs[i].name, *buf ? " " : "", buf);
	}
	if (n->nat)
		label_line(&l, "nat out %s", n->nat);
	vl_buf_add(o, indent);
	node_id(o, n->name);
	vl_buf_printf(o, " [%s, ", shapes[n->kind]);
	label_attr(o, "label", &l);
	vl_buf_add(o, "];\n");
}

static void emit_switch(struct vl_buf *o, const struct vl_switch *s, const char *indent)
{
	struct label l = {0};
	char buf[64];
	label_line(&l, "%s", s->name);
	label_line(&l, "%s", s->host ? "vSwitch" : "switch");
	if (s->subnet.family) {
		vl_prefix_format(&s->subnet, buf, sizeof(buf), true);
		label_line(&l, "%s", buf);
	}
	if (s->subnet6.family) {
		vl_prefix_format(&s->subnet6, buf, sizeof(buf), true);
		label_line(&l, "%s", buf);
	}
	if (s->vlan_filtering > 0)
		label_line(&l, "vlan filtering");
	vl_buf_add(o, indent);
	switch_id(o, s->name);
	vl_buf_printf(o, " [shape=box, style=\"filled%s\", fillcolor=%s, ",
		      s->host ? ",rounded" : "", s->host ? "lightblue" : "lightgray");
	label_attr(o, "label", &l);
	vl_buf_add(o, "];\n");
}

/* Members of each host's cluster, bucketed in one pass (model order kept). */
struct buckets {
	int *node_head, *node_next;
	int *sw_head, *sw_next;
};

static void bucket_init(struct buckets *b, const struct vl_topology *t)
{
	b->node_head = xmalloc((t->nnodes + 1) * sizeof(int));
	b->node_next = xmalloc((t->nnodes + 1) * sizeof(int));
	b->sw_head = xmalloc((t->nnodes + 1) * sizeof(int));
	b->sw_next = xmalloc((t->nswitches + 1) * sizeof(int));
	for (size_t i = 0; i < t->nnodes; i++)
		b->node_head[i] = b->sw_head[i] = -1;
	/* walk backwards and prepend, so each list ends up in model order */
	for (size_t i = t->nnodes; i-- > 0;) {
		int h = t->nodes[i].host ? t->nodes[i].host_idx : -1;
		if (h < 0)
			continue;
		b->node_next[i] = b->node_head[h];
		b->node_head[h] = (int)i;
	}
	for (size_t i = t->nswitches; i-- > 0;) {
		int h = t->switches[i].host ? t->switches[i].host_idx : -1;
		if (h < 0)
			continue;
		b->sw_next[i] = b->sw_head[h];
		b->sw_head[h] = (int)i;
	}
}

static void bucket_free(struct buckets *b)
{
	free(b->node_head);
	free(b->node_next);
	free(b->sw_head);
	free(b->sw_next);
}

static void emit_places(struct vl_buf *o, const struct vl_topology *t)
{
	struct buckets b;
	bucket_init(&b, t);
	for (size_t i = 0; i < t->nnodes; i++) {
		const struct vl_node *h = &t->nodes[i];
		if (h->kind != VL_NODE_HOST)
			continue;
		vl_buf_add(o, "\tsubgraph ");
		vl_buf_printf(o, "\"cluster_%s\" {\n", h->name);
		vl_buf_add(o, "\t\tlabel=");
		char *lbl = xasprintf("host %s", h->name);
		dot_str(o, lbl);
		free(lbl);
		vl_buf_add(o, "; style=rounded; color=gray40;\n");
		emit_node(o, h, "\t\t");
		for (int s = b.sw_head[i]; s >= 0; s = b.sw_next[s])
			emit_switch(o, &t->switches[s], "\t\t");
		for (int n = b.node_head[i]; n >= 0; n = b.node_next[n])
			emit_node(o, &t->nodes[n], "\t\t");
		vl_buf_add(o, "\t}\n");
	}
	for (size_t i = 0; i < t->nswitches; i++)
		if (!t->switches[i].host || t->switches[i].host_idx < 0)
			emit_switch(o, &t->switches[i], "\t");
	for (size_t i = 0; i < t->nnodes; i++) {
		const struct vl_node *n = &t->nodes[i];
		if (n->kind != VL_NODE_HOST && (!n->host || n->host_idx < 0))
			emit_node(o, n, "\t");
	}
	bucket_free(&b);
}

static void emit_nic_edges(struct vl_buf *o, const struct vl_topology *t)
{
	for (size_t i = 0; i < t->nnodes; i++) {
		const struct vl_node *n = &t->nodes[i];
		for (size_t j = 0; j < n->nnics; j++) {
			const struct vl_nic *nic = &n->nics[j];
			if (nic->sw_idx < 0)
				continue;
			struct label l = {0};
			label_line(&l, "%s", nic->name);
			addr_lines(&l, "", nic->addrs, nic->naddrs);
			vlan_lines(&l, nic);
			shape_lines(&l, nic);
			vl_buf_add(o, "\t");
			node_id(o, n->name);
			vl_buf_add(o, " -- ");
			switch_id(o, t->switches[nic->sw_idx].name);
			vl_buf_add(o, " [");
			label_attr(o, "label", &l);
			vl_buf_add(o, "];\n");
		}
	}
}

static void link_end_label(struct label *l, const struct vl_nic *nic)
{
	label_line(l, "%s", nic->name);
	addr_lines(l, "", nic->addrs, nic->naddrs);
	shape_lines(l, nic);
}

/* A cable between two switches, ports named at both ends. */
static void switch_cable(struct vl_buf *o, const struct vl_link *k)
{
	struct label la = {0}, lb = {0}, ln = {0};
	label_line(&la, "%s", k->port[0]->name);
	label_line(&lb, "%s", k->port[1]->name);
	label_line(&ln, "link %s", k->name);
	vl_buf_add(o, "\t");
	switch_id(o, k->node[0]);
	vl_buf_add(o, " -- ");
	switch_id(o, k->node[1]);
	vl_buf_add(o, " [penwidth=2, ");
	label_attr(o, "label", &ln);
	vl_buf_add(o, ", ");
	label_attr(o, "taillabel", &la);
	vl_buf_add(o, ", ");
	label_attr(o, "headlabel", &lb);
	vl_buf_add(o, "];\n");
}

static void emit_links(struct vl_buf *o, const struct vl_topology *t)
{
	for (size_t i = 0; i < t->nlinks; i++) {
		const struct vl_link *k = &t->links[i];
		if (k->port[0]) {
			switch_cable(o, k);
			continue;
		}
		const struct vl_node *a = &t->nodes[k->node_idx[0]];
		const struct vl_node *b = &t->nodes[k->node_idx[1]];
		struct label la = {0}, lb = {0}, ln = {0};
		link_end_label(&la, &a->nics[k->nic_idx[0]]);
		link_end_label(&lb, &b->nics[k->nic_idx[1]]);
		label_line(&ln, "link %s", k->name);
		vl_buf_add(o, "\t");
		node_id(o, a->name);
		vl_buf_add(o, " -- ");
		node_id(o, b->name);
		vl_buf_add(o, " [penwidth=2, ");
		label_attr(o, "label", &ln);
		vl_buf_add(o, ", ");
		label_attr(o, "taillabel", &la);
		vl_buf_add(o, ", ");
		label_attr(o, "headlabel", &lb);
		vl_buf_add(o, "];\n");
	}
}

/* Every pair of VTEPs is a tunnel (full mesh), so draw every pair. */
static void emit_overlays(struct vl_buf *o, const struct vl_topology *t)
{
	for (size_t i = 0; i < t->noverlays; i++) {
		const struct vl_overlay *ov = &t->overlays[i];
		for (size_t a = 0; a < ov->nswitches; a++)
			for (size_t b = a + 1; b < ov->nswitches; b++) {
				struct label l = {0};
				char g[64];
				label_line(&l, "%s %s %u", ov->name,
					   ov->type == VL_OVERLAY_GENEVE ? "geneve" : "vxlan",
					   ov->vni);
				if (ov->vlan)
					label_line(&l, "vlan %d", ov->vlan);
				if (ov->group.family) {
					vl_prefix_format(&ov->group, g, sizeof(g), false);
					label_line(&l, "group %s", g);
				}
				vl_buf_add(o, "\t");
				switch_id(o, ov->switches[a]);
				vl_buf_add(o, " -- ");
				switch_id(o, ov->switches[b]);
				vl_buf_add(o, " [style=dashed, color=blue, fontcolor=blue, ");
				label_attr(o, "label", &l);
				vl_buf_add(o, "];\n");
			}
	}
}

static void emit_mirrors(struct vl_buf *o, const struct vl_topology *t)
{
	for (size_t i = 0; i < t->nmirrors; i++) {
		const struct vl_mirror *m = &t->mirrors[i];
		struct label l = {0};
		label_line(&l, "mirror %s", m->name);
		label_line(&l, "%s:%s %s", m->src_node, m->src_nic,
			   m->ingress && m->egress ? "in+out" : m->ingress ? "in" : "out");
		vl_buf_add(o, "\t");
		node_id(o, m->src_node);
		vl_buf_add(o, " -- ");
		node_id(o, m->dst_node);
		vl_buf_add(o, " [style=dotted, dir=forward, color=darkgreen, "
			      "fontcolor=darkgreen, ");
		label_attr(o, "label", &l);
		vl_buf_add(o, "];\n");
	}
}

void vl_graph_dot(const struct vl_topology *t, struct vl_buf *o)
{
	const char *lab = t->lab.name ? t->lab.name : "";
	vl_buf_add(o, "graph ");
	dot_str(o, lab);
	vl_buf_add(o, " {\n\tgraph [rankdir=LR, fontname=\"Helvetica\", labelloc=t, label=");
	char *title = xasprintf("lab %s", lab);
	dot_str(o, title);
	free(title);
	vl_buf_add(o, "];\n"
		      "\tnode [fontname=\"Helvetica\", fontsize=10];\n"
		      "\tedge [fontname=\"Helvetica\", fontsize=9];\n");
	emit_places(o, t);
	emit_nic_edges(o, t);
	emit_links(o, t);
	emit_overlays(o, t);
	emit_mirrors(o, t);
	vl_buf_add(o, "}\n");
}
