/* Kernel features a plan needs, and probing them for real: in a throwaway
 * namespace (unshared, never mounted, gone when we setns back and close its
 * socket, and with the process on any death, SIGKILL included: nothing
 * names it) we create each kind of device and qdisc once. Asking the kernel
 * beats reading /proc/config.gz, which many kernels do not ship. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>

#include <linux/netlink.h>

#include "vlab/exec.h"

static const struct vl_feature_info features[VL_FEAT__COUNT] = {
	[VL_FEAT_NETNS] = {"network namespaces", "CONFIG_NET_NS", false},
	[VL_FEAT_VETH] = {"veth pairs", "CONFIG_VETH", false},
	[VL_FEAT_BRIDGE] = {"Linux bridges (switches)", "CONFIG_BRIDGE", false},
	[VL_FEAT_VLAN_FILTERING] = {"bridge VLAN filtering (vlan=/trunk= ports)",
				    "CONFIG_BRIDGE_VLAN_FILTERING", false},
	[VL_FEAT_8021Q] = {"802.1Q sub-interfaces", "CONFIG_VLAN_8021Q", false},
	[VL_FEAT_VXLAN] = {"VXLAN overlays", "CONFIG_VXLAN", false},
	[VL_FEAT_GENEVE] = {"Geneve overlays", "CONFIG_GENEVE", false},
	[VL_FEAT_TBF] = {"rate limiting (tbf qdisc)", "CONFIG_NET_SCH_TBF", false},
	[VL_FEAT_NETEM] = {"delay/loss impairments (netem qdisc)", "CONFIG_NET_SCH_NETEM", false},
	[VL_FEAT_CLSACT] = {"clsact qdisc (port mirroring)", "CONFIG_NET_SCH_INGRESS", false},
	[VL_FEAT_U32] = {"u32 classifier (port mirroring)", "CONFIG_NET_CLS_U32", false},
	[VL_FEAT_MIRRED] = {"mirred action (port mirroring)", "CONFIG_NET_ACT_MIRRED", false},
	[VL_FEAT_NFT_MASQ] = {"nftables masquerade (router nat=)", "CONFIG_NFT_MASQ", false},
	[VL_FEAT_BONDING] = {"NIC teaming (bond = on a host)", "CONFIG_BONDING", false},
	[VL_FEAT_ALTNAME] = {"alternative interface names (kernel >= 5.5)",
			     "Linux 5.5 or newer", true},
	[VL_FEAT_GRETAP] = {"NVGRE overlays (gretap)", "CONFIG_NET_IPGRE", false},
	/* a distribution kernel with NF_TABLES_BRIDGE=m also needs the
	 * nft_meta_bridge module for `meta` matches in the bridge family */
	[VL_FEAT_NFT_BRIDGE] = {"port security (nftables bridge family, nft_meta_bridge)",
				"CONFIG_NF_TABLES_BRIDGE", false},
};

const struct vl_feature_info *vl_feature_info(enum vl_feature f)
{
	return f < VL_FEAT__COUNT ? &features[f] : NULL;
}

#define BIT(f) (1u << (f))

static bool shape_netem(const struct vl_shape *s)
{
	return s->delay_us || s->jitter_us || s->loss_pct > 0 || s->duplicate_pct > 0 ||
	       s->corrupt_pct > 0 || s->reorder_pct > 0 || s->netem_limit;
}

uint32_t vl_plan_features(const struct vl_plan *p)
{
	uint32_t w = 0;
	for (size_t i = 0; i < p->nops; i++) {
		const struct vl_op *op = &p->ops[i];
		if (op->d.altname[0])
			w |= BIT(VL_FEAT_ALTNAME);
		switch (op->kind) {
		case VL_OP_NETNS: w |= BIT(VL_FEAT_NETNS); break;
		case VL_OP_BRIDGE:
			w |= BIT(VL_FEAT_BRIDGE);
			if (op->u.bridge.vlan_filtering)
				w |= BIT(VL_FEAT_VLAN_FILTERING);
			break;
		case VL_OP_VETH:
			w |= BIT(VL_FEAT_VETH);
			if (op->u.veth.peer.altname[0])
				w |= BIT(VL_FEAT_ALTNAME);
			break;
		case VL_OP_VLAN: w |= BIT(VL_FEAT_8021Q); break;
		case VL_OP_VXLAN: w |= BIT(VL_FEAT_VXLAN); break;
		case VL_OP_GENEVE: w |= BIT(VL_FEAT_GENEVE); break;
		case VL_OP_BRPORT: w |= BIT(VL_FEAT_VLAN_FILTERING); break;
		case VL_OP_QDISC:
			if (op->u.qdisc.shape.rate_bps)
				w |= BIT(VL_FEAT_TBF);
			if (shape_netem(&op->u.qdisc.shape))
				w |= BIT(VL_FEAT_NETEM);
			break;
		case VL_OP_MIRROR:
			w |= BIT(VL_FEAT_CLSACT) | BIT(VL_FEAT_U32) | BIT(VL_FEAT_MIRRED);
			break;
		case VL_OP_NAT: w |= BIT(VL_FEAT_NFT_MASQ); break;
		case VL_OP_BOND: w |= BIT(VL_FEAT_BONDING); break;
		case VL_OP_NVGRE: w |= BIT(VL_FEAT_GRETAP); break;
		case VL_OP_FILTER: w |= BIT(VL_FEAT_NFT_BRIDGE); break;
		default: break;
		}
	}
	return w;
}

/* The probe devices' ifindexes, one each: two sharing one made the later
 * creation fail with EEXIST, so `doctor`, probing everything, said a
 * kernel with bonding lacked gretap. */
enum { IX_VETH_A = 10, IX_VETH_B, IX_BRIDGE, IX_VXLAN, IX_GENEVE, IX_VLAN, IX_BOND, IX_GRETAP };

static void probe_inside(struct vl_nl *nl, uint32_t want, uint32_t *have)
{
	static const struct vl_op_dev up = {.up = true};
	struct vl_devspec a = {"vlp0", IX_VETH_A, &up, 0, NULL};
	struct vl_devspec b = {"vlp1", IX_VETH_B, &up, 0, NULL};
	struct vl_devspec br = {"vlpbr", IX_BRIDGE, &up, 0, NULL};
	bool veth = false;

	*have |= BIT(VL_FEAT_NETNS);
	if (want & (BIT(VL_FEAT_VETH) | BIT(VL_FEAT_8021Q) | BIT(VL_FEAT_TBF) | BIT(VL_FEAT_NETEM) |
		    BIT(VL_FEAT_CLSACT) | BIT(VL_FEAT_U32) | BIT(VL_FEAT_MIRRED) |
		    BIT(VL_FEAT_ALTNAME) | BIT(VL_FEAT_NFT_MASQ))) {
		veth = vl_link_veth(nl, &a, &b, -1) == 0 && vl_link_set_up(nl, b.ifindex) == 0;
		if (veth)
			*have |= BIT(VL_FEAT_VETH);
	}
	if (want & (BIT(VL_FEAT_BRIDGE) | BIT(VL_FEAT_VLAN_FILTERING))) {
		if (vl_link_bridge(nl, &br) == 0) {
			*have |= BIT(VL_FEAT_BRIDGE);
			/* the filtering switch may be accepted and ignored: a
			 * VLAN on the bridge itself is the real test */
			if ((want & BIT(VL_FEAT_VLAN_FILTERING)) &&
			    vl_link_bridge_opts(nl, br.ifindex, 1, 1, -1) == 0 &&
			    vl_link_brport_vlan(nl, br.ifindex, true, 10, false, false, false) == 0)
				*have |= BIT(VL_FEAT_VLAN_FILTERING);
		}
	}
	if (want & BIT(VL_FEAT_VXLAN)) {
		struct vl_op op = {.kind = VL_OP_VXLAN};
		op.u.tunnel.vni = 42;
		op.u.tunnel.port = 4789;
		struct vl_devspec s = {"vlpvx", IX_VXLAN, NULL, 0, NULL};
		if (vl_link_vxlan(nl, &s, &op, 0) == 0)
			*have |= BIT(VL_FEAT_VXLAN);
	}
	if (want & BIT(VL_FEAT_BONDING)) {
		struct vl_devspec s = {"vlpbond", IX_BOND, NULL, 0, NULL};
		if (vl_link_bond(nl, &s, 1, 0) == 0)
			*have |= BIT(VL_FEAT_BONDING);
	}
	if (want & BIT(VL_FEAT_GENEVE)) {
		struct vl_op op = {.kind = VL_OP_GENEVE};
		op.u.tunnel.vni = 42;
		op.u.tunnel.port = 6081;
		op.u.tunnel.remote.family = AF_INET;
		op.u.tunnel.remote.len = 32;
		memcpy(op.u.tunnel.remote.addr, "\xc0\x00\x02\x01", 4); /* 192.0.2.1, never used */
		struct vl_devspec s = {"vlpgn", IX_GENEVE, NULL, 0, NULL};
		if (vl_link_geneve(nl, &s, &op) == 0)
			*have |= BIT(VL_FEAT_GENEVE);
	}
	if (want & BIT(VL_FEAT_GRETAP)) {
		struct vl_op op = {.kind = VL_OP_NVGRE};
		op.u.tunnel.vni = 42;
		op.u.tunnel.remote.family = AF_INET;
		op.u.tunnel.remote.len = 32;
		memcpy(op.u.tunnel.remote.addr, "\xc0\x00\x02\x01", 4); /* 192.0.2.1, never used */
		struct vl_devspec s = {"vlpgt", IX_GRETAP, NULL, 0, NULL};
		if (vl_link_gretap(nl, &s, &op) == 0)
			*have |= BIT(VL_FEAT_GRETAP);
	}
	if (want & BIT(VL_FEAT_NFT_BRIDGE)) {
		struct vl_filter f = {.chain = VL_NFT_BASE_CHAIN, .iif = "vlp0",
				      .verdict = VL_NFT_ACCEPT};
		if (vl_nft_filter("vlab:probe", &f) == 0)
			*have |= BIT(VL_FEAT_NFT_BRIDGE);
	}
	if (!veth)
		return;
	if (want & BIT(VL_FEAT_8021Q)) {
		struct vl_devspec s = {"vlp0.10", IX_VLAN, NULL, 0, NULL};
		if (vl_link_vlan(nl, &s, a.ifindex, 10) == 0)
			*have |= BIT(VL_FEAT_8021Q);
	}
	if (want & BIT(VL_FEAT_ALTNAME) && vl_link_add_altname(nl, a.ifindex, "vlab-probe-altname") == 0)
		*have |= BIT(VL_FEAT_ALTNAME);
	vl_tc_probe(nl, a.ifindex, b.ifindex, want, have);
	if (want & BIT(VL_FEAT_NFT_MASQ) && vl_nft_masquerade("vlp0") == 0)
		*have |= BIT(VL_FEAT_NFT_MASQ);
}

int vl_probe_features(uint32_t want, uint32_t *have)
{
	*have = 0;
	int home = vl_netns_self();
	if (home < 0)
		return home;
	if (unshare(CLONE_NEWNET) < 0) {
		int e = -errno;
		close(home);
		return e;
	}
	struct vl_nl nl;
	int r = vl_nl_open(&nl, NETLINK_ROUTE);
	if (r == 0) {
		/* test-only: the `preflight` phase, probe namespace alive */
		if (vl_fault_phase("preflight") < 0)
			r = -ECANCELED;
		else
			probe_inside(&nl, want, have);
		vl_nl_close(&nl);
	}
	if (setns(home, CLONE_NEWNET) < 0) {
		perror("vlab: setns back to our namespace");
		_exit(70);
	}
	close(home);
	return r;
}
