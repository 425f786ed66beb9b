/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __KDBUSFS_INFO_H
#define __KDBUSFS_INFO_H

/**
 * DOC: Information commands
 *
 * CONN_INFO, BUS_CREATOR_INFO and LIST answer with struct kdbus_info
 * records written into the asking connection's pool. What is reported is
 * what the asker may see (its endpoint's SEE policy) and, for metadata,
 * what the described connection or the bus's creator allowed to be
 * attached, translated into the asker's namespaces.
 */

struct kdbus_conn;

int kdbus_cmd_conn_info(struct kdbus_conn *conn, void __user *argp);
int kdbus_cmd_bus_creator_info(struct kdbus_conn *conn, void __user *argp);
int kdbus_cmd_list(struct kdbus_conn *conn, void __user *argp);

#endif
