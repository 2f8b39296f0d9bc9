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

struct vl_topology *vl_load(const char *file, bool quiet_warnings)
{
	struct vl_topology *t = xcalloc(1, sizeof(*t));
	struct vl_diags d = {0};

	if (vl_parse_file(file, t, &d) == 0)
		vl_validate(t, &d);
	vl_diags_report(&d, quiet_warnings || vl_quiet(), stderr); /* -q: errors only */
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
