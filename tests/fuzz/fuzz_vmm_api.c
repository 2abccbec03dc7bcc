/*
 * Fuzz target: the VMM's Firecracker-compatible API (src/api/vmm_api*.c) over fake VMM
 * operations, through vmm_api__dispatch as its unit tests do. The input: a start state and
 * limits, then requests, each a method byte, a path and a body (both NUL-terminated).
 * Every reply must be a status with, for errors, {"fault_message": ...} JSON.
 * PUT /logger may point stderr at a file: its log_path is always rewritten to a scratch
 * file of ours, and stderr and the log level are put back after it.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <unistd.h>

#include "api/vmm_api.h"
#include "fuzz_common.h"

#define MAX_REQUESTS	32
#define FIELD_MAX	8192

static const char *const methods[] = { "GET", "PUT", "PATCH", "POST", "DELETE", "HEAD" };
static int fail_next;
static int saved_stderr;
static char scratch_log[64];

static int fake_start(void *o, const struct vm_config *cfg, char *err, size_t errlen)
{
	if (!cfg->kernel_path)
		abort();	/* the API must not start without a kernel */
	return fail_next ? set_err(err, errlen, EIO, "fake start failed") : 0;
}

static int fake_op(void *o, char *err, size_t errlen)
{
	return fail_next ? set_err(err, errlen, EIO, "fake failure") : 0;
}

static const struct vmm_api_ops ops = {
	.start = fake_start, .pause = fake_op, .resume = fake_op, .ctrl_alt_del = fake_op,
};

static void cleanup(void)
{
	unlink(scratch_log);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FILE *f;

	fuzz_quiet();
	saved_stderr = dup(STDERR_FILENO);
	snprintf(scratch_log, sizeof(scratch_log), "/tmp/nv-fuzz-vmm-log-%d", (int)getpid());
	f = fopen(scratch_log, "w");
	if (saved_stderr < 0 || !f)
		abort();
	fclose(f);
	atexit(cleanup);
	return 0;
}

/*
 * A /logger body with its log_path (if any) pointed at our scratch file; NULL when the body
 * is JSON we cannot vouch for (the request is then skipped). The caller frees it.
 */
static char *safe_logger_body(const char *body)
{
	json_t *o = json_loads(body, JSON_DECODE_ANY, NULL);
	char *out;

	if (!o)
		return strdup(body);	/* not JSON: refused before any path is looked at */
	if (json_is_object(o) && json_object_get(o, "log_path"))
		json_object_set_new(o, "log_path", json_string(scratch_log));
	out = json_dumps(o, JSON_ENCODE_ANY);
	json_decref(o);
	return out;
}

static void check_reply(const struct http_response *r)
{
	json_t *o;

	if (r->status < 200 || r->status > 599)
		abort();
	if (r->status < 400)
		return;
	o = r->body ? json_loads(r->body, 0, NULL) : NULL;
	if (!json_is_string(json_object_get(o, "fault_message"))) {
		fprintf(stderr, "fuzz_vmm_api: error %d without a fault_message: %s\n", r->status,
			r->body ? r->body : "(none)");
		abort();
	}
	json_decref(o);
}

static void one_request(struct vmm_api *api, struct fuzz_in *in)
{
	static char path[FIELD_MAX], body[FIELD_MAX];
	const char *method = methods[fuzz_u8(in) % ARRAY_SIZE(methods)];
	bool logger;
	struct http_response resp;
	char *b;

	fuzz_str(in, '\0', path, sizeof(path));
	fuzz_str(in, '\0', body, sizeof(body));
	logger = !strcmp(path, "/logger");
	b = logger ? safe_logger_body(body) : strdup(body);
	if (!b)
		return;
	memset(&resp, 0, sizeof(resp));
	vmm_api__dispatch(api, method, path, b, &resp);
	if (logger) {
		dup2(saved_stderr, STDERR_FILENO);
		fuzz_quiet();
	}
	check_reply(&resp);
	free(resp.body);
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in(data, size);
	u8 flags = fuzz_u8(&in);
	struct vmm_api_limits limits = { .max_vcpus = 1 + fuzz_u8(&in) % 32,
					 .host_mib = 64 + fuzz_u16(&in),
					 .nested_ok = flags & 2,
					 .nested_reason = "fuzz host: no nesting" };
	struct vm_config initial;
	struct vmm_api *api;
	char err[256];

	vm_config__defaults(&initial);
	if (flags & 4)
		initial.kernel_path = "/dev/null";
	fail_next = flags & 8;
	if (vmm_api__new(&api, &initial, flags & 1, &ops, NULL, &limits, err, sizeof(err)))
		abort();
	for (int i = 0; i < MAX_REQUESTS && in.left; i++)
		one_request(api, &in);
	vmm_api__free(api);
	return 0;
}
