// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkdbus: D-Bus messages over kdbusfs, marshalled by GLib's GDBusMessage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gio/gunixfdlist.h>

#include "kdbus-internal.h"
#include "libkdbus-dbus.h"

#define CAPS G_DBUS_CAPABILITY_FLAGS_UNIX_FD_PASSING

/* ":1.N" -> N; 0 if @name is no unique name */
static uint64_t unique_id(const char *name)
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

static const char *type_word(GDBusMessageType t)
{
	switch (t) {
	case G_DBUS_MESSAGE_TYPE_METHOD_CALL:
		return "method_call";
	case G_DBUS_MESSAGE_TYPE_METHOD_RETURN:
		return "method_return";
	case G_DBUS_MESSAGE_TYPE_ERROR:
		return "error";
	case G_DBUS_MESSAGE_TYPE_SIGNAL:
		return "signal";
	default:
		return NULL;
	}
}

static int bloom_arg(uint64_t *f, size_t size, unsigned int k, unsigned int i,
		     const char *s)
{
	char key[32];
	int ret;

	snprintf(key, sizeof(key), "arg%u", i);
	ret = kdb_bloom_add_pair(f, size, k, key, s);
	snprintf(key, sizeof(key), "arg%u-dot-prefix", i);
	if (ret == 0)
		ret = kdb_bloom_add_prefixes(f, size, k, key, s, '.');
	snprintf(key, sizeof(key), "arg%u-slash-prefix", i);
	if (ret == 0)
		ret = kdb_bloom_add_prefixes(f, size, k, key, s, '/');
	return ret;
}

static bool is_string_type(const GVariantType *t)
{
	return g_variant_type_equal(t, G_VARIANT_TYPE_STRING) ||
	       g_variant_type_equal(t, G_VARIANT_TYPE_OBJECT_PATH) ||
	       g_variant_type_equal(t, G_VARIANT_TYPE_SIGNATURE);
}

KDB_EXPORT int kdb_dbus_bloom(GDBusMessage *message, uint64_t *f,
			      size_t size, unsigned int k)
{
	const char *w, *v;
	GVariant *body;
	unsigned int i, n;
	int ret;

	if (!message || !f)
		return -EINVAL;
	w = type_word(g_dbus_message_get_message_type(message));
	if (!w)
		return -EINVAL;
	memset(f, 0, size);
	ret = kdb_bloom_add_pair(f, size, k, "message-type", w);
	if (ret < 0)
		return ret;
	v = g_dbus_message_get_interface(message);
	if (v)
		kdb_bloom_add_pair(f, size, k, "interface", v);
	v = g_dbus_message_get_member(message);
	if (v)
		kdb_bloom_add_pair(f, size, k, "member", v);
	v = g_dbus_message_get_path(message);
	if (v) {
		kdb_bloom_add_pair(f, size, k, "path", v);
		kdb_bloom_add_prefixes(f, size, k, "path-slash-prefix", v,
				       '/');
	}
	body = g_dbus_message_get_body(message);
	if (!body || !g_variant_is_container(body))
		return 0;
	n = g_variant_n_children(body);
	for (i = 0; i < n && i < 64; i++) {
		GVariant *c = g_variant_get_child_value(body, i);
		const GVariantType *t = g_variant_get_type(c);
		bool go_on = true;

		if (is_string_type(t)) {
			bloom_arg(f, size, k, i, g_variant_get_string(c, NULL));
		} else if (g_variant_type_is_array(t) &&
			   is_string_type(g_variant_type_element(t))) {
			char key[32];
			size_t j, m = g_variant_n_children(c);

			snprintf(key, sizeof(key), "arg%u-has", i);
			for (j = 0; j < m; j++) {
				GVariant *e = g_variant_get_child_value(c, j);

				kdb_bloom_add_pair(f, size, k, key,
						   g_variant_get_string(e,
									NULL));
				g_variant_unref(e);
			}
		} else {
			/* the words stop at the first other argument */
			go_on = false;
		}
		g_variant_unref(c);
		if (!go_on)
			break;
	}
	return 0;
}

static int dbus_send(struct kdb_conn *conn, GDBusMessage *m,
		     uint64_t timeout_us, int cancel_fd,
		     struct kdb_msg **reply)
{
	struct kdb_send_args a = KDB_SEND_ARGS_INIT;
	GDBusMessageType type;
	GUnixFDList *fdl;
	GError *err = NULL;
	uint64_t *bloom = NULL;
	const char *dest;
	struct iovec v;
	guchar *blob;
	gsize size;
	gint n_fds = 0;
	int ret;

	if (!conn || !m)
		return -EINVAL;
	type = g_dbus_message_get_message_type(m);
	if (!g_dbus_message_get_locked(m)) {
		if (!g_dbus_message_get_serial(m))
			g_dbus_message_set_serial(m,
						  kdb_conn_next_cookie(conn));
		g_dbus_message_set_sender(m, conn->unique_name);
	}
	if (!g_dbus_message_get_serial(m))
		return -EINVAL;
	blob = g_dbus_message_to_blob(m, &size, CAPS, &err);
	if (!blob) {
		g_clear_error(&err);
		return -EINVAL;
	}
	fdl = g_dbus_message_get_unix_fd_list(m);
	if (fdl)
		a.fds = g_unix_fd_list_peek_fds(fdl, &n_fds);
	a.n_fds = n_fds;
	v.iov_base = blob;
	v.iov_len = size;
	a.vecs = &v;
	a.n_vecs = 1;
	a.cookie = g_dbus_message_get_serial(m);
	a.timeout_us = timeout_us;
	a.cancel_fd = cancel_fd;
	if (g_dbus_message_get_flags(m) & G_DBUS_MESSAGE_FLAGS_NO_AUTO_START)
		a.flags |= KDB_MSG_NO_AUTO_START;

	dest = g_dbus_message_get_destination(m);
	if (dest && dest[0] == ':') {
		a.dst_id = unique_id(dest);
		if (!a.dst_id) {
			ret = -EINVAL;
			goto out;
		}
	} else if (dest) {
		a.dst_id = KDB_ID_NAME;
		a.dst_name = dest;
	} else if (type == G_DBUS_MESSAGE_TYPE_SIGNAL) {
		a.dst_id = KDB_ID_BROADCAST;
		bloom = calloc(1, conn->bloom_size);
		if (!bloom) {
			ret = -ENOMEM;
			goto out;
		}
		ret = kdb_dbus_bloom(m, bloom, conn->bloom_size,
				     conn->n_hash);
		if (ret < 0)
			goto out;
		a.bloom = bloom;
	} else {
		ret = -EDESTADDRREQ;
		goto out;
	}

	switch (type) {
	case G_DBUS_MESSAGE_TYPE_METHOD_CALL:
		if (!(g_dbus_message_get_flags(m) &
		      G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED))
			a.flags |= KDB_MSG_EXPECT_REPLY;
		break;
	case G_DBUS_MESSAGE_TYPE_SIGNAL:
		a.flags |= KDB_MSG_SIGNAL;
		break;
	case G_DBUS_MESSAGE_TYPE_METHOD_RETURN:
	case G_DBUS_MESSAGE_TYPE_ERROR:
		a.cookie_reply = g_dbus_message_get_reply_serial(m);
		break;
	default:
		ret = -EINVAL;
		goto out;
	}
	if (reply && !(a.flags & KDB_MSG_EXPECT_REPLY)) {
		ret = -EINVAL;
		goto out;
	}
	ret = kdb_send(conn, &a, NULL, reply);
out:
	free(bloom);
	g_free(blob);
	return ret;
}

KDB_EXPORT int kdb_dbus_send(struct kdb_conn *conn, GDBusMessage *message,
			     uint64_t timeout_us)
{
	return dbus_send(conn, message, timeout_us, -1, NULL);
}

KDB_EXPORT int kdb_dbus_from_msg(struct kdb_msg *msg, GDBusMessage **out)
{
	GDBusMessage *m;
	GError *err = NULL;
	const void *blob;
	char sender[32];
	size_t size, n, i;
	const int *fds;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!msg)
		return -EINVAL;
	if (kdb_msg_payload_type(msg) != KDB_PAYLOAD_DBUS)
		return -EPROTOTYPE;
	blob = kdb_msg_payload(msg, &size);
	if (!blob || !size)
		return -EBADMSG;
	m = g_dbus_message_new_from_blob((guchar *)blob, size, CAPS, &err);
	if (!m) {
		g_clear_error(&err);
		return -EBADMSG;
	}
	/* the sender the kernel vouches for, not what the message says */
	snprintf(sender, sizeof(sender), ":1.%llu",
		 (unsigned long long)kdb_msg_src_id(msg));
	g_dbus_message_set_sender(m, sender);
	fds = kdb_msg_fds(msg, &n);
	if (n) {
		GUnixFDList *l = g_unix_fd_list_new();

		for (i = 0; i < n; i++) {
			if (g_unix_fd_list_append(l, fds[i] >= 0 ? fds[i] :
						  -1, NULL) < 0) {
				/* a missing fd: keep the indices right */
				g_object_unref(l);
				g_object_unref(m);
				return -EBADF;
			}
		}
		g_dbus_message_set_unix_fd_list(m, l);
		g_object_unref(l);
	}
	*out = m;
	return 0;
}

KDB_EXPORT int kdb_dbus_recv(struct kdb_conn *conn, GDBusMessage **message,
			     struct kdb_msg **raw)
{
	struct kdb_msg *msg;
	int ret;

	if (raw)
		*raw = NULL;
	if (!message)
		return -EINVAL;
	*message = NULL;
	ret = kdb_recv(conn, 0, &msg, NULL);
	if (ret < 0)
		return ret;
	ret = kdb_dbus_from_msg(msg, message);
	if (ret == -EPROTOTYPE || kdb_msg_src_id(msg) == KDB_ID_KERNEL)
		ret = -ENOMSG;
	if (raw) {
		*raw = msg;
		return ret;
	}
	kdb_msg_free(msg);
	return ret;
}

KDB_EXPORT int kdb_dbus_call(struct kdb_conn *conn, GDBusMessage *call,
			     uint64_t timeout_us, int cancel_fd,
			     GDBusMessage **reply)
{
	struct kdb_msg *r = NULL;
	int ret;

	if (!reply)
		return -EINVAL;
	*reply = NULL;
	if (!call ||
	    g_dbus_message_get_message_type(call) !=
	    G_DBUS_MESSAGE_TYPE_METHOD_CALL ||
	    (g_dbus_message_get_flags(call) &
	     G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED))
		return -EINVAL;
	ret = dbus_send(conn, call, timeout_us, cancel_fd, &r);
	if (ret < 0)
		return ret;
	ret = kdb_dbus_from_msg(r, reply);
	kdb_msg_free(r);
	return ret;
}

/* ---- match rules ------------------------------------------------------ */

#define RULE_ARGS 64

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
			m.sender_id = unique_id(r.sender);
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

static const char *string_arg(GVariant *body, unsigned int i)
{
	const char *s = NULL;
	GVariant *c;

	if (!body || !g_variant_is_container(body) ||
	    i >= g_variant_n_children(body))
		return NULL;
	c = g_variant_get_child_value(body, i);
	if (is_string_type(g_variant_get_type(c)))
		s = g_variant_get_string(c, NULL);
	/* the string lives in the body, which the message holds */
	g_variant_unref(c);
	return s;
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

KDB_EXPORT int kdb_dbus_match_test(const char *rule, GDBusMessage *message)
{
	GVariant *body;
	const char *sender;
	struct rule r;
	bool ok;
	unsigned int i;
	int ret;

	if (!rule || !message)
		return -EINVAL;
	ret = rule_parse(rule, &r);
	if (ret < 0) {
		rule_free(&r);
		return ret;
	}
	body = g_dbus_message_get_body(message);
	sender = g_dbus_message_get_sender(message);
	ok = str_is(r.type,
		    type_word(g_dbus_message_get_message_type(message))) &&
	     str_is(r.interface, g_dbus_message_get_interface(message)) &&
	     str_is(r.member, g_dbus_message_get_member(message)) &&
	     str_is(r.path, g_dbus_message_get_path(message));
	/* a well-known sender the kernel checked exactly (a NAME item) */
	if (ok && r.sender && r.sender[0] == ':')
		ok = str_is(r.sender, sender);
	if (ok && r.path_namespace)
		ok = in_namespace(r.path_namespace,
				  g_dbus_message_get_path(message), '/');
	if (ok && r.arg0namespace)
		ok = in_namespace(r.arg0namespace, string_arg(body, 0), '.');
	for (i = 0; ok && i < RULE_ARGS; i++) {
		if (r.arg[i])
			ok = str_is(r.arg[i], string_arg(body, i));
		if (ok && r.argpath[i])
			ok = path_match(r.argpath[i], string_arg(body, i));
	}
	rule_free(&r);
	return ok;
}
