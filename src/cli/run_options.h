/* `nestvisor run` flags: parsing into a vm_config, and the --help text. */
#ifndef NV_CLI_RUN_OPTIONS_H
#define NV_CLI_RUN_OPTIONS_H

#include <stdio.h>

#include "vmm/config.h"

#define RUN_OPTIONS_HELP 1

/* Returns 0, RUN_OPTIONS_HELP when --help was given, or -EINVAL with one line in err. */
int run_options__parse(int argc, char **argv, struct vm_config *cfg, char *err, size_t errlen);
void run_options__usage(FILE *out);

#endif
