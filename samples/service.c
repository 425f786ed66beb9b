// SPDX-License-Identifier: GPL-2.0
/*
 * service - a D-Bus service on a kdbusfs bus: it owns a well-known name
 * and answers method calls.
 *
 * What it shows: connecting (kdb_conn_open), owning a name
 * (kdb_name_acquire), receiving D-Bus messages (kdb_dbus_recv) and
 * answering them with GDBusMessage replies and errors (kdb_dbus_send).
 *
 *   service BUS [NAME]        (NAME: org.example.Echo)
 *
 * Interface org.example.Echo at /org/example/Echo:
 *   Echo(...) -> ...          its arguments back, whatever they are
 *   Add(ii) -> i              the sum
 *   Whoami() -> (tu)          the caller's connection id and uid, as the
 *                             kernel vouches for them (CONN_INFO)
 *   Quit()                    answers, then the service exits
 * Anything else gets org.freedesktop.DBus.Error.UnknownMethod.
 *
 * It prints "ready NAME" once it owns the name. Try, with a bus made by
 * "kdbusfs bus-make MNT 1000-demo":
 *   samples/service 1000-demo &
 *   kdbusfs call 1000-demo org.example.Echo /org/example/Echo \
 *       org.example.Echo Echo s hello
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libkdbus.h>
#include <libkdbus-dbus.h>

static GDBusMessage *answer(struct kdb_conn *c, GDBusMessage *call,
			    bool *quit)
{
	const char *member = g_dbus_message_get_member(call);
	const char *sig = g_dbus_message_get_signature(call);
	GVariant *body = g_dbus_message_get_body(call);
	GDBusMessage *r;

	if (!strcmp(member, "Echo")) {
		r = g_dbus_message_new_method_reply(call);
		if (body)
			g_dbus_message_set_body(r, g_variant_ref(body));
	} else if (!strcmp(member, "Add") && !strcmp(sig, "ii")) {
		gint32 a, b;

		g_variant_get(body, "(ii)", &a, &b);
		r = g_dbus_message_new_method_reply(call);
		g_dbus_message_set_body(r, g_variant_new("(i)", a + b));
	} else if (!strcmp(member, "Whoami")) {
		const char *sender = g_dbus_message_get_sender(call);
		guint64 id = g_ascii_strtoull(sender + 3, NULL, 10);
		struct kdb_info *info = NULL;
		guint32 uid = (guint32)-1;

		/* the caller's id comes from the kernel, not the message */
		if (kdb_conn_info(c, id, NULL, KDB_ATTACH_CREDS, &info) == 0 &&
		    info->meta.present & KDB_ATTACH_CREDS)
			uid = info->meta.creds.euid;
		kdb_info_free(info);
		r = g_dbus_message_new_method_reply(call);
		g_dbus_message_set_body(r, g_variant_new("(tu)", id, uid));
	} else if (!strcmp(member, "Quit")) {
		r = g_dbus_message_new_method_reply(call);
		*quit = true;
	} else {
		r = g_dbus_message_new_method_error(call,
						    "org.freedesktop.DBus.Error.UnknownMethod",
						    "no method %s(%s)", member, sig);
	}
	return r;
}

int main(int argc, char **argv)
{
	const char *name = argc > 2 ? argv[2] : "org.example.Echo";
	struct kdb_hello hello = {
		.attach_send = KDB_ATTACH_CREDS | KDB_ATTACH_PIDS |
			       KDB_ATTACH_PID_COMM | KDB_ATTACH_DESCRIPTION |
			       KDB_ATTACH_NAMES,
		.description = "sample-service",
	};
	struct kdb_conn *c = NULL;
	char path[4096];
	bool quit = false;
	int ret;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: service BUS [NAME]\n");
		return 2;
	}
	ret = kdb_bus_path(argv[1], path, sizeof(path));
	if (ret == 0)
		ret = kdb_conn_open(path, &hello, &c);
	if (ret < 0) {
		fprintf(stderr, "service: %s: %s\n", argv[1], kdb_strerror(ret));
		return 1;
	}
	ret = kdb_name_acquire(c, name, 0, NULL);
	if (ret < 0) {
		fprintf(stderr, "service: own %s: %s\n", name,
			kdb_strerror(ret));
		kdb_conn_free(c);
		return 1;
	}
	printf("ready %s %s\n", name, kdb_conn_unique_name(c));
	fflush(stdout);

	while (!quit) {
		GDBusMessage *call = NULL, *reply;

		ret = kdb_conn_wait(c, -1);
		if (ret < 0)
			break;
		ret = kdb_dbus_recv(c, &call, NULL);
		if (ret == -EAGAIN || ret == -ENOMSG || ret == -EBADMSG)
			continue;
		if (ret < 0)
			break;
		if (g_dbus_message_get_message_type(call) ==
		    G_DBUS_MESSAGE_TYPE_METHOD_CALL) {
			reply = answer(c, call, &quit);
			if (!(g_dbus_message_get_flags(call) &
			      G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED)) {
				ret = kdb_dbus_send(c, reply, 0);
				if (ret < 0)
					fprintf(stderr, "service: reply: %s\n",
						kdb_strerror(ret));
			}
			g_object_unref(reply);
		}
		g_object_unref(call);
	}
	kdb_conn_free(c);
	if (ret < 0 && !quit) {
		fprintf(stderr, "service: %s\n", kdb_strerror(ret));
		return 1;
	}
	return 0;
}
