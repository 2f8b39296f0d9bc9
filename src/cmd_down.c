/* vlab down LAB|FILE: remove every namespace of the lab (from its state,
 * plus marked ones the state missed), their /etc/netns files and the
 * state. Needs no topology file; works after a crash or a half-done up.
 * Always under the lab's lock; SIGINT/TERM/HUP do not cut it short. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vlab/cmd.h"
#include "vlab/exec.h"
#include "vlab/runtime.h"
#include "vlab/progress.h"
#include "vlab/sig.h"
#include "vlab/startup.h"
#include "vlab/state.h"

int cmd_down(int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '-') {
		vl_usage(stderr, "down");
		return VL_EXIT_USAGE;
	}
	int rc = vl_need_root("down");
	if (rc)
		return rc;
	char *lab = vl_resolve_lab(argv[1]);
	if (!lab)
		return VL_EXIT_FAIL;

	/* From here on a signal is noted and the teardown finished: a lab
	 * half torn down helps nobody. Exit 128+signal afterwards. */
	vl_sig_guard();
	double t0 = vl_mono_s();
	/* Always under the lab's lock, even when its directory does not exist
	 * yet: an `up` that just started holds it (or will find us holding
	 * it), so we never delete what a running `up` is making. */
	bool made_dir = false;
	int lock = vl_state_lock_wait(lab, true, &made_dir, VL_LOCK_WAIT);
	if (lock == -EWOULDBLOCK) {
		fprintf(stderr, "vlab: lab %s is busy: another vlab command is working on it; "
			"nothing removed\n", lab);
		free(lab);
		return vl_sig_exit(VL_EXIT_BUSY);
	}
	if (lock < 0) {
		fprintf(stderr, "vlab: locking lab %s in %s: %s (vlab needs root and a writable "
			"%s)\n", lab, VL_RUN_DIR, strerror(-lock), VL_RUN_DIR);
		free(lab);
		return vl_sig_exit(VL_EXIT_FAIL);
	}
	struct vl_state st;
	bool have_state = false;
	struct vl_strv ns = {0};
	bool left = false;
	int n = 0;
	if (vl_fault_phase("down-lock") < 0) {
		rc = VL_EXIT_KERNEL;
		goto out;
	}
	vl_rt_end_faults(lab); /* fault processes of vlab fault: the lab goes */
	vl_startup_end(lab);   /* daemon = commands: TERM, then KILL */
	have_state = vl_state_read(lab, &st) == 0;
	vl_lab_netns(lab, have_state ? &st : NULL, &ns);

	vl_netns_holders(lab, ns.v, ns.n);
	char what[96];
	snprintf(what, sizeof(what), "down %s", lab);
	vl_progress_start(what); /* on a terminal only */
	/* in two halves, for the `down-teardown` fault phase (test-only) */
	size_t half = ns.n / 2;
	/* (the second half also waits for the kernel to destroy both: down's
	 * time is what the lab cost to remove, and the next up starts on a
	 * quiet kernel) */
	double k = -1;
	n = vl_teardown_netns_ex(ns.v, half, 5.0, 0, NULL);
	if (vl_fault_phase("down-teardown") < 0) {
		vl_progress_stop();
		rc = VL_EXIT_KERNEL;
		goto out;
	}
	n += vl_teardown_netns_ex(ns.v ? ns.v + half : NULL, ns.n - half, 5.0,
				  vl_teardown_waits(ns.n), &k);
	vl_progress_stop();
	vl_debug("%zu namespaces dropped and gone in %.3f s\n", ns.n, vl_mono_s() - t0);
	bool *still = xcalloc(ns.n ? ns.n : 1, sizeof(bool));
	left = vl_netns_left(ns.v, ns.n, still) > 0;
	for (size_t i = 0; i < ns.n; i++)
		if (still[i])
			fprintf(stderr, "vlab: namespace %s is still there: a process outside vlab "
				"may hold it (named above, or `ip netns pids %s`); end it and run `vlab "
				"down %s` again\n", ns.v[i], ns.v[i], lab);
	free(still);
	if (vl_fault_phase("down-state") < 0) {
		rc = VL_EXIT_KERNEL;
		goto out;
	}
	vl_external_down(lab); /* what [lab] external put into this machine's namespace */
	vl_state_remove(lab);
	lock = -1; /* its file is gone with the directory */

	if (left) {
		rc = VL_EXIT_KERNEL;
	} else if (!n && !have_state && made_dir) {
		vl_info("vlab: lab %s is not running: nothing to remove\n", lab);
	} else {
		vl_info("vlab: lab %s is down: removed %d namespace%s in %.3f s", lab, n,
		       n == 1 ? "" : "s", vl_mono_s() - t0);
		if (k >= 0 && n)
			vl_info(" (%.3f s of it the kernel destroying them)", k);
		vl_info("\n");
	}
out:
	vl_state_unlock(lock);
	if (vl_sig_caught()) {
		int s = vl_sig_caught();
		fprintf(stderr, "vlab: signal %d (%s) received during down: %s\n", s, strsignal(s),
			rc ? "stopped" : "finished the teardown first, lab removed");
		if (!left)
			rc = vl_sig_exit(rc);
	}
	if (have_state)
		vl_state_free(&st);
	vl_strv_free(&ns);
	free(lab);
	return rc;
}
