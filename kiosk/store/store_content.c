/* site.db's content table (store_content.h): drug alerts and information screens from
 * central, kept whole, applied with the cursor in one transaction, read back as a list; and
 * the same items read from a file for a preview (--content). */
#include "store_content.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ank_time.h"
#include "ank_vocab.h"
#include "store_int.h"

/* Copies a string member of o into out (n bytes); -1 when present but not a string that
 * fits, or absent when required. */
static int take_str(json_t *o, const char *key, bool required, char *out, size_t n, ank_err *err)
{
	json_t *v = json_object_get(o, key);
	out[0] = '\0';
	if (!v)
		return required ? ank_err_set(err, "%s: missing", key) : 0;
	if (!json_is_string(v) || json_string_length(v) >= n)
		return ank_err_set(err, "%s: must be a text of at most %zu bytes", key, n - 1);
	snprintf(out, n, "%s", json_string_value(v));
	return 0;
}

int ank_content_parse(json_t *j, ank_content_item *out, ank_err *err)
{
	memset(out, 0, sizeof *out);
	if (!json_is_object(j))
		return ank_err_set(err, "an item must be a JSON object");
	json_t *id = json_object_get(j, ANK_FN(ID));
	out->id = json_is_integer(id) ? (long long)json_integer_value(id) : 0;
	if (out->id < 1)
		return ank_err_set(err, "%s: must be an integer >= 1", ANK_FN(ID));
	out->kind = ank_content_kind_from_code(json_string_value(json_object_get(j, ANK_FN(KIND))));
	if (out->kind < 0)
		return ank_err_set(err, "%s: must be alert or info", ANK_FN(KIND));
	const char *from = json_string_value(json_object_get(j, ANK_FN(FROM)));
	const char *until = json_string_value(json_object_get(j, ANK_FN(UNTIL)));
	if (!from || ank_iso_parse(from, &out->from_ms) || !until ||
	    ank_iso_parse(until, &out->until_ms) || out->until_ms <= out->from_ms)
		return ank_err_set(err, "%s/%s: must be UTC times, until after from", ANK_FN(FROM),
		                   ANK_FN(UNTIL));
	if (out->kind == ANK_CONTENT_ALERT) {
		int sev = ank_severity_from_code(
		        json_string_value(json_object_get(j, ANK_FN(SEVERITY))));
		out->severity = sev < 0 ? ANK_SEVERITY_WARNING : sev;
	} else {
		if (take_str(j, ANK_FN(PICTOGRAM), true, out->pictogram, sizeof out->pictogram,
		             err) ||
		    take_str(j, ANK_FN(QR), false, out->qr, sizeof out->qr, err))
			return -1;
		/* Only a vetted pictogram is drawn: one the kiosk has as a file. */
		if (!ank_pictogram_known(out->pictogram))
			return ank_err_set(err, "%s: not a vetted pictogram", ANK_FN(PICTOGRAM));
	}
	json_t *texts = json_object_get(j, ANK_FN(TEXTS));
	if (!json_is_object(texts) || json_object_size(texts) == 0)
		return ank_err_set(err, "%s: must be an object of texts by language",
		                   ANK_FN(TEXTS));
	const char *lang;
	json_t *t;
	json_object_foreach(texts, lang, t)
	{
		if (out->n_texts >= ANK_CONTENT_LANGS_MAX)
			return ank_err_set(err, "%s: more than %d languages", ANK_FN(TEXTS),
			                   ANK_CONTENT_LANGS_MAX);
		ank_content_text *x = &out->texts[out->n_texts];
		if (strlen(lang) < 2 || strlen(lang) >= sizeof x->lang || !json_is_object(t))
			return ank_err_set(err, "%s.%.8s: not a language's texts", ANK_FN(TEXTS),
			                   lang);
		snprintf(x->lang, sizeof x->lang, "%s", lang);
		bool info = out->kind == ANK_CONTENT_INFO;
		if ((info && take_str(t, ANK_FN(TITLE), true, x->title, sizeof x->title, err)) ||
		    take_str(t, info ? ANK_FN(BODY) : ANK_FN(TEXT), true, x->text, sizeof x->text,
		             err))
			return -1;
		out->n_texts++;
	}
	return 0;
}

bool ank_content_shown(const ank_content_item *it, int64_t now)
{
	return now >= it->from_ms && now < it->until_ms;
}

const ank_content_text *ank_content_text_in(const ank_content_item *it, const char *lang)
{
	const ank_content_text *da = NULL;
	for (int i = 0; i < it->n_texts; i++) {
		if (!strcmp(it->texts[i].lang, lang))
			return &it->texts[i];
		if (!strcmp(it->texts[i].lang, "da"))
			da = &it->texts[i];
	}
	return da ? da : &it->texts[0];
}

int ank_store_content_apply(ank_store *st, json_t *payload, long long change, ank_err *err)
{
	const char *state = json_string_value(json_object_get(payload, ANK_FN(STATE)));
	json_t *idj = json_object_get(payload, ANK_FN(ID));
	if (!state || !json_is_integer(idj) || json_integer_value(idj) < 1) {
		ank_err_set(err, "content wants an id and a state");
		return 1;
	}
	bool keep = !strcmp(state, "published");
	if (!keep && strcmp(state, "withdrawn")) {
		ank_err_set(err, "%s: must be published or withdrawn", ANK_FN(STATE));
		return 1;
	}
	ank_content_item it;
	if (keep && ank_content_parse(payload, &it, err))
		return 1;
	char *text = keep ? json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (keep && !text)
		return ank_err_set(err, "out of memory");
	int rc = -1;
	sqlite3_stmt *s = NULL;
	if (ank_store_begin(st, err))
		goto out;
	if (keep) {
		if (ank_st_prep(st,
		                "INSERT INTO content(id, from_ms, until_ms, item) VALUES (?,?,?,?)"
		                " ON CONFLICT(id) DO UPDATE SET from_ms = excluded.from_ms,"
		                " until_ms = excluded.until_ms, item = excluded.item",
		                &s, err))
			goto fail;
		sqlite3_bind_int64(s, 1, it.id);
		sqlite3_bind_int64(s, 2, it.from_ms);
		sqlite3_bind_int64(s, 3, it.until_ms);
		sqlite3_bind_text(s, 4, text, -1, SQLITE_TRANSIENT);
	} else {
		if (ank_st_prep(st, "DELETE FROM content WHERE id = ?", &s, err))
			goto fail;
		sqlite3_bind_int64(s, 1, json_integer_value(idj));
	}
	if (ank_st_done(st, s, err))
		goto fail;
	if (ank_st_prep(st, "DELETE FROM content WHERE until_ms < ?", &s, err))
		goto fail;
	sqlite3_bind_int64(s, 1, ank_now_ms() - ANK_CONTENT_KEEP_MS);
	if (ank_st_done(st, s, err) || ank_store_cursor_set(st, change, err))
		goto fail;
	rc = ank_store_commit(st, err);
	goto out;
fail:
	ank_store_rollback(st);
out:
	free(text);
	return rc;
}

int ank_store_content_load(ank_store *st, int64_t now, ank_content_list *out, ank_err *err)
{
	out->n = 0;
	sqlite3_stmt *s;
	if (ank_st_prep(st,
	                "SELECT item FROM content WHERE until_ms > ? ORDER BY from_ms, id LIMIT ?",
	                &s, err))
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int(s, 2, ANK_CONTENT_MAX);
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		json_t *j = json_loads((const char *)sqlite3_column_text(s, 0), 0, NULL);
		ank_err perr;
		/* A row this build cannot read is left out, not fatal: the rest still show. */
		if (j && ank_content_parse(j, &out->items[out->n], &perr) == 0)
			out->n++;
		json_decref(j);
	}
	ank_st_end(st, s);
	if (step != SQLITE_DONE)
		return ank_st_fail(st, err);
	return 0;
}

long long ank_store_content_stamp(ank_store *st)
{
	sqlite3_stmt *s;
	ank_err err;
	if (ank_st_prep(st,
	                "SELECT count(*) * 1000003 + coalesce(sum(id * 31 + length(item)), 0)"
	                " FROM content",
	                &s, &err))
		return -1;
	long long v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
	ank_st_end(st, s);
	return v;
}

int ank_content_file_load(const char *path, ank_content_list *out, ank_err *err)
{
	out->n = 0;
	json_error_t je;
	json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!j)
		return ank_err_set(err, "%s:%d: %s", path, je.line, je.text);
	json_t *items = json_object_get(j, ANK_FN(ITEMS));
	int rc = 0;
	if (items && !json_is_array(items)) {
		rc = ank_err_set(err, "%s: %s must be a list", path, ANK_FN(ITEMS));
	} else if (!items) {
		ank_err perr;
		if (ank_content_parse(j, &out->items[0], &perr))
			rc = ank_err_set(err, "%s: %s", path, perr.msg);
		else
			out->n = 1;
	} else {
		size_t i;
		json_t *v;
		json_array_foreach(items, i, v)
		{
			ank_err perr;
			if (out->n >= ANK_CONTENT_MAX) {
				rc = ank_err_set(err, "%s: more than %d items", path,
				                 ANK_CONTENT_MAX);
				break;
			}
			if (ank_content_parse(v, &out->items[out->n], &perr)) {
				rc = ank_err_set(err, "%s: item %zu: %s", path, i, perr.msg);
				break;
			}
			out->n++;
		}
	}
	json_decref(j);
	return rc;
}
