// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkdbus: D-Bus messages over kdbusfs, marshalled by GLib's GDBusMessage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gio/gunixfdlist.h>

#include "kdbus-internal.h"
#include "libkdbus-dbus.h"

#define CAPS G_DBUS_CAPABILITY_FLAGS_UNIX_FD_PASSING

/* the header fields of @m */
static void hdr_of(GDBusMessage *m, struct kdb_dbus_hdr *h)
{
	GDBusMessageFlags fl = g_dbus_message_get_flags(m);

	h->type = g_dbus_message_get_message_type(m);
	h->destination = g_dbus_message_get_destination(m);
	h->sender = g_dbus_message_get_sender(m);
	h->path = g_dbus_message_get_path(m);
	h->interface = g_dbus_message_get_interface(m);
	h->member = g_dbus_message_get_member(m);
	h->serial = g_dbus_message_get_serial(m);
	h->reply_serial = g_dbus_message_get_reply_serial(m);
	h->no_reply = fl & G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED;
	h->no_auto_start = fl & G_DBUS_MESSAGE_FLAGS_NO_AUTO_START;
}

/* 's', 'o', 'g' */
static bool is_string_type(const GVariantType *t)
{
	return g_variant_type_equal(t, G_VARIANT_TYPE_STRING) ||
	       g_variant_type_equal(t, G_VARIANT_TYPE_OBJECT_PATH) ||
	       g_variant_type_equal(t, G_VARIANT_TYPE_SIGNATURE);
}

KDB_EXPORT int kdb_dbus_bloom(GDBusMessage *message, uint64_t *f,
			      size_t size, unsigned int k)
{
	struct kdb_dbus_hdr h;
	GVariant *body;
	unsigned int i, n;
	int ret;

	if (!message || !f)
		return -EINVAL;
	hdr_of(message, &h);
	ret = kdb_dbus_bloom_header(f, size, k, &h);
	if (ret < 0)
		return ret;
	body = g_dbus_message_get_body(message);
	if (!body || !g_variant_is_container(body))
		return 0;
	n = g_variant_n_children(body);
	for (i = 0; i < n && i < KDB_DBUS_RULE_ARGS; i++) {
		GVariant *c = g_variant_get_child_value(body, i);
		const GVariantType *t = g_variant_get_type(c);
		bool go_on = true;

		if (is_string_type(t)) {
			kdb_dbus_bloom_arg(f, size, k, i,
					   g_variant_get_string(c, NULL));
		} else if (g_variant_type_is_array(t) &&
			   is_string_type(g_variant_type_element(t))) {
			size_t j, m = g_variant_n_children(c);

			for (j = 0; j < m; j++) {
				GVariant *e = g_variant_get_child_value(c, j);

				kdb_dbus_bloom_has(f, size, k, i,
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
	struct kdb_dbus_blob b = { 0 };
	struct kdb_dbus_hdr h;
	GUnixFDList *fdl;
	GError *err = NULL;
	uint64_t *bloom = NULL;
	guchar *blob;
	gsize size;
	gint n_fds = 0;
	int ret;

	if (!conn || !m)
		return -EINVAL;
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
	hdr_of(m, &h);
	fdl = g_dbus_message_get_unix_fd_list(m);
	if (fdl)
		b.fds = g_unix_fd_list_peek_fds(fdl, &n_fds);
	b.n_fds = n_fds;
	b.data = blob;
	b.size = size;
	if (kdb_dbus_is_broadcast(&h)) {
		bloom = calloc(1, conn->bloom_size);
		if (!bloom) {
			ret = -ENOMEM;
			goto out;
		}
		ret = kdb_dbus_bloom(m, bloom, conn->bloom_size,
				     conn->n_hash);
		if (ret < 0)
			goto out;
		b.bloom = bloom;
	}
	ret = kdb_dbus_send_blob(conn, &h, &b, timeout_us, cancel_fd, reply);
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
	int ret;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!msg)
		return -EINVAL;
	ret = kdb_dbus_payload(msg, &blob, &size, sender);
	if (ret < 0)
		return ret;
	m = g_dbus_message_new_from_blob((guchar *)blob, size, CAPS, &err);
	if (!m) {
		g_clear_error(&err);
		return -EBADMSG;
	}
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

static int parse(struct kdb_msg *msg, void *message)
{
	return kdb_dbus_from_msg(msg, message);
}

KDB_EXPORT int kdb_dbus_recv(struct kdb_conn *conn, GDBusMessage **message,
			     struct kdb_msg **raw)
{
	if (raw)
		*raw = NULL;
	if (!message)
		return -EINVAL;
	*message = NULL;
	return kdb_dbus_recv_with(conn, parse, message, raw);
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

KDB_EXPORT int kdb_dbus_match_test(const char *rule, GDBusMessage *message)
{
	const char *args[KDB_DBUS_RULE_ARGS] = { NULL };
	struct kdb_dbus_hdr h;
	GVariant *body;
	unsigned int i, n = 0;

	if (!rule || !message)
		return -EINVAL;
	hdr_of(message, &h);
	body = g_dbus_message_get_body(message);
	if (body && g_variant_is_container(body))
		n = g_variant_n_children(body);
	for (i = 0; i < n && i < KDB_DBUS_RULE_ARGS; i++) {
		GVariant *c = g_variant_get_child_value(body, i);

		/* the string lives in the body, which the message holds */
		if (is_string_type(g_variant_get_type(c)))
			args[i] = g_variant_get_string(c, NULL);
		g_variant_unref(c);
	}
	return kdb_dbus_rule_test(rule, &h, args);
}
