#include "vlab/diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "vlab/util.h"

void vl_diag(struct vl_diags *d, enum vl_sev sev, const struct vl_loc *loc,
	     const char *key, const char *fmt, ...)
{
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
	if (sev == VL_ERROR)
		d->errors++;
	else if (sev == VL_WARNING)
		d->warnings++;
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
