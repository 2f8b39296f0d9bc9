/* Results of `vlab test` and the three ways they are written: TAP version
 * 14 (stdout by default), JUnit XML (--junit FILE) and JSON (--json). Pure
 * formatting: no kernel, no clock; unit tested in tests/unit/test_report.c. */
#ifndef VLAB_REPORT_H
#define VLAB_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum vl_result_status { VL_RES_PASS, VL_RES_FAIL, VL_RES_SKIP };

/* One assertion's outcome. Strings are borrowed except args and seen. */
struct vl_result {
	const char *section;        /* test name; "" for a plain [test] */
	const char *key;            /* reach, isolate, ... */
	const char *file;
	int line;
	char *args;                 /* the value as written (owned) */
	enum vl_result_status status;
	char *seen;                 /* what was seen: the diagnostic of a failure,
				     * the reason of a skip, a measurement of a
				     * pass; may be NULL (owned) */
	double seconds;
};

struct vl_report {
	const char *lab;
	const char *file;
	const struct vl_result *r;
	size_t n;
	double seconds;             /* the whole run */
};

struct vl_totals {
	size_t passed, failed, skipped;
};
void vl_report_totals(const struct vl_result *r, size_t n, struct vl_totals *t);

/* "[test NAME] KEY (FILE:LINE): ARGS"; caller frees. */
char *vl_result_name(const struct vl_result *r);

/* TAP 14, streamed: the header and plan, one line (and on failure a YAML
 * block) per result numbered from 1, and the closing summary line
 * "N passed, N failed, N skipped". `color` adds ANSI colours to ok/not ok. */
void vl_tap_begin(FILE *f, size_t planned);
void vl_tap_result(FILE *f, size_t num, const struct vl_result *r, bool color);
void vl_tap_end(FILE *f, const struct vl_totals *t);

/* JUnit XML: one <testsuite> per section (in order of first appearance),
 * one <testcase> per result; failure text is the diagnostic. */
void vl_report_junit(FILE *f, const struct vl_report *rep);
/* {"lab", "file", "results": [...], "totals": {...}} */
void vl_report_json(FILE *f, const struct vl_report *rep);

#endif
