// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel notifications.
 */

#include <linux/err.h>
#include <linux/kdbus.h>

#include "connection.h"
#include "message.h"
#include "notify.h"
#include "queue.h"

/**
 * kdbus_notify_reply() - tell a connection its request will not be answered
 * @conn:	the requesting connection
 * @cookie:	the request's cookie
 * @item_type:	KDBUS_ITEM_REPLY_TIMEOUT or KDBUS_ITEM_REPLY_DEAD
 *
 * Called without any connection lock held.
 */
void kdbus_notify_reply(struct kdbus_conn *conn, u64 cookie, u64 item_type)
{
	struct kdbus_queue_entry *entry;

	entry = kdbus_kmsg_emit(conn, cookie, item_type, NULL, 0);
	if (IS_ERR(entry)) {
		kdbus_conn_lost_message(conn);
		return;
	}
	kdbus_conn_queue_kernel(conn, entry);
}
