/* The nested-virtualization verdict over recorded host facts, and fact gathering from a fake /proc and /sys. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvm/nested.h"
#include "tap.h"

static struct nested_facts capable_amd(void)
{
	struct nested_facts f = {
		.kvm_path = "/dev/kvm", .kvm_present = true, .kvm_accessible = true,
		.vendor = VENDOR_AMD, .host_has_svm = true, .kvm_module = "kvm_amd",
		.kvm_offers_virt = true, .nested_param_path = "/sys/module/kvm_amd/parameters/nested",
		.nested_param = 1,
	};
	return f;
}

static bool verdict(const struct nested_facts *f, char *reason)
{
	return nested__available(f, reason, 512);
}

static void test_capable_hosts(void)
{
	struct nested_facts f = capable_amd();
	char reason[512];

	CHECK(verdict(&f, reason));
	f.vendor = VENDOR_INTEL;
	snprintf(f.kvm_module, sizeof(f.kvm_module), "kvm_intel");
	CHECK(verdict(&f, reason));
}

static void expect_reason(struct nested_facts *f, const char *needle)
{
	char reason[512] = "";

	CHECK(!verdict(f, reason));
	if (!strstr(reason, needle))
		printf("#   reason '%s' lacks '%s'\n", reason, needle);
	CHECK(strstr(reason, needle));
}

static void test_each_missing_piece_is_named(void)
{
	struct nested_facts f;

	f = capable_amd();
	f.kvm_present = false;
	expect_reason(&f, "does not exist");
	f = capable_amd();
	f.kvm_accessible = false;
	f.kvm_open_errno = 13;
	expect_reason(&f, "run as root or join the kvm group");
	f = capable_amd();
	f.vendor = VENDOR_UNKNOWN;
	expect_reason(&f, "neither Intel nor AMD");
	f = capable_amd();
	snprintf(f.kvm_module, sizeof(f.kvm_module), "kvm_pvm");
	expect_reason(&f, "kvm_pvm backend");
	f = capable_amd();
	f.nested_param = 0;
	expect_reason(&f, "/sys/module/kvm_amd/parameters/nested is N");
	expect_reason(&f, "modprobe kvm_amd nested=1");
	f = capable_amd();
	f.kvm_offers_virt = false;
	expect_reason(&f, "does not offer SVM");
	f = capable_amd();
	f.vendor = VENDOR_INTEL;
	snprintf(f.kvm_module, sizeof(f.kvm_module), "kvm_intel");
	f.kvm_offers_virt = false;
	expect_reason(&f, "does not offer VMX");
}

static void write_file(const char *path, const char *text)
{
	FILE *out = fopen(path, "w");

	if (out) {
		fputs(text, out);
		fclose(out);
	}
}

static int shell(const char *verb, const char *path)
{
	char cmd[400];

	snprintf(cmd, sizeof(cmd), "%s %s", verb, path);
	return system(cmd);
}

static void test_gather_from_fake_root(void)
{
	char root[] = "/tmp/nv-nested-XXXXXX", path[256];
	struct nested_facts f;

	if (!mkdtemp(root)) {
		SKIP("cannot make a temporary directory");
		return;
	}
	snprintf(path, sizeof(path), "%s/proc", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/proc/cpuinfo", root);
	write_file(path, "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Xeon Test\n"
			 "flags\t\t: fpu vme vmx sse\n");
	snprintf(path, sizeof(path), "%s/sys/module/kvm_intel/parameters", root);
	CHECK_EQ(shell("mkdir -p", path), 0);
	snprintf(path, sizeof(path), "%s/sys/module/kvm_intel/parameters/nested", root);
	write_file(path, "N\n");
	nested__gather(&f, NULL, "/nonexistent/kvm", root);
	CHECK_EQ(f.vendor, VENDOR_INTEL);
	CHECK_STR(f.cpu_model, "Xeon Test");
	CHECK(f.host_has_vmx);
	CHECK(!f.host_has_svm);
	CHECK_STR(f.kvm_module, "kvm_intel");
	CHECK_EQ(f.nested_param, 0);
	CHECK(!f.kvm_present);
	CHECK_EQ(shell("rm -rf", root), 0);
}

/* A passed /dev/kvm ("/dev/fd/N") is present when N is open, whatever /dev/fd holds. */
static void test_passed_descriptor_presence(void)
{
	struct nested_facts f;
	char path[32];
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		SKIP("cannot open /dev/null");
		return;
	}
	snprintf(path, sizeof(path), "/dev/fd/%d", fd);
	nested__gather(&f, NULL, path, "/nonexistent-root");
	CHECK(f.kvm_present);
	CHECK(!f.kvm_accessible);	/* /dev/null answers no KVM ioctl */
	close(fd);
	nested__gather(&f, NULL, path, "/nonexistent-root");
	CHECK(!f.kvm_present);
}

int main(void)
{
	RUN(test_capable_hosts);
	RUN(test_each_missing_piece_is_named);
	RUN(test_gather_from_fake_root);
	RUN(test_passed_descriptor_presence);
	return tap_done();
}
