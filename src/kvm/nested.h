/*
 * Can this host offer nested virtualization to a guest? The facts are gathered once from
 * /dev/kvm, /proc/cpuinfo and /sys/module; the verdict is pure logic over them, so unit
 * tests can feed recorded hosts (Intel and AMD, with and without nesting).
 */
#ifndef NV_KVM_NESTED_H
#define NV_KVM_NESTED_H

#include "kvm/cpuid.h"
#include "kvm/kvm.h"

struct nested_facts {
	const char *kvm_path;
	bool kvm_present;
	bool kvm_accessible;
	int kvm_open_errno;
	int api_version;
	enum cpu_vendor vendor;
	char cpu_model[64];
	bool host_has_vmx;		/* /proc/cpuinfo flags of the host itself */
	bool host_has_svm;
	char kvm_module[32];		/* kvm_intel, kvm_amd, or another backend ("" if none) */
	bool kvm_offers_virt;		/* VMX or SVM in KVM_GET_SUPPORTED_CPUID */
	char nested_param_path[64];	/* /sys/module/kvm_{intel,amd}/parameters/nested */
	int nested_param;		/* 1 Y/1, 0 N/0, -1 absent */
	int nested_state_size;		/* KVM_CAP_NESTED_STATE */
	unsigned max_vcpus;
};

/*
 * Gathers the facts. kvm may be an already opened system (its fd is used) or NULL to open
 * kvm_path here. root prefixes /proc and /sys paths (normally "").
 */
void nested__gather(struct nested_facts *f, const struct kvm_system *kvm, const char *kvm_path,
		    const char *root);

/* True when nesting is available; otherwise reason says what is missing and how to fix it. */
bool nested__available(const struct nested_facts *f, char *reason, size_t len);

#endif
