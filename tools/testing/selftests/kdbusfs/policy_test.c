// SPDX-License-Identifier: GPL-2.0
/*
 * TALK, SEE and OWN: the bus policy of policy holders, custom endpoints as
 * sandboxes, and the rule that a connection's rights are its opener's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "kdbus_util.h"

#define ACCESS(t, a, i)	((struct kdbus_policy_access){ .type = (t), \
				 .access = (a), .id = (i) })

/* an entry of one rule: a NAME and a POLICY_ACCESS item */
static void add_policy(struct kdbus_cmd_buf *b, const char *name,
		       struct kdbus_policy_access pa)
{
	kdbus_cmd_add_str(b, KDBUS_ITEM_NAME, name);
	kdbus_cmd_add_access(b, pa.type, pa.access, pa.id);
}

static int send_name(struct kdbus_conn *c, const char *name, uint64_t cookie)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;

	a.cookie = cookie;
	a.dst_name = name;
	return kdbus_send(c, KDBUS_DST_ID_NAME, &a);
}

static int send_id(struct kdbus_conn *c, uint64_t id, uint64_t cookie)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;

	a.cookie = cookie;
	a.data = "p";
	a.size = 1;
	return kdbus_send(c, id, &a);
}

/* whether LIST (names) shows @name */
static int list_shows(struct kdbus_conn *c, const char *name)
{
	struct kdbus_info *list;
	size_t size;
	int ret;

	ret = kdbus_list(c, KDBUS_LIST_NAMES, &list, &size);
	if (ret)
		return ret;
	ret = kdbus_list_has(list, size, KDBUS_MATCH_ID_ANY, name, NULL);
	free(list);
	return ret;
}

FIXTURE(policy) {
	struct kdbus_test_bus bus;
	struct kdbus_conn svc, other;
	char dir[4200];
};

FIXTURE_SETUP(policy)
{
	ASSERT_EQ(0, kdbus_test_bus_make(&self->bus));
	snprintf(self->dir, sizeof(self->dir), "%s/%s", self->bus.dir,
		 self->bus.name);
	/* two services of the fixture's (privileged) user */
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE,
				 &self->svc));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE,
				 &self->other));
	ASSERT_EQ(0, kdbus_name_acquire(&self->svc, "org.allowed", 0, NULL));
	ASSERT_EQ(0, kdbus_name_acquire(&self->other, "org.hidden", 0, NULL));
}

FIXTURE_TEARDOWN(policy)
{
	kdbus_conn_close(&self->svc);
	kdbus_conn_close(&self->other);
	kdbus_test_bus_close(&self->bus);
}

/* ENDPOINT_MAKE on @fd (a bus endpoint file) with one TALK entry */
static int make_endpoint(int fd, const char *name, const char *talk_to)
{
	struct kdbus_cmd_buf b;

	kdbus_cmd_init(&b, KDBUS_MAKE_ACCESS_WORLD);
	kdbus_cmd_add(&b, KDBUS_ITEM_MAKE_NAME, name, strlen(name) + 1);
	if (talk_to)
		add_policy(&b, talk_to, ACCESS(KDBUS_POLICY_ACCESS_WORLD,
					       KDBUS_POLICY_TALK, 0));
	kdbus_cmd_finish(&b);
	return kdbus_ioctl(fd, KDBUS_CMD_ENDPOINT_MAKE, b.data);
}

struct sandbox {
	struct kdbus_conn *conn;
	uint64_t svc_id, other_id;
};

/* The unprivileged child's view through the sandbox connection. */
static int sandboxed(void *arg, int sock)
{
	struct sandbox *sb = arg;
	struct kdbus_conn *c = sb->conn;

	if (send_name(c, "org.allowed", 1))
		return 11;
	if (send_name(c, "org.hidden", 2) != -ESRCH)
		return 12;
	/* a connection without a visible name is not there at all */
	if (send_id(c, sb->other_id, 3) != -ENXIO)
		return 13;
	if (list_shows(c, "org.allowed") != 1)
		return 14;
	if (list_shows(c, "org.hidden") != 0)
		return 15;
	if (kdbus_name_acquire(c, "org.mine", 0, NULL) != -EPERM)
		return 16;
	if (kdbus_name_acquire(c, "org.allowed", 0, NULL) != -EPERM)
		return 17;
	return 0;
}

TEST_F(policy, sandbox_endpoint_allows_one_name_and_nothing_else)
{
	struct sandbox sb = { .svc_id = self->svc.id,
			      .other_id = self->other.id };
	struct kdbus_cmd_buf b;
	struct kdbus_conn sbc;
	char epname[64], path[4300];
	struct kdbus_msg *m;
	int owner, fd;

	owner = open(self->bus.ep, O_RDWR | O_CLOEXEC);
	ASSERT_GE(owner, 0);
	kdbus_bus_name(epname, sizeof(epname), "sandbox");
	ASSERT_EQ(0, make_endpoint(owner, epname, "org.allowed"));
	snprintf(path, sizeof(path), "%s/%s", self->dir, epname);

	/* privileged opener, custom endpoint: the endpoint's policy rules */
	fd = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	kdbus_hello_init(&b, 0, KDBUS_TEST_POOL_SIZE);
	ASSERT_EQ(0, kdbus_hello_cmd(fd, &b, &sbc));
	sb.conn = &sbc;

	EXPECT_EQ(0, kdbus_run_as(KDBUS_TEST_UID, KDBUS_TEST_GID, sandboxed,
				  &sb));

	ASSERT_EQ(0, kdbus_recv(&self->svc, 0, 0, &m, NULL));
	EXPECT_EQ(1, m->cookie);
	EXPECT_EQ(sbc.id, m->src_id);
	EXPECT_EQ(0, kdbus_msg_free(&self->svc, m));
	EXPECT_EQ(-EAGAIN, kdbus_recv(&self->other, 0, 0, NULL, NULL));

	/* the endpoint file goes with the file that made it */
	kdbus_conn_close(&sbc);
	close(owner);
	EXPECT_EQ(-1, open(path, O_RDWR | O_CLOEXEC));
}

TEST_F(policy, unprivileged_fd_passed_to_root_stays_unprivileged)
{
	struct kdbus_conn holder, user;
	struct kdbus_cmd_buf b;
	char root_only[] = "org.root.Only";
	int fd;

	/* the bus policy: org.root.Only may be owned by uid 0 only */
	fd = open(self->bus.ep, O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	kdbus_hello_init(&b, KDBUS_HELLO_POLICY_HOLDER, KDBUS_TEST_POOL_SIZE);
	add_policy(&b, root_only, ACCESS(KDBUS_POLICY_ACCESS_USER,
					 KDBUS_POLICY_OWN, 0));
	ASSERT_EQ(0, kdbus_hello_cmd(fd, &b, &holder));

	fd = kdbus_open_as(KDBUS_TEST_UID, KDBUS_TEST_GID, self->bus.ep);
	ASSERT_GE(fd, 0);

	/* root says HELLO on the user's fd: the connection is the user's */
	kdbus_hello_init(&b, 0, KDBUS_TEST_POOL_SIZE);
	ASSERT_EQ(0, kdbus_hello_cmd(fd, &b, &user));
	EXPECT_EQ(-EPERM, kdbus_name_acquire(&user, root_only, 0, NULL));
	/* the user could not talk to another user's unnamed connection */
	EXPECT_EQ(-EPERM, send_id(&user, self->other.id, 5));
	/* root itself may own it */
	EXPECT_EQ(0, kdbus_name_acquire(&self->svc, root_only, 0, NULL));

	kdbus_conn_close(&user);
	kdbus_conn_close(&holder);
}

static int user_sends_to_svc(void *arg, int sock)
{
	const char *ep = arg;
	struct kdbus_conn c;

	if (kdbus_hello(ep, 0, KDBUS_TEST_POOL_SIZE, &c))
		return 11;
	return -send_name(&c, "org.allowed", 7);
}

TEST_F(policy, policy_changes_apply_to_later_messages_only)
{
	struct kdbus_conn holder;
	struct kdbus_cmd_buf b;
	struct kdbus_msg *m;
	int fd;

	fd = open(self->bus.ep, O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	kdbus_hello_init(&b, KDBUS_HELLO_POLICY_HOLDER, KDBUS_TEST_POOL_SIZE);
	add_policy(&b, "org.allowed", ACCESS(KDBUS_POLICY_ACCESS_WORLD,
					     KDBUS_POLICY_TALK, 0));
	ASSERT_EQ(0, kdbus_hello_cmd(fd, &b, &holder));

	/* allowed: queued */
	EXPECT_EQ(0, kdbus_run_as(KDBUS_TEST_UID, KDBUS_TEST_GID,
				  user_sends_to_svc, self->bus.ep));
	/* the holder takes TALK away */
	kdbus_cmd_init(&b, 0);
	add_policy(&b, "org.allowed", ACCESS(KDBUS_POLICY_ACCESS_WORLD,
					     KDBUS_POLICY_SEE, 0));
	kdbus_cmd_finish(&b);
	ASSERT_EQ(0, kdbus_ioctl(holder.fd, KDBUS_CMD_UPDATE, b.data));
	EXPECT_EQ(EPERM, kdbus_run_as(KDBUS_TEST_UID, KDBUS_TEST_GID,
				      user_sends_to_svc, self->bus.ep));
	/* what was queued stays */
	ASSERT_EQ(0, kdbus_recv(&self->svc, 0, 0, &m, NULL));
	EXPECT_EQ(7, m->cookie);
	EXPECT_EQ(0, kdbus_msg_free(&self->svc, m));
	EXPECT_EQ(-EAGAIN, kdbus_recv(&self->svc, 0, 0, NULL, NULL));

	/* the holder goes, its policy goes */
	kdbus_conn_close(&holder);
	EXPECT_EQ(EPERM, kdbus_run_as(KDBUS_TEST_UID, KDBUS_TEST_GID,
				      user_sends_to_svc, self->bus.ep));
}

static int user_owns(void *arg, int sock)
{
	const char *ep = arg;
	struct kdbus_conn c;

	if (kdbus_hello(ep, 0, KDBUS_TEST_POOL_SIZE, &c))
		return 11;
	return -kdbus_name_acquire(&c, "org.user.Svc", 0, NULL);
}

TEST_F(policy, policy_holder_rules_and_errors)
{
	struct kdbus_conn holder, h2;
	struct kdbus_cmd_buf b;
	int fd;

	EXPECT_EQ(EPERM, kdbus_run_as(KDBUS_TEST_UID, KDBUS_TEST_GID, user_owns,
				      self->bus.ep));

	fd = open(self->bus.ep, O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	kdbus_hello_init(&b, KDBUS_HELLO_POLICY_HOLDER, KDBUS_TEST_POOL_SIZE);
	add_policy(&b, "org.user.*", ACCESS(KDBUS_POLICY_ACCESS_USER,
					    KDBUS_POLICY_OWN,
					    KDBUS_TEST_UID));
	ASSERT_EQ(0, kdbus_hello_cmd(fd, &b, &holder));
	EXPECT_EQ(0, kdbus_run_as(KDBUS_TEST_UID, KDBUS_TEST_GID, user_owns,
				  self->bus.ep));

	/* another holder cannot claim the same name */
	fd = open(self->bus.ep, O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	kdbus_hello_init(&b, KDBUS_HELLO_POLICY_HOLDER, KDBUS_TEST_POOL_SIZE);
	add_policy(&b, "org.user.*", ACCESS(KDBUS_POLICY_ACCESS_WORLD,
					    KDBUS_POLICY_OWN, 0));
	EXPECT_EQ(-EEXIST, kdbus_hello_cmd(fd, &b, &h2));

	/* bad entries */
	fd = open(self->bus.ep, O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	kdbus_hello_init(&b, KDBUS_HELLO_POLICY_HOLDER, KDBUS_TEST_POOL_SIZE);
	add_policy(&b, "bad", ACCESS(KDBUS_POLICY_ACCESS_WORLD,
				     KDBUS_POLICY_OWN, 0));
	EXPECT_EQ(-EINVAL, kdbus_hello_cmd(fd, &b, &h2));
	fd = open(self->bus.ep, O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	kdbus_hello_init(&b, KDBUS_HELLO_POLICY_HOLDER, KDBUS_TEST_POOL_SIZE);
	add_policy(&b, "org.x", ACCESS(99, KDBUS_POLICY_OWN, 0));
	EXPECT_EQ(-EINVAL, kdbus_hello_cmd(fd, &b, &h2));

	/* holders own no names and send nothing */
	EXPECT_EQ(-EOPNOTSUPP, kdbus_name_acquire(&holder, "org.h", 0, NULL));
	kdbus_conn_close(&holder);
}

static int user_holder(void *arg, int sock)
{
	const char *ep = arg;
	struct kdbus_cmd_buf b;
	struct kdbus_conn c;
	int fd;

	fd = open(ep, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 11;
	kdbus_hello_init(&b, KDBUS_HELLO_POLICY_HOLDER, KDBUS_TEST_POOL_SIZE);
	add_policy(&b, "org.any", ACCESS(KDBUS_POLICY_ACCESS_WORLD,
					 KDBUS_POLICY_OWN, 0));
	return -kdbus_hello_cmd(fd, &b, &c);
}

TEST_F(policy, policy_holders_need_privilege)
{
	EXPECT_EQ(EPERM, kdbus_run_as(KDBUS_TEST_UID, KDBUS_TEST_GID,
				      user_holder, self->bus.ep));
}

TEST_HARNESS_MAIN
