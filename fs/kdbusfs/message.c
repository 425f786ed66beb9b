// SPDX-License-Identifier: GPL-2.0
/*
 * Messages: staging user messages and writing them into receivers' pools.
 */

#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kdbus.h>
#include <linux/magic.h>
#include <linux/net.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <net/sock.h>
#include <uapi/linux/fcntl.h>

#include "bus.h"
#include "conn.h"
#include "domain.h"
#include "limits.h"
#include "message.h"
#include "metadata.h"
#include "names.h"
#include "pool.h"
#include "queue.h"
#include "super.h"

#define KDBUS_MEMFD_SEALS	(F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW)

/*
 * A passed file must not be able to hold the message that holds it: a
 * cycle nothing would ever collect, keeping a connection, its pool, its
 * bus and its mount until reboot. kdbusfs files and unix sockets (their
 * SCM_RIGHTS queue) could, and so could an io_uring (its fixed files),
 * which is why SCM_RIGHTS refuses those too. io_is_uring_fops() is not
 * exported: io_uring files are the anonymous inodes named "[io_uring]".
 * An epoll file holds no reference on what it watches.
 */
static bool kdbus_file_may_pass(struct file *file)
{
	struct inode *inode = file_inode(file);
	struct socket *sock;

	if (inode->i_sb->s_magic == KDBUSFS_SUPER_MAGIC)
		return false;
	if (inode->i_sb->s_magic == ANON_INODE_FS_MAGIC &&
	    !strcmp(file->f_path.dentry->d_name.name, "[io_uring]"))
		return false;
	sock = sock_from_file(file);
	if (sock && sock->sk && sock->sk->sk_family == AF_UNIX)
		return false;
	return true;
}

/*
 * A memfd payload is handed to the receiver as the same file, so its
 * contents must be immutable: a shmem file sealed against writing,
 * growing and shrinking, and the range must lie inside it.
 */
static int kdbus_memfd_check(struct file *file, const struct kdbus_memfd *m)
{
	struct inode *inode = file_inode(file);
	unsigned int seals;
	u64 end;

	if (!shmem_mapping(file->f_mapping))
		return -EMEDIUMTYPE;
	seals = READ_ONCE(SHMEM_I(inode)->seals);
	if ((seals & KDBUS_MEMFD_SEALS) != KDBUS_MEMFD_SEALS)
		return -ETXTBSY;
	if (check_add_overflow(m->start, m->size, &end) ||
	    end > i_size_read(inode))
		return -EINVAL;
	return 0;
}

static int kdbus_staging_import_files(struct kdbus_staging *s)
{
	const struct kdbus_item *item;

	KDBUS_ARGS_FOREACH(item, &s->args) {
		struct file *file;
		unsigned int i;
		int ret;

		switch (item->type) {
		case KDBUS_ITEM_PAYLOAD_MEMFD:
			file = fget(item->memfd.fd);
			if (!file)
				return -EBADF;
			s->memfds[s->n_memfds++] = file;
			ret = kdbus_memfd_check(file, &item->memfd);
			if (ret < 0)
				return ret;
			break;

		case KDBUS_ITEM_FDS:
			for (i = 0; i < s->n_fds; i++) {
				file = fget(item->fds[i]);
				if (!file)
					return -EBADF;
				s->fds[i] = file;
				if (!kdbus_file_may_pass(file))
					return -EOPNOTSUPP;
			}
			break;
		}
	}
	return 0;
}

/*
 * Every bloom filter on a bus has the bus's size: a receiver's mask is
 * compared with it word by word.
 */
static int kdbus_staging_check_bloom(const struct kdbus_bus *bus,
				     const struct kdbus_item *item)
{
	size_t size = KDBUS_ITEM_PAYLOAD_SIZE(item) -
		      sizeof(struct kdbus_bloom_filter);

	/* partial words: upstream kdbus answered EFAULT, and so do we */
	if (!IS_ALIGNED(size, 8))
		return -EFAULT;
	if (size != bus->bloom.size)
		return -EDOM;
	return 0;
}

/**
 * kdbus_staging_new_user() - copy in and validate a message to send
 * @src:		sending connection
 * @msg_address:	user address of its struct kdbus_msg
 *
 * Return: the staging object or ERR_PTR: -EFAULT (also for a bloom filter
 * of partial words), -EINVAL (bad size, flags, items, a padding vector
 * longer than 7 bytes), -EMSGSIZE (message or payload too large),
 * -EMFILE (too many fds), -E2BIG (too many memfds), -EBADF (a descriptor
 * is not open), -EMEDIUMTYPE (a memfd is not a memfd), -ETXTBSY (a memfd
 * is not sealed), -EOPNOTSUPP (a kdbusfs file or a unix socket passed),
 * -EDOM (a bloom filter not of the bus's size), -ENOMEM.
 */
struct kdbus_staging *kdbus_staging_new_user(struct kdbus_conn *src,
					     u64 msg_address)
{
	struct kdbus_arg argv[] = {
		{ .type = KDBUS_ITEM_PAYLOAD_VEC, .multiple = true },
		{ .type = KDBUS_ITEM_PAYLOAD_MEMFD, .multiple = true },
		{ .type = KDBUS_ITEM_FDS },
		{ .type = KDBUS_ITEM_BLOOM_FILTER },
		{ .type = KDBUS_ITEM_DST_NAME },
	};
	const struct kdbus_item *item;
	struct kdbus_staging *s;
	u64 vec_total = 0;
	int ret;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return ERR_PTR(-ENOMEM);
	s->args.allowed_flags = KDBUS_MSG_EXPECT_REPLY |
				KDBUS_MSG_NO_AUTO_START |
				KDBUS_MSG_SIGNAL;
	s->args.max_size = KDBUS_MSG_MAX_SIZE;
	s->args.argv = argv;
	s->args.argc = ARRAY_SIZE(argv);

	ret = __kdbus_args_parse(&s->args, false, u64_to_user_ptr(msg_address),
				 sizeof(struct kdbus_msg),
				 offsetof(struct kdbus_msg, items),
				 (void **)&s->msg);
	if (ret < 0) {
		kfree(s);
		return ERR_PTR(ret);
	}
	s->args.argv = NULL;	/* argv lives on this stack frame */
	s->dst_name = argv[4].item;
	s->bloom = argv[3].item;

	s->msg_size = sizeof(struct kdbus_msg);
	KDBUS_ARGS_FOREACH(item, &s->args) {
		switch (item->type) {
		case KDBUS_ITEM_PAYLOAD_VEC:
			if (!item->vec.address && item->vec.size > 7) {
				ret = -EINVAL;
				goto error;
			}
			/* compare before adding: a u64 size can wrap the sum */
			if (item->vec.size >
			    KDBUS_MSG_MAX_PAYLOAD_VEC_SIZE - vec_total) {
				ret = -EMSGSIZE;
				goto error;
			}
			vec_total += item->vec.size;
			if (item->vec.address)
				s->payload_size += KDBUS_ALIGN8(item->vec.size);
			s->n_vecs++;
			s->msg_size += KDBUS_ITEM_SIZE(sizeof(struct kdbus_vec));
			break;
		case KDBUS_ITEM_PAYLOAD_MEMFD:
			if (++s->n_memfds > KDBUS_MSG_MAX_MEMFD_ITEMS) {
				ret = -E2BIG;
				goto error;
			}
			s->msg_size += KDBUS_ITEM_SIZE(sizeof(struct kdbus_memfd));
			break;
		case KDBUS_ITEM_DST_NAME:
			/* the receiver learns which name it was sent to */
			s->msg_size += KDBUS_ALIGN8(item->size);
			break;
		case KDBUS_ITEM_BLOOM_FILTER:
			ret = kdbus_staging_check_bloom(src->bus, item);
			if (ret < 0)
				goto error;
			/* handed on as given, for receivers to filter by */
			s->msg_size += KDBUS_ALIGN8(item->size);
			break;
		case KDBUS_ITEM_FDS:
			s->n_fds = KDBUS_ITEM_PAYLOAD_SIZE(item) / sizeof(int);
			if (s->n_fds > KDBUS_MSG_MAX_FDS) {
				ret = -EMFILE;
				goto error;
			}
			if (s->n_fds)
				s->msg_size += KDBUS_ITEM_SIZE(s->n_fds *
							       sizeof(int));
			break;
		}
	}

	if (s->n_fds) {
		s->fds = kcalloc(s->n_fds, sizeof(*s->fds), GFP_KERNEL);
		if (!s->fds) {
			ret = -ENOMEM;
			goto error;
		}
	}
	if (s->n_memfds) {
		s->memfds = kcalloc(s->n_memfds, sizeof(*s->memfds),
				    GFP_KERNEL);
		if (!s->memfds) {
			ret = -ENOMEM;
			goto error;
		}
		s->n_memfds = 0;	/* counts imported files from here */
	}
	ret = kdbus_staging_import_files(s);
	if (ret < 0)
		goto error;
	return s;

error:
	kdbus_staging_free(s);
	return ERR_PTR(ret);
}

/**
 * kdbus_staging_free() - release a staging object
 * @staging:	object to release, may be NULL
 */
void kdbus_staging_free(struct kdbus_staging *staging)
{
	unsigned int i;

	if (!staging)
		return;
	for (i = 0; staging->fds && i < staging->n_fds; i++)
		if (staging->fds[i])
			fput(staging->fds[i]);
	/* before the files are imported, the counts are not array sizes */
	for (i = 0; staging->memfds && i < staging->n_memfds; i++)
		fput(staging->memfds[i]);
	kfree(staging->fds);
	kfree(staging->memfds);
	kdbus_args_clear(&staging->args, 0);
	kfree(staging);
}

/* Fill the receiver's header and items; record where descriptors go. */
static void kdbus_staging_build(struct kdbus_staging *s,
				struct kdbus_queue_entry *entry,
				struct kdbus_msg *hdr)
{
	const struct kdbus_item *item;
	struct kdbus_item *out = hdr->items;
	size_t payload = hdr->size;
	unsigned int memfd = 0;

	KDBUS_ARGS_FOREACH(item, &s->args) {
		switch (item->type) {
		case KDBUS_ITEM_PAYLOAD_VEC:
			kdbus_item_set(out, KDBUS_ITEM_PAYLOAD_OFF, NULL,
				       sizeof(struct kdbus_vec));
			out->vec.size = item->vec.size;
			if (item->vec.address) {
				out->vec.offset = payload;
				payload += KDBUS_ALIGN8(item->vec.size);
			} else {
				out->vec.offset = ~0ULL;
			}
			break;
		case KDBUS_ITEM_PAYLOAD_MEMFD:
			kdbus_item_set(out, KDBUS_ITEM_PAYLOAD_MEMFD, NULL,
				       sizeof(struct kdbus_memfd));
			out->memfd.start = item->memfd.start;
			out->memfd.size = item->memfd.size;
			out->memfd.fd = -1;
			entry->memfd_offs[memfd++] =
				(u8 *)&out->memfd.fd - (u8 *)hdr;
			break;
		case KDBUS_ITEM_DST_NAME:
		case KDBUS_ITEM_BLOOM_FILTER:
			/* hdr was zeroed: the padding of a short item is 0 */
			memcpy(out, item, item->size);
			break;
		case KDBUS_ITEM_FDS:
			if (!s->n_fds)
				continue;
			kdbus_item_set(out, KDBUS_ITEM_FDS, NULL,
				       s->n_fds * sizeof(int));
			memset(out->fds, 0xff, s->n_fds * sizeof(int));
			entry->fds_off = (u8 *)out->fds - (u8 *)hdr;
			break;
		default:
			continue;
		}
		out = (void *)((u8 *)out + KDBUS_ALIGN8(out->size));
	}
}

static int kdbus_staging_copy_payload(struct kdbus_staging *s,
				      struct kdbus_pool_slice *slice,
				      size_t off)
{
	const struct kdbus_item *item;
	int ret;

	KDBUS_ARGS_FOREACH(item, &s->args) {
		struct iov_iter iter;
		size_t pad;

		if (item->type != KDBUS_ITEM_PAYLOAD_VEC || !item->vec.address)
			continue;

		ret = import_ubuf(ITER_SOURCE,
				  u64_to_user_ptr(item->vec.address),
				  item->vec.size, &iter);
		if (ret < 0)
			return ret;
		ret = kdbus_pool_slice_copy_iter(slice, off, &iter,
						 item->vec.size);
		if (ret < 0)
			return ret;
		off += item->vec.size;
		pad = KDBUS_ALIGN8(off) - off;
		if (pad) {
			ret = kdbus_pool_slice_zero(slice, off, pad);
			if (ret < 0)
				return ret;
			off += pad;
		}
	}
	return 0;
}

/*
 * Metadata about @src for @dst: what @dst asked for and @src allows, facts
 * of the sending (current) task, paths as @dst's opener sees them. For a
 * proxy's connection, what the proxy presented for its client instead.
 */
static struct kdbus_meta *kdbus_staging_meta(struct kdbus_conn *src,
					     struct kdbus_conn *dst)
{
	u64 mask = READ_ONCE(src->attach_flags_send) &
		   READ_ONCE(dst->attach_flags_recv) &
		   READ_ONCE(kdbus_meta_attach_mask);
	struct kdbus_meta_ident ident = {
		.cred = src->cred,
		.creds = src->fake_creds,
		.seclabel = src->seclabel,
		.description = src->description,
	};
	struct kdbus_meta_proc *proc;
	struct kdbus_meta *meta;
	u64 seqnum = 0;

	if (!mask)
		return NULL;
	if (mask & KDBUS_ATTACH_NAMES) {
		ident.names = kdbus_name_items(src, dst, &ident.names_size);
		if (IS_ERR(ident.names))
			return ERR_CAST(ident.names);
	}
	if (src->faked)
		proc = kdbus_meta_proc_ref(src->proc);
	else
		proc = kdbus_meta_proc_new(mask);
	if (IS_ERR(proc)) {
		kfree(ident.names);
		return ERR_CAST(proc);
	}
	if (mask & KDBUS_ATTACH_TIMESTAMP)
		seqnum = atomic64_inc_return(&src->bus->domain->last_seqnum);
	meta = kdbus_meta_new(&ident, proc, mask, seqnum, &dst->view);
	kdbus_meta_proc_unref(proc);
	kfree(ident.names);
	return meta;
}

/**
 * kdbus_staging_emit() - write a message into a receiver's pool
 * @staging:	the message
 * @src:	sending connection
 * @dst:	receiving connection
 *
 * Runs in the sender's task: the payload is copied from its memory. A
 * monitor gets the sealed memfds, which are payload, but not the passed
 * files, which are capabilities: its FDS item reads -1 for each.
 *
 * Return: a queue entry holding the message and references to its files,
 * or ERR_PTR: -EXFULL if the receiver's pool has no room, -EFAULT, -ENOMEM.
 */
struct kdbus_queue_entry *kdbus_staging_emit(struct kdbus_staging *staging,
					     struct kdbus_conn *src,
					     struct kdbus_conn *dst)
{
	unsigned int n_fds = kdbus_conn_is_monitor(dst) ? 0 : staging->n_fds;
	struct kdbus_queue_entry *entry;
	size_t msg_size = staging->msg_size;
	struct kdbus_msg *hdr;
	struct kvec kvec;
	unsigned int i;
	int ret;

	entry = kdbus_queue_entry_new(n_fds + staging->n_memfds,
				      staging->n_memfds);
	if (IS_ERR(entry))
		return entry;

	/* metadata goes after the items; it is written when installed */
	entry->meta = kdbus_staging_meta(src, dst);
	if (IS_ERR(entry->meta)) {
		ret = PTR_ERR(entry->meta);
		entry->meta = NULL;
		goto error;
	}
	if (entry->meta) {
		entry->meta->off = msg_size;
		msg_size += entry->meta->size;
	}

	hdr = kzalloc(staging->msg_size, GFP_KERNEL);
	if (!hdr) {
		ret = -ENOMEM;
		goto error;
	}

	entry->slice = kdbus_pool_slice_alloc(dst->pool, msg_size +
					      staging->payload_size);
	if (IS_ERR(entry->slice)) {
		ret = PTR_ERR(entry->slice);
		entry->slice = NULL;
		goto error;
	}

	memcpy(hdr, staging->msg, sizeof(*hdr));
	hdr->size = msg_size;
	hdr->src_id = src->id;
	/*
	 * Receivers tell a broadcast from a message to them by its dst_id;
	 * monitors see where a message went, not themselves.
	 */
	if (staging->msg->dst_id == KDBUS_DST_ID_BROADCAST)
		hdr->dst_id = KDBUS_DST_ID_BROADCAST;
	else
		hdr->dst_id = staging->dst_id ?: dst->id;
	kdbus_staging_build(staging, entry, hdr);

	kvec.iov_base = hdr;
	kvec.iov_len = staging->msg_size;
	ret = kdbus_pool_slice_copy_kvec(entry->slice, 0, &kvec, 1,
					 staging->msg_size);
	if (ret < 0)
		goto error;
	ret = kdbus_staging_copy_payload(staging, entry->slice, msg_size);
	if (ret < 0)
		goto error;

	entry->msg_size = msg_size;
	entry->dst_name_id = staging->dst_name_id;
	entry->priority = hdr->priority;
	entry->src_id = src->id;
	entry->cookie = hdr->cookie;
	entry->n_fds = n_fds;
	entry->n_memfds = staging->n_memfds;
	for (i = 0; i < n_fds; i++)
		entry->files[i] = get_file(staging->fds[i]);
	for (i = 0; i < staging->n_memfds; i++)
		entry->files[n_fds + i] = get_file(staging->memfds[i]);
	kfree(hdr);
	return entry;

error:
	kfree(hdr);
	kdbus_queue_entry_free(entry);
	return ERR_PTR(ret);
}

/**
 * kdbus_kmsg_emit() - write a kernel notification into a pool
 * @dst:		receiving connection
 * @cookie_reply:	cookie of the request it is about, or 0
 * @item_type:		KDBUS_ITEM_* of its single item
 * @payload:		the item's payload, may be NULL
 * @payload_size:	size of @payload
 *
 * Return: a queue entry, or ERR_PTR(-EXFULL) or ERR_PTR(-ENOMEM).
 */
struct kdbus_queue_entry *kdbus_kmsg_emit(struct kdbus_conn *dst,
					  u64 cookie_reply, u64 item_type,
					  const void *payload,
					  size_t payload_size)
{
	size_t size = sizeof(struct kdbus_msg) + KDBUS_ITEM_SIZE(payload_size);
	struct kdbus_queue_entry *entry;
	struct kdbus_msg *msg;
	struct kvec kvec;
	int ret;

	entry = kdbus_queue_entry_new(0, 0);
	if (IS_ERR(entry))
		return entry;
	msg = kzalloc(size, GFP_KERNEL);
	if (!msg) {
		ret = -ENOMEM;
		goto error;
	}

	msg->size = size;
	msg->src_id = KDBUS_SRC_ID_KERNEL;
	msg->dst_id = dst->id;
	msg->payload_type = KDBUS_PAYLOAD_KERNEL;
	msg->cookie_reply = cookie_reply;
	kdbus_item_set(msg->items, item_type, payload, payload_size);

	entry->slice = kdbus_pool_slice_alloc(dst->pool, size);
	if (IS_ERR(entry->slice)) {
		ret = PTR_ERR(entry->slice);
		entry->slice = NULL;
		goto error;
	}
	kvec.iov_base = msg;
	kvec.iov_len = size;
	ret = kdbus_pool_slice_copy_kvec(entry->slice, 0, &kvec, 1, size);
	if (ret < 0)
		goto error;

	entry->msg_size = size;
	entry->src_id = KDBUS_SRC_ID_KERNEL;
	kfree(msg);
	return entry;

error:
	kfree(msg);
	kdbus_queue_entry_free(entry);
	return ERR_PTR(ret);
}

/**
 * kdbus_msg_restore_files() - give a restored queued message its files
 * @entry:	entry made for @n files, n_fds and n_memfds of them set
 * @hdr:	a copy of the message as it lies in its slice
 * @size:	bytes of @hdr
 * @fds:	file descriptors of the calling task, FDS first, then memfds
 * @n:		their number
 *
 * Finds where RECV is to write each descriptor, as staging the message
 * recorded it, and takes the files, checked as SEND checks them: nothing
 * a restore passes could not have been sent.
 *
 * Return: 0, -EINVAL (the message's items do not match the files),
 * -EBADF, -EOPNOTSUPP, -EMEDIUMTYPE or -ETXTBSY (as SEND).
 */
int kdbus_msg_restore_files(struct kdbus_queue_entry *entry,
			    const struct kdbus_msg *hdr, size_t size,
			    const s32 *fds, unsigned int n)
{
	const struct kdbus_item *item;
	unsigned int i, memfd = 0;
	bool seen_fds = false;
	size_t pos, len;
	struct file *file;
	int ret;

	if (n != entry->n_fds + entry->n_memfds || size < sizeof(*hdr) ||
	    hdr->size != size)
		return -EINVAL;
	for (pos = offsetof(struct kdbus_msg, items); pos < size;
	     pos += KDBUS_ALIGN8(item->size)) {
		item = (const void *)hdr + pos;
		if (size - pos < KDBUS_ITEM_HEADER_SIZE ||
		    item->size < KDBUS_ITEM_HEADER_SIZE ||
		    item->size > size - pos)
			return -EINVAL;
		len = item->size - KDBUS_ITEM_HEADER_SIZE;
		if (item->type == KDBUS_ITEM_FDS) {
			if (seen_fds || len != entry->n_fds * sizeof(int))
				return -EINVAL;
			seen_fds = true;
			entry->fds_off = (const u8 *)item->fds - (const u8 *)hdr;
		} else if (item->type == KDBUS_ITEM_PAYLOAD_MEMFD) {
			if (memfd == entry->n_memfds ||
			    len != sizeof(struct kdbus_memfd))
				return -EINVAL;
			entry->memfd_offs[memfd] = (const u8 *)&item->memfd.fd -
						   (const u8 *)hdr;
			file = fget(fds[entry->n_fds + memfd]);
			if (!file)
				return -EBADF;
			entry->files[entry->n_fds + memfd++] = file;
			ret = kdbus_memfd_check(file, &item->memfd);
			if (ret < 0)
				return ret;
		}
	}
	if (memfd != entry->n_memfds || seen_fds != !!entry->n_fds)
		return -EINVAL;
	for (i = 0; i < entry->n_fds; i++) {
		entry->files[i] = fget(fds[i]);
		if (!entry->files[i])
			return -EBADF;
		if (!kdbus_file_may_pass(entry->files[i]))
			return -EOPNOTSUPP;
	}
	return 0;
}
