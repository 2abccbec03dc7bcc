/*
 * Fuzz target: the control plane's REST API (src/control/api_*.c) behind the real HTTP
 * connection code, over a real store. The input is what a client sends on one connection:
 * any number of requests (organizations, folders, projects, policies, images, instances,
 * operations). Each input runs inside one store transaction that is rolled back after it,
 * so inputs never see each other's resources (the handlers' own transactions become
 * savepoints). The runner that handlers kick watches an empty store of its own: nothing
 * an input creates is ever started.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "control/api.h"
#include "control/runner.h"
#include "fuzz_common.h"
#include "fuzz_http_conn.h"

static struct api_ctx ctx;
static struct http_server_config cfg = {
	.socket_path = "unused", .routes = api_routes, .ctx = &ctx, .error_body = api__error_body,
	.limits = { .max_header_bytes = 4096, .max_body_bytes = 16384, .request_timeout_ms = 1000,
		    .idle_timeout_ms = 2000, .max_connections = 4 },
};

static void die_with(const char *what, const char *err)
{
	fprintf(stderr, "fuzz_control_api: %s: %s\n", what, err);
	abort();
}

static char state[64], runner_state[80];

/* The stores are scratch: nothing of them is kept. */
static void cleanup(void)
{
	static const char *const files[] = { "nestvisor.db", "nestvisor.db-wal", "nestvisor.db-shm" };
	const char *dirs[] = { runner_state, state };
	char path[128];

	for (unsigned d = 0; d < ARRAY_SIZE(dirs); d++) {
		for (unsigned f = 0; f < ARRAY_SIZE(files); f++) {
			snprintf(path, sizeof(path), "%s/%s", dirs[d], files[f]);
			unlink(path);
		}
		rmdir(dirs[d]);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct runner_config rc = { .state_dir = runner_state, .stop_timeout_ms = 100 };
	struct runner *runner;
	struct store *st;
	char err[256];

	fuzz_quiet();
	snprintf(state, sizeof(state), "/tmp/nv-fuzz-control-%d", (int)getpid());
	snprintf(runner_state, sizeof(runner_state), "%s/runner", state);
	if (store__open(&st, state, err, sizeof(err)))
		die_with("store", err);
	if (runner__start(&runner, &rc, err, sizeof(err)))
		die_with("runner", err);
	atexit(cleanup);
	cfg.nroutes = api_nroutes;
	/* The fuzzer's requests come as our own uid: the daemon's uid is admin, so every
	 * route is reached past access control whoever runs the fuzzer. */
	ctx = (struct api_ctx){ .st = st, .runner = runner, .kvm_path = "/dev/kvm",
				.host_root = "", .state_dir = state, .daemon_uid = geteuid() };
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];

	if (store__begin(ctx.st, err, sizeof(err)))
		die_with("begin", err);
	fuzz_http_serve(&cfg, data, size);
	store__rollback(ctx.st);
	return 0;
}
