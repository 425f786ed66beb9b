// SPDX-License-Identifier: GPL-2.0
/*
 * CONN_INFO, BUS_CREATOR_INFO and LIST: struct kdbus_info records.
 */

#include <linux/err.h>
#include <linux/kdbus.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "bus.h"
#include "conn.h"
#include "endpoint.h"
#include "info.h"
#include "item.h"
#include "metadata.h"
#include "names.h"
#include "policy.h"
#include "pool.h"

/*
 * Copy @size bytes of @buf into a new slice of @conn's pool and publish
 * it; an empty answer still gets a (zero-sized) slice at a valid offset.
 */
static int kdbus_info_publish(struct kdbus_conn *conn, const void *buf,
			      size_t size, u64 *offset, u64 *published)
{
	struct kdbus_pool_slice *slice;
	struct kvec kvec = { .iov_base = (void *)buf, .iov_len = size };
	int ret = 0;

	slice = kdbus_pool_slice_alloc(conn->pool, size ?: 8);
	if (IS_ERR(slice))
		return PTR_ERR(slice);
	if (size)
		ret = kdbus_pool_slice_copy_kvec(slice, 0, &kvec, 1, size);
	if (ret == 0)
		kdbus_pool_slice_publish(slice, offset, published);
	kdbus_pool_slice_release(slice);
	return ret;
}

/*
 * Put a struct kdbus_info into @conn's pool: an optional MAKE_NAME item,
 * then the metadata of @ident and @proc selected by @mask, translated for
 * @conn's opener.
 */
static int kdbus_info_put(struct kdbus_conn *conn,
			  struct kdbus_cmd_info __user *ucmd, u64 id,
			  u64 flags, const char *make_name,
			  const struct kdbus_meta_ident *ident,
			  struct kdbus_meta_proc *proc, u64 mask)
{
	struct kdbus_meta *meta;
	struct kdbus_info *info;
	struct kdbus_item *item;
	u64 offset, published;
	size_t size;
	int ret;

	/* describes a connection as it connected: no time stamp */
	meta = kdbus_meta_new(ident, proc, mask & ~KDBUS_ATTACH_TIMESTAMP, 0,
			      &conn->view);
	if (IS_ERR(meta))
		return PTR_ERR(meta);

	size = sizeof(*info);
	if (make_name)
		size += KDBUS_ITEM_SIZE(strlen(make_name) + 1);
	size += meta ? meta->size : 0;
	info = kzalloc(size, GFP_KERNEL);
	if (!info) {
		ret = -ENOMEM;
		goto exit;
	}
	info->size = size;
	info->id = id;
	info->flags = flags;
	item = info->items;
	if (make_name)
		item = kdbus_item_set_str(item, KDBUS_ITEM_MAKE_NAME,
					  make_name);
	if (meta)
		kdbus_meta_write(meta, item, &conn->view);

	ret = kdbus_info_publish(conn, info, size, &offset, &published);
	/* checked writable before: a fault here is user space's race */
	if (ret == 0 && (put_user(offset, &ucmd->offset) ||
			 put_user(published, &ucmd->info_size)))
		ret = -EFAULT;
exit:
	kfree(info);
	kdbus_meta_free(meta);
	return ret;
}

/*
 * Both info commands: parse, take the metadata mask and check that the
 * answer can be written back before anything is allocated for it.
 */
static int kdbus_info_parse(struct kdbus_args *args, struct kdbus_arg *argv,
			    size_t argc, void __user *argp,
			    struct kdbus_cmd_info **cmd, u64 *mask)
{
	struct kdbus_cmd_info __user *ucmd = argp;
	int ret;

	args->allowed_flags = KDBUS_FLAG_NEGOTIATE;
	args->argv = argv;
	args->argc = argc;
	ret = kdbus_args_parse(args, argp, cmd);
	if (ret != 0)
		return ret;
	ret = kdbus_sanitize_attach_flags((*cmd)->attach_flags, mask);
	if (ret == 0 && (put_user(0ULL, &ucmd->offset) ||
			 put_user(0ULL, &ucmd->info_size)))
		ret = -EFAULT;
	if (ret < 0)
		return kdbus_args_clear(args, ret);
	return 0;
}

/* The connection CONN_INFO asks about, by id or by name, with a reference. */
static struct kdbus_conn *kdbus_info_find(struct kdbus_conn *conn, u64 id,
					  const char *name)
{
	struct kdbus_conn *peer = NULL;
	u64 name_id;

	if (!id == !name)
		return ERR_PTR(-EINVAL);
	if (name) {
		if (!kdbus_name_is_valid(name, false))
			return ERR_PTR(-EINVAL);
		if (kdbus_policy_may_see_name(conn, name))
			peer = kdbus_name_lookup(conn->bus, name, &name_id);
	} else {
		peer = kdbus_bus_find_conn_by_id(conn->bus, id);
	}
	if (peer && !kdbus_policy_may_see(conn, peer)) {
		kdbus_conn_unref(peer);
		peer = NULL;
	}
	/* what may not be seen does not exist */
	if (!peer)
		return ERR_PTR(name ? -ESRCH : -ENXIO);
	return peer;
}

/**
 * kdbus_cmd_conn_info() - handle KDBUS_CMD_CONN_INFO
 * @conn:	connection asking
 * @argp:	command payload
 *
 * Reports the peer's identity (pinned when its file was opened) and the
 * facts of the task that said HELLO, as far as the peer's attach_flags_send
 * allows.
 *
 * Return: 0, -ENXIO (no such id), -ESRCH (no such name), -EINVAL, -EXFULL
 * (no room in the pool), -EFAULT, -ENOMEM.
 */
int kdbus_cmd_conn_info(struct kdbus_conn *conn, void __user *argp)
{
	struct kdbus_arg argv[] = {
		{ .type = KDBUS_ITEM_NEGOTIATE },
		{ .type = KDBUS_ITEM_NAME },
	};
	struct kdbus_args args = {};
	struct kdbus_meta_ident ident = {};
	struct kdbus_cmd_info *cmd;
	struct kdbus_conn *peer;
	u64 mask;
	int ret;

	ret = kdbus_info_parse(&args, argv, ARRAY_SIZE(argv), argp, &cmd,
			       &mask);
	if (ret != 0)
		return min(ret, 0);

	peer = kdbus_info_find(conn, cmd->id,
			       argv[1].item ? argv[1].item->str : NULL);
	if (IS_ERR(peer)) {
		ret = PTR_ERR(peer);
		goto exit;
	}
	mask &= READ_ONCE(peer->attach_flags_send);
	ident.cred = peer->cred;
	ident.creds = peer->fake_creds;
	ident.seclabel = peer->seclabel;
	ident.description = peer->description;
	if (mask & KDBUS_ATTACH_NAMES) {
		ident.names = kdbus_name_items(peer, conn, &ident.names_size);
		if (IS_ERR(ident.names)) {
			ret = PTR_ERR(ident.names);
			goto exit_unref;
		}
	}
	ret = kdbus_info_put(conn, argp, peer->id, peer->flags, NULL, &ident,
			     peer->proc, mask);
	kfree(ident.names);
exit_unref:
	kdbus_conn_unref(peer);
exit:
	return kdbus_args_clear(&args, ret);
}

/**
 * kdbus_cmd_bus_creator_info() - handle KDBUS_CMD_BUS_CREATOR_INFO
 * @conn:	connection asking
 * @argp:	command payload
 *
 * Reports the bus's name and its creator's identity and task facts, as far
 * as the attach flags the creator gave at BUS_MAKE allow.
 *
 * Return: 0, -EINVAL, -EXFULL (no room in the pool), -EFAULT, -ENOMEM.
 */
int kdbus_cmd_bus_creator_info(struct kdbus_conn *conn, void __user *argp)
{
	struct kdbus_arg argv[] = {
		{ .type = KDBUS_ITEM_NEGOTIATE },
	};
	struct kdbus_bus *bus = conn->bus;
	struct kdbus_args args = {};
	struct kdbus_meta_ident ident = {
		.cred = bus->cred,
		.seclabel = bus->seclabel,
	};
	struct kdbus_cmd_info *cmd;
	u64 mask;
	int ret;

	ret = kdbus_info_parse(&args, argv, ARRAY_SIZE(argv), argp, &cmd,
			       &mask);
	if (ret != 0)
		return min(ret, 0);
	ret = kdbus_info_put(conn, argp, bus->id, bus->bus_flags, bus->name,
			     &ident, bus->creator_proc,
			     mask & bus->attach_flags_owner);
	return kdbus_args_clear(&args, ret);
}

/*
 * KDBUS_CMD_LIST writes its records straight into the caller's pool, in
 * two walks under the registry lock: one counts, one writes into the slice
 * the count sized. No kernel buffer grows with the bus, so concurrent LIST
 * calls cost the kernel nothing beyond their callers' own pools.
 */
struct kdbus_list_out {
	struct kdbus_pool_slice *slice;	/* NULL while counting */
	u64 max_id;			/* connections the count saw */
	size_t size;
	int err;
};

static void kdbus_list_add(struct kdbus_list_out *out, struct kdbus_conn *c,
			   const struct kdbus_name_owner *o)
{
	u8 rec[sizeof(struct kdbus_info) +
	       KDBUS_ITEM_SIZE(KDBUS_NAME_MAX_LEN + 1)] __aligned(8);
	struct kdbus_info *info = (void *)rec;
	size_t need = sizeof(*info);
	struct kvec kvec;

	if (o)
		need += kdbus_item_name_size(o->name->name);
	if (!out->slice || out->err) {
		out->size += need;
		return;
	}
	/* a connection that joined after the count is not in this answer */
	if (c->id > out->max_id ||
	    out->size + need > kdbus_pool_slice_size(out->slice))
		return;
	memset(rec, 0, need);
	info->size = need;
	info->id = c->id;
	info->flags = c->flags;
	if (o)
		kdbus_item_set_name(info->items, KDBUS_ITEM_OWNED_NAME,
				    o->flags, o->name->name);
	kvec.iov_base = rec;
	kvec.iov_len = need;
	out->err = kdbus_pool_slice_copy_kvec(out->slice, out->size, &kvec, 1,
					      need);
	out->size += need;
}

/* Which LIST flag selects an owner record: activator, queued or owner. */
static u64 kdbus_list_flag(const struct kdbus_name_owner *o)
{
	if (o->flags & KDBUS_NAME_ACTIVATOR)
		return KDBUS_LIST_ACTIVATORS;
	if (o->flags & KDBUS_NAME_IN_QUEUE)
		return KDBUS_LIST_QUEUED;
	return KDBUS_LIST_NAMES;
}

/*
 * One connection's records; the registry lock is held. Each owner record
 * selected by the flags is one record with its name and flags; a
 * connection with none of them is one record without a name under
 * KDBUS_LIST_UNIQUE.
 */
static void kdbus_list_conn(struct kdbus_conn *conn, struct kdbus_conn *c,
			    u64 flags, struct kdbus_list_out *b)
{
	struct kdbus_name_owner *o;
	bool added = false;

	if (kdbus_conn_is_monitor(c) || !kdbus_policy_may_see_locked(conn, c))
		return;

	list_for_each_entry(o, &c->names_list, conn_entry) {
		if (!(flags & kdbus_list_flag(o)) ||
		    !kdbus_policy_may_see_name(conn, o->name->name))
			continue;
		kdbus_list_add(b, c, o);
		added = true;
	}
	if ((flags & KDBUS_LIST_UNIQUE) && !added)
		kdbus_list_add(b, c, NULL);
}

/**
 * kdbus_cmd_list() - handle KDBUS_CMD_LIST
 * @conn:	connection
 * @argp:	command payload
 *
 * Puts an array of struct kdbus_info into the caller's pool: with
 * KDBUS_LIST_NAMES one per owned name, with _ACTIVATORS one per
 * activator's name, with _QUEUED one per queue place, each with the owner
 * record's flags; with _UNIQUE one for every other connection (monitors
 * are never listed). What the caller may not see is left out.
 *
 * Return: 0, -EINVAL, -EXFULL (no room in the pool), -EFAULT, -ENOMEM.
 */
int kdbus_cmd_list(struct kdbus_conn *conn, void __user *argp)
{
	struct kdbus_cmd_list __user *ucmd = argp;
	struct kdbus_name_registry *reg = &conn->bus->names;
	struct kdbus_list_out out = {};
	struct kdbus_cmd_list *cmd;
	struct kdbus_conn *c;
	u64 offset, published;
	size_t counted;
	int ret;

	struct kdbus_arg argv[] = {
		{ .type = KDBUS_ITEM_NEGOTIATE },
	};
	struct kdbus_args args = {
		.allowed_flags = KDBUS_FLAG_NEGOTIATE | KDBUS_LIST_UNIQUE |
				 KDBUS_LIST_NAMES | KDBUS_LIST_ACTIVATORS |
				 KDBUS_LIST_QUEUED,
		.argv = argv,
		.argc = ARRAY_SIZE(argv),
	};

	ret = kdbus_args_parse(&args, argp, &cmd);
	if (ret != 0)
		return min(ret, 0);
	if (put_user(0ULL, &ucmd->offset) || put_user(0ULL, &ucmd->list_size)) {
		ret = -EFAULT;
		goto exit;
	}

	down_read(&reg->rwlock);
	kdbus_bus_for_each_conn(c, conn->bus) {
		if (!kdbus_conn_active(c))
			continue;
		out.max_id = max(out.max_id, c->id);
		kdbus_list_conn(conn, c, cmd->flags, &out);
	}
	counted = out.size ?: 8;
	out.slice = kdbus_pool_slice_alloc(conn->pool, counted);
	if (IS_ERR(out.slice)) {
		up_read(&reg->rwlock);
		ret = PTR_ERR(out.slice);
		goto exit;
	}
	out.size = 0;
	/* one that left since the count is left out, the rest is the same */
	kdbus_bus_for_each_conn(c, conn->bus)
		if (kdbus_conn_active(c))
			kdbus_list_conn(conn, c, cmd->flags, &out);
	up_read(&reg->rwlock);

	ret = out.err;
	/* no stale bytes of the pool in what is left over */
	if (ret == 0 && out.size < counted)
		ret = kdbus_pool_slice_zero(out.slice, out.size,
					    counted - out.size);
	if (ret == 0)
		kdbus_pool_slice_publish(out.slice, &offset, &published);
	kdbus_pool_slice_release(out.slice);
	if (ret == 0 && (put_user(offset, &ucmd->offset) ||
			 put_user((u64)out.size, &ucmd->list_size)))
		ret = -EFAULT;
exit:
	return kdbus_args_clear(&args, ret);
}
