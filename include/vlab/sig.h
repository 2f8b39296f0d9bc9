/* The signal guard of every command that changes the machine (up, down,
 * clean, and test/apply/migrate/impair/link/fault as they land).
 *
 * vl_sig_guard() must run BEFORE the command's first change of anything
 * (state directory, lock, probe namespace). From then on SIGINT, SIGTERM
 * and SIGHUP only record themselves (the first one wins) and SIGPIPE is
 * ignored (writes to a closed pipe fail with EPIPE). The handlers are
 * installed WITHOUT SA_RESTART: a blocking call returns EINTR, so nothing
 * waits forever once the user asked to stop. The command polls
 * vl_sig_caught() at its own safe points, rolls back (up) or finishes
 * (down, clean), and exits 128+signal. Commands that only watch (capture,
 * stats --watch) use the same guard, with Ctrl-C as their normal end.
 *
 * vl_sig_hold() blocks the three signals in the calling thread: the commit
 * point of a command (after its last check); a signal that arrives after it
 * is discarded when the process exits. */
#ifndef VLAB_SIG_H
#define VLAB_SIG_H

#include <signal.h>

void vl_sig_guard(void);
/* Also call fn(sig) from the handler, once per signal caught (fn must be
 * async-signal-safe: capture uses pcap_breakloop). NULL removes it. */
void vl_sig_on_catch(void (*fn)(int sig));
/* The first signal caught since vl_sig_guard(), or 0. */
int vl_sig_caught(void);
/* The flag itself, for code that polls it (the executor). */
volatile sig_atomic_t *vl_sig_flag(void);
void vl_sig_hold(void);
/* Undo vl_sig_hold(): a command that goes on after an in-process `up`
 * (vlab test) takes the signals again; one held meanwhile arrives now. */
void vl_sig_release(void);
/* rc, or 128+signal when one was caught. */
int vl_sig_exit(int rc);

#endif
