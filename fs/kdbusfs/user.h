/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __KDBUSFS_USER_H
#define __KDBUSFS_USER_H

/**
 * DOC: Users
 *
 * A user object accounts, inside one domain, the resources that files
 * opened by one user make the kernel hold. The user is the effective uid of
 * the opener, pinned at open(): whoever later uses the file, through fd
 * passing or inheritance, spends the opener's quota, never its own.
 *
 * Users live in the domain's xarray for as long as something charged to
 * them holds a reference.
 *
 * Mounts are unlimited in number, so every charge is made twice: in the
 * domain, against its limits (mount options), and for the kernel user
 * across all domains (struct kdbus_kuser), against the module's limits
 * (parameters max_user_*, which only the host's root can change), as
 * mqueue and inotify bound theirs per user.
 *
 * A quota table sits at every receiver: for each sending user, how many
 * messages, passed files and pool bytes it has queued there, the
 * receiver's own user included, and the kernel's notifications under a
 * pseudo-user of their own (KDBUS_QUOTA_KERNEL). Senders charge it under
 * the receiver's lock; receiving gives it back.
 */

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/xarray.h>

struct kdbus_domain;

enum kdbus_user_resource {
	KDBUS_USER_BUSES,
	KDBUS_USER_CONNECTIONS,
	KDBUS_USER_ENDPOINTS,
	/* counted across domains only: the mounts a user made */
	KDBUS_USER_DOMAINS,
	_KDBUS_USER_N,
};

/**
 * struct kdbus_kuser - per-kernel-user accounting, across all domains
 * @kref:	memory reference
 * @uid:	the user
 * @count:	resources held in all domains, per enum kdbus_user_resource
 */
struct kdbus_kuser {
	struct kref kref;
	kuid_t uid;
	atomic_t count[_KDBUS_USER_N];
};

/**
 * struct kdbus_user - per-user accounting in a domain
 * @kref:	memory reference
 * @domain:	domain this user is accounted in (holds a reference)
 * @kuser:	the same user across all domains (holds a reference)
 * @uid:	the user
 * @count:	resources held, per enum kdbus_user_resource
 */
struct kdbus_user {
	struct kref kref;
	struct kdbus_domain *domain;
	struct kdbus_kuser *kuser;
	kuid_t uid;
	atomic_t count[_KDBUS_USER_N];
};

struct kdbus_kuser *kdbus_kuser_lookup(kuid_t uid);
void kdbus_kuser_unref(struct kdbus_kuser *kuser);
int kdbus_kuser_charge(struct kdbus_kuser *kuser,
		       enum kdbus_user_resource res);
void kdbus_kuser_uncharge(struct kdbus_kuser *kuser,
			  enum kdbus_user_resource res);

struct kdbus_user *kdbus_user_lookup(struct kdbus_domain *domain, kuid_t uid);
void kdbus_user_unref(struct kdbus_user *user);
int kdbus_user_charge(struct kdbus_user *user,
		      enum kdbus_user_resource res, unsigned int max);
void kdbus_user_uncharge(struct kdbus_user *user,
			 enum kdbus_user_resource res);

/**
 * struct kdbus_quota_table - what each sending user has queued at a receiver
 * @users:	struct kdbus_quota by kuid; protected by the receiver's lock
 */
struct kdbus_quota_table {
	struct xarray users;
};

void kdbus_quota_init(struct kdbus_quota_table *table);
void kdbus_quota_clear(struct kdbus_quota_table *table);
/* the sender of kernel notifications, in quota tables: no user's uid */
#define KDBUS_QUOTA_KERNEL	INVALID_UID

int kdbus_quota_charge(struct kdbus_quota_table *table, kuid_t sender,
		       size_t size, unsigned int n_files, size_t pool_free);
void kdbus_quota_adjust(struct kdbus_quota_table *table, kuid_t sender,
			size_t size, unsigned int n_files, int sign);

#endif
