/* vlab check FILE: parse and validate; print every problem with its line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vlab/cmd.h"
#include "vlab/diag.h"
#include "vlab/model.h"
#include "vlab/parse.h"
#include "vlab/startup.h"
#include "vlab/util.h"
#include "vlab/validate.h"

static void count(struct vl_buf *b, size_t n, const char *one, const char *many)
{
	if (b->len)
		vl_buf_add(b, ", ");
	vl_buf_printf(b, "%zu %s", n, n == 1 ? one : many);
}

/* check --json: every diagnostic (none folded), counts, and whether the
 * file runs commands; exit status as without --json. */
static int check_json(const char *file)
{
	struct vl_topology t = {0};
	struct vl_diags d = {0};
	if (vl_parse_file(file, &t, &d) == 0)
		vl_validate(&t, &d);
	struct vl_buf b = {0};
	vl_buf_add(&b, "{\"file\":");
	vl_buf_json_str(&b, file);
	vl_buf_printf(&b, ",\"ok\":%s,\"errors\":%zu,\"warnings\":%zu,\"diagnostics\":",
		      d.errors ? "false" : "true", d.errors, d.warnings);
	vl_diags_json(&d, &b);
	if (d.errors) {
		vl_buf_add(&b, ",\"lab\":null,\"counts\":null,\"runs_commands\":null}\n");
	} else {
		size_t na = 0;
		for (size_t i = 0; i < t.ntests; i++)
			na += t.tests[i].nasserts;
		vl_buf_add(&b, ",\"lab\":");
		vl_buf_json_str(&b, t.lab.name ? t.lab.name : "");
		vl_buf_printf(&b, ",\"counts\":{\"nodes\":%zu,\"switches\":%zu,\"overlays\":%zu,"
			      "\"links\":%zu,\"mirrors\":%zu,\"assertions\":%zu}", t.nnodes,
			      t.nswitches, t.noverlays, t.nlinks, t.nmirrors, na);
		char *note = vl_startup_note(&t);
		vl_buf_printf(&b, ",\"runs_commands\":%s}\n", note ? "true" : "false");
		free(note);
	}
	fputs(b.s, stdout);
	vl_buf_free(&b);
	int rc = d.errors ? VL_EXIT_FAIL : VL_EXIT_OK;
	vl_diags_free(&d);
	vl_topology_free(&t);
	return rc;
}

int cmd_check(int argc, char **argv)
{
	bool quiet = vl_quiet(), json = false;
	const char *file = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) {
			quiet = true;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
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
	if (json)
		return check_json(file);
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
