/* Machine limits a lab must fit in, checked by `up` before it creates
 * anything (src/limits.c):
 *  - RLIMIT_NOFILE: the executor keeps one descriptor per namespace (a
 *    netlink socket inside it, which also stands for the namespace:
 *    SIOCGSKNS) open for the whole run, plus a few of its own. The soft limit is raised up to the hard one; beyond that the lab
 *    is refused (the administrator's hard limit is respected).
 *  - /proc/sys/user/max_net_namespaces, against the namespaces in use now
 *    (those of processes and those mounted: what is cheap to count).
 *  - memory: measured ~370 KB of kernel memory per namespace with its
 *    veth pair (1004 namespaces, Linux 6.18); we ask MemAvailable for
 *    VL_NETNS_KB per namespace, a rough bound with some margin. */
#ifndef VLAB_LIMITS_H
#define VLAB_LIMITS_H

#include <stddef.h>

#include "vlab/plan.h"
#include "vlab/util.h"

#define VL_NETNS_KB 512
#define VL_FDS_BASE 32 /* descriptors besides the one per namespace */

struct vl_machine {
	long nofile_cur, nofile_max;  /* RLIMIT_NOFILE; -1 unknown/unlimited */
	long max_netns;               /* max_net_namespaces; -1 unknown */
	long netns_in_use;            /* -1 unknown */
	long mem_avail_kb;            /* MemAvailable; -1 unknown */
};

/* Descriptors `up` needs for nns namespaces. */
long vl_fds_needed(size_t nns);
/* Does a lab of nns namespaces fit? 0, or -1 with one line per limit
 * exceeded in msg (naming the limit, its value and what to do). Pure. */
int vl_limits_judge(const char *lab, size_t nns, const struct vl_machine *m, struct vl_buf *msg);
/* Read the machine, raise the soft RLIMIT_NOFILE when needed, judge, print
 * the refusal to stderr. 0 or -1. */
int vl_limits_check(const struct vl_plan *p);
/* Network namespaces in use (distinct, of processes and nsfs mounts). */
long vl_netns_in_use(void);

#endif
