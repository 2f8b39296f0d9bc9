/* The topology as a Graphviz DOT graph (`vlab graph`): hosts are clusters
 * holding their vSwitches and guests; physical switches and standalone
 * nodes sit outside. Works on a validated topology. */
#ifndef VLAB_GRAPH_H
#define VLAB_GRAPH_H

#include "vlab/model.h"
#include "vlab/util.h"

void vl_graph_dot(const struct vl_topology *t, struct vl_buf *out);

#endif
