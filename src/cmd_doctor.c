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
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		vl_usage(stderr, "doctor");
		return VL_EXIT_USAGE;
	}
	int rc = vl_need_root("doctor");
	if (rc)
		return rc;
	uint32_t want = (1u << VL_FEAT__COUNT) - 1;
	if (argc == 2) {
		struct vl_plan p;
		rc = vl_load_plan(argv[1], true, &p);
		if (rc)
			return rc;
		want = vl_plan_features(&p) | (1u << VL_FEAT_NETNS);
		vl_plan_free(&p);
	}
	uint32_t have = 0;
	vl_probe_features(want, &have);
	int missing = 0;
	printf("%s\n", argc == 2 ? "kernel features this lab needs:" : "kernel features vlab can use:");
	for (int f = 0; f < VL_FEAT__COUNT; f++) {
		if (!(want & (1u << f)))
			continue;
		const struct vl_feature_info *fi = vl_feature_info(f);
		bool ok = have & (1u << f);
		printf("  %-8s %-46s %s%s\n", ok ? "ok" : "missing", fi->name, fi->config,
		       !ok && fi->optional ? " (optional: vlab works without it)" : "");
		if (!ok && !fi->optional)
			missing++;
	}
	if (argc == 2) {
		if (missing)
			printf("%d feature%s missing: `vlab up %s` would refuse to start\n", missing,
			       missing == 1 ? "" : "s", argv[1]);
		else
			printf("all there: %s can run on this kernel\n", argv[1]);
		return missing ? VL_EXIT_FAIL : VL_EXIT_OK;
	}
	return VL_EXIT_OK;
}
