/* VM-level ioctls. Every failure names the ioctl, since software KVM backends refuse odd ones. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvm/vm.h"
#include "util/log.h"

/* Addresses for the real-mode helpers Intel VMX needs below 4 GiB, clear of the PCI hole users. */
#define VM_TSS_ADDR 0xfeffd000ULL
#define VM_IDENTITY_MAP_ADDR 0xfeffc000ULL

static void irq_set_level(struct irq_sink *sink, unsigned irq, int level)
{
	struct kvm_vm *vm = container_of(sink, struct kvm_vm, irq);

	if (vm__irq_line(vm, irq, level) < 0)
		pr_warn_once("KVM_IRQ_LINE %u failed: %s", irq, strerror(errno));
}

int vm__create(struct kvm_vm *vm, struct kvm_system *kvm, char *err, size_t errlen)
{
	memset(vm, 0, sizeof(*vm));
	vm->kvm = kvm;
	vm->irq.set_level = irq_set_level;
	do {
		vm->fd = ioctl(kvm->fd, KVM_CREATE_VM, 0);
	} while (vm->fd < 0 && errno == EINTR);
	if (vm->fd < 0)
		return set_err(err, errlen, errno, "KVM_CREATE_VM failed: %s", strerror(errno));
	return 0;
}

void vm__destroy(struct kvm_vm *vm)
{
	if (vm->fd > 0)
		close(vm->fd);
	vm->fd = -1;
}

int vm__set_memory(struct kvm_vm *vm, const struct guest_memory *mem, char *err, size_t errlen)
{
	for (unsigned i = 0; i < mem->nregions; i++) {
		struct kvm_userspace_memory_region r = {
			.slot = i,
			.guest_phys_addr = mem->regions[i].gpa,
			.memory_size = mem->regions[i].size,
			.userspace_addr = (u64)(uintptr_t)mem->regions[i].host,
		};

		if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
			return set_err(err, errlen, errno,
				       "KVM_SET_USER_MEMORY_REGION slot %u (%llu MiB at %#llx) failed: %s",
				       i, (unsigned long long)(r.memory_size / MiB),
				       (unsigned long long)r.guest_phys_addr, strerror(errno));
	}
	return 0;
}

#define PC_ISA_IRQS 16
#define PC_IOAPIC_PINS 24

static void add_route(struct kvm_irq_routing *r, u32 gsi, u32 chip, u32 pin)
{
	struct kvm_irq_routing_entry *e = &r->entries[r->nr++];

	*e = (struct kvm_irq_routing_entry){ .gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP };
	e->u.irqchip.irqchip = chip;
	e->u.irqchip.pin = pin;
}

/*
 * KVM's default routing sends GSI 0 (the PIT) to IOAPIC pin 0, but PCs wire it to pin 2 and
 * our MADT and MP table say so (IRQ0 -> GSI 2 override). Without this Linux gets no timer
 * ticks once it switches to the IOAPIC. ISA IRQs also reach the 8259s, for early boot.
 */
static int set_pc_irq_routing(struct kvm_vm *vm, char *err, size_t errlen)
{
	struct kvm_irq_routing *r;
	int ret = 0;

	r = calloc(1, sizeof(*r) + 2 * PC_IOAPIC_PINS * sizeof(r->entries[0]));
	if (!r)
		return set_err(err, errlen, ENOMEM, "out of memory");
	for (u32 irq = 0; irq < PC_ISA_IRQS; irq++)
		if (irq != 2)	/* the cascade */
			add_route(r, irq, irq < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE,
				  irq % 8);
	add_route(r, 0, KVM_IRQCHIP_IOAPIC, 2);
	for (u32 pin = 1; pin < PC_IOAPIC_PINS; pin++)
		if (pin != 2)
			add_route(r, pin, KVM_IRQCHIP_IOAPIC, pin);
	if (ioctl(vm->fd, KVM_SET_GSI_ROUTING, r) < 0)
		ret = set_err(err, errlen, errno, "KVM_SET_GSI_ROUTING failed: %s", strerror(errno));
	free(r);
	return ret;
}

int vm__create_irqchip(struct kvm_vm *vm, char *err, size_t errlen)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	u64 identity = VM_IDENTITY_MAP_ADDR;

	if (ioctl(vm->fd, KVM_SET_TSS_ADDR, VM_TSS_ADDR) < 0)
		return set_err(err, errlen, errno, "KVM_SET_TSS_ADDR failed: %s", strerror(errno));
	if (ioctl(vm->fd, KVM_SET_IDENTITY_MAP_ADDR, &identity) < 0)
		return set_err(err, errlen, errno, "KVM_SET_IDENTITY_MAP_ADDR failed: %s",
			       strerror(errno));
	if (ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return set_err(err, errlen, errno, "KVM_CREATE_IRQCHIP failed: %s", strerror(errno));
	if (ioctl(vm->fd, KVM_CREATE_PIT2, &pit) < 0)
		return set_err(err, errlen, errno, "KVM_CREATE_PIT2 failed: %s", strerror(errno));
	return set_pc_irq_routing(vm, err, errlen);
}

int vm__irq_line(struct kvm_vm *vm, unsigned irq, int level)
{
	struct kvm_irq_level line = { .irq = irq, .level = level };

	return ioctl(vm->fd, KVM_IRQ_LINE, &line);
}
