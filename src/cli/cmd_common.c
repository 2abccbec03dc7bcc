/* What the client commands share: talking to the daemon, errors, waiting, output. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/http_client.h"
#include "cli/cmd_common.h"
#include "control/daemon.h"
#include "util/log.h"

#define CALL_TIMEOUT_MS 30000
#define DEFAULT_WAIT_S 300

int cli__usage_error(const char *cmd, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_err("%s: %s (see 'nestvisor %s --help')", cmd, msg, cmd);
	return EXIT_USAGE;
}

const char *cli__optarg(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc) {
		pr_err("option %s needs a value", argv[*i]);
		return NULL;
	}
	return argv[++*i];
}

int cli__take_opt(int argc, char **argv, int *i, struct cli_opts *o,
		  int (*value_opt)(void *args, int argc, char **argv, int *i), void *args)
{
	int c = cli__common_opt(argc, argv, i, o);

	if (!c && value_opt)
		c = value_opt(args, argc, argv, i);
	return c < 0 ? EXIT_USAGE : c;
}

int cli__resource_opt(const char *cmd, int argc, char **argv, int *i, const char **coll,
		      const char **name)
{
	static const char *const opts[][2] = { { "--organization", "organizations" },
					       { "--folder", "folders" },
					       { "--project", "projects" } };

	for (size_t k = 0; k < 3; k++) {
		if (strcmp(argv[*i], opts[k][0]))
			continue;
		if (*coll)
			return cli__usage_error(cmd, "give one resource only");
		*coll = opts[k][1];
		*name = cli__optarg(argc, argv, i);
		return *name ? 1 : -1;
	}
	return 0;
}

bool cli__path_safe(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '-' || *s == '_'))
			return false;
	return true;
}

const char *cli__s(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

int cli__common_opt(int argc, char **argv, int *i, struct cli_opts *o)
{
	const char *a = argv[*i], *v;

	if (!strcmp(a, "--async")) {
		o->async = true;
		return 1;
	}
	if (!strcmp(a, "--format")) {
		v = cli__optarg(argc, argv, i);
		if (!v || (strcmp(v, "json") && strcmp(v, "table")))
			return -1;
		o->json = !strcmp(v, "json");
		return 1;
	}
	if (!strcmp(a, "--timeout")) {
		v = cli__optarg(argc, argv, i);
		if (!v || atoi(v) <= 0)
			return -1;
		o->timeout_s = atoi(v);
		return 1;
	}
	return 0;
}

static const char *socket_path(void)
{
	static char buf[PATH_MAX];

	if (cli_socket_path)
		return cli_socket_path;
	daemon__default_socket(buf, sizeof(buf));
	return buf;
}

/* The daemon's error message from an error reply (or the raw body). */
static void print_refusal(int status, json_t *reply, const char *raw)
{
	json_t *e = json_object_get(reply, "error");
	const char *msg = json_string_value(json_object_get(e, "message"));

	pr_err("%s (HTTP %d%s%s)", msg ? msg : raw, status, e ? " " : "",
	       e ? cli__s(e, "status") : "");
}

int cli__call(const char *method, const char *path, json_t *body, json_t **out)
{
	struct http_client_response r;
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	char err[512];
	json_t *reply;
	int ret = http_client__request(socket_path(), method, path, text, CALL_TIMEOUT_MS, &r, err,
				       sizeof(err));

	free(text);
	*out = NULL;
	if (ret == -ENOENT || ret == -ECONNREFUSED) {
		pr_err("cannot reach the daemon at %s: %s (is 'nestvisor daemon' running? "
		       "--socket or NESTVISOR_SOCKET name another)", socket_path(), strerror(-ret));
		return EXIT_UNREACHABLE;
	}
	if (ret == -EACCES) {
		pr_err("cannot reach the daemon at %s: the socket's file mode does not let uid %u "
		       "connect (see the daemon's --socket-mode)", socket_path(), (unsigned)getuid());
		return EXIT_UNREACHABLE;
	}
	if (ret) {
		pr_err("talking to the daemon at %s: %s", socket_path(), err);
		return EXIT_UNREACHABLE;
	}
	reply = json_loadb(r.body, r.body_len, 0, NULL);
	if (r.status >= 400 || !reply) {
		print_refusal(r.status, reply, r.status >= 400 ? r.body : "the reply is not JSON");
		ret = !strcmp(cli__s(json_object_get(reply, "error"), "reason"),
			      "IAM_PERMISSION_DENIED") ? EXIT_DENIED : EXIT_REFUSED;
		json_decref(reply);
		http_client__response_free(&r);
		return ret;
	}
	http_client__response_free(&r);
	*out = reply;
	return 0;
}

static void nap_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* The final state of a DONE operation: its error, or success (with its warnings). */
static int op_outcome(json_t *op)
{
	json_t *e = json_object_get(op, "error"), *w = json_object_get(op, "warnings");
	size_t i;
	json_t *it;

	json_array_foreach(w, i, it)
		pr_warn("%s", cli__s(it, "message"));
	if (!e)
		return 0;
	pr_err("operation %s failed: %s (code %lld)", cli__s(op, "name"), cli__s(e, "message"),
	       (long long)json_integer_value(json_object_get(e, "code")));
	return EXIT_REFUSED;
}

int cli__wait_op(json_t *op, const struct cli_opts *o, json_t **done)
{
	char path[256], name[128];
	int waited = 0, limit = (o->timeout_s ? o->timeout_s : DEFAULT_WAIT_S) * 1000, ret;
	json_t *cur = json_incref(op);

	snprintf(name, sizeof(name), "%s", cli__s(op, "name"));
	if (!cli__path_safe(name))
		return cli__usage_error("operations", "the daemon sent a bad operation name");
	snprintf(path, sizeof(path), "/v1/operations/%s", name);
	if (strcmp(cli__s(cur, "status"), "DONE") && isatty(STDERR_FILENO))
		fprintf(stderr, "Waiting for %s (%s %s)...\n", name, cli__s(op, "operationType"),
			cli__s(op, "targetLink"));
	while (strcmp(cli__s(cur, "status"), "DONE")) {
		if (waited >= limit) {
			json_decref(cur);
			pr_err("operation %s is not done after %d s (it goes on; see 'nestvisor "
			       "operations describe %s')", name, limit / 1000, name);
			return EXIT_TIMEOUT;
		}
		nap_ms(waited < 2000 ? 100 : 250);
		waited += waited < 2000 ? 100 : 250;
		json_decref(cur);
		ret = cli__call("GET", path, NULL, &cur);
		if (ret)
			return ret;
	}
	*done = cur;
	return op_outcome(cur);
}

int cli__show(json_t *v, const struct cli_opts *o, void (*print)(json_t *v))
{
	if (o->json)
		cli__print_json(v);
	else
		print(v);
	return 0;
}

static void print_op(json_t *op)
{
	printf("%s %s %s %s\n", cli__s(op, "name"), cli__s(op, "operationType"),
	       cli__s(op, "targetLink"), cli__s(op, "status"));
}

int cli__mutate(const char *method, const char *path, json_t *body, const struct cli_opts *o,
		const char *done_msg)
{
	json_t *op, *done = NULL;
	int ret = cli__call(method, path, body, &op);

	if (ret)
		return ret;
	if (o->async) {
		cli__show(op, o, print_op);
		json_decref(op);
		return 0;
	}
	ret = cli__wait_op(op, o, &done);
	json_decref(op);
	if (!ret && o->json)
		cli__show(done, o, print_op);
	else if (!ret && done_msg)
		printf("%s\n", done_msg);
	json_decref(done);
	return ret;
}

int cli__get_show(const char *path, const struct cli_opts *o, void (*print)(json_t *v))
{
	json_t *v;
	int ret = cli__call("GET", path, NULL, &v);

	if (!ret)
		cli__show(v, o, print);
	json_decref(v);
	return ret;
}

void cli__print_json(json_t *v)
{
	char *s = json_dumps(v, JSON_INDENT(2));

	printf("%s\n", s ? s : "null");
	free(s);
}
