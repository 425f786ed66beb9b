// SPDX-License-Identifier: GPL-2.0
/*
 * dbus-bench - a D-Bus method-call round trip between two processes
 * through kdbusfs (libkdbus), through dbus-broker and through dbus-daemon,
 * in one run.
 *
 *   dbus-bench ENDPOINT [SECONDS_PER_CASE]
 *
 * The call is org.example.Bench.Echo(ay) with an 8-byte, 1 KiB and 64 KiB
 * argument; the service answers with the same bytes. Every call is a new
 * message, marshalled, sent, answered, demarshalled. Through the brokers
 * both ends use libdbus; through kdbusfs both ends use libkdbus's libdbus
 * binding (<libkdbus-dbus1.h>), the same marshaller, so the comparison is
 * of the transports. dbus-broker runs under a controller of our own
 * (sd-bus, "dbus-broker --controller FD" as dbus-broker's test utilities
 * start it); dbus-daemon with a configuration that lets everyone talk.
 * Per size it prints
 *   bench: dbus-rt-<size> kdbusfs_us=.. broker_us=.. daemon_us=..
 *          vs_broker=<broker/kdbusfs> vs_daemon=<daemon/kdbusfs>
 *          gdbus_us=..
 * where gdbus_us is the same call through kdbusfs with libkdbus's GDBus
 * binding at both ends (<libkdbus-dbus.h>, GDBusMessage), and, to tell
 * marshalling from the kernel, the same bytes through kdbusfs without any
 * D-Bus library (kdb_send() of the marshalled call, answered as it is):
 *   bench: dbus-split-<size> kdbusfs_us=.. raw_us=.. marshal_share=..
 *          gdbus_marshal_share=..
 * marshal_share being (kdbusfs - raw) / kdbusfs, the part of the round
 * trip spent outside the kernel's message passing.
 * A case that cannot run (no dbus-broker installed, ...) reads "-".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <dbus/dbus.h>
#include <systemd/sd-bus.h>

#include <libkdbus.h>
#include <libkdbus-dbus.h>
#include <libkdbus-dbus1.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NAME	"org.example.Bench"
#define PATH	"/org/example/Bench"
#define IFACE	"org.example.Bench"

static double budget = 1.0;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* the calling process's minor page faults so far */
static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/* of the last case measured: the caller's minor page faults per call */
static double faults;
static long faults0;

/* parent and child meet here: the child says it is ready */
static void ready_signal(int fd)
{
	char c = 1;

	if (write(fd, &c, 1) != 1)
		_exit(1);
	close(fd);
}

static int ready_wait(int fd)
{
	char c;
	int ok = read(fd, &c, 1) == 1;

	close(fd);
	return ok ? 0 : -1;
}

static void stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

/* ---- kdbusfs ---------------------------------------------------------- */

/* the return of an Echo(ay) call @m, with the same bytes; NULL if none */
static DBusMessage *echo_reply(DBusMessage *m)
{
	DBusMessageIter in, out, ain, aout;
	const unsigned char *p;
	DBusMessage *r;
	int n;

	if (dbus_message_get_type(m) != DBUS_MESSAGE_TYPE_METHOD_CALL ||
	    !dbus_message_iter_init(m, &in) ||
	    dbus_message_iter_get_arg_type(&in) != DBUS_TYPE_ARRAY)
		return NULL;
	dbus_message_iter_recurse(&in, &ain);
	dbus_message_iter_get_fixed_array(&ain, &p, &n);
	r = dbus_message_new_method_return(m);
	if (!r)
		return NULL;
	dbus_message_iter_init_append(r, &out);
	dbus_message_iter_open_container(&out, DBUS_TYPE_ARRAY, "y", &aout);
	dbus_message_iter_append_fixed_array(&aout, DBUS_TYPE_BYTE, &p, n);
	dbus_message_iter_close_container(&out, &aout);
	return r;
}

/* the service: 0 GDBus binding, 1 raw bytes, 2 libdbus binding */
static void kdbus_server(const char *ep, int mode, int rfd)
{
	struct kdb_conn *c = NULL;

	if (kdb_conn_open(ep, NULL, &c) < 0 ||
	    kdb_name_acquire(c, NAME, 0, NULL) < 0)
		_exit(1);
	ready_signal(rfd);
	for (;;) {
		if (kdb_conn_wait(c, -1) < 0)
			_exit(0);
		if (mode == 2) {
			DBusMessage *m = NULL, *r;

			if (kdb_dbus1_recv(c, &m, NULL) < 0)
				continue;
			r = echo_reply(m);
			if (r) {
				kdb_dbus1_send(c, r, 0);
				dbus_message_unref(r);
			}
			dbus_message_unref(m);
		} else if (mode == 1) {
			struct kdb_send_args a = KDB_SEND_ARGS_INIT;
			struct kdb_msg *m;
			struct iovec v;
			size_t n;

			if (kdb_recv(c, 0, &m, NULL) < 0)
				continue;
			v.iov_base = (void *)kdb_msg_payload(m, &n);
			v.iov_len = n;
			a.dst_id = kdb_msg_src_id(m);
			a.cookie_reply = kdb_msg_cookie(m);
			a.vecs = &v;
			a.n_vecs = 1;
			kdb_send(c, &a, NULL, NULL);
			kdb_msg_free(m);
		} else {
			GDBusMessage *m = NULL, *r;

			if (kdb_dbus_recv(c, &m, NULL) < 0)
				continue;
			r = g_dbus_message_new_method_reply(m);
			g_dbus_message_set_body(r,
						g_variant_ref(g_dbus_message_get_body(m)));
			kdb_dbus_send(c, r, 0);
			g_object_unref(r);
			g_object_unref(m);
		}
	}
}

static pid_t kdbus_start(const char *ep, int mode)
{
	int p[2];
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		kdbus_server(ep, mode, p[1]);
	}
	close(p[1]);
	if (ready_wait(p[0]) < 0) {
		stop(pid);
		return -1;
	}
	return pid;
}

/* libkdbus's GDBus binding at both ends, GDBusMessage's marshaller */
static double kdbus_gdbus_rt(const char *ep, size_t size)
{
	struct kdb_conn *c = NULL;
	GVariant *arg;
	void *data = calloc(1, size);
	double t0, t = -1;
	long n = 0, i;
	pid_t pid = kdbus_start(ep, 0);

	if (pid < 0 || !data || kdb_conn_open(ep, NULL, &c) < 0)
		goto out;
	arg = g_variant_ref_sink(g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE,
							   data, size, 1));
	for (i = -50, t0 = 0; ; i++) {
		GDBusMessage *m, *r = NULL;

		if (i == 0) {
			t0 = now();
			faults0 = minflt();
		}
		m = g_dbus_message_new_method_call(NAME, PATH, IFACE, "Echo");
		g_dbus_message_set_body(m, g_variant_new_tuple(&arg, 1));
		if (kdb_dbus_call(c, m, 5000000, -1, &r) < 0) {
			g_object_unref(m);
			break;
		}
		g_object_unref(r);
		g_object_unref(m);
		if (i >= 0 && ++n % 16 == 0 && now() - t0 > budget) {
			t = (now() - t0) / n * 1e6;
			faults = (double)(minflt() - faults0) / n;
			break;
		}
	}
	g_variant_unref(arg);
out:
	kdb_conn_free(c);
	stop(pid);
	free(data);
	return t;
}

/* the same marshalled call, without GDBus at either end */
static double kdbus_raw_rt(const char *ep, size_t size)
{
	struct kdb_send_args a = KDB_SEND_ARGS_INIT;
	struct kdb_conn *c = NULL;
	GDBusMessage *m;
	GVariant *arg;
	void *data = calloc(1, size);
	struct iovec v;
	guchar *blob = NULL;
	gsize len;
	double t0, t = -1;
	long n = 0, i;
	pid_t pid = kdbus_start(ep, 1);

	if (pid < 0 || !data || kdb_conn_open(ep, NULL, &c) < 0)
		goto out;
	arg = g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, data, size, 1);
	m = g_dbus_message_new_method_call(NAME, PATH, IFACE, "Echo");
	g_dbus_message_set_body(m, g_variant_new_tuple(&arg, 1));
	g_dbus_message_set_serial(m, 1);
	blob = g_dbus_message_to_blob(m, &len, 0, NULL);
	g_object_unref(m);
	v.iov_base = blob;
	v.iov_len = len;
	a.dst_id = KDB_ID_NAME;
	a.dst_name = NAME;
	a.flags = KDB_MSG_EXPECT_REPLY;
	a.timeout_us = 5000000;
	a.vecs = &v;
	a.n_vecs = 1;
	for (i = -50, t0 = 0; ; i++) {
		struct kdb_msg *r = NULL;

		if (i == 0) {
			t0 = now();
			faults0 = minflt();
		}
		a.cookie = 0;
		if (kdb_send(c, &a, NULL, &r) < 0)
			break;
		kdb_msg_free(r);
		if (i >= 0 && ++n % 16 == 0 && now() - t0 > budget) {
			t = (now() - t0) / n * 1e6;
			faults = (double)(minflt() - faults0) / n;
			break;
		}
	}
out:
	g_free(blob);
	kdb_conn_free(c);
	stop(pid);
	free(data);
	return t;
}

/* libkdbus's libdbus binding at both ends, libdbus's marshaller */
static double kdbus1_rt(const char *ep, size_t size)
{
	unsigned char *data = calloc(1, size);
	struct kdb_conn *c = NULL;
	double t0, t = -1;
	long n = 0, i;
	pid_t pid = kdbus_start(ep, 2);

	if (pid < 0 || !data || kdb_conn_open(ep, NULL, &c) < 0)
		goto out;
	for (i = -50, t0 = 0; ; i++) {
		DBusMessage *m, *r = NULL;
		int ret;

		if (i == 0) {
			t0 = now();
			faults0 = minflt();
		}
		m = dbus_message_new_method_call(NAME, PATH, IFACE, "Echo");
		dbus_message_append_args(m, DBUS_TYPE_ARRAY, DBUS_TYPE_BYTE,
					 &data, (int)size, DBUS_TYPE_INVALID);
		ret = kdb_dbus1_call(c, m, 5000000, -1, &r);
		dbus_message_unref(m);
		if (ret < 0) {
			fprintf(stderr, "dbus-bench: kdb_dbus1_call: %s\n",
				kdb_strerror(ret));
			break;
		}
		dbus_message_unref(r);
		if (i >= 0 && ++n % 16 == 0 && now() - t0 > budget) {
			t = (now() - t0) / n * 1e6;
			faults = (double)(minflt() - faults0) / n;
			break;
		}
	}
out:
	kdb_conn_free(c);
	stop(pid);
	free(data);
	return t;
}

/* ---- a D-Bus broker, clients on libdbus ------------------------------- */

static DBusConnection *bus_connect(const char *address)
{
	DBusConnection *c;
	DBusError e;

	dbus_error_init(&e);
	c = dbus_connection_open_private(address, &e);
	if (c && !dbus_bus_register(c, &e)) {
		dbus_connection_close(c);
		dbus_connection_unref(c);
		c = NULL;
	}
	if (!c)
		fprintf(stderr, "dbus-bench: %s: %s\n", address,
			e.message ? e.message : "cannot connect");
	dbus_error_free(&e);
	return c;
}

static void bus_server(const char *address, int rfd)
{
	DBusConnection *c = bus_connect(address);
	DBusError e;

	if (!c)
		_exit(1);
	dbus_error_init(&e);
	if (dbus_bus_request_name(c, NAME, DBUS_NAME_FLAG_DO_NOT_QUEUE, &e) !=
	    DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER)
		_exit(1);
	ready_signal(rfd);
	while (dbus_connection_read_write(c, -1)) {
		DBusMessage *m, *r;

		while ((m = dbus_connection_pop_message(c))) {
			r = echo_reply(m);
			if (r) {
				dbus_connection_send(c, r, NULL);
				dbus_message_unref(r);
			}
			dbus_message_unref(m);
		}
	}
	_exit(0);
}

static double bus_rt(const char *address, size_t size)
{
	unsigned char *data = calloc(1, size);
	DBusConnection *c = NULL;
	double t0, t = -1;
	long n = 0, i;
	int p[2];
	pid_t pid = -1;

	if (!address || !data || pipe(p) < 0)
		goto out;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		bus_server(address, p[1]);
	}
	close(p[1]);
	if (ready_wait(p[0]) < 0)
		goto out;
	c = bus_connect(address);
	if (!c)
		goto out;
	for (i = -50, t0 = 0; ; i++) {
		DBusMessage *m, *r;
		DBusError e;

		if (i == 0) {
			t0 = now();
			faults0 = minflt();
		}
		m = dbus_message_new_method_call(NAME, PATH, IFACE, "Echo");
		dbus_message_append_args(m, DBUS_TYPE_ARRAY, DBUS_TYPE_BYTE,
					 &data, (int)size, DBUS_TYPE_INVALID);
		dbus_error_init(&e);
		r = dbus_connection_send_with_reply_and_block(c, m, 5000, &e);
		dbus_message_unref(m);
		if (!r) {
			fprintf(stderr, "dbus-bench: call: %s\n", e.message);
			dbus_error_free(&e);
			break;
		}
		dbus_message_unref(r);
		if (i >= 0 && ++n % 16 == 0 && now() - t0 > budget) {
			t = (now() - t0) / n * 1e6;
			faults = (double)(minflt() - faults0) / n;
			break;
		}
	}
out:
	if (c) {
		dbus_connection_close(c);
		dbus_connection_unref(c);
	}
	stop(pid);
	free(data);
	return t;
}

/* ---- starting the brokers --------------------------------------------- */

/* dbus-broker's policy as its version 33 (Debian 12's) reads it */
#define POLICY_BATCH "bta(btbs)a(btssssuutt)a(btssssuutt)"
#define POLICY "a(u(" POLICY_BATCH "))a(buu(" POLICY_BATCH "))a(ss)bs"

/* everybody may connect, own, send and receive; no AppArmor; a session bus */
static int broker_policy(sd_bus_message *m)
{
	int r;

	r = sd_bus_message_open_container(m, 'v', "(" POLICY ")");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'r', POLICY);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "(u(" POLICY_BATCH "))");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'r', "u(" POLICY_BATCH ")");
	if (r >= 0)
		r = sd_bus_message_append(m, "u", (uint32_t)-1);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'r', POLICY_BATCH);
	if (r >= 0)
		r = sd_bus_message_append(m, POLICY_BATCH, 1, (uint64_t)1,
					  1, 1, (uint64_t)1, 1, "",
					  1, 1, (uint64_t)1, "", "", "", "", 0, 0,
					  (uint64_t)0, UINT64_MAX,
					  1, 1, (uint64_t)1, "", "", "", "", 0, 0,
					  (uint64_t)0, UINT64_MAX);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_message_append(m, "a(buu(" POLICY_BATCH "))", 0);
	if (r >= 0)
		r = sd_bus_message_append(m, "a(ss)bs", 0, 0, "session");
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	return r;
}

static pid_t broker_start(sd_bus **controller, char *address, size_t size)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	sd_bus_message *m = NULL;
	sd_bus_error err = SD_BUS_ERROR_NULL;
	char fdstr[16];
	int pair[2], lfd, r;
	pid_t pid;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "/tmp/dbus-bench-broker.%d",
		 (int)getpid());
	unlink(sa.sun_path);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (lfd < 0 || bind(lfd, (void *)&sa, sizeof(sa)) < 0 ||
	    listen(lfd, 16) < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		fcntl(pair[1], F_SETFD, 0);
		snprintf(fdstr, sizeof(fdstr), "%d", pair[1]);
		execlp("dbus-broker", "dbus-broker", "--controller", fdstr,
		       "--machine-id", "0123456789abcdef0123456789abcdef",
		       (char *)NULL);
		_exit(127);
	}
	close(pair[1]);
	r = sd_bus_new(controller);
	if (r >= 0)
		r = sd_bus_set_fd(*controller, pair[0], pair[0]);
	if (r >= 0)
		r = sd_bus_start(*controller);
	if (r >= 0)
		r = sd_bus_message_new_method_call(*controller, &m, NULL,
						   "/org/bus1/DBus/Broker",
						   "org.bus1.DBus.Broker",
						   "AddListener");
	if (r >= 0)
		r = sd_bus_message_append(m, "oh", "/org/bus1/DBus/Listener/0",
					  lfd);
	if (r >= 0)
		r = broker_policy(m);
	if (r >= 0)
		r = sd_bus_call(*controller, m, 5000000, &err, NULL);
	sd_bus_message_unref(m);
	close(lfd);
	if (r < 0) {
		fprintf(stderr, "dbus-bench: dbus-broker: %s\n",
			err.message ? err.message : strerror(-r));
		sd_bus_error_free(&err);
		stop(pid);
		return -1;
	}
	snprintf(address, size, "unix:path=%s", sa.sun_path);
	return pid;
}

/*
 * dbus-daemon, or kdbusfs-bridge taking its command line (@bus: the
 * kdbusfs bus it serves), on the same configuration file
 */
static pid_t daemon_start(const char *prog, const char *bus, char *address,
			  size_t size)
{
	/* a session bus where everybody may do everything */
	static const char * const conf[] = {
		"<busconfig>",
		"<auth>EXTERNAL</auth>",
		"<listen>unix:tmpdir=/tmp</listen>",
		"<policy context=\"default\">",
		"<allow user=\"*\"/>",
		"<allow send_destination=\"*\"/>",
		"<allow receive_sender=\"*\"/>",
		"<allow own=\"*\"/>",
		"</policy>",
		"</busconfig>",
	};
	FILE *f;
	size_t i;
	char cfg[64], pfd[32], cfa[96], busa[4200];
	int p[2];
	ssize_t n;
	pid_t pid;

	snprintf(cfg, sizeof(cfg), "/tmp/dbus-bench-daemon.%d.conf",
		 (int)getpid());
	f = fopen(cfg, "we");
	if (!f)
		return -1;
	for (i = 0; i < ARRAY_SIZE(conf); i++)
		fprintf(f, "%s\n", conf[i]);
	if (fclose(f))
		return -1;
	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		close(p[0]);
		snprintf(pfd, sizeof(pfd), "--print-address=%d", p[1]);
		snprintf(cfa, sizeof(cfa), "--config-file=%s", cfg);
		snprintf(busa, sizeof(busa), "--bus=%s", bus ? bus : "");
		execlp(prog, prog, "--nofork", cfa, pfd, bus ? busa : NULL,
		       (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	n = read(p[0], address, size - 1);
	close(p[0]);
	if (n <= 0) {
		stop(pid);
		return -1;
	}
	address[n] = 0;
	address[strcspn(address, "\n")] = 0;
	return pid;
}

static void field(char *buf, size_t size, double v)
{
	if (v < 0)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.1f", v);
}

static void ratio(char *buf, size_t size, double a, double b)
{
	if (a < 0 || b <= 0)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.2f", a / b);
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 8, 1024, 65536 };
	char broker_addr[256] = "", daemon_addr[256] = "", bridge_addr[256] = "";
	const char *bridge_prog = getenv("KDBUSFS_BRIDGE");
	sd_bus *controller = NULL;
	pid_t broker, daemon, bridge;
	size_t i;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: dbus-bench ENDPOINT [SECONDS]\n");
		return 2;
	}
	if (argc > 2)
		budget = strtod(argv[2], NULL);
	signal(SIGPIPE, SIG_IGN);
	broker = broker_start(&controller, broker_addr, sizeof(broker_addr));
	daemon = daemon_start("dbus-daemon", NULL, daemon_addr,
			      sizeof(daemon_addr));
	/* both clients of the bridge-rt case behind kdbusfs-bridge */
	bridge = daemon_start(bridge_prog ? bridge_prog :
			      "tools/bridge/kdbusfs-bridge", argv[1],
			      bridge_addr, sizeof(bridge_addr));

	printf("%-12s %10s %10s %10s %9s %9s %8s %8s\n", "case", "kdbusfs_us",
	       "broker_us", "daemon_us", "vs_broker", "vs_daemon", "gdbus_us",
	       "raw_us");
	/* warm the guest up: the first case must not pay for it */
	kdbus1_rt(argv[1], 8);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		double f[5] = { -1, -1, -1, -1, -1 };
		double k, g, raw, b = -1, d = -1, br = -1;
		char ks[16], bs[16], ds[16], rb[16], rd[16], rs[16], ms[16];
		char gs[16], gm[16], brs[16], brr[16];
		char label[16];

		faults = -1;
		k = kdbus1_rt(argv[1], sizes[i]);
		f[0] = faults;
		faults = -1;
		g = kdbus_gdbus_rt(argv[1], sizes[i]);
		f[1] = faults;
		faults = -1;
		raw = kdbus_raw_rt(argv[1], sizes[i]);
		f[2] = faults;
		faults = -1;
		if (broker > 0)
			b = bus_rt(broker_addr, sizes[i]);
		f[3] = faults;
		faults = -1;
		if (daemon > 0)
			d = bus_rt(daemon_addr, sizes[i]);
		f[4] = faults;
		if (bridge > 0)
			br = bus_rt(bridge_addr, sizes[i]);
		field(ks, sizeof(ks), k);
		field(bs, sizeof(bs), b);
		field(ds, sizeof(ds), d);
		field(gs, sizeof(gs), g);
		field(rs, sizeof(rs), raw);
		ratio(rb, sizeof(rb), b, k);
		ratio(rd, sizeof(rd), d, k);
		ratio(ms, sizeof(ms), k > 0 && raw > 0 ? k - raw : -1, k);
		ratio(gm, sizeof(gm), g > 0 && raw > 0 ? g - raw : -1, g);
		snprintf(label, sizeof(label), "dbus-rt-%s",
			 sizes[i] == 8 ? "8" : sizes[i] == 1024 ? "1k" : "64k");
		printf("%-12s %10s %10s %10s %9s %9s %8s %8s\n", label, ks, bs,
		       ds, rb, rd, gs, rs);
		printf("bench: %s kdbusfs_us=%s broker_us=%s daemon_us=%s",
		       label, ks, bs, ds);
		printf(" vs_broker=%s vs_daemon=%s gdbus_us=%s\n", rb, rd, gs);
		printf("bench: dbus-split-%s kdbusfs_us=%s raw_us=%s", label + 8,
		       ks, rs);
		printf(" marshal_share=%s gdbus_marshal_share=%s\n", ms, gm);
		field(brs, sizeof(brs), br);
		ratio(brr, sizeof(brr), br, b);
		printf("bench: bridge-rt-%s bridge_us=%s broker_us=%s ratio=%s\n",
		       label + 8, brs, bs, brr);
		printf("# %s caller's minor page faults per call:", label);
		printf(" kdbusfs %.2f gdbus %.2f raw %.2f broker %.2f",
		       f[0], f[1], f[2], f[3]);
		printf(" daemon %.2f\n", f[4]);
		fflush(stdout);
	}
	if (controller)
		sd_bus_flush_close_unref(controller);
	stop(broker);
	stop(daemon);
	stop(bridge);
	return 0;
}
