/* `nestvisor images create|list|describe|delete`: a project's images and the public ones. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_common.h"

static void usage(void)
{
	printf("usage: nestvisor images create NAME --project P --kernel FILE [--initrd FILE]\n"
	       "           [--disk FILE] [--family FAMILY] [--description TEXT]\n"
	       "           [--kvm-modules yes|no]\n"
	       "       nestvisor images list [--project P]   (no project: the public catalogue)\n"
	       "       nestvisor images describe NAME [--project P]\n"
	       "       nestvisor images delete NAME --project P\n"
	       "--kvm-modules says whether the image's guest can load kvm_intel/kvm_amd; an\n"
	       "instance with nesting is refused on an image that says no, warned when unknown.\n"
	       "options: --format json|table, --async, --help\n");
}

struct args {
	const char *verb, *name, *project, *kvm;
	json_t *body;
	struct cli_opts o;
};

/* File options become absolute paths: the daemon opens them from its own directory. */
static int value_opt(void *args, int argc, char **argv, int *i)
{
	struct args *a = args;
	static const char *const names[][2] = { { "--kernel", "kernel" }, { "--initrd", "initrd" },
						{ "--disk", "disk" }, { "--family", "family" },
						{ "--description", "description" } };
	char abs[PATH_MAX];
	const char *v;

	if (!strcmp(argv[*i], "--project") || !strcmp(argv[*i], "--kvm-modules")) {
		v = cli__optarg(argc, argv, i);
		*(argv[*i - 1][2] == 'p' ? &a->project : &a->kvm) = v;
		return v ? 1 : EXIT_USAGE;
	}
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		if (strcmp(argv[*i], names[k][0]))
			continue;
		if (!(v = cli__optarg(argc, argv, i)))
			return EXIT_USAGE;
		if (k < 3 && realpath(v, abs))
			v = abs;
		json_object_set_new(a->body, names[k][1], json_string(v));
		return 1;
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
		if (!strncmp(argv[i], "--", 2))
			return cli__usage_error("images", "unknown option '%s'", argv[i]);
		if (!a->verb)
			a->verb = argv[i];
		else if (!a->name)
			a->name = argv[i];
		else
			return cli__usage_error("images", "unexpected argument '%s'", argv[i]);
	}
	if (!a->verb)
		return cli__usage_error("images", "say what to do: create, list, describe, delete");
	if ((a->project && !cli__path_safe(a->project)) || (a->name && !cli__path_safe(a->name) &&
							      strcmp(a->verb, "create")))
		return cli__usage_error("images", "bad project or image name");
	return 0;
}

static void print_list(json_t *v)
{
	json_t *items = json_object_get(v, "items"), *it;
	size_t i;

	printf("%-20s %-12s %-10s %-5s %s\n", "NAME", "FAMILY", "VISIBILITY", "KVM", "KERNEL");
	json_array_foreach(items, i, it) {
		json_t *kvm = json_object_get(it, "kvmModules");

		printf("%-20s %-12s %-10s %-5s %s\n", cli__s(it, "name"), cli__s(it, "family"),
		       cli__s(it, "visibility"), !kvm ? "?" : json_is_true(kvm) ? "yes" : "no",
		       cli__s(it, "kernel"));
	}
}

static int create(struct args *a, const char *path)
{
	char msg[160];

	if (!a->project)
		return cli__usage_error("images", "create needs --project");
	json_object_set_new(a->body, "name", json_string(a->name));
	if (a->kvm && strcmp(a->kvm, "yes") && strcmp(a->kvm, "no"))
		return cli__usage_error("images", "--kvm-modules is yes or no");
	if (a->kvm)
		json_object_set_new(a->body, "kvmModules", json_boolean(!strcmp(a->kvm, "yes")));
	snprintf(msg, sizeof(msg), "Created image %s in project %s.", a->name, a->project);
	return cli__mutate("POST", path, a->body, &a->o, msg);
}

static int run(struct args *a)
{
	char path[256], msg[160];

	if (a->project)
		snprintf(path, sizeof(path), "/v1/projects/%s/images", a->project);
	else
		snprintf(path, sizeof(path), "/v1/images");
	if (!strcmp(a->verb, "list"))
		return cli__get_show(path, &a->o, print_list);
	if (!a->name)
		return cli__usage_error("images", "%s needs a NAME", a->verb);
	if (!strcmp(a->verb, "create"))
		return create(a, path);
	snprintf(path + strlen(path), sizeof(path) - strlen(path), "/%s", a->name);
	if (!strcmp(a->verb, "delete")) {
		if (!a->project)
			return cli__usage_error("images", "delete needs --project");
		snprintf(msg, sizeof(msg), "Deleted image %s.", a->name);
		return cli__mutate("DELETE", path, NULL, &a->o, msg);
	}
	if (strcmp(a->verb, "describe"))
		return cli__usage_error("images", "unknown action '%s'", a->verb);
	return cli__get_show(path, &a->o, cli__print_json);
}

int cmd_images(int argc, char **argv)
{
	struct args a = { .body = json_object() };
	int ret;

	if (argc > 1 && !strcmp(argv[1], "--help")) {
		usage();
		ret = 0;
	} else {
		ret = parse(argc, argv, &a) ?: run(&a);
	}
	json_decref(a.body);
	return ret;
}
