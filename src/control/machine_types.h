/* Machine types: the predefined table and custom-CPUS-MEMORYMB, with their limits. */
#ifndef NV_CONTROL_MACHINE_TYPES_H
#define NV_CONTROL_MACHINE_TYPES_H

#include <stdbool.h>
#include <stddef.h>

#define CUSTOM_MAX_VCPUS 64
#define CUSTOM_MIN_MB_PER_VCPU 256
#define CUSTOM_MAX_MB_PER_VCPU 8192
#define CUSTOM_MEMORY_STEP_MB 256

struct machine_type {
	char name[64];
	unsigned vcpus;
	unsigned memory_mb;
	bool shared_core;	/* a fraction of a core, time-shared: no nesting */
	bool nested_ok;		/* can offer VMX/SVM to its guest */
	bool custom;
	char description[96];
};

/* Fills out for a predefined or custom type; -EINVAL (-ENOENT when unknown) and err otherwise. */
int machine_types__lookup(const char *name, struct machine_type *out, char *err, size_t errlen);

/* The predefined table, for listing. */
size_t machine_types__count(void);
const struct machine_type *machine_types__at(size_t i);

#endif
