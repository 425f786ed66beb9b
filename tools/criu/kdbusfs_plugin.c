// SPDX-License-Identifier: GPL-2.0
/*
 * kdbusfs_plugin.so: the kdbusfs plugin for criu 3.17.1, as Debian ships it.
 *
 * kdbusfs names its files "kdbusfs:[BUS/ENDPOINT]" and "kdbusfs:[control]"
 * in /proc/PID/fd, so criu's dump_one_file() hands each to DUMP_EXT_FILE,
 * and maps a pool through its bus directory, which criu hands to
 * HANDLE_DEVICE_VMA. This plugin
 *   - dumps a connection with the kernel's checkpoint file (CONN_DUMP,
 *     frozen until the dump ends) and the busy slices of its pool, and
 *     restores it with CONN_RESTORE on its endpoint file opened again;
 *   - dumps a bus owner's control file as the bus's name and BUS_MAKE
 *     parameters, and makes the bus again at restore;
 *   - maps a restored pool through the restored connection's file
 *     (UPDATE_VMA_MAP).
 * It refuses, with one line in criu's log, what restore cannot do yet:
 * queued messages carrying files, pending replies, activators, monitors,
 * policy holders, endpoint owners and files not used yet. criu then fails
 * the dump and the tree runs on.
 */

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <linux/kdbus.h>

#include <criu/criu-plugin.h>

#include "kdbusfs_plugin.h"

/* the fdinfo keys this plugin reads (Documentation/filesystems/kdbusfs.rst) */
struct kdb_fdinfo {
	char role[32];
	char file[32];
	char bus[256];
	char endpoint[256];
	char id[32];
	char connected[8];
	char bus_flags[32];
	char attach_owner[32];
	char bloom[64];
	char mnt_id[16];
};

/* if @line is @key's, copy its value @v into @buf */
static void kdb_take(const char *line, const char *v, const char *key,
		     char *buf, size_t size)
{
	if (!strcmp(line, key))
		snprintf(buf, size, "%s", v);
}

/* the values of the "KEY:\tVALUE" lines of @text into @fi */
static void kdb_parse_fdinfo(char *text, struct kdb_fdinfo *fi)
{
	char *line, *v, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		v = strchr(line, ':');
		if (!v)
			continue;
		*v++ = '\0';
		v += strspn(v, "\t ");
		kdb_take(line, v, "kdbus-role", fi->role, sizeof(fi->role));
		kdb_take(line, v, "kdbus-file", fi->file, sizeof(fi->file));
		kdb_take(line, v, "kdbus-bus", fi->bus, sizeof(fi->bus));
		kdb_take(line, v, "kdbus-endpoint", fi->endpoint,
			 sizeof(fi->endpoint));
		kdb_take(line, v, "kdbus-id", fi->id, sizeof(fi->id));
		kdb_take(line, v, "kdbus-connected", fi->connected,
			 sizeof(fi->connected));
		kdb_take(line, v, "kdbus-bus-flags", fi->bus_flags,
			 sizeof(fi->bus_flags));
		kdb_take(line, v, "kdbus-attach-owner", fi->attach_owner,
			 sizeof(fi->attach_owner));
		kdb_take(line, v, "kdbus-bloom", fi->bloom, sizeof(fi->bloom));
		kdb_take(line, v, "mnt_id", fi->mnt_id, sizeof(fi->mnt_id));
	}
}

/* read /proc/self/fdinfo/@fd of criu's copy of the file: 0 or -errno */
static int kdb_read_fdinfo(int fd, struct kdb_fdinfo *fi)
{
	char path[64], text[16384];
	size_t len;
	FILE *f;

	memset(fi, 0, sizeof(*fi));
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[len] = '\0';
	kdb_parse_fdinfo(text, fi);
	return fi->role[0] ? 0 : -ENODATA;
}

/* the checkpoint files of this dump, one per kdbusfs domain (st_dev) */
#define KDB_MAX_DOMAINS	16
static struct {
	dev_t dev;
	int fd;
} kdb_chk[KDB_MAX_DOMAINS];
static int kdb_n_chk;

/* the image of one kdbusfs file, kdbusfs-ID.img in criu's image dir */
#define KDB_IMG_MAGIC	0x4b444249	/* "KDBI" */
#define KDB_IMG_VERSION	1
#define KDB_ROLE_CONN	1
#define KDB_ROLE_BUS	2

struct kdb_img {
	uint32_t magic;
	uint32_t version;
	uint32_t role;
	uint32_t pad;
	uint64_t bus_flags;
	uint64_t attach_owner;
	uint64_t bloom_size;
	uint64_t bloom_n_hash;
	uint64_t dump_size;	/* bytes of dump after the header */
	uint64_t pool_size;	/* the slices' bytes follow the dump */
	char mount[256];	/* the kdbusfs mount point */
	char bus[256];		/* bus directory, relative to it */
	char endpoint[256];	/* endpoint file, relative to the bus */
};

static bool kdb_is_kdbusfs(int fd)
{
	struct statfs sfs;

	return !fstatfs(fd, &sfs) && sfs.f_type == KDBUSFS_SUPER_MAGIC;
}

/*
 * A pool is mapped through its bus directory: accept such a mapping, the
 * restored connection's file maps it again (UPDATE_VMA_MAP).
 */
static int kdb_handle_vma(int fd, const struct stat *st)
{
	if (!S_ISDIR(st->st_mode) || !kdb_is_kdbusfs(fd))
		return -ENOTSUP;
	return 0;
}

CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__HANDLE_DEVICE_VMA, kdb_handle_vma)

/* the mount point of mount @mnt_id, from /proc/self/mountinfo */
static int kdb_mount_point(const char *mnt_id, char *buf, size_t size)
{
	char line[4096], point[4096];
	unsigned int id;
	int ret = -ENOENT;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%u %*u %*s %*s %4095s", &id, point) != 2)
			continue;
		if (id == strtoul(mnt_id, NULL, 10)) {
			ret = strlen(point) < size ? 0 : -ENAMETOOLONG;
			if (!ret)
				memcpy(buf, point, strlen(point) + 1);
			break;
		}
	}
	fclose(f);
	return ret;
}

/* the checkpoint file of @fd's domain, opened on first use: fd or -errno */
static int kdb_checkpoint_fd(int fd)
{
	struct kdbus_cmd_checkpoint cmd;
	struct stat st;
	int i;

	if (fstat(fd, &st))
		return -errno;
	for (i = 0; i < kdb_n_chk; i++)
		if (kdb_chk[i].dev == st.st_dev)
			return kdb_chk[i].fd;
	if (kdb_n_chk == KDB_MAX_DOMAINS)
		return -EMFILE;
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	if (ioctl(fd, KDBUS_CMD_CHECKPOINT, &cmd))
		return -errno;
	kdb_chk[kdb_n_chk].dev = st.st_dev;
	kdb_chk[kdb_n_chk].fd = cmd.fd;
	kdb_n_chk++;
	return cmd.fd;
}

/* CONN_DUMP of @fd, frozen: the dump in *@buf (malloc'ed), its size or -errno */
static ssize_t kdb_conn_dump(int chk, int fd, void **buf)
{
	struct kdbus_cmd_dump cmd;
	size_t size = 64 * 1024;
	void *b = NULL, *nb;

	for (;;) {
		nb = realloc(b, size);
		if (!nb) {
			free(b);
			return -ENOMEM;
		}
		b = nb;
		memset(&cmd, 0, sizeof(cmd));
		cmd.size = sizeof(cmd);
		cmd.flags = KDBUS_DUMP_FREEZE;
		cmd.conn_fd = fd;
		cmd.buffer = (uintptr_t)b;
		cmd.buffer_size = size;
		if (!ioctl(chk, KDBUS_CMD_CONN_DUMP, &cmd)) {
			*buf = b;
			return cmd.dump_size;
		}
		if (errno != EMSGSIZE || cmd.dump_size <= size) {
			int err = -errno;

			free(b);
			return err;
		}
		size = cmd.dump_size;
	}
}

/* the item after @it (the first if NULL) of a dump, or NULL at its end */
static struct kdbus_item *kdb_item(const void *buf, size_t size,
				   const struct kdbus_item *it)
{
	const uint8_t *end = (const uint8_t *)buf + size;
	const uint8_t *p;

	p = it ? (const uint8_t *)it + KDBUS_ALIGN8(it->size) : buf;
	if (p + KDBUS_ITEM_HEADER_SIZE > end)
		return NULL;
	it = (const void *)p;
	if (it->size < KDBUS_ITEM_HEADER_SIZE || p + it->size > end)
		return NULL;
	return (struct kdbus_item *)it;
}

/* why restore could not make this dump again, or NULL */
static const char *kdb_unsupported(const void *dump, size_t size,
				   uint64_t *pool_size)
{
	const struct kdbus_dump_message *m;
	const struct kdbus_dump_conn *c;
	struct kdbus_item *it;

	*pool_size = 0;
	for (it = kdb_item(dump, size, NULL); it;
	     it = kdb_item(dump, size, it)) {
		switch (it->type) {
		case KDBUS_ITEM_DUMP_CONN:
			c = (const void *)it->data;
			*pool_size = c->pool_size;
			if (c->flags & (KDBUS_HELLO_ACTIVATOR |
					KDBUS_HELLO_POLICY_HOLDER |
					KDBUS_HELLO_MONITOR))
				return "it is an activator, a policy holder or a monitor";
			break;
		case KDBUS_ITEM_DUMP_MESSAGE:
			m = (const void *)it->data;
			if (m->n_fds || m->n_memfds)
				return "a queued message carries files";
			break;
		case KDBUS_ITEM_DUMP_REPLY:
			return "a reply is pending between it and a peer";
		}
	}
	return *pool_size ? NULL : "the dump has no pool size";
}

static int kdb_write_all(int fd, const void *buf, size_t size)
{
	const uint8_t *p = buf;
	ssize_t n;

	while (size) {
		n = write(fd, p, size);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		size -= n;
	}
	return 0;
}

static int kdb_write_img(int id, const struct kdb_img *img, const void *dump,
			 const uint8_t *pool)
{
	char name[64];
	struct kdbus_item *it;
	const struct kdbus_dump_slice *s;
	int fd, ret;

	snprintf(name, sizeof(name), "kdbusfs-%d.img", id);
	fd = openat(criu_get_image_dir(), name,
		    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	ret = kdb_write_all(fd, img, sizeof(*img));
	if (!ret && img->dump_size)
		ret = kdb_write_all(fd, dump, img->dump_size);
	if (pool) {
		for (it = kdb_item(dump, img->dump_size, NULL); it;
		     it = kdb_item(dump, img->dump_size, it)) {
			if (ret || it->type != KDBUS_ITEM_DUMP_SLICE)
				continue;
			s = (const void *)it->data;
			if (s->offset > img->pool_size ||
			    s->size > img->pool_size - s->offset)
				ret = -EINVAL;
			else
				ret = kdb_write_all(fd, pool + s->offset, s->size);
		}
	}
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

static int kdb_dump_conn(int fd, int id, const char *link, struct kdb_img *img)
{
	const char *why;
	void *dump = NULL;
	void *pool;
	ssize_t size;
	int chk, ret;

	chk = kdb_checkpoint_fd(fd);
	if (chk < 0) {
		print_on_level(KDB_LOG_ERROR,
			       "kdbusfs: cannot dump %s (file id %#x): KDBUS_CMD_CHECKPOINT: %s\n",
			       link, id, strerror(-chk));
		return chk;
	}
	size = kdb_conn_dump(chk, fd, &dump);
	if (size < 0) {
		print_on_level(KDB_LOG_ERROR,
			       "kdbusfs: cannot dump %s (file id %#x): KDBUS_CMD_CONN_DUMP: %s\n",
			       link, id, strerror(-size));
		return size;
	}
	why = kdb_unsupported(dump, size, &img->pool_size);
	if (why) {
		print_on_level(KDB_LOG_ERROR,
			       "kdbusfs: cannot dump %s (file id %#x): %s, which restore cannot make again yet\n",
			       link, id, why);
		free(dump);
		return -EPERM;
	}
	img->dump_size = size;
	pool = mmap(NULL, img->pool_size, PROT_READ, MAP_SHARED, fd, 0);
	if (pool == MAP_FAILED) {
		ret = -errno;
		print_on_level(KDB_LOG_ERROR,
			       "kdbusfs: cannot dump %s (file id %#x): mmap of its pool: %s\n",
			       link, id, strerror(-ret));
		free(dump);
		return ret;
	}
	ret = kdb_write_img(id, img, dump, pool);
	munmap(pool, img->pool_size);
	free(dump);
	return ret;
}

static int kdb_dump_file(int fd, int id)
{
	char link[512], path[64];
	struct kdb_fdinfo fi;
	struct kdb_img img;
	ssize_t n;
	int ret;

	if (!kdb_is_kdbusfs(fd))
		return -ENOTSUP;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	link[n < 0 ? 0 : n] = '\0';

	ret = kdb_read_fdinfo(fd, &fi);
	if (ret) {
		print_on_level(KDB_LOG_ERROR,
			       "kdbusfs: cannot dump %s (file id %#x): no kdbusfs fdinfo: %s\n",
			       link, id, strerror(-ret));
		return -EIO;
	}

	if (!strcmp(fi.role, "none")) {
		print_on_level(KDB_LOG_ERROR,
			       "kdbusfs: cannot dump %s (file id %#x): %s file of bus %s not used yet; restoring it would reopen it with criu's credentials, not its opener's\n",
			       link, id, fi.file, fi.bus[0] ? fi.bus : "-");
		return -EPERM;
	}
	if (strcmp(fi.role, "connection") && strcmp(fi.role, "bus-owner")) {
		print_on_level(KDB_LOG_ERROR,
			       "kdbusfs: cannot dump %s (file id %#x): its file made bus %s (role %s), which lives only as long as the file\n",
			       link, id, fi.bus, fi.role);
		return -EPERM;
	}
	if (!strcmp(fi.role, "connection") && strcmp(fi.connected, "yes")) {
		print_on_level(KDB_LOG_ERROR,
			       "kdbusfs: cannot dump %s (file id %#x): connection %s on bus %s is disconnected\n",
			       link, id, fi.id, fi.bus);
		return -EPERM;
	}

	memset(&img, 0, sizeof(img));
	img.magic = KDB_IMG_MAGIC;
	img.version = KDB_IMG_VERSION;
	snprintf(img.bus, sizeof(img.bus), "%s", fi.bus);
	snprintf(img.endpoint, sizeof(img.endpoint), "%s", fi.endpoint);
	ret = kdb_mount_point(fi.mnt_id, img.mount, sizeof(img.mount));
	if (ret) {
		print_on_level(KDB_LOG_ERROR,
			       "kdbusfs: cannot dump %s (file id %#x): no mount point for mnt_id %s\n",
			       link, id, fi.mnt_id);
		return ret;
	}

	if (!strcmp(fi.role, "bus-owner")) {
		unsigned long long size, n_hash;

		img.role = KDB_ROLE_BUS;
		img.bus_flags = strtoull(fi.bus_flags, NULL, 16);
		img.attach_owner = strtoull(fi.attach_owner, NULL, 16);
		if (sscanf(fi.bloom, "%llu %llu", &size, &n_hash) != 2) {
			print_on_level(KDB_LOG_ERROR,
				       "kdbusfs: cannot dump %s (file id %#x): bus %s: no kdbus-bloom in its fdinfo\n",
				       link, id, fi.bus);
			return -EIO;
		}
		img.bloom_size = size;
		img.bloom_n_hash = n_hash;
		ret = kdb_write_img(id, &img, NULL, NULL);
	} else {
		img.role = KDB_ROLE_CONN;
		ret = kdb_dump_conn(fd, id, link, &img);
	}
	if (ret && ret != -EPERM)
		print_on_level(KDB_LOG_ERROR,
			       "kdbusfs: cannot dump %s (file id %#x): %s\n",
			       link, id, strerror(-ret));
	else if (!ret)
		print_on_level(KDB_LOG_INFO,
			       "kdbusfs: dumped %s (file id %#x, %s)\n", link, id,
			       fi.role);
	return ret;
}

CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__DUMP_EXT_FILE, kdb_dump_file)

static int kdb_read_all(int fd, void *buf, size_t size)
{
	uint8_t *p = buf;
	ssize_t n;

	while (size) {
		n = read(fd, p, size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		size -= n;
	}
	return 0;
}

/* BUS_MAKE on MOUNT/control as the image says: the control file or -errno */
static int kdb_bus_make(const struct kdb_img *img)
{
	struct kdbus_bloom_parameter bp;
	uint64_t buf[256];
	struct kdbus_cmd *cmd = (void *)buf;
	struct kdbus_item *it;
	char path[512];
	size_t len = strlen(img->bus) + 1;
	int fd, ret;

	if (len > 512)
		return -ENAMETOOLONG;
	memset(buf, 0, sizeof(buf));
	cmd->flags = img->bus_flags;
	it = cmd->items;
	it->type = KDBUS_ITEM_BLOOM_PARAMETER;
	it->size = KDBUS_ITEM_HEADER_SIZE + sizeof(bp);
	bp.size = img->bloom_size;
	bp.n_hash = img->bloom_n_hash;
	memcpy(it->data, &bp, sizeof(bp));
	it = (void *)((uint8_t *)it + KDBUS_ALIGN8(it->size));
	it->type = KDBUS_ITEM_MAKE_NAME;
	it->size = KDBUS_ITEM_HEADER_SIZE + len;
	memcpy(it->str, img->bus, len);
	it = (void *)((uint8_t *)it + KDBUS_ALIGN8(it->size));
	if (img->attach_owner) {
		it->type = KDBUS_ITEM_ATTACH_FLAGS_SEND;
		it->size = KDBUS_ITEM_HEADER_SIZE + sizeof(uint64_t);
		memcpy(it->data, &img->attach_owner, sizeof(uint64_t));
		it = (void *)((uint8_t *)it + KDBUS_ALIGN8(it->size));
	}
	cmd->size = (uint8_t *)it - (uint8_t *)buf;

	snprintf(path, sizeof(path), "%s/control", img->mount);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, KDBUS_CMD_BUS_MAKE, cmd)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

/* the endpoint file opened again and CONN_RESTORE'd: its fd or -errno */
static int kdb_conn_restore(const struct kdb_img *img, const void *dump,
			    const uint8_t *slices, size_t n_slices)
{
	struct kdbus_cmd_checkpoint chk;
	struct kdbus_cmd_restore cmd;
	const struct kdbus_dump_slice *s;
	struct kdbus_item *it;
	char path[1024];
	uint8_t *pool;
	int fd, ret = 0;

	pool = mmap(NULL, img->pool_size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pool == MAP_FAILED)
		return -errno;
	for (it = kdb_item(dump, img->dump_size, NULL); it;
	     it = kdb_item(dump, img->dump_size, it)) {
		if (it->type != KDBUS_ITEM_DUMP_SLICE)
			continue;
		s = (const void *)it->data;
		if (s->offset > img->pool_size ||
		    s->size > img->pool_size - s->offset || s->size > n_slices) {
			munmap(pool, img->pool_size);
			return -EINVAL;
		}
		memcpy(pool + s->offset, slices, s->size);
		slices += s->size;
		n_slices -= s->size;
	}

	snprintf(path, sizeof(path), "%s/%s/%s", img->mount, img->bus,
		 img->endpoint);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	memset(&chk, 0, sizeof(chk));
	chk.size = sizeof(chk);
	if (ioctl(fd, KDBUS_CMD_CHECKPOINT, &chk)) {
		ret = -errno;
		goto out;
	}
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.ep_fd = fd;
	cmd.dump = (uintptr_t)dump;
	cmd.dump_size = img->dump_size;
	cmd.pool = (uintptr_t)pool;
	cmd.pool_size = img->pool_size;
	if (ioctl(chk.fd, KDBUS_CMD_CONN_RESTORE, &cmd))
		ret = -errno;
	close(chk.fd);
out:
	munmap(pool, img->pool_size);
	if (ret && fd >= 0)
		close(fd);
	return ret ? ret : fd;
}

static int kdb_restore_file(int id)
{
	struct kdb_img img;
	uint8_t *rest = NULL;
	char name[64];
	struct stat st;
	int fd, ret;

	snprintf(name, sizeof(name), "kdbusfs-%d.img", id);
	fd = openat(criu_get_image_dir(), name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ENOTSUP : -errno;
	ret = fstat(fd, &st) ? -errno : 0;
	if (!ret && (size_t)st.st_size < sizeof(img))
		ret = -EINVAL;
	if (!ret)
		ret = kdb_read_all(fd, &img, sizeof(img));
	if (!ret && (img.magic != KDB_IMG_MAGIC ||
		     img.version != KDB_IMG_VERSION))
		ret = -EINVAL;
	if (!ret) {
		img.mount[sizeof(img.mount) - 1] = '\0';
		img.bus[sizeof(img.bus) - 1] = '\0';
		img.endpoint[sizeof(img.endpoint) - 1] = '\0';
		rest = malloc(st.st_size - sizeof(img) + 1);
		if (!rest)
			ret = -ENOMEM;
		else
			ret = kdb_read_all(fd, rest, st.st_size - sizeof(img));
	}
	close(fd);
	if (!ret && img.role == KDB_ROLE_BUS)
		ret = kdb_bus_make(&img);
	else if (!ret && img.role == KDB_ROLE_CONN &&
		 img.dump_size <= st.st_size - sizeof(img))
		ret = kdb_conn_restore(&img, rest, rest + img.dump_size,
				       st.st_size - sizeof(img) - img.dump_size);
	else if (!ret)
		ret = -EINVAL;
	if (ret < 0)
		print_on_level(KDB_LOG_ERROR,
			       "kdbusfs: cannot restore %s (file id %#x): bus %s, endpoint %s under %s: %s\n",
			       name, id, img.bus, img.role == KDB_ROLE_BUS ?
			       "control" : img.endpoint, img.mount,
			       strerror(-ret));
	else
		print_on_level(KDB_LOG_INFO,
			       "kdbusfs: restored file id %#x as fd %d\n", id, ret);
	free(rest);
	return ret;
}

CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__RESTORE_EXT_FILE, kdb_restore_file)

/*
 * A pool's mapping, restored: map the restored connection's file instead
 * of its bus directory. Only one connection per bus per process can be
 * told apart: the mapping does not say whose pool it was.
 */
static int kdb_update_vma(const char *path, const uint64_t addr,
			  const uint64_t old_pgoff, uint64_t *new_pgoff,
			  int *plugin_fd)
{
	char dir[4096];
	const char *bus;
	struct kdb_fdinfo fi;
	struct statfs sfs;
	struct dirent *de;
	struct stat st, fst;
	int n = 0, found = -1, fd;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s%s", path[0] == '/' ? "" : "/", path);
	if (statfs(dir, &sfs) || sfs.f_type != KDBUSFS_SUPER_MAGIC ||
	    stat(dir, &st) || !S_ISDIR(st.st_mode))
		return -ENOTSUP;
	bus = strrchr(dir, '/') + 1;

	d = opendir("/proc/self/fd");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		fd = atoi(de->d_name);
		if (fd == dirfd(d) || fstat(fd, &fst) || fst.st_dev != st.st_dev)
			continue;
		if (kdb_read_fdinfo(fd, &fi) || strcmp(fi.role, "connection") ||
		    strcmp(fi.bus, bus))
			continue;
		found = fd;
		n++;
	}
	closedir(d);
	if (n != 1) {
		print_on_level(KDB_LOG_ERROR,
			       "kdbusfs: cannot map the pool at %#llx (%s): %d connections of bus %s in this process, need exactly one\n",
			       (unsigned long long)addr, dir, n, bus);
		return -EINVAL;
	}
	*new_pgoff = old_pgoff;
	*plugin_fd = found;
	return 1;
}

CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__UPDATE_VMA_MAP, kdb_update_vma)

static int kdb_init(int stage)
{
	print_on_level(KDB_LOG_INFO, "kdbusfs: plugin loaded (stage %d)\n",
		       stage);
	return 0;
}

/*
 * Closing the checkpoint files thaws every connection they froze. criu
 * calls this before it kills (or resumes) the dumped tree: after a
 * failed dump thaw now, the tree runs on; after a successful one leave
 * them to criu's exit, after the kill, so that no message is queued to
 * a connection whose dump is already written.
 */
static void kdb_exit(int stage, int ret)
{
	if (stage == CR_PLUGIN_STAGE__DUMP && !ret)
		return;
	while (kdb_n_chk > 0)
		close(kdb_chk[--kdb_n_chk].fd);
}

CR_PLUGIN_REGISTER("kdbusfs", kdb_init, kdb_exit)
