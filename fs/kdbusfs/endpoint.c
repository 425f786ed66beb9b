// SPDX-License-Identifier: GPL-2.0
/*
 * Endpoints: the files connections are made through.
 */

#include <linux/cred.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kdbus.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "bus.h"
#include "domain.h"
#include "endpoint.h"
#include "item.h"
#include "limits.h"
#include "policy.h"
#include "user.h"

static void kdbus_ep_free(struct kdbus_node *node)
{
	struct kdbus_ep *ep = container_of(node, struct kdbus_ep, node);

	kdbus_policy_db_clear(&ep->policy_db);
	if (ep->user) {
		kdbus_user_uncharge(ep->user, KDBUS_USER_ENDPOINTS);
		kdbus_user_unref(ep->user);
	}
	kdbus_bus_unref(ep->bus);
	kfree(ep->name);
	kfree(ep);
}

/* Makes the endpoint object only; nothing is visible before publishing. */
static struct kdbus_ep *kdbus_ep_alloc(struct kdbus_bus *bus,
				       const char *name, kuid_t uid,
				       kgid_t gid, bool custom)
{
	struct kdbus_ep *ep;

	ep = kzalloc(sizeof(*ep), GFP_KERNEL_ACCOUNT);
	if (!ep)
		return ERR_PTR(-ENOMEM);

	/*
	 * A custom endpoint is made, and shut down again if that fails,
	 * inside an active reference on the default endpoint: its own lockdep
	 * class keeps that from looking like a drain of a held reference.
	 */
	if (custom)
		kdbus_node_init(&ep->node, KDBUS_NODE_ENDPOINT, kdbus_ep_free);
	else
		kdbus_node_init(&ep->node, KDBUS_NODE_ENDPOINT, kdbus_ep_free);
	kdbus_policy_db_init(&ep->policy_db);
	ep->bus = kdbus_bus_ref(bus);
	ep->uid = uid;
	ep->gid = gid;
	ep->custom = custom;
	ep->name = kstrdup(name, GFP_KERNEL_ACCOUNT);
	if (!ep->name) {
		kdbus_ep_unref(ep);
		return ERR_PTR(-ENOMEM);
	}
	return ep;
}

static umode_t kdbus_ep_mode(u64 access)
{
	umode_t mode = 0600;

	if (access & (KDBUS_MAKE_ACCESS_GROUP | KDBUS_MAKE_ACCESS_WORLD))
		mode |= 0060;
	if (access & KDBUS_MAKE_ACCESS_WORLD)
		mode |= 0006;
	return mode;
}

/*
 * Links the file and activates the endpoint. On failure the endpoint is
 * deactivated, so that the caller only has to drop its reference.
 */
static int kdbus_ep_publish(struct kdbus_ep *ep, u64 access)
{
	struct kdbus_bus *bus = ep->bus;
	int ret;

	ep->access = access & (KDBUS_MAKE_ACCESS_GROUP | KDBUS_MAKE_ACCESS_WORLD);
	ret = kdbus_node_link(&ep->node, bus->node.dentry, ep->name,
			      S_IFREG | kdbus_ep_mode(access), ep->uid,
			      ep->gid);
	if (ret < 0)
		goto error;

	if (!kdbus_node_activate(&ep->node)) {
		ret = -ESHUTDOWN;
		goto error_unlink;
	}
	return 0;

error_unlink:
	kdbus_node_unlink(bus->domain, &ep->node);
error:
	kdbus_node_deactivate(&ep->node);
	return ret;
}

/**
 * kdbus_ep_new() - make an endpoint and its file in the bus directory
 * @bus:	bus the endpoint belongs to; must be linked
 * @name:	file name, already validated
 * @access:	KDBUS_MAKE_ACCESS_* flags for the file mode
 * @uid:	owner
 * @gid:	group
 * @custom:	whether this is a custom endpoint
 *
 * Return: the new, active endpoint, or ERR_PTR: -EEXIST if the name is
 * taken, -ESHUTDOWN if the bus is going away, -ENOMEM.
 */
struct kdbus_ep *kdbus_ep_new(struct kdbus_bus *bus, const char *name,
			      u64 access, kuid_t uid, kgid_t gid, bool custom)
{
	struct kdbus_ep *ep;
	int ret;

	ep = kdbus_ep_alloc(bus, name, uid, gid, custom);
	if (IS_ERR(ep))
		return ep;

	ret = kdbus_ep_publish(ep, access);
	if (ret < 0) {
		kdbus_ep_unref(ep);
		return ERR_PTR(ret);
	}
	return ep;
}

/**
 * kdbus_ep_shutdown() - deactivate an endpoint and remove its file
 * @ep:		endpoint to shut down
 *
 * Waits for operations running on the endpoint. Open files of the endpoint
 * fail with ESHUTDOWN afterwards, and no connection can be made through it
 * any more (HELLO runs inside an active reference on the endpoint). The
 * connections made through a custom endpoint are the caller's to
 * disconnect (kdbus_conn_disconnect_all()): the endpoint's policy was the
 * condition they were let in under.
 */
void kdbus_ep_shutdown(struct kdbus_ep *ep)
{
	kdbus_node_deactivate(&ep->node);
	kdbus_node_unlink(ep->bus->domain, &ep->node);
}

/**
 * kdbus_ep_make() - make a custom endpoint and its file
 * @bus:	bus it belongs to, held active by the caller
 * @cred:	its maker: owner of its file, charged for it, the user
 *		namespace its policy's ids are read in
 * @name:	file name, validated, with the maker's "<uid>-" prefix
 * @flags:	KDBUS_MAKE_ACCESS_* flags for the file mode
 * @items:	its policy: NAME and POLICY_ACCESS items, as for
 *		kdbus_policy_set()
 * @items_size:	their bytes
 *
 * The maker's policy is in place before the file appears, so there is no
 * moment in which a connection could come through under another one.
 *
 * Return: the new, active endpoint, or ERR_PTR: -EINVAL (the name lacks
 * the prefix, a bad policy), -E2BIG, -EEXIST (name taken, or a policy
 * name given twice), -EMFILE (the maker's user has too many custom
 * endpoints), -ESHUTDOWN, -ENOMEM.
 */
struct kdbus_ep *kdbus_ep_make(struct kdbus_bus *bus, const struct cred *cred,
			       const char *name, u64 flags,
			       const struct kdbus_item *items,
			       size_t items_size)
{
	struct kdbus_user *user;
	struct kdbus_ep *ep;
	int ret;

	ret = kdbus_check_uid_prefix(bus->domain, cred, name);
	if (ret < 0)
		return ERR_PTR(ret);

	ep = kdbus_ep_alloc(bus, name, cred->euid, cred->egid, true);
	if (IS_ERR(ep))
		return ep;

	/* charged to its maker, like buses and connections */
	user = kdbus_user_lookup(bus->domain, cred->euid);
	if (IS_ERR(user)) {
		ret = PTR_ERR(user);
		goto error;
	}
	ret = kdbus_user_charge(user, KDBUS_USER_ENDPOINTS,
				KDBUS_USER_MAX_ENDPOINTS);
	if (ret < 0) {
		kdbus_user_unref(user);
		goto error;
	}
	ep->user = user;

	ret = kdbus_policy_set(&ep->policy_db, items, items_size,
			       KDBUS_POLICY_MAX, true, ep, cred->user_ns);
	if (ret < 0)
		goto error;

	ret = kdbus_ep_publish(ep, flags);
	if (ret < 0)
		goto error;
	return ep;

error:
	kdbus_ep_unref(ep);
	return ERR_PTR(ret);
}

/**
 * kdbus_cmd_ep_make() - handle KDBUS_CMD_ENDPOINT_MAKE
 * @ep:		endpoint the command was issued on
 * @file:	its file; the opener owns the new endpoint
 * @privileged:	the opener was privileged at open()
 * @view:	what else was pinned at open()
 * @argp:	command payload
 *
 * Only a privileged opener of a default endpoint (the bus owner, or
 * CAP_IPC_OWNER over the domain) may make custom endpoints. The payload
 * carries the name ("<uid>-..." with the opener's euid in the domain's
 * user namespace) and optionally the endpoint's first policy, NAME and
 * POLICY_ACCESS items whose ids are read in the opener's user namespace.
 *
 * Return: the new endpoint, NULL if only negotiation was asked for, or
 * ERR_PTR: -EPERM (not privileged), -EINVAL (bad flags or items, a name
 * without the opener's prefix, a bad policy), -ENAMETOOLONG, -E2BIG (more
 * than KDBUS_POLICY_MAX policy names), -EEXIST (name taken, or a policy
 * name given twice), -EMFILE (the opener's user has too many custom
 * endpoints), -ESHUTDOWN, -EFAULT, -EMSGSIZE, -ENOMEM.
 */
struct kdbus_ep *kdbus_cmd_ep_make(struct kdbus_ep *ep, struct file *file,
				   bool privileged,
				   const struct kdbus_meta_view *view,
				   void __user *argp)
{
	struct kdbus_ep *new_ep = NULL;
	struct kdbus_cmd *cmd;
	int ret;

	struct kdbus_arg argv[] = {
		{ .type = KDBUS_ITEM_NEGOTIATE },
		{ .type = KDBUS_ITEM_MAKE_NAME, .mandatory = true },
		{ .type = KDBUS_ITEM_NAME, .multiple = true },
		{ .type = KDBUS_ITEM_POLICY_ACCESS, .multiple = true },
	};
	struct kdbus_args args = {
		.allowed_flags = KDBUS_FLAG_NEGOTIATE |
				 KDBUS_MAKE_ACCESS_GROUP |
				 KDBUS_MAKE_ACCESS_WORLD,
		.argv = argv,
		.argc = ARRAY_SIZE(argv),
	};

	/* a custom endpoint's openers are never privileged; be explicit */
	if (!privileged || ep->custom)
		return ERR_PTR(-EPERM);

	ret = kdbus_args_parse(&args, argp, &cmd);
	if (ret != 0)
		return ret < 0 ? ERR_PTR(ret) : NULL;

	/* held for the linking only: the bus's shutdown drains it */
	if (kdbus_node_acquire(&ep->node)) {
		new_ep = kdbus_ep_make(ep->bus, file->f_cred,
				       argv[1].item->str, cmd->flags,
				       args.items, args.items_size);
		kdbus_node_release(&ep->node);
	} else {
		new_ep = ERR_PTR(-ESHUTDOWN);
	}
	if (IS_ERR(new_ep)) {
		ret = PTR_ERR(new_ep);
		new_ep = NULL;
	}

	ret = kdbus_args_clear(&args, ret);
	if (ret < 0) {
		if (new_ep) {
			kdbus_ep_shutdown(new_ep);
			kdbus_ep_unref(new_ep);
		}
		return ERR_PTR(ret);
	}
	return new_ep;
}

/**
 * kdbus_cmd_ep_update() - handle KDBUS_CMD_ENDPOINT_UPDATE
 * @ep:		custom endpoint made through @file
 * @file:	the owner's file
 * @argp:	command payload
 *
 * Replaces the endpoint's whole policy with the NAME and POLICY_ACCESS
 * items of the payload; ids are read in the user namespace of @file's
 * opener. No items leaves the endpoint denying everything.
 *
 * Return: 0, or -EINVAL (bad flags, items or policy), -E2BIG, -EEXIST (a
 * policy name given twice), -ESHUTDOWN (the bus is gone), -EFAULT,
 * -EMSGSIZE, -ENOMEM.
 */
int kdbus_cmd_ep_update(struct kdbus_ep *ep, struct file *file,
			void __user *argp)
{
	struct kdbus_bus *bus = ep->bus;
	struct kdbus_cmd *cmd;
	int ret;

	struct kdbus_arg argv[] = {
		{ .type = KDBUS_ITEM_NEGOTIATE },
		{ .type = KDBUS_ITEM_NAME, .multiple = true },
		{ .type = KDBUS_ITEM_POLICY_ACCESS, .multiple = true },
	};
	struct kdbus_args args = {
		.allowed_flags = KDBUS_FLAG_NEGOTIATE,
		.argv = argv,
		.argc = ARRAY_SIZE(argv),
	};

	ret = kdbus_args_parse(&args, argp, &cmd);
	if (ret != 0)
		return min(ret, 0);

	/*
	 * A policy for a bus that is gone would protect nothing. Held around
	 * the kernel's copy only: the bus's shutdown drains it.
	 */
	if (kdbus_node_acquire(&bus->node)) {
		ret = kdbus_policy_set(&ep->policy_db, args.items,
				       args.items_size, KDBUS_POLICY_MAX, true,
				       ep, file->f_cred->user_ns);
		kdbus_node_release(&bus->node);
	} else {
		ret = -ESHUTDOWN;
	}
	return kdbus_args_clear(&args, ret);
}
