// SPDX-License-Identifier: GPL-2.0
/*
 * kdbusfs-criu-hold conn|pool ENDPOINT: a test helper for criu.sh. It says
 * HELLO on ENDPOINT, in its own session (criu dumps session leaders), and
 * then
 *   conn: holds the connection without mapping its pool and prints
 *         "conn ID";
 *   pool: maps the pool and forks a child that closes the connection's
 *         file but keeps the mapping, a live pool mapped by a task that
 *         holds no kdbusfs file; prints "child PID".
 * Then it waits for SIGTERM; the child dies with it.
 */

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/types.h>

#include <linux/kdbus.h>

#define POOL_SIZE	(1024 * 1024)

int main(int argc, char **argv)
{
	struct kdbus_cmd_hello hello;
	void *pool;
	pid_t pid;
	int fd;

	if (argc != 3 || (strcmp(argv[1], "conn") && strcmp(argv[1], "pool"))) {
		fprintf(stderr, "usage: %s conn|pool ENDPOINT\n", argv[0]);
		return 2;
	}
	setsid();
	fd = open(argv[2], O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[2]);
		return 1;
	}
	memset(&hello, 0, sizeof(hello));
	hello.size = sizeof(hello);
	hello.pool_size = POOL_SIZE;
	if (ioctl(fd, KDBUS_CMD_HELLO, &hello)) {
		perror("KDBUS_CMD_HELLO");
		return 1;
	}
	if (!strcmp(argv[1], "conn")) {
		printf("conn %llu\n", (unsigned long long)hello.id);
		fflush(stdout);
		pause();
		return 0;
	}
	pool = mmap(NULL, POOL_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	if (pool == MAP_FAILED) {
		perror("mmap");
		return 1;
	}

	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		setsid();
		close(fd);
		for (;;)
			pause();
	}
	printf("child %d\n", (int)pid);
	fflush(stdout);
	pause();
	return 0;
}
