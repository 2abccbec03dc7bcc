/* Host facts for nested virtualization, and the verdict over them. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kvm/nested.h"

static void read_cpuinfo(struct nested_facts *f, const char *root)
{
	char path[256], line[4096];
	FILE *in;

	snprintf(path, sizeof(path), "%s/proc/cpuinfo", root);
	in = fopen(path, "r");
	if (!in)
		return;
	while (fgets(line, sizeof(line), in)) {
		char *value = strchr(line, ':');

		if (!value)
			continue;
		value += strspn(value + 1, " \t") + 1;
		value[strcspn(value, "\n")] = '\0';
		if (!strncmp(line, "vendor_id", 9) && f->vendor == VENDOR_UNKNOWN)
			f->vendor = !strcmp(value, "GenuineIntel") ? VENDOR_INTEL :
				    !strcmp(value, "AuthenticAMD") ? VENDOR_AMD : VENDOR_UNKNOWN;
		else if (!strncmp(line, "model name", 10) && !f->cpu_model[0])
			snprintf(f->cpu_model, sizeof(f->cpu_model), "%s", value);
		else if (!strncmp(line, "flags", 5)) {
			f->host_has_vmx |= strstr(value, " vmx") || !strncmp(value, "vmx ", 4);
			f->host_has_svm |= strstr(value, " svm") || !strncmp(value, "svm ", 4);
			break;	/* the first CPU tells all */
		}
	}
	fclose(in);
}

/* The vendor module if loaded, else any other kvm_* backend module (e.g. kvm_pvm). */
static void find_kvm_module(struct nested_facts *f, const char *root)
{
	static const char *const known[] = { "kvm_intel", "kvm_amd", "kvm_pvm" };
	char path[256];

	for (size_t i = 0; i < ARRAY_SIZE(known); i++) {
		snprintf(path, sizeof(path), "%s/sys/module/%s", root, known[i]);
		if (access(path, F_OK) == 0) {
			snprintf(f->kvm_module, sizeof(f->kvm_module), "%s", known[i]);
			return;
		}
	}
}

static void read_nested_param(struct nested_facts *f, const char *root)
{
	const char *module = f->vendor == VENDOR_INTEL ? "kvm_intel" : "kvm_amd";
	char path[256], value[8] = "";
	FILE *in;

	snprintf(f->nested_param_path, sizeof(f->nested_param_path),
		 "/sys/module/%s/parameters/nested", module);
	snprintf(path, sizeof(path), "%s%s", root, f->nested_param_path);
	f->nested_param = -1;
	in = fopen(path, "r");
	if (!in)
		return;
	if (fgets(value, sizeof(value), in))
		f->nested_param = value[0] == 'Y' || value[0] == 'y' || value[0] == '1';
	fclose(in);
}

static void read_kvm(struct nested_facts *f, const struct kvm_system *kvm)
{
	struct kvm_cpuid_entry2 *e;

	f->api_version = kvm->api_version;
	f->max_vcpus = kvm->max_vcpus;
	f->nested_state_size = kvm__check_extension(kvm, KVM_CAP_NESTED_STATE);
	if (f->nested_state_size < 0)
		f->nested_state_size = 0;
	if (f->vendor == VENDOR_INTEL) {
		e = cpuid__find(kvm->supported_cpuid, 1, 0);
		f->kvm_offers_virt = e && (e->ecx & CPUID_1_ECX_VMX);
	} else {
		e = cpuid__find(kvm->supported_cpuid, 0x80000001, 0);
		f->kvm_offers_virt = e && (e->ecx & CPUID_80000001_ECX_SVM);
	}
}

/*
 * A passed descriptor ("/dev/fd/N", `run --kvm-fd`) exists when it is open: a jail or a
 * bare devtmpfs (the simulated host's, L1's) may have no /dev/fd to look the path up in.
 */
static bool kvm_exists(const char *kvm_path)
{
	int fd = path_passed_fd(kvm_path);

	if (fd >= 0)
		return fcntl(fd, F_GETFD) >= 0;
	return access(kvm_path, F_OK) == 0;
}

void nested__gather(struct nested_facts *f, const struct kvm_system *kvm, const char *kvm_path,
		    const char *root)
{
	struct kvm_system own;
	char err[256];

	memset(f, 0, sizeof(*f));
	f->kvm_path = kvm_path;
	read_cpuinfo(f, root);
	find_kvm_module(f, root);
	read_nested_param(f, root);
	f->kvm_present = kvm_exists(kvm_path);
	if (kvm) {
		f->kvm_accessible = true;
		read_kvm(f, kvm);
		return;
	}
	if (kvm__open(&own, kvm_path, err, sizeof(err)) == 0) {
		f->kvm_accessible = true;
		read_kvm(f, &own);
		kvm__close(&own);
	} else {
		f->kvm_open_errno = errno;
	}
}

static bool __attribute__((format(printf, 3, 4)))
unavailable(char *reason, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, len, fmt, ap);
	va_end(ap);
	return false;
}

bool nested__available(const struct nested_facts *f, char *reason, size_t len)
{
	bool intel = f->vendor == VENDOR_INTEL;
	const char *module = intel ? "kvm_intel" : "kvm_amd";

	if (!f->kvm_present)
		return unavailable(reason, len, "%s does not exist: load KVM (modprobe %s)", f->kvm_path,
				   f->vendor == VENDOR_UNKNOWN ? "kvm_intel or kvm_amd" : module);
	if (!f->kvm_accessible)
		return unavailable(reason, len, "cannot open %s (%s): run as root or join the kvm group",
				   f->kvm_path, strerror(f->kvm_open_errno));
	if (f->vendor == VENDOR_UNKNOWN)
		return unavailable(reason, len, "the CPU vendor is neither Intel nor AMD");
	if (strcmp(f->kvm_module, module))
		return unavailable(reason, len, "KVM runs on the %s backend, not %s: nested guests need "
				   "hardware %s and the %s module", f->kvm_module[0] ? f->kvm_module :
				   "unknown", module, intel ? "VT-x" : "AMD-V", module);
	if (f->nested_param == 0)
		return unavailable(reason, len, "%s is N: reload the module with nesting on "
				   "(modprobe -r %s && modprobe %s nested=1)", f->nested_param_path,
				   module, module);
	if (!f->kvm_offers_virt)
		return unavailable(reason, len, "KVM does not offer %s to guests (absent from "
				   "KVM_GET_SUPPORTED_CPUID): enable %s in the host firmware",
				   intel ? "VMX" : "SVM", intel ? "VT-x" : "AMD-V (SVM)");
	return true;
}
