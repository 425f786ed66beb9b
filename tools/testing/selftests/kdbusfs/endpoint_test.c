// SPDX-License-Identifier: GPL-2.0
/*
 * Custom endpoints: KDBUS_CMD_ENDPOINT_MAKE and _UPDATE, the file they
 * make, its lifetime, and the parsing of the policy they carry.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "kdbus_util.h"

FIXTURE(ep) {
	struct kdbus_test_bus bus;
	char bus_dir[160];
	int maker;
};

FIXTURE_SETUP(ep)
{
	ASSERT_EQ(0, kdbus_test_bus_make(&self->bus));
	snprintf(self->bus_dir, sizeof(self->bus_dir), "%s/%s",
		 self->bus.dir, self->bus.name);
	self->maker = open(self->bus.ep, O_RDWR | O_CLOEXEC);
	ASSERT_GE(self->maker, 0);
}

FIXTURE_TEARDOWN(ep)
{
	if (self->maker >= 0)
		close(self->maker);
	kdbus_test_bus_close(&self->bus);
}

/* ENDPOINT_MAKE with just a name; returns 0 or -errno */
static int ep_make(int fd, uint64_t flags, const char *name)
{
	struct kdbus_cmd_buf b;

	kdbus_cmd_init(&b, flags);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_MAKE_NAME, name);
	kdbus_cmd_finish(&b);
	return kdbus_ioctl(fd, KDBUS_CMD_ENDPOINT_MAKE, b.data);
}

/* ENDPOINT_MAKE "<uid>-custom" with one policy entry */
static int ep_make_policy(int fd, const char *policy_name, uint64_t type,
			  uint64_t access, uint64_t id)
{
	struct kdbus_cmd_buf b;
	char name[64];

	kdbus_bus_name(name, sizeof(name), "custom");
	kdbus_cmd_init(&b, 0);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_MAKE_NAME, name);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_NAME, policy_name);
	kdbus_cmd_add_access(&b, type, access, id);
	kdbus_cmd_finish(&b);
	return kdbus_ioctl(fd, KDBUS_CMD_ENDPOINT_MAKE, b.data);
}

static int ep_update(int fd, struct kdbus_cmd_buf *b)
{
	kdbus_cmd_finish(b);
	return kdbus_ioctl(fd, KDBUS_CMD_ENDPOINT_UPDATE, b->data);
}

static int stat_ep(const char *bus_dir, const char *name, struct stat *st)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", bus_dir, name);
	return stat(path, st) ? -errno : 0;
}

static int open_ep(const char *bus_dir, const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", bus_dir, name);
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* whether @id is mapped in this process's user namespace */
static bool id_is_mapped(const char *map_file, unsigned long id)
{
	unsigned long inner, outer, count;
	bool mapped = false;
	FILE *f;

	f = fopen(map_file, "re");
	if (!f)
		return true;
	while (fscanf(f, "%lu %lu %lu", &inner, &outer, &count) == 3)
		if (id >= inner && id - inner < count)
			mapped = true;
	fclose(f);
	return mapped;
}

TEST_F(ep, endpoint_make_creates_file_owned_by_opener)
{
	char name[64];
	struct stat st;

	kdbus_bus_name(name, sizeof(name), "custom");
	ASSERT_EQ(0, ep_make(self->maker, 0, name));

	ASSERT_EQ(0, stat_ep(self->bus_dir, name, &st));
	EXPECT_TRUE(S_ISREG(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(geteuid(), st.st_uid);
	EXPECT_EQ(getegid(), st.st_gid);
	EXPECT_EQ(0, st.st_rdev);
}

TEST_F(ep, endpoint_make_access_flags_set_modes)
{
	char name[64];
	struct stat st;
	int fd;

	kdbus_bus_name(name, sizeof(name), "group");
	ASSERT_EQ(0, ep_make(self->maker, KDBUS_MAKE_ACCESS_GROUP, name));
	ASSERT_EQ(0, stat_ep(self->bus_dir, name, &st));
	EXPECT_EQ(0660, st.st_mode & 07777);

	fd = open(self->bus.ep, O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	kdbus_bus_name(name, sizeof(name), "world");
	ASSERT_EQ(0, ep_make(fd, KDBUS_MAKE_ACCESS_WORLD, name));
	ASSERT_EQ(0, stat_ep(self->bus_dir, name, &st));
	EXPECT_EQ(0666, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_rdev);
	close(fd);
}

TEST_F(ep, endpoint_make_refuses_foreign_or_missing_prefix)
{
	char name[128];

	snprintf(name, sizeof(name), "%u-foreign", geteuid() + 1);
	EXPECT_EQ(-EINVAL, ep_make(self->maker, 0, name));
	EXPECT_EQ(-EINVAL, ep_make(self->maker, 0, "noprefix"));
	/* "10-x" must not pass for uid 1, nor "00-x" for uid 0 */
	snprintf(name, sizeof(name), "%u0-x", geteuid());
	EXPECT_EQ(-EINVAL, ep_make(self->maker, 0, name));
	EXPECT_EQ(-EINVAL, ep_make(self->maker, 0, "bus"));
	kdbus_bus_name(name, sizeof(name), "with space");
	EXPECT_EQ(-EINVAL, ep_make(self->maker, 0, name));
	kdbus_bus_name(name, sizeof(name),
		       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	EXPECT_EQ(-ENAMETOOLONG, ep_make(self->maker, 0, name));
	/* nothing was made: the fd can still make its one endpoint */
	kdbus_bus_name(name, sizeof(name), "ok");
	EXPECT_EQ(0, ep_make(self->maker, 0, name));
}

TEST_F(ep, endpoint_make_refuses_duplicate_name)
{
	char name[64];
	int fd;

	kdbus_bus_name(name, sizeof(name), "dup");
	ASSERT_EQ(0, ep_make(self->maker, 0, name));

	fd = open(self->bus.ep, O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(-EEXIST, ep_make(fd, 0, name));
	/* the failure gave the fd no role */
	kdbus_bus_name(name, sizeof(name), "other");
	EXPECT_EQ(0, ep_make(fd, 0, name));
	close(fd);
}

TEST_F(ep, endpoint_make_refuses_bad_flags_and_negotiates)
{
	struct kdbus_cmd_buf b;
	struct kdbus_cmd *cmd = (void *)b.data;
	char name[64];

	kdbus_bus_name(name, sizeof(name), "flags");
	EXPECT_EQ(-EINVAL, ep_make(self->maker, 1ULL << 5, name));
	EXPECT_EQ(-EINVAL, ep_make(self->maker, 1ULL << 2, name));

	kdbus_cmd_init(&b, KDBUS_FLAG_NEGOTIATE);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_MAKE_NAME, name);
	kdbus_cmd_finish(&b);
	ASSERT_EQ(0, kdbus_ioctl(self->maker, KDBUS_CMD_ENDPOINT_MAKE, b.data));
	EXPECT_EQ(KDBUS_MAKE_ACCESS_GROUP | KDBUS_MAKE_ACCESS_WORLD,
		  cmd->flags);
	/* negotiation makes nothing */
	EXPECT_EQ(-ENOENT, stat_ep(self->bus_dir, name, &(struct stat){}));
	EXPECT_EQ(0, ep_make(self->maker, 0, name));
}

TEST_F(ep, endpoint_make_refuses_bad_items)
{
	struct kdbus_bloom_parameter bloom = { .size = 64, .n_hash = 1 };
	struct kdbus_cmd_buf b;
	char name[64];

	kdbus_bus_name(name, sizeof(name), "items");

	/* no MAKE_NAME */
	kdbus_cmd_init(&b, 0);
	kdbus_cmd_finish(&b);
	EXPECT_EQ(-EINVAL,
		  kdbus_ioctl(self->maker, KDBUS_CMD_ENDPOINT_MAKE, b.data));

	/* an item ENDPOINT_MAKE does not take */
	kdbus_cmd_init(&b, 0);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_MAKE_NAME, name);
	kdbus_cmd_add(&b, KDBUS_ITEM_BLOOM_PARAMETER, &bloom, sizeof(bloom));
	kdbus_cmd_finish(&b);
	EXPECT_EQ(-EINVAL,
		  kdbus_ioctl(self->maker, KDBUS_CMD_ENDPOINT_MAKE, b.data));

	/* an unknown item type */
	kdbus_cmd_init(&b, 0);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_MAKE_NAME, name);
	kdbus_cmd_add(&b, 0x7777, &bloom, sizeof(bloom));
	kdbus_cmd_finish(&b);
	EXPECT_EQ(-EINVAL,
		  kdbus_ioctl(self->maker, KDBUS_CMD_ENDPOINT_MAKE, b.data));

	/* two names */
	kdbus_cmd_init(&b, 0);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_MAKE_NAME, name);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_MAKE_NAME, name);
	kdbus_cmd_finish(&b);
	EXPECT_EQ(-EINVAL,
		  kdbus_ioctl(self->maker, KDBUS_CMD_ENDPOINT_MAKE, b.data));

	/* a POLICY_ACCESS of the wrong size */
	kdbus_cmd_init(&b, 0);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_MAKE_NAME, name);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_NAME, "org.example");
	kdbus_cmd_add(&b, KDBUS_ITEM_POLICY_ACCESS, &bloom, sizeof(bloom));
	kdbus_cmd_finish(&b);
	EXPECT_EQ(-EINVAL,
		  kdbus_ioctl(self->maker, KDBUS_CMD_ENDPOINT_MAKE, b.data));

	/* a payload smaller than struct kdbus_cmd */
	kdbus_cmd_init(&b, 0);
	((struct kdbus_cmd *)b.data)->size = sizeof(uint64_t);
	EXPECT_EQ(-EINVAL,
		  kdbus_ioctl(self->maker, KDBUS_CMD_ENDPOINT_MAKE, b.data));

	EXPECT_EQ(-ENOENT, stat_ep(self->bus_dir, name, &(struct stat){}));
	EXPECT_EQ(0, ep_make(self->maker, 0, name));
}

TEST_F(ep, endpoint_make_accepts_valid_policy)
{
	struct kdbus_cmd_buf b;
	struct stat st;
	char name[64];

	kdbus_bus_name(name, sizeof(name), "policy");
	kdbus_cmd_init(&b, 0);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_MAKE_NAME, name);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_NAME, "org.example.Service");
	kdbus_cmd_add_access(&b, KDBUS_POLICY_ACCESS_USER, KDBUS_POLICY_OWN,
			     KDBUS_TEST_UID);
	kdbus_cmd_add_access(&b, KDBUS_POLICY_ACCESS_GROUP, KDBUS_POLICY_TALK,
			     KDBUS_TEST_GID);
	kdbus_cmd_add_access(&b, KDBUS_POLICY_ACCESS_WORLD, KDBUS_POLICY_SEE,
			     0);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_NAME, "org.example.*");
	kdbus_cmd_add_access(&b, KDBUS_POLICY_ACCESS_WORLD, KDBUS_POLICY_TALK,
			     0);
	/* an entry without rules is allowed: it grants nothing */
	kdbus_cmd_add_str(&b, KDBUS_ITEM_NAME, "org.example.Hidden");
	kdbus_cmd_finish(&b);
	ASSERT_EQ(0, kdbus_ioctl(self->maker, KDBUS_CMD_ENDPOINT_MAKE, b.data));
	ASSERT_EQ(0, stat_ep(self->bus_dir, name, &st));
}

TEST_F(ep, endpoint_policy_refuses_unmappable_ids)
{
	char name[64];

	/* no namespace maps (uid_t)-1 */
	EXPECT_EQ(-EINVAL, ep_make_policy(self->maker, "org.example",
					  KDBUS_POLICY_ACCESS_USER,
					  KDBUS_POLICY_TALK, (uint32_t)-1));
	EXPECT_EQ(-EINVAL, ep_make_policy(self->maker, "org.example",
					  KDBUS_POLICY_ACCESS_GROUP,
					  KDBUS_POLICY_TALK, (uint32_t)-1));
	/* an id wider than 32 bits must not be truncated into a valid one */
	EXPECT_EQ(-EINVAL, ep_make_policy(self->maker, "org.example",
					  KDBUS_POLICY_ACCESS_USER,
					  KDBUS_POLICY_TALK,
					  (1ULL << 32) + KDBUS_TEST_UID));
	EXPECT_EQ(-EINVAL, ep_make_policy(self->maker, "org.example",
					  KDBUS_POLICY_ACCESS_GROUP,
					  KDBUS_POLICY_TALK,
					  (1ULL << 32) + KDBUS_TEST_GID));
	/* under userns_exec only 0..65535 are mapped */
	if (!id_is_mapped("/proc/self/uid_map", 70000)) {
		EXPECT_EQ(-EINVAL,
			  ep_make_policy(self->maker, "org.example",
					 KDBUS_POLICY_ACCESS_USER,
					 KDBUS_POLICY_TALK, 70000));
	}
	if (!id_is_mapped("/proc/self/gid_map", 70000)) {
		EXPECT_EQ(-EINVAL,
			  ep_make_policy(self->maker, "org.example",
					 KDBUS_POLICY_ACCESS_GROUP,
					 KDBUS_POLICY_TALK, 70000));
	}

	kdbus_bus_name(name, sizeof(name), "custom");
	EXPECT_EQ(-ENOENT, stat_ep(self->bus_dir, name, &(struct stat){}));
	/* a mapped id is read in the opener's namespace and accepted */
	EXPECT_EQ(0, ep_make_policy(self->maker, "org.example",
				    KDBUS_POLICY_ACCESS_USER,
				    KDBUS_POLICY_TALK, KDBUS_TEST_UID));
}

TEST_F(ep, endpoint_policy_refuses_bad_rules)
{
	struct kdbus_cmd_buf b;
	char name[64];

	/* unknown access levels and types */
	EXPECT_EQ(-EINVAL, ep_make_policy(self->maker, "org.example",
					  KDBUS_POLICY_ACCESS_WORLD, 3, 0));
	EXPECT_EQ(-EINVAL, ep_make_policy(self->maker, "org.example",
					  KDBUS_POLICY_ACCESS_WORLD,
					  1ULL << 32, 0));
	EXPECT_EQ(-EINVAL, ep_make_policy(self->maker, "org.example",
					  _KDBUS_POLICY_ACCESS_NULL,
					  KDBUS_POLICY_SEE, 0));
	EXPECT_EQ(-EINVAL, ep_make_policy(self->maker, "org.example",
					  KDBUS_POLICY_ACCESS_WORLD + 1,
					  KDBUS_POLICY_SEE, 0));

	/* a rule before any name */
	kdbus_bus_name(name, sizeof(name), "custom");
	kdbus_cmd_init(&b, 0);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_MAKE_NAME, name);
	kdbus_cmd_add_access(&b, KDBUS_POLICY_ACCESS_WORLD, KDBUS_POLICY_SEE,
			     0);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_NAME, "org.example");
	kdbus_cmd_finish(&b);
	EXPECT_EQ(-EINVAL,
		  kdbus_ioctl(self->maker, KDBUS_CMD_ENDPOINT_MAKE, b.data));

	EXPECT_EQ(-ENOENT, stat_ep(self->bus_dir, name, &(struct stat){}));
}

TEST_F(ep, endpoint_policy_refuses_invalid_names)
{
	static const char * const bad[] = {
		"nodot", "org..example", ".org.example", "org.example.",
		"org.1digit", "org.*.example", "*", "org.ex*", "org.exa mple",
		"",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL,
			  ep_make_policy(self->maker, bad[i],
					 KDBUS_POLICY_ACCESS_WORLD,
					 KDBUS_POLICY_SEE, 0)) {
			TH_LOG("policy name \"%s\"", bad[i]);
		}
	}
	/* a name and its wildcard are two different entries */
	EXPECT_EQ(0, ep_make_policy(self->maker, "org.example.*",
				    KDBUS_POLICY_ACCESS_WORLD,
				    KDBUS_POLICY_SEE, 0));
}

TEST_F(ep, endpoint_policy_refuses_name_given_twice)
{
	struct kdbus_cmd_buf b;
	char name[64];

	kdbus_bus_name(name, sizeof(name), "twice");
	kdbus_cmd_init(&b, 0);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_MAKE_NAME, name);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_NAME, "org.example");
	kdbus_cmd_add_access(&b, KDBUS_POLICY_ACCESS_WORLD, KDBUS_POLICY_SEE,
			     0);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_NAME, "org.example.*");
	kdbus_cmd_add_str(&b, KDBUS_ITEM_NAME, "org.example");
	kdbus_cmd_finish(&b);
	EXPECT_EQ(-EEXIST,
		  kdbus_ioctl(self->maker, KDBUS_CMD_ENDPOINT_MAKE, b.data));
	EXPECT_EQ(-ENOENT, stat_ep(self->bus_dir, name, &(struct stat){}));
}

/*
 * More names than fit struct kdbus_cmd_buf: a payload of its own, built
 * the same way, "a.n0", "a.n1", ... with a MAKE_NAME first if given.
 */
struct big_cmd {
	uint64_t data[16384 / 8];
	size_t size;
};

static int big_ioctl(int fd, unsigned long request, const char *make_name,
		     unsigned int n_names)
{
	struct kdbus_cmd *cmd;
	struct big_cmd *b;
	unsigned int i;
	char str[64];
	int ret;

	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->size = sizeof(*cmd);
	for (i = 0; i <= n_names; i++) {
		struct kdbus_item *item = (void *)((char *)b->data + b->size);
		uint64_t type = KDBUS_ITEM_NAME;

		if (i == 0 && !make_name)
			continue;
		if (i == 0) {
			snprintf(str, sizeof(str), "%s", make_name);
			type = KDBUS_ITEM_MAKE_NAME;
		} else {
			snprintf(str, sizeof(str), "a.n%u", i - 1);
		}
		if (b->size + KDBUS_ITEM_SIZE(strlen(str) + 1) >
		    sizeof(b->data)) {
			free(b);
			return -ENOSPC;
		}
		item->type = type;
		item->size = KDBUS_ITEM_HEADER_SIZE + strlen(str) + 1;
		memcpy(item->str, str, strlen(str) + 1);
		b->size += KDBUS_ITEM_SIZE(strlen(str) + 1);
	}
	cmd = (void *)b->data;
	cmd->size = b->size;
	ret = kdbus_ioctl(fd, request, b->data);
	free(b);
	return ret;
}

TEST_F(ep, endpoint_policy_refuses_too_many_names)
{
	char name[64];

	kdbus_bus_name(name, sizeof(name), "many");
	EXPECT_EQ(-E2BIG, big_ioctl(self->maker, KDBUS_CMD_ENDPOINT_MAKE,
				    name, KDBUS_POLICY_MAX + 1));
	EXPECT_EQ(-ENOENT, stat_ep(self->bus_dir, name, &(struct stat){}));
	EXPECT_EQ(0, big_ioctl(self->maker, KDBUS_CMD_ENDPOINT_MAKE, name,
			       KDBUS_POLICY_MAX));

	/* UPDATE has the same bound */
	EXPECT_EQ(-E2BIG, big_ioctl(self->maker, KDBUS_CMD_ENDPOINT_UPDATE,
				    NULL, KDBUS_POLICY_MAX + 1));
	EXPECT_EQ(0, big_ioctl(self->maker, KDBUS_CMD_ENDPOINT_UPDATE, NULL,
			       KDBUS_POLICY_MAX));
}

TEST_F(ep, endpoint_file_removed_when_maker_closes)
{
	struct kdbus_conn conn = { .fd = -1 };
	char name[64];
	struct stat st;
	int early;

	kdbus_bus_name(name, sizeof(name), "gone");
	ASSERT_EQ(0, ep_make(self->maker, KDBUS_MAKE_ACCESS_WORLD, name));
	ASSERT_EQ(0, stat_ep(self->bus_dir, name, &st));

	/* opened while the endpoint lived, used after it died */
	early = open_ep(self->bus_dir, name);
	ASSERT_GE(early, 0);

	close(self->maker);
	self->maker = -1;

	EXPECT_EQ(-ENOENT, stat_ep(self->bus_dir, name, &st));
	EXPECT_EQ(-ENOENT, open_ep(self->bus_dir, name));
	EXPECT_EQ(-ESHUTDOWN,
		  kdbus_hello_fd(early, 0, KDBUS_TEST_POOL_SIZE, &conn));
	close(early);

	/* the name is free again */
	self->maker = open(self->bus.ep, O_RDWR | O_CLOEXEC);
	ASSERT_GE(self->maker, 0);
	EXPECT_EQ(0, ep_make(self->maker, 0, name));
}

TEST_F(ep, endpoint_connections_disconnected_when_maker_closes)
{
	struct kdbus_conn c = { .fd = -1 }, d = { .fd = -1 };
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	char name[64], path[256];

	kdbus_bus_name(name, sizeof(name), "conns");
	ASSERT_EQ(0, ep_make(self->maker, 0, name));
	snprintf(path, sizeof(path), "%s/%s", self->bus_dir, name);
	ASSERT_EQ(0, kdbus_hello(path, 0, KDBUS_TEST_POOL_SIZE, &c));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE, &d));

	close(self->maker);
	self->maker = -1;

	a.cookie = 1;
	EXPECT_EQ(-ECONNRESET, kdbus_send(&c, d.id, &a));
	EXPECT_EQ(-ENXIO, kdbus_send(&d, c.id, &a));
	kdbus_conn_close(&c);
	kdbus_conn_close(&d);
}

TEST_F(ep, endpoint_make_twice_on_one_fd_is_ebadfd)
{
	struct kdbus_conn conn = { .fd = -1 };
	char name[64];

	kdbus_bus_name(name, sizeof(name), "first");
	ASSERT_EQ(0, ep_make(self->maker, 0, name));
	kdbus_bus_name(name, sizeof(name), "second");
	EXPECT_EQ(-EBADFD, ep_make(self->maker, 0, name));
	EXPECT_EQ(-EBADFD,
		  kdbus_hello_fd(self->maker, 0, KDBUS_TEST_POOL_SIZE, &conn));
	EXPECT_EQ(-ENOENT, stat_ep(self->bus_dir, name, &(struct stat){}));
}

TEST_F(ep, endpoint_update_only_on_the_making_fd)
{
	struct kdbus_conn conn = { .fd = -1 };
	struct kdbus_cmd_buf b;
	char name[64];
	int fd;

	/* an fd without a role, and a connection */
	fd = open(self->bus.ep, O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	kdbus_cmd_init(&b, 0);
	EXPECT_EQ(-EBADFD, ep_update(fd, &b));
	ASSERT_EQ(0, kdbus_hello_fd(fd, 0, KDBUS_TEST_POOL_SIZE, &conn));
	EXPECT_EQ(-EBADFD, ep_update(fd, &b));
	kdbus_conn_close(&conn);

	kdbus_bus_name(name, sizeof(name), "upd");
	ASSERT_EQ(0, ep_make(self->maker, 0, name));

	/* an fd of the custom endpoint itself did not make it */
	fd = open_ep(self->bus_dir, name);
	ASSERT_GE(fd, 0);
	kdbus_cmd_init(&b, 0);
	EXPECT_EQ(-EBADFD, ep_update(fd, &b));
	close(fd);

	kdbus_cmd_init(&b, 0);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_NAME, "org.example");
	kdbus_cmd_add_access(&b, KDBUS_POLICY_ACCESS_USER, KDBUS_POLICY_OWN,
			     KDBUS_TEST_UID);
	EXPECT_EQ(0, ep_update(self->maker, &b));
	/* replacing its own entries is no conflict */
	EXPECT_EQ(0, ep_update(self->maker, &b));
	/* an empty update leaves an empty (deny-all) policy */
	kdbus_cmd_init(&b, 0);
	EXPECT_EQ(0, ep_update(self->maker, &b));

	/* UPDATE takes no MAKE_NAME, no flags, and parses like MAKE */
	kdbus_cmd_init(&b, 0);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_MAKE_NAME, name);
	EXPECT_EQ(-EINVAL, ep_update(self->maker, &b));
	kdbus_cmd_init(&b, KDBUS_MAKE_ACCESS_WORLD);
	EXPECT_EQ(-EINVAL, ep_update(self->maker, &b));
	kdbus_cmd_init(&b, 0);
	kdbus_cmd_add_access(&b, KDBUS_POLICY_ACCESS_WORLD, KDBUS_POLICY_SEE,
			     0);
	EXPECT_EQ(-EINVAL, ep_update(self->maker, &b));
	kdbus_cmd_init(&b, 0);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_NAME, "org.example");
	kdbus_cmd_add_access(&b, KDBUS_POLICY_ACCESS_USER, KDBUS_POLICY_OWN,
			     (uint32_t)-1);
	EXPECT_EQ(-EINVAL, ep_update(self->maker, &b));
}

struct ep_make_args {
	const char *ep_path;
	const char *name;
};

static int ep_make_child(void *arg, int sock)
{
	struct ep_make_args *a = arg;
	int fd;

	fd = open(a->ep_path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 201;
	return -ep_make(fd, 0, a->name);
}

/* ENDPOINT_MAKE in a child that dropped to the test user; its -errno */
static int make_as_unprivileged(const char *ep_path, const char *name)
{
	struct ep_make_args a = { .ep_path = ep_path, .name = name };
	int status;

	status = kdbus_run_as(KDBUS_TEST_UID, KDBUS_TEST_GID, ep_make_child,
			      &a);
	return status < 0 ? -ECHILD : -status;
}

TEST_F(ep, endpoint_make_needs_bus_owner_or_privilege)
{
	char name[64], path[256];
	int fd;

	snprintf(name, sizeof(name), "%u-theirs", KDBUS_TEST_UID);
	EXPECT_EQ(-EPERM, make_as_unprivileged(self->bus.ep, name));

	/* a custom endpoint never grants the bus owner's privilege */
	kdbus_bus_name(name, sizeof(name), "custom");
	ASSERT_EQ(0, ep_make(self->maker, 0, name));
	fd = open_ep(self->bus_dir, name);
	ASSERT_GE(fd, 0);
	kdbus_bus_name(name, sizeof(name), "nested");
	EXPECT_EQ(-EPERM, ep_make(fd, 0, name));
	close(fd);

	snprintf(path, sizeof(path), "%s/%s", self->bus_dir, name);
	EXPECT_EQ(-ENOENT, access(path, F_OK) ? -errno : 0);
}

/*
 * An endpoint fd opened by an unprivileged user and passed to root acts
 * as its opener: root cannot make a custom endpoint through it.
 */
TEST_F(ep, endpoint_fd_passed_to_root_acts_as_its_opener)
{
	char name[64];
	int fd;

	fd = kdbus_open_as(KDBUS_TEST_UID, KDBUS_TEST_GID, self->bus.ep);
	ASSERT_GE(fd, 0);

	kdbus_bus_name(name, sizeof(name), "stolen");
	EXPECT_EQ(-EPERM, ep_make(fd, 0, name));
	snprintf(name, sizeof(name), "%u-stolen", KDBUS_TEST_UID);
	EXPECT_EQ(-EPERM, ep_make(fd, 0, name));
	close(fd);
}

TEST_F(ep, endpoint_hello_and_messages_with_default_endpoint)
{
	struct kdbus_conn c = { .fd = -1 }, d = { .fd = -1 };
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;
	static const char ping[] = "ping", pong[] = "pong";
	const void *payload;
	struct kdbus_msg *m;
	char name[64], path[256];
	uint64_t size;

	kdbus_bus_name(name, sizeof(name), "custom");
	/* the endpoint's policy lets its connections talk to org.ep.Talk */
	ASSERT_EQ(0, ep_make_policy(self->maker, "org.ep.Talk",
				    KDBUS_POLICY_ACCESS_WORLD,
				    KDBUS_POLICY_TALK, 0));
	snprintf(path, sizeof(path), "%s/%s", self->bus_dir, name);
	ASSERT_EQ(0, kdbus_hello(path, 0, KDBUS_TEST_POOL_SIZE, &c));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE, &d));
	EXPECT_NE(c.id, d.id);
	/* d has no name yet: through the endpoint it is not there */
	a.cookie = 9;
	EXPECT_EQ(-ENXIO, kdbus_send(&c, d.id, &a));
	ASSERT_EQ(0, kdbus_name_acquire(&d, "org.ep.Talk", 0, NULL));

	a.cookie = 1;
	a.data = ping;
	a.size = sizeof(ping);
	ASSERT_EQ(0, kdbus_send(&c, d.id, &a));
	ASSERT_EQ(0, kdbus_recv(&d, 0, 0, &m, NULL));
	EXPECT_EQ(c.id, m->src_id);
	payload = kdbus_msg_payload(&d, m, &size);
	ASSERT_NE(NULL, payload);
	EXPECT_EQ(sizeof(ping), size);
	EXPECT_EQ(0, memcmp(payload, ping, sizeof(ping)));
	EXPECT_EQ(0, kdbus_msg_free(&d, m));

	a.cookie = 2;
	a.data = pong;
	a.size = sizeof(pong);
	ASSERT_EQ(0, kdbus_send(&d, c.id, &a));
	ASSERT_EQ(0, kdbus_recv(&c, 0, 0, &m, NULL));
	EXPECT_EQ(d.id, m->src_id);
	payload = kdbus_msg_payload(&c, m, &size);
	ASSERT_NE(NULL, payload);
	EXPECT_EQ(0, memcmp(payload, pong, sizeof(pong)));
	EXPECT_EQ(0, kdbus_msg_free(&c, m));

	kdbus_conn_close(&c);
	kdbus_conn_close(&d);
}

TEST_HARNESS_MAIN
