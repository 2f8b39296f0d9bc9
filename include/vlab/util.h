/* Small helpers shared by every layer: allocation that cannot fail quietly,
 * growable buffers and string lists. */
#ifndef VLAB_UTIL_H
#define VLAB_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define VL_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);

/* Grow a dynamic array `*pv` of element size `elem` so index `n` fits;
 * `*cap` is its capacity. Returns a pointer to the zeroed slot `n`. */
void *vl_grow(void *pv, size_t *cap, size_t n, size_t elem);
#define VL_PUSH(arr, count, cap) \
	((__typeof__(arr))vl_grow(&(arr), &(cap), (count)++, sizeof(*(arr))))

/* A growable string. */
struct vl_buf {
	char *s;
	size_t len, cap;
};
void vl_buf_add(struct vl_buf *b, const char *s);
void vl_buf_addn(struct vl_buf *b, const char *s, size_t n);
void vl_buf_printf(struct vl_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void vl_buf_json_str(struct vl_buf *b, const char *s); /* quoted, escaped */
void vl_buf_free(struct vl_buf *b);

/* A list of owned strings. */
struct vl_strv {
	char **v;
	size_t n, cap;
};
void vl_strv_push(struct vl_strv *l, const char *s);
void vl_strv_free(struct vl_strv *l);
/* Split on blanks (spaces, tabs, commas when `commas`). */
void vl_split(struct vl_strv *out, const char *s, bool commas);

/* Stable 32-bit FNV-1a hash, used to derive names and MACs. */
uint32_t vl_hash32(const char *s);

/* Seconds on the monotonic clock (deadlines, intervals). */
double vl_mono_s(void);

/* Edit distance, for did-you-mean suggestions. */
int vl_levenshtein(const char *a, const char *b);
/* The closest candidate within distance 2 (or NULL). */
const char *vl_did_you_mean(const char *word, const char *const *cands, size_t n);

/* ---- output: -q, -v and colour (one decision for every command) ----
 * vl_verbosity: -1 with -q (only errors), 0 normal, 1 with -v (more
 * detail: timings per phase, what is probed). Set by main.c. */
enum { VL_QUIET = -1, VL_NORMAL = 0, VL_VERBOSE = 1 };
void vl_set_verbosity(int v);
int vl_verbosity(void);
static inline bool vl_quiet(void) { return vl_verbosity() < 0; }
static inline bool vl_verbose(void) { return vl_verbosity() > 0; }
/* Informational lines ("lab demo is up ...") on stdout; nothing with -q. */
void vl_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Detail on stderr ("vlab: ..."), only with -v. */
void vl_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Colour and bold on `f`: only when it is a terminal, NO_COLOR is unset
 * or empty (https://no-color.org) and TERM is not "dumb". */
bool vl_color(FILE *f);
/* A terminal that can move the cursor (progress lines, --watch screens). */
bool vl_tty(FILE *f);
/* An SGR escape ("1" bold, "31" red, "0" reset) when vl_color(f), else "". */
const char *vl_sgr(FILE *f, const char *code);

#endif
