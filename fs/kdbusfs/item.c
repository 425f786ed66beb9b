// SPDX-License-Identifier: GPL-2.0
/*
 * Copying in, validating and negotiating command payloads and their items.
 */

#include <linux/capability.h>
#include <linux/ctype.h>
#include <linux/err.h>
#include <linux/kdbus.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "item.h"
#include "limits.h"

/**
 * kdbus_str_valid() - check a string payload
 * @str:	the payload
 * @size:	bytes in it
 *
 * Return: true if it holds exactly one NUL, at its very end.
 */
bool kdbus_str_valid(const char *str, size_t size)
{
	return size > 0 && memchr(str, '\0', size) == str + size - 1;
}

/**
 * kdbus_item_set() - write an item into a kernel buffer
 * @item:	where the item goes; room for KDBUS_ITEM_SIZE(@len) bytes
 * @type:	KDBUS_ITEM_* type
 * @data:	payload, or NULL to leave the payload zeroed
 * @len:	bytes of payload
 *
 * The padding up to the next 8-byte boundary is zeroed: no kernel memory
 * reaches user space through it.
 *
 * Return: the place of the next item.
 */
struct kdbus_item *kdbus_item_set(struct kdbus_item *item, u64 type,
				  const void *data, size_t len)
{
	u8 *payload = (u8 *)item + KDBUS_ITEM_HEADER_SIZE;

	item->type = type;
	item->size = KDBUS_ITEM_HEADER_SIZE + len;
	/* by address: FORTIFY takes item->data for a zero-sized field */
	if (data)
		memcpy(payload, data, len);
	else
		memset(payload, 0, len);
	memset(payload + len, 0, KDBUS_ALIGN8(item->size) - item->size);
	return (void *)((u8 *)item + KDBUS_ALIGN8(item->size));
}

/**
 * kdbus_item_set_str() - write a string item
 * @item:	where the item goes; room for KDBUS_ITEM_SIZE(strlen + 1)
 * @type:	KDBUS_ITEM_* type
 * @str:	the string, written with its NUL
 *
 * Return: the place of the next item.
 */
struct kdbus_item *kdbus_item_set_str(struct kdbus_item *item, u64 type,
				      const char *str)
{
	return kdbus_item_set(item, type, str, strlen(str) + 1);
}

/**
 * kdbus_item_set_name() - write an item of a struct kdbus_name
 * @item:	where the item goes; room for kdbus_item_name_size(@name)
 * @type:	KDBUS_ITEM_OWNED_NAME
 * @flags:	the name's KDBUS_NAME_* flags
 * @name:	the name
 *
 * Return: the place of the next item.
 */
struct kdbus_item *kdbus_item_set_name(struct kdbus_item *item, u64 type,
				       u64 flags, const char *name)
{
	size_t len = strlen(name) + 1;
	struct kdbus_item *next;

	next = kdbus_item_set(item, type, NULL, sizeof(struct kdbus_name) + len);
	item->name.flags = flags;
	memcpy((u8 *)item + KDBUS_ITEM_HEADER_SIZE + sizeof(struct kdbus_name),
	       name, len);
	return next;
}

/**
 * kdbus_item_validate_name() - validate a bus, endpoint or description name
 * @item:	item carrying the name as a string
 *
 * Names consist of letters, digits and '_', with '-' and '.' allowed
 * anywhere but at either end; they are at most KDBUS_SYSNAME_MAX_LEN long.
 *
 * Return: 0 if valid, -ENAMETOOLONG if too long, -EINVAL otherwise.
 */
int kdbus_item_validate_name(const struct kdbus_item *item)
{
	size_t len, i;

	if (item->size < KDBUS_ITEM_HEADER_SIZE + 2)
		return -EINVAL;
	if (item->size > KDBUS_ITEM_HEADER_SIZE + KDBUS_SYSNAME_MAX_LEN + 1)
		return -ENAMETOOLONG;
	if (!kdbus_str_valid(item->str, KDBUS_ITEM_PAYLOAD_SIZE(item)))
		return -EINVAL;

	len = strlen(item->str);
	for (i = 0; i < len; i++) {
		char c = item->str[i];

		if (isalnum(c) || c == '_')
			continue;
		if ((c == '-' || c == '.') && i > 0 && i + 1 < len)
			continue;
		return -EINVAL;
	}
	return 0;
}

/**
 * kdbus_item_validate() - check that an item's payload fits its type
 * @item:	item to check; its size covers at least the header
 *
 * Return: 0 if valid, a negative error code otherwise.
 */
int kdbus_item_validate(const struct kdbus_item *item)
{
	size_t size = KDBUS_ITEM_PAYLOAD_SIZE(item);

	switch (item->type) {
	case KDBUS_ITEM_NEGOTIATE:
		return size % sizeof(u64) ? -EINVAL : 0;

	case KDBUS_ITEM_PAYLOAD_VEC:
	case KDBUS_ITEM_PAYLOAD_OFF:
		if (size != sizeof(struct kdbus_vec) || item->vec.size == 0)
			return -EINVAL;
		return 0;

	case KDBUS_ITEM_PAYLOAD_MEMFD:
		if (size != sizeof(struct kdbus_memfd) || item->memfd.size == 0)
			return -EINVAL;
		return item->memfd.fd < 0 ? -EBADF : 0;

	case KDBUS_ITEM_FDS:
		return size % sizeof(int) ? -EINVAL : 0;

	case KDBUS_ITEM_CANCEL_FD:
		return size != sizeof(int) ? -EINVAL : 0;

	case KDBUS_ITEM_BLOOM_PARAMETER:
		return size != sizeof(struct kdbus_bloom_parameter) ?
		       -EINVAL : 0;

	case KDBUS_ITEM_BLOOM_FILTER:
		/* the filter's length is checked against the bus's later */
		return size < sizeof(struct kdbus_bloom_filter) ? -EINVAL : 0;

	case KDBUS_ITEM_BLOOM_MASK:
		return 0;

	case KDBUS_ITEM_CONN_DESCRIPTION:
	case KDBUS_ITEM_MAKE_NAME:
		return kdbus_item_validate_name(item);

	case KDBUS_ITEM_ATTACH_FLAGS_SEND:
	case KDBUS_ITEM_ATTACH_FLAGS_RECV:
	case KDBUS_ITEM_ID:
	case KDBUS_ITEM_DST_ID:
		return size != sizeof(u64) ? -EINVAL : 0;

	case KDBUS_ITEM_NAME:
	case KDBUS_ITEM_DST_NAME:
	case KDBUS_ITEM_PID_COMM:
	case KDBUS_ITEM_TID_COMM:
	case KDBUS_ITEM_EXE:
	case KDBUS_ITEM_CMDLINE:
	case KDBUS_ITEM_CGROUP:
	case KDBUS_ITEM_SECLABEL:
		return kdbus_str_valid(item->str, size) ? 0 : -EINVAL;

	case KDBUS_ITEM_POLICY_ACCESS:
		return size != sizeof(struct kdbus_policy_access) ?
		       -EINVAL : 0;

	case KDBUS_ITEM_CREDS:
		return size != sizeof(struct kdbus_creds) ? -EINVAL : 0;

	case KDBUS_ITEM_PIDS:
		return size != sizeof(struct kdbus_pids) ? -EINVAL : 0;

	case KDBUS_ITEM_DUMP_FILES:
		return size < sizeof(struct kdbus_dump_files) ||
		       (size - sizeof(struct kdbus_dump_files)) % sizeof(s32) ?
		       -EINVAL : 0;

	default:
		return 0;
	}
}

/**
 * kdbus_sanitize_attach_flags() - check a metadata mask from user space
 * @flags:		mask as given
 * @attach_flags:	set to the mask to use
 *
 * _KDBUS_ATTACH_ANY means every item the kernel knows.
 *
 * Return: 0 on success, -EINVAL if @flags has unknown bits.
 */
int kdbus_sanitize_attach_flags(u64 flags, u64 *attach_flags)
{
	if (flags == _KDBUS_ATTACH_ANY)
		flags = _KDBUS_ATTACH_ALL;
	if (flags & ~_KDBUS_ATTACH_ALL)
		return -EINVAL;
	*attach_flags = flags;
	return 0;
}

static int kdbus_args_verify(struct kdbus_args *args)
{
	struct kdbus_item *item;
	size_t pos = 0;
	size_t i;
	int ret;

	while (pos < args->items_size) {
		size_t left = args->items_size - pos;
		struct kdbus_arg *arg = NULL;

		item = (void *)((u8 *)args->items + pos);
		if (left < KDBUS_ITEM_HEADER_SIZE ||
		    item->size < KDBUS_ITEM_HEADER_SIZE || item->size > left)
			return -EINVAL;

		for (i = 0; i < args->argc; i++) {
			if (args->argv[i].type == item->type) {
				arg = &args->argv[i];
				break;
			}
		}
		if (!arg)
			return -EINVAL;

		ret = kdbus_item_validate(item);
		if (ret < 0)
			return ret;

		if (arg->item && !arg->multiple)
			return -EINVAL;
		arg->item = item;

		/* the last item may omit its trailing padding */
		pos += KDBUS_ALIGN8(item->size);
	}
	return 0;
}

/*
 * With KDBUS_FLAG_NEGOTIATE the kernel writes back the flags it supports;
 * with a KDBUS_ITEM_NEGOTIATE item it zeroes each listed item type that the
 * command does not accept.
 */
static int kdbus_args_negotiate(struct kdbus_args *args)
{
	struct kdbus_item __user *uitem;
	struct kdbus_item *item;
	size_t i, j, n;

	if ((args->cmd->flags & KDBUS_FLAG_NEGOTIATE) &&
	    put_user(args->allowed_flags & ~KDBUS_FLAG_NEGOTIATE,
		     &args->user->flags))
		return -EFAULT;

	if (args->argc < 1 || args->argv[0].type != KDBUS_ITEM_NEGOTIATE ||
	    !args->argv[0].item)
		return 0;

	item = args->argv[0].item;
	uitem = (void __user *)((u8 __user *)args->user +
				((u8 *)item - (u8 *)args->cmd));
	n = KDBUS_ITEM_PAYLOAD_SIZE(item) / sizeof(u64);
	for (i = 0; i < n; i++) {
		for (j = 0; j < args->argc; j++)
			if (item->data64[i] == args->argv[j].type)
				break;
		if (j < args->argc)
			continue;
		item->data64[i] = 0;
		if (put_user(0ULL, &uitem->data64[i]))
			return -EFAULT;
	}
	return 0;
}

/**
 * __kdbus_args_parse() - copy in and validate a command payload
 * @args:		describes the accepted flags and items; filled in
 * @is_cmd:		the payload has a return_flags field
 * @argp:		payload in user memory
 * @type_size:		size of the fixed part of the payload
 * @items_offset:	offset of the item chain in the payload
 * @out:		set to the copied payload on success
 *
 * On success the caller must end with kdbus_args_clear(). A negotiation
 * is answered here: return flags go back and the copy is freed.
 *
 * Return: 1 if only negotiation was asked for (nothing left to clear), 0
 * on success, or -EFAULT
 * (bad or unaligned pointer), -EINVAL (size below the fixed part, size
 * changed while copying, unknown flag, malformed, unknown, duplicate or
 * missing item), -EMSGSIZE (payload above @args->max_size), -ENOMEM, or
 * an error from an item's own validation.
 */
int __kdbus_args_parse(struct kdbus_args *args, bool is_cmd, void __user *argp,
		       size_t type_size, size_t items_offset, void **out)
{
	u64 size;
	size_t i;
	int ret;

	if (!IS_ALIGNED((unsigned long)argp, 8))
		return -EFAULT;
	if (get_user(size, (u64 __user *)argp))
		return -EFAULT;
	if (size < type_size)
		return -EINVAL;
	if (size > (args->max_size ?: KDBUS_CMD_MAX_SIZE))
		return -EMSGSIZE;

	if (size <= sizeof(args->cmd_buf)) {
		if (copy_from_user(args->cmd_buf, argp, size))
			return -EFAULT;
		args->cmd = (void *)args->cmd_buf;
	} else {
		args->cmd = memdup_user(argp, size);
		if (IS_ERR(args->cmd))
			return PTR_ERR(args->cmd);
	}

	args->user = argp;
	args->is_cmd = is_cmd;
	args->items = (void *)((u8 *)args->cmd + items_offset);
	args->items_size = size - items_offset;

	/* user space may have changed the size between the two copies */
	if (args->cmd->size != size) {
		ret = -EINVAL;
		goto error;
	}
	/*
	 * A command must not take effect and then fail to report it: find
	 * out now whether its return flags can be written back.
	 */
	if (is_cmd) {
		args->cmd->return_flags = 0;
		if (put_user(0ULL, &args->user->return_flags)) {
			ret = -EFAULT;
			goto error_nocopy;
		}
	}

	if (args->cmd->flags & ~args->allowed_flags) {
		ret = -EINVAL;
		goto error;
	}

	ret = kdbus_args_verify(args);
	if (ret < 0)
		goto error;

	ret = kdbus_args_negotiate(args);
	if (ret < 0)
		goto error;

	if (args->cmd->flags & KDBUS_FLAG_NEGOTIATE) {
		ret = kdbus_args_clear(args, 0);
		return ret < 0 ? ret : 1;
	}

	for (i = 0; i < args->argc; i++) {
		if (args->argv[i].mandatory && !args->argv[i].item) {
			ret = -EINVAL;
			goto error;
		}
	}

	*out = args->cmd;
	return 0;

error:
	return kdbus_args_clear(args, ret);

error_nocopy:
	args->is_cmd = false;	/* nothing to write back: it faulted */
	return kdbus_args_clear(args, ret);
}

/**
 * kdbus_args_clear() - copy out return flags and free a parsed payload
 * @args:	parsed payload
 * @ret:	result of the command
 *
 * Return: @ret, or -EFAULT if the return flags cannot be written back.
 */
int kdbus_args_clear(struct kdbus_args *args, int ret)
{
	if (IS_ERR_OR_NULL(args->cmd))
		return ret;

	if (args->is_cmd && put_user(args->cmd->return_flags,
				     &args->user->return_flags))
		ret = -EFAULT;
	if (args->cmd != (void *)args->cmd_buf)
		kfree(args->cmd);
	args->cmd = NULL;
	return ret;
}
