/* The topology model: pure data, built by the parser from the INI text,
 * checked and completed by validation (references resolved, auto addresses
 * and MACs filled in), then turned into a plan. Nothing here touches the
 * kernel. The file format is documented in man/vlab.ini.5. */
#ifndef VLAB_MODEL_H
#define VLAB_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vlab/diag.h"

#define VL_LAB_NAME_MAX 12  /* netns "vlab-<lab>-<node>" stays readable */
#define VL_NODE_NAME_MAX 32
#define VL_IFNAME_MAX 15    /* IFNAMSIZ - 1 */

/* An IPv4 or IPv6 address with prefix length. */
struct vl_prefix {
	int family;      /* AF_INET or AF_INET6; 0 = unset */
	uint8_t addr[16];
	int len;         /* prefix length; 32/128 for a plain address */
};

/* Shaping of one direction of a NIC: tbf rate and netem impairments. */
struct vl_shape {
	bool set;               /* any key given */
	uint64_t rate_bps;      /* bits per second, 0 = unlimited */
	uint32_t burst_bytes;   /* 0 = derived from rate */
	uint32_t limit_bytes;   /* tbf queue limit, 0 = derived */
	uint32_t delay_us;
	uint32_t jitter_us;
	double loss_pct;        /* 0..100 */
	double duplicate_pct;
	double corrupt_pct;
	double reorder_pct;     /* needs delay */
	uint32_t netem_limit;   /* packets, 0 = kernel default */
	unsigned given;         /* VL_SHAPE_* bits of keys written inline (parser);
				 * a [shaper] profile fills only the others */
};

/* Bits of vl_shape.given, one per shaping key. */
enum {
	VL_SHAPE_RATE = 1 << 0, VL_SHAPE_BURST = 1 << 1, VL_SHAPE_LIMIT = 1 << 2,
	VL_SHAPE_DELAY = 1 << 3, VL_SHAPE_JITTER = 1 << 4, VL_SHAPE_LOSS = 1 << 5,
	VL_SHAPE_DUPLICATE = 1 << 6, VL_SHAPE_CORRUPT = 1 << 7,
	VL_SHAPE_REORDER = 1 << 8, VL_SHAPE_NETEM_LIMIT = 1 << 9,
};

/* A named [shaper NAME] profile. */
struct vl_shaper {
	char *name;
	struct vl_shape shape;
	struct vl_loc loc;
};

struct vl_addr {
	struct vl_prefix p;
	bool is_auto;            /* "auto"/"auto6": filled in by validation */
	struct vl_loc loc;
};

struct vl_route {
	struct vl_prefix dst;    /* default route: len 0 */
	struct vl_prefix via;    /* family 0 = on-link (dev required) */
	char *dev;               /* may be NULL */
	struct vl_loc loc;
};

/* Port security and micro-segmentation (src/secure.c, man/vlab.ini.5
 * "PORT SECURITY"): `allow = ` / `deny = ` rules on a node or a switch,
 * applied in the vSwitch to the frames a node's NIC sends into its port. */
enum vl_acl_proto { VL_ACL_ANY, VL_ACL_TCP, VL_ACL_UDP, VL_ACL_ICMP };

struct vl_acl_rule {
	bool allow;              /* allow = (else deny =) */
	enum vl_acl_proto proto;
	char *peer;              /* to=NODE, NODE:IF or a prefix as written; NULL = any */
	char *nic;               /* nic=IF on a node: only that NIC; NULL = every switch NIC */
	uint16_t dport[2];       /* port=N or N-M; 0/0 = any */
	uint16_t sport[2];       /* sport=N or N-M */
	/* resolved by validation: the peer's addresses (a literal: one prefix) */
	struct vl_prefix *peer_addrs;
	size_t npeer_addrs;
	struct vl_loc loc;
};

struct vl_acl {
	struct vl_acl_rule *v;
	size_t n, cap;
};

/* `security = ` on a node, a switch, or a NIC's security= option. */
enum vl_port_security { VL_SEC_UNSET = 0, VL_SEC_OFF, VL_SEC_STRICT };

/* A NIC of a node (host, vm, router). Plugged into a switch, or one end of
 * a [link]. */
struct vl_nic {
	char *name;              /* interface name inside the node, e.g. eth0 */
	char *sw;                /* switch name; NULL for a link end */
	int sw_idx;              /* resolved by validation, -1 = none */
	int link_idx;            /* index of the [link] this end belongs to, -1 */

	/* switch port mode (on the switch side of the cable) */
	int access_vlan;         /* 0 = none (untagged port, or trunk) */
	uint16_t *trunk;         /* allowed tagged VLANs */
	size_t ntrunk, trunk_cap;
	int native_vlan;         /* untagged VLAN on a trunk, 0 = none */

	struct vl_addr *addrs;
	size_t naddrs, addrs_cap;

	uint8_t mac[6];
	bool mac_set;            /* given, or derived by validation */
	int mtu;                 /* 0 = lab default */
	bool isolated;           /* switch port isolation: reaches only non-isolated ports */

	struct vl_shape out;     /* traffic leaving the node through this NIC */
	struct vl_shape in;      /* traffic arriving at the node */
	char *shaper;            /* [shaper] profile for out, or NULL */
	char *in_shaper;         /* for in */
	enum vl_port_security security; /* security= option (UNSET: node's, then switch's) */

	struct vl_loc loc;
};

/* A tagged 802.1Q sub-interface inside a node: `sub = eth0.10 addr...` */
struct vl_subif {
	char *name;              /* "eth0.10" */
	char *parent;            /* "eth0" */
	int vid;
	struct vl_addr *addrs;
	size_t naddrs, addrs_cap;
	int mtu;
	struct vl_loc loc;
};

/* NIC teaming on a host: `bond = bond0 eth0 eth1 mode=active-backup`. The
 * members are the host's NICs (each on a physical switch); the bond is
 * meant as a vSwitch's uplink. */
enum vl_bond_mode { VL_BOND_ACTIVE_BACKUP, VL_BOND_BALANCE_XOR, VL_BOND_8023AD };

struct vl_bond {
	char *name;              /* the bond device inside the host, e.g. bond0 */
	char **members;          /* NIC names */
	size_t nmembers;
	int *member_nic;         /* resolved: NIC index in the host, -1 */
	enum vl_bond_mode mode;
	int miimon_ms;           /* link monitoring interval, default 50 */
	struct vl_loc loc;
};

enum vl_node_kind { VL_NODE_HOST, VL_NODE_VM, VL_NODE_ROUTER };

/* A startup command of a node (src/startup.c): run = / run! = / daemon =
 * COMMAND, run by /bin/sh -c inside the node after the lab is built. */
enum vl_cmd_kind { VL_CMD_RUN, VL_CMD_RUN_MAYFAIL, VL_CMD_DAEMON };
struct vl_node_cmd {
	enum vl_cmd_kind kind;
	char *cmd;               /* verbatim shell text */
	struct vl_loc loc;
};

/* Anything that becomes a network namespace with NICs. */
struct vl_node {
	enum vl_node_kind kind;
	char *name;
	char *host;              /* vm/router placed on a host; NULL otherwise */
	int host_idx;            /* resolved, -1 */

	struct vl_nic *nics;
	size_t nnics, nics_cap;
	struct vl_subif *subs;
	size_t nsubs, subs_cap;
	struct vl_route *routes; /* includes the default route from `gateway` */
	size_t nroutes, routes_cap;
	struct vl_prefix gateway;  /* IPv4 default gateway, family 0 = none */
	struct vl_prefix gateway6; /* IPv6 default gateway */
	struct vl_loc gateway_loc, gateway6_loc;

	struct vl_bond *bonds;   /* hosts only */
	size_t nbonds, bonds_cap;

	bool forward;            /* IP forwarding (routers: on by default) */
	char *nat;               /* router: masquerade out of this NIC, or NULL */
	struct vl_loc nat_loc;
	enum vl_port_security security; /* security = on the node */
	struct vl_loc security_loc;
	struct vl_acl acl;       /* allow = / deny = in file order */

	struct vl_node_cmd *cmds; /* run/run!/daemon in file order */
	size_t ncmds, cmds_cap;

	struct vl_loc loc;       /* the section header */
};

/* A switch: a vSwitch inside a host (host != NULL) or a standalone physical
 * switch with its own namespace. Becomes a Linux bridge. */
struct vl_switch {
	char *name;
	char *host;
	int host_idx;
	struct vl_prefix subnet;   /* for auto addresses, family 0 = none */
	struct vl_prefix subnet6;
	int mtu;                   /* 0 = lab default */
	int vlan_filtering;        /* -1 = auto (on when any port has VLANs) */
	int pvid;                  /* bridge default PVID (1) */
	enum vl_port_security security; /* every VM port's default */
	struct vl_loc security_loc;
	struct vl_acl acl;         /* rules for every port, after the port's own */
	struct vl_loc loc;

	/* layer 2 (src/validate.c "switch cables, uplinks", man vlab.ini(5)) */
	bool stp;                  /* kernel spanning tree (IFLA_BR_STP_STATE) */
	bool mcast_snooping;       /* IGMP/MLD snooping (IFLA_BR_MCAST_SNOOPING); off by default */
	int forward_delay_cs;      /* centiseconds; 0 = default (200 with stp) */
	int priority;              /* bridge priority; -1 = kernel default (32768) */
	char *uplink;              /* vSwitch: host NIC or bond enslaved to it, or NULL */
	struct vl_loc stp_loc, uplink_loc;
	int uplink_nic;            /* resolved: NIC index in the host, -1 */
	int uplink_bond;           /* resolved: bond index in the host, -1 */
	uint16_t *uplink_vlans;    /* resolved: VLANs tagged on the uplink port */
	size_t nuplink_vlans;
	int uplink_untagged;       /* resolved: untagged VLAN of the uplink port (0 = none) */
};

enum vl_overlay_type { VL_OVERLAY_VXLAN, VL_OVERLAY_GENEVE, VL_OVERLAY_NVGRE };
/* "VXLAN", "Geneve", "NVGRE" */
const char *vl_overlay_type_name(enum vl_overlay_type type);
enum vl_mtu_policy {
	VL_MTU_FIX,     /* lower the overlay side's MTU to fit (default) */
	VL_MTU_STRICT,  /* refuse when the underlay cannot fit the overhead */
	VL_MTU_IGNORE,  /* rehearsal: keep the broken MTU, large packets fail */
};

/* An L2 segment stretched across hosts: one VTEP per switch's host. */
struct vl_overlay {
	char *name;
	enum vl_overlay_type type;
	uint32_t vni;              /* 0..2^24-1 */
	int port;                  /* UDP port; 0 = default for type */
	int ttl;                   /* 0 = kernel default */
	bool learning;
	int vlan;                  /* VLAN on each switch mapped to the VNI; 0 = untagged */
	char **switches;
	size_t nswitches;
	int *sw_idx;               /* resolved */
	char *underlay;            /* host NIC used as VTEP source; NULL = first with an address */
	struct vl_prefix group;    /* multicast group; family 0 = unicast head-end replication */
	enum vl_mtu_policy mtu_policy;
	struct vl_loc loc;
	/* each key's own line, for messages (the header's when not given) */
	struct vl_loc vni_loc, switches_loc, vlan_loc, underlay_loc, group_loc, mtu_loc;

	/* resolved by validation, one entry per switch: */
	int *host_idx;             /* the switch's host node */
	int *underlay_nic;         /* NIC index in that host used as VTEP source */
	struct vl_prefix *local;   /* VTEP source address (no prefix length) */
	int mtu;                   /* MTU of the VTEP devices (after the mtu policy) */
};

/* A point-to-point cable between two nodes' NICs. The NICs themselves are
 * stored on the nodes (with link_idx set). */
struct vl_link {
	char *name;
	char *node[2];
	char *nic[2];
	int node_idx[2], nic_idx[2]; /* resolved */
	struct vl_loc loc;
	struct vl_loc end_loc[2];    /* the a = and b = lines (the header's when missing) */
	/* a switch end (a cable between switches): that port's name (nic[e]),
	 * VLAN options and MTU; NULL for a node end */
	struct vl_nic *port[2];
	int sw_idx[2];               /* resolved: the switch of a switch end, -1 */
};

/* Copy a switch port's traffic to a monitor port on the same switch. */
struct vl_mirror {
	char *name;
	char *src_node, *src_nic;   /* the watched port */
	char *dst_node, *dst_nic;   /* the monitor */
	int src_node_idx, src_nic_idx, dst_node_idx, dst_nic_idx;
	bool ingress, egress;       /* direction from the switch's view; both by default */
	struct vl_loc loc;
};

/* Assertions, run by `vlab test` (src/cmd_test.c). The parser fills the
 * kind, the words as written and the per-kind values; validation resolves
 * every endpoint (ep[]) so the runner looks nothing up by name. */
enum vl_assert_kind {
	VL_ASSERT_REACH,    /* reach = A B [C..]: every pair pings both ways */
	VL_ASSERT_ISOLATE,  /* isolate = A B [C..]: no pair reaches (v4 and v6, link-local too) */
	VL_ASSERT_MTU,      /* mtu = A B SIZE: SIZE passes with DF, SIZE+1 does not */
	VL_ASSERT_ROUTE,    /* path = A B HOP: A's traffic to B passes HOP */
	VL_ASSERT_TCP,      /* tcp = A B:PORT: a connection from A is accepted */
	VL_ASSERT_UDP,      /* udp = A B:PORT: a datagram from A arrives */
	VL_ASSERT_LATENCY,  /* latency = A B OP TIME: median RTT of a ping train */
	VL_ASSERT_RATE,     /* rate = A B OP RATE: bulk TCP throughput A -> B */
	VL_ASSERT_LOSS,     /* loss = A B OP PERCENT: lost share of a ping train */
	VL_ASSERT_MAC,      /* mac = NODE:IF MAC */
	VL_ASSERT_CMD,      /* cmd = NODE -- COMMAND: exits 0 inside NODE */
	VL_ASSERT__COUNT
};

/* The key of each kind as written in the file ("reach", ..., "cmd"). */
const char *vl_assert_key(enum vl_assert_kind k);

enum vl_cmp { VL_CMP_LT, VL_CMP_LE, VL_CMP_GT, VL_CMP_GE };

/* One endpoint, resolved by validation. A node endpoint (web1) means its
 * first address: the first interface with one (NICs in file order, then
 * sub-interfaces), IPv4 before IPv6 within it; NODE:IF that interface's
 * first address (IF may be a sub-interface: nic_idx is then its parent
 * NIC); an address literal the node that has it, node_idx -1 when no lab
 * node has it, which validation allows only as the target B of mtu and
 * path. addr is a plain address (len 32/128). mac and cmd endpoints need
 * no address (addr.family may be 0); every other one has one, and a source
 * has an address of its target's family. */
struct vl_endpoint {
	int node_idx;               /* -1 = not a lab node */
	int nic_idx;                /* index into node->nics, -1 = none/any */
	struct vl_prefix addr;      /* family 0 when the node has no address */
};

struct vl_assert {
	enum vl_assert_kind kind;
	char **args;                /* endpoint words as written ([v6] brackets and
				     * tcp/udp :PORT removed); mac: {NODE:IF};
				     * cmd: {NODE} */
	size_t nargs;
	struct vl_endpoint *ep;     /* nargs entries, filled by validation */
	int mtu;                    /* MTU: SIZE */
	int port;                   /* TCP/UDP: 1..65535 */
	enum vl_cmp cmp;            /* LATENCY/RATE/LOSS */
	double bound;               /* LATENCY: seconds; RATE: bit/s; LOSS: percent */
	uint8_t mac[6];             /* MAC */
	char *cmd;                  /* CMD: the text after "--", run by /bin/sh -c */
	double timeout;             /* seconds to retry until it holds; default 3 */
	struct vl_loc loc;
};

struct vl_test {
	char *name;                 /* "" for a plain [test] */
	struct vl_assert *asserts;
	size_t nasserts, asserts_cap;
	struct vl_loc loc;
};

struct vl_lab {
	char *name;
	int mtu;                    /* default 1500 */
	bool ipv6;                  /* default on */
	bool dad;                   /* IPv6 DAD; default off (faster, tests) */
	/* external = NODE[:IF]: NODE reaches the machine's own network
	 * (src/external.c); NULL = off. Resolved: ext_node, ext_dev. */
	char *external;
	struct vl_loc external_loc;
	int ext_node;               /* -1 = none */
	char *ext_dev;              /* IF, default "ext0" */
	struct vl_loc loc;
};

/* After vl_validate() returns 0 errors, the model is complete:
 *  - every *_idx reference is resolved;
 *  - every nic/sub has a concrete mtu, every nic a mac (mac_set);
 *  - auto addresses are real addresses (is_auto stays true for display);
 *  - [shaper] profiles are merged into nic->out / nic->in (inline keys win);
 *  - gateway/gateway6 are appended to node->routes as default routes;
 *  - switch->vlan_filtering is 0 or 1;
 *  - overlays have host_idx/underlay_nic/local/mtu filled in.
 * The planner relies on all of this and checks nothing itself. */
struct vl_topology {
	char *file;                 /* path as given; all vl_loc.file point here */
	struct vl_lab lab;

	struct vl_node *nodes;      size_t nnodes, nodes_cap;
	struct vl_switch *switches; size_t nswitches, switches_cap;
	struct vl_overlay *overlays; size_t noverlays, overlays_cap;
	struct vl_link *links;      size_t nlinks, links_cap;
	struct vl_shaper *shapers;  size_t nshapers, shapers_cap;
	struct vl_mirror *mirrors;  size_t nmirrors, mirrors_cap;
	struct vl_test *tests;      size_t ntests, tests_cap;

	/* every string referenced by vl_loc.section lives here */
	char **strings;             size_t nstrings, strings_cap;
};

void vl_topology_free(struct vl_topology *t);
void vl_acl_free(struct vl_acl *a);

/* Lookups (linear; callers that loop use indexes resolved by validation). */
int vl_find_node(const struct vl_topology *t, const char *name);
int vl_find_switch(const struct vl_topology *t, const char *name);
int vl_find_nic(const struct vl_node *n, const char *name);
const char *vl_node_kind_name(enum vl_node_kind k);

/* Text forms used in messages, plans and tests. */
int vl_prefix_parse(const char *s, struct vl_prefix *p, bool need_len);
void vl_prefix_format(const struct vl_prefix *p, char *buf, size_t n, bool with_len);

#endif
