/* Shared by the VMM API's files: its state, the JSON body checks and the handlers. */
#ifndef NV_API_VMM_API_INTERNAL_H
#define NV_API_VMM_API_INTERNAL_H

#include <jansson.h>
#include <pthread.h>

#include "api/vmm_api.h"

#define VMM_API_ID_MAX 64		/* drive_id, iface_id, without the NUL */
#define VMM_API_ERR_MAX 768

/* Firecracker's wording for a call made in the wrong half of the VM's life. */
#define MSG_AFTER_START "The requested operation is not supported after starting the microVM."
#define MSG_BEFORE_START "The requested operation is not supported before starting the microVM."

struct vmm_api_drive {
	char id[VMM_API_ID_MAX + 1];
	struct disk_option opt;		/* opt.id: id's first 20 bytes (the virtio serial) */
	bool root;
	char partuuid[64];
};

struct vmm_api_iface {
	char id[VMM_API_ID_MAX + 1];
	struct net_option opt;
};

struct vmm_api {
	pthread_mutex_t lock;		/* handlers run on the API thread; others read state */
	enum vmm_state state;
	const struct vmm_api_ops *ops;
	void *opaque;
	struct vmm_api_limits limits;
	struct vm_config cfg;		/* strings below are owned; others point into argv */
	char *kernel, *initrd, *boot_args;
	char *cmdline;			/* boot_args and root=, built at InstanceStart */
	unsigned ndrives;
	struct vmm_api_drive drives[VM_MAX_DISKS];
	unsigned nifaces;
	struct vmm_api_iface ifaces[VM_MAX_NETS];
};

/*
 * Request bodies. Each returns 0, or -EINVAL with the whole fault message in err (starting
 * "An error occurred when deserializing the json body of a request: " where Firecracker's
 * does). body__parse also refuses an empty body, anything but an object, and any field
 * not in fields (NULL-terminated).
 */
int body__parse(const char *method, const struct http_request *req, const char *const *fields,
		json_t **out, char *err, size_t errlen);
/* A field: 0 and *out set when present; 1 when absent or null; -EINVAL on a wrong type. */
int body__string(json_t *o, const char *name, const char **out, char *err, size_t errlen);
int body__bool(json_t *o, const char *name, bool *out, char *err, size_t errlen);
int body__uint(json_t *o, const char *name, u64 *out, char *err, size_t errlen);
int body__missing(const char *name, char *err, size_t errlen);
/* Fails with "... is not supported" unless the field is absent or null. */
int body__unsupported(json_t *o, const char *name, const char *why, char *err, size_t errlen);

/* A path id (drive_id, iface_id): non-empty, ASCII letters, digits and '_', as Firecracker. */
int api_id__check(const char *id, char *err, size_t errlen);
/* A file named by a request: it must exist and be a readable regular file (or block device). */
int api_path__check(const char *field, const char *path, bool block_ok, bool want_write,
		    char *err, size_t errlen);

/* Replies. */
void reply__no_content(struct http_response *resp);
void reply__fault(struct http_response *resp, int status, const char *message);
void reply__json(struct http_response *resp, json_t *o);	/* 200; takes o */
/* Ends a configuration handler: 400 with err if ret, else 204; drops o and api->lock. */
void reply__finish(struct vmm_api *api, struct http_response *resp, json_t *o, int ret,
		   const char *err);

/* Handlers of the pre-boot configuration (vmm_api_config.c, vmm_api_devices.c). */
void put_boot_source(const struct http_request *req, struct http_response *resp, void *ctx);
void get_machine_config(const struct http_request *req, struct http_response *resp, void *ctx);
void put_machine_config(const struct http_request *req, struct http_response *resp, void *ctx);
void patch_machine_config(const struct http_request *req, struct http_response *resp, void *ctx);
void put_logger(const struct http_request *req, struct http_response *resp, void *ctx);
void put_entropy(const struct http_request *req, struct http_response *resp, void *ctx);
void put_drive(const struct http_request *req, struct http_response *resp, void *ctx);
void patch_drive(const struct http_request *req, struct http_response *resp, void *ctx);
void put_iface(const struct http_request *req, struct http_response *resp, void *ctx);
void patch_iface(const struct http_request *req, struct http_response *resp, void *ctx);
void get_vm_config(const struct http_request *req, struct http_response *resp, void *ctx);

/* JSON views of the configuration, for GET /machine-config and GET /vm/config. */
json_t *machine_config__json(const struct vmm_api *api);
json_t *drives__json(const struct vmm_api *api);
json_t *ifaces__json(const struct vmm_api *api);

/* The vm_config InstanceStart boots: root drive first, root= added to the command line. */
int vmm_api__build_config(struct vmm_api *api, struct vm_config *out, char *err, size_t errlen);

#endif
