/* The state of running labs under /run/vlab (see include/vlab/state.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vlab/cmd.h"
#include "vlab/exec.h"
#include "vlab/model.h"
#include "vlab/naming.h"
#include "vlab/state.h"

void vl_state_path(char *out, size_t n, const char *lab, const char *leaf)
{
	if (leaf)
		snprintf(out, n, "%s/%s/%s", VL_RUN_DIR, lab, leaf);
	else
		snprintf(out, n, "%s/%s", VL_RUN_DIR, lab);
}

bool vl_lab_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > VL_LAB_NAME_MAX)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return false;
	return s[0] != '-';
}

int vl_state_lock(const char *lab, bool create, bool *created_dir)
{
	char dir[256], path[300];
	vl_state_path(dir, sizeof(dir), lab, NULL);
	vl_state_path(path, sizeof(path), lab, "lock");
	if (created_dir)
		*created_dir = false;
	for (;;) {
		if (create) {
			if (mkdir(VL_RUN_DIR, 0755) < 0 && errno != EEXIST)
				return -errno;
			if (mkdir(dir, 0755) == 0) {
				if (created_dir)
					*created_dir = true;
			} else if (errno != EEXIST) {
				return -errno;
			}
		}
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | (create ? 0 : 0), 0644);
		if (fd < 0)
			return errno == ENOENT ? -ENOENT : -errno;
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			int e = errno;
			close(fd);
			return e == EWOULDBLOCK ? -EWOULDBLOCK : -e;
		}
		/* The holder before us may have removed the lab (down): then
		 * our lock is on a deleted file; start again. */
		struct stat a, b;
		if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev)
			return fd;
		close(fd);
		if (!create)
			return -ENOENT;
	}
}

void vl_state_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

static char *dup_val(const char *line, size_t klen)
{
	const char *v = line + klen;
	while (*v == ' ')
		v++;
	return xstrdup(v);
}

int vl_state_read(const char *lab, struct vl_state *s)
{
	char path[300], line[1024];
	memset(s, 0, sizeof(*s));
	vl_state_path(path, sizeof(path), lab, "state");
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "lab ", 4)) {
			free(s->lab);
			s->lab = dup_val(line, 4);
		} else if (!strncmp(line, "file ", 5)) {
			free(s->file);
			s->file = dup_val(line, 5);
		} else if (!strncmp(line, "hash ", 5)) {
			free(s->hash);
			s->hash = dup_val(line, 5);
		} else if (!strncmp(line, "status ", 7)) {
			free(s->status);
			s->status = dup_val(line, 7);
		} else if (!strncmp(line, "pid ", 4)) {
			s->pid = strtol(line + 4, NULL, 10);
		} else if (!strncmp(line, "netns ", 6) && line[6]) {
			vl_strv_push(&s->netns, line + 6);
		}
	}
	fclose(f);
	if (!s->lab)
		s->lab = xstrdup(lab);
	if (!s->status)
		s->status = xstrdup("building");
	return 0;
}

void vl_state_free(struct vl_state *s)
{
	free(s->lab);
	free(s->file);
	free(s->hash);
	free(s->status);
	vl_strv_free(&s->netns);
	memset(s, 0, sizeof(*s));
}

int vl_state_begin(const char *lab, const char *file, const char *hash)
{
	char path[300];
	vl_state_path(path, sizeof(path), lab, "state");
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	char *head = xasprintf("# vlab state: what `vlab up` built; read by down, status, ls, clean\n"
			       "lab %s\nfile %s\nhash %s\npid %ld\nstatus building\n",
			       lab, file, hash, (long)getpid());
	ssize_t n = write(fd, head, strlen(head));
	int r = n == (ssize_t)strlen(head) ? 0 : -EIO;
	free(head);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

int vl_state_finish(int fd)
{
	static const char up[] = "status up\n";
	int r = write(fd, up, sizeof(up) - 1) == (ssize_t)(sizeof(up) - 1) ? 0 : -EIO;
	close(fd);
	return r;
}

void vl_state_remove(const char *lab)
{
	static const char *const leaves[] = {"state", "hosts", "hosts.tmp", "lock"};
	char path[300];
	for (size_t i = 0; i < VL_ARRAY_SIZE(leaves); i++) {
		vl_state_path(path, sizeof(path), lab, leaves[i]);
		unlink(path);
	}
	vl_state_path(path, sizeof(path), lab, NULL);
	rmdir(path);
	rmdir(VL_RUN_DIR); /* only when no other lab is left */
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void vl_state_list(struct vl_strv *labs)
{
	DIR *d = opendir(VL_RUN_DIR);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[300];
		struct stat st;
		vl_state_path(path, sizeof(path), e->d_name, NULL);
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			vl_strv_push(labs, e->d_name);
	}
	closedir(d);
	if (labs->n > 1)
		qsort(labs->v, labs->n, sizeof(char *), cmp_str);
}

char *vl_file_hash(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	uint64_t h = 0xcbf29ce484222325ULL;
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		for (size_t i = 0; i < n; i++) {
			h ^= (unsigned char)buf[i];
			h *= 0x100000001b3ULL;
		}
	fclose(f);
	return xasprintf("%016llx", (unsigned long long)h);
}

int vl_need_root(const char *cmd)
{
	if (geteuid() == 0)
		return 0;
	fprintf(stderr, "vlab %s: needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN to create "
		"namespaces and devices): run it with sudo\n", cmd);
	return VL_EXIT_PERM;
}

char *vl_resolve_lab(const char *arg)
{
	struct stat st;
	size_t n = strlen(arg);
	bool is_file = strchr(arg, '/') || (n > 4 && !strcmp(arg + n - 4, ".ini")) ||
		       (stat(arg, &st) == 0 && S_ISREG(st.st_mode));
	if (!is_file) {
		if (!vl_lab_name_ok(arg)) {
			fprintf(stderr, "vlab: \"%s\" is neither a lab name (up to %d of a-z, 0-9, '-') "
				"nor a topology file\n", arg, VL_LAB_NAME_MAX);
			return NULL;
		}
		return xstrdup(arg);
	}
	struct vl_topology *t = vl_load(arg, true);
	if (!t) {
		fprintf(stderr, "vlab: cannot read the lab name from %s; give the lab name instead "
			"(see vlab ls)\n", arg);
		return NULL;
	}
	char *lab = xstrdup(t->lab.name);
	vl_topology_free(t);
	free(t);
	return lab;
}

const char *vl_ns_node(const char *lab, const char *ns)
{
	size_t pl = strlen(VL_NETNS_PREFIX), ll = strlen(lab);
	if (!strncmp(ns, VL_NETNS_PREFIX, pl) && !strncmp(ns + pl, lab, ll) && ns[pl + ll] == '-')
		return ns + pl + ll + 1;
	return ns;
}

void vl_lab_netns(const char *lab, const struct vl_state *st, struct vl_strv *out)
{
	if (st)
		for (size_t i = 0; i < st->netns.n; i++)
			vl_strv_push(out, st->netns.v[i]);
	char prefix[64], mark[64], alias[VL_ALTNAME_MAX];
	snprintf(prefix, sizeof(prefix), "%s%s-", VL_NETNS_PREFIX, lab);
	snprintf(mark, sizeof(mark), "%s%s:", VL_ALIAS_PREFIX, lab);
	DIR *d = opendir(VL_NETNS_DIR);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, prefix, strlen(prefix)))
			continue;
		bool known = false;
		for (size_t i = 0; i < out->n && !known; i++)
			known = !strcmp(out->v[i], e->d_name);
		if (known)
			continue;
		if (vl_netns_lo_alias(e->d_name, alias, sizeof(alias)) == 0 &&
		    !strncmp(alias, mark, strlen(mark)))
			vl_strv_push(out, e->d_name);
	}
	closedir(d);
}
