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
#include "vlab/startup.h"
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
	VL_OP_BOND,     /* create bond `dev` in `ns` (members join it as veth peers) */
	VL_OP_NVGRE,    /* create gretap `dev` (key = VSID << 8) in `ns` */
	VL_OP_FILTER,   /* one rule of table bridge vlab in `ns` (port security, src/secure.c) */
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
	bool ll6;                      /* IPv6 link-local is vlab's (lab ipv6 = on,
					* dad = off): addr_gen_mode none before the
					* device has a carrier; fe80::EUI-64(mac)
					* comes as an ADDR op (ll), without DAD */
};

/* One nftables rule in a switch namespace's `table bridge vlab` (port
 * security and allow/deny, built by src/secure.c, sent by src/nl_nft.c).
 * Every match given must hold; then the verdict. */
enum vl_nft_verdict { VL_NFT_ACCEPT, VL_NFT_DROP, VL_NFT_GOTO };
enum vl_nft_macm { VL_MAC_ANY, VL_MAC_EQ, VL_MAC_NE };
#define VL_CHAIN_MAX 24
#define VL_NFT_BASE_CHAIN "ports" /* hook prerouting, priority -200, policy accept */
struct vl_filter {
	char chain[VL_CHAIN_MAX];      /* VL_NFT_BASE_CHAIN, "sec-PORT" or "acl-PORT" */
	char iif[VL_DEVNAME_MAX];      /* meta iifname, "" = any */
	uint16_t ethertype;            /* meta protocol (host order), 0 = any */
	unsigned char mac_match;       /* enum vl_nft_macm: ether saddr vs mac */
	bool arp_sha;                  /* ARP sender hardware address == mac */
	uint8_t mac[6];
	struct vl_prefix src;          /* ip/ip6 saddr (ARP: sender IP), family 0 = any */
	struct vl_prefix dst;          /* ip/ip6 daddr prefix, family 0 = any */
	uint8_t l4proto;               /* meta l4proto, 0 = any */
	uint16_t dport[2], sport[2];   /* inclusive ranges, [1] == 0: any */
	uint8_t icmp_type[2];          /* transport byte 0 range, [1] == 0: any */
	unsigned char verdict;         /* enum vl_nft_verdict */
	char target[VL_CHAIN_MAX];     /* VL_NFT_GOTO: the chain */
};

/* What an operation does to a running lab: plans of `up` only create;
 * the difference `apply` runs (vl_plan_diff) also removes and changes. */
enum vl_op_act {
	VL_ACT_CREATE = 0, /* as in a plan of `up` */
	VL_ACT_REMOVE,     /* delete what the op created (absent: nothing to do) */
	VL_ACT_CHANGE,     /* in place: qdisc replaced, sysctl rewritten, hosts file rewritten */
};

struct vl_op {
	enum vl_op_kind kind;
	unsigned char act;               /* enum vl_op_act */
	char node[VL_NODE_NAME_MAX + 1]; /* which node/switch this is for (messages) */
	char ns[VL_NSNAME_MAX];          /* namespace the operation runs in */
	char dev[VL_DEVNAME_MAX];        /* device it creates or changes */
	struct vl_op_dev d;              /* attributes of `dev` when created */
	union {
		struct { char key[64]; char value[16]; } sysctl;
		struct { char path[256]; } hosts;
		struct {
			int vlan_filtering; int default_pvid;
			bool mcast_snooping;  /* IFLA_BR_MCAST_SNOOPING (off: 0 sent) */
			bool stp;             /* spanning tree on (IFLA_BR_STP_STATE) */
			int forward_delay_cs; /* with stp; 0 = kernel default */
			int hello_time_cs;    /* with stp; 0 = kernel default */
			int priority;         /* -1 = kernel default */
		} bridge;
		struct { int mode; int miimon_ms; } bond; /* IFLA_BOND_MODE (BOND_MODE_*) */
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
		struct {
			struct vl_prefix addr;
			bool nodad;
			bool ll;                  /* the link-local of a ll6 device: where it
						   * is there already (the kernel's own, same
						   * EUI-64), that is fine */
		} addr;
		struct { struct vl_prefix dst; struct vl_prefix via; bool has_dev; } route;
		struct { struct vl_shape shape; } qdisc;
		struct { char to[VL_DEVNAME_MAX]; bool ingress, egress; } mirror;
		struct { int dummy; } nat;
		struct vl_filter filter;
	} u;
};

/* [lab] external: one veth from NODE into the machine's own (root)
 * namespace, masqueraded there. Not plan ops (the executor works only in
 * lab namespaces): src/external.c does it after the plan ran, and undoes
 * it at down/clean. */
struct vl_external {
	bool on;
	char node[VL_NODE_NAME_MAX + 1];
	char ns[VL_NSNAME_MAX];          /* NODE's namespace */
	char dev[VL_DEVNAME_MAX];        /* NODE's end (ext0) */
	char root_dev[VL_DEVNAME_MAX];   /* the machine's end: vl-<lab> */
	char table[VL_DEVNAME_MAX + 8];  /* nftables table ip vlab_ext_<lab> */
	struct vl_prefix net;            /* the /30 of the link (198.18.0.0/15) */
	bool node_nat;                   /* NODE is a router: masquerade the lab out of dev */
};

struct vl_plan {
	char lab[VL_LAB_NAME_MAX + 1];
	struct vl_external ext;
	struct vl_op *ops;
	size_t nops, cap;
	/* namespaces in creation order (also the teardown list) */
	struct vl_strv netns;
	/* content of the lab's shared hosts file (/run/vlab/<lab>/hosts) */
	struct vl_buf hosts;
	/* startup commands (run/run!/daemon), node by node (src/startup.c) */
	struct vl_startup *startup;
	size_t nstartup, startup_cap;
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

/* ---- port security (src/secure.c; parsing in parse.h, checks in validate.h) ----
 * Filter ops for every secured or ruled port, in the namespace holding
 * its switch (sw_ns/sw_owner as the planner computed them). */
void vl_secure_plan(const struct vl_topology *t, struct vl_plan *p,
		    const char (*sw_ns)[VL_NSNAME_MAX], const char *const *sw_owner);
/* "table bridge vlab chain acl-web-eth0: ip daddr 10.0.0.3 tcp dport 5432 accept" */
void vl_filter_describe(const struct vl_op *op, struct vl_buf *out);
/* the filter's fields into an open JSON object (each starts with ',') */
void vl_filter_json(const struct vl_op *op, struct vl_buf *out);
/* NVGRE: the gretap device names of an overlay ("nv<VSID>[-k]"). */
void vl_nvgre_name(char out[VL_DEVNAME_MAX], uint32_t vsid, int idx);

/* ---- external access (src/external.c) ---- */
void vl_external_plan(const struct vl_topology *t, struct vl_plan *p);
/* What it changes on the machine, one line each ("" when off). */
void vl_external_describe(const struct vl_external *e, struct vl_buf *out);

/* One operation as a JSON object (as in vl_plan_json's "ops"). */
void vl_op_json(const struct vl_op *op, struct vl_buf *out);

/* ---- the difference between a running lab and its edited file (src/plan_diff.c) ----
 * Pure data, like a plan: which operations remove, change or create, so
 * that the lab built from `old` becomes the lab `new` describes. Untouched
 * namespaces stay: only what changed, and what the kernel removes with it
 * (addresses, routes, qdiscs of a device that is re-created) is redone. */
struct vl_diff {
	/* removes (in reverse plan order), then changes, then creates (in
	 * plan order); plan.netns lists every namespace an op touches
	 * (existing ones are opened, new ones created); plan.hosts is the
	 * new hosts file */
	struct vl_plan plan;
	size_t nremove, nchange, ncreate;
	/* why the change cannot be made in place (one line each); when any,
	 * the plan is empty */
	struct vl_strv refuse;
};

/* The difference between the plans of two validated topologies of the
 * same lab. Checks first what cannot change in place (lab name, a node's
 * kind, lab-wide IPv6/DAD, NAT): reasons go to d->refuse. */
int vl_plan_diff(const struct vl_topology *old, const struct vl_topology *new,
		 struct vl_diff *d);
/* The same from two plans (no refusal checks; unit tests, migrate). */
void vl_plan_diff_plans(const struct vl_plan *old, const struct vl_plan *new,
			struct vl_diff *d);
void vl_diff_free(struct vl_diff *d);
/* "apply to lab X: N to remove, N to change, N to create" then one line
 * per op, "- ", "~ " or "+ " before vl_op_describe's text. */
void vl_diff_print(const struct vl_diff *d, struct vl_buf *out);
void vl_diff_json(const struct vl_diff *d, struct vl_buf *out);

/* Plug NODE's NIC into switch SW in a validated topology (a migration
 * recorded in the state): the NIC keeps its MAC, MTU and addresses; the
 * node's host becomes the switch's host. 0, or -ENOENT when NODE, NIC or SW
 * is not there (or SW is not a switch), -EINVAL when NIC is a [link] end. */
int vl_topology_place(struct vl_topology *t, const char *node, const char *nic,
		      const char *sw);

#endif
