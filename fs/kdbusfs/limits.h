/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __KDBUSFS_LIMITS_H
#define __KDBUSFS_LIMITS_H

#include <linux/sizes.h>

/* Largest ioctl payload copied in; upstream kdbus used the same bound. */
#define KDBUS_CMD_MAX_SIZE		SZ_32K

/* Payloads up to this size are parsed from an on-stack buffer. */
#define KDBUS_CMD_STACK_SIZE		256

/* Bus, endpoint and description names: "<uid>-" prefix included. */
#define KDBUS_SYSNAME_MAX_LEN		63

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

#endif
