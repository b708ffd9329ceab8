/* log.h - leveled logging to stderr, one line per event. */
#ifndef BASALT_LOG_H
#define BASALT_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERROR };

/* log.c */
/* Safe to call while other threads log (SIGHUP changes it). */
void log_set_level(enum log_level level);
/* Name every line with the node (host) it comes from; set once at start,
 * before other threads run. */
void log_set_node(const char *node);
/* Parse "debug", "info", "warning", "error"; returns -EINVAL otherwise. */
int log_level_parse(const char *s, enum log_level *out);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
_Noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
