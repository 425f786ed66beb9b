// SPDX-License-Identifier: GPL-2.0
/*
 * Policy databases: who may SEE, TALK to and OWN which names.
 */

#include <linux/cred.h>
#include <linux/err.h>
#include <linux/kdbus.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/stringhash.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>

#include "bus.h"
#include "conn.h"
#include "endpoint.h"
#include "item.h"
#include "names.h"
#include "policy.h"

/*
 * One rule of an entry. The id is resolved to a kuid/kgid when the rule is
 * set, in the namespace the setter's file was opened in, so that queries
 * compare kernel ids and never depend on who asks from where.
 */
struct kdbus_policy_rule {
	u8 type;
	u8 access;
	union {
		kuid_t uid;
		kgid_t gid;
	};
};

/*
 * An entry is allocated in one piece: the rules, then the name. A wildcard
 * entry stores its name without the trailing ".*", which is what a query
 * for one of its children compares against.
 */
struct kdbus_policy_entry {
	struct hlist_node hnode;
	const void *owner;
	char *name;
	size_t len;
	u32 hash;
	bool wildcard;
	unsigned int n_rules;
	unsigned int max_rules;
	struct kdbus_policy_rule rules[];
};

static u32 kdbus_policy_hash(const char *name, size_t len)
{
	return full_name_hash(NULL, name, len);
}

/**
 * kdbus_policy_db_init() - initialize an empty policy database
 * @db:		database
 */
void kdbus_policy_db_init(struct kdbus_policy_db *db)
{
	init_rwsem(&db->lock);
	hash_init(db->entries);
}

static void kdbus_policy_free_list(struct hlist_head *list)
{
	struct kdbus_policy_entry *e;
	struct hlist_node *tmp;

	hlist_for_each_entry_safe(e, tmp, list, hnode) {
		hlist_del(&e->hnode);
		kfree(e);
	}
}

/*
 * Moves the entries of @owner out of the table onto @out, so that they can
 * be freed after the lock is dropped.
 */
static void kdbus_policy_take_owner(struct kdbus_policy_db *db,
				    const void *owner, struct hlist_head *out)
{
	struct kdbus_policy_entry *e;
	struct hlist_node *tmp;
	unsigned int bkt;

	lockdep_assert_held_write(&db->lock);
	hash_for_each_safe(db->entries, bkt, tmp, e, hnode) {
		if (e->owner != owner)
			continue;
		hash_del(&e->hnode);
		hlist_add_head(&e->hnode, out);
	}
}

/**
 * kdbus_policy_db_clear() - drop every entry of a policy database
 * @db:		database, no longer reachable by anyone else
 *
 * Called when the object embedding @db is freed. That can be the last
 * reference dropped from any context, so this neither sleeps nor takes
 * the database's lock: with nobody else able to reach @db there is
 * nothing to exclude.
 */
void kdbus_policy_db_clear(struct kdbus_policy_db *db)
{
	struct kdbus_policy_entry *e;
	struct hlist_node *tmp;
	unsigned int bkt;

	hash_for_each_safe(db->entries, bkt, tmp, e, hnode) {
		hash_del(&e->hnode);
		kfree(e);
	}
}

/**
 * kdbus_policy_remove_owner() - drop every entry an owner has set
 * @db:		database
 * @owner:	the owner given to kdbus_policy_set()
 */
void kdbus_policy_remove_owner(struct kdbus_policy_db *db, const void *owner)
{
	HLIST_HEAD(gone);

	if (WARN_ON(!owner))
		return;

	down_write(&db->lock);
	kdbus_policy_take_owner(db, owner, &gone);
	up_write(&db->lock);
	kdbus_policy_free_list(&gone);
}

static struct kdbus_policy_entry *
kdbus_policy_find(struct kdbus_policy_db *db, const char *name, size_t len,
		  bool wildcard)
{
	struct kdbus_policy_entry *e;

	hash_for_each_possible(db->entries, e, hnode,
			       kdbus_policy_hash(name, len)) {
		if (e->wildcard == wildcard && e->len == len &&
		    !memcmp(e->name, name, len))
			return e;
	}
	return NULL;
}

/* The exact entry wins; only without one does the parent's wildcard count. */
static struct kdbus_policy_entry *
kdbus_policy_lookup(struct kdbus_policy_db *db, const char *name)
{
	struct kdbus_policy_entry *e;
	const char *dot;

	e = kdbus_policy_find(db, name, strlen(name), false);
	if (e)
		return e;

	dot = strrchr(name, '.');
	if (!dot)
		return NULL;
	return kdbus_policy_find(db, name, dot - name, true);
}

/*
 * The supplementary groups are sorted, but the kernel's binary search over
 * them is not exported; a linear scan is cheap next to the rest of a send.
 */
static bool kdbus_policy_in_group(const struct cred *cred, kgid_t gid)
{
	const struct group_info *groups = cred->group_info;
	int i;

	if (gid_eq(cred->egid, gid))
		return true;
	for (i = 0; groups && i < groups->ngroups; i++)
		if (gid_eq(groups->gid[i], gid))
			return true;
	return false;
}

static bool kdbus_policy_rule_applies(const struct kdbus_policy_rule *r,
				      const struct cred *cred)
{
	switch (r->type) {
	case KDBUS_POLICY_ACCESS_USER:
		return uid_eq(cred->euid, r->uid);
	case KDBUS_POLICY_ACCESS_GROUP:
		return kdbus_policy_in_group(cred, r->gid);
	case KDBUS_POLICY_ACCESS_WORLD:
		return true;
	default:
		return false;
	}
}

static int kdbus_policy_entry_grant(const struct kdbus_policy_entry *e,
				    const struct cred *cred)
{
	int highest = -EPERM;
	unsigned int i;

	for (i = 0; i < e->n_rules && highest < KDBUS_POLICY_OWN; i++) {
		const struct kdbus_policy_rule *r = &e->rules[i];

		if ((int)r->access > highest &&
		    kdbus_policy_rule_applies(r, cred))
			highest = r->access;
	}
	return highest;
}

/**
 * kdbus_policy_query() - the access a database grants
 * @db:		database
 * @cred:	credentials asking (pinned at open)
 * @name:	well-known name
 *
 * Only one entry is consulted: the one for exactly @name, or if there is
 * none, the wildcard entry for @name's parent. USER rules match the euid,
 * GROUP rules the egid or a supplementary group, WORLD rules everybody.
 *
 * Return: the highest KDBUS_POLICY_* granted, or -EPERM if none.
 */
int kdbus_policy_query(struct kdbus_policy_db *db, const struct cred *cred,
		       const char *name)
{
	struct kdbus_policy_entry *e;
	int ret = -EPERM;

	down_read(&db->lock);
	e = kdbus_policy_lookup(db, name);
	if (e)
		ret = kdbus_policy_entry_grant(e, cred);
	up_read(&db->lock);
	return ret;
}

/* Rules that follow the NAME at @name, up to the next NAME: its size. */
static unsigned int kdbus_policy_count_rules(const struct kdbus_item *name,
					     const void *items, size_t size)
{
	const u8 *next = (const u8 *)name + KDBUS_ALIGN8(name->size);
	const u8 *end = (const u8 *)items + size;
	const struct kdbus_item *item;
	unsigned int n = 0;

	if (next >= end)
		return 0;
	KDBUS_ITEMS_FOREACH(item, next, end - next) {
		if (item->type == KDBUS_ITEM_NAME)
			break;
		if (item->type == KDBUS_ITEM_POLICY_ACCESS)
			n++;
	}
	return n;
}

static struct kdbus_policy_entry *
kdbus_policy_entry_new(const struct kdbus_item *item, unsigned int n_rules,
		       bool allow_wildcards, const void *owner)
{
	struct kdbus_policy_entry *e;
	size_t len, size;
	int ret;

	ret = kdbus_item_validate(item);
	if (ret < 0)
		return ERR_PTR(ret);
	if (!kdbus_name_is_valid(item->str, allow_wildcards))
		return ERR_PTR(-EINVAL);

	len = strlen(item->str);
	size = size_add(struct_size(e, rules, n_rules), len + 1);
	e = kzalloc(size, GFP_KERNEL_ACCOUNT);
	if (!e)
		return ERR_PTR(-ENOMEM);

	INIT_HLIST_NODE(&e->hnode);
	e->owner = owner;
	e->max_rules = n_rules;
	e->name = (char *)&e->rules[n_rules];
	memcpy(e->name, item->str, len + 1);
	/* kdbus_name_is_valid() allows '*' only as a whole last element */
	if (len > 2 && e->name[len - 1] == '*') {
		len -= 2;
		e->name[len] = '\0';
		e->wildcard = true;
	}
	e->len = len;
	e->hash = kdbus_policy_hash(e->name, len);
	return e;
}

static int kdbus_policy_rule_init(struct kdbus_policy_rule *r,
				  const struct kdbus_item *item,
				  struct user_namespace *ns)
{
	const struct kdbus_policy_access *a = &item->policy_access;
	int ret;

	ret = kdbus_item_validate(item);
	if (ret < 0)
		return ret;

	switch (a->access) {
	case KDBUS_POLICY_SEE:
	case KDBUS_POLICY_TALK:
	case KDBUS_POLICY_OWN:
		r->access = a->access;
		break;
	default:
		return -EINVAL;
	}

	/* an id that does not fit a uid_t must not be truncated into one */
	switch (a->type) {
	case KDBUS_POLICY_ACCESS_USER:
		if (a->id > U32_MAX)
			return -EINVAL;
		r->uid = make_kuid(ns, a->id);
		if (!uid_valid(r->uid))
			return -EINVAL;
		break;
	case KDBUS_POLICY_ACCESS_GROUP:
		if (a->id > U32_MAX)
			return -EINVAL;
		r->gid = make_kgid(ns, a->id);
		if (!gid_valid(r->gid))
			return -EINVAL;
		break;
	case KDBUS_POLICY_ACCESS_WORLD:
		break;
	default:
		return -EINVAL;
	}
	r->type = a->type;
	return 0;
}

/* Two entries for one name in a single set are as bad as across owners. */
static bool kdbus_policy_list_has(struct hlist_head *list,
				  const struct kdbus_policy_entry *e)
{
	struct kdbus_policy_entry *p;

	hlist_for_each_entry(p, list, hnode)
		if (p->wildcard == e->wildcard && p->len == e->len &&
		    !memcmp(p->name, e->name, e->len))
			return true;
	return false;
}

static int kdbus_policy_add_name(struct hlist_head *staged,
				 const struct kdbus_item *item,
				 const void *items, size_t size,
				 bool allow_wildcards, const void *owner,
				 struct kdbus_policy_entry **out)
{
	struct kdbus_policy_entry *e;
	unsigned int n;

	n = kdbus_policy_count_rules(item, items, size);
	e = kdbus_policy_entry_new(item, n, allow_wildcards, owner);
	if (IS_ERR(e))
		return PTR_ERR(e);
	if (kdbus_policy_list_has(staged, e)) {
		kfree(e);
		return -EEXIST;
	}
	hlist_add_head(&e->hnode, staged);
	*out = e;
	return 0;
}

/*
 * Builds the new entries of a set outside the database lock, so that a
 * failure leaves the database untouched and allocations never happen
 * under the lock.
 */
static int kdbus_policy_parse(struct hlist_head *staged,
			      const struct kdbus_item *items,
			      size_t items_size, size_t max_policies,
			      bool allow_wildcards, const void *owner,
			      struct user_namespace *ns)
{
	struct kdbus_policy_entry *e = NULL;
	const struct kdbus_item *item;
	size_t count = 0;
	int ret;

	KDBUS_ITEMS_FOREACH(item, items, items_size) {
		switch (item->type) {
		case KDBUS_ITEM_NAME:
			if (max_policies && ++count > max_policies)
				return -E2BIG;
			ret = kdbus_policy_add_name(staged, item, items,
						    items_size,
						    allow_wildcards, owner,
						    &e);
			if (ret < 0)
				return ret;
			break;
		case KDBUS_ITEM_POLICY_ACCESS:
			if (!e || WARN_ON(e->n_rules >= e->max_rules))
				return -EINVAL;
			ret = kdbus_policy_rule_init(&e->rules[e->n_rules],
						     item, ns);
			if (ret < 0)
				return ret;
			e->n_rules++;
			break;
		default:
			/* other items belong to the command, not the policy */
			break;
		}
	}
	return 0;
}

static int kdbus_policy_commit(struct kdbus_policy_db *db,
			       struct hlist_head *staged, const void *owner,
			       struct hlist_head *gone)
{
	struct kdbus_policy_entry *e, *p;
	struct hlist_node *tmp;

	lockdep_assert_held_write(&db->lock);

	hlist_for_each_entry(e, staged, hnode) {
		p = kdbus_policy_find(db, e->name, e->len, e->wildcard);
		if (p && p->owner != owner)
			return -EEXIST;
	}

	kdbus_policy_take_owner(db, owner, gone);
	hlist_for_each_entry_safe(e, tmp, staged, hnode) {
		hlist_del_init(&e->hnode);
		hash_add(db->entries, &e->hnode, e->hash);
	}
	return 0;
}

/**
 * kdbus_policy_set() - replace the entries an owner has set
 * @db:			database
 * @items:		validated item chain (kdbus_args_parse()): each
 *			KDBUS_ITEM_NAME starts an entry, the
 *			KDBUS_ITEM_POLICY_ACCESS items after it are its rules;
 *			items of other types are skipped
 * @items_size:		bytes in @items
 * @max_policies:	most names in @items, 0 for no limit
 * @allow_wildcards:	whether names may end in ".*"
 * @owner:		owner of the new entries, not NULL
 * @ns:			user namespace the ids in the rules are read in: the
 *			one of the setter's file opener (f_cred->user_ns)
 *
 * Everything @owner had set before is replaced at once; on error the
 * database is unchanged. An entry without rules is allowed: it grants
 * nothing, and hides the wildcard entry of its parent.
 *
 * Return: 0, or -EINVAL (a rule before any name, an invalid name or
 * wildcard, an unknown type or access, an id without a mapping in @ns, a
 * malformed item), -E2BIG (more than @max_policies names), -EEXIST (a name
 * twice in @items, or set by another owner), -ENOMEM.
 */
int kdbus_policy_set(struct kdbus_policy_db *db,
		     const struct kdbus_item *items, size_t items_size,
		     size_t max_policies, bool allow_wildcards,
		     const void *owner, struct user_namespace *ns)
{
	HLIST_HEAD(staged);
	HLIST_HEAD(gone);
	int ret;

	if (WARN_ON(!owner))
		return -EINVAL;

	ret = kdbus_policy_parse(&staged, items, items_size, max_policies,
				 allow_wildcards, owner, ns);
	if (ret < 0)
		goto exit;

	down_write(&db->lock);
	ret = kdbus_policy_commit(db, &staged, owner, &gone);
	up_write(&db->lock);

exit:
	kdbus_policy_free_list(&staged);
	kdbus_policy_free_list(&gone);
	return ret;
}

/* a rule's id as seen from @ns, (u64)-1 where @ns has no mapping for it */
static u64 kdbus_policy_rule_id(const struct kdbus_policy_rule *r,
				struct user_namespace *ns)
{
	switch (r->type) {
	case KDBUS_POLICY_ACCESS_USER:
		return kuid_has_mapping(ns, r->uid) ?
		       from_kuid(ns, r->uid) : (u64)-1;
	case KDBUS_POLICY_ACCESS_GROUP:
		return kgid_has_mapping(ns, r->gid) ?
		       from_kgid(ns, r->gid) : (u64)-1;
	default:
		return 0;
	}
}

/* the items of one entry at @buf + @pos, if they fit: the new @pos */
static size_t kdbus_policy_write_entry(const struct kdbus_policy_entry *e,
				       void *buf, size_t size, size_t pos,
				       struct user_namespace *ns)
{
	struct kdbus_policy_access a = {};
	struct kdbus_item *item;
	size_t len = e->len + (e->wildcard ? 2 : 0) + 1;
	unsigned int i;

	if (buf && pos + KDBUS_ITEM_SIZE(len) <= size) {
		item = buf + pos;
		kdbus_item_set(item, KDBUS_ITEM_NAME, NULL, len);
		memcpy(item->str, e->name, e->len);
		if (e->wildcard)
			memcpy(item->str + e->len, ".*", 2);
	}
	pos += KDBUS_ITEM_SIZE(len);
	for (i = 0; i < e->n_rules; i++) {
		if (buf && pos + KDBUS_ITEM_SIZE(sizeof(a)) <= size) {
			a.type = e->rules[i].type;
			a.access = e->rules[i].access;
			a.id = kdbus_policy_rule_id(&e->rules[i], ns);
			kdbus_item_set(buf + pos, KDBUS_ITEM_POLICY_ACCESS, &a,
				       sizeof(a));
		}
		pos += KDBUS_ITEM_SIZE(sizeof(a));
	}
	return pos;
}

/**
 * kdbus_policy_write() - an owner's entries as the items that set them
 * @db:		database
 * @owner:	the owner given to kdbus_policy_set()
 * @buf:	kernel buffer the items go to, or NULL to measure
 * @size:	its bytes
 * @ns:		user namespace to write the rules' ids in
 *
 * Per entry, a KDBUS_ITEM_NAME ("prefix.*" for a wildcard) and one
 * KDBUS_ITEM_POLICY_ACCESS per rule, which kdbus_policy_set() takes back;
 * an id without a mapping in @ns is written as (u64)-1, which it refuses.
 * Items are written while they fit.
 *
 * Return: the bytes all the items take, which may be more than @size.
 */
size_t kdbus_policy_write(struct kdbus_policy_db *db, const void *owner,
			  void *buf, size_t size, struct user_namespace *ns)
{
	struct kdbus_policy_entry *e;
	unsigned int bkt;
	size_t pos = 0;

	down_read(&db->lock);
	hash_for_each(db->entries, bkt, e, hnode)
		if (e->owner == owner)
			pos = kdbus_policy_write_entry(e, buf, size, pos, ns);
	up_read(&db->lock);
	return pos;
}

/* What an endpoint grants: everything by default, its policy if custom. */
static int kdbus_policy_ep_query(struct kdbus_ep *ep, const struct cred *cred,
				 const char *name)
{
	if (!ep->custom)
		return KDBUS_POLICY_OWN;
	return kdbus_policy_query(&ep->policy_db, cred, name);
}

/* Whether @db grants @conn @access to any name @owner owns. */
static bool kdbus_policy_any_name_locked(struct kdbus_conn *conn,
					 struct kdbus_conn *owner,
					 struct kdbus_policy_db *db,
					 int access)
{
	struct kdbus_name_owner *o;

	lockdep_assert_held(&conn->bus->names.rwlock);
	list_for_each_entry(o, &owner->names_list, conn_entry) {
		/* names it waits for are not its own */
		if (o->flags & KDBUS_NAME_IN_QUEUE)
			continue;
		if (kdbus_policy_query(db, conn->cred, o->name->name) >= access)
			return true;
	}
	return false;
}

static bool kdbus_policy_any_name(struct kdbus_conn *conn,
				  struct kdbus_conn *owner,
				  struct kdbus_policy_db *db, int access)
{
	struct kdbus_name_registry *reg = &conn->bus->names;
	bool ret;

	down_read(&reg->rwlock);
	ret = kdbus_policy_any_name_locked(conn, owner, db, access);
	up_read(&reg->rwlock);
	return ret;
}

/**
 * kdbus_policy_may_talk() - whether a connection may talk to another
 * @conn:	the connection that wants to send
 * @to:		the receiver
 *
 * Through a custom endpoint, its policy must grant TALK to a name @to
 * owns. Then privileged connections may talk, and so may a connection
 * whose effective uid is the receiver's real uid (upstream's rule, on the
 * credentials both pinned at open); others need the bus policy's TALK for
 * a name @to owns.
 *
 * Return: true if @conn may send to @to.
 */
bool kdbus_policy_may_talk(struct kdbus_conn *conn, struct kdbus_conn *to)
{
	if (conn->ep->custom &&
	    !kdbus_policy_any_name(conn, to, &conn->ep->policy_db,
				   KDBUS_POLICY_TALK))
		return false;
	if (conn->privileged || uid_eq(conn->cred->euid, to->cred->uid))
		return true;
	return kdbus_policy_any_name(conn, to, &conn->bus->policy_db,
				     KDBUS_POLICY_TALK);
}

/**
 * kdbus_policy_may_own() - whether a connection may own a name
 * @conn:	connection
 * @name:	well-known name
 *
 * Return: true if its endpoint grants OWN, and @conn is privileged or the
 * bus policy lets its opener own @name.
 */
bool kdbus_policy_may_own(struct kdbus_conn *conn, const char *name)
{
	if (kdbus_policy_ep_query(conn->ep, conn->cred, name) <
	    KDBUS_POLICY_OWN)
		return false;
	if (conn->privileged)
		return true;
	return kdbus_policy_query(&conn->bus->policy_db, conn->cred,
				  name) >= KDBUS_POLICY_OWN;
}

/**
 * kdbus_policy_may_see_locked() - kdbus_policy_may_see(), registry locked
 * @conn:	connection looking
 * @whom:	connection looked at
 *
 * The caller holds the name registry lock (for reading at least).
 *
 * Return: true if @conn may learn of @whom.
 */
bool kdbus_policy_may_see_locked(struct kdbus_conn *conn,
				 struct kdbus_conn *whom)
{
	/* through a custom endpoint only peers with a visible name exist */
	return !conn->ep->custom ||
	       kdbus_policy_any_name_locked(conn, whom, &conn->ep->policy_db,
					    KDBUS_POLICY_SEE);
}

/**
 * kdbus_policy_may_see() - whether a connection may see another
 * @conn:	connection looking
 * @whom:	connection looked at
 *
 * Return: true if @conn may learn of @whom.
 */
bool kdbus_policy_may_see(struct kdbus_conn *conn, struct kdbus_conn *whom)
{
	return !conn->ep->custom ||
	       kdbus_policy_any_name(conn, whom, &conn->ep->policy_db,
				     KDBUS_POLICY_SEE);
}

/**
 * kdbus_policy_may_see_name() - whether a connection may see a name
 * @conn:	connection looking
 * @name:	well-known name
 *
 * Return: true if @conn may learn of @name.
 */
bool kdbus_policy_may_see_name(struct kdbus_conn *conn, const char *name)
{
	return kdbus_policy_ep_query(conn->ep, conn->cred, name) >=
	       KDBUS_POLICY_SEE;
}

/**
 * kdbus_policy_may_see_notification() - whether a notification is visible
 * @conn:	receiver
 * @type:	KDBUS_ITEM_* of the notification
 * @payload:	its payload
 *
 * Return: true if @conn may see what the notification tells.
 */
bool kdbus_policy_may_see_notification(struct kdbus_conn *conn, u64 type,
				       const void *payload)
{
	const struct kdbus_notify_name_change *nc = payload;

	switch (type) {
	case KDBUS_ITEM_NAME_ADD:
	case KDBUS_ITEM_NAME_REMOVE:
	case KDBUS_ITEM_NAME_CHANGE:
		return kdbus_policy_may_see_name(conn, nc->name);
	default:
		/* connections coming and going are no secret */
		return true;
	}
}
