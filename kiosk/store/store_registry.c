/* The registry replica on the kiosk: validated user rows, their search keys, the JSON
 * import format, and nickname search. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ank_buf.h"
#include "ank_log.h"
#include "ank_text.h"
#include "ank_time.h"

/* Prefix scans compare bytes; this is the largest UTF-8 sequence (U+10FFFF), so
 * `key < prefix || MAX` takes every key that starts with the prefix. */
#define UTF8_MAX_CP "\xF4\x8F\xBF\xBF"

#define USER_COLS                                                                                  \
	"id, nickname, birth_year, gender, municipality, consent_version, consent_ms, language,"   \
	" quarantine_until_ms"

static void user_row(sqlite3_stmt *s, ank_user *u)
{
	memset(u, 0, sizeof *u);
	ank_st_col(s, 0, u->id, sizeof u->id);
	ank_st_col(s, 1, u->nickname, sizeof u->nickname);
	u->birth_year = sqlite3_column_int(s, 2);
	ank_st_col(s, 3, u->gender, sizeof u->gender);
	ank_st_col(s, 4, u->municipality, sizeof u->municipality);
	ank_st_col(s, 5, u->consent_version, sizeof u->consent_version);
	u->consent_ms = sqlite3_column_int64(s, 6);
	ank_st_col(s, 7, u->language, sizeof u->language);
	u->quarantine_until_ms = sqlite3_column_int64(s, 8);
}

static void user_row_v(sqlite3_stmt *s, void *out)
{
	user_row(s, out);
}

ank_store_rc ank_store_user_get(ank_store *st, const char *id, ank_user *out, ank_err *err)
{
	sqlite3_stmt *s;
	if (ank_st_prep(st, "SELECT " USER_COLS " FROM registry WHERE id = ?", &s, err))
		return ANK_STORE_DB;
	ank_st_text(s, 1, id);
	return ank_st_one(st, s, user_row_v, out, err);
}

/* Checks one user against the limits and the vocabulary; err names the field. */
static int user_check(const ank_user *u, ank_err *err)
{
	if (!ank_text_is_slug(u->id, ANK_ID_MAX))
		return ank_err_set(err, "id must be 1-%d letters, digits, - or _", ANK_ID_MAX);
	size_t nb = strlen(u->nickname);
	if (nb == 0 || !ank_utf8_valid_text(u->nickname, nb))
		return ank_err_set(err, "nickname is empty or not valid UTF-8 text");
	long nc = ank_utf8_count(u->nickname);
	if (nc > ANK_NICK_MAX_CHARS)
		return ank_err_set(err, "nickname has %ld characters, at most %d", nc,
		                   ANK_NICK_MAX_CHARS);
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	if (u->birth_year < 1900 || u->birth_year > tm.tm_year + 1900)
		return ank_err_set(err, "birth_year %d is not a plausible year", u->birth_year);
	if (!ank_gender_find(u->gender))
		return ank_err_set(err, "gender '%s' is not one of the vocabulary", u->gender);
	if (!ank_municipality_find(u->municipality))
		return ank_err_set(err, "municipality '%s' is not an official code",
		                   u->municipality);
	if (!ank_utf8_valid_text(u->consent_version, strlen(u->consent_version)))
		return ank_err_set(err, "consent_version is not valid text");
	if (u->language[0] &&
	    (strlen(u->language) > 3 ||
	     strspn(u->language, "abcdefghijklmnopqrstuvwxyz") != strlen(u->language)))
		return ank_err_set(err, "language '%s' is not a 2-3 letter code", u->language);
	return 0;
}

/* Inserts every word-start suffix of the nickname in both fold variants, so a prefix
 * range scan finds "Big Søren" from "sor", "soe" or "big". */
static int insert_keys(ank_store *st, const ank_user *u, const char *name_key, ank_err *err)
{
	sqlite3_stmt *s;
	if (ank_st_prep(
	            st,
	            "INSERT OR IGNORE INTO registry_key(key, name_key, user_id) VALUES (?, ?, ?)",
	            &s, err))
		return -1;
	int rc = 0;
	for (int v = ANK_FOLD_PLAIN; v <= ANK_FOLD_DIGRAPH && rc == 0; v++) {
		ank_buf key;
		ank_buf_init(&key, 4 * ANK_NICK_MAX_BYTES);
		if (ank_text_fold(u->nickname, (ank_fold_variant)v, &key)) {
			ank_buf_free(&key);
			rc = ank_err_set(err, "nickname cannot be folded");
			break;
		}
		const char *k = ank_buf_str(&key);
		for (size_t i = 0; i < key.len && rc == 0; i++) {
			if (i > 0 && k[i - 1] != ' ')
				continue;
			ank_st_text(s, 1, k + i);
			ank_st_text(s, 2, name_key);
			ank_st_text(s, 3, u->id);
			if (sqlite3_step(s) != SQLITE_DONE)
				rc = ank_st_fail(st, err);
			sqlite3_reset(s);
		}
		ank_buf_free(&key);
	}
	ank_st_end(st, s);
	return rc;
}

int ank_store_user_delete(ank_store *st, const char *id, ank_err *err)
{
	sqlite3_stmt *s = NULL;
	if (ank_st_prep(st, "DELETE FROM registry WHERE id = ?", &s, err))
		return -1;
	ank_st_text(s, 1, id);
	return ank_st_done(st, s, err) ? -1 : 0;
}

void ank_store_forget_wal(ank_store *st)
{
	/* The WAL still holds the pages as they were before the deletion; a truncating
	 * checkpoint copies the new ones into the database and empties the file. A reader in
	 * the way (the busy timeout passes) leaves it for SQLite's next checkpoint. */
	int rc = sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	if (rc != SQLITE_OK)
		ank_log(ANK_LOG_WARN, "store", "the WAL was not emptied after a deletion: %s",
		        sqlite3_errstr(rc));
}

int ank_store_user_upsert(ank_store *st, const ank_user *u, ank_err *err)
{
	if (user_check(u, err))
		return -1;
	ank_buf name_key;
	ank_buf_init(&name_key, 4 * ANK_NICK_MAX_BYTES);
	sqlite3_stmt *s = NULL;
	int rc = -1;
	if (ank_text_fold(u->nickname, ANK_FOLD_PLAIN, &name_key)) {
		ank_err_set(err, "nickname cannot be folded");
		goto out;
	}
	if (ank_st_prep(st,
	                "INSERT INTO registry(" USER_COLS ", name_key)"
	                " VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET"
	                " nickname = excluded.nickname, birth_year = excluded.birth_year,"
	                " gender = excluded.gender, municipality = excluded.municipality,"
	                " consent_version = excluded.consent_version,"
	                " consent_ms = excluded.consent_ms, language = excluded.language,"
	                " quarantine_until_ms = excluded.quarantine_until_ms,"
	                " name_key = excluded.name_key",
	                &s, err))
		goto out;
	ank_st_text(s, 1, u->id);
	ank_st_text(s, 2, u->nickname);
	sqlite3_bind_int(s, 3, u->birth_year);
	ank_st_text(s, 4, u->gender);
	ank_st_text(s, 5, u->municipality);
	ank_st_text(s, 6, u->consent_version);
	sqlite3_bind_int64(s, 7, u->consent_ms);
	ank_st_text(s, 8, u->language);
	sqlite3_bind_int64(s, 9, u->quarantine_until_ms);
	ank_st_text(s, 10, ank_buf_str(&name_key));
	if (ank_st_done(st, s, err))
		goto out;
	if (ank_st_prep(st, "DELETE FROM registry_key WHERE user_id = ?", &s, err))
		goto out;
	ank_st_text(s, 1, u->id);
	if (ank_st_done(st, s, err))
		goto out;
	rc = insert_keys(st, u, ank_buf_str(&name_key), err);
out:
	ank_buf_free(&name_key);
	return rc;
}

/* Copies a JSON string member into dst; absent or null gives "" when optional. */
static int json_str(json_t *o, const char *key, char *dst, size_t n, bool optional, ank_err *err)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v)) {
		if (!optional)
			return ank_err_set(err, "%s is missing", key);
		dst[0] = '\0';
		return 0;
	}
	if (!json_is_string(v))
		return ank_err_set(err, "%s must be a string", key);
	size_t len = json_string_length(v);
	if (len >= n)
		return ank_err_set(err, "%s is longer than %zu bytes", key, n - 1);
	memcpy(dst, json_string_value(v), len + 1);
	return 0;
}

static int json_time(json_t *o, const char *key, int64_t *ms, ank_err *err)
{
	char text[32];
	if (json_str(o, key, text, sizeof text, true, err))
		return -1;
	*ms = 0;
	if (text[0] && ank_iso_parse(text, ms))
		return ank_err_set(err, "%s must be YYYY-MM-DDTHH:MM:SSZ", key);
	return 0;
}

/* One registry entry from JSON; see docs/formats.md. */
int ank_store_user_from_json(json_t *o, ank_user *u, ank_err *err)
{
	memset(u, 0, sizeof *u);
	if (!json_is_object(o))
		return ank_err_set(err, "entry is not an object");
	json_t *by = json_object_get(o, "birth_year");
	if (json_str(o, "id", u->id, sizeof u->id, false, err) ||
	    json_str(o, "nickname", u->nickname, sizeof u->nickname, false, err) ||
	    json_str(o, "gender", u->gender, sizeof u->gender, false, err) ||
	    json_str(o, "municipality", u->municipality, sizeof u->municipality, false, err) ||
	    json_str(o, "consent_version", u->consent_version, sizeof u->consent_version, true,
	             err) ||
	    json_str(o, "language", u->language, sizeof u->language, true, err) ||
	    json_time(o, "consent_at", &u->consent_ms, err) ||
	    json_time(o, "quarantine_until", &u->quarantine_until_ms, err))
		return -1;
	if (!json_is_integer(by))
		return ank_err_set(err, "birth_year must be an integer");
	json_int_t y = json_integer_value(by);
	u->birth_year = (y > 0 && y < 10000) ? (int)y : 0;
	return user_check(u, err);
}

int ank_store_registry_import(ank_store *st, const char *path, int64_t now_ms, int *count,
                              ank_err *err)
{
	*count = 0;
	struct stat sb;
	if (stat(path, &sb) != 0)
		return ank_err_set(err, "%s: cannot open", path);
	if (sb.st_size > ANK_REGISTRY_MAX_BYTES)
		return ank_err_set(err, "%s: %lld bytes, more than the %ld byte limit", path,
		                   (long long)sb.st_size, ANK_REGISTRY_MAX_BYTES);
	json_error_t je;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return ank_err_set(
		        err, "%s:%d:%d: %s%s; nothing imported", path, je.line, je.column,
		        json_error_code(&je) == json_error_invalid_utf8 ? "invalid UTF-8: " : "",
		        je.text);
	int rc = -1;
	json_t *users = json_object_get(root, "users");
	json_t *version = json_object_get(root, "version");
	if (!json_is_integer(version) || json_integer_value(version) != 1 ||
	    !json_is_array(users)) {
		ank_err_set(err, "%s: expected {\"version\": 1, \"users\": [...]}", path);
		goto out;
	}
	if (ank_store_begin(st, err))
		goto out;
	size_t i;
	json_t *o;
	json_array_foreach(users, i, o)
	{
		ank_user u;
		ank_err e;
		if (ank_store_user_from_json(o, &u, &e) || ank_store_user_upsert(st, &u, &e)) {
			ank_err_set(err, "%s: users[%zu]: %s; nothing imported", path, i, e.msg);
			ank_store_rollback(st);
			goto out;
		}
	}
	if (ank_store_outbox_append(
	            st, ANK_EV_REGISTRY_IMPORTED, now_ms,
	            json_pack("{s:I}", ANK_FN(USERS), (json_int_t)json_array_size(users)), err)) {
		ank_store_rollback(st);
		goto out;
	}
	if (ank_store_commit(st, err))
		goto out;
	*count = (int)json_array_size(users);
	rc = 0;
out:
	json_decref(root);
	return rc;
}

/* One match for user_id: nickname, birth year, and how many users share the name. */
static int match_fill(ank_store *st, const char *user_id, ank_match *m, ank_err *err)
{
	sqlite3_stmt *s;
	if (ank_st_prep(st,
	                "SELECT id, nickname, birth_year, (SELECT count(*) FROM registry r2"
	                " WHERE r2.name_key = r.name_key) FROM registry r WHERE id = ?",
	                &s, err))
		return -1;
	ank_st_text(s, 1, user_id);
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		ank_st_col(s, 0, m->user_id, sizeof m->user_id);
		ank_st_col(s, 1, m->nickname, sizeof m->nickname);
		m->birth_year = sqlite3_column_int(s, 2);
		m->same_name = sqlite3_column_int(s, 3);
	}
	ank_st_end(st, s);
	return step == SQLITE_ROW ? 0 : ank_st_fail(st, err);
}

/* Spaces in a folded key: a key that is the whole folded name (in either fold variant)
 * has as many words as the name, a key from a later word fewer. */
static int key_spaces(const char *k)
{
	int n = 0;
	for (; *k; k++)
		n += *k == ' ';
	return n;
}

/* One search's result so far: the distinct names taken, and whether one more exists. */
typedef struct search_walk {
	ank_store *st;
	ank_match *out;
	int max;
	int *n;
	bool more;
	char seen[ANK_SEARCH_LIMIT][2 * ANK_NICK_MAX_BYTES + 1];
} search_walk;

/* Takes, in key order, the names that have a key starting with `prefix` from their first
 * word (first_word) or only from a later one, skipping names already taken. One name
 * beyond max sets w->more and stops. Each step seeks the next (key, name) pair after the
 * last one, so a name held by hundreds of users costs one index seek, not hundreds of
 * rows. */
static int walk_prefix(search_walk *w, const char *prefix, bool first_word, ank_err *err)
{
	char upper[4 * ANK_NICK_MAX_BYTES + 8];
	snprintf(upper, sizeof upper, "%s" UTF8_MAX_CP, prefix);
	char last_key[4 * ANK_NICK_MAX_BYTES + 1] = "", last_name[2 * ANK_NICK_MAX_BYTES + 1] = "";
	snprintf(last_key, sizeof last_key, "%s", prefix);
	/* A name comes up again under other keys (each word, both fold variants) and the
	 * other tier's keys are stepped over too, so steps are bounded generously. */
	for (int steps = 0; !w->more && steps < 16 * ANK_SEARCH_LIMIT; steps++) {
		sqlite3_stmt *s;
		if (ank_st_prep(w->st,
		                "SELECT key, name_key, user_id FROM registry_key"
		                " WHERE (key, name_key) > (?, ?) AND key < ?"
		                " ORDER BY key, name_key, user_id LIMIT 1",
		                &s, err))
			return -1;
		ank_st_text(s, 1, last_key);
		ank_st_text(s, 2, last_name);
		sqlite3_bind_text(s, 3, upper, -1, SQLITE_STATIC);
		int step = sqlite3_step(s);
		char user_id[ANK_ID_MAX + 1] = "";
		if (step == SQLITE_ROW) {
			ank_st_col(s, 0, last_key, sizeof last_key);
			ank_st_col(s, 1, last_name, sizeof last_name);
			ank_st_col(s, 2, user_id, sizeof user_id);
		}
		ank_st_end(w->st, s);
		if (step == SQLITE_DONE)
			break;
		if (step != SQLITE_ROW)
			return ank_st_fail(w->st, err);
		if ((key_spaces(last_key) == key_spaces(last_name)) != first_word)
			continue;
		bool dup = false;
		for (int i = 0; i < *w->n && !dup; i++)
			dup = !strcmp(w->seen[i], last_name);
		if (dup)
			continue;
		if (*w->n == w->max) {
			w->more = true;
			break;
		}
		snprintf(w->seen[*w->n], sizeof w->seen[0], "%s", last_name);
		if (match_fill(w->st, user_id, &w->out[*w->n], err))
			return -1;
		(*w->n)++;
	}
	return 0;
}

/* The first key at or after `probe` into key ("" when none). */
static int key_from(ank_store *st, const char *probe, char *key, size_t n, ank_err *err)
{
	sqlite3_stmt *s;
	key[0] = '\0';
	if (ank_st_prep(st, "SELECT key FROM registry_key WHERE key >= ? ORDER BY key LIMIT 1", &s,
	                err))
		return -1;
	ank_st_text(s, 1, probe);
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		ank_st_col(s, 0, key, n);
	ank_st_end(st, s);
	return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : ank_st_fail(st, err);
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Bytes of the UTF-8 sequence that starts with lead byte c (keys are valid UTF-8). */
static size_t cp_len(unsigned char c)
{
	return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* The prefixes one edit away from the typed key that some key starts with. */
typedef struct near_set {
	char v[ANK_SEARCH_NEAR_MAX][4 * ANK_NICK_MAX_BYTES + 8];
	int n;
} near_set;

/* Adds v when some key starts with it (one index seek) and it is new. */
static int near_try(ank_store *st, near_set *ns, const char *v, ank_err *err)
{
	if (ns->n == ANK_SEARCH_NEAR_MAX || !v[0])
		return 0;
	for (int i = 0; i < ns->n; i++)
		if (!strcmp(ns->v[i], v))
			return 0;
	char key[4 * ANK_NICK_MAX_BYTES + 1];
	if (key_from(st, v, key, sizeof key, err))
		return -1;
	if (key[0] && starts_with(key, v))
		snprintf(ns->v[ns->n++], sizeof ns->v[0], "%s", v);
	return 0;
}

/* Fills ns with every key prefix within one edit (insert, delete, substitute, swap of
 * two neighbours, counted in code points) of the folded typed text t. Deletions and swaps
 * are one seek each; for an insert or substitution at position i the letters that follow
 * t's first i letters in the keys are enumerated by seeking from one to the next, so the
 * cost is the number of distinct next letters, never the number of keys. */
static int near_prefixes(ank_store *st, const char *t, near_set *ns, ank_err *err)
{
	size_t off[4 * ANK_NICK_MAX_BYTES + 9];
	int len = 0;
	size_t tl = strlen(t);
	for (size_t b = 0; b < tl; b += cp_len((unsigned char)t[b]))
		off[len++] = b;
	off[len] = tl;
	char v[4 * ANK_NICK_MAX_BYTES + 8];
	for (int i = 0; i < len; i++) { /* delete letter i */
		snprintf(v, sizeof v, "%.*s%s", (int)off[i], t, t + off[i + 1]);
		if (near_try(st, ns, v, err))
			return -1;
	}
	for (int i = 0; i + 1 < len; i++) { /* swap letters i and i+1 */
		int a = (int)(off[i + 1] - off[i]), b = (int)(off[i + 2] - off[i + 1]);
		if (a == b && !memcmp(t + off[i], t + off[i + 1], (size_t)a))
			continue;
		snprintf(v, sizeof v, "%.*s%.*s%.*s%s", (int)off[i], t, b, t + off[i + 1], a,
		         t + off[i], t + off[i + 2]);
		if (near_try(st, ns, v, err))
			return -1;
	}
	for (int i = 0; i <= len; i++) { /* insert before, or substitute, letter i */
		char probe[4 * ANK_NICK_MAX_BYTES + 8], key[4 * ANK_NICK_MAX_BYTES + 1];
		snprintf(probe, sizeof probe, "%.*s", (int)off[i], t);
		size_t al = off[i];
		for (int guard = 0; guard < 4096; guard++) {
			if (key_from(st, probe, key, sizeof key, err))
				return -1;
			if (!key[0] || strncmp(key, t, al) != 0)
				break;  /* no key continues t's first i letters any more */
			if (!key[al]) { /* a key that is exactly those letters: step past it */
				snprintf(probe, sizeof probe, "%.*s\x01", (int)al, t);
				continue;
			}
			int cl = (int)cp_len((unsigned char)key[al]);
			const char *c = key + al;
			if (i < len && !((size_t)cl == off[i + 1] - off[i] &&
			                 !memcmp(c, t + off[i], (size_t)cl))) {
				snprintf(v, sizeof v, "%.*s%.*s%s", (int)al, t, cl, c,
				         t + off[i + 1]);
				if (near_try(st, ns, v, err))
					return -1;
			}
			snprintf(v, sizeof v, "%.*s%.*s%s", (int)al, t, cl, c, t + off[i]);
			if (near_try(st, ns, v, err))
				return -1;
			snprintf(probe, sizeof probe, "%.*s%.*s" UTF8_MAX_CP, (int)al, t, cl, c);
		}
	}
	return 0;
}

static int near_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

int ank_store_search(ank_store *st, const char *typed, ank_match *out, int max, int *n, bool *more,
                     ank_err *err)
{
	*n = 0;
	if (more)
		*more = false;
	size_t len = strlen(typed);
	if (len > ANK_NICK_MAX_BYTES)
		return ank_err_set(err, "search text longer than %d bytes", ANK_NICK_MAX_BYTES);
	if (!ank_utf8_valid_text(typed, len))
		return ank_err_set(err, "search text is not valid UTF-8");
	ank_buf q;
	ank_buf_init(&q, 4 * ANK_NICK_MAX_BYTES + 8);
	int rc = -1;
	near_set *ns = NULL;
	if (ank_text_fold(typed, ANK_FOLD_PLAIN, &q)) {
		ank_err_set(err, "search text cannot be folded");
		goto out;
	}
	/* Nothing before two typed letters or digits (a space or dot does not count; æ is
	 * one letter): the list must not let anyone browse names. */
	long letters = ank_text_word_chars(typed);
	if (letters < 2 || q.len == 0) {
		rc = 0;
		goto out;
	}
	if (max > ANK_SEARCH_LIMIT)
		max = ANK_SEARCH_LIMIT;
	/* One match per distinct name: a name many users share shows once, and the UI then
	 * asks for the birth year among all of them (ank_store_same_name). Names whose first
	 * word starts with the text come before names where only a later word does. */
	search_walk w = {.st = st, .out = out, .max = max, .n = n};
	if (walk_prefix(&w, ank_buf_str(&q), true, err) ||
	    walk_prefix(&w, ank_buf_str(&q), false, err))
		goto out;
	/* Nothing by prefix: names one edit away (a typo), from three letters on, in the
	 * same order (first word first, then key order). */
	if (*n == 0 && letters >= ANK_SEARCH_NEAR_FROM) {
		ns = malloc(sizeof *ns);
		if (!ns) {
			ank_err_set(err, "out of memory");
			goto out;
		}
		ns->n = 0;
		if (near_prefixes(st, ank_buf_str(&q), ns, err))
			goto out;
		qsort(ns->v, (size_t)ns->n, sizeof ns->v[0], near_cmp);
		/* A prefix that extends another found one ("mette" after "mett") adds no name:
		 * sorted, the shorter comes first, so keep only prefixes not covered. */
		int kept = 0;
		for (int i = 0; i < ns->n; i++)
			if (kept == 0 || !starts_with(ns->v[i], ns->v[kept - 1]))
				memmove(ns->v[kept++], ns->v[i], sizeof ns->v[0]);
		ns->n = kept;
		for (int tier = 0; tier < 2; tier++)
			for (int i = 0; i < ns->n && !w.more; i++)
				if (walk_prefix(&w, ns->v[i], tier == 0, err))
					goto out;
	}
	if (more)
		*more = w.more;
	rc = 0;
out:
	free(ns);
	ank_buf_free(&q);
	return rc;
}

int ank_store_same_name(ank_store *st, const char *user_id, ank_match *out, int max, int *n,
                        ank_err *err)
{
	sqlite3_stmt *s;
	*n = 0;
	if (ank_st_prep(st,
	                "SELECT id, nickname, birth_year, count(*) OVER () FROM registry"
	                " WHERE name_key = (SELECT name_key FROM registry WHERE id = ?)"
	                " ORDER BY birth_year, id",
	                &s, err))
		return -1;
	ank_st_text(s, 1, user_id);
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW && *n < max) {
		ank_match *m = &out[(*n)++];
		ank_st_col(s, 0, m->user_id, sizeof m->user_id);
		ank_st_col(s, 1, m->nickname, sizeof m->nickname);
		m->birth_year = sqlite3_column_int(s, 2);
		m->same_name = sqlite3_column_int(s, 3);
	}
	ank_st_end(st, s);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return ank_st_fail(st, err);
	return 0;
}
