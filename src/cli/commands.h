/* Subcommand entry points: each takes argv with argv[0] = the command name. */
#ifndef NV_CLI_COMMANDS_H
#define NV_CLI_COMMANDS_H

#define NESTVISOR_VERSION "0.1.0"

int cmd_run(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_host_check(int argc, char **argv);
/*
 * instances connect-to-serial-port (cmd_serial.c): instance_path is the instance's API path
 * (/v1/projects/P/instances/NAME); timeout_s 0: none. Returns the exit code.
 */
int cmd_serial_connect(const char *instance_path, const char *name, int timeout_s);

#endif
