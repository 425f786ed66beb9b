// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel notifications.
 */

#include <linux/build_bug.h>
#include <linux/err.h>
#include <linux/kdbus.h>
#include <linux/list.h>
#include <linux/slab.h>
#include <linux/stddef.h>

#include "bus.h"
#include "conn.h"
#include "message.h"
#include "notify.h"
#include "queue.h"
#include "send.h"

/**
 * struct kdbus_notify_id - a reserved ID_ADD or ID_REMOVE notification
 * @notify:	the notification; first, so that it is freed as one
 * @payload:	its payload
 */
struct kdbus_notify_id {
	struct kdbus_notification notify;
	struct kdbus_notify_id_change payload;
};

static_assert(offsetof(struct kdbus_notify_id, notify) == 0);

/**
 * kdbus_notify_reply() - tell a connection its request got no reply
 * @conn:	the connection that sent the request
 * @cookie:	the request's cookie
 * @item_type:	KDBUS_ITEM_REPLY_TIMEOUT or KDBUS_ITEM_REPLY_DEAD
 */
void kdbus_notify_reply(struct kdbus_conn *conn, u64 cookie, u64 item_type)
{
	struct kdbus_queue_entry *entry;

	entry = kdbus_kmsg_emit(conn, cookie, item_type, NULL, 0);
	if (IS_ERR(entry)) {
		kdbus_conn_lost_message(conn);
		return;
	}
	kdbus_send_queue_kernel(conn, entry);
}

static void kdbus_notify_add(struct kdbus_bus *bus,
			     struct kdbus_notification *n)
{
	spin_lock(&bus->notify_lock);
	list_add_tail(&n->entry, &bus->notify_list);
	spin_unlock(&bus->notify_lock);
}

static struct kdbus_notification *kdbus_notify_id_new(void)
{
	struct kdbus_notify_id *n;

	n = kzalloc(sizeof(*n), GFP_KERNEL_ACCOUNT);
	if (!n)
		return NULL;
	n->notify.size = sizeof(n->payload);
	n->notify.payload = &n->payload;
	return &n->notify;
}

/**
 * kdbus_notify_id_reserve() - reserve a connection's ID notifications
 * @conn:	connection saying HELLO, not on its bus yet
 *
 * Its ID_ADD and ID_REMOVE, each used at most once by
 * kdbus_notify_id_change(): announcing it and, if it was, its
 * disconnection then allocate nothing. What is not used goes with the
 * connection's memory. A monitor is never announced and needs none.
 *
 * Return: 0 or -ENOMEM.
 */
int kdbus_notify_id_reserve(struct kdbus_conn *conn)
{
	if (kdbus_conn_is_monitor(conn))
		return 0;
	conn->notify_id_add = kdbus_notify_id_new();
	conn->notify_id_remove = kdbus_notify_id_new();
	if (!conn->notify_id_add || !conn->notify_id_remove)
		return -ENOMEM;
	return 0;
}

/**
 * kdbus_notify_id_change() - queue a connection's ID_ADD or ID_REMOVE
 * @conn:	the connection, with its reserved notifications
 * @type:	KDBUS_ITEM_ID_ADD (when HELLO announces it) or
 *		KDBUS_ITEM_ID_REMOVE (when it goes, if it was announced)
 *
 * Uses the notification kdbus_notify_id_reserve() reserved for @type:
 * each is queued once, and nothing is allocated.
 */
void kdbus_notify_id_change(struct kdbus_conn *conn, u64 type)
{
	struct kdbus_notification **slot, *n;
	struct kdbus_notify_id_change *c;

	slot = type == KDBUS_ITEM_ID_ADD ? &conn->notify_id_add :
					   &conn->notify_id_remove;
	n = *slot;
	*slot = NULL;
	if (WARN_ON_ONCE(!n))
		return;
	n->type = type;
	c = n->payload;
	c->id = conn->id;
	c->flags = conn->flags;
	kdbus_notify_add(conn->bus, n);
}

/**
 * kdbus_notify_name_change() - queue a NAME_* notification
 * @bus:	bus
 * @n:		the notification of a delivered name change record, filled
 *		in by the registry (names.h); the record's memory is its
 *		notification's from now on
 *
 * Nothing is allocated: the registry reserved it before the change.
 */
void kdbus_notify_name_change(struct kdbus_bus *bus,
			      struct kdbus_notification *n)
{
	kdbus_notify_add(bus, n);
}

/**
 * kdbus_notify_flush() - broadcast the queued notifications, in order
 * @bus:	bus
 *
 * Called without the registry lock; concurrent flushes keep the order.
 */
void kdbus_notify_flush(struct kdbus_bus *bus)
{
	struct kdbus_notification *n, *tmp;
	LIST_HEAD(list);

	mutex_lock(&bus->notify_flush_lock);
	spin_lock(&bus->notify_lock);
	list_splice_init(&bus->notify_list, &list);
	spin_unlock(&bus->notify_lock);

	list_for_each_entry_safe(n, tmp, &list, entry) {
		list_del(&n->entry);
		kdbus_send_broadcast_kernel(bus, n->type, n->payload, n->size);
		kfree(n);
	}
	mutex_unlock(&bus->notify_flush_lock);
}
