/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __KDBUSFS_NAMES_H
#define __KDBUSFS_NAMES_H

/**
 * DOC: Well-known names
 *
 * Each bus has a registry of well-known names. A name has at most one
 * owner (its primary), a queue of connections waiting for it, and maybe
 * an activator: a placeholder connection that holds the name, and the
 * messages sent to it, while no real owner does.
 *
 * The registry is data: it sends nothing. An operation that changes who
 * owns a name reports what happened as struct kdbus_name_change records
 * on a list the caller passes; the caller, above, delivers them (moves
 * the messages waiting for the name, queues the NAME_* notifications)
 * while it still holds the registry lock, so that nobody finds the new
 * owner before the messages have reached it, and flushes the
 * notifications after unlocking.
 *
 * A connection's hold on a name is an owner record: the primary owner's,
 * a queued one's, or the activator's. Its flags say which (PRIMARY,
 * IN_QUEUE, ACTIVATOR) besides the ALLOW_REPLACEMENT and QUEUE flags the
 * connection asked for; they are what LIST, notifications and metadata
 * report.
 *
 * Memory: the change records, and in them the NAME_* notifications, are
 * reserved where failing with -ENOMEM is allowed, so that no change
 * allocates while it happens. Every owner record carries the one record
 * its departure may produce (the NAME_CHANGE to the next owner, or the
 * NAME_REMOVE); kdbus_name_acquire() reserves the one the acquire itself
 * may produce (NAME_ADD, or the NAME_CHANGE of a takeover or from the
 * activator) before it changes anything, and frees it if unused. Release,
 * release_all at disconnection and every queue move then only use what is
 * reserved: a departing owner produces at most its own record, and an
 * owner that does not depart keeps its own.
 *
 * Locking: @rwlock protects every entry and owner record, and every
 * connection's names_list and name_count. Callers of the operations
 * below take it with kdbus_names_lock() or hold it for reading to walk
 * the lists.
 */

#include <linux/build_bug.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/rhashtable-types.h>
#include <linux/rwsem.h>
#include <linux/stddef.h>
#include <linux/types.h>

#include "notify.h"

struct kdbus_bus;
struct kdbus_conn;
struct seq_file;
struct kdbus_name_change;
struct kdbus_name_owner;

/* flags a caller may ask for; the others are state */
#define KDBUS_NAME_REQUEST_FLAGS	(KDBUS_NAME_REPLACE_EXISTING | \
					 KDBUS_NAME_ALLOW_REPLACEMENT | \
					 KDBUS_NAME_QUEUE)

/* what an owner record keeps of them: REPLACE_EXISTING is a one-off */
#define KDBUS_NAME_SAVED_MASK		(KDBUS_NAME_ALLOW_REPLACEMENT | \
					 KDBUS_NAME_QUEUE)

/**
 * struct kdbus_name_registry - the names of a bus
 * @rwlock:	see the DOC block
 * @entries:	struct kdbus_name_entry by name; it grows and shrinks
 * @name_seq_last: last name entry id handed out
 */
struct kdbus_name_registry {
	struct rw_semaphore rwlock;
	struct rhashtable entries;
	u64 name_seq_last;
};

/*
 * The name id of a message that waited at an activator when it was
 * checkpointed: the name entry it was sent to is gone, and the restored
 * activator's one name, whatever its entry's id, is where it belongs.
 * Registry ids count up from 1 and never reach it.
 */
#define KDBUS_NAME_ID_RESTORED	U64_MAX

/**
 * struct kdbus_name_entry - a well-known name somebody owns or waits for
 * @hnode:	in the registry's table
 * @rcu:	the table's walkers may still see it after removal
 * @name_id:	registry-unique id; tells messages sent to this name apart
 * @activator:	the activator's owner record, or NULL
 * @queue:	owner records: the first is the primary owner, the others
 *		wait in line; the activator is not in it
 * @name:	the name
 *
 * The primary owner is the first of @queue or, while that is empty, the
 * activator: messages sent to the name go there.
 */
struct kdbus_name_entry {
	struct rhash_head hnode;
	struct rcu_head rcu;
	u64 name_id;
	struct kdbus_name_owner *activator;
	struct list_head queue;
	char name[];
};

/**
 * struct kdbus_name_owner - one connection's hold on one name
 * @flags:	KDBUS_NAME_ALLOW_REPLACEMENT and KDBUS_NAME_QUEUE as asked
 *		for, and the state: KDBUS_NAME_PRIMARY, KDBUS_NAME_IN_QUEUE,
 *		KDBUS_NAME_ACTIVATOR
 * @conn:	the connection; it releases every record before it goes, so
 *		the record holds no reference
 * @name:	the name
 * @departure:	the change record (with its notification) reserved for the
 *		one change this record's departure may produce; used by it,
 *		or freed with it
 * @conn_entry:	in the connection's names_list
 * @name_entry:	in the name's queue, unless it is the activator's
 */
struct kdbus_name_owner {
	u64 flags;
	struct kdbus_conn *conn;
	struct kdbus_name_entry *name;
	struct kdbus_name_change *departure;
	struct list_head conn_entry;
	struct list_head name_entry;
};

/**
 * struct kdbus_name_change - what a registry operation did to one name
 * @notify:	its NAME_* notification, filled in when the change is
 *		recorded: type, and a struct kdbus_notify_name_change with
 *		the old and new owner and the name at @payload. First: once
 *		the change is delivered, the record's memory is the
 *		notification's, freed when it has been broadcast
 * @entry:	in the caller's list, in the order things happened
 * @move_from:	messages sent to the name that wait here (a reference) ...
 * @move_to:	... belong to this connection now (a reference); both NULL
 *		if there is nothing to hand over
 * @name_id:	the name entry those messages were sent to
 * @payload:	the notification's payload, sized for the name
 *
 * Reserved in advance (see the DOC block), never allocated by a change.
 */
struct kdbus_name_change {
	struct kdbus_notification notify;
	struct list_head entry;
	struct kdbus_conn *move_from;
	struct kdbus_conn *move_to;
	u64 name_id;
	u8 payload[] __aligned(8);
};

static_assert(offsetof(struct kdbus_name_change, notify) == 0);

int kdbus_name_registry_init(struct kdbus_name_registry *reg);
void kdbus_name_registry_destroy(struct kdbus_name_registry *reg);
bool kdbus_name_is_valid(const char *p, bool allow_wildcard);
void kdbus_names_lock(struct kdbus_name_registry *reg);
void kdbus_names_unlock(struct kdbus_name_registry *reg);
int kdbus_name_acquire(struct kdbus_name_registry *reg,
		       struct kdbus_conn *conn, const char *name, u64 flags,
		       u64 *rflags, struct list_head *changes);
int kdbus_name_release(struct kdbus_name_registry *reg,
		       struct kdbus_conn *conn, const char *name,
		       struct list_head *changes);
void kdbus_name_release_all(struct kdbus_name_registry *reg,
			    struct kdbus_conn *conn, struct list_head *changes);
struct kdbus_notification *kdbus_name_change_done(struct kdbus_name_change *c);

bool kdbus_conn_has_name(struct kdbus_conn *conn, const char *name);
void kdbus_conn_show_names(struct seq_file *m, struct kdbus_conn *conn);
struct kdbus_conn *kdbus_name_lookup(struct kdbus_bus *bus, const char *name,
				     u64 *name_id);
void *kdbus_name_items(struct kdbus_conn *conn, struct kdbus_conn *reader,
		       size_t *size);

#endif
