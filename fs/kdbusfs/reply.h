/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __KDBUSFS_REPLY_H
#define __KDBUSFS_REPLY_H

/**
 * DOC: Replies
 *
 * A message sent with KDBUS_MSG_EXPECT_REPLY creates a reply object: a
 * promise that the destination (reply_dst) answers the sender (reply_src)
 * with a message whose cookie_reply is the request's cookie. The object is
 * linked into reply_dst's reply list, under reply_dst's lock, and, for an
 * asynchronous request, into reply_src's list of requests (under
 * reply_src's requests_lock, a leaf lock), so that each side finds the
 * replies it needs without walking the bus (a synchronous caller holds
 * its own: in its wait, or on its interrupted list), until
 *
 *   - the reply is sent: it travels on the temporary TALK permission the
 *     request granted, even where policy would not let reply_dst talk to
 *     reply_src;
 *   - its deadline passes: reply_src gets a KDBUS_ITEM_REPLY_TIMEOUT
 *     notification (or, if it waits synchronously, ETIMEDOUT);
 *   - reply_dst goes away or drops the request unanswered: reply_src gets
 *     KDBUS_ITEM_REPLY_DEAD (or, waiting synchronously, EPIPE).
 *
 * A synchronous sender (KDBUS_SEND_SYNC_REPLY) sleeps on its own wait
 * queue until the reply object is finished; the answer is handed to it
 * directly, past its queue. Its state (@waiting, @err, @queue_entry,
 * @interrupted) is protected by reply_src's lock, so no path ever holds the
 * locks of two connections. A signal leaves the object on reply_src's
 * interrupted list: the restarted call finds it there, by destination and
 * cookie, and takes an answer that arrived in between instead of sending
 * the request again.
 */

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct kdbus_conn;
struct kdbus_queue_entry;
struct work_struct;

/**
 * struct kdbus_reply - an expected reply
 * @kref:		memory reference
 * @entry:		in reply_dst->reply_list while linked
 * @req_entry:		in reply_src->requests while linked, if not @sync
 * @src_entry:		in reply_src->interrupted while interrupted
 * @reply_src:		connection that expects the reply
 * @dst_lock:		protects @reply_dst
 * @reply_dst:		connection that owes it
 * @cookie:		cookie of the request
 * @deadline_ns:	CLOCK_MONOTONIC deadline
 * @sync:		a task waits for it in KDBUS_CMD_SEND
 * @interrupted:	that task was interrupted and may restart the call
 * @linked:		on reply_dst's list (reply_dst lock)
 * @waiting:		not finished yet (reply_src lock)
 * @err:		why it finished without a reply (reply_src lock)
 * @queue_entry:	the reply, for a synchronous sender (reply_src lock)
 */
struct kdbus_reply {
	struct kref kref;
	struct list_head entry;
	struct list_head req_entry;
	struct list_head src_entry;
	struct kdbus_conn *reply_src;
	spinlock_t dst_lock;	/* protects reply_dst */
	struct kdbus_conn *reply_dst;
	u64 cookie;
	u64 deadline_ns;
	bool sync;
	bool interrupted;
	bool linked;
	bool waiting;
	int err;
	struct kdbus_queue_entry *queue_entry;
};

struct kdbus_reply *kdbus_reply_new(struct kdbus_conn *reply_src,
				    struct kdbus_conn *reply_dst,
				    u64 cookie, u64 deadline_ns, bool sync);
struct kdbus_reply *kdbus_reply_ref(struct kdbus_reply *reply);
void kdbus_reply_unref(struct kdbus_reply *reply);
void kdbus_reply_link(struct kdbus_reply *reply);
void kdbus_reply_unlink(struct kdbus_reply *reply);
void kdbus_reply_take(struct kdbus_reply *reply, struct list_head *list);
struct kdbus_conn *kdbus_reply_get_dst(struct kdbus_reply *reply);
void kdbus_reply_set_dst(struct kdbus_reply *reply, struct kdbus_conn *dst);
void kdbus_reply_unlink_any(struct kdbus_reply *reply);
struct kdbus_reply *kdbus_reply_find(struct kdbus_conn *reply_dst,
				     struct kdbus_conn *reply_src,
				     u64 cookie);
bool kdbus_reply_finish_sync(struct kdbus_reply *reply, int err,
			     struct kdbus_queue_entry *entry);
void kdbus_reply_dead(struct kdbus_reply *reply);
void kdbus_reply_work(struct work_struct *work);
void kdbus_reply_purge_requests(struct kdbus_conn *conn);

#endif
