/* `nestvisor organizations|folders|projects create|list|describe|delete`: the hierarchy. */
#include <stdio.h>
#include <string.h>

#include "cli/cmd_common.h"

struct kind {
	const char *cmd;	/* organizations, folders, projects */
	const char *one;	/* organization, ... */
	bool has_parent;
};

static const struct kind orgs = { "organizations", "organization", false };
static const struct kind folders = { "folders", "folder", true };
static const struct kind projects = { "projects", "project", true };

static void usage(const struct kind *k)
{
	printf("usage: nestvisor %s create NAME%s\n"
	       "       nestvisor %s list%s\n"
	       "       nestvisor %s describe NAME\n"
	       "       nestvisor %s delete NAME\n"
	       "options: --format json|table, --async (create, delete), --help\n"
	       "A name: 1-63 lowercase letters, digits or hyphens, a letter first, no hyphen last.\n",
	       k->cmd, k->has_parent ? " (--organization ORG | --folder FOLDER)" : "", k->cmd,
	       k->has_parent ? " [--organization ORG]" : "", k->cmd, k->cmd);
}

static void print_list(json_t *v)
{
	json_t *items = json_object_get(v, "items"), *it;
	size_t i;

	printf("%-24s %-30s %s\n", "NAME", "PARENT", "CREATED");
	json_array_foreach(items, i, it)
		printf("%-24s %-30s %s\n", cli__s(it, "name"),
		       *cli__s(it, "parent") ? cli__s(it, "parent") : "-", cli__s(it, "createTime"));
}

static void print_one(json_t *v)
{
	const char *key;
	json_t *val;

	json_object_foreach(v, key, val)
		if (json_is_string(val))
			printf("%s: %s\n", key, json_string_value(val));
}

struct args {
	const char *verb, *name, *org, *folder;
	struct cli_opts o;
};

static int parse(const struct kind *k, int argc, char **argv, struct args *a)
{
	for (int i = 1; i < argc; i++) {
		int c = cli__common_opt(argc, argv, &i, &a->o);

		if (c < 0)
			return cli__usage_error(k->cmd, "bad value for %s", argv[i - 1]);
		if (c)
			continue;
		if (k->has_parent && !strcmp(argv[i], "--organization")) {
			if (!(a->org = cli__optarg(argc, argv, &i)))
				return EXIT_USAGE;
		} else if (k->has_parent && !strcmp(argv[i], "--folder")) {
			if (!(a->folder = cli__optarg(argc, argv, &i)))
				return EXIT_USAGE;
		} else if (!strncmp(argv[i], "--", 2))
			return cli__usage_error(k->cmd, "unknown option '%s'", argv[i]);
		else if (!a->verb)
			a->verb = argv[i];
		else if (!a->name)
			a->name = argv[i];
		else
			return cli__usage_error(k->cmd, "unexpected argument '%s'", argv[i]);
	}
	if (!a->verb)
		return cli__usage_error(k->cmd, "say what to do: create, list, describe or delete");
	return 0;
}

static int create(const struct kind *k, struct args *a)
{
	char parent[160], path[64], msg[160];
	json_t *body;
	int ret;

	if (k->has_parent && !!a->org == !!a->folder)
		return cli__usage_error(k->cmd, "give exactly one of --organization and --folder");
	snprintf(parent, sizeof(parent), "%s/%s", a->org ? "organizations" : "folders",
		 a->org ? a->org : a->folder ? a->folder : "");
	body = k->has_parent ? json_pack("{s:s,s:s}", "name", a->name, "parent", parent) :
	       json_pack("{s:s}", "name", a->name);
	snprintf(path, sizeof(path), "/v1/%s", k->cmd);
	snprintf(msg, sizeof(msg), "Created %s %s.", k->one, a->name);
	ret = cli__mutate("POST", path, body, &a->o, msg);
	json_decref(body);
	return ret;
}

static int run(const struct kind *k, int argc, char **argv)
{
	struct args a = { 0 };
	char path[256], msg[160], q[96] = "";
	int ret;

	if (argc > 1 && !strcmp(argv[1], "--help")) {
		usage(k);
		return 0;
	}
	ret = parse(k, argc, argv, &a);
	if (ret)
		return ret;
	if (!strcmp(a.verb, "list")) {
		if (a.org && cli__path_safe(a.org))
			snprintf(q, sizeof(q), "?organization=%s", a.org);
		snprintf(path, sizeof(path), "/v1/%s%s", k->cmd, q);
		return cli__get_show(path, &a.o, print_list);
	}
	if (strcmp(a.verb, "create") && strcmp(a.verb, "describe") && strcmp(a.verb, "delete"))
		return cli__usage_error(k->cmd, "unknown action '%s'", a.verb);
	if (!a.name)
		return cli__usage_error(k->cmd, "%s needs a NAME", a.verb);
	if (!strcmp(a.verb, "create"))
		return create(k, &a);
	if (!cli__path_safe(a.name))
		return cli__usage_error(k->cmd, "'%s' cannot be a %s name", a.name, k->one);
	snprintf(path, sizeof(path), "/v1/%s/%s", k->cmd, a.name);
	if (!strcmp(a.verb, "delete")) {
		snprintf(msg, sizeof(msg), "Deleted %s %s.", k->one, a.name);
		return cli__mutate("DELETE", path, NULL, &a.o, msg);
	}
	return cli__get_show(path, &a.o, print_one);
}

int cmd_orgs(int argc, char **argv)
{
	return run(&orgs, argc, argv);
}

int cmd_folders(int argc, char **argv)
{
	return run(&folders, argc, argv);
}

int cmd_projects(int argc, char **argv)
{
	return run(&projects, argc, argv);
}
