#include "unit.h"

#include "vlab/report.h"

static char *capture(void (*fn)(FILE *, const void *), const void *arg)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);
	fn(f, arg);
	fclose(f);
	return s;
}

static struct vl_result results[] = {
	{"", "reach", "lab.ini", 12, "vm1 vm2", VL_RES_PASS, NULL, 0.01},
	{"web", "isolate", "lab.ini", 20, "a # b", VL_RES_FAIL,
	 "vm1 reached 10.0.0.2: pings sent 3, received 3\n\"quoted\" <x> & 'y'\x01", 1.5},
	{"web", "cmd", "lab.ini", 21, "n1 -- echo \\ok", VL_RES_SKIP, "interrupted", 0},
	{"", "mtu", "lab.ini", 13, "vm1 vm2 1500", VL_RES_PASS, "1500 passes, 1501 does not", 0.2},
};
static const struct vl_report rep = {"lab1", "lab.ini", results, 4, 2.25};

static void tap_all(FILE *f, const void *arg)
{
	(void)arg;
	struct vl_totals t;
	vl_tap_begin(f, 4);
	for (size_t i = 0; i < 4; i++)
		vl_tap_result(f, i + 1, &results[i], false);
	vl_report_totals(results, 4, &t);
	vl_tap_end(f, &t);
}

static void test_tap(void **state)
{
	(void)state;
	char *s = capture(tap_all, NULL);
	assert_non_null(strstr(s, "TAP version 14\n1..4\n"));
	assert_non_null(strstr(s, "\nok 1 - [test] reach (lab.ini:12): vm1 vm2\n"));
	/* '#' in a description is escaped so it is no directive */
	assert_non_null(strstr(s, "\nnot ok 2 - [test web] isolate (lab.ini:20): a \\# b\n"));
	assert_non_null(strstr(s, "  ---\n  message: \"vm1 reached 10.0.0.2: pings sent 3, "
				  "received 3\\n\\\"quoted\\\" <x> & 'y'\\x01\"\n"));
	assert_non_null(strstr(s, "    line: 20\n  seconds: 1.500\n  ...\n"));
	assert_non_null(strstr(s, "\nok 3 - [test web] cmd (lab.ini:21): n1 -- echo \\\\ok "
				  "# SKIP interrupted\n"));
	/* no YAML block for passes; the summary is the last line, alone */
	assert_null(strstr(s, "message: \"1500"));
	size_t len = strlen(s);
	const char *last = "\n2 passed, 1 failed, 1 skipped\n";
	assert_true(len > strlen(last));
	assert_string_equal(s + len - strlen(last), last);
	free(s);
}

static void tap_color(FILE *f, const void *arg)
{
	(void)arg;
	vl_tap_result(f, 2, &results[1], true);
}

static void test_tap_color(void **state)
{
	(void)state;
	char *s = capture(tap_color, NULL);
	const char *head = "\033[31mnot ok\033[0m 2 - ";
	assert_true(!strncmp(s, head, strlen(head)));
	free(s);
}

static void junit(FILE *f, const void *arg)
{
	vl_report_junit(f, arg);
}

static void test_junit(void **state)
{
	(void)state;
	char *s = capture(junit, &rep);
	const char *head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"lab1\" "
			   "tests=\"4\" failures=\"1\" skipped=\"1\"";
	assert_true(!strncmp(s, head, strlen(head)));
	/* one suite per section, in order of first appearance; [test] gathers
	 * its results even when another section came between them */
	char *a = strstr(s, "<testsuite name=\"[test]\" tests=\"2\" failures=\"0\"");
	char *b = strstr(s, "<testsuite name=\"[test web]\" tests=\"2\" failures=\"1\" skipped=\"1\"");
	assert_non_null(a);
	assert_non_null(b);
	assert_true(a < b);
	assert_non_null(strstr(s, "<testcase name=\"isolate (lab.ini:20): a # b\" "
				  "classname=\"vlab.lab1.web\" file=\"lab.ini\" line=\"20\""));
	assert_non_null(strstr(s, "<failure type=\"assertion\" message=\"vm1 reached 10.0.0.2: "
				  "pings sent 3, received 3&#10;&quot;quoted&quot; &lt;x&gt; &amp; "
				  "&apos;y&apos;\xef\xbf\xbd\">vm1 reached 10.0.0.2: pings sent 3, "
				  "received 3\n&quot;quoted&quot; &lt;x&gt; &amp; &apos;y&apos;"
				  "\xef\xbf\xbd</failure>"));
	assert_non_null(strstr(s, "<skipped message=\"interrupted\"/>"));
	assert_non_null(strstr(s, "</testsuites>\n"));
	assert_null(strchr(s, '\x01'));
	free(s);
}

static void json(FILE *f, const void *arg)
{
	vl_report_json(f, arg);
}

static void test_json(void **state)
{
	(void)state;
	char *s = capture(json, &rep);
	const char *head = "{\"lab\": \"lab1\", \"file\": \"lab.ini\", \"results\": [";
	assert_true(!strncmp(s, head, strlen(head)));
	assert_non_null(strstr(s, "{\"section\": \"\", \"key\": \"reach\", \"line\": 12, \"args\": "
				  "\"vm1 vm2\", \"status\": \"pass\", \"seen\": null, \"seconds\": 0.010}"));
	assert_non_null(strstr(s, "\"seen\": \"vm1 reached 10.0.0.2: pings sent 3, received 3\\n"
				  "\\\"quoted\\\" <x> & 'y'\\u0001\""));
	assert_non_null(strstr(s, "\"args\": \"n1 -- echo \\\\ok\", \"status\": \"skip\""));
	assert_non_null(strstr(s, "\"totals\": {\"passed\": 2, \"failed\": 1, \"skipped\": 1, "
				  "\"seconds\": 2.250}}\n"));
	free(s);
}

static void test_empty(void **state)
{
	(void)state;
	struct vl_report e = {"x", "f.ini", NULL, 0, 0};
	char *s = capture(json, &e);
	assert_non_null(strstr(s, "\"results\": [], \"totals\": {\"passed\": 0"));
	free(s);
	s = capture(junit, &e);
	assert_non_null(strstr(s, "tests=\"0\""));
	assert_non_null(strstr(s, "</testsuites>\n"));
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tap),     cmocka_unit_test(test_tap_color),
		cmocka_unit_test(test_junit),   cmocka_unit_test(test_json),
		cmocka_unit_test(test_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
