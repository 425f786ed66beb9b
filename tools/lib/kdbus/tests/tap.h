/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small TAP producer for the libkdbus tests, and the environment they
 * share: a new kdbusfs mount in a temporary directory and a bus in it.
 *
 * Each check prints "ok N - what" or "not ok N - what"; tap_skip() prints
 * "ok N - what # SKIP why"; tap_done() prints the plan "1..N" last and
 * returns the exit status. run_tests.sh counts these lines.
 */
#ifndef KDBUS_TESTS_TAP_H
#define KDBUS_TESTS_TAP_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include "libkdbus.h"

static int tap_count, tap_failures;

static inline bool tap_ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		tap_failures++;
	return cond;
}

/* an int result, 0 or -errno, against the expected one */
#define tap_is(got, want, what) ({					\
	long long __g = (got), __w = (want);				\
	if (!tap_ok(__g == __w, "%s", what))				\
		printf("#   got %lld (%s), want %lld (%s)\n", __g,	\
		       __g < 0 ? strerror((int)-__g) : "-", __w,	\
		       __w < 0 ? strerror((int)-__w) : "-");		\
	__g == __w;							\
})

static inline void tap_skip(const char *why, const char *fmt, ...)
{
	va_list ap;

	printf("ok %d - ", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" # SKIP %s\n", why);
	fflush(stdout);
}

static inline void tap_diag(const char *s)
{
	printf("# %s\n", s);
}

static int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failures ? 1 : 0;
}

/* ---- the environment -------------------------------------------------- */

struct test_env {
	char mnt[64];
	char bus_name[64];
	char bus_path[256];	/* the default endpoint file */
	int control_fd;		/* the bus lives while this is open */
};

/* mount a new domain and make a bus "<euid>-SUFFIX" with sd-bus's bloom */
static int test_env_setup(struct test_env *e, const char *suffix)
{
	int ret;

	memset(e, 0, sizeof(*e));
	e->control_fd = -1;
	snprintf(e->mnt, sizeof(e->mnt), "/tmp/kdbus-lib.XXXXXX");
	if (!mkdtemp(e->mnt))
		return -errno;
	if (mount("none", e->mnt, "kdbusfs", 0, NULL) < 0) {
		ret = -errno;
		rmdir(e->mnt);
		e->mnt[0] = 0;
		return ret;
	}
	ret = kdb_bus_name(e->bus_name, sizeof(e->bus_name), suffix);
	if (ret < 0)
		return ret;
	e->control_fd = kdb_bus_make(e->mnt, e->bus_name, NULL);
	if (e->control_fd < 0)
		return e->control_fd;
	snprintf(e->bus_path, sizeof(e->bus_path), "%s/%s/bus", e->mnt,
		 e->bus_name);
	return 0;
}

static void test_env_teardown(struct test_env *e)
{
	if (e->control_fd >= 0)
		close(e->control_fd);
	if (e->mnt[0]) {
		umount2(e->mnt, MNT_DETACH);
		rmdir(e->mnt);
	}
}

/* wait for child @pid; its exit status, or 128 + signal */
static int test_wait(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

#endif /* KDBUS_TESTS_TAP_H */
