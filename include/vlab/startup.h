/* Startup commands: `run = COMMAND`, `run! = COMMAND` and `daemon =
 * COMMAND` on a node (host, vm, router), the escape hatch of the language.
 *
 * They are the user's code, not vlab building the lab: each is executed
 * with execve("/bin/sh", {"sh", "-c", COMMAND}) inside the node, entered
 * the way `vlab exec` enters it (vl_node_enter: its network namespace, a
 * private mount namespace with its /sys and /etc/netns/<ns> files), with
 * the environment of vlab plus VLAB_LAB and VLAB_NODE, stdin /dev/null,
 * the directory of the topology file as the working directory.
 *
 * Order, in `up`, after the plan ran and before the lab is recorded up:
 * every node's run/run! commands (nodes in file order, commands in file
 * order), then every daemon. A run command that exits non-zero (or is
 * killed) fails `up`, which rolls the lab back; a run! command only warns.
 *
 * Output: /run/vlab/<lab>/out/NODE.run.N (N counts run and run! of the
 * node from 1) and NODE.daemon.N, stdout and stderr together, 0644,
 * created O_EXCL|O_NOFOLLOW in a checked directory; removed with the lab.
 *
 * Daemons: each in its own session (setsid: process group = its pid), a
 * grandchild of vlab (so no vlab command has it as a child), recorded in
 * /run/vlab/<lab>/daemons BEFORE it execs (it waits on a pipe for the
 * record: a vlab killed between fork and record leaves no daemon), one line
 * "daemon NODE N PID START COMMAND" (words %XX-escaped as in the state;
 * START is field 22 of /proc/PID/stat, so a reused pid is never taken for
 * it). Ended by down, clean and a failed up's rollback: SIGTERM to the
 * process group, SIGKILL after VL_DAEMON_GRACE seconds.
 *
 * Trust: a file with commands runs code as root. Before `up` (and `vlab
 * test FILE`) runs commands it has not seen before, they are shown and
 * need --yes or a "y" on a terminal; without both, nothing is changed.
 * Approved command sets are remembered in VL_APPROVED_FILE (root's, 0600,
 * in a 0700 root-owned directory, never through a symlink): one line per
 * set, the escaped canonical text of every command (node, key, command),
 * compared whole, so nothing but the exact same commands is ever taken
 * for approved. */
#ifndef VLAB_STARTUP_H
#define VLAB_STARTUP_H

#include <stdbool.h>
#include <stddef.h>

#include "vlab/model.h"
#include "vlab/naming.h"
#include "vlab/util.h"

#define VL_APPROVED_DIR "/var/lib/vlab"
#define VL_APPROVED_FILE VL_APPROVED_DIR "/approved"
#define VL_DAEMON_GRACE 5.0   /* seconds between SIGTERM and SIGKILL */
#define VL_STARTUP_TAIL 10    /* lines of output quoted when a run fails */

struct vl_plan;
struct vl_topology;

/* One command of the plan. */
struct vl_startup {
	enum vl_cmd_kind kind;
	char node[VL_NODE_NAME_MAX + 1];
	int n;                 /* its number among the node's runs or daemons, from 1 */
	char *cmd;
	int line;              /* in the topology file */
};

/* "run", "run!", "daemon"; and back (-1 when not one of them). */
const char *vl_cmd_key(enum vl_cmd_kind k);
int vl_cmd_kind_of(const char *key);

/* ---- pure (unit-tested) ---- */
/* Fill p->startup from a validated topology (vl_plan_build calls it). */
void vl_startup_plan(const struct vl_topology *t, struct vl_plan *p);
void vl_startup_free(struct vl_plan *p);
/* The plan's section ("# startup commands ...") and its JSON array. */
void vl_startup_print(const struct vl_plan *p, struct vl_buf *out);
void vl_startup_json(const struct vl_plan *p, struct vl_buf *out);
/* The canonical text of the plan's commands (what an approval is of):
 * one "NODE KEY COMMAND" line each; empty when none. */
void vl_startup_text(const struct vl_plan *p, struct vl_buf *out);
/* Every command, one line each: "  line N, in NODE: KEY = COMMAND". */
void vl_startup_list(const struct vl_plan *p, const char *indent, struct vl_strv *out);
/* `vlab apply`: why the startup commands of the running lab cannot
 * change in place (lines for vl_diff.refuse); nothing when equal. */
void vl_startup_refuse(const struct vl_topology *o, const struct vl_topology *n,
		       struct vl_strv *refuse);
/* The vlab check note: "runs 3 commands as root (2 run, 1 daemon)"; NULL
 * when none. Caller frees. */
char *vl_startup_note(const struct vl_topology *t);

/* ---- trust ---- */
/* Show `lines` (commands FILE runs as root), then: 0 when `yes`, or when a
 * terminal answers y; else VL_EXIT_USAGE after saying what to do (the
 * flag). `what` completes "Run them?" messages ("bringing the lab up"). */
int vl_confirm_commands(const char *file, const struct vl_strv *lines, bool yes);
/* Were these commands approved before (VL_APPROVED_FILE)? */
bool vl_startup_approved(const struct vl_plan *p);
/* Remember them; 0 or -errno (message printed; not fatal to callers). */
int vl_startup_approve(const struct vl_plan *p);
/* Set by `vlab test` once it confirmed every command of the file, so its
 * in-process `up` does not ask again. */
extern bool vl_startup_confirmed;
/* `up`: nothing to ask (no commands, approved, --yes or confirmed
 * above) or ask; records the approval. 0 = go ahead, else exit code. */
int vl_startup_trust(const char *file, const struct vl_plan *p, bool yes);

/* ---- running (root) ---- */
/* Run the run/run! commands, then start the daemons (recorded as they
 * start). `dir`: working directory. 0; -1 with the message in err (a run
 * failed, or a daemon could not start: daemons started are left for the
 * caller's rollback, vl_startup_end); 1 when a signal stopped it. */
int vl_startup_up(const struct vl_plan *p, const char *file, const char *dir,
		  struct vl_buf *err);
/* End the lab's recorded daemons (TERM, then KILL after the grace) and
 * drop the record. How many were running. Called under the lab's lock. */
int vl_startup_end(const char *lab);
/* Remove the out/ directory and the daemons record (vl_state_remove). */
void vl_startup_remove_files(int labdir_fd);
/* Status: the daemons of a lab and whether they run. */
void vl_startup_status_text(const char *lab);
void vl_startup_status_json(const char *lab, struct vl_buf *out);

/* The daemons record, parsed (exported for unit tests). */
struct vl_daemon_rec {
	char *node, *cmd;
	int n;
	long pid;
	unsigned long long start;
};
#include <stdio.h>
int vl_daemons_parse(FILE *f, struct vl_daemon_rec **out, size_t *n);
void vl_daemons_format(const struct vl_daemon_rec *d, size_t n, struct vl_buf *out);
void vl_daemons_free(struct vl_daemon_rec *d, size_t n);

#endif
