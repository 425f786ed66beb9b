/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __KDBUSFS_BUS_H
#define __KDBUSFS_BUS_H

/**
 * DOC: Buses
 *
 * A bus is made by KDBUS_CMD_BUS_MAKE on an open "control" file and lives
 * exactly as long as that file: closing it shuts the bus down and removes
 * its directory. Everything about the bus that depends on who made it, its
 * owner, its "<uid>-" name prefix, the user it is accounted to, the
 * credentials reported for its creator, comes from the credentials of the
 * control file's opener (f_cred), never from the task that issued the
 * ioctl: a control fd handed to another process makes the same bus it
 * would have made in its opener's hands.
 */

#include <linux/cred.h>
#include <linux/kdbus.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rhashtable-types.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/xarray.h>

#include "match.h"
#include "names.h"
#include "node.h"
#include "policy.h"

struct file;
struct kdbus_domain;
struct kdbus_conn;
struct kdbus_ep;
struct kdbus_meta_proc;
struct kdbus_meta_view;
struct kdbus_user;

/**
 * struct kdbus_bus - a bus
 * @node:		the bus directory
 * @domain:		domain the bus lives in
 * @creator:		user the bus is accounted to
 * @cred:		credentials of the control file's opener
 * @ep:			default endpoint, until shutdown
 * @name:		directory name, "<uid>-..."
 * @id:			bus id, unique within the domain
 * @id128:		random 128-bit id, unique among live buses
 * @id128_node:		in the table of live buses' id128s
 * @rcu:		frees the bus after lookups of that table that may
 *			still see it
 * @bus_flags:		flags given to BUS_MAKE
 * @attach_flags_owner:	metadata the creator requires every sender to attach
 * @bloom:		bloom filter parameters of the bus
 * @uid:		owner (opener's euid)
 * @gid:		group (opener's egid)
 * @last_conn_id:	last connection id handed out
 * @conns:		connections by id; lookups under RCU
 * @seclabel:		security label of @cred, or NULL
 * @creator_proc:	task facts of the task that made the bus
 * @names:		well-known names
 * @policy_db:		policy set by policy holders
 * @notify_lock:	protects @notify_list
 * @notify_list:	notifications waiting for kdbus_notify_flush()
 * @notify_flush_lock:	keeps flushed notifications in order
 * @monitors_lock:	protects @monitors
 * @monitors:		monitor connections, which see all traffic
 * @subscribers_lock:	protects @subscribers
 * @subscribers:	per kind of notification, the connections with a
 *			rule for it (kdbus_bus_subscribe())
 */
struct kdbus_bus {
	struct kdbus_node node;
	struct kdbus_domain *domain;
	struct kdbus_user *creator;
	const struct cred *cred;
	struct kdbus_ep *ep;
	char *name;
	u64 id;
	u8 id128[16];
	struct rhash_head id128_node;
	struct rcu_head rcu;
	u64 bus_flags;
	u64 attach_flags_owner;
	struct kdbus_bloom_parameter bloom;
	kuid_t uid;
	kgid_t gid;
	atomic64_t last_conn_id;
	struct xarray conns;
	char *seclabel;
	struct kdbus_meta_proc *creator_proc;
	struct kdbus_name_registry names;
	struct kdbus_policy_db policy_db;
	spinlock_t notify_lock;		/* protects notify_list */
	struct list_head notify_list;
	struct mutex notify_flush_lock;	/* keeps flushes in order */
	struct mutex monitors_lock;	/* protects monitors */
	struct list_head monitors;
	spinlock_t subscribers_lock;	/* protects subscribers */
	struct list_head subscribers[KDBUS_MATCH_KINDS];
};

/**
 * struct kdbus_bus_spec - what a bus is made from
 * @name:		directory name, "<uid>-..." of @cred's euid
 * @flags:		KDBUS_MAKE_* flags
 * @bloom:		bloom filter parameters
 * @attach_flags_owner:	metadata every sender must attach
 * @cred:		its creator's credentials: the control file opener's,
 *			or the identity of a restored bus
 * @id:			bus id to take, or 0 for the domain's next one
 * @id128:		128-bit id to take, or NULL for a random one
 * @last_conn_id:	connection ids handed out already
 * @pids:		its creator's pids, or NULL for the calling task's facts
 * @seclabel:		its creator's security label, if @pids is set
 */
struct kdbus_bus_spec {
	const char *name;
	u64 flags;
	struct kdbus_bloom_parameter bloom;
	u64 attach_flags_owner;
	const struct cred *cred;
	u64 id;
	const u8 *id128;
	u64 last_conn_id;
	const struct kdbus_pids *pids;
	const char *seclabel;
};

int kdbus_bus_init(void);
int kdbus_bus_check_bloom(const struct kdbus_bloom_parameter *bloom);
void kdbus_bus_exit(void);
struct kdbus_bus *kdbus_bus_make(struct kdbus_domain *domain,
				 struct file *file,
				 const struct kdbus_meta_view *view,
				 const struct kdbus_bus_spec *spec);
struct kdbus_bus *kdbus_cmd_bus_make(struct kdbus_domain *domain,
				     struct file *file,
				     const struct kdbus_meta_view *view,
				     void __user *argp);
void kdbus_bus_shutdown(struct kdbus_bus *bus);
struct kdbus_conn *kdbus_bus_find_conn_by_id(struct kdbus_bus *bus, u64 id);
/**
 * struct kdbus_bus_iter - position in a walk over a bus's connections
 * @bus:	the bus
 * @id:		id of the connection returned last
 * @conn:	connection returned last, referenced
 */
struct kdbus_bus_iter {
	struct kdbus_bus *bus;
	unsigned long id;
	struct kdbus_conn *conn;
};

struct kdbus_conn *kdbus_bus_iter_next(struct kdbus_bus_iter *iter);
int kdbus_check_uid_prefix(struct kdbus_domain *domain,
			   const struct cred *cred, const char *name);
void kdbus_bus_subscribe(struct kdbus_conn *conn, unsigned int kinds);
struct kdbus_conn **kdbus_bus_subscribers(struct kdbus_bus *bus,
					  enum kdbus_match_kind kind,
					  unsigned int *n);

/**
 * kdbus_bus_for_each_conn() - walk the connections of a bus, by id
 * @_conn:	iterator, struct kdbus_conn *
 * @_bus:	bus
 *
 * The body may sleep; it holds a memory reference on @_conn, which a
 * break leaves to the caller (kdbus_conn_unref()).
 */
#define kdbus_bus_for_each_conn(_conn, _bus)				\
	for (struct kdbus_bus_iter __iter = { .bus = (_bus) };		\
	     ((_conn) = kdbus_bus_iter_next(&__iter));)

/**
 * kdbus_bus_ref() - take a memory reference on a bus
 * @bus:	bus to reference
 *
 * Return: @bus
 */
static inline struct kdbus_bus *kdbus_bus_ref(struct kdbus_bus *bus)
{
	kdbus_node_ref(&bus->node);
	return bus;
}

/**
 * kdbus_bus_unref() - drop a memory reference on a bus
 * @bus:	bus to unreference, may be NULL
 */
static inline void kdbus_bus_unref(struct kdbus_bus *bus)
{
	if (bus)
		kdbus_node_unref(&bus->node);
}

#endif
