/*
 * PCI configuration mechanism #1 on bus 0, the host bridge, config space for devices, and the
 * memory window: BAR placement at registration and decoding of guest accesses to BARs.
 */
#include <errno.h>
#include <string.h>

#include "boot/layout.h"
#include "devices/pci.h"
#include "util/log.h"

#define CONFIG_ENABLE	0x80000000u
#define CONFIG_KEEP	0x8ffffffcu	/* enable, AMD extended register, bus, devfn, dword */
#define CONFIG_EXT_REG	0x0f000000u	/* registers above 255: we only have 256 bytes */

#define HOST_BRIDGE_VENDOR	0x1b36	/* "generic PCIe host bridge", as QEMU's gpex */
#define HOST_BRIDGE_DEVICE	0x0008
#define CLASS_BRIDGE_HOST	0x060000

#define BAR_IO_FLAG	0x01
#define BAR_MEM64_FLAG	0x04
#define BAR_PREFETCH	0x08

void pci_device__init(struct pci_device *dev, const char *name, u16 vendor, u16 device,
		      u32 class_code, const struct pci_device_ops *ops)
{
	memset(dev, 0, sizeof(*dev));
	dev->name = name;
	dev->ops = ops;
	pci_config__write16(dev, PCI_VENDOR_ID, vendor);
	pci_config__write16(dev, PCI_DEVICE_ID, device);
	dev->config[PCI_CLASS_PROG] = class_code;
	pci_config__write16(dev, PCI_CLASS_PROG + 1, class_code >> 8);
	/* I/O, memory, bus master, parity and SERR response, INTx disable */
	dev->wmask[PCI_COMMAND] = 0x47;
	dev->wmask[PCI_COMMAND + 1] = 0x05;
	/* Status: parity, abort and SERR bits are write-1-to-clear. */
	dev->w1cmask[PCI_STATUS + 1] = 0xf9;
	dev->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
	dev->wmask[PCI_LATENCY_TIMER] = 0xff;
	dev->wmask[PCI_INTERRUPT_LINE] = 0xff;
	dev->cap_end = PCI_CAP_START;
}

static bool is_power_of_2(u64 v)
{
	return v && !(v & (v - 1));
}

static bool bar_args_ok(const struct pci_device *dev, unsigned bar, enum pci_bar_type type, u64 size)
{
	if (bar >= PCI_NR_BARS || !is_power_of_2(size) || dev->bar_size[bar])
		return false;
	if (bar > 0 && dev->bar_size[bar - 1] && (dev->config[PCI_BAR(bar - 1)] & 0x07) == BAR_MEM64_FLAG)
		return false;	/* the upper half of a 64-bit BAR */
	switch (type) {
	case PCI_BAR_IO:
		return size >= 4 && size <= 64 * KiB;
	case PCI_BAR_MEM32:
		return size >= 16 && size <= 2 * GiB;
	case PCI_BAR_MEM64:
		return size >= 16 && size <= (1ULL << 63) && bar + 1 < PCI_NR_BARS &&
		       !dev->bar_size[bar + 1];
	}
	return false;
}

/* Read-only type bits below, writable address bits above: writing ones reads back the size. */
int pci_device__set_bar(struct pci_device *dev, unsigned bar, enum pci_bar_type type, u64 size,
			bool prefetchable)
{
	unsigned off = PCI_BAR(bar);
	u64 mask = ~(size - 1);
	u32 flags;

	if (!bar_args_ok(dev, bar, type, size))
		return -EINVAL;
	if (type == PCI_BAR_IO) {
		flags = BAR_IO_FLAG;
		mask &= ~3ULL;
	} else {
		flags = (type == PCI_BAR_MEM64 ? BAR_MEM64_FLAG : 0) | (prefetchable ? BAR_PREFETCH : 0);
		mask &= ~15ULL;
	}
	pci_config__write32(dev, off, flags);
	for (unsigned i = 0; i < 4; i++)
		dev->wmask[off + i] = mask >> (8 * i);
	if (type == PCI_BAR_MEM64) {
		pci_config__write32(dev, off + 4, 0);
		for (unsigned i = 0; i < 4; i++)
			dev->wmask[off + 4 + i] = mask >> (32 + 8 * i);
	}
	dev->bar_size[bar] = size;
	return 0;
}

u64 pci_device__bar_address(const struct pci_device *dev, unsigned bar)
{
	u32 lo;

	if (bar >= PCI_NR_BARS || !dev->bar_size[bar])
		return 0;
	lo = pci_config__read32(dev, PCI_BAR(bar));
	if (lo & BAR_IO_FLAG)
		return lo & ~3u;
	if ((lo & 0x06) == BAR_MEM64_FLAG && bar + 1 < PCI_NR_BARS)
		return (lo & ~15u) | (u64)pci_config__read32(dev, PCI_BAR(bar + 1)) << 32;
	return lo & ~15u;
}

bool pci_device__bar_enabled(const struct pci_device *dev, unsigned bar)
{
	u16 cmd = pci_config__read16(dev, PCI_COMMAND);

	if (bar >= PCI_NR_BARS || !dev->bar_size[bar])
		return false;
	if (dev->config[PCI_BAR(bar)] & BAR_IO_FLAG)
		return cmd & PCI_COMMAND_IO;
	return cmd & PCI_COMMAND_MEMORY;
}

int pci_device__add_capability(struct pci_device *dev, const u8 *cap, u8 len)
{
	unsigned off = ALIGN_UP(dev->cap_end, 4);

	if (len < 2)
		return -EINVAL;
	if (off + len > PCI_CONFIG_SIZE)
		return -ENOSPC;
	memcpy(&dev->config[off], cap, len);
	dev->config[off + 1] = 0;
	if (dev->cap_last)
		dev->config[dev->cap_last + 1] = off;
	else
		dev->config[PCI_CAPABILITY_LIST] = off;
	dev->config[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	dev->cap_last = off;
	dev->cap_end = off + len;
	return off;
}

/* The device the latched address selects, or NULL (absent: reads all ones). */
static struct pci_device *selected(const struct pci_bus *pci)
{
	u32 addr = pci->config_address;
	unsigned devfn = (addr >> 8) & 0xff;

	if (!(addr & CONFIG_ENABLE) || (addr & CONFIG_EXT_REG) || ((addr >> 16) & 0xff))
		return NULL;
	if (devfn & 7)
		return NULL;	/* single-function devices only */
	return pci->slots[devfn >> 3];
}

static void config_write(struct pci_device *dev, unsigned reg, const u8 *data, u32 len)
{
	for (u32 i = 0; i < len; i++) {
		u8 *b = &dev->config[reg + i];

		*b = (*b & ~dev->wmask[reg + i]) | (data[i] & dev->wmask[reg + i]);
		*b &= ~(data[i] & dev->w1cmask[reg + i]);
	}
	if (dev->ops && dev->ops->config_write)
		dev->ops->config_write(dev, reg, len);
}

/* CONFIG_DATA: offset 0-3 within the dword the address selects; the bus keeps it in range. */
static void data_access(struct bus_device *bdev, u64 offset, u8 *data, u32 len, bool is_write)
{
	struct pci_bus *pci = container_of(bdev, struct pci_bus, data_dev);
	struct pci_device *dev;
	unsigned reg;

	pthread_mutex_lock(&pci->lock);
	dev = selected(pci);
	reg = (pci->config_address & 0xfc) + offset;
	if (!dev || reg + len > PCI_CONFIG_SIZE) {
		pthread_mutex_unlock(&pci->lock);
		return;
	}
	if (is_write) {
		config_write(dev, reg, data, len);
	} else {
		if (dev->ops && dev->ops->config_read)
			dev->ops->config_read(dev, reg, len);
		memcpy(data, &dev->config[reg], len);
	}
	pthread_mutex_unlock(&pci->lock);
}

/* CONFIG_ADDRESS is only a dword access at 0xcf8; narrower ones belong to other chipset ports. */
static void addr_access(struct bus_device *bdev, u64 offset, u8 *data, u32 len, bool is_write)
{
	struct pci_bus *pci = container_of(bdev, struct pci_bus, addr_dev);
	u32 val;

	if (offset != 0 || len != 4) {
		pr_debug("pci: %u-byte %s at %#llx ignored", len, is_write ? "write" : "read",
			 (unsigned long long)(PCI_CONFIG_ADDR_PORT + offset));
		return;
	}
	pthread_mutex_lock(&pci->lock);
	if (is_write) {
		memcpy(&val, data, 4);
		pci->config_address = val & CONFIG_KEEP;
	} else {
		memcpy(data, &pci->config_address, 4);
	}
	pthread_mutex_unlock(&pci->lock);
}

static bool is_mem_bar(const struct pci_device *dev, unsigned bar)
{
	return bar < PCI_NR_BARS && dev->bar_size[bar] && !(dev->config[PCI_BAR(bar)] & BAR_IO_FLAG);
}

/* Whether [start, start + size) meets BAR b of dev (if placed); *busy_end is where it ends. */
static bool bar_overlaps(const struct pci_device *dev, unsigned b, u64 start, u64 size,
			 u64 *busy_end)
{
	u64 addr = pci_device__bar_address(dev, b);

	if (!is_mem_bar(dev, b) || !addr || start >= addr + dev->bar_size[b] || addr >= start + size)
		return false;
	*busy_end = addr + dev->bar_size[b];
	return true;
}

/* Whether the range meets a memory BAR of a registered device or one of dev's placed ones. */
static bool range_busy(const struct pci_bus *pci, const struct pci_device *dev, u64 start,
		       u64 size, u64 *busy_end)
{
	for (unsigned b = 0; b < PCI_NR_BARS; b++)
		if (bar_overlaps(dev, b, start, size, busy_end))
			return true;
	for (unsigned s = 0; s < PCI_NR_SLOTS; s++) {
		const struct pci_device *other = pci->slots[s];

		for (unsigned b = 0; other && other != dev && b < PCI_NR_BARS; b++)
			if (bar_overlaps(other, b, start, size, busy_end))
				return true;
	}
	return false;
}

/* The lowest naturally aligned free place in the window for BAR bar, or 0 (first fit). */
static u64 find_place(const struct pci_bus *pci, const struct pci_device *dev, unsigned bar)
{
	u64 size = dev->bar_size[bar], start = ALIGN_UP(PCI_MMIO_START, size), busy_end;

	while (size <= PCI_MMIO_END - PCI_MMIO_START && start <= PCI_MMIO_END - size) {
		if (!range_busy(pci, dev, start, size, &busy_end))
			return start;
		start = ALIGN_UP(busy_end, size);
	}
	return 0;
}

static void set_bar_address(struct pci_device *dev, unsigned bar, u64 addr)
{
	u32 lo = pci_config__read32(dev, PCI_BAR(bar));

	pci_config__write32(dev, PCI_BAR(bar), (lo & 15) | (u32)addr);
	if ((lo & 0x06) == BAR_MEM64_FLAG)
		pci_config__write32(dev, PCI_BAR(bar + 1), addr >> 32);
}

/* The largest memory BAR of dev not placed yet, or PCI_NR_BARS. */
static unsigned largest_unplaced(const struct pci_device *dev)
{
	unsigned best = PCI_NR_BARS;

	for (unsigned b = 0; b < PCI_NR_BARS; b++)
		if (is_mem_bar(dev, b) && !pci_device__bar_address(dev, b) &&
		    (best == PCI_NR_BARS || dev->bar_size[b] > dev->bar_size[best]))
			best = b;
	return best;
}

/*
 * Like firmware: bottom-up first fit, each device's largest BAR first (less padding), then
 * memory decoding on. All or nothing: a BAR that does not fit undoes the others.
 */
static int place_bars(struct pci_bus *pci, struct pci_device *dev)
{
	unsigned bar;

	for (bar = 0; bar < PCI_NR_BARS; bar++)
		if (is_mem_bar(dev, bar))
			set_bar_address(dev, bar, 0);
	while ((bar = largest_unplaced(dev)) < PCI_NR_BARS) {
		u64 addr = find_place(pci, dev, bar);

		if (!addr) {
			for (bar = 0; bar < PCI_NR_BARS; bar++)
				if (is_mem_bar(dev, bar))
					set_bar_address(dev, bar, 0);
			return -ENOSPC;
		}
		set_bar_address(dev, bar, addr);
		dev->config[PCI_COMMAND] |= PCI_COMMAND_MEMORY;
	}
	return 0;
}

static int find_slot(const struct pci_bus *pci, int slot)
{
	if (slot >= 0)
		return pci->slots[slot] ? -EBUSY : slot;
	for (slot = 0; slot < PCI_NR_SLOTS; slot++)
		if (!pci->slots[slot])
			return slot;
	return -ENOSPC;
}

int pci__register(struct pci_bus *pci, struct pci_device *dev, int slot)
{
	int ret;

	if (slot >= PCI_NR_SLOTS)
		return -EINVAL;
	pthread_mutex_lock(&pci->lock);
	ret = find_slot(pci, slot);
	if (ret >= 0) {
		slot = ret;
		ret = place_bars(pci, dev);
	}
	if (!ret) {
		pci->slots[slot] = dev;
		dev->devfn = slot << 3;
	}
	pthread_mutex_unlock(&pci->lock);
	return ret;
}

void pci__unregister(struct pci_bus *pci, struct pci_device *dev)
{
	pthread_mutex_lock(&pci->lock);
	if (pci->slots[dev->devfn >> 3] == dev)
		pci->slots[dev->devfn >> 3] = NULL;
	pthread_mutex_unlock(&pci->lock);
}

/* The enabled memory BAR of a device on the bus that holds [addr, addr + len), if any. */
static struct pci_device *bar_at(const struct pci_bus *pci, u64 addr, u32 len, unsigned *bar,
				 u64 *offset)
{
	for (unsigned s = 0; s < PCI_NR_SLOTS; s++) {
		struct pci_device *dev = pci->slots[s];

		for (unsigned b = 0; dev && b < PCI_NR_BARS; b++) {
			u64 base = pci_device__bar_address(dev, b);

			if (!is_mem_bar(dev, b) || !pci_device__bar_enabled(dev, b) || addr < base ||
			    addr - base >= dev->bar_size[b] || len > dev->bar_size[b] - (addr - base))
				continue;
			*bar = b;
			*offset = addr - base;
			return dev;
		}
	}
	return NULL;
}

/* The whole window is one bus device; BARs are looked up under the lock since they move. */
static void window_access(struct bus_device *bdev, u64 offset, u8 *data, u32 len, bool is_write)
{
	struct pci_bus *pci = container_of(bdev, struct pci_bus, window_dev);
	struct pci_device *dev;
	unsigned bar;
	u64 bar_off;

	pthread_mutex_lock(&pci->lock);
	dev = bar_at(pci, bdev->base + offset, len, &bar, &bar_off);
	if (dev && dev->ops && dev->ops->bar_access)
		dev->ops->bar_access(dev, bar, bar_off, data, len, is_write);
	else
		pr_debug("pci: unclaimed %u-byte %s at %#llx", len, is_write ? "write" : "read",
			 (unsigned long long)(bdev->base + offset));
	pthread_mutex_unlock(&pci->lock);
}

static int register_ports(struct pci_bus *pci, struct bus *pio, struct bus *mmio)
{
	int ret = bus__register(pio, &pci->addr_dev);

	if (ret)
		return ret;
	ret = bus__register(pio, &pci->data_dev);
	if (ret)
		goto unregister_addr;
	if (mmio) {
		ret = bus__register(mmio, &pci->window_dev);
		if (ret)
			goto unregister_data;
	}
	return 0;
unregister_data:
	bus__unregister(pio, &pci->data_dev);
unregister_addr:
	bus__unregister(pio, &pci->addr_dev);
	return ret;
}

int pci__init(struct pci_bus *pci, struct bus *pio, struct bus *mmio)
{
	int ret;

	memset(pci, 0, sizeof(*pci));
	pci->addr_dev = (struct bus_device){ .name = "pci config address",
					     .base = PCI_CONFIG_ADDR_PORT, .len = 4,
					     .access = addr_access };
	pci->data_dev = (struct bus_device){ .name = "pci config data",
					     .base = PCI_CONFIG_DATA_PORT, .len = 4,
					     .access = data_access };
	pci->window_dev = (struct bus_device){ .name = "pci memory window",
					       .base = PCI_MMIO_START,
					       .len = PCI_MMIO_END - PCI_MMIO_START,
					       .access = window_access };
	pci_device__init(&pci->host_bridge, "host bridge", HOST_BRIDGE_VENDOR, HOST_BRIDGE_DEVICE,
			 CLASS_BRIDGE_HOST, NULL);
	ret = -pthread_mutex_init(&pci->lock, NULL);
	if (ret)
		return ret;
	ret = pci__register(pci, &pci->host_bridge, 0);
	if (!ret)
		ret = register_ports(pci, pio, mmio);
	if (ret) {
		pthread_mutex_destroy(&pci->lock);
		return ret;
	}
	pci->bus = pio;
	pci->mmio = mmio;
	return 0;
}

void pci__exit(struct pci_bus *pci)
{
	if (!pci->bus)
		return;
	if (pci->mmio)
		bus__unregister(pci->mmio, &pci->window_dev);
	bus__unregister(pci->bus, &pci->data_dev);
	bus__unregister(pci->bus, &pci->addr_dev);
	pci->bus = NULL;
	pci->mmio = NULL;
	pthread_mutex_destroy(&pci->lock);
}
