// SPDX-License-Identifier: GPL-2.0
/*
 * kdbus-bench - ping-pong over kdbusfs against an AF_UNIX SEQPACKET
 * socketpair, in the same run, and a bulk transfer by sealed memfd against
 * the same bytes through the socket.
 *
 *   kdbus-bench ENDPOINT [SECONDS_PER_CASE [icount|wall]]
 *
 * The third argument only names the unit the run's clock has, for the
 * output: "icount" (scripts/vm-run --icount, the default of make bench)
 * counts guest instructions, one per nanosecond, so every "us" below is
 * a thousand guest instructions, not a microsecond; "wall" (the default
 * here) is the guest's wall clock, itself running under emulation.
 *
 * Prints a table and, per case, one line
 *   bench: <case> kdbusfs_us=<us per round trip> af_unix_us=<us> ratio=<k/u>
 * (before the table, the memfd receiver's "# " line: how much of its
 * mapping of the 64 MiB is PMD-mapped, ShmemPmdMapped in smaps)
 * then the 8-byte kdbusfs round trip with every metadata item requested
 * and allowed both ways, against the plain one:
 *   bench: meta-rt-8 meta_us=<us> plain_us=<us> ratio=<meta/plain>
 * and last a broadcast to N receivers (1, 100, 1000), half of them with a
 * matching bloom rule, the other half with a rule it does not match:
 *   bench: bcast-<N> total_us=<us per SEND> per_receiver_us=<us/N>
 *          matching=<receivers that got it>
 *   bench: bcast-ratio per_receiver_1000_vs_100=<ratio>
 * The broadcast must cost the same per receiver however many there are.
 * Then the scale cases, the cost of one operation at each size of the bus
 * (a "# " line per size) and the largest size's cost over the smallest's:
 *   bench: scale-hello conns=500..16000 ratio=<ratio>
 *   bench: scale-close conns=500..16000 ratio=<ratio>
 *   bench: scale-name-send names=5000..100000 ratio=<ratio>
 *   bench: scale-name-acquire names=5000..100000 ratio=<ratio>
 * HELLO and close() with up to 16000 connections on the bus (pool 64 KiB),
 * a unicast SEND by well-known name and a NAME_ACQUIRE + NAME_RELEASE
 * with up to 100000 names on it, 250 to a connection (so 20 to 400
 * connections hold them, on the "# " lines as holders=); each figure is
 * the median of five windows of 100 operations (see "Scale cases" below).
 * The bus needs room for the connections (mount option
 * max_connections=16384) and the process a raised RLIMIT_NOFILE (it raises
 * it: run it as root).
 * Absolute numbers mean little under emulation; the ratio is the result.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/kdbus.h>

#include "kdbus_util.h"
#include "libkdbus.h"

#define POOL_SIZE	(32UL << 20)
#define BULK_SIZE	(64UL << 20)
#define CHUNK		(64UL << 10)

/* broadcast receivers: few, small messages at a time, so a small pool */
#define BCAST_MAX	1000
#define BCAST_POOL	(16UL << 10)
#define BCAST_BATCH	16
/* the bus's bloom size, as tools/kdbusfs/kdbusfs bus-make sets it */
#define BLOOM_SIZE	64

static double budget = 1.0;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* dies of a -errno from kdbus_util */
static void check(int ret, const char *what)
{
	if (ret < 0) {
		errno = -ret;
		die(what);
	}
}

static void hello(const char *ep, struct kdbus_conn *c, uint64_t attach)
{
	struct kdbus_cmd_hello *h;
	struct kdbus_cmd_buf b;
	int fd;

	fd = open(ep, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die(ep);
	h = kdbus_hello_init(&b, KDBUS_HELLO_ACCEPT_FD, POOL_SIZE);
	h->attach_flags_send = attach;
	h->attach_flags_recv = attach;
	check(kdbus_hello_cmd(fd, &b, c), "HELLO");
}

static void kfree_off(struct kdbus_conn *c, uint64_t off)
{
	check(kdbus_free(c, off), "FREE");
}

/* send one message; with @sync wait for and return the reply's offset */
static int ksend(struct kdbus_conn *c, uint64_t dst, uint64_t cookie,
		 uint64_t reply_to, const void *data, size_t size, int memfd,
		 size_t memfd_size, int sync, uint64_t *reply_off)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	int ret;

	a.cookie = cookie;
	if (sync) {
		a.flags = KDBUS_MSG_EXPECT_REPLY;
		a.send_flags = KDBUS_SEND_SYNC_REPLY;
		a.timeout_ns = kdbus_now_ns() + 60ULL * 1000000000ULL;
	} else {
		a.cookie_reply = reply_to;
	}
	if (size) {
		a.data = data;
		a.size = size;
	}
	a.memfd = memfd;
	a.memfd_size = memfd_size;
	ret = kdbus_send(c, dst, &a);
	if (ret == 0 && reply_off)
		*reply_off = a.reply.offset;
	return ret;
}

static struct kdbus_msg *krecv(struct kdbus_conn *c)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	struct kdbus_msg *m;
	int ret;

	for (;;) {
		ret = kdbus_recv(c, 0, 0, &m, NULL);
		if (ret == 0)
			return m;
		if (ret != -EAGAIN)
			check(ret, "RECV");
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			die("poll");
	}
}

/* touch a payload the way a consumer would: first and last byte */
static unsigned int touch(const uint8_t *p, size_t size)
{
	return size ? p[0] + p[size - 1] : 0;
}

/* printed at the end, so the compiler keeps every touch */
static unsigned int sink;

/*
 * Once, in the receiver of the bulk memfd: how much of its mapping is
 * mapped by PMD (ShmemPmdMapped in /proc/self/smaps), and the system's
 * shmem THP mode, on a "# " line.
 */
static void show_pmd_mapped(const void *p, size_t size)
{
	char line[256], mode[128] = "?";
	unsigned long lo, hi, kb = 0;
	FILE *f = fopen("/proc/self/smaps", "re");
	int in = 0;

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
			in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
		else if (in)
			sscanf(line, "ShmemPmdMapped: %lu kB", &kb);
	}
	if (f)
		fclose(f);
	f = fopen("/sys/kernel/mm/transparent_hugepage/shmem_enabled", "re");
	if (f) {
		if (!fgets(mode, sizeof(mode), f))
			snprintf(mode, sizeof(mode), "?");
		mode[strcspn(mode, "\n")] = '\0';
		fclose(f);
	}
	printf("# memfd-64m receiver: ShmemPmdMapped %lu of %zu kB (shmem_enabled: %s)\n",
	       kb, size >> 10, mode);
	fflush(stdout);
}

/* the first bulk memfd received shows its mapping */
static int memfd_shown;

/* kdbusfs server: answer every call with a payload of the same size */
static void kserver(struct kdbus_conn *c, const uint8_t *buf)
{
	for (;;) {
		struct kdbus_msg *m = krecv(c);
		struct kdbus_item *it = kdbus_msg_item(m, KDBUS_ITEM_PAYLOAD_OFF);
		struct kdbus_item *mf = kdbus_msg_item(m, KDBUS_ITEM_PAYLOAD_MEMFD);
		uint64_t size = it ? it->vec.size : 0;
		uint64_t cookie = m->cookie, src = m->src_id;

		if (it)
			sink += touch((uint8_t *)m + it->vec.offset, size);
		if (mf) {
			/* consume a bulk memfd: map it and read every page */
			struct kdb_memfd km = {
				.fd = mf->memfd.fd,
				.start = mf->memfd.start,
				.size = mf->memfd.size,
			};
			const uint8_t *p;
			size_t off;

			check(kdb_memfd_map(&km, (const void **)&p),
			      "map memfd");
			for (off = 0; off < km.size; off += 4096)
				sink += p[off];
			if (!memfd_shown++)
				show_pmd_mapped(p, km.size);
			check(kdb_memfd_unmap(&km, p), "unmap memfd");
			close(mf->memfd.fd);
			size = 8;
		}
		kfree_off(c, (uint8_t *)m - c->pool);
		if (!cookie)
			return;
		if (ksend(c, src, cookie + 1, cookie, buf, size, -1, 0, 0,
			  NULL) < 0)
			die("reply");
	}
}

static void userver(int sock, uint8_t *buf, size_t max)
{
	for (;;) {
		ssize_t n = recv(sock, buf, max, 0);

		if (n <= 0)
			return;
		sink += touch(buf, n);
		if (n == 1 && buf[0] == 'q')
			return;
		if (send(sock, buf, n, 0) != n)
			die("send");
	}
}

static double kdbus_rt(struct kdbus_conn *cli, uint64_t dst, const uint8_t *buf,
		       size_t size, long *iters)
{
	double t0, t;
	long n = 0;
	uint64_t off;

	t0 = now();
	do {
		struct kdbus_msg *m;
		struct kdbus_item *it;

		if (ksend(cli, dst, 2 * n + 2, 0, buf, size, -1, 0, 1, &off))
			die("call");
		m = (struct kdbus_msg *)(cli->pool + off);
		it = kdbus_msg_item(m, KDBUS_ITEM_PAYLOAD_OFF);
		if (it)
			sink += touch((uint8_t *)m + it->vec.offset,
				      it->vec.size);
		kfree_off(cli, off);
		n++;
		t = now();
	} while (t - t0 < budget);
	*iters = n;
	return (t - t0) * 1e6 / n;
}

static double unix_rt(int sock, uint8_t *buf, uint8_t *rbuf, size_t size,
		      long *iters)
{
	double t0, t;
	long n = 0;

	t0 = now();
	do {
		if (send(sock, buf, size, 0) != (ssize_t)size)
			die("send");
		if (recv(sock, rbuf, size, 0) != (ssize_t)size)
			die("recv");
		sink += touch(rbuf, size);
		n++;
		t = now();
	} while (t - t0 < budget);
	*iters = n;
	return (t - t0) * 1e6 / n;
}

/*
 * Bulk transfer of data the producer already holds: by memfd, the sealed
 * file itself is sent (made once, outside the timing, by libkdbus: on
 * shmem huge pages where shmem_enabled allows, as scripts/bench sets it)
 * and the consumer maps it with kdb_memfd_map() (2 MiB-aligned, so by
 * PMD) and reads a byte of every 4 KiB page; through the socket, the same
 * 64 MiB are copied in and out of the kernel in CHUNK messages and the
 * consumer reads every page of what it received.
 */
static int bulk_memfd(void)
{
	void *map;
	int fd = kdb_memfd_alloc("kdbus-bench", BULK_SIZE, &map);

	check(fd, "memfd");
	memset(map, 0x5a, BULK_SIZE);
	check(kdb_memfd_seal(fd, map), "memfd seal");
	return fd;
}

static double kdbus_bulk(struct kdbus_conn *cli, uint64_t dst, int fd, long *iters)
{
	double t0, t;
	long n = 0;
	uint64_t off;

	/* one untimed: the receiver shows its mapping of the first */
	if (ksend(cli, dst, 1, 0, NULL, 0, fd, BULK_SIZE, 1, &off))
		die("bulk call");
	kfree_off(cli, off);
	t0 = now();
	do {
		if (ksend(cli, dst, 2 * n + 2, 0, NULL, 0, fd, BULK_SIZE, 1,
			  &off))
			die("bulk call");
		kfree_off(cli, off);
		n++;
		t = now();
	} while (t - t0 < budget);
	*iters = n;
	return (t - t0) * 1e6 / n;
}

/* the same bytes through the socket, in CHUNK messages, then an ack */
static double unix_bulk(int sock, const uint8_t *bulk, long *iters)
{
	uint8_t ack[8];
	double t0, t;
	long n = 0;

	t0 = now();
	do {
		size_t off;

		for (off = 0; off < BULK_SIZE; off += CHUNK)
			if (send(sock, bulk + off, CHUNK, 0) != CHUNK)
				die("bulk send");
		if (send(sock, "E", 1, 0) != 1 || recv(sock, ack, 8, 0) != 8)
			die("bulk ack");
		n++;
		t = now();
	} while (t - t0 < budget);
	*iters = n;
	return (t - t0) * 1e6 / n;
}

static void unix_bulk_server(int sock)
{
	uint8_t *buf = malloc(CHUNK);
	size_t off;

	for (;;) {
		ssize_t n = recv(sock, buf, CHUNK, 0);

		if (n <= 0)
			return;
		if (n == 1 && buf[0] == 'q')
			return;
		if (n == 1 && buf[0] == 'E') {
			if (send(sock, "ackackac", 8, 0) != 8)
				die("ack");
			continue;
		}
		for (off = 0; off < (size_t)n; off += 4096)
			sink += buf[off];
	}
}

static void report(const char *name, double k, long kn, double u, long un)
{
	printf("%-10s %12.1f %8ld %12.1f %8ld %8.2f\n", name, k, kn, u, un,
	       k / u);
	printf("bench: %s kdbusfs_us=%.1f af_unix_us=%.1f ratio=%.2f\n", name,
	       k, u, k / u);
	fflush(stdout);
}

/*
 * A broadcast receiver: a connection with a small pool, never mapped (it
 * drops what it gets), and one bloom rule that wants bit 1 if @matching,
 * bit 2 otherwise.
 */
static int bcast_receiver(const char *ep, int matching)
{
	uint64_t mask[BLOOM_SIZE / 8] = { 0 };
	struct kdbus_cmd_buf b;
	struct kdbus_conn c;
	uint64_t off;
	int fd;

	fd = open(ep, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die(ep);
	check(kdbus_hello_raw(fd, 0, BCAST_POOL, &c, &off), "HELLO (receiver)");
	check(kdbus_free(&c, off), "FREE");

	mask[0] = matching ? 1ULL << 1 : 1ULL << 2;
	kdbus_match_init(&b, 0, 1);
	kdbus_cmd_add(&b, KDBUS_ITEM_BLOOM_MASK, mask, BLOOM_SIZE);
	kdbus_cmd_finish(&b);
	check(kdbus_ioctl(fd, KDBUS_CMD_MATCH_ADD, b.data), "MATCH_ADD");
	return fd;
}

/* a signal to everybody, bit 1 in its filter, 8 bytes of payload */
static void bcast_send(struct kdbus_conn *c, uint64_t cookie, const void *data)
{
	static const uint64_t filter[BLOOM_SIZE / 8] = { 1ULL << 1 };
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;

	a.flags = KDBUS_MSG_SIGNAL;
	a.cookie = cookie;
	a.data = data;
	a.size = 8;
	a.bloom = filter;
	a.bloom_size = BLOOM_SIZE;
	check(kdbus_send(c, KDBUS_DST_ID_BROADCAST, &a), "SEND (broadcast)");
}

/* drop what a receiver got; returns how many messages and lost ones */
static long bcast_drain(int fd)
{
	struct kdbus_conn c = { .fd = fd };
	struct kdbus_cmd_recv r;
	long n = 0;
	int ret;

	for (;;) {
		ret = kdbus_recv(&c, KDBUS_RECV_DROP, 0, NULL, &r);
		if (ret) {
			if (ret != -EAGAIN)
				check(ret, "RECV (receiver)");
			return n + r.dropped_msgs;
		}
		n += 1 + r.dropped_msgs;
	}
}

/*
 * Broadcast to the first @n receivers of @fds (receiver i matches if i is
 * even) in batches, timing only the SENDs; between batches every receiver
 * is emptied and checked. Returns microseconds per SEND.
 */
static double bcast_case(struct kdbus_conn *src, const int *fds, int n,
			 const uint8_t *data, long *iters, int *matching)
{
	double t0, spent = 0;
	long sent = 0, got;
	int i, j;

	*matching = (n + 1) / 2;
	do {
		t0 = now();
		for (j = 0; j < BCAST_BATCH; j++)
			bcast_send(src, sent + j + 1, data);
		spent += now() - t0;
		sent += BCAST_BATCH;
		for (i = 0; i < n; i++) {
			got = bcast_drain(fds[i]);
			if (got != (i % 2 ? 0 : BCAST_BATCH)) {
				fprintf(stderr, "bcast-%d: receiver %d got %ld\n",
					n, i, got);
				exit(1);
			}
		}
	} while (spent < budget);
	*iters = sent;
	return spent * 1e6 / sent;
}

static void bcast_bench(const char *ep, struct kdbus_conn *src, const uint8_t *data)
{
	static const int sizes[] = { 1, 100, BCAST_MAX };
	struct rlimit rl = { BCAST_MAX + 256, BCAST_MAX + 256 };
	double per[3];
	int *fds, n = 0, i, matching;
	long iters;

	/* a descriptor per receiver */
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("setrlimit");
	fds = calloc(BCAST_MAX, sizeof(*fds));
	if (!fds)
		die("calloc");
	for (i = 0; i < 3; i++) {
		double us;

		for (; n < sizes[i]; n++)
			fds[n] = bcast_receiver(ep, n % 2 == 0);
		us = bcast_case(src, fds, n, data, &iters, &matching);
		per[i] = us / n;
		printf("bench: bcast-%d total_us=%.1f per_receiver_us=%.3f matching=%d n=%ld\n",
		       n, us, per[i], matching, iters);
		fflush(stdout);
	}
	printf("bench: bcast-ratio per_receiver_1000_vs_100=%.2f\n",
	       per[2] / per[1]);
	for (i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
}

/*
 * Scale cases: the cost of one operation as the bus grows, all in this
 * process. At each size, SCALE_ROUNDS windows of SCALE_WINDOW operations
 * (their commands built beforehand) are timed, each window as a whole: the
 * HELLOs that bring the bus to that size (the connections are closed again,
 * untimed, between two windows), the close()s that take it down from it
 * (HELLO again between two windows), and the name operations while it
 * holds that many names. The figure of a size is the median of its
 * windows: the guest's background work (a kworker, a batch of RCU
 * callbacks) lands in one window or another from run to run and makes it
 * up to 40% dearer; the mean and the dearest window are printed too.
 * What brings the bus from one size to the next is not timed.
 */
#define SCALE_POOL	(64UL << 10)
#define SCALE_WINDOW	100
#define SCALE_ROUNDS	5
#define SCALE_CONNS	16000
#define SCALE_NAMES	100000
/* names one holder owns, below KDBUS_CONN_MAX_NAMES */
#define NAMES_PER_CONN	250
/* SENDs by name between two drains of their receivers */
#define SEND_BATCH	25

static const int conn_sizes[] = { 500, 1000, 2000, 4000, 8000, SCALE_CONNS };
static const int name_sizes[] = { 5000, 10000, 20000, 40000, 80000,
				  SCALE_NAMES };

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif
#define N_CONN_SIZES	((int)ARRAY_SIZE(conn_sizes))
#define N_NAME_SIZES	((int)ARRAY_SIZE(name_sizes))

/* the cost of one operation at one size, in us, window by window */
struct scale_point {
	double win[SCALE_ROUNDS];
};

static double scale_median(const struct scale_point *p)
{
	double v[SCALE_ROUNDS], t;
	int i, j;

	for (i = 0; i < SCALE_ROUNDS; i++) {
		t = p->win[i];
		for (j = i; j > 0 && v[j - 1] > t; j--)
			v[j] = v[j - 1];
		v[j] = t;
	}
	return v[SCALE_ROUNDS / 2];
}

/* @holders: how many connections hold the names at each size, or NULL */
static void scale_report(const char *name, const char *what, const int *sizes,
			 const int *holders, const struct scale_point *p,
			 int n)
{
	double sum, max;
	int i, r;

	for (i = 0; i < n; i++) {
		for (r = 0, sum = 0, max = 0; r < SCALE_ROUNDS; r++) {
			sum += p[i].win[r];
			if (p[i].win[r] > max)
				max = p[i].win[r];
		}
		printf("# %s %s=%d", name, what, sizes[i]);
		if (holders)
			printf(" holders=%d", holders[i]);
		printf(" us_per_op=%.2f mean=%.2f max=%.2f\n",
		       scale_median(&p[i]), sum / SCALE_ROUNDS, max);
	}
	printf("bench: %s %s=%d..%d ratio=%.2f\n", name, what, sizes[0],
	       sizes[n - 1], scale_median(&p[n - 1]) / scale_median(&p[0]));
	fflush(stdout);
}

static void raise_nofile(rlim_t n)
{
	struct rlimit rl = { n, n };

	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("setrlimit");
}

static int open_ep(const char *ep)
{
	int fd = open(ep, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die(ep);
	return fd;
}

/* a connection with a SCALE_POOL pool, never mapped */
static int scale_conn(const char *ep)
{
	struct kdbus_conn c;
	uint64_t off;
	int fd = open_ep(ep);

	check(kdbus_hello_raw(fd, 0, SCALE_POOL, &c, &off), "HELLO (scale)");
	check(kdbus_free(&c, off), "FREE");
	return fd;
}

/* HELLO on SCALE_WINDOW new fds[n...], opened first; us per HELLO */
static double hello_window(const char *ep, int *fds, int n)
{
	struct kdbus_cmd_hello h[SCALE_WINDOW];
	double t0, us;
	int j;

	for (j = 0; j < SCALE_WINDOW; j++) {
		fds[n + j] = open_ep(ep);
		memset(&h[j], 0, sizeof(h[j]));
		h[j].size = sizeof(h[j]);
		h[j].pool_size = SCALE_POOL;
	}
	t0 = now();
	for (j = 0; j < SCALE_WINDOW; j++)
		if (ioctl(fds[n + j], KDBUS_CMD_HELLO, &h[j]) < 0)
			die("HELLO (scale)");
	us = (now() - t0) * 1e6 / SCALE_WINDOW;
	for (j = 0; j < SCALE_WINDOW; j++) {
		struct kdbus_conn c = { .fd = fds[n + j] };

		check(kdbus_free(&c, h[j].offset), "FREE");
	}
	return us;
}

/* close() the SCALE_WINDOW newest of fds[0..n-1]; us per close() */
static double close_window(const int *fds, int n)
{
	double t0 = now();
	int j;

	for (j = 1; j <= SCALE_WINDOW; j++)
		if (close(fds[n - j]) < 0)
			die("close");
	return (now() - t0) * 1e6 / SCALE_WINDOW;
}

/*
 * HELLO as the bus fills to each of conn_sizes, then close(), newest
 * first, as it empties from each size.
 */
static void scale_conns(const char *ep)
{
	struct scale_point hello[N_CONN_SIZES], bye[N_CONN_SIZES];
	int *fds, n = 0, i, j, r;

	raise_nofile(SCALE_CONNS + 256);
	fds = calloc(SCALE_CONNS, sizeof(*fds));
	if (!fds)
		die("calloc");

	for (i = 0; i < N_CONN_SIZES; i++) {
		for (; n < conn_sizes[i] - SCALE_WINDOW; n++)
			fds[n] = scale_conn(ep);
		for (r = 0; r < SCALE_ROUNDS; r++) {
			hello[i].win[r] = hello_window(ep, fds, n);
			if (r == SCALE_ROUNDS - 1)
				n += SCALE_WINDOW;
			else
				for (j = 0; j < SCALE_WINDOW; j++)
					close(fds[n + j]);
		}
	}

	for (i = N_CONN_SIZES - 1; i >= 0; i--) {
		for (; n > conn_sizes[i]; n--)
			close(fds[n - 1]);
		for (r = 0; r < SCALE_ROUNDS; r++) {
			bye[i].win[r] = close_window(fds, n);
			if (r == SCALE_ROUNDS - 1)
				n -= SCALE_WINDOW;
			else
				for (j = 1; j <= SCALE_WINDOW; j++)
					fds[n - j] = scale_conn(ep);
		}
	}
	while (n > 0)
		close(fds[--n]);
	free(fds);

	scale_report("scale-hello", "conns", conn_sizes, NULL, hello,
		     N_CONN_SIZES);
	scale_report("scale-close", "conns", conn_sizes, NULL, bye,
		     N_CONN_SIZES);
}

static void name_of(char *buf, size_t size, const char *kind, unsigned int i)
{
	snprintf(buf, size, "org.kdbusfs.bench.%s%u", kind, i);
}

/* a NAME_ACQUIRE or NAME_RELEASE of one name, built ahead of its timing */
struct name_cmd {
	uint64_t data[16];
};

static struct kdbus_cmd *name_cmd(struct name_cmd *b, const char *kind,
				  unsigned int i)
{
	struct kdbus_cmd *cmd = (void *)b->data;
	struct kdbus_item *it = cmd->items;

	memset(b, 0, sizeof(*b));
	name_of(it->str, sizeof(*b) - sizeof(*cmd) - KDBUS_ITEM_HEADER_SIZE,
		kind, i);
	it->type = KDBUS_ITEM_NAME;
	it->size = KDBUS_ITEM_HEADER_SIZE + strlen(it->str) + 1;
	cmd->size = sizeof(*cmd) + KDBUS_ALIGN8(it->size);
	return cmd;
}

/* an 8-byte message to the name "n<i>", built ahead of its timing */
struct name_msg {
	uint64_t data[32];
	struct kdbus_cmd_send cmd;
};

static void name_msg(struct name_msg *b, const uint8_t *data, unsigned int i,
		     uint64_t cookie)
{
	struct kdbus_msg *msg = (void *)b->data;
	struct kdbus_item *it = msg->items;

	memset(b, 0, sizeof(*b));
	msg->dst_id = KDBUS_DST_ID_NAME;
	msg->payload_type = KDBUS_PAYLOAD_DBUS;
	msg->cookie = cookie;
	it->type = KDBUS_ITEM_PAYLOAD_VEC;
	it->size = KDBUS_ITEM_HEADER_SIZE + sizeof(struct kdbus_vec);
	it->vec.address = (uintptr_t)data;
	it->vec.size = 8;
	it = kdbus_item_next(it);
	name_of(it->str, 64, "n", i);
	it->type = KDBUS_ITEM_DST_NAME;
	it->size = KDBUS_ITEM_HEADER_SIZE + strlen(it->str) + 1;
	it = kdbus_item_next(it);
	msg->size = (uint8_t *)it - (uint8_t *)msg;
	b->cmd.size = sizeof(b->cmd);
	b->cmd.msg_address = (uintptr_t)msg;
}

/* a fixed pseudo-random sequence, the same in every run */
static unsigned int lcg(unsigned int *state)
{
	*state = *state * 1103515245u + 12345u;
	return *state >> 8;
}

/*
 * SCALE_WINDOW unicast SENDs from @src to names drawn at random among the
 * @n on the bus, in batches; their owners are emptied between batches,
 * untimed. Returns us per SEND.
 */
static double send_window(struct kdbus_conn *src, const int *holders, int n,
			  const uint8_t *data, unsigned int *seed,
			  uint64_t *cookie)
{
	static struct name_msg msgs[SEND_BATCH];
	unsigned int pick[SEND_BATCH];
	double t0, spent = 0;
	int j, sent;
	long got;

	for (sent = 0; sent < SCALE_WINDOW; sent += SEND_BATCH) {
		for (j = 0; j < SEND_BATCH; j++) {
			pick[j] = lcg(seed) % n;
			name_msg(&msgs[j], data, pick[j], (*cookie)++);
		}
		t0 = now();
		for (j = 0; j < SEND_BATCH; j++)
			if (ioctl(src->fd, KDBUS_CMD_SEND, &msgs[j].cmd) < 0)
				die("SEND (by name)");
		spent += now() - t0;
		for (j = 0, got = 0; j < SEND_BATCH; j++)
			got += bcast_drain(holders[pick[j] / NAMES_PER_CONN]);
		if (got != SEND_BATCH) {
			fprintf(stderr, "scale-name-send: %ld of %d delivered\n",
				got, SEND_BATCH);
			exit(1);
		}
	}
	return spent * 1e6 / sent;
}

/*
 * SCALE_WINDOW NAME_ACQUIRE + NAME_RELEASE by @src of names nobody holds,
 * "probe<*probe>" on; us per pair.
 */
static double acquire_window(struct kdbus_conn *src, unsigned int *probe)
{
	static struct name_cmd probes[SCALE_WINDOW];
	double t0;
	int j;

	for (j = 0; j < SCALE_WINDOW; j++)
		name_cmd(&probes[j], "probe", (*probe)++);
	t0 = now();
	for (j = 0; j < SCALE_WINDOW; j++)
		if (ioctl(src->fd, KDBUS_CMD_NAME_ACQUIRE, probes[j].data) < 0 ||
		    ioctl(src->fd, KDBUS_CMD_NAME_RELEASE, probes[j].data) < 0)
			die("NAME_ACQUIRE/RELEASE (probe)");
	return (now() - t0) * 1e6 / SCALE_WINDOW;
}

/*
 * With each of name_sizes well-known names on the bus, NAMES_PER_CONN to
 * a connection: SENDs by name, then NAME_ACQUIRE + NAME_RELEASE.
 */
static void scale_names(const char *ep, struct kdbus_conn *src,
			const uint8_t *data)
{
	int n_holders = (SCALE_NAMES + NAMES_PER_CONN - 1) / NAMES_PER_CONN;
	struct scale_point send[N_NAME_SIZES], acq[N_NAME_SIZES];
	unsigned int seed = 1, probe = 0;
	int held[N_NAME_SIZES], *holders, n = 0, i, r;
	uint64_t cookie = 1;
	struct name_cmd b;

	raise_nofile(n_holders + 256);
	holders = calloc(n_holders, sizeof(*holders));
	if (!holders)
		die("calloc");

	for (i = 0; i < N_NAME_SIZES; i++) {
		for (; n < name_sizes[i]; n++) {
			int h = n / NAMES_PER_CONN;

			if (n % NAMES_PER_CONN == 0)
				holders[h] = scale_conn(ep);
			if (ioctl(holders[h], KDBUS_CMD_NAME_ACQUIRE,
				  name_cmd(&b, "n", n)) < 0)
				die("NAME_ACQUIRE (scale)");
		}
		held[i] = (n + NAMES_PER_CONN - 1) / NAMES_PER_CONN;
		for (r = 0; r < SCALE_ROUNDS; r++)
			send[i].win[r] = send_window(src, holders, n, data,
						     &seed, &cookie);
		for (r = 0; r < SCALE_ROUNDS; r++)
			acq[i].win[r] = acquire_window(src, &probe);
	}
	for (i = 0; i < n_holders; i++)
		close(holders[i]);
	free(holders);

	scale_report("scale-name-send", "names", name_sizes, held, send,
		     N_NAME_SIZES);
	scale_report("scale-name-acquire", "names", name_sizes, held, acq,
		     N_NAME_SIZES);
}

int main(int argc, char **argv)
{
	static const struct { const char *name; size_t size; } cases[] = {
		{ "rt-8", 8 }, { "rt-1k", 1024 }, { "rt-8k", 8192 },
		{ "rt-64k", 65536 }, { "rt-1m", 1 << 20 },
	};
	double kres[5], ures[5];
	long kns[5], uns[5];
	struct kdbus_conn cli, srv, mcli, msrv;
	int sv[2], bufsz = 8 << 20, i, status, bulk_fd;
	uint8_t *buf, *rbuf, *bulk;
	long kn, un, mkn;
	double k, u, mk;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: %s ENDPOINT [SECONDS [icount|wall]]\n",
			argv[0]);
		return 2;
	}
	if (argc > 2)
		budget = atof(argv[2]);
	if (argc > 3 && !strcmp(argv[3], "icount"))
		printf("# mode icount: guest time, 1 ns = 1 guest instruction:\n"
		       "# every _us figure is thousands of guest instructions, not microseconds\n");
	else
		printf("# mode wall: the guest's wall clock, under emulation\n");

	buf = malloc(1 << 20);
	rbuf = malloc(1 << 20);
	memset(buf, 0xab, 1 << 20);

	hello(argv[1], &cli, 0);
	hello(argv[1], &srv, 0);
	/* every metadata item, both ways */
	hello(argv[1], &mcli, _KDBUS_ATTACH_ALL);
	hello(argv[1], &msrv, _KDBUS_ATTACH_ALL);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		die("socketpair");
	/* 1 MiB datagrams need room; FORCE needs CAP_NET_ADMIN */
	for (i = 0; i < 2; i++) {
		if (setsockopt(sv[i], SOL_SOCKET, SO_SNDBUFFORCE, &bufsz,
			       sizeof(bufsz)) < 0 ||
		    setsockopt(sv[i], SOL_SOCKET, SO_RCVBUFFORCE, &bufsz,
			       sizeof(bufsz)) < 0)
			die("SO_SNDBUFFORCE");
	}

	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		uint8_t *sbuf = malloc(1 << 20);

		close(cli.fd);
		close(mcli.fd);
		close(sv[0]);
		memset(sbuf, 0xcd, 1 << 20);
		kserver(&srv, sbuf);	/* rt cases, then the bulk case */
		kserver(&srv, sbuf);
		kserver(&msrv, sbuf);	/* with metadata */
		userver(sv[1], sbuf, 1 << 20);
		unix_bulk_server(sv[1]);
		_exit(0);
	}
	close(srv.fd);
	close(msrv.fd);
	close(sv[1]);

	printf("%-10s %12s %8s %12s %8s %8s\n", "case", "kdbusfs_us", "n",
	       "af_unix_us", "n", "ratio");

	/* warm-up */
	budget /= 4;
	kdbus_rt(&cli, srv.id, buf, 8, &kn);
	budget *= 4;

	for (i = 0; i < 5; i++)
		kres[i] = kdbus_rt(&cli, srv.id, buf, cases[i].size, &kns[i]);
	if (ksend(&cli, srv.id, 0, 0, buf, 1, -1, 0, 0, NULL))
		die("stop");
	bulk_fd = bulk_memfd();
	k = kdbus_bulk(&cli, srv.id, bulk_fd, &kn);
	close(bulk_fd);
	if (ksend(&cli, srv.id, 0, 0, buf, 1, -1, 0, 0, NULL))
		die("stop");

	/* the same small round trip with everything attached, both ways */
	mk = kdbus_rt(&mcli, msrv.id, buf, 8, &mkn);
	if (ksend(&mcli, msrv.id, 0, 0, buf, 1, -1, 0, 0, NULL))
		die("stop");

	for (i = 0; i < 5; i++)
		ures[i] = unix_rt(sv[0], buf, rbuf, cases[i].size, &uns[i]);
	if (send(sv[0], "q", 1, 0) != 1)
		die("stop");
	bulk = malloc(BULK_SIZE);
	memset(bulk, 0x5a, BULK_SIZE);
	u = unix_bulk(sv[0], bulk, &un);
	free(bulk);
	if (send(sv[0], "q", 1, 0) != 1)
		die("stop");

	for (i = 0; i < 5; i++)
		report(cases[i].name, kres[i], kns[i], ures[i], uns[i]);
	report("memfd-64m", k, kn, u, un);
	printf("bench: meta-rt-8 meta_us=%.1f plain_us=%.1f ratio=%.2f\n",
	       mk, kres[0], mk / kres[0]);

	/* the senders' peers are done; cli broadcasts, it has no rule */
	bcast_bench(argv[1], &cli, buf);

	waitpid(pid, &status, 0);
	scale_conns(argv[1]);
	scale_names(argv[1], &cli, buf);
	printf("# touched-bytes checksum %u\n", sink);
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : 1;
}
