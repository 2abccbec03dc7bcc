/*
 * The interrupt side of the virtio-pci transport, used by pci.c only: the MSI-X capability,
 * table and PBA, the ISR, INTx, and the notify functions devices call (virtio.h).
 */
#ifndef NV_DEVICES_VIRTIO_PCI_IRQ_H
#define NV_DEVICES_VIRTIO_PCI_IRQ_H

#include "devices/virtio/pci.h"

/* Appends the MSI-X capability (table and PBA in VIRTIO_PCI_BAR); offset or -errno. */
int virtio_pci_irq__add_msix_cap(struct virtio_pci *vp);
/* One irqfd eventfd per vector; routes are made when a vector first fires. */
int virtio_pci_irq__open(struct virtio_pci *vp, char *err, size_t errlen);
void virtio_pci_irq__close(struct virtio_pci *vp);
/* Device reset: config vector NO_VECTOR, ISR and pending interrupts dropped. */
void virtio_pci_irq__reset(struct virtio_pci *vp);
/* Read-to-clear; lowers INTx. */
u8 virtio_pci_irq__read_isr(struct virtio_pci *vp);
/* An access at BAR offset off in the MSI-X table or PBA pages. */
void virtio_pci_irq__msix_access(struct virtio_pci *vp, u64 off, u8 *data, u32 len, bool is_write);
/*
 * Whether one more warning caused by a driver may be logged: a driver can repeat them forever
 * (break a ring, reset, again), so the transport logs the first few and then says it stops.
 */
bool virtio_pci__may_warn(void);
/* The command register or MSI-X message control changed (PCI lock held). */
void virtio_pci_irq__config_changed(struct virtio_pci *vp);

#endif
