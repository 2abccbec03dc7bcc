/*
 * Fuzz target: the virtio-pci transport driven by a hostile driver. A real virtio-rng sits
 * behind it (kicks served inline, over real rings in fake guest RAM); KVM is replaced by
 * fake hooks as in tests/unit/test_virtio_pci.c. The input is a list of operations:
 * config-space reads and writes, BAR reads and writes (any width 1-8, past the end too),
 * and stores into guest RAM (descriptors, rings).
 */
#include <errno.h>
#include <stdio.h>

#include "boot/layout.h"
#include "devices/pci.h"
#include "devices/virtio/pci.h"
#include "devices/virtio/rng.h"
#include "fuzz_common.h"

#define SLOT		3
#define RAM_SIZE	(64 * KiB)
#define MAX_OPS		512

enum op { OP_CFG_WRITE, OP_CFG_READ, OP_BAR_WRITE, OP_BAR_READ, OP_RAM, OP_NR };

static u8 ram[RAM_SIZE] __attribute__((aligned(4096)));
static int next_gsi;

static int fake_route_add(struct kvm_vm *vm, u64 address, u32 data)
{
	return next_gsi++;
}

static int fake_route_update(struct kvm_vm *vm, int gsi, u64 address, u32 data)
{
	if (gsi < 24 || gsi >= next_gsi)	/* a route the transport never added */
		abort();
	return 0;
}

static void fake_route_remove(struct kvm_vm *vm, int gsi)
{
	if (gsi < 24 || gsi >= next_gsi)
		abort();
}

static int fake_irqfd_attach(struct kvm_vm *vm, int efd, int gsi)
{
	return efd < 0 ? -EBADF : 0;
}

static void fake_irqfd_detach(struct kvm_vm *vm, int efd, int gsi)
{
}

static int fake_ioeventfd_attach(struct kvm_vm *vm, int efd, u64 addr, u32 len)
{
	return efd < 0 ? -EBADF : 0;
}

static void fake_ioeventfd_detach(struct kvm_vm *vm, int efd, u64 addr, u32 len)
{
}

static const struct virtio_pci_hooks fake_hooks = {
	.msi_route_add = fake_route_add,
	.msi_route_update = fake_route_update,
	.msi_route_remove = fake_route_remove,
	.irqfd_attach = fake_irqfd_attach,
	.irqfd_detach = fake_irqfd_detach,
	.ioeventfd_attach = fake_ioeventfd_attach,
	.ioeventfd_detach = fake_ioeventfd_detach,
};

static void irq_set_level(struct irq_sink *sink, unsigned irq, int level)
{
}

struct machine {
	struct guest_memory mem;
	struct bus pio, mmio;
	struct pci_bus pci;
	struct irq_sink irq;
	struct kvm_vm vm;
	struct virtio_rng *rng;
	struct virtio_pci vp;
};

static void cfg_access(struct machine *m, u8 reg, u8 *data, u32 len, bool write)
{
	u8 addr[4];
	u32 a = 0x80000000u | SLOT << 11 | (reg & 0xfc);

	memcpy(addr, &a, 4);
	bus__access(&m->pio, PCI_CONFIG_ADDR_PORT, addr, 4, true);
	bus__access(&m->pio, PCI_CONFIG_DATA_PORT + (reg & 3), data, len, write);
}

static void one_op(struct machine *m, struct fuzz_in *in)
{
	u8 kind = fuzz_u8(in), data[8];
	u32 len = 1 + (kind >> 4) % 8;	/* 1..8: odd widths too */
	u16 off = fuzz_u16(in);
	u64 bar = pci_device__bar_address(&m->vp.pdev, VIRTIO_PCI_BAR);

	switch ((kind & 15) % OP_NR) {
	case OP_CFG_WRITE:
	case OP_CFG_READ:
		len = 1u << (len % 3);		/* the config ports take 1, 2 or 4 */
		fuzz_bytes(in, data, len);
		cfg_access(m, (u8)off, data, len, (kind & 15) % OP_NR == OP_CFG_WRITE);
		break;
	case OP_BAR_WRITE:
	case OP_BAR_READ:
		fuzz_bytes(in, data, 8);
		bus__access(&m->mmio, bar + off, data, len, (kind & 15) % OP_NR == OP_BAR_WRITE);
		break;
	case OP_RAM:
		len = fuzz_u8(in);
		if (off + len <= RAM_SIZE)
			fuzz_bytes(in, ram + off, len);
		break;
	}
}

static void machine_up(struct machine *m)
{
	struct virtio_pci_env env = { .pci = &m->pci, .vm = &m->vm, .hooks = &fake_hooks,
				      .irq = &m->irq, .mem = &m->mem, .io = NULL, .slot = SLOT };
	char err[256];

	memset(m, 0, sizeof(*m));
	guest_memory__init_from(&m->mem, ram, RAM_SIZE);
	m->irq.set_level = irq_set_level;
	bus__init(&m->pio, "pio");
	bus__init(&m->mmio, "mmio");
	next_gsi = 24;
	if (pci__init(&m->pci, &m->pio, &m->mmio) ||
	    virtio_rng__create(&m->rng, &m->mem, NULL, err, sizeof(err)) ||
	    virtio_pci__init(&m->vp, virtio_rng__device(m->rng), &env, err, sizeof(err))) {
		fprintf(stderr, "fuzz_virtio_pci: %s\n", err);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct machine m;
	struct fuzz_in in = fuzz_in(data, size);

	fuzz_quiet();
	memset(ram, 0, sizeof(ram));
	machine_up(&m);
	for (int i = 0; i < MAX_OPS && in.left; i++)
		one_op(&m, &in);
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "status %#x, queue 0: size %u, used %u\n", m.vp.status,
			m.vp.vdev->queues[0].size, m.vp.vdev->queues[0].used_idx);
	virtio_pci__exit(&m.vp);
	virtio_rng__destroy(m.rng);
	pci__exit(&m.pci);
	return 0;
}
