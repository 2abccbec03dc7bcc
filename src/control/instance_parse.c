/* An instance's JSON body (disks, network interfaces, metadata) into a store_instance, checked. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "control/instance_parse.h"

static bool charset_ok(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr(extra, *s)))
			return false;
	return true;
}

static int parse_disk(json_t *d, int i, struct store_disk *out, char *err, size_t errlen)
{
	static const char *const keys[] = { "source", "boot", "readOnly", NULL };
	char where[32];
	const char *src;
	int ret;

	snprintf(where, sizeof(where), "disks[%d]", i);
	if (!json_is_object(d))
		return set_err(err, errlen, EINVAL, "%s must be an object", where);
	ret = api__check_keys(d, keys, where, err, errlen) ?:
	      api__str(d, "source", true, &src, err, errlen) ?:
	      api__bool(d, "boot", &out->boot, err, errlen) ?:
	      api__bool(d, "readOnly", &out->read_only, err, errlen);
	if (ret)
		return ret;
	if (src[0] != '/' || strlen(src) >= sizeof(out->source))
		return set_err(err, errlen, EINVAL, "%s.source must be an absolute path shorter "
			       "than %zu bytes", where, sizeof(out->source));
	if (access(src, out->read_only ? R_OK : R_OK | W_OK))
		return set_err(err, errlen, EINVAL, "%s.source '%s' cannot be opened: %s", where,
			       src, strerror(errno));
	snprintf(out->source, sizeof(out->source), "%s", src);
	return 0;
}

static bool mac_ok(const char *m)
{
	unsigned v[6];
	char tail;

	return strlen(m) == 17 && sscanf(m, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2],
					 &v[3], &v[4], &v[5], &tail) == 6 && !(v[0] & 1);
}

static int parse_nic(json_t *n, int i, struct store_nic *out, char *err, size_t errlen)
{
	static const char *const keys[] = { "name", "hostDevName", "mac", NULL };
	const char *name, *dev, *mac;
	char where[40];
	int ret;

	snprintf(where, sizeof(where), "networkInterfaces[%d]", i);
	if (!json_is_object(n))
		return set_err(err, errlen, EINVAL, "%s must be an object", where);
	ret = api__check_keys(n, keys, where, err, errlen) ?:
	      api__str(n, "name", false, &name, err, errlen) ?:
	      api__str(n, "hostDevName", true, &dev, err, errlen) ?:
	      api__str(n, "mac", false, &mac, err, errlen);
	if (ret)
		return ret;
	if (!*dev || strlen(dev) >= sizeof(out->host_dev) || !charset_ok(dev, "_.-"))
		return set_err(err, errlen, EINVAL, "%s.hostDevName must be a device name of 1 to "
			       "15 letters, digits, '_', '.' or '-'", where);
	if (*mac && !mac_ok(mac))
		return set_err(err, errlen, EINVAL, "%s.mac '%s' is not a unicast MAC address "
			       "like 52:54:00:12:34:56", where, mac);
	if (*name && (strlen(name) >= sizeof(out->name) || !charset_ok(name, "-")))
		return set_err(err, errlen, EINVAL, "%s.name must be 1 to 15 letters, digits or "
			       "hyphens", where);
	if (*name)
		snprintf(out->name, sizeof(out->name), "%s", name);
	else
		snprintf(out->name, sizeof(out->name), "nic%d", i);
	snprintf(out->host_dev, sizeof(out->host_dev), "%s", dev);
	snprintf(out->mac, sizeof(out->mac), "%s", mac);
	return 0;
}

static int parse_item(json_t *it, int i, struct store_instance *in, char *err, size_t errlen)
{
	static const char *const keys[] = { "key", "value", NULL };
	const char *k, *v;
	char where[32];
	int ret;

	snprintf(where, sizeof(where), "metadata.items[%d]", i);
	if (!json_is_object(it))
		return set_err(err, errlen, EINVAL, "%s must be an object", where);
	ret = api__check_keys(it, keys, where, err, errlen) ?:
	      api__str(it, "key", true, &k, err, errlen) ?:
	      api__str(it, "value", true, &v, err, errlen);
	if (ret)
		return ret;
	if (!*k || strlen(k) >= STORE_META_KEY_LEN || !charset_ok(k, "_-"))
		return set_err(err, errlen, EINVAL, "%s.key must be 1 to %d letters, digits, '_' "
			       "or '-'", where, STORE_META_KEY_LEN - 1);
	if (strlen(v) >= STORE_META_VALUE_LEN)
		return set_err(err, errlen, EINVAL, "%s.value is longer than %d bytes", where,
			       STORE_META_VALUE_LEN - 1);
	for (int j = 0; j < i; j++)
		if (!strcmp(in->meta[j].key, k))
			return set_err(err, errlen, EINVAL, "metadata key '%s' is given twice", k);
	snprintf(in->meta[i].key, sizeof(in->meta[i].key), "%s", k);
	snprintf(in->meta[i].value, sizeof(in->meta[i].value), "%s", v);
	return 0;
}

/* An optional array of at most max elements; *n its size. */
static int array_of(json_t *o, const char *key, size_t max, json_t **arr, int *n,
		    char *err, size_t errlen)
{
	*arr = json_object_get(o, key);
	*n = 0;
	if (!*arr)
		return 0;
	if (!json_is_array(*arr))
		return set_err(err, errlen, EINVAL, "field '%s' must be an array", key);
	if (json_array_size(*arr) > max)
		return set_err(err, errlen, EINVAL, "at most %zu %s are allowed", max, key);
	*n = (int)json_array_size(*arr);
	return 0;
}

static int parse_metadata(json_t *b, struct store_instance *in, char *err, size_t errlen)
{
	static const char *const keys[] = { "items", NULL };
	json_t *md = json_object_get(b, "metadata"), *items;
	int ret = 0, n;

	if (!md)
		return 0;
	if (!json_is_object(md))
		return set_err(err, errlen, EINVAL, "field 'metadata' must be an object with "
			       "'items'");
	ret = api__check_keys(md, keys, "metadata", err, errlen) ?:
	      array_of(md, "items", STORE_MAX_META, &items, &n, err, errlen);
	for (int i = 0; !ret && i < n; i++)
		ret = parse_item(json_array_get(items, (size_t)i), i, in, err, errlen);
	in->nmeta = ret ? 0 : n;
	return ret;
}

int instance_parse__children(json_t *b, struct store_instance *in, char *err, size_t errlen)
{
	json_t *disks, *nics;
	int ret, nd, nn;

	ret = array_of(b, "disks", STORE_MAX_DISKS, &disks, &nd, err, errlen) ?:
	      array_of(b, "networkInterfaces", STORE_MAX_NICS, &nics, &nn, err, errlen);
	for (int i = 0; !ret && i < nd; i++)
		ret = parse_disk(json_array_get(disks, (size_t)i), i, &in->disks[i], err, errlen);
	for (int i = 0; !ret && i < nn; i++)
		ret = parse_nic(json_array_get(nics, (size_t)i), i, &in->nics[i], err, errlen);
	if (ret)
		return ret;
	in->ndisks = nd;
	in->nnics = nn;
	return parse_metadata(b, in, err, errlen);
}

int instance_parse__nested(json_t *b, bool *nested, char *err, size_t errlen)
{
	static const char *const keys[] = { "enableNestedVirtualization", NULL };
	json_t *amf = json_object_get(b, "advancedMachineFeatures");

	*nested = false;
	if (!amf)
		return 0;
	if (!json_is_object(amf))
		return set_err(err, errlen, EINVAL, "field 'advancedMachineFeatures' must be an "
			       "object");
	return api__check_keys(amf, keys, "advancedMachineFeatures", err, errlen) ?:
	       api__bool(amf, "enableNestedVirtualization", nested, err, errlen);
}

json_t *instance_parse__to_json(const struct store_instance *in, const char *project)
{
	json_t *disks = json_array(), *nics = json_array(), *items = json_array(), *o;
	char self[STORE_TEXT_LEN];

	for (int i = 0; i < in->ndisks; i++)
		json_array_append_new(disks, json_pack("{s:o,s:b,s:b}", "source",
				      api__jstr(in->disks[i].source), "boot", in->disks[i].boot,
				      "readOnly", in->disks[i].read_only));
	for (int i = 0; i < in->nnics; i++)
		json_array_append_new(nics, json_pack("{s:s,s:s,s:s}", "name", in->nics[i].name,
				      "hostDevName", in->nics[i].host_dev, "mac", in->nics[i].mac));
	for (int i = 0; i < in->nmeta; i++)
		json_array_append_new(items, json_pack("{s:s,s:o}", "key", in->meta[i].key,
				      "value", api__jstr(in->meta[i].value)));
	snprintf(self, sizeof(self), "projects/%s/instances/%s", project, in->name);
	o = json_pack("{s:s,s:I,s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:{s:b},s:s,s:o,s:o,s:{s:o}}",
		      "name", in->name, "id", (json_int_t)in->id, "project", project, "selfLink",
		      self, "machineType", in->machine_type, "image", in->image, "status",
		      store__status_name(in->status), "statusMessage",
		      api__jstr(in->status_message), "creationTimestamp", api__time(in->created),
		      "advancedMachineFeatures", "enableNestedVirtualization", in->nested,
		      "minCpuPlatform", in->min_cpu_platform[0] ? in->min_cpu_platform : "automatic",
		      "disks", disks, "networkInterfaces", nics, "metadata", "items", items);
	if (o && in->last_start)
		json_object_set_new(o, "lastStartTimestamp", api__time(in->last_start));
	return o;
}
