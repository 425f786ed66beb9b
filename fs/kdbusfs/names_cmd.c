// SPDX-License-Identifier: GPL-2.0
/*
 * NAME_ACQUIRE and NAME_RELEASE.
 */

#include <linux/kdbus.h>
#include <linux/list.h>

#include "bus.h"
#include "conn.h"
#include "item.h"
#include "names.h"
#include "names_cmd.h"
#include "notify.h"
#include "policy.h"
#include "send.h"

/**
 * kdbus_names_finish() - deliver a registry change, unlock, notify
 * @bus:	bus whose registry the caller locked with kdbus_names_lock()
 * @changes:	what the registry operations reported; delivered
 *
 * Messages sent to a name that changed hands reach the new owner before
 * the registry is unlocked (nobody can find that owner before); the
 * NAME_* notifications are flushed after.
 */
void kdbus_names_finish(struct kdbus_bus *bus, struct list_head *changes)
{
	kdbus_send_name_changes(bus, changes);
	kdbus_names_unlock(&bus->names);
	kdbus_notify_flush(bus);
}

/**
 * kdbus_cmd_name_acquire() - handle KDBUS_CMD_NAME_ACQUIRE
 * @conn:	connection
 * @argp:	command payload
 *
 * Return: 0 (return_flags: the saved flags with PRIMARY or IN_QUEUE, and
 * KDBUS_NAME_ACQUIRED if the name or a queue place was new), -EEXIST
 * (taken), -EPERM (policy), -EINVAL (bad name or flags), -E2BIG (too many
 * names), -EOPNOTSUPP (activators, monitors and policy holders own no
 * names this way), -ENOMEM.
 */
int kdbus_cmd_name_acquire(struct kdbus_conn *conn, void __user *argp)
{
	struct kdbus_name_registry *reg = &conn->bus->names;
	struct kdbus_cmd *cmd;
	LIST_HEAD(changes);
	const char *name;
	u64 rflags = 0;
	int ret;

	struct kdbus_arg argv[] = {
		{ .type = KDBUS_ITEM_NEGOTIATE },
		{ .type = KDBUS_ITEM_NAME, .mandatory = true },
	};
	struct kdbus_args args = {
		.allowed_flags = KDBUS_FLAG_NEGOTIATE |
				 KDBUS_NAME_REQUEST_FLAGS,
		.argv = argv,
		.argc = ARRAY_SIZE(argv),
	};

	if (!kdbus_conn_is_ordinary(conn))
		return -EOPNOTSUPP;

	ret = kdbus_args_parse(&args, argp, &cmd);
	if (ret != 0)
		return min(ret, 0);

	name = argv[1].item->str;
	if (!kdbus_name_is_valid(name, false)) {
		ret = -EINVAL;
		goto exit;
	}
	if (!kdbus_policy_may_own(conn, name)) {
		ret = -EPERM;
		goto exit;
	}

	kdbus_names_lock(reg);
	ret = kdbus_name_acquire(reg, conn, name, cmd->flags, &rflags,
				 &changes);
	kdbus_names_finish(conn->bus, &changes);
	cmd->return_flags = rflags;
exit:
	return kdbus_args_clear(&args, ret);
}

/**
 * kdbus_cmd_name_release() - handle KDBUS_CMD_NAME_RELEASE
 * @conn:	connection
 * @argp:	command payload
 *
 * Return: 0, -ESRCH (nobody owns the name, or none the caller may see),
 * -EADDRINUSE (somebody else owns it and the caller is not waiting for
 * it), -EINVAL, -EOPNOTSUPP.
 */
int kdbus_cmd_name_release(struct kdbus_conn *conn, void __user *argp)
{
	struct kdbus_name_registry *reg = &conn->bus->names;
	struct kdbus_cmd *cmd;
	LIST_HEAD(changes);
	int ret;

	struct kdbus_arg argv[] = {
		{ .type = KDBUS_ITEM_NEGOTIATE },
		{ .type = KDBUS_ITEM_NAME, .mandatory = true },
	};
	struct kdbus_args args = {
		.allowed_flags = KDBUS_FLAG_NEGOTIATE,
		.argv = argv,
		.argc = ARRAY_SIZE(argv),
	};

	if (!kdbus_conn_is_ordinary(conn))
		return -EOPNOTSUPP;

	ret = kdbus_args_parse(&args, argp, &cmd);
	if (ret != 0)
		return min(ret, 0);

	kdbus_names_lock(reg);
	ret = kdbus_name_release(reg, conn, argv[1].item->str, &changes);
	kdbus_names_finish(conn->bus, &changes);
	/* whether somebody else owns a hidden name is no business of ours */
	if (ret == -EADDRINUSE &&
	    !kdbus_policy_may_see_name(conn, argv[1].item->str))
		ret = -ESRCH;
	return kdbus_args_clear(&args, ret);
}
