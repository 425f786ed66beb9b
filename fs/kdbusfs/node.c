// SPDX-License-Identifier: GPL-2.0
/*
 * Nodes: the dentries and inodes that make kdbusfs objects visible.
 */

#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/fsnotify.h>
#include <linux/kref.h>
#include <linux/namei.h>
#include <linux/string.h>

#include "domain.h"
#include "node.h"

/*
 * Attributes are the kernel's business: the mode and owner of a bus or an
 * endpoint encode the policy chosen when it was made, and there is nothing
 * to truncate. chmod, chown, utimes and O_TRUNC all fail.
 */
static int kdbus_node_setattr(struct mnt_idmap *idmap, struct dentry *dentry,
			      struct iattr *attr)
{
	return -EPERM;
}

/* No create, mkdir, mknod, link, symlink, unlink, rmdir or rename: EPERM. */
static const struct inode_operations kdbus_node_dir_iops = {
	.lookup		= simple_lookup,
	.setattr	= kdbus_node_setattr,
};

static const struct inode_operations kdbus_node_file_iops = {
	.setattr	= kdbus_node_setattr,
};

/*
 * A directory file may carry a pool's pages as the file of a pool mapping
 * (kdbus_pool_mmap()), with a reference on the pool's inode that lasts as
 * long as the file.
 */
static int kdbus_node_dir_release(struct inode *inode, struct file *file)
{
	if (file->f_mapping != inode->i_mapping)
		iput(file->f_mapping->host);
	return dcache_dir_close(inode, file);
}

static const struct file_operations kdbus_node_dir_ops = {
	.open		= dcache_dir_open,
	.release	= kdbus_node_dir_release,
	.llseek		= dcache_dir_lseek,
	.read		= generic_read_dir,
	.iterate_shared	= dcache_readdir,
	.fsync		= noop_fsync,
};

/*
 * A file's name for d_path(), hence for /proc/PID/fd and lsof:
 * "kdbusfs:[BUS/ENDPOINT]" or "kdbusfs:[control]", relative to the mount.
 * It must not start with '/': CRIU takes such a link for a plain file it
 * may reopen by path, which would give back an endpoint file that never
 * said HELLO; any other link it hands to a plugin. Names never change (no
 * rename), and the parent is pinned by the child, so no lock is needed.
 */
static char *kdbus_node_dname(struct dentry *dentry, char *buf, int buflen)
{
	const struct qstr *dir = &dentry->d_parent->d_name;
	const struct qstr *name = &dentry->d_name;
	bool top = IS_ROOT(dentry->d_parent);
	int len = sizeof("kdbusfs:[]") + name->len + (top ? 0 : dir->len + 1);
	char *p;

	if (len > buflen)
		return ERR_PTR(-ENAMETOOLONG);
	p = buf + buflen - len;
	buf = p;
	memcpy(p, "kdbusfs:[", 9);
	p += 9;
	if (!top) {
		memcpy(p, dir->name, dir->len);
		p += dir->len;
		*p++ = '/';
	}
	memcpy(p, name->name, name->len);
	p += name->len;
	memcpy(p, "]", 2);
	return buf;
}

static const struct dentry_operations kdbus_node_file_dops = {
	.d_delete	= always_delete_dentry,
	.d_dname	= kdbus_node_dname,
};

/**
 * __kdbus_node_init() - initialize a node embedded in a new object
 * @node:	node to initialize
 * @type:	type of the embedding object
 * @free_cb:	called to free the object when the last reference goes
 * @name:	lockdep class name of its active references
 * @key:	lockdep class key; use kdbus_node_init()
 */
void __kdbus_node_init(struct kdbus_node *node, enum kdbus_node_type type,
		       void (*free_cb)(struct kdbus_node *node),
		       const char *name, struct lock_class_key *key)
{
	kref_init(&node->kref);
	__kdbus_active_init(&node->active, name, key);
	init_waitqueue_head(&node->waitq);
	node->type = type;
	node->dentry = NULL;
	node->free_cb = free_cb;
}

/**
 * kdbus_node_ref() - take a memory reference
 * @node:	node to reference, may be NULL
 *
 * Return: @node
 */
struct kdbus_node *kdbus_node_ref(struct kdbus_node *node)
{
	if (node)
		kref_get(&node->kref);
	return node;
}

static void kdbus_node_free(struct kref *kref)
{
	struct kdbus_node *node = container_of(kref, struct kdbus_node, kref);

	WARN_ON(node->dentry);
	node->free_cb(node);
}

/**
 * kdbus_node_unref() - drop a memory reference
 * @node:	node to unreference, may be NULL
 */
void kdbus_node_unref(struct kdbus_node *node)
{
	if (node)
		kref_put(&node->kref, kdbus_node_free);
}

/**
 * kdbus_node_deactivate() - deactivate a node and wait for its users
 * @node:	node to deactivate
 *
 * After this returns no operation runs on the node any more and none can
 * start; calling it again is harmless.
 */
void kdbus_node_deactivate(struct kdbus_node *node)
{
	kdbus_active_deactivate(&node->active);
	kdbus_active_drain(&node->active, &node->waitq);
}

/**
 * kdbus_node_new_inode() - allocate an inode that stands for a node
 * @sb:		kdbusfs super block
 * @node:	node the inode refers to; the inode takes a reference
 * @mode:	S_IFDIR or S_IFREG with permission bits
 * @uid:	owner
 * @gid:	group
 *
 * Return: the new inode, or ERR_PTR(-ENOMEM).
 */
struct inode *kdbus_node_new_inode(struct super_block *sb,
				   struct kdbus_node *node, umode_t mode,
				   kuid_t uid, kgid_t gid)
{
	struct kdbus_domain *domain = sb->s_fs_info;
	struct inode *inode;

	inode = new_inode(sb);
	if (!inode)
		return ERR_PTR(-ENOMEM);

	/* Numbered per domain, so two mounts never share inode numbers. */
	inode->i_ino = atomic_long_inc_return(&domain->last_ino);
	inode->i_mode = mode;
	inode->i_uid = uid;
	inode->i_gid = gid;
	simple_inode_init_ts(inode);
	inode->i_private = kdbus_node_ref(node);

	if (S_ISDIR(mode)) {
		inode->i_op = &kdbus_node_dir_iops;
		inode->i_fop = &kdbus_node_dir_ops;
		inc_nlink(inode);
	} else {
		inode->i_op = &kdbus_node_file_iops;
		/* the mount's: files are opened a layer above the nodes */
		inode->i_fop = domain->file_ops;
	}
	return inode;
}

/**
 * kdbus_node_link() - make a node visible as a file in a directory
 * @node:	node to link; must not be linked yet
 * @parent:	directory dentry to link into
 * @name:	file name, already validated
 * @mode:	S_IFDIR or S_IFREG with permission bits
 * @uid:	owner
 * @gid:	group
 *
 * The name is looked up in the dcache directly, without a permission check:
 * whether the caller may create it was decided from the credentials of the
 * file the request came through, not from the calling task.
 *
 * Return: 0 on success, -EEXIST if the name is taken, -ESHUTDOWN if the
 * directory is being removed, -ENOMEM.
 */
int kdbus_node_link(struct kdbus_node *node, struct dentry *parent,
		    const char *name, umode_t mode, kuid_t uid, kgid_t gid)
{
	struct kdbus_domain *domain = parent->d_sb->s_fs_info;
	struct inode *dir = d_inode(parent);
	struct qstr qname = QSTR_INIT(name, strlen(name));
	struct dentry *dentry;
	struct inode *inode;
	int ret = 0;

	inode = kdbus_node_new_inode(parent->d_sb, node, mode, uid, gid);
	if (IS_ERR(inode))
		return PTR_ERR(inode);

	mutex_lock(&domain->node_lock);
	inode_lock(dir);

	if (IS_DEADDIR(dir)) {
		ret = -ESHUTDOWN;
		goto exit;
	}

	dentry = d_hash_and_lookup(parent, &qname);
	if (IS_ERR(dentry)) {
		ret = PTR_ERR(dentry);
		goto exit;
	}
	if (dentry && d_really_is_positive(dentry)) {
		dput(dentry);
		ret = -EEXIST;
		goto exit;
	}

	/*
	 * A negative dentry left by a lookup carries simple_lookup()'s
	 * operations; a file needs its own name, so it gets a fresh dentry.
	 */
	if (dentry && !S_ISDIR(mode)) {
		d_drop(dentry);
		dput(dentry);
		dentry = NULL;
	}

	/* The reference returned by the lookup or d_alloc is the pin. */
	if (dentry) {
		d_instantiate(dentry, inode);
	} else {
		dentry = d_alloc(parent, &qname);
		if (!dentry) {
			ret = -ENOMEM;
			goto exit;
		}
		if (!S_ISDIR(mode))
			d_set_d_op(dentry, &kdbus_node_file_dops);
		d_add(dentry, inode);
	}
	inode = NULL;
	node->dentry = dentry;

	if (S_ISDIR(mode)) {
		inc_nlink(dir);
		fsnotify_mkdir(dir, dentry);
	} else {
		fsnotify_create(dir, dentry);
	}

exit:
	inode_unlock(dir);
	mutex_unlock(&domain->node_lock);
	iput(inode);
	return ret;
}

static void kdbus_node_unlinked(struct dentry *dentry)
{
	kdbus_node_from_inode(d_inode(dentry))->dentry = NULL;
}

/**
 * kdbus_node_unlink() - remove a node's file, and everything below it
 * @domain:	domain the node lives in
 * @node:	node to unlink; nothing happens if it is not linked
 *
 * Open files stay open; they fail once their nodes are deactivated.
 */
void kdbus_node_unlink(struct kdbus_domain *domain, struct kdbus_node *node)
{
	mutex_lock(&domain->node_lock);
	if (node->dentry)
		simple_recursive_removal(node->dentry, kdbus_node_unlinked);
	mutex_unlock(&domain->node_lock);
}

/**
 * kdbus_node_evict_inode() - drop an inode's reference on its node
 * @inode:	inode being evicted
 */
void kdbus_node_evict_inode(struct inode *inode)
{
	clear_inode(inode);
	kdbus_node_unref(kdbus_node_from_inode(inode));
	inode->i_private = NULL;
}
