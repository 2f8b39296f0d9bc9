/* Changes of a running lab (see include/vlab/runtime.h): the pure parts
 * (where a NIC's shaping lives, impair and fault arguments), the records
 * under /run/vlab/<lab>/changes, and what down and status need of them. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vlab/parse.h"
#include "vlab/paths.h"
#include "vlab/plan.h"
#include "vlab/runtime.h"
#include "vlab/state.h"
#include "vlab/validate.h"

/* ---- where shaping lives ---------------------------------------------- */

static void names_of_nodes(const struct vl_topology *t, struct vl_buf *b)
{
	for (size_t i = 0; i < t->nnodes; i++)
		vl_buf_printf(b, "%s%s", i ? " " : "", t->nodes[i].name);
}

int vl_rt_split(const char *arg, char *node, size_t nn, char *nic, size_t ni)
{
	const char *c = strchr(arg, ':');
	if (!c || c == arg || !c[1] || strchr(c + 1, ':') || (size_t)(c - arg) >= nn ||
	    strlen(c + 1) >= ni)
		return -1;
	memcpy(node, arg, (size_t)(c - arg));
	node[c - arg] = 0;
	snprintf(nic, ni, "%s", c + 1);
	return 0;
}

int vl_rt_locate(const struct vl_topology *t, const char *node, const char *nic, int dir,
		 struct vl_rt_place *out, struct vl_buf *err)
{
	memset(out, 0, sizeof(*out));
	const struct vl_node *n = NULL;
	size_t ni = 0;
	for (; ni < t->nnodes && !n; ni++)
		if (!strcmp(t->nodes[ni].name, node))
			n = &t->nodes[ni];
	if (!n) {
		const char **names = xcalloc(t->nnodes + 1, sizeof(char *));
		for (size_t i = 0; i < t->nnodes; i++)
			names[i] = t->nodes[i].name;
		const char *dym = vl_did_you_mean(node, names, t->nnodes);
		vl_buf_printf(err, "lab %s has no node \"%s\"", t->lab.name, node);
		if (dym)
			vl_buf_printf(err, " (did you mean %s?)", dym);
		vl_buf_add(err, "; its nodes: ");
		names_of_nodes(t, err);
		free(names);
		return -1;
	}
	ni--;
	int shaped_mtu = 0;
	const struct vl_nic *c = NULL;
	size_t ci = 0;
	for (; ci < n->nnics && !c; ci++)
		if (!strcmp(n->nics[ci].name, nic))
			c = &n->nics[ci];
	if (!c) {
		const char **names = xcalloc(n->nnics + 1, sizeof(char *));
		for (size_t i = 0; i < n->nnics; i++)
			names[i] = n->nics[i].name;
		const char *dym = vl_did_you_mean(nic, names, n->nnics);
		vl_buf_printf(err, "node %s has no NIC \"%s\"", node, nic);
		if (dym)
			vl_buf_printf(err, " (did you mean %s?)", dym);
		vl_buf_add(err, n->nnics ? "; its NICs:" : "; it has no NICs");
		for (size_t i = 0; i < n->nnics; i++)
			vl_buf_printf(err, " %s", n->nics[i].name);
		free(names);
		return -1;
	}
	if (dir == VL_DIR_OUT) {
		vl_netns_name(out->ns, t->lab.name, n->name);
		snprintf(out->dev, sizeof(out->dev), "%s", c->name);
		snprintf(out->owner, sizeof(out->owner), "%s", n->name);
		out->node_nic = true;
		out->file = c->out;
		shaped_mtu = c->mtu;
		if (c->link_idx >= 0) {
			const struct vl_link *l = &t->links[c->link_idx];
			int e = l->node_idx[0] == (int)ni && !strcmp(l->nic[0], c->name) ? 0 : 1;
			const struct vl_nic *far = &t->nodes[l->node_idx[!e]].nics[l->nic_idx[!e]];
			if (!c->out.set && far->in.set)
				out->file = far->in;
		}
	} else if (c->sw_idx >= 0) {
		const struct vl_switch *s = &t->switches[c->sw_idx];
		const char *owner = s->host_idx >= 0 ? t->nodes[s->host_idx].name : s->name;
		vl_netns_name(out->ns, t->lab.name, owner);
		vl_port_name(out->dev, n->name, c->name);
		snprintf(out->owner, sizeof(out->owner), "%s", owner);
		out->file = c->in;
		shaped_mtu = c->mtu;
	} else {
		const struct vl_link *l = &t->links[c->link_idx];
		int e = l->node_idx[0] == (int)ni && !strcmp(l->nic[0], c->name) ? 0 : 1;
		const struct vl_node *fn = &t->nodes[l->node_idx[!e]];
		const struct vl_nic *far = &fn->nics[l->nic_idx[!e]];
		vl_netns_name(out->ns, t->lab.name, fn->name);
		snprintf(out->dev, sizeof(out->dev), "%s", far->name);
		snprintf(out->owner, sizeof(out->owner), "%s", fn->name);
		out->node_nic = true;
		out->file = far->out.set ? far->out : c->in;
		shaped_mtu = far->mtu;
	}
	if (!out->file.set)
		memset(&out->file, 0, sizeof(out->file));
	/* the values the planner programmed (derived burst and limit), so the
	 * file's shape compares equal to what the kernel reports */
	vl_shape_derive(&out->file, shaped_mtu);
	return 0;
}

/* ---- what an administrative down removed --------------------------------- */

static bool in_prefix(const struct vl_prefix *net, const struct vl_prefix *a)
{
	if (net->family != a->family || !net->family)
		return false;
	int bits = net->len, whole = bits / 8, rest = bits % 8;
	if (memcmp(net->addr, a->addr, (size_t)whole))
		return false;
	if (!rest)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (net->addr[whole] & mask) == (a->addr[whole] & mask);
}

static bool name_in(const struct vl_strv *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->v[i], s))
			return true;
	return false;
}

void vl_rt_replumb_ops(const struct vl_plan *p, const char *ns, const char *dev,
		       struct vl_plan *sub)
{
	memset(sub, 0, sizeof(*sub));
	/* the device and what is stacked on it (sub-interfaces follow it down) */
	struct vl_strv devs = {0};
	vl_strv_push(&devs, dev);
	for (bool more = true; more;) {
		more = false;
		for (size_t i = 0; i < p->nops; i++) {
			const struct vl_op *op = &p->ops[i];
			if (op->kind == VL_OP_VLAN && !strcmp(op->ns, ns) &&
			    name_in(&devs, op->u.vlan.parent) && !name_in(&devs, op->dev)) {
				vl_strv_push(&devs, op->dev);
				more = true;
			}
		}
	}
	snprintf(sub->lab, sizeof(sub->lab), "%s", p->lab);
	vl_strv_push(&sub->netns, ns);
	for (size_t i = 0; i < p->nops; i++) {
		const struct vl_op *op = &p->ops[i];
		if (op->kind == VL_OP_ADDR && !strcmp(op->ns, ns) && name_in(&devs, op->dev))
			*VL_PUSH(sub->ops, sub->nops, sub->cap) = *op;
	}
	size_t naddr = sub->nops;
	for (size_t i = 0; i < p->nops; i++) {
		const struct vl_op *op = &p->ops[i];
		if (op->kind != VL_OP_ROUTE || strcmp(op->ns, ns))
			continue;
		bool ours = op->u.route.has_dev && name_in(&devs, op->dev);
		for (size_t k = 0; !op->u.route.has_dev && k < naddr && !ours; k++)
			ours = in_prefix(&sub->ops[k].u.addr.addr, &op->u.route.via);
		if (ours)
			*VL_PUSH(sub->ops, sub->nops, sub->cap) = *op;
	}
	vl_strv_free(&devs);
}

/* ---- impair arguments --------------------------------------------------- */

static void clear_key(struct vl_shape *s, const char *key)
{
	static const struct { const char *k; unsigned bits; } keys[] = {
		{"rate", VL_SHAPE_RATE}, {"burst", VL_SHAPE_BURST},
		{"limit", VL_SHAPE_LIMIT | VL_SHAPE_NETEM_LIMIT}, {"delay", VL_SHAPE_DELAY},
		{"jitter", VL_SHAPE_JITTER}, {"loss", VL_SHAPE_LOSS},
		{"duplicate", VL_SHAPE_DUPLICATE}, {"corrupt", VL_SHAPE_CORRUPT},
		{"reorder", VL_SHAPE_REORDER},
	};
	for (size_t i = 0; i < VL_ARRAY_SIZE(keys); i++) {
		if (strcmp(key, keys[i].k))
			continue;
		unsigned b = keys[i].bits;
		if (b & VL_SHAPE_RATE) s->rate_bps = 0;
		if (b & VL_SHAPE_BURST) s->burst_bytes = 0;
		if (b & VL_SHAPE_LIMIT) s->limit_bytes = 0;
		if (b & VL_SHAPE_NETEM_LIMIT) s->netem_limit = 0;
		if (b & VL_SHAPE_DELAY) s->delay_us = 0;
		if (b & VL_SHAPE_JITTER) s->jitter_us = 0;
		if (b & VL_SHAPE_LOSS) s->loss_pct = 0;
		if (b & VL_SHAPE_DUPLICATE) s->duplicate_pct = 0;
		if (b & VL_SHAPE_CORRUPT) s->corrupt_pct = 0;
		if (b & VL_SHAPE_REORDER) s->reorder_pct = 0;
		s->given &= ~b;
	}
}

static bool shape_empty(const struct vl_shape *s)
{
	return !s->rate_bps && !s->burst_bytes && !s->limit_bytes && !s->delay_us &&
	       !s->jitter_us && !(s->loss_pct > 0) && !(s->duplicate_pct > 0) &&
	       !(s->corrupt_pct > 0) && !(s->reorder_pct > 0) && !s->netem_limit;
}

int vl_impair_args(struct vl_shape *s, char *const *args, size_t n, struct vl_buf *err)
{
	static const char *const keys[] = {"rate", "burst", "limit", "delay", "jitter",
					   "loss", "duplicate", "corrupt", "reorder"};
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(args[i], '=');
		char key[32];
		if (!eq || eq == args[i] || (size_t)(eq - args[i]) >= sizeof(key)) {
			vl_buf_printf(err, "\"%s\" is not KEY=VALUE (keys: rate burst limit delay jitter "
				      "loss duplicate corrupt reorder; directions: in out)", args[i]);
			return -1;
		}
		memcpy(key, args[i], (size_t)(eq - args[i]));
		key[eq - args[i]] = 0;
		const char *val = eq + 1, *hint;
		bool known = false;
		for (size_t k = 0; k < VL_ARRAY_SIZE(keys); k++)
			known |= !strcmp(key, keys[k]);
		if (known && (!strcmp(val, "none") || !strcmp(val, "off"))) {
			clear_key(s, key);
			continue;
		}
		int r = known ? vl_shape_key(key, val, s, &hint) : 1;
		if (r == 1) {
			const char *dym = vl_did_you_mean(key, keys, VL_ARRAY_SIZE(keys));
			vl_buf_printf(err, "unknown shaping key \"%s\"%s%s%s; keys: rate burst limit "
				      "delay jitter loss duplicate corrupt reorder", key,
				      dym ? " (did you mean " : "", dym ? dym : "", dym ? "?)" : "");
			return -1;
		}
		if (r < 0) {
			vl_buf_printf(err, "%s \"%s\": %s (or none to remove it)", key, val, hint);
			return -1;
		}
	}
	s->set = !shape_empty(s);
	struct vl_diags d = {0};
	vl_shape_check(s, "", "", &d);
	for (size_t i = 0; i < d.n; i++)
		vl_buf_printf(err, "%s%s", i ? "; " : "", d.v[i].msg);
	size_t e = d.errors;
	vl_diags_free(&d);
	return e ? -1 : 0;
}

bool vl_shape_same(const struct vl_shape *a, const struct vl_shape *b)
{
	return a->rate_bps == b->rate_bps && a->burst_bytes == b->burst_bytes &&
	       a->limit_bytes == b->limit_bytes && a->delay_us == b->delay_us &&
	       a->jitter_us == b->jitter_us && a->loss_pct == b->loss_pct &&
	       a->duplicate_pct == b->duplicate_pct && a->corrupt_pct == b->corrupt_pct &&
	       a->reorder_pct == b->reorder_pct && a->netem_limit == b->netem_limit;
}

void vl_shape_text(const struct vl_shape *s, struct vl_buf *out)
{
	if (shape_empty(s)) {
		vl_buf_add(out, "none");
		return;
	}
	vl_shape_format(s, "", out);
	if (s->limit_bytes)
		vl_buf_printf(out, " limit=%ub", s->limit_bytes);
}

/* ---- fault arguments ---------------------------------------------------- */

int vl_fault_parse(char *const *args, size_t n, struct vl_fault_spec *f, struct vl_buf *err)
{
	static const char *const kinds[] = {"flap", "loss", "delay"};
	memset(f, 0, sizeof(*f));
	if (!n) {
		vl_buf_add(err, "what fault? flap PERIOD [for DURATION], loss PERCENT for DURATION, "
			   "delay TIME for DURATION");
		return -1;
	}
	size_t k;
	for (k = 0; k < VL_ARRAY_SIZE(kinds); k++)
		if (!strcmp(args[0], kinds[k]))
			break;
	if (k == VL_ARRAY_SIZE(kinds)) {
		const char *dym = vl_did_you_mean(args[0], kinds, VL_ARRAY_SIZE(kinds));
		vl_buf_printf(err, "unknown fault \"%s\"%s%s%s; faults: flap, loss, delay", args[0],
			      dym ? " (did you mean " : "", dym ? dym : "", dym ? "?)" : "");
		return -1;
	}
	f->kind = (enum vl_fault_kind)k;
	if (n < 2) {
		vl_buf_printf(err, "%s needs %s", kinds[k],
			      k == 0 ? "a PERIOD (e.g. flap 2s)" : k == 1 ? "a PERCENT (e.g. loss 10%)" :
			      "a TIME (e.g. delay 100ms)");
		return -1;
	}
	const char *v = args[1];
	if (k == VL_FAULT_FLAP) {
		if (vl_parse_time(v, &f->period_us) || f->period_us < 20000) {
			vl_buf_printf(err, "flap period \"%s\": expected a time of at least 20ms with a "
				      "unit (us, ms, s), e.g. 2s", v);
			return -1;
		}
	} else if (k == VL_FAULT_LOSS) {
		if (vl_parse_percent(v, &f->loss_pct) || !(f->loss_pct > 0)) {
			vl_buf_printf(err, "loss \"%s\": expected a percentage above 0 up to 100, e.g. 10%%", v);
			return -1;
		}
	} else if (vl_parse_time(v, &f->delay_us) || !f->delay_us) {
		vl_buf_printf(err, "delay \"%s\": expected a time with a unit (us, ms, s), e.g. 100ms", v);
		return -1;
	}
	if (n == 2 && k == VL_FAULT_FLAP)
		return 0;
	uint32_t d;
	if (n != 4 || strcmp(args[2], "for") || vl_parse_time(args[3], &d) || !d) {
		vl_buf_printf(err, "%s %s: expected \"for DURATION\" (a time with a unit, e.g. for 10s)%s",
			      kinds[k], v, k == 0 ? " or nothing (until vlab fault --stop)" : "");
		return -1;
	}
	f->duration_us = d;
	return 0;
}

static void fmt_us(uint64_t us, struct vl_buf *out)
{
	if (us && us % 1000000 == 0)
		vl_buf_printf(out, "%llus", (unsigned long long)(us / 1000000));
	else if (us % 1000 == 0)
		vl_buf_printf(out, "%llums", (unsigned long long)(us / 1000));
	else
		vl_buf_printf(out, "%lluus", (unsigned long long)us);
}

void vl_fault_text(const struct vl_fault_spec *f, struct vl_buf *out)
{
	if (f->kind == VL_FAULT_FLAP) {
		vl_buf_add(out, "flap ");
		fmt_us(f->period_us, out);
	} else if (f->kind == VL_FAULT_LOSS) {
		vl_buf_printf(out, "loss %g%%", f->loss_pct);
	} else {
		vl_buf_add(out, "delay ");
		fmt_us(f->delay_us, out);
	}
	if (f->duration_us) {
		vl_buf_add(out, " for ");
		fmt_us(f->duration_us, out);
	}
}

/* ---- records ------------------------------------------------------------ */

static void put_word(struct vl_buf *b, const char *w)
{
	char *e = vl_state_escape(w);
	vl_buf_add(b, " ");
	vl_buf_add(b, e);
	free(e);
}

void vl_changes_format(const struct vl_changes *c, struct vl_buf *out)
{
	vl_buf_add(out, "# vlab changes 1: what impair/link/fault changed since up (see vlab(1)).\n");
	for (size_t i = 0; i < c->nshapes; i++) {
		const struct vl_rt_shape *r = &c->shapes[i];
		const struct vl_shape *s = &r->s;
		vl_buf_add(out, "shape");
		put_word(out, r->node);
		put_word(out, r->nic);
		vl_buf_printf(out, " %s %llu %u %u %u %u %.17g %.17g %.17g %.17g %u\n",
			      r->dir == VL_DIR_IN ? "in" : "out", (unsigned long long)s->rate_bps,
			      s->burst_bytes, s->limit_bytes, s->delay_us, s->jitter_us, s->loss_pct,
			      s->duplicate_pct, s->corrupt_pct, s->reorder_pct, s->netem_limit);
	}
	for (size_t i = 0; i < c->nlinks; i++) {
		vl_buf_add(out, "link");
		put_word(out, c->links[i].node);
		put_word(out, c->links[i].nic);
		vl_buf_add(out, " down\n");
	}
	for (size_t i = 0; i < c->nfaults; i++) {
		const struct vl_rt_fault *f = &c->faults[i];
		vl_buf_add(out, "fault");
		put_word(out, f->node);
		put_word(out, f->nic);
		vl_buf_printf(out, " %ld %llu %.3f %.3f", f->pid, f->start, f->began, f->ends);
		put_word(out, f->what);
		vl_buf_add(out, "\n");
	}
}

static bool num_ok(const char *s, const char *end)
{
	return s != end && !*end;
}

static int parse_line(struct vl_changes *c, char **w, size_t n)
{
	char *end;
	if (!strcmp(w[0], "shape") && n == 14) {
		struct vl_shape s = {0};
		int dir = !strcmp(w[3], "in") ? VL_DIR_IN : !strcmp(w[3], "out") ? VL_DIR_OUT : -1;
		unsigned long long v[6];
		double d[4];
		const int ui[6] = {4, 5, 6, 7, 8, 13}, di[4] = {9, 10, 11, 12};
		for (int i = 0; i < 6; i++) {
			v[i] = strtoull(w[ui[i]], &end, 10);
			if (!num_ok(w[ui[i]], end) || (i && v[i] > UINT32_MAX))
				return -1;
		}
		for (int i = 0; i < 4; i++) {
			d[i] = strtod(w[di[i]], &end);
			if (!num_ok(w[di[i]], end) || !(d[i] >= 0 && d[i] <= 100))
				return -1;
		}
		if (dir < 0)
			return -1;
		s.rate_bps = v[0];
		s.burst_bytes = (uint32_t)v[1];
		s.limit_bytes = (uint32_t)v[2];
		s.delay_us = (uint32_t)v[3];
		s.jitter_us = (uint32_t)v[4];
		s.netem_limit = (uint32_t)v[5];
		s.loss_pct = d[0];
		s.duplicate_pct = d[1];
		s.corrupt_pct = d[2];
		s.reorder_pct = d[3];
		s.set = !shape_empty(&s);
		vl_changes_set_shape(c, w[1], w[2], dir, &s);
		return 0;
	}
	if (!strcmp(w[0], "link") && n == 4 && !strcmp(w[3], "down")) {
		vl_changes_set_link(c, w[1], w[2], true);
		return 0;
	}
	if (!strcmp(w[0], "fault") && n == 8) {
		struct vl_rt_fault f = {0};
		f.pid = strtol(w[3], &end, 10);
		if (!num_ok(w[3], end) || f.pid <= 1)
			return -1;
		f.start = strtoull(w[4], &end, 10);
		if (!num_ok(w[4], end))
			return -1;
		f.began = strtod(w[5], &end);
		if (!num_ok(w[5], end))
			return -1;
		f.ends = strtod(w[6], &end);
		if (!num_ok(w[6], end))
			return -1;
		struct vl_rt_fault *p = VL_PUSH(c->faults, c->nfaults, c->faults_cap);
		*p = f;
		p->node = xstrdup(w[1]);
		p->nic = xstrdup(w[2]);
		p->what = xstrdup(w[7]);
		return 0;
	}
	return -1;
}

int vl_changes_parse(FILE *f, struct vl_changes *c)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	memset(c, 0, sizeof(*c));
	while ((len = getline(&line, &cap, f)) >= 0) {
		if (len && line[len - 1] == '\n')
			line[--len] = 0;
		if (!len || line[0] == '#')
			continue;
		struct vl_strv raw = {0}, w = {0};
		bool ok = (size_t)len == strlen(line);
		for (char *p = line; ok && *p; p++)
			ok = (unsigned char)*p >= ' ' && *p != 0x7f;
		if (ok)
			vl_split(&raw, line, false);
		for (size_t i = 0; ok && i < raw.n; i++) {
			char *u = vl_state_unescape(raw.v[i]);
			ok = u != NULL;
			if (u)
				vl_strv_push(&w, u);
			free(u);
		}
		if (!ok || !w.n || parse_line(c, w.v, w.n) < 0)
			c->bad++;
		vl_strv_free(&raw);
		vl_strv_free(&w);
	}
	free(line);
	return 0;
}

int vl_changes_read(const char *lab, struct vl_changes *c)
{
	char path[300];
	memset(c, 0, sizeof(*c));
	vl_path_lab(path, sizeof(path), lab, "changes");
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	FILE *f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	int r = vl_changes_parse(f, c);
	fclose(f);
	return r;
}

int vl_changes_write(const char *lab, const struct vl_changes *c)
{
	struct vl_buf b = {0};
	if (!c->nshapes && !c->nlinks && !c->nfaults) {
		char path[300];
		vl_path_lab(path, sizeof(path), lab, "changes");
		int dfd = vl_state_dir(lab, false);
		if (dfd < 0)
			return dfd;
		int r = unlinkat(dfd, "changes", 0) < 0 && errno != ENOENT ? -errno : 0;
		close(dfd);
		return r; /* as the file: nothing changed */
	}
	vl_changes_format(c, &b);
	int r = vl_state_write_file(lab, "changes", b.s, b.len, 0644);
	vl_buf_free(&b);
	return r;
}

void vl_changes_free(struct vl_changes *c)
{
	for (size_t i = 0; i < c->nshapes; i++) {
		free(c->shapes[i].node);
		free(c->shapes[i].nic);
	}
	for (size_t i = 0; i < c->nlinks; i++) {
		free(c->links[i].node);
		free(c->links[i].nic);
	}
	for (size_t i = 0; i < c->nfaults; i++) {
		free(c->faults[i].node);
		free(c->faults[i].nic);
		free(c->faults[i].what);
	}
	free(c->shapes);
	free(c->links);
	free(c->faults);
	memset(c, 0, sizeof(*c));
}

static bool same_nic(const char *n1, const char *c1, const char *n2, const char *c2)
{
	return !strcmp(n1, n2) && !strcmp(c1, c2);
}

void vl_changes_set_shape(struct vl_changes *c, const char *node, const char *nic, int dir,
			  const struct vl_shape *s)
{
	for (size_t i = 0; i < c->nshapes; i++) {
		struct vl_rt_shape *r = &c->shapes[i];
		if (!same_nic(r->node, r->nic, node, nic) || r->dir != dir)
			continue;
		if (s) {
			r->s = *s;
			return;
		}
		free(r->node);
		free(r->nic);
		memmove(r, r + 1, (c->nshapes - i - 1) * sizeof(*r));
		c->nshapes--;
		return;
	}
	if (!s)
		return;
	struct vl_rt_shape *r = VL_PUSH(c->shapes, c->nshapes, c->shapes_cap);
	r->node = xstrdup(node);
	r->nic = xstrdup(nic);
	r->dir = dir;
	r->s = *s;
}

const struct vl_shape *vl_changes_shape(const struct vl_changes *c, const char *node,
					const char *nic, int dir)
{
	for (size_t i = 0; i < c->nshapes; i++)
		if (same_nic(c->shapes[i].node, c->shapes[i].nic, node, nic) && c->shapes[i].dir == dir)
			return &c->shapes[i].s;
	return NULL;
}

void vl_changes_set_link(struct vl_changes *c, const char *node, const char *nic, bool down)
{
	for (size_t i = 0; i < c->nlinks; i++) {
		struct vl_rt_link *r = &c->links[i];
		if (!same_nic(r->node, r->nic, node, nic))
			continue;
		if (!down) {
			free(r->node);
			free(r->nic);
			memmove(r, r + 1, (c->nlinks - i - 1) * sizeof(*r));
			c->nlinks--;
		}
		return;
	}
	if (!down)
		return;
	struct vl_rt_link *r = VL_PUSH(c->links, c->nlinks, c->links_cap);
	r->node = xstrdup(node);
	r->nic = xstrdup(nic);
}

bool vl_changes_link_down(const struct vl_changes *c, const char *node, const char *nic)
{
	for (size_t i = 0; i < c->nlinks; i++)
		if (same_nic(c->links[i].node, c->links[i].nic, node, nic))
			return true;
	return false;
}

unsigned long long vl_proc_start(long pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	char *p = strrchr(buf, ')'); /* the name may hold blanks and parentheses */
	if (!p || p[1] != ' ')
		return 0;
	/* fields after the name: 3 state ... 22 starttime */
	char state = p[2];
	if (state == 'Z' || state == 'X')
		return 0;
	p += 2;
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return 0;
		p++;
	}
	return strtoull(p, NULL, 10);
}

bool vl_proc_is(long pid, unsigned long long start)
{
	return pid > 1 && start && vl_proc_start(pid) == start;
}

void vl_changes_prune(struct vl_changes *c)
{
	size_t k = 0;
	for (size_t i = 0; i < c->nfaults; i++) {
		struct vl_rt_fault *f = &c->faults[i];
		if (vl_proc_is(f->pid, f->start)) {
			c->faults[k++] = *f;
		} else {
			free(f->node);
			free(f->nic);
			free(f->what);
		}
	}
	c->nfaults = k;
}

int vl_changes_fault(const struct vl_changes *c, const char *node, const char *nic)
{
	for (size_t i = 0; i < c->nfaults; i++)
		if (same_nic(c->faults[i].node, c->faults[i].nic, node, nic) &&
		    vl_proc_is(c->faults[i].pid, c->faults[i].start))
			return (int)i;
	return -1;
}

/* ---- down and status ---------------------------------------------------- */

int vl_rt_end_faults(const char *lab)
{
	struct vl_changes c;
	if (vl_changes_read(lab, &c) < 0)
		return 0;
	int n = 0;
	for (size_t i = 0; i < c.nfaults; i++) {
		struct vl_rt_fault *f = &c.faults[i];
		if (!vl_proc_is(f->pid, f->start))
			continue;
		/* SIGKILL: the lab goes, there is nothing to restore, and it
		 * cannot be mid-change: changes are made under the lock we hold */
		if (kill((pid_t)f->pid, SIGKILL) == 0)
			n++;
	}
	double until = vl_mono_s() + 5;
	for (size_t i = 0; i < c.nfaults; i++) {
		struct vl_rt_fault *f = &c.faults[i];
		while (vl_proc_is(f->pid, f->start) && vl_mono_s() < until) {
			struct timespec ts = {0, 5 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
		if (vl_proc_is(f->pid, f->start))
			fprintf(stderr, "vlab: fault process %ld (%s on %s:%s) did not end\n", f->pid,
				f->what, f->node, f->nic);
	}
	vl_changes_free(&c);
	return n;
}

static double wall_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void vl_rt_status_text(const char *lab)
{
	struct vl_changes c;
	if (vl_changes_read(lab, &c) < 0)
		return;
	vl_changes_prune(&c);
	if (c.nshapes || c.nlinks || c.nfaults)
		printf("  changed since up (differs from the file):\n");
	for (size_t i = 0; i < c.nshapes; i++) {
		struct vl_buf b = {0};
		vl_shape_text(&c.shapes[i].s, &b);
		printf("    * impair %s:%s %s: %s\n", c.shapes[i].node, c.shapes[i].nic,
		       c.shapes[i].dir == VL_DIR_IN ? "in" : "out", b.s);
		vl_buf_free(&b);
	}
	for (size_t i = 0; i < c.nlinks; i++)
		printf("    * link %s:%s down (cable pulled)\n", c.links[i].node, c.links[i].nic);
	for (size_t i = 0; i < c.nfaults; i++) {
		const struct vl_rt_fault *f = &c.faults[i];
		printf("    * fault %s:%s %s (pid %ld", f->node, f->nic, f->what, f->pid);
		if (f->ends > 0)
			{
			double left = f->ends - wall_s();
			printf(", ends in %.1f s", left > 0 ? left : 0);
		}
		printf(")\n");
	}
	vl_changes_free(&c);
}

void vl_rt_status_json(const char *lab, struct vl_buf *out)
{
	struct vl_changes c;
	memset(&c, 0, sizeof(c));
	vl_changes_read(lab, &c);
	vl_changes_prune(&c);
	vl_buf_add(out, "{\"impair\":[");
	for (size_t i = 0; i < c.nshapes; i++) {
		struct vl_buf b = {0};
		vl_shape_text(&c.shapes[i].s, &b);
		vl_buf_add(out, i ? ",{\"node\":" : "{\"node\":");
		vl_buf_json_str(out, c.shapes[i].node);
		vl_buf_add(out, ",\"nic\":");
		vl_buf_json_str(out, c.shapes[i].nic);
		vl_buf_printf(out, ",\"direction\":\"%s\",\"shaping\":",
			      c.shapes[i].dir == VL_DIR_IN ? "in" : "out");
		vl_buf_json_str(out, b.s);
		vl_buf_add(out, "}");
		vl_buf_free(&b);
	}
	vl_buf_add(out, "],\"links_down\":[");
	for (size_t i = 0; i < c.nlinks; i++) {
		vl_buf_add(out, i ? ",{\"node\":" : "{\"node\":");
		vl_buf_json_str(out, c.links[i].node);
		vl_buf_add(out, ",\"nic\":");
		vl_buf_json_str(out, c.links[i].nic);
		vl_buf_add(out, "}");
	}
	vl_buf_add(out, "],\"faults\":[");
	for (size_t i = 0; i < c.nfaults; i++) {
		const struct vl_rt_fault *f = &c.faults[i];
		vl_buf_add(out, i ? ",{\"node\":" : "{\"node\":");
		vl_buf_json_str(out, f->node);
		vl_buf_add(out, ",\"nic\":");
		vl_buf_json_str(out, f->nic);
		vl_buf_add(out, ",\"fault\":");
		vl_buf_json_str(out, f->what);
		vl_buf_printf(out, ",\"pid\":%ld,\"began\":%.3f,\"ends\":", f->pid, f->began);
		if (f->ends > 0)
			vl_buf_printf(out, "%.3f}", f->ends);
		else
			vl_buf_add(out, "null}");
	}
	vl_buf_add(out, "]}");
	vl_changes_free(&c);
}
