/* The state file format: values escaped, lines with control characters
 * ignored, any length, namespace names checked against the lab. */
#include "unit.h"

#include "vlab/state.h"

static void parse(const char *text, const char *lab, struct vl_state *s)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	assert_non_null(f);
	assert_int_equal(vl_state_parse(f, lab, s), 0);
	fclose(f);
}

static void test_escape_roundtrip(void **state)
{
	(void)state;
	const char *vals[] = {"/tmp/x\nnetns vlab-zz-decoy\n/lab.ini", "a b%c", "\t\x7f\xc3\xa9", ""};
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		char *e = vl_state_escape(vals[i]);
		for (const char *p = e; *p; p++)
			assert_true(*p > ' ' && *p < 0x7f); /* one word, printable */
		char *u = vl_state_unescape(e);
		assert_non_null(u);
		assert_string_equal(u, vals[i]);
		free(e);
		free(u);
	}
	assert_null(vl_state_unescape("%4"));
	assert_null(vl_state_unescape("%zz"));
	assert_null(vl_state_unescape("%00"));
	assert_null(vl_state_unescape("a b"));
}

static void test_injected_path(void **state)
{
	(void)state;
	/* what the old writer produced for a file in "x\nnetns vlab-zz-decoy\n" */
	char *file = vl_state_escape("/tmp/x\nnetns vlab-zz-decoy\nnetns ..\n/lab.ini");
	char *text = xasprintf("lab dc\nfile %s\nhash 00\npid 7\nstatus building\n"
			       "netns vlab-dc-web1\nstatus up\n", file);
	struct vl_state s;
	parse(text, "dc", &s);
	assert_string_equal(s.file, "/tmp/x\nnetns vlab-zz-decoy\nnetns ..\n/lab.ini");
	assert_int_equal(s.netns.n, 1);
	assert_string_equal(s.netns.v[0], "vlab-dc-web1");
	assert_string_equal(s.status, "up");
	assert_int_equal(s.pid, 7);
	vl_state_free(&s);
	free(text);
	free(file);
}

static void test_foreign_netns_lines(void **state)
{
	(void)state;
	struct vl_state s;
	parse("lab dc\nnetns vlab-zz-decoy\nnetns ..\nnetns vlab-dc-../x\nnetns /etc\n"
	      "netns vlab-dc-ok\nnetns vlab-dcx-a\nnetns vlab-dc-a\x01\nbogus line\n", "dc", &s);
	assert_int_equal(s.netns.n, 1);
	assert_string_equal(s.netns.v[0], "vlab-dc-ok");
	assert_int_equal(s.bad, 7);
	assert_string_equal(s.status, "building"); /* no status line: not up */
	vl_state_free(&s);
}

static void test_long_lines(void **state)
{
	(void)state;
	size_t n = 5000;
	char *path = xmalloc(n + 1);
	memset(path, 'a', n);
	path[0] = '/';
	path[n] = 0;
	char *text = xasprintf("lab dc\nfile %s\nnetns vlab-dc-a\nstatus up\n", path);
	struct vl_state s;
	parse(text, "dc", &s);
	assert_string_equal(s.file, path); /* not cut at 1024, no stray line */
	assert_int_equal(s.netns.n, 1);
	assert_int_equal(s.bad, 0);
	vl_state_free(&s);
	free(text);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_roundtrip),
		cmocka_unit_test(test_injected_path),
		cmocka_unit_test(test_foreign_netns_lines),
		cmocka_unit_test(test_long_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
