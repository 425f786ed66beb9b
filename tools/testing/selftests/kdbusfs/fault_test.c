// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection: each kdbusfs operation is run again and again with its
 * 1st, 2nd, 3rd, ... allocation failed (/proc/thread-self/fail-nth with
 * failslab and fail_page_alloc), until it gets through without reaching
 * the failed one. Whatever allocation fails, the operation must succeed or
 * fail with ENOMEM, leave nothing half done behind, and succeed when
 * retried without faults. Kernel reports (KASAN, lockdep, leaks) are the
 * guest runner's to catch.
 *
 * Environment: KDBUSFS_FAULT_POINTS (faults per operation at most, 400),
 * KDBUSFS_FAULT_OP_SECONDS (time per operation at most, 30),
 * KDBUSFS_FAULT_SECONDS (time for all operations, 240; each operation
 * still gets 3 seconds). KDBUSFS_FAULT_VERBOSE=1 makes every injected
 * fault log its stack trace on the console, to find where a finding comes
 * from (the guest runner then reports those traces too).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "kdbus_util.h"

#define MS		1000000ULL
#define SEC		1000000000ULL
#define POOL_SIZE	(256 * 1024)
#define MEMFD_SIZE	(16 * 1024)
#define PAYLOAD_SIZE	200
#define N_ERRNO		256

/* counted across the test processes: a shared mapping made by main() */
struct fault_stats {
	unsigned long long points;
	unsigned int operations;
	unsigned long long errnos[N_ERRNO];
};

static struct fault_stats *stats;
static pid_t main_pid;
static unsigned int max_points = 400;
static unsigned long long op_ns = 30 * SEC;
static unsigned long long end_ns;

static void fault_summary(void)
{
	const char *sep = "";
	int e;

	if (getpid() != main_pid)
		return;
	kdbus_fault_restore();
	printf("# fault-injection: points=%llu operations=%u errnos={",
	       stats->points, stats->operations);
	for (e = 1; e < N_ERRNO; e++) {
		if (!stats->errnos[e])
			continue;
		printf("%s%s:%llu", sep, kdbus_errno_name(e), stats->errnos[e]);
		sep = ",";
	}
	printf("}\n");
	fflush(stdout);
}

/* Output from the test processes, which leave with _exit(). */
static void fault_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("# ");
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

/* The lowest free descriptor number: shows descriptors that leaked. */
static int lowest_free_fd(void)
{
	int fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 0);

	if (fd >= 0)
		close(fd);
	return fd;
}

/* Everything one step of a sweep may set up; torn down after each. */
struct step {
	unsigned int n;			/* fault point, 0 for none */
	char dir[64];
	bool mounted;
	int control;
	char name[64];
	char ep[192];
	struct kdbus_conn a, b;
	int fd;				/* an endpoint file under test */
	struct kdbus_cmd_hello hello;
	void *map;
	int pipe[2];
	int memfd;
	pid_t child;
	int sock;
	uint64_t cookie;
	uint64_t off;
	int low_fd;
	struct kdbus_cmd_recv recv;
	struct kdbus_send_args args;
	char data[PAYLOAD_SIZE];
};

static void step_init(struct step *st, unsigned int n)
{
	memset(st, 0, sizeof(*st));
	st->n = n;
	st->control = -1;
	st->a.fd = -1;
	st->b.fd = -1;
	st->fd = -1;
	st->map = MAP_FAILED;
	st->pipe[0] = -1;
	st->pipe[1] = -1;
	st->memfd = -1;
	st->child = -1;
	st->sock = -1;
	st->cookie = 1000 + n;
	st->args = (struct kdbus_send_args)KDBUS_SEND_ARGS_INIT;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void step_cleanup(struct step *st)
{
	int status;

	close_fd(&st->sock);
	if (st->child > 0) {
		kill(st->child, SIGKILL);
		waitpid(st->child, &status, 0);
	}
	kdbus_conn_close(&st->a);
	kdbus_conn_close(&st->b);
	if (st->map != MAP_FAILED)
		munmap(st->map, POOL_SIZE);
	close_fd(&st->fd);
	close_fd(&st->pipe[0]);
	close_fd(&st->pipe[1]);
	close_fd(&st->memfd);
	close_fd(&st->control);
	if (st->mounted)
		kdbus_umount(st->dir);
	if (st->dir[0])
		rmdir(st->dir);
}

/* A mount with OPTS, its control file, and a world-accessible bus. */
static void step_bus(struct __test_metadata *_metadata, struct step *st,
		     const char *opts)
{
	ASSERT_EQ(0, kdbus_mkdtemp(st->dir, sizeof(st->dir)));
	ASSERT_EQ(0, kdbus_mount(st->dir, opts));
	st->mounted = true;
	st->control = kdbus_open_control(st->dir);
	ASSERT_LE(0, st->control);
	kdbus_bus_name(st->name, sizeof(st->name), "fault");
	ASSERT_EQ(0, kdbus_bus_make(st->control, KDBUS_MAKE_ACCESS_WORLD,
				    st->name));
	snprintf(st->ep, sizeof(st->ep), "%s/%s/bus", st->dir, st->name);
}

/* ... and two connections on it that take files */
static void step_conns(struct __test_metadata *_metadata, struct step *st)
{
	step_bus(_metadata, st, NULL);
	ASSERT_EQ(0, kdbus_hello(st->ep, KDBUS_HELLO_ACCEPT_FD, POOL_SIZE,
				 &st->a));
	ASSERT_EQ(0, kdbus_hello(st->ep, KDBUS_HELLO_ACCEPT_FD, POOL_SIZE,
				 &st->b));
}

/* a payload that tells the steps apart */
static void step_payload(struct step *st)
{
	unsigned int i;

	for (i = 0; i < sizeof(st->data); i++)
		st->data[i] = (char)(i * 7 + st->n);
	st->args.cookie = st->cookie;
	st->args.data = st->data;
	st->args.size = sizeof(st->data);
}

/* No message, and none lost, is waiting on C. */
static void expect_empty(struct __test_metadata *_metadata,
			 struct kdbus_conn *c)
{
	struct kdbus_cmd_recv r;

	EXPECT_EQ(-EAGAIN, kdbus_recv(c, 0, 0, NULL, &r));
	EXPECT_EQ(0, r.return_flags & KDBUS_RECV_RETURN_DROPPED_MSGS);
	EXPECT_EQ(0, r.dropped_msgs);
}

/* The message ST sent arrived at ST->b intact; returns it, not freed. */
static struct kdbus_msg *expect_sent(struct __test_metadata *_metadata,
				     struct step *st,
				     const struct kdbus_cmd_recv *r)
{
	struct kdbus_msg *m = (void *)(st->b.pool + r->msg.offset);
	const char *p;
	uint64_t size;

	EXPECT_EQ(0, r->return_flags);
	EXPECT_EQ(0, r->dropped_msgs);
	EXPECT_EQ(st->a.id, m->src_id);
	EXPECT_EQ(st->b.id, m->dst_id);
	EXPECT_EQ(st->cookie, m->cookie);
	p = kdbus_msg_payload(&st->b, m, &size);
	EXPECT_NE(NULL, p);
	if (p) {
		EXPECT_EQ(sizeof(st->data), size);
		EXPECT_EQ(0, memcmp(p, st->data, sizeof(st->data)));
	}
	return m;
}

/* The descriptor passed in M is the read end of ST's pipe. */
static void expect_pipe_fd(struct __test_metadata *_metadata,
			   struct step *st, struct kdbus_msg *m)
{
	struct kdbus_item *item = kdbus_msg_item(m, KDBUS_ITEM_FDS);
	char c = 0;
	int fd;

	ASSERT_NE(NULL, item);
	ASSERT_EQ(KDBUS_ITEM_HEADER_SIZE + sizeof(int), item->size);
	fd = item->fds[0];
	ASSERT_LE(0, fd);
	EXPECT_EQ(1, write(st->pipe[1], "f", 1));
	EXPECT_EQ(1, read(fd, &c, 1));
	EXPECT_EQ('f', c);
	close(fd);
}

/*
 * C learns that request COOKIE will never be answered: a REPLY_DEAD
 * notification or, if LOST_OK and that could not be allocated, a lost
 * message in its count.
 */
static void expect_reply_dead(struct __test_metadata *_metadata,
			      struct kdbus_conn *c, uint64_t cookie,
			      bool lost_ok, const char *op, unsigned int n)
{
	struct kdbus_cmd_recv r;
	struct kdbus_msg *m;
	int ret;

	ret = kdbus_recv(c, 0, 0, &m, &r);
	if (ret == -EAGAIN && lost_ok &&
	    (r.return_flags & KDBUS_RECV_RETURN_DROPPED_MSGS)) {
		EXPECT_EQ(1, r.dropped_msgs);
		fault_log("%s: n=%u: REPLY_DEAD not allocated, counted lost\n",
			  op, n);
		return;
	}
	ASSERT_EQ(0, ret);
	EXPECT_EQ(0, r.dropped_msgs);
	EXPECT_EQ(KDBUS_SRC_ID_KERNEL, m->src_id);
	EXPECT_EQ(cookie, m->cookie_reply);
	EXPECT_NE(NULL, kdbus_msg_item(m, KDBUS_ITEM_REPLY_DEAD));
	EXPECT_EQ(0, kdbus_msg_free(c, m));
	expect_empty(_metadata, c);
}

/*
 * One operation under test: PREPARE sets up a step without faults, RUN is
 * the operation (it must make no system call but the one under test) and
 * returns 0 or -errno, VERIFY checks the state it left and retries it
 * without faults if it failed.
 */
struct fault_op {
	const char *name;
	bool allocates;		/* at least one fault point is expected */
	void (*prepare)(struct __test_metadata *_metadata, struct step *st);
	int (*run)(struct step *st);
	void (*verify)(struct __test_metadata *_metadata, struct step *st,
		       int ret);
};

/* steps that went wrong before a sweep gives up */
#define MAX_BAD_STEPS	5

static void sweep(struct __test_metadata *_metadata, int nth,
		  const struct fault_op *op)
{
	unsigned long long start = kdbus_now_ns(), deadline;
	unsigned int n, points = 0, failures = 0, bad = 0;
	int ret, injected, exit_code;
	bool complete = false;
	struct step st;

	deadline = start + op_ns;
	if (deadline > end_ns)
		deadline = end_ns;
	if (deadline < start + 3 * SEC)
		deadline = start + 3 * SEC;

	/* n = 0: without faults, which also warms up code and stack */
	for (n = 0; n <= max_points; n++) {
		/* tell this step's failures from those of earlier steps */
		exit_code = _metadata->exit_code;
		_metadata->exit_code = KSFT_PASS;

		step_init(&st, n);
		op->prepare(_metadata, &st);
		if (n)
			ASSERT_EQ(0, kdbus_fault_arm(nth, n));
		ret = op->run(&st);
		injected = n ? kdbus_fault_disarm(nth) : 0;
		ASSERT_LE(0, injected);

		if (injected) {
			points++;
			stats->points++;
			if (ret < 0) {
				failures++;
				if (-ret < N_ERRNO)
					stats->errnos[-ret]++;
			}
			if (ret != 0 && ret != -ENOMEM)
				TH_LOG("%s: n=%u: failed with %s, not ENOMEM",
				       op->name, n, kdbus_errno_name(-ret));
			EXPECT_TRUE(ret == 0 || ret == -ENOMEM);
		} else {
			/* it never reached fault point n: nothing failed */
			if (ret)
				TH_LOG("%s: n=%u: failed with %s without a fault",
				       op->name, n, kdbus_errno_name(-ret));
			EXPECT_EQ(0, ret);
		}
		op->verify(_metadata, &st, ret);
		step_cleanup(&st);

		if (!__test_passed(_metadata)) {
			TH_LOG("%s: wrong at fault point n=%u (returned %d)",
			       op->name, n, ret);
			bad++;
		} else {
			_metadata->exit_code = exit_code;
		}
		if (n && !injected) {
			complete = true;
			break;
		}
		if (bad >= MAX_BAD_STEPS || kdbus_now_ns() > deadline)
			break;
	}

	stats->operations++;
	fault_log("%s: %u faults injected: %u failed, %u succeeded, %u wrong; %s after %llu ms\n",
		  op->name, points, failures, points - failures, bad,
		  complete ? "every fault point reached" :
		  "stopped at the limits", (kdbus_now_ns() - start) / MS);
	if (op->allocates)
		EXPECT_LT(0, points);
}

/* --- mount ------------------------------------------------------------- */

static void mount_prepare(struct __test_metadata *_metadata, struct step *st)
{
	ASSERT_EQ(0, kdbus_mkdtemp(st->dir, sizeof(st->dir)));
}

static int mount_run(struct step *st)
{
	return mount("none", st->dir, "kdbusfs", 0, "max_buses=1") ? -errno : 0;
}

static void mount_verify(struct __test_metadata *_metadata, struct step *st,
			 int ret)
{
	st->mounted = !ret;
	EXPECT_EQ(!ret, kdbus_mountinfo_has(st->dir, " - kdbusfs "));
	if (ret) {
		ASSERT_EQ(0, mount_run(st));
		st->mounted = true;
	}
	EXPECT_TRUE(kdbus_mountinfo_has(st->dir, "max_buses=1"));
	st->control = kdbus_open_control(st->dir);
	ASSERT_LE(0, st->control);
	kdbus_bus_name(st->name, sizeof(st->name), "fault");
	EXPECT_EQ(0, kdbus_bus_make(st->control, 0, st->name));
}

static const struct fault_op op_mount = {
	"mount", true, mount_prepare, mount_run, mount_verify,
};

/* --- BUS_MAKE ---------------------------------------------------------- */

static void bus_make_prepare(struct __test_metadata *_metadata,
			     struct step *st)
{
	/* one bus per user: a charge that leaks fails the retry */
	ASSERT_EQ(0, kdbus_mkdtemp(st->dir, sizeof(st->dir)));
	ASSERT_EQ(0, kdbus_mount(st->dir, "max_buses=1"));
	st->mounted = true;
	st->control = kdbus_open_control(st->dir);
	ASSERT_LE(0, st->control);
	kdbus_bus_name(st->name, sizeof(st->name), "fault");
	snprintf(st->ep, sizeof(st->ep), "%s/%s/bus", st->dir, st->name);
}

static int bus_make_run(struct step *st)
{
	return kdbus_bus_make(st->control, KDBUS_MAKE_ACCESS_WORLD, st->name);
}

static void bus_make_verify(struct __test_metadata *_metadata,
			    struct step *st, int ret)
{
	char path[160];
	struct stat s;

	snprintf(path, sizeof(path), "%s/%s", st->dir, st->name);
	if (ret) {
		EXPECT_EQ(-1, stat(path, &s));
		EXPECT_EQ(ENOENT, errno);
		/* the same control file, the same name */
		ASSERT_EQ(0, bus_make_run(st));
	}
	EXPECT_EQ(0, stat(st->ep, &s));
	EXPECT_EQ(0, kdbus_hello(st->ep, 0, POOL_SIZE, &st->a));
}

static const struct fault_op op_bus_make = {
	"BUS_MAKE", true, bus_make_prepare, bus_make_run, bus_make_verify,
};

/* --- open of the endpoint ---------------------------------------------- */

static void open_prepare(struct __test_metadata *_metadata, struct step *st)
{
	step_bus(_metadata, st, NULL);
}

static int open_run(struct step *st)
{
	st->fd = open(st->ep, O_RDWR | O_CLOEXEC);
	return st->fd < 0 ? -errno : 0;
}

static void open_verify(struct __test_metadata *_metadata, struct step *st,
			int ret)
{
	if (ret)
		ASSERT_EQ(0, open_run(st));
	ASSERT_EQ(0, kdbus_hello_fd(st->fd, 0, POOL_SIZE, &st->b));
	st->fd = -1;
}

static const struct fault_op op_open = {
	"open(bus)", true, open_prepare, open_run, open_verify,
};

/* --- HELLO ------------------------------------------------------------- */

static void hello_prepare(struct __test_metadata *_metadata, struct step *st)
{
	/* two connections per user: a charge that leaks fails the retry */
	step_bus(_metadata, st, "max_connections=2");
	ASSERT_EQ(0, kdbus_hello(st->ep, 0, POOL_SIZE, &st->a));
	ASSERT_EQ(0, open_run(st));
}

static int hello_run(struct step *st)
{
	st->hello.size = sizeof(st->hello);
	st->hello.flags = KDBUS_HELLO_ACCEPT_FD;
	st->hello.pool_size = POOL_SIZE;
	return kdbus_ioctl(st->fd, KDBUS_CMD_HELLO, &st->hello);
}

/* ST->fd, said HELLO on, is mapped and becomes ST->b. */
static void expect_hello_info(struct __test_metadata *_metadata,
			      struct step *st)
{
	struct kdbus_item *item;

	item = (void *)((char *)st->map + st->hello.offset);
	EXPECT_EQ(KDBUS_ITEM_BLOOM_PARAMETER, item->type);
	EXPECT_EQ(64, item->bloom_parameter.size);
	EXPECT_EQ(1, item->bloom_parameter.n_hash);
	st->b.fd = st->fd;
	st->b.id = st->hello.id;
	st->b.pool = st->map;
	st->b.pool_size = POOL_SIZE;
	st->fd = -1;
	st->map = MAP_FAILED;
	EXPECT_EQ(0, kdbus_free(&st->b, st->hello.offset));
}

static void hello_verify(struct __test_metadata *_metadata, struct step *st,
			 int ret)
{
	struct kdbus_conn third = { .fd = -1 };
	uint64_t id;

	if (ret)
		ASSERT_EQ(0, hello_run(st));	/* on the same file */
	st->map = mmap(NULL, POOL_SIZE, PROT_READ, MAP_SHARED, st->fd, 0);
	ASSERT_NE(MAP_FAILED, st->map);
	expect_hello_info(_metadata, st);

	/* it works, and no half-made connection can be reached */
	step_payload(st);
	EXPECT_EQ(0, kdbus_send(&st->a, st->b.id, &st->args));
	expect_empty(_metadata, &st->a);
	for (id = st->a.id + 1; id < st->b.id; id++)
		EXPECT_EQ(-ENXIO, kdbus_send(&st->a, id, &st->args));
	/* the user holds exactly two connections */
	EXPECT_EQ(-EMFILE, kdbus_hello(st->ep, 0, POOL_SIZE, &third));
	kdbus_conn_close(&third);
}

static const struct fault_op op_hello = {
	"HELLO", true, hello_prepare, hello_run, hello_verify,
};

/* --- ENDPOINT_MAKE and ENDPOINT_UPDATE ---------------------------------- */

/* a policy of two entries, an exact name and a wildcard, three rules */
static void ep_policy(struct kdbus_cmd_buf *b)
{
	struct kdbus_policy_access a = {
		.type = KDBUS_POLICY_ACCESS_USER,
		.access = KDBUS_POLICY_OWN,
		.id = KDBUS_TEST_UID,
	};

	kdbus_cmd_add(b, KDBUS_ITEM_NAME, "org.fault.Service",
		      sizeof("org.fault.Service"));
	kdbus_cmd_add(b, KDBUS_ITEM_POLICY_ACCESS, &a, sizeof(a));
	a.type = KDBUS_POLICY_ACCESS_WORLD;
	a.access = KDBUS_POLICY_SEE;
	a.id = 0;
	kdbus_cmd_add(b, KDBUS_ITEM_POLICY_ACCESS, &a, sizeof(a));
	kdbus_cmd_add(b, KDBUS_ITEM_NAME, "org.fault.*", sizeof("org.fault.*"));
	a.type = KDBUS_POLICY_ACCESS_GROUP;
	a.access = KDBUS_POLICY_TALK;
	a.id = KDBUS_TEST_GID;
	kdbus_cmd_add(b, KDBUS_ITEM_POLICY_ACCESS, &a, sizeof(a));
}

static void ep_make_prepare(struct __test_metadata *_metadata,
			    struct step *st)
{
	step_bus(_metadata, st, NULL);
	st->fd = open(st->ep, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, st->fd);
	/* st->ep becomes the custom endpoint's path */
	snprintf(st->ep, sizeof(st->ep), "%s/%s/%u-custom", st->dir,
		 st->name, geteuid());
}

static int ep_make_run(struct step *st)
{
	struct kdbus_cmd_buf b;
	char name[64];

	kdbus_bus_name(name, sizeof(name), "custom");
	kdbus_cmd_init(&b, KDBUS_MAKE_ACCESS_WORLD);
	kdbus_cmd_add(&b, KDBUS_ITEM_MAKE_NAME, name, strlen(name) + 1);
	ep_policy(&b);
	kdbus_cmd_finish(&b);
	return kdbus_ioctl(st->fd, KDBUS_CMD_ENDPOINT_MAKE, b.data);
}

static void ep_make_verify(struct __test_metadata *_metadata,
			   struct step *st, int ret)
{
	struct stat s;

	if (ret) {
		EXPECT_EQ(-1, stat(st->ep, &s));
		EXPECT_EQ(ENOENT, errno);
		/* the failure gave the file no role */
		ASSERT_EQ(0, ep_make_run(st));
	}
	EXPECT_EQ(0, stat(st->ep, &s));
	EXPECT_EQ(0, kdbus_hello(st->ep, 0, POOL_SIZE, &st->a));
}

static const struct fault_op op_ep_make = {
	"ENDPOINT_MAKE", true, ep_make_prepare, ep_make_run, ep_make_verify,
};

static void ep_update_prepare(struct __test_metadata *_metadata,
			      struct step *st)
{
	ep_make_prepare(_metadata, st);
	ASSERT_EQ(0, ep_make_run(st));
}

static int ep_update_run(struct step *st)
{
	struct kdbus_cmd_buf b;

	kdbus_cmd_init(&b, 0);
	ep_policy(&b);
	kdbus_cmd_finish(&b);
	return kdbus_ioctl(st->fd, KDBUS_CMD_ENDPOINT_UPDATE, b.data);
}

static void ep_update_verify(struct __test_metadata *_metadata,
			     struct step *st, int ret)
{
	/* all or nothing: the old policy stays, and can be replaced later */
	if (ret)
		ASSERT_EQ(0, ep_update_run(st));
	EXPECT_EQ(0, kdbus_hello(st->ep, 0, POOL_SIZE, &st->a));
}

static const struct fault_op op_ep_update = {
	"ENDPOINT_UPDATE", true, ep_update_prepare, ep_update_run,
	ep_update_verify,
};

/* --- SEND with a PAYLOAD_VEC ------------------------------------------- */

static void send_prepare(struct __test_metadata *_metadata, struct step *st)
{
	step_conns(_metadata, st);
	step_payload(st);
}

static int send_run(struct step *st)
{
	return kdbus_send(&st->a, st->b.id, &st->args);
}

/* Whatever SEND did, it is sent exactly once after a retry. */
static struct kdbus_msg *send_retry_recv(struct __test_metadata *_metadata,
					 struct step *st, int ret)
{
	struct kdbus_cmd_recv r;

	if (ret) {
		/* all or nothing: nothing */
		expect_empty(_metadata, &st->b);
		ASSERT_EQ(0, send_run(st));
	}
	ASSERT_EQ(0, kdbus_recv(&st->b, 0, 0, NULL, &r));
	return expect_sent(_metadata, st, &r);
}

static void send_verify(struct __test_metadata *_metadata, struct step *st,
			int ret)
{
	struct kdbus_msg *m = send_retry_recv(_metadata, st, ret);

	ASSERT_NE(NULL, m);
	EXPECT_EQ(0, kdbus_msg_free(&st->b, m));
	expect_empty(_metadata, &st->b);
	expect_empty(_metadata, &st->a);
}

static const struct fault_op op_send = {
	"SEND(PAYLOAD_VEC)", true, send_prepare, send_run, send_verify,
};

/* --- SEND with FDS ----------------------------------------------------- */

static void send_fds_prepare(struct __test_metadata *_metadata,
			     struct step *st)
{
	send_prepare(_metadata, st);
	ASSERT_EQ(0, pipe2(st->pipe, O_CLOEXEC));
	st->args.fds = &st->pipe[0];
	st->args.n_fds = 1;
}

static void send_fds_verify(struct __test_metadata *_metadata,
			    struct step *st, int ret)
{
	struct kdbus_msg *m = send_retry_recv(_metadata, st, ret);

	ASSERT_NE(NULL, m);
	expect_pipe_fd(_metadata, st, m);
	EXPECT_EQ(0, kdbus_msg_free(&st->b, m));
	expect_empty(_metadata, &st->b);
	/* no reference to the read end is left in the kernel */
	close_fd(&st->pipe[0]);
	EXPECT_EQ(-1, write(st->pipe[1], "x", 1));
	EXPECT_EQ(EPIPE, errno);
}

static const struct fault_op op_send_fds = {
	"SEND(FDS)", true, send_fds_prepare, send_run, send_fds_verify,
};

/* --- SEND with a sealed memfd ------------------------------------------ */

static void send_memfd_prepare(struct __test_metadata *_metadata,
			       struct step *st)
{
	send_prepare(_metadata, st);
	st->memfd = kdbus_memfd_make(MEMFD_SIZE, KDBUS_MEMFD_SEALS);
	ASSERT_LE(0, st->memfd);
	st->args.memfd = st->memfd;
	st->args.memfd_size = MEMFD_SIZE;
}

static void send_memfd_verify(struct __test_metadata *_metadata,
			      struct step *st, int ret)
{
	struct kdbus_msg *m = send_retry_recv(_metadata, st, ret);
	struct kdbus_item *item;
	char c[2] = "";
	int fd;

	ASSERT_NE(NULL, m);
	item = kdbus_msg_item(m, KDBUS_ITEM_PAYLOAD_MEMFD);
	ASSERT_NE(NULL, item);
	EXPECT_EQ(MEMFD_SIZE, item->memfd.size);
	fd = item->memfd.fd;
	ASSERT_LE(0, fd);
	EXPECT_EQ(1, pread(fd, &c[0], 1, 0));
	EXPECT_EQ(1, pread(fd, &c[1], 1, MEMFD_SIZE - 1));
	EXPECT_EQ('S', c[0]);
	EXPECT_EQ(0x5a, c[1]);
	close(fd);
	EXPECT_EQ(0, kdbus_msg_free(&st->b, m));
	expect_empty(_metadata, &st->b);
}

static const struct fault_op op_send_memfd = {
	"SEND(PAYLOAD_MEMFD)", true, send_memfd_prepare, send_run,
	send_memfd_verify,
};

/* --- RECV -------------------------------------------------------------- */

static void recv_prepare(struct __test_metadata *_metadata, struct step *st)
{
	send_fds_prepare(_metadata, st);
	ASSERT_EQ(0, send_run(st));
	st->low_fd = lowest_free_fd();
}

static int recv_run(struct step *st)
{
	return kdbus_recv(&st->b, 0, 0, NULL, &st->recv);
}

static void recv_verify(struct __test_metadata *_metadata, struct step *st,
			int ret)
{
	struct kdbus_msg *m;

	if (ret) {
		/* no descriptor was installed, and the message stays */
		EXPECT_EQ(st->low_fd, lowest_free_fd());
		ASSERT_EQ(0, recv_run(st));
	}
	m = expect_sent(_metadata, st, &st->recv);
	expect_pipe_fd(_metadata, st, m);
	EXPECT_EQ(0, kdbus_msg_free(&st->b, m));
	/* exactly once */
	expect_empty(_metadata, &st->b);
}

static const struct fault_op op_recv = {
	"RECV", true, recv_prepare, recv_run, recv_verify,
};

/* --- FREE -------------------------------------------------------------- */

static void free_prepare(struct __test_metadata *_metadata, struct step *st)
{
	send_prepare(_metadata, st);
	ASSERT_EQ(0, send_run(st));
	ASSERT_EQ(0, kdbus_recv(&st->b, 0, 0, NULL, &st->recv));
	st->off = st->recv.msg.offset;
}

static int free_run(struct step *st)
{
	return kdbus_free(&st->b, st->off);
}

static void free_verify(struct __test_metadata *_metadata, struct step *st,
			int ret)
{
	struct kdbus_cmd_recv r;
	struct kdbus_msg *m;

	if (ret)
		EXPECT_EQ(0, free_run(st));	/* the slice is still there */
	EXPECT_EQ(-ENXIO, free_run(st));
	/* and the pool still works */
	ASSERT_EQ(0, send_run(st));
	ASSERT_EQ(0, kdbus_recv(&st->b, 0, 0, NULL, &r));
	m = expect_sent(_metadata, st, &r);
	EXPECT_EQ(0, kdbus_msg_free(&st->b, m));
}

static const struct fault_op op_free = {
	"FREE", false, free_prepare, free_run, free_verify,
};

/* --- synchronous call -------------------------------------------------- */

/*
 * Answer every request on C with "pong" until told to stop on SOCK; then
 * report how many were answered. Runs without faults: fail-nth is per
 * task, and a new task starts with none.
 */
static void answer_calls(struct kdbus_conn *c, int sock)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	unsigned int answered = 0;
	struct kdbus_msg *m;

	for (;;) {
		struct pollfd p[2] = {
			{ .fd = c->fd, .events = POLLIN },
			{ .fd = sock, .events = POLLIN },
		};

		if (poll(p, 2, 10000) <= 0)
			_exit(20);
		if (p[0].revents & POLLIN) {
			if (kdbus_recv(c, 0, 0, &m, NULL))
				_exit(21);
			if (m->flags & KDBUS_MSG_EXPECT_REPLY) {
				a.cookie = m->cookie + 1;
				a.cookie_reply = m->cookie;
				a.data = "pong";
				a.size = 5;
				if (kdbus_send(c, m->src_id, &a))
					_exit(22);
				answered++;
			}
			kdbus_msg_free(c, m);
			continue;
		}
		if (p[1].revents) {
			if (write(sock, &answered, sizeof(answered)) !=
			    sizeof(answered))
				_exit(23);
			_exit(0);
		}
	}
}

static void call_prepare(struct __test_metadata *_metadata, struct step *st)
{
	int sv[2];

	step_conns(_metadata, st);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	st->child = fork();
	ASSERT_LE(0, st->child);
	if (st->child == 0) {
		close(sv[0]);
		answer_calls(&st->b, sv[1]);
	}
	close(sv[1]);
	st->sock = sv[0];
	st->args.flags = KDBUS_MSG_EXPECT_REPLY;
	st->args.send_flags = KDBUS_SEND_SYNC_REPLY;
	st->args.cookie = st->cookie;
	st->args.timeout_ns = kdbus_now_ns() + 10 * SEC;
	st->args.data = "call";
	st->args.size = 5;
	st->low_fd = lowest_free_fd();
}

static void call_verify(struct __test_metadata *_metadata, struct step *st,
			int ret)
{
	unsigned int answered = ~0U;
	struct kdbus_msg *m;
	const char *p;
	uint64_t size;
	int status;

	if (ret) {
		/* no reply went astray, nothing was installed */
		expect_empty(_metadata, &st->a);
		EXPECT_EQ(st->low_fd, lowest_free_fd());
		st->args.timeout_ns = kdbus_now_ns() + 10 * SEC;
		ASSERT_EQ(0, send_run(st));
	}
	m = (void *)(st->a.pool + st->args.reply.offset);
	EXPECT_EQ(st->b.id, m->src_id);
	EXPECT_EQ(st->cookie, m->cookie_reply);
	p = kdbus_msg_payload(&st->a, m, &size);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(5, size);
	EXPECT_STREQ("pong", p);
	EXPECT_EQ(0, kdbus_msg_free(&st->a, m));
	expect_empty(_metadata, &st->a);

	/* a failed call did not reach the callee */
	ASSERT_EQ(1, write(st->sock, "q", 1));
	ASSERT_EQ(sizeof(answered), read(st->sock, &answered,
					 sizeof(answered)));
	ASSERT_EQ(st->child, waitpid(st->child, &status, 0));
	st->child = -1;
	EXPECT_EQ(0, status);
	EXPECT_EQ(1, answered);
}

static const struct fault_op op_call = {
	"SEND(SYNC_REPLY)", true, call_prepare, send_run, call_verify,
};

/* --- BYEBYE ------------------------------------------------------------ */

/* A sends B request ST->cookie, which B receives: B owes A a reply. */
static void request_pending(struct __test_metadata *_metadata,
			    struct step *st)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	struct kdbus_msg *m;

	a.flags = KDBUS_MSG_EXPECT_REPLY;
	a.cookie = st->cookie;
	a.timeout_ns = kdbus_now_ns() + 60 * SEC;
	a.data = "q";
	a.size = 1;
	ASSERT_EQ(0, kdbus_send(&st->a, st->b.id, &a));
	ASSERT_EQ(0, kdbus_recv(&st->b, 0, 0, &m, NULL));
	ASSERT_EQ(st->cookie, m->cookie);
	ASSERT_EQ(0, kdbus_msg_free(&st->b, m));
}

static void byebye_prepare(struct __test_metadata *_metadata, struct step *st)
{
	step_conns(_metadata, st);
	request_pending(_metadata, st);
}

static int byebye_run(struct step *st)
{
	return kdbus_byebye(&st->b);
}

static void byebye_verify(struct __test_metadata *_metadata, struct step *st,
			  int ret)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	struct kdbus_msg *m;

	a.cookie_reply = st->cookie;
	a.data = "r";
	a.size = 1;
	if (ret) {
		/* still connected, still owing the reply */
		ASSERT_EQ(0, kdbus_send(&st->b, st->a.id, &a));
		ASSERT_EQ(0, kdbus_recv(&st->a, 0, 0, &m, NULL));
		EXPECT_EQ(st->cookie, m->cookie_reply);
		EXPECT_EQ(0, kdbus_msg_free(&st->a, m));
		expect_empty(_metadata, &st->a);
		ASSERT_EQ(0, byebye_run(st));
	} else {
		expect_reply_dead(_metadata, &st->a, st->cookie, st->n != 0,
				  "BYEBYE", st->n);
	}
	EXPECT_EQ(-ECONNRESET, kdbus_send(&st->b, st->a.id, &a));
	EXPECT_EQ(-ECONNRESET, byebye_run(st));
	step_payload(st);
	EXPECT_EQ(-ENXIO, kdbus_send(&st->a, st->b.id, &st->args));
	expect_empty(_metadata, &st->a);
}

static const struct fault_op op_byebye = {
	"BYEBYE", true, byebye_prepare, byebye_run, byebye_verify,
};

/* --- close of a connection with queued messages ------------------------ */

/*
 * Queue at ST->b a message with ST's pipe's read end, one with a sealed
 * memfd, and request ST->cookie; only the queue keeps the read end.
 */
static void queue_for_close(struct __test_metadata *_metadata,
			    struct step *st)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;

	ASSERT_EQ(0, pipe2(st->pipe, O_CLOEXEC));
	a.fds = &st->pipe[0];
	a.n_fds = 1;
	ASSERT_EQ(0, kdbus_send(&st->a, st->b.id, &a));
	close_fd(&st->pipe[0]);

	st->memfd = kdbus_memfd_make(MEMFD_SIZE, KDBUS_MEMFD_SEALS);
	ASSERT_LE(0, st->memfd);
	a = (struct kdbus_send_args)KDBUS_SEND_ARGS_INIT;
	a.memfd = st->memfd;
	a.memfd_size = MEMFD_SIZE;
	ASSERT_EQ(0, kdbus_send(&st->a, st->b.id, &a));
	close_fd(&st->memfd);

	a = (struct kdbus_send_args)KDBUS_SEND_ARGS_INIT;
	a.flags = KDBUS_MSG_EXPECT_REPLY;
	a.cookie = st->cookie;
	a.timeout_ns = kdbus_now_ns() + 60 * SEC;
	a.data = "q";
	a.size = 1;
	ASSERT_EQ(0, kdbus_send(&st->a, st->b.id, &a));

	/* the mapping is not the connection: only the fd is closed */
	munmap(st->b.pool, st->b.pool_size);
	st->b.pool = NULL;
}

static void close_prepare(struct __test_metadata *_metadata, struct step *st)
{
	step_conns(_metadata, st);
	queue_for_close(_metadata, st);
}

static int close_run(struct step *st)
{
	int fd = st->b.fd;

	st->b.fd = -1;
	return close(fd) ? -errno : 0;
}

static void close_verify(struct __test_metadata *_metadata, struct step *st,
			 int ret)
{
	uint64_t id = st->b.id;

	EXPECT_EQ(0, ret);
	/* the queue let its files go, the caller learns its fate */
	EXPECT_EQ(-1, write(st->pipe[1], "x", 1));
	EXPECT_EQ(EPIPE, errno);
	expect_reply_dead(_metadata, &st->a, st->cookie, st->n != 0, "close",
			  st->n);
	step_payload(st);
	EXPECT_EQ(-ENXIO, kdbus_send(&st->a, id, &st->args));

	/* again without faults: nothing may be lost then */
	close_fd(&st->pipe[1]);
	ASSERT_EQ(0, kdbus_hello(st->ep, KDBUS_HELLO_ACCEPT_FD, POOL_SIZE,
				 &st->b));
	queue_for_close(_metadata, st);
	ASSERT_EQ(0, close_run(st));
	EXPECT_EQ(-1, write(st->pipe[1], "x", 1));
	EXPECT_EQ(EPIPE, errno);
	expect_reply_dead(_metadata, &st->a, st->cookie, false, "close", 0);
}

static const struct fault_op op_close = {
	"close(queued)", true, close_prepare, close_run, close_verify,
};

/* --- metadata ---------------------------------------------------------- */

/*
 * HELLO on the bus of ST as a connection that sends and wants every kind
 * of metadata, on a file opened with effective uid OPENER.
 */
static int hello_as(struct step *st, struct kdbus_conn *c, uid_t opener,
		    uint64_t attach)
{
	struct kdbus_cmd_hello *h;
	struct kdbus_cmd_buf b;
	int fd, ret;

	if (setresuid(-1, opener, -1))
		return -errno;
	fd = open(st->ep, O_RDWR | O_CLOEXEC);
	ret = fd < 0 ? -errno : 0;
	if (setresuid(-1, 0, -1))
		ret = -errno;
	if (ret) {
		close_fd(&fd);
		return ret;
	}
	h = kdbus_hello_init(&b, KDBUS_HELLO_ACCEPT_FD, POOL_SIZE);
	h->attach_flags_send = attach;
	h->attach_flags_recv = attach;
	return kdbus_hello_cmd(fd, &b, c);
}

/* the metadata item types of M, bit n for _KDBUS_ITEM_ATTACH_BASE + n */
static uint64_t meta_types(struct kdbus_msg *m)
{
	return kdbus_meta_mask(m->items, (uint8_t *)m + m->size, NULL);
}

/* what a message carries without faults, learnt in step 0 */
static uint64_t meta_baseline;

/* M carries the sender's metadata, all of it. */
static void expect_meta(struct __test_metadata *_metadata, struct step *st,
			struct kdbus_msg *m)
{
	struct kdbus_item *item;

	if (st->n == 0)
		meta_baseline = meta_types(m);
	EXPECT_EQ(meta_baseline, meta_types(m));
	item = kdbus_msg_item(m, KDBUS_ITEM_CREDS);
	ASSERT_NE(NULL, item);
	EXPECT_EQ(0, item->creds.uid);
	item = kdbus_msg_item(m, KDBUS_ITEM_PIDS);
	ASSERT_NE(NULL, item);
	EXPECT_EQ(getpid(), item->pids.pid);
}

static void meta_conns(struct __test_metadata *_metadata, struct step *st)
{
	step_bus(_metadata, st, NULL);
	ASSERT_EQ(0, hello_as(st, &st->a, 0, _KDBUS_ATTACH_ALL));
	ASSERT_EQ(0, hello_as(st, &st->b, 0, _KDBUS_ATTACH_ALL));
	step_payload(st);
}

static void send_meta_verify(struct __test_metadata *_metadata,
			     struct step *st, int ret)
{
	struct kdbus_msg *m = send_retry_recv(_metadata, st, ret);

	ASSERT_NE(NULL, m);
	expect_meta(_metadata, st, m);
	EXPECT_EQ(0, kdbus_msg_free(&st->b, m));
	expect_empty(_metadata, &st->b);
}

static const struct fault_op op_send_meta = {
	"SEND(metadata)", true, meta_conns, send_run, send_meta_verify,
};

static void recv_meta_prepare(struct __test_metadata *_metadata,
			      struct step *st)
{
	meta_conns(_metadata, st);
	ASSERT_EQ(0, send_run(st));
	st->low_fd = lowest_free_fd();
}

static void recv_meta_verify(struct __test_metadata *_metadata,
			     struct step *st, int ret)
{
	struct kdbus_msg *m;

	if (ret) {
		EXPECT_EQ(st->low_fd, lowest_free_fd());
		ASSERT_EQ(0, recv_run(st));
	}
	m = expect_sent(_metadata, st, &st->recv);
	expect_meta(_metadata, st, m);
	EXPECT_EQ(0, kdbus_msg_free(&st->b, m));
	expect_empty(_metadata, &st->b);
}

static const struct fault_op op_recv_meta = {
	"RECV(metadata)", true, recv_meta_prepare, recv_run, recv_meta_verify,
};

/* --- SEND to another user: its quota ------------------------------------ */

static void quota_prepare(struct __test_metadata *_metadata, struct step *st)
{
	step_bus(_metadata, st, NULL);
	ASSERT_EQ(0, hello_as(st, &st->a, 0, 0));
	/* root may talk to it, and is charged at it */
	ASSERT_EQ(0, hello_as(st, &st->b, KDBUS_TEST_UID, 0));
	step_payload(st);
}

static void quota_verify(struct __test_metadata *_metadata, struct step *st,
			 int ret)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	struct kdbus_msg *m = send_retry_recv(_metadata, st, ret);
	unsigned int i;

	ASSERT_NE(NULL, m);
	EXPECT_EQ(0, kdbus_msg_free(&st->b, m));
	expect_empty(_metadata, &st->b);

	/* the user's quota is whole again: no message less, none more */
	for (i = 0; i < KDBUS_CONN_MAX_MSGS; i++) {
		a.cookie = i + 1;
		ret = kdbus_send(&st->a, st->b.id, &a);
		if (ret)
			break;
	}
	EXPECT_EQ(KDBUS_CONN_MAX_MSGS, i);
	EXPECT_EQ(-ENOBUFS, kdbus_send(&st->a, st->b.id, &a));
}

static const struct fault_op op_quota = {
	"SEND(other user)", true, quota_prepare, send_run, quota_verify,
};

/* --- mmap of the pool -------------------------------------------------- */

static void mmap_prepare(struct __test_metadata *_metadata, struct step *st)
{
	step_bus(_metadata, st, NULL);
	ASSERT_EQ(0, open_run(st));
	ASSERT_EQ(0, hello_run(st));
}

static int mmap_run(struct step *st)
{
	st->map = mmap(NULL, POOL_SIZE, PROT_READ, MAP_SHARED, st->fd, 0);
	return st->map == MAP_FAILED ? -errno : 0;
}

static void mmap_verify(struct __test_metadata *_metadata, struct step *st,
			int ret)
{
	if (ret)
		ASSERT_EQ(0, mmap_run(st));
	expect_hello_info(_metadata, st);
}

static const struct fault_op op_mmap = {
	"mmap(pool)", true, mmap_prepare, mmap_run, mmap_verify,
};

/* --- the tests --------------------------------------------------------- */

FIXTURE(fault) {
	int nth;
};

FIXTURE_SETUP(fault)
{
	signal(SIGPIPE, SIG_IGN);
	self->nth = open(KDBUS_FAIL_NTH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->nth);
}

FIXTURE_TEARDOWN(fault)
{
	if (self->nth >= 0 && write(self->nth, "0", 1) == 1)
		close(self->nth);
}

#define FAULT_TIMEOUT	120

TEST_F_TIMEOUT(fault, mount_leaves_no_mount_behind, FAULT_TIMEOUT)
{
	sweep(_metadata, self->nth, &op_mount);
}

TEST_F_TIMEOUT(fault, bus_make_leaves_no_bus_and_no_charge, FAULT_TIMEOUT)
{
	sweep(_metadata, self->nth, &op_bus_make);
}

TEST_F_TIMEOUT(fault, open_of_the_endpoint_fails_cleanly, FAULT_TIMEOUT)
{
	sweep(_metadata, self->nth, &op_open);
}

TEST_F_TIMEOUT(fault, hello_leaves_the_file_reusable_and_no_charge,
	       FAULT_TIMEOUT)
{
	sweep(_metadata, self->nth, &op_hello);
}

TEST_F_TIMEOUT(fault, endpoint_make_leaves_no_endpoint_behind, FAULT_TIMEOUT)
{
	sweep(_metadata, self->nth, &op_ep_make);
}

TEST_F_TIMEOUT(fault, endpoint_update_is_all_or_nothing, FAULT_TIMEOUT)
{
	sweep(_metadata, self->nth, &op_ep_update);
}

TEST_F_TIMEOUT(fault, send_payload_vec_is_all_or_nothing, FAULT_TIMEOUT)
{
	sweep(_metadata, self->nth, &op_send);
}

TEST_F_TIMEOUT(fault, send_fds_is_all_or_nothing_and_keeps_no_file,
	       FAULT_TIMEOUT)
{
	sweep(_metadata, self->nth, &op_send_fds);
}

TEST_F_TIMEOUT(fault, send_sealed_memfd_is_all_or_nothing, FAULT_TIMEOUT)
{
	sweep(_metadata, self->nth, &op_send_memfd);
}

TEST_F_TIMEOUT(fault, recv_never_loses_the_message_or_leaks_fds,
	       FAULT_TIMEOUT)
{
	sweep(_metadata, self->nth, &op_recv);
}

TEST_F_TIMEOUT(fault, free_keeps_or_releases_the_slice, FAULT_TIMEOUT)
{
	sweep(_metadata, self->nth, &op_free);
}

TEST_F_TIMEOUT(fault, sync_call_fails_before_the_callee_or_gets_its_reply,
	       FAULT_TIMEOUT)
{
	sweep(_metadata, self->nth, &op_call);
}

TEST_F_TIMEOUT(fault, byebye_is_all_or_nothing, FAULT_TIMEOUT)
{
	sweep(_metadata, self->nth, &op_byebye);
}

TEST_F_TIMEOUT(fault, close_with_queued_messages_releases_and_notifies,
	       FAULT_TIMEOUT)
{
	sweep(_metadata, self->nth, &op_close);
}

TEST_F_TIMEOUT(fault, send_with_metadata_is_all_or_nothing, FAULT_TIMEOUT)
{
	sweep(_metadata, self->nth, &op_send_meta);
}

TEST_F_TIMEOUT(fault, recv_with_metadata_never_loses_any_of_it,
	       FAULT_TIMEOUT)
{
	sweep(_metadata, self->nth, &op_recv_meta);
}

TEST_F_TIMEOUT(fault, send_to_another_user_keeps_its_quota_exact,
	       FAULT_TIMEOUT)
{
	sweep(_metadata, self->nth, &op_quota);
}

TEST_F_TIMEOUT(fault, mmap_of_the_pool_fails_cleanly, FAULT_TIMEOUT)
{
	sweep(_metadata, self->nth, &op_mmap);
}

static unsigned long env_ulong(const char *name, unsigned long def)
{
	const char *s = getenv(name);
	char *end;
	unsigned long v;

	if (!s || !*s)
		return def;
	v = strtoul(s, &end, 10);
	return *end || !v ? def : v;
}

int main(int argc, char **argv)
{
	const char *why;

	why = kdbus_fault_setup();
	if (why) {
		ksft_print_header();
		ksft_exit_skip("%s\n", why);
	}
	max_points = env_ulong("KDBUSFS_FAULT_POINTS", max_points);
	op_ns = env_ulong("KDBUSFS_FAULT_OP_SECONDS", op_ns / SEC) * SEC;
	end_ns = kdbus_now_ns() +
		 env_ulong("KDBUSFS_FAULT_SECONDS", 240) * SEC;

	stats = mmap(NULL, sizeof(*stats), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (stats == MAP_FAILED) {
		kdbus_fault_restore();
		ksft_print_header();
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	}
	main_pid = getpid();
	atexit(fault_summary);
	return test_harness_run(argc, argv);
}
