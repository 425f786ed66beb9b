/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __KDBUSFS_ITEM_H
#define __KDBUSFS_ITEM_H

/**
 * DOC: Command payloads and items
 *
 * Every ioctl takes a struct whose first three u64 are size, flags and
 * return_flags, followed by a chain of items, each 8-byte aligned. The whole
 * payload is copied in once, and validated once, here, before any command
 * looks at it: size bounds, alignment, unknown flags, item framing, each
 * item's own format, duplicates and mandatory items. Commands then read the
 * items they declared from struct kdbus_args.
 */

#include <linux/kdbus.h>
#include <linux/string.h>
#include <linux/types.h>

#include "limits.h"

#define KDBUS_ITEM_PAYLOAD_SIZE(_i)	((_i)->size - KDBUS_ITEM_HEADER_SIZE)

/**
 * struct kdbus_arg - an item a command accepts
 * @type:	KDBUS_ITEM_* type
 * @item:	set by the parser to the (last) item of this type, or NULL
 * @multiple:	the item may appear more than once
 * @mandatory:	the command fails with EINVAL without it
 */
struct kdbus_arg {
	u64 type;
	struct kdbus_item *item;
	bool multiple : 1;
	bool mandatory : 1;
};

/**
 * struct kdbus_args - a parsed command payload
 * @allowed_flags:	flags the command accepts, KDBUS_FLAG_NEGOTIATE too
 * @max_size:		largest payload accepted; 0 means KDBUS_CMD_MAX_SIZE
 * @argc:		number of entries in @argv
 * @argv:		items the command accepts
 * @user:		payload in user memory
 * @cmd:		payload copied into the kernel
 * @items:		first item in @cmd
 * @items_size:		bytes of items in @cmd
 * @is_cmd:		@cmd has return_flags (false for struct kdbus_msg)
 * @cmd_buf:		storage for small payloads
 */
struct kdbus_args {
	u64 allowed_flags;
	size_t max_size;
	size_t argc;
	struct kdbus_arg *argv;

	struct kdbus_cmd __user *user;
	struct kdbus_cmd *cmd;
	struct kdbus_item *items;
	size_t items_size;
	bool is_cmd;

	u64 cmd_buf[KDBUS_CMD_STACK_SIZE / sizeof(u64)];
};

bool kdbus_str_valid(const char *str, size_t size);
int kdbus_sanitize_attach_flags(u64 flags, u64 *attach_flags);
int kdbus_item_validate_name(const struct kdbus_item *item);
int kdbus_item_validate(const struct kdbus_item *item);
struct kdbus_item *kdbus_item_set(struct kdbus_item *item, u64 type,
				  const void *data, size_t len);
struct kdbus_item *kdbus_item_set_str(struct kdbus_item *item, u64 type,
				      const char *str);
struct kdbus_item *kdbus_item_set_name(struct kdbus_item *item, u64 type,
				       u64 flags, const char *name);

/**
 * kdbus_item_name_size() - bytes a kdbus_item_set_name() item takes
 * @name:	the name
 *
 * Return: the aligned size of the item.
 */
static inline size_t kdbus_item_name_size(const char *name)
{
	return KDBUS_ITEM_SIZE(sizeof(struct kdbus_name) + strlen(name) + 1);
}

int __kdbus_args_parse(struct kdbus_args *args, bool is_cmd, void __user *argp,
		       size_t type_size, size_t items_offset, void **out);
int kdbus_args_clear(struct kdbus_args *args, int ret);

/**
 * struct kdbus_items_iter - position in a chain of items
 * @pos:	next item
 * @end:	end of the chain
 */
struct kdbus_items_iter {
	const u8 *pos;
	const u8 *end;
};

/**
 * kdbus_items_iter() - start walking a chain of items
 * @items:	first item
 * @size:	bytes in the chain
 *
 * Return: the iterator.
 */
static inline struct kdbus_items_iter kdbus_items_iter(const void *items,
						       size_t size)
{
	return (struct kdbus_items_iter){ items, (const u8 *)items + size };
}

/**
 * kdbus_args_iter() - start walking the items of a parsed command
 * @args:	payload after a successful kdbus_args_parse()
 *
 * Return: the iterator.
 */
static inline struct kdbus_items_iter
kdbus_args_iter(const struct kdbus_args *args)
{
	return kdbus_items_iter(args->items, args->items_size);
}

/**
 * kdbus_items_next() - the next item of a chain
 * @iter:	iterator
 *
 * Return: the item, or NULL at the end of the chain.
 */
static inline struct kdbus_item *kdbus_items_next(struct kdbus_items_iter *iter)
{
	struct kdbus_item *item;

	if (iter->pos >= iter->end)
		return NULL;
	item = (struct kdbus_item *)iter->pos;
	iter->pos += KDBUS_ALIGN8(item->size);
	return item;
}

/**
 * KDBUS_ITEMS_FOREACH() - walk a validated chain of items
 * @_item:	iterator, a pointer to (const) struct kdbus_item
 * @_items:	first item
 * @_size:	bytes in the chain
 *
 * Only for chains whose framing was checked (kdbus_args_parse() does, and
 * the kernel writes only framed chains): every item's size covers its
 * header and stays inside the chain. The last item may lack its padding.
 */
#define KDBUS_ITEMS_FOREACH(_item, _items, _size)			\
	for (struct kdbus_items_iter __iter = kdbus_items_iter((_items), \
							       (_size)); \
	     ((_item) = kdbus_items_next(&__iter));)

/**
 * KDBUS_ARGS_FOREACH() - walk the items of a parsed command
 * @_item:	iterator
 * @_args:	struct kdbus_args after a successful kdbus_args_parse()
 */
#define KDBUS_ARGS_FOREACH(_item, _args)				\
	for (struct kdbus_items_iter __iter = kdbus_args_iter(_args);	\
	     ((_item) = kdbus_items_next(&__iter));)

/*
 * kdbus_args_parse() - copy in and validate the payload of a command
 *
 * A payload with KDBUS_FLAG_NEGOTIATE is answered here: the supported
 * flags and items are written back, the copy is freed, and 1 is returned
 * for the command to end with success without doing anything.
 *
 * Return: <0 on error, 1 if only negotiation was asked for (the command is
 * complete, do not call kdbus_args_clear()), 0 to go on.
 */
#define kdbus_args_parse(_args, _argp, _v)				\
	({								\
		typeof(_v) __v = (_v);					\
		BUILD_BUG_ON(offsetof(typeof(**__v), size) !=		\
			     offsetof(struct kdbus_cmd, size));		\
		BUILD_BUG_ON(offsetof(typeof(**__v), flags) !=		\
			     offsetof(struct kdbus_cmd, flags));	\
		BUILD_BUG_ON(offsetof(typeof(**__v), return_flags) !=	\
			     offsetof(struct kdbus_cmd, return_flags));	\
		__kdbus_args_parse((_args), true, (_argp),		\
				   sizeof(**__v),			\
				   offsetof(typeof(**__v), items),	\
				   (void **)__v);			\
	})

#endif
