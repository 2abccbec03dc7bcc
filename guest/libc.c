/*
 * Test guest: the small libc the rest needs: memory and string helpers, a vsnprintf with
 * %d %i %u %x %X %s %c %p %% (flags 0 - #, width, l/ll/z), printf to COM1, number parsing,
 * CRC-32 and hex strings.
 */
#include "guest.h"

void *memcpy(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	u8 *d = dst;

	while (n--)
		*d++ = (u8)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (u8)*a - (u8)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, (size_t)-1);
}

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

struct spec {
	int zero, left, alt, width, lng;
};

static void put_padded(struct out *o, const struct spec *sp, const char *s, size_t n)
{
	int pad = sp->width > (int)n ? sp->width - (int)n : 0;

	if (!sp->left)
		while (pad-- > 0)
			put(o, sp->zero ? '0' : ' ');
	while (n--)
		put(o, *s++);
	if (sp->left)
		while (pad-- > 0)
			put(o, ' ');
}

static void put_number(struct out *o, struct spec sp, u64 v, int neg, unsigned base, int upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int i = sizeof(tmp);

	do {
		tmp[--i] = digits[v % base];
		v /= base;
	} while (v);
	if (sp.alt && base == 16) {
		tmp[--i] = upper ? 'X' : 'x';
		tmp[--i] = '0';
	}
	if (neg)
		tmp[--i] = '-';
	if (sp.zero && (neg || (sp.alt && base == 16))) {
		/* keep the sign or 0x in front of the zero padding */
		int prefix = neg ? 1 : 2;

		put_padded(o, &(struct spec){ 0 }, tmp + i, prefix);
		sp.width -= prefix;
		i += prefix;
	}
	put_padded(o, &sp, tmp + i, sizeof(tmp) - i);
}

static const char *parse_spec(const char *f, struct spec *sp)
{
	*sp = (struct spec){ 0 };
	for (;; f++) {
		if (*f == '0')
			sp->zero = 1;
		else if (*f == '-')
			sp->left = 1;
		else if (*f == '#')
			sp->alt = 1;
		else
			break;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (*f++ - '0');
	while (*f == 'l' || *f == 'z') {
		sp->lng++;
		f++;
	}
	return f;
}

static void convert(struct out *o, struct spec *sp, char c, va_list *ap)
{
	u64 v;
	s64 sv;
	const char *s;

	switch (c) {
	case 'd':
	case 'i':
		sv = sp->lng ? va_arg(*ap, s64) : va_arg(*ap, int);
		put_number(o, *sp, sv < 0 ? -(u64)sv : (u64)sv, sv < 0, 10, 0);
		break;
	case 'u':
	case 'x':
	case 'X':
		v = sp->lng ? va_arg(*ap, u64) : va_arg(*ap, unsigned);
		put_number(o, *sp, v, 0, c == 'u' ? 10 : 16, c == 'X');
		break;
	case 'p':
		sp->alt = 1;
		put_number(o, *sp, (u64)(uintptr_t)va_arg(*ap, void *), 0, 16, 0);
		break;
	case 's':
		s = va_arg(*ap, const char *);
		s = s ? s : "(null)";
		put_padded(o, sp, s, strlen(s));
		break;
	case 'c':
		put(o, (char)va_arg(*ap, int));
		break;
	default:
		put(o, '%');
		if (c)
			put(o, c);
	}
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	struct spec sp;
	va_list aq;

	va_copy(aq, ap);
	while (*fmt) {
		if (*fmt != '%') {
			put(&o, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp);
		convert(&o, &sp, *fmt, &aq);
		if (*fmt)
			fmt++;
	}
	va_end(aq);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	serial__write(buf, strlen(buf));
	return n;
}

/* Decimal or 0x-prefixed hex, all n characters, no overflow. */
int parse_u64n(const char *s, size_t n, u64 *out)
{
	unsigned base = 10;
	u64 v = 0;
	unsigned d;

	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		n -= 2;
	}
	if (!n)
		return -1;
	for (; n; n--, s++) {
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return -1;
		if (v > (~0ULL - d) / base)
			return -1;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

int parse_u64(const char *s, u64 *out)
{
	return parse_u64n(s, strlen(s), out);
}

/* CRC-32 (IEEE 802.3, reflected, as zlib's crc32): start with 0, chain by passing it back. */
u32 crc32(u32 crc, const void *buf, size_t n)
{
	const u8 *p = buf;
	int k;

	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

/* n bytes as lowercase hex into out (2n + 1 bytes). */
void hex_string(char *out, const void *buf, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	const u8 *p = buf;

	for (; n; n--, p++) {
		*out++ = digits[*p >> 4];
		*out++ = digits[*p & 15];
	}
	*out = '\0';
}
