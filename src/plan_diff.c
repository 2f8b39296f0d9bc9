/* The difference between a running lab and its edited file, as a plan of
 * remove / change / create operations (`vlab apply`, `vlab plan --against`,
 * `vlab migrate`). Pure data, no kernel: both topologies are planned as for
 * `up`, and the two plans compared operation by operation.
 *
 * Every plan operation has an identity (kind, namespace, device and, where
 * one device carries several, what tells them apart: the address, the route
 * destination, the FDB remote, the sysctl key). An operation whose identity
 * is in both plans with the same content stays untouched; one only in the
 * old plan is removed; one only in the new plan is created. A changed qdisc
 * or sysctl is changed in place; any other changed operation is removed and
 * created again. Re-creating a device loses what the kernel held on it
 * (addresses, qdiscs, VLAN membership, FDB entries, routes through it,
 * sub-interfaces, enslaved ports), so every untouched operation that depends
 * on such a device is run again; that repeats until nothing new depends on
 * a re-created device. Removing an address flushes the routes whose
 * gateway it reached, so the routes of its namespace are run again too
 * (the executor takes a route that is still there as done). The cost is
 * linear in the size of the plans. */
#include "vlab/plan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "vlab/strmap.h"

#define KEY_MAX (VL_NSNAME_MAX + VL_DEVNAME_MAX + 96)

typedef char key_t_[KEY_MAX];

/* Fate of an operation of the new plan. */
enum fate {
	F_NEW,      /* not in the old plan: create */
	F_SAME,     /* identical and nothing it needs re-created: untouched */
	F_CHANGED,  /* same identity, other content */
	F_RERUN,    /* identical, but what it sits on is re-created: run again */
	F_RECREATE, /* an identical device whose parent/master is re-created */
};

static void op_key(const struct vl_op *op, char *k)
{
	char a[80] = "";
	switch (op->kind) {
	case VL_OP_ADDR:
		vl_prefix_format(&op->u.addr.addr, a, sizeof(a), true);
		break;
	case VL_OP_ROUTE: {
		const struct vl_prefix *d = &op->u.route.dst;
		int fam = d->family ? d->family : op->u.route.via.family;
		int n = snprintf(a, sizeof(a), "%d:", fam);
		if (d->family)
			vl_prefix_format(d, a + n, sizeof(a) - (size_t)n, true);
		break;
	}
	case VL_OP_FDB:
		vl_prefix_format(&op->u.fdb.dst, a, sizeof(a), false);
		break;
	case VL_OP_BRPORT:
		snprintf(a, sizeof(a), "%d%s", op->u.brport.vid, op->u.brport.self ? "s" : "");
		break;
	case VL_OP_SYSCTL:
		snprintf(a, sizeof(a), "%s", op->u.sysctl.key);
		break;
	case VL_OP_MIRROR:
		snprintf(a, sizeof(a), "%s", op->u.mirror.to);
		break;
	case VL_OP_FILTER: {
		/* a rule is known by its text: a changed rule is removed and added */
		struct vl_buf b = {0};
		vl_filter_describe(op, &b);
		snprintf(a, sizeof(a), "%08x", vl_hash32(b.s ? b.s : ""));
		vl_buf_free(&b);
		break;
	}
	default:
		break;
	}
	snprintf(k, KEY_MAX, "%d|%s|%s|%s", (int)op->kind, op->ns, op->dev, a);
}

static void dev_key(char *k, const char *ns, const char *dev)
{
	snprintf(k, KEY_MAX, "%s|%s", ns, dev);
}

static bool is_device(enum vl_op_kind k)
{
	return k == VL_OP_BRIDGE || k == VL_OP_VETH || k == VL_OP_VLAN || k == VL_OP_VXLAN ||
	       k == VL_OP_GENEVE || k == VL_OP_BOND || k == VL_OP_NVGRE;
}

/* Devices an operation creates: (ns, dev) keys; returns how many. */
static int op_devs(const struct vl_op *op, key_t_ out[2])
{
	if (!is_device(op->kind))
		return 0;
	dev_key(out[0], op->ns, op->dev);
	if (op->kind != VL_OP_VETH)
		return 1;
	dev_key(out[1], op->u.veth.peer_ns, op->u.veth.peer_dev);
	return 2;
}

/* Devices an operation needs to exist (beyond its namespace). */
static int op_deps(const struct vl_op *op, key_t_ out[4])
{
	int n = 0;
	switch (op->kind) {
	case VL_OP_ADDR:
	case VL_OP_FDB:
	case VL_OP_BRPORT:
	case VL_OP_QDISC:
	case VL_OP_UP:
		dev_key(out[n++], op->ns, op->dev);
		break;
	case VL_OP_MIRROR:
		dev_key(out[n++], op->ns, op->dev);
		dev_key(out[n++], op->ns, op->u.mirror.to);
		break;
	case VL_OP_VLAN:
		dev_key(out[n++], op->ns, op->u.vlan.parent);
		break;
	case VL_OP_VXLAN:
	case VL_OP_GENEVE:
	case VL_OP_NVGRE:
		if (op->u.tunnel.underlay[0])
			dev_key(out[n++], op->ns, op->u.tunnel.underlay);
		break;
	case VL_OP_VETH:
		if (op->u.veth.peer.master[0])
			dev_key(out[n++], op->u.veth.peer_ns, op->u.veth.peer.master);
		break;
	case VL_OP_BOND:
		if (op->d.master[0])
			dev_key(out[n++], op->ns, op->d.master);
		break;
	default:
		break;
	}
	if (is_device(op->kind) && op->d.master[0])
		dev_key(out[n++], op->ns, op->d.master);
	return n;
}

struct differ {
	const struct vl_plan *o, *n;
	key_t_ *okey, *nkey;
	int *match_old;         /* old op -> new op, -1 */
	int *match_new;         /* new op -> old op, -1 */
	enum fate *fate;
	struct vl_strmap gone;  /* "ns|dev" of devices removed or re-created */
	struct vl_strmap gone_ns; /* namespaces holding such a device (routes) */
	struct vl_strmap dead_ns; /* namespaces removed */
	struct vl_strv keep;    /* owns the strings the maps borrow */
};

static const char *own(struct differ *df, const char *s)
{
	vl_strv_push(&df->keep, s);
	return df->keep.v[df->keep.n - 1];
}

static bool gone_add(struct differ *df, const char *key, const char *ns)
{
	if (vl_strmap_get(&df->gone, key) >= 0)
		return false;
	vl_strmap_add(&df->gone, own(df, key), 1);
	if (vl_strmap_get(&df->gone_ns, ns) < 0)
		vl_strmap_add(&df->gone_ns, own(df, ns), 1);
	return true;
}

static void gone_devs(struct differ *df, const struct vl_op *op)
{
	key_t_ d[2];
	int n = op_devs(op, d);
	for (int i = 0; i < n; i++)
		gone_add(df, d[i], i ? op->u.veth.peer_ns : op->ns);
}

static bool needs_gone(const struct differ *df, const struct vl_op *op)
{
	if (op->kind == VL_OP_ROUTE)
		return vl_strmap_get(&df->gone_ns, op->ns) >= 0;
	key_t_ d[4];
	int n = op_deps(op, d);
	for (int i = 0; i < n; i++)
		if (vl_strmap_get(&df->gone, d[i]) >= 0)
			return true;
	return false;
}

/* Goes with a namespace that is removed. A cable from a removed
 * namespace to one that stays is deleted explicitly first: the kernel
 * frees a deleted namespace's devices later, in the background, and the
 * far end must be gone before anything reuses its name. */
static bool in_dead_ns(const struct differ *df, const struct vl_op *op)
{
	bool dead = vl_strmap_get(&df->dead_ns, op->ns) >= 0;
	if (op->kind == VL_OP_NETNS)
		return false;
	if (op->kind == VL_OP_VETH)
		return dead && vl_strmap_get(&df->dead_ns, op->u.veth.peer_ns) >= 0;
	return dead;
}

static bool changes_in_place(enum vl_op_kind k)
{
	return k == VL_OP_QDISC || k == VL_OP_SYSCTL;
}

static void push(struct vl_diff *d, const struct vl_op *op, enum vl_op_act act, size_t *count)
{
	struct vl_op *o = VL_PUSH(d->plan.ops, d->plan.nops, d->plan.cap);
	*o = *op;
	o->act = (unsigned char)act;
	(*count)++;
}

/* The value a sysctl vlab set has on a fresh namespace. */
static const char *sysctl_default(const char *key)
{
	return strstr(key, "accept_dad") ? "1" : "0";
}

static void classify(struct differ *df)
{
	const struct vl_plan *o = df->o, *n = df->n;
	struct vl_strmap omap = {0};
	for (size_t i = 0; i < o->nops; i++) {
		op_key(&o->ops[i], df->okey[i]);
		df->match_old[i] = -1;
		vl_strmap_add(&omap, df->okey[i], (int)i);
	}
	for (size_t j = 0; j < n->nops; j++) {
		op_key(&n->ops[j], df->nkey[j]);
		int i = vl_strmap_get(&omap, df->nkey[j]);
		df->match_new[j] = i;
		if (i < 0) {
			df->fate[j] = F_NEW;
			continue;
		}
		df->match_old[i] = (int)j;
		df->fate[j] = memcmp(&o->ops[i], &n->ops[j], sizeof(struct vl_op)) ? F_CHANGED : F_SAME;
	}
	vl_strmap_free(&omap);

	for (size_t i = 0; i < o->nops; i++) {
		const struct vl_op *op = &o->ops[i];
		if (df->match_old[i] >= 0)
			continue;
		if (op->kind == VL_OP_NETNS)
			vl_strmap_add(&df->dead_ns, own(df, op->ns), 1);
		gone_devs(df, op);
		/* removing an address flushes the routes through its prefix */
		if (op->kind == VL_OP_ADDR && vl_strmap_get(&df->gone_ns, op->ns) < 0)
			vl_strmap_add(&df->gone_ns, own(df, op->ns), 1);
	}
	for (size_t j = 0; j < n->nops; j++)
		if (df->fate[j] == F_CHANGED && is_device(n->ops[j].kind)) {
			gone_devs(df, &o->ops[df->match_new[j]]);
			gone_devs(df, &n->ops[j]);
		}
	/* what sits on a re-created device is redone, until nothing more is */
	for (bool more = true; more;) {
		more = false;
		for (size_t j = 0; j < n->nops; j++) {
			if (df->fate[j] != F_SAME || !needs_gone(df, &n->ops[j]))
				continue;
			if (is_device(n->ops[j].kind)) {
				df->fate[j] = F_RECREATE;
				gone_devs(df, &n->ops[j]);
				more = true;
			} else {
				df->fate[j] = F_RERUN;
			}
		}
	}
}

static void emit(struct differ *df, struct vl_diff *d)
{
	const struct vl_plan *o = df->o, *n = df->n;
	/* removes, last created first */
	for (size_t k = o->nops; k-- > 0;) {
		const struct vl_op *op = &o->ops[k];
		int j = df->match_old[k];
		enum fate f = j < 0 ? F_NEW : df->fate[j];
		if (j >= 0 && (f == F_SAME || f == F_RERUN))
			continue;
		if (j >= 0 && f == F_CHANGED && changes_in_place(op->kind))
			continue;
		if (in_dead_ns(df, op))
			continue; /* goes with its namespace */
		if (j < 0 && op->kind == VL_OP_HOSTS)
			continue;
		if (j < 0 && !is_device(op->kind) && op->kind != VL_OP_ROUTE &&
		    op->kind != VL_OP_NETNS && needs_gone(df, op))
			continue; /* goes with its device */
		if (j < 0 && op->kind == VL_OP_SYSCTL) {
			struct vl_op back = *op;
			snprintf(back.u.sysctl.value, sizeof(back.u.sysctl.value), "%s",
				 sysctl_default(op->u.sysctl.key));
			push(d, &back, VL_ACT_CHANGE, &d->nchange);
			continue;
		}
		push(d, op, VL_ACT_REMOVE, &d->nremove);
	}
	/* in place */
	for (size_t j = 0; j < n->nops; j++)
		if (df->fate[j] == F_CHANGED && changes_in_place(n->ops[j].kind) &&
		    !needs_gone(df, &n->ops[j]))
			push(d, &n->ops[j], VL_ACT_CHANGE, &d->nchange);
	const char *oh = o->hosts.s ? o->hosts.s : "", *nh = n->hosts.s ? n->hosts.s : "";
	if (strcmp(oh, nh)) {
		struct vl_op h = {.kind = VL_OP_HOSTS};
		snprintf(h.node, sizeof(h.node), "%s", n->lab);
		snprintf(h.u.hosts.path, sizeof(h.u.hosts.path), VL_RUN_DIR "/%s/hosts", n->lab);
		push(d, &h, VL_ACT_CHANGE, &d->nchange);
	}
	/* creates, in plan order */
	for (size_t j = 0; j < n->nops; j++) {
		enum fate f = df->fate[j];
		if (f == F_SAME)
			continue;
		if (f == F_CHANGED && changes_in_place(n->ops[j].kind) && !needs_gone(df, &n->ops[j]))
			continue;
		push(d, &n->ops[j], VL_ACT_CREATE, &d->ncreate);
	}
}

static void collect_netns(struct vl_diff *d)
{
	struct vl_strmap seen = {0};
	struct vl_plan *p = &d->plan;
	for (size_t i = 0; i < p->nops; i++) {
		const char *names[2] = {p->ops[i].ns,
					p->ops[i].kind == VL_OP_VETH ? p->ops[i].u.veth.peer_ns : ""};
		for (int k = 0; k < 2; k++) {
			if (!names[k][0] || vl_strmap_get(&seen, names[k]) >= 0)
				continue;
			vl_strv_push(&p->netns, names[k]);
			vl_strmap_add(&seen, p->netns.v[p->netns.n - 1], 1);
		}
	}
	/* strv may have moved its array while growing: keys were the strings,
	 * which do not move */
	vl_strmap_free(&seen);
}

void vl_plan_diff_plans(const struct vl_plan *old, const struct vl_plan *new, struct vl_diff *d)
{
	struct differ df = {.o = old, .n = new};
	memset(d, 0, sizeof(*d));
	snprintf(d->plan.lab, sizeof(d->plan.lab), "%s", new->lab);
	df.okey = xcalloc(old->nops + 1, sizeof(*df.okey));
	df.nkey = xcalloc(new->nops + 1, sizeof(*df.nkey));
	df.match_old = xcalloc(old->nops + 1, sizeof(int));
	df.match_new = xcalloc(new->nops + 1, sizeof(int));
	df.fate = xcalloc(new->nops + 1, sizeof(enum fate));
	classify(&df);
	emit(&df, d);
	collect_netns(d);
	if (new->hosts.s)
		vl_buf_add(&d->plan.hosts, new->hosts.s);
	free(df.okey);
	free(df.nkey);
	free(df.match_old);
	free(df.match_new);
	free(df.fate);
	vl_strmap_free(&df.gone);
	vl_strmap_free(&df.gone_ns);
	vl_strmap_free(&df.dead_ns);
	vl_strv_free(&df.keep);
}

static const char *kind_word(enum vl_node_kind k)
{
	return k == VL_NODE_HOST ? "host" : k == VL_NODE_VM ? "vm" : "router";
}

static const struct vl_node *find_node(const struct vl_topology *t, const char *name)
{
	for (size_t i = 0; i < t->nnodes; i++)
		if (!strcmp(t->nodes[i].name, name))
			return &t->nodes[i];
	return NULL;
}

static const struct vl_switch *find_switch(const struct vl_topology *t, const char *name)
{
	for (size_t i = 0; i < t->nswitches; i++)
		if (!strcmp(t->switches[i].name, name))
			return &t->switches[i];
	return NULL;
}

static void refuse(struct vl_diff *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void refuse(struct vl_diff *d, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	vl_strv_push(&d->refuse, line);
}

/* What the kernel cannot change in place. */
static void check_in_place(const struct vl_topology *o, const struct vl_topology *n,
			   struct vl_diff *d)
{
	const char *ol = o->lab.name, *nl = n->lab.name;
	if (strcmp(ol, nl)) {
		refuse(d, "the lab's name changed (%s -> %s): a lab cannot be renamed in place; "
		       "run `vlab down %s`, then `vlab up` the file", ol, nl, ol);
		return;
	}
	if (strcmp(o->lab.external ? o->lab.external : "", n->lab.external ? n->lab.external : ""))
		refuse(d, "[lab] external changed: the link into the machine's namespace is made at "
		       "up only; run `vlab down %s`, then `vlab up` the file", ol);
	if (o->lab.ipv6 != n->lab.ipv6 || o->lab.dad != n->lab.dad)
		refuse(d, "[lab] ipv6 or dad changed: every namespace would change; run `vlab down %s`, "
		       "then `vlab up` the file", ol);
	for (size_t i = 0; i < n->nnodes; i++) {
		const struct vl_node *nn = &n->nodes[i], *on = find_node(o, nn->name);
		if (!on) {
			const struct vl_switch *s = find_switch(o, nn->name);
			if (s && s->host_idx < 0)
				refuse(d, "switch %s becomes a %s: a node cannot change kind in place; run "
				       "`vlab down %s`, then `vlab up` the file", nn->name,
				       kind_word(nn->kind), ol);
			continue;
		}
		if (on->kind != nn->kind)
			refuse(d, "node %s changes kind (%s -> %s): a node cannot change kind in place; "
			       "run `vlab down %s`, then `vlab up` the file (or give the new node "
			       "another name)", nn->name, kind_word(on->kind), kind_word(nn->kind), ol);
		else if (on->nat && (!nn->nat || strcmp(on->nat, nn->nat)))
			refuse(d, "router %s: NAT out of %s changes: vlab cannot remove NAT in place; run "
			       "`vlab down %s`, then `vlab up` the file", nn->name, on->nat, ol);
	}
	for (size_t i = 0; i < n->nswitches; i++) {
		const struct vl_switch *ns = &n->switches[i];
		const struct vl_node *on = find_node(o, ns->name);
		if (on && ns->host_idx < 0)
			refuse(d, "%s %s becomes a switch: a node cannot change kind in place; run "
			       "`vlab down %s`, then `vlab up` the file", kind_word(on->kind), ns->name, ol);
	}
	vl_startup_refuse(o, n, &d->refuse); /* run/daemon commands (src/startup.c) */
}

/* Port security rules are appended to their chains: a rule cannot be
 * taken out of (or put into the middle of) a chain of a running lab. */
static void filters_in_place(struct vl_diff *d)
{
	for (size_t i = 0; i < d->plan.nops; i++) {
		const struct vl_op *op = &d->plan.ops[i];
		if (op->kind != VL_OP_FILTER || op->act != VL_ACT_REMOVE)
			continue;
		char lab[sizeof(d->plan.lab)];
		memcpy(lab, d->plan.lab, sizeof(lab));
		refuse(d, "port security rules of %s change (chain %s): vlab cannot change them in "
		       "place; run `vlab down %s`, then `vlab up` the file", op->node,
		       op->u.filter.chain, lab);
		vl_plan_free(&d->plan);
		memcpy(d->plan.lab, lab, sizeof(lab));
		d->nremove = d->nchange = d->ncreate = 0;
		return;
	}
}

int vl_plan_diff(const struct vl_topology *old, const struct vl_topology *new,
		 struct vl_diff *d)
{
	memset(d, 0, sizeof(*d));
	check_in_place(old, new, d);
	if (d->refuse.n) {
		snprintf(d->plan.lab, sizeof(d->plan.lab), "%s", old->lab.name);
		return -1;
	}
	struct vl_plan po, pn;
	struct vl_diags dg = {0};
	if (vl_plan_build(old, &po, &dg) < 0 || vl_plan_build(new, &pn, &dg) < 0) {
		vl_diags_free(&dg);
		refuse(d, "the topology cannot be planned");
		return -1;
	}
	vl_diags_free(&dg);
	struct vl_strv keep = d->refuse;
	vl_plan_diff_plans(&po, &pn, d);
	d->refuse = keep;
	vl_plan_free(&po);
	vl_plan_free(&pn);
	filters_in_place(d);
	return 0;
}

void vl_diff_free(struct vl_diff *d)
{
	vl_plan_free(&d->plan);
	vl_strv_free(&d->refuse);
	memset(d, 0, sizeof(*d));
}

static char act_mark(unsigned char act)
{
	return act == VL_ACT_REMOVE ? '-' : act == VL_ACT_CHANGE ? '~' : '+';
}

static const char *act_word(unsigned char act)
{
	return act == VL_ACT_REMOVE ? "remove" : act == VL_ACT_CHANGE ? "change" : "create";
}

static void describe(const struct vl_op *op, struct vl_buf *out)
{
	if (op->kind == VL_OP_HOSTS && !op->ns[0])
		vl_buf_printf(out, "hosts file %s rewritten", op->u.hosts.path);
	else
		vl_op_describe(op, out);
}

void vl_diff_print(const struct vl_diff *d, struct vl_buf *out)
{
	const struct vl_plan *p = &d->plan;
	vl_buf_printf(out, "apply to lab %s: %zu to remove, %zu to change, %zu to create%s\n", p->lab,
		      d->nremove, d->nchange, d->ncreate, p->nops ? "" : " (nothing to do)");
	for (size_t i = 0; i < d->refuse.n; i++)
		vl_buf_printf(out, "! %s\n", d->refuse.v[i]);
	for (size_t i = 0; i < p->nops; i++) {
		vl_buf_printf(out, "%c ", act_mark(p->ops[i].act));
		describe(&p->ops[i], out);
		vl_buf_add(out, "\n");
	}
}

void vl_diff_json(const struct vl_diff *d, struct vl_buf *out)
{
	const struct vl_plan *p = &d->plan;
	vl_buf_add(out, "{\"lab\":");
	vl_buf_json_str(out, p->lab);
	vl_buf_printf(out, ",\"remove\":%zu,\"change\":%zu,\"create\":%zu,\"refuse\":[", d->nremove,
		      d->nchange, d->ncreate);
	for (size_t i = 0; i < d->refuse.n; i++) {
		vl_buf_add(out, i ? "," : "");
		vl_buf_json_str(out, d->refuse.v[i]);
	}
	vl_buf_add(out, "],\"ops\":[");
	for (size_t i = 0; i < p->nops; i++) {
		struct vl_buf text = {0};
		describe(&p->ops[i], &text);
		vl_buf_add(out, i ? ",\n" : "\n");
		vl_buf_add(out, "{\"act\":");
		vl_buf_json_str(out, act_word(p->ops[i].act));
		vl_buf_add(out, ",\"text\":");
		vl_buf_json_str(out, text.s ? text.s : "");
		vl_buf_add(out, ",\"op\":");
		vl_op_json(&p->ops[i], out);
		vl_buf_add(out, "}");
		vl_buf_free(&text);
	}
	vl_buf_add(out, "]}\n");
}

int vl_topology_place(struct vl_topology *t, const char *node, const char *nic, const char *sw)
{
	struct vl_node *n = NULL;
	for (size_t i = 0; i < t->nnodes && !n; i++)
		if (!strcmp(t->nodes[i].name, node))
			n = &t->nodes[i];
	int si = -1;
	for (size_t i = 0; i < t->nswitches && si < 0; i++)
		if (!strcmp(t->switches[i].name, sw))
			si = (int)i;
	if (!n || si < 0)
		return -ENOENT;
	struct vl_nic *c = NULL;
	for (size_t i = 0; i < n->nnics && !c; i++)
		if (!strcmp(n->nics[i].name, nic))
			c = &n->nics[i];
	if (!c)
		return -ENOENT;
	if (c->sw_idx < 0)
		return -EINVAL;
	c->sw_idx = si;
	free(c->sw);
	c->sw = xstrdup(sw);
	int h = t->switches[si].host_idx;
	if (h >= 0 && n->host_idx >= 0) {
		n->host_idx = h;
		free(n->host);
		n->host = xstrdup(t->nodes[h].name);
	}
	return 0;
}
