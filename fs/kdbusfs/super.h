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

/**
 * DOC: Layers
 *
 * Each file belongs to one layer and calls only into its own layer or the
 * ones below it (scripts/check-layers checks the built objects):
 *
 *   base:      active, item, pool, user, node, limits.h
 *   objects:   domain, bus, conn, endpoint, names, match, policy, metadata
 *              (data with their locks; they send nothing)
 *   delivery:  message, queue, reply, notify, send
 *   commands:  connection, names_cmd, info, handle, super
 *
 * Where an object's change has a consequence above it (a name changing
 * owner moves messages and notifies), the object reports what happened
 * and the command layer delivers it.
 */

/**
 * DOC: Locking
 *
 * Locks nest in this order, outermost first; a lock is never taken while
 * one below it in the list is held:
 *
 *  1. handle->lock: the setup ioctls of one file (BUS_MAKE, ENDPOINT_MAKE,
 *     HELLO).
 *  2. Active references (active.h) behave as read locks taken by trylock;
 *     draining is the write side. Nothing drains an object while holding
 *     an active reference on it or on an object below it in this chain:
 *     domain -> bus, default endpoint -> custom endpoint, endpoint ->
 *     connection. lockdep checks it on the debug kernel.
 *  3. domain->node_lock, then the directory inode's lock (node.c).
 *  4. bus->notify_flush_lock, held while notifications are delivered.
 *  5. bus->monitors_lock, held while the monitors are counted.
 *  6. A receiver's match database rwsem (match.c).
 *  7. The bus's name registry rwsem (names.h); under it the messages
 *     sent to a name move to its new owner.
 *  8. conn->lock of one connection; code never holds two.
 *  9. A pool's lock (pool.c).
 * 10. A policy database's rwsem (policy.h), domain->user_lock, the
 *     kernel users' lock (user.c), the quota table's xarray lock,
 *     bus->notify_lock, bus->subscribers_lock and a caller's
 *     conn->requests_lock (reply.c): innermost, nothing is taken under
 *     them.
 *
 * Payloads, and the command line for metadata, are read from the
 * sender's memory with no lock held (only the sender's active reference),
 * monitor copies included: a fault that never ends stalls nobody else.
 * Nor does it stall the teardown of anything: the setup ioctls hold the
 * endpoint active only while they link, not while they read or write user
 * memory, and a connection's disconnection waits for its operations only
 * in BYEBYE, killably; otherwise the last operation finishes it.
 */

/* "DBus", as upstream kdbus used */
#define KDBUSFS_SUPER_MAGIC	0x44427573

#endif
