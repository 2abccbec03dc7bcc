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
	pthread_mutex_init(&vm->routes_lock, NULL);
	vm->routes_lock_ready = true;
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
	free(vm->routes);
	vm->routes = NULL;
	vm->routes_cap = 0;
	if (vm->routes_lock_ready)
		pthread_mutex_destroy(&vm->routes_lock);
	vm->routes_lock_ready = false;
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
#define ROUTES_INITIAL_CAP 64

/* Caller holds routes_lock. One more zeroed entry at the end of the table, or NULL. */
static struct kvm_irq_routing_entry *route_slot(struct kvm_vm *vm)
{
	struct kvm_irq_routing_entry *e;

	if (!vm->routes || vm->routes->nr == vm->routes_cap) {
		u32 cap = vm->routes_cap ? 2 * vm->routes_cap : ROUTES_INITIAL_CAP;
		struct kvm_irq_routing *r;

		r = realloc(vm->routes, sizeof(*r) + cap * sizeof(r->entries[0]));
		if (!r)
			return NULL;
		if (!vm->routes)
			memset(r, 0, sizeof(*r));
		vm->routes = r;
		vm->routes_cap = cap;
	}
	e = &vm->routes->entries[vm->routes->nr++];
	memset(e, 0, sizeof(*e));
	return e;
}

static int add_route(struct kvm_vm *vm, u32 gsi, u32 chip, u32 pin)
{
	struct kvm_irq_routing_entry *e = route_slot(vm);

	if (!e)
		return -ENOMEM;
	e->gsi = gsi;
	e->type = KVM_IRQ_ROUTING_IRQCHIP;
	e->u.irqchip.irqchip = chip;
	e->u.irqchip.pin = pin;
	return 0;
}

/* KVM_SET_GSI_ROUTING replaces the kernel's table, so the whole table goes every time. */
static int commit_routes(struct kvm_vm *vm)
{
	if (ioctl(vm->fd, KVM_SET_GSI_ROUTING, vm->routes) < 0)
		return -errno;
	return 0;
}

/*
 * KVM's default routing sends GSI 0 (the PIT) to IOAPIC pin 0, but PCs wire it to pin 2 and
 * our MADT and MP table say so (IRQ0 -> GSI 2 override). Without this Linux gets no timer
 * ticks once it switches to the IOAPIC. ISA IRQs also reach the 8259s, for early boot.
 * GSIs 16-23 (PCI INTx, see the DSDT's _PRT) go to IOAPIC pins 16-23. Any MSI routes made
 * before the irqchip existed could not have been committed, so the table starts afresh.
 */
static int set_pc_irq_routing(struct kvm_vm *vm, char *err, size_t errlen)
{
	int ret = 0;

	pthread_mutex_lock(&vm->routes_lock);
	if (vm->routes)
		vm->routes->nr = 0;
	memset(vm->msi_gsi_used, 0, sizeof(vm->msi_gsi_used));
	for (u32 irq = 0; irq < PC_ISA_IRQS && !ret; irq++)
		if (irq != 2)	/* the cascade */
			ret = add_route(vm, irq, irq < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE,
					irq % 8);
	if (!ret)
		ret = add_route(vm, 0, KVM_IRQCHIP_IOAPIC, 2);
	for (u32 pin = 1; pin < PC_IOAPIC_PINS && !ret; pin++)
		if (pin != 2)
			ret = add_route(vm, pin, KVM_IRQCHIP_IOAPIC, pin);
	if (ret)
		ret = set_err(err, errlen, ENOMEM, "out of memory for the GSI routing table");
	else if ((ret = commit_routes(vm)) < 0)
		ret = set_err(err, errlen, -ret, "KVM_SET_GSI_ROUTING failed: %s", strerror(-ret));
	pthread_mutex_unlock(&vm->routes_lock);
	return ret;
}

static int alloc_msi_gsi(struct kvm_vm *vm)
{
	for (u32 i = 0; i < VM_MSI_GSI_COUNT; i++) {
		u64 bit = 1ULL << (i % 64);

		if (!(vm->msi_gsi_used[i / 64] & bit)) {
			vm->msi_gsi_used[i / 64] |= bit;
			return VM_MSI_FIRST_GSI + i;
		}
	}
	return -ENOSPC;
}

static void free_msi_gsi(struct kvm_vm *vm, int gsi)
{
	u32 i = gsi - VM_MSI_FIRST_GSI;

	vm->msi_gsi_used[i / 64] &= ~(1ULL << (i % 64));
}

/* Index of gsi's MSI route in the table, or -1 (not an MSI GSI of ours). */
static int find_msi(struct kvm_vm *vm, int gsi)
{
	if (!vm->routes || gsi < VM_MSI_FIRST_GSI || gsi >= VM_MSI_FIRST_GSI + VM_MSI_GSI_COUNT)
		return -1;
	for (u32 i = 0; i < vm->routes->nr; i++)
		if (vm->routes->entries[i].type == KVM_IRQ_ROUTING_MSI &&
		    vm->routes->entries[i].gsi == (u32)gsi)
			return i;
	return -1;
}

static void set_msi(struct kvm_irq_routing_entry *e, int gsi, u64 address, u32 data)
{
	memset(e, 0, sizeof(*e));
	e->gsi = gsi;
	e->type = KVM_IRQ_ROUTING_MSI;
	e->u.msi.address_lo = (u32)address;
	e->u.msi.address_hi = (u32)(address >> 32);
	e->u.msi.data = data;
}

int vm__msi_route_add(struct kvm_vm *vm, u64 address, u32 data)
{
	struct kvm_irq_routing_entry *e;
	int gsi, ret;

	pthread_mutex_lock(&vm->routes_lock);
	gsi = alloc_msi_gsi(vm);
	if (gsi < 0) {
		ret = gsi;
		pr_warn_once("no free GSI for an MSI route (%u in use)", VM_MSI_GSI_COUNT);
		goto out;
	}
	e = route_slot(vm);
	ret = e ? 0 : -ENOMEM;
	if (e) {
		set_msi(e, gsi, address, data);
		ret = commit_routes(vm);
		if (ret)
			vm->routes->nr--;
	}
	if (ret) {
		free_msi_gsi(vm, gsi);
		pr_warn_once("KVM_SET_GSI_ROUTING adding an MSI route failed: %s", strerror(-ret));
	}
out:
	pthread_mutex_unlock(&vm->routes_lock);
	return ret ? ret : gsi;
}

/* Cheap when nothing changed: guests rewrite MSI-X entries they only meant to mask. */
int vm__msi_route_update(struct kvm_vm *vm, int gsi, u64 address, u32 data)
{
	struct kvm_irq_routing_entry old, *e;
	int i, ret = 0;

	pthread_mutex_lock(&vm->routes_lock);
	i = find_msi(vm, gsi);
	if (i < 0) {
		ret = -EINVAL;
		goto out;
	}
	e = &vm->routes->entries[i];
	old = *e;
	set_msi(e, gsi, address, data);
	if (!memcmp(&old, e, sizeof(old)))
		goto out;
	ret = commit_routes(vm);
	if (ret) {
		*e = old;
		pr_warn_once("KVM_SET_GSI_ROUTING updating MSI GSI %d failed: %s", gsi, strerror(-ret));
	}
out:
	pthread_mutex_unlock(&vm->routes_lock);
	return ret;
}

void vm__msi_route_remove(struct kvm_vm *vm, int gsi)
{
	int i, ret;

	pthread_mutex_lock(&vm->routes_lock);
	i = find_msi(vm, gsi);
	if (i < 0) {
		pr_warn_once("removing GSI %d, which is no MSI route", gsi);
		goto out;
	}
	vm->routes->entries[i] = vm->routes->entries[--vm->routes->nr];
	free_msi_gsi(vm, gsi);
	/* On failure the kernel keeps a stale route nobody signals; the next change fixes it. */
	ret = commit_routes(vm);
	if (ret)
		pr_warn_once("KVM_SET_GSI_ROUTING removing MSI GSI %d failed: %s", gsi, strerror(-ret));
out:
	pthread_mutex_unlock(&vm->routes_lock);
}

int vm__irqfd_attach(struct kvm_vm *vm, int eventfd, int gsi)
{
	struct kvm_irqfd irqfd = { .fd = eventfd, .gsi = gsi };

	if (gsi < 0 || eventfd < 0)
		return -EINVAL;
	if (ioctl(vm->fd, KVM_IRQFD, &irqfd) < 0) {
		int ret = -errno;

		pr_warn("KVM_IRQFD (fd %d to GSI %d) failed: %s", eventfd, gsi, strerror(-ret));
		return ret;
	}
	return 0;
}

void vm__irqfd_detach(struct kvm_vm *vm, int eventfd, int gsi)
{
	struct kvm_irqfd irqfd = { .fd = eventfd, .gsi = gsi, .flags = KVM_IRQFD_FLAG_DEASSIGN };

	if (gsi >= 0 && eventfd >= 0 && ioctl(vm->fd, KVM_IRQFD, &irqfd) < 0)
		pr_warn("KVM_IRQFD deassign (fd %d from GSI %d) failed: %s", eventfd, gsi,
			strerror(errno));
}

/* The caller has a fallback (signalling from its MMIO handler), so failure is only debug. */
int vm__ioeventfd_attach(struct kvm_vm *vm, int eventfd, u64 addr, u32 len)
{
	struct kvm_ioeventfd io = { .addr = addr, .len = len, .fd = eventfd };

	if (eventfd < 0 || (len != 1 && len != 2 && len != 4 && len != 8))
		return -EINVAL;
	if (ioctl(vm->fd, KVM_IOEVENTFD, &io) < 0) {
		int ret = -errno;

		pr_debug("KVM_IOEVENTFD (%u bytes at %#llx) failed: %s", len,
			 (unsigned long long)addr, strerror(-ret));
		return ret;
	}
	return 0;
}

void vm__ioeventfd_detach(struct kvm_vm *vm, int eventfd, u64 addr, u32 len)
{
	struct kvm_ioeventfd io = {
		.addr = addr, .len = len, .fd = eventfd, .flags = KVM_IOEVENTFD_FLAG_DEASSIGN,
	};

	if (eventfd >= 0 && ioctl(vm->fd, KVM_IOEVENTFD, &io) < 0)
		pr_warn("KVM_IOEVENTFD deassign (%u bytes at %#llx) failed: %s", len,
			(unsigned long long)addr, strerror(errno));
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
