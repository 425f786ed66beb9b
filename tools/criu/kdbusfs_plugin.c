// SPDX-License-Identifier: GPL-2.0
/*
 * kdbusfs_plugin.so: the kdbusfs plugin for criu 3.17.1, as Debian ships it.
 *
 * kdbusfs names its files "kdbusfs:[BUS/ENDPOINT]" and "kdbusfs:[control]"
 * in /proc/PID/fd, so criu's dump_one_file() hands each to DUMP_EXT_FILE,
 * and maps a pool through its bus directory, which criu hands to
 * HANDLE_DEVICE_VMA. This plugin
 *   - dumps a connection with the kernel's checkpoint file (CONN_DUMP,
 *     frozen until the dump ends), the busy slices of its pool and the
 *     files its queued messages carry (CONN_DUMP_FILES): a memfd by its
 *     name, seals, mode and contents, a regular file by its path, open
 *     flags and position; it restores it with CONN_RESTORE on its
 *     endpoint file opened again, with those files made again
 *     (KDBUS_ITEM_DUMP_FILES), waiting up to 10 s for its bus if the bus
 *     owner's file, restored by another task, has not made it yet;
 *   - leaves replies pending between the connection and its peers, and
 *     its match rules, in the dump as they are: the kernel makes each
 *     reply again when the second of its two connections is restored,
 *     and adds the rules again;
 *   - dumps a bus owner's control file with BUS_DUMP and makes the bus
 *     again at restore with BUS_RESTORE: the same name, parameters, id
 *     and id128, which the kernel lets a bus take only once the original
 *     is gone (so after "criu dump --leave-running" a restore fails while
 *     the original runs);
 *   - dumps a custom endpoint's owner file with ENDPOINT_DUMP and makes
 *     the endpoint again at restore with ENDPOINT_RESTORE, on the bus's
 *     "bus" file opened again: the same name, mode, maker and policy;
 *     connections through it wait for it as for their bus;
 *   - finds a file's mount point in criu's mount namespace or in that of
 *     the dumped tree, for a kdbusfs mount of the tree's own, which criu
 *     mounts again as a new domain with "--enable-fs kdbusfs"; for such a
 *     tree it opens the checkpoint file from a helper in the tree's
 *     namespaces, so that the dump's ids and pids are those the restore
 *     sees from inside, and it reads its images in criu's process before
 *     the restored tasks, whose root may be an unprivileged user outside,
 *     open their files;
 *   - maps a restored pool through the restored connection's file
 *     (UPDATE_VMA_MAP).
 * It refuses, with one line in criu's log, what restore cannot do: a
 * file in flight that is neither a memfd nor a regular file with a path
 * (a pipe, a socket, a device, a directory, an anonymous inode, a deleted
 * file), memfds in flight of more than 64 MiB in all per connection,
 * and files not used yet. criu then fails the dump and the tree runs on.
 * Activators, policy holders and monitors are dumped and restored as any
 * connection: the kernel's dump carries their role and policy.
 *
 * The image of a file, kdbusfs-ID.img in criu's image directory, version
 * 3, in the host's byte order:
 *   struct kdb_img, the header;
 *   dump_size bytes: the dump as KDBUS_CMD_CONN_DUMP or KDBUS_CMD_BUS_DUMP
 *     wrote it, passed to CONN_RESTORE or BUS_RESTORE untouched, items
 *     unknown here too;
 *   the bytes of each KDBUS_ITEM_DUMP_SLICE, in the dump's order;
 *   files_size bytes: n_files records, one per file in flight, grouped by
 *     message in dump order, each message's in CONN_DUMP_FILES order: a
 *     struct kdb_img_file, name_size bytes of its name (NUL-terminated;
 *     the memfd's "/memfd:NAME (deleted)" link or the file's path), then
 *     data_size bytes of a memfd's contents, each padded to 8 bytes.
 * A bus owner's image, and an endpoint owner's (role 3, the custom
 * endpoint's name in endpoint), is the header and its dump.
 */

#define _GNU_SOURCE
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
#include <time.h>
#include <unistd.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <linux/kdbus.h>
#include <linux/magic.h>

#include <criu/criu-plugin.h>

#include "kdbusfs_plugin.h"

/* the fdinfo keys this plugin reads (Documentation/filesystems/kdbusfs.rst) */
struct kdb_fdinfo {
	char role[32];
	char file[32];
	char bus[256];
	char endpoint[256];
	char custom[256];
	char id[32];
	char connected[8];
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
		kdb_take(line, v, "kdbus-custom-endpoint", fi->custom,
			 sizeof(fi->custom));
		kdb_take(line, v, "kdbus-id", fi->id, sizeof(fi->id));
		kdb_take(line, v, "kdbus-connected", fi->connected,
			 sizeof(fi->connected));
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
#define KDB_IMG_VERSION	3
#define KDB_ROLE_CONN	1
#define KDB_ROLE_BUS	2
#define KDB_ROLE_EP	3	/* made a custom endpoint, @endpoint */

struct kdb_img {
	uint32_t magic;
	uint32_t version;
	uint32_t role;
	uint32_t pad;
	uint64_t dump_size;	/* bytes of dump after the header */
	uint64_t pool_size;	/* the slices' bytes follow the dump */
	char mount[256];	/* the kdbusfs mount point */
	char bus[256];		/* bus directory, relative to it */
	char endpoint[256];	/* endpoint file, relative to the bus */
	uint64_t files_size;	/* bytes of file records after the slices */
	uint64_t n_files;	/* file records */
};

/* a file in flight, in an image after the slices */
#define KDB_FILE_MEMFD	1
#define KDB_FILE_REG	2

struct kdb_img_file {
	uint64_t msg_offset;	/* its message's, as in KDBUS_ITEM_DUMP_MESSAGE */
	uint32_t kind;		/* KDB_FILE_* */
	uint32_t flags;		/* REG: open flags, F_GETFL */
	uint64_t pos;		/* REG: file position */
	uint32_t seals;		/* MEMFD: F_GET_SEALS */
	uint32_t mode;		/* MEMFD: permission bits */
	uint64_t name_size;	/* bytes of name that follow, NUL included */
	uint64_t data_size;	/* MEMFD: bytes of contents after the name */
};

/* what one image may carry in memfd contents, and files per message */
#define KDB_MAX_MEMFD_BYTES	(64ULL << 20)
#define KDB_MAX_MSG_FILES	(253 + 16)	/* MSG_MAX_FDS + MAX_MEMFD_ITEMS */

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

/* the mount point of mount @want in the mountinfo file @path */
static int kdb_mount_point_in(const char *path, unsigned int want, char *buf,
			      size_t size)
{
	char line[4096], point[4096];
	unsigned int id;
	int ret = -ENOENT;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%u %*u %*s %*s %4095s", &id, point) != 2)
			continue;
		if (id == want) {
			ret = strlen(point) < size ? 0 : -ENAMETOOLONG;
			if (!ret)
				memcpy(buf, point, strlen(point) + 1);
			break;
		}
	}
	fclose(f);
	return ret;
}

/* the task the last mount point was found in, 0 for criu's namespace */
static pid_t kdb_view_pid;

/* whether task @pid is ptraced by this process (criu seizes the tree) */
static bool kdb_traced_by_us(const char *pid)
{
	char path[300], line[256];
	bool ret = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/status", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "TracerPid:", 10)) {
			ret = atoi(line + 10) == getpid();
			break;
		}
	fclose(f);
	return ret;
}

/*
 * The mount point of mount @mnt_id: in criu's mount namespace or, for a
 * mount of the dumped tree's own namespace, in that of a task that has it
 * (mount ids are unique across namespaces; the path is the task's).
 */
static int kdb_mount_point(const char *mnt_id, char *buf, size_t size)
{
	unsigned int want = strtoul(mnt_id, NULL, 10);
	struct dirent *de;
	char path[300], *found;
	int ret;
	DIR *d;

	kdb_view_pid = 0;
	ret = kdb_mount_point_in("/proc/self/mountinfo", want, buf, size);
	if (ret != -ENOENT)
		return ret;
	found = malloc(size);
	if (!found)
		return -ENOMEM;
	d = opendir("/proc");
	if (!d) {
		free(found);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/mountinfo", de->d_name);
		ret = kdb_mount_point_in(path, want, buf, size);
		if (!ret) {
			/* a task of the dumped tree: seized by criu (us) */
			if (kdb_traced_by_us(de->d_name)) {
				memcpy(found, buf, size);
				kdb_view_pid = atoi(de->d_name);
				break;
			}
			if (!kdb_view_pid) {
				memcpy(found, buf, size);
				kdb_view_pid = atoi(de->d_name);
			}
		} else if (ret != -ENOENT && ret != -EACCES) {
			break;
		}
		ret = -ENOENT;
	}
	closedir(d);
	if (kdb_view_pid) {
		memcpy(buf, found, size);
		ret = 0;
	}
	free(found);
	return ret;
}

/*
 * KDBUS_CMD_CHECKPOINT on @fd made by a grandchild in the namespaces of
 * task @pid (user last, then forked into its pid namespace): the
 * checkpoint file's view, which the ids and pids of every dump go by, is
 * then the dumped tree's own, the view its restore has from inside.  The
 * checkpoint fd or -errno.  SIGCHLD stays blocked (and the helper's is
 * taken back) so that compel's handler does not see the helper die.
 */
static int kdb_checkpoint_in_ns(int fd, pid_t pid)
{
	static const char *const nss[] = { "cgroup", "pid", "mnt", "user" };
	int nsfd[4] = { -1, -1, -1, -1 }, sk[2], st, i, ret = 0, got = -1;
	char path[64], cbuf[CMSG_SPACE(sizeof(int))];
	struct timespec zero = { 0, 0 };
	struct stat a, b;
	sigset_t set, old;
	struct iovec iov;
	struct msghdr mh;
	pid_t c;

	for (i = 0; i < 4 && !ret; i++) {
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, nss[i]);
		if (stat(path, &a))
			ret = -errno;
		snprintf(path, sizeof(path), "/proc/self/ns/%s", nss[i]);
		if (!ret && stat(path, &b))
			ret = -errno;
		if (ret || a.st_ino == b.st_ino)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, nss[i]);
		nsfd[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (nsfd[i] < 0)
			ret = -errno;
	}
	if (!ret && socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sk))
		ret = -errno;
	if (ret)
		goto out;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &old);
	c = fork();
	if (c == 0) {
		struct kdbus_cmd_checkpoint cmd;
		pid_t g;

		for (i = 0; i < 4; i++)
			if (nsfd[i] >= 0 && setns(nsfd[i], 0))
				_exit(10 + i);
		g = fork();
		if (g < 0)
			_exit(20);
		if (g > 0)
			_exit(waitpid(g, &st, 0) == g && WIFEXITED(st) ?
			      WEXITSTATUS(st) : 21);
		memset(&cmd, 0, sizeof(cmd));
		cmd.size = sizeof(cmd);
		ret = ioctl(fd, KDBUS_CMD_CHECKPOINT, &cmd) ? -errno : 0;
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = &ret;
		iov.iov_len = sizeof(ret);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		if (!ret) {
			struct cmsghdr *cm;

			mh.msg_control = cbuf;
			mh.msg_controllen = sizeof(cbuf);
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cm), &cmd.fd, sizeof(int));
		}
		_exit(sendmsg(sk[1], &mh, 0) < 0 ? 22 : 0);
	}
	close(sk[1]);
	if (c < 0) {
		ret = -errno;
	} else {
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = &ret;
		iov.iov_len = sizeof(ret);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		while (waitpid(c, &st, __WALL) < 0 && errno == EINTR)
			;
		if (recvmsg(sk[0], &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) !=
		    sizeof(ret)) {
			ret = WIFEXITED(st) && WEXITSTATUS(st) ? -ECHILD : -EIO;
			print_on_level(KDB_LOG_ERROR,
				       "kdbusfs: checkpoint helper in the namespaces of %d failed (status %#x)\n",
				       pid, st);
		} else if (!ret) {
			struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

			if (cm && cm->cmsg_type == SCM_RIGHTS)
				memcpy(&got, CMSG_DATA(cm), sizeof(int));
			ret = got >= 0 ? got : -EIO;
		}
		print_on_level(KDB_LOG_INFO,
			       "kdbusfs: KDBUS_CMD_CHECKPOINT in the namespaces of task %d: %d\n",
			       pid, ret);
		sigtimedwait(&set, NULL, &zero);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(sk[0]);
out:
	for (i = 0; i < 4; i++)
		if (nsfd[i] >= 0)
			close(nsfd[i]);
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
	if (kdb_view_pid > 0) {
		int r = kdb_checkpoint_in_ns(fd, kdb_view_pid);

		if (r < 0)
			return r;
		cmd.fd = r;
	} else if (ioctl(fd, KDBUS_CMD_CHECKPOINT, &cmd)) {
		return -errno;
	}
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

/*
 * Why restore could not make this dump again, or NULL. Queued messages'
 * files are saved (kdb_save_files()), and replies pending between the
 * connection and a peer are made again by the kernel when both are back.
 */
static const char *kdb_unsupported(const void *dump, size_t size,
				   uint64_t *pool_size)
{
	const struct kdbus_dump_conn *c;
	struct kdbus_item *it;

	*pool_size = 0;
	for (it = kdb_item(dump, size, NULL); it;
	     it = kdb_item(dump, size, it)) {
		if (it->type != KDBUS_ITEM_DUMP_CONN)
			continue;
		c = (const void *)it->data;
		*pool_size = c->pool_size;
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

/* what kind of file @fd is, for a refusal: it is no memfd nor path */
static const char *kdb_file_kind(const struct stat *st, const char *link)
{
	if (S_ISFIFO(st->st_mode))
		return "a pipe or FIFO";
	if (S_ISSOCK(st->st_mode))
		return "a socket";
	if (S_ISCHR(st->st_mode))
		return "a character device";
	if (S_ISBLK(st->st_mode))
		return "a block device";
	if (S_ISDIR(st->st_mode))
		return "a directory";
	if (!strncmp(link, "anon_inode:", 11))
		return "an anonymous inode";
	if (S_ISREG(st->st_mode) && link[0] == '/')
		return "a deleted file";
	return "a file without a path";
}

static int kdb_pad(int fd, uint64_t size)
{
	static const uint8_t zero[8];

	return size % 8 ? kdb_write_all(fd, zero, 8 - size % 8) : 0;
}

/* @fd's contents, @size bytes from offset 0, into the image @img_fd */
static int kdb_copy_memfd(int img_fd, int fd, uint64_t size)
{
	uint8_t buf[65536];
	uint64_t pos = 0;
	ssize_t n;
	int ret;

	while (pos < size) {
		n = pread(fd, buf, size - pos < sizeof(buf) ?
			  size - pos : sizeof(buf), pos);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		ret = kdb_write_all(img_fd, buf, n);
		if (ret)
			return ret;
		pos += n;
	}
	return 0;
}

/* where a dump of a connection is written: for its log lines */
struct kdb_dumping {
	const char *link;	/* the connection's fd link */
	int id;			/* criu's file id */
	int img_fd;		/* its image, open for writing */
	uint64_t memfd_bytes;	/* of memfds saved so far */
	struct kdb_img *img;
};

/* save the file @fd of the message at @off: 0, -EPERM (refused), -errno */
static int kdb_save_file(struct kdb_dumping *d, uint64_t off, int fd)
{
	char path[64], link[4096];
	struct kdb_img_file f;
	struct statfs sfs;
	struct stat st;
	bool deleted;
	ssize_t n;
	int ret, v;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = '\0';
	if (fstat(fd, &st) || fstatfs(fd, &sfs))
		return -errno;
	deleted = n > 10 && !strcmp(link + n - 10, " (deleted)");

	memset(&f, 0, sizeof(f));
	f.msg_offset = off;
	f.name_size = n + 1;
	if (S_ISREG(st.st_mode) && !strncmp(link, "/memfd:", 7) &&
	    (sfs.f_type == TMPFS_MAGIC || sfs.f_type == HUGETLBFS_MAGIC)) {
		v = fcntl(fd, F_GET_SEALS);
		if (v < 0)
			return -errno;
		f.kind = KDB_FILE_MEMFD;
		f.seals = v;
		f.mode = st.st_mode & 07777;
		f.data_size = st.st_size;
		if (f.data_size > KDB_MAX_MEMFD_BYTES - d->memfd_bytes) {
			print_on_level(KDB_LOG_ERROR,
				       "kdbusfs: cannot dump %s (file id %#x): the memfds its queued messages carry hold more than %llu bytes in all\n",
				       d->link, d->id,
				       (unsigned long long)KDB_MAX_MEMFD_BYTES);
			return -EPERM;
		}
		d->memfd_bytes += f.data_size;
	} else if (S_ISREG(st.st_mode) && link[0] == '/' &&
		   !(deleted && !st.st_nlink)) {
		v = fcntl(fd, F_GETFL);
		if (v < 0)
			return -errno;
		f.kind = KDB_FILE_REG;
		f.flags = v;
		f.pos = lseek(fd, 0, SEEK_CUR);
		if (f.pos == (uint64_t)-1)
			return -errno;
	} else {
		print_on_level(KDB_LOG_ERROR,
			       "kdbusfs: cannot dump %s (file id %#x): the message queued at offset %llu carries %s (%s), which the plugin cannot save\n",
			       d->link, d->id, (unsigned long long)off,
			       kdb_file_kind(&st, link), link);
		return -EPERM;
	}

	ret = kdb_write_all(d->img_fd, &f, sizeof(f));
	if (!ret)
		ret = kdb_write_all(d->img_fd, link, f.name_size);
	if (!ret)
		ret = kdb_pad(d->img_fd, f.name_size);
	if (!ret && f.data_size)
		ret = kdb_copy_memfd(d->img_fd, fd, f.data_size);
	if (!ret)
		ret = kdb_pad(d->img_fd, f.data_size);
	if (!ret) {
		d->img->n_files++;
		d->img->files_size += sizeof(f) + KDBUS_ALIGN8(f.name_size) +
				      KDBUS_ALIGN8(f.data_size);
	}
	return ret;
}

/*
 * The files of every queued message that carries some: CONN_DUMP_FILES
 * installs them into criu's table, they are saved, then closed again.
 */
static int kdb_save_files(struct kdb_dumping *d, int chk, int conn_fd,
			  const void *dump)
{
	const struct kdbus_dump_message *m;
	struct kdbus_cmd_dump_files cmd;
	int32_t fds[KDB_MAX_MSG_FILES];
	struct kdbus_item *it;
	uint64_t i;
	int ret = 0;

	for (it = kdb_item(dump, d->img->dump_size, NULL); it && !ret;
	     it = kdb_item(dump, d->img->dump_size, it)) {
		if (it->type != KDBUS_ITEM_DUMP_MESSAGE)
			continue;
		m = (const void *)it->data;
		if (!m->n_fds && !m->n_memfds)
			continue;
		memset(&cmd, 0, sizeof(cmd));
		cmd.size = sizeof(cmd);
		cmd.conn_fd = conn_fd;
		cmd.offset = m->offset;
		cmd.fds = (uintptr_t)fds;
		cmd.n_fds = KDB_MAX_MSG_FILES;
		if (ioctl(chk, KDBUS_CMD_CONN_DUMP_FILES, &cmd)) {
			ret = -errno;
			print_on_level(KDB_LOG_ERROR,
				       "kdbusfs: cannot dump %s (file id %#x): KDBUS_CMD_CONN_DUMP_FILES at offset %llu: %s\n",
				       d->link, d->id,
				       (unsigned long long)m->offset,
				       strerror(-ret));
			return -EPERM;
		}
		if (cmd.n_fds != m->n_fds + m->n_memfds)
			ret = -EIO;
		for (i = 0; i < cmd.n_fds; i++) {
			if (!ret)
				ret = kdb_save_file(d, m->offset, fds[i]);
			close(fds[i]);
		}
	}
	return ret;
}

static int kdb_write_img(int id, struct kdb_img *img, const void *dump,
			 const uint8_t *pool, int chk, int conn_fd,
			 const char *link)
{
	struct kdb_dumping d = { .link = link, .id = id, .img = img };
	const struct kdbus_dump_slice *s;
	struct kdbus_item *it;
	char name[64];
	int fd, ret;

	snprintf(name, sizeof(name), "kdbusfs-%d.img", id);
	fd = openat(criu_get_image_dir(), name,
		    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	d.img_fd = fd;
	img->files_size = 0;
	img->n_files = 0;
	/* the header again at the end, once the files are counted */
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
		if (!ret)
			ret = kdb_save_files(&d, chk, conn_fd, dump);
		if (!ret && pwrite(fd, img, sizeof(*img), 0) != sizeof(*img))
			ret = -EIO;
	}
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && img->n_files)
		print_on_level(KDB_LOG_INFO,
			       "kdbusfs: saved %llu files in flight of %s (file id %#x), %llu bytes of memfds\n",
			       (unsigned long long)img->n_files, link, id,
			       (unsigned long long)d.memfd_bytes);
	return ret;
}

/* the replies the dump carries, for criu's log: the kernel remakes them */
static void kdb_log_replies(const void *dump, size_t size, int id,
			    const char *link)
{
	const struct kdbus_dump_reply *r;
	unsigned int owed = 0, awaited = 0, sync = 0;
	struct kdbus_item *it;

	for (it = kdb_item(dump, size, NULL); it;
	     it = kdb_item(dump, size, it)) {
		if (it->type != KDBUS_ITEM_DUMP_REPLY)
			continue;
		r = (const void *)it->data;
		if (r->flags & KDBUS_DUMP_REPLY_OWED)
			owed++;
		else
			awaited++;
		if (r->flags & KDBUS_DUMP_REPLY_SYNC)
			sync++;
	}
	if (owed || awaited)
		print_on_level(KDB_LOG_INFO,
			       "kdbusfs: %s (file id %#x) has replies pending: %u owed, %u awaited, %u synchronous\n",
			       link, id, owed, awaited, sync);
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
	ret = kdb_write_img(id, img, dump, pool, chk, fd, link);
	munmap(pool, img->pool_size);
	if (!ret)
		kdb_log_replies(dump, size, id, link);
	free(dump);
	return ret;
}

/* a bus owner's control file: the bus as BUS_DUMP writes it */
static int kdb_dump_bus(int fd, int id, const char *link, struct kdb_img *img)
{
	struct kdbus_cmd_dump cmd;
	uint64_t buf[1024];
	int chk;

	chk = kdb_checkpoint_fd(fd);
	if (chk < 0) {
		print_on_level(KDB_LOG_ERROR,
			       "kdbusfs: cannot dump %s (file id %#x): KDBUS_CMD_CHECKPOINT: %s\n",
			       link, id, strerror(-chk));
		return chk;
	}
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.conn_fd = fd;
	cmd.buffer = (uintptr_t)buf;
	cmd.buffer_size = sizeof(buf);
	if (ioctl(chk, KDBUS_CMD_BUS_DUMP, &cmd)) {
		print_on_level(KDB_LOG_ERROR,
			       "kdbusfs: cannot dump %s (file id %#x): KDBUS_CMD_BUS_DUMP: %s\n",
			       link, id, strerror(errno));
		return -errno;
	}
	img->dump_size = cmd.dump_size;
	return kdb_write_img(id, img, buf, NULL, -1, -1, link);
}

/* an endpoint owner's file: the custom endpoint as ENDPOINT_DUMP writes it */
static int kdb_dump_ep(int fd, int id, const char *link, struct kdb_img *img)
{
	struct kdbus_cmd_dump cmd;
	uint64_t *buf;
	int chk, ret;

	chk = kdb_checkpoint_fd(fd);
	if (chk < 0) {
		print_on_level(KDB_LOG_ERROR,
			       "kdbusfs: cannot dump %s (file id %#x): KDBUS_CMD_CHECKPOINT: %s\n",
			       link, id, strerror(-chk));
		return chk;
	}
	/* what the kernel takes back: KDBUS_BUS_DUMP_MAX_SIZE */
	buf = malloc(64 * 1024);
	if (!buf)
		return -ENOMEM;
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.conn_fd = fd;
	cmd.buffer = (uintptr_t)buf;
	cmd.buffer_size = 64 * 1024;
	if (ioctl(chk, KDBUS_CMD_ENDPOINT_DUMP, &cmd)) {
		ret = -errno;
		print_on_level(KDB_LOG_ERROR,
			       "kdbusfs: cannot dump %s (file id %#x): KDBUS_CMD_ENDPOINT_DUMP: %s\n",
			       link, id, strerror(-ret));
		free(buf);
		return ret;
	}
	img->dump_size = cmd.dump_size;
	ret = kdb_write_img(id, img, buf, NULL, -1, -1, link);
	free(buf);
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
	if (strcmp(fi.role, "connection") && strcmp(fi.role, "bus-owner") &&
	    strcmp(fi.role, "endpoint-owner")) {
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
		img.role = KDB_ROLE_BUS;
		ret = kdb_dump_bus(fd, id, link, &img);
	} else if (!strcmp(fi.role, "endpoint-owner")) {
		img.role = KDB_ROLE_EP;
		snprintf(img.endpoint, sizeof(img.endpoint), "%s", fi.custom);
		ret = kdb_dump_ep(fd, id, link, &img);
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

/*
 * BUS_RESTORE on a new MOUNT/control: the bus again, with its id, id128
 * and creator; the control file or -errno.
 */
static int kdb_bus_restore(const struct kdb_img *img, const void *dump)
{
	struct kdbus_cmd_bus_restore cmd;
	struct kdbus_cmd_checkpoint chk;
	char path[512];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/control", img->mount);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&chk, 0, sizeof(chk));
	chk.size = sizeof(chk);
	if (ioctl(fd, KDBUS_CMD_CHECKPOINT, &chk)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.control_fd = fd;
	cmd.dump = (uintptr_t)dump;
	cmd.dump_size = img->dump_size;
	if (ioctl(chk.fd, KDBUS_CMD_BUS_RESTORE, &cmd))
		ret = -errno;
	close(chk.fd);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

static int kdb_open_endpoint(const struct kdb_img *img, const char *path);

/*
 * ENDPOINT_RESTORE on a new MOUNT/BUS/bus: the custom endpoint again, with
 * its name, mode, maker and policy; the file that owns it or -errno.
 */
static int kdb_ep_restore(const struct kdb_img *img, const void *dump)
{
	struct kdbus_cmd_ep_restore cmd;
	struct kdbus_cmd_checkpoint chk;
	char path[1024];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s/bus", img->mount, img->bus);
	fd = kdb_open_endpoint(img, path);
	if (fd < 0)
		return fd;
	memset(&chk, 0, sizeof(chk));
	chk.size = sizeof(chk);
	if (ioctl(fd, KDBUS_CMD_CHECKPOINT, &chk)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.ep_fd = fd;
	cmd.dump = (uintptr_t)dump;
	cmd.dump_size = img->dump_size;
	if (ioctl(chk.fd, KDBUS_CMD_ENDPOINT_RESTORE, &cmd))
		ret = -errno;
	close(chk.fd);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

/* a memfd made again from its record @f, name @name, contents @data */
static int kdb_make_memfd(const struct kdb_img_file *f, const char *name,
			  const uint8_t *data)
{
	char mname[250];
	size_t len;
	uint64_t pos = 0;
	ssize_t n;
	int fd, ret = 0;

	/* "/memfd:NAME (deleted)": memfd_create() takes NAME, 249 bytes */
	if (!strncmp(name, "/memfd:", 7))
		name += 7;
	snprintf(mname, sizeof(mname), "%s", name);
	len = strlen(mname);
	if (len >= 10 && !strcmp(mname + len - 10, " (deleted)"))
		mname[len - 10] = '\0';
	fd = memfd_create(mname, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, f->data_size))
		ret = -errno;
	while (!ret && pos < f->data_size) {
		n = pwrite(fd, data + pos, f->data_size - pos, pos);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			ret = n < 0 ? -errno : -EIO;
		else
			pos += n;
	}
	if (!ret && fchmod(fd, f->mode))
		ret = -errno;
	if (!ret && f->seals && fcntl(fd, F_ADD_SEALS, f->seals))
		ret = -errno;
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

/* a regular file opened again by its path @name, at its position */
static int kdb_open_reg(const struct kdb_img_file *f, const char *name)
{
	int fd, ret;

	fd = open(name, (f->flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY)) |
		  O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (lseek(fd, f->pos, SEEK_SET) == (off_t)-1) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

/* the files in flight of an image, made again, and their DUMP_FILES items */
struct kdb_files {
	int *fds;
	size_t n;		/* fds made */
	uint64_t *items;	/* KDBUS_ITEM_DUMP_FILES, one per message */
	size_t items_size;
};

static void kdb_files_free(struct kdb_files *fl)
{
	while (fl->n)
		close(fl->fds[--fl->n]);
	free(fl->fds);
	free(fl->items);
}

/*
 * The @n records of @size bytes at @p made into files; the kernel takes
 * its own references at CONN_RESTORE, so they are closed after it. The
 * records of one message are next to each other: one item each.
 */
static int kdb_files_make(struct kdb_files *fl, const uint8_t *p,
			  uint64_t size, uint64_t n, const char **what)
{
	struct kdb_img_file f;
	struct kdbus_dump_files *df = NULL;
	struct kdbus_item *it = NULL;
	const char *name;
	uint64_t rec;
	uint8_t *q;
	int fd;

	memset(fl, 0, sizeof(*fl));
	*what = "-";
	if (n > size / sizeof(f))
		return -EINVAL;
	fl->fds = calloc(n ? n : 1, sizeof(int));
	/* an item per file at most: header, offset and one fd, aligned */
	fl->items = calloc(n ? n : 1, KDBUS_ITEM_SIZE(sizeof(*df) + 4));
	if (!fl->fds || !fl->items)
		return -ENOMEM;
	q = (uint8_t *)fl->items;
	while (fl->n < n) {
		if (size < sizeof(f))
			return -EINVAL;
		memcpy(&f, p, sizeof(f));
		if (f.name_size < 2 || f.name_size > 4096 ||
		    f.data_size > KDB_MAX_MEMFD_BYTES)
			return -EINVAL;
		rec = sizeof(f) + KDBUS_ALIGN8(f.name_size) +
		      KDBUS_ALIGN8(f.data_size);
		if (rec > size)
			return -EINVAL;
		name = (const char *)p + sizeof(f);
		if (name[f.name_size - 1])
			return -EINVAL;
		*what = name;
		if (f.kind == KDB_FILE_MEMFD)
			fd = kdb_make_memfd(&f, name, p + sizeof(f) +
					    KDBUS_ALIGN8(f.name_size));
		else if (f.kind == KDB_FILE_REG && !f.data_size)
			fd = kdb_open_reg(&f, name);
		else
			fd = -EINVAL;
		if (fd < 0)
			return fd;
		fl->fds[fl->n++] = fd;

		if (!it || df->offset != f.msg_offset) {
			if (it)
				q += KDBUS_ALIGN8(it->size);
			it = (void *)q;
			it->type = KDBUS_ITEM_DUMP_FILES;
			it->size = KDBUS_ITEM_HEADER_SIZE + sizeof(*df);
			df = (void *)it->data;
			df->offset = f.msg_offset;
		}
		df->fds[(it->size - KDBUS_ITEM_HEADER_SIZE - sizeof(*df)) /
			sizeof(int32_t)] = fd;
		it->size += sizeof(int32_t);
		p += rec;
		size -= rec;
	}
	if (it)
		q += KDBUS_ALIGN8(it->size);
	fl->items_size = q - (uint8_t *)fl->items;
	*what = "-";
	return size ? -EINVAL : 0;
}

/*
 * The images, read at restore in criu's own process (kdb_init()): a
 * restored task in a user namespace of its own opens its files as its
 * root, an unprivileged uid outside, which cannot read criu's 0600 images.
 */
struct kdb_pre {
	char name[64];
	void *data;
	size_t size;
};

static struct kdb_pre *kdb_pre;
static int kdb_n_pre;

static void kdb_preload(void)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int dfd, fd;

	dfd = openat(criu_get_image_dir(), ".", O_RDONLY | O_DIRECTORY |
		     O_CLOEXEC);
	if (dfd < 0)
		return;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return;
	}
	while ((de = readdir(d))) {
		struct kdb_pre *np, *e;

		if (strncmp(de->d_name, "kdbusfs-", 8) ||
		    strlen(de->d_name) >= sizeof(e->name))
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		np = realloc(kdb_pre, (kdb_n_pre + 1) * sizeof(*np));
		if (!np || fstat(fd, &st)) {
			if (np)
				kdb_pre = np;
			close(fd);
			continue;
		}
		kdb_pre = np;
		e = &kdb_pre[kdb_n_pre];
		snprintf(e->name, sizeof(e->name), "%s", de->d_name);
		e->size = st.st_size;
		e->data = malloc(e->size + 1);
		if (e->data && !kdb_read_all(fd, e->data, e->size))
			kdb_n_pre++;
		else
			free(e->data);
		close(fd);
	}
	closedir(d);
}

/* image @name for reading: a memfd of its preloaded bytes, or the file */
static int kdb_open_img(const char *name)
{
	int i, fd;

	for (i = 0; i < kdb_n_pre; i++) {
		if (strcmp(kdb_pre[i].name, name))
			continue;
		fd = memfd_create("kdbusfs-img", MFD_CLOEXEC);
		if (fd < 0)
			return -1;
		if (write(fd, kdb_pre[i].data, kdb_pre[i].size) !=
		    (ssize_t)kdb_pre[i].size || lseek(fd, 0, SEEK_SET)) {
			close(fd);
			errno = EIO;
			return -1;
		}
		return fd;
	}
	return openat(criu_get_image_dir(), name, O_RDONLY | O_CLOEXEC);
}

/*
 * Whether the image directory holds the image of @img's bus's owner:
 * criu restores the files of each task in that task, all tasks at once
 * (criu/files.c:prepare_fds() in each task's CR_STATE_RESTORE), so the
 * bus owner's control file may be made after this connection is opened.
 */
/*
 * Whether @b is the image of the owner of @img's bus or, for a connection
 * through a custom endpoint, of that endpoint: criu makes it meanwhile.
 */
static bool kdb_is_owner_of(const struct kdb_img *b, const struct kdb_img *img)
{
	if (b->magic != KDB_IMG_MAGIC || b->version != KDB_IMG_VERSION ||
	    strncmp(b->mount, img->mount, sizeof(b->mount)) ||
	    strncmp(b->bus, img->bus, sizeof(b->bus)))
		return false;
	return b->role == KDB_ROLE_BUS ||
	       (b->role == KDB_ROLE_EP && img->role == KDB_ROLE_CONN &&
		!strncmp(b->endpoint, img->endpoint, sizeof(b->endpoint)));
}

static bool kdb_bus_owner_dumped(const struct kdb_img *img)
{
	struct kdb_img b;
	struct dirent *de;
	bool found = false;
	DIR *d;
	int fd, i;

	/* read in criu's process: the image directory may be out of reach */
	for (i = 0; i < kdb_n_pre; i++)
		if (kdb_pre[i].size >= sizeof(b) &&
		    kdb_is_owner_of(kdb_pre[i].data, img))
			return true;
	if (kdb_n_pre)
		return false;
	fd = openat(criu_get_image_dir(), ".", O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC);
	if (fd < 0)
		return false;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return false;
	}
	while (!found && (de = readdir(d))) {
		if (strncmp(de->d_name, "kdbusfs-", 8))
			continue;
		fd = kdb_open_img(de->d_name);
		if (fd < 0)
			continue;
		if (!kdb_read_all(fd, &b, sizeof(b)) && kdb_is_owner_of(&b, img))
			found = true;
		close(fd);
	}
	closedir(d);
	return found;
}

#define KDB_BUS_WAIT_MS		10000
#define KDB_BUS_POLL_MS		20

/* open @path, the endpoint; wait for its bus if criu makes it meanwhile */
static int kdb_open_endpoint(const struct kdb_img *img, const char *path)
{
	struct timespec ts = { 0, KDB_BUS_POLL_MS * 1000000L };
	int fd, waited = 0;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0 || errno != ENOENT || !kdb_bus_owner_dumped(img))
		return fd < 0 ? -errno : fd;
	while (fd < 0 && errno == ENOENT && waited < KDB_BUS_WAIT_MS) {
		nanosleep(&ts, NULL);
		waited += KDB_BUS_POLL_MS;
		fd = open(path, O_RDWR | O_CLOEXEC);
	}
	if (fd < 0)
		return -errno;
	print_on_level(KDB_LOG_INFO,
		       "kdbusfs: %s appeared after %d ms\n", path, waited);
	return fd;
}

/* the endpoint file opened again and CONN_RESTORE'd: its fd or -errno */
static int kdb_conn_restore(const struct kdb_img *img, const void *dump,
			    const uint8_t *slices, size_t n_slices,
			    const struct kdb_files *fl)
{
	struct kdbus_cmd_checkpoint chk;
	struct kdbus_cmd_restore *cmd;
	const struct kdbus_dump_slice *s;
	struct kdbus_item *it;
	char path[1024];
	uint8_t *pool;
	int fd = -1, ret = 0;

	cmd = calloc(1, sizeof(*cmd) + fl->items_size);
	if (!cmd)
		return -ENOMEM;
	pool = mmap(NULL, img->pool_size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pool == MAP_FAILED) {
		free(cmd);
		return -errno;
	}
	for (it = kdb_item(dump, img->dump_size, NULL); it;
	     it = kdb_item(dump, img->dump_size, it)) {
		if (it->type != KDBUS_ITEM_DUMP_SLICE)
			continue;
		s = (const void *)it->data;
		if (s->offset > img->pool_size ||
		    s->size > img->pool_size - s->offset || s->size > n_slices) {
			ret = -EINVAL;
			goto out;
		}
		memcpy(pool + s->offset, slices, s->size);
		slices += s->size;
		n_slices -= s->size;
	}

	snprintf(path, sizeof(path), "%s/%s/%s", img->mount, img->bus,
		 img->endpoint);
	fd = kdb_open_endpoint(img, path);
	if (fd < 0) {
		ret = fd;
		goto out;
	}
	memset(&chk, 0, sizeof(chk));
	chk.size = sizeof(chk);
	if (ioctl(fd, KDBUS_CMD_CHECKPOINT, &chk)) {
		ret = -errno;
		goto out;
	}
	cmd->size = sizeof(*cmd) + fl->items_size;
	cmd->ep_fd = fd;
	cmd->dump = (uintptr_t)dump;
	cmd->dump_size = img->dump_size;
	cmd->pool = (uintptr_t)pool;
	cmd->pool_size = img->pool_size;
	memcpy(cmd->items, fl->items, fl->items_size);
	if (ioctl(chk.fd, KDBUS_CMD_CONN_RESTORE, cmd))
		ret = -errno;
	close(chk.fd);
out:
	munmap(pool, img->pool_size);
	free(cmd);
	if (ret && fd >= 0)
		close(fd);
	return ret ? ret : fd;
}

static int kdb_restore_file(int id)
{
	struct kdb_files fl = { 0 };
	const char *what = "-";
	struct kdb_img img;
	uint8_t *rest = NULL;
	char name[64];
	struct stat st;
	size_t size = 0;
	int fd, ret;

	snprintf(name, sizeof(name), "kdbusfs-%d.img", id);
	fd = kdb_open_img(name);
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
		size = st.st_size - sizeof(img);
		rest = malloc(size + 1);
		if (!rest)
			ret = -ENOMEM;
		else
			ret = kdb_read_all(fd, rest, size);
	}
	close(fd);
	if (!ret && img.role == KDB_ROLE_BUS && img.dump_size <= size) {
		ret = kdb_bus_restore(&img, rest);
	} else if (!ret && img.role == KDB_ROLE_EP && img.dump_size <= size) {
		ret = kdb_ep_restore(&img, rest);
	} else if (!ret && img.role == KDB_ROLE_CONN &&
		   img.dump_size <= size &&
		   img.files_size <= size - img.dump_size) {
		ret = kdb_files_make(&fl, rest + size - img.files_size,
				     img.files_size, img.n_files, &what);
		if (!ret)
			ret = kdb_conn_restore(&img, rest, rest + img.dump_size,
					       size - img.dump_size -
					       img.files_size, &fl);
		kdb_files_free(&fl);
	} else if (!ret) {
		ret = -EINVAL;
	}
	if (ret < 0)
		print_on_level(KDB_LOG_ERROR,
			       "kdbusfs: cannot restore %s (file id %#x): bus %s, endpoint %s under %s, file in flight %s: %s\n",
			       name, id, img.bus, img.role == KDB_ROLE_BUS ?
			       "control" : img.endpoint, img.mount, what,
			       strerror(-ret));
	else
		print_on_level(KDB_LOG_INFO,
			       "kdbusfs: restored file id %#x as fd %d, %llu files in flight\n",
			       id, ret, (unsigned long long)(img.role ==
			       KDB_ROLE_CONN ? img.n_files : 0));
	free(rest);
	return ret;
}

CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__RESTORE_EXT_FILE, kdb_restore_file)

/*
 * Whether the preloaded image of connection @id of bus @bus says its pool
 * was mapped at @addr (KDBUS_ITEM_DUMP_MAPPING): the address tells the
 * pools of one process's connections of one bus apart.
 */
static bool kdb_img_maps(const char *bus, uint64_t id, uint64_t addr)
{
	const struct kdbus_dump_mapping *dm;
	const struct kdbus_dump_conn *dc;
	const struct kdb_img *h;
	struct kdbus_item *it;
	bool is_id, at;
	int i;

	for (i = 0; i < kdb_n_pre; i++) {
		h = kdb_pre[i].data;
		if (kdb_pre[i].size < sizeof(*h) || h->magic != KDB_IMG_MAGIC ||
		    h->version != KDB_IMG_VERSION || h->role != KDB_ROLE_CONN ||
		    h->dump_size > kdb_pre[i].size - sizeof(*h) ||
		    strncmp(h->bus, bus, sizeof(h->bus)))
			continue;
		is_id = false;
		at = false;
		for (it = kdb_item(h + 1, h->dump_size, NULL); it;
		     it = kdb_item(h + 1, h->dump_size, it)) {
			if (it->type == KDBUS_ITEM_DUMP_CONN &&
			    it->size >= KDBUS_ITEM_HEADER_SIZE + sizeof(*dc)) {
				dc = (const void *)it->data;
				is_id = dc->id == id;
			} else if (it->type == KDBUS_ITEM_DUMP_MAPPING &&
				   it->size >= KDBUS_ITEM_HEADER_SIZE +
					       sizeof(*dm)) {
				dm = (const void *)it->data;
				at |= dm->start == addr;
			}
		}
		if (is_id && at)
			return true;
	}
	return false;
}

/*
 * A pool's mapping, restored: map the restored connection's file instead
 * of its bus directory. With several connections of that bus in the
 * process, the one whose dump lists a mapping at this address.
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
	int n = 0, found = -1, by_addr = -1, n_addr = 0, fd;
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
		if (kdb_img_maps(bus, strtoull(fi.id, NULL, 10), addr)) {
			by_addr = fd;
			n_addr++;
		}
	}
	closedir(d);
	if (n > 1 && n_addr == 1) {
		found = by_addr;
		n = 1;
	}
	if (n != 1) {
		print_on_level(KDB_LOG_ERROR,
			       "kdbusfs: cannot map the pool at %#llx (%s): %d connections of bus %s in this process, and no one dump says it was theirs\n",
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
	if (stage == CR_PLUGIN_STAGE__RESTORE)
		kdb_preload();
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
