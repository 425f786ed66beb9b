/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __KDBUSFS_CHECKPOINT_H
#define __KDBUSFS_CHECKPOINT_H

/**
 * DOC: Checkpoint files
 *
 * A checkpoint file is what a checkpointer (CRIU's kdbusfs plugin) reads
 * connections through. KDBUS_CMD_CHECKPOINT, on any kdbusfs file, opens
 * one for that file's domain, and only for a caller with
 * CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN over the domain's user
 * namespace: that call is the checkpoint file's open(), so, as for every
 * kdbusfs file, its privilege is decided once, there, from the caller's
 * credentials. The file it was issued on lends nothing. Passed to anyone
 * else, a checkpoint file keeps exactly its opener's view (ids and pids
 * are translated for the opener).
 *
 * Through it, KDBUS_CMD_CONN_DUMP writes a connection's state into a user
 * buffer, and may freeze the connection: while frozen, nothing is queued
 * to it, so that a dump stays true until the checkpointer is done. A
 * freeze belongs to one checkpoint file and ends with KDBUS_CMD_CONN_THAW
 * or when that file is released, so a checkpointer that dies or gives up
 * leaves every connection as it was.
 *
 * Locking: the checkpoint's @lock is taken before a connection's lock; a
 * connection's freeze (conn->frozen_by, conn->frozen_entry) changes only
 * under both.
 */

struct kdbus_domain;

int kdbus_cmd_checkpoint(struct kdbus_domain *domain, void __user *argp);

#endif
