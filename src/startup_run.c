/* Startup commands, the running part: run commands, daemons, their
 * ending and their status (see include/vlab/startup.h). Separate from
 * src/startup.c (the pure part and the approvals) because entering a node
 * needs src/cmd_exec.c. */
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vlab/cmd.h"
#include "vlab/exec.h"
#include "vlab/paths.h"
#include "vlab/plan.h"
#include "vlab/runtime.h"
#include "vlab/sig.h"
#include "vlab/startup.h"
#include "vlab/state.h"

extern char **environ;

/* ---- running -------------------------------------------------------------- */

/* A fresh output file /run/vlab/<lab>/out/<name>: fd or -errno. */
static int open_out(const char *lab, const char *name)
{
	int dfd = vl_state_dir(lab, false);
	if (dfd < 0)
		return dfd;
	if (mkdirat(dfd, "out", 0755) < 0 && errno != EEXIST) {
		int e = errno;
		close(dfd);
		return -e;
	}
	int od = openat(dfd, "out", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int e = errno;
	close(dfd);
	if (od < 0)
		return -e;
	struct stat st;
	if (fstat(od, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 022)) {
		close(od);
		return -EPERM;
	}
	fchmod(od, 0755);
	int fd = -1;
	for (int tries = 0; tries < 2 && fd < 0; tries++) {
		fd = openat(od, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0 && errno == EEXIST)
			unlinkat(od, name, 0); /* only a name in our own directory */
		else if (fd < 0)
			break;
	}
	e = errno;
	close(od);
	if (fd < 0)
		return -e;
	fchmod(fd, 0644);
	return fd;
}

static void out_name(const struct vl_startup *s, char *buf, size_t n)
{
	snprintf(buf, n, "%s.%s.%d", s->node, s->kind == VL_CMD_DAEMON ? "daemon" : "run", s->n);
}

/* The last VL_STARTUP_TAIL lines of an output file, each "    | LINE". */
static void tail_of(const char *lab, const char *name, struct vl_buf *out)
{
	char path[400];
	snprintf(path, sizeof(path), "%s/%s/out/%s", VL_RUN_DIR, lab, name);
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	char buf[4096];
	off_t end = lseek(fd, 0, SEEK_END);
	off_t from = end > (off_t)sizeof(buf) - 1 ? end - (off_t)sizeof(buf) + 1 : 0;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, from);
	close(fd);
	if (n <= 0) {
		vl_buf_add(out, "\n    (no output)");
		return;
	}
	buf[n] = '\0';
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	int lines = 0;
	char *p = buf + n;
	while (p > buf && lines < VL_STARTUP_TAIL) {
		p--;
		if (*p == '\n')
			lines++;
	}
	if (*p == '\n')
		p++;
	for (char *l = p; l && *l;) {
		char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		vl_buf_add(out, "\n    | ");
		for (size_t i = 0; i < len; i++) /* no terminal controls from the command */
			vl_buf_addn(out, isprint((unsigned char)l[i]) || l[i] == '\t' ? &l[i] : "?", 1);
		l = nl ? nl + 1 : NULL;
	}
}

static void close_from(int lowest, int keep)
{
	for (int fd = lowest; fd < 1024; fd++)
		if (fd != keep)
			close(fd);
}

/* In a forked child: become the command inside the node. Returns only on
 * failure (an errno value; the reason is in the output file). */
static int become(const char *lab, const char *node, const char *cmd, const char *dir, int outfd,
		  int keep)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null >= 0)
		dup2(null, STDIN_FILENO);
	dup2(outfd, STDOUT_FILENO);
	dup2(outfd, STDERR_FILENO);
	close_from(3, keep);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (vl_node_enter(lab, node))
		return ENOENT;
	/* marks it as the lab's: `down` ends what a command left behind */
	setenv("VLAB_LAB", lab, 1);
	setenv("VLAB_NODE", node, 1);
	if (!dir || chdir(dir) < 0) {
		if (dir)
			fprintf(stderr, "vlab: cannot enter %s: %s; running in /\n", dir, strerror(errno));
		if (chdir("/") < 0) {
		}
	}
	char *argv[] = {"sh", "-c", (char *)cmd, NULL};
	execve("/bin/sh", argv, environ);
	int e = errno;
	fprintf(stderr, "vlab: /bin/sh: %s\n", strerror(e));
	return e;
}

static void say_status(int status, struct vl_buf *b)
{
	if (WIFEXITED(status))
		vl_buf_printf(b, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		vl_buf_printf(b, "was killed by signal %d (%s)", WTERMSIG(status),
			      strsignal(WTERMSIG(status)));
	else
		vl_buf_add(b, "ended");
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* One run command: 0 done (or run! failed: warned), -1 failed (err), 1 signal. */
static int run_one(const struct vl_plan *p, const struct vl_startup *s, const char *file,
		   const char *dir, struct vl_buf *err)
{
	char name[VL_NODE_NAME_MAX + 32];
	out_name(s, name, sizeof(name));
	int fd = open_out(p->lab, name);
	if (fd < 0) {
		vl_buf_printf(err, "vlab: %s:%d: %s %s: cannot create its output file %s/%s/out/%s: %s",
			      file, s->line, s->node, vl_cmd_key(s->kind), VL_RUN_DIR, p->lab, name,
			      strerror(-fd));
		return -1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(fd);
		vl_buf_printf(err, "vlab: %s:%d: %s %s: fork: %s", file, s->line, s->node,
			      vl_cmd_key(s->kind), strerror(e));
		return -1;
	}
	if (pid == 0) {
		setpgid(0, 0); /* its own group: a signal to up ends the whole command */
		_exit(become(p->lab, s->node, s->cmd, dir, fd, -1) == ENOENT ? 126 : 127);
	}
	close(fd);
	int status = 0;
	bool stopped = false;
	for (;;) {
		pid_t r = waitpid(pid, &status, 0);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			break;
		if (vl_sig_caught() && !stopped) {
			/* the user asked to stop: end the command, then roll back */
			stopped = true;
			kill(-pid, SIGTERM);
			double until = vl_mono_s() + VL_DAEMON_GRACE;
			while (waitpid(pid, &status, WNOHANG) == 0 && vl_mono_s() < until)
				sleep_ms(10);
			kill(-pid, SIGKILL);
		}
	}
	if (stopped)
		return 1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	struct vl_buf b = {0};
	vl_buf_printf(&b, "%s:%d: [%s] %s = %s: ", file, s->line, s->node, vl_cmd_key(s->kind),
		      s->cmd);
	say_status(status, &b);
	vl_buf_printf(&b, "; last lines of its output (%s/%s/out/%s):", VL_RUN_DIR, p->lab, name);
	tail_of(p->lab, name, &b);
	if (s->kind == VL_CMD_RUN_MAYFAIL) {
		fprintf(stderr, "vlab: warning: %s\nvlab: (run! may fail: going on)\n", b.s);
		vl_buf_free(&b);
		return 0;
	}
	vl_buf_printf(err, "vlab: %s", b.s);
	vl_buf_free(&b);
	return -1;
}


static void daemons_read(const char *lab, struct vl_daemon_rec **d, size_t *n)
{
	*d = NULL;
	*n = 0;
	int dfd = vl_state_dir(lab, false);
	if (dfd < 0)
		return;
	int fd = openat(dfd, "daemons", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	close(dfd);
	if (fd < 0)
		return;
	FILE *f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return;
	}
	vl_daemons_parse(f, d, n);
	fclose(f);
}

static int daemons_write(const char *lab, const struct vl_daemon_rec *d, size_t n)
{
	struct vl_buf b = {0};
	vl_daemons_format(d, n, &b);
	int r = vl_state_write_file(lab, "daemons", b.s ? b.s : "", b.len, 0644);
	vl_buf_free(&b);
	return r;
}

/* Is any process of group `pgid` alive (zombies do not count: nothing may
 * reap them where no init does)? */
static bool group_alive(long pgid)
{
	DIR *d = opendir("/proc");
	if (!d)
		return kill((pid_t)-pgid, 0) == 0;
	struct dirent *e;
	bool alive = false;
	while (!alive && (e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		char path[300], buf[1024];
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		char *p = strrchr(buf, ')');
		char state;
		long ppid, pgrp;
		if (p && sscanf(p + 1, " %c %ld %ld", &state, &ppid, &pgrp) == 3 && pgrp == pgid &&
		    state != 'Z' && state != 'X')
			alive = true;
	}
	closedir(d);
	return alive;
}

/* Start one daemon, recorded in `recs` (and on disk) before it execs.
 * 0, or -1 with the message in err. */
static int start_daemon(const struct vl_plan *p, const struct vl_startup *s, const char *file,
			const char *dir, struct vl_daemon_rec **recs, size_t *nrecs, size_t *cap,
			struct vl_buf *err)
{
	char name[VL_NODE_NAME_MAX + 32];
	out_name(s, name, sizeof(name));
	int fd = open_out(p->lab, name);
	int gp[2] = {-1, -1}, go[2] = {-1, -1}, ex[2] = {-1, -1};
	if (fd < 0 || pipe2(gp, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0 ||
	    pipe2(ex, O_CLOEXEC) < 0) {
		int e = fd < 0 ? -fd : errno;
		vl_buf_printf(err, "vlab: %s:%d: [%s] daemon: cannot prepare it: %s", file, s->line,
			      s->node, strerror(e));
		goto fail;
	}
	fflush(NULL);
	pid_t c = fork();
	if (c == 0) {
		pid_t g = fork();
		if (g == 0) {
			/* the daemon: its own session, waits for its record */
			setsid();
			close(go[1]);
			char x;
			if (read(go[0], &x, 1) != 1)
				_exit(0); /* vlab died before recording it: never run */
			int r = become(p->lab, s->node, s->cmd, dir, fd, ex[1]);
			if (write(ex[1], &r, sizeof(r)) < 0) {
			}
			_exit(127);
		}
		if (write(gp[1], &g, sizeof(g)) < 0) {
		}
		_exit(0);
	}
	if (c < 0) {
		vl_buf_printf(err, "vlab: %s:%d: [%s] daemon: fork: %s", file, s->line, s->node,
			      strerror(errno));
		goto fail;
	}
	close(gp[1]);
	gp[1] = -1;
	close(go[0]);
	go[0] = -1;
	close(ex[1]);
	ex[1] = -1;
	close(fd);
	fd = -1;
	pid_t g = -1;
	ssize_t got;
	while ((got = read(gp[0], &g, sizeof(g))) < 0 && errno == EINTR)
		;
	while (waitpid(c, NULL, 0) < 0 && errno == EINTR)
		;
	unsigned long long start = got == sizeof(g) && g > 0 ? vl_proc_start(g) : 0;
	if (!start) {
		vl_buf_printf(err, "vlab: %s:%d: [%s] daemon: its process did not start", file,
			      s->line, s->node);
		goto fail;
	}
	struct vl_daemon_rec *d = VL_PUSH(*recs, *nrecs, *cap);
	d->node = xstrdup(s->node);
	d->cmd = xstrdup(s->cmd);
	d->n = s->n;
	d->pid = g;
	d->start = start;
	int r = daemons_write(p->lab, *recs, *nrecs);
	if (r < 0) {
		vl_buf_printf(err, "vlab: recording daemon %s.%d in %s/%s/daemons: %s", s->node, s->n,
			      VL_RUN_DIR, p->lab, strerror(-r));
		kill(g, SIGKILL); /* never ran: it waits for the go below */
		(*nrecs)--;
		free(d->node);
		free(d->cmd);
		goto fail;
	}
	/* test-only: recorded, not started (kill -9 here: it never runs) */
	if (vl_fault_phase("daemon-record") < 0) {
		vl_buf_printf(err, "vlab: daemon %s.%d not started (fault hook)", s->node, s->n);
		goto fail;
	}
	char x = 1;
	if (write(go[1], &x, 1) != 1) {
	}
	close(go[1]);
	go[1] = -1;
	int code = 0;
	while ((got = read(ex[0], &code, sizeof(code))) < 0 && errno == EINTR)
		;
	close(ex[0]);
	ex[0] = -1;
	close(gp[0]);
	if (got > 0) {
		struct vl_buf b = {0};
		tail_of(p->lab, name, &b);
		vl_buf_printf(err, "vlab: %s:%d: [%s] daemon = %s: could not be started: %s%s", file,
			      s->line, s->node, s->cmd, strerror(code), b.s ? b.s : "");
		vl_buf_free(&b);
		return -1;
	}
	vl_info("vlab: daemon %s.%d started in %s (pid %d): %s\n", s->node, s->n, s->node, (int)g,
	       s->cmd);
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (gp[i] >= 0)
			close(gp[i]);
		if (go[i] >= 0)
			close(go[i]);
		if (ex[i] >= 0)
			close(ex[i]);
	}
	if (fd >= 0)
		close(fd);
	return -1;
}

int vl_startup_up(const struct vl_plan *p, const char *file, const char *dir, struct vl_buf *err)
{
	if (!p->nstartup)
		return 0;
	size_t nrun = 0;
	for (size_t i = 0; i < p->nstartup; i++) {
		const struct vl_startup *s = &p->startup[i];
		if (s->kind == VL_CMD_DAEMON)
			continue;
		if (vl_sig_caught())
			return 1;
		int r = run_one(p, s, file, dir, err);
		if (r)
			return r;
		nrun++;
	}
	if (nrun)
		vl_info("vlab: ran %zu startup command%s (output in %s/%s/out/)\n", nrun,
		       nrun == 1 ? "" : "s", VL_RUN_DIR, p->lab);
	struct vl_daemon_rec *recs = NULL;
	size_t nrecs = 0, cap = 0;
	int rc = 0;
	for (size_t i = 0; i < p->nstartup && !rc; i++) {
		const struct vl_startup *s = &p->startup[i];
		if (s->kind != VL_CMD_DAEMON)
			continue;
		if (vl_sig_caught())
			rc = 1;
		else if (start_daemon(p, s, file, dir, &recs, &nrecs, &cap, err) < 0)
			rc = -1;
	}
	vl_daemons_free(recs, nrecs);
	/* test-only: daemons running, the lab not yet up */
	if (!rc && vl_fault_phase("daemons") < 0) {
		vl_buf_printf(err, "vlab: phase daemons: %s (injected by VLAB_FAULT_AT, a test-only "
			      "hook)", strerror(EIO));
		rc = -1;
	}
	return rc;
}

int vl_startup_end(const char *lab)
{
	struct vl_daemon_rec *d;
	size_t n;
	daemons_read(lab, &d, &n);
	bool *sent = xcalloc(n ? n : 1, sizeof(*sent));
	int ended = 0;
	for (size_t i = 0; i < n; i++)
		if (vl_proc_is(d[i].pid, d[i].start) && kill((pid_t)-d[i].pid, SIGTERM) == 0) {
			sent[i] = true;
			ended++;
		}
	double until = vl_mono_s() + VL_DAEMON_GRACE;
	for (size_t i = 0; i < n; i++) {
		if (!sent[i])
			continue;
		while (group_alive(d[i].pid) && vl_mono_s() < until)
			sleep_ms(10);
		bool killed = false;
		if (group_alive(d[i].pid)) {
			kill((pid_t)-d[i].pid, SIGKILL);
			killed = true;
			double k = vl_mono_s() + 5;
			while (group_alive(d[i].pid) && vl_mono_s() < k)
				sleep_ms(10);
		}
		if (group_alive(d[i].pid))
			fprintf(stderr, "vlab: daemon %s.%d (pid %ld) did not end\n", d[i].node, d[i].n,
				d[i].pid);
		else
			vl_info("vlab: ended daemon %s.%d (pid %ld%s): %s\n", d[i].node, d[i].n, d[i].pid,
			       killed ? ", SIGKILL after SIGTERM" : "", d[i].cmd);
	}
	int dfd = vl_state_dir(lab, false);
	if (dfd >= 0) {
		unlinkat(dfd, "daemons", 0);
		close(dfd);
	}
	free(sent);
	vl_daemons_free(d, n);
	return ended;
}

void vl_startup_status_text(const char *lab)
{
	struct vl_daemon_rec *d;
	size_t n;
	daemons_read(lab, &d, &n);
	if (n)
		printf("  daemons:\n");
	for (size_t i = 0; i < n; i++)
		printf("    %s.%d pid %ld %s: %s\n", d[i].node, d[i].n, d[i].pid,
		       vl_proc_is(d[i].pid, d[i].start) ? "running" : "not running (exited)", d[i].cmd);
	vl_daemons_free(d, n);
}

void vl_startup_status_json(const char *lab, struct vl_buf *out)
{
	struct vl_daemon_rec *d;
	size_t n;
	daemons_read(lab, &d, &n);
	vl_buf_add(out, "[");
	for (size_t i = 0; i < n; i++) {
		vl_buf_add(out, i ? ",{\"node\":" : "{\"node\":");
		vl_buf_json_str(out, d[i].node);
		vl_buf_printf(out, ",\"n\":%d,\"pid\":%ld,\"running\":%s,\"command\":", d[i].n, d[i].pid,
			      vl_proc_is(d[i].pid, d[i].start) ? "true" : "false");
		vl_buf_json_str(out, d[i].cmd);
		vl_buf_add(out, "}");
	}
	vl_buf_add(out, "]");
	vl_daemons_free(d, n);
}
