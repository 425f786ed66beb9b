/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __KDBUSFS_RESTORE_H
#define __KDBUSFS_RESTORE_H

/**
 * DOC: Restoring connections
 *
 * A restore is HELLO made from a dump that checkpoint.c has checked for
 * form: the connection gets the dumped id (later HELLOs stay above it),
 * identity, flags and pool size; its held slices and queued messages go
 * back at their offsets before anyone can send to it; then it joins the
 * bus, takes its names again and, with each dumped peer that is back,
 * the replies expected between them. A restore that fails leaves no
 * trace but the notifications of a connection that came and went.
 */

#include <linux/types.h>

struct cred;
struct kdbus_dump_conn;
struct kdbus_ep;
struct kdbus_meta_view;
struct kdbus_pids;

/**
 * struct kdbus_conn_image - a checked dump to restore a connection from
 * @conn:	its KDBUS_ITEM_DUMP_CONN
 * @cred:	the dumped identity as credentials, without capabilities
 * @pids:	its KDBUS_ITEM_PIDS, or NULL
 * @seclabel:	its KDBUS_ITEM_SECLABEL, or NULL
 * @description: its KDBUS_ITEM_CONN_DESCRIPTION, or NULL
 * @items:	the dump's items, each checked for size
 * @items_size:	their bytes
 * @pool:	user memory with the pool's contents at the dump
 * @files:	the restore command's KDBUS_ITEM_DUMP_FILES items
 * @files_size:	their bytes
 */
struct kdbus_conn_image {
	const struct kdbus_dump_conn *conn;
	const struct cred *cred;
	const struct kdbus_pids *pids;
	const char *seclabel;
	const char *description;
	const void *items;
	size_t items_size;
	const void __user *pool;
	const void *files;
	size_t files_size;
};

struct kdbus_conn *kdbus_conn_restore(struct kdbus_ep *ep, bool privileged,
				      const struct kdbus_meta_view *view,
				      const struct kdbus_conn_image *img);

#endif
