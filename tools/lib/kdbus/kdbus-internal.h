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

/* ---- shared by the D-Bus bindings (dbus-common.c) -------------------- */

/* D-Bus message types, their wire values (GDBus's and libdbus's too) */
enum {
	KDB_DBUS_METHOD_CALL = 1,
	KDB_DBUS_METHOD_RETURN = 2,
	KDB_DBUS_ERROR = 3,
	KDB_DBUS_SIGNAL = 4,
};

#define KDB_DBUS_RULE_ARGS 64

/* the fields of a D-Bus message the mapping onto kdbus needs */
struct kdb_dbus_hdr {
	int type;
	const char *destination, *sender, *path, *interface, *member;
	uint64_t serial, reply_serial;
	bool no_reply, no_auto_start;
};

/* a marshalled message, its fds in index order, a broadcast's filter */
struct kdb_dbus_blob {
	const void *data;
	size_t size;
	const int *fds;
	size_t n_fds;
	const uint64_t *bloom;		/* conn->bloom_size bytes */
};

/* ":1.N" -> N; 0 if @name is no unique name */
uint64_t kdb_dbus_unique_id(const char *name);
/* "method_call", ...; NULL for an unknown type */
const char *kdb_dbus_type_word(int type);
/* zero @f and add the header's words; -EINVAL for an unknown type */
int kdb_dbus_bloom_header(uint64_t *f, size_t size, unsigned int k,
			  const struct kdb_dbus_hdr *h);
/* "argN:", "argN-dot-prefix:", "argN-slash-prefix:" with prefixes */
void kdb_dbus_bloom_arg(uint64_t *f, size_t size, unsigned int k,
			unsigned int i, const char *s);
/* "argN-has:", for an element of a string array */
void kdb_dbus_bloom_has(uint64_t *f, size_t size, unsigned int k,
			unsigned int i, const char *s);
/* whether the message goes to every matching connection */
bool kdb_dbus_is_broadcast(const struct kdb_dbus_hdr *h);
/* kdb_send() of @b as @h says (a broadcast needs b->bloom) */
int kdb_dbus_send_blob(struct kdb_conn *conn, const struct kdb_dbus_hdr *h,
		       const struct kdb_dbus_blob *b, uint64_t timeout_us,
		       int cancel_fd, struct kdb_msg **reply);
/*
 * The marshalled D-Bus message of @msg and its sender ":1.<src id>":
 * -EPROTOTYPE for another payload type, -EBADMSG for an empty one.
 */
int kdb_dbus_payload(struct kdb_msg *msg, const void **data, size_t *size,
		     char sender[32]);
/* a binding's kdb_dbus_from_msg(); @message is its message type's ** */
typedef int (*kdb_dbus_parse_fn)(struct kdb_msg *msg, void *message);
/* kdb_dbus_recv() with @parse: -ENOMSG for a kernel or other message */
int kdb_dbus_recv_with(struct kdb_conn *conn, kdb_dbus_parse_fn parse,
		       void *message, struct kdb_msg **raw);
/*
 * kdb_dbus_match_test() of a message with header @h and string
 * arguments @args (NULL where an argument is missing or no string).
 */
int kdb_dbus_rule_test(const char *rule, const struct kdb_dbus_hdr *h,
		       const char *const args[KDB_DBUS_RULE_ARGS]);

#endif /* KDBUS_INTERNAL_H */
