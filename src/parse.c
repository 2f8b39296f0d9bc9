/* Text -> model, in two layers.
 *
 * The raw layer reads the INI with inih through our own line reader. inih's
 * handler gets no line number and is not called for sections without keys,
 * so the reader looks at every physical line first: it counts lines, records
 * section headers itself (inih only ever sees key lines) and turns lines
 * that are not `key = value` into diagnostics. The result is a list of raw
 * sections with their keys, values and lines.
 *
 * The model layer checks keys against each kind's table (unknown keys get a
 * did-you-mean, single keys given twice are refused), expands range sections
 * ([vm web1..1000], $i, host = hv1..10 with $h) and builds the model.
 * Nothing here stops at the first problem. */
#include "vlab/parse.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "vlab/startup.h"
#include "vlab/strmap.h"
#include "vlab/util.h"

#define MAX_FILE_SIZE (16u << 20)
#define MAX_LINE_LEN 60000   /* below inih's ini_max_line, see parse_text() */

/* ---- raw layer ---------------------------------------------------------- */

struct raw_key {
	char *key, *val;
	int line;
	bool skip;      /* reported (unknown, duplicate, empty): not built */
};

struct raw_sec {
	char *kind;     /* "vm" */
	char *name;     /* "web1..10", or NULL for [lab] */
	const char *label; /* "vm web1..10", in t->strings */
	int line;
	struct raw_key *keys;
	size_t nkeys, keys_cap;
};

struct pctx {
	struct vl_topology *t;
	struct vl_diags *d;
	const char *text;
	size_t len, pos, line_end;
	int line;
	bool at_start;
	int cur;                /* raw section receiving keys; -1 none, -2 broken */
	struct raw_sec *secs;
	size_t nsecs, secs_cap;

	/* expansion of one raw section */
	int member;             /* index of the member being built */
	struct vl_strv seen;    /* messages of member 0, to not repeat them */
	struct vl_strmap nodes; /* node name -> index, for [link] ends */
	struct vl_strmap switches; /* switch name -> index, for [link] ends */
	size_t members;         /* nodes and switches expanded so far */
	size_t keys;            /* key lines expanded so far */
};

static const char *intern(struct vl_topology *t, char *s)
{
	char **slot = VL_PUSH(t->strings, t->nstrings, t->strings_cap);
	*slot = s;
	return s;
}

static struct vl_loc loc_at(struct pctx *c, int line, const char *section)
{
	struct vl_loc l = {c->t->file, line, section};
	return l;
}

/* A diagnostic from building one member of a section. Members of a range
 * share their lines, so a message identical to one of member 0 is dropped:
 * a typo in [vm web1..1000] is reported once, not a thousand times. */
static void __attribute__((format(printf, 6, 7)))
pdiag(struct pctx *c, enum vl_sev sev, const char *section, int line, const char *key,
      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	char *id = xasprintf("%d\x01%s\x01%s", line, key ? key : "", msg);
	bool dup = false;
	if (c->member > 0) {
		for (size_t i = 0; i < c->seen.n && !dup; i++)
			dup = !strcmp(c->seen.v[i], id);
	} else if (c->seen.n < 64) {
		vl_strv_push(&c->seen, id);
	}
	if (!dup) {
		struct vl_loc l = loc_at(c, line, section);
		vl_diag(c->d, sev, &l, key, "%s", msg);
	}
	free(id);
	free(msg);
}

#define perr(c, sec, line, key, ...) pdiag((c), VL_ERROR, (sec), (line), (key), __VA_ARGS__)

static void raw_header(struct pctx *c, const char *p, size_t n)
{
	/* p points after '[', n counts up to (excluding) the line end */
	const char *close = memchr(p, ']', n);
	if (!close) {
		perr(c, NULL, c->line, NULL, "section header has no closing ']'");
		c->cur = -2;
		return;
	}
	const char *q = close + 1, *end = p + n;
	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	if (q < end && *q != ';' && *q != '#') {
		perr(c, NULL, c->line, NULL, "unexpected text after the section header's ']'");
		c->cur = -2;
		return;
	}
	char *inner = xstrndup(p, (size_t)(close - p));
	struct vl_strv tok = {0};
	vl_split(&tok, inner, false);
	free(inner);
	if (tok.n == 0 || tok.n > 2) {
		if (tok.n)
			perr(c, NULL, c->line, NULL,
			     "section header has %zu words; expected [KIND NAME]", tok.n);
		else
			perr(c, NULL, c->line, NULL, "empty section header; expected [KIND NAME]");
		vl_strv_free(&tok);
		c->cur = -2;
		return;
	}
	struct raw_sec *s = VL_PUSH(c->secs, c->nsecs, c->secs_cap);
	s->kind = xstrdup(tok.v[0]);
	s->name = tok.n > 1 ? xstrdup(tok.v[1]) : NULL;
	s->line = c->line;
	s->label = intern(c->t, s->name ? xasprintf("%s %s", s->kind, s->name)
					: xstrdup(s->kind));
	c->cur = (int)c->nsecs - 1;
	vl_strv_free(&tok);
}

/* Look at one physical line before inih does. Returns true when inih should
 * see it (a key line or a comment); headers and bad lines are handled here. */
static bool raw_line(struct pctx *c, const char *p, size_t n)
{
	while (n && (p[n - 1] == '\n' || p[n - 1] == '\r'))
		n--;
	if (c->line == 1 && n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) {
		p += 3;
		n -= 3;
	}
	if (n > MAX_LINE_LEN) {
		perr(c, NULL, c->line, NULL, "line is longer than %d characters", MAX_LINE_LEN);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
			perr(c, NULL, c->line, NULL, "control character 0x%02x in the line", ch);
			return false;
		}
	}
	while (n && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	if (!n || *p == ';' || *p == '#')
		return false;
	if (*p == '[') {
		raw_header(c, p + 1, n - 1);
		return false;
	}
	if (!memchr(p, '=', n) && !memchr(p, ':', n)) {
		perr(c, NULL, c->line, NULL, "expected `key = value` or a [section] header");
		return false;
	}
	return true;
}

/* inih's fgets-style reader over the text: hands out one physical line
 * (in pieces when inih's buffer is smaller), counting lines as it goes. */
static char *reader(char *str, int num, void *stream)
{
	struct pctx *c = stream;

	if (num < 2)
		return NULL;
	for (;;) {
		if (c->at_start) {
			if (c->pos >= c->len)
				return NULL;
			const char *p = c->text + c->pos;
			size_t rem = c->len - c->pos;
			const char *nl = memchr(p, '\n', rem);
			size_t n = nl ? (size_t)(nl - p) + 1 : rem;
			c->line++;
			c->line_end = c->pos + n;
			if (!raw_line(c, p, n)) {
				c->pos = c->line_end;
				continue;
			}
			c->at_start = false;
		}
		size_t rem = c->line_end - c->pos;
		size_t n = rem < (size_t)num - 1 ? rem : (size_t)num - 1;
		memcpy(str, c->text + c->pos, n);
		str[n] = '\0';
		c->pos += n;
		if (c->pos >= c->line_end)
			c->at_start = true;
		return str;
	}
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct pctx *c = user;
	(void)section; /* always "": headers never reach inih */

	if (c->cur == -2)
		return 1; /* keys of a broken header: already reported */
	if (c->cur < 0) {
		perr(c, NULL, c->line, name, "key outside any section (start with [lab])");
		return 1;
	}
	struct raw_sec *s = &c->secs[c->cur];
	if (!*name) {
		perr(c, s->label, c->line, NULL, "missing key name before '='");
		return 1;
	}
	struct raw_key *k = VL_PUSH(s->keys, s->nkeys, s->keys_cap);
	k->key = xstrdup(name);
	k->val = xstrdup(value ? value : "");
	k->line = c->line;
	return 1;
}

static void raw_free(struct pctx *c)
{
	for (size_t i = 0; i < c->nsecs; i++) {
		struct raw_sec *s = &c->secs[i];
		free(s->kind);
		free(s->name);
		for (size_t j = 0; j < s->nkeys; j++) {
			free(s->keys[j].key);
			free(s->keys[j].val);
		}
		free(s->keys);
	}
	free(c->secs);
	c->secs = NULL;
	c->nsecs = 0;
}

/* ---- kinds and their keys ----------------------------------------------- */

enum kind { K_LAB, K_HOST, K_VM, K_ROUTER, K_SWITCH, K_LINK, K_OVERLAY, K_SHAPER,
	    K_MIRROR, K_TEST, K_NKINDS };

static const char *const kind_names[K_NKINDS] = {
	"lab", "host", "vm", "router", "switch", "link", "overlay", "shaper", "mirror", "test",
};

struct keydef {
	const char *name;
	bool multi;
};

#define SHAPE_KEYS {"rate", false}, {"burst", false}, {"delay", false}, {"jitter", false}, {"loss", false}, {"duplicate", false}, \
	{"corrupt", false}, {"reorder", false}, {"limit", false}
static const struct keydef lab_keys[] = {{"name", false}, {"mtu", false}, {"ipv6", false}, {"dad", false},
	{"external", false}};
#define CMD_KEYS {"run", true}, {"run!", true}, {"daemon", true} /* src/startup.c */
#define SECURE_KEYS {"security", false}, {"allow", true}, {"deny", true} /* src/secure.c */
static const struct keydef host_keys[] = {{"nic", true}, {"sub", true}, {"gateway", false},
	{"gateway6", false}, {"route", true}, {"forward", false}, {"bond", true}, CMD_KEYS, SECURE_KEYS};
static const struct keydef vm_keys[] = {{"host", false}, {"nic", true}, {"sub", true}, {"gateway", false},
	{"gateway6", false}, {"route", true}, {"forward", false}, CMD_KEYS, SECURE_KEYS};
static const struct keydef router_keys[] = {{"host", false}, {"nic", true}, {"sub", true},
	{"gateway", false}, {"gateway6", false}, {"route", true}, {"forward", false}, {"nat", false},
	CMD_KEYS, SECURE_KEYS};
static const struct keydef switch_keys[] = {{"host", false}, {"subnet", false}, {"subnet6", false}, {"mtu", false},
	{"vlan_filtering", false}, {"pvid", false}, {"stp", false}, {"forward_delay", false},
	{"priority", false}, {"uplink", false}, {"mcast_snooping", false}, SECURE_KEYS};
static const struct keydef link_keys[] = {{"a", false}, {"b", false}};
static const struct keydef overlay_keys[] = {{"type", false}, {"vni", false}, {"port", false}, {"switches", false},
	{"vlan", false}, {"underlay", false}, {"group", false}, {"ttl", false}, {"learning", false}, {"mtu", false}};
static const struct keydef shaper_keys[] = {SHAPE_KEYS};
static const struct keydef mirror_keys[] = {{"port", false}, {"to", false}, {"direction", false}};
static const struct keydef test_keys[] = {{"reach", true}, {"isolate", true}, {"mtu", true},
	{"path", true}, {"tcp", true}, {"udp", true}, {"latency", true}, {"rate", true},
	{"loss", true}, {"mac", true}, {"cmd", true}};

static const struct {
	const struct keydef *keys;
	size_t n;
} kind_keys[K_NKINDS] = {
#define KK(a) {a, VL_ARRAY_SIZE(a)}
	KK(lab_keys), KK(host_keys), KK(vm_keys), KK(router_keys), KK(switch_keys),
	KK(link_keys), KK(overlay_keys), KK(shaper_keys), KK(mirror_keys), KK(test_keys),
#undef KK
};

/* The keys of one member of a section, with $i/$h substituted. */
struct mkey {
	const char *key;
	char *val;
	int line;
};

struct member {
	enum kind kind;
	char *name;        /* NULL for [lab] / plain [test] */
	const char *label; /* "vm web1" in t->strings */
	int line;
	struct mkey *keys;
	size_t nkeys;
};

/* ---- small value parsers ------------------------------------------------ */

/* Strict decimal integer in [min, max]. */
static int parse_int(const char *s, long min, long max, long *out)
{
	if (!s || !*s || strlen(s) > 18)
		return -1;
	for (const char *p = s; *p; p++)
		if (!isdigit((unsigned char)*p))
			return -1;
	errno = 0;
	char *end;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static bool int_key(struct pctx *c, struct member *m, const struct mkey *k, long min,
		    long max, const char *what, long *out)
{
	if (parse_int(k->val, min, max, out) == 0)
		return true;
	perr(c, m->label, k->line, k->key, "\"%s\" is not a valid %s (expected a number %ld..%ld)",
	     k->val, what, min, max);
	return false;
}

static bool bool_key(struct pctx *c, struct member *m, const struct mkey *k, bool *out)
{
	if (vl_parse_bool(k->val, out) == 0)
		return true;
	perr(c, m->label, k->line, k->key, "\"%s\" is not on or off", k->val);
	return false;
}

static bool prefix_has_host_bits(const struct vl_prefix *p)
{
	int bytes = p->family == AF_INET ? 4 : 16;
	for (int i = 0; i < bytes; i++) {
		int bit0 = i * 8;
		uint8_t mask;
		if (p->len >= bit0 + 8)
			continue;
		mask = p->len <= bit0 ? 0xff : (uint8_t)(0xff >> (p->len - bit0));
		if (p->addr[i] & mask)
			return true;
	}
	return false;
}

static struct vl_prefix prefix_network(const struct vl_prefix *p)
{
	struct vl_prefix r = *p;
	int bytes = p->family == AF_INET ? 4 : 16;
	for (int i = 0; i < bytes; i++) {
		int bit0 = i * 8;
		if (p->len >= bit0 + 8)
			continue;
		r.addr[i] &= p->len <= bit0 ? 0 : (uint8_t)(0xff << (8 - (p->len - bit0)));
	}
	return r;
}

/* A VLAN list: "10,20-30". Sorted, without duplicates. */
static int parse_vlan_list(const char *s, uint16_t **out, size_t *n, size_t *cap,
			   const char **why)
{
	static const char *const bad = "expected VLAN ids 1..4094, e.g. trunk=10,20-30";
	uint8_t seen[4095 / 8 + 1] = {0};
	struct vl_strv parts = {0};
	int ret = 0;

	vl_split(&parts, s, true);
	if (!parts.n || strchr(s, ' ')) {
		*why = bad;
		ret = -1;
	}
	for (size_t i = 0; i < parts.n && !ret; i++) {
		char *dash = strchr(parts.v[i], '-');
		long a, b;
		if (dash) {
			*dash = '\0';
			if (parse_int(parts.v[i], 1, 4094, &a) || parse_int(dash + 1, 1, 4094, &b) ||
			    a > b)
				ret = -1;
		} else {
			if (parse_int(parts.v[i], 1, 4094, &a))
				ret = -1;
			b = a;
		}
		if (ret) {
			*why = bad;
			break;
		}
		for (long v = a; v <= b; v++)
			seen[v / 8] |= (uint8_t)(1 << (v % 8));
	}
	vl_strv_free(&parts);
	if (ret)
		return ret;
	for (int v = 1; v <= 4094; v++)
		if (seen[v / 8] & (1 << (v % 8)))
			*VL_PUSH(*out, *n, *cap) = (uint16_t)v;
	return 0;
}

/* One shaping key into a shape (pure; also used by `vlab impair`). */
int vl_shape_key(const char *name, const char *val, struct vl_shape *sh, const char **hint)
{
	static const char *const rate_hint =
		"expected a rate: bit, kbit, mbit, gbit, tbit (bits/s) or bps, kbps, mbps, gbps (bytes/s), e.g. 100mbit";
	unsigned bit;

	*hint = NULL;
	if (!strcmp(name, "rate")) {
		bit = VL_SHAPE_RATE;
		if (vl_parse_rate(val, &sh->rate_bps))
			*hint = rate_hint;
	} else if (!strcmp(name, "burst")) {
		bit = VL_SHAPE_BURST;
		if (vl_parse_size(val, &sh->burst_bytes))
			*hint = "expected a size: bytes, or with b, kb, mb (1024), e.g. 32kb";
	} else if (!strcmp(name, "limit")) {
		/* bare number: netem queue in packets; with a unit: tbf bytes */
		long v;
		if (parse_int(val, 1, UINT32_MAX, &v) == 0) {
			bit = VL_SHAPE_NETEM_LIMIT;
			sh->netem_limit = (uint32_t)v;
		} else {
			bit = VL_SHAPE_LIMIT;
			if (vl_parse_size(val, &sh->limit_bytes) || !sh->limit_bytes)
				*hint = "expected a queue length in packets (1000) or a size in bytes (64kb)";
		}
	} else if (!strcmp(name, "delay") || !strcmp(name, "jitter")) {
		bool d = name[0] == 'd';
		bit = d ? VL_SHAPE_DELAY : VL_SHAPE_JITTER;
		if (vl_parse_time(val, d ? &sh->delay_us : &sh->jitter_us))
			*hint = "expected a time with a unit: us, ms or s (say 5ms)";
	} else {
		static const struct {
			const char *n;
			unsigned bit;
			size_t off;
		} pct[] = {
			{"loss", VL_SHAPE_LOSS, offsetof(struct vl_shape, loss_pct)},
			{"duplicate", VL_SHAPE_DUPLICATE, offsetof(struct vl_shape, duplicate_pct)},
			{"corrupt", VL_SHAPE_CORRUPT, offsetof(struct vl_shape, corrupt_pct)},
			{"reorder", VL_SHAPE_REORDER, offsetof(struct vl_shape, reorder_pct)},
		};
		size_t i;
		for (i = 0; i < VL_ARRAY_SIZE(pct); i++)
			if (!strcmp(name, pct[i].n))
				break;
		if (i == VL_ARRAY_SIZE(pct))
			return 1;
		bit = pct[i].bit;
		if (vl_parse_percent(val, (double *)((char *)sh + pct[i].off)))
			*hint = "expected a percentage 0..100, e.g. 1% or 0.5%";
	}
	if (*hint)
		return -1;
	sh->given |= bit;
	sh->set = true;
	return 0;
}

/* One shaping key into a shape. Returns 1 when the key is not a shaping
 * key, 0 when set, -1 on a bad value (reported). */
static int shape_key(struct pctx *c, const char *label, int line, const char *key,
		     const char *name, const char *val, struct vl_shape *sh)
{
	const char *hint;
	int r = vl_shape_key(name, val, sh, &hint);
	if (r < 0)
		perr(c, label, line, key, "%s \"%s\": %s", name, val, hint);
	return r;
}

/* ---- NICs, link ends, subs, routes -------------------------------------- */

enum nic_ctx { NIC_SWITCH, NIC_LINK, NIC_SWLINK };

static void add_addr(struct vl_addr **v, size_t *n, size_t *cap, const struct vl_prefix *p,
		     bool is_auto, struct vl_loc loc)
{
	struct vl_addr *a = VL_PUSH(*v, *n, *cap);
	a->p = *p;
	a->is_auto = is_auto;
	a->loc = loc;
}

/* `isolated` or isolated=BOOL: a switch port that reaches only ports that
 * are not isolated (IFLA_BRPORT_ISOLATED). */
static void nic_isolated(struct pctx *c, struct member *m, const struct mkey *k,
			 struct vl_nic *nic, enum nic_ctx ctx, const char *val)
{
	bool b;
	if (ctx == NIC_LINK)
		perr(c, m->label, k->line, k->key,
		     "isolated is a switch port option; a [link] end between nodes has no switch");
	else if (vl_parse_bool(val, &b))
		perr(c, m->label, k->line, k->key, "isolated=%s is not on or off", val);
	else
		nic->isolated = b;
}

/* Address tokens and OPTs after the fixed words of a nic/a/b line. */
static void nic_rest(struct pctx *c, struct member *m, const struct mkey *k,
		     struct vl_nic *nic, char **tok, size_t ntok, enum nic_ctx ctx)
{
	static const char *const opts[] = {"mac", "mtu", "vlan", "trunk", "native", "shaper",
		"in_shaper", "rate", "burst", "delay", "jitter", "loss", "duplicate", "corrupt",
		"reorder", "limit", "in_rate", "in_burst", "in_delay", "in_jitter", "in_loss",
		"in_duplicate", "in_corrupt", "in_reorder", "in_limit", "isolated", "security"};
	bool given[VL_ARRAY_SIZE(opts)] = {0};
	struct vl_loc loc = loc_at(c, k->line, m->label);

	for (size_t i = 0; i < ntok; i++) {
		const char *w = tok[i];
		const char *eq = strchr(w, '=');
		if (!eq) {
			struct vl_prefix p = {0};
			if (!strcmp(w, "isolated")) {
				nic_isolated(c, m, k, nic, ctx, "on");
			} else if (ctx == NIC_SWLINK) {
				perr(c, m->label, k->line, k->key,
				     "%s: a switch's end of a cable has no address (only a node's NIC has one)",
				     w);
			} else if (!strcmp(w, "auto") || !strcmp(w, "auto6")) {
				if (ctx == NIC_LINK) {
					perr(c, m->label, k->line, k->key,
					     "%s: a [link] has no subnet to take addresses from; give an address like 10.0.0.1/30",
					     w);
					continue;
				}
				p.family = w[4] ? AF_INET6 : AF_INET;
				add_addr(&nic->addrs, &nic->naddrs, &nic->addrs_cap, &p, true, loc);
			} else if (vl_prefix_parse(w, &p, true) == 0) {
				add_addr(&nic->addrs, &nic->naddrs, &nic->addrs_cap, &p, false, loc);
			} else if (vl_prefix_parse(w, &p, false) == 0) {
				perr(c, m->label, k->line, k->key,
				     "address %s needs a prefix length, e.g. %s/%d", w, w,
				     p.family == AF_INET ? 24 : 64);
			} else {
				perr(c, m->label, k->line, k->key,
				     "\"%s\" is neither an address (10.0.0.1/24, fd00::1/64, auto, auto6) nor an option (key=value)",
				     w);
			}
			continue;
		}
		char *name = xstrndup(w, (size_t)(eq - w));
		const char *val = eq + 1;
		size_t oi;
		for (oi = 0; oi < VL_ARRAY_SIZE(opts); oi++)
			if (!strcmp(name, opts[oi]))
				break;
		if (oi == VL_ARRAY_SIZE(opts)) {
			const char *dym = vl_did_you_mean(name, opts, VL_ARRAY_SIZE(opts));
			perr(c, m->label, k->line, k->key, "unknown option \"%s=\"%s%s%s", name,
			     dym ? " (did you mean " : "", dym ? dym : "", dym ? "=?)" : "");
			free(name);
			continue;
		}
		if (given[oi]) {
			perr(c, m->label, k->line, k->key, "option %s= given twice", name);
			free(name);
			continue;
		}
		given[oi] = true;
		if (!*val) {
			perr(c, m->label, k->line, k->key, "option %s= has no value", name);
			free(name);
			continue;
		}
		long v;
		const char *why = NULL;
		if (!strcmp(name, "mac")) {
			if (vl_parse_mac(val, nic->mac))
				perr(c, m->label, k->line, k->key,
				     "mac=%s is not a MAC address like 02:00:00:00:00:01", val);
			else
				nic->mac_set = true;
		} else if (!strcmp(name, "mtu")) {
			if (parse_int(val, 68, 65535, &v))
				perr(c, m->label, k->line, k->key, "mtu=%s: MTU must be 68..65535", val);
			else
				nic->mtu = (int)v;
		} else if (ctx == NIC_SWLINK && (strcmp(name, "vlan") && strcmp(name, "trunk") &&
						 strcmp(name, "native") && strcmp(name, "isolated"))) {
			perr(c, m->label, k->line, k->key,
			     "%s= does not apply to a switch's end of a cable (it takes mtu=, vlan=, "
			     "trunk=, native= and isolated); shape traffic at a node's NIC", name);
		} else if (ctx == NIC_LINK && (!strcmp(name, "vlan") || !strcmp(name, "trunk") ||
					       !strcmp(name, "native"))) {
			perr(c, m->label, k->line, k->key,
			     "%s= is a switch port option; a [link] end has no switch", name);
		} else if (!strcmp(name, "vlan") || !strcmp(name, "native")) {
			if (parse_int(val, 1, 4094, &v))
				perr(c, m->label, k->line, k->key, "%s=%s: VLAN id must be 1..4094",
				     name, val);
			else if (name[0] == 'v')
				nic->access_vlan = (int)v;
			else
				nic->native_vlan = (int)v;
		} else if (!strcmp(name, "trunk")) {
			if (parse_vlan_list(val, &nic->trunk, &nic->ntrunk, &nic->trunk_cap, &why))
				perr(c, m->label, k->line, k->key, "trunk=%s: %s", val, why);
		} else if (!strcmp(name, "isolated")) {
			nic_isolated(c, m, k, nic, ctx, val);
		} else if (!strcmp(name, "security")) {
			if (ctx == NIC_LINK)
				perr(c, m->label, k->line, k->key,
				     "security= is a switch port option; a [link] end has no switch");
			else if (vl_security_parse(val, &nic->security))
				perr(c, m->label, k->line, k->key, "security=%s is not strict or off", val);
		} else if (!strcmp(name, "shaper") || !strcmp(name, "in_shaper")) {
			char **slot = name[0] == 's' ? &nic->shaper : &nic->in_shaper;
			*slot = xstrdup(val);
		} else {
			bool in = !strncmp(name, "in_", 3);
			shape_key(c, m->label, k->line, k->key, in ? name + 3 : name, val,
				  in ? &nic->in : &nic->out);
		}
		free(name);
	}
}

static void nic_init(struct vl_nic *nic, const char *name, struct vl_loc loc)
{
	memset(nic, 0, sizeof(*nic));
	nic->name = xstrdup(name);
	nic->sw_idx = -1;
	nic->link_idx = -1;
	nic->loc = loc;
}

static void nic_line(struct pctx *c, struct member *m, struct vl_node *n, const struct mkey *k)
{
	struct vl_strv tok = {0};
	vl_split(&tok, k->val, false);
	if (tok.n < 2) {
		perr(c, m->label, k->line, k->key,
		     "\"%s\" needs a switch: nic = IFNAME SWITCH [ADDR...] [OPT...]", k->val);
		vl_strv_free(&tok);
		return;
	}
	struct vl_nic *nic = VL_PUSH(n->nics, n->nnics, n->nics_cap);
	nic_init(nic, tok.v[0], loc_at(c, k->line, m->label));
	nic->sw = xstrdup(tok.v[1]);
	nic_rest(c, m, k, nic, tok.v + 2, tok.n - 2, NIC_SWITCH);
	vl_strv_free(&tok);
}

static void sub_line(struct pctx *c, struct member *m, struct vl_node *n, const struct mkey *k)
{
	struct vl_strv tok = {0};
	vl_split(&tok, k->val, false);
	const char *dot = tok.n ? strrchr(tok.v[0], '.') : NULL;
	long vid;
	if (!dot || dot == tok.v[0]) {
		perr(c, m->label, k->line, k->key,
		     "\"%s\": expected sub = PARENT.VID [ADDR...] [mtu=N], e.g. eth0.10 10.0.10.1/24",
		     k->val);
		vl_strv_free(&tok);
		return;
	}
	if (parse_int(dot + 1, 1, 4094, &vid)) {
		perr(c, m->label, k->line, k->key, "%s: the VLAN id after '.' must be 1..4094",
		     tok.v[0]);
		vl_strv_free(&tok);
		return;
	}
	struct vl_subif *s = VL_PUSH(n->subs, n->nsubs, n->subs_cap);
	s->name = xstrdup(tok.v[0]);
	s->parent = xstrndup(tok.v[0], (size_t)(dot - tok.v[0]));
	s->vid = (int)vid;
	s->loc = loc_at(c, k->line, m->label);
	for (size_t i = 1; i < tok.n; i++) {
		const char *w = tok.v[i];
		struct vl_prefix p;
		if (!strncmp(w, "mtu=", 4)) {
			long v;
			if (parse_int(w + 4, 68, 65535, &v))
				perr(c, m->label, k->line, k->key, "%s: MTU must be 68..65535", w);
			else
				s->mtu = (int)v;
		} else if (!strcmp(w, "auto") || !strcmp(w, "auto6")) {
			perr(c, m->label, k->line, k->key,
			     "%s: a sub-interface has no switch subnet to take addresses from; give an address",
			     w);
		} else if (vl_prefix_parse(w, &p, true) == 0) {
			add_addr(&s->addrs, &s->naddrs, &s->addrs_cap, &p, false, s->loc);
		} else {
			perr(c, m->label, k->line, k->key,
			     "\"%s\" is neither an address with prefix length (10.0.10.1/24) nor mtu=N",
			     w);
		}
	}
	vl_strv_free(&tok);
}

static void route_line(struct pctx *c, struct member *m, struct vl_node *n, const struct mkey *k)
{
	struct vl_strv tok = {0};
	struct vl_route r;
	bool ok = true, have_via = false;
	const char *usage = "expected route = DST via GW [dev IFNAME] or DST dev IFNAME";

	memset(&r, 0, sizeof(r));
	vl_split(&tok, k->val, false);
	if (tok.n < 3 || tok.n % 2 == 0) {
		perr(c, m->label, k->line, k->key, "\"%s\": %s", k->val, usage);
		vl_strv_free(&tok);
		return;
	}
	for (size_t i = 1; i + 1 < tok.n && ok; i += 2) {
		if (!strcmp(tok.v[i], "via") && !have_via) {
			have_via = true;
			if (vl_prefix_parse(tok.v[i + 1], &r.via, false) || strchr(tok.v[i + 1], '/')) {
				perr(c, m->label, k->line, k->key,
				     "via %s is not an address (no prefix length)", tok.v[i + 1]);
				ok = false;
			}
		} else if (!strcmp(tok.v[i], "dev") && !r.dev) {
			r.dev = xstrdup(tok.v[i + 1]);
		} else {
			perr(c, m->label, k->line, k->key, "\"%s\": %s", k->val, usage);
			ok = false;
		}
	}
	if (ok) {
		const char *dst = tok.v[0];
		if (!strcmp(dst, "default")) {
			r.dst.family = have_via ? r.via.family : AF_INET;
			r.dst.len = 0;
		} else if (vl_prefix_parse(dst, &r.dst, false)) {
			perr(c, m->label, k->line, k->key,
			     "destination \"%s\" is not a prefix like 10.2.0.0/16 or \"default\"", dst);
			ok = false;
		} else if (prefix_has_host_bits(&r.dst)) {
			struct vl_prefix net = prefix_network(&r.dst);
			char b[64];
			vl_prefix_format(&net, b, sizeof(b), true);
			perr(c, m->label, k->line, k->key,
			     "destination %s has host bits set; did you mean %s?", dst, b);
			ok = false;
		}
		if (ok && have_via && r.via.family != r.dst.family) {
			perr(c, m->label, k->line, k->key,
			     "destination %s and gateway %s are of different address families", dst,
			     tok.v[2]);
			ok = false;
		}
	}
	if (ok) {
		r.loc = loc_at(c, k->line, m->label);
		*VL_PUSH(n->routes, n->nroutes, n->routes_cap) = r;
	} else {
		free(r.dev);
	}
	vl_strv_free(&tok);
}

static void gateway_key(struct pctx *c, struct member *m, struct vl_node *n, const struct mkey *k)
{
	bool six = !strcmp(k->key, "gateway6");
	struct vl_prefix p;
	if (vl_prefix_parse(k->val, &p, false) || strchr(k->val, '/') ||
	    p.family != (six ? AF_INET6 : AF_INET)) {
		perr(c, m->label, k->line, k->key, "\"%s\" is not an %s address%s", k->val,
		     six ? "IPv6" : "IPv4",
		     strchr(k->val, '/') ? " (give the router's address, without /len)" : "");
		return;
	}
	if (six) {
		n->gateway6 = p;
		n->gateway6_loc = loc_at(c, k->line, m->label);
	} else {
		n->gateway = p;
		n->gateway_loc = loc_at(c, k->line, m->label);
	}
}

/* ---- builders per kind -------------------------------------------------- */

static void build_lab(struct pctx *c, struct member *m)
{
	struct vl_lab *lab = &c->t->lab;
	if (lab->loc.line) {
		perr(c, m->label, m->line, NULL, "a second [lab] section (the first is at line %d)",
		     lab->loc.line);
		return;
	}
	lab->loc = loc_at(c, m->line, m->label);
	for (size_t i = 0; i < m->nkeys; i++) {
		struct mkey *k = &m->keys[i];
		long v;
		if (!strcmp(k->key, "name"))
			lab->name = xstrdup(k->val);
		else if (!strcmp(k->key, "mtu") && int_key(c, m, k, 68, 65535, "MTU", &v))
			lab->mtu = (int)v;
		else if (!strcmp(k->key, "ipv6"))
			bool_key(c, m, k, &lab->ipv6);
		else if (!strcmp(k->key, "dad"))
			bool_key(c, m, k, &lab->dad);
		else if (!strcmp(k->key, "external")) {
			lab->external = xstrdup(k->val);
			lab->external_loc = loc_at(c, k->line, m->label);
		}
	}
	if (!lab->name)
		perr(c, m->label, m->line, NULL,
		     "missing name = NAME (the lab's name prefixes its namespaces: vlab-NAME-*)");
}

/* At most VL_MAX_NODE_DEVS NICs and sub-interfaces per node; the first
 * one too many is reported (*told), the others are dropped quietly. */
static bool node_devs_ok(struct pctx *c, struct member *m, struct vl_node *n,
			 const struct mkey *k, bool *told)
{
	if (n->nnics + n->nsubs < VL_MAX_NODE_DEVS)
		return true;
	if (!*told)
		perr(c, m->label, k->line, k->key,
		     "%s has more than %d NICs and sub-interfaces; a node may have at most %d: "
		     "spread them over more nodes", m->name, VL_MAX_NODE_DEVS, VL_MAX_NODE_DEVS);
	*told = true;
	return false;
}

/* bond = NAME MEMBER MEMBER... [mode=MODE] [miimon=TIME] */
static void bond_line(struct pctx *c, struct member *m, struct vl_node *n, const struct mkey *k)
{
	static const char *const modes[] = {"active-backup", "balance-xor", "802.3ad"};
	struct vl_strv tok = {0};
	vl_split(&tok, k->val, false);
	struct vl_bond *b = VL_PUSH(n->bonds, n->nbonds, n->bonds_cap);
	memset(b, 0, sizeof(*b));
	b->name = xstrdup(tok.n ? tok.v[0] : "");
	b->mode = VL_BOND_ACTIVE_BACKUP;
	b->miimon_ms = 50;
	b->loc = loc_at(c, k->line, m->label);
	for (size_t i = 1; i < tok.n; i++) {
		const char *w = tok.v[i], *eq = strchr(w, '=');
		if (!eq) {
			b->members = xrealloc(b->members, (b->nmembers + 1) * sizeof(char *));
			b->members[b->nmembers++] = xstrdup(w);
		} else if (!strncmp(w, "mode=", 5)) {
			size_t mi;
			for (mi = 0; mi < VL_ARRAY_SIZE(modes); mi++)
				if (!strcmp(eq + 1, modes[mi]))
					break;
			if (mi == VL_ARRAY_SIZE(modes))
				perr(c, m->label, k->line, k->key,
				     "mode=%s: expected active-backup, balance-xor or 802.3ad", eq + 1);
			else
				b->mode = (enum vl_bond_mode)mi;
		} else if (!strncmp(w, "miimon=", 7)) {
			uint32_t us;
			if (vl_parse_time(eq + 1, &us) || us < 1000 || us > 10000000)
				perr(c, m->label, k->line, k->key,
				     "miimon=%s: expected a time of 1ms..10s (say 50ms)", eq + 1);
			else
				b->miimon_ms = (int)(us / 1000);
		} else {
			perr(c, m->label, k->line, k->key,
			     "unknown option \"%.*s=\" (a bond takes mode= and miimon=)",
			     (int)(eq - w), w);
		}
	}
	if (b->nmembers < 2)
		perr(c, m->label, k->line, k->key,
		     "\"%s\": expected bond = NAME NIC NIC [mode=active-backup], e.g. bond0 eth0 eth1",
		     k->val);
	vl_strv_free(&tok);
}

/* security = / allow = / deny = on a node or a switch (src/secure.c) */
static bool secure_key(struct pctx *c, struct member *m, const struct mkey *k,
		       enum vl_port_security *sec, struct vl_loc *sec_loc, struct vl_acl *acl,
		       bool on_node)
{
	if (!strcmp(k->key, "security")) {
		*sec_loc = loc_at(c, k->line, m->label);
		if (vl_security_parse(k->val, sec))
			perr(c, m->label, k->line, k->key,
			     "\"%s\" is not strict (drop frames not from the NIC's own MAC and addresses) or off",
			     k->val);
		return true;
	}
	if (strcmp(k->key, "allow") && strcmp(k->key, "deny"))
		return false;
	struct vl_acl_rule r;
	char *why;
	if (vl_acl_parse(k->val, k->key[0] == 'a', on_node, &r, &why)) {
		perr(c, m->label, k->line, k->key, "%s", why);
		free(why);
		free(r.peer);
		free(r.nic);
		return true;
	}
	r.loc = loc_at(c, k->line, m->label);
	*VL_PUSH(acl->v, acl->n, acl->cap) = r;
	return true;
}

static void build_node(struct pctx *c, struct member *m)
{
	struct vl_node *n = VL_PUSH(c->t->nodes, c->t->nnodes, c->t->nodes_cap);
	n->kind = m->kind == K_HOST ? VL_NODE_HOST : m->kind == K_VM ? VL_NODE_VM : VL_NODE_ROUTER;
	n->name = xstrdup(m->name);
	n->host_idx = -1;
	n->forward = n->kind == VL_NODE_ROUTER;
	n->loc = loc_at(c, m->line, m->label);
	bool too_many = false;
	for (size_t i = 0; i < m->nkeys; i++) {
		struct mkey *k = &m->keys[i];
		if (secure_key(c, m, k, &n->security, &n->security_loc, &n->acl, true))
			continue;
		if (!strcmp(k->key, "host"))
			n->host = xstrdup(k->val);
		else if ((!strcmp(k->key, "nic") || !strcmp(k->key, "sub")) &&
			 !node_devs_ok(c, m, n, k, &too_many))
			continue;
		else if (!strcmp(k->key, "nic"))
			nic_line(c, m, n, k);
		else if (!strcmp(k->key, "sub"))
			sub_line(c, m, n, k);
		else if (!strcmp(k->key, "route"))
			route_line(c, m, n, k);
		else if (!strncmp(k->key, "gateway", 7))
			gateway_key(c, m, n, k);
		else if (!strcmp(k->key, "forward"))
			bool_key(c, m, k, &n->forward);
		else if (!strcmp(k->key, "nat")) {
			n->nat = xstrdup(k->val);
			n->nat_loc = loc_at(c, k->line, m->label);
		} else if (!strcmp(k->key, "bond")) {
			bond_line(c, m, n, k);
		} else if (vl_cmd_kind_of(k->key) >= 0) {
			struct vl_node_cmd *x = VL_PUSH(n->cmds, n->ncmds, n->cmds_cap);
			x->kind = (enum vl_cmd_kind)vl_cmd_kind_of(k->key);
			x->cmd = xstrdup(k->val);
			x->loc = loc_at(c, k->line, m->label);
		}
	}
}

static void subnet_key(struct pctx *c, struct member *m, const struct mkey *k,
		       struct vl_prefix *out, int family)
{
	struct vl_prefix p;
	if (vl_prefix_parse(k->val, &p, true) || p.family != family) {
		perr(c, m->label, k->line, k->key, "\"%s\" is not an %s prefix like %s", k->val,
		     family == AF_INET ? "IPv4" : "IPv6",
		     family == AF_INET ? "10.0.0.0/24" : "fd00:1::/64");
		return;
	}
	if (prefix_has_host_bits(&p)) {
		struct vl_prefix net = prefix_network(&p);
		char b[64];
		vl_prefix_format(&net, b, sizeof(b), true);
		perr(c, m->label, k->line, k->key, "%s has host bits set; did you mean %s?", k->val, b);
		return;
	}
	*out = p;
}

/* stp, forward_delay, priority, mcast_snooping, uplink (man vlab.ini(5),
 * [switch]) */
static void switch_l2_key(struct pctx *c, struct member *m, const struct mkey *k,
			  struct vl_switch *s)
{
	long v;
	uint32_t us;
	if (!strcmp(k->key, "stp")) {
		bool_key(c, m, k, &s->stp);
		s->stp_loc = loc_at(c, k->line, m->label);
	} else if (!strcmp(k->key, "mcast_snooping")) {
		bool_key(c, m, k, &s->mcast_snooping);
	} else if (!strcmp(k->key, "priority")) {
		if (int_key(c, m, k, 0, 65535, "bridge priority", &v))
			s->priority = (int)v;
	} else if (!strcmp(k->key, "forward_delay")) {
		/* the kernel refuses less than 2 s or more than 30 s with STP on */
		if (vl_parse_time(k->val, &us) || us < 2000000 || us > 30000000)
			perr(c, m->label, k->line, k->key,
			     "\"%s\" is not a forward delay of 2s..30s (the kernel's limits with STP)",
			     k->val);
		else
			s->forward_delay_cs = (int)(us / 10000);
	} else {
		s->uplink = xstrdup(k->val);
		s->uplink_loc = loc_at(c, k->line, m->label);
	}
}

static void build_switch(struct pctx *c, struct member *m)
{
	struct vl_switch *s = VL_PUSH(c->t->switches, c->t->nswitches, c->t->switches_cap);
	s->name = xstrdup(m->name);
	s->host_idx = -1;
	s->vlan_filtering = -1;
	s->pvid = 1;
	s->priority = -1;
	s->uplink_nic = s->uplink_bond = -1;
	s->loc = loc_at(c, m->line, m->label);
	for (size_t i = 0; i < m->nkeys; i++) {
		struct mkey *k = &m->keys[i];
		long v;
		if (secure_key(c, m, k, &s->security, &s->security_loc, &s->acl, false))
			continue;
		if (!strcmp(k->key, "host"))
			s->host = xstrdup(k->val);
		else if (!strcmp(k->key, "subnet"))
			subnet_key(c, m, k, &s->subnet, AF_INET);
		else if (!strcmp(k->key, "subnet6"))
			subnet_key(c, m, k, &s->subnet6, AF_INET6);
		else if (!strcmp(k->key, "mtu") && int_key(c, m, k, 68, 65535, "MTU", &v))
			s->mtu = (int)v;
		else if (!strcmp(k->key, "pvid") && int_key(c, m, k, 1, 4094, "VLAN id", &v))
			s->pvid = (int)v;
		else if (!strcmp(k->key, "stp") || !strcmp(k->key, "forward_delay") ||
			 !strcmp(k->key, "priority") || !strcmp(k->key, "uplink") ||
			 !strcmp(k->key, "mcast_snooping"))
			switch_l2_key(c, m, k, s);
		else if (!strcmp(k->key, "vlan_filtering")) {
			bool b;
			if (!strcmp(k->val, "auto"))
				s->vlan_filtering = -1;
			else if (vl_parse_bool(k->val, &b) == 0)
				s->vlan_filtering = b;
			else
				perr(c, m->label, k->line, k->key, "\"%s\" is not auto, on or off", k->val);
		}
	}
}

static void build_overlay(struct pctx *c, struct member *m)
{
	struct vl_overlay *o = VL_PUSH(c->t->overlays, c->t->noverlays, c->t->overlays_cap);
	bool have_type = false, have_vni = false, have_sw = false;
	o->name = xstrdup(m->name);
	o->learning = true;
	o->mtu_policy = VL_MTU_FIX;
	o->loc = loc_at(c, m->line, m->label);
	o->vni_loc = o->switches_loc = o->vlan_loc = o->underlay_loc = o->group_loc = o->mtu_loc =
		o->loc;
	for (size_t i = 0; i < m->nkeys; i++) {
		struct mkey *k = &m->keys[i];
		struct vl_loc kl = loc_at(c, k->line, m->label);
		long v;
		if (!strcmp(k->key, "vni"))
			o->vni_loc = kl;
		else if (!strcmp(k->key, "switches"))
			o->switches_loc = kl;
		else if (!strcmp(k->key, "vlan"))
			o->vlan_loc = kl;
		else if (!strcmp(k->key, "underlay"))
			o->underlay_loc = kl;
		else if (!strcmp(k->key, "group"))
			o->group_loc = kl;
		else if (!strcmp(k->key, "mtu"))
			o->mtu_loc = kl;
		if (!strcmp(k->key, "type")) {
			have_type = true;
			if (!strcmp(k->val, "vxlan"))
				o->type = VL_OVERLAY_VXLAN;
			else if (!strcmp(k->val, "geneve"))
				o->type = VL_OVERLAY_GENEVE;
			else if (!strcmp(k->val, "nvgre"))
				o->type = VL_OVERLAY_NVGRE;
			else
				perr(c, m->label, k->line, k->key, "\"%s\" is not vxlan, geneve or nvgre",
				     k->val);
		} else if (!strcmp(k->key, "vni")) {
			have_vni = true;
			if (int_key(c, m, k, 0, 16777215, "VNI", &v))
				o->vni = (uint32_t)v;
		} else if (!strcmp(k->key, "port")) {
			if (int_key(c, m, k, 1, 65535, "UDP port", &v))
				o->port = (int)v;
		} else if (!strcmp(k->key, "ttl")) {
			if (int_key(c, m, k, 1, 255, "TTL", &v))
				o->ttl = (int)v;
		} else if (!strcmp(k->key, "vlan")) {
			if (int_key(c, m, k, 1, 4094, "VLAN id", &v))
				o->vlan = (int)v;
		} else if (!strcmp(k->key, "switches")) {
			struct vl_strv l = {0};
			have_sw = true;
			vl_split(&l, k->val, true);
			o->switches = l.v; /* takes the strings */
			o->nswitches = l.n;
		} else if (!strcmp(k->key, "underlay")) {
			o->underlay = xstrdup(k->val);
		} else if (!strcmp(k->key, "group")) {
			struct vl_prefix p;
			bool mc = false;
			if (vl_prefix_parse(k->val, &p, false) == 0 && !strchr(k->val, '/'))
				mc = p.family == AF_INET ? (p.addr[0] & 0xf0) == 0xe0 : p.addr[0] == 0xff;
			if (!mc)
				perr(c, m->label, k->line, k->key,
				     "\"%s\" is not a multicast address (224.0.0.0/4 or ff00::/8), e.g. 239.1.1.1",
				     k->val);
			else
				o->group = p;
		} else if (!strcmp(k->key, "learning")) {
			bool_key(c, m, k, &o->learning);
		} else if (!strcmp(k->key, "mtu")) {
			if (!strcmp(k->val, "fix"))
				o->mtu_policy = VL_MTU_FIX;
			else if (!strcmp(k->val, "strict"))
				o->mtu_policy = VL_MTU_STRICT;
			else if (!strcmp(k->val, "ignore"))
				o->mtu_policy = VL_MTU_IGNORE;
			else
				perr(c, m->label, k->line, k->key, "\"%s\" is not fix, strict or ignore",
				     k->val);
		}
	}
	if (!have_type)
		perr(c, m->label, m->line, "type", "missing: say type = vxlan, geneve or nvgre");
	if (!have_vni)
		perr(c, m->label, m->line, "vni", "missing: say vni = N (0..16777215)");
	if (!have_sw)
		perr(c, m->label, m->line, "switches",
		     "missing: list the vSwitches to join, e.g. switches = vs1 vs2");
}

static void build_shaper(struct pctx *c, struct member *m)
{
	struct vl_shaper *s = VL_PUSH(c->t->shapers, c->t->nshapers, c->t->shapers_cap);
	s->name = xstrdup(m->name);
	s->loc = loc_at(c, m->line, m->label);
	for (size_t i = 0; i < m->nkeys; i++)
		shape_key(c, m->label, m->keys[i].line, m->keys[i].key, m->keys[i].key,
			  m->keys[i].val, &s->shape);
}

static bool endpoint(struct pctx *c, struct member *m, const struct mkey *k, char **node,
		     char **nic)
{
	const char *colon = strchr(k->val, ':');
	if (!colon || colon == k->val || !colon[1] || strchr(colon + 1, ':') ||
	    strpbrk(k->val, " \t")) {
		perr(c, m->label, k->line, k->key, "\"%s\": expected NODE:IFNAME, e.g. web1:eth0",
		     k->val);
		return false;
	}
	*node = xstrndup(k->val, (size_t)(colon - k->val));
	*nic = xstrdup(colon + 1);
	return true;
}

static void build_mirror(struct pctx *c, struct member *m)
{
	struct vl_mirror *x = VL_PUSH(c->t->mirrors, c->t->nmirrors, c->t->mirrors_cap);
	bool have_port = false, have_to = false;
	x->name = xstrdup(m->name);
	x->ingress = x->egress = true;
	x->src_node_idx = x->src_nic_idx = x->dst_node_idx = x->dst_nic_idx = -1;
	x->loc = loc_at(c, m->line, m->label);
	for (size_t i = 0; i < m->nkeys; i++) {
		struct mkey *k = &m->keys[i];
		if (!strcmp(k->key, "port")) {
			have_port = true; /* a bad value is reported by endpoint() */
			endpoint(c, m, k, &x->src_node, &x->src_nic);
		} else if (!strcmp(k->key, "to")) {
			have_to = true;
			endpoint(c, m, k, &x->dst_node, &x->dst_nic);
		} else if (!strcmp(k->key, "direction")) {
			if (!strcmp(k->val, "both"))
				x->ingress = x->egress = true;
			else if (!strcmp(k->val, "in"))
				x->ingress = true, x->egress = false;
			else if (!strcmp(k->val, "out"))
				x->ingress = false, x->egress = true;
			else
				perr(c, m->label, k->line, k->key, "\"%s\" is not both, in or out", k->val);
		}
	}
	if (!have_port)
		perr(c, m->label, m->line, "port", "missing: the watched NIC, e.g. port = web1:eth0");
	if (!have_to)
		perr(c, m->label, m->line, "to", "missing: the monitor NIC, e.g. to = mon:eth0");
}

/* ---- tests: assertions -------------------------------------------------- */

/* The form of each assertion, shown whenever one is written wrong. */
static const char *const assert_usage[VL_ASSERT__COUNT] = {
	[VL_ASSERT_REACH] = "reach = A B [C...], e.g. reach = web1 db1",
	[VL_ASSERT_ISOLATE] = "isolate = A B [C...], e.g. isolate = red1 blue1",
	[VL_ASSERT_MTU] = "mtu = A B SIZE, e.g. mtu = web1 db1 1450",
	[VL_ASSERT_ROUTE] = "path = A B HOP, e.g. path = pc1 web gw",
	[VL_ASSERT_TCP] = "tcp = A B:PORT, e.g. tcp = web1 db1:5432 (IPv6: [fd00::2]:5432)",
	[VL_ASSERT_UDP] = "udp = A B:PORT, e.g. udp = web1 dns1:53 (IPv6: [fd00::2]:53)",
	[VL_ASSERT_LATENCY] = "latency = A B OP TIME, e.g. latency = vm1 vm2 > 20ms",
	[VL_ASSERT_RATE] = "rate = A B OP RATE, e.g. rate = vm2 vm1 < 22mbit",
	[VL_ASSERT_LOSS] = "loss = A B OP PERCENT, e.g. loss = vm1 vm2 < 5%",
	[VL_ASSERT_MAC] = "mac = NODE:IF MAC, e.g. mac = web1:eth0 02:00:00:00:00:01",
	[VL_ASSERT_CMD] = "cmd = NODE -- COMMAND, e.g. cmd = web1 -- test -s /etc/hostname",
};

#define VL_ASSERT_TIMEOUT_DEFAULT 3.0

static bool is_v6_literal(const char *s)
{
	struct vl_prefix p;
	return !strchr(s, '/') && vl_prefix_parse(s, &p, false) == 0 && p.family == AF_INET6;
}

/* One endpoint word: NODE, NODE:IF, an IPv4 or IPv6 address ([fd00::1]
 * also accepted). Returns the word to store (brackets removed) or NULL
 * after reporting. Whether the node exists is validation's business. */
static char *assert_endpoint(struct pctx *c, struct member *m, const struct mkey *k,
			     const char *w, enum vl_assert_kind kind)
{
	struct vl_prefix p;
	size_t n = strlen(w);
	if (w[0] == '[') {
		char *in = n > 2 && w[n - 1] == ']' ? xstrndup(w + 1, n - 2) : NULL;
		if (in && is_v6_literal(in))
			return in;
		free(in);
		perr(c, m->label, k->line, k->key,
		     "\"%s\": brackets hold an IPv6 address, e.g. [fd00::2]; expected %s", w,
		     assert_usage[kind]);
		return NULL;
	}
	const char *slash = strchr(w, '/');
	if (slash && vl_prefix_parse(w, &p, true) == 0) {
		perr(c, m->label, k->line, k->key,
		     "\"%s\": an endpoint address has no prefix length; say %.*s", w,
		     (int)(slash - w), w);
		return NULL;
	}
	if (!slash && vl_prefix_parse(w, &p, false) == 0)
		return xstrdup(w);
	const char *colon = strchr(w, ':');
	if (slash || (colon && (colon == w || !colon[1] || strchr(colon + 1, ':')))) {
		perr(c, m->label, k->line, k->key,
		     "\"%s\" is not an endpoint: say NODE, NODE:IF or an address (web1, web1:eth0, 10.0.0.1, fd00::1)",
		     w);
		return NULL;
	}
	return xstrdup(w);
}

/* "B:PORT", "B:IF:PORT" or "[v6]:PORT" -> the endpoint word and the port. */
static char *assert_port_target(struct pctx *c, struct member *m, const struct mkey *k,
				const char *w, enum vl_assert_kind kind, int *port)
{
	const char *sep = strrchr(w, ':');
	char *head = NULL;
	long v;

	if (w[0] == '[') {
		const char *close = strstr(w, "]:");
		if (!close) {
			perr(c, m->label, k->line, k->key, "\"%s\": expected [IPV6]:PORT, e.g. [fd00::2]:80",
			     w);
			return NULL;
		}
		sep = close + 1;
	} else if (!sep || sep == w) {
		perr(c, m->label, k->line, k->key, "\"%s\": the target needs a port; expected %s", w,
		     assert_usage[kind]);
		return NULL;
	} else {
		char *h = xstrndup(w, (size_t)(sep - w));
		bool v6 = strchr(h, ':') && (is_v6_literal(h) || is_v6_literal(w));
		free(h);
		if (v6) {
			perr(c, m->label, k->line, k->key,
			     "\"%s\": put an IPv6 address in brackets before the port, e.g. [fd00::2]:80",
			     w);
			return NULL;
		}
	}
	if (parse_int(sep + 1, 1, 65535, &v)) {
		perr(c, m->label, k->line, k->key, "port \"%s\" must be 1..65535 (in %s)", sep + 1, w);
		return NULL;
	}
	head = xstrndup(w, (size_t)(sep - w));
	char *r = assert_endpoint(c, m, k, head, kind);
	free(head);
	*port = (int)v;
	return r;
}

static bool assert_cmp(const char *s, enum vl_cmp *cmp, size_t *len)
{
	static const struct {
		const char *op;
		enum vl_cmp cmp;
	} ops[] = {{"<=", VL_CMP_LE}, {">=", VL_CMP_GE}, {"<", VL_CMP_LT}, {">", VL_CMP_GT}};
	for (size_t i = 0; i < VL_ARRAY_SIZE(ops); i++) {
		size_t n = strlen(ops[i].op);
		if (!strncmp(s, ops[i].op, n)) {
			*cmp = ops[i].cmp;
			*len = n;
			return true;
		}
	}
	return false;
}

/* OP VALUE of latency, rate and loss: "> 20ms" or ">20ms". */
static bool assert_bound(struct pctx *c, struct member *m, const struct mkey *k,
			 struct vl_assert *a, char **w, size_t n)
{
	const char *val;
	size_t oplen;
	if (n == 0 || n > 2 || !assert_cmp(w[0], &a->cmp, &oplen) ||
	    (n == 2 && w[0][oplen]) || (n == 1 && !w[0][oplen])) {
		perr(c, m->label, k->line, k->key,
		     "expected a comparison <, <=, > or >= and a bound after A B: %s",
		     assert_usage[a->kind]);
		return false;
	}
	val = n == 2 ? w[1] : w[0] + oplen;
	if (a->kind == VL_ASSERT_LATENCY) {
		uint32_t us;
		if (vl_parse_time(val, &us) == 0) {
			a->bound = us / 1e6;
			return true;
		}
		perr(c, m->label, k->line, k->key,
		     "\"%s\": expected a time with a unit: us, ms or s (e.g. latency = vm1 vm2 < 20ms)",
		     val);
	} else if (a->kind == VL_ASSERT_RATE) {
		uint64_t bps;
		if (vl_parse_rate(val, &bps) == 0) {
			a->bound = (double)bps;
			return true;
		}
		perr(c, m->label, k->line, k->key,
		     "\"%s\": expected a rate: bit, kbit, mbit, gbit (bits/s) or bps, kbps, mbps, gbps (bytes/s), e.g. rate = vm2 vm1 < 22mbit",
		     val);
	} else {
		double pct;
		if (vl_parse_percent(val, &pct) == 0) {
			a->bound = pct;
			return true;
		}
		perr(c, m->label, k->line, k->key,
		     "\"%s\": expected a percentage 0..100, e.g. loss = vm1 vm2 < 5%%", val);
	}
	return false;
}

/* Trailing name=value words of an assertion (only timeout= today). */
static bool assert_options(struct pctx *c, struct member *m, const struct mkey *k,
			   struct vl_assert *a, struct vl_strv *w)
{
	static const char *const opts[] = {"timeout"};
	bool ok = true, seen = false;
	size_t first = w->n;

	for (size_t i = 0; i < w->n; i++)
		if (isalpha((unsigned char)w->v[i][0]) && strchr(w->v[i], '=')) {
			first = i;
			break;
		}
	for (size_t i = first; i < w->n; i++) {
		const char *s = w->v[i];
		const char *eq = strchr(s, '=');
		if (!isalpha((unsigned char)s[0]) || !eq) {
			perr(c, m->label, k->line, k->key, "\"%s\" after the options: options such as timeout= go last%s",
			     s, a->kind == VL_ASSERT_CMD ? ", before --" : "");
			ok = false;
			continue;
		}
		size_t nl = (size_t)(eq - s);
		if (nl != strlen(opts[0]) || strncmp(s, opts[0], nl)) {
			char *name = xstrndup(s, nl);
			const char *dym = vl_did_you_mean(name, opts, VL_ARRAY_SIZE(opts));
			perr(c, m->label, k->line, k->key,
			     "unknown option \"%s=\"%s%s%s; an assertion takes timeout=TIME", name,
			     dym ? " (did you mean " : "", dym ? dym : "", dym ? "=?)" : "");
			free(name);
			ok = false;
			continue;
		}
		uint32_t us;
		if (seen) {
			perr(c, m->label, k->line, k->key, "option timeout= given twice");
			ok = false;
		} else if (vl_parse_time(eq + 1, &us) || us == 0) {
			perr(c, m->label, k->line, k->key,
			     "timeout=%s: expected a time above zero with a unit: ms or s, e.g. timeout=10s",
			     eq + 1);
			ok = false;
		} else {
			a->timeout = us / 1e6;
		}
		seen = true;
	}
	for (size_t i = first; i < w->n; i++)
		free(w->v[i]);
	w->n = first;
	return ok;
}

static int assert_kind(const char *key)
{
	for (int i = 0; i < VL_ASSERT__COUNT; i++)
		if (!strcmp(key, vl_assert_key((enum vl_assert_kind)i)))
			return i;
	return -1;
}

/* cmd = NODE [timeout=T] -- COMMAND: the words before "--" into w, the
 * command (verbatim, blanks inside kept) into a->cmd. */
static bool assert_cmd_split(struct pctx *c, struct member *m, const struct mkey *k,
			     struct vl_assert *a, struct vl_strv *w)
{
	const char *p = k->val;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		const char *s = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (p - s == 2 && !strncmp(s, "--", 2)) {
			char *head = xstrndup(k->val, (size_t)(s - k->val));
			vl_split(w, head, false);
			free(head);
			while (*p == ' ' || *p == '\t')
				p++;
			size_t n = strlen(p);
			while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
				n--;
			if (!n) {
				perr(c, m->label, k->line, k->key, "no command after --; expected %s",
				     assert_usage[VL_ASSERT_CMD]);
				return false;
			}
			a->cmd = xstrndup(p, n);
			return true;
		}
	}
	perr(c, m->label, k->line, k->key, "missing \" -- \" before the command; expected %s",
	     assert_usage[VL_ASSERT_CMD]);
	return false;
}

/* The positional words of one assertion into a->args (and its values). */
static bool assert_words(struct pctx *c, struct member *m, const struct mkey *k,
			 struct vl_assert *a, struct vl_strv *w, struct vl_strv *args)
{
	size_t fixed;	/* endpoint words at the start */
	long v;

	switch (a->kind) {
	case VL_ASSERT_REACH:
	case VL_ASSERT_ISOLATE:
		if (w->n < 2) {
			perr(c, m->label, k->line, k->key, "needs at least two endpoints, e.g. %s",
			     assert_usage[a->kind]);
			return false;
		}
		fixed = w->n;
		break;
	case VL_ASSERT_MTU:
		if (w->n != 3) {
			perr(c, m->label, k->line, k->key, "expected %s", assert_usage[a->kind]);
			return false;
		}
		if (parse_int(w->v[2], 68, 65535, &v)) {
			perr(c, m->label, k->line, k->key, "size \"%s\" must be 68..65535 (%s)", w->v[2],
			     assert_usage[a->kind]);
			return false;
		}
		a->mtu = (int)v;
		fixed = 2;
		break;
	case VL_ASSERT_ROUTE:
		if (w->n != 3) {
			perr(c, m->label, k->line, k->key, "expected %s", assert_usage[a->kind]);
			return false;
		}
		fixed = 3;
		break;
	case VL_ASSERT_TCP:
	case VL_ASSERT_UDP:
		if (w->n != 2) {
			perr(c, m->label, k->line, k->key, "expected %s", assert_usage[a->kind]);
			return false;
		}
		fixed = 1;
		break;
	case VL_ASSERT_LATENCY:
	case VL_ASSERT_RATE:
	case VL_ASSERT_LOSS:
		if (w->n < 3) {
			perr(c, m->label, k->line, k->key, "expected %s", assert_usage[a->kind]);
			return false;
		}
		if (!assert_bound(c, m, k, a, w->v + 2, w->n - 2))
			return false;
		fixed = 2;
		break;
	case VL_ASSERT_MAC: {
		const char *colon = w->n == 2 ? strchr(w->v[0], ':') : NULL;
		if (!colon || colon == w->v[0] || !colon[1] || strchr(colon + 1, ':')) {
			perr(c, m->label, k->line, k->key, "expected %s", assert_usage[a->kind]);
			return false;
		}
		if (vl_parse_mac(w->v[1], a->mac)) {
			perr(c, m->label, k->line, k->key,
			     "\"%s\" is not a MAC address like 02:00:00:00:00:01", w->v[1]);
			return false;
		}
		vl_strv_push(args, w->v[0]);
		return true;
	}
	case VL_ASSERT_CMD:
	default:
		if (w->n != 1 || strchr(w->v[0], ':') || strchr(w->v[0], '[')) {
			perr(c, m->label, k->line, k->key,
			     "a command runs inside one node: give its name before --; expected %s",
			     assert_usage[VL_ASSERT_CMD]);
			return false;
		}
		vl_strv_push(args, w->v[0]);
		return true;
	}
	bool ok = true;
	for (size_t i = 0; i < fixed; i++) {
		char *e = assert_endpoint(c, m, k, w->v[i], a->kind);
		if (!e) {
			ok = false;
			continue;
		}
		vl_strv_push(args, e);
		free(e);
	}
	if (a->kind == VL_ASSERT_TCP || a->kind == VL_ASSERT_UDP) {
		char *e = assert_port_target(c, m, k, w->v[1], a->kind, &a->port);
		if (!e)
			return false;
		vl_strv_push(args, e);
		free(e);
	}
	return ok;
}

static void build_test(struct pctx *c, struct member *m)
{
	struct vl_test *x = VL_PUSH(c->t->tests, c->t->ntests, c->t->tests_cap);
	x->name = xstrdup(m->name ? m->name : "");
	x->loc = loc_at(c, m->line, m->label);
	for (size_t i = 0; i < m->nkeys; i++) {
		struct mkey *k = &m->keys[i];
		struct vl_strv w = {0}, args = {0};
		struct vl_assert a;
		int kind = assert_kind(k->key);
		if (kind < 0)
			continue; /* reported by check_keys */
		memset(&a, 0, sizeof(a));
		a.kind = (enum vl_assert_kind)kind;
		a.timeout = VL_ASSERT_TIMEOUT_DEFAULT;
		a.loc = loc_at(c, k->line, m->label);
		bool ok = true;
		if (a.kind == VL_ASSERT_CMD)
			ok = assert_cmd_split(c, m, k, &a, &w);
		else
			vl_split(&w, k->val, false);
		ok = ok && assert_options(c, m, k, &a, &w);
		ok = ok && assert_words(c, m, k, &a, &w, &args);
		vl_strv_free(&w);
		if (!ok) {
			vl_strv_free(&args);
			free(a.cmd);
			continue;
		}
		a.args = args.v;
		a.nargs = args.n;
		*VL_PUSH(x->asserts, x->nasserts, x->asserts_cap) = a;
	}
}

/* A link end: NODE IFNAME [ADDR...] [OPT...]. The NIC is added to the node
 * (links are built after every node exists); an end naming an unknown node
 * is still parsed, so its options are checked, then dropped (validation
 * reports the unknown node). */
static void link_end(struct pctx *c, struct member *m, const struct mkey *k, int li, int e)
{
	struct vl_link *l = &c->t->links[li];
	struct vl_strv tok = {0};
	vl_split(&tok, k->val, false);
	if (tok.n < 2) {
		perr(c, m->label, k->line, k->key,
		     "\"%s\": expected %s = NODE IFNAME [ADDR...] [OPT...]", k->val, k->key);
		vl_strv_free(&tok);
		return;
	}
	l->node[e] = xstrdup(tok.v[0]);
	l->nic[e] = xstrdup(tok.v[1]);
	int ni = vl_strmap_get(&c->nodes, tok.v[0]);
	/* a switch end: a port of that switch's bridge, named IFNAME */
	bool sw = ni < 0 && vl_strmap_get(&c->switches, tok.v[0]) >= 0;
	struct vl_nic tmp, *nic = &tmp;
	if (ni >= 0) {
		struct vl_node *n = &c->t->nodes[ni];
		nic = VL_PUSH(n->nics, n->nnics, n->nics_cap);
	} else if (sw) {
		nic = l->port[e] = xcalloc(1, sizeof(*nic));
	}
	nic_init(nic, tok.v[1], loc_at(c, k->line, m->label));
	nic->link_idx = li;
	nic_rest(c, m, k, nic, tok.v + 2, tok.n - 2, sw ? NIC_SWLINK : NIC_LINK);
	if (nic == &tmp) {
		free(tmp.name);
		free(tmp.addrs);
		free(tmp.shaper);
		free(tmp.in_shaper);
		free(tmp.trunk);
	}
	vl_strv_free(&tok);
}

static void build_link(struct pctx *c, struct member *m)
{
	struct vl_link *l = VL_PUSH(c->t->links, c->t->nlinks, c->t->links_cap);
	int li = (int)c->t->nlinks - 1;
	bool have[2] = {false, false};
	l->name = xstrdup(m->name);
	l->node_idx[0] = l->node_idx[1] = l->nic_idx[0] = l->nic_idx[1] = -1;
	l->sw_idx[0] = l->sw_idx[1] = -1;
	l->loc = l->end_loc[0] = l->end_loc[1] = loc_at(c, m->line, m->label);
	for (size_t i = 0; i < m->nkeys; i++) {
		int e = m->keys[i].key[0] == 'b';
		have[e] = true;
		l->end_loc[e] = loc_at(c, m->keys[i].line, m->label);
		link_end(c, m, &m->keys[i], li, e);
	}
	for (int e = 0; e < 2; e++)
		if (!have[e])
			perr(c, m->label, m->line, e ? "b" : "a",
			     "missing: a link joins two ends, e.g. %s = web1 eth1 10.9.0.%d/30",
			     e ? "b" : "a", e + 1);
}

/* ---- ranges and substitution -------------------------------------------- */

struct range {
	char *prefix;
	long start, end;
	int width;
};

/* "web1..100" -> prefix "web", 1, 100, width 1. Returns 0 when s is not a
 * range, 1 when it is, -1 (why set) when it is a broken one. */
static int parse_range(const char *s, struct range *r, const char **why)
{
	const char *dots = strstr(s, "..");
	if (!dots)
		return 0;
	const char *ds = dots;
	while (ds > s && isdigit((unsigned char)ds[-1]))
		ds--;
	size_t ndig = (size_t)(dots - ds);
	const char *e = dots + 2;
	if (!ndig || !*e) {
		*why = "a range is PREFIX+START..END, e.g. web1..100";
		return -1;
	}
	for (const char *p = e; *p; p++)
		if (!isdigit((unsigned char)*p)) {
			*why = "a range is PREFIX+START..END, e.g. web1..100";
			return -1;
		}
	if (ndig > 9 || strlen(e) > 9) {
		*why = "range numbers are too large";
		return -1;
	}
	char num[16];
	memcpy(num, ds, ndig);
	num[ndig] = '\0';
	r->start = strtol(num, NULL, 10);
	r->end = strtol(e, NULL, 10);
	r->width = (int)ndig;
	if (r->start > r->end) {
		*why = "the range's start is after its end";
		return -1;
	}
	if (r->end - r->start >= VL_MAX_RANGE) {
		*why = "a range may have at most 10000 members";
		return -1;
	}
	r->prefix = xstrndup(s, (size_t)(ds - s));
	return 1;
}

static char *range_name(const struct range *r, long i)
{
	return xasprintf("%s%0*ld", r->prefix, r->width, i);
}

/* ---- ${expr}: integer arithmetic over i and h ---------------------------- */

/* What a value of one member may substitute: $i / ${...i...} (in a range
 * section) and $h (with a host range). */
struct subst_vars {
	const char *istr, *hstr;   /* as $i/$h print: padded to the range's width */
	long i, h;
	bool has_i, has_h;
	int width;                 /* padding of ${expr} results */
	const struct range *self;  /* the section's own range, NULL */
};

#define EXPR_MAX_ABS 1000000000000L  /* keeps every step far from overflow */

struct expr {
	const char *p, *end;
	const struct subst_vars *vars;
	char *why;                 /* first error, allocated */
	int depth;
};

static void expr_skip(struct expr *e)
{
	while (e->p < e->end && (*e->p == ' ' || *e->p == '\t'))
		e->p++;
}

static void expr_fail(struct expr *e, char *why)
{
	if (!e->why)
		e->why = why;
	else
		free(why);
}

static long expr_sum(struct expr *e);

static long expr_primary(struct expr *e)
{
	expr_skip(e);
	if (e->p >= e->end) {
		expr_fail(e, xstrdup("ends where a number, i, h or ( was expected"));
		return 0;
	}
	char ch = *e->p;
	if (ch == '(') {
		e->p++;
		if (++e->depth > 32) {
			expr_fail(e, xstrdup("is nested too deeply"));
			return 0;
		}
		long v = expr_sum(e);
		e->depth--;
		expr_skip(e);
		if (e->p >= e->end || *e->p != ')') {
			expr_fail(e, xstrdup("has a ( without its )"));
			return 0;
		}
		e->p++;
		return v;
	}
	if (ch == '-') {
		e->p++;
		if (++e->depth > 32) {
			expr_fail(e, xstrdup("is nested too deeply"));
			return 0;
		}
		long v = -expr_primary(e);
		e->depth--;
		return v;
	}
	if (isdigit((unsigned char)ch)) {
		long v = 0;
		while (e->p < e->end && isdigit((unsigned char)*e->p)) {
			v = v * 10 + (*e->p++ - '0');
			if (v > EXPR_MAX_ABS) {
				expr_fail(e, xstrdup("has a number that is too large"));
				return 0;
			}
		}
		return v;
	}
	if (isalpha((unsigned char)ch) || ch == '_') {
		const char *w = e->p;
		while (e->p < e->end && (isalnum((unsigned char)*e->p) || *e->p == '_'))
			e->p++;
		size_t n = (size_t)(e->p - w);
		if (n == 1 && *w == 'i' && e->vars->has_i)
			return e->vars->i;
		if (n == 1 && *w == 'h' && e->vars->has_h)
			return e->vars->h;
		if (n == 1 && *w == 'i')
			expr_fail(e, xstrdup("uses i, which is only defined in a range section like [vm web1..10]"));
		else if (n == 1 && *w == 'h')
			expr_fail(e, xstrdup("uses h, which needs a host range in this section, like host = hv1..10"));
		else
			expr_fail(e, xasprintf("uses the unknown name \"%.*s\" (only i and h exist)",
					       (int)n, w));
		return 0;
	}
	expr_fail(e, xasprintf("has '%c' where a number, i, h or ( was expected", ch));
	return 0;
}

static long expr_clamp(struct expr *e, long v)
{
	if (v > EXPR_MAX_ABS || v < -EXPR_MAX_ABS) {
		expr_fail(e, xstrdup("gives a result that is too large"));
		return 0;
	}
	return v;
}

static long expr_product(struct expr *e)
{
	long v = expr_primary(e);
	for (;;) {
		expr_skip(e);
		if (e->why || e->p >= e->end || !strchr("*/%", *e->p))
			return v;
		char op = *e->p++;
		long r = expr_primary(e);
		if (e->why)
			return 0;
		if (op != '*' && r == 0) {
			expr_fail(e, xstrdup(op == '/' ? "divides by zero" : "takes a remainder of division by zero"));
			return 0;
		}
		long prod;
		if (op == '*' && __builtin_mul_overflow(v, r, &prod))
			prod = EXPR_MAX_ABS + 1;
		v = expr_clamp(e, op == '*' ? prod : op == '/' ? v / r : v % r);
	}
}

static long expr_sum(struct expr *e)
{
	long v = expr_product(e);
	for (;;) {
		expr_skip(e);
		if (e->why || e->p >= e->end || (*e->p != '+' && *e->p != '-'))
			return v;
		char op = *e->p++;
		long r = expr_product(e);
		v = expr_clamp(e, op == '+' ? v + r : v - r);
	}
}

/* Evaluate the text of ${...} (without the braces): integers, i, h,
 * + - * / % and parentheses, C precedence, / and % truncate toward zero.
 * Returns 0, or -1 with *why (allocated) saying what is wrong. */
int vl_range_expr(const char *s, size_t n, bool has_i, long i, bool has_h, long h, long *out,
		  char **why)
{
	struct subst_vars vars = {.i = i, .h = h, .has_i = has_i, .has_h = has_h};
	struct expr e = {s, s + n, &vars, NULL, 0};
	long v = expr_sum(&e);
	expr_skip(&e);
	if (!e.why && e.p < e.end)
		expr_fail(&e, xasprintf("has '%c' where an operator (+ - * / %%) or the end was expected",
					*e.p));
	if (!e.why && n == 0)
		expr_fail(&e, xstrdup("is empty"));
	if (e.why) {
		*why = e.why;
		return -1;
	}
	*out = v;
	return 0;
}

/* Replace $i, $h and ${expr} in v. On an error returns NULL with *why set
 * (allocated). */
static char *subst(const char *v, const struct subst_vars *sv, char **why)
{
	if (!strchr(v, '$'))
		return xstrdup(v);
	struct vl_buf b = {0};
	vl_buf_add(&b, "");
	for (const char *p = v; *p; p++) {
		if (*p != '$') {
			vl_buf_addn(&b, p, 1);
			continue;
		}
		if (p[1] == '{') {
			const char *end = strchr(p + 2, '}');
			long r;
			if (!end) {
				*why = xasprintf("\"%s\": ${ without its }; write ${i+1}", p);
				goto fail;
			}
			if (vl_range_expr(p + 2, (size_t)(end - p - 2), sv->has_i, sv->i, sv->has_h,
					  sv->h, &r, why) < 0) {
				char *w = xasprintf("${%.*s} %s", (int)(end - p - 2), p + 2, *why);
				free(*why);
				*why = w;
				goto fail;
			}
			/* text right before it naming a member of this very range */
			const struct range *self = sv->self;
			size_t pl = self ? strlen(self->prefix) : 0;
			if (self && pl && b.len >= pl && !strcmp(b.s + b.len - pl, self->prefix) &&
			    (r < self->start || r > self->end)) {
				*why = xasprintf("%s${%.*s} is %s%ld for member %s%s, outside %s%ld..%ld "
						 "(wrap around with %%, e.g. ${i %% %ld + 1})",
						 self->prefix, (int)(end - p - 2), p + 2, self->prefix, r,
						 self->prefix, sv->istr ? sv->istr : "", self->prefix,
						 self->start, self->end, self->end);
				goto fail;
			}
			if (r < 0) {
				*why = xasprintf("${%.*s} is %ld for this member; names and addresses need "
						 "a number >= 0", (int)(end - p - 2), p + 2, r);
				goto fail;
			}
			vl_buf_printf(&b, "%0*ld", sv->width, r);
			p = end;
			continue;
		}
		if (p[1] == 'i' && sv->istr) {
			vl_buf_add(&b, sv->istr);
		} else if (p[1] == 'h' && sv->hstr) {
			vl_buf_add(&b, sv->hstr);
		} else {
			*why = xstrdup(p[1] == 'i' ? "$i is only defined in a range section like [vm web1..10]"
				     : p[1] == 'h' ? "$h needs a host range in this section, like host = hv1..10"
						   : "only $i, $h and ${EXPR} can be substituted");
			goto fail;
		}
		p++;
	}
	return b.s;
fail:
	vl_buf_free(&b);
	return NULL;
}

/* ---- model layer: one raw section at a time ----------------------------- */

static int find_kind(const char *s)
{
	for (int k = 0; k < K_NKINDS; k++)
		if (!strcmp(s, kind_names[k]))
			return k;
	return -1;
}

/* Check the raw keys against the kind's table; mark the bad ones skipped. */
static void check_keys(struct pctx *c, struct raw_sec *s, int kind)
{
	const struct keydef *keys = kind_keys[kind].keys;
	size_t nk = kind_keys[kind].n;
	int first[16] = {0};
	const char *names[16];

	for (size_t j = 0; j < nk; j++)
		names[j] = keys[j].name;
	for (size_t i = 0; i < s->nkeys; i++) {
		struct raw_key *k = &s->keys[i];
		size_t j;
		for (j = 0; j < nk; j++)
			if (!strcmp(k->key, keys[j].name))
				break;
		if (j == nk) {
			k->skip = true;
			if (!strcmp(k->key, "nat") && (kind == K_HOST || kind == K_VM)) {
				perr(c, s->label, k->line, k->key,
				     "nat is a router key; make %s a [router] to masquerade", s->name);
			} else if (!strcmp(k->key, "host") && kind == K_HOST) {
				perr(c, s->label, k->line, k->key,
				     "a [host] is a hypervisor itself and cannot be placed on a host (did you mean [vm %s]?)",
				     s->name);
			} else {
				const char *dym = vl_did_you_mean(k->key, names, nk);
				perr(c, s->label, k->line, k->key, "unknown key for [%s]%s%s%s%s", s->kind,
				     dym ? " (did you mean " : "", dym ? dym : "", dym ? "?)" : "",
				     kind == K_TEST ? "; an assertion is one of reach, isolate, mtu, path, tcp, udp, latency, rate, loss, mac, cmd" : "");
			}
			continue;
		}
		if (!*k->val) {
			k->skip = true;
			perr(c, s->label, k->line, k->key, "has no value");
			continue;
		}
		if (keys[j].multi)
			continue;
		if (first[j]) {
			k->skip = true;
			perr(c, s->label, k->line, k->key, "given twice, first at line %d", first[j]);
			continue;
		}
		first[j] = k->line;
	}
}

static void build_member(struct pctx *c, struct member *m)
{
	switch (m->kind) {
	case K_LAB: build_lab(c, m); break;
	case K_HOST:
	case K_VM:
	case K_ROUTER: build_node(c, m); break;
	case K_SWITCH: build_switch(c, m); break;
	case K_LINK: build_link(c, m); break;
	case K_OVERLAY: build_overlay(c, m); break;
	case K_SHAPER: build_shaper(c, m); break;
	case K_MIRROR: build_mirror(c, m); break;
	case K_TEST: build_test(c, m); break;
	case K_NKINDS: break;
	}
}

/* The total limits of expansion, checked before a section is expanded:
 * nodes and switches, and key lines (each a NIC, a route...). */
static bool within_limits(struct pctx *c, const struct raw_sec *s, int kind, size_t members)
{
	size_t nkeys = 0;
	for (size_t i = 0; i < s->nkeys; i++)
		nkeys += !s->keys[i].skip;
	bool counts = kind == K_HOST || kind == K_VM || kind == K_ROUTER || kind == K_SWITCH;
	if (counts && c->members + members > VL_MAX_MEMBERS) {
		perr(c, s->label, s->line, NULL,
		     "this section makes %zu nodes and switches in all (%zu before it); a lab may "
		     "have at most %d: make the range smaller or split the lab",
		     c->members + members, c->members, VL_MAX_MEMBERS);
		return false;
	}
	if (c->keys + members * nkeys > VL_MAX_EXPANDED_KEYS) {
		perr(c, s->label, s->line, NULL,
		     "this section's %zu keys times %zu members make %zu key lines in all (%zu "
		     "before it); a lab may have at most %d: make the range smaller or split the lab",
		     nkeys, members, c->keys + members * nkeys, c->keys, VL_MAX_EXPANDED_KEYS);
		return false;
	}
	if (counts)
		c->members += members;
	c->keys += members * nkeys;
	return true;
}

static void build_section(struct pctx *c, struct raw_sec *s, int kind)
{
	struct range r = {0}, hr = {0};
	const char *why = NULL;
	char *swhy = NULL;
	int is_range = 0, host_range = 0;
	const struct raw_key *host_key = NULL;

	c->member = 0;
	vl_strv_free(&c->seen);

	if (s->name) {
		is_range = parse_range(s->name, &r, &why);
		if (is_range < 0) {
			perr(c, s->label, s->line, NULL, "%s: %s", s->name, why);
			return;
		}
		if (is_range && kind != K_HOST && kind != K_VM && kind != K_ROUTER &&
		    kind != K_SWITCH && kind != K_LINK) {
			perr(c, s->label, s->line, NULL,
			     "a [%s] can't be a range (only host, vm, router, switch and link sections can)",
			     s->kind);
			free(r.prefix);
			return;
		}
	}
	if (kind == K_VM || kind == K_ROUTER)
		for (size_t i = 0; i < s->nkeys; i++)
			if (!s->keys[i].skip && !strcmp(s->keys[i].key, "host"))
				host_key = &s->keys[i];
	if (host_key) {
		host_range = parse_range(host_key->val, &hr, &why);
		if (host_range < 0) {
			perr(c, s->label, host_key->line, "host", "%s: %s", host_key->val, why);
			host_range = 0;
		}
	}

	long first = is_range ? r.start : 0, last = is_range ? r.end : 0;
	if (!within_limits(c, s, kind, (size_t)(last - first + 1)))
		goto out;
	struct mkey *keys = xcalloc(s->nkeys ? s->nkeys : 1, sizeof(*keys));
	for (long i = first; i <= last; i++, c->member++) {
		struct member m = {.kind = kind, .line = s->line, .keys = keys};
		char *istr = is_range ? xasprintf("%0*ld", r.width, i) : NULL;
		char *hstr = NULL, *hname = NULL;
		struct subst_vars sv = {.istr = istr, .i = i, .has_i = is_range,
					.width = is_range ? r.width : hr.width,
					.self = is_range ? &r : NULL};
		if (host_range) {
			long h = hr.start + (long)(c->member % (hr.end - hr.start + 1));
			hstr = xasprintf("%0*ld", hr.width, h);
			hname = range_name(&hr, h);
			sv.hstr = hstr;
			sv.h = h;
			sv.has_h = true;
		}
		m.name = is_range ? range_name(&r, i) : s->name ? xstrdup(s->name) : NULL;
		m.label = is_range ? intern(c->t, xasprintf("%s %s", s->kind, m.name)) : s->label;
		for (size_t j = 0; j < s->nkeys; j++) {
			const struct raw_key *rk = &s->keys[j];
			if (rk->skip)
				continue;
			/* a test's command is shell text: its $ stays for the shell */
			bool verbatim = (kind == K_TEST && !strcmp(rk->key, "cmd")) ||
					vl_cmd_kind_of(rk->key) >= 0;
			char *v = rk == host_key && hname ? xstrdup(hname)
				: verbatim ? xstrdup(rk->val) : subst(rk->val, &sv, &swhy);
			if (!v) {
				perr(c, m.label, rk->line, rk->key, "%s", swhy);
				free(swhy);
				swhy = NULL;
				continue;
			}
			keys[m.nkeys].key = rk->key;
			keys[m.nkeys].val = v;
			keys[m.nkeys].line = rk->line;
			m.nkeys++;
		}
		build_member(c, &m);
		for (size_t j = 0; j < m.nkeys; j++)
			free(keys[j].val);
		free(m.name);
		free(istr);
		free(hstr);
		free(hname);
	}
	free(keys);
out:
	free(r.prefix);
	free(hr.prefix);
}

static void build_model(struct pctx *c)
{
	int *kinds = xcalloc(c->nsecs ? c->nsecs : 1, sizeof(int));

	for (size_t i = 0; i < c->nsecs; i++) {
		struct raw_sec *s = &c->secs[i];
		int kind = find_kind(s->kind);
		kinds[i] = kind;
		if (kind < 0) {
			const char *dym = vl_did_you_mean(s->kind, kind_names, K_NKINDS);
			perr(c, s->label, s->line, NULL, "unknown section kind \"%s\"%s%s%s", s->kind,
			     dym ? " (did you mean " : "", dym ? dym : "", dym ? "?)" : "");
			continue;
		}
		if (kind == K_LAB && s->name) {
			perr(c, s->label, s->line, NULL,
			     "[lab] takes no name in the header; say name = %s inside it", s->name);
			kinds[i] = -1;
			continue;
		}
		if (kind != K_LAB && kind != K_TEST && !s->name) {
			perr(c, s->label, s->line, NULL, "a [%s] needs a name: [%s NAME]", s->kind,
			     s->kind);
			kinds[i] = -1;
			continue;
		}
		check_keys(c, s, kind);
	}
	/* links last: their ends are added to nodes defined anywhere */
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			for (size_t i = 0; i < c->t->nnodes; i++)
				vl_strmap_add(&c->nodes, c->t->nodes[i].name, (int)i);
			for (size_t i = 0; i < c->t->nswitches; i++)
				vl_strmap_add(&c->switches, c->t->switches[i].name, (int)i);
		}
		for (size_t i = 0; i < c->nsecs; i++) {
			if (kinds[i] < 0 || (kinds[i] == K_LINK) != (pass == 1))
				continue;
			build_section(c, &c->secs[i], kinds[i]);
		}
	}
	c->member = 0;
	free(kinds);
}

int vl_parse_string(const char *name, const char *text, struct vl_topology *t,
		    struct vl_diags *d)
{
	struct pctx c;

	memset(t, 0, sizeof(*t));
	t->file = xstrdup(name ? name : "-");
	t->lab.mtu = 1500;
	t->lab.ipv6 = true;
	t->lab.dad = false;
	t->lab.ext_node = -1;

	memset(&c, 0, sizeof(c));
	c.t = t;
	c.d = d;
	c.text = text ? text : "";
	c.len = strlen(c.text);
	c.at_start = true;
	c.cur = -1;

	/* This inih build is configured at run time: heap line buffer that
	 * grows (long nic lines), no multi-line values (an indented line is a
	 * key of its own), ';' and '#' comments. raw_line() keeps every line
	 * inih sees below ini_max_line, so no line is ever split in two. */
	ini_allow_multiline = false;
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_max_line = 1 << 16;
	ini_allow_no_value = false;
	ini_stop_on_first_error = false;
	ini_allow_inline_comments = true;
	ini_allow_bom = true;
	ini_parse_stream(reader, &c, handler, &c);

	build_model(&c);
	vl_strv_free(&c.seen);
	vl_strmap_free(&c.nodes);
	vl_strmap_free(&c.switches);
	raw_free(&c);
	return 0;
}

int vl_parse_file(const char *path, struct vl_topology *t, struct vl_diags *d)
{
	FILE *f = fopen(path, "rb");
	struct vl_loc loc = {path, 0, NULL};

	if (!f) {
		vl_err(d, &loc, NULL, "cannot open: %s", strerror(errno));
		memset(t, 0, sizeof(*t));
		t->file = xstrdup(path);
		return -1;
	}
	struct vl_buf b = {0};
	char chunk[65536];
	size_t n;
	bool big = false;
	vl_buf_add(&b, "");
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (memchr(chunk, '\0', n)) {
			/* keep going: the line with the NUL is reported, not hidden */
			for (size_t i = 0; i < n; i++)
				if (!chunk[i])
					chunk[i] = '\x01';
		}
		vl_buf_addn(&b, chunk, n);
		if (b.len > MAX_FILE_SIZE) {
			big = true;
			break;
		}
	}
	int rerr = ferror(f);
	fclose(f);
	if (rerr || big) {
		vl_err(d, &loc, NULL, "%s", big ? "file is larger than 16 MiB" : "read error");
		vl_buf_free(&b);
		memset(t, 0, sizeof(*t));
		t->file = xstrdup(path);
		return -1;
	}
	int r = vl_parse_string(path, b.s, t, d);
	vl_buf_free(&b);
	return r;
}
