/* libFuzzer target: any bytes through the parser, validation and planner.
 * Build and run with `make fuzz FUZZ_SECONDS=600`. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vlab/diag.h"
#include "vlab/model.h"
#include "vlab/parse.h"
#include "vlab/plan.h"
#include "vlab/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	struct vl_topology t = {0};
	struct vl_diags d = {0};
	vl_parse_string("fuzz.ini", text, &t, &d);
	if (d.errors == 0 && vl_validate(&t, &d) == 0) {
		struct vl_plan p = {0};
		if (vl_plan_build(&t, &p, &d) == 0) {
			struct vl_buf b = {0};
			vl_plan_print(&p, &b);
			vl_plan_json(&p, &b);
			vl_buf_free(&b);
		}
		vl_plan_free(&p);
	}
	for (size_t i = 0; i < d.n; i++)
		free(vl_diag_format(&d.v[i]));
	vl_diags_free(&d);
	vl_topology_free(&t);
	free(text);
	return 0;
}
