/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __KDBUSFS_NAMES_H
#define __KDBUSFS_NAMES_H

/**
 * DOC: Well-known names
 *
 * Each bus has a registry of well-known names. A name has at most one
 * owner (its primary), a queue of connections waiting for it, and maybe
 * an activator: a placeholder connection that holds the name, and the
 * messages sent to it, while no real owner does.
 *
 * Locking: the registry's rwsem protects every entry, every connection's
 * names_list, names_queue_list and activator_of. Notifications are queued
 * under it and sent after it is released.
 */

#include <linux/hashtable.h>
#include <linux/rwsem.h>
#include <linux/types.h>

struct kdbus_bus;
struct kdbus_conn;
struct kdbus_policy_db;

/**
 * struct kdbus_name_registry - the names of a bus
 * @rwlock:	see the DOC block
 * @entries:	name entries by hash of the name
 * @name_seq_last: last name entry id handed out
 */
struct kdbus_name_registry {
	struct rw_semaphore rwlock;
	DECLARE_HASHTABLE(entries, 8);
	u64 name_seq_last;
};

void kdbus_name_registry_init(struct kdbus_name_registry *reg);
bool kdbus_name_is_valid(const char *p, bool allow_wildcard);
bool kdbus_conn_has_name(struct kdbus_conn *conn, const char *name);
void kdbus_name_release_all(struct kdbus_conn *conn);
int kdbus_name_acquire_activator(struct kdbus_conn *conn, const char *name);
struct kdbus_conn *kdbus_name_lookup(struct kdbus_bus *bus, const char *name,
				     u64 *name_id);
void *kdbus_name_items(struct kdbus_conn *conn, size_t *size);
bool kdbus_name_policy_any(struct kdbus_conn *conn, struct kdbus_conn *owner,
			   struct kdbus_policy_db *db, int access);
int kdbus_cmd_name_acquire(struct kdbus_conn *conn, void __user *argp);
int kdbus_cmd_name_release(struct kdbus_conn *conn, void __user *argp);
int kdbus_cmd_list(struct kdbus_conn *conn, void __user *argp);

#endif
