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
 */

#include <linux/types.h>

struct kdbus_bus;
struct kdbus_conn;

void kdbus_notify_reply(struct kdbus_conn *conn, u64 cookie, u64 item_type);
void kdbus_notify_id_change(struct kdbus_bus *bus, u64 type, u64 id,
			    u64 flags);
void kdbus_notify_name_change(struct kdbus_bus *bus, u64 type, u64 old_id,
			      u64 new_id, u64 old_flags, u64 new_flags,
			      const char *name);
void kdbus_notify_flush(struct kdbus_bus *bus);

#endif
