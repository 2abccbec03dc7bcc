/* vCPU set-up and KVM_RUN. Each ioctl failure is reported with its name and vCPU number. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm/msr.h"
#include "kvm/vcpu.h"
#include "util/log.h"


int vcpu__create(struct kvm_vcpu *vcpu, struct kvm_vm *vm, unsigned index, char *err, size_t errlen)
{
	void *run;

	memset(vcpu, 0, sizeof(*vcpu));
	vcpu->index = index;
	vcpu->fd = ioctl(vm->fd, KVM_CREATE_VCPU, (unsigned long)index);
	if (vcpu->fd < 0)
		return set_err(err, errlen, errno, "KVM_CREATE_VCPU %u failed: %s", index,
			       strerror(errno));
	vcpu->run_size = vm->kvm->vcpu_mmap_size;
	run = mmap(NULL, vcpu->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
	if (run == MAP_FAILED) {
		int e = errno;

		close(vcpu->fd);
		vcpu->fd = -1;
		return set_err(err, errlen, e, "mmap of vCPU %u run area failed: %s", index,
			       strerror(e));
	}
	vcpu->run = run;
	return 0;
}

void vcpu__destroy(struct kvm_vcpu *vcpu)
{
	if (vcpu->run)
		munmap(vcpu->run, vcpu->run_size);
	if (vcpu->fd > 0)
		close(vcpu->fd);
	vcpu->run = NULL;
	vcpu->fd = -1;
}

int vcpu__set_cpuid(struct kvm_vcpu *vcpu, const struct kvm_system *kvm,
		    const struct cpuid_policy *policy, char *err, size_t errlen)
{
	struct kvm_cpuid2 *table = cpuid__build(kvm->supported_cpuid, policy);
	int ret = 0;

	if (!table)
		return set_err(err, errlen, ENOMEM, "out of memory building CPUID");
	if (ioctl(vcpu->fd, KVM_SET_CPUID2, table) < 0)
		ret = set_err(err, errlen, errno, "KVM_SET_CPUID2 on vCPU %u failed: %s",
			      vcpu->index, strerror(errno));
	free(table);
	return ret;
}

int vcpu__set_msrs(struct kvm_vcpu *vcpu, const struct kvm_system *kvm, bool nested,
		   char *err, size_t errlen)
{
	struct msr_value policy[MSR_POLICY_MAX];
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry entries[MSR_POLICY_MAX];
	} msrs;
	unsigned count = msr_policy__build(cpuid__vendor(kvm->supported_cpuid), nested, policy);
	u32 n = 0;
	int ret;

	memset(&msrs, 0, sizeof(msrs));
	/* Only what this KVM knows: backends differ (this one lacks MTRRdefType, say). */
	for (unsigned i = 0; i < count; i++) {
		if (!kvm__has_msr(kvm, policy[i].index))
			continue;
		msrs.entries[n].index = policy[i].index;
		msrs.entries[n].data = policy[i].value;
		n++;
	}
	msrs.hdr.nmsrs = n;
	ret = ioctl(vcpu->fd, KVM_SET_MSRS, &msrs);
	if (ret < 0)
		return set_err(err, errlen, errno, "KVM_SET_MSRS on vCPU %u failed: %s",
			       vcpu->index, strerror(errno));
	if ((u32)ret != n)
		return set_err(err, errlen, EINVAL, "KVM_SET_MSRS on vCPU %u refused MSR %#x",
			       vcpu->index, msrs.entries[ret].index);
	return 0;
}

#define APIC_LVT0 0x350
#define APIC_LVT1 0x360
#define APIC_MODE_NMI 0x4
#define APIC_MODE_EXTINT 0x7

static void set_lvt_mode(struct kvm_lapic_state *lapic, unsigned reg, u32 mode)
{
	u32 value;

	memcpy(&value, &lapic->regs[reg], sizeof(value));
	value = (value & ~0x700u) | (mode << 8);
	memcpy(&lapic->regs[reg], &value, sizeof(value));
}

int vcpu__setup_lapic(struct kvm_vcpu *vcpu, char *err, size_t errlen)
{
	struct kvm_lapic_state lapic;

	if (ioctl(vcpu->fd, KVM_GET_LAPIC, &lapic) < 0)
		return set_err(err, errlen, errno, "KVM_GET_LAPIC on vCPU %u failed: %s",
			       vcpu->index, strerror(errno));
	set_lvt_mode(&lapic, APIC_LVT0, APIC_MODE_EXTINT);
	set_lvt_mode(&lapic, APIC_LVT1, APIC_MODE_NMI);
	if (ioctl(vcpu->fd, KVM_SET_LAPIC, &lapic) < 0)
		return set_err(err, errlen, errno, "KVM_SET_LAPIC on vCPU %u failed: %s",
			       vcpu->index, strerror(errno));
	return 0;
}

static struct kvm_segment to_kvm_segment(const struct boot_segment *b)
{
	return (struct kvm_segment){
		.base = b->base,
		.limit = b->limit,
		.selector = b->selector,
		.type = b->type,
		.present = b->present,
		.dpl = b->dpl,
		.db = b->db,
		.s = b->s,
		.l = b->l,
		.g = b->g,
	};
}

/* The hidden segment state must match the GDT the loader wrote: both come from boot__cpu_setup. */
static void set_entry_sregs(struct kvm_sregs *s, const struct boot_entry *entry)
{
	struct boot_cpu_setup setup;

	boot__cpu_setup(entry->mode, &setup);
	s->cs = to_kvm_segment(&setup.cs);
	s->ds = s->es = s->fs = s->gs = s->ss = to_kvm_segment(&setup.ds);
	s->gdt.base = setup.gdt_base;
	s->gdt.limit = setup.gdt_limit;
	s->idt.base = 0;
	s->idt.limit = 0;
	s->cr0 = setup.cr0;
	s->cr3 = setup.cr3;
	s->cr4 = setup.cr4;
	s->efer = setup.efer;
}

int vcpu__setup_boot_regs(struct kvm_vcpu *vcpu, const struct boot_entry *entry, char *err, size_t errlen)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = {
		.rflags = 0x2,	/* bit 1 is reserved and always set */
		.rip = entry->rip,
		.rsi = entry->rsi,
		.rax = entry->eax,
		.rbx = entry->ebx,
	};

	if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) < 0)
		return set_err(err, errlen, errno, "KVM_GET_SREGS failed: %s", strerror(errno));
	set_entry_sregs(&sregs, entry);
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &sregs) < 0)
		return set_err(err, errlen, errno, "KVM_SET_SREGS failed: %s", strerror(errno));
	if (ioctl(vcpu->fd, KVM_SET_REGS, &regs) < 0)
		return set_err(err, errlen, errno, "KVM_SET_REGS failed: %s", strerror(errno));
	return 0;
}

int vcpu__run(struct kvm_vcpu *vcpu)
{
	return ioctl(vcpu->fd, KVM_RUN, 0) < 0 ? -errno : 0;
}

static void dump_segment(FILE *out, const char *name, const struct kvm_segment *s)
{
	fprintf(out, "  %-3s sel=%04x base=%016llx limit=%08x type=%x dpl=%u p=%u l=%u db=%u\n",
		name, s->selector, (unsigned long long)s->base, s->limit, s->type, s->dpl,
		s->present, s->l, s->db);
}

void vcpu__dump_regs(struct kvm_vcpu *vcpu, FILE *out)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	fprintf(out, "vCPU %u registers:\n", vcpu->index);
	if (ioctl(vcpu->fd, KVM_GET_REGS, &r) == 0) {
		fprintf(out, "  rip=%016llx rsp=%016llx rflags=%016llx\n", r.rip, r.rsp, r.rflags);
		fprintf(out, "  rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx\n", r.rax, r.rbx,
			r.rcx, r.rdx);
		fprintf(out, "  rsi=%016llx rdi=%016llx rbp=%016llx r8 =%016llx\n", r.rsi, r.rdi,
			r.rbp, r.r8);
	}
	if (ioctl(vcpu->fd, KVM_GET_SREGS, &s) == 0) {
		dump_segment(out, "cs", &s.cs);
		dump_segment(out, "ss", &s.ss);
		dump_segment(out, "ds", &s.ds);
		fprintf(out, "  cr0=%016llx cr2=%016llx cr3=%016llx cr4=%016llx efer=%016llx\n",
			s.cr0, s.cr2, s.cr3, s.cr4, s.efer);
		fprintf(out, "  gdt=%016llx/%04x idt=%016llx/%04x\n", s.gdt.base, s.gdt.limit,
			s.idt.base, s.idt.limit);
	}
}
