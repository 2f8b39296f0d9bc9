/* Startup commands: run = / run! = / daemon = on a node (see
 * include/vlab/startup.h for what runs where, the output files, the
 * daemons record and the approvals). */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vlab/cmd.h"
#include "vlab/paths.h"
#include "vlab/plan.h"
#include "vlab/startup.h"
#include "vlab/state.h"

bool vl_startup_confirmed;

static const char *const cmd_keys[] = {"run", "run!", "daemon"};

const char *vl_cmd_key(enum vl_cmd_kind k)
{
	return (unsigned)k < VL_ARRAY_SIZE(cmd_keys) ? cmd_keys[k] : "?";
}

int vl_cmd_kind_of(const char *key)
{
	for (size_t i = 0; i < VL_ARRAY_SIZE(cmd_keys); i++)
		if (!strcmp(key, cmd_keys[i]))
			return (int)i;
	return -1;
}

/* ---- the plan's part ------------------------------------------------------ */

void vl_startup_plan(const struct vl_topology *t, struct vl_plan *p)
{
	for (size_t i = 0; i < t->nnodes; i++) {
		const struct vl_node *n = &t->nodes[i];
		int runs = 0, daemons = 0;
		for (size_t j = 0; j < n->ncmds; j++) {
			struct vl_startup *s = VL_PUSH(p->startup, p->nstartup, p->startup_cap);
			s->kind = n->cmds[j].kind;
			snprintf(s->node, sizeof(s->node), "%s", n->name);
			s->n = s->kind == VL_CMD_DAEMON ? ++daemons : ++runs;
			s->cmd = xstrdup(n->cmds[j].cmd);
			s->line = n->cmds[j].loc.line;
		}
	}
}

void vl_startup_free(struct vl_plan *p)
{
	for (size_t i = 0; i < p->nstartup; i++)
		free(p->startup[i].cmd);
	free(p->startup);
	p->startup = NULL;
	p->nstartup = p->startup_cap = 0;
}

void vl_startup_print(const struct vl_plan *p, struct vl_buf *out)
{
	if (!p->nstartup)
		return;
	vl_buf_printf(out, "\n# startup commands: the file's own code, run as root by /bin/sh -c "
		      "inside each node after the lab is built (run, run! in order, then daemons); "
		      "`vlab up` asks before running commands it has not seen\n");
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < p->nstartup; i++) {
			const struct vl_startup *s = &p->startup[i];
			if ((s->kind == VL_CMD_DAEMON) != pass)
				continue;
			vl_buf_printf(out, "    %s: %s = %s  (line %d, output %s/%s/out/%s.%s.%d)\n",
				      s->node, vl_cmd_key(s->kind), s->cmd, s->line, VL_RUN_DIR, p->lab,
				      s->node, pass ? "daemon" : "run", s->n);
		}
}

void vl_startup_json(const struct vl_plan *p, struct vl_buf *out)
{
	if (!p->nstartup)
		return;
	vl_buf_add(out, ",\"startup\":[");
	for (size_t i = 0; i < p->nstartup; i++) {
		const struct vl_startup *s = &p->startup[i];
		vl_buf_add(out, i ? ",{\"node\":" : "{\"node\":");
		vl_buf_json_str(out, s->node);
		vl_buf_add(out, ",\"key\":");
		vl_buf_json_str(out, vl_cmd_key(s->kind));
		vl_buf_add(out, ",\"command\":");
		vl_buf_json_str(out, s->cmd);
		vl_buf_printf(out, ",\"line\":%d}", s->line);
	}
	vl_buf_add(out, "]");
}

void vl_startup_text(const struct vl_plan *p, struct vl_buf *out)
{
	for (size_t i = 0; i < p->nstartup; i++)
		vl_buf_printf(out, "%s %s %s\n", p->startup[i].node, vl_cmd_key(p->startup[i].kind),
			      p->startup[i].cmd);
}

void vl_startup_list(const struct vl_plan *p, const char *indent, struct vl_strv *out)
{
	for (size_t i = 0; i < p->nstartup; i++) {
		const struct vl_startup *s = &p->startup[i];
		char *l = xasprintf("%sline %d, in %s: %s = %s", indent, s->line, s->node,
				    vl_cmd_key(s->kind), s->cmd);
		vl_strv_push(out, l);
		free(l);
	}
}

static bool same_cmds(const struct vl_node *a, const struct vl_node *b)
{
	size_t na = a ? a->ncmds : 0, nb = b ? b->ncmds : 0;
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (a->cmds[i].kind != b->cmds[i].kind || strcmp(a->cmds[i].cmd, b->cmds[i].cmd))
			return false;
	return true;
}

static const struct vl_node *node_named(const struct vl_topology *t, const char *name)
{
	int i = vl_find_node(t, name);
	return i < 0 ? NULL : &t->nodes[i];
}

void vl_startup_refuse(const struct vl_topology *o, const struct vl_topology *n,
		       struct vl_strv *refuse)
{
	for (int side = 0; side < 2; side++) {
		const struct vl_topology *t = side ? o : n, *other = side ? n : o;
		for (size_t i = 0; i < t->nnodes; i++) {
			const struct vl_node *x = &t->nodes[i], *y = node_named(other, x->name);
			if (side && y)
				continue; /* compared from the new file's side */
			if (same_cmds(x, y))
				continue;
			char *l = xasprintf("node %s: its startup commands (run, run!, daemon) %s: they "
					    "run only when a lab comes up, and apply does not start or "
					    "stop them; run `vlab down %s`, then `vlab up` the file",
					    x->name, !y ? (side ? "go with the node" : "come with the new node")
					    : "changed", o->lab.name);
			vl_strv_push(refuse, l);
			free(l);
		}
	}
}

char *vl_startup_note(const struct vl_topology *t)
{
	size_t per[3] = {0}, n = 0;
	for (size_t i = 0; i < t->nnodes; i++)
		for (size_t j = 0; j < t->nodes[i].ncmds; j++, n++)
			per[t->nodes[i].cmds[j].kind]++;
	if (!n)
		return NULL;
	struct vl_buf b = {0};
	vl_buf_printf(&b, "runs %zu command%s as root inside its nodes at up (", n, n == 1 ? "" : "s");
	const char *sep = "";
	for (int k = 0; k < 3; k++)
		if (per[k]) {
			vl_buf_printf(&b, "%s%zu %s", sep, per[k], cmd_keys[k]);
			sep = ", ";
		}
	vl_buf_add(&b, "); `vlab plan` lists them, `vlab up` asks before running new ones");
	return b.s;
}

/* ---- trust ---------------------------------------------------------------- */

int vl_confirm_commands(const char *file, const struct vl_strv *lines, bool yes)
{
	if (!lines->n || yes)
		return 0;
	fprintf(stderr, "vlab: %s runs %zu command%s as root inside the lab:\n", file, lines->n,
		lines->n == 1 ? "" : "s");
	for (size_t i = 0; i < lines->n; i++)
		fprintf(stderr, "%s\n", lines->v[i]);
	return vl_confirm("running them", "Run them?");
}

/* The approvals file, opened without following a link, root's and
 * writable by root alone: -errno (-ENOENT: no approval yet). */
static int open_approved(bool create)
{
	if (create && mkdir("/var/lib", 0755) < 0 && errno != EEXIST)
		return -errno;
	int dfd = vl_checked_dir(VL_APPROVED_DIR, create);
	if (dfd < 0)
		return dfd;
	int fd = openat(dfd, "approved", (create ? O_WRONLY | O_APPEND | O_CREAT : O_RDONLY) |
			O_NOFOLLOW | O_CLOEXEC, 0600);
	int e = errno;
	close(dfd);
	if (fd < 0)
		return -e;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022)) {
		fprintf(stderr, "vlab: %s is not a file of root's that only root can write: "
			"approvals in it are ignored (remove it)\n", VL_APPROVED_FILE);
		close(fd);
		return -EPERM;
	}
	return fd;
}

static char *approval_line(const struct vl_plan *p)
{
	struct vl_buf t = {0};
	vl_startup_text(p, &t);
	char *e = vl_state_escape(t.s ? t.s : "");
	vl_buf_free(&t);
	return e;
}

bool vl_startup_approved(const struct vl_plan *p)
{
	if (!p->nstartup)
		return true;
	int fd = open_approved(false);
	if (fd < 0)
		return false;
	FILE *f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return false;
	}
	char *want = approval_line(p), *line = NULL;
	size_t cap = 0;
	bool ok = false;
	ssize_t n;
	while (!ok && (n = getline(&line, &cap, f)) >= 0) {
		if (n && line[n - 1] == '\n')
			line[n - 1] = '\0';
		ok = !strcmp(line, want);
	}
	free(line);
	free(want);
	fclose(f);
	return ok;
}

int vl_startup_approve(const struct vl_plan *p)
{
	int fd = open_approved(true);
	if (fd < 0) {
		fprintf(stderr, "vlab: warning: cannot remember the approval in %s: %s (you will be "
			"asked again)\n", VL_APPROVED_FILE, strerror(-fd));
		return fd;
	}
	char *l = approval_line(p);
	struct vl_buf b = {0};
	vl_buf_printf(&b, "%s\n", l);
	int r = write(fd, b.s, b.len) == (ssize_t)b.len ? 0 : -EIO;
	close(fd);
	free(l);
	vl_buf_free(&b);
	return r;
}

int vl_startup_trust(const char *file, const struct vl_plan *p, bool yes)
{
	if (!p->nstartup || vl_startup_approved(p))
		return 0;
	if (!yes && !vl_startup_confirmed) {
		struct vl_strv lines = {0};
		vl_startup_list(p, "  ", &lines);
		int rc = vl_confirm_commands(file, &lines, false);
		vl_strv_free(&lines);
		if (rc)
			return rc;
	}
	vl_startup_approve(p);
	return 0;
}

/* ---- the daemons record ---- */

void vl_daemons_free(struct vl_daemon_rec *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(d[i].node);
		free(d[i].cmd);
	}
	free(d);
}

void vl_daemons_format(const struct vl_daemon_rec *d, size_t n, struct vl_buf *out)
{
	for (size_t i = 0; i < n; i++) {
		char *node = vl_state_escape(d[i].node), *cmd = vl_state_escape(d[i].cmd);
		vl_buf_printf(out, "daemon %s %d %ld %llu %s\n", node, d[i].n, d[i].pid, d[i].start, cmd);
		free(node);
		free(cmd);
	}
}

int vl_daemons_parse(FILE *f, struct vl_daemon_rec **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	size_t cap = 0, bad = 0;
	char *line = NULL;
	size_t lcap = 0;
	while (getline(&line, &lcap, f) >= 0) {
		line[strcspn(line, "\n")] = '\0';
		char *w[7], *save = NULL;
		int nw = 0;
		for (char *t = strtok_r(line, " ", &save); t && nw < 7; t = strtok_r(NULL, " ", &save))
			w[nw++] = t;
		char *end1, *end2, *end3;
		long num = nw == 6 ? strtol(w[2], &end1, 10) : 0;
		long pid = nw == 6 ? strtol(w[3], &end2, 10) : 0;
		unsigned long long start = nw == 6 ? strtoull(w[4], &end3, 10) : 0;
		if (nw != 6 || strcmp(w[0], "daemon") || *end1 || *end2 || *end3 || num < 1 ||
		    num > 1000000 || pid <= 1 || !start) {
			bad++;
			continue;
		}
		char *un = vl_state_unescape(w[1]), *uc = vl_state_unescape(w[5]);
		if (!un || !uc) {
			free(un);
			free(uc);
			bad++;
			continue;
		}
		struct vl_daemon_rec *d = VL_PUSH(*out, *n, cap);
		d->node = un;
		d->cmd = uc;
		d->n = (int)num;
		d->pid = pid;
		d->start = start;
	}
	free(line);
	return (int)bad;
}

void vl_startup_remove_files(int dfd)
{
	unlinkat(dfd, "daemons", 0);
	unlinkat(dfd, "daemons.tmp", 0);
	int od = openat(dfd, "out", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (od >= 0) {
		DIR *d = fdopendir(od);
		if (d) {
			struct dirent *e;
			while ((e = readdir(d)))
				if (e->d_name[0] != '.' || (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")))
					unlinkat(dirfd(d), e->d_name, 0);
			closedir(d);
		} else {
			close(od);
		}
	}
	unlinkat(dfd, "out", AT_REMOVEDIR);
}

