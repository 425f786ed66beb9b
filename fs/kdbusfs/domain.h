/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __KDBUSFS_DOMAIN_H
#define __KDBUSFS_DOMAIN_H

/**
 * DOC: Domains
 *
 * Every mount of kdbusfs creates a new domain: an anonymous, independent
 * namespace of buses. Nothing is shared between two domains, not even the
 * numbering of inodes or bus ids. A domain belongs to the user namespace of
 * its mounter; uids in bus names and mount options are read in that
 * namespace, and CAP_IPC_OWNER over it makes an opener privileged.
 *
 * The domain is embedded in the super block's s_fs_info. The super block
 * holds one reference, and so does every inode and every bus. Open files pin
 * the mount, so the super block outlives them and every bus made through
 * them; the domain itself goes when its last bus does.
 */

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include "node.h"

struct kdbus_kuser;
struct user_namespace;

/**
 * struct kdbus_domain - one kdbusfs mount's bus domain
 * @node:		root directory and "control" file
 * @user_ns:		user namespace of the mounter
 * @mounter:		the mounter's accounting across domains; charged
 *			for this domain (KDBUS_USER_DOMAINS)
 * @last_ino:		last inode number handed out
 * @last_id:		last bus id handed out
 * @buses:		its live buses by id, which keeps ids unique
 * @last_seqnum:	last message sequence number handed out
 * @node_lock:		serializes linking and unlinking nodes
 * @user_lock:		protects @users
 * @users:		accounting objects, indexed by kuid
 * @max_buses:		buses per user (mount option)
 * @max_connections:	connections per user (mount option)
 * @file_ops:		file operations of every regular file of the mount
 */
struct kdbus_domain {
	struct kdbus_node node;
	struct user_namespace *user_ns;
	struct kdbus_kuser *mounter;
	atomic_long_t last_ino;
	atomic64_t last_id;
	struct xarray buses;
	atomic64_t last_seqnum;
	struct mutex node_lock;	/* taken before any inode lock */
	struct mutex user_lock;	/* protects @users */
	struct xarray users;
	unsigned int max_buses;
	unsigned int max_connections;
	const struct file_operations *file_ops;
};

struct kdbus_domain *kdbus_domain_new(struct user_namespace *user_ns,
				      kuid_t mounter);

/**
 * kdbus_domain_ref() - take a memory reference on a domain
 * @domain:	domain to reference
 *
 * Return: @domain
 */
static inline struct kdbus_domain *kdbus_domain_ref(struct kdbus_domain *domain)
{
	kdbus_node_ref(&domain->node);
	return domain;
}

/**
 * kdbus_domain_unref() - drop a memory reference on a domain
 * @domain:	domain to unreference, may be NULL
 */
static inline void kdbus_domain_unref(struct kdbus_domain *domain)
{
	if (domain)
		kdbus_node_unref(&domain->node);
}

#endif
