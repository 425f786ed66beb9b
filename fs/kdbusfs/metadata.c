// SPDX-License-Identifier: GPL-2.0
/*
 * Metadata: collection at send (or HELLO, or BUS_MAKE), translation for
 * the reader.
 */

#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/kdbus.h>
#include <linux/kref.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/nsproxy.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>
#include <linux/uio.h>
#include <linux/user_namespace.h>

#include "item.h"
#include "metadata.h"
#include "pool.h"

/* upstream's cap on KDBUS_ITEM_CMDLINE */
#define KDBUS_META_CMDLINE_MAX	PAGE_SIZE
#define KDBUS_META_CAP_WORDS	2	/* 32-bit words per capability set */

unsigned long long kdbus_meta_attach_mask = _KDBUS_ATTACH_ALL;
module_param_named(attach_flags_mask, kdbus_meta_attach_mask, ullong, 0644);
MODULE_PARM_DESC(attach_flags_mask,
		 "KDBUS_ATTACH_* items the kernel may attach at all");

/**
 * struct kdbus_meta_proc - task facts of one task at one moment
 * @kref:	shared by the receivers of a message
 * @mask:	KDBUS_ATTACH_* facts collected
 * @pid:	thread group of the task
 * @tid:	the task
 * @ppid:	thread group of its parent
 * @tid_comm:	comm of the task
 * @pid_comm:	comm of its thread group leader
 * @exe:	its executable, valid with KDBUS_ATTACH_EXE
 * @cmdline:	its arguments, NUL-separated and NUL-terminated
 * @cmdline_len: bytes in @cmdline
 * @cgroup:	its cgroup on the default hierarchy
 * @loginuid:	audit login uid
 * @sessionid:	audit session id
 */
struct kdbus_meta_proc {
	struct kref kref;
	u64 mask;
	struct pid *pid;
	struct pid *tid;
	struct pid *ppid;
	char tid_comm[TASK_COMM_LEN];
	char pid_comm[TASK_COMM_LEN];
	struct path exe;
	char *cmdline;
	size_t cmdline_len;
	struct cgroup *cgroup;
	kuid_t loginuid;
	unsigned int sessionid;
};

/*
 * The opener's security label. Modules label tasks, not credentials
 * (AppArmor has no cred_getsecid), so it is read from the task that opens.
 */
static char *kdbus_meta_seclabel(void)
{
	char *ctx, *label;
	u32 secid = 0, len;

	security_current_getsecid_subj(&secid);
	if (!secid || security_secid_to_secctx(secid, &ctx, &len))
		return NULL;
	label = kstrndup(ctx, len, GFP_KERNEL_ACCOUNT);
	security_release_secctx(ctx, len);
	return label;
}

/**
 * kdbus_meta_view_init() - pin the calling task's view, at open()
 * @view:	view to fill
 * @cred:	the opener's credentials (the file's f_cred)
 *
 * Return: 0, or -ESRCH if the task is exiting.
 */
int kdbus_meta_view_init(struct kdbus_meta_view *view,
			 const struct cred *cred)
{
	struct nsproxy *ns = current->nsproxy;

	if (!ns || !current->fs)
		return -ESRCH;
	view->user_ns = get_user_ns(cred->user_ns);
	view->pid_ns = get_pid_ns(task_active_pid_ns(current));
	view->cgroup_ns = ns->cgroup_ns;
	get_cgroup_ns(view->cgroup_ns);
	get_fs_root(current->fs, &view->root);
	view->seclabel = kdbus_meta_seclabel();
	return 0;
}

/**
 * kdbus_meta_view_copy() - take references on another view's namespaces
 * @dst:	view to fill; its @seclabel stays NULL
 * @src:	pinned view
 */
void kdbus_meta_view_copy(struct kdbus_meta_view *dst,
			  const struct kdbus_meta_view *src)
{
	dst->user_ns = get_user_ns(src->user_ns);
	dst->pid_ns = get_pid_ns(src->pid_ns);
	dst->cgroup_ns = src->cgroup_ns;
	get_cgroup_ns(dst->cgroup_ns);
	dst->root = src->root;
	path_get(&dst->root);
}

/**
 * kdbus_meta_view_clear() - drop the references of a view
 * @view:	view, may be all zero
 */
void kdbus_meta_view_clear(struct kdbus_meta_view *view)
{
	if (view->user_ns)
		put_user_ns(view->user_ns);
	if (view->pid_ns)
		put_pid_ns(view->pid_ns);
	put_cgroup_ns(view->cgroup_ns);
	if (view->root.mnt)
		path_put(&view->root);
	kfree(view->seclabel);
	memset(view, 0, sizeof(*view));
}

static int kdbus_meta_proc_cmdline(struct kdbus_meta_proc *mp)
{
	struct mm_struct *mm = current->mm;
	unsigned long start, end;
	size_t len;

	spin_lock(&mm->arg_lock);
	start = mm->arg_start;
	end = mm->arg_end;
	spin_unlock(&mm->arg_lock);
	if (end <= start)
		return 0;

	len = min_t(size_t, end - start, KDBUS_META_CMDLINE_MAX);
	mp->cmdline = kmalloc(len, GFP_KERNEL_ACCOUNT);
	if (!mp->cmdline)
		return -ENOMEM;
	/* the sender's own memory: it is the current task */
	if (copy_from_user(mp->cmdline, (void __user *)start, len)) {
		kfree(mp->cmdline);
		mp->cmdline = NULL;
		return 0;
	}
	mp->cmdline[len - 1] = '\0';
	mp->cmdline_len = len;
	mp->mask |= KDBUS_ATTACH_CMDLINE;
	return 0;
}

static void kdbus_meta_proc_exe(struct kdbus_meta_proc *mp)
{
	struct mm_struct *mm = current->mm;
	struct file *exe;

	rcu_read_lock();
	exe = get_file_rcu(&mm->exe_file);
	rcu_read_unlock();
	if (!exe)
		return;
	mp->exe = exe->f_path;
	path_get(&mp->exe);
	fput(exe);
	mp->mask |= KDBUS_ATTACH_EXE;
}

/**
 * kdbus_meta_proc_new() - collect task facts of the calling task
 * @what:	KDBUS_ATTACH_* facts wanted; others are ignored
 *
 * Return: the facts (a fact the task does not have is left out), NULL if
 * none were wanted, or ERR_PTR(-ENOMEM).
 */
struct kdbus_meta_proc *kdbus_meta_proc_new(u64 what)
{
	struct kdbus_meta_proc *mp;
	int ret;

	what &= KDBUS_ATTACH_PIDS | KDBUS_ATTACH_TID_COMM |
		KDBUS_ATTACH_PID_COMM | KDBUS_ATTACH_EXE |
		KDBUS_ATTACH_CMDLINE | KDBUS_ATTACH_CGROUP |
		KDBUS_ATTACH_AUDIT;
	if (!what)
		return NULL;

	mp = kzalloc(sizeof(*mp), GFP_KERNEL_ACCOUNT);
	if (!mp)
		return ERR_PTR(-ENOMEM);
	kref_init(&mp->kref);

	if (what & KDBUS_ATTACH_PIDS) {
		mp->tid = get_task_pid(current, PIDTYPE_PID);
		mp->pid = get_task_pid(current, PIDTYPE_TGID);
		rcu_read_lock();
		mp->ppid = get_pid(task_tgid(rcu_dereference(current->real_parent)));
		rcu_read_unlock();
		mp->mask |= KDBUS_ATTACH_PIDS;
	}
	if (what & KDBUS_ATTACH_TID_COMM) {
		get_task_comm(mp->tid_comm, current);
		mp->mask |= KDBUS_ATTACH_TID_COMM;
	}
	if (what & KDBUS_ATTACH_PID_COMM) {
		get_task_comm(mp->pid_comm, current->group_leader);
		mp->mask |= KDBUS_ATTACH_PID_COMM;
	}
	if ((what & KDBUS_ATTACH_EXE) && current->mm)
		kdbus_meta_proc_exe(mp);
	if ((what & KDBUS_ATTACH_CMDLINE) && current->mm) {
		ret = kdbus_meta_proc_cmdline(mp);
		if (ret < 0) {
			kdbus_meta_proc_unref(mp);
			return ERR_PTR(ret);
		}
	}
	if (what & KDBUS_ATTACH_CGROUP) {
		rcu_read_lock();
		mp->cgroup = task_dfl_cgroup(current);
		cgroup_get(mp->cgroup);
		rcu_read_unlock();
		mp->mask |= KDBUS_ATTACH_CGROUP;
	}
	if (what & KDBUS_ATTACH_AUDIT) {
		mp->loginuid = audit_get_loginuid(current);
		mp->sessionid = audit_get_sessionid(current);
		mp->mask |= KDBUS_ATTACH_AUDIT;
	}
	return mp;
}

/**
 * kdbus_meta_proc_fake() - task facts a proxy presents for its client
 * @pids:	pid, tid and ppid as numbers, 0 for "not given"
 * @ns:		PID namespace they are read in (the proxy's, pinned at open)
 *
 * Only KDBUS_ATTACH_PIDS: the proxy cannot vouch for the rest.
 *
 * Return: the facts, or ERR_PTR(-EINVAL) if a number names no process in
 * @ns, or ERR_PTR(-ENOMEM).
 */
struct kdbus_meta_proc *kdbus_meta_proc_fake(const struct kdbus_pids *pids,
					     struct pid_namespace *ns)
{
	struct kdbus_meta_proc *mp;

	if (pids->pid > INT_MAX || pids->tid > INT_MAX || pids->ppid > INT_MAX)
		return ERR_PTR(-EINVAL);
	mp = kzalloc(sizeof(*mp), GFP_KERNEL_ACCOUNT);
	if (!mp)
		return ERR_PTR(-ENOMEM);
	kref_init(&mp->kref);
	mp->mask = KDBUS_ATTACH_PIDS;
	rcu_read_lock();
	mp->pid = pids->pid ? get_pid(find_pid_ns(pids->pid, ns)) : NULL;
	mp->tid = pids->tid ? get_pid(find_pid_ns(pids->tid, ns)) : NULL;
	mp->ppid = pids->ppid ? get_pid(find_pid_ns(pids->ppid, ns)) : NULL;
	rcu_read_unlock();
	if ((pids->pid && !mp->pid) || (pids->tid && !mp->tid) ||
	    (pids->ppid && !mp->ppid)) {
		kdbus_meta_proc_unref(mp);
		return ERR_PTR(-EINVAL);
	}
	return mp;
}

/**
 * kdbus_meta_creds_import() - read the ids of a KDBUS_ITEM_CREDS
 * @out:	set to the kernel's ids
 * @in:		the item's payload; (uid_t)-1 for "not given"
 * @ns:		user namespace they are read in (the proxy's, pinned at open)
 *
 * Return: 0, or -EINVAL if an id that is given has no mapping in @ns.
 */
int kdbus_meta_creds_import(struct kdbus_meta_creds *out,
			    const struct kdbus_creds *in,
			    struct user_namespace *ns)
{
	static const u64 unset = (uid_t)-1;

	if (in->uid > unset || in->euid > unset || in->suid > unset ||
	    in->fsuid > unset || in->gid > unset || in->egid > unset ||
	    in->sgid > unset || in->fsgid > unset)
		return -EINVAL;
	out->uid = make_kuid(ns, in->uid);
	out->euid = make_kuid(ns, in->euid);
	out->suid = make_kuid(ns, in->suid);
	out->fsuid = make_kuid(ns, in->fsuid);
	out->gid = make_kgid(ns, in->gid);
	out->egid = make_kgid(ns, in->egid);
	out->sgid = make_kgid(ns, in->sgid);
	out->fsgid = make_kgid(ns, in->fsgid);
	if ((in->uid != unset && !uid_valid(out->uid)) ||
	    (in->euid != unset && !uid_valid(out->euid)) ||
	    (in->suid != unset && !uid_valid(out->suid)) ||
	    (in->fsuid != unset && !uid_valid(out->fsuid)) ||
	    (in->gid != unset && !gid_valid(out->gid)) ||
	    (in->egid != unset && !gid_valid(out->egid)) ||
	    (in->sgid != unset && !gid_valid(out->sgid)) ||
	    (in->fsgid != unset && !gid_valid(out->fsgid)))
		return -EINVAL;
	return 0;
}

/**
 * kdbus_meta_proc_ref() - take a reference on task facts
 * @mp:		facts, may be NULL
 *
 * Return: @mp
 */
struct kdbus_meta_proc *kdbus_meta_proc_ref(struct kdbus_meta_proc *mp)
{
	if (mp)
		kref_get(&mp->kref);
	return mp;
}

static void kdbus_meta_proc_free(struct kref *kref)
{
	struct kdbus_meta_proc *mp =
		container_of(kref, struct kdbus_meta_proc, kref);

	put_pid(mp->pid);
	put_pid(mp->tid);
	put_pid(mp->ppid);
	if (mp->mask & KDBUS_ATTACH_EXE)
		path_put(&mp->exe);
	if (mp->cgroup)
		cgroup_put(mp->cgroup);
	kfree(mp->cmdline);
	kfree(mp);
}

/**
 * kdbus_meta_proc_unref() - drop a reference on task facts
 * @mp:		facts, may be NULL or an error pointer
 */
void kdbus_meta_proc_unref(struct kdbus_meta_proc *mp)
{
	if (!IS_ERR_OR_NULL(mp))
		kref_put(&mp->kref, kdbus_meta_proc_free);
}

/*
 * The executable as the reader sees it: the path below the reader's root,
 * or "" if it is not below it. d_path() renders from the current (sending)
 * task's root, so the reader's root is rendered the same way and cut off.
 */
static char *kdbus_meta_render_exe(const struct path *exe,
				   const struct kdbus_meta_view *reader)
{
	char *buf, *p, *root, *out = NULL;
	size_t rlen;

	if (!path_is_under((struct path *)exe, &reader->root))
		return kstrdup("", GFP_KERNEL_ACCOUNT);

	buf = kmalloc(2 * PATH_MAX, GFP_KERNEL);
	if (!buf)
		return NULL;
	p = d_path(exe, buf, PATH_MAX);
	root = d_path(&reader->root, buf + PATH_MAX, PATH_MAX);
	if (IS_ERR(p) || IS_ERR(root) || *p != '/' || *root != '/') {
		out = kstrdup("", GFP_KERNEL_ACCOUNT);
		goto exit;
	}
	rlen = strcmp(root, "/") ? strlen(root) : 0;
	if (strncmp(p, root, rlen) || (p[rlen] && p[rlen] != '/'))
		out = kstrdup("", GFP_KERNEL_ACCOUNT);
	else
		out = kstrdup(p[rlen] ? p + rlen : "/", GFP_KERNEL_ACCOUNT);
exit:
	kfree(buf);
	return out;
}

/* The cgroup relative to the reader's cgroup namespace, or "" if outside. */
static char *kdbus_meta_render_cgroup(struct cgroup *cgrp,
				      const struct kdbus_meta_view *reader)
{
	char *buf, *out;
	int len;

	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!buf)
		return NULL;
	len = cgroup_path_ns(cgrp, buf, PATH_MAX, reader->cgroup_ns);
	if (len < 0 || len >= PATH_MAX || !strncmp(buf, "/..", 3))
		out = kstrdup("", GFP_KERNEL_ACCOUNT);
	else
		out = kstrdup(buf, GFP_KERNEL_ACCOUNT);
	kfree(buf);
	return out;
}

static size_t kdbus_meta_str_size(const char *s)
{
	return KDBUS_ITEM_SIZE(strlen(s) + 1);
}

/**
 * kdbus_meta_new() - reserve metadata for one reader
 * @ident:	identity of the sender (or described connection or bus)
 * @proc:	its task facts, may be NULL
 * @mask:	KDBUS_ATTACH_* items the reader asked for and the sender allows
 * @seqnum:	sequence number for KDBUS_ITEM_TIMESTAMP
 * @reader:	namespaces paths are rendered for
 *
 * Paths are rendered now, in the sender's context; numbers are translated
 * by kdbus_meta_write(). Items the sender does not have (no security label,
 * no description, no executable) are left out.
 *
 * Return: the metadata, NULL if there is none, or ERR_PTR(-ENOMEM).
 */
struct kdbus_meta *kdbus_meta_new(const struct kdbus_meta_ident *ident,
				  struct kdbus_meta_proc *proc, u64 mask,
				  u64 seqnum,
				  const struct kdbus_meta_view *reader)
{
	struct kdbus_meta *meta;
	u64 facts = proc ? proc->mask : 0;

	mask &= kdbus_meta_attach_mask;
	/* task facts the task had */
	mask &= ~(KDBUS_ATTACH_PIDS | KDBUS_ATTACH_TID_COMM |
		  KDBUS_ATTACH_PID_COMM | KDBUS_ATTACH_EXE |
		  KDBUS_ATTACH_CMDLINE | KDBUS_ATTACH_CGROUP |
		  KDBUS_ATTACH_AUDIT) | facts;
	if (!ident->seclabel)
		mask &= ~KDBUS_ATTACH_SECLABEL;
	if (!ident->description)
		mask &= ~KDBUS_ATTACH_CONN_DESCRIPTION;
	if (!ident->names_size)
		mask &= ~KDBUS_ATTACH_NAMES;
	if (!mask)
		return NULL;

	meta = kzalloc(sizeof(*meta), GFP_KERNEL_ACCOUNT);
	if (!meta)
		return ERR_PTR(-ENOMEM);
	meta->mask = mask;
	meta->cred = get_cred(ident->cred);
	if (ident->creds) {
		meta->creds = *ident->creds;
	} else {
		meta->creds.uid = ident->cred->uid;
		meta->creds.euid = ident->cred->euid;
		meta->creds.suid = ident->cred->suid;
		meta->creds.fsuid = ident->cred->fsuid;
		meta->creds.gid = ident->cred->gid;
		meta->creds.egid = ident->cred->egid;
		meta->creds.sgid = ident->cred->sgid;
		meta->creds.fsgid = ident->cred->fsgid;
	}
	meta->proc = kdbus_meta_proc_ref(proc);

	if (mask & KDBUS_ATTACH_TIMESTAMP) {
		meta->seqnum = seqnum;
		meta->mono_ns = ktime_get_ns();
		meta->real_ns = ktime_get_real_ns();
		meta->size += KDBUS_ITEM_SIZE(sizeof(struct kdbus_timestamp));
	}
	if (mask & KDBUS_ATTACH_CREDS)
		meta->size += KDBUS_ITEM_SIZE(sizeof(struct kdbus_creds));
	if (mask & KDBUS_ATTACH_PIDS)
		meta->size += KDBUS_ITEM_SIZE(sizeof(struct kdbus_pids));
	if (mask & KDBUS_ATTACH_AUXGROUPS) {
		meta->n_groups = ident->cred->group_info->ngroups;
		meta->size += KDBUS_ITEM_SIZE(meta->n_groups * sizeof(u64));
	}
	if (mask & KDBUS_ATTACH_NAMES) {
		meta->names = kmemdup(ident->names, ident->names_size,
				      GFP_KERNEL_ACCOUNT);
		if (!meta->names)
			goto error;
		meta->names_size = ident->names_size;
		meta->size += meta->names_size;
	}
	if (mask & KDBUS_ATTACH_TID_COMM)
		meta->size += kdbus_meta_str_size(proc->tid_comm);
	if (mask & KDBUS_ATTACH_PID_COMM)
		meta->size += kdbus_meta_str_size(proc->pid_comm);
	if (mask & KDBUS_ATTACH_EXE) {
		meta->exe = kdbus_meta_render_exe(&proc->exe, reader);
		if (!meta->exe)
			goto error;
		meta->size += kdbus_meta_str_size(meta->exe);
	}
	if (mask & KDBUS_ATTACH_CMDLINE)
		meta->size += KDBUS_ITEM_SIZE(proc->cmdline_len);
	if (mask & KDBUS_ATTACH_CGROUP) {
		meta->cgroup = kdbus_meta_render_cgroup(proc->cgroup, reader);
		if (!meta->cgroup)
			goto error;
		meta->size += kdbus_meta_str_size(meta->cgroup);
	}
	if (mask & KDBUS_ATTACH_CAPS)
		meta->size += KDBUS_ITEM_SIZE(sizeof(u32) + 4 *
					      KDBUS_META_CAP_WORDS *
					      sizeof(u32));
	if (mask & KDBUS_ATTACH_SECLABEL) {
		meta->seclabel = kstrdup(ident->seclabel, GFP_KERNEL_ACCOUNT);
		if (!meta->seclabel)
			goto error;
		meta->size += kdbus_meta_str_size(meta->seclabel);
	}
	if (mask & KDBUS_ATTACH_AUDIT)
		meta->size += KDBUS_ITEM_SIZE(sizeof(struct kdbus_audit));
	if (mask & KDBUS_ATTACH_CONN_DESCRIPTION) {
		meta->description = kstrdup(ident->description,
					    GFP_KERNEL_ACCOUNT);
		if (!meta->description)
			goto error;
		meta->size += kdbus_meta_str_size(meta->description);
	}
	return meta;

error:
	kdbus_meta_free(meta);
	return ERR_PTR(-ENOMEM);
}

/**
 * kdbus_meta_free() - release metadata
 * @meta:	metadata, may be NULL
 */
void kdbus_meta_free(struct kdbus_meta *meta)
{
	if (!meta)
		return;
	put_cred(meta->cred);
	kdbus_meta_proc_unref(meta->proc);
	kfree(meta->seclabel);
	kfree(meta->description);
	kfree(meta->exe);
	kfree(meta->cgroup);
	kfree(meta->names);
	kfree(meta);
}

/* The next item at *@pos, its payload zeroed, for the caller to fill. */
static struct kdbus_item *kdbus_meta_item(struct kdbus_item **pos, u64 type,
					  size_t payload)
{
	struct kdbus_item *item = *pos;

	*pos = kdbus_item_set(item, type, NULL, payload);
	return item;
}

static void kdbus_meta_str(struct kdbus_item **pos, u64 type, const char *s)
{
	*pos = kdbus_item_set_str(*pos, type, s);
}

/*
 * Capabilities mean something only relative to a user namespace: the
 * sender's sets are reported if the reader's namespace is the sender's or
 * one below it; all of them if the sender owns a namespace between the two
 * (it has every capability there); none otherwise.
 */
static void kdbus_meta_caps(struct kdbus_item **pos, const struct cred *cred,
			    struct user_namespace *ns)
{
	const kernel_cap_t *sets[] = {
		&cred->cap_inheritable, &cred->cap_permitted,
		&cred->cap_effective, &cred->cap_bset,
	};
	struct user_namespace *iter;
	bool below = false, owner = false;
	struct kdbus_item *item;
	u64 valid = CAP_VALID_MASK;
	u32 *words;
	int i;

	for (iter = ns; iter; iter = iter->parent) {
		if (iter == cred->user_ns) {
			below = true;
			break;
		}
		if (iter->parent == cred->user_ns &&
		    uid_eq(iter->owner, cred->euid)) {
			owner = true;
			break;
		}
	}

	item = kdbus_meta_item(pos, KDBUS_ITEM_CAPS, sizeof(u32) + 4 *
			       KDBUS_META_CAP_WORDS * sizeof(u32));
	item->caps.last_cap = CAP_LAST_CAP;
	words = item->caps.caps;
	for (i = 0; i < ARRAY_SIZE(sets); i++) {
		u64 v = below ? sets[i]->val : owner ? valid : 0;

		words[2 * i] = lower_32_bits(v & valid);
		words[2 * i + 1] = upper_32_bits(v & valid);
	}
}

/**
 * kdbus_meta_write() - write metadata items, translated for a reader
 * @meta:	metadata from kdbus_meta_new()
 * @buf:	@meta->size zeroed bytes
 * @reader:	namespaces to translate ids into
 *
 * Ids the reader cannot map read as the overflow uid/gid; pids of tasks
 * outside its PID namespace as 0.
 */
void kdbus_meta_write(const struct kdbus_meta *meta, void *buf,
		      const struct kdbus_meta_view *reader)
{
	struct user_namespace *ns = reader->user_ns;
	const struct cred *cred = meta->cred;
	struct kdbus_meta_proc *mp = meta->proc;
	struct kdbus_item *pos = buf, *item;
	unsigned int i;

	if (meta->mask & KDBUS_ATTACH_TIMESTAMP) {
		item = kdbus_meta_item(&pos, KDBUS_ITEM_TIMESTAMP,
				       sizeof(struct kdbus_timestamp));
		item->timestamp.seqnum = meta->seqnum;
		item->timestamp.monotonic_ns = meta->mono_ns;
		item->timestamp.realtime_ns = meta->real_ns;
	}
	if (meta->mask & KDBUS_ATTACH_CREDS) {
		item = kdbus_meta_item(&pos, KDBUS_ITEM_CREDS,
				       sizeof(struct kdbus_creds));
		item->creds.uid = from_kuid_munged(ns, meta->creds.uid);
		item->creds.euid = from_kuid_munged(ns, meta->creds.euid);
		item->creds.suid = from_kuid_munged(ns, meta->creds.suid);
		item->creds.fsuid = from_kuid_munged(ns, meta->creds.fsuid);
		item->creds.gid = from_kgid_munged(ns, meta->creds.gid);
		item->creds.egid = from_kgid_munged(ns, meta->creds.egid);
		item->creds.sgid = from_kgid_munged(ns, meta->creds.sgid);
		item->creds.fsgid = from_kgid_munged(ns, meta->creds.fsgid);
	}
	if (meta->mask & KDBUS_ATTACH_PIDS) {
		item = kdbus_meta_item(&pos, KDBUS_ITEM_PIDS,
				       sizeof(struct kdbus_pids));
		item->pids.pid = pid_nr_ns(mp->pid, reader->pid_ns);
		item->pids.tid = pid_nr_ns(mp->tid, reader->pid_ns);
		item->pids.ppid = pid_nr_ns(mp->ppid, reader->pid_ns);
	}
	if (meta->mask & KDBUS_ATTACH_AUXGROUPS) {
		item = kdbus_meta_item(&pos, KDBUS_ITEM_AUXGROUPS,
				       meta->n_groups * sizeof(u64));
		for (i = 0; i < meta->n_groups; i++)
			item->data64[i] =
				from_kgid_munged(ns, cred->group_info->gid[i]);
	}
	if (meta->mask & KDBUS_ATTACH_NAMES) {
		/* names are not translated: written as they were at send */
		memcpy(pos, meta->names, meta->names_size);
		pos = (void *)((u8 *)pos + meta->names_size);
	}
	if (meta->mask & KDBUS_ATTACH_TID_COMM)
		kdbus_meta_str(&pos, KDBUS_ITEM_TID_COMM, mp->tid_comm);
	if (meta->mask & KDBUS_ATTACH_PID_COMM)
		kdbus_meta_str(&pos, KDBUS_ITEM_PID_COMM, mp->pid_comm);
	if (meta->mask & KDBUS_ATTACH_EXE)
		kdbus_meta_str(&pos, KDBUS_ITEM_EXE, meta->exe);
	if (meta->mask & KDBUS_ATTACH_CMDLINE) {
		item = kdbus_meta_item(&pos, KDBUS_ITEM_CMDLINE,
				       mp->cmdline_len);
		memcpy((u8 *)item + KDBUS_ITEM_HEADER_SIZE, mp->cmdline,
		       mp->cmdline_len);
	}
	if (meta->mask & KDBUS_ATTACH_CGROUP)
		kdbus_meta_str(&pos, KDBUS_ITEM_CGROUP, meta->cgroup);
	if (meta->mask & KDBUS_ATTACH_CAPS)
		kdbus_meta_caps(&pos, cred, ns);
	if (meta->mask & KDBUS_ATTACH_SECLABEL)
		kdbus_meta_str(&pos, KDBUS_ITEM_SECLABEL, meta->seclabel);
	if (meta->mask & KDBUS_ATTACH_AUDIT) {
		item = kdbus_meta_item(&pos, KDBUS_ITEM_AUDIT,
				       sizeof(struct kdbus_audit));
		item->audit.sessionid = mp->sessionid;
		item->audit.loginuid = uid_valid(mp->loginuid) ?
			from_kuid_munged(ns, mp->loginuid) : (u32)-1;
	}
	if (meta->mask & KDBUS_ATTACH_CONN_DESCRIPTION)
		kdbus_meta_str(&pos, KDBUS_ITEM_CONN_DESCRIPTION,
			       meta->description);
}

/**
 * kdbus_meta_install() - write metadata into its reserved place in a slice
 * @meta:	metadata, with @meta->off set
 * @slice:	slice of the reader's pool
 * @reader:	namespaces to translate ids into
 *
 * Return: 0, -ENOMEM, or -EFAULT.
 */
int kdbus_meta_install(struct kdbus_meta *meta, struct kdbus_pool_slice *slice,
		       const struct kdbus_meta_view *reader)
{
	struct kvec kvec;
	int ret;

	kvec.iov_base = kzalloc(meta->size, GFP_KERNEL);
	if (!kvec.iov_base)
		return -ENOMEM;
	kvec.iov_len = meta->size;
	kdbus_meta_write(meta, kvec.iov_base, reader);
	ret = kdbus_pool_slice_copy_kvec(slice, meta->off, &kvec, 1,
					 meta->size);
	kfree(kvec.iov_base);
	return ret;
}
