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

int kdbus_item_validate_name(const struct kdbus_item *item);
int kdbus_item_validate(const struct kdbus_item *item);
int __kdbus_args_parse(struct kdbus_args *args, bool is_cmd, void __user *argp,
		       size_t type_size, size_t items_offset, void **out);
int kdbus_args_clear(struct kdbus_args *args, int ret);

/*
 * kdbus_args_parse() - copy in and validate the payload of a command
 * Return: <0 on error, 1 if only flag negotiation was asked for, 0 otherwise.
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
