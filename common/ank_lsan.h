/* LeakSanitizer's suppressions for the asan build: one list for every program that reads the
 * catalogs, in whichever file defines __lsan_default_suppressions (only an executable's
 * definition is seen, so the kiosk's launcher has one too). */
#ifndef ANK_LSAN_H
#define ANK_LSAN_H

/* libgettextpo 0.21 leaks what no caller can free: the lexer's copy of each file name it
 * reads, and the tokens it had read of a file with a syntax error. Built without frame
 * pointers, the library shows LeakSanitizer only its allocator, so its leaks are named by
 * that (ank_i18n.c frees the ones a caller can). */
#define ANK_LSAN_SUPPRESSIONS "leak:libgettextpo_xmalloc\n"

#endif
