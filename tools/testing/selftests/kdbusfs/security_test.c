// SPDX-License-Identifier: GPL-2.0
/*
 * Findings of the security review: files that could hold the message that
 * holds them, notifications about connections nobody was told of.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
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
	if (ring < 0 && (errno == ENOSYS || errno == EPERM))
		SKIP(return, "io_uring is not available here (%s)",
		     strerror(errno));
	ASSERT_GE(ring, 0);
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

TEST_HARNESS_MAIN
