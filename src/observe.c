/* The pure half of `vlab capture` and `vlab stats` (see
 * include/vlab/observe.h): argument parsing, finding NODE:IF in what the
 * kernel reported, one-line packet summaries, rates, the table and JSON. */
#include "vlab/observe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h> /* isfinite (a macro) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vlab/naming.h"

static const char *const ctr_keys[VL_CTR__COUNT] = {
	"rx_packets", "rx_bytes", "rx_dropped", "rx_errors",
	"tx_packets", "tx_bytes", "tx_dropped", "tx_errors",
	"qdisc_drops", "qdisc_overlimits", "qdisc_requeues",
};

const char *vl_ctr_key(enum vl_ctr c)
{
	return (unsigned)c < VL_CTR__COUNT ? ctr_keys[c] : "?";
}

/* ---- the lab as read from the kernel ---- */

void vl_obs_lab_free(struct vl_obs_lab *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct vl_obs_ns *n = &l->v[i];
		for (size_t k = 0; k < n->n; k++) {
			free(n->ifs[k].alias);
			vl_strv_free(&n->ifs[k].altnames);
		}
		free(n->ifs);
		free(n->ns);
		free(n->node);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

struct vl_obs_ns *vl_obs_add_ns(struct vl_obs_lab *l, const char *ns, const char *node)
{
	struct vl_obs_ns *n = VL_PUSH(l->v, l->n, l->cap);
	n->ns = xstrdup(ns);
	n->node = xstrdup(node ? node : ns);
	return n;
}

struct vl_ifrec *vl_obs_add_if(struct vl_obs_ns *n, int index, const char *name,
			       const char *kind, int master)
{
	struct vl_ifrec *f = VL_PUSH(n->ifs, n->n, n->cap);
	f->index = index;
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(f->kind, sizeof(f->kind), "%s", kind ? kind : "");
	f->master = master;
	return f;
}

const char *vl_obs_mark_node(const char *alias, const char *lab)
{
	size_t pl = strlen(VL_ALIAS_PREFIX), ll = strlen(lab);
	if (!alias || strncmp(alias, VL_ALIAS_PREFIX, pl) || strncmp(alias + pl, lab, ll) ||
	    alias[pl + ll] != ':' || !alias[pl + ll + 1])
		return NULL;
	return alias + pl + ll + 1;
}

const struct vl_ifrec *vl_obs_if_by_index(const struct vl_obs_ns *n, int index)
{
	for (size_t i = 0; i < n->n; i++)
		if (n->ifs[i].index == index)
			return &n->ifs[i];
	return NULL;
}

static bool is_vtep(const struct vl_ifrec *f)
{
	return !strcmp(f->kind, "vxlan") || !strcmp(f->kind, "geneve");
}

const char *vl_obs_layer(const struct vl_obs_ns *n, const struct vl_ifrec *f)
{
	if (!strcmp(f->kind, "bridge"))
		return "switch";
	const struct vl_ifrec *m = f->master ? vl_obs_if_by_index(n, f->master) : NULL;
	if (m && !strcmp(m->kind, "bridge"))
		return "port";
	if (is_vtep(f))
		return "vtep";
	if (!strcmp(f->kind, "vlan"))
		return "vlan";
	for (size_t i = 0; i < n->n; i++)
		if (!strcmp(n->ifs[i].kind, "bridge") || is_vtep(&n->ifs[i]))
			return "underlay";
	return "nic";
}

/* ---- finding NODE:IF ---- */

/* At most 12 names: a 1000-VM lab must not fill the screen with them. */
static void list_words(struct vl_buf *b, const char *const *w, size_t n)
{
	enum { MAX_LISTED = 12 };
	if (!n)
		vl_buf_add(b, "none");
	for (size_t i = 0; i < n && i < MAX_LISTED; i++)
		vl_buf_printf(b, "%s%s", i ? ", " : "", w[i]);
	if (n > MAX_LISTED)
		vl_buf_printf(b, " and %zu more", n - MAX_LISTED);
}

static void push_unique(const char ***v, size_t *n, size_t *cap, const char *s)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i], s))
			return;
	*VL_PUSH(*v, *n, *cap) = s;
}

int vl_obs_find_node(const struct vl_obs_lab *l, const char *lab, const char *node,
		     bool *is_switch, struct vl_buf *err)
{
	*is_switch = false;
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].node, node))
			return (int)i;
	for (size_t i = 0; i < l->n; i++)
		for (size_t k = 0; k < l->v[i].n; k++)
			if (!strcmp(l->v[i].ifs[k].kind, "bridge") && !strcmp(l->v[i].ifs[k].name, node)) {
				*is_switch = true;
				return (int)i;
			}
	const char **nodes = NULL, **sws = NULL, **all = NULL;
	size_t nn = 0, ncap = 0, ns = 0, scap = 0, na = 0, acap = 0;
	for (size_t i = 0; i < l->n; i++) {
		push_unique(&nodes, &nn, &ncap, l->v[i].node);
		push_unique(&all, &na, &acap, l->v[i].node);
		for (size_t k = 0; k < l->v[i].n; k++)
			if (!strcmp(l->v[i].ifs[k].kind, "bridge")) {
				push_unique(&sws, &ns, &scap, l->v[i].ifs[k].name);
				push_unique(&all, &na, &acap, l->v[i].ifs[k].name);
			}
	}
	vl_buf_printf(err, "lab %s has no node or switch \"%s\"", lab, node);
	const char *dym = vl_did_you_mean(node, all, na);
	if (dym)
		vl_buf_printf(err, "; did you mean \"%s\"?", dym);
	vl_buf_add(err, " (nodes: ");
	list_words(err, nodes, nn);
	vl_buf_add(err, "; switches: ");
	list_words(err, sws, ns);
	vl_buf_add(err, ")");
	free(nodes);
	free(sws);
	free(all);
	return -1;
}

static bool if_matches(const struct vl_ifrec *f, const char *name)
{
	if (!strcmp(f->name, name))
		return true;
	for (size_t i = 0; i < f->altnames.n; i++)
		if (!strcmp(f->altnames.v[i], name))
			return true;
	return false;
}

int vl_obs_find(const struct vl_obs_lab *l, const char *lab, const char *node,
		const char *ifname, size_t *ns_i, size_t *if_i, struct vl_buf *err)
{
	bool sw;
	int i = vl_obs_find_node(l, lab, node, &sw, err);
	if (i < 0)
		return -1;
	const struct vl_obs_ns *n = &l->v[i];
	int bridge = 0;
	for (size_t k = 0; sw && k < n->n; k++)
		if (!strcmp(n->ifs[k].kind, "bridge") && !strcmp(n->ifs[k].name, node))
			bridge = n->ifs[k].index;
	const char **cands = NULL;
	size_t nc = 0, cap = 0;
	for (size_t k = 0; k < n->n; k++) {
		const struct vl_ifrec *f = &n->ifs[k];
		bool member = !sw || f->index == bridge || f->master == bridge;
		if (member && if_matches(f, ifname)) {
			free(cands);
			*ns_i = (size_t)i;
			*if_i = k;
			return 0;
		}
		if (sw && !member && if_matches(f, ifname)) {
			free(cands);
			vl_buf_printf(err, "%s is not a port of switch %s: it is an interface of %s "
				      "(capture it as %s:%s)", ifname, node, n->node, n->node, ifname);
			return -1;
		}
		if (member)
			push_unique(&cands, &nc, &cap, f->name);
	}
	if (sw)
		vl_buf_printf(err, "switch %s (in %s) has no port \"%s\"", node, n->node, ifname);
	else
		vl_buf_printf(err, "node %s has no interface \"%s\"", node, ifname);
	const char *dym = vl_did_you_mean(ifname, cands, nc);
	if (dym)
		vl_buf_printf(err, "; did you mean \"%s\"?", dym);
	vl_buf_add(err, sw ? " (its ports: " : " (its interfaces: ");
	list_words(err, cands, nc);
	vl_buf_add(err, ")");
	free(cands);
	return -1;
}

/* ---- arguments ---- */

int vl_split_target(const char *s, char **node, char **ifname, struct vl_buf *err)
{
	const char *colon = strchr(s, ':');
	if (!colon || colon == s || !colon[1]) {
		vl_buf_printf(err, "\"%s\" is not NODE:IF (for example vm1:eth0, vs1:vm1-eth0, "
			      "hv1:vx100)", s);
		return -1;
	}
	if (strchr(colon + 1, ':') || strlen(colon + 1) >= VL_ALTNAME_MAX) {
		vl_buf_printf(err, "\"%s\": \"%s\" is not an interface name", s, colon + 1);
		return -1;
	}
	const char *why;
	char *n = xstrndup(s, (size_t)(colon - s));
	if (!vl_name_ok(n, 64, &why)) {
		vl_buf_printf(err, "\"%s\": node name \"%s\" %s", s, n, why);
		free(n);
		return -1;
	}
	*node = n;
	*ifname = xstrdup(colon + 1);
	return 0;
}

static bool parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_seconds(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < 0.1 || v > 3600)
		return false;
	*out = v;
	return true;
}

static bool looks_numeric(const char *s)
{
	char *end;
	errno = 0;
	(void)strtod(s, &end);
	return end != s && !*end;
}

void vl_capture_args_free(struct vl_capture_args *a)
{
	free(a->node);
	free(a->ifname);
	free(a->filter);
	memset(a, 0, sizeof(*a));
}

int vl_capture_parse(int argc, char **argv, struct vl_capture_args *a, struct vl_buf *err)
{
	memset(a, 0, sizeof(*a));
	const char *target = NULL;
	struct vl_buf filter = {0};
	bool opts = true;
	for (int i = 1; i < argc; i++) {
		const char *w = argv[i];
		if (opts && !strcmp(w, "--")) {
			opts = false;
		} else if (opts && (!strcmp(w, "-c") || !strcmp(w, "--count"))) {
			if (i + 1 >= argc || !parse_long(argv[i + 1], 1, 1000000000L, &a->count)) {
				vl_buf_printf(err, "%s needs a packet count (1 or more)", w);
				goto bad;
			}
			i++;
		} else if (opts && (!strcmp(w, "-w") || !strcmp(w, "--write"))) {
			if (i + 1 >= argc || !argv[i + 1][0]) {
				vl_buf_printf(err, "%s needs a file name (or - for standard output)", w);
				goto bad;
			}
			a->write = argv[++i];
		} else if (opts && w[0] == '-' && w[1]) {
			vl_buf_printf(err, "unknown option \"%s\" (options: -c N, -w FILE)", w);
			goto bad;
		} else if (!a->lab) {
			a->lab = w;
		} else if (!target) {
			target = w;
		} else {
			if (filter.len)
				vl_buf_add(&filter, " ");
			vl_buf_add(&filter, w);
		}
	}
	if (!target) {
		vl_buf_add(err, a->lab ? "missing NODE:IF (the interface to capture on)"
				       : "missing LAB and NODE:IF");
		goto bad;
	}
	if (vl_split_target(target, &a->node, &a->ifname, err) < 0)
		goto bad;
	a->filter = filter.s ? filter.s : xstrdup("");
	return 0;
bad:
	vl_buf_free(&filter);
	vl_capture_args_free(a);
	return -1;
}

void vl_stats_args_free(struct vl_stats_args *a)
{
	free(a->node);
	free(a->ifname);
	memset(a, 0, sizeof(*a));
}

int vl_stats_parse(int argc, char **argv, struct vl_stats_args *a, struct vl_buf *err)
{
	memset(a, 0, sizeof(*a));
	a->interval = 1;
	const char *target = NULL;
	bool count_given = false;
	for (int i = 1; i < argc; i++) {
		const char *w = argv[i];
		if (!strcmp(w, "--json")) {
			a->json = true;
		} else if (!strcmp(w, "--watch") || !strcmp(w, "-w")) {
			a->watch = true;
			/* SECONDS is optional: the next word is it when it is a number */
			if (i + 1 < argc && looks_numeric(argv[i + 1])) {
				if (!parse_seconds(argv[i + 1], &a->interval)) {
					vl_buf_printf(err, "--watch %s: seconds must be 0.1 to 3600",
						      argv[i + 1]);
					goto bad;
				}
				i++;
			}
		} else if (!strncmp(w, "--watch=", 8)) {
			a->watch = true;
			if (!parse_seconds(w + 8, &a->interval)) {
				vl_buf_printf(err, "--watch: \"%s\" is not a number of seconds "
					      "(0.1 to 3600)", w + 8);
				goto bad;
			}
		} else if (!strcmp(w, "--count") || !strcmp(w, "-n")) {
			if (i + 1 >= argc || !parse_long(argv[i + 1], 1, 1000000000L, &a->count)) {
				vl_buf_printf(err, "%s needs a number of refreshes (1 or more)", w);
				goto bad;
			}
			count_given = true;
			i++;
		} else if (w[0] == '-') {
			vl_buf_printf(err, "unknown option \"%s\" (options: --json, --watch [SECONDS], "
				      "--count N)", w);
			goto bad;
		} else if (!a->lab) {
			a->lab = w;
		} else if (!target) {
			target = w;
		} else {
			vl_buf_printf(err, "unexpected \"%s\" (one NODE or NODE:IF at most)", w);
			goto bad;
		}
	}
	if (!a->lab) {
		vl_buf_add(err, "missing LAB");
		goto bad;
	}
	if (count_given && !a->watch) {
		vl_buf_add(err, "--count counts refreshes: use it with --watch");
		goto bad;
	}
	if (target && strchr(target, ':')) {
		if (vl_split_target(target, &a->node, &a->ifname, err) < 0)
			goto bad;
	} else if (target) {
		const char *why;
		if (!vl_name_ok(target, 64, &why)) {
			vl_buf_printf(err, "node name \"%s\" %s", target, why);
			goto bad;
		}
		a->node = xstrdup(target);
	}
	return 0;
bad:
	vl_stats_args_free(a);
	return -1;
}

/* ---- packet summaries ---- */

struct out {
	char *s;
	size_t n, len;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	if (o->len + 1 >= o->n)
		return;
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(o->s + o->len, o->n - o->len, fmt, ap);
	va_end(ap);
	if (r > 0)
		o->len = o->len + (size_t)r < o->n ? o->len + (size_t)r : o->n - 1;
}

static unsigned be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_mac(struct out *o, const uint8_t *m)
{
	put(o, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void summarize_ether(struct out *o, const uint8_t *p, size_t len, int depth);

static const char *tcp_flags(unsigned f, char *buf)
{
	static const char names[] = "FSRPAUEC";
	size_t k = 0;
	for (int i = 0; i < 8; i++)
		if (f & (1u << i))
			buf[k++] = names[i] == 'A' ? '.' : names[i];
	buf[k] = '\0';
	return k ? buf : "none";
}

static void summarize_l4(struct out *o, int proto, const uint8_t *p, size_t len, int depth)
{
	switch (proto) {
	case 1: /* ICMP */
		if (len < 4)
			break;
		if ((p[0] == 8 || p[0] == 0) && len >= 8) {
			put(o, " ICMP echo %s id %u seq %u", p[0] == 8 ? "request" : "reply",
			    be16(p + 4), be16(p + 6));
			return;
		}
		if (p[0] == 3) {
			put(o, " ICMP unreachable code %u%s", p[1],
			    p[1] == 4 ? " (fragmentation needed)" : "");
			return;
		}
		if (p[0] == 11) {
			put(o, " ICMP time exceeded");
			return;
		}
		put(o, " ICMP type %u code %u", p[0], p[1]);
		return;
	case 58: /* ICMPv6 */
		if (len < 4)
			break;
		switch (p[0]) {
		case 128: case 129:
			if (len >= 8) {
				put(o, " ICMP6 echo %s id %u seq %u", p[0] == 128 ? "request" : "reply",
				    be16(p + 4), be16(p + 6));
				return;
			}
			break;
		case 133: put(o, " ICMP6 router solicitation"); return;
		case 134: put(o, " ICMP6 router advertisement"); return;
		case 135: case 136:
			if (len >= 24) {
				char a[INET6_ADDRSTRLEN];
				inet_ntop(AF_INET6, p + 8, a, sizeof(a));
				put(o, " ICMP6 neighbor %s %s", p[0] == 135 ? "solicitation who-has" :
				    "advertisement tgt-is", a);
				return;
			}
			break;
		case 2: put(o, " ICMP6 packet too big mtu %u", len >= 8 ? be32(p + 4) : 0); return;
		case 143: put(o, " ICMP6 multicast listener report v2"); return;
		default: put(o, " ICMP6 type %u code %u", p[0], p[1]); return;
		}
		break;
	case 6: /* TCP */
		if (len < 14)
			break;
		{
			char fb[9];
			put(o, " TCP %u > %u [%s] seq %u", be16(p), be16(p + 2),
			    tcp_flags(p[13], fb), be32(p + 4));
		}
		return;
	case 17: /* UDP */
		if (len < 8)
			break;
		put(o, " UDP %u > %u len %u", be16(p), be16(p + 2), be16(p + 4));
		if (depth == 0 && be16(p + 2) == 4789 && len >= 16 && (p[8] & 0x08)) {
			put(o, " VXLAN vni %u:", be32(p + 12) >> 8);
			summarize_ether(o, p + 16, len - 16, depth + 1);
		} else if (depth == 0 && be16(p + 2) == 6081 && len >= 16) {
			size_t optlen = (size_t)(p[8] & 0x3f) * 4;
			put(o, " Geneve vni %u:", be32(p + 12) >> 8);
			if (be16(p + 10) == 0x6558 && len >= 16 + optlen)
				summarize_ether(o, p + 16 + optlen, len - 16 - optlen, depth + 1);
		}
		return;
	default:
		put(o, " proto %d", proto);
		return;
	}
	put(o, " [truncated]");
}

static void summarize_ip(struct out *o, unsigned type, const uint8_t *p, size_t len, int depth)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	if (type == 0x0800) {
		size_t ihl = len ? (size_t)(p[0] & 0x0f) * 4 : 0;
		if (len < 20 || ihl < 20 || len < ihl) {
			put(o, " IPv4 [truncated]");
			return;
		}
		inet_ntop(AF_INET, p + 12, s, sizeof(s));
		inet_ntop(AF_INET, p + 16, d, sizeof(d));
		put(o, " IPv4 %s > %s", s, d);
		unsigned frag = be16(p + 6);
		if (frag & 0x1fff) {
			put(o, " fragment offset %u proto %u", (frag & 0x1fff) * 8, p[9]);
			return;
		}
		size_t total = be16(p + 2);
		size_t avail = total >= ihl && total <= len ? total - ihl : len - ihl;
		summarize_l4(o, p[9], p + ihl, avail, depth);
		return;
	}
	if (len < 40) {
		put(o, " IPv6 [truncated]");
		return;
	}
	inet_ntop(AF_INET6, p + 8, s, sizeof(s));
	inet_ntop(AF_INET6, p + 24, d, sizeof(d));
	put(o, " IPv6 %s > %s", s, d);
	int nh = p[6];
	size_t off = 40;
	/* hop-by-hop (MLD reports carry one), routing, destination options */
	while ((nh == 0 || nh == 43 || nh == 60) && len >= off + 8) {
		nh = p[off];
		off += ((size_t)p[off + 1] + 1) * 8;
	}
	if (off > len) {
		put(o, " [truncated]");
		return;
	}
	summarize_l4(o, nh, p + off, len - off, depth);
}

static void summarize_ether(struct out *o, const uint8_t *p, size_t len, int depth)
{
	if (len < 14) {
		put(o, " [truncated frame]");
		return;
	}
	if (depth)
		put(o, " ");
	put_mac(o, p + 6);
	put(o, " > ");
	put_mac(o, p);
	unsigned type = be16(p + 12);
	size_t off = 14;
	while ((type == 0x8100 || type == 0x88a8) && len >= off + 4) {
		put(o, " vlan %u", be16(p + off) & 0x0fff);
		type = be16(p + off + 2);
		off += 4;
	}
	p += off;
	len -= off;
	if (type == 0x0806) {
		if (len < 28) {
			put(o, " ARP [truncated]");
			return;
		}
		char spa[INET_ADDRSTRLEN], tpa[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, p + 14, spa, sizeof(spa));
		inet_ntop(AF_INET, p + 24, tpa, sizeof(tpa));
		unsigned op = be16(p + 6);
		if (op == 1) {
			put(o, " ARP who-has %s tell %s", tpa, spa);
		} else if (op == 2) {
			put(o, " ARP reply %s is-at ", spa);
			put_mac(o, p + 8);
		} else {
			put(o, " ARP op %u", op);
		}
	} else if (type == 0x0800 || type == 0x86dd) {
		summarize_ip(o, type, p, len, depth);
	} else if (type == 0x88cc) {
		put(o, " LLDP");
	} else if (type < 0x0600) {
		put(o, " 802.3 length %u%s", type,
		    len >= 3 && p[0] == 0x42 && p[1] == 0x42 ? " STP" : "");
	} else {
		put(o, " ethertype 0x%04x", type);
	}
}

void vl_pkt_summary(char *out, size_t n, const uint8_t *p, size_t caplen)
{
	if (!n)
		return;
	struct out o = {out, n, 0};
	out[0] = '\0';
	summarize_ether(&o, p, caplen, 0);
}

/* ---- rates, sorting, the table and JSON ---- */

double vl_ctr_rate(uint64_t prev, uint64_t cur, double dt)
{
	if (dt <= 0)
		return 0;
	uint64_t d = cur >= prev ? cur - prev : cur;
	return (double)d / dt;
}

double vl_stat_trouble(const struct vl_stat_row *r)
{
	return r->v[VL_RX_DROPPED] + r->v[VL_TX_DROPPED] + r->v[VL_RX_ERRORS] +
	       r->v[VL_TX_ERRORS] + r->v[VL_Q_DROPS];
}

static int cmp_rows(const void *a, const void *b)
{
	const struct vl_stat_row *x = a, *y = b;
	double tx = vl_stat_trouble(x), ty = vl_stat_trouble(y);
	if (tx != ty)
		return tx > ty ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

void vl_stat_sort(struct vl_stat_row *rows, size_t n)
{
	if (n > 1)
		qsort(rows, n, sizeof(*rows), cmp_rows);
}

void vl_fmt_num(char *out, size_t n, double v)
{
	static const char units[] = "kMGTP";
	if (v < 0)
		v = 0;
	if (v < 100000) {
		if (v == (double)(uint64_t)v || v >= 100)
			snprintf(out, n, "%.0f", v);
		else
			snprintf(out, n, "%.1f", v);
		return;
	}
	int u = -1;
	while (v >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	snprintf(out, n, "%.1f%c", v, units[u]);
}

static void where(char *out, size_t n, const struct vl_stat_row *r)
{
	snprintf(out, n, "%s:%s", r->node, r->name);
}

static void layer_txt(char *out, size_t n, const struct vl_stat_row *r)
{
	if (r->master && !strcmp(r->layer, "port"))
		snprintf(out, n, "port(%s)", r->master);
	else
		snprintf(out, n, "%s", r->layer);
}

static void hint(struct vl_buf *b, const struct vl_stat_row *r, bool rates)
{
	const char *per = rates ? "/s" : "";
	if (!r || vl_stat_trouble(r) <= 0) {
		vl_buf_printf(b, "no drops, no errors%s\n", rates ? " in this interval" : "");
		return;
	}
	char w[200], q[24], d[24], e[24];
	where(w, sizeof(w), r);
	vl_fmt_num(q, sizeof(q), r->v[VL_Q_DROPS]);
	vl_fmt_num(d, sizeof(d), r->v[VL_RX_DROPPED] + r->v[VL_TX_DROPPED]);
	vl_fmt_num(e, sizeof(e), r->v[VL_RX_ERRORS] + r->v[VL_TX_ERRORS]);
	vl_buf_printf(b, "most drops: %s (%s): qdisc %s drops %s%s, interface drops %s%s, "
		      "errors %s%s\n", w, r->layer, r->qkind && r->qkind[0] ? r->qkind : "-", q, per,
		      d, per, e, per);
	if (r->v[VL_RX_ERRORS] + r->v[VL_TX_ERRORS] > 0)
		vl_buf_add(b, "  -> interface errors: look at the link itself (carrier, MTU, "
			   "the device)\n");
	else if (r->v[VL_Q_DROPS] > 0)
		vl_buf_printf(b, "  -> loss without interface errors: the %s qdisc (a shaper or its "
			      "queue limit) drops, not the link\n",
			      r->qkind && r->qkind[0] ? r->qkind : "");
	else
		vl_buf_add(b, "  -> the interface drops without errors: no room to receive, or its "
			   "peer is down\n");
}

void vl_stats_table(struct vl_buf *b, const struct vl_stat_row *rows, size_t n, bool rates)
{
	int ww = 7, lw = 5;
	char w[200], l[64];
	for (size_t i = 0; i < n; i++) {
		where(w, sizeof(w), &rows[i]);
		layer_txt(l, sizeof(l), &rows[i]);
		if ((int)strlen(w) > ww)
			ww = (int)strlen(w);
		if ((int)strlen(l) > lw)
			lw = (int)strlen(l);
	}
	vl_buf_printf(b, "  %-*s %-*s %-10s %8s %8s %7s %6s %8s %8s %7s %6s %-8s %7s %8s\n", ww,
		      "NODE:IF", lw, "LAYER", "STATE", rates ? "RX-PKT/s" : "RX-PKT",
		      rates ? "RX-B/s" : "RX-BYTES", "RX-DROP", "RX-ERR",
		      rates ? "TX-PKT/s" : "TX-PKT", rates ? "TX-B/s" : "TX-BYTES", "TX-DROP",
		      "TX-ERR", "QDISC", "Q-DROP", "Q-OVERLM");
	for (size_t i = 0; i < n; i++) {
		const struct vl_stat_row *r = &rows[i];
		char v[VL_CTR__COUNT][24];
		for (int c = 0; c < VL_CTR__COUNT; c++)
			vl_fmt_num(v[c], sizeof(v[c]), r->v[c]);
		where(w, sizeof(w), r);
		layer_txt(l, sizeof(l), r);
		vl_buf_printf(b, "%c %-*s %-*s %-10s %8s %8s %7s %6s %8s %8s %7s %6s %-8s %7s %8s\n",
			      vl_stat_trouble(r) > 0 ? '!' : ' ', ww, w, lw, l, r->state,
			      v[VL_RX_PACKETS], v[VL_RX_BYTES], v[VL_RX_DROPPED], v[VL_RX_ERRORS],
			      v[VL_TX_PACKETS], v[VL_TX_BYTES], v[VL_TX_DROPPED], v[VL_TX_ERRORS],
			      r->qkind && r->qkind[0] ? r->qkind : "-", v[VL_Q_DROPS],
			      v[VL_Q_OVERLIMITS]);
	}
	hint(b, n ? &rows[0] : NULL, rates);
}

static void json_str_or_null(struct vl_buf *b, const char *s)
{
	if (s && s[0])
		vl_buf_json_str(b, s);
	else
		vl_buf_add(b, "null");
}

void vl_stats_json(struct vl_buf *b, const char *lab, const struct vl_stat_row *rows, size_t n,
		   double interval)
{
	vl_buf_add(b, "{\"lab\":");
	vl_buf_json_str(b, lab);
	vl_buf_printf(b, ",\"interval\":%g,\"per_second\":%s,\"interfaces\":[", interval,
		      interval > 0 ? "true" : "false");
	for (size_t i = 0; i < n; i++) {
		const struct vl_stat_row *r = &rows[i];
		vl_buf_add(b, i ? ",{\"node\":" : "{\"node\":");
		vl_buf_json_str(b, r->node);
		vl_buf_add(b, ",\"netns\":");
		vl_buf_json_str(b, r->ns);
		vl_buf_add(b, ",\"name\":");
		vl_buf_json_str(b, r->name);
		vl_buf_add(b, ",\"kind\":");
		json_str_or_null(b, r->kind);
		vl_buf_add(b, ",\"layer\":");
		vl_buf_json_str(b, r->layer);
		vl_buf_add(b, ",\"master\":");
		json_str_or_null(b, r->master);
		vl_buf_add(b, ",\"state\":");
		vl_buf_json_str(b, r->state);
		vl_buf_add(b, ",\"qdisc\":");
		json_str_or_null(b, r->qkind);
		for (int c = 0; c < VL_CTR__COUNT; c++)
			vl_buf_printf(b, interval > 0 ? ",\"%s\":%.2f" : ",\"%s\":%.0f", vl_ctr_key(c),
				      r->v[c]);
		vl_buf_printf(b, ",\"qdisc_backlog\":%.0f}", r->backlog);
	}
	vl_buf_add(b, "]}");
}
