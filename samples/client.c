// SPDX-License-Identifier: GPL-2.0
/*
 * client - calls the sample service's methods and prints the answers.
 *
 * What it shows: synchronous D-Bus calls over kdbusfs (kdb_dbus_call:
 * the call waits in the kernel for its reply, with a timeout), reading
 * method returns and D-Bus errors, and what a call to a name nobody owns
 * does (ESRCH).
 *
 *   client BUS [NAME]         (NAME: org.example.Echo)
 *
 * Run samples/service first; the client prints one line per call and
 * exits 0 if every answer was the expected one.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libkdbus.h>
#include <libkdbus-dbus.h>

static const char *name;

static GDBusMessage *call(struct kdb_conn *c, const char *method,
			  GVariant *args, int *err)
{
	GDBusMessage *m, *r = NULL;

	m = g_dbus_message_new_method_call(name, "/org/example/Echo",
					   "org.example.Echo", method);
	if (args)
		g_dbus_message_set_body(m, args);
	/* two seconds, in the kernel: -ETIMEDOUT if no answer comes */
	*err = kdb_dbus_call(c, m, 2000000, -1, &r);
	g_object_unref(m);
	return r;
}

int main(int argc, char **argv)
{
	/* the service may learn our uid from the kernel (Whoami) */
	struct kdb_hello h = { .attach_send = KDB_ATTACH_CREDS };
	struct kdb_conn *c = NULL;
	GDBusMessage *r;
	const char *s = NULL;
	char path[4096];
	gint32 sum = 0;
	guint64 id = 0;
	guint32 uid = 0;
	int ret, bad = 0;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: client BUS [NAME]\n");
		return 2;
	}
	name = argc > 2 ? argv[2] : "org.example.Echo";
	ret = kdb_bus_path(argv[1], path, sizeof(path));
	if (ret == 0)
		ret = kdb_conn_open(path, &h, &c);
	if (ret < 0) {
		fprintf(stderr, "client: %s: %s\n", argv[1], kdb_strerror(ret));
		return 1;
	}

	r = call(c, "Echo", g_variant_new("(s)", "hello, kdbus"), &ret);
	if (r && g_dbus_message_get_message_type(r) ==
	    G_DBUS_MESSAGE_TYPE_METHOD_RETURN)
		g_variant_get(g_dbus_message_get_body(r), "(&s)", &s);
	printf("Echo(\"hello, kdbus\") = \"%s\"\n", s ? s : "?");
	bad |= !s || strcmp(s, "hello, kdbus");
	g_clear_object(&r);

	r = call(c, "Add", g_variant_new("(ii)", 40, 2), &ret);
	if (r && g_dbus_message_get_message_type(r) ==
	    G_DBUS_MESSAGE_TYPE_METHOD_RETURN)
		g_variant_get(g_dbus_message_get_body(r), "(i)", &sum);
	printf("Add(40, 2) = %d\n", sum);
	bad |= sum != 42;
	g_clear_object(&r);

	r = call(c, "Whoami", NULL, &ret);
	if (r && g_dbus_message_get_message_type(r) ==
	    G_DBUS_MESSAGE_TYPE_METHOD_RETURN)
		g_variant_get(g_dbus_message_get_body(r), "(tu)", &id, &uid);
	printf("Whoami() = connection %llu, uid %u (we are %llu)\n",
	       (unsigned long long)id, uid,
	       (unsigned long long)kdb_conn_id(c));
	bad |= id != kdb_conn_id(c);
	g_clear_object(&r);

	r = call(c, "NoSuchMethod", NULL, &ret);
	printf("NoSuchMethod() = error %s\n",
	       r ? g_dbus_message_get_error_name(r) : kdb_strerror(ret));
	bad |= !r || !g_dbus_message_get_error_name(r);
	g_clear_object(&r);

	name = "org.example.Nobody";
	r = call(c, "Echo", g_variant_new("(s)", "x"), &ret);
	printf("org.example.Nobody Echo() = %s\n", kdb_strerror(ret));
	bad |= ret != -ESRCH;
	g_clear_object(&r);

	kdb_conn_free(c);
	return bad ? 1 : 0;
}
