/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __KDBUSFS_QUEUE_H
#define __KDBUSFS_QUEUE_H

/**
 * DOC: Receive queues
 *
 * Every connection has one queue of messages waiting for RECV. A queued
 * entry owns a slice of the receiver's pool, already holding the whole
 * message; the files it carries (FDS, PAYLOAD_MEMFD) are installed as file
 * descriptors only when the message is received, in the receiver's task.
 *
 * Entries are kept twice: in a list, in the order they were queued, and in
 * an rbtree by (priority, order), for RECV with KDBUS_RECV_USE_PRIORITY.
 * The queue is protected by its connection's lock.
 */

#include <linux/list.h>
#include <linux/rbtree.h>
#include <linux/types.h>
#include <linux/uidgid.h>

struct file;
struct kdbus_conn;
struct kdbus_meta;
struct kdbus_meta_view;
struct kdbus_msg_info;
struct kdbus_pool_slice;
struct kdbus_quota_table;
struct kdbus_reply;
struct kdbus_user;

/**
 * struct kdbus_queue - a connection's receive queue
 * @msg_list:	entries in the order they were queued
 * @msg_prio:	entries by priority
 * @count:	number of entries
 */
struct kdbus_queue {
	struct list_head msg_list;
	struct rb_root msg_prio;
	size_t count;
};

/**
 * struct kdbus_queue_entry - a message waiting to be received
 * @entry:	in queue->msg_list
 * @prio_node:	in queue->msg_prio
 * @priority:	message priority, lower is more urgent
 * @slice:	slice of the receiver's pool with the message
 * @msg_size:	size of the message in the slice
 * @src_id:	sender's id, 0 for the kernel
 * @cookie:	sender's cookie
 * @charged:	it is charged to @sender's quota at the receiver
 * @sender:	uid charged (KDBUS_QUOTA_KERNEL for notifications)
 * @charged_size: bytes charged
 * @reply:	reply the receiver owes for this message, or NULL
 * @files:	files of the FDS item, then those of the MEMFD items
 * @n_fds:	number of files of the FDS item
 * @n_memfds:	number of PAYLOAD_MEMFD files
 * @fds_off:	offset in the slice of the FDS item's int array
 * @memfd_offs:	offset in the slice of each MEMFD item's fd field
 * @meta:	metadata still to be written into the slice, or NULL
 * @dst_name_id: name entry the message was sent to, 0 if sent by id
 */
struct kdbus_queue_entry {
	struct list_head entry;
	struct rb_node prio_node;
	s64 priority;
	struct kdbus_pool_slice *slice;
	size_t msg_size;
	u64 src_id;
	u64 cookie;
	bool charged;
	kuid_t sender;
	size_t charged_size;
	struct kdbus_reply *reply;
	struct file **files;
	unsigned int n_fds;
	unsigned int n_memfds;
	size_t fds_off;
	size_t *memfd_offs;
	struct kdbus_meta *meta;
	u64 dst_name_id;
};

/**
 * kdbus_queue_init() - initialize an empty queue
 * @queue:	queue to initialize
 */
static inline void kdbus_queue_init(struct kdbus_queue *queue)
{
	INIT_LIST_HEAD(&queue->msg_list);
	queue->msg_prio = RB_ROOT;
	queue->count = 0;
}

void kdbus_queue_add(struct kdbus_queue *queue,
		     struct kdbus_queue_entry *entry);
void kdbus_queue_add_head(struct kdbus_queue *queue,
			  struct kdbus_queue_entry *entry);
void kdbus_queue_remove(struct kdbus_queue *queue,
			struct kdbus_queue_entry *entry);
struct kdbus_queue_entry *kdbus_queue_peek(struct kdbus_queue *queue,
					   s64 priority, bool use_priority);

struct kdbus_queue_entry *kdbus_queue_entry_new(unsigned int n_files,
						unsigned int n_memfds);
void kdbus_queue_entry_free(struct kdbus_queue_entry *entry);
int kdbus_queue_entry_install(struct kdbus_queue_entry *entry,
			      bool *incomplete);
void kdbus_queue_entry_quota(struct kdbus_queue_entry *entry,
			     struct kdbus_quota_table *quota, int sign);
int kdbus_queue_entry_install_meta(struct kdbus_queue_entry *entry,
				   const struct kdbus_meta_view *reader);
int kdbus_queue_entry_deliver(struct kdbus_queue_entry *entry,
			      const struct kdbus_meta_view *reader,
			      struct kdbus_msg_info *info);

#endif
