/*
 * The VM's interrupt plumbing on the real /dev/kvm: GSI routing (PC routes, MSI routes),
 * irqfd and ioeventfd. SKIPs when /dev/kvm cannot make a VM with an irqchip.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "kvm/vm.h"
#include "tap.h"

static struct kvm_system kvm;
static struct kvm_vm vm;
static const char *skip_reason;
static char setup_err[256];

static void setup(void)
{
	if (kvm__open(&kvm, "/dev/kvm", setup_err, sizeof(setup_err)) < 0) {
		skip_reason = setup_err;
		return;
	}
	if (vm__create(&vm, &kvm, setup_err, sizeof(setup_err)) < 0 ||
	    vm__create_irqchip(&vm, setup_err, sizeof(setup_err)) < 0)
		skip_reason = setup_err;
}

static const struct kvm_irq_routing_entry *route_of(int gsi, u32 type)
{
	for (u32 i = 0; i < vm.routes->nr; i++)
		if (vm.routes->entries[i].gsi == (u32)gsi && vm.routes->entries[i].type == type)
			return &vm.routes->entries[i];
	return NULL;
}

static const struct kvm_irq_routing_entry *ioapic_route(int gsi)
{
	for (u32 i = 0; i < vm.routes->nr; i++) {
		const struct kvm_irq_routing_entry *e = &vm.routes->entries[i];

		if (e->gsi == (u32)gsi && e->type == KVM_IRQ_ROUTING_IRQCHIP &&
		    e->u.irqchip.irqchip == KVM_IRQCHIP_IOAPIC)
			return e;
	}
	return NULL;
}

static void test_pc_routes(void)
{
	if (skip_reason) {
		SKIP(skip_reason);
		return;
	}
	/* The PIT's GSI 0 goes to IOAPIC pin 2, as the MADT override says. */
	CHECK(ioapic_route(0) && ioapic_route(0)->u.irqchip.pin == 2);
	for (int gsi = 16; gsi < 24; gsi++) {
		const struct kvm_irq_routing_entry *e = ioapic_route(gsi);

		CHECK(e && e->u.irqchip.pin == (u32)gsi);
	}
	CHECK(!route_of(24, KVM_IRQ_ROUTING_MSI));
}

static void test_msi_routes(void)
{
	int a, b, c;

	if (skip_reason) {
		SKIP(skip_reason);
		return;
	}
	a = vm__msi_route_add(&vm, 0xfee00000, 0x41);
	b = vm__msi_route_add(&vm, 0xfee00000, 0x42);
	CHECK_EQ(a, 24);
	CHECK_EQ(b, 25);
	CHECK(route_of(b, KVM_IRQ_ROUTING_MSI) &&
	      route_of(b, KVM_IRQ_ROUTING_MSI)->u.msi.data == 0x42);
	CHECK_EQ(vm__msi_route_update(&vm, a, 0x1fee01000ULL, 0x43), 0);
	CHECK(route_of(a, KVM_IRQ_ROUTING_MSI)->u.msi.address_lo == 0xfee01000);
	CHECK(route_of(a, KVM_IRQ_ROUTING_MSI)->u.msi.address_hi == 1);
	CHECK_EQ(vm__msi_route_update(&vm, a, 0xfee00000, 0x43), 0);
	CHECK_EQ(vm__msi_route_update(&vm, 300, 0xfee00000, 0x43), -EINVAL);
	CHECK_EQ(vm__msi_route_update(&vm, 16, 0xfee00000, 0x43), -EINVAL);
	vm__msi_route_remove(&vm, a);
	CHECK(!route_of(a, KVM_IRQ_ROUTING_MSI));
	CHECK(route_of(b, KVM_IRQ_ROUTING_MSI));
	/* A freed GSI is the next one handed out. */
	c = vm__msi_route_add(&vm, 0xfee00000, 0x44);
	CHECK_EQ(c, 24);
	vm__msi_route_remove(&vm, b);
	vm__msi_route_remove(&vm, c);
	vm__msi_route_remove(&vm, c);	/* warns, changes nothing */
	CHECK(!route_of(24, KVM_IRQ_ROUTING_MSI) && !route_of(25, KVM_IRQ_ROUTING_MSI));
	CHECK(ioapic_route(23));
}

/* The table grows past its first allocation and every GSI stays distinct. */
static void test_many_msi_routes(void)
{
	int gsis[200];

	if (skip_reason) {
		SKIP(skip_reason);
		return;
	}
	for (int i = 0; i < 200; i++) {
		gsis[i] = vm__msi_route_add(&vm, 0xfee00000, 0x40 + i % 64);
		CHECK_EQ(gsis[i], 24 + i);
	}
	for (int i = 0; i < 200; i++)
		vm__msi_route_remove(&vm, gsis[i]);
	CHECK(!route_of(24, KVM_IRQ_ROUTING_MSI));
	CHECK_EQ(vm__msi_route_add(&vm, 0xfee00000, 0x41), 24);
	vm__msi_route_remove(&vm, 24);
}

static void *hammer(void *arg)
{
	long ok = 0;

	for (int i = 0; i < 200; i++) {
		int gsi = vm__msi_route_add(&vm, 0xfee00000, 0x50);

		if (gsi < 24)
			continue;
		if (vm__msi_route_update(&vm, gsi, 0xfee00000, 0x51 + i % 8) == 0)
			ok++;
		vm__msi_route_remove(&vm, gsi);
	}
	return (void *)ok;
}

/* vCPU threads reprogram vectors while device threads add and remove them. */
static void test_msi_routes_threads(void)
{
	pthread_t t[3];
	long total = 0;

	if (skip_reason) {
		SKIP(skip_reason);
		return;
	}
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, hammer, NULL);
	for (int i = 0; i < 3; i++) {
		void *ok;

		pthread_join(t[i], &ok);
		total += (long)ok;
	}
	CHECK_EQ(total, 600);
	CHECK(!route_of(24, KVM_IRQ_ROUTING_MSI));
	CHECK_EQ(vm.routes->nr, 38);	/* the PC routes: 15 PIC + 23 IOAPIC (no pin 0) */
}

static void test_irqfd(void)
{
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int gsi, ret = -EBUSY;

	if (skip_reason) {
		SKIP(skip_reason);
		return;
	}
	gsi = vm__msi_route_add(&vm, 0xfee00000, 0x41);
	CHECK(gsi >= 24);
	CHECK_EQ(vm__irqfd_attach(&vm, efd, gsi), 0);
	/* KVM refuses the same eventfd twice: proof the first attach took. */
	CHECK_EQ(vm__irqfd_attach(&vm, efd, gsi), -EBUSY);
	CHECK_EQ(vm__msi_route_update(&vm, gsi, 0xfee00000, 0x42), 0);
	vm__irqfd_detach(&vm, efd, gsi);
	/* Deassign is asynchronous in KVM; a re-attach may race it briefly. */
	for (int i = 0; i < 100 && ret == -EBUSY; i++) {
		ret = vm__irqfd_attach(&vm, efd, gsi);
		if (ret == -EBUSY)
			usleep(10000);
	}
	CHECK_EQ(ret, 0);
	vm__irqfd_detach(&vm, efd, gsi);
	vm__msi_route_remove(&vm, gsi);
	CHECK_EQ(vm__irqfd_attach(&vm, -1, 24), -EINVAL);
	close(efd);
}

static void test_ioeventfd(void)
{
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	const u64 addr = 0xc0003000;

	if (skip_reason) {
		SKIP(skip_reason);
		return;
	}
	CHECK_EQ(vm__ioeventfd_attach(&vm, efd, addr, 4), 0);
	CHECK_EQ(vm__ioeventfd_attach(&vm, efd, addr, 4), -EEXIST);
	CHECK_EQ(vm__ioeventfd_attach(&vm, efd, addr + 4, 2), 0);
	vm__ioeventfd_detach(&vm, efd, addr, 4);
	vm__ioeventfd_detach(&vm, efd, addr + 4, 2);
	CHECK_EQ(vm__ioeventfd_attach(&vm, efd, addr, 4), 0);
	vm__ioeventfd_detach(&vm, efd, addr, 4);
	CHECK_EQ(vm__ioeventfd_attach(&vm, efd, addr, 3), -EINVAL);
	close(efd);
}

#define APIC_SVR 0xf0
#define APIC_IRR 0x200

static bool irr_has(int vcpu_fd, unsigned vector)
{
	struct kvm_lapic_state s;
	u32 word;

	if (ioctl(vcpu_fd, KVM_GET_LAPIC, &s) < 0)
		return false;
	memcpy(&word, &s.regs[APIC_IRR + 0x10 * (vector / 32)], 4);
	return word & (1u << (vector % 32));
}

static bool wait_irr(int vcpu_fd, unsigned vector)
{
	for (int i = 0; i < 200; i++) {
		if (irr_has(vcpu_fd, vector))
			return true;
		usleep(5000);
	}
	return false;
}

/* Software-enables vCPU 0's LAPIC, which drops fixed interrupts while disabled. */
static int enable_lapic(int vcpu_fd)
{
	struct kvm_lapic_state s;
	u32 svr = 0x1ff;

	if (ioctl(vcpu_fd, KVM_GET_LAPIC, &s) < 0)
		return -errno;
	memcpy(&s.regs[APIC_SVR], &svr, 4);
	return ioctl(vcpu_fd, KVM_SET_LAPIC, &s) < 0 ? -errno : 0;
}

/* One write(2) on the eventfd sets the routed vector in the LAPIC's IRR; update re-points it. */
static void test_msi_delivered(void)
{
	int efd = eventfd(0, EFD_CLOEXEC), vcpu_fd, gsi;
	u64 one = 1;

	if (skip_reason) {
		SKIP(skip_reason);
		return;
	}
	vcpu_fd = ioctl(vm.fd, KVM_CREATE_VCPU, 0);
	if (vcpu_fd < 0 || enable_lapic(vcpu_fd) < 0) {
		SKIP("cannot create a vCPU with an enabled LAPIC");
		return;
	}
	gsi = vm__msi_route_add(&vm, 0xfee00000, 0x61);	/* dest APIC 0, fixed, edge */
	CHECK_EQ(vm__irqfd_attach(&vm, efd, gsi), 0);
	CHECK(!irr_has(vcpu_fd, 0x61));
	CHECK_EQ(write(efd, &one, 8), 8);
	CHECK(wait_irr(vcpu_fd, 0x61));
	CHECK_EQ(vm__msi_route_update(&vm, gsi, 0xfee00000, 0x72), 0);
	CHECK(!irr_has(vcpu_fd, 0x72));
	CHECK_EQ(write(efd, &one, 8), 8);
	CHECK(wait_irr(vcpu_fd, 0x72));
	vm__irqfd_detach(&vm, efd, gsi);
	vm__msi_route_remove(&vm, gsi);
	close(vcpu_fd);
	close(efd);
}

int main(void)
{
	setup();
	RUN(test_pc_routes);
	RUN(test_msi_routes);
	RUN(test_many_msi_routes);
	RUN(test_msi_routes_threads);
	RUN(test_irqfd);
	RUN(test_ioeventfd);
	RUN(test_msi_delivered);
	if (!skip_reason) {
		vm__destroy(&vm);
		kvm__close(&kvm);
	}
	return tap_done();
}
