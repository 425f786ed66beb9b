// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint files: reading a connection's whole state for CRIU, and
 * keeping it still while that is done.
 */

#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kdbus.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "bus.h"
#include "checkpoint.h"
#include "checkpoint_bus.h"
#include "conn.h"
#include "connection.h"
#include "domain.h"
#include "handle.h"
#include "item.h"
#include "limits.h"
#include "match.h"
#include "metadata.h"
#include "names.h"
#include "policy.h"
#include "pool.h"
#include "queue.h"
#include "reply.h"
#include "restore.h"

/* a dump larger than this is refused; a live connection's is far smaller */
#define KDBUS_DUMP_MAX_SIZE	(16 * 1024 * 1024)

/**
 * kdbus_dump_item() - add an item to a dump being built
 * @b:		the dump
 * @type:	item type
 * @len:	bytes of payload
 *
 * Return: the item's payload, zeroed by the buffer's allocation, or NULL
 * if the buffer is only being measured or the item does not fit.
 */
void *kdbus_dump_item(struct kdbus_dump_buf *b, u64 type, size_t len)
{
	size_t n = KDBUS_ITEM_SIZE(len);
	struct kdbus_item *item = NULL;

	if (b->buf && b->pos + n <= b->size) {
		item = b->buf + b->pos;
		item->size = KDBUS_ITEM_HEADER_SIZE + len;
		item->type = type;
	}
	b->pos += n;
	return item ? item->data : NULL;
}

/**
 * kdbus_dump_raw() - add ready-made items to a dump being built
 * @b:		the dump
 * @len:	their bytes
 *
 * Return: where to write them, or NULL if the buffer is only being
 * measured or they do not fit.
 */
void *kdbus_dump_raw(struct kdbus_dump_buf *b, size_t len)
{
	void *p = NULL;

	if (b->buf && b->pos + len <= b->size)
		p = b->buf + b->pos;
	b->pos += KDBUS_ALIGN8(len);
	return p;
}

static void kdbus_dump_names(struct kdbus_dump_buf *b, struct kdbus_conn *conn)
{
	struct kdbus_name_registry *reg = &conn->bus->names;
	struct kdbus_dump_name *dn;
	struct kdbus_name_owner *o, *q;
	size_t len;
	u64 pos;

	down_read(&reg->rwlock);
	list_for_each_entry(o, &conn->names_list, conn_entry) {
		len = strlen(o->name->name) + 1;
		dn = kdbus_dump_item(b, KDBUS_ITEM_DUMP_NAME, sizeof(*dn) + len);
		if (!dn)
			continue;
		pos = 0;
		list_for_each_entry(q, &o->name->queue, name_entry) {
			if (q == o)
				break;
			pos++;
		}
		dn->flags = o->flags;
		dn->position = pos;
		memcpy(dn->name, o->name->name, len);
	}
	up_read(&reg->rwlock);
}

static void kdbus_dump_reply(struct kdbus_dump_buf *b, u64 flags, u64 peer,
			     const struct kdbus_reply *reply, u64 now)
{
	struct kdbus_dump_reply *dr;

	dr = kdbus_dump_item(b, KDBUS_ITEM_DUMP_REPLY, sizeof(*dr));
	if (!dr)
		return;
	dr->flags = flags | (reply->sync ? KDBUS_DUMP_REPLY_SYNC : 0);
	dr->peer_id = peer;
	dr->cookie = reply->cookie;
	if (reply->deadline_ns)
		dr->timeout_ns = reply->deadline_ns > now ?
				 reply->deadline_ns - now : 1;
}

/*
 * Requests @conn waits for. Their owners can change (an activator hands its
 * queue on), so each is taken with a reference under the leaf lock and its
 * owner read afterwards.
 */
static int kdbus_dump_requests(struct kdbus_dump_buf *b,
			       struct kdbus_conn *conn, u64 now)
{
	struct kdbus_reply **replies, *r;
	struct kdbus_conn *dst;
	unsigned int i, n = 0;

	replies = kmalloc_array(KDBUS_CONN_MAX_REQUESTS_PENDING,
				sizeof(*replies), GFP_KERNEL);
	if (!replies)
		return -ENOMEM;
	spin_lock(&conn->requests_lock);
	list_for_each_entry(r, &conn->requests, req_entry) {
		if (n == KDBUS_CONN_MAX_REQUESTS_PENDING)
			break;
		replies[n++] = kdbus_reply_ref(r);
	}
	/* synchronous requests count against the same limit */
	list_for_each_entry(r, &conn->sync_waits, req_entry) {
		if (n == KDBUS_CONN_MAX_REQUESTS_PENDING)
			break;
		replies[n++] = kdbus_reply_ref(r);
	}
	spin_unlock(&conn->requests_lock);

	for (i = 0; i < n; i++) {
		dst = kdbus_reply_get_dst(replies[i]);
		kdbus_dump_reply(b, 0, dst->id, replies[i], now);
		kdbus_conn_unref(dst);
		kdbus_reply_unref(replies[i]);
	}
	kfree(replies);
	return 0;
}

/*
 * The queue, the pool's busy slices and the replies owed, under conn->lock.
 * A queued message's metadata is written into its slice now, as RECV would
 * (for the same reader, pinned at open), so that the pool holds each
 * message whole.
 */
static int kdbus_dump_queue(struct kdbus_dump_buf *b, struct kdbus_conn *conn,
			    struct kdbus_dump_conn *dc, u64 now)
{
	struct kdbus_queue_entry *e;
	struct kdbus_dump_message *dm;
	struct kdbus_reply *r;
	struct kdbus_conn *dst;
	size_t avail;
	int ret;

	lockdep_assert_held(&conn->lock);
	if (dc) {
		dc->lost = conn->lost;
		dc->frozen = !!conn->frozen_by;
	}

	list_for_each_entry(e, &conn->queue.msg_list, entry) {
		ret = kdbus_queue_entry_install_meta(e, &conn->view);
		if (ret < 0)
			return ret;
		dm = kdbus_dump_item(b, KDBUS_ITEM_DUMP_MESSAGE, sizeof(*dm));
		if (!dm)
			continue;
		dm->offset = kdbus_pool_slice_offset(e->slice);
		dm->size = kdbus_pool_slice_size(e->slice);
		dm->priority = e->priority;
		dm->src_id = e->src_id;
		dm->cookie = e->cookie;
		dm->dst_name_id = e->dst_name_id;
		dm->n_fds = e->n_fds;
		dm->n_memfds = e->n_memfds;
		dm->expects_reply = !!e->reply;
	}

	avail = b->buf && b->pos < b->size ? b->size - b->pos : 0;
	b->pos += kdbus_pool_dump_slices(conn->pool,
					 avail ? b->buf + b->pos : NULL, avail);

	list_for_each_entry(r, &conn->reply_list, entry)
		kdbus_dump_reply(b, KDBUS_DUMP_REPLY_OWED, r->reply_src->id, r,
				 now);
	list_for_each_entry(r, &conn->interrupted, src_entry) {
		dst = kdbus_reply_get_dst(r);
		kdbus_dump_reply(b, 0, dst->id, r, now);
		kdbus_conn_unref(dst);
	}
	return 0;
}

/* fill @b with @conn's dump; run twice, it measures and then writes */
static int kdbus_dump_build(struct kdbus_dump_buf *b, struct kdbus_conn *conn,
			    const struct kdbus_meta *meta,
			    const struct kdbus_meta_view *view)
{
	struct kdbus_dump_conn *dc;
	u64 now = ktime_get_ns();
	size_t avail;
	void *p;
	int ret;

	b->pos = 0;
	dc = kdbus_dump_item(b, KDBUS_ITEM_DUMP_CONN, sizeof(*dc));
	if (dc) {
		dc->id = conn->id;
		dc->flags = conn->flags;
		dc->attach_flags_send = READ_ONCE(conn->attach_flags_send);
		dc->attach_flags_recv = READ_ONCE(conn->attach_flags_recv);
		dc->pool_size = kdbus_pool_size(conn->pool);
		dc->privileged = conn->privileged;
	}
	if (meta) {
		p = kdbus_dump_raw(b, meta->size);
		if (p)
			kdbus_meta_write(meta, p, view);
	}
	kdbus_dump_names(b, conn);
	mutex_lock(&conn->lock);
	ret = kdbus_dump_queue(b, conn, dc, now);
	mutex_unlock(&conn->lock);
	if (ret < 0)
		return ret;
	ret = kdbus_dump_requests(b, conn, now);
	if (ret < 0)
		return ret;
	if (conn->match_db) {
		avail = b->buf && b->pos < b->size ? b->size - b->pos : 0;
		b->pos += kdbus_match_db_dump(conn->match_db,
					      avail ? b->buf + b->pos : NULL,
					      avail);
	}
	/* an activator's or a policy holder's share of the bus policy */
	if (kdbus_conn_is_activator(conn) || kdbus_conn_is_policy_holder(conn)) {
		avail = b->buf && b->pos < b->size ? b->size - b->pos : 0;
		b->pos += kdbus_policy_write(&conn->bus->policy_db, conn,
					     avail ? b->buf + b->pos : NULL,
					     avail, view->user_ns);
	}
	/* where its pool is mapped: which mapping is whose, for criu */
	avail = b->buf && b->pos < b->size ? b->size - b->pos : 0;
	b->pos += kdbus_pool_dump_maps(conn->pool,
				       avail ? b->buf + b->pos : NULL, avail);
	return 0;
}

/* freeze @conn for @ckpt; true if it was not frozen by @ckpt before */
static int kdbus_ckpt_freeze(struct kdbus_checkpoint *ckpt,
			     struct kdbus_conn *conn, bool *newly)
{
	int ret = 0;

	*newly = false;
	mutex_lock(&ckpt->lock);
	mutex_lock(&conn->lock);
	if (conn->frozen_by == ckpt) {
		/* again: nothing changes */
	} else if (conn->frozen_by) {
		ret = -EBUSY;
	} else {
		conn->frozen_by = ckpt;
		list_add_tail(&conn->frozen_entry, &ckpt->frozen);
		kdbus_conn_ref(conn);
		ckpt->n_frozen++;
		*newly = true;
	}
	mutex_unlock(&conn->lock);
	mutex_unlock(&ckpt->lock);
	return ret;
}

/* end @ckpt's freeze of @conn; the caller holds ckpt->lock */
static void kdbus_ckpt_thaw_locked(struct kdbus_checkpoint *ckpt,
				   struct kdbus_conn *conn)
{
	lockdep_assert_held(&ckpt->lock);
	mutex_lock(&conn->lock);
	conn->frozen_by = NULL;
	list_del_init(&conn->frozen_entry);
	mutex_unlock(&conn->lock);
	ckpt->n_frozen--;
	kdbus_conn_unref(conn);
}

static int kdbus_ckpt_thaw(struct kdbus_checkpoint *ckpt,
			   struct kdbus_conn *conn)
{
	bool frozen;

	mutex_lock(&ckpt->lock);
	mutex_lock(&conn->lock);
	frozen = conn->frozen_by == ckpt;
	mutex_unlock(&conn->lock);
	if (frozen)
		kdbus_ckpt_thaw_locked(ckpt, conn);
	mutex_unlock(&ckpt->lock);
	return frozen ? 0 : -ENOENT;
}

/*
 * Dump into a kernel buffer of the size a first pass measured; the state
 * may grow in between (only a frozen connection stands still), so measure
 * again a few times before giving up.
 */
static int kdbus_ckpt_dump(struct kdbus_checkpoint *ckpt,
			   struct kdbus_conn *conn, struct kdbus_cmd_dump *cmd,
			   struct kdbus_cmd_dump __user *ucmd)
{
	struct kdbus_meta_ident ident = {
		.cred = conn->cred,
		.creds = conn->fake_creds,
		.seclabel = conn->seclabel,
		.description = conn->description,
	};
	struct kdbus_dump_buf b = {};
	struct kdbus_meta *meta;
	unsigned int tries;
	int ret;

	meta = kdbus_meta_new(&ident, conn->proc, KDBUS_ATTACH_CREDS |
			      KDBUS_ATTACH_PIDS | KDBUS_ATTACH_SECLABEL |
			      KDBUS_ATTACH_CONN_DESCRIPTION, 0, &ckpt->view);
	if (IS_ERR(meta))
		return PTR_ERR(meta);

	ret = kdbus_dump_build(&b, conn, meta, &ckpt->view);
	for (tries = 0; ret == 0 && tries < 4; tries++) {
		if (b.pos > cmd->buffer_size) {
			ret = -EMSGSIZE;
			break;
		}
		if (b.pos > KDBUS_DUMP_MAX_SIZE) {
			ret = -ENOBUFS;
			break;
		}
		kvfree(b.buf);
		b.size = b.pos;
		b.buf = kvzalloc(b.size, GFP_KERNEL_ACCOUNT);
		if (!b.buf) {
			ret = -ENOMEM;
			break;
		}
		ret = kdbus_dump_build(&b, conn, meta, &ckpt->view);
		if (ret == 0 && b.pos <= b.size)
			break;
	}
	if (ret == 0 && (!b.buf || b.pos > b.size))
		ret = -EAGAIN;
	if (ret == 0 && copy_to_user(u64_to_user_ptr(cmd->buffer), b.buf,
				     b.pos))
		ret = -EFAULT;
	if ((ret == 0 || ret == -EMSGSIZE) && put_user(b.pos, &ucmd->dump_size))
		ret = -EFAULT;
	kvfree(b.buf);
	kdbus_meta_free(meta);
	return ret;
}

/* the connection of @fd, which must be in @ckpt's domain */
static struct kdbus_conn *kdbus_ckpt_conn_get(struct kdbus_checkpoint *ckpt,
					      u64 fd)
{
	struct kdbus_conn *conn = kdbus_handle_conn_get(fd);

	if (!IS_ERR(conn) && conn->bus->domain != ckpt->domain) {
		kdbus_conn_unref(conn);
		return ERR_PTR(-EXDEV);
	}
	return conn;
}

/* KDBUS_CMD_CONN_DUMP and KDBUS_CMD_CONN_THAW */
static int kdbus_ckpt_cmd(struct kdbus_checkpoint *ckpt, unsigned int ioc,
			  void __user *argp)
{
	struct kdbus_cmd_dump *cmd;
	struct kdbus_conn *conn;
	bool newly = false;
	int ret;

	struct kdbus_arg argv[] = {
		{ .type = KDBUS_ITEM_NEGOTIATE },
	};
	struct kdbus_args args = {
		.allowed_flags = KDBUS_FLAG_NEGOTIATE |
				 (ioc == KDBUS_CMD_CONN_DUMP ?
				  KDBUS_DUMP_FREEZE : 0),
		.argv = argv,
		.argc = ARRAY_SIZE(argv),
	};

	ret = kdbus_args_parse(&args, argp, &cmd);
	if (ret != 0)
		return min(ret, 0);

	conn = kdbus_ckpt_conn_get(ckpt, cmd->conn_fd);
	if (IS_ERR(conn)) {
		ret = PTR_ERR(conn);
		goto exit;
	}
	if (ioc == KDBUS_CMD_CONN_THAW) {
		ret = kdbus_ckpt_thaw(ckpt, conn);
		goto exit_unref;
	}
	if (!kdbus_conn_acquire(conn)) {
		ret = -ECONNRESET;
		goto exit_unref;
	}
	if (cmd->flags & KDBUS_DUMP_FREEZE)
		ret = kdbus_ckpt_freeze(ckpt, conn, &newly);
	if (ret == 0)
		ret = kdbus_ckpt_dump(ckpt, conn, cmd, argp);
	/* a freeze outlives only a dump that worked or asked for room */
	if (ret < 0 && ret != -EMSGSIZE && newly)
		kdbus_ckpt_thaw(ckpt, conn);
	kdbus_conn_release(conn);
exit_unref:
	kdbus_conn_unref(conn);
exit:
	return kdbus_args_clear(&args, ret);
}

/**
 * kdbus_restore_cred() - credentials from the ids of a dump
 * @ckpt:	checkpoint file the restore is issued on
 * @in:		the dumped ids, read in @ckpt's opener's user namespace
 *
 * No capabilities, no auxiliary groups; the rest (user namespace, security
 * context) is the checkpoint file opener's, copied through an override so
 * that the caller's own are not read. Ids other than the opener's own need
 * an opener that could take them itself (CAP_SETUID and CAP_SETGID):
 * policy and quotas go by them.
 *
 * Return: the credentials, or ERR_PTR: -EINVAL (an id without a mapping),
 * -EPERM (another user's ids), -ENOMEM.
 */
const struct cred *kdbus_restore_cred(const struct kdbus_checkpoint *ckpt,
				      const struct kdbus_creds *in)
{
	struct user_namespace *ns = ckpt->view.user_ns;
	const struct cred *old;
	struct kdbus_meta_creds kc;
	struct group_info *groups;
	struct cred *cred;
	int ret;

	ret = kdbus_meta_creds_import(&kc, in, ns);
	if (ret < 0)
		return ERR_PTR(ret);
	if (!uid_valid(kc.uid) || !uid_valid(kc.euid) ||
	    !uid_valid(kc.suid) || !uid_valid(kc.fsuid) ||
	    !gid_valid(kc.gid) || !gid_valid(kc.egid) ||
	    !gid_valid(kc.sgid) || !gid_valid(kc.fsgid))
		return ERR_PTR(-EINVAL);
	if (!ckpt->may_setid &&
	    (!uid_eq(kc.uid, ckpt->cred->euid) ||
	     !uid_eq(kc.euid, ckpt->cred->euid) ||
	     !uid_eq(kc.suid, ckpt->cred->euid) ||
	     !uid_eq(kc.fsuid, ckpt->cred->euid) ||
	     !gid_eq(kc.gid, ckpt->cred->egid) ||
	     !gid_eq(kc.egid, ckpt->cred->egid) ||
	     !gid_eq(kc.sgid, ckpt->cred->egid) ||
	     !gid_eq(kc.fsgid, ckpt->cred->egid)))
		return ERR_PTR(-EPERM);

	old = override_creds(ckpt->cred);
	cred = prepare_creds();
	revert_creds(old);
	if (!cred)
		return ERR_PTR(-ENOMEM);
	groups = groups_alloc(0);
	if (!groups) {
		abort_creds(cred);
		return ERR_PTR(-ENOMEM);
	}
	set_groups(cred, groups);
	put_group_info(groups);
	cred->uid = kc.uid;
	cred->euid = kc.euid;
	cred->suid = kc.suid;
	cred->fsuid = kc.fsuid;
	cred->gid = kc.gid;
	cred->egid = kc.egid;
	cred->sgid = kc.sgid;
	cred->fsgid = kc.fsgid;
	cap_clear(cred->cap_inheritable);
	cap_clear(cred->cap_permitted);
	cap_clear(cred->cap_effective);
	cap_clear(cred->cap_ambient);
	return cred;
}

/*
 * Check a dump's items for size and kind, and find its parts: it comes
 * from user space, which may have written it itself.
 */
static int kdbus_restore_parse(struct kdbus_conn_image *img, const void *buf,
			       size_t size, const struct kdbus_creds **creds)
{
	const struct kdbus_item *item;
	size_t pos, len;

	*creds = NULL;
	for (pos = 0; pos < size; pos += KDBUS_ALIGN8(item->size)) {
		item = buf + pos;
		if (size - pos < KDBUS_ITEM_HEADER_SIZE ||
		    item->size < KDBUS_ITEM_HEADER_SIZE ||
		    item->size > size - pos)
			return -EINVAL;
		len = item->size - KDBUS_ITEM_HEADER_SIZE;
		if (!pos && item->type != KDBUS_ITEM_DUMP_CONN)
			return -EINVAL;
		switch (item->type) {
		case KDBUS_ITEM_DUMP_CONN:
			if (pos || len != sizeof(*img->conn))
				return -EINVAL;
			img->conn = (const void *)item->data;
			break;
		case KDBUS_ITEM_CREDS:
			if (*creds || len != sizeof(**creds))
				return -EINVAL;
			*creds = &item->creds;
			break;
		case KDBUS_ITEM_PIDS:
			if (img->pids || len != sizeof(*img->pids))
				return -EINVAL;
			img->pids = &item->pids;
			break;
		case KDBUS_ITEM_SECLABEL:
		case KDBUS_ITEM_CONN_DESCRIPTION:
			if (!kdbus_str_valid(item->str, len))
				return -EINVAL;
			if (item->type == KDBUS_ITEM_SECLABEL)
				img->seclabel = item->str;
			else
				img->description = item->str;
			break;
		case KDBUS_ITEM_DUMP_NAME:
			if (len <= sizeof(struct kdbus_dump_name) ||
			    !kdbus_str_valid(((struct kdbus_dump_name *)
					      item->data)->name,
					     len - sizeof(struct kdbus_dump_name)))
				return -EINVAL;
			break;
		case KDBUS_ITEM_DUMP_MESSAGE:
			if (len != sizeof(struct kdbus_dump_message))
				return -EINVAL;
			break;
		case KDBUS_ITEM_DUMP_SLICE:
			if (len != sizeof(struct kdbus_dump_slice))
				return -EINVAL;
			break;
		case KDBUS_ITEM_NAME:
			/* a role's policy, checked as it is set */
			if (!kdbus_str_valid(item->str, len))
				return -EINVAL;
			break;
		case KDBUS_ITEM_POLICY_ACCESS:
			if (len != sizeof(struct kdbus_policy_access))
				return -EINVAL;
			break;
		case KDBUS_ITEM_DUMP_MAPPING:
			/* for the checkpointer: a restore maps nothing */
			if (len != sizeof(struct kdbus_dump_mapping))
				return -EINVAL;
			break;
		case KDBUS_ITEM_DUMP_MATCH:
			/* its items are checked as the rule is added */
			if (len < sizeof(struct kdbus_dump_match))
				return -EINVAL;
			break;
		case KDBUS_ITEM_DUMP_REPLY:
			if (len != sizeof(struct kdbus_dump_reply) ||
			    ((struct kdbus_dump_reply *)item->data)->flags &
			    ~(KDBUS_DUMP_REPLY_OWED | KDBUS_DUMP_REPLY_SYNC))
				return -EINVAL;
			break;
		default:
			return -EINVAL;
		}
	}
	if (!img->conn || !*creds)
		return -EINVAL;
	img->items = buf;
	img->items_size = size;
	return 0;
}

/**
 * kdbus_ckpt_copy_dump() - copy a dump in from user space
 * @addr:	its user address
 * @size:	its bytes, a multiple of 8
 * @max:	most bytes accepted
 *
 * Return: the copy (kvfree() it), or ERR_PTR: -EINVAL (empty, too large
 * or unaligned), -EFAULT, -ENOMEM.
 */
void *kdbus_ckpt_copy_dump(u64 addr, u64 size, u64 max)
{
	if (!size || size > max || !IS_ALIGNED(size, 8))
		return ERR_PTR(-EINVAL);
	return vmemdup_user(u64_to_user_ptr(addr), size);
}

/* KDBUS_CMD_CONN_RESTORE */
static int kdbus_ckpt_restore(struct kdbus_checkpoint *ckpt, void __user *argp)
{
	struct kdbus_conn_image img = {};
	const struct kdbus_creds *creds;
	struct kdbus_cmd_restore *cmd;
	void *buf = NULL;
	int ret;

	struct kdbus_arg argv[] = {
		{ .type = KDBUS_ITEM_NEGOTIATE },
		{ .type = KDBUS_ITEM_DUMP_FILES, .multiple = true },
	};
	struct kdbus_args args = {
		.allowed_flags = KDBUS_FLAG_NEGOTIATE,
		.argv = argv,
		.argc = ARRAY_SIZE(argv),
	};

	ret = kdbus_args_parse(&args, argp, &cmd);
	if (ret != 0)
		return min(ret, 0);

	buf = kdbus_ckpt_copy_dump(cmd->dump, cmd->dump_size,
				   KDBUS_DUMP_MAX_SIZE);
	if (IS_ERR(buf)) {
		ret = PTR_ERR(buf);
		buf = NULL;
		goto exit;
	}
	ret = kdbus_restore_parse(&img, buf, cmd->dump_size, &creds);
	if (ret < 0)
		goto exit;
	if (cmd->pool_size != img.conn->pool_size ||
	    !access_ok(u64_to_user_ptr(cmd->pool), cmd->pool_size)) {
		ret = -EINVAL;
		goto exit;
	}
	img.pool = u64_to_user_ptr(cmd->pool);
	img.files = args.items;
	img.files_size = args.items_size;
	img.cred = kdbus_restore_cred(ckpt, creds);
	if (IS_ERR(img.cred)) {
		ret = PTR_ERR(img.cred);
		goto exit;
	}
	ret = kdbus_handle_restore(cmd->ep_fd, ckpt->domain, &ckpt->view,
				   &img);
	put_cred(img.cred);
exit:
	kvfree(buf);
	return kdbus_args_clear(&args, ret);
}

/*
 * KDBUS_CMD_CONN_DUMP_FILES: the files of the queued message at an offset,
 * installed into the caller's table, as RECV would, but leaving the
 * message queued.
 */
static int kdbus_ckpt_dump_files(struct kdbus_checkpoint *ckpt,
				 void __user *argp)
{
	struct kdbus_cmd_dump_files __user *ucmd = argp;
	struct kdbus_cmd_dump_files *cmd;
	struct kdbus_queue_entry *e;
	struct kdbus_conn *conn;
	unsigned int i, n = 0;
	int *fds = NULL;
	int ret;

	struct kdbus_arg argv[] = {
		{ .type = KDBUS_ITEM_NEGOTIATE },
	};
	struct kdbus_args args = {
		.allowed_flags = KDBUS_FLAG_NEGOTIATE,
		.argv = argv,
		.argc = ARRAY_SIZE(argv),
	};

	ret = kdbus_args_parse(&args, argp, &cmd);
	if (ret != 0)
		return min(ret, 0);

	conn = kdbus_ckpt_conn_get(ckpt, cmd->conn_fd);
	if (IS_ERR(conn)) {
		ret = PTR_ERR(conn);
		goto exit;
	}
	fds = kmalloc_array(KDBUS_MSG_MAX_FDS + KDBUS_MSG_MAX_MEMFD_ITEMS,
			    sizeof(*fds), GFP_KERNEL);
	if (!fds) {
		ret = -ENOMEM;
		goto exit_unref;
	}

	ret = -ENOENT;
	mutex_lock(&conn->lock);
	list_for_each_entry(e, &conn->queue.msg_list, entry) {
		if (kdbus_pool_slice_offset(e->slice) != cmd->offset)
			continue;
		n = e->n_fds + e->n_memfds;
		ret = n > cmd->n_fds ? -EMSGSIZE : 0;
		for (i = 0; ret == 0 && i < n; i++) {
			fds[i] = receive_fd(e->files[i], NULL, O_CLOEXEC);
			if (fds[i] < 0) {
				ret = fds[i];
				while (i--)
					close_fd(fds[i]);
			}
		}
		break;
	}
	mutex_unlock(&conn->lock);

	if (ret == 0 && copy_to_user(u64_to_user_ptr(cmd->fds), fds,
				     n * sizeof(*fds))) {
		for (i = 0; i < n; i++)
			close_fd(fds[i]);
		ret = -EFAULT;
	}
	if ((ret == 0 || ret == -EMSGSIZE) && put_user(n, &ucmd->n_fds)) {
		/* a call that fails installs nothing */
		for (i = 0; ret == 0 && i < n; i++)
			close_fd(fds[i]);
		ret = -EFAULT;
	}
	kfree(fds);
exit_unref:
	kdbus_conn_unref(conn);
exit:
	return kdbus_args_clear(&args, ret);
}

static long kdbus_ckpt_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	struct kdbus_checkpoint *ckpt = file->private_data;

	switch (cmd) {
	case KDBUS_CMD_CONN_DUMP:
	case KDBUS_CMD_CONN_THAW:
		return kdbus_ckpt_cmd(ckpt, cmd, (void __user *)arg);
	case KDBUS_CMD_CONN_RESTORE:
		return kdbus_ckpt_restore(ckpt, (void __user *)arg);
	case KDBUS_CMD_CONN_DUMP_FILES:
		return kdbus_ckpt_dump_files(ckpt, (void __user *)arg);
	case KDBUS_CMD_BUS_DUMP:
		return kdbus_ckpt_bus_dump(ckpt, (void __user *)arg);
	case KDBUS_CMD_BUS_RESTORE:
		return kdbus_ckpt_bus_restore(ckpt, (void __user *)arg);
	case KDBUS_CMD_ENDPOINT_DUMP:
		return kdbus_ckpt_ep_dump(ckpt, (void __user *)arg);
	case KDBUS_CMD_ENDPOINT_RESTORE:
		return kdbus_ckpt_ep_restore(ckpt, (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static void kdbus_ckpt_free(struct kdbus_checkpoint *ckpt)
{
	struct kdbus_conn *conn, *tmp;

	mutex_lock(&ckpt->lock);
	list_for_each_entry_safe(conn, tmp, &ckpt->frozen, frozen_entry)
		kdbus_ckpt_thaw_locked(ckpt, conn);
	mutex_unlock(&ckpt->lock);
	kdbus_meta_view_clear(&ckpt->view);
	put_cred(ckpt->cred);
	kdbus_node_unref(&ckpt->domain->node);
	kfree(ckpt);
}

static int kdbus_ckpt_release(struct inode *inode, struct file *file)
{
	kdbus_ckpt_free(file->private_data);
	return 0;
}

static void kdbus_ckpt_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct kdbus_checkpoint *ckpt = file->private_data;
	unsigned int n;

	mutex_lock(&ckpt->lock);
	n = ckpt->n_frozen;
	mutex_unlock(&ckpt->lock);
	seq_puts(m, "kdbus-role:\tcheckpoint\n");
	seq_printf(m, "kdbus-frozen:\t%u\n", n);
}

static const struct file_operations kdbus_ckpt_ops = {
	.owner		= THIS_MODULE,
	.release	= kdbus_ckpt_release,
	.unlocked_ioctl	= kdbus_ckpt_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.show_fdinfo	= kdbus_ckpt_show_fdinfo,
	.llseek		= noop_llseek,
};

/**
 * kdbus_cmd_checkpoint() - handle KDBUS_CMD_CHECKPOINT
 * @domain:	domain of the file the command was issued on
 * @argp:	command payload
 *
 * Opens a checkpoint file for @domain, for a caller with
 * CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN over the domain's user
 * namespace, and writes its descriptor back.
 *
 * Return: 0, -EPERM, -EMFILE, -ENOMEM, -EFAULT or a parse error.
 */
int kdbus_cmd_checkpoint(struct kdbus_domain *domain, void __user *argp)
{
	struct kdbus_cmd_checkpoint __user *ucmd = argp;
	struct kdbus_cmd_checkpoint *cmd;
	struct kdbus_checkpoint *ckpt;
	struct file *file;
	int fd, ret;

	struct kdbus_arg argv[] = {
		{ .type = KDBUS_ITEM_NEGOTIATE },
	};
	struct kdbus_args args = {
		.allowed_flags = KDBUS_FLAG_NEGOTIATE,
		.argv = argv,
		.argc = ARRAY_SIZE(argv),
	};

	ret = kdbus_args_parse(&args, argp, &cmd);
	if (ret != 0)
		return min(ret, 0);

	/* this is the checkpoint file's open(): the caller's privilege */
	if (!checkpoint_restore_ns_capable(domain->user_ns)) {
		ret = -EPERM;
		goto exit;
	}

	ckpt = kzalloc(sizeof(*ckpt), GFP_KERNEL_ACCOUNT);
	if (!ckpt) {
		ret = -ENOMEM;
		goto exit;
	}
	mutex_init(&ckpt->lock);
	INIT_LIST_HEAD(&ckpt->frozen);
	ret = kdbus_meta_view_init(&ckpt->view, current_cred());
	if (ret < 0) {
		kfree(ckpt);
		goto exit;
	}
	kdbus_node_ref(&domain->node);
	ckpt->domain = domain;
	ckpt->cred = get_current_cred();
	ckpt->may_setid = ns_capable(domain->user_ns, CAP_SETUID) &&
			  ns_capable(domain->user_ns, CAP_SETGID);

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		kdbus_ckpt_free(ckpt);
		goto exit;
	}
	file = anon_inode_getfile("[kdbusfs-checkpoint]", &kdbus_ckpt_ops,
				  ckpt, O_RDWR);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		put_unused_fd(fd);
		kdbus_ckpt_free(ckpt);
		goto exit;
	}
	if (put_user(fd, &ucmd->fd)) {
		/* releases @ckpt */
		fput(file);
		put_unused_fd(fd);
		ret = -EFAULT;
		goto exit;
	}
	fd_install(fd, file);
exit:
	return kdbus_args_clear(&args, ret);
}
