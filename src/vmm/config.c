/* Defaults of a VM configuration. */
#include <string.h>

#include "vmm/config.h"

void vm_config__defaults(struct vm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->name = "nestvisor";
	cfg->cmdline = "";
	cfg->ncpus = VM_DEFAULT_CPUS;
	cfg->memory_mib = VM_DEFAULT_MEMORY_MIB;
	cfg->console = CONSOLE_STDIO;
	cfg->kvm_path = "/dev/kvm";
	cfg->rng = true;
	cfg->seccomp = true;
	cfg->jail_uid = JAIL_DEFAULT_ID;
	cfg->jail_gid = JAIL_DEFAULT_ID;
}
