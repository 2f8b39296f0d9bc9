/* The privileged places vlab uses (see include/vlab/paths.h). */
#include "vlab/paths.h"

#include <stdio.h>

void vl_path_lab(char *out, size_t n, const char *lab, const char *leaf)
{
	if (leaf)
		snprintf(out, n, "%s/%s/%s", VL_RUN_DIR, lab, leaf);
	else
		snprintf(out, n, "%s/%s", VL_RUN_DIR, lab);
}

void vl_path_netns(char *out, size_t n, const char *ns)
{
	snprintf(out, n, "%s/%s", VL_NETNS_DIR, ns);
}

void vl_path_etc_netns(char *out, size_t n, const char *ns, const char *leaf)
{
	if (leaf)
		snprintf(out, n, "%s/%s/%s", VL_ETC_NETNS_DIR, ns, leaf);
	else
		snprintf(out, n, "%s/%s", VL_ETC_NETNS_DIR, ns);
}
