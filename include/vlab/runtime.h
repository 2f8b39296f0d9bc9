/* Changing a running lab in place: `vlab impair`, `vlab link`, `vlab fault`.
 *
 * What changed is recorded in /run/vlab/<lab>/changes (0644, written
 * atomically under the lab's lock, removed with the lab), so `status`
 * shows the lab as it is and what differs from its file. One record a
 * line, every word %XX-escaped as in the state file:
 *   shape NODE NIC out|in RATE_BPS BURST LIMIT DELAY_US JITTER_US LOSS DUP
 *         CORRUPT REORDER NETEM_LIMIT      shaping that differs from the file
 *   link NODE NIC down                     the cable is pulled
 *   fault NODE NIC PID START BEGAN ENDS WHAT
 *         a fault process: pid and its start time (field 22 of
 *         /proc/PID/stat, so a reused pid is never taken for it), wall-clock
 *         begin and end (0 = until stopped), what it does ("flap 200ms")
 * A fault process (forked, setsid, no exec) holds no lock while it sleeps
 * and takes the lab's lock for each change; it restores what it changed
 * when it ends, on SIGTERM too. */
#ifndef VLAB_RUNTIME_H
#define VLAB_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vlab/model.h"
#include "vlab/naming.h"
#include "vlab/util.h"

struct nlmsghdr;
struct vl_nl;

/* ---- the kernel side (src/nl_tc.c, src/nl_link.c) ---- */

/* A device's shaping as the kernel has it (root tbf or netem, and a tbf
 * under netem), with the values read back from the qdisc dump. */
struct vl_tc_now {
	int ifindex;
	char root_kind[16];     /* "" when the device has its default qdisc */
	uint32_t root_handle;   /* 0 = none */
	uint32_t child_handle;  /* tbf under netem, 0 = none */
	struct vl_shape shape;
};
/* Fold one RTM_NEWQDISC message of device `ifindex` into *now (pure). */
int vl_tc_parse_qdisc(const struct nlmsghdr *nlh, int ifindex, struct vl_tc_now *now);
int vl_tc_read(struct vl_nl *nl, int ifindex, struct vl_tc_now *now);
/* Make the device's shaping `want`: in place when the qdisc tree keeps its
 * shape, else a new root grafted over the old (NLM_F_REPLACE); removed
 * when `want` shapes nothing. Refused by the kernel = nothing changed. */
int vl_tc_replace(struct vl_nl *nl, int ifindex, int mtu, const struct vl_tc_now *now,
		  const struct vl_shape *want);
/* Administrative state of a device (a veth end down: its peer loses carrier). */
int vl_link_set_admin(struct vl_nl *nl, int ifindex, bool up);

/* ---- pure parts (unit-tested) ---- */

enum vl_dir { VL_DIR_OUT, VL_DIR_IN };

/* Where the shaping of NODE:NIC in direction `dir` lives: `out` on the
 * node's own NIC, `in` on the switch port (in the switch's namespace) or
 * on the far end of a [link], as the planner places in_* keys. */
struct vl_rt_place {
	char ns[VL_NSNAME_MAX];
	char dev[VL_DEVNAME_MAX];
	char owner[VL_NODE_NAME_MAX + 1]; /* node or switch whose namespace it is */
	bool node_nic;                    /* a node's NIC (out, or in of a [link]), not a switch port */
	struct vl_shape file;             /* what the file gives there */
};
/* 0, or -1 with `err` naming what exists (did-you-mean). */
int vl_rt_locate(const struct vl_topology *t, const char *node, const char *nic, int dir,
		 struct vl_rt_place *out, struct vl_buf *err);
/* Split "NODE:NIC"; -1 when malformed. */
int vl_rt_split(const char *arg, char *node, size_t nn, char *nic, size_t ni);

/* The operations of plan `p` that vl_rt_replumb runs again for node
 * device `dev` in namespace `ns` (see there), as a plan of their own
 * (sub->netns = {ns}); the caller frees it (vl_plan_free). */
struct vl_plan;
void vl_rt_replumb_ops(const struct vl_plan *p, const char *ns, const char *dev,
		       struct vl_plan *sub);

/* `key=value` arguments of impair applied to `s` with the file's parsers
 * (vl_shape_key) and checks (vl_shape_check); a value of `none` or `off`
 * removes that key. 0, or -1 with why in `err` (s may be half changed). */
int vl_impair_args(struct vl_shape *s, char *const *args, size_t n, struct vl_buf *err);
bool vl_shape_same(const struct vl_shape *a, const struct vl_shape *b);
/* "rate=10mbit delay=5ms" or "none". */
void vl_shape_text(const struct vl_shape *s, struct vl_buf *out);

/* A scheduled fault: flap PERIOD [for DURATION] | loss PCT for DURATION |
 * delay TIME for DURATION. */
enum vl_fault_kind { VL_FAULT_FLAP, VL_FAULT_LOSS, VL_FAULT_DELAY };
struct vl_fault_spec {
	enum vl_fault_kind kind;
	uint32_t period_us;     /* flap: one down+up cycle */
	uint64_t duration_us;   /* 0 = until stopped (flap only) */
	double loss_pct;
	uint32_t delay_us;
};
int vl_fault_parse(char *const *args, size_t n, struct vl_fault_spec *f, struct vl_buf *err);
void vl_fault_text(const struct vl_fault_spec *f, struct vl_buf *out);

/* ---- the records ---- */
struct vl_rt_shape { char *node, *nic; int dir; struct vl_shape s; };
struct vl_rt_link { char *node, *nic; };
struct vl_rt_fault {
	char *node, *nic, *what;
	long pid;
	unsigned long long start;   /* /proc/PID/stat starttime */
	double began, ends;         /* wall clock, ends 0 = until stopped */
};
struct vl_changes {
	struct vl_rt_shape *shapes; size_t nshapes, shapes_cap;
	struct vl_rt_link *links; size_t nlinks, links_cap;
	struct vl_rt_fault *faults; size_t nfaults, faults_cap;
	size_t bad;
};
int vl_changes_parse(FILE *f, struct vl_changes *c);
void vl_changes_format(const struct vl_changes *c, struct vl_buf *out);
int vl_changes_read(const char *lab, struct vl_changes *c);   /* no file: empty, 0 */
int vl_changes_write(const char *lab, const struct vl_changes *c);
void vl_changes_free(struct vl_changes *c);
/* Set (s != NULL) or drop the shape record of NODE:NIC dir. */
void vl_changes_set_shape(struct vl_changes *c, const char *node, const char *nic, int dir,
			  const struct vl_shape *s);
const struct vl_shape *vl_changes_shape(const struct vl_changes *c, const char *node,
					const char *nic, int dir);
void vl_changes_set_link(struct vl_changes *c, const char *node, const char *nic, bool down);
bool vl_changes_link_down(const struct vl_changes *c, const char *node, const char *nic);
/* Drop fault records whose process is gone (or is another process now). */
void vl_changes_prune(struct vl_changes *c);
/* Index of a live fault on NODE:NIC, or -1. */
int vl_changes_fault(const struct vl_changes *c, const char *node, const char *nic);

/* The start time of process pid (field 22 of /proc/PID/stat), 0 if gone. */
unsigned long long vl_proc_start(long pid);
/* pid runs and is the process that started at `start` (not a zombie). */
bool vl_proc_is(long pid, unsigned long long start);

/* ---- commands' shared steps (src/runtime.c) ---- */

/* `vlab down`'s hook: end every fault process of the lab (recorded pid
 * and start time only) and wait until they are gone. Called with the
 * lab's lock held; nothing is restored (the lab goes). How many ended. */
int vl_rt_end_faults(const char *lab);
/* Status: the changes section of one lab (text or JSON value). */
void vl_rt_status_text(const char *lab);
void vl_rt_status_json(const char *lab, struct vl_buf *out);


/* ---- the commands' shared steps (src/runtime_ops.c) ---- */
struct vl_state;
struct vl_rt_lab {
	char *lab;
	char *file;               /* the file it was built from */
	struct vl_topology *t;    /* that file, loaded */
	int lock;                 /* the lab's lock, -1 when not held */
};
/* Root, a running lab, its file loaded; with `lock`, the lab's lock taken
 * (waiting up to VL_LOCK_WAIT s for a fault process's short hold).
 * 0, or the exit code after printing why not. */
int vl_rt_open(const char *cmd, const char *arg, bool lock, struct vl_rt_lab *L);
void vl_rt_close(struct vl_rt_lab *L);
/* The NODE:IF argument of `vlab CMD` split (vl_rt_split); -1 after printing
 * that it is not NODE:IF. */
int vl_rt_nodeif(const char *cmd, const char *arg, char node[VL_NODE_NAME_MAX + 1],
		 char nic[VL_DEVNAME_MAX]);
/* vl_rt_locate for `vlab CMD`; -1 after printing why not. */
int vl_rt_where(const char *cmd, const struct vl_topology *t, const char *node, const char *nic,
		int dir, struct vl_rt_place *out);
/* True after printing that a fault runs on NODE:NIC, so `vlab CMD`
 * changes nothing there. */
bool vl_rt_fault_busy(const char *cmd, const struct vl_changes *c, const char *lab,
		      const char *node, const char *nic);
/* Read the shaping of device `dev` in namespace `ns` (a device carrying
 * the lab's mark only). 0 or -errno (message printed). */
int vl_rt_shape_read(const char *lab, const char *ns, const char *dev, struct vl_tc_now *now);
/* Make it `want`; prints the kernel's refusal. 0 or -errno. */
int vl_rt_shape_set(const char *lab, const char *ns, const char *dev, const struct vl_shape *want);
/* Administrative up/down of `dev`; *was_up (may be NULL) gets the state before. */
int vl_rt_admin(const char *lab, const char *ns, const char *dev, bool up, bool *was_up);
/* A cable is pulled by taking the OTHER end of the node's NIC down (the
 * switch port, or the far end of a [link]): the NIC keeps IFF_UP and only
 * loses carrier, as with a real cable, so it keeps its addresses and the
 * routes through it. A device that does go down (the far end of a [link])
 * loses its IPv6 addresses and every route through it; vl_rt_replumb puts
 * back, from the lab's plan of `t`, the addresses of node device `dev`
 * in namespace `ns` (and of its sub-interfaces) and the node's routes
 * through them (by dev, or a gateway on their subnets); what exists stays.
 * 0, or -1 after printing why. */
int vl_rt_replumb(const struct vl_topology *t, const char *ns, const char *dev);
/* "rate=.. (file: ..)": one direction, read back from the kernel. */
double vl_rt_now(void); /* wall clock, seconds */

#endif
