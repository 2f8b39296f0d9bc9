/* `vlab graph`: the DOT of parsed labs and of every bundled topology.
 * Structure, not pixels: host clusters hold their vSwitches, VTEPs and
 * guests; every edge joins declared nodes; overlays are a segment node
 * joined to one VTEP per switch; no label repeats a word ("router
 * router"); big labs fold; a running lab's changes show on the cables. */
#include "unit.h"

#include <ctype.h>
#include <dirent.h>
#include <strings.h>
#include <unistd.h>

#include "vlab/cmd.h"
#include "vlab/graph.h"
#include "vlab/parse.h"
#include "vlab/runtime.h"
#include "vlab/validate.h"

static struct vl_topology *parse(const char *text)
{
	struct vl_topology *t = xcalloc(1, sizeof(*t));
	struct vl_diags d = {0};
	assert_int_equal(vl_parse_string("t.ini", text, t, &d), 0);
	size_t errors = vl_validate(t, &d);
	if (errors || d.errors) {
		vl_diags_print(&d, stderr);
		fail_msg("topology has errors");
	}
	vl_diags_free(&d);
	return t;
}

static void topo_free(struct vl_topology *t)
{
	vl_topology_free(t);
	free(t);
}

static char *draw(const struct vl_topology *t, const struct vl_graph_opts *o)
{
	struct vl_buf b = {0};
	vl_graph_dot_opts(t, o, &b);
	return b.s;
}

/* The text of cluster NAME (from its line to its closing brace), or NULL. */
static char *cluster(const char *dot, const char *host)
{
	char *head = xasprintf("subgraph \"cluster_%s\" {", host);
	const char *a = strstr(dot, head);
	free(head);
	if (!a)
		return NULL;
	const char *e = strstr(a, "\n\t}\n");
	assert_non_null(e);
	char *s = xmalloc((size_t)(e - a) + 1);
	memcpy(s, a, (size_t)(e - a));
	s[e - a] = 0;
	return s;
}

static bool in_cluster(const char *dot, const char *host, const char *id)
{
	char *c = cluster(dot, host);
	if (!c)
		return false;
	char *decl = xasprintf("\t\t\"%s\" [", id);
	bool r = strstr(c, decl) != NULL;
	free(decl);
	free(c);
	return r;
}

/* Words of every label, tags and escapes removed: no word twice in a row. */
static void check_words(const char *dot, const char *what)
{
	for (const char *p = dot; (p = strstr(p, "label=")); p += 6) {
		struct vl_buf w = {0};
		const char *s = p + 6;
		if (*s == '"') {
			for (s++; *s && *s != '"'; s++) {
				if (*s == '\\' && s[1]) {
					s++;
					vl_buf_add(&w, *s == 'n' ? " " : (char[]){*s, 0});
				} else {
					vl_buf_addn(&w, s, 1);
				}
			}
		} else if (*s == '<') {
			int depth = 0;
			for (; *s; s++) {
				if (*s == '<')
					depth++;
				else if (*s == '>') {
					if (--depth == 0)
						break;
					vl_buf_add(&w, " ");
				} else if (depth == 1) {
					vl_buf_addn(&w, s, 1);
				}
			}
		} else {
			continue;
		}
		char prev[128] = "", *save = NULL;
		for (char *tok = strtok_r(w.s ? w.s : (char[]){0}, " \t()", &save); tok;
		     tok = strtok_r(NULL, " \t()", &save)) {
			if (!strncmp(tok, "&nbsp;", 6) || !strcmp(tok, "..."))
				continue;
			if (!strcasecmp(tok, prev))
				fail_msg("%s: label repeats \"%s\": %.120s", what, tok, p);
			snprintf(prev, sizeof(prev), "%s", tok);
		}
		vl_buf_free(&w);
	}
}

/* Every node an edge names is declared (dot would invent a bare node). */
static void check_edges(const char *dot, const char *what)
{
	for (const char *line = dot; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *dash = strstr(line, " -- ");
		const char *nl = strchr(line, '\n');
		if (!dash || (nl && dash > nl))
			continue;
		for (int end = 0; end < 2; end++) {
			const char *q = end ? dash + 4 : line + strspn(line, "\t");
			assert_int_equal(*q, '"');
			const char *e = strchr(q + 1, '"');
			char *decl = xasprintf("\"%.*s\" [", (int)(e - q - 1), q + 1);
			char *at = xasprintf("\t%s", decl);
			if (!strstr(dot, at))
				fail_msg("%s: edge to undeclared node %s", what, decl);
			free(at);
			free(decl);
		}
	}
}

static void check_balanced(const char *dot)
{
	int depth = 0;
	bool str = false;
	for (const char *s = dot; *s; s++) {
		if (str) {
			if (*s == '\\')
				s++;
			else if (*s == '"')
				str = false;
			continue;
		}
		if (*s == '"')
			str = true;
		else if (*s == '{' || *s == '[')
			depth++;
		else if (*s == '}' || *s == ']')
			assert_true(--depth >= 0);
	}
	assert_false(str);
	assert_int_equal(depth, 0);
}

static void check_all(const struct vl_topology *t, const char *dot, const char *what)
{
	check_balanced(dot);
	check_edges(dot, what);
	check_words(dot, what);
	/* a guest is drawn inside its host's box (when it is drawn at all) */
	for (size_t i = 0; i < t->nnodes; i++) {
		const struct vl_node *n = &t->nodes[i];
		char *id = xasprintf("n:%s", n->name);
		char *decl = xasprintf("\"%s\" [", id);
		if (n->host && strstr(dot, decl) && !in_cluster(dot, n->host, id))
			fail_msg("%s: %s is not in the box of %s", what, n->name, n->host);
		free(decl);
		free(id);
	}
	/* an overlay: its segment node, a VTEP per switch in that switch's host box */
	for (size_t i = 0; i < t->noverlays; i++) {
		const struct vl_overlay *ov = &t->overlays[i];
		char *seg = xasprintf("\t\"o:%s\" [", ov->name);
		assert_non_null(strstr(dot, seg));
		free(seg);
		for (size_t a = 0; a < ov->nswitches; a++) {
			char *v = xasprintf("v:%s:%s", ov->name, ov->switches[a]);
			char *sw = xasprintf("s:%s", ov->switches[a]);
			const char *host = t->nodes[ov->host_idx[a]].name;
			if (!in_cluster(dot, host, v) || !in_cluster(dot, host, sw))
				fail_msg("%s: %s or %s not in the box of %s", what, v, sw, host);
			char *tun = xasprintf("\"%s\" -- \"o:%s\" [style=dashed", v, ov->name);
			assert_non_null(strstr(dot, tun));
			free(tun);
			free(v);
			free(sw);
		}
	}
}

static void test_overlay_lab(void **state)
{
	(void)state;
	struct vl_topology *t = parse("[lab]\nname = ov\n"
				      "[switch fabric]\n"
				      "[host hv1..2]\nnic = eth0 fabric 192.168.0.$i/24 mtu=1550\n"
				      "[switch vs1..2]\nhost = hv$i\n"
				      "[overlay seg]\ntype = vxlan\nvni = 42\nswitches = vs1 vs2\n"
				      "[vm a1..2]\nhost = hv$i\nnic = eth0 vs$i 10.0.0.$i/24 vlan=7\n"
				      "[router spine]\nnic = eth0 fabric 192.168.0.254/24\n");
	char *dot = draw(t, NULL);
	check_all(t, dot, "overlay lab");
	assert_true(in_cluster(dot, "hv1", "h:hv1:eth0"));
	assert_true(in_cluster(dot, "hv2", "n:a2"));
	assert_false(in_cluster(dot, "hv1", "s:fabric"));
	assert_false(in_cluster(dot, "hv1", "n:spine"));
	/* the host box is labelled once: "host hv1", and no "hv1 host" node */
	assert_non_null(strstr(dot, "label=\"host hv1\";"));
	assert_null(strstr(dot, "\"n:hv1\""));
	/* the segment: name, type and VNI; each VTEP tied to its underlay NIC */
	assert_non_null(strstr(dot, "\"o:seg\" [shape=box, style=\"rounded,dashed,filled\""));
	assert_non_null(strstr(dot, "label=\"seg\\nVXLAN VNI 42\""));
	assert_non_null(strstr(dot, "\"v:seg:vs2\" -- \"h:hv2:eth0\" [color=blue"));
	assert_non_null(strstr(dot, "label=\"VTEP\\nvx42\""));
	/* addresses are rows of their node, the access VLAN is on the cable */
	assert_non_null(strstr(dot, "PORT=\"i0\">eth0 10.0.0.1/24</TD>"));
	/* an MTU that is not the usual one is said (the underlay's 1550) */
	assert_non_null(strstr(dot, ">eth0 192.168.0.1/24 mtu 1550</TD>"));
	assert_non_null(strstr(dot, "\"n:a1\":\"i0\" -- \"s:vs1\" [penwidth=1, label=\"vlan 7\"]"));
	assert_null(strstr(dot, "label=\"eth0\\n"));
	/* the router stands right of its network */
	assert_non_null(strstr(dot, "\"s:fabric\" -- \"n:spine\":\"i0\" [penwidth=2]"));
	/* deterministic */
	char *again = draw(t, NULL);
	assert_string_equal(dot, again);
	free(again);
	free(dot);
	topo_free(t);
}

static void test_layer2_lab(void **state)
{
	(void)state;
	struct vl_topology *t = parse("[lab]\nname = l2\nipv6 = off\n"
				      "[switch fabric]\n"
				      "[switch s1..2]\nstp = on\npriority = ${i * 4096}\n"
				      "[link c1]\na = s1 p1 trunk=10,20\nb = s2 p1 trunk=10,20\n"
				      "[host hv1]\nnic = eth1 fabric trunk=10,20\n"
				      "nic = eth2 fabric trunk=10,20\n"
				      "bond = bond0 eth1 eth2 mode=active-backup\n"
				      "[switch vs1]\nhost = hv1\nuplink = bond0\n"
				      "[vm a]\nhost = hv1\nnic = eth0 vs1 10.0.0.1/24 vlan=10 isolated\n"
				      "[vm b]\nhost = hv1\nnic = eth0 vs1 10.0.0.2/24 vlan=20\n"
				      "[vm c]\nnic = eth0 s1 10.0.0.3/24 vlan=10\n"
				      "[vm d]\nnic = eth0 s2 10.0.0.4/24 vlan=10\n");
	char *dot = draw(t, NULL);
	check_all(t, dot, "layer-2 lab");
	/* switch cable, port to port, the trunk on the ports */
	assert_non_null(strstr(dot, "\"s:s1\":\"k0_0\" -- \"s:s2\":\"k0_1\" [penwidth=2, label=\"c1\"]"));
	assert_non_null(strstr(dot, "PORT=\"k0_0\">p1 <I>trunk 10,20</I>"));
	assert_non_null(strstr(dot, "STP on, priority 4096"));
	assert_non_null(strstr(dot, "STP on, priority 8192"));
	/* the bond and its members, the uplink into the vSwitch */
	assert_true(in_cluster(dot, "hv1", "b:hv1:bond0"));
	assert_non_null(strstr(dot, "label=\"bond0\\nactive-backup\""));
	assert_non_null(strstr(dot, "\"b:hv1:bond0\" -- \"h:hv1:eth1\" [penwidth=2"));
	assert_non_null(strstr(dot, "\"b:hv1:bond0\" -- \"h:hv1:eth2\" [penwidth=2"));
	assert_non_null(strstr(dot, "\"s:vs1\" -- \"b:hv1:bond0\" [penwidth=2, label=\"uplink\\n"
				    "trunk 10,20\"]"));
	/* the host NICs' trunks on their cables; an isolated port says so */
	assert_non_null(strstr(dot, "\"h:hv1:eth1\" -- \"s:fabric\" [penwidth=2, label=\"trunk 10,20\"]"));
	assert_non_null(strstr(dot, "-- \"s:vs1\" [penwidth=1, label=\"vlan 10\\nisolated\"]"));
	free(dot);
	topo_free(t);
}

/* Port security: the switch's on the switch, a port that differs and a
 * node's rules on its cable. NVGRE: VSID, one device per remote VTEP. */
static void test_security_nvgre(void **state)
{
	(void)state;
	struct vl_topology *t = parse("[lab]\nname = sec\nipv6 = off\n"
				      "[switch fabric]\n"
				      "[host hv1..3]\nnic = eth0 fabric 192.168.0.$i/24 mtu=1600\n"
				      "[switch vs1..3]\nhost = hv$i\nsecurity = strict\n"
				      "deny = udp to=10.0.0.0/24 port=53\n"
				      "[overlay t]\ntype = nvgre\nvni = 77\nswitches = vs1 vs2 vs3\n"
				      "[vm web]\nhost = hv1\nnic = eth0 vs1 10.0.0.1/24\n"
				      "allow = tcp to=db port=5432\n"
				      "[vm db]\nhost = hv2\nnic = eth0 vs2 10.0.0.2/24 security=off\n"
				      "[vm c]\nhost = hv3\nnic = eth0 vs3 10.0.0.3/24\n");
	char *dot = draw(t, NULL);
	check_all(t, dot, "security");
	assert_non_null(strstr(dot, ">port security</TD>"));
	assert_non_null(strstr(dot, ">deny udp to 10.0.0.0/24 port 53</TD>"));
	assert_non_null(strstr(dot, "\"n:web\":\"i0\" -- \"s:vs1\" [penwidth=1, "
				    "label=\"allow tcp to db port 5432\"]"));
	assert_non_null(strstr(dot, "\"n:db\":\"i0\" -- \"s:vs2\" [penwidth=1, "
				    "label=\"no port security\"]"));
	assert_non_null(strstr(dot, "\"n:c\":\"i0\" -- \"s:vs3\" [penwidth=1]"));
	assert_non_null(strstr(dot, "label=\"t\\nNVGRE VSID 77\""));
	assert_non_null(strstr(dot, "label=\"VTEP\\nnv77-1..2\""));
	free(dot);
	topo_free(t);
}

/* Names equal to the words vlab would add: nothing is said twice. */
static void test_no_repeated_words(void **state)
{
	(void)state;
	struct vl_topology *t = parse("[lab]\nname = lab\n"
				      "[switch switch]\n"
				      "[host host]\nnic = eth0 switch 192.168.0.1/24\n"
				      "[host hv2]\nnic = eth0 switch 192.168.0.2/24\n"
				      "[switch vswitch]\nhost = host\n"
				      "[switch vs2]\nhost = hv2\n"
				      "[overlay vxlan]\ntype = vxlan\nvni = 5\nswitches = vswitch vs2\n"
				      "[vm vm]\nhost = host\nnic = eth0 vswitch 10.0.0.1/24\n"
				      "[vm monitor]\nhost = host\nnic = eth0 vswitch\n"
				      "[mirror mirror]\nport = vm:eth0\nto = monitor:eth0\n"
				      "[router router]\nnic = eth0 switch 192.168.0.254/24\n");
	char *dot = draw(t, NULL);
	check_all(t, dot, "names like kinds");
	assert_non_null(strstr(dot, "<B>router</B>"));
	free(dot);
	topo_free(t);
}

static void test_folding(void **state)
{
	(void)state;
	struct vl_topology *t = parse("[lab]\nname = big\nipv6 = off\n"
				      "[switch fabric]\nsubnet = 192.168.0.0/24\n"
				      "[host hv1..8]\nnic = eth0 fabric auto\n"
				      "[switch vs1..8]\nhost = hv$i\nsubnet = 10.0.$i.0/24\n"
				      "[vm vm1..80]\nhost = hv1..8\nnic = eth0 vs$h auto\n"
				      "[switch c1..10]\n"
				      "[link k1..9]\na = c$i p2\nb = c${i+1} p1\n"
				      "[vm e1]\nnic = eth0 c1\n[vm e2]\nnic = eth0 c10\n");
	char *dot = draw(t, NULL);
	check_all(t, dot, "folded");
	/* 8 hosts: hv1, hv2 and hv8 stay, hv3..hv7 are one node */
	assert_non_null(strstr(dot, "label=\"... 5 more hosts\\nhv3 ... hv7\""));
	char *c8 = cluster(dot, "hv8");
	assert_non_null(c8);
	free(c8);
	assert_null(strstr(dot, "cluster_hv3"));
	/* 10 guests on vs1: the first two, the last, and "... 7 more" */
	assert_non_null(strstr(dot, "\"f:vs1\" [shape=box, style=\"rounded,dashed\", "
				    "label=\"... 7 more\\nvm17 ... vm65\"]"));
	assert_non_null(strstr(dot, "\"n:vm1\" ["));
	assert_non_null(strstr(dot, "\"n:vm9\" ["));
	assert_non_null(strstr(dot, "\"n:vm73\" ["));
	assert_null(strstr(dot, "\"n:vm17\" ["));
	/* the chain c1 .. c10: c2 and c9 stay around "... 6 switches" */
	assert_non_null(strstr(dot, "label=\"... 6 switches\\nc3 ... c8\""));
	assert_null(strstr(dot, "\"s:c5\" ["));
	free(dot);

	struct vl_graph_opts all = {.all = true};
	dot = draw(t, &all);
	check_all(t, dot, "--all");
	assert_null(strstr(dot, "more"));
	assert_non_null(strstr(dot, "\"n:vm17\" ["));
	assert_non_null(strstr(dot, "\"s:c5\" ["));
	free(dot);
	topo_free(t);
}

static void test_live(void **state)
{
	(void)state;
	struct vl_topology *t = parse("[lab]\nname = live\nipv6 = off\n"
				      "[switch sw]\n"
				      "[vm a]\nnic = eth0 sw 10.0.0.1/24\n"
				      "[vm b]\nnic = eth0 sw 10.0.0.2/24\n"
				      "[vm c]\nnic = eth0 sw 10.0.0.3/24\n"
				      "[vm r1]\n[vm r2]\n"
				      "[link wire]\na = r1 p 10.9.0.1/30\nb = r2 p 10.9.0.2/30\n");
	struct vl_changes c = {0};
	vl_changes_set_link(&c, "a", "eth0", true);
	vl_changes_set_link(&c, "r2", "p", true);
	struct vl_rt_fault *f = VL_PUSH(c.faults, c.nfaults, c.faults_cap);
	f->node = xstrdup("b");
	f->nic = xstrdup("eth0");
	f->what = xstrdup("flap 200ms");
	f->pid = (long)getpid(); /* a fault is drawn while its process runs */
	f->start = vl_proc_start(f->pid);
	/* a fault whose process is gone (another start time) is not drawn */
	f = VL_PUSH(c.faults, c.nfaults, c.faults_cap);
	f->node = xstrdup("c");
	f->nic = xstrdup("eth0");
	f->what = xstrdup("delay 1s for 1m");
	f->pid = (long)getpid();
	f->start = vl_proc_start(f->pid) + 1;
	struct vl_shape s = {.set = true, .loss_pct = 5};
	vl_changes_set_shape(&c, "c", "eth0", VL_DIR_OUT, &s);
	struct vl_graph_opts o = {.running = "live", .live = &c};
	char *dot = draw(t, &o);
	check_all(t, dot, "live");
	assert_non_null(strstr(dot, "label=\"lab live (running)\""));
	assert_non_null(strstr(dot, "\"n:a\":\"i0\" -- \"s:sw\" [penwidth=2, label=\"DOWN a:eth0\", "
				    "style=dashed, color=red"));
	assert_non_null(strstr(dot, "\"n:b\":\"i0\" -- \"s:sw\" [penwidth=2, label=\"FAULT eth0: "
				    "flap 200ms\", color=darkorange"));
	assert_non_null(strstr(dot, "label=\"eth0 out now: loss=5%\", color=darkorange"));
	assert_non_null(strstr(dot, "label=\"wire\\nDOWN r2:p\", style=dashed, color=red"));
	assert_null(strstr(dot, "delay 1s"));
	free(dot);
	/* the same lab from its file: nothing live */
	dot = draw(t, NULL);
	assert_null(strstr(dot, "DOWN"));
	assert_null(strstr(dot, "running"));
	free(dot);
	vl_changes_free(&c);
	topo_free(t);
}

/* Every bundled lab draws: declared nodes only, guests in their boxes,
 * overlays through VTEPs, no repeated words, the same twice. */
static void test_bundled(void **state)
{
	(void)state;
	DIR *d = opendir("topologies");
	if (!d)
		skip();
	struct dirent *e;
	int n = 0;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 5 || strcmp(e->d_name + l - 4, ".ini"))
			continue;
		char *path = xasprintf("topologies/%s", e->d_name);
		struct vl_topology *t = vl_load(path, true);
		if (!t)
			fail_msg("%s does not load", path);
		char *dot = draw(t, NULL), *again = draw(t, NULL);
		check_all(t, dot, path);
		assert_string_equal(dot, again);
		for (size_t i = 0; i < t->nnodes; i++) {
			const struct vl_node *h = &t->nodes[i];
			char *c = cluster(dot, h->name);
			bool holds = false;
			for (size_t s = 0; s < t->nswitches; s++)
				holds |= t->switches[s].host_idx == (int)i;
			if (h->kind == VL_NODE_HOST && holds && !c && !strstr(dot, "more hosts"))
				fail_msg("%s: host %s holds vSwitches but has no box", path, h->name);
			free(c);
		}
		free(dot);
		free(again);
		topo_free(t);
		free(path);
		n++;
	}
	closedir(d);
	assert_true(n >= 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_overlay_lab),
		cmocka_unit_test(test_layer2_lab),
		cmocka_unit_test(test_security_nvgre),
		cmocka_unit_test(test_no_repeated_words),
		cmocka_unit_test(test_folding),
		cmocka_unit_test(test_live),
		cmocka_unit_test(test_bundled),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
