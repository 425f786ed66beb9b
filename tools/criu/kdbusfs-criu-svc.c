// SPDX-License-Identifier: GPL-2.0
/*
 * kdbusfs-criu-svc: criu.sh's service and its client, on raw ioctls.
 *
 *   serve MOUNT BUS NAME: in its own session, makes bus BUS under MOUNT
 *     (holding the control file, fd 3), connects to it (fd 4, pool mapped)
 *     and owns NAME; prints "ready ID". On each SIGUSR1 it receives every
 *     queued message and prints "msg TEXT" (with " fds N" if it carried
 *     files), answering a call with "re:TEXT". SIGTERM ends it.
 *   send MOUNT BUS NAME TEXT [FILE]: sends TEXT to NAME, with FILE's
 *     descriptor if given; prints "sent" or the error.
 *   call MOUNT BUS NAME TEXT: calls NAME synchronously with TEXT and
 *     prints "reply TEXT".
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <linux/kdbus.h>

#define POOL_SIZE	(1024 * 1024)

static uint8_t *pool;
static sig_atomic_t drain;

static struct kdbus_item *next_item(struct kdbus_item *it)
{
	return (void *)((uint8_t *)it + KDBUS_ALIGN8(it->size));
}

static int hello(const char *mount, const char *bus, uint64_t flags,
		 uint64_t *id)
{
	struct kdbus_cmd_hello h;
	struct kdbus_cmd_free f;
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s/bus", mount, bus);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror(path);
		exit(1);
	}
	memset(&h, 0, sizeof(h));
	h.size = sizeof(h);
	h.flags = flags;
	h.pool_size = POOL_SIZE;
	if (ioctl(fd, KDBUS_CMD_HELLO, &h)) {
		perror("KDBUS_CMD_HELLO");
		exit(1);
	}
	memset(&f, 0, sizeof(f));
	f.size = sizeof(f);
	f.offset = h.offset;
	ioctl(fd, KDBUS_CMD_FREE, &f);
	pool = mmap(NULL, POOL_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	if (pool == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	*id = h.id;
	return fd;
}

/* send @text to @name (or to @dst if no name), with @file, @reply_to */
static int send_msg(int fd, const char *name, uint64_t dst, const char *text,
		    int file, uint64_t cookie_reply, uint64_t flags,
		    char *reply, size_t reply_size)
{
	uint64_t buf[512];
	struct kdbus_msg *m = (void *)buf;
	struct kdbus_cmd_send cmd;
	struct kdbus_item *it;
	struct timespec now;
	struct kdbus_msg *r;

	memset(buf, 0, sizeof(buf));
	m->payload_type = KDBUS_PAYLOAD_DBUS;
	m->cookie = 1;
	m->dst_id = name ? KDBUS_DST_ID_NAME : dst;
	m->flags = flags;
	if (flags & KDBUS_MSG_EXPECT_REPLY) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		/* an absolute deadline, 5 s from now */
		m->timeout_ns = (now.tv_sec + 5) * 1000000000ULL + now.tv_nsec;
	} else {
		m->cookie_reply = cookie_reply;
	}
	it = m->items;
	if (name) {
		it->type = KDBUS_ITEM_DST_NAME;
		it->size = KDBUS_ITEM_HEADER_SIZE + strlen(name) + 1;
		memcpy(it->str, name, strlen(name) + 1);
		it = next_item(it);
	}
	it->type = KDBUS_ITEM_PAYLOAD_VEC;
	it->size = KDBUS_ITEM_HEADER_SIZE + sizeof(struct kdbus_vec);
	it->vec.address = (uintptr_t)text;
	it->vec.size = strlen(text) + 1;
	it = next_item(it);
	if (file >= 0) {
		it->type = KDBUS_ITEM_FDS;
		it->size = KDBUS_ITEM_HEADER_SIZE + sizeof(int);
		it->fds[0] = file;
		it = next_item(it);
	}
	m->size = (uint8_t *)it - (uint8_t *)buf;

	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.msg_address = (uintptr_t)m;
	if (flags & KDBUS_MSG_EXPECT_REPLY)
		cmd.flags = KDBUS_SEND_SYNC_REPLY;
	if (ioctl(fd, KDBUS_CMD_SEND, &cmd))
		return -errno;
	if (!reply)
		return 0;
	r = (void *)(pool + cmd.reply.offset);
	snprintf(reply, reply_size, "-");
	for (it = r->items; (uint8_t *)it < (uint8_t *)r + r->size;
	     it = next_item(it))
		if (it->type == KDBUS_ITEM_PAYLOAD_OFF && it->vec.size)
			snprintf(reply, reply_size, "%s",
				 (char *)r + it->vec.offset);
	return 0;
}

static void receive_all(int fd)
{
	struct kdbus_cmd_recv recv;
	struct kdbus_cmd_free f;
	struct kdbus_item *it;
	struct kdbus_msg *m;
	char text[256], re[300];
	int n_fds;

	for (;;) {
		memset(&recv, 0, sizeof(recv));
		recv.size = sizeof(recv);
		if (ioctl(fd, KDBUS_CMD_RECV, &recv)) {
			if (errno != EAGAIN)
				printf("recv error %s\n", strerror(errno));
			break;
		}
		m = (void *)(pool + recv.msg.offset);
		snprintf(text, sizeof(text), "-");
		n_fds = 0;
		for (it = m->items; (uint8_t *)it < (uint8_t *)m + m->size;
		     it = next_item(it)) {
			if (it->type == KDBUS_ITEM_PAYLOAD_OFF && it->vec.size)
				snprintf(text, sizeof(text), "%s",
					 (char *)m + it->vec.offset);
			if (it->type == KDBUS_ITEM_FDS) {
				n_fds = (it->size - KDBUS_ITEM_HEADER_SIZE) /
					sizeof(int);
				for (int i = 0; i < n_fds; i++)
					close(it->fds[i]);
			}
		}
		if (n_fds)
			printf("msg %s fds %d\n", text, n_fds);
		else
			printf("msg %s\n", text);
		if (m->flags & KDBUS_MSG_EXPECT_REPLY) {
			snprintf(re, sizeof(re), "re:%s", text);
			if (send_msg(fd, NULL, m->src_id, re, -1, m->cookie, 0,
				     NULL, 0))
				printf("reply error %s\n", strerror(errno));
		}
		memset(&f, 0, sizeof(f));
		f.size = sizeof(f);
		f.offset = recv.msg.offset;
		ioctl(fd, KDBUS_CMD_FREE, &f);
	}
	fflush(stdout);
}

static void on_usr1(int sig)
{
	drain = 1;
}

static int serve(const char *mount, const char *bus, const char *name)
{
	struct kdbus_bloom_parameter bp = { .size = 64, .n_hash = 8 };
	uint64_t buf[128];
	struct kdbus_cmd *cmd = (void *)buf;
	struct kdbus_item *it;
	char path[4096];
	sigset_t usr1, old;
	uint64_t id;
	int ctl, fd;

	if (strlen(bus) > 200 || strlen(name) > 200)
		return 2;
	setsid();
	snprintf(path, sizeof(path), "%s/control", mount);
	ctl = open(path, O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		perror(path);
		return 1;
	}
	memset(buf, 0, sizeof(buf));
	it = cmd->items;
	it->type = KDBUS_ITEM_BLOOM_PARAMETER;
	it->size = KDBUS_ITEM_HEADER_SIZE + sizeof(bp);
	memcpy(it->data, &bp, sizeof(bp));
	it = next_item(it);
	it->type = KDBUS_ITEM_MAKE_NAME;
	it->size = KDBUS_ITEM_HEADER_SIZE + strlen(bus) + 1;
	memcpy(it->str, bus, strlen(bus) + 1);
	it = next_item(it);
	cmd->size = (uint8_t *)it - (uint8_t *)buf;
	if (ioctl(ctl, KDBUS_CMD_BUS_MAKE, cmd)) {
		perror("KDBUS_CMD_BUS_MAKE");
		return 1;
	}

	fd = hello(mount, bus, KDBUS_HELLO_ACCEPT_FD, &id);
	memset(buf, 0, sizeof(buf));
	it = cmd->items;
	it->type = KDBUS_ITEM_NAME;
	it->size = KDBUS_ITEM_HEADER_SIZE + strlen(name) + 1;
	memcpy(it->str, name, strlen(name) + 1);
	it = next_item(it);
	cmd->size = (uint8_t *)it - (uint8_t *)buf;
	if (ioctl(fd, KDBUS_CMD_NAME_ACQUIRE, cmd)) {
		perror("KDBUS_CMD_NAME_ACQUIRE");
		return 1;
	}
	/* SIGUSR1 blocked but in sigsuspend(): none is missed */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &old);
	signal(SIGUSR1, on_usr1);
	printf("ready %llu\n", (unsigned long long)id);
	for (;;) {
		sigsuspend(&old);
		if (drain) {
			drain = 0;
			receive_all(fd);
			printf("drained\n");
		}
	}
}

int main(int argc, char **argv)
{
	char reply[256];
	uint64_t id;
	int fd, file = -1, ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 5 && !strcmp(argv[1], "serve"))
		return serve(argv[2], argv[3], argv[4]);
	if (argc >= 5 && strlen(argv[4]) > 200)
		return 2;
	if ((argc == 6 || argc == 7) && !strcmp(argv[1], "send")) {
		fd = hello(argv[2], argv[3], 0, &id);
		if (argc == 7) {
			file = open(argv[6], O_RDONLY | O_CLOEXEC);
			if (file < 0) {
				perror(argv[6]);
				return 1;
			}
		}
		ret = send_msg(fd, argv[4], 0, argv[5], file, 0, 0, NULL, 0);
		if (ret)
			printf("send error %s\n", strerror(-ret));
		else
			printf("sent\n");
		return !!ret;
	}
	if (argc == 6 && !strcmp(argv[1], "call")) {
		fd = hello(argv[2], argv[3], 0, &id);
		ret = send_msg(fd, argv[4], 0, argv[5], -1, 0,
			       KDBUS_MSG_EXPECT_REPLY, reply, sizeof(reply));
		if (ret)
			printf("call error %s\n", strerror(-ret));
		else
			printf("reply %s\n", reply);
		return !!ret;
	}
	fprintf(stderr, "usage: %s serve|send|call MOUNT BUS NAME [TEXT [FILE]]\n",
		argv[0]);
	return 2;
}
