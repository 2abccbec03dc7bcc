/*
 * `nestvisor run`: parse flags, build the machine, run it, exit with the guest's status.
 * With --api-sock the VM's API is served too, and without --kernel it builds the machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "api/vmm_api.h"
#include "cli/commands.h"
#include "cli/run_options.h"
#include "kvm/kvm.h"
#include "util/log.h"
#include "vmm/jail.h"
#include "vmm/machine.h"
#include "vmm/seccomp.h"

static void close_passed(const char *path)
{
	int fd = path_passed_fd(path);

	if (fd >= 0)
		close(fd);
}

/*
 * Descriptors passed as "/dev/fd/N" (--kvm-fd, a daemon's disks and taps) are only where the
 * machine's own duplicates came from: once it is built nothing opens them again (there is no
 * hot-plug), so they are closed: one descriptor per device, not two.
 */
static void close_passed_fds(const struct vm_config *cfg)
{
	close_passed(cfg->kvm_path);
	for (unsigned i = 0; i < cfg->ndisks; i++)
		close_passed(cfg->disks[i].path);
	for (unsigned i = 0; i < cfg->nnets; i++)
		close_passed(cfg->nets[i].tap);
}

static int run_machine(struct machine *m, struct vmm_api_server *srv)
{
	int status;

	close_passed_fds(&m->cfg);	/* what the machine was built with (the API's drives) */
	status = machine__run(m);

	vmm_api_server__detach(srv);	/* before the machine goes away */
	machine__exit(m);
	return status;
}

/*
 * The socket is bound first, so a bad --api-sock fails before any VM exists. With a kernel
 * on the command line the VM is built at once; otherwise InstanceStart builds it.
 */
static int run_with_api(const struct vm_config *cfg, struct machine *m)
{
	struct vmm_api_server *srv;
	char err[512];
	int status;

	if (vmm_api_server__init(&srv, cfg->api_sock, cfg, err, sizeof(err))) {
		pr_err("--api-sock: %s", err);
		return EXIT_VMM_ERROR;
	}
	if (!cfg->kernel_path) {
		status = vmm_api_server__wait_for_start(srv, m);
		if (!status)
			status = run_machine(m, srv);
	} else if (machine__init(m, cfg, err, sizeof(err))) {
		pr_err("%s", err);
		status = EXIT_VMM_ERROR;
	} else if (vmm_api_server__serve_machine(srv, m, err, sizeof(err))) {
		pr_err("%s", err);
		machine__exit(m);
		status = EXIT_VMM_ERROR;
	} else {
		status = run_machine(m, srv);
	}
	vmm_api_server__destroy(srv);
	return status;
}

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
	/* Before any thread exists: each installs its own filter as it starts. */
	if (cfg.seccomp && seccomp__prepare(err, sizeof(err))) {
		pr_err("%s", err);
		return EXIT_VMM_ERROR;
	}
	if (cfg.jail_dir) {
		ret = jail__start(&cfg, &status, err, sizeof(err));
		if (ret < 0)
			pr_err("%s", err);
		if (ret)	/* the parent, or a failure */
			return ret < 0 ? EXIT_VMM_ERROR : status;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		pr_err("out of memory");
		return EXIT_VMM_ERROR;
	}
	if (cfg.api_sock) {
		status = run_with_api(&cfg, m);
	} else if (machine__init(m, &cfg, err, sizeof(err))) {
		pr_err("%s", err);
		status = EXIT_VMM_ERROR;
	} else {
		close_passed_fds(&m->cfg);
		status = machine__run(m);
		machine__exit(m);
	}
	free(m);
	return status;
}

int cmd_version(int argc, char **argv)
{
	printf("nestvisor %s\n", NESTVISOR_VERSION);
	return 0;
}
