/*
 * The VMM's own API (src/api/vmm_api*.c) fed JSON bodies without KVM: every field's checks,
 * Firecracker's messages, the configuration InstanceStart boots, and the state machine
 * (Not started -> Running <-> Paused) over fake VMM operations. The last tests serve it on a
 * real socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/http_client.h"
#include "api/vmm_api_internal.h"
#include "util/log.h"
#include "tap.h"

struct fake_vmm {
	int starts, pauses, resumes, cads;
	int fail;			/* -errno the next call returns */
	struct vm_config started;	/* what start was given (strings copied below) */
	char kernel[256], cmdline[1024];
};

static struct fake_vmm fake;
static struct vmm_api *api;
static char dir[] = "/tmp/nv-test-vmm-api.XXXXXX";
static char kernel[128], initrd[128], disk[4][128];
static int status;
static char body[8192];

static int fake_start(void *opaque, const struct vm_config *cfg, char *err, size_t errlen)
{
	if (fake.fail)
		return set_err(err, errlen, -fake.fail, "fake start failed");
	fake.starts++;
	fake.started = *cfg;
	snprintf(fake.kernel, sizeof(fake.kernel), "%s", cfg->kernel_path);
	snprintf(fake.cmdline, sizeof(fake.cmdline), "%s", cfg->cmdline);
	return 0;
}

static int fake_op(int *counter, char *err, size_t errlen)
{
	if (fake.fail)
		return set_err(err, errlen, -fake.fail, "fake op failed");
	(*counter)++;
	return 0;
}

static int fake_pause(void *o, char *err, size_t errlen) { return fake_op(&fake.pauses, err, errlen); }
static int fake_resume(void *o, char *err, size_t errlen) { return fake_op(&fake.resumes, err, errlen); }
static int fake_cad(void *o, char *err, size_t errlen) { return fake_op(&fake.cads, err, errlen); }

static const struct vmm_api_ops fake_ops = {
	.start = fake_start, .pause = fake_pause, .resume = fake_resume, .ctrl_alt_del = fake_cad,
};

static const struct vmm_api_limits limits = {
	.max_vcpus = 8, .host_mib = 4096, .nested_ok = false,
	.nested_reason = "KVM runs on the kvm_pvm backend",
};

static void new_api_from(const struct vm_config *cfg, bool started, const struct vmm_api_limits *l)
{
	char err[256];

	vmm_api__free(api);
	memset(&fake, 0, sizeof(fake));
	if (vmm_api__new(&api, cfg, started, &fake_ops, NULL, l, err, sizeof(err))) {
		printf("# vmm_api__new: %s\n", err);
		exit(1);
	}
}

static void new_api(void)
{
	struct vm_config cfg;

	vm_config__defaults(&cfg);
	new_api_from(&cfg, false, &limits);
}

/* One request; the status in status, the body in body. */
static int call(const char *method, const char *path, const char *req_body)
{
	struct http_response resp;

	vmm_api__dispatch(api, method, path, req_body, &resp);
	status = resp.status;
	snprintf(body, sizeof(body), "%s", resp.body ? resp.body : "");
	free(resp.body);
	return status;
}

/* The reply was status with {"fault_message": "...needle..."} and nothing else. */
static bool faulted(int want, const char *needle)
{
	json_t *o = json_loads(body, 0, NULL);
	const char *msg = json_string_value(json_object_get(o, "fault_message"));
	bool ok = status == want && msg && json_object_size(o) == 1 && strstr(msg, needle);

	if (!ok)
		printf("#   wanted %d with '%s', got %d %s\n", want, needle, status, body);
	json_decref(o);
	return ok;
}

#define CHECK_FAULT(want, needle, method, path, req_body)                          \
	do {                                                                          \
		call(method, path, req_body);                                         \
		CHECK(faulted(want, needle));                                         \
	} while (0)

#define CHECK_204(method, path, req_body)                                          \
	do {                                                                          \
		if (call(method, path, req_body) != 204)                              \
			printf("#   %s %s: %d %s\n", method, path, status, body);       \
		CHECK_EQ(status, 204);                                                \
	} while (0)

static json_t *get_json(const char *path)
{
	CHECK_EQ(call("GET", path, NULL), 200);
	return json_loads(body, 0, NULL);
}

static void put_kernel(void)
{
	char b[512];

	snprintf(b, sizeof(b), "{\"kernel_image_path\": \"%s\", \"boot_args\": \"quiet\"}", kernel);
	CHECK_204("PUT", "/boot-source", b);
}

static void put_drive_json(const char *id, const char *path, bool root, bool ro)
{
	char url[128], b[512];

	snprintf(url, sizeof(url), "/drives/%s", id);
	snprintf(b, sizeof(b), "{\"drive_id\": \"%s\", \"path_on_host\": \"%s\", "
		 "\"is_root_device\": %s, \"is_read_only\": %s}", id, path, root ? "true" : "false",
		 ro ? "true" : "false");
	CHECK_204("PUT", url, b);
}

static void test_instance_info(void)
{
	json_t *o;

	new_api();
	o = get_json("/");
	CHECK_STR(json_string_value(json_object_get(o, "state")), "Not started");
	CHECK_STR(json_string_value(json_object_get(o, "id")), "nestvisor");
	CHECK_STR(json_string_value(json_object_get(o, "app_name")), "nestvisor");
	CHECK(json_string_value(json_object_get(o, "vmm_version")) != NULL);
	json_decref(o);
	CHECK_STR(vmm_state__name(VMM_PAUSED), "Paused");
	CHECK_STR(vmm_state__name(VMM_RUNNING), "Running");
}

static void test_bad_bodies(void)
{
	new_api();
	CHECK_FAULT(400, "Empty PUT request.", "PUT", "/machine-config", NULL);
	CHECK_FAULT(400, "Empty PATCH request.", "PATCH", "/vm", NULL);
	CHECK_FAULT(400, "An error occurred when deserializing the json body of a request: ",
		    "PUT", "/machine-config", "{\"vcpu_count\": ");
	CHECK_FAULT(400, "expected a JSON object", "PUT", "/machine-config", "[1, 2]");
	CHECK_FAULT(400, "expected a JSON object", "PUT", "/actions", "\"InstanceStart\"");
	CHECK_FAULT(400, "duplicate", "PUT", "/machine-config",
		    "{\"vcpu_count\": 1, \"vcpu_count\": 2, \"mem_size_mib\": 64}");
	CHECK_FAULT(400, "unknown field `ht_enabled`, expected one of `vcpu_count`", "PUT",
		    "/machine-config", "{\"vcpu_count\": 1, \"mem_size_mib\": 64, \"ht_enabled\": false}");
	CHECK_FAULT(400, "unknown field `foo`, expected `action_type`", "PUT", "/actions",
		    "{\"foo\": 1}");
	CHECK_FAULT(404, "no such resource", "GET", "/nothing-here", NULL);
	CHECK_FAULT(405, "not allowed", "DELETE", "/machine-config", NULL);
	CHECK_FAULT(404, "no such resource", "PUT", "/drives", "{}");
}

static void test_machine_config(void)
{
	json_t *o;

	new_api();
	CHECK_204("PUT", "/machine-config", "{\"vcpu_count\": 2, \"mem_size_mib\": 512}");
	o = get_json("/machine-config");
	CHECK_EQ(json_integer_value(json_object_get(o, "vcpu_count")), 2);
	CHECK_EQ(json_integer_value(json_object_get(o, "mem_size_mib")), 512);
	CHECK(json_is_false(json_object_get(o, "smt")));
	CHECK(json_is_false(json_object_get(o, "nested_virtualization")));
	json_decref(o);
	CHECK_FAULT(400, "missing field `vcpu_count`", "PUT", "/machine-config", "{\"mem_size_mib\": 64}");
	CHECK_FAULT(400, "missing field `mem_size_mib`", "PUT", "/machine-config", "{\"vcpu_count\": 1}");
	CHECK_FAULT(400, "invalid type: string \"2\", expected an unsigned integer for `vcpu_count`",
		    "PUT", "/machine-config", "{\"vcpu_count\": \"2\", \"mem_size_mib\": 64}");
	CHECK_FAULT(400, "invalid type: floating point", "PUT", "/machine-config",
		    "{\"vcpu_count\": 1.5, \"mem_size_mib\": 64}");
	CHECK_FAULT(400, "invalid value: integer `-2`", "PUT", "/machine-config",
		    "{\"vcpu_count\": 1, \"mem_size_mib\": -2}");
	CHECK_FAULT(400, "vcpu_count 0 is out of range: this host allows 1 to 8 vCPUs", "PUT",
		    "/machine-config", "{\"vcpu_count\": 0, \"mem_size_mib\": 64}");
	CHECK_FAULT(400, "vcpu_count 9 is out of range", "PUT", "/machine-config",
		    "{\"vcpu_count\": 9, \"mem_size_mib\": 64}");
	CHECK_FAULT(400, "mem_size_mib 0 is out of range", "PUT", "/machine-config",
		    "{\"vcpu_count\": 1, \"mem_size_mib\": 0}");
	CHECK_FAULT(400, "mem_size_mib 4097 is out of range: this host has 4096 MiB", "PUT",
		    "/machine-config", "{\"vcpu_count\": 1, \"mem_size_mib\": 4097}");
	CHECK_FAULT(400, "too big integer", "PUT", "/machine-config",
		    "{\"vcpu_count\": 1, \"mem_size_mib\": 99999999999999999999999}");
	/* A refused body changes nothing. */
	o = get_json("/machine-config");
	CHECK_EQ(json_integer_value(json_object_get(o, "vcpu_count")), 2);
	CHECK_EQ(json_integer_value(json_object_get(o, "mem_size_mib")), 512);
	json_decref(o);
}

static void test_machine_config_extras(void)
{
	struct vmm_api_limits nested_host = limits;

	new_api();
	CHECK_204("PUT", "/machine-config", "{\"vcpu_count\": 1, \"mem_size_mib\": 64, \"smt\": false, "
		  "\"track_dirty_pages\": false, \"cpu_template\": \"None\", \"huge_pages\": \"None\"}");
	CHECK_204("PUT", "/machine-config", "{\"vcpu_count\": 1, \"mem_size_mib\": 64, \"smt\": null}");
	CHECK_FAULT(400, "smt is not supported", "PUT", "/machine-config",
		    "{\"vcpu_count\": 2, \"mem_size_mib\": 64, \"smt\": true}");
	CHECK_FAULT(400, "invalid type: integer `1`, expected a boolean for `smt`", "PUT",
		    "/machine-config", "{\"vcpu_count\": 2, \"mem_size_mib\": 64, \"smt\": 1}");
	CHECK_FAULT(400, "track_dirty_pages is not supported", "PUT", "/machine-config",
		    "{\"vcpu_count\": 2, \"mem_size_mib\": 64, \"track_dirty_pages\": true}");
	CHECK_FAULT(400, "cpu_template \"T2\" is not supported", "PUT", "/machine-config",
		    "{\"vcpu_count\": 2, \"mem_size_mib\": 64, \"cpu_template\": \"T2\"}");
	CHECK_FAULT(400, "huge_pages \"2M\" is not supported", "PUT", "/machine-config",
		    "{\"vcpu_count\": 2, \"mem_size_mib\": 64, \"huge_pages\": \"2M\"}");
	CHECK_FAULT(400, "nested virtualization unavailable: KVM runs on the kvm_pvm backend",
		    "PUT", "/machine-config",
		    "{\"vcpu_count\": 2, \"mem_size_mib\": 64, \"nested_virtualization\": true}");
	CHECK_FAULT(400, "expected a boolean for `nested_virtualization`", "PATCH",
		    "/machine-config", "{\"nested_virtualization\": \"yes\"}");

	nested_host.nested_ok = true;
	new_api_from(&(struct vm_config){ .name = "n", .ncpus = 1, .memory_mib = 64 }, false,
		     &nested_host);
	CHECK_204("PUT", "/machine-config",
		  "{\"vcpu_count\": 2, \"mem_size_mib\": 64, \"nested_virtualization\": true}");
	CHECK(api->cfg.nested);
	CHECK_204("PATCH", "/machine-config", "{\"vcpu_count\": 4}");
	CHECK(api->cfg.nested);		/* PATCH keeps what it does not name */
	CHECK_EQ(api->cfg.ncpus, 4);
	CHECK_EQ(api->cfg.memory_mib, 64);
	CHECK_204("PUT", "/machine-config", "{\"vcpu_count\": 1, \"mem_size_mib\": 128}");
	CHECK(!api->cfg.nested);	/* PUT resets it */
	CHECK_204("PATCH", "/machine-config", "{}");
}

static void test_boot_source(void)
{
	char b[512];
	char longargs[70000];

	new_api();
	CHECK_FAULT(400, "missing field `kernel_image_path`", "PUT", "/boot-source",
		    "{\"boot_args\": \"x\"}");
	CHECK_FAULT(400, "kernel_image_path /no/such/kernel: No such file or directory", "PUT",
		    "/boot-source", "{\"kernel_image_path\": \"/no/such/kernel\"}");
	snprintf(b, sizeof(b), "{\"kernel_image_path\": \"%s\"}", dir);
	CHECK_FAULT(400, "is not a regular file", "PUT", "/boot-source", b);
	CHECK_FAULT(400, "kernel_image_path is empty", "PUT", "/boot-source",
		    "{\"kernel_image_path\": \"\"}");
	snprintf(b, sizeof(b), "{\"kernel_image_path\": \"%s\", \"initrd_path\": \"/no/initrd\"}",
		 kernel);
	CHECK_FAULT(400, "initrd_path /no/initrd: No such file", "PUT", "/boot-source", b);
	snprintf(b, sizeof(b), "{\"kernel_image_path\": \"%s\", \"boot_args\": 7}", kernel);
	CHECK_FAULT(400, "expected a string for `boot_args`", "PUT", "/boot-source", b);
	snprintf(b, sizeof(b), "{\"kernel_image_path\": \"%s\", \"boot_args\": \"a\\u0000b\"}", kernel);
	CHECK_FAULT(400, "NUL", "PUT", "/boot-source", b);
	memset(longargs, 0, sizeof(longargs));
	snprintf(longargs, sizeof(longargs), "{\"kernel_image_path\": \"%s\", \"boot_args\": \"", kernel);
	memset(longargs + strlen(longargs), 'a', 66000);
	strcat(longargs, "\"}");
	CHECK_FAULT(400, "boot_args is longer than", "PUT", "/boot-source", longargs);
	CHECK(!api->kernel);
	snprintf(b, sizeof(b), "{\"kernel_image_path\": \"%s\", \"initrd_path\": \"%s\", "
		 "\"boot_args\": \"console=ttyS0 quiet\"}", kernel, initrd);
	CHECK_204("PUT", "/boot-source", b);
	CHECK_STR(api->kernel, kernel);
	CHECK_STR(api->initrd, initrd);
	CHECK_STR(api->boot_args, "console=ttyS0 quiet");
	/* A second PUT replaces the whole boot source. */
	snprintf(b, sizeof(b), "{\"kernel_image_path\": \"%s\"}", kernel);
	CHECK_204("PUT", "/boot-source", b);
	CHECK(!api->initrd);
	CHECK_STR(api->boot_args, "");
}

static void test_drives(void)
{
	char b[512];

	new_api();
	CHECK_FAULT(400, "API Resource IDs can only contain alphanumeric characters and underscores",
		    "PUT", "/drives/bad-id", "{\"drive_id\": \"bad-id\"}");
	CHECK_FAULT(400, "The id from the path does not match the id from the body!", "PUT",
		    "/drives/a", "{\"drive_id\": \"b\", \"is_root_device\": false}");
	CHECK_FAULT(400, "missing field `drive_id`", "PUT", "/drives/a", "{\"is_root_device\": false}");
	CHECK_FAULT(400, "missing field `is_root_device`", "PUT", "/drives/a", "{\"drive_id\": \"a\"}");
	CHECK_FAULT(400, "missing field `path_on_host`", "PUT", "/drives/a",
		    "{\"drive_id\": \"a\", \"is_root_device\": false}");
	CHECK_FAULT(400, "expected a boolean for `is_root_device`", "PUT", "/drives/a",
		    "{\"drive_id\": \"a\", \"is_root_device\": \"yes\"}");
	CHECK_FAULT(400, "path_on_host /no/disk: No such file or directory", "PUT", "/drives/a",
		    "{\"drive_id\": \"a\", \"path_on_host\": \"/no/disk\", \"is_root_device\": false}");
	snprintf(b, sizeof(b), "{\"drive_id\": \"a\", \"path_on_host\": \"%s\", \"is_root_device\": "
		 "false, \"rate_limiter\": {\"bandwidth\": {\"size\": 1, \"refill_time\": 1}}}", disk[0]);
	CHECK_FAULT(400, "`rate_limiter` is not supported by nestvisor", "PUT", "/drives/a", b);
	snprintf(b, sizeof(b), "{\"drive_id\": \"a\", \"path_on_host\": \"%s\", \"is_root_device\": "
		 "false, \"cache_type\": \"Fast\"}", disk[0]);
	CHECK_FAULT(400, "unknown variant `Fast`, expected `Unsafe` or `Writeback`", "PUT", "/drives/a", b);
	snprintf(b, sizeof(b), "{\"drive_id\": \"a\", \"socket\": \"/tmp/vhost\", \"path_on_host\": "
		 "\"%s\", \"is_root_device\": false}", disk[0]);
	CHECK_FAULT(400, "`socket` is not supported", "PUT", "/drives/a", b);
	snprintf(b, sizeof(b), "{\"drive_id\": \"a\", \"path_on_host\": \"%s\", \"is_root_device\": "
		 "true, \"partuuid\": \"not/a/uuid\"}", disk[0]);
	CHECK_FAULT(400, "partuuid \"not/a/uuid\" may hold hex digits", "PUT", "/drives/a", b);
	snprintf(b, sizeof(b), "{\"drive_id\": \"rootfs\", \"path_on_host\": \"%s\", \"is_root_device\": "
		 "true, \"is_read_only\": false, \"cache_type\": \"Writeback\", \"io_engine\": \"Async\", "
		 "\"rate_limiter\": null}", disk[0]);
	CHECK_204("PUT", "/drives/rootfs", b);
	put_drive_json("data", disk[1], false, true);
	CHECK_EQ(api->ndrives, 2);
	snprintf(b, sizeof(b), "{\"drive_id\": \"other\", \"path_on_host\": \"%s\", \"is_root_device\": true}",
		 disk[2]);
	CHECK_FAULT(400, "A root block device already exists!", "PUT", "/drives/other", b);
	snprintf(b, sizeof(b), "{\"drive_id\": \"other\", \"path_on_host\": \"%s\", \"is_root_device\": false}",
		 disk[1]);
	CHECK_FAULT(400, "is drive data already", "PUT", "/drives/other", b);
	/* The same id again updates it in place. */
	put_drive_json("data", disk[2], false, false);
	CHECK_EQ(api->ndrives, 2);
	CHECK_STR(api->drives[1].opt.path, disk[2]);
	CHECK(!api->drives[1].opt.readonly);
	put_drive_json("rootfs", disk[0], true, true);
	CHECK(api->drives[0].root);
}

static void test_drive_limit_and_serial(void)
{
	char id[32], path[160], body9[512];

	new_api();
	for (int i = 0; i < VM_MAX_DISKS; i++) {
		snprintf(id, sizeof(id), "d%d", i);
		snprintf(path, sizeof(path), "%s/extra%d", dir, i);
		close(open(path, O_CREAT | O_WRONLY, 0600));
		put_drive_json(id, path, false, false);
	}
	snprintf(body9, sizeof(body9), "{\"drive_id\": \"d9\", \"path_on_host\": \"%s\", "
		 "\"is_root_device\": false}", disk[3]);
	CHECK_FAULT(400, "at most 8 drives", "PUT", "/drives/d9", body9);
	new_api();
	put_drive_json("a_drive_id_longer_than_twenty_bytes", disk[0], false, false);
	CHECK_STR(api->drives[0].opt.id, "a_drive_id_longer_th");
	CHECK_STR(api->drives[0].id, "a_drive_id_longer_than_twenty_bytes");
}

static void test_network_interfaces(void)
{
	new_api();
	CHECK_FAULT(400, "The id from the path does not match", "PUT", "/network-interfaces/eth0",
		    "{\"iface_id\": \"eth1\", \"host_dev_name\": \"lo\"}");
	CHECK_FAULT(400, "missing field `host_dev_name`", "PUT", "/network-interfaces/eth0",
		    "{\"iface_id\": \"eth0\"}");
	CHECK_FAULT(400, "host_dev_name nvnosuchtap0: no such network device", "PUT",
		    "/network-interfaces/eth0", "{\"iface_id\": \"eth0\", \"host_dev_name\": \"nvnosuchtap0\"}");
	CHECK_FAULT(400, "is not a network interface name", "PUT", "/network-interfaces/eth0",
		    "{\"iface_id\": \"eth0\", \"host_dev_name\": \"a_name_much_too_long\"}");
	CHECK_FAULT(400, "is not a network interface name", "PUT", "/network-interfaces/eth0",
		    "{\"iface_id\": \"eth0\", \"host_dev_name\": \"../lo\"}");
	CHECK_FAULT(400, "guest_mac \"zz:00:00:00:00:01\" is not a MAC address", "PUT",
		    "/network-interfaces/eth0",
		    "{\"iface_id\": \"eth0\", \"host_dev_name\": \"lo\", \"guest_mac\": \"zz:00:00:00:00:01\"}");
	CHECK_FAULT(400, "is not a MAC address", "PUT", "/network-interfaces/eth0",
		    "{\"iface_id\": \"eth0\", \"host_dev_name\": \"lo\", \"guest_mac\": \"aa:bb:cc:dd:ee\"}");
	CHECK_FAULT(400, "is not a MAC address", "PUT", "/network-interfaces/eth0",
		    "{\"iface_id\": \"eth0\", \"host_dev_name\": \"lo\", \"guest_mac\": \"aa-bb-cc-dd-ee-ff\"}");
	CHECK_FAULT(400, "is a multicast address", "PUT", "/network-interfaces/eth0",
		    "{\"iface_id\": \"eth0\", \"host_dev_name\": \"lo\", \"guest_mac\": \"01:00:5e:00:00:01\"}");
	CHECK_FAULT(400, "is all zero", "PUT", "/network-interfaces/eth0",
		    "{\"iface_id\": \"eth0\", \"host_dev_name\": \"lo\", \"guest_mac\": \"00:00:00:00:00:00\"}");
	CHECK_FAULT(400, "`mtu` is not supported", "PUT", "/network-interfaces/eth0",
		    "{\"iface_id\": \"eth0\", \"host_dev_name\": \"lo\", \"mtu\": 1500}");
	CHECK_FAULT(400, "`tx_rate_limiter` is not supported", "PUT", "/network-interfaces/eth0",
		    "{\"iface_id\": \"eth0\", \"host_dev_name\": \"lo\", \"tx_rate_limiter\": {}}");
	CHECK_204("PUT", "/network-interfaces/eth0",
		  "{\"iface_id\": \"eth0\", \"host_dev_name\": \"lo\", \"guest_mac\": \"AA:FC:00:00:00:01\"}");
	CHECK(api->ifaces[0].opt.mac_set);
	CHECK_EQ(api->ifaces[0].opt.mac[0], 0xaa);
	CHECK_EQ(api->ifaces[0].opt.mac[5], 0x01);
	CHECK_FAULT(400, "host_dev_name lo is interface eth0 already", "PUT", "/network-interfaces/eth1",
		    "{\"iface_id\": \"eth1\", \"host_dev_name\": \"lo\"}");
	CHECK_204("PUT", "/network-interfaces/eth0",
		  "{\"iface_id\": \"eth0\", \"host_dev_name\": \"lo\", \"rx_rate_limiter\": null}");
	CHECK(!api->ifaces[0].opt.mac_set);
	CHECK_EQ(api->nifaces, 1);
}

static void test_build_config(void)
{
	struct vm_config cfg;
	char err[256], b[512];

	new_api();
	CHECK(vmm_api__build_config(api, &cfg, err, sizeof(err)) < 0);
	CHECK(strstr(err, "PUT /boot-source") != NULL);
	put_kernel();
	put_drive_json("data", disk[1], false, true);
	put_drive_json("rootfs", disk[0], true, false);
	CHECK_204("PUT", "/network-interfaces/eth0", "{\"iface_id\": \"eth0\", \"host_dev_name\": \"lo\"}");
	CHECK_EQ(vmm_api__build_config(api, &cfg, err, sizeof(err)), 0);
	CHECK_STR(cfg.kernel_path, kernel);
	CHECK_EQ(cfg.ndisks, 2);
	CHECK_STR(cfg.disks[0].path, disk[0]);	/* the root drive is /dev/vda */
	CHECK_STR(cfg.disks[0].id, "rootfs");
	CHECK(!cfg.disks[0].readonly);
	CHECK_STR(cfg.disks[1].path, disk[1]);
	CHECK(cfg.disks[1].readonly);
	CHECK_EQ(cfg.nnets, 1);
	CHECK_STR(cfg.nets[0].tap, "lo");
	CHECK_STR(cfg.cmdline, "quiet root=/dev/vda rw");
	put_drive_json("rootfs", disk[0], true, true);
	CHECK_EQ(vmm_api__build_config(api, &cfg, err, sizeof(err)), 0);
	CHECK_STR(cfg.cmdline, "quiet root=/dev/vda ro");
	snprintf(b, sizeof(b), "{\"drive_id\": \"rootfs\", \"path_on_host\": \"%s\", \"is_root_device\": "
		 "true, \"partuuid\": \"0eaa91a0-01\"}", disk[0]);
	CHECK_204("PUT", "/drives/rootfs", b);
	CHECK_EQ(vmm_api__build_config(api, &cfg, err, sizeof(err)), 0);
	CHECK_STR(cfg.cmdline, "quiet root=PARTUUID=0eaa91a0-01 rw");
	put_drive_json("rootfs", disk[0], false, false);
	CHECK_EQ(vmm_api__build_config(api, &cfg, err, sizeof(err)), 0);
	CHECK_STR(cfg.cmdline, "quiet");
	CHECK_STR(cfg.disks[0].path, disk[1]);	/* no root: PUT order */
}

static void test_state_machine(void)
{
	json_t *o;

	new_api();
	CHECK_FAULT(400, "The requested operation is not supported before starting the microVM.",
		    "PATCH", "/vm", "{\"state\": \"Paused\"}");
	CHECK_FAULT(400, "not supported before starting", "PUT", "/actions",
		    "{\"action_type\": \"SendCtrlAltDel\"}");
	CHECK_FAULT(400, "Cannot start the microVM: no kernel", "PUT", "/actions",
		    "{\"action_type\": \"InstanceStart\"}");
	put_kernel();
	fake.fail = -ENOEXEC;
	CHECK_FAULT(400, "Cannot start the microVM: fake start failed", "PUT", "/actions",
		    "{\"action_type\": \"InstanceStart\"}");
	CHECK_EQ(vmm_api__state(api), VMM_NOT_STARTED);
	fake.fail = 0;
	CHECK_204("PUT", "/actions", "{\"action_type\": \"InstanceStart\"}");
	CHECK_EQ(fake.starts, 1);
	CHECK_STR(fake.kernel, kernel);
	CHECK_STR(fake.cmdline, "quiet");
	CHECK_EQ(vmm_api__state(api), VMM_RUNNING);
	CHECK_FAULT(400, "The requested operation is not supported after starting the microVM.",
		    "PUT", "/actions", "{\"action_type\": \"InstanceStart\"}");
	CHECK_EQ(fake.starts, 1);
	CHECK_204("PATCH", "/vm", "{\"state\": \"Paused\"}");
	CHECK_EQ(fake.pauses, 1);
	o = get_json("/");
	CHECK_STR(json_string_value(json_object_get(o, "state")), "Paused");
	json_decref(o);
	CHECK_204("PATCH", "/vm", "{\"state\": \"Resumed\"}");
	CHECK_EQ(fake.resumes, 1);
	CHECK_EQ(vmm_api__state(api), VMM_RUNNING);
	CHECK_204("PUT", "/actions", "{\"action_type\": \"SendCtrlAltDel\"}");
	CHECK_EQ(fake.cads, 1);
	CHECK_FAULT(400, "unknown variant `Stopped`, expected `Paused` or `Resumed`", "PATCH", "/vm",
		    "{\"state\": \"Stopped\"}");
	CHECK_FAULT(400, "missing field `state`", "PATCH", "/vm", "{}");
	CHECK_FAULT(400, "unknown variant `Reboot`", "PUT", "/actions", "{\"action_type\": \"Reboot\"}");
	CHECK_FAULT(400, "no metrics", "PUT", "/actions", "{\"action_type\": \"FlushMetrics\"}");
	fake.fail = -EIO;
	CHECK_FAULT(400, "fake op failed", "PATCH", "/vm", "{\"state\": \"Paused\"}");
	CHECK_EQ(vmm_api__state(api), VMM_RUNNING);
}

static void test_pre_boot_only_after_start(void)
{
	char b[512];

	new_api();
	put_kernel();
	CHECK_204("PUT", "/actions", "{\"action_type\": \"InstanceStart\"}");
	CHECK_FAULT(400, "not supported after starting", "PUT", "/machine-config",
		    "{\"vcpu_count\": 1, \"mem_size_mib\": 64}");
	CHECK_FAULT(400, "not supported after starting", "PATCH", "/machine-config", "{\"vcpu_count\": 1}");
	snprintf(b, sizeof(b), "{\"kernel_image_path\": \"%s\"}", kernel);
	CHECK_FAULT(400, "not supported after starting", "PUT", "/boot-source", b);
	snprintf(b, sizeof(b), "{\"drive_id\": \"a\", \"path_on_host\": \"%s\", \"is_root_device\": false}",
		 disk[0]);
	CHECK_FAULT(400, "not supported after starting", "PUT", "/drives/a", b);
	CHECK_FAULT(400, "not supported after starting", "PUT", "/network-interfaces/eth0",
		    "{\"iface_id\": \"eth0\", \"host_dev_name\": \"lo\"}");
	CHECK_FAULT(400, "not supported after starting", "PUT", "/entropy", "{}");
	CHECK_FAULT(400, "Updating a drive after the start is not supported", "PATCH", "/drives/a",
		    "{\"drive_id\": \"a\", \"path_on_host\": \"/x\"}");
	CHECK_EQ(call("GET", "/machine-config", NULL), 200);
	CHECK_EQ(call("GET", "/vm/config", NULL), 200);

	new_api();
	CHECK_FAULT(400, "not supported before starting", "PATCH", "/network-interfaces/eth0",
		    "{\"iface_id\": \"eth0\"}");
}

static void test_started_from_flags(void)
{
	struct vm_config cfg;
	json_t *o, *drives;

	vm_config__defaults(&cfg);
	cfg.kernel_path = kernel;
	cfg.name = "vm7";
	cfg.ndisks = 2;
	snprintf(cfg.disks[0].path, sizeof(cfg.disks[0].path), "%s", disk[0]);
	snprintf(cfg.disks[0].id, sizeof(cfg.disks[0].id), "root_disk");
	snprintf(cfg.disks[1].path, sizeof(cfg.disks[1].path), "%s", disk[1]);
	snprintf(cfg.disks[1].id, sizeof(cfg.disks[1].id), "has space");
	new_api_from(&cfg, true, &limits);
	o = get_json("/");
	CHECK_STR(json_string_value(json_object_get(o, "state")), "Running");
	CHECK_STR(json_string_value(json_object_get(o, "id")), "vm7");
	json_decref(o);
	o = get_json("/vm/config");
	drives = json_object_get(o, "drives");
	CHECK_EQ(json_array_size(drives), 2);
	CHECK_STR(json_string_value(json_object_get(json_array_get(drives, 0), "drive_id")), "root_disk");
	CHECK_STR(json_string_value(json_object_get(json_array_get(drives, 1), "drive_id")), "drive1");
	CHECK_STR(json_string_value(json_object_get(json_object_get(o, "boot-source"),
						    "kernel_image_path")), kernel);
	json_decref(o);
	CHECK_FAULT(400, "not supported after starting", "PUT", "/actions",
		    "{\"action_type\": \"InstanceStart\"}");
}

static void test_vm_config_and_entropy(void)
{
	json_t *o, *ifaces;

	new_api();
	o = get_json("/vm/config");
	CHECK(!json_object_get(o, "boot-source"));
	CHECK(json_is_object(json_object_get(o, "entropy")));
	json_decref(o);
	api->cfg.rng = false;
	CHECK_FAULT(400, "`rate_limiter` is not supported", "PUT", "/entropy",
		    "{\"rate_limiter\": {\"ops\": {\"size\": 1, \"refill_time\": 1}}}");
	CHECK(!api->cfg.rng);
	CHECK_204("PUT", "/entropy", "{}");
	CHECK(api->cfg.rng);
	CHECK_204("PUT", "/network-interfaces/n1",
		  "{\"iface_id\": \"n1\", \"host_dev_name\": \"lo\", \"guest_mac\": \"02:00:00:00:00:0a\"}");
	o = get_json("/vm/config");
	ifaces = json_object_get(o, "network-interfaces");
	CHECK_EQ(json_array_size(ifaces), 1);
	CHECK_STR(json_string_value(json_object_get(json_array_get(ifaces, 0), "guest_mac")),
		  "02:00:00:00:00:0a");
	CHECK_EQ(json_integer_value(json_object_get(json_object_get(o, "machine-config"),
						    "vcpu_count")), 1);
	json_decref(o);
}

static void test_logger(void)
{
	enum log_level saved_level = log_level;
	int saved_stderr = dup(2);
	char path[160], b[512], text[256] = "";
	FILE *f;

	new_api();
	CHECK_FAULT(400, "unknown variant `Loud`", "PUT", "/logger", "{\"level\": \"Loud\"}");
	CHECK_FAULT(400, "log_path /no/such/log: No such file", "PUT", "/logger",
		    "{\"log_path\": \"/no/such/log\"}");
	CHECK_FAULT(400, "expected a boolean for `show_level`", "PUT", "/logger", "{\"show_level\": 1}");
	CHECK_EQ(log_level, saved_level);
	CHECK_204("PUT", "/logger", "{\"level\": \"debug\", \"show_level\": true, \"show_log_origin\": false}");
	CHECK_EQ(log_level, LOG_DEBUG);
	snprintf(path, sizeof(path), "%s/log", dir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	snprintf(b, sizeof(b), "{\"log_path\": \"%s\", \"level\": \"Warning\"}", path);
	CHECK_204("PUT", "/logger", b);
	pr_warn("logger test marker");
	pr_info("not at this level");
	dup2(saved_stderr, 2);
	close(saved_stderr);
	log_level = saved_level;
	f = fopen(path, "r");
	if (f) {
		CHECK(fread(text, 1, sizeof(text) - 1, f) > 0);
		fclose(f);
	}
	CHECK(strstr(text, "logger test marker") != NULL);
	CHECK(!strstr(text, "not at this level"));
}

static void test_error_body(void)
{
	char *s = vmm_api__error_body(400, "a \"quoted\" word");

	CHECK_STR(s, "{\"fault_message\":\"a \\\"quoted\\\" word\"}");
	free(s);
}

/* The real server: socket mode, refusals of the path, and replies through HTTP. */
static void test_server_socket(void)
{
	struct vmm_api_server *srv;
	struct http_client_response r;
	struct vm_config cfg;
	char path[160], err[256];
	struct stat sb;

	vm_config__defaults(&cfg);
	cfg.kernel_path = kernel;
	snprintf(path, sizeof(path), "%s/not-a-socket", dir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	CHECK(vmm_api_server__init(&srv, path, &cfg, err, sizeof(err)) < 0);
	CHECK(strstr(err, "exists and is not a socket") != NULL);
	snprintf(path, sizeof(path), "%s/api.sock", dir);
	if (vmm_api_server__init(&srv, path, &cfg, err, sizeof(err))) {
		printf("# %s\n", err);
		CHECK(0);
		return;
	}
	CHECK(stat(path, &sb) == 0 && S_ISSOCK(sb.st_mode) && (sb.st_mode & 0777) == 0600);
	CHECK_EQ(vmm_api_server__serve_machine(srv, NULL, err, sizeof(err)), 0);
	CHECK_EQ(http_client__request(path, "GET", "/", NULL, 5000, &r, err, sizeof(err)), 0);
	CHECK_EQ(r.status, 200);
	CHECK(strstr(r.body, "\"state\":\"Running\"") != NULL);
	http_client__response_free(&r);
	CHECK_EQ(http_client__request(path, "PATCH", "/vm", "{\"state\": \"Paused\"}", 5000, &r,
				      err, sizeof(err)), 0);
	CHECK_EQ(r.status, 400);	/* no machine behind this server */
	CHECK(strstr(r.body, "{\"fault_message\":\"The microVM has stopped.\"}") != NULL);
	http_client__response_free(&r);
	CHECK_EQ(http_client__request(path, "GET", "/nowhere", NULL, 5000, &r, err, sizeof(err)), 0);
	CHECK_EQ(r.status, 404);
	CHECK(strstr(r.body, "fault_message") != NULL);
	http_client__response_free(&r);
	vmm_api_server__destroy(srv);
	CHECK(stat(path, &sb) < 0 && errno == ENOENT);
}

static void make_file(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
	close(open(out, O_CREAT | O_WRONLY, 0600));
}

int main(void)
{
	char cmd[256];

	if (!mkdtemp(dir))
		return 1;
	make_file(kernel, sizeof(kernel), "vmlinux");
	make_file(initrd, sizeof(initrd), "initrd");
	for (int i = 0; i < 4; i++) {
		char name[16];

		snprintf(name, sizeof(name), "disk%d", i);
		make_file(disk[i], sizeof(disk[i]), name);
	}
	RUN(test_instance_info);
	RUN(test_bad_bodies);
	RUN(test_machine_config);
	RUN(test_machine_config_extras);
	RUN(test_boot_source);
	RUN(test_drives);
	RUN(test_drive_limit_and_serial);
	RUN(test_network_interfaces);
	RUN(test_build_config);
	RUN(test_state_machine);
	RUN(test_pre_boot_only_after_start);
	RUN(test_started_from_flags);
	RUN(test_vm_config_and_entropy);
	RUN(test_logger);
	RUN(test_error_body);
	RUN(test_server_socket);
	vmm_api__free(api);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		printf("# could not remove %s\n", dir);
	return tap_done();
}
