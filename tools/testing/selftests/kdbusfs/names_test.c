// SPDX-License-Identifier: GPL-2.0
/*
 * Well-known names: acquiring, queueing, replacing, releasing, sending to
 * a name, activators, LIST, and names in metadata.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "kdbus_util.h"

/* send @cookie to @name (dst_id KDBUS_DST_ID_NAME unless @id) */
static int send_to_name(struct kdbus_conn *c, const char *name, uint64_t id,
			uint64_t msg_flags, uint64_t cookie)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;

	a.flags = msg_flags;
	a.cookie = cookie;
	if (msg_flags & KDBUS_MSG_EXPECT_REPLY)
		a.timeout_ns = kdbus_now_ns() + 10000000000ULL;
	a.dst_name = name;
	return kdbus_send(c, id, &a);
}

static int recv_cookie(struct kdbus_conn *c, uint64_t *cookie)
{
	struct kdbus_msg *m;
	int ret = kdbus_recv(c, 0, 0, &m, NULL);

	if (ret)
		return ret;
	*cookie = m->cookie;
	return kdbus_msg_free(c, m);
}

FIXTURE(names) {
	struct kdbus_test_bus bus;
	struct kdbus_conn a, b, c;
};

FIXTURE_SETUP(names)
{
	ASSERT_EQ(0, kdbus_test_bus_make(&self->bus));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE,
				 &self->a));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE,
				 &self->b));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE,
				 &self->c));
}

FIXTURE_TEARDOWN(names)
{
	kdbus_conn_close(&self->a);
	kdbus_conn_close(&self->b);
	kdbus_conn_close(&self->c);
	kdbus_test_bus_close(&self->bus);
}

TEST_F(names, invalid_names_are_refused)
{
	static const char * const bad[] = {
		"", "org", ".org.x", "org.x.", "org..x", "org.1x", "org.x y",
		"org.x*", "org.*", "org/x", "ö.x",
	};
	char longname[KDBUS_NAME_MAX_LEN + 45];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_EQ(-EINVAL, kdbus_name_acquire(&self->a, bad[i], 0,
						      NULL))
			TH_LOG("bad name #%u", i);
	memset(longname, 'a', sizeof(longname));
	longname[1] = '.';
	longname[KDBUS_NAME_MAX_LEN + 1] = '\0';
	EXPECT_EQ(-EINVAL, kdbus_name_acquire(&self->a, longname, 0, NULL));
	longname[KDBUS_NAME_MAX_LEN] = '\0';
	EXPECT_EQ(0, kdbus_name_acquire(&self->a, longname, 0, NULL));
	EXPECT_EQ(0, kdbus_name_acquire(&self->a, "org.x1-_y.Z9", 0, NULL));
	/* unknown flags, state flags */
	EXPECT_EQ(-EINVAL, kdbus_name_acquire(&self->a, "org.ok", 1ULL << 40,
					      NULL));
	EXPECT_EQ(-EINVAL, kdbus_name_acquire(&self->a, "org.ok",
					      KDBUS_NAME_IN_QUEUE, NULL));
}

TEST_F(names, acquire_release_and_their_errors)
{
	uint64_t rflags = 0;

	EXPECT_EQ(0, kdbus_name_acquire(&self->a, "org.example.A", 0, &rflags));
	EXPECT_TRUE(rflags & KDBUS_NAME_ACQUIRED);
	EXPECT_TRUE(rflags & KDBUS_NAME_PRIMARY);
	/* asking again for an owned name is no error; nothing new acquired */
	EXPECT_EQ(0, kdbus_name_acquire(&self->a, "org.example.A", 0, &rflags));
	EXPECT_EQ(KDBUS_NAME_PRIMARY, rflags);
	EXPECT_EQ(-EEXIST, kdbus_name_acquire(&self->b, "org.example.A", 0,
					      NULL));
	EXPECT_EQ(-EADDRINUSE, kdbus_name_release(&self->b, "org.example.A"));
	EXPECT_EQ(-ESRCH, kdbus_name_release(&self->b, "org.example.None"));
	EXPECT_EQ(0, kdbus_name_release(&self->a, "org.example.A"));
	EXPECT_EQ(-ESRCH, kdbus_name_release(&self->a, "org.example.A"));
	EXPECT_EQ(0, kdbus_name_acquire(&self->b, "org.example.A", 0, NULL));
}

TEST_F(names, queue_and_replacement)
{
	uint64_t rflags = 0, f = 0;
	struct kdbus_info *l;
	size_t size;

	ASSERT_EQ(0, kdbus_name_acquire(&self->a, "org.q", KDBUS_NAME_QUEUE,
					NULL));
	ASSERT_EQ(0, kdbus_name_acquire(&self->b, "org.q", KDBUS_NAME_QUEUE,
					&rflags));
	EXPECT_TRUE(rflags & KDBUS_NAME_IN_QUEUE);
	/* asking again with QUEUE: still queued, nothing new acquired */
	EXPECT_EQ(0, kdbus_name_acquire(&self->b, "org.q", KDBUS_NAME_QUEUE,
					&rflags));
	EXPECT_EQ(KDBUS_NAME_QUEUE | KDBUS_NAME_IN_QUEUE, rflags);

	ASSERT_EQ(0, kdbus_list(&self->c, KDBUS_LIST_NAMES | KDBUS_LIST_QUEUED,
				&l, &size));
	EXPECT_TRUE(kdbus_list_has(l, size, self->a.id, "org.q", &f));
	EXPECT_FALSE(f & KDBUS_NAME_IN_QUEUE);
	EXPECT_TRUE(kdbus_list_has(l, size, self->b.id, "org.q", &f));
	EXPECT_TRUE(f & KDBUS_NAME_IN_QUEUE);
	free(l);

	/* no replacement allowed: c cannot take it */
	EXPECT_EQ(-EEXIST, kdbus_name_acquire(&self->c, "org.q",
					      KDBUS_NAME_REPLACE_EXISTING,
					      NULL));
	/* the owner leaves: the first in line takes over */
	EXPECT_EQ(0, kdbus_name_release(&self->a, "org.q"));
	EXPECT_EQ(0, kdbus_name_acquire(&self->b, "org.q", 0, &rflags));
	EXPECT_EQ(KDBUS_NAME_PRIMARY, rflags);

	/* b now allows replacement and queues: c replaces, b waits */
	EXPECT_EQ(0, kdbus_name_acquire(&self->b, "org.q",
					KDBUS_NAME_ALLOW_REPLACEMENT |
					KDBUS_NAME_QUEUE, NULL));
	EXPECT_EQ(0, kdbus_name_acquire(&self->c, "org.q",
					KDBUS_NAME_REPLACE_EXISTING, &rflags));
	EXPECT_TRUE(rflags & KDBUS_NAME_PRIMARY);
	ASSERT_EQ(0, kdbus_list(&self->a, KDBUS_LIST_NAMES | KDBUS_LIST_QUEUED,
				&l, &size));
	EXPECT_TRUE(kdbus_list_has(l, size, self->c.id, "org.q", NULL));
	EXPECT_TRUE(kdbus_list_has(l, size, self->b.id, "org.q", &f));
	EXPECT_TRUE(f & KDBUS_NAME_IN_QUEUE);
	free(l);
	/* leaving the queue */
	EXPECT_EQ(0, kdbus_name_release(&self->b, "org.q"));
	EXPECT_EQ(-EADDRINUSE, kdbus_name_release(&self->b, "org.q"));
}

TEST_F(names, owner_dying_hands_the_name_on)
{
	uint64_t rflags = 0;

	ASSERT_EQ(0, kdbus_name_acquire(&self->a, "org.die", 0, NULL));
	ASSERT_EQ(0, kdbus_name_acquire(&self->b, "org.die", KDBUS_NAME_QUEUE,
					NULL));
	kdbus_conn_close(&self->a);
	EXPECT_EQ(0, kdbus_name_acquire(&self->b, "org.die", 0, &rflags));
	EXPECT_TRUE(rflags & KDBUS_NAME_PRIMARY);
	kdbus_conn_close(&self->b);
	EXPECT_EQ(0, kdbus_name_acquire(&self->c, "org.die", 0, NULL));
}

TEST_F(names, per_connection_name_limit)
{
	char name[64];
	int i;

	for (i = 0; i < KDBUS_CONN_MAX_NAMES; i++) {
		snprintf(name, sizeof(name), "org.limit.n%d", i);
		ASSERT_EQ(0, kdbus_name_acquire(&self->a, name, 0, NULL));
	}
	EXPECT_EQ(-E2BIG, kdbus_name_acquire(&self->a, "org.limit.over", 0,
					     NULL));
	/* queue places count too */
	ASSERT_EQ(0, kdbus_name_acquire(&self->b, "org.limit.q", 0, NULL));
	EXPECT_EQ(-E2BIG, kdbus_name_acquire(&self->a, "org.limit.q",
					     KDBUS_NAME_QUEUE, NULL));
	EXPECT_EQ(0, kdbus_name_release(&self->a, "org.limit.n0"));
	EXPECT_EQ(0, kdbus_name_acquire(&self->a, "org.limit.over", 0, NULL));
}

static int own_as_user(void *arg, int sock)
{
	const char *ep = arg;
	struct kdbus_conn c;

	if (kdbus_hello(ep, 0, KDBUS_TEST_POOL_SIZE, &c))
		return 11;
	/* no policy grants OWN: nobody unprivileged owns anything */
	if (kdbus_name_acquire(&c, "org.user.Name", 0, NULL) != -EPERM)
		return 12;
	return 0;
}

TEST_F(names, unprivileged_connection_owns_nothing_without_policy)
{
	EXPECT_EQ(0, kdbus_run_as(KDBUS_TEST_UID, KDBUS_TEST_GID, own_as_user,
				  self->bus.ep));
}

TEST_F(names, messages_to_a_name_reach_its_owner)
{
	uint64_t cookie;

	EXPECT_EQ(-ESRCH, send_to_name(&self->a, "org.dst", 0, 0, 1));
	ASSERT_EQ(0, kdbus_name_acquire(&self->b, "org.dst", 0, NULL));
	EXPECT_EQ(0, send_to_name(&self->a, "org.dst", 0, 0, 2));
	ASSERT_EQ(0, recv_cookie(&self->b, &cookie));
	EXPECT_EQ(2, cookie);
	/* with the owner's id, and with a wrong one */
	EXPECT_EQ(0, send_to_name(&self->a, "org.dst", self->b.id, 0, 3));
	ASSERT_EQ(0, recv_cookie(&self->b, &cookie));
	EXPECT_EQ(3, cookie);
	EXPECT_EQ(-EREMCHG, send_to_name(&self->a, "org.dst", self->c.id, 0,
					 4));
	/* dst_id 0 needs a name */
	EXPECT_EQ(-EDESTADDRREQ, send_to_name(&self->a, NULL, 0, 0, 5));
	EXPECT_EQ(-EINVAL, send_to_name(&self->a, "bad", 0, 0, 6));
	EXPECT_EQ(-EAGAIN, kdbus_recv(&self->b, 0, 0, NULL, NULL));
}

TEST_F(names, activator_holds_messages_until_the_owner_comes)
{
	struct kdbus_conn act;
	struct kdbus_info *l;
	uint64_t cookie, f = 0;
	size_t size;

	EXPECT_EQ(-EINVAL, kdbus_hello_activator(self->bus.ep, NULL, &act));
	EXPECT_EQ(-EINVAL, kdbus_hello_activator(self->bus.ep, "bad", &act));
	ASSERT_EQ(0, kdbus_hello_activator(self->bus.ep, "org.act", &act));
	EXPECT_EQ(-EEXIST, kdbus_hello_activator(self->bus.ep, "org.act", &self->c));

	/* activators own no other names; their name is listed if asked */
	EXPECT_EQ(-EOPNOTSUPP, kdbus_name_acquire(&act, "org.other", 0, NULL));
	ASSERT_EQ(0, kdbus_list(&self->a, KDBUS_LIST_UNIQUE | KDBUS_LIST_NAMES,
				&l, &size));
	EXPECT_TRUE(kdbus_list_has(l, size, act.id, NULL, NULL));
	EXPECT_FALSE(kdbus_list_has(l, size, act.id, "org.act", NULL));
	free(l);
	ASSERT_EQ(0, kdbus_list(&self->a, KDBUS_LIST_ACTIVATORS, &l, &size));
	EXPECT_TRUE(kdbus_list_has(l, size, act.id, "org.act", &f));
	/* it holds the name while nobody else does */
	EXPECT_EQ(KDBUS_NAME_ACTIVATOR | KDBUS_NAME_PRIMARY, f);
	free(l);

	/* queued at the activator; NO_AUTO_START refuses */
	EXPECT_EQ(0, send_to_name(&self->a, "org.act", 0, 0, 10));
	EXPECT_EQ(0, send_to_name(&self->a, "org.act", 0,
				  KDBUS_MSG_EXPECT_REPLY, 11));
	EXPECT_EQ(-EADDRNOTAVAIL, send_to_name(&self->a, "org.act", 0,
					       KDBUS_MSG_NO_AUTO_START, 12));

	/* the real owner takes the name and the messages */
	ASSERT_EQ(0, kdbus_name_acquire(&self->b, "org.act", 0, NULL));
	EXPECT_EQ(-EAGAIN, kdbus_recv(&act, 0, 0, NULL, NULL));
	ASSERT_EQ(0, recv_cookie(&self->b, &cookie));
	EXPECT_EQ(10, cookie);
	ASSERT_EQ(0, recv_cookie(&self->b, &cookie));
	EXPECT_EQ(11, cookie);
	/* the request is now expected from b: its answer is accepted */
	{
		struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;

		a.cookie = 100;
		a.cookie_reply = 11;
		a.data = "r";
		a.size = 1;
		EXPECT_EQ(0, kdbus_send(&self->b, self->a.id, &a));
		ASSERT_EQ(0, recv_cookie(&self->a, &cookie));
		EXPECT_EQ(100, cookie);
	}

	/* a message waits at b, the owner leaves: back to the activator */
	EXPECT_EQ(0, send_to_name(&self->a, "org.act", 0, 0, 13));
	EXPECT_EQ(0, kdbus_name_release(&self->b, "org.act"));
	ASSERT_EQ(0, recv_cookie(&act, &cookie));
	EXPECT_EQ(13, cookie);
	EXPECT_EQ(-EAGAIN, kdbus_recv(&self->b, 0, 0, NULL, NULL));

	/* the activator leaves: the name is gone */
	kdbus_conn_close(&act);
	EXPECT_EQ(-ESRCH, send_to_name(&self->a, "org.act", 0, 0, 14));
}

static int activator_as_user(void *arg, int sock)
{
	const char *ep = arg;
	struct kdbus_conn c;

	return kdbus_hello_activator(ep, "org.user.Act", &c) == -EPERM ? 0 : 11;
}

TEST_F(names, activators_need_privilege)
{
	EXPECT_EQ(0, kdbus_run_as(KDBUS_TEST_UID, KDBUS_TEST_GID,
				  activator_as_user, self->bus.ep));
}

TEST_F(names, list_reports_unique_ids_and_names)
{
	struct kdbus_info *l;
	size_t size;

	ASSERT_EQ(0, kdbus_name_acquire(&self->a, "org.list.A", 0, NULL));
	ASSERT_EQ(0, kdbus_list(&self->c, KDBUS_LIST_UNIQUE, &l, &size));
	EXPECT_TRUE(kdbus_list_has(l, size, self->a.id, NULL, NULL));
	EXPECT_TRUE(kdbus_list_has(l, size, self->b.id, NULL, NULL));
	EXPECT_TRUE(kdbus_list_has(l, size, self->c.id, NULL, NULL));
	free(l);
	ASSERT_EQ(0, kdbus_list(&self->c, KDBUS_LIST_NAMES, &l, &size));
	EXPECT_TRUE(kdbus_list_has(l, size, self->a.id, "org.list.A", NULL));
	EXPECT_FALSE(kdbus_list_has(l, size, self->b.id, NULL, NULL));
	free(l);
	/* nothing asked, nothing listed */
	ASSERT_EQ(0, kdbus_list(&self->c, 0, &l, &size));
	EXPECT_EQ(0, size);
	free(l);
	{
		struct kdbus_cmd_list cmd = { .size = sizeof(cmd),
					      .flags = 1ULL << 20 };

		EXPECT_EQ(-EINVAL, kdbus_ioctl(self->c.fd, KDBUS_CMD_LIST,
					       &cmd));
	}
}

TEST_F(names, owned_names_in_metadata_and_conn_info)
{
	struct kdbus_cmd_info ci = { .size = sizeof(ci) };
	struct kdbus_cmd_buf b;
	struct kdbus_cmd_info *cip;
	struct kdbus_info *info;
	struct kdbus_item *item;
	int n = 0;

	ASSERT_EQ(0, kdbus_name_acquire(&self->a, "org.meta.One", 0, NULL));
	ASSERT_EQ(0, kdbus_name_acquire(&self->a, "org.meta.Two",
					KDBUS_NAME_ALLOW_REPLACEMENT, NULL));

	/* CONN_INFO by name, with the names (a allows nothing: none) */
	kdbus_cmd_init(&b, 0);
	b.size = offsetof(struct kdbus_cmd_info, items);
	cip = (void *)b.data;
	cip->attach_flags = KDBUS_ATTACH_NAMES;
	kdbus_cmd_add_str(&b, KDBUS_ITEM_NAME, "org.meta.Two");
	kdbus_cmd_finish(&b);
	ASSERT_EQ(0, kdbus_ioctl(self->b.fd, KDBUS_CMD_CONN_INFO, cip));
	info = (void *)(self->b.pool + cip->offset);
	EXPECT_EQ(self->a.id, info->id);
	EXPECT_EQ(sizeof(*info), info->size);
	EXPECT_EQ(0, kdbus_free(&self->b, cip->offset));

	/* unknown names */
	kdbus_cmd_init(&b, 0);
	b.size = offsetof(struct kdbus_cmd_info, items);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_NAME, "org.meta.None");
	kdbus_cmd_finish(&b);
	EXPECT_EQ(-ESRCH, kdbus_ioctl(self->b.fd, KDBUS_CMD_CONN_INFO,
				      b.data));

	/* once a allows its names to be seen, they are listed */
	{
		uint64_t names = KDBUS_ATTACH_NAMES;

		kdbus_cmd_init(&b, 0);
		kdbus_cmd_add(&b, KDBUS_ITEM_ATTACH_FLAGS_SEND, &names,
			      sizeof(names));
		kdbus_cmd_finish(&b);
		ASSERT_EQ(0, kdbus_ioctl(self->a.fd, KDBUS_CMD_UPDATE,
					 b.data));
	}
	ci.id = self->a.id;
	ci.attach_flags = KDBUS_ATTACH_NAMES;
	ASSERT_EQ(0, kdbus_ioctl(self->b.fd, KDBUS_CMD_CONN_INFO, &ci));
	info = (void *)(self->b.pool + ci.offset);
	KDBUS_ITEM_FOREACH(item, info) {
		ASSERT_EQ(KDBUS_ITEM_OWNED_NAME, item->type);
		if (!strcmp(item->name.name, "org.meta.Two")) {
			EXPECT_EQ(KDBUS_NAME_ALLOW_REPLACEMENT |
				  KDBUS_NAME_PRIMARY, item->name.flags);
		} else {
			EXPECT_STREQ("org.meta.One", item->name.name);
		}
		n++;
	}
	EXPECT_EQ(2, n);
	EXPECT_EQ(0, kdbus_free(&self->b, ci.offset));
}

static int hello_flags(const char *ep, uint64_t flags, struct kdbus_conn *c)
{
	return kdbus_hello(ep, flags, KDBUS_TEST_POOL_SIZE, c);
}

static int monitor_as_user(void *arg, int sock)
{
	const char *ep = arg;
	struct kdbus_conn c;

	return hello_flags(ep, KDBUS_HELLO_MONITOR, &c) == -EPERM ? 0 : 11;
}

TEST_F(names, monitor_sees_all_traffic_and_says_nothing)
{
	struct kdbus_conn mon;
	struct kdbus_info *l;
	struct kdbus_msg *m;
	uint64_t cookie;
	size_t size;

	ASSERT_EQ(0, hello_flags(self->bus.ep, KDBUS_HELLO_MONITOR, &mon));
	EXPECT_EQ(-EINVAL, hello_flags(self->bus.ep, KDBUS_HELLO_MONITOR |
				       KDBUS_HELLO_ACTIVATOR, &self->c));

	ASSERT_EQ(0, kdbus_name_acquire(&self->b, "org.mon", 0, NULL));
	EXPECT_EQ(0, send_to_name(&self->a, "org.mon", 0, 0, 21));
	ASSERT_EQ(0, recv_cookie(&self->b, &cookie));
	EXPECT_EQ(21, cookie);
	ASSERT_EQ(0, kdbus_recv(&mon, 0, 0, &m, NULL));
	EXPECT_EQ(21, m->cookie);
	EXPECT_EQ(self->a.id, m->src_id);
	EXPECT_EQ(self->b.id, m->dst_id);
	EXPECT_EQ(0, kdbus_msg_free(&mon, m));

	/* it sends nothing, owns nothing, and is not listed */
	{
		struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;

		a.cookie = 22;
		EXPECT_EQ(-EOPNOTSUPP, kdbus_send(&mon, self->a.id, &a));
	}
	EXPECT_EQ(-EOPNOTSUPP, kdbus_name_acquire(&mon, "org.mon2", 0, NULL));
	ASSERT_EQ(0, kdbus_list(&self->a, KDBUS_LIST_UNIQUE, &l, &size));
	EXPECT_FALSE(kdbus_list_has(l, size, mon.id, NULL, NULL));
	free(l);
	kdbus_conn_close(&mon);

	EXPECT_EQ(0, kdbus_run_as(KDBUS_TEST_UID, KDBUS_TEST_GID,
				  monitor_as_user, self->bus.ep));
}

/* A match rule for every change of @name, and for every connection leaving. */
static int watch_name(struct kdbus_conn *c, const char *name)
{
	static const uint64_t types[] = {
		KDBUS_ITEM_NAME_ADD, KDBUS_ITEM_NAME_REMOVE,
		KDBUS_ITEM_NAME_CHANGE,
	};
	struct {
		struct kdbus_notify_name_change nc;
		char name[64];
	} nc = {};
	struct kdbus_notify_id_change ic = { .id = KDBUS_MATCH_ID_ANY };
	struct kdbus_cmd_match *m;
	struct kdbus_cmd_buf b;
	unsigned int i;
	int ret;

	nc.nc.old_id.id = KDBUS_MATCH_ID_ANY;
	nc.nc.new_id.id = KDBUS_MATCH_ID_ANY;
	snprintf(nc.name, sizeof(nc.name), "%s", name);
	for (i = 0; i <= ARRAY_SIZE(types); i++) {
		kdbus_match_init(&b, 0, i + 1);
		m = (void *)b.data;
		if (i < ARRAY_SIZE(types))
			kdbus_cmd_add(&b, types[i], &nc,
				      sizeof(nc.nc) + strlen(name) + 1);
		else
			kdbus_cmd_add(&b, KDBUS_ITEM_ID_REMOVE, &ic,
				      sizeof(ic));
		kdbus_cmd_finish(&b);
		ret = kdbus_ioctl(c->fd, KDBUS_CMD_MATCH_ADD, m);
		if (ret)
			return ret;
	}
	return 0;
}

/* the next notification: its type, old and new owner (or id) */
static int next_notification(struct kdbus_conn *c, uint64_t *type,
			     uint64_t *old_id, uint64_t *new_id)
{
	struct kdbus_item *item;
	struct kdbus_msg *m;
	int ret = kdbus_recv(c, 0, 0, &m, NULL);

	if (ret)
		return ret;
	item = m->items;
	*type = item->type;
	if (item->type == KDBUS_ITEM_ID_REMOVE) {
		*old_id = item->id_change.id;
		*new_id = 0;
	} else {
		*old_id = item->name_change.old_id.id;
		*new_id = item->name_change.new_id.id;
	}
	if (m->src_id != KDBUS_SRC_ID_KERNEL)
		ret = -EPROTO;
	kdbus_msg_free(c, m);
	return ret;
}

TEST_F(names, owner_dying_notifies_in_order)
{
	uint64_t type, old_id, new_id, a = self->a.id, b = self->b.id;

	ASSERT_EQ(0, watch_name(&self->c, "org.order"));
	ASSERT_EQ(0, kdbus_name_acquire(&self->a, "org.order", 0, NULL));
	ASSERT_EQ(0, kdbus_name_acquire(&self->b, "org.order", KDBUS_NAME_QUEUE,
					NULL));
	kdbus_conn_close(&self->a);
	ASSERT_EQ(0, kdbus_name_release(&self->b, "org.order"));

	ASSERT_EQ(0, next_notification(&self->c, &type, &old_id, &new_id));
	EXPECT_EQ(KDBUS_ITEM_NAME_ADD, type);
	EXPECT_EQ(0, old_id);
	EXPECT_EQ(a, new_id);
	/* the name moves on before its owner is gone */
	ASSERT_EQ(0, next_notification(&self->c, &type, &old_id, &new_id));
	EXPECT_EQ(KDBUS_ITEM_NAME_CHANGE, type);
	EXPECT_EQ(a, old_id);
	EXPECT_EQ(b, new_id);
	ASSERT_EQ(0, next_notification(&self->c, &type, &old_id, &new_id));
	EXPECT_EQ(KDBUS_ITEM_ID_REMOVE, type);
	EXPECT_EQ(a, old_id);
	ASSERT_EQ(0, next_notification(&self->c, &type, &old_id, &new_id));
	EXPECT_EQ(KDBUS_ITEM_NAME_REMOVE, type);
	EXPECT_EQ(b, old_id);
	EXPECT_EQ(0, new_id);
	EXPECT_EQ(-EAGAIN, kdbus_recv(&self->c, 0, 0, NULL, NULL));
}

TEST_HARNESS_MAIN
