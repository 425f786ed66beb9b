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
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include "kdbus_util.h"

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

void kdbus_cmd_finish(struct kdbus_cmd_buf *b)
{
	((struct kdbus_cmd *)b->data)->size = b->size;
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

static int write_file(const char *path, const char *text)
{
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		ret = -errno;
	close(fd);
	return ret;
}

int kdbus_unshare_userns_as_root(void)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char map[64];
	int ret;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		return -errno;
	snprintf(map, sizeof(map), "0 %u 1", uid);
	ret = write_file("/proc/self/uid_map", map);
	if (ret)
		return ret;
	ret = write_file("/proc/self/setgroups", "deny");
	if (ret)
		return ret;
	snprintf(map, sizeof(map), "0 %u 1", gid);
	ret = write_file("/proc/self/gid_map", map);
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
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -errno;
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
