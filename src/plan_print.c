/* Plans as text (`vlab plan`) and JSON (`vlab plan --json`). The text form
 * is what golden tests compare, so it must stay stable and deterministic. */
#include "vlab/plan.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static void fmt_prefix(const struct vl_prefix *p, char *buf, size_t n, bool len)
{
	if (!p->family) {
		snprintf(buf, n, "none");
		return;
	}
	vl_prefix_format(p, buf, n, len);
}

static void fmt_mac(const uint8_t m[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
		 m[4], m[5]);
}

/* Units as the topology language writes them, so a plan reads like its
 * source: 100mbit, 5ms, 32kb. */
static void fmt_rate(uint64_t bps, char *buf, size_t n)
{
	static const struct { uint64_t div; const char *unit; } u[] = {
		{1000000000000ull, "tbit"}, {1000000000ull, "gbit"},
		{1000000ull, "mbit"}, {1000ull, "kbit"},
	};
	for (size_t i = 0; i < VL_ARRAY_SIZE(u); i++)
		if (bps >= u[i].div && bps % u[i].div == 0) {
			snprintf(buf, n, "%" PRIu64 "%s", bps / u[i].div, u[i].unit);
			return;
		}
	snprintf(buf, n, "%" PRIu64 "bit", bps);
}

static void fmt_time(uint32_t us, char *buf, size_t n)
{
	if (us && us % 1000000 == 0)
		snprintf(buf, n, "%" PRIu32 "s", us / 1000000);
	else if (us && us % 1000 == 0)
		snprintf(buf, n, "%" PRIu32 "ms", us / 1000);
	else
		snprintf(buf, n, "%" PRIu32 "us", us);
}

static void fmt_size(uint32_t b, char *buf, size_t n)
{
	if (b && b % (1024 * 1024) == 0)
		snprintf(buf, n, "%" PRIu32 "mb", b / (1024 * 1024));
	else if (b && b % 1024 == 0)
		snprintf(buf, n, "%" PRIu32 "kb", b / 1024);
	else
		snprintf(buf, n, "%" PRIu32 "b", b);
}

static bool shape_has_netem(const struct vl_shape *s)
{
	return s->delay_us || s->jitter_us || s->loss_pct > 0 || s->duplicate_pct > 0 ||
	       s->corrupt_pct > 0 || s->reorder_pct > 0 || s->netem_limit;
}

static void describe_shape(const struct vl_shape *s, struct vl_buf *o)
{
	char b[32];
	bool netem = shape_has_netem(s);
	if (netem) {
		vl_buf_add(o, " netem");
		if (s->delay_us) {
			fmt_time(s->delay_us, b, sizeof(b));
			vl_buf_printf(o, " delay %s", b);
		}
		if (s->jitter_us) {
			fmt_time(s->jitter_us, b, sizeof(b));
			vl_buf_printf(o, " jitter %s", b);
		}
		if (s->loss_pct > 0)
			vl_buf_printf(o, " loss %g%%", s->loss_pct);
		if (s->duplicate_pct > 0)
			vl_buf_printf(o, " duplicate %g%%", s->duplicate_pct);
		if (s->corrupt_pct > 0)
			vl_buf_printf(o, " corrupt %g%%", s->corrupt_pct);
		if (s->reorder_pct > 0)
			vl_buf_printf(o, " reorder %g%%", s->reorder_pct);
		if (s->netem_limit)
			vl_buf_printf(o, " limit %" PRIu32, s->netem_limit);
	}
	if (s->rate_bps) {
		vl_buf_add(o, netem ? " + tbf" : " tbf");
		fmt_rate(s->rate_bps, b, sizeof(b));
		vl_buf_printf(o, " rate %s", b);
		if (s->burst_bytes) {
			fmt_size(s->burst_bytes, b, sizeof(b));
			vl_buf_printf(o, " burst %s", b);
		}
		if (s->limit_bytes) {
			fmt_size(s->limit_bytes, b, sizeof(b));
			vl_buf_printf(o, " limit %s", b);
		}
	}
	if (!netem && !s->rate_bps)
		vl_buf_add(o, " (nothing to shape)");
}

void vl_shape_format(const struct vl_shape *s, const char *pre, struct vl_buf *o)
{
	char b[32];
	const char *sep = "";
#define KV(key, ...) (vl_buf_printf(o, "%s%s%s=", sep, pre, key), \
		      vl_buf_printf(o, __VA_ARGS__), sep = " ")
	if (s->rate_bps) {
		fmt_rate(s->rate_bps, b, sizeof(b));
		KV("rate", "%s", b);
	}
	if (s->burst_bytes) {
		fmt_size(s->burst_bytes, b, sizeof(b));
		KV("burst", "%s", b);
	}
	if (s->delay_us) {
		fmt_time(s->delay_us, b, sizeof(b));
		KV("delay", "%s", b);
	}
	if (s->jitter_us) {
		fmt_time(s->jitter_us, b, sizeof(b));
		KV("jitter", "%s", b);
	}
	if (s->loss_pct > 0)
		KV("loss", "%g%%", s->loss_pct);
	if (s->duplicate_pct > 0)
		KV("duplicate", "%g%%", s->duplicate_pct);
	if (s->corrupt_pct > 0)
		KV("corrupt", "%g%%", s->corrupt_pct);
	if (s->reorder_pct > 0)
		KV("reorder", "%g%%", s->reorder_pct);
	if (s->netem_limit)
		KV("limit", "%" PRIu32, s->netem_limit);
#undef KV
}

static void describe_dev(const struct vl_op_dev *d, struct vl_buf *o)
{
	char mac[18];
	if (d->altname[0])
		vl_buf_printf(o, " altname %s", d->altname);
	if (d->has_mac) {
		fmt_mac(d->mac, mac);
		vl_buf_printf(o, " mac %s", mac);
	}
	if (d->mtu)
		vl_buf_printf(o, " mtu %d", d->mtu);
	if (d->master[0])
		vl_buf_printf(o, " master %s", d->master);
	if (d->isolated)
		vl_buf_add(o, " isolated");
	if (d->noaddr)
		vl_buf_add(o, " noaddr");
	if (d->ll6)
		vl_buf_add(o, " addrgenmode none");
	if (d->up)
		vl_buf_add(o, " up");
}

static void describe_sysctl(const struct vl_op *op, struct vl_buf *o)
{
	vl_buf_add(o, "sysctl net.");
	for (const char *k = op->u.sysctl.key; *k; k++)
		vl_buf_addn(o, *k == '/' ? "." : k, 1);
	vl_buf_printf(o, " = %s", op->u.sysctl.value);
}

static void describe_tunnel(const struct vl_op *op, struct vl_buf *o)
{
	char a[64];
	if (op->kind == VL_OP_NVGRE)
		vl_buf_printf(o, "nvgre (gretap) %s vsid %" PRIu32 " key 0x%08" PRIx32, op->dev,
			      op->u.tunnel.vni, op->u.tunnel.vni << 8);
	else
		vl_buf_printf(o, "%s %s id %" PRIu32, vl_op_kind_name(op->kind), op->dev,
			      op->u.tunnel.vni);
	if (op->u.tunnel.local.family) {
		fmt_prefix(&op->u.tunnel.local, a, sizeof(a), false);
		vl_buf_printf(o, " local %s", a);
	}
	if (op->u.tunnel.remote.family) {
		fmt_prefix(&op->u.tunnel.remote, a, sizeof(a), false);
		vl_buf_printf(o, " %s %s", op->u.tunnel.multicast ? "group" : "remote", a);
	}
	if (op->u.tunnel.underlay[0])
		vl_buf_printf(o, " dev %s", op->u.tunnel.underlay);
	if (op->kind != VL_OP_NVGRE)
		vl_buf_printf(o, " dstport %d", op->u.tunnel.port);
	if (op->u.tunnel.ttl)
		vl_buf_printf(o, " ttl %d", op->u.tunnel.ttl);
	if (op->kind == VL_OP_VXLAN)
		vl_buf_add(o, op->u.tunnel.learning ? " learning" : " nolearning");
	describe_dev(&op->d, o);
}

static void describe_brport(const struct vl_op *op, struct vl_buf *o)
{
	vl_buf_printf(o, "bridge vlan %s %s vid %d", op->u.brport.del ? "del" : "add",
		      op->dev, op->u.brport.vid);
	if (op->u.brport.pvid)
		vl_buf_add(o, " pvid");
	if (op->u.brport.untagged)
		vl_buf_add(o, " untagged");
	if (op->u.brport.self)
		vl_buf_add(o, " self");
}

/* A default route may carry its family only in `via`. */
static int route_family(const struct vl_op *op)
{
	return op->u.route.dst.family ? op->u.route.dst.family : op->u.route.via.family;
}

static void describe_route(const struct vl_op *op, struct vl_buf *o)
{
	char a[64];
	if (op->u.route.dst.len == 0)
		snprintf(a, sizeof(a), "default%s",
			 route_family(op) == AF_INET6 ? " (ipv6)" : "");
	else
		fmt_prefix(&op->u.route.dst, a, sizeof(a), true);
	vl_buf_printf(o, "route %s", a);
	if (op->u.route.via.family) {
		fmt_prefix(&op->u.route.via, a, sizeof(a), false);
		vl_buf_printf(o, " via %s", a);
	}
	if (op->u.route.has_dev)
		vl_buf_printf(o, " dev %s", op->dev);
}

static void describe_stp(const struct vl_op *op, struct vl_buf *o)
{
	vl_buf_printf(o, " stp_state 1 forward_delay %d hello_time %d",
		      op->u.bridge.forward_delay_cs, op->u.bridge.hello_time_cs);
	if (op->u.bridge.priority >= 0)
		vl_buf_printf(o, " priority %d", op->u.bridge.priority);
}

void vl_op_describe(const struct vl_op *op, struct vl_buf *o)
{
	char a[64];

	if (op->kind == VL_OP_NETNS) {
		vl_buf_printf(o, "netns %s (%s)", op->ns, op->node);
		return;
	}
	vl_buf_printf(o, "%s: ", op->ns);
	switch (op->kind) {
	case VL_OP_SYSCTL:
		describe_sysctl(op, o);
		break;
	case VL_OP_HOSTS:
		vl_buf_printf(o, "hosts /etc/netns/%s/hosts -> %s", op->ns, op->u.hosts.path);
		break;
	case VL_OP_BRIDGE:
		vl_buf_printf(o, "bridge %s vlan_filtering %d", op->dev,
			      op->u.bridge.vlan_filtering);
		if (op->u.bridge.vlan_filtering)
			vl_buf_printf(o, " default_pvid %d", op->u.bridge.default_pvid);
		vl_buf_printf(o, " mcast_snooping %d", op->u.bridge.mcast_snooping);
		if (op->u.bridge.stp)
			describe_stp(op, o);
		describe_dev(&op->d, o);
		break;
	case VL_OP_BOND:
		vl_buf_printf(o, "bond %s mode %s miimon %d", op->dev,
			      op->u.bond.mode == 1 ? "active-backup" : op->u.bond.mode == 2 ?
			      "balance-xor" : op->u.bond.mode == 4 ? "802.3ad" : "?",
			      op->u.bond.miimon_ms);
		describe_dev(&op->d, o);
		break;
	case VL_OP_VETH:
		vl_buf_printf(o, "veth %s", op->dev);
		describe_dev(&op->d, o);
		vl_buf_printf(o, " <-> %s/%s", op->u.veth.peer_ns, op->u.veth.peer_dev);
		describe_dev(&op->u.veth.peer, o);
		break;
	case VL_OP_VLAN:
		vl_buf_printf(o, "vlan %s on %s id %d", op->dev, op->u.vlan.parent,
			      op->u.vlan.vid);
		describe_dev(&op->d, o);
		break;
	case VL_OP_VXLAN:
	case VL_OP_GENEVE:
	case VL_OP_NVGRE:
		describe_tunnel(op, o);
		break;
	case VL_OP_FILTER:
		vl_filter_describe(op, o);
		break;
	case VL_OP_BRPORT:
		describe_brport(op, o);
		break;
	case VL_OP_FDB:
		fmt_prefix(&op->u.fdb.dst, a, sizeof(a), false);
		vl_buf_printf(o, "fdb append 00:00:00:00:00:00 dev %s dst %s", op->dev, a);
		break;
	case VL_OP_ADDR:
		fmt_prefix(&op->u.addr.addr, a, sizeof(a), true);
		vl_buf_printf(o, "addr %s dev %s%s%s", a, op->dev,
			      op->u.addr.nodad ? " nodad" : "",
			      op->u.addr.ll ? " (link-local)" : "");
		break;
	case VL_OP_UP:
		vl_buf_printf(o, "up %s", op->dev);
		break;
	case VL_OP_ROUTE:
		describe_route(op, o);
		break;
	case VL_OP_QDISC:
		vl_buf_printf(o, "qdisc %s", op->dev);
		describe_shape(&op->u.qdisc.shape, o);
		break;
	case VL_OP_MIRROR:
		vl_buf_printf(o, "mirror %s %s -> %s", op->dev,
			      op->u.mirror.ingress && op->u.mirror.egress ? "in+out" :
			      op->u.mirror.ingress ? "in" : "out", op->u.mirror.to);
		break;
	case VL_OP_NAT:
		vl_buf_printf(o, "nat masquerade oifname %s (table ip vlab)", op->dev);
		break;
	default:
		vl_buf_printf(o, "%s %s", vl_op_kind_name(op->kind), op->dev);
		break;
	}
}

/* Phase headings: FDB goes with tunnels, UP with addresses, as plan.md
 * orders them. */
static const char *phase_of(enum vl_op_kind k)
{
	switch (k) {
	case VL_OP_NETNS: return "namespaces";
	case VL_OP_SYSCTL: return "sysctls";
	case VL_OP_BRIDGE: return "bridges";
	case VL_OP_VETH: return "cables (veth)";
	case VL_OP_VLAN: return "VLAN sub-interfaces";
	case VL_OP_VXLAN:
	case VL_OP_GENEVE:
	case VL_OP_FDB: return "overlays";
	case VL_OP_BRPORT: return "bridge VLAN membership";
	case VL_OP_ADDR:
	case VL_OP_UP: return "addresses";
	case VL_OP_ROUTE: return "routes";
	case VL_OP_QDISC: return "shaping";
	case VL_OP_MIRROR: return "mirrors";
	case VL_OP_NAT: return "NAT";
	case VL_OP_BOND: return "bonds";
	case VL_OP_NVGRE: return "overlays";
	case VL_OP_FILTER: return "port security (nftables bridge)";
	case VL_OP_HOSTS: return "hosts files";
	default: return "other";
	}
}

static int digits(size_t n)
{
	int d = 1;
	while (n >= 10) {
		n /= 10;
		d++;
	}
	return d;
}

void vl_plan_print(const struct vl_plan *p, struct vl_buf *out)
{
	const char *phase = NULL;
	int w = digits(p->nops);

	vl_buf_printf(out, "plan for lab %s: %zu namespaces, %zu operations\n", p->lab,
		      p->netns.n, p->nops);
	for (size_t i = 0; i < p->nops; i++) {
		const char *ph = phase_of(p->ops[i].kind);
		if (ph != phase) {
			vl_buf_printf(out, "\n# %s\n", ph);
			phase = ph;
		}
		vl_buf_printf(out, "%*zu  ", w, i + 1);
		vl_op_describe(&p->ops[i], out);
		vl_buf_add(out, "\n");
	}
	if (p->hosts.len) {
		vl_buf_printf(out, "\n# hosts file " VL_RUN_DIR "/%s/hosts\n", p->lab);
		const char *s = p->hosts.s;
		while (*s) {
			const char *nl = strchr(s, '\n');
			size_t n = nl ? (size_t)(nl - s) : strlen(s);
			vl_buf_add(out, "    ");
			vl_buf_addn(out, s, n);
			vl_buf_add(out, "\n");
			s += n + (nl ? 1 : 0);
		}
	}
	vl_startup_print(p, out);
	if (p->ext.on) {
		vl_buf_add(out, "\n");
		vl_external_describe(&p->ext, out);
	}
}

/* ---- JSON ------------------------------------------------------------- */

static void jkey(struct vl_buf *o, const char *k)
{
	vl_buf_add(o, ",");
	vl_buf_json_str(o, k);
	vl_buf_add(o, ":");
}

static void jstr(struct vl_buf *o, const char *k, const char *v)
{
	jkey(o, k);
	vl_buf_json_str(o, v);
}

static void jint(struct vl_buf *o, const char *k, long long v)
{
	jkey(o, k);
	vl_buf_printf(o, "%lld", v);
}

static void jbool(struct vl_buf *o, const char *k, bool v)
{
	jkey(o, k);
	vl_buf_add(o, v ? "true" : "false");
}

static void jnum(struct vl_buf *o, const char *k, double v)
{
	jkey(o, k);
	vl_buf_printf(o, "%g", v);
}

static void jprefix(struct vl_buf *o, const char *k, const struct vl_prefix *p, bool len)
{
	char a[64];
	if (!p->family)
		return;
	vl_prefix_format(p, a, sizeof(a), len);
	jstr(o, k, a);
}

static void json_dev(struct vl_buf *o, const struct vl_op_dev *d, const char *pre)
{
	char k[32], mac[18];
#define K(name) (snprintf(k, sizeof(k), "%s%s", pre, name), k)
	if (d->has_mac) {
		fmt_mac(d->mac, mac);
		jstr(o, K("mac"), mac);
	}
	if (d->mtu)
		jint(o, K("mtu"), d->mtu);
	if (d->master[0])
		jstr(o, K("master"), d->master);
	if (d->altname[0])
		jstr(o, K("altname"), d->altname);
	jbool(o, K("up"), d->up);
	if (d->isolated)
		jbool(o, K("isolated"), true);
	if (d->noaddr)
		jbool(o, K("noaddr"), true);
	if (d->ll6)
		jbool(o, K("ll6"), true);
#undef K
}

static void json_shape(struct vl_buf *o, const struct vl_shape *s)
{
	if (s->rate_bps)
		jint(o, "rate_bps", (long long)s->rate_bps);
	if (s->burst_bytes)
		jint(o, "burst_bytes", s->burst_bytes);
	if (s->limit_bytes)
		jint(o, "limit_bytes", s->limit_bytes);
	if (s->delay_us)
		jint(o, "delay_us", s->delay_us);
	if (s->jitter_us)
		jint(o, "jitter_us", s->jitter_us);
	if (s->loss_pct > 0)
		jnum(o, "loss_pct", s->loss_pct);
	if (s->duplicate_pct > 0)
		jnum(o, "duplicate_pct", s->duplicate_pct);
	if (s->corrupt_pct > 0)
		jnum(o, "corrupt_pct", s->corrupt_pct);
	if (s->reorder_pct > 0)
		jnum(o, "reorder_pct", s->reorder_pct);
	if (s->netem_limit)
		jint(o, "netem_limit", s->netem_limit);
}

static void json_op(struct vl_buf *o, const struct vl_op *op)
{
	vl_buf_add(o, "{\"op\":");
	vl_buf_json_str(o, vl_op_kind_name(op->kind));
	jstr(o, "node", op->node);
	jstr(o, "ns", op->ns);
	if (op->dev[0])
		jstr(o, "dev", op->dev);
	switch (op->kind) {
	case VL_OP_SYSCTL:
		jstr(o, "key", op->u.sysctl.key);
		jstr(o, "value", op->u.sysctl.value);
		break;
	case VL_OP_HOSTS:
		jstr(o, "path", op->u.hosts.path);
		break;
	case VL_OP_BRIDGE:
		json_dev(o, &op->d, "");
		jbool(o, "vlan_filtering", op->u.bridge.vlan_filtering);
		jint(o, "default_pvid", op->u.bridge.default_pvid);
		jbool(o, "mcast_snooping", op->u.bridge.mcast_snooping);
		if (op->u.bridge.stp) {
			jbool(o, "stp", true);
			jint(o, "forward_delay_cs", op->u.bridge.forward_delay_cs);
			jint(o, "hello_time_cs", op->u.bridge.hello_time_cs);
			if (op->u.bridge.priority >= 0)
				jint(o, "priority", op->u.bridge.priority);
		}
		break;
	case VL_OP_BOND:
		json_dev(o, &op->d, "");
		jint(o, "mode", op->u.bond.mode);
		jint(o, "miimon_ms", op->u.bond.miimon_ms);
		break;
	case VL_OP_VETH:
		json_dev(o, &op->d, "");
		jstr(o, "peer_ns", op->u.veth.peer_ns);
		jstr(o, "peer_dev", op->u.veth.peer_dev);
		json_dev(o, &op->u.veth.peer, "peer_");
		break;
	case VL_OP_VLAN:
		json_dev(o, &op->d, "");
		jstr(o, "parent", op->u.vlan.parent);
		jint(o, "vid", op->u.vlan.vid);
		break;
	case VL_OP_VXLAN:
	case VL_OP_GENEVE:
		json_dev(o, &op->d, "");
		jint(o, "vni", op->u.tunnel.vni);
		jint(o, "port", op->u.tunnel.port);
		if (op->u.tunnel.ttl)
			jint(o, "ttl", op->u.tunnel.ttl);
		if (op->kind == VL_OP_VXLAN)
			jbool(o, "learning", op->u.tunnel.learning);
		jprefix(o, "local", &op->u.tunnel.local, false);
		jprefix(o, op->u.tunnel.multicast ? "group" : "remote",
			&op->u.tunnel.remote, false);
		if (op->u.tunnel.underlay[0])
			jstr(o, "underlay", op->u.tunnel.underlay);
		break;
	case VL_OP_BRPORT:
		jint(o, "vid", op->u.brport.vid);
		jbool(o, "pvid", op->u.brport.pvid);
		jbool(o, "untagged", op->u.brport.untagged);
		if (op->u.brport.self)
			jbool(o, "self", true);
		if (op->u.brport.del)
			jbool(o, "del", true);
		break;
	case VL_OP_FDB:
		jprefix(o, "dst", &op->u.fdb.dst, false);
		break;
	case VL_OP_ADDR:
		jprefix(o, "addr", &op->u.addr.addr, true);
		jbool(o, "nodad", op->u.addr.nodad);
		if (op->u.addr.ll)
			jbool(o, "link_local", true);
		break;
	case VL_OP_ROUTE: {
		char a[64];
		if (op->u.route.dst.len)
			vl_prefix_format(&op->u.route.dst, a, sizeof(a), true);
		else
			snprintf(a, sizeof(a), "%s",
				 route_family(op) == AF_INET6 ? "::/0" : "0.0.0.0/0");
		jstr(o, "dst", a);
		jprefix(o, "via", &op->u.route.via, false);
		jbool(o, "has_dev", op->u.route.has_dev);
		break;
	}
	case VL_OP_QDISC:
		json_shape(o, &op->u.qdisc.shape);
		break;
	case VL_OP_FILTER:
		vl_filter_json(op, o);
		break;
	case VL_OP_NVGRE:
		json_dev(o, &op->d, "");
		jint(o, "vsid", op->u.tunnel.vni);
		jint(o, "key", (long long)op->u.tunnel.vni << 8);
		if (op->u.tunnel.ttl)
			jint(o, "ttl", op->u.tunnel.ttl);
		jprefix(o, "local", &op->u.tunnel.local, false);
		jprefix(o, "remote", &op->u.tunnel.remote, false);
		break;
	case VL_OP_MIRROR:
		jstr(o, "to", op->u.mirror.to);
		jbool(o, "ingress", op->u.mirror.ingress);
		jbool(o, "egress", op->u.mirror.egress);
		break;
	default:
		break;
	}
	vl_buf_add(o, "}");
}

void vl_op_json(const struct vl_op *op, struct vl_buf *out)
{
	json_op(out, op);
}

static void json_teardown(const struct vl_plan *p, struct vl_buf *o)
{
	bool first = true;
#define SEP() (vl_buf_add(o, first ? "" : ","), first = false)
	for (size_t i = 0; i < p->netns.n; i++) {
		SEP();
		vl_buf_add(o, "{\"op\":\"delete-netns\",\"ns\":");
		vl_buf_json_str(o, p->netns.v[i]);
		vl_buf_add(o, "}");
	}
	for (size_t i = 0; i < p->nops; i++) {
		if (p->ops[i].kind != VL_OP_HOSTS)
			continue;
		char path[128];
		SEP();
		snprintf(path, sizeof(path), "/etc/netns/%s", p->ops[i].ns);
		vl_buf_add(o, "{\"op\":\"remove\",\"path\":");
		vl_buf_json_str(o, path);
		vl_buf_add(o, "}");
	}
	char run[64];
	snprintf(run, sizeof(run), VL_RUN_DIR "/%s", p->lab);
	SEP();
	vl_buf_add(o, "{\"op\":\"remove\",\"path\":");
	vl_buf_json_str(o, run);
	vl_buf_add(o, "}");
#undef SEP
}

void vl_plan_json(const struct vl_plan *p, struct vl_buf *o)
{
	vl_buf_add(o, "{\"lab\":");
	vl_buf_json_str(o, p->lab);
	vl_buf_add(o, ",\"netns\":[");
	for (size_t i = 0; i < p->netns.n; i++) {
		if (i)
			vl_buf_add(o, ",");
		vl_buf_json_str(o, p->netns.v[i]);
	}
	vl_buf_add(o, "],\"ops\":[");
	for (size_t i = 0; i < p->nops; i++) {
		vl_buf_add(o, i ? ",\n" : "\n");
		json_op(o, &p->ops[i]);
	}
	vl_buf_add(o, "],\"hosts\":");
	vl_buf_json_str(o, p->hosts.s ? p->hosts.s : "");
	vl_startup_json(p, o); /* ,"startup":[...] when the file has commands */
	if (p->ext.on) {
		vl_buf_add(o, ",\"external\":{\"root_namespace\":true");
		jstr(o, "node", p->ext.node);
		jstr(o, "ns", p->ext.ns);
		jstr(o, "dev", p->ext.dev);
		jstr(o, "root_dev", p->ext.root_dev);
		jstr(o, "nft_table", p->ext.table);
		jprefix(o, "net", &p->ext.net, true);
		jbool(o, "ip_forward", true);
		vl_buf_add(o, "}");
	}
	vl_buf_add(o, ",\"teardown\":[");
	json_teardown(p, o);
	vl_buf_add(o, "]}\n");
}

void vl_plan_print_teardown(const struct vl_plan *p, struct vl_buf *out)
{
	size_t n = 0;
	vl_buf_printf(out, "teardown of lab %s: %zu namespaces\n", p->lab, p->netns.n);
	vl_buf_add(out, "\n# namespaces (every device of the lab goes with them)\n");
	for (size_t i = 0; i < p->netns.n; i++)
		vl_buf_printf(out, "%3zu  delete netns %s (umount and unlink "
			      VL_NETNS_DIR "/%s)\n", ++n, p->netns.v[i], p->netns.v[i]);
	vl_buf_add(out, "\n# files\n");
	for (size_t i = 0; i < p->nops; i++)
		if (p->ops[i].kind == VL_OP_HOSTS)
			vl_buf_printf(out, "%3zu  remove /etc/netns/%s/hosts and "
				      "/etc/netns/%s/\n", ++n, p->ops[i].ns, p->ops[i].ns);
	vl_buf_printf(out, "%3zu  remove " VL_RUN_DIR "/%s/\n", ++n, p->lab);
	vl_buf_printf(out, "%3zu  wait for the kernel to finish removing devices\n", ++n);
}
