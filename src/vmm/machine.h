/*
 * A whole VM in one process: guest memory, the KVM VM and vCPUs, buses and devices, the
 * console. machine__init builds it in the order of one table; machine__run starts the vCPU
 * threads and runs the event loop on the calling thread until the guest or a signal stops it.
 */
#ifndef NV_VMM_MACHINE_H
#define NV_VMM_MACHINE_H

#include <pthread.h>

#include "boot/boot.h"
#include "devices/bus.h"
#include "kvm/vcpu.h"
#include "vmm/config.h"
#include "vmm/console.h"
#include "vmm/control.h"
#include "vmm/devices.h"

struct machine {
	struct vm_config cfg;
	struct guest_memory mem;
	struct boot_entry entry;
	struct kvm_system kvm;
	struct kvm_vm vm;
	struct kvm_vcpu *vcpus;
	pthread_t *threads;
	unsigned nthreads;	/* started vCPU threads */
	struct bus pio;
	struct bus mmio;
	struct machine_devices devices;
	struct console console;
	struct vm_control control;
	int stop_fd;		/* eventfd: written once a stop is requested */
	int stop_reason;	/* enum stop_reason, first request wins */
	int exit_code;
	unsigned init_done;	/* steps of the init table completed, for unwinding */

	/* Pause state, shared by the vCPU threads and whoever pauses (the API thread). */
	pthread_mutex_t run_lock;
	pthread_cond_t run_cond;	/* parked/exited counts changed, or pause lifted */
	bool paused;			/* asked to pause: vCPU threads park before KVM_RUN */
	unsigned parked;		/* vCPU threads waiting in the pause */
	unsigned exited;		/* vCPU threads that left their loop */
};

/* Builds everything; on failure undoes what it did and leaves one line in err. */
int machine__init(struct machine *m, const struct vm_config *cfg, char *err, size_t errlen) __must_check;
/* Runs until the guest stops; returns the process exit status (see control.h). */
int machine__run(struct machine *m);
void machine__exit(struct machine *m);

/*
 * Any thread, once machine__init succeeded. pause kicks every vCPU out of KVM_RUN and
 * returns when all are parked (or the machine is stopping); vCPU threads started later park
 * before their first KVM_RUN. Guest clocks keep running meanwhile (docs/api.md).
 */
void machine__pause(struct machine *m);
void machine__resume(struct machine *m);
bool machine__paused(struct machine *m);
/* The ACPI power button, which Linux turns into an orderly power-off (acpid or logind). */
void machine__press_power_button(struct machine *m);

#endif
