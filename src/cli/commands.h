/* Subcommand entry points: each takes argv with argv[0] = the command name. */
#ifndef NV_CLI_COMMANDS_H
#define NV_CLI_COMMANDS_H

#define NESTVISOR_VERSION "0.1.0"

int cmd_run(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_host_check(int argc, char **argv);

#endif
