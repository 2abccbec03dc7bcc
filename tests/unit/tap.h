/*
 * A tiny TAP test runner for unit tests: one executable per file, TAP lines on stdout,
 * a final "N passed, N failed" line, exit status 1 if anything failed.
 *
 *	static void test_something(void) { CHECK(1 + 1 == 2); CHECK_EQ(x, 3); }
 *	int main(void) { RUN(test_something); return tap_done(); }
 */
#ifndef NV_TESTS_TAP_H
#define NV_TESTS_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_failures_in_test;
static int tap_passed, tap_failed, tap_skipped, tap_number;
static const char *tap_skip_reason;

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			printf("#   %s:%d: check failed: %s\n", __FILE__,     \
			       __LINE__, #cond);                              \
			tap_failures_in_test++;                               \
		}                                                              \
	} while (0)

#define CHECK_EQ(a, b)                                                         \
	do {                                                                   \
		long long a_ = (long long)(a), b_ = (long long)(b);            \
		if (a_ != b_) {                                                \
			printf("#   %s:%d: %s == %s: %lld != %lld\n", __FILE__, \
			       __LINE__, #a, #b, a_, b_);                     \
			tap_failures_in_test++;                               \
		}                                                              \
	} while (0)

#define CHECK_STR(a, b)                                                        \
	do {                                                                   \
		const char *a_ = (a), *b_ = (b);                               \
		if (!a_ || !b_ || strcmp(a_, b_)) {                            \
			printf("#   %s:%d: %s == %s: \"%s\" != \"%s\"\n",     \
			       __FILE__, __LINE__, #a, #b, a_ ? a_ : "(null)", \
			       b_ ? b_ : "(null)");                           \
			tap_failures_in_test++;                               \
		}                                                              \
	} while (0)

/* Marks the running test as skipped; the test function should return right after. */
#define SKIP(reason) (tap_skip_reason = (reason))

#define RUN(fn) tap_run(#fn, fn)

static inline void tap_run(const char *name, void (*fn)(void))
{
	tap_failures_in_test = 0;
	tap_skip_reason = NULL;
	fn();
	tap_number++;
	if (tap_skip_reason) {
		printf("ok %d - %s # SKIP %s\n", tap_number, name, tap_skip_reason);
		tap_skipped++;
	} else if (tap_failures_in_test) {
		printf("not ok %d - %s\n", tap_number, name);
		tap_failed++;
	} else {
		printf("ok %d - %s\n", tap_number, name);
		tap_passed++;
	}
	fflush(stdout);
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_number);
	printf("%d passed, %d failed, %d skipped\n", tap_passed, tap_failed, tap_skipped);
	return tap_failed ? 1 : 0;
}

#endif
