/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libkdbus internals shared by its files; not installed.
 */
#ifndef KDBUS_INTERNAL_H
#define KDBUS_INTERNAL_H

#include <stddef.h>
#include <linux/kdbus.h>
#include "libkdbus.h"

#define KDB_EXPORT __attribute__((visibility("default")))

#define KDB_POOL_SIZE_DEFAULT	(8UL << 20)
#define KDB_TIMEOUT_DEFAULT_US	(25ULL * 1000 * 1000)

struct kdb_conn {
	int fd;
	uint64_t id;
	uint64_t bus_flags;
	uint8_t id128[16];
	uint8_t *pool;
	size_t pool_size;
	size_t bloom_size;
	unsigned int n_hash;
	uint64_t cookie;
	int can_cancel;		/* -1 unknown, 0, 1 */
	char unique_name[32];
};

struct kdb_msg {
	struct kdb_conn *conn;
	struct kdbus_msg *kmsg;		/* in the pool */
	uint64_t offset;		/* of the slice; ~0 when not in a pool */
	bool peeked;
	void *payload;			/* joined payload, when not in place */
	const void *payload_at;
	size_t payload_size;
	int *fds;
	size_t n_fds;
	struct kdb_memfd *memfds;
	size_t n_memfds;
	const char *dst_name;
	const uint64_t *bloom;
	struct kdbus_item *notify;
	struct kdb_meta meta;
	struct kdb_owned_name *names;
};

/* an aligned, growing buffer of a command and its items */
struct kdb_buf {
	uint64_t *data;
	size_t size;		/* bytes used */
	size_t alloc;		/* bytes allocated */
	bool failed;
};

void kdb_buf_init(struct kdb_buf *b, size_t head);
struct kdbus_item *kdb_buf_item(struct kdb_buf *b, uint64_t type,
				const void *data, size_t size);
struct kdbus_item *kdb_buf_str(struct kdb_buf *b, uint64_t type,
			       const char *s);
/* finished command (its size set), or NULL if memory ran out */
void *kdb_buf_finish(struct kdb_buf *b);
void kdb_buf_free(struct kdb_buf *b);
int kdb_buf_policy(struct kdb_buf *b, const struct kdb_policy *rules,
		   size_t n);

int kdb_ioctl(int fd, unsigned long req, void *arg);
int kdb_free_slice(struct kdb_conn *conn, uint64_t offset);
void kdb_meta_parse(struct kdb_meta *meta, const struct kdbus_item *items,
		    const void *end, struct kdb_owned_name **names);
uint64_t kdb_now_ns(void);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline struct kdbus_item *kdb_item_next(const struct kdbus_item *i)
{
	return (struct kdbus_item *)((uint8_t *)i + KDBUS_ALIGN8(i->size));
}

/* whether a whole item starts at @i before @end */
static inline bool kdb_item_ok(const struct kdbus_item *i, const void *end)
{
	const uint8_t *p = (const uint8_t *)i, *e = end;

	return p <= e && (size_t)(e - p) >= KDBUS_ITEM_HEADER_SIZE &&
	       i->size >= KDBUS_ITEM_HEADER_SIZE && i->size <= (size_t)(e - p);
}

#endif /* KDBUS_INTERNAL_H */
