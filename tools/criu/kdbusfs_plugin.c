// SPDX-License-Identifier: GPL-2.0
/*
 * kdbusfs_plugin.so: the kdbusfs plugin for criu 3.17.1, as Debian ships it.
 *
 * kdbusfs names its files "kdbusfs:[BUS/ENDPOINT]" and "kdbusfs:[control]"
 * in /proc/PID/fd, so criu's dump_one_file() does not take them for plain
 * files and hands each to DUMP_EXT_FILE. The kernel cannot yet dump what
 * a kdbusfs file stands for (a connection with its id, names, queue and
 * pool; a bus or an endpoint its file made), and a file reopened by path
 * on restore would be a new, unconnected one, so this plugin refuses to
 * dump any kdbusfs file and says which one and why. criu then fails the
 * dump and lets the tree run on unchanged.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/vfs.h>

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
	}
}

/* read /proc/self/fdinfo/@fd of criu's copy of the file: 0 or -errno */
static int kdb_read_fdinfo(int fd, struct kdb_fdinfo *fi)
{
	char path[64], text[8192];
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

static int kdb_dump_file(int fd, int id)
{
	char link[512], path[64];
	struct kdb_fdinfo fi;
	struct statfs sfs;
	ssize_t n;
	int ret;

	if (fstatfs(fd, &sfs) || sfs.f_type != KDBUSFS_SUPER_MAGIC)
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

	if (!strcmp(fi.role, "connection"))
		print_on_level(KDB_LOG_ERROR,
			       "kdbusfs: cannot dump %s (file id %#x): connection %s on bus %s (connected: %s); the kernel cannot checkpoint a connection yet, and a file reopened by path would be a new connection\n",
			       link, id, fi.id, fi.bus, fi.connected);
	else if (!strcmp(fi.role, "none"))
		print_on_level(KDB_LOG_ERROR,
			       "kdbusfs: cannot dump %s (file id %#x): %s file of bus %s not used yet; restoring it would reopen it with criu's credentials, not its opener's\n",
			       link, id, fi.file, fi.bus[0] ? fi.bus : "-");
	else
		print_on_level(KDB_LOG_ERROR,
			       "kdbusfs: cannot dump %s (file id %#x): its file made bus %s (role %s), which lives only as long as the file\n",
			       link, id, fi.bus, fi.role);
	return -EPERM;
}

CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__DUMP_EXT_FILE, kdb_dump_file)

/* Nothing is ever dumped, so nothing is ever restored. */
static int kdb_restore_file(int id)
{
	return -ENOTSUP;
}

CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__RESTORE_EXT_FILE, kdb_restore_file)

static int kdb_init(int stage)
{
	print_on_level(KDB_LOG_INFO, "kdbusfs: plugin loaded (stage %d)\n",
		       stage);
	return 0;
}

static void kdb_exit(int stage, int ret)
{
}

CR_PLUGIN_REGISTER("kdbusfs", kdb_init, kdb_exit)
