/*
 * The virtio-pci modern transport (virtio 1.x, 4.1): one PCI function per virtio device, its
 * virtio structures and MSI-X table in one 64-bit memory BAR, kicks through ioeventfds and
 * interrupts through irqfds, with INTx and plain MMIO as fallbacks.
 */
#ifndef NV_DEVICES_VIRTIO_PCI_H
#define NV_DEVICES_VIRTIO_PCI_H

#include <pthread.h>

#include "devices/io_thread.h"
#include "devices/irq.h"
#include "devices/pci.h"
#include "devices/virtio/virtio.h"
#include "kvm/vm.h"

#define VIRTIO_PCI_VENDOR_ID		0x1af4
#define VIRTIO_PCI_DEVICE_ID_BASE	0x1040	/* + device type: a modern (non-transitional) device */
#define VIRTIO_PCI_SUBSYSTEM_ID		0x1100
#define VIRTIO_MSI_NO_VECTOR		0xffff
#define VIRTIO_PCI_MAX_VECTORS		(VIRTIO_MAX_QUEUES + 1)	/* one per queue and config */

/* BAR 4 (as QEMU), 32 KiB: each structure on its own page. */
#define VIRTIO_PCI_BAR			4
#define VIRTIO_PCI_BAR_SIZE		0x8000
#define VIRTIO_PCI_COMMON_OFF		0x0000
#define VIRTIO_PCI_COMMON_LEN		0x38
#define VIRTIO_PCI_ISR_OFF		0x1000
#define VIRTIO_PCI_DEVICE_OFF		0x2000
#define VIRTIO_PCI_DEVICE_MAX		0x1000
#define VIRTIO_PCI_NOTIFY_OFF		0x3000
#define VIRTIO_PCI_NOTIFY_MULT		4	/* each queue kicks its own address */
#define VIRTIO_PCI_MSIX_TABLE_OFF	0x4000
#define VIRTIO_PCI_MSIX_PBA_OFF		0x5000

/* common configuration structure (4.1.4.3) */
#define VIRTIO_PCI_COMMON_DFSELECT	0x00
#define VIRTIO_PCI_COMMON_DF		0x04
#define VIRTIO_PCI_COMMON_GFSELECT	0x08
#define VIRTIO_PCI_COMMON_GF		0x0c
#define VIRTIO_PCI_COMMON_MSIX		0x10
#define VIRTIO_PCI_COMMON_NUMQ		0x12
#define VIRTIO_PCI_COMMON_STATUS	0x14
#define VIRTIO_PCI_COMMON_CFGGENERATION	0x15
#define VIRTIO_PCI_COMMON_Q_SELECT	0x16
#define VIRTIO_PCI_COMMON_Q_SIZE	0x18
#define VIRTIO_PCI_COMMON_Q_MSIX	0x1a
#define VIRTIO_PCI_COMMON_Q_ENABLE	0x1c
#define VIRTIO_PCI_COMMON_Q_NOFF	0x1e
#define VIRTIO_PCI_COMMON_Q_DESC	0x20
#define VIRTIO_PCI_COMMON_Q_AVAIL	0x28
#define VIRTIO_PCI_COMMON_Q_USED	0x30

/* virtio PCI capability types (4.1.4) */
#define VIRTIO_PCI_CAP_COMMON_CFG	1
#define VIRTIO_PCI_CAP_NOTIFY_CFG	2
#define VIRTIO_PCI_CAP_ISR_CFG		3
#define VIRTIO_PCI_CAP_DEVICE_CFG	4
#define VIRTIO_PCI_CAP_PCI_CFG		5

#define VIRTIO_PCI_ISR_QUEUE		0x1
#define VIRTIO_PCI_ISR_CONFIG		0x2

/* What the transport asks of KVM, with vm.h's signatures; unit tests pass fakes. */
struct virtio_pci_hooks {
	int (*msi_route_add)(struct kvm_vm *vm, u64 address, u32 data);
	int (*msi_route_update)(struct kvm_vm *vm, int gsi, u64 address, u32 data);
	void (*msi_route_remove)(struct kvm_vm *vm, int gsi);
	int (*irqfd_attach)(struct kvm_vm *vm, int eventfd, int gsi);
	void (*irqfd_detach)(struct kvm_vm *vm, int eventfd, int gsi);
	int (*ioeventfd_attach)(struct kvm_vm *vm, int eventfd, u64 addr, u32 len);
	void (*ioeventfd_detach)(struct kvm_vm *vm, int eventfd, u64 addr, u32 len);
};

/* The vm__* functions of src/kvm/vm.c. */
extern const struct virtio_pci_hooks virtio_pci_kvm_hooks;

/* Where a transport plugs in. */
struct virtio_pci_env {
	struct pci_bus *pci;
	struct kvm_vm *vm;
	const struct virtio_pci_hooks *hooks;	/* NULL: virtio_pci_kvm_hooks */
	struct irq_sink *irq;			/* INTx */
	const struct guest_memory *mem;
	struct io_thread *io;			/* NULL: kicks run inline on the vCPU (unit tests) */
	int slot;				/* PCI slot, -1: the first free one */
};

/* Opaque to devices: what vdev->transport points at. */
struct virtio_transport {
	const char *kind;
};

struct virtio_pci;

struct virtio_pci_queue {
	struct virtio_pci *vp;
	unsigned index;
	int notify_fd;			/* eventfd: kicks, watched by env.io after DRIVER_OK */
	bool watched;
	bool ioeventfd_on;
	u64 ioeventfd_addr;
};

struct virtio_pci_vector {
	u32 addr_lo, addr_hi, data, ctrl;	/* the MSI-X table entry */
	bool pending;				/* the PBA bit */
	int efd;				/* irqfd */
	int gsi;				/* -1: no route yet */
	u64 route_addr;
	u32 route_data;
};

struct virtio_pci {
	struct virtio_transport transport;
	struct pci_device pdev;
	struct virtio_device *vdev;
	struct virtio_pci_env env;
	bool registered;
	unsigned gsi_intx;
	unsigned nvectors;
	u8 msix_cap, pcicfg_cap;
	/* Driver-side registers: only vCPU threads touch them, serialised by the PCI lock. */
	u32 dfselect, gfselect;
	u64 guest_features;
	u16 queue_select;
	u64 bar_addr;
	bool bar_on;
	pthread_mutex_t cfg_lock;	/* held around the device's read_config/write_config */
	pthread_mutex_t irq_lock;	/* what device threads touch too: */
	u8 status;
	u8 config_generation;
	u16 msix_config;
	u8 isr;
	bool intx_level, intx_disabled;
	bool msix_enabled, msix_masked;
	struct virtio_pci_vector vectors[VIRTIO_PCI_MAX_VECTORS];
	struct virtio_pci_queue queues[VIRTIO_MAX_QUEUES];
};

/*
 * Builds the PCI function for vdev (which must outlive it), initialises vdev's queues over
 * env->mem and registers on env->pci. Returns 0 or -errno with one line in err.
 */
int virtio_pci__init(struct virtio_pci *vp, struct virtio_device *vdev,
		     const struct virtio_pci_env *env, char *err, size_t errlen) __must_check;
/*
 * Resets the device (ops->reset: it stops all work), unregisters, detaches every eventfd
 * from KVM and the I/O thread and closes them. Call it before destroying the device and
 * before stopping the device's I/O thread.
 */
void virtio_pci__exit(struct virtio_pci *vp);

#endif
