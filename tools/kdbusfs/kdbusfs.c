// SPDX-License-Identifier: GPL-2.0
/*
 * kdbusfs - find and make kdbusfs mounts, buses and endpoints, and talk
 * on a bus in the manner of busctl(1). Everything goes through libkdbus.
 *
 *   kdbusfs find                      list kdbusfs mounts (libmount)
 *   kdbusfs mount DIR [OPTIONS]       mount a new domain on DIR (libmount)
 *   kdbusfs bus-make MNT NAME [--world] [-- CMD...]
 *                                     make bus NAME in the domain at MNT
 *                                     and keep it while CMD runs (a bus
 *                                     lives as long as the control fd)
 *   kdbusfs endpoint-make BUS NAME [--world] [--see=N] [--talk=N]
 *                         [--own=N] [-- CMD...]
 *   kdbusfs list BUS                  peers, their names, ids, users
 *   kdbusfs status BUS [NAME|ID]      the bus, or one peer
 *   kdbusfs monitor BUS [--json] [--count=N]
 *   kdbusfs call BUS NAME PATH INTERFACE METHOD [SIGNATURE [ARGS...]]
 *   kdbusfs emit BUS PATH INTERFACE SIGNAL [SIGNATURE [ARGS...]]
 *   kdbusfs activator BUS NAME -- CMD...
 *                                     hold NAME as an activator; start CMD
 *                                     when the first message for it waits
 *
 * BUS is a bus name ("1000-user", found in the kdbusfs mounts), a bus
 * directory or an endpoint file. Arguments follow busctl: a SIGNATURE,
 * then one word per basic value, an array as its count then its
 * elements, a variant as its signature then its value. Errors are one
 * line on stderr; the exit status is 1 (2 for usage).
 *
 * The reference is kdbusfs(1), tools/kdbusfs/kdbusfs.rst.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libmount/libmount.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include <libkdbus.h>
#include <libkdbus-dbus.h>

static const char *prog = "kdbusfs";
static uint64_t timeout_us = 25000000;

/* one line on stderr: what failed, and the errno's meaning */
static int fail(int err, const char *what, const char *arg)
{
	fprintf(stderr, "%s: %s%s%s: %s\n", prog, what, arg ? " " : "",
		arg ? arg : "", kdb_strerror(err));
	return 1;
}

static int show_usage(void)
{
	fprintf(stderr,
		"usage: kdbusfs find\n"
		"       kdbusfs mount DIR [OPTIONS]\n"
		"       kdbusfs bus-make MNT NAME [--world] [-- CMD...]\n"
		"       kdbusfs endpoint-make BUS NAME [--world] [--see=NAME]\n"
		"               [--talk=NAME] [--own=NAME] [-- CMD...]\n"
		"       kdbusfs list BUS\n"
		"       kdbusfs status BUS [NAME|ID]\n"
		"       kdbusfs monitor BUS [--json] [--count=N]\n"
		"       kdbusfs call [--timeout=SECS] BUS NAME PATH INTERFACE METHOD\n"
		"               [SIGNATURE [ARGS...]]\n"
		"       kdbusfs emit BUS PATH INTERFACE SIGNAL [SIGNATURE [ARGS...]]\n"
		"       kdbusfs activator BUS NAME -- CMD...\n");
	return 2;
}

/* ---- find, mount ------------------------------------------------------ */

static int cmd_find(void)
{
	struct libmnt_table *tb = mnt_new_table();
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs;
	int n = 0;

	if (!tb || !it || mnt_table_parse_mtab(tb, NULL)) {
		fprintf(stderr, "%s: cannot read the mount table\n", prog);
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
		fprintf(stderr, "%s: mount %s: %s\n", prog, dir, buf);
		mnt_free_context(cxt);
		return 1;
	}
	mnt_free_context(cxt);
	return 0;
}

/* run @cmd and wait for it: its exit status */
static int run(char **cmd)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return fail(-errno, "fork", NULL);
	if (pid == 0) {
		execvp(cmd[0], cmd);
		fprintf(stderr, "%s: %s: %s\n", prog, cmd[0], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

/* run @cmd while @fd (a bus or an endpoint) stays open */
static int hold_while(int fd, char **cmd)
{
	int ret;

	if (!cmd || !cmd[0])
		return 0;
	ret = run(cmd);
	close(fd);
	return ret;
}

static int cmd_bus_make(const char *mnt, const char *name, uint64_t flags,
			char **cmd)
{
	struct kdb_bus_opts o = { .flags = flags };
	int fd = kdb_bus_make(mnt, name, &o);

	if (fd < 0)
		return fail(fd, "bus-make", name);
	printf("made bus %s/%s\n", mnt, name);
	return hold_while(fd, cmd);
}

/* ---- endpoint-make ---------------------------------------------------- */

static int cmd_endpoint_make(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "world", no_argument, NULL, 'w' },
		{ "see", required_argument, NULL, 's' },
		{ "talk", required_argument, NULL, 't' },
		{ "own", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct kdb_policy *rules = NULL;
	char bus[4096], path[4200];
	uint64_t flags = 0;
	size_t n = 0;
	int c, fd;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		struct kdb_policy *nr;

		if (c == 'w') {
			flags |= KDB_MAKE_ACCESS_WORLD;
			continue;
		}
		if (c != 's' && c != 't' && c != 'o')
			return show_usage();
		nr = realloc(rules, (n + 1) * sizeof(*rules));
		if (!nr)
			return fail(-ENOMEM, "endpoint-make", NULL);
		rules = nr;
		rules[n].name = optarg;
		rules[n].who = KDB_WORLD;
		rules[n].id = 0;
		rules[n].access = c == 's' ? KDB_SEE :
				  c == 't' ? KDB_TALK : KDB_OWN;
		n++;
	}
	if (argc - optind < 2)
		return show_usage();
	c = kdb_bus_path(argv[optind], bus, sizeof(bus));
	if (c < 0)
		return fail(c, "bus", argv[optind]);
	fd = kdb_endpoint_make(bus, argv[optind + 1], flags, rules, n);
	free(rules);
	if (fd < 0)
		return fail(fd, "endpoint-make", argv[optind + 1]);
	snprintf(path, sizeof(path), "%s", bus);
	*strrchr(path, '/') = 0;
	printf("made endpoint %s/%s\n", path, argv[optind + 1]);
	return hold_while(fd, argv + optind + 2);
}

/* ---- connecting ------------------------------------------------------- */

static int connect_bus(const char *spec, uint64_t flags,
		       struct kdb_conn **conn)
{
	struct kdb_hello h = {
		.flags = flags,
		.attach_send = KDB_ATTACH_ALL,
		.description = "kdbusfs-cli",
	};
	char path[4096];
	int ret;

	ret = kdb_bus_path(spec, path, sizeof(path));
	if (ret < 0)
		return fail(ret, "bus", spec);
	if (flags & KDB_HELLO_MONITOR) {
		h.attach_send = 0;
		h.description = "kdbusfs-monitor";
	}
	ret = kdb_conn_open(path, &h, conn);
	if (ret < 0)
		return fail(ret, "connect", path);
	return 0;
}

/* ---- activator ---------------------------------------------------------- */

/*
 * Hold @name as an activator: messages for it wait in the activator's
 * queue until a service takes the name, and the queue with it. The first
 * waiting message starts @cmd, the service; the activator stays while the
 * service runs, so the name falls back to it if the service leaves.
 */
static int cmd_activator(const char *spec, const char *name, char **cmd)
{
	struct kdb_hello h = {
		.flags = KDB_HELLO_ACTIVATOR | KDB_HELLO_ACCEPT_FD,
		.description = "kdbusfs-activator",
		.name = name,
	};
	struct kdb_conn *c = NULL;
	char path[4096];
	int ret;

	ret = kdb_bus_path(spec, path, sizeof(path));
	if (ret < 0)
		return fail(ret, "bus", spec);
	ret = kdb_conn_open(path, &h, &c);
	if (ret < 0)
		return fail(ret, "activator", name);
	printf("activator %s on %s\n", name, path);
	fflush(stdout);
	ret = kdb_conn_wait(c, -1);
	if (ret < 0) {
		kdb_conn_free(c);
		return fail(ret, "activator", name);
	}
	printf("activating %s: %s\n", name, cmd[0]);
	ret = run(cmd);
	kdb_conn_free(c);
	return ret;
}

#define PEER_ATTACH (KDB_ATTACH_CREDS | KDB_ATTACH_PIDS | \
		     KDB_ATTACH_PID_COMM | KDB_ATTACH_DESCRIPTION)

static void name_flags(char *buf, size_t size, uint64_t f)
{
	snprintf(buf, size, "%s%s%s%s%s",
		 f & KDB_NAME_PRIMARY ? "primary," : "",
		 f & KDB_NAME_IN_QUEUE ? "queued," : "",
		 f & KDB_NAME_ACTIVATOR ? "activator," : "",
		 f & KDB_NAME_ALLOW_REPLACEMENT ? "replaceable," : "",
		 f & KDB_NAME_QUEUE ? "queue," : "");
	if (buf[0])
		buf[strlen(buf) - 1] = 0;
	else
		snprintf(buf, size, "-");
}

/* ---- list ------------------------------------------------------------- */

static int cmd_list(const char *spec)
{
	struct kdb_info *info = NULL, *ci;
	struct kdb_conn *c = NULL;
	char uid[24], pid[24], nf[64], unique[32];
	size_t n = 0, i;
	int ret;

	if (connect_bus(spec, 0, &c))
		return 1;
	ret = kdb_list(c, KDB_LIST_UNIQUE | KDB_LIST_NAMES |
		       KDB_LIST_ACTIVATORS | KDB_LIST_QUEUED, &info, &n);
	if (ret < 0) {
		kdb_conn_free(c);
		return fail(ret, "list", spec);
	}
	printf("%-32s %-6s %-8s %-7s %-6s %-15s %s\n", "NAME", "ID", "FLAGS",
	       "PID", "UID", "PROCESS", "DESCRIPTION");
	for (i = 0; i < n; i++) {
		const struct kdb_meta *m = NULL;

		snprintf(unique, sizeof(unique), ":1.%llu",
			 (unsigned long long)info[i].id);
		ci = NULL;
		if (kdb_conn_info(c, info[i].id, NULL, PEER_ATTACH, &ci) == 0)
			m = &ci->meta;
		snprintf(uid, sizeof(uid), "-");
		snprintf(pid, sizeof(pid), "-");
		if (m && m->present & KDB_ATTACH_CREDS)
			snprintf(uid, sizeof(uid), "%llu",
				 (unsigned long long)m->creds.euid);
		if (m && m->present & KDB_ATTACH_PIDS)
			snprintf(pid, sizeof(pid), "%llu",
				 (unsigned long long)m->pids.pid);
		if (info[i].name)
			name_flags(nf, sizeof(nf), info[i].name_flags);
		else
			snprintf(nf, sizeof(nf), "-");
		printf("%-32s %-6llu %-8s %-7s %-6s %-15s %s\n",
		       info[i].name ? info[i].name : unique,
		       (unsigned long long)info[i].id, nf, pid, uid,
		       m && m->pid_comm ? m->pid_comm : "-",
		       m && m->description ? m->description : "-");
		kdb_info_free(ci);
	}
	kdb_info_free(info);
	kdb_conn_free(c);
	return 0;
}

/* ---- status ----------------------------------------------------------- */

static void print_meta(const struct kdb_meta *m)
{
	size_t i;

	if (m->present & KDB_ATTACH_CREDS)
		printf("UID=%llu\nEUID=%llu\nGID=%llu\nEGID=%llu\n",
		       (unsigned long long)m->creds.uid,
		       (unsigned long long)m->creds.euid,
		       (unsigned long long)m->creds.gid,
		       (unsigned long long)m->creds.egid);
	if (m->present & KDB_ATTACH_AUXGROUPS) {
		printf("SupplementaryGIDs=");
		for (i = 0; i < m->n_auxgroups; i++)
			printf("%s%llu", i ? " " : "",
			       (unsigned long long)m->auxgroups[i]);
		printf("\n");
	}
	if (m->present & KDB_ATTACH_PIDS)
		printf("PID=%llu\nTID=%llu\nPPID=%llu\n",
		       (unsigned long long)m->pids.pid,
		       (unsigned long long)m->pids.tid,
		       (unsigned long long)m->pids.ppid);
	if (m->pid_comm)
		printf("Comm=%s\n", m->pid_comm);
	if (m->tid_comm)
		printf("TIDComm=%s\n", m->tid_comm);
	if (m->exe)
		printf("Exe=%s\n", m->exe);
	if (m->present & KDB_ATTACH_CMDLINE) {
		printf("CommandLine=");
		for (i = 0; i < m->cmdline_size; i++)
			putchar(m->cmdline[i] ? m->cmdline[i] :
				i + 1 < m->cmdline_size ? ' ' : '\n');
		if (!m->cmdline_size || m->cmdline[m->cmdline_size - 1])
			putchar('\n');
	}
	if (m->cgroup)
		printf("CGroup=%s\n", m->cgroup);
	if (m->present & KDB_ATTACH_CAPS)
		printf("EffectiveCapabilities=%s\n",
		       kdb_meta_has_cap(m, 21) ? "cap_sys_admin,..." :
		       "(none of note)");
	if (m->seclabel)
		printf("Label=%s\n", m->seclabel);
	if (m->present & KDB_ATTACH_AUDIT)
		printf("AuditLoginUID=%u\nAuditSessionID=%u\n",
		       m->audit.loginuid, m->audit.sessionid);
	if (m->description)
		printf("Description=%s\n", m->description);
	for (i = 0; i < m->n_names; i++)
		printf("OwnedName=%s\n", m->names[i].name);
}

static int cmd_status(const char *spec, const char *peer)
{
	struct kdb_info *info = NULL;
	struct kdb_conn *c = NULL;
	const uint8_t *id;
	uint64_t pid = 0;
	char *end;
	int ret, i;

	if (connect_bus(spec, 0, &c))
		return 1;
	if (!peer) {
		ret = kdb_bus_creator_info(c, KDB_ATTACH_ALL, &info);
		if (ret < 0) {
			kdb_conn_free(c);
			return fail(ret, "status", spec);
		}
		printf("Bus=%s\nBusID=", info->bus_name ? info->bus_name : "-");
		id = kdb_conn_bus_id128(c);
		for (i = 0; i < 16; i++)
			printf("%02x", id[i]);
		printf("\nBloomSize=%zu\nBloomHashes=%u\n",
		       kdb_conn_bloom_size(c), kdb_conn_bloom_n_hash(c));
		printf("BusFlags=0x%llx\n",
		       (unsigned long long)kdb_conn_bus_flags(c));
		printf("Creator:\n");
		print_meta(&info->meta);
		kdb_info_free(info);
		kdb_conn_free(c);
		return 0;
	}
	if (peer[0] == ':' && !strncmp(peer, ":1.", 3))
		pid = strtoull(peer + 3, &end, 10);
	else if (peer[0] >= '0' && peer[0] <= '9')
		pid = strtoull(peer, &end, 10);
	if (pid && *end) {
		kdb_conn_free(c);
		return fail(-EINVAL, "status", peer);
	}
	ret = kdb_conn_info(c, pid, pid ? NULL : peer, KDB_ATTACH_ALL, &info);
	if (ret < 0) {
		kdb_conn_free(c);
		return fail(ret, "status", peer);
	}
	printf("ID=%llu\nUniqueName=:1.%llu\nFlags=0x%llx\n",
	       (unsigned long long)info->id, (unsigned long long)info->id,
	       (unsigned long long)info->flags);
	print_meta(&info->meta);
	kdb_info_free(info);
	kdb_conn_free(c);
	return 0;
}

/* ---- values as busctl writes and reads them --------------------------- */

static void print_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\x%02x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void print_value(GVariant *v)
{
	const GVariantType *t = g_variant_get_type(v);
	GVariantIter it;
	GVariant *c;
	bool first = true;

	if (g_variant_type_is_basic(t)) {
		if (g_variant_type_equal(t, G_VARIANT_TYPE_STRING) ||
		    g_variant_type_equal(t, G_VARIANT_TYPE_OBJECT_PATH) ||
		    g_variant_type_equal(t, G_VARIANT_TYPE_SIGNATURE)) {
			print_string(g_variant_get_string(v, NULL));
		} else if (g_variant_type_equal(t, G_VARIANT_TYPE_BOOLEAN)) {
			printf(g_variant_get_boolean(v) ? "true" : "false");
		} else if (g_variant_type_equal(t, G_VARIANT_TYPE_BYTE)) {
			printf("%u", g_variant_get_byte(v));
		} else {
			gchar *s = g_variant_print(v, FALSE);

			printf("%s", s);
			g_free(s);
		}
		return;
	}
	if (g_variant_type_is_variant(t)) {
		c = g_variant_get_variant(v);
		printf("%s ", g_variant_get_type_string(c));
		print_value(c);
		g_variant_unref(c);
		return;
	}
	if (g_variant_type_is_array(t))
		printf("%zu", g_variant_n_children(v));
	else
		first = true;
	g_variant_iter_init(&it, v);
	while ((c = g_variant_iter_next_value(&it))) {
		if (!first || g_variant_type_is_array(t))
			putchar(' ');
		first = false;
		print_value(c);
		g_variant_unref(c);
	}
}

/* the body as busctl prints it: the signature, then the values */
static void print_body(GDBusMessage *m)
{
	GVariant *body = g_dbus_message_get_body(m);
	const char *sig = g_dbus_message_get_signature(m);
	GVariantIter it;
	GVariant *c;

	if (!body || !sig || !*sig)
		return;
	printf("%s", sig);
	g_variant_iter_init(&it, body);
	while ((c = g_variant_iter_next_value(&it))) {
		putchar(' ');
		print_value(c);
		g_variant_unref(c);
	}
	putchar('\n');
}

struct args {
	char **v;
	int n;
};

static const char *next_arg(struct args *a)
{
	if (a->n <= 0)
		return NULL;
	a->n--;
	return *a->v++;
}

/* one complete type of *@sig, its value from the words in @a */
static GVariant *parse_value(const char **sig, struct args *a, int *err)
{
	const char *s = *sig, *w;
	char *end;
	GVariant *v = NULL;

	if (!*s) {
		*err = -EINVAL;
		return NULL;
	}
	if (*s == 'a') {
		const char *elem = s + 1, *after;
		GVariantBuilder b;
		unsigned long n, i;
		GVariantType *t;

		/* find the element type's end */
		after = elem;
		{
			const char *e;

			if (!g_variant_type_string_scan(elem, NULL, &e)) {
				*err = -EINVAL;
				return NULL;
			}
			after = e;
		}
		w = next_arg(a);
		if (!w) {
			*err = -EINVAL;
			return NULL;
		}
		n = strtoul(w, &end, 10);
		if (*end) {
			*err = -EINVAL;
			return NULL;
		}
		{
			gchar *ts = g_strndup(s, after - s);

			t = g_variant_type_new(ts);
			g_free(ts);
		}
		g_variant_builder_init(&b, t);
		g_variant_type_free(t);
		for (i = 0; i < n; i++) {
			const char *es = elem;
			GVariant *e = parse_value(&es, a, err);

			if (!e) {
				g_variant_builder_clear(&b);
				return NULL;
			}
			g_variant_builder_add_value(&b, e);
		}
		*sig = after;
		return g_variant_builder_end(&b);
	}
	if (*s == '(' || *s == '{') {
		char close = *s == '(' ? ')' : '}';
		GVariantBuilder b;

		g_variant_builder_init(&b, *s == '(' ? G_VARIANT_TYPE_TUPLE :
				       G_VARIANT_TYPE_DICT_ENTRY);
		s++;
		while (*s && *s != close) {
			GVariant *e = parse_value(&s, a, err);

			if (!e) {
				g_variant_builder_clear(&b);
				return NULL;
			}
			g_variant_builder_add_value(&b, e);
		}
		if (*s != close) {
			g_variant_builder_clear(&b);
			*err = -EINVAL;
			return NULL;
		}
		*sig = s + 1;
		return g_variant_builder_end(&b);
	}
	if (*s == 'v') {
		const char *inner = next_arg(a), *is;
		GVariant *e;

		if (!inner || !g_variant_type_string_is_valid(inner)) {
			*err = -EINVAL;
			return NULL;
		}
		is = inner;
		e = parse_value(&is, a, err);
		if (!e)
			return NULL;
		*sig = s + 1;
		return g_variant_new_variant(e);
	}
	w = next_arg(a);
	if (!w) {
		*err = -EINVAL;
		return NULL;
	}
	errno = 0;
	end = (char *)"";
	switch (*s) {
	case 's':
		v = g_variant_new_string(w);
		break;
	case 'o':
		if (g_variant_is_object_path(w))
			v = g_variant_new_object_path(w);
		break;
	case 'g':
		if (g_variant_is_signature(w))
			v = g_variant_new_signature(w);
		break;
	case 'b':
		if (!strcmp(w, "true") || !strcmp(w, "yes") || !strcmp(w, "1"))
			v = g_variant_new_boolean(TRUE);
		else if (!strcmp(w, "false") || !strcmp(w, "no") ||
			 !strcmp(w, "0"))
			v = g_variant_new_boolean(FALSE);
		break;
	case 'y':
		v = g_variant_new_byte(strtoul(w, &end, 0));
		break;
	case 'n':
		v = g_variant_new_int16(strtol(w, &end, 0));
		break;
	case 'q':
		v = g_variant_new_uint16(strtoul(w, &end, 0));
		break;
	case 'i':
		v = g_variant_new_int32(strtol(w, &end, 0));
		break;
	case 'u':
		v = g_variant_new_uint32(strtoul(w, &end, 0));
		break;
	case 'x':
		v = g_variant_new_int64(strtoll(w, &end, 0));
		break;
	case 't':
		v = g_variant_new_uint64(strtoull(w, &end, 0));
		break;
	case 'd':
		v = g_variant_new_double(strtod(w, &end));
		break;
	}
	if (!v || *end || errno) {
		if (v)
			g_variant_unref(g_variant_ref_sink(v));
		*err = -EINVAL;
		return NULL;
	}
	*sig = s + 1;
	return v;
}

/* the message body from SIGNATURE ARGS..., or NULL body for none */
static int parse_body(char **argv, int argc, GVariant **body)
{
	struct args a = { argv + 1, argc - 1 };
	GVariantBuilder b;
	const char *sig;
	int err = 0;

	*body = NULL;
	if (argc < 1)
		return 0;
	sig = argv[0];
	if (!g_variant_is_signature(sig))
		return -EINVAL;
	g_variant_builder_init(&b, G_VARIANT_TYPE_TUPLE);
	while (*sig) {
		GVariant *v = parse_value(&sig, &a, &err);

		if (!v) {
			g_variant_builder_clear(&b);
			return err ? err : -EINVAL;
		}
		g_variant_builder_add_value(&b, v);
	}
	if (a.n) {
		g_variant_builder_clear(&b);
		return -E2BIG;
	}
	*body = g_variant_builder_end(&b);
	return 0;
}

/* ---- call, emit ------------------------------------------------------- */

static int cmd_call(int argc, char **argv)
{
	GDBusMessage *m, *r = NULL;
	struct kdb_conn *c = NULL;
	GVariant *body;
	int ret;

	if (argc < 5)
		return show_usage();
	if (!g_variant_is_object_path(argv[2]) ||
	    !g_dbus_is_interface_name(argv[3]) ||
	    !g_dbus_is_member_name(argv[4]))
		return fail(-EINVAL, "call", "PATH INTERFACE METHOD");
	ret = parse_body(argv + 5, argc - 5, &body);
	if (ret < 0)
		return fail(ret, "call: arguments", argv[5]);
	if (connect_bus(argv[0], KDB_HELLO_ACCEPT_FD, &c)) {
		if (body)
			g_variant_unref(g_variant_ref_sink(body));
		return 1;
	}
	m = g_dbus_message_new_method_call(argv[1], argv[2], argv[3],
					   argv[4]);
	if (body)
		g_dbus_message_set_body(m, body);
	ret = kdb_dbus_call(c, m, timeout_us, -1, &r);
	g_object_unref(m);
	kdb_conn_free(c);
	if (ret < 0)
		return fail(ret, "call", argv[1]);
	if (g_dbus_message_get_message_type(r) == G_DBUS_MESSAGE_TYPE_ERROR) {
		const char *text = NULL;
		GVariant *eb = g_dbus_message_get_body(r);

		if (eb && g_str_has_prefix(g_dbus_message_get_signature(r),
					   "s"))
			g_variant_get_child(eb, 0, "&s", &text);
		fprintf(stderr, "%s: call failed: %s: %s\n", prog,
			g_dbus_message_get_error_name(r), text ? text : "");
		g_object_unref(r);
		return 1;
	}
	print_body(r);
	g_object_unref(r);
	return 0;
}

static int cmd_emit(int argc, char **argv)
{
	struct kdb_conn *c = NULL;
	GDBusMessage *m;
	GVariant *body;
	int ret;

	if (argc < 4)
		return show_usage();
	if (!g_variant_is_object_path(argv[1]) ||
	    !g_dbus_is_interface_name(argv[2]) ||
	    !g_dbus_is_member_name(argv[3]))
		return fail(-EINVAL, "emit", "PATH INTERFACE SIGNAL");
	ret = parse_body(argv + 4, argc - 4, &body);
	if (ret < 0)
		return fail(ret, "emit: arguments", argv[4]);
	if (connect_bus(argv[0], 0, &c)) {
		if (body)
			g_variant_unref(g_variant_ref_sink(body));
		return 1;
	}
	m = g_dbus_message_new_signal(argv[1], argv[2], argv[3]);
	if (body)
		g_dbus_message_set_body(m, body);
	ret = kdb_dbus_send(c, m, 0);
	g_object_unref(m);
	kdb_conn_free(c);
	if (ret < 0)
		return fail(ret, "emit", argv[3]);
	return 0;
}

/* ---- monitor ---------------------------------------------------------- */

static void json_string(const char *s)
{
	putchar('"');
	for (; s && *s; s++) {
		unsigned char ch = *s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch == '\n')
			printf("\\n");
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void json_value(GVariant *v)
{
	const GVariantType *t = g_variant_get_type(v);
	GVariantIter it;
	GVariant *c;
	bool first = true;

	if (g_variant_type_equal(t, G_VARIANT_TYPE_STRING) ||
	    g_variant_type_equal(t, G_VARIANT_TYPE_OBJECT_PATH) ||
	    g_variant_type_equal(t, G_VARIANT_TYPE_SIGNATURE)) {
		json_string(g_variant_get_string(v, NULL));
	} else if (g_variant_type_equal(t, G_VARIANT_TYPE_BOOLEAN)) {
		printf(g_variant_get_boolean(v) ? "true" : "false");
	} else if (g_variant_type_equal(t, G_VARIANT_TYPE_BYTE)) {
		printf("%u", g_variant_get_byte(v));
	} else if (g_variant_type_is_basic(t)) {
		gchar *s = g_variant_print(v, FALSE);

		printf("%s", s);
		g_free(s);
	} else if (g_variant_type_is_variant(t)) {
		c = g_variant_get_variant(v);
		printf("{\"type\":");
		json_string(g_variant_get_type_string(c));
		printf(",\"data\":");
		json_value(c);
		printf("}");
		g_variant_unref(c);
	} else {
		putchar('[');
		g_variant_iter_init(&it, v);
		while ((c = g_variant_iter_next_value(&it))) {
			if (!first)
				putchar(',');
			first = false;
			json_value(c);
			g_variant_unref(c);
		}
		putchar(']');
	}
}

static const char *type_name(GDBusMessageType t)
{
	switch (t) {
	case G_DBUS_MESSAGE_TYPE_METHOD_CALL:
		return "method_call";
	case G_DBUS_MESSAGE_TYPE_METHOD_RETURN:
		return "method_return";
	case G_DBUS_MESSAGE_TYPE_ERROR:
		return "error";
	case G_DBUS_MESSAGE_TYPE_SIGNAL:
		return "signal";
	default:
		return "invalid";
	}
}

static void json_field(const char *key, const char *val, bool *first)
{
	if (!val)
		return;
	printf("%s\"%s\":", *first ? "" : ",", key);
	*first = false;
	json_string(val);
}

static void show_notify(struct kdb_msg *msg, bool json)
{
	struct kdb_notify n;
	bool first = false;
	char buf[128];

	kdb_msg_notify(msg, &n);
	if (json) {
		printf("{\"type\":\"notification\"");
		json_field("kind", kdb_notify_type_name(n.type), &first);
		json_field("name", n.name, &first);
		printf(",\"id\":%llu,\"old_id\":%llu,\"new_id\":%llu}\n",
		       (unsigned long long)n.id, (unsigned long long)n.old_id,
		       (unsigned long long)n.new_id);
		return;
	}
	snprintf(buf, sizeof(buf), "%s", kdb_notify_type_name(n.type));
	printf("Type=notification  Kind=%s", buf);
	if (n.name)
		printf("  Name=%s  OldOwner=:1.%llu  NewOwner=:1.%llu", n.name,
		       (unsigned long long)n.old_id,
		       (unsigned long long)n.new_id);
	else if (n.type == KDB_NOTIFY_ID_ADD || n.type == KDB_NOTIFY_ID_REMOVE)
		printf("  ID=:1.%llu", (unsigned long long)n.id);
	else
		printf("  ReplyCookie=%llu",
		       (unsigned long long)kdb_msg_cookie_reply(msg));
	printf("\n");
}

static void show_dbus(struct kdb_msg *msg, GDBusMessage *m, bool json)
{
	GString *fields;
	char dst[32];
	const char *d;
	bool first = true;
	uint64_t id = kdb_msg_dst_id(msg);

	d = kdb_msg_dst_name(msg);
	if (!d) {
		if (id == KDB_ID_BROADCAST)
			snprintf(dst, sizeof(dst), "*");
		else
			snprintf(dst, sizeof(dst), ":1.%llu",
				 (unsigned long long)id);
		d = dst;
	}
	if (json) {
		printf("{");
		json_field("type", type_name(g_dbus_message_get_message_type(m)),
			   &first);
		json_field("sender", g_dbus_message_get_sender(m), &first);
		json_field("destination", d, &first);
		json_field("path", g_dbus_message_get_path(m), &first);
		json_field("interface", g_dbus_message_get_interface(m),
			   &first);
		json_field("member", g_dbus_message_get_member(m), &first);
		json_field("error_name", g_dbus_message_get_error_name(m),
			   &first);
		printf(",\"cookie\":%u", g_dbus_message_get_serial(m));
		if (g_dbus_message_get_reply_serial(m))
			printf(",\"reply_cookie\":%u",
			       g_dbus_message_get_reply_serial(m));
		if (g_dbus_message_get_body(m)) {
			json_field("signature", g_dbus_message_get_signature(m),
				   &first);
			printf(",\"payload\":{\"type\":");
			json_string(g_dbus_message_get_signature(m));
			printf(",\"data\":");
			json_value(g_dbus_message_get_body(m));
			printf("}");
		}
		printf("}\n");
		return;
	}
	printf("Type=%s  Sender=%s  Destination=%s  Cookie=%u",
	       type_name(g_dbus_message_get_message_type(m)),
	       g_dbus_message_get_sender(m), d, g_dbus_message_get_serial(m));
	if (g_dbus_message_get_reply_serial(m))
		printf("  ReplyCookie=%u", g_dbus_message_get_reply_serial(m));
	printf("\n");
	fields = g_string_new(NULL);
	if (g_dbus_message_get_path(m))
		g_string_append_printf(fields, "  Path=%s",
				       g_dbus_message_get_path(m));
	if (g_dbus_message_get_interface(m))
		g_string_append_printf(fields, "  Interface=%s",
				       g_dbus_message_get_interface(m));
	if (g_dbus_message_get_member(m))
		g_string_append_printf(fields, "  Member=%s",
				       g_dbus_message_get_member(m));
	if (g_dbus_message_get_error_name(m))
		g_string_append_printf(fields, "  ErrorName=%s",
				       g_dbus_message_get_error_name(m));
	if (fields->len)
		printf("%s\n", fields->str);
	g_string_free(fields, TRUE);
	if (g_dbus_message_get_body(m)) {
		printf("  ");
		print_body(m);
	}
}

static int cmd_monitor(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "count", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	struct kdb_conn *c = NULL;
	long count = -1, seen = 0;
	bool json = false;
	int o, ret;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == 'j')
			json = true;
		else if (o == 'c')
			count = strtol(optarg, NULL, 10);
		else
			return show_usage();
	}
	if (argc - optind != 1)
		return show_usage();
	if (connect_bus(argv[optind], KDB_HELLO_MONITOR |
			KDB_HELLO_ACCEPT_FD, &c))
		return 1;
	/* a monitor takes no match rules: it gets a copy of everything */
	/* with --json, stdout is JSON only: the status line goes to stderr */
	fprintf(json ? stderr : stdout, "Monitoring bus %s\n", argv[optind]);
	fflush(stdout);
	while (count < 0 || seen < count) {
		struct kdb_msg *msg = NULL;
		GDBusMessage *m = NULL;
		uint64_t dropped = 0;

		ret = kdb_conn_wait(c, -1);
		if (ret < 0)
			break;
		ret = kdb_recv(c, 0, &msg, &dropped);
		if (ret == -EAGAIN)
			continue;
		if (ret < 0)
			break;
		if (dropped)
			fprintf(stderr, "%s: %llu messages lost\n", prog,
				(unsigned long long)dropped);
		if (kdb_msg_src_id(msg) == KDB_ID_KERNEL)
			show_notify(msg, json);
		else if (kdb_dbus_from_msg(msg, &m) == 0)
			show_dbus(msg, m, json);
		else
			printf(json ? "{\"type\":\"raw\",\"payload_type\":%llu}\n" :
			       "Type=raw  PayloadType=0x%llx\n",
			       (unsigned long long)kdb_msg_payload_type(msg));
		if (m)
			g_object_unref(m);
		kdb_msg_free(msg);
		fflush(stdout);
		seen++;
	}
	kdb_conn_free(c);
	if (ret < 0 && !(count >= 0 && seen >= count))
		return fail(ret, "monitor", argv[optind]);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2)
		return show_usage();
	cmd = argv[1];
	if (!strcmp(cmd, "find") && argc == 2)
		return cmd_find();
	if (!strcmp(cmd, "mount") && (argc == 3 || argc == 4))
		return cmd_mount(argv[2], argc == 4 ? argv[3] : NULL);
	if (!strcmp(cmd, "bus-make") && argc >= 4) {
		uint64_t flags = 0;
		char **run = NULL;
		int i;

		for (i = 4; i < argc; i++) {
			if (!strcmp(argv[i], "--")) {
				run = argv + i + 1;
				break;
			}
			if (strcmp(argv[i], "--world"))
				return show_usage();
			flags |= KDB_MAKE_ACCESS_WORLD;
		}
		return cmd_bus_make(argv[2], argv[3], flags, run);
	}
	if (!strcmp(cmd, "endpoint-make"))
		return cmd_endpoint_make(argc - 1, argv + 1);
	if (!strcmp(cmd, "list") && argc == 3)
		return cmd_list(argv[2]);
	if (!strcmp(cmd, "status") && (argc == 3 || argc == 4))
		return cmd_status(argv[2], argc == 4 ? argv[3] : NULL);
	if (!strcmp(cmd, "monitor"))
		return cmd_monitor(argc - 1, argv + 1);
	if (!strcmp(cmd, "call")) {
		int i = 2;

		if (argc > 2 && !strncmp(argv[2], "--timeout=", 10)) {
			timeout_us = strtod(argv[2] + 10, NULL) * 1e6;
			i++;
		}
		return cmd_call(argc - i, argv + i);
	}
	if (!strcmp(cmd, "emit"))
		return cmd_emit(argc - 2, argv + 2);
	if (!strcmp(cmd, "activator") && argc >= 6 && !strcmp(argv[4], "--"))
		return cmd_activator(argv[2], argv[3], argv + 5);
	return show_usage();
}
