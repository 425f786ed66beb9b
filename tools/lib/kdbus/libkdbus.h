/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libkdbus - a client library for kdbusfs buses.
 *
 * It hides the kdbus ABI (ioctls, items, the receive pool): finding a
 * domain, making buses and custom endpoints, connecting, sending and
 * receiving, synchronous calls, names, match rules and bloom filters,
 * notifications, file descriptor and sealed memfd payloads, peer
 * information. D-Bus messages on top of it are in <libkdbus-dbus.h>.
 *
 * Every function returning int returns 0 (or a count) on success and a
 * negative errno on failure; errno is left alone. The reference is
 * libkdbus(3), tools/lib/kdbus/libkdbus.rst.
 */
#ifndef LIBKDBUS_H
#define LIBKDBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ids: the kernel's own messages come from 0; a broadcast goes to ~0 */
#define KDB_ID_KERNEL		0ULL
#define KDB_ID_NAME		0ULL
#define KDB_ID_BROADCAST	(~0ULL)
#define KDB_ID_ANY		(~0ULL)

/* payload types; the kernel interprets none of them */
#define KDB_PAYLOAD_KERNEL	0ULL
#define KDB_PAYLOAD_DBUS	0x4442757344427573ULL

/* connection flags for struct kdb_hello (the kernel's HELLO flags) */
#define KDB_HELLO_ACCEPT_FD	0x1ULL
#define KDB_HELLO_ACTIVATOR	0x2ULL
#define KDB_HELLO_POLICY_HOLDER	0x4ULL
#define KDB_HELLO_MONITOR	0x8ULL

/* metadata (the kernel's attach flags) */
#define KDB_ATTACH_TIMESTAMP	0x1ULL
#define KDB_ATTACH_CREDS	0x2ULL
#define KDB_ATTACH_PIDS		0x4ULL
#define KDB_ATTACH_AUXGROUPS	0x8ULL
#define KDB_ATTACH_NAMES	0x10ULL
#define KDB_ATTACH_TID_COMM	0x20ULL
#define KDB_ATTACH_PID_COMM	0x40ULL
#define KDB_ATTACH_EXE		0x80ULL
#define KDB_ATTACH_CMDLINE	0x100ULL
#define KDB_ATTACH_CGROUP	0x200ULL
#define KDB_ATTACH_CAPS		0x400ULL
#define KDB_ATTACH_SECLABEL	0x800ULL
#define KDB_ATTACH_AUDIT	0x1000ULL
#define KDB_ATTACH_DESCRIPTION	0x2000ULL
#define KDB_ATTACH_ALL		(0x4000ULL - 1)

/* message flags */
#define KDB_MSG_EXPECT_REPLY	0x1ULL
#define KDB_MSG_NO_AUTO_START	0x2ULL
#define KDB_MSG_SIGNAL		0x4ULL

/* bus and endpoint access (the kernel's make flags) */
#define KDB_MAKE_ACCESS_GROUP	0x1ULL
#define KDB_MAKE_ACCESS_WORLD	0x2ULL

/* name flags: requests, and states reported back */
#define KDB_NAME_REPLACE_EXISTING	0x1ULL
#define KDB_NAME_ALLOW_REPLACEMENT	0x2ULL
#define KDB_NAME_QUEUE			0x4ULL
#define KDB_NAME_IN_QUEUE		0x8ULL
#define KDB_NAME_ACTIVATOR		0x10ULL
#define KDB_NAME_PRIMARY		0x20ULL
#define KDB_NAME_ACQUIRED		0x40ULL

/* what kdb_list() reports */
#define KDB_LIST_UNIQUE		0x1ULL
#define KDB_LIST_NAMES		0x2ULL
#define KDB_LIST_ACTIVATORS	0x4ULL
#define KDB_LIST_QUEUED		0x8ULL

/* kdb_recv() flags */
#define KDB_RECV_PEEK		0x1ULL
#define KDB_RECV_DROP		0x2ULL

/* the bloom geometry sd-bus used on kdbus, and the default of kdb_bus_make */
#define KDB_BLOOM_SIZE		64
#define KDB_BLOOM_N_HASH	8

/* ---- domains, buses, endpoints --------------------------------------- */

/*
 * The kdbusfs mounts of the caller's mount namespace (libmount), as a
 * NULL-terminated array of paths; free it with kdb_strv_free(). Returns
 * the number of mounts (0 if there is none).
 */
int kdb_domain_list(char ***mounts);
void kdb_strv_free(char **strv);

/*
 * Resolve a bus given as a person would type it into the path of an
 * endpoint file, written to @buf:
 *   - a path to an endpoint file: itself;
 *   - a path to a bus directory: its default endpoint "DIR/bus";
 *   - "NAME" or "NAME/ENDPOINT" (no leading "/" or "."): that bus, or that
 *     custom endpoint of it, in the first kdbusfs mount that has it
 *     (/sys/fs/kdbus first).
 * -ENOENT if nothing is found, -ENAMETOOLONG if @size is too small.
 */
int kdb_bus_path(const char *bus, char *buf, size_t size);

/* "<euid>-<suffix>": the name prefix the caller's buses must carry */
int kdb_bus_name(char *buf, size_t size, const char *suffix);

struct kdb_bus_opts {
	uint64_t flags;		/* KDB_MAKE_ACCESS_* */
	size_t bloom_size;	/* 0: KDB_BLOOM_SIZE */
	unsigned int n_hash;	/* 0: KDB_BLOOM_N_HASH */
	uint64_t attach_send;	/* metadata every connection must allow */
};

/*
 * Make bus @name in the domain mounted at @domain. Returns the control
 * file descriptor: the bus lives as long as it stays open.
 */
int kdb_bus_make(const char *domain, const char *name,
		 const struct kdb_bus_opts *opts);

/* policy: who may see, talk to or own a name */
enum kdb_access {
	KDB_SEE = 0,
	KDB_TALK = 1,
	KDB_OWN = 2,
};

enum kdb_who {
	KDB_USER = 1,
	KDB_GROUP = 2,
	KDB_WORLD = 3,
};

struct kdb_policy {
	const char *name;	/* a well-known name or "prefix.*" */
	enum kdb_who who;
	uint64_t id;		/* uid or gid; 0 for KDB_WORLD */
	enum kdb_access access;
};

/*
 * Make custom endpoint @name ("<uid>-..." like a bus name) of the bus
 * whose default endpoint file is @bus_path, with a first policy of
 * @n_rules rules (rules of the same name must be adjacent). Returns the
 * endpoint's file descriptor: it lives as long as that stays open.
 */
int kdb_endpoint_make(const char *bus_path, const char *name, uint64_t flags,
		      const struct kdb_policy *rules, size_t n_rules);
/* replace the policy of the endpoint made on @endpoint_fd */
int kdb_endpoint_update(int endpoint_fd, const struct kdb_policy *rules,
			size_t n_rules);

/* ---- connections ------------------------------------------------------ */

struct kdb_conn;

struct kdb_hello {
	uint64_t flags;			/* KDB_HELLO_* */
	uint64_t attach_send;		/* metadata peers may see */
	uint64_t attach_recv;		/* metadata wanted with messages */
	size_t pool_size;		/* 0: 8 MiB */
	const char *description;	/* or NULL */
	const char *name;		/* activators: the name held */
	/* policy holders (and activators): their rules */
	const struct kdb_policy *policy;
	size_t n_policy;
};

/* open endpoint file @path and say HELLO; @hello may be NULL */
int kdb_conn_open(const char *path, const struct kdb_hello *hello,
		  struct kdb_conn **conn);
/*
 * Say HELLO on an open endpoint file descriptor that has none yet (one
 * inherited, or passed). The connection owns @fd from then on, also on
 * failure.
 */
int kdb_conn_open_fd(int fd, const struct kdb_hello *hello,
		     struct kdb_conn **conn);
/*
 * Whom a proxy presents at HELLO (as D-Bus bridges do): the pids and the
 * security label peers will see for the connection instead of the
 * opener's. The kernel takes them only from an opener privileged at
 * open() (-EPERM otherwise, and on a custom endpoint), and the connection
 * is then privileged only if the opener's euid is the bus owner's, never
 * by the opener's capability.
 */
struct kdb_presented {
	pid_t pid;
	pid_t tid;		/* 0: not presented */
	pid_t ppid;		/* 0: not presented */
	const char *seclabel;	/* NULL: not presented */
};

/* kdb_conn_open_fd() presenting @who; the connection owns @fd as there */
int kdb_conn_open_presented(int fd, const struct kdb_hello *hello,
			    const struct kdb_presented *who,
			    struct kdb_conn **conn);
/*
 * Use @fd, a connection made elsewhere (said HELLO, passed over a unix
 * socket), with its id and pool size as its maker reports them: the pool
 * is mapped again here. The bloom geometry is unknown (no broadcasts).
 * The connection owns @fd from then on, also on failure.
 */
int kdb_conn_adopt(int fd, uint64_t id, size_t pool_size,
		   struct kdb_conn **conn);
/* the size of the connection's pool */
size_t kdb_conn_pool_size(const struct kdb_conn *conn);
/* unmap, close; NULL is fine */
void kdb_conn_free(struct kdb_conn *conn);
/* disconnect while the connection is still open: -EBUSY if messages wait */
int kdb_conn_byebye(struct kdb_conn *conn);

int kdb_conn_fd(const struct kdb_conn *conn);
uint64_t kdb_conn_id(const struct kdb_conn *conn);
/* ":1.<id>", the D-Bus unique name of the connection */
const char *kdb_conn_unique_name(const struct kdb_conn *conn);
uint64_t kdb_conn_bus_flags(const struct kdb_conn *conn);
const uint8_t *kdb_conn_bus_id128(const struct kdb_conn *conn);
size_t kdb_conn_bloom_size(const struct kdb_conn *conn);
unsigned int kdb_conn_bloom_n_hash(const struct kdb_conn *conn);
/* change the metadata masks (KDBUS_CMD_UPDATE) */
int kdb_conn_update_attach(struct kdb_conn *conn, uint64_t attach_send,
			   uint64_t attach_recv);
/* a new cookie for an outgoing message: 1, 2, 3, ... */
uint64_t kdb_conn_next_cookie(struct kdb_conn *conn);
/*
 * Wait until a message can be received, at most @timeout_ms (-1: no
 * limit). 0 when one waits, -ETIMEDOUT, -ECONNRESET when disconnected.
 */
int kdb_conn_wait(struct kdb_conn *conn, int timeout_ms);

/* ---- metadata --------------------------------------------------------- */

struct kdb_owned_name {
	const char *name;
	uint64_t flags;
};

/*
 * Metadata of a message's sender or of a peer (CONN_INFO, LIST). A field
 * is valid only if its KDB_ATTACH_* bit is set in @present. Pointers
 * point into the message or info record and live as long as it does.
 */
struct kdb_meta {
	uint64_t present;
	struct {
		uint64_t uid, euid, suid, fsuid, gid, egid, sgid, fsgid;
	} creds;
	struct {
		uint64_t pid, tid, ppid;
	} pids;
	struct {
		uint64_t seqnum, monotonic_ns, realtime_ns;
	} timestamp;
	struct {
		uint32_t sessionid, loginuid;
	} audit;
	const uint64_t *auxgroups;
	size_t n_auxgroups;
	const char *tid_comm, *pid_comm, *exe, *cgroup, *seclabel;
	const char *description;
	const char *cmdline;		/* NUL-separated arguments */
	size_t cmdline_size;
	const uint32_t *caps;		/* 4 sets: inh, prm, eff, bnd */
	size_t caps_words;		/* words per set */
	uint32_t last_cap;
	const struct kdb_owned_name *names;
	size_t n_names;
};

/* whether capability @cap is in the effective set of @meta */
bool kdb_meta_has_cap(const struct kdb_meta *meta, unsigned int cap);

/* ---- messages --------------------------------------------------------- */

struct kdb_memfd {
	int fd;
	uint64_t start;
	uint64_t size;
};

/*
 * Make a sealed memfd holding @size bytes of @data (F_SEAL_WRITE, SHRINK,
 * GROW, SEAL): what KDB payload memfds must be. Returns the fd. From
 * 2 MiB on it is backed by shmem huge pages where the system allows them
 * (shmem_enabled "advise", "within_size" or "always"); the file may then
 * be up to an eighth longer than @size (zeroes, to whole huge pages):
 * send @size bytes of it.
 */
int kdb_memfd_new(const char *name, const void *data, size_t size);
/*
 * The same for a producer that writes the payload in place: a memfd of at
 * least @size bytes and a writable mapping of it in *@map (huge-page
 * backed as above); kdb_memfd_seal() unmaps and seals it. Returns the fd.
 */
int kdb_memfd_alloc(const char *name, size_t size, void **map);
int kdb_memfd_seal(int fd, void *map);
/*
 * Map the bytes of a (received) memfd read-only: *@data points at
 * @m->start. From 2 MiB on the mapping is 2 MiB-aligned and MADV_HUGEPAGE,
 * so that huge pages of the file are mapped a PMD at a time; nothing is
 * prefaulted. kdb_memfd_unmap() takes the same @m and *@data.
 */
int kdb_memfd_map(const struct kdb_memfd *m, const void **data);
int kdb_memfd_unmap(const struct kdb_memfd *m, const void *data);

struct kdb_send_args {
	/* a connection id, KDB_ID_NAME with @dst_name, or KDB_ID_BROADCAST */
	uint64_t dst_id;
	const char *dst_name;		/* well-known destination, or NULL */
	uint64_t flags;			/* KDB_MSG_* */
	int64_t priority;
	uint64_t payload_type;		/* 0: KDB_PAYLOAD_DBUS */
	uint64_t cookie;		/* 0: kdb_conn_next_cookie() */
	uint64_t cookie_reply;		/* a reply: the request's cookie */
	uint64_t timeout_us;		/* EXPECT_REPLY: relative; 0: 25 s */
	const struct iovec *vecs;	/* inline payload */
	size_t n_vecs;
	const int *fds;			/* file descriptors to pass */
	size_t n_fds;
	const struct kdb_memfd *memfds;	/* sealed memfds to pass */
	size_t n_memfds;
	/* broadcasts: kdb_conn_bloom_size() bytes of filter */
	const uint64_t *bloom;
	/*
	 * synchronous calls: -1, or an fd whose readability cancels the
	 * call (needs kernel support: kdb_conn_can_cancel())
	 */
	int cancel_fd;
};

/* the defaults: dst_id 0, cancel_fd -1, the rest 0 */
#define KDB_SEND_ARGS_INIT { .cancel_fd = -1 }

struct kdb_msg;

/*
 * Send a message. With @reply NULL it is queued and kdb_send() returns;
 * with @reply (for KDB_MSG_EXPECT_REPLY only) it waits in the kernel for
 * the answer until the timeout: -ETIMEDOUT, -EPIPE if the peer dropped the
 * call or went away, -ECANCELED if @cancel_fd became readable, -EOPNOTSUPP
 * for a @cancel_fd on a kernel without KDBUS_ITEM_CANCEL_FD. The cookie used is returned
 * in *@cookie if not NULL.
 */
int kdb_send(struct kdb_conn *conn, const struct kdb_send_args *args,
	     uint64_t *cookie, struct kdb_msg **reply);

/* whether this kernel honours a cancel fd on synchronous calls */
bool kdb_conn_can_cancel(struct kdb_conn *conn);

/*
 * Take the next message (-EAGAIN if none). With KDB_RECV_PEEK it stays
 * queued (no fds are installed); with KDB_RECV_DROP it is discarded and
 * *@msg is NULL. @dropped, if not NULL, gets the count of messages lost
 * since the previous receive.
 */
int kdb_recv(struct kdb_conn *conn, uint64_t flags, struct kdb_msg **msg,
	     uint64_t *dropped);
/* give the message's pool slice back, close the fds not taken */
void kdb_msg_free(struct kdb_msg *msg);

uint64_t kdb_msg_src_id(const struct kdb_msg *msg);
uint64_t kdb_msg_dst_id(const struct kdb_msg *msg);
/* the well-known name it was sent to, or NULL */
const char *kdb_msg_dst_name(const struct kdb_msg *msg);
uint64_t kdb_msg_flags(const struct kdb_msg *msg);
int64_t kdb_msg_priority(const struct kdb_msg *msg);
uint64_t kdb_msg_payload_type(const struct kdb_msg *msg);
uint64_t kdb_msg_cookie(const struct kdb_msg *msg);
/* for replies and kernel reply notifications: the request's cookie */
uint64_t kdb_msg_cookie_reply(const struct kdb_msg *msg);
/*
 * The inline payload, all vectors joined (padding vectors read as zeroes).
 * Lives as long as the message.
 */
const void *kdb_msg_payload(struct kdb_msg *msg, size_t *size);
/* the bloom filter of a broadcast, kdb_conn_bloom_size() bytes, or NULL */
const uint64_t *kdb_msg_bloom(const struct kdb_msg *msg);
/* passed fds: the message closes them unless taken (then -1 in the array) */
const int *kdb_msg_fds(const struct kdb_msg *msg, size_t *n);
int kdb_msg_take_fd(struct kdb_msg *msg, size_t i);
/* passed sealed memfds, likewise */
size_t kdb_msg_n_memfds(const struct kdb_msg *msg);
int kdb_msg_memfd(const struct kdb_msg *msg, size_t i, struct kdb_memfd *out);
int kdb_msg_take_memfd(struct kdb_msg *msg, size_t i);
const struct kdb_meta *kdb_msg_meta(const struct kdb_msg *msg);

/* kernel notifications (src id 0) */
enum kdb_notify_type {
	KDB_NOTIFY_NONE = 0,
	KDB_NOTIFY_NAME_ADD,
	KDB_NOTIFY_NAME_REMOVE,
	KDB_NOTIFY_NAME_CHANGE,
	KDB_NOTIFY_ID_ADD,
	KDB_NOTIFY_ID_REMOVE,
	KDB_NOTIFY_REPLY_TIMEOUT,
	KDB_NOTIFY_REPLY_DEAD,
};

struct kdb_notify {
	enum kdb_notify_type type;
	uint64_t id, id_flags;		/* ID_ADD, ID_REMOVE */
	uint64_t old_id, old_flags;	/* NAME_*: 0 if none */
	uint64_t new_id, new_flags;
	const char *name;		/* NAME_* */
};

/* the notification a kernel message carries; KDB_NOTIFY_NONE otherwise */
enum kdb_notify_type kdb_msg_notify(const struct kdb_msg *msg,
				    struct kdb_notify *out);
const char *kdb_notify_type_name(enum kdb_notify_type type);

/* ---- names ------------------------------------------------------------ */

/*
 * Acquire well-known name @name with KDB_NAME_* @flags. *@state (if not
 * NULL) gets the kernel's answer: KDB_NAME_ACQUIRED | KDB_NAME_PRIMARY
 * (owned), KDB_NAME_ACQUIRED | KDB_NAME_IN_QUEUE (waiting); asking
 * again for a name held or queued for already succeeds with PRIMARY or
 * IN_QUEUE but not ACQUIRED. -EEXIST if taken (without KDB_NAME_QUEUE).
 */
int kdb_name_acquire(struct kdb_conn *conn, const char *name, uint64_t flags,
		     uint64_t *state);
int kdb_name_release(struct kdb_conn *conn, const char *name);
/* whether @name is a valid well-known name */
bool kdb_name_is_valid(const char *name);

/* ---- peers: LIST, CONN_INFO, BUS_CREATOR_INFO ------------------------- */

struct kdb_info {
	uint64_t id;
	uint64_t flags;			/* the peer's KDB_HELLO_* flags */
	const char *name;		/* LIST: the name this record is for */
	uint64_t name_flags;
	const char *bus_name;		/* bus creator info: the bus's name */
	struct kdb_meta meta;
	void *priv_copy;		/* private */
	struct kdb_owned_name *priv_names;	/* private */
};

/*
 * LIST with KDB_LIST_* @flags: @n records, one per connection without a
 * name and one per owned (queued) name. Free with kdb_info_free().
 */
int kdb_list(struct kdb_conn *conn, uint64_t flags, struct kdb_info **info,
	     size_t *n);
/*
 * CONN_INFO of the peer with id @id, or (id 0) of the owner of @name,
 * with the metadata of @attach the peer allows.
 */
int kdb_conn_info(struct kdb_conn *conn, uint64_t id, const char *name,
		  uint64_t attach, struct kdb_info **info);
int kdb_bus_creator_info(struct kdb_conn *conn, uint64_t attach,
			 struct kdb_info **info);
void kdb_info_free(struct kdb_info *info);

/* ---- match rules and bloom filters ------------------------------------ */

/*
 * One rule; a message matches if it matches every part that is given.
 * A rule with nothing given matches every broadcast and notification.
 */
struct kdb_match {
	const uint64_t *bloom_mask;	/* kdb_conn_bloom_size() bytes */
	const char *sender_name;	/* the sender owns this name */
	uint64_t sender_id;		/* 0: any; or a connection id */
	enum kdb_notify_type notify;	/* a notification kind, or NONE */
	uint64_t notify_id;		/* ID_*: the id, or KDB_ID_ANY */
	uint64_t notify_old_id;		/* NAME_*: old owner, or KDB_ID_ANY */
	uint64_t notify_new_id;		/* NAME_*: new owner, or KDB_ID_ANY */
	const char *notify_name;	/* NAME_*: the name, or NULL */
};

/* add @rule under @cookie; @replace first drops the rules of @cookie */
int kdb_match_add(struct kdb_conn *conn, uint64_t cookie,
		  const struct kdb_match *rule, bool replace);
/* drop every rule of @cookie (-EBADSLT if none) */
int kdb_match_remove(struct kdb_conn *conn, uint64_t cookie);
/* subscribe to the NAME_* and ID_* notifications, all under @cookie */
int kdb_match_notifications(struct kdb_conn *conn, uint64_t cookie);

/*
 * Add a D-Bus match rule, as in AddMatch ("type='signal',
 * interface='org.example.I',member='Changed',path='/a',arg0='x'"): keys
 * type, sender, interface, member, path, path_namespace, argN,
 * argNpath, arg0namespace; -EINVAL for others or a bad rule. The bloom
 * mask lets false positives through: check what arrives with
 * kdb_dbus_match_test() (GDBus) or kdb_dbus1_match_test() (libdbus).
 */
int kdb_dbus_match_add(struct kdb_conn *conn, uint64_t cookie,
		       const char *rule);
/*
 * Whether D-Bus match rules @a and @b are the same rule, as dbus-daemon
 * decides for RemoveMatch: the same keys with the same values, in any
 * order and quoting ("member='Foo',type='signal'" is "type=signal,
 * member=Foo"). 1 if so, 0 if not, -EINVAL if either is not a rule
 * kdb_dbus_match_add() takes.
 */
int kdb_dbus_match_equal(const char *a, const char *b);

/* SipHash-2-4 of @data with the 16-byte @key */
uint64_t kdb_siphash24(const void *data, size_t size, const uint8_t key[16]);

/*
 * Bloom filters in the scheme sd-bus used on kdbus: @n_hash bit indices
 * per word, from SipHash-2-4 under sd-bus's fixed keys. @filter has @size
 * bytes (a power of two, 8 to 4096 as the bus says). -EINVAL if the
 * geometry needs more hash bits than the keys give.
 */
int kdb_bloom_add(uint64_t *filter, size_t size, unsigned int n_hash,
		  const void *data, size_t len);
/* the word "@a:@b" */
int kdb_bloom_add_pair(uint64_t *filter, size_t size, unsigned int n_hash,
		       const char *a, const char *b);
/* "@a:@b" and "@a:" + every prefix of @b ending before or at @sep */
int kdb_bloom_add_prefixes(uint64_t *filter, size_t size, unsigned int n_hash,
			   const char *a, const char *b, char sep);
/* whether @filter has every bit of @mask */
bool kdb_bloom_test(const uint64_t *filter, const uint64_t *mask,
		    size_t size);

/* strerror() for a negative errno returned by this library */
const char *kdb_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* LIBKDBUS_H */
