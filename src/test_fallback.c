/* TEMPORARY (runner branch): fills vl_assert.ep[] while validation does not
 * yet (the lang branch resolves endpoints in validate.c). REMOVE this file
 * and its one call in cmd_test.c once lang is merged. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "vlab/model.h"
#include "vlab/util.h"

void vl_test_fallback_resolve(struct vl_topology *t);

static bool first_addr(const struct vl_addr *a, size_t n, struct vl_prefix *out)
{
	for (int fam = 0; fam < 2; fam++)
		for (size_t i = 0; i < n; i++)
			if (a[i].p.family == (fam ? AF_INET6 : AF_INET)) {
				*out = a[i].p;
				return true;
			}
	return false;
}

static void resolve(const struct vl_topology *t, const char *tok, struct vl_endpoint *ep)
{
	ep->node_idx = ep->nic_idx = -1;
	memset(&ep->addr, 0, sizeof(ep->addr));
	if (vl_prefix_parse(tok, &ep->addr, false) == 0 && !strchr(tok, '/'))
		return;
	memset(&ep->addr, 0, sizeof(ep->addr));
	const char *colon = strchr(tok, ':');
	char *node = colon ? xstrndup(tok, (size_t)(colon - tok)) : xstrdup(tok);
	ep->node_idx = vl_find_node(t, node);
	free(node);
	if (ep->node_idx < 0)
		return;
	const struct vl_node *n = &t->nodes[ep->node_idx];
	if (colon) {
		ep->nic_idx = vl_find_nic(n, colon + 1);
		if (ep->nic_idx >= 0)
			first_addr(n->nics[ep->nic_idx].addrs, n->nics[ep->nic_idx].naddrs, &ep->addr);
		return;
	}
	for (size_t i = 0; i < n->nnics; i++)
		if (first_addr(n->nics[i].addrs, n->nics[i].naddrs, &ep->addr)) {
			ep->nic_idx = (int)i;
			return;
		}
	for (size_t i = 0; i < n->nsubs; i++)
		if (first_addr(n->subs[i].addrs, n->subs[i].naddrs, &ep->addr))
			return;
}

void vl_test_fallback_resolve(struct vl_topology *t)
{
	for (size_t i = 0; i < t->ntests; i++)
		for (size_t j = 0; j < t->tests[i].nasserts; j++) {
			struct vl_assert *a = &t->tests[i].asserts[j];
			if (a->ep)
				continue;
			a->ep = xcalloc(a->nargs ? a->nargs : 1, sizeof(*a->ep));
			for (size_t k = 0; k < a->nargs; k++)
				resolve(t, a->args[k], &a->ep[k]);
		}
}
