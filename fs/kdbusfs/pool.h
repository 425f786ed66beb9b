/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __KDBUSFS_POOL_H
#define __KDBUSFS_POOL_H

/**
 * DOC: Receive pools
 *
 * Every connection owns a pool: a shmem file that its owner maps read-only
 * and the kernel writes into. A sender's payload is copied once, straight
 * from the sender's memory into a slice of the receiver's pool, at send
 * time; receiving only tells the receiver where the message is.
 *
 * A slice is a contiguous range of the pool with two references: the
 * kernel's (a queued message, a reply being built) and the user's (set when
 * the slice is published to user space by RECV, LIST, CONN_INFO; dropped by
 * KDBUS_CMD_FREE). The slice goes back to the free space, merged with its
 * free neighbours, when both are gone.
 *
 * Free slices are kept in an rbtree by size (best fit), busy slices in an
 * rbtree by offset (for FREE), and all slices in a list by offset (for
 * merging). Everything is under the pool's mutex; copying into a reserved
 * slice runs without it.
 */

#include <linux/types.h>

struct file;
struct iov_iter;
struct kvec;
struct kdbus_pool;
struct kdbus_pool_slice;
struct vm_area_struct;

int kdbus_pool_init(void);
void kdbus_pool_exit(void);
struct kdbus_pool *kdbus_pool_new(const char *name, size_t size);
void kdbus_pool_free(struct kdbus_pool *pool);
size_t kdbus_pool_size(const struct kdbus_pool *pool);
size_t kdbus_pool_used(struct kdbus_pool *pool);
int kdbus_pool_mmap(struct kdbus_pool *pool, struct vm_area_struct *vma);
int kdbus_pool_release_offset(struct kdbus_pool *pool, size_t off);

struct kdbus_pool_slice *kdbus_pool_slice_alloc(struct kdbus_pool *pool,
						size_t size);
void kdbus_pool_slice_release(struct kdbus_pool_slice *slice);
void kdbus_pool_slice_publish(struct kdbus_pool_slice *slice,
			      u64 *out_offset, u64 *out_size);
size_t kdbus_pool_slice_size(const struct kdbus_pool_slice *slice);
size_t kdbus_pool_slice_offset(const struct kdbus_pool_slice *slice);
struct kdbus_pool_slice *kdbus_pool_slice_alloc_at(struct kdbus_pool *pool,
						   size_t off, size_t size);
size_t kdbus_pool_dump_slices(struct kdbus_pool *pool, void *buf, size_t size);
size_t kdbus_pool_dump_maps(struct kdbus_pool *pool, void *buf, size_t size);
int kdbus_pool_slice_copy_iter(const struct kdbus_pool_slice *slice,
			       size_t off, struct iov_iter *iter, size_t len);
int kdbus_pool_slice_copy_kvec(const struct kdbus_pool_slice *slice,
			       size_t off, struct kvec *kvec, size_t n,
			       size_t len);
int kdbus_pool_slice_copy(const struct kdbus_pool_slice *dst,
			  const struct kdbus_pool_slice *src);
int kdbus_pool_slice_zero(const struct kdbus_pool_slice *slice, size_t off,
			  size_t len);

#endif
