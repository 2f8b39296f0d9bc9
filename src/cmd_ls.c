/* vlab ls: running labs, from /run/vlab. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "vlab/cmd.h"
#include "vlab/exec.h"
#include "vlab/state.h"

int cmd_ls(int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		vl_usage(stderr, "ls");
		return VL_EXIT_USAGE;
	}
	struct vl_strv labs = {0};
	vl_state_list(&labs);
	if (!labs.n) {
		printf("no labs running\n");
		return VL_EXIT_OK;
	}
	printf("%-12s %-10s %6s  %s\n", "LAB", "STATUS", "NODES", "FILE");
	for (size_t i = 0; i < labs.n; i++) {
		struct vl_state st;
		if (vl_state_read(labs.v[i], &st) < 0) {
			printf("%-12s %-10s %6s  %s\n", labs.v[i], "no-state", "-", "-");
			continue;
		}
		size_t present = 0;
		for (size_t k = 0; k < st.netns.n; k++)
			present += vl_netns_exists(st.netns.v[k]);
		const char *status = st.status;
		/* an up that died without finishing */
		if (strcmp(status, "up") && st.pid > 0 && kill((pid_t)st.pid, 0) < 0)
			status = "crashed";
		else if (!strcmp(status, "up") && present < st.netns.n)
			status = "partial";
		printf("%-12s %-10s %6zu  %s\n", labs.v[i], status, present, st.file ? st.file : "-");
		vl_state_free(&st);
	}
	vl_strv_free(&labs);
	return VL_EXIT_OK;
}
