/* Netlink transport for the executor (libmnl), and the requests libnl-route
 * 3.7 cannot build: bridge vlan_filtering/default_pvid, per-port VLANs
 * (AF_BRIDGE IFLA_AF_SPEC), port isolation, alternative names.
 *
 * Every request is answered by an ack we read at once: the kernel handles
 * rtnetlink requests inside sendmsg(), so waiting costs one recv() and
 * gives each operation its own errno and extended-ack text. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "vlab/exec.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

static __thread char rxbuf[65536];
static __thread char extack[256];

const char *vl_nl_extack(void)
{
	return extack;
}

int vl_nl_open(struct vl_nl *nl, int proto)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	socklen_t len = sizeof(sa);
	int one = 1;

	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, proto);
	if (nl->fd < 0)
		return -errno;
	if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(nl->fd, (struct sockaddr *)&sa, &len) < 0) {
		int e = -errno;
		close(nl->fd);
		nl->fd = -1;
		return e;
	}
	/* Best effort: short acks, and the kernel's own words on errors. */
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	nl->portid = sa.nl_pid;
	nl->seq = (uint32_t)time(NULL);
	nl->pending = 0;
	return 0;
}

void vl_nl_close(struct vl_nl *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
}

/* The text of NLMSGERR_ATTR_MSG, if the kernel sent one. */
static void read_extack(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*e);
	const struct nlattr *a;

	extack[0] = 0;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	if (MNL_NLMSG_HDRLEN + off > nlh->nlmsg_len)
		return;
	mnl_attr_for_each(a, nlh, off) {
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG) {
			snprintf(extack, sizeof(extack), "%.*s",
				 (int)mnl_attr_get_payload_len(a),
				 (const char *)mnl_attr_get_payload(a));
			/* drop a trailing NUL/newline */
			extack[strcspn(extack, "\n")] = 0;
		}
	}
}

static int send_req(struct vl_nl *nl, struct nlmsghdr *nlh)
{
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++nl->seq;
	nlh->nlmsg_pid = 0;
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	ssize_t n;
	do
		n = sendto(nl->fd, nlh, nlh->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa));
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : 0;
}

ssize_t vl_nl_recv(int fd, void *buf, size_t len, int timeout_ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	int r = poll(&pfd, 1, timeout_ms);
	if (r < 0)
		return -errno; /* -EINTR: a signal; the caller gives up */
	if (r == 0)
		return -ETIMEDOUT;
	ssize_t n = recv(fd, buf, len, MSG_DONTWAIT);
	return n < 0 ? -errno : n;
}

/* Read until the answer to `seq` is complete. cb may be NULL (plain ack).
 * The kernel answers rtnetlink inside sendmsg(), so the answer is normally
 * there already; the deadline only catches a lost one, and a signal
 * (no SA_RESTART, see vlab/sig.h) ends the wait. */
static int recv_answer(struct vl_nl *nl, uint32_t seq,
		       int (*cb)(const struct nlmsghdr *, void *), void *data)
{
	for (;;) {
		ssize_t n = vl_nl_recv(nl->fd, rxbuf, sizeof(rxbuf), VL_NL_TIMEOUT_MS);
		if (n == -EAGAIN)
			continue;
		if (n < 0)
			return (int)n;
		const struct nlmsghdr *h = (const struct nlmsghdr *)rxbuf;
		int len = (int)n;
		for (; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
			if (h->nlmsg_seq != seq)
				continue; /* stale answer of an earlier request */
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);
				if (e->error)
					read_extack(h);
				return e->error;
			}
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (cb) {
				int r = cb(h, data);
				if (r < 0)
					return r;
			}
		}
	}
}

int vl_nl_talk(struct vl_nl *nl, struct nlmsghdr *nlh)
{
	extack[0] = 0;
	int r = send_req(nl, nlh);
	if (r < 0)
		return r;
	return recv_answer(nl, nlh->nlmsg_seq, NULL, NULL);
}

int vl_nl_dump(struct vl_nl *nl, struct nlmsghdr *nlh,
	       int (*cb)(const struct nlmsghdr *, void *), void *data)
{
	extack[0] = 0;
	nlh->nlmsg_flags |= NLM_F_DUMP;
	int r = send_req(nl, nlh);
	if (r < 0)
		return r;
	return recv_answer(nl, nlh->nlmsg_seq, cb, data);
}

int vl_nl_request(struct vl_nl *nl, struct nlmsghdr *nlh,
		  int (*cb)(const struct nlmsghdr *, void *), void *data)
{
	extack[0] = 0;
	int r = send_req(nl, nlh);
	if (r < 0)
		return r;
	return recv_answer(nl, nlh->nlmsg_seq, cb, data);
}

int vl_nl_request_once(struct nlmsghdr *nlh, int (*cb)(const struct nlmsghdr *, void *),
		       void *data)
{
	struct vl_nl nl;
	int r = vl_nl_open(&nl, NETLINK_ROUTE);
	if (r < 0)
		return r;
	r = vl_nl_request(&nl, nlh, cb, data);
	vl_nl_close(&nl);
	return r;
}

void vl_link_attrs_parse(const struct nlmsghdr *nlh, struct vl_link_attrs *l)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	*l = (struct vl_link_attrs){.index = ifi->ifi_index, .flags = ifi->ifi_flags, .name = "",
				    .alias = "", .kind = "", .link_nsid = -1};
	const struct nlattr *a, *b;
	mnl_attr_for_each(a, nlh, sizeof(*ifi)) {
		switch (mnl_attr_get_type(a)) {
		case IFLA_IFNAME: l->name = mnl_attr_get_str(a); break;
		case IFLA_IFALIAS: l->alias = mnl_attr_get_str(a); break;
		case IFLA_MTU: l->mtu = (int)mnl_attr_get_u32(a); break;
		case IFLA_MASTER: l->master = (int)mnl_attr_get_u32(a); break;
		case IFLA_LINK: l->link = (int)mnl_attr_get_u32(a); break;
		case IFLA_LINK_NETNSID: l->link_nsid = (int)mnl_attr_get_u32(a); break;
		case IFLA_PROP_LIST: l->prop_list = a; break;
		case IFLA_ADDRESS:
			if (mnl_attr_get_payload_len(a) == 6)
				l->mac = mnl_attr_get_payload(a);
			break;
		case IFLA_STATS64:
			if (mnl_attr_get_payload_len(a) >= sizeof(struct rtnl_link_stats64))
				l->stats = mnl_attr_get_payload(a);
			break;
		case IFLA_LINKINFO:
			mnl_attr_for_each_nested(b, a) {
				if (mnl_attr_get_type(b) == IFLA_INFO_KIND)
					l->kind = mnl_attr_get_str(b);
				else if (mnl_attr_get_type(b) == IFLA_INFO_DATA)
					l->info_data = b;
			}
			break;
		}
	}
}

int vl_nl_dump_all(struct vl_nl *nl, int type, size_t hdr,
		   int (*cb)(const struct nlmsghdr *, void *), void *data)
{
	char buf[256] = {0};
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	mnl_nlmsg_put_extra_header(nlh, hdr); /* zeroed: AF_UNSPEC, every device */
	return vl_nl_dump(nl, nlh, cb, data);
}

int vl_nl_dump_links_and(int type, size_t hdr,
			 int (*link_cb)(const struct nlmsghdr *, void *),
			 int (*cb)(const struct nlmsghdr *, void *), void *data)
{
	struct vl_nl nl;
	int r = vl_nl_open(&nl, NETLINK_ROUTE);
	if (r < 0)
		return r;
	r = vl_nl_dump_all(&nl, RTM_GETLINK, sizeof(struct ifinfomsg), link_cb, data);
	if (r == 0)
		r = vl_nl_dump_all(&nl, type, hdr, cb, data);
	vl_nl_close(&nl);
	return r;
}

/* ---- requests libnl 3.7 has no setter for ---- */

struct nlmsghdr *vl_link_msg(char *buf, int type, int family, int ifindex)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = family;
	ifi->ifi_index = ifindex;
	return nlh;
}

int vl_link_bridge_opts(struct vl_nl *nl, int ifindex, int vlan_filtering, int default_pvid,
			int mcast_snooping)
{
	char buf[512] = {0};
	struct nlmsghdr *nlh = vl_link_msg(buf, RTM_NEWLINK, AF_UNSPEC, ifindex);
	struct nlattr *li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	/* default_pvid first: it only applies to ports added later, and
	 * the filtering switch must not give existing ports VLAN 1. */
	if (vlan_filtering >= 0) {
		mnl_attr_put_u16(nlh, IFLA_BR_VLAN_DEFAULT_PVID, (uint16_t)default_pvid);
		mnl_attr_put_u8(nlh, IFLA_BR_VLAN_FILTERING, (uint8_t)vlan_filtering);
	}
	/* (a kernel without CONFIG_BRIDGE_IGMP_SNOOPING ignores it) */
	if (mcast_snooping >= 0)
		mnl_attr_put_u8(nlh, IFLA_BR_MCAST_SNOOPING, (uint8_t)mcast_snooping);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, li);
	return vl_nl_talk(nl, nlh);
}

int vl_link_brport_vlan(struct vl_nl *nl, int ifindex, bool self, int vid,
			bool pvid, bool untagged, bool del)
{
	char buf[512] = {0};
	struct nlmsghdr *nlh = vl_link_msg(buf, del ? RTM_DELLINK : RTM_SETLINK, AF_BRIDGE, ifindex);
	struct nlattr *spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	if (self)
		mnl_attr_put_u16(nlh, IFLA_BRIDGE_FLAGS, BRIDGE_FLAGS_SELF);
	struct bridge_vlan_info vi = {.vid = (uint16_t)vid};
	if (pvid)
		vi.flags |= BRIDGE_VLAN_INFO_PVID;
	if (untagged)
		vi.flags |= BRIDGE_VLAN_INFO_UNTAGGED;
	mnl_attr_put(nlh, IFLA_BRIDGE_VLAN_INFO, sizeof(vi), &vi);
	mnl_attr_nest_end(nlh, spec);
	return vl_nl_talk(nl, nlh);
}

int vl_link_set_isolated(struct vl_nl *nl, int ifindex)
{
	char buf[256] = {0};
	struct nlmsghdr *nlh = vl_link_msg(buf, RTM_SETLINK, AF_BRIDGE, ifindex);
	struct nlattr *pi = mnl_attr_nest_start(nlh, IFLA_PROTINFO);
	mnl_attr_put_u8(nlh, IFLA_BRPORT_ISOLATED, 1);
	mnl_attr_nest_end(nlh, pi);
	return vl_nl_talk(nl, nlh);
}

int vl_link_add_altname(struct vl_nl *nl, int ifindex, const char *altname)
{
	char buf[512] = {0};
	struct nlmsghdr *nlh = vl_link_msg(buf, RTM_NEWLINKPROP, AF_UNSPEC, ifindex);
	nlh->nlmsg_flags |= NLM_F_EXCL | NLM_F_APPEND;
	struct nlattr *pl = mnl_attr_nest_start(nlh, IFLA_PROP_LIST);
	mnl_attr_put_strz(nlh, IFLA_ALT_IFNAME, altname);
	mnl_attr_nest_end(nlh, pl);
	return vl_nl_talk(nl, nlh);
}

/* The all-zero MAC entry of one remote VTEP (head-end replication). */
static int fdb_zero(struct vl_nl *nl, int type, int flags, int ifindex, const struct vl_prefix *dst)
{
	static const uint8_t zero[6];
	char buf[256] = {0};
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	struct ndmsg *nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	nd->ndm_family = AF_BRIDGE;
	nd->ndm_ifindex = ifindex;
	nd->ndm_state = NUD_PERMANENT;
	nd->ndm_flags = NTF_SELF;
	mnl_attr_put(nlh, NDA_LLADDR, sizeof(zero), zero);
	mnl_attr_put(nlh, NDA_DST, dst->family == AF_INET ? 4 : 16, dst->addr);
	return vl_nl_talk(nl, nlh);
}

/* Head-end replication: an all-zero MAC entry per remote VTEP, appended. */
int vl_fdb_append(struct vl_nl *nl, int ifindex, const struct vl_prefix *dst)
{
	return fdb_zero(nl, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_APPEND, ifindex, dst);
}

int vl_fdb_del(struct vl_nl *nl, int ifindex, const struct vl_prefix *dst)
{
	return fdb_zero(nl, RTM_DELNEIGH, 0, ifindex, dst);
}
