// SPDX-License-Identifier: GPL-2.0
/*
 * KDBUS_CMD_BUS_MAKE: names, flags, items, limits, lifetime, and the rule
 * that a control fd acts as its opener whoever holds it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "kdbus_util.h"

FIXTURE(bus) {
	char dir[64];
	int control;
};

FIXTURE_SETUP(bus)
{
	ASSERT_EQ(0, kdbus_mkdtemp(self->dir, sizeof(self->dir)));
	ASSERT_EQ(0, kdbus_mount(self->dir, NULL));
	self->control = kdbus_open_control(self->dir);
	ASSERT_GE(self->control, 0);
}

FIXTURE_TEARDOWN(bus)
{
	if (self->control >= 0)
		close(self->control);
	kdbus_umount(self->dir);
	rmdir(self->dir);
}

static int stat_in(const char *dir, const char *rel, struct stat *st)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return stat(path, st) ? -errno : 0;
}

TEST_F(bus, bus_make_creates_directory_with_default_endpoint)
{
	char name[64], ep[128];
	struct stat st;

	kdbus_bus_name(name, sizeof(name), "plain");
	ASSERT_EQ(0, kdbus_bus_make(self->control, 0, name));

	ASSERT_EQ(0, stat_in(self->dir, name, &st));
	EXPECT_TRUE(S_ISDIR(st.st_mode));
	EXPECT_EQ(0500, st.st_mode & 07777);
	EXPECT_EQ(geteuid(), st.st_uid);
	EXPECT_EQ(getegid(), st.st_gid);

	snprintf(ep, sizeof(ep), "%s/bus", name);
	ASSERT_EQ(0, stat_in(self->dir, ep, &st));
	EXPECT_TRUE(S_ISREG(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_rdev);
	EXPECT_EQ(geteuid(), st.st_uid);
}

TEST_F(bus, bus_make_access_flags_set_modes)
{
	char name[64], ep[128];
	struct stat st;
	int fd2;

	kdbus_bus_name(name, sizeof(name), "group");
	ASSERT_EQ(0, kdbus_bus_make(self->control, KDBUS_MAKE_ACCESS_GROUP,
				    name));
	ASSERT_EQ(0, stat_in(self->dir, name, &st));
	EXPECT_EQ(0550, st.st_mode & 07777);
	snprintf(ep, sizeof(ep), "%s/bus", name);
	ASSERT_EQ(0, stat_in(self->dir, ep, &st));
	EXPECT_EQ(0660, st.st_mode & 07777);

	fd2 = kdbus_open_control(self->dir);
	ASSERT_GE(fd2, 0);
	kdbus_bus_name(name, sizeof(name), "world");
	ASSERT_EQ(0, kdbus_bus_make(fd2, KDBUS_MAKE_ACCESS_WORLD, name));
	ASSERT_EQ(0, stat_in(self->dir, name, &st));
	EXPECT_EQ(0555, st.st_mode & 07777);
	snprintf(ep, sizeof(ep), "%s/bus", name);
	ASSERT_EQ(0, stat_in(self->dir, ep, &st));
	EXPECT_EQ(0666, st.st_mode & 07777);
	close(fd2);
}

TEST_F(bus, bus_make_refuses_foreign_uid_prefix)
{
	char name[64];

	snprintf(name, sizeof(name), "%u-foreign", geteuid() + 1);
	EXPECT_EQ(-EINVAL, kdbus_bus_make(self->control, 0, name));
	EXPECT_EQ(-EINVAL, kdbus_bus_make(self->control, 0, "noprefix"));
	snprintf(name, sizeof(name), "%u", geteuid());
	EXPECT_EQ(-EINVAL, kdbus_bus_make(self->control, 0, name));
	/* "10-x" must not pass for uid 1 */
	snprintf(name, sizeof(name), "%u0-x", geteuid());
	EXPECT_EQ(-EINVAL, kdbus_bus_make(self->control, 0, name));
	/* nothing was made: the fd can still make its one bus */
	kdbus_bus_name(name, sizeof(name), "ok");
	EXPECT_EQ(0, kdbus_bus_make(self->control, 0, name));
}

TEST_F(bus, bus_make_refuses_bad_names)
{
	char name[128];

	kdbus_bus_name(name, sizeof(name), "with space");
	EXPECT_EQ(-EINVAL, kdbus_bus_make(self->control, 0, name));
	kdbus_bus_name(name, sizeof(name), "slash/x");
	EXPECT_EQ(-EINVAL, kdbus_bus_make(self->control, 0, name));
	kdbus_bus_name(name, sizeof(name), "trailing-");
	EXPECT_EQ(-EINVAL, kdbus_bus_make(self->control, 0, name));
	kdbus_bus_name(name, sizeof(name), "dot.");
	EXPECT_EQ(-EINVAL, kdbus_bus_make(self->control, 0, name));
	EXPECT_EQ(-EINVAL, kdbus_bus_make(self->control, 0, ""));
	EXPECT_EQ(-EINVAL, kdbus_bus_make(self->control, 0, "-"));
	kdbus_bus_name(name, sizeof(name),
		       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	EXPECT_EQ(-ENAMETOOLONG, kdbus_bus_make(self->control, 0, name));
	/* the longest name */
	memset(name, 'a', sizeof(name));
	snprintf(name, sizeof(name), "%u-", geteuid());
	name[strlen(name)] = 'a';
	name[KDBUS_SYSNAME_MAX_LEN] = '\0';
	EXPECT_EQ(0, kdbus_bus_make(self->control, 0, name));
}

TEST_F(bus, bus_make_refuses_bad_bloom_parameters)
{
	char name[64];

	kdbus_bus_name(name, sizeof(name), "bloom");
	EXPECT_EQ(-EINVAL, kdbus_bus_make_bloom(self->control, 0, name, 0, 1));
	EXPECT_EQ(-EINVAL, kdbus_bus_make_bloom(self->control, 0, name, 7, 1));
	EXPECT_EQ(-EINVAL, kdbus_bus_make_bloom(self->control, 0, name, 12, 1));
	EXPECT_EQ(-EINVAL, kdbus_bus_make_bloom(self->control, 0, name,
						KDBUS_BUS_BLOOM_MAX_SIZE + 8,
						1));
	EXPECT_EQ(-EINVAL, kdbus_bus_make_bloom(self->control, 0, name, 64, 0));
	EXPECT_EQ(0, kdbus_bus_make_bloom(self->control, 0, name,
					  KDBUS_BUS_BLOOM_MAX_SIZE, 8));
}

TEST_F(bus, bus_make_refuses_unknown_flags_and_negotiates)
{
	struct kdbus_bloom_parameter bloom = { .size = 64, .n_hash = 1 };
	struct kdbus_cmd_buf b;
	struct kdbus_cmd *cmd = (void *)b.data;
	char name[64], path[256];
	struct stat st;

	kdbus_bus_name(name, sizeof(name), "flags");
	EXPECT_EQ(-EINVAL, kdbus_bus_make(self->control, 1ULL << 5, name));
	EXPECT_EQ(-EINVAL, kdbus_bus_make(self->control, 1ULL << 62, name));

	kdbus_cmd_init(&b, KDBUS_FLAG_NEGOTIATE);
	kdbus_cmd_add(&b, KDBUS_ITEM_BLOOM_PARAMETER, &bloom, sizeof(bloom));
	kdbus_cmd_add(&b, KDBUS_ITEM_MAKE_NAME, name, strlen(name) + 1);
	kdbus_cmd_finish(&b);
	ASSERT_EQ(0, kdbus_ioctl(self->control, KDBUS_CMD_BUS_MAKE, cmd));
	EXPECT_EQ(KDBUS_MAKE_ACCESS_GROUP | KDBUS_MAKE_ACCESS_WORLD,
		  cmd->flags);
	/* negotiation makes nothing and keeps the fd unused */
	snprintf(path, sizeof(path), "%s/%s", self->dir, name);
	EXPECT_EQ(-1, stat(path, &st));
	EXPECT_EQ(0, kdbus_bus_make(self->control, 0, name));
}

TEST_F(bus, bus_make_negotiate_item_clears_unsupported_types)
{
	uint64_t types[3] = { KDBUS_ITEM_MAKE_NAME, KDBUS_ITEM_PAYLOAD_VEC,
			      KDBUS_ITEM_ATTACH_FLAGS_SEND };
	struct kdbus_cmd_buf b;
	struct kdbus_item *item;

	kdbus_cmd_init(&b, KDBUS_FLAG_NEGOTIATE);
	item = kdbus_cmd_add(&b, KDBUS_ITEM_NEGOTIATE, types, sizeof(types));
	kdbus_cmd_finish(&b);
	ASSERT_EQ(0, kdbus_ioctl(self->control, KDBUS_CMD_BUS_MAKE, b.data));
	EXPECT_EQ(KDBUS_ITEM_MAKE_NAME, item->data64[0]);
	EXPECT_EQ(0, item->data64[1]);
	EXPECT_EQ(KDBUS_ITEM_ATTACH_FLAGS_SEND, item->data64[2]);
}

TEST_F(bus, bus_make_refuses_missing_duplicate_and_unknown_items)
{
	struct kdbus_bloom_parameter bloom = { .size = 64, .n_hash = 1 };
	uint64_t attach = 1ULL << 40;
	struct kdbus_cmd_buf b;
	char name[64];

	kdbus_bus_name(name, sizeof(name), "items");

	/* no name */
	kdbus_cmd_init(&b, 0);
	kdbus_cmd_add(&b, KDBUS_ITEM_BLOOM_PARAMETER, &bloom, sizeof(bloom));
	kdbus_cmd_finish(&b);
	EXPECT_EQ(-EINVAL, kdbus_ioctl(self->control, KDBUS_CMD_BUS_MAKE, b.data));

	/* no bloom parameters */
	kdbus_cmd_init(&b, 0);
	kdbus_cmd_add(&b, KDBUS_ITEM_MAKE_NAME, name, strlen(name) + 1);
	kdbus_cmd_finish(&b);
	EXPECT_EQ(-EINVAL, kdbus_ioctl(self->control, KDBUS_CMD_BUS_MAKE, b.data));

	/* the name twice */
	kdbus_cmd_init(&b, 0);
	kdbus_cmd_add(&b, KDBUS_ITEM_BLOOM_PARAMETER, &bloom, sizeof(bloom));
	kdbus_cmd_add(&b, KDBUS_ITEM_MAKE_NAME, name, strlen(name) + 1);
	kdbus_cmd_add(&b, KDBUS_ITEM_MAKE_NAME, name, strlen(name) + 1);
	kdbus_cmd_finish(&b);
	EXPECT_EQ(-EINVAL, kdbus_ioctl(self->control, KDBUS_CMD_BUS_MAKE, b.data));

	/* an item BUS_MAKE does not take */
	kdbus_cmd_init(&b, 0);
	kdbus_cmd_add(&b, KDBUS_ITEM_BLOOM_PARAMETER, &bloom, sizeof(bloom));
	kdbus_cmd_add(&b, KDBUS_ITEM_MAKE_NAME, name, strlen(name) + 1);
	kdbus_cmd_add(&b, KDBUS_ITEM_DST_NAME, "x", 2);
	kdbus_cmd_finish(&b);
	EXPECT_EQ(-EINVAL, kdbus_ioctl(self->control, KDBUS_CMD_BUS_MAKE, b.data));

	/* unknown attach flags */
	kdbus_cmd_init(&b, 0);
	kdbus_cmd_add(&b, KDBUS_ITEM_BLOOM_PARAMETER, &bloom, sizeof(bloom));
	kdbus_cmd_add(&b, KDBUS_ITEM_MAKE_NAME, name, strlen(name) + 1);
	kdbus_cmd_add(&b, KDBUS_ITEM_ATTACH_FLAGS_SEND, &attach, sizeof(attach));
	kdbus_cmd_finish(&b);
	EXPECT_EQ(-EINVAL, kdbus_ioctl(self->control, KDBUS_CMD_BUS_MAKE, b.data));

	/* a bloom item of the wrong size */
	kdbus_cmd_init(&b, 0);
	kdbus_cmd_add(&b, KDBUS_ITEM_BLOOM_PARAMETER, &bloom, 8);
	kdbus_cmd_add(&b, KDBUS_ITEM_MAKE_NAME, name, strlen(name) + 1);
	kdbus_cmd_finish(&b);
	EXPECT_EQ(-EINVAL, kdbus_ioctl(self->control, KDBUS_CMD_BUS_MAKE, b.data));

	/* all-ones attach mask means "everything" and is accepted */
	attach = ~0ULL;
	kdbus_cmd_init(&b, 0);
	kdbus_cmd_add(&b, KDBUS_ITEM_BLOOM_PARAMETER, &bloom, sizeof(bloom));
	kdbus_cmd_add(&b, KDBUS_ITEM_MAKE_NAME, name, strlen(name) + 1);
	kdbus_cmd_add(&b, KDBUS_ITEM_ATTACH_FLAGS_SEND, &attach, sizeof(attach));
	kdbus_cmd_finish(&b);
	EXPECT_EQ(0, kdbus_ioctl(self->control, KDBUS_CMD_BUS_MAKE, b.data));
}

TEST_F(bus, malformed_ioctl_payloads_get_precise_errors)
{
	struct kdbus_bloom_parameter bloom = { .size = 64, .n_hash = 1 };
	struct kdbus_cmd_buf b;
	struct kdbus_cmd *cmd = (void *)b.data;
	struct kdbus_item *item;
	char name[64];
	void *big;

	kdbus_bus_name(name, sizeof(name), "malformed");

	/* size below the fixed part */
	kdbus_cmd_init(&b, 0);
	cmd->size = sizeof(*cmd) - 8;
	EXPECT_EQ(-EINVAL, kdbus_ioctl(self->control, KDBUS_CMD_BUS_MAKE, cmd));

	/* size above the limit */
	big = mmap(NULL, 2 * KDBUS_CMD_MAX_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, big);
	((struct kdbus_cmd *)big)->size = KDBUS_CMD_MAX_SIZE + 8;
	EXPECT_EQ(-EMSGSIZE, kdbus_ioctl(self->control, KDBUS_CMD_BUS_MAKE, big));
	munmap(big, 2 * KDBUS_CMD_MAX_SIZE);

	/* unaligned and bad pointers */
	EXPECT_EQ(-EFAULT, kdbus_ioctl(self->control, KDBUS_CMD_BUS_MAKE,
				       (char *)b.data + 4));
	EXPECT_EQ(-EFAULT, kdbus_ioctl(self->control, KDBUS_CMD_BUS_MAKE, NULL));
	EXPECT_EQ(-EFAULT, kdbus_ioctl(self->control, KDBUS_CMD_BUS_MAKE,
				       (void *)8));

	/* size larger than the memory behind it */
	big = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, big);
	ASSERT_EQ(0, munmap((char *)big + 4096, 4096));
	cmd = (void *)((char *)big + 4096 - 32);
	cmd->size = 64;
	cmd->flags = 0;
	EXPECT_EQ(-EFAULT, kdbus_ioctl(self->control, KDBUS_CMD_BUS_MAKE, cmd));
	munmap(big, 4096);
	cmd = (void *)b.data;

	/* name without terminating NUL */
	kdbus_cmd_init(&b, 0);
	kdbus_cmd_add(&b, KDBUS_ITEM_BLOOM_PARAMETER, &bloom, sizeof(bloom));
	item = kdbus_cmd_add(&b, KDBUS_ITEM_MAKE_NAME, name, strlen(name) + 1);
	item->size -= 1;
	kdbus_cmd_finish(&b);
	EXPECT_EQ(-EINVAL, kdbus_ioctl(self->control, KDBUS_CMD_BUS_MAKE, cmd));

	/* name with an embedded NUL */
	kdbus_cmd_init(&b, 0);
	kdbus_cmd_add(&b, KDBUS_ITEM_BLOOM_PARAMETER, &bloom, sizeof(bloom));
	item = kdbus_cmd_add(&b, KDBUS_ITEM_MAKE_NAME, name, strlen(name) + 1);
	item->str[3] = '\0';
	kdbus_cmd_finish(&b);
	EXPECT_EQ(-EINVAL, kdbus_ioctl(self->control, KDBUS_CMD_BUS_MAKE, cmd));

	/* item larger than the payload */
	kdbus_cmd_init(&b, 0);
	kdbus_cmd_add(&b, KDBUS_ITEM_BLOOM_PARAMETER, &bloom, sizeof(bloom));
	item = kdbus_cmd_add(&b, KDBUS_ITEM_MAKE_NAME, name, strlen(name) + 1);
	kdbus_cmd_finish(&b);
	item->size += 64;
	EXPECT_EQ(-EINVAL, kdbus_ioctl(self->control, KDBUS_CMD_BUS_MAKE, cmd));

	/* item smaller than its header, and a zero-size item */
	kdbus_cmd_init(&b, 0);
	item = kdbus_cmd_add(&b, KDBUS_ITEM_BLOOM_PARAMETER, &bloom,
			     sizeof(bloom));
	kdbus_cmd_finish(&b);
	item->size = 8;
	EXPECT_EQ(-EINVAL, kdbus_ioctl(self->control, KDBUS_CMD_BUS_MAKE, cmd));
	item->size = 0;
	EXPECT_EQ(-EINVAL, kdbus_ioctl(self->control, KDBUS_CMD_BUS_MAKE, cmd));

	/* trailing bytes that are not a whole item */
	kdbus_cmd_init(&b, 0);
	kdbus_cmd_add(&b, KDBUS_ITEM_BLOOM_PARAMETER, &bloom, sizeof(bloom));
	kdbus_cmd_add(&b, KDBUS_ITEM_MAKE_NAME, name, strlen(name) + 1);
	kdbus_cmd_finish(&b);
	cmd->size += 8;
	EXPECT_EQ(-EINVAL, kdbus_ioctl(self->control, KDBUS_CMD_BUS_MAKE, cmd));

	/* after all of that, the fd still makes its bus */
	EXPECT_EQ(0, kdbus_bus_make(self->control, 0, name));
}

TEST_F(bus, one_control_fd_makes_one_bus_and_names_are_unique)
{
	char name[64], name2[64];
	int fd2;

	kdbus_bus_name(name, sizeof(name), "first");
	kdbus_bus_name(name2, sizeof(name2), "second");
	ASSERT_EQ(0, kdbus_bus_make(self->control, 0, name));
	EXPECT_EQ(-EBADFD, kdbus_bus_make(self->control, 0, name2));

	fd2 = kdbus_open_control(self->dir);
	ASSERT_GE(fd2, 0);
	EXPECT_EQ(-EEXIST, kdbus_bus_make(fd2, 0, name));
	EXPECT_EQ(0, kdbus_bus_make(fd2, 0, name2));
	close(fd2);
}

TEST_F(bus, wrong_role_and_unknown_ioctls_are_refused)
{
	struct kdbus_cmd_hello hello = { .size = sizeof(hello) };
	char name[64], path[256];
	int ep;

	EXPECT_EQ(-EBADFD, kdbus_ioctl(self->control, KDBUS_CMD_HELLO, &hello));
	EXPECT_EQ(-ENOTTY, kdbus_ioctl(self->control, _IO(0x95, 0x7f), NULL));
	EXPECT_EQ(-ENOTTY, kdbus_ioctl(self->control, _IO(0x54, 0x01), NULL));

	kdbus_bus_name(name, sizeof(name), "roles");
	ASSERT_EQ(0, kdbus_bus_make(self->control, 0, name));
	snprintf(path, sizeof(path), "%s/%s/bus", self->dir, name);
	ep = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_GE(ep, 0);
	EXPECT_EQ(-EBADFD, kdbus_bus_make(ep, 0, name));
	close(ep);
}

TEST_F(bus, closing_control_fd_removes_bus_and_shuts_endpoint_down)
{
	struct kdbus_cmd_hello hello = { .size = sizeof(hello) };
	char name[64], path[256];
	struct stat st;
	int ep;

	kdbus_bus_name(name, sizeof(name), "ephemeral");
	ASSERT_EQ(0, kdbus_bus_make(self->control, 0, name));
	snprintf(path, sizeof(path), "%s/%s/bus", self->dir, name);
	ep = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_GE(ep, 0);

	close(self->control);
	self->control = -1;

	EXPECT_EQ(-ENOENT, stat_in(self->dir, name, &st));
	EXPECT_EQ(-1, open(path, O_RDWR));
	EXPECT_EQ(ENOENT, errno);
	/* the endpoint fd stays valid but its bus is gone */
	EXPECT_EQ(-ESHUTDOWN, kdbus_ioctl(ep, KDBUS_CMD_HELLO, &hello));
	close(ep);

	/* the name is free again */
	self->control = kdbus_open_control(self->dir);
	ASSERT_GE(self->control, 0);
	EXPECT_EQ(0, kdbus_bus_make(self->control, 0, name));
}

TEST(per_user_bus_limit_is_enforced_and_leaks_nothing)
{
	char dir[64], name[64], path[256];
	struct stat st;
	int fds[4], i;

	ASSERT_EQ(0, kdbus_mkdtemp(dir, sizeof(dir)));
	ASSERT_EQ(0, kdbus_mount(dir, "max_buses=2"));
	for (i = 0; i < 4; i++) {
		fds[i] = kdbus_open_control(dir);
		ASSERT_GE(fds[i], 0);
	}
	kdbus_bus_name(name, sizeof(name), "a");
	ASSERT_EQ(0, kdbus_bus_make(fds[0], 0, name));
	kdbus_bus_name(name, sizeof(name), "b");
	ASSERT_EQ(0, kdbus_bus_make(fds[1], 0, name));
	kdbus_bus_name(name, sizeof(name), "c");
	EXPECT_EQ(-EMFILE, kdbus_bus_make(fds[2], 0, name));
	/* a refused bus leaves no directory behind */
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	EXPECT_EQ(-1, stat(path, &st));
	/* many failures do not use up the quota */
	for (i = 0; i < 50; i++)
		EXPECT_EQ(-EMFILE, kdbus_bus_make(fds[2], 0, name));

	close(fds[0]);
	EXPECT_EQ(0, kdbus_bus_make(fds[2], 0, name));
	kdbus_bus_name(name, sizeof(name), "d");
	EXPECT_EQ(-EMFILE, kdbus_bus_make(fds[3], 0, name));

	/* raising the limit by remount applies to the next BUS_MAKE */
	ASSERT_EQ(0, mount(NULL, dir, NULL, MS_REMOUNT, "max_buses=3"));
	EXPECT_EQ(0, kdbus_bus_make(fds[3], 0, name));

	for (i = 1; i < 4; i++)
		close(fds[i]);
	kdbus_umount(dir);
	rmdir(dir);
}

/* another user makes a bus in the mount @arg */
static int make_theirs(void *arg, int sock)
{
	int c;

	c = kdbus_open_control(arg);
	if (c < 0)
		return 11;
	return kdbus_bus_make(c, 0, "1000-theirs") ? 12 : 0;
}

TEST(bus_limit_is_per_user)
{
	char dir[64], name[64];
	int fd;

	ASSERT_EQ(0, kdbus_mkdtemp(dir, sizeof(dir)));
	ASSERT_EQ(0, kdbus_mount(dir, "max_buses=1"));
	fd = kdbus_open_control(dir);
	ASSERT_GE(fd, 0);
	kdbus_bus_name(name, sizeof(name), "mine");
	ASSERT_EQ(0, kdbus_bus_make(fd, 0, name));

	EXPECT_EQ(0, kdbus_run_as(KDBUS_TEST_UID, KDBUS_TEST_GID, make_theirs,
				  dir));
	close(fd);
	kdbus_umount(dir);
	rmdir(dir);
}

/*
 * An unprivileged process opens "control" and passes the fd to a
 * privileged one. Through it, the privileged process still acts as the
 * opener: it cannot make a bus with its own uid prefix, and the bus it can
 * make belongs to the opener.
 */
TEST_F(bus, control_fd_passed_to_root_acts_as_its_opener)
{
	char path[256];
	struct stat st;
	int fd;

	ASSERT_EQ(0, geteuid());
	snprintf(path, sizeof(path), "%s/control", self->dir);
	fd = kdbus_open_as(KDBUS_TEST_UID, KDBUS_TEST_GID, path);
	ASSERT_GE(fd, 0);

	EXPECT_EQ(-EINVAL, kdbus_bus_make(fd, 0, "0-stolen"));
	EXPECT_EQ(0, kdbus_bus_make(fd, KDBUS_MAKE_ACCESS_WORLD, "1000-given"));

	snprintf(path, sizeof(path), "%s/1000-given", self->dir);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(KDBUS_TEST_UID, st.st_uid);
	EXPECT_EQ(KDBUS_TEST_GID, st.st_gid);
	snprintf(path, sizeof(path), "%s/1000-given/bus", self->dir);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(KDBUS_TEST_UID, st.st_uid);

	close(fd);
	EXPECT_EQ(-1, stat(path, &st));
}

/* As the test user: make a bus through the control fd that comes. */
static int make_through_roots_fd(void *arg, int sock)
{
	char c;
	int fd;

	fd = kdbus_recv_fd(sock);
	if (fd < 0)
		return 11;
	if (kdbus_bus_make(fd, 0, "1000-mine") != -EINVAL)
		return 12;
	if (kdbus_bus_make(fd, 0, "0-roots"))
		return 13;
	/* keep the bus alive until the parent looked */
	if (write(sock, "k", 1) != 1)
		return 14;
	if (read(sock, &c, 1) != 1)
		return 15;
	return 0;
}

/* The reverse: a root-opened control fd keeps root's identity. */
TEST_F(bus, control_fd_passed_to_unprivileged_keeps_opener_identity)
{
	char path[256];
	struct stat st;
	pid_t pid;
	int sock;

	ASSERT_EQ(0, geteuid());
	pid = kdbus_fork_as(KDBUS_TEST_UID, KDBUS_TEST_GID,
			    make_through_roots_fd, NULL, &sock);
	ASSERT_GE(pid, 0);
	ASSERT_EQ(0, kdbus_send_fd(sock, self->control));
	ASSERT_EQ(1, read(sock, path, 1));
	snprintf(path, sizeof(path), "%s/0-roots", self->dir);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(0, st.st_uid);
	ASSERT_EQ(1, write(sock, "k", 1));
	EXPECT_EQ(0, kdbus_wait(pid));
	close(sock);
}

TEST_HARNESS_MAIN
