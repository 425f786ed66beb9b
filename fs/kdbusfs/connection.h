/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __KDBUSFS_CONNECTION_H
#define __KDBUSFS_CONNECTION_H

/**
 * DOC: Connection commands
 *
 * The life cycle of a connection as user space drives it: HELLO makes the
 * connection (conn.c) and puts it on its bus, every later ioctl runs
 * inside an active reference on it, and BYEBYE (only with an empty queue),
 * closing the file, or the end of its bus or custom endpoint disconnects
 * it: waiters wake up and fail, the connection leaves the bus, queued
 * messages are dropped (their senders told with REPLY_DEAD where they
 * wait for an answer), replies it owed die the same way, and its quota is
 * given back. SEND copies a message in and hands it to send.c; RECV and
 * FREE work on the connection's own queue and pool.
 */

#include <linux/types.h>

struct file;
struct kdbus_bus;
struct kdbus_conn;
struct kdbus_ep;
struct kdbus_item;
struct kdbus_meta_view;
struct poll_table_struct;

struct kdbus_conn *kdbus_cmd_hello(struct kdbus_ep *ep, struct file *file,
				   bool privileged, bool may_present,
				   const struct kdbus_meta_view *view,
				   void __user *argp);
int kdbus_conn_charge(struct kdbus_conn *conn);
int kdbus_conn_join(struct kdbus_conn *conn, u64 id, bool *held);
int kdbus_conn_take_role(struct kdbus_conn *conn, const char *activator,
			 const struct kdbus_item *items, size_t items_size);
int kdbus_conn_disconnect(struct kdbus_conn *conn, bool byebye);
void kdbus_conn_end_op(struct kdbus_conn *conn);
void kdbus_conn_disconnect_all(struct kdbus_bus *bus, struct kdbus_ep *ep);
int kdbus_cmd_byebye(struct kdbus_conn *conn, void __user *argp);
int kdbus_cmd_update(struct kdbus_conn *conn, void __user *argp);
int kdbus_cmd_send(struct kdbus_conn *conn, struct file *file,
		   void __user *argp);
int kdbus_cmd_recv(struct kdbus_conn *conn, void __user *argp);
int kdbus_cmd_free(struct kdbus_conn *conn, void __user *argp);
__poll_t kdbus_conn_poll(struct kdbus_conn *conn, struct file *file,
			 struct poll_table_struct *wait);

#endif
