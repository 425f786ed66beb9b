// SPDX-License-Identifier: GPL-2.0
/*
 * Expected replies: linking, answering, expiring, dying.
 */

#include <linux/jiffies.h>
#include <linux/kdbus.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "bus.h"
#include "conn.h"
#include "notify.h"
#include "queue.h"
#include "reply.h"

/**
 * kdbus_reply_new() - make a reply object for a request
 * @reply_src:		the requesting connection
 * @reply_dst:		the connection that is to answer
 * @cookie:		the request's cookie
 * @deadline_ns:	CLOCK_MONOTONIC deadline
 * @sync:		the sender waits for the answer
 *
 * Return: the reply, not linked yet, or ERR_PTR(-ENOMEM).
 */
struct kdbus_reply *kdbus_reply_new(struct kdbus_conn *reply_src,
				    struct kdbus_conn *reply_dst,
				    u64 cookie, u64 deadline_ns, bool sync)
{
	struct kdbus_reply *reply;

	reply = kzalloc(sizeof(*reply), GFP_KERNEL_ACCOUNT);
	if (!reply)
		return ERR_PTR(-ENOMEM);
	kref_init(&reply->kref);
	INIT_LIST_HEAD(&reply->entry);
	INIT_LIST_HEAD(&reply->req_entry);
	INIT_LIST_HEAD(&reply->src_entry);
	reply->reply_src = kdbus_conn_ref(reply_src);
	spin_lock_init(&reply->dst_lock);
	reply->reply_dst = kdbus_conn_ref(reply_dst);
	reply->cookie = cookie;
	reply->deadline_ns = deadline_ns;
	reply->sync = sync;
	reply->waiting = true;
	return reply;
}

/**
 * kdbus_reply_ref() - take a reference on a reply
 * @reply:	reply, may be NULL
 *
 * Return: @reply
 */
struct kdbus_reply *kdbus_reply_ref(struct kdbus_reply *reply)
{
	if (reply)
		kref_get(&reply->kref);
	return reply;
}

static void kdbus_reply_free(struct kref *kref)
{
	struct kdbus_reply *reply = container_of(kref, struct kdbus_reply,
						 kref);

	WARN_ON(reply->linked || !list_empty(&reply->req_entry));
	kdbus_queue_entry_free(reply->queue_entry);
	kdbus_conn_unref(reply->reply_src);
	kdbus_conn_unref(reply->reply_dst);
	kfree(reply);
}

/**
 * kdbus_reply_unref() - drop a reference on a reply
 * @reply:	reply, may be NULL
 */
void kdbus_reply_unref(struct kdbus_reply *reply)
{
	if (reply)
		kref_put(&reply->kref, kdbus_reply_free);
}

/* Jiffies until @deadline_ns; far deadlines are capped, never wrapped. */
static unsigned long kdbus_reply_delay(u64 deadline_ns, u64 now)
{
	if (deadline_ns <= now)
		return 0;
	return min_t(u64, nsecs_to_jiffies64(deadline_ns - now) + 1,
		     MAX_JIFFY_OFFSET);
}

/**
 * kdbus_reply_link() - make a reply expected from its destination
 * @reply:	reply to link; reply_dst's lock is held
 *
 * The list holds a reference. Asynchronous replies arm the destination's
 * expiry work for their deadline.
 */
void kdbus_reply_link(struct kdbus_reply *reply)
{
	struct kdbus_conn *dst = reply->reply_dst;
	u64 now = ktime_get_ns();
	unsigned long delay = kdbus_reply_delay(reply->deadline_ns, now);

	lockdep_assert_held(&dst->lock);
	list_add_tail(&reply->entry, &dst->reply_list);
	/* a synchronous caller keeps track of its own (kdbus_send()) */
	if (!reply->sync) {
		spin_lock(&reply->reply_src->requests_lock);
		list_add_tail(&reply->req_entry, &reply->reply_src->requests);
		spin_unlock(&reply->reply_src->requests_lock);
	}
	reply->linked = true;
	kdbus_reply_ref(reply);

	/* synchronous ones too: their caller may have gone (a signal) */
	/* only ever move the expiry earlier */
	if (!delayed_work_pending(&dst->work) ||
	    time_before(jiffies + delay, dst->work.timer.expires))
		mod_delayed_work(system_wq, &dst->work, delay);
}

/**
 * kdbus_reply_unlink() - take a reply off its destination's list
 * @reply:	reply; reply_dst's lock is held
 *
 * Drops the list's reference; the caller must hold its own.
 */
void kdbus_reply_unlink(struct kdbus_reply *reply)
{
	LIST_HEAD(list);

	lockdep_assert_held(&reply->reply_dst->lock);
	if (!reply->linked)
		return;
	kdbus_reply_take(reply, &list);
	list_del_init(&reply->entry);
	kdbus_reply_unref(reply);
}

/**
 * kdbus_reply_take() - unlink a reply onto a list of the caller's
 * @reply:	linked reply; reply_dst's lock is held
 * @list:	where its entry goes, with the reference the links held
 *
 * It is off both sides' lists: its destination owes it no more, and its
 * source waits for it no more.
 */
void kdbus_reply_take(struct kdbus_reply *reply, struct list_head *list)
{
	struct kdbus_conn *src = reply->reply_src;

	lockdep_assert_held(&reply->reply_dst->lock);
	list_move_tail(&reply->entry, list);
	if (!reply->sync) {
		spin_lock(&src->requests_lock);
		list_del_init(&reply->req_entry);
		spin_unlock(&src->requests_lock);
	}
	reply->linked = false;
	atomic_dec(&src->n_requests);
}

/**
 * kdbus_reply_get_dst() - the connection that owes a reply now
 * @reply:	reply
 *
 * Return: reply_dst, with a reference; it may have changed by the time
 * the caller looks at it again.
 */
struct kdbus_conn *kdbus_reply_get_dst(struct kdbus_reply *reply)
{
	struct kdbus_conn *dst;

	spin_lock(&reply->dst_lock);
	dst = kdbus_conn_ref(reply->reply_dst);
	spin_unlock(&reply->dst_lock);
	return dst;
}

/**
 * kdbus_reply_set_dst() - hand a request over to another connection
 * @reply:	unlinked reply
 * @dst:	the connection that owes it from now on
 */
void kdbus_reply_set_dst(struct kdbus_reply *reply, struct kdbus_conn *dst)
{
	struct kdbus_conn *old;

	kdbus_conn_ref(dst);
	spin_lock(&reply->dst_lock);
	old = reply->reply_dst;
	/* kdbus_reply_unlink_any() reads it under the owner's lock only */
	WRITE_ONCE(reply->reply_dst, dst);
	spin_unlock(&reply->dst_lock);
	kdbus_conn_unref(old);
}

/**
 * kdbus_reply_unlink_any() - unlink a reply from whoever owes it
 * @reply:	reply; the caller holds a reference and no lock
 *
 * The owner can change while its lock is taken (a name moving to its
 * owner): the lock taken must be the lock of the connection that owes the
 * reply when it is held, so the owner is read again under it. A reply in
 * the middle of such a move is unlinked already; it is linked again at
 * its new owner, where it expires.
 */
void kdbus_reply_unlink_any(struct kdbus_reply *reply)
{
	struct kdbus_conn *dst;
	bool done;

	do {
		dst = kdbus_reply_get_dst(reply);
		mutex_lock(&dst->lock);
		done = READ_ONCE(reply->reply_dst) == dst;
		if (done)
			kdbus_reply_unlink(reply);
		mutex_unlock(&dst->lock);
		kdbus_conn_unref(dst);
	} while (!done);
}

/**
 * kdbus_reply_find() - find the reply a message answers
 * @reply_dst:	the answering connection; its lock is held
 * @reply_src:	the connection the answer is sent to
 * @cookie:	the answer's cookie_reply
 *
 * Return: the linked reply, without a new reference, or NULL.
 */
struct kdbus_reply *kdbus_reply_find(struct kdbus_conn *reply_dst,
				     struct kdbus_conn *reply_src,
				     u64 cookie)
{
	struct kdbus_reply *reply;

	lockdep_assert_held(&reply_dst->lock);
	list_for_each_entry(reply, &reply_dst->reply_list, entry)
		if (reply->reply_src == reply_src && reply->cookie == cookie)
			return reply;
	return NULL;
}

/**
 * kdbus_reply_finish_sync() - hand a synchronous sender its result
 * @reply:	unlinked synchronous reply
 * @err:	0 with @entry, or why there is no answer
 * @entry:	the answer, or NULL; consumed on success
 *
 * A caller interrupted by a signal still takes it, for its restarted call.
 *
 * Return: true if the result was taken; false if the caller had given up
 * (timed out, disconnected), and @entry is still the caller's.
 */
bool kdbus_reply_finish_sync(struct kdbus_reply *reply, int err,
			     struct kdbus_queue_entry *entry)
{
	struct kdbus_conn *src = reply->reply_src;
	bool taken = false;

	mutex_lock(&src->lock);
	if (reply->waiting) {
		reply->waiting = false;
		reply->err = err;
		reply->queue_entry = entry;
		taken = true;
		wake_up_all(&src->wait);
	}
	mutex_unlock(&src->lock);
	return taken;
}

/**
 * kdbus_reply_dead() - the destination will never answer
 * @reply:	unlinked reply; the caller holds a reference and no lock
 *
 * A waiting synchronous sender fails with EPIPE (one no longer waiting
 * hears nothing); an asynchronous one gets a KDBUS_ITEM_REPLY_DEAD
 * notification.
 */
void kdbus_reply_dead(struct kdbus_reply *reply)
{
	/*
	 * A synchronous caller learns it from its wait; one that gave up
	 * waiting (timed out, cancelled, gone) has been told already and
	 * is told nothing more.
	 */
	if (reply->sync) {
		kdbus_reply_finish_sync(reply, -EPIPE, NULL);
		return;
	}
	kdbus_notify_reply(reply->reply_src, reply->cookie,
			   KDBUS_ITEM_REPLY_DEAD);
}

/**
 * kdbus_reply_work() - expire the replies a connection owes
 * @work:	the connection's expiry work (conn->work)
 *
 * Requests that passed their deadline are removed: the sender of an
 * asynchronous one gets a KDBUS_ITEM_REPLY_TIMEOUT notification, a
 * synchronous one (waiting, or interrupted and maybe restarted later)
 * finishes with ETIMEDOUT. The work re-arms itself for the next deadline.
 */
void kdbus_reply_work(struct work_struct *work)
{
	struct kdbus_conn *conn = container_of(to_delayed_work(work),
					       struct kdbus_conn, work);
	struct kdbus_reply *reply, *tmp;
	u64 now = ktime_get_ns(), next = U64_MAX;
	LIST_HEAD(expired);

	mutex_lock(&conn->lock);
	list_for_each_entry_safe(reply, tmp, &conn->reply_list, entry) {
		if (reply->deadline_ns > now) {
			next = min(next, reply->deadline_ns);
			continue;
		}
		/* keep the list's reference for the local list */
		kdbus_reply_take(reply, &expired);
	}
	if (next != U64_MAX && kdbus_conn_active(conn))
		mod_delayed_work(system_wq, &conn->work,
				 kdbus_reply_delay(next, now));
	mutex_unlock(&conn->lock);

	list_for_each_entry_safe(reply, tmp, &expired, entry) {
		list_del_init(&reply->entry);
		if (reply->sync)
			kdbus_reply_finish_sync(reply, -ETIMEDOUT, NULL);
		else
			kdbus_notify_reply(reply->reply_src, reply->cookie,
					   KDBUS_ITEM_REPLY_TIMEOUT);
		kdbus_reply_unref(reply);
	}
}

/**
 * kdbus_reply_purge_requests() - forget the replies a connection waits for
 * @conn:	disconnecting connection, the requester
 *
 * Nobody will take the answers: every peer that owes @conn one stops
 * expecting it. Found from @conn's own list, so it costs the requests it
 * has, not the size of the bus. The list holds the asynchronous requests:
 * a synchronous one is unlinked by the call that waits for it, or, if a
 * signal interrupted that, at the disconnection from the interrupted list.
 * A request being handed from an activator to a new owner right now is on
 * neither list and is missed: it expires at its new owner.
 */
void kdbus_reply_purge_requests(struct kdbus_conn *conn)
{
	struct kdbus_reply *reply;

	for (;;) {
		spin_lock(&conn->requests_lock);
		reply = list_first_entry_or_null(&conn->requests,
						 struct kdbus_reply, req_entry);
		kdbus_reply_ref(reply);
		spin_unlock(&conn->requests_lock);
		if (!reply)
			return;
		/* off @conn's list once unlinked, or when its move ends */
		kdbus_reply_unlink_any(reply);
		kdbus_reply_unref(reply);
	}
}
