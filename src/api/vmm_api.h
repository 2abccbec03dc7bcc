/*
 * The VMM's own API (`nestvisor run --api-sock PATH`): Firecracker-compatible HTTP/JSON routes
 * over one VM's configuration and its state (Not started -> Running <-> Paused). docs/api.md.
 */
#ifndef NV_API_VMM_API_H
#define NV_API_VMM_API_H

#include <stdbool.h>
#include <stddef.h>

#include "api/http.h"
#include "util/util.h"
#include "vmm/config.h"

enum vmm_state { VMM_NOT_STARTED, VMM_RUNNING, VMM_PAUSED };

/*
 * What the handlers ask of the VMM. Each returns 0, or -errno with one line in err that
 * becomes the reply's fault_message. start builds the VM from cfg and has it running when
 * it returns 0; on failure nothing is left behind and the API stays Not started.
 */
struct vmm_api_ops {
	int (*start)(void *opaque, const struct vm_config *cfg, char *err, size_t errlen);
	int (*pause)(void *opaque, char *err, size_t errlen);
	int (*resume)(void *opaque, char *err, size_t errlen);
	int (*ctrl_alt_del)(void *opaque, char *err, size_t errlen);
};

/* What this host allows, checked when a request arrives rather than at InstanceStart. */
struct vmm_api_limits {
	unsigned max_vcpus;		/* KVM's limit, at most VM_MAX_CPUS */
	u64 host_mib;			/* the host's RAM */
	bool nested_ok;			/* nested virtualization can be offered */
	char nested_reason[512];	/* why not, in host-check's words */
};

struct vmm_api;

/*
 * A new API over a copy of initial (the flags' configuration: what PUTs then change).
 * started: the VM was built from the command line already, so the API is Running.
 */
int vmm_api__new(struct vmm_api **out, const struct vm_config *initial, bool started,
		 const struct vmm_api_ops *ops, void *opaque, const struct vmm_api_limits *limits,
		 char *err, size_t errlen) __must_check;
void vmm_api__free(struct vmm_api *api);

/* The route table and the error body ({"fault_message": "..."}) for http_server_config. */
const struct http_route *vmm_api__routes(size_t *n);
char *vmm_api__error_body(int status, const char *message);

enum vmm_state vmm_api__state(struct vmm_api *api);
const char *vmm_state__name(enum vmm_state s);	/* "Not started", "Running", "Paused" */

/*
 * One request routed and answered as the server would (unknown paths included), with the
 * error body already formatted: for tests. The caller frees resp->body.
 */
void vmm_api__dispatch(struct vmm_api *api, const char *method, const char *path,
		       const char *body, struct http_response *resp);

/* This host's limits: KVM's vCPU limit, RAM, and whether nesting is available. */
void vmm_api__host_limits(const char *kvm_path, struct vmm_api_limits *out);

/*
 * Serving it, for `nestvisor run` (vmm_api_server.c): the API thread, and the hand-over of
 * InstanceStart to the VMM's main thread, which builds and runs the machine.
 */
struct machine;
struct vmm_api_server;

/*
 * Binds path with mode 0600, refusing a path that exists and is not a stale socket. Nothing
 * is answered until one of the two calls below starts the API thread.
 */
int vmm_api_server__init(struct vmm_api_server **out, const char *path,
			 const struct vm_config *initial, char *err, size_t errlen) __must_check;
/* The machine was built from the command line and is about to run: serve it. */
int vmm_api_server__serve_machine(struct vmm_api_server *srv, struct machine *m, char *err,
				  size_t errlen) __must_check;
/*
 * Serves, and waits on the calling (main) thread for InstanceStart, building m there.
 * Returns 0 once m is built (the caller runs it), or an exit status (128 + signal) when
 * SIGINT, SIGTERM or SIGHUP ended the wait.
 */
int vmm_api_server__wait_for_start(struct vmm_api_server *srv, struct machine *m);
/* The machine stopped: requests that need it are refused from now on. */
void vmm_api_server__detach(struct vmm_api_server *srv);
/* Stops the API thread, closes connections and removes the socket. NULL is a no-op. */
void vmm_api_server__destroy(struct vmm_api_server *srv);

#endif
