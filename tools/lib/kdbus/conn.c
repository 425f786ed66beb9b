// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkdbus: command buffers, domains, buses, endpoints and connections.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libmount/libmount.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "kdbus-internal.h"

/* ---- command buffers -------------------------------------------------- */

void kdb_buf_init(struct kdb_buf *b, size_t head)
{
	b->alloc = 512;
	while (b->alloc < head)
		b->alloc *= 2;
	b->data = calloc(1, b->alloc);
	b->size = KDBUS_ALIGN8(head);
	b->failed = !b->data;
}

static bool kdb_buf_grow(struct kdb_buf *b, size_t more)
{
	size_t want = b->size + KDBUS_ALIGN8(more), n = b->alloc;
	uint64_t *d;

	if (b->failed)
		return false;
	if (want <= b->alloc)
		return true;
	while (n < want)
		n *= 2;
	d = realloc(b->data, n);
	if (!d) {
		b->failed = true;
		return false;
	}
	memset((uint8_t *)d + b->alloc, 0, n - b->alloc);
	b->data = d;
	b->alloc = n;
	return true;
}

struct kdbus_item *kdb_buf_item(struct kdb_buf *b, uint64_t type,
				const void *data, size_t size)
{
	struct kdbus_item *item;

	if (!kdb_buf_grow(b, KDBUS_ITEM_SIZE(size)))
		return NULL;
	item = (struct kdbus_item *)((uint8_t *)b->data + b->size);
	item->size = KDBUS_ITEM_HEADER_SIZE + size;
	item->type = type;
	if (data && size)
		memcpy(item->data, data, size);
	b->size += KDBUS_ITEM_SIZE(size);
	return item;
}

struct kdbus_item *kdb_buf_str(struct kdb_buf *b, uint64_t type,
			       const char *s)
{
	return kdb_buf_item(b, type, s, strlen(s) + 1);
}

void *kdb_buf_finish(struct kdb_buf *b)
{
	if (b->failed)
		return NULL;
	b->data[0] = b->size;
	return b->data;
}

void kdb_buf_free(struct kdb_buf *b)
{
	free(b->data);
	b->data = NULL;
}

int kdb_buf_policy(struct kdb_buf *b, const struct kdb_policy *rules,
		   size_t n)
{
	const char *last = NULL;
	size_t i;

	if (n && !rules)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		struct kdbus_policy_access a = {
			.type = rules[i].who,
			.access = rules[i].access,
			.id = rules[i].who == KDB_WORLD ? 0 : rules[i].id,
		};

		if (!rules[i].name)
			return -EINVAL;
		if (!last || strcmp(last, rules[i].name))
			kdb_buf_str(b, KDBUS_ITEM_NAME, rules[i].name);
		last = rules[i].name;
		kdb_buf_item(b, KDBUS_ITEM_POLICY_ACCESS, &a, sizeof(a));
	}
	return b->failed ? -ENOMEM : 0;
}

int kdb_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? -errno : 0;
}

uint64_t kdb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

KDB_EXPORT const char *kdb_strerror(int err)
{
	return strerror(err < 0 ? -err : err);
}

KDB_EXPORT void kdb_strv_free(char **strv)
{
	char **s;

	if (!strv)
		return;
	for (s = strv; *s; s++)
		free(*s);
	free(strv);
}

/* ---- domains ---------------------------------------------------------- */

KDB_EXPORT int kdb_domain_list(char ***mounts)
{
	struct libmnt_table *tb;
	struct libmnt_iter *it;
	struct libmnt_fs *fs;
	char **v = NULL, **nv;
	size_t n = 0;
	int ret = 0;

	if (!mounts)
		return -EINVAL;
	*mounts = NULL;
	tb = mnt_new_table();
	it = mnt_new_iter(MNT_ITER_FORWARD);
	if (!tb || !it) {
		ret = -ENOMEM;
		goto out;
	}
	ret = mnt_table_parse_mtab(tb, NULL);
	if (ret) {
		ret = ret < 0 ? ret : -EIO;
		goto out;
	}
	v = calloc(1, sizeof(*v));
	if (!v) {
		ret = -ENOMEM;
		goto out;
	}
	while (mnt_table_next_fs(tb, it, &fs) == 0) {
		const char *t;

		if (!mnt_fs_match_fstype(fs, "kdbusfs"))
			continue;
		t = mnt_fs_get_target(fs);
		nv = realloc(v, (n + 2) * sizeof(*v));
		if (!nv || !t) {
			ret = -ENOMEM;
			goto out;
		}
		v = nv;
		v[n] = strdup(t);
		v[n + 1] = NULL;
		if (!v[n]) {
			ret = -ENOMEM;
			goto out;
		}
		n++;
	}
	*mounts = v;
	v = NULL;
	ret = n;
out:
	kdb_strv_free(v);
	mnt_free_iter(it);
	mnt_unref_table(tb);
	return ret;
}

static bool is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int copy_path(char *buf, size_t size, const char *a, const char *b)
{
	int n = snprintf(buf, size, "%s%s%s", a, b ? "/" : "", b ? b : "");

	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* MNT/BUS/bus for a bus name, MNT/BUS/ENDPOINT for "BUS/ENDPOINT" */
static bool candidate(char *buf, size_t size, const char *mnt,
		      const char *bus)
{
	int n = snprintf(buf, size, "%s/%s%s", mnt, bus,
			 strchr(bus, '/') ? "" : "/bus");

	return n > 0 && (size_t)n < size && is_file(buf);
}

KDB_EXPORT int kdb_bus_path(const char *bus, char *buf, size_t size)
{
	char **mounts, **m, tmp[4096];
	struct stat st;
	int ret;

	if (!bus || !*bus || !buf)
		return -EINVAL;
	if (bus[0] == '/' || bus[0] == '.') {
		if (stat(bus, &st) < 0)
			return -errno;
		if (!S_ISDIR(st.st_mode))
			return copy_path(buf, size, bus, NULL);
		ret = copy_path(tmp, sizeof(tmp), bus, "bus");
		if (ret < 0)
			return ret;
		if (!is_file(tmp))
			return -ENOENT;
		return copy_path(buf, size, tmp, NULL);
	}

	/* the traditional mount point first */
	if (candidate(tmp, sizeof(tmp), "/sys/fs/kdbus", bus))
		return copy_path(buf, size, tmp, NULL);
	ret = kdb_domain_list(&mounts);
	if (ret < 0)
		return ret;
	ret = -ENOENT;
	for (m = mounts; *m; m++) {
		if (candidate(tmp, sizeof(tmp), *m, bus)) {
			ret = copy_path(buf, size, tmp, NULL);
			break;
		}
	}
	kdb_strv_free(mounts);
	return ret;
}

KDB_EXPORT int kdb_bus_name(char *buf, size_t size, const char *suffix)
{
	int n;

	if (!buf || !suffix)
		return -EINVAL;
	n = snprintf(buf, size, "%u-%s", (unsigned int)geteuid(), suffix);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* ---- buses and endpoints ---------------------------------------------- */

KDB_EXPORT int kdb_bus_make(const char *domain, const char *name,
			    const struct kdb_bus_opts *opts)
{
	struct kdb_bus_opts o = { 0 };
	struct kdbus_bloom_parameter bp;
	char path[4096];
	struct kdb_buf b;
	void *cmd;
	int fd, ret;

	if (!domain || !name)
		return -EINVAL;
	if (opts)
		o = *opts;
	bp.size = o.bloom_size ? o.bloom_size : KDB_BLOOM_SIZE;
	bp.n_hash = o.n_hash ? o.n_hash : KDB_BLOOM_N_HASH;
	ret = copy_path(path, sizeof(path), domain, "control");
	if (ret < 0)
		return ret;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;

	kdb_buf_init(&b, sizeof(struct kdbus_cmd));
	((struct kdbus_cmd *)b.data)->flags = o.flags;
	kdb_buf_item(&b, KDBUS_ITEM_BLOOM_PARAMETER, &bp, sizeof(bp));
	kdb_buf_str(&b, KDBUS_ITEM_MAKE_NAME, name);
	if (o.attach_send)
		kdb_buf_item(&b, KDBUS_ITEM_ATTACH_FLAGS_SEND, &o.attach_send,
			     sizeof(o.attach_send));
	cmd = kdb_buf_finish(&b);
	ret = cmd ? kdb_ioctl(fd, KDBUS_CMD_BUS_MAKE, cmd) : -ENOMEM;
	kdb_buf_free(&b);
	if (ret < 0) {
		close(fd);
		return ret;
	}
	return fd;
}

KDB_EXPORT int kdb_endpoint_make(const char *bus_path, const char *name,
				 uint64_t flags,
				 const struct kdb_policy *rules,
				 size_t n_rules)
{
	struct kdb_buf b;
	void *cmd;
	int fd, ret;

	if (!bus_path || !name)
		return -EINVAL;
	fd = open(bus_path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	kdb_buf_init(&b, sizeof(struct kdbus_cmd));
	((struct kdbus_cmd *)b.data)->flags = flags;
	kdb_buf_str(&b, KDBUS_ITEM_MAKE_NAME, name);
	ret = kdb_buf_policy(&b, rules, n_rules);
	cmd = kdb_buf_finish(&b);
	if (ret == 0)
		ret = cmd ? kdb_ioctl(fd, KDBUS_CMD_ENDPOINT_MAKE, cmd) :
			    -ENOMEM;
	kdb_buf_free(&b);
	if (ret < 0) {
		close(fd);
		return ret;
	}
	return fd;
}

KDB_EXPORT int kdb_endpoint_update(int endpoint_fd,
				   const struct kdb_policy *rules,
				   size_t n_rules)
{
	struct kdb_buf b;
	void *cmd;
	int ret;

	if (endpoint_fd < 0)
		return -EBADF;
	kdb_buf_init(&b, sizeof(struct kdbus_cmd));
	ret = kdb_buf_policy(&b, rules, n_rules);
	cmd = kdb_buf_finish(&b);
	if (ret == 0)
		ret = cmd ? kdb_ioctl(endpoint_fd, KDBUS_CMD_ENDPOINT_UPDATE,
				      cmd) : -ENOMEM;
	kdb_buf_free(&b);
	return ret;
}

/* ---- connections ------------------------------------------------------ */

int kdb_free_slice(struct kdb_conn *conn, uint64_t offset)
{
	struct kdbus_cmd_free cmd = {
		.size = sizeof(cmd),
		.offset = offset,
	};

	return kdb_ioctl(conn->fd, KDBUS_CMD_FREE, &cmd);
}

static int hello_bloom(struct kdb_conn *c, const struct kdbus_cmd_hello *h)
{
	const uint8_t *at = c->pool + h->offset;
	const struct kdbus_item *item;

	for (item = (const struct kdbus_item *)at;
	     kdb_item_ok(item, at + h->items_size);
	     item = kdb_item_next(item)) {
		if (item->type == KDBUS_ITEM_BLOOM_PARAMETER) {
			c->bloom_size = item->bloom_parameter.size;
			c->n_hash = item->bloom_parameter.n_hash;
		}
	}
	return kdb_free_slice(c, h->offset);
}

static int hello_fd(int fd, const struct kdb_hello *hello,
		    const struct kdb_presented *who, struct kdb_conn **conn)
{
	struct kdb_hello h = { 0 };
	struct kdbus_cmd_hello *cmd;
	struct kdb_conn *c;
	struct kdb_buf b;
	int ret;

	if (fd < 0)
		return -EBADF;
	if (!conn) {
		close(fd);
		return -EINVAL;
	}
	*conn = NULL;
	if (hello)
		h = *hello;
	if (!h.pool_size)
		h.pool_size = KDB_POOL_SIZE_DEFAULT;
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	c->fd = fd;
	c->can_cancel = -1;
	c->pool = MAP_FAILED;

	kdb_buf_init(&b, sizeof(*cmd));
	cmd = (void *)b.data;
	if (cmd) {
		cmd->flags = h.flags;
		cmd->attach_flags_send = h.attach_send;
		cmd->attach_flags_recv = h.attach_recv;
		cmd->pool_size = h.pool_size;
	}
	if (h.description)
		kdb_buf_str(&b, KDBUS_ITEM_CONN_DESCRIPTION, h.description);
	if (h.name && !h.n_policy)
		kdb_buf_str(&b, KDBUS_ITEM_NAME, h.name);
	if (who) {
		struct kdbus_pids pids = {
			.pid = who->pid, .tid = who->tid, .ppid = who->ppid,
		};

		kdb_buf_item(&b, KDBUS_ITEM_PIDS, &pids, sizeof(pids));
		if (who->seclabel)
			kdb_buf_str(&b, KDBUS_ITEM_SECLABEL, who->seclabel);
	}
	ret = kdb_buf_policy(&b, h.policy, h.n_policy);
	cmd = kdb_buf_finish(&b);
	if (ret == 0)
		ret = cmd ? kdb_ioctl(fd, KDBUS_CMD_HELLO, cmd) : -ENOMEM;
	if (ret < 0)
		goto fail;
	c->id = cmd->id;
	c->bus_flags = cmd->bus_flags;
	memcpy(c->id128, cmd->id128, sizeof(c->id128));
	c->pool_size = h.pool_size;
	c->pool = mmap(NULL, c->pool_size, PROT_READ, MAP_SHARED, fd, 0);
	if (c->pool == MAP_FAILED) {
		ret = -errno;
		goto fail;
	}
	ret = hello_bloom(c, cmd);
	if (ret < 0)
		goto fail;
	snprintf(c->unique_name, sizeof(c->unique_name), ":1.%llu",
		 (unsigned long long)c->id);
	kdb_buf_free(&b);
	*conn = c;
	return 0;
fail:
	kdb_buf_free(&b);
	kdb_conn_free(c);
	return ret;
}

KDB_EXPORT int kdb_conn_open_fd(int fd, const struct kdb_hello *hello,
				struct kdb_conn **conn)
{
	return hello_fd(fd, hello, NULL, conn);
}

KDB_EXPORT int kdb_conn_open_presented(int fd, const struct kdb_hello *hello,
				       const struct kdb_presented *who,
				       struct kdb_conn **conn)
{
	if (!who) {
		if (fd >= 0)
			close(fd);
		return -EINVAL;
	}
	return hello_fd(fd, hello, who, conn);
}

KDB_EXPORT int kdb_conn_open(const char *path, const struct kdb_hello *hello,
			     struct kdb_conn **conn)
{
	int fd;

	if (!path || !conn)
		return -EINVAL;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return kdb_conn_open_fd(fd, hello, conn);
}

KDB_EXPORT int kdb_conn_adopt(int fd, uint64_t id, size_t pool_size,
			      struct kdb_conn **conn)
{
	struct kdb_conn *c;

	if (fd < 0)
		return -EBADF;
	if (!conn || !pool_size) {
		close(fd);
		return -EINVAL;
	}
	*conn = NULL;
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	c->fd = fd;
	c->id = id;
	c->can_cancel = -1;
	c->pool_size = pool_size;
	c->pool = mmap(NULL, pool_size, PROT_READ, MAP_SHARED, fd, 0);
	if (c->pool == MAP_FAILED) {
		int ret = -errno;

		kdb_conn_free(c);
		return ret;
	}
	snprintf(c->unique_name, sizeof(c->unique_name), ":1.%llu",
		 (unsigned long long)id);
	*conn = c;
	return 0;
}

KDB_EXPORT size_t kdb_conn_pool_size(const struct kdb_conn *conn)
{
	return conn ? conn->pool_size : 0;
}

KDB_EXPORT void kdb_conn_free(struct kdb_conn *conn)
{
	if (!conn)
		return;
	if (conn->pool != MAP_FAILED)
		munmap(conn->pool, conn->pool_size);
	if (conn->fd >= 0)
		close(conn->fd);
	free(conn);
}

KDB_EXPORT int kdb_conn_byebye(struct kdb_conn *conn)
{
	struct kdbus_cmd cmd = { .size = sizeof(cmd) };

	if (!conn)
		return -EINVAL;
	return kdb_ioctl(conn->fd, KDBUS_CMD_BYEBYE, &cmd);
}

KDB_EXPORT int kdb_conn_fd(const struct kdb_conn *conn)
{
	return conn ? conn->fd : -EINVAL;
}

KDB_EXPORT uint64_t kdb_conn_id(const struct kdb_conn *conn)
{
	return conn ? conn->id : 0;
}

KDB_EXPORT const char *kdb_conn_unique_name(const struct kdb_conn *conn)
{
	return conn ? conn->unique_name : NULL;
}

KDB_EXPORT uint64_t kdb_conn_bus_flags(const struct kdb_conn *conn)
{
	return conn ? conn->bus_flags : 0;
}

KDB_EXPORT const uint8_t *kdb_conn_bus_id128(const struct kdb_conn *conn)
{
	return conn ? conn->id128 : NULL;
}

KDB_EXPORT size_t kdb_conn_bloom_size(const struct kdb_conn *conn)
{
	return conn ? conn->bloom_size : 0;
}

KDB_EXPORT unsigned int kdb_conn_bloom_n_hash(const struct kdb_conn *conn)
{
	return conn ? conn->n_hash : 0;
}

KDB_EXPORT uint64_t kdb_conn_next_cookie(struct kdb_conn *conn)
{
	return conn ? ++conn->cookie : 0;
}

KDB_EXPORT int kdb_conn_update_attach(struct kdb_conn *conn,
				      uint64_t attach_send,
				      uint64_t attach_recv)
{
	struct kdb_buf b;
	void *cmd;
	int ret;

	if (!conn)
		return -EINVAL;
	kdb_buf_init(&b, sizeof(struct kdbus_cmd));
	kdb_buf_item(&b, KDBUS_ITEM_ATTACH_FLAGS_SEND, &attach_send,
		     sizeof(attach_send));
	kdb_buf_item(&b, KDBUS_ITEM_ATTACH_FLAGS_RECV, &attach_recv,
		     sizeof(attach_recv));
	cmd = kdb_buf_finish(&b);
	ret = cmd ? kdb_ioctl(conn->fd, KDBUS_CMD_UPDATE, cmd) : -ENOMEM;
	kdb_buf_free(&b);
	return ret;
}

KDB_EXPORT int kdb_conn_wait(struct kdb_conn *conn, int timeout_ms)
{
	struct pollfd p;
	int n;

	if (!conn)
		return -EINVAL;
	p.fd = conn->fd;
	p.events = POLLIN;
	do {
		n = poll(&p, 1, timeout_ms);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ETIMEDOUT;
	if (p.revents & (POLLERR | POLLHUP))
		return -ECONNRESET;
	return 0;
}
