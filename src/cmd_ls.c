/* vlab ls [--json]: running labs, from /run/vlab. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "vlab/cmd.h"
#include "vlab/exec.h"
#include "vlab/state.h"

int cmd_ls(int argc, char **argv)
{
	bool json = argc == 2 && !strcmp(argv[1], "--json");
	if (argc != 1 && !json) {
		vl_usage(stderr, "ls");
		return VL_EXIT_USAGE;
	}
	struct vl_strv labs = {0};
	vl_state_list(&labs);
	struct vl_buf b = {0};
	if (json)
		vl_buf_add(&b, "{\"labs\":[");
	else if (!labs.n)
		vl_buf_add(&b, "no labs running\n");
	else
		vl_buf_printf(&b, "%-12s %-10s %6s  %s\n", "LAB", "STATUS", "NODES", "FILE");
	for (size_t i = 0; i < labs.n; i++) {
		struct vl_state st;
		bool have = vl_state_read(labs.v[i], &st) == 0;
		size_t present = 0;
		const char *status = "no-state";
		if (have) {
			for (size_t k = 0; k < st.netns.n; k++)
				present += vl_netns_exists(st.netns.v[k]);
			status = st.status;
			/* an up that died without finishing */
			if (strcmp(status, "up") && st.pid > 0 && kill((pid_t)st.pid, 0) < 0)
				status = "crashed";
			else if (!strcmp(status, "up") && present < st.netns.n)
				status = "partial";
		}
		if (json) {
			vl_buf_add(&b, i ? ",\n{\"lab\":" : "\n{\"lab\":");
			vl_buf_json_str(&b, labs.v[i]);
			vl_buf_add(&b, ",\"status\":");
			vl_buf_json_str(&b, status);
			if (have)
				vl_buf_printf(&b, ",\"nodes\":%zu,\"recorded\":%zu", present, st.netns.n);
			else
				vl_buf_add(&b, ",\"nodes\":null,\"recorded\":null");
			vl_buf_add(&b, ",\"file\":");
			if (have && st.file)
				vl_buf_json_str(&b, st.file);
			else
				vl_buf_add(&b, "null");
			vl_buf_add(&b, "}");
		} else if (have) {
			vl_buf_printf(&b, "%-12s %-10s %6zu  %s\n", labs.v[i], status, present,
				      st.file ? st.file : "-");
		} else {
			vl_buf_printf(&b, "%-12s %-10s %6s  %s\n", labs.v[i], status, "-", "-");
		}
		if (have)
			vl_state_free(&st);
	}
	if (json)
		vl_buf_add(&b, "]}\n");
	if (b.s)
		fputs(b.s, stdout);
	vl_buf_free(&b);
	vl_strv_free(&labs);
	return VL_EXIT_OK;
}
