/* vlab exec LAB NODE -- CMD...: run a command inside a node, natively the
 * way `ip netns exec` does (no shell, no `ip` process): join the node's
 * network namespace, take a private mount namespace in which /sys
 * describes that network namespace and each file of /etc/netns/<ns> (the hosts
 * file) covers /etc/hosts, then execvp. The command's exit code is ours. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "vlab/cmd.h"
#include "vlab/exec.h"
#include "vlab/naming.h"
#include "vlab/state.h"

static void bind_etc(const char *ns)
{
	char dir[160];
	snprintf(dir, sizeof(dir), "/etc/netns/%s", ns);
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char src[512], dst[512];
		snprintf(src, sizeof(src), "%s/%s", dir, e->d_name);
		snprintf(dst, sizeof(dst), "/etc/%s", e->d_name);
		if (mount(src, dst, "none", MS_BIND, NULL) < 0 && errno != ENOENT)
			fprintf(stderr, "vlab: binding %s over %s: %s\n", src, dst, strerror(errno));
	}
	closedir(d);
}

int vl_node_enter(const char *lab, const char *node)
{
	if (!vl_lab_name_ok(lab, NULL)) {
		fprintf(stderr, "vlab: \"%s\" is not a lab name (see vlab ls)\n", lab);
		return VL_EXIT_USAGE;
	}
	const char *why;
	if (!vl_name_ok(node, VL_NODE_NAME_MAX, &why)) {
		fprintf(stderr, "vlab: node name \"%s\" %s\n", node, why);
		return VL_EXIT_USAGE;
	}
	char ns[VL_NSNAME_MAX];
	vl_netns_name(ns, lab, node);
	int fd = vl_netns_open(ns);
	if (fd < 0) {
		if (fd == -ENOENT)
			fprintf(stderr, "vlab: lab %s has no running node %s (see vlab status %s)\n", lab,
				node, lab);
		else
			fprintf(stderr, "vlab: opening namespace %s: %s\n", ns, strerror(-fd));
		return VL_EXIT_FAIL;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "vlab: entering namespace %s: %s\n", ns, strerror(errno));
		close(fd);
		return VL_EXIT_FAIL;
	}
	close(fd);
	if (unshare(CLONE_NEWNS) < 0) {
		fprintf(stderr, "vlab: unshare(CLONE_NEWNS): %s (needs root: CAP_SYS_ADMIN)\n",
			strerror(errno));
		return VL_EXIT_FAIL;
	}
	/* our mounts below must not leak back to the host */
	if (mount("", "/", "none", MS_SLAVE | MS_REC, NULL) < 0) {
		fprintf(stderr, "vlab: making / a slave mount: %s\n", strerror(errno));
		return VL_EXIT_FAIL;
	}
	unsigned long flags = 0;
	if (umount2("/sys", MNT_DETACH) < 0) {
		struct statvfs sv;
		if (statvfs("/sys", &sv) == 0 && (sv.f_flag & ST_RDONLY))
			flags = MS_RDONLY;
	}
	if (mount(ns, "/sys", "sysfs", flags, NULL) < 0)
		fprintf(stderr, "vlab: mounting /sys for %s: %s (continuing)\n", ns, strerror(errno));
	bind_etc(ns);
	return 0;
}

int cmd_exec(int argc, char **argv)
{
	int cmd = 3;
	if (argc > 3 && !strcmp(argv[3], "--"))
		cmd = 4;
	if (argc <= cmd || argv[1][0] == '-' || argv[2][0] == '-') {
		vl_usage(stderr, "exec");
		return VL_EXIT_USAGE;
	}
	int rc = vl_need_root("exec");
	if (rc)
		return rc;
	rc = vl_node_enter(argv[1], argv[2]);
	if (rc)
		return rc;
	/* marks the process as vlab's: `down` ends it (src/holders.c) */
	setenv("VLAB_LAB", argv[1], 1);
	setenv("VLAB_NODE", argv[2], 1);
	execvp(argv[cmd], argv + cmd);
	int e = errno;
	if (e == ENOENT)
		fprintf(stderr, "vlab: %s: command not found (a node runs the programs of this "
			"machine: install it here or give its full path)\n", argv[cmd]);
	else
		fprintf(stderr, "vlab: %s: %s\n", argv[cmd], strerror(e));
	return e == ENOENT ? 127 : 126;
}
