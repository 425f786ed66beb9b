// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkdbus: well-known names, LIST, CONN_INFO, BUS_CREATOR_INFO, match
 * rules.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kdbus-internal.h"

/* ---- names ------------------------------------------------------------ */

KDB_EXPORT bool kdb_name_is_valid(const char *name)
{
	const char *p;
	bool start = true;
	int dots = 0;

	if (!name || !*name || strlen(name) > 255)
		return false;
	for (p = name; *p; p++) {
		if (*p == '.') {
			if (start)
				return false;
			dots++;
			start = true;
			continue;
		}
		if (!isascii((unsigned char)*p) ||
		    !(isalnum((unsigned char)*p) || *p == '_' || *p == '-'))
			return false;
		if (start && isdigit((unsigned char)*p))
			return false;
		start = false;
	}
	return dots > 0 && !start;
}

static int name_cmd(struct kdb_conn *conn, unsigned long req,
		    const char *name, uint64_t flags, uint64_t *state)
{
	struct kdbus_cmd *cmd;
	struct kdb_buf b;
	int ret;

	if (!conn || !name)
		return -EINVAL;
	kdb_buf_init(&b, sizeof(*cmd));
	kdb_buf_str(&b, KDBUS_ITEM_NAME, name);
	cmd = kdb_buf_finish(&b);
	if (!cmd) {
		kdb_buf_free(&b);
		return -ENOMEM;
	}
	cmd->flags = flags;
	ret = kdb_ioctl(conn->fd, req, cmd);
	if (state)
		*state = cmd->return_flags;
	kdb_buf_free(&b);
	return ret;
}

KDB_EXPORT int kdb_name_acquire(struct kdb_conn *conn, const char *name,
				uint64_t flags, uint64_t *state)
{
	return name_cmd(conn, KDBUS_CMD_NAME_ACQUIRE, name, flags, state);
}

KDB_EXPORT int kdb_name_release(struct kdb_conn *conn, const char *name)
{
	return name_cmd(conn, KDBUS_CMD_NAME_RELEASE, name, 0, NULL);
}

/* ---- info records ----------------------------------------------------- */

/*
 * An info record copied out of the pool: struct kdb_info points into
 * the copy, so the slice can be given back at once. Arrays end with a
 * record without a copy.
 */
static int info_fill(struct kdb_info *r, const struct kdbus_info *ki)
{
	const uint8_t *end;
	struct kdbus_item *item;

	r->priv_copy = malloc(ki->size);
	if (!r->priv_copy)
		return -ENOMEM;
	memcpy(r->priv_copy, ki, ki->size);
	ki = r->priv_copy;
	end = (const uint8_t *)ki + ki->size;
	r->id = ki->id;
	r->flags = ki->flags;
	kdb_meta_parse(&r->meta, ki->items, end, &r->priv_names);
	for (item = (struct kdbus_item *)ki->items; kdb_item_ok(item, end);
	     item = kdb_item_next(item)) {
		if (item->type == KDBUS_ITEM_MAKE_NAME)
			r->bus_name = item->str;
	}
	if (r->meta.n_names) {
		r->name = r->priv_names[0].name;
		r->name_flags = r->priv_names[0].flags;
	}
	return 0;
}

KDB_EXPORT void kdb_info_free(struct kdb_info *info)
{
	size_t i;

	if (!info)
		return;
	for (i = 0; info[i].priv_copy; i++) {
		free(info[i].priv_names);
		free(info[i].priv_copy);
	}
	free(info);
}

static int info_cmd(struct kdb_conn *conn, unsigned long req, uint64_t id,
		    const char *name, uint64_t attach, struct kdb_info **out)
{
	struct kdbus_cmd_info *cmd;
	struct kdb_info *r;
	struct kdb_buf b;
	int ret;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!conn)
		return -EINVAL;
	kdb_buf_init(&b, sizeof(*cmd));
	if (name)
		kdb_buf_str(&b, KDBUS_ITEM_NAME, name);
	cmd = kdb_buf_finish(&b);
	if (!cmd) {
		kdb_buf_free(&b);
		return -ENOMEM;
	}
	cmd->id = id;
	cmd->attach_flags = attach;
	ret = kdb_ioctl(conn->fd, req, cmd);
	if (ret < 0)
		goto out;
	r = calloc(2, sizeof(*r));
	if (!r) {
		ret = -ENOMEM;
	} else {
		ret = info_fill(r, (void *)(conn->pool + cmd->offset));
		if (ret < 0)
			free(r);
		else
			*out = r;
	}
	kdb_free_slice(conn, cmd->offset);
out:
	kdb_buf_free(&b);
	return ret;
}

KDB_EXPORT int kdb_conn_info(struct kdb_conn *conn, uint64_t id,
			     const char *name, uint64_t attach,
			     struct kdb_info **info)
{
	if (!id == !name)
		return -EINVAL;
	return info_cmd(conn, KDBUS_CMD_CONN_INFO, id, name, attach, info);
}

KDB_EXPORT int kdb_bus_creator_info(struct kdb_conn *conn, uint64_t attach,
				    struct kdb_info **info)
{
	return info_cmd(conn, KDBUS_CMD_BUS_CREATOR_INFO, 0, NULL, attach,
			info);
}

KDB_EXPORT int kdb_list(struct kdb_conn *conn, uint64_t flags,
			struct kdb_info **info, size_t *n)
{
	struct kdbus_cmd_list cmd = { .size = sizeof(cmd) };
	struct kdb_info *r = NULL, *nr;
	const uint8_t *at, *end;
	size_t count = 0;
	int ret;

	if (!info || !n)
		return -EINVAL;
	*info = NULL;
	*n = 0;
	if (!conn)
		return -EINVAL;
	cmd.flags = flags;
	ret = kdb_ioctl(conn->fd, KDBUS_CMD_LIST, &cmd);
	if (ret < 0)
		return ret;
	at = conn->pool + cmd.offset;
	end = at + cmd.list_size;
	r = calloc(1, sizeof(*r));
	if (!r) {
		ret = -ENOMEM;
		goto out;
	}
	while (at + sizeof(struct kdbus_info) <= end) {
		const struct kdbus_info *ki = (const void *)at;

		if (ki->size < sizeof(*ki) || ki->size > (size_t)(end - at))
			break;
		nr = realloc(r, (count + 2) * sizeof(*r));
		if (!nr) {
			ret = -ENOMEM;
			goto out;
		}
		r = nr;
		memset(&r[count], 0, 2 * sizeof(*r));
		ret = info_fill(&r[count], ki);
		if (ret < 0)
			goto out;
		count++;
		at += KDBUS_ALIGN8(ki->size);
	}
	*info = r;
	*n = count;
	r = NULL;
	ret = count;
out:
	kdb_info_free(r);
	kdb_free_slice(conn, cmd.offset);
	return ret;
}

/* ---- match rules ------------------------------------------------------ */

static uint64_t notify_item_type(enum kdb_notify_type t)
{
	switch (t) {
	case KDB_NOTIFY_NAME_ADD:
		return KDBUS_ITEM_NAME_ADD;
	case KDB_NOTIFY_NAME_REMOVE:
		return KDBUS_ITEM_NAME_REMOVE;
	case KDB_NOTIFY_NAME_CHANGE:
		return KDBUS_ITEM_NAME_CHANGE;
	case KDB_NOTIFY_ID_ADD:
		return KDBUS_ITEM_ID_ADD;
	case KDB_NOTIFY_ID_REMOVE:
		return KDBUS_ITEM_ID_REMOVE;
	default:
		return 0;
	}
}

KDB_EXPORT int kdb_match_add(struct kdb_conn *conn, uint64_t cookie,
			     const struct kdb_match *rule, bool replace)
{
	struct kdbus_cmd_match *cmd;
	struct kdbus_item *item;
	struct kdb_buf b;
	uint64_t t;
	int ret;

	if (!conn || !rule)
		return -EINVAL;
	kdb_buf_init(&b, sizeof(*cmd));
	if (rule->bloom_mask)
		kdb_buf_item(&b, KDBUS_ITEM_BLOOM_MASK, rule->bloom_mask,
			     conn->bloom_size);
	if (rule->sender_name)
		kdb_buf_str(&b, KDBUS_ITEM_NAME, rule->sender_name);
	if (rule->sender_id)
		kdb_buf_item(&b, KDBUS_ITEM_ID, &rule->sender_id,
			     sizeof(rule->sender_id));
	if (rule->notify != KDB_NOTIFY_NONE) {
		t = notify_item_type(rule->notify);
		if (!t) {
			kdb_buf_free(&b);
			return -EINVAL;
		}
		if (t == KDBUS_ITEM_ID_ADD || t == KDBUS_ITEM_ID_REMOVE) {
			struct kdbus_notify_id_change c = {
				.id = rule->notify_id,
			};

			kdb_buf_item(&b, t, &c, sizeof(c));
		} else {
			const char *nm = rule->notify_name ?
					 rule->notify_name : "";
			size_t len = rule->notify_name ? strlen(nm) + 1 : 0;

			item = kdb_buf_item(&b, t, NULL,
					    sizeof(struct kdbus_notify_name_change)
					    + len);
			if (item) {
				item->name_change.old_id.id =
					rule->notify_old_id;
				item->name_change.new_id.id =
					rule->notify_new_id;
				memcpy(item->name_change.name, nm, len);
			}
		}
	}
	cmd = kdb_buf_finish(&b);
	if (!cmd) {
		kdb_buf_free(&b);
		return -ENOMEM;
	}
	cmd->cookie = cookie;
	cmd->flags = replace ? KDBUS_MATCH_REPLACE : 0;
	ret = kdb_ioctl(conn->fd, KDBUS_CMD_MATCH_ADD, cmd);
	kdb_buf_free(&b);
	return ret;
}

KDB_EXPORT int kdb_match_remove(struct kdb_conn *conn, uint64_t cookie)
{
	struct kdbus_cmd_match cmd = {
		.size = sizeof(cmd),
		.cookie = cookie,
	};

	if (!conn)
		return -EINVAL;
	return kdb_ioctl(conn->fd, KDBUS_CMD_MATCH_REMOVE, &cmd);
}

KDB_EXPORT int kdb_match_notifications(struct kdb_conn *conn,
				       uint64_t cookie)
{
	static const enum kdb_notify_type types[] = {
		KDB_NOTIFY_NAME_ADD, KDB_NOTIFY_NAME_REMOVE,
		KDB_NOTIFY_NAME_CHANGE, KDB_NOTIFY_ID_ADD,
		KDB_NOTIFY_ID_REMOVE,
	};
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		struct kdb_match m = {
			.notify = types[i],
			.notify_id = KDB_ID_ANY,
			.notify_old_id = KDB_ID_ANY,
			.notify_new_id = KDB_ID_ANY,
		};

		ret = kdb_match_add(conn, cookie, &m, false);
		if (ret < 0) {
			if (i)
				kdb_match_remove(conn, cookie);
			return ret;
		}
	}
	return 0;
}
