/* Validated model -> plan: an ordered list of kernel operations, pure data.
 * The executor runs it; `vlab plan` prints it. Every device lives inside a
 * lab namespace, so the teardown of a plan is: delete its namespaces (and
 * the per-namespace /etc/netns/<ns> files), which vl_plan_teardown lists. */
#ifndef VLAB_PLAN_H
#define VLAB_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vlab/model.h"
#include "vlab/naming.h"
#include "vlab/util.h"

enum vl_op_kind {
	VL_OP_NETNS,    /* create namespace `ns`, loopback up, marked */
	VL_OP_SYSCTL,   /* in `ns`: write u.sysctl.value to /proc/sys/<key> */
	VL_OP_HOSTS,    /* write /etc/netns/<ns>/hosts (u.hosts.path = shared file) */
	VL_OP_BRIDGE,   /* create bridge `dev` in `ns` */
	VL_OP_VETH,     /* create veth `dev` in `ns` with peer u.veth.peer_* */
	VL_OP_VLAN,     /* create 802.1Q `dev` on u.vlan.parent in `ns` */
	VL_OP_VXLAN,    /* create vxlan `dev` in `ns` */
	VL_OP_GENEVE,   /* create geneve `dev` in `ns` */
	VL_OP_BRPORT,   /* bridge port VLAN membership of `dev` (or bridge self) */
	VL_OP_FDB,      /* append all-zero FDB entry on `dev` towards u.fdb.dst */
	VL_OP_ADDR,     /* add address to `dev` */
	VL_OP_UP,       /* set `dev` up (after addresses, for links created down) */
	VL_OP_ROUTE,    /* add route in `ns` */
	VL_OP_QDISC,    /* shaping on `dev`: netem and/or tbf */
	VL_OP_MIRROR,   /* tc mirred: copy `dev`'s traffic to u.mirror.to */
	VL_OP_NAT,      /* nftables masquerade out of `dev` in `ns` */
	VL_OP__COUNT
};

/* Common attributes of a device vlab creates. */
struct vl_op_dev {
	uint8_t mac[6];
	bool has_mac;
	int mtu;                       /* 0 = kernel default */
	char master[VL_DEVNAME_MAX];   /* enslave to this bridge, "" = none */
	char altname[VL_ALTNAME_MAX];  /* "" = none */
	bool up;
	bool isolated;                 /* bridge port isolation (split horizon) */
	bool noaddr;                   /* a switch's own device (bridge, port, VTEP):
					* no IPv6 address generated and no IP
					* input, so nothing behind the switch
					* reaches the namespace holding it */
};

struct vl_op {
	enum vl_op_kind kind;
	char node[VL_NODE_NAME_MAX + 1]; /* which node/switch this is for (messages) */
	char ns[VL_NSNAME_MAX];          /* namespace the operation runs in */
	char dev[VL_DEVNAME_MAX];        /* device it creates or changes */
	struct vl_op_dev d;              /* attributes of `dev` when created */
	union {
		struct { char key[64]; char value[16]; } sysctl;
		struct { char path[256]; } hosts;
		struct { int vlan_filtering; int default_pvid; } bridge;
		struct {
			char peer_ns[VL_NSNAME_MAX];
			char peer_dev[VL_DEVNAME_MAX];
			struct vl_op_dev peer;
		} veth;
		struct { char parent[VL_DEVNAME_MAX]; int vid; } vlan;
		struct {
			uint32_t vni;
			int port;
			int ttl;
			bool learning;
			struct vl_prefix local;   /* family 0 = none */
			struct vl_prefix remote;  /* geneve remote / vxlan group */
			bool multicast;
			char underlay[VL_DEVNAME_MAX];
		} tunnel;
		struct {
			int vid;
			bool pvid, untagged;
			bool self;                /* the bridge device itself */
			bool del;                 /* remove (e.g. default VLAN 1) */
		} brport;
		struct { struct vl_prefix dst; } fdb;
		struct { struct vl_prefix addr; bool nodad; } addr;
		struct { struct vl_prefix dst; struct vl_prefix via; bool has_dev; } route;
		struct { struct vl_shape shape; } qdisc;
		struct { char to[VL_DEVNAME_MAX]; bool ingress, egress; } mirror;
		struct { int dummy; } nat;
	} u;
};

struct vl_plan {
	char lab[VL_LAB_NAME_MAX + 1];
	struct vl_op *ops;
	size_t nops, cap;
	/* namespaces in creation order (also the teardown list) */
	struct vl_strv netns;
	/* content of the lab's shared hosts file (/run/vlab/<lab>/hosts) */
	struct vl_buf hosts;
};

/* Build the plan of a validated topology. Returns 0, or -1 with a message
 * in `d` if the model holds something the planner cannot express. */
int vl_plan_build(const struct vl_topology *t, struct vl_plan *p, struct vl_diags *d);
void vl_plan_free(struct vl_plan *p);

const char *vl_op_kind_name(enum vl_op_kind k);
/* One line, human readable: "vlab-dc-hv1: veth web1-eth0 <-> vlab-dc-web1/eth0 master vs1 up" */
void vl_op_describe(const struct vl_op *op, struct vl_buf *out);
void vl_plan_print(const struct vl_plan *p, struct vl_buf *out);
void vl_plan_json(const struct vl_plan *p, struct vl_buf *out);
/* Teardown, printed the same way (namespaces to delete, files to remove). */
void vl_plan_print_teardown(const struct vl_plan *p, struct vl_buf *out);
/* A shaping as the topology language writes it ("rate=100mbit delay=5ms"),
 * keys prefixed with `prefix` (e.g. "in_"); nothing when the shape is empty. */
void vl_shape_format(const struct vl_shape *s, const char *prefix, struct vl_buf *out);

/* Derived tbf parameters (src/nl_tc.c): a given burst/limit is kept, else
 * 10 ms (burst, at least two full frames and 5000 bytes) and 50 ms (limit,
 * at least three bursts) of the rate. The planner writes them into every
 * qdisc op, so `vlab plan` shows the values that run. */
uint32_t vl_tbf_burst(uint64_t rate_bps, int mtu, uint32_t burst);
uint32_t vl_tbf_limit(uint64_t rate_bps, uint32_t burst, uint32_t limit);
/* Fill in the tbf burst and limit a shape runs with on a device of `mtu`
 * (as the plan shows them and the kernel reports them back). */
void vl_shape_derive(struct vl_shape *sh, int mtu);

#endif
