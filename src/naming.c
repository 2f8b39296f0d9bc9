/* Names of every kernel object of a lab (see include/vlab/naming.h). */
#include "vlab/naming.h"

#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#include "vlab/model.h"
#include "vlab/util.h"

static bool name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-';
}

bool vl_name_ok(const char *s, size_t max, const char **why)
{
	const char *dummy;
	if (!why)
		why = &dummy;
	if (!s || !*s) {
		*why = "is empty";
		return false;
	}
	if (strlen(s) > max) {
		*why = "is too long";
		return false;
	}
	unsigned char c0 = (unsigned char)s[0];
	if (!name_char(c0) || c0 == '_' || c0 == '-') {
		*why = "must start with a letter or a digit";
		return false;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (!name_char(*p)) {
			*why = "may only contain letters, digits, '_' and '-'";
			return false;
		}
	}
	return true;
}

bool vl_ifname_ok(const char *s, const char **why)
{
	const char *dummy;
	if (!why)
		why = &dummy;
	if (!s || !*s) {
		*why = "is empty";
		return false;
	}
	if (strlen(s) > 15) {
		*why = "is longer than 15 characters (the kernel's IFNAMSIZ limit)";
		return false;
	}
	if (!strcmp(s, ".") || !strcmp(s, "..")) {
		*why = "cannot be \".\" or \"..\"";
		return false;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p <= 0x20 || *p >= 0x7f) {
			*why = "may not contain blanks, control or non-ASCII characters";
			return false;
		}
		if (*p == '/' || *p == ':' || *p == '%') {
			*why = "may not contain '/', ':' or '%'";
			return false;
		}
	}
	return true;
}

bool vl_lab_name_ok(const char *s, const char **why)
{
	const char *dummy;
	if (!why)
		why = &dummy;
	if (!s || !*s) {
		*why = "is empty";
		return false;
	}
	if (strlen(s) > VL_LAB_NAME_MAX) {
		*why = "is longer than 12 characters";
		return false;
	}
	if (s[0] == '_') {
		*why = "must start with a letter or a digit";
		return false;
	}
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) {
			*why = *p == '-' ? "may not contain '-' (it separates lab and node: vlab-LAB-NODE)"
					 : "may only contain lowercase letters, digits and '_'";
			return false;
		}
	return true;
}

void vl_netns_name(char out[VL_NSNAME_MAX], const char *lab, const char *node)
{
	snprintf(out, VL_NSNAME_MAX, "%s%s-%s", VL_NETNS_PREFIX, lab, node);
}

void vl_port_altname(char out[VL_ALTNAME_MAX], const char *node, const char *nic)
{
	snprintf(out, VL_ALTNAME_MAX, "%s-%s", node, nic);
}

void vl_port_name(char out[VL_DEVNAME_MAX], const char *node, const char *nic)
{
	char full[VL_ALTNAME_MAX];
	vl_port_altname(full, node, nic);
	if (strlen(full) < VL_DEVNAME_MAX)
		snprintf(out, VL_DEVNAME_MAX, "%s", full);
	else
		snprintf(out, VL_DEVNAME_MAX, "p%08x", vl_hash32(full));
}

void vl_vtep_name(char out[VL_DEVNAME_MAX], bool geneve, uint32_t vni, int idx)
{
	const char *pfx = geneve ? "gn" : "vx";
	vni &= 0xffffff;
	if (idx > 0)
		snprintf(out, VL_DEVNAME_MAX, "%s%u-%d", pfx, vni, idx % 10000);
	else
		snprintf(out, VL_DEVNAME_MAX, "%s%u", pfx, vni);
}

void vl_alias(char out[VL_ALTNAME_MAX], const char *lab, const char *node)
{
	if (node)
		snprintf(out, VL_ALTNAME_MAX, "%s%s:%s", VL_ALIAS_PREFIX, lab, node);
	else
		snprintf(out, VL_ALTNAME_MAX, "%s%s", VL_ALIAS_PREFIX, lab);
}

void vl_derive_mac(uint8_t mac[6], const char *lab, const char *node, const char *nic)
{
	/* Two FNV-1a hashes over differently salted input give 64 bits; 40 of
	 * them are used. The first byte 0x02 marks it locally administered
	 * unicast, so it never clashes with a real vendor's address. */
	char *k1 = xasprintf("%s/%s/%s", lab ? lab : "", node ? node : "", nic ? nic : "");
	char *k2 = xasprintf("mac:%s", k1);
	uint32_t h1 = vl_hash32(k1), h2 = vl_hash32(k2);
	free(k1);
	free(k2);
	mac[0] = 0x02;
	mac[1] = (uint8_t)(h1 >> 24);
	mac[2] = (uint8_t)(h1 >> 16);
	mac[3] = (uint8_t)(h1 >> 8);
	mac[4] = (uint8_t)h1;
	mac[5] = (uint8_t)(h2 ^ (h2 >> 8) ^ (h2 >> 16) ^ (h2 >> 24));
}

struct vl_prefix vl_ll6_eui64(const uint8_t mac[6])
{
	struct vl_prefix p = {.family = AF_INET6, .len = 64};
	p.addr[0] = 0xfe;
	p.addr[1] = 0x80;
	p.addr[8] = mac[0] ^ 2;
	p.addr[9] = mac[1];
	p.addr[10] = mac[2];
	p.addr[11] = 0xff;
	p.addr[12] = 0xfe;
	p.addr[13] = mac[3];
	p.addr[14] = mac[4];
	p.addr[15] = mac[5];
	return p;
}
