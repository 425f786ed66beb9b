// SPDX-License-Identifier: GPL-2.0
/*
 * kdbusfs-bridge as a drop-in for dbus-daemon: its command line, the parts
 * of its configuration file that make sense on kdbusfs, and, where no bus
 * is given, a domain and a bus of the bridge's own. What is honoured and
 * what is ignored is listed in Documentation/filesystems/kdbusfs-dbus.rst.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

#include <glib.h>
#include <libmount/libmount.h>
#include <libkdbus.h>

#include "bridge.h"

#define CONFIG_MAX_DEPTH	8
#define SESSION_CONF		"/usr/share/dbus-1/session.conf"
#define SYSTEM_CONF		"/usr/share/dbus-1/system.conf"
#define DOMAIN_DIR		"/sys/fs/kdbus"

#define gctx_t		typeof(*g_markup_parse_context_new(NULL, 0, NULL, NULL))
#define gerr_t		typeof(*g_error_copy(NULL))

static int ready_pipe = -1;

static void G_GNUC_NORETURN G_GNUC_PRINTF(1, 2) fail(const char *fmt, ...)
{
	va_list ap;

	fputs("kdbusfs-bridge: Failed to start message bus: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* ---- the configuration file ------------------------------------------- */

struct config_state {
	struct bridge_config *cfg;
	const char *file;
	int depth;
	GString *text;
	bool ignore_missing;
	bool skip;		/* an include for SELinux only */
	bool have_listen;	/* the command line's --address wins */
	char *limit;		/* the name of the <limit> being read */
};

static int read_config(struct bridge_config *cfg, const char *file,
		       int depth, bool have_listen);

/* a path in a config file is relative to the file's directory */
static char *config_path(const char *file, const char *path)
{
	char *dir, *full;

	if (path[0] == '/')
		return g_strdup(path);
	dir = g_path_get_dirname(file);
	full = g_build_filename(dir, path, NULL);
	g_free(dir);
	return full;
}

static void include_dir(struct config_state *st, const char *path)
{
	char *dir = config_path(st->file, path);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *n;
	GDir *d = g_dir_open(dir, 0, NULL);
	guint i;

	while (d && (n = g_dir_read_name(d)))
		if (g_str_has_suffix(n, ".conf"))
			g_ptr_array_add(names, g_build_filename(dir, n, NULL));
	if (d)
		g_dir_close(d);
	g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
	for (i = 0; i < names->len; i++)
		read_config(st->cfg, g_ptr_array_index(names, i),
			    st->depth + 1, st->have_listen);
	g_ptr_array_unref(names);
	g_free(dir);
}

/*
 * The limits on clients that have not started (the bridge's own
 * resources); the others are the kernel's, per user.
 */
static void config_limit(struct config_state *st, const char *text)
{
	struct bridge_config *cfg = st->cfg;
	unsigned int *to = NULL;
	char *end;
	unsigned long v;

	if (!strcmp(st->limit, "auth_timeout"))
		to = &cfg->auth_timeout_ms;
	else if (!strcmp(st->limit, "max_incomplete_connections"))
		to = &cfg->max_incomplete;
	else if (!strcmp(st->limit, "max_completed_connections"))
		to = &cfg->max_clients;
	if (!to)
		return;
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || end == text || *end || v > INT_MAX)
		fail("%s: <limit name=\"%s\">%s: not a number", st->file,
		     st->limit, text);
	*to = v;
}

static void on_start(gctx_t *ctx, const char *element, const char **names,
		     const char **values, gpointer data, gerr_t **err)
{
	struct config_state *st = data;
	int i;

	(void)ctx;
	(void)err;
	g_string_truncate(st->text, 0);
	st->ignore_missing = false;
	st->skip = false;
	for (i = 0; names[i]; i++) {
		if (!strcmp(names[i], "ignore_missing")) {
			st->ignore_missing = !strcmp(values[i], "yes");
		} else if (!strcmp(names[i], "if_selinux_enabled")) {
			st->skip = true;
		} else if (!strcmp(names[i], "name") &&
			   !strcmp(element, "limit")) {
			g_free(st->limit);
			st->limit = g_strdup(values[i]);
		}
	}
	if (!strcmp(element, "fork"))
		st->cfg->fork = true;
}

static void on_text(gctx_t *ctx, const char *text, gsize len, gpointer data,
		    gerr_t **err)
{
	struct config_state *st = data;

	(void)ctx;
	(void)err;
	g_string_append_len(st->text, text, len);
}

static void on_end(gctx_t *ctx, const char *element, gpointer data,
		   gerr_t **err)
{
	struct config_state *st = data;
	struct bridge_config *cfg = st->cfg;
	char *text = g_strstrip(g_strdup(st->text->str));

	(void)ctx;
	(void)err;
	if (!strcmp(element, "type")) {
		g_free(cfg->type);
		cfg->type = g_strdup(text);
	} else if (!strcmp(element, "listen") && !st->have_listen) {
		if (cfg->n_listen == BRIDGE_MAX_LISTEN)
			fail("%s: more than %d <listen> addresses", st->file,
			     BRIDGE_MAX_LISTEN);
		cfg->listen[cfg->n_listen++] = g_strdup(text);
	} else if (!strcmp(element, "auth")) {
		/* the identity the kernel pins is the socket's: EXTERNAL */
		if (strcmp(text, "EXTERNAL"))
			fail("%s: <auth>%s</auth>: only EXTERNAL is supported",
			     st->file, text);
	} else if (!strcmp(element, "pidfile")) {
		g_free(cfg->pidfile);
		cfg->pidfile = g_strdup(text);
	} else if (!strcmp(element, "include") && !st->skip) {
		char *path = config_path(st->file, text);

		if (read_config(cfg, path, st->depth + 1, st->have_listen) ==
		    -ENOENT && !st->ignore_missing)
			fail("%s: include %s: not found", st->file, path);
		g_free(path);
	} else if (!strcmp(element, "includedir")) {
		include_dir(st, text);
	} else if (!strcmp(element, "limit") && st->limit) {
		config_limit(st, text);
	}
	g_free(text);
	g_string_truncate(st->text, 0);
}

static int read_config(struct bridge_config *cfg, const char *file,
		       int depth, bool have_listen)
{
	static const GMarkupParser parser = {
		.start_element = on_start,
		.end_element = on_end,
		.text = on_text,
	};
	struct config_state st = {
		.cfg = cfg, .file = file, .depth = depth,
		.have_listen = have_listen,
	};
	gerr_t *err = NULL;
	gctx_t *ctx;
	char *data;
	gsize len;

	if (depth > CONFIG_MAX_DEPTH)
		fail("%s: includes nested more than %d deep", file,
		     CONFIG_MAX_DEPTH);
	if (!g_file_get_contents(file, &data, &len, &err)) {
		int ret = err->code == G_FILE_ERROR_NOENT ? -ENOENT : -EIO;

		if (depth == 0 || ret != -ENOENT)
			fail("%s", err->message);
		g_error_free(err);
		return ret;
	}
	st.text = g_string_new(NULL);
	ctx = g_markup_parse_context_new(&parser, 0, &st, NULL);
	if (!g_markup_parse_context_parse(ctx, data, len, &err) ||
	    !g_markup_parse_context_end_parse(ctx, &err))
		fail("%s: %s", file, err->message);
	g_markup_parse_context_free(ctx);
	g_string_free(st.text, TRUE);
	g_free(st.limit);
	g_free(data);
	return 0;
}

/* ---- the command line -------------------------------------------------- */

static int parse_fd(const char *arg)
{
	char *end;
	long fd = strtol(arg, &end, 10);

	if (!*arg || *end || fd < 0 || fd > 1 << 20)
		fail("\"%s\" is not a file descriptor", arg);
	return fd;
}

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"kdbusfs-bridge [--version] [--session] [--system]\n"
		"               [--config-file=FILE] [--address=ADDRESS]\n"
		"               [--print-address[=DESCRIPTOR]]\n"
		"               [--print-pid[=DESCRIPTOR]] [--fork | --nofork]\n"
		"               [--nopidfile] [--introspect] [--bus=PATH]\n"
		"               [--endpoint] [--see=NAME] [--talk=NAME]\n"
		"               [--own=NAME] [--verbose]\n");
	exit(status);
}

/* "--print-address 3" as dbus-daemon takes it: a number that follows */
static int fd_option(int argc, char **argv)
{
	if (optarg)
		return parse_fd(optarg);
	if (optind < argc && argv[optind][0] >= '0' && argv[optind][0] <= '9')
		return parse_fd(argv[optind++]);
	return 1;
}

void bridge_parse_args(int argc, char **argv, struct bridge_config *cfg,
		       const char *introspect_xml)
{
	enum { SESSION = 256, SYSTEM, CONFIG, NOFORK, FORK, NOPIDFILE,
	       INTROSPECT, VERSION, IGNORED, ENDPOINT, SEE, TALK, OWN };
	static const struct option opts[] = {
		{ "bus", required_argument, NULL, 'b' },
		{ "address", required_argument, NULL, 'a' },
		{ "print-address", optional_argument, NULL, 'p' },
		{ "print-pid", optional_argument, NULL, 'P' },
		{ "session", no_argument, NULL, SESSION },
		{ "system", no_argument, NULL, SYSTEM },
		{ "config-file", required_argument, NULL, CONFIG },
		{ "nofork", no_argument, NULL, NOFORK },
		{ "fork", no_argument, NULL, FORK },
		{ "nopidfile", no_argument, NULL, NOPIDFILE },
		{ "introspect", no_argument, NULL, INTROSPECT },
		{ "version", no_argument, NULL, VERSION },
		{ "syslog", no_argument, NULL, IGNORED },
		{ "syslog-only", no_argument, NULL, IGNORED },
		{ "nosyslog", no_argument, NULL, IGNORED },
		{ "systemd-activation", no_argument, NULL, IGNORED },
		{ "endpoint", no_argument, NULL, ENDPOINT },
		{ "see", required_argument, NULL, SEE },
		{ "talk", required_argument, NULL, TALK },
		{ "own", required_argument, NULL, OWN },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *config = NULL, *address = NULL;
	int nofork = 0, forced_fork = 0, nopidfile = 0, o;

	memset(cfg, 0, sizeof(*cfg));
	cfg->print_address_fd = -1;
	cfg->print_pid_fd = -1;
	/* dbus-daemon's own defaults */
	cfg->auth_timeout_ms = 30000;
	cfg->max_incomplete = 64;
	cfg->max_clients = 2048;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'b':
			cfg->bus = optarg;
			break;
		case 'a':
			address = optarg;
			break;
		case 'p':
			cfg->print_address_fd = fd_option(argc, argv);
			break;
		case 'P':
			cfg->print_pid_fd = fd_option(argc, argv);
			break;
		case SESSION:
			config = SESSION_CONF;
			break;
		case SYSTEM:
			config = SYSTEM_CONF;
			break;
		case CONFIG:
			config = optarg;
			break;
		case NOFORK:
			nofork = 1;
			break;
		case FORK:
			forced_fork = 1;
			break;
		case NOPIDFILE:
			nopidfile = 1;
			break;
		case INTROSPECT:
			fputs(introspect_xml, stdout);
			exit(0);
		case VERSION:
			printf("kdbusfs-bridge (a D-Bus message bus on kdbusfs)\n");
			exit(0);
		case IGNORED:
			break;
		case ENDPOINT:
			cfg->endpoint = true;
			break;
		case SEE:
		case TALK:
		case OWN:
			if (cfg->n_policy == BRIDGE_MAX_POLICY)
				fail("more than %d --see/--talk/--own",
				     BRIDGE_MAX_POLICY);
			cfg->endpoint = true;
			cfg->policy_name[cfg->n_policy] = optarg;
			cfg->policy_access[cfg->n_policy++] =
				o == SEE ? BRIDGE_SEE :
				o == TALK ? BRIDGE_TALK : BRIDGE_OWN;
			break;
		case 'v':
			cfg->verbose = true;
			break;
		case 'h':
			usage(0);
			break;
		default:
			usage(2);
		}
	}
	if (optind != argc)
		usage(2);
	if (nofork && forced_fork)
		fail("--fork and --nofork cannot both be given");
	if (config)
		read_config(cfg, config, 0, address);
	else if (!cfg->bus || !address)
		fail("No configuration file specified (%s)",
		     "--session, --system, --config-file, or --bus and --address");
	if (address) {
		cfg->listen[0] = g_strdup(address);
		cfg->n_listen = 1;
	}
	if (!cfg->n_listen)
		fail("%s: no <listen> address", config);
	if (nofork)
		cfg->fork = false;
	if (forced_fork)
		cfg->fork = true;
	if (nopidfile) {
		g_free(cfg->pidfile);
		cfg->pidfile = NULL;
	}
	cfg->world = cfg->type && !strcmp(cfg->type, "system");
}

/* ---- a domain and a bus of our own ------------------------------------- */

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * Not root: a user namespace mapping only our own uid and gid to
 * themselves, so clients and peers see the real ids, and its mount
 * namespace. Root: a mount namespace only.
 */
static int unshare_namespaces(void)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char map[64];
	int ret;

	if (uid == 0)
		return unshare(CLONE_NEWNS) < 0 ? -errno : 0;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		return -errno;
	snprintf(map, sizeof(map), "%u %u 1", uid, uid);
	ret = write_file("/proc/self/uid_map", map);
	if (!ret)
		ret = write_file("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "%u %u 1", gid, gid);
	if (!ret)
		ret = write_file("/proc/self/gid_map", map);
	return ret;
}

/* the capabilities a user namespace of our own gave us go at once */
static int drop_capabilities(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct caps[2] = {};

	return syscall(SYS_capset, &hdr, caps) < 0 ? -errno : 0;
}

int bridge_make_domain(struct bridge_config *cfg, char *path, size_t size)
{
	struct kdb_bus_opts opts = { .flags = 0 };
	struct libmnt_context *cxt;
	char name[64];
	int ret, fd;

	ret = unshare_namespaces();
	if (ret < 0)
		fail("a namespace of its own for the domain: %s",
		     strerror(-ret));
	/* nothing we mount is seen outside, nothing outside reaches in */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		fail("making / private: %s", strerror(errno));
	cxt = mnt_new_context();
	if (!cxt || mnt_context_set_fstype(cxt, "kdbusfs") ||
	    mnt_context_set_source(cxt, "none") ||
	    mnt_context_set_target(cxt, DOMAIN_DIR) ||
	    mnt_context_disable_mtab(cxt, 1) ||
	    /* not set-uid: root of its own namespace, not a user mount */
	    mnt_context_force_unrestricted(cxt))
		fail("libmount: out of memory");
	ret = mnt_context_mount(cxt);
	if (ret) {
		char buf[256] = "";

		mnt_context_get_excode(cxt, ret, buf, sizeof(buf));
		fail("mounting kdbusfs on %s: %s (is the kdbusfs module loaded?)",
		     DOMAIN_DIR, buf);
	}
	mnt_free_context(cxt);
	if (cfg->world)
		opts.flags |= KDB_MAKE_ACCESS_WORLD;
	kdb_bus_name(name, sizeof(name), cfg->type ? cfg->type : "bus");
	fd = kdb_bus_make(DOMAIN_DIR, name, &opts);
	if (fd < 0)
		fail("making bus %s: %s", name, kdb_strerror(fd));
	snprintf(path, size, "%s/%s/bus", DOMAIN_DIR, name);
	if (geteuid() != 0) {
		ret = drop_capabilities();
		if (ret < 0)
			fail("dropping capabilities: %s", strerror(-ret));
	}
	return fd;
}

/* ---- daemon life --------------------------------------------------------- */

void bridge_daemonize(struct bridge_config *cfg)
{
	int p[2], status;
	char c;
	pid_t pid;

	if (!cfg->fork)
		return;
	if (pipe2(p, O_CLOEXEC) < 0)
		fail("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (pid > 0) {
		close(p[1]);
		if (read(p[0], &c, 1) == 1)
			exit(0);
		waitpid(pid, &status, 0);
		exit(1);
	}
	close(p[0]);
	ready_pipe = p[1];
	setsid();
}

static int print_to(int fd, const char *text)
{
	size_t len = strlen(text);

	return write(fd, text, len) == (ssize_t)len ? 0 : -errno;
}

int bridge_ready(struct bridge_config *cfg, const char *address)
{
	char line[4096];
	int ret = 0;

	if (cfg->print_address_fd >= 0) {
		snprintf(line, sizeof(line), "%s\n", address);
		ret = print_to(cfg->print_address_fd, line);
	}
	snprintf(line, sizeof(line), "%d\n", getpid());
	if (!ret && cfg->print_pid_fd >= 0)
		ret = print_to(cfg->print_pid_fd, line);
	if (!ret && cfg->pidfile &&
	    !g_file_set_contents(cfg->pidfile, line, -1, NULL))
		ret = -EIO;
	if (ret < 0)
		return ret;
	/* a reader such as dbus-run-session reads until end of file */
	if (cfg->print_address_fd > 2)
		close(cfg->print_address_fd);
	if (cfg->print_pid_fd > 2 && cfg->print_pid_fd != cfg->print_address_fd)
		close(cfg->print_pid_fd);
	if (ready_pipe >= 0) {
		ret = print_to(ready_pipe, "r");
		close(ready_pipe);
		ready_pipe = -1;
	}
	return ret;
}
