/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the kdbusfs selftests.
 */
#ifndef __KDBUS_UTIL_H
#define __KDBUS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/kdbus.h>

/* an unprivileged uid that every test environment maps */
#define KDBUS_TEST_UID		1000
#define KDBUS_TEST_GID		1000

int kdbus_mkdtemp(char *path, size_t size);
int kdbus_mount(const char *dir, const char *opts);
void kdbus_umount(const char *dir);
int kdbus_open_control(const char *mnt);

/* BUS_MAKE with the usual items; returns 0 or -errno */
int kdbus_bus_make(int control_fd, uint64_t flags, const char *name);
int kdbus_bus_make_bloom(int control_fd, uint64_t flags, const char *name,
			 uint64_t bloom_size, uint64_t n_hash);
/* raw ioctl, returns 0 or -errno */
int kdbus_ioctl(int fd, unsigned long request, void *arg);

/* the caller's euid as a bus-name prefix, "<uid>-<suffix>" */
void kdbus_bus_name(char *buf, size_t size, const char *suffix);

/* builder for an item chain in a 8-byte aligned buffer */
struct kdbus_cmd_buf {
	uint64_t data[4096 / 8];
	size_t size;
};

void kdbus_cmd_init(struct kdbus_cmd_buf *b, uint64_t flags);
struct kdbus_item *kdbus_cmd_add(struct kdbus_cmd_buf *b, uint64_t type,
				 const void *payload, size_t size);
void kdbus_cmd_finish(struct kdbus_cmd_buf *b);

/* switch to an unprivileged uid/gid, dropping every capability */
int kdbus_drop_to(uid_t uid, gid_t gid);
/* unshare user and mount namespaces as the current user, mapping it to 0 */
int kdbus_unshare_userns_as_root(void);

/* fd passing over a unix socket */
int kdbus_send_fd(int sock, int fd);
int kdbus_recv_fd(int sock);

/* whether a mount with this kdbusfs option string appears in mountinfo */
bool kdbus_mountinfo_has(const char *mnt, const char *needle);

#endif
