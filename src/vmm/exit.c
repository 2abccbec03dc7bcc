/* KVM exit dispatch: port I/O and MMIO to the buses, system events to vm_control. */
#include <stdio.h>

#include "util/log.h"
#include "vmm/exit.h"

static const char *const reason_names[] = {
	[KVM_EXIT_UNKNOWN] = "unknown",
	[KVM_EXIT_EXCEPTION] = "exception",
	[KVM_EXIT_IO] = "io",
	[KVM_EXIT_HYPERCALL] = "hypercall",
	[KVM_EXIT_DEBUG] = "debug",
	[KVM_EXIT_HLT] = "hlt",
	[KVM_EXIT_MMIO] = "mmio",
	[KVM_EXIT_IRQ_WINDOW_OPEN] = "irq-window-open",
	[KVM_EXIT_SHUTDOWN] = "shutdown (triple fault)",
	[KVM_EXIT_FAIL_ENTRY] = "fail-entry",
	[KVM_EXIT_INTR] = "intr",
	[KVM_EXIT_SET_TPR] = "set-tpr",
	[KVM_EXIT_TPR_ACCESS] = "tpr-access",
	[KVM_EXIT_NMI] = "nmi",
	[KVM_EXIT_INTERNAL_ERROR] = "internal-error",
	[KVM_EXIT_SYSTEM_EVENT] = "system-event",
};

const char *vcpu_exit__reason_name(u32 reason)
{
	if (reason < ARRAY_SIZE(reason_names) && reason_names[reason])
		return reason_names[reason];
	return "unrecognised";
}

static enum exit_action handle_io(const struct exit_context *ctx, struct kvm_run *run, size_t run_size)
{
	u64 size = run->io.size, count = run->io.count, offset = run->io.data_offset;
	bool is_write = run->io.direction == KVM_EXIT_IO_OUT;

	/* KVM fills these, but a bad offset would make us scribble over our own memory. */
	if ((size != 1 && size != 2 && size != 4) || offset > run_size ||
	    count > (run_size - offset) / size) {
		pr_err("vCPU %u: malformed port I/O exit (size %llu count %llu offset %llu)",
		       ctx->vcpu_index, (unsigned long long)size, (unsigned long long)count,
		       (unsigned long long)offset);
		vm_control__stop(ctx->control, STOP_VMM_ERROR, EXIT_VMM_ERROR);
		return EXIT_ACTION_STOP;
	}
	for (u64 i = 0; i < count; i++) {
		u8 *data = (u8 *)run + offset + i * size;

		if (!bus__access(ctx->pio, run->io.port, data, size, is_write))
			pr_debug("vCPU %u: unclaimed port %s %#x/%llu", ctx->vcpu_index,
				 is_write ? "write" : "read", run->io.port, (unsigned long long)size);
	}
	return EXIT_ACTION_CONTINUE;
}

static enum exit_action handle_mmio(const struct exit_context *ctx, struct kvm_run *run)
{
	u32 len = run->mmio.len;

	if (len == 0 || len > sizeof(run->mmio.data)) {
		pr_warn_once("vCPU %u: MMIO exit with length %u ignored", ctx->vcpu_index, len);
		return EXIT_ACTION_CONTINUE;
	}
	if (!bus__access(ctx->mmio, run->mmio.phys_addr, run->mmio.data, len, run->mmio.is_write))
		pr_debug("vCPU %u: unclaimed MMIO %s %#llx/%u", ctx->vcpu_index,
			 run->mmio.is_write ? "write" : "read",
			 (unsigned long long)run->mmio.phys_addr, len);
	return EXIT_ACTION_CONTINUE;
}

static const char *internal_error_name(u32 suberror)
{
	switch (suberror) {
	case KVM_INTERNAL_ERROR_EMULATION:
		return "instruction emulation failed";
	case KVM_INTERNAL_ERROR_SIMUL_EX:
		return "exception while delivering an exception";
	case KVM_INTERNAL_ERROR_DELIVERY_EV:
		return "event delivery failed";
	default:
		return "other";
	}
}

/* The "guest stopped: " line is what the daemon shows as the instance's end (supervisor.c). */
static enum exit_action crash(const struct exit_context *ctx, const char *what)
{
	pr_err("vCPU %u: guest stopped: %s", ctx->vcpu_index, what);
	vm_control__stop(ctx->control, STOP_GUEST_CRASH, EXIT_GUEST_CRASH);
	return EXIT_ACTION_CRASH;
}

static enum exit_action crash_code(const struct exit_context *ctx, const char *what,
				   unsigned long long code)
{
	char text[96];

	snprintf(text, sizeof(text), "%s (%llu)", what, code);
	return crash(ctx, text);
}

/*
 * KVM's words after an internal error say what it could not do (for an emulation failure:
 * the instruction bytes and, on newer kernels, the address): the only clue to a guest that
 * crashed this way, so they go to the log before the registers.
 */
static void report_internal_error(const struct exit_context *ctx, const struct kvm_run *run)
{
	u32 n = run->internal.ndata;
	char words[16 * 20] = "";
	size_t used = 0;

	if (n > 16)
		n = 16;
	for (u32 i = 0; i < n && used < sizeof(words); i++)
		used += snprintf(words + used, sizeof(words) - used, " %#llx",
				 (unsigned long long)run->internal.data[i]);
	pr_err("vCPU %u: KVM internal error %u (%s), %u data words:%s", ctx->vcpu_index,
	       run->internal.suberror, internal_error_name(run->internal.suberror), run->internal.ndata,
	       words);
}

static enum exit_action handle_system_event(const struct exit_context *ctx, struct kvm_run *run)
{
	switch (run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		vm_control__stop(ctx->control, STOP_POWEROFF, EXIT_POWEROFF);
		return EXIT_ACTION_STOP;
	case KVM_SYSTEM_EVENT_RESET:
		vm_control__stop(ctx->control, STOP_REBOOT, EXIT_REBOOT);
		return EXIT_ACTION_STOP;
	default:
		return crash_code(ctx, "system event", run->system_event.type);
	}
}

enum exit_action vcpu_exit__handle(const struct exit_context *ctx, struct kvm_run *run, size_t run_size)
{
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		return handle_io(ctx, run, run_size);
	case KVM_EXIT_MMIO:
		return handle_mmio(ctx, run);
	case KVM_EXIT_INTR:
	case KVM_EXIT_HLT:	/* only without an in-kernel LAPIC; nothing to do but resume */
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		return EXIT_ACTION_CONTINUE;
	case KVM_EXIT_SYSTEM_EVENT:
		return handle_system_event(ctx, run);
	case KVM_EXIT_SHUTDOWN:
		return crash(ctx, "triple fault");
	case KVM_EXIT_FAIL_ENTRY:
		return crash_code(ctx, "KVM entry failed, hardware reason",
				  run->fail_entry.hardware_entry_failure_reason);
	case KVM_EXIT_INTERNAL_ERROR:
		report_internal_error(ctx, run);
		return crash_code(ctx, "KVM internal error, suberror", run->internal.suberror);
	default:
		return crash_code(ctx, vcpu_exit__reason_name(run->exit_reason), run->exit_reason);
	}
}
