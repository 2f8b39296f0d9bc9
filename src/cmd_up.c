/* vlab up FILE: load, plan, check the kernel and the names, then run the
 * plan; on any failure, or SIGINT/SIGTERM/SIGHUP at any moment before the
 * lab is recorded as up, everything is rolled back (exit 128+signal). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vlab/cmd.h"
#include "vlab/exec.h"
#include "vlab/limits.h"
#include "vlab/plan.h"
#include "vlab/sig.h"
#include "vlab/state.h"

static void say_interrupted(const char *lab)
{
	int s = vl_sig_caught();
	fprintf(stderr, "vlab: interrupted by signal %d (%s): lab %s rolled back, nothing left\n",
		s, strsignal(s), lab);
}

/* The plan ran to its end but the lab is not to stay (a signal, or the
 * fault hook): remove every namespace the state recorded, like `down`. */
static void undo_lab(const char *lab)
{
	vl_startup_end(lab); /* daemons first: they keep namespaces alive */
	struct vl_state st;
	bool have = vl_state_read(lab, &st) == 0;
	struct vl_strv ns = {0};
	vl_lab_netns(lab, have ? &st : NULL, &ns);
	vl_teardown_netns(ns.v, ns.n, 5.0);
	vl_external_down(lab);
	vl_strv_free(&ns);
	if (have)
		vl_state_free(&st);
}

/* Is a lab already there? 0 = no; else the exit code, message printed. */
static int check_running(const char *lab, const char *hash, const char *file)
{
	struct vl_state st;
	if (vl_state_read(lab, &st) < 0)
		return 0;
	int rc;
	if (strcmp(st.status, "up")) {
		fprintf(stderr, "vlab: lab %s has leftovers of an unfinished up (from %s): "
			"run `vlab down %s` first\n", lab, st.file ? st.file : "?", lab);
		rc = VL_EXIT_FAIL;
	} else if (st.hash && !strcmp(st.hash, hash)) {
		printf("vlab: lab %s is already up from this topology (%s): nothing to do\n", lab,
		       st.file ? st.file : file);
		rc = -1; /* success, nothing done */
	} else {
		fprintf(stderr, "vlab: lab %s is running from a different version of its topology "
			"(%s); run `vlab apply %s` to change it in place (`vlab apply %s --dry-run` "
			"shows what changes), or `vlab down %s` first\n", lab, st.file ? st.file : "?",
			file, file, lab);
		rc = VL_EXIT_FAIL;
	}
	vl_state_free(&st);
	return rc;
}

/* Refuse when a namespace we would create exists already. */
static int check_names(const struct vl_plan *p)
{
	char mark[64], alias[VL_ALTNAME_MAX];
	snprintf(mark, sizeof(mark), "%s%s:", VL_ALIAS_PREFIX, p->lab);
	int bad = 0;
	for (size_t i = 0; i < p->netns.n; i++) {
		const char *ns = p->netns.v[i];
		if (!vl_netns_exists(ns))
			continue;
		vl_netns_lo_alias(ns, alias, sizeof(alias));
		if (!strncmp(alias, mark, strlen(mark)))
			fprintf(stderr, "vlab: namespace %s is a leftover of lab %s: run `vlab down %s` "
				"first\n", ns, p->lab, p->lab);
		else
			fprintf(stderr, "vlab: namespace %s already exists and is not this lab's; "
				"vlab will not touch it (rename the lab or the node)\n", ns);
		bad++;
	}
	return bad;
}

static int preflight(const struct vl_plan *p)
{
	uint32_t want = vl_plan_features(p), have = 0;
	int r = vl_probe_features(want, &have);
	if (r == -ECANCELED)
		return -2; /* the fault hook (test-only), message printed */
	if (vl_sig_caught())
		return -1; /* probes may have failed with EINTR: say nothing */
	if (r < 0) {
		fprintf(stderr, "vlab: cannot create a network namespace: %s (kernel lacks "
			"CONFIG_NET_NS, or not enough privileges)\n", strerror(-r));
		return -1;
	}
	int missing = 0;
	for (int f = 0; f < VL_FEAT__COUNT; f++) {
		const struct vl_feature_info *fi = vl_feature_info(f);
		if (!(want & (1u << f)) || (have & (1u << f)) || fi->optional)
			continue;
		fprintf(stderr, "vlab: kernel lacks %s (%s), which this lab needs\n", fi->config,
			fi->name);
		missing++;
	}
	if (missing)
		fprintf(stderr, "vlab: nothing was created; `vlab doctor` lists what this kernel has\n");
	return missing ? -1 : 0;
}

static int run(const char *file, struct vl_plan *p)
{
	char *dir = NULL; /* startup commands run in the file's directory */
	char *abs = realpath(file, NULL);
	char *hash = vl_file_hash(file);
	bool made_dir = false;
	int rc = VL_EXIT_FAIL, lock = -1;

	if (!abs || !hash) {
		fprintf(stderr, "vlab: %s: %s\n", file, strerror(errno));
		goto out;
	}
	lock = vl_state_lock(p->lab, true, &made_dir);
	if (lock == -EWOULDBLOCK) {
		fprintf(stderr, "vlab: lab %s is busy: another vlab command is working on it\n", p->lab);
		rc = VL_EXIT_BUSY;
		goto out;
	}
	if (lock < 0) {
		fprintf(stderr, "vlab: locking lab %s in %s: %s\n", p->lab, VL_RUN_DIR, strerror(-lock));
		goto out;
	}
	if (vl_fault_phase("lock") < 0) {
		rc = VL_EXIT_KERNEL;
		goto cleanup;
	}
	if (vl_sig_caught())
		goto cleanup;
	int c = check_running(p->lab, hash, abs);
	if (c) {
		rc = c < 0 ? VL_EXIT_OK : c;
		goto out;
	}
	if (check_names(p))
		goto cleanup;
	int pf = preflight(p);
	if (pf == -2)
		rc = VL_EXIT_KERNEL;
	if (pf < 0 || vl_sig_caught())
		goto cleanup;

	int sfd = vl_state_begin(p->lab, abs, hash);
	if (sfd < 0) {
		fprintf(stderr, "vlab: writing state of lab %s: %s\n", p->lab, strerror(-sfd));
		goto cleanup;
	}
	struct vl_buf err = {0};
	struct vl_exec_stats st = {0};
	int r = vl_exec_plan(p, sfd, vl_sig_flag(), &err, &st);
	if (r == 0 && p->ext.on && vl_external_up(p, &err) < 0) {
		/* the lab is built but its link to the machine is not: all goes */
		undo_lab(p->lab);
		r = -1;
	}
	if (r == 0 && p->nstartup) {
		/* run/run!/daemon (src/startup.c): a failure rolls the lab back */
		dir = xstrdup(abs);
		char *slash = strrchr(dir, '/');
		if (slash)
			slash[slash == dir ? 1 : 0] = '\0';
		r = vl_startup_up(p, file, dir, &err);
		if (r) {
			close(sfd);
			undo_lab(p->lab);
			r = r == -1 ? -3 : -4; /* failed / a signal: sfd closed, lab undone */
		}
	}
	if (r == 0) {
		/* The plan is done; a signal before the commit point below
		 * still undoes the whole lab. */
		if (vl_fault_phase("state") < 0) {
			rc = VL_EXIT_KERNEL;
			r = -2;
		} else {
			vl_sig_hold(); /* the commit point: later signals wait for exit */
			if (vl_sig_caught())
				r = 1;
		}
		if (r) {
			close(sfd);
			undo_lab(p->lab);
		}
	}
	if (r == 0) {
		vl_state_finish(sfd);
		printf("vlab: lab %s is up: %zu namespaces, %zu operations in %.3f s\n", p->lab,
		       st.netns, st.ops, st.seconds);
		rc = VL_EXIT_OK;
		goto out;
	}
	if (r == 1 || r == -1)
		close(sfd);
	if (r == -1 && !vl_sig_caught()) {
		fprintf(stderr, "%s\nvlab: lab %s rolled back, nothing left\n", err.s, p->lab);
		rc = VL_EXIT_KERNEL;
	} else if (r == -2) {
		fprintf(stderr, "vlab: lab %s rolled back, nothing left\n", p->lab);
	} else if (r == -3 && !vl_sig_caught()) {
		fprintf(stderr, "%s\nvlab: lab %s rolled back, nothing left\n", err.s, p->lab);
	}
	vl_buf_free(&err);
	vl_state_remove(p->lab);
	made_dir = false;
	lock = -1; /* its file is gone with the directory */
	goto out;
cleanup:
	if (made_dir) {
		vl_state_remove(p->lab);
		lock = -1;
	}
out:
	vl_state_unlock(lock);
	if (vl_sig_caught() && rc != VL_EXIT_OK) {
		say_interrupted(p->lab);
		rc = vl_sig_exit(rc);
	}
	free(abs);
	free(hash);
	free(dir);
	return rc;
}

/* A file with external access changes the machine's own namespace: say
 * what, and go on only with --yes or a yes on the terminal. */
static int confirm_external(const char *file, const struct vl_plan *p, bool yes)
{
	if (!p->ext.on || yes)
		return 0;
	struct vl_buf b = {0};
	vl_external_describe(&p->ext, &b);
	fprintf(stderr, "vlab: %s gives node %s a link to this machine's own network; up will "
		"change this machine:\n%s", file, p->ext.node, b.s ? b.s : "");
	vl_buf_free(&b);
	return vl_confirm("changing this machine's network", "Go ahead?");
}

int cmd_up(int argc, char **argv)
{
	bool yes = false; /* --yes: run startup commands, make external links unasked */
	const char *file = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--yes") || !strcmp(argv[i], "-y"))
			yes = true;
		else if (argv[i][0] != '-' && !file)
			file = argv[i];
		else
			file = "-";
	}
	if (!file || !strcmp(file, "-")) {
		vl_usage(stderr, "up");
		return VL_EXIT_USAGE;
	}
	argv[1] = (char *)file;
	int rc = vl_need_root("up");
	if (rc)
		return rc;
	vl_sig_guard(); /* before the first change of anything */
	struct vl_plan p;
	rc = vl_load_plan(argv[1], false, &p);
	if (rc)
		return vl_sig_exit(rc);
	rc = confirm_external(argv[1], &p, yes);
	if (rc) {
		vl_plan_free(&p);
		return vl_sig_exit(rc);
	}
	if (vl_sig_caught()) {
		vl_plan_free(&p);
		return vl_sig_exit(rc);
	}
	/* open files, namespaces, memory: refused before anything exists */
	if (vl_limits_check(&p) < 0) {
		vl_plan_free(&p);
		return vl_sig_exit(VL_EXIT_FAIL);
	}
	/* the file's own commands: approved before, --yes, or asked now;
	 * refused before anything is changed */
	rc = vl_startup_trust(argv[1], &p, yes);
	if (rc) {
		vl_plan_free(&p);
		return vl_sig_exit(rc);
	}
	rc = run(argv[1], &p);
	vl_plan_free(&p);
	return rc;
}
