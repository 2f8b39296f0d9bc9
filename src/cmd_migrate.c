/* vlab migrate LAB VM HOST [--switch SW] [--dry-run [--json]]: move a
 * running VM to another host, as a hypervisor's live migration would. The
 * VM's namespace, its processes, addresses and MAC stay. Its vNIC is
 * re-plugged: the old veth pair is deleted (which unplugs the port from the
 * source host's vSwitch), a new pair is created whose VM end is made
 * directly inside the VM's namespace with the same name, MAC and MTU, and
 * whose port end is enslaved to the destination host's vSwitch of the same
 * segment; addresses, routes and shaping of the NIC are put back. That is
 * the difference between the running lab and the same lab with the NIC
 * placed on the other switch (vl_topology_place), run by `apply`'s
 * executor, so it is recorded, undone on failure and recovered after a
 * kill -9 the same way. Then the VM announces itself (gratuitous ARP for
 * each IPv4 address, unsolicited neighbour advertisement for each IPv6
 * one) so learning bridges and VXLAN VTEPs update at once. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vlab/cmd.h"
#include "vlab/exec.h"
#include "vlab/plan.h"
#include "vlab/sig.h"
#include "vlab/state.h"

static int find_node(const struct vl_topology *t, const char *name)
{
	for (size_t i = 0; i < t->nnodes; i++)
		if (!strcmp(t->nodes[i].name, name))
			return (int)i;
	return -1;
}

static int find_switch(const struct vl_topology *t, const char *name)
{
	for (size_t i = 0; i < t->nswitches; i++)
		if (!strcmp(t->switches[i].name, name))
			return (int)i;
	return -1;
}

/* The switch on `host` carrying the segment of switch si: the overlay
 * member of the same overlay there. -1 when none. */
static int same_segment(const struct vl_topology *t, int si, int host)
{
	for (size_t i = 0; i < t->noverlays; i++) {
		const struct vl_overlay *o = &t->overlays[i];
		bool member = false;
		for (size_t k = 0; k < o->nswitches; k++)
			member |= o->sw_idx[k] == si;
		for (size_t k = 0; member && k < o->nswitches; k++)
			if (t->switches[o->sw_idx[k]].host_idx == host)
				return o->sw_idx[k];
	}
	return -1;
}

/* ---- the VM announces itself on its new port ---- */

struct arp_pkt {
	uint16_t hrd, pro;
	uint8_t hln, pln;
	uint16_t op;
	uint8_t sha[6], spa[4], tha[6], tpa[4];
} __attribute__((packed));

static int garp(int ifindex, const uint8_t mac[6], const uint8_t ip[4])
{
	int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP));
	if (fd < 0)
		return -errno;
	struct arp_pkt a = {htons(1), htons(ETH_P_IP), 6, 4, htons(1), {0}, {0}, {0}, {0}};
	memcpy(a.sha, mac, 6);
	memcpy(a.spa, ip, 4);
	memcpy(a.tpa, ip, 4);
	struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ARP),
				 .sll_ifindex = ifindex, .sll_halen = 6};
	memset(to.sll_addr, 0xff, 6);
	int r = sendto(fd, &a, sizeof(a), 0, (struct sockaddr *)&to, sizeof(to)) < 0 ? -errno : 0;
	close(fd);
	return r;
}

static int unsolicited_na(int ifindex, const uint8_t mac[6], const uint8_t ip[16])
{
	int fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	if (fd < 0)
		return -errno;
	int hops = 255;
	setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops));
	setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex));
	struct {
		struct nd_neighbor_advert na;
		uint8_t opt[8];
	} __attribute__((packed)) m;
	memset(&m, 0, sizeof(m));
	m.na.nd_na_type = ND_NEIGHBOR_ADVERT;
	m.na.nd_na_flags_reserved = ND_NA_FLAG_OVERRIDE;
	memcpy(&m.na.nd_na_target, ip, 16);
	m.opt[0] = ND_OPT_TARGET_LINKADDR;
	m.opt[1] = 1;
	memcpy(m.opt + 2, mac, 6);
	struct sockaddr_in6 to = {.sin6_family = AF_INET6, .sin6_scope_id = (uint32_t)ifindex};
	inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
	int r = sendto(fd, &m, sizeof(m), 0, (struct sockaddr *)&to, sizeof(to)) < 0 ? -errno : 0;
	close(fd);
	return r;
}

/* In the VM's namespace: one announcement per address of the NIC. */
static int announce(const char *lab, const char *node, const struct vl_nic *nic)
{
	char ns[VL_NSNAME_MAX];
	vl_netns_name(ns, lab, node);
	int fd = vl_netns_open(ns), home = vl_netns_self(), sent = 0;
	if (fd < 0 || home < 0 || setns(fd, CLONE_NEWNET) < 0)
		goto out;
	int ifindex = (int)if_nametoindex(nic->name);
	for (size_t i = 0; ifindex && i < nic->naddrs; i++) {
		const struct vl_prefix *p = &nic->addrs[i].p;
		int r = p->family == AF_INET ? garp(ifindex, nic->mac, p->addr) :
			unsolicited_na(ifindex, nic->mac, p->addr);
		sent += r == 0;
	}
	setns(home, CLONE_NEWNET);
out:
	if (fd >= 0)
		close(fd);
	if (home >= 0)
		close(home);
	return sent;
}

static void free_topo(struct vl_topology *t)
{
	if (t) {
		vl_topology_free(t);
		free(t);
	}
}

/* The placements after the move: the recorded ones, those of the moved
 * NICs replaced. */
static void new_places(const struct vl_state *st, const char *vm, const struct vl_node *n,
		       const int *target, const struct vl_topology *t, struct vl_strv *out)
{
	for (size_t i = 0; i < st->place.n; i++) {
		char node[64], nic[64], sw[64];
		bool moved = false;
		if (sscanf(st->place.v[i], "%63s %63s %63s", node, nic, sw) == 3 && !strcmp(node, vm))
			for (size_t k = 0; k < n->nnics; k++)
				moved |= target[k] >= 0 && !strcmp(n->nics[k].name, nic);
		if (!moved)
			vl_strv_push(out, st->place.v[i]);
	}
	for (size_t k = 0; k < n->nnics; k++)
		if (target[k] >= 0) {
			char line[256];
			snprintf(line, sizeof(line), "%s %s %s", vm, n->nics[k].name,
				 t->switches[target[k]].name);
			vl_strv_push(out, line);
		}
}

static int migrate(const char *lab, const char *vm, const char *host, const char *force_sw,
		   bool dry, bool json)
{
	struct vl_state st;
	int lock = -1, rc = vl_apply_begin(lab, dry, &lock, &st);
	struct vl_topology *old = NULL, *new = NULL;
	int *target = NULL;
	struct vl_strv place = {0};
	char *text = NULL;
	struct vl_diff d;
	memset(&d, 0, sizeof(d));
	if (rc)
		goto out;
	rc = VL_EXIT_FAIL;
	if (st.applying) {
		fprintf(stderr, "vlab: an earlier change of lab %s was interrupted: run `vlab apply` "
			"on its file first (it undoes it)\n", lab);
		goto out;
	}
	old = vl_running_topology(lab, &st);
	new = vl_running_topology(lab, &st);
	if (!old || !new)
		goto out;
	int ni = find_node(old, vm), hi = find_node(old, host);
	if (ni < 0 || old->nodes[ni].kind != VL_NODE_VM) {
		fprintf(stderr, "vlab: %s is not a VM of lab %s%s\n", vm, lab,
			ni >= 0 ? " (only a [vm] moves between hosts)" : "");
		goto out;
	}
	if (hi < 0 || old->nodes[hi].kind != VL_NODE_HOST) {
		fprintf(stderr, "vlab: lab %s has no host %s to move %s to\n", lab, host, vm);
		goto out;
	}
	const struct vl_node *n = &old->nodes[ni];
	target = xcalloc(n->nnics + 1, sizeof(int));
	size_t moves = 0;
	for (size_t k = 0; k < n->nnics; k++) {
		const struct vl_nic *c = &n->nics[k];
		target[k] = -1;
		if (c->sw_idx < 0) {
			fprintf(stderr, "vlab: %s %s is one end of a [link], a cable no migration can "
				"carry: %s cannot move\n", vm, c->name, vm);
			goto out;
		}
		if (old->switches[c->sw_idx].host_idx == hi)
			continue;
		int to = force_sw ? find_switch(old, force_sw) : same_segment(old, c->sw_idx, hi);
		if (force_sw && (to < 0 || old->switches[to].host_idx != hi)) {
			fprintf(stderr, "vlab: --switch %s: lab %s has no switch %s on host %s\n", force_sw,
				lab, force_sw, host);
			goto out;
		}
		if (to < 0) {
			fprintf(stderr, "vlab: host %s has no switch on the segment of %s %s (switch %s): "
				"no [overlay] joins %s to a switch on %s; add one, or name the switch with "
				"--switch\n", host, vm, c->name, c->sw, c->sw, host);
			goto out;
		}
		target[k] = to;
		moves++;
	}
	if (!moves) {
		vl_info("vlab: %s is on host %s already: nothing to move\n", vm, host);
		rc = VL_EXIT_OK;
		goto out;
	}
	for (size_t k = 0; k < n->nnics; k++)
		if (target[k] >= 0)
			vl_topology_place(new, vm, n->nics[k].name, old->switches[target[k]].name);
	vl_plan_diff(old, new, &d);
	if (dry) {
		vl_diff_show(&d, json);
		rc = VL_EXIT_OK;
		goto out;
	}
	new_places(&st, vm, n, target, old, &place);
	size_t len = 0;
	text = vl_state_read_text(lab, "topology", &len);
	if (!text) {
		fprintf(stderr, "vlab: lab %s has no recorded topology copy (started by an older "
			"vlab): down and up it to migrate\n", lab);
		goto out;
	}
	struct vl_change c = {.lab = lab, .st = &st, .old = old, .new = new, .diff = &d,
			      .text = text, .len = len, .file = st.file, .hash = st.hash,
			      .place = &place};
	rc = vl_apply_change(&c);
	if (rc == VL_EXIT_OK) {
		int sent = 0;
		for (size_t k = 0; k < n->nnics; k++) {
			if (target[k] < 0)
				continue;
			sent += announce(lab, vm, &new->nodes[ni].nics[k]);
			vl_info("vlab: %s %s re-plugged from %s (host %s) into %s (host %s); same MAC and "
			       "addresses\n", vm, n->nics[k].name, n->nics[k].sw,
			       old->nodes[old->switches[n->nics[k].sw_idx].host_idx].name,
			       old->switches[target[k]].name, host);
		}
		vl_info("vlab: %s now runs on %s; %d gratuitous ARP/unsolicited NA sent\n", vm, host, sent);
	}
out:
	vl_diff_free(&d);
	vl_state_unlock(lock);
	free_topo(old);
	free_topo(new);
	free(target);
	free(text);
	vl_strv_free(&place);
	vl_state_free(&st);
	return rc;
}

int cmd_migrate(int argc, char **argv)
{
	const char *pos[3] = {0}, *sw = NULL;
	int npos = 0;
	bool dry = false, json = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dry-run") || !strcmp(argv[i], "-n"))
			dry = true;
		else if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--switch") && i + 1 < argc)
			sw = argv[++i];
		else if (argv[i][0] == '-' || npos == 3) {
			vl_usage(stderr, "migrate");
			return VL_EXIT_USAGE;
		} else
			pos[npos++] = argv[i];
	}
	if (npos != 3 || (json && !dry)) {
		vl_usage(stderr, "migrate");
		return VL_EXIT_USAGE;
	}
	if (!vl_lab_name_ok(pos[0], NULL)) {
		fprintf(stderr, "vlab: \"%s\" is not a lab name\n", pos[0]);
		return VL_EXIT_USAGE;
	}
	int rc = dry ? 0 : vl_need_root("migrate");
	if (rc)
		return rc;
	if (!dry)
		vl_sig_guard();
	rc = migrate(pos[0], pos[1], pos[2], sw, dry, json);
	return dry ? rc : vl_sig_exit(rc);
}
