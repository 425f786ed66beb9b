/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Metadata: what a receiver may learn about a sender.
 *
 * Two kinds of data are kept apart. Identity (uids, gids, groups,
 * capabilities, security label) is the connection's: the credentials
 * pinned when its endpoint file was opened. Task facts (pids, comm, exe,
 * cmdline, cgroup, audit, timestamp) describe the task that sent a message
 * (or said HELLO, or made the bus) and are taken at that moment.
 *
 * An item is attached only if the receiver asked for it, the sender allowed
 * it and the attach_flags_mask module parameter lets it through. Numbers are
 * translated into the reader's namespaces when the message is installed in
 * its pool (RECV), paths when the message is queued; what the reader cannot
 * see is reported as the documented "unknown" value, never dropped.
 */
#ifndef __KDBUSFS_METADATA_H
#define __KDBUSFS_METADATA_H

#include <linux/path.h>
#include <linux/types.h>
#include <linux/uidgid.h>

struct cgroup_namespace;
struct cred;
struct kdbus_meta_proc;
struct kdbus_creds;
struct kdbus_pids;
struct kdbus_pool_slice;
struct pid_namespace;

/**
 * struct kdbus_meta_view - the namespaces a reader sees metadata in
 * @user_ns:	user namespace of the opener's credentials
 * @pid_ns:	PID namespace of the opener
 * @cgroup_ns:	cgroup namespace of the opener
 * @root:	root directory of the opener
 * @seclabel:	security label of the opener, or NULL
 *
 * Pinned when a kdbusfs file is opened, like the credentials.
 */
struct kdbus_meta_view {
	struct user_namespace *user_ns;
	struct pid_namespace *pid_ns;
	struct cgroup_namespace *cgroup_ns;
	struct path root;
	char *seclabel;
};

/**
 * struct kdbus_meta_creds - the user and group ids in a KDBUS_ITEM_CREDS
 * @uid:	real uid
 * @euid:	effective uid
 * @suid:	saved uid
 * @fsuid:	file system uid
 * @gid:	real gid
 * @egid:	effective gid
 * @sgid:	saved gid
 * @fsgid:	file system gid
 *
 * Read from a cred, or given by a proxy for its client at HELLO.
 */
struct kdbus_meta_creds {
	kuid_t uid;
	kuid_t euid;
	kuid_t suid;
	kuid_t fsuid;
	kgid_t gid;
	kgid_t egid;
	kgid_t sgid;
	kgid_t fsgid;
};

/**
 * struct kdbus_meta_ident - identity and description of a connection or bus
 * @cred:		credentials pinned at open
 * @creds:		ids a proxy presented at HELLO instead of @cred's, or
 *			NULL
 * @seclabel:		security label of @cred, or NULL if there is none
 * @description:	KDBUS_ITEM_CONN_DESCRIPTION, or NULL
 * @names:		KDBUS_ITEM_OWNED_NAME items of the names it owns, or NULL
 * @names_size:		bytes in @names
 */
struct kdbus_meta_ident {
	const struct cred *cred;
	const struct kdbus_meta_creds *creds;
	const char *seclabel;
	const char *description;
	const void *names;
	size_t names_size;
};

/**
 * struct kdbus_meta - metadata reserved in a slice, written when installed
 * @mask:	KDBUS_ATTACH_* items it holds
 * @off:	offset of its first item in the slice
 * @size:	bytes reserved, items aligned to 8
 * @seqnum:	message sequence number
 * @mono_ns:	CLOCK_MONOTONIC time of the send
 * @real_ns:	CLOCK_REALTIME time of the send
 * @cred:	identity of the sender
 * @creds:	its ids, from @cred or as a proxy presented them
 * @proc:	task facts of the sender
 * @seclabel:	copy of the sender's label
 * @description: copy of the sender's description
 * @exe:	executable path as the reader sees it
 * @cgroup:	cgroup path as the reader sees it
 * @n_groups:	auxiliary groups reserved
 * @names:	copy of the sender's KDBUS_ITEM_OWNED_NAME items
 * @names_size:	bytes in @names
 */
struct kdbus_meta {
	u64 mask;
	size_t off;
	size_t size;
	u64 seqnum;
	u64 mono_ns;
	u64 real_ns;
	const struct cred *cred;
	struct kdbus_meta_creds creds;
	struct kdbus_meta_proc *proc;
	char *seclabel;
	char *description;
	char *exe;
	char *cgroup;
	unsigned int n_groups;
	void *names;
	size_t names_size;
};

extern unsigned long long kdbus_meta_attach_mask;

int kdbus_meta_view_init(struct kdbus_meta_view *view,
			 const struct cred *cred);
void kdbus_meta_view_copy(struct kdbus_meta_view *dst,
			  const struct kdbus_meta_view *src);
void kdbus_meta_view_clear(struct kdbus_meta_view *view);

struct kdbus_meta_proc *kdbus_meta_proc_new(u64 what);
struct kdbus_meta_proc *kdbus_meta_proc_fake(const struct kdbus_pids *pids,
					     struct pid_namespace *ns);
int kdbus_meta_creds_import(struct kdbus_meta_creds *out,
			    const struct kdbus_creds *in,
			    struct user_namespace *ns);
struct kdbus_meta_proc *kdbus_meta_proc_ref(struct kdbus_meta_proc *mp);
void kdbus_meta_proc_unref(struct kdbus_meta_proc *mp);

struct kdbus_meta *kdbus_meta_new(const struct kdbus_meta_ident *ident,
				  struct kdbus_meta_proc *proc, u64 mask,
				  u64 seqnum,
				  const struct kdbus_meta_view *reader);
void kdbus_meta_free(struct kdbus_meta *meta);
void kdbus_meta_write(const struct kdbus_meta *meta, void *buf,
		      const struct kdbus_meta_view *reader);
int kdbus_meta_install(struct kdbus_meta *meta, struct kdbus_pool_slice *slice,
		       const struct kdbus_meta_view *reader);

#endif
