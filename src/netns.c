/* Named network namespaces, the iproute2 way, so `ip netns` sees ours:
 * /run/netns is a shared mount point; /run/netns/NAME is an empty file with
 * the namespace bind-mounted on it. We create one by unshare(CLONE_NEWNET)
 * in this (single) thread, mount it, open the netlink socket we will use
 * for it while still inside, and setns() back. No process lives in a lab
 * namespace; the mount keeps it alive. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "vlab/exec.h"
#include "vlab/naming.h"
#include "vlab/paths.h"
#include "vlab/util.h"

static void ns_path(char *out, size_t n, const char *name)
{
	vl_path_netns(out, n, name);
}

static bool dir_empty(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return false;
	struct dirent *e;
	bool empty = true;
	while (empty && (e = readdir(d)))
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(d);
	return empty;
}

/* True when dir is empty and not a mount point (same device as its parent). */
static bool empty_plain_dir(const char *dir)
{
	struct stat a, b;
	if (stat(dir, &a) < 0 || stat(VL_NETNS_DIR "/..", &b) < 0 || a.st_dev != b.st_dev)
		return false;
	return dir_empty(dir);
}

/* True when the top mount on /run/netns is the tmpfs vl_netns_prepare made. */
static bool netns_dir_is_ours(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	if (!f)
		return false;
	char line[1024];
	bool ours = false;
	while (fgets(line, sizeof(line), f)) {
		char mnt[256];
		if (sscanf(line, "%*s %*s %*s %*s %255s", mnt) != 1 || strcmp(mnt, VL_NETNS_DIR))
			continue;
		const char *sep = strstr(line, " - ");
		/* later lines are mounted on top of earlier ones */
		ours = sep && !strncmp(sep, " - tmpfs vlab-netns ", 20);
	}
	fclose(f);
	return ours;
}

void vl_netns_release(void)
{
	/* Once the last namespace is gone, take our tmpfs away again so the
	 * machine is as it was. Busy (someone just created one): keep it. */
	if (netns_dir_is_ours() && dir_empty(VL_NETNS_DIR))
		umount2(VL_NETNS_DIR, UMOUNT_NOFOLLOW);
}

int vl_netns_prepare(void)
{
	if (mkdir(VL_NETNS_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	/* /run should be a tmpfs; where it is a disk file system, creating
	 * and removing a thousand namespace files costs more than the
	 * namespaces (ext4 inode allocation). An empty /run/netns that is no
	 * mount point yet gets a tmpfs of its own: nothing is hidden, and
	 * iproute2 sees the shared mount point it expects. */
	struct statfs sf;
	if (statfs(VL_NETNS_DIR, &sf) == 0 && sf.f_type != TMPFS_MAGIC &&
	    empty_plain_dir(VL_NETNS_DIR))
		mount("vlab-netns", VL_NETNS_DIR, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		      "mode=0755");
	/* Same dance as iproute2: make it shared, binding it onto itself
	 * first if it is not a mount point yet. */
	if (mount("", VL_NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) == 0)
		return 0;
	if (errno != EINVAL)
		return -errno;
	if (mount(VL_NETNS_DIR, VL_NETNS_DIR, "none", MS_BIND | MS_REC, NULL) < 0)
		return -errno;
	if (mount("", VL_NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) < 0)
		return -errno;
	return 0;
}

int vl_netns_self(void)
{
	int fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int vl_netns_reserve(const char *name, const char *mark)
{
	char path[128];
	ns_path(path, sizeof(path), name);
	/* Until the namespace is mounted on it, the entry is an empty file
	 * like any other tool's: the xattr says it is ours, so a crash leaves
	 * something `down` and `clean` can attribute. The file gets its name
	 * only once it carries the mark (an unnamed O_TMPFILE, marked, then
	 * linked; linkat fails with EEXIST like O_EXCL): a kill -9 between
	 * creating and marking it left an unmarked entry no command would
	 * remove (found by the kill -9 stress test). Best effort where the file
	 * system has no O_TMPFILE or trusted xattrs. */
	if (mark) {
		int fd = open(VL_NETNS_DIR, O_TMPFILE | O_RDWR | O_CLOEXEC, 0);
		if (fd >= 0) {
			fsetxattr(fd, VL_NETNS_XATTR, mark, strlen(mark), 0);
			int r = linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH) < 0 ? -errno : 0;
			close(fd);
			return r;
		}
	}
	int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (mark)
		fsetxattr(fd, VL_NETNS_XATTR, mark, strlen(mark), 0);
	close(fd);
	return 0;
}

int vl_netns_create(const char *name, int home, int *nsfd, struct vl_nl *nl,
		    int (*inside)(void *), void *arg)
{
	char path[128];
	int r = 0;

	ns_path(path, sizeof(path), name);
	*nsfd = -1;
	/* only this thread moves: other threads keep their namespaces */
	if (unshare(CLONE_NEWNET) < 0) {
		r = -errno;
		unlink(path);
		return r;
	}
	/* The marks (inside) come before the mount: a mounted vlab-* entry
	 * whose loopback carries no mark is never ours. */
	*nsfd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*nsfd < 0)
		r = -errno;
	if (!r && nl)
		r = vl_nl_open(nl, NETLINK_ROUTE);
	if (!r && inside)
		r = inside(arg);
	if (!r && mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) < 0)
		r = -errno;
	if (setns(home, CLONE_NEWNET) < 0) {
		/* cannot happen short of a kernel bug; do not keep working in
		 * the wrong namespace */
		perror("vlab: setns back to our namespace");
		_exit(70);
	}
	if (r < 0) {
		if (nl && nl->fd >= 0)
			vl_nl_close(nl);
		if (*nsfd >= 0)
			close(*nsfd);
		*nsfd = -1;
		umount2(path, MNT_DETACH);
		unlink(path);
	}
	return r;
}

int vl_netns_delete(const char *name)
{
	char path[128];
	ns_path(path, sizeof(path), name);
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	/* EINVAL: not mounted (a crash between create and mount) */
	umount2(path, MNT_DETACH);
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 1;
}

int vl_netns_open(const char *name)
{
	char path[128];
	ns_path(path, sizeof(path), name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

bool vl_netns_exists(const char *name)
{
	char path[128];
	ns_path(path, sizeof(path), name);
	return access(path, F_OK) == 0;
}

bool vl_netns_mounted(const char *name)
{
	char want[160], line[1024];
	snprintf(want, sizeof(want), " %s/%s ", VL_NETNS_DIR, name);
	FILE *f = fopen("/proc/self/mountinfo", "r");
	if (!f)
		return false;
	bool found = false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, want) != NULL;
	fclose(f);
	return found;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t vl_netns_left(char *const *names, size_t n, bool *left)
{
	/* One read of the mount table for all names (a read per name was
	 * O(N^2) at 10,000 namespaces), looked up in a sorted copy. */
	char **sorted = xmalloc((n ? n : 1) * sizeof(char *));
	if (n)
		memcpy(sorted, names, n * sizeof(char *));
	qsort(sorted, n, sizeof(char *), cmp_name);
	bool *mounted = xcalloc(n ? n : 1, sizeof(bool));
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[1024];
	while (f && fgets(line, sizeof(line), f)) {
		char *m = strstr(line, " " VL_NETNS_DIR "/");
		if (!m)
			continue;
		m += strlen(VL_NETNS_DIR) + 2;
		m[strcspn(m, " ")] = 0;
		char *key = m;
		char **hit = bsearch(&key, sorted, n, sizeof(char *), cmp_name);
		if (hit)
			mounted[hit - sorted] = true;
	}
	if (f)
		fclose(f);
	size_t count = 0;
	for (size_t i = 0; i < n; i++) {
		char *key = names[i];
		char **hit = bsearch(&key, sorted, n, sizeof(char *), cmp_name);
		bool l = (hit && mounted[hit - sorted]) || vl_netns_exists(names[i]);
		if (left)
			left[i] = l;
		count += l;
	}
	free(mounted);
	free(sorted);
	return count;
}

int vl_netns_call(int nsfd, int home, int (*fn)(void *), void *arg)
{
	if (setns(nsfd, CLONE_NEWNET) < 0)
		return -errno;
	int r = fn(arg);
	if (setns(home, CLONE_NEWNET) < 0) {
		perror("vlab: setns back to our namespace");
		_exit(70);
	}
	return r;
}

struct alias_req {
	char *out;
	size_t n;
};

static int alias_cb(const struct nlmsghdr *nlh, void *data)
{
	struct alias_req *q = data;
	struct vl_link_attrs l;
	vl_link_attrs_parse(nlh, &l);
	snprintf(q->out, q->n, "%s", l.alias);
	return 0;
}

/* lo's alias, asked with a deadline (vl_nl_request): this runs on the
 * path of down and clean, which must not hang on a lost answer. */
static int lo_alias_inside(void *arg)
{
	char buf[256] = {0};
	struct nlmsghdr *nlh = vl_link_msg(buf, RTM_GETLINK, AF_UNSPEC, 1);
	return vl_nl_request_once(nlh, alias_cb, arg);
}

int vl_netns_lo_alias(const char *name, char *out, size_t n)
{
	out[0] = 0;
	int fd = vl_netns_open(name);
	if (fd < 0)
		return fd;
	int home = vl_netns_self();
	if (home < 0) {
		close(fd);
		return home;
	}
	struct alias_req q = {out, n};
	int r = vl_netns_call(fd, home, lo_alias_inside, &q);
	close(fd);
	close(home);
	return r;
}

int vl_netns_mark(const char *name, char *out, size_t n)
{
	out[0] = 0;
	int r = vl_netns_lo_alias(name, out, n);
	if (r == 0 || r == -ENOENT)
		return r;
	/* Not a namespace (yet): an entry reserved by a vlab that died
	 * before mounting it carries the mark as an xattr. */
	char path[128];
	ns_path(path, sizeof(path), name);
	ssize_t len = lgetxattr(path, VL_NETNS_XATTR, out, n - 1);
	if (len < 0) {
		out[0] = 0;
		return r;
	}
	out[len] = 0;
	return 0;
}

bool vl_netns_has_mark(const char *name, const char *lab)
{
	char alias[VL_ALTNAME_MAX], want[VL_ALTNAME_MAX];
	snprintf(want, sizeof(want), "%s%s:", VL_ALIAS_PREFIX, lab);
	return vl_netns_mark(name, alias, sizeof(alias)) == 0 && !strncmp(alias, want, strlen(want));
}

/* ---- waiting for the kernel's teardown ----
 * Dropping a namespace's last reference only queues it: a kernel work item
 * (cleanup_net) destroys the queued namespaces later, in batches, holding
 * rtnl while it unregisters their devices, then running every subsystem's
 * exit and an rcu_barrier. An `up` right after `down` used to wait for that
 * inside unshare() and its first link request (seconds for a few thousand
 * namespaces), while `down` reported a fraction of it.
 * The sentinel tells when the work is done. Two namespaces D1 and D2 each
 * hold one end of a veth whose other end lives in namespace W, which we
 * keep, listening to link events. D1 is dropped after every lab namespace:
 * the work takes every namespace queued when it starts, in order, so when
 * W hears D1's veth go, the lab's last batch is in its exit phase. Then D2
 * is dropped: the work picks it up only once that batch is completely done
 * (one work item, run again), so W hearing D2's veth go means the kernel
 * is quiet. W goes at the end (an empty namespace: nothing to wait for). */

static int sentinel_pair(struct vl_sentinel *s, int *fd, int w_ifindex)
{
	if (unshare(CLONE_NEWNET) < 0)
		return -errno;
	*fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return -errno;
	struct vl_nl nl;
	int r = vl_nl_open(&nl, NETLINK_ROUTE);
	if (r < 0)
		return r;
	struct vl_devspec a = {.name = "sentinel", .ifindex = 2};
	struct vl_devspec b = {.name = w_ifindex == 2 ? "sentinel1" : "sentinel2",
			       .ifindex = w_ifindex};
	r = vl_link_veth(&nl, &a, &b, s->w_fd);
	vl_nl_close(&nl);
	return r;
}

static int sentinel_inside(struct vl_sentinel *s)
{
	/* W: the watcher, with a socket listening to link events */
	if (unshare(CLONE_NEWNET) < 0)
		return -errno;
	s->w_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (s->w_fd < 0)
		return -errno;
	s->sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (s->sock < 0)
		return -errno;
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK};
	if (bind(s->sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	int r = sentinel_pair(s, &s->d_fd[0], 2);
	return r < 0 ? r : sentinel_pair(s, &s->d_fd[1], 3);
}

int vl_sentinel_make(struct vl_sentinel *s)
{
	s->w_fd = s->d_fd[0] = s->d_fd[1] = s->sock = -1;
	int home = vl_netns_self();
	if (home < 0)
		return home;
	int r = sentinel_inside(s);
	if (setns(home, CLONE_NEWNET) < 0) {
		perror("vlab: setns back to our namespace");
		_exit(70);
	}
	close(home);
	if (r < 0) {
		vl_sentinel_drop(s);
		return r;
	}
	return 0;
}

void vl_sentinel_drop(struct vl_sentinel *s)
{
	int *fds[] = {&s->d_fd[0], &s->d_fd[1], &s->sock, &s->w_fd};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/* Did this batch of messages say W's device `ifindex` is gone? */
static bool sentinel_gone(const char *buf, ssize_t n, int ifindex)
{
	const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
	int len = (int)n;
	for (; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
		if (h->nlmsg_type != RTM_DELLINK)
			continue;
		const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);
		if (ifi->ifi_index == ifindex)
			return true;
	}
	return false;
}

/* Drop D (its last reference) and wait until W hears its veth go. */
static int sentinel_step(struct vl_sentinel *s, int *dfd, int w_ifindex, double until)
{
	close(*dfd);
	*dfd = -1;
	char buf[8192];
	for (;;) {
		double left = until - vl_mono_s();
		if (left <= 0)
			return -ETIMEDOUT;
		ssize_t n = vl_nl_recv(s->sock, buf, sizeof(buf), (int)(left * 1000) + 1);
		if (n == -EINTR || n == -EAGAIN || n == -ENOBUFS)
			continue; /* signals wait: what was started is finished */
		if (n < 0)
			return (int)n;
		if (sentinel_gone(buf, n, w_ifindex))
			return 0;
	}
}

int vl_sentinel_wait(struct vl_sentinel *s, double timeout_s)
{
	if (s->d_fd[0] < 0 || s->d_fd[1] < 0)
		return -EINVAL;
	double until = vl_mono_s() + timeout_s;
	int r = sentinel_step(s, &s->d_fd[0], 2, until);
	if (r == 0)
		r = sentinel_step(s, &s->d_fd[1], 3, until);
	vl_sentinel_drop(s);
	return r;
}
