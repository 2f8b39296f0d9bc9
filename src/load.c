/* vl_load: parse + validate a topology file for any command, printing every
 * diagnostic (sorted by line) to stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vlab/cmd.h"
#include "vlab/plan.h"
#include "vlab/diag.h"
#include "vlab/parse.h"
#include "vlab/util.h"
#include "vlab/validate.h"

/* Print the diagnostics, hiding warnings when asked. Members of a range
 * share lines, so the same message for [vm web2..1000] is folded into one
 * line with a count instead of a thousand. */
static void print_diags(struct vl_diags *d, bool quiet_warnings, FILE *out)
{
	struct vl_diags show = {0};
	for (size_t i = 0; i < d->n; i++)
		if (!quiet_warnings || d->v[i].sev == VL_ERROR)
			*VL_PUSH(show.v, show.n, show.cap) = d->v[i];
	/* sorts `show` only; its entries still belong to d */
	FILE *devnull = fopen("/dev/null", "w");
	if (devnull) {
		vl_diags_print(&show, devnull);
		fclose(devnull);
	}
	for (size_t i = 0; i < show.n;) {
		size_t j = i + 1;
		while (j < show.n && show.v[j].line == show.v[i].line && show.v[i].line > 0 &&
		       show.v[j].sev == show.v[i].sev && !strcmp(show.v[j].msg, show.v[i].msg) &&
		       !strcmp(show.v[j].file, show.v[i].file) &&
		       !!show.v[j].key == !!show.v[i].key &&
		       (!show.v[j].key || !strcmp(show.v[j].key, show.v[i].key)))
			j++;
		char *s = vl_diag_format(&show.v[i]);
		if (j - i > 1)
			fprintf(out, "%s (and %zu more like it)\n", s, j - i - 1);
		else
			fprintf(out, "%s\n", s);
		free(s);
		i = j;
	}
	free(show.v);
}

struct vl_topology *vl_load(const char *file, bool quiet_warnings)
{
	struct vl_topology *t = xcalloc(1, sizeof(*t));
	struct vl_diags d = {0};

	if (vl_parse_file(file, t, &d) == 0)
		vl_validate(t, &d);
	print_diags(&d, quiet_warnings, stderr);
	size_t errors = d.errors;
	vl_diags_free(&d);
	if (errors) {
		vl_topology_free(t);
		free(t);
		return NULL;
	}
	return t;
}

int vl_load_plan(const char *file, bool quiet_warnings, struct vl_plan *p)
{
	memset(p, 0, sizeof(*p));
	struct vl_topology *t = vl_load(file, quiet_warnings);
	if (!t)
		return VL_EXIT_FAIL;
	struct vl_diags d = {0};
	int rc = 0;
	if (vl_plan_build(t, p, &d) < 0) {
		vl_diags_print(&d, stderr);
		vl_plan_free(p);
		memset(p, 0, sizeof(*p));
		rc = VL_EXIT_FAIL;
	}
	vl_diags_free(&d);
	vl_topology_free(t);
	free(t);
	return rc;
}
