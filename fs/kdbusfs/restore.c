// SPDX-License-Identifier: GPL-2.0
/*
 * Restoring a connection from a checkpoint's dump (KDBUS_CMD_CONN_RESTORE,
 * parsed in checkpoint.c): HELLO with the dumped id, identity, pool
 * contents, queue, names and expected replies.
 */

#include <linux/err.h>
#include <linux/kdbus.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/xarray.h>
#include "bus.h"
#include "conn.h"
#include "connection.h"
#include "domain.h"
#include "endpoint.h"
#include "item.h"
#include "limits.h"
#include "match.h"
#include "message.h"
#include "metadata.h"
#include "names.h"
#include "names_cmd.h"
#include "node.h"
#include "notify.h"
#include "policy.h"
#include "pool.h"
#include "queue.h"
#include "reply.h"
#include "restore.h"
#include "send.h"
#include "user.h"

static void kdbus_restore_drain(struct kdbus_conn *conn)
{
	struct kdbus_queue_entry *entry;

	while ((entry = kdbus_queue_peek(&conn->queue, 0, false))) {
		kdbus_queue_remove(&conn->queue, entry);
		kdbus_queue_entry_quota(entry, &conn->quota, -1);
		kdbus_queue_entry_free(entry);
	}
}

/* the slice at @off, copied from the image's pool, with the kernel's ref */
static struct kdbus_pool_slice *
kdbus_restore_slice(struct kdbus_conn *conn, const struct kdbus_conn_image *img,
		    const struct kdbus_dump_slice *ds)
{
	struct kdbus_pool_slice *slice;
	struct iov_iter iter;
	int ret;

	slice = kdbus_pool_slice_alloc_at(conn->pool, ds->offset, ds->size);
	if (IS_ERR(slice))
		return slice;
	iov_iter_ubuf(&iter, ITER_SOURCE, (void __user *)img->pool + ds->offset,
		      ds->size);
	ret = kdbus_pool_slice_copy_iter(slice, 0, &iter, ds->size);
	if (ret < 0) {
		kdbus_pool_slice_release(slice);
		return ERR_PTR(ret);
	}
	return slice;
}

/* a message's header and items are at most this, metadata included */
#define KDBUS_RESTORE_MSG_MAX	(KDBUS_MSG_MAX_SIZE + SZ_32K)

/* the files of the queued message @dm, from the restore's DUMP_FILES */
static int kdbus_restore_msg_files(struct kdbus_queue_entry *entry,
				   const struct kdbus_conn_image *img,
				   const struct kdbus_dump_message *dm)
{
	const struct kdbus_dump_files *df = NULL;
	const struct kdbus_item *item;
	struct kdbus_msg *hdr;
	unsigned int n = 0;
	u64 size;
	int ret;

	KDBUS_ITEMS_FOREACH(item, img->files, img->files_size) {
		if (item->type != KDBUS_ITEM_DUMP_FILES)
			continue;
		df = (const void *)item->data;
		if (df->offset == dm->offset) {
			n = (KDBUS_ITEM_PAYLOAD_SIZE(item) - sizeof(*df)) /
			    sizeof(s32);
			break;
		}
		df = NULL;
	}
	if (!df)
		return -EINVAL;
	if (get_user(size, (u64 __user *)(img->pool + dm->offset)))
		return -EFAULT;
	if (size < sizeof(*hdr) || size > dm->size ||
	    size > KDBUS_RESTORE_MSG_MAX)
		return -EINVAL;
	hdr = memdup_user(img->pool + dm->offset, size);
	if (IS_ERR(hdr))
		return PTR_ERR(hdr);
	ret = kdbus_msg_restore_files(entry, hdr, size, df->fds, n);
	kfree(hdr);
	return ret;
}

/*
 * The pool's busy slices at their offsets: what user space held is
 * published again, what was queued is queued again, in the dumped order,
 * charged to the connection's own user, with the files the restore
 * passes for them.
 */
static int kdbus_restore_pool(struct kdbus_conn *conn,
			      const struct kdbus_conn_image *img)
{
	const struct kdbus_dump_message *dm;
	const struct kdbus_dump_slice *ds;
	struct kdbus_queue_entry *entry;
	struct kdbus_pool_slice *slice;
	const struct kdbus_item *item, *s;
	int ret;

	KDBUS_ITEMS_FOREACH(item, img->items, img->items_size) {
		if (item->type != KDBUS_ITEM_DUMP_SLICE)
			continue;
		ds = (const void *)item->data;
		if (ds->flags & ~(KDBUS_DUMP_SLICE_KERNEL |
				  KDBUS_DUMP_SLICE_USER))
			return -EINVAL;
		/* queued slices come with their messages, below */
		if (ds->flags & KDBUS_DUMP_SLICE_KERNEL)
			continue;
		if (!(ds->flags & KDBUS_DUMP_SLICE_USER))
			return -EINVAL;
		slice = kdbus_restore_slice(conn, img, ds);
		if (IS_ERR(slice))
			return PTR_ERR(slice);
		kdbus_pool_slice_publish(slice, NULL, NULL);
		kdbus_pool_slice_release(slice);
	}

	KDBUS_ITEMS_FOREACH(item, img->items, img->items_size) {
		if (item->type != KDBUS_ITEM_DUMP_MESSAGE)
			continue;
		dm = (const void *)item->data;
		if (dm->n_fds > KDBUS_MSG_MAX_FDS ||
		    dm->n_memfds > KDBUS_MSG_MAX_MEMFD_ITEMS)
			return -EINVAL;
		/* its slice must be listed, as queued, with its size */
		ds = NULL;
		KDBUS_ITEMS_FOREACH(s, img->items, img->items_size) {
			if (s->type != KDBUS_ITEM_DUMP_SLICE)
				continue;
			ds = (const void *)s->data;
			if (ds->offset == dm->offset)
				break;
			ds = NULL;
		}
		if (!ds || ds->size != dm->size ||
		    ds->flags != KDBUS_DUMP_SLICE_KERNEL)
			return -EINVAL;

		entry = kdbus_queue_entry_new(dm->n_fds + dm->n_memfds,
					      dm->n_memfds);
		if (IS_ERR(entry))
			return PTR_ERR(entry);
		entry->n_fds = dm->n_fds;
		entry->n_memfds = dm->n_memfds;
		ret = entry->n_fds + entry->n_memfds ?
		      kdbus_restore_msg_files(entry, img, dm) : 0;
		if (ret < 0) {
			kdbus_queue_entry_free(entry);
			return ret;
		}
		entry->slice = kdbus_restore_slice(conn, img, ds);
		if (IS_ERR(entry->slice)) {
			ret = PTR_ERR(entry->slice);
			entry->slice = NULL;
			kdbus_queue_entry_free(entry);
			return ret;
		}
		entry->priority = dm->priority;
		entry->src_id = dm->src_id;
		entry->cookie = dm->cookie;
		/* an activator's: for its name, whose entry is a new one */
		entry->dst_name_id = dm->dst_name_id &&
				     kdbus_conn_is_activator(conn) ?
				     KDBUS_NAME_ID_RESTORED : dm->dst_name_id;
		entry->msg_size = dm->size;

		mutex_lock(&conn->lock);
		ret = kdbus_quota_charge(&conn->quota, conn->user->uid, dm->size,
					 entry->n_fds + entry->n_memfds,
					 kdbus_pool_size(conn->pool) -
					 kdbus_pool_used(conn->pool));
		if (ret == 0) {
			entry->charged = true;
			entry->sender = conn->user->uid;
			entry->charged_size = dm->size;
			kdbus_queue_add(&conn->queue, entry);
			entry = NULL;
		}
		mutex_unlock(&conn->lock);
		kdbus_queue_entry_free(entry);
		if (ret < 0)
			return ret;
	}

	/* every kernel-held slice was a queued message */
	KDBUS_ITEMS_FOREACH(item, img->items, img->items_size) {
		if (item->type != KDBUS_ITEM_DUMP_SLICE)
			continue;
		ds = (const void *)item->data;
		if (!(ds->flags & KDBUS_DUMP_SLICE_KERNEL))
			continue;
		ret = -EINVAL;
		KDBUS_ITEMS_FOREACH(s, img->items, img->items_size)
			if (s->type == KDBUS_ITEM_DUMP_MESSAGE &&
			    ((const struct kdbus_dump_message *)s->data)->offset ==
			    ds->offset)
				ret = 0;
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* names again, in dump order; a name it owned must be its own again */
static int kdbus_restore_names(struct kdbus_conn *conn,
			       const struct kdbus_conn_image *img)
{
	struct kdbus_name_registry *reg = &conn->bus->names;
	const struct kdbus_dump_name *dn;
	const struct kdbus_item *item;
	LIST_HEAD(changes);
	u64 rflags;
	int ret;

	KDBUS_ITEMS_FOREACH(item, img->items, img->items_size) {
		if (item->type != KDBUS_ITEM_DUMP_NAME)
			continue;
		dn = (const void *)item->data;
		if (!kdbus_name_is_valid(dn->name, false))
			return -EINVAL;
		if (!kdbus_policy_may_own(conn, dn->name))
			return -EPERM;
		rflags = 0;
		kdbus_names_lock(reg);
		ret = kdbus_name_acquire(reg, conn, dn->name,
					 dn->flags & KDBUS_NAME_REQUEST_FLAGS,
					 &rflags, &changes);
		kdbus_names_finish(conn->bus, &changes);
		if (ret == -EEXIST)
			return -EADDRINUSE;
		if (ret < 0)
			return ret;
		if ((dn->flags & KDBUS_NAME_PRIMARY) &&
		    (rflags & KDBUS_NAME_IN_QUEUE))
			return -EADDRINUSE;
	}
	return 0;
}

/*
 * Match rules, oldest first, before the connection is on the bus: no
 * broadcast reaches it from its ID_ADD on that its rules would miss.
 */
static int kdbus_restore_matches(struct kdbus_conn *conn,
				 const struct kdbus_conn_image *img)
{
	const struct kdbus_item *item;
	int ret;

	KDBUS_ITEMS_FOREACH(item, img->items, img->items_size) {
		if (item->type != KDBUS_ITEM_DUMP_MATCH)
			continue;
		ret = kdbus_match_db_restore(conn, (const void *)item->data,
					     KDBUS_ITEM_PAYLOAD_SIZE(item));
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * Replies expected between the connection and a peer on the bus now: the
 * second of the two to be restored makes each one again, so a call within
 * a restored tree completes. A peer that is gone, or not back yet, is
 * skipped. So is a caller that was not restored itself: the connection's
 * going away told it already (REPLY_DEAD), and its call is over. A callee
 * that was not restored was told nothing: its answer is still awaited.
 */
static int kdbus_restore_replies(struct kdbus_conn *conn,
				 const struct kdbus_conn_image *img)
{
	const struct kdbus_dump_reply *dr;
	const struct kdbus_item *item;
	struct kdbus_conn *peer;
	int ret = 0;

	KDBUS_ITEMS_FOREACH(item, img->items, img->items_size) {
		if (item->type != KDBUS_ITEM_DUMP_REPLY)
			continue;
		dr = (const void *)item->data;
		peer = kdbus_bus_find_conn_by_id(conn->bus, dr->peer_id);
		if (!peer)
			continue;
		if ((dr->flags & KDBUS_DUMP_REPLY_OWED) && !peer->restored) {
			kdbus_conn_unref(peer);
			continue;
		}
		if (dr->flags & KDBUS_DUMP_REPLY_OWED)
			ret = kdbus_send_restore_reply(peer, conn, dr->cookie,
						       dr->timeout_ns,
						       dr->flags &
						       KDBUS_DUMP_REPLY_SYNC);
		else
			ret = kdbus_send_restore_reply(conn, peer, dr->cookie,
						       dr->timeout_ns,
						       dr->flags &
						       KDBUS_DUMP_REPLY_SYNC);
		kdbus_conn_unref(peer);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * A role as HELLO would take it: one at most, for a privileged opener, no
 * monitor through a custom endpoint. An activator has its one name and a
 * policy entry for it, a policy holder its entry; nobody else has policy.
 */
static int kdbus_restore_check_role(const struct kdbus_ep *ep,
				    bool privileged,
				    const struct kdbus_conn_image *img)
{
	u64 roles = img->conn->flags & (KDBUS_HELLO_ACTIVATOR |
					KDBUS_HELLO_POLICY_HOLDER |
					KDBUS_HELLO_MONITOR);
	unsigned int n_names = 0, n_policy = 0;
	const struct kdbus_item *item;

	if (img->conn->flags & ~(KDBUS_HELLO_ACCEPT_FD | roles) ||
	    hweight64(roles) > 1)
		return -EINVAL;
	if ((roles & KDBUS_HELLO_MONITOR) && ep->custom)
		return -EOPNOTSUPP;
	if (roles && !privileged)
		return -EPERM;
	KDBUS_ITEMS_FOREACH(item, img->items, img->items_size) {
		if (item->type == KDBUS_ITEM_DUMP_NAME)
			n_names++;
		else if (item->type == KDBUS_ITEM_NAME)
			n_policy++;
	}
	switch (roles) {
	case KDBUS_HELLO_ACTIVATOR:
		return n_names == 1 && n_policy ? 0 : -EINVAL;
	case KDBUS_HELLO_POLICY_HOLDER:
		return !n_names && n_policy ? 0 : -EINVAL;
	case KDBUS_HELLO_MONITOR:
		return !n_names && !n_policy ? 0 : -EINVAL;
	default:
		return n_policy ? -EINVAL : 0;
	}
}

/**
 * kdbus_conn_restore() - make a connection from a checkpoint's dump
 * @ep:		endpoint of the unused file that becomes the connection
 * @privileged:	that file's opener was privileged at open()
 * @view:	the checkpoint file opener's namespaces, which the dump's ids
 *		were read in
 * @img:	the checked dump
 *
 * As HELLO, but with the dumped id, identity, role (and an activator's or
 * policy holder's share of the bus policy), pool contents, queue, count
 * of lost messages, match rules and names. The connection is privileged
 * only as dumped and only if the endpoint file's opener was. The id must
 * be free on the bus; ids handed out later are above it.
 *
 * Return: the new, active connection, or ERR_PTR: -EOPNOTSUPP (a monitor
 * through a custom endpoint, or files SEND would refuse), -EPERM (a role
 * for an endpoint file whose opener was not privileged; policy forbids
 * owning a name), -EBADF, -EMEDIUMTYPE, -ETXTBSY (files, as SEND),
 * -EMLINK (too many replies expected), -EINVAL (pool size, attach flags,
 * id, flags or roles HELLO would refuse, policy items that do not go with
 * the role or that HELLO would refuse, slices that overlap or are not
 * listed, match rules as MATCH_ADD would refuse them), -EDOM (a rule's
 * bloom mask does not fit the bus), -ECONNREFUSED (attach_flags_send lacks
 * what the bus requires), -EEXIST (the id is taken; another policy holder
 * set a policy name), -EADDRINUSE (an owned name has another owner, an
 * activator's name another activator), -E2BIG, -EMFILE (also: too many
 * match rules), -ESHUTDOWN, -EXFULL, -EFAULT, -ENOMEM.
 */
struct kdbus_conn *kdbus_conn_restore(struct kdbus_ep *ep, bool privileged,
				      const struct kdbus_meta_view *view,
				      const struct kdbus_conn_image *img)
{
	const struct kdbus_dump_conn *dc = img->conn;
	struct kdbus_conn_fake fake = {
		.pids = img->pids,
		.seclabel = img->seclabel,
	};
	struct kdbus_cmd_hello hello = {
		.flags = dc->flags,
		.pool_size = dc->pool_size,
	};
	struct kdbus_bus *bus = ep->bus;
	struct kdbus_conn *conn;
	bool held = false;
	int ret;

	ret = kdbus_restore_check_role(ep, privileged, img);
	if (ret < 0)
		return ERR_PTR(ret);
	if (!dc->id || dc->id > S64_MAX || !dc->pool_size ||
	    !PAGE_ALIGNED(dc->pool_size) || dc->pool_size > KDBUS_POOL_MAX_SIZE)
		return ERR_PTR(-EINVAL);
	ret = kdbus_sanitize_attach_flags(dc->attach_flags_send,
					  &hello.attach_flags_send);
	if (ret == 0)
		ret = kdbus_sanitize_attach_flags(dc->attach_flags_recv,
						  &hello.attach_flags_recv);
	if (ret < 0)
		return ERR_PTR(ret);
	if (bus->attach_flags_owner & ~hello.attach_flags_send)
		return ERR_PTR(-ECONNREFUSED);

	conn = kdbus_conn_new(ep, img->cred, privileged, view, &hello,
			      img->description, &fake);
	if (IS_ERR(conn))
		return conn;
	conn->privileged = dc->privileged && privileged;
	conn->restored = true;
	/* RECV reports them, as it would have */
	conn->lost = dc->lost;

	ret = kdbus_conn_charge(conn);
	if (ret < 0)
		goto exit;

	/* before anyone can send to it, so that no slice is taken yet */
	ret = kdbus_restore_pool(conn, img);
	if (ret == 0)
		ret = kdbus_restore_matches(conn, img);
	if (ret == 0)
		ret = kdbus_conn_join(conn, dc->id, &held);
	if (ret < 0)
		goto exit;

	/* an activator's name comes back with the others, just below */
	ret = kdbus_conn_take_role(conn, NULL, img->items, img->items_size);
	if (ret == 0)
		ret = kdbus_restore_names(conn, img);
	if (ret == 0)
		ret = kdbus_restore_replies(conn, img);

exit:
	if (ret < 0 && held) {
		kdbus_conn_disconnect(conn, false);
	} else if (ret < 0) {
		/* never on the bus: nobody else changes its rules */
		kdbus_bus_subscribe(conn, 0);
		kdbus_restore_drain(conn);
		kdbus_active_deactivate(&conn->active);
	}
	if (held)
		kdbus_conn_end_op(conn);
	if (ret < 0) {
		kdbus_conn_unref(conn);
		return ERR_PTR(ret);
	}
	return conn;
}
