/* What a running lab is, on disk: /run/vlab/<lab>/
 *   state   text, one "key value" per line: lab, file (absolute path),
 *           hash (of the file's content), pid, status (building|up; the
 *           last line wins), and one "netns NAME" line per namespace,
 *           appended the moment it exists (so a crash loses nothing);
 *   hosts   the lab's shared hosts file (/etc/netns/<ns>/hosts link here);
 *   lock    flock()ed by every command working on the lab.
 * Only `up` creates it, only `down`/`clean` remove it. */
#ifndef VLAB_STATE_H
#define VLAB_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "vlab/util.h"

struct vl_state {
	char *lab;
	char *file;
	char *hash;
	char *status;       /* "building", "up" */
	long pid;
	struct vl_strv netns;
};

void vl_state_path(char *out, size_t n, const char *lab, const char *leaf);
/* Take the lab's lock (creating /run/vlab/<lab>/ when `create`).
 * Returns an fd, -EWOULDBLOCK when another command holds it, -ENOENT when
 * the lab has no directory and !create, or -errno. */
int vl_state_lock(const char *lab, bool create, bool *created_dir);
void vl_state_unlock(int fd);
/* 0, -ENOENT (no state file), -errno. */
int vl_state_read(const char *lab, struct vl_state *s);
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
/* A lab name as `down LAB` accepts it. */
bool vl_lab_name_ok(const char *s);

/* Commands shared by up/down/status/...: */
/* 0 when root; else prints why `cmd` needs it and returns VL_EXIT_PERM. */
int vl_need_root(const char *cmd);
/* LAB or FILE (a path, or a name ending in .ini) -> lab name; NULL after
 * printing why not. Caller frees. */
char *vl_resolve_lab(const char *arg);
/* Every namespace of `lab`: those the state lists (st may be NULL) plus
 * /run/netns/vlab-<lab>-* whose loopback carries the "vlab:<lab>:" mark
 * (a crash between creating one and recording it). */
void vl_lab_netns(const char *lab, const struct vl_state *st, struct vl_strv *out);
/* Node name of a lab namespace ("vlab-dc-web1" -> "web1"). */
const char *vl_ns_node(const char *lab, const char *ns);

#endif
