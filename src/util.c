#include "vlab/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void oom(void)
{
	fputs("vlab: out of memory\n", stderr);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		oom();
	char *s = xmalloc((size_t)n + 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

void *vl_grow(void *pv, size_t *cap, size_t n, size_t elem)
{
	char **arr = pv;
	if (n >= *cap) {
		/* Memory is what the new slots are zeroed into, so it counts:
		 * big elements start with one slot (a node's NIC array of 8
		 * was 23 MB at 10,000 VMs with one NIC each), and arrays past
		 * 1 MB grow by a quarter (the plan's ops at 10,000 VMs: 35 MB
		 * touched for 32 used when doubling; realloc moves big blocks
		 * by remapping, so growing more often copies nothing). */
		size_t nc = *cap ? *cap : elem >= 256 ? 1 : elem >= 32 ? 2 : 8;
		while (nc <= n)
			nc = nc * elem < (1u << 20) ? nc * 2 : nc + nc / 4;
		*arr = xrealloc(*arr, nc * elem);
		memset(*arr + *cap * elem, 0, (nc - *cap) * elem);
		*cap = nc;
	}
	return *arr + n * elem;
}

void vl_buf_addn(struct vl_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t nc = b->cap ? b->cap * 2 : 256;
		while (nc < b->len + n + 1)
			nc *= 2;
		b->s = xrealloc(b->s, nc);
		b->cap = nc;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void vl_buf_add(struct vl_buf *b, const char *s)
{
	vl_buf_addn(b, s, strlen(s));
}

void vl_buf_printf(struct vl_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	vl_buf_add(b, s);
	free(s);
}

void vl_buf_json_str(struct vl_buf *b, const char *s)
{
	vl_buf_addn(b, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char esc[8];
		switch (*p) {
		case '"': vl_buf_add(b, "\\\""); break;
		case '\\': vl_buf_add(b, "\\\\"); break;
		case '\n': vl_buf_add(b, "\\n"); break;
		case '\t': vl_buf_add(b, "\\t"); break;
		default:
			if (*p < 0x20) {
				snprintf(esc, sizeof(esc), "\\u%04x", *p);
				vl_buf_add(b, esc);
			} else {
				vl_buf_addn(b, (const char *)p, 1);
			}
		}
	}
	vl_buf_addn(b, "\"", 1);
}

void vl_buf_free(struct vl_buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

void vl_strv_push(struct vl_strv *l, const char *s)
{
	char **slot = vl_grow(&l->v, &l->cap, l->n++, sizeof(char *));
	*slot = xstrdup(s);
}

void vl_strv_free(struct vl_strv *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

void vl_split(struct vl_strv *out, const char *s, bool commas)
{
	const char *seps = commas ? " \t," : " \t";
	while (*s) {
		s += strspn(s, seps);
		size_t n = strcspn(s, seps);
		if (!n)
			break;
		char *w = xstrndup(s, n);
		vl_strv_push(out, w);
		free(w);
		s += n;
	}
}

uint32_t vl_hash32(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

int vl_levenshtein(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return 99;
	int row[65];
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int diag = row[0];
		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int up = row[j];
			int cost = a[i - 1] == b[j - 1] ? 0 : 1;
			int best = diag + cost;
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *vl_did_you_mean(const char *word, const char *const *cands, size_t n)
{
	const char *best = NULL;
	int bestd = 3;
	for (size_t i = 0; i < n; i++) {
		int dist = vl_levenshtein(word, cands[i]);
		if (dist < bestd) {
			bestd = dist;
			best = cands[i];
		}
	}
	return best;
}

double vl_mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
