/* vlab: build virtual-network labs from one INI file. Subcommands are rows
 * of the table below; each lives in src/cmd_NAME.c. */
#include <stdio.h>
#include <string.h>

#include "vlab/cmd.h"
#include "vlab/util.h"

#ifndef VLAB_VERSION
#define VLAB_VERSION "0.1.0"
#endif

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;
	const char *help;
};

static const struct command commands[] = {
	{"check", cmd_check, "FILE [--json]", "validate a topology; print every problem with its line"},
	{"plan", cmd_plan, "FILE [--json] [--teardown] [--against LAB]", "print the kernel operations `up` would run"},
	{"graph", cmd_graph, "FILE|LAB [--all] [--svg OUT]", "print the topology (of a running LAB: as it runs) as Graphviz DOT"},
	{"up", cmd_up, "[--yes] FILE", "build the lab in the kernel (root)"},
	{"apply", cmd_apply, "FILE [--dry-run [--json]]", "change a running lab into what its edited FILE says (root)"},
	{"migrate", cmd_migrate, "LAB VM HOST [--switch SW] [--dry-run]", "move a running VM to another host (root)"},
	{"down", cmd_down, "LAB|FILE", "remove everything the lab created (root)"},
	{"status", cmd_status, "[LAB] [--json]", "show a running lab's nodes, interfaces, addresses"},
	{"ls", cmd_ls, "[--json]", "list running labs"},
	{"exec", cmd_exec, "LAB NODE -- CMD [ARG...]", "run a command inside a node (root)"},
	{"shell", cmd_shell, "LAB NODE", "open a shell inside a node (root)"},
	{"test", cmd_test, "FILE|LAB [OPTION...]", "prove a lab: run its [test] assertions (root)"},
	{"capture", cmd_capture, "LAB NODE:IF [OPTS] [FILTER]",
	 "capture on a NIC, switch port or VTEP: -c N, -w FILE|- (root)"},
	{"stats", cmd_stats, "LAB [NODE[:IF]] [OPTS]",
	 "counters, drops, qdisc drops: --json, --watch [S] (root)"},
	{"impair", cmd_impair, "LAB NODE:IF [KEY=VALUE...]",
	 "change a NIC's shaping in place; in|out, --show, --reset, --clear (root)"},
	{"trace", cmd_trace, "LAB SRC DST [OPTS]",
	 "the path SRC -> DST hop by hop, where and why it stops: --size N, --json, --probe (root)"},
	{"link", cmd_link, "LAB NODE:IF down|up", "pull or plug back a NIC's cable (root)"},
	{"fault", cmd_fault, "LAB [NODE:IF FAULT|--stop]",
	 "flap PERIOD [for T], loss PCT for T, delay TIME for T: ends by itself (root)"},
	{"clean", cmd_clean, "[--all] [--dry-run]", "remove leftovers of crashed labs; --all: every lab (root)"},
	{"doctor", cmd_doctor, "[FILE] [--json]", "check the kernel has what labs (or FILE) need"},
};

/* Options of commands that have many, for `vlab help COMMAND`. */
static const struct {
	const char *name, *text;
} details[] = {
	{"test", "  --keep        leave a lab it brought up running afterwards\n"
		 "  --only NAME   run only [test NAME]\n"
		 "  -j N          at most N checks at once (default 16)\n"
		 "  --junit OUT   also write JUnit XML to OUT\n"
		 "  --json        print JSON instead of TAP on stdout\n"
		 "  --yes         run cmd assertions (and startup commands) without asking\n"
		 "Exit status: 0 all passed, 6 a check failed, others: could not run.\n"},
	{"up", "  --yes, -y     run the file's startup commands (run, run!, daemon) without\n"
	       "                asking; without it and without a terminal, commands not\n"
	       "                approved before are refused (see vlab(1), vlab.ini(5))\n"},
	{"trace", "  SRC           a node, or NODE:IF to leave by that interface\n"
		  "  DST           a node, NODE:IF or an address\n"
		  "  --size N      IP packet size in bytes, don't-fragment set (default 84)\n"
		  "  --json        hops and verdict as JSON\n"
		  "  --probe       also send one echo request and say which hops' counters moved\n"
		  "Exit status: 0 the path is complete, 6 it is broken (where and why printed).\n"},
};

void vl_usage(FILE *out, const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const struct command *c = &commands[i];
		if (name && strcmp(name, c->name))
			continue;
		if (name) {
			fprintf(out, "usage: vlab %s %s\n  %s\n", c->name, c->args, c->help);
			for (size_t d = 0; d < sizeof(details) / sizeof(details[0]); d++)
				if (!strcmp(details[d].name, name))
					fputs(details[d].text, out);
			fputs("See vlab(1).\n", out);
			return;
		}
	}
	fprintf(out, "usage: vlab [-q|-v] COMMAND [ARGS]\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %-28s %s\n", commands[i].name, commands[i].args,
			commands[i].help);
	fprintf(out, "\n  -q, --quiet           only errors (before or after COMMAND)\n"
		     "  -v, --verbose         more detail: each kernel operation, timings per phase\n"
		     "  vlab help COMMAND     details of one command\n"
		     "  vlab --version        print the version\n\n"
		     "Topology file format: vlab.ini(5). Commands and exit codes: vlab(1).\n");
}

static int global_opt(const char *a)
{
	if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
		return VL_QUIET;
	if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
		return VL_VERBOSE;
	return 2;
}

/* -q/--quiet and -v/--verbose, accepted before and after the subcommand,
 * are taken out of argv (the last one wins). After the subcommand they are
 * looked for up to "--" only, and for exec only before its command (in
 * `vlab exec LAB NODE ping -v HOST`, -v is ping's). */
static void global_opts(int *argc, char **argv)
{
	int out = 1, positional = 0;
	bool cmd_seen = false, is_exec = false, done = false;
	for (int i = 1; i < *argc; i++) {
		char *a = argv[i];
		int v = done ? 2 : global_opt(a);
		if (v != 2) {
			vl_set_verbosity(v);
			continue;
		}
		argv[out++] = a;
		if (done)
			continue;
		if (!strcmp(a, "--") && cmd_seen) {
			done = true;
		} else if (!cmd_seen && a[0] != '-') {
			cmd_seen = true;
			is_exec = !strcmp(a, "exec");
		} else if (cmd_seen && a[0] != '-' && is_exec && ++positional == 3) {
			done = true;
		}
	}
	argv[out] = NULL;
	*argc = out;
}

int main(int argc, char **argv)
{
	global_opts(&argc, argv);
	if (argc < 2) {
		vl_usage(stderr, NULL);
		return VL_EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		vl_usage(stdout, NULL);
		return VL_EXIT_OK;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		printf("vlab %s\n", VLAB_VERSION);
		return VL_EXIT_OK;
	}
	if (!strcmp(cmd, "help")) {
		if (argc > 2) {
			for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
				if (!strcmp(argv[2], commands[i].name)) {
					vl_usage(stdout, argv[2]);
					return VL_EXIT_OK;
				}
			fprintf(stderr, "vlab: no command \"%s\"; see vlab --help\n", argv[2]);
			return VL_EXIT_USAGE;
		}
		vl_usage(stdout, NULL);
		return VL_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(cmd, commands[i].name))
			continue;
		if (argc > 2 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
			vl_usage(stdout, cmd);
			return VL_EXIT_OK;
		}
		return commands[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "vlab: unknown command \"%s\"; see vlab --help\n", cmd);
	return VL_EXIT_USAGE;
}
