// SPDX-License-Identifier: GPL-2.0
/*
 * The well-known name registry of a bus.
 */

#include <linux/err.h>
#include <linux/kdbus.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/stringhash.h>

#include "bus.h"
#include "conn.h"
#include "item.h"
#include "limits.h"
#include "names.h"

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
		return ERR_PTR(-ENOMEM);
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

/**
 * kdbus_names_lock() - lock a registry for an operation that changes it
 * @reg:	registry
 */
void kdbus_names_lock(struct kdbus_name_registry *reg)
{
	down_write(&reg->rwlock);
}

/**
 * kdbus_names_unlock() - unlock a registry after a change
 * @reg:	registry
 */
void kdbus_names_unlock(struct kdbus_name_registry *reg)
{
	up_write(&reg->rwlock);
}

/*
 * Record a change for the caller to deliver. The records are bounded by
 * the names one connection holds (KDBUS_CONN_MAX_NAMES, and one activator
 * name), and losing one would leave a peer waiting for a name forever:
 * they are allocated without failing.
 */
static struct kdbus_name_change *
kdbus_name_changed(struct list_head *changes, u64 type,
		   const struct kdbus_name_entry *e, u64 old_id, u64 new_id,
		   u64 old_flags, u64 new_flags)
{
	size_t len = strlen(e->name) + 1;
	struct kdbus_name_change *c;

	c = kzalloc(struct_size(c, name, len), GFP_KERNEL | __GFP_NOFAIL);
	c->type = type;
	c->old_id = old_id;
	c->new_id = new_id;
	c->old_flags = old_flags;
	c->new_flags = new_flags;
	c->name_id = e->name_id;
	memcpy(c->name, e->name, len);
	list_add_tail(&c->entry, changes);
	return c;
}

/**
 * kdbus_name_changes_free() - free change records, delivered or not
 * @changes:	list of struct kdbus_name_change
 */
void kdbus_name_changes_free(struct list_head *changes)
{
	struct kdbus_name_change *c, *tmp;

	list_for_each_entry_safe(c, tmp, changes, entry) {
		list_del(&c->entry);
		kdbus_conn_unref(c->move_from);
		kdbus_conn_unref(c->move_to);
		kfree(c);
	}
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

/*
 * Hand @e from its owner to @conn. With @move, the messages sent to the
 * name that wait at the old owner go to @conn too.
 */
static void kdbus_name_replace_owner(struct kdbus_name_entry *e,
				     struct kdbus_conn *conn, u64 flags,
				     bool move, struct list_head *changes)
{
	struct kdbus_name_change *c;

	c = kdbus_name_changed(changes, KDBUS_ITEM_NAME_CHANGE, e, e->conn->id,
			       conn->id, e->flags, flags);
	if (move) {
		c->move_from = kdbus_conn_ref(e->conn);
		c->move_to = kdbus_conn_ref(conn);
	}
	kdbus_name_remove_owner(e);
	kdbus_name_set_owner(e, conn, flags);
}

static void kdbus_name_pending_add(struct kdbus_name_pending *p,
				   struct kdbus_name_entry *e,
				   struct kdbus_conn *conn, u64 flags)
{
	p->flags = flags;
	p->conn = conn;
	p->entry = e;
	list_add_tail(&p->conn_entry, &conn->names_queue_list);
	list_add_tail(&p->name_entry, &e->queue);
	conn->name_count++;
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
				     struct kdbus_name_entry *e,
				     struct list_head *changes)
{
	struct kdbus_name_pending *p;

	lockdep_assert_held_write(&reg->rwlock);

	p = list_first_entry_or_null(&e->queue, struct kdbus_name_pending,
				     name_entry);
	if (p) {
		struct kdbus_conn *next = p->conn;
		u64 flags = p->flags;

		kdbus_name_pending_free(p);
		kdbus_name_replace_owner(e, next, flags, false, changes);
	} else if (e->activator && e->activator != e->conn) {
		kdbus_name_replace_owner(e, e->activator, KDBUS_NAME_ACTIVATOR,
					 true, changes);
	} else {
		kdbus_name_changed(changes, KDBUS_ITEM_NAME_REMOVE, e,
				   e->conn->id, 0, e->flags, 0);
		if (e->activator) {
			kdbus_conn_unref(e->activator);
			e->activator = NULL;
		}
		kdbus_name_remove_owner(e);
		kdbus_name_entry_free(e);
	}
}

/**
 * kdbus_name_acquire() - take a name, or a place in its queue
 * @reg:	registry, locked with kdbus_names_lock()
 * @conn:	connection; an activator registers as the name's placeholder
 * @name:	valid well-known name
 * @flags:	KDBUS_NAME_* flags asked for
 * @rflags:	set to KDBUS_NAME_* flags describing the outcome
 * @changes:	what happened is appended here, for the caller to deliver
 *
 * Return: 0 with *@rflags set, or -EALREADY (owned, or queued, already;
 * *@rflags tells which), -EEXIST (taken, no queueing asked for, or an
 * activator exists), -ENOMEM.
 */
int kdbus_name_acquire(struct kdbus_name_registry *reg,
		       struct kdbus_conn *conn, const char *name, u64 flags,
		       u64 *rflags, struct list_head *changes)
{
	struct kdbus_name_pending *p, *place;
	struct kdbus_name_entry *e;
	int ret = 0;

	lockdep_assert_held_write(&reg->rwlock);
	*rflags = 0;

	/* allocated first: a name taken over must not lose its queue place */
	place = kmalloc(sizeof(*place), GFP_KERNEL_ACCOUNT);
	if (!place)
		return -ENOMEM;

	e = kdbus_name_find(reg, name);
	p = e ? kdbus_name_pending_find(e, conn) : NULL;
	if (!e) {
		e = kdbus_name_entry_new(reg, name);
		if (IS_ERR(e)) {
			ret = PTR_ERR(e);
			goto exit;
		}
		if (kdbus_conn_is_activator(conn)) {
			e->activator = kdbus_conn_ref(conn);
			conn->activator_of = e;
			flags = KDBUS_NAME_ACTIVATOR;
		}
		kdbus_name_set_owner(e, conn, flags);
		kdbus_name_changed(changes, KDBUS_ITEM_NAME_ADD, e, 0, conn->id,
				   0, flags);
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
		if (e->activator) {
			ret = -EEXIST;
			goto exit;
		}
		e->activator = kdbus_conn_ref(conn);
		conn->activator_of = e;
		*rflags = KDBUS_NAME_ACQUIRED;
	} else if (e->flags & KDBUS_NAME_ACTIVATOR) {
		/* the real owner arrives: what waited at the activator is its */
		kdbus_name_replace_owner(e, conn, flags, true, changes);
		*rflags = KDBUS_NAME_ACQUIRED | KDBUS_NAME_PRIMARY;
	} else if ((flags & KDBUS_NAME_REPLACE_EXISTING) &&
		   (e->flags & KDBUS_NAME_ALLOW_REPLACEMENT)) {
		struct kdbus_conn *old = e->conn;
		u64 old_flags = e->flags;

		kdbus_name_replace_owner(e, conn, flags, false, changes);
		/* the old owner waits in line if it asked to */
		if (old_flags & KDBUS_NAME_QUEUE) {
			kdbus_name_pending_add(place, e, old, old_flags);
			place = NULL;
		}
		*rflags = KDBUS_NAME_ACQUIRED | KDBUS_NAME_PRIMARY;
	} else if (flags & KDBUS_NAME_QUEUE) {
		kdbus_name_pending_add(place, e, conn, flags);
		place = NULL;
		*rflags = KDBUS_NAME_ACQUIRED | KDBUS_NAME_IN_QUEUE;
	} else {
		ret = -EEXIST;
	}
exit:
	kfree(place);
	return ret;
}

/**
 * kdbus_name_release() - give up a name, or a place in its queue
 * @reg:	registry, locked with kdbus_names_lock()
 * @conn:	connection
 * @name:	the name
 * @changes:	what happened is appended here, for the caller to deliver
 *
 * Return: 0, -ESRCH (nobody owns the name), -EADDRINUSE (somebody else
 * owns it and @conn is not waiting for it).
 */
int kdbus_name_release(struct kdbus_name_registry *reg,
		       struct kdbus_conn *conn, const char *name,
		       struct list_head *changes)
{
	struct kdbus_name_pending *p;
	struct kdbus_name_entry *e;

	lockdep_assert_held_write(&reg->rwlock);

	e = kdbus_name_find(reg, name);
	if (!e)
		return -ESRCH;
	if (e->conn == conn) {
		kdbus_name_release_entry(reg, e, changes);
		return 0;
	}
	p = kdbus_name_pending_find(e, conn);
	if (!p)
		return -EADDRINUSE;
	kdbus_name_pending_free(p);
	return 0;
}

/**
 * kdbus_name_release_all() - give up every name and queue place
 * @reg:	registry, locked with kdbus_names_lock()
 * @conn:	disconnecting connection
 * @changes:	what happened is appended here, for the caller to deliver
 */
void kdbus_name_release_all(struct kdbus_name_registry *reg,
			    struct kdbus_conn *conn, struct list_head *changes)
{
	struct kdbus_name_pending *p;
	struct kdbus_name_entry *e;

	lockdep_assert_held_write(&reg->rwlock);

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
		kdbus_name_release_entry(reg, e, changes);
	}
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
	struct kdbus_name_entry *e;
	struct kdbus_item *item;
	size_t need = 0;
	void *buf = NULL;

	*size = 0;
	down_read(&reg->rwlock);
	list_for_each_entry(e, &conn->names_list, conn_entry)
		need += kdbus_item_name_size(e->name);
	if (need) {
		buf = kmalloc(need, GFP_KERNEL);
		if (!buf) {
			up_read(&reg->rwlock);
			return ERR_PTR(-ENOMEM);
		}
		item = buf;
		list_for_each_entry(e, &conn->names_list, conn_entry)
			item = kdbus_item_set_name(item, KDBUS_ITEM_OWNED_NAME,
						   e->flags, e->name);
		*size = need;
	}
	up_read(&reg->rwlock);
	return buf;
}
