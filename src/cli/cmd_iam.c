/*
 * `nestvisor iam add-binding|remove-binding RESOURCE --member uid:N --role ROLE` and
 * `nestvisor iam get-policy RESOURCE [--effective]`, where RESOURCE is one of
 * --organization ORG, --folder FOLDER, --project PROJECT.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cmd_common.h"

static void usage(void)
{
	printf("usage: nestvisor iam add-binding RESOURCE --member uid:N --role ROLE\n"
	       "       nestvisor iam remove-binding RESOURCE --member uid:N --role ROLE\n"
	       "       nestvisor iam get-policy RESOURCE [--effective]\n"
	       "RESOURCE: --organization ORG | --folder FOLDER | --project PROJECT\n"
	       "ROLE: viewer (read), editor (viewer + instances and images), admin (editor +\n"
	       "policy, IAM, folders and projects below); with or without 'roles/'.\n"
	       "A role holds on the resource and everything below it. root and the daemon's own\n"
	       "user are admin everywhere. --effective lists every binding that applies, with\n"
	       "where it is set. A caller lacking a permission gets exit status 5.\n"
	       "options: --format json|table, --help\n");
}

struct args {
	const char *verb, *coll, *name, *member, *role;
	bool effective;
	struct cli_opts o;
};

static int value_opt(void *args, int argc, char **argv, int *i)
{
	struct args *a = args;

	if (!strcmp(argv[*i], "--member") || !strcmp(argv[*i], "--role")) {
		const char **slot = argv[*i][2] == 'm' ? &a->member : &a->role;

		*slot = cli__optarg(argc, argv, i);
		return *slot ? 1 : -1;
	}
	return cli__resource_opt("iam", argc, argv, i, &a->coll, &a->name);
}

static int parse(int argc, char **argv, struct args *a)
{
	for (int i = 1; i < argc; i++) {
		int c = cli__take_opt(argc, argv, &i, &a->o, value_opt, a);

		if (c == EXIT_USAGE)
			return EXIT_USAGE;
		if (c)
			continue;
		if (!strcmp(argv[i], "--effective"))
			a->effective = true;
		else if (!strncmp(argv[i], "--", 2))
			return cli__usage_error("iam", "unknown option '%s'", argv[i]);
		else if (!a->verb)
			a->verb = argv[i];
		else
			return cli__usage_error("iam", "unexpected argument '%s'", argv[i]);
	}
	if (!a->verb || !a->coll)
		return cli__usage_error("iam", "give an action (add-binding, remove-binding, "
					"get-policy) and a resource");
	if (!cli__path_safe(a->name))
		return cli__usage_error("iam", "bad resource name '%s'", a->name);
	return 0;
}

static void print_row(const char *role, const char *member, const char *source)
{
	printf("%-14s %-12s %s\n", role, member, source);
}

static void print_policy(json_t *v)
{
	json_t *eff = json_object_get(v, "effectiveBindings"), *b, *m;
	size_t i, j;

	print_row("ROLE", "MEMBER", "SOURCE");
	if (eff) {
		json_array_foreach(eff, i, b)
			print_row(cli__s(b, "role"), cli__s(b, "member"), cli__s(b, "source"));
		return;
	}
	json_array_foreach(json_object_get(v, "bindings"), i, b)
		json_array_foreach(json_object_get(b, "members"), j, m)
			print_row(cli__s(b, "role"), json_string_value(m), cli__s(v, "resource"));
}

static int change(struct args *a, const char *path)
{
	char msg[256], full[300];
	bool add = !strcmp(a->verb, "add-binding");
	json_t *body;
	int ret;

	if (!a->member || !a->role)
		return cli__usage_error("iam", "%s needs --member uid:N and --role ROLE", a->verb);
	body = json_pack("{s:s,s:s}", "member", a->member, "role", a->role);
	snprintf(full, sizeof(full), "%s/%s", path, add ? "addBinding" : "removeBinding");
	snprintf(msg, sizeof(msg), "%s %s %s %s on %s/%s.", add ? "Granted" : "Revoked", a->role,
		 add ? "to" : "from", a->member, a->coll, a->name);
	ret = cli__mutate("POST", full, body, &a->o, msg);
	json_decref(body);
	return ret;
}

int cmd_iam(int argc, char **argv)
{
	struct args a = { 0 };
	char path[256];
	int ret;

	if (argc > 1 && !strcmp(argv[1], "--help")) {
		usage();
		return 0;
	}
	ret = parse(argc, argv, &a);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/v1/%s/%s/iamPolicy", a.coll, a.name);
	if (!strcmp(a.verb, "add-binding") || !strcmp(a.verb, "remove-binding"))
		return change(&a, path);
	if (strcmp(a.verb, "get-policy"))
		return cli__usage_error("iam", "unknown action '%s'", a.verb);
	if (a.effective)
		strcat(path, "?effective=true");
	return cli__get_show(path, &a.o, print_policy);
}
