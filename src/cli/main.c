/* nestvisor: one binary, subcommands. The same static file runs on the host and inside L1. */
#include <stdio.h>
#include <string.h>

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
	{ "version", cmd_version, "print the version" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: nestvisor COMMAND [options]\n\ncommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'nestvisor COMMAND --help' describes a command's options.\n");
}

int main(int argc, char **argv)
{
	log__init_from_env();
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
