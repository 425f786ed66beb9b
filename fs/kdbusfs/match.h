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
 */

#include <linux/types.h>

struct kdbus_conn;
struct kdbus_item;
struct kdbus_match_db;
struct kdbus_staging;

struct kdbus_match_db *kdbus_match_db_new(void);
void kdbus_match_db_free(struct kdbus_match_db *db);
int kdbus_cmd_match_add(struct kdbus_conn *conn, void __user *argp);
int kdbus_cmd_match_remove(struct kdbus_conn *conn, void __user *argp);
bool kdbus_match_db_match_msg(struct kdbus_match_db *db,
			      struct kdbus_conn *src,
			      const struct kdbus_staging *staging);
bool kdbus_match_db_match_kernel(struct kdbus_match_db *db,
				 const struct kdbus_item *item);

#endif
