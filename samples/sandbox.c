// SPDX-License-Identifier: GPL-2.0
/*
 * sandbox - confine a child to one name of a bus.
 *
 * What it shows: a custom endpoint (kdb_endpoint_make) whose policy lets
 * its connections TALK to one well-known name and nothing else; a child
 * started in a new user namespace with only a file descriptor of that
 * endpoint (every other fd closed), which says HELLO on it
 * (kdb_conn_open_fd) and finds that nothing but that name exists for it;
 * and that the connection's rights belong to the file, not to whoever
 * uses it: passed back to this (possibly root) process over a unix
 * socket, it is refused exactly what the child was refused.
 *
 *   sandbox BUS [NAME]        (NAME: org.example.Echo, owned by
 *                              samples/service)
 *
 * Run samples/service first. Makes endpoint "<euid>-sandbox" of the bus
 * while it runs, and a name org.example.Hidden the child must not see.
 * Exits 0 if every allowed thing worked and every other was refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <libkdbus.h>
#include <libkdbus-dbus.h>

static const char *name = "org.example.Echo";

/* the fd and what the adopter needs to know, over a unix socket */
struct handover {
	guint64 id;
	guint64 pool_size;
};

static int send_fd(int sock, int fd, const struct handover *h)
{
	char ctl[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { (void *)h, sizeof(*h) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl, .msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &mh, 0) < 0 ? -errno : 0;
}

static int recv_fd(int sock, struct handover *h)
{
	char ctl[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { h, sizeof(*h) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl, .msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) != sizeof(*h))
		return -EIO;
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -EIO;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static int echo(struct kdb_conn *c, const char *dest, const char *text)
{
	GDBusMessage *m, *r = NULL;
	int ret;

	m = g_dbus_message_new_method_call(dest, "/org/example/Echo",
					   "org.example.Echo", "Echo");
	g_dbus_message_set_body(m, g_variant_new("(s)", text));
	ret = kdb_dbus_call(c, m, 2000000, -1, &r);
	g_object_unref(m);
	if (r && g_dbus_message_get_message_type(r) !=
	    G_DBUS_MESSAGE_TYPE_METHOD_RETURN)
		ret = -EREMOTEIO;
	g_clear_object(&r);
	return ret;
}

/* what is expected: 0 for "allowed", an errno for "refused" */
static int check(const char *who, const char *what, int got, int want)
{
	printf("%s: %-40s %s%s\n", who, what,
	       got == 0 ? "allowed" : "refused: ",
	       got == 0 ? "" : kdb_strerror(got));
	if (got != want) {
		printf("%s:   UNEXPECTED (wanted %s)\n", who,
		       want ? kdb_strerror(want) : "allowed");
		return 1;
	}
	return 0;
}

static int try_all(const char *who, struct kdb_conn *c)
{
	int bad = 0;

	bad |= check(who, "call org.example.Echo Echo()",
		     echo(c, name, "from the sandbox"), 0);
	bad |= check(who, "call org.example.Hidden Echo()",
		     echo(c, "org.example.Hidden", "x"), -ESRCH);
	bad |= check(who, "own org.example.Evil",
		     kdb_name_acquire(c, "org.example.Evil", 0, NULL), -EPERM);
	bad |= check(who, "own org.example.Echo (queue)",
		     kdb_name_acquire(c, name, KDB_NAME_QUEUE, NULL), -EPERM);
	return bad;
}

static int sandboxed(int ep_fd, int sock)
{
	struct kdb_conn *c = NULL;
	struct kdb_info *info = NULL;
	struct handover h;
	size_t n = 0, i;
	int ret, bad = 0;

	/* nothing but the endpoint's fd and the way back */
	if (unshare(CLONE_NEWUSER) < 0)
		printf("child: no new user namespace (%s); going on\n",
		       strerror(errno));
	else
		printf("child: in a new user namespace, uid %d, holding only fd %d\n",
		       (int)getuid(), ep_fd);
	ret = kdb_conn_open_fd(ep_fd, NULL, &c);
	if (ret < 0) {
		printf("child: HELLO: %s\n", kdb_strerror(ret));
		return 1;
	}
	ret = kdb_list(c, KDB_LIST_UNIQUE | KDB_LIST_NAMES, &info, &n);
	printf("child: the bus as it sees it:");
	for (i = 0; ret >= 0 && i < n; i++)
		if (info[i].name)
			printf(" %s", info[i].name);
	printf(" (%zu record%s)\n", n, n == 1 ? "" : "s");
	for (i = 0; ret >= 0 && i < n; i++)
		bad |= info[i].name && strcmp(info[i].name, name);
	kdb_info_free(info);
	bad |= try_all("child", c);

	h.id = kdb_conn_id(c);
	h.pool_size = kdb_conn_pool_size(c);
	ret = send_fd(sock, kdb_conn_fd(c), &h);
	if (ret < 0)
		printf("child: passing the fd: %s\n", kdb_strerror(ret));
	kdb_conn_free(c);
	return bad || ret < 0;
}

int main(int argc, char **argv)
{
	struct kdb_policy rule = { .who = KDB_WORLD, .access = KDB_TALK };
	struct kdb_conn *hidden = NULL, *adopted = NULL;
	char bus[4096], ep_name[64], ep_path[4200];
	struct handover h;
	int ep, fd, sv[2], ret, bad = 0, st;
	pid_t pid;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: sandbox BUS [NAME]\n");
		return 2;
	}
	if (argc > 2)
		name = argv[2];
	rule.name = name;
	ret = kdb_bus_path(argv[1], bus, sizeof(bus));
	if (ret < 0) {
		fprintf(stderr, "sandbox: %s: %s\n", argv[1], kdb_strerror(ret));
		return 1;
	}
	/* a name on the bus the sandbox must not see */
	ret = kdb_conn_open(bus, NULL, &hidden);
	if (ret == 0)
		ret = kdb_name_acquire(hidden, "org.example.Hidden", 0, NULL);
	if (ret < 0) {
		fprintf(stderr, "sandbox: org.example.Hidden: %s\n",
			kdb_strerror(ret));
		return 1;
	}

	kdb_bus_name(ep_name, sizeof(ep_name), "sandbox");
	ep = kdb_endpoint_make(bus, ep_name, KDB_MAKE_ACCESS_WORLD, &rule, 1);
	if (ep < 0) {
		fprintf(stderr, "sandbox: endpoint %s: %s\n", ep_name,
			kdb_strerror(ep));
		return 1;
	}
	snprintf(ep_path, sizeof(ep_path), "%s", bus);
	snprintf(strrchr(ep_path, '/') + 1,
		 sizeof(ep_path) - (strrchr(ep_path, '/') + 1 - ep_path),
		 "%s", ep_name);
	printf("made endpoint %s: TALK to %s, nothing else\n", ep_path, name);
	fd = open(ep_path, O_RDWR);
	if (fd < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
				 sv) < 0) {
		perror("sandbox");
		return 1;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		/* only the endpoint fd (not O_CLOEXEC) and the socket */
		close_range(3, fd - 1, 0);
		close_range(fd + 1, sv[1] - 1, 0);
		close_range(sv[1] + 1, ~0U, 0);
		st = sandboxed(fd, sv[1]);
		fflush(stdout);
		_exit(st);
	}
	close(fd);
	close(sv[1]);

	fd = recv_fd(sv[0], &h);
	st = 0;
	waitpid(pid, &st, 0);
	bad |= !WIFEXITED(st) || WEXITSTATUS(st);
	if (fd < 0) {
		printf("parent: no fd from the child\n");
		bad = 1;
	} else if (kdb_conn_adopt(fd, h.id, h.pool_size, &adopted) == 0) {
		printf("parent (uid %d): the child's connection fd, passed to me:\n",
		       (int)getuid());
		bad |= try_all("parent", adopted);
		kdb_conn_free(adopted);
	}
	close(ep);
	kdb_conn_free(hidden);
	printf("sandbox: %s\n", bad ? "UNEXPECTED RESULTS" :
	       "every refusal as the endpoint's policy says");
	return bad;
}
