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
 * Each database counts its rules per kind of kernel notification they can
 * select (an empty rule selects all; one whose items are all of one kind,
 * that kind; any other none), and keeps its connection on the bus's list
 * of subscribers of each kind it has rules for: a notification is offered
 * only to those, not to every connection of the bus.
 *
 * Locking: each database has an rwsem; senders match under it for
 * reading, from their own send path, while its owner adds and removes
 * rules. Matching NAME items takes the name registry's lock inside it;
 * the bus's subscriber lists are changed under it.
 */

#include <linux/types.h>

/*
 * The kinds of broadcast a rule can select: each kind of kernel
 * notification, and the signals of peers.
 */
enum kdbus_match_kind {
	KDBUS_MATCH_KIND_ID_ADD,
	KDBUS_MATCH_KIND_ID_REMOVE,
	KDBUS_MATCH_KIND_NAME_ADD,
	KDBUS_MATCH_KIND_NAME_REMOVE,
	KDBUS_MATCH_KIND_NAME_CHANGE,
	KDBUS_MATCH_KIND_SIGNAL,
	KDBUS_MATCH_KINDS,
};

struct kdbus_conn;
struct kdbus_match_db;
struct kdbus_bloom_filter;
struct kdbus_dump_match;

int kdbus_match_kind(u64 item_type);
struct kdbus_match_db *kdbus_match_db_new(void);
void kdbus_match_db_free(struct kdbus_match_db *db);
int kdbus_cmd_match_add(struct kdbus_conn *conn, void __user *argp);
int kdbus_cmd_match_remove(struct kdbus_conn *conn, void __user *argp);
bool kdbus_match_db_match_msg(struct kdbus_match_db *db,
			      struct kdbus_conn *src, struct kdbus_conn *dst,
			      const struct kdbus_bloom_filter *bloom);
bool kdbus_match_db_match_kernel(struct kdbus_match_db *db, u64 type,
				 const void *payload);
size_t kdbus_match_db_dump(struct kdbus_match_db *db, void *buf, size_t size);
int kdbus_match_db_restore(struct kdbus_conn *conn,
			   const struct kdbus_dump_match *dm, size_t size);

#endif
