/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __KDBUSFS_MATCH_H
#define __KDBUSFS_MATCH_H

/**
 * DOC: Matches
 *
 * Every connection has a match database: the rules, added with
 * KDBUS_CMD_MATCH_ADD, that select the broadcasts and kernel notifications
 * it receives. A broadcast reaches a connection only if one of its rules
 * matches.
 *
 * A rule is a list of items that must all match: BLOOM_MASK, NAME and ID
 * select broadcasts by their bloom filter, by a name their sender owns and
 * by the sender's id; ID_ADD, ID_REMOVE, NAME_ADD, NAME_REMOVE and
 * NAME_CHANGE select kernel notifications. A rule without items matches
 * everything. Rules are tagged with a cookie, by which they are removed.
 *
 * Locking: each database has an rwsem; senders match under it for
 * reading, from their own send path, while its owner adds and removes
 * rules. Matching NAME items takes the name registry's lock inside it.
 */

#include <linux/types.h>

struct kdbus_conn;
struct kdbus_match_db;
struct kdbus_bloom_filter;

struct kdbus_match_db *kdbus_match_db_new(void);
void kdbus_match_db_free(struct kdbus_match_db *db);
int kdbus_cmd_match_add(struct kdbus_conn *conn, void __user *argp);
int kdbus_cmd_match_remove(struct kdbus_conn *conn, void __user *argp);
bool kdbus_match_db_match_msg(struct kdbus_match_db *db,
			      struct kdbus_conn *src, struct kdbus_conn *dst,
			      const struct kdbus_bloom_filter *bloom);
bool kdbus_match_db_match_kernel(struct kdbus_match_db *db, u64 type,
				 const void *payload);

#endif
