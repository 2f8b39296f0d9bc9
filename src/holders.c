/* Processes that keep a lab's namespaces alive. Unmounting a namespace
 * never fails (MNT_DETACH), but a process inside keeps it, and every
 * device in it, alive. Processes started through `vlab exec`/`vlab shell`
 * carry VLAB_LAB=<lab> in their environment: `down` ends those. Anything
 * else is reported, never killed. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vlab/exec.h"
#include "vlab/naming.h"

struct nsid {
	dev_t dev;
	ino_t ino;
	size_t idx;
};

static int cmp_nsid(const void *a, const void *b)
{
	const struct nsid *x = a, *y = b;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return x->dev < y->dev ? -1 : x->dev > y->dev;
}

/* Does /proc/PID/environ hold exactly VLAB_LAB=<lab>? */
static bool started_by_vlab(const char *pid, const char *lab)
{
	char path[300], want[96];
	snprintf(path, sizeof(path), "/proc/%s/environ", pid);
	int len = snprintf(want, sizeof(want), "VLAB_LAB=%s", lab);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	static char buf[65536];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	for (char *p = buf; p < buf + n; p += strlen(p) + 1)
		if (!strncmp(p, want, (size_t)len) && p[len] == '\0')
			return true;
	return false;
}

static void comm_of(const char *pid, char *out, size_t n)
{
	char path[300];
	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	FILE *f = fopen(path, "r");
	out[0] = '\0';
	if (f) {
		if (fgets(out, (int)n, f))
			out[strcspn(out, "\n")] = '\0';
		fclose(f);
	}
}

int vl_netns_holders(const char *lab, char *const *names, size_t n)
{
	struct nsid *ids = calloc(n ? n : 1, sizeof(*ids));
	size_t nids = 0;
	if (!ids)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char path[128];
		struct stat st;
		snprintf(path, sizeof(path), VL_NETNS_DIR "/%s", names[i]);
		if (stat(path, &st) == 0 && st.st_ino != 0) {
			ids[nids].dev = st.st_dev;
			ids[nids].ino = st.st_ino;
			ids[nids++].idx = i;
		}
	}
	/* an empty, unmounted entry has an inode of its own file system: it
	 * matches no process, so it does no harm here */
	qsort(ids, nids, sizeof(*ids), cmp_nsid);
	int others = 0;
	DIR *proc = nids ? opendir("/proc") : NULL;
	struct dirent *e;
	pid_t self = getpid();
	while (proc && (e = readdir(proc))) {
		if (!isdigit((unsigned char)e->d_name[0]) || atoi(e->d_name) == self)
			continue;
		char path[300];
		struct stat st;
		snprintf(path, sizeof(path), "/proc/%s/ns/net", e->d_name);
		if (stat(path, &st) < 0)
			continue;
		struct nsid key = {.dev = st.st_dev, .ino = st.st_ino};
		struct nsid *hit = bsearch(&key, ids, nids, sizeof(*ids), cmp_nsid);
		if (!hit)
			continue;
		char comm[64];
		comm_of(e->d_name, comm, sizeof(comm));
		pid_t pid = (pid_t)atoi(e->d_name);
		if (started_by_vlab(e->d_name, lab)) {
			/* ours: started through vlab exec/shell in this lab */
			kill(pid, SIGTERM);
			fprintf(stderr, "vlab: ended process %d (%s) in %s, started by vlab exec\n",
				(int)pid, comm, names[hit->idx]);
		} else {
			fprintf(stderr,
				"vlab: warning: process %d (%s) is inside %s; the namespace and its devices "
				"live on until it exits (not vlab's to end: kill %d)\n",
				(int)pid, comm, names[hit->idx], (int)pid);
			others++;
		}
	}
	if (proc)
		closedir(proc);
	free(ids);
	return others;
}
