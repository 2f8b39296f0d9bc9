/* Text -> model. The INI is read with inih through a line-counting reader,
 * so every key and section keeps its line. Range sections ([vm web1..100])
 * are expanded here. Problems are added to `d`; parsing never stops at the
 * first one. */
#ifndef VLAB_PARSE_H
#define VLAB_PARSE_H

#include "vlab/diag.h"
#include "vlab/model.h"

/* Returns 0 when the text could be read (even with diagnostics), -1 when
 * the file could not be opened (message in `d`). */
/* Limits of expansion (man/vlab.ini.5, RANGES): a small file cannot make a
 * lab that takes gigabytes to check. Comfortably above the 10,000-VM goal. */
#define VL_MAX_RANGE 10000          /* members of one range section */
#define VL_MAX_MEMBERS 20000        /* nodes and switches of a lab, expanded */
#define VL_MAX_EXPANDED_KEYS 200000 /* key lines of a lab, expanded */
#define VL_MAX_NODE_DEVS 4096       /* NICs and sub-interfaces of one node */

int vl_parse_file(const char *path, struct vl_topology *t, struct vl_diags *d);
int vl_parse_string(const char *name, const char *text, struct vl_topology *t,
		    struct vl_diags *d);

/* The integer expression of a ${...} in a range body (the text between the
 * braces, n bytes): numbers, i, h, + - * / % and parentheses. has_i/has_h
 * say whether i/h exist here. Returns 0 with *out, or -1 with *why
 * (allocated, e.g. "divides by zero"). */
int vl_range_expr(const char *s, size_t n, bool has_i, long i, bool has_h, long h, long *out,
		  char **why);

/* Units, shared with validation and tests. Return 0 or -1. */
int vl_parse_rate(const char *s, uint64_t *bps);    /* 100mbit, 1gbit, 512kbit, 10mbps(bytes) */
int vl_parse_time(const char *s, uint32_t *us);     /* 5ms, 200us, 1s */
int vl_parse_size(const char *s, uint32_t *bytes);  /* 32kb, 1mb, 1500 */
int vl_parse_percent(const char *s, double *pct);   /* 1%, 0.5% */
int vl_parse_mac(const char *s, uint8_t mac[6]);
int vl_parse_bool(const char *s, bool *b);          /* on/off yes/no true/false 1/0 */
/* One shaping key (rate, burst, limit, delay, jitter, loss, duplicate,
 * corrupt, reorder) into `sh`, exactly as the file reads it: 0 (sets its
 * VL_SHAPE_* bit in sh->given), 1 not a shaping key, -1 bad value (*hint
 * says what was expected). */
int vl_shape_key(const char *name, const char *val, struct vl_shape *sh, const char **hint);

/* Port security (src/secure.c): `security = strict|off` (0, or -1 for
 * another word); one `allow = ` / `deny = ` value: PROTO [to=PEER]
 * [port=N[-M]] [sport=N[-M]] [nic=IF] (nic= only on a node): 0, or -1
 * with *why (allocated) saying what is wrong; r->loc is left to the caller. */
int vl_security_parse(const char *s, enum vl_port_security *out);
int vl_acl_parse(const char *val, bool allow, bool on_node, struct vl_acl_rule *r, char **why);

#endif
