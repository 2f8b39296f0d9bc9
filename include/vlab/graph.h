/* The topology as a Graphviz DOT graph (`vlab graph`), drawn for a slide:
 * a host that holds vSwitches or guests is a box (cluster) with its own
 * NICs, bonds, vSwitches, VTEPs and guests inside; physical switches,
 * routers and plain hosts sit outside. Addresses live in the nodes (one
 * row per NIC), so cables carry only what belongs to the cable: VLANs,
 * shaping, link names. Overlays are dashed tunnels between VTEP nodes,
 * each VTEP tied to the host NIC whose address it uses. For a running
 * lab, the recorded changes (links down, faults, impairments) are drawn
 * on the cables. Works on a validated topology; the output is
 * deterministic (model order). The legend is in vlab(1), `graph`. */
#ifndef VLAB_GRAPH_H
#define VLAB_GRAPH_H

#include <stdbool.h>

#include "vlab/model.h"
#include "vlab/util.h"

struct vl_changes;

/* Guests of one vSwitch beyond this many are drawn as one "N more" node
 * (the first two and the last stay), and so are runs of plain switches in
 * a chain longer than this; `all` draws everything. */
#define VL_GRAPH_FOLD 6

struct vl_graph_opts {
	bool all;                        /* no folding */
	const char *running;             /* lab name when drawing a running lab */
	const struct vl_changes *live;   /* its recorded changes, or NULL */
};

void vl_graph_dot(const struct vl_topology *t, struct vl_buf *out);
void vl_graph_dot_opts(const struct vl_topology *t, const struct vl_graph_opts *opts,
		       struct vl_buf *out);

#endif
