/* The signal guard (see include/vlab/sig.h). */
#include <signal.h>
#include <stddef.h>

#include "vlab/sig.h"

static volatile sig_atomic_t caught;
static void (*volatile on_catch)(int);

static void on_signal(int sig)
{
	if (!caught)
		caught = sig;
	void (*fn)(int) = on_catch;
	if (fn)
		fn(sig);
}

void vl_sig_on_catch(void (*fn)(int sig))
{
	on_catch = fn;
}

void vl_sig_guard(void)
{
	/* no SA_RESTART: blocking calls return EINTR */
	struct sigaction sa = {.sa_handler = on_signal, .sa_flags = 0};
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGINT);
	sigaddset(&sa.sa_mask, SIGTERM);
	sigaddset(&sa.sa_mask, SIGHUP);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	struct sigaction ign = {.sa_handler = SIG_IGN};
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, NULL);
}

int vl_sig_caught(void)
{
	return (int)caught;
}

volatile sig_atomic_t *vl_sig_flag(void)
{
	return &caught;
}

/* SIGINT, SIGTERM and SIGHUP blocked (SIG_BLOCK) or not (SIG_UNBLOCK) in
 * the calling thread. */
static void mask_three(int how)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGINT);
	sigaddset(&s, SIGTERM);
	sigaddset(&s, SIGHUP);
	pthread_sigmask(how, &s, NULL);
}

void vl_sig_hold(void)
{
	mask_three(SIG_BLOCK);
}

void vl_sig_release(void)
{
	mask_three(SIG_UNBLOCK);
}

int vl_sig_exit(int rc)
{
	return caught ? 128 + (int)caught : rc;
}
