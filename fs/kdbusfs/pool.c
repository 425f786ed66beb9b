// SPDX-License-Identifier: GPL-2.0
/*
 * Receive pools: shmem files on the module's own tmpfs, sliced, written by
 * the kernel only.
 */

#include <linux/bvec.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/mutex.h>
#include <linux/pagemap.h>
#include <linux/rbtree.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/kdbus.h>

#include "item.h"
#include "pool.h"

/**
 * struct kdbus_pool - a connection's receive pool
 * @lock:	protects everything below but @f and @size
 * @f:		the shmem file
 * @size:	size of the pool, page aligned
 * @used:	bytes in busy slices
 * @slices:	all slices, by offset
 * @free:	free slices, by size
 * @busy:	busy slices, by offset
 * @maps:	its mappings (struct kdbus_pool_map), under kdbus_pool_maps_lock
 */
struct kdbus_pool {
	struct mutex lock;	/* protects the slices and @used */
	struct file *f;
	size_t size;
	size_t used;
	struct list_head slices;
	struct rb_root free;
	struct rb_root busy;
	struct list_head maps;
};

/*
 * One mapping of a pool, for its checkpoint: where it is, read from its
 * VMA, which may be in any process that mapped the pool or inherited the
 * mapping. A VMA's vm_private_data is its own record; the record of a
 * mapping that outlives its pool (the connection's file closed, the
 * mapping kept) has no pool any more.
 */
struct kdbus_pool_map {
	struct list_head entry;
	struct kdbus_pool *pool;
	struct vm_area_struct *vma;
};

/*
 * Protects every pool's @maps and every record's @pool. It is taken with
 * the mapping's mmap_lock held (open, close) or not (dumps), and around
 * nothing else.
 */
static DEFINE_SPINLOCK(kdbus_pool_maps_lock);

/**
 * struct kdbus_pool_slice - a range of a pool
 * @pool:	pool the slice is in
 * @off:	offset in the pool
 * @size:	size in bytes, 8-byte aligned
 * @entry:	in pool->slices
 * @rb_node:	in pool->free or pool->busy
 * @free:	in pool->free
 * @ref_kernel:	the kernel still uses the slice
 * @ref_user:	published to user space and not freed there yet
 */
struct kdbus_pool_slice {
	struct kdbus_pool *pool;
	size_t off;
	size_t size;
	struct list_head entry;
	struct rb_node rb_node;
	bool free : 1;
	bool ref_kernel : 1;
	bool ref_user : 1;
};

static struct kdbus_pool_slice *kdbus_pool_slice_new(struct kdbus_pool *pool,
						     size_t off, size_t size)
{
	struct kdbus_pool_slice *slice;

	slice = kzalloc(sizeof(*slice), GFP_KERNEL_ACCOUNT);
	if (!slice)
		return ERR_PTR(-ENOMEM);
	slice->pool = pool;
	slice->off = off;
	slice->size = size;
	slice->free = true;
	return slice;
}

static void kdbus_pool_add_free(struct kdbus_pool *pool,
				struct kdbus_pool_slice *slice)
{
	struct rb_node **n = &pool->free.rb_node, *parent = NULL;

	while (*n) {
		struct kdbus_pool_slice *s;

		parent = *n;
		s = rb_entry(parent, struct kdbus_pool_slice, rb_node);
		n = slice->size < s->size ? &parent->rb_left :
					    &parent->rb_right;
	}
	rb_link_node(&slice->rb_node, parent, n);
	rb_insert_color(&slice->rb_node, &pool->free);
	slice->free = true;
}

static void kdbus_pool_add_busy(struct kdbus_pool *pool,
				struct kdbus_pool_slice *slice)
{
	struct rb_node **n = &pool->busy.rb_node, *parent = NULL;

	while (*n) {
		struct kdbus_pool_slice *s;

		parent = *n;
		s = rb_entry(parent, struct kdbus_pool_slice, rb_node);
		n = slice->off < s->off ? &parent->rb_left : &parent->rb_right;
	}
	rb_link_node(&slice->rb_node, parent, n);
	rb_insert_color(&slice->rb_node, &pool->busy);
	slice->free = false;
}

/*
 * Pools live on a tmpfs of the module's own, not on the kernel's shm_mnt:
 * criu takes every file of shm_mnt's device for a memfd and would restore
 * a pool's mapping as a private copy that no message reaches any more. A
 * file on a mount outside the task's mount namespace it refuses instead.
 * A kernel mount of tmpfs has no size or inode limit, as shm_mnt has none.
 */
static struct vfsmount *kdbus_pool_mnt;

/**
 * kdbus_pool_init() - mount the tmpfs that holds every pool
 *
 * Return: 0 or a negative errno.
 */
int kdbus_pool_init(void)
{
	struct file_system_type *type = get_fs_type("tmpfs");
	struct vfsmount *mnt;

	/* tmpfs is built in: there is no module reference to put */
	if (!type)
		return -ENODEV;
	mnt = kern_mount(type);
	if (IS_ERR(mnt))
		return PTR_ERR(mnt);
	kdbus_pool_mnt = mnt;
	return 0;
}

/**
 * kdbus_pool_exit() - unmount it; pools still mapped keep its super block
 */
void kdbus_pool_exit(void)
{
	kern_unmount(kdbus_pool_mnt);
}

/**
 * kdbus_pool_new() - create a receive pool
 * @name:	name of the shmem file, for /proc/PID/maps
 * @size:	size in bytes, page aligned and not zero
 *
 * Pages are allocated when written, and charged to the memory cgroup of
 * the writer.
 *
 * Return: the pool or ERR_PTR.
 */
struct kdbus_pool *kdbus_pool_new(const char *name, size_t size)
{
	struct kdbus_pool_slice *slice;
	struct kdbus_pool *pool;
	struct file *f;

	pool = kzalloc(sizeof(*pool), GFP_KERNEL_ACCOUNT);
	if (!pool)
		return ERR_PTR(-ENOMEM);

	f = shmem_file_setup_with_mnt(kdbus_pool_mnt, name, size, VM_NORESERVE);
	if (IS_ERR(f)) {
		kfree(pool);
		/* shmem says ENOSPC when its inode cannot be allocated */
		return ERR_PTR(PTR_ERR(f) == -ENOSPC ? -ENOMEM : PTR_ERR(f));
	}

	slice = kdbus_pool_slice_new(pool, 0, size);
	if (IS_ERR(slice)) {
		fput(f);
		kfree(pool);
		return ERR_CAST(slice);
	}

	mutex_init(&pool->lock);
	pool->f = f;
	pool->size = size;
	INIT_LIST_HEAD(&pool->slices);
	pool->free = RB_ROOT;
	pool->busy = RB_ROOT;
	INIT_LIST_HEAD(&pool->maps);
	list_add(&slice->entry, &pool->slices);
	kdbus_pool_add_free(pool, slice);
	return pool;
}

/**
 * kdbus_pool_free() - destroy a pool
 * @pool:	pool to destroy, may be NULL
 *
 * The caller guarantees that the kernel holds no slice of it any more.
 */
void kdbus_pool_free(struct kdbus_pool *pool)
{
	struct kdbus_pool_slice *slice, *tmp;
	struct kdbus_pool_map *map, *mtmp;

	if (!pool)
		return;

	list_for_each_entry_safe(slice, tmp, &pool->slices, entry) {
		WARN_ON(slice->ref_kernel);
		kfree(slice);
	}
	/* mappings that outlive the pool keep their records, pool-less */
	spin_lock(&kdbus_pool_maps_lock);
	list_for_each_entry_safe(map, mtmp, &pool->maps, entry) {
		list_del_init(&map->entry);
		map->pool = NULL;
	}
	spin_unlock(&kdbus_pool_maps_lock);
	fput(pool->f);
	kfree(pool);
}

/**
 * kdbus_pool_size() - size of a pool
 * @pool:	pool to query
 *
 * Return: its size in bytes.
 */
size_t kdbus_pool_size(const struct kdbus_pool *pool)
{
	return pool->size;
}

/**
 * kdbus_pool_used() - bytes of a pool in use
 * @pool:	pool to query
 *
 * Return: bytes in busy slices, published or not.
 */
size_t kdbus_pool_used(struct kdbus_pool *pool)
{
	size_t used;

	mutex_lock(&pool->lock);
	used = pool->used;
	mutex_unlock(&pool->lock);
	return used;
}

/**
 * kdbus_pool_slice_alloc() - reserve a slice
 * @pool:	pool to allocate from
 * @size:	bytes wanted; rounded up to 8
 *
 * The slice belongs to the kernel until it is published or released.
 *
 * Return: the slice, ERR_PTR(-EXFULL) if no free range is large enough,
 * or ERR_PTR(-ENOMEM).
 */
struct kdbus_pool_slice *kdbus_pool_slice_alloc(struct kdbus_pool *pool,
						size_t size)
{
	struct kdbus_pool_slice *slice = NULL, *rest;
	struct rb_node *n;

	if (!size)
		return ERR_PTR(-EINVAL);
	size = ALIGN(size, 8);

	mutex_lock(&pool->lock);

	/* best fit: the smallest free slice that is large enough */
	n = pool->free.rb_node;
	while (n) {
		struct kdbus_pool_slice *s;

		s = rb_entry(n, struct kdbus_pool_slice, rb_node);
		if (size <= s->size) {
			slice = s;
			n = n->rb_left;
		} else {
			n = n->rb_right;
		}
	}
	if (!slice) {
		slice = ERR_PTR(-EXFULL);
		goto exit;
	}

	if (slice->size > size) {
		rest = kdbus_pool_slice_new(pool, slice->off + size,
					    slice->size - size);
		if (IS_ERR(rest)) {
			slice = ERR_CAST(rest);
			goto exit;
		}
		list_add(&rest->entry, &slice->entry);
		rb_erase(&slice->rb_node, &pool->free);
		slice->size = size;
		kdbus_pool_add_free(pool, rest);
	} else {
		rb_erase(&slice->rb_node, &pool->free);
	}

	kdbus_pool_add_busy(pool, slice);
	slice->ref_kernel = true;
	pool->used += slice->size;

exit:
	mutex_unlock(&pool->lock);
	return slice;
}

/* Give a slice with no references back, merged with free neighbours. */
static void __kdbus_pool_slice_free(struct kdbus_pool_slice *slice)
{
	struct kdbus_pool *pool = slice->pool;
	struct kdbus_pool_slice *s;

	lockdep_assert_held(&pool->lock);
	WARN_ON(slice->ref_kernel || slice->ref_user);

	rb_erase(&slice->rb_node, &pool->busy);
	pool->used -= slice->size;

	if (!list_is_last(&slice->entry, &pool->slices)) {
		s = list_next_entry(slice, entry);
		if (s->free) {
			rb_erase(&s->rb_node, &pool->free);
			list_del(&s->entry);
			slice->size += s->size;
			kfree(s);
		}
	}
	if (!list_is_first(&slice->entry, &pool->slices)) {
		s = list_prev_entry(slice, entry);
		if (s->free) {
			rb_erase(&s->rb_node, &pool->free);
			list_del(&slice->entry);
			s->size += slice->size;
			kfree(slice);
			slice = s;
		}
	}
	kdbus_pool_add_free(pool, slice);
}

/**
 * kdbus_pool_slice_release() - drop the kernel's reference on a slice
 * @slice:	slice, may be NULL
 *
 * The slice is freed unless user space still holds it.
 */
void kdbus_pool_slice_release(struct kdbus_pool_slice *slice)
{
	struct kdbus_pool *pool;

	if (!slice)
		return;
	pool = slice->pool;
	mutex_lock(&pool->lock);
	WARN_ON(!slice->ref_kernel);
	slice->ref_kernel = false;
	if (!slice->ref_user)
		__kdbus_pool_slice_free(slice);
	mutex_unlock(&pool->lock);
}

/**
 * kdbus_pool_slice_alloc_at() - reserve a given range of a pool
 * @pool:	pool to reserve in
 * @off:	offset, 8-byte aligned
 * @size:	size, 8-byte aligned
 *
 * For a restored connection, whose user space knows its slices by offset.
 * The range must lie in one free slice.
 *
 * Return: the slice, with the kernel's reference, ERR_PTR(-EINVAL) for a
 * range that is not free, or ERR_PTR(-ENOMEM).
 */
struct kdbus_pool_slice *kdbus_pool_slice_alloc_at(struct kdbus_pool *pool,
						   size_t off, size_t size)
{
	struct kdbus_pool_slice *s, *slice, *head, *tail;

	if (!size || !IS_ALIGNED(off | size, 8) || off > pool->size ||
	    size > pool->size - off)
		return ERR_PTR(-EINVAL);
	head = kdbus_pool_slice_new(pool, 0, 0);
	tail = kdbus_pool_slice_new(pool, 0, 0);
	slice = kdbus_pool_slice_new(pool, off, size);
	if (IS_ERR(head) || IS_ERR(tail) || IS_ERR(slice)) {
		slice = ERR_PTR(-ENOMEM);
		goto exit_free;
	}

	mutex_lock(&pool->lock);
	list_for_each_entry(s, &pool->slices, entry)
		if (s->off + s->size > off)
			break;
	if (list_entry_is_head(s, &pool->slices, entry) || !s->free ||
	    s->off > off || s->off + s->size < off + size) {
		mutex_unlock(&pool->lock);
		kfree(slice);
		slice = ERR_PTR(-EINVAL);
		goto exit_free;
	}
	/* @s becomes what lies before; the rest after goes into @tail */
	rb_erase(&s->rb_node, &pool->free);
	list_add(&slice->entry, &s->entry);
	if (s->off + s->size > off + size) {
		tail->off = off + size;
		tail->size = s->off + s->size - tail->off;
		list_add(&tail->entry, &slice->entry);
		kdbus_pool_add_free(pool, tail);
		tail = NULL;
	}
	s->size = off - s->off;
	if (s->size) {
		kdbus_pool_add_free(pool, s);
	} else {
		list_del(&s->entry);
		kfree(s);
	}
	slice->free = false;
	kdbus_pool_add_busy(pool, slice);
	slice->ref_kernel = true;
	pool->used += size;
	mutex_unlock(&pool->lock);

exit_free:
	if (!IS_ERR(head))
		kfree(head);
	if (!IS_ERR_OR_NULL(tail))
		kfree(tail);
	return slice;
}

/**
 * kdbus_pool_slice_publish() - hand a slice to user space
 * @slice:	slice to publish; the kernel keeps its reference
 * @out_offset:	set to its offset, may be NULL
 * @out_size:	set to its size, may be NULL
 *
 * From now on user space must give it back with KDBUS_CMD_FREE.
 */
void kdbus_pool_slice_publish(struct kdbus_pool_slice *slice,
			      u64 *out_offset, u64 *out_size)
{
	mutex_lock(&slice->pool->lock);
	slice->ref_user = true;
	mutex_unlock(&slice->pool->lock);
	if (out_offset)
		*out_offset = slice->off;
	if (out_size)
		*out_size = slice->size;
}

/**
 * kdbus_pool_slice_size() - size of a slice
 * @slice:	slice to query
 *
 * Return: the size in bytes.
 */
size_t kdbus_pool_slice_size(const struct kdbus_pool_slice *slice)
{
	return slice->size;
}

/**
 * kdbus_pool_slice_offset() - where a slice starts in its pool
 * @slice:	slice to query
 *
 * Return: the offset in bytes.
 */
size_t kdbus_pool_slice_offset(const struct kdbus_pool_slice *slice)
{
	return slice->off;
}

/**
 * kdbus_pool_dump_slices() - describe the busy slices of a pool
 * @pool:	pool to describe
 * @buf:	where to write a KDBUS_ITEM_DUMP_SLICE item per busy slice, in
 *		offset order, or NULL
 * @size:	room at @buf
 *
 * Return: the bytes all the items take, which may be more than @size; then
 * only those that fit are written.
 */
size_t kdbus_pool_dump_slices(struct kdbus_pool *pool, void *buf, size_t size)
{
	const size_t n = KDBUS_ITEM_SIZE(sizeof(struct kdbus_dump_slice));
	struct kdbus_pool_slice *s;
	struct kdbus_dump_slice ds;
	size_t pos = 0;

	mutex_lock(&pool->lock);
	list_for_each_entry(s, &pool->slices, entry) {
		if (s->free)
			continue;
		if (buf && pos + n <= size) {
			ds.offset = s->off;
			ds.size = s->size;
			ds.flags = (s->ref_kernel ? KDBUS_DUMP_SLICE_KERNEL : 0) |
				   (s->ref_user ? KDBUS_DUMP_SLICE_USER : 0);
			kdbus_item_set(buf + pos, KDBUS_ITEM_DUMP_SLICE, &ds,
				       sizeof(ds));
		}
		pos += n;
	}
	mutex_unlock(&pool->lock);
	return pos;
}

/**
 * kdbus_pool_release_offset() - KDBUS_CMD_FREE: user space gives a slice back
 * @pool:	pool of the calling connection
 * @off:	offset of a published slice
 *
 * Return: 0 on success, -ENXIO if no published slice starts at @off.
 */
int kdbus_pool_release_offset(struct kdbus_pool *pool, size_t off)
{
	struct kdbus_pool_slice *slice = NULL;
	struct rb_node *n;
	int ret = 0;

	mutex_lock(&pool->lock);
	n = pool->busy.rb_node;
	while (n) {
		struct kdbus_pool_slice *s;

		s = rb_entry(n, struct kdbus_pool_slice, rb_node);
		if (off < s->off) {
			n = n->rb_left;
		} else if (off > s->off) {
			n = n->rb_right;
		} else {
			slice = s;
			break;
		}
	}
	if (!slice || !slice->ref_user) {
		ret = -ENXIO;
		goto exit;
	}
	slice->ref_user = false;
	if (!slice->ref_kernel)
		__kdbus_pool_slice_free(slice);
exit:
	mutex_unlock(&pool->lock);
	return ret;
}

/*
 * Copy @len bytes from @iter into the pool at @pos, a page at a time,
 * straight into the shmem page cache: no intermediate buffer, and none of
 * the write-path limits (RLIMIT_FSIZE, file locks) that belong to user
 * writes of files. With a NULL @iter the range is zeroed.
 */
static int kdbus_pool_write(struct kdbus_pool *pool, loff_t pos,
			    struct iov_iter *iter, size_t len)
{
	struct address_space *mapping = pool->f->f_mapping;

	while (len > 0) {
		struct folio *folio;
		size_t off, n, done;

		folio = shmem_read_folio(mapping, pos >> PAGE_SHIFT);
		if (IS_ERR(folio))
			return PTR_ERR(folio);

		off = pos - folio_pos(folio);
		n = min_t(size_t, folio_size(folio) - off, len);
		if (iter) {
			done = copy_folio_from_iter(folio, off, n, iter);
		} else {
			folio_zero_range(folio, off, n);
			done = n;
		}
		flush_dcache_folio(folio);
		folio_mark_dirty(folio);
		folio_put(folio);
		if (done != n)
			return -EFAULT;

		pos += n;
		len -= n;
	}
	return 0;
}

static bool kdbus_pool_slice_range_ok(const struct kdbus_pool_slice *slice,
				      size_t off, size_t len)
{
	return !WARN_ON(off > slice->size || len > slice->size - off);
}

/**
 * kdbus_pool_slice_copy_iter() - copy data into a slice
 * @slice:	destination, owned by the kernel
 * @off:	offset in the slice
 * @iter:	source, user or kernel memory
 * @len:	bytes to copy
 *
 * Return: 0 on success, -EFAULT if the source faults, -ENOMEM.
 */
int kdbus_pool_slice_copy_iter(const struct kdbus_pool_slice *slice,
			       size_t off, struct iov_iter *iter, size_t len)
{
	if (!kdbus_pool_slice_range_ok(slice, off, len))
		return -EFAULT;
	return kdbus_pool_write(slice->pool, slice->off + off, iter, len);
}

/**
 * kdbus_pool_slice_copy_kvec() - copy kernel buffers into a slice
 * @slice:	destination, owned by the kernel
 * @off:	offset in the slice
 * @kvec:	buffers
 * @n:		number of buffers
 * @len:	their total size
 *
 * Return: 0 on success, negative error code on failure.
 */
int kdbus_pool_slice_copy_kvec(const struct kdbus_pool_slice *slice,
			       size_t off, struct kvec *kvec, size_t n,
			       size_t len)
{
	struct iov_iter iter;

	iov_iter_kvec(&iter, ITER_SOURCE, kvec, n, len);
	return kdbus_pool_slice_copy_iter(slice, off, &iter, len);
}

/**
 * kdbus_pool_slice_copy() - copy a slice's bytes into another slice
 * @dst:	destination, owned by the kernel, at least as large as @src
 * @src:	source slice, in any pool
 *
 * Return: 0 on success, negative error code on failure.
 */
int kdbus_pool_slice_copy(const struct kdbus_pool_slice *dst,
			  const struct kdbus_pool_slice *src)
{
	struct address_space *mapping = src->pool->f->f_mapping;
	loff_t pos = src->off;
	size_t done = 0;
	int ret;

	if (!kdbus_pool_slice_range_ok(dst, 0, src->size))
		return -EFAULT;
	while (done < src->size) {
		struct folio *folio;
		struct iov_iter iter;
		struct bio_vec bvec;
		size_t off, n;

		folio = shmem_read_folio(mapping, pos >> PAGE_SHIFT);
		if (IS_ERR(folio))
			return PTR_ERR(folio);
		off = pos - folio_pos(folio);
		n = min_t(size_t, folio_size(folio) - off, src->size - done);
		bvec_set_folio(&bvec, folio, n, off);
		iov_iter_bvec(&iter, ITER_SOURCE, &bvec, 1, n);
		ret = kdbus_pool_write(dst->pool, dst->off + done, &iter, n);
		folio_put(folio);
		if (ret < 0)
			return ret;
		pos += n;
		done += n;
	}
	return 0;
}

/**
 * kdbus_pool_slice_zero() - clear a range of a slice
 * @slice:	destination, owned by the kernel
 * @off:	offset in the slice
 * @len:	bytes to clear
 *
 * Return: 0 on success, negative error code on failure.
 */
int kdbus_pool_slice_zero(const struct kdbus_pool_slice *slice, size_t off,
			  size_t len)
{
	if (!kdbus_pool_slice_range_ok(slice, off, len))
		return -EFAULT;
	return kdbus_pool_write(slice->pool, slice->off + off, NULL, len);
}

/*
 * The pages are the pool file's: the mapping's file carries the pool's
 * page cache as its f_mapping, so the VMA sits in that page cache's
 * reverse map, and reclaim, migration and truncation find it as they
 * would a mapping of the pool file itself.
 */
static vm_fault_t kdbus_pool_fault(struct vm_fault *vmf)
{
	struct address_space *mapping = vmf->vma->vm_file->f_mapping;
	struct folio *folio;

	folio = shmem_read_folio_gfp(mapping, vmf->pgoff,
				     mapping_gfp_mask(mapping));
	if (IS_ERR(folio))
		return vmf_error(PTR_ERR(folio));
	vmf->page = folio_file_page(folio, vmf->pgoff);
	return 0;
}

/*
 * A record for @vma, listed at the pool of @from, or at @pool if @from is
 * NULL; false without memory. @from's pool is read under the lock, which
 * kdbus_pool_free() clears it under before the pool goes.
 */
static bool kdbus_pool_map_add(struct kdbus_pool *pool,
			       const struct kdbus_pool_map *from,
			       struct vm_area_struct *vma)
{
	struct kdbus_pool_map *map;

	map = kzalloc(sizeof(*map), GFP_KERNEL_ACCOUNT);
	vma->vm_private_data = map;
	if (!map)
		return false;
	INIT_LIST_HEAD(&map->entry);
	map->vma = vma;
	spin_lock(&kdbus_pool_maps_lock);
	map->pool = from ? from->pool : pool;
	if (map->pool)
		list_add_tail(&map->entry, &map->pool->maps);
	spin_unlock(&kdbus_pool_maps_lock);
	return true;
}

/*
 * A copy of a mapping (fork, a split, mremap) gets its own record, with
 * the pool of the one it was copied from, whose record it still points
 * to. Without memory the copy goes unlisted and a checkpoint does not see
 * it: open cannot fail.
 */
static void kdbus_pool_vm_open(struct vm_area_struct *vma)
{
	const struct kdbus_pool_map *from = vma->vm_private_data;

	if (from)
		kdbus_pool_map_add(NULL, from, vma);
}

static void kdbus_pool_vm_close(struct vm_area_struct *vma)
{
	struct kdbus_pool_map *map = vma->vm_private_data;

	if (!map)
		return;
	spin_lock(&kdbus_pool_maps_lock);
	list_del(&map->entry);
	spin_unlock(&kdbus_pool_maps_lock);
	vma->vm_private_data = NULL;
	kfree(map);
}

static const struct vm_operations_struct kdbus_pool_vm_ops = {
	.open	= kdbus_pool_vm_open,
	.close	= kdbus_pool_vm_close,
	.fault	= kdbus_pool_fault,
};

/**
 * kdbus_pool_dump_maps() - describe where a pool is mapped
 * @pool:	pool to describe
 * @buf:	where to write a KDBUS_ITEM_DUMP_MAPPING item per mapping, or
 *		NULL
 * @size:	room at @buf
 *
 * Every mapping of the pool, in whichever process, as its VMA says now:
 * for a checkpointer, whose stopped tasks' mappings do not move.
 *
 * Return: the bytes all the items take, which may be more than @size; then
 * only those that fit are written.
 */
size_t kdbus_pool_dump_maps(struct kdbus_pool *pool, void *buf, size_t size)
{
	const size_t n = KDBUS_ITEM_SIZE(sizeof(struct kdbus_dump_mapping));
	struct kdbus_dump_mapping dm;
	struct kdbus_pool_map *map;
	size_t pos = 0;

	spin_lock(&kdbus_pool_maps_lock);
	list_for_each_entry(map, &pool->maps, entry) {
		if (buf && pos + n <= size) {
			dm.start = READ_ONCE(map->vma->vm_start);
			dm.size = READ_ONCE(map->vma->vm_end) - dm.start;
			dm.offset = (u64)READ_ONCE(map->vma->vm_pgoff) <<
				    PAGE_SHIFT;
			kdbus_item_set(buf + pos, KDBUS_ITEM_DUMP_MAPPING, &dm,
				       sizeof(dm));
		}
		pos += n;
	}
	spin_unlock(&kdbus_pool_maps_lock);
	return pos;
}

/**
 * kdbus_pool_mmap() - map a pool into its owner's address space
 * @pool:	pool to map
 * @vma:	the mapping being made on the connection file
 *
 * Pools are read-only for user space: a writable mapping is refused, and
 * so is one that could later be made writable by mprotect().
 *
 * The mapping's file is the bus directory the connection's endpoint is in,
 * opened with the endpoint file's credentials, carrying the pool's pages.
 * That is what /proc/PID/maps shows, and why CRIU hands the mapping to a
 * plugin: a mapping of a directory is no regular file to it, and the
 * directory's path is a real one in the task's mount (see
 * Documentation/filesystems/kdbusfs-criu.rst). Opened by that path again,
 * the directory is a plain directory and cannot be mapped.
 *
 * Return: 0 on success, -EPERM for write access, -EFAULT for a range
 * outside the pool, or an error from opening the directory.
 */
int kdbus_pool_mmap(struct kdbus_pool *pool, struct vm_area_struct *vma)
{
	unsigned long len = vma->vm_end - vma->vm_start;
	struct path dir;
	struct file *f;

	if (vma->vm_flags & VM_WRITE)
		return -EPERM;
	vm_flags_clear(vma, VM_MAYWRITE);

	if (vma->vm_pgoff > (pool->size >> PAGE_SHIFT) ||
	    len > pool->size - (vma->vm_pgoff << PAGE_SHIFT))
		return -EFAULT;

	/* the endpoint file's directory: the bus */
	dir.mnt = vma->vm_file->f_path.mnt;
	dir.dentry = dget_parent(vma->vm_file->f_path.dentry);
	f = dentry_open(&dir, O_RDONLY, vma->vm_file->f_cred);
	dput(dir.dentry);
	if (IS_ERR(f))
		return PTR_ERR(f);
	if (!kdbus_pool_map_add(pool, NULL, vma)) {
		fput(f);
		return -ENOMEM;
	}
	/* released with the file, by kdbus_node_dir_release() */
	ihold(file_inode(pool->f));
	f->f_mapping = pool->f->f_mapping;
	vma_set_file(vma, f);
	fput(f);

	vm_flags_set(vma, VM_DONTEXPAND);
	vma->vm_ops = &kdbus_pool_vm_ops;
	return 0;
}
