/* `nestvisor run` flag parsing: defaults, every flag, and the bad-input messages. */
#include <errno.h>

#include "cli/run_options.h"
#include "tap.h"

static int parse(struct vm_config *cfg, char *err, size_t errlen, int argc, char **argv)
{
	return run_options__parse(argc, argv, cfg, err, errlen);
}

#define PARSE(cfg, err, ...)                                                          \
	({                                                                            \
		char *argv_[] = { "run", __VA_ARGS__, NULL };                         \
		parse(cfg, err, sizeof(err), (int)(sizeof(argv_) / sizeof(argv_[0])) - 1, argv_); \
	})

static void test_defaults(void)
{
	struct vm_config cfg;
	char err[256];

	CHECK_EQ(PARSE(&cfg, err, "--kernel", "k"), 0);
	CHECK_STR(cfg.kernel_path, "k");
	CHECK_EQ(cfg.ncpus, 1);
	CHECK_EQ(cfg.memory_mib, 256);
	CHECK_EQ(cfg.console, CONSOLE_STDIO);
	CHECK_STR(cfg.cmdline, "");
	CHECK(!cfg.initrd_path);
	CHECK(!cfg.nested);
}

static void test_all_flags(void)
{
	struct vm_config cfg;
	char err[256];

	CHECK_EQ(PARSE(&cfg, err, "--kernel=k", "--initrd", "i", "--cmdline", "a b", "--cpus", "4",
		       "--memory", "1024", "--console", "file=/tmp/x", "--name", "vm1", "--nested", "on"), 0);
	CHECK_STR(cfg.initrd_path, "i");
	CHECK_STR(cfg.cmdline, "a b");
	CHECK_EQ(cfg.ncpus, 4);
	CHECK_EQ(cfg.memory_mib, 1024);
	CHECK_EQ(cfg.console, CONSOLE_FILE);
	CHECK_STR(cfg.console_path, "/tmp/x");
	CHECK_STR(cfg.name, "vm1");
	CHECK(cfg.nested);
	CHECK_EQ(PARSE(&cfg, err, "--kernel", "k", "--console", "none"), 0);
	CHECK_EQ(cfg.console, CONSOLE_NONE);
}

static void test_help(void)
{
	struct vm_config cfg;
	char err[256];

	CHECK_EQ(PARSE(&cfg, err, "--help"), RUN_OPTIONS_HELP);
}

static void expect_error(const char *what, int ret, const char *err, const char *needle)
{
	if (ret != -EINVAL || !strstr(err, needle))
		printf("#   %s: ret %d, err '%s', expected '%s'\n", what, ret, err, needle);
	CHECK(ret == -EINVAL && strstr(err, needle));
}

static void test_bad_input(void)
{
	struct vm_config cfg;
	char err[256] = "";

	expect_error("no kernel", PARSE(&cfg, err, "--cpus", "2"), err, "--kernel FILE is required");
	expect_error("cpus 0", PARSE(&cfg, err, "--kernel", "k", "--cpus", "0"), err, "--cpus: '0'");
	expect_error("cpus 256", PARSE(&cfg, err, "--kernel", "k", "--cpus", "256"), err, "--cpus");
	expect_error("cpus junk", PARSE(&cfg, err, "--kernel", "k", "--cpus", "2x"), err, "--cpus");
	expect_error("cpus neg", PARSE(&cfg, err, "--kernel", "k", "--cpus", "-1"), err, "--cpus");
	expect_error("memory 0", PARSE(&cfg, err, "--kernel", "k", "--memory", "0"), err, "--memory: '0'");
	expect_error("memory huge", PARSE(&cfg, err, "--kernel", "k", "--memory", "99999999999999999999"),
		     err, "--memory");
	expect_error("console", PARSE(&cfg, err, "--kernel", "k", "--console", "tty"), err, "--console");
	expect_error("console file=", PARSE(&cfg, err, "--kernel", "k", "--console", "file="), err,
		     "--console");
	expect_error("nested", PARSE(&cfg, err, "--kernel", "k", "--nested", "yes"), err, "--nested");
	expect_error("unknown", PARSE(&cfg, err, "--kernel", "k", "--frobnicate"), err, "--frobnicate");
	expect_error("missing value", PARSE(&cfg, err, "--kernel"), err, "--kernel");
	expect_error("stray", PARSE(&cfg, err, "--kernel", "k", "extra"), err, "'extra'");
}

int main(void)
{
	RUN(test_defaults);
	RUN(test_all_flags);
	RUN(test_help);
	RUN(test_bad_input);
	return tap_done();
}
