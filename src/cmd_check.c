/* vlab check FILE: parse and validate; print every problem with its line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vlab/cmd.h"
#include "vlab/model.h"
#include "vlab/startup.h"
#include "vlab/util.h"

static void count(struct vl_buf *b, size_t n, const char *one, const char *many)
{
	if (b->len)
		vl_buf_add(b, ", ");
	vl_buf_printf(b, "%zu %s", n, n == 1 ? one : many);
}

int cmd_check(int argc, char **argv)
{
	bool quiet = false;
	const char *file = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) {
			quiet = true;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "vlab check: unknown option \"%s\"\n", argv[i]);
			vl_usage(stderr, "check");
			return VL_EXIT_USAGE;
		} else if (file) {
			fprintf(stderr, "vlab check: one FILE only\n");
			vl_usage(stderr, "check");
			return VL_EXIT_USAGE;
		} else {
			file = argv[i];
		}
	}
	if (!file) {
		vl_usage(stderr, "check");
		return VL_EXIT_USAGE;
	}
	struct vl_topology *t = vl_load(file, quiet);
	if (!t)
		return VL_EXIT_FAIL;

	struct vl_buf b = {0};
	count(&b, t->nnodes, "node", "nodes");
	count(&b, t->nswitches, "switch", "switches");
	if (t->noverlays)
		count(&b, t->noverlays, "overlay", "overlays");
	if (t->nlinks)
		count(&b, t->nlinks, "link", "links");
	if (t->nmirrors)
		count(&b, t->nmirrors, "mirror", "mirrors");
	if (t->ntests) {
		/* "; 6 assertions: 3 reach, 2 isolate, 1 path" */
		size_t n = 0, per[VL_ASSERT__COUNT] = {0};
		for (size_t i = 0; i < t->ntests; i++)
			for (size_t j = 0; j < t->tests[i].nasserts; j++, n++)
				per[t->tests[i].asserts[j].kind]++;
		vl_buf_printf(&b, "; %zu %s", n, n == 1 ? "assertion" : "assertions");
		const char *sep = ": ";
		for (int k = 0; k < VL_ASSERT__COUNT; k++)
			if (per[k]) {
				vl_buf_printf(&b, "%s%zu %s", sep, per[k],
					      vl_assert_key((enum vl_assert_kind)k));
				sep = ", ";
			}
	}
	vl_info("%s: ok (%s)\n", file, b.s);
	char *note = vl_startup_note(t); /* the file runs code as root: say so */
	if (note)
		vl_info("%s: note: %s\n", file, note);
	free(note);
	vl_buf_free(&b);
	vl_topology_free(t);
	free(t);
	return VL_EXIT_OK;
}
