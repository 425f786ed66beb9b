// SPDX-License-Identifier: GPL-2.0
/*
 * Connection commands: HELLO, BYEBYE, UPDATE, SEND, RECV, FREE, poll, and
 * disconnecting.
 */

#include <linux/cred.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kdbus.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/xarray.h>

#include "bus.h"
#include "conn.h"
#include "connection.h"
#include "domain.h"
#include "endpoint.h"
#include "item.h"
#include "limits.h"
#include "message.h"
#include "metadata.h"
#include "names.h"
#include "names_cmd.h"
#include "notify.h"
#include "policy.h"
#include "pool.h"
#include "queue.h"
#include "reply.h"
#include "send.h"
#include "user.h"

/*
 * The second half of a disconnection, run once, by the disconnecting caller
 * or, if operations were in flight, by the last of them to end.
 */
static void kdbus_conn_cleanup(struct kdbus_conn *conn)
{
	struct kdbus_queue_entry *entry, *etmp;
	struct kdbus_reply *reply, *rtmp;
	struct kdbus_bus *bus = conn->bus;
	LIST_HEAD(interrupted);
	LIST_HEAD(entries);
	LIST_HEAD(replies);
	LIST_HEAD(changes);

	cancel_delayed_work_sync(&conn->work);
	xa_erase(&bus->conns, conn->id);
	/* no rule changes any more: its active references are drained */
	kdbus_bus_subscribe(conn, 0);
	if (kdbus_conn_is_monitor(conn)) {
		mutex_lock(&bus->monitors_lock);
		list_del_init(&conn->monitor_entry);
		mutex_unlock(&bus->monitors_lock);
	}

	/* names go first: their owner changes before the owner leaves */
	kdbus_names_lock(&bus->names);
	kdbus_name_release_all(&bus->names, conn, &changes);
	kdbus_names_finish(bus, &changes);
	/* an activator's or a policy holder's share of the bus policy */
	kdbus_policy_remove_owner(&bus->policy_db, conn);
	/* a HELLO that failed before ID_ADD was never heard of */
	if (conn->announced) {
		kdbus_notify_id_change(conn, KDBUS_ITEM_ID_REMOVE);
		kdbus_notify_flush(bus);
	}

	mutex_lock(&conn->lock);
	list_splice_init(&conn->queue.msg_list, &entries);
	kdbus_queue_init(&conn->queue);
	list_for_each_entry_safe(reply, rtmp, &conn->reply_list, entry)
		kdbus_reply_take(reply, &replies);
	kdbus_quota_clear(&conn->quota);
	list_for_each_entry_safe(reply, rtmp, &conn->interrupted, src_entry)
		list_move_tail(&reply->src_entry, &interrupted);
	conn->n_interrupted = 0;
	mutex_unlock(&conn->lock);

	/* synchronous requests a signal interrupted: no other list has them */
	list_for_each_entry_safe(reply, rtmp, &interrupted, src_entry) {
		list_del_init(&reply->src_entry);
		kdbus_reply_unlink_any(reply);
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

	/* its max_connections slot goes with its memory (kdbus_conn_free()) */
	kdbus_reply_purge_requests(conn);
}

/**
 * kdbus_conn_disconnect() - disconnect a connection
 * @conn:	connection
 * @byebye:	for KDBUS_CMD_BYEBYE: fail with -EBUSY if messages are
 *		queued, and wait for the connection's operations in flight
 *
 * The emptiness check and the deactivation happen under the connection's
 * lock, which every sender takes to queue: nothing can slip in between, so
 * a successful BYEBYE never loses a message. For BYEBYE the caller must not
 * hold an active reference on @conn (lockdep checks it on the debug
 * kernel); others may (a HELLO that fails).
 *
 * Then, once: its names pass on (with the messages sent to them, where an
 * activator takes them), its policy goes, peers are told (ID_REMOVE),
 * queued messages are dropped (requests among them get REPLY_DEAD),
 * replies it owed and replies it waited for die, and its quota at others
 * is given back. Its max_connections slot is given back only when its
 * memory goes: while anything holds it (its file, a reply, a message in
 * flight), its pool may live on too.
 *
 * That second half runs here if no operation of the connection is in
 * flight, else when the last one ends (kdbus_conn_end_op()). Nobody waits
 * for them but BYEBYE, and it can be killed: an operation may be stuck in
 * a page fault that user space controls, and the bus owner's close() or
 * another process must not hang on it.
 *
 * Return: 0, -EBUSY, or -EALREADY if it is disconnected already.
 */
int kdbus_conn_disconnect(struct kdbus_conn *conn, bool byebye)
{
	mutex_lock(&conn->lock);
	if (!kdbus_conn_active(conn)) {
		mutex_unlock(&conn->lock);
		return -EALREADY;
	}
	if (byebye && conn->queue.count) {
		mutex_unlock(&conn->lock);
		return -EBUSY;
	}
	kdbus_active_deactivate(&conn->active);
	mutex_unlock(&conn->lock);

	/* synchronous senders and pollers see the deactivation and leave */
	wake_up_all(&conn->wait);
	/* killed: the last operation to end cleans up */
	if (byebye)
		kdbus_active_drain_killable(&conn->active, &conn->wait);
	if (kdbus_active_cleanup(&conn->active))
		kdbus_conn_cleanup(conn);
	return 0;
}

/**
 * kdbus_conn_end_op() - end an operation on a connection
 * @conn:	connection the operation ran on (kdbus_conn_acquire())
 *
 * If the connection was disconnected meanwhile and this was its last
 * operation, the disconnection is finished here.
 */
void kdbus_conn_end_op(struct kdbus_conn *conn)
{
	if (kdbus_conn_release(conn) && kdbus_active_cleanup(&conn->active))
		kdbus_conn_cleanup(conn);
}

/**
 * kdbus_conn_disconnect_all() - disconnect the connections of a bus
 * @bus:	bus
 * @ep:		only those made through this endpoint; NULL for all
 *
 * For a bus or a custom endpoint that was shut down: nothing can connect
 * through it any more, so the walk sees every connection there is.
 */
void kdbus_conn_disconnect_all(struct kdbus_bus *bus, struct kdbus_ep *ep)
{
	struct kdbus_conn *conn;

	kdbus_bus_for_each_conn(conn, bus)
		if (!ep || conn->ep == ep)
			kdbus_conn_disconnect(conn, false);
}

/* HELLO returns the bus's bloom parameters in a slice of the new pool. */
static int kdbus_conn_hello_info(struct kdbus_conn *conn,
				 struct kdbus_cmd_hello *cmd)
{
	u64 buf[KDBUS_ITEM_SIZE(sizeof(struct kdbus_bloom_parameter)) / 8];
	struct kvec kvec = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct kdbus_pool_slice *slice;
	int ret;

	kdbus_item_set((void *)buf, KDBUS_ITEM_BLOOM_PARAMETER,
		       &conn->bus->bloom, sizeof(conn->bus->bloom));
	slice = kdbus_pool_slice_alloc(conn->pool, sizeof(buf));
	if (IS_ERR(slice))
		return PTR_ERR(slice);
	ret = kdbus_pool_slice_copy_kvec(slice, 0, &kvec, 1, sizeof(buf));
	if (ret == 0)
		kdbus_pool_slice_publish(slice, &cmd->offset, &cmd->items_size);
	kdbus_pool_slice_release(slice);
	return ret;
}

/*
 * Roles: an activator (its name, and maybe its policy), a policy holder
 * (a name with policy) or a monitor, one at a time, each only for an
 * opener privileged at open(). Monitors cannot come through a custom
 * endpoint at all, privileged or not: that is checked first.
 */
static int kdbus_hello_check_role(const struct kdbus_ep *ep,
				  const struct kdbus_cmd_hello *cmd,
				  const struct kdbus_args *args,
				  bool privileged)
{
	u64 roles = cmd->flags & (KDBUS_HELLO_ACTIVATOR |
				  KDBUS_HELLO_POLICY_HOLDER |
				  KDBUS_HELLO_MONITOR);
	const struct kdbus_item *item;
	unsigned int n_names = 0, n_policy = 0;

	KDBUS_ARGS_FOREACH(item, args) {
		if (item->type == KDBUS_ITEM_NAME)
			n_names++;
		else if (item->type == KDBUS_ITEM_POLICY_ACCESS)
			n_policy++;
	}

	if (hweight64(roles) > 1)
		return -EINVAL;
	if ((roles & KDBUS_HELLO_MONITOR) && ep->custom)
		return -EOPNOTSUPP;
	if (roles && !privileged)
		return -EPERM;
	switch (roles) {
	case KDBUS_HELLO_ACTIVATOR:
	case KDBUS_HELLO_POLICY_HOLDER:
		return n_names ? 0 : -EINVAL;
	default:
		return n_names || n_policy ? -EINVAL : 0;
	}
}

/* The activator's name, taken as it joins the bus. */
static int kdbus_hello_activator(struct kdbus_conn *conn, const char *name)
{
	struct kdbus_name_registry *reg = &conn->bus->names;
	LIST_HEAD(changes);
	u64 rflags;
	int ret;

	if (!kdbus_name_is_valid(name, false))
		return -EINVAL;
	kdbus_names_lock(reg);
	ret = kdbus_name_acquire(reg, conn, name, 0, &rflags, &changes);
	kdbus_names_finish(conn->bus, &changes);
	return ret;
}

/* Check what HELLO asks for; the attach masks are sanitized in place. */
static int kdbus_hello_check(struct kdbus_ep *ep,
			     struct kdbus_cmd_hello *cmd,
			     const struct kdbus_args *args, bool privileged)
{
	struct kdbus_bus *bus = ep->bus;
	int ret;

	ret = kdbus_hello_check_role(ep, cmd, args, privileged);
	if (ret < 0)
		return ret;
	if (!cmd->pool_size || !PAGE_ALIGNED(cmd->pool_size) ||
	    cmd->pool_size > KDBUS_POOL_MAX_SIZE)
		return -EINVAL;
	ret = kdbus_sanitize_attach_flags(cmd->attach_flags_send,
					  &cmd->attach_flags_send);
	if (ret < 0)
		return ret;
	ret = kdbus_sanitize_attach_flags(cmd->attach_flags_recv,
					  &cmd->attach_flags_recv);
	if (ret < 0)
		return ret;
	/* the bus's creator may insist on knowing who talks on it */
	if (bus->attach_flags_owner & ~cmd->attach_flags_send)
		return -ECONNREFUSED;
	return 0;
}

/**
 * kdbus_conn_charge() - make a new connection ready to join its bus
 * @conn:	connection, from kdbus_conn_new()
 *
 * Reserves what announcing it and its going takes, so that neither
 * allocates, and charges it to its user.
 *
 * Return: 0, -EMFILE (its user has max_connections), -ENOMEM.
 */
int kdbus_conn_charge(struct kdbus_conn *conn)
{
	int ret;

	INIT_DELAYED_WORK(&conn->work, kdbus_reply_work);
	ret = kdbus_notify_id_reserve(conn);
	if (ret < 0)
		return ret;
	ret = kdbus_user_charge(conn->user, KDBUS_USER_CONNECTIONS,
				READ_ONCE(conn->bus->domain->max_connections));
	if (ret < 0)
		return ret;
	conn->charged = true;
	return 0;
}

/**
 * kdbus_conn_join() - put a new connection on its bus, active
 * @conn:	connection, charged
 * @id:		its id, or 0 for the bus's next one; later ids are above it
 * @held:	set if the connection is active and the caller now holds an
 *		operation on it (kdbus_conn_end_op() ends it)
 *
 * Return: 0, -EEXIST (@id is taken), -ESHUTDOWN (the endpoint or the bus
 * is going away), -ENOMEM.
 */
int kdbus_conn_join(struct kdbus_conn *conn, u64 id, bool *held)
{
	struct kdbus_bus *bus = conn->bus;
	struct kdbus_ep *ep = conn->ep;
	s64 last;
	int ret;

	/*
	 * The shutdown of the endpoint and of the bus drain these before they
	 * disconnect everyone: held for the insertion only, no user memory.
	 */
	if (!kdbus_node_acquire(&ep->node))
		return -ESHUTDOWN;
	if (!kdbus_node_acquire(&bus->node)) {
		kdbus_node_release(&ep->node);
		return -ESHUTDOWN;
	}
	if (id) {
		/* later HELLOs get ids above it: none takes it from now on */
		last = atomic64_read(&bus->last_conn_id);
		while (last < (s64)id &&
		       !atomic64_try_cmpxchg(&bus->last_conn_id, &last, id))
			;
		conn->id = id;
	} else {
		conn->id = atomic64_inc_return(&bus->last_conn_id);
	}
	ret = xa_insert(&bus->conns, conn->id, conn, GFP_KERNEL_ACCOUNT);
	if (ret == 0) {
		/*
		 * The rest of its making is an operation on the connection: a
		 * disconnection from now on (the bus's shutdown) is finished
		 * when it ends. Nothing can deactivate it before this.
		 */
		kdbus_active_activate(&conn->active);
		*held = kdbus_conn_acquire(conn);
	} else if (ret == -EBUSY) {
		ret = -EEXIST;
	}
	kdbus_node_release(&bus->node);
	kdbus_node_release(&ep->node);
	return ret;
}

/**
 * kdbus_conn_take_role() - announce a connection that joined, in its role
 * @conn:	connection on its bus (kdbus_conn_join()), in an operation
 * @activator:	an activator's name to take now, or NULL
 * @items:	an activator's or a policy holder's share of the bus policy:
 *		its one NAME and the POLICY_ACCESS items after it, as for
 *		kdbus_policy_set(); other items are skipped
 * @items_size:	their bytes
 *
 * Every connection but a monitor is announced (ID_ADD); an activator
 * takes its name; an activator's and a policy holder's policy goes into
 * the bus's (an activator's without rules if it gave none; only a policy
 * holder's may be a wildcard); a monitor starts listening.
 *
 * Return: 0, or an error of kdbus_name_acquire() or kdbus_policy_set();
 * the caller disconnects the connection on failure.
 */
int kdbus_conn_take_role(struct kdbus_conn *conn, const char *activator,
			 const struct kdbus_item *items, size_t items_size)
{
	struct kdbus_bus *bus = conn->bus;
	int ret = 0;

	if (!kdbus_conn_is_monitor(conn)) {
		conn->announced = true;
		kdbus_notify_id_change(conn, KDBUS_ITEM_ID_ADD);
		kdbus_notify_flush(bus);
	}
	if (activator)
		ret = kdbus_hello_activator(conn, activator);
	if (ret == 0 && (kdbus_conn_is_activator(conn) ||
			 kdbus_conn_is_policy_holder(conn)))
		ret = kdbus_policy_set(&bus->policy_db, items, items_size,
				       KDBUS_POLICY_HOLDER_MAX,
				       kdbus_conn_is_policy_holder(conn),
				       conn, conn->cred->user_ns);
	if (ret == 0 && kdbus_conn_is_monitor(conn)) {
		mutex_lock(&bus->monitors_lock);
		list_add_tail(&conn->monitor_entry, &bus->monitors);
		mutex_unlock(&bus->monitors_lock);
	}
	return ret;
}

/**
 * kdbus_cmd_hello() - handle KDBUS_CMD_HELLO
 * @ep:		endpoint of the file
 * @file:	the endpoint file; its opener becomes the connection's owner
 * @privileged:	the opener was privileged at open()
 * @may_present: the opener may present a client's identity (see
 *		kdbus_handle_may_present())
 * @view:	the opener's namespaces, pinned at open()
 * @argp:	command payload
 *
 * Return: the new, active connection, NULL if only negotiation was asked
 * for, or ERR_PTR: -EINVAL (bad flags, items, attach flags, pool size, an
 * activator's name), -EOPNOTSUPP (a monitor through a custom endpoint),
 * -EPERM (a role asked for by an unprivileged opener, items presented by
 * an opener that may not present),
 * -EMFILE (the opener's user has max_connections), -ECONNREFUSED
 * (attach_flags_send lacks what the bus requires), -EEXIST (the name has
 * an activator, or another policy holder set its policy), -E2BIG,
 * -ESHUTDOWN (the bus is going away), -EXFULL, -EFAULT, -ENOMEM.
 */
struct kdbus_conn *kdbus_cmd_hello(struct kdbus_ep *ep, struct file *file,
				   bool privileged, bool may_present,
				   const struct kdbus_meta_view *view,
				   void __user *argp)
{
	struct kdbus_cmd_hello __user *uhello = argp;
	struct kdbus_bus *bus = ep->bus;
	struct kdbus_conn *conn = NULL;
	struct kdbus_cmd_hello *cmd;
	int ret;

	struct kdbus_arg argv[] = {
		{ .type = KDBUS_ITEM_NEGOTIATE },
		{ .type = KDBUS_ITEM_CONN_DESCRIPTION },
		{ .type = KDBUS_ITEM_NAME },
		{ .type = KDBUS_ITEM_POLICY_ACCESS, .multiple = true },
		{ .type = KDBUS_ITEM_CREDS },
		{ .type = KDBUS_ITEM_PIDS },
		{ .type = KDBUS_ITEM_SECLABEL },
	};
	struct kdbus_conn_fake fake = {};
	bool held = false;
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
	if (ret != 0)
		return ret < 0 ? ERR_PTR(ret) : NULL;

	ret = kdbus_hello_check(ep, cmd, &args, privileged);
	if (ret < 0)
		goto exit;

	if (argv[4].item)
		fake.creds = &argv[4].item->creds;
	if (argv[5].item)
		fake.pids = &argv[5].item->pids;
	if (argv[6].item)
		fake.seclabel = argv[6].item->str;
	/*
	 * A proxy may present its client's identity, if it could be
	 * privileged on the bus at open, on any endpoint; the connection is
	 * then privileged only as the presented euid is by itself on a
	 * default endpoint (kdbus_conn_new()), never by the proxy's
	 * capability, and never on a custom endpoint.
	 */
	if ((fake.creds || fake.pids || fake.seclabel) && !may_present) {
		ret = -EPERM;
		goto exit;
	}

	conn = kdbus_conn_new(ep, file->f_cred, privileged, view, cmd,
			      argv[1].item ? argv[1].item->str : NULL, &fake);
	if (IS_ERR(conn)) {
		ret = PTR_ERR(conn);
		conn = NULL;
		goto exit;
	}
	ret = kdbus_conn_charge(conn);
	if (ret < 0)
		goto exit;

	ret = kdbus_conn_hello_info(conn, cmd);
	if (ret < 0)
		goto exit;

	ret = kdbus_conn_join(conn, 0, &held);
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
	ret = kdbus_conn_take_role(conn, kdbus_conn_is_activator(conn) ?
				   argv[2].item->str : NULL,
				   args.items, args.items_size);

exit:
	ret = kdbus_args_clear(&args, ret);
	if (ret < 0 && held)
		kdbus_conn_disconnect(conn, false);
	else if (ret < 0 && conn)
		kdbus_active_deactivate(&conn->active);
	if (held)
		kdbus_conn_end_op(conn);
	if (ret < 0) {
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
 * Only an ordinary connection says goodbye; an activator, a policy holder
 * or a monitor goes when its file is closed, as upstream.
 *
 * Return: 0, -EOPNOTSUPP (not an ordinary connection), -EBUSY if messages
 * are queued, -EALREADY, or a parse error.
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

	if (!kdbus_conn_is_ordinary(conn))
		return -EOPNOTSUPP;

	ret = kdbus_args_parse(&args, argp, &cmd);
	if (ret != 0)
		return min(ret, 0);

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
		return min(ret, 0);

	ret = kdbus_pool_release_offset(conn->pool, cmd->offset);
	return kdbus_args_clear(&args, ret);
}

/*
 * Take the entry RECV asked for off the queue (or, for PEEK, leave it and
 * publish it). Returns the dequeued entry, NULL for PEEK, or ERR_PTR.
 */
static struct kdbus_queue_entry *kdbus_conn_dequeue(struct kdbus_conn *conn,
						    struct kdbus_cmd_recv *cmd,
						    struct kdbus_msg_info *info,
						    u64 *dropped)
{
	struct kdbus_queue_entry *entry;
	int ret = 0;

	mutex_lock(&conn->lock);
	entry = kdbus_queue_peek(&conn->queue, cmd->priority,
				 cmd->flags & KDBUS_RECV_USE_PRIORITY);
	if (!entry) {
		entry = ERR_PTR(-EAGAIN);
	} else if (cmd->flags & KDBUS_RECV_PEEK) {
		ret = kdbus_queue_entry_install_meta(entry, &conn->view);
		if (ret == 0)
			kdbus_pool_slice_publish(entry->slice, &info->offset,
						 &info->msg_size);
		entry = ret < 0 ? ERR_PTR(ret) : NULL;
	} else {
		kdbus_queue_remove(&conn->queue, entry);
		kdbus_queue_entry_quota(entry, &conn->quota, -1);
		if ((cmd->flags & KDBUS_RECV_DROP) && entry->reply)
			kdbus_reply_unlink(entry->reply);
	}
	if (conn->lost) {
		*dropped = conn->lost;
		conn->lost = 0;
		cmd->return_flags |= KDBUS_RECV_RETURN_DROPPED_MSGS;
	}
	mutex_unlock(&conn->lock);
	return entry;
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
		return min(ret, 0);

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

	entry = kdbus_conn_dequeue(conn, cmd, &info, &dropped);
	if (IS_ERR(entry)) {
		ret = PTR_ERR(entry);
	} else if (entry && (cmd->flags & KDBUS_RECV_DROP)) {
		/* a dropped request will never be answered */
		if (entry->reply)
			kdbus_reply_dead(entry->reply);
		kdbus_queue_entry_free(entry);
	} else if (entry) {
		ret = kdbus_queue_entry_deliver(entry, &conn->view, &info);
		if (ret < 0) {
			/* nothing was installed: keep it for the next RECV */
			mutex_lock(&conn->lock);
			kdbus_queue_add_head(&conn->queue, entry);
			kdbus_queue_entry_quota(entry, &conn->quota, 1);
			mutex_unlock(&conn->lock);
		}
	}

	if (copy_to_user(&urecv->msg, &info, sizeof(info)) ||
	    put_user(dropped, &urecv->dropped_msgs))
		ret = -EFAULT;
exit:
	return kdbus_args_clear(&args, ret);
}

/**
 * kdbus_cmd_send() - handle KDBUS_CMD_SEND
 * @conn:	sending connection
 * @file:	its file
 * @argp:	command payload
 *
 * Copies the message in once (message.c) and sends it (send.c). A
 * KDBUS_ITEM_CANCEL_FD names a file that cancels a synchronous wait.
 *
 * Return: 0 or a negative error code; see Documentation.
 */
int kdbus_cmd_send(struct kdbus_conn *conn, struct file *file,
		   void __user *argp)
{
	struct kdbus_cmd_send __user *usend = argp;
	struct kdbus_staging *staging = NULL;
	struct kdbus_msg_info info = {};
	struct kdbus_cmd_send *cmd;
	struct file *cancel = NULL;
	bool sync;
	int ret;

	struct kdbus_arg argv[] = {
		{ .type = KDBUS_ITEM_NEGOTIATE },
		{ .type = KDBUS_ITEM_CANCEL_FD },
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
		return min(ret, 0);
	sync = cmd->flags & KDBUS_SEND_SYNC_REPLY;
	/* a reply taken off the queue must have somewhere to go */
	if (sync && clear_user(&usend->reply, sizeof(usend->reply))) {
		ret = -EFAULT;
		goto exit;
	}

	/* a synchronous wait also ends when this file becomes readable */
	if (argv[1].item) {
		cancel = fget(argv[1].item->fds[0]);
		if (!cancel) {
			ret = -EBADF;
			goto exit;
		}
		if (!file_can_poll(cancel)) {
			ret = -EINVAL;
			goto exit;
		}
	}

	staging = kdbus_staging_new_user(conn, cmd->msg_address);
	if (IS_ERR(staging)) {
		ret = PTR_ERR(staging);
		staging = NULL;
		goto exit;
	}

	ret = kdbus_send(conn, staging, sync, cancel, &info);
	if (ret == 0 && sync &&
	    copy_to_user(&usend->reply, &info, sizeof(info)))
		ret = -EFAULT;

exit:
	if (cancel)
		fput(cancel);
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
		return min(ret, 0);

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
				       args.items_size, KDBUS_POLICY_HOLDER_MAX,
				       true, conn, conn->cred->user_ns);
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
