/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __KDBUSFS_NOTIFY_H
#define __KDBUSFS_NOTIFY_H

/**
 * DOC: Notifications
 *
 * Kernel notifications are messages from the kernel (source id 0). Replies
 * that time out or die go to the one connection waiting for them. Changes
 * of connections and names (ID_ADD, ID_REMOVE, NAME_ADD, NAME_REMOVE,
 * NAME_CHANGE) are broadcasts: queued on the bus while the registry is
 * locked, then flushed, in order, to every connection with a matching rule.
 *
 * A broadcast's memory is reserved where failing with -ENOMEM is still
 * allowed, so that the changes that must not fail (a disconnection, a
 * release) allocate nothing to report themselves: a connection's ID_ADD
 * and ID_REMOVE at HELLO (kdbus_notify_id_reserve()); a NAME_* one inside
 * the name change record that the registry reserves with every owner
 * record, for its departure, and with every acquire, for the acquire's
 * own change (names.h). Each is charged to the task that reserved it and
 * bounded by what the connection holds (max_connections connections,
 * KDBUS_CONN_MAX_NAMES names each) or by the one call that reserved it.
 * Receivers' copies are allocated as they are delivered, and a receiver
 * with no room or memory for one counts it lost (dropped_msgs).
 */

#include <linux/list.h>
#include <linux/types.h>

struct kdbus_bus;
struct kdbus_conn;

/**
 * struct kdbus_notification - a broadcast waiting on bus->notify_list
 * @entry:	in bus->notify_list
 * @type:	KDBUS_ITEM_* of its item
 * @size:	bytes at @payload
 * @payload:	the item's payload, in the same allocation
 *
 * It is at the start of its allocation, reserved in advance (see the DOC
 * block): kdbus_notify_flush() kfree()s it once it is delivered, and so
 * does whoever holds one that was never used.
 */
struct kdbus_notification {
	struct list_head entry;
	u64 type;
	size_t size;
	void *payload;
};

void kdbus_notify_reply(struct kdbus_conn *conn, u64 cookie, u64 item_type);
int kdbus_notify_id_reserve(struct kdbus_conn *conn);
void kdbus_notify_id_change(struct kdbus_conn *conn, u64 type);
void kdbus_notify_name_change(struct kdbus_bus *bus,
			      struct kdbus_notification *n);
void kdbus_notify_flush(struct kdbus_bus *bus);

#endif
