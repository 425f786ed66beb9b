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

/* the module's own limits: the tests check those, not copies of them */
#include "../../../../fs/kdbusfs/limits.h"

/* statfs()'s f_type on a kdbusfs mount, KDBUSFS_SUPER_MAGIC of the module */
#define KDBUSFS_SUPER_MAGIC	0x44427573

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
/* an item of @type carrying @str with its NUL */
struct kdbus_item *kdbus_cmd_add_str(struct kdbus_cmd_buf *b, uint64_t type,
				     const char *str);
/* a KDBUS_ITEM_POLICY_ACCESS item */
struct kdbus_item *kdbus_cmd_add_access(struct kdbus_cmd_buf *b,
					uint64_t type, uint64_t access,
					uint64_t id);
void kdbus_cmd_finish(struct kdbus_cmd_buf *b);

/* MATCH_ADD or MATCH_REMOVE: init @b, add the rule's items, then finish */
void kdbus_match_init(struct kdbus_cmd_buf *b, uint64_t flags,
		      uint64_t cookie);

/*
 * Walking items, and the struct kdbus_info records of a LIST: records
 * that start with their __u64 size and follow each other at 8-byte
 * aligned offsets. A walk stops before a record shorter than its fixed
 * part or reaching past the end, so that a malformed chain never leads
 * it astray.
 */
struct kdbus_walk {
	uint8_t *at;		/* the current record */
	uint8_t *end;		/* where the chain ends */
	size_t min;		/* the size of a record's fixed part */
};

/* the record after @p (an item, an info record) */
static inline void *kdbus_item_next(const void *p)
{
	return (uint8_t *)p + KDBUS_ALIGN8(*(const uint64_t *)p);
}

/* whether a whole record of at least @min bytes starts at @p before @end */
static inline bool kdbus_record_fits(const void *p, const void *end,
				     size_t min)
{
	const uint8_t *b = p, *e = end;
	uint64_t size;

	if (b > e || (size_t)(e - b) < min)
		return false;
	size = *(const uint64_t *)p;
	return size >= min && size <= (size_t)(e - b);
}

/* a walk over the records from @first to @end */
static inline struct kdbus_walk kdbus_walk(const void *first, const void *end,
					   size_t min)
{
	struct kdbus_walk w = {
		.at = (uint8_t *)first,
		.end = (uint8_t *)end,
		.min = min,
	};

	return w;
}

/* the items from @items to the end of @obj, which starts with its size */
static inline struct kdbus_walk kdbus_walk_items(const void *obj,
						 const void *items)
{
	return kdbus_walk(items, (const uint8_t *)obj + *(const uint64_t *)obj,
			  KDBUS_ITEM_HEADER_SIZE);
}

/* the struct kdbus_info records of a LIST answer of @size bytes */
static inline struct kdbus_walk kdbus_walk_list(const void *list, size_t size)
{
	return kdbus_walk(list, (const uint8_t *)list + size,
			  sizeof(struct kdbus_info));
}

static inline bool kdbus_walk_ok(const struct kdbus_walk *w)
{
	return kdbus_record_fits(w->at, w->end, w->min);
}

static inline void kdbus_walk_step(struct kdbus_walk *w)
{
	w->at = kdbus_item_next(w->at);
}

/* KDBUS_FOREACH() - @pos takes each record of the struct kdbus_walk @walk */
#define KDBUS_FOREACH(pos, walk)					\
	for (struct kdbus_walk __kw = (walk);				\
	     kdbus_walk_ok(&__kw) && ((pos) = (void *)__kw.at, true);	\
	     kdbus_walk_step(&__kw))

/* the items of @obj: a message, an info record, a command */
#define KDBUS_ITEM_FOREACH(item, obj)					\
	KDBUS_FOREACH(item, ({ typeof(obj) __ko = (obj);		\
			       kdbus_walk_items(__ko, __ko->items); }))

/* the records of a LIST answer of @size bytes at @list */
#define KDBUS_INFO_FOREACH(info, list, size)				\
	KDBUS_FOREACH(info, kdbus_walk_list((list), (size)))

/* the first item of @type from @first to @end, or NULL */
struct kdbus_item *kdbus_item_find(struct kdbus_item *first, const void *end,
				   uint64_t type);
/*
 * The KDBUS_ATTACH_* bits of the metadata items from @first to @end; how
 * many such items there are in *@count unless it is NULL
 */
uint64_t kdbus_meta_mask(struct kdbus_item *first, const void *end,
			 unsigned int *count);

/* switch to an unprivileged uid/gid, dropping every capability */
int kdbus_drop_to(uid_t uid, gid_t gid);
/* become @uid (gid too) keeping capability @cap only, none if -1 */
int kdbus_keep_only(uid_t uid, int cap);

/*
 * Child processes: @fn runs in the child, which exits with its return
 * value. @sock is the child's end of a socketpair with the parent, or -1.
 */
typedef int (*kdbus_child_fn)(void *arg, int sock);

/* exit status of a child of kdbus_fork_as() that could not drop */
#define KDBUS_CHILD_DROP_FAILED	100

/*
 * Fork a child running @fn(@arg); with @sock, the two are connected by a
 * socketpair whose other end is returned in *@sock. Returns the child's
 * pid, or -errno.
 */
pid_t kdbus_fork(kdbus_child_fn fn, void *arg, int *sock);
/* ... the child dropping to @uid and @gid (kdbus_drop_to()) first */
pid_t kdbus_fork_as(uid_t uid, gid_t gid, kdbus_child_fn fn, void *arg,
		    int *sock);
/* reap a child: its exit status, or -1 if it did not exit normally */
int kdbus_wait(pid_t pid);
/* fork, run and reap: @fn's exit status, or -1 */
int kdbus_run(kdbus_child_fn fn, void *arg);
int kdbus_run_as(uid_t uid, gid_t gid, kdbus_child_fn fn, void *arg);
/* open @path O_RDWR in a child dropped to @uid/@gid: the fd, or -errno */
int kdbus_open_as(uid_t uid, gid_t gid, const char *path);

/* the seals a memfd payload needs */
#define KDBUS_MEMFD_SEALS	(F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/*
 * A memfd of @size bytes, 'S' and then 0x5a up to its last byte, with
 * @seals added (0 for none). Returns the fd, or -errno.
 */
int kdbus_memfd_make(size_t size, unsigned int seals);

/*
 * Unshare the user namespace (and the namespaces in CLONE_* @flags), where
 * the caller's euid and egid read as @inner and nobody else is mapped
 */
int kdbus_unshare_userns(int flags, uid_t inner);
/* unshare user and mount namespaces as the current user, mapping it to 0 */
int kdbus_unshare_userns_as_root(void);

/* write @text to @path: 0 or -errno */
int kdbus_write_file(const char *path, const char *text);
/* @path's first @size - 1 bytes, NUL-terminated: their length, or -errno */
ssize_t kdbus_read_file(const char *path, char *buf, size_t size);

/* fd passing over a unix socket */
int kdbus_send_fd(int sock, int fd);
/* the fd received, or -errno (-EPIPE at the end of the stream) */
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

/* HELLO on @fd without mapping the pool (NULL); the bloom slice's offset */
int kdbus_hello_raw(int fd, uint64_t flags, size_t pool_size,
		    struct kdbus_conn *conn, uint64_t *offset);
/* open PATH, HELLO and map the pool; returns 0 or -errno */
int kdbus_hello(const char *path, uint64_t flags, size_t pool_size,
		struct kdbus_conn *conn);
/* HELLO on an fd opened by someone else */
int kdbus_hello_fd(int fd, uint64_t flags, size_t pool_size,
		   struct kdbus_conn *conn);
void kdbus_conn_close(struct kdbus_conn *conn);

/*
 * HELLO with items: init @b (the returned command takes the attach
 * masks), add items with kdbus_cmd_add(), then send
 */
struct kdbus_cmd_hello *kdbus_hello_init(struct kdbus_cmd_buf *b,
					 uint64_t flags, size_t pool_size);
/* on @fd (closed on failure); returns 0 or -errno */
int kdbus_hello_cmd(int fd, struct kdbus_cmd_buf *b, struct kdbus_conn *c);
/* what a proxy presents at HELLO: uid and gid @id, this task's pids */
void kdbus_presented_ids(uint64_t id, struct kdbus_creds *creds,
			 struct kdbus_pids *pids);
/*
 * HELLO with @role (KDBUS_HELLO_ACTIVATOR or _POLICY_HOLDER) for @name
 * (none if NULL) and the rule @pa (none if NULL), on a new fd of @ep
 */
int kdbus_hello_role(const char *ep, uint64_t role, const char *name,
		     const struct kdbus_policy_access *pa,
		     struct kdbus_conn *c);
/* the same as the activator of @name, without a rule */
int kdbus_hello_activator(const char *ep, const char *name,
			  struct kdbus_conn *c);

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
	const void *bloom;		/* a BLOOM_FILTER item, may be NULL */
	size_t bloom_size;		/* bytes of filter at @bloom */
	uint64_t bloom_generation;
	const char *dst_name;		/* a DST_NAME item, may be NULL */
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
/* first item of TYPE in INFO (CONN_INFO, BUS_CREATOR_INFO), or NULL */
struct kdbus_item *kdbus_info_item(struct kdbus_info *info, uint64_t type);
/* the bytes of the first PAYLOAD_OFF item */
const void *kdbus_msg_payload(struct kdbus_conn *conn, struct kdbus_msg *msg,
			      uint64_t *size);
uint64_t kdbus_now_ns(void);
/* "EINVAL" for EINVAL; the number for an errno without a name */
const char *kdbus_errno_name(int err);
int kdbus_byebye(struct kdbus_conn *conn);

/*
 * NAME_ACQUIRE or NAME_RELEASE (@request) of @name with @flags; the
 * return flags in *@rflags unless it is NULL. Returns 0 or -errno.
 */
int kdbus_name_cmd(struct kdbus_conn *conn, unsigned long request,
		   const char *name, uint64_t flags, uint64_t *rflags);
int kdbus_name_acquire(struct kdbus_conn *conn, const char *name,
		       uint64_t flags, uint64_t *rflags);
int kdbus_name_release(struct kdbus_conn *conn, const char *name);
/*
 * LIST with @flags: 0 and a copy of the records in *@list (free() it),
 * their size in *@size; the pool's slice is given back. Or -errno.
 */
int kdbus_list(struct kdbus_conn *conn, uint64_t flags,
	       struct kdbus_info **list, size_t *size);
/*
 * Whether a LIST answer has a record of @id (any id for
 * KDBUS_MATCH_ID_ANY) with the owned name @name, or without a name if
 * @name is NULL; the name's flags in *@name_flags unless it is NULL.
 */
bool kdbus_list_has(struct kdbus_info *list, size_t size, uint64_t id,
		    const char *name, uint64_t *name_flags);

/* a mount with one world-accessible bus; the control fd keeps it alive */
struct kdbus_test_bus {
	char dir[64];
	char name[64];
	char ep[192];
	int control;
};

/*
 * A kprobe event on the kernel function @symbol (root, a kernel with
 * kprobe events): tests see which kernel functions a call reached.
 * kdbus_kprobe_add() clears the trace; kdbus_kprobe_hits() counts the
 * event's lines since, by the calling task; a count, or -errno.
 */
int kdbus_kprobe_add(const char *symbol);
int kdbus_kprobe_hits(const char *symbol);
void kdbus_kprobe_remove(const char *symbol);

/*
 * Fault injection (root, the debug kernel): kdbus_fault_setup() sets the
 * debugfs knobs so that fail-nth fails the n-th allocation the task
 * reaches, and no user copy; NULL, or why it cannot. kdbus_fault_arm()
 * arms fail-nth (an fd of KDBUS_FAIL_NTH) for the n-th point from now on;
 * kdbus_fault_disarm() stops it: 1 if the fault was injected, 0 if not,
 * or -EIO. kdbus_fault_restore() puts the knobs back.
 */
#define KDBUS_FAIL_NTH	"/proc/thread-self/fail-nth"
const char *kdbus_fault_setup(void);
void kdbus_fault_restore(void);
int kdbus_fault_arm(int nth, unsigned int n);
int kdbus_fault_disarm(int nth);

int kdbus_test_bus_make(struct kdbus_test_bus *bus);
/* the same on a mount with the options @opts */
int kdbus_test_bus_make_opts(struct kdbus_test_bus *bus, const char *opts);
void kdbus_test_bus_close(struct kdbus_test_bus *bus);

#endif
