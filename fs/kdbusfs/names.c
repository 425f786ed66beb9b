// SPDX-License-Identifier: GPL-2.0
/*
 * The well-known name registry of a bus.
 */

#include <linux/ctype.h>
#include <linux/kdbus.h>

#include "connection.h"
#include "limits.h"
#include "names.h"

/**
 * kdbus_name_registry_init() - initialize an empty registry
 * @reg:	registry
 */
void kdbus_name_registry_init(struct kdbus_name_registry *reg)
{
	init_rwsem(&reg->rwlock);
	hash_init(reg->entries);
	reg->name_seq_last = 0;
}

/**
 * kdbus_name_is_valid() - check the syntax of a well-known name
 * @p:			the name
 * @allow_wildcard:	whether a final ".*" is allowed (policy entries)
 *
 * A name has at least two elements separated by dots; each element is
 * not empty, consists of [A-Za-z0-9_-] and does not start with a digit;
 * the whole is at most KDBUS_NAME_MAX_LEN characters.
 *
 * Return: whether @p is valid.
 */
bool kdbus_name_is_valid(const char *p, bool allow_wildcard)
{
	bool elem_start = true, dots = false;
	const char *q;

	for (q = p; *q; q++) {
		if (*q == '.') {
			if (elem_start)
				return false;
			dots = true;
			elem_start = true;
			continue;
		}
		if (!(isalpha(*q) || *q == '_' || *q == '-' ||
		      (!elem_start && isdigit(*q)) ||
		      (allow_wildcard && elem_start && dots && *q == '*' &&
		       !q[1])))
			return false;
		elem_start = false;
	}
	return dots && !elem_start && q - p <= KDBUS_NAME_MAX_LEN;
}

/**
 * kdbus_conn_has_name() - whether a connection owns a name
 * @conn:	connection
 * @name:	well-known name
 *
 * Return: true if @conn is the primary owner of @name.
 */
bool kdbus_conn_has_name(struct kdbus_conn *conn, const char *name)
{
	return false;
}

/**
 * kdbus_name_release_all() - give up every name and queue place
 * @conn:	disconnecting connection
 */
void kdbus_name_release_all(struct kdbus_conn *conn)
{
}

/**
 * kdbus_cmd_name_acquire() - handle KDBUS_CMD_NAME_ACQUIRE
 * @conn:	connection
 * @argp:	command payload
 *
 * Return: 0 or a negative error code.
 */
int kdbus_cmd_name_acquire(struct kdbus_conn *conn, void __user *argp)
{
	return -ENOTTY;
}

/**
 * kdbus_cmd_name_release() - handle KDBUS_CMD_NAME_RELEASE
 * @conn:	connection
 * @argp:	command payload
 *
 * Return: 0 or a negative error code.
 */
int kdbus_cmd_name_release(struct kdbus_conn *conn, void __user *argp)
{
	return -ENOTTY;
}

/**
 * kdbus_cmd_list() - handle KDBUS_CMD_LIST
 * @conn:	connection
 * @argp:	command payload
 *
 * Return: 0 or a negative error code.
 */
int kdbus_cmd_list(struct kdbus_conn *conn, void __user *argp)
{
	return -ENOTTY;
}
