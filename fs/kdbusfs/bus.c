// SPDX-License-Identifier: GPL-2.0
/*
 * Buses: made through a control file, gone when it is closed.
 */

#include <linux/cred.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kdbus.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/user_namespace.h>
#include <linux/uuid.h>

#include "bus.h"
#include "connection.h"
#include "domain.h"
#include "endpoint.h"
#include "item.h"
#include "limits.h"
#include "match.h"
#include "message.h"
#include "metadata.h"
#include "notify.h"
#include "user.h"

/**
 * kdbus_sanitize_attach_flags() - check a metadata mask from user space
 * @flags:		mask as given
 * @attach_flags:	set to the mask to use
 *
 * _KDBUS_ATTACH_ANY means every item the kernel knows.
 *
 * Return: 0 on success, -EINVAL if @flags has unknown bits.
 */
int kdbus_sanitize_attach_flags(u64 flags, u64 *attach_flags)
{
	if (flags == _KDBUS_ATTACH_ANY)
		flags = _KDBUS_ATTACH_ALL;
	if (flags & ~_KDBUS_ATTACH_ALL)
		return -EINVAL;
	*attach_flags = flags;
	return 0;
}

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
	kdbus_notify_free(bus);
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

	bus = kzalloc(sizeof(*bus), GFP_KERNEL_ACCOUNT);
	if (!bus)
		return ERR_PTR(-ENOMEM);

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
	kdbus_name_registry_init(&bus->names);
	kdbus_policy_db_init(&bus->policy_db);
	spin_lock_init(&bus->notify_lock);
	INIT_LIST_HEAD(&bus->notify_list);
	mutex_init(&bus->notify_flush_lock);
	mutex_init(&bus->monitors_lock);
	INIT_LIST_HEAD(&bus->monitors);

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
 * @domain:	domain to make the bus in; active for the call
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
	if (ret < 0)
		return ERR_PTR(ret);
	if (ret > 0) {
		ret = kdbus_args_clear(&args, 0);
		return ret < 0 ? ERR_PTR(ret) : NULL;
	}

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
 * kdbus_bus_next_conn() - step through a bus's connections
 * @bus:	bus
 * @id:		id of the connection returned last; 0 to start
 * @prev:	connection returned last, its reference is dropped; or NULL
 *
 * Loop with for (conn = NULL, id = 0;
 * (conn = kdbus_bus_next_conn(bus, &id, conn));): the body runs without
 * RCU and may sleep, holding a reference on the connection. Leaving the
 * loop early leaves that reference to the caller.
 *
 * Return: the next connection, with a reference, or NULL at the end.
 */
struct kdbus_conn *kdbus_bus_next_conn(struct kdbus_bus *bus,
				       unsigned long *id,
				       struct kdbus_conn *prev)
{
	struct kdbus_conn *conn;

	kdbus_conn_unref(prev);
	rcu_read_lock();
	do {
		conn = xa_find_after(&bus->conns, id, ULONG_MAX, XA_PRESENT);
	} while (conn && !kref_get_unless_zero(&conn->kref));
	rcu_read_unlock();
	return conn;
}

/**
 * kdbus_bus_shutdown() - shut a bus down and remove its directory
 * @bus:	bus to shut down
 *
 * Called once, when the control file that made the bus is released, or
 * when making it failed half-way. Waits for operations still running on it.
 */
void kdbus_bus_shutdown(struct kdbus_bus *bus)
{
	struct kdbus_conn *conn;
	unsigned long id;

	if (bus->ep)
		kdbus_ep_shutdown(bus->ep);
	/* drains HELLOs in flight: no connection joins after this */
	kdbus_node_deactivate(&bus->node);
	kdbus_node_unlink(bus->domain, &bus->node);

	for (conn = NULL, id = 0;
	     (conn = kdbus_bus_next_conn(bus, &id, conn));)
		kdbus_conn_disconnect(conn, false);

	if (kdbus_active_cleanup(&bus->node.active)) {
		if (bus->creator)
			kdbus_user_uncharge(bus->creator, KDBUS_USER_BUSES);
		kdbus_ep_unref(bus->ep);
		bus->ep = NULL;
	}
}

/*
 * A broadcast is a signal selected by its bloom filter (whose size the
 * staging checked against the bus's); it cannot be answered, and it
 * carries no descriptors, which would be installed many times over.
 */
static int kdbus_bus_broadcast_check(const struct kdbus_staging *staging)
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
static int kdbus_bus_broadcast_one(struct kdbus_conn *src,
				   struct kdbus_conn *dst,
				   struct kdbus_staging *staging)
{
	struct kdbus_queue_entry *entry;
	int ret;

	if (!kdbus_conn_active(dst) || !kdbus_conn_is_ordinary(dst))
		return 0;
	if (!kdbus_match_db_match_msg(dst->match_db, src, staging))
		return 0;
	/* anyone may broadcast; receiving needs the right to talk back */
	if (!kdbus_conn_policy_talk(dst, src))
		return 0;

	entry = kdbus_staging_emit(staging, src, dst);
	if (IS_ERR(entry)) {
		ret = PTR_ERR(entry);
		if (ret == -EFAULT)
			return ret;
		kdbus_conn_lost_message(dst);
		return 0;
	}
	ret = kdbus_conn_queue_user(dst, src->user, entry);
	if (ret < 0 && ret != -ECONNRESET)
		kdbus_conn_lost_message(dst);
	return 0;
}

/**
 * kdbus_bus_broadcast() - send a message to every connection that wants it
 * @bus:	bus
 * @src:	sending connection
 * @staging:	the message, dst_id KDBUS_DST_ID_BROADCAST
 *
 * One pass over the bus's connections: every other active connection with
 * a matching rule that may talk to @src gets a copy, charged to @src's
 * user. Receivers whose pool or quota is full lose it; the sender still
 * succeeds.
 *
 * Return: 0, -EBADMSG (not a signal, no bloom filter, or a destination
 * name), -ENOTUNIQ (a timeout or reply cookie, or file descriptors),
 * -EFAULT (the payload cannot be read; receivers before the fault got
 * it).
 */
int kdbus_bus_broadcast(struct kdbus_bus *bus, struct kdbus_conn *src,
			struct kdbus_staging *staging)
{
	struct kdbus_conn *dst;
	unsigned long id;
	int ret;

	ret = kdbus_bus_broadcast_check(staging);
	if (ret < 0)
		return ret;

	for (dst = NULL, id = 0;
	     (dst = kdbus_bus_next_conn(bus, &id, dst));) {
		if (dst == src)
			continue;
		ret = kdbus_bus_broadcast_one(src, dst, staging);
		if (ret < 0) {
			kdbus_conn_unref(dst);
			return ret;
		}
	}
	kdbus_conn_eavesdrop(src, staging);
	return 0;
}

static void kdbus_bus_notify_one(struct kdbus_conn *dst, u64 type,
				 const void *payload, size_t size)
{
	struct kdbus_queue_entry *entry;

	if (!kdbus_conn_active(dst) || !kdbus_conn_is_ordinary(dst))
		return;
	if (!kdbus_match_db_match_kernel(dst->match_db, type, payload))
		return;
	if (!kdbus_conn_policy_see_notification(dst, type, payload))
		return;

	entry = kdbus_kmsg_emit(dst, 0, type, payload, size);
	if (IS_ERR(entry)) {
		kdbus_conn_lost_message(dst);
		return;
	}
	kdbus_conn_queue_kernel(dst, entry);
}

/**
 * kdbus_bus_broadcast_kernel() - deliver a kernel notification
 * @bus:	bus
 * @type:	KDBUS_ITEM_* of the notification's item
 * @payload:	the item's payload
 * @size:	bytes in @payload
 *
 * Every connection with a matching rule that may see it gets a copy; one
 * without room counts it as lost.
 */
void kdbus_bus_broadcast_kernel(struct kdbus_bus *bus, u64 type,
				const void *payload, size_t size)
{
	struct kdbus_conn *dst;
	unsigned long id;

	for (dst = NULL, id = 0;
	     (dst = kdbus_bus_next_conn(bus, &id, dst));)
		kdbus_bus_notify_one(dst, type, payload, size);
}
