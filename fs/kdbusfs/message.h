/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __KDBUSFS_MESSAGE_H
#define __KDBUSFS_MESSAGE_H

/**
 * DOC: Messages
 *
 * SEND copies the sender's struct kdbus_msg and its items into the kernel
 * and validates them once (a staging object). The payload stays where it
 * is: each destination gets a slice of its pool, and the payload vectors
 * are copied straight from the sender's memory into it, once. Sealed memfds
 * and passed files travel as file references and become descriptors only
 * when the receiver takes the message.
 *
 * In the receiver's pool a message is laid out as
 *
 *   struct kdbus_msg      size = header and items, not the payload
 *   items                 PAYLOAD_OFF per vector, PAYLOAD_MEMFD per memfd,
 *                         one FDS item, in the sender's order
 *   payload               the vectors' bytes, each 8-byte aligned
 *
 * PAYLOAD_OFF offsets count from the start of the message; a zero-filled
 * padding vector (address 0) is reported with offset ~0ULL and no bytes.
 * Descriptor numbers are -1 until the message is received.
 */

#include <linux/kdbus.h>
#include <linux/types.h>

#include "item.h"

struct file;
struct kdbus_conn;
struct kdbus_msg;
struct kdbus_queue_entry;

/**
 * struct kdbus_staging - a validated message on its way
 * @args:		the copied message and its items
 * @msg:		the message header, in @args
 * @fds:		files of the FDS item
 * @n_fds:		number of @fds
 * @memfds:		files of the PAYLOAD_MEMFD items, in order
 * @n_memfds:		number of @memfds
 * @n_vecs:		number of PAYLOAD_VEC items
 * @payload_size:	bytes of payload in the receiver's slice
 * @msg_size:		header and items in the receiver's slice
 * @dst_name:		KDBUS_ITEM_DST_NAME, or NULL
 * @dst_name_id:	name entry @dst_name resolved to, set when sending
 * @dst_id:		receiver's id, set when sending a unicast
 * @bloom:		KDBUS_ITEM_BLOOM_FILTER, or NULL
 */
struct kdbus_staging {
	struct kdbus_args args;
	struct kdbus_msg *msg;
	struct file **fds;
	unsigned int n_fds;
	struct file **memfds;
	unsigned int n_memfds;
	unsigned int n_vecs;
	size_t payload_size;
	size_t msg_size;
	const struct kdbus_item *dst_name;
	u64 dst_name_id;
	u64 dst_id;
	const struct kdbus_item *bloom;
};

struct kdbus_staging *kdbus_staging_new_user(struct kdbus_conn *src,
					     u64 msg_address);
void kdbus_staging_free(struct kdbus_staging *staging);
int kdbus_msg_restore_files(struct kdbus_queue_entry *entry,
			    const struct kdbus_msg *hdr, size_t size,
			    const s32 *fds, unsigned int n);
struct kdbus_queue_entry *kdbus_staging_emit(struct kdbus_staging *staging,
					     struct kdbus_conn *src,
					     struct kdbus_conn *dst);
struct kdbus_queue_entry *kdbus_kmsg_emit(struct kdbus_conn *dst,
					  u64 cookie_reply, u64 item_type,
					  const void *payload,
					  size_t payload_size);

#endif
