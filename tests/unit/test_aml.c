/* The AML encoder, byte for byte: PkgLength forms, integers, names, blocks, resources, errors. */
#include <errno.h>
#include <stdlib.h>

#include "boot/aml.h"
#include "tap.h"

static u8 buf[8192];
static struct aml a;

static void start(void)
{
	memset(buf, 0xee, sizeof(buf));
	aml__init(&a, buf, sizeof(buf));
}

/* The encoder finished without error and wrote exactly want. */
#define CHECK_BYTES(...)                                                   \
	do {                                                               \
		static const u8 want_[] = { __VA_ARGS__ };                 \
		long n_ = aml__finish(&a);                                 \
		CHECK_EQ(n_, sizeof(want_));                               \
		if (n_ == (long)sizeof(want_))                             \
			CHECK(!memcmp(buf, want_, sizeof(want_)));         \
	} while (0)

static void check_pkglength(size_t content, unsigned n, const u8 *want)
{
	u8 out[4] = { 0 };

	CHECK_EQ(aml__pkglength(out, content), n);
	CHECK(!memcmp(out, want, n));
}

static void test_pkglength(void)
{
	u8 out[4];

	check_pkglength(0, 1, (const u8[]){ 0x01 });
	check_pkglength(62, 1, (const u8[]){ 0x3f });
	/* 63 + 2 = 65 = 0x41: low nibble in the lead byte, the rest in the next. */
	check_pkglength(63, 2, (const u8[]){ 0x41, 0x04 });
	check_pkglength(0xffd, 2, (const u8[]){ 0x4f, 0xff });
	check_pkglength(0xffe, 3, (const u8[]){ 0x81, 0x00, 0x01 });
	check_pkglength(0xffffc, 3, (const u8[]){ 0x8f, 0xff, 0xff });
	check_pkglength(0xffffd, 4, (const u8[]){ 0xc1, 0x00, 0x00, 0x01 });
	check_pkglength(0x0ffffffb, 4, (const u8[]){ 0xcf, 0xff, 0xff, 0xff });
	CHECK_EQ(aml__pkglength(out, 0x0ffffffc), 0);
}

static void test_integers(void)
{
	start();
	aml__integer(&a, 0);
	aml__integer(&a, 1);
	aml__integer(&a, 2);
	aml__integer(&a, 0xff);
	aml__integer(&a, 0x100);
	aml__integer(&a, 0x10000);
	aml__integer(&a, 0xffffffff);
	aml__integer(&a, 0x100000000ULL);
	CHECK_BYTES(0x00, 0x01, 0x0a, 0x02, 0x0a, 0xff, 0x0b, 0x00, 0x01,
		    0x0c, 0x00, 0x00, 0x01, 0x00, 0x0c, 0xff, 0xff, 0xff, 0xff,
		    0x0e, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00);
}

static void test_names(void)
{
	start();
	aml__namestring(&a, "_HID");
	aml__namestring(&a, "\\_SB.PCI0");
	aml__namestring(&a, "\\_SB.PCI0.S1");
	aml__namestring(&a, "^^FOO");
	aml__namestring(&a, "\\");
	CHECK_BYTES('_', 'H', 'I', 'D',
		    '\\', 0x2e, '_', 'S', 'B', '_', 'P', 'C', 'I', '0',
		    '\\', 0x2f, 3, '_', 'S', 'B', '_', 'P', 'C', 'I', '0', 'S', '1', '_', '_',
		    '^', '^', 'F', 'O', 'O', '_',
		    '\\', 0x00);
}

static void test_bad_names(void)
{
	const char *bad[] = { "pci0", "ABCDE", "0ABC", "A..B", "A.", ".A", "\\^A", "A-B" };

	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		start();
		aml__namestring(&a, bad[i]);
		CHECK_EQ(aml__finish(&a), -EINVAL);
	}
}

static void test_string_eisaid(void)
{
	start();
	aml__string(&a, "AB");
	aml__eisaid(&a, "PNP0A03");
	aml__eisaid(&a, "PNP0A08");
	CHECK_BYTES(0x0d, 'A', 'B', 0x00, 0x0c, 0x41, 0xd0, 0x0a, 0x03, 0x0c, 0x41, 0xd0, 0x0a, 0x08);
	start();
	aml__eisaid(&a, "pnp0a03");
	CHECK_EQ(aml__finish(&a), -EINVAL);
	start();
	aml__eisaid(&a, "PNP0A0G");
	CHECK_EQ(aml__finish(&a), -EINVAL);
}

static void test_name_package(void)
{
	start();
	aml__name(&a, "_S5_");
	aml__package_begin(&a, 4);
	aml__integer(&a, 5);
	aml__integer(&a, 5);
	aml__integer(&a, 0);
	aml__integer(&a, 0);
	aml__end(&a);
	CHECK_BYTES(0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00);
}

static void test_device_scope_method(void)
{
	start();
	aml__scope_begin(&a, "\\_SB");
	aml__device_begin(&a, "PCI0");
	aml__name(&a, "_UID");
	aml__integer(&a, 0);
	aml__method_begin(&a, "_STA", 0, false);
	aml__return(&a);
	aml__integer(&a, 0x0f);
	aml__end(&a);
	aml__method_begin(&a, "M2", 2, true);
	aml__end(&a);
	aml__end(&a);
	aml__end(&a);
	CHECK_BYTES(0x10, 0x24, '\\', '_', 'S', 'B', '_',
		    0x5b, 0x82, 0x1c, 'P', 'C', 'I', '0',
		    0x08, '_', 'U', 'I', 'D', 0x00,
		    0x14, 0x09, '_', 'S', 'T', 'A', 0x00, 0xa4, 0x0a, 0x0f,
		    0x14, 0x06, 'M', '2', '_', '_', 0x0a);
}

static void test_buffer(void)
{
	start();
	aml__buffer(&a, (const u8[]){ 1, 2, 3 }, 3);
	aml__buffer(&a, (const u8[]){ 9 }, 1);
	CHECK_BYTES(0x11, 0x06, 0x0a, 0x03, 1, 2, 3, 0x11, 0x03, 0x01, 9);
}

/* A block whose content outgrows one PkgLength byte: the content moves up intact. */
static void test_long_block(void)
{
	long n;

	start();
	aml__package_begin(&a, 100);
	for (int i = 0; i < 100; i++)
		aml__integer(&a, 0x10 + i);
	aml__end(&a);
	n = aml__finish(&a);
	/* content: NumElements + 100 * 2 bytes = 201; with 2 PkgLength bytes 203 = 0xcb */
	CHECK_EQ(n, 1 + 2 + 201);
	CHECK_EQ(buf[0], 0x12);
	CHECK_EQ(buf[1], 0x4b);
	CHECK_EQ(buf[2], 0x0c);
	CHECK_EQ(buf[3], 100);
	for (int i = 0; i < 100; i++)
		CHECK(buf[4 + 2 * i] == 0x0a && buf[5 + 2 * i] == 0x10 + i);
	CHECK_EQ(buf[n], 0xee);
}

static void test_resources(void)
{
	u8 rbuf[128];
	struct aml r;

	aml__init(&r, rbuf, sizeof(rbuf));
	aml__res_bus_number(&r, 0, 0);
	aml__res_io(&r, 0xcf8, 8);
	aml__res_word_io(&r, 0xd00, 0xffff);
	aml__res_dword_memory(&r, 0xc0000000, 0xfbffffff);
	start();
	aml__resource_template(&a, &r);
	CHECK_BYTES(0x11, 0x48, 0x04, 0x0a, 0x44,
		    0x88, 0x0d, 0x00, 0x02, 0x0c, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00,
		    0x47, 0x01, 0xf8, 0x0c, 0xf8, 0x0c, 0x01, 0x08,
		    0x88, 0x0d, 0x00, 0x01, 0x0c, 0x03, 0, 0, 0x00, 0x0d, 0xff, 0xff, 0, 0,
		    0x00, 0xf3,
		    0x87, 0x17, 0x00, 0x00, 0x0c, 0x01, 0, 0, 0, 0, 0x00, 0x00, 0x00, 0xc0,
		    0xff, 0xff, 0xff, 0xfb, 0, 0, 0, 0, 0x00, 0x00, 0x00, 0x3c,
		    0x79, 0x00);
}

static void test_errors(void)
{
	u8 small[4];

	aml__init(&a, small, sizeof(small));
	aml__string(&a, "ABCD");
	CHECK_EQ(aml__finish(&a), -ENOSPC);
	/* No room left for the PkgLength when the block closes. */
	aml__init(&a, small, sizeof(small));
	aml__package_begin(&a, 2);
	aml__integer(&a, 0);
	aml__integer(&a, 0);
	aml__end(&a);
	CHECK_EQ(aml__finish(&a), -ENOSPC);
	start();
	aml__end(&a);
	CHECK_EQ(aml__finish(&a), -EINVAL);
	start();
	aml__package_begin(&a, 1);
	CHECK_EQ(aml__finish(&a), -EINVAL);
	start();
	for (int i = 0; i <= AML_MAX_DEPTH; i++)
		aml__package_begin(&a, 1);
	for (int i = 0; i <= AML_MAX_DEPTH; i++)
		aml__end(&a);
	CHECK_EQ(aml__finish(&a), -EINVAL);
	start();
	aml__package_begin(&a, 256);
	aml__end(&a);
	CHECK_EQ(aml__finish(&a), -EINVAL);
	start();
	aml__method_begin(&a, "M", 8, false);
	aml__end(&a);
	CHECK_EQ(aml__finish(&a), -EINVAL);
}

int main(void)
{
	RUN(test_pkglength);
	RUN(test_integers);
	RUN(test_names);
	RUN(test_bad_names);
	RUN(test_string_eisaid);
	RUN(test_name_package);
	RUN(test_device_scope_method);
	RUN(test_buffer);
	RUN(test_long_block);
	RUN(test_resources);
	RUN(test_errors);
	return tap_done();
}
