/* Units of the topology language: rates, times, sizes, percentages, MACs
 * and booleans. Every parser is strict: the whole string must be consumed,
 * and out-of-range values are refused rather than wrapped. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vlab/parse.h"
#include "vlab/util.h"

/* A non-negative decimal number ("1", "1.5", ".5") followed by a unit.
 * Returns 0 and points *unit at the first character after the number. */
static int number_unit(const char *s, double *v, const char **unit)
{
	const char *p = s;
	int digits = 0;

	if (!s || !*s)
		return -1;
	while (isdigit((unsigned char)*p)) {
		p++;
		digits++;
	}
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p)) {
			p++;
			digits++;
		}
	}
	if (!digits || p - s > 32)
		return -1;
	char num[40];
	memcpy(num, s, (size_t)(p - s));
	num[p - s] = '\0';
	char *end;
	double d = strtod(num, &end);
	if (*end || !isfinite(d) || d < 0)
		return -1;
	*v = d;
	*unit = p;
	return 0;
}

struct unit {
	const char *name;
	double mult;
};

static int scaled(const char *s, const struct unit *units, size_t n, double max,
		  bool bare_ok, double *out)
{
	double v;
	const char *u;

	if (number_unit(s, &v, &u))
		return -1;
	if (!*u) {
		if (!bare_ok)
			return -1;
	} else {
		size_t i;
		for (i = 0; i < n; i++)
			if (!strcasecmp(u, units[i].name))
				break;
		if (i == n)
			return -1;
		v *= units[i].mult;
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

int vl_parse_rate(const char *s, uint64_t *bps)
{
	/* tc's convention: *bit are bits per second, *bps bytes per second. */
	static const struct unit units[] = {
		{"bit", 1},       {"kbit", 1e3},  {"mbit", 1e6},  {"gbit", 1e9},
		{"tbit", 1e12},   {"bps", 8},     {"kbps", 8e3},  {"mbps", 8e6},
		{"gbps", 8e9},    {"tbps", 8e12},
	};
	double v;
	if (scaled(s, units, VL_ARRAY_SIZE(units), 1e15, false, &v))
		return -1;
	if (v < 1)
		return -1; /* a zero rate would stop all traffic: say what you mean */
	*bps = (uint64_t)(v + 0.5);
	return 0;
}

int vl_parse_time(const char *s, uint32_t *us)
{
	static const struct unit units[] = {
		{"us", 1}, {"ms", 1e3}, {"s", 1e6},
	};
	double v;
	if (scaled(s, units, VL_ARRAY_SIZE(units), (double)UINT32_MAX, false, &v))
		return -1;
	*us = (uint32_t)(v + 0.5);
	return 0;
}

int vl_parse_size(const char *s, uint32_t *bytes)
{
	static const struct unit units[] = {
		{"b", 1}, {"kb", 1024}, {"mb", 1024 * 1024}, {"gb", 1024.0 * 1024 * 1024},
	};
	double v;
	if (scaled(s, units, VL_ARRAY_SIZE(units), (double)UINT32_MAX, true, &v))
		return -1;
	if (v != (double)(uint64_t)v)
		return -1; /* half a byte */
	*bytes = (uint32_t)v;
	return 0;
}

int vl_parse_percent(const char *s, double *pct)
{
	double v;
	const char *u;
	if (number_unit(s, &v, &u))
		return -1;
	if (*u && strcmp(u, "%"))
		return -1;
	if (v > 100)
		return -1;
	*pct = v;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int vl_parse_mac(const char *s, uint8_t mac[6])
{
	uint8_t m[6];
	if (!s || strlen(s) != 17)
		return -1;
	for (int i = 0; i < 6; i++) {
		const char *p = s + i * 3;
		int hi = hexval(p[0]), lo = hexval(p[1]);
		if (hi < 0 || lo < 0)
			return -1;
		if (i < 5 && p[2] != ':')
			return -1;
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(mac, m, 6);
	return 0;
}

int vl_parse_bool(const char *s, bool *b)
{
	static const char *const yes[] = {"on", "yes", "true", "1"};
	static const char *const no[] = {"off", "no", "false", "0"};
	if (!s)
		return -1;
	for (size_t i = 0; i < VL_ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i])) {
			*b = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*b = false;
			return 0;
		}
	}
	return -1;
}
