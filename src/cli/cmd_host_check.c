/* `nestvisor host-check`: what this host's KVM offers, and whether guests can nest. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "kvm/nested.h"
#include "util/log.h"

#define HOST_CHECK_UNAVAILABLE 2

static void usage(FILE *out)
{
	fprintf(out,
		"usage: nestvisor host-check [--json] [--kvm-device PATH]\n"
		"Reports what KVM on this host offers and whether guests can get nested\n"
		"virtualization (VT-x/AMD-V). Exit status: 0 available, %d unavailable, 1 bad usage.\n",
		HOST_CHECK_UNAVAILABLE);
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static const char *param_text(int param)
{
	return param < 0 ? "absent" : param ? "Y" : "N";
}

static void print_text(const struct nested_facts *f, bool ok, const char *reason)
{
	printf("kvm device: %s: %s\n", f->kvm_path,
	       !f->kvm_present ? "absent" : f->kvm_accessible ? "present, accessible" :
	       "present, not accessible");
	printf("kvm api version: %d\n", f->api_version);
	printf("cpu: %s, %s\n", cpuid__vendor_name(f->vendor), f->cpu_model[0] ? f->cpu_model : "?");
	printf("host cpu flags: vmx %s, svm %s\n", yes_no(f->host_has_vmx), yes_no(f->host_has_svm));
	printf("kvm module: %s\n", f->kvm_module[0] ? f->kvm_module : "none found");
	printf("vmx/svm offered to guests: %s\n", yes_no(f->kvm_offers_virt));
	printf("nested parameter: %s: %s\n", f->nested_param_path, param_text(f->nested_param));
	printf("kvm nested state size: %d\n", f->nested_state_size);
	printf("max vcpus: %u\n", f->max_vcpus);
	if (ok)
		printf("nested virtualization: available\n");
	else
		printf("nested virtualization: unavailable: %s\n", reason);
}

/* JSON string: the values come from /proc and /sys, so escape what JSON requires. */
static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void json_field(const char *key, const char *value, bool last)
{
	printf("  \"%s\": ", key);
	json_string(value);
	printf(last ? "\n" : ",\n");
}

static void print_json(const struct nested_facts *f, bool ok, const char *reason)
{
	printf("{\n");
	json_field("kvm_device", f->kvm_path, false);
	printf("  \"kvm_present\": %s,\n  \"kvm_accessible\": %s,\n", f->kvm_present ? "true" : "false",
	       f->kvm_accessible ? "true" : "false");
	printf("  \"kvm_api_version\": %d,\n", f->api_version);
	json_field("cpu_vendor", cpuid__vendor_name(f->vendor), false);
	json_field("cpu_model", f->cpu_model, false);
	printf("  \"host_vmx\": %s,\n  \"host_svm\": %s,\n", f->host_has_vmx ? "true" : "false",
	       f->host_has_svm ? "true" : "false");
	json_field("kvm_module", f->kvm_module, false);
	printf("  \"vmx_svm_offered\": %s,\n", f->kvm_offers_virt ? "true" : "false");
	json_field("nested_parameter_path", f->nested_param_path, false);
	json_field("nested_parameter", param_text(f->nested_param), false);
	printf("  \"nested_state_size\": %d,\n  \"max_vcpus\": %u,\n", f->nested_state_size,
	       f->max_vcpus);
	json_field("nested", ok ? "available" : "unavailable", false);
	json_field("reason", ok ? "" : reason, true);
	printf("}\n");
}

int cmd_host_check(int argc, char **argv)
{
	const char *kvm_path = "/dev/kvm";
	struct nested_facts facts;
	char reason[512] = "";
	bool json = false, ok;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--kvm-device") && i + 1 < argc) {
			kvm_path = argv[++i];
		} else if (!strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			pr_err("host-check: unknown option '%s' (see --help)", argv[i]);
			return 1;
		}
	}
	nested__gather(&facts, NULL, kvm_path, "");
	ok = nested__available(&facts, reason, sizeof(reason));
	if (json)
		print_json(&facts, ok, reason);
	else
		print_text(&facts, ok, reason);
	return ok ? 0 : HOST_CHECK_UNAVAILABLE;
}
