// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz - a structure-aware ioctl fuzzer for kdbusfs
 *
 *   fuzz [-s SEED] [-n ITERATIONS] [-t SECONDS] [-v] [-R]
 *        [--kcov[=count|auto]]
 *
 * Mounts kdbusfs on a temporary directory (as root, or else as root of a
 * new user namespace), makes buses, endpoint files and connections with
 * mapped pools, and then, one step per iteration, issues ioctls built by
 * mutating valid commands: sizes, flags, item chains, file descriptors in
 * items, pointers, pool offsets, destination ids. Now and then it closes
 * and remakes connections, endpoint files and buses, maps pools with odd
 * arguments, and polls. A child process (disable with -R) holds two more
 * connections and answers every request, so that synchronous calls and
 * replies get exercised.
 *
 * The checkpoint commands are fuzzed the same way: CHECKPOINT on any
 * file, and on the two checkpoint files it keeps open (now and then
 * closed and opened again, which ends their freezes) CONN_DUMP (with and
 * without KDBUS_DUMP_FREEZE), CONN_THAW, CONN_DUMP_FILES, BUS_DUMP,
 * ENDPOINT_DUMP, CONN_RESTORE, BUS_RESTORE and ENDPOINT_RESTORE. A dump
 * that succeeded is checked and kept, a connection's with a copy of its
 * pool and the files of its queued messages (CONN_DUMP_FILES); the
 * restores take kept dumps, as dumped or mutated (another id or name,
 * flipped bits, sizes), or made up. Now and then a connection is dumped
 * and closed, a bus dumped and its control file closed, or a custom
 * endpoint made (ENDPOINT_MAKE, kept like one a fuzzed ENDPOINT_MAKE
 * made), dumped and its maker closed, so that a restore of the dump can
 * succeed; a restored connection takes a connection slot, checked like
 * any other (leniently if its dump or pool was mutated), a restored bus
 * of the fuzzer's own takes its place again, and a restored endpoint's
 * file must be there again, its new owner say "endpoint-owner" in its
 * fdinfo and, restored as dumped, dump as it was dumped. The fuzzer tracks
 * which connections each checkpoint file froze: THAW, EBUSY and ENOENT
 * must agree with that, and SEND may fail with EAGAIN only while a
 * connection may be frozen.
 *
 * The inputs are a function of the seed alone (xorshift64*); results that
 * depend on timing (the responder, interrupted calls) may vary. Every
 * blocking call runs under an interval timer, so a synchronous SEND that
 * nobody answers ends with EINTR; a thread reports a step that takes
 * longer than HANG_SECONDS and exits.
 *
 * A result is impossible, and reported with the seed and the iteration,
 * if an ioctl returns anything but 0 or -1, fails with an errno that the
 * error tables of Documentation/filesystems/kdbusfs.rst do not list for
 * that command (kdbus_doc_errnos.h, which scripts/doc-errnos generates
 * from them), fails with another errno than the file's state
 * dictates (EBADF, EBADFD, ENOTTY, ESHUTDOWN, ECONNRESET; for the
 * checkpoint commands also what the files their fields name dictate:
 * ENOTCONN, EBADF, EBADFD, never EXDEV with one domain), succeeds where
 * it cannot (or with its argument in read-only memory), times out a
 * synchronous call before its deadline, leaves malformed data in a pool
 * or a dump, or hands out a writable pool mapping. Where /dev/kmsg is
 * readable, a kernel report (WARNING, BUG, KASAN, lockdep, ...) that
 * follows a step is reported with that step and its command bytes. At the
 * end, one line per command tells what it failed with,
 *
 *   fuzz: errors of SEND={ENXIO:n,...}
 *
 * then one what succeeded (KDBUS_FLAG_NEGOTIATE not counted) and how many
 * dump-and-close cycles ran,
 *
 *   fuzz: successes={BUS_MAKE:n,...} checkpoint_cycles: conn=n bus=n ...
 *
 * with how many restored endpoints were checked (as dumped: dumped again
 * and compared), how many restored connections took a slot, how many of
 * them from a dump and pool as dumped, and how many messages of those
 * were checked.
 *
 * and the last line is
 *
 *   fuzz: iterations=N seed=S errors_by_errno={EINVAL:n,...}
 *
 * With --kcov, on a kernel with KCOV and a module built with
 * scripts/build-module --coverage (the debug kernel instruments nothing
 * else), the fuzzer is guided by coverage. The main thread, which makes
 * every call of a step, is traced; the PCs inside the module's memory
 * (/proc/modules) make edges, hashes of consecutive PCs in a bitmap. A
 * step is recorded as its tape, the PRNG draws it took; a step that
 * reached new edges is kept in a corpus (CORPUS_MAX tapes), and half of
 * the steps replay a kept tape mutated (a draw drawn again, nudged, bit
 * flipped, dropped or added; the rest drawn afresh or spliced from another
 * tape) where the others are generated. The generator makes every
 * decision either way, so a mutated step is checked like any other. Its
 * inputs then depend on the coverage too: the seed reproduces a guided
 * run only as far as the coverage repeats. --kcov=count counts edges and
 * guides nothing, the inputs of a seed stay those of a run without
 * --kcov; --kcov=auto guides where KCOV and an instrumented module are
 * there and runs unguided otherwise. Every PROGRESS_SECONDS a line and,
 * before the last line, one line tell
 *
 *   fuzz: kcov edges=E corpus=C iterations=N mode=M pcs=P mutated=...
 *
 * where pcs counts the distinct PCs. --kcov or --kcov=count without KCOV
 * or without an instrumented module is a setup error.
 *
 * Exit status: 0, 1 if anything impossible was seen, 2 on setup errors,
 * 3 if a step hung.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <linux/kcov.h>

#include "kdbus_util.h"
#include "kdbus_doc_errnos.h"

#define HANG_SECONDS		20
#define WATCHDOG_US		20000
#define PAGE			4096UL

#define N_BUSES			3
#define N_SPARE_CONTROLS	2
#define N_ENDPOINTS		4
#define N_EPOWNERS		3
#define N_CONNS			8
#define N_CKPTS			2
#define N_OFFSETS		64
#define N_REQUESTS		16
#define N_INTERRUPTED		16
#define FD_TRACK		4096
#define CLOSED_FD		999

#define CMD_AREA		(64 * 1024)
#define MSG_AREA		(64 * 1024)
#define DATA_AREA		(KDBUS_MSG_MAX_PAYLOAD_VEC_SIZE + PAGE)
/* the buffer of CONN_DUMP and BUS_DUMP, and a restore's dump */
#define DUMP_AREA		(256 * 1024)
/* room for commands above KDBUS_CMD_MAX_SIZE */
#define BUILD_MAX		(KDBUS_CMD_MAX_SIZE + 8 * 1024)

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------------- */
/* PRNG: xorshift64*, the only source of randomness of the inputs */

static uint64_t rng;

static uint64_t xorshift(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 0x2545F4914F6CDD1DULL;
}

/*
 * With coverage guidance, a step is its tape: the draws it took. A step
 * that reached new edges is kept as its tape; a mutated tape replays as
 * the first draws of a later step, and the PRNG supplies what follows.
 * Every decision is the generator's, so a mutated input is built and
 * checked as any other. Without guidance no tape is played or recorded.
 */
#define TAPE_MAX		8192

static struct {
	uint64_t in[TAPE_MAX];	/* to replay */
	uint64_t out[TAPE_MAX];	/* recorded */
	unsigned int n_in, pos, n_out;
	bool record;
} tape;

static uint64_t rnd(void)
{
	uint64_t v;

	if (tape.pos < tape.n_in)
		v = tape.in[tape.pos++];
	else
		v = xorshift(&rng);
	if (tape.record && tape.n_out < TAPE_MAX)
		tape.out[tape.n_out++] = v;
	return v;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static bool chance(unsigned int percent)
{
	return below(100) < percent;
}

/*
 * Each ioctl is built either valid, every field as the ABI wants it, or
 * mutated; a valid command reaches the code behind the parser.
 */
static bool valid;

/* a mutation that happens only to commands that are not valid */
static bool mutate(unsigned int percent)
{
	return !valid && chance(percent);
}

/* ---------------------------------------------------------------------- */
/* state */

enum fz_kind {
	K_CONTROL,	/* control file, maybe with a bus made by the fuzzer */
	K_BUS,		/* control file of one of our buses */
	K_ENDPOINT,	/* endpoint file, no HELLO yet */
	K_EPOWNER,	/* endpoint file that made a custom endpoint */
	K_CONN,		/* connection */
	K_CKPT,		/* checkpoint file */
	K_OTHER,	/* unrelated file */
	K_OPATH,	/* O_PATH file of an endpoint */
	K_CLOSED,	/* a number that is not open */
	K_MINUS1,
};

static const char * const kind_name[] = {
	"control", "bus-control", "endpoint", "endpoint-owner", "connection",
	"checkpoint",
	"other", "o_path", "closed", "-1",
};

struct fz_bus {
	int control;
	bool alive;
	char name[64];
	char ep[256];
};

struct fz_spare {
	int fd;
	bool has_bus;
};

struct fz_ep {
	int fd;
	int bus;
	unsigned int gen;	/* bus generation it was opened in */
};

/* an endpoint file that made (or was restored as) a custom endpoint */
struct fz_epo {
	int fd;			/* -1: free slot */
	int bus;
	unsigned int gen;
	char name[KDBUS_NAME_MAX_LEN + 1];	/* "": not known */
};

struct fz_conn {
	int fd;			/* -1: free slot */
	uint64_t id;
	int bus;
	unsigned int gen;
	bool dead;
	bool accept_fd;
	bool monitor;		/* gets copies of messages to others */
	bool restored;		/* by CONN_RESTORE */
	bool lenient;		/* ... of a dump or pool not as dumped */
	uint64_t pool_size;
	uint8_t *pool;
	uint64_t offsets[N_OFFSETS];
	unsigned int n_offsets;
};

struct fz_request {
	int conn;
	uint64_t src;
	uint64_t cookie;
};

static struct {
	char dir[64];
	int root_fd;
	struct fz_bus bus[N_BUSES];
	unsigned int bus_gen[N_BUSES];
	struct fz_spare spare[N_SPARE_CONTROLS];
	struct fz_ep ep[N_ENDPOINTS];
	struct fz_epo epo[N_EPOWNERS];
	struct fz_conn conn[N_CONNS];
	int ckpt[N_CKPTS];	/* checkpoint files */
	struct fz_request req[N_REQUESTS];
	unsigned int n_req;
	int other[8];
	int n_other;
	int opath;
	int pipe_rd, pipe_wr;
	int memfd_sealed, memfd_unsealed, memfd_wseal;
	int sock;
	uint64_t resp_id[2];
	pid_t resp_pid;
	uint8_t *cmd_area, *msg_area, *data_area;
	uint8_t *dump_area;	/* DUMP_AREA bytes, a guard page after it */
	uint8_t *ro_area;	/* read-only page, a guard page after it */
	uint8_t *guard;
	bool verbose;
} fz;

static bool ours[FD_TRACK];

/* what each checkpoint file froze, by connection slot */
enum { F_NO, F_YES, F_MAYBE };
static uint8_t frozen[N_CKPTS][N_CONNS];
/* it froze a connection since it was opened: senders may get EAGAIN */
static bool froze_any[N_CKPTS];

/*
 * Synchronous SENDs a signal interrupted. A later one of the same cookie
 * to the same peer resumes the request with its first deadline; replayed
 * tapes repeat cookies.
 */
static struct {
	bool used;
	int conn;
	uint64_t cookie, deadline;
} intr_send[N_INTERRUPTED];
static unsigned int n_intr_send;

/* statistics */
static uint64_t seed, iteration, n_ok, n_bad, n_conns_made, n_buses_made;
static uint64_t n_sends_ok, n_recv_ok, n_mmaps_ok, n_intr;
static uint64_t errno_hist[256];
/* the errnos of each command of kdbus_doc_errnos[], of other ioctls last */
static uint64_t cmd_errno_hist[KDBUS_DOC_N_CMDS + 1][256];
/* successes of each, KDBUS_FLAG_NEGOTIATE not counted */
static uint64_t cmd_ok[KDBUS_DOC_N_CMDS + 1];
static uint64_t n_conn_cycles, n_bus_cycles, n_adopted;
static uint64_t n_restored, n_restored_strict, n_restored_msgs, n_names;
static uint64_t n_ep_cycles, n_eps_restored, n_eps_restored_strict;
static uint64_t progress;
/* what else the reproducing command line needs */
static const char *repro_args = "";

/* what runs now, for the hang and crash reports */
static struct {
	uint64_t iteration;
	const char *what;
	const char *kind;
	unsigned long cmd;
} cur;

/* ---------------------------------------------------------------------- */
/* errnos: what the documentation's error tables list for each command */

static bool in_list(int err, const int *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i] == err)
			return true;
	return false;
}

/* the 0-terminated errnos of @cmd's tables, or NULL for no command */
static const int *cmd_errnos(unsigned long cmd, const char **name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kdbus_doc_errnos); i++) {
		if (kdbus_doc_errnos[i].cmd == cmd) {
			*name = kdbus_doc_errnos[i].name;
			return kdbus_doc_errnos[i].errnos;
		}
	}
	*name = "an unknown ioctl";
	return NULL;
}

static bool in_zlist(int err, const int *list)
{
	for (; list && *list; list++)
		if (*list == err)
			return true;
	return false;
}

/*
 * Whether Documentation/filesystems/kdbusfs.rst lists @err for @cmd, in
 * the command's tables or in the one for every command.
 */
static bool documented(unsigned long cmd, int err)
{
	const char *name;

	return in_zlist(err, kdbus_doc_errnos_every) ||
	       in_zlist(err, cmd_errnos(cmd, &name));
}

static const char *cmd_name(unsigned long cmd)
{
	const char *name;

	cmd_errnos(cmd, &name);
	return name;
}

/* ---------------------------------------------------------------------- */
/* reports */

/* checks of what user space put there itself: nothing is impossible */
static int quiet;

static void hexdump(const char *what, const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t i;

	if (!p || quiet)
		return;
	if (len > 512)
		len = 512;
	fprintf(stderr, "fuzz:   %s:", what);
	for (i = 0; i < len; i++)
		fprintf(stderr, "%s%02x", i % 8 ? "" : " ", b[i]);
	fprintf(stderr, "\n");
}

static void bad(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	n_bad++;
	fprintf(stderr, "fuzz: BAD seed=%llu iteration=%llu op=%s fd=%s cmd=0x%lx: ",
		(unsigned long long)seed, (unsigned long long)iteration,
		cur.what ? cur.what : "-", cur.kind ? cur.kind : "-", cur.cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nfuzz:   reproduce: fuzz -s %llu -n %llu%s -v\n",
		(unsigned long long)seed, (unsigned long long)iteration + 1,
		repro_args);
}

static void die(const char *what, int err)
{
	fprintf(stderr, "fuzz: setup: %s: %s\n", what, strerror(err));
	exit(2);
}

/* ---------------------------------------------------------------------- */
/* kernel reports, read from /dev/kmsg after every step */

static int kmsg_fd = -1;

/* the last command, as built, for the report */
static struct builder *last_cmd, *last_msg;
/* ... and the dump it restores */
static const uint8_t *last_dump;
static uint64_t last_dump_len;

static const char * const kernel_reports[] = {
	"WARNING:", "BUG:", "Oops", "general protection fault", "KASAN",
	"UBSAN", "kmemleak", "possible circular locking",
	"possible recursive locking", "inconsistent lock state", "refcount_t:",
	"list_add corruption", "list_del corruption", "kernel BUG",
	"unreferenced object", "INFO: task", "Kernel panic",
};

static void kmsg_open(void)
{
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg_fd < 0) {
		fprintf(stderr, "fuzz: /dev/kmsg: %s; kernel reports are not checked\n",
			strerror(errno));
		return;
	}
	lseek(kmsg_fd, 0, SEEK_END);
}

static void dump_last(void);

static void kmsg_check(void)
{
	char rec[2048], *text, *nl;
	ssize_t n;
	size_t i;

	if (kmsg_fd < 0)
		return;
	for (;;) {
		n = read(kmsg_fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* records were overwritten */
		if (n <= 0)
			return;
		rec[n] = 0;
		text = strchr(rec, ';');
		text = text ? text + 1 : rec;
		nl = strchr(text, '\n');
		if (nl)
			*nl = 0;
		for (i = 0; i < ARRAY_SIZE(kernel_reports); i++)
			if (strstr(text, kernel_reports[i])) {
				bad("kernel report after this step: %s", text);
				dump_last();
				break;
			}
	}
}

/* ---------------------------------------------------------------------- */
/* signals: the per-call watchdog and crash reports */

static void on_alarm(int sig)
{
}

static void arm(void)
{
	struct itimerval it = {
		.it_interval = { .tv_usec = WATCHDOG_US },
		.it_value = { .tv_usec = WATCHDOG_US },
	};

	setitimer(ITIMER_REAL, &it, NULL);
}

static void disarm(void)
{
	struct itimerval it = { 0 };

	setitimer(ITIMER_REAL, &it, NULL);
}

static sigjmp_buf touch_env;
static int touching;

static void on_crash(int sig)
{
	char buf[256];
	int len;

	if (__atomic_load_n(&touching, __ATOMIC_RELAXED))
		siglongjmp(touch_env, sig);
	len = snprintf(buf, sizeof(buf),
		       "fuzz: CRASH signal %d seed=%llu iteration=%llu op=%s\n",
		       sig, (unsigned long long)seed,
		       (unsigned long long)cur.iteration,
		       cur.what ? cur.what : "-");
	if (write(2, buf, len) < 0)
		_exit(4);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void *hang_watch(void *arg)
{
	uint64_t last = ~0ULL;
	int still = 0;

	for (;;) {
		uint64_t now = __atomic_load_n(&progress, __ATOMIC_RELAXED);

		sleep(1);
		if (now != last) {
			last = now;
			still = 0;
			continue;
		}
		if (++still < HANG_SECONDS)
			continue;
		fprintf(stderr,
			"fuzz: HANG seed=%llu iteration=%llu op=%s fd=%s cmd=0x%lx: no progress for %d s\n",
			(unsigned long long)seed,
			(unsigned long long)cur.iteration,
			cur.what ? cur.what : "-", cur.kind ? cur.kind : "-",
			cur.cmd, HANG_SECONDS);
		fprintf(stderr, "fuzz:   reproduce: fuzz -s %llu -n %llu%s -v\n",
			(unsigned long long)seed,
			(unsigned long long)cur.iteration + 1, repro_args);
		_exit(3);
	}
	return NULL;
}

static void setup_signals(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct sigaction crash = { .sa_handler = on_crash };
	sigset_t set;
	pthread_t t;

	/* no SA_RESTART: an interrupted call returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	sigemptyset(&crash.sa_mask);
	crash.sa_flags = SA_NODEFER;
	sigaction(SIGSEGV, &crash, NULL);
	sigaction(SIGBUS, &crash, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* the hang watcher never takes SIGALRM */
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (pthread_create(&t, NULL, hang_watch, NULL))
		die("pthread_create", errno);
	pthread_detach(t);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

/* ---------------------------------------------------------------------- */
/* file descriptors we own */

static int track(int fd)
{
	if (fd >= 0 && fd < FD_TRACK)
		ours[fd] = true;
	return fd;
}

static void fz_close(int fd)
{
	if (fd < 0)
		return;
	if (fd < FD_TRACK)
		ours[fd] = false;
	close(fd);
}

static int open_ep(int bus)
{
	return track(open(fz.bus[bus].ep, O_RDWR | O_CLOEXEC));
}

/* ---------------------------------------------------------------------- */
/* buses, endpoints, connections */

static void conn_unmap(struct fz_conn *c)
{
	if (c->pool)
		munmap(c->pool, c->pool_size);
	c->pool = NULL;
}

static void conn_free_slot(struct fz_conn *c)
{
	unsigned int i;

	for (i = 0; i < N_INTERRUPTED; i++)
		if (intr_send[i].conn == c - fz.conn)
			intr_send[i].used = false;
	for (i = 0; i < N_CKPTS; i++)
		frozen[i][c - fz.conn] = F_NO;
	conn_unmap(c);
	fz_close(c->fd);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static void conn_add_offset(struct fz_conn *c, uint64_t off);

/*
 * Register a connection that HELLO (or CONN_RESTORE, with no @hello_off:
 * ~0) made on @fd; its slot, or -1.
 */
static int conn_register(int fd, int bus, uint64_t id, uint64_t pool_size,
			 uint64_t flags, uint64_t hello_off)
{
	struct fz_conn *c = NULL;
	int i;

	for (i = 0; i < N_CONNS; i++)
		if (fz.conn[i].fd < 0) {
			c = &fz.conn[i];
			break;
		}
	/* no room, or a pool that could pin too much memory: let it go */
	if (!c || pool_size > 64 * 1024 * 1024) {
		fz_close(fd);
		return -1;
	}
	c->fd = fd;
	c->id = id;
	c->bus = bus;
	c->gen = fz.bus_gen[bus];
	c->dead = false;
	c->accept_fd = flags & KDBUS_HELLO_ACCEPT_FD;
	c->monitor = flags & KDBUS_HELLO_MONITOR;
	c->pool_size = pool_size;
	c->n_offsets = 0;
	c->pool = mmap(NULL, pool_size, PROT_READ, MAP_SHARED, fd, 0);
	if (c->pool == MAP_FAILED) {
		bad("pool of a new connection cannot be mapped: %s",
		    kdbus_errno_name(errno));
		c->pool = NULL;
	}
	if (hello_off != ~0ULL)
		conn_add_offset(c, hello_off);
	n_conns_made++;
	return c - fz.conn;
}

static const uint64_t pool_sizes[] = {
	4096, 8192, 16384, 65536, 262144, 1024 * 1024,
};

/* a valid HELLO; the connection replaces slot @i */
static void conn_make(int i)
{
	struct kdbus_cmd_hello hello = { .size = sizeof(hello) };
	int bus = below(2), fd, ret;

	if (!fz.bus[bus].alive)
		bus = 0;
	conn_free_slot(&fz.conn[i]);
	hello.flags = chance(50) ? KDBUS_HELLO_ACCEPT_FD : 0;
	hello.pool_size = pool_sizes[below(6)];
	fd = open_ep(bus);
	if (fd < 0) {
		bad("cannot open the endpoint of a live bus: %s",
		    kdbus_errno_name(errno));
		return;
	}
	ret = kdbus_ioctl(fd, KDBUS_CMD_HELLO, &hello);
	if (ret) {
		bad("valid HELLO failed: %s", kdbus_errno_name(-ret));
		fz_close(fd);
		return;
	}
	conn_register(fd, bus, hello.id, hello.pool_size, hello.flags,
		      hello.offset);
}

static void bus_make(int b)
{
	struct fz_bus *bus = &fz.bus[b];
	char suffix[16], ep[sizeof(bus->ep)];
	int ret;

	bus->control = track(kdbus_open_control(fz.dir));
	if (bus->control < 0)
		die("open control", -bus->control);
	snprintf(suffix, sizeof(suffix), "fuzz%d", b);
	kdbus_bus_name(bus->name, sizeof(bus->name), suffix);
	ret = kdbus_bus_make(bus->control, KDBUS_MAKE_ACCESS_WORLD, bus->name);
	if (ret)
		die("BUS_MAKE", -ret);
	snprintf(ep, sizeof(ep), "%s/%s/bus", fz.dir, bus->name);
	memcpy(bus->ep, ep, sizeof(ep));
	bus->alive = true;
	fz.bus_gen[b]++;
	n_buses_made++;
}

static void ep_reopen(int i)
{
	int bus = below(N_BUSES);

	fz_close(fz.ep[i].fd);
	if (!fz.bus[bus].alive)
		bus = 0;
	fz.ep[i].fd = open_ep(bus);
	fz.ep[i].bus = bus;
	fz.ep[i].gen = fz.bus_gen[bus];
	if (fz.ep[i].fd < 0)
		bad("cannot open the endpoint of a live bus: %s",
		    kdbus_errno_name(errno));
}

/* close a bus's control file: the bus and its connections go away */
static void bus_close(int b)
{
	int i;

	fz_close(fz.bus[b].control);
	fz.bus[b].control = -1;
	fz.bus[b].alive = false;
	for (i = 0; i < N_CONNS; i++)
		if (fz.conn[i].fd >= 0 && fz.conn[i].bus == b)
			fz.conn[i].dead = true;
}

static void spare_reopen(int i)
{
	fz_close(fz.spare[i].fd);
	fz.spare[i].fd = track(kdbus_open_control(fz.dir));
	fz.spare[i].has_bus = false;
	if (fz.spare[i].fd < 0)
		bad("cannot open control: %s",
		    kdbus_errno_name(-fz.spare[i].fd));
}

static int make_memfd(unsigned int seals)
{
	int fd = kdbus_memfd_make(2 * PAGE, seals);

	if (fd < 0)
		die("memfd", -fd);
	return track(fd);
}

/* ---------------------------------------------------------------------- */
/* the responder: another process that answers every request */

static void respond(struct kdbus_conn *c, int pipe_fd)
{
	struct kdbus_cmd_recv rc;
	struct kdbus_item *item;
	struct kdbus_msg *m;
	int ret, i;

	ret = kdbus_recv(c, 0, 0, &m, &rc);
	if (ret == -EAGAIN)
		return;
	if (ret) {
		fprintf(stderr, "fuzz: BAD responder RECV: %s\n",
			kdbus_errno_name(-ret));
		_exit(1);
	}
	/* files are installed; close them */
	KDBUS_ITEM_FOREACH(item, m) {
		if (item->type == KDBUS_ITEM_FDS)
			for (i = 0; i < (int)((item->size -
					       KDBUS_ITEM_HEADER_SIZE) /
					      sizeof(int)); i++)
				if (item->fds[i] >= 0)
					close(item->fds[i]);
		if (item->type == KDBUS_ITEM_PAYLOAD_MEMFD &&
		    item->memfd.fd >= 0)
			close(item->memfd.fd);
	}
	if ((m->flags & KDBUS_MSG_EXPECT_REPLY) &&
	    m->src_id != KDBUS_SRC_ID_KERNEL) {
		struct kdbus_send_args a = KDBUS_SEND_ARGS_INIT;

		a.cookie_reply = m->cookie;
		a.cookie = m->cookie + 1;
		a.data = "answer";
		a.size = 7;
		/* sometimes with a file: not every caller takes them */
		if (rnd() % 3 == 0) {
			a.fds = &pipe_fd;
			a.n_fds = 1;
		}
		ret = kdbus_send(c, m->src_id, &a);
		if (ret && !documented(KDBUS_CMD_SEND, -ret)) {
			fprintf(stderr, "fuzz: BAD responder reply: %s\n",
				kdbus_errno_name(-ret));
			_exit(1);
		}
	}
	ret = kdbus_msg_free(c, m);
	if (ret) {
		fprintf(stderr, "fuzz: BAD responder FREE: %s\n",
			kdbus_errno_name(-ret));
		_exit(1);
	}
}

static void responder_start(void)
{
	struct kdbus_conn c[2];
	int p[2], i;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		die("pipe", errno);
	pid = fork();
	if (pid < 0)
		die("fork", errno);
	if (pid == 0) {
		struct pollfd pfd[2];

		int pp[2];

		for (i = 3; i < FD_TRACK; i++)
			if (i != p[1])
				close(i);
		rng ^= 0x5deece66dULL;
		/* another user where one is mapped: quotas apply to us */
		kdbus_drop_to(KDBUS_TEST_UID, KDBUS_TEST_GID);
		/* after the uid change, which clears it */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(0);
		if (pipe2(pp, O_CLOEXEC) < 0)
			_exit(2);
		for (i = 0; i < 2; i++) {
			if (kdbus_hello(fz.bus[0].ep,
					i ? KDBUS_HELLO_ACCEPT_FD : 0,
					256 * 1024, &c[i]))
				_exit(2);
			if (write(p[1], &c[i].id, 8) != 8)
				_exit(2);
			pfd[i].fd = c[i].fd;
			pfd[i].events = POLLIN;
		}
		close(p[1]);
		for (;;) {
			if (poll(pfd, 2, 200) < 0)
				continue;
			for (i = 0; i < 2; i++)
				if (pfd[i].revents & POLLIN)
					respond(&c[i], pp[0]);
			if (getppid() == 1)
				_exit(0);
			/* now and then let the queues fill up */
			if (rnd() % 64 == 0)
				usleep(50000);
		}
	}
	close(p[1]);
	for (i = 0; i < 2; i++)
		if (read(p[0], &fz.resp_id[i], 8) != 8)
			die("responder", EIO);
	close(p[0]);
	fz.resp_pid = pid;
}

/* ---------------------------------------------------------------------- */
/* setup */

static int ckpt_reopen(int k);
static void saved_init(void);

static void setup(bool responder)
{
	int ret, i, sv[2], p[2];

	ret = kdbus_mkdtemp(fz.dir, sizeof(fz.dir));
	if (ret)
		die("mkdtemp", -ret);
	ret = kdbus_mount(fz.dir, NULL);
	if (ret == -EPERM) {
		/* unprivileged: become root of a user namespace */
		ret = kdbus_unshare_userns_as_root();
		if (ret)
			die("unshare", -ret);
		ret = kdbus_mount(fz.dir, NULL);
	}
	if (ret)
		die("mount kdbusfs", -ret);
	fz.root_fd = track(open(fz.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));

	bus_make(0);
	if (responder)
		responder_start();
	for (i = 1; i < N_BUSES; i++)
		bus_make(i);
	for (i = 0; i < N_SPARE_CONTROLS; i++) {
		fz.spare[i].fd = -1;
		spare_reopen(i);
	}
	for (i = 0; i < N_ENDPOINTS; i++) {
		fz.ep[i].fd = -1;
		ep_reopen(i);
	}
	for (i = 0; i < N_EPOWNERS; i++)
		fz.epo[i].fd = -1;
	for (i = 0; i < N_CONNS; i++) {
		fz.conn[i].fd = -1;
		conn_make(i);
	}
	for (i = 0; i < N_CKPTS; i++) {
		fz.ckpt[i] = -1;
		ret = ckpt_reopen(i);
		if (ret)
			die("KDBUS_CMD_CHECKPOINT", ret);
	}
	saved_init();

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		die("pipe", errno);
	fz.pipe_rd = track(p[0]);
	fz.pipe_wr = track(p[1]);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		die("socketpair", errno);
	fz.sock = track(sv[0]);
	track(sv[1]);
	fz.memfd_sealed = make_memfd(KDBUS_MEMFD_SEALS);
	fz.memfd_unsealed = make_memfd(0);
	fz.memfd_wseal = make_memfd(F_SEAL_WRITE);
	fz.opath = track(open(fz.bus[0].ep, O_PATH | O_CLOEXEC));
	fz.other[fz.n_other++] = fz.pipe_rd;
	fz.other[fz.n_other++] = fz.pipe_wr;
	fz.other[fz.n_other++] = fz.sock;
	fz.other[fz.n_other++] = fz.memfd_sealed;
	fz.other[fz.n_other++] = fz.memfd_unsealed;
	fz.other[fz.n_other++] = track(open("/dev/null",
					    O_RDWR | O_CLOEXEC));
	fz.other[fz.n_other++] = fz.root_fd;
	if (fcntl(CLOSED_FD, F_GETFD) >= 0)
		die("fd 999 is open", EEXIST);

	/* command, message and payload areas, each followed by a guard */
	fz.cmd_area = mmap(NULL, CMD_AREA + MSG_AREA + DATA_AREA + 3 * PAGE,
			   PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fz.cmd_area == MAP_FAILED)
		die("mmap", errno);
	fz.msg_area = fz.cmd_area + CMD_AREA + PAGE;
	fz.data_area = fz.msg_area + MSG_AREA + PAGE;
	if (mprotect(fz.cmd_area + CMD_AREA, PAGE, PROT_NONE) ||
	    mprotect(fz.msg_area + MSG_AREA, PAGE, PROT_NONE) ||
	    mprotect(fz.data_area + DATA_AREA, PAGE, PROT_NONE))
		die("mprotect", errno);
	fz.guard = fz.cmd_area + CMD_AREA;
	fz.dump_area = mmap(NULL, DUMP_AREA + PAGE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fz.dump_area == MAP_FAILED ||
	    mprotect(fz.dump_area + DUMP_AREA, PAGE, PROT_NONE))
		die("mmap", errno);
	fz.ro_area = mmap(NULL, 2 * PAGE, PROT_READ,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fz.ro_area == MAP_FAILED ||
	    mprotect(fz.ro_area + PAGE, PAGE, PROT_NONE))
		die("mmap", errno);
	for (i = 0; i < (int)DATA_AREA; i++)
		fz.data_area[i] = (uint8_t)(i * 7);
}

/* ---------------------------------------------------------------------- */
/* picking files */

struct pick {
	int fd;
	enum fz_kind kind;
	int idx;		/* slot in its table */
};

/*
 * a file, most likely of @want (K_CONN, K_ENDPOINT, K_EPOWNER, K_CONTROL,
 * K_CKPT)
 */
static struct pick pick_fd_for(enum fz_kind want)
{
	struct pick p = { .idx = -1 };
	uint64_t r = below(100);

	if (chance(80)) {
		if (want == K_CONN)
			r = 0;
		else if (want == K_ENDPOINT)
			r = 70;
		else if (want == K_EPOWNER)
			r = 76;
		else if (want == K_CONTROL)
			r = 82 + 3 * chance(70);
		else if (want == K_CKPT)
			r = 92;
	}

	if (r < 70) {
		p.idx = below(N_CONNS);
		p.fd = fz.conn[p.idx].fd;
		p.kind = p.fd < 0 ? K_CLOSED : K_CONN;
		if (p.fd < 0)
			p.fd = CLOSED_FD;
	} else if (r < 76) {
		p.idx = below(N_ENDPOINTS);
		p.fd = fz.ep[p.idx].fd;
		p.kind = K_ENDPOINT;
	} else if (r < 78) {
		p.idx = below(N_EPOWNERS);
		p.fd = fz.epo[p.idx].fd;
		p.kind = K_EPOWNER;
	} else if (r < 82) {
		p.idx = below(N_BUSES);
		p.fd = fz.bus[p.idx].control;
		p.kind = K_BUS;
	} else if (r < 85) {
		p.idx = below(N_SPARE_CONTROLS);
		p.fd = fz.spare[p.idx].fd;
		p.kind = K_CONTROL;
	} else if (r < 92) {
		p.fd = fz.other[below(fz.n_other)];
		p.kind = K_OTHER;
	} else if (r < 94) {
		p.idx = below(N_CKPTS);
		p.fd = fz.ckpt[p.idx];
		p.kind = K_CKPT;
	} else if (r < 96) {
		p.fd = fz.opath;
		p.kind = K_OPATH;
	} else if (r < 98) {
		p.fd = CLOSED_FD;
		p.kind = K_CLOSED;
	} else {
		p.fd = -1;
		p.kind = K_MINUS1;
	}
	if (p.fd < 0 && p.kind != K_MINUS1) {
		p.fd = CLOSED_FD;
		p.kind = K_CLOSED;
	}
	return p;
}

static struct pick pick_fd(void)
{
	return pick_fd_for(K_OTHER);
}

/* a file descriptor number to put into an FDS or MEMFD item */
static int pick_item_fd(void)
{
	if (valid)
		return chance(50) ? fz.pipe_rd : fz.pipe_wr;
	switch (below(12)) {
	case 0:
	case 1:
		return fz.pipe_rd;
	case 2:
		return fz.pipe_wr;
	case 3:
		return fz.memfd_sealed;
	case 4:
		return fz.memfd_unsealed;
	case 5:
		return fz.memfd_wseal;
	case 6:
		return fz.conn[below(N_CONNS)].fd;
	case 7:
		return fz.sock;
	case 8:
		return CLOSED_FD;
	case 9:
		return -1;
	case 10:
		return fz.bus[below(N_BUSES)].control;
	default:
		return below(2) ? 0x7fffffff : (int)rnd();
	}
}

/* ---------------------------------------------------------------------- */
/* values */

static uint64_t pick_size(uint64_t len, uint64_t fixed)
{
	if (valid)
		return len;
	switch (below(20)) {
	case 0:
		return 0;
	case 1:
		return 1;
	case 2:
		return 7;
	case 3:
		return 8;
	case 4:
		return fixed - 1;
	case 5:
		return fixed;
	case 6:
		return len + 8;
	case 7:
		return len - 8;
	case 8:
		return 1ULL << (32 + below(32));
	case 9:
		return ~0ULL - below(16);
	case 10:
		return KDBUS_CMD_MAX_SIZE - 8;
	case 11:
		return KDBUS_CMD_MAX_SIZE;
	case 12:
		return KDBUS_CMD_MAX_SIZE + 8;
	case 13:
		return len + 1;
	case 14:
		return below(BUILD_MAX);
	default:
		return len;
	}
}

static uint64_t pick_flags(uint64_t known)
{
	uint64_t f;

	if (valid)
		return known & rnd();
	switch (below(16)) {
	case 0:
	case 1:
	case 2:
	case 3:
		return 0;
	case 4:
		return known | KDBUS_FLAG_NEGOTIATE;
	case 5:
		return KDBUS_FLAG_NEGOTIATE;
	case 6:
		return (known & rnd()) | (1ULL << below(63));
	case 7:
		return ~0ULL;
	case 8:
		return rnd();
	default:
		f = known & rnd();
		return f;
	}
}

static uint64_t pick_u64(void)
{
	static const uint64_t vals[] = {
		0, 1, 2, 7, 8, 0x7fffffffffffffffULL, 0x8000000000000000ULL,
		~0ULL, 0xffffffffULL, 0x100000000ULL, 4096, 65536,
	};

	if (chance(50))
		return vals[below(ARRAY_SIZE(vals))];
	return rnd() >> below(64);
}

/* a user pointer for PAYLOAD_VEC data of @size bytes */
static uint64_t pick_data_ptr(uint64_t size)
{
	uint64_t room = size < DATA_AREA ? DATA_AREA - size : 0;

	if (valid)
		return (uintptr_t)(fz.data_area + below(room + 1));
	switch (below(16)) {
	case 0:
		return 0;
	case 1:
		return 0x10000;			/* below mmap_min_addr */
	case 2:
		return 0xffffffff81000000ULL;	/* kernel text */
	case 3:
		return 0xffff888000000000ULL;	/* direct map */
	case 4:
		return (uintptr_t)(fz.data_area + DATA_AREA);	/* guard */
	case 5:
		/* runs into the guard */
		return (uintptr_t)(fz.data_area + DATA_AREA - size / 2);
	case 6:
		return 0x0000800000000000ULL;	/* not canonical */
	case 7:
		return (uintptr_t)(fz.data_area + 1 + below(7));
	default:
		/* ends right at the guard, or somewhere inside */
		return (uintptr_t)(fz.data_area + (chance(30) ? room :
						   below(room + 1)));
	}
}

static uint64_t pick_vec_size(void)
{
	if (valid)
		return chance(90) ? 1 + below(2048) : 1 + below(256 * 1024);
	switch (below(12)) {
	case 0:
		return 0;
	case 1:
		return 1 + below(7);
	case 2:
		return KDBUS_MSG_MAX_PAYLOAD_VEC_SIZE;
	case 3:
		return KDBUS_MSG_MAX_PAYLOAD_VEC_SIZE + 1;
	case 4:
		return ~0ULL;
	case 5:
		return 1ULL << 40;
	case 6:
		return 64 * 1024 + below(64 * 1024);
	default:
		return 1 + below(4096);
	}
}

/* ---------------------------------------------------------------------- */
/* item chains */

struct builder {
	uint64_t buf[BUILD_MAX / 8 + 16];
	size_t len;		/* bytes used, 8-byte aligned */
	size_t fixed;		/* size of the fixed part */
};

static uint8_t *bptr(struct builder *b)
{
	return (uint8_t *)b->buf;
}

/* append an item whose payload is @size bytes; returns it */
static struct kdbus_item *item_add(struct builder *b, uint64_t type,
				   size_t size)
{
	struct kdbus_item *item;

	if (b->len + KDBUS_ITEM_SIZE(size) > BUILD_MAX)
		return NULL;
	item = (void *)(bptr(b) + b->len);
	memset(item, 0, KDBUS_ITEM_SIZE(size));
	item->size = KDBUS_ITEM_HEADER_SIZE + size;
	item->type = type;
	b->len += KDBUS_ITEM_SIZE(size);
	return item;
}

static void item_str(struct builder *b, uint64_t type, const char *s)
{
	struct kdbus_item *item = item_add(b, type, strlen(s) + 1);

	if (!item)
		return;
	memcpy(item->str, s, strlen(s) + 1);
	/* unterminated, or with a NUL inside */
	if (mutate(8))
		item->str[strlen(s)] = 'x';
	else if (mutate(5) && strlen(s) > 2)
		item->str[1] = 0;
}

static void item_name(struct builder *b, uint64_t type)
{
	static const char * const names[] = {
		"", "-", "a", "bad name", "-lead", "trail-", "x.y.z",
		"0123456789012345678901234567890123456789012345678901234567890123456789",
		"\xff\xfe", "..",
	};
	char name[128];

	switch (valid ? 5 : below(6)) {
	case 0:
		kdbus_bus_name(name, sizeof(name), names[below(10)]);
		break;
	case 1:
		snprintf(name, sizeof(name), "%s", names[below(10)]);
		break;
	case 2:
		snprintf(name, sizeof(name), "%u-", (unsigned int)below(3000));
		break;
	default:
		snprintf(name, sizeof(name), "%u-fz%u", geteuid(),
			 (unsigned int)below(8));
		break;
	}
	item_str(b, type, name);
}

static void item_of_type(struct builder *b, uint64_t type)
{
	struct kdbus_item *item;
	unsigned int i, n;

	switch (type) {
	case KDBUS_ITEM_NEGOTIATE:
		n = below(6);
		item = item_add(b, type, n * 8);
		for (i = 0; item && i < n; i++)
			item->data64[i] = chance(70) ? below(16) : rnd();
		break;
	case KDBUS_ITEM_PAYLOAD_VEC:
	case KDBUS_ITEM_PAYLOAD_OFF:
		item = item_add(b, type, sizeof(struct kdbus_vec));
		if (!item)
			break;
		item->vec.size = pick_vec_size();
		item->vec.address = pick_data_ptr(item->vec.size);
		break;
	case KDBUS_ITEM_PAYLOAD_MEMFD:
		item = item_add(b, type, sizeof(struct kdbus_memfd));
		if (!item)
			break;
		item->memfd.fd = valid ? fz.memfd_sealed : pick_item_fd();
		switch (valid ? 4 : below(5)) {
		case 0:
			item->memfd.start = pick_u64();
			item->memfd.size = pick_u64();
			break;
		case 1:
			item->memfd.start = PAGE - 100;
			item->memfd.size = 200;
			break;
		default:
			item->memfd.start = 0;
			item->memfd.size = 1 + below(2 * PAGE);
			break;
		}
		item->memfd.__pad = mutate(10) ? rnd() : 0;
		break;
	case KDBUS_ITEM_FDS:
		switch (valid ? 9 : below(10)) {
		case 0:
			n = KDBUS_MSG_MAX_FDS + below(3);
			break;
		case 1:
			n = 0;
			break;
		default:
			n = 1 + below(4);
			break;
		}
		item = item_add(b, type, n * sizeof(int));
		for (i = 0; item && i < n; i++)
			item->fds[i] = pick_item_fd();
		break;
	case KDBUS_ITEM_CANCEL_FD:
		item = item_add(b, type, sizeof(int));
		if (item)
			item->fds[0] = pick_item_fd();
		break;
	case KDBUS_ITEM_BLOOM_PARAMETER:
		item = item_add(b, type, sizeof(struct kdbus_bloom_parameter));
		if (!item)
			break;
		item->bloom_parameter.size = mutate(30) ? pick_u64() :
					     8 * (1 + below(64));
		item->bloom_parameter.n_hash = mutate(20) ? pick_u64() :
					       1 + below(8);
		break;
	case KDBUS_ITEM_BLOOM_FILTER:
	case KDBUS_ITEM_BLOOM_MASK:
		n = below(10);
		item = item_add(b, type, 8 + n * 8);
		for (i = 0; item && i <= n; i++)
			item->data64[i] = rnd();
		break;
	case KDBUS_ITEM_DST_NAME:
	case KDBUS_ITEM_NAME:
	case KDBUS_ITEM_PID_COMM:
	case KDBUS_ITEM_TID_COMM:
	case KDBUS_ITEM_EXE:
	case KDBUS_ITEM_CMDLINE:
	case KDBUS_ITEM_CGROUP:
	case KDBUS_ITEM_SECLABEL:
		item_str(b, type, chance(50) ? "org.fuzz.Name" : "x");
		break;
	case KDBUS_ITEM_MAKE_NAME:
	case KDBUS_ITEM_CONN_DESCRIPTION:
		item_name(b, type);
		break;
	case KDBUS_ITEM_ATTACH_FLAGS_SEND:
	case KDBUS_ITEM_ATTACH_FLAGS_RECV:
		item = item_add(b, type, 8);
		if (item)
			item->data64[0] = mutate(50) ? pick_u64() :
					  rnd() & 0x3fff;
		break;
	case KDBUS_ITEM_ID:
	case KDBUS_ITEM_DST_ID:
		item = item_add(b, type, 8);
		if (item)
			item->id = pick_u64();
		break;
	case KDBUS_ITEM_POLICY_ACCESS:
		item = item_add(b, type, sizeof(struct kdbus_policy_access));
		if (item)
			item->policy_access.type = below(4);
		break;
	default:
		n = below(48);
		item = item_add(b, type, n);
		for (i = 0; item && i < n; i++)
			item->data[i] = rnd();
		break;
	}
}

static uint64_t random_item_type(void)
{
	switch (below(8)) {
	case 0:
		return _KDBUS_ITEM_ATTACH_BASE + below(14);
	case 1:
		return _KDBUS_ITEM_KERNEL_BASE + below(7);
	case 2:
		return chance(50) ? 0 : rnd();
	case 3:
		return KDBUS_ITEM_POLICY_ACCESS;
	default:
		return 1 + below(KDBUS_ITEM_DST_ID);
	}
}

/*
 * Mutate the chain from @start: item sizes, truncation, duplicates.
 * Returns the length the chain should claim.
 */
static void chain_mutate(struct builder *b, size_t start)
{
	struct kdbus_item *item;
	size_t pos;

	if (valid)
		return;
	if (b->len > start && chance(12)) {
		/* the first item again at the end, once or past the limits */
		unsigned int n = chance(70) ? 1 : 2 + below(40);

		item = (void *)(bptr(b) + start);
		while (n-- && item->size >= 16 && item->size < 4096 &&
		       b->len + KDBUS_ALIGN8(item->size) <= BUILD_MAX) {
			memcpy(bptr(b) + b->len, item, KDBUS_ALIGN8(item->size));
			b->len += KDBUS_ALIGN8(item->size);
		}
	}
	for (pos = start; pos + 16 <= b->len;
	     pos += KDBUS_ALIGN8(item->size) ? KDBUS_ALIGN8(item->size) : 8) {
		item = (void *)(bptr(b) + pos);
		if (!chance(6))
			continue;
		switch (below(8)) {
		case 0:
			item->size = 0;
			break;
		case 1:
			item->size = 8;		/* overlaps the next */
			break;
		case 2:
			item->size = 16 + 1 + below(7);
			break;
		case 3:
			item->size = ~0ULL - below(8);
			break;
		case 4:
			item->size = b->len - pos + 8;	/* past the end */
			break;
		case 5:
			item->size += 8;
			break;
		case 6:
			item->type = random_item_type();
			break;
		default:
			item->size = 1ULL << (16 + below(40));
			break;
		}
		if (item->size > BUILD_MAX)
			break;
	}
	/* truncated chain */
	if (b->len > start && chance(5))
		b->len -= 8 * (1 + below((b->len - start) / 8));
}

/* random extra items */
static void chain_noise(struct builder *b)
{
	while (mutate(12))
		item_of_type(b, random_item_type());
}

/* ---------------------------------------------------------------------- */
/* placing a built buffer in user memory */

enum place {
	P_NORMAL, P_END, P_UNALIGNED, P_SIZE_ONLY, P_GUARD, P_NULL,
	P_KERNEL, P_LOW, P_NONCANON, P_RDONLY,
};

/* readable, not writable: the kernel cannot write results back */
static bool placed_ro;

static uint8_t *place(struct builder *b, uint8_t *area, size_t area_size,
		      uint64_t *addr)
{
	size_t len = b->len;
	uint8_t *p;

	if (len > area_size)
		len = area_size;
	placed_ro = false;
	switch (!mutate(12) ? (chance(80) ? P_NORMAL : P_END) : below(10)) {
	case P_NORMAL:
		p = area + 8 * below(64);
		break;
	case P_END:
		p = area + ((area_size - len) & ~7UL);
		break;
	case P_UNALIGNED:
		p = area + 1 + below(7);
		break;
	case P_SIZE_ONLY:
		p = area + area_size - 8;
		len = 8;
		break;
	case P_GUARD:
		*addr = (uintptr_t)(area + area_size);
		return NULL;
	case P_NULL:
		*addr = 0;
		return NULL;
	case P_KERNEL:
		*addr = chance(50) ? 0xffffffff81000000ULL :
				     0xffff888000000000ULL + 8 * below(512);
		return NULL;
	case P_LOW:
		*addr = 8 * below(0x2000);
		return NULL;
	case P_RDONLY:
		if (len > PAGE)
			len = PAGE;
		p = fz.ro_area + ((PAGE - len) & ~7UL);
		if (mprotect(fz.ro_area, PAGE, PROT_READ | PROT_WRITE))
			die("mprotect", errno);
		memcpy(p, b->buf, len);
		if (mprotect(fz.ro_area, PAGE, PROT_READ))
			die("mprotect", errno);
		*addr = (uintptr_t)p;
		placed_ro = true;
		return p;
	default:
		*addr = 0x0000800000000000ULL;
		return NULL;
	}
	if (p + len > area + area_size)
		len = area + area_size - p;
	memcpy(p, b->buf, len);
	*addr = (uintptr_t)p;
	return p;
}

/* final touches: the size field and a few flipped bytes */
static void finish(struct builder *b)
{
	uint64_t size = pick_size(b->len, b->fixed);
	unsigned int i;

	b->buf[0] = size;
	if (mutate(8))
		for (i = 1 + below(4); i > 0 && b->len; i--)
			bptr(b)[below(b->len)] ^= 1 << below(8);
}

/* ---------------------------------------------------------------------- */
/* commands */

struct op {
	unsigned long cmd;
	struct builder b;
	uint8_t *user;		/* where the command lives, or NULL */
	bool ro;		/* ... in read-only memory */
	uint64_t addr;
	uint64_t flags;		/* as the kernel saw them */
};

static void build_bus_make(struct builder *b)
{
	struct kdbus_cmd *cmd = (void *)b->buf;
	int order = below(3);

	b->fixed = sizeof(*cmd);
	b->len = sizeof(*cmd);
	memset(cmd, 0, sizeof(*cmd));
	cmd->flags = pick_flags(KDBUS_MAKE_ACCESS_GROUP |
				KDBUS_MAKE_ACCESS_WORLD);
	if (chance(15))
		item_of_type(b, KDBUS_ITEM_NEGOTIATE);
	if (order != 1 || !mutate(10))
		item_of_type(b, KDBUS_ITEM_MAKE_NAME);
	if (order != 2 || !mutate(10))
		item_of_type(b, KDBUS_ITEM_BLOOM_PARAMETER);
	if (order == 0 && mutate(50))
		item_of_type(b, KDBUS_ITEM_MAKE_NAME);
	if (chance(25))
		item_of_type(b, KDBUS_ITEM_ATTACH_FLAGS_SEND);
	chain_noise(b);
	chain_mutate(b, sizeof(*cmd));
}

/* the policy of ENDPOINT_MAKE and ENDPOINT_UPDATE: NAME, POLICY_ACCESS items */
static void policy_items(struct builder *b)
{
	static const char * const names[] = {
		"org.fuzz.ep0", "org.fuzz.ep1", "org.fuzz.ep.*", "org.fuzz.Name",
	};
	unsigned int n = below(4), start = below(4), i, j, rules;
	struct kdbus_policy_access *pa;
	struct kdbus_item *item;

	/* a rule before any name */
	if (mutate(10))
		item_of_type(b, KDBUS_ITEM_POLICY_ACCESS);
	for (i = 0; i < n; i++) {
		item_str(b, KDBUS_ITEM_NAME, names[(start + i) % 4]);
		/* a name given twice */
		if (mutate(5))
			item_str(b, KDBUS_ITEM_NAME, names[(start + i) % 4]);
		rules = below(3);
		for (j = 0; j < rules; j++) {
			item = item_add(b, KDBUS_ITEM_POLICY_ACCESS, sizeof(*pa));
			if (!item)
				return;
			pa = &item->policy_access;
			switch (below(3)) {
			case 0:
				pa->type = KDBUS_POLICY_ACCESS_USER;
				pa->id = geteuid();
				break;
			case 1:
				pa->type = KDBUS_POLICY_ACCESS_GROUP;
				pa->id = getegid();
				break;
			default:
				pa->type = KDBUS_POLICY_ACCESS_WORLD;
				break;
			}
			pa->access = below(3);
			if (mutate(10))
				pa->type = pick_u64();
			if (mutate(10))
				pa->access = pick_u64();
			if (mutate(10))
				pa->id = pick_u64();
		}
	}
}

static void build_ep_make(struct builder *b)
{
	struct kdbus_cmd *cmd = (void *)b->buf;

	b->fixed = sizeof(*cmd);
	b->len = sizeof(*cmd);
	memset(cmd, 0, sizeof(*cmd));
	cmd->flags = pick_flags(KDBUS_MAKE_ACCESS_GROUP |
				KDBUS_MAKE_ACCESS_WORLD);
	if (chance(15))
		item_of_type(b, KDBUS_ITEM_NEGOTIATE);
	if (!mutate(10))
		item_of_type(b, KDBUS_ITEM_MAKE_NAME);
	policy_items(b);
	if (mutate(5))
		item_of_type(b, KDBUS_ITEM_MAKE_NAME);
	chain_noise(b);
	chain_mutate(b, sizeof(*cmd));
}

static void build_ep_update(struct builder *b)
{
	struct kdbus_cmd *cmd = (void *)b->buf;

	b->fixed = sizeof(*cmd);
	b->len = sizeof(*cmd);
	memset(cmd, 0, sizeof(*cmd));
	cmd->flags = pick_flags(0);
	if (chance(15))
		item_of_type(b, KDBUS_ITEM_NEGOTIATE);
	policy_items(b);
	if (mutate(5))
		item_of_type(b, KDBUS_ITEM_MAKE_NAME);
	chain_noise(b);
	chain_mutate(b, sizeof(*cmd));
}

/*
 * NAME_ACQUIRE and NAME_RELEASE: mostly one of a few valid names, so that
 * names are taken, queued for, replaced and released between the fuzzed
 * connections, with the flags NAME_ACQUIRE knows.
 */
static void build_name(struct builder *b)
{
	static const char *const names[] = {
		"org.fz.A", "org.fz.B", "org.fz.C", "org.fz.D.x",
	};
	struct kdbus_cmd *cmd = (void *)b->buf;

	b->fixed = sizeof(*cmd);
	b->len = sizeof(*cmd);
	memset(cmd, 0, sizeof(*cmd));
	cmd->flags = pick_flags(KDBUS_NAME_REPLACE_EXISTING |
				KDBUS_NAME_ALLOW_REPLACEMENT |
				KDBUS_NAME_QUEUE);
	if (mutate(10))
		item_of_type(b, KDBUS_ITEM_NEGOTIATE);
	if (!mutate(15))
		item_str(b, KDBUS_ITEM_NAME, names[below(ARRAY_SIZE(names))]);
	else
		item_of_type(b, KDBUS_ITEM_NAME);
	chain_noise(b);
	chain_mutate(b, sizeof(*cmd));
}

static void build_hello(struct builder *b)
{
	struct kdbus_cmd_hello *h = (void *)b->buf;
	static const uint64_t bad_pools[] = {
		0, 1, 4095, 4096 + 8, KDBUS_POOL_MAX_SIZE,
		KDBUS_POOL_MAX_SIZE + 4096, 2ULL * KDBUS_POOL_MAX_SIZE,
		~0ULL & ~4095ULL,
	};

	b->fixed = sizeof(*h);
	b->len = sizeof(*h);
	memset(h, 0, sizeof(*h));
	h->flags = pick_flags(KDBUS_HELLO_ACCEPT_FD | KDBUS_HELLO_ACTIVATOR |
			      KDBUS_HELLO_POLICY_HOLDER | KDBUS_HELLO_MONITOR);
	if (!mutate(30))
		h->flags &= ~(KDBUS_HELLO_ACTIVATOR |
			      KDBUS_HELLO_POLICY_HOLDER | KDBUS_HELLO_MONITOR);
	h->attach_flags_send = mutate(30) ? pick_u64() : rnd() & 0x3fff;
	h->attach_flags_recv = mutate(30) ? pick_u64() : rnd() & 0x3fff;
	h->pool_size = mutate(25) ? bad_pools[below(8)] : pool_sizes[below(6)];
	h->id = mutate(10) ? rnd() : 0;
	if (chance(20))
		item_of_type(b, KDBUS_ITEM_CONN_DESCRIPTION);
	if (mutate(5))
		item_of_type(b, KDBUS_ITEM_NAME);
	if (mutate(5))
		item_of_type(b, KDBUS_ITEM_POLICY_ACCESS);
	if (chance(10))
		item_of_type(b, KDBUS_ITEM_NEGOTIATE);
	chain_noise(b);
	chain_mutate(b, sizeof(*h));
}

static void build_simple(struct builder *b, size_t fixed, uint64_t known)
{
	struct kdbus_cmd *cmd = (void *)b->buf;

	b->fixed = fixed;
	b->len = fixed;
	memset(b->buf, 0, fixed);
	cmd->flags = pick_flags(known);
	if (fixed > sizeof(*cmd) && chance(50))
		b->buf[3] = pick_u64();
	if (chance(15))
		item_of_type(b, KDBUS_ITEM_NEGOTIATE);
	if (mutate(10))
		item_of_type(b, KDBUS_ITEM_NAME);
	chain_noise(b);
	chain_mutate(b, fixed);
}

static void build_recv(struct builder *b)
{
	struct kdbus_cmd_recv *r = (void *)b->buf;

	b->fixed = sizeof(*r);
	b->len = sizeof(*r);
	memset(r, 0, sizeof(*r));
	r->flags = pick_flags(KDBUS_RECV_PEEK | KDBUS_RECV_DROP |
			      KDBUS_RECV_USE_PRIORITY);
	if (valid && (r->flags & KDBUS_RECV_DROP))
		r->flags &= ~KDBUS_RECV_USE_PRIORITY;
	r->priority = chance(50) ? (int64_t)below(20) - 10 : (int64_t)rnd();
	if (mutate(10))
		r->msg.offset = rnd();
	if (chance(10))
		item_of_type(b, KDBUS_ITEM_NEGOTIATE);
	chain_noise(b);
	chain_mutate(b, sizeof(*r));
}

static uint64_t pick_offset(struct fz_conn *c)
{
	uint64_t pool = c ? c->pool_size : 4096;
	bool published = valid || chance(60);
	uint64_t pick = rnd(), skew = mutate(10) ? 8 : 0;

	/* the draws above do not depend on the state: a seed is a stream */
	if (c && c->n_offsets && published)
		return c->offsets[pick % c->n_offsets] + skew;
	switch (below(6)) {
	case 0:
		return 0;
	case 1:
		return pool;
	case 2:
		return pool - 8;
	case 3:
		return 1 + below(7);
	case 4:
		return ~0ULL;
	default:
		return 8 * below(pool / 8);
	}
}

static void build_free(struct builder *b, struct fz_conn *c)
{
	struct kdbus_cmd_free *f = (void *)b->buf;

	b->fixed = sizeof(*f);
	b->len = sizeof(*f);
	memset(f, 0, sizeof(*f));
	f->flags = pick_flags(0);
	f->offset = pick_offset(c);
	if (chance(10))
		item_of_type(b, KDBUS_ITEM_NEGOTIATE);
	chain_noise(b);
	chain_mutate(b, sizeof(*f));
}

static uint64_t pick_dst(struct fz_conn *self)
{
	uint64_t alt;
	int i;

	switch (valid ? 5 + below(9) : below(14)) {
	case 0:
		return KDBUS_DST_ID_NAME;
	case 1:
		return KDBUS_DST_ID_BROADCAST;
	case 2:
		return self ? self->id : 1;
	case 3:
		return 1 + below(64);
	case 4:
		return rnd();
	case 5:
	case 6:
	case 7:
		return fz.resp_id[below(2)];
	default:
		i = below(N_CONNS);
		alt = 1 + below(32);
		return fz.conn[i].fd >= 0 ? fz.conn[i].id : alt;
	}
}

static void build_msg(struct builder *m, struct fz_conn *self,
		      uint64_t *dst_out)
{
	struct kdbus_msg *msg = (void *)m->buf;
	unsigned int i, n;
	uint64_t now = kdbus_now_ns();

	m->fixed = sizeof(*msg);
	m->len = sizeof(*msg);
	memset(msg, 0, sizeof(*msg));
	msg->flags = pick_flags(KDBUS_MSG_EXPECT_REPLY |
				KDBUS_MSG_NO_AUTO_START | KDBUS_MSG_SIGNAL);
	msg->flags &= ~KDBUS_FLAG_NEGOTIATE;
	if (valid)
		msg->flags &= ~KDBUS_MSG_SIGNAL;
	if (chance(40))
		msg->flags |= KDBUS_MSG_EXPECT_REPLY;
	msg->priority = mutate(30) ? (int64_t)rnd() : (int64_t)below(10) - 5;
	msg->dst_id = pick_dst(self);
	msg->src_id = !mutate(10) ? 0 : (chance(50) && self ? self->id : rnd());
	msg->payload_type = !mutate(10) ? KDBUS_PAYLOAD_DBUS :
			    (chance(50) ? KDBUS_PAYLOAD_KERNEL : rnd());
	msg->cookie = rnd();

	if (msg->flags & KDBUS_MSG_EXPECT_REPLY) {
		switch (valid ? 9 : below(10)) {
		case 0:
			msg->timeout_ns = 0;
			break;
		case 1:
			msg->timeout_ns = now - 1;
			break;
		case 2:
			msg->timeout_ns = ~0ULL;
			break;
		case 3:
			msg->timeout_ns = 1;
			break;
		default:
			msg->timeout_ns = now + (1 + below(20)) * 1000000ULL;
			break;
		}
	} else {
		bool answer = chance(30), junk = mutate(10);
		uint64_t pick = rnd();

		if (answer && fz.n_req) {
			/* answer a request one of our connections got */
			struct fz_request *r = &fz.req[pick % fz.n_req];

			msg->cookie_reply = r->cookie;
			msg->dst_id = r->src;
		} else if (junk) {
			msg->cookie_reply = pick;
		}
	}

	n = below(4);
	for (i = 0; i < n; i++)
		item_of_type(m, KDBUS_ITEM_PAYLOAD_VEC);
	if (chance(15))
		item_of_type(m, KDBUS_ITEM_PAYLOAD_MEMFD);
	if (chance(15))
		item_of_type(m, KDBUS_ITEM_FDS);
	if (mutate(4))
		item_of_type(m, KDBUS_ITEM_BLOOM_FILTER);
	if (mutate(4))
		item_of_type(m, KDBUS_ITEM_DST_NAME);
	if (chance(3))
		item_of_type(m, KDBUS_ITEM_PAYLOAD_MEMFD);
	chain_noise(m);
	chain_mutate(m, sizeof(*msg));
	*dst_out = msg->dst_id;
}

static struct builder msgb;

static void dump_last(void)
{
	if (last_cmd)
		hexdump("command", last_cmd->buf, last_cmd->len);
	if (last_msg)
		hexdump("message", last_msg->buf, last_msg->len);
	if (last_dump)
		hexdump("dump", last_dump, last_dump_len);
}

static void build_send(struct op *op, struct fz_conn *self)
{
	struct kdbus_cmd_send *s = (void *)op->b.buf;
	uint64_t dst, addr;

	build_msg(&msgb, self, &dst);
	finish(&msgb);
	last_msg = &msgb;
	place(&msgb, fz.msg_area, MSG_AREA, &addr);

	op->b.fixed = sizeof(*s);
	op->b.len = sizeof(*s);
	memset(s, 0, sizeof(*s));
	s->flags = pick_flags(KDBUS_SEND_SYNC_REPLY);
	if (valid && !(msgb.buf[1] & KDBUS_MSG_EXPECT_REPLY))
		s->flags = 0;
	else if (chance(20) && (msgb.buf[1] & KDBUS_MSG_EXPECT_REPLY))
		s->flags = KDBUS_SEND_SYNC_REPLY;
	s->msg_address = mutate(5) ? pick_u64() : addr;
	if (mutate(5))
		item_of_type(&op->b, KDBUS_ITEM_CANCEL_FD);
	if (chance(5))
		item_of_type(&op->b, KDBUS_ITEM_NEGOTIATE);
	chain_noise(&op->b);
	chain_mutate(&op->b, sizeof(*s));
}

static const unsigned long kdbus_cmds[] = {
	KDBUS_CMD_BUS_MAKE, KDBUS_CMD_ENDPOINT_MAKE, KDBUS_CMD_ENDPOINT_UPDATE,
	KDBUS_CMD_HELLO, KDBUS_CMD_UPDATE, KDBUS_CMD_BYEBYE, KDBUS_CMD_FREE,
	KDBUS_CMD_CONN_INFO, KDBUS_CMD_BUS_CREATOR_INFO, KDBUS_CMD_LIST,
	KDBUS_CMD_SEND, KDBUS_CMD_RECV, KDBUS_CMD_NAME_ACQUIRE,
	KDBUS_CMD_NAME_RELEASE, KDBUS_CMD_MATCH_ADD, KDBUS_CMD_MATCH_REMOVE,
};

#define N_KDBUS_CMDS	ARRAY_SIZE(kdbus_cmds)

static bool is_kdbus_cmd(unsigned long cmd)
{
	size_t i;

	for (i = 0; i < N_KDBUS_CMDS; i++)
		if (kdbus_cmds[i] == cmd)
			return true;
	return false;
}

static const unsigned long ckpt_cmds[] = {
	KDBUS_CMD_CHECKPOINT, KDBUS_CMD_CONN_DUMP, KDBUS_CMD_CONN_THAW,
	KDBUS_CMD_CONN_RESTORE, KDBUS_CMD_CONN_DUMP_FILES, KDBUS_CMD_BUS_DUMP,
	KDBUS_CMD_BUS_RESTORE, KDBUS_CMD_ENDPOINT_DUMP,
	KDBUS_CMD_ENDPOINT_RESTORE,
};

static bool is_ckpt_cmd(unsigned long cmd)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ckpt_cmds); i++)
		if (ckpt_cmds[i] == cmd)
			return true;
	return false;
}

static unsigned long pick_ckpt_cmd(void)
{
	uint64_t r = below(100);

	if (r < 7)
		return KDBUS_CMD_CHECKPOINT;
	if (r < 29)
		return KDBUS_CMD_CONN_DUMP;
	if (r < 38)
		return KDBUS_CMD_CONN_THAW;
	if (r < 60)
		return KDBUS_CMD_CONN_RESTORE;
	if (r < 69)
		return KDBUS_CMD_CONN_DUMP_FILES;
	if (r < 78)
		return KDBUS_CMD_BUS_DUMP;
	if (r < 88)
		return KDBUS_CMD_BUS_RESTORE;
	if (r < 94)
		return KDBUS_CMD_ENDPOINT_DUMP;
	return KDBUS_CMD_ENDPOINT_RESTORE;
}

static unsigned long pick_cmd(void)
{
	unsigned long cmd;
	uint64_t r = below(100);

	if (r < 33)
		return KDBUS_CMD_SEND;
	if (r < 49)
		return KDBUS_CMD_RECV;
	if (r < 59)
		return KDBUS_CMD_FREE;
	if (r < 67)
		return KDBUS_CMD_HELLO;
	if (r < 72)
		return KDBUS_CMD_BUS_MAKE;
	if (r < 73)
		return KDBUS_CMD_BYEBYE;
	if (r < 80)
		return kdbus_cmds[below(N_KDBUS_CMDS)];
	if (r < 89)
		return pick_ckpt_cmd();
	if (r < 96)
		/* our ioctl type, any number, size and direction */
		return _IOC(below(4), KDBUS_IOCTL_MAGIC, below(256),
			    below(1 << 14));
	/* any number of a type no VFS or generic ioctl uses */
	cmd = rnd() & 0xffffffffUL;
	switch (_IOC_TYPE(cmd)) {
	case 0x00: case 0x15: case 0x54: case 0x58: case 0x66: case 0x94:
		cmd ^= 0x80 << _IOC_TYPESHIFT;
		break;
	}
	return cmd;
}

/* ---------------------------------------------------------------------- */
/* what a result must be, given the file's state */

/* 0: anything the ABI documents; otherwise -(the one errno allowed) */
static int expected_errno(const struct pick *p, unsigned long cmd)
{
	bool setup = cmd == KDBUS_CMD_BUS_MAKE || cmd == KDBUS_CMD_HELLO ||
		     cmd == KDBUS_CMD_ENDPOINT_MAKE;
	bool connected = is_kdbus_cmd(cmd) && !setup &&
			 cmd != KDBUS_CMD_ENDPOINT_UPDATE;
	const struct fz_ep *ep;
	const struct fz_conn *c;

	switch (p->kind) {
	case K_CLOSED:
	case K_MINUS1:
	case K_OPATH:
		return -EBADF;
	case K_OTHER:
		return -ENOTTY;
	case K_CKPT:
		/* a checkpoint file takes its commands and nothing else */
		return is_ckpt_cmd(cmd) && cmd != KDBUS_CMD_CHECKPOINT ?
		       0 : -ENOTTY;
	default:
		break;
	}
	/* any kdbusfs file opens a checkpoint file, and takes no other */
	if (cmd == KDBUS_CMD_CHECKPOINT)
		return 0;
	if (is_ckpt_cmd(cmd))
		return -ENOTTY;
	/* only the fd that made a custom endpoint takes UPDATE */
	if (cmd == KDBUS_CMD_ENDPOINT_UPDATE)
		return p->kind == K_EPOWNER ? 0 : -EBADFD;
	if (!setup && !connected)
		return -ENOTTY;

	switch (p->kind) {
	case K_CONTROL:
		if (connected)
			return -EBADFD;
		if (fz.spare[p->idx].has_bus)
			return -EBADFD;
		return cmd == KDBUS_CMD_BUS_MAKE ? 0 : -EBADFD;
	case K_BUS:
	case K_EPOWNER:
		/* a file that has its role takes no other */
		return -EBADFD;
	case K_ENDPOINT:
		ep = &fz.ep[p->idx];
		if (connected)
			return -EBADFD;
		if (!fz.bus[ep->bus].alive || fz.bus_gen[ep->bus] != ep->gen)
			return -ESHUTDOWN;
		if (cmd == KDBUS_CMD_BUS_MAKE)
			return -EBADFD;
		return 0;
	case K_CONN:
		c = &fz.conn[p->idx];
		if (setup)
			return -EBADFD;
		if (c->dead)
			return -ECONNRESET;
		return 0;
	default:
		return 0;
	}
}

/* ---------------------------------------------------------------------- */
/* checking what the kernel put into a pool */

static void conn_add_offset(struct fz_conn *c, uint64_t off)
{
	unsigned int i;

	for (i = 0; i < c->n_offsets; i++)
		if (c->offsets[i] == off)
			return;
	if (c->n_offsets == N_OFFSETS) {
		struct kdbus_conn kc = { .fd = c->fd };
		int ret = kdbus_free(&kc, c->offsets[0]);

		if (ret && !(ret == -ECONNRESET && c->dead))
			bad("FREE of published offset %llu failed: %s",
			    (unsigned long long)c->offsets[0],
			    kdbus_errno_name(-ret));
		memmove(c->offsets, c->offsets + 1,
			(N_OFFSETS - 1) * sizeof(c->offsets[0]));
		c->n_offsets--;
	}
	c->offsets[c->n_offsets++] = off;
}

static bool conn_del_offset(struct fz_conn *c, uint64_t off)
{
	unsigned int i;

	for (i = 0; i < c->n_offsets; i++)
		if (c->offsets[i] == off) {
			c->offsets[i] = c->offsets[--c->n_offsets];
			return true;
		}
	return false;
}

static void remember_request(int conn, const struct kdbus_msg *m)
{
	struct fz_request *r;

	if (fz.n_req < N_REQUESTS)
		r = &fz.req[fz.n_req++];
	else
		r = &fz.req[m->cookie % N_REQUESTS];
	r->conn = conn;
	r->src = m->src_id;
	r->cookie = m->cookie;
}

static void check_installed_fd(int fd, bool installed)
{
	if (fd == -1)
		return;
	if (!installed || fd < 0) {
		bad("fd %d in a message that installed none", fd);
		return;
	}
	if (fd < FD_TRACK && ours[fd]) {
		bad("installed fd %d is one of ours", fd);
		return;
	}
	if (fcntl(fd, F_GETFD) != FD_CLOEXEC)
		bad("installed fd %d not open with O_CLOEXEC", fd);
	close(fd);
}

/* a message published at @off of @size bytes in connection @ci's pool */
static void check_published_one(int ci, uint64_t off, uint64_t size,
				bool installed)
{
	struct fz_conn *c = &fz.conn[ci];
	const struct kdbus_item *item;
	const struct kdbus_msg *m;
	uint64_t pos;
	int i, n;

	if (off % 8 || off >= c->pool_size || size < sizeof(*m) ||
	    size > c->pool_size - off) {
		bad("published slice %llu+%llu outside a pool of %llu",
		    (unsigned long long)off, (unsigned long long)size,
		    (unsigned long long)c->pool_size);
		return;
	}
	conn_add_offset(c, off);
	if (!c->pool)
		return;
	m = (const void *)(c->pool + off);
	if (m->size < sizeof(*m) || m->size > size || m->size % 8) {
		bad("message size %llu in a slice of %llu",
		    (unsigned long long)m->size, (unsigned long long)size);
		hexdump("message", m, 64);
		return;
	}
	/* a broadcast says so; a monitor's copy names its receiver */
	if (m->dst_id != c->id && m->dst_id != KDBUS_DST_ID_BROADCAST &&
	    !c->monitor) {
		bad("message for %llu in the pool of %llu (slot %d of bus %d%s%s) at %llu+%llu",
		    (unsigned long long)m->dst_id, (unsigned long long)c->id,
		    ci, c->bus, c->restored ? ", restored" : "",
		    c->accept_fd ? ", accept_fd" : "",
		    (unsigned long long)off, (unsigned long long)size);
		hexdump("message", m, 64);
	}
	pos = sizeof(*m);
	KDBUS_ITEM_FOREACH(item, m) {
		pos = (const uint8_t *)kdbus_item_next(item) -
		      (const uint8_t *)m;
		switch (item->type) {
		case KDBUS_ITEM_PAYLOAD_OFF:
			if (item->vec.offset != ~0ULL &&
			    (item->vec.offset < m->size ||
			     item->vec.offset > size ||
			     item->vec.size > size - item->vec.offset))
				bad("payload %llu+%llu outside its slice of %llu",
				    (unsigned long long)item->vec.offset,
				    (unsigned long long)item->vec.size,
				    (unsigned long long)size);
			break;
		case KDBUS_ITEM_FDS:
			n = (item->size - KDBUS_ITEM_HEADER_SIZE) / sizeof(int);
			for (i = 0; i < n; i++)
				check_installed_fd(item->fds[i], installed);
			break;
		case KDBUS_ITEM_PAYLOAD_MEMFD:
			check_installed_fd(item->memfd.fd, installed);
			break;
		default:
			break;
		}
	}
	/* the walk stops before an item that is not whole */
	if (pos < m->size) {
		bad("malformed item at %llu of a received message",
		    (unsigned long long)pos);
		hexdump("message", m, m->size);
		return;
	}
	if (pos != m->size)
		bad("items overrun the message");
	if (m->src_id == KDBUS_SRC_ID_KERNEL &&
	    m->payload_type != KDBUS_PAYLOAD_KERNEL)
		bad("kernel message with payload type %llx",
		    (unsigned long long)m->payload_type);
	if (installed && (m->flags & KDBUS_MSG_EXPECT_REPLY))
		remember_request(ci, m);
}

/*
 * A connection restored from a dump or pool not as the kernel wrote them
 * holds what user space wrote: its messages are not the kernel's to vouch
 * for, but their files are closed all the same.
 */
static void check_published(int ci, uint64_t off, uint64_t size,
			    bool installed)
{
	bool lenient = fz.conn[ci].lenient;

	if (fz.conn[ci].restored && !lenient)
		n_restored_msgs++;
	quiet += lenient;
	check_published_one(ci, off, size, installed);
	quiet -= lenient;
}

/* receive a few messages and give every published slice back */
static void drain(int ci)
{
	struct fz_conn *c = &fz.conn[ci];
	struct kdbus_conn kc = { .fd = c->fd };
	struct kdbus_cmd_recv rc;
	int i, ret;

	if (c->fd < 0)
		return;
	for (i = 0; i < 4; i++) {
		ret = kdbus_recv(&kc, 0, 0, NULL, &rc);
		if (ret == -EAGAIN)
			break;
		if (c->dead && ret == -ECONNRESET)
			return;
		if (ret) {
			bad("valid RECV failed: %s", kdbus_errno_name(-ret));
			break;
		}
		check_published(ci, rc.msg.offset, rc.msg.msg_size, true);
	}
	while (c->n_offsets) {
		uint64_t off = c->offsets[--c->n_offsets];

		ret = kdbus_free(&kc, off);
		if (ret)
			bad("FREE of published offset %llu failed: %s",
			    (unsigned long long)off, kdbus_errno_name(-ret));
	}
}

/* ---------------------------------------------------------------------- */
/* checkpoint files: dumps kept for restores, freezes */

#define SAVED_FDS		64
#define SAVED_MSGS		16
#define SAVED_POOL_MAX		(4 * 1024 * 1024)
#define SAVED_BUS_MAX		8192
#define SAVED_EP_MAX		16384

/* a connection's dump, its pool as it was then, its messages' files */
struct fz_saved {
	bool used;
	bool pool_mutated;	/* the pool copy was mutated since */
	bool lenient;		/* of a connection restored leniently */
	uint8_t *dump;		/* DUMP_AREA bytes */
	uint64_t size;
	uint8_t *pool;
	uint64_t pool_size;
	int bus;
	int conn;		/* its slot, as long as the id is there */
	uint64_t id;
	struct {
		uint64_t offset;
		unsigned int first, n;
	} msg[SAVED_MSGS];
	unsigned int n_msgs;
	int fds[SAVED_FDS];
	unsigned int n_fds;
};

/* [0]: the last dump a fuzzed CONN_DUMP made; [1]: of a connection closed since */
static struct fz_saved saved[2];

/* the last bus dump */
static struct {
	bool used;
	uint8_t buf[SAVED_BUS_MAX];
	uint64_t size;
} saved_bus;

/* the last custom endpoint dump */
static struct {
	bool used;
	uint8_t buf[SAVED_EP_MAX];
	uint64_t size;
	int bus;		/* of the endpoint dumped */
} saved_ep;

/* the next item of the @size bytes at @d from *@pos; false at the end or if malformed */
static bool dump_walk(const uint8_t *d, uint64_t size, uint64_t *pos,
		      const struct kdbus_item **item)
{
	const struct kdbus_item *it;

	if (*pos >= size || size - *pos < KDBUS_ITEM_HEADER_SIZE)
		return false;
	it = (const void *)(d + *pos);
	if (it->size < KDBUS_ITEM_HEADER_SIZE || it->size > size - *pos)
		return false;
	*item = it;
	*pos += KDBUS_ALIGN8(it->size);
	return true;
}

/* the first item of @type in a dump, or NULL */
static const struct kdbus_item *dump_find(const uint8_t *d, uint64_t size,
					  uint64_t type)
{
	const struct kdbus_item *item;
	uint64_t pos = 0;

	while (dump_walk(d, size, &pos, &item))
		if (item->type == type)
			return item;
	return NULL;
}

/* a dump CONN_DUMP wrote of connection @c (NULL: not one of ours) */
static bool conn_dump_ok(const uint8_t *d, uint64_t size,
			 const struct fz_conn *c)
{
	const struct kdbus_dump_conn *dc;
	const struct kdbus_dump_slice *ds;
	const struct kdbus_item *item;
	uint64_t pos = 0, len;
	bool first = true, is_conn;

	if (size % 8)
		goto malformed;
	while (dump_walk(d, size, &pos, &item)) {
		len = item->size - KDBUS_ITEM_HEADER_SIZE;
		is_conn = item->type == KDBUS_ITEM_DUMP_CONN;
		if (first != is_conn)
			goto malformed;
		first = false;
		switch (item->type) {
		case KDBUS_ITEM_DUMP_CONN:
			dc = (const void *)item->data;
			if (len != sizeof(*dc))
				goto malformed;
			if (c && (dc->id != c->id ||
				  dc->pool_size != c->pool_size)) {
				bad("dump of connection %llu (pool %llu) says %llu (pool %llu)",
				    (unsigned long long)c->id,
				    (unsigned long long)c->pool_size,
				    (unsigned long long)dc->id,
				    (unsigned long long)dc->pool_size);
				return false;
			}
			break;
		case KDBUS_ITEM_DUMP_MESSAGE:
		case KDBUS_ITEM_DUMP_SLICE:
			/* both begin with offset and size */
			ds = (const void *)item->data;
			if (len != (item->type == KDBUS_ITEM_DUMP_SLICE ?
				    sizeof(struct kdbus_dump_slice) :
				    sizeof(struct kdbus_dump_message)))
				goto malformed;
			if (c && (ds->offset % 8 || ds->offset >= c->pool_size ||
				  ds->size > c->pool_size - ds->offset)) {
				bad("dumped slice %llu+%llu outside a pool of %llu",
				    (unsigned long long)ds->offset,
				    (unsigned long long)ds->size,
				    (unsigned long long)c->pool_size);
				return false;
			}
			break;
		case KDBUS_ITEM_CREDS:
		case KDBUS_ITEM_PIDS:
		case KDBUS_ITEM_SECLABEL:
		case KDBUS_ITEM_CONN_DESCRIPTION:
		case KDBUS_ITEM_DUMP_NAME:
		case KDBUS_ITEM_DUMP_REPLY:
		case KDBUS_ITEM_DUMP_MATCH:
		/* an activator's or a policy holder's policy */
		case KDBUS_ITEM_NAME:
		case KDBUS_ITEM_POLICY_ACCESS:
			break;
		case KDBUS_ITEM_DUMP_MAPPING:
			if (len != sizeof(struct kdbus_dump_mapping))
				goto malformed;
			break;
		default:
			goto malformed;
		}
	}
	if (pos == size && !first)
		return true;
malformed:
	bad("malformed connection dump at %llu of %llu",
	    (unsigned long long)pos, (unsigned long long)size);
	hexdump("dump", d, size);
	return false;
}

/* a dump BUS_DUMP wrote of the bus named @name (NULL: not known) */
static bool bus_dump_ok(const uint8_t *d, uint64_t size, const char *name)
{
	const struct kdbus_item *item;
	uint64_t pos = 0, len;
	unsigned int n = 0;

	if (size % 8)
		goto malformed;
	while (dump_walk(d, size, &pos, &item)) {
		len = item->size - KDBUS_ITEM_HEADER_SIZE;
		switch (n++) {
		case 0:
			if (item->type != KDBUS_ITEM_DUMP_BUS ||
			    len != sizeof(struct kdbus_dump_bus))
				goto malformed;
			continue;
		case 1:
			if (item->type != KDBUS_ITEM_MAKE_NAME || !len ||
			    item->str[len - 1])
				goto malformed;
			if (name && strcmp(item->str, name)) {
				bad("dump of bus %s names %s", name, item->str);
				return false;
			}
			continue;
		default:
			break;
		}
		if (item->type != KDBUS_ITEM_CREDS &&
		    item->type != KDBUS_ITEM_PIDS &&
		    item->type != KDBUS_ITEM_SECLABEL)
			goto malformed;
	}
	if (pos == size && n >= 2)
		return true;
malformed:
	bad("malformed bus dump at %llu of %llu", (unsigned long long)pos,
	    (unsigned long long)size);
	hexdump("dump", d, size);
	return false;
}

static void saved_init(void)
{
	int i;

	for (i = 0; i < 2; i++) {
		saved[i].dump = malloc(DUMP_AREA);
		if (!saved[i].dump)
			die("malloc", ENOMEM);
	}
}

static void saved_clear(struct fz_saved *s)
{
	unsigned int i;

	for (i = 0; i < s->n_fds; i++)
		fz_close(s->fds[i]);
	s->n_fds = 0;
	s->n_msgs = 0;
	s->used = false;
}

/* a checkpoint file that is open, or -1 */
static int some_ckpt(void)
{
	return fz.ckpt[0] >= 0 ? fz.ckpt[0] : fz.ckpt[1];
}

/* the files of a dumped message of connection @ci, kept for a restore */
static void saved_add_files(struct fz_saved *s, int ci,
			    const struct kdbus_dump_message *dm)
{
	struct kdbus_cmd_dump_files df = { .size = sizeof(df) };
	unsigned int room = SAVED_FDS - s->n_fds, i;
	int fds[SAVED_FDS], ret, fd;

	if (s->n_msgs == SAVED_MSGS || !room)
		return;
	df.conn_fd = fz.conn[ci].fd;
	df.offset = dm->offset;
	df.fds = (uintptr_t)fds;
	df.n_fds = room;
	ret = kdbus_ioctl(some_ckpt(), KDBUS_CMD_CONN_DUMP_FILES, &df);
	if (ret == -EMSGSIZE || ret == -EMFILE)
		return;
	if (ret) {
		bad("valid CONN_DUMP_FILES of a message just dumped failed: %s",
		    kdbus_errno_name(-ret));
		return;
	}
	if (df.n_fds != dm->n_fds + dm->n_memfds || df.n_fds > room) {
		bad("CONN_DUMP_FILES gave %llu files of a message dumped with %llu",
		    (unsigned long long)df.n_fds,
		    (unsigned long long)(dm->n_fds + dm->n_memfds));
		return;
	}
	for (i = 0; i < df.n_fds; i++) {
		fd = fds[i];
		if (fd < 0 || (fd < FD_TRACK && ours[fd]) ||
		    fcntl(fd, F_GETFD) != FD_CLOEXEC)
			bad("CONN_DUMP_FILES installed fd %d: ours, or not close-on-exec",
			    fd);
		s->fds[s->n_fds + i] = track(fd);
	}
	s->msg[s->n_msgs].offset = dm->offset;
	s->msg[s->n_msgs].first = s->n_fds;
	s->msg[s->n_msgs].n = df.n_fds;
	s->n_msgs++;
	s->n_fds += df.n_fds;
}

/* keep the dump of connection @ci at @d, its pool now, its messages' files */
static void save_conn_dump(struct fz_saved *s, int ci, const uint8_t *d,
			   uint64_t size)
{
	const struct kdbus_dump_message *dm;
	struct fz_conn *c = &fz.conn[ci];
	const struct kdbus_item *item;
	uint64_t pos = 0;

	saved_clear(s);
	if (!c->pool || c->pool_size > SAVED_POOL_MAX || size > DUMP_AREA)
		return;
	if (s->pool_size != c->pool_size) {
		free(s->pool);
		s->pool = malloc(c->pool_size);
		if (!s->pool)
			die("malloc", ENOMEM);
		s->pool_size = c->pool_size;
	}
	memcpy(s->dump, d, size);
	memcpy(s->pool, c->pool, c->pool_size);
	s->size = size;
	s->bus = c->bus;
	s->conn = ci;
	s->id = c->id;
	s->pool_mutated = false;
	/* what user space wrote stays user space's in dumps of it */
	s->lenient = c->lenient;
	s->used = true;
	while (dump_walk(s->dump, size, &pos, &item)) {
		dm = (const void *)item->data;
		if (item->type == KDBUS_ITEM_DUMP_MESSAGE &&
		    dm->n_fds + dm->n_memfds)
			saved_add_files(s, ci, dm);
	}
}

/* close checkpoint file @k, which ends its freezes, and open another: 0 or an errno */
static int ckpt_reopen(int k)
{
	struct kdbus_cmd_checkpoint cp = { .size = sizeof(cp) };
	int ret, i;

	fz_close(fz.ckpt[k]);
	fz.ckpt[k] = -1;
	for (i = 0; i < N_CONNS; i++)
		frozen[k][i] = F_NO;
	froze_any[k] = false;
	ret = kdbus_ioctl(fz.bus[0].control, KDBUS_CMD_CHECKPOINT, &cp);
	if (ret)
		return -ret;
	if (fcntl(cp.fd, F_GETFD) != FD_CLOEXEC)
		bad("checkpoint file %llu not close-on-exec",
		    (unsigned long long)cp.fd);
	fz.ckpt[k] = track(cp.fd);
	return 0;
}

/*
 * A valid CONN_DUMP of a connection, kept; then, mostly, the connection is
 * closed, so that a restore of the dump can take its id.
 */
static void ckpt_conn_cycle(void)
{
	static const uint64_t name_flags[] = {
		0, KDBUS_NAME_QUEUE, KDBUS_NAME_ALLOW_REPLACEMENT,
		KDBUS_NAME_REPLACE_EXISTING | KDBUS_NAME_QUEUE,
	};
	struct kdbus_cmd_dump d = { .size = sizeof(d) };
	int i = below(N_CONNS), k = below(N_CKPTS), ret;
	bool freeze = chance(30), close_it = chance(70), name = chance(40);
	uint64_t nflags = name_flags[below(4)], which = below(4);
	struct fz_conn *c = &fz.conn[i];
	char buf[32];

	if (c->fd < 0 || c->dead || fz.ckpt[k] < 0)
		return;
	/* a name, or a place in its queue, for the dump to hold */
	if (name) {
		struct kdbus_conn kc = { .fd = c->fd, .id = c->id };

		snprintf(buf, sizeof(buf), "org.fuzz.ckpt%u",
			 (unsigned int)which);
		ret = kdbus_name_acquire(&kc, buf, nflags, NULL);
		n_names += !ret;
		if (ret && !documented(KDBUS_CMD_NAME_ACQUIRE, -ret))
			bad("NAME_ACQUIRE of %s failed with %s", buf,
			    kdbus_errno_name(-ret));
	}
	d.flags = freeze ? KDBUS_DUMP_FREEZE : 0;
	d.conn_fd = c->fd;
	d.buffer = (uintptr_t)fz.dump_area;
	d.buffer_size = DUMP_AREA;
	ret = kdbus_ioctl(fz.ckpt[k], KDBUS_CMD_CONN_DUMP, &d);
	if (freeze && (ret == 0 || ret == -EMSGSIZE)) {
		frozen[k][i] = F_YES;
		froze_any[k] = true;
	}
	if (ret == -EBUSY && freeze && frozen[!k][i] != F_NO)
		return;
	/* a dump larger than the area; a connection that kept changing */
	if (ret == -EMSGSIZE || ret == -EAGAIN)
		return;
	if (ret) {
		bad("valid CONN_DUMP failed: %s", kdbus_errno_name(-ret));
		return;
	}
	if (d.dump_size > DUMP_AREA) {
		bad("CONN_DUMP wrote %llu bytes into %lu",
		    (unsigned long long)d.dump_size, DUMP_AREA);
		return;
	}
	if (!conn_dump_ok(fz.dump_area, d.dump_size, c))
		return;
	n_conn_cycles++;
	save_conn_dump(&saved[1], i, fz.dump_area, d.dump_size);
	if (close_it) {
		conn_free_slot(c);
	} else if (freeze) {
		d.flags = 0;
		ret = kdbus_ioctl(fz.ckpt[k], KDBUS_CMD_CONN_THAW, &d);
		if (ret)
			bad("THAW of a connection just frozen failed: %s",
			    kdbus_errno_name(-ret));
		frozen[k][i] = F_NO;
	}
}

static void save_bus_dump(const uint8_t *d, uint64_t size)
{
	saved_bus.used = size <= SAVED_BUS_MAX;
	if (saved_bus.used) {
		memcpy(saved_bus.buf, d, size);
		saved_bus.size = size;
	}
}

/* a valid BUS_DUMP of a bus, kept; then, mostly, the bus is closed */
static void ckpt_bus_cycle(void)
{
	struct kdbus_cmd_dump d = { .size = sizeof(d) };
	int b = 1 + below(N_BUSES - 1), k = below(N_CKPTS), ret;
	bool close_it = chance(60);

	if (!fz.bus[b].alive || fz.ckpt[k] < 0)
		return;
	d.conn_fd = fz.bus[b].control;
	d.buffer = (uintptr_t)fz.dump_area;
	d.buffer_size = DUMP_AREA;
	ret = kdbus_ioctl(fz.ckpt[k], KDBUS_CMD_BUS_DUMP, &d);
	if (ret) {
		bad("valid BUS_DUMP failed: %s", kdbus_errno_name(-ret));
		return;
	}
	if (d.dump_size > DUMP_AREA ||
	    !bus_dump_ok(fz.dump_area, d.dump_size, fz.bus[b].name))
		return;
	n_bus_cycles++;
	save_bus_dump(fz.dump_area, d.dump_size);
	if (close_it)
		bus_close(b);
}

/*
 * A dump ENDPOINT_DUMP wrote of the endpoint named @name ("": not known):
 * DUMP_ENDPOINT, MAKE_NAME, CREDS, then its policy, a NAME before any
 * POLICY_ACCESS. The number of NAME and of POLICY_ACCESS items in
 * *@n_names and *@n_rules, unless NULL.
 */
static bool ep_dump_ok(const uint8_t *d, uint64_t size, const char *name,
		       unsigned int *n_names, unsigned int *n_rules)
{
	const struct kdbus_dump_endpoint *de;
	const struct kdbus_creds *cr;
	const struct kdbus_item *item;
	uint64_t pos = 0, len;
	unsigned int n = 0, names = 0, rules = 0;

	if (size % 8)
		goto malformed;
	while (dump_walk(d, size, &pos, &item)) {
		len = item->size - KDBUS_ITEM_HEADER_SIZE;
		switch (n++) {
		case 0:
			de = (const void *)item->data;
			if (item->type != KDBUS_ITEM_DUMP_ENDPOINT ||
			    len != sizeof(*de) ||
			    de->flags & ~(KDBUS_MAKE_ACCESS_GROUP |
					  KDBUS_MAKE_ACCESS_WORLD))
				goto malformed;
			continue;
		case 1:
			if (item->type != KDBUS_ITEM_MAKE_NAME || !len ||
			    item->str[len - 1])
				goto malformed;
			if (*name && strcmp(item->str, name)) {
				bad("dump of endpoint %s names %s", name,
				    item->str);
				return false;
			}
			continue;
		case 2:
			cr = &item->creds;
			if (item->type != KDBUS_ITEM_CREDS || len != sizeof(*cr))
				goto malformed;
			/* the owner and group of its file, in every field */
			if (cr->euid != cr->uid || cr->suid != cr->uid ||
			    cr->fsuid != cr->uid || cr->egid != cr->gid ||
			    cr->sgid != cr->gid || cr->fsgid != cr->gid) {
				bad("dump of an endpoint whose maker's uids or gids differ");
				hexdump("dump", d, size);
				return false;
			}
			continue;
		default:
			break;
		}
		if (item->type == KDBUS_ITEM_NAME) {
			if (!len || item->str[len - 1])
				goto malformed;
			names++;
		} else if (item->type == KDBUS_ITEM_POLICY_ACCESS) {
			if (!names || len != sizeof(struct kdbus_policy_access))
				goto malformed;
			rules++;
		} else {
			goto malformed;
		}
	}
	if (pos == size && n >= 3) {
		if (n_names)
			*n_names = names;
		if (n_rules)
			*n_rules = rules;
		return true;
	}
malformed:
	bad("malformed endpoint dump at %llu of %llu",
	    (unsigned long long)pos, (unsigned long long)size);
	hexdump("dump", d, size);
	return false;
}

/* keep the dump of the endpoint of slot @e */
static void save_ep_dump(const uint8_t *d, uint64_t size, int e)
{
	saved_ep.used = size <= SAVED_EP_MAX;
	if (saved_ep.used) {
		memcpy(saved_ep.buf, d, size);
		saved_ep.size = size;
		saved_ep.bus = fz.epo[e].bus;
	}
}

/* @fd made a custom endpoint called @name on bus @bus: keep it in slot @e */
static void epo_set(int e, int fd, int bus, const char *name)
{
	struct fz_epo *o = &fz.epo[e];

	fz_close(o->fd);
	o->fd = fd;
	o->bus = bus;
	o->gen = fz.bus_gen[bus];
	if (!name || strlen(name) >= sizeof(o->name))
		name = "";
	snprintf(o->name, sizeof(o->name), "%s", name);
}

/* a free endpoint owner slot; with none free, mostly one made free */
static int epo_slot(void)
{
	int e;

	for (e = 0; e < N_EPOWNERS; e++)
		if (fz.epo[e].fd < 0)
			return e;
	if (chance(30))
		return -1;
	e = below(N_EPOWNERS);
	fz_close(fz.epo[e].fd);
	fz.epo[e].fd = -1;
	return e;
}

/* closing the maker removes the endpoint */
static void epo_close(int e)
{
	fz_close(fz.epo[e].fd);
	fz.epo[e].fd = -1;
	fz.epo[e].name[0] = 0;
}

/* whether a custom endpoint we keep may be called @name on bus @bus */
static bool epo_named(int bus, const char *name)
{
	const struct fz_epo *o;
	int e;

	for (e = 0; e < N_EPOWNERS; e++) {
		o = &fz.epo[e];
		if (o->fd < 0 || o->bus != bus || o->gen != fz.bus_gen[bus] ||
		    !fz.bus[bus].alive)
			continue;
		if (!*o->name || !strcmp(o->name, name))
			return true;
	}
	return false;
}

/* the value of @key in the fdinfo of @fd, into @buf: 0 or -errno */
static int fdinfo_value(int fd, const char *key, char *buf, size_t size)
{
	char path[64], line[256], *v;
	size_t klen = strlen(key);
	FILE *f;
	int ret = -ENOENT;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen))
			continue;
		v = line + klen;
		v += strspn(v, " \t");
		v[strcspn(v, "\n")] = 0;
		snprintf(buf, size, "%s", v);
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

/* a valid ENDPOINT_MAKE on a new endpoint file of a live bus, kept in @e */
static bool epo_make(int e)
{
	struct kdbus_cmd_buf cb;
	uint64_t flags = chance(50) ? KDBUS_MAKE_ACCESS_WORLD :
			 chance(50) ? KDBUS_MAKE_ACCESS_GROUP : 0;
	unsigned int n = below(4), i;
	int b = below(N_BUSES), fd, ret;
	char name[64], pname[32];

	if (!fz.bus[b].alive)
		b = 0;
	fd = open_ep(b);
	if (fd < 0) {
		bad("cannot open the endpoint of a live bus: %s",
		    kdbus_errno_name(errno));
		return false;
	}
	snprintf(name, sizeof(name), "%u-fzep%u", geteuid(),
		 (unsigned int)below(6));
	kdbus_cmd_init(&cb, flags);
	kdbus_cmd_add_str(&cb, KDBUS_ITEM_MAKE_NAME, name);
	for (i = 0; i < n; i++) {
		snprintf(pname, sizeof(pname), i == 2 ? "org.fuzz.ep.*" :
			 "org.fuzz.ep%u", i);
		kdbus_cmd_add_str(&cb, KDBUS_ITEM_NAME, pname);
		kdbus_cmd_add_access(&cb, KDBUS_POLICY_ACCESS_WORLD,
				     KDBUS_POLICY_SEE, 0);
		if (chance(50))
			kdbus_cmd_add_access(&cb, KDBUS_POLICY_ACCESS_USER,
					     KDBUS_POLICY_OWN, geteuid());
		if (chance(30))
			kdbus_cmd_add_access(&cb, KDBUS_POLICY_ACCESS_GROUP,
					     KDBUS_POLICY_TALK, getegid());
	}
	kdbus_cmd_finish(&cb);
	ret = kdbus_ioctl(fd, KDBUS_CMD_ENDPOINT_MAKE, cb.data);
	if (ret == -EEXIST && epo_named(b, name)) {
		fz_close(fd);
		return false;
	}
	if (ret) {
		bad("valid ENDPOINT_MAKE of %s failed: %s", name,
		    kdbus_errno_name(-ret));
		fz_close(fd);
		return false;
	}
	epo_set(e, fd, b, name);
	return true;
}

/*
 * A valid ENDPOINT_DUMP of a custom endpoint, kept, made first where the
 * slot holds none; then, mostly, its maker is closed, which removes it,
 * so that a restore of the dump can make it again.
 */
static void ckpt_ep_cycle(void)
{
	struct kdbus_cmd_dump d = { .size = sizeof(d) };
	int e = below(N_EPOWNERS), k = below(N_CKPTS), ret;
	bool close_it = chance(65);

	if (fz.ckpt[k] < 0)
		return;
	if (fz.epo[e].fd < 0 && !epo_make(e))
		return;
	d.conn_fd = fz.epo[e].fd;
	d.buffer = (uintptr_t)fz.dump_area;
	d.buffer_size = DUMP_AREA;
	ret = kdbus_ioctl(fz.ckpt[k], KDBUS_CMD_ENDPOINT_DUMP, &d);
	if (ret) {
		bad("valid ENDPOINT_DUMP failed: %s", kdbus_errno_name(-ret));
		return;
	}
	if (d.dump_size > DUMP_AREA ||
	    !ep_dump_ok(fz.dump_area, d.dump_size, fz.epo[e].name, NULL,
			NULL))
		return;
	n_ep_cycles++;
	save_ep_dump(fz.dump_area, d.dump_size, e);
	if (close_it)
		epo_close(e);
}

/* what a file descriptor number in a command's field names */
static struct pick classify_fd(uint64_t v)
{
	struct pick p = { .fd = (int)v, .kind = K_OTHER, .idx = -1 };
	int i;

	if (v > 0x7fffffff) {
		p.kind = K_MINUS1;
		return p;
	}
	for (i = 0; i < N_CONNS; i++)
		if (fz.conn[i].fd == p.fd) {
			p.kind = K_CONN;
			p.idx = i;
			return p;
		}
	for (i = 0; i < N_ENDPOINTS; i++)
		if (fz.ep[i].fd == p.fd) {
			p.kind = K_ENDPOINT;
			p.idx = i;
			return p;
		}
	for (i = 0; i < N_EPOWNERS; i++)
		if (fz.epo[i].fd == p.fd) {
			p.kind = K_EPOWNER;
			p.idx = i;
			return p;
		}
	for (i = 0; i < N_BUSES; i++)
		if (fz.bus[i].control == p.fd) {
			p.kind = K_BUS;
			p.idx = i;
			return p;
		}
	for (i = 0; i < N_SPARE_CONTROLS; i++)
		if (fz.spare[i].fd == p.fd) {
			p.kind = K_CONTROL;
			p.idx = i;
			return p;
		}
	for (i = 0; i < N_CKPTS; i++)
		if (fz.ckpt[i] == p.fd) {
			p.kind = K_CKPT;
			p.idx = i;
			return p;
		}
	if (p.fd == fz.opath) {
		p.kind = K_OPATH;
		return p;
	}
	for (i = 0; i < fz.n_other; i++)
		if (fz.other[i] == p.fd)
			return p;
	if (fcntl(p.fd, F_GETFD) < 0)
		p.kind = K_CLOSED;
	else
		p.idx = -2;	/* open, and not known: no expectations */
	return p;
}

/* a kdbusfs file, not a checkpoint file, of the fuzzer's tables */
static bool is_handle(const struct pick *p)
{
	return p->kind == K_CONN || p->kind == K_ENDPOINT ||
	       p->kind == K_EPOWNER || p->kind == K_BUS ||
	       p->kind == K_CONTROL;
}

/* a file descriptor for a command's field, most likely of @want */
static uint64_t pick_arg_fd(enum fz_kind want)
{
	int i, fd;

	if (mutate(25)) {
		switch (below(4)) {
		case 0:
			return ~0ULL;
		case 1:
			return 0x100000000ULL + (uint64_t)fz.conn[0].fd;
		default:
			return (uint64_t)(int64_t)pick_fd().fd;
		}
	}
	switch (want) {
	case K_CONN:
		i = below(N_CONNS);
		fd = fz.conn[i].fd;
		break;
	case K_BUS:
		if (chance(75)) {
			fd = fz.bus[below(N_BUSES)].control;
			break;
		}
		fd = fz.spare[below(N_SPARE_CONTROLS)].fd;
		break;
	case K_ENDPOINT:
		fd = fz.ep[below(N_ENDPOINTS)].fd;
		break;
	case K_EPOWNER:
		i = below(N_EPOWNERS);
		fd = fz.epo[i].fd;
		if (fd < 0)
			fd = fz.epo[(i + 1) % N_EPOWNERS].fd;
		if (fd < 0 && chance(50))
			fd = fz.ep[below(N_ENDPOINTS)].fd;
		break;
	default:
		fd = fz.spare[below(N_SPARE_CONTROLS)].fd;
		break;
	}
	return fd < 0 ? CLOSED_FD : fd;
}

/* a user pointer to the buffer @area of @size bytes */
static uint64_t pick_buffer(uint8_t *area, uint64_t size)
{
	if (!mutate(15))
		return (uintptr_t)area;
	switch (below(6)) {
	case 0:
		return 0;
	case 1:
		return (uintptr_t)fz.ro_area;
	case 2:
		return 0xffff888000000000ULL;
	case 3:
		return (uintptr_t)(area + size);
	case 4:
		return (uintptr_t)area + 1 + below(7);
	default:
		return 0x0000800000000000ULL;
	}
}

/* the @size bytes at user address @addr, if they lie in the dump area */
static const uint8_t *in_dump_area(uint64_t addr, uint64_t size)
{
	uint64_t lo = (uintptr_t)fz.dump_area;

	if (addr < lo || addr > lo + DUMP_AREA || size > lo + DUMP_AREA - addr)
		return NULL;
	return fz.dump_area + (addr - lo);
}

static void build_checkpoint(struct builder *b)
{
	struct kdbus_cmd_checkpoint *cp = (void *)b->buf;

	b->fixed = sizeof(*cp);
	b->len = sizeof(*cp);
	memset(cp, 0, sizeof(*cp));
	cp->flags = pick_flags(0);
	cp->fd = mutate(10) ? pick_u64() : 0;
	if (chance(10))
		item_of_type(b, KDBUS_ITEM_NEGOTIATE);
	chain_noise(b);
	chain_mutate(b, sizeof(*cp));
}

/* the checkpoint file the command being built goes to, if it is one */
static int cur_ckpt;

/* CONN_DUMP, CONN_THAW, BUS_DUMP, ENDPOINT_DUMP */
static void build_dump(struct builder *b, unsigned long cmd)
{
	struct kdbus_cmd_dump *d = (void *)b->buf;
	int i, start = below(N_CONNS);

	b->fixed = sizeof(*d);
	b->len = sizeof(*d);
	memset(d, 0, sizeof(*d));
	d->flags = pick_flags(cmd == KDBUS_CMD_CONN_DUMP ?
			      KDBUS_DUMP_FREEZE : 0);
	if (cmd == KDBUS_CMD_CONN_DUMP && chance(30))
		d->flags |= KDBUS_DUMP_FREEZE;
	d->conn_fd = pick_arg_fd(cmd == KDBUS_CMD_BUS_DUMP ? K_BUS :
				 cmd == KDBUS_CMD_ENDPOINT_DUMP ? K_EPOWNER :
				 K_CONN);
	/* a valid THAW thaws what the file froze, if it froze any */
	for (i = 0; valid && cmd == KDBUS_CMD_CONN_THAW && i < N_CONNS; i++)
		if (fz.conn[(start + i) % N_CONNS].fd >= 0 &&
		    frozen[cur_ckpt][(start + i) % N_CONNS] != F_NO) {
			d->conn_fd = fz.conn[(start + i) % N_CONNS].fd;
			break;
		}
	d->buffer = pick_buffer(fz.dump_area, DUMP_AREA);
	switch (valid ? 0 : below(10)) {
	case 1:
		d->buffer_size = 0;
		break;
	case 2:
		d->buffer_size = 8 * below(64);
		break;
	case 3:
		d->buffer_size = ~0ULL;
		break;
	case 4:
		d->buffer_size = 8 * below(DUMP_AREA / 8);
		break;
	default:
		d->buffer_size = DUMP_AREA;
		break;
	}
	d->dump_size = mutate(10) ? pick_u64() : 0;
	if (chance(10))
		item_of_type(b, KDBUS_ITEM_NEGOTIATE);
	chain_noise(b);
	chain_mutate(b, sizeof(*d));
}

/* room for the files CONN_DUMP_FILES installs, in the dump area */
#define FILES_ROOM		512

static void build_dump_files(struct builder *b)
{
	struct kdbus_cmd_dump_files *f = (void *)b->buf;
	const struct fz_saved *s = &saved[below(2)];
	struct pick c;
	uint64_t pick = rnd();

	b->fixed = sizeof(*f);
	b->len = sizeof(*f);
	memset(f, 0, sizeof(*f));
	f->flags = pick_flags(0);
	f->conn_fd = pick_arg_fd(K_CONN);
	/* a valid one asks for the files of a message dumped */
	if (valid && s->used && s->n_msgs && fz.conn[s->conn].fd >= 0 &&
	    fz.conn[s->conn].id == s->id)
		f->conn_fd = fz.conn[s->conn].fd;
	c = classify_fd(f->conn_fd);
	/* a dumped message, else a published slice or anything */
	if (s->used && s->n_msgs && chance(60))
		f->offset = s->msg[pick % s->n_msgs].offset;
	else
		f->offset = pick_offset(c.kind == K_CONN ?
					&fz.conn[c.idx] : NULL);
	f->fds = pick_buffer(fz.dump_area, DUMP_AREA);
	switch (valid ? 0 : below(8)) {
	case 1:
		f->n_fds = 0;
		break;
	case 2:
		f->n_fds = below(4);
		break;
	case 3:
		f->n_fds = 1ULL << (32 + below(32));
		break;
	default:
		f->n_fds = FILES_ROOM;
		break;
	}
	if (chance(10))
		item_of_type(b, KDBUS_ITEM_NEGOTIATE);
	chain_noise(b);
	chain_mutate(b, sizeof(*f));
}

/* the restore being built: from a saved dump, and whether mutated */
static struct {
	const struct fz_saved *s;
	bool mutated;
} rs;

/* an unused endpoint file of bus @bus, reopened there if none is */
static int ep_of_bus(int bus)
{
	int i;

	for (i = 0; i < N_ENDPOINTS; i++)
		if (fz.ep[i].fd >= 0 && fz.ep[i].bus == bus &&
		    fz.ep[i].gen == fz.bus_gen[bus])
			return fz.ep[i].fd;
	if (!fz.bus[bus].alive)
		return fz.ep[0].fd;
	i = below(N_ENDPOINTS);
	fz_close(fz.ep[i].fd);
	fz.ep[i].fd = open_ep(bus);
	fz.ep[i].bus = bus;
	fz.ep[i].gen = fz.bus_gen[bus];
	if (fz.ep[i].fd < 0)
		bad("cannot open the endpoint of a live bus: %s",
		    kdbus_errno_name(errno));
	return fz.ep[i].fd;
}

static void creds_fill(struct kdbus_creds *cr)
{
	cr->uid = getuid();
	cr->euid = geteuid();
	cr->suid = geteuid();
	cr->fsuid = geteuid();
	cr->gid = getgid();
	cr->egid = getegid();
	cr->sgid = getegid();
	cr->fsgid = getegid();
}

/* a dump of a connection that never was, into the dump area: its size */
static uint64_t made_up_conn_dump(void)
{
	static struct builder d;
	struct kdbus_dump_conn *dc;
	struct kdbus_item *item;

	d.len = 0;
	item = item_add(&d, KDBUS_ITEM_DUMP_CONN, sizeof(*dc));
	dc = (void *)item->data;
	dc->id = chance(50) ? 1 + below(64) : 1000 + below(1ULL << 40);
	dc->flags = chance(50) ? KDBUS_HELLO_ACCEPT_FD : 0;
	dc->pool_size = PAGE;
	dc->attach_flags_send = rnd() & 0x3fff;
	dc->attach_flags_recv = rnd() & 0x3fff;
	item = item_add(&d, KDBUS_ITEM_CREDS, sizeof(struct kdbus_creds));
	creds_fill(&item->creds);
	if (chance(30))
		item_name(&d, KDBUS_ITEM_CONN_DESCRIPTION);
	memcpy(fz.dump_area, d.buf, d.len);
	return d.len;
}

/* flip a few bits of @len bytes at @p */
static void flip_bits(uint8_t *p, uint64_t len)
{
	unsigned int n;

	for (n = 1 + below(4); n && len; n--)
		p[below(len)] ^= 1 << below(8);
}

static void build_restore(struct builder *b)
{
	struct kdbus_cmd_restore *r = (void *)b->buf;
	const struct fz_saved *s = &saved[below(2)];
	struct kdbus_dump_conn *dc;
	struct kdbus_item *item;
	uint64_t len;
	unsigned int i, j;

	if (!s->used)
		s = &saved[s == saved];
	if (!s->used || chance(10))
		s = NULL;
	rs.s = s;
	rs.mutated = s && (s->pool_mutated || s->lenient);

	b->fixed = sizeof(*r);
	b->len = sizeof(*r);
	memset(r, 0, sizeof(*r));
	r->flags = pick_flags(0);
	r->ep_fd = s && !mutate(25) ? ep_of_bus(s->bus) :
		   pick_arg_fd(K_ENDPOINT);
	if (s) {
		memcpy(fz.dump_area, s->dump, s->size);
		len = s->size;
		r->pool = (uintptr_t)s->pool;
		r->pool_size = s->pool_size;
	} else {
		len = made_up_conn_dump();
		r->pool = (uintptr_t)fz.data_area;
		r->pool_size = PAGE;
	}
	dc = (void *)(fz.dump_area + KDBUS_ITEM_HEADER_SIZE);
	/* another id: the dumped connection may still be there */
	if (s && mutate(30)) {
		dc->id += 1 + below(1 << 20);
		rs.mutated = true;
	}
	if (mutate(15)) {
		flip_bits(fz.dump_area, len);
		rs.mutated = true;
	}
	if (s && mutate(3)) {
		flip_bits(s->pool, s->pool_size);
		saved[s - saved].pool_mutated = true;
		rs.mutated = true;
	}
	if (mutate(10))
		dc->flags |= 1ULL << below(4);
	r->dump = pick_buffer(fz.dump_area, DUMP_AREA);
	r->dump_size = pick_size(len, KDBUS_ITEM_SIZE(sizeof(*dc)));
	last_dump = fz.dump_area;
	last_dump_len = len;
	if (mutate(10)) {
		r->pool_size = pick_u64();
		rs.mutated = true;
	}
	/* the pool read from elsewhere: its slices hold anything */
	if (mutate(10)) {
		r->pool = pick_data_ptr(r->pool_size);
		rs.mutated = true;
	}

	/* the files of its queued messages */
	for (i = 0; s && i < s->n_msgs; i++) {
		if (mutate(10))
			continue;
		item = item_add(b, KDBUS_ITEM_DUMP_FILES,
				8 + s->msg[i].n * sizeof(int));
		if (!item)
			break;
		item->data64[0] = s->msg[i].offset + (mutate(5) ? 8 : 0);
		for (j = 0; j < s->msg[i].n; j++)
			((int *)(item->data64 + 1))[j] =
				mutate(5) ? pick_item_fd() :
				s->fds[s->msg[i].first + j];
	}
	if (mutate(5)) {
		item = item_add(b, KDBUS_ITEM_DUMP_FILES, 8 + sizeof(int));
		if (item) {
			item->data64[0] = pick_offset(NULL);
			((int *)(item->data64 + 1))[0] = pick_item_fd();
		}
	}
	if (chance(10))
		item_of_type(b, KDBUS_ITEM_NEGOTIATE);
	chain_noise(b);
	chain_mutate(b, sizeof(*r));
}

/* a dump of a bus that never was, into the dump area: its size */
static uint64_t made_up_bus_dump(void)
{
	static struct builder d;
	struct kdbus_dump_bus *db;
	struct kdbus_item *item;
	char name[64], suffix[16];
	unsigned int i;

	d.len = 0;
	item = item_add(&d, KDBUS_ITEM_DUMP_BUS, sizeof(*db));
	db = (void *)item->data;
	db->id = 1 + below(1ULL << 40);
	db->flags = KDBUS_MAKE_ACCESS_WORLD;
	db->bloom.size = 8 * (1 + below(8));
	db->bloom.n_hash = 1 + below(4);
	for (i = 0; i < sizeof(db->id128); i++)
		db->id128[i] = rnd();
	db->last_conn_id = below(3) ? 0 : below(1ULL << 40);
	snprintf(suffix, sizeof(suffix), "fzr%u", (unsigned int)below(8));
	kdbus_bus_name(name, sizeof(name), suffix);
	item_str(&d, KDBUS_ITEM_MAKE_NAME, name);
	item = item_add(&d, KDBUS_ITEM_CREDS, sizeof(struct kdbus_creds));
	creds_fill(&item->creds);
	memcpy(fz.dump_area, d.buf, d.len);
	return d.len;
}

static void build_bus_restore(struct builder *b)
{
	struct kdbus_cmd_bus_restore *r = (void *)b->buf;
	bool made_up = !saved_bus.used || chance(20);
	struct kdbus_dump_bus *db;
	struct kdbus_item *item;
	uint64_t len;
	int i;

	b->fixed = sizeof(*r);
	b->len = sizeof(*r);
	memset(r, 0, sizeof(*r));
	r->flags = pick_flags(0);
	if (mutate(25)) {
		r->control_fd = pick_arg_fd(K_CONTROL);
	} else {
		/* an unused control file */
		i = below(N_SPARE_CONTROLS);
		if (fz.spare[i].has_bus || fz.spare[i].fd < 0)
			i = !i;
		if (fz.spare[i].has_bus || fz.spare[i].fd < 0)
			spare_reopen(i);
		r->control_fd = fz.spare[i].fd < 0 ? CLOSED_FD :
				fz.spare[i].fd;
	}
	if (made_up) {
		len = made_up_bus_dump();
	} else {
		memcpy(fz.dump_area, saved_bus.buf, saved_bus.size);
		len = saved_bus.size;
	}
	db = (void *)(fz.dump_area + KDBUS_ITEM_HEADER_SIZE);
	/* another bus of the same making: its original may still be there */
	if (!made_up && mutate(30)) {
		db->id += 1 + below(1 << 20);
		db->id128[below(16)] ^= 1 + below(255);
		item = (void *)dump_find(fz.dump_area, len,
					 KDBUS_ITEM_MAKE_NAME);
		if (item && item->size > KDBUS_ITEM_HEADER_SIZE + 4)
			item->str[item->size - KDBUS_ITEM_HEADER_SIZE - 2] =
				'a' + below(26);
	}
	if (mutate(15))
		flip_bits(fz.dump_area, len);
	r->dump = pick_buffer(fz.dump_area, DUMP_AREA);
	r->dump_size = pick_size(len, KDBUS_ITEM_SIZE(sizeof(*db)));
	last_dump = fz.dump_area;
	last_dump_len = len;
	if (chance(10))
		item_of_type(b, KDBUS_ITEM_NEGOTIATE);
	chain_noise(b);
	chain_mutate(b, sizeof(*r));
}

/* a dump of a custom endpoint that never was, into the dump area: its size */
static uint64_t made_up_ep_dump(void)
{
	static struct builder d;
	struct kdbus_dump_endpoint *de;
	struct kdbus_item *item;
	unsigned int i, n = below(3);
	char name[64];

	d.len = 0;
	item = item_add(&d, KDBUS_ITEM_DUMP_ENDPOINT, sizeof(*de));
	de = (void *)item->data;
	de->flags = chance(50) ? KDBUS_MAKE_ACCESS_WORLD : 0;
	snprintf(name, sizeof(name), "%u-fzer%u", geteuid(),
		 (unsigned int)below(4));
	item_str(&d, KDBUS_ITEM_MAKE_NAME, name);
	item = item_add(&d, KDBUS_ITEM_CREDS, sizeof(struct kdbus_creds));
	creds_fill(&item->creds);
	for (i = 0; i < n; i++) {
		item_str(&d, KDBUS_ITEM_NAME, i ? "org.fuzz.er.*" :
			 "org.fuzz.er");
		item = item_add(&d, KDBUS_ITEM_POLICY_ACCESS,
				sizeof(struct kdbus_policy_access));
		item->policy_access.type = KDBUS_POLICY_ACCESS_WORLD;
		item->policy_access.access = below(3);
	}
	memcpy(fz.dump_area, d.buf, d.len);
	return d.len;
}

/* the endpoint restore being built: whether its dump is as dumped */
static bool ep_rs_strict;

static void build_ep_restore(struct builder *b)
{
	struct kdbus_cmd_ep_restore *r = (void *)b->buf;
	bool made_up = !saved_ep.used || chance(20);
	struct kdbus_dump_endpoint *de;
	struct kdbus_item *item;
	uint64_t len;

	b->fixed = sizeof(*r);
	b->len = sizeof(*r);
	memset(r, 0, sizeof(*r));
	r->flags = pick_flags(0);
	/* an unused default endpoint file, of the dumped one's bus */
	r->ep_fd = mutate(25) ? pick_arg_fd(chance(50) ? K_EPOWNER :
					    K_ENDPOINT) :
		   ep_of_bus(made_up ? (int)below(N_BUSES) : saved_ep.bus);
	if (made_up) {
		len = made_up_ep_dump();
	} else {
		memcpy(fz.dump_area, saved_ep.buf, saved_ep.size);
		len = saved_ep.size;
	}
	ep_rs_strict = !made_up;
	de = (void *)(fz.dump_area + KDBUS_ITEM_HEADER_SIZE);
	/* another endpoint of the same making: its original may be there */
	if (!made_up && mutate(30)) {
		item = (void *)dump_find(fz.dump_area, len,
					 KDBUS_ITEM_MAKE_NAME);
		if (item && item->size > KDBUS_ITEM_HEADER_SIZE + 4)
			item->str[item->size - KDBUS_ITEM_HEADER_SIZE - 2] =
				'a' + below(26);
		ep_rs_strict = false;
	}
	if (mutate(15)) {
		flip_bits(fz.dump_area, len);
		ep_rs_strict = false;
	}
	if (mutate(10)) {
		de->flags |= 1ULL << below(4);
		ep_rs_strict = false;
	}
	r->dump = pick_buffer(fz.dump_area, DUMP_AREA);
	r->dump_size = pick_size(len, KDBUS_ITEM_SIZE(sizeof(*de)));
	if (r->dump_size != len)
		ep_rs_strict = false;
	last_dump = fz.dump_area;
	last_dump_len = len;
	if (chance(10))
		item_of_type(b, KDBUS_ITEM_NEGOTIATE);
	chain_noise(b);
	chain_mutate(b, sizeof(*r));
}

/*
 * An ENDPOINT_RESTORE made the endpoint file of @ep the owner of the
 * endpoint of the dump @d: its file is there, its owner says so in its
 * fdinfo and, restored as dumped, dumps as dumped.
 */
static void restored_ep(const struct pick *ep, const uint8_t *d,
			uint64_t size)
{
	const struct kdbus_item *name = dump_find(d, size,
						  KDBUS_ITEM_MAKE_NAME);
	struct kdbus_cmd_dump dd = { .size = sizeof(dd) };
	unsigned int names[2], rules[2];
	int fd, bus, e, ret;
	uint8_t *again;
	char path[512], role[64];
	uint64_t head;
	struct stat st;

	fd = fz.ep[ep->idx].fd;
	bus = fz.ep[ep->idx].bus;
	if (!fz.bus[bus].alive || fz.ep[ep->idx].gen != fz.bus_gen[bus]) {
		bad("ENDPOINT_RESTORE succeeded on an endpoint of a bus gone");
		return;
	}
	if (!name) {
		bad("ENDPOINT_RESTORE succeeded without a name");
		return;
	}
	n_eps_restored++;
	for (e = 0; e < N_EPOWNERS; e++)
		if (fz.epo[e].fd >= 0 && fz.epo[e].bus == bus &&
		    fz.epo[e].gen == fz.bus_gen[bus] &&
		    !strcmp(fz.epo[e].name, name->str))
			bad("ENDPOINT_RESTORE made endpoint %s, which is there",
			    name->str);
	snprintf(path, sizeof(path), "%s/%s", fz.bus[bus].name, name->str);
	if (fstatat(fz.root_fd, path, &st, 0))
		bad("ENDPOINT_RESTORE made endpoint %s, whose file is not there: %s",
		    path, kdbus_errno_name(errno));
	ret = fdinfo_value(fd, "kdbus-role:", role, sizeof(role));
	if (ret || strcmp(role, "endpoint-owner"))
		bad("ENDPOINT_RESTORE made a file whose kdbus-role is %s",
		    ret ? kdbus_errno_name(-ret) : role);

	/* the file is the endpoint's owner now */
	fz.ep[ep->idx].fd = -1;
	ep_reopen(ep->idx);
	e = epo_slot();
	if (e < 0) {
		fz_close(fd);
		return;
	}
	epo_set(e, fd, bus, name->str);
	/* a dump as the kernel wrote it, whatever the mutations hit */
	if (!ep_rs_strict || size != saved_ep.size ||
	    memcmp(d, saved_ep.buf, size) || some_ckpt() < 0)
		return;

	/* as dumped: the same head (flags, name, maker) and policy size */
	again = fz.dump_area + DUMP_AREA / 2;
	dd.conn_fd = fd;
	dd.buffer = (uintptr_t)again;
	dd.buffer_size = DUMP_AREA / 2;
	ret = kdbus_ioctl(some_ckpt(), KDBUS_CMD_ENDPOINT_DUMP, &dd);
	if (ret) {
		bad("valid ENDPOINT_DUMP of a restored endpoint failed: %s",
		    kdbus_errno_name(-ret));
		return;
	}
	if (dd.dump_size > DUMP_AREA / 2 ||
	    !ep_dump_ok(d, size, "", &names[0], &rules[0]) ||
	    !ep_dump_ok(again, dd.dump_size, name->str, &names[1], &rules[1]))
		return;
	n_eps_restored_strict++;
	head = (const uint8_t *)name - d + KDBUS_ALIGN8(name->size) +
	       KDBUS_ITEM_SIZE(sizeof(struct kdbus_creds));
	if (head > size || head > dd.dump_size || memcmp(d, again, head) ||
	    names[0] != names[1] || rules[0] != rules[1]) {
		bad("endpoint %s restored as dumped dumps otherwise (%u names %u rules, was %u %u)",
		    name->str, names[1], rules[1], names[0], rules[0]);
		hexdump("restored from", d, size);
		hexdump("dumps", again, dd.dump_size);
	}
}

/* a CONN_RESTORE made the endpoint file of @ep the connection of @d */
static void restored_conn(const struct pick *ep, const uint8_t *d,
			  uint64_t size)
{
	const struct kdbus_dump_conn *dc = (const void *)(d +
							  KDBUS_ITEM_HEADER_SIZE);
	const struct kdbus_dump_slice *ds;
	const struct kdbus_item *item;
	int fd, bus, i, ci;
	uint64_t pos = 0;

	fd = fz.ep[ep->idx].fd;
	bus = fz.ep[ep->idx].bus;
	if (!fz.bus[bus].alive || fz.ep[ep->idx].gen != fz.bus_gen[bus]) {
		bad("CONN_RESTORE succeeded on an endpoint of a bus gone");
		return;
	}
	for (i = 0; i < N_CONNS; i++)
		if (fz.conn[i].fd >= 0 && !fz.conn[i].dead &&
		    fz.conn[i].bus == bus && fz.conn[i].id == dc->id)
			bad("CONN_RESTORE made id %llu, which connection %d has",
			    (unsigned long long)dc->id, i);
	if (bus == 0 && (dc->id == fz.resp_id[0] || dc->id == fz.resp_id[1]))
		bad("CONN_RESTORE made id %llu, which the responder has",
		    (unsigned long long)dc->id);
	/* room for it, now and then */
	for (i = 0; i < N_CONNS && fz.conn[i].fd >= 0; i++)
		;
	if (i == N_CONNS && chance(50))
		conn_free_slot(&fz.conn[below(N_CONNS)]);
	fz.ep[ep->idx].fd = -1;
	ci = conn_register(fd, bus, dc->id, dc->pool_size, dc->flags, ~0ULL);
	ep_reopen(ep->idx);
	if (ci < 0)
		return;
	fz.conn[ci].restored = true;
	fz.conn[ci].lenient = rs.mutated;
	n_restored++;
	n_restored_strict += !rs.mutated;
	/* the slices user space held are published again */
	while (dump_walk(d, size, &pos, &item)) {
		ds = (const void *)item->data;
		if (item->type == KDBUS_ITEM_DUMP_SLICE &&
		    ds->flags == KDBUS_DUMP_SLICE_USER)
			conn_add_offset(&fz.conn[ci], ds->offset);
	}
}

/* a BUS_RESTORE made the control file of @p the owner of the bus of @d */
static void restored_bus(const struct pick *p, const uint8_t *d,
			 uint64_t size)
{
	const struct kdbus_item *name = dump_find(d, size,
						  KDBUS_ITEM_MAKE_NAME);
	int i, fd = fz.spare[p->idx].fd;

	if (!name) {
		bad("BUS_RESTORE succeeded without a name");
		return;
	}
	for (i = 0; i < N_BUSES; i++) {
		if (strcmp(fz.bus[i].name, name->str))
			continue;
		if (fz.bus[i].alive) {
			bad("BUS_RESTORE made bus %s, which is there", name->str);
			return;
		}
		/* our bus again: the control file is its owner */
		fz.bus[i].control = fd;
		fz.bus[i].alive = true;
		fz.bus_gen[i]++;
		n_buses_made++;
		n_adopted++;
		fz.spare[p->idx].fd = -1;
		spare_reopen(p->idx);
		return;
	}
	fz.spare[p->idx].has_bus = true;
}

/*
 * What a checkpoint command did on checkpoint file @p, which ended with
 * @err (0: success), given the files its fields name.
 */
static void ckpt_result(const struct pick *p, struct op *op, int err)
{
	const struct kdbus_cmd_dump *d = (const void *)op->b.buf;
	const struct kdbus_cmd_dump *ud = (const void *)op->user;
	const struct kdbus_cmd_dump_files *f = (const void *)op->b.buf;
	const struct kdbus_cmd_dump_files *uf = (const void *)op->user;
	const struct kdbus_cmd_restore *r = (const void *)op->b.buf;
	const struct kdbus_cmd_bus_restore *br = (const void *)op->b.buf;
	const struct kdbus_cmd_ep_restore *er = (const void *)op->b.buf;
	const struct kdbus_cmd_checkpoint *cp = (const void *)op->user;
	bool negotiate = op->flags & KDBUS_FLAG_NEGOTIATE;
	const uint8_t *buf;
	struct pick a;
	int k = p->idx, i, fd;

	if (!err && !op->user) {
		bad("succeeded with its argument at 0x%llx",
		    (unsigned long long)op->addr);
		return;
	}
	if (negotiate)
		return;
	if (op->cmd == KDBUS_CMD_CHECKPOINT) {
		if (err)
			return;
		if (!is_handle(p)) {
			bad("CHECKPOINT succeeded on a %s", kind_name[p->kind]);
			return;
		}
		fd = cp->fd;
		if (fd < 0 || (fd < FD_TRACK && ours[fd]) ||
		    fcntl(fd, F_GETFD) != FD_CLOEXEC) {
			bad("CHECKPOINT made fd %d: ours, or not close-on-exec",
			    fd);
			return;
		}
		/* the new one takes the place of one, or goes */
		if (chance(50)) {
			k = below(N_CKPTS);
			fz_close(fz.ckpt[k]);
			for (i = 0; i < N_CONNS; i++)
				frozen[k][i] = F_NO;
			froze_any[k] = false;
			fz.ckpt[k] = track(fd);
		} else {
			close(fd);
		}
		return;
	}
	if (p->kind != K_CKPT)
		return;
	if (err == EXDEV) {
		bad("EXDEV with a single domain");
		return;
	}
	switch (op->cmd) {
	case KDBUS_CMD_CONN_DUMP:
	case KDBUS_CMD_CONN_THAW:
	case KDBUS_CMD_CONN_DUMP_FILES:
		a = classify_fd(op->cmd == KDBUS_CMD_CONN_DUMP_FILES ?
				f->conn_fd : d->conn_fd);
		if (!err && a.kind != K_CONN) {
			bad("succeeded on a conn_fd that is a %s",
			    kind_name[a.kind]);
			return;
		}
		if (err == ENOTCONN && a.idx != -2 &&
		    (a.kind == K_CONN || !is_handle(&a)))
			bad("ENOTCONN for a conn_fd that is a %s",
			    kind_name[a.kind]);
		if (err == EBADF && is_handle(&a))
			bad("EBADF for a conn_fd that is a %s",
			    kind_name[a.kind]);
		if (a.kind != K_CONN)
			return;
		break;
	case KDBUS_CMD_BUS_DUMP:
		a = classify_fd(d->conn_fd);
		if (!err && !(a.kind == K_BUS ||
			      (a.kind == K_CONTROL && fz.spare[a.idx].has_bus))) {
			bad("BUS_DUMP succeeded on a conn_fd that is a %s",
			    kind_name[a.kind]);
			return;
		}
		if (err == EBADFD && a.kind == K_BUS)
			bad("EBADFD for the control file of a bus");
		if (err == EBADF && is_handle(&a))
			bad("EBADF for a conn_fd that is a %s",
			    kind_name[a.kind]);
		break;
	case KDBUS_CMD_CONN_RESTORE:
		a = classify_fd(r->ep_fd);
		if (!err && a.kind != K_ENDPOINT) {
			bad("CONN_RESTORE succeeded on an ep_fd that is a %s",
			    kind_name[a.kind]);
			return;
		}
		if (err == EBADFD && a.kind == K_ENDPOINT)
			bad("EBADFD for an unused endpoint file");
		break;
	case KDBUS_CMD_BUS_RESTORE:
		a = classify_fd(br->control_fd);
		if (!err && (a.kind != K_CONTROL || fz.spare[a.idx].has_bus)) {
			bad("BUS_RESTORE succeeded on a control_fd that is a %s%s",
			    a.kind == K_CONTROL ? "used " : "",
			    kind_name[a.kind]);
			return;
		}
		if (err == EBADFD && a.kind == K_CONTROL &&
		    !fz.spare[a.idx].has_bus)
			bad("EBADFD for an unused control file");
		break;
	case KDBUS_CMD_ENDPOINT_DUMP:
		a = classify_fd(d->conn_fd);
		if (!err && a.kind != K_EPOWNER) {
			bad("ENDPOINT_DUMP succeeded on a conn_fd that is a %s",
			    kind_name[a.kind]);
			return;
		}
		if (err == EBADFD && a.kind == K_EPOWNER)
			bad("EBADFD for the file that made a custom endpoint");
		if (err == EBADF && is_handle(&a))
			bad("EBADF for a conn_fd that is a %s",
			    kind_name[a.kind]);
		break;
	case KDBUS_CMD_ENDPOINT_RESTORE:
		a = classify_fd(er->ep_fd);
		if (!err && a.kind != K_ENDPOINT) {
			bad("ENDPOINT_RESTORE succeeded on an ep_fd that is a %s",
			    kind_name[a.kind]);
			return;
		}
		if (err == EBADFD && a.kind == K_ENDPOINT)
			bad("EBADFD for an unused endpoint file");
		if (err == EBADF && is_handle(&a))
			bad("EBADF for an ep_fd that is a %s",
			    kind_name[a.kind]);
		break;
	default:
		return;
	}

	switch (op->cmd) {
	case KDBUS_CMD_CONN_DUMP:
		if (!err && fz.conn[a.idx].dead) {
			bad("CONN_DUMP of a disconnected connection succeeded");
			return;
		}
		if (err == ECONNRESET && !fz.conn[a.idx].dead)
			bad("ECONNRESET for CONN_DUMP of a live connection");
		if (d->flags & KDBUS_DUMP_FREEZE) {
			if (!err && frozen[!k][a.idx] == F_YES)
				bad("froze a connection the other checkpoint file has frozen");
			if (err == EBUSY && frozen[!k][a.idx] == F_NO)
				bad("EBUSY for a connection no other checkpoint file froze");
			if (!err) {
				frozen[k][a.idx] = F_YES;
				froze_any[k] = true;
			} else if (err == EMSGSIZE || err == EFAULT) {
				/*
				 * Too small a buffer keeps the freeze, and
				 * so may results not written back.
				 */
				if (frozen[k][a.idx] == F_NO)
					frozen[k][a.idx] = F_MAYBE;
				froze_any[k] = true;
			}
		} else if (err == EBUSY) {
			bad("EBUSY without KDBUS_DUMP_FREEZE");
		}
		if (err)
			return;
		if (ud->dump_size > d->buffer_size) {
			bad("CONN_DUMP wrote %llu bytes into %llu",
			    (unsigned long long)ud->dump_size,
			    (unsigned long long)d->buffer_size);
			return;
		}
		buf = in_dump_area(d->buffer, ud->dump_size);
		if (buf && conn_dump_ok(buf, ud->dump_size, &fz.conn[a.idx]))
			save_conn_dump(&saved[0], a.idx, buf, ud->dump_size);
		break;
	case KDBUS_CMD_CONN_THAW:
		if (!err && frozen[k][a.idx] == F_NO)
			bad("THAW of a connection this file had not frozen");
		if (err == ENOENT && frozen[k][a.idx] == F_YES)
			bad("ENOENT for THAW of a connection this file froze");
		if (!err || err == ENOENT)
			frozen[k][a.idx] = F_NO;
		else if (err == EFAULT && frozen[k][a.idx] == F_YES)
			frozen[k][a.idx] = F_MAYBE;
		break;
	case KDBUS_CMD_CONN_DUMP_FILES:
		if (err)
			return;
		if (uf->n_fds > f->n_fds) {
			bad("CONN_DUMP_FILES installed %llu files into room for %llu",
			    (unsigned long long)uf->n_fds,
			    (unsigned long long)f->n_fds);
			return;
		}
		if (!uf->n_fds)
			return;
		buf = in_dump_area(f->fds, uf->n_fds * sizeof(int));
		if (!buf) {
			bad("CONN_DUMP_FILES wrote %llu files to 0x%llx",
			    (unsigned long long)uf->n_fds,
			    (unsigned long long)f->fds);
			return;
		}
		for (i = 0; i < (int)uf->n_fds; i++) {
			memcpy(&fd, buf + i * sizeof(int), sizeof(int));
			check_installed_fd(fd, true);
		}
		break;
	case KDBUS_CMD_BUS_DUMP:
		if (err)
			return;
		if (ud->dump_size > d->buffer_size) {
			bad("BUS_DUMP wrote %llu bytes into %llu",
			    (unsigned long long)ud->dump_size,
			    (unsigned long long)d->buffer_size);
			return;
		}
		buf = in_dump_area(d->buffer, ud->dump_size);
		if (buf && bus_dump_ok(buf, ud->dump_size, a.kind == K_BUS ?
				       fz.bus[a.idx].name : NULL))
			save_bus_dump(buf, ud->dump_size);
		break;
	case KDBUS_CMD_CONN_RESTORE:
		/* it may have restored, and then not written back */
		if (err == EFAULT && op->ro && a.kind == K_ENDPOINT) {
			cur.what = "resync-endpoint";
			ep_reopen(a.idx);
		}
		if (err)
			return;
		buf = in_dump_area(r->dump, r->dump_size);
		if (!buf) {
			bad("CONN_RESTORE succeeded with its dump at 0x%llx",
			    (unsigned long long)r->dump);
			return;
		}
		restored_conn(&a, buf, r->dump_size);
		break;
	case KDBUS_CMD_BUS_RESTORE:
		if (err == EFAULT && op->ro && a.kind == K_CONTROL) {
			cur.what = "resync-control";
			spare_reopen(a.idx);
		}
		if (err)
			return;
		buf = in_dump_area(br->dump, br->dump_size);
		if (!buf) {
			bad("BUS_RESTORE succeeded with its dump at 0x%llx",
			    (unsigned long long)br->dump);
			return;
		}
		restored_bus(&a, buf, br->dump_size);
		break;
	case KDBUS_CMD_ENDPOINT_DUMP:
		if (err)
			return;
		if (ud->dump_size > d->buffer_size) {
			bad("ENDPOINT_DUMP wrote %llu bytes into %llu",
			    (unsigned long long)ud->dump_size,
			    (unsigned long long)d->buffer_size);
			return;
		}
		buf = in_dump_area(d->buffer, ud->dump_size);
		if (buf && ep_dump_ok(buf, ud->dump_size, fz.epo[a.idx].name,
				      NULL, NULL))
			save_ep_dump(buf, ud->dump_size, a.idx);
		break;
	case KDBUS_CMD_ENDPOINT_RESTORE:
		/* it may have restored, and then not written back */
		if (err == EFAULT && op->ro && a.kind == K_ENDPOINT) {
			cur.what = "resync-endpoint";
			ep_reopen(a.idx);
		}
		if (err)
			return;
		buf = in_dump_area(er->dump, er->dump_size);
		if (!buf) {
			bad("ENDPOINT_RESTORE succeeded with its dump at 0x%llx",
			    (unsigned long long)er->dump);
			return;
		}
		restored_ep(&a, buf, er->dump_size);
		break;
	default:
		break;
	}
}

static bool any_frozen(void)
{
	int k;

	for (k = 0; k < N_CKPTS; k++)
		if (froze_any[k])
			return true;
	return false;
}

/* ---------------------------------------------------------------------- */
/* one ioctl */

static void count_errno(int err)
{
	errno_hist[err > 0 && err < 256 ? err : 0]++;
}

static void count_cmd_errno(unsigned long cmd, int err)
{
	size_t i;

	for (i = 0; i < KDBUS_DOC_N_CMDS; i++)
		if (kdbus_doc_errnos[i].cmd == cmd)
			break;
	cmd_errno_hist[i][err > 0 && err < 256 ? err : 0]++;
}

static void count_cmd_ok(unsigned long cmd)
{
	size_t i;

	for (i = 0; i < KDBUS_DOC_N_CMDS; i++)
		if (kdbus_doc_errnos[i].cmd == cmd)
			break;
	cmd_ok[i]++;
}

/* an ENDPOINT_MAKE made the endpoint file of @p an endpoint owner */
static void ep_made(const struct pick *p, const struct op *op)
{
	const struct kdbus_item *item;
	const char *name = "";
	int e = epo_slot(), fd = fz.ep[p->idx].fd, bus = fz.ep[p->idx].bus;
	uint64_t pos = 0, size = op->b.len - op->b.fixed;

	if (e < 0) {
		ep_reopen(p->idx);
		return;
	}
	/* the name, as far as the command is known to be what was built */
	while (valid && dump_walk((const uint8_t *)op->b.buf + op->b.fixed,
				  size, &pos, &item))
		if (item->type == KDBUS_ITEM_MAKE_NAME &&
		    item->size > KDBUS_ITEM_HEADER_SIZE &&
		    !item->str[item->size - KDBUS_ITEM_HEADER_SIZE - 1]) {
			name = item->str;
			break;
		}
	fz.ep[p->idx].fd = -1;
	epo_set(e, fd, bus, name);
	ep_reopen(p->idx);
}

static void after_success(const struct pick *p, struct op *op)
{
	bool negotiate = op->flags & KDBUS_FLAG_NEGOTIATE;

	switch (op->cmd) {
	case KDBUS_CMD_HELLO: {
		const struct kdbus_cmd_hello *h = (const void *)op->user;
		int fd, bus;

		if (p->kind != K_ENDPOINT || !h) {
			bad("HELLO succeeded on a %s", kind_name[p->kind]);
			return;
		}
		if (negotiate)
			return;
		/* the endpoint file is a connection now */
		fd = fz.ep[p->idx].fd;
		bus = fz.ep[p->idx].bus;
		fz.ep[p->idx].fd = -1;
		if (h->id == 0 || h->offset >= h->pool_size)
			bad("HELLO returned id %llu offset %llu",
			    (unsigned long long)h->id,
			    (unsigned long long)h->offset);
		conn_register(fd, bus, h->id, h->pool_size, h->flags,
			      h->offset);
		ep_reopen(p->idx);
		break;
	}
	case KDBUS_CMD_ENDPOINT_MAKE:
		if (p->kind != K_ENDPOINT) {
			bad("ENDPOINT_MAKE succeeded on a %s",
			    kind_name[p->kind]);
			return;
		}
		if (negotiate)
			return;
		/* the file owns an endpoint now: kept, or closed, which removes it */
		ep_made(p, op);
		break;
	case KDBUS_CMD_ENDPOINT_UPDATE:
		if (p->kind != K_EPOWNER)
			bad("ENDPOINT_UPDATE succeeded on a %s",
			    kind_name[p->kind]);
		break;
	case KDBUS_CMD_BUS_MAKE:
		if (p->kind != K_CONTROL) {
			bad("BUS_MAKE succeeded on a %s", kind_name[p->kind]);
			return;
		}
		if (!negotiate)
			fz.spare[p->idx].has_bus = true;
		break;
	case KDBUS_CMD_BYEBYE:
		if (p->kind != K_CONN) {
			bad("BYEBYE succeeded on a %s", kind_name[p->kind]);
			return;
		}
		if (!negotiate)
			fz.conn[p->idx].dead = true;
		break;
	case KDBUS_CMD_RECV: {
		const struct kdbus_cmd_recv *r = (const void *)op->user;

		if (p->kind != K_CONN || !r) {
			bad("RECV succeeded on a %s", kind_name[p->kind]);
			return;
		}
		if (negotiate)
			return;
		n_recv_ok++;
		if (op->flags & KDBUS_RECV_PEEK)
			check_published(p->idx, r->msg.offset,
					r->msg.msg_size, false);
		else if (!(op->flags & KDBUS_RECV_DROP))
			check_published(p->idx, r->msg.offset,
					r->msg.msg_size, true);
		break;
	}
	case KDBUS_CMD_CONN_INFO:
	case KDBUS_CMD_BUS_CREATOR_INFO: {
		const struct kdbus_cmd_info *ci = (const void *)op->user;

		if (p->kind == K_CONN && ci && !negotiate)
			conn_add_offset(&fz.conn[p->idx], ci->offset);
		break;
	}
	case KDBUS_CMD_LIST: {
		const struct kdbus_cmd_list *cl = (const void *)op->user;

		if (p->kind == K_CONN && cl && !negotiate)
			conn_add_offset(&fz.conn[p->idx], cl->offset);
		break;
	}
	case KDBUS_CMD_FREE: {
		const struct kdbus_cmd_free *f = (const void *)op->user;

		if (p->kind != K_CONN || !f) {
			bad("FREE succeeded on a %s", kind_name[p->kind]);
			return;
		}
		if (!negotiate &&
		    !conn_del_offset(&fz.conn[p->idx], f->offset))
			bad("FREE of offset %llu that was never handed out",
			    (unsigned long long)f->offset);
		break;
	}
	case KDBUS_CMD_SEND: {
		const struct kdbus_cmd_send *s = (const void *)op->user;

		if (p->kind != K_CONN || !s) {
			bad("SEND succeeded on a %s", kind_name[p->kind]);
			return;
		}
		if (negotiate)
			return;
		n_sends_ok++;
		if (op->flags & KDBUS_SEND_SYNC_REPLY)
			check_published(p->idx, s->reply.offset,
					s->reply.msg_size, true);
		break;
	}
	case KDBUS_CMD_UPDATE:
	case KDBUS_CMD_NAME_ACQUIRE:
	case KDBUS_CMD_NAME_RELEASE:
	case KDBUS_CMD_MATCH_ADD:
	case KDBUS_CMD_MATCH_REMOVE:
		if (p->kind != K_CONN)
			bad("command succeeded on a %s", kind_name[p->kind]);
		break;
	default:
		bad("command succeeded");
		break;
	}
}

static void intr_send_add(int ci, uint64_t cookie, uint64_t deadline)
{
	unsigned int i;

	for (i = 0; i < N_INTERRUPTED; i++)
		if (intr_send[i].used && intr_send[i].conn == ci &&
		    intr_send[i].cookie == cookie) {
			if (deadline < intr_send[i].deadline)
				intr_send[i].deadline = deadline;
			return;
		}
	i = n_intr_send++ % N_INTERRUPTED;
	intr_send[i].used = true;
	intr_send[i].conn = ci;
	intr_send[i].cookie = cookie;
	intr_send[i].deadline = deadline;
}

/* when a synchronous SEND on @p of @cookie may time out */
static uint64_t sync_deadline(const struct pick *p, uint64_t cookie,
			      uint64_t deadline)
{
	unsigned int i;

	if (p->kind != K_CONN)
		return deadline;
	for (i = 0; i < N_INTERRUPTED; i++)
		if (intr_send[i].used && intr_send[i].conn == p->idx &&
		    intr_send[i].cookie == cookie &&
		    intr_send[i].deadline < deadline)
			deadline = intr_send[i].deadline;
	return deadline;
}

static void do_ioctl(void)
{
	uint64_t deadline;
	static struct op op;
	struct fz_conn *self;
	struct pick p;
	long ret;
	int err, want;

	valid = chance(50);
	last_cmd = &op.b;
	last_msg = NULL;
	last_dump = NULL;
	op.cmd = pick_cmd();
	switch (op.cmd) {
	case KDBUS_CMD_HELLO:
	case KDBUS_CMD_ENDPOINT_MAKE:
		p = pick_fd_for(K_ENDPOINT);
		break;
	case KDBUS_CMD_BUS_MAKE:
		p = pick_fd_for(K_CONTROL);
		break;
	case KDBUS_CMD_ENDPOINT_UPDATE:
		p = pick_fd_for(K_EPOWNER);
		break;
	case KDBUS_CMD_CHECKPOINT:
		p = pick_fd();
		break;
	default:
		p = pick_fd_for(is_ckpt_cmd(op.cmd) ? K_CKPT : K_CONN);
		break;
	}
	self = p.kind == K_CONN ? &fz.conn[p.idx] : NULL;
	/* numbers of other types only go to our own files */
	if (p.kind != K_CONN && !is_kdbus_cmd(op.cmd) &&
	    _IOC_TYPE(op.cmd) != KDBUS_IOCTL_MAGIC)
		op.cmd = KDBUS_CMD_SEND;
	cur.kind = kind_name[p.kind];
	cur.cmd = op.cmd;
	cur.what = "ioctl";
	cur_ckpt = p.kind == K_CKPT ? p.idx : 0;

	/* build the payload for the command, or for a random one */
	switch (is_kdbus_cmd(op.cmd) || is_ckpt_cmd(op.cmd) ? op.cmd :
		kdbus_cmds[below(N_KDBUS_CMDS)]) {
	case KDBUS_CMD_CHECKPOINT:
		build_checkpoint(&op.b);
		break;
	case KDBUS_CMD_CONN_DUMP:
	case KDBUS_CMD_CONN_THAW:
	case KDBUS_CMD_BUS_DUMP:
	case KDBUS_CMD_ENDPOINT_DUMP:
		build_dump(&op.b, op.cmd);
		break;
	case KDBUS_CMD_CONN_DUMP_FILES:
		build_dump_files(&op.b);
		break;
	case KDBUS_CMD_CONN_RESTORE:
		build_restore(&op.b);
		break;
	case KDBUS_CMD_BUS_RESTORE:
		build_bus_restore(&op.b);
		break;
	case KDBUS_CMD_ENDPOINT_RESTORE:
		build_ep_restore(&op.b);
		break;
	case KDBUS_CMD_BUS_MAKE:
		build_bus_make(&op.b);
		break;
	case KDBUS_CMD_ENDPOINT_MAKE:
		build_ep_make(&op.b);
		break;
	case KDBUS_CMD_ENDPOINT_UPDATE:
		build_ep_update(&op.b);
		break;
	case KDBUS_CMD_HELLO:
		build_hello(&op.b);
		break;
	case KDBUS_CMD_SEND:
		build_send(&op, self);
		break;
	case KDBUS_CMD_RECV:
		build_recv(&op.b);
		break;
	case KDBUS_CMD_FREE:
		build_free(&op.b, self);
		break;
	case KDBUS_CMD_CONN_INFO:
	case KDBUS_CMD_BUS_CREATOR_INFO:
		build_simple(&op.b, sizeof(struct kdbus_cmd_info), 0);
		break;
	case KDBUS_CMD_LIST:
		build_simple(&op.b, sizeof(struct kdbus_cmd_list), 0xf);
		break;
	case KDBUS_CMD_MATCH_ADD:
	case KDBUS_CMD_MATCH_REMOVE:
		build_simple(&op.b, sizeof(struct kdbus_cmd_match),
			     KDBUS_MATCH_REPLACE);
		break;
	case KDBUS_CMD_NAME_ACQUIRE:
	case KDBUS_CMD_NAME_RELEASE:
		build_name(&op.b);
		break;
	default:
		build_simple(&op.b, sizeof(struct kdbus_cmd), 0x7f);
		break;
	}
	/* a restore's builder may have reopened the file picked */
	if (p.kind == K_ENDPOINT || p.kind == K_CONTROL) {
		p.fd = p.kind == K_ENDPOINT ? fz.ep[p.idx].fd :
		       fz.spare[p.idx].fd;
		if (p.fd < 0) {
			p.fd = CLOSED_FD;
			p.kind = K_CLOSED;
			cur.kind = kind_name[p.kind];
		}
	}
	finish(&op.b);
	op.flags = op.b.buf[1];
	op.user = place(&op.b, fz.cmd_area, CMD_AREA, &op.addr);
	op.ro = placed_ro;

	if (fz.verbose)
		fprintf(stderr, "fuzz: %llu ioctl %d(%s) 0x%lx 0x%llx %llu 0x%llx\n",
			(unsigned long long)iteration, p.fd,
			kind_name[p.kind], op.cmd,
			(unsigned long long)op.addr,
			(unsigned long long)op.b.buf[0],
			(unsigned long long)op.flags);

	arm();
	ret = ioctl(p.fd, op.cmd, (unsigned long)op.addr);
	err = errno;
	disarm();

	/* a synchronous call may time out only once its deadline passed */
	deadline = sync_deadline(&p, msgb.buf[6], msgb.buf[7]);
	/* a restored connection's waits have their dumped deadlines */
	if (ret == -1 && err == ETIMEDOUT && op.cmd == KDBUS_CMD_SEND &&
	    (op.flags & KDBUS_SEND_SYNC_REPLY) && !(self && self->restored) &&
	    kdbus_now_ns() < deadline) {
		bad("ETIMEDOUT %.3f s before the deadline %llu",
		    (deadline - kdbus_now_ns()) / 1e9,
		    (unsigned long long)deadline);
		dump_last();
	}
	if (ret == -1 && err == EINTR && op.cmd == KDBUS_CMD_SEND &&
	    (op.flags & KDBUS_SEND_SYNC_REPLY) && p.kind == K_CONN)
		intr_send_add(p.idx, msgb.buf[6], deadline);

	if (ret != 0 && ret != -1) {
		bad("ioctl returned %ld", ret);
		return;
	}
	want = -expected_errno(&p, op.cmd);
	if (ret == 0) {
		n_ok++;
		if (op.ro)
			bad("succeeded with its argument in read-only memory");
		if (want) {
			bad("succeeded where %s was due",
			    kdbus_errno_name(want));
			dump_last();
			return;
		}
		if (!(op.flags & KDBUS_FLAG_NEGOTIATE))
			count_cmd_ok(op.cmd);
		if (is_ckpt_cmd(op.cmd))
			ckpt_result(&p, &op, 0);
		else
			after_success(&p, &op);
		return;
	}

	count_errno(err);
	count_cmd_errno(op.cmd, err);
	if (err == EINTR)
		n_intr++;
	if (want && err != want) {
		bad("%s where %s was due", kdbus_errno_name(err),
		    kdbus_errno_name(want));
		dump_last();
	} else if (!documented(op.cmd, err)) {
		bad("errno %s is not documented for %s", kdbus_errno_name(err),
		    cmd_name(op.cmd));
		dump_last();
	}
	if (p.kind == K_CONN && err == ECONNRESET && !fz.conn[p.idx].dead &&
	    op.cmd != KDBUS_CMD_SEND)
		bad("ECONNRESET on a live connection");
	/* only a checkpoint's freeze refuses a message with EAGAIN */
	if (op.cmd == KDBUS_CMD_SEND && err == EAGAIN && !any_frozen()) {
		bad("EAGAIN from SEND while no connection was frozen");
		dump_last();
	}
	if (is_ckpt_cmd(op.cmd) && !want)
		ckpt_result(&p, &op, err);

	/*
	 * A command may take effect and then fail to write its results back
	 * (return_flags, offsets): a BYEBYE may have disconnected, a FREE
	 * freed, a RECV consumed a message. What the connection is now is
	 * not known; start it afresh.
	 */
	if (p.kind == K_CONN && err == EFAULT && op.ro && !want) {
		cur.what = "resync-conn";
		conn_make(p.idx);
	}
	/* so may a HELLO or BUS_MAKE have given the file its role */
	if (p.kind == K_ENDPOINT && err == EFAULT && op.ro && !want) {
		cur.what = "resync-endpoint";
		ep_reopen(p.idx);
	}
	if (p.kind == K_CONTROL && err == EFAULT && op.ro && !want) {
		cur.what = "resync-control";
		spare_reopen(p.idx);
	}
}

/* ---------------------------------------------------------------------- */
/* mmap and poll */

static const int mmap_errnos[] = {
	EPERM, EACCES, EFAULT, EINVAL, ENODEV, ENOMEM, EBADF, EOVERFLOW,
};

static void do_mmap(void)
{
	static const int prots[] = {
		PROT_READ, PROT_WRITE, PROT_READ | PROT_WRITE, PROT_EXEC,
		PROT_NONE, PROT_READ | PROT_EXEC,
	};
	struct pick p = pick_fd();
	struct fz_conn *c = p.kind == K_CONN ? &fz.conn[p.idx] : NULL;
	uint64_t pool = c ? c->pool_size : 4 * PAGE;
	uint64_t len, off, i;
	int prot = prots[below(6)];
	int flags = chance(70) ? MAP_SHARED : MAP_PRIVATE;
	uint8_t *m;
	int sig;

	cur.what = "mmap";
	cur.kind = kind_name[p.kind];
	switch (below(6)) {
	case 0:
		len = 0;
		break;
	case 1:
		len = pool + PAGE;
		break;
	case 2:
		len = 1ULL << 40;
		break;
	case 3:
		len = 1 + below(3 * PAGE);
		break;
	default:
		len = pool;
		break;
	}
	switch (below(6)) {
	case 0:
		off = pool;
		break;
	case 1:
		off = pool - PAGE;
		break;
	case 2:
		off = 1 + below(PAGE - 1);
		break;
	case 3:
		off = 1ULL << 40;
		break;
	default:
		off = 0;
		break;
	}
	if (fz.verbose)
		fprintf(stderr, "fuzz: %llu mmap fd=%d(%s) len=%llu off=%llu prot=%d flags=%d\n",
			(unsigned long long)iteration, p.fd, kind_name[p.kind],
			(unsigned long long)len, (unsigned long long)off, prot,
			flags);
	m = mmap(NULL, len, prot, flags, p.fd, off);
	if (m == MAP_FAILED) {
		count_errno(errno);
		if (!in_list(errno, mmap_errnos, ARRAY_SIZE(mmap_errnos)))
			bad("mmap failed with %s", kdbus_errno_name(errno));
		return;
	}
	n_ok++;
	n_mmaps_ok++;
	if (!c) {
		munmap(m, len);
		return;
	}
	/* a pool is the kernel's to write */
	if (prot & PROT_WRITE)
		bad("writable mapping of a pool");
	if (off + len > pool)
		bad("mapping %llu+%llu of a pool of %llu",
		    (unsigned long long)off, (unsigned long long)len,
		    (unsigned long long)pool);
	if (mprotect(m, len, PROT_READ | PROT_WRITE) == 0)
		bad("pool mapping made writable");
	if (prot & PROT_READ) {
		__atomic_store_n(&touching, 1, __ATOMIC_RELAXED);
		sig = sigsetjmp(touch_env, 1);
		if (!sig) {
			for (i = 0; i < len; i += PAGE)
				__atomic_load_n(&m[i], __ATOMIC_RELAXED);
		} else {
			bad("signal %d reading a pool mapping %llu+%llu", sig,
			    (unsigned long long)off, (unsigned long long)len);
		}
		__atomic_store_n(&touching, 0, __ATOMIC_RELAXED);
	}
	munmap(m, len);
}

static void do_poll(void)
{
	struct pollfd pfd[4];
	struct pick p[4];
	int n = 1 + below(4), i, ret;
	short ev[] = { POLLIN, POLLOUT, POLLIN | POLLOUT, 0, POLLPRI };

	cur.what = "poll";
	cur.kind = "-";
	for (i = 0; i < n; i++) {
		p[i] = pick_fd();
		pfd[i].fd = p[i].fd;
		pfd[i].events = ev[below(5)];
		pfd[i].revents = 0;
	}
	arm();
	ret = poll(pfd, n, below(3));
	disarm();
	if (ret < 0) {
		if (errno != EINTR)
			bad("poll failed with %s", kdbus_errno_name(errno));
		return;
	}
	for (i = 0; i < n; i++) {
		short r = pfd[i].revents;

		switch (p[i].kind) {
		case K_CONTROL:
		case K_BUS:
		case K_ENDPOINT:
		case K_EPOWNER:
			if (r != (POLLERR | POLLHUP))
				bad("poll on a %s: revents 0x%x",
				    kind_name[p[i].kind], r);
			break;
		case K_CONN:
			if (fz.conn[p[i].idx].dead) {
				if (r != (POLLERR | POLLHUP))
					bad("poll on a dead connection: 0x%x",
					    r);
			} else if ((r & (POLLERR | POLLHUP)) ||
				   ((pfd[i].events & POLLOUT) &&
				    !(r & POLLOUT))) {
				bad("poll on a live connection: 0x%x", r);
			}
			break;
		case K_CLOSED:
			if (r != POLLNVAL)
				bad("poll on a closed fd: 0x%x", r);
			break;
		default:
			break;
		}
	}
}

/* ---------------------------------------------------------------------- */
/* coverage: KCOV on the debug kernel, where only kdbusfs is instrumented */

#define KCOV_PATH		"/sys/kernel/debug/kcov"
#define KCOV_WORDS		262144UL	/* trace entries of a thread */
#define EDGE_BITS		1048576UL
#define CORPUS_MAX		1024
#define MUTATE_PERCENT		50
#define PROGRESS_SECONDS	30

enum kcov_mode { KC_OFF, KC_AUTO, KC_COUNT, KC_GUIDED };

static enum kcov_mode kcov_mode;
static const char * const kcov_mode_name[] = {
	"off", "auto", "count", "guided",
};

/* the trace of a thread: the main thread makes every call of a step */
struct kcov_thread {
	int fd;
	unsigned long *area;
};

static __thread struct kcov_thread kct = { .fd = -1 };

static struct {
	uint64_t lo, hi;		/* the module's memory, if known */
	uint64_t edge[EDGE_BITS / 64];	/* hashes of (previous, this) PC */
	uint64_t *pc;			/* bit pc - lo, with lo known */
	uint64_t n_edges, n_pcs, n_outside, n_overflows;
	uint64_t mrng;			/* the mutator's draws */
	uint64_t n_mutated, n_new_mutated, n_new_fresh;
} cov;

/* a tape that reached new edges */
struct corpus_entry {
	uint64_t *v;
	unsigned int n;
	unsigned int found;		/* edges it was the first to reach */
};

static struct corpus_entry corpus[CORPUS_MAX];
static unsigned int n_corpus;

/* where kdbusfs lies, from /proc/modules (root sees the address) */
static void kcov_module_range(void)
{
	unsigned long long size, addr;
	char line[512], name[64];
	FILE *f = fopen("/proc/modules", "re");

	if (!f)
		return;
	/* name size refcount users state address */
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %llu %*s %*s %*s %llx", name, &size,
			   &addr) == 3 && !strcmp(name, "kdbusfs") && addr) {
			cov.lo = addr;
			cov.hi = addr + size;
		}
	fclose(f);
}

/* trace the calling thread; 0 or -errno */
static int kcov_thread_start(void)
{
	size_t len = KCOV_WORDS * sizeof(unsigned long);
	unsigned long *area;
	int fd, err;

	fd = open(KCOV_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, KCOV_INIT_TRACE, KCOV_WORDS))
		goto fail;
	area = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (area == MAP_FAILED)
		goto fail;
	if (ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC)) {
		err = errno;
		munmap(area, len);
		close(fd);
		return -err;
	}
	kct.fd = fd;
	kct.area = area;
	return 0;
fail:
	err = errno;
	close(fd);
	return -err;
}

static void kcov_thread_stop(void)
{
	if (kct.fd < 0)
		return;
	ioctl(kct.fd, KCOV_DISABLE, 0);
	munmap(kct.area, KCOV_WORDS * sizeof(unsigned long));
	close(kct.fd);
	kct.fd = -1;
}

static void kcov_begin(void)
{
	__atomic_store_n(&kct.area[0], 0, __ATOMIC_RELAXED);
}

static unsigned long kcov_count(void)
{
	unsigned long n = __atomic_load_n(&kct.area[0], __ATOMIC_RELAXED);

	return n < KCOV_WORDS - 1 ? n : KCOV_WORDS - 1;
}

static bool bit_set(uint64_t *map, uint64_t bit)
{
	uint64_t mask = 1ULL << (bit % 64);

	if (map[bit / 64] & mask)
		return false;
	map[bit / 64] |= mask;
	return true;
}

static uint64_t edge_hash(uint64_t prev, uint64_t pc)
{
	uint64_t x = prev * 0x9e3779b97f4a7c15ULL ^ pc;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x % EDGE_BITS;
}

/* the edges of the trace since kcov_begin() that no step reached before */
static unsigned int kcov_end(void)
{
	unsigned long n = kcov_count(), i;
	unsigned int fresh = 0;
	uint64_t prev = 0, pc;

	if (n == KCOV_WORDS - 1)
		cov.n_overflows++;
	for (i = 1; i <= n; i++) {
		pc = kct.area[i];
		if (cov.lo && (pc < cov.lo || pc >= cov.hi)) {
			cov.n_outside++;
			continue;
		}
		if (cov.pc && bit_set(cov.pc, pc - cov.lo))
			cov.n_pcs++;
		if (bit_set(cov.edge, edge_hash(prev, pc)))
			fresh++;
		prev = pc;
	}
	cov.n_edges += fresh;
	return fresh;
}

/*
 * Trace the main thread and see the module in the trace: NULL, or why
 * there is no coverage to be had.
 */
static const char *kcov_setup(void)
{
	static char why[256];
	unsigned long n, i;
	bool inside = false;
	int ret;

	ret = kcov_thread_start();
	if (ret) {
		snprintf(why, sizeof(why), "no KCOV: %s: %s", KCOV_PATH,
			 strerror(-ret));
		return why;
	}
	kcov_module_range();
	/* an ioctl no kdbusfs file takes: the module's ioctl handler */
	kcov_begin();
	ioctl(fz.bus[0].control, _IO(KDBUS_IOCTL_MAGIC, 0xff), 0);
	n = kcov_count();
	for (i = 1; i <= n; i++)
		if (kct.area[i] >= cov.lo && kct.area[i] < cov.hi)
			inside = true;
	if (!n) {
		kcov_thread_stop();
		return "kdbusfs.ko has no KCOV calls (scripts/build-module --coverage)";
	}
	if (cov.lo && !inside) {
		printf("fuzz: kcov: the trace is outside kdbusfs at 0x%llx+%llu: not filtered\n",
		       (unsigned long long)cov.lo,
		       (unsigned long long)(cov.hi - cov.lo));
		cov.lo = 0;
		cov.hi = 0;
	}
	if (cov.lo) {
		cov.pc = calloc((cov.hi - cov.lo) / 64 + 1, sizeof(uint64_t));
		if (!cov.pc)
			die("calloc", ENOMEM);
	}
	cov.mrng = (seed ? seed : 1) ^ 0x6a09e667f3bcc909ULL;
	return NULL;
}

static uint64_t mbelow(uint64_t n)
{
	return n ? xorshift(&cov.mrng) % n : 0;
}

static unsigned int corpus_pick(void)
{
	/* while it grows, the latest entries half of the time */
	if (n_corpus < CORPUS_MAX && n_corpus > 16 && mbelow(2))
		return n_corpus - 1 - mbelow(16);
	return mbelow(n_corpus);
}

/* the tape of a corpus entry, mutated, to replay */
static void tape_mutate(void)
{
	const struct corpus_entry *e = &corpus[corpus_pick()], *o;
	unsigned int n = e->n, ops = 1 + mbelow(3), i, j, k;
	uint64_t *t = tape.in;

	memcpy(t, e->v, n * sizeof(*t));
	while (ops-- && n) {
		i = mbelow(n);
		switch (mbelow(10)) {
		case 0:
		case 1:
			/* that decision again */
			t[i] = xorshift(&cov.mrng);
			break;
		case 2:
			/* the next or the previous choice: below() is a % */
			t[i] += mbelow(2) ? 1 : -1;
			break;
		case 3:
			t[i] += mbelow(17) - 8;
			break;
		case 4:
			t[i] ^= 1ULL << mbelow(64);
			break;
		case 5:
			t[i] = mbelow(2) ? 0 : ~0ULL;
			break;
		case 6:
			/* the rest afresh */
			n = i + 1;
			break;
		case 7:
			/* the rest from another entry, here or anywhere */
			o = &corpus[mbelow(n_corpus)];
			j = i < o->n && mbelow(2) ? i : mbelow(o->n);
			k = o->n - j;
			if (k > TAPE_MAX - i)
				k = TAPE_MAX - i;
			memcpy(t + i, o->v + j, k * sizeof(*t));
			n = i + k;
			break;
		case 8:
			/* a draw more: what follows shifts */
			if (n == TAPE_MAX)
				break;
			memmove(t + i + 1, t + i, (n - i) * sizeof(*t));
			t[i] = xorshift(&cov.mrng);
			n++;
			break;
		default:
			/* a draw less */
			memmove(t + i, t + i + 1, (n - i - 1) * sizeof(*t));
			n--;
			break;
		}
	}
	tape.n_in = n;
	tape.pos = 0;
}

/* keep the tape just recorded, which reached @found new edges */
static void corpus_add(unsigned int found)
{
	struct corpus_entry *e;
	unsigned int i, j;

	if (!tape.n_out)
		return;
	if (n_corpus < CORPUS_MAX) {
		e = &corpus[n_corpus++];
	} else {
		/* of a few, the one that was first to the fewest edges */
		e = &corpus[mbelow(CORPUS_MAX)];
		for (i = 0; i < 3; i++) {
			j = mbelow(CORPUS_MAX);
			if (corpus[j].found < e->found)
				e = &corpus[j];
		}
		free(e->v);
	}
	e->v = malloc(tape.n_out * sizeof(*e->v));
	if (!e->v)
		die("malloc", ENOMEM);
	memcpy(e->v, tape.out, tape.n_out * sizeof(*e->v));
	e->n = tape.n_out;
	e->found = found;
}

static void step(void);

/* a step under coverage: generated or mutated, counted, maybe kept */
static void covered_step(void)
{
	bool guided = kcov_mode == KC_GUIDED, mutated = false;
	unsigned int fresh;

	if (guided) {
		if (n_corpus && mbelow(100) < MUTATE_PERCENT) {
			tape_mutate();
			mutated = true;
			cov.n_mutated++;
			if (fz.verbose)
				fprintf(stderr, "fuzz: %llu replays %u mutated draws\n",
					(unsigned long long)iteration,
					tape.n_in);
		}
		tape.n_out = 0;
		tape.record = true;
	}
	kcov_begin();
	step();
	fresh = kcov_end();
	tape.record = false;
	tape.n_in = 0;
	tape.pos = 0;
	if (!fresh || !guided)
		return;
	if (mutated)
		cov.n_new_mutated++;
	else
		cov.n_new_fresh++;
	corpus_add(fresh);
}

static void kcov_report(const char *what)
{
	printf("fuzz: kcov %sedges=%llu corpus=%u iterations=%llu mode=%s",
	       what, (unsigned long long)cov.n_edges, n_corpus,
	       (unsigned long long)iteration, kcov_mode_name[kcov_mode]);
	printf(" pcs=%llu mutated=%llu new_by_mutated=%llu new_by_fresh=%llu",
	       (unsigned long long)cov.n_pcs,
	       (unsigned long long)cov.n_mutated,
	       (unsigned long long)cov.n_new_mutated,
	       (unsigned long long)cov.n_new_fresh);
	if (cov.n_overflows || cov.n_outside)
		printf(" overflows=%llu outside=%llu",
		       (unsigned long long)cov.n_overflows,
		       (unsigned long long)cov.n_outside);
	printf("\n");
}

/* ---------------------------------------------------------------------- */
/* the loop */

static void step(void)
{
	uint64_t r = below(1000);
	int i, j;

	last_cmd = NULL;
	last_msg = NULL;
	if (r < 850) {
		do_ioctl();
	} else if (r < 855) {
		cur.what = "checkpoint-endpoint";
		cur.kind = "-";
		ckpt_ep_cycle();
	} else if (r < 865) {
		cur.what = "checkpoint-conn";
		cur.kind = "-";
		ckpt_conn_cycle();
	} else if (r < 869) {
		cur.what = "checkpoint-bus";
		cur.kind = "-";
		ckpt_bus_cycle();
	} else if (r < 872) {
		/* which ends its freezes */
		cur.what = "reopen-checkpoint";
		cur.kind = "-";
		i = below(N_CKPTS);
		j = ckpt_reopen(i);
		if (j)
			bad("valid CHECKPOINT failed: %s", kdbus_errno_name(j));
	} else if (r < 900) {
		cur.what = "mmap";
		do_mmap();
	} else if (r < 930) {
		do_poll();
	} else if (r < 960) {
		cur.what = "drain";
		drain(below(N_CONNS));
	} else if (r < 985) {
		/* dead connections first */
		cur.what = "remake-conn";
		i = below(N_CONNS);
		for (j = 0; j < N_CONNS; j++)
			if (fz.conn[(i + j) % N_CONNS].dead ||
			    fz.conn[(i + j) % N_CONNS].fd < 0)
				break;
		i = (i + j) % N_CONNS;
		drain(i);
		conn_make(i);
	} else if (r < 990) {
		cur.what = "reopen-endpoint";
		ep_reopen(below(N_ENDPOINTS));
	} else if (r < 995) {
		cur.what = "reopen-control";
		spare_reopen(below(N_SPARE_CONTROLS));
	} else {
		/* bus 0 carries the responder and stays */
		cur.what = "remake-bus";
		i = 1 + below(N_BUSES - 1);
		bus_close(i);
		bus_make(i);
	}
}

/* "EINVAL:12,ENOTTY:3", most frequent first; empties @hist */
static void print_hist(uint64_t *hist)
{
	bool first = true;
	int i;

	for (;;) {
		uint64_t best = 0;
		int e = -1;

		for (i = 0; i < 256; i++)
			if (hist[i] > best) {
				best = hist[i];
				e = i;
			}
		if (e < 0)
			break;
		printf("%s%s:%llu", first ? "" : ",",
		       e ? kdbus_errno_name(e) : "?", (unsigned long long)best);
		hist[e] = 0;
		first = false;
	}
}

static void print_help(void)
{
	fprintf(stderr,
		"usage: fuzz [-s SEED] [-n ITERATIONS] [-t SECONDS] [-v] [-R] [--kcov[=count|auto]]\n");
	exit(2);
}

static void teardown(void)
{
	int i, status;

	if (fz.resp_pid > 0) {
		kill(fz.resp_pid, SIGKILL);
		if (waitpid(fz.resp_pid, &status, 0) == fz.resp_pid &&
		    WIFEXITED(status) && WEXITSTATUS(status)) {
			fprintf(stderr, "fuzz: responder exited with %d\n",
				WEXITSTATUS(status));
			n_bad++;
		}
	}
	for (i = 0; i < N_CONNS; i++)
		conn_free_slot(&fz.conn[i]);
	for (i = 0; i < N_CKPTS; i++)
		fz_close(fz.ckpt[i]);
	saved_clear(&saved[0]);
	saved_clear(&saved[1]);
	for (i = 0; i < N_BUSES; i++)
		fz_close(fz.bus[i].control);
	for (i = 0; i < N_SPARE_CONTROLS; i++)
		fz_close(fz.spare[i].fd);
	for (i = 0; i < N_ENDPOINTS; i++)
		fz_close(fz.ep[i].fd);
	for (i = 0; i < N_EPOWNERS; i++)
		fz_close(fz.epo[i].fd);
	fz_close(fz.opath);
	fz_close(fz.root_fd);
	kdbus_umount(fz.dir);
	rmdir(fz.dir);
}

/* trace the main thread, as --kcov asked */
static void start_coverage(void)
{
	const char *why;

	if (kcov_mode == KC_OFF)
		return;
	why = kcov_setup();
	if (!why) {
		if (kcov_mode == KC_AUTO)
			kcov_mode = KC_GUIDED;
		if (kcov_mode == KC_GUIDED)
			repro_args = " --kcov";
		printf("fuzz: kcov: %s, kdbusfs at 0x%llx+%llu\n",
		       kcov_mode_name[kcov_mode], (unsigned long long)cov.lo,
		       (unsigned long long)(cov.hi - cov.lo));
		return;
	}
	if (kcov_mode == KC_AUTO) {
		printf("fuzz: kcov: %s; not guided\n", why);
		kcov_mode = KC_OFF;
		return;
	}
	fprintf(stderr, "fuzz: --kcov: %s\n", why);
	teardown();
	exit(2);
}

static const struct option long_options[] = {
	{ "kcov", optional_argument, NULL, 'K' },
	{ NULL, 0, NULL, 0 },
};

int main(int argc, char **argv)
{
	uint64_t max_iter = 20000, max_sec = 60, t0, elapsed, now, shown;
	bool responder = true;
	int opt, i;

	seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	while ((opt = getopt_long(argc, argv, "s:n:t:vR", long_options,
				  NULL)) != -1) {
		switch (opt) {
		case 'K':
			if (!optarg || !strcmp(optarg, "guided"))
				kcov_mode = KC_GUIDED;
			else if (!strcmp(optarg, "count"))
				kcov_mode = KC_COUNT;
			else if (!strcmp(optarg, "auto"))
				kcov_mode = KC_AUTO;
			else
				print_help();
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			max_iter = strtoull(optarg, NULL, 0);
			break;
		case 't':
			max_sec = strtoull(optarg, NULL, 0);
			break;
		case 'v':
			fz.verbose = true;
			break;
		case 'R':
			responder = false;
			break;
		default:
			print_help();
		}
	}
	rng = seed ? seed : 0x9e3779b97f4a7c15ULL;
	setvbuf(stdout, NULL, _IOLBF, 0);

	setup(responder);
	start_coverage();
	kmsg_open();
	setup_signals();
	t0 = kdbus_now_ns();
	shown = t0;
	for (iteration = 0; iteration < max_iter; iteration++) {
		if ((iteration & 15) == 0) {
			now = kdbus_now_ns();
			if (now - t0 >= max_sec * 1000000000ULL)
				break;
			if (kcov_mode != KC_OFF &&
			    now - shown >= PROGRESS_SECONDS * 1000000000ULL) {
				shown = now;
				kcov_report("progress ");
			}
		}
		cur.iteration = iteration;
		if (kcov_mode != KC_OFF)
			covered_step();
		else
			step();
		kmsg_check();
		__atomic_add_fetch(&progress, 1, __ATOMIC_RELAXED);
	}
	elapsed = kdbus_now_ns() - t0;
	kcov_thread_stop();
	teardown();

	printf("fuzz: ok=%llu bad=%llu sends=%llu recvs=%llu mmaps=%llu ",
	       (unsigned long long)n_ok, (unsigned long long)n_bad,
	       (unsigned long long)n_sends_ok, (unsigned long long)n_recv_ok,
	       (unsigned long long)n_mmaps_ok);
	printf("eintr=%llu conns=%llu buses=%llu elapsed=%.1fs rate=%.0f/s\n",
	       (unsigned long long)n_intr, (unsigned long long)n_conns_made,
	       (unsigned long long)n_buses_made, elapsed / 1e9,
	       iteration / (elapsed / 1e9));
	/* what each command failed with: all of it documented for it */
	for (i = 0; i <= KDBUS_DOC_N_CMDS; i++) {
		printf("fuzz: errors of %s={", i < KDBUS_DOC_N_CMDS ?
		       kdbus_doc_errnos[i].name : "other ioctls");
		print_hist(cmd_errno_hist[i]);
		printf("}\n");
	}
	/* what succeeded, KDBUS_FLAG_NEGOTIATE not counted */
	printf("fuzz: successes={");
	for (i = 0; i <= KDBUS_DOC_N_CMDS; i++)
		printf("%s%s:%llu", i ? "," : "", i < KDBUS_DOC_N_CMDS ?
		       kdbus_doc_errnos[i].name : "other",
		       (unsigned long long)cmd_ok[i]);
	printf("} checkpoint_cycles: conn=%llu (names=%llu) bus=%llu buses_restored_in_place=%llu",
	       (unsigned long long)n_conn_cycles, (unsigned long long)n_names,
	       (unsigned long long)n_bus_cycles,
	       (unsigned long long)n_adopted);
	printf(" endpoint=%llu endpoints_restored=%llu as_dumped=%llu",
	       (unsigned long long)n_ep_cycles,
	       (unsigned long long)n_eps_restored,
	       (unsigned long long)n_eps_restored_strict);
	printf(" conns_restored=%llu as_dumped=%llu their_msgs_checked=%llu\n",
	       (unsigned long long)n_restored,
	       (unsigned long long)n_restored_strict,
	       (unsigned long long)n_restored_msgs);
	if (kcov_mode != KC_OFF)
		kcov_report("");
	printf("fuzz: iterations=%llu seed=%llu errors_by_errno={",
	       (unsigned long long)iteration, (unsigned long long)seed);
	print_hist(errno_hist);
	printf("}\n");
	return n_bad ? 1 : 0;
}
