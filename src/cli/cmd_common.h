/*
 * The control plane's CLI commands (daemon and the clients that talk to it) and what the
 * client commands share: the daemon's socket, requests, errors, waiting for operations.
 */
#ifndef NV_CLI_CMD_COMMON_H
#define NV_CLI_CMD_COMMON_H

#include <jansson.h>
#include <stdbool.h>

/* Exit codes of the client commands. */
#define EXIT_REFUSED 1		/* the daemon refused the request, or the operation failed */
#define EXIT_USAGE 2
#define EXIT_UNREACHABLE 3	/* no daemon at the socket */
#define EXIT_TIMEOUT 4		/* waiting for an operation timed out */
#define EXIT_DENIED 5		/* the caller lacks a permission (IAM; HTTP 403, not a policy's) */

int cmd_daemon(int argc, char **argv);
int cmd_orgs(int argc, char **argv);
int cmd_folders(int argc, char **argv);
int cmd_projects(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_instances(int argc, char **argv);
int cmd_images(int argc, char **argv);
int cmd_operations(int argc, char **argv);
int cmd_machine_types(int argc, char **argv);
int cmd_iam(int argc, char **argv);

/* The global --socket (main.c sets it; NULL: NESTVISOR_SOCKET or the default). */
extern const char *cli_socket_path;

/* Options every client command takes. */
struct cli_opts {
	bool json;		/* --format json */
	bool async;		/* --async: do not wait for the operation */
	int timeout_s;		/* --timeout for waiting */
};

/*
 * Sends a request; on success returns 0 and *out the parsed JSON reply (caller decrefs).
 * Otherwise prints one error line and returns the exit code to use.
 */
int cli__call(const char *method, const char *path, json_t *body, json_t **out);
/* Waits for the operation in op to be DONE (progress on stderr); exit code. */
int cli__wait_op(json_t *op, const struct cli_opts *o, json_t **done);
/* Sends a mutating call, waits unless --async, prints the result; exit code. */
int cli__mutate(const char *method, const char *path, json_t *body, const struct cli_opts *o,
		const char *done_msg);
/* Prints JSON (--format json) or calls print for a table; exit code 0. */
int cli__show(json_t *v, const struct cli_opts *o, void (*print)(json_t *v));
/* GET path from the daemon and cli__show what comes back; the exit status. */
int cli__get_show(const char *path, const struct cli_opts *o, void (*print)(json_t *v));
/* A print for cli__show: v as indented JSON. */
void cli__print_json(json_t *v);
/* Parses a common option at argv[*i]; 1 when it was one, 0 when not, -1 on misuse. */
int cli__common_opt(int argc, char **argv, int *i, struct cli_opts *o);
/*
 * An option at argv[*i] that is common or, through value_opt (may be NULL), the command's
 * own: 1 when it was taken (with its value), 0 when argv[*i] is something else, EXIT_USAGE
 * on misuse. value_opt returns 1, 0, -1 or EXIT_USAGE.
 */
int cli__take_opt(int argc, char **argv, int *i, struct cli_opts *o,
		  int (*value_opt)(void *args, int argc, char **argv, int *i), void *args);
/* Prints a usage error line; returns EXIT_USAGE. */
int cli__usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The value of an option that takes one (argv[*i + 1]); NULL (and an error) when missing. */
const char *cli__optarg(int argc, char **argv, int *i);
/*
 * --organization|--folder|--project NAME at argv[*i] into *coll (the API's collection) and
 * *name: 1 when it was one, 0 when not, -1 or EXIT_USAGE on misuse (a value missing, a
 * second resource).
 */
int cli__resource_opt(const char *cmd, int argc, char **argv, int *i, const char **coll,
		      const char **name);
/* URL-path-safe: names and constraint ids only ([A-Za-z0-9._-]); false otherwise. */
bool cli__path_safe(const char *s);
/* A string member or "". */
const char *cli__s(json_t *o, const char *key);

#endif
