// SPDX-License-Identifier: GPL-2.0
/*
 * emitter - broadcasts D-Bus signals on a kdbusfs bus.
 *
 * What it shows: a signal without a destination is a kdbus broadcast;
 * kdb_dbus_send() gives it a bloom filter of its interface, member, path
 * and string arguments (sd-bus's scheme), and the kernel delivers it only
 * to connections whose match rules' masks it covers.
 *
 *   emitter BUS [COUNT]       (COUNT: 3)
 *
 * Sends COUNT signals org.example.Ticker.Tick(u n, s "tick n") from
 * /org/example/Ticker, n = 1..COUNT, 50 ms apart, then one
 * org.example.Ticker.Done(). Run samples/listener first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <libkdbus.h>
#include <libkdbus-dbus.h>

static int emit(struct kdb_conn *c, const char *member, GVariant *args)
{
	GDBusMessage *m = g_dbus_message_new_signal("/org/example/Ticker",
						    "org.example.Ticker",
						    member);
	int ret;

	if (args)
		g_dbus_message_set_body(m, args);
	ret = kdb_dbus_send(c, m, 0);
	g_object_unref(m);
	return ret;
}

int main(int argc, char **argv)
{
	struct kdb_conn *c = NULL;
	char path[4096], text[32];
	unsigned int i, count;
	int ret;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: emitter BUS [COUNT]\n");
		return 2;
	}
	count = argc > 2 ? strtoul(argv[2], NULL, 10) : 3;
	ret = kdb_bus_path(argv[1], path, sizeof(path));
	if (ret == 0)
		ret = kdb_conn_open(path, NULL, &c);
	if (ret < 0) {
		fprintf(stderr, "emitter: %s: %s\n", argv[1],
			kdb_strerror(ret));
		return 1;
	}
	for (i = 1; i <= count && ret == 0; i++) {
		snprintf(text, sizeof(text), "tick %u", i);
		ret = emit(c, "Tick", g_variant_new("(us)", i, text));
		printf("emitted Tick %u\n", i);
		usleep(50000);
	}
	if (ret == 0)
		ret = emit(c, "Done", NULL);
	kdb_conn_free(c);
	if (ret < 0) {
		fprintf(stderr, "emitter: %s\n", kdb_strerror(ret));
		return 1;
	}
	return 0;
}
