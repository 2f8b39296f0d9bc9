/* Every input the fuzzer ever found troublesome (tests/fuzz/regress/) runs
 * through parse, validate and plan without crashing, leaking, or taking long. */
#include "unit.h"

#include <dirent.h>
#include <time.h>

#include "vlab/parse.h"
#include "vlab/plan.h"
#include "vlab/validate.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_regressions(void **state)
{
	(void)state;
	DIR *dir = opendir("tests/fuzz/regress");
	assert_non_null(dir);
	const char *f = getenv("VLAB_TIME_FACTOR");
	double limit = 1.0 * (f ? atof(f) : 1.0);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		char path[512];
		snprintf(path, sizeof(path), "tests/fuzz/regress/%s", e->d_name);
		struct vl_topology t = {0};
		struct vl_diags d = {0};
		double t0 = now();
		vl_parse_file(path, &t, &d);
		if (!d.errors && !vl_validate(&t, &d)) {
			struct vl_plan p = {0};
			if (!vl_plan_build(&t, &p, &d))
				vl_plan_free(&p);
		}
		double dt = now() - t0;
		if (dt > limit)
			fail_msg("%s took %.2f s (limit %.2f s)", path, dt, limit);
		vl_diags_free(&d);
		vl_topology_free(&t);
		n++;
	}
	closedir(dir);
	assert_true(n > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regressions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
