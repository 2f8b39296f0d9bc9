/* Commands not written yet. Each is removed from here when its own
 * src/cmd_NAME.c lands. */
#include <stdio.h>

#include "vlab/cmd.h"

#define STUB(name)                                                              \
	int cmd_##name(int argc, char **argv)                                   \
	{                                                                       \
		(void)argc;                                                     \
		(void)argv;                                                     \
		fprintf(stderr, "vlab: %s is not implemented yet\n", #name);   \
		return VL_EXIT_FAIL;                                            \
	}

