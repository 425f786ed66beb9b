// SPDX-License-Identifier: GPL-2.0
/*
 * Buses: made through a control file, gone when it is closed.
 */

#include <linux/cred.h>
#include <linux/bits.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kdbus.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/user_namespace.h>
#include <linux/uuid.h>

#include "bus.h"
#include "conn.h"
#include "domain.h"
#include "endpoint.h"
#include "item.h"
#include "limits.h"
#include "metadata.h"
#include "user.h"

static void kdbus_bus_free(struct kdbus_node *node)
{
	struct kdbus_bus *bus = container_of(node, struct kdbus_bus, node);

	WARN_ON(bus->ep);
	WARN_ON(!xa_empty(&bus->conns));
	xa_destroy(&bus->conns);
	kdbus_user_unref(bus->creator);
	kdbus_domain_unref(bus->domain);
	if (bus->cred)
		put_cred(bus->cred);
	kfree(bus->seclabel);
	kdbus_meta_proc_unref(bus->creator_proc);
	kdbus_policy_db_clear(&bus->policy_db);
	kdbus_name_registry_destroy(&bus->names);
	/* whoever queues a notification flushes it before it returns */
	WARN_ON(!list_empty(&bus->notify_list));
	kfree(bus->name);
	kfree(bus);
}

/**
 * kdbus_check_uid_prefix() - check the "<uid>-" prefix of a bus or endpoint
 * @domain:	domain whose user namespace the uid is read in
 * @cred:	credentials of the file's opener (f_cred)
 * @name:	name to check
 *
 * Bus and custom endpoint names carry the owner's uid as seen from the
 * domain's user namespace, "1000-name", so that users cannot take each
 * other's names. The uid is the opener's, whoever issues the ioctl.
 *
 * Return: 0 if @name starts with the prefix, -EINVAL otherwise or if the
 * opener's euid has no mapping in the domain.
 */
int kdbus_check_uid_prefix(struct kdbus_domain *domain,
			   const struct cred *cred, const char *name)
{
	char prefix[16];
	uid_t uid;

	uid = from_kuid(domain->user_ns, cred->euid);
	if (uid == (uid_t)-1)
		return -EINVAL;

	snprintf(prefix, sizeof(prefix), "%u-", uid);
	if (strncmp(name, prefix, strlen(prefix)))
		return -EINVAL;
	return 0;
}

static int kdbus_bus_check_bloom(const struct kdbus_bloom_parameter *bloom)
{
	if (bloom->size < 8 || bloom->size > KDBUS_BUS_BLOOM_MAX_SIZE ||
	    !IS_ALIGNED(bloom->size, 8) || bloom->n_hash < 1)
		return -EINVAL;
	return 0;
}

/* The directory is traversable by whom the access flags let connect. */
static umode_t kdbus_bus_dir_mode(u64 flags)
{
	umode_t mode = 0500;

	if (flags & (KDBUS_MAKE_ACCESS_GROUP | KDBUS_MAKE_ACCESS_WORLD))
		mode |= 0050;
	if (flags & KDBUS_MAKE_ACCESS_WORLD)
		mode |= 0005;
	return mode;
}

static struct kdbus_bus *kdbus_bus_new(struct kdbus_domain *domain,
				       const struct cred *cred,
				       const struct kdbus_meta_view *view,
				       const char *name, u64 flags)
{
	struct kdbus_bus *bus;
	unsigned int i;

	bus = kzalloc(sizeof(*bus), GFP_KERNEL_ACCOUNT);
	if (!bus)
		return ERR_PTR(-ENOMEM);
	/* first: every later failure frees through kdbus_bus_free() */
	if (kdbus_name_registry_init(&bus->names) < 0) {
		kfree(bus);
		return ERR_PTR(-ENOMEM);
	}

	kdbus_node_init(&bus->node, KDBUS_NODE_BUS, kdbus_bus_free);
	bus->domain = kdbus_domain_ref(domain);
	bus->cred = get_cred(cred);
	bus->uid = cred->euid;
	bus->gid = cred->egid;
	bus->bus_flags = flags;
	bus->id = atomic64_inc_return(&domain->last_id);
	atomic64_set(&bus->last_conn_id, 0);
	xa_init(&bus->conns);
	generate_random_uuid(bus->id128);
	kdbus_policy_db_init(&bus->policy_db);
	spin_lock_init(&bus->notify_lock);
	INIT_LIST_HEAD(&bus->notify_list);
	mutex_init(&bus->notify_flush_lock);
	mutex_init(&bus->monitors_lock);
	INIT_LIST_HEAD(&bus->monitors);
	spin_lock_init(&bus->subscribers_lock);
	for (i = 0; i < KDBUS_MATCH_KINDS; i++)
		INIT_LIST_HEAD(&bus->subscribers[i]);

	if (view->seclabel)
		bus->seclabel = kstrdup(view->seclabel, GFP_KERNEL_ACCOUNT);
	/* BUS_CREATOR_INFO describes the task that made the bus */
	bus->creator_proc = kdbus_meta_proc_new(_KDBUS_ATTACH_ALL);
	bus->name = kstrdup(name, GFP_KERNEL_ACCOUNT);
	if (!bus->name || IS_ERR(bus->creator_proc) ||
	    (view->seclabel && !bus->seclabel)) {
		kdbus_bus_unref(bus);
		return ERR_PTR(-ENOMEM);
	}
	return bus;
}

/**
 * kdbus_cmd_bus_make() - handle KDBUS_CMD_BUS_MAKE
 * @domain:	domain to make the bus in; the control file pins its mount,
 *		so it is not torn down during the call
 * @file:	the control file; its opener's credentials are used
 * @view:	what else was pinned when it was opened
 * @argp:	command payload
 *
 * Return: the new bus, NULL if only negotiation was asked for, or ERR_PTR:
 * -EINVAL (bad flags, items, bloom parameters, attach flags, or a name
 * without the opener's "<uid>-" prefix), -ENAMETOOLONG, -EEXIST (name
 * taken), -EMFILE (the opener's user has too many buses), -EFAULT,
 * -EMSGSIZE, -ENOMEM, -ESHUTDOWN.
 */
struct kdbus_bus *kdbus_cmd_bus_make(struct kdbus_domain *domain,
				     struct file *file,
				     const struct kdbus_meta_view *view,
				     void __user *argp)
{
	const struct cred *cred = file->f_cred;
	struct dentry *root = file_inode(file)->i_sb->s_root;
	struct kdbus_bus *bus = NULL;
	struct kdbus_ep *ep;
	struct kdbus_cmd *cmd;
	u64 attach_owner = 0;
	const char *name;
	int ret;

	struct kdbus_arg argv[] = {
		{ .type = KDBUS_ITEM_NEGOTIATE },
		{ .type = KDBUS_ITEM_MAKE_NAME, .mandatory = true },
		{ .type = KDBUS_ITEM_BLOOM_PARAMETER, .mandatory = true },
		{ .type = KDBUS_ITEM_ATTACH_FLAGS_SEND },
	};
	struct kdbus_args args = {
		.allowed_flags = KDBUS_FLAG_NEGOTIATE |
				 KDBUS_MAKE_ACCESS_GROUP |
				 KDBUS_MAKE_ACCESS_WORLD,
		.argv = argv,
		.argc = ARRAY_SIZE(argv),
	};

	ret = kdbus_args_parse(&args, argp, &cmd);
	if (ret != 0)
		return ret < 0 ? ERR_PTR(ret) : NULL;

	name = argv[1].item->str;

	ret = kdbus_bus_check_bloom(&argv[2].item->bloom_parameter);
	if (ret < 0)
		goto exit;

	if (argv[3].item) {
		ret = kdbus_sanitize_attach_flags(argv[3].item->data64[0],
						  &attach_owner);
		if (ret < 0)
			goto exit;
	}

	ret = kdbus_check_uid_prefix(domain, cred, name);
	if (ret < 0)
		goto exit;

	bus = kdbus_bus_new(domain, cred, view, name, cmd->flags);
	if (IS_ERR(bus)) {
		ret = PTR_ERR(bus);
		bus = NULL;
		goto exit;
	}
	bus->bloom = argv[2].item->bloom_parameter;
	bus->attach_flags_owner = attach_owner;

	bus->creator = kdbus_user_lookup(domain, cred->euid);
	if (IS_ERR(bus->creator)) {
		ret = PTR_ERR(bus->creator);
		bus->creator = NULL;
		goto exit;
	}
	ret = kdbus_user_charge(bus->creator, KDBUS_USER_BUSES,
				READ_ONCE(domain->max_buses));
	if (ret < 0) {
		/* not charged: free without uncharging */
		kdbus_user_unref(bus->creator);
		bus->creator = NULL;
		goto exit;
	}

	ret = kdbus_node_link(&bus->node, root, name,
			      S_IFDIR | kdbus_bus_dir_mode(cmd->flags),
			      bus->uid, bus->gid);
	if (ret < 0)
		goto exit;

	if (!kdbus_node_activate(&bus->node)) {
		ret = -ESHUTDOWN;
		goto exit;
	}

	ep = kdbus_ep_new(bus, "bus", cmd->flags, bus->uid, bus->gid, false);
	if (IS_ERR(ep)) {
		ret = PTR_ERR(ep);
		goto exit;
	}
	bus->ep = ep;

exit:
	ret = kdbus_args_clear(&args, ret);
	if (ret < 0) {
		if (bus) {
			kdbus_bus_shutdown(bus);
			kdbus_bus_unref(bus);
		}
		return ERR_PTR(ret);
	}
	return bus;
}

/**
 * kdbus_bus_find_conn_by_id() - look a connection up by id
 * @bus:	bus to search
 * @id:		connection id
 *
 * Return: a new reference to the connection, or NULL.
 */
struct kdbus_conn *kdbus_bus_find_conn_by_id(struct kdbus_bus *bus, u64 id)
{
	struct kdbus_conn *conn;

	rcu_read_lock();
	conn = xa_load(&bus->conns, id);
	if (conn && !kref_get_unless_zero(&conn->kref))
		conn = NULL;
	rcu_read_unlock();
	return conn;
}

/**
 * kdbus_bus_iter_next() - step through a bus's connections
 * @iter:	position; the connection returned last loses its reference
 *
 * Use kdbus_bus_for_each_conn(). Connections that join during the walk
 * have higher ids and are seen; those that leave may or may not be.
 *
 * Return: the next connection, with a reference, or NULL at the end.
 */
struct kdbus_conn *kdbus_bus_iter_next(struct kdbus_bus_iter *iter)
{
	struct kdbus_conn *conn;

	kdbus_conn_unref(iter->conn);
	rcu_read_lock();
	do {
		conn = xa_find_after(&iter->bus->conns, &iter->id, ULONG_MAX,
				     XA_PRESENT);
	} while (conn && !kref_get_unless_zero(&conn->kref));
	rcu_read_unlock();
	iter->conn = conn;
	return conn;
}

/**
 * kdbus_bus_shutdown() - shut a bus down and remove its directory
 * @bus:	bus to shut down
 *
 * Called once, when the control file that made the bus is released, or
 * when making it failed half-way. Waits for operations still running on
 * it; no connection joins it afterwards. Its connections are the caller's
 * to disconnect (kdbus_conn_disconnect_all()).
 */
void kdbus_bus_shutdown(struct kdbus_bus *bus)
{
	if (bus->ep)
		kdbus_ep_shutdown(bus->ep);
	/* drains HELLOs in flight: no connection joins after this */
	kdbus_node_deactivate(&bus->node);
	kdbus_node_unlink(bus->domain, &bus->node);

	if (kdbus_active_cleanup(&bus->node.active)) {
		if (bus->creator)
			kdbus_user_uncharge(bus->creator, KDBUS_USER_BUSES);
		kdbus_ep_unref(bus->ep);
		bus->ep = NULL;
	}
}

/**
 * kdbus_bus_subscribe() - put a connection on the subscriber lists it needs
 * @conn:	connection; its match database is locked for writing (or it is
 *		disconnecting, and nobody changes its rules any more)
 * @kinds:	bit per enum kdbus_match_kind it has rules for; 0 takes it
 *		off every list
 */
void kdbus_bus_subscribe(struct kdbus_conn *conn, unsigned int kinds)
{
	struct kdbus_bus *bus = conn->bus;
	unsigned int i;

	spin_lock(&bus->subscribers_lock);
	for (i = 0; i < KDBUS_MATCH_KINDS; i++) {
		struct list_head *e = &conn->subscribed[i];

		if ((kinds & BIT(i)) && list_empty(e))
			list_add_tail(e, &bus->subscribers[i]);
		else if (!(kinds & BIT(i)) && !list_empty(e))
			list_del_init(e);
	}
	spin_unlock(&bus->subscribers_lock);
}

/**
 * kdbus_bus_subscribers() - the connections a broadcast may be for
 * @bus:	bus
 * @kind:	kind of the broadcast (a notification, or peers' signals)
 * @n:		set to the number returned
 *
 * Taken with references, so that delivering to them needs no lock of
 * the lists (delivery matches under the databases' locks, which are
 * taken before the lists' when rules change).
 *
 * Return: an array of @n referenced connections (kfree() it after
 * dropping them), ZERO_SIZE_PTR for none, or NULL without memory.
 */
struct kdbus_conn **kdbus_bus_subscribers(struct kdbus_bus *bus,
					  enum kdbus_match_kind kind,
					  unsigned int *n)
{
	struct kdbus_conn *conn, **conns;
	unsigned int count = 0, i = 0;

	spin_lock(&bus->subscribers_lock);
	list_for_each_entry(conn, &bus->subscribers[kind], subscribed[kind])
		count++;
	spin_unlock(&bus->subscribers_lock);

	/* GFP_KERNEL outside the spinlock; late joiners are not offered it */
	conns = kmalloc_array(count, sizeof(*conns), GFP_KERNEL);
	if (!conns)
		return NULL;
	spin_lock(&bus->subscribers_lock);
	list_for_each_entry(conn, &bus->subscribers[kind], subscribed[kind]) {
		if (i == count)
			break;
		conns[i++] = kdbus_conn_ref(conn);
	}
	spin_unlock(&bus->subscribers_lock);
	*n = i;
	return conns;
}
