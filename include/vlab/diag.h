/* Diagnostics: every problem found in a topology, with its place.
 * Printed as `FILE:LINE: [section] key: message`. */
#ifndef VLAB_DIAG_H
#define VLAB_DIAG_H

#include <stdbool.h>
#include <stdio.h>

/* Where something was written. `file` points to a string owned by the model
 * (shared by all locations of one file); line 0 means "the whole file". */
struct vl_loc {
	const char *file;
	int line;
	const char *section; /* "vm web1" (owned by the model), or NULL */
};

enum vl_sev { VL_ERROR, VL_WARNING, VL_NOTE };

struct vl_diag {
	enum vl_sev sev;
	char *file;
	int line;
	char *section; /* may be NULL */
	char *key;     /* may be NULL */
	char *msg;
	size_t seq; /* insertion order, keeps sorting stable */
};

/* At most VL_DIAG_KEEP errors and as many other diagnostics are kept (all
 * are counted); reports print at most VL_DIAG_SHOW lines, errors first. */
#define VL_DIAG_KEEP 1000
#define VL_DIAG_SHOW 100

struct vl_diags {
	struct vl_diag *v;
	size_t n, cap;
	size_t errors, warnings;
	size_t kept_errors;     /* errors among v[] */
};

void vl_diag(struct vl_diags *d, enum vl_sev sev, const struct vl_loc *loc,
	     const char *key, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
#define vl_err(d, loc, key, ...) vl_diag((d), VL_ERROR, (loc), (key), __VA_ARGS__)
#define vl_warn(d, loc, key, ...) vl_diag((d), VL_WARNING, (loc), (key), __VA_ARGS__)

/* Sort by file and line (stable), then print one per line. */
void vl_diags_print(struct vl_diags *d, FILE *out);
/* What commands print: sorted, identical lines of range members folded
 * ("(and N more like it)"), warnings left out when quiet_warnings, at most
 * VL_DIAG_SHOW lines (errors first) then "N more not shown". */
void vl_diags_report(struct vl_diags *d, bool quiet_warnings, FILE *out);
/* Sorted as vl_diags_print, as a JSON array of objects {"severity",
 * "file", "line", "section", "key", "message"} (line 0, section and key
 * null when not known); every diagnostic kept, none folded. */
struct vl_buf;
void vl_diags_json(struct vl_diags *d, struct vl_buf *out);
/* Format one as text (caller frees). */
char *vl_diag_format(const struct vl_diag *g);
void vl_diags_free(struct vl_diags *d);

#endif
