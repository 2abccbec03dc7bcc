/*
 * virtio-pci modern transport: config space and capabilities, the common configuration
 * structure (features, status, queues), notifications and device reset. Interrupts (MSI-X,
 * INTx, ISR) are in pci_irq.c. Every register value comes from an untrusted driver.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "boot/layout.h"
#include "devices/virtio/pci.h"
#include "devices/virtio/pci_irq.h"
#include "util/log.h"

#define TRANSPORT_FEATURES	((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_F_EVENT_IDX) | \
				 (1ULL << VIRTIO_F_INDIRECT_DESC))
#define STATUS_DRIVER_BITS	(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | \
				 VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK | \
				 VIRTIO_STATUS_FAILED)
#define PCI_CAP_ID_VNDR		0x09
#define VIRTIO_CAP_LEN		16
#define PCICFG_BAR		4	/* offsets inside the PCI_CFG capability */
#define PCICFG_OFFSET		8
#define PCICFG_LENGTH		12
#define PCICFG_DATA		16

const struct virtio_pci_hooks virtio_pci_kvm_hooks = {
	.msi_route_add = vm__msi_route_add,
	.msi_route_update = vm__msi_route_update,
	.msi_route_remove = vm__msi_route_remove,
	.irqfd_attach = vm__irqfd_attach,
	.irqfd_detach = vm__irqfd_detach,
	.ioeventfd_attach = vm__ioeventfd_attach,
	.ioeventfd_detach = vm__ioeventfd_detach,
};

static u64 get_le(const u8 *data, u32 len)
{
	u64 v = 0;

	memcpy(&v, data, len);
	return v;
}

static void put_le(u8 *p, u64 v, u32 len)
{
	memcpy(p, &v, len);
}

static u64 offered_features(const struct virtio_pci *vp)
{
	return vp->vdev->device_features | TRANSPORT_FEATURES;
}

static u8 get_status(struct virtio_pci *vp)
{
	u8 status;

	pthread_mutex_lock(&vp->irq_lock);
	status = vp->status;
	pthread_mutex_unlock(&vp->irq_lock);
	return status;
}

static struct virtqueue *selected_queue(struct virtio_pci *vp)
{
	if (vp->queue_select >= vp->vdev->nqueues)
		return NULL;
	return &vp->vdev->queues[vp->queue_select];
}

/* The common configuration structure as the driver would read it now. */
static void common_image(struct virtio_pci *vp, u8 *img)
{
	struct virtqueue *vq = selected_queue(vp);
	u64 feat = offered_features(vp);

	memset(img, 0, VIRTIO_PCI_COMMON_LEN);
	put_le(img + VIRTIO_PCI_COMMON_DFSELECT, vp->dfselect, 4);
	put_le(img + VIRTIO_PCI_COMMON_DF, vp->dfselect < 2 ? feat >> (32 * vp->dfselect) : 0, 4);
	put_le(img + VIRTIO_PCI_COMMON_GFSELECT, vp->gfselect, 4);
	put_le(img + VIRTIO_PCI_COMMON_GF,
	       vp->gfselect < 2 ? vp->guest_features >> (32 * vp->gfselect) : 0, 4);
	put_le(img + VIRTIO_PCI_COMMON_NUMQ, vp->vdev->nqueues, 2);
	put_le(img + VIRTIO_PCI_COMMON_Q_SELECT, vp->queue_select, 2);
	pthread_mutex_lock(&vp->irq_lock);
	put_le(img + VIRTIO_PCI_COMMON_MSIX, vp->msix_config, 2);
	img[VIRTIO_PCI_COMMON_STATUS] = vp->status;
	img[VIRTIO_PCI_COMMON_CFGGENERATION] = vp->config_generation;
	if (vq)
		put_le(img + VIRTIO_PCI_COMMON_Q_MSIX, vq->msix_vector, 2);
	pthread_mutex_unlock(&vp->irq_lock);
	if (!vq)
		return;
	put_le(img + VIRTIO_PCI_COMMON_Q_SIZE, vq->size, 2);
	put_le(img + VIRTIO_PCI_COMMON_Q_ENABLE, vq->enabled, 2);
	put_le(img + VIRTIO_PCI_COMMON_Q_NOFF, vp->queue_select, 2);
	put_le(img + VIRTIO_PCI_COMMON_Q_DESC, vq->desc_addr, 8);
	put_le(img + VIRTIO_PCI_COMMON_Q_AVAIL, vq->avail_addr, 8);
	put_le(img + VIRTIO_PCI_COMMON_Q_USED, vq->used_addr, 8);
}

static u16 queue_max(const struct virtio_pci *vp, unsigned q)
{
	return min_u64(vp->vdev->queue_max_size[q], VIRTQ_MAX_SIZE);
}

/* Back to the state after init: sizes at the maximum, no vectors, nothing enabled. */
static void reset_queues(struct virtio_pci *vp)
{
	for (unsigned q = 0; q < vp->vdev->nqueues; q++) {
		struct virtqueue *vq = &vp->vdev->queues[q];

		virtqueue__reset(vq);
		pthread_mutex_lock(&vq->lock);
		vq->size = queue_max(vp, q);
		pthread_mutex_unlock(&vq->lock);
		pthread_mutex_lock(&vp->irq_lock);
		vq->msix_vector = VIRTIO_MSI_NO_VECTOR;
		pthread_mutex_unlock(&vp->irq_lock);
	}
}

/* Stops delivering kicks to the device; waits for a queue_notify that is running. */
static void unwatch_queues(struct virtio_pci *vp)
{
	for (unsigned q = 0; q < vp->vdev->nqueues; q++) {
		if (vp->queues[q].watched)
			io_thread__remove(vp->env.io, vp->queues[q].notify_fd);
		vp->queues[q].watched = false;
	}
}

/* One read empties an eventfd (not in semaphore mode): a second would only say EAGAIN. */
static void drain(int fd)
{
	u64 v;

	(void)!read(fd, &v, sizeof(v));
}

static void notify_handler(void *opaque, u32 events)
{
	struct virtio_pci_queue *pq = opaque;
	struct virtio_device *vdev = pq->vp->vdev;

	drain(pq->notify_fd);
	vdev->ops->queue_notify(vdev, pq->index);
}

/* Kicks made before DRIVER_OK are dropped; one kick per enabled queue looks at the rings. */
static int watch_queues(struct virtio_pci *vp)
{
	for (unsigned q = 0; q < vp->vdev->nqueues; q++) {
		struct virtio_pci_queue *pq = &vp->queues[q];
		u64 one = 1;
		int ret;

		drain(pq->notify_fd);
		ret = io_thread__add(vp->env.io, pq->notify_fd, EPOLLIN, notify_handler, pq);
		if (ret)
			return ret;
		pq->watched = true;
		if (vp->vdev->queues[q].enabled && write(pq->notify_fd, &one, sizeof(one)) < 0)
			return -errno;
	}
	return 0;
}

static void device_reset(struct virtio_pci *vp)
{
	struct virtio_device *vdev = vp->vdev;

	pthread_mutex_lock(&vp->irq_lock);
	vp->status = 0;		/* from here on the device raises no interrupt */
	pthread_mutex_unlock(&vp->irq_lock);
	if (vp->env.io)
		unwatch_queues(vp);
	if (vdev->ops->reset)
		vdev->ops->reset(vdev);
	reset_queues(vp);
	vdev->driver_features = 0;
	vp->guest_features = 0;
	vp->dfselect = vp->gfselect = 0;
	vp->queue_select = 0;
	virtio_pci_irq__reset(vp);
}

/* FEATURES_OK: only what was offered, VERSION_1 required, and the device must agree. */
static bool features_acceptable(struct virtio_pci *vp)
{
	u64 f = vp->guest_features;

	if (f & ~offered_features(vp)) {
		pr_warn_once("%s: driver accepted features %#llx it was not offered", vp->vdev->name,
			     (unsigned long long)(f & ~offered_features(vp)));
		return false;
	}
	if (!(f & (1ULL << VIRTIO_F_VERSION_1)))
		return false;
	if (vp->vdev->ops->features_ok && !vp->vdev->ops->features_ok(vp->vdev, f))
		return false;
	vp->vdev->driver_features = f;
	return true;
}

/* DRIVER_OK: start the back-end, then let kicks through. Failure asks for a reset. */
static void go_live(struct virtio_pci *vp)
{
	struct virtio_device *vdev = vp->vdev;
	int ret = vdev->ops->activate ? vdev->ops->activate(vdev) : 0;

	if (!ret) {
		pthread_mutex_lock(&vp->irq_lock);
		vp->status |= VIRTIO_STATUS_DRIVER_OK;
		pthread_mutex_unlock(&vp->irq_lock);
		if (vp->env.io)
			ret = watch_queues(vp);
	}
	if (ret) {
		if (virtio_pci__may_warn())
			pr_warn("%s: cannot start the device: %s", vdev->name, strerror(-ret));
		virtio__set_needs_reset(vdev);
	}
}

static void write_status(struct virtio_pci *vp, u8 val)
{
	u8 old, add;

	if (!val) {
		device_reset(vp);
		return;
	}
	old = get_status(vp);
	add = val & ~old & STATUS_DRIVER_BITS;	/* the driver cannot clear bits but by reset */
	if ((add & VIRTIO_STATUS_FEATURES_OK) && !features_acceptable(vp))
		add &= ~VIRTIO_STATUS_FEATURES_OK;
	if ((add & VIRTIO_STATUS_DRIVER_OK) && !((old | add) & VIRTIO_STATUS_FEATURES_OK))
		add &= ~VIRTIO_STATUS_DRIVER_OK;
	pthread_mutex_lock(&vp->irq_lock);
	vp->status |= add & ~VIRTIO_STATUS_DRIVER_OK;
	pthread_mutex_unlock(&vp->irq_lock);
	if (add & VIRTIO_STATUS_DRIVER_OK)
		go_live(vp);
}

static void write_queue_enable(struct virtio_pci *vp, struct virtqueue *vq, u16 val)
{
	struct virtio_device *vdev = vp->vdev;
	u8 status = get_status(vp);
	int ret;


	if (val != 1 || vq->enabled || !(status & VIRTIO_STATUS_FEATURES_OK) ||
	    (status & VIRTIO_STATUS_DRIVER_OK))
		return;
	ret = virtqueue__enable(vq, virtio__has_feature(vdev, VIRTIO_F_EVENT_IDX),
				virtio__has_feature(vdev, VIRTIO_F_INDIRECT_DESC));
	if (ret && virtio_pci__may_warn())
		pr_warn("%s: queue %u: bad size or ring addresses (size %u, desc %#llx, avail %#llx, "
			"used %#llx); left disabled", vdev->name, vp->queue_select, vq->size,
			(unsigned long long)vq->desc_addr, (unsigned long long)vq->avail_addr,
			(unsigned long long)vq->used_addr);
}

static void write_queue_size(struct virtio_pci *vp, struct virtqueue *vq, u16 val)
{
	u16 max = queue_max(vp, vp->queue_select);

	if (vq->enabled)
		return;
	if (!val || val > max || (val & (val - 1))) {
		pr_warn_once("%s: queue size %u refused (a power of two up to %u)", vp->vdev->name,
			     val, max);
		return;
	}
	pthread_mutex_lock(&vq->lock);
	vq->size = val;
	pthread_mutex_unlock(&vq->lock);
}

/* A 64-bit ring address written whole or as two 32-bit halves (as Linux does). */
static void write_queue_addr(struct virtqueue *vq, u32 off, u64 val, u32 len)
{
	u32 field = off & ~7u;
	u64 *addr = field == VIRTIO_PCI_COMMON_Q_DESC ? &vq->desc_addr :
		    field == VIRTIO_PCI_COMMON_Q_AVAIL ? &vq->avail_addr : &vq->used_addr;

	if (vq->enabled)
		return;
	pthread_mutex_lock(&vq->lock);
	if (len == 8)
		*addr = val;
	else if (off & 4)
		*addr = (*addr & 0xffffffffULL) | val << 32;
	else
		*addr = (*addr & ~0xffffffffULL) | (u32)val;
	pthread_mutex_unlock(&vq->lock);
}

static u16 valid_vector(const struct virtio_pci *vp, u16 v)
{
	return v < vp->nvectors ? v : VIRTIO_MSI_NO_VECTOR;
}

static void write_queue_field(struct virtio_pci *vp, u32 off, u64 val, u32 len)
{
	struct virtqueue *vq = selected_queue(vp);

	if (!vq)
		return;
	if (off == VIRTIO_PCI_COMMON_Q_SIZE && len == 2) {
		write_queue_size(vp, vq, val);
	} else if (off == VIRTIO_PCI_COMMON_Q_MSIX && len == 2) {
		pthread_mutex_lock(&vp->irq_lock);
		vq->msix_vector = valid_vector(vp, val);
		pthread_mutex_unlock(&vp->irq_lock);
	} else if (off == VIRTIO_PCI_COMMON_Q_ENABLE && len == 2) {
		write_queue_enable(vp, vq, val);
	} else if (off >= VIRTIO_PCI_COMMON_Q_DESC && off < VIRTIO_PCI_COMMON_LEN &&
		   ((len == 4 && !(off & 3)) || (len == 8 && !(off & 7)))) {
		write_queue_addr(vq, off, val, len);
	} else {
		pr_warn_once("%s: %u-byte write at common config %#x ignored", vp->vdev->name, len,
			     off);
	}
}

/* Each field takes a write of its own width at its own offset; anything else is ignored. */
static void common_write(struct virtio_pci *vp, u32 off, u64 val, u32 len)
{
	bool features_locked = get_status(vp) & VIRTIO_STATUS_FEATURES_OK;

	if (off == VIRTIO_PCI_COMMON_DFSELECT && len == 4) {
		vp->dfselect = val;
	} else if (off == VIRTIO_PCI_COMMON_GFSELECT && len == 4) {
		vp->gfselect = val;
	} else if (off == VIRTIO_PCI_COMMON_GF && len == 4) {
		if (vp->gfselect < 2 && !features_locked) {
			u32 shift = 32 * vp->gfselect;

			vp->guest_features &= ~(0xffffffffULL << shift);
			vp->guest_features |= (u64)(u32)val << shift;
		}
	} else if (off == VIRTIO_PCI_COMMON_MSIX && len == 2) {
		pthread_mutex_lock(&vp->irq_lock);
		vp->msix_config = valid_vector(vp, val);
		pthread_mutex_unlock(&vp->irq_lock);
	} else if (off == VIRTIO_PCI_COMMON_STATUS && len == 1) {
		write_status(vp, val);
	} else if (off == VIRTIO_PCI_COMMON_Q_SELECT && len == 2) {
		vp->queue_select = val;
	} else {
		write_queue_field(vp, off, val, len);
	}
}

static void common_access(struct virtio_pci *vp, u32 off, u8 *data, u32 len, bool is_write)
{
	u8 img[VIRTIO_PCI_COMMON_LEN];

	if (off >= VIRTIO_PCI_COMMON_LEN || len > VIRTIO_PCI_COMMON_LEN - off) {
		if (!is_write)
			memset(data, 0, len);
		return;
	}
	if (is_write) {
		common_write(vp, off, get_le(data, len), len);
		return;
	}
	common_image(vp, img);
	memcpy(data, img + off, len);
}

static void device_cfg_access(struct virtio_pci *vp, u32 off, u8 *data, u32 len, bool is_write)
{
	struct virtio_device *vdev = vp->vdev;

	if (off >= vdev->config_size || len > vdev->config_size - off) {
		if (!is_write)
			memset(data, 0, len);
		return;
	}
	pthread_mutex_lock(&vp->cfg_lock);
	if (is_write && vdev->ops->write_config)
		vdev->ops->write_config(vdev, off, data, len);
	else if (!is_write && vdev->ops->read_config)
		vdev->ops->read_config(vdev, off, data, len);
	pthread_mutex_unlock(&vp->cfg_lock);
}

/* A kick: the eventfd KVM would have signalled (no ioeventfd, or an unusual width). */
static void notify_write(struct virtio_pci *vp, u32 off)
{
	unsigned q = off / VIRTIO_PCI_NOTIFY_MULT;
	u64 one = 1;

	if (q >= vp->vdev->nqueues)
		return;
	if (vp->env.io) {
		if (write(vp->queues[q].notify_fd, &one, sizeof(one)) < 0)
			pr_warn_once("%s: cannot signal a kick: %s", vp->vdev->name, strerror(errno));
	} else if (get_status(vp) & VIRTIO_STATUS_DRIVER_OK) {
		vp->vdev->ops->queue_notify(vp->vdev, q);
	}
}

/* Everything in the BAR; offset + len is inside it (the PCI window checked). */
static void bar_dispatch(struct virtio_pci *vp, u64 off, u8 *data, u32 len, bool is_write)
{
	if (off < VIRTIO_PCI_ISR_OFF) {
		common_access(vp, off - VIRTIO_PCI_COMMON_OFF, data, len, is_write);
	} else if (off < VIRTIO_PCI_DEVICE_OFF) {
		if (is_write)
			return;
		memset(data, 0, len);
		if (off == VIRTIO_PCI_ISR_OFF)
			data[0] = virtio_pci_irq__read_isr(vp);
	} else if (off < VIRTIO_PCI_NOTIFY_OFF) {
		device_cfg_access(vp, off - VIRTIO_PCI_DEVICE_OFF, data, len, is_write);
	} else if (off < VIRTIO_PCI_MSIX_TABLE_OFF) {
		if (is_write)
			notify_write(vp, off - VIRTIO_PCI_NOTIFY_OFF);
		else
			memset(data, 0, len);
	} else {
		virtio_pci_irq__msix_access(vp, off, data, len, is_write);
	}
}

static void bar_access(struct pci_device *pdev, unsigned bar, u64 off, u8 *data, u32 len,
		       bool is_write)
{
	struct virtio_pci *vp = container_of(pdev, struct virtio_pci, pdev);

	if (bar == VIRTIO_PCI_BAR)
		bar_dispatch(vp, off, data, len, is_write);
}

/* 4.1.4.9: the PCI_CFG capability's window into the BAR, for drivers without MMIO. */
static void pcicfg_access(struct virtio_pci *vp, bool is_write)
{
	u8 *cap = &vp->pdev.config[vp->pcicfg_cap];
	u32 off = pci_config__read32(&vp->pdev, vp->pcicfg_cap + PCICFG_OFFSET);
	u32 len = pci_config__read32(&vp->pdev, vp->pcicfg_cap + PCICFG_LENGTH);

	if (cap[PCICFG_BAR] != VIRTIO_PCI_BAR || (len != 1 && len != 2 && len != 4) ||
	    (off & (len - 1)) || off >= VIRTIO_PCI_BAR_SIZE)
		return;
	bar_dispatch(vp, off, cap + PCICFG_DATA, len, is_write);
}

static bool overlaps(u32 off, u32 len, u32 start, u32 size)
{
	return off < start + size && start < off + len;
}

/* Moves each queue's ioeventfd with the BAR; only addresses inside the PCI window qualify. */
static void place_ioeventfds(struct virtio_pci *vp)
{
	u64 base = vp->bar_addr + VIRTIO_PCI_NOTIFY_OFF;
	bool usable = vp->bar_on && vp->bar_addr >= PCI_MMIO_START &&
		      vp->bar_addr <= PCI_MMIO_END - VIRTIO_PCI_BAR_SIZE;

	for (unsigned q = 0; q < vp->vdev->nqueues; q++) {
		struct virtio_pci_queue *pq = &vp->queues[q];
		u64 want = usable ? base + q * VIRTIO_PCI_NOTIFY_MULT : 0;

		if (pq->ioeventfd_on && pq->ioeventfd_addr == want)
			continue;
		if (pq->ioeventfd_on)
			vp->env.hooks->ioeventfd_detach(vp->env.vm, pq->notify_fd, pq->ioeventfd_addr, 2);
		pq->ioeventfd_on = false;
		if (want && !vp->env.hooks->ioeventfd_attach(vp->env.vm, pq->notify_fd, want, 2)) {
			pq->ioeventfd_on = true;
			pq->ioeventfd_addr = want;
		}
	}
}

static void config_write(struct pci_device *pdev, u32 off, u32 len)
{
	struct virtio_pci *vp = container_of(pdev, struct virtio_pci, pdev);

	if (overlaps(off, len, PCI_COMMAND, 2) || overlaps(off, len, PCI_BAR(VIRTIO_PCI_BAR), 8)) {
		vp->bar_addr = pci_device__bar_address(pdev, VIRTIO_PCI_BAR);
		vp->bar_on = pci_device__bar_enabled(pdev, VIRTIO_PCI_BAR);
		place_ioeventfds(vp);
	}
	if (overlaps(off, len, PCI_COMMAND, 2) || overlaps(off, len, vp->msix_cap + 2, 2))
		virtio_pci_irq__config_changed(vp);
	if (overlaps(off, len, vp->pcicfg_cap + PCICFG_DATA, 4))
		pcicfg_access(vp, true);
}

static void config_read(struct pci_device *pdev, u32 off, u32 len)
{
	struct virtio_pci *vp = container_of(pdev, struct virtio_pci, pdev);

	if (overlaps(off, len, vp->pcicfg_cap + PCICFG_DATA, 4))
		pcicfg_access(vp, false);
}

static const struct pci_device_ops virtio_pci_ops = {
	.config_write = config_write,
	.config_read = config_read,
	.bar_access = bar_access,
};

static int add_virtio_cap(struct virtio_pci *vp, u8 type, u32 off, u32 len, u8 extra_len,
			  u32 extra)
{
	u8 cap[VIRTIO_CAP_LEN + 4] = { PCI_CAP_ID_VNDR, 0, VIRTIO_CAP_LEN + extra_len, type,
				       VIRTIO_PCI_BAR };

	put_le(cap + 8, off, 4);
	put_le(cap + 12, len, 4);
	put_le(cap + 16, extra, 4);
	return pci_device__add_capability(&vp->pdev, cap, VIRTIO_CAP_LEN + extra_len);
}

static int add_pcicfg_cap(struct virtio_pci *vp)
{
	int off = add_virtio_cap(vp, VIRTIO_PCI_CAP_PCI_CFG, 0, 0, 4, 0);

	if (off < 0)
		return off;
	vp->pcicfg_cap = off;
	vp->pdev.wmask[off + PCICFG_BAR] = 0xff;
	memset(&vp->pdev.wmask[off + PCICFG_OFFSET], 0xff, 12);	/* offset, length, data */
	return 0;
}

static int add_caps(struct virtio_pci *vp)
{
	struct virtio_device *vdev = vp->vdev;
	int ret = virtio_pci_irq__add_msix_cap(vp);

	if (ret >= 0)
		ret = add_virtio_cap(vp, VIRTIO_PCI_CAP_COMMON_CFG, VIRTIO_PCI_COMMON_OFF,
				     VIRTIO_PCI_COMMON_LEN, 0, 0);
	if (ret >= 0)
		ret = add_virtio_cap(vp, VIRTIO_PCI_CAP_NOTIFY_CFG, VIRTIO_PCI_NOTIFY_OFF,
				     vdev->nqueues * VIRTIO_PCI_NOTIFY_MULT, 4, VIRTIO_PCI_NOTIFY_MULT);
	if (ret >= 0)
		ret = add_virtio_cap(vp, VIRTIO_PCI_CAP_ISR_CFG, VIRTIO_PCI_ISR_OFF, 1, 0, 0);
	if (ret >= 0 && vdev->config_size)
		ret = add_virtio_cap(vp, VIRTIO_PCI_CAP_DEVICE_CFG, VIRTIO_PCI_DEVICE_OFF,
				     vdev->config_size, 0, 0);
	if (ret >= 0)
		ret = add_pcicfg_cap(vp);
	return ret < 0 ? ret : 0;
}

static int check_device(const struct virtio_device *vdev, char *err, size_t errlen)
{
	if (!vdev->ops || !vdev->ops->queue_notify)
		return set_err(err, errlen, EINVAL, "%s: no queue_notify", vdev->name);
	if (!vdev->nqueues || vdev->nqueues > VIRTIO_MAX_QUEUES)
		return set_err(err, errlen, EINVAL, "%s: %u queues (1 to %d)", vdev->name,
			       vdev->nqueues, VIRTIO_MAX_QUEUES);
	if (vdev->config_size > VIRTIO_PCI_DEVICE_MAX)
		return set_err(err, errlen, EINVAL, "%s: config space of %u bytes", vdev->name,
			       vdev->config_size);
	return 0;
}

static int setup_pci(struct virtio_pci *vp, char *err, size_t errlen)
{
	struct virtio_device *vdev = vp->vdev;
	int ret;

	pci_device__init(&vp->pdev, vdev->name, VIRTIO_PCI_VENDOR_ID,
			 VIRTIO_PCI_DEVICE_ID_BASE + vdev->device_id, vdev->pci_class, &virtio_pci_ops);
	vp->pdev.config[PCI_REVISION_ID] = 1;
	pci_config__write16(&vp->pdev, PCI_SUBSYSTEM_VENDOR_ID, VIRTIO_PCI_VENDOR_ID);
	pci_config__write16(&vp->pdev, PCI_SUBSYSTEM_ID, VIRTIO_PCI_SUBSYSTEM_ID);
	vp->pdev.config[PCI_INTERRUPT_PIN] = 1;		/* INTA# */
	ret = pci_device__set_bar(&vp->pdev, VIRTIO_PCI_BAR, PCI_BAR_MEM64, VIRTIO_PCI_BAR_SIZE,
				  false);
	if (!ret)
		ret = add_caps(vp);
	if (ret)
		return set_err(err, errlen, -ret, "%s: cannot build its PCI config space",
			       vdev->name);
	ret = pci__register(vp->env.pci, &vp->pdev, vp->env.slot);
	if (ret)
		return set_err(err, errlen, -ret, "%s: no room on the PCI bus: %s", vdev->name,
			       strerror(-ret));
	vp->registered = true;
	/* Firmware-like: the line register names the GSI of the slot's INTA# (the _PRT's rule). */
	vp->gsi_intx = PCI_INTX_FIRST_GSI + (vp->pdev.devfn >> 3) % PCI_INTX_NR_GSI;
	vp->pdev.config[PCI_INTERRUPT_LINE] = vp->gsi_intx;
	return 0;
}

static int open_notify_fds(struct virtio_pci *vp, char *err, size_t errlen)
{
	for (unsigned q = 0; q < vp->vdev->nqueues; q++) {
		struct virtio_pci_queue *pq = &vp->queues[q];

		pq->vp = vp;
		pq->index = q;
		pq->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (pq->notify_fd < 0)
			return set_err(err, errlen, errno, "%s: eventfd: %s", vp->vdev->name,
				       strerror(errno));
	}
	return 0;
}

static void init_fields(struct virtio_pci *vp, struct virtio_device *vdev,
			const struct virtio_pci_env *env)
{
	memset(vp, 0, sizeof(*vp));
	vp->transport.kind = "virtio-pci";
	vp->vdev = vdev;
	vp->env = *env;
	if (!vp->env.hooks)
		vp->env.hooks = &virtio_pci_kvm_hooks;
	vp->nvectors = vdev->nqueues + 1;
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
		vp->queues[q].notify_fd = -1;
	for (unsigned v = 0; v < VIRTIO_PCI_MAX_VECTORS; v++)
		vp->vectors[v].efd = vp->vectors[v].gsi = -1;
	pthread_mutex_init(&vp->cfg_lock, NULL);
	pthread_mutex_init(&vp->irq_lock, NULL);
	for (unsigned q = 0; q < vdev->nqueues; q++)
		virtqueue__init(&vdev->queues[q], env->mem);
}

int virtio_pci__init(struct virtio_pci *vp, struct virtio_device *vdev,
		     const struct virtio_pci_env *env, char *err, size_t errlen)
{
	int ret = check_device(vdev, err, errlen);

	if (ret)
		return ret;
	init_fields(vp, vdev, env);
	reset_queues(vp);
	virtio_pci_irq__reset(vp);
	ret = open_notify_fds(vp, err, errlen);
	if (!ret)
		ret = virtio_pci_irq__open(vp, err, errlen);
	if (!ret)
		ret = setup_pci(vp, err, errlen);
	if (ret) {
		virtio_pci__exit(vp);
		return ret;
	}
	vdev->transport = &vp->transport;
	vp->bar_addr = pci_device__bar_address(&vp->pdev, VIRTIO_PCI_BAR);
	vp->bar_on = pci_device__bar_enabled(&vp->pdev, VIRTIO_PCI_BAR);
	place_ioeventfds(vp);
	return 0;
}

void virtio_pci__exit(struct virtio_pci *vp)
{
	struct virtio_device *vdev = vp->vdev;

	/* A reset first: the device stops all work, so nothing calls virtio__notify_* after. */
	if (vdev->transport)
		device_reset(vp);
	if (vp->registered)
		pci__unregister(vp->env.pci, &vp->pdev);
	vp->registered = false;
	if (vp->env.io)
		unwatch_queues(vp);
	vp->bar_on = false;
	place_ioeventfds(vp);
	virtio_pci_irq__close(vp);
	for (unsigned q = 0; q < vdev->nqueues; q++) {
		if (vp->queues[q].notify_fd >= 0)
			close(vp->queues[q].notify_fd);
		vp->queues[q].notify_fd = -1;
		virtqueue__exit(&vdev->queues[q]);
	}
	pthread_mutex_destroy(&vp->cfg_lock);
	pthread_mutex_destroy(&vp->irq_lock);
	vdev->transport = NULL;
}
