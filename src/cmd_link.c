/* vlab link LAB NODE:IF down|up: pull or replug the cable of one NIC. The
 * OTHER end of the cable goes administratively down (the switch port, or
 * the far end of a [link]), so the node's NIC stays up and only loses
 * carrier, as with a real cable: it keeps its addresses and the routes
 * through it. The far end of a [link] is a node's NIC too; the kernel
 * removed its IPv6 addresses and routes when it went down, so up puts
 * them back from the lab's plan (vl_rt_replumb). */
#include <stdio.h>
#include <string.h>

#include "vlab/cmd.h"
#include "vlab/runtime.h"
#include "vlab/sig.h"
#include "vlab/state.h"

int cmd_link(int argc, char **argv)
{
	char node[VL_NODE_NAME_MAX + 1], nic[VL_DEVNAME_MAX];
	if (argc != 4 || argv[1][0] == '-' || (strcmp(argv[3], "down") && strcmp(argv[3], "up"))) {
		if (argc == 4 && strcmp(argv[3], "down") && strcmp(argv[3], "up"))
			fprintf(stderr, "vlab link: \"%s\": say down (pull the cable) or up (plug it back)\n",
				argv[3]);
		vl_usage(stderr, "link");
		return VL_EXIT_USAGE;
	}
	if (vl_rt_nodeif("link", argv[2], node, nic) < 0) {
		vl_usage(stderr, "link");
		return VL_EXIT_USAGE;
	}
	bool up = !strcmp(argv[3], "up");
	struct vl_rt_lab L;
	int rc = vl_rt_open("link", argv[1], true, &L);
	if (rc) {
		vl_rt_close(&L);
		return rc;
	}
	struct vl_rt_place me, peer;
	struct vl_changes c = {0};
	if (vl_rt_where("link", L.t, node, nic, VL_DIR_OUT, &me) < 0 ||
	    vl_rt_where("link", L.t, node, nic, VL_DIR_IN, &peer) < 0) {
		rc = VL_EXIT_USAGE;
		goto out;
	}
	vl_changes_read(L.lab, &c);
	vl_changes_prune(&c);
	if (vl_rt_fault_busy("link", &c, L.lab, node, nic)) {
		rc = VL_EXIT_FAIL;
		goto out;
	}
	vl_sig_guard();
	bool was_up;
	if (vl_rt_admin(L.lab, peer.ns, peer.dev, up, &was_up) < 0) {
		fprintf(stderr, "vlab link: %s:%s unchanged\n", node, nic);
		rc = VL_EXIT_KERNEL;
		goto out;
	}
	vl_changes_set_link(&c, node, nic, !up);
	int w = vl_changes_write(L.lab, &c);
	if (w < 0) {
		fprintf(stderr, "vlab link: recording the change in %s/%s: %s\n", VL_RUN_DIR, L.lab,
			strerror(-w));
		rc = VL_EXIT_FAIL;
	}
	/* the far end's cable pulled too (a [link] pulled from both ends), or
	 * a fault flapping it: the node's NIC is down for that one, left alone */
	bool far_pulled = peer.node_nic && (vl_changes_link_down(&c, peer.owner, peer.dev) ||
					    vl_changes_fault(&c, peer.owner, peer.dev) >= 0);
	if (up && !was_up && peer.node_nic && vl_rt_replumb(L.t, peer.ns, peer.dev) < 0)
		rc = VL_EXIT_KERNEL;
	if (up && !far_pulled) {
		/* the NIC itself stays up; a lab whose NIC went down otherwise
		 * (an older vlab pulled cables that way) gets it back whole */
		bool me_up = true;
		if (vl_rt_admin(L.lab, me.ns, me.dev, true, &me_up) < 0 ||
		    (!me_up && vl_rt_replumb(L.t, me.ns, me.dev) < 0))
			rc = VL_EXIT_KERNEL;
	}
	if (up)
		printf("vlab: %s:%s cable plugged in%s: %s %s is up, %s %s\n", node, nic,
		       was_up ? " (it was)" : "", peer.owner, peer.dev, nic,
		       far_pulled ? "is left down (the cable's other end is pulled or flapping too)" :
		       "has carrier again");
	else
		printf("vlab: %s:%s cable pulled%s: %s %s is down, %s has no carrier\n", node, nic,
		       was_up ? "" : " (it was)", peer.owner, peer.dev, nic);
out:
	vl_changes_free(&c);
	vl_rt_close(&L);
	return vl_sig_exit(rc);
}
