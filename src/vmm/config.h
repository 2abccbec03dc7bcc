/* What a VM is made of, as the user asked for it: from flags, or built by the API (src/api/vmm_api.h). */
#ifndef NV_VMM_CONFIG_H
#define NV_VMM_CONFIG_H

#include <limits.h>

#include "devices/virtio/blk.h"
#include "devices/virtio/net.h"
#include "util/util.h"

enum console_mode { CONSOLE_STDIO, CONSOLE_NONE, CONSOLE_FILE };

#define VM_MAX_DISKS 8
#define VM_MAX_NETS 4

struct vm_config {
	const char *name;
	const char *kernel_path;
	const char *initrd_path;	/* NULL: none */
	const char *cmdline;
	unsigned ncpus;
	u64 memory_mib;
	enum console_mode console;
	char console_path[PATH_MAX];	/* CONSOLE_FILE */
	char console_socket[108];	/* also a unix socket for one client (console.h); "": none */
	bool nested;
	const char *kvm_path;		/* /dev/kvm unless testing */
	bool rng;			/* virtio-rng */
	unsigned ndisks;
	struct disk_option disks[VM_MAX_DISKS];	/* virtio-blk, in --disk order */
	unsigned nnets;
	struct net_option nets[VM_MAX_NETS];	/* virtio-net, in --net order */
	const char *api_sock;		/* --api-sock: serve the VMM's API there (NULL: none) */
	bool seccomp;			/* --seccomp: per-thread syscall filters (src/vmm/seccomp.h) */
	const char *jail_dir;		/* --jail DIR (src/vmm/jail.h); NULL: no jail */
	u32 jail_uid, jail_gid;		/* --jail-user */
};

#define JAIL_DEFAULT_ID 65534	/* --jail-user by default: nobody / nogroup */
#define VM_DEFAULT_CPUS 1
#define VM_DEFAULT_MEMORY_MIB 256
#define VM_MAX_CPUS 255		/* xAPIC IDs and the MP table hold 8 bits */

void vm_config__defaults(struct vm_config *cfg);

#endif
