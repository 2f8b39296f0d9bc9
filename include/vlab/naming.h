/* How every kernel object of a lab is named. Names are unique within their
 * namespace, fit IFNAMSIZ, and say whose they are:
 *   namespace     vlab-<lab>-<node>            (/run/netns/...); lab names
 *                 have no '-' (a-z, 0-9, '_'), so the first '-' after
 *                 "vlab-" ends the lab: one name, one (lab, node)
 *   node NICs     as written (eth0), inside the node's own namespace
 *   bridge        the switch name, inside its host's (or its own) namespace
 *   switch port   <node>-<nic> when it fits 15 chars, else p<8 hex of hash>;
 *                 the full "<node>-<nic>" is always an altname
 *   VTEP          vx<vni> / gn<vni>[-<n>] inside the host
 *   ifalias       "vlab:<lab>" on every device vlab creates; the loopback of
 *                 each lab namespace carries "vlab:<lab>:<node>" so a
 *                 namespace is recognisably vlab's even without /run/vlab.
 */
#ifndef VLAB_NAMING_H
#define VLAB_NAMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vlab/paths.h" /* VL_RUN_DIR, VL_NETNS_DIR, VL_ETC_NETNS_DIR */

#define VL_NETNS_PREFIX "vlab-"
#define VL_ALIAS_PREFIX "vlab:"
#define VL_NSNAME_MAX 64   /* "vlab-" + lab(12) + "-" + node(32) + NUL fits */
#define VL_DEVNAME_MAX 16  /* IFNAMSIZ */
#define VL_ALTNAME_MAX 128 /* ALTIFNAMSIZ */

/* Characters allowed in lab, node, switch and other object names. */
bool vl_name_ok(const char *s, size_t max, const char **why);
/* A lab name: 1..12 of a-z, 0-9, '_' (not first); never '-', which ends
 * the lab in vlab-<lab>-<node>, so the mapping is injective. */
bool vl_lab_name_ok(const char *s, const char **why);
/* A valid Linux interface name (1..15 chars, no '/', ':', blanks, not . or ..). */
bool vl_ifname_ok(const char *s, const char **why);

void vl_netns_name(char out[VL_NSNAME_MAX], const char *lab, const char *node);
/* The bridge-side name of a node's NIC plugged into a switch. */
void vl_port_name(char out[VL_DEVNAME_MAX], const char *node, const char *nic);
void vl_port_altname(char out[VL_ALTNAME_MAX], const char *node, const char *nic);
/* VTEP device; `idx` > 0 numbers per-remote Geneve tunnels. */
void vl_vtep_name(char out[VL_DEVNAME_MAX], bool geneve, uint32_t vni, int idx);
void vl_alias(char out[VL_ALTNAME_MAX], const char *lab, const char *node);
/* A MAC derived stably from lab+node+nic: locally administered, unicast. */
void vl_derive_mac(uint8_t mac[6], const char *lab, const char *node, const char *nic);
struct vl_prefix;
/* fe80::/64 with the modified EUI-64 of `mac` (RFC 4291 2.5.1): the
 * link-local the kernel gives an Ethernet device (addr_gen_mode eui64), and
 * the one vlab adds itself to a ll6 device (len 64). */
struct vl_prefix vl_ll6_eui64(const uint8_t mac[6]);

#endif
