/* Every privileged place vlab keeps things, in one module, so that a
 * rootless mode (a user namespace with its own run directory) can later
 * move them by changing this file alone:
 *   /run/vlab/<lab>/<leaf>     a lab's state, hosts file and lock
 *   /run/netns/<ns>            named network namespaces (iproute2's place)
 *   /etc/netns/<ns>/<leaf>     per-namespace /etc files (hosts)
 * Composed paths are written to `out` (n bytes), cut if they do not fit. */
#ifndef VLAB_PATHS_H
#define VLAB_PATHS_H

#include <stddef.h>

#define VL_RUN_DIR "/run/vlab"         /* state: /run/vlab/<lab>/ */
#define VL_NETNS_DIR "/run/netns"
#define VL_ETC_NETNS_DIR "/etc/netns"  /* per-namespace /etc files (hosts) */
#define VL_ETC_HOSTS_TMP ".hosts.vlab-tmp" /* new hosts link, renamed over hosts */

/* /run/vlab/<lab>, or /run/vlab/<lab>/<leaf> when leaf is not NULL. */
void vl_path_lab(char *out, size_t n, const char *lab, const char *leaf);
/* /run/netns/<ns> */
void vl_path_netns(char *out, size_t n, const char *ns);
/* /etc/netns/<ns>, or /etc/netns/<ns>/<leaf> when leaf is not NULL. */
void vl_path_etc_netns(char *out, size_t n, const char *ns, const char *leaf);

#endif
