// SPDX-License-Identifier: GPL-2.0
/*
 * Behaviour of the final upstream kdbus (systemd/kdbus, ipc/kdbus/ and its
 * selftests) that a client written for it relies on: re-acquiring names,
 * the flags names are reported with, activators' policy, cancel fds, who
 * takes unicasts, the same-user TALK rule, policy holders' one name,
 * proxies presenting their clients' credentials, monitors and passed
 * files.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "kdbus_util.h"

FIXTURE(conf) {
	struct kdbus_test_bus bus;
	struct kdbus_conn a, b;
};

FIXTURE_SETUP(conf)
{
	ASSERT_EQ(0, kdbus_test_bus_make(&self->bus));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, KDBUS_HELLO_ACCEPT_FD,
				 KDBUS_TEST_POOL_SIZE, &self->a));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, KDBUS_HELLO_ACCEPT_FD,
				 KDBUS_TEST_POOL_SIZE, &self->b));
}

FIXTURE_TEARDOWN(conf)
{
	kdbus_conn_close(&self->a);
	kdbus_conn_close(&self->b);
	kdbus_test_bus_close(&self->bus);
}

/* the flags of @id's record of @name in a LIST with @flags, or ~0 */
static uint64_t list_flags(struct kdbus_conn *c, uint64_t flags, uint64_t id,
			   const char *name)
{
	struct kdbus_info *l;
	uint64_t f = ~0ULL;
	size_t size;

	if (kdbus_list(c, flags, &l, &size))
		return ~0ULL;
	if (!kdbus_list_has(l, size, id, name, &f))
		f = ~0ULL;
	free(l);
	return f;
}

/* HELLO as an activator or policy holder for @name, rule @pa if @rule */
static int hello_role(const char *ep, uint64_t role, const char *name,
		      bool rule, struct kdbus_policy_access pa,
		      struct kdbus_conn *c)
{
	return kdbus_hello_role(ep, role, name, rule ? &pa : NULL, c);
}

static const struct kdbus_policy_access world_own = {
	.type = KDBUS_POLICY_ACCESS_WORLD,
	.access = KDBUS_POLICY_OWN,
};

TEST_F(conf, owner_asking_again_updates_the_saved_flags)
{
	uint64_t rflags = 0;

	ASSERT_EQ(0, kdbus_name_acquire(&self->a, "org.c.again",
					KDBUS_NAME_ALLOW_REPLACEMENT, &rflags));
	EXPECT_EQ(KDBUS_NAME_ALLOW_REPLACEMENT | KDBUS_NAME_PRIMARY |
		  KDBUS_NAME_ACQUIRED, rflags);
	/* again, without ALLOW_REPLACEMENT: 0, and it is no longer allowed */
	ASSERT_EQ(0, kdbus_name_acquire(&self->a, "org.c.again", 0, &rflags));
	EXPECT_EQ(KDBUS_NAME_PRIMARY, rflags);
	EXPECT_EQ(-EEXIST, kdbus_name_acquire(&self->b, "org.c.again",
					      KDBUS_NAME_REPLACE_EXISTING,
					      NULL));
	EXPECT_EQ(KDBUS_NAME_PRIMARY,
		  list_flags(&self->b, KDBUS_LIST_NAMES, self->a.id,
			     "org.c.again"));
}

TEST_F(conf, queued_owner_asking_again_stays_leaves_or_takes_over)
{
	uint64_t rflags = 0;

	ASSERT_EQ(0, kdbus_name_acquire(&self->a, "org.c.q",
					KDBUS_NAME_ALLOW_REPLACEMENT, NULL));
	ASSERT_EQ(0, kdbus_name_acquire(&self->b, "org.c.q", KDBUS_NAME_QUEUE,
					&rflags));
	EXPECT_EQ(KDBUS_NAME_QUEUE | KDBUS_NAME_IN_QUEUE | KDBUS_NAME_ACQUIRED,
		  rflags);
	/* with QUEUE again: stays in line, nothing acquired */
	ASSERT_EQ(0, kdbus_name_acquire(&self->b, "org.c.q", KDBUS_NAME_QUEUE,
					&rflags));
	EXPECT_EQ(KDBUS_NAME_QUEUE | KDBUS_NAME_IN_QUEUE, rflags);
	/* without QUEUE: leaves the queue */
	ASSERT_EQ(0, kdbus_name_acquire(&self->b, "org.c.q", 0, &rflags));
	EXPECT_EQ(0, rflags);
	EXPECT_EQ(~0ULL, list_flags(&self->a, KDBUS_LIST_QUEUED, self->b.id,
				    "org.c.q"));
	EXPECT_EQ(-EADDRINUSE, kdbus_name_release(&self->b, "org.c.q"));
	/* queued again, then with REPLACE_EXISTING: takes the name */
	ASSERT_EQ(0, kdbus_name_acquire(&self->b, "org.c.q", KDBUS_NAME_QUEUE,
					NULL));
	ASSERT_EQ(0, kdbus_name_acquire(&self->b, "org.c.q",
					KDBUS_NAME_REPLACE_EXISTING, &rflags));
	EXPECT_EQ(KDBUS_NAME_PRIMARY | KDBUS_NAME_ACQUIRED, rflags);
	/* a did not ask to queue: it let go */
	EXPECT_EQ(-EADDRINUSE, kdbus_name_release(&self->a, "org.c.q"));
}

TEST_F(conf, name_limit_counts_only_new_owner_records)
{
	char name[64];
	int i;

	for (i = 0; i < KDBUS_CONN_MAX_NAMES; i++) {
		snprintf(name, sizeof(name), "org.c.limit.n%d", i);
		ASSERT_EQ(0, kdbus_name_acquire(&self->a, name, 0, NULL));
	}
	EXPECT_EQ(-E2BIG, kdbus_name_acquire(&self->a, "org.c.limit.over", 0,
					     NULL));
	/* re-acquiring one it holds needs no new record */
	EXPECT_EQ(0, kdbus_name_acquire(&self->a, "org.c.limit.n7",
					KDBUS_NAME_ALLOW_REPLACEMENT, NULL));
}

TEST_F(conf, saved_flags_keep_only_allow_replacement_and_queue)
{
	uint64_t rflags = 0;

	ASSERT_EQ(0, kdbus_name_acquire(&self->a, "org.c.saved",
					KDBUS_NAME_ALLOW_REPLACEMENT, NULL));
	ASSERT_EQ(0, kdbus_name_acquire(&self->b, "org.c.saved",
					KDBUS_NAME_REPLACE_EXISTING |
					KDBUS_NAME_ALLOW_REPLACEMENT |
					KDBUS_NAME_QUEUE, &rflags));
	EXPECT_EQ(KDBUS_NAME_ALLOW_REPLACEMENT | KDBUS_NAME_QUEUE |
		  KDBUS_NAME_PRIMARY | KDBUS_NAME_ACQUIRED, rflags);
	EXPECT_EQ(KDBUS_NAME_ALLOW_REPLACEMENT | KDBUS_NAME_QUEUE |
		  KDBUS_NAME_PRIMARY,
		  list_flags(&self->a, KDBUS_LIST_NAMES, self->b.id,
			     "org.c.saved"));
}

/* a rule for NAME_ADD, NAME_CHANGE and NAME_REMOVE of any name */
static int add_name_rules(struct kdbus_conn *c)
{
	struct kdbus_notify_name_change nc = {
		.old_id.id = KDBUS_MATCH_ID_ANY,
		.new_id.id = KDBUS_MATCH_ID_ANY,
	};
	static const uint64_t types[] = {
		KDBUS_ITEM_NAME_ADD, KDBUS_ITEM_NAME_CHANGE,
		KDBUS_ITEM_NAME_REMOVE,
	};
	struct kdbus_cmd_buf b;
	unsigned int i;
	int ret;

	for (i = 0; i < 3; i++) {
		kdbus_match_init(&b, 0, i + 1);
		kdbus_cmd_add(&b, types[i], &nc, sizeof(nc));
		kdbus_cmd_finish(&b);
		ret = kdbus_ioctl(c->fd, KDBUS_CMD_MATCH_ADD, b.data);
		if (ret)
			return ret;
	}
	return 0;
}

/* the next notification: its type, old and new flags */
static int next_name_change(struct kdbus_conn *c, uint64_t *type,
			    uint64_t *old_flags, uint64_t *new_flags)
{
	struct kdbus_msg *m;
	int ret;

	ret = kdbus_recv(c, 0, 0, &m, NULL);
	if (ret)
		return ret;
	*type = m->items[0].type;
	*old_flags = m->items[0].name_change.old_id.flags;
	*new_flags = m->items[0].name_change.new_id.flags;
	kdbus_msg_free(c, m);
	return 0;
}

TEST_F(conf, name_flags_report_primary_everywhere)
{
	struct kdbus_conn act;
	uint64_t type, of, nf;

	ASSERT_EQ(0, add_name_rules(&self->b));
	ASSERT_EQ(0, hello_role(self->bus.ep, KDBUS_HELLO_ACTIVATOR,
				"org.c.act", false, world_own, &act));
	ASSERT_EQ(0, next_name_change(&self->b, &type, &of, &nf));
	EXPECT_EQ(KDBUS_ITEM_NAME_ADD, type);
	EXPECT_EQ(KDBUS_NAME_ACTIVATOR | KDBUS_NAME_PRIMARY, nf);
	EXPECT_EQ(KDBUS_NAME_ACTIVATOR | KDBUS_NAME_PRIMARY,
		  list_flags(&self->b, KDBUS_LIST_ACTIVATORS, act.id,
			     "org.c.act"));

	/* the real owner takes it: the activator waits */
	ASSERT_EQ(0, kdbus_name_acquire(&self->a, "org.c.act", 0, NULL));
	ASSERT_EQ(0, next_name_change(&self->b, &type, &of, &nf));
	EXPECT_EQ(KDBUS_ITEM_NAME_CHANGE, type);
	EXPECT_EQ(KDBUS_NAME_ACTIVATOR | KDBUS_NAME_PRIMARY, of);
	EXPECT_EQ(KDBUS_NAME_PRIMARY, nf);
	EXPECT_EQ(KDBUS_NAME_ACTIVATOR | KDBUS_NAME_IN_QUEUE,
		  list_flags(&self->b, KDBUS_LIST_ACTIVATORS, act.id,
			     "org.c.act"));
	EXPECT_EQ(KDBUS_NAME_PRIMARY,
		  list_flags(&self->b, KDBUS_LIST_NAMES, self->a.id,
			     "org.c.act"));

	/* it goes back to the activator, then away */
	ASSERT_EQ(0, kdbus_name_release(&self->a, "org.c.act"));
	ASSERT_EQ(0, next_name_change(&self->b, &type, &of, &nf));
	EXPECT_EQ(KDBUS_ITEM_NAME_CHANGE, type);
	EXPECT_EQ(KDBUS_NAME_PRIMARY, of);
	EXPECT_EQ(KDBUS_NAME_ACTIVATOR | KDBUS_NAME_PRIMARY, nf);
	kdbus_conn_close(&act);
	ASSERT_EQ(0, next_name_change(&self->b, &type, &of, &nf));
	EXPECT_EQ(KDBUS_ITEM_NAME_REMOVE, type);
	EXPECT_EQ(KDBUS_NAME_ACTIVATOR | KDBUS_NAME_PRIMARY, of);
	EXPECT_EQ(0, nf);
}

static int user_owns_act_name(void *arg, int sock)
{
	struct kdbus_conn c;

	if (kdbus_hello(arg, 0, KDBUS_TEST_POOL_SIZE, &c))
		return 11;
	return kdbus_name_acquire(&c, "org.c.actpol", 0, NULL) ? 12 : 0;
}

TEST_F(conf, activator_policy_items_are_its_share_of_the_bus_policy)
{
	struct kdbus_conn act, holder;

	/* nobody unprivileged may own the name before */
	EXPECT_EQ(12, kdbus_run_as(KDBUS_TEST_UID, KDBUS_TEST_GID,
				   user_owns_act_name, self->bus.ep));
	ASSERT_EQ(0, hello_role(self->bus.ep, KDBUS_HELLO_ACTIVATOR,
				"org.c.actpol", true, world_own, &act));
	EXPECT_EQ(0, kdbus_run_as(KDBUS_TEST_UID, KDBUS_TEST_GID,
				  user_owns_act_name, self->bus.ep));
	/* the entry is the activator's: no policy holder may take it */
	EXPECT_EQ(-EEXIST, hello_role(self->bus.ep, KDBUS_HELLO_POLICY_HOLDER,
				      "org.c.actpol", true, world_own,
				      &holder));
	/* an activator's name is no wildcard */
	EXPECT_EQ(-EINVAL, hello_role(self->bus.ep, KDBUS_HELLO_ACTIVATOR,
				      "org.c.*", true, world_own, &holder));
	/* it goes with the activator */
	kdbus_conn_close(&act);
	EXPECT_EQ(12, kdbus_run_as(KDBUS_TEST_UID, KDBUS_TEST_GID,
				   user_owns_act_name, self->bus.ep));
	ASSERT_EQ(0, hello_role(self->bus.ep, KDBUS_HELLO_POLICY_HOLDER,
				"org.c.actpol", true, world_own, &holder));
	/* and an activator cannot take a holder's entry */
	EXPECT_EQ(-EEXIST, hello_role(self->bus.ep, KDBUS_HELLO_ACTIVATOR,
				      "org.c.actpol", true, world_own, &act));
	kdbus_conn_close(&holder);
}

static int custom_ep(struct kdbus_test_bus *bus, int *maker, char *path,
		     size_t size)
{
	struct kdbus_cmd_buf b;
	char name[64];
	int ret;

	*maker = open(bus->ep, O_RDWR | O_CLOEXEC);
	if (*maker < 0)
		return -errno;
	kdbus_bus_name(name, sizeof(name), "conf");
	kdbus_cmd_init(&b, KDBUS_MAKE_ACCESS_WORLD);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_MAKE_NAME, name);
	kdbus_cmd_finish(&b);
	ret = kdbus_ioctl(*maker, KDBUS_CMD_ENDPOINT_MAKE, b.data);
	snprintf(path, size, "%s/%s/%s", bus->dir, bus->name, name);
	return ret;
}

static int user_monitor(void *arg, int sock)
{
	struct kdbus_conn c;

	return kdbus_hello(arg, KDBUS_HELLO_MONITOR, KDBUS_TEST_POOL_SIZE,
			   &c) == -EOPNOTSUPP ? 0 : 10;
}

TEST_F(conf, monitor_through_a_custom_endpoint_is_eopnotsupp_first)
{
	struct kdbus_conn mon;
	char path[256];
	int maker;

	ASSERT_EQ(0, custom_ep(&self->bus, &maker, path, sizeof(path)));
	/* privileged or not: the endpoint refuses monitors before privilege */
	EXPECT_EQ(-EOPNOTSUPP, kdbus_hello(path, KDBUS_HELLO_MONITOR,
					   KDBUS_TEST_POOL_SIZE, &mon));
	EXPECT_EQ(0, kdbus_run_as(KDBUS_TEST_UID, KDBUS_TEST_GID,
				  user_monitor, path));
	close(maker);
}

/* SEND with SYNC_REPLY and a CANCEL_FD item for @cancel; 0 or -errno */
static int send_sync_cancel(struct kdbus_conn *c, uint64_t dst, int cancel)
{
	uint64_t msgbuf[64] = { 0 }, cmdbuf[64] = { 0 };
	struct kdbus_cmd_send *cmd = (void *)cmdbuf;
	struct kdbus_msg *msg = (void *)msgbuf;
	struct kdbus_item *item = cmd->items;

	msg->size = sizeof(*msg);
	msg->flags = KDBUS_MSG_EXPECT_REPLY;
	msg->dst_id = dst;
	msg->payload_type = KDBUS_PAYLOAD_DBUS;
	msg->cookie = 7;
	msg->timeout_ns = kdbus_now_ns() + 20000000000ULL;
	item->type = KDBUS_ITEM_CANCEL_FD;
	item->size = KDBUS_ITEM_HEADER_SIZE + sizeof(int);
	item->fds[0] = cancel;
	cmd->size = sizeof(*cmd) + KDBUS_ALIGN8(item->size);
	cmd->flags = KDBUS_SEND_SYNC_REPLY;
	cmd->msg_address = (uintptr_t)msg;
	return kdbus_ioctl(c->fd, KDBUS_CMD_SEND, cmd);
}

static void *write_later(void *arg)
{
	uint64_t one = 1;

	usleep(200 * 1000);
	if (write(*(int *)arg, &one, sizeof(one)) != sizeof(one))
		return (void *)1;
	return NULL;
}

TEST_F(conf, cancel_fd_ends_a_synchronous_wait)
{
	uint64_t t0, t1, one = 1;
	pthread_t thread;
	int efd;

	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_GE(efd, 0);
	/* b never answers: the wait ends when the eventfd is written to */
	t0 = kdbus_now_ns();
	ASSERT_EQ(0, pthread_create(&thread, NULL, write_later, &efd));
	EXPECT_EQ(-ECANCELED, send_sync_cancel(&self->a, self->b.id, efd));
	t1 = kdbus_now_ns();
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_GE(t1 - t0, 150000000ULL);
	/* well before the 20 s timeout */
	EXPECT_LT(t1 - t0, 15000000000ULL);
	/* readable already: cancelled at once; the request was sent */
	EXPECT_EQ(-ECANCELED, send_sync_cancel(&self->a, self->b.id, efd));
	EXPECT_EQ(0, kdbus_recv(&self->b, 0, 0, NULL, NULL));
	EXPECT_EQ(0, kdbus_recv(&self->b, 0, 0, NULL, NULL));
	ASSERT_EQ(sizeof(one), read(efd, &one, sizeof(one)));
	close(efd);
}

TEST_F(conf, cancel_fd_must_be_an_open_pollable_file)
{
	char path[] = "/tmp/kdbus-cancel-XXXXXX";
	int fd;

	EXPECT_EQ(-EBADF, send_sync_cancel(&self->a, self->b.id, -1));
	EXPECT_EQ(-EBADF, send_sync_cancel(&self->a, self->b.id, 999));
	/* a regular file of a disk-like file system has no poll */
	fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	unlink(path);
	EXPECT_EQ(-EINVAL, send_sync_cancel(&self->a, self->b.id, fd));
	close(fd);
	/* nothing was sent */
	EXPECT_EQ(-EAGAIN, kdbus_recv(&self->b, 0, 0, NULL, NULL));
}

TEST_F(conf, unicast_by_id_to_activator_monitor_or_holder_is_enxio)
{
	struct kdbus_send_args args = KDBUS_SEND_ARGS_INIT;
	struct kdbus_conn act, holder, mon;

	ASSERT_EQ(0, hello_role(self->bus.ep, KDBUS_HELLO_ACTIVATOR,
				"org.c.enxio", false, world_own, &act));
	ASSERT_EQ(0, hello_role(self->bus.ep, KDBUS_HELLO_POLICY_HOLDER,
				"org.c.holder", true, world_own, &holder));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, KDBUS_HELLO_MONITOR,
				 KDBUS_TEST_POOL_SIZE, &mon));
	args.cookie = 1;
	EXPECT_EQ(-ENXIO, kdbus_send(&self->a, act.id, &args));
	EXPECT_EQ(-ENXIO, kdbus_send(&self->a, holder.id, &args));
	EXPECT_EQ(-ENXIO, kdbus_send(&self->a, mon.id, &args));
	/* an activator is reached through its name */
	args.dst_name = "org.c.enxio";
	EXPECT_EQ(0, kdbus_send(&self->a, KDBUS_DST_ID_NAME, &args));
	EXPECT_EQ(0, kdbus_recv(&act, 0, 0, NULL, NULL));
	kdbus_conn_close(&act);
	kdbus_conn_close(&holder);
	kdbus_conn_close(&mon);
}

/* upstream: only an ordinary connection says BYEBYE; the others close */
TEST_F(conf, byebye_is_for_ordinary_connections_only)
{
	struct kdbus_conn act, holder, mon;

	ASSERT_EQ(0, hello_role(self->bus.ep, KDBUS_HELLO_ACTIVATOR,
				"org.c.bye", false, world_own, &act));
	ASSERT_EQ(0, hello_role(self->bus.ep, KDBUS_HELLO_POLICY_HOLDER,
				"org.c.byeholder", true, world_own, &holder));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, KDBUS_HELLO_MONITOR,
				 KDBUS_TEST_POOL_SIZE, &mon));
	EXPECT_EQ(-EOPNOTSUPP, kdbus_byebye(&act));
	EXPECT_EQ(-EOPNOTSUPP, kdbus_byebye(&holder));
	EXPECT_EQ(-EOPNOTSUPP, kdbus_byebye(&mon));
	/* still connected: the activator keeps its name */
	EXPECT_EQ(-EAGAIN, kdbus_recv(&act, 0, 0, NULL, NULL));
	EXPECT_EQ(0, kdbus_byebye(&self->a));
	kdbus_conn_close(&act);
	kdbus_conn_close(&holder);
	kdbus_conn_close(&mon);
}

/*
 * One process, two connections of uid 1000: r opened with real uid 0 and
 * effective uid 1000 (no capabilities), s with 1000 throughout.
 */
static int same_user_rule(void *arg, int sock)
{
	struct kdbus_send_args args = KDBUS_SEND_ARGS_INIT;
	struct kdbus_conn r, s;
	int fd;

	if (setgroups(0, NULL) || setresgid(KDBUS_TEST_GID, KDBUS_TEST_GID,
					    KDBUS_TEST_GID) ||
	    setresuid(0, KDBUS_TEST_UID, KDBUS_TEST_UID))
		return KDBUS_CHILD_DROP_FAILED;
	fd = open(arg, O_RDWR | O_CLOEXEC);
	if (fd < 0 || kdbus_hello_fd(fd, 0, KDBUS_TEST_POOL_SIZE, &r))
		return 11;
	if (setresuid(KDBUS_TEST_UID, KDBUS_TEST_UID, KDBUS_TEST_UID))
		return KDBUS_CHILD_DROP_FAILED;
	if (kdbus_hello(arg, 0, KDBUS_TEST_POOL_SIZE, &s))
		return 12;
	args.cookie = 1;
	/* s's euid is not r's real uid: no policy, no TALK */
	if (kdbus_send(&s, r.id, &args) != -EPERM)
		return 13;
	/* r's euid is s's real uid */
	if (kdbus_send(&r, s.id, &args))
		return 14;
	return 0;
}

TEST_F(conf, same_user_talk_compares_euid_with_the_real_uid)
{
	EXPECT_EQ(0, kdbus_run(same_user_rule, self->bus.ep));
}

TEST_F(conf, policy_holder_holds_one_name)
{
	struct kdbus_conn holder;
	struct kdbus_cmd_buf b;
	int fd;

	/* two NAME items at HELLO: a second item HELLO takes once */
	fd = open(self->bus.ep, O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	kdbus_hello_init(&b, KDBUS_HELLO_POLICY_HOLDER, KDBUS_TEST_POOL_SIZE);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_NAME, "org.c.one");
	kdbus_cmd_add_str(&b, KDBUS_ITEM_NAME, "org.c.two");
	EXPECT_EQ(-EINVAL, kdbus_hello_cmd(fd, &b, &holder));

	ASSERT_EQ(0, hello_role(self->bus.ep, KDBUS_HELLO_POLICY_HOLDER,
				"org.c.one", true, world_own, &holder));
	/* UPDATE with two names: E2BIG, the policy unchanged */
	kdbus_cmd_init(&b, 0);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_NAME, "org.c.one");
	kdbus_cmd_add_str(&b, KDBUS_ITEM_NAME, "org.c.two");
	kdbus_cmd_finish(&b);
	EXPECT_EQ(-E2BIG, kdbus_ioctl(holder.fd, KDBUS_CMD_UPDATE, b.data));
	kdbus_cmd_init(&b, 0);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_NAME, "org.c.two");
	kdbus_cmd_finish(&b);
	EXPECT_EQ(0, kdbus_ioctl(holder.fd, KDBUS_CMD_UPDATE, b.data));
	kdbus_conn_close(&holder);
}

/* HELLO on @ep presenting uid/gid @id, pids of this process, @label */
static int hello_fake(const char *ep, uint64_t id, const char *label,
		      struct kdbus_conn *c)
{
	struct kdbus_creds creds;
	struct kdbus_pids pids;
	struct kdbus_cmd_hello *hello;
	struct kdbus_cmd_buf b;
	int fd;

	fd = open(ep, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	kdbus_presented_ids(id, &creds, &pids);
	hello = kdbus_hello_init(&b, 0, KDBUS_TEST_POOL_SIZE);
	hello->attach_flags_send = _KDBUS_ATTACH_ANY;
	kdbus_cmd_add(&b, KDBUS_ITEM_CREDS, &creds, sizeof(creds));
	kdbus_cmd_add(&b, KDBUS_ITEM_PIDS, &pids, sizeof(pids));
	if (label)
		kdbus_cmd_add_str(&b, KDBUS_ITEM_SECLABEL, label);
	return kdbus_hello_cmd(fd, &b, c);
}

TEST_F(conf, proxy_presents_its_clients_credentials)
{
	struct kdbus_cmd_info ci = { .size = sizeof(ci) };
	struct kdbus_item *item;
	struct kdbus_info *info;
	struct kdbus_conn proxy;

	ASSERT_EQ(0, hello_fake(self->bus.ep, KDBUS_TEST_UID, "fake_label",
				&proxy));
	ci.id = proxy.id;
	ci.attach_flags = KDBUS_ATTACH_CREDS | KDBUS_ATTACH_PIDS |
			  KDBUS_ATTACH_SECLABEL | KDBUS_ATTACH_PID_COMM;
	ASSERT_EQ(0, kdbus_ioctl(self->a.fd, KDBUS_CMD_CONN_INFO, &ci));
	info = (void *)(self->a.pool + ci.offset);
	item = kdbus_info_item(info, KDBUS_ITEM_CREDS);
	ASSERT_NE(NULL, item);
	EXPECT_EQ(KDBUS_TEST_UID, item->creds.uid);
	EXPECT_EQ(KDBUS_TEST_UID, item->creds.euid);
	EXPECT_EQ(KDBUS_TEST_GID, item->creds.fsgid);
	item = kdbus_info_item(info, KDBUS_ITEM_PIDS);
	ASSERT_NE(NULL, item);
	EXPECT_EQ(getpid(), item->pids.pid);
	item = kdbus_info_item(info, KDBUS_ITEM_SECLABEL);
	ASSERT_NE(NULL, item);
	EXPECT_STREQ("fake_label", item->str);
	/* the proxy's own task facts are not the client's: left out */
	EXPECT_EQ(NULL, kdbus_info_item(info, KDBUS_ITEM_PID_COMM));
	kdbus_free(&self->a, ci.offset);
	kdbus_conn_close(&proxy);
}

TEST(presented_credentials_are_charged_to_the_presented_user)
{
	struct kdbus_conn own, fake[3];
	struct kdbus_test_bus bus;
	int i;

	/* two connections per user in this domain */
	ASSERT_EQ(0, kdbus_test_bus_make_opts(&bus, "max_connections=2"));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, hello_fake(bus.ep, KDBUS_TEST_UID, NULL,
					&fake[i]));
	/* the third for uid 1000 is over its limit, root still has room */
	EXPECT_EQ(-EMFILE, hello_fake(bus.ep, KDBUS_TEST_UID, NULL,
				      &fake[2]));
	EXPECT_EQ(0, kdbus_hello(bus.ep, 0, KDBUS_TEST_POOL_SIZE, &own));
	kdbus_conn_close(&own);
	for (i = 0; i < 2; i++)
		kdbus_conn_close(&fake[i]);
	kdbus_test_bus_close(&bus);
}

static int user_fakes(void *arg, int sock)
{
	struct kdbus_conn c;

	return hello_fake(arg, KDBUS_TEST_UID, NULL, &c) == -EPERM ? 0 : 10;
}

TEST_F(conf, unprivileged_opener_cannot_present_credentials)
{
	EXPECT_EQ(0, kdbus_run_as(KDBUS_TEST_UID, KDBUS_TEST_GID, user_fakes,
				  self->bus.ep));
}

static int user_conn_serves(void *arg, int sock)
{
	struct kdbus_conn c;
	char byte;

	if (kdbus_hello(arg, 0, KDBUS_TEST_POOL_SIZE, &c))
		return 11;
	if (write(sock, &c.id, sizeof(c.id)) != sizeof(c.id))
		return 12;
	/* stay until the parent is done */
	if (read(sock, &byte, 1) < 0)
		return 13;
	return 0;
}

TEST_F(conf, presented_credentials_lend_no_privilege)
{
	struct kdbus_send_args args = KDBUS_SEND_ARGS_INIT;
	struct kdbus_conn proxy;
	uint64_t id;
	pid_t pid;
	int sock;

	pid = kdbus_fork_as(KDBUS_TEST_UID, KDBUS_TEST_GID, user_conn_serves,
			    self->bus.ep, &sock);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(sizeof(id), read(sock, &id, sizeof(id)));

	args.cookie = 1;
	/* root's own connection may talk to the user's */
	EXPECT_EQ(0, kdbus_send(&self->a, id, &args));
	/* root presenting uid 2000's credentials is not privileged */
	ASSERT_EQ(0, hello_fake(self->bus.ep, 2000, NULL, &proxy));
	EXPECT_EQ(-EPERM, kdbus_send(&proxy, id, &args));
	kdbus_conn_close(&proxy);

	close(sock);
	EXPECT_EQ(0, kdbus_wait(pid));
}

TEST_F(conf, monitors_get_no_file_descriptors)
{
	struct kdbus_send_args args = KDBUS_SEND_ARGS_INIT;
	struct kdbus_item *item;
	struct kdbus_conn mon;
	struct kdbus_msg *m;
	int fds[2];

	ASSERT_EQ(0, kdbus_hello(self->bus.ep, KDBUS_HELLO_MONITOR,
				 KDBUS_TEST_POOL_SIZE, &mon));
	ASSERT_EQ(0, pipe2(fds, O_CLOEXEC));
	args.cookie = 5;
	args.fds = &fds[0];
	args.n_fds = 1;
	ASSERT_EQ(0, kdbus_send(&self->a, self->b.id, &args));

	/* the receiver gets a working descriptor */
	ASSERT_EQ(0, kdbus_recv(&self->b, 0, 0, &m, NULL));
	item = kdbus_msg_item(m, KDBUS_ITEM_FDS);
	ASSERT_NE(NULL, item);
	EXPECT_GE(item->fds[0], 0);
	if (item->fds[0] >= 0)
		close(item->fds[0]);
	kdbus_msg_free(&self->b, m);
	/* the monitor sees the message, with -1 for the descriptor */
	ASSERT_EQ(0, kdbus_recv(&mon, 0, 0, &m, NULL));
	EXPECT_EQ(5, m->cookie);
	item = kdbus_msg_item(m, KDBUS_ITEM_FDS);
	ASSERT_NE(NULL, item);
	EXPECT_EQ(-1, item->fds[0]);
	kdbus_msg_free(&mon, m);
	close(fds[0]);
	close(fds[1]);
	kdbus_conn_close(&mon);
}

TEST_HARNESS_MAIN
