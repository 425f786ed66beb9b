// SPDX-License-Identifier: GPL-2.0
/*
 * kdbusfs mounts: independent domains, user-namespace mounts, files
 * without device numbers, refused namespace operations, mount options.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "kselftest_harness.h"
#include "kdbus_util.h"

FIXTURE(mnt) {
	char dir[64];
};

FIXTURE_SETUP(mnt)
{
	ASSERT_EQ(0, kdbus_mkdtemp(self->dir, sizeof(self->dir)));
	ASSERT_EQ(0, kdbus_mount(self->dir, NULL));
}

FIXTURE_TEARDOWN(mnt)
{
	kdbus_umount(self->dir);
	rmdir(self->dir);
}

static void path_in(char *buf, size_t size, const char *dir, const char *rel)
{
	snprintf(buf, size, "%s/%s", dir, rel);
}

TEST_F(mnt, root_holds_world_writable_regular_control_file)
{
	char path[256];
	struct stat st;

	path_in(path, sizeof(path), self->dir, "control");
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_TRUE(S_ISREG(st.st_mode));
	EXPECT_EQ(0666, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_rdev);
	EXPECT_EQ(geteuid(), st.st_uid);
}

TEST_F(mnt, statfs_reports_kdbusfs_magic)
{
	struct statfs sfs;

	ASSERT_EQ(0, statfs(self->dir, &sfs));
	EXPECT_EQ(KDBUSFS_SUPER_MAGIC, sfs.f_type);
}

TEST_F(mnt, no_file_has_a_device_number_and_inodes_are_unique)
{
	char name[64], ep[128], path[256];
	const char *rel[4];
	ino_t inos[4];
	struct stat st;
	int fd, i, j;

	fd = kdbus_open_control(self->dir);
	ASSERT_GE(fd, 0);
	kdbus_bus_name(name, sizeof(name), "devless");
	ASSERT_EQ(0, kdbus_bus_make(fd, KDBUS_MAKE_ACCESS_WORLD, name));
	snprintf(ep, sizeof(ep), "%s/bus", name);
	rel[0] = ".";
	rel[1] = "control";
	rel[2] = name;
	rel[3] = ep;

	for (i = 0; i < 4; i++) {
		path_in(path, sizeof(path), self->dir, rel[i]);
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s", path);
		EXPECT_EQ(0, st.st_rdev) TH_LOG("%s", path);
		EXPECT_FALSE(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode));
		inos[i] = st.st_ino;
		for (j = 0; j < i; j++)
			EXPECT_NE(inos[j], inos[i]) TH_LOG("%s", path);
	}
	path_in(path, sizeof(path), self->dir, ep);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_TRUE(S_ISREG(st.st_mode));
	close(fd);
}

TEST_F(mnt, namespace_operations_are_refused)
{
	char path[256], path2[256], name[64];
	int fd;

	path_in(path, sizeof(path), self->dir, "newdir");
	EXPECT_EQ(-1, mkdir(path, 0755));
	EXPECT_EQ(EPERM, errno);

	path_in(path, sizeof(path), self->dir, "node");
	/* the VFS answers EACCES where a directory has no ->create */
	EXPECT_EQ(-1, mknod(path, S_IFREG | 0600, 0));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, mknod(path, S_IFIFO | 0600, 0));
	EXPECT_EQ(EPERM, errno);

	EXPECT_EQ(-1, open(path, O_CREAT | O_RDWR, 0600));
	EXPECT_EQ(EACCES, errno);

	path_in(path, sizeof(path), self->dir, "control");
	EXPECT_EQ(-1, unlink(path));
	EXPECT_EQ(EPERM, errno);

	path_in(path2, sizeof(path2), self->dir, "control2");
	EXPECT_EQ(-1, rename(path, path2));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, link(path, path2));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, symlink("control", path2));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, chmod(path, 0600));
	EXPECT_EQ(EPERM, errno);

	fd = kdbus_open_control(self->dir);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(-1, write(fd, "x", 1));
	EXPECT_EQ(EINVAL, errno);

	kdbus_bus_name(name, sizeof(name), "norm");
	ASSERT_EQ(0, kdbus_bus_make(fd, 0, name));
	path_in(path, sizeof(path), self->dir, name);
	EXPECT_EQ(-1, rmdir(path));
	EXPECT_EQ(EPERM, errno);
	close(fd);
}

TEST_F(mnt, two_mounts_are_independent_domains)
{
	char other[64], name[64], path[256];
	struct stat a, b;
	int fd, fd2;

	ASSERT_EQ(0, kdbus_mkdtemp(other, sizeof(other)));
	ASSERT_EQ(0, kdbus_mount(other, NULL));

	fd = kdbus_open_control(self->dir);
	ASSERT_GE(fd, 0);
	kdbus_bus_name(name, sizeof(name), "only-here");
	ASSERT_EQ(0, kdbus_bus_make(fd, 0, name));

	path_in(path, sizeof(path), self->dir, name);
	EXPECT_EQ(0, stat(path, &a));
	path_in(path, sizeof(path), other, name);
	EXPECT_EQ(-1, stat(path, &b));
	EXPECT_EQ(ENOENT, errno);

	/* inode numbering is per mount, not global */
	ASSERT_EQ(0, stat(self->dir, &a));
	ASSERT_EQ(0, stat(other, &b));
	EXPECT_EQ(a.st_ino, b.st_ino);
	EXPECT_NE(a.st_dev, b.st_dev);

	/* the same bus name can exist in the other domain */
	fd2 = kdbus_open_control(other);
	ASSERT_GE(fd2, 0);
	EXPECT_EQ(0, kdbus_bus_make(fd2, 0, name));
	close(fd2);
	close(fd);
	kdbus_umount(other);
	rmdir(other);
}

TEST(sysfs_mount_point_exists)
{
	struct stat st;

	ASSERT_EQ(0, stat("/sys/fs/kdbus", &st));
	EXPECT_TRUE(S_ISDIR(st.st_mode));
}

TEST(mount_options_show_in_mountinfo_and_remount_changes_them)
{
	char dir[64], defaults[128];
	struct stat st;

	ASSERT_EQ(0, kdbus_mkdtemp(dir, sizeof(dir)));
	ASSERT_EQ(0, kdbus_mount(dir, "mode=0711,max_buses=3,max_connections=9"));

	EXPECT_TRUE(kdbus_mountinfo_has(dir, "kdbusfs"));
	EXPECT_TRUE(kdbus_mountinfo_has(dir, "mode=711"));
	EXPECT_TRUE(kdbus_mountinfo_has(dir, "max_buses=3"));
	EXPECT_TRUE(kdbus_mountinfo_has(dir, "max_connections=9"));
	ASSERT_EQ(0, stat(dir, &st));
	EXPECT_EQ(0711, st.st_mode & 07777);

	ASSERT_EQ(0, mount(NULL, dir, NULL, MS_REMOUNT, "max_buses=5,mode=750"));
	EXPECT_TRUE(kdbus_mountinfo_has(dir, "max_buses=5"));
	EXPECT_TRUE(kdbus_mountinfo_has(dir, "mode=750"));
	/* options not named on remount keep their value */
	EXPECT_TRUE(kdbus_mountinfo_has(dir, "max_connections=9"));
	ASSERT_EQ(0, stat(dir, &st));
	EXPECT_EQ(0750, st.st_mode & 07777);

	/* back to the defaults: nothing is shown */
	snprintf(defaults, sizeof(defaults),
		 "max_buses=%d,mode=755,max_connections=%d",
		 KDBUS_USER_MAX_BUSES, KDBUS_USER_MAX_CONN);
	ASSERT_EQ(0, mount(NULL, dir, NULL, MS_REMOUNT, defaults));
	EXPECT_FALSE(kdbus_mountinfo_has(dir, "max_buses="));
	EXPECT_FALSE(kdbus_mountinfo_has(dir, "mode="));
	kdbus_umount(dir);
	rmdir(dir);
}

TEST(mount_owner_options_set_root_and_control_owner)
{
	char dir[64], path[256];
	struct stat st;

	ASSERT_EQ(0, kdbus_mkdtemp(dir, sizeof(dir)));
	ASSERT_EQ(0, kdbus_mount(dir, "uid=1000,gid=1000"));
	ASSERT_EQ(0, stat(dir, &st));
	EXPECT_EQ(1000, st.st_uid);
	EXPECT_EQ(1000, st.st_gid);
	path_in(path, sizeof(path), dir, "control");
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(1000, st.st_uid);
	EXPECT_TRUE(kdbus_mountinfo_has(dir, "uid=1000"));
	EXPECT_TRUE(kdbus_mountinfo_has(dir, "gid=1000"));
	kdbus_umount(dir);
	rmdir(dir);
}

TEST(unknown_and_bad_mount_options_are_refused)
{
	char dir[64];

	ASSERT_EQ(0, kdbus_mkdtemp(dir, sizeof(dir)));
	EXPECT_EQ(-EINVAL, kdbus_mount(dir, "bogus=1"));
	EXPECT_EQ(-EINVAL, kdbus_mount(dir, "newinstance"));
	EXPECT_EQ(-EINVAL, kdbus_mount(dir, "mode=99"));
	EXPECT_EQ(-EINVAL, kdbus_mount(dir, "mode=170000"));
	EXPECT_EQ(-EINVAL, kdbus_mount(dir, "max_buses=0"));
	EXPECT_EQ(-EINVAL, kdbus_mount(dir, "max_buses=100000"));
	EXPECT_EQ(-EINVAL, kdbus_mount(dir, "max_connections=abc"));
	EXPECT_EQ(-EINVAL, kdbus_mount(dir, "uid=4294967295"));

	ASSERT_EQ(0, kdbus_mount(dir, NULL));
	EXPECT_EQ(-1, mount(NULL, dir, NULL, MS_REMOUNT, "bogus=1"));
	EXPECT_EQ(EINVAL, errno);
	kdbus_umount(dir);
	rmdir(dir);
}

/* As the test user: mount @arg in a user namespace of its own, make a bus. */
static int mount_in_own_userns(void *arg, int sock)
{
	const char *dir = arg;
	char path[256];
	struct stat st;
	int fd;

	/* not privileged yet: a plain mount must fail */
	if (kdbus_mount(dir, NULL) != -EPERM)
		return 11;
	if (kdbus_unshare_userns_as_root())
		return 12;
	if (kdbus_mount(dir, NULL))
		return 13;
	fd = kdbus_open_control(dir);
	if (fd < 0)
		return 14;
	if (kdbus_bus_make(fd, 0, "1000-mine") != -EINVAL)
		return 15;
	if (kdbus_bus_make(fd, 0, "0-mine"))
		return 16;
	snprintf(path, sizeof(path), "%s/0-mine/bus", dir);
	if (stat(path, &st) || st.st_uid != 0 || st.st_rdev)
		return 17;
	return 0;
}

/*
 * An unprivileged uid makes its own user namespace, mounts kdbusfs there
 * and makes a bus; its bus-name prefix is its uid inside that namespace.
 */
TEST(unprivileged_user_mounts_in_own_userns_and_makes_bus)
{
	char dir[64];

	ASSERT_EQ(0, kdbus_mkdtemp(dir, sizeof(dir)));
	ASSERT_EQ(0, chmod(dir, 0777));
	EXPECT_EQ(0, kdbus_run_as(KDBUS_TEST_UID, KDBUS_TEST_GID,
				  mount_in_own_userns, dir));
	rmdir(dir);
}

TEST_HARNESS_MAIN
