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

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>

#include "metadata.h"

struct cred;
struct kdbus_creds;
struct kdbus_domain;

/**
 * struct kdbus_checkpoint - state of an open checkpoint file
 * @domain:	domain it was opened for (node reference)
 * @cred:	its opener's credentials
 * @may_setid:	its opener had CAP_SETUID and CAP_SETGID over the domain's
 *		user namespace: it may restore connections of other users
 * @view:	its opener's namespaces, for the ids and pids in dumps
 * @lock:	protects @frozen; taken before any connection's lock
 * @frozen:	connections it froze (conn->frozen_entry, each referenced)
 * @n_frozen:	their number
 */
struct kdbus_checkpoint {
	struct kdbus_domain *domain;
	const struct cred *cred;
	bool may_setid;
	struct kdbus_meta_view view;
	struct mutex lock;	/* protects @frozen, @n_frozen */
	struct list_head frozen;
	unsigned int n_frozen;
};

/*
 * A dump being built: items go at @pos while they fit in @size; past it
 * only @pos grows, so that one pass measures what another one needs.
 */
struct kdbus_dump_buf {
	void *buf;
	size_t size;
	size_t pos;
};

int kdbus_cmd_checkpoint(struct kdbus_domain *domain, void __user *argp);
void *kdbus_dump_item(struct kdbus_dump_buf *b, u64 type, size_t len);
void *kdbus_dump_raw(struct kdbus_dump_buf *b, size_t len);
const struct cred *kdbus_restore_cred(const struct kdbus_checkpoint *ckpt,
				      const struct kdbus_creds *in);
void *kdbus_ckpt_copy_dump(u64 addr, u64 size, u64 max);

#endif
