/*
 * PCI bus 0 behind configuration mechanism #1 (ports 0xcf8/0xcfc), a host bridge at 00:00.0,
 * the 32-bit memory window where BARs live, and the registration API devices (virtio-pci)
 * use: a config space image with write masks, BAR sizing and placement, capabilities, and
 * callbacks on guest config writes and BAR accesses.
 */
#ifndef NV_DEVICES_PCI_H
#define NV_DEVICES_PCI_H

#include <pthread.h>

#include "devices/bus.h"
#include "util/util.h"

#define PCI_CONFIG_SIZE		256
#define PCI_NR_SLOTS		32
#define PCI_NR_BARS		6

/* Type 0 header offsets */
#define PCI_VENDOR_ID		0x00
#define PCI_DEVICE_ID		0x02
#define PCI_COMMAND		0x04
#define PCI_STATUS		0x06
#define PCI_REVISION_ID		0x08
#define PCI_CLASS_PROG		0x09	/* class code: 0x09 prog-if, 0x0a subclass, 0x0b class */
#define PCI_CACHE_LINE_SIZE	0x0c
#define PCI_LATENCY_TIMER	0x0d
#define PCI_HEADER_TYPE		0x0e
#define PCI_BAR(n)		(0x10 + 4 * (n))
#define PCI_SUBSYSTEM_VENDOR_ID	0x2c
#define PCI_SUBSYSTEM_ID	0x2e
#define PCI_CAPABILITY_LIST	0x34
#define PCI_INTERRUPT_LINE	0x3c
#define PCI_INTERRUPT_PIN	0x3d
#define PCI_CAP_START		0x40	/* capabilities go from here up */

#define PCI_COMMAND_IO		0x0001
#define PCI_COMMAND_MEMORY	0x0002
#define PCI_COMMAND_MASTER	0x0004
#define PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS_CAP_LIST	0x0010

enum pci_bar_type {
	PCI_BAR_IO,
	PCI_BAR_MEM32,
	PCI_BAR_MEM64,		/* takes this BAR and the next */
};

struct pci_device;

/*
 * Callbacks run with the PCI bus lock held, on the vCPU thread that made the access. They may
 * take the device's own lock; the device must therefore never call pci__* functions while
 * holding its own lock. Cache what the data path needs (BAR addresses, MSI-X enable) here.
 */
struct pci_device_ops {
	/* After a guest write changed [offset, offset + len) of config space (BAR moves, MSI-X). */
	void (*config_write)(struct pci_device *dev, u32 offset, u32 len);
	/* Optional: before a guest read of [offset, offset + len), to refresh live registers. */
	void (*config_read)(struct pci_device *dev, u32 offset, u32 len);
	/*
	 * A guest access to memory BAR bar, decoded through the PCI window: offset + len lies
	 * within the BAR (len 1, 2, 4 or 8). Reads fill data; bytes left alone read as 0xff.
	 */
	void (*bar_access)(struct pci_device *dev, unsigned bar, u64 offset, u8 *data, u32 len,
			   bool is_write);
};

/* Embed in the device's struct and get back with container_of in the callbacks. */
struct pci_device {
	const char *name;
	const struct pci_device_ops *ops;
	u8 config[PCI_CONFIG_SIZE];	/* what the guest reads */
	u8 wmask[PCI_CONFIG_SIZE];	/* bits the guest may change */
	u8 w1cmask[PCI_CONFIG_SIZE];	/* bits the guest clears by writing 1 */
	u64 bar_size[PCI_NR_BARS];	/* 0: no BAR in this slot, hardwired to 0 (or a 64-bit BAR's upper half) */
	u8 cap_last;			/* offset of the last capability, 0 if none */
	u8 cap_end;			/* first free byte for the next capability */
	u8 devfn;			/* set by pci__register */
};

struct pci_bus {
	struct bus_device addr_dev;	/* PCI_CONFIG_ADDR_PORT, 4 ports */
	struct bus_device data_dev;	/* PCI_CONFIG_DATA_PORT, 4 ports */
	struct bus_device window_dev;	/* [PCI_MMIO_START, PCI_MMIO_END) on the MMIO bus */
	struct bus *bus;
	struct bus *mmio;		/* NULL: no window (config space only) */
	pthread_mutex_t lock;		/* the address latch and every device's config space */
	u32 config_address;
	struct pci_device *slots[PCI_NR_SLOTS];	/* function 0 of each slot */
	struct pci_device host_bridge;
};

/*
 * Creates bus 0 with the host bridge at 00:00.0 and claims the configuration ports, and,
 * when mmio is not NULL, the memory window on it: guest accesses there reach the device
 * whose enabled memory BAR holds the address (the guest may move BARs at any time).
 */
int pci__init(struct pci_bus *pci, struct bus *pio, struct bus *mmio) __must_check;
void pci__exit(struct pci_bus *pci);
/*
 * Puts dev at function 0 of slot (0-31), or of the first free slot if slot < 0, and places
 * its memory BARs as firmware would: naturally aligned in the window, clear of the other
 * devices' BARs, memory decoding on. I/O BARs are left unassigned.
 * -EBUSY if the slot is taken, -ENOSPC if the bus or window is full, -EINVAL for a bad slot.
 */
int pci__register(struct pci_bus *pci, struct pci_device *dev, int slot) __must_check;
void pci__unregister(struct pci_bus *pci, struct pci_device *dev);

/* A type 0 header: IDs, class (0xCCSSPP), the usual writable command/status bits, no BARs. */
void pci_device__init(struct pci_device *dev, const char *name, u16 vendor, u16 device,
		      u32 class_code, const struct pci_device_ops *ops);
/* Declares a BAR of size bytes (a power of two); the guest sizes it the usual way. */
int pci_device__set_bar(struct pci_device *dev, unsigned bar, enum pci_bar_type type, u64 size,
			bool prefetchable) __must_check;
/*
 * Appends a capability (cap[0] = ID; cap[1], the next pointer, is filled in) of len bytes,
 * dword-aligned. Returns its offset in config space, or -ENOSPC / -EINVAL.
 */
int pci_device__add_capability(struct pci_device *dev, const u8 *cap, u8 len) __must_check;
/* The address the guest programmed into a BAR (type bits masked); 0 for a slot without a BAR. */
u64 pci_device__bar_address(const struct pci_device *dev, unsigned bar);
/* Whether the command register lets the BAR decode (I/O or memory space enable). */
bool pci_device__bar_enabled(const struct pci_device *dev, unsigned bar);

static inline u16 pci_config__read16(const struct pci_device *dev, unsigned off)
{
	return dev->config[off] | dev->config[off + 1] << 8;
}

static inline u32 pci_config__read32(const struct pci_device *dev, unsigned off)
{
	return pci_config__read16(dev, off) | (u32)pci_config__read16(dev, off + 2) << 16;
}

static inline void pci_config__write16(struct pci_device *dev, unsigned off, u16 val)
{
	dev->config[off] = val;
	dev->config[off + 1] = val >> 8;
}

static inline void pci_config__write32(struct pci_device *dev, unsigned off, u32 val)
{
	pci_config__write16(dev, off, val);
	pci_config__write16(dev, off + 2, val >> 16);
}

#endif
