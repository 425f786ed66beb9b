/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __KDBUSFS_LIMITS_H
#define __KDBUSFS_LIMITS_H

/*
 * The selftests and tools include this file too, so that they test the
 * module's real limits instead of copies of them.
 */
#ifdef __KERNEL__
#include <linux/sizes.h>
#else
#define SZ_4K	0x00001000
#define SZ_32K	0x00008000
#define SZ_2M	0x00200000
#define SZ_1G	0x40000000
#endif

/* Largest ioctl payload copied in; upstream kdbus used the same bound. */
#define KDBUS_CMD_MAX_SIZE		SZ_32K

/* Payloads up to this size are parsed from an on-stack buffer. */
#define KDBUS_CMD_STACK_SIZE		256

/* Largest struct kdbus_msg with its items, payload not counted. */
#define KDBUS_MSG_MAX_SIZE		SZ_32K

/* Most bytes of PAYLOAD_VEC data in one message. */
#define KDBUS_MSG_MAX_PAYLOAD_VEC_SIZE	SZ_2M

/* Most PAYLOAD_MEMFD items, and file descriptors, in one message. */
#define KDBUS_MSG_MAX_MEMFD_ITEMS	16
#define KDBUS_MSG_MAX_FDS		253

/*
 * What one sending user may have queued at one receiver: messages and
 * passed files. Bytes are bounded relative to the receiver's free pool
 * space (see kdbus_quota_charge()).
 */
#define KDBUS_CONN_MAX_MSGS		256
#define KDBUS_CONN_MAX_FDS_PER_USER	256

/* Requests one connection may wait for replies to at once. */
#define KDBUS_CONN_MAX_REQUESTS_PENDING	128

/* Largest receive pool. */
#define KDBUS_POOL_MAX_SIZE		SZ_1G

/* Bus, endpoint and description names: "<uid>-" prefix included. */
#define KDBUS_SYSNAME_MAX_LEN		63

/* Well-known names: length, and names one connection may own or wait for. */
#define KDBUS_NAME_MAX_LEN		255
#define KDBUS_CONN_MAX_NAMES		256

/* Match rules one connection may hold. */
#define KDBUS_MATCH_MAX			256

/* Policy entries (names) a custom endpoint may set. */
#define KDBUS_POLICY_MAX		256

/* Policy entries a policy holder or an activator sets: its one name. */
#define KDBUS_POLICY_HOLDER_MAX		1

/* Bloom filter size bounds for BUS_MAKE, in bytes. */
#define KDBUS_BUS_BLOOM_MAX_SIZE	SZ_4K

/*
 * Per-user limits inside one domain. The mount options may lower or raise
 * them, but never past the hard maxima: the mounter may be an unprivileged
 * user, and it must not be able to lift the bounds on kernel memory.
 */
#define KDBUS_USER_MAX_BUSES		16
#define KDBUS_USER_MAX_BUSES_HARD	1024
#define KDBUS_USER_MAX_CONN		256
#define KDBUS_USER_MAX_CONN_HARD	16384
/* Custom endpoints per user inside one domain. */
#define KDBUS_USER_MAX_ENDPOINTS	16

/*
 * Per-kernel-user limits over all domains together (module parameters,
 * for the host's root to change): mounts are unlimited otherwise. What one
 * domain may allow (the hard maxima) is what all of them together allow,
 * so a mount option up to its maximum still works.
 */
#define KDBUS_KUSER_MAX_DOMAINS		64
#define KDBUS_KUSER_MAX_BUSES		KDBUS_USER_MAX_BUSES_HARD
#define KDBUS_KUSER_MAX_CONN		KDBUS_USER_MAX_CONN_HARD
#define KDBUS_KUSER_MAX_ENDPOINTS	256

#endif
