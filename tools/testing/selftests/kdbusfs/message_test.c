// SPDX-License-Identifier: GPL-2.0
/*
 * SEND and RECV: payloads, order, priorities, PEEK and DROP, full pools,
 * quotas, passed files and sealed memfds, replies and synchronous calls.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "kdbus_util.h"

#define MS	1000000ULL

/* a buffer for a message above KDBUS_MSG_MAX_SIZE */
#define BIG_MSG	(KDBUS_MSG_MAX_SIZE + 8 * 1024)

/* files in one message: one is within a user's quota, two are beyond it */
#define QUOTA_FDS	(KDBUS_CONN_MAX_FDS_PER_USER / 2 + 1)

FIXTURE(msg) {
	struct kdbus_test_bus bus;
	struct kdbus_conn a, b;
};

FIXTURE_SETUP(msg)
{
	ASSERT_EQ(0, kdbus_test_bus_make(&self->bus));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, KDBUS_HELLO_ACCEPT_FD,
				 KDBUS_TEST_POOL_SIZE, &self->a));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, KDBUS_HELLO_ACCEPT_FD,
				 KDBUS_TEST_POOL_SIZE, &self->b));
}

FIXTURE_TEARDOWN(msg)
{
	kdbus_conn_close(&self->a);
	kdbus_conn_close(&self->b);
	kdbus_test_bus_close(&self->bus);
}

static int send_bytes(struct kdbus_conn *c, uint64_t dst, uint64_t cookie,
		      const void *data, size_t size)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;

	a.cookie = cookie;
	a.data = data;
	a.size = size;
	return kdbus_send(c, dst, &a);
}

/* an asynchronous request, answered within @timeout_ms or never */
static int send_request(struct kdbus_conn *c, uint64_t dst, uint64_t cookie,
			uint64_t timeout_ms)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;

	a.flags = KDBUS_MSG_EXPECT_REPLY;
	a.cookie = cookie;
	a.timeout_ns = kdbus_now_ns() + timeout_ms * MS;
	a.data = "q";
	a.size = 1;
	return kdbus_send(c, dst, &a);
}

struct user_conn {
	const char *ep;
	uint64_t flags;
	size_t pool;
};

/* the child of spawn_user_conn(): its connection lives until a byte comes */
static int user_conn(void *arg, int sock)
{
	struct user_conn *u = arg;
	struct kdbus_conn rcv;
	char c;

	if (kdbus_hello(u->ep, u->flags, u->pool, &rcv))
		return 11;
	if (write(sock, &rcv.id, sizeof(rcv.id)) != sizeof(rcv.id))
		return 12;
	return read(sock, &c, 1) == 1 ? 0 : 13;
}

/*
 * A connection of the unprivileged test user, in a child process that
 * keeps it until a byte arrives on *@sock. Returns the child, or -1.
 */
static pid_t spawn_user_conn(const char *ep, uint64_t flags, size_t pool,
			     uint64_t *id, int *sock)
{
	struct user_conn u = { .ep = ep, .flags = flags, .pool = pool };
	pid_t pid;

	pid = kdbus_fork_as(KDBUS_TEST_UID, KDBUS_TEST_GID, user_conn, &u,
			    sock);
	if (pid < 0 || read(*sock, id, sizeof(*id)) != sizeof(*id))
		return -1;
	return pid;
}

/* Let the child of spawn_user_conn() go; returns its exit status. */
static int reap_user_conn(pid_t pid, int sock)
{
	if (write(sock, "x", 1) != 1)
		return -1;
	close(sock);
	return kdbus_wait(pid);
}

TEST_F(msg, unicast_payload_arrives_once_with_header_fields)
{
	char data[100];
	struct kdbus_cmd_recv r;
	struct kdbus_msg *m;
	const char *p;
	uint64_t size;
	int i;

	for (i = 0; i < (int)sizeof(data); i++)
		data[i] = i;
	ASSERT_EQ(0, send_bytes(&self->a, self->b.id, 42, data, sizeof(data)));
	ASSERT_EQ(0, kdbus_recv(&self->b, 0, 0, &m, &r));
	EXPECT_EQ(self->a.id, m->src_id);
	EXPECT_EQ(self->b.id, m->dst_id);
	EXPECT_EQ(42, m->cookie);
	EXPECT_EQ(KDBUS_PAYLOAD_DBUS, m->payload_type);
	/* msg_size covers the header, the items and the payload */
	EXPECT_EQ(m->size + KDBUS_ALIGN8(sizeof(data)), r.msg.msg_size);
	p = kdbus_msg_payload(&self->b, m, &size);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(sizeof(data), size);
	EXPECT_EQ(0, memcmp(p, data, sizeof(data)));
	EXPECT_EQ(0, kdbus_msg_free(&self->b, m));
	EXPECT_EQ(-EAGAIN, kdbus_recv(&self->b, 0, 0, &m, &r));
	/* no message: the offset points just past the pool */
	EXPECT_EQ(KDBUS_TEST_POOL_SIZE, r.msg.offset);
	EXPECT_EQ(0, r.msg.msg_size);
}

TEST_F(msg, messages_arrive_in_order)
{
	struct kdbus_msg *m;
	uint64_t i;

	for (i = 1; i <= 50; i++)
		ASSERT_EQ(0, send_bytes(&self->a, self->b.id, i, &i, sizeof(i)));
	for (i = 1; i <= 50; i++) {
		ASSERT_EQ(0, kdbus_recv(&self->b, 0, 0, &m, NULL));
		EXPECT_EQ(i, m->cookie);
		kdbus_msg_free(&self->b, m);
	}
}

TEST_F(msg, send_errors_for_bad_destinations_and_messages)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;

	EXPECT_EQ(-ENXIO, send_bytes(&self->a, 1000, 1, "x", 1));
	a.data = "x";
	a.size = 1;
	a.flags = 1ULL << 10;
	EXPECT_EQ(-EINVAL, kdbus_send(&self->a, self->b.id, &a));
	a.flags = KDBUS_MSG_EXPECT_REPLY;
	a.timeout_ns = 0;
	EXPECT_EQ(-EINVAL, kdbus_send(&self->a, self->b.id, &a));
	a.flags = 0;
	a.send_flags = KDBUS_SEND_SYNC_REPLY;
	EXPECT_EQ(-EINVAL, kdbus_send(&self->a, self->b.id, &a));
	a.send_flags = 1ULL << 5;
	EXPECT_EQ(-EINVAL, kdbus_send(&self->a, self->b.id, &a));
	a.send_flags = 0;

	/* an unaligned or bad message address */
	{
		struct kdbus_cmd_send cmd = { .size = sizeof(cmd) };

		cmd.msg_address = 4;
		EXPECT_EQ(-EFAULT, kdbus_ioctl(self->a.fd, KDBUS_CMD_SEND,
					       &cmd));
		cmd.msg_address = 0;
		EXPECT_EQ(-EFAULT, kdbus_ioctl(self->a.fd, KDBUS_CMD_SEND,
					       &cmd));
	}
	/* a payload vector pointing nowhere */
	a.data = (void *)8;
	a.size = 16;
	EXPECT_EQ(-EFAULT, kdbus_send(&self->a, self->b.id, &a));
	/* nothing half-sent is left behind */
	EXPECT_EQ(-EAGAIN, kdbus_recv(&self->b, 0, 0, NULL, NULL));
}

TEST_F(msg, request_rules_for_signals_replies_and_deadlines)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;

	a.data = "x";
	a.size = 1;
	/* a signal has no one to answer it */
	a.flags = KDBUS_MSG_EXPECT_REPLY | KDBUS_MSG_SIGNAL;
	a.timeout_ns = kdbus_now_ns() + 1000 * MS;
	EXPECT_EQ(-ENOTUNIQ, kdbus_send(&self->a, self->b.id, &a));
	/* an answer to a request nobody made */
	a.flags = 0;
	a.cookie_reply = 1234;
	EXPECT_EQ(-EBADSLT, kdbus_send(&self->a, self->b.id, &a));
	/* a synchronous call whose deadline passed is not even sent */
	a.cookie_reply = 0;
	a.flags = KDBUS_MSG_EXPECT_REPLY;
	a.send_flags = KDBUS_SEND_SYNC_REPLY;
	a.timeout_ns = kdbus_now_ns() - 1;
	EXPECT_EQ(-ETIMEDOUT, kdbus_send(&self->a, self->b.id, &a));
	EXPECT_EQ(-EAGAIN, kdbus_recv(&self->b, 0, 0, NULL, NULL));
	/* DROP takes the oldest, never by priority */
	EXPECT_EQ(-EINVAL, kdbus_recv(&self->b,
				      KDBUS_RECV_DROP | KDBUS_RECV_USE_PRIORITY,
				      0, NULL, NULL));
}

TEST_F(msg, answer_with_fds_to_caller_without_accept_fd_fails_both)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	struct kdbus_conn nofd;
	int status, p[2];
	pid_t pid;

	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE, &nofd));
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct kdbus_send_args r = KDBUS_SEND_ARGS_INIT;
		struct kdbus_msg *m;
		int i;

		for (i = 0; i < 500; i++) {
			if (kdbus_recv(&self->b, 0, 0, &m, NULL) == 0)
				break;
			usleep(10000);
		}
		r.cookie_reply = m->cookie;
		r.data = "r";
		r.size = 1;
		r.fds = &p[0];
		r.n_fds = 1;
		_exit(kdbus_send(&self->b, m->src_id, &r) == -ECOMM ? 0 : 1);
	}
	a.flags = KDBUS_MSG_EXPECT_REPLY;
	a.send_flags = KDBUS_SEND_SYNC_REPLY;
	a.cookie = 40;
	a.timeout_ns = kdbus_now_ns() + 10000 * MS;
	a.data = "q";
	a.size = 1;
	EXPECT_EQ(-EREMOTEIO, kdbus_send(&nofd, self->b.id, &a));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(p[0]);
	close(p[1]);
	kdbus_conn_close(&nofd);
}

TEST_F(msg, peek_leaves_message_and_drop_discards_it)
{
	struct kdbus_msg *m;

	ASSERT_EQ(0, send_bytes(&self->a, self->b.id, 1, "a", 1));
	ASSERT_EQ(0, send_bytes(&self->a, self->b.id, 2, "b", 1));

	ASSERT_EQ(0, kdbus_recv(&self->b, KDBUS_RECV_PEEK, 0, &m, NULL));
	EXPECT_EQ(1, m->cookie);
	ASSERT_EQ(0, kdbus_recv(&self->b, KDBUS_RECV_PEEK, 0, &m, NULL));
	EXPECT_EQ(1, m->cookie);
	ASSERT_EQ(0, kdbus_recv(&self->b, KDBUS_RECV_DROP, 0, NULL, NULL));
	ASSERT_EQ(0, kdbus_recv(&self->b, 0, 0, &m, NULL));
	EXPECT_EQ(2, m->cookie);
	kdbus_msg_free(&self->b, m);
	EXPECT_EQ(-EAGAIN, kdbus_recv(&self->b, KDBUS_RECV_PEEK, 0, NULL,
				      NULL));
}

TEST_F(msg, use_priority_takes_most_urgent_first)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	int64_t prio[] = { 5, -3, 0, 10, -3 };
	struct kdbus_msg *m;
	unsigned int i;

	a.data = "p";
	a.size = 1;
	for (i = 0; i < 5; i++) {
		a.priority = prio[i];
		a.cookie = i + 1;
		ASSERT_EQ(0, kdbus_send(&self->a, self->b.id, &a));
	}
	/* most urgent first, FIFO among equals, none above the limit */
	ASSERT_EQ(0, kdbus_recv(&self->b, KDBUS_RECV_USE_PRIORITY, 0, &m,
				NULL));
	EXPECT_EQ(2, m->cookie);
	ASSERT_EQ(0, kdbus_recv(&self->b, KDBUS_RECV_USE_PRIORITY, 0, &m,
				NULL));
	EXPECT_EQ(5, m->cookie);
	ASSERT_EQ(0, kdbus_recv(&self->b, KDBUS_RECV_USE_PRIORITY, 0, &m,
				NULL));
	EXPECT_EQ(3, m->cookie);
	EXPECT_EQ(-EAGAIN, kdbus_recv(&self->b, KDBUS_RECV_USE_PRIORITY, 0,
				      &m, NULL));
	/* without the flag: the oldest */
	ASSERT_EQ(0, kdbus_recv(&self->b, 0, 0, &m, NULL));
	EXPECT_EQ(1, m->cookie);
	ASSERT_EQ(0, kdbus_recv(&self->b, 0, 0, &m, NULL));
	EXPECT_EQ(4, m->cookie);
}

TEST_F(msg, zero_padding_vectors_carry_no_bytes)
{
	uint64_t buf[64] = { 0 };
	struct kdbus_msg *msg = (void *)buf, *m;
	struct kdbus_cmd_send cmd = { .size = sizeof(cmd) };
	struct kdbus_item *item = msg->items;

	msg->dst_id = self->b.id;
	msg->payload_type = KDBUS_PAYLOAD_DBUS;
	msg->cookie = 7;
	item->type = KDBUS_ITEM_PAYLOAD_VEC;
	item->size = KDBUS_ITEM_HEADER_SIZE + sizeof(struct kdbus_vec);
	item->vec.address = 0;
	item->vec.size = 3;
	msg->size = sizeof(*msg) + KDBUS_ITEM_SIZE(sizeof(struct kdbus_vec));
	cmd.msg_address = (uintptr_t)msg;
	ASSERT_EQ(0, kdbus_ioctl(self->a.fd, KDBUS_CMD_SEND, &cmd));
	ASSERT_EQ(0, kdbus_recv(&self->b, 0, 0, &m, NULL));
	item = kdbus_msg_item(m, KDBUS_ITEM_PAYLOAD_OFF);
	ASSERT_NE(NULL, item);
	EXPECT_EQ(3, item->vec.size);
	EXPECT_EQ(~0ULL, item->vec.offset);
	kdbus_msg_free(&self->b, m);

	/* padding is at most 7 bytes */
	((struct kdbus_item *)msg->items)->vec.size = 8;
	EXPECT_EQ(-EINVAL, kdbus_ioctl(self->a.fd, KDBUS_CMD_SEND, &cmd));
}

/*
 * Fill @small's pool from @from with @size-byte messages, cookies from
 * @cookie on, payload bytes the cookie's low byte. The sending user's
 * quota ends at half the pool, so whenever it does, one message is taken
 * off the queue and its slice kept, not freed: the pool fills up. Returns
 * the last send's result (-EXFULL once full); *@sent and *@taken count.
 */
static int fill_pool(struct kdbus_conn *from, struct kdbus_conn *small,
		     uint64_t cookie, size_t size, int *sent, int *taken)
{
	static char data[8192];
	struct kdbus_msg *m;
	int i, ret = 0;

	*sent = *taken = 0;
	for (i = 0; i < 400; i++) {
		memset(data, (int)(cookie + *sent), sizeof(data));
		ret = send_bytes(from, small->id, cookie + *sent, data, size);
		if (ret == -ENOBUFS && !kdbus_recv(small, 0, 0, &m, NULL)) {
			(*taken)++;
			continue;
		}
		if (ret)
			break;
		(*sent)++;
	}
	return ret;
}

TEST_F(msg, full_pool_fails_sender_and_keeps_queued_messages)
{
	struct kdbus_conn small;
	struct kdbus_msg *m;
	int i, n, taken, ret;

	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, 64 * 1024, &small));
	/* received slices the owner keeps fill the pool; the sender learns */
	ret = fill_pool(&self->a, &small, 1, 8192, &n, &taken);
	EXPECT_EQ(-EXFULL, ret);
	EXPECT_GE(n, 6);

	/* the messages still queued are all there, in order, intact */
	for (i = taken; i < n; i++) {
		const uint8_t *p;
		uint64_t size;

		ASSERT_EQ(0, kdbus_recv(&small, 0, 0, &m, NULL));
		EXPECT_EQ(i + 1, m->cookie);
		p = kdbus_msg_payload(&small, m, &size);
		ASSERT_NE(NULL, p);
		EXPECT_EQ(8192, size);
		EXPECT_EQ((uint8_t)(i + 1), p[0]);
		EXPECT_EQ((uint8_t)(i + 1), p[size - 1]);
		EXPECT_EQ(0, kdbus_msg_free(&small, m));
	}
	EXPECT_EQ(-EAGAIN, kdbus_recv(&small, 0, 0, NULL, NULL));
	kdbus_conn_close(&small);
}

/* Another user may take at most half of a receiver's pool. */
TEST_F(msg, foreign_user_cannot_take_more_than_its_share)
{
	static char data[4096];
	int sock, n = 0, ret = 0, i;
	uint64_t id;
	pid_t pid;

	pid = spawn_user_conn(self->bus.ep, 0, 64 * 1024, &id, &sock);
	ASSERT_GT(pid, 0);
	for (i = 0; i < 100; i++) {
		ret = send_bytes(&self->a, id, i + 1, data, sizeof(data));
		if (ret)
			break;
		n++;
	}
	EXPECT_EQ(-ENOBUFS, ret);
	/* 64 KiB pool: at most half to one foreign user */
	EXPECT_LE(n * (4096 + 128), 32 * 1024 + 4096);
	EXPECT_GE(n, 4);
	EXPECT_EQ(0, reap_user_conn(pid, sock));
}

TEST_F(msg, receiver_that_never_reads_bounds_each_foreign_sender)
{
	int sock, i, ret = 0;
	uint64_t id;
	pid_t pid;

	pid = spawn_user_conn(self->bus.ep, 0, 8 * 1024 * 1024, &id, &sock);
	ASSERT_GT(pid, 0);
	for (i = 0; i < KDBUS_CONN_MAX_MSGS + 44; i++) {
		ret = send_bytes(&self->a, id, i + 1, "m", 1);
		if (ret)
			break;
	}
	EXPECT_EQ(-ENOBUFS, ret);
	EXPECT_EQ(KDBUS_CONN_MAX_MSGS, i);
	EXPECT_EQ(0, reap_user_conn(pid, sock));
}

TEST_F(msg, passed_fds_arrive_and_work)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	struct kdbus_cmd_recv r;
	struct kdbus_item *item;
	struct kdbus_msg *m;
	int p[2], fd;
	char c = 0;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	a.fds = &p[1];
	a.n_fds = 1;
	a.data = "f";
	a.size = 1;
	ASSERT_EQ(0, kdbus_send(&self->a, self->b.id, &a));
	close(p[1]);

	/* before RECV nothing is installed */
	ASSERT_EQ(0, kdbus_recv(&self->b, KDBUS_RECV_PEEK, 0, &m, NULL));
	item = kdbus_msg_item(m, KDBUS_ITEM_FDS);
	ASSERT_NE(NULL, item);
	EXPECT_EQ(-1, item->fds[0]);

	ASSERT_EQ(0, kdbus_recv(&self->b, 0, 0, &m, &r));
	EXPECT_EQ(0, r.msg.return_flags & KDBUS_RECV_RETURN_INCOMPLETE_FDS);
	item = kdbus_msg_item(m, KDBUS_ITEM_FDS);
	ASSERT_NE(NULL, item);
	fd = item->fds[0];
	ASSERT_GE(fd, 0);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD));
	ASSERT_EQ(1, write(fd, "z", 1));
	ASSERT_EQ(1, read(p[0], &c, 1));
	EXPECT_EQ('z', c);
	close(fd);
	close(p[0]);
	kdbus_msg_free(&self->b, m);
}

TEST_F(msg, fd_passing_refusals)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	struct kdbus_conn nofd;
	int fds[KDBUS_MSG_MAX_FDS + 1], sv[2], i, bad = 9999;

	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE, &nofd));
	a.data = "f";
	a.size = 1;
	a.n_fds = 1;

	/* only to connections that accept them */
	ASSERT_EQ(0, pipe2(sv, O_CLOEXEC));
	a.fds = &sv[0];
	EXPECT_EQ(-ECOMM, kdbus_send(&self->a, nofd.id, &a));
	close(sv[0]);
	close(sv[1]);

	/* no kdbusfs files and no unix sockets: no reference cycles */
	a.fds = &self->a.fd;
	EXPECT_EQ(-EOPNOTSUPP, kdbus_send(&self->a, self->b.id, &a));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	a.fds = &sv[0];
	EXPECT_EQ(-EOPNOTSUPP, kdbus_send(&self->a, self->b.id, &a));
	close(sv[0]);
	close(sv[1]);

	a.fds = &bad;
	EXPECT_EQ(-EBADF, kdbus_send(&self->a, self->b.id, &a));

	/* one more than a message may carry */
	for (i = 0; i < KDBUS_MSG_MAX_FDS + 1; i++)
		fds[i] = 0;
	a.fds = fds;
	a.n_fds = KDBUS_MSG_MAX_FDS + 1;
	EXPECT_EQ(-EMFILE, kdbus_send(&self->a, self->b.id, &a));
	EXPECT_EQ(-EAGAIN, kdbus_recv(&self->b, 0, 0, NULL, NULL));
	kdbus_conn_close(&nofd);
}

TEST_F(msg, sealed_memfd_arrives_intact_and_read_only)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	struct kdbus_item *item;
	struct kdbus_msg *m;
	size_t size = 256 * 1024;
	char *p;
	int fd;

	fd = kdbus_memfd_make(size, KDBUS_MEMFD_SEALS);
	ASSERT_GE(fd, 0);
	a.memfd = fd;
	a.memfd_size = size;
	ASSERT_EQ(0, kdbus_send(&self->a, self->b.id, &a));
	close(fd);

	ASSERT_EQ(0, kdbus_recv(&self->b, 0, 0, &m, NULL));
	item = kdbus_msg_item(m, KDBUS_ITEM_PAYLOAD_MEMFD);
	ASSERT_NE(NULL, item);
	EXPECT_EQ(size, item->memfd.size);
	fd = item->memfd.fd;
	ASSERT_GE(fd, 0);
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ('S', p[0]);
	EXPECT_EQ(0x5a, p[size - 1]);
	munmap(p, size);

	/* the receiver cannot change what it got */
	EXPECT_EQ(-1, write(fd, "x", 1));
	EXPECT_EQ(EPERM, errno);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(-1, ftruncate(fd, 0));
	close(fd);
	kdbus_msg_free(&self->b, m);
}

TEST_F(msg, unsealed_or_foreign_memfds_are_refused)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	int fd, p[2];

	fd = kdbus_memfd_make(4096, 0);
	ASSERT_GE(fd, 0);
	a.memfd = fd;
	a.memfd_size = 4096;
	EXPECT_EQ(-ETXTBSY, kdbus_send(&self->a, self->b.id, &a));
	close(fd);

	/* sealed against writes only: it could still shrink */
	fd = kdbus_memfd_make(4096, F_SEAL_WRITE);
	ASSERT_GE(fd, 0);
	a.memfd = fd;
	EXPECT_EQ(-ETXTBSY, kdbus_send(&self->a, self->b.id, &a));
	close(fd);

	fd = kdbus_memfd_make(4096, KDBUS_MEMFD_SEALS);
	ASSERT_GE(fd, 0);
	a.memfd = fd;
	a.memfd_size = 8192;
	EXPECT_EQ(-EINVAL, kdbus_send(&self->a, self->b.id, &a));
	close(fd);

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	a.memfd = p[0];
	a.memfd_size = 1;
	EXPECT_EQ(-EMEDIUMTYPE, kdbus_send(&self->a, self->b.id, &a));
	close(p[0]);
	close(p[1]);
	EXPECT_EQ(-EAGAIN, kdbus_recv(&self->b, 0, 0, NULL, NULL));
}

static struct kdbus_msg *recv_kernel(struct kdbus_conn *c, uint64_t type)
{
	struct kdbus_msg *m;

	if (kdbus_recv(c, 0, 0, &m, NULL))
		return NULL;
	if (m->src_id != KDBUS_SRC_ID_KERNEL ||
	    m->payload_type != KDBUS_PAYLOAD_KERNEL ||
	    !kdbus_msg_item(m, type))
		return NULL;
	return m;
}

TEST_F(msg, unanswered_request_times_out_with_notification)
{
	struct kdbus_msg *m;
	int i;

	ASSERT_EQ(0, send_request(&self->a, self->b.id, 77, 100));

	for (i = 0; i < 100; i++) {
		if (kdbus_recv(&self->a, KDBUS_RECV_PEEK, 0, NULL, NULL) == 0)
			break;
		usleep(20000);
	}
	m = recv_kernel(&self->a, KDBUS_ITEM_REPLY_TIMEOUT);
	ASSERT_NE(NULL, m);
	EXPECT_EQ(77, m->cookie_reply);
	EXPECT_EQ(self->a.id, m->dst_id);
	kdbus_msg_free(&self->a, m);

	/* too late: the answer has no request to go with any more */
	ASSERT_EQ(0, kdbus_recv(&self->b, 0, 0, &m, NULL));
	kdbus_msg_free(&self->b, m);
}

TEST_F(msg, request_to_dying_peer_gets_reply_dead)
{
	struct kdbus_msg *m;

	ASSERT_EQ(0, send_request(&self->a, self->b.id, 5, 10000));
	kdbus_conn_close(&self->b);

	m = recv_kernel(&self->a, KDBUS_ITEM_REPLY_DEAD);
	ASSERT_NE(NULL, m);
	EXPECT_EQ(5, m->cookie_reply);
	kdbus_msg_free(&self->a, m);
}

TEST_F(msg, dropped_request_gets_reply_dead)
{
	struct kdbus_msg *m;

	ASSERT_EQ(0, send_request(&self->a, self->b.id, 6, 10000));
	ASSERT_EQ(0, kdbus_recv(&self->b, KDBUS_RECV_DROP, 0, NULL, NULL));
	m = recv_kernel(&self->a, KDBUS_ITEM_REPLY_DEAD);
	ASSERT_NE(NULL, m);
	EXPECT_EQ(6, m->cookie_reply);
}

/* Answer the next request on @c after @delay_us, in a child process. */
static pid_t answer_later(struct kdbus_conn *c, unsigned int delay_us,
			  const char *text)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
		struct kdbus_msg *m;
		int i;

		for (i = 0; i < 500; i++) {
			if (kdbus_recv(c, 0, 0, &m, NULL) == 0)
				break;
			usleep(10000);
		}
		if (i == 500)
			_exit(20);
		usleep(delay_us);
		a.cookie_reply = m->cookie;
		a.cookie = m->cookie + 1000;
		a.data = text;
		a.size = strlen(text) + 1;
		_exit(kdbus_send(c, m->src_id, &a) ? 21 : 0);
	}
	return pid;
}

static int sync_call(struct kdbus_conn *c, uint64_t dst, uint64_t cookie,
		     uint64_t timeout_ms, struct kdbus_send_args *a)
{
	a->flags = KDBUS_MSG_EXPECT_REPLY;
	a->send_flags = KDBUS_SEND_SYNC_REPLY;
	a->cookie = cookie;
	a->timeout_ns = kdbus_now_ns() + timeout_ms * MS;
	a->data = "call";
	a->size = 5;
	return kdbus_send(c, dst, a);
}

TEST_F(msg, sync_call_returns_the_reply)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	struct kdbus_msg *m;
	const char *p;
	uint64_t size;
	int status;
	pid_t pid;

	pid = answer_later(&self->b, 0, "pong");
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, sync_call(&self->a, self->b.id, 9, 5000, &a));
	m = (struct kdbus_msg *)(self->a.pool + a.reply.offset);
	EXPECT_EQ(9, m->cookie_reply);
	EXPECT_EQ(self->b.id, m->src_id);
	EXPECT_EQ(m->size + KDBUS_ALIGN8(5), a.reply.msg_size);
	p = kdbus_msg_payload(&self->a, m, &size);
	ASSERT_NE(NULL, p);
	EXPECT_STREQ("pong", p);
	EXPECT_EQ(0, kdbus_msg_free(&self->a, m));
	/* the reply bypassed the queue */
	EXPECT_EQ(-EAGAIN, kdbus_recv(&self->a, 0, 0, NULL, NULL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(msg, sync_call_times_out)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	uint64_t t0 = kdbus_now_ns();

	EXPECT_EQ(-ETIMEDOUT, sync_call(&self->a, self->b.id, 3, 200, &a));
	EXPECT_GE(kdbus_now_ns() - t0, 190 * MS);
	/* the request is no longer expected: an answer is just refused */
	EXPECT_EQ(-EAGAIN, kdbus_recv(&self->a, 0, 0, NULL, NULL));
}

TEST_F(msg, sync_call_to_peer_that_dies_fails)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		usleep(200000);
		_exit(0);
	}
	/* the child holds b's fd: closing ours and its exit end b */
	kdbus_conn_close(&self->b);
	EXPECT_EQ(-EPIPE, sync_call(&self->a, self->b.id, 4, 10000, &a));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
}

static void on_alarm(int sig)
{
}

TEST_F(msg, sync_call_interrupted_by_signal_fails_with_eintr)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	struct sigaction sa = { .sa_handler = on_alarm };

	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	alarm(1);
	EXPECT_EQ(-EINTR, sync_call(&self->a, self->b.id, 11, 10000, &a));
	signal(SIGALRM, SIG_DFL);
}

TEST_F(msg, sync_call_restarts_after_signal_and_gets_reply)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
	struct kdbus_msg *m;
	int status;
	pid_t pid;

	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	pid = answer_later(&self->b, 2000000, "late");
	ASSERT_GT(pid, 0);
	alarm(1);
	ASSERT_EQ(0, sync_call(&self->a, self->b.id, 12, 10000, &a));
	m = (struct kdbus_msg *)(self->a.pool + a.reply.offset);
	EXPECT_EQ(12, m->cookie_reply);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* the request was sent once */
	EXPECT_EQ(-EAGAIN, kdbus_recv(&self->b, 0, 0, NULL, NULL));
	signal(SIGALRM, SIG_DFL);
}

static void on_alarm_slow(int sig)
{
	/* the answer arrives while the call is away in this handler */
	usleep(1000000);
}

TEST_F(msg, sync_call_answered_during_signal_is_not_sent_again)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	struct sigaction sa = { .sa_handler = on_alarm_slow,
				.sa_flags = SA_RESTART };
	struct itimerval it = { .it_value.tv_usec = 300000 };
	struct kdbus_msg *m;
	int status;
	pid_t pid;

	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	pid = answer_later(&self->b, 500000, "gap");
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	ASSERT_EQ(0, sync_call(&self->a, self->b.id, 14, 10000, &a));
	m = (struct kdbus_msg *)(self->a.pool + a.reply.offset);
	EXPECT_EQ(14, m->cookie_reply);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* one request, one answer: nothing resent, nothing left queued */
	EXPECT_EQ(-EAGAIN, kdbus_recv(&self->b, 0, 0, NULL, NULL));
	EXPECT_EQ(-EAGAIN, kdbus_recv(&self->a, 0, 0, NULL, NULL));
	signal(SIGALRM, SIG_DFL);
}

TEST_F(msg, bus_shutdown_wakes_sync_caller)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		usleep(300000);
		close(self->bus.control);
		_exit(0);
	}
	close(self->bus.control);
	self->bus.control = -1;
	EXPECT_EQ(-ECONNRESET, sync_call(&self->a, self->b.id, 13, 20000, &a));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(-ECONNRESET, kdbus_recv(&self->a, 0, 0, NULL, NULL));
}

/*
 * The unprivileged side of the test below: tells its id, waits for the
 * request, and answers it; only once, and only because it was asked.
 */
struct answer {
	const char *ep;
	uint64_t to;
};

static int answer_once(void *arg, int sock)
{
	struct kdbus_send_args r = KDBUS_SEND_ARGS_INIT;
	struct answer *ans = arg;
	struct kdbus_msg *req;
	struct kdbus_conn u;
	char c;

	if (kdbus_hello(ans->ep, 0, KDBUS_TEST_POOL_SIZE, &u))
		return 11;
	if (write(sock, &u.id, sizeof(u.id)) != sizeof(u.id))
		return 12;
	if (read(sock, &c, 1) != 1)
		return 13;
	r.data = "r";
	r.size = 1;
	/* not allowed to talk to root on its own */
	if (kdbus_send(&u, ans->to, &r) != -EPERM)
		return 14;
	if (kdbus_recv(&u, 0, 0, &req, NULL))
		return 15;
	r.cookie_reply = req->cookie;
	if (kdbus_send(&u, ans->to, &r))
		return 16;
	/* the permission is used up: no request to answer */
	if (kdbus_send(&u, ans->to, &r) != -EBADSLT)
		return 17;
	return 0;
}

/*
 * An expected reply lets an unprivileged peer answer a privileged caller
 * it could not otherwise talk to, once.
 */
TEST_F(msg, expected_reply_grants_talk_back_once)
{
	struct answer ans = { .ep = self->bus.ep, .to = self->a.id };
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	struct kdbus_msg *m;
	uint64_t id;
	pid_t pid;
	int sock;

	pid = kdbus_fork_as(KDBUS_TEST_UID, KDBUS_TEST_GID, answer_once, &ans,
			    &sock);
	ASSERT_GE(pid, 0);
	ASSERT_EQ(sizeof(id), read(sock, &id, sizeof(id)));
	a.flags = KDBUS_MSG_EXPECT_REPLY;
	a.cookie = 31;
	a.timeout_ns = kdbus_now_ns() + 10000 * MS;
	a.data = "q";
	a.size = 1;
	ASSERT_EQ(0, kdbus_send(&self->a, id, &a));
	ASSERT_EQ(1, write(sock, "g", 1));
	EXPECT_EQ(0, kdbus_wait(pid));
	ASSERT_EQ(0, kdbus_recv(&self->a, 0, 0, &m, NULL));
	EXPECT_EQ(31, m->cookie_reply);
	EXPECT_EQ(id, m->src_id);
	close(sock);
}

struct flood {
	struct kdbus_conn *c;
	uint64_t dst;
	int sent;
	int last;
};

static void *flood_thread(void *arg)
{
	struct flood *f = arg;
	int i, ret = 0;

	for (i = 0; i < 2000; i++) {
		ret = send_bytes(f->c, f->dst, i + 1, "flood", 5);
		if (ret == 0)
			f->sent++;
		else if (ret != -ENOBUFS && ret != -EXFULL)
			break;
	}
	f->last = ret;
	return NULL;
}

TEST_F(msg, many_threads_send_while_receiver_closes)
{
	struct flood f[4];
	pthread_t t[4];
	int i;

	for (i = 0; i < 4; i++) {
		f[i].c = &self->a;
		f[i].dst = self->b.id;
		f[i].sent = 0;
		f[i].last = 0;
		ASSERT_EQ(0, pthread_create(&t[i], NULL, flood_thread, &f[i]));
	}
	usleep(20000);
	kdbus_conn_close(&self->b);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, pthread_join(t[i], NULL));
		/* every thread ended because the receiver went away */
		EXPECT_TRUE(f[i].last == -ENXIO || f[i].last == -ECONNRESET ||
			    f[i].last == 0) TH_LOG("thread %d: %d", i, f[i].last);
	}
}

TEST_F(msg, size_and_count_limits)
{
	struct kdbus_cmd_send cmd = { .size = sizeof(cmd) };
	uint64_t *buf;
	struct kdbus_msg *msg;
	struct kdbus_item *item;
	static char big[1 << 20];
	int i, fd;

	buf = calloc(1, BIG_MSG);
	ASSERT_NE(NULL, buf);
	msg = (void *)buf;
	msg->dst_id = self->b.id;
	msg->payload_type = KDBUS_PAYLOAD_DBUS;
	cmd.msg_address = (uintptr_t)msg;

	/* 1 MiB vectors, one more than the payload limit allows */
	item = msg->items;
	for (i = 0; i < KDBUS_MSG_MAX_PAYLOAD_VEC_SIZE / sizeof(big) + 1; i++) {
		item->type = KDBUS_ITEM_PAYLOAD_VEC;
		item->size = KDBUS_ITEM_HEADER_SIZE + sizeof(struct kdbus_vec);
		item->vec.address = (uintptr_t)big;
		item->vec.size = sizeof(big);
		item = kdbus_item_next(item);
	}
	msg->size = (char *)item - (char *)msg;
	EXPECT_EQ(-EMSGSIZE, kdbus_ioctl(self->a.fd, KDBUS_CMD_SEND, &cmd));

	/* a message (header and items) above the limit */
	memset(buf, 0, BIG_MSG);
	msg->dst_id = self->b.id;
	msg->payload_type = KDBUS_PAYLOAD_DBUS;
	msg->size = KDBUS_MSG_MAX_SIZE + 8;
	EXPECT_EQ(-EMSGSIZE, kdbus_ioctl(self->a.fd, KDBUS_CMD_SEND, &cmd));

	/* one memfd more than a message may carry */
	fd = kdbus_memfd_make(4096, KDBUS_MEMFD_SEALS);
	ASSERT_GE(fd, 0);
	memset(buf, 0, BIG_MSG);
	msg->dst_id = self->b.id;
	msg->payload_type = KDBUS_PAYLOAD_DBUS;
	item = msg->items;
	for (i = 0; i < KDBUS_MSG_MAX_MEMFD_ITEMS + 1; i++) {
		item->type = KDBUS_ITEM_PAYLOAD_MEMFD;
		item->size = KDBUS_ITEM_HEADER_SIZE +
			     sizeof(struct kdbus_memfd);
		item->memfd.fd = fd;
		item->memfd.size = 4096;
		item = kdbus_item_next(item);
	}
	msg->size = (char *)item - (char *)msg;
	EXPECT_EQ(-E2BIG, kdbus_ioctl(self->a.fd, KDBUS_CMD_SEND, &cmd));
	/* as many as it may are fine */
	msg->size -= KDBUS_ITEM_SIZE(sizeof(struct kdbus_memfd));
	EXPECT_EQ(0, kdbus_ioctl(self->a.fd, KDBUS_CMD_SEND, &cmd));
	close(fd);
	free(buf);
}

TEST_F(msg, pending_requests_are_bounded)
{
	int i;

	for (i = 0; i < KDBUS_CONN_MAX_REQUESTS_PENDING; i++)
		ASSERT_EQ(0, send_request(&self->a, self->b.id, i + 1, 100000));
	EXPECT_EQ(-EMLINK, send_request(&self->a, self->b.id, 1000, 100000));
	/* a plain message still goes */
	EXPECT_EQ(0, send_bytes(&self->a, self->b.id, 1001, "p", 1));
}

TEST_F(msg, recv_and_free_refuse_unknown_flags)
{
	struct kdbus_cmd_free f = { .size = sizeof(f), .flags = 1 };
	int fd;

	EXPECT_EQ(-EINVAL, kdbus_recv(&self->b, 1ULL << 10, 0, NULL, NULL));
	EXPECT_EQ(-EINVAL, kdbus_ioctl(self->b.fd, KDBUS_CMD_FREE, &f));
	/* a bad HELLO pointer */
	fd = open(self->bus.ep, O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(-EFAULT, kdbus_ioctl(fd, KDBUS_CMD_HELLO, NULL));
	close(fd);
}

TEST_F(msg, foreign_user_fd_quota_is_enforced)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	int sock, fds[QUOTA_FDS], p[2], i, ret = 0, n = 0;
	uint64_t id;
	pid_t pid;

	pid = spawn_user_conn(self->bus.ep, KDBUS_HELLO_ACCEPT_FD,
			      KDBUS_TEST_POOL_SIZE, &id, &sock);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	for (i = 0; i < QUOTA_FDS; i++)
		fds[i] = p[0];
	a.fds = fds;
	a.n_fds = QUOTA_FDS;
	a.data = "f";
	a.size = 1;
	for (i = 0; i < 3; i++) {
		ret = kdbus_send(&self->a, id, &a);
		if (ret)
			break;
		n++;
	}
	/* a second message is more files in flight than one user may have */
	EXPECT_EQ(1, n);
	EXPECT_EQ(-EMFILE, ret);
	EXPECT_EQ(0, reap_user_conn(pid, sock));
	close(p[0]);
	close(p[1]);
}

/* A notification that finds no room is counted and reported by RECV. */
TEST_F(msg, lost_notifications_are_reported_as_dropped)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	static char data[8192];
	struct kdbus_cmd_recv r;
	struct kdbus_conn small;
	struct kdbus_msg *m;
	int i, n = 0, taken, ret;

	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, 64 * 1024, &small));
	/* a request from the small pool, expiring once the pool is full */
	a.flags = KDBUS_MSG_EXPECT_REPLY;
	a.cookie = 50;
	a.timeout_ns = kdbus_now_ns() + 3000 * MS;
	a.data = "q";
	a.size = 1;
	ASSERT_EQ(0, kdbus_send(&small, self->b.id, &a));
	/* fill the small pool to the last byte */
	ASSERT_EQ(-EXFULL, fill_pool(&self->a, &small, 1, sizeof(data), &n,
				     &taken));
	ASSERT_EQ(-EXFULL, fill_pool(&self->a, &small, 1000, 1, &i, &taken));
	ASSERT_LT(kdbus_now_ns(), a.timeout_ns);
	while (kdbus_now_ns() < a.timeout_ns + 300 * MS)
		usleep(50000);

	/*
	 * The REPLY_TIMEOUT could not be queued: it is counted instead,
	 * whether or not a message is still queued (filling may have taken
	 * them all)
	 */
	ret = kdbus_recv(&small, 0, 0, &m, &r);
	ASSERT_TRUE(ret == 0 || ret == -EAGAIN);
	EXPECT_EQ(1, r.dropped_msgs);
	EXPECT_TRUE(r.return_flags & KDBUS_RECV_RETURN_DROPPED_MSGS);
	if (ret == 0)
		kdbus_msg_free(&small, m);
	ret = kdbus_recv(&small, 0, 0, &m, &r);
	ASSERT_TRUE(ret == 0 || ret == -EAGAIN);
	EXPECT_EQ(0, r.dropped_msgs);
	EXPECT_FALSE(r.return_flags & KDBUS_RECV_RETURN_DROPPED_MSGS);
	kdbus_conn_close(&small);
}

/*
 * A connection fd opened by uid 1000 and said HELLO on by root sends as
 * uid 1000: at another uid-1000 connection it spends uid 1000's quota,
 * not root's, so it still sends after root's share is used up, and ends
 * at its own share.
 */
TEST_F(msg, passed_connection_is_held_to_its_openers_quota)
{
	static char data[4096];
	int sock, fd, i, own = 0, foreign = 0, ret = 0;
	struct kdbus_conn as_user;
	uint64_t id;
	pid_t pid;

	pid = spawn_user_conn(self->bus.ep, 0, 64 * 1024, &id, &sock);
	ASSERT_GT(pid, 0);
	fd = kdbus_open_as(KDBUS_TEST_UID, KDBUS_TEST_GID, self->bus.ep);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, kdbus_hello_fd(fd, 0, KDBUS_TEST_POOL_SIZE, &as_user));

	/* root's connection: a foreign user, held to its share */
	for (i = 0; i < 100; i++) {
		ret = send_bytes(&self->a, id, i + 1, data, sizeof(data));
		if (ret)
			break;
		foreign++;
	}
	EXPECT_EQ(-ENOBUFS, ret);
	/* the passed connection: uid 1000, a quota of its own */
	for (i = 0; i < 100; i++) {
		ret = send_bytes(&as_user, id, i + 1, data, sizeof(data));
		if (ret)
			break;
		own++;
	}
	EXPECT_EQ(-ENOBUFS, ret);
	EXPECT_GE(own, 2);
	EXPECT_EQ(0, reap_user_conn(pid, sock));
	kdbus_conn_close(&as_user);
}

TEST_F(msg, sync_call_with_a_far_deadline_waits_for_the_reply)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	int status;
	pid_t pid;

	/* ~0 is "no deadline" to a client: it must not wrap to "expired" */
	pid = answer_later(&self->b, 200000, "late");
	ASSERT_GT(pid, 0);
	a.flags = KDBUS_MSG_EXPECT_REPLY;
	a.send_flags = KDBUS_SEND_SYNC_REPLY;
	a.cookie = 11;
	a.timeout_ns = ~0ULL;
	a.data = "call";
	a.size = 5;
	ASSERT_EQ(0, kdbus_send(&self->a, self->b.id, &a));
	EXPECT_EQ(0, kdbus_free(&self->a, a.reply.offset));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* an asynchronous request with the same deadline stays pending */
	a.send_flags = 0;
	a.cookie = 12;
	ASSERT_EQ(0, kdbus_send(&self->a, self->b.id, &a));
	usleep(100000);
	EXPECT_EQ(-EAGAIN, kdbus_recv(&self->a, 0, 0, NULL, NULL));
}

TEST_F(msg, wrapping_vector_sizes_are_refused)
{
	struct kdbus_cmd_send cmd = { .size = sizeof(cmd) };
	uint64_t buf[64] = {};
	struct kdbus_msg *msg = (void *)buf;
	struct kdbus_item *item = msg->items;
	static char data[16];

	msg->dst_id = self->b.id;
	msg->payload_type = KDBUS_PAYLOAD_DBUS;
	cmd.msg_address = (uintptr_t)msg;
	/* two sizes whose u64 sum wraps to 8 bytes */
	item->type = KDBUS_ITEM_PAYLOAD_VEC;
	item->size = KDBUS_ITEM_HEADER_SIZE + sizeof(struct kdbus_vec);
	item->vec.address = (uintptr_t)data;
	item->vec.size = -8ULL;
	item = kdbus_item_next(item);
	item->type = KDBUS_ITEM_PAYLOAD_VEC;
	item->size = KDBUS_ITEM_HEADER_SIZE + sizeof(struct kdbus_vec);
	item->vec.address = (uintptr_t)data;
	item->vec.size = 16;
	item = kdbus_item_next(item);
	msg->size = (char *)item - (char *)msg;
	EXPECT_EQ(-EMSGSIZE, kdbus_ioctl(self->a.fd, KDBUS_CMD_SEND, &cmd));
	/* and one that is simply huge */
	msg->items[0].vec.size = ~0ULL;
	msg->size = KDBUS_ALIGN8(offsetof(struct kdbus_msg, items)) +
		    KDBUS_ITEM_SIZE(sizeof(struct kdbus_vec));
	EXPECT_EQ(-EMSGSIZE, kdbus_ioctl(self->a.fd, KDBUS_CMD_SEND, &cmd));
	EXPECT_EQ(-EAGAIN, kdbus_recv(&self->b, 0, 0, NULL, NULL));
}

/* A command placed in a page user space may read but not write. */
static void *read_only_copy(const void *cmd, size_t size)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memcpy(p, cmd, size);
	if (mprotect(p, 4096, PROT_READ)) {
		munmap(p, 4096);
		return NULL;
	}
	return p;
}

TEST_F(msg, unwritable_commands_fail_before_taking_effect)
{
	struct kdbus_cmd_recv recv = { .size = sizeof(recv) };
	struct kdbus_cmd_free f = { .size = sizeof(f) };
	struct kdbus_cmd bye = { .size = sizeof(bye) };
	struct kdbus_cmd_send send = { .size = sizeof(send) };
	struct kdbus_msg *m;
	void *ro;

	ASSERT_EQ(0, send_bytes(&self->a, self->b.id, 1, "kept", 5));

	/* RECV: the message stays queued for the next, good call */
	ro = read_only_copy(&recv, sizeof(recv));
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-EFAULT, kdbus_ioctl(self->b.fd, KDBUS_CMD_RECV, ro));
	munmap(ro, 4096);
	ASSERT_EQ(0, kdbus_recv(&self->b, 0, 0, &m, NULL));
	EXPECT_EQ(1, m->cookie);

	/* FREE: the slice stays allocated */
	f.offset = (uint8_t *)m - self->b.pool;
	ro = read_only_copy(&f, sizeof(f));
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-EFAULT, kdbus_ioctl(self->b.fd, KDBUS_CMD_FREE, ro));
	munmap(ro, 4096);
	EXPECT_EQ(0, kdbus_msg_free(&self->b, m));
	EXPECT_EQ(-ENXIO, kdbus_msg_free(&self->b, m));

	/* SEND: nothing is queued */
	{
		uint64_t buf[16] = {};
		struct kdbus_msg *msg = (void *)buf;

		msg->size = sizeof(*msg);
		msg->dst_id = self->b.id;
		msg->payload_type = KDBUS_PAYLOAD_DBUS;
		msg->cookie = 2;
		send.msg_address = (uintptr_t)msg;
		ro = read_only_copy(&send, sizeof(send));
		ASSERT_NE(NULL, ro);
		EXPECT_EQ(-EFAULT, kdbus_ioctl(self->a.fd, KDBUS_CMD_SEND,
					       ro));
		munmap(ro, 4096);
		EXPECT_EQ(-EAGAIN, kdbus_recv(&self->b, 0, 0, NULL, NULL));
	}

	/* BYEBYE: the connection stays up and reachable */
	ro = read_only_copy(&bye, sizeof(bye));
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-EFAULT, kdbus_ioctl(self->b.fd, KDBUS_CMD_BYEBYE, ro));
	munmap(ro, 4096);
	EXPECT_EQ(0, send_bytes(&self->a, self->b.id, 3, "up", 3));
	ASSERT_EQ(0, kdbus_recv(&self->b, 0, 0, &m, NULL));
	EXPECT_EQ(3, m->cookie);
	EXPECT_EQ(0, kdbus_msg_free(&self->b, m));
	EXPECT_EQ(0, kdbus_byebye(&self->b));
}

/*
 * A requester's replies are found from its own side when it leaves: the
 * peers that owe it answers forget them, and nothing holds it any more,
 * so its max_connections slot is free at once (a reply still linked would
 * keep it, and its pool, until the deadline, an hour away here).
 */
TEST(a_requester_that_leaves_is_forgotten_by_every_peer)
{
	struct kdbus_test_bus bus;
	struct kdbus_conn a, b, c, d, e;
	struct kdbus_msg *m;
	int i;

	ASSERT_EQ(0, kdbus_test_bus_make_opts(&bus, "max_connections=4"));
	ASSERT_EQ(0, kdbus_hello(bus.ep, 0, KDBUS_TEST_POOL_SIZE, &a));
	ASSERT_EQ(0, kdbus_hello(bus.ep, 0, KDBUS_TEST_POOL_SIZE, &b));
	ASSERT_EQ(0, kdbus_hello(bus.ep, 0, KDBUS_TEST_POOL_SIZE, &c));
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, send_request(&a, b.id, 2 * i + 1, 3600000));
		ASSERT_EQ(0, send_request(&a, c.id, 2 * i + 2, 3600000));
	}
	/* the requests are read, not answered: the replies hold a */
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, kdbus_recv(&b, 0, 0, &m, NULL));
		kdbus_msg_free(&b, m);
		ASSERT_EQ(0, kdbus_recv(&c, 0, 0, &m, NULL));
		kdbus_msg_free(&c, m);
	}
	kdbus_conn_close(&a);
	EXPECT_EQ(0, kdbus_hello(bus.ep, 0, KDBUS_TEST_POOL_SIZE, &d));
	EXPECT_EQ(0, kdbus_hello(bus.ep, 0, KDBUS_TEST_POOL_SIZE, &e));
	kdbus_conn_close(&b);
	kdbus_conn_close(&c);
	kdbus_conn_close(&d);
	kdbus_conn_close(&e);
	kdbus_test_bus_close(&bus);
}

/*
 * The same for synchronous requests a signal interrupted: on no list but
 * the caller's interrupted one, they are unlinked from there when it
 * leaves, and the slot is free at once.
 */
TEST(an_interrupted_caller_that_leaves_is_forgotten)
{
	struct kdbus_send_args args = KDBUS_SEND_ARGS_INIT;
	struct sigaction sa = { .sa_handler = on_alarm };
	struct kdbus_test_bus bus;
	struct kdbus_conn a, b, c, d;
	struct kdbus_msg *m;

	ASSERT_EQ(0, kdbus_test_bus_make_opts(&bus, "max_connections=3"));
	ASSERT_EQ(0, kdbus_hello(bus.ep, 0, KDBUS_TEST_POOL_SIZE, &a));
	ASSERT_EQ(0, kdbus_hello(bus.ep, 0, KDBUS_TEST_POOL_SIZE, &b));
	ASSERT_EQ(0, kdbus_hello(bus.ep, 0, KDBUS_TEST_POOL_SIZE, &c));
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	alarm(1);
	EXPECT_EQ(-EINTR, sync_call(&a, b.id, 21, 3600000, &args));
	signal(SIGALRM, SIG_DFL);
	/* b read the request, not answered: the reply holds a */
	ASSERT_EQ(0, kdbus_recv(&b, 0, 0, &m, NULL));
	kdbus_msg_free(&b, m);
	kdbus_conn_close(&a);
	EXPECT_EQ(0, kdbus_hello(bus.ep, 0, KDBUS_TEST_POOL_SIZE, &d));
	kdbus_conn_close(&b);
	kdbus_conn_close(&c);
	kdbus_conn_close(&d);
	kdbus_test_bus_close(&bus);
}

TEST_HARNESS_MAIN
