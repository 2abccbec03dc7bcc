/* Machine assembly: one ordered table of init steps, undone in reverse on failure or exit. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "devices/virtio/blk.h"
#include "kvm/nested.h"
#include "util/log.h"
#include "vmm/image.h"
#include "vmm/machine.h"

static void request_stop(struct vm_control *ctl, enum stop_reason reason, int exit_code)
{
	struct machine *m = container_of(ctl, struct machine, control);
	int none = STOP_NONE;
	u64 one = 1;

	if (!__atomic_compare_exchange_n(&m->stop_reason, &none, reason, false, __ATOMIC_SEQ_CST,
					 __ATOMIC_SEQ_CST))
		return;
	__atomic_store_n(&m->exit_code, exit_code, __ATOMIC_SEQ_CST);
	if (write(m->stop_fd, &one, sizeof(one)) < 0)
		pr_err("cannot signal the event loop: %s", strerror(errno));
}

static int open_kvm(struct machine *m, char *err, size_t errlen)
{
	int ret = kvm__open(&m->kvm, m->cfg.kvm_path, err, errlen);
	char why[256];

	/* Without /dev/kvm nesting is unavailable too; say it in the words host-check uses. */
	if (ret && m->cfg.nested) {
		snprintf(why, sizeof(why), "%s", err);
		set_err(err, errlen, -ret, "--nested on: nested virtualization unavailable: %s", why);
	}
	return ret;
}

static void close_kvm(struct machine *m)
{
	kvm__close(&m->kvm);
}

static int check_limits(struct machine *m, char *err, size_t errlen)
{
	struct sysinfo si;
	u64 host_mib;

	if (m->cfg.ncpus > m->kvm.max_vcpus)
		return set_err(err, errlen, EINVAL, "--cpus %u is more than KVM's limit of %u",
			       m->cfg.ncpus, m->kvm.max_vcpus);
	if (sysinfo(&si) < 0)
		return set_err(err, errlen, errno, "sysinfo: %s", strerror(errno));
	host_mib = (u64)si.totalram * si.mem_unit / MiB;
	if (m->cfg.memory_mib > host_mib)
		return set_err(err, errlen, EINVAL, "--memory %llu MiB is more than the host's %llu MiB",
			       (unsigned long long)m->cfg.memory_mib, (unsigned long long)host_mib);
	return 0;
}

/* --nested on is refused before any VM exists when the host cannot honour it. */
static int check_nested(struct machine *m, char *err, size_t errlen)
{
	struct nested_facts facts;
	char reason[512];

	if (!m->cfg.nested)
		return 0;
	nested__gather(&facts, &m->kvm, m->cfg.kvm_path, "");
	if (!nested__available(&facts, reason, sizeof(reason)))
		return set_err(err, errlen, ENOTSUP, "--nested on: nested virtualization unavailable: %s",
			       reason);
	return 0;
}

static int map_memory(struct machine *m, char *err, size_t errlen)
{
	return guest_memory__init(&m->mem, m->cfg.memory_mib * MiB, err, errlen);
}

static void unmap_memory(struct machine *m)
{
	guest_memory__exit(&m->mem);
}

static int load_kernel(struct machine *m, char *err, size_t errlen)
{
	struct boot_request req = { .kernel_name = m->cfg.kernel_path, .cmdline = m->cfg.cmdline,
				    .ncpus = m->cfg.ncpus };
	u8 *kernel = NULL, *initrd = NULL;
	int ret;

	ret = image__read(m->cfg.kernel_path, "kernel", m->mem.size, &kernel, &req.kernel_size,
			  err, errlen);
	if (ret)
		return ret;
	if (m->cfg.initrd_path) {
		ret = image__read(m->cfg.initrd_path, "initrd", m->mem.size, &initrd,
				  &req.initrd_size, err, errlen);
		if (ret)
			goto out;
	}
	req.kernel = kernel;
	req.initrd = initrd;
	ret = boot__load(&m->mem, &req, &m->entry, err, errlen);
out:
	free(kernel);
	free(initrd);
	return ret;
}

static int create_vm(struct machine *m, char *err, size_t errlen)
{
	int ret = vm__create(&m->vm, &m->kvm, err, errlen);

	if (ret)
		return ret;
	ret = vm__set_memory(&m->vm, &m->mem, err, errlen);
	if (!ret)
		ret = vm__create_irqchip(&m->vm, err, errlen);
	if (ret)
		vm__destroy(&m->vm);
	return ret;
}

static void destroy_vm(struct machine *m)
{
	vm__destroy(&m->vm);
}

static int init_buses(struct machine *m, char *err, size_t errlen)
{
	bus__init(&m->pio, "pio");
	bus__init(&m->mmio, "mmio");
	return 0;
}

static int setup_vcpu(struct machine *m, struct kvm_vcpu *vcpu, char *err, size_t errlen)
{
	struct cpuid_policy policy = { .vcpu_index = vcpu->index, .ncpus = m->cfg.ncpus,
				       .nested = m->cfg.nested };
	int ret;

	ret = vcpu__set_cpuid(vcpu, &m->kvm, &policy, err, errlen);
	if (!ret)
		ret = vcpu__set_msrs(vcpu, &m->kvm, m->cfg.nested, err, errlen);
	if (!ret)
		ret = vcpu__setup_lapic(vcpu, err, errlen);
	/* Application processors wait for INIT/SIPI from the boot CPU. */
	if (!ret && vcpu->index == 0)
		ret = vcpu__setup_boot_regs(vcpu, &m->entry, err, errlen);
	return ret;
}

static void destroy_vcpus(struct machine *m)
{
	for (unsigned i = 0; m->vcpus && i < m->cfg.ncpus; i++)
		if (m->vcpus[i].run)
			vcpu__destroy(&m->vcpus[i]);
	free(m->vcpus);
	free(m->threads);
	m->vcpus = NULL;
	m->threads = NULL;
}

static int create_vcpus(struct machine *m, char *err, size_t errlen)
{
	int ret = 0;

	m->vcpus = calloc(m->cfg.ncpus, sizeof(*m->vcpus));
	m->threads = calloc(m->cfg.ncpus, sizeof(*m->threads));
	if (!m->vcpus || !m->threads) {
		destroy_vcpus(m);
		return set_err(err, errlen, ENOMEM, "out of memory for %u vCPUs", m->cfg.ncpus);
	}
	for (unsigned i = 0; i < m->cfg.ncpus && !ret; i++) {
		ret = vcpu__create(&m->vcpus[i], &m->vm, i, err, errlen);
		if (!ret)
			ret = setup_vcpu(m, &m->vcpus[i], err, errlen);
	}
	if (ret)
		destroy_vcpus(m);
	return ret;
}

static int check_disks(struct machine *m, char *err, size_t errlen)
{
	return disk_options__check(m->cfg.disks, m->cfg.ndisks, err, errlen);
}

static int open_stop_fd(struct machine *m, char *err, size_t errlen)
{
	m->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (m->stop_fd < 0)
		return set_err(err, errlen, errno, "eventfd: %s", strerror(errno));
	m->control.request_stop = request_stop;
	return 0;
}

static void close_stop_fd(struct machine *m)
{
	close(m->stop_fd);
	m->stop_fd = -1;
}

static int open_console(struct machine *m, char *err, size_t errlen)
{
	return console__open(&m->console, &m->cfg, err, errlen);
}

static void close_console(struct machine *m)
{
	console__close(&m->console);
}

/*
 * SIGINT, SIGTERM and SIGHUP are taken by the event loop's signalfd, and SIGUSR1 kicks vCPUs:
 * they are blocked before any thread exists, so that the device I/O threads created here
 * inherit the block instead of being picked to die by the signal's default action.
 */
static int block_signals(struct machine *m, char *err, size_t errlen)
{
	sigset_t set;
	int ret;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	ret = pthread_sigmask(SIG_BLOCK, &set, NULL);
	return ret ? set_err(err, errlen, ret, "cannot block signals: %s", strerror(ret)) : 0;
}

static int init_run_state(struct machine *m, char *err, size_t errlen)
{
	pthread_mutex_init(&m->run_lock, NULL);
	pthread_cond_init(&m->run_cond, NULL);
	return 0;
}

static void exit_run_state(struct machine *m)
{
	pthread_cond_destroy(&m->run_cond);
	pthread_mutex_destroy(&m->run_lock);
}

struct init_step {
	const char *name;
	int (*init)(struct machine *m, char *err, size_t errlen);
	void (*exit)(struct machine *m);
};

/* Bad input is found before KVM_CREATE_VM; the console goes raw only once all else worked. */
static const struct init_step init_steps[] = {
	{ "signals", block_signals, NULL },
	{ "run-state", init_run_state, exit_run_state },
	{ "kvm", open_kvm, close_kvm },
	{ "limits", check_limits, NULL },
	{ "nested", check_nested, NULL },
	{ "disks", check_disks, NULL },
	{ "memory", map_memory, unmap_memory },
	{ "kernel", load_kernel, NULL },
	{ "stop-fd", open_stop_fd, close_stop_fd },
	{ "vm", create_vm, destroy_vm },
	{ "buses", init_buses, NULL },
	{ "console", open_console, close_console },
	{ "devices", machine_devices__init, machine_devices__exit },
	{ "vcpus", create_vcpus, destroy_vcpus },
};

int machine__init(struct machine *m, const struct vm_config *cfg, char *err, size_t errlen)
{
	int ret;

	memset(m, 0, sizeof(*m));
	m->cfg = *cfg;
	m->stop_fd = -1;
	for (m->init_done = 0; m->init_done < ARRAY_SIZE(init_steps); m->init_done++) {
		ret = init_steps[m->init_done].init(m, err, errlen);
		if (ret) {
			pr_debug("init step %s failed", init_steps[m->init_done].name);
			machine__exit(m);
			return ret;
		}
	}
	return 0;
}

void machine__press_power_button(struct machine *m)
{
	acpi_pm__press_power_button(&m->devices.acpi_pm);
}

void machine__exit(struct machine *m)
{
	while (m->init_done > 0) {
		const struct init_step *step = &init_steps[--m->init_done];

		if (step->exit)
			step->exit(m);
	}
}
