/* vlab apply FILE [--dry-run] [--json]: change a running lab into what its
 * edited file says, touching only what changed (src/plan_diff.c computes
 * the difference, vl_exec_apply runs it).
 *
 * The running lab is the copy of the topology it was built or last changed
 * from (/run/vlab/<lab>/topology), with the placements `vlab migrate`
 * recorded. Before the first change, the new text is saved as
 * topology.next and "applying HASH" appended to the state, so a kill -9
 * leaves a record: the next apply first undoes the interrupted one (the
 * reverse difference, run tolerantly), `down` removes everything by its
 * marks. A failure or a signal half-way undoes at once: the lab is then as
 * it was; after the commit point it is as the file says. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vlab/cmd.h"
#include "vlab/exec.h"
#include "vlab/plan.h"
#include "vlab/progress.h"
#include "vlab/sig.h"
#include "vlab/state.h"

/* "NODE NIC SWITCH" */
static int split_place(const char *s, char *node, char *nic, char *sw)
{
	return sscanf(s, "%63s %63s %63s", node, nic, sw) == 3 ? 0 : -1;
}

void vl_apply_places(struct vl_topology *t, const struct vl_strv *place)
{
	for (size_t i = 0; place && i < place->n; i++) {
		char node[64], nic[64], sw[64];
		if (split_place(place->v[i], node, nic, sw) < 0 ||
		    vl_topology_place(t, node, nic, sw) < 0)
			fprintf(stderr, "vlab: warning: recorded placement \"%s\" no longer fits the "
				"topology: ignored\n", place->v[i]);
	}
}

static struct vl_topology *load_quiet(const char *path, const struct vl_strv *place)
{
	struct vl_topology *t = vl_load(path, true);
	if (t)
		vl_apply_places(t, place);
	return t;
}

void vl_diff_show(const struct vl_diff *d, bool json)
{
	struct vl_buf o = {0};
	if (json)
		vl_diff_json(d, &o);
	else
		vl_diff_print(d, &o);
	fwrite(o.s, 1, o.len, stdout);
	vl_buf_free(&o);
}

struct vl_topology *vl_running_topology(const char *lab, const struct vl_state *st)
{
	char path[300];
	vl_state_path(path, sizeof(path), lab, "topology");
	if (access(path, R_OK) == 0)
		return load_quiet(path, &st->place);
	char *h = st->file ? vl_file_hash(st->file) : NULL;
	bool same = h && st->hash && !strcmp(h, st->hash);
	free(h);
	if (same)
		return load_quiet(st->file, &st->place);
	fprintf(stderr, "vlab: lab %s runs from a version of %s that vlab kept no copy of (it was "
		"started by an older vlab) and the file has changed since: run `vlab down %s`, then "
		"`vlab up` the file\n", lab, st->file ? st->file : "its file", lab);
	return NULL;
}

static void free_topo(struct vl_topology *t)
{
	if (t) {
		vl_topology_free(t);
		free(t);
	}
}

static int open_state_append(const char *lab)
{
	char path[300];
	vl_state_path(path, sizeof(path), lab, "state");
	return open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
}

static void unlink_leaf(const char *lab, const char *leaf)
{
	char path[300];
	vl_state_path(path, sizeof(path), lab, leaf);
	unlink(path);
}

/* Record the lab as it now is: file, hash, placements, no apply in
 * progress; its namespaces: those recorded (st) and those the difference
 * `d` created, without those it removed, when d is given; else the lab's
 * marked namespaces as the kernel has them (after an undo). */
static int record(const char *lab, const struct vl_state *st, const char *file, const char *hash,
		  const struct vl_strv *place, const struct vl_diff *d)
{
	struct vl_state s = {0};
	s.file = (char *)file;
	s.hash = (char *)hash;
	s.status = (char *)"up";
	if (d) {
		const struct vl_plan *p = &d->plan;
		for (size_t i = 0; i < st->netns.n; i++) {
			bool gone = false;
			for (size_t k = 0; k < p->nops && !gone; k++)
				gone = p->ops[k].kind == VL_OP_NETNS && p->ops[k].act == VL_ACT_REMOVE &&
				       !strcmp(p->ops[k].ns, st->netns.v[i]);
			if (!gone)
				vl_strv_push(&s.netns, st->netns.v[i]);
		}
		for (size_t k = 0; k < p->nops; k++)
			if (p->ops[k].kind == VL_OP_NETNS && p->ops[k].act == VL_ACT_CREATE)
				vl_strv_push(&s.netns, p->ops[k].ns);
	} else {
		vl_lab_netns(lab, NULL, &s.netns);
	}
	if (place)
		s.place = *place;
	int r = vl_state_rewrite(lab, &s);
	vl_strv_free(&s.netns);
	return r;
}

/* Run the difference from `from` to `to` tolerantly (undo, recovery). */
static int run_tolerant(const char *lab, const struct vl_topology *from,
			const struct vl_topology *to, struct vl_buf *err)
{
	struct vl_plan pf, pt;
	struct vl_diags dg = {0};
	if (vl_plan_build(from, &pf, &dg) < 0 || vl_plan_build(to, &pt, &dg) < 0) {
		vl_diags_free(&dg);
		vl_buf_add(err, "vlab: cannot plan the undo");
		return -1;
	}
	vl_diags_free(&dg);
	struct vl_diff d;
	vl_plan_diff_plans(&pf, &pt, &d);
	int sfd = open_state_append(lab);
	int r = vl_exec_apply(&d.plan, sfd, true, NULL, err, NULL);
	if (sfd >= 0)
		close(sfd);
	vl_diff_free(&d);
	vl_plan_free(&pf);
	vl_plan_free(&pt);
	return r;
}

/* A previous apply or migrate was killed: undo it (the lab goes back to
 * its recorded topology). 0, or an exit code with the message printed. */
static int recover(const char *lab, const struct vl_state *st, const struct vl_topology *old)
{
	char path[300];
	vl_state_path(path, sizeof(path), lab, "topology.next");
	struct vl_topology *pend = access(path, R_OK) == 0 ? load_quiet(path, &st->nplace) : NULL;
	struct vl_buf err = {0};
	int r = pend ? run_tolerant(lab, pend, old, &err) : 0;
	free_topo(pend);
	if (r != 0) {
		fprintf(stderr, "%s\nvlab: lab %s: an interrupted apply could not be undone; "
			"`vlab down %s` removes the lab\n", err.s ? err.s : "", lab, lab);
		vl_buf_free(&err);
		return VL_EXIT_KERNEL;
	}
	vl_buf_free(&err);
	record(lab, st, st->file, st->hash, &st->place, NULL);
	unlink_leaf(lab, "topology.next");
	fprintf(stderr, "vlab: lab %s: undid an apply that was interrupted (killed) earlier\n", lab);
	return 0;
}

int vl_apply_change(const struct vl_change *c)
{
	const char *lab = c->lab;
	double t0 = vl_mono_s();
	if (vl_state_write_file(lab, "topology.next", c->text, c->len, 0644) < 0 ||
	    vl_state_append(lab, "applying", c->hash) < 0) {
		fprintf(stderr, "vlab: recording the change of lab %s in %s: %s\n", lab, VL_RUN_DIR,
			strerror(errno));
		return VL_EXIT_FAIL;
	}
	for (size_t i = 0; c->place && i < c->place->n; i++)
		vl_state_append(lab, "nplace", c->place->v[i]);
	int sfd = open_state_append(lab);
	struct vl_buf err = {0};
	struct vl_exec_stats stats = {0};
	char what[96];
	snprintf(what, sizeof(what), "apply %s", lab);
	vl_progress_start(what); /* on a terminal only */
	int r = vl_exec_apply(&c->diff->plan, sfd, false, vl_sig_flag(), &err, &stats);
	vl_progress_stop();
	if (sfd >= 0)
		close(sfd);
	if (r == 0) {
		if (vl_fault_phase("apply-state") < 0) {
			r = -2;
		} else {
			vl_sig_hold(); /* the commit point */
			if (vl_sig_caught())
				r = 1;
		}
	}
	if (r == 0) {
		vl_state_write_file(lab, "topology", c->text, c->len, 0644);
		record(lab, c->st, c->file, c->hash, c->place, c->diff);
		unlink_leaf(lab, "topology.next");
		vl_info("vlab: lab %s changed: %zu removed, %zu changed, %zu created in %.3f s\n", lab,
		       c->diff->nremove, c->diff->nchange, c->diff->ncreate, vl_mono_s() - t0);
		vl_buf_free(&err);
		return VL_EXIT_OK;
	}
	int rc = VL_EXIT_KERNEL;
	if (r == -1 && !vl_sig_caught())
		fprintf(stderr, "%s\n", err.s ? err.s : "vlab: apply failed");
	if (vl_sig_caught()) {
		int s = vl_sig_caught();
		fprintf(stderr, "vlab: interrupted by signal %d (%s)\n", s, strsignal(s));
	}
	vl_sig_hold(); /* the undo runs to its end */
	err.len = 0;
	int u = run_tolerant(lab, c->new, c->old, &err);
	if (u == 0) {
		record(lab, c->st, c->st->file, c->st->hash, &c->st->place, NULL);
		unlink_leaf(lab, "topology.next");
		fprintf(stderr, "vlab: lab %s left as it was (the change was undone)\n", lab);
	} else {
		fprintf(stderr, "%s\nvlab: lab %s: the change could not be undone; it stays recorded: "
			"`vlab apply` again finishes undoing it, `vlab down %s` removes the lab\n",
			err.s ? err.s : "", lab, lab);
	}
	vl_buf_free(&err);
	return vl_sig_exit(rc);
}

/* Take the lab's lock and read its state; an exit code when not possible. */
int vl_apply_begin(const char *lab, bool dry, int *lock, struct vl_state *st)
{
	*lock = -1;
	if (!dry) {
		*lock = vl_state_lock_wait(lab, false, NULL, VL_LOCK_WAIT);
		if (*lock == -EWOULDBLOCK) {
			fprintf(stderr, "vlab: lab %s is busy: another vlab command is working on it\n",
				lab);
			return VL_EXIT_BUSY;
		}
	}
	if ((!dry && *lock < 0) || vl_state_read(lab, st) < 0) {
		fprintf(stderr, "vlab: lab %s is not running: `vlab up` its file first\n", lab);
		return VL_EXIT_FAIL;
	}
	if (strcmp(st->status, "up")) {
		fprintf(stderr, "vlab: lab %s has leftovers of an unfinished up: run `vlab down %s` "
			"first\n", lab, lab);
		return VL_EXIT_FAIL;
	}
	if (!dry && vl_fault_phase("apply-lock") < 0)
		return VL_EXIT_KERNEL;
	return 0;
}

/* Is FILE the file of another running lab (the lab was renamed)? */
static void say_not_running(const char *lab, const char *file)
{
	char *abs = realpath(file, NULL);
	struct vl_strv labs = {0};
	vl_state_list(&labs);
	const char *other = NULL;
	for (size_t i = 0; abs && i < labs.n && !other; i++) {
		struct vl_state st;
		if (vl_state_read(labs.v[i], &st) < 0)
			continue;
		if (st.file && !strcmp(st.file, abs))
			other = labs.v[i];
		vl_state_free(&st);
	}
	if (other)
		fprintf(stderr, "vlab: %s now names the lab %s, but it runs as lab %s: a lab cannot be "
			"renamed in place; run `vlab down %s`, then `vlab up %s`\n", file, lab, other,
			other, file);
	else
		fprintf(stderr, "vlab: lab %s is not running: use `vlab up %s`\n", lab, file);
	vl_strv_free(&labs);
	free(abs);
}

static char *read_text(const char *file, size_t *len)
{
	FILE *f = fopen(file, "rb");
	if (!f)
		return NULL;
	struct vl_buf b = {0};
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		vl_buf_addn(&b, chunk, n);
	fclose(f);
	*len = b.len;
	return b.s ? b.s : xstrdup("");
}

/* The difference between running lab `lab` and FILE; `vlab plan --against`
 * and `apply --dry-run` print it. */
int vl_diff_against(const char *file, const char *lab, bool json)
{
	struct vl_topology *t = vl_load(file, false);
	if (!t)
		return VL_EXIT_FAIL;
	struct vl_state st;
	int rc = VL_EXIT_FAIL;
	if (vl_state_read(lab, &st) < 0) {
		fprintf(stderr, "vlab: lab %s is not running\n", lab);
		free_topo(t);
		return rc;
	}
	struct vl_topology *old = vl_running_topology(lab, &st);
	if (old) {
		struct vl_diff d;
		vl_plan_diff(old, t, &d);
		vl_diff_show(&d, json);
		rc = d.refuse.n ? VL_EXIT_FAIL : VL_EXIT_OK;
		vl_diff_free(&d);
	}
	free_topo(old);
	free_topo(t);
	vl_state_free(&st);
	return rc;
}

static void say_migrated(const struct vl_topology *old, const struct vl_topology *new)
{
	for (size_t i = 0; i < old->nnodes; i++)
		for (size_t j = 0; j < new->nnodes; j++) {
			const struct vl_node *a = &old->nodes[i], *b = &new->nodes[j];
			if (strcmp(a->name, b->name))
				continue;
			for (size_t k = 0; k < a->nnics && k < b->nnics; k++)
				if (a->nics[k].sw && b->nics[k].sw && !strcmp(a->nics[k].name, b->nics[k].name) &&
				    strcmp(a->nics[k].sw, b->nics[k].sw))
					vl_info("vlab: %s %s is on %s (moved by vlab migrate); the file puts it on "
					       "%s: apply moves it back\n", a->name, a->nics[k].name,
					       a->nics[k].sw, b->nics[k].sw);
		}
}

int cmd_apply(int argc, char **argv)
{
	const char *file = NULL;
	bool dry = false, json = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dry-run") || !strcmp(argv[i], "-n"))
			dry = true;
		else if (!strcmp(argv[i], "--json"))
			json = true;
		else if (argv[i][0] == '-' || file) {
			vl_usage(stderr, "apply");
			return VL_EXIT_USAGE;
		} else
			file = argv[i];
	}
	if (!file || (json && !dry)) {
		if (json && !dry)
			fprintf(stderr, "vlab apply: --json goes with --dry-run\n");
		vl_usage(stderr, "apply");
		return VL_EXIT_USAGE;
	}
	int rc = dry ? 0 : vl_need_root("apply");
	if (rc)
		return rc;
	if (!dry)
		vl_sig_guard(); /* before the first change of anything */
	struct vl_topology *t = vl_load(file, false);
	if (!t)
		return vl_sig_exit(VL_EXIT_FAIL);
	char lab[VL_LAB_NAME_MAX + 1];
	snprintf(lab, sizeof(lab), "%s", t->lab.name);
	struct vl_state st;
	memset(&st, 0, sizeof(st));
	int lock = -1;
	struct vl_topology *old = NULL;
	char *text = NULL, *hash = NULL, *abs = NULL;
	size_t len = 0;
	if (vl_state_read(lab, &st) < 0) {
		say_not_running(lab, file);
		rc = VL_EXIT_FAIL;
		goto out;
	}
	vl_state_free(&st);
	rc = vl_apply_begin(lab, dry, &lock, &st);
	if (rc)
		goto out;
	old = vl_running_topology(lab, &st);
	if (!old) {
		rc = VL_EXIT_FAIL;
		goto out;
	}
	if (st.applying && !dry && (rc = recover(lab, &st, old)) != 0)
		goto out;
	if (dry && st.applying)
		vl_info("vlab: note: an earlier apply of lab %s was interrupted; apply undoes it first\n",
		       lab);
	struct vl_diff d;
	vl_plan_diff(old, t, &d);
	if (d.refuse.n) {
		for (size_t i = 0; i < d.refuse.n; i++)
			fprintf(stderr, "vlab: cannot apply %s to lab %s in place: %s\n", file, lab,
				d.refuse.v[i]);
		vl_diff_free(&d);
		rc = VL_EXIT_FAIL;
		goto out;
	}
	if (dry) {
		vl_diff_show(&d, json);
		vl_diff_free(&d);
		goto out;
	}
	say_migrated(old, t);
	text = read_text(file, &len);
	hash = vl_file_hash(file);
	abs = realpath(file, NULL);
	if (!text || !hash || !abs) {
		fprintf(stderr, "vlab: %s: %s\n", file, strerror(errno));
		vl_diff_free(&d);
		rc = VL_EXIT_FAIL;
		goto out;
	}
	if (vl_sig_caught()) {
		vl_diff_free(&d);
		rc = vl_sig_exit(VL_EXIT_FAIL);
		goto out;
	}
	struct vl_change c = {.lab = lab, .st = &st, .old = old, .new = t, .diff = &d,
			      .text = text, .len = len, .file = abs, .hash = hash, .place = NULL};
	if (!d.plan.nops) {
		/* nothing in the kernel; the record follows the file */
		vl_state_write_file(lab, "topology", text, len, 0644);
		record(lab, &st, abs, hash, NULL, &d);
		vl_info("vlab: lab %s is as %s says: nothing to change\n", lab, file);
		rc = VL_EXIT_OK;
	} else {
		rc = vl_apply_change(&c);
	}
	vl_diff_free(&d);
out:
	vl_state_unlock(lock);
	free_topo(old);
	free_topo(t);
	vl_state_free(&st);
	free(text);
	free(hash);
	free(abs);
	return dry ? rc : vl_sig_exit(rc);
}
