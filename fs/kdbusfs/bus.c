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
#include <linux/rcupdate.h>
#include <linux/rhashtable.h>
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
	kfree_rcu(bus, rcu);
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

/**
 * kdbus_bus_check_bloom() - check bloom filter parameters for a bus
 * @bloom:	the parameters
 *
 * Return: 0, or -EINVAL if the size is not a multiple of 8 in [8, 4096] or
 * there is no hash function.
 */
int kdbus_bus_check_bloom(const struct kdbus_bloom_parameter *bloom)
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

/* live buses by id128: no two have the same, whatever their domains */
static struct rhashtable kdbus_bus_id128s;

static const struct rhashtable_params kdbus_bus_id128_params = {
	.key_len		= sizeof_field(struct kdbus_bus, id128),
	.key_offset		= offsetof(struct kdbus_bus, id128),
	.head_offset		= offsetof(struct kdbus_bus, id128_node),
	.automatic_shrinking	= true,
};

/**
 * kdbus_bus_init() - set up the table of live buses' id128s
 *
 * Return: 0 or -ENOMEM.
 */
int kdbus_bus_init(void)
{
	return rhashtable_init(&kdbus_bus_id128s, &kdbus_bus_id128_params);
}

/**
 * kdbus_bus_exit() - tear the table down; every bus is gone
 */
void kdbus_bus_exit(void)
{
	rhashtable_destroy(&kdbus_bus_id128s);
}

static struct kdbus_bus *kdbus_bus_new(struct kdbus_domain *domain,
				       const struct kdbus_meta_view *view,
				       const struct kdbus_bus_spec *spec)
{
	struct kdbus_bus *bus;
	const char *seclabel;
	unsigned int i;
	int ret;

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
	bus->cred = get_cred(spec->cred);
	bus->uid = spec->cred->euid;
	bus->gid = spec->cred->egid;
	bus->bus_flags = spec->flags;
	bus->bloom = spec->bloom;
	bus->attach_flags_owner = spec->attach_flags_owner;
	atomic64_set(&bus->last_conn_id, spec->last_conn_id);
	xa_init(&bus->conns);
	kdbus_policy_db_init(&bus->policy_db);
	spin_lock_init(&bus->notify_lock);
	INIT_LIST_HEAD(&bus->notify_list);
	mutex_init(&bus->notify_flush_lock);
	mutex_init(&bus->monitors_lock);
	INIT_LIST_HEAD(&bus->monitors);
	spin_lock_init(&bus->subscribers_lock);
	for (i = 0; i < KDBUS_MATCH_KINDS; i++)
		INIT_LIST_HEAD(&bus->subscribers[i]);

	seclabel = spec->pids ? spec->seclabel : view->seclabel;
	if (seclabel)
		bus->seclabel = kstrdup(seclabel, GFP_KERNEL_ACCOUNT);
	/* BUS_CREATOR_INFO describes the task that made the bus */
	if (spec->pids)
		bus->creator_proc = kdbus_meta_proc_fake(spec->pids,
							 view->pid_ns);
	else
		bus->creator_proc = kdbus_meta_proc_new(_KDBUS_ATTACH_ALL);
	bus->name = kstrdup(spec->name, GFP_KERNEL_ACCOUNT);
	if (IS_ERR(bus->creator_proc)) {
		ret = PTR_ERR(bus->creator_proc);
		kdbus_bus_unref(bus);
		return ERR_PTR(ret);
	}
	if (!bus->name || (seclabel && !bus->seclabel)) {
		kdbus_bus_unref(bus);
		return ERR_PTR(-ENOMEM);
	}
	return bus;
}

/*
 * The bus's ids, taken for good: a chosen id must be free in the domain
 * and a chosen id128 among live buses (-EEXIST); the domain's later ids
 * are above a chosen one.
 */
static int kdbus_bus_take_ids(struct kdbus_bus *bus,
			      const struct kdbus_bus_spec *spec)
{
	struct kdbus_domain *domain = bus->domain;
	unsigned int tries = 0;
	s64 last;
	int ret;

	if (spec->id) {
		last = atomic64_read(&domain->last_id);
		while (last < (s64)spec->id &&
		       !atomic64_try_cmpxchg(&domain->last_id, &last,
					     spec->id))
			;
		bus->id = spec->id;
	} else {
		bus->id = atomic64_inc_return(&domain->last_id);
	}
	ret = xa_insert(&domain->buses, bus->id, bus, GFP_KERNEL_ACCOUNT);
	if (ret < 0)
		return ret == -EBUSY ? -EEXIST : ret;

	do {
		if (spec->id128)
			memcpy(bus->id128, spec->id128, sizeof(bus->id128));
		else
			generate_random_uuid(bus->id128);
		ret = rhashtable_lookup_insert_fast(&kdbus_bus_id128s,
						    &bus->id128_node,
						    kdbus_bus_id128_params);
	} while (ret == -EEXIST && !spec->id128 && ++tries < 4);
	return ret;
}

/**
 * kdbus_bus_make() - make a bus, owned by a control file
 * @domain:	domain to make it in; the control file pins its mount
 * @file:	the control file
 * @view:	what was pinned when it was opened
 * @spec:	what the bus is made of, its name's prefix checked
 *
 * Accounted to @spec's creator's user.
 *
 * Return: the new bus, or ERR_PTR: -EEXIST (name, id or id128 taken),
 * -EMFILE (the creator's user has too many buses), -EINVAL (a pid of
 * @spec that names no process), -ENOMEM, -ESHUTDOWN.
 */
struct kdbus_bus *kdbus_bus_make(struct kdbus_domain *domain,
				 struct file *file,
				 const struct kdbus_meta_view *view,
				 const struct kdbus_bus_spec *spec)
{
	struct dentry *root = file_inode(file)->i_sb->s_root;
	struct kdbus_bus *bus;
	struct kdbus_ep *ep;
	int ret;

	bus = kdbus_bus_new(domain, view, spec);
	if (IS_ERR(bus))
		return bus;

	bus->creator = kdbus_user_lookup(domain, spec->cred->euid);
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

	ret = kdbus_bus_take_ids(bus, spec);
	if (ret < 0)
		goto exit;

	ret = kdbus_node_link(&bus->node, root, spec->name,
			      S_IFDIR | kdbus_bus_dir_mode(spec->flags),
			      bus->uid, bus->gid);
	if (ret < 0)
		goto exit;

	if (!kdbus_node_activate(&bus->node)) {
		ret = -ESHUTDOWN;
		goto exit;
	}

	ep = kdbus_ep_new(bus, "bus", spec->flags, bus->uid, bus->gid, false);
	if (IS_ERR(ep)) {
		ret = PTR_ERR(ep);
		goto exit;
	}
	bus->ep = ep;
	return bus;

exit:
	kdbus_bus_shutdown(bus);
	kdbus_bus_unref(bus);
	return ERR_PTR(ret);
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
	struct kdbus_bus_spec spec = { .cred = file->f_cred };
	struct kdbus_bus *bus = NULL;
	struct kdbus_cmd *cmd;
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

	spec.name = argv[1].item->str;
	spec.flags = cmd->flags;
	spec.bloom = argv[2].item->bloom_parameter;
	ret = kdbus_bus_check_bloom(&spec.bloom);
	if (ret == 0 && argv[3].item)
		ret = kdbus_sanitize_attach_flags(argv[3].item->data64[0],
						  &spec.attach_flags_owner);
	if (ret == 0)
		ret = kdbus_check_uid_prefix(domain, spec.cred, spec.name);
	if (ret == 0) {
		bus = kdbus_bus_make(domain, file, view, &spec);
		if (IS_ERR(bus)) {
			ret = PTR_ERR(bus);
			bus = NULL;
		}
	}

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
	/* a bus made again may take them now; each is this bus's, if held */
	rhashtable_remove_fast(&kdbus_bus_id128s, &bus->id128_node,
			       kdbus_bus_id128_params);
	xa_cmpxchg(&bus->domain->buses, bus->id, bus, NULL, GFP_KERNEL);
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
