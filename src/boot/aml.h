/*
 * A small AML encoder (ACPI 6.x, chapters 19-20) for the DSDT: names, integers, strings,
 * packages, buffers, resource templates and the Scope/Device/Method blocks with PkgLength.
 */
#ifndef NV_BOOT_AML_H
#define NV_BOOT_AML_H

#include <stddef.h>

#include "util/util.h"

#define AML_MAX_DEPTH	8

/*
 * Output goes into a caller's buffer. A write past its end, a name that cannot be encoded or
 * an unbalanced aml__end only sets error; aml__finish reports it, so building code needs
 * no check after every call.
 */
struct aml {
	u8 *buf;
	size_t len, cap;
	int error;			/* 0 or the first -errno */
	size_t open[AML_MAX_DEPTH];	/* where each open block's PkgLength goes */
	unsigned depth;
};

void aml__init(struct aml *a, u8 *buf, size_t cap);
/* Bytes written, or -ENOSPC / -EINVAL (bad name, unbalanced blocks). */
long aml__finish(struct aml *a) __must_check;

/*
 * PkgLength for a block whose content (after the PkgLength) is content_len bytes: 1 to 4
 * bytes into out; 0 when content_len needs more than 28 bits.
 */
unsigned aml__pkglength(u8 out[4], size_t content_len);

void aml__bytes(struct aml *a, const void *p, size_t n);
/*
 * A NameString: "\" for the root, "^" per parent, then dot-separated segments of 1-4
 * characters (A-Z, 0-9, _; the first not a digit), padded with '_': "\_SB.PCI0", "_HID".
 */
void aml__namestring(struct aml *a, const char *path);
/* The smallest encoding: ZeroOp, OneOp, then Byte/Word/DWord/QWord prefixes. */
void aml__integer(struct aml *a, u64 v);
void aml__string(struct aml *a, const char *s);
/* A compressed EISA ID ("PNP0A03") as the DWord integer EISAID() gives. */
void aml__eisaid(struct aml *a, const char *id);
/* Name(path, ...): the object follows. */
void aml__name(struct aml *a, const char *path);
void aml__buffer(struct aml *a, const void *data, size_t n);
void aml__return(struct aml *a);	/* the value follows */

/* Blocks, each closed by aml__end. A package holds nelems objects (at most 255). */
void aml__package_begin(struct aml *a, unsigned nelems);
void aml__scope_begin(struct aml *a, const char *path);
void aml__device_begin(struct aml *a, const char *path);
void aml__method_begin(struct aml *a, const char *path, unsigned nargs, bool serialized);
void aml__end(struct aml *a);

/*
 * Resource template items (ACPI 6.4, 6.4.2-6.4.3), appended as raw bytes to a struct aml
 * used as a scratch buffer res, then emitted into a by aml__resource_template (which adds
 * the end tag; an error in res becomes a's). Windows are producer ranges, fixed at both
 * ends, positive decode, as a host bridge's _CRS declares them.
 */
void aml__resource_template(struct aml *a, struct aml *res);
void aml__res_bus_number(struct aml *r, u16 min, u16 max);
void aml__res_word_io(struct aml *r, u16 min, u16 max);
void aml__res_dword_memory(struct aml *r, u32 min, u32 max);
/* IO(Decode16, min, min, 1, len): a fixed port range the bridge itself consumes. */
void aml__res_io(struct aml *r, u16 min, u8 len);

/* AML bytes used by callers and tests (ACPI 6.4, 20.3) */
#define AML_ZERO_OP		0x00
#define AML_ONE_OP		0x01
#define AML_NAME_OP		0x08
#define AML_BYTE_PREFIX		0x0a
#define AML_WORD_PREFIX		0x0b
#define AML_DWORD_PREFIX	0x0c
#define AML_STRING_PREFIX	0x0d
#define AML_QWORD_PREFIX	0x0e
#define AML_SCOPE_OP		0x10
#define AML_BUFFER_OP		0x11
#define AML_PACKAGE_OP		0x12
#define AML_METHOD_OP		0x14
#define AML_DUAL_NAME_PREFIX	0x2e
#define AML_MULTI_NAME_PREFIX	0x2f
#define AML_EXT_OP_PREFIX	0x5b
#define AML_DEVICE_OP		0x82	/* after AML_EXT_OP_PREFIX */
#define AML_ROOT_CHAR		'\\'
#define AML_PARENT_CHAR		'^'
#define AML_RETURN_OP		0xa4

#endif
