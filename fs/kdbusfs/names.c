// SPDX-License-Identifier: GPL-2.0
/*
 * The well-known name registry of a bus.
 */

#include <linux/err.h>
#include <linux/kdbus.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/jhash.h>
#include <linux/rhashtable.h>

#include "bus.h"
#include "conn.h"
#include "item.h"
#include "limits.h"
#include "names.h"
#include "policy.h"

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

/* The table's key is the name itself, a NUL-terminated string. */
static u32 kdbus_name_hashfn(const void *key, u32 len, u32 seed)
{
	return jhash(key, strlen(key), seed);
}

static u32 kdbus_name_obj_hashfn(const void *obj, u32 len, u32 seed)
{
	const struct kdbus_name_entry *e = obj;

	return jhash(e->name, strlen(e->name), seed);
}

static int kdbus_name_obj_cmpfn(struct rhashtable_compare_arg *arg,
				const void *obj)
{
	const struct kdbus_name_entry *e = obj;

	return strcmp(e->name, arg->key);
}

static const struct rhashtable_params kdbus_name_params = {
	.head_offset		= offsetof(struct kdbus_name_entry, hnode),
	.hashfn			= kdbus_name_hashfn,
	.obj_hashfn		= kdbus_name_obj_hashfn,
	.obj_cmpfn		= kdbus_name_obj_cmpfn,
	.automatic_shrinking	= true,
};

/**
 * kdbus_name_registry_init() - initialize an empty registry
 * @reg:	registry
 *
 * Return: 0 or -ENOMEM.
 */
int kdbus_name_registry_init(struct kdbus_name_registry *reg)
{
	init_rwsem(&reg->rwlock);
	reg->name_seq_last = 0;
	return rhashtable_init(&reg->entries, &kdbus_name_params);
}

/**
 * kdbus_name_registry_destroy() - free the table of an empty registry
 * @reg:	registry; every connection of the bus released its names
 */
void kdbus_name_registry_destroy(struct kdbus_name_registry *reg)
{
	WARN_ON(atomic_read(&reg->entries.nelems));
	rhashtable_destroy(&reg->entries);
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

static struct kdbus_name_entry *kdbus_name_find(struct kdbus_name_registry *reg,
						const char *name)
{
	lockdep_assert_held(&reg->rwlock);
	return rhashtable_lookup_fast(&reg->entries, name, kdbus_name_params);
}

static struct kdbus_name_entry *kdbus_name_entry_new(struct kdbus_name_registry *reg,
						     const char *name)
{
	size_t len = strlen(name) + 1;
	struct kdbus_name_entry *e;

	e = kzalloc(struct_size(e, name, len), GFP_KERNEL_ACCOUNT);
	if (!e)
		return ERR_PTR(-ENOMEM);
	INIT_LIST_HEAD(&e->queue);
	memcpy(e->name, name, len);
	/* the table grows in the background; a failed insert is no room */
	if (rhashtable_insert_fast(&reg->entries, &e->hnode,
				   kdbus_name_params)) {
		kfree(e);
		return ERR_PTR(-ENOMEM);
	}
	e->name_id = ++reg->name_seq_last;
	return e;
}

static bool kdbus_name_entry_is_used(const struct kdbus_name_entry *e)
{
	return !list_empty(&e->queue) || e->activator;
}

static void kdbus_name_entry_free(struct kdbus_name_registry *reg,
				  struct kdbus_name_entry *e)
{
	WARN_ON(kdbus_name_entry_is_used(e));
	rhashtable_remove_fast(&reg->entries, &e->hnode, kdbus_name_params);
	kfree_rcu(e, rcu);
}

/* The primary owner: the first in line, else the activator. */
static struct kdbus_name_owner *kdbus_name_primary(struct kdbus_name_entry *e)
{
	return list_first_entry_or_null(&e->queue, struct kdbus_name_owner,
					name_entry) ?: e->activator;
}

/*
 * Reserve the record of one change of @name, with its notification, where
 * failing is still allowed: recording the change then allocates nothing.
 * Sized for the name, at most KDBUS_NAME_MAX_LEN bytes, and charged.
 */
static struct kdbus_name_change *kdbus_name_change_new(const char *name)
{
	size_t len = strlen(name) + 1;
	struct kdbus_notify_name_change *nc;
	struct kdbus_name_change *c;

	c = kzalloc(struct_size(c, payload, sizeof(*nc) + len),
		    GFP_KERNEL_ACCOUNT);
	if (!c)
		return NULL;
	INIT_LIST_HEAD(&c->entry);
	c->notify.payload = c->payload;
	c->notify.size = sizeof(*nc) + len;
	memcpy(c->payload + sizeof(*nc), name, len);
	return c;
}

/* An owner record for @name, not linked yet, with its departure's record. */
static struct kdbus_name_owner *kdbus_name_owner_new(const char *name)
{
	struct kdbus_name_owner *o;

	o = kzalloc(sizeof(*o), GFP_KERNEL_ACCOUNT);
	if (!o)
		return NULL;
	o->departure = kdbus_name_change_new(name);
	if (!o->departure) {
		kfree(o);
		return NULL;
	}
	INIT_LIST_HEAD(&o->conn_entry);
	INIT_LIST_HEAD(&o->name_entry);
	return o;
}

/* Free a record, with its departure's record if that was not used. */
static void kdbus_name_owner_discard(struct kdbus_name_owner *o)
{
	kfree(o->departure);
	kfree(o);
}

static void kdbus_name_owner_link(struct kdbus_name_owner *o,
				  struct kdbus_conn *conn,
				  struct kdbus_name_entry *e)
{
	o->conn = conn;
	o->name = e;
	list_add_tail(&o->conn_entry, &conn->names_list);
	conn->name_count++;
}

static bool kdbus_name_owner_is_used(const struct kdbus_name_owner *o)
{
	return !list_empty(&o->name_entry) || o->name->activator == o;
}

static void kdbus_name_owner_free(struct kdbus_name_owner *o)
{
	WARN_ON(kdbus_name_owner_is_used(o));
	list_del(&o->conn_entry);
	o->conn->name_count--;
	kdbus_name_owner_discard(o);
}

/* The record of @conn's hold on @e; bounded by what @conn holds. */
static struct kdbus_name_owner *
kdbus_name_owner_find(struct kdbus_name_entry *e, struct kdbus_conn *conn)
{
	struct kdbus_name_owner *o;

	list_for_each_entry(o, &conn->names_list, conn_entry)
		if (o->name == e)
			return o;
	return NULL;
}

/*
 * Record a change for the caller to deliver, in the record reserved for
 * it (*@reserved, which it takes): nothing is allocated, so no change can
 * fail, or be lost, half-way.
 */
static struct kdbus_name_change *
kdbus_name_changed(struct list_head *changes,
		   struct kdbus_name_change **reserved, u64 type,
		   const struct kdbus_name_entry *e,
		   const struct kdbus_name_owner *from,
		   const struct kdbus_name_owner *to)
{
	struct kdbus_name_change *c = *reserved;
	struct kdbus_notify_name_change *nc;

	*reserved = NULL;
	/* every path needs at most what it reserved */
	if (WARN_ON_ONCE(!c))
		return NULL;
	c->notify.type = type;
	nc = (void *)c->payload;
	if (from) {
		nc->old_id.id = from->conn->id;
		nc->old_id.flags = from->flags;
	}
	if (to) {
		nc->new_id.id = to->conn->id;
		nc->new_id.flags = to->flags;
	}
	c->name_id = e->name_id;
	list_add_tail(&c->entry, changes);
	return c;
}

/* The messages sent to the name that wait at @from go to @to. */
static void kdbus_name_hand_over(struct kdbus_name_change *c,
				 struct kdbus_conn *from,
				 struct kdbus_conn *to)
{
	if (!c)
		return;
	c->move_from = kdbus_conn_ref(from);
	c->move_to = kdbus_conn_ref(to);
}

/**
 * kdbus_name_change_done() - finish with a delivered change record
 * @c:		change record, taken off its list, its messages moved
 *
 * Drops the record's references. Its memory is its notification's from
 * now on: nothing is allocated to notify.
 *
 * Return: its NAME_* notification, for kdbus_notify_name_change().
 */
struct kdbus_notification *kdbus_name_change_done(struct kdbus_name_change *c)
{
	kdbus_conn_unref(c->move_from);
	kdbus_conn_unref(c->move_to);
	c->move_from = NULL;
	c->move_to = NULL;
	return &c->notify;
}

/**
 * kdbus_conn_show_names() - list a connection's names for its fdinfo
 * @m:		the fdinfo file
 * @conn:	connection
 *
 * One line: each name it owns, waits for or activates, with its
 * KDBUS_NAME_* flags in hex, in the order it got them.
 */
void kdbus_conn_show_names(struct seq_file *m, struct kdbus_conn *conn)
{
	struct kdbus_name_registry *reg = &conn->bus->names;
	struct kdbus_name_owner *o;

	seq_puts(m, "kdbus-names:");
	down_read(&reg->rwlock);
	list_for_each_entry(o, &conn->names_list, conn_entry)
		seq_printf(m, "\t%s:0x%llx", o->name->name, o->flags);
	up_read(&reg->rwlock);
	seq_putc(m, '\n');
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
	struct kdbus_name_owner *o;
	bool ret = false;

	down_read(&reg->rwlock);
	list_for_each_entry(o, &conn->names_list, conn_entry) {
		if (!(o->flags & KDBUS_NAME_IN_QUEUE) &&
		    !strcmp(o->name->name, name)) {
			ret = true;
			break;
		}
	}
	up_read(&reg->rwlock);
	return ret;
}

/* An activator registers as the name's placeholder. */
static int kdbus_name_become_activator(struct kdbus_name_owner *o,
				       u64 *rflags, struct list_head *changes,
				       struct kdbus_name_change **reserved)
{
	struct kdbus_name_entry *e = o->name;

	if (kdbus_name_owner_is_used(o))
		return -EALREADY;
	if (e->activator)
		return -EEXIST;

	e->activator = o;
	o->flags = KDBUS_NAME_ACTIVATOR;
	if (!list_empty(&e->queue)) {
		o->flags |= KDBUS_NAME_IN_QUEUE;
	} else {
		o->flags |= KDBUS_NAME_PRIMARY;
		kdbus_name_changed(changes, reserved, KDBUS_ITEM_NAME_ADD, e,
				   NULL, o);
	}
	*rflags = o->flags | KDBUS_NAME_ACQUIRED;
	return 0;
}

/*
 * An ordinary connection asks for a name it may or may not hold already:
 * take it, take it over, queue, stay, or leave the queue, as the flags
 * and the current owner allow. At most one change, in *@reserved.
 */
static int kdbus_name_update(struct kdbus_name_owner *o, u64 flags,
			     u64 *rflags, struct list_head *changes,
			     struct kdbus_name_change **reserved)
{
	struct kdbus_name_entry *e = o->name;
	struct kdbus_name_owner *primary, *activator = e->activator;
	struct kdbus_name_change *c;
	u64 acquired = 0;
	int ret = 0;

	primary = list_first_entry_or_null(&e->queue, struct kdbus_name_owner,
					   name_entry);
	o->flags = flags & KDBUS_NAME_SAVED_MASK;

	if (!primary) {
		/* nobody, or only the activator: take the name */
		list_add(&o->name_entry, &e->queue);
		o->flags |= KDBUS_NAME_PRIMARY;
		acquired = KDBUS_NAME_ACQUIRED;
		if (activator) {
			/* what waited at the activator is the owner's now */
			c = kdbus_name_changed(changes, reserved,
					       KDBUS_ITEM_NAME_CHANGE, e,
					       activator, o);
			kdbus_name_hand_over(c, activator->conn, o->conn);
			activator->flags &= ~KDBUS_NAME_PRIMARY;
			activator->flags |= KDBUS_NAME_IN_QUEUE;
		} else {
			kdbus_name_changed(changes, reserved,
					   KDBUS_ITEM_NAME_ADD, e, NULL, o);
		}
	} else if (o == primary) {
		/* owned already: only the saved flags change */
		o->flags |= KDBUS_NAME_PRIMARY;
	} else if ((primary->flags & KDBUS_NAME_ALLOW_REPLACEMENT) &&
		   (flags & KDBUS_NAME_REPLACE_EXISTING)) {
		/* take it over, ahead of anybody waiting */
		list_del_init(&o->name_entry);
		list_add(&o->name_entry, &e->queue);
		o->flags |= KDBUS_NAME_PRIMARY;
		acquired = KDBUS_NAME_ACQUIRED;
		kdbus_name_changed(changes, reserved, KDBUS_ITEM_NAME_CHANGE,
				   e, primary, o);
		/*
		 * The old owner waits in line if it asked to (keeping its
		 * departure's record), or lets go, reporting nothing more.
		 */
		if (primary->flags & KDBUS_NAME_QUEUE) {
			primary->flags &= ~KDBUS_NAME_PRIMARY;
			primary->flags |= KDBUS_NAME_IN_QUEUE;
		} else {
			list_del_init(&primary->name_entry);
			kdbus_name_owner_free(primary);
		}
	} else if (flags & KDBUS_NAME_QUEUE) {
		o->flags |= KDBUS_NAME_IN_QUEUE;
		if (list_empty(&o->name_entry)) {
			list_add_tail(&o->name_entry, &e->queue);
			acquired = KDBUS_NAME_ACQUIRED;
		}
	} else if (!list_empty(&o->name_entry)) {
		/* queued, and no longer asking to be: leave the queue */
		list_del_init(&o->name_entry);
	} else {
		ret = -EEXIST;
	}

	*rflags = o->flags | acquired;
	return ret;
}

/**
 * kdbus_name_acquire() - take a name, or a place in its queue
 * @reg:	registry, locked with kdbus_names_lock()
 * @conn:	connection; an activator registers as the name's placeholder
 * @name:	valid well-known name
 * @flags:	KDBUS_NAME_* flags asked for
 * @rflags:	set to the owner record's flags, KDBUS_NAME_ACQUIRED added
 *		if the call took the name or a new place in its queue
 * @changes:	what happened is appended here, for the caller to deliver
 *
 * Asking again for a name already owned or waited for is no error: the
 * saved flags change, and the connection stays (or, asking without
 * KDBUS_NAME_QUEUE, leaves the queue; with REPLACE_EXISTING, takes the
 * name where the owner allows it).
 *
 * Everything it may need (a new owner record with the change record of
 * its departure, and the change record of this call) is allocated before
 * anything changes: on -ENOMEM the registry is as it was.
 *
 * Return: 0 with *@rflags set, or -EEXIST (taken, no queueing asked for;
 * or, for an activator, the name has one), -EALREADY (an activator for
 * its own name again), -E2BIG (the connection holds KDBUS_CONN_MAX_NAMES
 * names), -ENOMEM.
 */
int kdbus_name_acquire(struct kdbus_name_registry *reg,
		       struct kdbus_conn *conn, const char *name, u64 flags,
		       u64 *rflags, struct list_head *changes)
{
	struct kdbus_name_owner *o = NULL, *new = NULL;
	struct kdbus_name_change *c;
	struct kdbus_name_entry *e;
	int ret;

	lockdep_assert_held_write(&reg->rwlock);
	*rflags = 0;

	/* all the memory first: a failure leaves the registry as it was */
	e = kdbus_name_find(reg, name);
	if (e)
		o = kdbus_name_owner_find(e, conn);
	if (!o) {
		if (conn->name_count >= KDBUS_CONN_MAX_NAMES)
			return -E2BIG;
		new = kdbus_name_owner_new(name);
		if (!new)
			return -ENOMEM;
	}
	/* the one change this call may make itself */
	c = kdbus_name_change_new(name);
	if (!c) {
		ret = -ENOMEM;
		goto exit;
	}
	if (!e) {
		e = kdbus_name_entry_new(reg, name);
		if (IS_ERR(e)) {
			ret = PTR_ERR(e);
			goto exit;
		}
	}
	if (new) {
		o = new;
		new = NULL;
		kdbus_name_owner_link(o, conn, e);
	}

	if (kdbus_conn_is_activator(conn))
		ret = kdbus_name_become_activator(o, rflags, changes, &c);
	else
		ret = kdbus_name_update(o, flags, rflags, changes, &c);

	if (!kdbus_name_owner_is_used(o))
		kdbus_name_owner_free(o);
	if (!kdbus_name_entry_is_used(e))
		kdbus_name_entry_free(reg, e);
exit:
	kfree(c);
	if (new)
		kdbus_name_owner_discard(new);
	return ret;
}

/*
 * Drop one owner record. If it held the name, the next in line takes it,
 * else the activator (with the messages sent to the name), else the name
 * is gone: one change at most, in the record's own reserved one.
 */
static void kdbus_name_release_owner(struct kdbus_name_registry *reg,
				     struct kdbus_name_owner *o,
				     struct list_head *changes)
{
	struct kdbus_name_entry *e = o->name;
	struct kdbus_name_owner *primary, *next;
	struct kdbus_name_change *c;

	primary = kdbus_name_primary(e);
	list_del_init(&o->name_entry);
	if (e->activator == o)
		e->activator = NULL;

	if (o == primary) {
		next = kdbus_name_primary(e);
		if (next) {
			next->flags &= ~KDBUS_NAME_IN_QUEUE;
			next->flags |= KDBUS_NAME_PRIMARY;
			c = kdbus_name_changed(changes, &o->departure,
					       KDBUS_ITEM_NAME_CHANGE, e, o,
					       next);
			if (next == e->activator)
				kdbus_name_hand_over(c, o->conn, next->conn);
		} else {
			kdbus_name_changed(changes, &o->departure,
					   KDBUS_ITEM_NAME_REMOVE, e, o, NULL);
		}
	}

	kdbus_name_owner_free(o);
	if (!kdbus_name_entry_is_used(e))
		kdbus_name_entry_free(reg, e);
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
	struct kdbus_name_owner *o;
	struct kdbus_name_entry *e;

	lockdep_assert_held_write(&reg->rwlock);

	e = kdbus_name_find(reg, name);
	if (!e)
		return -ESRCH;
	o = kdbus_name_owner_find(e, conn);
	if (!o)
		return -EADDRINUSE;
	kdbus_name_release_owner(reg, o, changes);
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
	struct kdbus_name_owner *o;

	lockdep_assert_held_write(&reg->rwlock);

	while ((o = list_first_entry_or_null(&conn->names_list,
					     struct kdbus_name_owner,
					     conn_entry)))
		kdbus_name_release_owner(reg, o, changes);
}

/**
 * kdbus_name_lookup() - the connection messages to a name go to
 * @bus:	bus
 * @name:	well-known name
 * @name_id:	set to the name entry's id
 *
 * Return: the primary owner (an activator while no real owner has the
 * name), with a reference, or NULL if nobody owns @name.
 */
struct kdbus_conn *kdbus_name_lookup(struct kdbus_bus *bus, const char *name,
				     u64 *name_id)
{
	struct kdbus_name_registry *reg = &bus->names;
	struct kdbus_conn *owner = NULL;
	struct kdbus_name_owner *o;
	struct kdbus_name_entry *e;

	down_read(&reg->rwlock);
	e = kdbus_name_find(reg, name);
	o = e ? kdbus_name_primary(e) : NULL;
	if (o) {
		owner = kdbus_conn_ref(o->conn);
		*name_id = e->name_id;
	}
	up_read(&reg->rwlock);
	return owner;
}

/* An owned name @reader may see, for OWNED_NAME metadata. */
static bool kdbus_name_item_shown(const struct kdbus_name_owner *o,
				  struct kdbus_conn *reader)
{
	return !(o->flags & KDBUS_NAME_IN_QUEUE) &&
	       kdbus_policy_may_see_name(reader, o->name->name);
}

/**
 * kdbus_name_items() - the names a connection owns, as metadata items
 * @conn:	connection
 * @reader:	the connection they are for: only names it may see
 * @size:	set to the bytes returned
 *
 * Names it waits for are left out; an activator's name is in while it
 * holds it. Names that @reader's endpoint hides are left out too: a
 * sandbox learns of no name it may not see.
 *
 * Return: a buffer of KDBUS_ITEM_OWNED_NAME items with their flags
 * (kfree() it), NULL with *@size 0 if it owns none, or ERR_PTR(-ENOMEM).
 */
void *kdbus_name_items(struct kdbus_conn *conn, struct kdbus_conn *reader,
		       size_t *size)
{
	struct kdbus_name_registry *reg = &conn->bus->names;
	struct kdbus_name_owner *o;
	struct kdbus_item *item;
	size_t need = 0;
	void *buf = NULL;

	*size = 0;
	down_read(&reg->rwlock);
	list_for_each_entry(o, &conn->names_list, conn_entry)
		if (kdbus_name_item_shown(o, reader))
			need += kdbus_item_name_size(o->name->name);
	if (need) {
		buf = kmalloc(need, GFP_KERNEL);
		if (!buf) {
			up_read(&reg->rwlock);
			return ERR_PTR(-ENOMEM);
		}
		item = buf;
		list_for_each_entry(o, &conn->names_list, conn_entry)
			if (kdbus_name_item_shown(o, reader))
				item = kdbus_item_set_name(item,
							   KDBUS_ITEM_OWNED_NAME,
							   o->flags,
							   o->name->name);
		*size = need;
	}
	up_read(&reg->rwlock);
	return buf;
}
