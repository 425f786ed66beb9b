// SPDX-License-Identifier: GPL-2.0
/*
 * kdbusfs - find and make kdbusfs mounts, and make buses.
 *
 *   kdbusfs find                      list kdbusfs mounts (libmount)
 *   kdbusfs mount DIR [OPTIONS]       mount a new domain on DIR (libmount)
 *   kdbusfs bus-make MNT NAME [--world] [-- CMD...]
 *                                     make bus NAME in the domain at MNT
 *                                     and keep it while CMD runs (a bus
 *                                     lives as long as the control fd)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libmount/libmount.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <linux/kdbus.h>

static int cmd_find(void)
{
	struct libmnt_table *tb = mnt_new_table();
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs;
	int n = 0;

	if (!tb || !it || mnt_table_parse_mtab(tb, NULL)) {
		fprintf(stderr, "kdbusfs: cannot read the mount table\n");
		return 1;
	}
	while (mnt_table_next_fs(tb, it, &fs) == 0) {
		const char *opts;

		if (!mnt_fs_match_fstype(fs, "kdbusfs"))
			continue;
		opts = mnt_fs_get_fs_options(fs);
		printf("%s\t%s\n", mnt_fs_get_target(fs), opts ? opts : "");
		n++;
	}
	mnt_free_iter(it);
	mnt_unref_table(tb);
	return n ? 0 : 1;
}

static int cmd_mount(const char *dir, const char *opts)
{
	struct libmnt_context *cxt = mnt_new_context();
	int ret;

	if (!cxt)
		return 1;
	mnt_context_set_fstype(cxt, "kdbusfs");
	mnt_context_set_source(cxt, "none");
	mnt_context_set_target(cxt, dir);
	if (opts)
		mnt_context_set_options(cxt, opts);
	/* no /etc/mtab bookkeeping: it may be read-only or absent */
	mnt_context_disable_mtab(cxt, 1);
	ret = mnt_context_mount(cxt);
	if (ret) {
		char buf[256];

		mnt_context_get_excode(cxt, ret, buf, sizeof(buf));
		fprintf(stderr, "kdbusfs: mount %s: %s\n", dir, buf);
		mnt_free_context(cxt);
		return 1;
	}
	mnt_free_context(cxt);
	return 0;
}

static int cmd_bus_make(const char *mnt, const char *name, uint64_t flags,
			char **cmd)
{
	uint64_t buf[512 / 8] = { 0 };
	struct kdbus_cmd *make = (void *)buf;
	struct kdbus_item *item = make->items;
	size_t len = strlen(name) + 1;
	char path[4096];
	int fd, status;
	pid_t pid;

	if (len > 64) {
		fprintf(stderr, "kdbusfs: name too long\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/control", mnt);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror(path);
		return 1;
	}

	make->flags = flags;
	item->type = KDBUS_ITEM_BLOOM_PARAMETER;
	item->size = KDBUS_ITEM_HEADER_SIZE + sizeof(item->bloom_parameter);
	item->bloom_parameter.size = 64;
	item->bloom_parameter.n_hash = 1;
	item = (void *)((char *)item + KDBUS_ALIGN8(item->size));
	item->type = KDBUS_ITEM_MAKE_NAME;
	item->size = KDBUS_ITEM_HEADER_SIZE + len;
	memcpy(item->str, name, len);
	item = (void *)((char *)item + KDBUS_ALIGN8(item->size));
	make->size = (char *)item - (char *)make;

	if (ioctl(fd, KDBUS_CMD_BUS_MAKE, make) < 0) {
		fprintf(stderr, "kdbusfs: BUS_MAKE %s: %s\n", name,
			strerror(errno));
		return 1;
	}
	printf("made bus %s/%s\n", mnt, name);
	if (!cmd || !cmd[0])
		return 0;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		execvp(cmd[0], cmd);
		perror(cmd[0]);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return 1;
	close(fd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int show_usage(void)
{
	fprintf(stderr,
		"usage: kdbusfs find\n"
		"       kdbusfs mount DIR [OPTIONS]\n"
		"       kdbusfs bus-make MNT NAME [--world] [-- CMD...]\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return show_usage();
	if (!strcmp(argv[1], "find") && argc == 2)
		return cmd_find();
	if (!strcmp(argv[1], "mount") && (argc == 3 || argc == 4))
		return cmd_mount(argv[2], argc == 4 ? argv[3] : NULL);
	if (!strcmp(argv[1], "bus-make") && argc >= 4) {
		uint64_t flags = 0;
		char **cmd = NULL;
		int i;

		for (i = 4; i < argc; i++) {
			if (!strcmp(argv[i], "--")) {
				cmd = argv + i + 1;
				break;
			}
			if (strcmp(argv[i], "--world"))
				return show_usage();
			flags |= KDBUS_MAKE_ACCESS_WORLD;
		}
		return cmd_bus_make(argv[2], argv[3], flags, cmd);
	}
	return show_usage();
}
