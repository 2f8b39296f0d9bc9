/* What a running lab is, on disk: /run/vlab/<lab>/ (0755, root's)
 *   state   (0644) text, one "key value" per line, every value escaped
 *           (%XX for each byte outside '!'..'~' and for '%', so a value
 *           is one word on one line whatever it holds): lab, file
 *           (absolute path), hash (of the file's content), pid, status
 *           (building|up; the last line wins), and one "netns NAME" line
 *           per namespace, appended before it exists (so a crash loses
 *           nothing). Lines with control characters or bad escapes are
 *           ignored (counted in `bad`). The netns list is a record only:
 *           down and clean delete what carries the lab's mark, never a
 *           name because the state lists it.
 *   hosts   (0644) the lab's shared hosts file (/etc/netns/<ns>/hosts
 *           link here);
 *   lock    (0600) flock()ed by every command working on the lab.
 * Every file is created with O_EXCL|O_NOFOLLOW in a directory opened with
 * O_NOFOLLOW and checked to be root's and writable by root only.
 * Only `up` creates it, only `down`/`clean` remove it. */
#ifndef VLAB_STATE_H
#define VLAB_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "vlab/naming.h"
#include "vlab/util.h"

struct vl_state {
	char *lab;
	char *file;
	char *hash;
	char *status;       /* "building", "up" */
	long pid;
	struct vl_strv netns;
	/* `vlab migrate`: "place NODE NIC SWITCH" lines, one value each
	 * ("NODE NIC SWITCH", blanks escaped); the last line per NIC wins */
	struct vl_strv place;
	char *applying;     /* hash of topology.next while an apply runs (or died) */
	struct vl_strv nplace; /* the placements topology.next goes with */
	size_t bad;         /* lines ignored: malformed or unknown */
};

void vl_state_path(char *out, size_t n, const char *lab, const char *leaf);
/* Take the lab's lock (creating /run/vlab/<lab>/ when `create`).
 * Returns an fd, -EWOULDBLOCK when another command holds it, -ENOENT when
 * the lab has no directory and !create, or -errno. */
int vl_state_lock(const char *lab, bool create, bool *created_dir);
/* vl_state_lock, retried for up to wait_s seconds while another command
 * holds the lock: a fault process holds it for each change it makes (a
 * few ms), so down, clean and the runtime commands wait that out instead
 * of calling the lab busy. -EWOULDBLOCK only after wait_s. */
#define VL_LOCK_WAIT 10.0
int vl_state_lock_wait(const char *lab, bool create, bool *created_dir, double wait_s);
void vl_state_unlock(int fd);
/* 0, -ENOENT (no state file), -errno (-ELOOP: a symlink, not read). */
int vl_state_read(const char *lab, struct vl_state *s);
/* Parse a state file's text (exported for unit tests). */
#include <stdio.h>
int vl_state_parse(FILE *f, const char *lab, struct vl_state *s);
/* The escaping of state values; caller frees; unescape: NULL when malformed. */
char *vl_state_escape(const char *s);
char *vl_state_unescape(const char *s);
/* Open a directory vlab writes in (creating it, 0755, when `create`)
 * without following a symlink; refused (-EPERM, message printed) unless
 * it is ours and writable by us alone. fd or -errno. */
int vl_checked_dir(const char *path, bool create);
/* The same for /run/vlab and /run/vlab/<lab>. */
int vl_state_dir(const char *lab, bool create);
/* Append "netns NAME" (escaped) to the state; 0 or -errno. */
int vl_state_add_netns(int fd, const char *ns);
/* Write /run/vlab/<lab>/<leaf> atomically (leaf.tmp, O_EXCL|O_NOFOLLOW,
 * then rename) with exactly `mode`. */
#include <sys/types.h>
int vl_state_write_file(const char *lab, const char *leaf, const char *data, size_t len,
			mode_t mode);
void vl_state_free(struct vl_state *s);
/* Start a fresh state file (status building); returns an O_APPEND fd to
 * which the executor appends "netns" lines. */
int vl_state_begin(const char *lab, const char *file, const char *hash);
int vl_state_finish(int fd); /* append "status up", fsync-free; closes fd */
/* Remove state, hosts and lock files and the directory (and /run/vlab
 * itself when it is left empty). */
void vl_state_remove(const char *lab);
/* Labs with a directory under /run/vlab, sorted. */
void vl_state_list(struct vl_strv *labs);
/* Hex digest of a file's content (64-bit FNV-1a); caller frees. */
char *vl_file_hash(const char *path);

/* The copy of the topology a lab runs from: /run/vlab/<lab>/topology
 * (written by vl_state_begin and by `apply`), and topology.next while an
 * apply runs. Read without following links; caller frees; NULL + errno. */
char *vl_state_read_text(const char *lab, const char *leaf, size_t *len);
/* Rewrite the whole state file atomically from `s` (lab, file, hash, pid,
 * status, applying, netns, place). 0 or -errno. */
int vl_state_rewrite(const char *lab, const struct vl_state *s);
/* Append one escaped "key value" line to the state; 0 or -errno. */
int vl_state_append(const char *lab, const char *key, const char *value);

/* Commands shared by up/down/status/...: */
/* 0 when root; else prints why `cmd` needs it and returns VL_EXIT_PERM. */
int vl_need_root(const char *cmd);
/* LAB or FILE (a path, or a name ending in .ini) -> lab name; NULL after
 * printing why not. Caller frees. */
char *vl_resolve_lab(const char *arg);
/* Every namespace of `lab`: /run/netns/vlab-<lab>-* carrying the lab's
 * mark (loopback alias "vlab:<lab>:<node>", or the reservation xattr),
 * sorted. Names the state `st` lists (may be NULL) that exist without the
 * mark are reported on stderr as left alone, never returned. */
void vl_lab_netns(const char *lab, const struct vl_state *st, struct vl_strv *out);
/* vl_lab_netns with the lab's own state; true when the lab is there at all
 * (state, namespaces or its state directory), as the observers ask. */
bool vl_lab_live_netns(const char *lab, struct vl_strv *out);
/* Node name of a lab namespace ("vlab-dc-web1" -> "web1"). */
const char *vl_ns_node(const char *lab, const char *ns);

#endif
