// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkdbus: sending, receiving, received messages, metadata, memfds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "kdbus-internal.h"

/* ---- memfds ----------------------------------------------------------- */

/*
 * Payload memfds of KDB_MEMFD_HUGE or more are laid out for shmem's
 * transparent huge pages (PMD-sized folios, 2 MiB on x86-64 and 4 KiB-page
 * arm64): filled through a 2 MiB-aligned mapping with MADV_HUGEPAGE when
 * /sys/kernel/mm/transparent_hugepage/shmem_enabled says "advise" (the
 * other modes that allow them give huge folios to write() by themselves),
 * and mapped 2 MiB-aligned by kdb_memfd_map(), so that the receiver maps
 * them a PMD at a time: 32 faults for 64 MiB instead of 16384. Where the
 * system gives no huge pages all of it still works, with small pages.
 */
#define KDB_MEMFD_HUGE	(2UL << 20)
#define KDB_MEMFD_SEALS	(F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | \
			 F_SEAL_SEAL)

enum shmem_thp { SHMEM_THP_NONE, SHMEM_THP_ADVISE, SHMEM_THP_ALWAYS };

/* what shmem_enabled gives a memfd: the bracketed word of the file */
static enum shmem_thp shmem_thp(void)
{
	char buf[128], *sel, *end;
	ssize_t n;
	int fd;

	fd = open("/sys/kernel/mm/transparent_hugepage/shmem_enabled",
		  O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return SHMEM_THP_NONE;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return SHMEM_THP_NONE;
	buf[n] = '\0';
	sel = strchr(buf, '[');
	end = sel ? strchr(sel, ']') : NULL;
	if (!end)
		return SHMEM_THP_NONE;
	*end = '\0';
	sel++;
	if (!strcmp(sel, "advise"))
		return SHMEM_THP_ADVISE;
	if (!strcmp(sel, "always") || !strcmp(sel, "within_size") ||
	    !strcmp(sel, "force"))
		return SHMEM_THP_ALWAYS;
	return SHMEM_THP_NONE;
}

/*
 * The file size for @size bytes of payload: rounded up to whole huge pages
 * when huge pages are in play and the padding costs at most an eighth.
 */
static size_t memfd_file_size(size_t size, enum shmem_thp thp)
{
	size_t up;

	if (thp == SHMEM_THP_NONE || size < KDB_MEMFD_HUGE)
		return size;
	up = (size + KDB_MEMFD_HUGE - 1) & ~(KDB_MEMFD_HUGE - 1);
	return up - size <= size / 8 ? up : size;
}

/*
 * Map @len bytes of @fd from @off (a multiple of 2 MiB from KDB_MEMFD_HUGE
 * bytes on): the large ones at a 2 MiB-aligned address (the huge folios of
 * the file can only be mapped by PMD there) with MADV_HUGEPAGE (what
 * shmem_enabled "advise" asks for). MAP_FAILED with errno on failure.
 */
static void *memfd_mmap(int fd, off_t off, size_t len, int prot)
{
	size_t page = sysconf(_SC_PAGESIZE), span, maplen;
	uintptr_t res, addr;
	void *p;

	if (len < KDB_MEMFD_HUGE)
		return mmap(NULL, len, prot, MAP_SHARED, fd, off);
	maplen = (len + page - 1) & ~(page - 1);
	span = maplen + KDB_MEMFD_HUGE;
	/* reserve address space, then put the file at the aligned spot */
	p = mmap(NULL, span, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return mmap(NULL, len, prot, MAP_SHARED, fd, off);
	res = (uintptr_t)p;
	addr = (res + KDB_MEMFD_HUGE - 1) & ~(KDB_MEMFD_HUGE - 1);
	p = mmap((void *)addr, len, prot, MAP_SHARED | MAP_FIXED, fd, off);
	if (p == MAP_FAILED) {
		munmap((void *)res, span);
		return mmap(NULL, len, prot, MAP_SHARED, fd, off);
	}
	if (addr > res)
		munmap((void *)res, addr - res);
	if (res + span > addr + maplen)
		munmap((void *)(addr + maplen), res + span - (addr + maplen));
	/* no THP in this kernel, or none allowed: small pages then */
	madvise(p, len, MADV_HUGEPAGE);
	return p;
}

KDB_EXPORT int kdb_memfd_alloc(const char *name, size_t size, void **map)
{
	size_t fsize;
	void *p;
	int fd, ret;

	if (!size || !map)
		return -EINVAL;
	fsize = memfd_file_size(size, shmem_thp());
	fd = memfd_create(name ? name : "kdbus", MFD_CLOEXEC |
			  MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, fsize) < 0) {
		ret = -errno;
		goto fail;
	}
	p = memfd_mmap(fd, 0, fsize, PROT_READ | PROT_WRITE);
	if (p == MAP_FAILED) {
		ret = -errno;
		goto fail;
	}
	*map = p;
	return fd;
fail:
	close(fd);
	return ret;
}

KDB_EXPORT int kdb_memfd_seal(int fd, void *map)
{
	struct stat st;

	if (fd < 0 || !map)
		return -EINVAL;
	if (fstat(fd, &st) < 0)
		return -errno;
	/* F_SEAL_WRITE needs the writable mapping gone */
	if (munmap(map, st.st_size) < 0)
		return -errno;
	if (fcntl(fd, F_ADD_SEALS, KDB_MEMFD_SEALS) < 0)
		return -errno;
	return 0;
}

KDB_EXPORT int kdb_memfd_new(const char *name, const void *data, size_t size)
{
	enum shmem_thp thp = shmem_thp();
	const uint8_t *p = data;
	size_t done = 0;
	void *map;
	int fd, ret;

	if (size && !data)
		return -EINVAL;
	/* "advise": only a mapping with MADV_HUGEPAGE gets huge folios */
	if (thp == SHMEM_THP_ADVISE && size >= KDB_MEMFD_HUGE) {
		fd = kdb_memfd_alloc(name, size, &map);
		if (fd >= 0) {
			memcpy(map, data, size);
			ret = kdb_memfd_seal(fd, map);
			if (ret < 0) {
				close(fd);
				return ret;
			}
			return fd;
		}
		/* no room for the mapping: write() below */
	}
	fd = memfd_create(name ? name : "kdbus", MFD_CLOEXEC |
			  MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	/* the size first: "within_size" gives huge folios inside it */
	if (ftruncate(fd, memfd_file_size(size, thp)) < 0) {
		ret = -errno;
		goto fail;
	}
	while (done < size) {
		ssize_t n = pwrite(fd, p + done, size - done, done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto fail;
		}
		done += n;
	}
	if (fcntl(fd, F_ADD_SEALS, KDB_MEMFD_SEALS) < 0) {
		ret = -errno;
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return ret;
}

/*
 * The file range to map for @m: from a page boundary, or from a huge page's
 * for 2 MiB or more, and then on to the end of the last huge page if the
 * file has it and cannot change size (sealed), so that it is PMD-mapped
 * too; kdb_memfd_unmap() finds the same.
 */
static void memfd_range(const struct kdb_memfd *m, off_t *off, size_t *len)
{
	uint64_t base = m->start & ~(uint64_t)(KDB_MEMFD_HUGE - 1);
	uint64_t end = m->start + m->size, up;
	struct stat st;
	int seals;

	if (end - base < KDB_MEMFD_HUGE) {
		base = m->start & ~(uint64_t)(sysconf(_SC_PAGESIZE) - 1);
	} else {
		up = (end + KDB_MEMFD_HUGE - 1) & ~(uint64_t)(KDB_MEMFD_HUGE - 1);
		seals = fcntl(m->fd, F_GET_SEALS);
		if (up > end && seals >= 0 &&
		    (seals & (F_SEAL_SHRINK | F_SEAL_GROW)) ==
		    (F_SEAL_SHRINK | F_SEAL_GROW) &&
		    fstat(m->fd, &st) == 0 && (uint64_t)st.st_size >= up)
			end = up;
	}
	*off = base;
	*len = end - base;
}

KDB_EXPORT int kdb_memfd_map(const struct kdb_memfd *m, const void **data)
{
	size_t len;
	off_t off;
	void *p;

	if (!m || !data || m->fd < 0 || !m->size ||
	    m->start + m->size < m->start)
		return -EINVAL;
	memfd_range(m, &off, &len);
	p = memfd_mmap(m->fd, off, len, PROT_READ);
	if (p == MAP_FAILED)
		return -errno;
	*data = (const uint8_t *)p + (m->start - off);
	return 0;
}

KDB_EXPORT int kdb_memfd_unmap(const struct kdb_memfd *m, const void *data)
{
	size_t len;
	off_t off;

	if (!m || !data || !m->size)
		return -EINVAL;
	memfd_range(m, &off, &len);
	if (munmap((uint8_t *)data - (m->start - off), len) < 0)
		return -errno;
	return 0;
}

/* ---- sending ---------------------------------------------------------- */

KDB_EXPORT bool kdb_conn_can_cancel(struct kdb_conn *conn)
{
	uint64_t type = KDBUS_ITEM_CANCEL_FD;
	struct kdbus_cmd_send *cmd;
	struct kdbus_item *item;
	struct kdb_buf b;

	if (!conn)
		return false;
	if (conn->can_cancel >= 0)
		return conn->can_cancel;
	/* negotiation: the kernel zeroes the item types it does not know */
	kdb_buf_init(&b, sizeof(*cmd));
	item = kdb_buf_item(&b, KDBUS_ITEM_NEGOTIATE, &type, sizeof(type));
	cmd = kdb_buf_finish(&b);
	conn->can_cancel = 0;
	if (cmd && item) {
		cmd->flags = KDBUS_FLAG_NEGOTIATE;
		if (kdb_ioctl(conn->fd, KDBUS_CMD_SEND, cmd) == 0)
			conn->can_cancel =
				item->data64[0] == KDBUS_ITEM_CANCEL_FD;
	}
	kdb_buf_free(&b);
	return conn->can_cancel;
}

static int msg_wrap(struct kdb_conn *conn, uint64_t offset, bool peeked,
		    struct kdb_msg **out);

KDB_EXPORT int kdb_send(struct kdb_conn *conn,
			const struct kdb_send_args *args, uint64_t *cookie,
			struct kdb_msg **reply)
{
	struct kdbus_cmd_send *cmd;
	struct kdbus_msg *kmsg;
	struct kdb_buf b, cb;
	uint64_t ck;
	size_t i;
	int ret;

	if (reply)
		*reply = NULL;
	if (!conn || !args)
		return -EINVAL;
	if ((args->n_vecs && !args->vecs) || (args->n_fds && !args->fds) ||
	    (args->n_memfds && !args->memfds))
		return -EINVAL;
	if (reply && !(args->flags & KDBUS_MSG_EXPECT_REPLY))
		return -EINVAL;
	if (reply && args->cancel_fd >= 0 && !kdb_conn_can_cancel(conn))
		return -EOPNOTSUPP;

	ck = args->cookie ? args->cookie : kdb_conn_next_cookie(conn);
	kdb_buf_init(&b, sizeof(*kmsg));
	kmsg = (void *)b.data;
	if (kmsg) {
		kmsg->flags = args->flags;
		kmsg->priority = args->priority;
		kmsg->dst_id = args->dst_id;
		kmsg->payload_type = args->payload_type ? args->payload_type :
				     KDBUS_PAYLOAD_DBUS;
		kmsg->cookie = ck;
		if (args->flags & KDBUS_MSG_EXPECT_REPLY)
			kmsg->timeout_ns = kdb_now_ns() + 1000ULL *
				(args->timeout_us ? args->timeout_us :
				 KDB_TIMEOUT_DEFAULT_US);
		else
			kmsg->cookie_reply = args->cookie_reply;
	}
	if (args->dst_name)
		kdb_buf_str(&b, KDBUS_ITEM_DST_NAME, args->dst_name);
	for (i = 0; i < args->n_vecs; i++) {
		struct kdbus_vec v = {
			.size = args->vecs[i].iov_len,
			.address = (uintptr_t)args->vecs[i].iov_base,
		};

		if (!v.size)
			continue;
		kdb_buf_item(&b, KDBUS_ITEM_PAYLOAD_VEC, &v, sizeof(v));
	}
	for (i = 0; i < args->n_memfds; i++) {
		struct kdbus_memfd m = {
			.start = args->memfds[i].start,
			.size = args->memfds[i].size,
			.fd = args->memfds[i].fd,
		};

		kdb_buf_item(&b, KDBUS_ITEM_PAYLOAD_MEMFD, &m, sizeof(m));
	}
	if (args->n_fds)
		kdb_buf_item(&b, KDBUS_ITEM_FDS, args->fds,
			     args->n_fds * sizeof(int));
	if (args->bloom) {
		struct kdbus_item *it;

		it = kdb_buf_item(&b, KDBUS_ITEM_BLOOM_FILTER, NULL,
				  sizeof(struct kdbus_bloom_filter) +
				  conn->bloom_size);
		if (it)
			memcpy(it->bloom_filter.data, args->bloom,
			       conn->bloom_size);
	}
	kmsg = kdb_buf_finish(&b);
	if (!kmsg) {
		kdb_buf_free(&b);
		return -ENOMEM;
	}

	kdb_buf_init(&cb, sizeof(*cmd));
	if (reply && args->cancel_fd >= 0)
		kdb_buf_item(&cb, KDBUS_ITEM_CANCEL_FD, &args->cancel_fd,
			     sizeof(int));
	cmd = kdb_buf_finish(&cb);
	if (!cmd) {
		ret = -ENOMEM;
		goto out;
	}
	cmd->msg_address = (uintptr_t)kmsg;
	if (reply)
		cmd->flags = KDBUS_SEND_SYNC_REPLY;
	ret = kdb_ioctl(conn->fd, KDBUS_CMD_SEND, cmd);
	if (cookie)
		*cookie = ck;
	if (ret == 0 && reply)
		ret = msg_wrap(conn, cmd->reply.offset, false, reply);
out:
	kdb_buf_free(&cb);
	kdb_buf_free(&b);
	return ret;
}

/* ---- metadata --------------------------------------------------------- */

static const char *item_str(const struct kdbus_item *item)
{
	size_t n = item->size - KDBUS_ITEM_HEADER_SIZE;

	/* strings from the kernel end with their NUL; refuse others */
	if (!n || item->str[n - 1])
		return NULL;
	return item->str;
}

void kdb_meta_parse(struct kdb_meta *meta, const struct kdbus_item *items,
		    const void *end, struct kdb_owned_name **names)
{
	const struct kdbus_item *item;
	struct kdb_owned_name *v = NULL, *nv;
	size_t n = 0, len;

	memset(meta, 0, sizeof(*meta));
	for (item = items; kdb_item_ok(item, end);
	     item = kdb_item_next(item)) {
		len = item->size - KDBUS_ITEM_HEADER_SIZE;
		switch (item->type) {
		case KDBUS_ITEM_TIMESTAMP:
			if (len < sizeof(item->timestamp))
				break;
			meta->timestamp.seqnum = item->timestamp.seqnum;
			meta->timestamp.monotonic_ns =
				item->timestamp.monotonic_ns;
			meta->timestamp.realtime_ns =
				item->timestamp.realtime_ns;
			meta->present |= KDB_ATTACH_TIMESTAMP;
			break;
		case KDBUS_ITEM_CREDS:
			if (len < sizeof(item->creds))
				break;
			meta->creds.uid = item->creds.uid;
			meta->creds.euid = item->creds.euid;
			meta->creds.suid = item->creds.suid;
			meta->creds.fsuid = item->creds.fsuid;
			meta->creds.gid = item->creds.gid;
			meta->creds.egid = item->creds.egid;
			meta->creds.sgid = item->creds.sgid;
			meta->creds.fsgid = item->creds.fsgid;
			meta->present |= KDB_ATTACH_CREDS;
			break;
		case KDBUS_ITEM_PIDS:
			if (len < sizeof(item->pids))
				break;
			meta->pids.pid = item->pids.pid;
			meta->pids.tid = item->pids.tid;
			meta->pids.ppid = item->pids.ppid;
			meta->present |= KDB_ATTACH_PIDS;
			break;
		case KDBUS_ITEM_AUXGROUPS:
			meta->auxgroups = (const uint64_t *)item->data64;
			meta->n_auxgroups = len / sizeof(uint64_t);
			meta->present |= KDB_ATTACH_AUXGROUPS;
			break;
		case KDBUS_ITEM_OWNED_NAME:
			if (len <= sizeof(struct kdbus_name) ||
			    item->name.name[len - sizeof(struct kdbus_name) - 1])
				break;
			meta->present |= KDB_ATTACH_NAMES;
			if (!names)
				break;
			nv = realloc(v, (n + 1) * sizeof(*v));
			if (!nv)
				break;
			v = nv;
			v[n].name = item->name.name;
			v[n].flags = item->name.flags;
			n++;
			break;
		case KDBUS_ITEM_TID_COMM:
			meta->tid_comm = item_str(item);
			meta->present |= KDB_ATTACH_TID_COMM;
			break;
		case KDBUS_ITEM_PID_COMM:
			meta->pid_comm = item_str(item);
			meta->present |= KDB_ATTACH_PID_COMM;
			break;
		case KDBUS_ITEM_EXE:
			meta->exe = item_str(item);
			meta->present |= KDB_ATTACH_EXE;
			break;
		case KDBUS_ITEM_CMDLINE:
			meta->cmdline = item->str;
			meta->cmdline_size = len;
			meta->present |= KDB_ATTACH_CMDLINE;
			break;
		case KDBUS_ITEM_CGROUP:
			meta->cgroup = item_str(item);
			meta->present |= KDB_ATTACH_CGROUP;
			break;
		case KDBUS_ITEM_CAPS:
			if (len < sizeof(uint32_t))
				break;
			meta->last_cap = item->caps.last_cap;
			meta->caps = item->caps.caps;
			meta->caps_words = (len - sizeof(uint32_t)) /
					   sizeof(uint32_t) / 4;
			meta->present |= KDB_ATTACH_CAPS;
			break;
		case KDBUS_ITEM_SECLABEL:
			meta->seclabel = item_str(item);
			meta->present |= KDB_ATTACH_SECLABEL;
			break;
		case KDBUS_ITEM_AUDIT:
			if (len < sizeof(item->audit))
				break;
			meta->audit.sessionid = item->audit.sessionid;
			meta->audit.loginuid = item->audit.loginuid;
			meta->present |= KDB_ATTACH_AUDIT;
			break;
		case KDBUS_ITEM_CONN_DESCRIPTION:
			meta->description = item_str(item);
			meta->present |= KDB_ATTACH_DESCRIPTION;
			break;
		}
	}
	if (names) {
		*names = v;
		meta->names = v;
		meta->n_names = n;
	}
}

KDB_EXPORT bool kdb_meta_has_cap(const struct kdb_meta *meta,
				 unsigned int cap)
{
	size_t w = cap / 32;

	if (!meta || !(meta->present & KDB_ATTACH_CAPS) ||
	    w >= meta->caps_words)
		return false;
	/* sets: inheritable, permitted, effective, bounding */
	return meta->caps[2 * meta->caps_words + w] & (1U << (cap % 32));
}

/* ---- receiving -------------------------------------------------------- */

static int msg_parse(struct kdb_msg *m)
{
	struct kdbus_msg *k = m->kmsg;
	uint8_t *end = (uint8_t *)k + k->size;
	struct kdbus_item *item;
	size_t total = 0, n_vec = 0, len;
	int *nf;
	struct kdb_memfd *nm;

	for (item = k->items; kdb_item_ok(item, end);
	     item = kdb_item_next(item)) {
		len = item->size - KDBUS_ITEM_HEADER_SIZE;
		switch (item->type) {
		case KDBUS_ITEM_PAYLOAD_OFF:
			if (item->vec.offset != ~0ULL &&
			    item->vec.offset + item->vec.size >
			    m->conn->pool_size - m->offset)
				return -EBADMSG;
			total += item->vec.size;
			n_vec++;
			if (n_vec == 1 && item->vec.offset != ~0ULL)
				m->payload_at = (uint8_t *)k + item->vec.offset;
			break;
		case KDBUS_ITEM_PAYLOAD_MEMFD:
			nm = realloc(m->memfds, (m->n_memfds + 1) * sizeof(*nm));
			if (!nm)
				return -ENOMEM;
			m->memfds = nm;
			nm[m->n_memfds].fd = item->memfd.fd;
			nm[m->n_memfds].start = item->memfd.start;
			nm[m->n_memfds].size = item->memfd.size;
			m->n_memfds++;
			break;
		case KDBUS_ITEM_FDS:
			nf = realloc(m->fds, (m->n_fds + len / sizeof(int)) *
				     sizeof(int));
			if (!nf && len)
				return -ENOMEM;
			m->fds = nf;
			memcpy(m->fds + m->n_fds, item->fds, len);
			m->n_fds += len / sizeof(int);
			break;
		case KDBUS_ITEM_DST_NAME:
			m->dst_name = item_str(item);
			break;
		case KDBUS_ITEM_BLOOM_FILTER:
			if (len >= sizeof(struct kdbus_bloom_filter) +
			    m->conn->bloom_size)
				m->bloom = (const uint64_t *)
					   item->bloom_filter.data;
			break;
		case KDBUS_ITEM_NAME_ADD:
		case KDBUS_ITEM_NAME_REMOVE:
		case KDBUS_ITEM_NAME_CHANGE:
		case KDBUS_ITEM_ID_ADD:
		case KDBUS_ITEM_ID_REMOVE:
		case KDBUS_ITEM_REPLY_TIMEOUT:
		case KDBUS_ITEM_REPLY_DEAD:
			if (!m->notify)
				m->notify = item;
			break;
		}
	}
	m->payload_size = total;
	if (n_vec > 1 || (n_vec == 1 && !m->payload_at)) {
		uint8_t *p = malloc(total ? total : 1);

		if (!p)
			return -ENOMEM;
		m->payload = p;
		for (item = k->items; kdb_item_ok(item, end);
		     item = kdb_item_next(item)) {
			if (item->type != KDBUS_ITEM_PAYLOAD_OFF)
				continue;
			if (item->vec.offset == ~0ULL)
				memset(p, 0, item->vec.size);
			else
				memcpy(p, (uint8_t *)k + item->vec.offset,
				       item->vec.size);
			p += item->vec.size;
		}
		m->payload_at = m->payload;
	}
	kdb_meta_parse(&m->meta, k->items, end, &m->names);
	return 0;
}

static int msg_wrap(struct kdb_conn *conn, uint64_t offset, bool peeked,
		    struct kdb_msg **out)
{
	struct kdb_msg *m;
	int ret;

	*out = NULL;
	if (offset >= conn->pool_size)
		return -EBADMSG;
	m = calloc(1, sizeof(*m));
	if (!m) {
		if (!peeked)
			kdb_free_slice(conn, offset);
		return -ENOMEM;
	}
	m->conn = conn;
	m->offset = offset;
	m->peeked = peeked;
	m->kmsg = (struct kdbus_msg *)(conn->pool + offset);
	if (m->kmsg->size < sizeof(struct kdbus_msg) ||
	    m->kmsg->size > conn->pool_size - offset)
		ret = -EBADMSG;
	else
		ret = msg_parse(m);
	if (ret < 0) {
		kdb_msg_free(m);
		return ret;
	}
	*out = m;
	return 0;
}

KDB_EXPORT int kdb_recv(struct kdb_conn *conn, uint64_t flags,
			struct kdb_msg **msg, uint64_t *dropped)
{
	struct kdbus_cmd_recv cmd = { .size = sizeof(cmd) };
	int ret;

	if (msg)
		*msg = NULL;
	if (!conn || (!msg && !(flags & KDB_RECV_DROP)) ||
	    (flags & ~(KDB_RECV_PEEK | KDB_RECV_DROP)))
		return -EINVAL;
	cmd.flags = flags;
	ret = kdb_ioctl(conn->fd, KDBUS_CMD_RECV, &cmd);
	if (dropped)
		*dropped = cmd.dropped_msgs;
	if (ret < 0 || (flags & KDB_RECV_DROP))
		return ret;
	return msg_wrap(conn, cmd.msg.offset, flags & KDB_RECV_PEEK, msg);
}

KDB_EXPORT void kdb_msg_free(struct kdb_msg *msg)
{
	size_t i;

	if (!msg)
		return;
	if (!msg->peeked) {
		for (i = 0; i < msg->n_fds; i++)
			if (msg->fds[i] >= 0)
				close(msg->fds[i]);
		for (i = 0; i < msg->n_memfds; i++)
			if (msg->memfds[i].fd >= 0)
				close(msg->memfds[i].fd);
		kdb_free_slice(msg->conn, msg->offset);
	}
	free(msg->fds);
	free(msg->memfds);
	free(msg->payload);
	free(msg->names);
	free(msg);
}

KDB_EXPORT uint64_t kdb_msg_src_id(const struct kdb_msg *msg)
{
	return msg->kmsg->src_id;
}

KDB_EXPORT uint64_t kdb_msg_dst_id(const struct kdb_msg *msg)
{
	return msg->kmsg->dst_id;
}

KDB_EXPORT const char *kdb_msg_dst_name(const struct kdb_msg *msg)
{
	return msg->dst_name;
}

KDB_EXPORT uint64_t kdb_msg_flags(const struct kdb_msg *msg)
{
	return msg->kmsg->flags;
}

KDB_EXPORT int64_t kdb_msg_priority(const struct kdb_msg *msg)
{
	return msg->kmsg->priority;
}

KDB_EXPORT uint64_t kdb_msg_payload_type(const struct kdb_msg *msg)
{
	return msg->kmsg->payload_type;
}

KDB_EXPORT uint64_t kdb_msg_cookie(const struct kdb_msg *msg)
{
	return msg->kmsg->cookie;
}

KDB_EXPORT uint64_t kdb_msg_cookie_reply(const struct kdb_msg *msg)
{
	/* a request carries its deadline there; only answers a cookie */
	if (msg->kmsg->flags & KDBUS_MSG_EXPECT_REPLY)
		return 0;
	return msg->kmsg->cookie_reply;
}

KDB_EXPORT const void *kdb_msg_payload(struct kdb_msg *msg, size_t *size)
{
	if (size)
		*size = msg->payload_size;
	return msg->payload_at;
}

KDB_EXPORT const uint64_t *kdb_msg_bloom(const struct kdb_msg *msg)
{
	return msg->bloom;
}

KDB_EXPORT const int *kdb_msg_fds(const struct kdb_msg *msg, size_t *n)
{
	if (n)
		*n = msg->n_fds;
	return msg->fds;
}

KDB_EXPORT int kdb_msg_take_fd(struct kdb_msg *msg, size_t i)
{
	int fd;

	if (!msg || i >= msg->n_fds)
		return -EINVAL;
	fd = msg->fds[i];
	if (fd < 0)
		return -EBADF;
	msg->fds[i] = -1;
	return fd;
}

KDB_EXPORT size_t kdb_msg_n_memfds(const struct kdb_msg *msg)
{
	return msg->n_memfds;
}

KDB_EXPORT int kdb_msg_memfd(const struct kdb_msg *msg, size_t i,
			     struct kdb_memfd *out)
{
	if (!msg || !out || i >= msg->n_memfds)
		return -EINVAL;
	*out = msg->memfds[i];
	return 0;
}

KDB_EXPORT int kdb_msg_take_memfd(struct kdb_msg *msg, size_t i)
{
	int fd;

	if (!msg || i >= msg->n_memfds)
		return -EINVAL;
	fd = msg->memfds[i].fd;
	if (fd < 0)
		return -EBADF;
	msg->memfds[i].fd = -1;
	return fd;
}

KDB_EXPORT const struct kdb_meta *kdb_msg_meta(const struct kdb_msg *msg)
{
	return &msg->meta;
}

/* ---- notifications ---------------------------------------------------- */

KDB_EXPORT enum kdb_notify_type kdb_msg_notify(const struct kdb_msg *msg,
					       struct kdb_notify *out)
{
	const struct kdbus_item *item = msg ? msg->notify : NULL;
	struct kdb_notify n = { KDB_NOTIFY_NONE };
	size_t len;

	if (!item || msg->kmsg->src_id != KDBUS_SRC_ID_KERNEL)
		goto out;
	len = item->size - KDBUS_ITEM_HEADER_SIZE;
	switch (item->type) {
	case KDBUS_ITEM_ID_ADD:
	case KDBUS_ITEM_ID_REMOVE:
		if (len < sizeof(item->id_change))
			break;
		n.type = item->type == KDBUS_ITEM_ID_ADD ? KDB_NOTIFY_ID_ADD :
			 KDB_NOTIFY_ID_REMOVE;
		n.id = item->id_change.id;
		n.id_flags = item->id_change.flags;
		break;
	case KDBUS_ITEM_NAME_ADD:
	case KDBUS_ITEM_NAME_REMOVE:
	case KDBUS_ITEM_NAME_CHANGE:
		if (len <= sizeof(item->name_change) ||
		    item->name_change.name[len - sizeof(item->name_change) - 1])
			break;
		n.type = item->type == KDBUS_ITEM_NAME_ADD ?
			 KDB_NOTIFY_NAME_ADD :
			 item->type == KDBUS_ITEM_NAME_REMOVE ?
			 KDB_NOTIFY_NAME_REMOVE : KDB_NOTIFY_NAME_CHANGE;
		n.old_id = item->name_change.old_id.id;
		n.old_flags = item->name_change.old_id.flags;
		n.new_id = item->name_change.new_id.id;
		n.new_flags = item->name_change.new_id.flags;
		n.name = item->name_change.name;
		break;
	case KDBUS_ITEM_REPLY_TIMEOUT:
		n.type = KDB_NOTIFY_REPLY_TIMEOUT;
		break;
	case KDBUS_ITEM_REPLY_DEAD:
		n.type = KDB_NOTIFY_REPLY_DEAD;
		break;
	}
out:
	if (out)
		*out = n;
	return n.type;
}

KDB_EXPORT const char *kdb_notify_type_name(enum kdb_notify_type type)
{
	switch (type) {
	case KDB_NOTIFY_NAME_ADD:
		return "NameAdd";
	case KDB_NOTIFY_NAME_REMOVE:
		return "NameRemove";
	case KDB_NOTIFY_NAME_CHANGE:
		return "NameChange";
	case KDB_NOTIFY_ID_ADD:
		return "IdAdd";
	case KDB_NOTIFY_ID_REMOVE:
		return "IdRemove";
	case KDB_NOTIFY_REPLY_TIMEOUT:
		return "ReplyTimeout";
	case KDB_NOTIFY_REPLY_DEAD:
		return "ReplyDead";
	default:
		return "None";
	}
}
