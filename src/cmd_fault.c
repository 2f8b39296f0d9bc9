/* vlab fault LAB NODE:IF flap PERIOD [for DURATION]
 *                        loss PERCENT for DURATION
 *                        delay TIME for DURATION
 * vlab fault LAB [--stop [NODE:IF]]
 * A scheduled fault: vlab makes the first change itself (so a refusal is
 * reported and nothing runs), then a small process it forks (setsid, no
 * exec) keeps the time, makes the later changes and restores what was
 * there when the fault ends: by itself, on SIGTERM (vlab fault --stop) or
 * never (vlab down kills it; the lab goes anyway). It holds no lock while
 * it sleeps and takes the lab's lock for each change. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "vlab/cmd.h"
#include "vlab/runtime.h"
#include "vlab/sig.h"
#include "vlab/state.h"

/* Sleep until `t` (monotonic) or a signal. */
static void sleep_until(double t)
{
	while (!vl_sig_caught()) {
		double left = t - vl_mono_s();
		if (left <= 0)
			return;
		struct timespec ts = {(time_t)left, (long)((left - (double)(time_t)left) * 1e9)};
		nanosleep(&ts, NULL); /* EINTR on a signal: the loop looks */
	}
}

struct job {
	const char *lab, *node, *nic;
	const struct vl_topology *t;
	struct vl_rt_place me;
	struct vl_rt_place peer;   /* flap: the cable's other end, which goes down */
	struct vl_fault_spec f;
	struct vl_shape before;    /* loss/delay: the shaping to restore */
	bool was_up;               /* flap: the admin state to restore */
};

/* Flap: the cable's other end down or up (see cmd_link.c), so the NIC
 * keeps its addresses; a node's NIC at that end gets back what the kernel
 * removed when it went down. */
static int flap_set(const struct job *j, bool up, bool *was_up)
{
	bool was = true;
	int r = vl_rt_admin(j->lab, j->peer.ns, j->peer.dev, up, &was);
	if (was_up)
		*was_up = was;
	if (r == 0 && up && !was && j->peer.node_nic)
		r = vl_rt_replumb(j->t, j->peer.ns, j->peer.dev);
	return r;
}

/* Take the lock for one change: 1 (held), 0 when the lab is gone or our
 * record is (down, or a new lab of the same name): then touch nothing;
 * -1 when another command held the lock all the while. */
static int take(const struct job *j, int *lock, bool drop_record)
{
	*lock = vl_state_lock_wait(j->lab, false, NULL, VL_LOCK_WAIT);
	if (*lock == -EWOULDBLOCK)
		return -1;
	if (*lock < 0)
		return 0;
	struct vl_changes c;
	vl_changes_read(j->lab, &c);
	long me = (long)getpid();
	bool mine = false;
	for (size_t i = 0; i < c.nfaults; i++)
		if (c.faults[i].pid == me && c.faults[i].start == vl_proc_start(me)) {
			mine = true;
			if (drop_record) {
				free(c.faults[i].node);
				free(c.faults[i].nic);
				free(c.faults[i].what);
				c.faults[i] = c.faults[--c.nfaults];
			}
			break;
		}
	if (mine && drop_record)
		vl_changes_write(j->lab, &c);
	vl_changes_free(&c);
	if (!mine) {
		vl_state_unlock(*lock);
		*lock = -1;
	}
	return mine ? 1 : 0;
}

static int restore(const struct job *j)
{
	if (j->f.kind == VL_FAULT_FLAP)
		return flap_set(j, j->was_up, NULL);
	return vl_rt_shape_set(j->lab, j->me.ns, j->me.dev, &j->before);
}

static int fault_main(struct job *j)
{
	double t0 = vl_mono_s();
	double end = j->f.duration_us ? t0 + (double)j->f.duration_us / 1e6 : 0;
	double half = (double)j->f.period_us / 2e6, next = t0 + half;
	bool down = true; /* flap: the parent pulled the cable */
	int lock;
	for (;;) {
		double wake = j->f.kind == VL_FAULT_FLAP ? next : end;
		if (end && wake > end)
			wake = end;
		sleep_until(wake);
		if (vl_sig_caught() || (end && vl_mono_s() >= end))
			break;
		int t = take(j, &lock, false);
		if (t == 0)
			return 0;
		if (t > 0) { /* busy all the while: skip this change */
			down = !down;
			flap_set(j, !down, NULL);
			vl_state_unlock(lock);
		}
		next += half;
		if (next < vl_mono_s())
			next = vl_mono_s() + half; /* late (a long lock wait): no burst of changes */
	}
	/* the end: restore and leave no record, under the lock (a busy lab
	 * is waited for: what the fault changed must not stay) */
	int t;
	for (int tries = 0; (t = take(j, &lock, true)) < 0 && tries < 6; tries++)
		;
	if (t <= 0)
		return t < 0 ? 1 : 0;
	int r = restore(j);
	vl_state_unlock(lock);
	return r < 0 ? 1 : 0;
}

/* The fault process: no terminal, no inherited descriptors (the lock
 * above all, and the caller's pipes: `$(vlab fault ...)` must return). */
static pid_t start_process(struct job *j, int lock)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	setsid();
	if (chdir("/") < 0) { /* hold no directory of the caller's */
	}
	prctl(PR_SET_NAME, "vlab-fault", 0, 0, 0);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	(void)lock;
	vl_sig_guard();
	/* the parent blocked them at its commit point: this process ends on them */
	vl_sig_release();
	_exit(fault_main(j));
}

static int stop_faults(const char *cmd, const char *labarg, const char *which)
{
	char node[VL_NODE_NAME_MAX + 1] = "", nic[VL_DEVNAME_MAX] = "";
	if (which && vl_rt_nodeif("fault", which, node, nic) < 0)
		return VL_EXIT_USAGE;
	struct vl_rt_lab L;
	int rc = vl_rt_open(cmd, labarg, false, &L);
	if (rc) {
		vl_rt_close(&L);
		return rc;
	}
	struct vl_changes c;
	vl_changes_read(L.lab, &c);
	vl_changes_prune(&c);
	vl_sig_guard();
	size_t n = 0;
	for (size_t i = 0; i < c.nfaults; i++) {
		struct vl_rt_fault *f = &c.faults[i];
		if (which && (strcmp(f->node, node) || strcmp(f->nic, nic)))
			continue;
		/* it restores on SIGTERM, taking the lock itself: we hold none */
		if (vl_proc_is(f->pid, f->start) && kill((pid_t)f->pid, SIGTERM) == 0)
			n++;
	}
	double until = vl_mono_s() + VL_LOCK_WAIT + 5;
	for (size_t i = 0; i < c.nfaults; i++) {
		struct vl_rt_fault *f = &c.faults[i];
		if (which && (strcmp(f->node, node) || strcmp(f->nic, nic)))
			continue;
		while (vl_proc_is(f->pid, f->start) && vl_mono_s() < until) {
			struct timespec ts = {0, 5 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
		if (vl_proc_is(f->pid, f->start)) {
			fprintf(stderr, "vlab fault: process %ld (%s on %s:%s) did not end\n", f->pid,
				f->what, f->node, f->nic);
			rc = VL_EXIT_FAIL;
		} else {
			vl_info("vlab: fault %s on %s:%s ended, state restored\n", f->what, f->node, f->nic);
		}
	}
	if (!n)
		printf("vlab: no fault running in lab %s%s%s\n", L.lab, which ? " on " : "",
		       which ? which : "");
	vl_changes_free(&c);
	vl_rt_close(&L);
	return vl_sig_exit(rc);
}

static int list_faults(const char *labarg)
{
	struct vl_rt_lab L;
	int rc = vl_rt_open("fault", labarg, false, &L);
	if (!rc) {
		struct vl_changes c;
		vl_changes_read(L.lab, &c);
		vl_changes_prune(&c);
		if (!c.nfaults)
			printf("vlab: no fault running in lab %s\n", L.lab);
		for (size_t i = 0; i < c.nfaults; i++)
			printf("%s:%s %s (pid %ld)\n", c.faults[i].node, c.faults[i].nic, c.faults[i].what,
			       c.faults[i].pid);
		vl_changes_free(&c);
	}
	vl_rt_close(&L);
	return rc;
}

int cmd_fault(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[2], "--stop") && argc <= 4)
		return stop_faults("fault", argv[1], argc == 4 ? argv[3] : NULL);
	if (argc == 2 && argv[1][0] != '-')
		return list_faults(argv[1]);
	if (argc < 4 || argv[1][0] == '-' || argv[2][0] == '-') {
		vl_usage(stderr, "fault");
		return VL_EXIT_USAGE;
	}
	char node[VL_NODE_NAME_MAX + 1], nic[VL_DEVNAME_MAX];
	if (vl_rt_nodeif("fault", argv[2], node, nic) < 0) {
		vl_usage(stderr, "fault");
		return VL_EXIT_USAGE;
	}
	struct job j = {.node = node, .nic = nic};
	struct vl_buf err = {0};
	if (vl_fault_parse(argv + 3, (size_t)(argc - 3), &j.f, &err) < 0) {
		fprintf(stderr, "vlab fault: %s\n", err.s);
		vl_buf_free(&err);
		vl_usage(stderr, "fault");
		return VL_EXIT_USAGE;
	}
	struct vl_rt_lab L;
	int rc = vl_rt_open("fault", argv[1], true, &L);
	struct vl_changes c = {0};
	if (rc)
		goto out;
	j.lab = L.lab;
	j.t = L.t;
	if (vl_rt_where("fault", L.t, node, nic, VL_DIR_OUT, &j.me) < 0 ||
	    vl_rt_where("fault", L.t, node, nic, VL_DIR_IN, &j.peer) < 0) {
		rc = VL_EXIT_USAGE;
		goto out;
	}
	vl_changes_read(L.lab, &c);
	vl_changes_prune(&c);
	int fi = vl_changes_fault(&c, node, nic);
	if (fi >= 0) {
		fprintf(stderr, "vlab fault: fault \"%s\" (pid %ld) already runs on %s:%s; end it first "
			"(vlab fault %s --stop %s:%s)\n", c.faults[fi].what, c.faults[fi].pid, node, nic,
			L.lab, node, nic);
		rc = VL_EXIT_FAIL;
		goto out;
	}
	/* what is there now: the recorded impairment or the file's */
	const struct vl_shape *rec = vl_changes_shape(&c, node, nic, VL_DIR_OUT);
	j.before = rec ? *rec : j.me.file;
	struct vl_shape during = j.before;
	if (j.f.kind == VL_FAULT_LOSS)
		during.loss_pct = j.f.loss_pct;
	if (j.f.kind == VL_FAULT_DELAY)
		during.delay_us = j.f.delay_us;
	during.set = true;

	vl_sig_guard();
	int r = j.f.kind == VL_FAULT_FLAP ?
		flap_set(&j, false, &j.was_up) :
		vl_rt_shape_set(L.lab, j.me.ns, j.me.dev, &during);
	if (r < 0) {
		fprintf(stderr, "vlab fault: %s:%s unchanged, no fault started\n", node, nic);
		rc = VL_EXIT_KERNEL;
		goto out;
	}
	if (j.f.kind == VL_FAULT_FLAP && !j.was_up) {
		/* a pulled cable stays pulled afterwards */
		j.was_up = false;
	}
	vl_sig_hold(); /* the fault runs from here: a late signal must not orphan it */
	pid_t pid = start_process(&j, L.lock);
	unsigned long long start = pid > 0 ? vl_proc_start(pid) : 0;
	struct vl_buf what = {0};
	vl_fault_text(&j.f, &what);
	if (pid > 0 && start) {
		struct vl_rt_fault *f = VL_PUSH(c.faults, c.nfaults, c.faults_cap);
		f->node = xstrdup(node);
		f->nic = xstrdup(nic);
		f->what = xstrdup(what.s);
		f->pid = pid;
		f->start = start;
		f->began = vl_rt_now();
		f->ends = j.f.duration_us ? f->began + (double)j.f.duration_us / 1e6 : 0;
		r = vl_changes_write(L.lab, &c);
	} else {
		r = pid < 0 ? -errno : -ESRCH;
	}
	if (r < 0) {
		if (pid > 0)
			kill(pid, SIGKILL);
		restore(&j);
		fprintf(stderr, "vlab fault: starting the fault process: %s; %s:%s restored\n",
			strerror(-r), node, nic);
		rc = VL_EXIT_FAIL;
	} else {
		vl_info("vlab: fault %s on %s:%s started (pid %d)%s; vlab fault %s --stop ends it\n",
		       what.s, node, nic, (int)pid, j.f.duration_us ? ", it ends by itself" : "",
		       L.lab);
	}
	vl_buf_free(&what);
out:
	vl_changes_free(&c);
	vl_rt_close(&L);
	return vl_sig_exit(rc);
}
