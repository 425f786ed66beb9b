// SPDX-License-Identifier: GPL-2.0
/*
 * ABI layout test for <linux/kdbus.h>.
 *
 * kdbusfs promises binary compatibility with the last published kdbus
 * interface. The expected numbers below were obtained by compiling the
 * original kdbus uapi header on x86_64 and printing sizeof(), offsetof(),
 * the enum values and the ioctl request numbers; they are written out as
 * literals on purpose, so that any drift in our header is caught.
 *
 * Every check runs twice: as a C11 static_assert() (_Static_assert), so
 * that an ABI break fails the build, and as an EXPECT_EQ(), so that the
 * result shows up in the TAP output. The test does not talk to the kernel.
 *
 * Build from this directory, with HARNESS_DIR holding kselftest_harness.h:
 *   gcc -Wall -Wextra -Werror -O2 -I ../../../../include/uapi \
 *       -I "$HARNESS_DIR" -o abi_layout abi_layout.c
 */

#include <assert.h>
#include <stddef.h>
#include <linux/ioctl.h>
#include <linux/types.h>
#include <linux/kdbus.h>

/*
 * The 6.12 kselftest_harness.h has unused parameters in its own helpers
 * and in the functions TEST() expands to; keep -Wextra usable.
 */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"

/* make sure the build picked up the kdbusfs header and not another copy */
#if !defined(_UAPI_LINUX_KDBUS_H) || !defined(KDBUS_ITEM_SIZE)
#error "<linux/kdbus.h> must resolve to kdbusfs include/uapi/linux/kdbus.h"
#endif

/*
 * The CHECK_*() helpers below may only be used inside TEST(). Each macro
 * argument is evaluated exactly once, into an enum constant that feeds
 * both the static_assert() and the EXPECT_EQ().
 */

/* size and alignment of struct @type */
#define CHECK_STRUCT(type, size) do {					\
	enum {								\
		want = (size),						\
		have = sizeof(struct type),				\
		align = __alignof__(struct type),			\
	};								\
	static_assert(have == want, "sizeof(struct " #type ")");	\
	static_assert(align == 8, "alignment of struct " #type);	\
	EXPECT_EQ((size_t)want, (size_t)have);				\
	EXPECT_EQ((size_t)8, (size_t)align);				\
} while (0)

/* offset of member @field in struct @type */
#define CHECK_OFFSET(type, field, off) do {				\
	enum {								\
		want = (off),						\
		have = offsetof(struct type, field),			\
	};								\
	static_assert(have == want, "offsetof(" #type ", " #field ")");	\
	EXPECT_EQ((size_t)want, (size_t)have);				\
} while (0)

/* size of member @field in struct @type */
#define CHECK_MEMBER_SIZE(type, field, size) do {			\
	enum {								\
		want = (size),						\
		have = sizeof((*(struct type *)0).field),		\
	};								\
	static_assert(have == want, "size of " #type "." #field);	\
	EXPECT_EQ((size_t)want, (size_t)have);				\
} while (0)

/* numeric value of a constant or enumerator */
#define CHECK_VALUE(name, value) do {					\
	enum {								\
		want = (value),						\
		have = (name),						\
	};								\
	static_assert((__u64)have == (__u64)want, #name);		\
	EXPECT_EQ((__u64)want, (__u64)have);				\
} while (0)

/*
 * The complete request numbers are the x86_64 ones; they hold wherever the
 * asm-generic _IOC() encoding is used. Elsewhere only the decoded fields
 * are compared.
 */
#if _IOC_SIZEBITS == 14 && _IOC_DIRBITS == 2 && _IOC_WRITE == 1U && _IOC_READ == 2U
#define IOC_GENERIC_ENCODING	1
#else
#define IOC_GENERIC_ENCODING	0
#endif

/* ioctl request @cmd: full number, direction, type, number, argument */
#define CHECK_IOCTL(cmd, value, dir, nr, type) do {			\
	enum {								\
		req = (cmd),						\
		want = (value),						\
		want_dir = (dir),					\
		want_nr = (nr),						\
	};								\
	static_assert(!IOC_GENERIC_ENCODING ||				\
		      (__u32)req == (__u32)want, #cmd);			\
	static_assert(_IOC_DIR(req) == want_dir, #cmd " direction");	\
	static_assert(_IOC_TYPE(req) == 0x95, #cmd " type");		\
	static_assert(_IOC_NR(req) == want_nr, #cmd " number");		\
	static_assert(_IOC_SIZE(req) == sizeof(struct type),		\
		      #cmd " argument size");				\
	if (IOC_GENERIC_ENCODING)					\
		EXPECT_EQ((__u32)want, (__u32)req);			\
	EXPECT_EQ((__u32)want_dir, (__u32)_IOC_DIR(req));		\
	EXPECT_EQ(0x95U, (__u32)_IOC_TYPE(req));			\
	EXPECT_EQ((__u32)want_nr, (__u32)_IOC_NR(req));			\
	EXPECT_EQ((__u32)sizeof(struct type), (__u32)_IOC_SIZE(req));	\
} while (0)

#define IOC_W	_IOC_WRITE
#define IOC_R	_IOC_READ
#define IOC_RW	(_IOC_READ | _IOC_WRITE)

TEST(struct_sizes_match_upstream)
{
	CHECK_STRUCT(kdbus_notify_id_change, 16);
	CHECK_STRUCT(kdbus_notify_name_change, 32);
	CHECK_STRUCT(kdbus_creds, 64);
	CHECK_STRUCT(kdbus_pids, 24);
	CHECK_STRUCT(kdbus_caps, 8);
	CHECK_STRUCT(kdbus_audit, 8);
	CHECK_STRUCT(kdbus_timestamp, 24);
	CHECK_STRUCT(kdbus_vec, 16);
	CHECK_STRUCT(kdbus_bloom_parameter, 16);
	CHECK_STRUCT(kdbus_bloom_filter, 8);
	CHECK_STRUCT(kdbus_memfd, 24);
	CHECK_STRUCT(kdbus_name, 8);
	CHECK_STRUCT(kdbus_policy_access, 24);
	CHECK_STRUCT(kdbus_item, 80);
	CHECK_STRUCT(kdbus_msg, 64);
	CHECK_STRUCT(kdbus_msg_info, 24);
	CHECK_STRUCT(kdbus_cmd_send, 56);
	CHECK_STRUCT(kdbus_cmd_recv, 64);
	CHECK_STRUCT(kdbus_cmd_free, 32);
	CHECK_STRUCT(kdbus_cmd_hello, 96);
	CHECK_STRUCT(kdbus_info, 24);
	CHECK_STRUCT(kdbus_cmd_list, 40);
	CHECK_STRUCT(kdbus_cmd_info, 56);
	CHECK_STRUCT(kdbus_cmd_match, 32);
	CHECK_STRUCT(kdbus_cmd, 24);
}

TEST(payload_struct_fields_match_upstream)
{
	CHECK_OFFSET(kdbus_notify_id_change, id, 0);
	CHECK_MEMBER_SIZE(kdbus_notify_id_change, id, 8);
	CHECK_OFFSET(kdbus_notify_id_change, flags, 8);
	CHECK_MEMBER_SIZE(kdbus_notify_id_change, flags, 8);

	CHECK_OFFSET(kdbus_notify_name_change, old_id, 0);
	CHECK_MEMBER_SIZE(kdbus_notify_name_change, old_id, 16);
	CHECK_OFFSET(kdbus_notify_name_change, new_id, 16);
	CHECK_MEMBER_SIZE(kdbus_notify_name_change, new_id, 16);
	CHECK_OFFSET(kdbus_notify_name_change, name, 32);
	CHECK_MEMBER_SIZE(kdbus_notify_name_change, name, 0);

	CHECK_OFFSET(kdbus_creds, uid, 0);
	CHECK_MEMBER_SIZE(kdbus_creds, uid, 8);
	CHECK_OFFSET(kdbus_creds, euid, 8);
	CHECK_MEMBER_SIZE(kdbus_creds, euid, 8);
	CHECK_OFFSET(kdbus_creds, suid, 16);
	CHECK_MEMBER_SIZE(kdbus_creds, suid, 8);
	CHECK_OFFSET(kdbus_creds, fsuid, 24);
	CHECK_MEMBER_SIZE(kdbus_creds, fsuid, 8);
	CHECK_OFFSET(kdbus_creds, gid, 32);
	CHECK_MEMBER_SIZE(kdbus_creds, gid, 8);
	CHECK_OFFSET(kdbus_creds, egid, 40);
	CHECK_MEMBER_SIZE(kdbus_creds, egid, 8);
	CHECK_OFFSET(kdbus_creds, sgid, 48);
	CHECK_MEMBER_SIZE(kdbus_creds, sgid, 8);
	CHECK_OFFSET(kdbus_creds, fsgid, 56);
	CHECK_MEMBER_SIZE(kdbus_creds, fsgid, 8);

	CHECK_OFFSET(kdbus_pids, pid, 0);
	CHECK_MEMBER_SIZE(kdbus_pids, pid, 8);
	CHECK_OFFSET(kdbus_pids, tid, 8);
	CHECK_MEMBER_SIZE(kdbus_pids, tid, 8);
	CHECK_OFFSET(kdbus_pids, ppid, 16);
	CHECK_MEMBER_SIZE(kdbus_pids, ppid, 8);

	CHECK_OFFSET(kdbus_caps, last_cap, 0);
	CHECK_MEMBER_SIZE(kdbus_caps, last_cap, 4);
	CHECK_OFFSET(kdbus_caps, caps, 4);
	CHECK_MEMBER_SIZE(kdbus_caps, caps, 0);

	CHECK_OFFSET(kdbus_audit, sessionid, 0);
	CHECK_MEMBER_SIZE(kdbus_audit, sessionid, 4);
	CHECK_OFFSET(kdbus_audit, loginuid, 4);
	CHECK_MEMBER_SIZE(kdbus_audit, loginuid, 4);

	CHECK_OFFSET(kdbus_timestamp, seqnum, 0);
	CHECK_MEMBER_SIZE(kdbus_timestamp, seqnum, 8);
	CHECK_OFFSET(kdbus_timestamp, monotonic_ns, 8);
	CHECK_MEMBER_SIZE(kdbus_timestamp, monotonic_ns, 8);
	CHECK_OFFSET(kdbus_timestamp, realtime_ns, 16);
	CHECK_MEMBER_SIZE(kdbus_timestamp, realtime_ns, 8);

	CHECK_OFFSET(kdbus_vec, size, 0);
	CHECK_MEMBER_SIZE(kdbus_vec, size, 8);
	CHECK_OFFSET(kdbus_vec, address, 8);
	CHECK_MEMBER_SIZE(kdbus_vec, address, 8);
	CHECK_OFFSET(kdbus_vec, offset, 8);
	CHECK_MEMBER_SIZE(kdbus_vec, offset, 8);

	CHECK_OFFSET(kdbus_bloom_parameter, size, 0);
	CHECK_MEMBER_SIZE(kdbus_bloom_parameter, size, 8);
	CHECK_OFFSET(kdbus_bloom_parameter, n_hash, 8);
	CHECK_MEMBER_SIZE(kdbus_bloom_parameter, n_hash, 8);

	CHECK_OFFSET(kdbus_bloom_filter, generation, 0);
	CHECK_MEMBER_SIZE(kdbus_bloom_filter, generation, 8);
	CHECK_OFFSET(kdbus_bloom_filter, data, 8);
	CHECK_MEMBER_SIZE(kdbus_bloom_filter, data, 0);

	CHECK_OFFSET(kdbus_memfd, start, 0);
	CHECK_MEMBER_SIZE(kdbus_memfd, start, 8);
	CHECK_OFFSET(kdbus_memfd, size, 8);
	CHECK_MEMBER_SIZE(kdbus_memfd, size, 8);
	CHECK_OFFSET(kdbus_memfd, fd, 16);
	CHECK_MEMBER_SIZE(kdbus_memfd, fd, 4);
	CHECK_OFFSET(kdbus_memfd, __pad, 20);
	CHECK_MEMBER_SIZE(kdbus_memfd, __pad, 4);

	CHECK_OFFSET(kdbus_name, flags, 0);
	CHECK_MEMBER_SIZE(kdbus_name, flags, 8);
	CHECK_OFFSET(kdbus_name, name, 8);
	CHECK_MEMBER_SIZE(kdbus_name, name, 0);

	CHECK_OFFSET(kdbus_policy_access, type, 0);
	CHECK_MEMBER_SIZE(kdbus_policy_access, type, 8);
	CHECK_OFFSET(kdbus_policy_access, access, 8);
	CHECK_MEMBER_SIZE(kdbus_policy_access, access, 8);
	CHECK_OFFSET(kdbus_policy_access, id, 16);
	CHECK_MEMBER_SIZE(kdbus_policy_access, id, 8);
}

TEST(item_fields_match_upstream)
{
	CHECK_OFFSET(kdbus_item, size, 0);
	CHECK_MEMBER_SIZE(kdbus_item, size, 8);
	CHECK_OFFSET(kdbus_item, type, 8);
	CHECK_MEMBER_SIZE(kdbus_item, type, 8);
	CHECK_OFFSET(kdbus_item, data, 16);
	CHECK_MEMBER_SIZE(kdbus_item, data, 0);
	CHECK_OFFSET(kdbus_item, data32, 16);
	CHECK_MEMBER_SIZE(kdbus_item, data32, 0);
	CHECK_OFFSET(kdbus_item, data64, 16);
	CHECK_MEMBER_SIZE(kdbus_item, data64, 0);
	CHECK_OFFSET(kdbus_item, str, 16);
	CHECK_MEMBER_SIZE(kdbus_item, str, 0);
	CHECK_OFFSET(kdbus_item, id, 16);
	CHECK_MEMBER_SIZE(kdbus_item, id, 8);
	CHECK_OFFSET(kdbus_item, vec, 16);
	CHECK_MEMBER_SIZE(kdbus_item, vec, 16);
	CHECK_OFFSET(kdbus_item, creds, 16);
	CHECK_MEMBER_SIZE(kdbus_item, creds, 64);
	CHECK_OFFSET(kdbus_item, pids, 16);
	CHECK_MEMBER_SIZE(kdbus_item, pids, 24);
	CHECK_OFFSET(kdbus_item, audit, 16);
	CHECK_MEMBER_SIZE(kdbus_item, audit, 8);
	CHECK_OFFSET(kdbus_item, caps, 16);
	CHECK_MEMBER_SIZE(kdbus_item, caps, 8);
	CHECK_OFFSET(kdbus_item, timestamp, 16);
	CHECK_MEMBER_SIZE(kdbus_item, timestamp, 24);
	CHECK_OFFSET(kdbus_item, name, 16);
	CHECK_MEMBER_SIZE(kdbus_item, name, 8);
	CHECK_OFFSET(kdbus_item, bloom_parameter, 16);
	CHECK_MEMBER_SIZE(kdbus_item, bloom_parameter, 16);
	CHECK_OFFSET(kdbus_item, bloom_filter, 16);
	CHECK_MEMBER_SIZE(kdbus_item, bloom_filter, 8);
	CHECK_OFFSET(kdbus_item, memfd, 16);
	CHECK_MEMBER_SIZE(kdbus_item, memfd, 24);
	CHECK_OFFSET(kdbus_item, fds, 16);
	CHECK_MEMBER_SIZE(kdbus_item, fds, 0);
	CHECK_OFFSET(kdbus_item, name_change, 16);
	CHECK_MEMBER_SIZE(kdbus_item, name_change, 32);
	CHECK_OFFSET(kdbus_item, id_change, 16);
	CHECK_MEMBER_SIZE(kdbus_item, id_change, 16);
	CHECK_OFFSET(kdbus_item, policy_access, 16);
	CHECK_MEMBER_SIZE(kdbus_item, policy_access, 24);
}

TEST(command_struct_fields_match_upstream)
{
	CHECK_OFFSET(kdbus_msg, size, 0);
	CHECK_MEMBER_SIZE(kdbus_msg, size, 8);
	CHECK_OFFSET(kdbus_msg, flags, 8);
	CHECK_MEMBER_SIZE(kdbus_msg, flags, 8);
	CHECK_OFFSET(kdbus_msg, priority, 16);
	CHECK_MEMBER_SIZE(kdbus_msg, priority, 8);
	CHECK_OFFSET(kdbus_msg, dst_id, 24);
	CHECK_MEMBER_SIZE(kdbus_msg, dst_id, 8);
	CHECK_OFFSET(kdbus_msg, src_id, 32);
	CHECK_MEMBER_SIZE(kdbus_msg, src_id, 8);
	CHECK_OFFSET(kdbus_msg, payload_type, 40);
	CHECK_MEMBER_SIZE(kdbus_msg, payload_type, 8);
	CHECK_OFFSET(kdbus_msg, cookie, 48);
	CHECK_MEMBER_SIZE(kdbus_msg, cookie, 8);
	CHECK_OFFSET(kdbus_msg, timeout_ns, 56);
	CHECK_MEMBER_SIZE(kdbus_msg, timeout_ns, 8);
	CHECK_OFFSET(kdbus_msg, cookie_reply, 56);
	CHECK_MEMBER_SIZE(kdbus_msg, cookie_reply, 8);
	CHECK_OFFSET(kdbus_msg, items, 64);
	CHECK_MEMBER_SIZE(kdbus_msg, items, 0);

	CHECK_OFFSET(kdbus_msg_info, offset, 0);
	CHECK_MEMBER_SIZE(kdbus_msg_info, offset, 8);
	CHECK_OFFSET(kdbus_msg_info, msg_size, 8);
	CHECK_MEMBER_SIZE(kdbus_msg_info, msg_size, 8);
	CHECK_OFFSET(kdbus_msg_info, return_flags, 16);
	CHECK_MEMBER_SIZE(kdbus_msg_info, return_flags, 8);

	CHECK_OFFSET(kdbus_cmd_send, size, 0);
	CHECK_MEMBER_SIZE(kdbus_cmd_send, size, 8);
	CHECK_OFFSET(kdbus_cmd_send, flags, 8);
	CHECK_MEMBER_SIZE(kdbus_cmd_send, flags, 8);
	CHECK_OFFSET(kdbus_cmd_send, return_flags, 16);
	CHECK_MEMBER_SIZE(kdbus_cmd_send, return_flags, 8);
	CHECK_OFFSET(kdbus_cmd_send, msg_address, 24);
	CHECK_MEMBER_SIZE(kdbus_cmd_send, msg_address, 8);
	CHECK_OFFSET(kdbus_cmd_send, reply, 32);
	CHECK_MEMBER_SIZE(kdbus_cmd_send, reply, 24);
	CHECK_OFFSET(kdbus_cmd_send, items, 56);
	CHECK_MEMBER_SIZE(kdbus_cmd_send, items, 0);

	CHECK_OFFSET(kdbus_cmd_recv, size, 0);
	CHECK_MEMBER_SIZE(kdbus_cmd_recv, size, 8);
	CHECK_OFFSET(kdbus_cmd_recv, flags, 8);
	CHECK_MEMBER_SIZE(kdbus_cmd_recv, flags, 8);
	CHECK_OFFSET(kdbus_cmd_recv, return_flags, 16);
	CHECK_MEMBER_SIZE(kdbus_cmd_recv, return_flags, 8);
	CHECK_OFFSET(kdbus_cmd_recv, priority, 24);
	CHECK_MEMBER_SIZE(kdbus_cmd_recv, priority, 8);
	CHECK_OFFSET(kdbus_cmd_recv, dropped_msgs, 32);
	CHECK_MEMBER_SIZE(kdbus_cmd_recv, dropped_msgs, 8);
	CHECK_OFFSET(kdbus_cmd_recv, msg, 40);
	CHECK_MEMBER_SIZE(kdbus_cmd_recv, msg, 24);
	CHECK_OFFSET(kdbus_cmd_recv, items, 64);
	CHECK_MEMBER_SIZE(kdbus_cmd_recv, items, 0);

	CHECK_OFFSET(kdbus_cmd_free, size, 0);
	CHECK_MEMBER_SIZE(kdbus_cmd_free, size, 8);
	CHECK_OFFSET(kdbus_cmd_free, flags, 8);
	CHECK_MEMBER_SIZE(kdbus_cmd_free, flags, 8);
	CHECK_OFFSET(kdbus_cmd_free, return_flags, 16);
	CHECK_MEMBER_SIZE(kdbus_cmd_free, return_flags, 8);
	CHECK_OFFSET(kdbus_cmd_free, offset, 24);
	CHECK_MEMBER_SIZE(kdbus_cmd_free, offset, 8);
	CHECK_OFFSET(kdbus_cmd_free, items, 32);
	CHECK_MEMBER_SIZE(kdbus_cmd_free, items, 0);

	CHECK_OFFSET(kdbus_cmd_hello, size, 0);
	CHECK_MEMBER_SIZE(kdbus_cmd_hello, size, 8);
	CHECK_OFFSET(kdbus_cmd_hello, flags, 8);
	CHECK_MEMBER_SIZE(kdbus_cmd_hello, flags, 8);
	CHECK_OFFSET(kdbus_cmd_hello, return_flags, 16);
	CHECK_MEMBER_SIZE(kdbus_cmd_hello, return_flags, 8);
	CHECK_OFFSET(kdbus_cmd_hello, attach_flags_send, 24);
	CHECK_MEMBER_SIZE(kdbus_cmd_hello, attach_flags_send, 8);
	CHECK_OFFSET(kdbus_cmd_hello, attach_flags_recv, 32);
	CHECK_MEMBER_SIZE(kdbus_cmd_hello, attach_flags_recv, 8);
	CHECK_OFFSET(kdbus_cmd_hello, bus_flags, 40);
	CHECK_MEMBER_SIZE(kdbus_cmd_hello, bus_flags, 8);
	CHECK_OFFSET(kdbus_cmd_hello, id, 48);
	CHECK_MEMBER_SIZE(kdbus_cmd_hello, id, 8);
	CHECK_OFFSET(kdbus_cmd_hello, pool_size, 56);
	CHECK_MEMBER_SIZE(kdbus_cmd_hello, pool_size, 8);
	CHECK_OFFSET(kdbus_cmd_hello, offset, 64);
	CHECK_MEMBER_SIZE(kdbus_cmd_hello, offset, 8);
	CHECK_OFFSET(kdbus_cmd_hello, items_size, 72);
	CHECK_MEMBER_SIZE(kdbus_cmd_hello, items_size, 8);
	CHECK_OFFSET(kdbus_cmd_hello, id128, 80);
	CHECK_MEMBER_SIZE(kdbus_cmd_hello, id128, 16);
	CHECK_OFFSET(kdbus_cmd_hello, items, 96);
	CHECK_MEMBER_SIZE(kdbus_cmd_hello, items, 0);

	CHECK_OFFSET(kdbus_info, size, 0);
	CHECK_MEMBER_SIZE(kdbus_info, size, 8);
	CHECK_OFFSET(kdbus_info, id, 8);
	CHECK_MEMBER_SIZE(kdbus_info, id, 8);
	CHECK_OFFSET(kdbus_info, flags, 16);
	CHECK_MEMBER_SIZE(kdbus_info, flags, 8);
	CHECK_OFFSET(kdbus_info, items, 24);
	CHECK_MEMBER_SIZE(kdbus_info, items, 0);

	CHECK_OFFSET(kdbus_cmd_list, size, 0);
	CHECK_MEMBER_SIZE(kdbus_cmd_list, size, 8);
	CHECK_OFFSET(kdbus_cmd_list, flags, 8);
	CHECK_MEMBER_SIZE(kdbus_cmd_list, flags, 8);
	CHECK_OFFSET(kdbus_cmd_list, return_flags, 16);
	CHECK_MEMBER_SIZE(kdbus_cmd_list, return_flags, 8);
	CHECK_OFFSET(kdbus_cmd_list, offset, 24);
	CHECK_MEMBER_SIZE(kdbus_cmd_list, offset, 8);
	CHECK_OFFSET(kdbus_cmd_list, list_size, 32);
	CHECK_MEMBER_SIZE(kdbus_cmd_list, list_size, 8);
	CHECK_OFFSET(kdbus_cmd_list, items, 40);
	CHECK_MEMBER_SIZE(kdbus_cmd_list, items, 0);

	CHECK_OFFSET(kdbus_cmd_info, size, 0);
	CHECK_MEMBER_SIZE(kdbus_cmd_info, size, 8);
	CHECK_OFFSET(kdbus_cmd_info, flags, 8);
	CHECK_MEMBER_SIZE(kdbus_cmd_info, flags, 8);
	CHECK_OFFSET(kdbus_cmd_info, return_flags, 16);
	CHECK_MEMBER_SIZE(kdbus_cmd_info, return_flags, 8);
	CHECK_OFFSET(kdbus_cmd_info, id, 24);
	CHECK_MEMBER_SIZE(kdbus_cmd_info, id, 8);
	CHECK_OFFSET(kdbus_cmd_info, attach_flags, 32);
	CHECK_MEMBER_SIZE(kdbus_cmd_info, attach_flags, 8);
	CHECK_OFFSET(kdbus_cmd_info, offset, 40);
	CHECK_MEMBER_SIZE(kdbus_cmd_info, offset, 8);
	CHECK_OFFSET(kdbus_cmd_info, info_size, 48);
	CHECK_MEMBER_SIZE(kdbus_cmd_info, info_size, 8);
	CHECK_OFFSET(kdbus_cmd_info, items, 56);
	CHECK_MEMBER_SIZE(kdbus_cmd_info, items, 0);

	CHECK_OFFSET(kdbus_cmd_match, size, 0);
	CHECK_MEMBER_SIZE(kdbus_cmd_match, size, 8);
	CHECK_OFFSET(kdbus_cmd_match, flags, 8);
	CHECK_MEMBER_SIZE(kdbus_cmd_match, flags, 8);
	CHECK_OFFSET(kdbus_cmd_match, return_flags, 16);
	CHECK_MEMBER_SIZE(kdbus_cmd_match, return_flags, 8);
	CHECK_OFFSET(kdbus_cmd_match, cookie, 24);
	CHECK_MEMBER_SIZE(kdbus_cmd_match, cookie, 8);
	CHECK_OFFSET(kdbus_cmd_match, items, 32);
	CHECK_MEMBER_SIZE(kdbus_cmd_match, items, 0);

	CHECK_OFFSET(kdbus_cmd, size, 0);
	CHECK_MEMBER_SIZE(kdbus_cmd, size, 8);
	CHECK_OFFSET(kdbus_cmd, flags, 8);
	CHECK_MEMBER_SIZE(kdbus_cmd, flags, 8);
	CHECK_OFFSET(kdbus_cmd, return_flags, 16);
	CHECK_MEMBER_SIZE(kdbus_cmd, return_flags, 8);
	CHECK_OFFSET(kdbus_cmd, items, 24);
	CHECK_MEMBER_SIZE(kdbus_cmd, items, 0);
}

TEST(item_type_numbers_match_upstream)
{
	CHECK_VALUE(_KDBUS_ITEM_NULL, 0x0);
	CHECK_VALUE(_KDBUS_ITEM_USER_BASE, 0x1);
	CHECK_VALUE(KDBUS_ITEM_NEGOTIATE, 0x1);
	CHECK_VALUE(KDBUS_ITEM_PAYLOAD_VEC, 0x2);
	CHECK_VALUE(KDBUS_ITEM_PAYLOAD_OFF, 0x3);
	CHECK_VALUE(KDBUS_ITEM_PAYLOAD_MEMFD, 0x4);
	CHECK_VALUE(KDBUS_ITEM_FDS, 0x5);
	CHECK_VALUE(KDBUS_ITEM_CANCEL_FD, 0x6);
	CHECK_VALUE(KDBUS_ITEM_BLOOM_PARAMETER, 0x7);
	CHECK_VALUE(KDBUS_ITEM_BLOOM_FILTER, 0x8);
	CHECK_VALUE(KDBUS_ITEM_BLOOM_MASK, 0x9);
	CHECK_VALUE(KDBUS_ITEM_DST_NAME, 0xa);
	CHECK_VALUE(KDBUS_ITEM_MAKE_NAME, 0xb);
	CHECK_VALUE(KDBUS_ITEM_ATTACH_FLAGS_SEND, 0xc);
	CHECK_VALUE(KDBUS_ITEM_ATTACH_FLAGS_RECV, 0xd);
	CHECK_VALUE(KDBUS_ITEM_ID, 0xe);
	CHECK_VALUE(KDBUS_ITEM_NAME, 0xf);
	CHECK_VALUE(KDBUS_ITEM_DST_ID, 0x10);

	CHECK_VALUE(_KDBUS_ITEM_ATTACH_BASE, 0x1000);
	CHECK_VALUE(KDBUS_ITEM_TIMESTAMP, 0x1000);
	CHECK_VALUE(KDBUS_ITEM_CREDS, 0x1001);
	CHECK_VALUE(KDBUS_ITEM_PIDS, 0x1002);
	CHECK_VALUE(KDBUS_ITEM_AUXGROUPS, 0x1003);
	CHECK_VALUE(KDBUS_ITEM_OWNED_NAME, 0x1004);
	CHECK_VALUE(KDBUS_ITEM_TID_COMM, 0x1005);
	CHECK_VALUE(KDBUS_ITEM_PID_COMM, 0x1006);
	CHECK_VALUE(KDBUS_ITEM_EXE, 0x1007);
	CHECK_VALUE(KDBUS_ITEM_CMDLINE, 0x1008);
	CHECK_VALUE(KDBUS_ITEM_CGROUP, 0x1009);
	CHECK_VALUE(KDBUS_ITEM_CAPS, 0x100a);
	CHECK_VALUE(KDBUS_ITEM_SECLABEL, 0x100b);
	CHECK_VALUE(KDBUS_ITEM_AUDIT, 0x100c);
	CHECK_VALUE(KDBUS_ITEM_CONN_DESCRIPTION, 0x100d);

	CHECK_VALUE(_KDBUS_ITEM_POLICY_BASE, 0x2000);
	CHECK_VALUE(KDBUS_ITEM_POLICY_ACCESS, 0x2000);

	CHECK_VALUE(_KDBUS_ITEM_KERNEL_BASE, 0x8000);
	CHECK_VALUE(KDBUS_ITEM_NAME_ADD, 0x8000);
	CHECK_VALUE(KDBUS_ITEM_NAME_REMOVE, 0x8001);
	CHECK_VALUE(KDBUS_ITEM_NAME_CHANGE, 0x8002);
	CHECK_VALUE(KDBUS_ITEM_ID_ADD, 0x8003);
	CHECK_VALUE(KDBUS_ITEM_ID_REMOVE, 0x8004);
	CHECK_VALUE(KDBUS_ITEM_REPLY_TIMEOUT, 0x8005);
	CHECK_VALUE(KDBUS_ITEM_REPLY_DEAD, 0x8006);
}

TEST(attach_flags_match_upstream)
{
	CHECK_VALUE(KDBUS_ATTACH_TIMESTAMP, 0x1ULL);
	CHECK_VALUE(KDBUS_ATTACH_CREDS, 0x2ULL);
	CHECK_VALUE(KDBUS_ATTACH_PIDS, 0x4ULL);
	CHECK_VALUE(KDBUS_ATTACH_AUXGROUPS, 0x8ULL);
	CHECK_VALUE(KDBUS_ATTACH_NAMES, 0x10ULL);
	CHECK_VALUE(KDBUS_ATTACH_TID_COMM, 0x20ULL);
	CHECK_VALUE(KDBUS_ATTACH_PID_COMM, 0x40ULL);
	CHECK_VALUE(KDBUS_ATTACH_EXE, 0x80ULL);
	CHECK_VALUE(KDBUS_ATTACH_CMDLINE, 0x100ULL);
	CHECK_VALUE(KDBUS_ATTACH_CGROUP, 0x200ULL);
	CHECK_VALUE(KDBUS_ATTACH_CAPS, 0x400ULL);
	CHECK_VALUE(KDBUS_ATTACH_SECLABEL, 0x800ULL);
	CHECK_VALUE(KDBUS_ATTACH_AUDIT, 0x1000ULL);
	CHECK_VALUE(KDBUS_ATTACH_CONN_DESCRIPTION, 0x2000ULL);
	CHECK_VALUE(_KDBUS_ATTACH_ALL, 0x3fffULL);
	CHECK_VALUE(_KDBUS_ATTACH_ANY, 0xffffffffffffffffULL);

	/* attach bit n selects metadata item _KDBUS_ITEM_ATTACH_BASE + n */
	CHECK_VALUE(KDBUS_ATTACH_CONN_DESCRIPTION,
		    1ULL << (KDBUS_ITEM_CONN_DESCRIPTION - _KDBUS_ITEM_ATTACH_BASE));
	CHECK_VALUE(_KDBUS_ATTACH_ALL,
		    (1ULL << (KDBUS_ITEM_CONN_DESCRIPTION - _KDBUS_ITEM_ATTACH_BASE + 1)) - 1);
}

TEST(ioctl_numbers_match_upstream)
{
	CHECK_VALUE(KDBUS_IOCTL_MAGIC, 0x95);

	CHECK_IOCTL(KDBUS_CMD_BUS_MAKE, 0x40189500, IOC_W, 0x00, kdbus_cmd);
	CHECK_IOCTL(KDBUS_CMD_ENDPOINT_MAKE, 0x40189510, IOC_W, 0x10, kdbus_cmd);
	CHECK_IOCTL(KDBUS_CMD_ENDPOINT_UPDATE, 0x40189511, IOC_W, 0x11, kdbus_cmd);
	CHECK_IOCTL(KDBUS_CMD_HELLO, 0xc0609580, IOC_RW, 0x80, kdbus_cmd_hello);
	CHECK_IOCTL(KDBUS_CMD_UPDATE, 0x40189581, IOC_W, 0x81, kdbus_cmd);
	CHECK_IOCTL(KDBUS_CMD_BYEBYE, 0x40189582, IOC_W, 0x82, kdbus_cmd);
	CHECK_IOCTL(KDBUS_CMD_FREE, 0x40209583, IOC_W, 0x83, kdbus_cmd_free);
	CHECK_IOCTL(KDBUS_CMD_CONN_INFO, 0x80389584, IOC_R, 0x84, kdbus_cmd_info);
	CHECK_IOCTL(KDBUS_CMD_BUS_CREATOR_INFO, 0x80389585, IOC_R, 0x85, kdbus_cmd_info);
	CHECK_IOCTL(KDBUS_CMD_LIST, 0x80289586, IOC_R, 0x86, kdbus_cmd_list);
	CHECK_IOCTL(KDBUS_CMD_SEND, 0x40389590, IOC_W, 0x90, kdbus_cmd_send);
	CHECK_IOCTL(KDBUS_CMD_RECV, 0x80409591, IOC_R, 0x91, kdbus_cmd_recv);
	CHECK_IOCTL(KDBUS_CMD_NAME_ACQUIRE, 0x401895a0, IOC_W, 0xa0, kdbus_cmd);
	CHECK_IOCTL(KDBUS_CMD_NAME_RELEASE, 0x401895a1, IOC_W, 0xa1, kdbus_cmd);
	CHECK_IOCTL(KDBUS_CMD_MATCH_ADD, 0x402095b0, IOC_W, 0xb0, kdbus_cmd_match);
	CHECK_IOCTL(KDBUS_CMD_MATCH_REMOVE, 0x402095b1, IOC_W, 0xb1, kdbus_cmd_match);
}

TEST(constants_match_upstream)
{
	CHECK_VALUE(KDBUS_SRC_ID_KERNEL, 0x0);
	CHECK_VALUE(KDBUS_DST_ID_NAME, 0x0);
	CHECK_VALUE(KDBUS_MATCH_ID_ANY, 0xffffffffffffffffULL);
	CHECK_VALUE(KDBUS_DST_ID_BROADCAST, 0xffffffffffffffffULL);
	CHECK_VALUE(KDBUS_FLAG_NEGOTIATE, 0x8000000000000000ULL);

	CHECK_VALUE(KDBUS_PAYLOAD_KERNEL, 0x0);
	CHECK_VALUE(KDBUS_PAYLOAD_DBUS, 0x4442757344427573ULL);

	CHECK_VALUE(_KDBUS_POLICY_ACCESS_NULL, 0);
	CHECK_VALUE(KDBUS_POLICY_ACCESS_USER, 1);
	CHECK_VALUE(KDBUS_POLICY_ACCESS_GROUP, 2);
	CHECK_VALUE(KDBUS_POLICY_ACCESS_WORLD, 3);

	CHECK_VALUE(KDBUS_POLICY_SEE, 0);
	CHECK_VALUE(KDBUS_POLICY_TALK, 1);
	CHECK_VALUE(KDBUS_POLICY_OWN, 2);
}

TEST(command_flags_match_upstream)
{
	CHECK_VALUE(KDBUS_MSG_EXPECT_REPLY, 0x1);
	CHECK_VALUE(KDBUS_MSG_NO_AUTO_START, 0x2);
	CHECK_VALUE(KDBUS_MSG_SIGNAL, 0x4);

	CHECK_VALUE(KDBUS_SEND_SYNC_REPLY, 0x1);

	CHECK_VALUE(KDBUS_RECV_PEEK, 0x1);
	CHECK_VALUE(KDBUS_RECV_DROP, 0x2);
	CHECK_VALUE(KDBUS_RECV_USE_PRIORITY, 0x4);

	CHECK_VALUE(KDBUS_RECV_RETURN_INCOMPLETE_FDS, 0x1);
	CHECK_VALUE(KDBUS_RECV_RETURN_DROPPED_MSGS, 0x2);

	CHECK_VALUE(KDBUS_HELLO_ACCEPT_FD, 0x1);
	CHECK_VALUE(KDBUS_HELLO_ACTIVATOR, 0x2);
	CHECK_VALUE(KDBUS_HELLO_POLICY_HOLDER, 0x4);
	CHECK_VALUE(KDBUS_HELLO_MONITOR, 0x8);

	CHECK_VALUE(KDBUS_LIST_UNIQUE, 0x1);
	CHECK_VALUE(KDBUS_LIST_NAMES, 0x2);
	CHECK_VALUE(KDBUS_LIST_ACTIVATORS, 0x4);
	CHECK_VALUE(KDBUS_LIST_QUEUED, 0x8);

	CHECK_VALUE(KDBUS_MATCH_REPLACE, 0x1);

	CHECK_VALUE(KDBUS_MAKE_ACCESS_GROUP, 0x1);
	CHECK_VALUE(KDBUS_MAKE_ACCESS_WORLD, 0x2);

	CHECK_VALUE(KDBUS_NAME_REPLACE_EXISTING, 0x1);
	CHECK_VALUE(KDBUS_NAME_ALLOW_REPLACEMENT, 0x2);
	CHECK_VALUE(KDBUS_NAME_QUEUE, 0x4);
	CHECK_VALUE(KDBUS_NAME_IN_QUEUE, 0x8);
	CHECK_VALUE(KDBUS_NAME_ACTIVATOR, 0x10);
	CHECK_VALUE(KDBUS_NAME_PRIMARY, 0x20);
	CHECK_VALUE(KDBUS_NAME_ACQUIRED, 0x40);
}

/* the kdbusfs helper macros (not part of the original uapi) */
TEST(item_size_helpers)
{
	CHECK_VALUE(KDBUS_ALIGN8(0), 0);
	CHECK_VALUE(KDBUS_ALIGN8(1), 8);
	CHECK_VALUE(KDBUS_ALIGN8(7), 8);
	CHECK_VALUE(KDBUS_ALIGN8(8), 8);
	CHECK_VALUE(KDBUS_ALIGN8(9), 16);
	CHECK_VALUE(KDBUS_ALIGN8(0x100000001ULL), 0x100000008ULL);

	CHECK_VALUE(KDBUS_ITEM_HEADER_SIZE, 16);
	CHECK_VALUE(KDBUS_ITEM_SIZE(0), 16);
	CHECK_VALUE(KDBUS_ITEM_SIZE(1), 24);
	CHECK_VALUE(KDBUS_ITEM_SIZE(sizeof(__u64)), 24);
	CHECK_VALUE(KDBUS_ITEM_SIZE(sizeof(struct kdbus_creds)), 80);
	CHECK_VALUE(KDBUS_ITEM_SIZE(sizeof(struct kdbus_vec)), 32);
}

TEST_HARNESS_MAIN
