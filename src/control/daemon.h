/* `nestvisor daemon`: the control plane's process (store, operation runner, REST API). */
#ifndef NV_CONTROL_DAEMON_H
#define NV_CONTROL_DAEMON_H

#include <stddef.h>

struct daemon_config {
	const char *state_dir;
	const char *socket_path;
	const char *kvm_path;		/* for the host check; "/dev/kvm" */
	const char *catalog_dir;	/* where built images are looked for; NULL: the binary's */
	int op_delay_ms;		/* hold each operation (crash tests); 0 normally */
	int stop_timeout_ms;		/* a stop's wait after the power button; 0: the default */
	unsigned socket_mode;		/* the API socket's mode; 0: DAEMON_SOCKET_MODE */
};

/* Every uid may connect: each call is judged by the caller's roles (control/iam.h). */
#define DAEMON_SOCKET_MODE 0666

#define DAEMON_STOP_TIMEOUT_MS 30000

/* Serves until SIGINT or SIGTERM; 0 on a clean stop, -errno (and err) when it cannot start. */
int daemon__run(const struct daemon_config *cfg, char *err, size_t errlen);

/*
 * Defaults. Socket: $NESTVISOR_SOCKET, else /run/nestvisor/nestvisor.sock for root, else
 * $XDG_RUNTIME_DIR/nestvisor.sock, else /tmp/nestvisor-UID/nestvisor.sock. State: root
 * /var/lib/nestvisor, else $XDG_STATE_HOME/nestvisor or ~/.local/state/nestvisor.
 */
void daemon__default_socket(char *buf, size_t len);
void daemon__default_state_dir(char *buf, size_t len);

struct store;
/* Registers the built images found under dir (NULL: the binary's directory) as public. */
int daemon_catalog__fill(struct store *st, const char *dir);

#endif
