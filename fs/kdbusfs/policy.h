/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __KDBUSFS_POLICY_H
#define __KDBUSFS_POLICY_H

/**
 * DOC: Policy
 *
 * A policy database maps well-known names (or "prefix.*" wildcards) to
 * access entries: USER, GROUP or WORLD may SEE, TALK to or OWN the name.
 * Each bus has one, filled by policy holders; each custom endpoint has
 * one, filled by its maker, empty (deny all) at first.
 */

#include <linux/rwsem.h>
#include <linux/types.h>

struct cred;
struct kdbus_item;
struct user_namespace;

/**
 * struct kdbus_policy_db - a policy database
 * @lock:	protects @entries
 * @entries:	policy entries
 */
struct kdbus_policy_db {
	struct rw_semaphore lock;
	void *entries;
};

void kdbus_policy_db_init(struct kdbus_policy_db *db);
void kdbus_policy_db_clear(struct kdbus_policy_db *db);
int kdbus_policy_query(struct kdbus_policy_db *db, const struct cred *cred,
		       const char *name);

#endif
