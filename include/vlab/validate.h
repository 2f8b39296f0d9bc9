/* Model -> validated model: resolves references, fills in derived values
 * (auto addresses, MACs, MTUs, default shapers) and reports every problem.
 * Returns the number of errors. */
#ifndef VLAB_VALIDATE_H
#define VLAB_VALIDATE_H

#include "vlab/diag.h"
#include "vlab/model.h"

size_t vl_validate(struct vl_topology *t, struct vl_diags *d);
/* Port security (src/secure.c): checks security and allow/deny, resolves
 * their peers to addresses; vl_validate calls it after addresses exist. */
void vl_secure_validate(struct vl_topology *t, struct vl_diags *d);
/* [lab] external (src/external.c): resolves NODE and IF. */
void vl_external_validate(struct vl_topology *t, struct vl_diags *d);

/* Encapsulation overhead in bytes for an overlay over an underlay of the
 * given address family (50 over IPv4, 70 over IPv6). */
int vl_overlay_overhead(enum vl_overlay_type type, int family);

/* The checks every shape of a file gets (jitter/reorder need delay, tbf's
 * smallest rate), for shapes from elsewhere (vlab impair). Errors added. */
size_t vl_shape_check(const struct vl_shape *s, const char *who, const char *pfx,
		      struct vl_diags *d);

#endif
