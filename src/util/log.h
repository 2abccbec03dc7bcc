/* Leveled logging to stderr; die() is for startup only, before any guest code runs. */
#ifndef NV_LOG_H
#define NV_LOG_H

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern enum log_level log_level;

/* Sets the level from NESTVISOR_LOG (error, warning, info, debug), if set and valid. */
void log__init_from_env(void);
void log_printf(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#define pr_err(...) log_printf(LOG_ERR, __VA_ARGS__)
#define pr_warn(...) log_printf(LOG_WARN, __VA_ARGS__)
#define pr_info(...) log_printf(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_printf(LOG_DEBUG, __VA_ARGS__)

/* Logs a warning the first time a call site is reached; guests can repeat misbehaviour forever. */
#define pr_warn_once(...)                         \
	do {                                      \
		static int warned_;               \
		if (!__atomic_exchange_n(&warned_, 1, __ATOMIC_RELAXED)) \
			pr_warn(__VA_ARGS__);     \
	} while (0)

#endif
