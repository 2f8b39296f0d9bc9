/* Observing a running lab: `vlab capture` and `vlab stats`.
 *
 * The kernel is the source of truth: a lab is read as the list of its
 * namespaces (state + marks, vl_lab_netns), each with its interfaces,
 * counters and root qdiscs as netlink dumps them (src/nl_stats.c). A
 * namespace's node name is the one its loopback mark carries
 * ("vlab:<lab>:<node>"), so nothing here depends on how namespaces are
 * named. Everything below except vl_obs_read_* is pure and unit tested. */
#ifndef VLAB_OBSERVE_H
#define VLAB_OBSERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vlab/util.h"

/* Counters of one interface (IFLA_STATS64) and of its root + ingress
 * qdiscs (TCA_STATS2: TCA_STATS_BASIC, TCA_STATS_QUEUE). */
enum vl_ctr {
	VL_RX_PACKETS,
	VL_RX_BYTES,
	VL_RX_DROPPED,
	VL_RX_ERRORS,
	VL_TX_PACKETS,
	VL_TX_BYTES,
	VL_TX_DROPPED,
	VL_TX_ERRORS,
	VL_Q_DROPS,
	VL_Q_OVERLIMITS,
	VL_Q_REQUEUES,
	VL_CTR__COUNT
};
/* JSON key of a counter ("rx_packets", ..., "qdisc_drops"). */
const char *vl_ctr_key(enum vl_ctr c);

struct vl_ifrec {
	int index;
	char name[16];
	char kind[16];        /* "veth", "bridge", "vxlan", "" (a plain device) */
	int master;           /* ifindex of the bridge it is a port of, 0 = none */
	unsigned flags;       /* IFF_* */
	char *alias;          /* ifalias or NULL */
	struct vl_strv altnames;
	char qkind[16];       /* root qdisc kind ("tbf", "noqueue", "" = none) */
	uint64_t c[VL_CTR__COUNT];
	uint64_t backlog;     /* bytes queued in the root qdisc (a gauge) */
};

struct vl_obs_ns {
	char *ns;             /* namespace name */
	char *node;           /* node name (loopback mark), never NULL */
	int err;              /* 0, or -errno when it could not be read */
	struct vl_ifrec *ifs; /* loopback left out */
	size_t n, cap;
};

struct vl_obs_lab {
	struct vl_obs_ns *v;
	size_t n, cap;
};

void vl_obs_lab_free(struct vl_obs_lab *l);
/* Append an empty namespace record (tests build labs by hand with it). */
struct vl_obs_ns *vl_obs_add_ns(struct vl_obs_lab *l, const char *ns, const char *node);
struct vl_ifrec *vl_obs_add_if(struct vl_obs_ns *n, int index, const char *name,
			       const char *kind, int master);

/* The node name a loopback mark gives ("vlab:lab:node" -> "node"), or NULL. */
const char *vl_obs_mark_node(const char *alias, const char *lab);

/* What layer an interface is: "switch" (a bridge), "port" (enslaved to a
 * bridge), "vtep" (vxlan/geneve), "vlan" (802.1Q sub-interface), "underlay"
 * (any other NIC of a namespace that holds a bridge or a VTEP: a
 * hypervisor's uplink) or "nic" (a VM's or router's NIC). */
const char *vl_obs_layer(const struct vl_obs_ns *n, const struct vl_ifrec *f);
const struct vl_ifrec *vl_obs_if_by_index(const struct vl_obs_ns *n, int index);

/* Resolve NODE:IF. NODE is a node with a namespace of its own, or a switch
 * (a bridge of that name in some lab namespace; then IF must be the bridge
 * itself or one of its ports). IF matches a name or an altname. On success
 * sets *ns_i, *if_i and returns 0; otherwise returns -1 with `err` holding
 * a message naming what exists (and a did-you-mean when one is close). */
int vl_obs_find(const struct vl_obs_lab *l, const char *lab, const char *node,
		const char *ifname, size_t *ns_i, size_t *if_i, struct vl_buf *err);
/* The namespace index of NODE (a node, or a switch's home); -1 with `err`. */
int vl_obs_find_node(const struct vl_obs_lab *l, const char *lab, const char *node,
		     bool *is_switch, struct vl_buf *err);

/* ---- vlab capture ---- */
struct vl_capture_args {
	const char *lab;
	char *node;            /* owned */
	char *ifname;          /* owned */
	long count;            /* 0 = until interrupted */
	const char *write;     /* NULL = print a line per packet; "-" = stdout */
	char *filter;          /* owned; words joined by spaces, "" = all */
};
/* argv[0] is "capture". 0, or -1 with the reason in `err`. */
int vl_capture_parse(int argc, char **argv, struct vl_capture_args *a, struct vl_buf *err);
void vl_capture_args_free(struct vl_capture_args *a);
/* Split "NODE:IF"; -1 with the reason in `err`. */
int vl_split_target(const char *s, char **node, char **ifname, struct vl_buf *err);

/* One line about a captured frame (DLT_EN10MB): L2 addresses, then L3/L4
 * (ARP, IPv4, IPv6, ICMP, ICMPv6, TCP, UDP), looking inside VXLAN and
 * Geneve once. Writes at most n-1 characters. */
void vl_pkt_summary(char *out, size_t n, const uint8_t *p, size_t caplen);

/* ---- vlab stats ---- */
struct vl_stats_args {
	const char *lab;
	char *node;            /* owned; NULL = every node */
	char *ifname;          /* owned; NULL = every interface */
	bool json;
	bool watch;
	double interval;       /* seconds, watch mode */
	long count;            /* watch refreshes, 0 = until interrupted */
};
int vl_stats_parse(int argc, char **argv, struct vl_stats_args *a, struct vl_buf *err);
void vl_stats_args_free(struct vl_stats_args *a);

/* One row of the table: totals, or rates per second in watch mode. */
struct vl_stat_row {
	const char *node, *ns, *name, *kind, *layer, *master, *qkind, *state;
	double v[VL_CTR__COUNT];
	double backlog;
	size_t order;          /* position in the lab, keeps the sort stable */
};
/* How much a row drops: interface drops and errors plus qdisc drops. */
double vl_stat_trouble(const struct vl_stat_row *r);
/* Sort the rows most trouble first, ties in lab order. */
void vl_stat_sort(struct vl_stat_row *rows, size_t n);
/* Rate per second of a counter from prev to cur over dt seconds; a counter
 * that went backwards (the device was re-created) counts from zero. */
double vl_ctr_rate(uint64_t prev, uint64_t cur, double dt);
/* Human-sized number: exact below 100000, else 123.4k / 12.3M / 1.2G. */
void vl_fmt_num(char *out, size_t n, double v);
/* The table (header, one line per row, then a hint naming the row that
 * drops most and whether it is a qdisc (shaper) or the interface). */
void vl_stats_table(struct vl_buf *b, const struct vl_stat_row *rows, size_t n, bool rates);
/* JSON object {"lab":..,"interval":..,"interfaces":[...]}; interval 0 for
 * totals. Counters are integers for totals, numbers per second for rates. */
void vl_stats_json(struct vl_buf *b, const char *lab, const struct vl_stat_row *rows, size_t n,
		   double interval);

/* ---- kernel reads (src/nl_stats.c) ---- */
/* Read one namespace of `lab` (links, altnames, counters, qdiscs) into
 * `out` (made by vl_obs_add_ns; its node becomes the loopback mark's, else
 * the state's idea of it); the thread returns to `home`. 0 or -errno, also
 * kept in out->err. */
int vl_obs_read_ns(const char *lab, int home, struct vl_obs_ns *out);
/* Every namespace of a running lab. 0, or -ENOENT when the lab is not
 * running (no state directory and no namespace). */
int vl_obs_read_lab(const char *lab, int home, struct vl_obs_lab *out);
/* "vlab CMD: lab LAB is not running", naming the running labs (and the
 * closest one). */
void vl_lab_not_running(const char *cmd, const char *lab);

#endif
