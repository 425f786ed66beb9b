// SPDX-License-Identifier: GPL-2.0
/*
 * kdbusfs-bridge - serve the D-Bus protocol on a unix socket and put every
 * client on a kdbusfs bus as a connection of its own, opened with the
 * client's credentials. libdbus's DBusServer does the SASL handshake
 * (only EXTERNAL is allowed) and reads each client's messages; the bridge
 * answers org.freedesktop.DBus itself (in GDBus terms) and hands
 * everything else to the kernel as a libkdbus D-Bus payload, the bytes
 * as the client wrote them. What the kernel delivers to the client's
 * connection goes back to the client with its serial kept.
 *
 * See Documentation/filesystems/kdbusfs-dbus.rst.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include <gio/gio.h>
#include <gio/gunixfdlist.h>
#include <glib-unix.h>
#include <libkdbus.h>
#include <libkdbus-dbus.h>
#include <libkdbus-dbus1.h>

#include "bridge.h"

/*
 * GLib's types are CamelCase, which the project's checkpatch refuses:
 * they are named here by what returns them.
 */
#define gmsg_t		typeof(*g_dbus_message_new())
#define gerr_t		typeof(*g_error_copy(NULL))
#define gvar_t		typeof(*g_variant_new_boolean(0))
#define ghash_t		typeof(*g_hash_table_new(NULL, NULL))
#define gloop_t		typeof(*g_main_loop_new(NULL, 0))
#define gcond_t		typeof(g_io_channel_get_buffer_condition(NULL))

#define DRIVER		"org.freedesktop.DBus"
#define DRIVER_PATH	"/org/freedesktop/DBus"
#define ERR_PREFIX	"org.freedesktop.DBus.Error."
#define NOTIFY_COOKIE	1
#define FIRST_MATCH	2

struct rule {
	struct rule *next;
	char *text;
	uint64_t cookie;
	bool driver;		/* sender='org.freedesktop.DBus': not in the kernel */
};

struct client {
	unsigned int key;
	DBusConnection *dconn;	/* libdbus's, on the client's socket */
	guint dispatch, drain;	/* idle: messages to take; paused: a timer */
	guint deadline;		/* until its first message */
	bool unix_fd;		/* the client negotiated fd passing */
	guint32 serial;		/* of the driver's messages to the client */
	bool paused;		/* too much waits for the client: read nothing */
	bool closing;		/* client_close() was called */
	bool handling;		/* in libdbus's watch handler: dispatch after */
	struct kdb_conn *kconn;
	uint64_t kid;		/* its id, while in by_id */
	guint watch;
	bool said_hello;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	char *seclabel;		/* SO_PEERSEC, or NULL */
	bool faked;		/* HELLO presented the client's pid (and label) */
	uint64_t next_cookie;
	struct rule *rules;
	int sock;		/* the client's socket, libdbus's */
	bool monitor;		/* BecomeMonitor: a kernel monitor now */
	char **monitor_rules;	/* what it wants to see; NULL: everything */
};

static const char *bus_path;
static ghash_t *clients;	/* key -> struct client */
static ghash_t *by_id;		/* kernel connection id -> struct client */
static ghash_t *owners;		/* well-known name -> its owner's id, a hint */
static unsigned int next_key = 1;
static bool verbose;
static bool serve_every_uid;	/* root, and not a session bus of our own */

#define dbg(...) do { if (verbose) g_printerr("kdbusfs-bridge: " __VA_ARGS__); } while (0)

static const char introspect_xml[] =
	"<!DOCTYPE node PUBLIC \"-//freedesktop//DTD D-BUS Object Introspection 1.0//EN\"\n"
	"\"http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd\">\n"
	"<node>\n"
	" <interface name=\"org.freedesktop.DBus\">\n"
	"  <method name=\"Hello\"><arg direction=\"out\" type=\"s\"/></method>\n"
	"  <method name=\"RequestName\"><arg direction=\"in\" type=\"s\"/>\n"
	"   <arg direction=\"in\" type=\"u\"/><arg direction=\"out\" type=\"u\"/></method>\n"
	"  <method name=\"ReleaseName\"><arg direction=\"in\" type=\"s\"/>\n"
	"   <arg direction=\"out\" type=\"u\"/></method>\n"
	"  <method name=\"GetNameOwner\"><arg direction=\"in\" type=\"s\"/>\n"
	"   <arg direction=\"out\" type=\"s\"/></method>\n"
	"  <method name=\"NameHasOwner\"><arg direction=\"in\" type=\"s\"/>\n"
	"   <arg direction=\"out\" type=\"b\"/></method>\n"
	"  <method name=\"ListNames\"><arg direction=\"out\" type=\"as\"/></method>\n"
	"  <method name=\"GetId\"><arg direction=\"out\" type=\"s\"/></method>\n"
	"  <method name=\"GetConnectionUnixUser\"><arg direction=\"in\" type=\"s\"/>\n"
	"   <arg direction=\"out\" type=\"u\"/></method>\n"
	"  <method name=\"GetConnectionUnixProcessID\">\n"
	"   <arg direction=\"in\" type=\"s\"/><arg direction=\"out\" type=\"u\"/></method>\n"
	"  <method name=\"ListActivatableNames\"><arg direction=\"out\" type=\"as\"/></method>\n"
	"  <method name=\"ListQueuedOwners\"><arg direction=\"in\" type=\"s\"/>\n"
	"   <arg direction=\"out\" type=\"as\"/></method>\n"
	"  <method name=\"GetConnectionCredentials\"><arg direction=\"in\" type=\"s\"/>\n"
	"   <arg direction=\"out\" type=\"a{sv}\"/></method>\n"
	"  <method name=\"AddMatch\"><arg direction=\"in\" type=\"s\"/></method>\n"
	"  <method name=\"RemoveMatch\"><arg direction=\"in\" type=\"s\"/></method>\n"
	"  <method name=\"StartServiceByName\"><arg direction=\"in\" type=\"s\"/>\n"
	"   <arg direction=\"in\" type=\"u\"/><arg direction=\"out\" type=\"u\"/></method>\n"
	"  <method name=\"GetConnectionSELinuxSecurityContext\">\n"
	"   <arg direction=\"in\" type=\"s\"/><arg direction=\"out\" type=\"ay\"/></method>\n"
	"  <method name=\"GetAdtAuditSessionData\"><arg direction=\"in\" type=\"s\"/>\n"
	"   <arg direction=\"out\" type=\"ay\"/></method>\n"
	"  <method name=\"UpdateActivationEnvironment\">\n"
	"   <arg direction=\"in\" type=\"a{ss}\"/></method>\n"
	"  <method name=\"ReloadConfig\"/>\n"
	"  <signal name=\"NameOwnerChanged\">\n"
	"   <arg type=\"s\"/><arg type=\"s\"/><arg type=\"s\"/></signal>\n"
	"  <signal name=\"NameLost\"><arg type=\"s\"/></signal>\n"
	"  <signal name=\"NameAcquired\"><arg type=\"s\"/></signal>\n"
	"  <property name=\"Features\" type=\"as\" access=\"read\"/>\n"
	"  <property name=\"Interfaces\" type=\"as\" access=\"read\"/>\n"
	" </interface>\n"
	" <interface name=\"org.freedesktop.DBus.Properties\">\n"
	"  <method name=\"Get\"><arg direction=\"in\" type=\"s\"/>\n"
	"   <arg direction=\"in\" type=\"s\"/><arg direction=\"out\" type=\"v\"/></method>\n"
	"  <method name=\"GetAll\"><arg direction=\"in\" type=\"s\"/>\n"
	"   <arg direction=\"out\" type=\"a{sv}\"/></method>\n"
	"  <method name=\"Set\"><arg direction=\"in\" type=\"s\"/>\n"
	"   <arg direction=\"in\" type=\"s\"/><arg direction=\"in\" type=\"v\"/></method>\n"
	" </interface>\n"
	" <interface name=\"org.freedesktop.DBus.Monitoring\">\n"
	"  <method name=\"BecomeMonitor\"><arg direction=\"in\" type=\"as\"/>\n"
	"   <arg direction=\"in\" type=\"u\"/></method>\n"
	" </interface>\n"
	" <interface name=\"org.freedesktop.DBus.Introspectable\">\n"
	"  <method name=\"Introspect\"><arg direction=\"out\" type=\"s\"/></method>\n"
	" </interface>\n"
	" <interface name=\"org.freedesktop.DBus.Peer\">\n"
	"  <method name=\"Ping\"/>\n"
	"  <method name=\"GetMachineId\"><arg direction=\"out\" type=\"s\"/></method>\n"
	" </interface>\n"
	"</node>\n";

/* ---- opening the endpoint with the client's credentials ---------------- */

struct opener {
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	int n_groups;
	bool keep_cap;		/* CAP_IPC_OWNER, for presenting the pid */
	int fd;
	int err;
};

/*
 * The raw system calls change the credentials of this thread only (glibc's
 * wrappers would change every thread's): the thread becomes the client,
 * uids, gids and groups, with no capability at all or (@keep_cap) with
 * CAP_IPC_OWNER alone, which kdbusfs needs at open() for HELLO to take the
 * client's pid; kdbusfs pins the opener's credentials at open(). Then the
 * thread ends; no other thread changed. A uid 0 client is treated alike:
 * it gets no capability it did not ask the bridge for.
 */
static void *open_as_client(void *arg)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct caps[2] = {};
	struct opener *o = arg;

	o->fd = -1;
	if (o->keep_cap) {
		caps[CAP_TO_INDEX(CAP_IPC_OWNER)].effective =
			CAP_TO_MASK(CAP_IPC_OWNER);
		caps[CAP_TO_INDEX(CAP_IPC_OWNER)].permitted =
			CAP_TO_MASK(CAP_IPC_OWNER);
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_setgroups, o->n_groups, o->groups) < 0 ||
	    syscall(SYS_setresgid, o->gid, o->gid, o->gid) < 0 ||
	    syscall(SYS_setresuid, o->uid, o->uid, o->uid) < 0 ||
	    syscall(SYS_capset, &hdr, caps) < 0) {
		o->err = errno;
		return NULL;
	}
	o->fd = open(bus_path, O_RDWR | O_CLOEXEC);
	o->err = o->fd < 0 ? errno : 0;
	return NULL;
}

static int open_endpoint(int sock, struct client *c, bool keep_cap)
{
	gid_t groups[256];
	socklen_t len = sizeof(groups);
	struct opener o = {
		.uid = c->uid, .gid = c->gid, .groups = groups,
		.keep_cap = keep_cap,
	};
	pthread_t t;
	int fd;

	if (geteuid() != 0) {
		/* serving our own uid only: our credentials are the client's */
		fd = open(bus_path, O_RDWR | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	if (getsockopt(sock, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return -errno;
	o.n_groups = len / sizeof(gid_t);
	if (pthread_create(&t, NULL, open_as_client, &o))
		return -EAGAIN;
	pthread_join(t, NULL);
	return o.fd < 0 ? -o.err : o.fd;
}

/*
 * HELLO on @fd presenting the client's pid and security label: the kernel
 * takes them from an opener privileged at open() only (-EPERM otherwise),
 * and the connection is then unprivileged whatever its opener was.
 */
static int hello_as_client(int fd, struct client *c, struct kdb_conn **out)
{
	struct kdb_hello hello = {
		.flags = c->unix_fd ? KDB_HELLO_ACCEPT_FD : 0,
		.attach_send = KDB_ATTACH_ALL,
		.description = "kdbusfs-bridge",
	};
	struct kdb_presented who = {
		.pid = c->pid,
		.seclabel = c->seclabel,
	};

	return kdb_conn_open_presented(fd, &hello, &who, out);
}

/*
 * The client's kernel connection: its credentials pinned at open(), its
 * pid and label presented at HELLO where the kernel lets us. The kernel
 * makes a presented connection privileged only by the rule the presented
 * uid meets alone (the bus owner's), never by the capability the bridge
 * keeps to present them, and never on a custom endpoint. If it refuses
 * the items (-EPERM: the opener was unprivileged at open, a user's own
 * bridge on a bus it does not own) the bridge says a plain HELLO on a
 * fresh file opened the same, equally unprivileged, way, and peers see
 * the bridge's pid; never on a file opened with privilege the client
 * does not have.
 */
static int client_connect(int sock, struct client *c)
{
	struct kdb_hello hello = {
		.flags = c->unix_fd ? KDB_HELLO_ACCEPT_FD : 0,
		.attach_send = KDB_ATTACH_ALL,
		.description = "kdbusfs-bridge",
	};
	int fd, ret;

	fd = open_endpoint(sock, c, true);
	if (fd < 0)
		return fd;
	ret = hello_as_client(fd, c, &c->kconn);
	if (ret == 0) {
		c->faked = true;
		return 0;
	}
	if (ret != -EPERM)
		return ret;
	fd = open_endpoint(sock, c, false);
	if (fd < 0)
		return fd;
	return kdb_conn_open_fd(fd, &hello, &c->kconn);
}

/* the client's match rules, as they die with its kernel connection */
static void rules_free(struct client *c)
{
	struct rule *r;

	while ((r = c->rules)) {
		c->rules = r->next;
		g_free(r->text);
		g_free(r);
	}
}

/* ---- sending to the client --------------------------------------------- */

static void client_close(struct client *c);
static void client_pause(struct client *c, bool pause);

/*
 * What waits for a client is bounded: past OUT_HIGH bytes queued in its
 * DBusConnection the bridge takes nothing more from its kernel connection
 * until the client has read all but OUT_LOW. Its kernel queue then fills,
 * and the kernel's own limits answer its senders (see the doc). What it
 * sends is bounded by libdbus's max_received_size.
 */
#define OUT_HIGH	(8 * 1024 * 1024)
#define OUT_LOW		(1024 * 1024)
#define MAX_MESSAGE	(128 * 1024 * 1024)	/* what D-Bus allows */

/* a message from the kernel, or made by the bridge, to the client as it is */
static void to_client1(struct client *c, DBusMessage *m)
{
	if (c->closing)
		return;
	if (!dbus_connection_send(c->dconn, m, NULL)) {
		dbg("to client %u: out of memory\n", c->key);
		return;
	}
	if (dbus_connection_get_outgoing_size(c->dconn) > OUT_HIGH)
		client_pause(c, true);
}

static bool append_value(struct DBusMessageIter *it, gvar_t *v,
			 const int *fds, int n_fds);

/* the elements of container @v, into an open container */
static bool append_children(DBusMessageIter *it, gvar_t *v, const int *fds,
			    int n_fds)
{
	gsize i, n = g_variant_n_children(v);
	bool ok = true;

	for (i = 0; ok && i < n; i++) {
		gvar_t *child = g_variant_get_child_value(v, i);

		ok = append_value(it, child, fds, n_fds);
		g_variant_unref(child);
	}
	return ok;
}

/*
 * One GVariant as libdbus's argument: libdbus marshals, GLib reads; an
 * fd index 'h' becomes the fd itself, which libdbus duplicates.
 */
static bool append_value(DBusMessageIter *it, gvar_t *v, const int *fds,
			 int n_fds)
{
	const char *type = g_variant_get_type_string(v);
	DBusMessageIter sub;
	union {
		guchar y; dbus_bool_t b; gint16 n; guint16 q; gint32 i;
		guint32 u; gint64 x; guint64 t; double d; const char *s;
		int h;
	} val;
	int dtype = type[0];
	bool ok;

	switch (type[0]) {
	case 'y':
		val.y = g_variant_get_byte(v);
		break;
	case 'b':
		val.b = g_variant_get_boolean(v);
		break;
	case 'n':
		val.n = g_variant_get_int16(v);
		break;
	case 'q':
		val.q = g_variant_get_uint16(v);
		break;
	case 'i':
		val.i = g_variant_get_int32(v);
		break;
	case 'u':
		val.u = g_variant_get_uint32(v);
		break;
	case 'x':
		val.x = g_variant_get_int64(v);
		break;
	case 't':
		val.t = g_variant_get_uint64(v);
		break;
	case 'd':
		val.d = g_variant_get_double(v);
		break;
	case 's': case 'o': case 'g':
		val.s = g_variant_get_string(v, NULL);
		break;
	case 'h':
		val.i = g_variant_get_handle(v);
		if (val.i < 0 || val.i >= n_fds)
			return false;
		val.h = fds[val.i];
		break;
	case 'a':
		if (type[1] == 'y') {
			/* the common big one, in one piece */
			gsize len;
			const guchar *p = g_variant_get_fixed_array(v, &len, 1);

			if (!dbus_message_iter_open_container(it,
							      DBUS_TYPE_ARRAY,
							      "y", &sub))
				return false;
			ok = dbus_message_iter_append_fixed_array(&sub,
								  DBUS_TYPE_BYTE,
								  &p, len);
			return dbus_message_iter_close_container(it, &sub) &&
			       ok;
		}
		if (!dbus_message_iter_open_container(it, DBUS_TYPE_ARRAY,
						      type + 1, &sub))
			return false;
		ok = append_children(&sub, v, fds, n_fds);
		return dbus_message_iter_close_container(it, &sub) && ok;
	case '(':
	case '{':
		if (!dbus_message_iter_open_container(it, type[0] == '(' ?
						      DBUS_TYPE_STRUCT :
						      DBUS_TYPE_DICT_ENTRY,
						      NULL, &sub))
			return false;
		ok = append_children(&sub, v, fds, n_fds);
		return dbus_message_iter_close_container(it, &sub) && ok;
	case 'v': {
		gvar_t *child = g_variant_get_variant(v);

		ok = dbus_message_iter_open_container(it, DBUS_TYPE_VARIANT,
						      g_variant_get_type_string(child),
						      &sub);
		if (ok) {
			ok = append_value(&sub, child, fds, n_fds);
			ok = dbus_message_iter_close_container(it, &sub) && ok;
		}
		g_variant_unref(child);
		return ok;
	}
	default:
		return false;
	}
	if (dtype == 'h')
		dtype = DBUS_TYPE_UNIX_FD;
	return dbus_message_iter_append_basic(it, dtype, &val);
}

/*
 * The libdbus twin of a message GDBus holds: the driver's own, and one
 * from the kernel with fds (libdbus reads no marshalled message with fds).
 */
static DBusMessage *dbus1_of(gmsg_t *g)
{
	typeof(*g_dbus_message_get_unix_fd_list(NULL)) *list;
	gvar_t *body = g_dbus_message_get_body(g);
	const int *fds = NULL;
	guint32 reply_serial;
	DBusMessageIter it;
	DBusMessage *m;
	unsigned int flags;
	dbus_bool_t allow;
	int n = 0;
	bool ok;

	m = dbus_message_new(g_dbus_message_get_message_type(g));
	if (!m)
		return NULL;
	/* libdbus's setters take NULL for "none" */
	ok = dbus_message_set_path(m, g_dbus_message_get_path(g)) &&
	     dbus_message_set_interface(m, g_dbus_message_get_interface(g)) &&
	     dbus_message_set_member(m, g_dbus_message_get_member(g)) &&
	     dbus_message_set_error_name(m, g_dbus_message_get_error_name(g)) &&
	     dbus_message_set_destination(m,
					  g_dbus_message_get_destination(g)) &&
	     dbus_message_set_sender(m, g_dbus_message_get_sender(g));
	reply_serial = g_dbus_message_get_reply_serial(g);
	if (ok && reply_serial)
		ok = dbus_message_set_reply_serial(m, reply_serial);
	dbus_message_set_serial(m, g_dbus_message_get_serial(g));
	flags = g_dbus_message_get_flags(g);
	dbus_message_set_no_reply(m, flags &
				  G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED);
	dbus_message_set_auto_start(m, !(flags &
				       G_DBUS_MESSAGE_FLAGS_NO_AUTO_START));
	allow = flags & G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION;
	dbus_message_set_allow_interactive_authorization(m, allow);
	list = g_dbus_message_get_unix_fd_list(g);
	if (list)
		fds = g_unix_fd_list_peek_fds(list, &n);
	if (ok && body) {
		dbus_message_iter_init_append(m, &it);
		ok = append_children(&it, body, fds, n);
	}
	if (!ok) {
		dbus_message_unref(m);
		return NULL;
	}
	return m;
}

/* a message GDBus holds: its own serial unless @preserve */
static void to_client(struct client *c, gmsg_t *g, bool preserve)
{
	DBusMessage *m;

	if (!preserve) {
		if (!++c->serial)
			c->serial++;
		g_dbus_message_set_serial(g, c->serial);
	}
	m = dbus1_of(g);
	if (!m) {
		dbg("to client %u: a message libdbus cannot carry\n", c->key);
		return;
	}
	to_client1(c, m);
	dbus_message_unref(m);
}

static void reply(struct client *c, gmsg_t *call, gvar_t *body)
{
	gmsg_t *r;

	if (g_dbus_message_get_flags(call) &
	    G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED) {
		if (body)
			g_variant_unref(g_variant_ref_sink(body));
		return;
	}
	r = g_dbus_message_new_method_reply(call);
	g_dbus_message_set_sender(r, DRIVER);
	g_dbus_message_set_destination(r, kdb_conn_unique_name(c->kconn));
	if (body)
		g_dbus_message_set_body(r, body);
	to_client(c, r, false);
	g_object_unref(r);
}

static void reply_error(struct client *c, gmsg_t *call, const char *name,
			const char *fmt, ...)
{
	va_list ap;
	char *text;
	gmsg_t *r;

	if (g_dbus_message_get_flags(call) &
	    G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED)
		return;
	va_start(ap, fmt);
	text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	r = g_dbus_message_new_method_error_literal(call, name, text);
	g_dbus_message_set_sender(r, DRIVER);
	if (c->kconn)
		g_dbus_message_set_destination(r,
					       kdb_conn_unique_name(c->kconn));
	to_client(c, r, false);
	g_object_unref(r);
	g_free(text);
}

/* the sender a rule names, or NULL (a newly allocated string) */
static char *rule_sender(const char *text)
{
	const char *s = strstr(text, "sender=");
	const char *e;

	if (!s || (s != text && s[-1] != ',' && s[-1] != ' '))
		return NULL;
	s += strlen("sender=");
	if (*s == '\'') {
		s++;
		e = strchr(s, '\'');
	} else {
		e = s + strcspn(s, ",");
	}
	return e ? g_strndup(s, e - s) : NULL;
}

/* whether a rule of @c lets @m through: @driver for the bridge's signals */
static bool matches(struct client *c, gmsg_t *m, bool driver)
{
	struct rule *r;

	for (r = c->rules; r; r = r->next) {
		char *sender;
		bool ok;

		if (!driver && r->driver)
			continue;
		sender = rule_sender(r->text);
		ok = !driver || !sender || !strcmp(sender, DRIVER);
		g_free(sender);
		if (ok && kdb_dbus_match_test(r->text, m) > 0)
			return true;
	}
	return false;
}

/* matches() of a signal from the kernel, as libdbus read it */
static bool matches1(struct client *c, DBusMessage *m)
{
	struct rule *r;

	for (r = c->rules; r; r = r->next)
		if (!r->driver && kdb_dbus1_match_test(r->text, m) > 0)
			return true;
	return false;
}

/* what a monitor asked to see: everything, or what one of its rules does */
static bool monitor_wants(struct client *c, gmsg_t *m)
{
	char **r;

	if (!c->monitor_rules)
		return true;
	for (r = c->monitor_rules; *r; r++)
		if (kdb_dbus_match_test(*r, m) > 0)
			return true;
	return false;
}

static bool monitor_wants1(struct client *c, DBusMessage *m)
{
	char **r;

	if (!c->monitor_rules)
		return true;
	for (r = c->monitor_rules; *r; r++)
		if (kdb_dbus1_match_test(*r, m) > 0)
			return true;
	return false;
}

static void driver_signal(struct client *c, const char *member,
			  gvar_t *body, bool unicast)
{
	gmsg_t *m = g_dbus_message_new_signal(DRIVER_PATH, DRIVER, member);

	g_dbus_message_set_sender(m, DRIVER);
	g_dbus_message_set_body(m, body);
	if (unicast)
		g_dbus_message_set_destination(m,
					       kdb_conn_unique_name(c->kconn));
	if (unicast || matches(c, m, true))
		to_client(c, m, false);
	g_object_unref(m);
}

static void owner_changed(struct client *c, const char *name,
			  uint64_t old_id, uint64_t new_id)
{
	uint64_t self = kdb_conn_id(c->kconn);
	char o[32] = "", n[32] = "";

	if (old_id)
		snprintf(o, sizeof(o), ":1.%llu", (unsigned long long)old_id);
	if (new_id)
		snprintf(n, sizeof(n), ":1.%llu", (unsigned long long)new_id);
	driver_signal(c, "NameOwnerChanged",
		      g_variant_new("(sss)", name ? name : (old_id ? o : n),
				    o, n), false);
	if (!name || !c->said_hello)
		return;
	if (old_id == self)
		driver_signal(c, "NameLost", g_variant_new("(s)", name), true);
	if (new_id == self)
		driver_signal(c, "NameAcquired", g_variant_new("(s)", name),
			      true);
}

/* a call of @c's gone without an answer: NoReply, as dbus-daemon does */
static void no_reply(struct client *c, uint64_t serial, bool dead)
{
	gmsg_t *m = g_dbus_message_new();

	g_dbus_message_set_message_type(m, G_DBUS_MESSAGE_TYPE_ERROR);
	g_dbus_message_set_reply_serial(m, serial);
	g_dbus_message_set_error_name(m, ERR_PREFIX "NoReply");
	g_dbus_message_set_sender(m, DRIVER);
	g_dbus_message_set_destination(m, kdb_conn_unique_name(c->kconn));
	g_dbus_message_set_body(m, g_variant_new("(s)", dead ?
		"The peer went away or dropped the call without answering" :
		"Did not receive a reply in time"));
	to_client(c, m, false);
	g_object_unref(m);
}

static void kernel_notify(struct client *c, struct kdb_msg *raw)
{
	struct kdb_notify n;

	switch (kdb_msg_notify(raw, &n)) {
	case KDB_NOTIFY_NAME_ADD:
	case KDB_NOTIFY_NAME_REMOVE:
	case KDB_NOTIFY_NAME_CHANGE:
		if (n.new_id)
			g_hash_table_insert(owners, g_strdup(n.name),
					    g_memdup2(&n.new_id,
						      sizeof(n.new_id)));
		else
			g_hash_table_remove(owners, n.name);
		owner_changed(c, n.name, n.old_id, n.new_id);
		break;
	case KDB_NOTIFY_ID_ADD:
		owner_changed(c, NULL, 0, n.id);
		break;
	case KDB_NOTIFY_ID_REMOVE:
		owner_changed(c, NULL, n.id, 0);
		break;
	case KDB_NOTIFY_REPLY_TIMEOUT:
		no_reply(c, kdb_msg_cookie_reply(raw), false);
		break;
	case KDB_NOTIFY_REPLY_DEAD:
		no_reply(c, kdb_msg_cookie_reply(raw), true);
		break;
	default:
		break;
	}
}

static void client_free(struct client *c);

/* a message from the kernel with fds: GDBus reads it, with them */
static void kernel_message_fds(struct client *c, struct kdb_msg *raw)
{
	gmsg_t *m = NULL;

	if (kdb_dbus_from_msg(raw, &m) < 0)
		return;
	if (c->monitor ? monitor_wants(c, m) :
	    g_dbus_message_get_message_type(m) != G_DBUS_MESSAGE_TYPE_SIGNAL ||
	    g_dbus_message_get_destination(m) || matches(c, m, false))
		to_client(c, m, true);
	g_object_unref(m);
}

static void kernel_message(struct client *c, DBusMessage *m)
{
	if (c->monitor ? monitor_wants1(c, m) :
	    dbus_message_get_type(m) != DBUS_MESSAGE_TYPE_SIGNAL ||
	    dbus_message_get_destination(m) || matches1(c, m))
		to_client1(c, m);
}

static gboolean kernel_readable(gint fd, gcond_t cond, gpointer data)
{
	struct client *c = data;
	struct kdb_msg *raw;
	DBusMessage *m;
	int ret;

	/*
	 * One message a wakeup: the fd stays readable while more wait, and
	 * a round trip then costs no receive that finds nothing.
	 */
	(void)fd;
	if (c->closing || c->paused)
		return G_SOURCE_CONTINUE;
	ret = kdb_dbus1_recv(c->kconn, &m, &raw);
	if (ret == -EAGAIN)
		return G_SOURCE_CONTINUE;
	if (ret == -ENOMSG) {
		if (raw && kdb_msg_src_id(raw) == KDB_ID_KERNEL)
			kernel_notify(c, raw);
	} else if (ret == -EPROTONOSUPPORT) {
		kernel_message_fds(c, raw);
	} else if (ret < 0) {
		dbg("client %u: receive: %s\n", c->key, kdb_strerror(ret));
		if (ret == -ECONNRESET || (cond & (G_IO_HUP | G_IO_ERR)))
			client_close(c);
	} else {
		kernel_message(c, m);
	}
	if (m)
		dbus_message_unref(m);
	kdb_msg_free(raw);
	return G_SOURCE_CONTINUE;
}

/* ---- the driver, org.freedesktop.DBus ------------------------------------ */

/* a unique name ":1.N", its id; 0 for anything else */
static uint64_t unique_id(const char *name)
{
	char *end;
	uint64_t id;

	if (strncmp(name, ":1.", 3) || !name[3])
		return 0;
	id = strtoull(name + 3, &end, 10);
	return *end ? 0 : id;
}

static int peer_info(struct client *c, const char *name, uint64_t attach,
		     struct kdb_info **info)
{
	uint64_t id = unique_id(name);

	if (name[0] == ':' && !id)
		return -ENXIO;
	return kdb_conn_info(c->kconn, id, id ? NULL : name, attach, info);
}

static void no_owner(struct client *c, gmsg_t *call, const char *name)
{
	reply_error(c, call, ERR_PREFIX "NameHasNoOwner",
		    "Could not get owner of name '%s': no such name", name);
}

static void drv_request_name(struct client *c, gmsg_t *call, gvar_t *body)
{
	const char *name;
	uint64_t kflags = 0, state = 0;
	guint32 flags, ret;
	int err;

	g_variant_get(body, "(&su)", &name, &flags);
	if (!kdb_name_is_valid(name)) {
		reply_error(c, call, ERR_PREFIX "InvalidArgs",
			    "Requested bus name \"%s\" is not valid", name);
		return;
	}
	if (flags & 0x1)	/* DBUS_NAME_FLAG_ALLOW_REPLACEMENT */
		kflags |= KDB_NAME_ALLOW_REPLACEMENT;
	if (flags & 0x2)	/* DBUS_NAME_FLAG_REPLACE_EXISTING */
		kflags |= KDB_NAME_REPLACE_EXISTING;
	if (!(flags & 0x4))	/* not DBUS_NAME_FLAG_DO_NOT_QUEUE */
		kflags |= KDB_NAME_QUEUE;
	err = kdb_name_acquire(c->kconn, name, kflags, &state);
	if (err == -EEXIST) {
		ret = 3;	/* DBUS_REQUEST_NAME_REPLY_EXISTS */
	} else if (err == -EPERM) {
		reply_error(c, call, ERR_PREFIX "AccessDenied",
			    "Connection is not allowed to own the service \"%s\"",
			    name);
		return;
	} else if (err < 0) {
		reply_error(c, call, ERR_PREFIX "Failed", "RequestName %s: %s",
			    name, kdb_strerror(err));
		return;
	} else if (state & KDB_NAME_IN_QUEUE) {
		ret = 2;	/* IN_QUEUE */
	} else if (state & KDB_NAME_ACQUIRED) {
		ret = 1;	/* PRIMARY_OWNER */
	} else {
		ret = 4;	/* ALREADY_OWNER */
	}
	reply(c, call, g_variant_new("(u)", ret));
}

static void drv_release_name(struct client *c, gmsg_t *call, gvar_t *body)
{
	const char *name;
	guint32 ret = 1;	/* RELEASED */
	int err;

	g_variant_get(body, "(&s)", &name);
	if (!kdb_name_is_valid(name)) {
		reply_error(c, call, ERR_PREFIX "InvalidArgs",
			    "Given bus name \"%s\" is not valid", name);
		return;
	}
	err = kdb_name_release(c->kconn, name);
	if (err == -ESRCH) {
		ret = 2;	/* NON_EXISTENT */
	} else if (err == -EADDRINUSE) {
		ret = 3;	/* NOT_OWNER */
	} else if (err < 0) {
		reply_error(c, call, ERR_PREFIX "Failed", "ReleaseName %s: %s",
			    name, kdb_strerror(err));
		return;
	}
	reply(c, call, g_variant_new("(u)", ret));
}

static void drv_owner(struct client *c, gmsg_t *call, gvar_t *body,
		      bool has)
{
	struct kdb_info *info = NULL;
	const char *name;
	char owner[32];
	int err;

	g_variant_get(body, "(&s)", &name);
	if (!strcmp(name, DRIVER)) {
		reply(c, call, has ? g_variant_new("(b)", TRUE) :
				     g_variant_new("(s)", DRIVER));
		return;
	}
	err = peer_info(c, name, 0, &info);
	if (err == 0)
		snprintf(owner, sizeof(owner), ":1.%llu",
			 (unsigned long long)info->id);
	kdb_info_free(info);
	if (has)
		reply(c, call, g_variant_new("(b)", err == 0));
	else if (err < 0)
		no_owner(c, call, name);
	else
		reply(c, call, g_variant_new("(s)", owner));
}

static void drv_list_names(struct client *c, gmsg_t *call)
{
	typeof(*g_variant_builder_new(NULL)) b;
	ghash_t *seen = g_hash_table_new_full(g_str_hash, g_str_equal,
					      g_free, NULL);
	struct kdb_info *info = NULL;
	size_t i, n = 0;
	int err;

	err = kdb_list(c->kconn, KDB_LIST_UNIQUE | KDB_LIST_NAMES, &info, &n);
	if (err < 0) {
		reply_error(c, call, ERR_PREFIX "Failed", "ListNames: %s",
			    kdb_strerror(err));
		g_hash_table_unref(seen);
		return;
	}
	g_variant_builder_init(&b, G_VARIANT_TYPE("as"));
	g_variant_builder_add(&b, "s", DRIVER);
	for (i = 0; i < n; i++) {
		char *u = g_strdup_printf(":1.%llu",
					  (unsigned long long)info[i].id);

		if (info[i].name && !(info[i].name_flags & KDB_NAME_IN_QUEUE) &&
		    !(info[i].name_flags & KDB_NAME_ACTIVATOR))
			g_variant_builder_add(&b, "s", info[i].name);
		if (g_hash_table_add(seen, u))
			g_variant_builder_add(&b, "s", u);
	}
	kdb_info_free(info);
	g_hash_table_unref(seen);
	reply(c, call, g_variant_new("(as)", &b));
}

static void drv_unix(struct client *c, gmsg_t *call, gvar_t *body, bool pid)
{
	uint64_t attach = pid ? KDB_ATTACH_PIDS : KDB_ATTACH_CREDS;
	struct kdb_info *info = NULL;
	const char *name;
	guint32 v;
	int err;

	g_variant_get(body, "(&s)", &name);
	if (!strcmp(name, DRIVER)) {
		reply(c, call, g_variant_new("(u)", pid ? (guint32)getpid() :
					     (guint32)getuid()));
		return;
	}
	err = peer_info(c, name, attach, &info);
	if (err < 0) {
		no_owner(c, call, name);
		return;
	}
	if (!(info->meta.present & attach)) {
		kdb_info_free(info);
		reply_error(c, call, pid ? ERR_PREFIX "UnixProcessIdUnknown" :
			    ERR_PREFIX "Failed",
			    "The peer of '%s' does not show its %s", name,
			    pid ? "pid" : "uid");
		return;
	}
	v = pid ? info->meta.pids.pid : info->meta.creds.uid;
	kdb_info_free(info);
	reply(c, call, g_variant_new("(u)", v));
}

static void drv_list_activatable(struct client *c, gmsg_t *call)
{
	typeof(*g_variant_builder_new(NULL)) b;
	struct kdb_info *info = NULL;
	size_t i, n = 0;
	int err;

	err = kdb_list(c->kconn, KDB_LIST_ACTIVATORS, &info, &n);
	if (err < 0) {
		reply_error(c, call, ERR_PREFIX "Failed",
			    "ListActivatableNames: %s", kdb_strerror(err));
		return;
	}
	g_variant_builder_init(&b, G_VARIANT_TYPE("as"));
	g_variant_builder_add(&b, "s", DRIVER);
	for (i = 0; i < n; i++)
		if (info[i].name && (info[i].name_flags & KDB_NAME_ACTIVATOR))
			g_variant_builder_add(&b, "s", info[i].name);
	kdb_info_free(info);
	reply(c, call, g_variant_new("(as)", &b));
}

/* the primary owner first, then the queue, as dbus-daemon lists them */
static void drv_list_queued(struct client *c, gmsg_t *call, gvar_t *body)
{
	typeof(*g_variant_builder_new(NULL)) b;
	struct kdb_info *info = NULL;
	size_t i, n = 0, found = 0;
	const char *name;
	int err, pass;

	g_variant_get(body, "(&s)", &name);
	err = kdb_list(c->kconn, KDB_LIST_NAMES | KDB_LIST_QUEUED, &info, &n);
	if (err < 0) {
		reply_error(c, call, ERR_PREFIX "Failed",
			    "ListQueuedOwners: %s", kdb_strerror(err));
		return;
	}
	g_variant_builder_init(&b, G_VARIANT_TYPE("as"));
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < n; i++) {
			bool queued = info[i].name_flags & KDB_NAME_IN_QUEUE;
			char u[32];

			if (!info[i].name || strcmp(info[i].name, name) ||
			    (info[i].name_flags & KDB_NAME_ACTIVATOR) ||
			    queued != !!pass)
				continue;
			snprintf(u, sizeof(u), ":1.%llu",
				 (unsigned long long)info[i].id);
			g_variant_builder_add(&b, "s", u);
			found++;
		}
	}
	kdb_info_free(info);
	if (!found) {
		g_variant_builder_clear(&b);
		no_owner(c, call, name);
		return;
	}
	reply(c, call, g_variant_new("(as)", &b));
}

static void drv_credentials(struct client *c, gmsg_t *call, gvar_t *body)
{
	typeof(*g_variant_builder_new(NULL)) b, groups;
	uint64_t attach = KDB_ATTACH_CREDS | KDB_ATTACH_AUXGROUPS |
			  KDB_ATTACH_PIDS | KDB_ATTACH_SECLABEL;
	struct kdb_info *info = NULL;
	const struct kdb_meta *m;
	const char *name;
	size_t i;

	g_variant_get(body, "(&s)", &name);
	if (peer_info(c, name, attach, &info) < 0) {
		no_owner(c, call, name);
		return;
	}
	m = &info->meta;
	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	if (m->present & KDB_ATTACH_CREDS)
		g_variant_builder_add(&b, "{sv}", "UnixUserID",
				      g_variant_new_uint32(m->creds.uid));
	if (m->present & KDB_ATTACH_AUXGROUPS) {
		g_variant_builder_init(&groups, G_VARIANT_TYPE("au"));
		for (i = 0; i < m->n_auxgroups; i++)
			g_variant_builder_add(&groups, "u",
					      (guint32)m->auxgroups[i]);
		g_variant_builder_add(&b, "{sv}", "UnixGroupIDs",
				      g_variant_builder_end(&groups));
	}
	if (m->present & KDB_ATTACH_PIDS)
		g_variant_builder_add(&b, "{sv}", "ProcessID",
				      g_variant_new_uint32(m->pids.pid));
	if ((m->present & KDB_ATTACH_SECLABEL) && m->seclabel)
		g_variant_builder_add(&b, "{sv}", "LinuxSecurityLabel",
				      g_variant_new_bytestring(m->seclabel));
	kdb_info_free(info);
	reply(c, call, g_variant_new("(a{sv})", &b));
}

/* /etc/machine-id, as dbus-daemon answers Peer.GetMachineId */
static void drv_machine_id(struct client *c, gmsg_t *call)
{
	char *id = NULL;

	if (!g_file_get_contents("/etc/machine-id", &id, NULL, NULL) &&
	    !g_file_get_contents("/var/lib/dbus/machine-id", &id, NULL,
				 NULL)) {
		reply_error(c, call, ERR_PREFIX "Failed", "no machine id");
		return;
	}
	g_strstrip(id);
	reply(c, call, g_variant_new("(s)", id));
	g_free(id);
}

static void drv_add_match(struct client *c, gmsg_t *call, gvar_t *body)
{
	struct rule *r;
	const char *text;
	char *sender;
	int err = 0;

	g_variant_get(body, "(&s)", &text);
	if (kdb_dbus_match_test(text, call) < 0) {
		reply_error(c, call, ERR_PREFIX "MatchRuleInvalid",
			    "Invalid or unsupported match rule \"%s\"", text);
		return;
	}
	r = g_new0(struct rule, 1);
	r->text = g_strdup(text);
	r->cookie = c->next_cookie++;
	sender = rule_sender(text);
	r->driver = sender && !strcmp(sender, DRIVER);
	g_free(sender);
	if (!r->driver)
		err = kdb_dbus_match_add(c->kconn, r->cookie, text);
	if (err < 0) {
		reply_error(c, call, err == -EMFILE ?
			    ERR_PREFIX "LimitsExceeded" :
			    ERR_PREFIX "MatchRuleInvalid",
			    "AddMatch \"%s\": %s", text, kdb_strerror(err));
		g_free(r->text);
		g_free(r);
		return;
	}
	r->next = c->rules;
	c->rules = r;
	reply(c, call, NULL);
}

static void drv_remove_match(struct client *c, gmsg_t *call, gvar_t *body)
{
	struct rule **p, *r;
	const char *text;

	g_variant_get(body, "(&s)", &text);
	if (kdb_dbus_match_equal(text, text) < 0) {
		reply_error(c, call, ERR_PREFIX "MatchRuleInvalid",
			    "Invalid or unsupported match rule \"%s\"", text);
		return;
	}
	/* as dbus-daemon: the rule parsed, key order and quoting aside */
	for (p = &c->rules; *p; p = &(*p)->next) {
		r = *p;
		if (kdb_dbus_match_equal(r->text, text) != 1)
			continue;
		if (!r->driver)
			kdb_match_remove(c->kconn, r->cookie);
		*p = r->next;
		g_free(r->text);
		g_free(r);
		reply(c, call, NULL);
		return;
	}
	reply_error(c, call, ERR_PREFIX "MatchRuleNotFound",
		    "The given match rule wasn't found and can't be removed");
}

/* the label only where SELinux gave it, as dbus-daemon answers */
static void drv_selinux(struct client *c, gmsg_t *call, gvar_t *body)
{
	struct kdb_info *info = NULL;
	const char *name;
	gvar_t *label;

	g_variant_get(body, "(&s)", &name);
	if (peer_info(c, name, KDB_ATTACH_SECLABEL, &info) < 0) {
		no_owner(c, call, name);
		return;
	}
	if (access("/sys/fs/selinux/enforce", F_OK) ||
	    !(info->meta.present & KDB_ATTACH_SECLABEL) ||
	    !info->meta.seclabel) {
		kdb_info_free(info);
		reply_error(c, call, ERR_PREFIX "SELinuxSecurityContextUnknown",
			    "Could not determine security context for '%s'",
			    name);
		return;
	}
	label = g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE,
					  info->meta.seclabel,
					  strlen(info->meta.seclabel), 1);
	kdb_info_free(info);
	reply(c, call, g_variant_new_tuple(&label, 1));
}

/* whether @name is held by an activator: a service the kernel can start */
static int activatable(struct client *c, const char *name)
{
	struct kdb_info *info = NULL;
	size_t i, n = 0;
	int ret;

	ret = kdb_list(c->kconn, KDB_LIST_ACTIVATORS, &info, &n);
	if (ret < 0)
		return ret;
	for (i = 0, ret = 0; i < n && !ret; i++)
		ret = info[i].name && !strcmp(info[i].name, name) &&
		      (info[i].name_flags & KDB_NAME_ACTIVATOR);
	kdb_info_free(info);
	return ret;
}

/*
 * kdbusfs starts services through activators: a message to a name an
 * activator holds waits in its queue for the service, which takes the
 * queue over with the name. A Ping is that message; everything the
 * client sends after it is queued behind it, so SUCCESS can be answered
 * as soon as it is queued.
 */
static void drv_start_service(struct client *c, gmsg_t *call, gvar_t *body)
{
	struct kdb_info *info = NULL;
	const char *name;
	guint32 flags;
	gmsg_t *ping;
	int ret;

	g_variant_get(body, "(&su)", &name, &flags);
	if (!strcmp(name, DRIVER) ||
	    (peer_info(c, name, 0, &info) == 0 &&
	     !(info->flags & KDB_HELLO_ACTIVATOR))) {
		kdb_info_free(info);
		reply(c, call, g_variant_new("(u)", 2));	/* ALREADY_RUNNING */
		return;
	}
	kdb_info_free(info);
	ret = activatable(c, name);
	if (ret <= 0) {
		reply_error(c, call, ERR_PREFIX "ServiceUnknown",
			    "The name %s was not provided by any .service files",
			    name);
		return;
	}
	ping = g_dbus_message_new_method_call(name, "/",
					      "org.freedesktop.DBus.Peer",
					      "Ping");
	g_dbus_message_set_flags(ping, G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED);
	ret = kdb_dbus_send(c->kconn, ping, 0);
	g_object_unref(ping);
	if (ret < 0) {
		reply_error(c, call, ERR_PREFIX "Spawn.Failed",
			    "Starting %s: %s", name, kdb_strerror(ret));
		return;
	}
	reply(c, call, g_variant_new("(u)", 1));	/* SUCCESS */
}

/*
 * BecomeMonitor: the client's connection is replaced by a kernel monitor
 * opened with the client's own credentials and no capability of ours, so
 * the kernel decides who may monitor, as it does natively. Like
 * dbus-daemon, the client loses its names; it sees what the kernel's
 * monitor sees, the messages between connections. The bridge's own
 * driver replies and signals are not on the bus and are not seen.
 */
static void drv_become_monitor(struct client *c, gmsg_t *call, gvar_t *body)
{
	struct kdb_hello hello = {
		.flags = KDB_HELLO_MONITOR | KDB_HELLO_ACCEPT_FD,
		.description = "kdbusfs-bridge-monitor",
	};
	struct kdb_conn *mon = NULL;
	const char *unique = kdb_conn_unique_name(c->kconn);
	const char **rules;
	guint32 flags;
	size_t i;
	int ret;

	g_variant_get(body, "(^a&su)", &rules, &flags);
	if (flags) {
		reply_error(c, call, ERR_PREFIX "InvalidArgs",
			    "BecomeMonitor does not support any flags yet");
		goto out;
	}
	for (i = 0; rules[i]; i++) {
		if (kdb_dbus_match_test(rules[i], call) < 0) {
			reply_error(c, call, ERR_PREFIX "MatchRuleInvalid",
				    "Invalid or unsupported match rule \"%s\"",
				    rules[i]);
			goto out;
		}
	}
	ret = open_endpoint(c->sock, c, false);
	if (ret >= 0)
		ret = kdb_conn_open_fd(ret, &hello, &mon);
	if (ret == -EPERM) {
		reply_error(c, call, ERR_PREFIX "AccessDenied",
			    "Connection %s is not allowed to become a monitor",
			    unique);
		goto out;
	} else if (ret < 0) {
		reply_error(c, call, ERR_PREFIX "Failed",
			    "BecomeMonitor: %s", kdb_strerror(ret));
		goto out;
	}
	reply(c, call, NULL);
	driver_signal(c, "NameLost", g_variant_new("(s)", unique), true);
	if (c->watch)
		g_source_remove(c->watch);
	c->watch = 0;
	g_hash_table_remove(by_id, &c->kid);
	c->kid = 0;
	kdb_conn_free(c->kconn);
	rules_free(c);
	c->kconn = mon;
	c->monitor = true;
	c->monitor_rules = rules[0] ? g_strdupv((char **)rules) : NULL;
	if (!c->paused)
		c->watch = g_unix_fd_add(kdb_conn_fd(mon),
					 G_IO_IN | G_IO_HUP | G_IO_ERR,
					 kernel_readable, c);
out:
	g_free(rules);
}

static bool args_are(gmsg_t *call, const char *sig)
{
	const char *s = g_dbus_message_get_signature(call);

	return !strcmp(s ? s : "", sig);
}

/*
 * org.freedesktop.DBus.Properties of the driver, read-only: no optional
 * Features of dbus-daemon's apply (no AppArmor or SELinux mediation by
 * the bus, no systemd activation); the one optional interface is
 * Monitoring.
 */
static gvar_t *driver_property(const char *name)
{
	static const char * const ifaces[] = {
		"org.freedesktop.DBus.Monitoring",
	};

	if (!strcmp(name, "Features"))
		return g_variant_new_strv(NULL, 0);
	if (!strcmp(name, "Interfaces"))
		return g_variant_new_strv(ifaces, G_N_ELEMENTS(ifaces));
	return NULL;
}

static void drv_properties(struct client *c, gmsg_t *call, gvar_t *body,
			   const char *member)
{
	typeof(*g_variant_builder_new(NULL)) b;
	const char *iface, *name = NULL;
	gvar_t *v;

	if (!strcmp(member, "GetAll") && args_are(call, "s")) {
		g_variant_get(body, "(&s)", &iface);
		g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
		if (!strcmp(iface, DRIVER)) {
			g_variant_builder_add(&b, "{sv}", "Features",
					      driver_property("Features"));
			g_variant_builder_add(&b, "{sv}", "Interfaces",
					      driver_property("Interfaces"));
		}
		reply(c, call, g_variant_new("(a{sv})", &b));
		return;
	}
	if (!strcmp(member, "Get") && args_are(call, "ss")) {
		g_variant_get(body, "(&s&s)", &iface, &name);
		v = strcmp(iface, DRIVER) ? NULL : driver_property(name);
		if (v)
			reply(c, call, g_variant_new("(v)", v));
		else
			reply_error(c, call, ERR_PREFIX "UnknownProperty",
				    "No property \"%s\" on interface \"%s\"",
				    name, iface);
		return;
	}
	if (!strcmp(member, "Set") && args_are(call, "ssv")) {
		g_variant_get(body, "(&s&s*)", &iface, &name, NULL);
		reply_error(c, call, ERR_PREFIX "PropertyReadOnly",
			    "Property \"%s\" on interface \"%s\" cannot be set",
			    name, iface);
		return;
	}
	reply_error(c, call, ERR_PREFIX "UnknownMethod",
		    "Method \"%s\" with signature \"%s\" on interface \"%s\" doesn't exist",
		    member, g_dbus_message_get_signature(call) ?: "",
		    "org.freedesktop.DBus.Properties");
}

static void driver_call(struct client *c, gmsg_t *call)
{
	const char *iface = g_dbus_message_get_interface(call);
	const char *member = g_dbus_message_get_member(call);
	gvar_t *body = g_dbus_message_get_body(call);
	static const struct {
		const char *member, *sig;
	} sigs[] = {
		{ "Hello", "" }, { "RequestName", "su" },
		{ "ReleaseName", "s" }, { "GetNameOwner", "s" },
		{ "NameHasOwner", "s" }, { "ListNames", "" }, { "GetId", "" },
		{ "GetConnectionUnixUser", "s" },
		{ "GetConnectionUnixProcessID", "s" }, { "AddMatch", "s" },
		{ "RemoveMatch", "s" }, { "ListActivatableNames", "" },
		{ "ListQueuedOwners", "s" },
		{ "GetConnectionCredentials", "s" },
		{ "StartServiceByName", "su" },
		{ "GetConnectionSELinuxSecurityContext", "s" },
		{ "GetAdtAuditSessionData", "s" },
		{ "UpdateActivationEnvironment", "a{ss}" },
		{ "ReloadConfig", "" }, { "BecomeMonitor", "asu" },
	};
	size_t i;

	if (g_dbus_message_get_message_type(call) !=
	    G_DBUS_MESSAGE_TYPE_METHOD_CALL || !member)
		return;
	dbg("client %u: %s.%s\n", c->key, iface ? iface : "", member);
	if ((!iface || !strcmp(iface, "org.freedesktop.DBus.Peer")) &&
	    !strcmp(member, "Ping")) {
		reply(c, call, NULL);
		return;
	}
	if ((!iface || !strcmp(iface, "org.freedesktop.DBus.Peer")) &&
	    !strcmp(member, "GetMachineId")) {
		drv_machine_id(c, call);
		return;
	}
	if ((!iface || !strcmp(iface, "org.freedesktop.DBus.Introspectable")) &&
	    !strcmp(member, "Introspect")) {
		reply(c, call, g_variant_new("(s)", introspect_xml));
		return;
	}
	if (iface && !strcmp(iface, "org.freedesktop.DBus.Properties")) {
		drv_properties(c, call, body, member);
		return;
	}
	if (iface && strcmp(iface, DRIVER) &&
	    (strcmp(iface, "org.freedesktop.DBus.Monitoring") ||
	     strcmp(member, "BecomeMonitor")))
		goto unknown;
	for (i = 0; i < G_N_ELEMENTS(sigs); i++) {
		if (strcmp(member, sigs[i].member))
			continue;
		if (!args_are(call, sigs[i].sig)) {
			reply_error(c, call, ERR_PREFIX "InvalidArgs",
				    "Call to %s has wrong args (%s, expected %s)",
				    member, g_dbus_message_get_signature(call),
				    sigs[i].sig);
			return;
		}
		break;
	}
	if (!strcmp(member, "Hello")) {
		const char *u = kdb_conn_unique_name(c->kconn);

		if (c->said_hello) {
			reply_error(c, call, ERR_PREFIX "Failed",
				    "Already handled an Hello message");
			return;
		}
		c->said_hello = true;
		reply(c, call, g_variant_new("(s)", u));
		driver_signal(c, "NameAcquired", g_variant_new("(s)", u),
			      true);
	} else if (!strcmp(member, "RequestName")) {
		drv_request_name(c, call, body);
	} else if (!strcmp(member, "ReleaseName")) {
		drv_release_name(c, call, body);
	} else if (!strcmp(member, "GetNameOwner")) {
		drv_owner(c, call, body, false);
	} else if (!strcmp(member, "NameHasOwner")) {
		drv_owner(c, call, body, true);
	} else if (!strcmp(member, "ListNames")) {
		drv_list_names(c, call);
	} else if (!strcmp(member, "GetId")) {
		const uint8_t *id = kdb_conn_bus_id128(c->kconn);
		char hex[33];

		for (i = 0; i < 16; i++)
			snprintf(hex + 2 * i, 3, "%02x", id[i]);
		reply(c, call, g_variant_new("(s)", hex));
	} else if (!strcmp(member, "GetConnectionUnixUser")) {
		drv_unix(c, call, body, false);
	} else if (!strcmp(member, "GetConnectionUnixProcessID")) {
		drv_unix(c, call, body, true);
	} else if (!strcmp(member, "AddMatch")) {
		drv_add_match(c, call, body);
	} else if (!strcmp(member, "RemoveMatch")) {
		drv_remove_match(c, call, body);
	} else if (!strcmp(member, "ListActivatableNames")) {
		drv_list_activatable(c, call);
	} else if (!strcmp(member, "ListQueuedOwners")) {
		drv_list_queued(c, call, body);
	} else if (!strcmp(member, "GetConnectionCredentials")) {
		drv_credentials(c, call, body);
	} else if (!strcmp(member, "StartServiceByName")) {
		drv_start_service(c, call, body);
	} else if (!strcmp(member, "GetConnectionSELinuxSecurityContext")) {
		drv_selinux(c, call, body);
	} else if (!strcmp(member, "GetAdtAuditSessionData")) {
		const char *name;

		g_variant_get(body, "(&s)", &name);
		reply_error(c, call, ERR_PREFIX "AdtAuditDataUnknown",
			    "Could not determine audit session data for '%s'",
			    name);
	} else if (!strcmp(member, "UpdateActivationEnvironment") ||
		   !strcmp(member, "ReloadConfig")) {
		/* activators are started by whoever made them: nothing to do */
		reply(c, call, NULL);
	} else if (!strcmp(member, "BecomeMonitor")) {
		drv_become_monitor(c, call, body);
	} else {
		goto unknown;
	}
	return;
unknown:
	reply_error(c, call, ERR_PREFIX "UnknownMethod",
		    "Method \"%s\" with signature \"%s\" on interface \"%s\" doesn't exist",
		    member, g_dbus_message_get_signature(call) ?: "",
		    iface ? iface : "(null)");
}

/* ---- from the client to the kernel ------------------------------------- */

/* a client's message the kernel did not take: the error dbus-daemon gives */
static void send_failed(struct client *c, gmsg_t *in, int ret)
{
	const char *dest = g_dbus_message_get_destination(in);

	if (g_dbus_message_get_message_type(in) !=
	    G_DBUS_MESSAGE_TYPE_METHOD_CALL)
		return;
	if (ret == -ESRCH || ret == -ENXIO)
		reply_error(c, in, ERR_PREFIX "ServiceUnknown",
			    "The name %s was not provided by any .service files",
			    dest ? dest : "(null)");
	else if (ret == -EPERM)
		reply_error(c, in, ERR_PREFIX "AccessDenied",
			    "Rejected send message to %s", dest);
	else if (ret == -EXFULL || ret == -ENOBUFS)
		reply_error(c, in, ERR_PREFIX "LimitsExceeded",
			    "The peer's queue is full");
	else
		reply_error(c, in, ERR_PREFIX "Failed", "Sending to %s: %s",
			    dest ? dest : "(null)", kdb_strerror(ret));
}

/* GDBus's reading of a client's message, for the driver and for errors */
static gmsg_t *parse_g(struct client *c, DBusMessage *m)
{
	gerr_t *err = NULL;
	gmsg_t *g;
	char *blob;
	int size;

	if (!dbus_message_marshal(m, &blob, &size))
		return NULL;
	g = g_dbus_message_new_from_blob((guchar *)blob, size,
					 G_DBUS_CAPABILITY_FLAGS_UNIX_FD_PASSING,
					 &err);
	dbus_free(blob);
	if (!g) {
		dbg("client %u: %s\n", c->key, err->message);
		g_error_free(err);
	}
	return g;
}

static int client_hello(struct client *c);
static gboolean kernel_readable(gint fd, gcond_t cond, gpointer data);

/*
 * A message just sent to a client of the bridge's own: give it on now,
 * not in another round of the main loop. The owner of a well-known name
 * is a hint from the notifications; a wrong one costs a receive that
 * finds nothing, and what is not taken here is taken when its fd says.
 */
static void deliver_now(struct client *from, const char *dest)
{
	const uint64_t *owner;
	struct client *d;
	uint64_t id = 0;

	if (!dest)
		return;
	if (dest[0] == ':') {
		id = unique_id(dest);
	} else {
		owner = g_hash_table_lookup(owners, dest);
		if (owner)
			id = *owner;
	}
	d = id ? g_hash_table_lookup(by_id, &id) : NULL;
	if (d && d != from && d->watch)
		kernel_readable(-1, 0, d);
}

/*
 * One message from the client, as libdbus read and checked it: the
 * driver's calls are answered here, in GDBus terms; anything else goes to
 * the kernel with kdb_dbus1_send(), the bytes as the client wrote them.
 * Returns false when the client is to go.
 */
static bool from_client(struct client *c, DBusMessage *m)
{
	const char *dest = dbus_message_get_destination(m);
	gmsg_t *g = NULL;
	int ret;

	if (c->monitor)
		return false;	/* as dbus-daemon: a monitor that speaks goes */
	if (!c->kconn) {
		ret = client_hello(c);
		if (ret < 0) {
			g_printerr("kdbusfs-bridge: client pid %d uid %u: %s: %s\n",
				   c->pid, c->uid, bus_path, kdb_strerror(ret));
			return false;
		}
	}
	if (dest && !strcmp(dest, DRIVER)) {
		g = parse_g(c, m);
		if (g)
			driver_call(c, g);
	} else {
		/*
		 * dbus-daemon insists on Hello first; dbus-send and gdbus given
		 * an --address send none, so the first message makes the
		 * client known.
		 */
		c->said_hello = true;
		ret = kdb_dbus1_send(c->kconn, m, 0);
		/* the header may have moved: ask again */
		if (ret == 0)
			deliver_now(c, dbus_message_get_destination(m));
		if (ret < 0 && dbus_message_get_type(m) ==
		    DBUS_MESSAGE_TYPE_METHOD_CALL) {
			g = parse_g(c, m);
			if (g)
				send_failed(c, g, ret);
		}
	}
	if (g)
		g_object_unref(g);
	return true;
}

/* ---- libdbus in the GLib main loop ------------------------------------- */

struct watch {
	DBusWatch *w;
	guint id;
	struct client *c;	/* NULL for the server's */
};

static void client_dispatch_now(struct client *c);

static gboolean watch_ready(gint fd, gcond_t cond, gpointer data)
{
	struct watch *w = data;
	struct client *c = w->c;
	unsigned int flags = 0;

	(void)fd;
	if (cond & G_IO_IN)
		flags |= DBUS_WATCH_READABLE;
	if (cond & G_IO_OUT)
		flags |= DBUS_WATCH_WRITABLE;
	if (cond & G_IO_HUP)
		flags |= DBUS_WATCH_HANGUP;
	if (cond & G_IO_ERR)
		flags |= DBUS_WATCH_ERROR;
	/* @w may go in there; the client stays until an idle frees it */
	if (!c) {
		dbus_watch_handle(w->w, flags);
		return G_SOURCE_CONTINUE;
	}
	c->handling = true;
	dbus_watch_handle(w->w, flags);
	c->handling = false;
	/* what it read, now rather than in another round of the loop */
	client_dispatch_now(c);
	return G_SOURCE_CONTINUE;
}

static void watch_start(struct watch *w)
{
	unsigned int flags = dbus_watch_get_flags(w->w);
	gcond_t cond = G_IO_HUP | G_IO_ERR;

	if (flags & DBUS_WATCH_READABLE)
		cond |= G_IO_IN;
	if (flags & DBUS_WATCH_WRITABLE)
		cond |= G_IO_OUT;
	w->id = g_unix_fd_add(dbus_watch_get_unix_fd(w->w), cond, watch_ready,
			      w);
}

static void watch_stop(struct watch *w)
{
	if (w->id)
		g_source_remove(w->id);
	w->id = 0;
}

static dbus_bool_t watch_add(DBusWatch *dw, void *data)
{
	struct watch *w = g_new0(struct watch, 1);

	w->c = data;
	w->w = dw;
	dbus_watch_set_data(dw, w, NULL);
	if (dbus_watch_get_enabled(dw))
		watch_start(w);
	return TRUE;
}

static void watch_remove(DBusWatch *dw, void *data)
{
	struct watch *w = dbus_watch_get_data(dw);

	(void)data;
	if (!w)
		return;
	watch_stop(w);
	dbus_watch_set_data(dw, NULL, NULL);
	g_free(w);
}

static void watch_toggled(DBusWatch *dw, void *data)
{
	struct watch *w = dbus_watch_get_data(dw);

	(void)data;
	watch_stop(w);
	if (dbus_watch_get_enabled(dw))
		watch_start(w);
}

static gboolean timeout_ready(gpointer data)
{
	dbus_timeout_handle(data);
	return G_SOURCE_CONTINUE;
}

static dbus_bool_t timeout_add(DBusTimeout *t, void *data)
{
	guint id = 0;

	(void)data;
	if (dbus_timeout_get_enabled(t))
		id = g_timeout_add(dbus_timeout_get_interval(t), timeout_ready,
				   t);
	dbus_timeout_set_data(t, GUINT_TO_POINTER(id), NULL);
	return TRUE;
}

static void timeout_remove(DBusTimeout *t, void *data)
{
	guint id = GPOINTER_TO_UINT(dbus_timeout_get_data(t));

	(void)data;
	if (id)
		g_source_remove(id);
	dbus_timeout_set_data(t, NULL, NULL);
}

static void timeout_toggled(DBusTimeout *t, void *data)
{
	timeout_remove(t, data);
	timeout_add(t, data);
}

/* ---- clients ---------------------------------------------------------- */

/* the messages libdbus has read and checked, until none or a pause */
static gboolean client_dispatch(gpointer data)
{
	struct client *c = data;

	c->dispatch = 0;
	client_dispatch_now(c);
	return G_SOURCE_REMOVE;
}

static void client_dispatch_now(struct client *c)
{
	DBusMessage *m;
	bool ok;

	if (c->dispatch)
		return;		/* an idle will */
	while (!c->closing && !c->paused &&
	       (m = dbus_connection_pop_message(c->dconn))) {
		if (dbus_message_is_signal(m, DBUS_INTERFACE_LOCAL,
					   "Disconnected"))
			ok = false;
		else
			ok = from_client(c, m);
		dbus_message_unref(m);
		if (!ok)
			client_close(c);
	}
}

static void client_status(DBusConnection *conn, DBusDispatchStatus status,
			  void *data)
{
	struct client *c = data;

	(void)conn;
	if (status == DBUS_DISPATCH_DATA_REMAINS && !c->dispatch &&
	    !c->closing && !c->paused && !c->handling)
		c->dispatch = g_idle_add(client_dispatch, c);
}

static void client_watch(struct client *c)
{
	c->watch = g_unix_fd_add(kdb_conn_fd(c->kconn),
				 G_IO_IN | G_IO_HUP | G_IO_ERR,
				 kernel_readable, c);
}

static void client_unwatch(struct client *c)
{
	if (c->watch)
		g_source_remove(c->watch);
	c->watch = 0;
	if (c->dispatch)
		g_source_remove(c->dispatch);
	c->dispatch = 0;
	if (c->drain)
		g_source_remove(c->drain);
	c->drain = 0;
	if (c->deadline)
		g_source_remove(c->deadline);
	c->deadline = 0;
}

/* a paused client: going on once it has read enough of what waits */
static gboolean client_drained(gpointer data)
{
	struct client *c = data;

	if (dbus_connection_get_outgoing_size(c->dconn) > OUT_LOW)
		return G_SOURCE_CONTINUE;
	c->drain = 0;
	client_pause(c, false);
	return G_SOURCE_REMOVE;
}

static void client_pause(struct client *c, bool pause)
{
	if (c->paused == pause || c->closing)
		return;
	dbg("client %u: %s\n", c->key, pause ? "paused" : "resumed");
	c->paused = pause;
	if (pause) {
		client_unwatch(c);
		c->drain = g_timeout_add(10, client_drained, c);
		return;
	}
	if (c->kconn)
		client_watch(c);
	client_status(c->dconn, dbus_connection_get_dispatch_status(c->dconn),
		      c);
}

static void client_free(struct client *c)
{
	if (c->kid)
		g_hash_table_remove(by_id, &c->kid);
	client_unwatch(c);
	kdb_conn_free(c->kconn);
	rules_free(c);
	dbus_connection_close(c->dconn);
	dbus_connection_unref(c->dconn);
	g_strfreev(c->monitor_rules);
	g_free(c->seclabel);
	g_free(c);
}

static void client_destroy(gpointer c)
{
	client_free(c);
}

static gboolean close_idle(gpointer key)
{
	dbg("client %u: closed\n", GPOINTER_TO_UINT(key));
	g_hash_table_remove(clients, key);
	return G_SOURCE_REMOVE;
}

/* no more of it; it goes when the callbacks running now are done */
static void client_close(struct client *c)
{
	if (c->closing)
		return;
	c->closing = true;
	client_unwatch(c);
	g_idle_add(close_idle, GUINT_TO_POINTER(c->key));
}

/*
 * libdbus authenticated the client (EXTERNAL: the uid it claims is the
 * socket's) and asks whether that uid may connect.
 */
static dbus_bool_t allow_uid(DBusConnection *conn, unsigned long uid,
			     void *data)
{
	struct client *c = data;

	(void)conn;
	if (serve_every_uid || uid == geteuid())
		return uid == c->uid;
	g_printerr("kdbusfs-bridge: uid %lu refused: %s\n", uid,
		   geteuid() ? "an unprivileged bridge serves its own uid only" :
		   "a session bus serves its own uid only");
	return FALSE;
}

/*
 * The client's kernel connection, at its first message: only then has
 * libdbus finished the handshake, fd passing agreed or not.
 */
static int client_hello(struct client *c)
{
	int ret;

	c->unix_fd = dbus_connection_can_send_type(c->dconn,
						   DBUS_TYPE_UNIX_FD);
	ret = client_connect(c->sock, c);
	if (ret == 0)
		ret = kdb_match_notifications(c->kconn, NOTIFY_COOKIE);
	if (ret < 0) {
		kdb_conn_free(c->kconn);
		c->kconn = NULL;
		return ret;
	}
	dbg("client %u: pid %d uid %u label %s is %s%s\n", c->key, c->pid,
	    c->uid, c->seclabel ?: "-", kdb_conn_unique_name(c->kconn),
	    c->faked ? "" : " (with the bridge's pid)");
	if (c->deadline)
		g_source_remove(c->deadline);
	c->deadline = 0;
	c->kid = kdb_conn_id(c->kconn);
	g_hash_table_insert(by_id, &c->kid, c);
	if (!c->paused)
		client_watch(c);
	return 0;
}

/*
 * What a client holds before its first message is its socket and some
 * memory, and no kernel connection the kernel would count: bounded as
 * dbus-daemon bounds it, by its limits (bridge_parse_args() reads them
 * from the configuration): at most max_incomplete such clients, for at
 * most auth_timeout, and max_clients clients in all.
 */
static unsigned int max_incomplete, max_clients, start_timeout_ms;

static unsigned int incomplete(void)
{
	GHashTableIter it;
	struct client *c;
	unsigned int n = 0;

	g_hash_table_iter_init(&it, clients);
	while (g_hash_table_iter_next(&it, NULL, (gpointer *)&c))
		n += !c->kconn && !c->closing;
	return n;
}

static gboolean start_deadline(gpointer data)
{
	struct client *c = data;

	c->deadline = 0;
	dbg("client %u: no message in %u ms\n", c->key, start_timeout_ms);
	client_close(c);
	return G_SOURCE_REMOVE;
}

/*
 * A client connected. Its identity is what the kernel says of the
 * socket's peer (SO_PEERCRED, SO_PEERGROUPS, SO_PEERSEC), read now;
 * libdbus runs the handshake, EXTERNAL only, and then reads its
 * messages, which the bridge takes with dbus_connection_pop_message().
 */
static void on_new_connection(DBusServer *server, DBusConnection *conn,
			      void *data)
{
	struct client *c;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	char label[256];
	int sock;

	(void)server;
	(void)data;
	if (!dbus_connection_get_socket(conn, &sock) ||
	    getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		g_printerr("kdbusfs-bridge: no peer credentials\n");
		dbus_connection_close(conn);
		return;
	}
	if (g_hash_table_size(clients) >= max_clients ||
	    incomplete() >= max_incomplete) {
		g_printerr("kdbusfs-bridge: pid %d uid %u refused: %s\n",
			   cred.pid, cred.uid,
			   g_hash_table_size(clients) >= max_clients ?
			   "too many clients" : "too many clients not yet started");
		dbus_connection_close(conn);
		return;
	}
	c = g_new0(struct client, 1);
	c->key = next_key++;
	c->dconn = dbus_connection_ref(conn);
	c->uid = cred.uid;
	c->gid = cred.gid;
	c->pid = cred.pid;
	c->next_cookie = FIRST_MATCH;
	c->sock = sock;
	len = sizeof(label) - 1;
	if (getsockopt(sock, SOL_SOCKET, SO_PEERSEC, label, &len) == 0 &&
	    len > 0) {
		label[len] = 0;
		c->seclabel = g_strdup(label);
	}
	g_hash_table_insert(clients, GUINT_TO_POINTER(c->key), c);
	c->deadline = g_timeout_add(start_timeout_ms, start_deadline, c);
	dbus_connection_set_max_message_size(conn, MAX_MESSAGE);
	dbus_connection_set_max_received_size(conn, MAX_MESSAGE + OUT_HIGH);
	dbus_connection_set_unix_user_function(conn, allow_uid, c, NULL);
	dbus_connection_set_dispatch_status_function(conn, client_status, c,
						     NULL);
	if (!dbus_connection_set_watch_functions(conn, watch_add, watch_remove,
						 watch_toggled, c, NULL) ||
	    !dbus_connection_set_timeout_functions(conn, timeout_add,
						   timeout_remove,
						   timeout_toggled, NULL, NULL))
		client_close(c);
}

/*
 * --endpoint: a custom endpoint of the bus with the sandbox's policy, in
 * the style of xdg-dbus-proxy's rules, and every client's connection on
 * it. The kernel then gives each client exactly that view, under its own
 * credentials (never privileged there). Rules of one name are adjacent,
 * as the kernel wants them. Returns the endpoint's fd; @path becomes its
 * file.
 */
static int make_endpoint(const struct bridge_config *cfg, char *path,
			 size_t size)
{
	static const enum kdb_access access[] = {
		[BRIDGE_SEE] = KDB_SEE, [BRIDGE_TALK] = KDB_TALK,
		[BRIDGE_OWN] = KDB_OWN,
	};
	struct kdb_policy rules[BRIDGE_MAX_POLICY];
	bool done[BRIDGE_MAX_POLICY] = {};
	char name[64], suffix[32];
	char *dir;
	int i, j, n = 0, fd;

	for (i = 0; i < cfg->n_policy; i++) {
		for (j = i; j < cfg->n_policy; j++) {
			if (done[j] ||
			    strcmp(cfg->policy_name[i], cfg->policy_name[j]))
				continue;
			done[j] = true;
			rules[n].name = cfg->policy_name[j];
			rules[n].who = KDB_WORLD;
			rules[n].id = 0;
			rules[n++].access = access[cfg->policy_access[j]];
		}
	}
	snprintf(suffix, sizeof(suffix), "bridge-%d", getpid());
	kdb_bus_name(name, sizeof(name), suffix);
	fd = kdb_endpoint_make(path, name, serve_every_uid ?
			       KDB_MAKE_ACCESS_WORLD : 0, rules, n);
	if (fd < 0)
		return fd;
	dir = g_path_get_dirname(path);
	snprintf(path, size, "%s/%s", dir, name);
	g_free(dir);
	return fd;
}

static gboolean on_signal(gpointer loop)
{
	g_main_loop_quit(loop);
	return G_SOURCE_REMOVE;
}

int main(int argc, char **argv)
{
	struct bridge_config cfg;
	static char resolved[4096];
	static const char *const mechanisms[] = { "EXTERNAL", NULL };
	gloop_t *loop;
	DBusServer *server;
	DBusError err;
	char *address;
	int control = -1, endpoint = -1;

	bridge_parse_args(argc, argv, &cfg, introspect_xml);
	/* a client gone mid-write is an error to handle, not a signal */
	signal(SIGPIPE, SIG_IGN);
	verbose = cfg.verbose;
	max_incomplete = cfg.max_incomplete;
	max_clients = cfg.max_clients;
	start_timeout_ms = cfg.auth_timeout_ms;
	/* before any thread: unshare() wants a single-threaded process */
	bridge_daemonize(&cfg);
	if (cfg.bus) {
		/* a bus name or directory as the CLI takes them, or the file */
		bus_path = cfg.bus;
		if (kdb_bus_path(bus_path, resolved, sizeof(resolved)) == 0)
			bus_path = resolved;
		serve_every_uid = geteuid() == 0;
	} else {
		control = bridge_make_domain(&cfg, resolved, sizeof(resolved));
		bus_path = resolved;
		serve_every_uid = geteuid() == 0 && cfg.world;
		dbg("serving %s\n", bus_path);
	}
	if (cfg.endpoint) {
		endpoint = make_endpoint(&cfg, resolved, sizeof(resolved));
		if (endpoint < 0) {
			g_printerr("kdbusfs-bridge: a custom endpoint of %s: %s\n",
				   bus_path, kdb_strerror(endpoint));
			return 1;
		}
		bus_path = resolved;
		dbg("clients on the custom endpoint %s\n", bus_path);
	}

	clients = g_hash_table_new_full(NULL, NULL, NULL,
					client_destroy);
	by_id = g_hash_table_new(g_int64_hash, g_int64_equal);
	owners = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
				       g_free);
	loop = g_main_loop_new(NULL, FALSE);
	/* libdbus listens on the first of the addresses that works */
	cfg.listen[cfg.n_listen] = NULL;
	address = g_strjoinv(";", cfg.listen);
	dbus_error_init(&err);
	server = dbus_server_listen(address, &err);
	if (!server) {
		g_printerr("kdbusfs-bridge: %s: %s\n", address, err.message);
		return 1;
	}
	g_free(address);
	/* DBUS_COOKIE_SHA1 proves no identity a kernel check could use */
	if (!dbus_server_set_auth_mechanisms(server, (const char **)mechanisms) ||
	    !dbus_server_set_watch_functions(server, watch_add, watch_remove,
					     watch_toggled, NULL, NULL) ||
	    !dbus_server_set_timeout_functions(server, timeout_add,
					       timeout_remove,
					       timeout_toggled, NULL, NULL)) {
		g_printerr("kdbusfs-bridge: out of memory\n");
		return 1;
	}
	dbus_server_set_new_connection_function(server, on_new_connection,
						NULL, NULL);
	/* as dbus-daemon: who may connect is the bus's business, not the mode's */
	if (g_str_has_prefix(cfg.listen[0], "unix:path=")) {
		char *path = g_strndup(cfg.listen[0] + strlen("unix:path="),
				       strcspn(cfg.listen[0] + strlen("unix:path="), ",;"));

		chmod(path, 0777);
		g_free(path);
	}
	address = dbus_server_get_address(server);
	if (bridge_ready(&cfg, address) < 0) {
		g_printerr("kdbusfs-bridge: printing the address: %s\n",
			   strerror(errno));
		return 1;
	}
	dbus_free(address);
	g_unix_signal_add(SIGTERM, on_signal, loop);
	g_unix_signal_add(SIGINT, on_signal, loop);
	g_main_loop_run(loop);
	dbus_server_disconnect(server);
	g_hash_table_unref(clients);
	g_hash_table_unref(by_id);
	g_hash_table_unref(owners);
	dbus_server_unref(server);
	g_main_loop_unref(loop);
	if (cfg.pidfile)
		unlink(cfg.pidfile);
	if (endpoint >= 0)
		close(endpoint);
	if (control >= 0)
		close(control);
	return 0;
}
