/* The AML encoder (see aml.h); encodings from ACPI 6.4, 20.2 (AML grammar) and 6.4 (resources). */
#include <errno.h>
#include <string.h>

#include "boot/aml.h"

#define NAMESEG_LEN		4
#define MAX_SEGMENTS		255
#define PKGLENGTH_MAX		0x0fffffffu	/* 28 bits */

/* Resource descriptor tags and flags (ACPI 6.4, 6.4.2 and 6.4.3) */
#define RES_IO_TAG		0x47	/* small item 0x08, length 7 */
#define RES_END_TAG		0x79	/* small item 0x0f, length 1 */
#define RES_DWORD_ADDR_TAG	0x87
#define RES_WORD_ADDR_TAG	0x88
#define RES_DWORD_ADDR_LEN	23
#define RES_WORD_ADDR_LEN	13
#define RES_TYPE_MEMORY		0
#define RES_TYPE_IO		1
#define RES_TYPE_BUS		2
#define RES_MIN_MAX_FIXED	0x0c	/* _MIF | _MAF; producer, positive decode */
#define RES_IO_ENTIRE_RANGE	0x03	/* _RNG */
#define RES_MEM_READ_WRITE	0x01	/* _RW; non-cacheable, AddressRangeMemory */
#define RES_IO_DECODE16		0x01

void aml__init(struct aml *a, u8 *buf, size_t cap)
{
	memset(a, 0, sizeof(*a));
	a->buf = buf;
	a->cap = cap;
}

long aml__finish(struct aml *a)
{
	if (!a->error && a->depth)
		a->error = -EINVAL;
	return a->error ? a->error : (long)a->len;
}

static void fail(struct aml *a, int error)
{
	if (!a->error)
		a->error = error;
}

void aml__bytes(struct aml *a, const void *p, size_t n)
{
	if (a->error)
		return;
	if (n > a->cap - a->len) {
		fail(a, -ENOSPC);
		return;
	}
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

static void byte(struct aml *a, u8 b)
{
	aml__bytes(a, &b, 1);
}

/* Little-endian, n bytes. */
static void le(struct aml *a, u64 v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		byte(a, (u8)(v >> (8 * i)));
}

/*
 * The PkgLength counts its own bytes. One byte holds up to 63; longer forms keep the low
 * nibble in the lead byte (whose top two bits say how many bytes follow), then 8 bits each.
 */
unsigned aml__pkglength(u8 out[4], size_t content_len)
{
	unsigned n;
	size_t total;

	if (content_len + 1 <= 0x3f) {
		out[0] = (u8)(content_len + 1);
		return 1;
	}
	for (n = 2; n <= 4; n++) {
		total = content_len + n;
		if (total < (1ULL << (4 + 8 * (n - 1))))
			break;
	}
	if (n > 4 || total > PKGLENGTH_MAX)
		return 0;
	out[0] = (u8)(((n - 1) << 6) | (total & 0xf));
	for (unsigned i = 1; i < n; i++)
		out[i] = (u8)(total >> (4 + 8 * (i - 1)));
	return n;
}

static void begin(struct aml *a)
{
	if (a->depth == AML_MAX_DEPTH) {
		fail(a, -EINVAL);
		return;
	}
	a->open[a->depth++] = a->len;
}

/* Inserts the PkgLength before the block's content, now that its size is known. */
void aml__end(struct aml *a)
{
	size_t at, content;
	u8 pkg[4];
	unsigned n;

	if (!a->depth) {
		fail(a, -EINVAL);
		return;
	}
	at = a->open[--a->depth];
	if (a->error)
		return;
	content = a->len - at;
	n = aml__pkglength(pkg, content);
	if (!n || n > a->cap - a->len) {
		fail(a, n ? -ENOSPC : -EINVAL);
		return;
	}
	memmove(a->buf + at + n, a->buf + at, content);
	memcpy(a->buf + at, pkg, n);
	a->len += n;
}

static bool seg_char(char c, bool first)
{
	return (c >= 'A' && c <= 'Z') || c == '_' || (!first && c >= '0' && c <= '9');
}

/* One segment of up to 4 characters ending at '.' or NUL; returns its length or 0. */
static size_t seg_len(const char *s)
{
	size_t n = 0;

	while (s[n] && s[n] != '.') {
		if (n == NAMESEG_LEN || !seg_char(s[n], n == 0))
			return 0;
		n++;
	}
	return n;
}

static void nameseg(struct aml *a, const char *s, size_t n)
{
	char seg[NAMESEG_LEN] = { '_', '_', '_', '_' };

	memcpy(seg, s, n);
	aml__bytes(a, seg, NAMESEG_LEN);
}

static unsigned count_segments(const char *s)
{
	unsigned count = 0;
	size_t n;

	while (*s) {
		n = seg_len(s);
		if (!n || count == MAX_SEGMENTS)
			return 0;
		count++;
		s += n;
		if (*s == '.' && !*++s)
			return 0;	/* a trailing dot */
	}
	return count;
}

void aml__namestring(struct aml *a, const char *path)
{
	unsigned count;

	if (*path == AML_ROOT_CHAR)
		byte(a, *path++);
	else
		while (*path == AML_PARENT_CHAR)
			byte(a, *path++);
	count = count_segments(path);
	if (!count && *path) {
		fail(a, -EINVAL);
		return;
	}
	if (count == 0)
		byte(a, 0x00);	/* NullName */
	else if (count == 2)
		byte(a, AML_DUAL_NAME_PREFIX);
	else if (count > 2) {
		byte(a, AML_MULTI_NAME_PREFIX);
		byte(a, (u8)count);
	}
	while (*path) {
		size_t n = seg_len(path);

		nameseg(a, path, n);
		path += n;
		if (*path == '.')
			path++;
	}
}

void aml__integer(struct aml *a, u64 v)
{
	if (v <= 1) {
		byte(a, v ? AML_ONE_OP : AML_ZERO_OP);
	} else if (v <= 0xff) {
		byte(a, AML_BYTE_PREFIX);
		le(a, v, 1);
	} else if (v <= 0xffff) {
		byte(a, AML_WORD_PREFIX);
		le(a, v, 2);
	} else if (v <= 0xffffffffu) {
		byte(a, AML_DWORD_PREFIX);
		le(a, v, 4);
	} else {
		byte(a, AML_QWORD_PREFIX);
		le(a, v, 8);
	}
}

void aml__string(struct aml *a, const char *s)
{
	byte(a, AML_STRING_PREFIX);
	aml__bytes(a, s, strlen(s) + 1);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Three letters in 5 bits each (A = 1) and four hex digits, stored big-endian: "PNP0A03"
 * gives bytes 41 d0 0a 03.
 */
void aml__eisaid(struct aml *a, const char *id)
{
	u8 out[4];
	u16 vendor = 0, product = 0;

	if (strlen(id) != 7) {
		fail(a, -EINVAL);
		return;
	}
	for (int i = 0; i < 3; i++) {
		if (id[i] < 'A' || id[i] > 'Z') {
			fail(a, -EINVAL);
			return;
		}
		vendor = (u16)(vendor << 5 | (id[i] - 'A' + 1));
	}
	for (int i = 3; i < 7; i++) {
		int d = hex_digit(id[i]);

		if (d < 0) {
			fail(a, -EINVAL);
			return;
		}
		product = (u16)(product << 4 | d);
	}
	out[0] = vendor >> 8;
	out[1] = vendor & 0xff;
	out[2] = product >> 8;
	out[3] = product & 0xff;
	byte(a, AML_DWORD_PREFIX);
	aml__bytes(a, out, sizeof(out));
}

void aml__name(struct aml *a, const char *path)
{
	byte(a, AML_NAME_OP);
	aml__namestring(a, path);
}

void aml__buffer(struct aml *a, const void *data, size_t n)
{
	byte(a, AML_BUFFER_OP);
	begin(a);
	aml__integer(a, n);
	aml__bytes(a, data, n);
	aml__end(a);
}

void aml__return(struct aml *a)
{
	byte(a, AML_RETURN_OP);
}

void aml__package_begin(struct aml *a, unsigned nelems)
{
	byte(a, AML_PACKAGE_OP);
	begin(a);
	if (nelems > 0xff)
		fail(a, -EINVAL);
	byte(a, (u8)nelems);
}

void aml__scope_begin(struct aml *a, const char *path)
{
	byte(a, AML_SCOPE_OP);
	begin(a);
	aml__namestring(a, path);
}

void aml__device_begin(struct aml *a, const char *path)
{
	byte(a, AML_EXT_OP_PREFIX);
	byte(a, AML_DEVICE_OP);
	begin(a);
	aml__namestring(a, path);
}

/* MethodFlags: ArgCount in bits 0-2, SerializeFlag in bit 3, SyncLevel 0. */
void aml__method_begin(struct aml *a, const char *path, unsigned nargs, bool serialized)
{
	byte(a, AML_METHOD_OP);
	begin(a);
	aml__namestring(a, path);
	if (nargs > 7)
		fail(a, -EINVAL);
	byte(a, (u8)((nargs & 7) | (serialized ? 0x08 : 0)));
}

/* Word and DWord address space descriptors share a layout; only the field width differs. */
static void res_address(struct aml *r, u8 type, u8 type_flags, u64 min, u64 max, unsigned w)
{
	byte(r, w == 2 ? RES_WORD_ADDR_TAG : RES_DWORD_ADDR_TAG);
	le(r, w == 2 ? RES_WORD_ADDR_LEN : RES_DWORD_ADDR_LEN, 2);
	byte(r, type);
	byte(r, RES_MIN_MAX_FIXED);
	byte(r, type_flags);
	le(r, 0, w);			/* granularity: min and max are fixed, so none */
	le(r, min, w);
	le(r, max, w);
	le(r, 0, w);			/* translation offset */
	le(r, max - min + 1, w);	/* length */
}

void aml__res_bus_number(struct aml *r, u16 min, u16 max)
{
	res_address(r, RES_TYPE_BUS, 0, min, max, 2);
}

void aml__res_word_io(struct aml *r, u16 min, u16 max)
{
	res_address(r, RES_TYPE_IO, RES_IO_ENTIRE_RANGE, min, max, 2);
}

void aml__res_dword_memory(struct aml *r, u32 min, u32 max)
{
	res_address(r, RES_TYPE_MEMORY, RES_MEM_READ_WRITE, min, max, 4);
}

void aml__res_io(struct aml *r, u16 min, u8 len)
{
	byte(r, RES_IO_TAG);
	byte(r, RES_IO_DECODE16);
	le(r, min, 2);
	le(r, min, 2);
	byte(r, 1);	/* alignment */
	byte(r, len);
}

/* The end tag's zero checksum means "treat as valid" (6.4.2.9), as ASL compilers emit it. */
void aml__resource_template(struct aml *a, struct aml *res)
{
	long n;

	byte(res, RES_END_TAG);
	byte(res, 0);
	n = aml__finish(res);
	if (n < 0)
		fail(a, (int)n);
	else
		aml__buffer(a, res->buf, (size_t)n);
}
