/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __KDBUSFS_CONN_H
#define __KDBUSFS_CONN_H

/**
 * DOC: The connection object
 *
 * A connection is an endpoint file on which KDBUS_CMD_HELLO succeeded.
 * This header is the object: what a connection holds, its memory and
 * active references, and the few state changes that are its own (the
 * lost-message count). Its commands are in connection.c, sending in
 * send.c.
 *
 * Its identity, its privilege and the user its resources are charged to
 * are those of whoever *opened* the endpoint file (the file's f_cred and
 * the handle's open-time privilege), not of the task that said HELLO: an
 * fd opened by an unprivileged user stays an unprivileged connection in a
 * root process's hands, and the reverse.
 *
 * States: NEW after kdbus_conn_new(), ACTIVE once HELLO put it on its bus;
 * disconnecting deactivates, drains and cleans it up once (active.h). The
 * memory lives until the last kdbus_conn_unref(); lookups by id run under
 * RCU, so the memory itself is freed after a grace period.
 *
 * Locking: @lock protects the queue, the reply list, the interrupted
 * list, the quota table, the lost-message count and the freeze. Code holds at most
 * one connection's lock at a time.
 */

#include <linux/cred.h>
#include <linux/kdbus.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "active.h"
#include "match.h"
#include "metadata.h"
#include "queue.h"
#include "user.h"

struct kdbus_bus;
struct kdbus_checkpoint;
struct kdbus_ep;
struct kdbus_match_db;
struct kdbus_notification;
struct kdbus_pool;

/**
 * struct kdbus_conn - a connection to a bus
 * @kref:		memory reference
 * @active:		active references
 * @rcu:		frees the connection after lock-free lookups
 * @id:			connection id, unique on the bus, never reused
 * @flags:		KDBUS_HELLO_* flags
 * @attach_flags_send:	metadata this connection lets receivers see
 * @attach_flags_recv:	metadata this connection wants with messages
 * @ep:			endpoint the connection was made through
 * @bus:		the endpoint's bus
 * @cred:		credentials of the endpoint file's opener
 * @user:		user the connection is charged to (the opener's)
 * @privileged:		the opener was privileged on the bus; one that
 *			presents an identity only if its euid is the bus
 *			owner's
 * @description:	KDBUS_ITEM_CONN_DESCRIPTION, or NULL
 * @seclabel:		security label of @cred (or the one a proxy gave), or
 *			NULL
 * @view:		namespaces of the opener, metadata is translated into
 * @proc:		task facts of the task that said HELLO, or the ones a
 *			proxy gave (only PIDS), or NULL
 * @charged:		it holds one of its user's max_connections, until it is
 *			freed
 * @announced:		peers were told of it (ID_ADD), so they are told when
 *			it goes (ID_REMOVE)
 * @restored:		made by CONN_RESTORE from a checkpoint's dump
 * @notify_id_add:	its ID_ADD notification, reserved at HELLO
 *			(kdbus_notify_id_reserve()); NULL once queued, and
 *			for a monitor
 * @notify_id_remove:	its ID_REMOVE notification, likewise
 * @faked:		a proxy gave CREDS, PIDS or SECLABEL at HELLO: peers
 *			learn those, and no task facts of the proxy
 * @fake_creds:		the ids it gave, or NULL
 * @match_db:		rules selecting the broadcasts it receives
 * @subscribed:		in the bus's subscriber list of each kind of
 *			notification its rules select (bus->subscribers_lock)
 * @names_list:		its owner records: names it owns, waits for, or is
 *			the activator of (registry lock)
 * @name_count:		number of them (registry lock)
 * @monitor_entry:	in bus->monitors, for monitors
 * @pool:		receive pool
 * @lock:		see the DOC block
 * @wait:		poll() and synchronous senders wait here
 * @queue:		messages waiting for RECV
 * @reply_list:		replies this connection owes
 * @n_requests:		requests this connection waits for replies to
 * @requests_lock:	protects @requests; taken inside any connection's lock
 * @requests:		those requests' reply objects, while linked at the
 *			connection that owes them (reply->req_entry)
 * @sync_waits:		reply objects of synchronous requests while their
 *			sender sleeps for them (reply->req_entry), for dumps
 * @interrupted:	synchronous requests whose wait a signal interrupted,
 *			kept for the restarted call to pick up
 * @n_interrupted:	number of them
 * @quota:		per sending user: messages, bytes and files queued here
 * @lost:		messages that could not be queued, for dropped_msgs
 * @frozen_by:		checkpoint file that froze the connection, or NULL
 * @frozen_entry:	in that checkpoint file's list
 * @work:		expires replies this connection owes (reply.c)
 */
struct kdbus_conn {
	struct kref kref;
	struct kdbus_active active;
	struct rcu_head rcu;
	u64 id;
	u64 flags;
	u64 attach_flags_send;
	u64 attach_flags_recv;
	struct kdbus_ep *ep;
	struct kdbus_bus *bus;
	const struct cred *cred;
	struct kdbus_user *user;
	bool privileged;
	char *description;
	char *seclabel;
	struct kdbus_meta_view view;
	struct kdbus_meta_proc *proc;
	bool charged;
	bool announced;
	bool restored;
	struct kdbus_notification *notify_id_add;
	struct kdbus_notification *notify_id_remove;
	bool faked;
	struct kdbus_meta_creds *fake_creds;
	struct kdbus_match_db *match_db;
	struct list_head subscribed[KDBUS_MATCH_KINDS];
	struct list_head names_list;
	unsigned int name_count;
	struct list_head monitor_entry;
	struct kdbus_pool *pool;

	struct mutex lock;	/* see the DOC block */
	wait_queue_head_t wait;
	struct kdbus_queue queue;
	struct list_head reply_list;
	atomic_t n_requests;
	spinlock_t requests_lock;	/* protects @requests, @sync_waits */
	struct list_head requests;
	struct list_head sync_waits;
	struct list_head interrupted;
	unsigned int n_interrupted;
	struct kdbus_quota_table quota;
	u64 lost;
	struct kdbus_checkpoint *frozen_by;
	struct list_head frozen_entry;
	struct delayed_work work;
};

/**
 * struct kdbus_conn_fake - what a proxy presents for its client at HELLO
 * @creds:	KDBUS_ITEM_CREDS payload, or NULL
 * @pids:	KDBUS_ITEM_PIDS payload, or NULL
 * @seclabel:	KDBUS_ITEM_SECLABEL, or NULL
 */
struct kdbus_conn_fake {
	const struct kdbus_creds *creds;
	const struct kdbus_pids *pids;
	const char *seclabel;
};

struct kdbus_conn *kdbus_conn_new(struct kdbus_ep *ep,
				  const struct cred *cred, bool privileged,
				  const struct kdbus_meta_view *view,
				  const struct kdbus_cmd_hello *hello,
				  const char *description,
				  const struct kdbus_conn_fake *fake);
struct kdbus_conn *kdbus_conn_ref(struct kdbus_conn *conn);
void kdbus_conn_unref(struct kdbus_conn *conn);
void kdbus_conn_lost_message(struct kdbus_conn *conn);

/**
 * kdbus_conn_acquire() - take an active reference for an operation
 * @conn:	connection
 *
 * Return: true unless the connection is disconnected.
 */
static inline bool kdbus_conn_acquire(struct kdbus_conn *conn)
{
	return kdbus_active_acquire(&conn->active);
}

/**
 * kdbus_conn_release() - end an operation on a connection
 * @conn:	connection
 *
 * Return: true if it was the last operation of a connection that was
 * disconnected meanwhile: the caller finishes the disconnection
 * (kdbus_conn_end_op()).
 */
static inline bool kdbus_conn_release(struct kdbus_conn *conn)
{
	return kdbus_active_release(&conn->active, &conn->wait);
}

/**
 * kdbus_conn_active() - whether a connection is connected
 * @conn:	connection
 *
 * Return: true until it starts disconnecting.
 */
static inline bool kdbus_conn_active(struct kdbus_conn *conn)
{
	return kdbus_active_is_active(&conn->active);
}

/**
 * kdbus_conn_is_monitor() - whether a connection is a monitor
 * @conn:	connection
 *
 * Return: true for monitors: they see all traffic and send nothing.
 */
static inline bool kdbus_conn_is_monitor(const struct kdbus_conn *conn)
{
	return conn->flags & KDBUS_HELLO_MONITOR;
}

/**
 * kdbus_conn_is_activator() - whether a connection is an activator
 * @conn:	connection
 *
 * Return: true for activators, placeholders for one name.
 */
static inline bool kdbus_conn_is_activator(const struct kdbus_conn *conn)
{
	return conn->flags & KDBUS_HELLO_ACTIVATOR;
}

/**
 * kdbus_conn_is_policy_holder() - whether a connection holds bus policy
 * @conn:	connection
 *
 * Return: true for policy holders.
 */
static inline bool kdbus_conn_is_policy_holder(const struct kdbus_conn *conn)
{
	return conn->flags & KDBUS_HELLO_POLICY_HOLDER;
}

/**
 * kdbus_conn_is_ordinary() - whether a connection takes part in traffic
 * @conn:	connection
 *
 * Return: false for monitors, activators and policy holders, which send
 * nothing, own no names this way and receive no broadcasts.
 */
static inline bool kdbus_conn_is_ordinary(const struct kdbus_conn *conn)
{
	return !(conn->flags & (KDBUS_HELLO_MONITOR | KDBUS_HELLO_ACTIVATOR |
				KDBUS_HELLO_POLICY_HOLDER));
}

#endif
