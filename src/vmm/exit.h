/*
 * What to do with one KVM exit. Kept apart from KVM_RUN so unit tests can feed synthetic
 * exits. Guest misbehaviour here is logged and survived; only the guest's own requests
 * (power-off, reset) and fatal CPU states stop the machine.
 */
#ifndef NV_VMM_EXIT_H
#define NV_VMM_EXIT_H

#include <linux/kvm.h>

#include "devices/bus.h"
#include "vmm/control.h"

struct exit_context {
	const struct bus *pio;
	const struct bus *mmio;
	struct vm_control *control;
	unsigned vcpu_index;
};

enum exit_action {
	EXIT_ACTION_CONTINUE,
	EXIT_ACTION_STOP,	/* a stop was requested through control */
	EXIT_ACTION_CRASH,	/* like STOP, and the caller should dump the vCPU's registers */
};

/* run points to the vCPU's mapped run area of run_size bytes. */
enum exit_action vcpu_exit__handle(const struct exit_context *ctx, struct kvm_run *run, size_t run_size);
const char *vcpu_exit__reason_name(u32 reason);

#endif
