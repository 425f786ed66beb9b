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
 *
 * Every entry belongs to an owner (a policy holder connection, or the
 * endpoint itself). An owner sets all its entries at once, and setting
 * them again replaces everything it had set before; no owner can take a
 * name another owner has an entry for.
 *
 * A query looks at one entry only: the entry for exactly the name if there
 * is one, otherwise the wildcard entry for the name's parent ("a.b.*" for
 * "a.b.c", never "a.*"). Levels are ordered SEE < TALK < OWN, each
 * implying the ones below; the answer is the highest level any of the
 * entry's rules grants.
 *
 * Every access decision of the module is made here too, from the
 * credentials both sides pinned at open(): whether a connection may TALK
 * to another, SEE it, SEE a name or a notification about one, and OWN a
 * name, through its endpoint (a custom endpoint's policy is enforced on
 * everybody) and the bus's policy. The _locked variants are for callers
 * that hold the name registry lock already.
 *
 * Locking: @lock is taken inside whatever lock the caller holds and never
 * around anything else, so queries may come from under the name registry
 * lock or a connection lock.
 */

#include <linux/hashtable.h>
#include <linux/rwsem.h>
#include <linux/types.h>

struct cred;
struct kdbus_conn;
struct kdbus_item;
struct user_namespace;

#define KDBUS_POLICY_HASH_BITS	6

/**
 * struct kdbus_policy_db - a policy database
 * @lock:	protects @entries
 * @entries:	struct kdbus_policy_entry, hashed by name (without ".*")
 */
struct kdbus_policy_db {
	struct rw_semaphore lock;
	DECLARE_HASHTABLE(entries, KDBUS_POLICY_HASH_BITS);
};

void kdbus_policy_db_init(struct kdbus_policy_db *db);
void kdbus_policy_db_clear(struct kdbus_policy_db *db);
int kdbus_policy_query(struct kdbus_policy_db *db, const struct cred *cred,
		       const char *name);
int kdbus_policy_set(struct kdbus_policy_db *db,
		     const struct kdbus_item *items, size_t items_size,
		     size_t max_policies, bool allow_wildcards,
		     const void *owner, struct user_namespace *ns);
void kdbus_policy_remove_owner(struct kdbus_policy_db *db, const void *owner);
size_t kdbus_policy_write(struct kdbus_policy_db *db, const void *owner,
			  void *buf, size_t size, struct user_namespace *ns);

bool kdbus_policy_may_talk(struct kdbus_conn *conn, struct kdbus_conn *to);
bool kdbus_policy_may_own(struct kdbus_conn *conn, const char *name);
bool kdbus_policy_may_see(struct kdbus_conn *conn, struct kdbus_conn *whom);
bool kdbus_policy_may_see_locked(struct kdbus_conn *conn,
				 struct kdbus_conn *whom);
bool kdbus_policy_may_see_name(struct kdbus_conn *conn, const char *name);
bool kdbus_policy_may_see_notification(struct kdbus_conn *conn, u64 type,
				       const void *payload);

#endif
