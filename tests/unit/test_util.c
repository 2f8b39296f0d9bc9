#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "unit.h"

#include "vlab/diag.h"
#include "vlab/util.h"

static void test_split(void **state)
{
	(void)state;
	struct vl_strv l = {0};
	vl_split(&l, "  eth0 vs1,  10.0.0.1/24 ", true);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0], "eth0");
	assert_string_equal(l.v[1], "vs1");
	assert_string_equal(l.v[2], "10.0.0.1/24");
	vl_strv_free(&l);
}

static void test_did_you_mean(void **state)
{
	(void)state;
	const char *keys[] = {"host", "nic", "gateway", "route"};
	assert_string_equal(vl_did_you_mean("gatway", keys, 4), "gateway");
	assert_null(vl_did_you_mean("xyzzy", keys, 4));
}

static void test_diag_sorted_stable(void **state)
{
	(void)state;
	struct vl_diags d = {0};
	struct vl_loc a = {"t.ini", 9, "vm a"}, b = {"t.ini", 3, NULL};
	vl_err(&d, &a, "nic", "first %d", 1);
	vl_warn(&d, &b, NULL, "second");
	vl_err(&d, &a, "host", "third");
	assert_int_equal(d.errors, 2);
	assert_int_equal(d.warnings, 1);
	FILE *f = tmpfile();
	vl_diags_print(&d, f);
	rewind(f);
	char buf[512] = {0};
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	assert_true(n > 0);
	assert_string_equal(buf, "t.ini:3: warning: second\n"
				 "t.ini:9: error: [vm a] nic: first 1\n"
				 "t.ini:9: error: [vm a] host: third\n");
	vl_diags_free(&d);
}

/* Colour only on a terminal, never with NO_COLOR or TERM=dumb; a
 * pseudo-terminal stands in for the user's. */
static void test_color(void **state)
{
	(void)state;
	FILE *f = tmpfile();
	unsetenv("NO_COLOR");
	assert_false(vl_color(f)); /* a file */
	assert_string_equal(vl_sgr(f, "1"), "");
	fclose(f);
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0) {
		if (m >= 0)
			close(m);
		skip(); /* no pseudo-terminals here */
	}
	FILE *tty = fopen(ptsname(m), "w");
	assert_non_null(tty);
	setenv("TERM", "xterm", 1);
	assert_true(vl_color(tty));
	assert_string_equal(vl_sgr(tty, "31"), "\033[31m");
	setenv("NO_COLOR", "1", 1);
	assert_false(vl_color(tty));
	assert_string_equal(vl_sgr(tty, "31"), "");
	assert_true(vl_tty(tty)); /* progress lines are not colour */
	setenv("NO_COLOR", "", 1); /* empty: as if unset (no-color.org) */
	assert_true(vl_color(tty));
	setenv("TERM", "dumb", 1);
	assert_false(vl_color(tty));
	assert_false(vl_tty(tty));
	unsetenv("NO_COLOR");
	fclose(tty);
	close(m);
}

/* -q: vl_info prints nothing; -v: vl_debug prints */
static void test_verbosity(void **state)
{
	(void)state;
	vl_set_verbosity(-5);
	assert_true(vl_quiet());
	vl_set_verbosity(3);
	assert_true(vl_verbose());
	vl_set_verbosity(0);
	assert_false(vl_quiet() || vl_verbose());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_did_you_mean),
		cmocka_unit_test(test_diag_sorted_stable),
		cmocka_unit_test(test_color),
		cmocka_unit_test(test_verbosity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
