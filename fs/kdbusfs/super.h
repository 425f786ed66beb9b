/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __KDBUSFS_SUPER_H
#define __KDBUSFS_SUPER_H

/**
 * DOC: The file system
 *
 * "mount -t kdbusfs none DIR" makes a new super block, and with it a new
 * domain, every time; it is allowed inside a user namespace
 * (FS_USERNS_MOUNT) and the domain then belongs to that namespace. The root
 * directory holds the world-writable "control" file; buses appear as
 * directories beside it. Mount options set the root's mode and owner and
 * the per-user limits of the domain; all can change on remount.
 */

/* "DBus", as upstream kdbus used */
#define KDBUSFS_SUPER_MAGIC	0x44427573

#endif
