/* Machine limits a lab must fit in (see include/vlab/limits.h). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "vlab/limits.h"

long vl_fds_needed(size_t nns)
{
	return (long)nns + VL_FDS_BASE;
}

int vl_limits_judge(const char *lab, size_t nns, const struct vl_machine *m, struct vl_buf *msg)
{
	int bad = 0;
	long fds = vl_fds_needed(nns);
	if (m->nofile_cur >= 0 && m->nofile_cur < fds) {
		vl_buf_printf(msg, "vlab: lab %s needs %ld open files (1 per namespace, %zu namespaces), "
			      "but RLIMIT_NOFILE is %ld (hard limit %ld): raise it (`ulimit -n %ld`, "
			      "LimitNOFILE= for a service) or make the lab smaller\n",
			      lab, fds, nns, m->nofile_cur, m->nofile_max, fds);
		bad++;
	}
	long ns = (long)nns + 1; /* + the preflight probe's */
	if (m->max_netns >= 0) {
		long used = m->netns_in_use > 0 ? m->netns_in_use : 0;
		if (ns > m->max_netns - used) {
			vl_buf_printf(msg, "vlab: lab %s needs %ld network namespaces, but "
				      "/proc/sys/user/max_net_namespaces is %ld and %ld are in use: "
				      "raise it (`sysctl user.max_net_namespaces=%ld`) or make the lab "
				      "smaller\n", lab, ns, m->max_netns, used, used + ns);
			bad++;
		}
	}
	if (m->mem_avail_kb >= 0 && (long)nns * VL_NETNS_KB > m->mem_avail_kb) {
		vl_buf_printf(msg, "vlab: lab %s needs about %ld MB of kernel memory (%zu namespaces, "
			      "~%d KB each), but MemAvailable is %ld MB: free memory or make the lab "
			      "smaller\n", lab, (long)nns * VL_NETNS_KB / 1024, nns, VL_NETNS_KB,
			      m->mem_avail_kb / 1024);
		bad++;
	}
	return bad ? -1 : 0;
}

static int cmp_ul(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
	return x < y ? -1 : x > y;
}

long vl_netns_in_use(void)
{
	unsigned long *ino = NULL;
	size_t n = 0, cap = 0;
	char path[64], target[64], line[1024];
	DIR *d = opendir("/proc");
	if (!d)
		return -1;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.20s/ns/net", e->d_name);
		ssize_t l = readlink(path, target, sizeof(target) - 1);
		if (l <= 0)
			continue;
		target[l] = 0;
		unsigned long i;
		if (sscanf(target, "net:[%lu]", &i) == 1)
			*VL_PUSH(ino, n, cap) = i;
	}
	closedir(d);
	FILE *f = fopen("/proc/self/mountinfo", "re");
	while (f && fgets(line, sizeof(line), f)) {
		/* ID PARENT MAJ:MIN ROOT ...: an nsfs mount's root is net:[INO] */
		unsigned long i;
		char *root = line;
		for (int k = 0; k < 3 && root; k++)
			root = strchr(root + 1, ' ');
		if (root && sscanf(root, " net:[%lu]", &i) == 1)
			*VL_PUSH(ino, n, cap) = i;
	}
	if (f)
		fclose(f);
	if (n)
		qsort(ino, n, sizeof(*ino), cmp_ul);
	long distinct = 0;
	for (size_t k = 0; k < n; k++)
		distinct += !k || ino[k] != ino[k - 1];
	free(ino);
	return distinct;
}

static long read_long(const char *path)
{
	FILE *f = fopen(path, "re");
	long v = -1;
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static long mem_available_kb(void)
{
	FILE *f = fopen("/proc/meminfo", "re");
	char line[128];
	long v = -1;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %ld kB", &v) == 1)
			break;
	if (f)
		fclose(f);
	return v;
}

int vl_limits_check(const struct vl_plan *p)
{
	size_t nns = p->netns.n;
	struct vl_machine m = {-1, -1, -1, -1, -1};
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rlim_t want = (rlim_t)vl_fds_needed(nns);
		if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
			/* up to the hard limit, never beyond: that one is the admin's */
			rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want
											 : rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
			getrlimit(RLIMIT_NOFILE, &rl);
		}
		if (rl.rlim_cur != RLIM_INFINITY) {
			m.nofile_cur = (long)rl.rlim_cur;
			m.nofile_max = rl.rlim_max == RLIM_INFINITY ? -1 : (long)rl.rlim_max;
		}
	}
	m.max_netns = read_long("/proc/sys/user/max_net_namespaces");
	if (m.max_netns >= 0)
		m.netns_in_use = vl_netns_in_use(); /* a walk over /proc: ~1 ms */
	m.mem_avail_kb = mem_available_kb();
	struct vl_buf msg = {0};
	int r = vl_limits_judge(p->lab, nns, &m, &msg);
	if (r < 0)
		fprintf(stderr, "%svlab: nothing was created\n", msg.s);
	vl_buf_free(&msg);
	return r;
}
