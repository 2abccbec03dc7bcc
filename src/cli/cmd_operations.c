/* `nestvisor operations describe|wait|list` and `nestvisor machine-types list`. */
#include <stdio.h>
#include <string.h>

#include "cli/cmd_common.h"

static void usage(void)
{
	printf("usage: nestvisor operations describe OPERATION\n"
	       "       nestvisor operations wait OPERATION [--timeout SECONDS]\n"
	       "       nestvisor operations list --project P\n"
	       "wait exits 0 when the operation succeeded, %d when it failed, %d on timeout.\n"
	       "options: --format json|table, --help\n", EXIT_REFUSED, EXIT_TIMEOUT);
}

static void print_op(json_t *op)
{
	json_t *e = json_object_get(op, "error");

	printf("name: %s\noperationType: %s\ntargetLink: %s\nstatus: %s\nprogress: %lld\n",
	       cli__s(op, "name"), cli__s(op, "operationType"), cli__s(op, "targetLink"),
	       cli__s(op, "status"), (long long)json_integer_value(json_object_get(op, "progress")));
	if (e)
		printf("error: %s\n", cli__s(e, "message"));
}

static void print_list(json_t *v)
{
	json_t *items = json_object_get(v, "items"), *it;
	size_t i;

	printf("%-27s %-10s %-8s %s\n", "NAME", "TYPE", "STATUS", "TARGET");
	json_array_foreach(items, i, it)
		printf("%-27s %-10s %-8s %s\n", cli__s(it, "name"), cli__s(it, "operationType"),
		       cli__s(it, "status"), cli__s(it, "targetLink"));
}

static int parse(int argc, char **argv, struct cli_opts *o, const char **verb,
		 const char **name, const char **project)
{
	for (int i = 1; i < argc; i++) {
		int c = cli__common_opt(argc, argv, &i, o);

		if (c < 0)
			return EXIT_USAGE;
		if (c)
			continue;
		if (!strcmp(argv[i], "--project")) {
			if (!(*project = cli__optarg(argc, argv, &i)))
				return EXIT_USAGE;
		} else if (!strncmp(argv[i], "--", 2)) {
			return cli__usage_error("operations", "unknown option '%s'", argv[i]);
		} else if (!*verb) {
			*verb = argv[i];
		} else if (!*name) {
			*name = argv[i];
		} else {
			return cli__usage_error("operations", "unexpected argument '%s'", argv[i]);
		}
	}
	if (!*verb)
		return cli__usage_error("operations", "say what to do: describe, wait or list");
	return 0;
}

static int list(const char *project, const struct cli_opts *o)
{
	char path[160];

	if (!project || !cli__path_safe(project))
		return cli__usage_error("operations", "list needs --project");
	snprintf(path, sizeof(path), "/v1/projects/%s/operations", project);
	return cli__get_show(path, o, print_list);
}

int cmd_operations(int argc, char **argv)
{
	const char *verb = NULL, *name = NULL, *project = NULL;
	struct cli_opts o = { 0 };
	char path[160];
	json_t *v, *done = NULL;
	int ret;

	if (argc > 1 && !strcmp(argv[1], "--help")) {
		usage();
		return 0;
	}
	ret = parse(argc, argv, &o, &verb, &name, &project);
	if (ret || !strcmp(verb, "list"))
		return ret ?: list(project, &o);
	if (!name || !cli__path_safe(name))
		return cli__usage_error("operations", "%s needs an OPERATION name", verb);
	if (strcmp(verb, "describe") && strcmp(verb, "wait"))
		return cli__usage_error("operations", "unknown action '%s'", verb);
	snprintf(path, sizeof(path), "/v1/operations/%s", name);
	ret = cli__call("GET", path, NULL, &v);
	if (ret)
		return ret;
	if (!strcmp(verb, "wait")) {
		ret = cli__wait_op(v, &o, &done);
		json_decref(v);
		v = done;
	}
	if (v)
		cli__show(v, &o, print_op);
	json_decref(v);
	return ret;
}

static void print_types(json_t *v)
{
	json_t *items = json_object_get(v, "items"), *it;
	size_t i;

	printf("%-14s %5s %9s %-7s %s\n", "NAME", "CPUS", "MEMORY_MB", "NESTED", "DESCRIPTION");
	json_array_foreach(items, i, it)
		printf("%-14s %5lld %9lld %-7s %s\n", cli__s(it, "name"),
		       (long long)json_integer_value(json_object_get(it, "guestCpus")),
		       (long long)json_integer_value(json_object_get(it, "memoryMb")),
		       json_is_true(json_object_get(it, "supportsNestedVirtualization")) ? "yes" :
		       "no", cli__s(it, "description"));
	printf("%s\n", cli__s(v, "custom"));
}

int cmd_machine_types(int argc, char **argv)
{
	struct cli_opts o = { 0 };

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			printf("usage: nestvisor machine-types list [--format json|table]\n");
			return 0;
		}
		if (strcmp(argv[i], "list") && cli__common_opt(argc, argv, &i, &o) != 1)
			return cli__usage_error("machine-types", "unexpected argument '%s'",
						argv[i]);
	}
	return cli__get_show("/v1/machineTypes", &o, print_types);
}
