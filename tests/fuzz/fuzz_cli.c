/*
 * Fuzz target: what people type. The input is NUL-separated strings: all of them are
 * `nestvisor run`'s arguments (run_options__parse), and each one is also given to the
 * --disk and --net parsers, the control plane's name rules, machine types and policy
 * settings. Whatever is accepted must obey the documented rules (checked here
 * independently); whatever is refused gets one line of error.
 */
#include <ctype.h>
#include <stdio.h>

#include "cli/run_options.h"
#include "control/machine_types.h"
#include "control/names.h"
#include "control/policy.h"
#include "fuzz_common.h"

#define MAX_ARGS	48
#define ARG_MAX		512

static char args[MAX_ARGS][ARG_MAX];
static char err[512];

static void fail(const char *what, const char *arg)
{
	fprintf(stderr, "fuzz_cli: %s: '%s' (error: '%s')\n", what, arg, err);
	abort();
}

static unsigned newlines(const char *s)
{
	unsigned n = 0;

	while ((s = strchr(s, '\n')))
		n++, s++;
	return n;
}

/*
 * A refusal is one non-empty line. Messages quote what was typed as it was typed, so a
 * newline in the input may show up in the message: only the message's own are counted.
 */
static void check_refusal(int ret, const char *arg, unsigned typed_newlines)
{
	if (ret > 0 || (ret < 0 && (!err[0] || newlines(err) > typed_newlines)))
		fail("a refusal without one line of error", arg);
}

/* 1-63 characters, a lowercase letter first, then lowercase, digits, '-', no '-' last. */
static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > NAME_MAX_CHARS || !islower((unsigned char)s[0]) || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '-')
			return false;
	}
	return true;
}

static void check_names(const char *s)
{
	int ret;

	err[0] = '\0';
	ret = names__check("instance name", s, err, sizeof(err));
	check_refusal(ret, s, newlines(s));
	if ((ret == 0) != name_ok(s))
		fail(ret ? "a good name refused" : "a bad name accepted", s);
}

static void check_machine_type(const char *s)
{
	struct machine_type mt;
	int ret;

	err[0] = '\0';
	ret = machine_types__lookup(s, &mt, err, sizeof(err));
	check_refusal(ret, s, newlines(s));
	if (ret)
		return;
	if (!mt.vcpus || !mt.memory_mb || strcmp(mt.name, s))
		fail("a machine type without CPUs, memory or its name", s);
	if (mt.custom && (mt.vcpus > CUSTOM_MAX_VCPUS || mt.memory_mb % CUSTOM_MEMORY_STEP_MB ||
			  mt.memory_mb < mt.vcpus * CUSTOM_MIN_MB_PER_VCPU ||
			  mt.memory_mb > mt.vcpus * CUSTOM_MAX_MB_PER_VCPU))
		fail("a custom machine type outside its limits", s);
}

static void check_policy(const char *s)
{
	enum policy_setting v;
	const char *c = policy__constraint(s);

	if (c && strcmp(c, CONSTRAINT_DISABLE_NESTED))
		fail("an unknown canonical constraint", s);
	if (!policy__parse_setting(s, &v) && strcmp(policy__setting_name(v), s))
		fail("a setting that does not name itself", s);
}

static void check_disk_net(const char *s)
{
	struct disk_option d;
	struct net_option n;
	int ret;

	err[0] = '\0';
	ret = disk_option__parse(s, &d, err, sizeof(err));
	check_refusal(ret, s, newlines(s));
	if (!ret && (!d.path[0] || strnlen(d.id, sizeof(d.id)) > DISK_ID_MAX))
		fail("a disk without a path or with a long id", s);
	err[0] = '\0';
	ret = net_option__parse(s, &n, err, sizeof(err));
	check_refusal(ret, s, newlines(s));
	if (!ret && (!n.tap[0] || strnlen(n.tap, sizeof(n.tap)) >= sizeof(n.tap) ||
		     (n.mac_set && (n.mac[0] & 1))))
		fail("a NIC without a tap name, or with a multicast MAC", s);
}

static void check_run(int argc, char **argv)
{
	struct vm_config cfg;
	unsigned typed = 0;
	int ret;

	for (int i = 1; i < argc; i++)
		typed += newlines(argv[i]);
	err[0] = '\0';
	ret = run_options__parse(argc, argv, &cfg, err, sizeof(err));
	if (ret == RUN_OPTIONS_HELP)
		return;
	check_refusal(ret, argc > 1 ? argv[1] : "", typed);
	if (!ret && (cfg.ncpus < 1 || cfg.ncpus > VM_MAX_CPUS || !cfg.memory_mib ||
		     cfg.ndisks > VM_MAX_DISKS || cfg.nnets > VM_MAX_NETS ||
		     (!cfg.kernel_path && !cfg.api_sock)))
		fail("run options accepted outside their limits", argc > 1 ? argv[1] : "");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in(data, size);
	char *argv[MAX_ARGS + 2] = { (char *)"run" };
	int argc = 1;

	fuzz_quiet();
	while (in.left && argc <= MAX_ARGS) {
		char *s = fuzz_str(&in, '\0', args[argc - 1], ARG_MAX);

		check_names(s);
		check_machine_type(s);
		check_policy(s);
		check_disk_net(s);
		argv[argc++] = s;
	}
	argv[argc] = NULL;
	check_run(argc, argv);
	return 0;
}
