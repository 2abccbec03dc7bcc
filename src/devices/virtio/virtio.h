/*
 * The contract between virtio devices (blk, net, rng) and the virtio-pci transport: a device
 * describes its features, queues and config space; the transport negotiates, maps the rings,
 * delivers notifications on the device's worker thread and raises interrupts for it.
 */
#ifndef NV_DEVICES_VIRTIO_VIRTIO_H
#define NV_DEVICES_VIRTIO_VIRTIO_H

#include "devices/virtio/virtqueue.h"
#include "util/util.h"

/* Device types (virtio 1.x, 5 "Device Types"). */
#define VIRTIO_ID_NET			1
#define VIRTIO_ID_BLOCK			2
#define VIRTIO_ID_RNG			4

/* Device status bits. */
#define VIRTIO_STATUS_ACKNOWLEDGE	0x01
#define VIRTIO_STATUS_DRIVER		0x02
#define VIRTIO_STATUS_DRIVER_OK		0x04
#define VIRTIO_STATUS_FEATURES_OK	0x08
#define VIRTIO_STATUS_NEEDS_RESET	0x40
#define VIRTIO_STATUS_FAILED		0x80

/* Transport-level feature bits; the transport offers these itself. */
#define VIRTIO_F_INDIRECT_DESC		28
#define VIRTIO_F_EVENT_IDX		29
#define VIRTIO_F_VERSION_1		32

#define VIRTIO_MAX_QUEUES		8

struct virtio_device;

/*
 * Called by the transport. read_config/write_config run on a vCPU thread with the transport's
 * lock held; activate, reset and queue_notify run on the device's worker thread or with the
 * device quiesced, never concurrently with each other.
 */
struct virtio_device_ops {
	/* Device-specific config space (offset + len <= config_size, already checked). */
	void (*read_config)(struct virtio_device *vdev, u32 offset, u8 *data, u32 len);
	void (*write_config)(struct virtio_device *vdev, u32 offset, const u8 *data, u32 len);
	/* FEATURES_OK is being set: return false to refuse the driver's feature choice. */
	bool (*features_ok)(struct virtio_device *vdev, u64 features);
	/* DRIVER_OK: the queues are live; start the back-end. Non-zero marks the device broken. */
	int (*activate)(struct virtio_device *vdev);
	/* Status written 0: stop all work, drop in-flight requests, forget negotiated state. */
	void (*reset)(struct virtio_device *vdev);
	/* The driver kicked queue q (on the worker thread, after activate). */
	void (*queue_notify)(struct virtio_device *vdev, unsigned q);
};

struct virtio_transport;

struct virtio_device {
	const char *name;		/* "virtio-blk0", for messages */
	u16 device_id;			/* VIRTIO_ID_* */
	u32 pci_class;			/* 0xCCSSPP for the PCI header */
	const struct virtio_device_ops *ops;
	u64 device_features;		/* offered by the device (transport bits added on top) */
	u64 driver_features;		/* what the driver accepted, valid after FEATURES_OK */
	u32 config_size;		/* bytes of device-specific config space */
	unsigned nqueues;
	u16 queue_max_size[VIRTIO_MAX_QUEUES];
	struct virtqueue queues[VIRTIO_MAX_QUEUES];	/* addresses filled in by the transport */
	struct virtio_transport *transport;	/* set when plugged into a transport */
};

/* Whether the driver accepted feature bit (valid after FEATURES_OK). */
static inline bool virtio__has_feature(const struct virtio_device *vdev, unsigned bit)
{
	return vdev->driver_features & (1ULL << bit);
}

/*
 * Used buffers were added to queue q: interrupt the driver unless it asked not to be
 * (VIRTQ_AVAIL_F_NO_INTERRUPT or EVENT_IDX). Safe from any thread.
 */
void virtio__notify_queue(struct virtio_device *vdev, unsigned q);
/* The device config changed (link status, capacity): bump the generation and interrupt. */
void virtio__notify_config(struct virtio_device *vdev);
/* Something the driver did is unrecoverable: set DEVICE_NEEDS_RESET and tell the driver. */
void virtio__set_needs_reset(struct virtio_device *vdev);

#endif
