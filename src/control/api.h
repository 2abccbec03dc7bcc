/* The daemon's REST API: shared state of the handlers, JSON helpers, and the route table. */
#ifndef NV_CONTROL_API_H
#define NV_CONTROL_API_H

#include <jansson.h>
#include <sys/types.h>

#include "api/http.h"
#include "control/store.h"

struct runner;

/* What every handler gets as its ctx. The store handle belongs to the HTTP thread. */
struct api_ctx {
	struct store *st;
	struct runner *runner;
	const char *kvm_path;	/* for the host check */
	const char *host_root;	/* prefix of /proc and /sys for the host check ("") */
	const char *state_dir;	/* instance directories (serial output) live under it */
	uid_t daemon_uid;	/* admin everywhere, as root is (iam.h) */
};

/* The routes, for http_server_config. */
extern const struct http_route api_routes[];
extern const size_t api_nroutes;

/* {"error": {"code": N, "status": "NOT_FOUND", "message": "..."}} (the server's error_body). */
char *api__error_body(int status, const char *message);

/* Replies with an error; status names come from the HTTP code. */
void api__error(struct http_response *resp, int http, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * Replies with the HTTP error that a -errno from the store or the checks stands for; -EPERM
 * is an access-control denial (403 with "reason": "IAM_PERMISSION_DENIED"), -EACCES a policy's.
 */
void api__fail(struct http_response *resp, int neg_errno, const char *message);
/* Replies with obj (its reference is taken) as JSON. */
void api__json(struct http_response *resp, int http, json_t *obj);

/*
 * Parses the body as a JSON object whose keys are all in allowed (NULL-terminated); on
 * failure replies 400 and returns NULL.
 */
json_t *api__body(const struct http_request *req, struct http_response *resp,
		  const char *const *allowed);
/* Checks that obj's keys are all in allowed; -EINVAL and err naming the first stranger. */
int api__check_keys(json_t *obj, const char *const *allowed, const char *where,
		    char *err, size_t errlen);
/* A string field: 0 (out "" when absent and optional), -EINVAL when of the wrong type. */
int api__str(json_t *obj, const char *key, bool required, const char **out,
	     char *err, size_t errlen);
/* A boolean field: 0 (out unchanged when absent), -EINVAL when of the wrong type. */
int api__bool(json_t *obj, const char *key, bool *out, char *err, size_t errlen);

/* A JSON string even for bytes that are not UTF-8 (they become '?'). */
json_t *api__jstr(const char *s);
/* RFC 3339 UTC. */
json_t *api__time(s64 t);
/*
 * Looks up the project of a request's path (params[0]) and checks that the caller holds perm
 * on it; 0, or the error (404, 403) already replied.
 */
int api__project_of(struct api_ctx *c, const struct http_request *req, const char *perm,
		    struct store_project *p, struct http_response *resp);
/*
 * The project (params[0]) and its instance (params[1]) into *p and *in, when the caller
 * holds perm on the project; 0, or the error (404, 403) already replied.
 */
int api__instance_of(struct api_ctx *c, const struct http_request *req, const char *perm,
		     struct store_project *p, struct store_instance *in, struct http_response *resp);
/* The id of the organization, folder or project called name. */
int api__resolve(struct store *st, enum resource_kind kind, const char *name, s64 *id,
		 char *err, size_t errlen);
/* 0 when the caller holds perm on the resource; otherwise replies 403 and returns -EPERM. */
int api__authorize(struct api_ctx *c, const struct http_request *req, enum resource_kind kind,
		   s64 id, const char *perm, struct http_response *resp);
/* Whether the caller may open a file it names (iam__path_access); superusers may. */
int api__caller_may_open(struct api_ctx *c, const struct http_request *req, const char *path,
			 bool write, char *err, size_t errlen);
/* The same verdict without a reply (to filter listings). */
bool api__allowed(struct api_ctx *c, const struct http_request *req, enum resource_kind kind,
		  s64 id, const char *perm);
json_t *api__op_json(const struct store_op *op);
/* Inserts a finished operation (a call done at once) and returns it as JSON, or NULL. */
json_t *api__done_op(struct store *st, const char *kind, const char *target_kind,
		     const char *target, s64 target_id, s64 project_id, char *err, size_t errlen);
/*
 * Ends a handler's transaction: records the finished operation if ret is 0, commits (rolls
 * back on any failure) and replies with the operation or the error.
 */
void api__end_done_op(struct api_ctx *c, struct http_response *resp, int ret, const char *kind,
		      const char *target_kind, const char *target, s64 target_id, s64 project_id,
		      char *err, size_t errlen);

/* Replies to a call that queued work: the error, or op after waking the runner for it. */
void api__reply_queued(struct api_ctx *c, struct http_response *resp, int ret, json_t *op,
		       const char *err);

/* The creation checks again, for a stored instance about to start (policy, host, ...). */
int api__instance_recheck(struct api_ctx *c, const struct store_project *p,
			  struct store_instance *in, char *err, size_t errlen);

/* The handlers, one file per resource family. */
void api_org_create(const struct http_request *req, struct http_response *resp, void *ctx);
void api_org_list(const struct http_request *req, struct http_response *resp, void *ctx);
void api_org_get(const struct http_request *req, struct http_response *resp, void *ctx);
void api_org_delete(const struct http_request *req, struct http_response *resp, void *ctx);
void api_folder_create(const struct http_request *req, struct http_response *resp, void *ctx);
void api_folder_list(const struct http_request *req, struct http_response *resp, void *ctx);
void api_folder_get(const struct http_request *req, struct http_response *resp, void *ctx);
void api_folder_delete(const struct http_request *req, struct http_response *resp, void *ctx);
void api_project_create(const struct http_request *req, struct http_response *resp, void *ctx);
void api_project_list(const struct http_request *req, struct http_response *resp, void *ctx);
void api_project_get(const struct http_request *req, struct http_response *resp, void *ctx);
void api_project_delete(const struct http_request *req, struct http_response *resp, void *ctx);
void api_policy_get_org(const struct http_request *req, struct http_response *resp, void *ctx);
void api_policy_get_folder(const struct http_request *req, struct http_response *resp,
			   void *ctx);
void api_policy_get_project(const struct http_request *req, struct http_response *resp,
			    void *ctx);
void api_policy_set_org(const struct http_request *req, struct http_response *resp, void *ctx);
void api_policy_set_folder(const struct http_request *req, struct http_response *resp,
			   void *ctx);
void api_policy_set_project(const struct http_request *req, struct http_response *resp,
			    void *ctx);
void api_iam_get_org(const struct http_request *req, struct http_response *resp, void *ctx);
void api_iam_get_folder(const struct http_request *req, struct http_response *resp, void *ctx);
void api_iam_get_project(const struct http_request *req, struct http_response *resp, void *ctx);
void api_iam_add_org(const struct http_request *req, struct http_response *resp, void *ctx);
void api_iam_add_folder(const struct http_request *req, struct http_response *resp, void *ctx);
void api_iam_add_project(const struct http_request *req, struct http_response *resp, void *ctx);
void api_iam_remove_org(const struct http_request *req, struct http_response *resp, void *ctx);
void api_iam_remove_folder(const struct http_request *req, struct http_response *resp,
			   void *ctx);
void api_iam_remove_project(const struct http_request *req, struct http_response *resp,
			    void *ctx);
void api_image_create(const struct http_request *req, struct http_response *resp, void *ctx);
void api_image_list(const struct http_request *req, struct http_response *resp, void *ctx);
void api_image_get(const struct http_request *req, struct http_response *resp, void *ctx);
void api_image_delete(const struct http_request *req, struct http_response *resp, void *ctx);
void api_instance_create(const struct http_request *req, struct http_response *resp, void *ctx);
void api_instance_list(const struct http_request *req, struct http_response *resp, void *ctx);
void api_instance_get(const struct http_request *req, struct http_response *resp, void *ctx);
void api_instance_update(const struct http_request *req, struct http_response *resp, void *ctx);
void api_instance_delete(const struct http_request *req, struct http_response *resp, void *ctx);
void api_instance_start(const struct http_request *req, struct http_response *resp, void *ctx);
void api_instance_stop(const struct http_request *req, struct http_response *resp, void *ctx);
void api_instance_reset(const struct http_request *req, struct http_response *resp, void *ctx);
void api_instance_serial(const struct http_request *req, struct http_response *resp, void *ctx);
void api_instance_serial_connect(const struct http_request *req, struct http_response *resp,
				 void *ctx);
void api_op_get(const struct http_request *req, struct http_response *resp, void *ctx);
void api_op_get_in_project(const struct http_request *req, struct http_response *resp,
			   void *ctx);
void api_op_list(const struct http_request *req, struct http_response *resp, void *ctx);
void api_machine_types(const struct http_request *req, struct http_response *resp, void *ctx);
void api_root(const struct http_request *req, struct http_response *resp, void *ctx);

#endif
