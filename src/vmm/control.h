/*
 * How a device or a vCPU asks the machine to stop: power-off, reboot, debug-exit, crash.
 * The first request wins; later ones are ignored so the exit status stays the guest's choice.
 */
#ifndef NV_VMM_CONTROL_H
#define NV_VMM_CONTROL_H

enum stop_reason {
	STOP_NONE,
	STOP_POWEROFF,		/* ACPI S5: exit 0 */
	STOP_REBOOT,		/* i8042 reset, ACPI reset, triple fault under --reboot=exit */
	STOP_DEBUG_EXIT,	/* isa-debug-exit write: exit (value << 1) | 1 */
	STOP_GUEST_CRASH,	/* triple fault, KVM internal error, unhandled exit */
	STOP_SIGNAL,		/* SIGTERM/SIGINT on the VMM */
	STOP_CONSOLE_QUIT,	/* escape sequence on the console */
	STOP_VMM_ERROR,		/* an ioctl failed while running */
};

struct vm_control {
	void (*request_stop)(struct vm_control *ctl, enum stop_reason reason, int exit_code);
};

static inline void vm_control__stop(struct vm_control *ctl, enum stop_reason reason, int exit_code)
{
	if (ctl && ctl->request_stop)
		ctl->request_stop(ctl, reason, exit_code);
}

/* Exit statuses of `nestvisor run`, documented in docs/run.md. */
#define EXIT_POWEROFF 0
#define EXIT_VMM_ERROR 1
#define EXIT_REBOOT 2
#define EXIT_GUEST_CRASH 4
#define EXIT_SIGNAL_BASE 128

#endif
