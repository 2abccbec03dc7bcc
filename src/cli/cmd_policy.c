/*
 * `nestvisor policy set CONSTRAINT true|false|inherit RESOURCE` and
 * `nestvisor policy describe CONSTRAINT RESOURCE [--effective]`, where RESOURCE is one of
 * --organization ORG, --folder FOLDER, --project PROJECT.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cmd_common.h"

static void usage(void)
{
	printf("usage: nestvisor policy set CONSTRAINT true|false|inherit RESOURCE\n"
	       "       nestvisor policy describe CONSTRAINT RESOURCE [--effective]\n"
	       "RESOURCE: --organization ORG | --folder FOLDER | --project PROJECT\n"
	       "CONSTRAINT: compute.disableNestedVirtualization (or with 'constraints/')\n"
	       "true forbids instances with nested virtualization below RESOURCE; inherit takes\n"
	       "the parent's setting; nothing set anywhere means not enforced.\n"
	       "options: --format json|table, --async (set), --help\n");
}

struct args {
	const char *verb, *constraint, *value, *coll, *name;
	bool effective;
	struct cli_opts o;
};

static int policy_resource_opt(void *args, int argc, char **argv, int *i)
{
	struct args *a = args;

	return cli__resource_opt("policy", argc, argv, i, &a->coll, &a->name);
}

static int parse(int argc, char **argv, struct args *a)
{
	for (int i = 1; i < argc; i++) {
		int c = cli__take_opt(argc, argv, &i, &a->o, policy_resource_opt, a);

		if (c == EXIT_USAGE)
			return EXIT_USAGE;
		if (c)
			continue;
		if (!strcmp(argv[i], "--effective"))
			a->effective = true;
		else if (!strncmp(argv[i], "--", 2))
			return cli__usage_error("policy", "unknown option '%s'", argv[i]);
		else if (!a->verb)
			a->verb = argv[i];
		else if (!a->constraint)
			a->constraint = argv[i];
		else if (!a->value)
			a->value = argv[i];
		else
			return cli__usage_error("policy", "unexpected argument '%s'", argv[i]);
	}
	if (!a->verb || !a->constraint || !a->coll)
		return cli__usage_error("policy", "give an action, a constraint and a resource");
	if (!strncmp(a->constraint, "constraints/", 12))
		a->constraint += 12;
	if (!cli__path_safe(a->constraint) || !cli__path_safe(a->name))
		return cli__usage_error("policy", "bad constraint or resource name");
	return 0;
}

static void print_policy(json_t *v)
{
	json_t *eff = json_object_get(v, "effectivePolicy");

	printf("constraint: %s\nresource: %s\nsetting: %s\n", cli__s(v, "constraint"),
	       cli__s(v, "resource"), cli__s(v, "setting"));
	if (eff)
		printf("effective: %s (from %s)\n",
		       json_is_true(json_object_get(eff, "enforced")) ? "enforced" : "not enforced",
		       cli__s(eff, "source"));
}

static int set(struct args *a, const char *path)
{
	char msg[256];
	json_t *body;
	int ret;

	if (!a->value)
		return cli__usage_error("policy", "set needs a value: true, false or inherit");
	if (!strcmp(a->value, "inherit"))
		body = json_pack("{s:b}", "inheritFromParent", 1);
	else if (!strcmp(a->value, "true") || !strcmp(a->value, "false"))
		body = json_pack("{s:b}", "enforced", !strcmp(a->value, "true"));
	else
		return cli__usage_error("policy", "'%s' is not true, false or inherit", a->value);
	snprintf(msg, sizeof(msg), "Set constraints/%s to %s on %s/%s.", a->constraint, a->value,
		 a->coll, a->name);
	ret = cli__mutate("PUT", path, body, &a->o, msg);
	json_decref(body);
	return ret;
}

int cmd_policy(int argc, char **argv)
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
	snprintf(path, sizeof(path), "/v1/%s/%s/policies/%s%s", a.coll, a.name, a.constraint,
		 a.effective ? "?effective=true" : "");
	if (!strcmp(a.verb, "set"))
		return set(&a, path);
	if (strcmp(a.verb, "describe"))
		return cli__usage_error("policy", "unknown action '%s'", a.verb);
	return cli__get_show(path, &a.o, print_policy);
}
