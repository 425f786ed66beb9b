// SPDX-License-Identifier: GPL-2.0
/*
 * Policy databases: who may SEE, TALK to and OWN which names.
 */

#include <linux/cred.h>
#include <linux/kdbus.h>

#include "policy.h"

/**
 * kdbus_policy_db_init() - initialize an empty policy database
 * @db:		database
 */
void kdbus_policy_db_init(struct kdbus_policy_db *db)
{
	init_rwsem(&db->lock);
	db->entries = NULL;
}

/**
 * kdbus_policy_db_clear() - drop every entry of a policy database
 * @db:		database
 */
void kdbus_policy_db_clear(struct kdbus_policy_db *db)
{
}

/**
 * kdbus_policy_query() - the access a database grants
 * @db:		database
 * @cred:	credentials asking (pinned at open)
 * @name:	well-known name
 *
 * Return: the highest KDBUS_POLICY_* granted, or -EPERM if none.
 */
int kdbus_policy_query(struct kdbus_policy_db *db, const struct cred *cred,
		       const char *name)
{
	return -EPERM;
}
