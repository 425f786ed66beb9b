// SPDX-License-Identifier: GPL-2.0
/*
 * userns_exec - run a command as root of a new user namespace whose ids
 * are an unprivileged range of the parent's.
 *
 *   userns_exec [-u OUTER_UID] [-n COUNT] -- COMMAND [ARGS...]
 *
 * Must start as root: like newuidmap(1), the parent writes a multi-id map
 * (0..COUNT-1 inside to OUTER_UID.. outside, same for gids), which only a
 * privileged process may do. The child drops to OUTER_UID before it makes
 * the namespace, so the namespace is owned by an unprivileged user and
 * nothing in it holds a capability over the initial namespaces. It also
 * gets its own mount namespace, so it can mount kdbusfs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>

static void die(const char *what)
{
	perror(what);
	exit(126);
}

static void write_map(pid_t pid, const char *file, unsigned long outer,
		      unsigned long count)
{
	char path[64], map[64];
	int fd, len;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	len = snprintf(map, sizeof(map), "0 %lu %lu\n", outer, count);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		die(path);
	if (write(fd, map, len) != len)
		die(path);
	close(fd);
}

int main(int argc, char **argv)
{
	unsigned long outer = 100000, count = 65536;
	int go[2], ready[2], opt, status;
	char c;
	pid_t pid;

	while ((opt = getopt(argc, argv, "+u:n:")) != -1) {
		switch (opt) {
		case 'u':
			outer = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			count = strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [-u UID] [-n COUNT] -- CMD...\n",
				argv[0]);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "%s: no command\n", argv[0]);
		return 2;
	}

	if (pipe2(go, O_CLOEXEC) || pipe2(ready, O_CLOEXEC))
		die("pipe");

	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		if (setgroups(0, NULL) || setresgid(outer, outer, outer) ||
		    setresuid(outer, outer, outer))
			die("drop privileges");
		/* let the parent open our /proc files after the uid change */
		if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
			die("PR_SET_DUMPABLE");
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS))
			die("unshare");
		if (write(ready[1], "r", 1) != 1)
			die("ready");
		if (read(go[0], &c, 1) != 1)
			exit(126);
		if (setresgid(0, 0, 0) || setresuid(0, 0, 0))
			die("become namespace root");
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
			die("make mounts private");
		execvp(argv[optind], argv + optind);
		die(argv[optind]);
	}

	close(ready[1]);
	close(go[0]);
	if (read(ready[0], &c, 1) != 1) {
		waitpid(pid, &status, 0);
		return 126;
	}
	write_map(pid, "uid_map", outer, count);
	write_map(pid, "gid_map", outer, count);
	if (write(go[1], "g", 1) != 1)
		die("go");

	if (waitpid(pid, &status, 0) < 0)
		die("waitpid");
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
