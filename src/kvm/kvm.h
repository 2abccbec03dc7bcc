/*
 * The /dev/kvm system handle: API version, capabilities and the host-wide tables
 * (supported CPUID, MSR index list) that VM and vCPU setup consult.
 */
#ifndef NV_KVM_KVM_H
#define NV_KVM_KVM_H

#include <linux/kvm.h>

#include "util/util.h"

struct kvm_system {
	int fd;
	int api_version;
	int vcpu_mmap_size;
	unsigned max_vcpus;
	struct kvm_cpuid2 *supported_cpuid;	/* KVM_GET_SUPPORTED_CPUID, malloc'd */
	struct kvm_msr_list *msr_list;		/* KVM_GET_MSR_INDEX_LIST, malloc'd */
};

/*
 * Opens path (normally /dev/kvm) and reads the tables. One line in err on failure.
 * "/dev/fd/N" is not reopened: the open descriptor N (one a jailing daemon passed, see
 * `nestvisor run --kvm-fd`) is duplicated, so no path or permission is needed.
 */
int kvm__open(struct kvm_system *kvm, const char *path, char *err, size_t errlen) __must_check;
void kvm__close(struct kvm_system *kvm);

/* KVM_CHECK_EXTENSION on the system fd: > 0 supported (often a size or count), 0 not, < 0 error. */
int kvm__check_extension(const struct kvm_system *kvm, long cap);
bool kvm__has_msr(const struct kvm_system *kvm, u32 index);

#endif
