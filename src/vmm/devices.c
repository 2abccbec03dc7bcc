/*
 * Device set-up for a machine: each entry of one table registers a device (or the virtio
 * devices) on the buses, in order, and is undone in reverse on failure or exit.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "boot/layout.h"
#include "devices/virtio/rng.h"
#include "util/log.h"
#include "vmm/machine.h"

static void com1_write(struct serial_output *out, const u8 *buf, size_t len)
{
	struct machine *m = container_of(out, struct machine, devices.com1_out);

	console__write(&m->console, buf, len);
}

static int init_com1(struct machine *m)
{
	m->devices.com1_out.write = com1_write;
	return serial__init(&m->devices.com1, &m->pio, COM1_PORT, COM1_IRQ, &m->vm.irq,
			    &m->devices.com1_out);
}

static void exit_com1(struct machine *m)
{
	serial__exit(&m->devices.com1);
}

static int init_i8042(struct machine *m)
{
	return i8042__init(&m->devices.i8042, &m->pio, &m->vm.irq, &m->control);
}

static void exit_i8042(struct machine *m)
{
	i8042__exit(&m->devices.i8042);
}

static int init_rtc(struct machine *m)
{
	u64 low = guest_memory__low_end(&m->mem);

	return rtc__init(&m->devices.rtc, &m->pio, low, m->mem.size - low);
}

static void exit_rtc(struct machine *m)
{
	rtc__exit(&m->devices.rtc);
}

static int init_debug_exit(struct machine *m)
{
	return debug_exit__init(&m->devices.debug_exit, &m->pio, &m->control);
}

static void exit_debug_exit(struct machine *m)
{
	debug_exit__exit(&m->devices.debug_exit);
}

static int init_acpi_pm(struct machine *m)
{
	return acpi_pm__init(&m->devices.acpi_pm, &m->pio, &m->vm.irq, &m->control);
}

static void exit_acpi_pm(struct machine *m)
{
	acpi_pm__exit(&m->devices.acpi_pm);
}

static int init_pci(struct machine *m)
{
	return pci__init(&m->devices.pci, &m->pio, &m->mmio);
}

static void exit_pci(struct machine *m)
{
	pci__exit(&m->devices.pci);
}

/* What differs between virtio back-ends: how to make one, get its device, and free it. */
struct virtio_kind {
	const char *prefix;
	int (*create)(struct machine *m, unsigned i, struct io_thread *io, void **backend,
		      char *err, size_t errlen);
	struct virtio_device *(*device)(void *backend);
	void (*destroy)(void *backend);
};

static int create_rng(struct machine *m, unsigned i, struct io_thread *io, void **backend,
		      char *err, size_t errlen)
{
	return virtio_rng__create((struct virtio_rng **)backend, &m->mem, io, err, errlen);
}

static struct virtio_device *rng_device(void *backend)
{
	return virtio_rng__device(backend);
}

static void destroy_rng(void *backend)
{
	virtio_rng__destroy(backend);
}

static int create_blk(struct machine *m, unsigned i, struct io_thread *io, void **backend,
		      char *err, size_t errlen)
{
	return virtio_blk__create((struct virtio_blk **)backend, &m->cfg.disks[i], &m->mem, io,
				  err, errlen);
}

static struct virtio_device *blk_device(void *backend)
{
	return virtio_blk__device(backend);
}

static void destroy_blk(void *backend)
{
	virtio_blk__destroy(backend);
}

static int create_net(struct machine *m, unsigned i, struct io_thread *io, void **backend,
		      char *err, size_t errlen)
{
	return virtio_net__create((struct virtio_net **)backend, &m->cfg.nets[i], &m->mem, io,
				  err, errlen);
}

static struct virtio_device *net_device(void *backend)
{
	return virtio_net__device(backend);
}

static void destroy_net(void *backend)
{
	virtio_net__destroy(backend);
}

static const struct virtio_kind rng_kind = { "rng", create_rng, rng_device, destroy_rng };
static const struct virtio_kind blk_kind = { "blk", create_blk, blk_device, destroy_blk };
static const struct virtio_kind net_kind = { "net", create_net, net_device, destroy_net };

/* Transport first, back-end next, thread last: the reverse of set-up. */
static void remove_virtio(struct machine_virtio *v)
{
	if (v->vp_ready)
		virtio_pci__exit(&v->vp);
	if (v->backend)
		v->destroy(v->backend);
	if (v->io_ready)
		io_thread__exit(&v->io);
	memset(v, 0, sizeof(*v));
}

static int plug_virtio(struct machine *m, struct machine_virtio *v, const struct virtio_kind *kind,
		       char *err, size_t errlen)
{
	struct virtio_pci_env env = { .pci = &m->devices.pci, .vm = &m->vm, .irq = &m->vm.irq,
				      .mem = &m->mem, .io = &v->io, .slot = -1 };
	struct virtio_device *vdev = kind->device(v->backend);
	int ret;

	if (!vdev)
		return set_err(err, errlen, ENODEV, "%s: no device", v->name);
	ret = virtio_pci__init(&v->vp, vdev, &env, err, errlen);
	if (ret)
		return ret;
	v->vp_ready = true;
	return io_thread__start(&v->io, err, errlen);
}

/* Back-end, PCI function and a started I/O thread for the i-th device of a kind. */
static int add_virtio(struct machine *m, const struct virtio_kind *kind, unsigned i, bool numbered,
		      char *err, size_t errlen)
{
	struct machine_devices *d = &m->devices;
	struct machine_virtio *v = &d->virtio[d->nvirtio];
	int ret;

	memset(v, 0, sizeof(*v));
	if (numbered)
		snprintf(v->name, sizeof(v->name), "virtio-%s%u", kind->prefix, i);
	else
		snprintf(v->name, sizeof(v->name), "virtio-%s", kind->prefix);
	ret = io_thread__init(&v->io, v->name, err, errlen);
	if (ret)
		return ret;
	v->io_ready = true;
	v->destroy = kind->destroy;
	ret = kind->create(m, i, &v->io, &v->backend, err, errlen);
	if (!ret)
		ret = plug_virtio(m, v, kind, err, errlen);
	if (ret) {
		remove_virtio(v);
		return ret;
	}
	d->nvirtio++;
	return 0;
}

static void exit_virtio(struct machine *m)
{
	while (m->devices.nvirtio > 0)
		remove_virtio(&m->devices.virtio[--m->devices.nvirtio]);
}

/* rng, then disks and NICs in flag order (so they take PCI slots in that order). */
static int init_virtio(struct machine *m, char *err, size_t errlen)
{
	int ret = 0;

	m->devices.nvirtio = 0;
	if (m->cfg.rng)
		ret = add_virtio(m, &rng_kind, 0, false, err, errlen);
	for (unsigned i = 0; !ret && i < m->cfg.ndisks; i++)
		ret = add_virtio(m, &blk_kind, i, true, err, errlen);
	for (unsigned i = 0; !ret && i < m->cfg.nnets; i++)
		ret = add_virtio(m, &net_kind, i, true, err, errlen);
	if (ret)
		exit_virtio(m);
	return ret;
}

static const struct device_step {
	const char *name;
	int (*init)(struct machine *m);
	int (*init_err)(struct machine *m, char *err, size_t errlen);	/* with its own message */
	void (*exit)(struct machine *m);
} device_steps[] = {
	{ "serial (COM1)", init_com1, NULL, exit_com1 },
	{ "i8042", init_i8042, NULL, exit_i8042 },
	{ "CMOS RTC", init_rtc, NULL, exit_rtc },
	{ "debug-exit", init_debug_exit, NULL, exit_debug_exit },
	{ "ACPI PM", init_acpi_pm, NULL, exit_acpi_pm },
	{ "PCI host bridge", init_pci, NULL, exit_pci },
	{ "virtio", NULL, init_virtio, exit_virtio },
};

static int init_step(struct machine *m, const struct device_step *step, char *err, size_t errlen)
{
	int ret;

	if (step->init_err)
		return step->init_err(m, err, errlen);
	ret = step->init(m);
	if (ret)
		set_err(err, errlen, -ret, "cannot set up device %s: %s", step->name, strerror(-ret));
	return ret;
}

int machine_devices__init(struct machine *m, char *err, size_t errlen)
{
	struct machine_devices *d = &m->devices;

	for (d->ninit = 0; d->ninit < ARRAY_SIZE(device_steps); d->ninit++) {
		int ret = init_step(m, &device_steps[d->ninit], err, errlen);

		if (ret) {
			machine_devices__exit(m);
			return ret;
		}
	}
	return 0;
}

void machine_devices__exit(struct machine *m)
{
	while (m->devices.ninit > 0)
		device_steps[--m->devices.ninit].exit(m);
}

size_t machine_devices__console_input(struct machine *m, const u8 *buf, size_t len)
{
	return serial__receive(&m->devices.com1, buf, len);
}
