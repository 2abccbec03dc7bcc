/*
 * virtio-pci interrupts: MSI-X vectors delivered through irqfds (routes made lazily and kept
 * in step with the table), the function and per-vector masks with the PBA, and the INTx
 * fallback with its read-to-clear ISR. Device threads and vCPUs meet here under irq_lock.
 */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "devices/virtio/pci_irq.h"
#include "util/log.h"

#define PCI_CAP_ID_MSIX		0x11
#define MSIX_CTRL_ENABLE	0x80	/* in the high byte of message control */
#define MSIX_CTRL_MASKALL	0x40
#define MSIX_ENTRY_SIZE		16
#define MSIX_VECTOR_MASKED	1
#define MSIX_PBA_SIZE		8
#define WARN_LIMIT		20

bool virtio_pci__may_warn(void)
{
	static unsigned warned;
	unsigned n = __atomic_fetch_add(&warned, 1, __ATOMIC_RELAXED);

	if (n == WARN_LIMIT)
		pr_warn("virtio-pci: %d driver errors reported; not reporting more", WARN_LIMIT);
	return n < WARN_LIMIT;
}

int virtio_pci_irq__add_msix_cap(struct virtio_pci *vp)
{
	u8 cap[12] = { PCI_CAP_ID_MSIX, 0, (vp->nvectors - 1) & 0xff, (vp->nvectors - 1) >> 8 };
	u32 table = VIRTIO_PCI_MSIX_TABLE_OFF | VIRTIO_PCI_BAR;
	u32 pba = VIRTIO_PCI_MSIX_PBA_OFF | VIRTIO_PCI_BAR;
	int off;

	memcpy(cap + 4, &table, 4);
	memcpy(cap + 8, &pba, 4);
	off = pci_device__add_capability(&vp->pdev, cap, sizeof(cap));
	if (off < 0)
		return off;
	vp->msix_cap = off;
	vp->pdev.wmask[off + 3] = MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL;
	return off;
}

int virtio_pci_irq__open(struct virtio_pci *vp, char *err, size_t errlen)
{
	for (unsigned v = 0; v < vp->nvectors; v++) {
		struct virtio_pci_vector *vec = &vp->vectors[v];

		vec->ctrl = MSIX_VECTOR_MASKED;
		vec->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (vec->efd < 0)
			return set_err(err, errlen, errno, "%s: eventfd: %s", vp->vdev->name,
				       strerror(errno));
	}
	return 0;
}

void virtio_pci_irq__close(struct virtio_pci *vp)
{
	for (unsigned v = 0; v < vp->nvectors; v++) {
		struct virtio_pci_vector *vec = &vp->vectors[v];

		if (vec->gsi >= 0) {
			vp->env.hooks->irqfd_detach(vp->env.vm, vec->efd, vec->gsi);
			vp->env.hooks->msi_route_remove(vp->env.vm, vec->gsi);
		}
		if (vec->efd >= 0)
			close(vec->efd);
		vec->efd = vec->gsi = -1;
	}
	if (vp->intx_level)
		irq_sink__set(vp->env.irq, vp->gsi_intx, 0);
	vp->intx_level = false;
}

/* The INTx line follows the ISR unless MSI-X or the command register turned it off. */
static void update_intx(struct virtio_pci *vp)
{
	bool level = vp->isr && !vp->msix_enabled && !vp->intx_disabled;

	if (level != vp->intx_level)
		irq_sink__set(vp->env.irq, vp->gsi_intx, level);
	vp->intx_level = level;
}

/* A KVM route that says what the table entry says now (made on first use). */
static int sync_route(struct virtio_pci *vp, struct virtio_pci_vector *vec)
{
	const struct virtio_pci_hooks *h = vp->env.hooks;
	u64 addr = vec->addr_lo | (u64)vec->addr_hi << 32;
	int ret;

	if (vec->gsi < 0) {
		ret = h->msi_route_add(vp->env.vm, addr, vec->data);
		if (ret < 0)
			return ret;
		vec->gsi = ret;
		ret = h->irqfd_attach(vp->env.vm, vec->efd, vec->gsi);
		if (ret) {
			h->msi_route_remove(vp->env.vm, vec->gsi);
			vec->gsi = -1;
			return ret;
		}
	} else if (addr != vec->route_addr || vec->data != vec->route_data) {
		ret = h->msi_route_update(vp->env.vm, vec->gsi, addr, vec->data);
		if (ret)
			return ret;
	}
	vec->route_addr = addr;
	vec->route_data = vec->data;
	return 0;
}

/* Sends vector v, or leaves it pending while masked (irq_lock held). */
static void fire(struct virtio_pci *vp, unsigned v)
{
	struct virtio_pci_vector *vec = &vp->vectors[v];
	u64 one = 1;
	int ret;

	if (vp->msix_masked || (vec->ctrl & MSIX_VECTOR_MASKED)) {
		vec->pending = true;
		return;
	}
	vec->pending = false;
	ret = sync_route(vp, vec);
	if (ret) {
		pr_warn_once("%s: cannot route MSI-X vector %u: %s", vp->vdev->name, v,
			     strerror(-ret));
		return;
	}
	if (write(vec->efd, &one, sizeof(one)) < 0)
		pr_warn_once("%s: cannot signal an irqfd: %s", vp->vdev->name, strerror(errno));
}

static void deliver(struct virtio_pci *vp, u16 vector, u8 isr_bit)
{
	if (vp->msix_enabled) {
		if (vector < vp->nvectors)
			fire(vp, vector);
		return;
	}
	vp->isr |= isr_bit;
	update_intx(vp);
}

static void fire_pending(struct virtio_pci *vp)
{
	if (!vp->msix_enabled || vp->msix_masked)
		return;
	for (unsigned v = 0; v < vp->nvectors; v++)
		if (vp->vectors[v].pending && !(vp->vectors[v].ctrl & MSIX_VECTOR_MASKED))
			fire(vp, v);
}

void virtio_pci_irq__reset(struct virtio_pci *vp)
{
	pthread_mutex_lock(&vp->irq_lock);
	vp->msix_config = VIRTIO_MSI_NO_VECTOR;
	vp->isr = 0;
	for (unsigned v = 0; v < vp->nvectors; v++)
		vp->vectors[v].pending = false;
	update_intx(vp);
	pthread_mutex_unlock(&vp->irq_lock);
}

u8 virtio_pci_irq__read_isr(struct virtio_pci *vp)
{
	u8 isr;

	pthread_mutex_lock(&vp->irq_lock);
	isr = vp->isr;
	vp->isr = 0;
	update_intx(vp);
	pthread_mutex_unlock(&vp->irq_lock);
	return isr;
}

static void table_dword(struct virtio_pci *vp, u64 off, u8 *data, bool is_write)
{
	struct virtio_pci_vector *vec;
	unsigned v = off / MSIX_ENTRY_SIZE;
	u32 *field, val;

	if (v >= vp->nvectors) {
		if (!is_write)
			memset(data, 0, 4);
		return;
	}
	vec = &vp->vectors[v];
	field = (u32 *[]){ &vec->addr_lo, &vec->addr_hi, &vec->data, &vec->ctrl }[(off % 16) / 4];
	pthread_mutex_lock(&vp->irq_lock);
	if (!is_write) {
		memcpy(data, field, 4);
	} else {
		memcpy(&val, data, 4);
		*field = field == &vec->ctrl ? val & MSIX_VECTOR_MASKED : val;
		if (field == &vec->ctrl && !*field && vec->pending)
			fire_pending(vp);
	}
	pthread_mutex_unlock(&vp->irq_lock);
}

static void pba_read(struct virtio_pci *vp, u64 off, u8 *data, u32 len)
{
	u64 bits = 0;

	pthread_mutex_lock(&vp->irq_lock);
	for (unsigned v = 0; v < vp->nvectors; v++)
		if (vp->vectors[v].pending)
			bits |= 1ULL << v;
	pthread_mutex_unlock(&vp->irq_lock);
	memset(data, 0, len);
	if (off < MSIX_PBA_SIZE)
		memcpy(data, (u8 *)&bits + off, min_u64(len, MSIX_PBA_SIZE - off));
}

/* The table takes aligned dword and qword accesses (PCI 6.8.2); the PBA is read-only. */
void virtio_pci_irq__msix_access(struct virtio_pci *vp, u64 off, u8 *data, u32 len, bool is_write)
{
	if (off >= VIRTIO_PCI_MSIX_PBA_OFF) {
		if (!is_write)
			pba_read(vp, off - VIRTIO_PCI_MSIX_PBA_OFF, data, len);
		return;
	}
	off -= VIRTIO_PCI_MSIX_TABLE_OFF;
	if ((len != 4 && len != 8) || (off & (len - 1))) {
		if (!is_write)
			memset(data, 0, len);
		return;
	}
	for (u32 i = 0; i < len; i += 4)
		table_dword(vp, off + i, data + i, is_write);
}

void virtio_pci_irq__config_changed(struct virtio_pci *vp)
{
	u8 ctrl = vp->pdev.config[vp->msix_cap + 3];
	u16 cmd = pci_config__read16(&vp->pdev, PCI_COMMAND);

	pthread_mutex_lock(&vp->irq_lock);
	vp->msix_enabled = ctrl & MSIX_CTRL_ENABLE;
	vp->msix_masked = ctrl & MSIX_CTRL_MASKALL;
	vp->intx_disabled = cmd & PCI_COMMAND_INTX_DISABLE;
	fire_pending(vp);
	update_intx(vp);
	pthread_mutex_unlock(&vp->irq_lock);
}

static struct virtio_pci *transport_of(struct virtio_device *vdev)
{
	return vdev->transport ? container_of(vdev->transport, struct virtio_pci, transport) : NULL;
}

void virtio__notify_queue(struct virtio_device *vdev, unsigned q)
{
	struct virtio_pci *vp = transport_of(vdev);
	struct virtqueue *vq;

	if (!vp || q >= vdev->nqueues)
		return;
	vq = &vdev->queues[q];
	if (!virtqueue__should_notify(vq))
		return;
	pthread_mutex_lock(&vp->irq_lock);
	if (vp->status & VIRTIO_STATUS_DRIVER_OK)
		deliver(vp, vq->msix_vector, VIRTIO_PCI_ISR_QUEUE);
	pthread_mutex_unlock(&vp->irq_lock);
}

static void notify_config_locked(struct virtio_pci *vp)
{
	vp->config_generation++;
	if (vp->status & VIRTIO_STATUS_DRIVER_OK)
		deliver(vp, vp->msix_config, VIRTIO_PCI_ISR_CONFIG);
}

void virtio__notify_config(struct virtio_device *vdev)
{
	struct virtio_pci *vp = transport_of(vdev);

	if (!vp)
		return;
	pthread_mutex_lock(&vp->irq_lock);
	notify_config_locked(vp);
	pthread_mutex_unlock(&vp->irq_lock);
}

void virtio__set_needs_reset(struct virtio_device *vdev)
{
	struct virtio_pci *vp = transport_of(vdev);

	if (!vp)
		return;
	pthread_mutex_lock(&vp->irq_lock);
	if (!(vp->status & VIRTIO_STATUS_NEEDS_RESET)) {
		if (virtio_pci__may_warn())
			pr_warn("%s: device needs a reset", vdev->name);
		vp->status |= VIRTIO_STATUS_NEEDS_RESET;
		notify_config_locked(vp);
	}
	pthread_mutex_unlock(&vp->irq_lock);
}
