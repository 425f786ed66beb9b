/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __KDBUSFS_SEND_H
#define __KDBUSFS_SEND_H

/**
 * DOC: Sending
 *
 * Everything that puts a message into another connection's queue is here:
 * unicasts, replies and the synchronous wait for them, broadcasts, kernel
 * notifications, copies for monitors, and the hand-over of the messages
 * sent to a name when the name changes owner.
 *
 * A message is staged once (message.c), then written into each receiver's
 * pool in the sender's task (kdbus_staging_emit()) and queued under the
 * receiver's lock, charged to the sending user's quota at that receiver
 * (user.c). Kernel notifications are charged to nobody. A receiver that
 * cannot take a broadcast, a notification or a monitor copy loses it and
 * learns of it in dropped_msgs; a unicast that does not fit fails the send.
 */

#include <linux/list.h>
#include <linux/types.h>

struct file;
struct kdbus_bus;
struct kdbus_conn;
struct kdbus_msg_info;
struct kdbus_queue_entry;
struct kdbus_staging;

int kdbus_send(struct kdbus_conn *conn, struct kdbus_staging *staging,
	       bool sync, struct file *cancel, struct kdbus_msg_info *info);
int kdbus_send_restore_reply(struct kdbus_conn *src, struct kdbus_conn *dst,
			     u64 cookie, u64 timeout_ns, bool sync);
void kdbus_send_queue_kernel(struct kdbus_conn *conn,
			     struct kdbus_queue_entry *entry);
void kdbus_send_broadcast_kernel(struct kdbus_bus *bus, u64 type,
				 const void *payload, size_t size);
void kdbus_send_name_changes(struct kdbus_bus *bus, struct list_head *changes);

#endif
