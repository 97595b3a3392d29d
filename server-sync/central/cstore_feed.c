/* Central's change feed: appending changes for kiosks (checked so the feed encoder never
 * refuses one), the ring of the newest changes that answers woken long-polls from memory,
 * and reading a kiosk's changes after its cursor. */
#include "cstore_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The deepest level of an array or object in j, which stands at `level`, counted as the
 * protocol's encoder counts (scalars are no level); stops past `limit`, so the walk stays
 * shallow whatever the value. */
static int depth_of(json_t *j, int level, int limit)
{
	if (!json_is_object(j) && !json_is_array(j))
		return level - 1;
	if (level > limit)
		return level;
	int deepest = level;
	const char *key;
	json_t *v;
	size_t i;
	if (json_is_object(j)) {
		json_object_foreach(j, key, v)
		{
			int d = depth_of(v, level + 1, limit);
			deepest = d > deepest ? d : deepest;
		}
	} else {
		json_array_foreach(j, i, v)
		{
			int d = depth_of(v, level + 1, limit);
			deepest = d > deepest ? d : deepest;
		}
	}
	return deepest;
}

/* A change's payload sits at level 4 of the feed body (body, changes, change, payload). */
#define CHANGE_PAYLOAD_LEVEL 4

/* The payload as stored: compact, sorted keys, checked against the feed's rules. Returns a
 * malloc'd text the caller frees, or NULL with err. */
static char *change_payload(const char *type, const char *payload_json, ank_err *err)
{
	size_t tn = type ? strlen(type) : 0;
	if (tn == 0 || tn > ANK_PROTO_TYPE_MAX ||
	    strspn(type, "abcdefghijklmnopqrstuvwxyz._") != tn) {
		ank_err_set(err, "change type must be 1 to %d characters of a-z . _",
		            ANK_PROTO_TYPE_MAX);
		return NULL;
	}
	json_error_t je;
	json_t *j = payload_json ? json_loads(payload_json, JSON_REJECT_DUPLICATES, &je) : NULL;
	if (!json_is_object(j)) {
		json_decref(j);
		ank_err_set(err, "change payload must be a JSON object");
		return NULL;
	}
	if (depth_of(j, CHANGE_PAYLOAD_LEVEL, ANK_PROTO_MAX_DEPTH) > ANK_PROTO_MAX_DEPTH) {
		json_decref(j);
		ank_err_set(err, "change payload nests deeper than the feed allows");
		return NULL;
	}
	char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	if (!text) {
		ank_err_set(err, "out of memory");
		return NULL;
	}
	if (strlen(text) > ANK_PROTO_MAX_PAYLOAD) {
		ank_err_set(err, "change payload is %zu bytes, more than %d", strlen(text),
		            ANK_PROTO_MAX_PAYLOAD);
		free(text);
		return NULL;
	}
	return text;
}

long long ank_cs_change_add_locked(ank_cstore *cs, const char *site, const char *type,
                                   const char *payload_json, int64_t now, ank_err *err)
{
	char *text = change_payload(type, payload_json, err);
	if (!text)
		return -1;
	sqlite3_stmt *s = NULL;
	long long id = -1;
	if (ank_cs_prep(cs, "INSERT INTO change(site, type, payload, created_ms) VALUES (?,?,?,?)",
	                &s) == SQLITE_OK) {
		if (site)
			sqlite3_bind_text(s, 1, site, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 2, type, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 3, text, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 4, now);
		if (sqlite3_step(s) == SQLITE_DONE)
			id = sqlite3_last_insert_rowid(cs->db);
	}
	ank_cs_end(cs, s);
	free(text);
	if (id < 0)
		ank_cs_fail(cs, err);
	return id;
}

long long ank_cstore_change_add(ank_cstore *cs, const char *site, const char *type,
                                const char *payload_json, int64_t now, ank_err *err)
{
	pthread_mutex_lock(&cs->mu);
	long long id = ank_cs_change_add_locked(cs, site, type, payload_json, now, err);
	if (id > 0)
		ank_cs_changed_locked(cs);
	pthread_mutex_unlock(&cs->mu);
	return id;
}

/* ---- the ring ---- */

static void ring_entry_clear(ank_cs_ring_entry *e)
{
	free(e->payload);
	memset(e, 0, sizeof *e);
}

/* Appends one change read from the table (ring_mu held); the oldest falls out when full and
 * raises the floor. -1 when memory ran out (the ring is then emptied above its floor, so
 * readers go to the table). */
static int ring_push(ank_cstore *cs, long long id, const char *site, const char *type,
                     const char *payload)
{
	char *copy = strdup(payload);
	if (!copy)
		return -1;
	if (cs->ring_n == ANK_CS_RING) {
		ank_cs_ring_entry *old = &cs->ring[cs->ring_head];
		cs->ring_floor = old->id;
		ring_entry_clear(old);
		cs->ring_head = (cs->ring_head + 1) % ANK_CS_RING;
		cs->ring_n--;
	}
	ank_cs_ring_entry *e = &cs->ring[(cs->ring_head + cs->ring_n) % ANK_CS_RING];
	e->id = id;
	e->all_sites = site == NULL;
	snprintf(e->site, sizeof e->site, "%s", site ? site : "");
	snprintf(e->type, sizeof e->type, "%s", type);
	e->payload = copy;
	cs->ring_n++;
	cs->ring_max = id;
	return 0;
}

/* Reads the table's changes above the ring's newest into the ring, on connection db with
 * statement cache c (the caller holds that connection's lock). 0 or -1. */
static int ring_fill(ank_cstore *cs, sqlite3 *db, ank_db_stmts *c, int limit)
{
	sqlite3_stmt *s = NULL;
	if (ank_db_stmt_get(db, c,
	                    "SELECT id, site, type, payload FROM (SELECT * FROM change WHERE id > ?"
	                    " ORDER BY id DESC LIMIT ?) ORDER BY id",
	                    &s) != SQLITE_OK)
		return -1;
	pthread_mutex_lock(&cs->ring_mu);
	sqlite3_bind_int64(s, 1, cs->ring_max);
	sqlite3_bind_int(s, 2, limit);
	int rc, out = 0, count = 0;
	long long first = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		long long id = sqlite3_column_int64(s, 0);
		if (count++ == 0)
			first = id;
		const char *site = (const char *)sqlite3_column_text(s, 1);
		if (ring_push(cs, id, site, ank_cs_col(s, 2), ank_cs_col(s, 3)))
			out = -1;
	}
	/* As many as the ring holds came at once (a new site's registry): there may be more
	 * below them, which the table answers. */
	if (count == limit && first - 1 > cs->ring_floor)
		cs->ring_floor = first - 1;
	if (rc != SQLITE_DONE)
		out = -1;
	if (out) {
		/* Whatever is missing is read from the table by everyone. */
		cs->ring_floor = cs->ring_max;
	}
	pthread_mutex_unlock(&cs->ring_mu);
	ank_db_stmt_put(c, s);
	return out;
}

int ank_cs_ring_load(ank_cstore *cs, ank_err *err)
{
	cs->ring_floor = 0;
	cs->ring_max = 0;
	sqlite3_stmt *s = NULL;
	/* The ring starts at the newest ANK_CS_RING changes; everything below its oldest is
	 * read from the table. */
	if (ank_db_stmt_get(cs->db, &cs->stmts,
	                    "SELECT coalesce(min(id), 1) - 1 FROM (SELECT id FROM change"
	                    " ORDER BY id DESC LIMIT ?)",
	                    &s) != SQLITE_OK)
		return ank_cs_fail(cs, err);
	sqlite3_bind_int(s, 1, ANK_CS_RING);
	if (sqlite3_step(s) == SQLITE_ROW)
		cs->ring_floor = cs->ring_max = sqlite3_column_int64(s, 0);
	ank_db_stmt_put(&cs->stmts, s);
	if (ring_fill(cs, cs->db, &cs->stmts, ANK_CS_RING))
		return ank_cs_fail(cs, err);
	return 0;
}

void ank_cs_ring_forget(ank_cstore *cs, const char *id, const char *payload)
{
	const char *upsert = ank_chg_name(ANK_CHG_USER_UPSERT),
	           *quarantine = ank_chg_name(ANK_CHG_QUARANTINE);
	pthread_mutex_lock(&cs->ring_mu);
	for (int i = 0; i < cs->ring_n; i++) {
		ank_cs_ring_entry *e = &cs->ring[(cs->ring_head + i) % ANK_CS_RING];
		bool is_upsert = !strcmp(e->type, upsert);
		if (!is_upsert && strcmp(e->type, quarantine))
			continue;
		json_t *j = json_loads(e->payload, 0, NULL);
		const char *who = json_string_value(
		        json_object_get(j, is_upsert ? ANK_FN(ID) : ANK_FN(USER)));
		bool theirs = who && !strcmp(who, id);
		json_decref(j);
		char *copy = theirs ? strdup(payload) : NULL;
		if (theirs && !copy) {
			/* No memory for the copy: the ring is given up, readers go to the table,
			 * which holds the deletion already. */
			cs->ring_floor = cs->ring_max;
			continue;
		}
		if (theirs) {
			free(e->payload);
			e->payload = copy;
			snprintf(e->type, sizeof e->type, "%s", ank_chg_name(ANK_CHG_USER_DELETE));
		}
	}
	pthread_mutex_unlock(&cs->ring_mu);
}

void ank_cs_ring_free(ank_cstore *cs)
{
	for (int i = 0; i < ANK_CS_RING; i++)
		ring_entry_clear(&cs->ring[i]);
	cs->ring_n = 0;
}

void ank_cs_changed_locked(ank_cstore *cs)
{
	/* The rows are committed: the ring reads them through the writer's own connection. */
	ring_fill(cs, cs->db, &cs->stmts, ANK_CS_RING);
	pthread_mutex_lock(&cs->ring_mu);
	long long max = cs->ring_max;
	pthread_mutex_unlock(&cs->ring_mu);
	if (cs->on_change)
		cs->on_change(cs->on_change_ctx, max);
}

void ank_cstore_on_change(ank_cstore *cs, void (*fn)(void *ctx, long long max_id), void *ctx)
{
	pthread_mutex_lock(&cs->mu);
	cs->on_change = fn;
	cs->on_change_ctx = ctx;
	pthread_mutex_unlock(&cs->mu);
}

/* ---- site revisions (the console's long-poll) ---- */

long long ank_cstore_site_rev(ank_cstore *cs, const char *site)
{
	pthread_mutex_lock(&cs->rev_mu);
	/* A site nothing happened to since the store opened is at the opening clock. */
	long long rev = 0;
	for (int i = 0; i < cs->n_revs && !rev; i++)
		if (!strcmp(cs->revs[i].site, site))
			rev = cs->revs[i].rev;
	if (!rev)
		rev = cs->rev_open;
	pthread_mutex_unlock(&cs->rev_mu);
	return rev;
}

void ank_cstore_site_touch(ank_cstore *cs, const char *site)
{
	pthread_mutex_lock(&cs->rev_mu);
	int i = 0;
	while (i < cs->n_revs && strcmp(cs->revs[i].site, site) != 0)
		i++;
	if (i == cs->n_revs) {
		ank_cs_rev *r = ank_cs_grow((void **)&cs->revs, cs->n_revs, &cs->cap_revs,
		                            sizeof *cs->revs);
		if (r) {
			snprintf(r->site, sizeof r->site, "%s", site);
			cs->n_revs++;
		}
	}
	if (i < cs->n_revs)
		cs->revs[i].rev = ++cs->rev_clock;
	void (*fn)(void *) = cs->on_rev;
	void *ctx = cs->on_rev_ctx;
	pthread_mutex_unlock(&cs->rev_mu);
	if (fn)
		fn(ctx);
}

void ank_cstore_on_rev(ank_cstore *cs, void (*fn)(void *ctx), void *ctx)
{
	pthread_mutex_lock(&cs->rev_mu);
	cs->on_rev = fn;
	cs->on_rev_ctx = ctx;
	pthread_mutex_unlock(&cs->rev_mu);
}

static bool for_site(const ank_cs_ring_entry *e, const char *site)
{
	return e->all_sites || !strcmp(e->site, site);
}

bool ank_cstore_changes_ready(ank_cstore *cs, const char *site, long long since)
{
	pthread_mutex_lock(&cs->ring_mu);
	bool ready = false;
	if (since < cs->ring_floor) {
		ready = cs->ring_max > since; /* an old cursor: let the table answer */
	} else {
		/* Newest first: a woken kiosk is usually one change behind. */
		for (int i = cs->ring_n - 1; i >= 0 && !ready; i--) {
			const ank_cs_ring_entry *e = &cs->ring[(cs->ring_head + i) % ANK_CS_RING];
			if (e->id <= since)
				break;
			ready = for_site(e, site);
		}
	}
	pthread_mutex_unlock(&cs->ring_mu);
	return ready;
}

/* The feed from the ring (ring_mu held), when since is at or above its floor: 1 when
 * answered, 0 when the table must answer, -1 when memory ran out. */
static int changes_from_ring(ank_cstore *cs, const char *site, long long since, ank_feed *f)
{
	if (since < cs->ring_floor)
		return 0;
	int start = 0;
	while (start < cs->ring_n && cs->ring[(cs->ring_head + start) % ANK_CS_RING].id <= since)
		start++;
	int n = 0;
	for (int i = start; i < cs->ring_n && n < ANK_PROTO_MAX_CHANGES; i++)
		n += for_site(&cs->ring[(cs->ring_head + i) % ANK_CS_RING], site);
	f->cursor = cs->ring_max > since ? cs->ring_max : since;
	if (n == 0)
		return 1;
	f->ch = calloc((size_t)n, sizeof *f->ch);
	if (!f->ch)
		return -1;
	for (int i = start; i < cs->ring_n && f->n < n; i++) {
		const ank_cs_ring_entry *e = &cs->ring[(cs->ring_head + i) % ANK_CS_RING];
		if (!for_site(e, site))
			continue;
		ank_change *c = &f->ch[f->n++];
		c->id = e->id;
		snprintf(c->type, sizeof c->type, "%s", e->type);
		c->payload = strdup(e->payload);
		if (!c->payload)
			return -1;
	}
	if (f->n == ANK_PROTO_MAX_CHANGES)
		f->cursor = f->ch[f->n - 1].id; /* more to come: continue from the last one */
	return 1;
}

/* Reads up to ANK_PROTO_MAX_CHANGES changes for site after since from the read connection
 * (rmu held). */
static int changes_from_table(ank_cstore *cs, const char *site, long long since, ank_feed *f,
                              ank_err *err)
{
	sqlite3_stmt *s = NULL;
	if (ank_cs_rprep(cs,
	                 "SELECT id, type, payload FROM change WHERE id > ? AND"
	                 " (site IS NULL OR site = ?) ORDER BY id LIMIT ?",
	                 &s) != SQLITE_OK)
		return ank_err_set(err, "sqlite: %s", sqlite3_errmsg(cs->rdb));
	sqlite3_bind_int64(s, 1, since);
	sqlite3_bind_text(s, 2, site, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 3, ANK_PROTO_MAX_CHANGES);
	f->ch = calloc(ANK_PROTO_MAX_CHANGES, sizeof *f->ch);
	if (!f->ch) {
		ank_cs_rend(cs, s);
		return ank_err_set(err, "out of memory");
	}
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		ank_change *c = &f->ch[f->n++];
		c->id = sqlite3_column_int64(s, 0);
		snprintf(c->type, sizeof c->type, "%s", ank_cs_col(s, 1));
		c->payload = strdup(ank_cs_col(s, 2));
		if (!c->payload)
			rc = SQLITE_NOMEM;
	}
	ank_cs_rend(cs, s);
	if (rc != SQLITE_DONE)
		return ank_err_set(err, "sqlite: %s", sqlite3_errmsg(cs->rdb));
	/* The cursor is the newest change overall, so a kiosk skips other sites' changes. */
	sqlite3_stmt *m = NULL;
	f->cursor = since;
	if (ank_cs_rprep(cs, "SELECT coalesce(max(id), 0) FROM change", &m) == SQLITE_OK &&
	    sqlite3_step(m) == SQLITE_ROW && f->n < ANK_PROTO_MAX_CHANGES)
		f->cursor = sqlite3_column_int64(m, 0);
	ank_cs_rend(cs, m);
	if (f->n > 0 && f->cursor < f->ch[f->n - 1].id)
		f->cursor = f->ch[f->n - 1].id;
	if (f->n == ANK_PROTO_MAX_CHANGES)
		f->cursor = f->ch[f->n - 1].id; /* more to come: continue from the last one */
	return 0;
}

/* The newest change id in the table, from the read connection; -1 on error. */
static long long table_max(ank_cstore *cs)
{
	long long max = -1;
	pthread_mutex_lock(&cs->rmu);
	sqlite3_stmt *m = NULL;
	if (ank_cs_rprep(cs, "SELECT coalesce(max(id), 0) FROM change", &m) == SQLITE_OK &&
	    sqlite3_step(m) == SQLITE_ROW)
		max = sqlite3_column_int64(m, 0);
	ank_cs_rend(cs, m);
	pthread_mutex_unlock(&cs->rmu);
	return max;
}

bool ank_cstore_changes_refresh(ank_cstore *cs)
{
	long long max = table_max(cs);
	pthread_mutex_lock(&cs->ring_mu);
	bool behind = max > cs->ring_max;
	pthread_mutex_unlock(&cs->ring_mu);
	if (!behind)
		return false;
	/* Another process (the CLI's add-site or pair-kiosk) appended changes: read them in
	 * through the writer connection, as a commit of our own would, and tell long-polls. */
	pthread_mutex_lock(&cs->mu);
	ank_cs_changed_locked(cs);
	pthread_mutex_unlock(&cs->mu);
	return true;
}

int ank_cstore_changes(ank_cstore *cs, const char *site, long long since, ank_feed *out,
                       ank_err *err)
{
	memset(out, 0, sizeof *out);
	pthread_mutex_lock(&cs->ring_mu);
	int r = changes_from_ring(cs, site, since, out);
	pthread_mutex_unlock(&cs->ring_mu);
	if (r == 1)
		return 0;
	ank_proto_feed_free(out);
	memset(out, 0, sizeof *out);
	if (r < 0)
		return ank_err_set(err, "out of memory");
	pthread_mutex_lock(&cs->rmu);
	int rc = changes_from_table(cs, site, since, out, err);
	pthread_mutex_unlock(&cs->rmu);
	return rc;
}
