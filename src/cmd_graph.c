/* vlab graph FILE|LAB [--all] [--svg OUT]: the topology as Graphviz DOT on
 * stdout, or rendered to SVG by running Graphviz's dot (a viewer, not lab
 * building). For a running LAB, the topology it runs from as recorded
 * (its copy under /run/vlab, with `vlab migrate`'s placements) and what
 * was changed since (/run/vlab/LAB/changes: cables pulled with `vlab
 * link`, faults still running, `vlab impair` shaping). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vlab/cmd.h"
#include "vlab/graph.h"
#include "vlab/state.h"
#include "vlab/observe.h"
#include "vlab/runtime.h"

#define DOT_PATH "/usr/bin/dot"

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* dot -Tsvg -o OUT TMP, run directly (no shell). */
static int run_dot(const char *in, const char *out)
{
	pid_t pid = fork();
	if (pid < 0) {
		perror("vlab graph: fork");
		return -1;
	}
	if (pid == 0) {
		char *const args[] = {"dot", "-Tsvg", "-o", (char *)out, (char *)in, NULL};
		execv(DOT_PATH, args);
		fprintf(stderr, "vlab graph: running %s: %s\n", DOT_PATH, strerror(errno));
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			perror("vlab graph: waitpid");
			return -1;
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "vlab graph: %s failed to render %s (exit %d)\n", DOT_PATH,
			out, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -1;
	}
	return 0;
}

static int render_svg(const struct vl_buf *dot, const char *out)
{
	if (access(DOT_PATH, X_OK) != 0) {
		fprintf(stderr, "vlab graph: --svg needs Graphviz (%s not found); "
			"install it (apt-get install graphviz) or drop --svg to get DOT\n",
			DOT_PATH);
		return -1;
	}
	char tmp[] = "/tmp/vlab-graph-XXXXXX";
	int fd = mkstemp(tmp);
	if (fd < 0) {
		perror("vlab graph: temporary file");
		return -1;
	}
	int rc = write_all(fd, dot->s, dot->len);
	if (close(fd) < 0)
		rc = -1;
	if (rc < 0)
		fprintf(stderr, "vlab graph: writing %s: %s\n", tmp, strerror(errno));
	else
		rc = run_dot(tmp, out);
	unlink(tmp);
	return rc;
}

int cmd_graph(int argc, char **argv)
{
	const char *file = NULL, *svg = NULL;
	struct vl_graph_opts opts = {0};

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--svg")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "vlab graph: --svg needs an output file\n");
				return VL_EXIT_USAGE;
			}
			svg = argv[++i];
		} else if (!strcmp(argv[i], "--all")) {
			opts.all = true;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "vlab graph: unknown option \"%s\"\n", argv[i]);
			vl_usage(stderr, "graph");
			return VL_EXIT_USAGE;
		} else if (file) {
			fprintf(stderr, "vlab graph: one FILE or LAB only (got \"%s\" and \"%s\")\n",
				file, argv[i]);
			return VL_EXIT_USAGE;
		} else {
			file = argv[i];
		}
	}
	if (!file) {
		vl_usage(stderr, "graph");
		return VL_EXIT_USAGE;
	}

	struct stat sb;
	size_t fl = strlen(file);
	bool is_file = strchr(file, '/') || (fl > 4 && !strcmp(file + fl - 4, ".ini")) ||
		       (stat(file, &sb) == 0 && S_ISREG(sb.st_mode));
	struct vl_topology *t;
	struct vl_buf dot = {0};
	struct vl_changes live = {0};
	if (is_file) {
		t = vl_load(file, false);
	} else {
		struct vl_state st;
		if (vl_state_read(file, &st) < 0) {
			vl_lab_not_running("graph", file);
			fprintf(stderr, "vlab graph: (give a FILE to draw a lab that is not running)\n");
			return VL_EXIT_FAIL;
		}
		t = vl_running_topology(file, &st);
		vl_state_free(&st);
		vl_buf_printf(&dot, "// running lab %s as recorded (placements after vlab migrate)\n",
			      file);
		/* what changed since: a missing file is no change; faults whose
		 * process is gone are not drawn */
		vl_changes_read(file, &live);
		vl_changes_prune(&live);
		opts.running = file;
		opts.live = &live;
	}
	if (!t) {
		vl_buf_free(&dot);
		vl_changes_free(&live);
		return VL_EXIT_FAIL;
	}
	vl_graph_dot_opts(t, &opts, &dot);
	vl_changes_free(&live);
	vl_topology_free(t);
	free(t);

	int rc = VL_EXIT_OK;
	if (svg) {
		if (render_svg(&dot, svg) < 0)
			rc = VL_EXIT_FAIL;
	} else {
		fwrite(dot.s, 1, dot.len, stdout);
		if (fflush(stdout) != 0) {
			perror("vlab graph: stdout");
			rc = VL_EXIT_FAIL;
		}
	}
	vl_buf_free(&dot);
	return rc;
}
