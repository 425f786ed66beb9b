/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __KDBUSFS_NODE_H
#define __KDBUSFS_NODE_H

/**
 * DOC: Nodes
 *
 * A node is the part of a kdbusfs object that user space can see as a file:
 * the domain (root directory and its "control" file), a bus (a directory)
 * and an endpoint (a regular file in the bus directory). The node is
 * embedded in its object and carries the object's memory reference (a kref)
 * and its active references (see active.h).
 *
 * Each linked node owns one pinned dentry in the domain's dcache: there is
 * no backing store, so the dcache is the directory. Every inode of a node
 * holds a memory reference on it, dropped at evict, so a racing open() on a
 * dentry that was just removed still finds valid memory and then fails the
 * active-reference check with ESHUTDOWN.
 *
 * Files carry no device number: they are regular files whose file
 * operations are kdbusfs's own (handle.c).
 */

#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/uidgid.h>
#include <linux/wait.h>

#include "active.h"

struct kdbus_domain;

enum kdbus_node_type {
	KDBUS_NODE_DOMAIN,
	KDBUS_NODE_BUS,
	KDBUS_NODE_ENDPOINT,
};

/**
 * struct kdbus_node - file-system presence of a kdbusfs object
 * @kref:	memory reference of the embedding object
 * @active:	active references, see active.h
 * @waitq:	drainers wait here for @active
 * @type:	which object embeds this node
 * @dentry:	pinned dentry while linked, NULL otherwise (domain lock)
 * @free_cb:	frees the embedding object when @kref drops to zero
 */
struct kdbus_node {
	struct kref kref;
	struct kdbus_active active;
	wait_queue_head_t waitq;
	enum kdbus_node_type type;
	struct dentry *dentry;
	void (*free_cb)(struct kdbus_node *node);
};

void __kdbus_node_init(struct kdbus_node *node, enum kdbus_node_type type,
		       void (*free_cb)(struct kdbus_node *node),
		       const char *name, struct lock_class_key *key);

/**
 * kdbus_node_init() - initialize a node embedded in a new object
 * @_node:	node to initialize
 * @_type:	type of the embedding object
 * @_free_cb:	called to free the object when the last reference goes
 *
 * The active references of the nodes initialized at one call site form
 * one lockdep class (see active.h).
 */
#define kdbus_node_init(_node, _type, _free_cb)				\
	do {								\
		static struct lock_class_key __key;			\
									\
		__kdbus_node_init((_node), (_type), (_free_cb),		\
				  #_node, &__key);			\
	} while (0)
struct kdbus_node *kdbus_node_ref(struct kdbus_node *node);
void kdbus_node_unref(struct kdbus_node *node);
void kdbus_node_deactivate(struct kdbus_node *node);

struct inode *kdbus_node_new_inode(struct super_block *sb,
				   struct kdbus_node *node, umode_t mode,
				   kuid_t uid, kgid_t gid);
int kdbus_node_link(struct kdbus_node *node, struct dentry *parent,
		    const char *name, umode_t mode, kuid_t uid, kgid_t gid);
void kdbus_node_unlink(struct kdbus_domain *domain, struct kdbus_node *node);
void kdbus_node_evict_inode(struct inode *inode);

/**
 * kdbus_node_from_inode() - node an inode stands for
 * @inode:	kdbusfs inode
 *
 * Return: the node, never NULL for a kdbusfs inode.
 */
static inline struct kdbus_node *kdbus_node_from_inode(struct inode *inode)
{
	return inode->i_private;
}

/**
 * kdbus_node_acquire() - take an active reference on a node
 * @node:	node to acquire
 *
 * Return: true on success, false once the node is deactivated.
 */
static inline bool kdbus_node_acquire(struct kdbus_node *node)
{
	return kdbus_active_acquire(&node->active);
}

/**
 * kdbus_node_release() - drop an active reference on a node
 * @node:	node to release, may be NULL
 */
static inline void kdbus_node_release(struct kdbus_node *node)
{
	if (node)
		kdbus_active_release(&node->active, &node->waitq);
}

/**
 * kdbus_node_is_active() - tell whether a node is still active
 * @node:	node to test
 *
 * Return: true until it is deactivated; the answer can be stale at once.
 */
static inline bool kdbus_node_is_active(struct kdbus_node *node)
{
	return kdbus_active_is_active(&node->active);
}

/**
 * kdbus_node_activate() - make a new node usable
 * @node:	node in the NEW state
 *
 * Return: true on success, false if it was deactivated before.
 */
static inline bool kdbus_node_activate(struct kdbus_node *node)
{
	return kdbus_active_activate(&node->active);
}

#endif
