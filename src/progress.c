/* The progress line (see include/vlab/progress.h). */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "vlab/exec.h"
#include "vlab/progress.h"
#include "vlab/sig.h"
#include "vlab/util.h"

static struct {
	struct vl_exec_progress c;
	pthread_t tid;
	pthread_mutex_t lock;
	pthread_cond_t cv;
	bool running, stop, drawn;
	char what[96];
	double t0;
} P = {.lock = PTHREAD_MUTEX_INITIALIZER};

#define LOAD(f) atomic_load_explicit(&P.c.f, memory_order_relaxed)

static void draw(void)
{
	size_t nd = LOAD(netns_done), nt = LOAD(netns_total);
	size_t od = LOAD(ops_done), ot = LOAD(ops_total);
	char ns[64] = "", ops[64] = "";
	if (nt)
		snprintf(ns, sizeof(ns), " namespaces %zu/%zu,", nd, nt);
	if (ot)
		snprintf(ops, sizeof(ops), " operations %zu/%zu,", od, ot);
	/* \r and erase-to-end-of-line: one line, redrawn in place */
	fprintf(stderr, "\rvlab: %s:%s%s %.1f s\033[K", P.what, ns, ops, vl_mono_s() - P.t0);
	fflush(stderr);
	P.drawn = true;
}

static void *run(void *arg)
{
	(void)arg;
	/* signals are the command's: let its other threads take them */
	vl_sig_hold();
	pthread_mutex_lock(&P.lock);
	/* nothing for the first 300 ms: a small lab is done before that */
	double next = P.t0 + 0.3;
	while (!P.stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		double wait = next - vl_mono_s();
		if (wait > 0) {
			long ns = ts.tv_nsec + (long)(wait * 1e9);
			ts.tv_sec += ns / 1000000000L;
			ts.tv_nsec = ns % 1000000000L;
			pthread_cond_timedwait(&P.cv, &P.lock, &ts);
			continue;
		}
		draw();
		next = vl_mono_s() + 0.1;
	}
	if (P.drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	pthread_mutex_unlock(&P.lock);
	return NULL;
}

void vl_progress_start(const char *what)
{
	if (P.running || vl_verbosity() != VL_NORMAL || !vl_tty(stderr))
		return;
	memset(&P.c, 0, sizeof(P.c));
	snprintf(P.what, sizeof(P.what), "%s", what);
	P.t0 = vl_mono_s();
	P.stop = P.drawn = false;
	pthread_cond_init(&P.cv, NULL);
	vl_exec_set_progress(&P.c);
	if (pthread_create(&P.tid, NULL, run, NULL) != 0) {
		vl_exec_set_progress(NULL);
		pthread_cond_destroy(&P.cv);
		return;
	}
	P.running = true;
}

void vl_progress_stop(void)
{
	if (!P.running)
		return;
	pthread_mutex_lock(&P.lock);
	P.stop = true;
	pthread_cond_signal(&P.cv);
	pthread_mutex_unlock(&P.lock);
	pthread_join(P.tid, NULL);
	vl_exec_set_progress(NULL);
	pthread_cond_destroy(&P.cv);
	P.running = false;
}
