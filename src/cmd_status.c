/* vlab status [LAB] [--json]: every node of running labs, with their
 * interfaces (kind, state, MTU, addresses, counters), read by netlink from
 * inside each namespace. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <linux/if.h>

#include "vlab/cmd.h"
#include "vlab/exec.h"
#include "vlab/runtime.h"
#include "vlab/startup.h"
#include "vlab/state.h"

struct iface {
	int index;
	char name[16];
	char kind[16];
	char master[16];
	int master_index;
	unsigned flags;
	int mtu;
	uint8_t mac[6];
	uint64_t rx_bytes, rx_packets, tx_bytes, tx_packets;
	struct vl_strv addrs;
};

struct node_info {
	struct iface *v;
	size_t n, cap;
};

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct node_info *ni = data;
	struct vl_link_attrs l;
	vl_link_attrs_parse(nlh, &l);
	struct iface *f = VL_PUSH(ni->v, ni->n, ni->cap);
	f->index = l.index;
	f->flags = l.flags;
	f->mtu = l.mtu;
	f->master_index = l.master;
	snprintf(f->name, sizeof(f->name), "%s", l.name);
	if (l.mac)
		memcpy(f->mac, l.mac, 6);
	if (l.stats) {
		struct rtnl_link_stats64 st;
		memcpy(&st, l.stats, sizeof(st));
		f->rx_bytes = st.rx_bytes;
		f->rx_packets = st.rx_packets;
		f->tx_bytes = st.tx_bytes;
		f->tx_packets = st.tx_packets;
	}
	snprintf(f->kind, sizeof(f->kind), "%s",
		 l.kind[0] ? l.kind : f->index == 1 ? "loopback" : "device");
	return 0;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct node_info *ni = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	const void *addr = NULL;
	mnl_attr_for_each(a, nlh, sizeof(*ifa)) {
		int t = mnl_attr_get_type(a);
		if (t == IFA_LOCAL || (t == IFA_ADDRESS && !addr))
			addr = mnl_attr_get_payload(a);
	}
	if (!addr)
		return 0;
	for (size_t i = 0; i < ni->n; i++) {
		if (ni->v[i].index != (int)ifa->ifa_index)
			continue;
		char txt[INET6_ADDRSTRLEN], full[INET6_ADDRSTRLEN + 8];
		inet_ntop(ifa->ifa_family, addr, txt, sizeof(txt));
		snprintf(full, sizeof(full), "%s/%d", txt, ifa->ifa_prefixlen);
		vl_strv_push(&ni->v[i].addrs, full);
	}
	return 0;
}

static int read_inside(void *arg)
{
	int r = vl_nl_dump_links_and(RTM_GETADDR, sizeof(struct ifaddrmsg), link_cb, addr_cb, arg);
	struct node_info *ni = arg;
	for (size_t i = 0; i < ni->n; i++)
		for (size_t j = 0; j < ni->n; j++)
			if (ni->v[i].master_index && ni->v[j].index == ni->v[i].master_index)
				snprintf(ni->v[i].master, sizeof(ni->v[i].master), "%s", ni->v[j].name);
	return r;
}

static int read_node(const char *ns, int home, struct node_info *ni)
{
	int fd = vl_netns_open(ns);
	if (fd < 0)
		return fd;
	int r = vl_netns_call(fd, home, read_inside, ni);
	close(fd);
	return r;
}

static void free_node(struct node_info *ni)
{
	for (size_t i = 0; i < ni->n; i++)
		vl_strv_free(&ni->v[i].addrs);
	free(ni->v);
	memset(ni, 0, sizeof(*ni));
}

static const char *state_word(unsigned flags)
{
	if (!(flags & IFF_UP))
		return "down";
	return flags & IFF_LOWER_UP ? "up" : "no-carrier";
}

static void print_text(const char *ns, const char *node, const struct node_info *ni, int err)
{
	if (err < 0) {
		printf("  %s (%s): %s\n", node, ns, strerror(-err));
		return;
	}
	printf("  %s (%s)\n", node, ns);
	for (size_t i = 0; i < ni->n; i++) {
		const struct iface *f = &ni->v[i];
		if (f->index == 1)
			continue;
		printf("    %-15s %-7s %-10s mtu %-5d", f->name, f->kind, state_word(f->flags), f->mtu);
		if (f->master[0])
			printf(" master %s", f->master);
		for (size_t k = 0; k < f->addrs.n; k++)
			printf(" %s", f->addrs.v[k]);
		printf("  rx %llu B/%llu pkt tx %llu B/%llu pkt\n", (unsigned long long)f->rx_bytes,
		       (unsigned long long)f->rx_packets, (unsigned long long)f->tx_bytes,
		       (unsigned long long)f->tx_packets);
	}
}

static void print_json(struct vl_buf *b, const char *ns, const char *node,
		       const struct node_info *ni, int err)
{
	vl_buf_add(b, "{\"node\":");
	vl_buf_json_str(b, node);
	vl_buf_add(b, ",\"netns\":");
	vl_buf_json_str(b, ns);
	vl_buf_printf(b, ",\"present\":%s,\"interfaces\":[", err < 0 ? "false" : "true");
	bool first = true;
	for (size_t i = 0; err >= 0 && i < ni->n; i++) {
		const struct iface *f = &ni->v[i];
		if (f->index == 1)
			continue;
		vl_buf_add(b, first ? "{\"name\":" : ",{\"name\":");
		first = false;
		vl_buf_json_str(b, f->name);
		vl_buf_add(b, ",\"kind\":");
		vl_buf_json_str(b, f->kind);
		vl_buf_printf(b, ",\"state\":\"%s\",\"mtu\":%d,\"mac\":\"%02x:%02x:%02x:%02x:%02x:%02x\"",
			      state_word(f->flags), f->mtu, f->mac[0], f->mac[1], f->mac[2], f->mac[3],
			      f->mac[4], f->mac[5]);
		if (f->master[0]) {
			vl_buf_add(b, ",\"master\":");
			vl_buf_json_str(b, f->master);
		}
		vl_buf_add(b, ",\"addresses\":[");
		for (size_t k = 0; k < f->addrs.n; k++) {
			if (k)
				vl_buf_add(b, ",");
			vl_buf_json_str(b, f->addrs.v[k]);
		}
		vl_buf_printf(b, "],\"rx_bytes\":%llu,\"rx_packets\":%llu,\"tx_bytes\":%llu,"
			      "\"tx_packets\":%llu}", (unsigned long long)f->rx_bytes,
			      (unsigned long long)f->rx_packets, (unsigned long long)f->tx_bytes,
			      (unsigned long long)f->tx_packets);
	}
	vl_buf_add(b, "]}");
}

static void show_lab(const char *lab, bool json, struct vl_buf *out, int home)
{
	struct vl_state st;
	bool have = vl_state_read(lab, &st) == 0;
	struct vl_strv ns = {0};
	vl_lab_netns(lab, have ? &st : NULL, &ns);
	const char *status = have ? st.status : "unknown (no state)";
	if (json) {
		vl_buf_add(out, "{\"lab\":");
		vl_buf_json_str(out, lab);
		vl_buf_add(out, ",\"status\":");
		vl_buf_json_str(out, status);
		vl_buf_add(out, ",\"file\":");
		if (have && st.file)
			vl_buf_json_str(out, st.file);
		else
			vl_buf_add(out, "null");
		/* NICs `vlab migrate` moved: "NODE NIC SWITCH" */
		vl_buf_add(out, ",\"placements\":[");
		for (size_t i = 0; have && i < st.place.n; i++) {
			vl_buf_add(out, i ? "," : "");
			vl_buf_json_str(out, st.place.v[i]);
		}
		vl_buf_add(out, "]");
		vl_buf_add(out, ",\"nodes\":[");
	} else {
		printf("lab %s (%s)%s%s, %zu namespaces\n", lab, status, have && st.file ? " from " : "",
		       have && st.file ? st.file : "", ns.n);
		for (size_t i = 0; have && i < st.place.n; i++) {
			char node[64], nic[64], sw[64];
			if (sscanf(st.place.v[i], "%63s %63s %63s", node, nic, sw) == 3)
				printf("  migrated: %s %s now on switch %s (vlab migrate)\n", node, nic, sw);
		}
	}
	for (size_t i = 0; i < ns.n; i++) {
		struct node_info ni = {0};
		int r = read_node(ns.v[i], home, &ni);
		const char *node = vl_ns_node(lab, ns.v[i]);
		if (json) {
			if (i)
				vl_buf_add(out, ",");
			print_json(out, ns.v[i], node, &ni, r);
		} else {
			print_text(ns.v[i], node, &ni, r);
		}
		free_node(&ni);
	}
	if (json) {
		vl_buf_add(out, "],\"changes\":");
		vl_rt_status_json(lab, out);
		vl_buf_add(out, ",\"daemons\":");
		vl_startup_status_json(lab, out);
		vl_buf_add(out, "}");
	} else {
		vl_rt_status_text(lab); /* impair/link/fault: what differs from the file */
		vl_startup_status_text(lab); /* daemon = commands, running or not */
	}
	vl_strv_free(&ns);
	if (have)
		vl_state_free(&st);
}

int cmd_status(int argc, char **argv)
{
	bool json = false;
	const char *lab = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (argv[i][0] != '-' && !lab)
			lab = argv[i];
		else {
			vl_usage(stderr, "status");
			return VL_EXIT_USAGE;
		}
	}
	int rc = vl_need_root("status");
	if (rc)
		return rc;
	struct vl_strv labs = {0};
	if (lab) {
		char *name = vl_resolve_lab(lab);
		if (!name)
			return VL_EXIT_FAIL;
		char dir[300];
		vl_state_path(dir, sizeof(dir), name, NULL);
		struct vl_strv ns = {0};
		vl_lab_netns(name, NULL, &ns);
		if (access(dir, F_OK) < 0 && !ns.n) {
			fprintf(stderr, "vlab: lab %s is not running (see vlab ls)\n", name);
			free(name);
			vl_strv_free(&ns);
			return VL_EXIT_FAIL;
		}
		vl_strv_free(&ns);
		vl_strv_push(&labs, name);
		free(name);
	} else {
		vl_state_list(&labs);
	}
	int home = vl_netns_self();
	if (home < 0) {
		fprintf(stderr, "vlab: opening our network namespace: %s\n", strerror(-home));
		vl_strv_free(&labs);
		return VL_EXIT_FAIL;
	}
	struct vl_buf out = {0};
	if (json)
		vl_buf_add(&out, "{\"labs\":[");
	if (!labs.n && !json)
		printf("no labs running\n");
	for (size_t i = 0; i < labs.n; i++) {
		if (json && i)
			vl_buf_add(&out, ",");
		show_lab(labs.v[i], json, &out, home);
	}
	if (json) {
		vl_buf_add(&out, "]}\n");
		fputs(out.s, stdout);
	}
	vl_buf_free(&out);
	close(home);
	vl_strv_free(&labs);
	return VL_EXIT_OK;
}
