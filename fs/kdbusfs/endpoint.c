// SPDX-License-Identifier: GPL-2.0
/*
 * Endpoints: the files connections are made through.
 */

#include <linux/err.h>
#include <linux/kdbus.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "bus.h"
#include "domain.h"
#include "endpoint.h"

static void kdbus_ep_free(struct kdbus_node *node)
{
	struct kdbus_ep *ep = container_of(node, struct kdbus_ep, node);

	kdbus_bus_unref(ep->bus);
	kfree(ep->name);
	kfree(ep);
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
	umode_t mode = 0600;
	struct kdbus_ep *ep;
	int ret;

	if (access & (KDBUS_MAKE_ACCESS_GROUP | KDBUS_MAKE_ACCESS_WORLD))
		mode |= 0060;
	if (access & KDBUS_MAKE_ACCESS_WORLD)
		mode |= 0006;

	ep = kzalloc(sizeof(*ep), GFP_KERNEL_ACCOUNT);
	if (!ep)
		return ERR_PTR(-ENOMEM);

	kdbus_node_init(&ep->node, KDBUS_NODE_ENDPOINT, kdbus_ep_free);
	ep->bus = kdbus_bus_ref(bus);
	ep->uid = uid;
	ep->gid = gid;
	ep->custom = custom;
	ep->name = kstrdup(name, GFP_KERNEL_ACCOUNT);
	if (!ep->name) {
		ret = -ENOMEM;
		goto error;
	}

	ret = kdbus_node_link(&ep->node, bus->node.dentry, name,
			      S_IFREG | mode, uid, gid);
	if (ret < 0)
		goto error;

	if (!kdbus_node_activate(&ep->node)) {
		ret = -ESHUTDOWN;
		goto error_unlink;
	}
	return ep;

error_unlink:
	kdbus_node_unlink(bus->domain, &ep->node);
error:
	kdbus_node_deactivate(&ep->node);
	kdbus_ep_unref(ep);
	return ERR_PTR(ret);
}

/**
 * kdbus_ep_shutdown() - deactivate an endpoint and remove its file
 * @ep:		endpoint to shut down
 *
 * Waits for operations running on the endpoint. Open files of the endpoint
 * fail with ESHUTDOWN afterwards.
 */
void kdbus_ep_shutdown(struct kdbus_ep *ep)
{
	kdbus_node_deactivate(&ep->node);
	kdbus_node_unlink(ep->bus->domain, &ep->node);
}

/**
 * kdbus_cmd_ep_make() - handle KDBUS_CMD_ENDPOINT_MAKE
 * @ep:		endpoint the command was issued on
 * @file:	its file; the opener owns the new endpoint
 * @privileged:	the opener was privileged at open()
 * @view:	what else was pinned at open()
 * @argp:	command payload
 *
 * Return: the new endpoint, NULL if only negotiation was asked for, or
 * ERR_PTR.
 */
struct kdbus_ep *kdbus_cmd_ep_make(struct kdbus_ep *ep, struct file *file,
				   bool privileged,
				   const struct kdbus_meta_view *view,
				   void __user *argp)
{
	return ERR_PTR(-ENOTTY);
}

/**
 * kdbus_cmd_ep_update() - handle KDBUS_CMD_ENDPOINT_UPDATE
 * @ep:		custom endpoint made through @file
 * @file:	the owner's file
 * @argp:	command payload
 *
 * Return: 0 or a negative error code.
 */
int kdbus_cmd_ep_update(struct kdbus_ep *ep, struct file *file,
			void __user *argp)
{
	return -ENOTTY;
}
