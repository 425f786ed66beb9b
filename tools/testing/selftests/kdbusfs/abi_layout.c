// SPDX-License-Identifier: GPL-2.0
/*
 * The ABI check: <linux/kdbus.h> against the last upstream kdbus interface.
 *
 * kdbusfs promises binary compatibility with the final kdbus uapi header
 * (systemd/kdbus, include/uapi/linux/kdbus.h, August 2015). Below is every
 * constant, enumerator and flag that header defines, every ioctl request,
 * and the size and alignment of every structure with the offset and size
 * of each member, as that header gives them on x86_64; they were printed
 * by compiling it once and are written out as literals, so that any drift
 * of our header shows. Last, the item-size helpers our header adds, on
 * upstream's item layout.
 *
 * This file is compiled, never run: each check is a static assertion, and
 * a mismatch fails the build. The Makefile then prints how many checks
 * there are, abi_checks below, as "abi: N checks match upstream kdbus".
 */

#include <assert.h>
#include <stddef.h>
#include <linux/ioctl.h>
#include <linux/types.h>
#include <linux/kdbus.h>

/* the build must have picked up the kdbusfs header, not another copy */
#if !defined(_UAPI_LINUX_KDBUS_H) || !defined(KDBUS_ITEM_SIZE)
#error "<linux/kdbus.h> must resolve to kdbusfs include/uapi/linux/kdbus.h"
#endif

/* one check; __COUNTER__ counts them */
#define ABI_CHECK(cond, what)	static_assert(__COUNTER__ >= 0 && (cond), what)

/* a constant, an enumerator or a flag */
#define ABI_VALUE(name, value)	ABI_CHECK((__u64)(name) == (value), #name)

/*
 * An ioctl request number: upstream's direction, type, number and argument
 * size, encoded by this architecture's _IOC() (on x86_64 the very numbers
 * upstream had).
 */
#define ABI_IOCTL(cmd, dir, type, nr, size)				\
	ABI_CHECK((__u32)(cmd) == (__u32)_IOC(dir, type, nr, size), #cmd)

/* size and alignment of struct @type */
#define ABI_SIZEOF(type, size)						\
	ABI_CHECK(sizeof(struct type) == (size), "sizeof(struct " #type ")")
#define ABI_ALIGNOF(type, align)					\
	ABI_CHECK(__alignof__(struct type) == (align),			\
		  "alignment of struct " #type)

/* offset and size of member @field of struct @type */
#define ABI_OFFSET(type, field, off)					\
	ABI_CHECK(offsetof(struct type, field) == (off),		\
		  "offset of " #type "." #field)
#define ABI_MSIZE(type, field, size)					\
	ABI_CHECK(sizeof((*(struct type *)0).field) == (size),		\
		  "size of " #type "." #field)

/* ioctl type, special ids, negotiation */
ABI_VALUE(KDBUS_IOCTL_MAGIC, 0x95ULL);
ABI_VALUE(KDBUS_SRC_ID_KERNEL, 0x0ULL);
ABI_VALUE(KDBUS_DST_ID_NAME, 0x0ULL);
ABI_VALUE(KDBUS_MATCH_ID_ANY, 0xffffffffffffffffULL);
ABI_VALUE(KDBUS_DST_ID_BROADCAST, 0xffffffffffffffffULL);
ABI_VALUE(KDBUS_FLAG_NEGOTIATE, 0x8000000000000000ULL);

/* policy access types and levels */
ABI_VALUE(_KDBUS_POLICY_ACCESS_NULL, 0x0ULL);
ABI_VALUE(KDBUS_POLICY_ACCESS_USER, 0x1ULL);
ABI_VALUE(KDBUS_POLICY_ACCESS_GROUP, 0x2ULL);
ABI_VALUE(KDBUS_POLICY_ACCESS_WORLD, 0x3ULL);
ABI_VALUE(KDBUS_POLICY_SEE, 0x0ULL);
ABI_VALUE(KDBUS_POLICY_TALK, 0x1ULL);
ABI_VALUE(KDBUS_POLICY_OWN, 0x2ULL);

/* metadata attach flags */
ABI_VALUE(KDBUS_ATTACH_TIMESTAMP, 0x1ULL);
ABI_VALUE(KDBUS_ATTACH_CREDS, 0x2ULL);
ABI_VALUE(KDBUS_ATTACH_PIDS, 0x4ULL);
ABI_VALUE(KDBUS_ATTACH_AUXGROUPS, 0x8ULL);
ABI_VALUE(KDBUS_ATTACH_NAMES, 0x10ULL);
ABI_VALUE(KDBUS_ATTACH_TID_COMM, 0x20ULL);
ABI_VALUE(KDBUS_ATTACH_PID_COMM, 0x40ULL);
ABI_VALUE(KDBUS_ATTACH_EXE, 0x80ULL);
ABI_VALUE(KDBUS_ATTACH_CMDLINE, 0x100ULL);
ABI_VALUE(KDBUS_ATTACH_CGROUP, 0x200ULL);
ABI_VALUE(KDBUS_ATTACH_CAPS, 0x400ULL);
ABI_VALUE(KDBUS_ATTACH_SECLABEL, 0x800ULL);
ABI_VALUE(KDBUS_ATTACH_AUDIT, 0x1000ULL);
ABI_VALUE(KDBUS_ATTACH_CONN_DESCRIPTION, 0x2000ULL);
ABI_VALUE(_KDBUS_ATTACH_ALL, 0x3fffULL);
ABI_VALUE(_KDBUS_ATTACH_ANY, 0xffffffffffffffffULL);

/* item types */
ABI_VALUE(_KDBUS_ITEM_NULL, 0x0ULL);
ABI_VALUE(_KDBUS_ITEM_USER_BASE, 0x1ULL);
ABI_VALUE(KDBUS_ITEM_NEGOTIATE, 0x1ULL);
ABI_VALUE(KDBUS_ITEM_PAYLOAD_VEC, 0x2ULL);
ABI_VALUE(KDBUS_ITEM_PAYLOAD_OFF, 0x3ULL);
ABI_VALUE(KDBUS_ITEM_PAYLOAD_MEMFD, 0x4ULL);
ABI_VALUE(KDBUS_ITEM_FDS, 0x5ULL);
ABI_VALUE(KDBUS_ITEM_CANCEL_FD, 0x6ULL);
ABI_VALUE(KDBUS_ITEM_BLOOM_PARAMETER, 0x7ULL);
ABI_VALUE(KDBUS_ITEM_BLOOM_FILTER, 0x8ULL);
ABI_VALUE(KDBUS_ITEM_BLOOM_MASK, 0x9ULL);
ABI_VALUE(KDBUS_ITEM_DST_NAME, 0xaULL);
ABI_VALUE(KDBUS_ITEM_MAKE_NAME, 0xbULL);
ABI_VALUE(KDBUS_ITEM_ATTACH_FLAGS_SEND, 0xcULL);
ABI_VALUE(KDBUS_ITEM_ATTACH_FLAGS_RECV, 0xdULL);
ABI_VALUE(KDBUS_ITEM_ID, 0xeULL);
ABI_VALUE(KDBUS_ITEM_NAME, 0xfULL);
ABI_VALUE(KDBUS_ITEM_DST_ID, 0x10ULL);
ABI_VALUE(_KDBUS_ITEM_ATTACH_BASE, 0x1000ULL);
ABI_VALUE(KDBUS_ITEM_TIMESTAMP, 0x1000ULL);
ABI_VALUE(KDBUS_ITEM_CREDS, 0x1001ULL);
ABI_VALUE(KDBUS_ITEM_PIDS, 0x1002ULL);
ABI_VALUE(KDBUS_ITEM_AUXGROUPS, 0x1003ULL);
ABI_VALUE(KDBUS_ITEM_OWNED_NAME, 0x1004ULL);
ABI_VALUE(KDBUS_ITEM_TID_COMM, 0x1005ULL);
ABI_VALUE(KDBUS_ITEM_PID_COMM, 0x1006ULL);
ABI_VALUE(KDBUS_ITEM_EXE, 0x1007ULL);
ABI_VALUE(KDBUS_ITEM_CMDLINE, 0x1008ULL);
ABI_VALUE(KDBUS_ITEM_CGROUP, 0x1009ULL);
ABI_VALUE(KDBUS_ITEM_CAPS, 0x100aULL);
ABI_VALUE(KDBUS_ITEM_SECLABEL, 0x100bULL);
ABI_VALUE(KDBUS_ITEM_AUDIT, 0x100cULL);
ABI_VALUE(KDBUS_ITEM_CONN_DESCRIPTION, 0x100dULL);
ABI_VALUE(_KDBUS_ITEM_POLICY_BASE, 0x2000ULL);
ABI_VALUE(KDBUS_ITEM_POLICY_ACCESS, 0x2000ULL);
ABI_VALUE(_KDBUS_ITEM_KERNEL_BASE, 0x8000ULL);
ABI_VALUE(KDBUS_ITEM_NAME_ADD, 0x8000ULL);
ABI_VALUE(KDBUS_ITEM_NAME_REMOVE, 0x8001ULL);
ABI_VALUE(KDBUS_ITEM_NAME_CHANGE, 0x8002ULL);
ABI_VALUE(KDBUS_ITEM_ID_ADD, 0x8003ULL);
ABI_VALUE(KDBUS_ITEM_ID_REMOVE, 0x8004ULL);
ABI_VALUE(KDBUS_ITEM_REPLY_TIMEOUT, 0x8005ULL);
ABI_VALUE(KDBUS_ITEM_REPLY_DEAD, 0x8006ULL);

/* message flags and payload types */
ABI_VALUE(KDBUS_MSG_EXPECT_REPLY, 0x1ULL);
ABI_VALUE(KDBUS_MSG_NO_AUTO_START, 0x2ULL);
ABI_VALUE(KDBUS_MSG_SIGNAL, 0x4ULL);
ABI_VALUE(KDBUS_PAYLOAD_KERNEL, 0x0ULL);
ABI_VALUE(KDBUS_PAYLOAD_DBUS, 0x4442757344427573ULL);

/* SEND, RECV and their return flags */
ABI_VALUE(KDBUS_SEND_SYNC_REPLY, 0x1ULL);
ABI_VALUE(KDBUS_RECV_PEEK, 0x1ULL);
ABI_VALUE(KDBUS_RECV_DROP, 0x2ULL);
ABI_VALUE(KDBUS_RECV_USE_PRIORITY, 0x4ULL);
ABI_VALUE(KDBUS_RECV_RETURN_INCOMPLETE_FDS, 0x1ULL);
ABI_VALUE(KDBUS_RECV_RETURN_DROPPED_MSGS, 0x2ULL);

/* HELLO flags */
ABI_VALUE(KDBUS_HELLO_ACCEPT_FD, 0x1ULL);
ABI_VALUE(KDBUS_HELLO_ACTIVATOR, 0x2ULL);
ABI_VALUE(KDBUS_HELLO_POLICY_HOLDER, 0x4ULL);
ABI_VALUE(KDBUS_HELLO_MONITOR, 0x8ULL);

/* LIST flags */
ABI_VALUE(KDBUS_LIST_UNIQUE, 0x1ULL);
ABI_VALUE(KDBUS_LIST_NAMES, 0x2ULL);
ABI_VALUE(KDBUS_LIST_ACTIVATORS, 0x4ULL);
ABI_VALUE(KDBUS_LIST_QUEUED, 0x8ULL);

/* MATCH_ADD flags */
ABI_VALUE(KDBUS_MATCH_REPLACE, 0x1ULL);

/* BUS_MAKE and ENDPOINT_MAKE flags */
ABI_VALUE(KDBUS_MAKE_ACCESS_GROUP, 0x1ULL);
ABI_VALUE(KDBUS_MAKE_ACCESS_WORLD, 0x2ULL);

/* name flags */
ABI_VALUE(KDBUS_NAME_REPLACE_EXISTING, 0x1ULL);
ABI_VALUE(KDBUS_NAME_ALLOW_REPLACEMENT, 0x2ULL);
ABI_VALUE(KDBUS_NAME_QUEUE, 0x4ULL);
ABI_VALUE(KDBUS_NAME_IN_QUEUE, 0x8ULL);
ABI_VALUE(KDBUS_NAME_ACTIVATOR, 0x10ULL);
ABI_VALUE(KDBUS_NAME_PRIMARY, 0x20ULL);
ABI_VALUE(KDBUS_NAME_ACQUIRED, 0x40ULL);

/* ioctl request numbers: direction, type, number, argument size */
ABI_IOCTL(KDBUS_CMD_BUS_MAKE, _IOC_WRITE, 0x95, 0x00, 24);
ABI_IOCTL(KDBUS_CMD_ENDPOINT_MAKE, _IOC_WRITE, 0x95, 0x10, 24);
ABI_IOCTL(KDBUS_CMD_ENDPOINT_UPDATE, _IOC_WRITE, 0x95, 0x11, 24);
ABI_IOCTL(KDBUS_CMD_HELLO, _IOC_READ | _IOC_WRITE, 0x95, 0x80, 96);
ABI_IOCTL(KDBUS_CMD_UPDATE, _IOC_WRITE, 0x95, 0x81, 24);
ABI_IOCTL(KDBUS_CMD_BYEBYE, _IOC_WRITE, 0x95, 0x82, 24);
ABI_IOCTL(KDBUS_CMD_FREE, _IOC_WRITE, 0x95, 0x83, 32);
ABI_IOCTL(KDBUS_CMD_CONN_INFO, _IOC_READ, 0x95, 0x84, 56);
ABI_IOCTL(KDBUS_CMD_BUS_CREATOR_INFO, _IOC_READ, 0x95, 0x85, 56);
ABI_IOCTL(KDBUS_CMD_LIST, _IOC_READ, 0x95, 0x86, 40);
ABI_IOCTL(KDBUS_CMD_SEND, _IOC_WRITE, 0x95, 0x90, 56);
ABI_IOCTL(KDBUS_CMD_RECV, _IOC_READ, 0x95, 0x91, 64);
ABI_IOCTL(KDBUS_CMD_NAME_ACQUIRE, _IOC_WRITE, 0x95, 0xa0, 24);
ABI_IOCTL(KDBUS_CMD_NAME_RELEASE, _IOC_WRITE, 0x95, 0xa1, 24);
ABI_IOCTL(KDBUS_CMD_MATCH_ADD, _IOC_WRITE, 0x95, 0xb0, 32);
ABI_IOCTL(KDBUS_CMD_MATCH_REMOVE, _IOC_WRITE, 0x95, 0xb1, 32);

/* struct kdbus_notify_id_change */
ABI_SIZEOF(kdbus_notify_id_change, 16);
ABI_ALIGNOF(kdbus_notify_id_change, 8);
ABI_OFFSET(kdbus_notify_id_change, id, 0);
ABI_MSIZE(kdbus_notify_id_change, id, 8);
ABI_OFFSET(kdbus_notify_id_change, flags, 8);
ABI_MSIZE(kdbus_notify_id_change, flags, 8);

/* struct kdbus_notify_name_change */
ABI_SIZEOF(kdbus_notify_name_change, 32);
ABI_ALIGNOF(kdbus_notify_name_change, 8);
ABI_OFFSET(kdbus_notify_name_change, old_id, 0);
ABI_MSIZE(kdbus_notify_name_change, old_id, 16);
ABI_OFFSET(kdbus_notify_name_change, new_id, 16);
ABI_MSIZE(kdbus_notify_name_change, new_id, 16);
ABI_OFFSET(kdbus_notify_name_change, name, 32);
ABI_MSIZE(kdbus_notify_name_change, name, 0);

/* struct kdbus_creds */
ABI_SIZEOF(kdbus_creds, 64);
ABI_ALIGNOF(kdbus_creds, 8);
ABI_OFFSET(kdbus_creds, uid, 0);
ABI_MSIZE(kdbus_creds, uid, 8);
ABI_OFFSET(kdbus_creds, euid, 8);
ABI_MSIZE(kdbus_creds, euid, 8);
ABI_OFFSET(kdbus_creds, suid, 16);
ABI_MSIZE(kdbus_creds, suid, 8);
ABI_OFFSET(kdbus_creds, fsuid, 24);
ABI_MSIZE(kdbus_creds, fsuid, 8);
ABI_OFFSET(kdbus_creds, gid, 32);
ABI_MSIZE(kdbus_creds, gid, 8);
ABI_OFFSET(kdbus_creds, egid, 40);
ABI_MSIZE(kdbus_creds, egid, 8);
ABI_OFFSET(kdbus_creds, sgid, 48);
ABI_MSIZE(kdbus_creds, sgid, 8);
ABI_OFFSET(kdbus_creds, fsgid, 56);
ABI_MSIZE(kdbus_creds, fsgid, 8);

/* struct kdbus_pids */
ABI_SIZEOF(kdbus_pids, 24);
ABI_ALIGNOF(kdbus_pids, 8);
ABI_OFFSET(kdbus_pids, pid, 0);
ABI_MSIZE(kdbus_pids, pid, 8);
ABI_OFFSET(kdbus_pids, tid, 8);
ABI_MSIZE(kdbus_pids, tid, 8);
ABI_OFFSET(kdbus_pids, ppid, 16);
ABI_MSIZE(kdbus_pids, ppid, 8);

/* struct kdbus_caps */
ABI_SIZEOF(kdbus_caps, 8);
ABI_ALIGNOF(kdbus_caps, 8);
ABI_OFFSET(kdbus_caps, last_cap, 0);
ABI_MSIZE(kdbus_caps, last_cap, 4);
ABI_OFFSET(kdbus_caps, caps, 4);
ABI_MSIZE(kdbus_caps, caps, 0);

/* struct kdbus_audit */
ABI_SIZEOF(kdbus_audit, 8);
ABI_ALIGNOF(kdbus_audit, 8);
ABI_OFFSET(kdbus_audit, sessionid, 0);
ABI_MSIZE(kdbus_audit, sessionid, 4);
ABI_OFFSET(kdbus_audit, loginuid, 4);
ABI_MSIZE(kdbus_audit, loginuid, 4);

/* struct kdbus_timestamp */
ABI_SIZEOF(kdbus_timestamp, 24);
ABI_ALIGNOF(kdbus_timestamp, 8);
ABI_OFFSET(kdbus_timestamp, seqnum, 0);
ABI_MSIZE(kdbus_timestamp, seqnum, 8);
ABI_OFFSET(kdbus_timestamp, monotonic_ns, 8);
ABI_MSIZE(kdbus_timestamp, monotonic_ns, 8);
ABI_OFFSET(kdbus_timestamp, realtime_ns, 16);
ABI_MSIZE(kdbus_timestamp, realtime_ns, 8);

/* struct kdbus_vec */
ABI_SIZEOF(kdbus_vec, 16);
ABI_ALIGNOF(kdbus_vec, 8);
ABI_OFFSET(kdbus_vec, size, 0);
ABI_MSIZE(kdbus_vec, size, 8);
ABI_OFFSET(kdbus_vec, address, 8);
ABI_MSIZE(kdbus_vec, address, 8);
ABI_OFFSET(kdbus_vec, offset, 8);
ABI_MSIZE(kdbus_vec, offset, 8);

/* struct kdbus_bloom_parameter */
ABI_SIZEOF(kdbus_bloom_parameter, 16);
ABI_ALIGNOF(kdbus_bloom_parameter, 8);
ABI_OFFSET(kdbus_bloom_parameter, size, 0);
ABI_MSIZE(kdbus_bloom_parameter, size, 8);
ABI_OFFSET(kdbus_bloom_parameter, n_hash, 8);
ABI_MSIZE(kdbus_bloom_parameter, n_hash, 8);

/* struct kdbus_bloom_filter */
ABI_SIZEOF(kdbus_bloom_filter, 8);
ABI_ALIGNOF(kdbus_bloom_filter, 8);
ABI_OFFSET(kdbus_bloom_filter, generation, 0);
ABI_MSIZE(kdbus_bloom_filter, generation, 8);
ABI_OFFSET(kdbus_bloom_filter, data, 8);
ABI_MSIZE(kdbus_bloom_filter, data, 0);

/* struct kdbus_memfd */
ABI_SIZEOF(kdbus_memfd, 24);
ABI_ALIGNOF(kdbus_memfd, 8);
ABI_OFFSET(kdbus_memfd, start, 0);
ABI_MSIZE(kdbus_memfd, start, 8);
ABI_OFFSET(kdbus_memfd, size, 8);
ABI_MSIZE(kdbus_memfd, size, 8);
ABI_OFFSET(kdbus_memfd, fd, 16);
ABI_MSIZE(kdbus_memfd, fd, 4);
ABI_OFFSET(kdbus_memfd, __pad, 20);
ABI_MSIZE(kdbus_memfd, __pad, 4);

/* struct kdbus_name */
ABI_SIZEOF(kdbus_name, 8);
ABI_ALIGNOF(kdbus_name, 8);
ABI_OFFSET(kdbus_name, flags, 0);
ABI_MSIZE(kdbus_name, flags, 8);
ABI_OFFSET(kdbus_name, name, 8);
ABI_MSIZE(kdbus_name, name, 0);

/* struct kdbus_policy_access */
ABI_SIZEOF(kdbus_policy_access, 24);
ABI_ALIGNOF(kdbus_policy_access, 8);
ABI_OFFSET(kdbus_policy_access, type, 0);
ABI_MSIZE(kdbus_policy_access, type, 8);
ABI_OFFSET(kdbus_policy_access, access, 8);
ABI_MSIZE(kdbus_policy_access, access, 8);
ABI_OFFSET(kdbus_policy_access, id, 16);
ABI_MSIZE(kdbus_policy_access, id, 8);

/* struct kdbus_item */
ABI_SIZEOF(kdbus_item, 80);
ABI_ALIGNOF(kdbus_item, 8);
ABI_OFFSET(kdbus_item, size, 0);
ABI_MSIZE(kdbus_item, size, 8);
ABI_OFFSET(kdbus_item, type, 8);
ABI_MSIZE(kdbus_item, type, 8);
ABI_OFFSET(kdbus_item, data, 16);
ABI_MSIZE(kdbus_item, data, 0);
ABI_OFFSET(kdbus_item, data32, 16);
ABI_MSIZE(kdbus_item, data32, 0);
ABI_OFFSET(kdbus_item, data64, 16);
ABI_MSIZE(kdbus_item, data64, 0);
ABI_OFFSET(kdbus_item, str, 16);
ABI_MSIZE(kdbus_item, str, 0);
ABI_OFFSET(kdbus_item, id, 16);
ABI_MSIZE(kdbus_item, id, 8);
ABI_OFFSET(kdbus_item, vec, 16);
ABI_MSIZE(kdbus_item, vec, 16);
ABI_OFFSET(kdbus_item, creds, 16);
ABI_MSIZE(kdbus_item, creds, 64);
ABI_OFFSET(kdbus_item, pids, 16);
ABI_MSIZE(kdbus_item, pids, 24);
ABI_OFFSET(kdbus_item, audit, 16);
ABI_MSIZE(kdbus_item, audit, 8);
ABI_OFFSET(kdbus_item, caps, 16);
ABI_MSIZE(kdbus_item, caps, 8);
ABI_OFFSET(kdbus_item, timestamp, 16);
ABI_MSIZE(kdbus_item, timestamp, 24);
ABI_OFFSET(kdbus_item, name, 16);
ABI_MSIZE(kdbus_item, name, 8);
ABI_OFFSET(kdbus_item, bloom_parameter, 16);
ABI_MSIZE(kdbus_item, bloom_parameter, 16);
ABI_OFFSET(kdbus_item, bloom_filter, 16);
ABI_MSIZE(kdbus_item, bloom_filter, 8);
ABI_OFFSET(kdbus_item, memfd, 16);
ABI_MSIZE(kdbus_item, memfd, 24);
ABI_OFFSET(kdbus_item, fds, 16);
ABI_MSIZE(kdbus_item, fds, 0);
ABI_OFFSET(kdbus_item, name_change, 16);
ABI_MSIZE(kdbus_item, name_change, 32);
ABI_OFFSET(kdbus_item, id_change, 16);
ABI_MSIZE(kdbus_item, id_change, 16);
ABI_OFFSET(kdbus_item, policy_access, 16);
ABI_MSIZE(kdbus_item, policy_access, 24);

/* struct kdbus_msg */
ABI_SIZEOF(kdbus_msg, 64);
ABI_ALIGNOF(kdbus_msg, 8);
ABI_OFFSET(kdbus_msg, size, 0);
ABI_MSIZE(kdbus_msg, size, 8);
ABI_OFFSET(kdbus_msg, flags, 8);
ABI_MSIZE(kdbus_msg, flags, 8);
ABI_OFFSET(kdbus_msg, priority, 16);
ABI_MSIZE(kdbus_msg, priority, 8);
ABI_OFFSET(kdbus_msg, dst_id, 24);
ABI_MSIZE(kdbus_msg, dst_id, 8);
ABI_OFFSET(kdbus_msg, src_id, 32);
ABI_MSIZE(kdbus_msg, src_id, 8);
ABI_OFFSET(kdbus_msg, payload_type, 40);
ABI_MSIZE(kdbus_msg, payload_type, 8);
ABI_OFFSET(kdbus_msg, cookie, 48);
ABI_MSIZE(kdbus_msg, cookie, 8);
ABI_OFFSET(kdbus_msg, timeout_ns, 56);
ABI_MSIZE(kdbus_msg, timeout_ns, 8);
ABI_OFFSET(kdbus_msg, cookie_reply, 56);
ABI_MSIZE(kdbus_msg, cookie_reply, 8);
ABI_OFFSET(kdbus_msg, items, 64);
ABI_MSIZE(kdbus_msg, items, 0);

/* struct kdbus_msg_info */
ABI_SIZEOF(kdbus_msg_info, 24);
ABI_ALIGNOF(kdbus_msg_info, 8);
ABI_OFFSET(kdbus_msg_info, offset, 0);
ABI_MSIZE(kdbus_msg_info, offset, 8);
ABI_OFFSET(kdbus_msg_info, msg_size, 8);
ABI_MSIZE(kdbus_msg_info, msg_size, 8);
ABI_OFFSET(kdbus_msg_info, return_flags, 16);
ABI_MSIZE(kdbus_msg_info, return_flags, 8);

/* struct kdbus_cmd_send */
ABI_SIZEOF(kdbus_cmd_send, 56);
ABI_ALIGNOF(kdbus_cmd_send, 8);
ABI_OFFSET(kdbus_cmd_send, size, 0);
ABI_MSIZE(kdbus_cmd_send, size, 8);
ABI_OFFSET(kdbus_cmd_send, flags, 8);
ABI_MSIZE(kdbus_cmd_send, flags, 8);
ABI_OFFSET(kdbus_cmd_send, return_flags, 16);
ABI_MSIZE(kdbus_cmd_send, return_flags, 8);
ABI_OFFSET(kdbus_cmd_send, msg_address, 24);
ABI_MSIZE(kdbus_cmd_send, msg_address, 8);
ABI_OFFSET(kdbus_cmd_send, reply, 32);
ABI_MSIZE(kdbus_cmd_send, reply, 24);
ABI_OFFSET(kdbus_cmd_send, items, 56);
ABI_MSIZE(kdbus_cmd_send, items, 0);

/* struct kdbus_cmd_recv */
ABI_SIZEOF(kdbus_cmd_recv, 64);
ABI_ALIGNOF(kdbus_cmd_recv, 8);
ABI_OFFSET(kdbus_cmd_recv, size, 0);
ABI_MSIZE(kdbus_cmd_recv, size, 8);
ABI_OFFSET(kdbus_cmd_recv, flags, 8);
ABI_MSIZE(kdbus_cmd_recv, flags, 8);
ABI_OFFSET(kdbus_cmd_recv, return_flags, 16);
ABI_MSIZE(kdbus_cmd_recv, return_flags, 8);
ABI_OFFSET(kdbus_cmd_recv, priority, 24);
ABI_MSIZE(kdbus_cmd_recv, priority, 8);
ABI_OFFSET(kdbus_cmd_recv, dropped_msgs, 32);
ABI_MSIZE(kdbus_cmd_recv, dropped_msgs, 8);
ABI_OFFSET(kdbus_cmd_recv, msg, 40);
ABI_MSIZE(kdbus_cmd_recv, msg, 24);
ABI_OFFSET(kdbus_cmd_recv, items, 64);
ABI_MSIZE(kdbus_cmd_recv, items, 0);

/* struct kdbus_cmd_free */
ABI_SIZEOF(kdbus_cmd_free, 32);
ABI_ALIGNOF(kdbus_cmd_free, 8);
ABI_OFFSET(kdbus_cmd_free, size, 0);
ABI_MSIZE(kdbus_cmd_free, size, 8);
ABI_OFFSET(kdbus_cmd_free, flags, 8);
ABI_MSIZE(kdbus_cmd_free, flags, 8);
ABI_OFFSET(kdbus_cmd_free, return_flags, 16);
ABI_MSIZE(kdbus_cmd_free, return_flags, 8);
ABI_OFFSET(kdbus_cmd_free, offset, 24);
ABI_MSIZE(kdbus_cmd_free, offset, 8);
ABI_OFFSET(kdbus_cmd_free, items, 32);
ABI_MSIZE(kdbus_cmd_free, items, 0);

/* struct kdbus_cmd_hello */
ABI_SIZEOF(kdbus_cmd_hello, 96);
ABI_ALIGNOF(kdbus_cmd_hello, 8);
ABI_OFFSET(kdbus_cmd_hello, size, 0);
ABI_MSIZE(kdbus_cmd_hello, size, 8);
ABI_OFFSET(kdbus_cmd_hello, flags, 8);
ABI_MSIZE(kdbus_cmd_hello, flags, 8);
ABI_OFFSET(kdbus_cmd_hello, return_flags, 16);
ABI_MSIZE(kdbus_cmd_hello, return_flags, 8);
ABI_OFFSET(kdbus_cmd_hello, attach_flags_send, 24);
ABI_MSIZE(kdbus_cmd_hello, attach_flags_send, 8);
ABI_OFFSET(kdbus_cmd_hello, attach_flags_recv, 32);
ABI_MSIZE(kdbus_cmd_hello, attach_flags_recv, 8);
ABI_OFFSET(kdbus_cmd_hello, bus_flags, 40);
ABI_MSIZE(kdbus_cmd_hello, bus_flags, 8);
ABI_OFFSET(kdbus_cmd_hello, id, 48);
ABI_MSIZE(kdbus_cmd_hello, id, 8);
ABI_OFFSET(kdbus_cmd_hello, pool_size, 56);
ABI_MSIZE(kdbus_cmd_hello, pool_size, 8);
ABI_OFFSET(kdbus_cmd_hello, offset, 64);
ABI_MSIZE(kdbus_cmd_hello, offset, 8);
ABI_OFFSET(kdbus_cmd_hello, items_size, 72);
ABI_MSIZE(kdbus_cmd_hello, items_size, 8);
ABI_OFFSET(kdbus_cmd_hello, id128, 80);
ABI_MSIZE(kdbus_cmd_hello, id128, 16);
ABI_OFFSET(kdbus_cmd_hello, items, 96);
ABI_MSIZE(kdbus_cmd_hello, items, 0);

/* struct kdbus_info */
ABI_SIZEOF(kdbus_info, 24);
ABI_ALIGNOF(kdbus_info, 8);
ABI_OFFSET(kdbus_info, size, 0);
ABI_MSIZE(kdbus_info, size, 8);
ABI_OFFSET(kdbus_info, id, 8);
ABI_MSIZE(kdbus_info, id, 8);
ABI_OFFSET(kdbus_info, flags, 16);
ABI_MSIZE(kdbus_info, flags, 8);
ABI_OFFSET(kdbus_info, items, 24);
ABI_MSIZE(kdbus_info, items, 0);

/* struct kdbus_cmd_list */
ABI_SIZEOF(kdbus_cmd_list, 40);
ABI_ALIGNOF(kdbus_cmd_list, 8);
ABI_OFFSET(kdbus_cmd_list, size, 0);
ABI_MSIZE(kdbus_cmd_list, size, 8);
ABI_OFFSET(kdbus_cmd_list, flags, 8);
ABI_MSIZE(kdbus_cmd_list, flags, 8);
ABI_OFFSET(kdbus_cmd_list, return_flags, 16);
ABI_MSIZE(kdbus_cmd_list, return_flags, 8);
ABI_OFFSET(kdbus_cmd_list, offset, 24);
ABI_MSIZE(kdbus_cmd_list, offset, 8);
ABI_OFFSET(kdbus_cmd_list, list_size, 32);
ABI_MSIZE(kdbus_cmd_list, list_size, 8);
ABI_OFFSET(kdbus_cmd_list, items, 40);
ABI_MSIZE(kdbus_cmd_list, items, 0);

/* struct kdbus_cmd_info */
ABI_SIZEOF(kdbus_cmd_info, 56);
ABI_ALIGNOF(kdbus_cmd_info, 8);
ABI_OFFSET(kdbus_cmd_info, size, 0);
ABI_MSIZE(kdbus_cmd_info, size, 8);
ABI_OFFSET(kdbus_cmd_info, flags, 8);
ABI_MSIZE(kdbus_cmd_info, flags, 8);
ABI_OFFSET(kdbus_cmd_info, return_flags, 16);
ABI_MSIZE(kdbus_cmd_info, return_flags, 8);
ABI_OFFSET(kdbus_cmd_info, id, 24);
ABI_MSIZE(kdbus_cmd_info, id, 8);
ABI_OFFSET(kdbus_cmd_info, attach_flags, 32);
ABI_MSIZE(kdbus_cmd_info, attach_flags, 8);
ABI_OFFSET(kdbus_cmd_info, offset, 40);
ABI_MSIZE(kdbus_cmd_info, offset, 8);
ABI_OFFSET(kdbus_cmd_info, info_size, 48);
ABI_MSIZE(kdbus_cmd_info, info_size, 8);
ABI_OFFSET(kdbus_cmd_info, items, 56);
ABI_MSIZE(kdbus_cmd_info, items, 0);

/* struct kdbus_cmd_match */
ABI_SIZEOF(kdbus_cmd_match, 32);
ABI_ALIGNOF(kdbus_cmd_match, 8);
ABI_OFFSET(kdbus_cmd_match, size, 0);
ABI_MSIZE(kdbus_cmd_match, size, 8);
ABI_OFFSET(kdbus_cmd_match, flags, 8);
ABI_MSIZE(kdbus_cmd_match, flags, 8);
ABI_OFFSET(kdbus_cmd_match, return_flags, 16);
ABI_MSIZE(kdbus_cmd_match, return_flags, 8);
ABI_OFFSET(kdbus_cmd_match, cookie, 24);
ABI_MSIZE(kdbus_cmd_match, cookie, 8);
ABI_OFFSET(kdbus_cmd_match, items, 32);
ABI_MSIZE(kdbus_cmd_match, items, 0);

/* struct kdbus_cmd */
ABI_SIZEOF(kdbus_cmd, 24);
ABI_ALIGNOF(kdbus_cmd, 8);
ABI_OFFSET(kdbus_cmd, size, 0);
ABI_MSIZE(kdbus_cmd, size, 8);
ABI_OFFSET(kdbus_cmd, flags, 8);
ABI_MSIZE(kdbus_cmd, flags, 8);
ABI_OFFSET(kdbus_cmd, return_flags, 16);
ABI_MSIZE(kdbus_cmd, return_flags, 8);
ABI_OFFSET(kdbus_cmd, items, 24);
ABI_MSIZE(kdbus_cmd, items, 0);

/*
 * The kdbusfs helpers of the header: item sizes on upstream's item layout
 * (a 16-byte header, 8-byte alignment)
 */
ABI_VALUE(KDBUS_ALIGN8(0), 0);
ABI_VALUE(KDBUS_ALIGN8(1), 8);
ABI_VALUE(KDBUS_ALIGN8(7), 8);
ABI_VALUE(KDBUS_ALIGN8(8), 8);
ABI_VALUE(KDBUS_ALIGN8(9), 16);
ABI_VALUE(KDBUS_ALIGN8(0x100000001ULL), 0x100000008ULL);
ABI_VALUE(KDBUS_ITEM_HEADER_SIZE, 16);
ABI_VALUE(KDBUS_ITEM_SIZE(0), 16);
ABI_VALUE(KDBUS_ITEM_SIZE(1), 24);
ABI_VALUE(KDBUS_ITEM_SIZE(sizeof(__u64)), 24);
ABI_VALUE(KDBUS_ITEM_SIZE(sizeof(struct kdbus_creds)), 80);
ABI_VALUE(KDBUS_ITEM_SIZE(sizeof(struct kdbus_vec)), 32);

/* read by the Makefile from the preprocessed file */
enum { abi_checks = __COUNTER__ };
