// SPDX-License-Identifier: GPL-2.0
/*
 * Handles: open files, their roles and ioctl dispatch.
 */

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kdbus.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "bus.h"
#include "checkpoint.h"
#include "conn.h"
#include "connection.h"
#include "domain.h"
#include "endpoint.h"
#include "handle.h"
#include "info.h"
#include "match.h"
#include "names.h"
#include "names_cmd.h"
#include "node.h"
#include "pool.h"
#include "restore.h"

enum kdbus_handle_type {
	KDBUS_HANDLE_NONE,
	KDBUS_HANDLE_BUS_OWNER,
	KDBUS_HANDLE_EP_OWNER,
	KDBUS_HANDLE_CONNECTED,
};

/**
 * struct kdbus_handle - state of an open kdbusfs file
 * @lock:	serializes the setup ioctls
 * @type:	role, set once (release/acquire ordered with the union)
 * @node:	node of the opened file (memory reference)
 * @bus_owner:	bus made through this file
 * @ep_owner:	custom endpoint made through this file
 * @conn:	connection made through this file
 * @privileged:	the opener was privileged when it opened the file
 * @may_present: the opener may present a client's identity at HELLO
 * @view:	the opener's namespaces, for metadata of connections
 */
struct kdbus_handle {
	struct mutex lock;	/* serializes the setup ioctls */
	enum kdbus_handle_type type;
	struct kdbus_node *node;
	union {
		struct kdbus_bus *bus_owner;
		struct kdbus_ep *ep_owner;
		struct kdbus_conn *conn;
	};
	bool privileged;
	bool may_present;
	struct kdbus_meta_view view;
};

/* CAP_IPC_OWNER over the domain's user namespace, or the bus owner's euid */
static bool kdbus_handle_bus_privileged(struct file *file,
					struct kdbus_bus *bus)
{
	return file_ns_capable(file, bus->domain->user_ns, CAP_IPC_OWNER) ||
	       uid_eq(file->f_cred->euid, bus->uid);
}

/*
 * Privilege is decided here, once, from the opener's credentials. An
 * opener is privileged with CAP_IPC_OWNER over the domain's user namespace;
 * on a bus's default endpoint, the bus owner is privileged too.
 * file_ns_capable() reads file->f_cred, the credentials pinned at open.
 */
static bool kdbus_handle_is_privileged(struct file *file,
				       struct kdbus_node *node)
{
	struct kdbus_domain *domain;
	struct kdbus_ep *ep;

	switch (node->type) {
	case KDBUS_NODE_DOMAIN:
		domain = container_of(node, struct kdbus_domain, node);
		return file_ns_capable(file, domain->user_ns, CAP_IPC_OWNER);
	case KDBUS_NODE_ENDPOINT:
		ep = container_of(node, struct kdbus_ep, node);
		return !ep->custom && kdbus_handle_bus_privileged(file, ep->bus);
	default:
		return false;
	}
}

/*
 * A proxy may present its client's identity (KDBUS_ITEM_CREDS, PIDS,
 * SECLABEL) on any endpoint of a bus where it would be privileged on the
 * default one: presenting lends nothing, since a presenting connection is
 * never privileged by its opener (kdbus_conn_new()), and on a custom
 * endpoint it has that endpoint's policy like any other.
 */
static bool kdbus_handle_may_present(struct file *file,
				     struct kdbus_node *node)
{
	struct kdbus_ep *ep;

	if (node->type != KDBUS_NODE_ENDPOINT)
		return false;
	ep = container_of(node, struct kdbus_ep, node);
	return kdbus_handle_bus_privileged(file, ep->bus);
}

static int kdbus_handle_open(struct inode *inode, struct file *file)
{
	struct kdbus_node *node = kdbus_node_from_inode(inode);
	struct kdbus_handle *handle;
	int ret;

	if (!kdbus_node_acquire(node))
		return -ESHUTDOWN;

	handle = kzalloc(sizeof(*handle), GFP_KERNEL_ACCOUNT);
	if (!handle) {
		ret = -ENOMEM;
		goto exit;
	}
	mutex_init(&handle->lock);
	handle->type = KDBUS_HANDLE_NONE;
	handle->node = kdbus_node_ref(node);
	handle->privileged = kdbus_handle_is_privileged(file, node);
	handle->may_present = kdbus_handle_may_present(file, node);
	ret = kdbus_meta_view_init(&handle->view, file->f_cred);
	if (ret < 0) {
		kdbus_node_unref(handle->node);
		kfree(handle);
		goto exit;
	}
	file->private_data = handle;
	ret = nonseekable_open(inode, file);

exit:
	kdbus_node_release(node);
	return ret;
}

static int kdbus_handle_release(struct inode *inode, struct file *file)
{
	struct kdbus_handle *handle = file->private_data;

	switch (handle->type) {
	case KDBUS_HANDLE_BUS_OWNER:
		kdbus_bus_shutdown(handle->bus_owner);
		kdbus_conn_disconnect_all(handle->bus_owner, NULL);
		kdbus_bus_unref(handle->bus_owner);
		break;
	case KDBUS_HANDLE_EP_OWNER:
		/* its policy was the condition its connections came in under */
		kdbus_ep_shutdown(handle->ep_owner);
		kdbus_conn_disconnect_all(handle->ep_owner->bus,
					  handle->ep_owner);
		kdbus_ep_unref(handle->ep_owner);
		break;
	case KDBUS_HANDLE_CONNECTED:
		kdbus_conn_disconnect(handle->conn, false);
		kdbus_conn_unref(handle->conn);
		break;
	default:
		break;
	}

	kdbus_meta_view_clear(&handle->view);
	kdbus_node_unref(handle->node);
	kfree(handle);
	return 0;
}

static long kdbus_handle_setup_control(struct file *file,
				       struct kdbus_handle *handle,
				       unsigned int cmd, void __user *argp)
{
	struct kdbus_domain *domain;
	struct kdbus_bus *bus;

	if (cmd != KDBUS_CMD_BUS_MAKE)
		return -EBADFD;

	domain = container_of(handle->node, struct kdbus_domain, node);
	bus = kdbus_cmd_bus_make(domain, file, &handle->view, argp);
	if (IS_ERR_OR_NULL(bus))
		return PTR_ERR_OR_ZERO(bus);

	handle->bus_owner = bus;
	return KDBUS_HANDLE_BUS_OWNER;
}

static long kdbus_handle_setup_ep(struct file *file,
				  struct kdbus_handle *handle,
				  unsigned int cmd, void __user *argp)
{
	struct kdbus_ep *ep = container_of(handle->node, struct kdbus_ep, node);
	struct kdbus_ep *new_ep;
	struct kdbus_conn *conn;

	switch (cmd) {
	case KDBUS_CMD_HELLO:
		conn = kdbus_cmd_hello(ep, file, handle->privileged,
				       handle->may_present, &handle->view,
				       argp);
		if (IS_ERR_OR_NULL(conn))
			return PTR_ERR_OR_ZERO(conn);
		handle->conn = conn;
		return KDBUS_HANDLE_CONNECTED;
	case KDBUS_CMD_ENDPOINT_MAKE:
		new_ep = kdbus_cmd_ep_make(ep, file, handle->privileged,
					   &handle->view, argp);
		if (IS_ERR_OR_NULL(new_ep))
			return PTR_ERR_OR_ZERO(new_ep);
		handle->ep_owner = new_ep;
		return KDBUS_HANDLE_EP_OWNER;
	default:
		return -EBADFD;
	}
}

/*
 * The setup ioctls give the handle its role; they are serialized by
 * handle->lock and succeed at most once. The role is published with release
 * semantics after everything it points to is set up, so the other ioctls
 * can read it locklessly with acquire semantics.
 */
static long kdbus_handle_ioctl_setup(struct file *file, unsigned int cmd,
				     void __user *argp)
{
	struct kdbus_handle *handle = file->private_data;
	struct kdbus_node *node = handle->node;
	long ret;

	mutex_lock(&handle->lock);
	if (handle->type != KDBUS_HANDLE_NONE) {
		ret = -EBADFD;
		goto exit;
	}
	/*
	 * No active reference across the command: it reads and writes user
	 * memory, whose faults user space controls (a FUSE mapping that never
	 * answers), and the shutdown of the node would wait for them. The
	 * commands take one only where they link something into the node.
	 */
	if (!kdbus_node_is_active(node)) {
		ret = -ESHUTDOWN;
		goto exit;
	}

	switch (node->type) {
	case KDBUS_NODE_DOMAIN:
		ret = kdbus_handle_setup_control(file, handle, cmd, argp);
		break;
	case KDBUS_NODE_ENDPOINT:
		ret = kdbus_handle_setup_ep(file, handle, cmd, argp);
		break;
	default:
		ret = -EBADFD;
		break;
	}

	if (ret > 0) {
		/* pairs with smp_load_acquire() of the role by other ioctls */
		smp_store_release(&handle->type, ret);
		ret = 0;
	}
exit:
	mutex_unlock(&handle->lock);
	return ret;
}

static long kdbus_handle_ioctl_connected(struct file *file,
					 struct kdbus_conn *conn,
					 unsigned int cmd, void __user *argp)
{
	long ret;

	/* BYEBYE drains the active references: it must not hold one */
	if (cmd == KDBUS_CMD_BYEBYE) {
		if (!kdbus_conn_active(conn))
			return -ECONNRESET;
		return kdbus_cmd_byebye(conn, argp);
	}

	if (!kdbus_conn_acquire(conn))
		return -ECONNRESET;

	switch (cmd) {
	case KDBUS_CMD_SEND:
		ret = kdbus_cmd_send(conn, file, argp);
		break;
	case KDBUS_CMD_RECV:
		ret = kdbus_cmd_recv(conn, argp);
		break;
	case KDBUS_CMD_FREE:
		ret = kdbus_cmd_free(conn, argp);
		break;
	case KDBUS_CMD_UPDATE:
		ret = kdbus_cmd_update(conn, argp);
		break;
	case KDBUS_CMD_CONN_INFO:
		ret = kdbus_cmd_conn_info(conn, argp);
		break;
	case KDBUS_CMD_BUS_CREATOR_INFO:
		ret = kdbus_cmd_bus_creator_info(conn, argp);
		break;
	case KDBUS_CMD_NAME_ACQUIRE:
		ret = kdbus_cmd_name_acquire(conn, argp);
		break;
	case KDBUS_CMD_NAME_RELEASE:
		ret = kdbus_cmd_name_release(conn, argp);
		break;
	case KDBUS_CMD_LIST:
		ret = kdbus_cmd_list(conn, argp);
		break;
	case KDBUS_CMD_MATCH_ADD:
		ret = kdbus_cmd_match_add(conn, argp);
		break;
	case KDBUS_CMD_MATCH_REMOVE:
		ret = kdbus_cmd_match_remove(conn, argp);
		break;
	default:
		ret = -ENOTTY;
		break;
	}

	kdbus_conn_end_op(conn);
	return ret;
}

/* the domain of the file @handle was opened on */
static struct kdbus_domain *kdbus_handle_domain(struct kdbus_handle *handle)
{
	struct kdbus_node *node = handle->node;

	if (node->type == KDBUS_NODE_DOMAIN)
		return container_of(node, struct kdbus_domain, node);
	return container_of(node, struct kdbus_ep, node)->bus->domain;
}

/*
 * The handle of descriptor @fd, which @f holds until the caller's fdput(),
 * and its role, read once; or ERR_PTR(-EBADF) if it is no kdbusfs file.
 */
static struct kdbus_handle *kdbus_handle_get(u64 fd, struct fd *f,
					     enum kdbus_handle_type *type)
{
	struct kdbus_handle *handle;

	if (fd > INT_MAX)
		return ERR_PTR(-EBADF);
	*f = fdget(fd);
	if (!fd_file(*f))
		return ERR_PTR(-EBADF);
	if (fd_file(*f)->f_op != &kdbus_handle_ops) {
		fdput(*f);
		return ERR_PTR(-EBADF);
	}
	handle = fd_file(*f)->private_data;
	/* pairs with smp_store_release() in the setup */
	*type = smp_load_acquire(&handle->type);
	return handle;
}

/**
 * kdbus_handle_conn_get() - the connection behind a file descriptor
 * @fd:		file descriptor of the calling task
 *
 * Return: a reference on the connection, ERR_PTR(-EBADF) if @fd is no
 * kdbusfs file, or ERR_PTR(-ENOTCONN) if it is one but no connection.
 */
struct kdbus_conn *kdbus_handle_conn_get(u64 fd)
{
	enum kdbus_handle_type type;
	struct kdbus_handle *handle;
	struct kdbus_conn *conn;
	struct fd f;

	handle = kdbus_handle_get(fd, &f, &type);
	if (IS_ERR(handle))
		return ERR_CAST(handle);
	if (type != KDBUS_HANDLE_CONNECTED)
		conn = ERR_PTR(-ENOTCONN);
	else
		conn = kdbus_conn_ref(handle->conn);
	fdput(f);
	return conn;
}

/**
 * kdbus_handle_bus_get() - the bus a control file made
 * @fd:		file descriptor of the calling task
 *
 * Return: a reference on the bus, ERR_PTR(-EBADF) if @fd is no kdbusfs
 * file, or ERR_PTR(-EBADFD) if it is one but made no bus.
 */
struct kdbus_bus *kdbus_handle_bus_get(u64 fd)
{
	enum kdbus_handle_type type;
	struct kdbus_handle *handle;
	struct kdbus_bus *bus;
	struct fd f;

	handle = kdbus_handle_get(fd, &f, &type);
	if (IS_ERR(handle))
		return ERR_CAST(handle);
	if (type != KDBUS_HANDLE_BUS_OWNER)
		bus = ERR_PTR(-EBADFD);
	else
		bus = kdbus_bus_ref(handle->bus_owner);
	fdput(f);
	return bus;
}

/**
 * kdbus_handle_ep_get() - the custom endpoint an endpoint file made
 * @fd:		file descriptor of the calling task
 *
 * Return: a reference on the endpoint, ERR_PTR(-EBADF) if @fd is no
 * kdbusfs file, or ERR_PTR(-EBADFD) if it is one but made no endpoint.
 */
struct kdbus_ep *kdbus_handle_ep_get(u64 fd)
{
	enum kdbus_handle_type type;
	struct kdbus_handle *handle;
	struct kdbus_ep *ep;
	struct fd f;

	handle = kdbus_handle_get(fd, &f, &type);
	if (IS_ERR(handle))
		return ERR_CAST(handle);
	if (type != KDBUS_HANDLE_EP_OWNER)
		ep = ERR_PTR(-EBADFD);
	else
		ep = kdbus_ep_ref(handle->ep_owner);
	fdput(f);
	return ep;
}

/*
 * The unused file of descriptor @fd, of a node of @type in @domain, locked,
 * for a restore to give it its role; @f holds the file until the caller's
 * fdput(). Or ERR_PTR: -EBADF (no kdbusfs file), -EBADFD (another kind
 * of file, or one with a role), -EXDEV (another domain), -ESHUTDOWN.
 */
static struct kdbus_handle *kdbus_handle_lock_unused(u64 fd, unsigned int type,
						     struct kdbus_domain *domain,
						     struct fd *f)
{
	enum kdbus_handle_type role;
	struct kdbus_handle *handle;
	struct kdbus_domain *d;
	int ret;

	handle = kdbus_handle_get(fd, f, &role);
	if (IS_ERR(handle))
		return handle;
	/* the role is read again under the lock, which its setup takes */
	ret = -EBADFD;
	if (handle->node->type != type)
		goto error;
	if (type == KDBUS_NODE_DOMAIN)
		d = container_of(handle->node, struct kdbus_domain, node);
	else
		d = container_of(handle->node, struct kdbus_ep, node)->bus->domain;
	ret = -EXDEV;
	if (d != domain)
		goto error;

	mutex_lock(&handle->lock);
	ret = -EBADFD;
	if (handle->type == KDBUS_HANDLE_NONE)
		ret = kdbus_node_is_active(handle->node) ? 0 : -ESHUTDOWN;
	if (ret == 0)
		return handle;
	mutex_unlock(&handle->lock);
error:
	fdput(*f);
	return ERR_PTR(ret);
}

/**
 * kdbus_handle_restore() - make an unused endpoint file a restored connection
 * @fd:		file descriptor of the calling task: the endpoint file
 * @domain:	domain the file must belong to
 * @view:	namespaces the dump was read in
 * @img:	the checked dump
 *
 * The file takes the connection role, as with HELLO, and its opener's
 * open-time privilege bounds the connection's.
 *
 * Return: 0, -EBADF (no kdbusfs file), -EBADFD (not an endpoint file, or
 * one that has a role), -EXDEV (another domain), -ESHUTDOWN, or an error
 * of kdbus_conn_restore().
 */
int kdbus_handle_restore(u64 fd, struct kdbus_domain *domain,
			 const struct kdbus_meta_view *view,
			 const struct kdbus_conn_image *img)
{
	struct kdbus_handle *handle;
	struct kdbus_conn *conn;
	struct fd f;
	int ret = 0;

	handle = kdbus_handle_lock_unused(fd, KDBUS_NODE_ENDPOINT, domain, &f);
	if (IS_ERR(handle))
		return PTR_ERR(handle);
	conn = kdbus_conn_restore(container_of(handle->node, struct kdbus_ep,
					       node),
				  handle->privileged, view, img);
	if (IS_ERR(conn)) {
		ret = PTR_ERR(conn);
	} else {
		handle->conn = conn;
		/* pairs with smp_load_acquire() of the role */
		smp_store_release(&handle->type, KDBUS_HANDLE_CONNECTED);
	}
	mutex_unlock(&handle->lock);
	fdput(f);
	return ret;
}

/**
 * kdbus_handle_bus_restore() - make an unused control file a bus's owner
 * @fd:		file descriptor of the calling task: the control file
 * @domain:	domain the file must belong to
 * @view:	namespaces the dump was read in
 * @spec:	the bus, from a checked dump
 *
 * Return: 0, -EBADF (no kdbusfs file), -EBADFD (not a control file, or
 * one that has a role), -EXDEV (another domain), -ESHUTDOWN, or an error
 * of kdbus_bus_make().
 */
int kdbus_handle_bus_restore(u64 fd, struct kdbus_domain *domain,
			     const struct kdbus_meta_view *view,
			     const struct kdbus_bus_spec *spec)
{
	struct kdbus_handle *handle;
	struct kdbus_bus *bus;
	struct fd f;
	int ret = 0;

	handle = kdbus_handle_lock_unused(fd, KDBUS_NODE_DOMAIN, domain, &f);
	if (IS_ERR(handle))
		return PTR_ERR(handle);
	bus = kdbus_bus_make(domain, fd_file(f), view, spec);
	if (IS_ERR(bus)) {
		ret = PTR_ERR(bus);
	} else {
		handle->bus_owner = bus;
		/* pairs with smp_load_acquire() of the role */
		smp_store_release(&handle->type, KDBUS_HANDLE_BUS_OWNER);
	}
	mutex_unlock(&handle->lock);
	fdput(f);
	return ret;
}

/**
 * kdbus_handle_ep_restore() - make an unused endpoint file a custom
 *			       endpoint's owner
 * @fd:		file descriptor of the calling task: a default endpoint file
 * @domain:	domain the file must belong to
 * @cred:	the endpoint's maker, from a checked dump
 * @name:	its name, validated
 * @flags:	its KDBUS_MAKE_ACCESS_* flags
 * @items:	its policy, NAME and POLICY_ACCESS items of checked sizes
 * @items_size:	their bytes
 *
 * As ENDPOINT_MAKE on that file: its opener must have been privileged at
 * open().
 *
 * Return: 0, -EBADF (no kdbusfs file), -EBADFD (not an endpoint file, or
 * one that has a role), -EXDEV (another domain), -EPERM (an opener that
 * was not privileged, or a custom endpoint's file), -ESHUTDOWN, or an
 * error of kdbus_ep_make().
 */
int kdbus_handle_ep_restore(u64 fd, struct kdbus_domain *domain,
			    const struct cred *cred, const char *name,
			    u64 flags, const struct kdbus_item *items,
			    size_t items_size)
{
	struct kdbus_handle *handle;
	struct kdbus_ep *ep, *new_ep;
	struct fd f;
	int ret = 0;

	handle = kdbus_handle_lock_unused(fd, KDBUS_NODE_ENDPOINT, domain, &f);
	if (IS_ERR(handle))
		return PTR_ERR(handle);
	ep = container_of(handle->node, struct kdbus_ep, node);
	if (!handle->privileged || ep->custom) {
		ret = -EPERM;
		goto exit;
	}
	/* held for the linking only, as for ENDPOINT_MAKE */
	if (!kdbus_node_acquire(&ep->node)) {
		ret = -ESHUTDOWN;
		goto exit;
	}
	new_ep = kdbus_ep_make(ep->bus, cred, name, flags, items, items_size);
	kdbus_node_release(&ep->node);
	if (IS_ERR(new_ep)) {
		ret = PTR_ERR(new_ep);
	} else {
		handle->ep_owner = new_ep;
		/* pairs with smp_load_acquire() of the role */
		smp_store_release(&handle->type, KDBUS_HANDLE_EP_OWNER);
	}
exit:
	mutex_unlock(&handle->lock);
	fdput(f);
	return ret;
}

static long kdbus_handle_ioctl(struct file *file, unsigned int cmd,
			       unsigned long arg)
{
	struct kdbus_handle *handle = file->private_data;
	void __user *argp = (void __user *)arg;
	enum kdbus_handle_type type;

	switch (cmd) {
	case KDBUS_CMD_BUS_MAKE:
	case KDBUS_CMD_ENDPOINT_MAKE:
	case KDBUS_CMD_HELLO:
		return kdbus_handle_ioctl_setup(file, cmd, argp);

	case KDBUS_CMD_BYEBYE:
	case KDBUS_CMD_SEND:
	case KDBUS_CMD_RECV:
	case KDBUS_CMD_FREE:
	case KDBUS_CMD_UPDATE:
	case KDBUS_CMD_CONN_INFO:
	case KDBUS_CMD_BUS_CREATOR_INFO:
	case KDBUS_CMD_LIST:
	case KDBUS_CMD_NAME_ACQUIRE:
	case KDBUS_CMD_NAME_RELEASE:
	case KDBUS_CMD_MATCH_ADD:
	case KDBUS_CMD_MATCH_REMOVE:
		/* pairs with smp_store_release() in the setup */
		type = smp_load_acquire(&handle->type);
		if (type != KDBUS_HANDLE_CONNECTED)
			return -EBADFD;
		return kdbus_handle_ioctl_connected(file, handle->conn, cmd,
						    argp);

	case KDBUS_CMD_CHECKPOINT:
		return kdbus_cmd_checkpoint(kdbus_handle_domain(handle), argp);

	case KDBUS_CMD_ENDPOINT_UPDATE:
		/* pairs with smp_store_release() in the setup */
		type = smp_load_acquire(&handle->type);
		if (type != KDBUS_HANDLE_EP_OWNER)
			return -EBADFD;
		return kdbus_cmd_ep_update(handle->ep_owner, file, argp);

	default:
		return -ENOTTY;
	}
}

static __poll_t kdbus_handle_poll(struct file *file, poll_table *wait)
{
	struct kdbus_handle *handle = file->private_data;

	/* pairs with smp_store_release() in the setup */
	if (smp_load_acquire(&handle->type) != KDBUS_HANDLE_CONNECTED)
		return EPOLLERR | EPOLLHUP;
	return kdbus_conn_poll(handle->conn, file, wait);
}

static int kdbus_handle_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct kdbus_handle *handle = file->private_data;

	/* pairs with smp_store_release() in the setup */
	if (smp_load_acquire(&handle->type) != KDBUS_HANDLE_CONNECTED)
		return -EPERM;
	return kdbus_pool_mmap(handle->conn->pool, vma);
}

static const char *const kdbus_handle_roles[] = {
	[KDBUS_HANDLE_NONE]		= "none",
	[KDBUS_HANDLE_BUS_OWNER]	= "bus-owner",
	[KDBUS_HANDLE_EP_OWNER]		= "endpoint-owner",
	[KDBUS_HANDLE_CONNECTED]	= "connection",
};

static void kdbus_handle_show_conn(struct seq_file *m, struct kdbus_conn *conn)
{
	unsigned int queued;
	u64 lost;

	mutex_lock(&conn->lock);
	queued = conn->queue.count;
	lost = conn->lost;
	mutex_unlock(&conn->lock);

	seq_printf(m, "kdbus-id:\t%llu\n", conn->id);
	seq_printf(m, "kdbus-connected:\t%s\n",
		   kdbus_conn_active(conn) ? "yes" : "no");
	seq_printf(m, "kdbus-flags:\t0x%llx\n", conn->flags);
	seq_printf(m, "kdbus-attach-flags-send:\t0x%llx\n",
		   READ_ONCE(conn->attach_flags_send));
	seq_printf(m, "kdbus-attach-flags-recv:\t0x%llx\n",
		   READ_ONCE(conn->attach_flags_recv));
	seq_printf(m, "kdbus-pool-size:\t%zu\n", kdbus_pool_size(conn->pool));
	seq_printf(m, "kdbus-queued:\t%u\n", queued);
	seq_printf(m, "kdbus-dropped:\t%llu\n", lost);
	if (conn->description)
		seq_printf(m, "kdbus-description:\t%s\n", conn->description);
	kdbus_conn_show_names(m, conn);
}

/* what BUS_MAKE made, for a checkpointer to make it again */
static void kdbus_handle_show_bus(struct seq_file *m, struct kdbus_bus *bus)
{
	seq_printf(m, "kdbus-bus:\t%s\nkdbus-bus-id:\t%llu\n", bus->name,
		   bus->id);
	seq_printf(m, "kdbus-bus-id128:\t%*phN\n",
		   (int)sizeof(bus->id128), bus->id128);
	seq_printf(m, "kdbus-bus-flags:\t0x%llx\n", bus->bus_flags);
	seq_printf(m, "kdbus-attach-owner:\t0x%llx\n",
		   bus->attach_flags_owner);
	seq_printf(m, "kdbus-bloom:\t%llu %llu\n", bus->bloom.size,
		   bus->bloom.n_hash);
}

/*
 * What a file is, for people (lsof, debugging) and for checkpointing:
 * its role and the identity of what it stands for; no credentials.
 */
static void kdbus_handle_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct kdbus_handle *handle = file->private_data;
	struct kdbus_node *node = handle->node;
	enum kdbus_handle_type type;
	struct kdbus_ep *ep;

	/* pairs with smp_store_release() in the setup */
	type = smp_load_acquire(&handle->type);
	seq_printf(m, "kdbus-role:\t%s\n", kdbus_handle_roles[type]);
	seq_printf(m, "kdbus-privileged:\t%s\n",
		   handle->privileged ? "yes" : "no");
	if (node->type == KDBUS_NODE_DOMAIN) {
		seq_puts(m, "kdbus-file:\tcontrol\n");
		if (type == KDBUS_HANDLE_BUS_OWNER)
			kdbus_handle_show_bus(m, handle->bus_owner);
		return;
	}
	ep = container_of(node, struct kdbus_ep, node);
	seq_printf(m, "kdbus-file:\tendpoint\nkdbus-endpoint:\t%s\n",
		   ep->name);
	seq_printf(m, "kdbus-bus:\t%s\nkdbus-bus-id:\t%llu\n", ep->bus->name,
		   ep->bus->id);
	seq_printf(m, "kdbus-bus-id128:\t%*phN\n",
		   (int)sizeof(ep->bus->id128), ep->bus->id128);
	if (type == KDBUS_HANDLE_EP_OWNER)
		seq_printf(m, "kdbus-custom-endpoint:\t%s\n",
			   handle->ep_owner->name);
	else if (type == KDBUS_HANDLE_CONNECTED)
		kdbus_handle_show_conn(m, handle->conn);
}

const struct file_operations kdbus_handle_ops = {
	.owner		= THIS_MODULE,
	.open		= kdbus_handle_open,
	.release	= kdbus_handle_release,
	.unlocked_ioctl	= kdbus_handle_ioctl,
	.poll		= kdbus_handle_poll,
	.mmap		= kdbus_handle_mmap,
	.show_fdinfo	= kdbus_handle_show_fdinfo,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};
