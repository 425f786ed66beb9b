// SPDX-License-Identifier: GPL-2.0
/*
 * Match rules and broadcasts: MATCH_ADD and MATCH_REMOVE, bloom filters and
 * their generations, sender id rules, REPLACE, the rule limit, ID_ADD and
 * ID_REMOVE notifications, full receivers, and the errors of a broadcast;
 * name and id notifications, one per change, in order, none lost, and
 * none for a HELLO or NAME_ACQUIRE that failed for want of memory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "kdbus_util.h"

/* kdbus_test_bus_make() makes buses with 64-byte bloom filters */
#define BLOOM_SIZE	64
#define BLOOM_WORDS	(BLOOM_SIZE / 8)

/* a mask without bits: every broadcast matches it, no notification does */
static const uint64_t zero_mask[BLOOM_WORDS];

FIXTURE(match) {
	struct kdbus_test_bus bus;
	struct kdbus_conn a, b, c;
};

FIXTURE_SETUP(match)
{
	ASSERT_EQ(0, kdbus_test_bus_make(&self->bus));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, KDBUS_HELLO_ACCEPT_FD,
				 KDBUS_TEST_POOL_SIZE, &self->a));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, KDBUS_HELLO_ACCEPT_FD,
				 KDBUS_TEST_POOL_SIZE, &self->b));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, KDBUS_HELLO_ACCEPT_FD,
				 KDBUS_TEST_POOL_SIZE, &self->c));
}

FIXTURE_TEARDOWN(match)
{
	kdbus_conn_close(&self->a);
	kdbus_conn_close(&self->b);
	kdbus_conn_close(&self->c);
	kdbus_test_bus_close(&self->bus);
}

static int match_ioctl(struct kdbus_conn *c, unsigned long req,
		       struct kdbus_cmd_buf *b)
{
	kdbus_cmd_finish(b);
	return kdbus_ioctl(c->fd, req, b->data);
}

static int match_remove(struct kdbus_conn *c, uint64_t cookie)
{
	struct kdbus_cmd_buf b;

	kdbus_match_init(&b, 0, cookie);
	return match_ioctl(c, KDBUS_CMD_MATCH_REMOVE, &b);
}

/* a rule with one bloom mask (one generation) */
static int add_bloom_rule(struct kdbus_conn *c, uint64_t flags,
			  uint64_t cookie, const uint64_t *mask)
{
	struct kdbus_cmd_buf b;

	kdbus_match_init(&b, flags, cookie);
	kdbus_cmd_add(&b, KDBUS_ITEM_BLOOM_MASK, mask, BLOOM_SIZE);
	return match_ioctl(c, KDBUS_CMD_MATCH_ADD, &b);
}

/* a rule without items: every broadcast, every notification */
static int add_empty_rule(struct kdbus_conn *c, uint64_t cookie)
{
	struct kdbus_cmd_buf b;

	kdbus_match_init(&b, 0, cookie);
	return match_ioctl(c, KDBUS_CMD_MATCH_ADD, &b);
}

static int add_id_rule(struct kdbus_conn *c, uint64_t cookie, uint64_t type,
		       uint64_t id)
{
	struct kdbus_notify_id_change ic = { .id = id };
	struct kdbus_cmd_buf b;

	kdbus_match_init(&b, 0, cookie);
	if (type == KDBUS_ITEM_ID)
		kdbus_cmd_add(&b, type, &id, sizeof(id));
	else
		kdbus_cmd_add(&b, type, &ic, sizeof(ic));
	return match_ioctl(c, KDBUS_CMD_MATCH_ADD, &b);
}

/* what a broadcast carries; zero-initialized it is a valid signal */
struct bcast {
	uint64_t msg_flags;		/* added to KDBUS_MSG_SIGNAL */
	bool not_signal;
	uint64_t generation;
	uint64_t filter[2 * BLOOM_WORDS];	/* the rest zero */
	bool no_bloom;
	size_t bloom_size;		/* bytes; 0 means BLOOM_SIZE */
	const void *data;
	size_t size;
	int fd;				/* an FDS item if > 0 */
	const char *dst_name;
	uint64_t cookie;
	uint64_t timeout_ns;		/* also cookie_reply: a union */
};

static int bcast_send(struct kdbus_conn *c, const struct bcast *bc)
{
	struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;

	a.flags = bc->msg_flags | (bc->not_signal ? 0 : KDBUS_MSG_SIGNAL);
	a.cookie = bc->cookie ?: 1;
	/* whichever of the two kdbus_send() writes: they share their place */
	a.timeout_ns = bc->timeout_ns;
	a.cookie_reply = bc->timeout_ns;
	a.data = bc->data;
	a.size = bc->size;
	if (!bc->no_bloom) {
		a.bloom = bc->filter;
		a.bloom_size = bc->bloom_size ?: BLOOM_SIZE;
		a.bloom_generation = bc->generation;
	}
	if (bc->fd > 0) {
		a.fds = &bc->fd;
		a.n_fds = 1;
	}
	a.dst_name = bc->dst_name;
	return kdbus_send(c, KDBUS_DST_ID_BROADCAST, &a);
}

/* a signal whose filter has bit @bit set, in generation @gen */
static int send_bit(struct kdbus_conn *c, unsigned int bit, uint64_t gen)
{
	struct bcast bc = { .generation = gen };

	bc.filter[bit / 64] |= 1ULL << (bit % 64);
	return bcast_send(c, &bc);
}

static void mask_bit(uint64_t *mask, unsigned int bit)
{
	mask[bit / 64] |= 1ULL << (bit % 64);
}

/* how many messages are queued at @c; takes and frees them */
static int drain(struct kdbus_conn *c)
{
	struct kdbus_msg *m;
	int n = 0;

	while (kdbus_recv(c, 0, 0, &m, NULL) == 0) {
		kdbus_msg_free(c, m);
		n++;
	}
	return n;
}

TEST_F(match, match_add_and_remove_report_upstream_errnos)
{
	struct kdbus_notify_id_change ic = { .id = KDBUS_MATCH_ID_ANY };
	struct {
		struct kdbus_notify_name_change nc;
		char name[16];
	} nc = { .nc.old_id.id = KDBUS_MATCH_ID_ANY };
	uint64_t mask[3 * BLOOM_WORDS] = { 0 };
	uint64_t id = 1;
	struct kdbus_cmd_buf b;

	/* unknown flag */
	kdbus_match_init(&b, 1ULL << 10, 1);
	EXPECT_EQ(-EINVAL, match_ioctl(&self->b, KDBUS_CMD_MATCH_ADD, &b));
	/* an item a rule cannot hold */
	kdbus_match_init(&b, 0, 1);
	kdbus_cmd_add(&b, KDBUS_ITEM_ATTACH_FLAGS_SEND, &id, sizeof(id));
	EXPECT_EQ(-EINVAL, match_ioctl(&self->b, KDBUS_CMD_MATCH_ADD, &b));
	/* bloom masks: empty, shorter, or not a multiple of the bus's size */
	kdbus_match_init(&b, 0, 1);
	kdbus_cmd_add(&b, KDBUS_ITEM_BLOOM_MASK, NULL, 0);
	EXPECT_EQ(-EDOM, match_ioctl(&self->b, KDBUS_CMD_MATCH_ADD, &b));
	kdbus_match_init(&b, 0, 1);
	kdbus_cmd_add(&b, KDBUS_ITEM_BLOOM_MASK, mask, BLOOM_SIZE / 2);
	EXPECT_EQ(-EDOM, match_ioctl(&self->b, KDBUS_CMD_MATCH_ADD, &b));
	kdbus_match_init(&b, 0, 1);
	kdbus_cmd_add(&b, KDBUS_ITEM_BLOOM_MASK, mask, BLOOM_SIZE + 8);
	EXPECT_EQ(-EDOM, match_ioctl(&self->b, KDBUS_CMD_MATCH_ADD, &b));
	/* names: not a well-known name */
	kdbus_match_init(&b, 0, 1);
	kdbus_cmd_add(&b, KDBUS_ITEM_NAME, "nodots", 7);
	EXPECT_EQ(-EINVAL, match_ioctl(&self->b, KDBUS_CMD_MATCH_ADD, &b));
	/* ID: a u64 */
	kdbus_match_init(&b, 0, 1);
	kdbus_cmd_add(&b, KDBUS_ITEM_ID, &id, 4);
	EXPECT_EQ(-EINVAL, match_ioctl(&self->b, KDBUS_CMD_MATCH_ADD, &b));
	/* ID_ADD / ID_REMOVE: exactly a struct kdbus_notify_id_change */
	kdbus_match_init(&b, 0, 1);
	kdbus_cmd_add(&b, KDBUS_ITEM_ID_ADD, &ic, sizeof(ic) - 8);
	EXPECT_EQ(-EINVAL, match_ioctl(&self->b, KDBUS_CMD_MATCH_ADD, &b));
	kdbus_match_init(&b, 0, 1);
	kdbus_cmd_add(&b, KDBUS_ITEM_ID_REMOVE, mask, sizeof(ic) + 8);
	EXPECT_EQ(-EINVAL, match_ioctl(&self->b, KDBUS_CMD_MATCH_ADD, &b));
	/* NAME_*: the struct, then an optional NUL-terminated name */
	kdbus_match_init(&b, 0, 1);
	kdbus_cmd_add(&b, KDBUS_ITEM_NAME_ADD, &nc, sizeof(nc.nc) - 8);
	EXPECT_EQ(-EINVAL, match_ioctl(&self->b, KDBUS_CMD_MATCH_ADD, &b));
	memset(nc.name, 'x', sizeof(nc.name));
	kdbus_match_init(&b, 0, 1);
	kdbus_cmd_add(&b, KDBUS_ITEM_NAME_CHANGE, &nc, sizeof(nc));
	EXPECT_EQ(-EINVAL, match_ioctl(&self->b, KDBUS_CMD_MATCH_ADD, &b));

	/* nothing was added */
	EXPECT_EQ(-EBADSLT, match_remove(&self->b, 1));

	/* every kind of item, two bloom generations */
	snprintf(nc.name, sizeof(nc.name), "org.example.a");
	kdbus_match_init(&b, 0, 7);
	kdbus_cmd_add(&b, KDBUS_ITEM_BLOOM_MASK, mask, 2 * BLOOM_SIZE);
	kdbus_cmd_add(&b, KDBUS_ITEM_NAME, "org.example.a", 14);
	kdbus_cmd_add(&b, KDBUS_ITEM_ID, &id, sizeof(id));
	kdbus_cmd_add(&b, KDBUS_ITEM_NAME_ADD, &nc, sizeof(nc.nc) + 14);
	kdbus_cmd_add(&b, KDBUS_ITEM_NAME_REMOVE, &nc, sizeof(nc.nc));
	kdbus_cmd_add(&b, KDBUS_ITEM_NAME_CHANGE, &nc, sizeof(nc.nc) + 14);
	kdbus_cmd_add(&b, KDBUS_ITEM_ID_ADD, &ic, sizeof(ic));
	kdbus_cmd_add(&b, KDBUS_ITEM_ID_REMOVE, &ic, sizeof(ic));
	EXPECT_EQ(0, match_ioctl(&self->b, KDBUS_CMD_MATCH_ADD, &b));

	/* REMOVE takes no flags but NEGOTIATE, and no items */
	kdbus_match_init(&b, KDBUS_MATCH_REPLACE, 7);
	EXPECT_EQ(-EINVAL, match_ioctl(&self->b, KDBUS_CMD_MATCH_REMOVE, &b));
	kdbus_match_init(&b, 0, 7);
	kdbus_cmd_add(&b, KDBUS_ITEM_ID, &id, sizeof(id));
	EXPECT_EQ(-EINVAL, match_ioctl(&self->b, KDBUS_CMD_MATCH_REMOVE, &b));
	/* another connection's cookie is not ours */
	EXPECT_EQ(-EBADSLT, match_remove(&self->c, 7));
	EXPECT_EQ(0, match_remove(&self->b, 7));
	EXPECT_EQ(-EBADSLT, match_remove(&self->b, 7));

	/* negotiation reports REPLACE and adds nothing */
	kdbus_match_init(&b, KDBUS_FLAG_NEGOTIATE, 8);
	EXPECT_EQ(0, match_ioctl(&self->b, KDBUS_CMD_MATCH_ADD, &b));
	EXPECT_EQ(KDBUS_MATCH_REPLACE, ((struct kdbus_cmd_match *)b.data)->flags);
	EXPECT_EQ(-EBADSLT, match_remove(&self->b, 8));
}

TEST_F(match, broadcast_reaches_exactly_the_matching_connections)
{
	uint64_t want[BLOOM_WORDS] = { 0 }, other[BLOOM_WORDS] = { 0 };
	struct bcast bc = { .data = "signal!", .size = 8, .cookie = 77 };
	struct kdbus_conn d;
	struct kdbus_item *item;
	struct kdbus_msg *m;
	const char *p;
	uint64_t size;

	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE, &d));
	mask_bit(want, 3);
	mask_bit(want, 300);
	mask_bit(other, 5);
	/* b wants bits 3 and 300, c wants bit 5, d has no rule */
	ASSERT_EQ(0, add_bloom_rule(&self->b, 0, 1, want));
	ASSERT_EQ(0, add_bloom_rule(&self->c, 0, 1, other));
	/* the sender's own rule selects its own broadcast, as upstream's */
	ASSERT_EQ(0, add_bloom_rule(&self->a, 0, 1, want));

	/* a filter with more bits than the mask still matches */
	mask_bit(bc.filter, 3);
	mask_bit(bc.filter, 300);
	mask_bit(bc.filter, 17);
	ASSERT_EQ(0, bcast_send(&self->a, &bc));

	ASSERT_EQ(0, kdbus_recv(&self->b, 0, 0, &m, NULL));
	EXPECT_EQ(self->a.id, m->src_id);
	EXPECT_EQ(KDBUS_DST_ID_BROADCAST, m->dst_id);
	EXPECT_EQ(77, m->cookie);
	EXPECT_TRUE(m->flags & KDBUS_MSG_SIGNAL);
	p = kdbus_msg_payload(&self->b, m, &size);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(8, size);
	EXPECT_STREQ("signal!", p);
	/* the filter travels with the message */
	item = kdbus_msg_item(m, KDBUS_ITEM_BLOOM_FILTER);
	ASSERT_NE(NULL, item);
	EXPECT_EQ(KDBUS_ITEM_HEADER_SIZE + 8 + BLOOM_SIZE, item->size);
	EXPECT_EQ(0, memcmp(item->bloom_filter.data, bc.filter, BLOOM_SIZE));
	kdbus_msg_free(&self->b, m);

	EXPECT_EQ(0, drain(&self->b));
	EXPECT_EQ(0, drain(&self->c));
	EXPECT_EQ(0, drain(&d));
	EXPECT_EQ(1, drain(&self->a));

	/* only one of the wanted bits: b's mask is not covered */
	ASSERT_EQ(0, send_bit(&self->a, 3, 0));
	ASSERT_EQ(0, send_bit(&self->a, 5, 0));
	EXPECT_EQ(0, drain(&self->b));
	EXPECT_EQ(1, drain(&self->c));
	EXPECT_EQ(0, drain(&d));
	kdbus_conn_close(&d);
}

TEST_F(match, bloom_masks_apply_per_generation_and_the_last_to_newer)
{
	uint64_t mask[2 * BLOOM_WORDS] = { 0 };
	struct kdbus_cmd_buf b;

	/* generation 0 wants bit 1, generation 1 wants bit 2 */
	mask_bit(mask, 1);
	mask_bit(mask + BLOOM_WORDS, 2);
	kdbus_match_init(&b, 0, 1);
	kdbus_cmd_add(&b, KDBUS_ITEM_BLOOM_MASK, mask, 2 * BLOOM_SIZE);
	ASSERT_EQ(0, match_ioctl(&self->b, KDBUS_CMD_MATCH_ADD, &b));

	ASSERT_EQ(0, send_bit(&self->a, 1, 0));
	EXPECT_EQ(1, drain(&self->b));
	ASSERT_EQ(0, send_bit(&self->a, 2, 0));
	EXPECT_EQ(0, drain(&self->b));
	ASSERT_EQ(0, send_bit(&self->a, 2, 1));
	EXPECT_EQ(1, drain(&self->b));
	ASSERT_EQ(0, send_bit(&self->a, 1, 1));
	EXPECT_EQ(0, drain(&self->b));
	/* a generation beyond the rule's masks uses its newest one */
	ASSERT_EQ(0, send_bit(&self->a, 2, 9));
	EXPECT_EQ(1, drain(&self->b));
	ASSERT_EQ(0, send_bit(&self->a, 1, 9));
	EXPECT_EQ(0, drain(&self->b));
}

TEST_F(match, sender_id_rules_and_rules_without_bloom_mask)
{
	uint64_t mask[BLOOM_WORDS] = { 0 };
	struct kdbus_cmd_buf b;

	/* b: broadcasts from a, whatever their filter */
	ASSERT_EQ(0, add_id_rule(&self->b, 1, KDBUS_ITEM_ID, self->a.id));
	/* c: broadcasts from anyone, with bit 4 */
	mask_bit(mask, 4);
	kdbus_match_init(&b, 0, 1);
	kdbus_cmd_add(&b, KDBUS_ITEM_BLOOM_MASK, mask, BLOOM_SIZE);
	kdbus_cmd_add(&b, KDBUS_ITEM_ID, &(uint64_t){ KDBUS_MATCH_ID_ANY },
		      sizeof(uint64_t));
	ASSERT_EQ(0, match_ioctl(&self->c, KDBUS_CMD_MATCH_ADD, &b));

	ASSERT_EQ(0, send_bit(&self->a, 0, 0));
	EXPECT_EQ(1, drain(&self->b));
	EXPECT_EQ(0, drain(&self->c));
	ASSERT_EQ(0, send_bit(&self->a, 4, 0));
	EXPECT_EQ(1, drain(&self->b));
	EXPECT_EQ(1, drain(&self->c));
	/* from c: b's id rule names a */
	ASSERT_EQ(0, send_bit(&self->c, 4, 0));
	EXPECT_EQ(0, drain(&self->b));
	EXPECT_EQ(0, drain(&self->a));

	/* items of one rule AND: bit 4 from b only */
	kdbus_match_init(&b, 0, 2);
	kdbus_cmd_add(&b, KDBUS_ITEM_BLOOM_MASK, mask, BLOOM_SIZE);
	kdbus_cmd_add(&b, KDBUS_ITEM_ID, &self->b.id, sizeof(uint64_t));
	ASSERT_EQ(0, match_ioctl(&self->a, KDBUS_CMD_MATCH_ADD, &b));
	ASSERT_EQ(0, send_bit(&self->c, 4, 0));
	EXPECT_EQ(0, drain(&self->a));
	ASSERT_EQ(0, send_bit(&self->b, 0, 0));
	EXPECT_EQ(0, drain(&self->a));
	ASSERT_EQ(0, send_bit(&self->b, 4, 0));
	EXPECT_EQ(1, drain(&self->a));

	/* rules OR, and two matching rules still give one copy */
	ASSERT_EQ(0, add_empty_rule(&self->a, 3));
	ASSERT_EQ(0, send_bit(&self->c, 0, 0));
	EXPECT_EQ(1, drain(&self->a));
	ASSERT_EQ(0, send_bit(&self->b, 4, 0));
	EXPECT_EQ(1, drain(&self->a));

	/* a notification rule takes no broadcasts */
	ASSERT_EQ(0, match_remove(&self->a, 2));
	ASSERT_EQ(0, match_remove(&self->a, 3));
	ASSERT_EQ(0, add_id_rule(&self->a, 4, KDBUS_ITEM_ID_ADD,
				 KDBUS_MATCH_ID_ANY));
	ASSERT_EQ(0, send_bit(&self->b, 4, 0));
	EXPECT_EQ(0, drain(&self->a));
}

TEST_F(match, replace_and_remove_act_on_every_rule_of_a_cookie)
{
	uint64_t m1[BLOOM_WORDS] = { 0 }, m2[BLOOM_WORDS] = { 0 };

	mask_bit(m1, 1);
	mask_bit(m2, 2);
	ASSERT_EQ(0, add_bloom_rule(&self->b, 0, 5, m1));
	ASSERT_EQ(0, add_bloom_rule(&self->b, 0, 5, m1));
	ASSERT_EQ(0, send_bit(&self->a, 1, 0));
	EXPECT_EQ(1, drain(&self->b));

	/* both rules of cookie 5 give way to the new one */
	ASSERT_EQ(0, add_bloom_rule(&self->b, KDBUS_MATCH_REPLACE, 5, m2));
	ASSERT_EQ(0, send_bit(&self->a, 1, 0));
	EXPECT_EQ(0, drain(&self->b));
	ASSERT_EQ(0, send_bit(&self->a, 2, 0));
	EXPECT_EQ(1, drain(&self->b));

	/* REPLACE of a cookie nobody used just adds */
	ASSERT_EQ(0, add_bloom_rule(&self->b, KDBUS_MATCH_REPLACE, 6, m1));
	ASSERT_EQ(0, send_bit(&self->a, 1, 0));
	EXPECT_EQ(1, drain(&self->b));

	/* remove takes every rule of the cookie, and only those */
	ASSERT_EQ(0, add_bloom_rule(&self->b, 0, 6, m1));
	ASSERT_EQ(0, match_remove(&self->b, 6));
	ASSERT_EQ(0, send_bit(&self->a, 1, 0));
	EXPECT_EQ(0, drain(&self->b));
	ASSERT_EQ(0, send_bit(&self->a, 2, 0));
	EXPECT_EQ(1, drain(&self->b));
}

TEST_F(match, rule_limit_is_kdbus_match_max)
{
	uint64_t mask[BLOOM_WORDS] = { 0 };
	int i;

	for (i = 0; i < KDBUS_MATCH_MAX; i++)
		ASSERT_EQ(0, add_bloom_rule(&self->b, 0, 1000 + i, mask));
	EXPECT_EQ(-EMFILE, add_bloom_rule(&self->b, 0, 1, mask));
	/* replacing a rule at the limit makes room for its successor */
	EXPECT_EQ(-EMFILE,
		  add_bloom_rule(&self->b, KDBUS_MATCH_REPLACE, 1, mask));
	EXPECT_EQ(0, add_bloom_rule(&self->b, KDBUS_MATCH_REPLACE, 1000,
				    mask));
	EXPECT_EQ(0, match_remove(&self->b, 1001));
	EXPECT_EQ(0, add_bloom_rule(&self->b, 0, 1, mask));
	EXPECT_EQ(-EMFILE, add_bloom_rule(&self->b, 0, 2, mask));
	/* the limit is per connection */
	EXPECT_EQ(0, add_bloom_rule(&self->c, 0, 1, mask));
}

/* the kernel message at @c: ID_ADD or ID_REMOVE of @id; frees it */
static int expect_id_notification(struct kdbus_conn *c, uint64_t type,
				  uint64_t id)
{
	struct kdbus_msg *m;
	int ret = 0;

	if (kdbus_recv(c, 0, 0, &m, NULL))
		return -1;
	if (m->src_id != KDBUS_SRC_ID_KERNEL ||
	    m->payload_type != KDBUS_PAYLOAD_KERNEL ||
	    m->items[0].type != type ||
	    m->items[0].size != KDBUS_ITEM_HEADER_SIZE +
				sizeof(struct kdbus_notify_id_change) ||
	    m->items[0].id_change.id != id)
		ret = -2;
	kdbus_msg_free(c, m);
	return ret;
}

TEST_F(match, id_add_and_id_remove_reach_matching_rules)
{
	struct kdbus_conn d, e;

	/* b: every ID_ADD; c: the ID_REMOVE of one id (d's, next) */
	ASSERT_EQ(0, add_id_rule(&self->b, 1, KDBUS_ITEM_ID_ADD,
				 KDBUS_MATCH_ID_ANY));
	ASSERT_EQ(0, add_id_rule(&self->c, 1, KDBUS_ITEM_ID_REMOVE,
				 self->c.id + 1));
	/* a: only a bloom rule, which no notification matches */
	ASSERT_EQ(0, add_bloom_rule(&self->a, 0, 1, zero_mask));

	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE, &d));
	ASSERT_EQ(self->c.id + 1, d.id);
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE, &e));
	EXPECT_EQ(0, expect_id_notification(&self->b, KDBUS_ITEM_ID_ADD,
					    d.id));
	EXPECT_EQ(0, expect_id_notification(&self->b, KDBUS_ITEM_ID_ADD,
					    e.id));
	EXPECT_EQ(0, drain(&self->b));
	EXPECT_EQ(0, drain(&self->c));

	kdbus_conn_close(&e);
	kdbus_conn_close(&d);
	EXPECT_EQ(0, expect_id_notification(&self->c, KDBUS_ITEM_ID_REMOVE,
					    d.id));
	EXPECT_EQ(0, drain(&self->c));
	/* an ID_ADD rule takes no ID_REMOVE */
	EXPECT_EQ(0, drain(&self->b));
	EXPECT_EQ(0, drain(&self->a));

	/* an id rule for ID_ADD names the newcomer */
	ASSERT_EQ(0, add_id_rule(&self->c, 2, KDBUS_ITEM_ID_ADD,
				 e.id + 2));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE, &d));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE, &e));
	EXPECT_EQ(0, expect_id_notification(&self->c, KDBUS_ITEM_ID_ADD,
					    e.id));
	EXPECT_EQ(0, drain(&self->c));
	EXPECT_EQ(2, drain(&self->b));
	kdbus_conn_close(&d);
	kdbus_conn_close(&e);
}

TEST_F(match, full_receiver_loses_the_broadcast_and_sees_dropped_msgs)
{
	static char data[3000];
	struct bcast bc = { .data = data, .size = sizeof(data) };
	struct kdbus_cmd_recv r;
	struct kdbus_conn small;
	struct kdbus_msg *m;
	int i, got = 0, sent = 20;

	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, 16 * 1024, &small));
	ASSERT_EQ(0, add_empty_rule(&small, 1));
	ASSERT_EQ(0, add_empty_rule(&self->c, 1));

	/* the sender is told nothing of receivers without room */
	for (i = 0; i < sent; i++)
		ASSERT_EQ(0, bcast_send(&self->a, &bc));
	EXPECT_EQ(sent, drain(&self->c));

	ASSERT_EQ(0, kdbus_recv(&small, 0, 0, &m, &r));
	got++;
	EXPECT_TRUE(r.return_flags & KDBUS_RECV_RETURN_DROPPED_MSGS);
	EXPECT_LT(0, r.dropped_msgs);
	/* what was queued plus what was lost is what was sent */
	got += drain(&small);
	EXPECT_LT(1, got);
	EXPECT_EQ(sent, got + r.dropped_msgs);
	kdbus_msg_free(&small, m);
	kdbus_conn_close(&small);
}

TEST_F(match, broadcast_errnos_and_nothing_delivered)
{
	struct bcast bc;
	int fd;

	ASSERT_EQ(0, add_empty_rule(&self->b, 1));

	/* a broadcast is a signal */
	bc = (struct bcast){ .not_signal = true };
	EXPECT_EQ(-EBADMSG, bcast_send(&self->a, &bc));
	/* with a bloom filter of the bus's size */
	bc = (struct bcast){ .no_bloom = true };
	EXPECT_EQ(-EBADMSG, bcast_send(&self->a, &bc));
	bc = (struct bcast){ .bloom_size = BLOOM_SIZE / 2 };
	EXPECT_EQ(-EDOM, bcast_send(&self->a, &bc));
	bc = (struct bcast){ .bloom_size = 2 * BLOOM_SIZE };
	EXPECT_EQ(-EDOM, bcast_send(&self->a, &bc));
	bc = (struct bcast){ .bloom_size = BLOOM_SIZE - 3 };
	EXPECT_EQ(-EFAULT, bcast_send(&self->a, &bc));
	/* without files */
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	bc = (struct bcast){ .fd = fd };
	EXPECT_EQ(-ENOTUNIQ, bcast_send(&self->a, &bc));
	close(fd);
	/* nobody answers a broadcast */
	bc = (struct bcast){ .msg_flags = KDBUS_MSG_EXPECT_REPLY,
			     .timeout_ns = kdbus_now_ns() + 1000000000ULL };
	EXPECT_EQ(-ENOTUNIQ, bcast_send(&self->a, &bc));
	bc = (struct bcast){ .timeout_ns = kdbus_now_ns() + 1000000000ULL };
	EXPECT_EQ(-ENOTUNIQ, bcast_send(&self->a, &bc));
	/* the reply cookie shares timeout_ns's place */
	bc = (struct bcast){ .timeout_ns = 5 };
	EXPECT_EQ(-ENOTUNIQ, bcast_send(&self->a, &bc));
	/* and it has no destination name */
	bc = (struct bcast){ .dst_name = "org.example.x" };
	EXPECT_EQ(-EBADMSG, bcast_send(&self->a, &bc));

	EXPECT_EQ(0, drain(&self->b));
	bc = (struct bcast){ 0 };
	EXPECT_EQ(0, bcast_send(&self->a, &bc));
	EXPECT_EQ(1, drain(&self->b));
}

/*
 * The unprivileged side: a rule for every broadcast, then tell the parent
 * our id;
 * after the parent's broadcast, nothing must be queued; then broadcast.
 */
static int user_side(void *ep, int sock)
{
	struct kdbus_conn c;
	char x;

	if (kdbus_hello(ep, 0, KDBUS_TEST_POOL_SIZE, &c))
		return 10;
	/* every broadcast, and no notification to confuse the count */
	if (add_bloom_rule(&c, 0, 1, zero_mask))
		return 11;
	if (write(sock, &c.id, sizeof(c.id)) != sizeof(c.id))
		return 12;
	if (read(sock, &x, 1) != 1)
		return 13;
	if (drain(&c))
		return 14;
	if (send_bit(&c, 0, 0))
		return 15;
	if (write(sock, "x", 1) != 1)
		return 16;
	kdbus_conn_close(&c);
	return 0;
}

TEST_F(match, receiver_needs_talk_access_to_the_sender)
{
	struct kdbus_msg *m;
	uint64_t id;
	pid_t pid;
	int sock;
	char x;

	/* a is the bus owner's (privileged): it may talk to anyone */
	ASSERT_EQ(0, add_bloom_rule(&self->a, 0, 1, zero_mask));
	pid = kdbus_fork_as(KDBUS_TEST_UID, KDBUS_TEST_GID, user_side,
			    (void *)self->bus.ep, &sock);
	ASSERT_LT(0, pid);
	ASSERT_EQ(sizeof(id), read(sock, &id, sizeof(id)));

	/* the unprivileged rule holder may not talk to root: it gets none */
	ASSERT_EQ(0, send_bit(&self->b, 0, 0));
	ASSERT_EQ(1, write(sock, "x", 1));
	ASSERT_EQ(1, read(sock, &x, 1));

	/* root's connection may talk to it, so it gets its broadcast */
	ASSERT_EQ(0, kdbus_recv(&self->a, 0, 0, &m, NULL));
	EXPECT_EQ(self->b.id, m->src_id);
	kdbus_msg_free(&self->a, m);
	ASSERT_EQ(0, kdbus_recv(&self->a, 0, 0, &m, NULL));
	EXPECT_EQ(id, m->src_id);
	kdbus_msg_free(&self->a, m);
	EXPECT_EQ(0, drain(&self->a));
	close(sock);
	EXPECT_EQ(0, kdbus_wait(pid));
}

/* The unprivileged side: tell the parent our id, then broadcast a lot. */
static int user_flood(void *ep, int sock)
{
	struct kdbus_conn c;
	char x;
	int i;

	if (kdbus_hello(ep, 0, KDBUS_TEST_POOL_SIZE, &c))
		return 10;
	if (write(sock, &c.id, sizeof(c.id)) != sizeof(c.id))
		return 11;
	for (i = 0; i < KDBUS_CONN_MAX_MSGS + 44; i++)
		if (send_bit(&c, 0, 0))
			return 12;
	if (write(sock, "x", 1) != 1 || read(sock, &x, 1) != 1)
		return 13;
	kdbus_conn_close(&c);
	return 0;
}

TEST_F(match, broadcasts_are_charged_to_the_senders_user)
{
	struct kdbus_cmd_recv r;
	struct kdbus_msg *m;
	int sock, got = 0;
	uint64_t id;
	pid_t pid;
	char x;

	/* the privileged a hears everyone; each sender's user is charged */
	ASSERT_EQ(0, add_bloom_rule(&self->a, 0, 1, zero_mask));
	pid = kdbus_fork_as(KDBUS_TEST_UID, KDBUS_TEST_GID, user_flood,
			    (void *)self->bus.ep, &sock);
	ASSERT_LT(0, pid);
	ASSERT_EQ(sizeof(id), read(sock, &id, sizeof(id)));
	ASSERT_EQ(1, read(sock, &x, 1));

	/* uid 1000's quota at a ends after KDBUS_CONN_MAX_MSGS; the rest is lost */
	ASSERT_EQ(0, kdbus_recv(&self->a, 0, 0, &m, &r));
	EXPECT_EQ(id, m->src_id);
	EXPECT_EQ(44, r.dropped_msgs);
	kdbus_msg_free(&self->a, m);
	got = 1 + drain(&self->a);
	EXPECT_EQ(KDBUS_CONN_MAX_MSGS, got);
	ASSERT_EQ(1, write(sock, "x", 1));
	close(sock);
	EXPECT_EQ(0, kdbus_wait(pid));

	/* from b, a's own user, the same: its own quota at a is no larger */
	for (got = 0; got < KDBUS_CONN_MAX_MSGS + 44; got++)
		ASSERT_EQ(0, send_bit(&self->b, 0, 0));
	ASSERT_EQ(0, kdbus_recv(&self->a, 0, 0, &m, &r));
	EXPECT_EQ(44, r.dropped_msgs);
	kdbus_msg_free(&self->a, m);
	EXPECT_EQ(KDBUS_CONN_MAX_MSGS - 1, drain(&self->a));
}

/* threads of the race below; each counts what went wrong */
struct race {
	const char *ep;
	struct kdbus_conn *sender, *rcv;
	uint64_t until_ns;
	int errors;
};

static void *race_send(void *arg)
{
	struct race *r = arg;

	while (kdbus_now_ns() < r->until_ns)
		if (send_bit(r->sender, 0, 0))
			r->errors++;
	return NULL;
}

static void *race_rules(void *arg)
{
	struct race *r = arg;
	int ret;

	while (kdbus_now_ns() < r->until_ns) {
		if (add_bloom_rule(r->rcv, KDBUS_MATCH_REPLACE, 1, zero_mask))
			r->errors++;
		drain(r->rcv);
		ret = match_remove(r->rcv, 1);
		if (ret && ret != -EBADSLT)
			r->errors++;
	}
	return NULL;
}

static void *race_conns(void *arg)
{
	struct race *r = arg;
	struct kdbus_conn c;

	while (kdbus_now_ns() < r->until_ns) {
		if (kdbus_hello(r->ep, 0, 64 * 1024, &c)) {
			r->errors++;
			continue;
		}
		if (add_empty_rule(&c, 1) ||
		    add_id_rule(&c, 2, KDBUS_ITEM_ID_REMOVE, KDBUS_MATCH_ID_ANY))
			r->errors++;
		kdbus_conn_close(&c);
	}
	return NULL;
}

TEST_F(match, rules_broadcasts_and_disconnects_race_safely)
{
	static void *(*const fn[3])(void *) = {
		race_send, race_rules, race_conns,
	};
	struct race r[3];
	pthread_t t[3];
	int i;

	for (i = 0; i < 3; i++) {
		r[i] = (struct race){
			.ep = self->bus.ep,
			.sender = &self->a,
			.rcv = &self->b,
			.until_ns = kdbus_now_ns() + 1000000000ULL,
		};
		ASSERT_EQ(0, pthread_create(&t[i], NULL, fn[i], &r[i]));
	}
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, pthread_join(t[i], NULL));
		EXPECT_EQ(0, r[i].errors);
	}
	/* the bus still works: one rule, one copy */
	drain(&self->b);
	ASSERT_EQ(0, add_bloom_rule(&self->b, 0, 9, zero_mask));
	ASSERT_EQ(0, send_bit(&self->a, 0, 0));
	EXPECT_EQ(1, drain(&self->b));
}

TEST_F(match, name_rules_select_senders_that_own_the_name)
{
	struct bcast bc = { .cookie = 31 };
	struct kdbus_cmd_buf b;
	struct kdbus_msg *m;

	kdbus_match_init(&b, 0, 1);
	kdbus_cmd_add_str(&b, KDBUS_ITEM_NAME, "org.sender.Name");
	ASSERT_EQ(0, match_ioctl(&self->b, KDBUS_CMD_MATCH_ADD, &b));

	/* before a owns the name its broadcast does not match */
	ASSERT_EQ(0, bcast_send(&self->a, &bc));
	EXPECT_EQ(-EAGAIN, kdbus_recv(&self->b, 0, 0, NULL, NULL));

	ASSERT_EQ(0, kdbus_name_acquire(&self->a, "org.sender.Name", 0, NULL));
	bc.cookie = 32;
	ASSERT_EQ(0, bcast_send(&self->a, &bc));
	ASSERT_EQ(0, kdbus_recv(&self->b, 0, 0, &m, NULL));
	EXPECT_EQ(32, m->cookie);
	EXPECT_EQ(self->a.id, m->src_id);
	EXPECT_EQ(KDBUS_DST_ID_BROADCAST, m->dst_id);
	EXPECT_EQ(0, kdbus_msg_free(&self->b, m));

	/* another sender does not own it */
	bc.cookie = 33;
	ASSERT_EQ(0, bcast_send(&self->c, &bc));
	EXPECT_EQ(-EAGAIN, kdbus_recv(&self->b, 0, 0, NULL, NULL));
}

/* the next message's item type and the id it is about, or -errno */
static int next_kernel(struct kdbus_conn *c, uint64_t *type, uint64_t *id)
{
	struct kdbus_msg *m;
	int ret;

	ret = kdbus_recv(c, 0, 0, &m, NULL);
	if (ret)
		return ret;
	*type = m->items[0].type;
	*id = m->items[0].id_change.id;
	kdbus_msg_free(c, m);
	return 0;
}

/*
 * Notifications are offered only to the connections that subscribed to
 * their kind (bus subscriber lists): the result must be the same as
 * offering them to everybody.
 */
TEST_F(match, notifications_reach_exactly_the_matching_connections)
{
	struct kdbus_notify_id_change ic = { .id = KDBUS_MATCH_ID_ANY };
	struct kdbus_notify_name_change nc = {
		.old_id.id = KDBUS_MATCH_ID_ANY,
		.new_id.id = KDBUS_MATCH_ID_ANY,
	};
	struct kdbus_conn add, all, mixed, gone, x;
	uint64_t type, id, mask[8] = { 0 };
	struct kdbus_cmd_buf b;

	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE, &add));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE, &all));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE,
				 &mixed));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE, &gone));
	/* ID_ADD only */
	kdbus_match_init(&b, 0, 1);
	kdbus_cmd_add(&b, KDBUS_ITEM_ID_ADD, &ic, sizeof(ic));
	ASSERT_EQ(0, match_ioctl(&add, KDBUS_CMD_MATCH_ADD, &b));
	/* an empty rule: everything */
	kdbus_match_init(&b, 0, 1);
	ASSERT_EQ(0, match_ioctl(&all, KDBUS_CMD_MATCH_ADD, &b));
	/* two kinds in one rule: no notification has both; a bloom rule */
	kdbus_match_init(&b, 0, 1);
	kdbus_cmd_add(&b, KDBUS_ITEM_ID_ADD, &ic, sizeof(ic));
	kdbus_cmd_add(&b, KDBUS_ITEM_NAME_ADD, &nc, sizeof(nc));
	ASSERT_EQ(0, match_ioctl(&mixed, KDBUS_CMD_MATCH_ADD, &b));
	kdbus_match_init(&b, 0, 2);
	kdbus_cmd_add(&b, KDBUS_ITEM_BLOOM_MASK, mask, sizeof(mask));
	ASSERT_EQ(0, match_ioctl(&mixed, KDBUS_CMD_MATCH_ADD, &b));
	/* ID_REMOVE, then removed again; REPLACE keeps one of two */
	kdbus_match_init(&b, 0, 1);
	kdbus_cmd_add(&b, KDBUS_ITEM_ID_REMOVE, &ic, sizeof(ic));
	ASSERT_EQ(0, match_ioctl(&gone, KDBUS_CMD_MATCH_ADD, &b));
	ASSERT_EQ(0, match_remove(&gone, 1));
	kdbus_match_init(&b, 0, 3);
	kdbus_cmd_add(&b, KDBUS_ITEM_ID_REMOVE, &ic, sizeof(ic));
	ASSERT_EQ(0, match_ioctl(&add, KDBUS_CMD_MATCH_ADD, &b));
	kdbus_match_init(&b, KDBUS_MATCH_REPLACE, 3);
	kdbus_cmd_add(&b, KDBUS_ITEM_NAME_ADD, &nc, sizeof(nc));
	ASSERT_EQ(0, match_ioctl(&add, KDBUS_CMD_MATCH_ADD, &b));

	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE, &x));
	id = x.id;
	kdbus_conn_close(&x);

	ASSERT_EQ(0, next_kernel(&add, &type, &x.id));
	EXPECT_EQ(KDBUS_ITEM_ID_ADD, type);
	EXPECT_EQ(id, x.id);
	EXPECT_EQ(-EAGAIN, next_kernel(&add, &type, &x.id));
	ASSERT_EQ(0, next_kernel(&all, &type, &x.id));
	EXPECT_EQ(KDBUS_ITEM_ID_ADD, type);
	ASSERT_EQ(0, next_kernel(&all, &type, &x.id));
	EXPECT_EQ(KDBUS_ITEM_ID_REMOVE, type);
	EXPECT_EQ(id, x.id);
	EXPECT_EQ(-EAGAIN, next_kernel(&all, &type, &x.id));
	EXPECT_EQ(-EAGAIN, next_kernel(&mixed, &type, &x.id));
	EXPECT_EQ(-EAGAIN, next_kernel(&gone, &type, &x.id));

	kdbus_conn_close(&add);
	kdbus_conn_close(&all);
	kdbus_conn_close(&mixed);
	kdbus_conn_close(&gone);
}

/*
 * Name and id notifications: one per change, in order, none lost. Their
 * memory is reserved by HELLO and NAME_ACQUIRE (ENOMEM there, if at all),
 * so no release, takeover, hand-over or disconnection can lose one.
 */

/* what one notification says */
struct note {
	uint64_t type;
	uint64_t old_id;	/* ID_*: the id */
	uint64_t new_id;
	char name[256];		/* NAME_* only */
};

/* ID and NAME rules for every id and name, no broadcasts */
static int watch_all(struct kdbus_conn *c)
{
	static const uint64_t types[] = {
		KDBUS_ITEM_ID_ADD, KDBUS_ITEM_ID_REMOVE, KDBUS_ITEM_NAME_ADD,
		KDBUS_ITEM_NAME_REMOVE, KDBUS_ITEM_NAME_CHANGE,
	};
	struct kdbus_notify_name_change nc = {
		.old_id.id = KDBUS_MATCH_ID_ANY,
		.new_id.id = KDBUS_MATCH_ID_ANY,
	};
	struct kdbus_cmd_buf b;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		if (types[i] == KDBUS_ITEM_ID_ADD ||
		    types[i] == KDBUS_ITEM_ID_REMOVE) {
			ret = add_id_rule(c, 10 + i, types[i],
					  KDBUS_MATCH_ID_ANY);
		} else {
			kdbus_match_init(&b, 0, 10 + i);
			kdbus_cmd_add(&b, types[i], &nc, sizeof(nc));
			ret = match_ioctl(c, KDBUS_CMD_MATCH_ADD, &b);
		}
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * The next kernel notification at @c: 0, or -errno; -EOVERFLOW if some
 * were lost (and *@dropped says how many, unless it is NULL).
 */
static int next_note_dropped(struct kdbus_conn *c, struct note *n,
			     uint64_t *dropped)
{
	struct kdbus_cmd_recv r = { 0 };
	struct kdbus_item *item;
	struct kdbus_msg *m;
	int ret;

	memset(n, 0, sizeof(*n));
	ret = kdbus_recv(c, 0, 0, &m, &r);
	if (dropped)
		*dropped = 0;
	if (r.return_flags & KDBUS_RECV_RETURN_DROPPED_MSGS) {
		if (dropped)
			*dropped = r.dropped_msgs;
		if (ret == 0)
			kdbus_msg_free(c, m);
		return -EOVERFLOW;
	}
	if (ret)
		return ret;
	item = &m->items[0];
	n->type = item->type;
	if (m->src_id != KDBUS_SRC_ID_KERNEL) {
		ret = -EPROTO;
	} else if (item->type == KDBUS_ITEM_ID_ADD ||
		   item->type == KDBUS_ITEM_ID_REMOVE) {
		n->old_id = item->id_change.id;
	} else {
		n->old_id = item->name_change.old_id.id;
		n->new_id = item->name_change.new_id.id;
		snprintf(n->name, sizeof(n->name), "%s",
			 item->name_change.name);
	}
	kdbus_msg_free(c, m);
	return ret;
}

/* the next one, none lost */
static int next_note(struct kdbus_conn *c, struct note *n)
{
	return next_note_dropped(c, n, NULL);
}

/* @c received exactly @want, in that order, and nothing else */
static void expect_notes(struct __test_metadata *_metadata,
			 struct kdbus_conn *c, const struct note *want,
			 unsigned int n_want)
{
	struct note got;
	unsigned int i;

	for (i = 0; i < n_want; i++) {
		ASSERT_EQ(0, next_note(c, &got)) {
			TH_LOG("notification %u of %u", i, n_want);
		}
		EXPECT_EQ(want[i].type, got.type) {
			TH_LOG("notification %u", i);
		}
		EXPECT_EQ(want[i].old_id, got.old_id) {
			TH_LOG("notification %u", i);
		}
		EXPECT_EQ(want[i].new_id, got.new_id) {
			TH_LOG("notification %u", i);
		}
		EXPECT_STREQ(want[i].name, got.name) {
			TH_LOG("notification %u", i);
		}
	}
	EXPECT_EQ(-EAGAIN, next_note(c, &got));
}

/* a NAME_* note for @name */
static struct note name_note(uint64_t type, uint64_t old_id, uint64_t new_id,
			     const char *name)
{
	struct note n = { .type = type, .old_id = old_id, .new_id = new_id };

	snprintf(n.name, sizeof(n.name), "%s", name);
	return n;
}

static struct note id_note(uint64_t type, uint64_t id)
{
	struct note n = { .type = type, .old_id = id };

	return n;
}

TEST_F(match, every_name_and_id_change_notifies_once_in_order)
{
	char name[64], act_name[64], extra[3][64];
	struct kdbus_conn act, x, y;
	struct note want[32];
	unsigned int round, i, n;

	ASSERT_EQ(0, watch_all(&self->a));
	for (round = 0; round < 8; round++) {
		snprintf(name, sizeof(name), "org.notify.n%u", round);
		snprintf(act_name, sizeof(act_name), "org.notify.act%u",
			 round);
		n = 0;

		/* an activator, and two connections */
		ASSERT_EQ(0,
			  kdbus_hello_activator(self->bus.ep, act_name, &act));
		want[n++] = id_note(KDBUS_ITEM_ID_ADD, act.id);
		want[n++] = name_note(KDBUS_ITEM_NAME_ADD, 0, act.id,
				      act_name);
		ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0,
					 KDBUS_TEST_POOL_SIZE, &x));
		want[n++] = id_note(KDBUS_ITEM_ID_ADD, x.id);
		ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0,
					 KDBUS_TEST_POOL_SIZE, &y));
		want[n++] = id_note(KDBUS_ITEM_ID_ADD, y.id);

		/* taken; a place in the queue says nothing */
		ASSERT_EQ(0, kdbus_name_acquire(&x, name,
						KDBUS_NAME_ALLOW_REPLACEMENT |
						KDBUS_NAME_QUEUE, NULL));
		want[n++] = name_note(KDBUS_ITEM_NAME_ADD, 0, x.id, name);
		ASSERT_EQ(0, kdbus_name_acquire(&y, name, KDBUS_NAME_QUEUE,
						NULL));
		/* taken over (x waits in line), given back */
		ASSERT_EQ(0, kdbus_name_acquire(&y, name,
						KDBUS_NAME_REPLACE_EXISTING |
						KDBUS_NAME_QUEUE, NULL));
		want[n++] = name_note(KDBUS_ITEM_NAME_CHANGE, x.id, y.id,
				      name);
		ASSERT_EQ(0, kdbus_name_release(&y, name));
		want[n++] = name_note(KDBUS_ITEM_NAME_CHANGE, y.id, x.id,
				      name);
		/* handed over from the activator */
		ASSERT_EQ(0, kdbus_name_acquire(&x, act_name, 0, NULL));
		want[n++] = name_note(KDBUS_ITEM_NAME_CHANGE, act.id, x.id,
				      act_name);
		for (i = 0; i < 3; i++) {
			snprintf(extra[i], sizeof(extra[i]),
				 "org.notify.x%u.e%u", round, i);
			ASSERT_EQ(0, kdbus_name_acquire(&x, extra[i], 0,
							NULL));
			want[n++] = name_note(KDBUS_ITEM_NAME_ADD, 0, x.id,
					      extra[i]);
		}

		/* x goes: its names in the order it took them, then its id */
		ASSERT_EQ(0, kdbus_byebye(&x));
		want[n++] = name_note(KDBUS_ITEM_NAME_REMOVE, x.id, 0, name);
		want[n++] = name_note(KDBUS_ITEM_NAME_CHANGE, x.id, act.id,
				      act_name);
		for (i = 0; i < 3; i++)
			want[n++] = name_note(KDBUS_ITEM_NAME_REMOVE, x.id, 0,
					      extra[i]);
		want[n++] = id_note(KDBUS_ITEM_ID_REMOVE, x.id);
		kdbus_conn_close(&x);
		kdbus_conn_close(&y);
		want[n++] = id_note(KDBUS_ITEM_ID_REMOVE, y.id);
		kdbus_conn_close(&act);
		want[n++] = name_note(KDBUS_ITEM_NAME_REMOVE, act.id, 0,
				      act_name);
		want[n++] = id_note(KDBUS_ITEM_ID_REMOVE, act.id);

		ASSERT_LE(n, ARRAY_SIZE(want));
		expect_notes(_metadata, &self->a, want, n);
	}
}

#define CHURN_THREADS	4
#define CHURN_ROUNDS	8
#define CHURN_NOTES	6	/* per round, see churn() */

struct churn_arg {
	const char *ep;
	unsigned int t;
	uint64_t ids[CHURN_ROUNDS];
	int err;
};

/* HELLO, take, release and take a name, BYEBYE: again and again */
static void *churn_thread(void *p)
{
	struct churn_arg *a = p;
	struct kdbus_conn c;
	unsigned int r;
	char name[64];

	for (r = 0; r < CHURN_ROUNDS && !a->err; r++) {
		snprintf(name, sizeof(name), "org.churn.t%u.r%u", a->t, r);
		a->err = kdbus_hello(a->ep, 0, KDBUS_TEST_POOL_SIZE, &c);
		if (a->err)
			break;
		a->ids[r] = c.id;
		a->err = kdbus_name_acquire(&c, name, 0, NULL) ?:
			 kdbus_name_release(&c, name) ?:
			 kdbus_name_acquire(&c, name, 0, NULL) ?:
			 kdbus_byebye(&c);
		kdbus_conn_close(&c);
	}
	return NULL;
}

/*
 * Many connections come and go at once: the watcher hears each one's
 * changes exactly once and in its order. Everything fits in the watcher's
 * quota, so nothing may be dropped.
 */
TEST_F(match, concurrent_churn_notifies_each_change_once)
{
	unsigned int seen[CHURN_THREADS][CHURN_ROUNDS] = { { 0 } };
	struct churn_arg arg[CHURN_THREADS];
	pthread_t th[CHURN_THREADS];
	unsigned int t, r, total = 0;
	char name[64];
	struct note n;
	int ret;

	/* the kernel's quota at a receiver is 256 messages */
	ASSERT_LT(CHURN_THREADS * CHURN_ROUNDS * CHURN_NOTES, 256);
	ASSERT_EQ(0, watch_all(&self->a));
	for (t = 0; t < CHURN_THREADS; t++) {
		arg[t] = (struct churn_arg){ .ep = self->bus.ep, .t = t };
		ASSERT_EQ(0, pthread_create(&th[t], NULL, churn_thread,
					    &arg[t]));
	}
	for (t = 0; t < CHURN_THREADS; t++) {
		pthread_join(th[t], NULL);
		EXPECT_EQ(0, arg[t].err) {
			TH_LOG("thread %u: %s", t,
			       kdbus_errno_name(-arg[t].err));
		}
	}

	while ((ret = next_note(&self->a, &n)) == 0) {
		uint64_t id = n.type == KDBUS_ITEM_ID_ADD ||
			      n.type == KDBUS_ITEM_ID_REMOVE ||
			      n.type == KDBUS_ITEM_NAME_REMOVE ?
			      n.old_id : n.new_id;
		static const uint64_t order[CHURN_NOTES] = {
			KDBUS_ITEM_ID_ADD, KDBUS_ITEM_NAME_ADD,
			KDBUS_ITEM_NAME_REMOVE, KDBUS_ITEM_NAME_ADD,
			KDBUS_ITEM_NAME_REMOVE, KDBUS_ITEM_ID_REMOVE,
		};
		bool found = false;

		total++;
		for (t = 0; t < CHURN_THREADS && !found; t++) {
			for (r = 0; r < CHURN_ROUNDS && !found; r++) {
				unsigned int *s = &seen[t][r];

				if (arg[t].ids[r] != id)
					continue;
				found = true;
				ASSERT_LT(*s, CHURN_NOTES);
				EXPECT_EQ(order[*s], n.type) {
					TH_LOG("id %llu, note %u",
					       (unsigned long long)id, *s);
				}
				snprintf(name, sizeof(name),
					 "org.churn.t%u.r%u", t, r);
				if (n.type != KDBUS_ITEM_ID_ADD &&
				    n.type != KDBUS_ITEM_ID_REMOVE)
					EXPECT_STREQ(name, n.name);
				(*s)++;
			}
		}
		EXPECT_TRUE(found) {
			TH_LOG("a notification about id %llu",
			       (unsigned long long)id);
		}
	}
	EXPECT_EQ(-EAGAIN, ret);
	EXPECT_EQ(CHURN_THREADS * CHURN_ROUNDS * CHURN_NOTES, total);
	for (t = 0; t < CHURN_THREADS; t++)
		for (r = 0; r < CHURN_ROUNDS; r++)
			EXPECT_EQ(CHURN_NOTES, seen[t][r]);
}

/*
 * The reservations under allocation failure: HELLO and NAME_ACQUIRE fail
 * with ENOMEM before anything changes (the watcher hears nothing, the
 * registry is as it was), or succeed. A fault in the broadcast itself is
 * allowed to cost the watcher its copy, counted in dropped_msgs. Needs
 * the debug kernel's fault injection (fail-nth and failslab); skips
 * without.
 */
/*
 * Drain @c: the number of notifications received and counted lost, all
 * of type @t1 or @t2; -EPROTO for another kind, or -errno.
 */
static int drain_notes(struct kdbus_conn *c, uint64_t t1, uint64_t t2)
{
	uint64_t dropped;
	int ret, got = 0;
	struct note n;

	for (;;) {
		ret = next_note_dropped(c, &n, &dropped);
		if (ret == -EOVERFLOW) {
			/* a message may have come with the count: lost too */
			got += dropped;
			continue;
		}
		if (ret)
			break;
		if (n.type != t1 && n.type != t2)
			return -EPROTO;
		got++;
	}
	return ret == -EAGAIN ? got : ret;
}

TEST_F(match, hello_and_acquire_fail_with_enomem_changing_nothing)
{
	const char *name = "org.notify.fault", *why;
	unsigned int n, failed = 0;
	struct kdbus_info *l;
	struct kdbus_conn x;
	struct note got;
	uint64_t f;
	size_t size;
	int nth, fd, ret, injected;

	why = kdbus_fault_setup();
	if (why)
		SKIP(return, "%s", why);
	nth = open(KDBUS_FAIL_NTH, O_RDWR | O_CLOEXEC);
	if (nth < 0) {
		kdbus_fault_restore();
		SKIP(return, "cannot open " KDBUS_FAIL_NTH);
	}
	ASSERT_EQ(0, watch_all(&self->a)) {
		kdbus_fault_restore();
	}
	/* b owns the name and would let c take it over */
	ASSERT_EQ(0, kdbus_name_acquire(&self->b, name,
					KDBUS_NAME_ALLOW_REPLACEMENT |
					KDBUS_NAME_QUEUE, NULL)) {
		kdbus_fault_restore();
	}
	EXPECT_EQ(1, drain_notes(&self->a, KDBUS_ITEM_NAME_ADD, 0));

	/* NAME_ACQUIRE with the n-th allocation failed, until none is */
	for (n = 1; n < 400; n++) {
		ASSERT_EQ(0, kdbus_fault_arm(nth, n));
		ret = kdbus_name_acquire(&self->c, name,
					 KDBUS_NAME_REPLACE_EXISTING, NULL);
		injected = kdbus_fault_disarm(nth);
		if (injected < 0 || (ret && ret != -ENOMEM)) {
			EXPECT_EQ(-ENOMEM, ret) {
				TH_LOG("NAME_ACQUIRE, fault %u", n);
			}
			break;
		}
		if (ret == 0) {
			/* taken over: told, or counted lost; then back */
			ret = drain_notes(&self->a, KDBUS_ITEM_NAME_CHANGE, 0);
			EXPECT_TRUE(ret == 1 || (injected && ret == 0)) {
				TH_LOG("NAME_ACQUIRE, fault %u: %d", n, ret);
			}
			EXPECT_EQ(0, kdbus_name_release(&self->c, name));
			EXPECT_EQ(1, drain_notes(&self->a,
						 KDBUS_ITEM_NAME_CHANGE, 0));
			if (!injected)
				break;
			continue;
		}
		failed++;
		/* nothing happened: nobody told, b owns it, c waits not */
		EXPECT_EQ(-EAGAIN, next_note(&self->a, &got)) {
			TH_LOG("NAME_ACQUIRE, fault %u: notified", n);
		}
		EXPECT_EQ(-EADDRINUSE, kdbus_name_release(&self->c, name));
		ASSERT_EQ(0, kdbus_list(&self->a, KDBUS_LIST_NAMES |
					KDBUS_LIST_QUEUED, &l, &size));
		f = 0;
		EXPECT_TRUE(kdbus_list_has(l, size, self->b.id, name, &f));
		EXPECT_EQ(KDBUS_NAME_PRIMARY, f & (KDBUS_NAME_PRIMARY |
						   KDBUS_NAME_IN_QUEUE));
		EXPECT_FALSE(kdbus_list_has(l, size, self->c.id, name, NULL));
		free(l);
	}
	EXPECT_LT(n, 400);
	EXPECT_GT(failed, 0);
	TH_LOG("NAME_ACQUIRE: %u faults, %u ENOMEM", n, failed);

	/* HELLO likewise: no ID_ADD for a connection that did not come */
	failed = 0;
	for (n = 1; n < 400; n++) {
		fd = open(self->bus.ep, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, kdbus_fault_arm(nth, n));
		ret = kdbus_hello_raw(fd, 0, KDBUS_TEST_POOL_SIZE, &x, NULL);
		injected = kdbus_fault_disarm(nth);
		if (injected < 0 || (ret && ret != -ENOMEM)) {
			EXPECT_EQ(-ENOMEM, ret) {
				TH_LOG("HELLO, fault %u", n);
			}
			close(fd);
			break;
		}
		if (ret == 0) {
			close(fd);
			/* its ID_ADD (or counted lost) and ID_REMOVE */
			ret = drain_notes(&self->a, KDBUS_ITEM_ID_ADD,
					  KDBUS_ITEM_ID_REMOVE);
			EXPECT_TRUE(ret == 2 || (injected && ret == 1)) {
				TH_LOG("HELLO, fault %u: %d", n, ret);
			}
			if (!injected)
				break;
			continue;
		}
		close(fd);
		failed++;
		EXPECT_EQ(-EAGAIN, next_note(&self->a, &got)) {
			TH_LOG("HELLO, fault %u: notified", n);
		}
	}
	EXPECT_LT(n, 400);
	EXPECT_GT(failed, 0);
	TH_LOG("HELLO: %u faults, %u ENOMEM", n, failed);
	close(nth);
	kdbus_fault_restore();
}

/*
 * Broadcasts are offered only to connections with a rule that can select
 * a signal (a bloom mask, a sender's id or name, or no item at all): the
 * rest of the bus costs nothing. Rules for notifications only, or mixing
 * both kinds, select no signal; removing the last signal rule takes the
 * connection off the list, and adding one puts it back.
 */
TEST_F(match, signals_reach_only_connections_with_rules_for_signals)
{
	struct kdbus_conn d, e;
	struct kdbus_cmd_buf b;
	struct kdbus_notify_id_change ic = { .id = KDBUS_MATCH_ID_ANY };

	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE, &d));
	ASSERT_EQ(0, kdbus_hello(self->bus.ep, 0, KDBUS_TEST_POOL_SIZE, &e));
	/* b: a bloom mask; c: ID_ADD only; d: no item; e: ID_ADD and id */
	ASSERT_EQ(0, add_bloom_rule(&self->b, 0, 1, zero_mask));
	ASSERT_EQ(0, add_id_rule(&self->c, 1, KDBUS_ITEM_ID_ADD,
				 KDBUS_MATCH_ID_ANY));
	ASSERT_EQ(0, add_empty_rule(&d, 1));
	kdbus_match_init(&b, 0, 1);
	kdbus_cmd_add(&b, KDBUS_ITEM_ID_ADD, &ic, sizeof(ic));
	kdbus_cmd_add(&b, KDBUS_ITEM_ID, &self->a.id, sizeof(self->a.id));
	ASSERT_EQ(0, match_ioctl(&e, KDBUS_CMD_MATCH_ADD, &b));

	ASSERT_EQ(0, send_bit(&self->a, 1, 0));
	EXPECT_EQ(1, drain(&self->b));
	EXPECT_EQ(0, drain(&self->c));
	EXPECT_EQ(1, drain(&d));
	EXPECT_EQ(0, drain(&e));
	EXPECT_EQ(0, drain(&self->a));

	/* off the list with its last signal rule, back on with a new one */
	ASSERT_EQ(0, match_remove(&self->b, 1));
	ASSERT_EQ(0, send_bit(&self->a, 1, 0));
	EXPECT_EQ(0, drain(&self->b));
	ASSERT_EQ(0, add_id_rule(&self->b, 2, KDBUS_ITEM_ID, self->a.id));
	ASSERT_EQ(0, send_bit(&self->a, 1, 0));
	EXPECT_EQ(1, drain(&self->b));
	EXPECT_EQ(2, drain(&d));
	kdbus_conn_close(&d);
	kdbus_conn_close(&e);
}

TEST_HARNESS_MAIN
