/* A small string -> int hash map (open addressing) for name lookups in the
 * parser and validation, so 1000-node labs stay linear. Keys are borrowed,
 * not copied: they must outlive the map. */
#ifndef VLAB_STRMAP_H
#define VLAB_STRMAP_H

#include <stdlib.h>
#include <string.h>

#include "vlab/util.h"

struct vl_strmap {
	const char **keys;
	int *vals;
	size_t cap, n;
};

static inline void vl_strmap_grow(struct vl_strmap *m);

static inline int vl_strmap_get(const struct vl_strmap *m, const char *key)
{
	if (!m->cap || !key)
		return -1;
	size_t i = vl_hash32(key) & (m->cap - 1);
	for (size_t probes = 0; probes < m->cap; probes++) {
		if (!m->keys[i])
			return -1;
		if (!strcmp(m->keys[i], key))
			return m->vals[i];
		i = (i + 1) & (m->cap - 1);
	}
	return -1;
}

/* Insert key -> val unless key is present. Returns the existing value when
 * it was, else -1 (and inserts). */
static inline int vl_strmap_add(struct vl_strmap *m, const char *key, int val)
{
	if ((m->n + 1) * 2 > m->cap)
		vl_strmap_grow(m);
	size_t i = vl_hash32(key) & (m->cap - 1);
	while (m->keys[i]) {
		if (!strcmp(m->keys[i], key))
			return m->vals[i];
		i = (i + 1) & (m->cap - 1);
	}
	m->keys[i] = key;
	m->vals[i] = val;
	m->n++;
	return -1;
}

static inline void vl_strmap_grow(struct vl_strmap *m)
{
	struct vl_strmap o = *m;
	m->cap = o.cap ? o.cap * 2 : 64;
	m->keys = xcalloc(m->cap, sizeof(*m->keys));
	m->vals = xcalloc(m->cap, sizeof(*m->vals));
	m->n = 0;
	for (size_t i = 0; i < o.cap; i++)
		if (o.keys[i])
			vl_strmap_add(m, o.keys[i], o.vals[i]);
	free(o.keys);
	free(o.vals);
}

static inline void vl_strmap_free(struct vl_strmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

#endif
