/* vlab impair LAB NODE:IF [KEY=VALUE...] [in|out] | --show | --reset | --clear:
 * change the shaping of one NIC of a running lab in place. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vlab/cmd.h"
#include "vlab/runtime.h"
#include "vlab/sig.h"
#include "vlab/state.h"

enum mode { M_SET, M_SHOW, M_RESET, M_CLEAR };

static void show_one(const struct vl_rt_lab *L, const char *node, const char *nic, int dir,
		     const struct vl_rt_place *pl, const struct vl_changes *c, int *rc)
{
	struct vl_tc_now now;
	const char *d = dir == VL_DIR_IN ? "in" : "out";
	if (vl_rt_shape_read(L->lab, pl->ns, pl->dev, &now) < 0) {
		*rc = VL_EXIT_KERNEL;
		return;
	}
	struct vl_buf k = {0}, f = {0};
	if (now.root_handle && strcmp(now.root_kind, "tbf") && strcmp(now.root_kind, "netem"))
		vl_buf_printf(&k, "a %s qdisc vlab did not make", now.root_kind);
	else
		vl_shape_text(&now.shape, &k);
	vl_shape_text(&pl->file, &f);
	const struct vl_shape *rec = vl_changes_shape(c, node, nic, dir);
	bool differs = rec != NULL; /* what impair recorded, as status says */
	printf("%s:%s %-3s %s  (on %s %s; file: %s)%s\n", node, nic, d, k.s, pl->owner, pl->dev,
	       f.s, differs ? "  * changed" : "");
	vl_buf_free(&k);
	vl_buf_free(&f);
}

int cmd_impair(int argc, char **argv)
{
	enum mode mode = M_SET;
	int dir = -1;
	const char *pos[2] = {0};
	size_t npos = 0;
	struct vl_strv keys = {0};
	int rc = VL_EXIT_USAGE;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		enum mode m = !strcmp(a, "--show") ? M_SHOW : !strcmp(a, "--reset") ? M_RESET :
			      !strcmp(a, "--clear") ? M_CLEAR : M_SET;
		if (m != M_SET) {
			if (mode != M_SET) {
				fprintf(stderr, "vlab impair: give one of --show, --reset, --clear\n");
				goto usage;
			}
			mode = m;
		} else if (a[0] == '-') {
			fprintf(stderr, "vlab impair: unknown option %s (options: --show --reset --clear)\n", a);
			goto usage;
		} else if (!strcmp(a, "in") || !strcmp(a, "out")) {
			dir = a[0] == 'i' ? VL_DIR_IN : VL_DIR_OUT;
		} else if (npos < 2 && !strchr(a, '=')) {
			pos[npos++] = a;
		} else if (npos == 2 && strchr(a, '=')) {
			vl_strv_push(&keys, a);
		} else {
			fprintf(stderr, "vlab impair: unexpected \"%s\"\n", a);
			goto usage;
		}
	}
	char node[VL_NODE_NAME_MAX + 1], nic[VL_DEVNAME_MAX];
	if (npos != 2) {
		fprintf(stderr, "vlab impair: give the lab and NODE:IF\n");
		goto usage;
	}
	if (vl_rt_nodeif("impair", pos[1], node, nic) < 0)
		goto usage;
	if (mode == M_SET && !keys.n) {
		fprintf(stderr, "vlab impair: what to change? KEY=VALUE (rate delay jitter loss duplicate "
			"corrupt reorder burst limit), or --show, --reset, --clear\n");
		goto usage;
	}
	if (mode != M_SET && keys.n) {
		fprintf(stderr, "vlab impair: --show, --reset and --clear take no KEY=VALUE\n");
		goto usage;
	}

	struct vl_rt_lab L;
	rc = vl_rt_open("impair", pos[0], mode != M_SHOW, &L);
	if (rc)
		goto close;
	int dirs[2], nd = 0;
	if (dir >= 0)
		dirs[nd++] = dir;
	else if (mode == M_SET)
		dirs[nd++] = VL_DIR_OUT;
	else {
		dirs[nd++] = VL_DIR_OUT;
		dirs[nd++] = VL_DIR_IN;
	}
	struct vl_rt_place pl[2];
	struct vl_buf err = {0};
	for (int i = 0; i < nd; i++)
		if (vl_rt_where("impair", L.t, node, nic, dirs[i], &pl[i]) < 0) {
			rc = VL_EXIT_USAGE;
			goto close;
		}
	struct vl_changes c;
	vl_changes_read(L.lab, &c);
	vl_changes_prune(&c);
	if (mode == M_SHOW) {
		for (int i = 0; i < nd; i++)
			show_one(&L, node, nic, dirs[i], &pl[i], &c, &rc);
		goto free_changes;
	}
	if (vl_rt_fault_busy("impair", &c, L.lab, node, nic)) {
		rc = VL_EXIT_FAIL;
		goto free_changes;
	}
	/* every value checked before the first change */
	struct vl_shape want[2];
	for (int i = 0; i < nd; i++) {
		const struct vl_shape *rec = vl_changes_shape(&c, node, nic, dirs[i]);
		memset(&want[i], 0, sizeof(want[i]));
		if (mode == M_RESET)
			want[i] = pl[i].file;
		else if (mode == M_SET)
			want[i] = rec ? *rec : pl[i].file;
		if (mode == M_SET && vl_impair_args(&want[i], keys.v, keys.n, &err) < 0) {
			fprintf(stderr, "vlab impair: %s:%s: %s; nothing changed\n", node, nic, err.s);
			vl_buf_free(&err);
			rc = VL_EXIT_USAGE;
			goto free_changes;
		}
	}
	vl_sig_guard();
	for (int i = 0; i < nd; i++) {
		const char *d = dirs[i] == VL_DIR_IN ? "in" : "out";
		if (vl_rt_shape_set(L.lab, pl[i].ns, pl[i].dev, &want[i]) < 0) {
			fprintf(stderr, "vlab impair: %s:%s %s unchanged\n", node, nic, d);
			rc = VL_EXIT_KERNEL;
			break;
		}
		bool same = vl_shape_same(&want[i], &pl[i].file);
		vl_changes_set_shape(&c, node, nic, dirs[i], same ? NULL : &want[i]);
		struct vl_buf t = {0};
		vl_shape_text(&want[i], &t);
		vl_info("vlab: %s:%s %s: %s (on %s %s)%s\n", node, nic, d, t.s, pl[i].owner, pl[i].dev,
		       same ? ", as the file says" : "");
		vl_buf_free(&t);
	}
	int w = vl_changes_write(L.lab, &c);
	if (w < 0) {
		fprintf(stderr, "vlab impair: recording the change in %s/%s: %s\n", VL_RUN_DIR, L.lab,
			strerror(-w));
		rc = VL_EXIT_FAIL;
	}
free_changes:
	vl_changes_free(&c);
close:
	vl_rt_close(&L);
	vl_strv_free(&keys);
	return vl_sig_exit(rc);
usage:
	vl_strv_free(&keys);
	vl_usage(stderr, "impair");
	return VL_EXIT_USAGE;
}
