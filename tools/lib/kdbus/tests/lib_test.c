// SPDX-License-Identifier: GPL-2.0
/*
 * lib_test - every call of <libkdbus.h> against a real kdbusfs bus, with
 * its errors. Runs in the guest, as root or as root of a user namespace
 * (it mounts its own domain); prints TAP.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "tap.h"

static struct test_env env;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static struct kdb_conn *conn_new(uint64_t flags, const char *desc)
{
	struct kdb_hello h = {
		.flags = flags,
		.attach_send = KDB_ATTACH_ALL,
		.description = desc,
	};
	struct kdb_conn *c = NULL;
	int ret = kdb_conn_open(env.bus_path, &h, &c);

	if (ret < 0)
		printf("# HELLO (%s): %s\n", desc ? desc : "-",
		       kdb_strerror(ret));
	return c;
}

static int send_bytes(struct kdb_conn *c, uint64_t dst, const char *name,
		      const void *data, size_t size)
{
	struct kdb_send_args a = KDB_SEND_ARGS_INIT;
	struct iovec v = { (void *)data, size };

	a.dst_id = dst;
	a.dst_name = name;
	a.vecs = &v;
	a.n_vecs = 1;
	return kdb_send(c, &a, NULL, NULL);
}

static void test_siphash(void)
{
	uint8_t key[16], in[15];
	int i;

	for (i = 0; i < 16; i++)
		key[i] = i;
	for (i = 0; i < 15; i++)
		in[i] = i;
	/* the SipHash paper's vectors (Aumasson, Bernstein 2012) */
	tap_ok(kdb_siphash24(in, 15, key) == 0xa129ca6149be45e5ULL,
	       "siphash24: the paper's 15-byte vector");
	tap_ok(kdb_siphash24(in, 0, key) == 0x726fdb47dd0e0e31ULL,
	       "siphash24: the reference empty-input vector");
}

static int popcount(const uint64_t *f, size_t size)
{
	size_t i;
	int n = 0;

	for (i = 0; i < size / 8; i++)
		n += __builtin_popcountll(f[i]);
	return n;
}

static void test_bloom(void)
{
	uint64_t f[8] = { 0 }, g[8] = { 0 }, big[512];

	tap_is(kdb_bloom_add(f, 64, 8, "a", 1), 0, "bloom_add: 64 bytes, 8");
	tap_ok(popcount(f, 64) >= 1 && popcount(f, 64) <= 8,
	       "bloom_add: sets 1 to n_hash bits");
	kdb_bloom_add(g, 64, 8, "a", 1);
	tap_ok(!memcmp(f, g, 64), "bloom_add: the same word, the same bits");
	tap_is(kdb_bloom_add(f, 0, 8, "a", 1), -EINVAL, "bloom_add: size 0");
	tap_is(kdb_bloom_add(f, 24, 8, "a", 1), -EINVAL,
	       "bloom_add: size not a power of two");
	tap_is(kdb_bloom_add(f, 64, 0, "a", 1), -EINVAL, "bloom_add: no hash");
	tap_is(kdb_bloom_add(big, 4096, 33, "a", 1), -EINVAL,
	       "bloom_add: more hash bits than the keys give");
	tap_is(kdb_bloom_add(big, 4096, 32, "a", 1), 0,
	       "bloom_add: 4096 bytes, 32 hashes (all the keys)");
	tap_is(kdb_bloom_add(NULL, 64, 8, "a", 1), -EINVAL, "bloom_add: NULL");

	memset(f, 0, 64);
	memset(g, 0, 64);
	tap_is(kdb_bloom_add_pair(f, 64, 8, "member", "Changed"), 0,
	       "bloom_add_pair");
	kdb_bloom_add(g, 64, 8, "member:Changed", 14);
	tap_ok(!memcmp(f, g, 64), "bloom_add_pair is the word a:b");
	tap_is(kdb_bloom_add_pair(f, 64, 8, NULL, "x"), -EINVAL,
	       "bloom_add_pair: NULL");

	memset(f, 0, 64);
	memset(g, 0, 64);
	tap_is(kdb_bloom_add_prefixes(f, 64, 8, "p", "/a/b", '/'), 0,
	       "bloom_add_prefixes");
	kdb_bloom_add(g, 64, 8, "p:/a/b", 6);
	kdb_bloom_add(g, 64, 8, "p:/a/", 5);
	kdb_bloom_add(g, 64, 8, "p:/a", 4);
	kdb_bloom_add(g, 64, 8, "p:/", 3);
	tap_ok(!memcmp(f, g, 64),
	       "bloom_add_prefixes: /a/b, /a/, /a and / as sd-bus adds them");
	tap_ok(kdb_bloom_test(f, g, 64) && kdb_bloom_test(g, f, 64),
	       "bloom_test: equal filters");
	memset(g, 0, 64);
	kdb_bloom_add(g, 64, 8, "p:/a", 4);
	tap_ok(kdb_bloom_test(f, g, 64), "bloom_test: a mask of a subset");
	memset(f, 0, 64);
	tap_ok(!kdb_bloom_test(f, g, 64), "bloom_test: an empty filter");
	tap_ok(!kdb_bloom_test(NULL, g, 64), "bloom_test: NULL");
}

static void test_domain(void)
{
	char **mounts = NULL, buf[512], small[8], path[512];
	bool found = false;
	int n, i;

	n = kdb_domain_list(&mounts);
	tap_ok(n >= 1, "domain_list: %d mounts", n);
	for (i = 0; i < n; i++)
		found |= !strcmp(mounts[i], env.mnt);
	tap_ok(found, "domain_list: has the test's mount");
	kdb_strv_free(mounts);
	tap_is(kdb_domain_list(NULL), -EINVAL, "domain_list: NULL");

	snprintf(path, sizeof(path), "%s/%s", env.mnt, env.bus_name);
	tap_ok(kdb_bus_path(path, buf, sizeof(buf)) == 0 &&
	       !strcmp(buf, env.bus_path), "bus_path: a bus directory");
	tap_ok(kdb_bus_path(env.bus_path, buf, sizeof(buf)) == 0 &&
	       !strcmp(buf, env.bus_path), "bus_path: an endpoint file");
	tap_ok(kdb_bus_path(env.bus_name, buf, sizeof(buf)) == 0 &&
	       !strcmp(buf, env.bus_path), "bus_path: a bus name");
	tap_is(kdb_bus_path("0-no-such-bus", buf, sizeof(buf)), -ENOENT,
	       "bus_path: unknown bus name");
	tap_is(kdb_bus_path("/nonexistent/x", buf, sizeof(buf)), -ENOENT,
	       "bus_path: unknown path");
	tap_is(kdb_bus_path(env.mnt, buf, sizeof(buf)), -ENOENT,
	       "bus_path: a directory that is no bus");
	tap_is(kdb_bus_path(env.bus_path, small, sizeof(small)),
	       -ENAMETOOLONG, "bus_path: buffer too small");
	tap_is(kdb_bus_path(NULL, buf, sizeof(buf)), -EINVAL,
	       "bus_path: NULL");

	tap_ok(kdb_bus_name(buf, sizeof(buf), "x") == 0 &&
	       atoi(buf) == (int)geteuid() && strstr(buf, "-x"),
	       "bus_name: <euid>-x");
	tap_is(kdb_bus_name(small, 3, "long"), -ENAMETOOLONG,
	       "bus_name: buffer too small");
	tap_ok(strlen(kdb_strerror(-ENOENT)) > 0, "strerror");
}

static void test_bus_make(void)
{
	struct kdb_bus_opts o = { .flags = KDB_MAKE_ACCESS_WORLD };
	char name[64];
	struct stat st;
	int fd;

	kdb_bus_name(name, sizeof(name), "second");
	fd = kdb_bus_make(env.mnt, name, &o);
	tap_ok(fd >= 0, "bus_make: a world-accessible bus");
	if (fd >= 0) {
		char p[256];

		snprintf(p, sizeof(p), "%s/%s/bus", env.mnt, name);
		tap_ok(stat(p, &st) == 0 && (st.st_mode & 0777) == 0666,
		       "bus_make: KDB_MAKE_ACCESS_WORLD makes it 0666");
		tap_is(kdb_bus_make(env.mnt, name, NULL), -EEXIST,
		       "bus_make: a name taken");
		close(fd);
		tap_ok(stat(p, &st) < 0 && errno == ENOENT,
		       "bus_make: closing the fd removes the bus");
	}
	tap_is(kdb_bus_make(env.mnt, "99999-x", NULL), -EINVAL,
	       "bus_make: a name without the caller's uid");
	o.bloom_size = 7;
	kdb_bus_name(name, sizeof(name), "badbloom");
	tap_is(kdb_bus_make(env.mnt, name, &o), -EINVAL,
	       "bus_make: bloom size no multiple of 8");
	tap_is(kdb_bus_make("/nonexistent", name, NULL), -ENOENT,
	       "bus_make: no domain there");
	tap_is(kdb_bus_make(NULL, name, NULL), -EINVAL, "bus_make: NULL");
}

static void test_conn(void)
{
	struct kdb_hello h = { .pool_size = 4097 };
	struct kdb_conn *a = NULL, *b = NULL;
	const uint8_t *id128;
	int i, nz = 0, fd;

	tap_is(kdb_conn_open(env.bus_path, NULL, &a), 0,
	       "conn_open: defaults");
	if (!a)
		return;
	tap_ok(kdb_conn_id(a) >= 1, "conn_id: %llu",
	       (unsigned long long)kdb_conn_id(a));
	tap_ok(!strncmp(kdb_conn_unique_name(a), ":1.", 3) &&
	       strtoull(kdb_conn_unique_name(a) + 3, NULL, 10) ==
	       kdb_conn_id(a), "conn_unique_name: %s",
	       kdb_conn_unique_name(a));
	tap_ok(kdb_conn_bloom_size(a) == 64 && kdb_conn_bloom_n_hash(a) == 8,
	       "conn_bloom_*: the bus's 64 bytes, 8 hashes");
	id128 = kdb_conn_bus_id128(a);
	for (i = 0; i < 16; i++)
		nz |= id128[i];
	tap_ok(nz, "conn_bus_id128: not zero");
	tap_ok(kdb_conn_bus_flags(a) == 0, "conn_bus_flags: 0");
	tap_ok(kdb_conn_fd(a) >= 0, "conn_fd");
	tap_ok(kdb_conn_next_cookie(a) + 1 == kdb_conn_next_cookie(a),
	       "conn_next_cookie: increasing");

	tap_is(kdb_conn_open(env.bus_path, &h, &b), -EINVAL,
	       "conn_open: pool size not a multiple of the page size");
	tap_ok(!b, "conn_open: NULL on failure");
	tap_is(kdb_conn_open("/nonexistent", NULL, &b), -ENOENT,
	       "conn_open: no such file");
	tap_is(kdb_conn_open(NULL, NULL, &b), -EINVAL, "conn_open: NULL");
	tap_is(kdb_conn_open_fd(-1, NULL, &b), -EBADF, "conn_open_fd: -1");
	fd = dup(kdb_conn_fd(a));
	tap_ok(kdb_conn_open_fd(fd, NULL, &b) < 0,
	       "conn_open_fd: a file that is a connection already");
	fd = open(env.bus_path, O_RDWR | O_CLOEXEC);
	tap_is(kdb_conn_open_fd(fd, NULL, &b), 0,
	       "conn_open_fd: an open endpoint file");
	tap_ok(b && kdb_conn_id(b) > kdb_conn_id(a),
	       "conn_open_fd: a later id");

	{
		struct kdb_conn *c2 = NULL;

		tap_ok(kdb_conn_pool_size(a) == 8 << 20,
		       "conn_pool_size: 8 MiB by default");
		tap_is(kdb_conn_adopt(dup(kdb_conn_fd(a)), kdb_conn_id(a),
				      kdb_conn_pool_size(a), &c2), 0,
		       "conn_adopt: the same connection through another fd");
		send_bytes(b, kdb_conn_id(a), NULL, "adopted", 7);
		if (c2) {
			struct kdb_msg *m = NULL;

			tap_is(kdb_recv(c2, 0, &m, NULL), 0,
			       "conn_adopt: receives through its own map");
			tap_ok(m && kdb_msg_src_id(m) == kdb_conn_id(b),
			       "conn_adopt: the message");
			kdb_msg_free(m);
		}
		kdb_conn_free(c2);
		tap_is(kdb_conn_adopt(-1, 1, 4096, &c2), -EBADF,
		       "conn_adopt: -1");
		tap_is(kdb_conn_adopt(dup(kdb_conn_fd(a)), 1, 0, &c2),
		       -EINVAL, "conn_adopt: no pool size");
	}
	tap_is(kdb_conn_update_attach(a, KDB_ATTACH_CREDS, KDB_ATTACH_CREDS),
	       0, "conn_update_attach");
	tap_is(kdb_conn_update_attach(a, 1ULL << 40, 0), -EINVAL,
	       "conn_update_attach: unknown flag");
	tap_is(kdb_conn_wait(a, 10), -ETIMEDOUT, "conn_wait: nothing");
	send_bytes(b, kdb_conn_id(a), NULL, "x", 1);
	tap_is(kdb_conn_wait(a, 1000), 0, "conn_wait: a message waits");
	tap_is(kdb_conn_byebye(a), -EBUSY, "conn_byebye: a message waits");
	tap_is(kdb_recv(a, KDB_RECV_DROP, NULL, NULL), 0,
	       "recv: KDB_RECV_DROP");
	tap_is(kdb_conn_byebye(a), 0, "conn_byebye: empty queue");
	tap_is(kdb_conn_wait(a, 0), -ECONNRESET,
	       "conn_wait: after BYEBYE");
	tap_is(send_bytes(a, kdb_conn_id(b), NULL, "x", 1), -ECONNRESET,
	       "send: after BYEBYE");
	tap_is(send_bytes(b, kdb_conn_id(a), NULL, "x", 1), -ENXIO,
	       "send: to a connection gone");
	kdb_conn_free(a);
	kdb_conn_free(b);
	kdb_conn_free(NULL);
	tap_is(kdb_conn_byebye(NULL), -EINVAL, "conn_byebye: NULL");
}

static void test_messages(void)
{
	struct kdb_conn *a = conn_new(0, "a"), *b = conn_new(0, "b");
	struct kdb_send_args s = KDB_SEND_ARGS_INIT;
	struct iovec v[3] = {
		{ "hello ", 6 }, { NULL, 0 }, { "world", 5 },
	};
	struct kdb_msg *m = NULL;
	uint64_t cookie = 0, dropped = 7;
	const char *p;
	size_t n;

	if (!a || !b)
		goto out;
	tap_is(kdb_recv(b, 0, &m, NULL), -EAGAIN, "recv: nothing queued");
	s.dst_id = kdb_conn_id(b);
	s.vecs = v;
	s.n_vecs = 3;
	s.priority = -5;
	tap_is(kdb_send(a, &s, &cookie, NULL), 0, "send: two vectors");
	tap_ok(cookie > 0, "send: the cookie used");
	tap_is(kdb_recv(b, KDB_RECV_PEEK, &m, NULL), 0, "recv: PEEK");
	tap_ok(m && kdb_msg_cookie(m) == cookie, "recv: PEEK sees it");
	kdb_msg_free(m);
	tap_is(kdb_recv(b, 0, &m, &dropped), 0, "recv");
	if (m) {
		p = kdb_msg_payload(m, &n);
		tap_ok(n == 11 && !memcmp(p, "hello world", 11),
		       "msg_payload: the vectors joined");
		tap_ok(kdb_msg_src_id(m) == kdb_conn_id(a) &&
		       kdb_msg_dst_id(m) == kdb_conn_id(b),
		       "msg_src_id, msg_dst_id");
		tap_ok(kdb_msg_cookie(m) == cookie, "msg_cookie");
		tap_ok(kdb_msg_cookie_reply(m) == 0, "msg_cookie_reply: 0");
		tap_ok(kdb_msg_priority(m) == -5, "msg_priority");
		tap_ok(kdb_msg_payload_type(m) == KDB_PAYLOAD_DBUS,
		       "msg_payload_type: D-Bus by default");
		tap_ok(kdb_msg_flags(m) == 0, "msg_flags");
		tap_ok(!kdb_msg_dst_name(m) && !kdb_msg_bloom(m),
		       "msg_dst_name, msg_bloom: none");
		tap_ok(kdb_msg_notify(m, NULL) == KDB_NOTIFY_NONE,
		       "msg_notify: not a notification");
		tap_ok(kdb_msg_meta(m)->present == 0, "msg_meta: none asked");
		tap_ok(dropped == 0, "recv: nothing dropped");
		kdb_msg_free(m);
	}
	tap_is(kdb_recv(b, 0, &m, NULL), -EAGAIN, "recv: taken");
	tap_is(kdb_recv(b, 0, NULL, NULL), -EINVAL, "recv: NULL");
	tap_is(kdb_recv(b, 1 << 7, &m, NULL), -EINVAL, "recv: unknown flag");
	tap_is(send_bytes(a, 999999, NULL, "x", 1), -ENXIO,
	       "send: unknown id");
	tap_is(send_bytes(a, KDB_ID_NAME, "org.example.Nobody", "x", 1),
	       -ESRCH, "send: a name nobody owns");
	tap_is(send_bytes(a, KDB_ID_NAME, NULL, "x", 1), -EDESTADDRREQ,
	       "send: KDB_ID_NAME without a name");
	tap_is(kdb_send(a, NULL, NULL, NULL), -EINVAL, "send: NULL");
	s.n_vecs = 1;
	tap_is(kdb_send(a, &s, NULL, &m), -EINVAL,
	       "send: a reply asked without KDB_MSG_EXPECT_REPLY");
	s.payload_type = 0x1234;
	s.flags = 0;
	kdb_send(a, &s, NULL, NULL);
	if (kdb_recv(b, 0, &m, NULL) == 0) {
		tap_ok(kdb_msg_payload_type(m) == 0x1234,
		       "send: another payload type");
		kdb_msg_free(m);
	}
	kdb_msg_free(NULL);
out:
	kdb_conn_free(a);
	kdb_conn_free(b);
}

static void test_fds_memfds(void)
{
	struct kdb_conn *a = conn_new(0, "a");
	struct kdb_conn *b = conn_new(KDB_HELLO_ACCEPT_FD, "b");
	struct kdb_conn *c = conn_new(0, "c");
	struct kdb_send_args s = KDB_SEND_ARGS_INIT;
	struct kdb_memfd mf, got;
	struct kdb_msg *m = NULL;
	const char *data = "sealed bytes";
	int p[2], fd, mfd, plain;
	const int *fds;
	char buf[16] = "";
	size_t n;
	void *map;

	if (!a || !b || !c || pipe(p) < 0)
		goto out;
	s.dst_id = kdb_conn_id(b);
	s.fds = &p[1];
	s.n_fds = 1;
	tap_is(kdb_send(a, &s, NULL, NULL), 0, "send: an fd");
	tap_is(kdb_recv(b, 0, &m, NULL), 0, "recv: the fd");
	if (m) {
		fds = kdb_msg_fds(m, &n);
		tap_ok(n == 1 && fds[0] >= 0, "msg_fds: one installed");
		fd = kdb_msg_take_fd(m, 0);
		tap_ok(fd >= 0, "msg_take_fd");
		tap_is(kdb_msg_take_fd(m, 0), -EBADF, "msg_take_fd: twice");
		tap_is(kdb_msg_take_fd(m, 1), -EINVAL,
		       "msg_take_fd: out of range");
		kdb_msg_free(m);
		tap_ok(write(fd, "z", 1) == 1 && read(p[0], buf, 1) == 1 &&
		       buf[0] == 'z', "msg_take_fd: the fd outlives the message");
		close(fd);
	}
	s.dst_id = kdb_conn_id(c);
	tap_is(kdb_send(a, &s, NULL, NULL), -ECOMM,
	       "send: an fd to a connection that does not accept fds");
	s.fds = &env.control_fd;
	s.dst_id = kdb_conn_id(b);
	tap_is(kdb_send(a, &s, NULL, NULL), -EOPNOTSUPP,
	       "send: a kdbusfs file as fd");

	mfd = kdb_memfd_new("test", data, strlen(data));
	tap_ok(mfd >= 0, "memfd_new");
	tap_ok(fcntl(mfd, F_GET_SEALS) == (F_SEAL_SHRINK | F_SEAL_GROW |
					   F_SEAL_WRITE | F_SEAL_SEAL),
	       "memfd_new: sealed");
	tap_is(kdb_memfd_new("x", NULL, 3), -EINVAL, "memfd_new: NULL data");
	memset(&s, 0, sizeof(s));
	s.cancel_fd = -1;
	s.dst_id = kdb_conn_id(b);
	mf.fd = mfd;
	mf.start = 0;
	mf.size = strlen(data);
	s.memfds = &mf;
	s.n_memfds = 1;
	tap_is(kdb_send(a, &s, NULL, NULL), 0, "send: a sealed memfd");
	close(mfd);
	tap_is(kdb_recv(b, 0, &m, NULL), 0, "recv: the memfd");
	if (m) {
		tap_ok(kdb_msg_n_memfds(m) == 1, "msg_n_memfds: 1");
		tap_is(kdb_msg_memfd(m, 0, &got), 0, "msg_memfd");
		map = mmap(NULL, got.size, PROT_READ, MAP_SHARED, got.fd, 0);
		tap_ok(map != MAP_FAILED && got.size == strlen(data) &&
		       !memcmp(map, data, got.size),
		       "msg_memfd: the receiver maps the sender's bytes");
		if (map != MAP_FAILED)
			munmap(map, got.size);
		tap_is(kdb_msg_memfd(m, 1, &got), -EINVAL,
		       "msg_memfd: out of range");
		fd = kdb_msg_take_memfd(m, 0);
		tap_ok(fd >= 0, "msg_take_memfd");
		tap_is(kdb_msg_take_memfd(m, 0), -EBADF,
		       "msg_take_memfd: twice");
		kdb_msg_free(m);
		if (fd >= 0)
			close(fd);
	}
	plain = memfd_create("plain", MFD_CLOEXEC);
	if (plain >= 0 && write(plain, "x", 1) == 1) {
		mf.fd = plain;
		mf.size = 1;
		tap_is(kdb_send(a, &s, NULL, NULL), -ETXTBSY,
		       "send: an unsealed memfd");
	}
	if (plain >= 0)
		close(plain);
	close(p[0]);
	close(p[1]);
out:
	kdb_conn_free(a);
	kdb_conn_free(b);
	kdb_conn_free(c);
}

#define THP_SHMEM "/sys/kernel/mm/transparent_hugepage/shmem_enabled"
#define MIB (1024UL * 1024)

/* set shmem_enabled to @mode (as root); false where that is not allowed */
static bool shmem_thp_set(const char *mode)
{
	int fd = open(THP_SHMEM, O_WRONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, mode, strlen(mode)) == (ssize_t)strlen(mode);
	close(fd);
	return ok;
}

/* the selected mode of shmem_enabled, the bracketed word, or "" */
static void shmem_thp_get(char *mode, size_t size)
{
	char buf[128] = "", *a, *b;
	int fd = open(THP_SHMEM, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	a = strchr(buf, '[');
	b = a ? strchr(a, ']') : NULL;
	if (b)
		*b = '\0';
	snprintf(mode, size, "%s", b ? a + 1 : "");
}

/* kB of the mapping at @p that /proc/self/smaps shows as ShmemPmdMapped */
static long pmd_mapped_kb(const void *p)
{
	char line[256];
	unsigned long lo, hi, kb;
	FILE *f = fopen("/proc/self/smaps", "re");
	long ret = -1;
	bool in = false;

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
			in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
		else if (in && sscanf(line, "ShmemPmdMapped: %lu kB", &kb) == 1)
			ret = kb;
	}
	if (f)
		fclose(f);
	return ret;
}

/*
 * Large memfds: huge-page backed with shmem_enabled "advise" (set for the
 * test where it can be), a received one mapped by PMD, a range from an
 * offset, and the same with "never": small pages, the exact size.
 */
static void test_memfd_huge(void)
{
	struct kdb_conn *a = conn_new(0, "a");
	struct kdb_conn *b = conn_new(KDB_HELLO_ACCEPT_FD, "b");
	struct kdb_send_args s = KDB_SEND_ARGS_INIT;
	size_t size = 15 * MIB + 4096, i;
	struct kdb_memfd mf, got;
	struct kdb_msg *m = NULL;
	const uint8_t *p;
	char was[32];
	uint8_t *data;
	struct stat st;
	void *map;
	bool thp;
	int fd;

	data = malloc(size);
	if (!a || !b || !data)
		goto out;
	for (i = 0; i < size; i++)
		data[i] = i * 7 + (i >> 12);
	shmem_thp_get(was, sizeof(was));
	thp = shmem_thp_set("advise");
	if (!thp)
		tap_diag("shmem_enabled not writable: no huge page checks");

	fd = kdb_memfd_new("big", data, size);
	tap_ok(fd >= 0, "memfd_new: 15 MiB + 4 KiB");
	if (fd < 0)
		goto restore;
	tap_ok(fcntl(fd, F_GET_SEALS) == (F_SEAL_SHRINK | F_SEAL_GROW |
					  F_SEAL_WRITE | F_SEAL_SEAL),
	       "memfd_new: a large one sealed");
	if (fstat(fd, &st) < 0)
		st.st_size = -1;
	tap_ok((size_t)st.st_size == (thp ? 16 * MIB : size),
	       "memfd_new: %lld bytes (whole huge pages with advise)",
	       (long long)st.st_size);
	memset(&s, 0, sizeof(s));
	s.cancel_fd = -1;
	s.dst_id = kdb_conn_id(b);
	mf.fd = fd;
	mf.start = 0;
	mf.size = size;
	s.memfds = &mf;
	s.n_memfds = 1;
	tap_is(kdb_send(a, &s, NULL, NULL), 0, "send: a large memfd");
	close(fd);
	tap_is(kdb_recv(b, 0, &m, NULL), 0, "recv: the large memfd");
	if (!m || kdb_msg_memfd(m, 0, &got) < 0)
		goto restore;
	p = NULL;
	tap_is(kdb_memfd_map(&got, (const void **)&p), 0, "memfd_map");
	if (p) {
		tap_ok(((uintptr_t)p & (2 * MIB - 1)) == 0,
		       "memfd_map: 2 MiB-aligned");
		tap_ok(!memcmp(p, data, size), "memfd_map: the sender's bytes");
		if (thp)
			tap_ok(pmd_mapped_kb(p) == 16 * 1024,
			       "memfd_map: ShmemPmdMapped %ld kB (all of 16 MiB)",
			       pmd_mapped_kb(p));
		tap_is(kdb_memfd_unmap(&got, p), 0, "memfd_unmap");
	}
	got.start = 2 * MIB + 4096 + 5;
	got.size = 3 * MIB;
	p = NULL;
	tap_is(kdb_memfd_map(&got, (const void **)&p), 0,
	       "memfd_map: from an offset");
	if (p) {
		tap_ok(!memcmp(p, data + got.start, got.size),
		       "memfd_map: the bytes from the offset");
		tap_is(kdb_memfd_unmap(&got, p), 0, "memfd_unmap: the range");
	}
	got.start = 4096 + 3;
	got.size = 10;
	p = NULL;
	tap_is(kdb_memfd_map(&got, (const void **)&p), 0,
	       "memfd_map: a small range");
	if (p) {
		tap_ok(!memcmp(p, data + got.start, got.size),
		       "memfd_map: the small range's bytes");
		tap_is(kdb_memfd_unmap(&got, p), 0, "memfd_unmap: small");
	}
	got.size = 0;
	tap_is(kdb_memfd_map(&got, (const void **)&p), -EINVAL,
	       "memfd_map: size 0");
	kdb_msg_free(m);

	fd = kdb_memfd_alloc("inplace", 4 * MIB, &map);
	tap_ok(fd >= 0, "memfd_alloc: 4 MiB");
	if (fd >= 0) {
		memcpy(map, data, 4 * MIB);
		if (thp)
			tap_ok(pmd_mapped_kb(map) == 4096,
			       "memfd_alloc: the writer's mapping by PMD");
		tap_is(kdb_memfd_seal(fd, map), 0, "memfd_seal");
		tap_ok(fcntl(fd, F_GET_SEALS) == (F_SEAL_SHRINK | F_SEAL_GROW |
						  F_SEAL_WRITE | F_SEAL_SEAL),
		       "memfd_seal: sealed");
		close(fd);
	}
	tap_is(kdb_memfd_alloc("x", 0, &map), -EINVAL, "memfd_alloc: size 0");

	if (thp && shmem_thp_set("never")) {
		fd = kdb_memfd_new("small-pages", data, size);
		tap_ok(fd >= 0 && fstat(fd, &st) == 0 &&
		       (size_t)st.st_size == size,
		       "memfd_new: shmem THP never: the exact size");
		mf.fd = fd;
		mf.start = 0;
		mf.size = size;
		p = NULL;
		if (fd >= 0 && kdb_memfd_map(&mf, (const void **)&p) == 0) {
			tap_ok(!memcmp(p, data, size) && pmd_mapped_kb(p) == 0,
			       "memfd_map: shmem THP never: small pages");
			kdb_memfd_unmap(&mf, p);
		}
		if (fd >= 0)
			close(fd);
	}
restore:
	if (thp && *was)
		shmem_thp_set(was);
out:
	free(data);
	kdb_conn_free(a);
	kdb_conn_free(b);
}

/* a child answering one request: "echo" replies, "drop" drops it */
static pid_t serve_one(struct kdb_conn *srv, const char *how)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	for (;;) {
		struct kdb_send_args r = KDB_SEND_ARGS_INIT;
		struct kdb_msg *m;
		struct iovec v;
		size_t n;

		if (kdb_conn_wait(srv, 5000) < 0)
			_exit(1);
		if (!strcmp(how, "drop"))
			_exit(kdb_recv(srv, KDB_RECV_DROP, NULL, NULL) ? 1 : 0);
		if (kdb_recv(srv, 0, &m, NULL) < 0)
			_exit(1);
		v.iov_base = (void *)kdb_msg_payload(m, &n);
		v.iov_len = n;
		r.dst_id = kdb_msg_src_id(m);
		r.cookie_reply = kdb_msg_cookie(m);
		r.vecs = &v;
		r.n_vecs = 1;
		_exit(kdb_send(srv, &r, NULL, NULL) ? 1 : 0);
	}
}

/*
 * The kernel may queue REPLY_DEAD for a synchronous call that already
 * failed (a peer dropping the request after the caller gave up, or the
 * EPIPE case itself): reported as a diagnostic, not a failure.
 */
static void drain_kernel(struct kdb_conn *c)
{
	struct kdb_msg *m;

	while (kdb_recv(c, 0, &m, NULL) == 0) {
		printf("# note: a leftover %s for cookie %llu after a synchronous call\n",
		       kdb_notify_type_name(kdb_msg_notify(m, NULL)),
		       (unsigned long long)kdb_msg_cookie_reply(m));
		kdb_msg_free(m);
	}
}

/* synchronous calls ended by their cancel fd (KDBUS_ITEM_CANCEL_FD) */
static void test_cancel(struct kdb_conn *a, struct kdb_conn *b,
			struct kdb_send_args *s)
{
	struct kdb_msg *r = NULL;
	uint64_t t0;
	int p[2];
	pid_t pid;

	if (pipe(p) < 0)
		return;
	tap_ok(true, "conn_can_cancel: this kernel watches cancel fds");
	s->cancel_fd = p[0];
	s->timeout_us = 10000000;
	pid = fork();
	if (pid == 0) {
		usleep(200000);
		_exit(write(p[1], "c", 1) == 1 ? 0 : 1);
	}
	t0 = now_ms();
	tap_is(kdb_send(a, s, NULL, &r), -ECANCELED,
	       "send: the cancel fd ends a synchronous call");
	tap_ok(now_ms() - t0 < 5000,
	       "send: cancelled long before its 10 s deadline");
	test_wait(pid);
	tap_is(kdb_send(a, s, NULL, &r), -ECANCELED,
	       "send: a cancel fd readable already");
	close(p[0]);
	close(p[1]);
	s->cancel_fd = 999;
	tap_is(kdb_send(a, s, NULL, &r), -EBADF, "send: a cancel fd not open");
	s->cancel_fd = -1;
	while (kdb_recv(b, KDB_RECV_DROP, NULL, NULL) == 0)
		;
	drain_kernel(a);
}

static void test_calls(void)
{
	struct kdb_conn *a = conn_new(0, "caller"), *b = conn_new(0, "srv");
	struct kdb_send_args s = KDB_SEND_ARGS_INIT;
	struct iovec v = { "ping", 4 };
	struct kdb_msg *r = NULL, *m;
	struct kdb_notify nt;
	uint64_t cookie;
	int p[2];
	pid_t pid;
	size_t n;

	if (!a || !b)
		goto out;
	s.dst_id = kdb_conn_id(b);
	s.flags = KDB_MSG_EXPECT_REPLY;
	s.vecs = &v;
	s.n_vecs = 1;
	s.timeout_us = 5000000;
	pid = serve_one(b, "echo");
	tap_is(kdb_send(a, &s, &cookie, &r), 0, "send: a synchronous call");
	if (r) {
		const char *d = kdb_msg_payload(r, &n);

		tap_ok(n == 4 && !memcmp(d, "ping", 4) &&
		       kdb_msg_cookie_reply(r) == cookie,
		       "send: the reply answers the call");
		kdb_msg_free(r);
	}
	tap_is(test_wait(pid), 0, "the service answered");

	s.timeout_us = 100000;
	tap_is(kdb_send(a, &s, NULL, &r), -ETIMEDOUT,
	       "send: a call nobody answers times out");
	/* taken, not dropped: see drain_kernel() */
	if (kdb_recv(b, 0, &m, NULL) == 0)
		kdb_msg_free(m);

	s.timeout_us = 5000000;
	pid = serve_one(b, "drop");
	tap_is(kdb_send(a, &s, NULL, &r), -EPIPE,
	       "send: a call the peer drops");
	test_wait(pid);

	drain_kernel(a);
	/* asynchronous: the kernel tells of the timeout */
	s.timeout_us = 50000;
	tap_is(kdb_send(a, &s, &cookie, NULL), 0, "send: an async call");
	kdb_conn_wait(a, 3000);
	tap_is(kdb_recv(a, 0, &m, NULL), 0, "recv: the kernel's answer");
	if (m) {
		tap_ok(kdb_msg_notify(m, &nt) == KDB_NOTIFY_REPLY_TIMEOUT &&
		       kdb_msg_cookie_reply(m) == cookie &&
		       kdb_msg_src_id(m) == KDB_ID_KERNEL,
		       "msg_notify: REPLY_TIMEOUT for the cookie");
		kdb_msg_free(m);
	}
	kdb_recv(b, KDB_RECV_DROP, NULL, NULL);

	if (kdb_conn_can_cancel(a)) {
		test_cancel(a, b, &s);
	} else if (pipe(p) == 0) {
		s.cancel_fd = p[0];
		tap_is(kdb_send(a, &s, NULL, &r), -EOPNOTSUPP,
		       "send: a cancel fd this kernel cannot watch");
		close(p[0]);
		close(p[1]);
	}
	tap_ok(!kdb_conn_can_cancel(NULL), "conn_can_cancel: NULL");
out:
	kdb_conn_free(a);
	kdb_conn_free(b);
}

static void test_names(void)
{
	struct kdb_conn *a = conn_new(0, "a"), *b = conn_new(0, "b");
	uint64_t st = 0;
	struct kdb_msg *m;

	if (!a || !b)
		goto out;
	tap_ok(kdb_name_is_valid("org.example.Foo") &&
	       kdb_name_is_valid("a.b-c._d"), "name_is_valid: valid names");
	tap_ok(!kdb_name_is_valid("org") && !kdb_name_is_valid(".a.b") &&
	       !kdb_name_is_valid("a..b") && !kdb_name_is_valid("a.1b") &&
	       !kdb_name_is_valid("a.b.") && !kdb_name_is_valid(":1.3") &&
	       !kdb_name_is_valid(NULL), "name_is_valid: invalid names");

	tap_is(kdb_name_acquire(a, "org.example.Lib", 0, &st), 0,
	       "name_acquire");
	tap_ok(st & KDB_NAME_ACQUIRED && st & KDB_NAME_PRIMARY,
	       "name_acquire: ACQUIRED | PRIMARY");
	/* asking again is no error (the final kdbus's rule): nothing new */
	tap_is(kdb_name_acquire(a, "org.example.Lib", 0, &st), 0,
	       "name_acquire: owned already");
	tap_ok(st & KDB_NAME_PRIMARY && !(st & KDB_NAME_ACQUIRED),
	       "name_acquire: owned already: PRIMARY, not ACQUIRED");
	tap_is(kdb_name_acquire(b, "org.example.Lib", 0, NULL), -EEXIST,
	       "name_acquire: taken");
	tap_is(kdb_name_acquire(b, "org.example.Lib", KDB_NAME_QUEUE, &st), 0,
	       "name_acquire: queued");
	tap_ok(st & KDB_NAME_IN_QUEUE, "name_acquire: IN_QUEUE");
	tap_is(kdb_name_acquire(a, "not-a-name", 0, NULL), -EINVAL,
	       "name_acquire: invalid name");
	tap_is(kdb_name_acquire(NULL, "a.b", 0, NULL), -EINVAL,
	       "name_acquire: NULL");

	tap_is(send_bytes(b, KDB_ID_NAME, "org.example.Lib", "n", 1), 0,
	       "send: to a well-known name");
	if (kdb_recv(a, 0, &m, NULL) == 0) {
		tap_ok(kdb_msg_dst_name(m) &&
		       !strcmp(kdb_msg_dst_name(m), "org.example.Lib"),
		       "msg_dst_name: the name it was sent to");
		kdb_msg_free(m);
	}
	tap_is(kdb_name_release(a, "org.example.Lib"), 0, "name_release");
	tap_is(kdb_name_acquire(b, "org.example.Lib", 0, &st), 0,
	       "name_release: the first in line owns it");
	tap_ok(st & KDB_NAME_PRIMARY && !(st & KDB_NAME_ACQUIRED),
	       "name_release: the first in line owns it: PRIMARY");
	tap_is(kdb_name_release(a, "org.example.Lib"), -EADDRINUSE,
	       "name_release: owned by another");
	tap_is(kdb_name_release(a, "org.example.None"), -ESRCH,
	       "name_release: nobody owns it");
out:
	kdb_conn_free(a);
	kdb_conn_free(b);
}

static struct kdb_msg *recv_wait(struct kdb_conn *c)
{
	struct kdb_msg *m = NULL;

	if (kdb_conn_wait(c, 2000) == 0)
		kdb_recv(c, 0, &m, NULL);
	return m;
}

static void test_notifications(void)
{
	struct kdb_conn *w = conn_new(0, "watcher"), *a;
	struct kdb_notify n;
	struct kdb_msg *m;
	uint64_t id;

	if (!w)
		return;
	tap_is(kdb_match_notifications(w, 1), 0, "match_notifications");
	a = conn_new(0, "a");
	if (!a)
		goto out;
	id = kdb_conn_id(a);
	m = recv_wait(w);
	tap_ok(m && kdb_msg_notify(m, &n) == KDB_NOTIFY_ID_ADD && n.id == id,
	       "msg_notify: ID_ADD of the new connection");
	kdb_msg_free(m);
	kdb_name_acquire(a, "org.example.Note", 0, NULL);
	m = recv_wait(w);
	tap_ok(m && kdb_msg_notify(m, &n) == KDB_NOTIFY_NAME_ADD &&
	       n.new_id == id && n.old_id == 0 &&
	       !strcmp(n.name, "org.example.Note"),
	       "msg_notify: NAME_ADD with the name and its owner");
	kdb_msg_free(m);
	kdb_conn_free(a);
	m = recv_wait(w);
	tap_ok(m && kdb_msg_notify(m, &n) == KDB_NOTIFY_NAME_REMOVE &&
	       n.old_id == id, "msg_notify: NAME_REMOVE when it goes");
	kdb_msg_free(m);
	m = recv_wait(w);
	tap_ok(m && kdb_msg_notify(m, &n) == KDB_NOTIFY_ID_REMOVE &&
	       n.id == id, "msg_notify: ID_REMOVE");
	kdb_msg_free(m);
	tap_ok(!strcmp(kdb_notify_type_name(KDB_NOTIFY_NAME_CHANGE),
		       "NameChange") &&
	       !strcmp(kdb_notify_type_name(KDB_NOTIFY_NONE), "None"),
	       "notify_type_name");
	tap_is(kdb_match_remove(w, 1), 0, "match_remove: the notifications");
out:
	kdb_conn_free(w);
}

static void test_matches(void)
{
	struct kdb_conn *a = conn_new(0, "sender"), *b = conn_new(0, "rx");
	struct kdb_send_args s = KDB_SEND_ARGS_INIT;
	uint64_t filter[8] = { 0 }, mask[8] = { 0 }, other[8] = { 0 };
	struct kdb_match rule = { .bloom_mask = mask };
	struct kdb_match bad = { .notify = KDB_NOTIFY_REPLY_DEAD };
	struct iovec v = { "sig", 3 };
	struct kdb_msg *m = NULL;

	if (!a || !b)
		goto out;
	kdb_bloom_add_pair(filter, 64, 8, "member", "Changed");
	kdb_bloom_add_pair(filter, 64, 8, "interface", "org.example.I");
	kdb_bloom_add_pair(mask, 64, 8, "member", "Changed");
	kdb_bloom_add_pair(other, 64, 8, "member", "Other");
	tap_is(kdb_match_add(b, 7, &rule, false), 0, "match_add: bloom mask");
	s.dst_id = KDB_ID_BROADCAST;
	s.flags = KDB_MSG_SIGNAL;
	s.vecs = &v;
	s.n_vecs = 1;
	s.bloom = filter;
	tap_is(kdb_send(a, &s, NULL, NULL), 0, "send: a broadcast");
	tap_is(kdb_recv(b, 0, &m, NULL), 0, "recv: the matching broadcast");
	if (m) {
		tap_ok(kdb_msg_dst_id(m) == KDB_ID_BROADCAST &&
		       kdb_msg_bloom(m) &&
		       !memcmp(kdb_msg_bloom(m), filter, 64),
		       "msg_bloom: the sender's filter");
		kdb_msg_free(m);
	}
	s.bloom = other;
	kdb_send(a, &s, NULL, NULL);
	tap_is(kdb_recv(b, 0, &m, NULL), -EAGAIN,
	       "recv: a broadcast the mask does not match");
	s.bloom = NULL;
	tap_is(kdb_send(a, &s, NULL, NULL), -EBADMSG,
	       "send: a broadcast without a filter");
	rule.sender_id = kdb_conn_id(b);
	tap_is(kdb_match_add(b, 7, &rule, true), 0,
	       "match_add: replace, by sender id");
	s.bloom = filter;
	kdb_send(a, &s, NULL, NULL);
	tap_is(kdb_recv(b, 0, &m, NULL), -EAGAIN,
	       "recv: replaced rule, another sender");
	rule.sender_id = 0;
	rule.sender_name = "org.example.Sender";
	kdb_match_add(b, 8, &rule, false);
	kdb_name_acquire(a, "org.example.Sender", 0, NULL);
	/* rule 8 (the sender owns the name) matches; rule 7 does not */
	kdb_send(a, &s, NULL, NULL);
	m = NULL;
	tap_is(kdb_recv(b, 0, &m, NULL), 0,
	       "match_add: by sender name");
	kdb_msg_free(m);
	tap_is(kdb_match_add(b, 9, &bad, false), -EINVAL,
	       "match_add: not a notification one can match");
	tap_is(kdb_match_remove(b, 7), 0, "match_remove");
	tap_is(kdb_match_remove(b, 7), -EBADSLT, "match_remove: twice");
	tap_is(kdb_match_add(NULL, 1, &rule, false), -EINVAL,
	       "match_add: NULL");
	tap_is(kdb_match_remove(NULL, 1), -EINVAL, "match_remove: NULL");
out:
	kdb_conn_free(a);
	kdb_conn_free(b);
}

/* a bus whose creator requires and reveals CREDS */
static void creator_creds(void)
{
	struct kdb_bus_opts o = { .attach_send = KDB_ATTACH_CREDS };
	struct kdb_hello h = { .attach_send = KDB_ATTACH_ALL };
	struct kdb_conn *c = NULL;
	struct kdb_info *info = NULL;
	char name[64], path[256];
	int fd;

	kdb_bus_name(name, sizeof(name), "creds");
	fd = kdb_bus_make(env.mnt, name, &o);
	tap_ok(fd >= 0, "bus_make: requiring CREDS of every sender");
	if (fd < 0)
		return;
	snprintf(path, sizeof(path), "%s/%s/bus", env.mnt, name);
	tap_is(kdb_conn_open(path, NULL, &c), -ECONNREFUSED,
	       "conn_open: a send mask without the CREDS the bus requires");
	tap_is(kdb_conn_open(path, &h, &c), 0, "conn_open: with them");
	if (c && kdb_bus_creator_info(c, KDB_ATTACH_CREDS, &info) == 0) {
		tap_ok(info->meta.present & KDB_ATTACH_CREDS &&
		       info->meta.creds.uid == getuid() &&
		       info->meta.creds.euid == geteuid(),
		       "bus_creator_info: the creator's CREDS");
		kdb_info_free(info);
	}
	kdb_conn_free(c);
	close(fd);
}

static void test_info(void)
{
	struct kdb_hello h = {
		.attach_send = KDB_ATTACH_ALL,
		.attach_recv = KDB_ATTACH_CREDS | KDB_ATTACH_PIDS |
			       KDB_ATTACH_PID_COMM | KDB_ATTACH_NAMES,
		.description = "info-a",
	};
	struct kdb_conn *a = NULL, *b = conn_new(0, "info-b");
	struct kdb_info *info = NULL;
	const struct kdb_meta *mm;
	struct kdb_msg *m;
	size_t n = 0, i;
	bool seen_a = false, seen_name = false;
	int ret;

	if (kdb_conn_open(env.bus_path, &h, &a) < 0 || !b)
		goto out;
	kdb_name_acquire(b, "org.example.Info", 0, NULL);
	ret = kdb_list(a, KDB_LIST_UNIQUE | KDB_LIST_NAMES, &info, &n);
	tap_ok(ret >= 2 && (size_t)ret == n, "list: %d records", ret);
	for (i = 0; info && i < n; i++) {
		seen_a |= info[i].id == kdb_conn_id(a) && !info[i].name;
		seen_name |= info[i].id == kdb_conn_id(b) && info[i].name &&
			     !strcmp(info[i].name, "org.example.Info");
	}
	tap_ok(seen_a, "list: the connection without a name");
	tap_ok(seen_name, "list: the owner of a name, with it");
	kdb_info_free(info);
	tap_is(kdb_list(a, 0, NULL, &n), -EINVAL, "list: NULL");

	tap_is(kdb_conn_info(b, kdb_conn_id(a), NULL,
			     KDB_ATTACH_CREDS | KDB_ATTACH_PIDS |
			     KDB_ATTACH_DESCRIPTION | KDB_ATTACH_PID_COMM,
			     &info), 0, "conn_info: by id");
	if (info) {
		mm = &info->meta;
		tap_ok(info->id == kdb_conn_id(a), "conn_info: the id");
		tap_ok(mm->present & KDB_ATTACH_CREDS &&
		       mm->creds.euid == geteuid(), "conn_info: CREDS");
		tap_ok(mm->present & KDB_ATTACH_PIDS &&
		       mm->pids.pid == (uint64_t)getpid(), "conn_info: PIDS");
		tap_ok(mm->description && !strcmp(mm->description, "info-a"),
		       "conn_info: the description");
		tap_ok(mm->pid_comm && !strcmp(mm->pid_comm, "lib_test"),
		       "conn_info: PID_COMM");
		kdb_info_free(info);
	}
	tap_is(kdb_conn_info(a, 0, "org.example.Info", KDB_ATTACH_NAMES,
			     &info), 0, "conn_info: by name");
	if (info) {
		tap_ok(info->id == kdb_conn_id(b), "conn_info: the owner");
		kdb_info_free(info);
	}
	tap_is(kdb_conn_info(a, 0, "org.example.Nobody", 0, &info), -ESRCH,
	       "conn_info: a name nobody owns");
	tap_is(kdb_conn_info(a, 999999, NULL, 0, &info), -ENXIO,
	       "conn_info: unknown id");
	tap_is(kdb_conn_info(a, 1, "a.b", 0, &info), -EINVAL,
	       "conn_info: both id and name");
	tap_is(kdb_bus_creator_info(a, KDB_ATTACH_CREDS, &info), 0,
	       "bus_creator_info");
	if (info) {
		tap_ok(info->bus_name && !strcmp(info->bus_name, env.bus_name),
		       "bus_creator_info: the bus's name");
		tap_ok(!(info->meta.present & KDB_ATTACH_CREDS),
		       "bus_creator_info: no CREDS the creator did not allow");
		kdb_info_free(info);
	}
	creator_creds();
	tap_is(kdb_bus_creator_info(a, 0, NULL), -EINVAL,
	       "bus_creator_info: NULL");

	send_bytes(b, kdb_conn_id(a), NULL, "m", 1);
	if (kdb_recv(a, 0, &m, NULL) == 0) {
		mm = kdb_msg_meta(m);
		tap_ok(mm->present & KDB_ATTACH_CREDS &&
		       mm->creds.uid == getuid() &&
		       mm->present & KDB_ATTACH_PIDS &&
		       mm->pids.pid == (uint64_t)getpid(),
		       "msg_meta: the sender's CREDS and PIDS");
		tap_ok(mm->n_names == 1 &&
		       !strcmp(mm->names[0].name, "org.example.Info"),
		       "msg_meta: the sender's names");
		tap_ok(!kdb_meta_has_cap(mm, 0), "meta_has_cap: not asked");
		kdb_msg_free(m);
	}
out:
	kdb_conn_free(a);
	kdb_conn_free(b);
}

static void test_endpoint(void)
{
	struct kdb_policy p[] = {
		{ "org.example.Open", KDB_WORLD, 0, KDB_TALK },
	};
	struct kdb_conn *owner = conn_new(0, "owner"), *other = NULL;
	struct kdb_conn *sb = NULL;
	char name[64], path[256];
	int ep;

	if (!owner)
		return;
	other = conn_new(0, "other");
	kdb_name_acquire(owner, "org.example.Open", 0, NULL);
	kdb_name_acquire(other, "org.example.Closed", 0, NULL);
	kdb_bus_name(name, sizeof(name), "sandbox");
	ep = kdb_endpoint_make(env.bus_path, name, KDB_MAKE_ACCESS_WORLD, p, 1);
	tap_ok(ep >= 0, "endpoint_make: with a policy");
	if (ep < 0)
		goto out;
	tap_is(kdb_endpoint_make(env.bus_path, name, 0, NULL, 0), -EEXIST,
	       "endpoint_make: a name taken");
	tap_is(kdb_endpoint_make(env.bus_path, "99999-x", 0, NULL, 0),
	       -EINVAL, "endpoint_make: a name without the caller's uid");
	tap_is(kdb_endpoint_make(NULL, name, 0, NULL, 0), -EINVAL,
	       "endpoint_make: NULL");
	snprintf(path, sizeof(path), "%s/%s/%s", env.mnt, env.bus_name, name);
	tap_is(kdb_conn_open(path, NULL, &sb), 0,
	       "conn_open: through the custom endpoint");
	if (!sb)
		goto close;
	{
		char bp[256], spec[160];

		snprintf(spec, sizeof(spec), "%s/%s", env.bus_name, name);
		tap_ok(kdb_bus_path(spec, bp, sizeof(bp)) == 0 &&
		       !strcmp(bp, path), "bus_path: BUS/ENDPOINT");
	}
	tap_is(send_bytes(sb, KDB_ID_NAME, "org.example.Open", "x", 1), 0,
	       "endpoint: may talk to the name it exposes");
	tap_is(send_bytes(sb, KDB_ID_NAME, "org.example.Closed", "x", 1),
	       -ESRCH, "endpoint: the other name does not exist for it");
	tap_is(send_bytes(sb, kdb_conn_id(other), NULL, "x", 1), -ENXIO,
	       "endpoint: nor does the other peer");
	tap_is(kdb_name_acquire(sb, "org.example.Open", KDB_NAME_QUEUE,
				NULL), -EPERM,
	       "endpoint: TALK does not let it own the name");
	tap_is(kdb_endpoint_update(ep, NULL, 0), 0,
	       "endpoint_update: no rules");
	tap_is(send_bytes(sb, KDB_ID_NAME, "org.example.Open", "x", 1),
	       -ESRCH, "endpoint_update: the name is gone for it");
	tap_is(kdb_endpoint_update(ep, p, 1), 0,
	       "endpoint_update: the rule again");
	tap_is(kdb_endpoint_update(env.control_fd, p, 1), -EBADFD,
	       "endpoint_update: not an endpoint's maker");
	tap_is(kdb_endpoint_update(-1, p, 1), -EBADF, "endpoint_update: -1");
	kdb_conn_free(sb);
close:
	close(ep);
out:
	kdb_conn_free(owner);
	kdb_conn_free(other);
}

/* the bus owner presents another task's pid, as a bridge does */
static void test_presented(void)
{
	struct kdb_hello h = { .attach_send = KDB_ATTACH_ALL };
	struct kdb_presented who = { .pid = getppid() };
	struct kdb_conn *p = NULL, *b = conn_new(0, "b");
	struct kdb_info *info = NULL;
	int fd;

	fd = open(env.bus_path, O_RDWR | O_CLOEXEC);
	tap_is(kdb_conn_open_presented(fd, NULL, NULL, &p), -EINVAL,
	       "conn_open_presented: nobody presented");
	fd = open(env.bus_path, O_RDWR | O_CLOEXEC);
	tap_is(kdb_conn_open_presented(fd, &h, &who, &p), 0,
	       "conn_open_presented: by the bus owner");
	if (!p || !b)
		goto out;
	tap_is(kdb_conn_info(b, kdb_conn_id(p), NULL, KDB_ATTACH_PIDS, &info),
	       0, "conn_info of the presenting connection");
	tap_ok(info && (info->meta.present & KDB_ATTACH_PIDS) &&
	       info->meta.pids.pid == (uint64_t)who.pid,
	       "peers see the presented pid, not the opener's");
	/* no policy on the bus: only a privileged connection owns names */
	tap_is(kdb_name_acquire(p, "org.example.Presented", 0, NULL), 0,
	       "the presenting bus owner keeps its privilege: it owns a name");
	kdb_info_free(info);
out:
	kdb_conn_free(p);
	kdb_conn_free(b);
}

static void test_roles(void)
{
	struct kdb_hello mon = { .flags = KDB_HELLO_MONITOR };
	struct kdb_hello act = {
		.flags = KDB_HELLO_ACTIVATOR,
		.name = "org.example.Activated",
	};
	struct kdb_conn *m = NULL, *ac = NULL, *a = conn_new(0, "a");
	struct kdb_conn *b = conn_new(0, "b");
	struct kdb_msg *msg = NULL;

	if (!a || !b)
		goto out;
	tap_is(kdb_conn_open(env.bus_path, &mon, &m), 0,
	       "conn_open: a monitor");
	tap_is(kdb_conn_open(env.bus_path, &act, &ac), 0,
	       "conn_open: an activator");
	if (!m || !ac)
		goto out;
	tap_is(send_bytes(m, kdb_conn_id(a), NULL, "x", 1), -EOPNOTSUPP,
	       "send: a monitor cannot");
	tap_ok(!kdb_conn_can_cancel(m), "conn_can_cancel: a monitor");
	send_bytes(a, kdb_conn_id(b), NULL, "seen", 4);
	tap_is(kdb_recv(m, 0, &msg, NULL), 0, "recv: the monitor's copy");
	if (msg) {
		tap_ok(kdb_msg_src_id(msg) == kdb_conn_id(a) &&
		       kdb_msg_dst_id(msg) == kdb_conn_id(b),
		       "monitor: the real source and destination");
		kdb_msg_free(msg);
	}
	kdb_recv(b, KDB_RECV_DROP, NULL, NULL);
	tap_is(send_bytes(a, KDB_ID_NAME, "org.example.Activated", "q", 1), 0,
	       "send: to a name its activator holds");
	tap_is(kdb_name_acquire(b, "org.example.Activated", 0, NULL), 0,
	       "name_acquire: from the activator");
	msg = NULL;
	tap_is(kdb_recv(b, 0, &msg, NULL), 0,
	       "recv: the message waited at the activator");
	kdb_msg_free(msg);
out:
	kdb_conn_free(m);
	kdb_conn_free(ac);
	kdb_conn_free(a);
	kdb_conn_free(b);
}

int main(void)
{
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	test_siphash();
	test_bloom();
	ret = test_env_setup(&env, "libtest");
	if (ret < 0) {
		printf("# cannot set up a kdbusfs bus: %s\n", strerror(-ret));
		tap_ok(false, "environment: mount kdbusfs and make a bus");
		test_env_teardown(&env);
		return tap_done();
	}
	tap_diag(env.bus_path);
	test_domain();
	test_bus_make();
	test_conn();
	test_messages();
	test_fds_memfds();
	test_memfd_huge();
	test_calls();
	test_names();
	test_notifications();
	test_matches();
	test_info();
	test_presented();
	test_endpoint();
	test_roles();
	test_env_teardown(&env);
	return tap_done();
}
