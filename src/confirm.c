/* Asking before doing what a lab file asks for as root (vl_confirm). */
#include <stdio.h>
#include <unistd.h>

#include "vlab/cmd.h"

int vl_confirm(const char *doing, const char *question)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO)) {
		fprintf(stderr, "vlab: not %s without a terminal to confirm; give --yes to "
			"go ahead (only for files you trust)\n", doing);
		return VL_EXIT_USAGE;
	}
	fprintf(stderr, "%s [y/N] ", question);
	char ans[16] = "";
	if (!fgets(ans, sizeof(ans), stdin) || (ans[0] != 'y' && ans[0] != 'Y')) {
		fprintf(stderr, "vlab: not confirmed; nothing was done\n");
		return VL_EXIT_USAGE;
	}
	return 0;
}
