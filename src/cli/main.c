/* nestvisor: one binary, subcommands. The same static file runs on the host and inside L1. */
#include <stdio.h>
#include <string.h>

#include "cli/cmd_common.h"
#include "cli/commands.h"
#include "util/log.h"
#include "util/util.h"

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "run", cmd_run, "boot a kernel in a new virtual machine" },
	{ "host-check", cmd_host_check, "can this host offer nested virtualization?" },
	{ "daemon", cmd_daemon, "run the control plane (REST API on a unix socket)" },
	{ "organizations", cmd_orgs, "create, list, describe, delete organizations" },
	{ "orgs", cmd_orgs, "short for organizations" },
	{ "folders", cmd_folders, "create, list, describe, delete folders" },
	{ "projects", cmd_projects, "create, list, describe, delete projects" },
	{ "policy", cmd_policy, "set and describe organization policy constraints" },
	{ "iam", cmd_iam, "who may do what: roles on organizations, folders, projects" },
	{ "instances", cmd_instances, "create, list, describe, delete instances" },
	{ "images", cmd_images, "create, list, describe, delete images" },
	{ "operations", cmd_operations, "describe and wait for operations" },
	{ "machine-types", cmd_machine_types, "list the machine types" },
	{ "version", cmd_version, "print the version" },
};

const char *cli_socket_path;

static void usage(FILE *out)
{
	fprintf(out, "usage: nestvisor COMMAND [options]\n\ncommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-14s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nglobal option (before COMMAND): --socket PATH, the daemon's socket\n"
		"(default: $NESTVISOR_SOCKET, else /run/nestvisor/nestvisor.sock for root,\n"
		"$XDG_RUNTIME_DIR/nestvisor.sock or /tmp/nestvisor-UID/nestvisor.sock otherwise)\n");
	fprintf(out, "\n'nestvisor COMMAND --help' describes a command's options.\n");
}

int main(int argc, char **argv)
{
	log__init_from_env();
	/* The global --socket goes before the command, as in `nestvisor --socket S instances list`. */
	while (argc >= 3 && !strcmp(argv[1], "--socket")) {
		cli_socket_path = argv[2];
		argc -= 2;
		argv += 2;
	}
	if (argc < 2) {
		usage(stderr);
		return 1;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version"))
		return cmd_version(argc - 1, argv + 1);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	pr_err("unknown command '%s' (see nestvisor --help)", argv[1]);
	return 1;
}
