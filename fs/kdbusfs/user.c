// SPDX-License-Identifier: GPL-2.0
/*
 * Per-user accounting, inside a domain and across all domains.
 */

#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "domain.h"
#include "limits.h"
#include "user.h"

/**
 * struct kdbus_quota - what one sending user has queued at one receiver
 * @msgs:	queued messages
 * @fds:	queued files
 * @memory:	bytes of the receiver's pool those messages hold
 */
struct kdbus_quota {
	unsigned int msgs;
	unsigned int fds;
	size_t memory;
};

/*
 * The module's limits per kernel user, over all domains. Only the host's
 * root may change them (/sys/module/kdbusfs/parameters/).
 */
static unsigned int kdbus_kuser_max[_KDBUS_USER_N] = {
	[KDBUS_USER_BUSES]		= KDBUS_KUSER_MAX_BUSES,
	[KDBUS_USER_CONNECTIONS]	= KDBUS_KUSER_MAX_CONN,
	[KDBUS_USER_ENDPOINTS]		= KDBUS_KUSER_MAX_ENDPOINTS,
	[KDBUS_USER_DOMAINS]		= KDBUS_KUSER_MAX_DOMAINS,
};
module_param_named(max_user_buses, kdbus_kuser_max[KDBUS_USER_BUSES],
		   uint, 0644);
MODULE_PARM_DESC(max_user_buses, "Buses per user, all mounts together");
module_param_named(max_user_connections,
		   kdbus_kuser_max[KDBUS_USER_CONNECTIONS], uint, 0644);
MODULE_PARM_DESC(max_user_connections,
		 "Connections per user, all mounts together");
module_param_named(max_user_endpoints,
		   kdbus_kuser_max[KDBUS_USER_ENDPOINTS], uint, 0644);
MODULE_PARM_DESC(max_user_endpoints,
		 "Custom endpoints per user, all mounts together");
module_param_named(max_user_mounts, kdbus_kuser_max[KDBUS_USER_DOMAINS],
		   uint, 0644);
MODULE_PARM_DESC(max_user_mounts, "kdbusfs mounts (domains) per user");

static DEFINE_MUTEX(kdbus_kusers_lock);	/* protects kdbus_kusers */
static DEFINE_XARRAY(kdbus_kusers);

/* The same check-and-add for both levels. */
static int kdbus_count_charge(atomic_t *count, unsigned int max)
{
	int v = atomic_read(count);

	do {
		if (v >= max)
			return -EMFILE;
	} while (!atomic_try_cmpxchg(count, &v, v + 1));
	return 0;
}

/**
 * kdbus_kuser_lookup() - find or create the accounting of a kernel user
 * @uid:	the user
 *
 * Return: a new reference, or ERR_PTR(-ENOMEM).
 */
struct kdbus_kuser *kdbus_kuser_lookup(kuid_t uid)
{
	unsigned long key = __kuid_val(uid);
	struct kdbus_kuser *kuser;
	int ret;

	mutex_lock(&kdbus_kusers_lock);
	/* under the lock every stored one has a non-zero count */
	kuser = xa_load(&kdbus_kusers, key);
	if (kuser) {
		kref_get(&kuser->kref);
		goto exit;
	}
	kuser = kzalloc(sizeof(*kuser), GFP_KERNEL_ACCOUNT);
	if (!kuser) {
		kuser = ERR_PTR(-ENOMEM);
		goto exit;
	}
	kref_init(&kuser->kref);
	kuser->uid = uid;
	ret = xa_err(xa_store(&kdbus_kusers, key, kuser, GFP_KERNEL_ACCOUNT));
	if (ret < 0) {
		kfree(kuser);
		kuser = ERR_PTR(ret);
	}
exit:
	mutex_unlock(&kdbus_kusers_lock);
	return kuser;
}

static void kdbus_kuser_free(struct kref *kref)
	__releases(&kdbus_kusers_lock)
{
	struct kdbus_kuser *kuser = container_of(kref, struct kdbus_kuser,
						 kref);
	int i;

	xa_erase(&kdbus_kusers, __kuid_val(kuser->uid));
	mutex_unlock(&kdbus_kusers_lock);
	for (i = 0; i < _KDBUS_USER_N; i++)
		WARN_ON(atomic_read(&kuser->count[i]));
	kfree(kuser);
}

/**
 * kdbus_kuser_unref() - drop a reference on a kernel user's accounting
 * @kuser:	kernel user, may be NULL
 */
void kdbus_kuser_unref(struct kdbus_kuser *kuser)
{
	if (kuser)
		kref_put_mutex(&kuser->kref, kdbus_kuser_free,
			       &kdbus_kusers_lock);
}

/**
 * kdbus_kuser_charge() - account one more resource across all domains
 * @kuser:	kernel user to charge
 * @res:	kind of resource
 *
 * Return: 0, or -EMFILE if the user holds the module's limit already.
 */
int kdbus_kuser_charge(struct kdbus_kuser *kuser,
		       enum kdbus_user_resource res)
{
	return kdbus_count_charge(&kuser->count[res],
				  READ_ONCE(kdbus_kuser_max[res]));
}

/**
 * kdbus_kuser_uncharge() - give back a resource charged across domains
 * @kuser:	kernel user that was charged
 * @res:	kind of resource
 */
void kdbus_kuser_uncharge(struct kdbus_kuser *kuser,
			  enum kdbus_user_resource res)
{
	WARN_ON(atomic_dec_return(&kuser->count[res]) < 0);
}

/**
 * kdbus_user_lookup() - find or create the accounting object of a user
 * @domain:	domain to account in
 * @uid:	the user
 *
 * Return: a new reference to the user, or ERR_PTR(-ENOMEM).
 */
struct kdbus_user *kdbus_user_lookup(struct kdbus_domain *domain, kuid_t uid)
{
	unsigned long key = __kuid_val(uid);
	struct kdbus_user *user;
	int ret;

	mutex_lock(&domain->user_lock);

	/* Under user_lock every stored user has a non-zero count. */
	user = xa_load(&domain->users, key);
	if (user) {
		kref_get(&user->kref);
		goto exit;
	}

	user = kzalloc(sizeof(*user), GFP_KERNEL_ACCOUNT);
	if (!user) {
		user = ERR_PTR(-ENOMEM);
		goto exit;
	}
	kref_init(&user->kref);
	user->uid = uid;
	user->kuser = kdbus_kuser_lookup(uid);
	if (IS_ERR(user->kuser)) {
		ret = PTR_ERR(user->kuser);
		kfree(user);
		user = ERR_PTR(ret);
		goto exit;
	}

	ret = xa_err(xa_store(&domain->users, key, user, GFP_KERNEL_ACCOUNT));
	if (ret < 0) {
		kdbus_kuser_unref(user->kuser);
		kfree(user);
		user = ERR_PTR(ret);
		goto exit;
	}
	user->domain = kdbus_domain_ref(domain);

exit:
	mutex_unlock(&domain->user_lock);
	return user;
}

static void kdbus_user_free(struct kref *kref)
	__releases(&user->domain->user_lock)
{
	struct kdbus_user *user = container_of(kref, struct kdbus_user, kref);
	struct kdbus_domain *domain = user->domain;
	int i;

	xa_erase(&domain->users, __kuid_val(user->uid));
	mutex_unlock(&domain->user_lock);

	for (i = 0; i < _KDBUS_USER_N; i++)
		WARN_ON(atomic_read(&user->count[i]));
	kdbus_kuser_unref(user->kuser);
	kfree(user);
	kdbus_domain_unref(domain);
}

/**
 * kdbus_user_unref() - drop a reference on a user
 * @user:	user to unreference, may be NULL
 */
void kdbus_user_unref(struct kdbus_user *user)
{
	if (user)
		kref_put_mutex(&user->kref, kdbus_user_free,
			       &user->domain->user_lock);
}

/**
 * kdbus_user_charge() - account one more resource to a user
 * @user:	user to charge
 * @res:	kind of resource
 * @max:	how many the user may hold in this domain
 *
 * Charges the domain and, across all domains, the kernel user.
 *
 * Return: 0 on success, -EMFILE if the user holds @max already here, or
 * the module's limit in all domains together.
 */
int kdbus_user_charge(struct kdbus_user *user, enum kdbus_user_resource res,
		      unsigned int max)
{
	int ret;

	ret = kdbus_count_charge(&user->count[res], max);
	if (ret < 0)
		return ret;
	ret = kdbus_kuser_charge(user->kuser, res);
	if (ret < 0)
		atomic_dec(&user->count[res]);
	return ret;
}

/**
 * kdbus_user_uncharge() - give back a resource charged before
 * @user:	user that was charged
 * @res:	kind of resource
 */
void kdbus_user_uncharge(struct kdbus_user *user, enum kdbus_user_resource res)
{
	kdbus_kuser_uncharge(user->kuser, res);
	WARN_ON(atomic_dec_return(&user->count[res]) < 0);
}

/**
 * kdbus_quota_init() - initialize an empty quota table
 * @table:	table to initialize
 */
void kdbus_quota_init(struct kdbus_quota_table *table)
{
	xa_init(&table->users);
}

/**
 * kdbus_quota_clear() - drop every record of a quota table
 * @table:	table; its receiver's lock is held, or nobody else can reach it
 *
 * The table can be used again afterwards.
 */
void kdbus_quota_clear(struct kdbus_quota_table *table)
{
	struct kdbus_quota *q;
	unsigned long key;

	xa_for_each(&table->users, key, q) {
		xa_erase(&table->users, key);
		kfree(q);
	}
	xa_destroy(&table->users);
}

/**
 * kdbus_quota_charge() - charge a message to its sender's quota
 * @table:	the receiver's table; the receiver's lock is held
 * @sender:	sending user's uid, or KDBUS_QUOTA_KERNEL
 * @size:	pool bytes the message takes, already allocated
 * @n_files:	files it carries
 * @pool_free:	bytes still free in the receiver's pool, after the message
 *
 * A user, the receiver's own too, and the kernel may have at most
 * KDBUS_CONN_MAX_MSGS messages and KDBUS_CONN_MAX_FDS_PER_USER files
 * queued at one receiver, and, beyond its first message, never more pool
 * bytes than remain free after the message: at most half of the pool
 * while alone, less as others queue too, so that no sender can starve the
 * receiver of room for everybody else, and nothing a receiver does not
 * read grows without bound.
 *
 * Return: 0, -ENOBUFS (messages or bytes), -EMFILE (files), -ENOMEM.
 */
int kdbus_quota_charge(struct kdbus_quota_table *table, kuid_t sender,
		       size_t size, unsigned int n_files, size_t pool_free)
{
	unsigned long key = __kuid_val(sender);
	struct kdbus_quota *q;

	q = xa_load(&table->users, key);
	if (!q) {
		q = kzalloc(sizeof(*q), GFP_KERNEL_ACCOUNT);
		if (!q)
			return -ENOMEM;
		if (xa_err(xa_store(&table->users, key, q,
				    GFP_KERNEL_ACCOUNT))) {
			kfree(q);
			return -ENOMEM;
		}
	}

	/*
	 * One message that fits is always let in: a receiver that keeps the
	 * slices it received must see its pool fill up (EXFULL), not its
	 * senders refused while nothing of theirs is queued.
	 */
	if (q->msgs >= KDBUS_CONN_MAX_MSGS ||
	    (q->msgs && q->memory + size > pool_free))
		return -ENOBUFS;
	if (q->fds + n_files > KDBUS_CONN_MAX_FDS_PER_USER)
		return -EMFILE;

	q->msgs++;
	q->fds += n_files;
	q->memory += size;
	return 0;
}

/**
 * kdbus_quota_adjust() - give back a charge, or charge it again
 * @table:	the receiver's table; the receiver's lock is held
 * @sender:	the uid charged before
 * @size:	bytes it was charged
 * @n_files:	files it was charged
 * @sign:	-1 to give back (the message left the queue), +1 to charge
 *		again (it went back on the queue)
 *
 * Records stay until the table is cleared.
 */
void kdbus_quota_adjust(struct kdbus_quota_table *table, kuid_t sender,
			size_t size, unsigned int n_files, int sign)
{
	struct kdbus_quota *q;

	q = xa_load(&table->users, __kuid_val(sender));
	if (WARN_ON(!q))
		return;
	q->msgs += sign;
	q->fds += sign * (int)n_files;
	q->memory += sign * (ssize_t)size;
}
