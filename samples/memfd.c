// SPDX-License-Identifier: GPL-2.0
/*
 * memfd - pass a large payload as a sealed memfd.
 *
 * What it shows: kdb_memfd_new() makes a memfd sealed against writing,
 * growing and shrinking; sent with KDB payload memfds (struct
 * kdb_memfd), the kernel checks the seals and the receiver gets the same
 * pages, not a copy: it maps them read-only, and neither side can change
 * them any more. A D-Bus message (GDBusMessage, marshalled as on the
 * wire) travels inline beside it, describing the blob.
 *
 *   memfd BUS [MiB]           (MiB: 4)
 *
 * A child sends, the parent receives and checks the size, the seals and
 * a checksum; exits 0 if they agree.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include <libkdbus.h>
#include <libkdbus-dbus.h>

static guint64 checksum(const unsigned char *p, size_t n)
{
	guint64 h = 1469598103934665603ULL;	/* FNV-1a */
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

static int send_blob(struct kdb_conn *c, guint64 dst, size_t size)
{
	struct kdb_send_args a = KDB_SEND_ARGS_INIT;
	struct kdb_memfd mf;
	GDBusMessage *m;
	unsigned char *data;
	struct iovec v;
	guchar *blob;
	gsize len;
	size_t i;
	int fd, ret;

	data = malloc(size);
	if (!data)
		return -ENOMEM;
	for (i = 0; i < size; i++)
		data[i] = (unsigned char)(i * 7 + i / 4096);
	fd = kdb_memfd_new("sample-blob", data, size);
	if (fd < 0) {
		free(data);
		return fd;
	}
	/* the description, a D-Bus method call marshalled by GDBus */
	m = g_dbus_message_new_method_call(NULL, "/org/example/Blob",
					   "org.example.Blob", "Take");
	g_dbus_message_set_body(m, g_variant_new("(tt)", (guint64)size,
						 checksum(data, size)));
	g_dbus_message_set_flags(m, G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED);
	g_dbus_message_set_serial(m, kdb_conn_next_cookie(c));
	blob = g_dbus_message_to_blob(m, &len, 0, NULL);
	v.iov_base = blob;
	v.iov_len = len;
	mf.fd = fd;
	mf.start = 0;
	mf.size = size;
	a.dst_id = dst;
	a.vecs = &v;
	a.n_vecs = 1;
	a.memfds = &mf;
	a.n_memfds = 1;
	ret = kdb_send(c, &a, NULL, NULL);
	printf("sender: sent %zu bytes as a sealed memfd\n", size);
	g_free(blob);
	g_object_unref(m);
	close(fd);
	free(data);
	return ret;
}

int main(int argc, char **argv)
{
	struct kdb_hello h = { .flags = KDB_HELLO_ACCEPT_FD };
	struct kdb_conn *rx = NULL, *tx = NULL;
	guint64 want_size = 0, want_sum = 0;
	struct kdb_msg *msg = NULL;
	GDBusMessage *m = NULL;
	struct kdb_memfd mf;
	char path[4096];
	size_t size;
	int ret, seals, st = 0, bad = 0;
	void *map;
	pid_t pid;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: memfd BUS [MiB]\n");
		return 2;
	}
	size = (argc > 2 ? strtoul(argv[2], NULL, 10) : 4) << 20;
	ret = kdb_bus_path(argv[1], path, sizeof(path));
	if (ret == 0)
		ret = kdb_conn_open(path, &h, &rx);
	if (ret == 0)
		ret = kdb_conn_open(path, NULL, &tx);
	if (ret < 0) {
		fprintf(stderr, "memfd: %s: %s\n", argv[1], kdb_strerror(ret));
		return 1;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		ret = send_blob(tx, kdb_conn_id(rx), size);
		if (ret < 0)
			fprintf(stderr, "sender: %s\n", kdb_strerror(ret));
		fflush(stdout);
		_exit(ret < 0);
	}
	waitpid(pid, &st, 0);
	ret = kdb_conn_wait(rx, 5000);
	if (ret == 0)
		ret = kdb_recv(rx, 0, &msg, NULL);
	if (ret == 0)
		ret = kdb_dbus_from_msg(msg, &m);
	if (ret == 0 && kdb_msg_memfd(msg, 0, &mf) < 0)
		ret = -EBADMSG;
	if (ret < 0) {
		fprintf(stderr, "receiver: %s\n", kdb_strerror(ret));
		return 1;
	}
	g_variant_get(g_dbus_message_get_body(m), "(tt)", &want_size,
		      &want_sum);
	seals = fcntl(mf.fd, F_GET_SEALS);
	printf("receiver: %s.%s() says %llu bytes; the memfd has %llu, seals%s%s%s\n",
	       g_dbus_message_get_interface(m),
	       g_dbus_message_get_member(m), (unsigned long long)want_size,
	       (unsigned long long)mf.size,
	       seals & F_SEAL_WRITE ? " write" : "",
	       seals & F_SEAL_GROW ? " grow" : "",
	       seals & F_SEAL_SHRINK ? " shrink" : "");
	bad |= want_size != mf.size || !(seals & F_SEAL_WRITE) ||
	       !(seals & F_SEAL_SHRINK) || !(seals & F_SEAL_GROW);
	map = mmap(NULL, mf.size, PROT_READ, MAP_SHARED, mf.fd, mf.start);
	if (map == MAP_FAILED) {
		perror("receiver: mmap");
		return 1;
	}
	bad |= checksum(map, mf.size) != want_sum;
	printf("receiver: checksum %s\n",
	       checksum(map, mf.size) == want_sum ? "matches" : "DIFFERS");
	bad |= mmap(NULL, mf.size, PROT_READ | PROT_WRITE, MAP_SHARED, mf.fd,
		    0) != MAP_FAILED;
	printf("receiver: mapping it writable: %s\n", strerror(errno));
	munmap(map, mf.size);
	g_object_unref(m);
	kdb_msg_free(msg);
	kdb_conn_free(rx);
	kdb_conn_free(tx);
	bad |= !WIFEXITED(st) || WEXITSTATUS(st);
	return bad;
}
