/* External access, opt-in: `[lab] external = NODE[:IF]` gives NODE one
 * veth into the machine's own (root) namespace and masquerades it there,
 * so NODE (and, when it is a router, the lab behind it) reaches whatever
 * the machine reaches. It is the one thing vlab does outside its own
 * namespaces, so everything is marked and recorded:
 *   - the machine's end is vl-<lab>, ifalias "vlab:<lab>"; NODE's end IF
 *     (ext0); the link is a /30 of 198.18.0.0/15 (RFC 2544 benchmarking
 *     space, chosen by the lab's name);
 *   - nftables table ip vlab_ext_<lab> (user data "vlab:<lab>") holding
 *     `ip saddr <the /30> masquerade` in a nat postrouting chain;
 *   - net.ipv4.ip_forward turned on when it was off, and turned off again
 *     when the last lab that needed it goes;
 *   - /run/vlab/<lab>/external records it for down and clean.
 * The veth dies with NODE's namespace; down/clean remove the rest. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <dirent.h>
#include <unistd.h>

#include "vlab/exec.h"
#include "vlab/naming.h"
#include "vlab/paths.h"
#include "vlab/plan.h"
#include "vlab/state.h"
#include "vlab/validate.h"

#define EXT_DEFAULT_DEV "ext0"
#define FORWARD "/proc/sys/net/ipv4/ip_forward"

/* ---- validation and plan (no root) ---- */

void vl_external_validate(struct vl_topology *t, struct vl_diags *d)
{
	struct vl_lab *lab = &t->lab;
	const struct vl_loc *loc = &lab->external_loc;
	lab->ext_node = -1;
	free(lab->ext_dev);
	lab->ext_dev = NULL;
	if (!lab->external)
		return;
	char *name = xstrdup(lab->external), *dev = strchr(name, ':');
	if (dev)
		*dev++ = '\0';
	int ni = vl_find_node(t, name);
	if (ni < 0) {
		int si = vl_find_switch(t, name);
		if (si >= 0)
			vl_err(d, loc, "external", "%s is a switch (line %d); external = names the node "
			       "(NODE or NODE:IF) that gets the link to the machine's network",
			       name, t->switches[si].loc.line);
		else
			vl_err(d, loc, "external", "unknown node \"%s\"; say external = NODE or NODE:IF",
			       name);
		free(name);
		return;
	}
	const struct vl_node *n = &t->nodes[ni];
	const char *ifn = dev && *dev ? dev : EXT_DEFAULT_DEV, *why = NULL;
	bool bad = false;
	if (!vl_ifname_ok(ifn, &why)) {
		vl_err(d, loc, "external", "interface name \"%s\": %s", ifn, why);
		bad = true;
	} else {
		bool taken = vl_find_nic(n, ifn) >= 0;
		for (size_t j = 0; j < n->nsubs; j++)
			taken |= !strcmp(n->subs[j].name, ifn);
		if (taken) {
			vl_err(d, loc, "external", "%s already has an interface %s; name the link "
			       "another one (external = %s:ext0)", n->name, ifn, n->name);
			bad = true;
		}
	}
	for (size_t r = 0; r < n->nroutes; r++)
		if (n->routes[r].dst.len == 0 && n->routes[r].dst.family != AF_INET6 &&
		    (n->routes[r].via.family == AF_INET || n->routes[r].dst.family == AF_INET)) {
			vl_err(d, loc, "external", "%s has an IPv4 default route (line %d); the external "
			       "link gives it one towards the machine: drop gateway = / the default "
			       "route", n->name, n->routes[r].loc.line);
			bad = true;
			break;
		}
	if (!bad) {
		lab->ext_node = ni;
		lab->ext_dev = xstrdup(ifn);
	}
	free(name);
}

void vl_external_plan(const struct vl_topology *t, struct vl_plan *p)
{
	const struct vl_lab *lab = &t->lab;
	struct vl_external *e = &p->ext;
	memset(e, 0, sizeof(*e));
	if (lab->ext_node < 0 || !lab->ext_dev)
		return;
	const struct vl_node *n = &t->nodes[lab->ext_node];
	e->on = true;
	snprintf(e->node, sizeof(e->node), "%s", n->name);
	vl_netns_name(e->ns, lab->name, n->name);
	snprintf(e->dev, sizeof(e->dev), "%s", lab->ext_dev);
	snprintf(e->root_dev, sizeof(e->root_dev), "vl-%s", lab->name);
	snprintf(e->table, sizeof(e->table), "vlab_ext_%s", lab->name);
	/* 198.18.0.0/15 holds 32768 /30s; one per lab name */
	uint32_t k = vl_hash32(lab->name) % 32768u, a = (198u << 24) | (18u << 16) | (k << 2);
	e->net.family = AF_INET;
	e->net.len = 30;
	for (int i = 0; i < 4; i++)
		e->net.addr[i] = (uint8_t)(a >> (24 - 8 * i));
	e->node_nat = n->kind == VL_NODE_ROUTER;
}

static struct vl_prefix host_of(const struct vl_prefix *net, int h)
{
	struct vl_prefix p = *net;
	p.addr[3] = (uint8_t)(p.addr[3] + h);
	return p;
}

void vl_external_describe(const struct vl_external *e, struct vl_buf *o)
{
	if (!e->on)
		return;
	char a[64], b[64], n[64], g[64];
	struct vl_prefix ra = host_of(&e->net, 1), na = host_of(&e->net, 2);
	vl_prefix_format(&ra, a, sizeof(a), true);
	vl_prefix_format(&ra, g, sizeof(g), false);
	vl_prefix_format(&na, b, sizeof(b), true);
	vl_prefix_format(&e->net, n, sizeof(n), true);
	vl_buf_printf(o, "# external access: changes THIS MACHINE's own network namespace\n");
	vl_buf_printf(o, "  root namespace: veth %s %s <-> %s/%s %s, ifalias " VL_ALIAS_PREFIX
		      "%s\n", e->root_dev, a, e->ns, e->dev, b, e->root_dev + 3);
	vl_buf_printf(o, "  %s: default route via %s dev %s%s\n", e->ns, g, e->dev,
		      e->node_nat ? " (and masquerade out of it)" : "");
	vl_buf_printf(o, "  root namespace: nftables table ip %s: ip saddr %s masquerade\n",
		      e->table, n);
	vl_buf_printf(o, "  root namespace: net.ipv4.ip_forward = 1 (restored by down when vlab "
		      "turned it on)\n");
}

/* ---- the record: /run/vlab/<lab>/external ---- */

static int record_write(const char *lab, int forward_was)
{
	char path[256];
	vl_path_lab(path, sizeof(path), lab, "external");
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	char line[32];
	int n = snprintf(line, sizeof(line), "forward_was=%d\n", forward_was);
	int r = write(fd, line, (size_t)n) == n ? 0 : -EIO;
	close(fd);
	return r;
}

/* forward_was of a lab's record: 0 or 1, -1 when there is no record */
static int record_read(const char *lab)
{
	char path[256], line[32] = "";
	vl_path_lab(path, sizeof(path), lab, "external");
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n < 0)
		return -1;
	return strstr(line, "forward_was=0") ? 0 : 1;
}

/* Does another lab hold a record? Its forward_was (0 wins), -1 = none. */
static int others(const char *lab)
{
	struct vl_strv labs = {0};
	int found = -1;
	vl_state_list(&labs);
	for (size_t i = 0; i < labs.n; i++) {
		if (!strcmp(labs.v[i], lab))
			continue;
		int w = record_read(labs.v[i]);
		if (w >= 0 && (found < 0 || w == 0))
			found = w;
	}
	vl_strv_free(&labs);
	return found;
}

static int read_forward(void)
{
	char c = '0';
	int fd = open(FORWARD, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (read(fd, &c, 1) != 1)
		c = '0';
	close(fd);
	return c == '1';
}

static int write_forward(int v)
{
	int fd = open(FORWARD, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = write(fd, v ? "1\n" : "0\n", 2) == 2 ? 0 : -errno;
	close(fd);
	return r;
}

/* ---- up / down (root) ---- */

struct inside {
	const struct vl_external *e;
	const char *alias;
	const char *what;
};

static int node_side(void *arg)
{
	struct inside *q = arg;
	const struct vl_external *e = q->e;
	struct vl_nl nl;
	int r = vl_nl_open(&nl, NETLINK_ROUTE);
	if (r < 0) {
		q->what = "opening netlink in";
		return r;
	}
	int idx = (int)if_nametoindex(e->dev);
	struct vl_prefix mine = host_of(&e->net, 2), gw = host_of(&e->net, 1), any = {0};
	mine.len = 30;
	gw.len = 32;
	any.family = AF_INET;
	if (!idx) {
		r = -ENODEV;
		q->what = "finding its end in";
	} else if ((r = vl_link_set_alias(&nl, idx, q->alias, true)) < 0) {
		q->what = "setting up its end in";
	} else if ((r = vl_addr_add(&nl, idx, &mine, true)) < 0) {
		q->what = "adding the link's address in";
	} else if ((r = vl_route_add(&nl, &any, &gw, idx)) < 0) {
		q->what = "adding the default route in";
	} else if (e->node_nat && (r = vl_nft_masquerade(e->dev)) < 0) {
		q->what = "adding the masquerade in";
	}
	vl_nl_close(&nl);
	return r;
}

int vl_external_up(const struct vl_plan *p, struct vl_buf *err)
{
	const struct vl_external *e = &p->ext;
	char alias[VL_ALTNAME_MAX];
	if (!e->on)
		return 0;
	vl_alias(alias, p->lab, NULL);
	if (if_nametoindex(e->root_dev)) {
		vl_buf_printf(err, "vlab: external: the machine already has a device %s (a leftover "
			      "of lab %s? `vlab clean`), not touching it", e->root_dev, p->lab);
		return -EEXIST;
	}
	int was = read_forward();
	if (was < 0) {
		vl_buf_printf(err, "vlab: external: reading %s: %s", FORWARD, strerror(-was));
		return was;
	}
	/* the record first: whatever happens next, down knows what to undo */
	int other = others(p->lab);
	int r = record_write(p->lab, other == 0 ? 0 : was);
	if (r < 0) {
		vl_buf_printf(err, "vlab: external: writing its record: %s", strerror(-r));
		return r;
	}
	int nsfd = vl_netns_open(e->ns), home = vl_netns_self();
	struct vl_nl nl = {.fd = -1};
	const char *what = NULL;
	if (nsfd < 0 || home < 0) {
		r = nsfd < 0 ? nsfd : home;
		what = "opening namespace";
		goto out;
	}
	if ((r = vl_nl_open(&nl, NETLINK_ROUTE)) < 0) {
		what = "opening netlink";
		goto out;
	}
	static const struct vl_op_dev up = {.up = true};
	struct vl_devspec a = {e->root_dev, 0, &up, 0, alias}, b = {e->dev, 0, &up, 0, alias};
	if ((r = vl_link_veth(&nl, &a, &b, nsfd)) < 0) {
		what = "creating the veth to";
		goto out;
	}
	int idx = (int)if_nametoindex(e->root_dev);
	struct vl_prefix mine = host_of(&e->net, 1);
	if (!idx) {
		r = -ENODEV;
		what = "finding the machine's end of the link to";
	} else if ((r = vl_link_set_alias(&nl, idx, alias, true)) < 0) {
		what = "marking the machine's end of the link to";
	} else if ((r = vl_addr_add(&nl, idx, &mine, true)) < 0) {
		what = "adding the machine's address of the link to";
	}
	if (r < 0)
		goto out;
	struct inside q = {e, alias, NULL};
	if ((r = vl_netns_call(nsfd, home, node_side, &q)) < 0) {
		what = q.what ? q.what : "entering";
		goto out;
	}
	if (!was && (r = write_forward(1)) < 0) {
		what = "turning on net.ipv4.ip_forward for";
		goto out;
	}
	if ((r = vl_nft_masquerade_from(e->table, alias, &e->net)) < 0)
		what = "adding the masquerade (nftables) for";
out:
	if (r < 0)
		vl_buf_printf(err, "vlab: external: %s %s: %s", what, e->ns, strerror(-r));
	if (nl.fd >= 0)
		vl_nl_close(&nl);
	if (nsfd >= 0)
		close(nsfd);
	if (home >= 0)
		close(home);
	return r;
}

struct find_alias {
	int ifindex;
	char alias[VL_ALTNAME_MAX];
};

static int alias_of(const struct nlmsghdr *nlh, void *data)
{
	struct find_alias *q = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	if (nlh->nlmsg_type != RTM_NEWLINK || ifi->ifi_index != q->ifindex)
		return 0;
	mnl_attr_for_each(a, nlh, sizeof(*ifi)) {
		if (mnl_attr_get_type(a) == IFLA_IFALIAS)
			snprintf(q->alias, sizeof(q->alias), "%.*s", (int)mnl_attr_get_payload_len(a),
				 (const char *)mnl_attr_get_payload(a));
	}
	return 0;
}

/* The machine's end, when it carries this lab's mark (read through
 * netlink: /sys shows the namespace that mounted it, not ours). */
static int del_root_dev(const char *lab)
{
	char dev[VL_DEVNAME_MAX], want[VL_ALTNAME_MAX];
	snprintf(dev, sizeof(dev), "vl-%s", lab);
	struct find_alias q = {(int)if_nametoindex(dev), ""};
	if (!q.ifindex)
		return 0;
	struct vl_nl nl;
	int r = vl_nl_open(&nl, NETLINK_ROUTE);
	if (r < 0)
		return r;
	r = vl_nl_dump_all(&nl, RTM_GETLINK, sizeof(struct ifinfomsg), alias_of, &q);
	vl_alias(want, lab, NULL);
	if (r >= 0 && !strcmp(q.alias, want)) {
		r = vl_link_del(&nl, q.ifindex);
		r = r < 0 && r != -ENODEV ? r : 1; /* gone meanwhile with NODE's namespace: fine */
	}
	else if (r >= 0)
		r = 0; /* not ours */
	vl_nl_close(&nl);
	return r;
}

int vl_external_down(const char *lab)
{
	int was = record_read(lab);
	if (was < 0)
		return 0;
	char table[VL_DEVNAME_MAX + 8], path[256];
	snprintf(table, sizeof(table), "vlab_ext_%s", lab);
	int r = vl_nft_table_del(table);
	if (r < 0)
		fprintf(stderr, "vlab: external: removing nftables table ip %s: %s\n", table,
			strerror(-r));
	int d = del_root_dev(lab);
	if (d < 0)
		fprintf(stderr, "vlab: external: removing vl-%s: %s\n", lab, strerror(-d));
	if (!was && others(lab) < 0 && write_forward(0) < 0)
		fprintf(stderr, "vlab: external: could not turn net.ipv4.ip_forward off again\n");
	vl_path_lab(path, sizeof(path), lab, "external");
	if (r >= 0 && d >= 0)
		unlink(path);
	return 1;
}
