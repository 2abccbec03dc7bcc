/* One KVM vCPU: creation, CPUID/MSR/LAPIC set-up, boot register state, KVM_RUN, register dumps. */
#ifndef NV_KVM_VCPU_H
#define NV_KVM_VCPU_H

#include <stdio.h>

#include "boot/boot.h"
#include "kvm/cpuid.h"
#include "kvm/vm.h"

struct kvm_vcpu {
	int fd;
	unsigned index;
	struct kvm_run *run;	/* shared with KVM: exit information */
	size_t run_size;
};

int vcpu__create(struct kvm_vcpu *vcpu, struct kvm_vm *vm, unsigned index, char *err, size_t errlen) __must_check;
void vcpu__destroy(struct kvm_vcpu *vcpu);

int vcpu__set_cpuid(struct kvm_vcpu *vcpu, const struct kvm_system *kvm,
		    const struct cpuid_policy *policy, char *err, size_t errlen) __must_check;
/* MSRs from msr_policy__build (firmware-like defaults; IA32_FEATURE_CONTROL for nested VMX). */
int vcpu__set_msrs(struct kvm_vcpu *vcpu, const struct kvm_system *kvm, bool nested,
		   char *err, size_t errlen) __must_check;
/* LINT0 = ExtINT, LINT1 = NMI: the virtual-wire set-up firmware leaves for the OS. */
int vcpu__setup_lapic(struct kvm_vcpu *vcpu, char *err, size_t errlen) __must_check;
/* Registers for the boot CPU's first instruction, as the boot protocol in entry requires. */
int vcpu__setup_boot_regs(struct kvm_vcpu *vcpu, const struct boot_entry *entry, char *err, size_t errlen) __must_check;

/* KVM_RUN once. Returns 0, or -errno (-EINTR when kicked). */
int vcpu__run(struct kvm_vcpu *vcpu);
/* Writes general, segment and control registers to out, for crash reports. */
void vcpu__dump_regs(struct kvm_vcpu *vcpu, FILE *out);

#endif
