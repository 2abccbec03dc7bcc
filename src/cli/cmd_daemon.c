/* `nestvisor daemon`: runs the control plane in the foreground, logging to stderr. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_common.h"
#include "control/daemon.h"
#include "util/log.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: nestvisor daemon [--state-dir DIR] [--socket PATH] [--socket-mode MODE]\n"
		"                        [--kvm-device PATH] [--catalog-dir DIR]\n"
		"Runs the control plane in the foreground: state in DIR/nestvisor.db (SQLite),\n"
		"the REST API (HTTP/1.1 + JSON) on the unix socket PATH, logs on stderr.\n"
		"  --state-dir DIR     default /var/lib/nestvisor (root) or ~/.local/state/nestvisor\n"
		"  --socket PATH       default $NESTVISOR_SOCKET, /run/nestvisor/nestvisor.sock (root)\n"
		"                      or $XDG_RUNTIME_DIR/nestvisor.sock\n"
		"  --socket-mode MODE  the socket's file mode, octal (default 0666: every user may\n"
		"                      connect; each call is judged by the caller's IAM roles)\n"
		"  --kvm-device PATH   the KVM device the host check looks at (default /dev/kvm)\n"
		"  --catalog-dir DIR   where built images are looked for (default: the binary's dir)\n"
		"  --stop-timeout-ms N how long a stop waits for the guest to power off after the\n"
		"                      power button before the VMM is sent SIGTERM (default 30000)\n"
		"  --op-delay-ms N     testing: hold each operation N ms before its last step\n"
		"Stops on SIGINT or SIGTERM; the instances' VMMs keep running and are re-adopted by\n"
		"the next daemon on the same state directory.\n");
}

/* An octal mode with at least the owner's read and write (else the daemon's own CLI fails). */
static int socket_mode(const char *s, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 8);

	if (!*s || *end || v > 0777 || (v & 0600) != 0600)
		return cli__usage_error("daemon", "--socket-mode wants an octal mode such as 0666 "
					"or 0660, with the owner's rw, not '%s'", s);
	*out = (unsigned)v;
	return 0;
}

static int parse(int argc, char **argv, struct daemon_config *cfg)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int ret = 0;

		if (!strcmp(a, "--help")) {
			usage(stdout);
			return 1;
		}
		if (strncmp(a, "--", 2) || i + 1 >= argc)
			return cli__usage_error("daemon", "unexpected argument '%s'", a);
		if (!strcmp(a, "--state-dir"))
			cfg->state_dir = argv[++i];
		else if (!strcmp(a, "--socket"))
			cfg->socket_path = argv[++i];
		else if (!strcmp(a, "--socket-mode"))
			ret = socket_mode(argv[++i], &cfg->socket_mode);
		else if (!strcmp(a, "--kvm-device"))
			cfg->kvm_path = argv[++i];
		else if (!strcmp(a, "--catalog-dir"))
			cfg->catalog_dir = argv[++i];
		else if (!strcmp(a, "--stop-timeout-ms"))
			cfg->stop_timeout_ms = atoi(argv[++i]);
		else if (!strcmp(a, "--op-delay-ms"))
			cfg->op_delay_ms = atoi(argv[++i]);
		else
			return cli__usage_error("daemon", "unknown option '%s'", a);
		if (ret)
			return ret;
	}
	return 0;
}

int cmd_daemon(int argc, char **argv)
{
	static char state[PATH_MAX], sock[PATH_MAX];
	struct daemon_config cfg = { .socket_path = cli_socket_path, .kvm_path = "/dev/kvm" };
	char err[512];
	int ret;

	/* A daemon says what it does; NESTVISOR_LOG still wins. */
	if (!getenv("NESTVISOR_LOG"))
		log_level = LOG_INFO;
	ret = parse(argc, argv, &cfg);
	if (ret)
		return ret == 1 ? 0 : ret;
	if (!cfg.state_dir) {
		daemon__default_state_dir(state, sizeof(state));
		cfg.state_dir = state;
	}
	if (!cfg.socket_path) {
		daemon__default_socket(sock, sizeof(sock));
		cfg.socket_path = sock;
	}
	if (daemon__run(&cfg, err, sizeof(err))) {
		pr_err("daemon: %s", err);
		return 1;
	}
	return 0;
}
