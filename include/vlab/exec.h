/* The executor: the only code that touches the kernel. It runs a plan's
 * operations in order (one netlink socket per lab namespace, opened while
 * inside it), rolls everything back when one fails, and tears labs down.
 *
 * Test-only hook: VLAB_FAULT_AT=k makes the k-th operation of `up`
 * (1-based, counted over plan ops) fail with EIO before it runs, so tests
 * can prove the rollback. VLAB_FAULT_AT=PHASE does the same at a named
 * phase (each fires once per process):
 *   up:   lock       lab lock taken, state directory made
 *         preflight  the kernel probe's throwaway namespace exists
 *         netns      half the lab's namespaces made
 *         devices    half the operations after the namespaces done
 *         state      plan done, state not yet `status up`
 *   down: down-lock      lab lock taken (directory made if it was missing)
 *         down-teardown  half the namespaces dropped
 *         down-state     namespaces gone, state not yet removed
 *   apply, migrate: apply-lock   lab lock taken, state read
 *         apply-ops      half the difference's operations done
 *         apply-state    all done, the new state not yet recorded
 * (for apply and migrate, k counts the difference's operations and fires
 * once per process, so the undo that follows runs)
 * With VLAB_FAULT_MODE=stop the process stops itself (SIGSTOP) there
 * instead of failing, so a test can send SIGINT/TERM/HUP/KILL (then
 * SIGCONT) at a known point. Not for normal use. VLAB_PROFILE=1 prints where
 * the time of `up` went; VLAB_THREADS=N sets the namespace threads. */
#ifndef VLAB_EXEC_H
#define VLAB_EXEC_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vlab/plan.h"
#include "vlab/util.h"

struct nlmsghdr;

/* ---- kernel features (preflight, doctor) ---- */
enum vl_feature {
	VL_FEAT_NETNS,
	VL_FEAT_VETH,
	VL_FEAT_BRIDGE,
	VL_FEAT_VLAN_FILTERING,
	VL_FEAT_8021Q,
	VL_FEAT_VXLAN,
	VL_FEAT_GENEVE,
	VL_FEAT_TBF,
	VL_FEAT_NETEM,
	VL_FEAT_CLSACT,
	VL_FEAT_U32,
	VL_FEAT_MIRRED,
	VL_FEAT_NFT_MASQ,
	VL_FEAT_ALTNAME,
	VL_FEAT_BONDING,
	VL_FEAT_GRETAP,
	VL_FEAT_NFT_BRIDGE,
	VL_FEAT__COUNT
};

struct vl_feature_info {
	const char *name;     /* "802.1Q sub-interfaces" */
	const char *config;   /* "CONFIG_VLAN_8021Q" */
	bool optional;        /* vlab degrades without it (altnames) */
};
const struct vl_feature_info *vl_feature_info(enum vl_feature f);

/* Bit set of features a plan needs. */
uint32_t vl_plan_features(const struct vl_plan *p);
/* Probe the features in `want` in a throwaway namespace (never mounted, gone
 * when we return). Sets bit f of *have when feature f works. 0 or -errno
 * (when not even a namespace can be made; -ECANCELED: the fault hook). */
int vl_probe_features(uint32_t want, uint32_t *have);

/* The phase hook above: 0 to go on (also after a stop), -EIO when the
 * phase is to fail (message printed). */
int vl_fault_phase(const char *phase);

/* ---- running a plan ---- */
struct vl_exec_stats {
	double seconds;
	size_t ops;
	size_t netns;
};

/* Progress for a display (src/progress.c): while set, vl_exec_plan,
 * vl_exec_apply and vl_teardown_netns store their counts here with
 * relaxed atomic stores, nothing more; NULL (the default) costs one
 * branch per operation. The reader is another thread. */
#include <stdatomic.h>
struct vl_exec_progress {
	atomic_size_t netns_done, netns_total; /* namespaces made (or dropped) */
	atomic_size_t ops_done, ops_total;     /* operations of the main loop */
};
void vl_exec_set_progress(struct vl_exec_progress *p);

/* Run `p`. On failure (or a signal setting *stop), rolls back everything
 * created so far and returns -1 with `err` holding
 * `NODE: OPERATION "dev": strerror (hint)`; returns 1 when stopped by a
 * signal (also rolled back). `state_fd` (>= 0) gets a "netns NAME" line
 * appended for every namespace the moment it exists, so `down` finds it
 * after a crash. */
int vl_exec_plan(const struct vl_plan *p, int state_fd, volatile sig_atomic_t *stop,
		 struct vl_buf *err, struct vl_exec_stats *st);

/* Delete namespaces (unmount + unlink), their /etc/netns/<ns> files, then
 * wait (bounded) until none is left mounted, and until the kernel has
 * destroyed them (so the next `up` does not pay for it). Returns how many
 * existed. */
int vl_teardown_netns(char *const *names, size_t n, double wait_s);
/* The same; wait_kernel 1 waits for the kernel, 0 leaves it working (a
 * later call's wait covers it: its namespaces are destroyed after these),
 * -1 asks vl_teardown_waits(n). *kernel_s (may be NULL) gets the time
 * spent waiting, -1 when it did not. */
int vl_teardown_netns_ex(char *const *names, size_t n, double wait_s, int wait_kernel,
			 double *kernel_s);
/* Whether tearing down a lab of n namespaces waits for the kernel: from
 * VL_TEARDOWN_WAIT_MIN on. Below, waiting costs more than it saves: the
 * kernel's teardown of a few namespaces is mostly grace-period waits (an
 * rcu_barrier per bridge) that overlap the next `up` when we do not wait
 * (bench/NOTES.md). VLAB_TEARDOWN_WAIT=0/1 (measurement) decides instead. */
#define VL_TEARDOWN_WAIT_MIN 32
bool vl_teardown_waits(size_t n);
/* Remove /etc/netns/<ns>/hosts when it is a link to /run/vlab/<lab>/hosts,
 * then the directory when that left it empty; anything else there is not
 * ours. 1 when the link was removed. */
int vl_etc_netns_remove(const char *name);

/* ---- namespaces (src/netns.c) ---- */
int vl_netns_prepare(void);                   /* /run/netns as a shared mount */
/* Report processes inside the named namespaces of `lab`; end those started
 * by vlab exec/shell (VLAB_LAB=<lab>). Returns how many others remain. */
int vl_netns_holders(const char *lab, char *const *names, size_t n);
void vl_netns_release(void);                   /* undo prepare's tmpfs once empty */
int vl_netns_self(void);                      /* fd of our own netns */
/* Claim /run/netns/<name> (an empty file, O_EXCL): -EEXIST when taken.
 * `mark` ("vlab:<lab>:<node>") goes on it as the xattr VL_NETNS_XATTR
 * until the namespace is mounted there. */
int vl_netns_reserve(const char *name, const char *mark);
/* Turn a reserved /run/netns/<name> into a fresh namespace (this thread
 * only); inside it, open a route netlink socket (*nl), return the namespace
 * fd (*nsfd) and run inside(arg) (sysctls, marks). The thread is back in
 * `home` when it returns; on failure the file is gone. */
struct vl_nl;
int vl_netns_create(const char *name, int home, int *nsfd, struct vl_nl *nl,
		    int (*inside)(void *), void *arg);
int vl_netns_delete(const char *name);        /* 1 removed, 0 absent, -errno */
int vl_netns_open(const char *name);          /* fd or -errno */
bool vl_netns_exists(const char *name);
bool vl_netns_mounted(const char *name);      /* listed in our mountinfo */
/* How many of names still exist or are mounted (one mountinfo read);
 * left[i] (may be NULL) says which. */
size_t vl_netns_left(char *const *names, size_t n, bool *left);
/* The alias of the namespace's loopback ("" when none); -errno. */
int vl_netns_lo_alias(const char *name, char *out, size_t n);
/* vlab's mark on /run/netns/<name>: the loopback alias of a mounted
 * namespace, or the xattr of an entry reserved but never mounted. */
#define VL_NETNS_XATTR "trusted.vlab"
int vl_netns_mark(const char *name, char *out, size_t n);
/* Knowing when the kernel has destroyed dropped namespaces (see netns.c):
 * make one before dropping them, wait after (0, or -ETIMEDOUT). */
struct vl_sentinel {
	int w_fd, d_fd[2], sock;
};
int vl_sentinel_make(struct vl_sentinel *s);
int vl_sentinel_wait(struct vl_sentinel *s, double timeout_s);
void vl_sentinel_drop(struct vl_sentinel *s);
/* Does /run/netns/<name> carry lab's mark ("vlab:<lab>:...")? */
bool vl_netns_has_mark(const char *name, const char *lab);
/* Run fn inside namespace nsfd, returning to home. */
int vl_netns_call(int nsfd, int home, int (*fn)(void *), void *arg);

/* ---- netlink transport (src/nl_mnl.c) ---- */
struct vl_nl {
	int fd;
	uint32_t seq;
	uint32_t portid;
	int pending;          /* requests sent whose ack is not read yet */
};
int vl_nl_open(struct vl_nl *nl, int proto);  /* in the current netns */
void vl_nl_close(struct vl_nl *nl);
/* Send one request (NLM_F_ACK added) and read its ack. -errno on failure,
 * the kernel's extended-ack text (if any) in vl_nl_extack(). */
int vl_nl_talk(struct vl_nl *nl, struct nlmsghdr *nlh);
const char *vl_nl_extack(void);
/* Wait at most timeout_ms for the socket to be readable (poll), then read.
 * Bytes read, -ETIMEDOUT, -EINTR (a signal came: give up), -errno. Every
 * netlink read goes through it: none can block forever. */
#define VL_NL_TIMEOUT_MS 10000
ssize_t vl_nl_recv(int fd, void *buf, size_t len, int timeout_ms);
/* Dump: callback gets every message. */
int vl_nl_dump(struct vl_nl *nl, struct nlmsghdr *nlh,
	       int (*cb)(const struct nlmsghdr *, void *), void *data);
/* A plain request answered by messages (RTM_GETROUTE, RTM_GETNETCONF,
 * RTM_GETNSID): cb gets each, then the ack ends it. */
int vl_nl_request(struct vl_nl *nl, struct nlmsghdr *nlh,
		  int (*cb)(const struct nlmsghdr *, void *), void *data);
/* The same on a socket of its own (NETLINK_ROUTE, in the calling thread's
 * namespace), opened and closed around the one question. */
int vl_nl_request_once(struct nlmsghdr *nlh, int (*cb)(const struct nlmsghdr *, void *),
		       void *data);
/* The attributes of one RTM_NEWLINK message that vlab's readers use
 * (status, stats, trace, the runtime commands, the namespace mark),
 * parsed once. Strings and attributes point into the message. */
struct nlattr;
struct rtnl_link_stats64;
struct vl_link_attrs {
	int index;
	unsigned flags;
	const char *name;                /* IFLA_IFNAME, or "" */
	const char *alias;               /* IFLA_IFALIAS, or "" */
	const char *kind;                /* IFLA_INFO_KIND, or "" */
	const struct nlattr *info_data;  /* IFLA_INFO_DATA, or NULL */
	const struct nlattr *prop_list;  /* IFLA_PROP_LIST (altnames), or NULL */
	const struct rtnl_link_stats64 *stats; /* IFLA_STATS64, or NULL (unaligned: memcpy) */
	const uint8_t *mac;              /* IFLA_ADDRESS of 6 bytes, or NULL */
	int mtu, master, link;           /* 0 when absent */
	int link_nsid;                   /* -1 when absent */
};
void vl_link_attrs_parse(const struct nlmsghdr *nlh, struct vl_link_attrs *l);
/* Dump every object of one kind (RTM_GETLINK, RTM_GETADDR, RTM_GETQDISC...)
 * in the socket's namespace: `hdr` bytes of zeroed family header
 * (AF_UNSPEC, no device filter). */
int vl_nl_dump_all(struct vl_nl *nl, int type, size_t hdr,
		   int (*cb)(const struct nlmsghdr *, void *), void *data);
/* On a new socket in the calling thread's namespace: every link (link_cb),
 * then every object of `type` (cb), as status and stats read a node. */
int vl_nl_dump_links_and(int type, size_t hdr,
			 int (*link_cb)(const struct nlmsghdr *, void *),
			 int (*cb)(const struct nlmsghdr *, void *), void *data);
/* Start a request about one device in `buf` (zeroed, 256 bytes or more):
 * header of `type` and an ifinfomsg of `family` and `ifindex`. */
struct nlmsghdr *vl_link_msg(char *buf, int type, int family, int ifindex);

/* ---- device operations (src/nl_link.c, nl_mnl.c, nl_tc.c, nl_nft.c) ----
 * `ifindex` is chosen by the caller (fresh namespaces have only lo), so no
 * request needs a lookup round trip. */
struct vl_devspec {
	const char *name;
	int ifindex;
	const struct vl_op_dev *d;
	int master_ifindex;        /* 0 = none */
	const char *alias;         /* ifalias mark */
};
/* lo up with the node's mark; v6off: IPv6 addr_gen_mode none on it too,
 * the mark of a namespace without IPv6 (see nl_link.c). */
int vl_link_lo_mark(struct vl_nl *nl, const char *alias, bool v6off);
/* Remove ::1 from lo (absent is fine). */
int vl_link_lo_v6off(struct vl_nl *nl);
/* IFLA_INET6_ADDR_GEN_MODE of a device, -errno (-ENOENT: no IPv6 on it). */
int vl_link_addr_gen_mode(struct vl_nl *nl, int ifindex);
int vl_link_set_alias(struct vl_nl *nl, int ifindex, const char *alias, bool up);
int vl_link_set_up(struct vl_nl *nl, int ifindex);
/* No address of its own on a switch device (see nl_link.c): IPv4 rp_filter
 * and arp_ignore 1 (ipv4_too), IPv6 addr_gen_mode none (ipv6). Also the
 * whole IPv6 "off" of a lab without IPv6, device by device, without any
 * /proc/sys write (whose path walks grow with the number of namespaces). */
int vl_link_noaddr(struct vl_nl *nl, int ifindex, bool ipv4_too, bool ipv6);
int vl_link_set_master(struct vl_nl *nl, int ifindex, int master);
int vl_link_bridge(struct vl_nl *nl, const struct vl_devspec *s);
int vl_link_veth(struct vl_nl *nl, const struct vl_devspec *s,
		 const struct vl_devspec *peer, int peer_nsfd);
int vl_link_vlan(struct vl_nl *nl, const struct vl_devspec *s, int parent, int vid);
int vl_link_vxlan(struct vl_nl *nl, const struct vl_devspec *s,
		  const struct vl_op *op, int underlay_ifindex);
/* The VXLAN creation request as sent (unit tests); the caller frees *m. */
struct nl_msg;
int vl_link_vxlan_msg(const struct vl_devspec *s, const struct vl_op *op,
		      int underlay_ifindex, struct nl_msg **m);
int vl_link_geneve_msg(const struct vl_devspec *s, const struct vl_op *op, struct nl_msg **m);
int vl_link_geneve(struct vl_nl *nl, const struct vl_devspec *s, const struct vl_op *op);
int vl_link_gretap(struct vl_nl *nl, const struct vl_devspec *s, const struct vl_op *op);
int vl_addr_add(struct vl_nl *nl, int ifindex, const struct vl_prefix *a, bool nodad);
int vl_route_add(struct vl_nl *nl, const struct vl_prefix *dst,
		 const struct vl_prefix *via, int oif);
int vl_fdb_append(struct vl_nl *nl, int ifindex, const struct vl_prefix *dst);
/* A bridge's IFLA_BR_* options: VLAN filtering and default PVID unless
 * vlan_filtering < 0, multicast snooping unless mcast_snooping < 0. */
int vl_link_bridge_opts(struct vl_nl *nl, int ifindex, int vlan_filtering, int default_pvid,
			int mcast_snooping);
int vl_link_brport_vlan(struct vl_nl *nl, int ifindex, bool self, int vid,
			bool pvid, bool untagged, bool del);
int vl_link_add_altname(struct vl_nl *nl, int ifindex, const char *altname);
int vl_link_set_isolated(struct vl_nl *nl, int ifindex);
/* Spanning tree on a bridge; a bond device (src/nl_l2.c). */
int vl_link_bridge_stp(struct vl_nl *nl, int ifindex, int forward_delay_cs,
		       int hello_time_cs, int priority);
int vl_link_bond(struct vl_nl *nl, const struct vl_devspec *s, int mode, int miimon_ms);
int vl_tc_shape(struct vl_nl *nl, int ifindex, int mtu, const struct vl_shape *s);
int vl_tc_mirror(struct vl_nl *nl, int ifindex, int to_ifindex, bool ingress, bool egress);
/* Try tbf/netem/clsact/u32/mirred on two devices of a throwaway namespace. */
int vl_tc_probe(struct vl_nl *nl, int ifindex, int other, uint32_t want, uint32_t *have);
/* nftables masquerade; runs in the current netns. Fails (never hangs)
 * on kernels without nf_tables: -EOPNOTSUPP, -ETIMEDOUT or -EINTR. */
int vl_nft_masquerade(const char *oifname);
/* Port security: one rule (src/secure.c builds them) appended to its chain
 * of table bridge VL_NFT_BRIDGE_TABLE, which is created (marked with
 * `mark`, "vlab:<lab>", in its userdata) with its chains when missing.
 * The batch builder is pure (unit tests): it writes into buf and returns
 * the batch's size; *last is the sequence number of the rule. */
#define VL_NFT_BRIDGE_TABLE "vlab"
#define VL_NFT_BATCH_MAX 4096
struct vl_filter;
size_t vl_nft_filter_batch(void *buf, size_t size, uint32_t seq, const char *mark,
			   const struct vl_filter *f, uint32_t *last);
int vl_nft_filter(const char *mark, const struct vl_filter *f);
/* External access, in the current (the machine's) namespace: table ip
 * `table` with `ip saddr NET masquerade` in a nat postrouting chain; and
 * its removal (0 also when it is not there). */
int vl_nft_masquerade_from(const char *table, const char *mark, const struct vl_prefix *net);
int vl_nft_table_del(const char *table);
/* ---- external access (src/external.c) ----
 * After the plan ran: the veth into the machine's namespace, addresses,
 * NODE's default route, forwarding and masquerade; a record in
 * /run/vlab/<lab>/external. 0, or -errno with the reason in err (the
 * caller then removes the lab and calls vl_external_down). */
int vl_external_up(const struct vl_plan *p, struct vl_buf *err);
/* Undo what the record says (table, the machine's veth end, forwarding);
 * nothing when there is no record. 1 when something was removed. */
int vl_external_down(const char *lab);
/* The acks of an nftables batch in buf: 1 when the last request (`last`)
 * is acked, 0 to read on, -errno for the first error of a message with
 * seq >= `begin` (the batch-begin message itself is answered with an error
 * when the kernel lacks nf_tables). Exported for unit tests. */
int vl_nft_scan_acks(const void *buf, size_t len, uint32_t begin, uint32_t last);

/* ---- changing a running lab (src/nl_del.c; `apply`, `migrate`) ---- */
/* Every device of the current namespace: cb(ifindex, name, ifalias). */
int vl_link_dump(struct vl_nl *nl, int (*cb)(int ifindex, const char *name, const char *alias,
					     void *arg), void *arg);
int vl_link_del(struct vl_nl *nl, int ifindex);
int vl_addr_del(struct vl_nl *nl, int ifindex, const struct vl_prefix *p);
int vl_route_del(struct vl_nl *nl, const struct vl_prefix *dst, int family);
int vl_qdisc_del(struct vl_nl *nl, int ifindex, bool clsact); /* root, or clsact (mirrors) */
int vl_fdb_del(struct vl_nl *nl, int ifindex, const struct vl_prefix *dst);
/* Change the shaping of a device in place (see nl_del.c). */
int vl_tc_reshape(struct vl_nl *nl, int ifindex, int mtu, const struct vl_shape *s);

/* Run a difference (vl_plan_diff) on the running lab: namespaces without a
 * create op are opened, not created (and must carry the lab's mark);
 * removes of what is absent succeed. `tolerant` (undoing a failed apply,
 * finishing a killed one) also accepts what exists already. On failure
 * the namespaces it created are deleted and -1 returned (1 on a signal);
 * undoing the rest is the caller's (the reverse difference). The fault
 * hook counts the difference's operations and fires once per process. */
int vl_exec_apply(const struct vl_plan *diff, int state_fd, bool tolerant,
		  volatile sig_atomic_t *stop, struct vl_buf *err, struct vl_exec_stats *st);

/* Join a lab node the way `ip netns exec` does (netns, private mount ns,
 * /sys of that netns, the files of /etc/netns/<ns> over /etc). 0, or an exit code
 * after printing why not. (src/cmd_exec.c) */
int vl_node_enter(const char *lab, const char *node);

/* The shaping requests, built without a socket (src/nl_tc.c, unit-tested):
 * `buf` holds VL_TC_MSG_MAX bytes; returns the RTM_NEWQDISC message in it. */
#define VL_TC_MSG_MAX 512
/* The device requests, built without a socket (src/nl_link.c, unit-tested):
 * `buf` holds VL_LINK_MSG_MAX zeroed bytes. */
#define VL_LINK_MSG_MAX 256
struct nlmsghdr *vl_link_noaddr_msg(char *buf, int ifindex, bool ipv4_too, bool ipv6);
struct nlmsghdr *vl_link_lo_mark_msg(char *buf, const char *alias, bool v6off);
struct nlmsghdr *vl_tc_tbf_msg(void *buf, int ifindex, uint32_t parent, uint32_t handle,
			       int mtu, const struct vl_shape *s);
struct nlmsghdr *vl_tc_netem_msg(void *buf, int ifindex, const struct vl_shape *s);

#endif
