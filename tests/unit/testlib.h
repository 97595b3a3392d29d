/* Shared fixtures for the unit tests: a fresh site.db in a temp dir with a known site
 * config, users, and a fixed clock. */
#ifndef ANK_TESTLIB_H
#define ANK_TESTLIB_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "queue.h"
/* Tests check rows behind the store's back (ank_store_db): they may use its private header. */
#include "store_int.h"

typedef struct fixture {
	char dir[64];
	char db[96];
	ank_queue *q;
	ank_site_config cfg;
	ank_station stations[ANK_MAX_STATIONS];
	int n_stations;
} fixture;

/* Monday 2026-11-23 12:00 local (Europe/Copenhagen = UTC+1 in November). */
#define T0     ((int64_t)1795431600000)
#define MIN(n) ((int64_t)(n)*60000)

/* A site open 08:00-02:00 every day, both routes, assisted allowed, stations:
 * i1 inject, i2 inject (not assisted), s1 smoke, f1 flex. Caller may change f->cfg and
 * f->stations before calling fixture_apply. */
fixture *fixture_new(void);
void fixture_apply(fixture *f);
void fixture_free(fixture *f);
/* Adds a user with consent; gender "male" unless given. */
void fixture_user(fixture *f, const char *id, const char *nick, int year, const char *gender);
ank_user fixture_get_user(fixture *f, const char *id);
void fixture_put_user(fixture *f, const ank_user *u);
/* Checks a user in and returns the rc; res may be NULL. */
ank_q_rc fixture_checkin(fixture *f, const char *user, const char *substance, ank_route r,
                         const char *helper, int64_t now, ank_checkin_result *res);
ank_q_rc fixture_cmd(fixture *f, ank_cmd_type type, int64_t ticket, const char *station,
                     int64_t now);
ank_ticket fixture_ticket(fixture *f, int64_t id);
ank_station fixture_station(fixture *f, const char *id);
/* Count of outbox rows of this type (all types when NULL). */
int fixture_events(fixture *f, const char *type);
/* Count of rows for a query with one integer result. */
int fixture_count(fixture *f, const char *sql);
/* Writes `text` to a file in the fixture dir and returns its path (static buffer). */
const char *fixture_file(fixture *f, const char *name, const char *text, size_t len);

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Golden-case tables: report one broken case and go on, so a run lists every broken
 * case, not only the first; then fail once at the end if any broke. */
void case_fail(int *failed, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void assert_cases_passed(int failed);

/* The source tree (ANK_SOURCE_DIR, set by ctest) for tests that read shipped files; fails
 * the test when it is not set. */
const char *test_source_dir(void);

#endif
