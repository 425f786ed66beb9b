// SPDX-License-Identifier: GPL-2.0
/*
 * Sending: unicasts, replies, synchronous calls, broadcasts, notifications
 * and monitor copies.
 */

#include <linux/err.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/kdbus.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "bus.h"
#include "conn.h"
#include "limits.h"
#include "match.h"
#include "message.h"
#include "names.h"
#include "notify.h"
#include "policy.h"
#include "pool.h"
#include "queue.h"
#include "reply.h"
#include "send.h"
#include "user.h"

/*
 * Queue @entry at @dst, charged to @sender's quota there (a user's uid,
 * the receiver's own too, or KDBUS_QUOTA_KERNEL); with @reply, the reply
 * becomes expected from @dst. The entry is consumed either way.
 */
static int kdbus_send_insert(struct kdbus_conn *dst, kuid_t sender,
			     struct kdbus_queue_entry *entry,
			     struct kdbus_reply *reply)
{
	size_t size = kdbus_pool_slice_size(entry->slice);
	int ret = 0;

	mutex_lock(&dst->lock);
	if (!kdbus_conn_active(dst)) {
		ret = -ECONNRESET;
		goto exit;
	}
	/* a checkpoint is copying the queue: nothing may join it meanwhile */
	if (dst->frozen_by) {
		ret = -EAGAIN;
		goto exit;
	}
	/* the slice is allocated already: what is free is left after */
	ret = kdbus_quota_charge(&dst->quota, sender, size,
				 entry->n_fds + entry->n_memfds,
				 kdbus_pool_size(dst->pool) -
				 kdbus_pool_used(dst->pool));
	if (ret < 0)
		goto exit;
	entry->charged = true;
	entry->sender = sender;
	entry->charged_size = size;
	if (reply) {
		kdbus_reply_link(reply);
		entry->reply = kdbus_reply_ref(reply);
	}
	kdbus_queue_add(&dst->queue, entry);
	entry = NULL;

exit:
	mutex_unlock(&dst->lock);
	if (entry)
		kdbus_queue_entry_free(entry);
	else
		wake_up_interruptible_poll(&dst->wait, EPOLLIN | EPOLLRDNORM);
	return ret;
}

/**
 * kdbus_send_queue_kernel() - queue a kernel notification
 * @conn:	receiving connection
 * @entry:	notification, consumed
 *
 * Notifications are charged to the kernel's own quota at @conn: one that
 * does not fit, or cannot be queued, counts as a lost message.
 */
void kdbus_send_queue_kernel(struct kdbus_conn *conn,
			     struct kdbus_queue_entry *entry)
{
	if (kdbus_send_insert(conn, KDBUS_QUOTA_KERNEL, entry, NULL) < 0)
		kdbus_conn_lost_message(conn);
}

/*
 * Give every monitor of the bus a copy of @s, about to be delivered to its
 * receiver. A monitor that has no room loses the copy (dropped_msgs); the
 * sender never learns of monitors. The copies read the sender's memory,
 * which may fault for as long as its owner likes: they are made after
 * the monitors were counted, without bus->monitors_lock, so that one
 * sender cannot stall every other one.
 */
static void kdbus_send_monitors(struct kdbus_conn *src, struct kdbus_staging *s)
{
	struct kdbus_bus *bus = src->bus;
	struct kdbus_queue_entry *entry;
	struct kdbus_conn *mon, **mons;
	unsigned int i, n = 0;

	if (list_empty_careful(&bus->monitors))
		return;
	mutex_lock(&bus->monitors_lock);
	list_for_each_entry(mon, &bus->monitors, monitor_entry)
		n++;
	mons = kmalloc_array(n, sizeof(*mons), GFP_KERNEL);
	if (!mons) {
		list_for_each_entry(mon, &bus->monitors, monitor_entry)
			kdbus_conn_lost_message(mon);
		mutex_unlock(&bus->monitors_lock);
		return;
	}
	n = 0;
	list_for_each_entry(mon, &bus->monitors, monitor_entry)
		mons[n++] = kdbus_conn_ref(mon);
	mutex_unlock(&bus->monitors_lock);

	for (i = 0; i < n; i++) {
		entry = kdbus_staging_emit(s, src, mons[i]);
		if (IS_ERR(entry) ||
		    kdbus_send_insert(mons[i], src->user->uid, entry,
				      NULL) < 0)
			kdbus_conn_lost_message(mons[i]);
		kdbus_conn_unref(mons[i]);
	}
	kfree(mons);
}

/*
 * Put @entry, taken off another connection's queue, into @dst's pool and
 * queue, charged to its sender again. A request keeps being expected, now
 * from @dst. Consumes the entry.
 */
static int kdbus_send_move_entry(struct kdbus_conn *dst,
				 struct kdbus_queue_entry *entry)
{
	struct kdbus_reply *reply = entry->reply;
	kuid_t sender = entry->sender;
	struct kdbus_pool_slice *slice;
	int ret;

	entry->reply = NULL;
	entry->charged = false;
	slice = kdbus_pool_slice_alloc(dst->pool,
				       kdbus_pool_slice_size(entry->slice));
	if (IS_ERR(slice)) {
		ret = PTR_ERR(slice);
		goto error;
	}
	ret = kdbus_pool_slice_copy(slice, entry->slice);
	if (ret < 0) {
		kdbus_pool_slice_release(slice);
		goto error;
	}
	kdbus_pool_slice_release(entry->slice);
	entry->slice = slice;

	if (reply) {
		kdbus_reply_set_dst(reply, dst);
		atomic_inc(&reply->reply_src->n_requests);
	}
	ret = kdbus_send_insert(dst, sender, entry, reply);
	entry = NULL;
	if (ret < 0 && reply)
		atomic_dec(&reply->reply_src->n_requests);
error:
	if (ret < 0) {
		kdbus_conn_lost_message(dst);
		if (reply)
			kdbus_reply_dead(reply);
		kdbus_queue_entry_free(entry);
	}
	kdbus_reply_unref(reply);
	return ret;
}

/*
 * Hand the messages sent to name entry @name_id that wait at @src to
 * @dst, when the name changes hands between its activator and a real
 * owner (and those a restored activator got back for its one name). A
 * message that does not fit at @dst is lost there (dropped_msgs), and a
 * request among them gets REPLY_DEAD.
 */
static void kdbus_send_move_messages(struct kdbus_conn *dst,
				     struct kdbus_conn *src, u64 name_id)
{
	struct kdbus_queue_entry *entry, *tmp;
	LIST_HEAD(list);

	mutex_lock(&src->lock);
	list_for_each_entry_safe(entry, tmp, &src->queue.msg_list, entry) {
		if (entry->dst_name_id != name_id &&
		    entry->dst_name_id != KDBUS_NAME_ID_RESTORED)
			continue;
		kdbus_queue_remove(&src->queue, entry);
		kdbus_queue_entry_quota(entry, &src->quota, -1);
		if (entry->reply && entry->reply->linked) {
			/* expected from @dst from now on; the entry keeps its ref */
			kdbus_reply_unlink(entry->reply);
		} else if (entry->reply) {
			/*
			 * It expired, or its requester went, and whoever took
			 * it off the list still holds it: it must not be
			 * linked anywhere again. The message moves alone.
			 */
			kdbus_reply_unref(entry->reply);
			entry->reply = NULL;
		}
		list_add_tail(&entry->entry, &list);
	}
	mutex_unlock(&src->lock);

	list_for_each_entry_safe(entry, tmp, &list, entry) {
		list_del_init(&entry->entry);
		kdbus_send_move_entry(dst, entry);
	}
}

/**
 * kdbus_send_name_changes() - deliver what a registry operation did
 * @bus:	bus
 * @changes:	struct kdbus_name_change records, in order; emptied
 *
 * Called with the name registry locked, so that the messages waiting for
 * a name reach its new owner before anybody can find that owner. The
 * NAME_* notifications are queued, in order, for the caller to flush
 * (kdbus_notify_flush()) once it has unlocked the registry; each is the
 * memory of its record, reserved by the registry: nothing is allocated.
 */
void kdbus_send_name_changes(struct kdbus_bus *bus, struct list_head *changes)
{
	struct kdbus_name_change *c, *tmp;

	lockdep_assert_held_write(&bus->names.rwlock);
	list_for_each_entry_safe(c, tmp, changes, entry) {
		list_del_init(&c->entry);
		if (c->move_from)
			kdbus_send_move_messages(c->move_to, c->move_from,
						 c->name_id);
		kdbus_notify_name_change(bus, kdbus_name_change_done(c));
	}
}

/* The interrupted synchronous request that a restarted call resumes. */
static struct kdbus_reply *
kdbus_send_find_interrupted(struct kdbus_conn *conn, struct kdbus_conn *dst,
			    u64 cookie)
{
	struct kdbus_reply *reply;

	mutex_lock(&conn->lock);
	list_for_each_entry(reply, &conn->interrupted, src_entry) {
		/* a pointer compare: the owner may move on meanwhile */
		if (READ_ONCE(reply->reply_dst) == dst &&
		    reply->cookie == cookie) {
			list_del_init(&reply->src_entry);
			reply->interrupted = false;
			conn->n_interrupted--;
			mutex_unlock(&conn->lock);
			/* the list's reference is now the caller's */
			return reply;
		}
	}
	mutex_unlock(&conn->lock);
	return NULL;
}

/*
 * Keep an interrupted synchronous request for its restart. Callers that
 * never restart must not pile them up: beyond the pending-request limit the
 * oldest is forgotten, unlinked at its owner as if it had expired (an
 * answer to it is refused with EBADSLT).
 */
static struct kdbus_reply *
kdbus_send_keep_interrupted(struct kdbus_conn *conn, struct kdbus_reply *reply)
{
	struct kdbus_reply *old = NULL;

	lockdep_assert_held(&conn->lock);
	if (reply->interrupted)
		return NULL;
	reply->interrupted = true;
	list_add_tail(&reply->src_entry, &conn->interrupted);
	kdbus_reply_ref(reply);
	if (++conn->n_interrupted > KDBUS_CONN_MAX_REQUESTS_PENDING) {
		old = list_first_entry(&conn->interrupted, struct kdbus_reply,
				       src_entry);
		list_del_init(&old->src_entry);
		old->interrupted = false;
		conn->n_interrupted--;
	}
	/* the caller drops it once it released conn->lock */
	return old;
}

/**
 * kdbus_send_restore_reply() - expect a reply again, after a restore
 * @src:	connection that waits for it
 * @dst:	connection that owes it
 * @cookie:	cookie of the request
 * @timeout_ns:	time left until it expires
 * @sync:	@src waits in a synchronous call: the call, restarted after
 *		the restore, finds the request as one a signal interrupted
 *
 * Made once both sides are on the bus again, by whichever is restored
 * second: nothing happens if the reply is expected already. A request
 * queued at @dst gets the reply, as kdbus_send_insert() would have given.
 *
 * Return: 0, -EMLINK (@src has as many requests pending as it may), or
 * -ENOMEM.
 */
int kdbus_send_restore_reply(struct kdbus_conn *src, struct kdbus_conn *dst,
			     u64 cookie, u64 timeout_ns, bool sync)
{
	struct kdbus_reply *reply, *evicted = NULL;
	struct kdbus_queue_entry *entry;

	if (atomic_inc_return(&src->n_requests) >
	    KDBUS_CONN_MAX_REQUESTS_PENDING) {
		atomic_dec(&src->n_requests);
		return -EMLINK;
	}
	reply = kdbus_reply_new(src, dst, cookie,
				ktime_get_ns() + max_t(u64, timeout_ns, 1),
				sync);
	if (IS_ERR(reply)) {
		atomic_dec(&src->n_requests);
		return PTR_ERR(reply);
	}

	mutex_lock(&dst->lock);
	/* gone meanwhile, or expected already: nothing to make */
	if (!kdbus_conn_active(dst) || kdbus_reply_find(dst, src, cookie)) {
		atomic_dec(&src->n_requests);
		sync = false;
		goto unlock;
	}
	kdbus_reply_link(reply);
	list_for_each_entry(entry, &dst->queue.msg_list, entry) {
		if (!entry->reply && entry->src_id == src->id &&
		    entry->cookie == cookie) {
			entry->reply = kdbus_reply_ref(reply);
			break;
		}
	}
unlock:
	mutex_unlock(&dst->lock);

	if (sync) {
		mutex_lock(&src->lock);
		evicted = kdbus_send_keep_interrupted(src, reply);
		mutex_unlock(&src->lock);
		if (evicted) {
			kdbus_reply_unlink_any(evicted);
			kdbus_reply_unref(evicted);
		}
	}
	kdbus_reply_unref(reply);
	return 0;
}

/**
 * struct kdbus_cancel - a synchronous wait on a cancel fd's wait queues
 * @pt:		poll table that puts @entries on the file's wait queues
 * @task:	the waiting sender
 * @n:		entries in use
 * @entries:	one per wait queue the file's poll registers; a file with
 *		more (none known) is still polled each time the sender wakes
 */
struct kdbus_cancel {
	poll_table pt;
	struct task_struct *task;
	unsigned int n;
	struct {
		wait_queue_entry_t wait;
		wait_queue_head_t *wqh;
	} entries[2];
};

/*
 * Wakes the sender. A wait queue that is going away (POLLFREE) takes our
 * entry off first, as epoll's does; it is freed only after an RCU grace
 * period, which the teardown relies on.
 */
static int kdbus_cancel_wake(wait_queue_entry_t *wait, unsigned int mode,
			     int sync, void *key)
{
	struct kdbus_cancel *c = wait->private;
	unsigned int i;

	if (key_to_poll(key) & POLLFREE) {
		list_del_init(&wait->entry);
		for (i = 0; i < c->n; i++)
			if (&c->entries[i].wait == wait)
				/* pairs with the acquire in kdbus_cancel_remove() */
				smp_store_release(&c->entries[i].wqh, NULL);
	}
	wake_up_process(c->task);
	return 1;
}

static void kdbus_cancel_queue(struct file *file, wait_queue_head_t *wqh,
			       poll_table *pt)
{
	struct kdbus_cancel *c = container_of(pt, struct kdbus_cancel, pt);

	if (c->n >= ARRAY_SIZE(c->entries))
		return;
	init_waitqueue_func_entry(&c->entries[c->n].wait, kdbus_cancel_wake);
	c->entries[c->n].wait.private = c;
	c->entries[c->n].wqh = wqh;
	add_wait_queue(wqh, &c->entries[c->n].wait);
	c->n++;
}

static void kdbus_cancel_remove(struct kdbus_cancel *c)
{
	wait_queue_head_t *wqh;
	unsigned int i;

	rcu_read_lock();
	for (i = 0; i < c->n; i++) {
		/* pairs with the release in kdbus_cancel_wake() */
		wqh = smp_load_acquire(&c->entries[i].wqh);
		if (wqh)
			remove_wait_queue(wqh, &c->entries[i].wait);
	}
	rcu_read_unlock();
}

/*
 * Sleep until the reply object is finished, the sender's connection goes,
 * @cancel becomes readable, a signal arrives or @deadline passes, on the
 * connection's wait queue and @cancel's together.
 *
 * Return: 0 (finished or disconnected: the caller looks), -ECANCELED,
 * -ERESTARTSYS, -ETIMEDOUT.
 */
static int kdbus_send_sleep(struct kdbus_conn *conn, struct kdbus_reply *reply,
			    struct file *cancel, ktime_t deadline)
{
	struct kdbus_cancel c = { .task = current };
	wait_queue_entry_t wait;
	int ret = 0;

	init_waitqueue_entry(&wait, current);
	add_wait_queue(&conn->wait, &wait);
	if (cancel) {
		init_poll_funcptr(&c.pt, kdbus_cancel_queue);
		vfs_poll(cancel, &c.pt);
	}

	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!READ_ONCE(reply->waiting) || !kdbus_conn_active(conn))
			break;
		if (cancel && (vfs_poll(cancel, NULL) & EPOLLIN)) {
			ret = -ECANCELED;
			break;
		}
		if (signal_pending(current)) {
			ret = -ERESTARTSYS;
			break;
		}
		if (!schedule_hrtimeout(&deadline, HRTIMER_MODE_ABS)) {
			ret = -ETIMEDOUT;
			break;
		}
	}
	__set_current_state(TASK_RUNNING);

	remove_wait_queue(&conn->wait, &wait);
	if (cancel)
		kdbus_cancel_remove(&c);
	return ret;
}

/*
 * A synchronous sender waits here for its reply. The wait ends when the
 * reply object is finished, the deadline passes, the cancel fd becomes
 * readable, a signal arrives, or the sender's own connection goes away.
 */
static int kdbus_send_wait_reply(struct kdbus_conn *conn,
				 struct kdbus_reply *reply,
				 struct file *cancel,
				 struct kdbus_msg_info *info)
{
	struct kdbus_queue_entry *entry = NULL, *stale = NULL;
	struct kdbus_reply *evicted = NULL;
	bool unlink = false;
	int ret, err;

	/* seen by a checkpoint's dump while it sleeps */
	spin_lock(&conn->requests_lock);
	list_add_tail(&reply->req_entry, &conn->sync_waits);
	spin_unlock(&conn->requests_lock);
	/* a deadline centuries away is a long wait, not an overflow */
	ret = kdbus_send_sleep(conn, reply, cancel,
			       ns_to_ktime(min_t(u64, reply->deadline_ns,
						 KTIME_MAX)));
	spin_lock(&conn->requests_lock);
	list_del_init(&reply->req_entry);
	spin_unlock(&conn->requests_lock);

	mutex_lock(&conn->lock);
	if (!reply->waiting) {
		entry = reply->queue_entry;
		reply->queue_entry = NULL;
		err = reply->err;
		/*
		 * Disconnected: its caller learns that, whatever the peers'
		 * disconnection (it may be finished first) did to the reply.
		 */
		if (!kdbus_conn_active(conn)) {
			stale = entry;
			entry = NULL;
			err = -ECONNRESET;
		}
	} else if (ret == -ERESTARTSYS) {
		/* stays expected: a restarted SEND picks the wait up again */
		evicted = kdbus_send_keep_interrupted(conn, reply);
		err = -ERESTARTSYS;
	} else {
		reply->waiting = false;
		unlink = true;
		err = ret ?: -ECONNRESET;
	}
	mutex_unlock(&conn->lock);
	if (evicted) {
		kdbus_reply_unlink_any(evicted);
		kdbus_reply_unref(evicted);
	}
	if (stale)
		kdbus_queue_entry_free(stale);

	if (unlink)
		kdbus_reply_unlink_any(reply);
	if (!entry)
		return err;
	ret = kdbus_queue_entry_deliver(entry, &conn->view, info);
	if (ret < 0)
		kdbus_queue_entry_free(entry);	/* no caller to retry it */
	return ret;
}

/*
 * Send @s as the answer @reply expected. A synchronous caller learns of an
 * answer that cannot reach it: EREMOTEIO if it does not take the files the
 * answer carries, the replier's own error otherwise.
 */
static int kdbus_send_answer(struct kdbus_conn *conn, struct kdbus_conn *dst,
			     struct kdbus_staging *s,
			     struct kdbus_reply *reply)
{
	struct kdbus_queue_entry *entry;

	if (s->n_fds && !(dst->flags & KDBUS_HELLO_ACCEPT_FD)) {
		if (reply->sync)
			kdbus_reply_finish_sync(reply, -EREMOTEIO, NULL);
		return -ECOMM;
	}

	entry = kdbus_staging_emit(s, conn, dst);
	if (IS_ERR(entry)) {
		if (reply->sync)
			kdbus_reply_finish_sync(reply, PTR_ERR(entry), NULL);
		return PTR_ERR(entry);
	}
	/* monitors see the answer before anybody can act on it */
	kdbus_send_monitors(conn, s);
	if (reply->sync && kdbus_reply_finish_sync(reply, 0, entry))
		return 0;
	/* asynchronous, or the caller gave up waiting: an ordinary message */
	return kdbus_send_insert(dst, conn->user->uid, entry, NULL);
}

/*
 * A reply travels on the right to talk back that the request granted. One
 * that fails leaves its caller without a request to wait for: tell it, so
 * that it does not wait for a timeout that will never come.
 */
static int kdbus_send_reply(struct kdbus_conn *conn, struct kdbus_conn *dst,
			    struct kdbus_staging *s)
{
	struct kdbus_reply *reply;
	int ret;

	mutex_lock(&conn->lock);
	reply = kdbus_reply_find(conn, dst, s->msg->cookie_reply);
	if (reply) {
		kdbus_reply_ref(reply);
		kdbus_reply_unlink(reply);
	}
	mutex_unlock(&conn->lock);
	if (!reply)
		return -EBADSLT;

	ret = kdbus_send_answer(conn, dst, s, reply);
	if (ret < 0 && !reply->sync)
		kdbus_notify_reply(dst, reply->cookie, KDBUS_ITEM_REPLY_DEAD);
	kdbus_reply_unref(reply);
	return ret;
}

/*
 * A request or a one-way message to @dst. A request makes a reply object;
 * a synchronous one then waits for it, and a restarted one (after a
 * signal) picks up the wait it left instead of sending again.
 */
static int kdbus_send_unicast(struct kdbus_conn *conn, struct kdbus_conn *dst,
			      struct kdbus_staging *s, bool sync,
			      struct file *cancel, struct kdbus_msg_info *info)
{
	struct kdbus_msg *msg = s->msg;
	struct kdbus_queue_entry *entry;
	struct kdbus_reply *reply = NULL;
	int ret;

	if (s->n_fds && !(dst->flags & KDBUS_HELLO_ACCEPT_FD))
		return -ECOMM;
	if (!kdbus_policy_may_talk(conn, dst))
		return -EPERM;

	if (msg->flags & KDBUS_MSG_EXPECT_REPLY) {
		if (sync) {
			reply = kdbus_send_find_interrupted(conn, dst,
							    msg->cookie);
			if (reply)
				goto wait;
		}
		if (atomic_inc_return(&conn->n_requests) >
		    KDBUS_CONN_MAX_REQUESTS_PENDING) {
			atomic_dec(&conn->n_requests);
			return -EMLINK;
		}
		reply = kdbus_reply_new(conn, dst, msg->cookie,
					msg->timeout_ns, sync);
		if (IS_ERR(reply)) {
			atomic_dec(&conn->n_requests);
			return PTR_ERR(reply);
		}
	}

	entry = kdbus_staging_emit(s, conn, dst);
	if (IS_ERR(entry)) {
		ret = PTR_ERR(entry);
		goto exit_unaccount;
	}
	/*
	 * Monitors get their copy before the receiver can answer: they see a
	 * call before its reply, as upstream's do (and, like those, also a
	 * message its receiver then has no room for).
	 */
	kdbus_send_monitors(conn, s);
	ret = kdbus_send_insert(dst, conn->user->uid, entry, reply);
	if (ret < 0)
		goto exit_unaccount;
	if (!sync)
		goto exit;

wait:
	ret = kdbus_send_wait_reply(conn, reply, cancel, info);
	goto exit;

exit_unaccount:
	if (reply)
		atomic_dec(&conn->n_requests);
exit:
	kdbus_reply_unref(reply);
	return ret;
}

/*
 * The receiver of a message sent to a well-known name: its owner, or its
 * activator while it has none. A given dst_id must be the owner's.
 */
static struct kdbus_conn *kdbus_send_find_by_name(struct kdbus_conn *conn,
						  struct kdbus_staging *s)
{
	const char *name = s->dst_name->str;
	struct kdbus_conn *dst;
	u64 name_id = 0;
	int ret;

	if (!kdbus_name_is_valid(name, false))
		return ERR_PTR(-EINVAL);
	/* a name the connection may not see is nobody's */
	if (!kdbus_policy_may_see_name(conn, name))
		return ERR_PTR(-ESRCH);
	dst = kdbus_name_lookup(conn->bus, name, &name_id);
	if (!dst)
		return ERR_PTR(-ESRCH);

	if (s->msg->dst_id != KDBUS_DST_ID_NAME && s->msg->dst_id != dst->id) {
		ret = -EREMCHG;
	} else if (kdbus_conn_is_activator(dst) &&
		   (s->msg->flags & KDBUS_MSG_NO_AUTO_START)) {
		ret = -EADDRNOTAVAIL;
	} else {
		s->dst_name_id = name_id;
		return dst;
	}
	kdbus_conn_unref(dst);
	return ERR_PTR(ret);
}

/* The receiver of a unicast, by name or by id, with a reference. */
static struct kdbus_conn *kdbus_send_find_dst(struct kdbus_conn *conn,
					      struct kdbus_staging *s)
{
	struct kdbus_conn *dst;

	if (s->dst_name)
		return kdbus_send_find_by_name(conn, s);
	if (s->msg->dst_id == KDBUS_DST_ID_NAME)
		return ERR_PTR(-EDESTADDRREQ);

	/* activators, monitors and policy holders take no unicasts by id */
	dst = kdbus_bus_find_conn_by_id(conn->bus, s->msg->dst_id);
	if (dst && (!kdbus_conn_is_ordinary(dst) ||
		    !kdbus_policy_may_see(conn, dst))) {
		kdbus_conn_unref(dst);
		dst = NULL;
	}
	return dst ?: ERR_PTR(-ENXIO);
}

/*
 * A broadcast is a signal selected by its bloom filter (whose size the
 * staging checked against the bus's); it cannot be answered, and it
 * carries no descriptors, which would be installed many times over.
 */
static int kdbus_send_broadcast_check(const struct kdbus_staging *staging)
{
	const struct kdbus_msg *msg = staging->msg;

	if (!(msg->flags & KDBUS_MSG_SIGNAL))
		return -EBADMSG;
	/* timeout_ns shares its place with cookie_reply: no answer either */
	if (msg->timeout_ns)
		return -ENOTUNIQ;
	if (!staging->bloom || staging->dst_name)
		return -EBADMSG;
	if (staging->n_fds)
		return -ENOTUNIQ;
	return 0;
}

/*
 * Give @dst its copy if it wants it. A receiver without room loses the
 * message and learns of it at its next RECV; only a fault in the sender's
 * own memory fails the broadcast.
 */
static int kdbus_send_broadcast_one(struct kdbus_conn *src,
				    struct kdbus_conn *dst,
				    struct kdbus_staging *staging)
{
	struct kdbus_queue_entry *entry;
	int ret;

	if (!kdbus_conn_active(dst) || !kdbus_conn_is_ordinary(dst))
		return 0;
	if (!kdbus_match_db_match_msg(dst->match_db, src, dst,
				      &staging->bloom->bloom_filter))
		return 0;
	/* anyone may broadcast; receiving needs the right to talk back */
	if (!kdbus_policy_may_talk(dst, src))
		return 0;

	entry = kdbus_staging_emit(staging, src, dst);
	if (IS_ERR(entry)) {
		ret = PTR_ERR(entry);
		if (ret == -EFAULT)
			return ret;
		kdbus_conn_lost_message(dst);
		return 0;
	}
	ret = kdbus_send_insert(dst, src->user->uid, entry, NULL);
	if (ret < 0 && ret != -ECONNRESET)
		kdbus_conn_lost_message(dst);
	return 0;
}

/*
 * One pass over the bus's subscribers to signals: every active connection
 * with a matching rule that may talk to @src gets a copy, charged to @src's
 * user. Receivers whose pool or quota is full lose it; the sender still
 * succeeds. Only -EFAULT fails it (receivers before the fault got it).
 */
static int kdbus_send_broadcast(struct kdbus_conn *src,
				struct kdbus_staging *staging)
{
	struct kdbus_conn **conns, *dst;
	unsigned int i, n;
	int ret;

	ret = kdbus_send_broadcast_check(staging);
	if (ret < 0)
		return ret;

	/*
	 * Only connections with a rule for signals are offered it, the
	 * sender too if one of its rules selects its own broadcast; without
	 * memory for their list, every connection is.
	 */
	conns = kdbus_bus_subscribers(src->bus, KDBUS_MATCH_KIND_SIGNAL, &n);
	if (!conns) {
		kdbus_bus_for_each_conn(dst, src->bus) {
			ret = kdbus_send_broadcast_one(src, dst, staging);
			if (ret < 0) {
				kdbus_conn_unref(dst);
				return ret;
			}
		}
		goto monitors;
	}
	for (i = 0; i < n; i++) {
		if (ret == 0)
			ret = kdbus_send_broadcast_one(src, conns[i], staging);
		kdbus_conn_unref(conns[i]);
	}
	kfree(conns);
	if (ret < 0)
		return ret;
monitors:
	kdbus_send_monitors(src, staging);
	return 0;
}

static void kdbus_send_notify_one(struct kdbus_conn *dst, u64 type,
				  const void *payload, size_t size)
{
	struct kdbus_queue_entry *entry;

	if (!kdbus_conn_active(dst) || !kdbus_conn_is_ordinary(dst))
		return;
	if (!kdbus_match_db_match_kernel(dst->match_db, type, payload))
		return;
	if (!kdbus_policy_may_see_notification(dst, type, payload))
		return;

	entry = kdbus_kmsg_emit(dst, 0, type, payload, size);
	if (IS_ERR(entry)) {
		kdbus_conn_lost_message(dst);
		return;
	}
	kdbus_send_queue_kernel(dst, entry);
}

/**
 * kdbus_send_broadcast_kernel() - deliver a kernel notification
 * @bus:	bus
 * @type:	KDBUS_ITEM_* of the notification's item
 * @payload:	the item's payload
 * @size:	bytes in @payload
 *
 * Offered only to the connections with a rule for its kind (the bus's
 * subscriber lists), so that a connection coming or going costs what
 * its notifications cost, not a walk over the bus. Every one with a
 * matching rule that may see it gets a copy; one without room counts it
 * as lost, and so does every subscriber if there is no memory to find
 * them.
 */
void kdbus_send_broadcast_kernel(struct kdbus_bus *bus, u64 type,
				 const void *payload, size_t size)
{
	int kind = kdbus_match_kind(type);
	struct kdbus_conn **conns, *dst;
	unsigned int i, n;

	if (WARN_ON(kind < 0))
		return;
	conns = kdbus_bus_subscribers(bus, kind, &n);
	if (!conns) {
		kdbus_bus_for_each_conn(dst, bus)
			if (!list_empty_careful(&dst->subscribed[kind]))
				kdbus_conn_lost_message(dst);
		return;
	}
	for (i = 0; i < n; i++) {
		kdbus_send_notify_one(conns[i], type, payload, size);
		kdbus_conn_unref(conns[i]);
	}
	kfree(conns);
}

/* What a message must be before it goes anywhere. */
static int kdbus_send_check(struct kdbus_conn *conn,
			    const struct kdbus_msg *msg, bool sync)
{
	if (msg->payload_type == KDBUS_PAYLOAD_KERNEL ||
	    (msg->src_id && msg->src_id != conn->id))
		return -EINVAL;
	if (!(msg->flags & KDBUS_MSG_EXPECT_REPLY))
		return sync ? -EINVAL : 0;
	if (!msg->timeout_ns)
		return -EINVAL;
	/* a request to everybody, or a signal, has no one answer */
	if ((msg->flags & KDBUS_MSG_SIGNAL) ||
	    msg->dst_id == KDBUS_DST_ID_BROADCAST)
		return -ENOTUNIQ;
	if (sync && ktime_get_ns() >= msg->timeout_ns)
		return -ETIMEDOUT;
	return 0;
}

/**
 * kdbus_send() - send a staged message
 * @conn:	sending connection, active for the call
 * @staging:	the message, validated
 * @sync:	KDBUS_SEND_SYNC_REPLY: wait for the reply
 * @cancel:	for @sync, a file whose becoming readable ends the wait with
 *		-ECANCELED; or NULL
 * @info:	for @sync, set to where the reply is in @conn's pool
 *
 * A broadcast goes to every connection that matches it; a message with a
 * reply cookie (and no EXPECT_REPLY) is the answer to a request; anything
 * else is a unicast to a name or an id.
 *
 * Return: 0 or a negative error code; see Documentation's send errors.
 */
int kdbus_send(struct kdbus_conn *conn, struct kdbus_staging *staging,
	       bool sync, struct file *cancel, struct kdbus_msg_info *info)
{
	struct kdbus_msg *msg = staging->msg;
	struct kdbus_conn *dst;
	int ret;

	ret = kdbus_send_check(conn, msg, sync);
	if (ret < 0)
		return ret;
	if (msg->dst_id == KDBUS_DST_ID_BROADCAST)
		return kdbus_send_broadcast(conn, staging);

	dst = kdbus_send_find_dst(conn, staging);
	if (IS_ERR(dst))
		return PTR_ERR(dst);
	staging->dst_id = dst->id;
	if (!(msg->flags & KDBUS_MSG_EXPECT_REPLY) && msg->cookie_reply)
		ret = kdbus_send_reply(conn, dst, staging);
	else
		ret = kdbus_send_unicast(conn, dst, staging, sync, cancel,
					 info);
	kdbus_conn_unref(dst);
	return ret;
}
