/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __KDBUSFS_NAMES_CMD_H
#define __KDBUSFS_NAMES_CMD_H

/**
 * DOC: Name commands
 *
 * NAME_ACQUIRE and NAME_RELEASE: the OWN policy decides, the registry
 * (names.c) changes, and what changed is delivered (send.c) before the
 * registry is unlocked; the NAME_* notifications are flushed after.
 */

struct kdbus_bus;
struct kdbus_conn;
struct list_head;

void kdbus_names_finish(struct kdbus_bus *bus, struct list_head *changes);
int kdbus_cmd_name_acquire(struct kdbus_conn *conn, void __user *argp);
int kdbus_cmd_name_release(struct kdbus_conn *conn, void __user *argp);

#endif
