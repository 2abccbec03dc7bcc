/*
 * Unit tests for the virtio-pci transport, driven through config space and the BAR as a
 * driver would: identity and capabilities, feature negotiation, queue set-up, DRIVER_OK,
 * kicks, reset, MSI-X (masks, PBA, routes), INTx and the ISR, and hostile accesses.
 * KVM is replaced by fake hooks that record what the transport asked for.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "boot/layout.h"
#include "device_fakes.h"
#include "devices/virtio/pci.h"
#include "tap.h"
#include "util/log.h"

#define SLOT		3
#define NQUEUES		2
#define QMAX		64
#define MEM_SIZE	(1 * MiB)

/* ---- fake KVM ---- */

static struct {
	int routes_added, routes_updated, routes_removed, irqfds, irqfds_detached;
	u64 last_addr;
	u32 last_data;
	int ioeventfds;			/* currently attached */
	unsigned attaches;		/* ever */
	u64 ioeventfd_addr[8];		/* the last attaches, a ring */
	bool fail_ioeventfd;
} kvm;

static int fake_route_add(struct kvm_vm *vm, u64 address, u32 data)
{
	kvm.last_addr = address;
	kvm.last_data = data;
	return 24 + kvm.routes_added++;
}

static int fake_route_update(struct kvm_vm *vm, int gsi, u64 address, u32 data)
{
	kvm.routes_updated++;
	kvm.last_addr = address;
	kvm.last_data = data;
	return 0;
}

static void fake_route_remove(struct kvm_vm *vm, int gsi)
{
	kvm.routes_removed++;
}

static int fake_irqfd_attach(struct kvm_vm *vm, int efd, int gsi)
{
	kvm.irqfds++;
	return 0;
}

static void fake_irqfd_detach(struct kvm_vm *vm, int efd, int gsi)
{
	kvm.irqfds_detached++;
}

static int fake_ioeventfd_attach(struct kvm_vm *vm, int efd, u64 addr, u32 len)
{
	if (kvm.fail_ioeventfd || len != 2)
		return -ENOSYS;
	kvm.ioeventfd_addr[kvm.attaches++ % 8] = addr;
	kvm.ioeventfds++;
	return 0;
}

static void fake_ioeventfd_detach(struct kvm_vm *vm, int efd, u64 addr, u32 len)
{
	kvm.ioeventfds--;
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

/* ---- fake device ---- */

static struct {
	struct virtio_device vdev;
	u8 config[8];
	unsigned activates, resets, features_ok_calls;
	int notifies[NQUEUES];
	pthread_t notify_thread;
	bool refuse_features;
	int activate_ret;
} dev;

static void dev_read_config(struct virtio_device *vdev, u32 off, u8 *data, u32 len)
{
	memcpy(data, dev.config + off, len);
}

static void dev_write_config(struct virtio_device *vdev, u32 off, const u8 *data, u32 len)
{
	memcpy(dev.config + off, data, len);
}

static bool dev_features_ok(struct virtio_device *vdev, u64 features)
{
	dev.features_ok_calls++;
	return !dev.refuse_features;
}

static int dev_activate(struct virtio_device *vdev)
{
	dev.activates++;
	return dev.activate_ret;
}

static void dev_reset(struct virtio_device *vdev)
{
	dev.resets++;
}

static void dev_queue_notify(struct virtio_device *vdev, unsigned q)
{
	dev.notify_thread = pthread_self();
	__atomic_add_fetch(&dev.notifies[q], 1, __ATOMIC_SEQ_CST);
}

static const struct virtio_device_ops dev_ops = {
	.read_config = dev_read_config,
	.write_config = dev_write_config,
	.features_ok = dev_features_ok,
	.activate = dev_activate,
	.reset = dev_reset,
	.queue_notify = dev_queue_notify,
};

/* ---- the machine around it ---- */

static u8 ram[MEM_SIZE] __attribute__((aligned(4096)));
static struct guest_memory mem;
static struct bus pio, mmio;
static struct pci_bus pci;
static struct fake_irq irq;
static struct kvm_vm fake_vm;
static struct virtio_pci vp;
static u64 bar;

static void setup_with(struct io_thread *io)
{
	struct virtio_pci_env env = { .pci = &pci, .vm = &fake_vm, .hooks = &fake_hooks,
				      .irq = &irq.sink, .mem = &mem, .io = io, .slot = SLOT };
	char err[256];

	memset(&kvm, 0, sizeof(kvm));
	memset(&dev, 0, sizeof(dev));
	memset(ram, 0, sizeof(ram));
	guest_memory__init_from(&mem, ram, sizeof(ram));
	fake_irq_reset(&irq);
	bus__init(&pio, "pio");
	bus__init(&mmio, "mmio");
	if (pci__init(&pci, &pio, &mmio))
		abort();
	dev.vdev = (struct virtio_device){ .name = "virtio-test", .device_id = VIRTIO_ID_RNG,
					   .pci_class = 0xff0000, .ops = &dev_ops,
					   .device_features = 1ULL << 5, .config_size = 8,
					   .nqueues = NQUEUES, .queue_max_size = { QMAX, QMAX / 2 } };
	if (virtio_pci__init(&vp, &dev.vdev, &env, err, sizeof(err))) {
		printf("# %s\n", err);
		abort();
	}
	bar = pci_device__bar_address(&vp.pdev, VIRTIO_PCI_BAR);
}

static void setup(void)
{
	setup_with(NULL);
}

static void teardown(void)
{
	virtio_pci__exit(&vp);
	pci__exit(&pci);
}

static u32 cfg_read(unsigned reg, u32 len)
{
	pio_out(&pio, PCI_CONFIG_ADDR_PORT, 0x80000000u | SLOT << 11 | (reg & 0xfc), 4);
	return pio_in(&pio, PCI_CONFIG_DATA_PORT + (reg & 3), len);
}

static void cfg_write(unsigned reg, u32 val, u32 len)
{
	pio_out(&pio, PCI_CONFIG_ADDR_PORT, 0x80000000u | SLOT << 11 | (reg & 0xfc), 4);
	pio_out(&pio, PCI_CONFIG_DATA_PORT + (reg & 3), val, len);
}

static u64 rd(u64 off, u32 len)
{
	u64 v = 0;

	bus__access(&mmio, bar + off, (u8 *)&v, len, false);
	return v;
}

static void wr(u64 off, u64 val, u32 len)
{
	bus__access(&mmio, bar + off, (u8 *)&val, len, true);
}

static u8 status(void)
{
	return rd(VIRTIO_PCI_COMMON_STATUS, 1);
}

/* Finds the virtio capability of cfg_type; returns its config-space offset or 0. */
static unsigned find_cap(u8 cfg_type)
{
	unsigned off = cfg_read(PCI_CAPABILITY_LIST, 1);

	for (int n = 0; off && n < 48; n++, off = cfg_read(off + 1, 1))
		if (cfg_read(off, 1) == 0x09 && cfg_read(off + 3, 1) == cfg_type)
			return off;
	return 0;
}

static void negotiate(u64 features)
{
	wr(VIRTIO_PCI_COMMON_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER, 1);
	wr(VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
	wr(VIRTIO_PCI_COMMON_GF, (u32)features, 4);
	wr(VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
	wr(VIRTIO_PCI_COMMON_GF, features >> 32, 4);
	wr(VIRTIO_PCI_COMMON_STATUS, status() | VIRTIO_STATUS_FEATURES_OK, 1);
}

#define GOOD_FEATURES ((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_F_EVENT_IDX) | (1ULL << 5))

/* Rings for queue q at 64 KiB * (q + 1), written as 32-bit halves as Linux does. */
static void setup_queue(unsigned q, u16 size)
{
	u64 base = 0x10000 * (q + 1);

	wr(VIRTIO_PCI_COMMON_Q_SELECT, q, 2);
	wr(VIRTIO_PCI_COMMON_Q_SIZE, size, 2);
	wr(VIRTIO_PCI_COMMON_Q_DESC, base, 4);
	wr(VIRTIO_PCI_COMMON_Q_DESC + 4, 0, 4);
	wr(VIRTIO_PCI_COMMON_Q_AVAIL, base + 0x4000, 8);
	wr(VIRTIO_PCI_COMMON_Q_USED, base + 0x8000, 4);
	wr(VIRTIO_PCI_COMMON_Q_USED + 4, 0, 4);
	wr(VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
}

static void bring_up(void)
{
	negotiate(GOOD_FEATURES);
	setup_queue(0, QMAX);
	setup_queue(1, QMAX / 2);
	wr(VIRTIO_PCI_COMMON_STATUS, status() | VIRTIO_STATUS_DRIVER_OK, 1);
}

static void test_identity(void)
{
	unsigned cap;

	setup();
	CHECK_EQ(cfg_read(PCI_VENDOR_ID, 2), 0x1af4);
	CHECK_EQ(cfg_read(PCI_DEVICE_ID, 2), 0x1040 + VIRTIO_ID_RNG);
	CHECK_EQ(cfg_read(PCI_REVISION_ID, 1), 1);
	CHECK_EQ(cfg_read(PCI_SUBSYSTEM_VENDOR_ID, 2), 0x1af4);
	CHECK_EQ(cfg_read(PCI_CLASS_PROG - 1, 4) >> 8, 0xff0000);
	CHECK_EQ(cfg_read(PCI_INTERRUPT_PIN, 1), 1);
	CHECK_EQ(cfg_read(PCI_INTERRUPT_LINE, 1), PCI_INTX_FIRST_GSI + SLOT);
	CHECK_EQ(cfg_read(PCI_BAR(VIRTIO_PCI_BAR), 4) & 0xf, 0x4);	/* 64-bit memory */
	CHECK(bar >= PCI_MMIO_START && bar + VIRTIO_PCI_BAR_SIZE <= PCI_MMIO_END);
	CHECK(cfg_read(PCI_COMMAND, 2) & PCI_COMMAND_MEMORY);
	cap = find_cap(VIRTIO_PCI_CAP_COMMON_CFG);
	CHECK(cap);
	CHECK_EQ(cfg_read(cap + 4, 1), VIRTIO_PCI_BAR);
	CHECK_EQ(cfg_read(cap + 12, 4), VIRTIO_PCI_COMMON_LEN);
	cap = find_cap(VIRTIO_PCI_CAP_NOTIFY_CFG);
	CHECK(cap);
	CHECK_EQ(cfg_read(cap + 2, 1), 20);
	CHECK_EQ(cfg_read(cap + 8, 4), VIRTIO_PCI_NOTIFY_OFF);
	CHECK_EQ(cfg_read(cap + 16, 4), 4);
	CHECK(find_cap(VIRTIO_PCI_CAP_ISR_CFG));
	cap = find_cap(VIRTIO_PCI_CAP_DEVICE_CFG);
	CHECK(cap);
	CHECK_EQ(cfg_read(cap + 12, 4), 8);
	CHECK(find_cap(VIRTIO_PCI_CAP_PCI_CFG));
	/* MSI-X: first in the list, table size N-1, table and PBA in BAR 4. */
	cap = cfg_read(PCI_CAPABILITY_LIST, 1);
	CHECK_EQ(cfg_read(cap, 1), 0x11);
	CHECK_EQ(cfg_read(cap + 2, 2), NQUEUES);
	CHECK_EQ(cfg_read(cap + 4, 4), VIRTIO_PCI_MSIX_TABLE_OFF | 4);
	CHECK_EQ(cfg_read(cap + 8, 4), VIRTIO_PCI_MSIX_PBA_OFF | 4);
	CHECK_EQ(rd(VIRTIO_PCI_COMMON_NUMQ, 2), NQUEUES);
	CHECK_EQ(kvm.ioeventfds, NQUEUES);
	CHECK_EQ(kvm.ioeventfd_addr[1], bar + VIRTIO_PCI_NOTIFY_OFF + 4);
	teardown();
}

static void test_negotiation(void)
{
	u64 df;

	setup();
	wr(VIRTIO_PCI_COMMON_DFSELECT, 0, 4);
	df = rd(VIRTIO_PCI_COMMON_DF, 4);
	wr(VIRTIO_PCI_COMMON_DFSELECT, 1, 4);
	df |= rd(VIRTIO_PCI_COMMON_DF, 4) << 32;
	CHECK_EQ(df, GOOD_FEATURES | (1ULL << VIRTIO_F_INDIRECT_DESC));
	wr(VIRTIO_PCI_COMMON_DFSELECT, 7, 4);
	CHECK_EQ(rd(VIRTIO_PCI_COMMON_DF, 4), 0);
	negotiate(1ULL << 5);					/* no VERSION_1 */
	CHECK(!(status() & VIRTIO_STATUS_FEATURES_OK));
	negotiate(GOOD_FEATURES | (1ULL << 7));			/* not offered */
	CHECK(!(status() & VIRTIO_STATUS_FEATURES_OK));
	dev.refuse_features = true;
	negotiate(GOOD_FEATURES);
	CHECK(!(status() & VIRTIO_STATUS_FEATURES_OK));
	dev.refuse_features = false;
	negotiate(GOOD_FEATURES);
	CHECK(status() & VIRTIO_STATUS_FEATURES_OK);
	CHECK_EQ(dev.vdev.driver_features, GOOD_FEATURES);
	/* Locked after FEATURES_OK. */
	wr(VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
	wr(VIRTIO_PCI_COMMON_GF, 0, 4);
	CHECK_EQ(rd(VIRTIO_PCI_COMMON_GF, 4), (u32)GOOD_FEATURES);
	/* The driver cannot clear status bits except by writing 0. */
	wr(VIRTIO_PCI_COMMON_STATUS, VIRTIO_STATUS_ACKNOWLEDGE, 1);
	CHECK(status() & VIRTIO_STATUS_FEATURES_OK);
	teardown();
}

static void test_queue_setup(void)
{
	struct virtqueue *vq = &dev.vdev.queues[0];

	setup();
	CHECK_EQ(rd(VIRTIO_PCI_COMMON_Q_SIZE, 2), QMAX);
	wr(VIRTIO_PCI_COMMON_Q_SELECT, 1, 2);
	CHECK_EQ(rd(VIRTIO_PCI_COMMON_Q_SIZE, 2), QMAX / 2);
	CHECK_EQ(rd(VIRTIO_PCI_COMMON_Q_NOFF, 2), 1);
	CHECK_EQ(rd(VIRTIO_PCI_COMMON_Q_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	wr(VIRTIO_PCI_COMMON_Q_SELECT, NQUEUES, 2);		/* no such queue */
	CHECK_EQ(rd(VIRTIO_PCI_COMMON_Q_SIZE, 2), 0);
	wr(VIRTIO_PCI_COMMON_Q_SIZE, 8, 2);
	wr(VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
	CHECK_EQ(rd(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	wr(VIRTIO_PCI_COMMON_Q_SELECT, 0xffff, 2);
	CHECK_EQ(rd(VIRTIO_PCI_COMMON_Q_SIZE, 2), 0);
	/* Enabling before FEATURES_OK is ignored. */
	setup_queue(0, 16);
	CHECK(!vq->enabled);
	negotiate(GOOD_FEATURES);
	wr(VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
	wr(VIRTIO_PCI_COMMON_Q_SIZE, 12, 2);			/* not a power of two */
	CHECK_EQ(rd(VIRTIO_PCI_COMMON_Q_SIZE, 2), 16);
	wr(VIRTIO_PCI_COMMON_Q_SIZE, QMAX * 2, 2);		/* over the maximum */
	CHECK_EQ(rd(VIRTIO_PCI_COMMON_Q_SIZE, 2), 16);
	wr(VIRTIO_PCI_COMMON_Q_SIZE, 0, 2);
	CHECK_EQ(rd(VIRTIO_PCI_COMMON_Q_SIZE, 2), 16);
	/* Rings outside RAM: the queue stays disabled. */
	wr(VIRTIO_PCI_COMMON_Q_DESC, 0xfffff000ULL, 8);
	wr(VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
	CHECK_EQ(rd(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	setup_queue(0, 16);
	CHECK_EQ(rd(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 1);
	CHECK(vq->enabled && vq->event_idx && !vq->indirect);
	CHECK_EQ(rd(VIRTIO_PCI_COMMON_Q_DESC, 8), 0x10000);
	CHECK_EQ(rd(VIRTIO_PCI_COMMON_Q_AVAIL + 4, 4), 0);
	CHECK_EQ(rd(VIRTIO_PCI_COMMON_Q_USED, 4), 0x18000);
	/* Once enabled, size and addresses are fixed. */
	wr(VIRTIO_PCI_COMMON_Q_SIZE, 32, 2);
	wr(VIRTIO_PCI_COMMON_Q_DESC, 0x20000, 8);
	CHECK_EQ(vq->size, 16);
	CHECK_EQ(vq->desc_addr, 0x10000);
	/* Vectors: beyond the table reads back as NO_VECTOR. */
	wr(VIRTIO_PCI_COMMON_Q_MSIX, 1, 2);
	CHECK_EQ(rd(VIRTIO_PCI_COMMON_Q_MSIX, 2), 1);
	wr(VIRTIO_PCI_COMMON_Q_MSIX, NQUEUES + 1, 2);
	CHECK_EQ(rd(VIRTIO_PCI_COMMON_Q_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	wr(VIRTIO_PCI_COMMON_MSIX, 0, 2);
	CHECK_EQ(rd(VIRTIO_PCI_COMMON_MSIX, 2), 0);
	teardown();
}

static void test_driver_ok_and_kicks(void)
{
	setup();
	wr(VIRTIO_PCI_NOTIFY_OFF, 0, 2);			/* before DRIVER_OK: ignored */
	CHECK_EQ(dev.notifies[0], 0);
	wr(VIRTIO_PCI_COMMON_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER_OK, 1);
	CHECK(!(status() & VIRTIO_STATUS_DRIVER_OK));		/* without FEATURES_OK: refused */
	CHECK_EQ(dev.activates, 0);
	wr(VIRTIO_PCI_COMMON_STATUS, 0, 1);
	bring_up();
	CHECK(status() & VIRTIO_STATUS_DRIVER_OK);
	CHECK_EQ(dev.activates, 1);
	wr(VIRTIO_PCI_NOTIFY_OFF + 4, 1, 2);
	CHECK_EQ(dev.notifies[1], 1);
	wr(VIRTIO_PCI_NOTIFY_OFF, 0, 4);			/* any width */
	CHECK_EQ(dev.notifies[0], 1);
	wr(VIRTIO_PCI_NOTIFY_OFF + 4 * NQUEUES, 0, 2);		/* no such queue */
	CHECK_EQ(dev.notifies[0] + dev.notifies[1], 2);
	teardown();
}

static void test_activate_failure(void)
{
	setup();
	dev.activate_ret = -EIO;
	bring_up();
	CHECK(!(status() & VIRTIO_STATUS_DRIVER_OK));
	CHECK(status() & VIRTIO_STATUS_NEEDS_RESET);
	wr(VIRTIO_PCI_COMMON_STATUS, 0, 1);
	CHECK_EQ(status(), 0);
	teardown();
}

static void test_reset(void)
{
	setup();
	bring_up();
	wr(VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
	wr(VIRTIO_PCI_COMMON_Q_MSIX, 1, 2);
	wr(VIRTIO_PCI_COMMON_MSIX, 0, 2);
	wr(VIRTIO_PCI_COMMON_STATUS, 0, 1);
	CHECK_EQ(dev.resets, 1);
	CHECK_EQ(status(), 0);
	CHECK_EQ(dev.vdev.driver_features, 0);
	CHECK_EQ(rd(VIRTIO_PCI_COMMON_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	for (unsigned q = 0; q < NQUEUES; q++) {
		wr(VIRTIO_PCI_COMMON_Q_SELECT, q, 2);
		CHECK_EQ(rd(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
		CHECK_EQ(rd(VIRTIO_PCI_COMMON_Q_SIZE, 2), dev.vdev.queue_max_size[q]);
		CHECK_EQ(rd(VIRTIO_PCI_COMMON_Q_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
		CHECK_EQ(rd(VIRTIO_PCI_COMMON_Q_DESC, 8), 0);
	}
	wr(VIRTIO_PCI_NOTIFY_OFF, 0, 2);			/* kicks stop */
	CHECK_EQ(dev.notifies[0], 0);
	bring_up();						/* and it comes back */
	CHECK_EQ(dev.activates, 2);
	teardown();
}

static u64 efd_count(int fd)
{
	u64 v = 0;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

/* One used buffer the driver wants an interrupt for (used_event = this entry). */
static void complete_one(unsigned q)
{
	struct virtqueue *vq = &dev.vdev.queues[q];
	u16 *used_event = guest_memory__ptr(&mem, vq->avail_addr + 4 + 2ULL * vq->size, 2);

	if (used_event)
		*used_event = vq->used_idx;
	virtqueue__push(vq, 0, 0);
	virtio__notify_queue(&dev.vdev, q);
}

static void program_vector(unsigned v, u32 data, bool masked)
{
	u64 e = VIRTIO_PCI_MSIX_TABLE_OFF + 16 * v;

	wr(e, 0xfee00000, 4);
	wr(e + 4, 0, 4);
	wr(e + 8, data, 4);
	wr(e + 12, masked, 4);
}

static void test_msix(void)
{
	unsigned cap;
	int efd;

	setup();
	cap = cfg_read(PCI_CAPABILITY_LIST, 1);
	bring_up();
	CHECK_EQ(rd(VIRTIO_PCI_MSIX_TABLE_OFF + 12, 4), 1);	/* vectors start masked */
	cfg_write(cap + 2, 0x8000 | 0x4000, 2);			/* enable, function masked */
	program_vector(0, 0x41, false);
	program_vector(1, 0x42, false);
	wr(VIRTIO_PCI_COMMON_MSIX, 0, 2);
	wr(VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
	wr(VIRTIO_PCI_COMMON_Q_MSIX, 1, 2);
	efd = vp.vectors[1].efd;
	complete_one(0);
	CHECK_EQ(efd_count(efd), 0);
	CHECK_EQ(rd(VIRTIO_PCI_MSIX_PBA_OFF, 8), 1 << 1);	/* pending while masked */
	cfg_write(cap + 2, 0x8000, 2);				/* function unmasked: delivered */
	CHECK_EQ(efd_count(efd), 1);
	CHECK_EQ(rd(VIRTIO_PCI_MSIX_PBA_OFF, 8), 0);
	CHECK_EQ(kvm.routes_added, 1);
	CHECK_EQ(kvm.last_data, 0x42);
	CHECK_EQ(kvm.last_addr, 0xfee00000);
	CHECK_EQ(kvm.irqfds, 1);
	/* Per-vector mask. */
	wr(VIRTIO_PCI_MSIX_TABLE_OFF + 16 + 12, 1, 4);
	complete_one(0);
	CHECK_EQ(efd_count(efd), 0);
	CHECK_EQ(rd(VIRTIO_PCI_MSIX_PBA_OFF, 1), 1 << 1);
	wr(VIRTIO_PCI_MSIX_TABLE_OFF + 16 + 12, 0, 4);
	CHECK_EQ(efd_count(efd), 1);
	/* Reprogrammed data: the route follows before the next interrupt. */
	wr(VIRTIO_PCI_MSIX_TABLE_OFF + 16 + 8, 0x43, 4);
	complete_one(0);
	CHECK_EQ(efd_count(efd), 1);
	CHECK_EQ(kvm.routes_updated, 1);
	CHECK_EQ(kvm.last_data, 0x43);
	/* Config interrupts go to the config vector; nothing on INTx with MSI-X on. */
	virtio__notify_config(&dev.vdev);
	CHECK_EQ(efd_count(vp.vectors[0].efd), 1);
	CHECK_EQ(rd(VIRTIO_PCI_COMMON_CFGGENERATION, 1), 1);
	CHECK_EQ(irq.rises[PCI_INTX_FIRST_GSI + SLOT], 0);
	/* Odd widths on the table are ignored; a qword access works. */
	wr(VIRTIO_PCI_MSIX_TABLE_OFF + 16 + 8, 0x99, 2);
	CHECK_EQ(rd(VIRTIO_PCI_MSIX_TABLE_OFF + 16 + 8, 4), 0x43);
	CHECK_EQ(rd(VIRTIO_PCI_MSIX_TABLE_OFF + 16, 8), 0xfee00000);
	teardown();
	CHECK_EQ(kvm.routes_removed, 2);
	CHECK_EQ(kvm.irqfds_detached, 2);
	CHECK_EQ(kvm.ioeventfds, 0);
}

static void test_intx(void)
{
	unsigned gsi = PCI_INTX_FIRST_GSI + SLOT;

	setup();
	bring_up();
	complete_one(0);
	CHECK_EQ(irq.level[gsi], 1);
	CHECK_EQ(rd(VIRTIO_PCI_ISR_OFF, 1), VIRTIO_PCI_ISR_QUEUE);
	CHECK_EQ(irq.level[gsi], 0);
	CHECK_EQ(rd(VIRTIO_PCI_ISR_OFF, 1), 0);			/* read-to-clear */
	virtio__notify_config(&dev.vdev);
	CHECK_EQ(irq.level[gsi], 1);
	cfg_write(PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE, 2);
	CHECK_EQ(irq.level[gsi], 0);
	cfg_write(PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	CHECK_EQ(irq.level[gsi], 1);
	CHECK_EQ(rd(VIRTIO_PCI_ISR_OFF, 4), VIRTIO_PCI_ISR_CONFIG);
	/* Needs-reset: status bit plus a config interrupt. */
	virtio__set_needs_reset(&dev.vdev);
	CHECK(status() & VIRTIO_STATUS_NEEDS_RESET);
	CHECK_EQ(rd(VIRTIO_PCI_ISR_OFF, 1), VIRTIO_PCI_ISR_CONFIG);
	/* Reset drops a pending interrupt. */
	complete_one(1);
	CHECK_EQ(irq.level[gsi], 1);
	wr(VIRTIO_PCI_COMMON_STATUS, 0, 1);
	CHECK_EQ(irq.level[gsi], 0);
	complete_one(1);					/* after reset: nothing */
	CHECK_EQ(irq.level[gsi], 0);
	teardown();
}

static void test_device_config(void)
{
	setup();
	memcpy(dev.config, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	CHECK_EQ(rd(VIRTIO_PCI_DEVICE_OFF + 2, 2), 0x0403);
	CHECK_EQ(rd(VIRTIO_PCI_DEVICE_OFF, 8), 0x0807060504030201ULL);
	CHECK_EQ(rd(VIRTIO_PCI_DEVICE_OFF + 6, 4), 0);		/* past the end */
	wr(VIRTIO_PCI_DEVICE_OFF + 1, 0xaa, 1);
	CHECK_EQ(dev.config[1], 0xaa);
	wr(VIRTIO_PCI_DEVICE_OFF + 7, 0xbbbb, 2);		/* past the end: ignored */
	CHECK_EQ(dev.config[7], 8);
	teardown();
}

/* The PCI_CFG capability reaches the BAR through config space alone. */
static void test_pci_cfg_window(void)
{
	unsigned cap;

	setup();
	cap = find_cap(VIRTIO_PCI_CAP_PCI_CFG);
	cfg_write(cap + 4, VIRTIO_PCI_BAR, 1);
	cfg_write(cap + 8, VIRTIO_PCI_COMMON_NUMQ, 4);
	cfg_write(cap + 12, 2, 4);
	CHECK_EQ(cfg_read(cap + 16, 2), NQUEUES);
	cfg_write(cap + 8, VIRTIO_PCI_COMMON_Q_SELECT, 4);
	cfg_write(cap + 16, 1, 2);
	CHECK_EQ(rd(VIRTIO_PCI_COMMON_Q_SELECT, 2), 1);
	cfg_write(cap + 12, 3, 4);				/* bad length: nothing */
	cfg_write(cap + 16, 0, 4);
	CHECK_EQ(rd(VIRTIO_PCI_COMMON_Q_SELECT, 2), 1);
	cfg_write(cap + 4, 0, 1);				/* another BAR: nothing */
	cfg_write(cap + 12, 2, 4);
	cfg_write(cap + 16, 0, 4);
	CHECK_EQ(rd(VIRTIO_PCI_COMMON_Q_SELECT, 2), 1);
	teardown();
}

/* The notify ioeventfds follow the BAR; outside the window they are dropped. */
static void test_bar_moves(void)
{
	setup();
	CHECK_EQ(kvm.ioeventfds, NQUEUES);
	cfg_write(PCI_BAR(VIRTIO_PCI_BAR), 0xd0000000, 4);
	CHECK_EQ(kvm.ioeventfds, NQUEUES);
	CHECK_EQ(kvm.attaches, 2 * NQUEUES);
	CHECK_EQ(kvm.ioeventfd_addr[NQUEUES], 0xd0000000 + VIRTIO_PCI_NOTIFY_OFF);
	CHECK_EQ(kvm.ioeventfd_addr[NQUEUES + 1], 0xd0000000 + VIRTIO_PCI_NOTIFY_OFF + 4);
	cfg_write(PCI_COMMAND, 0, 2);
	CHECK_EQ(kvm.ioeventfds, 0);
	cfg_write(PCI_BAR(VIRTIO_PCI_BAR), 0xffffffff, 4);	/* sizing */
	CHECK_EQ(cfg_read(PCI_BAR(VIRTIO_PCI_BAR), 4), (u32)~(VIRTIO_PCI_BAR_SIZE - 1) | 4);
	cfg_write(PCI_BAR(VIRTIO_PCI_BAR), 0xd0000000, 4);
	cfg_write(PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	CHECK_EQ(kvm.ioeventfds, NQUEUES);
	bar = 0xd0000000;
	CHECK_EQ(rd(VIRTIO_PCI_COMMON_NUMQ, 2), NQUEUES);
	teardown();
}

static bool wait_notifies(unsigned q, int n)
{
	for (int i = 0; i < 1000; i++) {
		struct timespec ts = { 0, 1000000 };

		if (__atomic_load_n(&dev.notifies[q], __ATOMIC_SEQ_CST) >= n)
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
}

/* With an I/O thread: kicks (here through the MMIO fallback) run queue_notify there. */
static void test_io_thread_kicks(void)
{
	struct io_thread io;
	char err[128];

	if (io_thread__init(&io, "vp-test", err, sizeof(err)) ||
	    io_thread__start(&io, err, sizeof(err)))
		abort();
	setup_with(&io);
	kvm.fail_ioeventfd = true;
	bring_up();
	CHECK(wait_notifies(0, 1));		/* the look at every ring after DRIVER_OK */
	CHECK(wait_notifies(1, 1));
	wr(VIRTIO_PCI_NOTIFY_OFF + 4, 1, 2);
	CHECK(wait_notifies(1, 2));
	CHECK(pthread_equal(dev.notify_thread, io.thread));
	wr(VIRTIO_PCI_COMMON_STATUS, 0, 1);	/* reset waits for the handler, then unhooks */
	wr(VIRTIO_PCI_NOTIFY_OFF + 4, 1, 2);
	usleep(50000);
	CHECK_EQ(__atomic_load_n(&dev.notifies[1], __ATOMIC_SEQ_CST), 2);
	teardown();
	io_thread__exit(&io);
}

/* Random BAR and config accesses: nothing crashes, identity stays. */
static void test_hostile(void)
{
	u64 s = 0x3c6ef372fe94f82bULL;

	setup();
	for (int i = 0; i < 200000; i++) {
		u64 r = xorshift64(&s);
		u8 data[8];
		u32 len = random_width(r);
		u64 off = (r >> 8) % VIRTIO_PCI_BAR_SIZE;

		random_fill(&s, data, sizeof(data));
		if ((r >> 40) % 8 == 0) {
			/* Config space, but leave the BAR and command alone mostly. */
			unsigned reg = 0x34 + (r >> 20) % (256 - 0x34);

			cfg_write(reg & ~(len - 1), data[0] | data[1] << 8, len > 2 ? 2 : len);
			continue;
		}
		if ((r >> 44) % 16 == 0)
			off = (r >> 8) % VIRTIO_PCI_COMMON_LEN;
		if (off + len > VIRTIO_PCI_BAR_SIZE)
			continue;
		bus__access(&mmio, bar + off, data, len, (r >> 50) & 1);
		if ((r >> 52) % 64 == 0)
			complete_one((r >> 58) % NQUEUES);
	}
	CHECK_EQ(cfg_read(PCI_VENDOR_ID, 4), (0x1040u + VIRTIO_ID_RNG) << 16 | 0x1af4);
	teardown();
}

int main(void)
{
	log_level = getenv("VERBOSE") ? LOG_DEBUG : LOG_ERR;	/* hostile drivers warn */
	RUN(test_identity);
	RUN(test_negotiation);
	RUN(test_queue_setup);
	RUN(test_driver_ok_and_kicks);
	RUN(test_activate_failure);
	RUN(test_reset);
	RUN(test_msix);
	RUN(test_intx);
	RUN(test_device_config);
	RUN(test_pci_cfg_window);
	RUN(test_bar_moves);
	RUN(test_io_thread_kicks);
	RUN(test_hostile);
	return tap_done();
}
