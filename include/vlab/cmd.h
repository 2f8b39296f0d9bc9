/* Subcommands: one file each (src/cmd_*.c), dispatched from the table in
 * src/main.c. Each returns the process exit code (see man/vlab.1). */
#ifndef VLAB_CMD_H
#define VLAB_CMD_H

#include "vlab/model.h"

/* Exit codes (documented in vlab.1). */
enum {
	VL_EXIT_OK = 0,
	VL_EXIT_FAIL = 1,      /* topology invalid, test failed, command failed */
	VL_EXIT_USAGE = 2,     /* bad command line */
	VL_EXIT_KERNEL = 3,    /* a kernel operation failed (rolled back) */
	VL_EXIT_BUSY = 4,      /* another vlab command holds the lab's lock */
	VL_EXIT_PERM = 5,      /* needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN) */
	VL_EXIT_TESTS = 6,     /* vlab test: it ran, and at least one check failed */
};

int cmd_check(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_graph(int argc, char **argv);
int cmd_up(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_shell(int argc, char **argv);
int cmd_clean(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_capture(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_impair(int argc, char **argv);
int cmd_link(int argc, char **argv);
int cmd_fault(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_trace(int argc, char **argv);

/* Shared by apply, migrate and plan --against (src/cmd_apply.c). */
struct vl_state;
struct vl_diff;
struct vl_strv;
/* The running lab's topology: its recorded copy with the recorded
 * placements; NULL (message printed) when there is none. */
struct vl_topology *vl_running_topology(const char *lab, const struct vl_state *st);
void vl_apply_places(struct vl_topology *t, const struct vl_strv *place);
/* Lock the lab (unless dry) and read its state; 0 or an exit code. */
int vl_apply_begin(const char *lab, bool dry, int *lock, struct vl_state *st);
/* Print the difference between running LAB and FILE; an exit code. */
int vl_diff_against(const char *file, const char *lab, bool json);
/* Print a difference on stdout, as JSON or as `vlab plan` text. */
void vl_diff_show(const struct vl_diff *d, bool json);
struct vl_change {
	const char *lab;
	const struct vl_state *st;        /* as read before the change */
	const struct vl_topology *old, *new;
	const struct vl_diff *diff;       /* old -> new */
	const char *text;                 /* topology text of `new` */
	size_t len;
	const char *file, *hash;          /* recorded for `new` */
	const struct vl_strv *place;      /* placements of `new` (migrate) */
};
/* Run the change with its record, undo and commit; an exit code. */
int vl_apply_change(const struct vl_change *c);

/* Parse and validate FILE, printing every diagnostic to stderr. Returns a
 * topology (caller frees with vl_topology_free + free) or NULL when the file
 * has errors. `quiet_warnings` hides warnings. */
struct vl_topology *vl_load(const char *file, bool quiet_warnings);

/* vl_load, then plan it (the plan owns all it needs; the topology is freed).
 * Returns 0, or VL_EXIT_FAIL with every diagnostic printed and `p` empty. */
struct vl_plan;
int vl_load_plan(const char *file, bool quiet_warnings, struct vl_plan *p);

/* A file that may be someone else's asks for something done as root on
 * this machine (cmd assertions, external access): after the caller showed
 * what, ask on the terminal. 0 = confirmed; VL_EXIT_USAGE (message
 * printed) when declined or when there is no terminal to ask (`doing`
 * names what is not done: "running them"). src/confirm.c */
int vl_confirm(const char *doing, const char *question);

/* Print the usage of one command (name) or all (NULL). */
void vl_usage(FILE *out, const char *name);

#endif
