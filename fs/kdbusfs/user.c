// SPDX-License-Identifier: GPL-2.0
/*
 * Per-user accounting inside a domain.
 */

#include <linux/slab.h>
#include <linux/xarray.h>

#include "domain.h"
#include "user.h"

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

	ret = xa_err(xa_store(&domain->users, key, user, GFP_KERNEL_ACCOUNT));
	if (ret < 0) {
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
	kfree(user);
	kdbus_domain_unref(domain);
}

/**
 * kdbus_user_ref() - take a reference on a user
 * @user:	user, may be NULL
 *
 * Return: @user
 */
struct kdbus_user *kdbus_user_ref(struct kdbus_user *user)
{
	if (user)
		kref_get(&user->kref);
	return user;
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
 * @max:	how many the user may hold
 *
 * Return: 0 on success, -EMFILE if the user holds @max already.
 */
int kdbus_user_charge(struct kdbus_user *user, enum kdbus_user_resource res,
		      unsigned int max)
{
	atomic_t *count = &user->count[res];
	int v = atomic_read(count);

	do {
		if (v >= max)
			return -EMFILE;
	} while (!atomic_try_cmpxchg(count, &v, v + 1));
	return 0;
}

/**
 * kdbus_user_uncharge() - give back a resource charged before
 * @user:	user that was charged
 * @res:	kind of resource
 */
void kdbus_user_uncharge(struct kdbus_user *user, enum kdbus_user_resource res)
{
	WARN_ON(atomic_dec_return(&user->count[res]) < 0);
}
