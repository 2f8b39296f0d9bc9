/* vlab plan FILE [--json] [--teardown]: what `vlab up` would do, without
 * root and without touching the kernel. --against LAB: what `vlab apply
 * FILE` would do to running LAB (src/cmd_apply.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vlab/cmd.h"
#include "vlab/plan.h"

int cmd_plan(int argc, char **argv)
{
	const char *file = NULL, *against = NULL;
	bool json = false, teardown = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--teardown")) {
			teardown = true;
		} else if (!strcmp(argv[i], "--against") && i + 1 < argc) {
			against = argv[++i]; /* the difference apply would run */
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "vlab plan: unknown option \"%s\"\n", argv[i]);
			vl_usage(stderr, "plan");
			return VL_EXIT_USAGE;
		} else if (file) {
			fprintf(stderr, "vlab plan: one FILE only (got \"%s\" and \"%s\")\n",
				file, argv[i]);
			return VL_EXIT_USAGE;
		} else {
			file = argv[i];
		}
	}
	if (!file) {
		vl_usage(stderr, "plan");
		return VL_EXIT_USAGE;
	}

	if (against)
		return vl_diff_against(file, against, json);
	struct vl_plan p;
	int rc = vl_load_plan(file, false, &p);
	if (rc)
		return rc;
	struct vl_buf out = {0};
	if (json)
		vl_plan_json(&p, &out);
	else if (teardown)
		vl_plan_print_teardown(&p, &out);
	else
		vl_plan_print(&p, &out);
	/* --json --teardown: the JSON already holds "teardown" */
	if (out.len)
		fwrite(out.s, 1, out.len, stdout);
	vl_buf_free(&out);
	vl_plan_free(&p);
	if (fflush(stdout) != 0) {
		perror("vlab plan: stdout");
		rc = VL_EXIT_FAIL;
	}
	return rc;
}
