/* Writing `vlab test` results: TAP 14, JUnit XML, JSON (see report.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vlab/report.h"
#include "vlab/util.h"

static const char *status_name[] = {"pass", "fail", "skip"};

void vl_report_totals(const struct vl_result *r, size_t n, struct vl_totals *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < n; i++) {
		if (r[i].status == VL_RES_PASS)
			t->passed++;
		else if (r[i].status == VL_RES_FAIL)
			t->failed++;
		else
			t->skipped++;
	}
}

static char *section_label(const char *section)
{
	return section && *section ? xasprintf("[test %s]", section) : xstrdup("[test]");
}

char *vl_result_name(const struct vl_result *r)
{
	char *sec = section_label(r->section);
	char *s = xasprintf("%s %s (%s:%d): %s", sec, r->key, r->file ? r->file : "?", r->line,
			    r->args ? r->args : "");
	free(sec);
	return s;
}

/* ---- TAP 14 ---- */

/* A test point's description: '#' would start a directive and a newline
 * would end the line, so both are escaped (TAP 14: "\#"). */
static void tap_desc(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '#' || *s == '\\')
			fputc('\\', f);
		if (*s == '\n' || *s == '\r')
			fputc(' ', f);
		else
			fputc(*s, f);
	}
}

/* A YAML double-quoted scalar. */
static void yaml_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

void vl_tap_begin(FILE *f, size_t planned)
{
	fprintf(f, "TAP version 14\n1..%zu\n", planned);
	fflush(f);
}

void vl_tap_result(FILE *f, size_t num, const struct vl_result *r, bool color)
{
	const char *on = "", *off = color ? "\033[0m" : "";
	if (color)
		on = r->status == VL_RES_FAIL ? "\033[31m" : r->status == VL_RES_SKIP ? "\033[33m"
										    : "\033[32m";
	char *name = vl_result_name(r);
	fprintf(f, "%s%s%s %zu - ", on, r->status == VL_RES_FAIL ? "not ok" : "ok", off, num);
	tap_desc(f, name);
	free(name);
	if (r->status == VL_RES_SKIP) {
		fputs(" # SKIP ", f);
		tap_desc(f, r->seen ? r->seen : "");
	}
	fputc('\n', f);
	if (r->status == VL_RES_FAIL) {
		fputs("  ---\n  message: ", f);
		yaml_str(f, r->seen ? r->seen : "failed");
		fputs("\n  severity: fail\n  at:\n    file: ", f);
		yaml_str(f, r->file ? r->file : "?");
		fprintf(f, "\n    line: %d\n  seconds: %.3f\n  ...\n", r->line, r->seconds);
	}
	fflush(f);
}

void vl_tap_end(FILE *f, const struct vl_totals *t)
{
	fprintf(f, "%zu passed, %zu failed, %zu skipped\n", t->passed, t->failed, t->skipped);
	fflush(f);
}

/* ---- JUnit XML ---- */

/* Text and attribute values: the five entities, and characters XML 1.0
 * cannot hold at all (most C0 controls) become U+FFFD. */
static void xml_str(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		case '\n': fputs("&#10;", f); break;
		case '\t': fputs("&#9;", f); break;
		default:
			if (*p < 0x20)
				fputs("\xef\xbf\xbd", f);
			else
				fputc(*p, f);
		}
	}
}

/* Element text keeps its newlines readable. */
static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			fputc('\n', f);
		else {
			char c[2] = {*s, 0};
			xml_str(f, c);
		}
	}
}

static bool same_section(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

void vl_report_junit(FILE *f, const struct vl_report *rep)
{
	struct vl_totals all;
	vl_report_totals(rep->r, rep->n, &all);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"", f);
	xml_str(f, rep->lab ? rep->lab : "");
	fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" skipped=\"%zu\" errors=\"0\" time=\"%.3f\">\n",
		rep->n, all.failed, all.skipped, rep->seconds);

	bool *done = xcalloc(rep->n ? rep->n : 1, sizeof(bool));
	for (size_t i = 0; i < rep->n; i++) {
		if (done[i])
			continue;
		const char *sec = rep->r[i].section;
		size_t tests = 0, fail = 0, skip = 0;
		double secs = 0;
		for (size_t j = i; j < rep->n; j++) {
			if (!same_section(sec, rep->r[j].section))
				continue;
			tests++;
			fail += rep->r[j].status == VL_RES_FAIL;
			skip += rep->r[j].status == VL_RES_SKIP;
			secs += rep->r[j].seconds;
		}
		char *label = section_label(sec);
		fputs("  <testsuite name=\"", f);
		xml_str(f, label);
		fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" skipped=\"%zu\" errors=\"0\" "
			"time=\"%.3f\">\n", tests, fail, skip, secs);
		for (size_t j = i; j < rep->n; j++) {
			const struct vl_result *r = &rep->r[j];
			if (!same_section(sec, r->section))
				continue;
			done[j] = true;
			char *name = xasprintf("%s (%s:%d): %s", r->key, r->file ? r->file : "?",
					       r->line, r->args ? r->args : "");
			fputs("    <testcase name=\"", f);
			xml_str(f, name);
			fputs("\" classname=\"", f);
			char *cls = xasprintf("vlab.%s.%s", rep->lab ? rep->lab : "lab",
					      sec && *sec ? sec : "test");
			xml_str(f, cls);
			fputs("\" file=\"", f);
			xml_str(f, r->file ? r->file : "");
			fprintf(f, "\" line=\"%d\" time=\"%.3f\"", r->line, r->seconds);
			free(name);
			free(cls);
			const char *seen = r->seen ? r->seen : "";
			if (r->status == VL_RES_PASS) {
				fputs("/>\n", f);
				continue;
			}
			fputs(">\n", f);
			if (r->status == VL_RES_FAIL) {
				fputs("      <failure type=\"assertion\" message=\"", f);
				xml_str(f, seen);
				fputs("\">", f);
				xml_text(f, seen);
				fputs("</failure>\n", f);
			} else {
				fputs("      <skipped message=\"", f);
				xml_str(f, seen);
				fputs("\"/>\n", f);
			}
			fputs("    </testcase>\n", f);
		}
		fputs("  </testsuite>\n", f);
		free(label);
	}
	free(done);
	fputs("</testsuites>\n", f);
	fflush(f);
}

/* ---- JSON ---- */

void vl_report_json(FILE *f, const struct vl_report *rep)
{
	struct vl_totals t;
	vl_report_totals(rep->r, rep->n, &t);
	struct vl_buf b = {0};
	vl_buf_add(&b, "{\"lab\": ");
	vl_buf_json_str(&b, rep->lab ? rep->lab : "");
	vl_buf_add(&b, ", \"file\": ");
	vl_buf_json_str(&b, rep->file ? rep->file : "");
	vl_buf_add(&b, ", \"results\": [");
	for (size_t i = 0; i < rep->n; i++) {
		const struct vl_result *r = &rep->r[i];
		vl_buf_add(&b, i ? ",\n  {" : "\n  {");
		vl_buf_add(&b, "\"section\": ");
		vl_buf_json_str(&b, r->section ? r->section : "");
		vl_buf_add(&b, ", \"key\": ");
		vl_buf_json_str(&b, r->key);
		vl_buf_printf(&b, ", \"line\": %d, \"args\": ", r->line);
		vl_buf_json_str(&b, r->args ? r->args : "");
		vl_buf_printf(&b, ", \"status\": \"%s\", \"seen\": ", status_name[r->status]);
		if (r->seen)
			vl_buf_json_str(&b, r->seen);
		else
			vl_buf_add(&b, "null");
		vl_buf_printf(&b, ", \"seconds\": %.3f}", r->seconds);
	}
	vl_buf_printf(&b, "%s], \"totals\": {\"passed\": %zu, \"failed\": %zu, \"skipped\": %zu, "
		      "\"seconds\": %.3f}}\n", rep->n ? "\n" : "", t.passed, t.failed, t.skipped,
		      rep->seconds);
	fputs(b.s, f);
	fflush(f);
	vl_buf_free(&b);
}
