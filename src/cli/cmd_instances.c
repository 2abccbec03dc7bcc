/*
 * `nestvisor instances create|list|describe|delete|start|stop|reset|update|
 * get-serial-port-output|connect-to-serial-port`, in the cloud CLI's style.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_common.h"
#include "cli/commands.h"

static void usage(void)
{
	printf("usage: nestvisor instances create NAME --project P --machine-type TYPE --image IMAGE\n"
	       "           [--enable-nested-virtualization] [--min-cpu-platform PLATFORM]\n"
	       "           [--metadata KEY=VALUE[,KEY=VALUE...]] [--disk source=PATH[,boot=yes]"
	       "[,mode=ro]]...\n"
	       "           [--network-interface host-dev=TAP[,mac=MAC]]... [--async]\n"
	       "       nestvisor instances list --project P\n"
	       "       nestvisor instances describe NAME --project P\n"
	       "       nestvisor instances delete NAME --project P [--async]\n"
	       "       nestvisor instances start|stop|reset NAME --project P [--async]\n"
	       "       nestvisor instances update NAME --project P [--machine-type TYPE]\n"
	       "           [--enable-nested-virtualization | --no-enable-nested-virtualization]\n"
	       "           [--min-cpu-platform PLATFORM]   (a TERMINATED instance only)\n"
	       "       nestvisor instances get-serial-port-output NAME --project P [--start BYTE]\n"
	       "       nestvisor instances connect-to-serial-port NAME --project P [--timeout S]\n"
	       "           (on a terminal: raw mode, Ctrl-] quits; otherwise stdin until EOF, then\n"
	       "           the output until it is quiet for 2 s; --timeout S ends it after S s)\n"
	       "options: --format json|table, --timeout SECONDS (waiting), --help\n"
	       "Machine types: 'nestvisor machine-types list'; custom-CPUS-MEMORYMB too.\n");
}

struct args {
	const char *verb, *name, *project, *mt, *image, *platform, *start;
	bool nested, nested_given;	/* --[no-]enable-nested-virtualization */
	json_t *disks, *nics, *meta;
	struct cli_opts o;
};

/* "k=v,k=v" into an object; false on a malformed pair. */
static bool pairs(const char *s, json_t *obj)
{
	char *copy = strdup(s), *save = NULL;
	bool ok = copy != NULL;

	for (char *tok = strtok_r(copy, ",", &save); ok && tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		ok = eq && eq != tok;
		if (ok) {
			*eq = '\0';
			json_object_set_new(obj, tok, json_string(eq + 1));
		}
	}
	free(copy);
	return ok;
}

static int add_disk(struct args *a, const char *spec)
{
	json_t *kv = json_object(), *d;
	const char *boot, *mode;

	if (!pairs(spec, kv) || !json_object_get(kv, "source")) {
		json_decref(kv);
		return cli__usage_error("instances", "--disk wants source=PATH[,boot=yes][,mode=ro]");
	}
	boot = cli__s(kv, "boot");
	mode = cli__s(kv, "mode");
	d = json_pack("{s:O,s:b,s:b}", "source", json_object_get(kv, "source"), "boot",
		      !strcmp(boot, "yes") || !strcmp(boot, "true"), "readOnly", !strcmp(mode, "ro"));
	json_array_append_new(a->disks, d);
	json_decref(kv);
	return 0;
}

static int add_nic(struct args *a, const char *spec)
{
	json_t *kv = json_object(), *n;

	if (!pairs(spec, kv) || !json_object_get(kv, "host-dev")) {
		json_decref(kv);
		return cli__usage_error("instances", "--network-interface wants host-dev=TAP[,mac=MAC]");
	}
	n = json_pack("{s:O}", "hostDevName", json_object_get(kv, "host-dev"));
	if (json_object_get(kv, "mac"))
		json_object_set(n, "mac", json_object_get(kv, "mac"));
	json_array_append_new(a->nics, n);
	json_decref(kv);
	return 0;
}

static int add_meta(struct args *a, const char *spec)
{
	json_t *kv = json_object();
	const char *key;
	json_t *v;

	if (!pairs(spec, kv)) {
		json_decref(kv);
		return cli__usage_error("instances", "--metadata wants KEY=VALUE[,KEY=VALUE...]");
	}
	json_object_foreach(kv, key, v)
		json_array_append_new(a->meta, json_pack("{s:s,s:O}", "key", key, "value", v));
	json_decref(kv);
	return 0;
}

/* Options with a value; 1 when argv[*i] was one, 0 when not, EXIT_USAGE on misuse. */
static int value_opt(void *args, int argc, char **argv, int *i)
{
	struct args *a = args;
	static const char *const names[] = { "--project", "--machine-type", "--image",
					     "--min-cpu-platform", "--disk", "--network-interface",
					     "--metadata", "--start" };
	const char **slots[] = { &a->project, &a->mt, &a->image, &a->platform };
	const char *v;

	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		if (strcmp(argv[*i], names[k]))
			continue;
		if (!(v = cli__optarg(argc, argv, i)))
			return EXIT_USAGE;
		if (k < 4 || k == 7) {
			*(k == 7 ? &a->start : slots[k]) = v;
			return 1;
		}
		return (k == 4 ? add_disk(a, v) : k == 5 ? add_nic(a, v) : add_meta(a, v)) ?: 1;
	}
	return 0;
}

static int parse(int argc, char **argv, struct args *a)
{
	for (int i = 1; i < argc; i++) {
		int c = cli__take_opt(argc, argv, &i, &a->o, value_opt, a);

		if (c == EXIT_USAGE)
			return EXIT_USAGE;
		if (c)
			continue;
		if (!strcmp(argv[i], "--enable-nested-virtualization") ||
		    !strcmp(argv[i], "--no-enable-nested-virtualization")) {
			a->nested = argv[i][2] == 'e';
			a->nested_given = true;
		} else if (!strncmp(argv[i], "--", 2))
			return cli__usage_error("instances", "unknown option '%s'", argv[i]);
		else if (!a->verb)
			a->verb = argv[i];
		else if (!a->name)
			a->name = argv[i];
		else
			return cli__usage_error("instances", "unexpected argument '%s'", argv[i]);
	}
	if (!a->verb)
		return cli__usage_error("instances", "say what to do: create, list, describe, delete, "
					"start, stop, reset, update, get-serial-port-output, "
					"connect-to-serial-port");
	if (!a->project || !cli__path_safe(a->project))
		return cli__usage_error("instances", "--project PROJECT is required");
	return 0;
}

static int create(struct args *a, const char *path)
{
	char msg[256];
	json_t *body;
	int ret;

	if (!a->mt || !a->image)
		return cli__usage_error("instances", "create needs --machine-type and --image");
	body = json_pack("{s:s,s:s,s:s,s:{s:b},s:O,s:O,s:{s:O}}", "name", a->name, "machineType",
			 a->mt, "image", a->image, "advancedMachineFeatures",
			 "enableNestedVirtualization", a->nested, "disks", a->disks,
			 "networkInterfaces", a->nics, "metadata", "items", a->meta);
	if (a->platform)
		json_object_set_new(body, "minCpuPlatform", json_string(a->platform));
	snprintf(msg, sizeof(msg), "Created instance %s in project %s (see 'nestvisor instances "
		 "describe %s --project %s' for its status).", a->name, a->project, a->name,
		 a->project);
	ret = cli__mutate("POST", path, body, &a->o, msg);
	json_decref(body);
	return ret;
}

static int update(struct args *a, const char *path)
{
	char msg[200];
	json_t *body = json_object();
	int ret;

	if (a->mt)
		json_object_set_new(body, "machineType", json_string(a->mt));
	if (a->platform)
		json_object_set_new(body, "minCpuPlatform", json_string(a->platform));
	if (a->nested_given)
		json_object_set_new(body, "advancedMachineFeatures",
				    json_pack("{s:b}", "enableNestedVirtualization", a->nested));
	if (!json_object_size(body)) {
		json_decref(body);
		return cli__usage_error("instances", "update needs --machine-type, "
					"--min-cpu-platform or --[no-]enable-nested-virtualization");
	}
	snprintf(msg, sizeof(msg), "Updated instance %s.", a->name);
	ret = cli__mutate("PATCH", path, body, &a->o, msg);
	json_decref(body);
	return ret;
}

static void print_list(json_t *v)
{
	json_t *items = json_object_get(v, "items"), *it;
	size_t i;

	printf("%-20s %-16s %-18s %-7s %-13s %s\n", "NAME", "MACHINE_TYPE", "IMAGE", "NESTED",
	       "STATUS", "STATUS_MESSAGE");
	json_array_foreach(items, i, it) {
		json_t *amf = json_object_get(it, "advancedMachineFeatures");

		printf("%-20s %-16s %-18s %-7s %-13s %s\n", cli__s(it, "name"),
		       cli__s(it, "machineType"), cli__s(it, "image"),
		       json_is_true(json_object_get(amf, "enableNestedVirtualization")) ? "yes" :
		       "no", cli__s(it, "status"), cli__s(it, "statusMessage"));
	}
}

static int lifecycle(struct args *a, char *path)
{
	static const char *const done[] = { "Started", "Stopped", "Reset" };
	char msg[200];
	int k = !strcmp(a->verb, "start") ? 0 : !strcmp(a->verb, "stop") ? 1 : 2;
	json_t *body = json_object();
	int ret;

	snprintf(path + strlen(path), 256 - strlen(path), "/%s", a->verb);
	snprintf(msg, sizeof(msg), "%s instance %s.", done[k], a->name);
	ret = cli__mutate("POST", path, body, &a->o, msg);
	json_decref(body);
	return ret;
}

static void print_serial(json_t *v)
{
	fputs(cli__s(v, "contents"), stdout);
}

static int serial(struct args *a, char *path
)
{
	if (a->start && strspn(a->start, "0123456789") != strlen(a->start))
		return cli__usage_error("instances", "--start wants a byte offset");
	snprintf(path + strlen(path), 256 - strlen(path), "/serialPort?start=%s",
		 a->start ? a->start : "0");
	return cli__get_show(path, &a->o, print_serial);
}

static int run(struct args *a)
{
	char path[256], msg[200];

	snprintf(path, sizeof(path), "/v1/projects/%s/instances", a->project);
	if (!strcmp(a->verb, "list"))
		return cli__get_show(path, &a->o, print_list);
	if (!a->name)
		return cli__usage_error("instances", "%s needs a NAME", a->verb);
	if (!strcmp(a->verb, "create"))
		return create(a, path);
	if (!cli__path_safe(a->name))
		return cli__usage_error("instances", "'%s' cannot be an instance name", a->name);
	snprintf(path + strlen(path), sizeof(path) - strlen(path), "/%s", a->name);
	if (!strcmp(a->verb, "delete")) {
		snprintf(msg, sizeof(msg), "Deleted instance %s.", a->name);
		return cli__mutate("DELETE", path, NULL, &a->o, msg);
	}
	if (!strcmp(a->verb, "start") || !strcmp(a->verb, "stop") || !strcmp(a->verb, "reset"))
		return lifecycle(a, path);
	if (!strcmp(a->verb, "get-serial-port-output"))
		return serial(a, path);
	if (!strcmp(a->verb, "connect-to-serial-port"))
		return cmd_serial_connect(path, a->name, a->o.timeout_s);
	if (!strcmp(a->verb, "update"))
		return update(a, path);
	if (strcmp(a->verb, "describe"))
		return cli__usage_error("instances", "unknown action '%s'", a->verb);
	/* An instance nests objects: JSON reads better than a flattened table. */
	return cli__get_show(path, &a->o, cli__print_json);
}

int cmd_instances(int argc, char **argv)
{
	struct args a = { .disks = json_array(), .nics = json_array(), .meta = json_array() };
	int ret;

	if (argc > 1 && !strcmp(argv[1], "--help")) {
		usage();
		ret = 0;
	} else {
		ret = parse(argc, argv, &a) ?: run(&a);
	}
	json_decref(a.disks);
	json_decref(a.nics);
	json_decref(a.meta);
	return ret;
}
