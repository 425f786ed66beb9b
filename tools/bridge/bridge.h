/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kdbusfs-bridge: what the dbus-daemon command line (daemon.c) hands to
 * the bridge proper (bridge.c).
 */
#ifndef KDBUSFS_BRIDGE_H
#define KDBUSFS_BRIDGE_H

#include <stdbool.h>
#include <stddef.h>

#define BRIDGE_MAX_LISTEN	8
#define BRIDGE_MAX_POLICY	64

enum bridge_access { BRIDGE_SEE, BRIDGE_TALK, BRIDGE_OWN };

struct bridge_config {
	const char *bus;		/* --bus: serve this existing bus */
	char *listen[BRIDGE_MAX_LISTEN + 1];	/* addresses, NULL-ended */
	int n_listen;
	char *type;			/* "session", "system", a config's */
	bool world;			/* clients of every uid (system bus) */
	int print_address_fd;		/* -1: do not print */
	int print_pid_fd;
	bool fork;
	char *pidfile;			/* NULL: none */
	bool verbose;
	/* clients before their first message, as dbus-daemon's <limit>s */
	unsigned int auth_timeout_ms;	/* auth_timeout */
	unsigned int max_incomplete;	/* max_incomplete_connections */
	unsigned int max_clients;	/* max_completed_connections */
	/* --endpoint: clients on a custom endpoint with this policy */
	bool endpoint;
	const char *policy_name[BRIDGE_MAX_POLICY];
	enum bridge_access policy_access[BRIDGE_MAX_POLICY];
	int n_policy;
};

/*
 * Parse dbus-daemon's options and the configuration file they name into
 * @cfg. Returns 0, or exits (--help, --version, --introspect, errors).
 */
void bridge_parse_args(int argc, char **argv, struct bridge_config *cfg,
		       const char *introspect_xml);

/*
 * Without --bus: a new kdbusfs domain in a mount namespace of the
 * bridge's own (and a user namespace if it is not root), with a bus in it;
 * its endpoint path is written to @path. The bus lives while the returned
 * control file descriptor stays open. The bridge keeps no capability in a
 * user namespace it made. Negative errno, with a message printed.
 */
int bridge_make_domain(struct bridge_config *cfg, char *path, size_t size);

/*
 * --fork: the parent waits until the child calls bridge_ready(), then
 * exits 0 (1 if the child died first). Returns in the child only.
 */
void bridge_daemonize(struct bridge_config *cfg);

/*
 * Print the address and the pid as asked, write the pid file, and let a
 * waiting parent go.
 */
int bridge_ready(struct bridge_config *cfg, const char *address);

#endif
