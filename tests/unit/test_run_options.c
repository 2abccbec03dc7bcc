/* `nestvisor run` flag parsing: defaults, every flag, and the bad-input messages. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

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
	CHECK(cfg.rng);
	CHECK_EQ(cfg.ndisks, 0);
	CHECK_EQ(cfg.nnets, 0);
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

static void test_virtio_flags(void)
{
	struct vm_config cfg;
	char err[256] = "";

	CHECK_EQ(PARSE(&cfg, err, "--kernel", "k", "--rng", "off", "--disk", "/a.img,ro,id=root",
		       "--disk", "b.img", "--net", "tap=tap0", "--net", "tap=tap1,mac=52:54:00:12:34:56"),
		 0);
	CHECK(!cfg.rng);
	CHECK_EQ(cfg.ndisks, 2);
	CHECK_STR(cfg.disks[0].path, "/a.img");
	CHECK(cfg.disks[0].readonly);
	CHECK_STR(cfg.disks[0].id, "root");
	CHECK_STR(cfg.disks[1].path, "b.img");
	CHECK(!cfg.disks[1].readonly);
	CHECK_EQ(cfg.nnets, 2);
	CHECK_STR(cfg.nets[0].tap, "tap0");
	CHECK_STR(cfg.nets[1].tap, "tap1");
	CHECK(cfg.nets[1].mac_set);
	CHECK_EQ(cfg.nets[1].mac[5], 0x56);
	CHECK_EQ(PARSE(&cfg, err, "--kernel", "k", "--rng", "on"), 0);
	CHECK(cfg.rng);
}

static void test_virtio_limits(void)
{
	struct vm_config cfg;
	char err[256] = "";

	CHECK_EQ(PARSE(&cfg, err, "--kernel", "k", "--disk", "1", "--disk", "2", "--disk", "3",
		       "--disk", "4", "--disk", "5", "--disk", "6", "--disk", "7", "--disk", "8"), 0);
	CHECK_EQ(cfg.ndisks, VM_MAX_DISKS);
	expect_error("9 disks", PARSE(&cfg, err, "--kernel", "k", "--disk", "1", "--disk", "2",
				      "--disk", "3", "--disk", "4", "--disk", "5", "--disk", "6",
				      "--disk", "7", "--disk", "8", "--disk", "9"),
		     err, "at most 8 disks");
	CHECK_EQ(PARSE(&cfg, err, "--kernel", "k", "--net", "tap=a", "--net", "tap=b", "--net",
		       "tap=c", "--net", "tap=d"), 0);
	expect_error("5 nets", PARSE(&cfg, err, "--kernel", "k", "--net", "tap=a", "--net", "tap=b",
				     "--net", "tap=c", "--net", "tap=d", "--net", "tap=e"),
		     err, "at most 4");
	expect_error("rng", PARSE(&cfg, err, "--kernel", "k", "--rng", "maybe"), err, "--rng");
	expect_error("disk key", PARSE(&cfg, err, "--kernel", "k", "--disk", "a,bogus=1"), err,
		     "--disk");
	expect_error("disk empty", PARSE(&cfg, err, "--kernel", "k", "--disk", ""), err, "--disk");
	expect_error("net", PARSE(&cfg, err, "--kernel", "k", "--net", "mac=52:54:00:12:34:56"), err,
		     "--net");
	expect_error("net mac", PARSE(&cfg, err, "--kernel", "k", "--net", "tap=t,mac=zz"), err,
		     "--net");
	expect_error("disk value", PARSE(&cfg, err, "--kernel", "k", "--disk"), err, "--disk");
}

static void test_help_lists_virtio(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	run_options__usage(f);
	fclose(f);
	CHECK(strstr(buf, "--rng on|off"));
	CHECK(strstr(buf, "--disk PATH[,ro][,id=ID][,direct=on]"));
	CHECK(strstr(buf, "--net tap=NAME[,mac=MAC]"));
	free(buf);
}

static void test_api_sock(void)
{
	struct vm_config cfg;
	char err[256] = "";
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	CHECK_EQ(PARSE(&cfg, err, "--kernel", "k"), 0);
	CHECK(!cfg.api_sock);
	/* With an API socket the kernel can come later, through PUT /boot-source. */
	CHECK_EQ(PARSE(&cfg, err, "--api-sock", "/tmp/x.sock", "--cpus", "2"), 0);
	CHECK_STR(cfg.api_sock, "/tmp/x.sock");
	CHECK(!cfg.kernel_path);
	CHECK_EQ(cfg.ncpus, 2);
	CHECK_EQ(PARSE(&cfg, err, "--api-sock=/tmp/y.sock", "--kernel", "k"), 0);
	CHECK_STR(cfg.api_sock, "/tmp/y.sock");
	CHECK_STR(cfg.kernel_path, "k");
	expect_error("empty api-sock", PARSE(&cfg, err, "--api-sock", ""), err,
		     "--api-sock: the path is empty");
	expect_error("api-sock value", PARSE(&cfg, err, "--api-sock"), err, "--api-sock");
	expect_error("no kernel, no socket", PARSE(&cfg, err, "--memory", "64"), err,
		     "unless --api-sock PATH is given");
	f = open_memstream(&buf, &len);
	run_options__usage(f);
	fclose(f);
	CHECK(strstr(buf, "--api-sock PATH"));
	free(buf);
}

int main(void)
{
	RUN(test_defaults);
	RUN(test_all_flags);
	RUN(test_help);
	RUN(test_bad_input);
	RUN(test_virtio_flags);
	RUN(test_virtio_limits);
	RUN(test_help_lists_virtio);
	RUN(test_api_sock);
	return tap_done();
}
