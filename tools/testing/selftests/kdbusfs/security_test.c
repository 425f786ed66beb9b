// SPDX-License-Identifier: GPL-2.0
/*
 * Findings of the security review: files that could hold the message that
 * holds them, notifications about connections nobody was told of.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <linux/capability.h>
#include <linux/io_uring.h>
#include <stdlib.h>
#include <string.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <time.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "kdbus_util.h"

FIXTURE(sec) {
	struct kdbus_test_bus bus;
	struct kdbus_conn a, watcher;
};

/* rules for ID_ADD and ID_REMOVE of any connection */
static int watch_ids(struct kdbus_conn *c)
{
	struct kdbus_notify_id_change ic = { .id = KDBUS_MATCH_ID_ANY };
	struct kdbus_cmd_buf b;
	int ret;

	kdbus_match_init(&b, 0, 1);
	kdbus_cmd_add(&b, KDBUS_ITEM_ID_ADD, &ic, sizeof(ic));
	kdbus_cmd_finish(&b);
	ret = kdbus_ioctl(c->fd, KDBUS_CMD_MATCH_ADD, b.data);
	if (ret)
		return ret;
	kdbus_match_init(&b, 0, 2);
	kdbus_cmd_add(&b, KDBUS_ITEM_ID_REMOVE, &ic, sizeof(ic));
	kdbus_cmd_finish(&b);
	return kdbus_ioctl(c->fd, KDBUS_CMD_MATCH_ADD, b.data);
}

/* the next notification's type and connection id */
static int next_id_change(struct kdbus_conn *c, uint64_t *type, uint64_t *id)
{
	struct kdbus_msg *m;
	int ret;

	ret = kdbus_recv(c, 0, 0, &m, NULL);
	if (ret)
		return ret;
	*type = m->items[0].type;
	*id = m->items[0].id_change.id;
	kdbus_msg_free(c, m);
	return 0;
}

FIXTURE_SETUP(sec)
{
	ASSERT_EQ(0, kdbus_test_bus_make(&self->bus));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, KDBUS_HELLO_ACCEPT_FD,
				 KDBUS_TEST_POOL_SIZE, &self->a));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE,
				 &self->watcher));
	ASSERT_EQ(0, watch_ids(&self->watcher));
}

FIXTURE_TEARDOWN(sec)
{
	kdbus_conn_close(&self->a);
	kdbus_conn_close(&self->watcher);
	kdbus_test_bus_close(&self->bus);
}

/* send @fd in an FDS item from @from to @to: 0 or -errno */
static int send_fd(struct kdbus_conn *from, uint64_t to, int fd)
{
	struct kdbus_send_args args = KDBUS_SEND_ARGS_INIT;

	args.cookie = 1;
	args.fds = &fd;
	args.n_fds = 1;
	return kdbus_send(from, to, &args);
}

TEST_F(sec, an_io_uring_cannot_be_passed)
{
	struct io_uring_params p = { 0 };
	int ring;

	ring = syscall(__NR_io_uring_setup, 4, &p);
	/* kernels without CONFIG_IO_URING (the debug kernel) have none */
	if (ring < 0)
		SKIP(return, "no io_uring here (%s)", strerror(errno));
	/* its fixed files could hold the connection the message is queued at */
	EXPECT_EQ(-EOPNOTSUPP, send_fd(&self->a, self->a.id, ring));
	close(ring);
}

TEST_F(sec, an_epoll_watching_its_connection_does_not_pin_it)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct kdbus_conn c;
	uint64_t type, id;
	int ep;

	ASSERT_EQ(0, kdbus_hello(self->bus.ep, KDBUS_HELLO_ACCEPT_FD,
				 KDBUS_TEST_POOL_SIZE, &c));
	ASSERT_EQ(0, next_id_change(&self->watcher, &type, &id));
	EXPECT_EQ(KDBUS_ITEM_ID_ADD, type);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_GE(ep, 0);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev));
	/* queued at the connection it watches, never received */
	ASSERT_EQ(0, send_fd(&self->a, c.id, ep));
	close(ep);
	id = c.id;
	kdbus_conn_close(&c);
	/* the last close of the connection's file released it */
	ASSERT_EQ(0, next_id_change(&self->watcher, &type, &c.id));
	EXPECT_EQ(KDBUS_ITEM_ID_REMOVE, type);
	EXPECT_EQ(id, c.id);
}

TEST_F(sec, a_hello_that_fails_late_announces_nothing)
{
	long page = sysconf(_SC_PAGESIZE);
	struct kdbus_cmd_hello *hello;
	struct kdbus_conn c;
	uint64_t type, id;
	uint8_t *mem;
	int fd;

	mem = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	/*
	 * return_flags on the writable page, the id the kernel writes back
	 * on the read-only one: HELLO fails after the connection joined
	 */
	hello = (void *)(mem + page - 40);
	memset(hello, 0, 40);
	hello->size = sizeof(*hello);
	memset(mem + page, 0, page);
	hello->pool_size = KDBUS_TEST_POOL_SIZE;
	ASSERT_EQ(0, mprotect(mem + page, page, PROT_READ));

	fd = open(self->bus.ep, O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(-EFAULT, kdbus_ioctl(fd, KDBUS_CMD_HELLO, hello));
	close(fd);
	/* peers heard neither of its coming nor of its going */
	EXPECT_EQ(-EAGAIN, next_id_change(&self->watcher, &type, &id));

	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE, &c));
	ASSERT_EQ(0, next_id_change(&self->watcher, &type, &id));
	EXPECT_EQ(KDBUS_ITEM_ID_ADD, type);
	EXPECT_EQ(c.id, id);
	kdbus_conn_close(&c);
	munmap(mem, 2 * page);
}

/*
 * The reply race: A's synchronous request waits at the activator X of a
 * name; as A's deadline passes, Y takes the name and with it the request,
 * while another thread keeps taking X's lock. A must unlink the reply
 * from whoever owes it then, holding that one's lock (before the fix it
 * unlocked a mutex it never held, or none at all: lockdep on the debug
 * kernel, or a hang).
 */
struct race {
	struct kdbus_conn x, y, a;
	const char *name;
	unsigned int delay_us;
	int stop;
};

static void *race_x_busy(void *arg)
{
	struct race *r = arg;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED))
		kdbus_recv(&r->x, KDBUS_RECV_PEEK, 0, NULL, NULL);
	return NULL;
}

static void *race_y_takes(void *arg)
{
	struct race *r = arg;

	usleep(r->delay_us);
	kdbus_name_acquire(&r->y, r->name, 0, NULL);
	return NULL;
}

static void race_drain(struct kdbus_conn *c)
{
	while (kdbus_recv(c, KDBUS_RECV_DROP, 0, NULL, NULL) == 0)
		;
}

TEST_F(sec, a_request_moving_to_a_new_owner_as_its_wait_ends)
{
	struct kdbus_cmd_buf b;
	struct race r = { .name = "org.sec.race" };
	pthread_t busy, taker;
	unsigned int i, timedout = 0;
	int fd, ret;

	fd = open(self->bus.ep, O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	kdbus_hello_init(&b, KDBUS_HELLO_ACTIVATOR, KDBUS_TEST_POOL_SIZE);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_NAME, r.name);
	ASSERT_EQ(0, kdbus_hello_cmd(fd, &b, &r.x));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE, &r.y));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE, &r.a));
	ASSERT_EQ(0, pthread_create(&busy, NULL, race_x_busy, &r));

	for (i = 0; i < 100; i++) {
		struct kdbus_send_args args = KDBUS_SEND_ARGS_INIT;

		/* Y comes around the deadline: before, at, after */
		r.delay_us = 1000 + (i % 7) * 500;
		ASSERT_EQ(0, pthread_create(&taker, NULL, race_y_takes, &r));
		args.flags = KDBUS_MSG_EXPECT_REPLY;
		args.send_flags = KDBUS_SEND_SYNC_REPLY;
		args.cookie = i + 1;
		args.timeout_ns = kdbus_now_ns() + 2500 * 1000;
		args.dst_name = r.name;
		ret = kdbus_send(&r.a, KDBUS_DST_ID_NAME, &args);
		/* nobody answers: it times out (or fails to be sent at all) */
		if (ret == -ETIMEDOUT)
			timedout++;
		else if (ret != -EPIPE)
			EXPECT_EQ(-ETIMEDOUT, ret);
		ASSERT_EQ(0, pthread_join(taker, NULL));
		/* the name goes back to X, with what waited at Y */
		kdbus_name_release(&r.y, r.name);
		race_drain(&r.x);
		race_drain(&r.y);
		race_drain(&r.a);
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
	ASSERT_EQ(0, pthread_join(busy, NULL));
	EXPECT_GT(timedout, 0);
	race_drain(&r.x);
	/* everybody can still leave: no connection's lock stayed taken */
	kdbus_conn_close(&r.a);
	kdbus_conn_close(&r.y);
	kdbus_conn_close(&r.x);
}

/* a custom endpoint granting everybody TALK (and so SEE) on @name only */
static int sandbox_ep(struct kdbus_test_bus *bus, const char *name,
		      int *maker, char *path, size_t size)
{
	struct kdbus_cmd_buf b;
	char ep[64];
	int ret;

	*maker = open(bus->ep, O_RDWR | O_CLOEXEC);
	if (*maker < 0)
		return -errno;
	kdbus_bus_name(ep, sizeof(ep), "sandbox");
	kdbus_cmd_init(&b, KDBUS_MAKE_ACCESS_WORLD);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_MAKE_NAME, ep);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_NAME, name);
	kdbus_cmd_add_access(&b, KDBUS_POLICY_ACCESS_WORLD, KDBUS_POLICY_TALK,
			     0);
	kdbus_cmd_finish(&b);
	ret = kdbus_ioctl(*maker, KDBUS_CMD_ENDPOINT_MAKE, b.data);
	snprintf(path, size, "%s/%s/%s", bus->dir, bus->name, ep);
	return ret;
}

/* the names in the OWNED_NAME items from @first to @end, joined by ' ' */
static void owned_names(struct kdbus_item *first, const void *end, char *buf,
			size_t size)
{
	struct kdbus_item *item = first;

	buf[0] = '\0';
	while ((item = kdbus_item_find(item, end, KDBUS_ITEM_OWNED_NAME))) {
		strncat(buf, item->name.name, size - strlen(buf) - 2);
		strcat(buf, " ");
		item = kdbus_item_next(item);
	}
}

TEST_F(sec, names_a_sandbox_may_not_see_stay_hidden)
{
	struct kdbus_cmd_info ci = { .size = sizeof(ci) };
	uint64_t names = KDBUS_ATTACH_NAMES, mask[8];
	struct kdbus_send_args args = KDBUS_SEND_ARGS_INIT;
	struct kdbus_conn sb, owner;
	struct kdbus_cmd_buf b;
	struct kdbus_info *info;
	struct kdbus_msg *m;
	char path[256], seen[256];
	int maker;

	memset(mask, 0xff, sizeof(mask));
	ASSERT_EQ(0, sandbox_ep(&self->bus, "org.sec.visible", &maker, path,
				sizeof(path)));
	/* the owner lets receivers see its names */
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE,
				 &owner));
	kdbus_cmd_init(&b, 0);
	kdbus_cmd_add(&b, KDBUS_ITEM_ATTACH_FLAGS_SEND, &names, sizeof(names));
	kdbus_cmd_finish(&b);
	ASSERT_EQ(0, kdbus_ioctl(owner.fd, KDBUS_CMD_UPDATE, b.data));
	ASSERT_EQ(0, kdbus_name_acquire(&owner, "org.sec.visible", 0, NULL));
	ASSERT_EQ(0, kdbus_name_acquire(&owner, "org.sec.hidden", 0, NULL));
	/* the sandboxed connection wants names with messages */
	ASSERT_EQ(0, kdbus_hello(path, 0, KDBUS_TEST_POOL_SIZE, &sb));
	kdbus_cmd_init(&b, 0);
	kdbus_cmd_add(&b, KDBUS_ITEM_ATTACH_FLAGS_RECV, &names, sizeof(names));
	kdbus_cmd_finish(&b);
	ASSERT_EQ(0, kdbus_ioctl(sb.fd, KDBUS_CMD_UPDATE, b.data));

	/* CONN_INFO: only the visible name */
	ci.id = owner.id;
	ci.attach_flags = KDBUS_ATTACH_NAMES;
	ASSERT_EQ(0, kdbus_ioctl(sb.fd, KDBUS_CMD_CONN_INFO, &ci));
	info = (void *)(sb.pool + ci.offset);
	owned_names(info->items, (uint8_t *)info + info->size, seen,
		    sizeof(seen));
	EXPECT_STREQ("org.sec.visible ", seen);
	kdbus_free(&sb, ci.offset);

	/* NAMES metadata of a message: the same */
	args.cookie = 3;
	ASSERT_EQ(0, kdbus_send(&owner, sb.id, &args));
	ASSERT_EQ(0, kdbus_recv(&sb, 0, 0, &m, NULL));
	owned_names(m->items, (uint8_t *)m + m->size, seen, sizeof(seen));
	EXPECT_STREQ("org.sec.visible ", seen);
	kdbus_msg_free(&sb, m);

	/* a NAME rule for the hidden name selects nothing */
	kdbus_match_init(&b, 0, 1);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_NAME, "org.sec.hidden");
	kdbus_cmd_finish(&b);
	ASSERT_EQ(0, kdbus_ioctl(sb.fd, KDBUS_CMD_MATCH_ADD, b.data));
	memset(&args, 0, sizeof(args));
	args.memfd = -1;
	args.flags = KDBUS_MSG_SIGNAL;
	args.cookie = 4;
	args.bloom = mask;
	args.bloom_size = sizeof(mask);
	ASSERT_EQ(0, kdbus_send(&owner, KDBUS_DST_ID_BROADCAST, &args));
	EXPECT_EQ(-EAGAIN, kdbus_recv(&sb, 0, 0, NULL, NULL));
	/* one for the visible name does */
	kdbus_match_init(&b, 0, 2);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_NAME, "org.sec.visible");
	kdbus_cmd_finish(&b);
	ASSERT_EQ(0, kdbus_ioctl(sb.fd, KDBUS_CMD_MATCH_ADD, b.data));
	args.cookie = 5;
	ASSERT_EQ(0, kdbus_send(&owner, KDBUS_DST_ID_BROADCAST, &args));
	ASSERT_EQ(0, kdbus_recv(&sb, 0, 0, &m, NULL));
	EXPECT_EQ(5, m->cookie);
	kdbus_msg_free(&sb, m);

	/* releasing: a hidden name is nobody's, a visible one somebody's */
	EXPECT_EQ(-ESRCH, kdbus_name_release(&sb, "org.sec.hidden"));
	EXPECT_EQ(-EADDRINUSE, kdbus_name_release(&sb, "org.sec.visible"));

	kdbus_conn_close(&sb);
	kdbus_conn_close(&owner);
	close(maker);
}

/*
 * A page whose first touch faults into userfaultfd and waits there until
 * the test serves it: what a FUSE mapping whose server never answers does
 * to the kernel. Returns the userfaultfd, or -errno.
 */
static int stuck_page(void **mem)
{
	struct uffdio_api api = { .api = UFFD_API };
	long page = sysconf(_SC_PAGESIZE);
	struct uffdio_register reg = { 0 };
	int uffd;

	uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0)
		return -errno;
	*mem = mmap(NULL, page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	reg.range.start = (uintptr_t)*mem;
	reg.range.len = page;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (*mem == MAP_FAILED || ioctl(uffd, UFFDIO_API, &api) ||
	    ioctl(uffd, UFFDIO_REGISTER, &reg)) {
		close(uffd);
		return -EIO;
	}
	return uffd;
}

/* wait until somebody is stuck on the page: 0, or -ETIMEDOUT */
static int wait_stuck(int uffd)
{
	struct pollfd p = { .fd = uffd, .events = POLLIN };

	return poll(&p, 1, 10000) == 1 ? 0 : -ETIMEDOUT;
}

/* serve the fault with a copy of @src (a page), or zeros if NULL */
static int unstick(int uffd, void *mem, const void *src)
{
	long page = sysconf(_SC_PAGESIZE);
	struct uffdio_zeropage zero = { 0 };
	struct uffdio_copy copy = { 0 };

	if (!src) {
		zero.range.start = (uintptr_t)mem;
		zero.range.len = page;
		return ioctl(uffd, UFFDIO_ZEROPAGE, &zero);
	}
	copy.dst = (uintptr_t)mem;
	copy.src = (uintptr_t)src;
	copy.len = page;
	return ioctl(uffd, UFFDIO_COPY, &copy);
}

static void *close_fd(void *arg)
{
	close(*(int *)arg);
	return NULL;
}

/*
 * Close @fd in another thread: 0 if that returned (and was joined) within
 * 5 s, else the thread is still to be joined.
 */
static int close_within_5s(int fd, pthread_t *thread)
{
	static int fd_arg;
	struct timespec t;

	fd_arg = fd;
	if (pthread_create(thread, NULL, close_fd, &fd_arg))
		return -EAGAIN;
	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += 5;
	return -pthread_timedjoin_np(*thread, NULL, &t);
}

struct stalled {
	struct kdbus_conn *a;
	uint64_t to;
	void *payload;
	uint64_t mask[8];
	int ret;
};

/* a broadcast whose payload faults and is not served for now */
static void *stalled_broadcast(void *arg)
{
	struct kdbus_send_args args = KDBUS_SEND_ARGS_INIT;
	struct stalled *st = arg;

	args.flags = KDBUS_MSG_SIGNAL;
	args.cookie = 9;
	args.data = st->payload;
	args.size = 64;
	args.bloom = st->mask;
	args.bloom_size = sizeof(st->mask);
	st->ret = kdbus_send(st->a, KDBUS_DST_ID_BROADCAST, &args);
	return NULL;
}

TEST_F(sec, a_payload_that_never_faults_in_stalls_only_its_sender)
{
	struct kdbus_send_args args = KDBUS_SEND_ARGS_INIT;
	long page = sysconf(_SC_PAGESIZE);
	struct stalled st = { .a = &self->a };
	struct kdbus_conn mon, b;
	pthread_t thread;
	uint64_t t0;
	int uffd;

	uffd = stuck_page(&st.payload);
	if (uffd < 0)
		SKIP(return, "no userfaultfd for this user (%s)",
		     strerror(-uffd));
	memset(st.mask, 0xff, sizeof(st.mask));

	/* nobody matches the broadcast: the monitor's copy faults first */
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, KDBUS_HELLO_MONITOR,
				 KDBUS_TEST_POOL_SIZE, &mon));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE, &b));
	ASSERT_EQ(0, pthread_create(&thread, NULL, stalled_broadcast, &st));
	ASSERT_EQ(0, wait_stuck(uffd));

	/* another sender, whose message the monitor sees too, is not held */
	t0 = kdbus_now_ns();
	args.cookie = 10;
	EXPECT_EQ(0, kdbus_send(&b, self->a.id, &args));
	EXPECT_LT(kdbus_now_ns() - t0, 5000000000ULL);

	/* serve the fault: the stalled broadcast completes */
	EXPECT_EQ(0, unstick(uffd, st.payload, NULL));
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ(0, st.ret);
	kdbus_conn_close(&b);
	kdbus_conn_close(&mon);
	close(uffd);
	munmap(st.payload, page);
}

/* a unicast to @st->to whose payload faults */
static void *stalled_unicast(void *arg)
{
	struct kdbus_send_args args = KDBUS_SEND_ARGS_INIT;
	struct stalled *st = arg;

	args.cookie = 11;
	args.data = st->payload;
	args.size = 64;
	st->ret = kdbus_send(st->a, st->to, &args);
	return NULL;
}

/*
 * The bus owner's close() disconnects everyone; it must not wait for a
 * sender stuck in a page fault (before, it hung in D state until the
 * fault was served). The sender's own disconnection finishes when its
 * SEND returns.
 */
TEST_F(sec, the_bus_owner_leaves_while_a_sender_is_stuck_in_a_fault)
{
	long page = sysconf(_SC_PAGESIZE);
	struct stalled st = { .a = &self->a, .to = self->watcher.id };
	pthread_t sender, closer;
	int uffd, closed;

	uffd = stuck_page(&st.payload);
	if (uffd < 0)
		SKIP(return, "no userfaultfd for this user (%s)",
		     strerror(-uffd));
	ASSERT_EQ(0, pthread_create(&sender, NULL, stalled_unicast, &st));
	ASSERT_EQ(0, wait_stuck(uffd));

	closed = close_within_5s(self->bus.control, &closer);
	EXPECT_EQ(0, closed);
	self->bus.control = -1;
	/* the other connection is gone at once */
	EXPECT_EQ(-ECONNRESET, kdbus_recv(&self->watcher, 0, 0, NULL, NULL));

	EXPECT_EQ(0, unstick(uffd, st.payload, NULL));
	ASSERT_EQ(0, pthread_join(sender, NULL));
	if (closed)
		ASSERT_EQ(0, pthread_join(closer, NULL));
	/* and the sender's, once its SEND is over */
	EXPECT_EQ(-ECONNRESET, kdbus_recv(&self->a, 0, 0, NULL, NULL));
	close(uffd);
	munmap(st.payload, page);
}

struct stalled_hello {
	int fd;
	void *cmd;
	int ret;
};

static void *stalled_hello(void *arg)
{
	struct stalled_hello *sh = arg;

	sh->ret = kdbus_ioctl(sh->fd, KDBUS_CMD_HELLO, sh->cmd);
	return NULL;
}

/*
 * A HELLO whose command faults held the endpoint active, and the bus
 * owner's close() waited for it. Now it holds nothing while it reads user
 * memory, and when it gets on, the bus is gone.
 */
TEST_F(sec, the_bus_owner_leaves_while_a_hello_is_stuck_in_a_fault)
{
	long page = sysconf(_SC_PAGESIZE);
	struct stalled_hello sh = { .ret = 1 };
	pthread_t hello, closer;
	struct kdbus_cmd_buf b;
	uint8_t *src;
	int uffd, closed;

	uffd = stuck_page(&sh.cmd);
	if (uffd < 0)
		SKIP(return, "no userfaultfd for this user (%s)",
		     strerror(-uffd));
	sh.fd = open(self->bus.ep, O_RDWR | O_CLOEXEC);
	ASSERT_GE(sh.fd, 0);
	ASSERT_EQ(0, pthread_create(&hello, NULL, stalled_hello, &sh));
	ASSERT_EQ(0, wait_stuck(uffd));

	closed = close_within_5s(self->bus.control, &closer);
	EXPECT_EQ(0, closed);
	self->bus.control = -1;

	/* the command the page holds once served: a valid HELLO */
	src = calloc(1, page);
	ASSERT_NE(NULL, src);
	kdbus_hello_init(&b, 0, KDBUS_TEST_POOL_SIZE);
	kdbus_cmd_finish(&b);
	memcpy(src, b.data, b.size);
	EXPECT_EQ(0, unstick(uffd, sh.cmd, src));
	ASSERT_EQ(0, pthread_join(hello, NULL));
	if (closed)
		ASSERT_EQ(0, pthread_join(closer, NULL));
	EXPECT_EQ(-ESHUTDOWN, sh.ret);
	close(sh.fd);
	free(src);
	close(uffd);
	munmap(sh.cmd, page);
}

TEST_F(sec, traffic_to_ones_own_connections_is_bounded)
{
	struct kdbus_send_args args = KDBUS_SEND_ARGS_INIT;
	struct kdbus_conn own;
	int i, ret = 0;

	/* the same user (root) on both sides: a quota all the same */
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE, &own));
	for (i = 0; i < KDBUS_CONN_MAX_MSGS + 10; i++) {
		args.cookie = i + 1;
		ret = kdbus_send(&self->a, own.id, &args);
		if (ret)
			break;
	}
	EXPECT_EQ(-ENOBUFS, ret);
	EXPECT_EQ(KDBUS_CONN_MAX_MSGS, i);
	/* one taken off the queue gives one back */
	EXPECT_EQ(0, kdbus_recv(&own, KDBUS_RECV_DROP, 0, NULL, NULL));
	EXPECT_EQ(0, kdbus_send(&self->a, own.id, &args));
	kdbus_conn_close(&own);
}

TEST_F(sec, notifications_nobody_reads_are_bounded_and_counted)
{
	struct kdbus_cmd_recv r;
	struct kdbus_conn c;
	int i, queued = 0;

	/* the watcher never reads while peers come and go */
	for (i = 0; i < KDBUS_CONN_MAX_MSGS; i++) {
		ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, 16 * 4096, &c));
		kdbus_conn_close(&c);
	}
	/* the kernel's quota at it: what did not fit is counted as lost */
	ASSERT_EQ(0, kdbus_recv(&self->watcher, KDBUS_RECV_DROP, 0, NULL, &r));
	EXPECT_TRUE(r.return_flags & KDBUS_RECV_RETURN_DROPPED_MSGS);
	EXPECT_EQ(KDBUS_CONN_MAX_MSGS, r.dropped_msgs);
	queued = 1;
	while (kdbus_recv(&self->watcher, KDBUS_RECV_DROP, 0, NULL, NULL) == 0)
		queued++;
	EXPECT_EQ(KDBUS_CONN_MAX_MSGS, queued);
}

TEST(a_disconnected_connection_keeps_its_slot_while_it_lives)
{
	struct kdbus_conn c[3];
	struct kdbus_test_bus bus;

	/* two connections per user; a third only once one is really gone */
	ASSERT_EQ(0, kdbus_test_bus_make_opts(&bus, "max_connections=2"));
	ASSERT_EQ(0, kdbus_hello(bus.ep, 0, KDBUS_TEST_POOL_SIZE, &c[0]));
	ASSERT_EQ(0, kdbus_hello(bus.ep, 0, KDBUS_TEST_POOL_SIZE, &c[1]));
	/* BYEBYE, the file kept open: its pool lives, and is charged */
	ASSERT_EQ(0, kdbus_byebye(&c[0]));
	EXPECT_EQ(-EMFILE, kdbus_hello(bus.ep, 0, KDBUS_TEST_POOL_SIZE,
				       &c[2]));
	kdbus_conn_close(&c[0]);
	EXPECT_EQ(0, kdbus_hello(bus.ep, 0, KDBUS_TEST_POOL_SIZE, &c[2]));
	kdbus_conn_close(&c[1]);
	kdbus_conn_close(&c[2]);
	kdbus_test_bus_close(&bus);
}

/*
 * Passed files are installed as SCM_RIGHTS installs them (receive_fd()),
 * so that the LSMs decide on each (security_file_receive()); fd_install()
 * alone skipped them. Seen with a kprobe event where the kernel has them.
 */
TEST_F(sec, passed_files_go_through_the_lsm_receive_hook)
{
	struct kdbus_item *item;
	struct kdbus_msg *m;
	int fd, ret;

	ret = kdbus_kprobe_add("security_file_receive");
	if (ret)
		SKIP(return, "no kprobe events here (%s)", strerror(-ret));
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, send_fd(&self->watcher, self->a.id, fd));
	close(fd);
	/* queueing installs nothing */
	EXPECT_EQ(0, kdbus_kprobe_hits("security_file_receive"));
	ASSERT_EQ(0, kdbus_recv(&self->a, 0, 0, &m, NULL));
	EXPECT_EQ(1, kdbus_kprobe_hits("security_file_receive"));
	kdbus_kprobe_remove("security_file_receive");
	item = kdbus_item_find(m->items, (uint8_t *)m + m->size,
			       KDBUS_ITEM_FDS);
	ASSERT_NE(NULL, item);
	EXPECT_GE(item->fds[0], 0);
	close(item->fds[0]);
	kdbus_msg_free(&self->a, m);
}

/*
 * LIST built its answer in a kernel buffer (kvrealloc()) sized by every
 * name on the bus, charged to nobody; it now writes into the caller's
 * pool, and grows no buffer with the bus. Seen with a kprobe event on
 * kvrealloc() where the kernel has them.
 */
TEST_F(sec, list_allocates_no_buffer_for_its_answer)
{
	struct kdbus_info *list;
	char name[64];
	size_t size;
	int i, ret;

	for (i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "org.sec.list.n%d", i);
		ASSERT_EQ(0, kdbus_name_acquire(&self->a, name, 0, NULL));
	}
	ret = kdbus_kprobe_add("kvrealloc_noprof");
	if (ret)
		SKIP(return, "no kprobe events here (%s)", strerror(-ret));
	/* the test's own kdbus_list() copies with malloc(), no kernel call */
	ASSERT_EQ(0, kdbus_list(&self->a, KDBUS_LIST_NAMES, &list, &size));
	EXPECT_EQ(0, kdbus_kprobe_hits("kvrealloc_noprof"));
	kdbus_kprobe_remove("kvrealloc_noprof");
	/* and the answer is whole */
	EXPECT_TRUE(kdbus_list_has(list, size, self->a.id,
				   "org.sec.list.n199", NULL));
	free(list);
}

TEST(custom_endpoints_are_charged_to_their_maker)
{
	struct kdbus_test_bus bus;
	struct kdbus_cmd_buf b;
	char name[64];
	int fd[17], i;

	ASSERT_EQ(0, kdbus_test_bus_make(&bus));
	for (i = 0; i < 17; i++) {
		fd[i] = open(bus.ep, O_RDWR | O_CLOEXEC);
		ASSERT_GE(fd[i], 0);
		snprintf(name, sizeof(name), "%u-ep%d", geteuid(), i);
		kdbus_cmd_init(&b, 0);
		kdbus_cmd_add_str(&b, KDBUS_ITEM_MAKE_NAME, name);
		kdbus_cmd_finish(&b);
		/* 16 per user and domain */
		EXPECT_EQ(i < 16 ? 0 : -EMFILE,
			  kdbus_ioctl(fd[i], KDBUS_CMD_ENDPOINT_MAKE, b.data));
	}
	/* one gone, the slot is free again */
	close(fd[0]);
	EXPECT_EQ(0, kdbus_ioctl(fd[16], KDBUS_CMD_ENDPOINT_MAKE, b.data));
	for (i = 1; i < 17; i++)
		close(fd[i]);
	kdbus_test_bus_close(&bus);
}

#define KDBUSFS_PARAMS "/sys/module/kdbusfs/parameters/"

/* set a module parameter, remembering the old value in @old: 0 or -errno */
static int set_param(const char *name, unsigned int v, unsigned int *old)
{
	char path[128], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), KDBUSFS_PARAMS "%s", name);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n > 0 && old) {
		buf[n] = 0;
		*old = strtoul(buf, NULL, 10);
	}
	snprintf(buf, sizeof(buf), "%u\n", v);
	n = pwrite(fd, buf, strlen(buf), 0);
	close(fd);
	return n < 0 ? -errno : 0;
}

/*
 * The per-user limits hold for all mounts of a kernel user together:
 * making more mounts does not lift them.
 */
TEST(connection_limits_hold_across_mounts)
{
	struct kdbus_test_bus one, two;
	struct kdbus_conn c[4];
	unsigned int old;
	int ret;

	ret = set_param("max_user_connections", 3, &old);
	if (ret)
		SKIP(return, "cannot set the module's limits (%s)",
		     strerror(-ret));
	ASSERT_EQ(0, kdbus_test_bus_make(&one));
	ASSERT_EQ(0, kdbus_test_bus_make(&two));
	EXPECT_EQ(0, kdbus_hello(one.ep, 0, KDBUS_TEST_POOL_SIZE, &c[0]));
	EXPECT_EQ(0, kdbus_hello(one.ep, 0, KDBUS_TEST_POOL_SIZE, &c[1]));
	EXPECT_EQ(0, kdbus_hello(two.ep, 0, KDBUS_TEST_POOL_SIZE, &c[2]));
	/* each mount allows 256; all of them together 3 */
	EXPECT_EQ(-EMFILE, kdbus_hello(two.ep, 0, KDBUS_TEST_POOL_SIZE,
				       &c[3]));
	kdbus_conn_close(&c[0]);
	EXPECT_EQ(0, kdbus_hello(two.ep, 0, KDBUS_TEST_POOL_SIZE, &c[3]));
	kdbus_conn_close(&c[1]);
	kdbus_conn_close(&c[2]);
	kdbus_conn_close(&c[3]);
	kdbus_test_bus_close(&one);
	kdbus_test_bus_close(&two);
	EXPECT_EQ(0, set_param("max_user_connections", old, NULL));
}

TEST(mounts_are_bounded_per_user)
{
	char dir[8][64];
	unsigned int old;
	int i, n = 0, ret;

	ret = set_param("max_user_mounts", 4, &old);
	if (ret)
		SKIP(return, "cannot set the module's limits (%s)",
		     strerror(-ret));
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, kdbus_mkdtemp(dir[i], sizeof(dir[i])));
		ret = kdbus_mount(dir[i], NULL);
		if (ret)
			break;
		n++;
	}
	/* the fifth at the latest is refused */
	EXPECT_EQ(-EMFILE, ret);
	EXPECT_GE(n, 1);
	EXPECT_LE(n, 4);
	if (n > 0) {
		/* one unmounted, one more may come */
		kdbus_umount(dir[0]);
		EXPECT_EQ(0, kdbus_mount(dir[0], NULL));
	}
	for (i = 0; i < n; i++)
		kdbus_umount(dir[i]);
	for (i = 0; i < 8 && i <= n; i++)
		rmdir(dir[i]);
	EXPECT_EQ(0, set_param("max_user_mounts", old, NULL));
}

/*
 * Presented identities. A proxy (the D-Bus bridge) opens the endpoint
 * file as its client, keeping CAP_IPC_OWNER alone, which HELLO needs to
 * take KDBUS_ITEM_PIDS or KDBUS_ITEM_CREDS. The connection is privileged
 * exactly when the presented euid is by the uid rule alone, the bus
 * owner's on a default endpoint, never by that capability. Owning a
 * name on a bus without any policy shows it: only privileged connections
 * may.
 */
#define PRESENT_NONE	((uint64_t)-1)

struct presenter {
	const char *ep;
	uid_t uid;		/* uids and gids of the opener; -1: root's own */
	bool pids;		/* HELLO presents this process's pids */
	uint64_t creds;		/* ... and these ids in CREDS, or PRESENT_NONE */
	bool no_cap;		/* the opener keeps no capability at all */
};

/* become @uid (gid too), with CAP_IPC_OWNER as the only capability */
static int become_keeping_ipc_owner(uid_t uid)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3] = {};

	caps[CAP_TO_INDEX(CAP_IPC_OWNER)].effective =
		CAP_TO_MASK(CAP_IPC_OWNER);
	caps[CAP_TO_INDEX(CAP_IPC_OWNER)].permitted =
		CAP_TO_MASK(CAP_IPC_OWNER);
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 ||
	    setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 ||
	    setresuid(uid, uid, uid) < 0 ||
	    syscall(SYS_capset, &hdr, caps) < 0)
		return -errno;
	return 0;
}

/*
 * HELLO as @arg says, then own a name: 0, or the errno (EPERM); 12 if
 * HELLO itself failed
 */
static int present_and_own(void *arg, int sock)
{
	const struct presenter *p = arg;
	uint64_t id = p->creds;
	struct kdbus_creds creds;
	struct kdbus_pids pids;
	struct kdbus_cmd_hello *hello;
	struct kdbus_cmd_buf b;
	struct kdbus_conn c;
	int fd;

	if (p->no_cap && kdbus_drop_to(p->uid, p->uid))
		return KDBUS_CHILD_DROP_FAILED;
	if (!p->no_cap && p->uid != (uid_t)-1 &&
	    become_keeping_ipc_owner(p->uid))
		return KDBUS_CHILD_DROP_FAILED;
	fd = open(p->ep, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 11;
	kdbus_presented_ids(id, &creds, &pids);
	hello = kdbus_hello_init(&b, 0, KDBUS_TEST_POOL_SIZE);
	hello->attach_flags_send = _KDBUS_ATTACH_ANY;
	if (id != PRESENT_NONE)
		kdbus_cmd_add(&b, KDBUS_ITEM_CREDS, &creds, sizeof(creds));
	if (p->pids)
		kdbus_cmd_add(&b, KDBUS_ITEM_PIDS, &pids, sizeof(pids));
	if (kdbus_hello_cmd(fd, &b, &c))
		return 12;
	return -kdbus_name_acquire(&c, "org.sec.Presented", 0, NULL);
}

static int presents(const char *ep, uid_t uid, bool pids, uint64_t creds)
{
	struct presenter p = {
		.ep = ep, .uid = uid, .pids = pids, .creds = creds,
	};

	return kdbus_run(present_and_own, &p);
}

/*
 * A world-accessible bus of KDBUS_TEST_UID on the mount of @bus, made
 * through a control file it opened (kept open in *@control, the bus
 * lives with it); its endpoint's path in @ep
 */
static int users_bus(struct kdbus_test_bus *bus, char *ep, size_t size,
		     int *control)
{
	char path[256], name[64];
	int ret;

	snprintf(path, sizeof(path), "%s/control", bus->dir);
	*control = kdbus_open_as(KDBUS_TEST_UID, KDBUS_TEST_GID, path);
	if (*control < 0)
		return *control;
	snprintf(name, sizeof(name), "%u-presented", KDBUS_TEST_UID);
	ret = kdbus_bus_make(*control, KDBUS_MAKE_ACCESS_WORLD, name);
	if (ret) {
		close(*control);
		return ret;
	}
	snprintf(ep, size, "%s/%s/bus", bus->dir, name);
	return 0;
}

TEST_F(sec, a_proxys_capability_lends_a_presented_client_no_privilege)
{
	char ep[256];
	int control;

	ASSERT_EQ(0, users_bus(&self->bus, ep, sizeof(ep), &control));
	/* uid 2000 with CAP_IPC_OWNER is privileged on its own */
	EXPECT_EQ(0, presents(ep, 2000, false, PRESENT_NONE));
	/* presenting its pid, it is uid 2000, not the bus owner: not */
	EXPECT_EQ(EPERM, presents(ep, 2000, true, PRESENT_NONE));
	/* root's every capability lends nothing either */
	EXPECT_EQ(EPERM, presents(ep, -1, true, PRESENT_NONE));
	close(control);
}

TEST_F(sec, the_bus_owners_uid_stays_privileged_when_presented)
{
	char ep[256];
	int control;

	ASSERT_EQ(0, users_bus(&self->bus, ep, sizeof(ep), &control));
	/* the owner's uid keeping CAP_IPC_OWNER, presenting its pid */
	EXPECT_EQ(0, presents(ep, KDBUS_TEST_UID, true, PRESENT_NONE));
	/* ... or presenting the owner's uid in CREDS too */
	EXPECT_EQ(0, presents(ep, KDBUS_TEST_UID, true, KDBUS_TEST_UID));
	/* root's own bus: root presenting its pid owns, as root would */
	EXPECT_EQ(0, presents(self->bus.ep, -1, true, PRESENT_NONE));
	close(control);
}

TEST_F(sec, presenting_another_uid_from_the_owners_uid_is_unprivileged)
{
	char ep[256];
	int control;

	ASSERT_EQ(0, users_bus(&self->bus, ep, sizeof(ep), &control));
	/* the presented CREDS euid counts, not the opener's */
	EXPECT_EQ(EPERM, presents(ep, KDBUS_TEST_UID, false, 2000));
	EXPECT_EQ(EPERM, presents(ep, KDBUS_TEST_UID, true, 2000));
	/* on root's bus, root presenting uid 2000 */
	EXPECT_EQ(EPERM, presents(self->bus.ep, -1, false, 2000));
	close(control);
}

/* a sandbox's proxy presents its clients there, unprivileged */
TEST_F(sec, a_custom_endpoint_takes_a_presented_identity_unprivileged)
{
	struct presenter nocap = {
		.uid = 2000, .pids = true, .creds = PRESENT_NONE,
		.no_cap = true,
	};
	char path[256];
	int maker;

	ASSERT_EQ(0, sandbox_ep(&self->bus, "org.sec.Talk", &maker, path,
				sizeof(path)));
	/* HELLO takes the pids; owning is the endpoint's policy: none */
	EXPECT_EQ(EPERM, presents(path, -1, true, PRESENT_NONE));
	EXPECT_EQ(EPERM, presents(path, 2000, true, PRESENT_NONE));
	EXPECT_EQ(EPERM, presents(path, -1, true, 2000));
	/* ... and the bus owner presented there is no owner either */
	EXPECT_EQ(EPERM, presents(path, -1, true, 0));
	/* an opener without CAP_IPC_OWNER may not present at all */
	nocap.ep = path;
	EXPECT_EQ(12, kdbus_run(present_and_own, &nocap));
	nocap.pids = false;
	EXPECT_EQ(EPERM, kdbus_run(present_and_own, &nocap));
	close(maker);
}

TEST_HARNESS_MAIN
