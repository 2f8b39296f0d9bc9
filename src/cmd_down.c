/* vlab down LAB|FILE: remove every namespace of the lab (from its state,
 * plus marked ones the state missed), their /etc/netns files and the
 * state. Needs no topology file; works after a crash or a half-done up. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vlab/cmd.h"
#include "vlab/exec.h"
#include "vlab/state.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

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

	double t0 = now_s();
	int lock = vl_state_lock(lab, false, NULL);
	if (lock == -EWOULDBLOCK) {
		fprintf(stderr, "vlab: lab %s is busy: another vlab command is working on it\n", lab);
		free(lab);
		return VL_EXIT_BUSY;
	}
	struct vl_state st;
	bool have_state = vl_state_read(lab, &st) == 0;
	struct vl_strv ns = {0};
	vl_lab_netns(lab, have_state ? &st : NULL, &ns);

	vl_netns_holders(lab, ns.v, ns.n);
	int n = vl_teardown_netns(ns.v, ns.n, 5.0);
	bool left = false;
	for (size_t i = 0; i < ns.n; i++)
		if (vl_netns_exists(ns.v[i]) || vl_netns_mounted(ns.v[i])) {
			fprintf(stderr, "vlab: namespace %s is still there\n", ns.v[i]);
			left = true;
		}
	if (lock >= 0 || have_state)
		vl_state_remove(lab);
	vl_state_unlock(lock);

	if (left) {
		rc = VL_EXIT_KERNEL;
	} else if (!n && !have_state && lock < 0) {
		printf("vlab: lab %s is not running: nothing to remove\n", lab);
	} else {
		printf("vlab: lab %s is down: removed %d namespace%s in %.3f s\n", lab, n,
		       n == 1 ? "" : "s", now_s() - t0);
	}
	if (have_state)
		vl_state_free(&st);
	vl_strv_free(&ns);
	free(lab);
	return rc;
}
