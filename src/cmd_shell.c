/* vlab shell LAB NODE: an interactive shell inside a node ($SHELL, else
 * /bin/bash -i), entered like `vlab exec`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vlab/cmd.h"
#include "vlab/exec.h"
#include "vlab/state.h"

int cmd_shell(int argc, char **argv)
{
	if (argc != 3 || argv[1][0] == '-' || argv[2][0] == '-') {
		vl_usage(stderr, "shell");
		return VL_EXIT_USAGE;
	}
	int rc = vl_need_root("shell");
	if (rc)
		return rc;
	rc = vl_node_enter(argv[1], argv[2]);
	if (rc)
		return rc;
	const char *sh = getenv("SHELL");
	if (!sh || !*sh)
		sh = "/bin/bash";
	/* a prompt that says where we are, for shells that honour it */
	char *ps1 = xasprintf("[%s:%s] \\w \\$ ", argv[1], argv[2]);
	setenv("PS1", ps1, 1);
	setenv("VLAB_LAB", argv[1], 1);
	setenv("VLAB_NODE", argv[2], 1);
	free(ps1);
	char *const args[] = {(char *)sh, "-i", NULL};
	execvp(sh, args);
	int e = errno;
	fprintf(stderr, "vlab: %s: %s\n", sh, strerror(e));
	return e == ENOENT ? 127 : 126;
}
