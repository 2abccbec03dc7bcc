/*
 * Running a machine: one thread per vCPU in KVM_RUN, and the calling thread as the event loop
 * (console input, signals, stop requests). The event loop never sits in the vCPU fast path.
 * Pausing parks the vCPU threads on a condition variable between two KVM_RUNs.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "util/log.h"
#include "vmm/exit.h"
#include "vmm/jail.h"
#include "vmm/machine.h"
#include "vmm/seccomp.h"

#define KICK_SIGNAL SIGUSR1
#define INPUT_RETRY_MS 10	/* how soon to offer held-back input to a full UART again */

static bool stop_requested(struct machine *m)
{
	return __atomic_load_n(&m->stop_reason, __ATOMIC_SEQ_CST) != STOP_NONE;
}

/*
 * Waits here while the machine is paused. KVM_KVMCLOCK_CTRL tells a kvmclock guest it was
 * stopped on purpose, so its soft-lockup watchdog stays quiet after the resume; a guest
 * without kvmclock makes it fail with EINVAL, which is fine. The kick's immediate_exit is
 * cleared only once no pause is pending, under the lock, so a later pause's kick is not lost.
 */
static void park(struct machine *m, struct kvm_vcpu *vcpu)
{
	pthread_mutex_lock(&m->run_lock);
	if (m->paused && !stop_requested(m)) {
		if (ioctl(vcpu->fd, KVM_KVMCLOCK_CTRL, 0) < 0 && errno != EINVAL)
			pr_debug("vCPU %u: KVM_KVMCLOCK_CTRL: %s", vcpu->index, strerror(errno));
		m->parked++;
		pthread_cond_broadcast(&m->run_cond);
		while (m->paused && !stop_requested(m))
			pthread_cond_wait(&m->run_cond, &m->run_lock);
		m->parked--;
	}
	if (!m->paused)
		__atomic_store_n(&vcpu->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&m->run_lock);
}

static void vcpu_loop(struct machine *m, struct kvm_vcpu *vcpu)
{
	struct exit_context ctx = { .pio = &m->pio, .mmio = &m->mmio, .control = &m->control,
				    .vcpu_index = vcpu->index };

	while (!stop_requested(m)) {
		int ret;
		enum exit_action action;

		if (__atomic_load_n(&m->paused, __ATOMIC_SEQ_CST) ||
		    __atomic_load_n(&vcpu->run->immediate_exit, __ATOMIC_SEQ_CST)) {
			park(m, vcpu);
			continue;
		}
		ret = vcpu__run(vcpu);

		if (ret == -EINTR || ret == -EAGAIN)
			continue;
		if (ret < 0) {
			pr_err("KVM_RUN on vCPU %u failed: %s", vcpu->index, strerror(-ret));
			vcpu__dump_regs(vcpu, stderr);
			vm_control__stop(&m->control, STOP_VMM_ERROR, EXIT_VMM_ERROR);
			return;
		}
		action = vcpu_exit__handle(&ctx, vcpu->run, vcpu->run_size);
		if (action == EXIT_ACTION_CRASH)
			vcpu__dump_regs(vcpu, stderr);
		if (action != EXIT_ACTION_CONTINUE)
			return;
	}
}

struct vcpu_start {
	struct machine *m;
	unsigned index;
};

static void *vcpu_thread(void *arg)
{
	struct vcpu_start *start = arg;
	char name[16];
	sigset_t kick;

	snprintf(name, sizeof(name), "vcpu%u", start->index);
	pthread_setname_np(pthread_self(), name);	/* before the filter, which forbids it */
	seccomp__enter(SECCOMP_KIND_VCPU);	/* before the first KVM_RUN */
	sigemptyset(&kick);
	sigaddset(&kick, KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);
	vcpu_loop(start->m, &start->m->vcpus[start->index]);
	pthread_mutex_lock(&start->m->run_lock);
	start->m->exited++;
	pthread_cond_broadcast(&start->m->run_cond);
	pthread_mutex_unlock(&start->m->run_lock);
	return NULL;
}

static void kick_handler(int sig)
{
	/* Nothing: the signal only makes KVM_RUN return -EINTR. */
}

/*
 * immediate_exit closes the race where the kick lands just before KVM_RUN is entered.
 * Called with run_lock held, which also keeps nthreads still.
 */
static void kick_vcpus(struct machine *m)
{
	for (unsigned i = 0; i < m->nthreads; i++) {
		__atomic_store_n(&m->vcpus[i].run->immediate_exit, 1, __ATOMIC_SEQ_CST);
		pthread_kill(m->threads[i], KICK_SIGNAL);
	}
}

static int block_signals(sigset_t *handled)
{
	struct sigaction sa = { .sa_handler = kick_handler };

	sigaction(KICK_SIGNAL, &sa, NULL);
	sigemptyset(handled);
	sigaddset(handled, SIGINT);
	sigaddset(handled, SIGTERM);
	sigaddset(handled, SIGHUP);
	sigaddset(handled, KICK_SIGNAL);
	/* Threads inherit this mask; vCPU threads unblock only the kick. */
	if (pthread_sigmask(SIG_BLOCK, handled, NULL))
		return -1;
	sigdelset(handled, KICK_SIGNAL);
	return signalfd(-1, handled, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* Under run_lock, so a pause sees either no thread or all of them. */
static int start_vcpus(struct machine *m, struct vcpu_start *starts)
{
	int ret = 0;

	pthread_mutex_lock(&m->run_lock);
	for (unsigned i = 0; i < m->cfg.ncpus && !ret; i++) {
		starts[i] = (struct vcpu_start){ .m = m, .index = i };
		ret = pthread_create(&m->threads[i], NULL, vcpu_thread, &starts[i]);
		if (ret)
			pr_err("cannot start vCPU %u thread: %s", i, strerror(ret));
		else
			m->nthreads++;
	}
	pthread_mutex_unlock(&m->run_lock);
	return -ret;
}

static void stop_vcpus(struct machine *m)
{
	pthread_mutex_lock(&m->run_lock);
	kick_vcpus(m);
	pthread_cond_broadcast(&m->run_cond);	/* parked threads see the stop */
	pthread_mutex_unlock(&m->run_lock);
	for (unsigned i = 0; i < m->nthreads; i++)
		pthread_join(m->threads[i], NULL);
	pthread_mutex_lock(&m->run_lock);
	m->nthreads = 0;
	m->exited = 0;
	pthread_cond_broadcast(&m->run_cond);
	pthread_mutex_unlock(&m->run_lock);
}

static bool all_parked(struct machine *m)
{
	return m->parked + m->exited >= m->nthreads || stop_requested(m);
}

void machine__pause(struct machine *m)
{
	pthread_mutex_lock(&m->run_lock);
	__atomic_store_n(&m->paused, true, __ATOMIC_SEQ_CST);
	kick_vcpus(m);
	while (!all_parked(m))
		pthread_cond_wait(&m->run_cond, &m->run_lock);
	pthread_mutex_unlock(&m->run_lock);
}

void machine__resume(struct machine *m)
{
	pthread_mutex_lock(&m->run_lock);
	__atomic_store_n(&m->paused, false, __ATOMIC_SEQ_CST);
	pthread_cond_broadcast(&m->run_cond);
	pthread_mutex_unlock(&m->run_lock);
}

bool machine__paused(struct machine *m)
{
	return __atomic_load_n(&m->paused, __ATOMIC_SEQ_CST);
}

struct input_state {
	u8 held[4096];		/* read from the console, not yet taken by the UART */
	size_t held_len;
	bool eof;
};

static void offer_held_input(struct machine *m, struct input_state *in)
{
	size_t took;

	if (!in->held_len)
		return;
	took = machine_devices__console_input(m, in->held, in->held_len);
	memmove(in->held, in->held + took, in->held_len - took);
	in->held_len -= took;
}

static void read_console(struct machine *m, struct input_state *in)
{
	u8 raw[sizeof(in->held) - 1];
	bool quit;
	ssize_t n = console__read(&m->console, raw, sizeof(raw));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		in->eof = true;	/* stdin closed: the guest keeps running without input */
		return;
	}
	in->held_len = console__filter_input(&m->console, raw, n, in->held, &quit);
	if (quit)
		vm_control__stop(&m->control, STOP_CONSOLE_QUIT, EXIT_SIGNAL_BASE + SIGINT);
	offer_held_input(m, in);
}

static void handle_signal(struct machine *m, int sfd)
{
	struct signalfd_siginfo si;

	if (read(sfd, &si, sizeof(si)) != sizeof(si))
		return;
	pr_info("stopping on signal %u", si.ssi_signo);
	vm_control__stop(&m->control, STOP_SIGNAL, EXIT_SIGNAL_BASE + (int)si.ssi_signo);
}

static void event_loop(struct machine *m, int sfd)
{
	struct input_state in = { .held_len = 0 };

	while (!stop_requested(m)) {
		bool want_input = m->console.in_fd >= 0 && !in.eof && !in.held_len;
		struct pollfd fds[4] = {
			{ .fd = m->stop_fd, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
			{ .fd = want_input ? m->console.in_fd : -1, .events = POLLIN },
			{ .fd = console__listen_fd(&m->console), .events = POLLIN },
		};
		int ret = poll(fds, 4, in.held_len ? INPUT_RETRY_MS : -1);

		if (ret < 0 && errno != EINTR) {
			pr_err("poll: %s", strerror(errno));
			vm_control__stop(&m->control, STOP_VMM_ERROR, EXIT_VMM_ERROR);
			break;
		}
		if (fds[1].revents)
			handle_signal(m, sfd);
		if (fds[2].revents)
			read_console(m, &in);
		else
			offer_held_input(m, &in);
		if (fds[3].revents)	/* after the read: a new client replaces in_fd */
			console__accept(&m->console);
	}
}

static void report_stop(struct machine *m)
{
	switch (m->stop_reason) {
	case STOP_REBOOT:
		pr_warn("guest requested a reboot; exiting with status %d", m->exit_code);
		break;
	case STOP_GUEST_CRASH:
		pr_err("guest crashed; exiting with status %d", m->exit_code);
		break;
	default:
		break;
	}
}

int machine__run(struct machine *m)
{
	struct vcpu_start starts[VM_MAX_CPUS];
	sigset_t handled;
	char err[256];
	int sfd = block_signals(&handled);

	if (sfd < 0) {
		pr_err("cannot set up signal handling: %s", strerror(errno));
		return EXIT_VMM_ERROR;
	}
	/* Every file is open now; vCPU threads start with the jail's credentials. */
	if (jail__enter(err, sizeof(err))) {
		pr_err("%s", err);
		close(sfd);
		return EXIT_VMM_ERROR;
	}
	/* After the last thread is created: a thread inherits its creator's filter. */
	if (start_vcpus(m, starts) == 0) {
		seccomp__enter(SECCOMP_KIND_MAIN);
		event_loop(m, sfd);
	} else
		vm_control__stop(&m->control, STOP_VMM_ERROR, EXIT_VMM_ERROR);
	stop_vcpus(m);
	close(sfd);
	report_stop(m);
	pr_info("guest RAM resident: %llu KiB",
		(unsigned long long)(guest_memory__resident_bytes(&m->mem) / KiB));
	return m->exit_code;
}
