/*
 * The VMM API's devices: PUT /drives/{drive_id} (virtio-blk) and
 * PUT /network-interfaces/{iface_id} (virtio-net on a tap), checked whole before they change
 * the configuration, and their JSON views.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "api/vmm_api_internal.h"

static const char *const drive_fields[] = { "drive_id", "path_on_host", "is_root_device",
					    "is_read_only", "partuuid", "cache_type",
					    "rate_limiter", "io_engine", "socket", NULL };
static const char *const iface_fields[] = { "iface_id", "host_dev_name", "guest_mac",
					    "rx_rate_limiter", "tx_rate_limiter", "mtu", NULL };

/* Locks; the path's id must be valid and match the body's (id_field), before the VM starts. */
static int device_body(struct vmm_api *api, const struct http_request *req,
		       const char *const *fields, const char *id_field, json_t **o, char *err,
		       size_t errlen)
{
	const char *body_id;
	int ret;

	pthread_mutex_lock(&api->lock);
	*o = NULL;
	if (api->state != VMM_NOT_STARTED)
		return set_err(err, errlen, EINVAL, MSG_AFTER_START);
	ret = api_id__check(req->params[0], err, errlen);
	if (!ret)
		ret = body__parse("PUT", req, fields, o, err, errlen);
	if (ret)
		return ret;
	ret = body__string(*o, id_field, &body_id, err, errlen);
	if (ret == 1)
		return body__missing(id_field, err, errlen);
	if (!ret && strcmp(body_id, req->params[0]))
		return set_err(err, errlen, EINVAL,
			       "The id from the path does not match the id from the body!");
	return ret;
}

/* A string field that must be one of two names, as Firecracker's enums. */
static int check_variant(json_t *o, const char *name, const char *a, const char *b, char *err,
			 size_t errlen)
{
	const char *s;
	int ret = body__string(o, name, &s, err, errlen);

	if (ret)
		return ret < 0 ? ret : 0;
	if (strcmp(s, a) && strcmp(s, b))
		return set_err(err, errlen, EINVAL, "An error occurred when deserializing the json "
			       "body of a request: unknown variant `%.40s`, expected `%s` or `%s` "
			       "for `%s`.", s, a, b, name);
	return 0;
}

static int check_partuuid(const char *s, char *err, size_t errlen)
{
	size_t len = strlen(s);

	if (!len || len >= sizeof(((struct vmm_api_drive *)0)->partuuid))
		return set_err(err, errlen, EINVAL, "partuuid must be 1 to 63 characters.");
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
		      c == '-'))
			return set_err(err, errlen, EINVAL,
				       "partuuid \"%.63s\" may hold hex digits and '-' only.", s);
	}
	return 0;
}

/* The body's fields into d (not yet in the configuration). */
static int parse_drive(json_t *o, struct vmm_api_drive *d, char *err, size_t errlen)
{
	const char *path = NULL, *partuuid = NULL;
	int ret;

	ret = body__bool(o, "is_root_device", &d->root, err, errlen);
	if (ret)
		return ret < 0 ? ret : body__missing("is_root_device", err, errlen);
	ret = body__string(o, "path_on_host", &path, err, errlen);
	if (ret)
		return ret < 0 ? ret : body__missing("path_on_host", err, errlen);
	if (body__bool(o, "is_read_only", &d->opt.readonly, err, errlen) < 0 ||
	    body__string(o, "partuuid", &partuuid, err, errlen) < 0 ||
	    check_variant(o, "cache_type", "Unsafe", "Writeback", err, errlen) ||
	    check_variant(o, "io_engine", "Sync", "Async", err, errlen) ||
	    body__unsupported(o, "rate_limiter", "there are no rate limiters", err, errlen) ||
	    body__unsupported(o, "socket", "there is no vhost-user", err, errlen))
		return -EINVAL;
	if (partuuid && check_partuuid(partuuid, err, errlen))
		return -EINVAL;
	ret = api_path__check("path_on_host", path, true, !d->opt.readonly, err, errlen);
	if (ret)
		return ret;
	snprintf(d->opt.path, sizeof(d->opt.path), "%s", path);
	snprintf(d->partuuid, sizeof(d->partuuid), "%s", partuuid && d->root ? partuuid : "");
	/* The virtio serial (what GET_ID returns) holds 20 bytes. */
	_Static_assert(sizeof(d->opt.id) == DISK_ID_MAX + 1, "the serial's size");
	memset(d->opt.id, 0, sizeof(d->opt.id));
	memcpy(d->opt.id, d->id, min_u64(strlen(d->id), DISK_ID_MAX));
	return 0;
}

/* Where d goes: its own slot when the id exists, else a new one; conflicts refused. */
static int drive_slot(struct vmm_api *api, const struct vmm_api_drive *d, unsigned *slot,
		      char *err, size_t errlen)
{
	struct stat a, b;
	bool same_file;

	*slot = api->ndrives;
	for (unsigned i = 0; i < api->ndrives; i++) {
		const struct vmm_api_drive *o = &api->drives[i];

		if (!strcmp(o->id, d->id)) {
			*slot = i;
			continue;
		}
		if (o->root && d->root)
			return set_err(err, errlen, EINVAL, "A root block device already exists! "
				       "(drive %s)", o->id);
		same_file = !stat(o->opt.path, &a) && !stat(d->opt.path, &b) &&
			    a.st_dev == b.st_dev && a.st_ino == b.st_ino;
		if (same_file || !strcmp(o->opt.path, d->opt.path))
			return set_err(err, errlen, EINVAL, "path_on_host %s is drive %s already.",
				       d->opt.path, o->id);
	}
	if (*slot == VM_MAX_DISKS)
		return set_err(err, errlen, ENOSPC, "at most %d drives.", VM_MAX_DISKS);
	return 0;
}

void put_drive(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct vmm_api *api = ctx;
	struct vmm_api_drive d = { 0 };
	char err[VMM_API_ERR_MAX];
	unsigned slot;
	json_t *o;
	int ret = device_body(api, req, drive_fields, "drive_id", &o, err, sizeof(err));

	if (!ret) {
		snprintf(d.id, sizeof(d.id), "%s", req->params[0]);
		ret = parse_drive(o, &d, err, sizeof(err));
	}
	if (!ret)
		ret = drive_slot(api, &d, &slot, err, sizeof(err));
	if (!ret) {
		api->drives[slot] = d;
		if (slot == api->ndrives)
			api->ndrives++;
	}
	reply__finish(api, resp, o, ret, err);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Six hex pairs separated by ':'; a multicast or all-zero address cannot be a NIC's. */
static int parse_mac(const char *s, u8 mac[6], char *err, size_t errlen)
{
	bool ok = strlen(s) == 17;

	for (int i = 0; ok && i < 6; i++) {
		int hi = hex_digit(s[i * 3]), lo = hex_digit(s[i * 3 + 1]);

		ok = hi >= 0 && lo >= 0 && (i == 5 || s[i * 3 + 2] == ':');
		mac[i] = ok ? (u8)(hi << 4 | lo) : 0;	/* hi or lo may be -1 */
	}
	if (!ok)
		return set_err(err, errlen, EINVAL, "guest_mac \"%.40s\" is not a MAC address "
			       "(six hex pairs separated by ':').", s);
	if (mac[0] & 1)
		return set_err(err, errlen, EINVAL, "guest_mac %s is a multicast address.", s);
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
		return set_err(err, errlen, EINVAL, "guest_mac %s is all zero.", s);
	return 0;
}

static int check_tap_name(const char *name, char *err, size_t errlen)
{
	char path[64];
	struct stat sb;

	/* A tap descriptor the VMM was started with: tap__open checks it (TUNGETIFF). */
	if (path_passed_fd(name) >= 0 && strlen(name) < sizeof(((struct net_option *)0)->tap))
		return 0;
	if (!*name || strlen(name) >= sizeof(((struct net_option *)0)->tap) ||
	    strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return set_err(err, errlen, EINVAL, "host_dev_name \"%.40s\" is not a network "
			       "interface name (1 to 15 characters, no '/').", name);
	snprintf(path, sizeof(path), "/sys/class/net/%s", name);
	if (stat(path, &sb))
		return set_err(err, errlen, ENODEV, "host_dev_name %s: no such network device "
			       "(create the tap first, e.g. ip tuntap add %s mode tap).", name,
			       name);
	return 0;
}

static int parse_iface(json_t *o, struct vmm_api_iface *f, char *err, size_t errlen)
{
	const char *tap = NULL, *mac = NULL;
	int ret;

	ret = body__string(o, "host_dev_name", &tap, err, errlen);
	if (ret)
		return ret < 0 ? ret : body__missing("host_dev_name", err, errlen);
	if (body__string(o, "guest_mac", &mac, err, errlen) < 0 ||
	    body__unsupported(o, "rx_rate_limiter", "there are no rate limiters", err, errlen) ||
	    body__unsupported(o, "tx_rate_limiter", "there are no rate limiters", err, errlen) ||
	    body__unsupported(o, "mtu", "the guest chooses its MTU", err, errlen))
		return -EINVAL;
	ret = check_tap_name(tap, err, errlen);
	if (!ret && mac)
		ret = parse_mac(mac, f->opt.mac, err, errlen);
	if (ret)
		return ret;
	snprintf(f->opt.tap, sizeof(f->opt.tap), "%s", tap);
	f->opt.mac_set = mac != NULL;
	return 0;
}

static int iface_slot(struct vmm_api *api, const struct vmm_api_iface *f, unsigned *slot,
		      char *err, size_t errlen)
{
	*slot = api->nifaces;
	for (unsigned i = 0; i < api->nifaces; i++) {
		const struct vmm_api_iface *o = &api->ifaces[i];

		if (!strcmp(o->id, f->id)) {
			*slot = i;
			continue;
		}
		if (!strcmp(o->opt.tap, f->opt.tap))
			return set_err(err, errlen, EINVAL,
				       "host_dev_name %s is interface %s already.", f->opt.tap,
				       o->id);
		if (f->opt.mac_set && o->opt.mac_set && !memcmp(o->opt.mac, f->opt.mac, 6))
			return set_err(err, errlen, EINVAL, "The MAC address is already in use "
				       "(interface %s).", o->id);
	}
	if (*slot == VM_MAX_NETS)
		return set_err(err, errlen, ENOSPC, "at most %d network interfaces.", VM_MAX_NETS);
	return 0;
}

void put_iface(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct vmm_api *api = ctx;
	struct vmm_api_iface f = { 0 };
	char err[VMM_API_ERR_MAX];
	unsigned slot;
	json_t *o;
	int ret = device_body(api, req, iface_fields, "iface_id", &o, err, sizeof(err));

	if (!ret) {
		snprintf(f.id, sizeof(f.id), "%s", req->params[0]);
		ret = parse_iface(o, &f, err, sizeof(err));
	}
	if (!ret)
		ret = iface_slot(api, &f, &slot, err, sizeof(err));
	if (!ret) {
		api->ifaces[slot] = f;
		if (slot == api->nifaces)
			api->nifaces++;
	}
	reply__finish(api, resp, o, ret, err);
}

/* Firecracker's post-boot updates (a drive's backing file, rate limiters): not here. */
static void refuse_patch(struct vmm_api *api, struct http_response *resp, const char *what)
{
	char msg[VMM_API_ERR_MAX];

	pthread_mutex_lock(&api->lock);
	if (api->state == VMM_NOT_STARTED) {
		reply__fault(resp, 400, MSG_BEFORE_START);
	} else {
		snprintf(msg, sizeof(msg), "Updating %s after the start is not supported by "
			 "nestvisor.", what);
		reply__fault(resp, 400, msg);
	}
	pthread_mutex_unlock(&api->lock);
}

void patch_drive(const struct http_request *req, struct http_response *resp, void *ctx)
{
	refuse_patch(ctx, resp, "a drive");
}

void patch_iface(const struct http_request *req, struct http_response *resp, void *ctx)
{
	refuse_patch(ctx, resp, "a network interface");
}

json_t *drives__json(const struct vmm_api *api)
{
	json_t *a = json_array();

	for (unsigned i = 0; a && i < api->ndrives; i++) {
		const struct vmm_api_drive *d = &api->drives[i];
		json_t *o = json_pack("{s:s, s:s, s:b, s:b}", "drive_id", d->id, "path_on_host",
				      d->opt.path, "is_root_device", d->root, "is_read_only",
				      d->opt.readonly);

		if (o && d->partuuid[0])
			json_object_set_new(o, "partuuid", json_string(d->partuuid));
		json_array_append_new(a, o);
	}
	return a;
}

json_t *ifaces__json(const struct vmm_api *api)
{
	json_t *a = json_array();
	char mac[18];

	for (unsigned i = 0; a && i < api->nifaces; i++) {
		const struct vmm_api_iface *f = &api->ifaces[i];
		json_t *o = json_pack("{s:s, s:s}", "iface_id", f->id, "host_dev_name", f->opt.tap);

		if (o && f->opt.mac_set) {
			snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", f->opt.mac[0],
				 f->opt.mac[1], f->opt.mac[2], f->opt.mac[3], f->opt.mac[4],
				 f->opt.mac[5]);
			json_object_set_new(o, "guest_mac", json_string(mac));
		}
		json_array_append_new(a, o);
	}
	return a;
}
