// SPDX-License-Identifier: GPL-2.0
/*
 * HELLO, BYEBYE, FREE, the receive pool and poll(): connections and the
 * rule that a connection is its endpoint file's opener.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "kdbus_util.h"

FIXTURE(conn) {
	struct kdbus_test_bus bus;
};

FIXTURE_SETUP(conn)
{
	ASSERT_EQ(0, kdbus_test_bus_make(&self->bus));
}

FIXTURE_TEARDOWN(conn)
{
	kdbus_test_bus_close(&self->bus);
}

TEST_F(conn, hello_assigns_ids_and_returns_bus_info)
{
	struct kdbus_cmd_hello hello = {
		.size = sizeof(hello),
		.pool_size = KDBUS_TEST_POOL_SIZE,
	};
	struct kdbus_cmd_hello hello2 = hello;
	struct kdbus_item *item;
	uint8_t *pool;
	int fd, fd2, i, nonzero = 0;

	fd = open(self->bus.ep, O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	fd2 = open(self->bus.ep, O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd2, 0);
	ASSERT_EQ(0, kdbus_ioctl(fd, KDBUS_CMD_HELLO, &hello));
	ASSERT_EQ(0, kdbus_ioctl(fd2, KDBUS_CMD_HELLO, &hello2));
	EXPECT_EQ(1, hello.id);
	EXPECT_EQ(2, hello2.id);
	EXPECT_EQ(KDBUS_MAKE_ACCESS_WORLD, hello.bus_flags);
	EXPECT_EQ(0, memcmp(hello.id128, hello2.id128, 16));
	for (i = 0; i < 16; i++)
		nonzero |= hello.id128[i];
	EXPECT_NE(0, nonzero);

	/* the bus's bloom parameters wait in the pool */
	pool = mmap(NULL, KDBUS_TEST_POOL_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, pool);
	ASSERT_GE(hello.items_size, KDBUS_ITEM_SIZE(16));
	item = (struct kdbus_item *)(pool + hello.offset);
	EXPECT_EQ(KDBUS_ITEM_BLOOM_PARAMETER, item->type);
	EXPECT_EQ(64, item->bloom_parameter.size);
	EXPECT_EQ(1, item->bloom_parameter.n_hash);

	{
		struct kdbus_cmd_free f = {
			.size = sizeof(f), .offset = hello.offset,
		};

		EXPECT_EQ(0, kdbus_ioctl(fd, KDBUS_CMD_FREE, &f));
		/* freeing twice, or an offset that was never handed out */
		EXPECT_EQ(-ENXIO, kdbus_ioctl(fd, KDBUS_CMD_FREE, &f));
		f.offset = 8;
		EXPECT_EQ(-ENXIO, kdbus_ioctl(fd, KDBUS_CMD_FREE, &f));
	}
	munmap(pool, KDBUS_TEST_POOL_SIZE);
	close(fd);
	close(fd2);
}

TEST_F(conn, hello_refuses_bad_pool_sizes_flags_and_items)
{
	struct kdbus_cmd_hello hello = { .size = sizeof(hello) };
	int fd;

	fd = open(self->bus.ep, O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);

	hello.pool_size = 0;
	EXPECT_EQ(-EINVAL, kdbus_ioctl(fd, KDBUS_CMD_HELLO, &hello));
	hello.pool_size = 4096 + 8;
	EXPECT_EQ(-EINVAL, kdbus_ioctl(fd, KDBUS_CMD_HELLO, &hello));
	hello.pool_size = 2ULL * KDBUS_POOL_MAX_SIZE;
	EXPECT_EQ(-EINVAL, kdbus_ioctl(fd, KDBUS_CMD_HELLO, &hello));

	hello.pool_size = KDBUS_TEST_POOL_SIZE;
	hello.flags = 1ULL << 20;
	EXPECT_EQ(-EINVAL, kdbus_ioctl(fd, KDBUS_CMD_HELLO, &hello));
	hello.flags = 0;
	hello.attach_flags_send = 1ULL << 40;
	EXPECT_EQ(-EINVAL, kdbus_ioctl(fd, KDBUS_CMD_HELLO, &hello));
	hello.attach_flags_send = 0;
	hello.attach_flags_recv = 1ULL << 40;
	EXPECT_EQ(-EINVAL, kdbus_ioctl(fd, KDBUS_CMD_HELLO, &hello));
	hello.attach_flags_recv = 0;

	/* an activator needs its name; a monitor cannot be one */
	hello.flags = KDBUS_HELLO_ACTIVATOR;
	EXPECT_EQ(-EINVAL, kdbus_ioctl(fd, KDBUS_CMD_HELLO, &hello));
	hello.flags = KDBUS_HELLO_ACTIVATOR | KDBUS_HELLO_MONITOR;
	EXPECT_EQ(-EINVAL, kdbus_ioctl(fd, KDBUS_CMD_HELLO, &hello));

	/* negotiation answers the supported flags and connects nothing */
	hello.flags = KDBUS_FLAG_NEGOTIATE;
	EXPECT_EQ(0, kdbus_ioctl(fd, KDBUS_CMD_HELLO, &hello));
	EXPECT_EQ(KDBUS_HELLO_ACCEPT_FD | KDBUS_HELLO_ACTIVATOR |
		  KDBUS_HELLO_POLICY_HOLDER | KDBUS_HELLO_MONITOR, hello.flags);

	/* after all that the fd still connects, once */
	hello.flags = 0;
	EXPECT_EQ(0, kdbus_ioctl(fd, KDBUS_CMD_HELLO, &hello));
	EXPECT_EQ(-EBADFD, kdbus_ioctl(fd, KDBUS_CMD_HELLO, &hello));
	close(fd);
}

TEST_F(conn, commands_before_hello_are_refused)
{
	struct kdbus_cmd_recv recv = { .size = sizeof(recv) };
	struct kdbus_cmd cmd = { .size = sizeof(cmd) };
	void *p;
	int fd;

	fd = open(self->bus.ep, O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(-EBADFD, kdbus_ioctl(fd, KDBUS_CMD_RECV, &recv));
	EXPECT_EQ(-EBADFD, kdbus_ioctl(fd, KDBUS_CMD_BYEBYE, &cmd));
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EPERM, errno);
	close(fd);
}

TEST_F(conn, pool_maps_read_only_and_within_its_size)
{
	struct kdbus_conn c;
	void *p;

	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, 64 * 1024, &c));

	p = mmap(NULL, 64 * 1024, PROT_READ | PROT_WRITE, MAP_SHARED, c.fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EPERM, errno);
	p = mmap(NULL, 64 * 1024, PROT_READ | PROT_WRITE, MAP_PRIVATE, c.fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	/* the read-only mapping cannot be made writable */
	EXPECT_EQ(-1, mprotect(c.pool, 4096, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);

	p = mmap(NULL, 128 * 1024, PROT_READ, MAP_SHARED, c.fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EFAULT, errno);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, c.fd, 64 * 1024);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EFAULT, errno);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, c.fd, 60 * 1024);
	EXPECT_NE(MAP_FAILED, p);
	munmap(p, 4096);
	kdbus_conn_close(&c);
}

TEST_F(conn, byebye_refuses_with_queued_messages_and_then_disconnects)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	struct kdbus_conn c1, c2;
	struct kdbus_msg *msg;
	struct pollfd pfd;

	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE, &c1));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE, &c2));

	a.cookie = 1;
	a.data = "x";
	a.size = 1;
	ASSERT_EQ(0, kdbus_send(&c1, c2.id, &a));
	EXPECT_EQ(-EBUSY, kdbus_byebye(&c2));

	/* nothing was lost: the message is still there */
	ASSERT_EQ(0, kdbus_recv(&c2, 0, 0, &msg, NULL));
	EXPECT_EQ(1, msg->cookie);
	EXPECT_EQ(0, kdbus_msg_free(&c2, msg));

	EXPECT_EQ(0, kdbus_byebye(&c2));
	EXPECT_EQ(-ECONNRESET, kdbus_byebye(&c2));
	EXPECT_EQ(-ECONNRESET, kdbus_recv(&c2, 0, 0, NULL, NULL));
	EXPECT_EQ(-ENXIO, kdbus_send(&c1, c2.id, &a));

	pfd.fd = c2.fd;
	pfd.events = POLLIN | POLLOUT;
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_TRUE(pfd.revents & POLLHUP);
	kdbus_conn_close(&c1);
	kdbus_conn_close(&c2);
}

TEST_F(conn, poll_reports_writable_readable_and_hangup)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	struct kdbus_conn c1, c2;
	struct pollfd pfd;

	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE, &c1));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE, &c2));

	pfd.fd = c2.fd;
	pfd.events = POLLIN | POLLOUT;
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLOUT, pfd.revents);

	a.data = "x";
	a.size = 1;
	ASSERT_EQ(0, kdbus_send(&c1, c2.id, &a));
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLIN | POLLOUT, pfd.revents);

	/* the bus goes away: every connection hangs up */
	close(self->bus.control);
	self->bus.control = -1;
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_TRUE(pfd.revents & POLLHUP);
	EXPECT_EQ(-ECONNRESET, kdbus_send(&c1, c2.id, &a));
	kdbus_conn_close(&c1);
	kdbus_conn_close(&c2);
}

TEST_F(conn, hello_after_bus_shutdown_fails)
{
	struct kdbus_conn c;
	int fd;

	fd = open(self->bus.ep, O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	close(self->bus.control);
	self->bus.control = -1;
	EXPECT_EQ(-ESHUTDOWN, kdbus_hello_fd(fd, 0, KDBUS_TEST_POOL_SIZE, &c));
	close(fd);
}

TEST(connection_limit_per_user)
{
	struct kdbus_test_bus bus;
	struct kdbus_conn c[3];

	ASSERT_EQ(0, kdbus_test_bus_make_opts(&bus, "max_connections=2"));

	ASSERT_EQ(0, kdbus_hello(bus.ep, 0, 4096, &c[0]));
	ASSERT_EQ(0, kdbus_hello(bus.ep, 0, 4096, &c[1]));
	EXPECT_EQ(-EMFILE, kdbus_hello(bus.ep, 0, 4096, &c[2]));
	kdbus_conn_close(&c[0]);
	EXPECT_EQ(0, kdbus_hello(bus.ep, 0, 4096, &c[2]));
	kdbus_conn_close(&c[1]);
	kdbus_conn_close(&c[2]);
	kdbus_test_bus_close(&bus);
}

/*
 * A connection is its opener: an endpoint fd opened by an unprivileged
 * user and said HELLO on by root is an unprivileged connection of that
 * user, and the reverse.
 */
TEST_F(conn, connection_fd_passed_to_root_keeps_its_openers_identity)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	struct kdbus_conn root, user_conn, peer;
	int fd;

	ASSERT_EQ(0, geteuid());
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE, &root));
	fd = kdbus_open_as(KDBUS_TEST_UID, KDBUS_TEST_GID, self->bus.ep);
	ASSERT_GE(fd, 0);

	/* root says HELLO on the unprivileged user's fd */
	ASSERT_EQ(0, kdbus_hello_fd(fd, 0, KDBUS_TEST_POOL_SIZE, &user_conn));

	/* it may not talk to another user's connection */
	a.data = "x";
	a.size = 1;
	EXPECT_EQ(-EPERM, kdbus_send(&user_conn, root.id, &a));
	/* while root's own connection may talk to it */
	EXPECT_EQ(0, kdbus_send(&root, user_conn.id, &a));

	/* a root-opened fd said HELLO on by the same root stays privileged */
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE, &peer));
	EXPECT_EQ(0, kdbus_send(&peer, user_conn.id, &a));

	kdbus_conn_close(&user_conn);
	kdbus_conn_close(&root);
	kdbus_conn_close(&peer);
}

/* As the test user: HELLO on the fd that comes, send to *@arg with it. */
static int send_on_roots_fd(void *arg, int sock)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	const uint64_t *target = arg;
	struct kdbus_conn c;
	int fd;

	fd = kdbus_recv_fd(sock);
	if (fd < 0)
		return 11;
	if (kdbus_hello_fd(fd, 0, KDBUS_TEST_POOL_SIZE, &c))
		return 12;
	a.data = "y";
	a.size = 1;
	/* root's connection, in uid 1000's hands, talks to root */
	return kdbus_send(&c, *target, &a) ? 13 : 0;
}

TEST_F(conn, connection_fd_passed_to_unprivileged_stays_privileged)
{
	struct kdbus_conn target;
	int sock, fd;
	pid_t pid;

	ASSERT_EQ(0, geteuid());
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE,
				 &target));

	fd = open(self->bus.ep, O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);

	pid = kdbus_fork_as(KDBUS_TEST_UID, KDBUS_TEST_GID, send_on_roots_fd,
			    &target.id, &sock);
	ASSERT_GE(pid, 0);
	ASSERT_EQ(0, kdbus_send_fd(sock, fd));
	close(fd);
	EXPECT_EQ(0, kdbus_wait(pid));
	close(sock);
	kdbus_conn_close(&target);
}

/* the value of @key in the fdinfo of @fd, into @buf: 0 or -errno */
static int read_fdinfo(int fd, const char *key, char *buf, size_t size)
{
	char path[64], text[4096], *p, *end;
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	len = kdbus_read_file(path, text, sizeof(text));
	if (len < 0)
		return len;
	for (p = text; p && *p; p = end ? end + 1 : NULL) {
		end = strchr(p, '\n');
		if (strncmp(p, key, strlen(key)) || p[strlen(key)] != ':')
			continue;
		p += strlen(key) + 1;
		p += strspn(p, "\t");
		end = strchr(p, '\n');
		snprintf(buf, size, "%.*s", end ? (int)(end - p) : (int)strlen(p),
			 p);
		return 0;
	}
	return -ENOENT;
}

/* the link of @fd in /proc/self/fd, into @buf: 0 or -errno */
static int read_fd_link(int fd, char *buf, size_t size)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* fd links name the file inside its mount and never start with '/' (CRIU) */
TEST_F(conn, fd_link_names_the_file_in_its_mount)
{
	struct kdbus_conn c;
	char v[512], want[512];
	struct stat st;

	ASSERT_EQ(0, read_fd_link(self->bus.control, v, sizeof(v)));
	EXPECT_STREQ("kdbusfs:[control]", v);
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE, &c));
	ASSERT_EQ(0, read_fd_link(c.fd, v, sizeof(v)));
	snprintf(want, sizeof(want), "kdbusfs:[%s/bus]", self->bus.name);
	EXPECT_STREQ(want, v);
	/* the path itself still works */
	EXPECT_EQ(0, stat(self->bus.ep, &st));
	kdbus_conn_close(&c);
}

/* HELLO on @fd; the bus's id128 in hex into @buf */
static int hello_id128_hex(int fd, char *buf, size_t size)
{
	struct kdbus_cmd_hello h = {
		.size = sizeof(h),
		.pool_size = KDBUS_TEST_POOL_SIZE,
	};
	unsigned int i;
	int ret;

	ret = kdbus_ioctl(fd, KDBUS_CMD_HELLO, &h);
	for (i = 0; ret == 0 && i < sizeof(h.id128); i++)
		snprintf(buf + 2 * i, size - 2 * i, "%02x", h.id128[i]);
	return ret;
}

/* fdinfo tells each file's role and what it stands for (lsof, CRIU) */
TEST_F(conn, fdinfo_shows_role_ids_and_names)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	struct kdbus_conn c, d;
	char v[256], want[64];
	int fd;

	ASSERT_EQ(0, read_fdinfo(self->bus.control, "kdbus-role", v, sizeof(v)));
	EXPECT_STREQ("bus-owner", v);
	ASSERT_EQ(0, read_fdinfo(self->bus.control, "kdbus-bus", v, sizeof(v)));
	EXPECT_STREQ(self->bus.name, v);
	/* what BUS_MAKE took, for a checkpointer to make the bus again */
	ASSERT_EQ(0, read_fdinfo(self->bus.control, "kdbus-bloom", v,
				 sizeof(v)));
	EXPECT_STREQ("64 1", v);
	ASSERT_EQ(0, read_fdinfo(self->bus.control, "kdbus-bus-flags", v,
				 sizeof(v)));
	snprintf(want, sizeof(want), "0x%llx",
		 (unsigned long long)KDBUS_MAKE_ACCESS_WORLD);
	EXPECT_STREQ(want, v);
	ASSERT_EQ(0, read_fdinfo(self->bus.control, "kdbus-attach-owner", v,
				 sizeof(v)));
	EXPECT_STREQ("0x0", v);
	/* the bus's id128, as HELLO reports it */
	fd = open(self->bus.ep, O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, hello_id128_hex(fd, want, sizeof(want)));
	ASSERT_EQ(0, read_fdinfo(self->bus.control, "kdbus-bus-id128", v,
				 sizeof(v)));
	EXPECT_STREQ(want, v);
	ASSERT_EQ(0, read_fdinfo(fd, "kdbus-bus-id128", v, sizeof(v)));
	EXPECT_STREQ(want, v);
	close(fd);

	fd = open(self->bus.ep, O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, read_fdinfo(fd, "kdbus-role", v, sizeof(v)));
	EXPECT_STREQ("none", v);
	ASSERT_EQ(0, read_fdinfo(fd, "kdbus-endpoint", v, sizeof(v)));
	EXPECT_STREQ("bus", v);
	close(fd);

	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE, &c));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE, &d));
	ASSERT_EQ(0, kdbus_name_acquire(&c, "org.fdinfo.test", 0, NULL));
	a.data = "x";
	a.size = 1;
	ASSERT_EQ(0, kdbus_send(&d, c.id, &a));

	ASSERT_EQ(0, read_fdinfo(c.fd, "kdbus-role", v, sizeof(v)));
	EXPECT_STREQ("connection", v);
	ASSERT_EQ(0, read_fdinfo(c.fd, "kdbus-id", v, sizeof(v)));
	snprintf(want, sizeof(want), "%llu", (unsigned long long)c.id);
	EXPECT_STREQ(want, v);
	ASSERT_EQ(0, read_fdinfo(c.fd, "kdbus-pool-size", v, sizeof(v)));
	snprintf(want, sizeof(want), "%d", KDBUS_TEST_POOL_SIZE);
	EXPECT_STREQ(want, v);
	ASSERT_EQ(0, read_fdinfo(c.fd, "kdbus-queued", v, sizeof(v)));
	EXPECT_STREQ("1", v);
	ASSERT_EQ(0, read_fdinfo(c.fd, "kdbus-names", v, sizeof(v)));
	EXPECT_EQ(0, strncmp(v, "org.fdinfo.test:0x", 18)) {
		TH_LOG("names: %s", v);
	}
	ASSERT_EQ(0, read_fdinfo(c.fd, "kdbus-connected", v, sizeof(v)));
	EXPECT_STREQ("yes", v);
	ASSERT_EQ(0, kdbus_recv(&c, KDBUS_RECV_DROP, 0, NULL, NULL));
	ASSERT_EQ(0, kdbus_byebye(&c));
	ASSERT_EQ(0, read_fdinfo(c.fd, "kdbus-connected", v, sizeof(v)));
	EXPECT_STREQ("no", v);
	ASSERT_EQ(0, read_fdinfo(c.fd, "kdbus-names", v, sizeof(v)));
	EXPECT_STREQ("", v);
	kdbus_conn_close(&c);
	kdbus_conn_close(&d);
}

TEST_HARNESS_MAIN
