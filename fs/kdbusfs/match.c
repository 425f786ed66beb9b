// SPDX-License-Identifier: GPL-2.0
/*
 * Match rules: which broadcasts and notifications a connection receives.
 */

#include <linux/bits.h>
#include <linux/err.h>
#include <linux/kdbus.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/overflow.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "bus.h"
#include "conn.h"
#include "item.h"
#include "limits.h"
#include "match.h"
#include "names.h"
#include "policy.h"

/**
 * struct kdbus_match_db - the match rules of one connection
 * @lock:	protects @rules and @n_rules; senders read, the owner writes
 * @rules:	struct kdbus_match_rule, oldest first
 * @n_rules:	number of rules, at most KDBUS_MATCH_MAX
 * @n_kind:	rules that can select each kind of kernel notification
 */
struct kdbus_match_db {
	struct rw_semaphore lock;
	struct list_head rules;
	unsigned int n_rules;
	unsigned int n_kind[KDBUS_MATCH_KINDS];
};

/**
 * struct kdbus_match_rule - one rule: every one of its items must match
 * @entry:	in the database's list
 * @cookie:	tag given by user space, for MATCH_REMOVE and REPLACE
 * @kinds:	bit per enum kdbus_match_kind of the notifications it can
 *		select
 * @items_size:	bytes in @items
 * @items:	copies of the rule's items, each 8-byte aligned
 *
 * The items are kept as user space gave them, validated: matching reads
 * them in place, so a rule is a single allocation.
 */
struct kdbus_match_rule {
	struct list_head entry;
	u64 cookie;
	unsigned int kinds;
	size_t items_size;
	u64 items[];
};

/**
 * kdbus_match_kind() - the kind of a kernel notification
 * @item_type:	KDBUS_ITEM_* of the notification's item
 *
 * Return: its enum kdbus_match_kind, or -1 for no notification.
 */
int kdbus_match_kind(u64 item_type)
{
	switch (item_type) {
	case KDBUS_ITEM_ID_ADD:
		return KDBUS_MATCH_KIND_ID_ADD;
	case KDBUS_ITEM_ID_REMOVE:
		return KDBUS_MATCH_KIND_ID_REMOVE;
	case KDBUS_ITEM_NAME_ADD:
		return KDBUS_MATCH_KIND_NAME_ADD;
	case KDBUS_ITEM_NAME_REMOVE:
		return KDBUS_MATCH_KIND_NAME_REMOVE;
	case KDBUS_ITEM_NAME_CHANGE:
		return KDBUS_MATCH_KIND_NAME_CHANGE;
	default:
		return -1;
	}
}

/*
 * Every item of a rule must match, and a notification has one item: a
 * rule selects a kind of notification only if all its items are of it, or
 * if it has none. The other items (bloom mask, sender's name or id) are
 * for peers' signals; a rule mixing both kinds selects nothing.
 */
static unsigned int kdbus_match_rule_kinds(const struct kdbus_match_rule *rule)
{
	const struct kdbus_item *item;
	bool signal = false;
	int kind = -1;

	KDBUS_ITEMS_FOREACH(item, rule->items, rule->items_size) {
		int k = kdbus_match_kind(item->type);

		if (k < 0) {
			signal = true;
			continue;
		}
		if (kind >= 0 && k != kind)
			return 0;
		kind = k;
	}
	if (signal)
		return kind < 0 ? BIT(KDBUS_MATCH_KIND_SIGNAL) : 0;
	return kind < 0 ? BIT(KDBUS_MATCH_KINDS) - 1 : BIT(kind);
}

/* The kinds @db has rules for; kdbus_bus_subscribe() takes them. */
static unsigned int kdbus_match_db_kinds(const struct kdbus_match_db *db)
{
	unsigned int i, kinds = 0;

	for (i = 0; i < KDBUS_MATCH_KINDS; i++)
		if (db->n_kind[i])
			kinds |= BIT(i);
	return kinds;
}

static void kdbus_match_db_count(struct kdbus_match_db *db,
				 const struct kdbus_match_rule *rule, int sign)
{
	unsigned int i;

	for (i = 0; i < KDBUS_MATCH_KINDS; i++)
		if (rule->kinds & BIT(i))
			db->n_kind[i] += sign;
}

/**
 * kdbus_match_db_new() - make an empty match database
 *
 * Return: the database, or ERR_PTR(-ENOMEM).
 */
struct kdbus_match_db *kdbus_match_db_new(void)
{
	struct kdbus_match_db *db = kzalloc(sizeof(*db), GFP_KERNEL_ACCOUNT);

	if (!db)
		return ERR_PTR(-ENOMEM);
	init_rwsem(&db->lock);
	INIT_LIST_HEAD(&db->rules);
	return db;
}

/**
 * kdbus_match_db_free() - free a match database and its rules
 * @db:		database, may be NULL
 *
 * Its connection is gone: nobody matches against it any more.
 */
void kdbus_match_db_free(struct kdbus_match_db *db)
{
	struct kdbus_match_rule *rule, *tmp;

	if (!db)
		return;
	list_for_each_entry_safe(rule, tmp, &db->rules, entry) {
		list_del(&rule->entry);
		kfree(rule);
	}
	kfree(db);
}

/*
 * Checks the generic item validation cannot make: a bloom mask depends on
 * the bus's filter size, the notification items on their structs.
 */
static int kdbus_match_check_item(const struct kdbus_bus *bus,
				  const struct kdbus_item *item)
{
	size_t size = KDBUS_ITEM_PAYLOAD_SIZE(item);
	size_t fixed = sizeof(struct kdbus_notify_name_change);

	switch (item->type) {
	case KDBUS_ITEM_BLOOM_MASK:
		/* one mask per generation, each as long as a filter */
		if (!size || size % (size_t)bus->bloom.size)
			return -EDOM;
		return 0;
	case KDBUS_ITEM_NAME:
		return kdbus_name_is_valid(item->str, false) ? 0 : -EINVAL;
	case KDBUS_ITEM_NAME_ADD:
	case KDBUS_ITEM_NAME_REMOVE:
	case KDBUS_ITEM_NAME_CHANGE:
		if (size < fixed)
			return -EINVAL;
		/* the name is optional: without one, any name matches */
		if (size > fixed &&
		    !kdbus_str_valid(item->name_change.name,
					   size - fixed))
			return -EINVAL;
		return 0;
	case KDBUS_ITEM_ID_ADD:
	case KDBUS_ITEM_ID_REMOVE:
		if (size != sizeof(struct kdbus_notify_id_change))
			return -EINVAL;
		return 0;
	default:
		/* KDBUS_ITEM_ID: its u64 was checked by the parser */
		return 0;
	}
}

/*
 * Build a rule from checked items (a MATCH_ADD's, or a dump's). NEGOTIATE
 * items are no conditions and are left out.
 */
static struct kdbus_match_rule *kdbus_match_rule_new(struct kdbus_bus *bus,
						     const struct kdbus_item *items,
						     size_t items_size,
						     u64 cookie)
{
	const struct kdbus_item *item;
	struct kdbus_match_rule *rule;
	size_t size = 0, off = 0;
	int ret;

	KDBUS_ITEMS_FOREACH(item, items, items_size) {
		if (item->type == KDBUS_ITEM_NEGOTIATE)
			continue;
		ret = kdbus_match_check_item(bus, item);
		if (ret < 0)
			return ERR_PTR(ret);
		size += KDBUS_ALIGN8(item->size);
	}

	rule = kzalloc(struct_size(rule, items, size / sizeof(u64)),
		       GFP_KERNEL_ACCOUNT);
	if (!rule)
		return ERR_PTR(-ENOMEM);
	INIT_LIST_HEAD(&rule->entry);
	rule->cookie = cookie;
	rule->items_size = size;

	KDBUS_ITEMS_FOREACH(item, items, items_size) {
		if (item->type == KDBUS_ITEM_NEGOTIATE)
			continue;
		/* the last item may lack its padding; kzalloc() zeroed it */
		memcpy((u8 *)rule->items + off, item, item->size);
		off += KDBUS_ALIGN8(item->size);
	}
	rule->kinds = kdbus_match_rule_kinds(rule);
	return rule;
}

/* Drop the rules tagged @cookie; -EBADSLT if there was none. */
static int kdbus_match_db_remove(struct kdbus_match_db *db, u64 cookie)
{
	struct kdbus_match_rule *rule, *tmp;
	bool found = false;

	lockdep_assert_held_write(&db->lock);

	list_for_each_entry_safe(rule, tmp, &db->rules, entry) {
		if (rule->cookie != cookie)
			continue;
		list_del(&rule->entry);
		kdbus_match_db_count(db, rule, -1);
		kfree(rule);
		db->n_rules--;
		found = true;
	}
	return found ? 0 : -EBADSLT;
}

/*
 * Add @rule, after the rules with its cookie went if @replace: one step,
 * so that no sender sees neither. -EMFILE at the limit; the caller frees
 * a rule that was not added.
 */
static int kdbus_match_db_add(struct kdbus_conn *conn,
			      struct kdbus_match_rule *rule, bool replace)
{
	struct kdbus_match_db *db = conn->match_db;
	int ret = 0;

	down_write(&db->lock);
	if (replace)
		kdbus_match_db_remove(db, rule->cookie);
	if (db->n_rules >= KDBUS_MATCH_MAX) {
		ret = -EMFILE;
	} else {
		list_add_tail(&rule->entry, &db->rules);
		kdbus_match_db_count(db, rule, 1);
		db->n_rules++;
	}
	kdbus_bus_subscribe(conn, kdbus_match_db_kinds(db));
	up_write(&db->lock);
	return ret;
}

/**
 * kdbus_cmd_match_add() - handle KDBUS_CMD_MATCH_ADD
 * @conn:	connection
 * @argp:	command payload
 *
 * Adds one rule made of the items given (BLOOM_MASK, NAME and ID select
 * broadcasts; NAME_ADD, NAME_REMOVE, NAME_CHANGE, ID_ADD and ID_REMOVE
 * select kernel notifications). With KDBUS_MATCH_REPLACE the rules with
 * the same cookie go first, in the same step.
 *
 * Return: 0, -EINVAL (unknown flag or item, malformed item, invalid
 * name), -EDOM (bloom mask not a multiple of the bus's bloom size),
 * -EMFILE (KDBUS_MATCH_MAX rules already), -EOPNOTSUPP (monitors,
 * activators and policy holders hold no rules), -EFAULT, -ENOMEM.
 */
int kdbus_cmd_match_add(struct kdbus_conn *conn, void __user *argp)
{
	struct kdbus_match_rule *rule = NULL;
	struct kdbus_cmd_match *cmd;
	int ret;

	struct kdbus_arg argv[] = {
		{ .type = KDBUS_ITEM_NEGOTIATE },
		{ .type = KDBUS_ITEM_BLOOM_MASK, .multiple = true },
		{ .type = KDBUS_ITEM_NAME, .multiple = true },
		{ .type = KDBUS_ITEM_ID, .multiple = true },
		{ .type = KDBUS_ITEM_NAME_ADD, .multiple = true },
		{ .type = KDBUS_ITEM_NAME_REMOVE, .multiple = true },
		{ .type = KDBUS_ITEM_NAME_CHANGE, .multiple = true },
		{ .type = KDBUS_ITEM_ID_ADD, .multiple = true },
		{ .type = KDBUS_ITEM_ID_REMOVE, .multiple = true },
	};
	struct kdbus_args args = {
		.allowed_flags = KDBUS_FLAG_NEGOTIATE | KDBUS_MATCH_REPLACE,
		.argv = argv,
		.argc = ARRAY_SIZE(argv),
	};

	if (!kdbus_conn_is_ordinary(conn))
		return -EOPNOTSUPP;

	ret = kdbus_args_parse(&args, argp, &cmd);
	if (ret != 0)
		return min(ret, 0);

	rule = kdbus_match_rule_new(conn->bus, args.items, args.items_size,
				    cmd->cookie);
	if (IS_ERR(rule)) {
		ret = PTR_ERR(rule);
		rule = NULL;
		goto exit;
	}
	ret = kdbus_match_db_add(conn, rule,
				 cmd->flags & KDBUS_MATCH_REPLACE);
	if (ret == 0)
		rule = NULL;

exit:
	kfree(rule);
	return kdbus_args_clear(&args, ret);
}

/**
 * kdbus_cmd_match_remove() - handle KDBUS_CMD_MATCH_REMOVE
 * @conn:	connection
 * @argp:	command payload
 *
 * Removes every rule added with the given cookie.
 *
 * Return: 0, -EBADSLT (no rule has that cookie), -EINVAL (unknown flag or
 * item), -EOPNOTSUPP (monitors, activators and policy holders hold no
 * rules), -EFAULT, -ENOMEM.
 */
int kdbus_cmd_match_remove(struct kdbus_conn *conn, void __user *argp)
{
	struct kdbus_match_db *db = conn->match_db;
	struct kdbus_cmd_match *cmd;
	int ret;

	struct kdbus_arg argv[] = {
		{ .type = KDBUS_ITEM_NEGOTIATE },
	};
	struct kdbus_args args = {
		.allowed_flags = KDBUS_FLAG_NEGOTIATE,
		.argv = argv,
		.argc = ARRAY_SIZE(argv),
	};

	if (!kdbus_conn_is_ordinary(conn))
		return -EOPNOTSUPP;

	ret = kdbus_args_parse(&args, argp, &cmd);
	if (ret != 0)
		return min(ret, 0);

	down_write(&db->lock);
	ret = kdbus_match_db_remove(db, cmd->cookie);
	kdbus_bus_subscribe(conn, kdbus_match_db_kinds(db));
	up_write(&db->lock);
	return kdbus_args_clear(&args, ret);
}

/**
 * kdbus_match_db_dump() - a connection's rules as checkpoint dump items
 * @db:		its database
 * @buf:	where to write them, or NULL to measure only
 * @size:	room at @buf
 *
 * One KDBUS_ITEM_DUMP_MATCH per rule, oldest first, while they fit.
 *
 * Return: the bytes all of them take.
 */
size_t kdbus_match_db_dump(struct kdbus_match_db *db, void *buf, size_t size)
{
	const struct kdbus_match_rule *rule;
	struct kdbus_dump_match *dm;
	struct kdbus_item *item;
	size_t pos = 0, len;

	down_read(&db->lock);
	list_for_each_entry(rule, &db->rules, entry) {
		len = sizeof(*dm) + rule->items_size;
		if (buf && pos + KDBUS_ITEM_SIZE(len) <= size) {
			item = buf + pos;
			item->size = KDBUS_ITEM_HEADER_SIZE + len;
			item->type = KDBUS_ITEM_DUMP_MATCH;
			dm = (void *)item->data;
			dm->cookie = rule->cookie;
			memcpy(dm->items, rule->items, rule->items_size);
		}
		pos += KDBUS_ITEM_SIZE(len);
	}
	up_read(&db->lock);
	return pos;
}

/* the item types MATCH_ADD takes as conditions */
static bool kdbus_match_item_type(u64 type)
{
	switch (type) {
	case KDBUS_ITEM_BLOOM_MASK:
	case KDBUS_ITEM_NAME:
	case KDBUS_ITEM_ID:
	case KDBUS_ITEM_NAME_ADD:
	case KDBUS_ITEM_NAME_REMOVE:
	case KDBUS_ITEM_NAME_CHANGE:
	case KDBUS_ITEM_ID_ADD:
	case KDBUS_ITEM_ID_REMOVE:
		return true;
	default:
		return false;
	}
}

/**
 * kdbus_match_db_restore() - add a rule from a checkpoint's dump
 * @conn:	connection being restored
 * @dm:		the rule's struct kdbus_dump_match, from user space
 * @size:	bytes of @dm
 *
 * The dump may have been written by anyone: its items are checked as
 * MATCH_ADD checks its own, within MATCH_ADD's size limit.
 *
 * Return: 0, -EINVAL (malformed or foreign item, too large), -EDOM (bloom
 * mask not a multiple of the bus's bloom size), -EMFILE (KDBUS_MATCH_MAX
 * rules already), -ENOMEM.
 */
int kdbus_match_db_restore(struct kdbus_conn *conn,
			   const struct kdbus_dump_match *dm, size_t size)
{
	size_t pos, items_size = size - sizeof(*dm);
	const struct kdbus_item *item;
	struct kdbus_match_rule *rule;
	int ret;

	if (size < sizeof(*dm) ||
	    items_size > KDBUS_CMD_MAX_SIZE - sizeof(struct kdbus_cmd_match))
		return -EINVAL;
	for (pos = 0; pos < items_size; pos += KDBUS_ALIGN8(item->size)) {
		item = (const void *)((const u8 *)dm->items + pos);
		if (items_size - pos < KDBUS_ITEM_HEADER_SIZE ||
		    item->size < KDBUS_ITEM_HEADER_SIZE ||
		    item->size > items_size - pos ||
		    !kdbus_match_item_type(item->type))
			return -EINVAL;
		ret = kdbus_item_validate(item);
		if (ret < 0)
			return ret;
	}

	rule = kdbus_match_rule_new(conn->bus, dm->items, items_size,
				    dm->cookie);
	if (IS_ERR(rule))
		return PTR_ERR(rule);
	ret = kdbus_match_db_add(conn, rule, false);
	if (ret < 0)
		kfree(rule);
	return ret;
}

/*
 * A filter carries the bits of what a message is about; a mask the bits a
 * receiver wants. It matches if the filter has every bit of the mask of
 * the filter's generation, or of the newest mask if the filter is newer
 * than the rule.
 */
static bool kdbus_match_bloom(const struct kdbus_item *mask,
			      const struct kdbus_bloom_filter *filter,
			      size_t bloom_size)
{
	size_t n = bloom_size / sizeof(u64);
	u64 n_gen = KDBUS_ITEM_PAYLOAD_SIZE(mask) / bloom_size;
	const u64 *m;
	size_t i;

	m = mask->data64 + min(filter->generation, n_gen - 1) * n;
	for (i = 0; i < n; i++)
		if ((filter->data[i] & m[i]) != m[i])
			return false;
	return true;
}

static bool kdbus_match_item_msg(const struct kdbus_item *item,
				 struct kdbus_conn *src, struct kdbus_conn *dst,
				 const struct kdbus_bloom_filter *bloom)
{
	switch (item->type) {
	case KDBUS_ITEM_BLOOM_MASK:
		return bloom && kdbus_match_bloom(item, bloom,
						  src->bus->bloom.size);
	case KDBUS_ITEM_NAME:
		/* a rule must not tell who owns a name hidden from its holder */
		return kdbus_policy_may_see_name(dst, item->str) &&
		       kdbus_conn_has_name(src, item->str);
	case KDBUS_ITEM_ID:
		return item->id == KDBUS_MATCH_ID_ANY || item->id == src->id;
	default:
		/* about notifications: such a rule takes no messages */
		return false;
	}
}

static bool kdbus_match_rule_msg(const struct kdbus_match_rule *rule,
				 struct kdbus_conn *src, struct kdbus_conn *dst,
				 const struct kdbus_bloom_filter *bloom)
{
	const struct kdbus_item *item;

	KDBUS_ITEMS_FOREACH(item, rule->items, rule->items_size) {
		if (!kdbus_match_item_msg(item, src, dst, bloom))
			return false;
	}
	return true;
}

/**
 * kdbus_match_db_match_msg() - whether a broadcast matches a rule
 * @db:		receiver's database
 * @src:	sender
 * @dst:	the receiver whose database it is (for what it may see)
 * @bloom:	the message's bloom filter, or NULL
 *
 * May take the name registry's lock (NAME items); the caller must not
 * hold it.
 *
 * Return: true if a rule of @db matches.
 */
bool kdbus_match_db_match_msg(struct kdbus_match_db *db,
			      struct kdbus_conn *src, struct kdbus_conn *dst,
			      const struct kdbus_bloom_filter *bloom)
{
	struct kdbus_match_rule *rule;
	bool matched = false;

	down_read(&db->lock);
	list_for_each_entry(rule, &db->rules, entry) {
		matched = kdbus_match_rule_msg(rule, src, dst, bloom);
		if (matched)
			break;
	}
	up_read(&db->lock);
	return matched;
}

/* An id condition: KDBUS_MATCH_ID_ANY or the very id. */
static bool kdbus_match_id(u64 want, u64 id)
{
	return want == KDBUS_MATCH_ID_ANY || want == id;
}

static bool kdbus_match_item_kernel(const struct kdbus_item *item, u64 type,
				    const void *payload)
{
	const struct kdbus_notify_name_change *nc = payload;
	const struct kdbus_notify_id_change *ic = payload;
	size_t fixed = sizeof(struct kdbus_notify_name_change);

	if (item->type != type)
		return false;

	switch (type) {
	case KDBUS_ITEM_ID_ADD:
	case KDBUS_ITEM_ID_REMOVE:
		return kdbus_match_id(item->id_change.id, ic->id);
	case KDBUS_ITEM_NAME_ADD:
	case KDBUS_ITEM_NAME_REMOVE:
	case KDBUS_ITEM_NAME_CHANGE:
		if (!kdbus_match_id(item->name_change.old_id.id,
				    nc->old_id.id) ||
		    !kdbus_match_id(item->name_change.new_id.id,
				    nc->new_id.id))
			return false;
		return KDBUS_ITEM_PAYLOAD_SIZE(item) == fixed ||
		       !strcmp(item->name_change.name, nc->name);
	default:
		return false;
	}
}

static bool kdbus_match_rule_kernel(const struct kdbus_match_rule *rule,
				    u64 type, const void *payload)
{
	const struct kdbus_item *item;

	KDBUS_ITEMS_FOREACH(item, rule->items, rule->items_size) {
		if (!kdbus_match_item_kernel(item, type, payload))
			return false;
	}
	return true;
}

/**
 * kdbus_match_db_match_kernel() - whether a notification matches a rule
 * @db:		receiver's database
 * @type:	KDBUS_ITEM_* of the notification
 * @payload:	its payload: struct kdbus_notify_id_change for ID_*, struct
 *		kdbus_notify_name_change with a NUL-terminated name for NAME_*
 *
 * Return: true if a rule of @db matches.
 */
bool kdbus_match_db_match_kernel(struct kdbus_match_db *db, u64 type,
				 const void *payload)
{
	struct kdbus_match_rule *rule;
	bool matched = false;

	down_read(&db->lock);
	list_for_each_entry(rule, &db->rules, entry) {
		matched = kdbus_match_rule_kernel(rule, type, payload);
		if (matched)
			break;
	}
	up_read(&db->lock);
	return matched;
}
