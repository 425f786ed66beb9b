// SPDX-License-Identifier: GPL-2.0
/*
 * The connection object: what a connection holds, and its references.
 */

#include <linux/cred.h>
#include <linux/err.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "bus.h"
#include "conn.h"
#include "endpoint.h"
#include "match.h"
#include "metadata.h"
#include "pool.h"
#include "user.h"

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

	kdbus_quota_clear(&conn->quota);
	kdbus_pool_free(conn->pool);
	if (conn->charged)
		kdbus_user_uncharge(conn->user, KDBUS_USER_CONNECTIONS);
	kdbus_user_unref(conn->user);
	kdbus_ep_unref(conn->ep);
	put_cred(conn->cred);
	kfree(conn->description);
	kfree(conn->seclabel);
	kdbus_meta_view_clear(&conn->view);
	kdbus_meta_proc_unref(conn->proc);
	kfree(conn->fake_creds);
	kdbus_match_db_free(conn->match_db);
	/* reserved ID notifications never queued; each is its allocation */
	kfree(conn->notify_id_add);
	kfree(conn->notify_id_remove);
	/* lookups by id run under RCU */
	call_rcu(&conn->rcu, kdbus_conn_free_rcu);
}

/**
 * kdbus_conn_new() - make a connection object, not on its bus yet
 * @ep:		endpoint it is made through
 * @cred:	credentials of the endpoint file's opener (f_cred)
 * @privileged:	the opener was privileged at open()
 * @view:	the opener's namespaces, pinned at open()
 * @hello:	the checked HELLO command: flags, attach flags, pool size
 * @description: KDBUS_ITEM_CONN_DESCRIPTION, or NULL
 * @fake:	what a proxy presents for its client (one that may present), with
 *		every member NULL otherwise
 *
 * Takes the identity from @cred and the task facts of the calling task
 * (the one saying HELLO), makes the pool and finds the user to charge.
 * With anything in @fake, peers learn that instead, no task facts of the
 * caller, and the connection is charged to the presented euid (the
 * CREDS euid if one is given, else @cred's). It is then privileged only
 * as that euid would be by itself: on a default endpoint, when it is the
 * bus owner's. The opener's capability, which presenting needs, lends the
 * client nothing. Its access decisions are still made from @cred.
 *
 * Return: the connection in the NEW state, or ERR_PTR: -EINVAL (an id or
 * pid in @fake that the opener's namespaces do not know), -ENOMEM, or the
 * error of making its pool.
 */
struct kdbus_conn *kdbus_conn_new(struct kdbus_ep *ep,
				  const struct cred *cred, bool privileged,
				  const struct kdbus_meta_view *view,
				  const struct kdbus_cmd_hello *hello,
				  const char *description,
				  const struct kdbus_conn_fake *fake)
{
	struct kdbus_bus *bus = ep->bus;
	struct kdbus_conn *conn;
	const char *seclabel;
	kuid_t euid;
	char name[64];
	unsigned int i;
	int ret;

	conn = kzalloc(sizeof(*conn), GFP_KERNEL_ACCOUNT);
	if (!conn)
		return ERR_PTR(-ENOMEM);

	kref_init(&conn->kref);
	kdbus_active_init(&conn->active, "kdbus_conn.active");
	mutex_init(&conn->lock);
	init_waitqueue_head(&conn->wait);
	kdbus_queue_init(&conn->queue);
	INIT_LIST_HEAD(&conn->reply_list);
	atomic_set(&conn->n_requests, 0);
	spin_lock_init(&conn->requests_lock);
	INIT_LIST_HEAD(&conn->requests);
	INIT_LIST_HEAD(&conn->sync_waits);
	INIT_LIST_HEAD(&conn->interrupted);
	kdbus_quota_init(&conn->quota);
	INIT_LIST_HEAD(&conn->names_list);
	INIT_LIST_HEAD(&conn->monitor_entry);
	INIT_LIST_HEAD(&conn->frozen_entry);
	for (i = 0; i < KDBUS_MATCH_KINDS; i++)
		INIT_LIST_HEAD(&conn->subscribed[i]);

	conn->flags = hello->flags;
	conn->attach_flags_send = hello->attach_flags_send;
	conn->attach_flags_recv = hello->attach_flags_recv;
	conn->ep = kdbus_ep_ref(ep);
	conn->bus = bus;
	conn->cred = get_cred(cred);
	conn->faked = fake->creds || fake->pids || fake->seclabel;
	kdbus_meta_view_copy(&conn->view, view);
	conn->match_db = kdbus_match_db_new();
	if (IS_ERR(conn->match_db)) {
		ret = PTR_ERR(conn->match_db);
		conn->match_db = NULL;
		goto error;
	}
	seclabel = fake->seclabel ?: view->seclabel;
	if (seclabel) {
		conn->seclabel = kstrdup(seclabel, GFP_KERNEL_ACCOUNT);
		if (!conn->seclabel) {
			ret = -ENOMEM;
			goto error;
		}
	}
	if (fake->creds) {
		conn->fake_creds = kmalloc(sizeof(*conn->fake_creds),
					   GFP_KERNEL_ACCOUNT);
		if (!conn->fake_creds) {
			ret = -ENOMEM;
			goto error;
		}
		/* ids are read in the proxy's namespace, like policy ids */
		ret = kdbus_meta_creds_import(conn->fake_creds, fake->creds,
					      cred->user_ns);
		if (ret < 0)
			goto error;
	}
	/* CONN_INFO describes the task that said HELLO, or the client */
	if (fake->pids)
		conn->proc = kdbus_meta_proc_fake(fake->pids, view->pid_ns);
	else if (!conn->faked)
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

	/* the presented euid, a kuid like the bus owner's */
	euid = conn->cred->euid;
	if (conn->fake_creds && uid_valid(conn->fake_creds->euid))
		euid = conn->fake_creds->euid;
	/*
	 * A presented identity is privileged by the uid rule alone (see
	 * kdbus_handle_is_privileged()), never by the proxy's CAP_IPC_OWNER.
	 */
	if (conn->faked)
		conn->privileged = privileged && !ep->custom &&
				   uid_eq(euid, bus->uid);
	else
		conn->privileged = privileged;

	conn->user = kdbus_user_lookup(bus->domain, euid);
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
 * kdbus_conn_lost_message() - count a message that could not be queued
 * @conn:	connection that missed it
 *
 * The next RECV reports the count in dropped_msgs; poll() says EPOLLIN.
 */
void kdbus_conn_lost_message(struct kdbus_conn *conn)
{
	mutex_lock(&conn->lock);
	conn->lost++;
	mutex_unlock(&conn->lock);
	wake_up_interruptible_poll(&conn->wait, EPOLLIN | EPOLLRDNORM);
}
