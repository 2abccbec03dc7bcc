/* A KVM virtual machine: memory slots, in-kernel irqchip and PIT, IRQ lines. */
#ifndef NV_KVM_VM_H
#define NV_KVM_VM_H

#include "devices/irq.h"
#include "kvm/kvm.h"
#include "kvm/memory.h"

struct kvm_vm {
	int fd;
	struct kvm_system *kvm;
	struct irq_sink irq;	/* KVM_IRQ_LINE on the in-kernel PIC and IOAPIC */
};

int vm__create(struct kvm_vm *vm, struct kvm_system *kvm, char *err, size_t errlen) __must_check;
void vm__destroy(struct kvm_vm *vm);

/* One KVM memory slot per guest RAM region. */
int vm__set_memory(struct kvm_vm *vm, const struct guest_memory *mem, char *err, size_t errlen) __must_check;
/* In-kernel PIC + IOAPIC + LAPICs and the PIT; must precede vCPU creation. */
int vm__create_irqchip(struct kvm_vm *vm, char *err, size_t errlen) __must_check;
int vm__irq_line(struct kvm_vm *vm, unsigned irq, int level);

#endif
