/* vlab doctor [FILE]: which kernel features work here (probed for real in
 * a throwaway namespace), each with the CONFIG_ option that provides it;
 * with FILE, only what that lab needs, and exit 1 when something is
 * missing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vlab/cmd.h"
#include "vlab/exec.h"
#include "vlab/plan.h"
#include "vlab/state.h"

int cmd_doctor(int argc, char **argv)
{
	bool json = false;
	const char *file = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (argv[i][0] == '-' || file) {
			vl_usage(stderr, "doctor");
			return VL_EXIT_USAGE;
		} else {
			file = argv[i];
		}
	}
	int rc = vl_need_root("doctor");
	if (rc)
		return rc;
	uint32_t want = (1u << VL_FEAT__COUNT) - 1;
	if (file) {
		struct vl_plan p;
		rc = vl_load_plan(file, true, &p);
		if (rc)
			return rc;
		want = vl_plan_features(&p) | (1u << VL_FEAT_NETNS);
		vl_plan_free(&p);
	}
	uint32_t have = 0;
	vl_probe_features(want, &have);
	int missing = 0;
	struct vl_buf b = {0};
	if (json) {
		vl_buf_add(&b, "{\"file\":");
		if (file)
			vl_buf_json_str(&b, file);
		else
			vl_buf_add(&b, "null");
		vl_buf_add(&b, ",\"features\":[");
	} else {
		vl_buf_printf(&b, "%s\n", file ? "kernel features this lab needs:"
					      : "kernel features vlab can use:");
	}
	bool first = true;
	for (int f = 0; f < VL_FEAT__COUNT; f++) {
		if (!(want & (1u << f)))
			continue;
		const struct vl_feature_info *fi = vl_feature_info(f);
		bool ok = have & (1u << f);
		if (json) {
			vl_buf_add(&b, first ? "\n{\"name\":" : ",\n{\"name\":");
			vl_buf_json_str(&b, fi->name);
			vl_buf_add(&b, ",\"config\":");
			vl_buf_json_str(&b, fi->config);
			vl_buf_printf(&b, ",\"ok\":%s,\"optional\":%s}", ok ? "true" : "false",
				      fi->optional ? "true" : "false");
			first = false;
		} else {
			vl_buf_printf(&b, "  %-8s %-46s %s%s\n", ok ? "ok" : "missing", fi->name,
				      fi->config,
				      !ok && fi->optional ? " (optional: vlab works without it)" : "");
		}
		if (!ok && !fi->optional)
			missing++;
	}
	if (json)
		vl_buf_printf(&b, "],\"missing\":%d}\n", missing);
	else if (file && missing)
		vl_buf_printf(&b, "%d feature%s missing: `vlab up %s` would refuse to start; a "
			      "distribution kernel has them (see vlab(1), doctor)\n", missing,
			      missing == 1 ? "" : "s", file);
	else if (file)
		vl_buf_printf(&b, "all there: %s can run on this kernel\n", file);
	if (b.s)
		fputs(b.s, stdout);
	vl_buf_free(&b);
	return file && missing ? VL_EXIT_FAIL : VL_EXIT_OK;
}
