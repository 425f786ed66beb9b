/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __KDBUSFS_HANDLE_H
#define __KDBUSFS_HANDLE_H

/**
 * DOC: Handles
 *
 * A handle is the private state of one open kdbusfs file. It is created at
 * open() and records everything about the opener that later decisions
 * need: whether the opener is privileged on the domain or bus, and, through
 * the file's f_cred, who the opener is. Nothing is re-evaluated from the
 * task that later calls ioctl(), so a file passed to another process, more
 * or less privileged, acts exactly as it would in its opener's hands.
 *
 * A handle takes exactly one role, once, through its first successful
 * setup ioctl: bus owner (BUS_MAKE on "control"), endpoint owner
 * (ENDPOINT_MAKE) or connection (HELLO). Each later ioctl is dispatched by
 * that role.
 */

#include <linux/fs.h>

struct cred;
struct kdbus_bus;
struct kdbus_bus_spec;
struct kdbus_conn;
struct kdbus_conn_image;
struct kdbus_domain;
struct kdbus_ep;
struct kdbus_item;
struct kdbus_meta_view;

extern const struct file_operations kdbus_handle_ops;

struct kdbus_conn *kdbus_handle_conn_get(u64 fd);
int kdbus_handle_restore(u64 fd, struct kdbus_domain *domain,
			 const struct kdbus_meta_view *view,
			 const struct kdbus_conn_image *img);
struct kdbus_bus *kdbus_handle_bus_get(u64 fd);
struct kdbus_ep *kdbus_handle_ep_get(u64 fd);
int kdbus_handle_ep_restore(u64 fd, struct kdbus_domain *domain,
			    const struct cred *cred, const char *name,
			    u64 flags, const struct kdbus_item *items,
			    size_t items_size);
int kdbus_handle_bus_restore(u64 fd, struct kdbus_domain *domain,
			     const struct kdbus_meta_view *view,
			     const struct kdbus_bus_spec *spec);

#endif
