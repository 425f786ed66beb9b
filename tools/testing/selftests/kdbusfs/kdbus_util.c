// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the kdbusfs selftests.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/memfd.h>

#include "kdbus_util.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

int kdbus_mkdtemp(char *path, size_t size)
{
	snprintf(path, size, "/tmp/kdbusfs-test-XXXXXX");
	if (!mkdtemp(path))
		return -errno;
	/* tests hand the mount to other uids */
	if (chmod(path, 0755) < 0)
		return -errno;
	return 0;
}

int kdbus_mount(const char *dir, const char *opts)
{
	if (mount("none", dir, "kdbusfs", 0, opts) < 0)
		return -errno;
	return 0;
}

void kdbus_umount(const char *dir)
{
	umount2(dir, MNT_DETACH);
}

int kdbus_open_control(const char *mnt)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/control", mnt);
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int kdbus_ioctl(int fd, unsigned long request, void *arg)
{
	return ioctl(fd, request, arg) < 0 ? -errno : 0;
}

void kdbus_cmd_init(struct kdbus_cmd_buf *b, uint64_t flags)
{
	struct kdbus_cmd *cmd = (void *)b->data;

	memset(b, 0, sizeof(*b));
	cmd->flags = flags;
	b->size = sizeof(*cmd);
}

struct kdbus_item *kdbus_cmd_add(struct kdbus_cmd_buf *b, uint64_t type,
				 const void *payload, size_t size)
{
	struct kdbus_item *item = (void *)((char *)b->data + b->size);

	item->type = type;
	item->size = KDBUS_ITEM_HEADER_SIZE + size;
	if (payload)
		memcpy(item->data, payload, size);
	b->size += KDBUS_ITEM_SIZE(size);
	return item;
}

struct kdbus_item *kdbus_cmd_add_str(struct kdbus_cmd_buf *b, uint64_t type,
				     const char *str)
{
	return kdbus_cmd_add(b, type, str, strlen(str) + 1);
}

struct kdbus_item *kdbus_cmd_add_access(struct kdbus_cmd_buf *b,
					uint64_t type, uint64_t access,
					uint64_t id)
{
	struct kdbus_policy_access pa = {
		.type = type,
		.access = access,
		.id = id,
	};

	return kdbus_cmd_add(b, KDBUS_ITEM_POLICY_ACCESS, &pa, sizeof(pa));
}

void kdbus_cmd_finish(struct kdbus_cmd_buf *b)
{
	((struct kdbus_cmd *)b->data)->size = b->size;
}

void kdbus_match_init(struct kdbus_cmd_buf *b, uint64_t flags,
		      uint64_t cookie)
{
	kdbus_cmd_init(b, flags);
	b->size = offsetof(struct kdbus_cmd_match, items);
	((struct kdbus_cmd_match *)b->data)->cookie = cookie;
}

struct kdbus_item *kdbus_item_find(struct kdbus_item *first, const void *end,
				   uint64_t type)
{
	struct kdbus_item *item;

	KDBUS_FOREACH(item, kdbus_walk(first, end, KDBUS_ITEM_HEADER_SIZE))
		if (item->type == type)
			return item;
	return NULL;
}

uint64_t kdbus_meta_mask(struct kdbus_item *first, const void *end,
			 unsigned int *count)
{
	struct kdbus_item *item;
	unsigned int n = 0;
	uint64_t mask = 0;

	KDBUS_FOREACH(item, kdbus_walk(first, end, KDBUS_ITEM_HEADER_SIZE)) {
		if (item->type < _KDBUS_ITEM_ATTACH_BASE ||
		    item->type >= _KDBUS_ITEM_ATTACH_BASE + 64)
			continue;
		mask |= 1ULL << (item->type - _KDBUS_ITEM_ATTACH_BASE);
		n++;
	}
	if (count)
		*count = n;
	return mask;
}

int kdbus_bus_make_bloom(int control_fd, uint64_t flags, const char *name,
			 uint64_t bloom_size, uint64_t n_hash)
{
	struct kdbus_bloom_parameter bloom = {
		.size = bloom_size,
		.n_hash = n_hash,
	};
	struct kdbus_cmd_buf b;

	kdbus_cmd_init(&b, flags);
	kdbus_cmd_add(&b, KDBUS_ITEM_BLOOM_PARAMETER, &bloom, sizeof(bloom));
	kdbus_cmd_add(&b, KDBUS_ITEM_MAKE_NAME, name, strlen(name) + 1);
	kdbus_cmd_finish(&b);
	return kdbus_ioctl(control_fd, KDBUS_CMD_BUS_MAKE, b.data);
}

int kdbus_bus_make(int control_fd, uint64_t flags, const char *name)
{
	return kdbus_bus_make_bloom(control_fd, flags, name, 64, 1);
}

void kdbus_bus_name(char *buf, size_t size, const char *suffix)
{
	snprintf(buf, size, "%u-%s", geteuid(), suffix);
}

int kdbus_drop_to(uid_t uid, gid_t gid)
{
	if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
	    setresuid(uid, uid, uid) < 0)
		return -errno;
	/* stay the owner of our /proc files, to write our own id maps */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		return -errno;
	/* a uid change already clears them; make sure */
	return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 ?
	       -errno : 0;
}

pid_t kdbus_fork_as(uid_t uid, gid_t gid, kdbus_child_fn fn, void *arg,
		    int *sock)
{
	int sv[2] = { -1, -1 };
	pid_t pid;

	if (sock && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		pid = -errno;
		if (sock) {
			close(sv[0]);
			close(sv[1]);
		}
		return pid;
	}
	if (pid == 0) {
		if (sock)
			close(sv[0]);
		if (uid != (uid_t)-1 && kdbus_drop_to(uid, gid))
			_exit(KDBUS_CHILD_DROP_FAILED);
		_exit(fn(arg, sv[1]));
	}
	if (sock) {
		close(sv[1]);
		*sock = sv[0];
	}
	return pid;
}

pid_t kdbus_fork(kdbus_child_fn fn, void *arg, int *sock)
{
	return kdbus_fork_as((uid_t)-1, (gid_t)-1, fn, arg, sock);
}

int kdbus_wait(pid_t pid)
{
	int status;

	if (pid <= 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int kdbus_run_as(uid_t uid, gid_t gid, kdbus_child_fn fn, void *arg)
{
	return kdbus_wait(kdbus_fork_as(uid, gid, fn, arg, NULL));
}

int kdbus_run(kdbus_child_fn fn, void *arg)
{
	return kdbus_wait(kdbus_fork(fn, arg, NULL));
}

static int open_and_pass(void *arg, int sock)
{
	int fd = open(arg, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return 11;
	return kdbus_send_fd(sock, fd) ? 12 : 0;
}

int kdbus_open_as(uid_t uid, gid_t gid, const char *path)
{
	int fd, sock, status;
	pid_t pid;

	pid = kdbus_fork_as(uid, gid, open_and_pass, (void *)path, &sock);
	if (pid < 0)
		return pid;
	/* the child sends nothing if it fails: EOF */
	fd = kdbus_recv_fd(sock);
	close(sock);
	status = kdbus_wait(pid);
	if (status) {
		if (fd >= 0)
			close(fd);
		return -ECHILD;
	}
	return fd;
}

int kdbus_memfd_make(size_t size, unsigned int seals)
{
	int fd, err;
	char *p;

	fd = memfd_create("kdbus-test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, size) < 0)
		goto error;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		goto error;
	memset(p, 0x5a, size);
	p[0] = 'S';
	munmap(p, size);
	if (seals && fcntl(fd, F_ADD_SEALS, seals) < 0)
		goto error;
	return fd;
error:
	err = -errno;
	close(fd);
	return err;
}

int kdbus_write_file(const char *path, const char *text)
{
	ssize_t len = strlen(text), n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0)
		n = -errno;
	close(fd);
	return n == len ? 0 : n < 0 ? n : -EIO;
}

ssize_t kdbus_read_file(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	else
		buf[n] = '\0';
	close(fd);
	return n;
}

int kdbus_unshare_userns(int flags, uid_t inner)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char map[64];
	int ret;

	if (unshare(CLONE_NEWUSER | flags) < 0)
		return -errno;
	snprintf(map, sizeof(map), "%u %u 1", inner, uid);
	ret = kdbus_write_file("/proc/self/uid_map", map);
	if (ret)
		return ret;
	ret = kdbus_write_file("/proc/self/setgroups", "deny");
	if (ret)
		return ret;
	snprintf(map, sizeof(map), "%u %u 1", inner, gid);
	return kdbus_write_file("/proc/self/gid_map", map);
}

int kdbus_unshare_userns_as_root(void)
{
	int ret;

	ret = kdbus_unshare_userns(CLONE_NEWNS, 0);
	if (ret)
		return ret;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	return 0;
}

int kdbus_send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte = 'x';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

int kdbus_recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg;
	ssize_t n;
	int fd;

	n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	if (n != 1)
		return n ? -errno : -EPIPE;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
		return -EBADMSG;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

bool kdbus_mountinfo_has(const char *mnt, const char *needle)
{
	char line[4096];
	bool found = false;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char mp[4096];

		/* field 5 is the mount point */
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
			continue;
		if (strcmp(mp, mnt))
			continue;
		if (strstr(line, needle))
			found = true;
	}
	fclose(f);
	return found;
}

int kdbus_hello_raw(int fd, uint64_t flags, size_t pool_size,
		    struct kdbus_conn *conn, uint64_t *offset)
{
	struct kdbus_cmd_hello hello = {
		.size = sizeof(hello),
		.flags = flags,
		.pool_size = pool_size,
	};
	int ret;

	ret = kdbus_ioctl(fd, KDBUS_CMD_HELLO, &hello);
	if (ret)
		return ret;
	conn->fd = fd;
	conn->id = hello.id;
	conn->pool = NULL;
	conn->pool_size = pool_size;
	if (offset)
		*offset = hello.offset;
	return 0;
}

int kdbus_hello_fd(int fd, uint64_t flags, size_t pool_size,
		   struct kdbus_conn *conn)
{
	uint64_t offset;
	int ret;

	ret = kdbus_hello_raw(fd, flags, pool_size, conn, &offset);
	if (ret)
		return ret;
	conn->pool = mmap(NULL, pool_size, PROT_READ, MAP_SHARED, fd, 0);
	if (conn->pool == MAP_FAILED)
		return -errno;
	/* the slice with the bus's bloom parameters */
	return kdbus_free(conn, offset);
}

int kdbus_hello(const char *path, uint64_t flags, size_t pool_size,
		struct kdbus_conn *conn)
{
	int fd, ret;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = kdbus_hello_fd(fd, flags, pool_size, conn);
	if (ret)
		close(fd);
	return ret;
}

void kdbus_presented_ids(uint64_t id, struct kdbus_creds *creds,
			 struct kdbus_pids *pids)
{
	*creds = (struct kdbus_creds) {
		.uid = id, .euid = id, .suid = id, .fsuid = id,
		.gid = id, .egid = id, .sgid = id, .fsgid = id,
	};
	*pids = (struct kdbus_pids) {
		.pid = getpid(), .tid = gettid(), .ppid = getppid(),
	};
}

struct kdbus_cmd_hello *kdbus_hello_init(struct kdbus_cmd_buf *b,
					 uint64_t flags, size_t pool_size)
{
	struct kdbus_cmd_hello *h = (void *)b->data;

	kdbus_cmd_init(b, flags);
	b->size = offsetof(struct kdbus_cmd_hello, items);
	h->pool_size = pool_size;
	return h;
}

int kdbus_hello_role(const char *ep, uint64_t role, const char *name,
		     const struct kdbus_policy_access *pa,
		     struct kdbus_conn *c)
{
	struct kdbus_cmd_buf b;
	int fd;

	fd = open(ep, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	kdbus_hello_init(&b, role, KDBUS_TEST_POOL_SIZE);
	if (name)
		kdbus_cmd_add_str(&b, KDBUS_ITEM_NAME, name);
	if (pa)
		kdbus_cmd_add_access(&b, pa->type, pa->access, pa->id);
	return kdbus_hello_cmd(fd, &b, c);
}

int kdbus_hello_activator(const char *ep, const char *name,
			  struct kdbus_conn *c)
{
	return kdbus_hello_role(ep, KDBUS_HELLO_ACTIVATOR, name, NULL, c);
}

int kdbus_hello_cmd(int fd, struct kdbus_cmd_buf *b, struct kdbus_conn *c)
{
	struct kdbus_cmd_hello *h = (void *)b->data;
	int ret;

	kdbus_cmd_finish(b);
	ret = kdbus_ioctl(fd, KDBUS_CMD_HELLO, h);
	if (ret) {
		close(fd);
		return ret;
	}
	c->fd = fd;
	c->id = h->id;
	c->pool_size = h->pool_size;
	c->pool = mmap(NULL, c->pool_size, PROT_READ, MAP_SHARED, fd, 0);
	if (c->pool == MAP_FAILED)
		return -errno;
	/* the slice with the bus's bloom parameters */
	return kdbus_free(c, h->offset);
}

void kdbus_conn_close(struct kdbus_conn *conn)
{
	if (conn->pool && conn->pool != MAP_FAILED)
		munmap(conn->pool, conn->pool_size);
	if (conn->fd >= 0)
		close(conn->fd);
	conn->pool = NULL;
	conn->fd = -1;
}

int kdbus_send(struct kdbus_conn *conn, uint64_t dst_id,
	       struct kdbus_send_args *a)
{
	uint64_t buf[2048 / 8] = { 0 };
	struct kdbus_msg *msg = (void *)buf;
	struct kdbus_item *item = msg->items;
	struct kdbus_cmd_send cmd = { .size = sizeof(cmd) };
	int ret;

	msg->flags = a->flags;
	msg->priority = a->priority;
	msg->dst_id = dst_id;
	msg->payload_type = KDBUS_PAYLOAD_DBUS;
	msg->cookie = a->cookie;
	if (a->flags & KDBUS_MSG_EXPECT_REPLY)
		msg->timeout_ns = a->timeout_ns;
	else
		msg->cookie_reply = a->cookie_reply;

	if (a->data) {
		item->type = KDBUS_ITEM_PAYLOAD_VEC;
		item->size = KDBUS_ITEM_HEADER_SIZE + sizeof(struct kdbus_vec);
		item->vec.address = (uintptr_t)a->data;
		item->vec.size = a->size;
		item = kdbus_item_next(item);
	}
	if (a->memfd >= 0) {
		item->type = KDBUS_ITEM_PAYLOAD_MEMFD;
		item->size = KDBUS_ITEM_HEADER_SIZE + sizeof(struct kdbus_memfd);
		item->memfd.fd = a->memfd;
		item->memfd.size = a->memfd_size;
		item = kdbus_item_next(item);
	}
	if (a->fds) {
		item->type = KDBUS_ITEM_FDS;
		item->size = KDBUS_ITEM_HEADER_SIZE + a->n_fds * sizeof(int);
		memcpy(item->fds, a->fds, a->n_fds * sizeof(int));
		item = kdbus_item_next(item);
	}
	if (a->bloom) {
		item->type = KDBUS_ITEM_BLOOM_FILTER;
		item->size = KDBUS_ITEM_HEADER_SIZE +
			     sizeof(struct kdbus_bloom_filter) + a->bloom_size;
		item->bloom_filter.generation = a->bloom_generation;
		memcpy(item->bloom_filter.data, a->bloom, a->bloom_size);
		item = kdbus_item_next(item);
	}
	if (a->dst_name) {
		item->type = KDBUS_ITEM_DST_NAME;
		item->size = KDBUS_ITEM_HEADER_SIZE + strlen(a->dst_name) + 1;
		memcpy(item->str, a->dst_name, strlen(a->dst_name) + 1);
		item = kdbus_item_next(item);
	}
	msg->size = (char *)item - (char *)msg;

	cmd.flags = a->send_flags;
	cmd.msg_address = (uintptr_t)msg;
	ret = kdbus_ioctl(conn->fd, KDBUS_CMD_SEND, &cmd);
	a->reply = cmd.reply;
	return ret;
}

int kdbus_recv(struct kdbus_conn *conn, uint64_t flags, int64_t priority,
	       struct kdbus_msg **msg, struct kdbus_cmd_recv *out)
{
	struct kdbus_cmd_recv cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.priority = priority,
	};
	int ret;

	ret = kdbus_ioctl(conn->fd, KDBUS_CMD_RECV, &cmd);
	if (out)
		*out = cmd;
	if (ret)
		return ret;
	if (msg)
		*msg = (struct kdbus_msg *)(conn->pool + cmd.msg.offset);
	return 0;
}

int kdbus_free(struct kdbus_conn *conn, uint64_t offset)
{
	struct kdbus_cmd_free cmd = {
		.size = sizeof(cmd),
		.offset = offset,
	};

	return kdbus_ioctl(conn->fd, KDBUS_CMD_FREE, &cmd);
}

int kdbus_msg_free(struct kdbus_conn *conn, struct kdbus_msg *msg)
{
	return kdbus_free(conn, (uint8_t *)msg - conn->pool);
}

struct kdbus_item *kdbus_msg_item(struct kdbus_msg *msg, uint64_t type)
{
	return kdbus_item_find(msg->items, (uint8_t *)msg + msg->size, type);
}

struct kdbus_item *kdbus_info_item(struct kdbus_info *info, uint64_t type)
{
	return kdbus_item_find(info->items, (uint8_t *)info + info->size, type);
}

const void *kdbus_msg_payload(struct kdbus_conn *conn, struct kdbus_msg *msg,
			      uint64_t *size)
{
	struct kdbus_item *item = kdbus_msg_item(msg, KDBUS_ITEM_PAYLOAD_OFF);

	if (!item)
		return NULL;
	*size = item->vec.size;
	return (const uint8_t *)msg + item->vec.offset;
}

const char *kdbus_errno_name(int err)
{
	static char buf[16];
	const char *name = strerrorname_np(err);

	if (name)
		return name;
	snprintf(buf, sizeof(buf), "%d", err);
	return buf;
}

uint64_t kdbus_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int kdbus_byebye(struct kdbus_conn *conn)
{
	struct kdbus_cmd cmd = { .size = sizeof(cmd) };

	return kdbus_ioctl(conn->fd, KDBUS_CMD_BYEBYE, &cmd);
}

int kdbus_name_cmd(struct kdbus_conn *conn, unsigned long request,
		   const char *name, uint64_t flags, uint64_t *rflags)
{
	struct kdbus_cmd_buf b;
	struct kdbus_cmd *cmd = (void *)b.data;
	int ret;

	kdbus_cmd_init(&b, flags);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_NAME, name);
	kdbus_cmd_finish(&b);
	ret = kdbus_ioctl(conn->fd, request, cmd);
	if (rflags)
		*rflags = cmd->return_flags;
	return ret;
}

int kdbus_name_acquire(struct kdbus_conn *conn, const char *name,
		       uint64_t flags, uint64_t *rflags)
{
	return kdbus_name_cmd(conn, KDBUS_CMD_NAME_ACQUIRE, name, flags,
			      rflags);
}

int kdbus_name_release(struct kdbus_conn *conn, const char *name)
{
	return kdbus_name_cmd(conn, KDBUS_CMD_NAME_RELEASE, name, 0, NULL);
}

int kdbus_list(struct kdbus_conn *conn, uint64_t flags,
	       struct kdbus_info **list, size_t *size)
{
	struct kdbus_cmd_list cmd = { .size = sizeof(cmd), .flags = flags };
	int ret;

	ret = kdbus_ioctl(conn->fd, KDBUS_CMD_LIST, &cmd);
	if (ret)
		return ret;
	/* an empty list is a valid one, too */
	*list = malloc(cmd.list_size + 8);
	if (*list)
		memcpy(*list, conn->pool + cmd.offset, cmd.list_size);
	*size = cmd.list_size;
	ret = kdbus_free(conn, cmd.offset);
	if (!*list)
		return -ENOMEM;
	if (ret) {
		free(*list);
		*list = NULL;
	}
	return ret;
}

bool kdbus_list_has(struct kdbus_info *list, size_t size, uint64_t id,
		    const char *name, uint64_t *name_flags)
{
	struct kdbus_info *info;

	KDBUS_INFO_FOREACH(info, list, size) {
		struct kdbus_item *item = info->items;
		bool named = info->size > sizeof(*info);

		if (id != KDBUS_MATCH_ID_ANY && info->id != id)
			continue;
		if (!name && !named)
			return true;
		if (name && named && item->type == KDBUS_ITEM_OWNED_NAME &&
		    !strcmp(item->name.name, name)) {
			if (name_flags)
				*name_flags = item->name.flags;
			return true;
		}
	}
	return false;
}

int kdbus_test_bus_make_opts(struct kdbus_test_bus *bus, const char *opts)
{
	int ret;

	bus->control = -1;
	ret = kdbus_mkdtemp(bus->dir, sizeof(bus->dir));
	if (ret)
		return ret;
	ret = kdbus_mount(bus->dir, opts);
	if (ret)
		return ret;
	bus->control = kdbus_open_control(bus->dir);
	if (bus->control < 0)
		return bus->control;
	kdbus_bus_name(bus->name, sizeof(bus->name), "test");
	ret = kdbus_bus_make(bus->control, KDBUS_MAKE_ACCESS_WORLD, bus->name);
	if (ret)
		return ret;
	snprintf(bus->ep, sizeof(bus->ep), "%s/%s/bus", bus->dir, bus->name);
	return 0;
}

int kdbus_test_bus_make(struct kdbus_test_bus *bus)
{
	return kdbus_test_bus_make_opts(bus, NULL);
}

void kdbus_test_bus_close(struct kdbus_test_bus *bus)
{
	if (bus->control >= 0)
		close(bus->control);
	bus->control = -1;
	kdbus_umount(bus->dir);
	rmdir(bus->dir);
}

#define KDBUS_TRACEFS	"/sys/kernel/tracing"

static int kdbus_trace_write(const char *file, const char *text, int flags)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), KDBUS_TRACEFS "/%s", file);
	fd = open(path, O_WRONLY | O_CLOEXEC | flags);
	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n < 0 ? -errno : 0;
}

int kdbus_kprobe_add(const char *symbol)
{
	char buf[256];
	int ret;

	if (access(KDBUS_TRACEFS "/kprobe_events", W_OK) &&
	    mount("nodev", KDBUS_TRACEFS, "tracefs", 0, NULL) < 0)
		return -errno;
	snprintf(buf, sizeof(buf), "p:kdbus_test/%s %s\n", symbol, symbol);
	ret = kdbus_trace_write("kprobe_events", buf, O_APPEND);
	if (ret)
		return ret;
	snprintf(buf, sizeof(buf), "events/kdbus_test/%s/enable", symbol);
	ret = kdbus_trace_write(buf, "1\n", 0);
	if (!ret)
		ret = kdbus_trace_write("trace", "", O_TRUNC);
	if (ret)
		kdbus_kprobe_remove(symbol);
	return ret;
}

int kdbus_kprobe_hits(const char *symbol)
{
	char line[512], event[160], pid[32];
	int hits = 0;
	FILE *f;

	f = fopen(KDBUS_TRACEFS "/trace", "re");
	if (!f)
		return -errno;
	/* "<comm>-<pid> [cpu] flags time: <event>: (...)" */
	snprintf(event, sizeof(event), " %s: (", symbol);
	snprintf(pid, sizeof(pid), "-%d ", getpid());
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || !strstr(line, event))
			continue;
		if (strstr(line, pid))
			hits++;
	}
	fclose(f);
	return hits;
}

void kdbus_kprobe_remove(const char *symbol)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "events/kdbus_test/%s/enable", symbol);
	kdbus_trace_write(buf, "0\n", 0);
	snprintf(buf, sizeof(buf), "-:kdbus_test/%s\n", symbol);
	kdbus_trace_write("kprobe_events", buf, O_APPEND);
}

#define KDBUS_DEBUGFS	"/sys/kernel/debug"

/*
 * The debugfs settings fault injection needs; kdbus_fault_restore() puts
 * the old values back. fail-nth fails the n-th call of every fault attribute the task
 * reaches, whatever its probability: failslab and fail_page_alloc must
 * not skip the allocations that may sleep, and fail_usercopy must not
 * count at all (a failed copy is an EFAULT the caller asked for), which
 * its stack trace filter does: no trace lies in [0, 0).
 */
struct knob {
	const char *dir;
	const char *file;
	const char *value;
	char old[64];
	bool changed;
};

#define KNOB(d, f, v)	{ .dir = (d), .file = (f), .value = (v) }

static struct knob knobs[] = {
	KNOB("failslab", "ignore-gfp-wait", "N"),
	KNOB("failslab", "verbose", "0"),
	KNOB("failslab", "verbose_ratelimit_burst", "1000"),
	KNOB("fail_page_alloc", "ignore-gfp-wait", "N"),
	KNOB("fail_page_alloc", "ignore-gfp-highmem", "N"),
	KNOB("fail_page_alloc", "min-order", "0"),
	KNOB("fail_page_alloc", "verbose", "0"),
	KNOB("fail_page_alloc", "verbose_ratelimit_burst", "1000"),
	KNOB("fail_usercopy", "verbose", "0"),
	KNOB("fail_usercopy", "stacktrace-depth", "32"),
	KNOB("fail_usercopy", "require-start", "0"),
	KNOB("fail_usercopy", "require-end", "0"),
};

static int knob_path(char *buf, size_t size, const struct knob *k)
{
	return snprintf(buf, size, KDBUS_DEBUGFS "/%s/%s", k->dir, k->file);
}

/* the first line of @path, without its newline: 0 or -errno */
static int read_line(const char *path, char *buf, size_t size)
{
	ssize_t len = kdbus_read_file(path, buf, size);

	if (len < 0)
		return len;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

void kdbus_fault_restore(void)
{
	char path[256];
	int i;

	for (i = (int)ARRAY_SIZE(knobs) - 1; i >= 0; i--) {
		if (!knobs[i].changed)
			continue;
		knob_path(path, sizeof(path), &knobs[i]);
		kdbus_write_file(path, knobs[i].old);
		knobs[i].changed = false;
	}
}

const char *kdbus_fault_setup(void)
{
	static char why[320];
	char path[256];
	int i;

	if (geteuid())
		return "fault injection needs root";
	if (access(KDBUS_FAIL_NTH, R_OK | W_OK))
		return "no " KDBUS_FAIL_NTH " (CONFIG_FAULT_INJECTION)";
	if (access(KDBUS_DEBUGFS "/failslab", F_OK) &&
	    mount("debugfs", KDBUS_DEBUGFS, "debugfs", 0, NULL) && errno != EBUSY)
		return "cannot mount debugfs";
	if (access(KDBUS_DEBUGFS "/failslab", F_OK))
		return "no failslab (CONFIG_FAILSLAB, CONFIG_FAULT_INJECTION_DEBUG_FS)";

	for (i = 0; i < (int)ARRAY_SIZE(knobs); i++) {
		struct knob *k = &knobs[i];

		if (getenv("KDBUSFS_FAULT_VERBOSE") &&
		    !strcmp(k->file, "verbose") &&
		    strcmp(k->dir, "fail_usercopy"))
			k->value = "2";
		snprintf(path, sizeof(path), KDBUS_DEBUGFS "/%s", k->dir);
		if (access(path, F_OK))
			continue;	/* that kind of fault is not built */
		knob_path(path, sizeof(path), k);
		if (read_line(path, k->old, sizeof(k->old)) ||
		    kdbus_write_file(path, k->value)) {
			snprintf(why, sizeof(why), "cannot set %s%s", path,
				 strcmp(k->dir, "fail_usercopy") ? "" :
				 " (CONFIG_FAULT_INJECTION_STACKTRACE_FILTER)");
			kdbus_fault_restore();
			return why;
		}
		k->changed = true;
	}
	return NULL;
}

int kdbus_fault_arm(int nth, unsigned int n)
{
	char buf[16];
	int len;

	len = snprintf(buf, sizeof(buf), "%u", n);
	return write(nth, buf, len) == len ? 0 : -errno;
}

int kdbus_fault_disarm(int nth)
{
	char buf[16] = "";
	ssize_t len;

	len = pread(nth, buf, sizeof(buf) - 1, 0);
	if (write(nth, "0", 1) != 1 || len <= 0)
		return -EIO;
	return atoi(buf) == 0;
}

/* become @uid (gid too) keeping @cap only, or no capability if -1 */
int kdbus_keep_only(uid_t uid, int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3] = {};

	if (cap >= 0) {
		caps[CAP_TO_INDEX(cap)].effective = CAP_TO_MASK(cap);
		caps[CAP_TO_INDEX(cap)].permitted = CAP_TO_MASK(cap);
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 ||
	    setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 ||
	    setresuid(uid, uid, uid) < 0 ||
	    syscall(SYS_capset, &hdr, caps) < 0)
		return -errno;
	return 0;
}
