/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __KDBUSFS_NOTIFY_H
#define __KDBUSFS_NOTIFY_H

/**
 * DOC: Kernel notifications
 *
 * Messages from the kernel itself: src_id 0, payload type
 * KDBUS_PAYLOAD_KERNEL, one item that says what happened. The reply
 * notifications (REPLY_TIMEOUT, REPLY_DEAD) go to the one connection that
 * waits for the reply, with cookie_reply set to the request's cookie; no
 * match rule is needed. A notification that cannot be queued (the pool is
 * full) is counted as a lost message and reported by the next RECV in
 * dropped_msgs.
 */

#include <linux/types.h>

struct kdbus_conn;

void kdbus_notify_reply(struct kdbus_conn *conn, u64 cookie, u64 item_type);

#endif
