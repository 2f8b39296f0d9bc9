/* Without root: the signal guard, reads that cannot block forever, and
 * the nftables ack scan that used to skip the error a kernel without
 * nf_tables sends (then waited forever). */
#define _GNU_SOURCE
#include "unit.h"

#include <errno.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/netlink.h>

#include "vlab/exec.h"
#include "vlab/sig.h"

/* An NLMSG_ERROR answering `seq` with `error`, appended at buf+off. */
static size_t put_ack(char *buf, size_t off, uint32_t seq, int error)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(buf + off);
	h->nlmsg_len = NLMSG_LENGTH(sizeof(struct nlmsgerr));
	h->nlmsg_type = NLMSG_ERROR;
	h->nlmsg_flags = NLM_F_CAPPED;
	h->nlmsg_seq = seq;
	h->nlmsg_pid = 0;
	struct nlmsgerr *e = NLMSG_DATA(h);
	memset(e, 0, sizeof(*e));
	e->error = error;
	e->msg.nlmsg_seq = seq;
	return off + NLMSG_ALIGN(h->nlmsg_len);
}

static void test_nft_acks(void **state)
{
	(void)state;
	char buf[1024] __attribute__((aligned(8)));
	/* batch begin 100, table 101, chain 102, rule 103 */
	size_t n = put_ack(buf, 0, 101, 0);
	assert_int_equal(vl_nft_scan_acks(buf, n, 100, 103), 0);
	n = put_ack(buf, n, 102, 0);
	n = put_ack(buf, n, 103, 0);
	assert_int_equal(vl_nft_scan_acks(buf, n, 100, 103), 1);
	/* no nf_tables: the batch-begin message itself gets the error */
	n = put_ack(buf, 0, 100, -EOPNOTSUPP);
	assert_int_equal(vl_nft_scan_acks(buf, n, 100, 103), -EOPNOTSUPP);
	/* the first error wins */
	n = put_ack(buf, 0, 101, 0);
	n = put_ack(buf, n, 102, -ENOENT);
	n = put_ack(buf, n, 103, -EINVAL);
	assert_int_equal(vl_nft_scan_acks(buf, n, 100, 103), -ENOENT);
	/* answers of other requests (older seq) are not ours */
	n = put_ack(buf, 0, 99, -EPERM);
	assert_int_equal(vl_nft_scan_acks(buf, n, 100, 103), 0);
	/* truncated: nothing read past the end */
	n = put_ack(buf, 0, 103, 0);
	assert_int_equal(vl_nft_scan_acks(buf, n - 4, 100, 103), 0);
}

static void test_recv_timeout(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	char b[16];
	/* nothing to read: the deadline ends the wait */
	assert_int_equal(vl_nl_recv(sv[0], b, sizeof(b), 20), -ETIMEDOUT);
	/* something there: read at once */
	assert_int_equal(write(sv[1], "ack", 3), 3);
	assert_int_equal(vl_nl_recv(sv[0], b, sizeof(b), 0), 3);
	close(sv[0]);
	close(sv[1]);
}

static void test_guard_interrupts(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	assert_int_equal(vl_sig_caught(), 0);
	assert_int_equal(vl_sig_exit(3), 3);
	vl_sig_guard();
	/* SIGPIPE is ignored: a write to a closed pipe fails with EPIPE */
	int p[2];
	assert_int_equal(pipe(p), 0);
	close(p[0]);
	assert_int_equal(write(p[1], "x", 1), -1);
	assert_int_equal(errno, EPIPE);
	close(p[1]);
	/* a guarded signal while we wait: the wait ends (no SA_RESTART),
	 * the signal is recorded, the process lives on */
	struct itimerval it = {.it_value = {.tv_usec = 20000}};
	signal(SIGALRM, SIG_IGN);
	struct sigaction sa;
	sigaction(SIGTERM, NULL, &sa);
	assert_false(sa.sa_flags & SA_RESTART);
	sigaction(SIGALRM, &sa, NULL); /* the guard's handler, on a timer */
	setitimer(ITIMER_REAL, &it, NULL);
	assert_int_equal(vl_nl_recv(sv[0], (char[8]){0}, 8, 60000), -EINTR);
	assert_int_equal(vl_sig_caught(), SIGALRM);
	raise(SIGTERM); /* the first signal wins */
	assert_int_equal(vl_sig_caught(), SIGALRM);
	assert_int_equal(vl_sig_exit(0), 128 + SIGALRM);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nft_acks),
		cmocka_unit_test(test_recv_timeout),
		cmocka_unit_test(test_guard_interrupts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
