// SPDX-License-Identifier: GPL-2.0
/*
 * Domains: one per mount.
 */

#include <linux/err.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>
#include <linux/xarray.h>

#include "domain.h"
#include "limits.h"
#include "user.h"

static void kdbus_domain_free(struct kdbus_node *node)
{
	struct kdbus_domain *domain = container_of(node, struct kdbus_domain,
						   node);

	/* Every user holds a domain reference, so none can be left. */
	WARN_ON(!xa_empty(&domain->users));
	xa_destroy(&domain->users);
	/* every bus holds a domain reference too */
	WARN_ON(!xa_empty(&domain->buses));
	xa_destroy(&domain->buses);
	if (domain->mounter) {
		kdbus_kuser_uncharge(domain->mounter, KDBUS_USER_DOMAINS);
		kdbus_kuser_unref(domain->mounter);
	}
	put_user_ns(domain->user_ns);
	kfree(domain);
}

/**
 * kdbus_domain_new() - create the domain of a new mount
 * @user_ns:	user namespace the mount belongs to
 * @mounter:	the mounter's euid, charged for the domain
 *
 * Return: the new, active domain or ERR_PTR: -EMFILE if the mounter has
 * max_user_mounts domains already, -ENOMEM.
 */
struct kdbus_domain *kdbus_domain_new(struct user_namespace *user_ns,
				      kuid_t mounter)
{
	struct kdbus_domain *domain;
	struct kdbus_kuser *kuser;
	int ret;

	kuser = kdbus_kuser_lookup(mounter);
	if (IS_ERR(kuser))
		return ERR_CAST(kuser);
	ret = kdbus_kuser_charge(kuser, KDBUS_USER_DOMAINS);
	if (ret < 0) {
		kdbus_kuser_unref(kuser);
		return ERR_PTR(ret);
	}

	domain = kzalloc(sizeof(*domain), GFP_KERNEL_ACCOUNT);
	if (!domain) {
		kdbus_kuser_uncharge(kuser, KDBUS_USER_DOMAINS);
		kdbus_kuser_unref(kuser);
		return ERR_PTR(-ENOMEM);
	}
	domain->mounter = kuser;

	kdbus_node_init(&domain->node, KDBUS_NODE_DOMAIN, kdbus_domain_free);
	domain->user_ns = get_user_ns(user_ns);
	atomic_long_set(&domain->last_ino, 0);
	atomic64_set(&domain->last_id, 0);
	xa_init(&domain->buses);
	mutex_init(&domain->node_lock);
	mutex_init(&domain->user_lock);
	xa_init(&domain->users);
	domain->max_buses = KDBUS_USER_MAX_BUSES;
	domain->max_connections = KDBUS_USER_MAX_CONN;
	kdbus_node_activate(&domain->node);
	return domain;
}
