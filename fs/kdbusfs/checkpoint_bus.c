// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoints of buses and custom endpoints: what BUS_MAKE and
 * ENDPOINT_MAKE made, written out and made again.
 */

#include <linux/cred.h>
#include <linux/err.h>
#include <linux/kdbus.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>

#include "bus.h"
#include "checkpoint.h"
#include "checkpoint_bus.h"
#include "domain.h"
#include "endpoint.h"
#include "handle.h"
#include "item.h"
#include "metadata.h"
#include "policy.h"

/*
 * A bus's dump: its parameters, its name and one identity. An endpoint's:
 * its flags, name and maker, and its policy, which ENDPOINT_MAKE takes in
 * at most KDBUS_CMD_MAX_SIZE.
 */
#define KDBUS_BUS_DUMP_MAX_SIZE	(64 * 1024)

/* a bus's dump: its parameters, its name and its creator's identity */
static void kdbus_bus_dump_build(struct kdbus_dump_buf *b,
				 struct kdbus_bus *bus,
				 const struct kdbus_meta *meta,
				 const struct kdbus_meta_view *view)
{
	struct kdbus_dump_bus *db;
	size_t len = strlen(bus->name) + 1;
	void *p;

	b->pos = 0;
	db = kdbus_dump_item(b, KDBUS_ITEM_DUMP_BUS, sizeof(*db));
	if (db) {
		db->id = bus->id;
		db->flags = bus->bus_flags;
		db->attach_flags_owner = bus->attach_flags_owner;
		db->bloom = bus->bloom;
		memcpy(db->id128, bus->id128, sizeof(db->id128));
		db->last_conn_id = atomic64_read(&bus->last_conn_id);
	}
	p = kdbus_dump_item(b, KDBUS_ITEM_MAKE_NAME, len);
	if (p)
		memcpy(p, bus->name, len);
	if (meta) {
		p = kdbus_dump_raw(b, meta->size);
		if (p)
			kdbus_meta_write(meta, p, view);
	}
}

/**
 * kdbus_ckpt_bus_dump() - handle KDBUS_CMD_BUS_DUMP
 * @ckpt:	checkpoint file the command was issued on
 * @argp:	command payload
 *
 * Writes what BUS_MAKE made, as BUS_RESTORE takes it.
 *
 * Return: 0, or -EBADF, -EBADFD (no file that made a bus), -EXDEV (a bus
 * of another domain), -EMSGSIZE (the buffer is too small; dump_size says
 * what it needs), -EFAULT, -ENOMEM, or a parse error.
 */
int kdbus_ckpt_bus_dump(struct kdbus_checkpoint *ckpt, void __user *argp)
{
	struct kdbus_meta_ident ident = {};
	struct kdbus_dump_buf b = {};
	struct kdbus_meta *meta = NULL;
	struct kdbus_cmd_dump *cmd;
	struct kdbus_bus *bus;
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

	bus = kdbus_handle_bus_get(cmd->conn_fd);
	if (IS_ERR(bus)) {
		ret = PTR_ERR(bus);
		goto exit;
	}
	if (bus->domain != ckpt->domain) {
		ret = -EXDEV;
		goto exit_unref;
	}
	ident.cred = bus->cred;
	ident.seclabel = bus->seclabel;
	meta = kdbus_meta_new(&ident, bus->creator_proc, KDBUS_ATTACH_CREDS |
			      KDBUS_ATTACH_PIDS | KDBUS_ATTACH_SECLABEL, 0,
			      &ckpt->view);
	if (IS_ERR(meta)) {
		ret = PTR_ERR(meta);
		meta = NULL;
		goto exit_unref;
	}
	/* nothing in it changes once made but last_conn_id, in place */
	kdbus_bus_dump_build(&b, bus, meta, &ckpt->view);
	b.size = b.pos;
	if (b.size > cmd->buffer_size) {
		ret = -EMSGSIZE;
	} else {
		b.buf = kzalloc(b.size, GFP_KERNEL_ACCOUNT);
		if (!b.buf)
			ret = -ENOMEM;
	}
	if (b.buf) {
		kdbus_bus_dump_build(&b, bus, meta, &ckpt->view);
		if (copy_to_user(u64_to_user_ptr(cmd->buffer), b.buf, b.pos))
			ret = -EFAULT;
	}
	if ((ret == 0 || ret == -EMSGSIZE) &&
	    put_user(b.size, &((struct kdbus_cmd_dump __user *)argp)->dump_size))
		ret = -EFAULT;
	kfree(b.buf);
	kdbus_meta_free(meta);
exit_unref:
	kdbus_bus_unref(bus);
exit:
	return kdbus_args_clear(&args, ret);
}

/*
 * Check a bus's dump, which user space may have written itself, and find
 * its parts.
 */
static int kdbus_bus_restore_parse(struct kdbus_bus_spec *spec,
				   const void *buf, size_t size,
				   const struct kdbus_creds **creds)
{
	const struct kdbus_dump_bus *db = NULL;
	const struct kdbus_item *item;
	size_t pos, len;
	int ret;

	*creds = NULL;
	for (pos = 0; pos < size; pos += KDBUS_ALIGN8(item->size)) {
		item = buf + pos;
		if (size - pos < KDBUS_ITEM_HEADER_SIZE ||
		    item->size < KDBUS_ITEM_HEADER_SIZE ||
		    item->size > size - pos)
			return -EINVAL;
		len = item->size - KDBUS_ITEM_HEADER_SIZE;
		if (!pos && item->type != KDBUS_ITEM_DUMP_BUS)
			return -EINVAL;
		switch (item->type) {
		case KDBUS_ITEM_DUMP_BUS:
			if (pos || len != sizeof(*db))
				return -EINVAL;
			db = (const void *)item->data;
			break;
		case KDBUS_ITEM_MAKE_NAME:
			ret = kdbus_item_validate_name(item);
			if (ret < 0 || spec->name)
				return ret < 0 ? ret : -EINVAL;
			spec->name = item->str;
			break;
		case KDBUS_ITEM_CREDS:
			if (*creds || len != sizeof(**creds))
				return -EINVAL;
			*creds = &item->creds;
			break;
		case KDBUS_ITEM_PIDS:
			if (len != sizeof(*spec->pids))
				return -EINVAL;
			spec->pids = &item->pids;
			break;
		case KDBUS_ITEM_SECLABEL:
			if (!kdbus_str_valid(item->str, len))
				return -EINVAL;
			spec->seclabel = item->str;
			break;
		default:
			return -EINVAL;
		}
	}
	if (!db || !spec->name || !*creds || !db->id || db->id > S64_MAX ||
	    db->last_conn_id > S64_MAX ||
	    db->flags & ~(KDBUS_MAKE_ACCESS_GROUP | KDBUS_MAKE_ACCESS_WORLD))
		return -EINVAL;
	ret = kdbus_bus_check_bloom(&db->bloom);
	if (ret == 0)
		ret = kdbus_sanitize_attach_flags(db->attach_flags_owner,
						  &spec->attach_flags_owner);
	spec->flags = db->flags;
	spec->bloom = db->bloom;
	spec->id = db->id;
	spec->id128 = db->id128;
	spec->last_conn_id = db->last_conn_id;
	return ret;
}

/**
 * kdbus_ckpt_bus_restore() - handle KDBUS_CMD_BUS_RESTORE
 * @ckpt:	checkpoint file the command was issued on
 * @argp:	command payload
 *
 * Return: 0, or -EINVAL (a bad dump), -EPERM (another user's ids without
 * CAP_SETUID and CAP_SETGID), an error of kdbus_handle_bus_restore(),
 * -EFAULT, -ENOMEM, or a parse error.
 */
int kdbus_ckpt_bus_restore(struct kdbus_checkpoint *ckpt, void __user *argp)
{
	static const struct kdbus_pids no_pids;
	struct kdbus_bus_spec spec = {};
	struct kdbus_cmd_bus_restore *cmd;
	const struct kdbus_creds *creds;
	void *buf = NULL;
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

	buf = kdbus_ckpt_copy_dump(cmd->dump, cmd->dump_size,
				   KDBUS_BUS_DUMP_MAX_SIZE);
	if (IS_ERR(buf)) {
		ret = PTR_ERR(buf);
		buf = NULL;
		goto exit;
	}
	ret = kdbus_bus_restore_parse(&spec, buf, cmd->dump_size, &creds);
	if (ret < 0)
		goto exit;
	/* the creator's task facts are the dumped ones, or none */
	if (!spec.pids)
		spec.pids = &no_pids;
	spec.cred = kdbus_restore_cred(ckpt, creds);
	if (IS_ERR(spec.cred)) {
		ret = PTR_ERR(spec.cred);
		goto exit;
	}
	ret = kdbus_check_uid_prefix(ckpt->domain, spec.cred, spec.name);
	if (ret == 0)
		ret = kdbus_handle_bus_restore(cmd->control_fd, ckpt->domain,
					       &ckpt->view, &spec);
	put_cred(spec.cred);
exit:
	kvfree(buf);
	return kdbus_args_clear(&args, ret);
}

/* an endpoint's dump, written while it fits in @b */
static void kdbus_ep_dump_build(struct kdbus_dump_buf *b, struct kdbus_ep *ep,
				struct user_namespace *ns)
{
	struct kdbus_dump_endpoint *de;
	size_t len = strlen(ep->name) + 1;
	struct kdbus_creds *c;
	size_t pos;
	void *p;

	b->pos = 0;
	de = kdbus_dump_item(b, KDBUS_ITEM_DUMP_ENDPOINT, sizeof(*de));
	if (de)
		de->flags = ep->access;
	p = kdbus_dump_item(b, KDBUS_ITEM_MAKE_NAME, len);
	if (p)
		memcpy(p, ep->name, len);
	c = kdbus_dump_item(b, KDBUS_ITEM_CREDS, sizeof(*c));
	if (c) {
		c->uid = from_kuid_munged(ns, ep->uid);
		c->euid = c->uid;
		c->suid = c->uid;
		c->fsuid = c->uid;
		c->gid = from_kgid_munged(ns, ep->gid);
		c->egid = c->gid;
		c->sgid = c->gid;
		c->fsgid = c->gid;
	}
	pos = b->pos;
	b->pos += kdbus_policy_write(&ep->policy_db, ep, b->buf ?
				     b->buf + pos : NULL,
				     b->size > pos ? b->size - pos : 0, ns);
}

/**
 * kdbus_ckpt_ep_dump() - handle KDBUS_CMD_ENDPOINT_DUMP
 * @ckpt:	checkpoint file the command was issued on
 * @argp:	command payload
 *
 * Writes what ENDPOINT_MAKE (and the last ENDPOINT_UPDATE) made, as
 * ENDPOINT_RESTORE takes it.
 *
 * Return: 0, or -EBADF, -EBADFD (no file that made a custom endpoint),
 * -EXDEV (an endpoint of another domain), -EMSGSIZE (the buffer is too
 * small; dump_size says what it needs), -EAGAIN (its policy kept
 * changing), -EFAULT, -ENOMEM, or a parse error.
 */
int kdbus_ckpt_ep_dump(struct kdbus_checkpoint *ckpt, void __user *argp)
{
	struct user_namespace *ns = ckpt->view.user_ns;
	struct kdbus_dump_buf b = {};
	struct kdbus_cmd_dump *cmd;
	struct kdbus_ep *ep;
	int ret, tries;

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

	ep = kdbus_handle_ep_get(cmd->conn_fd);
	if (IS_ERR(ep)) {
		ret = PTR_ERR(ep);
		goto exit;
	}
	if (ep->bus->domain != ckpt->domain) {
		ret = -EXDEV;
		goto exit_unref;
	}
	/* ENDPOINT_UPDATE may grow the policy between measuring and writing */
	ret = -EAGAIN;
	for (tries = 0; tries < 3 && ret == -EAGAIN; tries++) {
		kdbus_ep_dump_build(&b, ep, ns);
		b.size = b.pos;
		if (b.size > cmd->buffer_size) {
			ret = -EMSGSIZE;
			break;
		}
		b.buf = kzalloc(b.size, GFP_KERNEL_ACCOUNT);
		if (!b.buf) {
			ret = -ENOMEM;
			break;
		}
		kdbus_ep_dump_build(&b, ep, ns);
		if (b.pos == b.size) {
			ret = 0;
			if (copy_to_user(u64_to_user_ptr(cmd->buffer), b.buf,
					 b.pos))
				ret = -EFAULT;
		}
		kfree(b.buf);
		b.buf = NULL;
	}
	if ((ret == 0 || ret == -EMSGSIZE) &&
	    put_user(b.size, &((struct kdbus_cmd_dump __user *)argp)->dump_size))
		ret = -EFAULT;
exit_unref:
	kdbus_ep_unref(ep);
exit:
	return kdbus_args_clear(&args, ret);
}

/*
 * Check an endpoint's dump, which user space may have written itself, and
 * find its parts; the policy items are left to kdbus_policy_set().
 */
static int kdbus_ep_restore_parse(const void *buf, size_t size,
				  const struct kdbus_dump_endpoint **de,
				  const char **name,
				  const struct kdbus_creds **creds,
				  const void **policy, size_t *policy_size)
{
	const struct kdbus_item *item;
	size_t pos, len;
	int ret;

	*de = NULL;
	*name = NULL;
	*creds = NULL;
	*policy = NULL;
	*policy_size = 0;
	for (pos = 0; pos < size; pos += KDBUS_ALIGN8(item->size)) {
		item = buf + pos;
		if (size - pos < KDBUS_ITEM_HEADER_SIZE ||
		    item->size < KDBUS_ITEM_HEADER_SIZE ||
		    item->size > size - pos)
			return -EINVAL;
		len = item->size - KDBUS_ITEM_HEADER_SIZE;
		switch (item->type) {
		case KDBUS_ITEM_DUMP_ENDPOINT:
			if (pos || len != sizeof(**de))
				return -EINVAL;
			*de = (const void *)item->data;
			break;
		case KDBUS_ITEM_MAKE_NAME:
			ret = kdbus_item_validate_name(item);
			if (ret < 0 || *name || !*de)
				return ret < 0 ? ret : -EINVAL;
			*name = item->str;
			break;
		case KDBUS_ITEM_CREDS:
			if (*creds || !*de || len != sizeof(**creds))
				return -EINVAL;
			*creds = &item->creds;
			break;
		case KDBUS_ITEM_NAME:
		case KDBUS_ITEM_POLICY_ACCESS:
			/* the policy comes last, in one piece */
			if (!*name || !*creds)
				return -EINVAL;
			if (!*policy)
				*policy = item;
			*policy_size = pos + item->size -
				       (size_t)(*policy - buf);
			break;
		default:
			return -EINVAL;
		}
		if (*policy && item->type != KDBUS_ITEM_NAME &&
		    item->type != KDBUS_ITEM_POLICY_ACCESS)
			return -EINVAL;
	}
	if (!*de || !*name || !*creds ||
	    (*de)->flags & ~(KDBUS_MAKE_ACCESS_GROUP | KDBUS_MAKE_ACCESS_WORLD))
		return -EINVAL;
	return 0;
}

/**
 * kdbus_ckpt_ep_restore() - handle KDBUS_CMD_ENDPOINT_RESTORE
 * @ckpt:	checkpoint file the command was issued on
 * @argp:	command payload
 *
 * Return: 0, or -EINVAL (a bad dump or policy), -EPERM (a maker other
 * than the checkpoint file's opener without CAP_SETUID and CAP_SETGID),
 * an error of kdbus_handle_ep_restore(), -EFAULT, -ENOMEM, or a parse
 * error.
 */
int kdbus_ckpt_ep_restore(struct kdbus_checkpoint *ckpt, void __user *argp)
{
	const struct kdbus_dump_endpoint *de;
	const struct kdbus_creds *creds;
	struct kdbus_cmd_ep_restore *cmd;
	const struct cred *cred;
	const void *policy;
	size_t policy_size;
	const char *name;
	void *buf = NULL;
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

	buf = kdbus_ckpt_copy_dump(cmd->dump, cmd->dump_size,
				   KDBUS_BUS_DUMP_MAX_SIZE);
	if (IS_ERR(buf)) {
		ret = PTR_ERR(buf);
		buf = NULL;
		goto exit;
	}
	ret = kdbus_ep_restore_parse(buf, cmd->dump_size, &de, &name, &creds,
				     &policy, &policy_size);
	if (ret < 0)
		goto exit;
	cred = kdbus_restore_cred(ckpt, creds);
	if (IS_ERR(cred)) {
		ret = PTR_ERR(cred);
		goto exit;
	}
	ret = kdbus_handle_ep_restore(cmd->ep_fd, ckpt->domain, cred, name,
				      de->flags, policy, policy_size);
	put_cred(cred);
exit:
	kvfree(buf);
	return kdbus_args_clear(&args, ret);
}
