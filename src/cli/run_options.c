/* Flag parsing for `nestvisor run`, kept free of side effects so unit tests can drive it. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli/run_options.h"
#include "vmm/cgroup.h"
#include "vmm/jail.h"

enum { OPT_KERNEL = 256, OPT_INITRD, OPT_CMDLINE, OPT_CPUS, OPT_MEMORY, OPT_CONSOLE, OPT_NAME,
       OPT_NESTED, OPT_KVM_DEVICE, OPT_RNG, OPT_DISK, OPT_NET, OPT_API_SOCK, OPT_SECCOMP,
       OPT_JAIL, OPT_JAIL_USER, OPT_LIMITS, OPT_KVM_FD, OPT_HELP };

/* --kvm-fd N becomes the KVM path "/dev/fd/N", which kvm__open duplicates, never reopens. */
static char kvm_fd_path[32];

static const struct option long_options[] = {
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "initrd", required_argument, NULL, OPT_INITRD },
	{ "cmdline", required_argument, NULL, OPT_CMDLINE },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "memory", required_argument, NULL, OPT_MEMORY },
	{ "console", required_argument, NULL, OPT_CONSOLE },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "nested", required_argument, NULL, OPT_NESTED },
	{ "kvm-device", required_argument, NULL, OPT_KVM_DEVICE },
	{ "kvm-fd", required_argument, NULL, OPT_KVM_FD },
	{ "rng", required_argument, NULL, OPT_RNG },
	{ "disk", required_argument, NULL, OPT_DISK },
	{ "net", required_argument, NULL, OPT_NET },
	{ "api-sock", required_argument, NULL, OPT_API_SOCK },
	{ "seccomp", required_argument, NULL, OPT_SECCOMP },
	{ "jail", required_argument, NULL, OPT_JAIL },
	{ "jail-user", required_argument, NULL, OPT_JAIL_USER },
	{ "limits", required_argument, NULL, OPT_LIMITS },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

void run_options__usage(FILE *out)
{
	fprintf(out,
		"usage: nestvisor run --kernel FILE [options]\n"
		"       nestvisor run --api-sock PATH [options]\n"
		"Boots a kernel in a new KVM virtual machine.\n\n"
		"  --kernel FILE       kernel: bzImage, ELF vmlinux, PVH ELF or multiboot\n"
		"                      (required unless --api-sock is given)\n"
		"  --initrd FILE       initial ramdisk (default: none)\n"
		"  --cmdline STR       kernel command line (default: empty)\n"
		"  --cpus N            vCPUs, 1 to %d (default: %d)\n"
		"  --memory MiB        guest RAM in MiB (default: %d)\n"
		"  --console MODE      stdio, none or file=PATH[,socket=SOCK] (default: stdio);\n"
		"                      SOCK: a unix socket where one client at a time (the newest)\n"
		"                      types to the guest and sees its output\n"
		"                      on a terminal: raw mode, Ctrl-a x quits, Ctrl-a Ctrl-a sends Ctrl-a\n"
		"  --name NAME         name used in messages (default: nestvisor)\n"
		"  --nested off|on     offer VT-x/AMD-V to the guest (default: off)\n"
		"  --kvm-device PATH   KVM device (default: /dev/kvm)\n"
		"  --kvm-fd N          use the open /dev/kvm descriptor N (from a jailing\n"
		"                      daemon) instead of opening the device\n"
		"  --rng on|off        virtio-rng: host randomness for the guest (default: on)\n"
		"  --disk PATH[,ro][,id=ID][,direct=on]\n"
		"                      a virtio-blk disk backed by a raw image; repeat for up to %d\n"
		"  --net tap=NAME[,mac=MAC]\n"
		"                      a virtio-net NIC on an existing tap; repeat for up to %d\n"
		"  --api-sock PATH     serve the VM's API (Firecracker-compatible HTTP/JSON) on a\n"
		"                      unix socket; without --kernel, wait there to be configured\n"
		"                      and started (see docs/api.md)\n"
		"  --seccomp on|off    per-thread syscall filters; a forbidden syscall stops the\n"
		"                      VMM naming it (default: on; off only for debugging)\n"
		"  --jail DIR          run in new PID and mount namespaces, chrooted into an empty\n"
		"                      read-only tmpfs on DIR, unprivileged (needs root; see\n"
		"                      docs/run.md)\n"
		"  --jail-user UID[:GID]  the jail's ids (default: 65534:65534)\n"
		"  --limits cpu=PCT,memory=MiB|off\n"
		"                      the jail's cgroup (v2, or v1 cpu and memory): CPU time in %%\n"
		"                      of one host CPU and all the VMM's memory (default: vCPUs x\n"
		"                      100, guest RAM + %d MiB; with --api-sock and no --kernel,\n"
		"                      none); no cgroup with off; where the host has none, one\n"
		"                      warning and the run goes on (see docs/hardening.md)\n"
		"  --help              this text\n\n"
		"Exit status: 0 guest powered off; 1 VMM error or bad input; 2 guest rebooted;\n"
		"4 guest crashed (triple fault, KVM internal error); (N << 1) | 1 when the guest\n"
		"wrote N to the debug-exit port 0xf4; 128+signal when stopped by SIGINT/SIGTERM.\n",
		VM_MAX_CPUS, VM_DEFAULT_CPUS, VM_DEFAULT_MEMORY_MIB, VM_MAX_DISKS, VM_MAX_NETS,
		CGROUP_OVERHEAD_MIB);
}

/* Whole-string unsigned decimal in [min, max]. */
static int parse_uint(const char *s, unsigned long long min, unsigned long long max,
		      unsigned long long *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/*
 * file=PATH[,socket=SOCK]: the socket (vmm/console.h) takes a client's input, gets output.
 * Copied into the config: nothing to free, however often the option is given.
 */
static int parse_console_file(const char *arg, struct vm_config *cfg, char *err, size_t errlen)
{
	const char *path = arg + 5, *sock = strstr(path, ",socket=");
	size_t path_len = sock ? (size_t)(sock - path) : strlen(path);

	if (sock)
		sock += strlen(",socket=");
	if (!path_len || (sock && !*sock))
		return set_err(err, errlen, EINVAL, "--console: '%s' is not file=PATH"
			       "[,socket=SOCK]", arg);
	if (path_len >= sizeof(cfg->console_path) ||
	    (sock && strlen(sock) >= sizeof(cfg->console_socket)))
		return set_err(err, errlen, ENAMETOOLONG, "--console: a path in '%.60s' is too long",
			       arg);
	cfg->console = CONSOLE_FILE;
	snprintf(cfg->console_path, sizeof(cfg->console_path), "%.*s", (int)path_len, path);
	snprintf(cfg->console_socket, sizeof(cfg->console_socket), "%s", sock ? sock : "");
	return 0;
}

static int parse_console(const char *arg, struct vm_config *cfg, char *err, size_t errlen)
{
	if (!strcmp(arg, "stdio")) {
		cfg->console = CONSOLE_STDIO;
	} else if (!strcmp(arg, "none")) {
		cfg->console = CONSOLE_NONE;
	} else if (!strncmp(arg, "file=", 5) && arg[5]) {
		return parse_console_file(arg, cfg, err, errlen);
	} else {
		return set_err(err, errlen, EINVAL,
			       "--console: '%s' is not stdio, none or file=PATH[,socket=SOCK]", arg);
	}
	return 0;
}

static int parse_on_off(const char *flag, const char *arg, bool *out, char *err, size_t errlen)
{
	if (!strcmp(arg, "on")) {
		*out = true;
	} else if (!strcmp(arg, "off")) {
		*out = false;
	} else {
		return set_err(err, errlen, EINVAL, "%s: '%s' is not on or off", flag, arg);
	}
	return 0;
}

static int add_disk(const char *arg, struct vm_config *cfg, char *err, size_t errlen)
{
	int ret;

	if (cfg->ndisks == VM_MAX_DISKS)
		return set_err(err, errlen, EINVAL, "--disk: at most %d disks", VM_MAX_DISKS);
	ret = disk_option__parse(arg, &cfg->disks[cfg->ndisks], err, errlen);
	if (!ret)
		cfg->ndisks++;
	return ret;
}

static int add_net(const char *arg, struct vm_config *cfg, char *err, size_t errlen)
{
	int ret;

	if (cfg->nnets == VM_MAX_NETS)
		return set_err(err, errlen, EINVAL, "--net: at most %d network interfaces",
			       VM_MAX_NETS);
	ret = net_option__parse(arg, &cfg->nets[cfg->nnets], err, errlen);
	if (!ret)
		cfg->nnets++;
	return ret;
}

static int parse_option(int opt, const char *arg, struct vm_config *cfg, char *err, size_t errlen)
{
	unsigned long long v;

	switch (opt) {
	case OPT_KERNEL:
		cfg->kernel_path = arg;
		return 0;
	case OPT_INITRD:
		cfg->initrd_path = arg;
		return 0;
	case OPT_CMDLINE:
		cfg->cmdline = arg;
		return 0;
	case OPT_NAME:
		cfg->name = arg;
		return 0;
	case OPT_KVM_DEVICE:
		cfg->kvm_path = arg;
		return 0;
	case OPT_KVM_FD:
		if (parse_uint(arg, 3, INT_MAX, &v))
			return set_err(err, errlen, EINVAL,
				       "--kvm-fd: '%s' is not a descriptor number of 3 or more", arg);
		snprintf(kvm_fd_path, sizeof(kvm_fd_path), "/dev/fd/%llu", v);
		cfg->kvm_path = kvm_fd_path;
		return 0;
	case OPT_API_SOCK:
		cfg->api_sock = arg;
		return *arg ? 0 : set_err(err, errlen, EINVAL, "--api-sock: the path is empty");
	case OPT_CPUS:
		if (parse_uint(arg, 1, VM_MAX_CPUS, &v))
			return set_err(err, errlen, EINVAL, "--cpus: '%s' is not a number from 1 to %d",
				       arg, VM_MAX_CPUS);
		cfg->ncpus = v;
		return 0;
	case OPT_MEMORY:
		/* 1 TiB is far above any host we run on; the host check comes later. */
		if (parse_uint(arg, 1, 1ULL << 20, &v))
			return set_err(err, errlen, EINVAL,
				       "--memory: '%s' is not a size in MiB from 1 to 1048576", arg);
		cfg->memory_mib = v;
		return 0;
	case OPT_CONSOLE:
		return parse_console(arg, cfg, err, errlen);
	case OPT_NESTED:
		return parse_on_off("--nested", arg, &cfg->nested, err, errlen);
	case OPT_RNG:
		return parse_on_off("--rng", arg, &cfg->rng, err, errlen);
	case OPT_SECCOMP:
		return parse_on_off("--seccomp", arg, &cfg->seccomp, err, errlen);
	case OPT_JAIL:
		cfg->jail_dir = arg;
		return *arg ? 0 : set_err(err, errlen, EINVAL, "--jail: the directory is empty");
	case OPT_JAIL_USER:
		if (jail__parse_user(arg, &cfg->jail_uid, &cfg->jail_gid))
			return set_err(err, errlen, EINVAL,
				       "--jail-user: '%s' is not UID or UID:GID (numbers, not 0)", arg);
		return 0;
	case OPT_LIMITS:
		return jail__set_limits(arg, err, errlen);
	case OPT_DISK:
		return add_disk(arg, cfg, err, errlen);
	case OPT_NET:
		return add_net(arg, cfg, err, errlen);
	}
	return set_err(err, errlen, EINVAL, "internal error: option %d", opt);
}

static int unknown_option(char **argv, char *err, size_t errlen)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "?";

	/* getopt_long sets optopt to the option's value when its argument is missing. */
	if (optopt >= OPT_KERNEL)
		return set_err(err, errlen, EINVAL, "option '%s' needs a value (see --help)", arg);
	if (optopt)
		return set_err(err, errlen, EINVAL, "unknown option '-%c' (see --help)", optopt);
	return set_err(err, errlen, EINVAL, "unknown option '%s' (see --help)", arg);
}

int run_options__parse(int argc, char **argv, struct vm_config *cfg, char *err, size_t errlen)
{
	int opt, ret;

	vm_config__defaults(cfg);
	(void)jail__set_limits(NULL, NULL, 0);
	optind = 0;	/* GNU getopt: 0 re-initialises, so parsing twice works */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+", long_options, NULL)) != -1) {
		if (opt == OPT_HELP)
			return RUN_OPTIONS_HELP;
		if (opt == '?' || opt == ':')
			return unknown_option(argv, err, errlen);
		ret = parse_option(opt, optarg, cfg, err, errlen);
		if (ret)
			return ret;
	}
	if (optind < argc)
		return set_err(err, errlen, EINVAL, "unexpected argument '%s' (see --help)", argv[optind]);
	if (jail__limits_given() && !cfg->jail_dir)
		return set_err(err, errlen, EINVAL, "--limits applies to the jail: it needs --jail DIR");
	/* With an API socket the kernel may come later, through PUT /boot-source. */
	if (!cfg->kernel_path && !cfg->api_sock)
		return set_err(err, errlen, EINVAL,
			       "--kernel FILE is required unless --api-sock PATH is given (see --help)");
	return 0;
}
