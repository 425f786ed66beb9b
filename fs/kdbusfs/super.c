// SPDX-License-Identifier: GPL-2.0
/*
 * kdbusfs: super block, mount options and module entry points.
 */

#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/init.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/user_namespace.h>

#include "bus.h"
#include "domain.h"
#include "handle.h"
#include "limits.h"
#include "node.h"
#include "pool.h"
#include "super.h"

#define KDBUSFS_DEFAULT_MODE	0755

enum kdbusfs_param {
	KDBUSFS_OPT_MODE,
	KDBUSFS_OPT_UID,
	KDBUSFS_OPT_GID,
	KDBUSFS_OPT_MAX_BUSES,
	KDBUSFS_OPT_MAX_CONNECTIONS,
};

static const struct fs_parameter_spec kdbusfs_fs_parameters[] = {
	fsparam_u32oct("mode",		KDBUSFS_OPT_MODE),
	fsparam_u32("uid",		KDBUSFS_OPT_UID),
	fsparam_u32("gid",		KDBUSFS_OPT_GID),
	fsparam_u32("max_buses",	KDBUSFS_OPT_MAX_BUSES),
	fsparam_u32("max_connections",	KDBUSFS_OPT_MAX_CONNECTIONS),
	{}
};

/**
 * struct kdbusfs_mount_opts - mount options
 * @mode:		permission bits of the root directory
 * @uid:		owner of the root directory and "control"
 * @gid:		group of the root directory and "control"
 * @max_buses:		buses per user
 * @max_connections:	connections per user
 */
struct kdbusfs_mount_opts {
	umode_t mode;
	kuid_t uid;
	kgid_t gid;
	unsigned int max_buses;
	unsigned int max_connections;
};

/**
 * struct kdbusfs_fs_context - options being parsed
 * @opts:	values given
 * @set:	bit (1 << KDBUSFS_OPT_*) for each option given, so that a remount
 *		changes only what it names
 */
struct kdbusfs_fs_context {
	struct kdbusfs_mount_opts opts;
	unsigned int set;
};

static int kdbusfs_parse_param(struct fs_context *fc,
			       struct fs_parameter *param)
{
	struct kdbusfs_fs_context *ctx = fc->fs_private;
	struct fs_parse_result result;
	int opt;

	opt = fs_parse(fc, kdbusfs_fs_parameters, param, &result);
	if (opt < 0)
		return opt;

	/* ids are read in the user namespace the mount is made for */
	switch (opt) {
	case KDBUSFS_OPT_MODE:
		if (result.uint_32 & ~S_IALLUGO)
			return invalfc(fc, "Bad mode '%s'", param->string);
		ctx->opts.mode = result.uint_32;
		break;
	case KDBUSFS_OPT_UID:
		ctx->opts.uid = make_kuid(fc->user_ns, result.uint_32);
		if (!uid_valid(ctx->opts.uid))
			return invalfc(fc, "Unmapped uid '%s'", param->string);
		break;
	case KDBUSFS_OPT_GID:
		ctx->opts.gid = make_kgid(fc->user_ns, result.uint_32);
		if (!gid_valid(ctx->opts.gid))
			return invalfc(fc, "Unmapped gid '%s'", param->string);
		break;
	case KDBUSFS_OPT_MAX_BUSES:
		if (!result.uint_32 ||
		    result.uint_32 > KDBUS_USER_MAX_BUSES_HARD)
			return invalfc(fc, "max_buses must be 1..%u",
				       KDBUS_USER_MAX_BUSES_HARD);
		ctx->opts.max_buses = result.uint_32;
		break;
	case KDBUSFS_OPT_MAX_CONNECTIONS:
		if (!result.uint_32 ||
		    result.uint_32 > KDBUS_USER_MAX_CONN_HARD)
			return invalfc(fc, "max_connections must be 1..%u",
				       KDBUS_USER_MAX_CONN_HARD);
		ctx->opts.max_connections = result.uint_32;
		break;
	default:
		return invalfc(fc, "Unsupported parameter '%s'", param->key);
	}

	ctx->set |= 1U << opt;
	return 0;
}

static void kdbusfs_apply_root(struct inode *inode,
			       const struct kdbusfs_fs_context *ctx)
{
	if (ctx->set & (1U << KDBUSFS_OPT_MODE))
		inode->i_mode = (inode->i_mode & S_IFMT) | ctx->opts.mode;
	if (ctx->set & (1U << KDBUSFS_OPT_UID))
		inode->i_uid = ctx->opts.uid;
	if (ctx->set & (1U << KDBUSFS_OPT_GID))
		inode->i_gid = ctx->opts.gid;
}

static void kdbusfs_apply(struct super_block *sb,
			  const struct kdbusfs_fs_context *ctx)
{
	struct kdbus_domain *domain = sb->s_fs_info;
	struct inode *root = d_inode(sb->s_root);
	struct inode *control = d_inode(domain->node.dentry);

	inode_lock(root);
	kdbusfs_apply_root(root, ctx);
	inode_unlock(root);

	/* "control" stays mode 0666; it follows the root's owner */
	inode_lock(control);
	if (ctx->set & (1U << KDBUSFS_OPT_UID))
		control->i_uid = ctx->opts.uid;
	if (ctx->set & (1U << KDBUSFS_OPT_GID))
		control->i_gid = ctx->opts.gid;
	inode_unlock(control);

	if (ctx->set & (1U << KDBUSFS_OPT_MAX_BUSES))
		WRITE_ONCE(domain->max_buses, ctx->opts.max_buses);
	if (ctx->set & (1U << KDBUSFS_OPT_MAX_CONNECTIONS))
		WRITE_ONCE(domain->max_connections,
			   ctx->opts.max_connections);
}

static int kdbusfs_show_options(struct seq_file *seq, struct dentry *root)
{
	struct kdbus_domain *domain = root->d_sb->s_fs_info;
	struct inode *inode = d_inode(root);
	struct user_namespace *ns = domain->user_ns;
	unsigned int n;

	if ((inode->i_mode & S_IALLUGO) != KDBUSFS_DEFAULT_MODE)
		seq_printf(seq, ",mode=%o", inode->i_mode & S_IALLUGO);
	if (!uid_eq(inode->i_uid, make_kuid(ns, 0)))
		seq_printf(seq, ",uid=%u", from_kuid_munged(ns, inode->i_uid));
	if (!gid_eq(inode->i_gid, make_kgid(ns, 0)))
		seq_printf(seq, ",gid=%u", from_kgid_munged(ns, inode->i_gid));
	n = READ_ONCE(domain->max_buses);
	if (n != KDBUS_USER_MAX_BUSES)
		seq_printf(seq, ",max_buses=%u", n);
	n = READ_ONCE(domain->max_connections);
	if (n != KDBUS_USER_MAX_CONN)
		seq_printf(seq, ",max_connections=%u", n);
	return 0;
}

static void kdbusfs_evict_inode(struct inode *inode)
{
	kdbus_node_evict_inode(inode);
}

static const struct super_operations kdbusfs_super_ops = {
	.statfs		= simple_statfs,
	.drop_inode	= generic_delete_inode,
	.evict_inode	= kdbusfs_evict_inode,
	.show_options	= kdbusfs_show_options,
};

static int kdbusfs_fill_super(struct super_block *sb, struct fs_context *fc)
{
	struct kdbusfs_fs_context *ctx = fc->fs_private;
	struct kdbus_domain *domain;
	struct inode *inode;
	kuid_t uid;
	kgid_t gid;
	int ret;

	sb->s_blocksize = PAGE_SIZE;
	sb->s_blocksize_bits = PAGE_SHIFT;
	sb->s_magic = KDBUSFS_SUPER_MAGIC;
	sb->s_op = &kdbusfs_super_ops;
	sb->s_time_gran = 1;
	/*
	 * kdbusfs has no device nodes and nothing to execute; say so for
	 * every mount, not only those made inside a user namespace.
	 */
	sb->s_iflags |= SB_I_NODEV | SB_I_NOEXEC;

	domain = kdbus_domain_new(sb->s_user_ns, fc->cred->euid);
	if (IS_ERR(domain))
		return PTR_ERR(domain);
	sb->s_fs_info = domain;
	domain->file_ops = &kdbus_handle_ops;

	/* root of the mounter's namespace, or global root if unmapped */
	uid = make_kuid(sb->s_user_ns, 0);
	gid = make_kgid(sb->s_user_ns, 0);
	if (!uid_valid(uid))
		uid = GLOBAL_ROOT_UID;
	if (!gid_valid(gid))
		gid = GLOBAL_ROOT_GID;

	inode = kdbus_node_new_inode(sb, &domain->node,
				     S_IFDIR | KDBUSFS_DEFAULT_MODE, uid, gid);
	if (IS_ERR(inode))
		return PTR_ERR(inode);

	sb->s_root = d_make_root(inode);
	if (!sb->s_root)
		return -ENOMEM;

	ret = kdbus_node_link(&domain->node, sb->s_root, "control",
			      S_IFREG | 0666, d_inode(sb->s_root)->i_uid,
			      d_inode(sb->s_root)->i_gid);
	if (ret < 0)
		return ret;

	kdbusfs_apply(sb, ctx);
	return 0;
}

static int kdbusfs_get_tree(struct fs_context *fc)
{
	return get_tree_nodev(fc, kdbusfs_fill_super);
}

static int kdbusfs_reconfigure(struct fs_context *fc)
{
	kdbusfs_apply(fc->root->d_sb, fc->fs_private);
	return 0;
}

static void kdbusfs_free_fc(struct fs_context *fc)
{
	kfree(fc->fs_private);
}

static const struct fs_context_operations kdbusfs_context_ops = {
	.free		= kdbusfs_free_fc,
	.parse_param	= kdbusfs_parse_param,
	.get_tree	= kdbusfs_get_tree,
	.reconfigure	= kdbusfs_reconfigure,
};

static int kdbusfs_init_fs_context(struct fs_context *fc)
{
	struct kdbusfs_fs_context *ctx;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;

	ctx->opts.mode = KDBUSFS_DEFAULT_MODE;
	ctx->opts.max_buses = KDBUS_USER_MAX_BUSES;
	ctx->opts.max_connections = KDBUS_USER_MAX_CONN;
	fc->fs_private = ctx;
	fc->ops = &kdbusfs_context_ops;
	return 0;
}

static void kdbusfs_kill_sb(struct super_block *sb)
{
	struct kdbus_domain *domain = sb->s_fs_info;

	/*
	 * Open files pin the mount, so every bus is gone by now; what is
	 * left in the dcache are the pinned root entries.
	 */
	if (domain)
		kdbus_node_deactivate(&domain->node);
	kill_litter_super(sb);
	if (domain) {
		domain->node.dentry = NULL;
		kdbus_domain_unref(domain);
	}
}

static struct file_system_type kdbusfs_type = {
	.owner			= THIS_MODULE,
	.name			= "kdbusfs",
	.init_fs_context	= kdbusfs_init_fs_context,
	.parameters		= kdbusfs_fs_parameters,
	.kill_sb		= kdbusfs_kill_sb,
	.fs_flags		= FS_USERNS_MOUNT,
};

static int __init kdbusfs_init(void)
{
	int ret;

	/* where kdbus was mounted traditionally */
	ret = sysfs_create_mount_point(fs_kobj, "kdbus");
	if (ret)
		return ret;

	ret = kdbus_pool_init();
	if (ret)
		goto exit_mount_point;
	ret = kdbus_bus_init();
	if (ret)
		goto exit_pool;
	ret = register_filesystem(&kdbusfs_type);
	if (ret)
		goto exit_bus;
	return 0;

exit_bus:
	kdbus_bus_exit();
exit_pool:
	kdbus_pool_exit();
exit_mount_point:
	sysfs_remove_mount_point(fs_kobj, "kdbus");
	return ret;
}

static void __exit kdbusfs_exit(void)
{
	unregister_filesystem(&kdbusfs_type);
	kdbus_bus_exit();
	kdbus_pool_exit();
	sysfs_remove_mount_point(fs_kobj, "kdbus");
	/* connections are freed by RCU callbacks, which live in this module */
	rcu_barrier();
}

module_init(kdbusfs_init);
module_exit(kdbusfs_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kdbus IPC as a file system, one bus domain per mount");
MODULE_ALIAS_FS("kdbusfs");
