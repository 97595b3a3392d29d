/* Fixture implementation for the unit tests: temp dirs, a standard site, users. */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void add_station(fixture *f, const char *id, ank_station_type type, bool assisted)
{
	ank_station *s = &f->stations[f->n_stations];
	memset(s, 0, sizeof *s);
	snprintf(s->id, sizeof s->id, "%s", id);
	snprintf(s->label, sizeof s->label, "%s", id);
	s->type = type;
	s->assisted = assisted;
	s->sort = f->n_stations++;
}

fixture *fixture_new(void)
{
	setenv("TZ", "Europe/Copenhagen", 1);
	tzset();
	fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	snprintf(f->dir, sizeof f->dir, "/tmp/ank-test-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof f->db, "%s/site.db", f->dir);
	ank_err err;
	assert_int_equal(ank_queue_open(f->db, &f->q, &err), ANK_Q_OK);
	ank_site_config *c = &f->cfg;
	snprintf(c->site_id, sizeof c->site_id, "test");
	snprintf(c->name, sizeof c->name, "Testrummet");
	snprintf(c->timezone, sizeof c->timezone, "Europe/Copenhagen");
	c->routes[ANK_ROUTE_INJECT] = c->routes[ANK_ROUTE_SMOKE] = true;
	c->assisted = true;
	snprintf(c->languages, sizeof c->languages, "da,en");
	c->day_start_min = 5 * 60;
	c->auto_call = true;
	c->grace_min = 5;
	c->warn_min = 20;
	c->alarm_min = 30;
	c->clean_after_session = true;
	for (int d = 0; d < 7; d++) {
		c->hours[d].open_min = 8 * 60;
		c->hours[d].close_min = 26 * 60; /* 02:00 next day */
	}
	add_station(f, "i1", ANK_STATION_INJECT, true);
	add_station(f, "i2", ANK_STATION_INJECT, false);
	add_station(f, "s1", ANK_STATION_SMOKE, false);
	add_station(f, "f1", ANK_STATION_FLEX, false);
	return f;
}

void fixture_apply(fixture *f)
{
	ank_err err = {{0}};
	ank_q_rc rc = ank_queue_apply_config(f->q, &f->cfg, f->stations, f->n_stations,
	                                     T0 - MIN(60), &err);
	if (rc != ANK_Q_OK)
		fail_msg("apply config: %s", err.msg);
}

void fixture_free(fixture *f)
{
	ank_queue_close(f->q);
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
}

void fixture_user(fixture *f, const char *id, const char *nick, int year, const char *gender)
{
	ank_user u;
	memset(&u, 0, sizeof u);
	snprintf(u.id, sizeof u.id, "%s", id);
	snprintf(u.nickname, sizeof u.nickname, "%s", nick);
	u.birth_year = year;
	snprintf(u.gender, sizeof u.gender, "%s", gender ? gender : "male");
	snprintf(u.municipality, sizeof u.municipality, "101");
	snprintf(u.consent_version, sizeof u.consent_version, "2024-1");
	fixture_put_user(f, &u);
}

void fixture_put_user(fixture *f, const ank_user *u)
{
	ank_store *st = ank_queue_store(f->q);
	ank_err err = {{0}};
	assert_int_equal(ank_store_begin(st, &err), 0);
	if (ank_store_user_upsert(st, u, &err))
		fail_msg("upsert %s: %s", u->id, err.msg);
	assert_int_equal(ank_store_commit(st, &err), 0);
}

ank_user fixture_get_user(fixture *f, const char *id)
{
	ank_user u;
	ank_err err;
	assert_int_equal(ank_store_user_get(ank_queue_store(f->q), id, &u, &err), ANK_STORE_OK);
	return u;
}

ank_q_rc fixture_checkin(fixture *f, const char *user, const char *substance, ank_route r,
                         const char *helper, int64_t now, ank_checkin_result *res)
{
	ank_checkin_result local;
	ank_checkin in = {.user_id = user, .substance = substance, .route = r, .helper_id = helper};
	ank_err err = {{0}};
	return ank_queue_checkin(f->q, &in, now, res ? res : &local, &err);
}

ank_q_rc fixture_cmd(fixture *f, ank_cmd_type type, int64_t ticket, const char *station,
                     int64_t now)
{
	ank_cmd c = {.type = type, .ticket_id = ticket, .station_id = station};
	ank_err err = {{0}};
	return ank_queue_command(f->q, &c, now, NULL, &err);
}

ank_ticket fixture_ticket(fixture *f, int64_t id)
{
	ank_ticket t;
	ank_err err;
	assert_int_equal(ank_store_ticket_get(ank_queue_store(f->q), id, &t, &err), ANK_STORE_OK);
	return t;
}

ank_station fixture_station(fixture *f, const char *id)
{
	ank_station s;
	ank_err err;
	assert_int_equal(ank_store_station_get(ank_queue_store(f->q), id, &s, &err), ANK_STORE_OK);
	return s;
}

int fixture_count(fixture *f, const char *sql)
{
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(ank_store_db(ank_queue_store(f->q)), sql, -1, &s, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	int n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return n;
}

int fixture_events(fixture *f, const char *type)
{
	char sql[160];
	if (type)
		snprintf(sql, sizeof sql, "SELECT count(*) FROM outbox WHERE type = '%s'", type);
	else
		snprintf(sql, sizeof sql, "SELECT count(*) FROM outbox");
	return fixture_count(f, sql);
}

const char *fixture_file(fixture *f, const char *name, const char *text, size_t len)
{
	static char path[160];
	snprintf(path, sizeof path, "%s/%s", f->dir, name);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	fclose(fp);
	return path;
}

void case_fail(int *failed, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprint_error(fmt, ap);
	va_end(ap);
	print_error("\n");
	(*failed)++;
}

void assert_cases_passed(int failed)
{
	if (failed)
		fail_msg("%d case(s) failed, listed above", failed);
}

const char *test_source_dir(void)
{
	const char *src = getenv("ANK_SOURCE_DIR");
	if (!src)
		fail_msg("ANK_SOURCE_DIR is not set (ctest sets it to the source tree)");
	return src;
}
