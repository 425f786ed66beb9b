// SPDX-License-Identifier: GPL-2.0
/*
 * Connections: HELLO, BYEBYE, SEND, RECV, FREE.
 */

#include <linux/cred.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/kdbus.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/xarray.h>

#include "bus.h"
#include "connection.h"
#include "domain.h"
#include "endpoint.h"
#include "item.h"
#include "limits.h"
#include "match.h"
#include "message.h"
#include "metadata.h"
#include "names.h"
#include "notify.h"
#include "policy.h"
#include "pool.h"
#include "queue.h"
#include "reply.h"
#include "user.h"

/**
 * struct kdbus_quota - what one sending user has queued at a connection
 * @msgs:	queued messages
 * @fds:	queued files
 * @memory:	bytes of the receiver's pool those messages hold
 */
struct kdbus_quota {
	unsigned int msgs;
	unsigned int fds;
	size_t memory;
};

static void kdbus_conn_free_rcu(struct rcu_head *rcu)
{
	kfree(container_of(rcu, struct kdbus_conn, rcu));
}

static void kdbus_conn_free(struct kref *kref)
{
	struct kdbus_conn *conn = container_of(kref, struct kdbus_conn, kref);

	WARN_ON(kdbus_conn_active(conn));
	WARN_ON(conn->queue.count);
	WARN_ON(!list_empty(&conn->reply_list));

	xa_destroy(&conn->quota);
	kdbus_pool_free(conn->pool);
	kdbus_user_unref(conn->user);
	kdbus_ep_unref(conn->ep);
	put_cred(conn->cred);
	kfree(conn->description);
	kfree(conn->seclabel);
	kdbus_meta_view_clear(&conn->view);
	kdbus_meta_proc_unref(conn->proc);
	kdbus_match_db_free(conn->match_db);
	/* lookups by id run under RCU */
	call_rcu(&conn->rcu, kdbus_conn_free_rcu);
}

/**
 * kdbus_conn_ref() - take a memory reference on a connection
 * @conn:	connection, may be NULL
 *
 * Return: @conn
 */
struct kdbus_conn *kdbus_conn_ref(struct kdbus_conn *conn)
{
	if (conn)
		kref_get(&conn->kref);
	return conn;
}

/**
 * kdbus_conn_unref() - drop a memory reference on a connection
 * @conn:	connection, may be NULL
 */
void kdbus_conn_unref(struct kdbus_conn *conn)
{
	if (conn)
		kref_put(&conn->kref, kdbus_conn_free);
}

/**
 * kdbus_conn_acquire() - take an active reference for an operation
 * @conn:	connection
 *
 * Return: true unless the connection is disconnected.
 */
bool kdbus_conn_acquire(struct kdbus_conn *conn)
{
	return kdbus_active_acquire(&conn->active);
}

/**
 * kdbus_conn_release() - end an operation on a connection
 * @conn:	connection, may be NULL
 */
void kdbus_conn_release(struct kdbus_conn *conn)
{
	if (conn)
		kdbus_active_release(&conn->active, &conn->wait);
}

/**
 * kdbus_conn_active() - whether a connection is connected
 * @conn:	connection
 *
 * Return: true until it starts disconnecting.
 */
bool kdbus_conn_active(struct kdbus_conn *conn)
{
	return kdbus_active_is_active(&conn->active);
}

/**
 * kdbus_conn_lost_message() - count a message that could not be queued
 * @conn:	connection that missed it
 */
void kdbus_conn_lost_message(struct kdbus_conn *conn)
{
	mutex_lock(&conn->lock);
	conn->lost++;
	mutex_unlock(&conn->lock);
	wake_up_interruptible_poll(&conn->wait, EPOLLIN | EPOLLRDNORM);
}

static void kdbus_conn_work(struct work_struct *work)
{
	struct kdbus_conn *conn = container_of(to_delayed_work(work),
					       struct kdbus_conn, work);

	kdbus_reply_work(conn);
}

/*
 * Quota: a user other than the receiver's own may have at most
 * KDBUS_CONN_MAX_MSGS messages and KDBUS_CONN_MAX_FDS_PER_USER files queued
 * at one connection, and never more pool bytes than remain free after the
 * message: at most half of the pool while alone, less as others queue too,
 * so no sender can starve the receiver of room for everybody else.
 */
static int kdbus_conn_quota_inc(struct kdbus_conn *conn,
				struct kdbus_user *user,
				struct kdbus_queue_entry *entry)
{
	size_t size = kdbus_pool_slice_size(entry->slice);
	unsigned int n_files = entry->n_fds + entry->n_memfds;
	unsigned long key = __kuid_val(user->uid);
	struct kdbus_quota *q;
	size_t avail;

	lockdep_assert_held(&conn->lock);

	if (user == conn->user)
		return 0;

	q = xa_load(&conn->quota, key);
	if (!q) {
		q = kzalloc(sizeof(*q), GFP_KERNEL_ACCOUNT);
		if (!q)
			return -ENOMEM;
		if (xa_err(xa_store(&conn->quota, key, q,
				    GFP_KERNEL_ACCOUNT))) {
			kfree(q);
			return -ENOMEM;
		}
	}

	/* the slice is allocated already: what is free now is left after it */
	avail = kdbus_pool_size(conn->pool) - kdbus_pool_used(conn->pool);
	if (q->msgs >= KDBUS_CONN_MAX_MSGS || q->memory + size > avail)
		return -ENOBUFS;
	if (q->fds + n_files > KDBUS_CONN_MAX_FDS_PER_USER)
		return -EMFILE;

	q->msgs++;
	q->fds += n_files;
	q->memory += size;
	entry->user = kdbus_user_ref(user);
	entry->charged = size;
	return 0;
}

/*
 * Give back (@sign -1) what a dequeued entry was charged, or charge it
 * again (+1) when it goes back on the queue; quota records live until
 * the connection goes.
 */
static void kdbus_conn_quota_adjust(struct kdbus_conn *conn,
				    struct kdbus_queue_entry *entry, int sign)
{
	struct kdbus_quota *q;

	lockdep_assert_held(&conn->lock);

	if (!entry->user)
		return;
	q = xa_load(&conn->quota, __kuid_val(entry->user->uid));
	if (WARN_ON(!q))
		return;
	q->msgs += sign;
	q->fds += sign * (int)(entry->n_fds + entry->n_memfds);
	q->memory += sign * (ssize_t)entry->charged;
}

/*
 * Queue an entry at @dst. With @user, the entry is charged to that user's
 * quota; with @reply, the reply becomes expected from @dst. The entry is
 * consumed either way.
 */
static int kdbus_conn_entry_insert(struct kdbus_conn *dst,
				   struct kdbus_user *user,
				   struct kdbus_queue_entry *entry,
				   struct kdbus_reply *reply)
{
	int ret = 0;

	mutex_lock(&dst->lock);
	if (!kdbus_conn_active(dst)) {
		ret = -ECONNRESET;
		goto exit;
	}
	if (user) {
		ret = kdbus_conn_quota_inc(dst, user, entry);
		if (ret < 0)
			goto exit;
	}
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

/*
 * Put @entry, taken off another connection's queue, into @dst's pool and
 * queue, charged to its sender again. A request keeps being expected, now
 * from @dst. Consumes the entry.
 */
static int kdbus_conn_entry_move(struct kdbus_conn *dst,
				 struct kdbus_queue_entry *entry)
{
	struct kdbus_reply *reply = entry->reply;
	struct kdbus_user *user = entry->user;
	struct kdbus_pool_slice *slice;
	int ret;

	entry->reply = NULL;
	entry->user = NULL;
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
		kdbus_conn_unref(reply->reply_dst);
		reply->reply_dst = kdbus_conn_ref(dst);
		atomic_inc(&reply->reply_src->n_requests);
	}
	ret = kdbus_conn_entry_insert(dst, user, entry, reply);
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
	kdbus_user_unref(user);
	return ret;
}

/**
 * kdbus_conn_eavesdrop() - give every monitor of the bus a copy
 * @src:	sender
 * @s:		the message, delivered to its receiver already
 *
 * A monitor that has no room loses the copy (dropped_msgs); the sender
 * never learns of monitors.
 */
void kdbus_conn_eavesdrop(struct kdbus_conn *src, struct kdbus_staging *s)
{
	struct kdbus_bus *bus = src->bus;
	struct kdbus_queue_entry *entry;
	struct kdbus_conn *mon;

	if (list_empty_careful(&bus->monitors))
		return;
	mutex_lock(&bus->monitors_lock);
	list_for_each_entry(mon, &bus->monitors, monitor_entry) {
		entry = kdbus_staging_emit(s, src, mon);
		if (IS_ERR(entry) ||
		    kdbus_conn_entry_insert(mon, src->user, entry, NULL) < 0)
			kdbus_conn_lost_message(mon);
	}
	mutex_unlock(&bus->monitors_lock);
}

/**
 * kdbus_conn_move_messages() - hand queued messages to another connection
 * @dst:	connection taking them over
 * @src:	connection they wait at (an activator, or a name's owner)
 * @name_id:	only messages sent to this name entry; 0 for all
 *
 * Used when a name changes hands between its activator and a real owner.
 * A message that does not fit at @dst is lost there (dropped_msgs), and a
 * request among them gets REPLY_DEAD.
 */
void kdbus_conn_move_messages(struct kdbus_conn *dst, struct kdbus_conn *src,
			      u64 name_id)
{
	struct kdbus_queue_entry *entry, *tmp;
	LIST_HEAD(list);

	mutex_lock(&src->lock);
	list_for_each_entry_safe(entry, tmp, &src->queue.msg_list, entry) {
		if (name_id && entry->dst_name_id != name_id)
			continue;
		kdbus_queue_remove(&src->queue, entry);
		kdbus_conn_quota_adjust(src, entry, -1);
		/* expected from @dst from now on; the entry keeps its ref */
		if (entry->reply)
			kdbus_reply_unlink(entry->reply);
		list_add_tail(&entry->entry, &list);
	}
	mutex_unlock(&src->lock);

	list_for_each_entry_safe(entry, tmp, &list, entry) {
		list_del_init(&entry->entry);
		kdbus_conn_entry_move(dst, entry);
	}
}

/**
 * kdbus_conn_queue_kernel() - queue a kernel notification
 * @conn:	receiving connection
 * @entry:	notification, consumed
 *
 * A notification that cannot be queued counts as a lost message.
 */
void kdbus_conn_queue_kernel(struct kdbus_conn *conn,
			     struct kdbus_queue_entry *entry)
{
	if (kdbus_conn_entry_insert(conn, NULL, entry, NULL) < 0)
		kdbus_conn_lost_message(conn);
}

/**
 * kdbus_conn_queue_user() - queue a message charged to its sender's user
 * @conn:	receiving connection
 * @user:	the sending connection's user; its quota at @conn is charged
 * @entry:	the message, consumed
 *
 * Return: 0, -ECONNRESET (@conn is disconnecting), -ENOBUFS or -EMFILE
 * (@user's quota at @conn is used up), -ENOMEM.
 */
int kdbus_conn_queue_user(struct kdbus_conn *conn, struct kdbus_user *user,
			  struct kdbus_queue_entry *entry)
{
	return kdbus_conn_entry_insert(conn, user, entry, NULL);
}

/* Forget every reply @conn waits for: nobody will take the answers. */
static void kdbus_conn_purge_requests(struct kdbus_conn *conn)
{
	struct kdbus_reply *reply, *tmp;
	struct kdbus_conn *peer;
	unsigned long id;
	LIST_HEAD(dead);

	for (peer = NULL, id = 0;
	     (peer = kdbus_bus_next_conn(conn->bus, &id, peer));) {
		mutex_lock(&peer->lock);
		list_for_each_entry_safe(reply, tmp, &peer->reply_list, entry) {
			if (reply->reply_src != conn)
				continue;
			list_move_tail(&reply->entry, &dead);
			reply->linked = false;
			atomic_dec(&conn->n_requests);
		}
		mutex_unlock(&peer->lock);
	}
	list_for_each_entry_safe(reply, tmp, &dead, entry) {
		list_del_init(&reply->entry);
		kdbus_reply_unref(reply);
	}
}

/**
 * kdbus_conn_disconnect() - disconnect a connection
 * @conn:		connection
 * @ensure_queue_empty:	fail with -EBUSY if messages are queued (BYEBYE)
 *
 * The emptiness check and the deactivation happen under the connection's
 * lock, which every sender takes to queue: nothing can slip in between, so
 * a successful BYEBYE never loses a message. The caller must not hold an
 * active reference.
 *
 * Return: 0, -EBUSY, or -EALREADY if it is disconnected already.
 */
int kdbus_conn_disconnect(struct kdbus_conn *conn, bool ensure_queue_empty)
{
	struct kdbus_queue_entry *entry, *etmp;
	struct kdbus_reply *reply, *rtmp;
	struct kdbus_quota *q;
	LIST_HEAD(interrupted);
	LIST_HEAD(entries);
	LIST_HEAD(replies);
	unsigned long key;

	mutex_lock(&conn->lock);
	if (!kdbus_conn_active(conn)) {
		mutex_unlock(&conn->lock);
		return -EALREADY;
	}
	if (ensure_queue_empty && conn->queue.count) {
		mutex_unlock(&conn->lock);
		return -EBUSY;
	}
	kdbus_active_deactivate(&conn->active);
	mutex_unlock(&conn->lock);

	/* synchronous senders and pollers see the deactivation and leave */
	wake_up_all(&conn->wait);
	kdbus_active_drain(&conn->active, &conn->wait);
	if (!kdbus_active_cleanup(&conn->active))
		return 0;

	cancel_delayed_work_sync(&conn->work);
	xa_erase(&conn->bus->conns, conn->id);
	if (kdbus_conn_is_monitor(conn)) {
		mutex_lock(&conn->bus->monitors_lock);
		list_del_init(&conn->monitor_entry);
		mutex_unlock(&conn->bus->monitors_lock);
	}

	/* names go first: their owner changes before the owner leaves */
	kdbus_name_release_all(conn);
	if (kdbus_conn_is_policy_holder(conn))
		kdbus_policy_remove_owner(&conn->bus->policy_db, conn);
	if (!kdbus_conn_is_monitor(conn)) {
		kdbus_notify_id_change(conn->bus, KDBUS_ITEM_ID_REMOVE,
				       conn->id, conn->flags);
		kdbus_notify_flush(conn->bus);
	}

	mutex_lock(&conn->lock);
	list_splice_init(&conn->queue.msg_list, &entries);
	kdbus_queue_init(&conn->queue);
	list_for_each_entry_safe(reply, rtmp, &conn->reply_list, entry) {
		list_move_tail(&reply->entry, &replies);
		reply->linked = false;
		atomic_dec(&reply->reply_src->n_requests);
	}
	xa_for_each(&conn->quota, key, q) {
		xa_erase(&conn->quota, key);
		kfree(q);
	}
	list_for_each_entry_safe(reply, rtmp, &conn->interrupted, src_entry)
		list_move_tail(&reply->src_entry, &interrupted);
	conn->n_interrupted = 0;
	mutex_unlock(&conn->lock);

	list_for_each_entry_safe(reply, rtmp, &interrupted, src_entry) {
		list_del_init(&reply->src_entry);
		kdbus_reply_unref(reply);
	}

	/* requests it will never answer */
	list_for_each_entry_safe(reply, rtmp, &replies, entry) {
		list_del_init(&reply->entry);
		kdbus_reply_dead(reply);
		kdbus_reply_unref(reply);
	}
	list_for_each_entry_safe(entry, etmp, &entries, entry) {
		list_del_init(&entry->entry);
		kdbus_queue_entry_free(entry);
	}

	kdbus_conn_purge_requests(conn);
	kdbus_user_uncharge(conn->user, KDBUS_USER_CONNECTIONS);
	return 0;
}

static struct kdbus_conn *kdbus_conn_new(struct kdbus_ep *ep,
					 struct file *file, bool privileged,
					 const struct kdbus_meta_view *view,
					 const struct kdbus_cmd_hello *hello,
					 const char *description)
{
	struct kdbus_bus *bus = ep->bus;
	struct kdbus_conn *conn;
	char name[64];
	int ret;

	conn = kzalloc(sizeof(*conn), GFP_KERNEL_ACCOUNT);
	if (!conn)
		return ERR_PTR(-ENOMEM);

	kref_init(&conn->kref);
	kdbus_active_init(&conn->active);
	mutex_init(&conn->lock);
	init_waitqueue_head(&conn->wait);
	kdbus_queue_init(&conn->queue);
	INIT_LIST_HEAD(&conn->reply_list);
	atomic_set(&conn->n_requests, 0);
	INIT_LIST_HEAD(&conn->interrupted);
	xa_init(&conn->quota);
	INIT_DELAYED_WORK(&conn->work, kdbus_conn_work);
	INIT_LIST_HEAD(&conn->names_list);
	INIT_LIST_HEAD(&conn->names_queue_list);
	INIT_LIST_HEAD(&conn->monitor_entry);

	conn->flags = hello->flags;
	conn->attach_flags_send = hello->attach_flags_send;
	conn->attach_flags_recv = hello->attach_flags_recv;
	conn->ep = kdbus_ep_ref(ep);
	conn->bus = bus;
	/* identity and privilege: the endpoint file's opener's */
	conn->cred = get_cred(file->f_cred);
	conn->privileged = privileged;
	kdbus_meta_view_copy(&conn->view, view);
	conn->match_db = kdbus_match_db_new();
	if (IS_ERR(conn->match_db)) {
		ret = PTR_ERR(conn->match_db);
		conn->match_db = NULL;
		goto error;
	}
	if (view->seclabel) {
		conn->seclabel = kstrdup(view->seclabel, GFP_KERNEL_ACCOUNT);
		if (!conn->seclabel) {
			ret = -ENOMEM;
			goto error;
		}
	}
	/* CONN_INFO describes the task that said HELLO */
	conn->proc = kdbus_meta_proc_new(_KDBUS_ATTACH_ALL);
	if (IS_ERR(conn->proc)) {
		ret = PTR_ERR(conn->proc);
		conn->proc = NULL;
		goto error;
	}

	if (description) {
		conn->description = kstrdup(description, GFP_KERNEL_ACCOUNT);
		if (!conn->description) {
			ret = -ENOMEM;
			goto error;
		}
	}

	conn->user = kdbus_user_lookup(bus->domain, conn->cred->euid);
	if (IS_ERR(conn->user)) {
		ret = PTR_ERR(conn->user);
		conn->user = NULL;
		goto error;
	}

	snprintf(name, sizeof(name), "kdbus-%s", bus->name);
	conn->pool = kdbus_pool_new(name, hello->pool_size);
	if (IS_ERR(conn->pool)) {
		ret = PTR_ERR(conn->pool);
		conn->pool = NULL;
		goto error;
	}
	return conn;

error:
	kdbus_active_deactivate(&conn->active);
	kdbus_conn_unref(conn);
	return ERR_PTR(ret);
}

/* HELLO returns the bus's bloom parameters in a slice of the new pool. */
static int kdbus_conn_hello_info(struct kdbus_conn *conn,
				 struct kdbus_cmd_hello *cmd)
{
	struct kdbus_pool_slice *slice;
	struct {
		struct kdbus_item_header {
			u64 size;
			u64 type;
		} hdr;
		struct kdbus_bloom_parameter bloom;
	} info = {
		.hdr.size = KDBUS_ITEM_HEADER_SIZE +
			    sizeof(struct kdbus_bloom_parameter),
		.hdr.type = KDBUS_ITEM_BLOOM_PARAMETER,
		.bloom = conn->bus->bloom,
	};
	struct kvec kvec = { .iov_base = &info, .iov_len = sizeof(info) };
	int ret;

	slice = kdbus_pool_slice_alloc(conn->pool, sizeof(info));
	if (IS_ERR(slice))
		return PTR_ERR(slice);
	ret = kdbus_pool_slice_copy_kvec(slice, 0, &kvec, 1, sizeof(info));
	if (ret < 0) {
		kdbus_pool_slice_release(slice);
		return ret;
	}
	kdbus_pool_slice_publish(slice, &cmd->offset, &cmd->items_size);
	kdbus_pool_slice_release(slice);
	return 0;
}

/*
 * Roles: an activator (one name), a policy holder (names with policy) or
 * a monitor, one at a time, each only for an opener privileged at open().
 */
static int kdbus_hello_check_role(const struct kdbus_cmd_hello *cmd,
				  const struct kdbus_args *args,
				  bool privileged)
{
	u64 roles = cmd->flags & (KDBUS_HELLO_ACTIVATOR |
				  KDBUS_HELLO_POLICY_HOLDER |
				  KDBUS_HELLO_MONITOR);
	const struct kdbus_item *item;
	unsigned int n_names = 0, n_policy = 0;
	size_t pos;

	for (pos = 0; pos < args->items_size;
	     pos += KDBUS_ALIGN8(item->size)) {
		item = (void *)((u8 *)args->items + pos);
		if (item->type == KDBUS_ITEM_NAME)
			n_names++;
		else if (item->type == KDBUS_ITEM_POLICY_ACCESS)
			n_policy++;
	}

	if (roles && !privileged)
		return -EPERM;
	if (hweight64(roles) > 1)
		return -EINVAL;
	switch (roles) {
	case KDBUS_HELLO_ACTIVATOR:
		return n_names == 1 && !n_policy ? 0 : -EINVAL;
	case KDBUS_HELLO_POLICY_HOLDER:
		return n_names ? 0 : -EINVAL;
	default:
		return n_names || n_policy ? -EINVAL : 0;
	}
}

/**
 * kdbus_cmd_hello() - handle KDBUS_CMD_HELLO
 * @ep:		endpoint of the file; active for the call
 * @file:	the endpoint file; its opener becomes the connection's owner
 * @privileged:	the opener was privileged at open()
 * @view:	the opener's namespaces, pinned at open()
 * @argp:	command payload
 *
 * Return: the new, active connection, NULL if only negotiation was asked
 * for, or ERR_PTR: -EINVAL (bad flags, items, attach flags, pool size),
 * -EOPNOTSUPP (activator, policy holder and monitor connections are not
 * implemented yet), -EMFILE (the opener's user has max_connections),
 * -ECONNREFUSED (attach_flags_send lacks what the bus requires),
 * -ESHUTDOWN (the bus is going away), -EFAULT, -ENOMEM.
 */
struct kdbus_conn *kdbus_cmd_hello(struct kdbus_ep *ep, struct file *file,
				   bool privileged,
				   const struct kdbus_meta_view *view,
				   void __user *argp)
{
	struct kdbus_cmd_hello __user *uhello = argp;
	struct kdbus_bus *bus = ep->bus;
	struct kdbus_conn *conn = NULL;
	struct kdbus_cmd_hello *cmd;
	u64 attach_send, attach_recv;
	bool charged = false;
	int ret;

	struct kdbus_arg argv[] = {
		{ .type = KDBUS_ITEM_NEGOTIATE },
		{ .type = KDBUS_ITEM_CONN_DESCRIPTION },
		{ .type = KDBUS_ITEM_NAME, .multiple = true },
		{ .type = KDBUS_ITEM_POLICY_ACCESS, .multiple = true },
	};
	struct kdbus_args args = {
		.allowed_flags = KDBUS_FLAG_NEGOTIATE |
				 KDBUS_HELLO_ACCEPT_FD |
				 KDBUS_HELLO_ACTIVATOR |
				 KDBUS_HELLO_POLICY_HOLDER |
				 KDBUS_HELLO_MONITOR,
		.argv = argv,
		.argc = ARRAY_SIZE(argv),
	};

	ret = kdbus_args_parse(&args, argp, &cmd);
	if (ret < 0)
		return ERR_PTR(ret);
	if (ret > 0) {
		ret = kdbus_args_clear(&args, 0);
		return ret < 0 ? ERR_PTR(ret) : NULL;
	}

	ret = kdbus_hello_check_role(cmd, &args, privileged);
	if (ret < 0)
		goto exit;
	if (!cmd->pool_size || !PAGE_ALIGNED(cmd->pool_size) ||
	    cmd->pool_size > KDBUS_POOL_MAX_SIZE) {
		ret = -EINVAL;
		goto exit;
	}
	ret = kdbus_sanitize_attach_flags(cmd->attach_flags_send, &attach_send);
	if (ret < 0)
		goto exit;
	ret = kdbus_sanitize_attach_flags(cmd->attach_flags_recv, &attach_recv);
	if (ret < 0)
		goto exit;
	cmd->attach_flags_send = attach_send;
	cmd->attach_flags_recv = attach_recv;
	/* the bus's creator may insist on knowing who talks on it */
	if (bus->attach_flags_owner & ~attach_send) {
		ret = -ECONNREFUSED;
		goto exit;
	}

	conn = kdbus_conn_new(ep, file, privileged, view, cmd,
			      argv[1].item ? argv[1].item->str : NULL);
	if (IS_ERR(conn)) {
		ret = PTR_ERR(conn);
		conn = NULL;
		goto exit;
	}

	ret = kdbus_user_charge(conn->user, KDBUS_USER_CONNECTIONS,
				READ_ONCE(bus->domain->max_connections));
	if (ret < 0)
		goto exit;
	charged = true;

	ret = kdbus_conn_hello_info(conn, cmd);
	if (ret < 0)
		goto exit;

	/* the bus's shutdown drains this before it disconnects everyone */
	if (!kdbus_node_acquire(&bus->node)) {
		ret = -ESHUTDOWN;
		goto exit;
	}
	conn->id = atomic64_inc_return(&bus->last_conn_id);
	ret = xa_insert(&bus->conns, conn->id, conn, GFP_KERNEL_ACCOUNT);
	if (ret == 0)
		kdbus_active_activate(&conn->active);
	kdbus_node_release(&bus->node);
	if (ret < 0)
		goto exit;

	if (put_user(conn->id, &uhello->id) ||
	    put_user(bus->bus_flags, &uhello->bus_flags) ||
	    put_user(cmd->offset, &uhello->offset) ||
	    put_user(cmd->items_size, &uhello->items_size) ||
	    copy_to_user(uhello->id128, bus->id128, sizeof(bus->id128))) {
		ret = -EFAULT;
		goto exit;
	}
	if (!kdbus_conn_is_monitor(conn)) {
		kdbus_notify_id_change(bus, KDBUS_ITEM_ID_ADD, conn->id,
				       conn->flags);
		kdbus_notify_flush(bus);
	}
	if (kdbus_conn_is_activator(conn)) {
		if (kdbus_name_is_valid(argv[2].item->str, false))
			ret = kdbus_name_acquire_activator(conn,
							   argv[2].item->str);
		else
			ret = -EINVAL;
	}
	if (kdbus_conn_is_policy_holder(conn))
		ret = kdbus_policy_set(&bus->policy_db, args.items,
				       args.items_size, KDBUS_POLICY_MAX, true,
				       conn, conn->cred->user_ns);
	if (kdbus_conn_is_monitor(conn)) {
		mutex_lock(&bus->monitors_lock);
		list_add_tail(&conn->monitor_entry, &bus->monitors);
		mutex_unlock(&bus->monitors_lock);
	}

exit:
	ret = kdbus_args_clear(&args, ret);
	if (ret < 0) {
		if (conn && kdbus_conn_active(conn)) {
			kdbus_conn_disconnect(conn, false);
		} else if (conn) {
			kdbus_active_deactivate(&conn->active);
			if (charged)
				kdbus_user_uncharge(conn->user,
						    KDBUS_USER_CONNECTIONS);
		}
		kdbus_conn_unref(conn);
		return ERR_PTR(ret);
	}
	return conn;
}

/**
 * kdbus_cmd_byebye() - handle KDBUS_CMD_BYEBYE
 * @conn:	connection; the caller holds no active reference on it
 * @argp:	command payload
 *
 * Return: 0, -EBUSY if messages are queued, -EALREADY, or a parse error.
 */
int kdbus_cmd_byebye(struct kdbus_conn *conn, void __user *argp)
{
	struct kdbus_cmd *cmd;
	int ret;

	struct kdbus_arg argv[] = {
		{ .type = KDBUS_ITEM_NEGOTIATE },
	};
	struct kdbus_args args = {
		.allowed_flags = KDBUS_FLAG_NEGOTIATE,
		.argv = argv,
		.argc = ARRAY_SIZE(argv),
	};

	ret = kdbus_args_parse(&args, argp, &cmd);
	if (ret != 0)
		/* negotiation only: return flags go back, the copy is freed */
		return ret < 0 ? ret : kdbus_args_clear(&args, 0);

	ret = kdbus_conn_disconnect(conn, true);
	return kdbus_args_clear(&args, ret);
}

/**
 * kdbus_cmd_free() - handle KDBUS_CMD_FREE
 * @conn:	connection
 * @argp:	command payload
 *
 * Return: 0, -ENXIO if no published slice starts at the offset, or a
 * parse error.
 */
int kdbus_cmd_free(struct kdbus_conn *conn, void __user *argp)
{
	struct kdbus_cmd_free *cmd;
	int ret;

	struct kdbus_arg argv[] = {
		{ .type = KDBUS_ITEM_NEGOTIATE },
	};
	struct kdbus_args args = {
		.allowed_flags = KDBUS_FLAG_NEGOTIATE,
		.argv = argv,
		.argc = ARRAY_SIZE(argv),
	};

	ret = kdbus_args_parse(&args, argp, &cmd);
	if (ret != 0)
		/* negotiation only: return flags go back, the copy is freed */
		return ret < 0 ? ret : kdbus_args_clear(&args, 0);

	ret = kdbus_pool_release_offset(conn->pool, cmd->offset);
	return kdbus_args_clear(&args, ret);
}

/* Write an entry's metadata, translated for @conn's opener, once. */
static int kdbus_conn_install_meta(struct kdbus_conn *conn,
				   struct kdbus_queue_entry *entry)
{
	int ret;

	if (!entry->meta)
		return 0;
	ret = kdbus_meta_install(entry->meta, entry->slice, &conn->view);
	if (ret < 0)
		return ret;
	kdbus_meta_free(entry->meta);
	entry->meta = NULL;
	return 0;
}

/*
 * Deliver a received entry: install its files, publish its slice and fill
 * in @info. The entry is consumed.
 */
static int kdbus_conn_deliver(struct kdbus_conn *conn,
			      struct kdbus_queue_entry *entry,
			      struct kdbus_msg_info *info)
{
	bool incomplete;
	int ret;

	ret = kdbus_conn_install_meta(conn, entry);
	if (ret < 0)
		return ret;
	ret = kdbus_queue_entry_install(entry, &incomplete);
	if (ret < 0)
		return ret;
	kdbus_pool_slice_publish(entry->slice, &info->offset, &info->msg_size);
	if (incomplete)
		info->return_flags |= KDBUS_RECV_RETURN_INCOMPLETE_FDS;
	kdbus_queue_entry_free(entry);
	return 0;
}

/**
 * kdbus_cmd_recv() - handle KDBUS_CMD_RECV
 * @conn:	connection
 * @argp:	command payload
 *
 * Return: 0, -EAGAIN if no (matching) message is queued, or a negative
 * error code.
 */
int kdbus_cmd_recv(struct kdbus_conn *conn, void __user *argp)
{
	struct kdbus_cmd_recv __user *urecv = argp;
	struct kdbus_queue_entry *entry;
	struct kdbus_msg_info info = {};
	struct kdbus_cmd_recv *cmd;
	u64 dropped = 0;
	int ret;

	struct kdbus_arg argv[] = {
		{ .type = KDBUS_ITEM_NEGOTIATE },
	};
	struct kdbus_args args = {
		.allowed_flags = KDBUS_FLAG_NEGOTIATE |
				 KDBUS_RECV_PEEK |
				 KDBUS_RECV_DROP |
				 KDBUS_RECV_USE_PRIORITY,
		.argv = argv,
		.argc = ARRAY_SIZE(argv),
	};

	ret = kdbus_args_parse(&args, argp, &cmd);
	if (ret != 0)
		/* negotiation only: return flags go back, the copy is freed */
		return ret < 0 ? ret : kdbus_args_clear(&args, 0);

	/* "no message" reads as an offset just past the pool */
	info.offset = kdbus_pool_size(conn->pool);
	if ((cmd->flags & KDBUS_RECV_DROP) &&
	    (cmd->flags & KDBUS_RECV_USE_PRIORITY)) {
		ret = -EINVAL;
		goto exit;
	}

	/* once an entry is dequeued, its offset must reach user space */
	if (clear_user(&urecv->msg, sizeof(urecv->msg)) ||
	    put_user(0ULL, &urecv->dropped_msgs)) {
		ret = -EFAULT;
		goto exit;
	}

	mutex_lock(&conn->lock);
	entry = kdbus_queue_peek(&conn->queue, cmd->priority,
				 cmd->flags & KDBUS_RECV_USE_PRIORITY);
	if (!entry) {
		ret = -EAGAIN;
	} else if (cmd->flags & KDBUS_RECV_PEEK) {
		ret = kdbus_conn_install_meta(conn, entry);
		if (ret == 0)
			kdbus_pool_slice_publish(entry->slice, &info.offset,
						 &info.msg_size);
		entry = NULL;
	} else {
		kdbus_queue_remove(&conn->queue, entry);
		kdbus_conn_quota_adjust(conn, entry, -1);
		if ((cmd->flags & KDBUS_RECV_DROP) && entry->reply)
			kdbus_reply_unlink(entry->reply);
	}
	if (conn->lost) {
		dropped = conn->lost;
		conn->lost = 0;
		cmd->return_flags |= KDBUS_RECV_RETURN_DROPPED_MSGS;
	}
	mutex_unlock(&conn->lock);

	if (entry && (cmd->flags & KDBUS_RECV_DROP)) {
		/* a dropped request will never be answered */
		if (entry->reply)
			kdbus_reply_dead(entry->reply);
		kdbus_queue_entry_free(entry);
	} else if (entry) {
		ret = kdbus_conn_deliver(conn, entry, &info);
		if (ret < 0) {
			/* nothing was installed: keep it for the next RECV */
			mutex_lock(&conn->lock);
			kdbus_queue_add_head(&conn->queue, entry);
			kdbus_conn_quota_adjust(conn, entry, 1);
			mutex_unlock(&conn->lock);
		}
	}

	if (copy_to_user(&urecv->msg, &info, sizeof(info)) ||
	    put_user(dropped, &urecv->dropped_msgs))
		ret = -EFAULT;
exit:
	return kdbus_args_clear(&args, ret);
}

/*
 * Keep an interrupted synchronous request for its restart. Callers that
 * never restart must not pile them up: beyond the pending-request limit the
 * oldest is forgotten (its answer, should it come, is dropped with it).
 */
static struct kdbus_reply *
kdbus_conn_keep_interrupted(struct kdbus_conn *conn, struct kdbus_reply *reply)
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

/*
 * A synchronous sender waits here for its reply. The wait ends when the
 * reply object is finished, the deadline passes, a signal arrives, or the
 * sender's own connection goes away.
 */
static int kdbus_conn_wait_reply(struct kdbus_conn *conn,
				 struct kdbus_reply *reply,
				 struct kdbus_msg_info *info)
{
	struct kdbus_queue_entry *entry = NULL;
	struct kdbus_reply *evicted = NULL;
	u64 now = ktime_get_ns(), left = 0;
	bool unlink = false;
	int ret, err;

	/* a deadline centuries away is a long wait, not an overflow */
	if (reply->deadline_ns > now)
		left = min_t(u64, reply->deadline_ns - now, KTIME_MAX);
	ret = wait_event_interruptible_hrtimeout(conn->wait,
						 !READ_ONCE(reply->waiting) ||
						 !kdbus_conn_active(conn),
						 ns_to_ktime(left));

	mutex_lock(&conn->lock);
	if (!reply->waiting) {
		entry = reply->queue_entry;
		reply->queue_entry = NULL;
		err = reply->err;
	} else if (ret == -ERESTARTSYS) {
		/* stays expected: a restarted SEND picks the wait up again */
		evicted = kdbus_conn_keep_interrupted(conn, reply);
		err = -ERESTARTSYS;
	} else {
		reply->waiting = false;
		unlink = true;
		err = ret == -ETIME ? -ETIMEDOUT : -ECONNRESET;
	}
	mutex_unlock(&conn->lock);
	kdbus_reply_unref(evicted);

	if (unlink) {
		mutex_lock(&reply->reply_dst->lock);
		kdbus_reply_unlink(reply);
		mutex_unlock(&reply->reply_dst->lock);
	}
	if (!entry)
		return err;
	ret = kdbus_conn_deliver(conn, entry, info);
	if (ret < 0)
		kdbus_queue_entry_free(entry);	/* no caller to retry it */
	return ret;
}

/**
 * kdbus_conn_policy_talk() - whether a connection may talk to another
 * @conn:	the connection that wants to send
 * @to:		the receiver
 *
 * Decided from credentials pinned at open(): privileged connections and
 * connections of the same user may talk.
 *
 * Return: true if @conn may send to @to.
 */
bool kdbus_conn_policy_talk(struct kdbus_conn *conn, struct kdbus_conn *to)
{
	/* a custom endpoint's policy is always enforced */
	if (conn->ep->custom &&
	    !kdbus_name_policy_any(conn, to, &conn->ep->policy_db,
				   KDBUS_POLICY_TALK))
		return false;
	if (conn->privileged || uid_eq(conn->cred->euid, to->cred->euid))
		return true;
	/* or the bus policy lets it talk to a name @to owns */
	return kdbus_name_policy_any(conn, to, &conn->bus->policy_db,
				     KDBUS_POLICY_TALK);
}

/**
 * kdbus_conn_policy_own_name() - whether a connection may own a name
 * @conn:	connection
 * @name:	well-known name
 *
 * Return: true if @conn is privileged or the bus policy lets its opener
 * own @name.
 */
bool kdbus_conn_policy_own_name(struct kdbus_conn *conn, const char *name)
{
	if (kdbus_ep_policy_query(conn->ep, conn->cred, name) <
	    KDBUS_POLICY_OWN)
		return false;
	if (conn->privileged)
		return true;
	return kdbus_policy_query(&conn->bus->policy_db, conn->cred,
				  name) >= KDBUS_POLICY_OWN;
}

/**
 * kdbus_conn_policy_see() - whether a connection may see another
 * @conn:	connection looking
 * @whom:	connection looked at
 *
 * Return: true if @conn may learn of @whom.
 */
bool kdbus_conn_policy_see(struct kdbus_conn *conn, struct kdbus_conn *whom)
{
	/* through a custom endpoint only peers with a visible name exist */
	return !conn->ep->custom ||
	       kdbus_name_policy_any(conn, whom, &conn->ep->policy_db,
				     KDBUS_POLICY_SEE);
}

/**
 * kdbus_conn_policy_see_name() - whether a connection may see a name
 * @conn:	connection looking
 * @name:	well-known name
 *
 * Return: true if @conn may learn of @name.
 */
bool kdbus_conn_policy_see_name(struct kdbus_conn *conn, const char *name)
{
	return kdbus_ep_policy_query(conn->ep, conn->cred, name) >=
	       KDBUS_POLICY_SEE;
}

/**
 * kdbus_conn_policy_see_notification() - whether a notification is visible
 * @conn:	receiver
 * @type:	KDBUS_ITEM_* of the notification
 * @payload:	its payload
 *
 * Return: true if @conn may see what the notification tells.
 */
bool kdbus_conn_policy_see_notification(struct kdbus_conn *conn, u64 type,
					const void *payload)
{
	const struct kdbus_notify_name_change *nc = payload;

	switch (type) {
	case KDBUS_ITEM_NAME_ADD:
	case KDBUS_ITEM_NAME_REMOVE:
	case KDBUS_ITEM_NAME_CHANGE:
		return kdbus_conn_policy_see_name(conn,
						  (const char *)(nc + 1));
	default:
		/* connections coming and going are no secret */
		return true;
	}
}

/* The interrupted synchronous request that a restarted call resumes. */
static struct kdbus_reply *
kdbus_conn_find_interrupted(struct kdbus_conn *conn, struct kdbus_conn *dst,
			    u64 cookie)
{
	struct kdbus_reply *reply;

	mutex_lock(&conn->lock);
	list_for_each_entry(reply, &conn->interrupted, src_entry) {
		if (reply->reply_dst == dst && reply->cookie == cookie) {
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
 * Send @s as the answer @reply expected. A synchronous caller learns of an
 * answer that cannot reach it: EREMOTEIO if it does not take the files the
 * answer carries, the replier's own error otherwise.
 */
static int kdbus_conn_send_reply(struct kdbus_conn *conn,
				 struct kdbus_conn *dst,
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
	if (reply->sync && kdbus_reply_finish_sync(reply, 0, entry))
		return 0;
	/* asynchronous, or the caller gave up waiting: an ordinary message */
	return kdbus_conn_entry_insert(dst, conn->user, entry, NULL);
}

/*
 * An answer that failed leaves its caller without a request to wait for:
 * tell it, so that it does not wait for a timeout that will never come.
 */
static int kdbus_conn_reply(struct kdbus_conn *conn, struct kdbus_conn *dst,
			    struct kdbus_staging *s, struct kdbus_reply *reply)
{
	int ret;

	ret = kdbus_conn_send_reply(conn, dst, s, reply);
	if (ret < 0 && !reply->sync)
		kdbus_notify_reply(dst, reply->cookie, KDBUS_ITEM_REPLY_DEAD);
	if (ret == 0)
		kdbus_conn_eavesdrop(conn, s);
	return ret;
}

static int kdbus_conn_unicast(struct kdbus_conn *conn, struct kdbus_conn *dst,
			      struct kdbus_staging *s, bool sync,
			      struct kdbus_msg_info *info)
{
	struct kdbus_msg *msg = s->msg;
	struct kdbus_queue_entry *entry;
	struct kdbus_reply *reply = NULL;
	int ret;

	if (!(msg->flags & KDBUS_MSG_EXPECT_REPLY) && msg->cookie_reply) {
		/* an answer: the request granted the right to talk back */
		mutex_lock(&conn->lock);
		reply = kdbus_reply_find(conn, dst, msg->cookie_reply);
		if (reply) {
			kdbus_reply_ref(reply);
			kdbus_reply_unlink(reply);
		}
		mutex_unlock(&conn->lock);
		if (!reply)
			return -EBADSLT;
		ret = kdbus_conn_reply(conn, dst, s, reply);
		kdbus_reply_unref(reply);
		return ret;
	}

	if (s->n_fds && !(dst->flags & KDBUS_HELLO_ACCEPT_FD))
		return -ECOMM;
	if (!kdbus_conn_policy_talk(conn, dst))
		return -EPERM;

	if (msg->flags & KDBUS_MSG_EXPECT_REPLY) {
		if (sync) {
			reply = kdbus_conn_find_interrupted(conn, dst,
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
		if (!reply) {
			atomic_dec(&conn->n_requests);
			return -ENOMEM;
		}
	}

	entry = kdbus_staging_emit(s, conn, dst);
	if (IS_ERR(entry)) {
		ret = PTR_ERR(entry);
		goto exit_unaccount;
	}
	ret = kdbus_conn_entry_insert(dst, conn->user, entry, reply);
	if (ret < 0)
		goto exit_unaccount;
	kdbus_conn_eavesdrop(conn, s);
	if (!sync)
		goto exit;

wait:
	ret = kdbus_conn_wait_reply(conn, reply, info);
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
static struct kdbus_conn *kdbus_conn_find_by_name(struct kdbus_conn *conn,
						  struct kdbus_staging *s,
						  int *err)
{
	const char *name = s->dst_name->str;
	struct kdbus_conn *dst;
	u64 name_id = 0;

	if (!kdbus_name_is_valid(name, false)) {
		*err = -EINVAL;
		return NULL;
	}
	/* a name the connection may not see is nobody's */
	if (!kdbus_conn_policy_see_name(conn, name)) {
		*err = -ESRCH;
		return NULL;
	}
	dst = kdbus_name_lookup(conn->bus, name, &name_id);
	if (!dst) {
		*err = -ESRCH;
		return NULL;
	}
	if (s->msg->dst_id != KDBUS_DST_ID_NAME && s->msg->dst_id != dst->id) {
		*err = -EREMCHG;
	} else if (kdbus_conn_is_activator(dst) &&
		   (s->msg->flags & KDBUS_MSG_NO_AUTO_START)) {
		*err = -EADDRNOTAVAIL;
	} else {
		s->dst_name_id = name_id;
		return dst;
	}
	kdbus_conn_unref(dst);
	return NULL;
}

/**
 * kdbus_cmd_send() - handle KDBUS_CMD_SEND
 * @conn:	sending connection
 * @file:	its file
 * @argp:	command payload
 *
 * Return: 0 or a negative error code; see Documentation.
 */
int kdbus_cmd_send(struct kdbus_conn *conn, struct file *file,
		   void __user *argp)
{
	struct kdbus_cmd_send __user *usend = argp;
	struct kdbus_staging *staging = NULL;
	struct kdbus_msg_info info = {};
	struct kdbus_conn *dst = NULL;
	struct kdbus_cmd_send *cmd;
	struct kdbus_msg *msg;
	bool sync;
	int ret;

	struct kdbus_arg argv[] = {
		{ .type = KDBUS_ITEM_NEGOTIATE },
	};
	struct kdbus_args args = {
		.allowed_flags = KDBUS_FLAG_NEGOTIATE | KDBUS_SEND_SYNC_REPLY,
		.argv = argv,
		.argc = ARRAY_SIZE(argv),
	};

	/* monitors only listen; activators and policy holders hold */
	if (!kdbus_conn_is_ordinary(conn))
		return -EOPNOTSUPP;

	ret = kdbus_args_parse(&args, argp, &cmd);
	if (ret != 0)
		/* negotiation only: return flags go back, the copy is freed */
		return ret < 0 ? ret : kdbus_args_clear(&args, 0);
	sync = cmd->flags & KDBUS_SEND_SYNC_REPLY;
	/* a reply taken off the queue must have somewhere to go */
	if (sync && clear_user(&usend->reply, sizeof(usend->reply))) {
		ret = -EFAULT;
		goto exit;
	}

	staging = kdbus_staging_new_user(conn, cmd->msg_address);
	if (IS_ERR(staging)) {
		ret = PTR_ERR(staging);
		staging = NULL;
		goto exit;
	}
	msg = staging->msg;

	if (msg->payload_type == KDBUS_PAYLOAD_KERNEL ||
	    (msg->src_id && msg->src_id != conn->id)) {
		ret = -EINVAL;
		goto exit;
	}
	if (msg->flags & KDBUS_MSG_EXPECT_REPLY) {
		if (!msg->timeout_ns) {
			ret = -EINVAL;
			goto exit;
		}
		/* a request to everybody, or a signal, has no one answer */
		if ((msg->flags & KDBUS_MSG_SIGNAL) ||
		    msg->dst_id == KDBUS_DST_ID_BROADCAST) {
			ret = -ENOTUNIQ;
			goto exit;
		}
		if (sync && ktime_get_ns() >= msg->timeout_ns) {
			ret = -ETIMEDOUT;
			goto exit;
		}
	} else if (sync) {
		ret = -EINVAL;
		goto exit;
	}

	if (msg->dst_id == KDBUS_DST_ID_BROADCAST) {
		ret = kdbus_bus_broadcast(conn->bus, conn, staging);
		goto exit;
	}
	if (staging->dst_name) {
		dst = kdbus_conn_find_by_name(conn, staging, &ret);
		if (!dst)
			goto exit;
	} else if (msg->dst_id == KDBUS_DST_ID_NAME) {
		ret = -EDESTADDRREQ;
		goto exit;
	} else {
		dst = kdbus_bus_find_conn_by_id(conn->bus, msg->dst_id);
		if (dst && !kdbus_conn_policy_see(conn, dst)) {
			kdbus_conn_unref(dst);
			dst = NULL;
		}
		if (!dst) {
			ret = -ENXIO;
			goto exit;
		}
	}

	staging->dst_id = dst->id;
	ret = kdbus_conn_unicast(conn, dst, staging, sync, &info);
	if (ret == 0 && sync &&
	    copy_to_user(&usend->reply, &info, sizeof(info)))
		ret = -EFAULT;

exit:
	kdbus_conn_unref(dst);
	kdbus_staging_free(staging);
	return kdbus_args_clear(&args, ret);
}

/**
 * kdbus_cmd_update() - handle KDBUS_CMD_UPDATE
 * @conn:	connection
 * @argp:	command payload
 *
 * Changes the connection's attach masks and, for a policy holder, replaces
 * its part of the bus policy (NAME and POLICY_ACCESS items).
 *
 * Return: 0, -EINVAL (bad mask or item), -ECONNREFUSED (the send mask
 * lacks what the bus requires), -EOPNOTSUPP (policy items from a
 * connection that holds no policy), -EEXIST, -E2BIG (policy), or a parse
 * error.
 */
int kdbus_cmd_update(struct kdbus_conn *conn, void __user *argp)
{
	u64 send = 0, recv = 0;
	struct kdbus_cmd *cmd;
	int ret;

	struct kdbus_arg argv[] = {
		{ .type = KDBUS_ITEM_NEGOTIATE },
		{ .type = KDBUS_ITEM_ATTACH_FLAGS_SEND },
		{ .type = KDBUS_ITEM_ATTACH_FLAGS_RECV },
		{ .type = KDBUS_ITEM_NAME, .multiple = true },
		{ .type = KDBUS_ITEM_POLICY_ACCESS, .multiple = true },
	};
	struct kdbus_args args = {
		.allowed_flags = KDBUS_FLAG_NEGOTIATE,
		.argv = argv,
		.argc = ARRAY_SIZE(argv),
	};

	ret = kdbus_args_parse(&args, argp, &cmd);
	if (ret != 0)
		/* negotiation only: return flags go back, the copy is freed */
		return ret < 0 ? ret : kdbus_args_clear(&args, 0);

	if ((argv[3].item || argv[4].item) &&
	    !kdbus_conn_is_policy_holder(conn)) {
		ret = -EOPNOTSUPP;
		goto exit;
	}
	if (argv[1].item) {
		ret = kdbus_sanitize_attach_flags(argv[1].item->data64[0],
						  &send);
		if (ret < 0)
			goto exit;
		if (conn->bus->attach_flags_owner & ~send) {
			ret = -ECONNREFUSED;
			goto exit;
		}
	}
	if (argv[2].item) {
		ret = kdbus_sanitize_attach_flags(argv[2].item->data64[0],
						  &recv);
		if (ret < 0)
			goto exit;
	}

	/* a holder's policy is replaced whole; ids read in its opener's ns */
	if (kdbus_conn_is_policy_holder(conn) &&
	    (argv[3].item || argv[4].item)) {
		ret = kdbus_policy_set(&conn->bus->policy_db, args.items,
				       args.items_size, KDBUS_POLICY_MAX, true,
				       conn, conn->cred->user_ns);
		if (ret < 0)
			goto exit;
	}

	/* messages already queued keep the metadata they were sent with */
	if (argv[1].item)
		WRITE_ONCE(conn->attach_flags_send, send);
	if (argv[2].item)
		WRITE_ONCE(conn->attach_flags_recv, recv);
exit:
	return kdbus_args_clear(&args, ret);
}

/*
 * Put a struct kdbus_info into @conn's pool: an optional MAKE_NAME item,
 * then the metadata of @ident and @proc selected by @mask, translated for
 * @conn's opener.
 */
static int kdbus_conn_info_put(struct kdbus_conn *conn,
			       struct kdbus_cmd_info *cmd,
			       struct kdbus_cmd_info __user *ucmd,
			       u64 id, u64 flags, const char *make_name,
			       const struct kdbus_meta_ident *ident,
			       struct kdbus_meta_proc *proc, u64 mask)
{
	struct kdbus_pool_slice *slice;
	size_t size, name_size = 0;
	struct kdbus_meta *meta;
	struct kdbus_info *info;
	struct kvec kvec;
	int ret;

	/* describes a connection as it connected: no time stamp */
	meta = kdbus_meta_new(ident, proc, mask & ~KDBUS_ATTACH_TIMESTAMP, 0,
			      &conn->view);
	if (IS_ERR(meta))
		return PTR_ERR(meta);

	size = sizeof(*info);
	if (make_name)
		name_size = KDBUS_ITEM_SIZE(strlen(make_name) + 1);
	size += name_size + (meta ? meta->size : 0);
	info = kzalloc(size, GFP_KERNEL);
	if (!info) {
		ret = -ENOMEM;
		goto exit;
	}
	info->size = size;
	info->id = id;
	info->flags = flags;
	if (make_name) {
		struct kdbus_item *item = info->items;

		item->type = KDBUS_ITEM_MAKE_NAME;
		item->size = KDBUS_ITEM_HEADER_SIZE + strlen(make_name) + 1;
		memcpy((u8 *)item + KDBUS_ITEM_HEADER_SIZE, make_name,
		       strlen(make_name) + 1);
	}
	if (meta)
		kdbus_meta_write(meta, (u8 *)info + sizeof(*info) + name_size,
				 &conn->view);

	slice = kdbus_pool_slice_alloc(conn->pool, size);
	if (IS_ERR(slice)) {
		ret = PTR_ERR(slice);
		goto exit;
	}
	kvec.iov_base = info;
	kvec.iov_len = size;
	ret = kdbus_pool_slice_copy_kvec(slice, 0, &kvec, 1, size);
	if (ret == 0) {
		kdbus_pool_slice_publish(slice, &cmd->offset, &cmd->info_size);
		/* checked writable before: a fault here is user space's race */
		if (put_user(cmd->offset, &ucmd->offset) ||
		    put_user(cmd->info_size, &ucmd->info_size))
			ret = -EFAULT;
	}
	kdbus_pool_slice_release(slice);
exit:
	kfree(info);
	kdbus_meta_free(meta);
	return ret;
}

static int kdbus_conn_info_parse(struct kdbus_args *args,
				 struct kdbus_arg *argv, size_t argc,
				 void __user *argp, struct kdbus_cmd_info **cmd,
				 u64 *mask)
{
	struct kdbus_cmd_info __user *ucmd = argp;
	int ret;

	args->allowed_flags = KDBUS_FLAG_NEGOTIATE;
	args->argv = argv;
	args->argc = argc;
	ret = kdbus_args_parse(args, argp, cmd);
	if (ret != 0)
		return ret;
	ret = kdbus_sanitize_attach_flags((*cmd)->attach_flags, mask);
	if (ret == 0 && (put_user(0ULL, &ucmd->offset) ||
			 put_user(0ULL, &ucmd->info_size)))
		ret = -EFAULT;
	if (ret < 0)
		return kdbus_args_clear(args, ret);
	return 0;
}

/**
 * kdbus_cmd_conn_info() - handle KDBUS_CMD_CONN_INFO
 * @conn:	connection asking
 * @argp:	command payload
 *
 * Reports the peer's identity (pinned when its file was opened) and the
 * facts of the task that said HELLO, as far as the peer's attach_flags_send
 * allows.
 *
 * Return: 0, -ENXIO (no such id), -ESRCH (no such name), -EINVAL, -EXFULL
 * (no room in the pool), -EFAULT, -ENOMEM.
 */
int kdbus_cmd_conn_info(struct kdbus_conn *conn, void __user *argp)
{
	struct kdbus_arg argv[] = {
		{ .type = KDBUS_ITEM_NEGOTIATE },
		{ .type = KDBUS_ITEM_NAME },
	};
	struct kdbus_args args = {};
	struct kdbus_meta_ident ident;
	struct kdbus_cmd_info *cmd;
	struct kdbus_conn *peer;
	u64 mask;
	int ret;

	ret = kdbus_conn_info_parse(&args, argv, ARRAY_SIZE(argv), argp, &cmd,
				    &mask);
	if (ret != 0)
		/* negotiation only: return flags go back, the copy is freed */
		return ret < 0 ? ret : kdbus_args_clear(&args, 0);

	if (!cmd->id == !argv[1].item) {
		/* by id or by name, exactly one */
		ret = -EINVAL;
		goto exit;
	}
	if (argv[1].item) {
		u64 name_id;

		if (!kdbus_name_is_valid(argv[1].item->str, false)) {
			ret = -EINVAL;
			goto exit;
		}
		peer = NULL;
		if (kdbus_conn_policy_see_name(conn, argv[1].item->str))
			peer = kdbus_name_lookup(conn->bus, argv[1].item->str,
						 &name_id);
		if (!peer) {
			ret = -ESRCH;
			goto exit;
		}
	} else {
		peer = kdbus_bus_find_conn_by_id(conn->bus, cmd->id);
		if (!peer) {
			ret = -ENXIO;
			goto exit;
		}
	}
	if (!kdbus_conn_policy_see(conn, peer)) {
		/* what may not be seen does not exist */
		ret = argv[1].item ? -ESRCH : -ENXIO;
		goto exit_unref;
	}
	mask &= READ_ONCE(peer->attach_flags_send);
	memset(&ident, 0, sizeof(ident));
	ident.cred = peer->cred;
	ident.seclabel = peer->seclabel;
	ident.description = peer->description;
	if (mask & KDBUS_ATTACH_NAMES) {
		ident.names = kdbus_name_items(peer, &ident.names_size);
		if (IS_ERR(ident.names)) {
			ret = PTR_ERR(ident.names);
			goto exit_unref;
		}
	}
	ret = kdbus_conn_info_put(conn, cmd, argp, peer->id, peer->flags,
				  NULL, &ident, peer->proc, mask);
	kfree(ident.names);
exit_unref:
	kdbus_conn_unref(peer);
exit:
	return kdbus_args_clear(&args, ret);
}

/**
 * kdbus_cmd_bus_creator_info() - handle KDBUS_CMD_BUS_CREATOR_INFO
 * @conn:	connection asking
 * @argp:	command payload
 *
 * Reports the bus's name and its creator's identity and task facts, as far
 * as the attach flags the creator gave at BUS_MAKE allow.
 *
 * Return: 0, -EINVAL, -EXFULL (no room in the pool), -EFAULT, -ENOMEM.
 */
int kdbus_cmd_bus_creator_info(struct kdbus_conn *conn, void __user *argp)
{
	struct kdbus_arg argv[] = {
		{ .type = KDBUS_ITEM_NEGOTIATE },
	};
	struct kdbus_bus *bus = conn->bus;
	struct kdbus_args args = {};
	struct kdbus_meta_ident ident = {
		.cred = bus->cred,
		.seclabel = bus->seclabel,
	};
	struct kdbus_cmd_info *cmd;
	u64 mask;
	int ret;

	ret = kdbus_conn_info_parse(&args, argv, ARRAY_SIZE(argv), argp, &cmd,
				    &mask);
	if (ret != 0)
		/* negotiation only: return flags go back, the copy is freed */
		return ret < 0 ? ret : kdbus_args_clear(&args, 0);
	ret = kdbus_conn_info_put(conn, cmd, argp, bus->id, bus->bus_flags,
				  bus->name, &ident, bus->creator_proc,
				  mask & bus->attach_flags_owner);
	return kdbus_args_clear(&args, ret);
}

/**
 * kdbus_conn_poll() - poll() on a connection
 * @conn:	connection
 * @file:	its file
 * @wait:	poll table
 *
 * Return: EPOLLIN when a message or a lost-message count waits, EPOLLOUT
 * while connected, EPOLLERR | EPOLLHUP once disconnected.
 */
__poll_t kdbus_conn_poll(struct kdbus_conn *conn, struct file *file,
			 struct poll_table_struct *wait)
{
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &conn->wait, wait);
	if (!kdbus_conn_active(conn))
		return EPOLLERR | EPOLLHUP;
	if (READ_ONCE(conn->queue.count) || READ_ONCE(conn->lost))
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}
