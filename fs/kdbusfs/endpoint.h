/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __KDBUSFS_ENDPOINT_H
#define __KDBUSFS_ENDPOINT_H

/**
 * DOC: Endpoints
 *
 * An endpoint is a regular file in a bus directory through which
 * connections are made. Every bus has the default endpoint "bus", made and
 * removed together with the bus. Its file mode follows the access flags of
 * BUS_MAKE; its owner is the bus owner.
 *
 * The endpoint holds a reference on its bus. The bus holds a reference on
 * its default endpoint until the bus is shut down.
 *
 * A custom endpoint is made by KDBUS_CMD_ENDPOINT_MAKE on a default
 * endpoint file that the bus owner (or a CAP_IPC_OWNER holder over the
 * domain) opened, and lives exactly as long as that file: closing it
 * removes the endpoint's file and disconnects every connection made
 * through it. Its name carries the maker's "<uid>-" prefix like a bus
 * name, its file belongs to the maker, and it has a policy database of its
 * own, set at ENDPOINT_MAKE and replaced by ENDPOINT_UPDATE, which starts
 * empty: a custom endpoint lets its connections see, talk to and own no
 * name until its maker says otherwise. Connections through a custom
 * endpoint are never privileged.
 */

#include <linux/types.h>
#include <linux/uidgid.h>

#include "node.h"
#include "policy.h"

struct cred;
struct file;
struct kdbus_bus;
struct kdbus_item;
struct kdbus_meta_view;
struct kdbus_user;

/**
 * struct kdbus_ep - an endpoint of a bus
 * @node:	the endpoint file
 * @bus:	bus this endpoint belongs to
 * @name:	file name
 * @uid:	owner
 * @gid:	group
 * @custom:	made by ENDPOINT_MAKE; never grants the bus owner's privilege
 * @access:	KDBUS_MAKE_ACCESS_* flags its file's mode was made from
 * @user:	a custom endpoint's maker, charged for it (KDBUS_USER_ENDPOINTS)
 * @policy_db:	the maker's policy for custom endpoints; unused (empty) for
 *		the default endpoint
 */
struct kdbus_ep {
	struct kdbus_node node;
	struct kdbus_bus *bus;
	char *name;
	kuid_t uid;
	kgid_t gid;
	bool custom;
	u64 access;
	struct kdbus_user *user;
	struct kdbus_policy_db policy_db;
};

struct kdbus_ep *kdbus_cmd_ep_make(struct kdbus_ep *ep, struct file *file,
				   bool privileged,
				   const struct kdbus_meta_view *view,
				   void __user *argp);
int kdbus_cmd_ep_update(struct kdbus_ep *ep, struct file *file,
			void __user *argp);
struct kdbus_ep *kdbus_ep_new(struct kdbus_bus *bus, const char *name,
			      u64 access, kuid_t uid, kgid_t gid, bool custom);
struct kdbus_ep *kdbus_ep_make(struct kdbus_bus *bus, const struct cred *cred,
			       const char *name, u64 flags,
			       const struct kdbus_item *items,
			       size_t items_size);
void kdbus_ep_shutdown(struct kdbus_ep *ep);

/**
 * kdbus_ep_ref() - take a memory reference on an endpoint
 * @ep:		endpoint to reference
 *
 * Return: @ep
 */
static inline struct kdbus_ep *kdbus_ep_ref(struct kdbus_ep *ep)
{
	kdbus_node_ref(&ep->node);
	return ep;
}

/**
 * kdbus_ep_unref() - drop a memory reference on an endpoint
 * @ep:		endpoint to unreference, may be NULL
 */
static inline void kdbus_ep_unref(struct kdbus_ep *ep)
{
	if (ep)
		kdbus_node_unref(&ep->node);
}

#endif
