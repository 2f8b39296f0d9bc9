/* Startup commands (run, run!, daemon): parsing (verbatim shell text, also
 * in ranges), the plan's listing (text and JSON), the canonical text an
 * approval is of, the check note, apply's refusal, and the daemons record. */
#include "unit.h"

#include "vlab/parse.h"
#include "vlab/plan.h"
#include "vlab/startup.h"
#include "vlab/validate.h"

static struct vl_topology *parse_ok(const char *text)
{
	struct vl_topology *t = xcalloc(1, sizeof(*t));
	struct vl_diags d = {0};
	vl_parse_string("s.ini", text, t, &d);
	vl_validate(t, &d);
	if (d.errors)
		vl_diags_print(&d, stderr);
	assert_int_equal(d.errors, 0);
	vl_diags_free(&d);
	return t;
}

static void topo_free(struct vl_topology *t)
{
	vl_topology_free(t);
	free(t);
}

static const char *LAB =
	"[lab]\nname = s\n"
	"[switch sw]\nsubnet = 10.0.0.0/24\n"
	"[vm w1..2]\nnic = eth0 sw auto\nrun = echo $i $HOME > /tmp/x ; comment\n"
	"daemon = nc -l -p 80\n"
	"[router r]\nnic = eth0 sw auto\nrun! = sysctl -w a.b=1; false\nrun = true\n";

static void test_parse(void **state)
{
	(void)state;
	struct vl_topology *t = parse_ok(LAB);
	assert_int_equal(t->nnodes, 3);
	const struct vl_node *w1 = &t->nodes[0], *r = &t->nodes[2];
	assert_int_equal(w1->ncmds, 2);
	assert_int_equal(w1->cmds[0].kind, VL_CMD_RUN);
	/* shell text is verbatim: $i stays for the shell, " ; " is a comment */
	assert_string_equal(w1->cmds[0].cmd, "echo $i $HOME > /tmp/x");
	assert_int_equal(w1->cmds[0].loc.line, 7);
	assert_int_equal(w1->cmds[1].kind, VL_CMD_DAEMON);
	assert_int_equal(r->ncmds, 2);
	assert_int_equal(r->cmds[0].kind, VL_CMD_RUN_MAYFAIL);
	assert_string_equal(r->cmds[0].cmd, "sysctl -w a.b=1; false");
	assert_string_equal(vl_cmd_key(VL_CMD_RUN_MAYFAIL), "run!");
	assert_int_equal(vl_cmd_kind_of("daemon"), VL_CMD_DAEMON);
	assert_int_equal(vl_cmd_kind_of("cmd"), -1);
	char *note = vl_startup_note(t);
	assert_string_equal(note, "runs 6 commands as root inside its nodes at up (3 run, 1 run!, "
			    "2 daemon); `vlab plan` lists them, `vlab up` asks before running new ones");
	free(note);
	topo_free(t);
	t = parse_ok("[lab]\nname = s\n[switch sw]\n[vm a]\nnic = eth0 sw\n");
	assert_null(vl_startup_note(t));
	topo_free(t);
}

static void test_plan(void **state)
{
	(void)state;
	struct vl_topology *t = parse_ok(LAB);
	struct vl_plan p;
	struct vl_diags d = {0};
	assert_int_equal(vl_plan_build(t, &p, &d), 0);
	assert_int_equal(p.nstartup, 6);
	assert_string_equal(p.startup[0].node, "w1");
	assert_int_equal(p.startup[0].n, 1);
	assert_int_equal(p.startup[5].n, 2); /* r: run! is run 1, run is run 2 */

	struct vl_buf b = {0};
	vl_plan_print(&p, &b);
	const char *sec = strstr(b.s, "\n# startup commands");
	assert_non_null(sec);
	/* runs first (file order), then daemons */
	const char *r1 = strstr(sec, "    w1: run = echo $i $HOME > /tmp/x  (line 7, output "
				"/run/vlab/s/out/w1.run.1)\n");
	const char *rr = strstr(sec, "    r: run! = sysctl -w a.b=1; false  (line 11");
	const char *d1 = strstr(sec, "    w1: daemon = nc -l -p 80  (line 8, output "
				"/run/vlab/s/out/w1.daemon.1)\n");
	assert_non_null(r1);
	assert_non_null(rr);
	assert_non_null(d1);
	assert_true(r1 < rr && rr < d1);
	vl_buf_free(&b);

	vl_plan_json(&p, &b);
	assert_non_null(strstr(b.s, ",\"startup\":[{\"node\":\"w1\",\"key\":\"run\",\"command\":"
				    "\"echo $i $HOME > /tmp/x\",\"line\":7},"));
	vl_buf_free(&b);

	vl_startup_text(&p, &b);
	assert_string_equal(b.s, "w1 run echo $i $HOME > /tmp/x\nw1 daemon nc -l -p 80\n"
			    "w2 run echo $i $HOME > /tmp/x\nw2 daemon nc -l -p 80\n"
			    "r run! sysctl -w a.b=1; false\nr run true\n");
	vl_buf_free(&b);

	struct vl_strv l = {0};
	vl_startup_list(&p, "  ", &l);
	assert_int_equal(l.n, 6);
	assert_string_equal(l.v[4], "  line 11, in r: run! = sysctl -w a.b=1; false");
	vl_strv_free(&l);
	vl_plan_free(&p);
	vl_diags_free(&d);

	/* no commands: no section, no JSON key (plans stay as they were) */
	topo_free(t);
	t = parse_ok("[lab]\nname = s\n[switch sw]\n[vm a]\nnic = eth0 sw\n");
	assert_int_equal(vl_plan_build(t, &p, &d), 0);
	vl_plan_print(&p, &b);
	assert_null(strstr(b.s, "startup"));
	vl_buf_free(&b);
	vl_plan_json(&p, &b);
	assert_null(strstr(b.s, "startup"));
	vl_buf_free(&b);
	vl_plan_free(&p);
	topo_free(t);
}

static void test_refuse(void **state)
{
	(void)state;
	struct vl_topology *o = parse_ok(LAB), *same = parse_ok(LAB);
	struct vl_strv r = {0};
	vl_startup_refuse(o, same, &r);
	assert_int_equal(r.n, 0);

	/* a daemon changed on w2, a new node with a command */
	struct vl_topology *n = parse_ok(
		"[lab]\nname = s\n"
		"[switch sw]\nsubnet = 10.0.0.0/24\n"
		"[vm w1]\nnic = eth0 sw auto\nrun = echo $i $HOME > /tmp/x\ndaemon = nc -l -p 80\n"
		"[vm w2]\nnic = eth0 sw auto\nrun = echo $i $HOME > /tmp/x\ndaemon = nc -l -p 81\n"
		"[router r]\nnic = eth0 sw auto\nrun! = sysctl -w a.b=1; false\nrun = true\n"
		"[vm x]\nnic = eth0 sw auto\ndaemon = sleep 9\n");
	vl_startup_refuse(o, n, &r);
	assert_int_equal(r.n, 2);
	assert_non_null(strstr(r.v[0], "node w2: its startup commands (run, run!, daemon) changed"));
	assert_non_null(strstr(r.v[0], "run `vlab down s`, then `vlab up` the file"));
	assert_non_null(strstr(r.v[1], "node x: its startup commands (run, run!, daemon) come with "
				       "the new node"));
	vl_strv_free(&r);
	/* the other way: x goes with its daemon */
	vl_startup_refuse(n, o, &r);
	assert_int_equal(r.n, 2);
	assert_non_null(strstr(r.v[1], "node x: its startup commands (run, run!, daemon) go with "
				       "the node"));
	vl_strv_free(&r);

	/* and through apply's difference */
	struct vl_diff df;
	vl_plan_diff(o, n, &df);
	assert_true(df.refuse.n >= 2);
	vl_diff_free(&df);
	topo_free(o);
	topo_free(same);
	topo_free(n);
}

static void test_record(void **state)
{
	(void)state;
	struct vl_daemon_rec in[2] = {
		{.node = "web1", .cmd = "python3 -m http.server 80 # 100%", .n = 1, .pid = 4242,
		 .start = 123456789ULL},
		{.node = "r", .cmd = "nc -l -p 5", .n = 2, .pid = 77, .start = 5},
	};
	struct vl_buf b = {0};
	vl_daemons_format(in, 2, &b);
	assert_string_equal(b.s, "daemon web1 1 4242 123456789 python3%20-m%20http.server%2080%20#"
			    "%20100%25\ndaemon r 2 77 5 nc%20-l%20-p%205\n");
	vl_buf_add(&b, "daemon x 1 1 5 sleep\n"       /* pid 1: never ours */
		   "daemon x 0 99 5 sleep\n"          /* N from 1 */
		   "daemon x 1 99 0 sleep\n"          /* no start time */
		   "daemon x 1 99 5 sle%zz\n"         /* bad escape */
		   "daemon x 1 99 5\n"                /* no command */
		   "daemon x 1 99 5 a b\n"            /* two words */
		   "garbage\n");
	FILE *f = fmemopen(b.s, b.len, "r");
	struct vl_daemon_rec *out;
	size_t n;
	assert_int_equal(vl_daemons_parse(f, &out, &n), 7);
	fclose(f);
	assert_int_equal(n, 2);
	assert_string_equal(out[0].node, "web1");
	assert_string_equal(out[0].cmd, in[0].cmd);
	assert_int_equal(out[0].pid, 4242);
	assert_true(out[0].start == 123456789ULL);
	assert_int_equal(out[1].n, 2);
	vl_daemons_free(out, n);
	vl_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_refuse),
		cmocka_unit_test(test_record),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
