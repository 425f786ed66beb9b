// SPDX-License-Identifier: GPL-2.0
/*
 * kdbus-bench - ping-pong over kdbusfs against an AF_UNIX SEQPACKET
 * socketpair, in the same run, and a bulk transfer by sealed memfd against
 * the same bytes through the socket.
 *
 *   kdbus-bench ENDPOINT [SECONDS_PER_CASE]
 *
 * Prints a table and, per case, one line
 *   bench: <case> kdbusfs_us=<us per round trip> af_unix_us=<us> ratio=<k/u>
 * then the 8-byte kdbusfs round trip with every metadata item requested
 * and allowed both ways, against the plain one:
 *   bench: meta-rt-8 meta_us=<us> plain_us=<us> ratio=<meta/plain>
 * and last a broadcast to N receivers (1, 100, 1000), half of them with a
 * matching bloom rule, the other half with a rule it does not match:
 *   bench: bcast-<N> total_us=<us per SEND> per_receiver_us=<us/N>
 *          matching=<receivers that got it>
 *   bench: bcast-ratio per_receiver_1000_vs_100=<ratio>
 * The broadcast must cost the same per receiver however many there are;
 * the bus needs room for the receivers (mount option max_connections).
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
#include <linux/memfd.h>

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

struct conn {
	int fd;
	uint64_t id;
	uint8_t *pool;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void hello(const char *ep, struct conn *c, uint64_t attach)
{
	struct kdbus_cmd_hello h = {
		.size = sizeof(h),
		.flags = KDBUS_HELLO_ACCEPT_FD,
		.attach_flags_send = attach,
		.attach_flags_recv = attach,
		.pool_size = POOL_SIZE,
	};
	struct kdbus_cmd_free f = { .size = sizeof(f) };

	c->fd = open(ep, O_RDWR | O_CLOEXEC);
	if (c->fd < 0)
		die(ep);
	if (ioctl(c->fd, KDBUS_CMD_HELLO, &h) < 0)
		die("HELLO");
	c->id = h.id;
	c->pool = mmap(NULL, POOL_SIZE, PROT_READ, MAP_SHARED, c->fd, 0);
	if (c->pool == MAP_FAILED)
		die("mmap");
	f.offset = h.offset;
	ioctl(c->fd, KDBUS_CMD_FREE, &f);
}

static void kfree_off(struct conn *c, uint64_t off)
{
	struct kdbus_cmd_free f = { .size = sizeof(f), .offset = off };

	if (ioctl(c->fd, KDBUS_CMD_FREE, &f) < 0)
		die("FREE");
}

/* send one message; with @sync wait for and return the reply's offset */
static int ksend(struct conn *c, uint64_t dst, uint64_t cookie,
		 uint64_t reply_to, const void *data, size_t size, int memfd,
		 size_t memfd_size, int sync, uint64_t *reply_off)
{
	uint64_t buf[32] = { 0 };
	struct kdbus_msg *m = (void *)buf;
	struct kdbus_item *it = m->items;
	struct kdbus_cmd_send cmd = { .size = sizeof(cmd) };

	m->dst_id = dst;
	m->payload_type = KDBUS_PAYLOAD_DBUS;
	m->cookie = cookie;
	if (sync) {
		m->flags = KDBUS_MSG_EXPECT_REPLY;
		m->timeout_ns = now_ns() + 60ULL * 1000000000ULL;
		cmd.flags = KDBUS_SEND_SYNC_REPLY;
	} else {
		m->cookie_reply = reply_to;
	}
	if (size) {
		it->type = KDBUS_ITEM_PAYLOAD_VEC;
		it->size = KDBUS_ITEM_HEADER_SIZE + sizeof(struct kdbus_vec);
		it->vec.address = (uintptr_t)data;
		it->vec.size = size;
		it = (void *)((char *)it + KDBUS_ALIGN8(it->size));
	}
	if (memfd >= 0) {
		it->type = KDBUS_ITEM_PAYLOAD_MEMFD;
		it->size = KDBUS_ITEM_HEADER_SIZE + sizeof(struct kdbus_memfd);
		it->memfd.fd = memfd;
		it->memfd.size = memfd_size;
		it = (void *)((char *)it + KDBUS_ALIGN8(it->size));
	}
	m->size = (char *)it - (char *)m;
	cmd.msg_address = (uintptr_t)m;
	if (ioctl(c->fd, KDBUS_CMD_SEND, &cmd) < 0)
		return -errno;
	if (reply_off)
		*reply_off = cmd.reply.offset;
	return 0;
}

static struct kdbus_msg *krecv(struct conn *c)
{
	struct kdbus_cmd_recv r = { .size = sizeof(r) };
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };

	for (;;) {
		if (ioctl(c->fd, KDBUS_CMD_RECV, &r) == 0)
			return (struct kdbus_msg *)(c->pool + r.msg.offset);
		if (errno != EAGAIN)
			die("RECV");
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			die("poll");
	}
}

static struct kdbus_item *item_of(struct kdbus_msg *m, uint64_t type)
{
	struct kdbus_item *it = m->items;

	while ((char *)it < (char *)m + m->size) {
		if (it->type == type)
			return it;
		it = (void *)((char *)it + KDBUS_ALIGN8(it->size));
	}
	return NULL;
}

/* touch a payload the way a consumer would: first and last byte */
static unsigned int touch(const uint8_t *p, size_t size)
{
	return size ? p[0] + p[size - 1] : 0;
}

/* printed at the end, so the compiler keeps every touch */
static unsigned int sink;

/* kdbusfs server: answer every call with a payload of the same size */
static void kserver(struct conn *c, const uint8_t *buf)
{
	for (;;) {
		struct kdbus_msg *m = krecv(c);
		struct kdbus_item *it = item_of(m, KDBUS_ITEM_PAYLOAD_OFF);
		struct kdbus_item *mf = item_of(m, KDBUS_ITEM_PAYLOAD_MEMFD);
		uint64_t size = it ? it->vec.size : 0;
		uint64_t cookie = m->cookie, src = m->src_id;

		if (it)
			sink += touch((uint8_t *)m + it->vec.offset, size);
		if (mf) {
			/* consume a bulk memfd: map it and read every page */
			uint8_t *p = mmap(NULL, mf->memfd.size, PROT_READ,
					  MAP_SHARED | MAP_POPULATE,
					  mf->memfd.fd, 0);
			size_t off;

			if (p == MAP_FAILED)
				die("mmap memfd");
			for (off = 0; off < mf->memfd.size; off += 4096)
				sink += p[off];
			munmap(p, mf->memfd.size);
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

static double kdbus_rt(struct conn *cli, uint64_t dst, const uint8_t *buf,
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
		it = item_of(m, KDBUS_ITEM_PAYLOAD_OFF);
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
 * file itself is sent (made once, outside the timing) and the consumer maps
 * it and reads every page; through the socket, the same 64 MiB are copied
 * in and out of the kernel in CHUNK messages and the consumer reads every
 * page of what it received.
 */
static int bulk_memfd(void)
{
	int fd = memfd_create("bench", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	uint8_t *p;

	if (fd < 0 || ftruncate(fd, BULK_SIZE) < 0)
		die("memfd");
	p = mmap(NULL, BULK_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap");
	memset(p, 0x5a, BULK_SIZE);
	munmap(p, BULK_SIZE);
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
		  F_SEAL_WRITE) < 0)
		die("seal");
	return fd;
}

static double kdbus_bulk(struct conn *cli, uint64_t dst, int fd, long *iters)
{
	double t0, t;
	long n = 0;

	t0 = now();
	do {
		uint64_t off;

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
	struct kdbus_cmd_hello h = {
		.size = sizeof(h),
		.pool_size = BCAST_POOL,
	};
	struct kdbus_cmd_free f = { .size = sizeof(f) };
	uint64_t buf[(sizeof(struct kdbus_cmd_match) +
		      KDBUS_ITEM_HEADER_SIZE + BLOOM_SIZE) / 8] = { 0 };
	struct kdbus_cmd_match *m = (void *)buf;
	struct kdbus_item *it = m->items;
	int fd;

	fd = open(ep, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die(ep);
	if (ioctl(fd, KDBUS_CMD_HELLO, &h) < 0)
		die("HELLO (receiver)");
	f.offset = h.offset;
	if (ioctl(fd, KDBUS_CMD_FREE, &f) < 0)
		die("FREE");

	m->size = sizeof(buf);
	m->cookie = 1;
	it->type = KDBUS_ITEM_BLOOM_MASK;
	it->size = KDBUS_ITEM_HEADER_SIZE + BLOOM_SIZE;
	it->data64[0] = matching ? 1ULL << 1 : 1ULL << 2;
	if (ioctl(fd, KDBUS_CMD_MATCH_ADD, m) < 0)
		die("MATCH_ADD");
	return fd;
}

/* a signal to everybody, bit 1 in its filter, 8 bytes of payload */
static void bcast_send(struct conn *c, uint64_t cookie, const void *data)
{
	uint64_t buf[(sizeof(struct kdbus_msg) +
		      KDBUS_ITEM_SIZE(sizeof(struct kdbus_vec)) +
		      KDBUS_ITEM_SIZE(sizeof(struct kdbus_bloom_filter) +
				      BLOOM_SIZE)) / 8] = { 0 };
	struct kdbus_msg *m = (void *)buf;
	struct kdbus_item *it = m->items;
	struct kdbus_cmd_send cmd = { .size = sizeof(cmd) };

	m->size = sizeof(buf);
	m->flags = KDBUS_MSG_SIGNAL;
	m->dst_id = KDBUS_DST_ID_BROADCAST;
	m->payload_type = KDBUS_PAYLOAD_DBUS;
	m->cookie = cookie;
	it->type = KDBUS_ITEM_PAYLOAD_VEC;
	it->size = KDBUS_ITEM_HEADER_SIZE + sizeof(struct kdbus_vec);
	it->vec.address = (uintptr_t)data;
	it->vec.size = 8;
	it = (void *)((char *)it + KDBUS_ALIGN8(it->size));
	it->type = KDBUS_ITEM_BLOOM_FILTER;
	it->size = KDBUS_ITEM_HEADER_SIZE + sizeof(struct kdbus_bloom_filter) +
		   BLOOM_SIZE;
	/* the filter's bits follow its generation */
	it->data64[1] = 1ULL << 1;
	cmd.msg_address = (uintptr_t)m;
	if (ioctl(c->fd, KDBUS_CMD_SEND, &cmd) < 0)
		die("SEND (broadcast)");
}

/* drop what a receiver got; returns how many messages and lost ones */
static long bcast_drain(int fd)
{
	struct kdbus_cmd_recv r = { .size = sizeof(r) };
	long n = 0;

	for (;;) {
		r.flags = KDBUS_RECV_DROP;
		if (ioctl(fd, KDBUS_CMD_RECV, &r) < 0) {
			if (errno != EAGAIN)
				die("RECV (receiver)");
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
static double bcast_case(struct conn *src, const int *fds, int n,
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

static void bcast_bench(const char *ep, struct conn *src, const uint8_t *data)
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

int main(int argc, char **argv)
{
	static const struct { const char *name; size_t size; } cases[] = {
		{ "rt-8", 8 }, { "rt-1k", 1024 }, { "rt-8k", 8192 },
		{ "rt-64k", 65536 }, { "rt-1m", 1 << 20 },
	};
	double kres[5], ures[5];
	long kns[5], uns[5];
	struct conn cli, srv, mcli, msrv;
	int sv[2], bufsz = 8 << 20, i, status, bulk_fd;
	uint8_t *buf, *rbuf, *bulk;
	long kn, un;
	double k, u, mk;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: %s ENDPOINT [SECONDS]\n", argv[0]);
		return 2;
	}
	if (argc > 2)
		budget = atof(argv[2]);

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
	mk = kdbus_rt(&mcli, msrv.id, buf, 8, &kn);
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
	printf("# touched-bytes checksum %u\n", sink);
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : 1;
}
