// SPDX-License-Identifier: GPL-2.0
/*
 * Match rules: which broadcasts and notifications a connection receives.
 */

#include <linux/err.h>
#include <linux/kdbus.h>
#include <linux/slab.h>

#include "connection.h"
#include "match.h"

/**
 * struct kdbus_match_db - the match rules of one connection
 * @n_rules:	number of rules
 */
struct kdbus_match_db {
	unsigned int n_rules;
};

/**
 * kdbus_match_db_new() - make an empty match database
 *
 * Return: the database, or ERR_PTR(-ENOMEM).
 */
struct kdbus_match_db *kdbus_match_db_new(void)
{
	struct kdbus_match_db *db = kzalloc(sizeof(*db), GFP_KERNEL_ACCOUNT);

	return db ?: ERR_PTR(-ENOMEM);
}

/**
 * kdbus_match_db_free() - free a match database and its rules
 * @db:		database, may be NULL
 */
void kdbus_match_db_free(struct kdbus_match_db *db)
{
	kfree(db);
}

/**
 * kdbus_cmd_match_add() - handle KDBUS_CMD_MATCH_ADD
 * @conn:	connection
 * @argp:	command payload
 *
 * Return: 0 or a negative error code.
 */
int kdbus_cmd_match_add(struct kdbus_conn *conn, void __user *argp)
{
	return -ENOTTY;
}

/**
 * kdbus_cmd_match_remove() - handle KDBUS_CMD_MATCH_REMOVE
 * @conn:	connection
 * @argp:	command payload
 *
 * Return: 0 or a negative error code.
 */
int kdbus_cmd_match_remove(struct kdbus_conn *conn, void __user *argp)
{
	return -ENOTTY;
}

/**
 * kdbus_match_db_match_msg() - whether a broadcast matches a rule
 * @db:		receiver's database
 * @src:	sender
 * @staging:	the message
 *
 * Return: true if a rule of @db matches.
 */
bool kdbus_match_db_match_msg(struct kdbus_match_db *db,
			      struct kdbus_conn *src,
			      const struct kdbus_staging *staging)
{
	return false;
}

/**
 * kdbus_match_db_match_kernel() - whether a notification matches a rule
 * @db:		receiver's database
 * @item:	the notification's item
 *
 * Return: true if a rule of @db matches.
 */
bool kdbus_match_db_match_kernel(struct kdbus_match_db *db,
				 const struct kdbus_item *item)
{
	return false;
}
