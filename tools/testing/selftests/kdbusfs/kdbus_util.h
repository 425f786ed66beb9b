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

/* a connection with its mapped pool */
struct kdbus_conn {
	int fd;
	uint64_t id;
	uint8_t *pool;
	size_t pool_size;
};

#define KDBUS_TEST_POOL_SIZE	(1024 * 1024)

/* open PATH, HELLO and map the pool; returns 0 or -errno */
int kdbus_hello(const char *path, uint64_t flags, size_t pool_size,
		struct kdbus_conn *conn);
/* HELLO on an fd opened by someone else */
int kdbus_hello_fd(int fd, uint64_t flags, size_t pool_size,
		   struct kdbus_conn *conn);
void kdbus_conn_close(struct kdbus_conn *conn);

/* HELLO with items: init @b, add items with kdbus_cmd_add(), then send */
void kdbus_hello_init(struct kdbus_cmd_buf *b, uint64_t flags,
		      size_t pool_size);
/* on @fd (closed on failure); returns 0 or -errno */
int kdbus_hello_cmd(int fd, struct kdbus_cmd_buf *b, struct kdbus_conn *c);

/* what kdbus_send() puts in a message */
struct kdbus_send_args {
	uint64_t flags;			/* KDBUS_MSG_* */
	uint64_t send_flags;		/* KDBUS_SEND_* */
	int64_t priority;
	uint64_t cookie;
	uint64_t cookie_reply;
	uint64_t timeout_ns;		/* absolute CLOCK_MONOTONIC */
	const void *data;		/* one PAYLOAD_VEC, may be NULL */
	size_t size;
	const int *fds;			/* one FDS item, may be NULL */
	unsigned int n_fds;
	int memfd;			/* one PAYLOAD_MEMFD if >= 0 */
	uint64_t memfd_size;
	struct kdbus_msg_info reply;	/* filled for SYNC_REPLY */
};

#define KDBUS_SEND_ARGS_INIT	{ .memfd = -1 }

/* returns 0 or -errno */
int kdbus_send(struct kdbus_conn *conn, uint64_t dst_id,
	       struct kdbus_send_args *a);
/* RECV: returns 0 and the message in the pool, or -errno */
int kdbus_recv(struct kdbus_conn *conn, uint64_t flags, int64_t priority,
	       struct kdbus_msg **msg, struct kdbus_cmd_recv *out);
int kdbus_free(struct kdbus_conn *conn, uint64_t offset);
/* frees the slice a RECV returned */
int kdbus_msg_free(struct kdbus_conn *conn, struct kdbus_msg *msg);
/* first item of TYPE in MSG, or NULL */
struct kdbus_item *kdbus_msg_item(struct kdbus_msg *msg, uint64_t type);
/* the bytes of the first PAYLOAD_OFF item */
const void *kdbus_msg_payload(struct kdbus_conn *conn, struct kdbus_msg *msg,
			      uint64_t *size);
uint64_t kdbus_now_ns(void);
int kdbus_byebye(struct kdbus_conn *conn);

/* a mount with one world-accessible bus; the control fd keeps it alive */
struct kdbus_test_bus {
	char dir[64];
	char name[64];
	char ep[192];
	int control;
};

int kdbus_test_bus_make(struct kdbus_test_bus *bus);
void kdbus_test_bus_close(struct kdbus_test_bus *bus);

#endif
