/* `nestvisor run`: parse flags, build the machine, run it, exit with the guest's status. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/commands.h"
#include "cli/run_options.h"
#include "util/log.h"
#include "vmm/machine.h"

int cmd_run(int argc, char **argv)
{
	struct vm_config cfg;
	struct machine *m;
	char err[512];
	int ret, status;

	ret = run_options__parse(argc, argv, &cfg, err, sizeof(err));
	if (ret == RUN_OPTIONS_HELP) {
		run_options__usage(stdout);
		return 0;
	}
	if (ret) {
		pr_err("%s", err);
		return EXIT_VMM_ERROR;
	}
	m = calloc(1, sizeof(*m));
	if (!m || machine__init(m, &cfg, err, sizeof(err))) {
		pr_err("%s", m ? err : "out of memory");
		free(m);
		return EXIT_VMM_ERROR;
	}
	status = machine__run(m);
	machine__exit(m);
	free(m);
	return status;
}

int cmd_version(int argc, char **argv)
{
	printf("nestvisor %s\n", NESTVISOR_VERSION);
	return 0;
}
