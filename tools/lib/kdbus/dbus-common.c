// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkdbus: what its two D-Bus bindings share, GDBusMessage (dbus.c) and
 * libdbus-1 (dbus1.c): the mapping of a D-Bus header onto a kdbus
 * message, the words of a bloom filter, receiving, and match rules. No
 * D-Bus library is used here; each binding reads its own messages and
 * hands the fields over.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kdbus-internal.h"

/*
 * A D-Bus message may be 128 MiB, the kernel takes 2 MiB of inline
 * vectors: a larger message goes whole in one sealed memfd, from 1 MiB on
 * so that a message and its items stay well inside the vector bound.
 */
#define DBUS_INLINE_MAX	(1024 * 1024)
/* the D-Bus specification's largest message */
#define KDB_DBUS_MAX_SIZE	(128 * 1024 * 1024)

uint64_t kdb_dbus_unique_id(const char *name)
{
	unsigned long long id;
	char *end;

	if (!name || strncmp(name, ":1.", 3) || !name[3])
		return 0;
	errno = 0;
	id = strtoull(name + 3, &end, 10);
	if (errno || *end || !id)
		return 0;
	return id;
}

const char *kdb_dbus_type_word(int type)
{
	switch (type) {
	case KDB_DBUS_METHOD_CALL:
		return "method_call";
	case KDB_DBUS_METHOD_RETURN:
		return "method_return";
	case KDB_DBUS_ERROR:
		return "error";
	case KDB_DBUS_SIGNAL:
		return "signal";
	default:
		return NULL;
	}
}

/* ---- bloom words ------------------------------------------------------ */

int kdb_dbus_bloom_header(uint64_t *f, size_t size, unsigned int k,
			  const struct kdb_dbus_hdr *h)
{
	const char *w = kdb_dbus_type_word(h->type);
	int ret;

	if (!w)
		return -EINVAL;
	memset(f, 0, size);
	ret = kdb_bloom_add_pair(f, size, k, "message-type", w);
	if (ret < 0)
		return ret;
	if (h->interface)
		kdb_bloom_add_pair(f, size, k, "interface", h->interface);
	if (h->member)
		kdb_bloom_add_pair(f, size, k, "member", h->member);
	if (h->path) {
		kdb_bloom_add_pair(f, size, k, "path", h->path);
		kdb_bloom_add_prefixes(f, size, k, "path-slash-prefix",
				       h->path, '/');
	}
	return 0;
}

void kdb_dbus_bloom_arg(uint64_t *f, size_t size, unsigned int k,
			unsigned int i, const char *s)
{
	char key[32];

	snprintf(key, sizeof(key), "arg%u", i);
	kdb_bloom_add_pair(f, size, k, key, s);
	snprintf(key, sizeof(key), "arg%u-dot-prefix", i);
	kdb_bloom_add_prefixes(f, size, k, key, s, '.');
	snprintf(key, sizeof(key), "arg%u-slash-prefix", i);
	kdb_bloom_add_prefixes(f, size, k, key, s, '/');
}

void kdb_dbus_bloom_has(uint64_t *f, size_t size, unsigned int k,
			unsigned int i, const char *s)
{
	char key[32];

	snprintf(key, sizeof(key), "arg%u-has", i);
	kdb_bloom_add_pair(f, size, k, key, s);
}

/* ---- sending ---------------------------------------------------------- */

bool kdb_dbus_is_broadcast(const struct kdb_dbus_hdr *h)
{
	return !h->destination && h->type == KDB_DBUS_SIGNAL;
}

int kdb_dbus_send_blob(struct kdb_conn *conn, const struct kdb_dbus_hdr *h,
		       const struct kdb_dbus_blob *b, uint64_t timeout_us,
		       int cancel_fd, struct kdb_msg **reply)
{
	struct kdb_send_args a = KDB_SEND_ARGS_INIT;
	struct kdb_memfd m = { .fd = -1 };
	struct iovec v;
	int ret;

	if (!h->serial)
		return -EINVAL;
	v.iov_base = (void *)b->data;
	v.iov_len = b->size;
	a.vecs = &v;
	a.n_vecs = 1;
	a.fds = b->fds;
	a.n_fds = b->n_fds;
	a.cookie = h->serial;
	a.timeout_us = timeout_us;
	a.cancel_fd = cancel_fd;
	if (h->no_auto_start)
		a.flags |= KDB_MSG_NO_AUTO_START;

	if (h->destination && h->destination[0] == ':') {
		a.dst_id = kdb_dbus_unique_id(h->destination);
		if (!a.dst_id)
			return -EINVAL;
	} else if (h->destination) {
		a.dst_id = KDB_ID_NAME;
		a.dst_name = h->destination;
	} else if (kdb_dbus_is_broadcast(h) && b->bloom) {
		a.dst_id = KDB_ID_BROADCAST;
		a.bloom = b->bloom;
	} else {
		return -EDESTADDRREQ;
	}

	switch (h->type) {
	case KDB_DBUS_METHOD_CALL:
		if (!h->no_reply)
			a.flags |= KDB_MSG_EXPECT_REPLY;
		break;
	case KDB_DBUS_SIGNAL:
		a.flags |= KDB_MSG_SIGNAL;
		break;
	case KDB_DBUS_METHOD_RETURN:
	case KDB_DBUS_ERROR:
		a.cookie_reply = h->reply_serial;
		break;
	default:
		return -EINVAL;
	}
	if (reply && !(a.flags & KDB_MSG_EXPECT_REPLY))
		return -EINVAL;
	if (b->size > DBUS_INLINE_MAX) {
		m.fd = kdb_memfd_new("kdbus-dbus", b->data, b->size);
		if (m.fd < 0)
			return m.fd;
		m.size = b->size;
		a.vecs = NULL;
		a.n_vecs = 0;
		a.memfds = &m;
		a.n_memfds = 1;
	}
	ret = kdb_send(conn, &a, NULL, reply);
	if (m.fd >= 0)
		close(m.fd);
	return ret;
}

/* a message sent whole in one memfd: its bytes, copied, kept with @msg */
static int memfd_payload(struct kdb_msg *msg)
{
	const void *map;
	int ret;

	if (msg->memfds[0].size > KDB_DBUS_MAX_SIZE)
		return -EMSGSIZE;
	ret = kdb_memfd_map(&msg->memfds[0], &map);
	if (ret < 0)
		return ret;
	free(msg->payload);
	msg->payload = malloc(msg->memfds[0].size);
	if (msg->payload)
		memcpy(msg->payload, map, msg->memfds[0].size);
	kdb_memfd_unmap(&msg->memfds[0], map);
	if (!msg->payload)
		return -ENOMEM;
	msg->payload_at = msg->payload;
	msg->payload_size = msg->memfds[0].size;
	return 0;
}

/* ---- receiving -------------------------------------------------------- */

int kdb_dbus_payload(struct kdb_msg *msg, const void **data, size_t *size,
		     char sender[32])
{
	int ret;

	if (kdb_msg_payload_type(msg) != KDB_PAYLOAD_DBUS)
		return -EPROTOTYPE;
	if (!msg->payload_size && msg->n_memfds == 1) {
		ret = memfd_payload(msg);
		if (ret < 0)
			return ret;
	}
	*data = kdb_msg_payload(msg, size);
	if (!*data || !*size)
		return -EBADMSG;
	/* the sender the kernel vouches for, not what the message says */
	snprintf(sender, 32, ":1.%llu",
		 (unsigned long long)kdb_msg_src_id(msg));
	return 0;
}

int kdb_dbus_recv_with(struct kdb_conn *conn, kdb_dbus_parse_fn parse,
		       void *message, struct kdb_msg **raw)
{
	struct kdb_msg *msg;
	int ret;

	ret = kdb_recv(conn, 0, &msg, NULL);
	if (ret < 0)
		return ret;
	ret = parse(msg, message);
	if (ret == -EPROTOTYPE || kdb_msg_src_id(msg) == KDB_ID_KERNEL)
		ret = -ENOMSG;
	if (raw) {
		*raw = msg;
		return ret;
	}
	kdb_msg_free(msg);
	return ret;
}

/* ---- match rules ------------------------------------------------------ */

#define RULE_ARGS KDB_DBUS_RULE_ARGS

struct rule {
	char *type, *sender, *interface, *member, *path, *path_namespace;
	char *arg0namespace;
	char *arg[RULE_ARGS];
	char *argpath[RULE_ARGS];
	char *buf;
};

static void rule_free(struct rule *r)
{
	free(r->buf);
}

/*
 * key='value',... as the D-Bus specification has it: values in single
 * quotes, taken literally; outside quotes \' is a quote.
 */
static int rule_parse(const char *s, struct rule *r)
{
	char *p, *key, *val, *out;
	unsigned long n;

	memset(r, 0, sizeof(*r));
	r->buf = malloc(strlen(s) + 1);
	if (!r->buf)
		return -ENOMEM;
	p = r->buf;
	memcpy(p, s, strlen(s) + 1);
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		if (!*p)
			break;
		key = p;
		while (*p && *p != '=')
			p++;
		if (*p != '=')
			return -EINVAL;
		*p++ = 0;
		val = p;
		out = p;
		while (*p && *p != ',') {
			if (*p == '\'') {
				p++;
				while (*p && *p != '\'')
					*out++ = *p++;
				if (*p != '\'')
					return -EINVAL;
				p++;
			} else if (p[0] == '\\' && p[1] == '\'') {
				*out++ = '\'';
				p += 2;
			} else {
				*out++ = *p++;
			}
		}
		if (*p)
			p++;
		*out = 0;

		if (!strcmp(key, "type")) {
			if (strcmp(val, "signal") && strcmp(val, "method_call") &&
			    strcmp(val, "method_return") && strcmp(val, "error"))
				return -EINVAL;
			r->type = val;
		} else if (!strcmp(key, "sender")) {
			r->sender = val;
		} else if (!strcmp(key, "interface")) {
			r->interface = val;
		} else if (!strcmp(key, "member")) {
			r->member = val;
		} else if (!strcmp(key, "path")) {
			r->path = val;
		} else if (!strcmp(key, "path_namespace")) {
			r->path_namespace = val;
		} else if (!strcmp(key, "arg0namespace")) {
			r->arg0namespace = val;
		} else if (!strncmp(key, "arg", 3) && key[3] >= '0' &&
			   key[3] <= '9') {
			char *end;

			n = strtoul(key + 3, &end, 10);
			if (n >= RULE_ARGS)
				return -EINVAL;
			if (!*end)
				r->arg[n] = val;
			else if (!strcmp(end, "path"))
				r->argpath[n] = val;
			else
				return -EINVAL;
		} else {
			return -EINVAL;
		}
	}
	if (r->path && r->path_namespace)
		return -EINVAL;
	return 0;
}

KDB_EXPORT int kdb_dbus_match_add(struct kdb_conn *conn, uint64_t cookie,
				  const char *rule)
{
	struct kdb_match m = { 0 };
	size_t size;
	unsigned int k, i;
	uint64_t *mask;
	struct rule r;
	char key[32];
	int ret;

	if (!conn || !rule)
		return -EINVAL;
	ret = rule_parse(rule, &r);
	if (ret < 0)
		goto out;
	size = conn->bloom_size;
	k = conn->n_hash;
	mask = calloc(1, size);
	if (!mask) {
		ret = -ENOMEM;
		goto out;
	}
	if (r.type)
		ret = kdb_bloom_add_pair(mask, size, k, "message-type", r.type);
	if (ret == 0 && r.interface)
		ret = kdb_bloom_add_pair(mask, size, k, "interface",
					 r.interface);
	if (ret == 0 && r.member)
		ret = kdb_bloom_add_pair(mask, size, k, "member", r.member);
	if (ret == 0 && r.path)
		ret = kdb_bloom_add_pair(mask, size, k, "path", r.path);
	if (ret == 0 && r.path_namespace && strcmp(r.path_namespace, "/"))
		ret = kdb_bloom_add_pair(mask, size, k, "path-slash-prefix",
					 r.path_namespace);
	if (ret == 0 && r.arg0namespace)
		ret = kdb_bloom_add_pair(mask, size, k, "arg0-dot-prefix",
					 r.arg0namespace);
	for (i = 0; ret == 0 && i < RULE_ARGS; i++) {
		if (r.arg[i]) {
			snprintf(key, sizeof(key), "arg%u", i);
			ret = kdb_bloom_add_pair(mask, size, k, key, r.arg[i]);
		}
		if (ret == 0 && r.argpath[i]) {
			snprintf(key, sizeof(key), "arg%u-slash-prefix", i);
			ret = kdb_bloom_add_pair(mask, size, k, key,
						 r.argpath[i]);
		}
	}
	if (ret == 0) {
		m.bloom_mask = mask;
		if (r.sender && r.sender[0] == ':') {
			m.sender_id = kdb_dbus_unique_id(r.sender);
			if (!m.sender_id)
				ret = -EINVAL;
		} else if (r.sender) {
			m.sender_name = r.sender;
		}
	}
	if (ret == 0)
		ret = kdb_match_add(conn, cookie, &m, false);
	free(mask);
out:
	rule_free(&r);
	return ret;
}

static bool str_is(const char *want, const char *have)
{
	return !want || (have && !strcmp(want, have));
}

/* @s is @ns, or below it with @sep after @ns */
static bool in_namespace(const char *ns, const char *s, char sep)
{
	size_t n = strlen(ns);

	if (!s)
		return false;
	if (sep == '/' && !strcmp(ns, "/"))
		return s[0] == '/';
	return !strncmp(s, ns, n) && (s[n] == 0 || s[n] == sep);
}

/* the D-Bus specification's argNpath: either is a '/'-ended prefix */
static bool path_match(const char *want, const char *have)
{
	size_t w, h;

	if (!have)
		return false;
	w = strlen(want);
	h = strlen(have);
	if (!strcmp(want, have))
		return true;
	if (w && want[w - 1] == '/' && !strncmp(have, want, w))
		return true;
	return h && have[h - 1] == '/' && !strncmp(want, have, h);
}

int kdb_dbus_rule_test(const char *rule, const struct kdb_dbus_hdr *h,
		       const char *const args[KDB_DBUS_RULE_ARGS])
{
	struct rule r;
	bool ok;
	unsigned int i;
	int ret;

	ret = rule_parse(rule, &r);
	if (ret < 0) {
		rule_free(&r);
		return ret;
	}
	ok = str_is(r.type, kdb_dbus_type_word(h->type)) &&
	     str_is(r.interface, h->interface) &&
	     str_is(r.member, h->member) &&
	     str_is(r.path, h->path);
	/* a well-known sender the kernel checked exactly (a NAME item) */
	if (ok && r.sender && r.sender[0] == ':')
		ok = str_is(r.sender, h->sender);
	if (ok && r.path_namespace)
		ok = in_namespace(r.path_namespace, h->path, '/');
	if (ok && r.arg0namespace)
		ok = in_namespace(r.arg0namespace, args[0], '.');
	for (i = 0; ok && i < RULE_ARGS; i++) {
		if (r.arg[i])
			ok = str_is(r.arg[i], args[i]);
		if (ok && r.argpath[i])
			ok = path_match(r.argpath[i], args[i]);
	}
	rule_free(&r);
	return ok;
}

/* both absent, or both present and the same */
static bool str_same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool rule_equal(const struct rule *a, const struct rule *b)
{
	unsigned int i;

	if (!str_same(a->type, b->type) || !str_same(a->sender, b->sender) ||
	    !str_same(a->interface, b->interface) ||
	    !str_same(a->member, b->member) || !str_same(a->path, b->path) ||
	    !str_same(a->path_namespace, b->path_namespace) ||
	    !str_same(a->arg0namespace, b->arg0namespace))
		return false;
	for (i = 0; i < RULE_ARGS; i++)
		if (!str_same(a->arg[i], b->arg[i]) ||
		    !str_same(a->argpath[i], b->argpath[i]))
			return false;
	return true;
}

/*
 * dbus-daemon's match_rule_equal(), as RemoveMatch uses it: the keys and
 * values as parsed, so that their order and quoting do not count.
 */
KDB_EXPORT int kdb_dbus_match_equal(const char *a, const char *b)
{
	struct rule ra, rb;
	int ret;

	if (!a || !b)
		return -EINVAL;
	ret = rule_parse(a, &ra);
	if (ret < 0) {
		rule_free(&ra);
		return ret;
	}
	ret = rule_parse(b, &rb);
	if (ret == 0)
		ret = rule_equal(&ra, &rb);
	rule_free(&rb);
	rule_free(&ra);
	return ret;
}
