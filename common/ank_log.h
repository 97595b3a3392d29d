/* Minimal structured logging to stderr shared by every Ankomst program. */
#ifndef ANK_LOG_H
#define ANK_LOG_H

typedef enum ank_log_level {
	ANK_LOG_DEBUG,
	ANK_LOG_INFO,
	ANK_LOG_WARN,
	ANK_LOG_ERROR
} ank_log_level;

/* TEXT: "<iso time> <level> <component>: <message>", for a terminal or the journal.
 * JSON: one object a line, {"time":…,"level":…,"component":…,"msg":…}, for a log shipper. */
typedef enum ank_log_format { ANK_LOG_TEXT, ANK_LOG_JSON } ank_log_format;

/* Messages below `min` are dropped; default is ANK_LOG_INFO. Set once from main(). */
void ank_log_set_level(ank_log_level min);
/* Default ANK_LOG_TEXT. Set once from main(), before threads start. */
void ank_log_set_format(ank_log_format f);
/* "text" or "json" into *out: 0, or -1 for anything else. */
int ank_log_format_parse(const char *s, ank_log_format *out);
/* One line in the chosen format, written with a single call so that threads do not mix
 * their lines. Control characters in the message cannot start a line of their own: TEXT
 * shows them as '?', JSON escapes them (and replaces invalid UTF-8 with U+FFFD). Never logs
 * nicknames: callers pass ids only (privacy page). */
void ank_log(ank_log_level lvl, const char *component, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

#endif
