#include "vlab/diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "vlab/util.h"

void vl_diag(struct vl_diags *d, enum vl_sev sev, const struct vl_loc *loc,
	     const char *key, const char *fmt, ...)
{
	if (sev == VL_ERROR)
		d->errors++;
	else if (sev == VL_WARNING)
		d->warnings++;
	/* counted, not kept: a broken 10,000-member range cannot fill memory */
	bool err = sev == VL_ERROR;
	if (err ? d->kept_errors >= VL_DIAG_KEEP : d->n - d->kept_errors >= VL_DIAG_KEEP)
		return;
	d->kept_errors += err;
	struct vl_diag *g = vl_grow(&d->v, &d->cap, d->n++, sizeof(*g));
	va_list ap;
	va_start(ap, fmt);
	g->msg = xvasprintf(fmt, ap);
	va_end(ap);
	g->seq = d->n - 1;
	g->sev = sev;
	g->file = xstrdup(loc && loc->file ? loc->file : "vlab");
	g->line = loc ? loc->line : 0;
	g->section = loc && loc->section ? xstrdup(loc->section) : NULL;
	g->key = key ? xstrdup(key) : NULL;
}

char *vl_diag_format(const struct vl_diag *g)
{
	static const char *const sev[] = {"error", "warning", "note"};
	char line[16] = "";
	if (g->line > 0)
		snprintf(line, sizeof(line), "%d:", g->line);
	return xasprintf("%s:%s %s: %s%s%s%s%s%s", g->file, line, sev[g->sev],
			 g->section ? "[" : "", g->section ? g->section : "",
			 g->section ? "] " : "", g->key ? g->key : "",
			 g->key ? ": " : "", g->msg);
}

static int cmp_diag(const void *a, const void *b)
{
	const struct vl_diag *x = a, *y = b;
	int c = strcmp(x->file, y->file);
	if (c)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	/* keep insertion order for equal places (qsort is not stable) */
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void vl_diags_print(struct vl_diags *d, FILE *out)
{
	if (d->n > 1)
		qsort(d->v, d->n, sizeof(*d->v), cmp_diag);
	for (size_t i = 0; i < d->n; i++) {
		char *s = vl_diag_format(&d->v[i]);
		fprintf(out, "%s\n", s);
		free(s);
	}
}

void vl_diags_json(struct vl_diags *d, struct vl_buf *o)
{
	static const char *const sev[] = {"error", "warning", "note"};
	if (d->n > 1)
		qsort(d->v, d->n, sizeof(*d->v), cmp_diag);
	vl_buf_add(o, "[");
	for (size_t i = 0; i < d->n; i++) {
		const struct vl_diag *g = &d->v[i];
		vl_buf_printf(o, "%s{\"severity\":\"%s\",\"file\":", i ? ",\n" : "\n", sev[g->sev]);
		vl_buf_json_str(o, g->file);
		vl_buf_printf(o, ",\"line\":%d,\"section\":", g->line);
		if (g->section)
			vl_buf_json_str(o, g->section);
		else
			vl_buf_add(o, "null");
		vl_buf_add(o, ",\"key\":");
		if (g->key)
			vl_buf_json_str(o, g->key);
		else
			vl_buf_add(o, "null");
		vl_buf_add(o, ",\"message\":");
		vl_buf_json_str(o, g->msg);
		vl_buf_add(o, "}");
	}
	vl_buf_add(o, "]");
}

static bool same_line(const struct vl_diag *a, const struct vl_diag *b)
{
	return a->line == b->line && a->line > 0 && a->sev == b->sev && !strcmp(a->msg, b->msg) &&
	       !strcmp(a->file, b->file) && !!a->key == !!b->key &&
	       (!a->key || !strcmp(a->key, b->key));
}

void vl_diags_report(struct vl_diags *d, bool quiet_warnings, FILE *out)
{
	if (d->n > 1)
		qsort(d->v, d->n, sizeof(*d->v), cmp_diag);
	/* groups of identical lines: start index and size */
	size_t ng = 0, *start = xcalloc(d->n + 1, sizeof(size_t));
	for (size_t i = 0; i < d->n;) {
		size_t j = i + 1;
		while (j < d->n && same_line(&d->v[j], &d->v[i]))
			j++;
		if (!quiet_warnings || d->v[i].sev == VL_ERROR)
			start[ng++] = i;
		i = j;
	}
	/* pick at most VL_DIAG_SHOW groups, errors before the others */
	bool *show = xcalloc(ng + 1, sizeof(bool));
	size_t nshow = 0, shown_err = 0, shown_warn = 0;
	for (int pass = 0; pass < 2; pass++)
		for (size_t g = 0; g < ng && nshow < VL_DIAG_SHOW; g++)
			if (!show[g] && (pass || d->v[start[g]].sev == VL_ERROR)) {
				show[g] = true;
				nshow++;
			}
	for (size_t g = 0; g < ng; g++) {
		if (!show[g])
			continue;
		const struct vl_diag *v = &d->v[start[g]];
		size_t j = start[g] + 1;
		while (j < d->n && same_line(&d->v[j], v))
			j++;
		size_t n = j - start[g];
		if (v->sev == VL_ERROR)
			shown_err += n;
		else if (v->sev == VL_WARNING)
			shown_warn += n;
		char *s = vl_diag_format(v);
		if (n > 1)
			fprintf(out, "%s (and %zu more like it)\n", s, n - 1);
		else
			fprintf(out, "%s\n", s);
		free(s);
	}
	size_t more_err = d->errors - shown_err;
	size_t more_warn = quiet_warnings ? 0 : d->warnings - shown_warn;
	if (more_err || more_warn)
		fprintf(out, "vlab: %zu more not shown (%zu errors, %zu warnings); "
			     "the first %d are above\n",
			more_err + more_warn, more_err, more_warn, VL_DIAG_SHOW);
	free(show);
	free(start);
}

void vl_diags_free(struct vl_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].section);
		free(d->v[i].key);
		free(d->v[i].msg);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
}
