/* Traffic that `vlab test` makes itself, inside a lab's namespaces: ICMP
 * echo (raw sockets), TTL-limited probes, DF-sized probes, TCP connect,
 * UDP round trips, a bulk TCP transfer, and netlink reads of a node's
 * links and addresses. No process is started.
 *
 * A socket stays in the namespace it was opened in, so every function here
 * takes namespace fds, opens its sockets inside them (setns of the calling
 * thread only, then back home) and works from wherever it runs: any thread
 * may call any of them at the same time. Raw ICMP sockets of one namespace
 * all see every ICMP packet; each probe recognises its own by a unique echo
 * identifier. */
#ifndef VLAB_TNET_H
#define VLAB_TNET_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vlab/model.h"

/* Remember our own namespace (call once, before any thread starts). */
int vl_tnet_init(void);
void vl_tnet_fini(void);
/* A socket opened inside namespace `nsfd` (SOCK_CLOEXEC added); -errno. */
int vl_tnet_socket(int nsfd, int domain, int type, int proto);

#define VL_PING_SEQ_MAX 256
#define VL_PING_RTT_MAX 128

/* One echo stream from a namespace to an address. */
struct vl_ping {
	int nsfd;                  /* source namespace */
	struct vl_prefix dst;
	int scope;                 /* IPv6 link-local: ifindex in the source */

	int sent, received;
	int send_err;              /* errno of the last failed send, 0 = none */
	int icmp_type, icmp_code;  /* last ICMP error about our echoes, -1 = none */
	struct vl_prefix icmp_from;
	int icmp_mtu;              /* frag needed / packet too big: the MTU given */
	double rtt[VL_PING_RTT_MAX];
	int nrtt;

	/* private */
	int fd;
	uint16_t id, seq;
	double sent_at[VL_PING_SEQ_MAX];
	double next, last;
	bool done;
};

struct vl_ping_opts {
	int count;                 /* requests per stream; 0 = until the timeout */
	double interval;           /* seconds between one stream's requests */
	double timeout;            /* the whole run */
	double linger;             /* after a stream's last request, wait this long */
	int size;                  /* IP packet size, headers included; 0 = 84/104 */
	bool df;                   /* don't fragment, ignore the PMTU cache */
	bool until_reply;          /* a stream is done at its first reply */
	bool stop_on_send_error;   /* ... or at a failed send (EMSGSIZE always stops) */
	volatile sig_atomic_t *stop;
};
/* Run every stream at once from the calling thread. 0, or -errno when a
 * socket could not be opened (also in p->send_err). */
int vl_ping_run(struct vl_ping *p, size_t n, const struct vl_ping_opts *o);
/* Median RTT in seconds of the replies (0 when none). */
double vl_ping_median(const struct vl_ping *p);
/* "host unreachable from 10.0.0.1", "fragmentation needed (MTU 1450) from
 * 10.0.0.1", "Network is unreachable", or "" when nothing went wrong. */
void vl_ping_why(const struct vl_ping *p, char *out, size_t n);

/* TTL-limited probes (TTL 1..VL_TRACE_MAX) and the sources of the time
 * exceeded answers: one round. */
#define VL_TRACE_MAX 16
struct vl_trace {
	struct vl_prefix hop[VL_TRACE_MAX + 1];  /* by TTL; family 0 = no answer */
	int reached;                             /* TTL of the first echo reply, 0 */
	int send_err;
};
int vl_trace_run(int nsfd, const struct vl_prefix *dst, double wait,
		 volatile sig_atomic_t *stop, struct vl_trace *t);

/* TCP connect from namespace a_ns to dst:port, retried until it works or
 * the timeout passes. When b_ns >= 0 and nothing listens on the port there,
 * a listener of our own is opened in b_ns for the check and closed after.
 * Returns 1 (connected) or 0; `seen` says what happened. */
int vl_tcp_check(int a_ns, int b_ns, const struct vl_prefix *dst, int port, double timeout,
		 volatile sig_atomic_t *stop, char *seen, size_t n);
/* UDP: a datagram round trip to a socket of ours in b_ns; when the port is
 * taken there (or b_ns < 0), success is no ICMP port unreachable within the
 * timeout. Returns 1 or 0. */
int vl_udp_check(int a_ns, int b_ns, const struct vl_prefix *dst, int port, double timeout,
		 volatile sig_atomic_t *stop, char *seen, size_t n);
/* Bulk TCP from a_ns to our listener in b_ns for `secs`; bits per second
 * received. 0, or -1 with the reason in `err`. */
int vl_rate_measure(int a_ns, int b_ns, const struct vl_prefix *dst, double secs,
		    volatile sig_atomic_t *stop, double *bps, char *err, size_t n);

/* What the kernel says about a namespace. */
struct vl_ifaddr {
	int ifindex;
	struct vl_prefix addr;     /* len = the address's prefix length */
	bool link_local;
};
/* Every address except host-scope ones (lo); caller frees *out. */
int vl_tnet_addrs(int nsfd, struct vl_ifaddr **out, size_t *n);
/* Every interface but loopback: ifindexes, caller frees. */
int vl_tnet_links(int nsfd, int **out, size_t *n);
/* The MAC of interface `ifname`; -ENODEV when there is none. */
int vl_tnet_mac(int nsfd, const char *ifname, uint8_t mac[6]);

#endif
