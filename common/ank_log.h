/* Minimal structured logging to stderr shared by every Ankomst program. */
#ifndef ANK_LOG_H
#define ANK_LOG_H

typedef enum ank_log_level {
	ANK_LOG_DEBUG,
	ANK_LOG_INFO,
	ANK_LOG_WARN,
	ANK_LOG_ERROR
} ank_log_level;

/* Messages below `min` are dropped; default is ANK_LOG_INFO. Set once from main(). */
void ank_log_set_level(ank_log_level min);
/* One line: "<iso time> <level> <component>: <message>". Never logs nicknames: callers
 * pass ids only (privacy page). */
void ank_log(ank_log_level lvl, const char *component, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

#endif
