// SPDX-License-Identifier: GPL-2.0
/*
 * listener - subscribes to D-Bus signals with match rules and prints
 * what arrives.
 *
 * What it shows: kdb_dbus_match_add() turns a D-Bus match rule into a
 * kernel match rule with a bloom mask, so the kernel filters broadcasts
 * before they reach us; a bloom filter can let a false positive through,
 * so each signal is checked against the rule exactly with
 * kdb_dbus_match_test() too. It also subscribes to the kernel's name
 * notifications (kdb_match_notifications).
 *
 *   listener BUS
 *
 * Prints "listening", then each org.example.Ticker signal, and exits 0
 * after the Done signal (1 after 10 s without one).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libkdbus.h>
#include <libkdbus-dbus.h>

#define RULE "type='signal',interface='org.example.Ticker'," \
	     "path='/org/example/Ticker'"

int main(int argc, char **argv)
{
	struct kdb_conn *c = NULL;
	char path[4096];
	int ret, ticks = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: listener BUS\n");
		return 2;
	}
	ret = kdb_bus_path(argv[1], path, sizeof(path));
	if (ret == 0)
		ret = kdb_conn_open(path, NULL, &c);
	if (ret == 0)
		ret = kdb_dbus_match_add(c, 1, RULE);
	if (ret == 0)
		ret = kdb_match_notifications(c, 2);
	if (ret < 0) {
		fprintf(stderr, "listener: %s: %s\n", argv[1],
			kdb_strerror(ret));
		kdb_conn_free(c);
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		struct kdb_msg *raw = NULL;
		struct kdb_notify n;
		GDBusMessage *m = NULL;
		const char *member;

		ret = kdb_conn_wait(c, 10000);
		if (ret < 0)
			break;
		ret = kdb_dbus_recv(c, &m, &raw);
		if (ret == -ENOMSG && kdb_msg_notify(raw, &n) != KDB_NOTIFY_NONE)
			printf("kernel: %s %s\n", kdb_notify_type_name(n.type),
			       n.name ? n.name : "");
		kdb_msg_free(raw);
		if (ret < 0)
			continue;
		member = g_dbus_message_get_member(m);
		if (kdb_dbus_match_test(RULE, m) != 1) {
			printf("(a bloom false positive: %s)\n", member);
		} else if (!strcmp(member, "Tick")) {
			guint32 i;
			const char *s;

			g_variant_get(g_dbus_message_get_body(m), "(u&s)", &i,
				      &s);
			printf("got Tick %u \"%s\" from %s\n", i, s,
			       g_dbus_message_get_sender(m));
			ticks++;
		} else if (!strcmp(member, "Done")) {
			printf("got Done after %d ticks\n", ticks);
			g_object_unref(m);
			fflush(stdout);
			break;
		}
		g_object_unref(m);
		fflush(stdout);
	}
	kdb_conn_free(c);
	if (ret < 0) {
		fprintf(stderr, "listener: %s\n", kdb_strerror(ret));
		return 1;
	}
	return 0;
}
