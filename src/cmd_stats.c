/* vlab stats LAB [NODE[:IF]] [--json] [--watch [SECONDS]] [--count N]:
 * packets, bytes, drops and errors of every interface of every layer of a
 * running lab (VM NICs, switch ports, bridges, VTEPs, underlay NICs), with
 * the drops and overlimits of their qdiscs, read by netlink (nl_stats.c).
 * Rows are sorted so the one that drops most comes first; --watch shows
 * rates per second instead of totals. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/if.h>

#include "vlab/cmd.h"
#include "vlab/exec.h"
#include "vlab/observe.h"
#include "vlab/sig.h"
#include "vlab/state.h"

static const char *state_word(unsigned flags)
{
	if (!(flags & IFF_UP))
		return "down";
	return flags & IFF_LOWER_UP ? "up" : "no-carrier";
}

/* Does interface k of namespace i belong to what the user asked for? */
static bool wanted(const struct vl_obs_lab *l, size_t i, size_t k, int sel_ns, int sel_if,
		   int bridge)
{
	if (sel_ns < 0)
		return true;
	if ((int)i != sel_ns)
		return false;
	if (sel_if >= 0)
		return (int)k == sel_if;
	const struct vl_ifrec *f = &l->v[i].ifs[k];
	return !bridge || f->index == bridge || f->master == bridge;
}

struct selection {
	int ns, ifc, bridge;
};

/* Rows of the lab: totals when prev is NULL, else rates since prev. */
static size_t make_rows(const struct vl_obs_lab *l, const struct vl_obs_lab *prev, double dt,
			const struct selection *sel, struct vl_stat_row **out)
{
	struct vl_stat_row *rows = NULL;
	size_t n = 0, cap = 0, order = 0;
	for (size_t i = 0; i < l->n; i++) {
		const struct vl_obs_ns *ns = &l->v[i];
		const struct vl_obs_ns *pns = NULL;
		for (size_t j = 0; prev && j < prev->n && !pns; j++)
			if (!strcmp(prev->v[j].ns, ns->ns))
				pns = &prev->v[j];
		for (size_t k = 0; k < ns->n; k++, order++) {
			if (!wanted(l, i, k, sel->ns, sel->ifc, sel->bridge))
				continue;
			const struct vl_ifrec *f = &ns->ifs[k];
			const struct vl_ifrec *m = f->master ? vl_obs_if_by_index(ns, f->master) : NULL;
			const struct vl_ifrec *pf = pns ? vl_obs_if_by_index(pns, f->index) : NULL;
			if (prev && !pf)
				continue; /* appeared meanwhile: no rate yet */
			struct vl_stat_row *r = VL_PUSH(rows, n, cap);
			r->node = ns->node;
			r->ns = ns->ns;
			r->name = f->name;
			r->kind = f->kind;
			r->layer = vl_obs_layer(ns, f);
			r->master = m ? m->name : NULL;
			r->qkind = f->qkind;
			r->state = state_word(f->flags);
			r->order = order;
			r->backlog = (double)f->backlog;
			for (int c = 0; c < VL_CTR__COUNT; c++)
				r->v[c] = pf ? vl_ctr_rate(pf->c[c], f->c[c], dt) : (double)f->c[c];
		}
	}
	vl_stat_sort(rows, n);
	*out = rows;
	return n;
}

static int select_target(const struct vl_obs_lab *l, const struct vl_stats_args *a,
			 struct selection *sel)
{
	*sel = (struct selection){-1, -1, 0};
	if (!a->node)
		return 0;
	struct vl_buf err = {0};
	if (a->ifname) {
		size_t ni, fi;
		if (vl_obs_find(l, a->lab, a->node, a->ifname, &ni, &fi, &err) == 0) {
			sel->ns = (int)ni;
			sel->ifc = (int)fi;
		}
	} else {
		bool sw;
		sel->ns = vl_obs_find_node(l, a->lab, a->node, &sw, &err);
		for (size_t k = 0; sw && sel->ns >= 0 && k < l->v[sel->ns].n; k++) {
			const struct vl_ifrec *f = &l->v[sel->ns].ifs[k];
			if (!strcmp(f->kind, "bridge") && !strcmp(f->name, a->node))
				sel->bridge = f->index;
		}
	}
	if (err.len) {
		fprintf(stderr, "vlab stats: %s\n", err.s);
		vl_buf_free(&err);
		return VL_EXIT_FAIL;
	}
	return 0;
}

static void print_unreadable(const struct vl_obs_lab *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].err)
			fprintf(stderr, "vlab stats: warning: cannot read %s (%s): %s\n", l->v[i].node,
				l->v[i].ns, strerror(-l->v[i].err));
}

/* false when stdout is gone (a closed pipe: `| head`; SIGPIPE is ignored
 * under the signal guard) */
static bool print_rows(const struct vl_stats_args *a, const struct vl_stat_row *rows, size_t n,
		       double dt)
{
	struct vl_buf b = {0};
	if (a->json) {
		vl_stats_json(&b, a->lab, rows, n, dt);
		vl_buf_add(&b, "\n");
	} else {
		if (dt > 0) {
			char ts[16];
			time_t now = time(NULL);
			strftime(ts, sizeof(ts), "%H:%M:%S", localtime(&now));
			if (vl_tty(stdout)) /* a screen: redraw it; a file or pipe: append */
				vl_buf_add(&b, "\033[H\033[2J");
			vl_buf_printf(&b, "lab %s at %s: per second over the last %.1f s "
				      "(Ctrl-C stops)\n", a->lab, ts, dt);
		}
		vl_stats_table(&b, rows, n, dt > 0);
		if (dt > 0 && !vl_tty(stdout))
			vl_buf_add(&b, "\n");
	}
	bool ok = !b.s || fputs(b.s, stdout) >= 0;
	ok = fflush(stdout) == 0 && ok;
	vl_buf_free(&b);
	return ok;
}

static int watch(const struct vl_stats_args *a, int home, struct vl_obs_lab *first,
		 const struct selection *sel)
{
	/* Ctrl-C (TERM, HUP) ends the watch, exit 0; the guard's handlers
	 * have no SA_RESTART: the sleep ends at once */
	vl_sig_guard();
	struct vl_obs_lab prev = *first;
	memset(first, 0, sizeof(*first));
	double t0 = vl_mono_s();
	int rc = VL_EXIT_OK;
	for (long shown = 0; !vl_sig_caught() && (!a->count || shown < a->count); shown++) {
		struct timespec d = {(time_t)a->interval,
				     (long)((a->interval - (double)(time_t)a->interval) * 1e9)};
		while (!vl_sig_caught() && nanosleep(&d, &d) < 0 && errno == EINTR)
			;
		if (vl_sig_caught())
			break;
		struct vl_obs_lab cur = {0};
		if (vl_obs_read_lab(a->lab, home, &cur) < 0 || !cur.n) {
			fprintf(stderr, "vlab stats: lab %s is no longer running\n", a->lab);
			vl_obs_lab_free(&cur);
			rc = VL_EXIT_FAIL;
			break;
		}
		double t1 = vl_mono_s();
		struct vl_stat_row *rows;
		/* the selection was made on the first read: namespaces and
		 * interface positions may move, so select again by name */
		struct selection s2 = *sel;
		if (sel->ns >= 0) {
			struct vl_stats_args a2 = *a;
			if (select_target(&cur, &a2, &s2)) {
				vl_obs_lab_free(&cur);
				rc = VL_EXIT_FAIL;
				break;
			}
		}
		size_t n = make_rows(&cur, &prev, t1 - t0, &s2, &rows);
		bool ok = print_rows(a, rows, n, t1 - t0);
		free(rows);
		if (!ok) { /* the reader went away: a normal end */
			vl_obs_lab_free(&cur);
			break;
		}
		vl_obs_lab_free(&prev);
		prev = cur;
		t0 = t1;
	}
	vl_obs_lab_free(&prev);
	return rc;
}

int cmd_stats(int argc, char **argv)
{
	struct vl_stats_args a;
	struct vl_buf err = {0};
	if (vl_stats_parse(argc, argv, &a, &err) < 0) {
		fprintf(stderr, "vlab stats: %s\n", err.s);
		vl_buf_free(&err);
		vl_usage(stderr, "stats");
		return VL_EXIT_USAGE;
	}
	int rc = vl_need_root("stats");
	char *lab = rc ? NULL : vl_resolve_lab(a.lab);
	if (!rc && !lab)
		rc = VL_EXIT_USAGE;
	if (rc) {
		vl_stats_args_free(&a);
		return rc;
	}
	a.lab = lab;
	int home = vl_netns_self();
	if (home < 0) {
		fprintf(stderr, "vlab stats: opening our network namespace: %s\n", strerror(-home));
		free(lab);
		vl_stats_args_free(&a);
		return VL_EXIT_FAIL;
	}
	struct vl_obs_lab l = {0};
	if (vl_obs_read_lab(lab, home, &l) < 0) {
		vl_lab_not_running("stats", lab);
		rc = VL_EXIT_FAIL;
		goto out;
	}
	print_unreadable(&l);
	struct selection sel;
	rc = select_target(&l, &a, &sel);
	if (rc)
		goto out;
	if (a.watch) {
		rc = watch(&a, home, &l, &sel);
	} else {
		struct vl_stat_row *rows;
		size_t n = make_rows(&l, NULL, 0, &sel, &rows);
		print_rows(&a, rows, n, 0);
		free(rows);
	}
out:
	vl_obs_lab_free(&l);
	close(home);
	free(lab);
	vl_stats_args_free(&a);
	return rc;
}
