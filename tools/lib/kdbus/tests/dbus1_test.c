// SPDX-License-Identifier: GPL-2.0
/*
 * dbus1_test - every call of <libkdbus-dbus1.h> (D-Bus messages as
 * libdbus-1's DBusMessage) against a real kdbusfs bus, and its errors;
 * interoperation with the GDBus binding both ways (a libdbus client of a
 * GDBus service, a GDBus client of a libdbus service), fds included; and
 * the libdbus behaviour the binding's fd handling rests on. Prints TAP.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <gio/gunixfdlist.h>

#include "tap.h"
#include "libkdbus-dbus.h"
#include "libkdbus-dbus1.h"
#include "kdbus-internal.h"	/* to wind a connection's cookies on */

#define ERR_NAME "org.example.Error.Failed"
#define TEST_NAME "org.example.Test"
#define TEST_PATH "/org/example/Test"

static struct test_env env;

static struct kdb_conn *conn_new(uint64_t flags)
{
	struct kdb_hello h = { .flags = flags };
	struct kdb_conn *c = NULL;
	int ret = kdb_conn_open(env.bus_path, &h, &c);

	if (ret < 0)
		printf("# HELLO: %s\n", kdb_strerror(ret));
	return c;
}

static DBusMessage *call1(const char *dest, const char *member)
{
	return dbus_message_new_method_call(dest, TEST_PATH, TEST_NAME,
					    member);
}

static GDBusMessage *gcall(const char *dest, const char *member)
{
	return g_dbus_message_new_method_call(dest, TEST_PATH, TEST_NAME,
					      member);
}

static const char *first_string(DBusMessage *m)
{
	const char *s = NULL;

	if (!dbus_message_get_args(m, NULL, DBUS_TYPE_STRING, &s,
				   DBUS_TYPE_INVALID))
		return NULL;
	return s;
}

/* a byte read from @fd, 0 if none */
static char read_byte(int fd)
{
	char c = 0;

	if (fd < 0 || read(fd, &c, 1) != 1)
		return 0;
	return c;
}

/* ---- what libdbus itself does with fds -------------------------------- */

static void test_libdbus_fds(void)
{
	DBusMessage *m = call1(TEST_NAME, "Fd"), *d;
	DBusError e;
	char *blob = NULL;
	int len = 0, p[2];

	if (pipe(p) < 0)
		return;
	dbus_message_append_args(m, DBUS_TYPE_UNIX_FD, &p[0],
				 DBUS_TYPE_INVALID);
	dbus_message_set_serial(m, 1);
	tap_ok(dbus_message_marshal(m, &blob, &len),
	       "libdbus: dbus_message_marshal() of a message with an fd");
	dbus_error_init(&e);
	d = blob ? dbus_message_demarshal(blob, len, &e) : NULL;
	tap_ok(!d && dbus_error_has_name(&e, DBUS_ERROR_INVALID_ARGS),
	       "libdbus: dbus_message_demarshal() refuses it (%s)",
	       e.message ? e.message : "-");
	if (d)
		dbus_message_unref(d);
	dbus_error_free(&e);
	dbus_free(blob);
	dbus_message_unref(m);
	close(p[0]);
	close(p[1]);
}

/* ---- bloom and match rules, without a bus ----------------------------- */

static void test_bloom(void)
{
	static const char * const has[] = { "h1", "h2", NULL };
	const char **hp = (const char **)has;
	const char *s0 = "s0", *after = "after";
	uint64_t f1[8], f2[8];
	dbus_uint32_t u = 5;
	DBusMessage *m;
	GDBusMessage *g;

	m = dbus_message_new_signal("/org/example/Obj", "org.example.I",
				    "Changed");
	g = g_dbus_message_new_signal("/org/example/Obj", "org.example.I",
				      "Changed");
	tap_is(kdb_dbus1_bloom(m, f1, 64, 8), 0, "dbus1_bloom");
	kdb_dbus_bloom(g, f2, 64, 8);
	tap_ok(!memcmp(f1, f2, 64),
	       "dbus1_bloom: the header words kdb_dbus_bloom() makes");
	dbus_message_unref(m);
	g_object_unref(g);

	m = dbus_message_new_signal("/p", "i.j", "M");
	dbus_message_append_args(m, DBUS_TYPE_STRING, &s0, DBUS_TYPE_ARRAY,
				 DBUS_TYPE_STRING, &hp, 2, DBUS_TYPE_UINT32,
				 &u, DBUS_TYPE_STRING, &after,
				 DBUS_TYPE_INVALID);
	g = g_dbus_message_new_signal("/p", "i.j", "M");
	g_dbus_message_set_body(g, g_variant_new("(s^asus)", "s0", has, 5,
						 "after"));
	kdb_dbus1_bloom(m, f1, 64, 8);
	kdb_dbus_bloom(g, f2, 64, 8);
	tap_ok(!memcmp(f1, f2, 64),
	       "dbus1_bloom: the argument words kdb_dbus_bloom() makes");
	memset(f2, 0, sizeof(f2));
	kdb_bloom_add_pair(f2, 64, 8, "arg1-has", "h2");
	tap_ok(kdb_bloom_test(f1, f2, 64), "dbus1_bloom: argN-has");
	memset(f2, 0, sizeof(f2));
	kdb_bloom_add_pair(f2, 64, 8, "arg3", "after");
	tap_ok(!kdb_bloom_test(f1, f2, 64),
	       "dbus1_bloom: nothing after a non-string argument");
	tap_is(kdb_dbus1_bloom(NULL, f1, 64, 8), -EINVAL, "dbus1_bloom: NULL");
	tap_is(kdb_dbus1_bloom(m, f1, 64, 200), -EINVAL,
	       "dbus1_bloom: a geometry the keys cannot give");
	dbus_message_unref(m);
	g_object_unref(g);
}

static void test_match_test(void)
{
	DBusMessage *m = dbus_message_new_signal("/org/example/ns/x",
						 "org.example.I", "Changed");
	const char *a0 = "org.example.Thing", *p0 = "/aa/bb";

	dbus_message_append_args(m, DBUS_TYPE_STRING, &a0, DBUS_TYPE_INVALID);
	dbus_message_set_sender(m, ":1.7");
	tap_is(kdb_dbus1_match_test("type='signal',member='Changed'", m), 1,
	       "dbus1_match_test: type and member");
	tap_is(kdb_dbus1_match_test("interface='org.example.J'", m), 0,
	       "dbus1_match_test: another interface");
	tap_is(kdb_dbus1_match_test("path_namespace='/org/example'", m), 1,
	       "dbus1_match_test: path_namespace");
	tap_is(kdb_dbus1_match_test("path_namespace='/org/ex'", m), 0,
	       "dbus1_match_test: not a path_namespace");
	tap_is(kdb_dbus1_match_test("arg0namespace='org.example'", m), 1,
	       "dbus1_match_test: arg0namespace");
	tap_is(kdb_dbus1_match_test("arg0='org.example.Thing'", m), 1,
	       "dbus1_match_test: arg0");
	tap_is(kdb_dbus1_match_test("arg1='x'", m), 0,
	       "dbus1_match_test: a missing arg1");
	tap_is(kdb_dbus1_match_test("sender=':1.7'", m), 1,
	       "dbus1_match_test: the unique sender");
	tap_is(kdb_dbus1_match_test("sender=':1.8'", m), 0,
	       "dbus1_match_test: another unique sender");
	tap_is(kdb_dbus1_match_test("type='method_call'", m), 0,
	       "dbus1_match_test: another type");
	tap_is(kdb_dbus1_match_test("arg64='x'", m), -EINVAL,
	       "dbus1_match_test: a bad rule");
	tap_is(kdb_dbus1_match_test(NULL, m), -EINVAL,
	       "dbus1_match_test: NULL");
	dbus_message_unref(m);
	m = dbus_message_new_signal("/a", "i.j", "P");
	dbus_message_append_args(m, DBUS_TYPE_OBJECT_PATH, &p0,
				 DBUS_TYPE_INVALID);
	tap_is(kdb_dbus1_match_test("arg0path='/aa/'", m), 1,
	       "dbus1_match_test: arg0path, an object path argument");
	dbus_message_unref(m);
}

/* ---- a GDBus service, libdbus clients --------------------------------- */

/*
 * A child serving @calls calls with the GDBus binding: Echo(s), Fail(),
 * Fds(sa{sh}v) reading a byte from the dict's and the variant's fd.
 */
static pid_t gdbus_service(struct kdb_conn *srv, int calls)
{
	pid_t pid = fork();
	int i;

	if (pid != 0)
		return pid;
	for (i = 0; i < calls; i++) {
		GDBusMessage *m = NULL, *r;
		const char *member;

		if (kdb_conn_wait(srv, 5000) < 0 ||
		    kdb_dbus_recv(srv, &m, NULL) < 0)
			_exit(1);
		member = g_dbus_message_get_member(m);
		if (!strcmp(member, "Echo")) {
			GVariant *body = g_dbus_message_get_body(m);

			r = g_dbus_message_new_method_reply(m);
			g_dbus_message_set_body(r, g_variant_ref(body));
		} else if (!strcmp(member, "Fds")) {
			GUnixFDList *l = g_dbus_message_get_unix_fd_list(m);
			GVariant *dict, *var;
			gint32 hd = -1, hv = -1, n;
			int fd1, fd2;
			char c1, c2;

			g_variant_get(g_dbus_message_get_body(m), "(&s@a{sh}v)",
				      NULL, &dict, &var);
			g_variant_lookup(dict, "one", "h", &hd);
			if (g_variant_is_of_type(var, G_VARIANT_TYPE_HANDLE))
				hv = g_variant_get_handle(var);
			fd1 = l ? g_unix_fd_list_get(l, hd, NULL) : -1;
			fd2 = l ? g_unix_fd_list_get(l, hv, NULL) : -1;
			c1 = read_byte(fd1);
			c2 = read_byte(fd2);
			if (fd1 >= 0)
				close(fd1);
			if (fd2 >= 0)
				close(fd2);
			g_variant_unref(dict);
			g_variant_unref(var);
			n = l ? g_unix_fd_list_get_length(l) : 0;
			r = g_dbus_message_new_method_reply(m);
			g_dbus_message_set_body(r, g_variant_new("(yyi)", c1,
								 c2, n));
		} else {
			r = g_dbus_message_new_method_error(m, ERR_NAME, "%s",
							    "as asked");
		}
		if (kdb_dbus_send(srv, r, 0) < 0)
			_exit(3);
		g_object_unref(r);
		g_object_unref(m);
	}
	_exit(0);
}

static void test_calls(void)
{
	struct kdb_conn *a = conn_new(KDB_HELLO_ACCEPT_FD);
	struct kdb_conn *b = conn_new(KDB_HELLO_ACCEPT_FD);
	DBusMessageIter it, dict, entry, var;
	DBusMessage *m, *r = NULL;
	const char *s = "hello", *one = "one";
	unsigned char y1 = 0, y2 = 0;
	dbus_int32_t nfds = 0;
	char dest[32];
	int p1[2], p2[2];
	pid_t pid;

	if (!a || !b)
		goto out;
	kdb_name_acquire(b, TEST_NAME, 0, NULL);
	snprintf(dest, sizeof(dest), ":1.%llu",
		 (unsigned long long)kdb_conn_id(b));
	pid = gdbus_service(b, 4);

	m = call1(TEST_NAME, "Echo");
	dbus_message_append_args(m, DBUS_TYPE_STRING, &s, DBUS_TYPE_INVALID);
	tap_is(kdb_dbus1_call(a, m, 5000000, -1, &r), 0,
	       "dbus1_call: to a well-known name, a GDBus service");
	tap_ok(dbus_message_get_serial(m) != 0,
	       "dbus1_call: the call got a serial");
	tap_ok(dbus_message_get_sender(m) &&
	       !strcmp(dbus_message_get_sender(m), kdb_conn_unique_name(a)),
	       "dbus1_call: and the sender's unique name");
	if (r) {
		tap_ok(dbus_message_get_type(r) ==
		       DBUS_MESSAGE_TYPE_METHOD_RETURN && first_string(r) &&
		       !strcmp(first_string(r), "hello"),
		       "dbus1_call: the method return");
		tap_ok(!strcmp(dbus_message_get_sender(r), dest),
		       "dbus1_from_msg: the sender is the kernel's");
		tap_ok(dbus_message_get_reply_serial(r) ==
		       dbus_message_get_serial(m),
		       "dbus1_call: the reply serial");
		dbus_message_unref(r);
		r = NULL;
	}
	dbus_message_unref(m);

	m = call1(dest, "Echo");
	s = "by id";
	dbus_message_append_args(m, DBUS_TYPE_STRING, &s, DBUS_TYPE_INVALID);
	tap_is(kdb_dbus1_call(a, m, 5000000, -1, &r), 0,
	       "dbus1_call: to a unique name");
	tap_ok(r && first_string(r) && !strcmp(first_string(r), "by id"),
	       "dbus1_call: its return");
	if (r)
		dbus_message_unref(r);
	r = NULL;
	dbus_message_unref(m);

	m = call1(TEST_NAME, "Fail");
	tap_is(kdb_dbus1_call(a, m, 5000000, -1, &r), 0,
	       "dbus1_call: a call that fails");
	tap_ok(r && dbus_message_get_type(r) == DBUS_MESSAGE_TYPE_ERROR &&
	       dbus_message_is_error(r, ERR_NAME),
	       "dbus1_call: the error reply");
	if (r)
		dbus_message_unref(r);
	r = NULL;
	dbus_message_unref(m);

	/* fds inside a dict and a variant, sent by the libdbus binding */
	if (pipe(p1) == 0 && pipe(p2) == 0) {
		tap_ok(write(p1[1], "A", 1) == 1 && write(p2[1], "B", 1) == 1,
		       "pipes");
		m = call1(TEST_NAME, "Fds");
		dbus_message_iter_init_append(m, &it);
		s = "x";
		dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &s);
		dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{sh}",
						 &dict);
		dbus_message_iter_open_container(&dict, DBUS_TYPE_DICT_ENTRY,
						 NULL, &entry);
		dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &one);
		dbus_message_iter_append_basic(&entry, DBUS_TYPE_UNIX_FD,
					       &p1[0]);
		dbus_message_iter_close_container(&dict, &entry);
		dbus_message_iter_close_container(&it, &dict);
		dbus_message_iter_open_container(&it, DBUS_TYPE_VARIANT, "h",
						 &var);
		dbus_message_iter_append_basic(&var, DBUS_TYPE_UNIX_FD,
					       &p2[0]);
		dbus_message_iter_close_container(&it, &var);
		tap_is(kdb_dbus1_call(a, m, 5000000, -1, &r), 0,
		       "dbus1_call: fds in a dict and a variant");
		if (r)
			dbus_message_get_args(r, NULL, DBUS_TYPE_BYTE, &y1,
					      DBUS_TYPE_BYTE, &y2,
					      DBUS_TYPE_INT32, &nfds,
					      DBUS_TYPE_INVALID);
		tap_ok(y1 == 'A' && y2 == 'B' && nfds == 2,
		       "dbus1_send: the GDBus service read each fd at its index");
		if (r)
			dbus_message_unref(r);
		r = NULL;
		dbus_message_unref(m);
		close(p1[0]);
		close(p1[1]);
		close(p2[0]);
		close(p2[1]);
	}
	tap_is(test_wait(pid), 0, "the GDBus service served four calls");

	m = call1(TEST_NAME, "Echo");
	tap_is(kdb_dbus1_call(a, m, 100000, -1, &r), -ETIMEDOUT,
	       "dbus1_call: nobody answers");
	kdb_recv(b, KDB_RECV_DROP, NULL, NULL);
	dbus_message_unref(m);
	if (kdb_conn_can_cancel(a) && pipe(p1) == 0) {
		m = call1(TEST_NAME, "Echo");
		tap_ok(write(p1[1], "c", 1) == 1, "pipe");
		tap_is(kdb_dbus1_call(a, m, 5000000, p1[0], &r), -ECANCELED,
		       "dbus1_call: cancelled by its cancel fd");
		kdb_recv(b, KDB_RECV_DROP, NULL, NULL);
		dbus_message_unref(m);
		close(p1[0]);
		close(p1[1]);
	} else {
		tap_skip("this kernel has no KDBUS_ITEM_CANCEL_FD",
			 "dbus1_call: cancelled by its cancel fd");
	}
	m = call1("org.example.Nobody", "Echo");
	tap_is(kdb_dbus1_call(a, m, 100000, -1, &r), -ESRCH,
	       "dbus1_call: a name nobody owns");
	dbus_message_unref(m);
	m = call1(TEST_NAME, "Echo");
	dbus_message_set_no_reply(m, TRUE);
	tap_is(kdb_dbus1_call(a, m, 0, -1, &r), -EINVAL,
	       "dbus1_call: a call that expects no reply");
	dbus_message_unref(m);
	m = dbus_message_new_signal("/a", "i.j", "S");
	tap_is(kdb_dbus1_call(a, m, 0, -1, &r), -EINVAL,
	       "dbus1_call: a signal");
	dbus_message_unref(m);
	tap_is(kdb_dbus1_call(a, NULL, 0, -1, &r), -EINVAL,
	       "dbus1_call: NULL");
	m = call1(TEST_NAME, "Echo");
	tap_is(kdb_dbus1_call(a, m, 0, -1, NULL), -EINVAL,
	       "dbus1_call: no reply pointer");
	dbus_message_unref(m);
out:
	kdb_conn_free(a);
	kdb_conn_free(b);
}

/* what kdb_dbus1_send() makes of a message's header */
static void test_send(void)
{
	struct kdb_conn *a = conn_new(0), *b = conn_new(0);
	struct kdb_msg *raw = NULL;
	DBusMessage *m, *r = NULL;
	char dest[32];
	pid_t pid;

	if (!a || !b)
		goto out;
	kdb_name_acquire(b, TEST_NAME, 0, NULL);
	snprintf(dest, sizeof(dest), ":1.%llu",
		 (unsigned long long)kdb_conn_id(b));

	m = call1(TEST_NAME, "NoReply");
	dbus_message_set_no_reply(m, TRUE);
	dbus_message_set_auto_start(m, FALSE);
	tap_is(kdb_dbus1_send(a, m, 0), 0,
	       "dbus1_send: a call that expects no reply");
	dbus_message_unref(m);
	tap_is(kdb_dbus1_recv(b, &r, &raw), 0, "dbus1_recv");
	if (raw && r) {
		tap_ok(!(kdb_msg_flags(raw) & KDB_MSG_EXPECT_REPLY) &&
		       (kdb_msg_flags(raw) & KDB_MSG_NO_AUTO_START),
		       "dbus1_send: no EXPECT_REPLY, NO_AUTO_START");
		tap_ok(!strcmp(dbus_message_get_member(r), "NoReply") &&
		       !strcmp(dbus_message_get_destination(r), TEST_NAME) &&
		       kdb_msg_cookie(raw) == dbus_message_get_serial(r),
		       "dbus1_recv: the message as sent, serial = cookie");
	}
	if (r)
		dbus_message_unref(r);
	kdb_msg_free(raw);
	raw = NULL;
	r = NULL;

	m = call1(dest, "Serial");
	dbus_message_set_serial(m, 777777);
	tap_is(kdb_dbus1_send(a, m, 0), 0, "dbus1_send: with a serial");
	dbus_message_unref(m);
	tap_is(kdb_dbus1_recv(b, &r, &raw), 0, "dbus1_recv: by unique name");
	tap_ok(r && raw && dbus_message_get_serial(r) == 777777 &&
	       kdb_msg_cookie(raw) == 777777 &&
	       (kdb_msg_flags(raw) & KDB_MSG_EXPECT_REPLY) &&
	       !(kdb_msg_flags(raw) & KDB_MSG_NO_AUTO_START),
	       "dbus1_send: the serial kept, EXPECT_REPLY");
	if (r) {
		DBusMessage *ret = dbus_message_new_method_return(r);

		tap_is(kdb_dbus1_send(b, ret, 0), 0,
		       "dbus1_send: a method return");
		dbus_message_unref(ret);
		dbus_message_unref(r);
		r = NULL;
	}
	kdb_msg_free(raw);
	raw = NULL;
	tap_is(kdb_dbus1_recv(a, &r, &raw), 0, "dbus1_recv: the return");
	tap_ok(raw && kdb_msg_cookie_reply(raw) == 777777 && r &&
	       dbus_message_get_reply_serial(r) == 777777,
	       "dbus1_send: the return answers its reply serial");
	if (r)
		dbus_message_unref(r);
	kdb_msg_free(raw);
	raw = NULL;
	r = NULL;

	m = dbus_message_new_signal("/a", "org.example.I", "Direct");
	dbus_message_set_destination(m, dest);
	tap_is(kdb_dbus1_send(a, m, 0), 0, "dbus1_send: a unicast signal");
	dbus_message_unref(m);
	tap_is(kdb_dbus1_recv(b, &r, &raw), 0, "dbus1_recv: the signal");
	tap_ok(raw && (kdb_msg_flags(raw) & KDB_MSG_SIGNAL) &&
	       kdb_msg_dst_id(raw) == kdb_conn_id(b) && r &&
	       dbus_message_is_signal(r, "org.example.I", "Direct"),
	       "dbus1_send: a signal to its destination only");
	if (r)
		dbus_message_unref(r);
	kdb_msg_free(raw);
	raw = NULL;
	r = NULL;

	/* the cookie after 2^32 - 1 would be serial 0, which is none */
	a->cookie = 0xffffffffULL;
	m = call1(dest, "Wrap");
	dbus_message_set_no_reply(m, TRUE);
	tap_is(kdb_dbus1_send(a, m, 0), 0,
	       "dbus1_send: after 2^32 - 1 cookies");
	tap_ok(dbus_message_get_serial(m) == 1,
	       "dbus1_send: serial 0 skipped, 1 next");
	dbus_message_unref(m);
	kdb_recv(b, KDB_RECV_DROP, NULL, NULL);

	/* no fd left to duplicate the message's fd with */
	pid = fork();
	if (pid == 0) {
		struct rlimit rl;
		int p[2], fd;

		if (pipe(p) < 0 || getrlimit(RLIMIT_NOFILE, &rl) < 0)
			_exit(100);
		m = call1(dest, "Fd");
		dbus_message_append_args(m, DBUS_TYPE_UNIX_FD, &p[0],
					 DBUS_TYPE_INVALID);
		fd = dup(0);
		if (fd < 0)
			_exit(101);
		close(fd);
		rl.rlim_cur = fd;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			_exit(102);
		_exit(-kdb_dbus1_send(a, m, 0));
	}
	tap_is(test_wait(pid), EMFILE,
	       "dbus1_send: -EMFILE for an fd that cannot be duplicated");

	m = dbus_message_new_method_call(NULL, "/a", "i.j", "M");
	tap_is(kdb_dbus1_send(a, m, 0), -EDESTADDRREQ,
	       "dbus1_send: a method call without a destination");
	dbus_message_unref(m);
	m = call1(":1.x", "Echo");
	tap_is(kdb_dbus1_send(a, m, 0), -EINVAL,
	       "dbus1_send: a bad unique name");
	dbus_message_unref(m);
	m = call1(":1.999999", "Echo");
	tap_is(kdb_dbus1_send(a, m, 0), -ENXIO,
	       "dbus1_send: a unique name nobody has");
	dbus_message_unref(m);
	tap_is(kdb_dbus1_send(NULL, NULL, 0), -EINVAL, "dbus1_send: NULL");
	m = call1(TEST_NAME, "Echo");
	tap_is(kdb_dbus1_send(NULL, m, 0), -EINVAL,
	       "dbus1_send: no connection");
	dbus_message_unref(m);
out:
	kdb_conn_free(a);
	kdb_conn_free(b);
}

/* ---- a libdbus service, GDBus and libdbus clients --------------------- */

/*
 * A child serving @calls calls with the libdbus binding: Echo(s), Fail(),
 * Fd(h) (which kdb_dbus1_recv() refuses: it reads the fd through the raw
 * message and kdb_dbus_from_msg(), answering the byte and the errno), and
 * GiveFd() answered with an fd carrying 'R'.
 */
static pid_t dbus1_service(struct kdb_conn *srv, int calls)
{
	pid_t pid = fork();
	int i;

	if (pid != 0)
		return pid;
	for (i = 0; i < calls; i++) {
		DBusMessage *m = NULL, *r;
		struct kdb_msg *raw = NULL;
		const char *member;
		int ret;

		if (kdb_conn_wait(srv, 5000) < 0)
			_exit(1);
		ret = kdb_dbus1_recv(srv, &m, &raw);
		if (ret == -EPROTONOSUPPORT) {
			GDBusMessage *g = NULL;
			GUnixFDList *l;
			dbus_int32_t err = ret;
			dbus_uint32_t serial;
			unsigned char c;
			int fd;

			if (kdb_dbus_from_msg(raw, &g) < 0)
				_exit(4);
			l = g_dbus_message_get_unix_fd_list(g);
			fd = l ? g_unix_fd_list_get(l, 0, NULL) : -1;
			c = read_byte(fd);
			if (fd >= 0)
				close(fd);
			/* answer it with libdbus */
			r = dbus_message_new(DBUS_MESSAGE_TYPE_METHOD_RETURN);
			serial = g_dbus_message_get_serial(g);
			dbus_message_set_reply_serial(r, serial);
			dbus_message_set_destination(r, g_dbus_message_get_sender(g));
			dbus_message_append_args(r, DBUS_TYPE_BYTE, &c,
						 DBUS_TYPE_INT32, &err,
						 DBUS_TYPE_INVALID);
			g_object_unref(g);
		} else if (ret < 0) {
			_exit(1);
		} else {
			member = dbus_message_get_member(m);
			if (!strcmp(member, "Echo")) {
				const char *s = first_string(m);

				r = dbus_message_new_method_return(m);
				dbus_message_append_args(r, DBUS_TYPE_STRING,
							 &s, DBUS_TYPE_INVALID);
			} else if (!strcmp(member, "GiveFd")) {
				int p[2];

				if (pipe(p) < 0 || write(p[1], "R", 1) != 1)
					_exit(5);
				r = dbus_message_new_method_return(m);
				dbus_message_append_args(r, DBUS_TYPE_UNIX_FD,
							 &p[0],
							 DBUS_TYPE_INVALID);
				close(p[0]);
				close(p[1]);
			} else {
				r = dbus_message_new_error(m, ERR_NAME,
							   "as asked");
			}
		}
		kdb_msg_free(raw);
		if (kdb_dbus1_send(srv, r, 0) < 0)
			_exit(3);
		dbus_message_unref(r);
		if (m)
			dbus_message_unref(m);
	}
	_exit(0);
}

static void test_service(void)
{
	struct kdb_conn *a = conn_new(KDB_HELLO_ACCEPT_FD);
	struct kdb_conn *b = conn_new(KDB_HELLO_ACCEPT_FD);
	GDBusMessage *m, *r = NULL;
	DBusMessage *m1, *r1 = NULL;
	GUnixFDList *l;
	const char *s = NULL;
	gint32 err = 0;
	guchar y = 0;
	int p[2], fd;
	pid_t pid;

	if (!a || !b)
		goto out;
	kdb_name_acquire(b, TEST_NAME, 0, NULL);
	pid = dbus1_service(b, 5);

	m = gcall(TEST_NAME, "Echo");
	g_dbus_message_set_body(m, g_variant_new("(s)", "hi"));
	tap_is(kdb_dbus_call(a, m, 5000000, -1, &r), 0,
	       "dbus_call: a GDBus client of a libdbus service");
	if (r && g_dbus_message_get_message_type(r) ==
	    G_DBUS_MESSAGE_TYPE_METHOD_RETURN)
		g_variant_get(g_dbus_message_get_body(r), "(&s)", &s);
	tap_ok(s && !strcmp(s, "hi") && g_dbus_message_get_reply_serial(r) ==
	       g_dbus_message_get_serial(m),
	       "dbus1_send: the libdbus service's return, read by GDBus");
	g_clear_object(&r);
	g_object_unref(m);

	m = gcall(TEST_NAME, "Fail");
	tap_is(kdb_dbus_call(a, m, 5000000, -1, &r), 0,
	       "dbus_call: a libdbus service's error");
	tap_ok(r && g_dbus_message_get_message_type(r) ==
	       G_DBUS_MESSAGE_TYPE_ERROR &&
	       !strcmp(g_dbus_message_get_error_name(r), ERR_NAME),
	       "dbus1_send: the error message, read by GDBus");
	g_clear_object(&r);
	g_object_unref(m);

	if (pipe(p) == 0) {
		m = gcall(TEST_NAME, "Fd");
		l = g_unix_fd_list_new();
		g_unix_fd_list_append(l, p[0], NULL);
		g_dbus_message_set_unix_fd_list(m, l);
		g_dbus_message_set_body(m, g_variant_new("(h)", 0));
		tap_ok(write(p[1], "Q", 1) == 1, "pipe");
		tap_is(kdb_dbus_call(a, m, 5000000, -1, &r), 0,
		       "dbus_call: an fd to a libdbus service");
		if (r && g_dbus_message_get_message_type(r) ==
		    G_DBUS_MESSAGE_TYPE_METHOD_RETURN)
			g_variant_get(g_dbus_message_get_body(r), "(yi)", &y,
				      &err);
		tap_is(err, -EPROTONOSUPPORT,
		       "dbus1_recv: a message with fds, -EPROTONOSUPPORT");
		tap_ok(y == 'Q',
		       "dbus1_recv: its fds stay in the raw message");
		g_clear_object(&r);
		g_object_unref(l);
		g_object_unref(m);
		close(p[0]);
		close(p[1]);
	}

	m = gcall(TEST_NAME, "GiveFd");
	tap_is(kdb_dbus_call(a, m, 5000000, -1, &r), 0,
	       "dbus_call: a libdbus return carrying an fd");
	l = r ? g_dbus_message_get_unix_fd_list(r) : NULL;
	fd = l ? g_unix_fd_list_get(l, 0, NULL) : -1;
	tap_ok(read_byte(fd) == 'R', "dbus1_send: the fd of a return");
	if (fd >= 0)
		close(fd);
	g_clear_object(&r);
	g_object_unref(m);

	m1 = call1(TEST_NAME, "GiveFd");
	tap_is(kdb_dbus1_call(a, m1, 5000000, -1, &r1), -EPROTONOSUPPORT,
	       "dbus1_call: an answer with an fd");
	tap_ok(!r1, "dbus1_call: no reply then");
	dbus_message_unref(m1);
	tap_is(test_wait(pid), 0, "the libdbus service served five calls");
out:
	kdb_conn_free(a);
	kdb_conn_free(b);
}

/* ---- receiving what is not a libdbus message -------------------------- */

static void test_raw(void)
{
	struct kdb_conn *a = conn_new(KDB_HELLO_ACCEPT_FD);
	struct kdb_conn *b = conn_new(KDB_HELLO_ACCEPT_FD);
	struct kdb_send_args s = KDB_SEND_ARGS_INIT;
	struct iovec v = { "not D-Bus", 9 };
	DBusMessage *m = NULL;
	struct kdb_msg *raw = NULL;
	GDBusMessage *g;
	GUnixFDList *l;
	guchar *blob;
	gsize size;
	int p[2], fd;

	if (!a || !b || pipe(p) < 0)
		goto out;
	s.dst_id = kdb_conn_id(b);
	s.vecs = &v;
	s.n_vecs = 1;
	kdb_send(a, &s, NULL, NULL);
	tap_is(kdb_dbus1_recv(b, &m, NULL), -EBADMSG,
	       "dbus1_recv: a D-Bus payload libdbus cannot read");

	/* a header that counts an fd, but no fd with it */
	g = gcall(TEST_NAME, "Fd");
	l = g_unix_fd_list_new();
	g_unix_fd_list_append(l, p[0], NULL);
	g_dbus_message_set_unix_fd_list(g, l);
	g_dbus_message_set_body(g, g_variant_new("(h)", 0));
	g_dbus_message_set_serial(g, 9);
	blob = g_dbus_message_to_blob(g, &size,
				      G_DBUS_CAPABILITY_FLAGS_UNIX_FD_PASSING,
				      NULL);
	v.iov_base = blob;
	v.iov_len = size;
	kdb_send(a, &s, NULL, NULL);
	tap_is(kdb_dbus1_recv(b, &m, NULL), -EBADMSG,
	       "dbus1_recv: a message that lacks the fds it counts");

	/* the same with its fd: refused, the fd kept */
	s.fds = p;
	s.n_fds = 1;
	kdb_send(a, &s, NULL, NULL);
	tap_is(kdb_dbus1_recv(b, &m, &raw), -EPROTONOSUPPORT,
	       "dbus1_recv: a message with an fd");
	tap_ok(!m, "dbus1_recv: no message then");
	if (raw) {
		tap_is(kdb_dbus1_from_msg(raw, &m), -EPROTONOSUPPORT,
		       "dbus1_from_msg: a message with an fd");
		fd = kdb_msg_take_fd(raw, 0);
		tap_ok(fd >= 0 && write(p[1], "z", 1) == 1 &&
		       read_byte(fd) == 'z',
		       "dbus1_from_msg: the fd is still the caller's");
		if (fd >= 0)
			close(fd);
		kdb_msg_free(raw);
		raw = NULL;
	}
	s.fds = NULL;
	s.n_fds = 0;
	g_free(blob);
	g_object_unref(l);
	g_object_unref(g);

	v.iov_base = "not D-Bus";
	v.iov_len = 9;
	s.payload_type = 0x42;
	kdb_send(a, &s, NULL, NULL);
	tap_is(kdb_dbus1_recv(b, &m, &raw), -ENOMSG,
	       "dbus1_recv: another payload type");
	tap_ok(raw && kdb_msg_payload_type(raw) == 0x42,
	       "dbus1_recv: the raw message is handed back");
	if (raw) {
		tap_is(kdb_dbus1_from_msg(raw, &m), -EPROTOTYPE,
		       "dbus1_from_msg: not D-Bus");
		kdb_msg_free(raw);
	}
	tap_is(kdb_dbus1_from_msg(NULL, &m), -EINVAL, "dbus1_from_msg: NULL");
	tap_is(kdb_dbus1_from_msg(NULL, NULL), -EINVAL,
	       "dbus1_from_msg: no message pointer");
	tap_is(kdb_dbus1_recv(b, &m, NULL), -EAGAIN,
	       "dbus1_recv: nothing queued");
	kdb_match_notifications(b, 1);
	kdb_conn_free(a);
	a = NULL;
	kdb_conn_wait(b, 2000);
	tap_is(kdb_dbus1_recv(b, &m, NULL), -ENOMSG,
	       "dbus1_recv: a kernel notification");
	tap_is(kdb_dbus1_recv(b, NULL, NULL), -EINVAL, "dbus1_recv: NULL");
	close(p[0]);
	close(p[1]);
out:
	kdb_conn_free(a);
	kdb_conn_free(b);
}

/* ---- forwarding what came from a DBusConnection ----------------------- */

/* a GDBus peer that sends each new client a signal with fds (h 1, h 0) */
static gboolean peer_new(GDBusServer *server, GDBusConnection *conn,
			 gpointer data)
{
	int *p = data;
	GDBusMessage *m = g_dbus_message_new_signal("/a", "org.example.I",
						    "Swapped");
	GUnixFDList *l = g_unix_fd_list_new();

	(void)server;
	g_unix_fd_list_append(l, p[0], NULL);
	g_unix_fd_list_append(l, p[1], NULL);
	g_dbus_message_set_unix_fd_list(m, l);
	/* the first argument is the second fd, and the other way round */
	g_dbus_message_set_body(m, g_variant_new("(hh)", 1, 0));
	g_object_ref(conn);
	g_dbus_connection_send_message(conn, m, G_DBUS_SEND_MESSAGE_FLAGS_NONE,
				       NULL, NULL);
	g_dbus_connection_flush_sync(conn, NULL, NULL);
	g_object_unref(l);
	g_object_unref(m);
	return TRUE;
}

static pid_t peer_start(const char *address, int *fds, int rfd)
{
	GDBusServer *server;
	GMainLoop *loop;
	char *guid;
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	guid = g_dbus_generate_guid();
	server = g_dbus_server_new_sync(address, G_DBUS_SERVER_FLAGS_NONE,
					guid, NULL, NULL, NULL);
	if (!server)
		_exit(1);
	g_signal_connect(server, "new-connection", G_CALLBACK(peer_new), fds);
	g_dbus_server_start(server);
	if (write(rfd, "r", 1) != 1)
		_exit(1);
	loop = g_main_loop_new(NULL, FALSE);
	g_main_loop_run(loop);
	_exit(0);
}

/*
 * A message from a DBusConnection keeps its sender's fd numbering, which
 * need not follow its arguments: kdb_dbus1_send() must keep the meaning.
 */
static void test_forward(void)
{
	struct kdb_conn *a = conn_new(KDB_HELLO_ACCEPT_FD);
	struct kdb_conn *b = conn_new(KDB_HELLO_ACCEPT_FD);
	DBusConnection *dc = NULL;
	DBusMessage *m = NULL;
	GDBusMessage *g = NULL;
	GUnixFDList *l;
	char address[96], dest[32], c0 = 0, c1 = 0;
	int pa[2] = { -1, -1 }, pb[2] = { -1, -1 }, ready[2], fds[2], i, fd;
	gint32 h0 = -1, h1 = -1;
	pid_t pid = -1;

	if (!a || !b || pipe(pa) < 0 || pipe(pb) < 0 || pipe(ready) < 0)
		goto out;
	snprintf(address, sizeof(address), "unix:path=/tmp/dbus1-peer.%d",
		 (int)getpid());
	if (write(pa[1], "A", 1) != 1 || write(pb[1], "B", 1) != 1)
		goto out;
	fds[0] = pa[0];
	fds[1] = pb[0];
	pid = peer_start(address, fds, ready[1]);
	close(ready[1]);
	tap_ok(read_byte(ready[0]) == 'r', "a GDBus peer listens");
	close(ready[0]);
	dc = dbus_connection_open_private(address, NULL);
	tap_ok(dc, "libdbus connects to it");
	for (i = 0; dc && !m && i < 50; i++) {
		if (!dbus_connection_read_write(dc, 100))
			break;
		m = dbus_connection_pop_message(dc);
		if (m && !dbus_message_is_signal(m, "org.example.I",
						 "Swapped")) {
			dbus_message_unref(m);
			m = NULL;
		}
	}
	tap_ok(m && dbus_message_contains_unix_fds(m),
	       "libdbus: the peer's signal, fds numbered (h 1, h 0)");
	if (!m)
		goto out;
	snprintf(dest, sizeof(dest), ":1.%llu",
		 (unsigned long long)kdb_conn_id(b));
	dbus_message_set_destination(m, dest);
	tap_is(kdb_dbus1_send(a, m, 0), 0,
	       "dbus1_send: forwarding it to a kdbus peer");
	tap_is(kdb_dbus_recv(b, &g, NULL), 0, "dbus_recv: the GDBus peer");
	l = g ? g_dbus_message_get_unix_fd_list(g) : NULL;
	if (l) {
		g_variant_get(g_dbus_message_get_body(g), "(hh)", &h0, &h1);
		fd = g_unix_fd_list_get(l, h0, NULL);
		c0 = read_byte(fd);
		if (fd >= 0)
			close(fd);
		fd = g_unix_fd_list_get(l, h1, NULL);
		c1 = read_byte(fd);
		if (fd >= 0)
			close(fd);
	}
	tap_ok(c0 == 'B' && c1 == 'A',
	       "dbus1_send: each argument still names its own fd");
	if (g)
		g_object_unref(g);
	dbus_message_unref(m);
out:
	if (dc) {
		dbus_connection_close(dc);
		dbus_connection_unref(dc);
	}
	if (pid > 0) {
		kill(pid, SIGTERM);
		test_wait(pid);
	}
	for (i = 0; i < 2; i++) {
		if (pa[i] >= 0)
			close(pa[i]);
		if (pb[i] >= 0)
			close(pb[i]);
	}
	kdb_conn_free(a);
	kdb_conn_free(b);
}

/* ---- signals ---------------------------------------------------------- */

static DBusMessage *signal1(const char *path, const char *member,
			    const char *arg0)
{
	DBusMessage *m = dbus_message_new_signal(path, "org.example.I",
						 member);

	if (arg0)
		dbus_message_append_args(m, DBUS_TYPE_STRING, &arg0,
					 DBUS_TYPE_INVALID);
	return m;
}

/* whether @rx gets a D-Bus message @member within a moment, taking it */
static bool got1(struct kdb_conn *rx, const char *member)
{
	DBusMessage *m = NULL;
	bool ok;

	if (kdb_conn_wait(rx, 300) < 0 || kdb_dbus1_recv(rx, &m, NULL) < 0)
		return false;
	ok = !strcmp(dbus_message_get_member(m), member);
	dbus_message_unref(m);
	return ok;
}

static bool got_g(struct kdb_conn *rx, const char *member)
{
	GDBusMessage *m = NULL;
	bool ok;

	if (kdb_conn_wait(rx, 300) < 0 || kdb_dbus_recv(rx, &m, NULL) < 0)
		return false;
	ok = !strcmp(g_dbus_message_get_member(m), member);
	g_object_unref(m);
	return ok;
}

static void send_signal1(struct kdb_conn *tx, const char *path,
			 const char *member, const char *arg0)
{
	DBusMessage *m = signal1(path, member, arg0);

	kdb_dbus1_send(tx, m, 0);
	dbus_message_unref(m);
}

static void test_signals(void)
{
	struct kdb_conn *tx = conn_new(0), *rx = conn_new(0);
	struct kdb_conn *grx = conn_new(0);
	GDBusMessage *g;
	DBusMessage *m;

	if (!tx || !rx || !grx)
		goto out;
	kdb_dbus_match_add(rx, 1,
			   "type='signal',interface='org.example.I',member='Changed'");
	kdb_dbus_match_add(rx, 2, "member='Arg',arg0='x.y'");
	kdb_dbus_match_add(rx, 3,
			   "path_namespace='/org/example/ns',member='InNs'");
	kdb_dbus_match_add(grx, 1, "member='Changed',path='/org/example/Obj'");

	m = signal1("/org/example/Obj", "Changed", NULL);
	tap_is(kdb_dbus1_send(tx, m, 0), 0, "dbus1_send: a signal broadcast");
	dbus_message_unref(m);
	tap_ok(got1(rx, "Changed"), "dbus1_send: a match rule lets it through");
	tap_ok(got_g(grx, "Changed"),
	       "dbus1_send: a GDBus receiver's rule too");
	send_signal1(tx, "/org/example/Obj", "Unchanged", NULL);
	tap_ok(!got1(rx, "Unchanged"), "dbus1_send: another member, filtered");
	send_signal1(tx, "/a", "Arg", "x.y");
	tap_ok(got1(rx, "Arg"), "dbus1_send: arg0 in the filter");
	send_signal1(tx, "/a", "Arg", "x.z");
	tap_ok(!got1(rx, "Arg"), "dbus1_send: another arg0, filtered");
	send_signal1(tx, "/org/example/ns/deep", "InNs", NULL);
	tap_ok(got1(rx, "InNs"), "dbus1_send: the path's prefixes");
	tap_ok(!got_g(grx, "InNs"), "dbus1_send: not to the GDBus receiver");

	/* and a GDBus broadcast to a libdbus receiver */
	g = g_dbus_message_new_signal("/org/example/Obj", "org.example.I",
				      "Changed");
	kdb_dbus_send(tx, g, 0);
	g_object_unref(g);
	tap_ok(got1(rx, "Changed"),
	       "dbus1_recv: a GDBus broadcast, the same filter words");
out:
	kdb_conn_free(tx);
	kdb_conn_free(rx);
	kdb_conn_free(grx);
}

int main(void)
{
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	test_libdbus_fds();
	test_bloom();
	test_match_test();
	ret = test_env_setup(&env, "dbus1test");
	if (ret < 0) {
		printf("# cannot set up a kdbusfs bus: %s\n", strerror(-ret));
		tap_ok(false, "environment: mount kdbusfs and make a bus");
		test_env_teardown(&env);
		return tap_done();
	}
	test_calls();
	test_send();
	test_service();
	test_raw();
	test_forward();
	test_signals();
	test_env_teardown(&env);
	return tap_done();
}
