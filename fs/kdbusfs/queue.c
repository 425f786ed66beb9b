// SPDX-License-Identifier: GPL-2.0
/*
 * Receive queues and their entries.
 */

#include <linux/err.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kdbus.h>
#include <linux/rbtree.h>
#include <linux/slab.h>
#include <linux/uio.h>

#include "metadata.h"
#include "pool.h"
#include "queue.h"
#include "reply.h"
#include "user.h"

/**
 * kdbus_queue_add() - append an entry
 * @queue:	queue to add to; the connection lock is held
 * @entry:	entry to add
 */
void kdbus_queue_add(struct kdbus_queue *queue, struct kdbus_queue_entry *entry)
{
	struct rb_node **n = &queue->msg_prio.rb_node, *parent = NULL;

	/* equal priorities go right: FIFO among them */
	while (*n) {
		struct kdbus_queue_entry *e;

		parent = *n;
		e = rb_entry(parent, struct kdbus_queue_entry, prio_node);
		n = entry->priority < e->priority ? &parent->rb_left :
						    &parent->rb_right;
	}
	rb_link_node(&entry->prio_node, parent, n);
	rb_insert_color(&entry->prio_node, &queue->msg_prio);
	list_add_tail(&entry->entry, &queue->msg_list);
	queue->count++;
}

/**
 * kdbus_queue_add_head() - put an entry back in front
 * @queue:	queue to add to; the connection lock is held
 * @entry:	entry that was taken off this queue and could not be received
 */
void kdbus_queue_add_head(struct kdbus_queue *queue,
			  struct kdbus_queue_entry *entry)
{
	struct rb_node **n = &queue->msg_prio.rb_node, *parent = NULL;

	/* equal priorities go left: it is the oldest among them again */
	while (*n) {
		struct kdbus_queue_entry *e;

		parent = *n;
		e = rb_entry(parent, struct kdbus_queue_entry, prio_node);
		n = entry->priority <= e->priority ? &parent->rb_left :
						     &parent->rb_right;
	}
	rb_link_node(&entry->prio_node, parent, n);
	rb_insert_color(&entry->prio_node, &queue->msg_prio);
	list_add(&entry->entry, &queue->msg_list);
	queue->count++;
}

/**
 * kdbus_queue_remove() - unlink an entry
 * @queue:	queue the entry is on; the connection lock is held
 * @entry:	entry to remove
 */
void kdbus_queue_remove(struct kdbus_queue *queue,
			struct kdbus_queue_entry *entry)
{
	list_del_init(&entry->entry);
	rb_erase(&entry->prio_node, &queue->msg_prio);
	RB_CLEAR_NODE(&entry->prio_node);
	queue->count--;
}

/**
 * kdbus_queue_peek() - the entry RECV would take
 * @queue:		queue to look at; the connection lock is held
 * @priority:		with @use_priority, the least urgent priority wanted
 * @use_priority:	take the most urgent entry instead of the oldest
 *
 * Return: the entry, or NULL if there is none (of that priority).
 */
struct kdbus_queue_entry *kdbus_queue_peek(struct kdbus_queue *queue,
					   s64 priority, bool use_priority)
{
	struct kdbus_queue_entry *e;
	struct rb_node *n;

	if (!use_priority)
		return list_first_entry_or_null(&queue->msg_list,
						struct kdbus_queue_entry,
						entry);

	n = rb_first(&queue->msg_prio);
	if (!n)
		return NULL;
	e = rb_entry(n, struct kdbus_queue_entry, prio_node);
	return e->priority <= priority ? e : NULL;
}

/**
 * kdbus_queue_entry_new() - allocate an entry
 * @n_files:	files it will carry, FDS and MEMFD together
 * @n_memfds:	how many of them are MEMFD payloads
 *
 * Return: the entry or ERR_PTR(-ENOMEM).
 */
struct kdbus_queue_entry *kdbus_queue_entry_new(unsigned int n_files,
						unsigned int n_memfds)
{
	struct kdbus_queue_entry *entry;

	entry = kzalloc(sizeof(*entry), GFP_KERNEL_ACCOUNT);
	if (!entry)
		return ERR_PTR(-ENOMEM);
	INIT_LIST_HEAD(&entry->entry);
	RB_CLEAR_NODE(&entry->prio_node);
	if (n_files) {
		entry->files = kcalloc(n_files, sizeof(*entry->files),
				       GFP_KERNEL_ACCOUNT);
		if (!entry->files)
			goto error;
	}
	if (n_memfds) {
		entry->memfd_offs = kcalloc(n_memfds,
					    sizeof(*entry->memfd_offs),
					    GFP_KERNEL_ACCOUNT);
		if (!entry->memfd_offs)
			goto error;
	}
	return entry;

error:
	kfree(entry->files);
	kfree(entry);
	return ERR_PTR(-ENOMEM);
}

/**
 * kdbus_queue_entry_free() - free an entry that is on no queue
 * @entry:	entry to free, may be NULL
 *
 * Releases its pool slice (user space keeps a published one), its files
 * and its reply; quota must have been given back by the caller.
 */
void kdbus_queue_entry_free(struct kdbus_queue_entry *entry)
{
	unsigned int i;

	if (!entry)
		return;
	for (i = 0; i < entry->n_fds + entry->n_memfds; i++)
		if (entry->files[i])
			fput(entry->files[i]);
	kdbus_pool_slice_release(entry->slice);
	kdbus_meta_free(entry->meta);
	kdbus_reply_unref(entry->reply);
	kfree(entry->memfd_offs);
	kfree(entry->files);
	kfree(entry);
}

static int kdbus_queue_entry_write_fd(struct kdbus_queue_entry *entry,
				      size_t off, int fd)
{
	struct kvec kvec = { .iov_base = &fd, .iov_len = sizeof(fd) };

	return kdbus_pool_slice_copy_kvec(entry->slice, off, &kvec, 1,
					  sizeof(fd));
}

/**
 * kdbus_queue_entry_install() - give the receiving task the message's files
 * @entry:	entry being received
 * @incomplete:	set if a descriptor could not be installed
 *
 * Runs in the receiver's task. Each file is received as SCM_RIGHTS
 * receives one (receive_fd(): the security module's file_receive check,
 * the socket's cgroup data), with a new O_CLOEXEC descriptor whose number
 * is written into the message in the pool; a file that is refused, or
 * cannot get a descriptor, is reported as -1. The pool was written at
 * send time, so writing the numbers only fails if the memory behind it
 * cannot be had back: then the descriptors are closed again and the
 * message stays queued.
 *
 * Return: 0 on success, negative error code if the pool cannot be written.
 */
int kdbus_queue_entry_install(struct kdbus_queue_entry *entry,
			      bool *incomplete)
{
	unsigned int i, n = entry->n_fds + entry->n_memfds;
	int *fds, ret = 0;

	*incomplete = false;
	if (!n)
		return 0;

	fds = kmalloc_array(n, sizeof(*fds), GFP_KERNEL);
	if (!fds)
		return -ENOMEM;

	for (i = 0; i < n; i++) {
		fds[i] = receive_fd(entry->files[i], NULL, O_CLOEXEC);
		if (fds[i] < 0) {
			fds[i] = -1;
			*incomplete = true;
		}
	}

	if (entry->n_fds) {
		struct kvec kvec = {
			.iov_base = fds,
			.iov_len = entry->n_fds * sizeof(*fds),
		};

		ret = kdbus_pool_slice_copy_kvec(entry->slice, entry->fds_off,
						 &kvec, 1, kvec.iov_len);
	}
	for (i = entry->n_fds; i < n && !ret; i++)
		ret = kdbus_queue_entry_write_fd(entry,
						 entry->memfd_offs[i - entry->n_fds],
						 fds[i]);

	for (i = 0; i < n && ret < 0; i++)
		if (fds[i] >= 0)
			close_fd(fds[i]);
	kfree(fds);
	return ret;
}

/**
 * kdbus_queue_entry_install_meta() - write an entry's metadata, once
 * @entry:	entry at the head of its receiver's queue, or being received
 * @reader:	the receiver's namespaces: ids are translated into them
 *
 * Return: 0, or the error of writing into the pool.
 */
int kdbus_queue_entry_install_meta(struct kdbus_queue_entry *entry,
				   const struct kdbus_meta_view *reader)
{
	int ret;

	if (!entry->meta)
		return 0;
	ret = kdbus_meta_install(entry->meta, entry->slice, reader);
	if (ret < 0)
		return ret;
	kdbus_meta_free(entry->meta);
	entry->meta = NULL;
	return 0;
}

/**
 * kdbus_queue_entry_deliver() - hand a dequeued entry to its receiver
 * @entry:	entry taken off its queue, in the receiver's task
 * @reader:	the receiver's namespaces
 * @info:	set to the message's place in the pool; return_flags get
 *		KDBUS_RECV_RETURN_INCOMPLETE_FDS if a descriptor was missing
 *
 * Writes the metadata, installs the files and publishes the slice.
 *
 * Return: 0 with the entry freed, or an error with the entry untouched,
 * nothing installed, for the caller to requeue or free.
 */
int kdbus_queue_entry_deliver(struct kdbus_queue_entry *entry,
			      const struct kdbus_meta_view *reader,
			      struct kdbus_msg_info *info)
{
	bool incomplete;
	int ret;

	ret = kdbus_queue_entry_install_meta(entry, reader);
	if (ret < 0)
		return ret;
	ret = kdbus_queue_entry_install(entry, &incomplete);
	if (ret < 0)
		return ret;
	kdbus_pool_slice_publish(entry->slice, &info->offset, &info->msg_size);
	if (incomplete)
		info->return_flags |= KDBUS_RECV_RETURN_INCOMPLETE_FDS;
	kdbus_queue_entry_free(entry);
	return 0;
}

/**
 * kdbus_queue_entry_quota() - give back, or charge again, an entry's quota
 * @entry:	entry leaving (@sign -1) or going back on (+1) its queue
 * @quota:	the receiver's quota table; the receiver's lock is held
 * @sign:	-1 or +1
 */
void kdbus_queue_entry_quota(struct kdbus_queue_entry *entry,
			     struct kdbus_quota_table *quota, int sign)
{
	if (entry->charged)
		kdbus_quota_adjust(quota, entry->sender, entry->charged_size,
				   entry->n_fds + entry->n_memfds, sign);
}
