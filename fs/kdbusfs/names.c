// SPDX-License-Identifier: GPL-2.0
/*
 * The well-known name registry of a bus.
 */

#include <linux/err.h>
#include <linux/kdbus.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/stringhash.h>
#include <linux/uio.h>

#include "bus.h"
#include "connection.h"
#include "endpoint.h"
#include "item.h"
#include "limits.h"
#include "names.h"
#include "notify.h"
#include "policy.h"
#include "pool.h"

/**
 * struct kdbus_name_entry - a well-known name with an owner
 * @hentry:	in the registry's hash table
 * @name_id:	registry-unique id; tells messages sent to this name apart
 * @flags:	the owner's KDBUS_NAME_* flags
 * @conn:	the owner (primary), holds a reference
 * @activator:	activator connection for the name, holds a reference
 * @queue:	connections waiting for the name (kdbus_name_pending)
 * @conn_entry:	in the owner's names_list
 * @name:	the name
 */
struct kdbus_name_entry {
	struct hlist_node hentry;
	u64 name_id;
	u64 flags;
	struct kdbus_conn *conn;
	struct kdbus_conn *activator;
	struct list_head queue;
	struct list_head conn_entry;
	char name[];
};

/**
 * struct kdbus_name_pending - a connection waiting for a name
 * @flags:	its KDBUS_NAME_* flags
 * @conn:	the connection (the queue place is dropped before it goes)
 * @entry:	the name
 * @conn_entry:	in the connection's names_queue_list
 * @name_entry:	in the name's queue
 */
struct kdbus_name_pending {
	u64 flags;
	struct kdbus_conn *conn;
	struct kdbus_name_entry *entry;
	struct list_head conn_entry;
	struct list_head name_entry;
};

/* flags a caller may ask for; the others are state */
#define KDBUS_NAME_REQUEST_FLAGS	(KDBUS_NAME_REPLACE_EXISTING | \
					 KDBUS_NAME_ALLOW_REPLACEMENT | \
					 KDBUS_NAME_QUEUE)

/**
 * kdbus_name_registry_init() - initialize an empty registry
 * @reg:	registry
 */
void kdbus_name_registry_init(struct kdbus_name_registry *reg)
{
	init_rwsem(&reg->rwlock);
	hash_init(reg->entries);
	reg->name_seq_last = 0;
}

/* ASCII letters, '_' and '-'; digits except first (isalpha() is Latin-1) */
static bool kdbus_name_char_ok(char c, bool first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    c == '_' || c == '-')
		return true;
	return !first && c >= '0' && c <= '9';
}

/**
 * kdbus_name_is_valid() - check the syntax of a well-known name
 * @p:			the name
 * @allow_wildcard:	whether a final ".*" is allowed (policy entries)
 *
 * A name has at least two elements separated by dots; each element is
 * not empty, consists of [A-Za-z0-9_-] and does not start with a digit;
 * the whole is at most KDBUS_NAME_MAX_LEN characters.
 *
 * Return: whether @p is valid.
 */
bool kdbus_name_is_valid(const char *p, bool allow_wildcard)
{
	bool elem_start = true, dots = false;
	const char *q;

	for (q = p; *q; q++) {
		if (*q == '.') {
			if (elem_start)
				return false;
			dots = true;
			elem_start = true;
			continue;
		}
		if (allow_wildcard && elem_start && dots && *q == '*' && !q[1]) {
			elem_start = false;
			continue;
		}
		if (!kdbus_name_char_ok(*q, elem_start))
			return false;
		elem_start = false;
	}
	return dots && !elem_start && q - p <= KDBUS_NAME_MAX_LEN;
}

static u32 kdbus_name_hash(const char *name)
{
	return full_name_hash(NULL, name, strlen(name));
}

static struct kdbus_name_entry *kdbus_name_find(struct kdbus_name_registry *reg,
						const char *name)
{
	struct kdbus_name_entry *e;

	lockdep_assert_held(&reg->rwlock);
	hash_for_each_possible(reg->entries, e, hentry, kdbus_name_hash(name))
		if (!strcmp(e->name, name))
			return e;
	return NULL;
}

static struct kdbus_name_entry *kdbus_name_entry_new(struct kdbus_name_registry *reg,
						     const char *name)
{
	size_t len = strlen(name) + 1;
	struct kdbus_name_entry *e;

	e = kzalloc(struct_size(e, name, len), GFP_KERNEL_ACCOUNT);
	if (!e)
		return NULL;
	e->name_id = ++reg->name_seq_last;
	INIT_LIST_HEAD(&e->queue);
	INIT_LIST_HEAD(&e->conn_entry);
	memcpy(e->name, name, len);
	hash_add(reg->entries, &e->hentry, kdbus_name_hash(name));
	return e;
}

static void kdbus_name_entry_free(struct kdbus_name_entry *e)
{
	WARN_ON(e->conn || e->activator || !list_empty(&e->queue));
	hash_del(&e->hentry);
	kfree(e);
}

static void kdbus_name_set_owner(struct kdbus_name_entry *e,
				 struct kdbus_conn *conn, u64 flags)
{
	e->conn = kdbus_conn_ref(conn);
	e->flags = flags;
	conn->name_count++;
	list_add_tail(&e->conn_entry, &conn->names_list);
}

static void kdbus_name_remove_owner(struct kdbus_name_entry *e)
{
	list_del_init(&e->conn_entry);
	e->conn->name_count--;
	e->flags = 0;
	kdbus_conn_unref(e->conn);
	e->conn = NULL;
}

/* Hand @e from its owner to @conn, telling everyone. */
static void kdbus_name_replace_owner(struct kdbus_name_entry *e,
				     struct kdbus_conn *conn, u64 flags)
{
	kdbus_notify_name_change(conn->bus, KDBUS_ITEM_NAME_CHANGE,
				 e->conn->id, conn->id, e->flags, flags,
				 e->name);
	kdbus_name_remove_owner(e);
	kdbus_name_set_owner(e, conn, flags);
}

static int kdbus_name_pending_new(struct kdbus_name_entry *e,
				  struct kdbus_conn *conn, u64 flags)
{
	struct kdbus_name_pending *p;

	p = kmalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;
	p->flags = flags;
	p->conn = conn;
	p->entry = e;
	list_add_tail(&p->conn_entry, &conn->names_queue_list);
	list_add_tail(&p->name_entry, &e->queue);
	conn->name_count++;
	return 0;
}

static void kdbus_name_pending_free(struct kdbus_name_pending *p)
{
	list_del(&p->conn_entry);
	list_del(&p->name_entry);
	p->conn->name_count--;
	kfree(p);
}

static struct kdbus_name_pending *
kdbus_name_pending_find(struct kdbus_name_entry *e, struct kdbus_conn *conn)
{
	struct kdbus_name_pending *p;

	list_for_each_entry(p, &e->queue, name_entry)
		if (p->conn == conn)
			return p;
	return NULL;
}

/**
 * kdbus_conn_has_name() - whether a connection owns a name
 * @conn:	connection
 * @name:	well-known name
 *
 * Return: true if @conn is the primary owner of @name.
 */
bool kdbus_conn_has_name(struct kdbus_conn *conn, const char *name)
{
	struct kdbus_name_registry *reg = &conn->bus->names;
	struct kdbus_name_entry *e;
	bool ret;

	down_read(&reg->rwlock);
	e = kdbus_name_find(reg, name);
	ret = e && e->conn == conn;
	up_read(&reg->rwlock);
	return ret;
}

/*
 * The owner of @e goes: the first in line takes the name, else its
 * activator (with the messages sent to the name), else the name is gone.
 */
static void kdbus_name_release_entry(struct kdbus_name_registry *reg,
				     struct kdbus_name_entry *e)
{
	struct kdbus_name_pending *p;

	lockdep_assert_held_write(&reg->rwlock);

	p = list_first_entry_or_null(&e->queue, struct kdbus_name_pending,
				     name_entry);
	if (p) {
		struct kdbus_conn *next = p->conn;
		u64 flags = p->flags;

		kdbus_name_pending_free(p);
		kdbus_name_replace_owner(e, next, flags);
	} else if (e->activator && e->activator != e->conn) {
		kdbus_conn_move_messages(e->activator, e->conn, e->name_id);
		kdbus_name_replace_owner(e, e->activator,
					 KDBUS_NAME_ACTIVATOR);
	} else {
		kdbus_notify_name_change(e->conn->bus, KDBUS_ITEM_NAME_REMOVE,
					 e->conn->id, 0, e->flags, 0, e->name);
		if (e->activator) {
			kdbus_conn_unref(e->activator);
			e->activator = NULL;
		}
		kdbus_name_remove_owner(e);
		kdbus_name_entry_free(e);
	}
}

/*
 * Take @name for @conn. An activator registers itself as the name's
 * placeholder. Returns 0 with KDBUS_NAME_* flags in *rflags, or -EALREADY
 * (owned, or queued, already), -EEXIST (taken, no queueing asked for or
 * an activator exists), -ENOMEM.
 */
static int kdbus_name_acquire(struct kdbus_conn *conn, const char *name,
			      u64 flags, u64 *rflags)
{
	struct kdbus_name_registry *reg = &conn->bus->names;
	struct kdbus_name_entry *e;
	struct kdbus_name_pending *p;
	int ret = 0;

	lockdep_assert_held_write(&reg->rwlock);
	*rflags = 0;

	e = kdbus_name_find(reg, name);
	p = e ? kdbus_name_pending_find(e, conn) : NULL;
	if (!e) {
		e = kdbus_name_entry_new(reg, name);
		if (!e)
			return -ENOMEM;
		if (kdbus_conn_is_activator(conn)) {
			e->activator = kdbus_conn_ref(conn);
			conn->activator_of = e;
			flags = KDBUS_NAME_ACTIVATOR;
		}
		kdbus_name_set_owner(e, conn, flags);
		kdbus_notify_name_change(conn->bus, KDBUS_ITEM_NAME_ADD, 0,
					 conn->id, 0, flags, name);
		*rflags = KDBUS_NAME_ACQUIRED | KDBUS_NAME_PRIMARY;
	} else if (e->conn == conn) {
		/* the owner may change how it holds the name */
		if (!kdbus_conn_is_activator(conn))
			e->flags = flags;
		*rflags = KDBUS_NAME_PRIMARY;
		ret = -EALREADY;
	} else if (p) {
		p->flags = flags;
		*rflags = KDBUS_NAME_IN_QUEUE;
		ret = -EALREADY;
	} else if (kdbus_conn_is_activator(conn)) {
		if (e->activator)
			return -EEXIST;
		e->activator = kdbus_conn_ref(conn);
		conn->activator_of = e;
		*rflags = KDBUS_NAME_ACQUIRED;
	} else if (e->flags & KDBUS_NAME_ACTIVATOR) {
		/* the real owner arrives: what waited at the activator is its */
		kdbus_conn_move_messages(conn, e->conn, e->name_id);
		kdbus_name_replace_owner(e, conn, flags);
		*rflags = KDBUS_NAME_ACQUIRED | KDBUS_NAME_PRIMARY;
	} else if ((flags & KDBUS_NAME_REPLACE_EXISTING) &&
		   (e->flags & KDBUS_NAME_ALLOW_REPLACEMENT)) {
		struct kdbus_conn *old = e->conn;
		u64 old_flags = e->flags;

		kdbus_name_replace_owner(e, conn, flags);
		/* the old owner waits in line if it asked to */
		if ((old_flags & KDBUS_NAME_QUEUE) &&
		    kdbus_name_pending_new(e, old, old_flags) < 0)
			kdbus_conn_lost_message(old);
		*rflags = KDBUS_NAME_ACQUIRED | KDBUS_NAME_PRIMARY;
	} else if (flags & KDBUS_NAME_QUEUE) {
		ret = kdbus_name_pending_new(e, conn, flags);
		if (ret == 0)
			*rflags = KDBUS_NAME_ACQUIRED | KDBUS_NAME_IN_QUEUE;
	} else {
		ret = -EEXIST;
	}
	return ret;
}

/**
 * kdbus_name_acquire_activator() - register an activator for its name
 * @conn:	activator connection, just made
 * @name:	the name from its HELLO, valid
 *
 * Return: 0, -EEXIST if the name has an activator, -ENOMEM.
 */
int kdbus_name_acquire_activator(struct kdbus_conn *conn, const char *name)
{
	struct kdbus_name_registry *reg = &conn->bus->names;
	u64 rflags;
	int ret;

	down_write(&reg->rwlock);
	ret = kdbus_name_acquire(conn, name, 0, &rflags);
	up_write(&reg->rwlock);
	kdbus_notify_flush(conn->bus);
	return ret;
}

/**
 * kdbus_name_release_all() - give up every name and queue place
 * @conn:	disconnecting connection
 */
void kdbus_name_release_all(struct kdbus_conn *conn)
{
	struct kdbus_name_registry *reg = &conn->bus->names;
	struct kdbus_name_pending *p;
	struct kdbus_name_entry *e;

	down_write(&reg->rwlock);
	while ((p = list_first_entry_or_null(&conn->names_queue_list,
					     struct kdbus_name_pending,
					     conn_entry)))
		kdbus_name_pending_free(p);
	if (conn->activator_of) {
		e = conn->activator_of;
		conn->activator_of = NULL;
		/* owned by itself: released with its other names below */
		if (e->conn != conn) {
			kdbus_conn_unref(e->activator);
			e->activator = NULL;
		}
	}
	while ((e = list_first_entry_or_null(&conn->names_list,
					     struct kdbus_name_entry,
					     conn_entry))) {
		if (e->activator == conn) {
			kdbus_conn_unref(e->activator);
			e->activator = NULL;
		}
		kdbus_name_release_entry(reg, e);
	}
	up_write(&reg->rwlock);
	kdbus_notify_flush(conn->bus);
}

/**
 * kdbus_cmd_name_acquire() - handle KDBUS_CMD_NAME_ACQUIRE
 * @conn:	connection
 * @argp:	command payload
 *
 * Return: 0 (return_flags: KDBUS_NAME_ACQUIRED with PRIMARY or IN_QUEUE),
 * -EALREADY (owned or queued already; return_flags tell which), -EEXIST
 * (taken), -EPERM (policy), -EINVAL (bad name or flags), -E2BIG (too many
 * names), -EOPNOTSUPP (activators, monitors and policy holders own no
 * names this way), -ENOMEM.
 */
int kdbus_cmd_name_acquire(struct kdbus_conn *conn, void __user *argp)
{
	struct kdbus_name_registry *reg = &conn->bus->names;
	struct kdbus_cmd *cmd;
	const char *name;
	u64 rflags = 0;
	int ret;

	struct kdbus_arg argv[] = {
		{ .type = KDBUS_ITEM_NEGOTIATE },
		{ .type = KDBUS_ITEM_NAME, .mandatory = true },
	};
	struct kdbus_args args = {
		.allowed_flags = KDBUS_FLAG_NEGOTIATE |
				 KDBUS_NAME_REQUEST_FLAGS,
		.argv = argv,
		.argc = ARRAY_SIZE(argv),
	};

	if (!kdbus_conn_is_ordinary(conn))
		return -EOPNOTSUPP;

	ret = kdbus_args_parse(&args, argp, &cmd);
	if (ret != 0)
		/* negotiation only: return flags go back, the copy is freed */
		return ret < 0 ? ret : kdbus_args_clear(&args, 0);

	name = argv[1].item->str;
	if (!kdbus_name_is_valid(name, false)) {
		ret = -EINVAL;
		goto exit;
	}
	if (!kdbus_conn_policy_own_name(conn, name)) {
		ret = -EPERM;
		goto exit;
	}

	down_write(&reg->rwlock);
	if (conn->name_count >= KDBUS_CONN_MAX_NAMES)
		ret = -E2BIG;
	else
		ret = kdbus_name_acquire(conn, name, cmd->flags, &rflags);
	up_write(&reg->rwlock);
	kdbus_notify_flush(conn->bus);
	cmd->return_flags = rflags;
exit:
	return kdbus_args_clear(&args, ret);
}

/**
 * kdbus_cmd_name_release() - handle KDBUS_CMD_NAME_RELEASE
 * @conn:	connection
 * @argp:	command payload
 *
 * Return: 0, -ESRCH (nobody owns the name), -EADDRINUSE (somebody else
 * owns it and the caller is not waiting for it), -EINVAL, -EOPNOTSUPP.
 */
int kdbus_cmd_name_release(struct kdbus_conn *conn, void __user *argp)
{
	struct kdbus_name_registry *reg = &conn->bus->names;
	struct kdbus_name_pending *p;
	struct kdbus_name_entry *e;
	struct kdbus_cmd *cmd;
	int ret;

	struct kdbus_arg argv[] = {
		{ .type = KDBUS_ITEM_NEGOTIATE },
		{ .type = KDBUS_ITEM_NAME, .mandatory = true },
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
		/* negotiation only: return flags go back, the copy is freed */
		return ret < 0 ? ret : kdbus_args_clear(&args, 0);

	down_write(&reg->rwlock);
	e = kdbus_name_find(reg, argv[1].item->str);
	if (!e) {
		ret = -ESRCH;
	} else if (e->conn == conn) {
		kdbus_name_release_entry(reg, e);
	} else {
		p = kdbus_name_pending_find(e, conn);
		if (p)
			kdbus_name_pending_free(p);
		else
			ret = -EADDRINUSE;
	}
	up_write(&reg->rwlock);
	kdbus_notify_flush(conn->bus);
	return kdbus_args_clear(&args, ret);
}

/**
 * kdbus_name_lookup() - the connection messages to a name go to
 * @bus:	bus
 * @name:	well-known name
 * @name_id:	set to the name entry's id
 *
 * Return: the owner (an activator while no real owner has the name), with
 * a reference, or NULL if nobody owns @name.
 */
struct kdbus_conn *kdbus_name_lookup(struct kdbus_bus *bus, const char *name,
				     u64 *name_id)
{
	struct kdbus_name_registry *reg = &bus->names;
	struct kdbus_conn *owner = NULL;
	struct kdbus_name_entry *e;

	down_read(&reg->rwlock);
	e = kdbus_name_find(reg, name);
	if (e) {
		owner = kdbus_conn_ref(e->conn);
		*name_id = e->name_id;
	}
	up_read(&reg->rwlock);
	return owner;
}

/*
 * KDBUS_ITEM_OWNED_NAME items, one per name @conn owns; the caller holds
 * the registry lock. Returns the bytes written into @buf (of @size, may be
 * NULL to measure).
 */
static size_t kdbus_name_items_locked(struct kdbus_conn *conn, u8 *buf,
				      size_t size)
{
	struct kdbus_name_entry *e;
	size_t pos = 0;

	list_for_each_entry(e, &conn->names_list, conn_entry) {
		size_t len = strlen(e->name) + 1;
		size_t isize = KDBUS_ITEM_SIZE(sizeof(struct kdbus_name) + len);

		if (buf && pos + isize <= size) {
			struct kdbus_item *item = (void *)(buf + pos);

			item->size = KDBUS_ITEM_HEADER_SIZE +
				     sizeof(struct kdbus_name) + len;
			item->type = KDBUS_ITEM_OWNED_NAME;
			item->name.flags = e->flags;
			memcpy((u8 *)item + KDBUS_ITEM_HEADER_SIZE +
			       sizeof(struct kdbus_name), e->name, len);
		}
		pos += isize;
	}
	return pos;
}

/**
 * kdbus_name_items() - the names a connection owns, as metadata items
 * @conn:	connection
 * @size:	set to the bytes returned
 *
 * Return: a buffer of KDBUS_ITEM_OWNED_NAME items (kfree() it), NULL with
 * *@size 0 if it owns none, or ERR_PTR(-ENOMEM).
 */
void *kdbus_name_items(struct kdbus_conn *conn, size_t *size)
{
	struct kdbus_name_registry *reg = &conn->bus->names;
	u8 *buf = NULL;
	size_t need;

	down_read(&reg->rwlock);
	need = kdbus_name_items_locked(conn, NULL, 0);
	if (need) {
		buf = kzalloc(need, GFP_KERNEL);
		if (buf)
			kdbus_name_items_locked(conn, buf, need);
	}
	up_read(&reg->rwlock);
	*size = buf ? need : 0;
	return need && !buf ? ERR_PTR(-ENOMEM) : buf;
}

static bool kdbus_name_policy_any_locked(struct kdbus_conn *conn,
					 struct kdbus_conn *owner,
					 struct kdbus_policy_db *db, int access);

/* A growing buffer of struct kdbus_info records for KDBUS_CMD_LIST. */
struct kdbus_list_buf {
	u8 *data;
	size_t size;
	size_t cap;
	int err;
};

static void kdbus_list_add(struct kdbus_list_buf *b, struct kdbus_conn *c,
			   const struct kdbus_name_entry *e, u64 name_flags)
{
	size_t len = e ? strlen(e->name) + 1 : 0;
	size_t need = sizeof(struct kdbus_info);
	struct kdbus_info *info;

	if (b->err)
		return;
	if (e)
		need += KDBUS_ITEM_SIZE(sizeof(struct kdbus_name) + len);
	if (b->size + need > b->cap) {
		size_t cap = max(2 * b->cap, b->size + need);
		u8 *data = kvrealloc(b->data, cap, GFP_KERNEL | __GFP_ZERO);

		if (!data) {
			b->err = -ENOMEM;
			return;
		}
		b->data = data;
		b->cap = cap;
	}
	info = (void *)(b->data + b->size);
	memset(info, 0, need);
	info->size = need;
	info->id = c->id;
	info->flags = c->flags;
	if (e) {
		struct kdbus_item *item = info->items;

		item->size = KDBUS_ITEM_HEADER_SIZE +
			     sizeof(struct kdbus_name) + len;
		item->type = KDBUS_ITEM_OWNED_NAME;
		item->name.flags = name_flags;
		memcpy((u8 *)item + KDBUS_ITEM_HEADER_SIZE +
		       sizeof(struct kdbus_name), e->name, len);
	}
	b->size += need;
}

/* One connection's records; the registry lock is held. */
static void kdbus_list_conn(struct kdbus_conn *conn, struct kdbus_conn *c,
			    u64 flags, struct kdbus_list_buf *b)
{
	struct kdbus_name_pending *p;
	struct kdbus_name_entry *e;
	bool added = false;

	if (kdbus_conn_is_monitor(c) ||
	    (kdbus_conn_is_activator(c) && !(flags & KDBUS_LIST_ACTIVATORS)))
		return;
	/* through a custom endpoint only peers with a visible name exist */
	if (conn->ep->custom &&
	    !kdbus_name_policy_any_locked(conn, c, &conn->ep->policy_db,
					  KDBUS_POLICY_SEE))
		return;

	if (flags & (KDBUS_LIST_NAMES | KDBUS_LIST_ACTIVATORS)) {
		list_for_each_entry(e, &c->names_list, conn_entry) {
			if (!kdbus_conn_policy_see_name(conn, e->name))
				continue;
			if ((flags & KDBUS_LIST_ACTIVATORS) && e->activator &&
			    e->activator != c) {
				kdbus_list_add(b, e->activator, e,
					       KDBUS_NAME_ACTIVATOR);
				added = true;
			}
			if ((flags & KDBUS_LIST_NAMES) ||
			    kdbus_conn_is_activator(c)) {
				kdbus_list_add(b, c, e, e->flags);
				added = true;
			}
		}
	}
	if (flags & KDBUS_LIST_QUEUED) {
		list_for_each_entry(p, &c->names_queue_list, conn_entry) {
			if (!kdbus_conn_policy_see_name(conn, p->entry->name))
				continue;
			kdbus_list_add(b, c, p->entry,
				       p->flags | KDBUS_NAME_IN_QUEUE);
			added = true;
		}
	}
	if ((flags & KDBUS_LIST_UNIQUE) && !added)
		kdbus_list_add(b, c, NULL, 0);
}

/**
 * kdbus_cmd_list() - handle KDBUS_CMD_LIST
 * @conn:	connection
 * @argp:	command payload
 *
 * Puts an array of struct kdbus_info into the caller's pool: with
 * KDBUS_LIST_UNIQUE one per connection, with _NAMES one per owned name,
 * with _ACTIVATORS those of activators, with _QUEUED those of waiting
 * connections (IN_QUEUE set); what the caller may not see is left out.
 *
 * Return: 0, -EINVAL, -EXFULL (no room in the pool), -EFAULT, -ENOMEM.
 */
int kdbus_cmd_list(struct kdbus_conn *conn, void __user *argp)
{
	struct kdbus_cmd_list __user *ucmd = argp;
	struct kdbus_name_registry *reg = &conn->bus->names;
	struct kdbus_list_buf b = {};
	struct kdbus_pool_slice *slice;
	struct kdbus_cmd_list *cmd;
	struct kdbus_conn *c;
	unsigned long id;
	struct kvec kvec;
	int ret;

	struct kdbus_arg argv[] = {
		{ .type = KDBUS_ITEM_NEGOTIATE },
	};
	struct kdbus_args args = {
		.allowed_flags = KDBUS_FLAG_NEGOTIATE | KDBUS_LIST_UNIQUE |
				 KDBUS_LIST_NAMES | KDBUS_LIST_ACTIVATORS |
				 KDBUS_LIST_QUEUED,
		.argv = argv,
		.argc = ARRAY_SIZE(argv),
	};

	ret = kdbus_args_parse(&args, argp, &cmd);
	if (ret != 0)
		/* negotiation only: return flags go back, the copy is freed */
		return ret < 0 ? ret : kdbus_args_clear(&args, 0);
	if (put_user(0ULL, &ucmd->offset) || put_user(0ULL, &ucmd->list_size)) {
		ret = -EFAULT;
		goto exit;
	}

	down_read(&reg->rwlock);
	for (c = NULL, id = 0;
	     (c = kdbus_bus_next_conn(conn->bus, &id, c));)
		if (kdbus_conn_active(c))
			kdbus_list_conn(conn, c, cmd->flags, &b);
	up_read(&reg->rwlock);
	ret = b.err;
	if (ret < 0)
		goto exit;

	/* an empty list still gets a (zero-sized) answer at a valid offset */
	slice = kdbus_pool_slice_alloc(conn->pool, b.size ?: 8);
	if (IS_ERR(slice)) {
		ret = PTR_ERR(slice);
		goto exit;
	}
	kvec.iov_base = b.data;
	kvec.iov_len = b.size;
	ret = b.size ? kdbus_pool_slice_copy_kvec(slice, 0, &kvec, 1, b.size)
		     : 0;
	if (ret == 0) {
		u64 off, size;

		kdbus_pool_slice_publish(slice, &off, &size);
		if (put_user(off, &ucmd->offset) ||
		    put_user(b.size, &ucmd->list_size))
			ret = -EFAULT;
	}
	kdbus_pool_slice_release(slice);
exit:
	kvfree(b.data);
	return kdbus_args_clear(&args, ret);
}

static bool kdbus_name_policy_any_locked(struct kdbus_conn *conn,
					 struct kdbus_conn *owner,
					 struct kdbus_policy_db *db, int access)
{
	struct kdbus_name_entry *e;

	lockdep_assert_held(&conn->bus->names.rwlock);
	list_for_each_entry(e, &owner->names_list, conn_entry)
		if (kdbus_policy_query(db, conn->cred, e->name) >= access)
			return true;
	return false;
}

/**
 * kdbus_name_policy_any() - whether a policy grants access to any owned name
 * @conn:	connection asking (its opener's credentials count)
 * @owner:	connection whose names count
 * @db:		policy database
 * @access:	KDBUS_POLICY_* needed
 *
 * Return: true if @db grants @conn at least @access to a name @owner owns.
 */
bool kdbus_name_policy_any(struct kdbus_conn *conn, struct kdbus_conn *owner,
			   struct kdbus_policy_db *db, int access)
{
	struct kdbus_name_registry *reg = &conn->bus->names;
	bool ret;

	down_read(&reg->rwlock);
	ret = kdbus_name_policy_any_locked(conn, owner, db, access);
	up_read(&reg->rwlock);
	return ret;
}
