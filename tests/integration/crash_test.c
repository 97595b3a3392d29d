/* Crash test: a child process issues tickets and runs sessions through the real queue
 * while the parent kills it with SIGKILL at random moments; after every kill the
 * database must pass integrity_check, hold every ticket the child reported as issued,
 * and have an outbox sequence with no gap and no duplicate. */
#include "testlib.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define USERS 4000

static int query_int(sqlite3 *db, const char *sql);

/* The child: check users in one after another, starting after the last user that has a
 * ticket (a kill between COMMIT and the report leaves a ticket the parent never heard
 * of); report each issued ticket id on `fd` only after ank_queue_checkin returned, so
 * after COMMIT. Sessions are started and ended so stations, cleaning and auto-calls are
 * written too. Never returns. */
static void child(const char *db, int fd)
{
	ank_queue *q;
	ank_err err;
	if (ank_queue_open(db, &q, &err) != ANK_Q_OK)
		_exit(10);
	int first = query_int(ank_store_db(ank_queue_store(q)), "SELECT count(*) FROM ticket");
	int64_t now = T0 + (int64_t)first * 1000;
	for (int k = first; k < USERS; k++) {
		char id[16];
		snprintf(id, sizeof id, "c%d", k);
		ank_checkin in = {.user_id = id,
		                  .substance = "heroin",
		                  .route = (k % 3) ? ANK_ROUTE_INJECT : ANK_ROUTE_SMOKE};
		ank_checkin_result r;
		now += 1000;
		if (ank_queue_checkin(q, &in, now, &r, &err) != ANK_Q_OK)
			_exit(11);
		long long tid = r.ticket.id;
		if (write(fd, &tid, sizeof tid) != sizeof tid)
			_exit(12);
		/* Run the called ticket's session so the station cycles. */
		if (r.ticket.state == ANK_TS_CALLED) {
			ank_cmd c = {.type = ANK_CMD_START, .ticket_id = r.ticket.id};
			ank_queue_command(q, &c, now, NULL, &err);
			c.type = ANK_CMD_END;
			ank_queue_command(q, &c, now + 500, NULL, &err);
			c = (ank_cmd){.type = ANK_CMD_CLEANING_DONE,
			              .station_id = r.ticket.station_id};
			ank_queue_command(q, &c, now + 600, NULL, &err);
		} else {
			ank_cmd c = {.type = ANK_CMD_CANCEL, .ticket_id = r.ticket.id};
			ank_queue_command(q, &c, now, NULL, &err);
		}
	}
	_exit(0);
}

static int query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	int v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

static void check_database(const char *path, const long long *issued, int n_issued, int round)
{
	ank_store *st;
	ank_err err;
	if (ank_store_open(path, &st, &err))
		fail_msg("round %d: reopen failed: %s", round, err.msg);
	sqlite3 *db = ank_store_db(st);
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	if (strcmp((const char *)sqlite3_column_text(s, 0), "ok") != 0)
		fail_msg("round %d: integrity_check: %s", round, sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	int n = query_int(db, "SELECT count(*) FROM outbox");
	int max = query_int(db, "SELECT coalesce(max(seq), 0) FROM outbox");
	int min = query_int(db, "SELECT coalesce(min(seq), 1) FROM outbox");
	int distinct = query_int(db, "SELECT count(DISTINCT event_id) FROM outbox");
	if (n != max || min != 1 || distinct != n)
		fail_msg("round %d: outbox has a gap or duplicate: n=%d min=%d max=%d distinct=%d",
		         round, n, min, max, distinct);
	/* Every issued ticket has its ticket.issued event, and vice versa. */
	int tickets = query_int(db, "SELECT count(*) FROM ticket");
	int issue_events = query_int(db, "SELECT count(*) FROM outbox WHERE type='ticket.issued'");
	if (tickets != issue_events)
		fail_msg("round %d: %d tickets but %d issue events", round, tickets, issue_events);
	assert_int_equal(
	        sqlite3_prepare_v2(db, "SELECT count(*) FROM ticket WHERE id = ?", -1, &s, NULL),
	        SQLITE_OK);
	for (int i = 0; i < n_issued; i++) {
		sqlite3_bind_int64(s, 1, issued[i]);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		if (sqlite3_column_int(s, 0) != 1)
			fail_msg("round %d: reported ticket %lld is missing", round, issued[i]);
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	/* No station may point at a ticket that is not open (half state). */
	int dangling = query_int(db, "SELECT count(*) FROM station s WHERE s.ticket_id != 0 AND"
	                             " NOT EXISTS (SELECT 1 FROM ticket t WHERE t.id = s.ticket_id"
	                             " AND t.state IN ('called','in_session'))");
	if (dangling != 0)
		fail_msg("round %d: %d stations hold a ticket that is not open", round, dangling);
	ank_store_close(st);
}

static void test_sigkill(void **state)
{
	int rounds = *(int *)*state;
	fixture *f = fixture_new();
	for (int d = 0; d < 7; d++) {
		f->cfg.hours[d].open_min = 0;
		f->cfg.hours[d].close_min = 1440;
	}
	fixture_apply(f);
	ank_store *st = ank_queue_store(f->q);
	ank_err err;
	assert_int_equal(ank_store_begin(st, &err), 0);
	for (int k = 0; k < USERS; k++) {
		ank_user u = {.birth_year = 1980};
		snprintf(u.id, sizeof u.id, "c%d", k);
		snprintf(u.nickname, sizeof u.nickname, "Bruger %d", k);
		snprintf(u.gender, sizeof u.gender, "male");
		snprintf(u.municipality, sizeof u.municipality, "101");
		snprintf(u.consent_version, sizeof u.consent_version, "1");
		if (ank_store_user_upsert(st, &u, &err))
			fail_msg("upsert: %s", err.msg);
	}
	assert_int_equal(ank_store_commit(st, &err), 0);
	ank_queue_close(f->q);
	f->q = NULL;

	long long *issued = calloc(USERS, sizeof *issued);
	assert_non_null(issued);
	int n_issued = 0, killed_mid_run = 0;
	srand((unsigned)time(NULL));
	for (int round = 0; round < rounds && n_issued < USERS; round++) {
		int fds[2];
		assert_int_equal(pipe(fds), 0);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			child(f->db, fds[1]);
		}
		close(fds[1]);
		/* Let it run 10-100 ms: past start-up (slow under ASan) and through a few
		 * dozen transactions, so the kill lands at a random point inside the work. */
		struct timespec ts = {0, (10 + rand() % 91) * 1000000L};
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		int status;
		waitpid(pid, &status, 0);
		if (WIFSIGNALED(status))
			killed_mid_run++;
		else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fail_msg("round %d: child failed with status %d", round, status);
		long long tid;
		ssize_t got;
		while ((got = read(fds[0], &tid, sizeof tid)) == sizeof tid)
			issued[n_issued++] = tid;
		close(fds[0]);
		check_database(f->db, issued, n_issued, round);
	}
	printf("crash test: %d rounds, %d killed mid-run, %d tickets reported and found\n", rounds,
	       killed_mid_run, n_issued);
	assert_true(killed_mid_run >= rounds / 2);
	assert_true(n_issued > 0);
	free(issued);
	fixture_free(f);
}

int main(int argc, char **argv)
{
	long rounds = 60;
	if (argc > 1)
		rounds = strtol(argv[1], NULL, 10);
	if (rounds < 50)
		rounds = 50; /* the issue asks for at least 50 kills */
	int r = (int)rounds;
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_prestate(test_sigkill, &r),
	};
	return cmocka_run_group_tests_name("crash", tests, NULL, NULL);
}
