/* Golden cases for the UI text catalogs: the shipped catalogs pass the parity check, and
 * temporary catalogs show what loading refuses, the fallback chain, formatting and reload. */
#include "testlib.h"

#include <ctype.h>
#include <dirent.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ank_i18n.h"
#include "ank_text.h"

/* ---- temporary catalog directories ---- */

static void dir_new(char dir[64])
{
	snprintf(dir, 64, "/tmp/ank-i18n-XXXXXX");
	assert_non_null(mkdtemp(dir));
}

static void put_file(const char *dir, const char *name, const char *text, size_t len)
{
	char path[160];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static void put_text(const char *dir, const char *name, const char *text)
{
	put_file(dir, name, text, strlen(text));
}

static void dir_remove(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char path[400];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		assert_int_equal(unlink(path), 0);
	}
	closedir(d);
	assert_int_equal(rmdir(dir), 0);
}

/* A catalog file from its parts; msgs is the inside of the "messages" object. */
#define CAT(code, name, direction, review, msgs)                                                   \
	"{\"language\": \"" code "\", \"name\": \"" name "\", \"direction\": \"" direction         \
	"\", \"review\": \"" review "\", \"messages\": {" msgs "}}"
#define EN_MSGS                                                                                    \
	"\"lang.name\": \"English\", \"hello\": \"Hello {who}\", "                                 \
	"\"ticket.wait\": \"{ahead} ahead, {minutes} min\""
#define EN       CAT("en", "English", "ltr", "source", EN_MSGS)
#define DA(msgs) CAT("da", "Dansk", "ltr", "unreviewed", "\"lang.name\": \"Dansk\", " msgs)
#define DA_MSGS  "\"hello\": \"Hej {who}\", \"ticket.wait\": \"{ahead} foran, {minutes} min\""

/* ---- the shipped catalogs ---- */

static ank_i18n *load_shipped(void)
{
	char dir[512];
	snprintf(dir, sizeof dir, "%s/i18n", test_source_dir());
	ank_i18n *i = NULL;
	ank_err err = {{0}};
	if (ank_i18n_load(dir, &i, &err))
		fail_msg("%s", err.msg);
	return i;
}

static void test_shipped_catalogs(void **state)
{
	(void)state;
	ank_i18n *i = load_shipped();
	ank_err err = {{0}};
	if (ank_i18n_check(i, &err))
		fail_msg("parity: %s", err.msg);
	/* Languages may be added; these three must stay, as they are. */
	static const struct {
		const char *code, *name, *review;
		bool rtl;
	} langs[] = {
	        {"ar", "العربية", "unreviewed", true},
	        {"da", "Dansk", "unreviewed", false},
	        {"en", "English", "source", false},
	};
	int n = ank_i18n_count(i);
	assert_true(n >= (int)COUNT_OF(langs));
	for (size_t c = 0; c < COUNT_OF(langs); c++) {
		int k = 0;
		while (k < n && strcmp(ank_i18n_code(i, k), langs[c].code) != 0)
			k++;
		if (k == n)
			fail_msg("%s is not loaded", langs[c].code);
		assert_string_equal(ank_i18n_name(i, k), langs[c].name);
		assert_string_equal(ank_i18n_review(i, langs[c].code), langs[c].review);
		assert_int_equal(ank_i18n_rtl(i, langs[c].code), langs[c].rtl);
		assert_string_equal(ank_i18n_get(i, langs[c].code, "lang.name"), langs[c].name);
	}
	/* In file-name order, each once. */
	for (int k = 1; k < n; k++)
		assert_true(strcmp(ank_i18n_code(i, k - 1), ank_i18n_code(i, k)) < 0);
	assert_null(ank_i18n_code(i, n));
	assert_null(ank_i18n_name(i, -1));
	ank_i18n_free(i);
}

/* The keys the screens use, with the placeholders each English text must have. */
static const struct {
	const char *key;
	const char *args[7]; /* name, value pairs for ank_i18n_format; NULL-terminated */
} shipped_keys[] = {
        {"lang.name", {NULL}},
        {"welcome.title", {NULL}},
        {"welcome.subtitle", {NULL}},
        {"welcome.checkin", {NULL}},
        {"welcome.waiting", {"route", "R", "count", "3", "minutes", "10", NULL}},
        {"welcome.no_wait", {"route", "R", NULL}},
        {"welcome.paused", {"route", "R", NULL}},
        {"welcome.waiting_staff", {"route", "R", "count", "3", NULL}},
        {"welcome.no_station", {"route", "R", NULL}},
        {"welcome.hours_today", {"hours", "08:00-02:00", NULL}},
        {"welcome.open_all_day", {NULL}},
        {"welcome.closed_today", {NULL}},
        {"welcome.closed_now", {NULL}},
        {"welcome.open_until", {"time", "02:00", NULL}},
        {"welcome.rules", {NULL}},
        {"welcome.alert_title", {NULL}},
        {"welcome.language", {NULL}},
        {"route.title", {NULL}},
        {"route.inject", {NULL}},
        {"route.smoke", {NULL}},
        {"nickname.title", {NULL}},
        {"nickname.hint", {NULL}},
        {"nickname.no_match", {NULL}},
        {"nickname.ask_staff", {NULL}},
        {"nickname.more", {NULL}},
        {"nickname.backspace", {NULL}},
        {"nickname.call_staff", {NULL}},
        {"nickname.help_called", {NULL}},
        {"nickname.help_already", {NULL}},
        {"common.back", {NULL}},
        {"common.start_over", {NULL}},
        {"common.opens_today", {"time", "14:00", NULL}},
        {"common.opens_tomorrow", {"time", "10:00", NULL}},
        {"common.opens_on", {"weekday", "Friday", "time", "10:00", NULL}},
        {"common.opens_unknown", {NULL}},
        {"weekday.0", {NULL}},
        {"weekday.1", {NULL}},
        {"weekday.2", {NULL}},
        {"weekday.3", {NULL}},
        {"weekday.4", {NULL}},
        {"weekday.5", {NULL}},
        {"weekday.6", {NULL}},
        {"birthyear.title", {NULL}},
        {"substance.title", {NULL}},
        {"substance.heroin", {NULL}},
        {"substance.cocaine", {NULL}},
        {"substance.crack", {NULL}},
        {"substance.amphetamine", {NULL}},
        {"substance.methamphetamine", {NULL}},
        {"substance.methadone", {NULL}},
        {"substance.opioid", {NULL}},
        {"substance.ketamine", {NULL}},
        {"substance.benzodiazepine", {NULL}},
        {"substance.speedball", {NULL}},
        {"substance.cannabis", {NULL}},
        {"substance.other", {NULL}},
        {"substance.assisted", {NULL}},
        {"substance.next", {NULL}},
        {"helper.title", {NULL}},
        {"ticket.title", {NULL}},
        {"ticket.go_now", {"station", "I3", NULL}},
        {"ticket.wait", {"ahead", "4", "minutes", "15", NULL}},
        {"ticket.wait_unknown", {NULL}},
        {"ticket.wait_paused", {NULL}},
        {"ticket.wait_staff", {"ahead", "2", NULL}},
        {"ticket.how", {NULL}},
        {"ticket.how_now", {NULL}},
        {"ticket.done", {NULL}},
        {"ticket.countdown", {"seconds", "42", NULL}},
        {"refused.title", {NULL}},
        {"refused.closed", {"when", "We open again tomorrow at 10:00.", NULL}},
        {"refused.talk_to_staff", {NULL}},
        {"refused.women_only", {NULL}},
        {"refused.substance_route", {NULL}},
        {"refused.already_queued", {"ticket", "I-004", NULL}},
        {"refused.helper", {NULL}},
        {"refused.ok", {NULL}},
        {"rules.title", {NULL}},
        {"rules.body", {NULL}},
        {"idle.title", {NULL}},
        {"idle.body", {"seconds", "20", NULL}},
        {"idle.continue", {NULL}},
        {"idle.more_time", {NULL}},
        {"language.title", {NULL}},
        {"staff.pin_title", {NULL}},
        {"staff.wrong_pin", {"left", "2", NULL}},
        {"staff.locked", {"minutes", "5", NULL}},
        {"staff.title", {NULL}},
        {"staff.call_next", {NULL}},
        {"staff.set_free", {NULL}},
        {"staff.set_cleaning", {NULL}},
        {"staff.set_closed", {NULL}},
        {"staff.open", {NULL}},
        {"staff.freeze", {NULL}},
        {"staff.resume", {NULL}},
        {"staff.frozen", {NULL}},
        {"staff.exit", {NULL}},
        {"staff.start", {NULL}},
        {"staff.end", {NULL}},
        {"staff.recall", {NULL}},
        {"staff.no_show", {NULL}},
        {"staff.call", {NULL}},
        {"staff.requeue", {NULL}},
        {"staff.help_row", {"time", "10:05", NULL}},
        {"staff.help_done", {NULL}},
        {"staff.no_shows", {NULL}},
        {"staff.freeze_ask", {NULL}},
        {"staff.yes", {NULL}},
        {"staff.no", {NULL}},
        {"staff.page", {"page", "2", "pages", "3", NULL}},
        {"staff.prev", {NULL}},
        {"staff.next", {NULL}},
        {"staff.refused", {NULL}},
        {"staff.refused_too_soon", {NULL}},
        {"staff.refused_frozen", {NULL}},
        {"staff.refused_none", {NULL}},
        {"staff.online", {NULL}},
        {"staff.offline", {NULL}},
        {"staff.unsent", {"count", "12", NULL}},
        {"staff.clock_skew", {"minutes", "5", NULL}},
        {"fault.title", {NULL}},
        {"fault.body", {NULL}},
        {"staff.db_stopped", {"reason", "database or disk is full", NULL}},
        {"staff.db_write_failed", {"time", "11:00", "reason", "database or disk is full", NULL}},
        {"console.ack.button", {NULL}},
        {"console.ack.by", {"name", "x", "time", "x", NULL}},
        {"console.ack.done", {"station", "x", NULL}},
        {"console.ack.failed", {"reason", "x", NULL}},
        {"console.help_request.banner", {"kiosk", "x", "time", "x", NULL}},
        {"console.help_request.ack", {NULL}},
        {"console.help_request.done", {"kiosk", "x", NULL}},
        {"console.help_request.failed", {"reason", "x", NULL}},
        {"console.help_request.title", {NULL}},
        {"console.any_station", {NULL}},
        {"console.assisted", {NULL}},
        {"console.call_ticket_title", {"ticket", "x", NULL}},
        {"console.cancel", {NULL}},
        {"console.cancel_ask", {"ticket", "x", NULL}},
        {"console.cancel_yes", {NULL}},
        {"console.check.invalid", {"reason", "x", NULL}},
        {"console.check.label", {NULL}},
        {"console.check.placeholder", {NULL}},
        {"console.check.reason.cancelled", {NULL}},
        {"console.check.reason.done", {NULL}},
        {"console.check.reason.format", {NULL}},
        {"console.check.reason.mac", {NULL}},
        {"console.check.reason.no_show", {NULL}},
        {"console.check.reason.other_day", {NULL}},
        {"console.check.reason.other_site", {NULL}},
        {"console.check.reason.unknown", {NULL}},
        {"console.check.submit", {NULL}},
        {"console.check.ticket", {"ticket", "x", "route", "x", "state", "x", NULL}},
        {"console.check.valid", {NULL}},
        {"console.close", {NULL}},
        {"console.cmd.applied", {"what", "x", NULL}},
        {"console.cmd.call_next", {NULL}},
        {"console.cmd.call_ticket", {NULL}},
        {"console.cmd.cancel", {NULL}},
        {"console.cmd.cleaning_done", {NULL}},
        {"console.cmd.close_station", {NULL}},
        {"console.cmd.end", {NULL}},
        {"console.cmd.failed", {"what", "x", "reason", "x", NULL}},
        {"console.cmd.freeze", {NULL}},
        {"console.cmd.no_show", {NULL}},
        {"console.cmd.open_station", {NULL}},
        {"console.cmd.pending", {"what", "x", NULL}},
        {"console.cmd.recall", {NULL}},
        {"console.cmd.refused", {"what", "x", "reason", "x", NULL}},
        {"console.cmd.requeue", {NULL}},
        {"console.cmd.resume", {NULL}},
        {"console.cmd.sent", {"what", "x", NULL}},
        {"console.cmd.start", {NULL}},
        {"console.cmd.transfer", {NULL}},
        {"console.config_refused", {"reason", "x", NULL}},
        {"console.conn.connecting", {NULL}},
        {"console.conn.lost", {NULL}},
        {"console.conn.lost_retry", {"seconds", "x", NULL}},
        {"console.conn.ok", {NULL}},
        {"console.consent.text", {NULL}},
        {"console.consent.version", {NULL}},
        {"console.error", {"reason", "x", NULL}},
        {"console.gender.female", {NULL}},
        {"console.gender.male", {NULL}},
        {"console.gender.other", {NULL}},
        {"console.gender.unknown", {NULL}},
        {"console.help.board", {NULL}},
        {"console.help.button", {NULL}},
        {"console.help.call_next", {NULL}},
        {"console.help.check", {NULL}},
        {"console.help.freeze", {NULL}},
        {"console.help.help", {NULL}},
        {"console.help.overdose", {NULL}},
        {"console.help.register", {NULL}},
        {"console.help.tab", {NULL}},
        {"console.help.title", {NULL}},
        {"console.help.users", {NULL}},
        {"console.kiosk.frozen", {NULL}},
        {"console.kiosk.last_seen", {"time", "x", NULL}},
        {"console.kiosk.offline", {NULL}},
        {"console.kiosk.online", {NULL}},
        {"console.kiosks", {NULL}},
        {"console.language", {NULL}},
        {"console.level.alarm", {NULL}},
        {"console.level.warn", {NULL}},
        {"console.login.missing", {NULL}},
        {"console.login.password", {NULL}},
        {"console.login.submit", {NULL}},
        {"console.login.title", {NULL}},
        {"console.login.user", {NULL}},
        {"console.login.wait", {"seconds", "x", NULL}},
        {"console.login.wrong", {NULL}},
        {"console.logout", {NULL}},
        {"console.me", {"user", "x", NULL}},
        {"console.nav", {NULL}},
        {"console.nav.board", {NULL}},
        {"console.nav.register", {NULL}},
        {"console.nav.users", {NULL}},
        {"console.no_kiosks", {NULL}},
        {"console.no_shows", {NULL}},
        {"console.no_stations", {NULL}},
        {"console.no_tickets", {NULL}},
        {"console.notify.alarm_body", {"station", "x", "ticket", "x", NULL}},
        {"console.notify.alarm_title", {NULL}},
        {"console.notify.blocked", {NULL}},
        {"console.notify.enable", {NULL}},
        {"console.notify.on", {NULL}},
        {"console.outcome.died", {NULL}},
        {"console.outcome.hospital", {NULL}},
        {"console.outcome.left", {NULL}},
        {"console.outcome.recovered", {NULL}},
        {"console.outcome.unknown", {NULL}},
        {"console.record.ambulance", {NULL}},
        {"console.record.failed", {"what", "x", "reason", "x", NULL}},
        {"console.record.given", {NULL}},
        {"console.record.incident", {NULL}},
        {"console.record.incident_text", {NULL}},
        {"console.record.naloxone", {NULL}},
        {"console.record.no_names", {NULL}},
        {"console.record.no_station", {NULL}},
        {"console.record.outcome", {NULL}},
        {"console.record.overdose", {NULL}},
        {"console.record.oxygen", {NULL}},
        {"console.record.referral", {NULL}},
        {"console.record.rejection", {NULL}},
        {"console.record.saved", {"what", "x", NULL}},
        {"console.record.station", {NULL}},
        {"console.record.text_missing", {NULL}},
        {"console.referral.drug_treatment", {NULL}},
        {"console.referral.health", {NULL}},
        {"console.referral.housing", {NULL}},
        {"console.referral.mental_health", {NULL}},
        {"console.referral.other", {NULL}},
        {"console.referral.social", {NULL}},
        {"console.register.abroad", {NULL}},
        {"console.register.birth_year", {NULL}},
        {"console.register.consent", {NULL}},
        {"console.register.consent_confirm", {"version", "x", NULL}},
        {"console.register.done", {"nickname", "x", "sites", "x", NULL}},
        {"console.register.err_birth_year", {NULL}},
        {"console.register.err_consent", {NULL}},
        {"console.register.err_gender", {NULL}},
        {"console.register.err_municipality", {NULL}},
        {"console.register.err_nickname", {NULL}},
        {"console.register.gender", {NULL}},
        {"console.register.hint", {NULL}},
        {"console.register.language", {NULL}},
        {"console.register.language_none", {NULL}},
        {"console.register.municipality", {NULL}},
        {"console.register.municipality_hint", {NULL}},
        {"console.register.nickname", {NULL}},
        {"console.register.submit", {NULL}},
        {"console.register.submit_anyway", {NULL}},
        {"console.register.taken", {"nickname", "x", "years", "x", NULL}},
        {"console.register.title", {NULL}},
        {"console.register.unknown", {NULL}},
        {"console.rejection.behaviour", {NULL}},
        {"console.rejection.capacity", {NULL}},
        {"console.rejection.intoxicated", {NULL}},
        {"console.rejection.not_target_group", {NULL}},
        {"console.rejection.other", {NULL}},
        {"console.rejection.quarantined", {NULL}},
        {"console.rejection.underage", {NULL}},
        {"console.route_count", {"route", "x", "count", "x", NULL}},
        {"console.save", {NULL}},
        {"console.site.label", {NULL}},
        {"console.site.pick", {NULL}},
        {"console.site.show", {NULL}},
        {"console.site.unknown", {"site", "x", NULL}},
        {"console.skip", {NULL}},
        {"console.stations", {NULL}},
        {"console.tickets", {NULL}},
        {"console.title", {NULL}},
        {"console.transfer_to", {"route", "x", NULL}},
        {"console.tstate.called", {NULL}},
        {"console.tstate.cancelled", {NULL}},
        {"console.tstate.done", {NULL}},
        {"console.tstate.in_session", {NULL}},
        {"console.tstate.no_show", {NULL}},
        {"console.tstate.waiting", {NULL}},
        {"console.users.consent", {"version", "x", NULL}},
        {"console.users.date_missing", {NULL}},
        {"console.users.find", {NULL}},
        {"console.users.found", {"count", "x", NULL}},
        {"console.users.found_more", {"count", "x", NULL}},
        {"console.users.lift", {NULL}},
        {"console.users.lift_done", {"nickname", "x", NULL}},
        {"console.users.line", {"birth_year", "x", "gender", "x", "municipality", "x", NULL}},
        {"console.users.no_consent", {NULL}},
        {"console.users.no_quarantine", {NULL}},
        {"console.users.none", {NULL}},
        {"console.users.quarantined", {"date", "x", NULL}},
        {"console.users.search", {NULL}},
        {"console.users.searching", {NULL}},
        {"console.users.set", {NULL}},
        {"console.users.set_done", {"nickname", "x", NULL}},
        {"console.users.title", {NULL}},
        {"console.users.too_short", {NULL}},
        {"console.users.until", {NULL}},
        {"console.waited", {NULL}},
        {"display.now_calling", {NULL}},
        {"display.station", {"station", "I3", NULL}},
        {"display.last_calls", {NULL}},
        {"display.waiting", {"route", "R", "count", "3", NULL}},
        {"display.paused", {NULL}},
        {"display.sound_on", {NULL}},
        {"display.reconnecting", {NULL}},
        {"display.no_key", {NULL}},
        {"display.key_refused", {NULL}},
        {"station.free", {NULL}},
        {"station.reserved", {NULL}},
        {"station.occupied", {NULL}},
        {"station.cleaning", {NULL}},
        {"station.closed", {NULL}},
};

/* Every screen key is in every language with exactly its placeholders: formatting with the
 * listed values leaves no brace, and each listed placeholder is in the raw text. */
static void test_shipped_keys(void **state)
{
	(void)state;
	ank_i18n *i = load_shipped();
	int failed = 0;
	for (int k = 0; k < ank_i18n_count(i); k++) {
		const char *lang = ank_i18n_code(i, k);
		for (size_t c = 0; c < COUNT_OF(shipped_keys); c++) {
			const char *key = shipped_keys[c].key;
			const char *raw = ank_i18n_get(i, lang, key);
			char out[ANK_I18N_MAX_MESSAGE_BYTES * 2];
			if (raw == key) {
				case_fail(&failed, "%s %s: missing", lang, key);
				continue;
			}
			if (ank_i18n_format(i, lang, key, out, sizeof out, shipped_keys[c].args) ||
			    strchr(out, '{'))
				case_fail(&failed, "%s %s: unexpected placeholder in '%s'", lang,
				          key, out);
			for (const char *const *a = shipped_keys[c].args; *a; a += 2) {
				char ph[40];
				snprintf(ph, sizeof ph, "{%s}", *a);
				if (!strstr(raw, ph))
					case_fail(&failed, "%s %s: lacks %s", lang, key, ph);
			}
		}
	}
	ank_i18n_free(i);
	/* And nothing else: en has exactly these keys (the check holds the others to en). */
	char path[512];
	snprintf(path, sizeof path, "%s/i18n/en.json", test_source_dir());
	json_t *root = json_load_file(path, 0, NULL);
	assert_non_null(root);
	assert_int_equal(json_object_size(json_object_get(root, "messages")),
	                 COUNT_OF(shipped_keys));
	json_decref(root);
	assert_cases_passed(failed);
}

/* Words matter: no shipped text labels people by their drug use. Returns the first such
 * word in text (lowercased in place; ASCII only, Arabic has no case), or NULL. */
static const char *labelling_word(char *text)
{
	static const char *const words[] = {
	        "addict",  "abuser", "junkie", "misbrug", "narkoman",
	        "stodder", "مدمن",   "إدمان",  "ادمان",
	};
	for (char *p = text; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	for (size_t w = 0; w < COUNT_OF(words); w++)
		if (strstr(text, words[w]))
			return words[w];
	return NULL;
}

static void test_shipped_words(void **state)
{
	(void)state;
	/* The probe proves the search still finds a word, in any case. */
	char probe1[] = "Ask the ADDICTION team", probe2[] = "لا للإدمان", probe3[] = "Hej bruger";
	assert_string_equal(labelling_word(probe1), "addict");
	assert_string_equal(labelling_word(probe2), "إدمان");
	assert_null(labelling_word(probe3));
	int failed = 0;
	ank_i18n *i = load_shipped();
	for (int f = 0; f < ank_i18n_count(i); f++) {
		char path[512];
		snprintf(path, sizeof path, "%s/i18n/%s.json", test_source_dir(),
		         ank_i18n_code(i, f));
		FILE *fp = fopen(path, "rb");
		assert_non_null(fp);
		static char text[ANK_I18N_MAX_FILE_BYTES + 1];
		size_t n = fread(text, 1, sizeof text - 1, fp);
		fclose(fp);
		text[n] = '\0';
		const char *word = labelling_word(text);
		if (word)
			case_fail(&failed, "%s contains '%s'", path, word);
	}
	ank_i18n_free(i);
	assert_cases_passed(failed);
}

/* ---- what loading and the check accept and refuse ---- */

typedef enum outcome { PASSES, CHECK_FAILS, LOAD_FAILS } outcome;

typedef struct load_case {
	const char *name;
	outcome want;
	const char *file; /* the file written next to en.json */
	const char *text; /* and its content */
	const char *say;  /* what the error (load's, else check's) says; '|' between parts */
} load_case;

/* A da catalog good but for "hello" = h, and one good but for its header fields. */
#define DA_HELLO(h)               DA("\"hello\": \"" h "\", \"ticket.wait\": \"{ahead} {minutes}\"")
#define DA_ALL(name, dir, review) CAT("da", name, dir, review, "\"lang.name\": \"Dansk\", " DA_MSGS)

static const load_case load_cases[] = {
        /* accepted */
        {"good", PASSES, "da.json", DA(DA_MSGS), NULL},
        {"placeholders in another order", PASSES, "da.json",
         DA("\"hello\": \"Hej {who}\", \"ticket.wait\": \"{minutes} min, {ahead} foran\""), NULL},
        {"placeholder used twice", PASSES, "da.json", DA_HELLO("Hej {who}, {who}"), NULL},
        {"line breaks in a text", PASSES, "da.json", DA_HELLO("Hej {who}\\nvelkommen\\n\\nigen"),
         NULL},
        {"rtl catalog", PASSES, "ar.json",
         CAT("ar", "العربية", "rtl", "unreviewed",
             "\"lang.name\": \"العربية\", \"hello\": \"مرحباً {who}\", "
             "\"ticket.wait\": \"قبلك {ahead}، {minutes} دقيقة\""),
         NULL},
        {"reviewed catalog", PASSES, "da.json", DA_ALL("Dansk", "ltr", "native-reviewed"), NULL},
        /* loaded, but the parity check fails */
        {"missing key", CHECK_FAILS, "da.json", DA("\"hello\": \"Hej {who}\""),
         "da: key \"ticket.wait\": missing"},
        {"key not in en", CHECK_FAILS, "da.json", DA(DA_MSGS ", \"bye\": \"Farvel\""),
         "da: key \"bye\": not in en"},
        {"placeholder renamed", CHECK_FAILS, "da.json", DA_HELLO("Hej {hvem}"),
         "da: key \"hello\"|{who}"},
        {"placeholder dropped", CHECK_FAILS, "da.json", DA_HELLO("Hej"), "da: key \"hello\"|{who}"},
        {"placeholder added", CHECK_FAILS, "da.json", DA_HELLO("Hej {who} {hours}"),
         "da: key \"hello\"|{hours}"},
        {"several problems counted", CHECK_FAILS, "da.json", DA("\"hello\": \"Hej\""),
         "da: key \"hello\"|2 problems in all"},
        /* refused by the loader */
        {"invalid JSON", LOAD_FAILS, "da.json", "{\"language\": \"da\",", "da.json|nothing loaded"},
        {"empty file", LOAD_FAILS, "da.json", "", "da.json"},
        {"not an object", LOAD_FAILS, "da.json", "[1, 2]", "da.json|object"},
        {"invalid UTF-8", LOAD_FAILS, "da.json", DA_HELLO("Hej \xff {who}"), "da.json|UTF-8"},
        {"overlong UTF-8", LOAD_FAILS, "da.json", DA_HELLO("Hej \xc0\xaf {who}"), "da.json|UTF-8"},
        {"duplicate key", LOAD_FAILS, "da.json", DA(DA_MSGS ", \"hello\": \"Goddag {who}\""),
         "da.json|duplicate|hello"},
        {"duplicate field", LOAD_FAILS, "da.json", "{\"language\": \"da\", \"language\": \"da\"}",
         "da.json|duplicate"},
        {"control character", LOAD_FAILS, "da.json", DA_HELLO("Hej\\u001b[2J {who}"),
         "da.json|\"hello\"|control"},
        {"control character on a later line", LOAD_FAILS, "da.json",
         DA_HELLO("Hej\\n{who}\\n\\u0007"), "da.json|\"hello\"|control"},
        {"CRLF line break", LOAD_FAILS, "da.json", DA_HELLO("Hej\\r\\n{who}"),
         "da.json|\"hello\"|control"},
        {"tab", LOAD_FAILS, "da.json", DA_HELLO("Hej\\t{who}"), "da.json|\"hello\""},
        {"bidi override", LOAD_FAILS, "da.json", DA_HELLO("Hej \\u202e{who}"),
         "da.json|\"hello\"|bidi"},
        {"bidi isolate", LOAD_FAILS, "da.json", DA_HELLO("Hej \\u2066{who}\\u2069"),
         "da.json|\"hello\"|bidi"},
        {"NUL in a text", LOAD_FAILS, "da.json", DA_HELLO("Hej\\u0000 {who}"), "da.json"},
        {"broken placeholder", LOAD_FAILS, "da.json", DA_HELLO("Hej { who}"),
         "da.json|\"hello\"|'{'"},
        {"unclosed placeholder", LOAD_FAILS, "da.json", DA_HELLO("Hej {who"),
         "da.json|\"hello\"|'{'"},
        {"stray closing brace", LOAD_FAILS, "da.json", DA_HELLO("Hej {who} :}"),
         "da.json|\"hello\"|'}'"},
        {"uppercase placeholder", LOAD_FAILS, "da.json", DA_HELLO("Hej {Who}"),
         "da.json|\"hello\""},
        {"empty text", LOAD_FAILS, "da.json", DA_HELLO(""), "da.json|\"hello\"|empty"},
        {"text not a string", LOAD_FAILS, "da.json",
         DA("\"hello\": 5, \"ticket.wait\": \"{ahead} {minutes}\""), "da.json|\"hello\"|string"},
        {"bad key", LOAD_FAILS, "da.json", DA(DA_MSGS ", \"Hello World\": \"Hej\""),
         "da.json|Hello World"},
        {"no messages", LOAD_FAILS, "da.json",
         "{\"language\": \"da\", \"name\": \"Dansk\", \"direction\": \"ltr\", "
         "\"review\": \"unreviewed\"}",
         "da.json|messages"},
        {"language differs from file name", LOAD_FAILS, "da.json",
         CAT("de", "Dansk", "ltr", "unreviewed", "\"lang.name\": \"Dansk\", " DA_MSGS),
         "da.json|\"language\""},
        {"file name not a language code", LOAD_FAILS, "dansk.json", DA(DA_MSGS),
         "dansk.json|language code"},
        {"bad direction", LOAD_FAILS, "da.json", DA_ALL("Dansk", "right", "unreviewed"),
         "da.json|\"direction\""},
        {"bad review state", LOAD_FAILS, "da.json", DA_ALL("Dansk", "ltr", "reviewed"),
         "da.json|\"review\""},
        {"translation claims source", LOAD_FAILS, "da.json", DA_ALL("Dansk", "ltr", "source"),
         "da.json|only en"},
        {"name differs from lang.name", LOAD_FAILS, "da.json",
         DA_ALL("Danish", "ltr", "unreviewed"), "da.json|lang.name"},
        {"unknown field", LOAD_FAILS, "da.json",
         "{\"language\": \"da\", \"name\": \"Dansk\", \"direction\": \"ltr\", "
         "\"review\": \"unreviewed\", \"messages\": {\"lang.name\": \"Dansk\"}, "
         "\"mesages\": {}}",
         "da.json|unknown field \"mesages\""},
};

/* True when every '|'-separated part of `say` occurs in msg. */
static bool says(const char *msg, const char *say)
{
	while (say && *say) {
		const char *bar = strchr(say, '|');
		size_t n = bar ? (size_t)(bar - say) : strlen(say);
		char part[128];
		assert_true(n < sizeof part);
		memcpy(part, say, n);
		part[n] = '\0';
		if (!strstr(msg, part))
			return false;
		say = bar ? bar + 1 : NULL;
	}
	return true;
}

/* Runs one case in a fresh directory with a good en.json. */
static void run_load_case(const load_case *c, int *failed)
{
	char dir[64];
	dir_new(dir);
	put_text(dir, "en.json", EN);
	put_text(dir, c->file, c->text);
	static ank_i18n *const unset = (ank_i18n *)&unset; /* load must overwrite it */
	ank_i18n *i = unset;
	ank_err err = {{0}};
	int rc = ank_i18n_load(dir, &i, &err);
	if ((rc == 0) != (c->want != LOAD_FAILS)) {
		case_fail(failed, "%s: load returned %d: %s", c->name, rc, err.msg);
	} else if (rc != 0) {
		if (i != NULL)
			case_fail(failed, "%s: failed load did not set *out to NULL", c->name);
	} else if ((ank_i18n_check(i, &err) == 0) != (c->want == PASSES)) {
		case_fail(failed, "%s: check %s: %s", c->name,
		          c->want == PASSES ? "failed" : "passed", err.msg);
	}
	if (c->want != PASSES && !says(err.msg, c->say))
		case_fail(failed, "%s: error '%s' does not say '%s'", c->name, err.msg, c->say);
	if (rc == 0)
		ank_i18n_free(i);
	dir_remove(dir);
}

static void test_load_golden(void **state)
{
	(void)state;
	int failed = 0;
	for (size_t k = 0; k < COUNT_OF(load_cases); k++)
		run_load_case(&load_cases[k], &failed);
	assert_cases_passed(failed);
}

/* en is the reference: it must be there, and it is the one "source" catalog. */
static void test_en_required(void **state)
{
	(void)state;
	char dir[64];
	dir_new(dir);
	put_text(dir, "da.json", DA(DA_MSGS));
	ank_i18n *i = NULL;
	ank_err err = {{0}};
	assert_int_equal(ank_i18n_load(dir, &i, &err), -1);
	assert_null(i);
	assert_true(says(err.msg, "en.json|missing|reference|nothing loaded"));
	put_text(dir, "en.json", CAT("en", "English", "ltr", "unreviewed", EN_MSGS));
	assert_int_equal(ank_i18n_load(dir, &i, &err), -1);
	assert_true(says(err.msg, "en.json|\"review\"|\"source\""));
	put_text(dir, "en.json", EN);
	assert_int_equal(ank_i18n_load(dir, &i, &err), 0);
	assert_string_equal(ank_i18n_review(i, "en"), "source");
	ank_i18n_free(i);
	dir_remove(dir);
}

/* Writes da.json with "hello" of exactly `len` bytes (placeholder included). */
static void put_da_hello(const char *dir, size_t len)
{
	static char text[ANK_I18N_MAX_MESSAGE_BYTES * 2];
	static char hello[ANK_I18N_MAX_MESSAGE_BYTES * 2];
	assert_true(len >= 5 && len < sizeof hello);
	memset(hello, 'a', len);
	memcpy(hello, "{who}", 5);
	hello[len] = '\0';
	int w = snprintf(text, sizeof text,
	                 DA("\"hello\": \"%s\", \"ticket.wait\": \"{ahead} {minutes}\""), hello);
	assert_true(w > 0 && (size_t)w < sizeof text);
	put_text(dir, "da.json", text);
}

static void test_limits(void **state)
{
	(void)state;
	char dir[64];
	dir_new(dir);
	put_text(dir, "en.json", EN);
	ank_i18n *i = NULL;
	ank_err err = {{0}};

	/* Message length: the limit itself loads, one byte more does not. */
	put_da_hello(dir, ANK_I18N_MAX_MESSAGE_BYTES);
	assert_int_equal(ank_i18n_load(dir, &i, &err), 0);
	assert_int_equal(strlen(ank_i18n_get(i, "da", "hello")), ANK_I18N_MAX_MESSAGE_BYTES);
	ank_i18n_free(i);
	put_da_hello(dir, ANK_I18N_MAX_MESSAGE_BYTES + 1);
	assert_int_equal(ank_i18n_load(dir, &i, &err), -1);
	assert_null(i);
	assert_non_null(strstr(err.msg, "da.json"));
	assert_non_null(strstr(err.msg, "longer than 2048"));

	/* File size: a valid catalog padded with spaces to the limit loads, one more not. */
	static char big[ANK_I18N_MAX_FILE_BYTES + 1];
	const char *da = DA(DA_MSGS);
	memset(big, ' ', sizeof big);
	memcpy(big, da, strlen(da));
	put_file(dir, "da.json", big, ANK_I18N_MAX_FILE_BYTES);
	assert_int_equal(ank_i18n_load(dir, &i, &err), 0);
	ank_i18n_free(i);
	put_file(dir, "da.json", big, ANK_I18N_MAX_FILE_BYTES + 1);
	assert_int_equal(ank_i18n_load(dir, &i, &err), -1);
	assert_non_null(strstr(err.msg, "da.json"));
	assert_non_null(strstr(err.msg, "limit"));
	dir_remove(dir);

	/* Languages: en and 31 more load; a 33rd is refused. */
	dir_new(dir);
	put_text(dir, "en.json", EN);
	for (int k = 0; k < ANK_I18N_MAX_LANGS; k++) {
		char code[4] = {(char)('a' + k / 26), (char)('a' + k % 26), '\0', '\0'};
		char name[16], text[512];
		snprintf(name, sizeof name, "%s.json", code);
		if (!strcmp(code, "en"))
			continue;
		int w = snprintf(text, sizeof text,
		                 "{\"language\": \"%s\", \"name\": \"X\", \"direction\": \"ltr\", "
		                 "\"review\": \"unreviewed\", \"messages\": {\"lang.name\": \"X\", "
		                 "\"hello\": \"{who}\", \"ticket.wait\": \"{ahead} {minutes}\"}}",
		                 code);
		assert_true(w > 0 && (size_t)w < sizeof text);
		put_text(dir, name, text);
		if (k == ANK_I18N_MAX_LANGS - 2) { /* aa..be: en and 31 others */
			assert_int_equal(ank_i18n_load(dir, &i, &err), 0);
			assert_int_equal(ank_i18n_count(i), ANK_I18N_MAX_LANGS);
			assert_int_equal(ank_i18n_check(i, &err), 0);
			ank_i18n_free(i);
		}
	}
	assert_int_equal(ank_i18n_load(dir, &i, &err), -1);
	assert_non_null(strstr(err.msg, "more than 32"));
	dir_remove(dir);
}

/* Hidden files and other file types are not catalogs: an editor's lock file next to
 * da.json must not stop the kiosk. */
static void test_ignored_files(void **state)
{
	(void)state;
	char dir[64];
	dir_new(dir);
	put_text(dir, "en.json", EN);
	put_text(dir, "da.json", DA(DA_MSGS));
	put_text(dir, ".#da.json", "not json");
	put_text(dir, "README.md", "# i18n");
	put_text(dir, "da.json~", "{");
	ank_i18n *i = NULL;
	ank_err err = {{0}};
	if (ank_i18n_load(dir, &i, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(ank_i18n_count(i), 2);
	ank_i18n_free(i);
	dir_remove(dir);
	/* A directory that does not exist is an error, not an empty set. */
	assert_int_equal(ank_i18n_load("/nonexistent/i18n", &i, &err), -1);
	assert_null(i);
	assert_non_null(strstr(err.msg, "/nonexistent/i18n"));
}

/* ---- lookup ---- */

static void test_fallback(void **state)
{
	(void)state;
	char dir[64];
	dir_new(dir);
	put_text(dir, "en.json",
	         CAT("en", "English", "ltr", "source",
	             "\"lang.name\": \"English\", \"a\": \"en a\", \"b\": \"en b\", "
	             "\"c\": \"en c\""));
	put_text(dir, "da.json",
	         CAT("da", "Dansk", "ltr", "unreviewed",
	             "\"lang.name\": \"Dansk\", \"a\": \"da a\", \"b\": \"da b\""));
	put_text(dir, "ar.json",
	         CAT("ar", "العربية", "rtl", "unreviewed",
	             "\"lang.name\": \"العربية\", \"a\": \"ar a\""));
	ank_i18n *i = NULL;
	ank_err err = {{0}};
	if (ank_i18n_load(dir, &i, &err))
		fail_msg("%s", err.msg);
	static const struct {
		const char *lang, *key, *expect;
	} cases[] = {
	        {"ar", "a", "ar a"},          {"ar", "b", "da b"}, /* ar lacks b: da */
	        {"ar", "c", "en c"},                               /* ar and da lack c: en */
	        {"ar", "zz.none", "zz.none"},                      /* nobody has it: the key */
	        {"da", "c", "en c"},          {"en", "b", "en b"}, /* en never falls back to da */
	        {"fr", "a", "da a"},                               /* not loaded: da */
	        {NULL, "b", "da b"},          {"", "c", "en c"},
	};
	int failed = 0;
	for (size_t k = 0; k < COUNT_OF(cases); k++) {
		const char *got = ank_i18n_get(i, cases[k].lang, cases[k].key);
		if (!got || strcmp(got, cases[k].expect) != 0)
			case_fail(&failed, "get(%s, %s): '%s', expected '%s'",
			          cases[k].lang ? cases[k].lang : "NULL", cases[k].key,
			          got ? got : "NULL", cases[k].expect);
	}
	assert_cases_passed(failed);
	/* The key itself is returned, not a copy; a NULL key gives "", never NULL. */
	const char *key = "zz.none";
	assert_ptr_equal(ank_i18n_get(i, "ar", key), key);
	assert_string_equal(ank_i18n_get(i, "ar", NULL), "");
	assert_string_equal(ank_i18n_get(NULL, "da", "a"), "a");
	/* The check sees what the fallback hides. */
	assert_int_equal(ank_i18n_check(i, &err), -1);
	assert_non_null(strstr(err.msg, "ar: key \"b\""));
	assert_true(ank_i18n_rtl(i, "ar"));
	assert_false(ank_i18n_rtl(i, "da"));
	assert_false(ank_i18n_rtl(i, "fr"));
	assert_null(ank_i18n_review(i, "fr"));
	assert_null(ank_i18n_review(i, NULL));
	ank_i18n_free(i);
	dir_remove(dir);
}

/* ---- formatting ---- */

typedef struct format_case {
	const char *name, *key;
	const char *args[7];
	size_t n;
	const char *expect;
	int rc;
} format_case;

static const format_case format_cases[] = {
        {"both filled", "wait", {"ahead", "4", "minutes", "15", NULL}, 64, "4 ahead, 15 min", 0},
        {"any order", "wait", {"minutes", "15", "ahead", "4", NULL}, 64, "4 ahead, 15 min", 0},
        {"unknown placeholder left", "two", {"who", "Ann", NULL}, 64, "Hi Ann and {other}", 0},
        {"no args", "two", {NULL}, 64, "Hi {who} and {other}", 0},
        {"unused arg", "plain", {"who", "Ann", NULL}, 64, "Nothing to fill", 0},
        {"same placeholder twice", "twice", {"x", "7", NULL}, 64, "7-7", 0},
        {"not re-expanded", "twice", {"x", "{x}", NULL}, 64, "{x}-{x}", 0},
        {"exact names", "two", {"wh", "X", "whoo", "Y", NULL}, 64, "Hi {who} and {other}", 0},
        {"name without value ends args", "two", {"who", NULL}, 64, "Hi {who} and {other}", 0},
        {"empty value", "two", {"who", "", "other", "", NULL}, 64, "Hi  and ", 0},
        {"missing key gives the key", "no.such", {NULL}, 64, "no.such", 0},
        {"exact fit", "plain", {NULL}, 16, "Nothing to fill", 0},
        {"one byte short", "plain", {NULL}, 15, "Nothing to fil", -1},
        {"cut inside a value", "wait", {"ahead", "4", "minutes", "15", NULL}, 11, "4 ahead, 1", -1},
        {"cut at the start", "wait", {"ahead", "1234", NULL}, 3, "12", -1},
        {"only the NUL fits", "plain", {NULL}, 1, "", -1},
        /* "قبلك" is 8 bytes of 2-byte letters: never half a letter. */
        {"Arabic fits", "ar", {"ahead", "4", NULL}, 11, "قبلك 4", 0},
        {"Arabic cut on a letter", "ar", {NULL}, 5, "قب", -1},
        {"Arabic cut mid-letter", "ar", {NULL}, 4, "ق", -1},
        {"Arabic first letter does not fit", "ar", {NULL}, 2, "", -1},
        {"Danish value cut mid-letter", "two", {"who", "Søren", NULL}, 6, "Hi S", -1},
        {"Danish value cut after letter", "two", {"who", "Søren", NULL}, 7, "Hi Sø", -1},
        {"emoji not split", "two", {"who", "\xf0\x9f\x98\x80", NULL}, 6, "Hi ", -1},
};

static void test_format_golden(void **state)
{
	(void)state;
	char dir[64];
	dir_new(dir);
	put_text(dir, "en.json",
	         CAT("en", "English", "ltr", "source",
	             "\"lang.name\": \"English\", "
	             "\"wait\": \"{ahead} ahead, {minutes} min\", "
	             "\"two\": \"Hi {who} and {other}\", \"twice\": \"{x}-{x}\", "
	             "\"plain\": \"Nothing to fill\", \"ar\": \"قبلك {ahead}\""));
	ank_i18n *i = NULL;
	ank_err err = {{0}};
	if (ank_i18n_load(dir, &i, &err))
		fail_msg("%s", err.msg);
	int failed = 0;
	for (size_t k = 0; k < COUNT_OF(format_cases); k++) {
		const format_case *c = &format_cases[k];
		char out[80];
		memset(out, 'Z', sizeof out);
		assert_true(c->n <= sizeof out);
		int rc = ank_i18n_format(i, "en", c->key, out, c->n, c->args);
		if (memchr(out, '\0', c->n) == NULL) {
			case_fail(&failed, "%s: not NUL-terminated within %zu", c->name, c->n);
			continue;
		}
		if (rc != c->rc || strcmp(out, c->expect) != 0)
			case_fail(&failed, "%s: rc %d '%s', expected %d '%s'", c->name, rc, out,
			          c->rc, c->expect);
		if (!ank_utf8_valid_text(out, strlen(out)))
			case_fail(&failed, "%s: output is not valid UTF-8", c->name);
		if (c->n < sizeof out && out[c->n] != 'Z')
			case_fail(&failed, "%s: wrote past n", c->name);
	}
	assert_cases_passed(failed);
	/* n == 0: nothing written, reported as truncated. */
	char one = 'Z';
	assert_int_equal(ank_i18n_format(i, "en", "plain", &one, 0, NULL), -1);
	assert_int_equal(one, 'Z');
	ank_i18n_free(i);
	dir_remove(dir);
}

/* ---- reload ---- */

static void test_reload(void **state)
{
	(void)state;
	char dir[64];
	dir_new(dir);
	put_text(dir, "en.json", EN);
	put_text(dir, "da.json", DA(DA_MSGS));
	ank_i18n *i = NULL;
	ank_err err = {{0}};
	if (ank_i18n_load(dir, &i, &err))
		fail_msg("%s", err.msg);
	assert_string_equal(ank_i18n_get(i, "da", "hello"), "Hej {who}");

	/* A broken edit: the old texts stay, and the error names the file. */
	put_text(dir, "da.json", "{\"language\": \"da\", ");
	assert_int_equal(ank_i18n_reload(i, dir, &err), -1);
	assert_non_null(strstr(err.msg, "da.json"));
	assert_non_null(strstr(err.msg, "stay in use"));
	assert_string_equal(ank_i18n_get(i, "da", "hello"), "Hej {who}");
	assert_int_equal(ank_i18n_count(i), 2);

	/* A valid file that breaks a rule is refused the same way. */
	put_text(dir, "da.json",
	         DA("\"hello\": \"Hej\\u202e{who}\", \"ticket.wait\": \"{ahead} {minutes}\""));
	assert_int_equal(ank_i18n_reload(i, dir, &err), -1);
	assert_string_equal(ank_i18n_get(i, "da", "hello"), "Hej {who}");

	/* A good edit changes the text; a new file adds a language. */
	put_text(dir, "da.json",
	         DA("\"hello\": \"Goddag {who}\", \"ticket.wait\": \"{ahead} {minutes}\""));
	put_text(dir, "ar.json",
	         CAT("ar", "العربية", "rtl", "unreviewed",
	             "\"lang.name\": \"العربية\", \"hello\": \"مرحباً {who}\", "
	             "\"ticket.wait\": \"{ahead} {minutes}\""));
	if (ank_i18n_reload(i, dir, &err))
		fail_msg("%s", err.msg);
	assert_string_equal(ank_i18n_get(i, "da", "hello"), "Goddag {who}");
	assert_int_equal(ank_i18n_count(i), 3);
	assert_true(ank_i18n_rtl(i, "ar"));
	assert_int_equal(ank_i18n_check(i, &err), 0);
	char out[64];
	const char *args[] = {"who", "Ann", NULL};
	assert_int_equal(ank_i18n_format(i, "da", "hello", out, sizeof out, args), 0);
	assert_string_equal(out, "Goddag Ann");
	ank_i18n_free(i);
	dir_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_shipped_catalogs), cmocka_unit_test(test_shipped_keys),
	        cmocka_unit_test(test_shipped_words),    cmocka_unit_test(test_load_golden),
	        cmocka_unit_test(test_en_required),      cmocka_unit_test(test_limits),
	        cmocka_unit_test(test_ignored_files),    cmocka_unit_test(test_fallback),
	        cmocka_unit_test(test_format_golden),    cmocka_unit_test(test_reload),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
