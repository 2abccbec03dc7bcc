/* Logging: one line per message on stderr, prefixed with the program name and level. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/util.h"

enum log_level log_level = LOG_WARN;

static const char *const level_names[] = { "error", "warning", "info", "debug" };

static void vlog(enum log_level level, const char *fmt, va_list ap)
{
	char line[1024];
	size_t n;

	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	if (n && line[n - 1] == '\n')
		line[n - 1] = '\0';
	fprintf(stderr, "nestvisor: %s: %s\n", level_names[level], line);
}

void log__init_from_env(void)
{
	const char *want = getenv("NESTVISOR_LOG");

	for (size_t i = 0; want && i < ARRAY_SIZE(level_names); i++)
		if (!strcmp(want, level_names[i]))
			log_level = (enum log_level)i;
}

void log_printf(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
	exit(1);
}

int set_err(char *err, size_t errlen, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return errnum > 0 ? -errnum : errnum;
}
