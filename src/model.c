/* The topology model: freeing, lookups and address text forms. */
#include "vlab/model.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static void free_addrs(struct vl_addr *a)
{
	free(a);
}

static void free_nic(struct vl_nic *c)
{
	free(c->name);
	free(c->sw);
	free(c->trunk);
	free_addrs(c->addrs);
	free(c->shaper);
	free(c->in_shaper);
}

static void free_node(struct vl_node *n)
{
	free(n->name);
	free(n->host);
	for (size_t i = 0; i < n->nnics; i++)
		free_nic(&n->nics[i]);
	free(n->nics);
	for (size_t i = 0; i < n->nsubs; i++) {
		free(n->subs[i].name);
		free(n->subs[i].parent);
		free_addrs(n->subs[i].addrs);
	}
	free(n->subs);
	for (size_t i = 0; i < n->nroutes; i++)
		free(n->routes[i].dev);
	free(n->routes);
	free(n->nat);
	for (size_t i = 0; i < n->nbonds; i++) {
		for (size_t k = 0; k < n->bonds[i].nmembers; k++)
			free(n->bonds[i].members[k]);
		free(n->bonds[i].members);
		free(n->bonds[i].member_nic);
		free(n->bonds[i].name);
	}
	free(n->bonds);
	for (size_t i = 0; i < n->ncmds; i++)
		free(n->cmds[i].cmd);
	free(n->cmds);
}

static void free_overlay(struct vl_overlay *o)
{
	free(o->name);
	for (size_t i = 0; i < o->nswitches; i++)
		free(o->switches[i]);
	free(o->switches);
	free(o->sw_idx);
	free(o->underlay);
	free(o->host_idx);
	free(o->underlay_nic);
	free(o->local);
}

const char *vl_overlay_type_name(enum vl_overlay_type type)
{
	return type == VL_OVERLAY_GENEVE ? "Geneve" : type == VL_OVERLAY_NVGRE ? "NVGRE" : "VXLAN";
}

void vl_topology_free(struct vl_topology *t)
{
	if (!t)
		return;
	free(t->lab.name);
	free(t->lab.external);
	free(t->lab.ext_dev);
	for (size_t i = 0; i < t->nnodes; i++) {
		vl_acl_free(&t->nodes[i].acl);
		free_node(&t->nodes[i]);
	}
	free(t->nodes);
	for (size_t i = 0; i < t->nswitches; i++) {
		free(t->switches[i].name);
		free(t->switches[i].host);
		free(t->switches[i].uplink);
		free(t->switches[i].uplink_vlans);
		vl_acl_free(&t->switches[i].acl);
	}
	free(t->switches);
	for (size_t i = 0; i < t->noverlays; i++)
		free_overlay(&t->overlays[i]);
	free(t->overlays);
	for (size_t i = 0; i < t->nlinks; i++) {
		struct vl_link *l = &t->links[i];
		free(l->name);
		for (int e = 0; e < 2; e++) {
			free(l->node[e]);
			free(l->nic[e]);
			if (l->port[e]) {
				free_nic(l->port[e]);
				free(l->port[e]);
			}
		}
	}
	free(t->links);
	for (size_t i = 0; i < t->nshapers; i++)
		free(t->shapers[i].name);
	free(t->shapers);
	for (size_t i = 0; i < t->nmirrors; i++) {
		struct vl_mirror *m = &t->mirrors[i];
		free(m->name);
		free(m->src_node);
		free(m->src_nic);
		free(m->dst_node);
		free(m->dst_nic);
	}
	free(t->mirrors);
	for (size_t i = 0; i < t->ntests; i++) {
		struct vl_test *x = &t->tests[i];
		free(x->name);
		for (size_t j = 0; j < x->nasserts; j++) {
			for (size_t k = 0; k < x->asserts[j].nargs; k++)
				free(x->asserts[j].args[k]);
			free(x->asserts[j].args);
			free(x->asserts[j].ep);
			free(x->asserts[j].cmd);
		}
		free(x->asserts);
	}
	free(t->tests);
	for (size_t i = 0; i < t->nstrings; i++)
		free(t->strings[i]);
	free(t->strings);
	free(t->file);
	memset(t, 0, sizeof(*t));
}

int vl_find_node(const struct vl_topology *t, const char *name)
{
	if (!name)
		return -1;
	for (size_t i = 0; i < t->nnodes; i++)
		if (!strcmp(t->nodes[i].name, name))
			return (int)i;
	return -1;
}

int vl_find_switch(const struct vl_topology *t, const char *name)
{
	if (!name)
		return -1;
	for (size_t i = 0; i < t->nswitches; i++)
		if (!strcmp(t->switches[i].name, name))
			return (int)i;
	return -1;
}

int vl_find_nic(const struct vl_node *n, const char *name)
{
	if (!name)
		return -1;
	for (size_t i = 0; i < n->nnics; i++)
		if (!strcmp(n->nics[i].name, name))
			return (int)i;
	return -1;
}

const char *vl_node_kind_name(enum vl_node_kind k)
{
	switch (k) {
	case VL_NODE_HOST: return "host";
	case VL_NODE_VM: return "vm";
	case VL_NODE_ROUTER: return "router";
	}
	return "node";
}

int vl_prefix_parse(const char *s, struct vl_prefix *p, bool need_len)
{
	char buf[INET6_ADDRSTRLEN + 8];
	struct vl_prefix r;

	if (!s)
		return -1;
	size_t n = strlen(s);
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n + 1);
	memset(&r, 0, sizeof(r));

	char *slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	else if (need_len)
		return -1;
	if (strchr(buf, ':')) {
		r.family = AF_INET6;
		if (inet_pton(AF_INET6, buf, r.addr) != 1)
			return -1;
	} else {
		r.family = AF_INET;
		if (inet_pton(AF_INET, buf, r.addr) != 1)
			return -1;
	}
	int max = r.family == AF_INET ? 32 : 128;
	r.len = max;
	if (slash) {
		/* strict decimal: no sign, no blanks, no leading zeros games */
		if (!*slash || strlen(slash) > 3)
			return -1;
		int v = 0;
		for (const char *q = slash; *q; q++) {
			if (!isdigit((unsigned char)*q))
				return -1;
			v = v * 10 + (*q - '0');
		}
		if (v > max)
			return -1;
		r.len = v;
	}
	*p = r;
	return 0;
}

void vl_prefix_format(const struct vl_prefix *p, char *buf, size_t n, bool with_len)
{
	char a[INET6_ADDRSTRLEN];

	if (!n)
		return;
	if (p->family != AF_INET && p->family != AF_INET6) {
		snprintf(buf, n, "-");
		return;
	}
	if (!inet_ntop(p->family, p->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	if (with_len)
		snprintf(buf, n, "%s/%d", a, p->len);
	else
		snprintf(buf, n, "%s", a);
}

const char *vl_assert_key(enum vl_assert_kind k)
{
	static const char *const keys[VL_ASSERT__COUNT] = {
		"reach", "isolate", "mtu", "path", "tcp", "udp",
		"latency", "rate", "loss", "mac", "cmd",
	};
	return (unsigned)k < VL_ASSERT__COUNT ? keys[k] : "?";
}
