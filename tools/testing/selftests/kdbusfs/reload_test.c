// SPDX-License-Identifier: GPL-2.0
/*
 * Unloading right after the last close. A connection's memory is freed by
 * an RCU callback, code of the module: unless module exit waits for the
 * callbacks (rcu_barrier()), rmmod frees that code while one is still
 * queued, and the kernel runs freed memory when it fires.
 *
 * usage: reload_test MODULE.ko [ROUNDS]   (root, the module not loaded)
 * Each round loads the module, makes a bus and connections, closes them,
 * unmounts and unloads at once, and a kprobe event tells that the
 * unloading waited in rcu_barrier(). Exit 0 if every round got through
 * and waited; a crash shows in the kernel log, which vm-run scans. (Freed
 * module text stays mapped until vmalloc purges it lazily, so a missing
 * barrier rarely crashes: the kprobe is what makes it fail every time.)
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kdbus_util.h"

/*
 * Callbacks run in order per CPU, and synchronize_rcu() in the module's
 * unloading waits with one: closing on one CPU and unloading on another
 * is what lets the unloading overtake a connection's callback.
 */
static void run_on(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static int load(int fd)
{
	return syscall(__NR_finit_module, fd, "", 0) ? -errno : 0;
}

static int unload(void)
{
	int i;

	/* the super block goes with the task work of the last close */
	for (i = 0; i < 100; i++) {
		if (!syscall(__NR_delete_module, "kdbusfs", O_NONBLOCK))
			return 0;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		usleep(1000);
	}
	return -EBUSY;
}

/* a bus with @n connections, all closed again: 0 or -errno */
static int round_trip(int n)
{
	struct kdbus_test_bus bus;
	struct kdbus_conn c[8];
	int i, ret;

	ret = kdbus_test_bus_make(&bus);
	if (ret)
		return ret;
	for (i = 0; i < n && !ret; i++)
		ret = kdbus_hello(bus.ep, 0, KDBUS_TEST_POOL_SIZE, &c[i]);
	n = ret ? i - 1 : n;
	for (i = 0; i < n; i++)
		kdbus_conn_close(&c[i]);
	kdbus_test_bus_close(&bus);
	return ret;
}

int main(int argc, char **argv)
{
	int rounds = argc > 2 ? atoi(argv[2]) : 20;
	int fd, i, ret;

	if (argc < 2) {
		fprintf(stderr, "usage: reload_test MODULE.ko [ROUNDS]\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[1]);
		return 2;
	}
	ret = kdbus_kprobe_add("rcu_barrier");
	if (ret) {
		fprintf(stderr, "no kprobe event on rcu_barrier: %s\n",
			strerror(-ret));
		return 1;
	}
	for (i = 0; i < rounds; i++) {
		ret = load(fd);
		if (ret) {
			fprintf(stderr, "round %d: load: %s\n", i, strerror(-ret));
			return 1;
		}
		run_on(0);
		ret = round_trip(8);
		if (ret) {
			fprintf(stderr, "round %d: bus: %s\n", i, strerror(-ret));
			unload();
			return 1;
		}
		run_on(sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 1 : 0);
		ret = unload();
		if (ret) {
			fprintf(stderr, "round %d: unload: %s\n", i,
				strerror(-ret));
			return 1;
		}
	}
	ret = kdbus_kprobe_hits("rcu_barrier");
	kdbus_kprobe_remove("rcu_barrier");
	printf("# reload_test: %d rounds of load, connect, close, unload;",
	       rounds);
	printf(" %d waited in rcu_barrier()\n", ret);
	return ret >= rounds ? 0 : 1;
}
