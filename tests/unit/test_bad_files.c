/* Every tests/bad/NAME.ini must fail with the messages its `; expect:` lines
 * name (substrings of the formatted diagnostics); one with a `; warnings only`
 * line must instead pass with them as warnings. Runs from the repo root. */
#include "unit.h"

#include <dirent.h>

#include "vlab/diag.h"
#include "vlab/model.h"
#include "vlab/parse.h"
#include "vlab/util.h"
#include "vlab/validate.h"

static char *all_diags(struct vl_diags *d)
{
	struct vl_buf b = {0};
	vl_buf_add(&b, "");
	for (size_t i = 0; i < d->n; i++) {
		char *s = vl_diag_format(&d->v[i]);
		vl_buf_add(&b, s);
		vl_buf_add(&b, "\n");
		free(s);
	}
	return b.s;
}

static int check_file(const char *path)
{
	struct vl_topology t;
	struct vl_diags d = {0};
	int bad = 0, nexpect = 0;
	bool warnings_only = false; /* "; warnings only": a warning, and no error */

	vl_parse_file(path, &t, &d);
	vl_validate(&t, &d);
	char *text = all_diags(&d);

	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char line[1024];
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "; warnings only", 15))
			warnings_only = true;
		if (strncmp(line, "; expect: ", 10))
			continue;
		char *want = line + 10;
		want[strcspn(want, "\n")] = '\0';
		nexpect++;
		if (!strstr(text, want)) {
			fprintf(stderr, "%s: expected \"%s\" in:\n%s", path, want, text);
			bad++;
		}
	}
	fclose(f);
	if (!nexpect) {
		fprintf(stderr, "%s: no `; expect:` line\n", path);
		bad++;
	}
	if (warnings_only && (d.errors || !d.warnings)) {
		fprintf(stderr, "%s: wanted warnings and no error:\n%s", path, text);
		bad++;
	} else if (!warnings_only && !d.errors) {
		fprintf(stderr, "%s: no error reported:\n%s", path, text);
		bad++;
	}
	free(text);
	vl_diags_free(&d);
	vl_topology_free(&t);
	return bad;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_bad_files(void **state)
{
	(void)state;
	DIR *dir = opendir("tests/bad");
	assert_non_null(dir);
	struct vl_strv files = {0};
	struct dirent *e;
	while ((e = readdir(dir))) {
		size_t n = strlen(e->d_name);
		if (n > 4 && !strcmp(e->d_name + n - 4, ".ini")) {
			char *p = xasprintf("tests/bad/%s", e->d_name);
			vl_strv_push(&files, p);
			free(p);
		}
	}
	closedir(dir);
	qsort(files.v, files.n, sizeof(char *), cmp_str);
	assert_true(files.n >= 30);
	int bad = 0;
	for (size_t i = 0; i < files.n; i++)
		bad += check_file(files.v[i]);
	vl_strv_free(&files);
	assert_int_equal(bad, 0);
}

/* Three unrelated problems: all three are reported, each at its line. */
static void test_reports_all(void **state)
{
	(void)state;
	const char *text = "[lab]\n"                          /* 1 */
			   "name = three\n"                   /* 2 */
			   "[switch sw]\n"                    /* 3 */
			   "subnet = 10.0.0.0/24\n"           /* 4 */
			   "[vm a]\n"                         /* 5 */
			   "nic = eth0 sw 10.0.0.1/24 vlan=5000\n" /* 6 */
			   "[vm b]\n"                         /* 7 */
			   "nic = eth0 nosuch auto\n"         /* 8 */
			   "gateway = 10.9.9.9\n";            /* 9 */
	struct vl_topology t;
	struct vl_diags d = {0};
	vl_parse_string("three.ini", text, &t, &d);
	vl_validate(&t, &d);
	char *all = all_diags(&d);
	assert_true(d.errors >= 3);
	assert_non_null(strstr(all, "three.ini:6: error: [vm a] nic: vlan=5000"));
	assert_non_null(strstr(all, "three.ini:8: error: [vm b] nic: unknown switch for eth0 \"nosuch\""));
	assert_non_null(strstr(all, "three.ini:9: error: [vm b] gateway: gateway 10.9.9.9 is not on a local subnet of b"));
	free(all);
	vl_diags_free(&d);
	vl_topology_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_reports_all),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
