/* `vlab trace LAB SRC DST`: the path a packet takes through a running lab,
 * hop by hop and layer by layer, and where and why it stops.
 *
 * Two halves. The kernel half (src/trace_nl.c) reads every namespace of
 * the lab through netlink into a snapshot: links (kind, flags, MTU, MAC,
 * master, veth peer, VLAN id, VXLAN/Geneve VNI and endpoints), bridge
 * port VLAN membership (RTM_GETLINK AF_BRIDGE, RTEXT_FILTER_BRVLAN),
 * addresses, neighbours, bridge and VTEP FDBs (RTM_GETNEIGH AF_BRIDGE),
 * root qdiscs and the forwarding sysctls (RTM_GETNETCONF); routes are
 * asked of the kernel while walking (RTM_GETROUTE with RTA_DST), through
 * the snapshot's `route` hook. The pure half (src/trace.c) walks a
 * snapshot: unit tests feed it synthetic ones, whose routes are looked
 * up by longest prefix in `routes` (vl_tr_route_table).
 *
 * The walk follows the structure even past a fault (a pulled cable still
 * leads somewhere), so that of the branches a flooding switch or a VTEP's
 * head-end list offers, the one that reaches the destination is chosen;
 * the verdict is the first fault on that branch. */
#ifndef VLAB_TRACE_H
#define VLAB_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vlab/model.h"
#include "vlab/util.h"

struct vl_tr_ip {
	int family;            /* AF_INET, AF_INET6; 0 = none */
	uint8_t a[16];
};
/* "10.0.0.1" / "fd00::1" -> ip; 0 or -1. */
int vl_tr_ip_parse(const char *s, struct vl_tr_ip *ip);
const char *vl_tr_ip_str(const struct vl_tr_ip *ip, char *out, size_t n);
bool vl_tr_ip_eq(const struct vl_tr_ip *a, const struct vl_tr_ip *b);

struct vl_tr_vlan {
	uint16_t vid;
	bool pvid, untagged;
};

struct vl_tr_if {
	int index;
	char name[16];
	char kind[16];         /* "veth", "bridge", "vxlan", "geneve", "vlan", "" */
	unsigned flags;        /* IFF_UP, IFF_LOWER_UP */
	int mtu;
	uint8_t mac[6];
	int master;            /* bridge ifindex, 0 = none */
	int link;              /* IFLA_LINK: veth peer's / VLAN parent's ifindex */
	int link_nsid;         /* IFLA_LINK_NETNSID, -1 = none (same namespace) */
	int peer_ns;           /* veth peer resolved: snapshot index, -1 unknown */
	int peer_if;           /* its ifindex */
	int vlan_id;           /* 802.1Q sub-interface */
	bool vlan_filtering;   /* bridge */
	struct vl_tr_vlan *vlans; /* bridge port VLAN membership */
	size_t nvlans, vlans_cap;
	uint32_t vni;          /* vxlan/geneve */
	uint16_t dstport;
	struct vl_tr_ip local, remote; /* vxlan local + group/remote; geneve remote */
	char qkind[16];        /* root qdisc kind, "" = the default */
	struct vl_shape shape; /* its shaping (tbf rate, netem loss/delay) */
	uint64_t qdrops;       /* root qdisc drops so far */
};

struct vl_tr_addr {
	int ifindex;
	struct vl_tr_ip ip;
	int plen;
};

/* A bridge FDB entry (master = true: the bridge's, ifindex a port) or a
 * VTEP's own (vxlan NTF_SELF: dst is the remote VTEP). */
struct vl_tr_fdb {
	uint8_t mac[6];
	int ifindex;
	int vlan;              /* 0 = none */
	bool master;
	struct vl_tr_ip dst;
	uint16_t state;        /* NUD_* */
};

struct vl_tr_neigh {
	int ifindex;
	struct vl_tr_ip ip;
	uint8_t mac[6];
	bool has_mac;
	uint16_t state;        /* NUD_* */
};

/* A route, for synthetic snapshots (longest prefix wins). */
struct vl_tr_route {
	struct vl_tr_ip dst;
	int plen;
	struct vl_tr_ip gw;    /* family 0 = on link */
	int oif;
	bool unreachable;      /* unreachable/blackhole/prohibit */
};

struct vl_tr_ns {
	char *ns, *node;
	int err;               /* -errno when it could not be read */
	int fwd4, fwd6;        /* forwarding sysctl, -1 unknown */
	struct vl_tr_if *ifs; size_t nifs, ifs_cap;
	struct vl_tr_addr *addrs; size_t naddrs, addrs_cap;
	struct vl_tr_fdb *fdb; size_t nfdb, fdb_cap;
	struct vl_tr_neigh *neigh; size_t nneigh, neigh_cap;
	struct vl_tr_route *routes; size_t nroutes, routes_cap;
};

/* The kernel's answer to "route to dst": oif and gateway. */
struct vl_tr_rt {
	int oif;
	struct vl_tr_ip gw;    /* family 0 = on link */
	struct vl_tr_ip src;   /* preferred source, family 0 = unknown */
	bool local;            /* dst is an address of this namespace */
};
struct vl_tr_snap;
/* 0, or -errno (-ENETUNREACH: no route). */
typedef int (*vl_tr_route_fn)(void *ctx, const struct vl_tr_snap *s, size_t ns,
			      const struct vl_tr_ip *dst, int oif, struct vl_tr_rt *out);

struct vl_tr_snap {
	char *lab;
	struct vl_tr_ns *v;
	size_t n, cap;
	vl_tr_route_fn route;  /* NULL = vl_tr_route_table */
	void *route_ctx;
};

struct vl_tr_ns *vl_tr_add_ns(struct vl_tr_snap *s, const char *ns, const char *node);
struct vl_tr_if *vl_tr_add_if(struct vl_tr_ns *n, int index, const char *name, const char *kind);
void vl_tr_snap_free(struct vl_tr_snap *s);
struct vl_tr_if *vl_tr_if_by_index(const struct vl_tr_ns *n, int index);
/* The route lookup of synthetic snapshots: `routes`, then the prefixes of
 * the addresses of devices that are up; an address of its own is local. */
int vl_tr_route_table(void *ctx, const struct vl_tr_snap *s, size_t ns,
		      const struct vl_tr_ip *dst, int oif, struct vl_tr_rt *out);
/* Fill peer_ns/peer_if of veths whose peer is in the same namespace or
 * is the only candidate elsewhere (index and back-link match). The
 * kernel half settles the ambiguous ones with RTM_GETNSID. */
void vl_tr_pair_veths(struct vl_tr_snap *s);

/* ---- the walk ---- */
struct vl_tr_hop {
	char node[64];
	char ifname[16];
	const char *layer;     /* "nic", "port", "switch", "vtep", "underlay", "vlan", "router" */
	char text[240];        /* what happens there */
	int mtu;               /* 0 = not a device */
	char shaper[96];       /* "tbf rate 1mbit, 523 drops", "" */
	int overhead;          /* bytes of encapsulation around the packet here */
	bool fault;            /* the verdict's hop */
};

enum vl_tr_verdict { VL_TR_OK, VL_TR_BROKEN };

struct vl_tr_path {
	struct vl_tr_hop *hops;
	size_t n, cap;
	enum vl_tr_verdict verdict;
	int at;                /* hop index of the fault, -1 */
	char layer[16];        /* "link", "vlan", "route", "fdb", "overlay", "mtu", "shaper", "forwarding", "neighbour" */
	char why[320];
	struct vl_strv warnings;
	int path_mtu;          /* largest IP packet every hop carries (DF) */
	char src[64], dst[64]; /* addresses */
	char src_node[64], dst_node[64];
	int size;
};

struct vl_tr_req {
	const char *src_node;  /* a node with a namespace */
	const char *src_if;    /* NULL = as the route says */
	const char *dst;       /* a node, NODE:IF or an address */
	int size;              /* IP packet size, DF set */
};

/* Walk `s` for `r`. 0 with the path in *t (its verdict OK or BROKEN), or
 * -1 with `err` saying why no walk could start (unknown node, no address;
 * naming what exists). */
int vl_trace_walk(const struct vl_tr_snap *s, const struct vl_tr_req *r, struct vl_tr_path *t,
		  struct vl_buf *err);
void vl_trace_free(struct vl_tr_path *t);
/* One line per hop, the verdict, the warnings; then the path in one line. */
void vl_trace_text(const struct vl_tr_path *t, struct vl_buf *out);
/* What --probe saw: one echo request sent along the path, and how far
 * the hops' kernel counters moved. */
struct vl_tr_probe {
	bool answered;
	double rtt_ms;         /* when answered */
	char why[256];         /* when not: the ICMP error or timeout, if known */
	int last;              /* 1-based hop the counters moved up to; 0: none */
};
/* The probe's lines for the text output. */
void vl_trace_probe_text(const struct vl_tr_path *t, const struct vl_tr_probe *p,
			 struct vl_buf *out);
/* The path as one JSON object; with `p`, its "probe" member (else null). */
void vl_trace_json(const struct vl_tr_path *t, const char *lab, const struct vl_tr_probe *p,
		   struct vl_buf *out);

/* ---- the kernel half (src/trace_nl.c) ---- */
/* Read every namespace of running `lab`; the thread returns to `home`.
 * Sets the live route hook. 0, or -ENOENT when the lab is not running. */
int vl_tr_read_lab(const char *lab, int home, struct vl_tr_snap *s);
/* Kernel counters (tx+rx packets) of NODE's device `ifname`, for --probe;
 * -1 when it cannot be read. */
long long vl_tr_counter(const struct vl_tr_snap *s, int home, const char *node, const char *ifname);

#endif
