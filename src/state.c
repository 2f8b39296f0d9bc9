/* The state of running labs under /run/vlab (see include/vlab/state.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vlab/cmd.h"
#include "vlab/exec.h"
#include "vlab/model.h"
#include "vlab/naming.h"
#include "vlab/paths.h"
#include "vlab/startup.h"
#include "vlab/state.h"

void vl_state_path(char *out, size_t n, const char *lab, const char *leaf)
{
	vl_path_lab(out, n, lab, leaf);
}

/* Open a directory vlab writes in as root without following a symlink, and
 * only when it is root's and writable by root alone: a planted link or a
 * directory someone else controls could redirect our writes. */
static int open_checked_dir(int at, const char *name, const char *shown, bool create)
{
	bool made = false;
	if (create) {
		if (mkdirat(at, name, 0755) == 0)
			made = true;
		else if (errno != EEXIST)
			return -errno;
	}
	int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		struct stat ls;
		if ((e == ELOOP || e == ENOTDIR) && fstatat(at, name, &ls, AT_SYMLINK_NOFOLLOW) == 0)
			fprintf(stderr, "vlab: %s is %s, not a directory vlab made: vlab will not "
				"write through it (remove it if it is not yours)\n", shown,
				S_ISLNK(ls.st_mode) ? "a symbolic link" : "a file");
		return -e;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 022)) {
		fprintf(stderr, "vlab: %s is owned by uid %u with mode %04o: vlab writes only in a "
			"directory of its own user that no one else can write (fix or remove it)\n",
			shown, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
		close(fd);
		return -EPERM;
	}
	if (made)
		fchmod(fd, 0755); /* whatever the umask */
	return fd;
}

int vl_checked_dir(const char *path, bool create)
{
	return open_checked_dir(AT_FDCWD, path, path, create);
}

int vl_state_dir(const char *lab, bool create)
{
	if (!vl_lab_name_ok(lab, NULL))
		return -EINVAL;
	int run = vl_checked_dir(VL_RUN_DIR, create);
	if (run < 0)
		return run;
	char shown[300];
	vl_state_path(shown, sizeof(shown), lab, NULL);
	int fd = open_checked_dir(run, lab, shown, create);
	close(run);
	return fd;
}

int vl_state_lock(const char *lab, bool create, bool *created_dir)
{
	char path[300];
	vl_state_path(path, sizeof(path), lab, "lock");
	if (created_dir)
		*created_dir = false;
	int tries = 0;
	for (;;) {
		if (create && created_dir) {
			char dir[300];
			vl_state_path(dir, sizeof(dir), lab, NULL);
			struct stat st;
			if (lstat(dir, &st) < 0 && errno == ENOENT)
				*created_dir = true;
		}
		int dfd = vl_state_dir(lab, create);
		if (dfd == -ENOENT && create && ++tries < 100)
			continue; /* a `down` removed an empty /run/vlab under us */
		if (dfd < 0)
			return dfd;
		int fd = openat(dfd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		int e = errno;
		if (fd < 0 && e == ELOOP)
			fprintf(stderr, "vlab: %s is a symbolic link: vlab will not open it (remove it)\n",
				path);
		if (fd < 0) {
			close(dfd);
			if (e == ENOENT && create)
				continue; /* the directory went away under us */
			return -e;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			e = errno;
			close(fd);
			close(dfd);
			return e == EWOULDBLOCK ? -EWOULDBLOCK : -e;
		}
		/* The holder before us may have removed the lab (down): then
		 * our lock is on a deleted file; start again. */
		struct stat a, b;
		bool same = fstat(fd, &a) == 0 && lstat(path, &b) == 0 && a.st_ino == b.st_ino &&
			    a.st_dev == b.st_dev;
		close(dfd);
		if (same)
			return fd;
		close(fd);
		if (!create)
			return -ENOENT;
	}
}

int vl_state_lock_wait(const char *lab, bool create, bool *created_dir, double wait_s)
{
	double until = vl_mono_s() + wait_s;
	for (;;) {
		int fd = vl_state_lock(lab, create, created_dir);
		if (fd != -EWOULDBLOCK || vl_mono_s() >= until)
			return fd;
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

void vl_state_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* ---- the state file: "key value" lines; values escaped (%XX for every
 * byte outside '!'..'~' and for '%'), so a value is one word on one line
 * whatever it holds. Lines holding a control character are not ours. */

static void put_escaped(struct vl_buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p <= ' ' || *p >= 0x7f || *p == '%') {
			char hex[4];
			snprintf(hex, sizeof(hex), "%%%02X", *p);
			vl_buf_add(b, hex);
		} else {
			vl_buf_addn(b, (const char *)p, 1);
		}
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* NULL when the value is not well formed (raw blank, bad escape, NUL). */
static char *unescape(const char *v)
{
	size_t n = strlen(v);
	char *out = xmalloc(n + 1), *o = out;
	for (const char *p = v; *p; p++) {
		if (*p == '%') {
			int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);
			if (lo < 0 || (hi == 0 && lo == 0)) {
				free(out);
				return NULL;
			}
			*o++ = (char)(hi * 16 + lo);
			p += 2;
		} else if ((unsigned char)*p <= ' ' || (unsigned char)*p == 0x7f) {
			free(out);
			return NULL;
		} else {
			*o++ = *p;
		}
	}
	*o = 0;
	return out;
}

char *vl_state_escape(const char *s)
{
	struct vl_buf b = {0};
	put_escaped(&b, s);
	return b.s ? b.s : xstrdup("");
}

char *vl_state_unescape(const char *s)
{
	return unescape(s);
}

static bool has_control(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < ' ' || *p == 0x7f)
			return true;
	return false;
}

/* A namespace name of this lab: vlab-<lab>-<node>, node a valid name. */
static bool lab_ns_ok(const char *lab, const char *ns)
{
	size_t pl = strlen(VL_NETNS_PREFIX), ll = strlen(lab);
	if (strncmp(ns, VL_NETNS_PREFIX, pl) || strncmp(ns + pl, lab, ll) || ns[pl + ll] != '-')
		return false;
	return vl_name_ok(ns + pl + ll + 1, VL_NSNAME_MAX, NULL);
}

int vl_state_parse(FILE *f, const char *lab, struct vl_state *s)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	memset(s, 0, sizeof(*s));
	while ((len = getline(&line, &cap, f)) >= 0) {
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = 0;
		if (!len || line[0] == '#' || has_control(line) || (size_t)len != strlen(line)) {
			s->bad += len && line[0] != '#';
			continue;
		}
		char *sp = strchr(line, ' ');
		char *val = sp ? unescape(sp + 1) : NULL;
		if (!val) {
			s->bad++;
			continue;
		}
		*sp = 0;
		char **slot = NULL;
		if (!strcmp(line, "lab"))
			slot = &s->lab;
		else if (!strcmp(line, "file"))
			slot = &s->file;
		else if (!strcmp(line, "hash"))
			slot = &s->hash;
		else if (!strcmp(line, "status"))
			slot = &s->status;
		else if (!strcmp(line, "applying"))
			slot = &s->applying;
		if (slot) {
			free(*slot);
			*slot = val;
			continue;
		}
		if (!strcmp(line, "pid"))
			s->pid = strtol(val, NULL, 10);
		else if (!strcmp(line, "netns") && lab_ns_ok(lab, val))
			vl_strv_push(&s->netns, val);
		else if (!strcmp(line, "place"))
			vl_strv_push(&s->place, val);
		else if (!strcmp(line, "nplace"))
			vl_strv_push(&s->nplace, val);
		else
			s->bad++;
		free(val);
	}
	free(line);
	if (!s->lab)
		s->lab = xstrdup(lab);
	if (!s->status)
		s->status = xstrdup("building");
	return 0;
}

int vl_state_read(const char *lab, struct vl_state *s)
{
	char path[300];
	memset(s, 0, sizeof(*s));
	if (!vl_lab_name_ok(lab, NULL))
		return -EINVAL;
	vl_state_path(path, sizeof(path), lab, "state");
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	FILE *f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	int r = vl_state_parse(f, lab, s);
	fclose(f);
	return r;
}

void vl_state_free(struct vl_state *s)
{
	free(s->lab);
	free(s->file);
	free(s->hash);
	free(s->status);
	free(s->applying);
	vl_strv_free(&s->netns);
	vl_strv_free(&s->place);
	vl_strv_free(&s->nplace);
	memset(s, 0, sizeof(*s));
}

/* Create dir/leaf fresh (no symlink followed, O_EXCL) with `mode`. */
static int create_fresh(int dfd, const char *leaf, const char *shown, int flags, mode_t mode)
{
	for (int tries = 0; tries < 2; tries++) {
		int fd = openat(dfd, leaf, flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd >= 0) {
			fchmod(fd, mode); /* whatever the umask */
			return fd;
		}
		if (errno != EEXIST)
			return -errno;
		struct stat st;
		if (fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode)) {
			fprintf(stderr, "vlab: %s is %s: vlab will not write through it (remove it)\n",
				shown, S_ISLNK(st.st_mode) ? "a symbolic link" : "not a regular file");
			return -EEXIST;
		}
		unlinkat(dfd, leaf, 0); /* an old file of ours: start afresh */
	}
	return -EEXIST;
}

static void copy_topology(const char *lab, const char *file);

int vl_state_begin(const char *lab, const char *file, const char *hash)
{
	char path[300];
	vl_state_path(path, sizeof(path), lab, "state");
	int dfd = vl_state_dir(lab, false);
	if (dfd < 0)
		return dfd;
	int fd = create_fresh(dfd, "state", path, O_WRONLY | O_APPEND, 0644);
	close(dfd);
	if (fd < 0)
		return fd;
	struct vl_buf b = {0};
	vl_buf_add(&b, "# vlab state 2: what `vlab up` built; read by down, status, ls, clean.\n"
		       "# One \"key value\" a line; values %XX-escaped (bytes outside ! to ~, and %).\n");
	vl_buf_add(&b, "lab ");
	put_escaped(&b, lab);
	vl_buf_add(&b, "\nfile ");
	put_escaped(&b, file);
	vl_buf_add(&b, "\nhash ");
	put_escaped(&b, hash);
	vl_buf_printf(&b, "\npid %ld\nstatus building\n", (long)getpid());
	ssize_t n = write(fd, b.s, b.len);
	int r = n == (ssize_t)b.len ? 0 : -EIO;
	vl_buf_free(&b);
	if (r < 0) {
		close(fd);
		return r;
	}
	copy_topology(lab, file);
	return fd;
}

/* The copy `apply` diffs against when the file has been edited since. */
static void copy_topology(const char *lab, const char *file)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	struct vl_buf b = {0};
	char chunk[65536];
	ssize_t n;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		vl_buf_addn(&b, chunk, (size_t)n);
	close(fd);
	if (n == 0)
		vl_state_write_file(lab, "topology", b.s ? b.s : "", b.len, 0644);
	vl_buf_free(&b);
}

char *vl_state_read_text(const char *lab, const char *leaf, size_t *len)
{
	char path[300];
	vl_state_path(path, sizeof(path), lab, leaf);
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct vl_buf b = {0};
	char chunk[65536];
	ssize_t n;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		vl_buf_addn(&b, chunk, (size_t)n);
	int e = errno;
	close(fd);
	if (n < 0) {
		vl_buf_free(&b);
		errno = e;
		return NULL;
	}
	if (len)
		*len = b.len;
	return b.s ? b.s : xstrdup("");
}

static void put_line(struct vl_buf *b, const char *key, const char *val)
{
	vl_buf_add(b, key);
	vl_buf_add(b, " ");
	put_escaped(b, val);
	vl_buf_add(b, "\n");
}

int vl_state_rewrite(const char *lab, const struct vl_state *s)
{
	struct vl_buf b = {0};
	vl_buf_add(&b, "# vlab state 2: what `vlab up` built; read by down, status, ls, clean.\n"
		       "# One \"key value\" a line; values %XX-escaped (bytes outside ! to ~, and %).\n");
	put_line(&b, "lab", lab);
	put_line(&b, "file", s->file ? s->file : "");
	put_line(&b, "hash", s->hash ? s->hash : "");
	vl_buf_printf(&b, "pid %ld\n", (long)getpid());
	put_line(&b, "status", s->status ? s->status : "up");
	if (s->applying)
		put_line(&b, "applying", s->applying);
	for (size_t i = 0; i < s->netns.n; i++)
		put_line(&b, "netns", s->netns.v[i]);
	for (size_t i = 0; i < s->place.n; i++)
		put_line(&b, "place", s->place.v[i]);
	for (size_t i = 0; s->applying && i < s->nplace.n; i++)
		put_line(&b, "nplace", s->nplace.v[i]);
	int r = vl_state_write_file(lab, "state", b.s, b.len, 0644);
	vl_buf_free(&b);
	return r;
}

int vl_state_append(const char *lab, const char *key, const char *value)
{
	char path[300];
	vl_state_path(path, sizeof(path), lab, "state");
	int fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct vl_buf b = {0};
	put_line(&b, key, value);
	ssize_t n = write(fd, b.s, b.len);
	int r = n == (ssize_t)b.len ? 0 : n < 0 ? -errno : -EIO;
	vl_buf_free(&b);
	close(fd);
	return r;
}

int vl_state_add_netns(int fd, const char *ns)
{
	struct vl_buf b = {0};
	vl_buf_add(&b, "netns ");
	put_escaped(&b, ns);
	vl_buf_add(&b, "\n");
	/* one write: O_APPEND keeps lines of concurrent threads whole */
	ssize_t n = write(fd, b.s, b.len);
	int r = n == (ssize_t)b.len ? 0 : n < 0 ? -errno : -EIO;
	vl_buf_free(&b);
	return r;
}

int vl_state_finish(int fd)
{
	static const char up[] = "status up\n";
	int r = write(fd, up, sizeof(up) - 1) == (ssize_t)(sizeof(up) - 1) ? 0 : -EIO;
	close(fd);
	return r;
}

int vl_state_write_file(const char *lab, const char *leaf, const char *data, size_t len,
			mode_t mode)
{
	char tmp[64], shown[300];
	snprintf(tmp, sizeof(tmp), "%s.tmp", leaf);
	vl_state_path(shown, sizeof(shown), lab, tmp);
	int dfd = vl_state_dir(lab, false);
	if (dfd < 0)
		return dfd;
	int fd = create_fresh(dfd, tmp, shown, O_WRONLY, mode);
	int r = fd < 0 ? fd : 0;
	if (fd >= 0) {
		if (write(fd, data, len) != (ssize_t)len)
			r = -EIO;
		close(fd);
		if (!r && renameat(dfd, tmp, dfd, leaf) < 0)
			r = -errno;
		if (r)
			unlinkat(dfd, tmp, 0);
	}
	close(dfd);
	return r;
}

void vl_state_remove(const char *lab)
{
	static const char *const leaves[] = {"state", "state.tmp", "hosts", "hosts.tmp",
					     "changes", "changes.tmp", "topology", "topology.tmp", "topology.next",
					     "topology.next.tmp", "lock"};
	if (!vl_lab_name_ok(lab, NULL))
		return;
	int run = open(VL_RUN_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (run < 0)
		return;
	/* never through a symlink: only what sits in the lab's own directory */
	int dfd = openat(run, lab, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd >= 0) {
		vl_startup_remove_files(dfd); /* out/ and the daemons record */
		for (size_t i = 0; i < VL_ARRAY_SIZE(leaves); i++)
			unlinkat(dfd, leaves[i], 0);
		close(dfd);
		unlinkat(run, lab, AT_REMOVEDIR);
	}
	close(run);
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
		if (!vl_lab_name_ok(arg, NULL)) {
			fprintf(stderr, "vlab: \"%s\" is neither a lab name (up to %d of a-z, 0-9, '_') "
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
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "%s%s-", VL_NETNS_PREFIX, lab);
	DIR *d = opendir(VL_NETNS_DIR);
	struct dirent *e;
	/* Only what carries the lab's mark: a namespace whose loopback alias
	 * is "vlab:<lab>:<node>" (or an entry reserved with that xattr). The
	 * state's list is a record, never a licence to delete. */
	while (d && (e = readdir(d)))
		if (!strncmp(e->d_name, prefix, strlen(prefix)) && vl_netns_has_mark(e->d_name, lab))
			vl_strv_push(out, e->d_name);
	if (d)
		closedir(d);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(char *), cmp_str);
	for (size_t i = 0; st && i < st->netns.n; i++) {
		/* out is sorted: a search, not a scan (10,000 x 10,000 strcmp) */
		char *key = st->netns.v[i];
		bool have = out->n && bsearch(&key, out->v, out->n, sizeof(char *), cmp_str);
		if (!have && vl_netns_exists(st->netns.v[i]))
			fprintf(stderr, "vlab: %s/%s is listed in the state of lab %s but does not "
				"carry its mark (loopback alias %s%s:...): not vlab's, left alone\n",
				VL_NETNS_DIR, st->netns.v[i], lab, VL_ALIAS_PREFIX, lab);
	}
}

bool vl_lab_live_netns(const char *lab, struct vl_strv *out)
{
	struct vl_state st;
	bool have = vl_state_read(lab, &st) == 0;
	vl_lab_netns(lab, have ? &st : NULL, out);
	char dir[300];
	vl_state_path(dir, sizeof(dir), lab, NULL);
	bool running = have || out->n || access(dir, F_OK) == 0;
	if (have)
		vl_state_free(&st);
	return running;
}
