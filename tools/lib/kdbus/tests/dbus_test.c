// SPDX-License-Identifier: GPL-2.0
/*
 * dbus_test - every call of <libkdbus-dbus.h> against a real kdbusfs bus:
 * D-Bus messages marshalled by GDBusMessage, method calls, errors, fds,
 * signals and match rules, bloom words. Prints TAP.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <gio/gunixfdlist.h>

#include "tap.h"
#include "libkdbus-dbus.h"

#define ERR_NAME "org.example.Error.Failed"

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

/* a child serving org.example.Test.Echo(s) and .Fail() once each */
static pid_t service(struct kdb_conn *srv, int calls)
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
			r = g_dbus_message_new_method_reply(m);
			GVariant *body = g_dbus_message_get_body(m);

			g_dbus_message_set_body(r, g_variant_ref(body));
		} else if (!strcmp(member, "Fd")) {
			GUnixFDList *l = g_dbus_message_get_unix_fd_list(m);
			int fd = l ? g_unix_fd_list_get(l, 0, NULL) : -1;
			char c = 0;

			if (fd < 0 || read(fd, &c, 1) != 1)
				_exit(2);
			close(fd);
			r = g_dbus_message_new_method_reply(m);
			g_dbus_message_set_body(r, g_variant_new("(y)", c));
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

static GDBusMessage *call(const char *dest, const char *member)
{
	return g_dbus_message_new_method_call(dest, "/org/example/Test",
					      "org.example.Test", member);
}

static void test_calls(void)
{
	struct kdb_conn *a = conn_new(KDB_HELLO_ACCEPT_FD);
	struct kdb_conn *b = conn_new(KDB_HELLO_ACCEPT_FD);
	GDBusMessage *m, *r = NULL;
	GUnixFDList *l;
	const char *s = NULL;
	char dest[32];
	guchar y = 0;
	int p[2];
	pid_t pid;

	if (!a || !b)
		goto out;
	kdb_name_acquire(b, "org.example.Test", 0, NULL);
	pid = service(b, 4);

	m = call("org.example.Test", "Echo");
	g_dbus_message_set_body(m, g_variant_new("(s)", "hello"));
	tap_is(kdb_dbus_call(a, m, 5000000, -1, &r), 0,
	       "dbus_call: to a well-known name");
	tap_ok(g_dbus_message_get_serial(m) != 0,
	       "dbus_call: the call got a serial");
	if (r) {
		g_variant_get(g_dbus_message_get_body(r), "(&s)", &s);
		tap_ok(g_dbus_message_get_message_type(r) ==
		       G_DBUS_MESSAGE_TYPE_METHOD_RETURN && s &&
		       !strcmp(s, "hello"), "dbus_call: the method return");
		snprintf(dest, sizeof(dest), ":1.%llu",
			 (unsigned long long)kdb_conn_id(b));
		tap_ok(!strcmp(g_dbus_message_get_sender(r), dest),
		       "dbus_from_msg: the sender is the kernel's");
		tap_ok(g_dbus_message_get_reply_serial(r) ==
		       g_dbus_message_get_serial(m),
		       "dbus_call: the reply serial");
		g_object_unref(r);
	}
	g_object_unref(m);

	snprintf(dest, sizeof(dest), ":1.%llu",
		 (unsigned long long)kdb_conn_id(b));
	m = call(dest, "Echo");
	g_dbus_message_set_body(m, g_variant_new("(s)", "by id"));
	tap_is(kdb_dbus_call(a, m, 5000000, -1, &r), 0,
	       "dbus_call: to a unique name");
	g_clear_object(&r);
	g_object_unref(m);

	m = call("org.example.Test", "Fail");
	tap_is(kdb_dbus_call(a, m, 5000000, -1, &r), 0,
	       "dbus_call: a call that fails");
	tap_ok(r && g_dbus_message_get_message_type(r) ==
	       G_DBUS_MESSAGE_TYPE_ERROR &&
	       !strcmp(g_dbus_message_get_error_name(r),
		       "org.example.Error.Failed"),
	       "dbus_call: the error reply");
	g_clear_object(&r);
	g_object_unref(m);

	if (pipe(p) == 0) {
		m = call("org.example.Test", "Fd");
		l = g_unix_fd_list_new();
		g_unix_fd_list_append(l, p[0], NULL);
		g_dbus_message_set_unix_fd_list(m, l);
		g_dbus_message_set_body(m, g_variant_new("(h)", 0));
		tap_ok(write(p[1], "Q", 1) == 1, "pipe");
		tap_is(kdb_dbus_call(a, m, 5000000, -1, &r), 0,
		       "dbus_call: an fd in the call");
		if (r)
			g_variant_get(g_dbus_message_get_body(r), "(y)", &y);
		tap_ok(y == 'Q', "dbus_call: the service read the fd");
		g_clear_object(&r);
		g_object_unref(l);
		g_object_unref(m);
		close(p[0]);
		close(p[1]);
	}
	tap_is(test_wait(pid), 0, "the service served four calls");

	m = call("org.example.Test", "Echo");
	tap_is(kdb_dbus_call(a, m, 100000, -1, &r), -ETIMEDOUT,
	       "dbus_call: nobody answers");
	kdb_recv(b, KDB_RECV_DROP, NULL, NULL);
	g_object_unref(m);
	if (kdb_conn_can_cancel(a) && pipe(p) == 0) {
		m = call("org.example.Test", "Echo");
		tap_ok(write(p[1], "c", 1) == 1, "pipe");
		tap_is(kdb_dbus_call(a, m, 5000000, p[0], &r), -ECANCELED,
		       "dbus_call: cancelled by its cancel fd");
		kdb_recv(b, KDB_RECV_DROP, NULL, NULL);
		g_object_unref(m);
		close(p[0]);
		close(p[1]);
	} else {
		tap_skip("this kernel has no KDBUS_ITEM_CANCEL_FD",
			 "dbus_call: cancelled by its cancel fd");
	}
	m = call("org.example.Nobody", "Echo");
	tap_is(kdb_dbus_call(a, m, 100000, -1, &r), -ESRCH,
	       "dbus_call: a name nobody owns");
	g_object_unref(m);
	m = call(NULL, "Echo");
	tap_is(kdb_dbus_send(a, m, 0), -EDESTADDRREQ,
	       "dbus_send: a method call without a destination");
	g_object_unref(m);
	m = call("org.example.Test", "Echo");
	g_dbus_message_set_flags(m, G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED);
	tap_is(kdb_dbus_call(a, m, 0, -1, &r), -EINVAL,
	       "dbus_call: a call that expects no reply");
	tap_is(kdb_dbus_send(a, m, 0), 0,
	       "dbus_send: a call that expects no reply");
	g_object_unref(m);
	tap_is(kdb_dbus_recv(b, &m, NULL), 0, "dbus_recv");
	if (m) {
		tap_ok(!strcmp(g_dbus_message_get_member(m), "Echo") &&
		       !strcmp(g_dbus_message_get_destination(m),
			       "org.example.Test"),
		       "dbus_recv: the message as sent");
		g_object_unref(m);
	}
	m = call(":1.x", "Echo");
	tap_is(kdb_dbus_send(a, m, 0), -EINVAL,
	       "dbus_send: a bad unique name");
	g_object_unref(m);
	tap_is(kdb_dbus_send(NULL, NULL, 0), -EINVAL, "dbus_send: NULL");
	tap_is(kdb_dbus_call(a, NULL, 0, -1, NULL), -EINVAL,
	       "dbus_call: NULL");
out:
	kdb_conn_free(a);
	kdb_conn_free(b);
}

static void test_raw(void)
{
	struct kdb_conn *a = conn_new(0), *b = conn_new(0);
	struct kdb_send_args s = KDB_SEND_ARGS_INIT;
	struct iovec v = { "not D-Bus", 9 };
	GDBusMessage *m = NULL;
	struct kdb_msg *raw = NULL;

	if (!a || !b)
		goto out;
	s.dst_id = kdb_conn_id(b);
	s.vecs = &v;
	s.n_vecs = 1;
	kdb_send(a, &s, NULL, NULL);
	tap_is(kdb_dbus_recv(b, &m, NULL), -EBADMSG,
	       "dbus_recv: a D-Bus payload GDBus cannot read");
	s.payload_type = 0x42;
	kdb_send(a, &s, NULL, NULL);
	tap_is(kdb_dbus_recv(b, &m, &raw), -ENOMSG,
	       "dbus_recv: another payload type");
	tap_ok(raw && kdb_msg_payload_type(raw) == 0x42,
	       "dbus_recv: the raw message is handed back");
	if (raw) {
		tap_is(kdb_dbus_from_msg(raw, &m), -EPROTOTYPE,
		       "dbus_from_msg: not D-Bus");
		kdb_msg_free(raw);
	}
	tap_is(kdb_dbus_from_msg(NULL, &m), -EINVAL, "dbus_from_msg: NULL");
	kdb_match_notifications(b, 1);
	kdb_conn_free(a);
	a = NULL;
	kdb_conn_wait(b, 2000);
	tap_is(kdb_dbus_recv(b, &m, NULL), -ENOMSG,
	       "dbus_recv: a kernel notification");
	tap_is(kdb_dbus_recv(b, NULL, NULL), -EINVAL, "dbus_recv: NULL");
out:
	kdb_conn_free(a);
	kdb_conn_free(b);
}

static GDBusMessage *signal_new(const char *path, const char *member,
				const char *arg0)
{
	GDBusMessage *m = g_dbus_message_new_signal(path, "org.example.I",
						    member);

	if (arg0)
		g_dbus_message_set_body(m, g_variant_new("(s)", arg0));
	return m;
}

/* whether @rx gets one D-Bus message within a moment, taking it */
static bool got_signal(struct kdb_conn *rx, const char *member)
{
	GDBusMessage *m = NULL;
	bool ok;

	if (kdb_conn_wait(rx, 300) < 0 || kdb_dbus_recv(rx, &m, NULL) < 0)
		return false;
	ok = !strcmp(g_dbus_message_get_member(m), member);
	g_object_unref(m);
	return ok;
}

static void test_signals(void)
{
	struct kdb_conn *tx = conn_new(0), *rx = conn_new(0);
	static const char * const has[] = { "h1", "h2", NULL };
	const char *r1 = "type='signal',interface='org.example.I',member='Changed'";
	const char *r2 = "path_namespace='/org/example/ns',member='InNs'";
	GDBusMessage *m;
	uint64_t f[8], g[8] = { 0 };

	if (!tx || !rx)
		goto out;
	tap_is(kdb_dbus_match_add(rx, 1, r1), 0,
	       "dbus_match_add: type, interface, member");
	tap_is(kdb_dbus_match_add(rx, 2, r2), 0,
	       "dbus_match_add: path_namespace");
	tap_is(kdb_dbus_match_add(rx, 3, "member='Arg',arg0='x.y'"), 0,
	       "dbus_match_add: arg0");
	tap_is(kdb_dbus_match_add(rx, 4, "member='Ns',arg0namespace='a.b'"),
	       0, "dbus_match_add: arg0namespace");

	m = signal_new("/org/example/Obj", "Changed", NULL);
	tap_is(kdb_dbus_send(tx, m, 0), 0, "dbus_send: a signal broadcast");
	g_object_unref(m);
	tap_ok(got_signal(rx, "Changed"), "dbus_match_add: it matches");
	m = signal_new("/org/example/Obj", "Unchanged", NULL);
	kdb_dbus_send(tx, m, 0);
	g_object_unref(m);
	tap_ok(!got_signal(rx, "Unchanged"), "dbus_match_add: another member");
	m = signal_new("/org/example/ns/deep/er", "InNs", NULL);
	kdb_dbus_send(tx, m, 0);
	g_object_unref(m);
	tap_ok(got_signal(rx, "InNs"), "path_namespace: a path below");
	m = signal_new("/org/example/nsx", "InNs", NULL);
	kdb_dbus_send(tx, m, 0);
	g_object_unref(m);
	tap_ok(!got_signal(rx, "InNs"), "path_namespace: a mere prefix");
	m = signal_new("/a", "Arg", "x.y");
	kdb_dbus_send(tx, m, 0);
	g_object_unref(m);
	tap_ok(got_signal(rx, "Arg"), "arg0: equal");
	m = signal_new("/a", "Arg", "x.z");
	kdb_dbus_send(tx, m, 0);
	g_object_unref(m);
	tap_ok(!got_signal(rx, "Arg"), "arg0: different");
	m = signal_new("/a", "Ns", "a.b.c");
	kdb_dbus_send(tx, m, 0);
	g_object_unref(m);
	tap_ok(got_signal(rx, "Ns"), "arg0namespace: below");
	tap_is(kdb_match_remove(rx, 1), 0, "match_remove: a D-Bus rule");
	m = signal_new("/org/example/Obj", "Changed", NULL);
	kdb_dbus_send(tx, m, 0);
	tap_ok(!got_signal(rx, "Changed"), "match_remove: no more");

	tap_is(kdb_dbus_bloom(m, f, 64, 8), 0, "dbus_bloom");
	kdb_bloom_add_pair(g, 64, 8, "message-type", "signal");
	kdb_bloom_add_pair(g, 64, 8, "interface", "org.example.I");
	kdb_bloom_add_pair(g, 64, 8, "member", "Changed");
	kdb_bloom_add_pair(g, 64, 8, "path", "/org/example/Obj");
	kdb_bloom_add_prefixes(g, 64, 8, "path-slash-prefix",
			       "/org/example/Obj", '/');
	tap_ok(!memcmp(f, g, 64), "dbus_bloom: sd-bus's words, no more");
	g_object_unref(m);
	m = g_dbus_message_new_signal("/p", "i.j", "M");
	g_dbus_message_set_body(m, g_variant_new("(s^asus)", "s0", has, 5,
						 "after"));
	kdb_dbus_bloom(m, f, 64, 8);
	memset(g, 0, sizeof(g));
	kdb_bloom_add_pair(g, 64, 8, "arg0", "s0");
	kdb_bloom_add_prefixes(g, 64, 8, "arg0-dot-prefix", "s0", '.');
	kdb_bloom_add_prefixes(g, 64, 8, "arg0-slash-prefix", "s0", '/');
	tap_ok(kdb_bloom_test(f, g, 64), "dbus_bloom: arg0");
	memset(g, 0, sizeof(g));
	kdb_bloom_add_pair(g, 64, 8, "arg1-has", "h1");
	kdb_bloom_add_pair(g, 64, 8, "arg1-has", "h2");
	tap_ok(kdb_bloom_test(f, g, 64), "dbus_bloom: arg1-has, per element");
	memset(g, 0, sizeof(g));
	kdb_bloom_add_pair(g, 64, 8, "arg3", "after");
	tap_ok(!kdb_bloom_test(f, g, 64),
	       "dbus_bloom: nothing after a non-string argument");
	g_object_unref(m);
	tap_is(kdb_dbus_bloom(NULL, f, 64, 8), -EINVAL, "dbus_bloom: NULL");

	tap_is(kdb_dbus_match_add(rx, 5, "eavesdrop='true'"), -EINVAL,
	       "dbus_match_add: an unknown key");
	tap_is(kdb_dbus_match_add(rx, 5, "member='unterminated"), -EINVAL,
	       "dbus_match_add: an unterminated quote");
	tap_is(kdb_dbus_match_add(rx, 5, "type='nonsense'"), -EINVAL,
	       "dbus_match_add: a bad type");
	tap_is(kdb_dbus_match_add(rx, 5, "sender=':1.x'"), -EINVAL,
	       "dbus_match_add: a bad unique sender");
	tap_is(kdb_dbus_match_add(rx, 5, "sender='org.example.S'"), 0,
	       "dbus_match_add: a well-known sender");
	tap_is(kdb_dbus_match_add(NULL, 5, ""), -EINVAL,
	       "dbus_match_add: NULL");
out:
	kdb_conn_free(tx);
	kdb_conn_free(rx);
}

static void test_match_test(void)
{
	GDBusMessage *m = signal_new("/org/example/ns/x", "Changed",
				     "org.example.Thing");

	g_dbus_message_set_sender(m, ":1.7");
	tap_is(kdb_dbus_match_test("type='signal',member='Changed'", m), 1,
	       "dbus_match_test: type and member");
	tap_is(kdb_dbus_match_test("member='Other'", m), 0,
	       "dbus_match_test: another member");
	tap_is(kdb_dbus_match_test("path_namespace='/org/example'", m), 1,
	       "dbus_match_test: path_namespace");
	tap_is(kdb_dbus_match_test("path_namespace='/org/ex'", m), 0,
	       "dbus_match_test: not a path_namespace");
	tap_is(kdb_dbus_match_test("arg0namespace='org.example'", m), 1,
	       "dbus_match_test: arg0namespace");
	tap_is(kdb_dbus_match_test("arg0='org.example.Thing'", m), 1,
	       "dbus_match_test: arg0");
	tap_is(kdb_dbus_match_test("arg1='x'", m), 0,
	       "dbus_match_test: a missing arg1");
	tap_is(kdb_dbus_match_test("sender=':1.7'", m), 1,
	       "dbus_match_test: the unique sender");
	tap_is(kdb_dbus_match_test("sender=':1.8'", m), 0,
	       "dbus_match_test: another unique sender");
	tap_is(kdb_dbus_match_test("", m), 1, "dbus_match_test: empty rule");
	tap_is(kdb_dbus_match_test("path='/a',path_namespace='/a'", m),
	       -EINVAL, "dbus_match_test: path and path_namespace");
	tap_is(kdb_dbus_match_test("arg64='x'", m), -EINVAL,
	       "dbus_match_test: arg64");
	tap_is(kdb_dbus_match_test(NULL, m), -EINVAL,
	       "dbus_match_test: NULL");
	g_object_unref(m);
	m = signal_new("/a", "P", "/aa/bb/");
	tap_is(kdb_dbus_match_test("arg0path='/aa/'", m), 1,
	       "dbus_match_test: arg0path, a prefix of the argument");
	tap_is(kdb_dbus_match_test("arg0path='/aa/bb/cc'", m), 1,
	       "dbus_match_test: arg0path, the argument a prefix");
	tap_is(kdb_dbus_match_test("arg0path='/aa'", m), 0,
	       "dbus_match_test: arg0path, no slash");
	tap_is(kdb_dbus_match_test("member=\\'P\\'", m), 0,
	       "dbus_match_test: an escaped quote is a quote");
	g_object_unref(m);
}

/* RemoveMatch's comparison: parsed keys and values, as dbus-daemon's */
static void test_match_equal(void)
{
	static const struct {
		const char *a, *b;
		int want;
		const char *what;
	} cases[] = {
		{ "type='signal',member='Foo'", "member='Foo', type='signal'", 1,
		  "dbus_match_equal: the keys in another order" },
		{ "type='signal',member='Foo'", "type=signal,member=Foo", 1,
		  "dbus_match_equal: unquoted values" },
		{ "arg0='a,b',path='/x'", "path=/x,arg0=a','b", 1,
		  "dbus_match_equal: a comma quoted either way" },
		{ "member=\\'P\\'", "member=''\\'P\\'''", 1,
		  "dbus_match_equal: escaped quotes, and empty quotes" },
		{ "", " , ", 1,
		  "dbus_match_equal: two empty rules" },
		{ "type='signal',member='Foo'", "type='signal',member='Bar'", 0,
		  "dbus_match_equal: another value" },
		{ "member='Foo'", "member='foo'", 0,
		  "dbus_match_equal: values are case-sensitive" },
		{ "type='signal',member='Foo'", "type='signal'", 0,
		  "dbus_match_equal: a key fewer" },
		{ "member='Foo'", "interface='Foo'", 0,
		  "dbus_match_equal: the same value for another key" },
		{ "arg0=''", "", 0,
		  "dbus_match_equal: an empty value is not an absent key" },
		{ "arg1='x'", "arg2='x'", 0,
		  "dbus_match_equal: another arg index" },
		{ "arg0='x',arg1='y'", "arg0='y',arg1='x'", 0,
		  "dbus_match_equal: the values of two args swapped" },
		{ "arg0='/x'", "arg0path='/x'", 0,
		  "dbus_match_equal: argN is not argNpath" },
		{ "path='/a'", "path_namespace='/a'", 0,
		  "dbus_match_equal: path is not path_namespace" },
		{ "sender=':1.7'", "sender=':1.8'", 0,
		  "dbus_match_equal: another sender" },
		{ "member='Foo'", "member='Foo", -EINVAL,
		  "dbus_match_equal: an unclosed quote" },
		{ "eavesdrop='true'", "eavesdrop='true'", -EINVAL,
		  "dbus_match_equal: a key it does not take" },
		{ "type='bogus'", "type='signal'", -EINVAL,
		  "dbus_match_equal: a bad type, first" },
		{ "type='signal'", "arg64='x'", -EINVAL,
		  "dbus_match_equal: arg64, second" },
		{ NULL, "", -EINVAL,
		  "dbus_match_equal: NULL" },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++)
		tap_is(kdb_dbus_match_equal(cases[i].a, cases[i].b),
		       cases[i].want, cases[i].what);
}

/*
 * A message of @size body bytes from @a to @b: whether it travelled in a
 * memfd, and whether every byte arrived.
 */
static void large_one(struct kdb_conn *a, struct kdb_conn *b, size_t size,
		      bool memfd)
{
	guchar *data = g_malloc(size);
	GDBusMessage *m, *got = NULL;
	struct kdb_msg *raw = NULL;
	GVariant *arg, *body;
	const guchar *p = NULL;
	gsize n = 0;
	size_t i;

	for (i = 0; i < size; i++)
		data[i] = i * 7 + 1;
	arg = g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, data, size, 1);
	m = call("org.example.Large", "Take");
	g_dbus_message_set_flags(m, G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED);
	g_dbus_message_set_body(m, g_variant_new_tuple(&arg, 1));
	tap_is(kdb_dbus_send(a, m, 0), 0,
	       memfd ? "dbus_send: a body of 4 MiB" : "dbus_send: 512 KiB");
	tap_is(kdb_dbus_recv(b, &got, &raw), 0, "dbus_recv: it arrives");
	tap_ok(raw && (kdb_msg_n_memfds(raw) == 1) == memfd,
	       "%zu bytes travel %s", size,
	       memfd ? "in one sealed memfd" : "inline");
	if (got) {
		body = g_variant_get_child_value(g_dbus_message_get_body(got),
						 0);
		p = g_variant_get_fixed_array(body, &n, 1);
		tap_ok(n == size && !memcmp(p, data, size),
		       "every byte of the %zu arrives", size);
		g_variant_unref(body);
		g_object_unref(got);
	}
	kdb_msg_free(raw);
	g_object_unref(m);
	g_free(data);
}

/* D-Bus allows 128 MiB, the kernel 2 MiB of vectors: larger in a memfd */
static void test_large(void)
{
	struct kdb_hello h = { .pool_size = 16 << 20 };
	struct kdb_conn *a = conn_new(0), *b = NULL;

	if (!a || kdb_conn_open(env.bus_path, &h, &b) < 0 ||
	    kdb_name_acquire(b, "org.example.Large", 0, NULL) < 0) {
		tap_ok(false, "large: two connections and a name");
		goto out;
	}
	large_one(a, b, 512 << 10, false);
	large_one(a, b, 4 << 20, true);
out:
	kdb_conn_free(b);
	kdb_conn_free(a);
}

int main(void)
{
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	test_match_test();
	test_match_equal();
	ret = test_env_setup(&env, "dbustest");
	if (ret < 0) {
		printf("# cannot set up a kdbusfs bus: %s\n", strerror(-ret));
		tap_ok(false, "environment: mount kdbusfs and make a bus");
		test_env_teardown(&env);
		return tap_done();
	}
	test_calls();
	test_raw();
	test_signals();
	test_large();
	test_env_teardown(&env);
	return tap_done();
}
