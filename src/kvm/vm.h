/* A KVM virtual machine: memory slots, in-kernel irqchip and PIT, IRQ lines. */
#ifndef NV_KVM_VM_H
#define NV_KVM_VM_H

#include <pthread.h>

#include "devices/irq.h"
#include "kvm/kvm.h"
#include "kvm/memory.h"

/* MSI routes take GSIs after the IOAPIC pins; KVM allows up to 4096 routes in all. */
#define VM_MSI_FIRST_GSI	24
#define VM_MSI_GSI_COUNT	1024

struct kvm_vm {
	int fd;
	struct kvm_system *kvm;
	struct irq_sink irq;	/* KVM_IRQ_LINE on the in-kernel PIC and IOAPIC */
	/*
	 * The whole GSI routing table as last given to KVM_SET_GSI_ROUTING: the PC IRQCHIP
	 * routes, then MSI routes. routes_lock guards it and msi_gsi_used; vCPU threads
	 * reprogram MSI-X vectors while device threads may add or remove them.
	 */
	pthread_mutex_t routes_lock;
	bool routes_lock_ready;
	struct kvm_irq_routing *routes;	/* malloc'd, room for routes_cap entries */
	u32 routes_cap;
	u64 msi_gsi_used[VM_MSI_GSI_COUNT / 64];	/* bit i: GSI VM_MSI_FIRST_GSI + i */
};

int vm__create(struct kvm_vm *vm, struct kvm_system *kvm, char *err, size_t errlen) __must_check;
void vm__destroy(struct kvm_vm *vm);

/* One KVM memory slot per guest RAM region. */
int vm__set_memory(struct kvm_vm *vm, const struct guest_memory *mem, char *err, size_t errlen) __must_check;
/* In-kernel PIC + IOAPIC + LAPICs and the PIT; must precede vCPU creation. */
int vm__create_irqchip(struct kvm_vm *vm, char *err, size_t errlen) __must_check;
int vm__irq_line(struct kvm_vm *vm, unsigned irq, int level);

/*
 * Message-signalled interrupts for virtio MSI-X: each vector gets a GSI routed to an MSI
 * (address, data) and an irqfd, so a device thread interrupts the guest with one write(2).
 * vm__msi_route_add returns the GSI (>= 24) or -errno; update re-points it when the guest
 * reprograms the vector; remove frees it. The routing table is kept whole here because
 * KVM_SET_GSI_ROUTING replaces it at every call.
 */
int vm__msi_route_add(struct kvm_vm *vm, u64 address, u32 data) __must_check;
int vm__msi_route_update(struct kvm_vm *vm, int gsi, u64 address, u32 data) __must_check;
void vm__msi_route_remove(struct kvm_vm *vm, int gsi);
/* Attach/detach an eventfd to a GSI (KVM_IRQFD). */
int vm__irqfd_attach(struct kvm_vm *vm, int eventfd, int gsi) __must_check;
void vm__irqfd_detach(struct kvm_vm *vm, int eventfd, int gsi);
/*
 * A write of len bytes (any value) to MMIO address addr signals eventfd in the kernel
 * without exiting to us (KVM_IOEVENTFD); -errno if KVM cannot, and the caller then signals
 * the eventfd from its MMIO handler instead.
 */
int vm__ioeventfd_attach(struct kvm_vm *vm, int eventfd, u64 addr, u32 len) __must_check;
void vm__ioeventfd_detach(struct kvm_vm *vm, int eventfd, u64 addr, u32 len);

#endif
