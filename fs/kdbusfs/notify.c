// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel notifications.
 */

#include <linux/err.h>
#include <linux/kdbus.h>
#include <linux/list.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "bus.h"
#include "conn.h"
#include "message.h"
#include "notify.h"
#include "queue.h"
#include "send.h"

/**
 * struct kdbus_notification - a notification waiting to be broadcast
 * @entry:	in bus->notify_list
 * @type:	KDBUS_ITEM_* of its item
 * @size:	bytes in @payload
 * @payload:	the item's payload
 */
struct kdbus_notification {
	struct list_head entry;
	u64 type;
	size_t size;
	u8 payload[] __aligned(8);
};

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

/*
 * Notifications are small and must not be lost: a connection that waits
 * for a name would wait forever. They are allocated without failing.
 */
static struct kdbus_notification *kdbus_notify_new(u64 type, size_t size)
{
	struct kdbus_notification *n;

	n = kzalloc(struct_size(n, payload, size), GFP_KERNEL | __GFP_NOFAIL);
	n->type = type;
	n->size = size;
	return n;
}

static void kdbus_notify_add(struct kdbus_bus *bus,
			     struct kdbus_notification *n)
{
	spin_lock(&bus->notify_lock);
	list_add_tail(&n->entry, &bus->notify_list);
	spin_unlock(&bus->notify_lock);
}

/**
 * kdbus_notify_id_change() - queue an ID_ADD or ID_REMOVE notification
 * @bus:	bus
 * @type:	KDBUS_ITEM_ID_ADD or KDBUS_ITEM_ID_REMOVE
 * @id:		the connection's id
 * @flags:	the connection's HELLO flags
 */
void kdbus_notify_id_change(struct kdbus_bus *bus, u64 type, u64 id,
			    u64 flags)
{
	struct kdbus_notification *n;
	struct kdbus_notify_id_change *c;

	n = kdbus_notify_new(type, sizeof(*c));
	c = (void *)n->payload;
	c->id = id;
	c->flags = flags;
	kdbus_notify_add(bus, n);
}

/**
 * kdbus_notify_name_change() - queue a NAME_* notification
 * @bus:	bus
 * @type:	KDBUS_ITEM_NAME_ADD, KDBUS_ITEM_NAME_REMOVE or
 *		KDBUS_ITEM_NAME_CHANGE
 * @old_id:	previous owner, 0 for none
 * @new_id:	new owner, 0 for none
 * @old_flags:	previous owner's name flags
 * @new_flags:	new owner's name flags
 * @name:	the name, at most KDBUS_NAME_MAX_LEN characters
 */
void kdbus_notify_name_change(struct kdbus_bus *bus, u64 type, u64 old_id,
			      u64 new_id, u64 old_flags, u64 new_flags,
			      const char *name)
{
	size_t len = strlen(name) + 1;
	struct kdbus_notify_name_change *c;
	struct kdbus_notification *n;

	n = kdbus_notify_new(type, sizeof(*c) + len);
	c = (void *)n->payload;
	c->old_id.id = old_id;
	c->old_id.flags = old_flags;
	c->new_id.id = new_id;
	c->new_id.flags = new_flags;
	memcpy(n->payload + sizeof(*c), name, len);
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
