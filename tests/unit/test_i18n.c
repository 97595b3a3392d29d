/* Golden cases for the UI text catalogs (gettext PO, i18n/LANG.po): the shipped catalogs pass the
 * parity check and have every plural form, and temporary catalogs show what loading refuses,
 * plural forms by CLDR's sample numbers, the fallback chain, formatting, reload and the
 * catalog as the browser gets it. */
#include "testlib.h"

#include <ctype.h>
#include <dirent.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uenum.h>
#include <unicode/upluralrules.h>
#include <unistd.h>

#include "ank_i18n.h"
#include "ank_text.h"
#include "po_text.h"

/* The bytes the program has allocated and not freed: the sanitizer's count in the asan build
 * (which replaces malloc), glibc's otherwise. */
#if defined(__SANITIZE_ADDRESS__)
#define ANK_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ANK_TEST_ASAN 1
#endif
#endif
#ifdef ANK_TEST_ASAN
/* The sanitizers' public interface (sanitizer/allocator_interface.h, not always installed). */
size_t __sanitizer_get_current_allocated_bytes(void);
static size_t heap_in_use(void)
{
	return __sanitizer_get_current_allocated_bytes();
}
#else
#include <malloc.h>
static size_t heap_in_use(void)
{
	struct mallinfo2 m = mallinfo2();
	return m.uordblks + m.hblkhd;
}
#endif

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

/* Loads dir, failing the test with the loader's error. The caller frees the set. */
static ank_i18n *load_ok(const char *dir)
{
	ank_i18n *i = NULL;
	ank_err err = {{0}};
	if (ank_i18n_load(dir, &i, &err))
		fail_msg("%s", err.msg);
	return i;
}

/* A catalog with the keys of EN but for the forms of "left"; its %s are, in order, the code,
 * the Plural-Forms and the own name twice. */
#define PLURAL_CATALOG_HEAD                                                                        \
	PO_HEADER("%s", "%s", "%s", "ltr")                                                         \
	PO_MSG("lang.name", "English", "%s")                                                       \
	PO_MSG("hello", "Hello {who}", "{who}")                                                    \
	PO_MSG("ticket.wait", "{ahead} ahead, {minutes} min", "{ahead} {minutes}")                 \
	"msgctxt \"left\"\nmsgid \"{n} try left\"\nmsgid_plural \"{n} tries left\"\n"

/* Writes <dir>/<code>.po: the keys of EN, with lang.name = name and the plural text "left"
 * in the given forms (form order, each with "{n}"), under the Plural-Forms pf. */
static void put_plural_catalog(const char *dir, const char *code, const char *pf, const char *name,
                               const char *const *forms, int nforms)
{
	char text[4096], file[16];
	int w = snprintf(text, sizeof text, PLURAL_CATALOG_HEAD, code, pf, name, name);
	assert_true(w > 0 && (size_t)w < sizeof text);
	for (int k = 0; k < nforms; k++) {
		int m = snprintf(text + w, sizeof text - (size_t)w, "msgstr[%d] \"%s\"\n", k,
		                 forms[k]);
		assert_true(m > 0 && m < (int)sizeof text - w);
		w += m;
	}
	snprintf(file, sizeof file, "%s.po", code);
	put_text(dir, file, text);
}

/* The number of CLDR plural categories ICU has for code: the scaffolding of tests that make
 * catalogs for many languages (the loader's own answer is tested against CLDR's samples). */
static int cldr_count(const char *code)
{
	UErrorCode st = U_ZERO_ERROR;
	UPluralRules *r = uplrules_open(code, &st);
	UEnumeration *kw = U_SUCCESS(st) ? uplrules_getKeywords(r, &st) : NULL;
	int n = kw ? uenum_count(kw, &st) : 0;
	if (kw)
		uenum_close(kw);
	if (r)
		uplrules_close(r);
	assert_true(U_SUCCESS(st) && n >= 1 && n <= ANK_I18N_MAX_PLURALS);
	return n;
}

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
        {"welcome.alert_title_danger", {NULL}},
        {"welcome.info_tap", {NULL}},
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
        {"ticket.printing", {NULL}},
        {"ticket.print_wait", {NULL}},
        {"ticket.printer_failed", {NULL}},
        {"ticket.have_number", {NULL}},
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
        {"staff.printer_fault", {"reason", "paper", NULL}},
        {"staff.printer_near_end", {NULL}},
        {"staff.printer_ready", {NULL}},
        {"staff.printer_unknown", {NULL}},
        {"staff.printer_check", {NULL}},
        {"staff.printer_reprint", {"ticket", "R-001", NULL}},
        {"staff.printer.no_printer", {NULL}},
        {"staff.printer.unreachable", {NULL}},
        {"staff.printer.not_escpos", {NULL}},
        {"staff.printer.offline", {NULL}},
        {"staff.printer.cover_open", {NULL}},
        {"staff.printer.paper_end", {NULL}},
        {"staff.printer.printer_error", {NULL}},
        {"staff.printer.lost", {NULL}},
        {"staff.printer.unconfirmed", {NULL}},
        {"staff.printer.busy", {NULL}},
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
        {"console.review.pending", {"pending", "3", "total", "9", NULL}},
        {"display.now_calling", {NULL}},
        {"display.station", {"station", "I3", NULL}},
        {"display.announce", {"ticket", "I-014", "station", "3", NULL}},
        {"common.speak", {NULL}},
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
        {"admin.title", {NULL}},
        {"admin.nav", {NULL}},
        {"admin.tab.kiosks", {NULL}},
        {"admin.tab.accounts", {NULL}},
        {"admin.tab.audit", {NULL}},
        {"admin.denied", {NULL}},
        {"admin.denied.back", {NULL}},
        {"admin.site", {NULL}},
        {"admin.kiosks.kiosk", {NULL}},
        {"admin.kiosks.state", {NULL}},
        {"admin.kiosks.online", {NULL}},
        {"admin.kiosks.offline", {NULL}},
        {"admin.kiosks.revoked", {NULL}},
        {"admin.kiosks.last_sync", {NULL}},
        {"admin.kiosks.unsent", {NULL}},
        {"admin.kiosks.skew", {NULL}},
        {"admin.kiosks.skew_ok", {NULL}},
        {"admin.kiosks.version", {NULL}},
        {"admin.kiosks.unknown", {NULL}},
        {"admin.kiosks.never", {NULL}},
        {"admin.kiosks.revoke", {NULL}},
        {"admin.kiosks.revoke_confirm", {"kiosk", "x", NULL}},
        {"admin.kiosks.revoked_done", {"kiosk", "x", NULL}},
        {"admin.kiosks.none", {NULL}},
        {"admin.pair.title", {NULL}},
        {"admin.pair.submit", {NULL}},
        {"admin.pair.code", {"site", "x", "code", "x", NULL}},
        {"admin.accounts.user", {NULL}},
        {"admin.accounts.role", {NULL}},
        {"admin.accounts.role.admin", {NULL}},
        {"admin.accounts.role.staff", {NULL}},
        {"admin.accounts.status", {NULL}},
        {"admin.accounts.active", {NULL}},
        {"admin.accounts.disabled", {NULL}},
        {"admin.accounts.disable", {NULL}},
        {"admin.accounts.enable", {NULL}},
        {"admin.accounts.reset", {NULL}},
        {"admin.accounts.change_role", {NULL}},
        {"admin.accounts.new", {NULL}},
        {"admin.accounts.password", {NULL}},
        {"admin.accounts.create", {NULL}},
        {"admin.accounts.created", {"user", "x", NULL}},
        {"admin.accounts.changed", {"user", "x", NULL}},
        {"admin.audit.when", {NULL}},
        {"admin.audit.actor", {NULL}},
        {"admin.audit.action", {NULL}},
        {"admin.audit.object", {NULL}},
        {"admin.audit.addr", {NULL}},
        {"admin.audit.result", {NULL}},
        {"admin.audit.from", {NULL}},
        {"admin.audit.to", {NULL}},
        {"admin.audit.filter", {NULL}},
        {"admin.audit.none", {NULL}},
        {"admin.save", {NULL}},
        {"admin.cancel", {NULL}},
        {"admin.any", {NULL}},
        {"admin.tab.report", {NULL}},
        {"admin.report.period", {NULL}},
        {"admin.report.kind.quarter", {NULL}},
        {"admin.report.kind.year", {NULL}},
        {"admin.report.kind.range", {NULL}},
        {"admin.report.section", {NULL}},
        {"admin.report.print", {NULL}},
        {"admin.report.raw", {NULL}},
        {"admin.report.wait_cell", {"n", "x", "median", "x", "p90", "x", NULL}},
        {"admin.report.summary", {NULL}},
        {"admin.report.figure", {NULL}},
        {"admin.report.value", {NULL}},
        {"admin.report.none", {NULL}},
        {"admin.report.chart.week", {NULL}},
        {"admin.report.chart.hour", {NULL}},
        {"admin.report.chart.substance", {NULL}},
        {"admin.report.chart.capacity", {NULL}},
        {"admin.report.capacity_missing", {NULL}},
        {"admin.report.fig.capacity", {NULL}},
        {"admin.report.capacity.hour", {NULL}},
        {"admin.report.capacity.open_h", {NULL}},
        {"admin.report.capacity.occupied_h", {NULL}},
        {"admin.report.capacity.use", {NULL}},
        {"admin.tab.content", {NULL}},
        {"admin.content.kind", {NULL}},
        {"admin.content.kind.alert", {NULL}},
        {"admin.content.kind.info", {NULL}},
        {"admin.content.severity", {NULL}},
        {"admin.content.severity.warning", {NULL}},
        {"admin.content.severity.danger", {NULL}},
        {"admin.content.pictogram", {NULL}},
        {"admin.content.pictogram.alert", {NULL}},
        {"admin.content.pictogram.clock", {NULL}},
        {"admin.content.pictogram.staff", {NULL}},
        {"admin.content.pictogram.rules", {NULL}},
        {"admin.content.pictogram.check", {NULL}},
        {"admin.content.pictogram.station", {NULL}},
        {"admin.content.pictogram.call_staff", {NULL}},
        {"admin.content.pictogram.inject", {NULL}},
        {"admin.content.pictogram.smoke", {NULL}},
        {"admin.content.pictogram.language", {NULL}},
        {"admin.content.qr", {NULL}},
        {"admin.content.from", {NULL}},
        {"admin.content.until", {NULL}},
        {"admin.content.sites", {NULL}},
        {"admin.content.all_sites", {NULL}},
        {"admin.content.chosen_sites", {NULL}},
        {"admin.content.municipality", {"code", "3", NULL}},
        {"admin.content.title_field", {NULL}},
        {"admin.content.text", {NULL}},
        {"admin.content.body", {NULL}},
        {"admin.content.new", {NULL}},
        {"admin.content.save", {NULL}},
        {"admin.content.save_changes", {"id", "3", NULL}},
        {"admin.content.saved", {"id", "3", NULL}},
        {"admin.content.published", {"id", "3", NULL}},
        {"admin.content.withdrawn", {"id", "3", NULL}},
        {"admin.content.edit", {NULL}},
        {"admin.content.publish", {NULL}},
        {"admin.content.withdraw", {NULL}},
        {"admin.content.preview", {NULL}},
        {"admin.content.when", {NULL}},
        {"admin.content.state", {NULL}},
        {"admin.content.state.draft", {NULL}},
        {"admin.content.state.published", {NULL}},
        {"admin.content.state.withdrawn", {NULL}},
        {"admin.content.actions", {NULL}},
        {"admin.report.municipality", {"code", "x", NULL}},
        {"admin.report.totals", {NULL}},
        {"admin.report.span", {"from", "x", "to", "x", NULL}},
        {"admin.report.all_time", {NULL}},
        {"admin.report.heading", {"section", "x", NULL}},
        {"admin.report.meta", {"generated", "x", "zone", "x", NULL}},
        {"admin.report.charts", {NULL}},
        {"admin.report.breakdowns", {NULL}},
        {"admin.report.notes", {NULL}},
        {"admin.report.footnote", {"below", "x", "below", "x", NULL}},
        {"admin.report.not_suppressed", {NULL}},
        {"admin.report.fig.checkins", {NULL}},
        {"admin.report.fig.checkins_by_route", {NULL}},
        {"admin.report.fig.checkins_by_substance", {NULL}},
        {"admin.report.fig.checkins_by_route_substance", {NULL}},
        {"admin.report.fig.checkins_assisted", {NULL}},
        {"admin.report.fig.checkins_by_weekday", {NULL}},
        {"admin.report.fig.checkins_by_hour", {NULL}},
        {"admin.report.fig.intakes", {NULL}},
        {"admin.report.fig.intakes_by_route", {NULL}},
        {"admin.report.fig.intakes_by_substance", {NULL}},
        {"admin.report.fig.intakes_by_week", {NULL}},
        {"admin.report.fig.intakes_by_weekday", {NULL}},
        {"admin.report.fig.intakes_by_hour", {NULL}},
        {"admin.report.fig.sessions_ended", {NULL}},
        {"admin.report.fig.session_seconds", {NULL}},
        {"admin.report.fig.session_mean_s", {NULL}},
        {"admin.report.fig.wait_mean_s", {NULL}},
        {"admin.report.fig.wait_to_call", {NULL}},
        {"admin.report.fig.wait_to_call_by_route", {NULL}},
        {"admin.report.fig.wait_to_call_by_route_hour", {NULL}},
        {"admin.report.fig.no_shows", {NULL}},
        {"admin.report.fig.cancelled", {NULL}},
        {"admin.report.fig.refusals", {NULL}},
        {"admin.report.fig.refusals_by_reason", {NULL}},
        {"admin.report.fig.rejections", {NULL}},
        {"admin.report.fig.rejections_by_reason", {NULL}},
        {"admin.report.fig.unique_users", {NULL}},
        {"admin.report.fig.unique_users_unlinked", {NULL}},
        {"admin.report.fig.unique_users_by_gender", {NULL}},
        {"admin.report.fig.unique_users_by_age_group", {NULL}},
        {"admin.report.fig.unique_users_by_municipality", {NULL}},
        {"admin.report.fig.overdoses", {NULL}},
        {"admin.report.fig.overdoses_naloxone", {NULL}},
        {"admin.report.fig.overdoses_oxygen", {NULL}},
        {"admin.report.fig.overdoses_ambulance", {NULL}},
        {"admin.report.fig.overdoses_by_outcome", {NULL}},
        {"admin.report.fig.overdoses_per_1000_intakes", {NULL}},
        {"admin.report.fig.referrals", {NULL}},
        {"admin.report.fig.referrals_by_type", {NULL}},
        {"admin.report.fig.incidents", {NULL}},
        {"admin.report.fig.unknown_events", {NULL}},
        {"admin.report.fig.events_out_of_time", {NULL}},
        {"admin.tab.sites", {NULL}},
        {"admin.sites.new", {NULL}},
        {"admin.sites.id", {NULL}},
        {"admin.sites.name", {NULL}},
        {"admin.sites.municipality", {NULL}},
        {"admin.sites.timezone", {NULL}},
        {"admin.sites.create", {NULL}},
        {"admin.sites.created", {"site", "x", NULL}},
        {"admin.sites.choose", {NULL}},
        {"admin.sites.open", {NULL}},
        {"admin.sites.config", {"site", "x", NULL}},
        {"admin.sites.accepted", {"when", "x", "user", "x", NULL}},
        {"admin.sites.never_sent", {NULL}},
        {"admin.sites.general", {NULL}},
        {"admin.sites.routes", {NULL}},
        {"admin.sites.route.inject", {NULL}},
        {"admin.sites.route.smoke", {NULL}},
        {"admin.sites.women_only", {NULL}},
        {"admin.sites.assisted", {NULL}},
        {"admin.sites.languages", {NULL}},
        {"admin.sites.day_starts", {NULL}},
        {"admin.sites.auto_call", {NULL}},
        {"admin.sites.grace", {NULL}},
        {"admin.sites.warn", {NULL}},
        {"admin.sites.alarm", {NULL}},
        {"admin.sites.clean", {NULL}},
        {"admin.sites.hours", {NULL}},
        {"admin.sites.hours.hint", {NULL}},
        {"admin.sites.day", {NULL}},
        {"admin.sites.day.mon", {NULL}},
        {"admin.sites.day.tue", {NULL}},
        {"admin.sites.day.wed", {NULL}},
        {"admin.sites.day.thu", {NULL}},
        {"admin.sites.day.fri", {NULL}},
        {"admin.sites.day.sat", {NULL}},
        {"admin.sites.day.sun", {NULL}},
        {"admin.sites.open_at", {NULL}},
        {"admin.sites.close_at", {NULL}},
        {"admin.sites.closed", {NULL}},
        {"admin.sites.problem", {NULL}},
        {"admin.sites.actions", {NULL}},
        {"admin.sites.stations", {NULL}},
        {"admin.sites.station.id", {NULL}},
        {"admin.sites.station.label", {NULL}},
        {"admin.sites.station.type", {NULL}},
        {"admin.sites.station.type.inject", {NULL}},
        {"admin.sites.station.type.smoke", {NULL}},
        {"admin.sites.station.type.flex", {NULL}},
        {"admin.sites.station.up", {NULL}},
        {"admin.sites.station.down", {NULL}},
        {"admin.sites.station.close", {NULL}},
        {"admin.sites.station.add", {NULL}},
        {"admin.sites.nearby", {NULL}},
        {"admin.sites.nearby.address", {NULL}},
        {"admin.sites.nearby.hours", {NULL}},
        {"admin.sites.nearby.add", {NULL}},
        {"admin.sites.nearby.remove", {NULL}},
        {"admin.sites.save", {NULL}},
        {"admin.sites.sent", {"change", "x", NULL}},
        {"admin.sites.answer_none", {NULL}},
        {"admin.sites.answer_applied", {"kiosk", "k", "change", "1", NULL}},
        {"admin.sites.answer_refused", {"kiosk", "k", "change", "1", "reason", "r", NULL}},
        {"admin.sites.refused", {"reason", "x", NULL}},
        /* The Screen texts tab (admin_texts.js). */
        {"admin.tab.texts", {NULL}},
        {"admin.texts.lang", {NULL}},
        {"admin.texts.search", {NULL}},
        {"admin.texts.key", {NULL}},
        {"admin.texts.shipped", {NULL}},
        {"admin.texts.source", {NULL}},
        {"admin.texts.draft", {NULL}},
        {"admin.texts.drafts", {"count", "x", NULL}},
        {"admin.texts.edit", {NULL}},
        {"admin.texts.edit_title", {"key", "x", NULL}},
        {"admin.texts.plural_form", {"n", "x", NULL}},
        {"admin.texts.discard", {NULL}},
        {"admin.texts.saved", {NULL}},
        {"admin.texts.orientation", {NULL}},
        {"admin.texts.portrait", {NULL}},
        {"admin.texts.landscape", {NULL}},
        {"admin.texts.preview", {NULL}},
        {"admin.texts.previewing", {NULL}},
        {"admin.texts.findings_none", {NULL}},
        {"admin.texts.findings", {"count", "x", NULL}},
        {"admin.texts.finding", {"screen", "x", "size", "x", "why", "x", NULL}},
        {"admin.texts.shot_alt", {"screen", "x", NULL}},
        {"admin.texts.publish", {NULL}},
        {"admin.texts.scope", {NULL}},
        {"admin.texts.scope.site", {NULL}},
        {"admin.texts.scope.municipality", {NULL}},
        {"admin.texts.scope.all", {NULL}},
        {"admin.texts.target", {NULL}},
        {"admin.texts.published", {"version", "x", NULL}},
        {"admin.texts.history", {NULL}},
        {"admin.texts.none", {NULL}},
        {"admin.texts.version", {NULL}},
        {"admin.texts.when", {NULL}},
        {"admin.texts.author", {NULL}},
        {"admin.texts.texts", {NULL}},
        {"admin.texts.rollback", {NULL}},
        {"admin.texts.rollback_to", {"version", "x", NULL}},
        {"admin.texts.rollback_shipped", {NULL}},
        {"admin.texts.rollback_ask", {NULL}},
        {"admin.texts.rolled_back", {"version", "x", NULL}},
        {"admin.texts.rollback_of", {"version", "x", NULL}},
        {"admin.texts.kiosks", {NULL}},
        {"admin.texts.kiosk_version", {"version", "x", NULL}},
        {"admin.texts.kiosk_none", {NULL}},
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
	/* And nothing else: en has exactly these keys (the check holds the others to en),
	 * counted by the loader itself. */
	int pending = -1, total = -1;
	assert_int_equal(ank_i18n_review_counts(i, "en", &pending, &total), 0);
	assert_int_equal(pending, 0);
	assert_int_equal(total, COUNT_OF(shipped_keys));
	ank_i18n_free(i);
	assert_cases_passed(failed);
}

/* Words matter: no shipped text labels people by their drug use. Returns the first such
 * word in text (lowercased in place; ASCII only, Arabic has no case), or NULL. */
static const char *labelling_word(char *text)
{
	/* English, Danish, Arabic; then the words each new language's translator named
	 * (i18n/README.md "Words"): sv, pl, ro, lt (narkoman covers it), ru, fa, kl. */
	static const char *const words[] = {
	        "addict", "abuser",     "junkie",     "misbrug",  "narkoman",  "stodder",
	        "مدمن",   "إدمان",      "ادمان",      "missbruk", "knarkare",  "pundare",
	        "ćpun",   "toksykoman", "nałogowiec", "drogat",   "toxicoman", "narcoman",
	        "narkaš", "наркоман",   "нарик",      "торчок",   "наркош",    "معتاد",
	        "اعتیاد", "atornerlui",
	};
	for (char *p = text; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	for (size_t w = 0; w < COUNT_OF(words); w++)
		if (strstr(text, words[w]))
			return words[w];
	return NULL;
}

/* The whole of each shipped .po file is read, translator comments included. */
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
		snprintf(path, sizeof path, "%s/i18n/%s.po", test_source_dir(),
		         ank_i18n_code(i, f));
		FILE *fp = fopen(path, "rb");
		assert_non_null(fp);
		static char text[ANK_I18N_MAX_FILE_BYTES + 1];
		size_t n = fread(text, 1, sizeof text - 1, fp);
		fclose(fp);
		assert_true(n > 1000);
		text[n] = '\0';
		const char *word = labelling_word(text);
		if (word)
			case_fail(&failed, "%s contains '%s'", path, word);
	}
	ank_i18n_free(i);
	assert_cases_passed(failed);
}

/* Writes the placeholder values of every {name} in text into args (name, "7" pairs,
 * NULL-terminated), so formatting fills them all; the names are copied into names. */
static void fill_args(const char *text, const char *args[],
                      char names[][ANK_I18N_MAX_NAME_BYTES + 1], size_t max)
{
	size_t n = 0;
	for (const char *q = strchr(text, '{'); q && n < max; q = strchr(q + 1, '{')) {
		const char *end = strchr(q, '}');
		assert_non_null(end);
		size_t len = (size_t)(end - q - 1);
		assert_true(len > 0 && len <= ANK_I18N_MAX_NAME_BYTES);
		memcpy(names[n], q + 1, len);
		names[n][len] = '\0';
		args[2 * n] = names[n];
		args[2 * n + 1] = "7";
		n++;
	}
	args[2 * n] = NULL;
}

/* Every plural text of every shipped language, for numbers that reach each CLDR category
 * of the languages shipped and of those planned: the form chosen is the language's own
 * form of the number's category, has the placeholders of en's text, and formats without a
 * brace left. */
static void test_shipped_plurals(void **state)
{
	(void)state;
	static const long numbers[] = {0, 1, 2, 3, 5, 11, 21, 22, 25, 100};
	ank_i18n *i = load_shipped();
	int failed = 0, plural_keys = 0;
	json_t *en = NULL;
	for (int k = 0; k < ank_i18n_count(i); k++)
		if (!strcmp(ank_i18n_code(i, k), "en"))
			en = ank_i18n_catalog_json(i, k);
	assert_non_null(en);
	for (int k = 0; k < ank_i18n_count(i); k++) {
		const char *lang = ank_i18n_code(i, k);
		json_t *cat = ank_i18n_catalog_json(i, k);
		json_t *plurals = json_object_get(cat, "plurals");
		/* The same plural keys as en, each with one form per category of the language. */
		if (json_object_size(plurals) != json_object_size(json_object_get(en, "plurals")))
			case_fail(&failed, "%s: %zu plural texts, en has %zu", lang,
			          json_object_size(plurals),
			          json_object_size(json_object_get(en, "plurals")));
		const char *key;
		json_t *forms;
		json_object_foreach(plurals, key, forms)
		{
			plural_keys++;
			if (json_object_size(forms) != (size_t)ank_i18n_plurals(i, lang, NULL))
				case_fail(&failed, "%s %s: %zu forms", lang, key,
				          json_object_size(forms));
			const char *ref = ank_i18n_get(i, "en", key);
			const char *args[2 * 8 + 1];
			char names[8][ANK_I18N_MAX_NAME_BYTES + 1];
			fill_args(ref, args, names, 8);
			for (size_t m = 0; m < COUNT_OF(numbers); m++) {
				long n = numbers[m];
				const char *got = ank_i18n_get_n(i, lang, key, n);
				const char *cat_n = ank_i18n_plural_category(i, lang, n);
				const char *want = json_string_value(
				        json_object_get(forms, cat_n ? cat_n : ""));
				if (!want || strcmp(got, want) != 0) {
					case_fail(&failed, "%s %s %ld: '%s' is not the %s form",
					          lang, key, n, got, cat_n ? cat_n : "?");
					continue;
				}
				for (size_t a = 0; args[a]; a += 2) {
					char ph[ANK_I18N_MAX_NAME_BYTES + 3];
					snprintf(ph, sizeof ph, "{%s}", args[a]);
					if (!strstr(got, ph))
						case_fail(&failed, "%s %s %ld: '%s' lacks %s", lang,
						          key, n, got, ph);
				}
				char out[ANK_I18N_MAX_MESSAGE_BYTES * 2];
				if (ank_i18n_format_n(i, lang, key, n, out, sizeof out, args) ||
				    strchr(out, '{'))
					case_fail(&failed, "%s %s %ld: '%s' keeps a brace", lang,
					          key, n, out);
			}
		}
		json_decref(cat);
	}
	json_decref(en);
	ank_i18n_free(i);
	/* The shipped catalogs have plural texts at all (else this test tests nothing). */
	assert_true(plural_keys >= 3 * 10);
	assert_cases_passed(failed);
}

/* ---- what loading and the check accept and refuse ---- */

typedef enum outcome { PASSES, CHECK_FAILS, LOAD_FAILS } outcome;

typedef struct load_case {
	const char *name;
	outcome want;
	const char *file; /* the file written next to en.po */
	const char *text; /* and its content */
	const char *say;  /* what the error (load's, else check's) says; '|' between parts */
} load_case;

/* A da catalog good but for the text of "hello" = h, or but for its header fields. */
#define DA_HELLO(h) DA(PO_MSG("hello", "Hello {who}", h) DA_WAIT DA_LEFT)
#define DA_LEFT2(f0, f1)                                                                           \
	DA(PO_MSG("hello", "Hello {who}", "Hej {who}")                                             \
	           DA_WAIT PO_PLURAL("left", "{n} try left", "{n} tries left", f0 f1))
#define DA_HEAD(fields)                                                                            \
	"msgid \"\"\nmsgstr \"\"\n\"Content-Type: text/plain; charset=UTF-8\\n\"\n" fields         \
	"\n" PO_MSG("lang.name", "English", "Dansk") DA_MSGS
#define F_LANG(v) "\"Language: " v "\\n\"\n"
#define F_PF(v)   "\"Plural-Forms: " v "\\n\"\n"
#define F_NAME(v) "\"X-Ankomst-Name: " v "\\n\"\n"
#define F_DIR(v)  "\"X-Ankomst-Direction: " v "\\n\"\n"
#define AR_MSGS                                                                                    \
	PO_MSG("lang.name", "English", "العربية")                                                  \
	PO_MSG("hello", "Hello {who}", "مرحباً {who}")                                              \
	PO_MSG("ticket.wait", "{ahead} ahead, {minutes} min", "قبلك {ahead}، {minutes} دقيقة")     \
	PO_PLURAL("left", "{n} try left", "{n} tries left",                                        \
	          PO_FORM(0, "لا محاولات {n}") PO_FORM(1, "محاولة {n}") PO_FORM(2, "محاولتان {n}") \
	                  PO_FORM(3, "{n} محاولات") PO_FORM(4, "{n} محاولة")                       \
	                          PO_FORM(5, "{n} محاولة"))

static const load_case load_cases[] = {
        /* accepted */
        {"good", PASSES, "da.po", DA(DA_MSGS), NULL},
        {"placeholders in another order", PASSES, "da.po",
         DA(PO_MSG("hello", "Hello {who}", "Hej {who}")
                    PO_MSG("ticket.wait", "{ahead} ahead, {minutes} min",
                           "{minutes} min, {ahead} foran") DA_LEFT),
         NULL},
        {"placeholder used twice", PASSES, "da.po", DA_HELLO("Hej {who}, {who}"), NULL},
        {"line breaks in a text", PASSES, "da.po", DA_HELLO("Hej {who}\\nvelkommen\\n\\nigen"),
         NULL},
        {"a text over several PO lines", PASSES, "da.po",
         DA("msgctxt \"hello\"\nmsgid \"Hello {who}\"\nmsgstr \"\"\n\"Hej \"\n\"{who}\"\n\n" DA_WAIT
                    DA_LEFT),
         NULL},
        {"rtl catalog with six plural forms", PASSES, "ar.po",
         PO_HEADER("ar", PF_AR, "العربية", "rtl") AR_MSGS, NULL},
        {"texts marked fuzzy", PASSES, "da.po",
         DA(PO_FUZZY("hello", "Hello {who}", "Hej {who}") DA_WAIT "#, fuzzy\n" DA_LEFT), NULL},
        {"translator comments, references and flags", PASSES, "da.po",
         DA("# translator: Lis\n#. Kiosk, welcome screen. About 16 characters.\n"
            "#: kiosk/screens/welcome.c:40\n#, no-c-format\n" PO_MSG("hello", "Hello {who}",
                                                                     "Hej {who}") DA_WAIT DA_LEFT),
         NULL},
        {"an obsolete entry msgmerge kept", PASSES, "da.po",
         DA(DA_MSGS "#~ msgctxt \"bye\"\n#~ msgid \"Bye\"\n#~ msgstr \"Farvel\"\n"), NULL},
        {"header fields in another order", PASSES, "da.po",
         DA_HEAD(F_DIR("ltr") F_NAME("Dansk") F_PF(PF_2) F_LANG("da")), NULL},
        /* loaded, but the parity check fails */
        {"missing key", CHECK_FAILS, "da.po",
         DA(PO_MSG("hello", "Hello {who}", "Hej {who}") DA_LEFT),
         "da: key \"ticket.wait\": missing"},
        {"key not in en", CHECK_FAILS, "da.po", DA(DA_MSGS PO_MSG("bye", "Bye", "Farvel")),
         "da: key \"bye\": not in en"},
        {"placeholder renamed", CHECK_FAILS, "da.po", DA_HELLO("Hej {hvem}"),
         "da: key \"hello\"|{who}"},
        {"placeholder dropped", CHECK_FAILS, "da.po", DA_HELLO("Hej"), "da: key \"hello\"|{who}"},
        {"placeholder added", CHECK_FAILS, "da.po", DA_HELLO("Hej {who} {hours}"),
         "da: key \"hello\"|{hours}"},
        {"several problems counted", CHECK_FAILS, "da.po",
         DA(PO_MSG("hello", "Hello {who}", "Hej") DA_LEFT), "da: key \"hello\"|2 problems in all"},
        {"placeholder missing in one plural form", CHECK_FAILS, "da.po",
         DA_LEFT2(PO_FORM(0, "et forsøg tilbage"), PO_FORM(1, "{n} forsøg tilbage")),
         "da: key \"left\"|lacks placeholder {n}"},
        {"a plain text where en has plural forms", CHECK_FAILS, "da.po",
         DA(PO_MSG("hello", "Hello {who}", "Hej {who}")
                    DA_WAIT PO_MSG("left", "{n} try left", "{n} forsøg tilbage")),
         "da: key \"left\"|needs plural forms"},
        {"plural forms where en has a plain text", CHECK_FAILS, "da.po",
         DA(PO_PLURAL("hello", "Hello {who}", "Hello {who}",
                      PO_FORM(0, "Hej {who}") PO_FORM(1, "Hej {who}")) DA_WAIT DA_LEFT),
         "da: key \"hello\"|has plural forms"},
        /* refused by the loader: the file */
        {"syntax error names the line", LOAD_FAILS, "da.po",
         DA(PO_MSG("hello", "Hello {who}",
                   "Hej {who}") "msgtxt \"ticket.wait\"\nmsgid \"{ahead}\"\n"
                                "msgstr \"{ahead} {minutes}\"\n\n" DA_LEFT),
         "da.po:17:|msgtxt|nothing loaded"},
        /* gettext names the line after a string's end of line, as msgfmt does. */
        {"unterminated string", LOAD_FAILS, "da.po", DA_HELLO("Hej {who}\nmsgstr \"x"),
         "da.po:16:|end-of-line within string"},
        {"JSON, the old format", LOAD_FAILS, "da.po",
         "{\"language\": \"da\", \"messages\": {\"hello\": \"Hej {who}\"}}", "da.po:1:"},
        {"empty file", LOAD_FAILS, "da.po", "", "da.po|no header"},
        {"no header", LOAD_FAILS, "da.po", PO_MSG("lang.name", "English", "Dansk") DA_MSGS,
         "da.po|no header"},
        {"only a header", LOAD_FAILS, "da.po", PO_HEADER("da", PF_2, "Dansk", "ltr"),
         "da.po|no texts"},
        {"file name not a language code", LOAD_FAILS, "dansk.po", DA(DA_MSGS),
         "dansk.po|language code"},
        {"file name in capitals", LOAD_FAILS, "DA.po", DA(DA_MSGS), "DA.po|language code"},
        {"invalid UTF-8", LOAD_FAILS, "da.po", DA_HELLO("Hej \xff {who}"),
         "da.po:15:|invalid multibyte"},
        {"overlong UTF-8", LOAD_FAILS, "da.po", DA_HELLO("Hej \xc0\xaf {who}"),
         "da.po:15:|invalid multibyte"},
        /* the header */
        {"Language missing", LOAD_FAILS, "da.po", DA_HEAD(F_PF(PF_2) F_NAME("Dansk") F_DIR("ltr")),
         "da.po|\"Language: da\""},
        {"Language differs from the file name", LOAD_FAILS, "da.po",
         DA_HEAD(F_LANG("de") F_PF(PF_2) F_NAME("Dansk") F_DIR("ltr")), "da.po|\"Language: da\""},
        {"Language with a country", LOAD_FAILS, "da.po",
         DA_HEAD(F_LANG("da_DK") F_PF(PF_2) F_NAME("Dansk") F_DIR("ltr")),
         "da.po|\"Language: da\""},
        {"X-Ankomst-Name missing", LOAD_FAILS, "da.po",
         DA_HEAD(F_LANG("da") F_PF(PF_2) F_DIR("ltr")), "da.po|X-Ankomst-Name"},
        {"X-Ankomst-Name empty", LOAD_FAILS, "da.po",
         DA_HEAD(F_LANG("da") F_PF(PF_2) F_NAME("") F_DIR("ltr")), "da.po|X-Ankomst-Name"},
        {"X-Ankomst-Name differs from lang.name", LOAD_FAILS, "da.po",
         DA_HEAD(F_LANG("da") F_PF(PF_2) F_NAME("Danish") F_DIR("ltr")), "da.po|lang.name"},
        {"bad direction", LOAD_FAILS, "da.po",
         DA_HEAD(F_LANG("da") F_PF(PF_2) F_NAME("Dansk") F_DIR("right")),
         "da.po|X-Ankomst-Direction"},
        {"direction missing", LOAD_FAILS, "da.po", DA_HEAD(F_LANG("da") F_PF(PF_2) F_NAME("Dansk")),
         "da.po|X-Ankomst-Direction"},
        {"Plural-Forms missing", LOAD_FAILS, "da.po",
         DA_HEAD(F_LANG("da") F_NAME("Dansk") F_DIR("ltr")), "da.po|Plural-Forms|nplurals=2"},
        {"da with nplurals=3", LOAD_FAILS, "da.po",
         DA_HEAD(F_LANG("da") F_PF("nplurals=3; plural=(n==0 ? 0 : n==1 ? 1 : 2);") F_NAME("Dansk")
                         F_DIR("ltr")),
         "da.po|nplurals=2|CLDR"},
        {"pl with gettext's usual three forms", LOAD_FAILS, "pl.po",
         PO_HEADER("pl",
                   "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || "
                   "n%100>=20) ? 1 : 2);",
                   "Polski", "ltr") PO_MSG("lang.name", "English", "Polski"),
         "pl.po|nplurals=4|CLDR"},
        {"ar with nplurals=2", LOAD_FAILS, "ar.po", PO_HEADER("ar", PF_2, "العربية", "rtl") AR_MSGS,
         "ar.po|nplurals=6"},
        /* the entries */
        {"too few plural forms", LOAD_FAILS, "da.po",
         DA_LEFT2(PO_FORM(0, "{n} forsøg tilbage"), ""), "da.po|\"left\"|fewer plural forms"},
        {"too many plural forms", LOAD_FAILS, "da.po",
         DA_LEFT2(PO_FORM(0, "{n} forsøg tilbage") PO_FORM(1, "{n} forsøg tilbage"),
                  PO_FORM(2, "{n} forsøg tilbage")),
         "da.po|\"left\"|more plural forms"},
        {"an empty plural form", LOAD_FAILS, "da.po",
         DA_LEFT2(PO_FORM(0, "{n} forsøg tilbage"), PO_FORM(1, "")), "da.po|\"left\"|empty"},
        {"entry without msgctxt", LOAD_FAILS, "da.po",
         DA(DA_MSGS "msgid \"Bye\"\nmsgstr \"Farvel\"\n"), "da.po: entry \"Bye\": msgctxt"},
        {"a long msgid without msgctxt, cut before a letter", LOAD_FAILS, "da.po",
         DA(DA_MSGS "msgid \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaøl\"\nmsgstr \"x\"\n"),
         "entry \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\": msgctxt"},
        {"bad key", LOAD_FAILS, "da.po", DA(DA_MSGS PO_MSG("Hello World", "Hi", "Hej")),
         "da.po|msgctxt must be its key"},
        {"the same key twice", LOAD_FAILS, "da.po",
         DA(DA_MSGS PO_MSG("hello", "Hello again {who}", "Goddag {who}")),
         "da.po|key \"hello\" twice"},
        {"the same entry twice", LOAD_FAILS, "da.po",
         DA(DA_MSGS PO_MSG("hello", "Hello {who}", "Goddag {who}")),
         "da.po:28:|duplicate message definition"},
        /* the text rules */
        {"control character", LOAD_FAILS, "da.po", DA_HELLO("Hej\\033[2J {who}"),
         "da.po|\"hello\"|control"},
        {"control character on a later line", LOAD_FAILS, "da.po", DA_HELLO("Hej\\n{who}\\n\\a"),
         "da.po|\"hello\"|control"},
        {"CRLF line break", LOAD_FAILS, "da.po", DA_HELLO("Hej\\r\\n{who}"),
         "da.po|\"hello\"|control"},
        {"tab", LOAD_FAILS, "da.po", DA_HELLO("Hej\\t{who}"), "da.po|\"hello\""},
        {"bidi override", LOAD_FAILS, "da.po", DA_HELLO("Hej \xe2\x80\xae{who}"),
         "da.po|\"hello\"|bidi"},
        {"bidi isolate", LOAD_FAILS, "da.po", DA_HELLO("Hej \xe2\x81\xa6{who}\xe2\x81\xa9"),
         "da.po|\"hello\"|bidi"},
        {"bidi control in a plural form", LOAD_FAILS, "da.po",
         DA_LEFT2(PO_FORM(0, "{n} forsøg"), PO_FORM(1, "\xe2\x80\xab{n} forsøg")),
         "da.po|\"left\"|bidi"},
        /* NUL cannot be written in a PO string: the reader ends the text there. */
        {"broken placeholder", LOAD_FAILS, "da.po", DA_HELLO("Hej { who}"), "da.po|\"hello\"|'{'"},
        {"unclosed placeholder", LOAD_FAILS, "da.po", DA_HELLO("Hej {who"), "da.po|\"hello\"|'{'"},
        {"stray closing brace", LOAD_FAILS, "da.po", DA_HELLO("Hej {who} :}"),
         "da.po|\"hello\"|'}'"},
        {"uppercase placeholder", LOAD_FAILS, "da.po", DA_HELLO("Hej {Who}"), "da.po|\"hello\""},
        {"broken placeholder in a plural form", LOAD_FAILS, "da.po",
         DA_LEFT2(PO_FORM(0, "{n} forsøg"), PO_FORM(1, "{n forsøg")), "da.po|\"left\"|'{'"},
        {"empty text (untranslated)", LOAD_FAILS, "da.po", DA_HELLO(""), "da.po|\"hello\"|empty"},
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

/* Runs one case in a fresh directory with a good en.po. */
static void run_load_case(const load_case *c, int *failed)
{
	char dir[64];
	dir_new(dir);
	put_text(dir, "en.po", EN);
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

/* A text over several PO lines is one text; "\n" in a PO string is a line break. */
static void test_po_strings(void **state)
{
	(void)state;
	char dir[64];
	dir_new(dir);
	put_text(dir, "en.po", EN);
	put_text(
	        dir, "da.po",
	        DA("msgctxt \"hello\"\nmsgid \"Hello {who}\"\nmsgstr \"\"\n\"Hej \"\n\"{who}\\n\"\n"
	           "\"og \\\"velkommen\\\"\"\n\n" DA_WAIT DA_LEFT));
	ank_i18n *i = load_ok(dir);
	assert_string_equal(ank_i18n_get(i, "da", "hello"), "Hej {who}\nog \"velkommen\"");
	ank_i18n_free(i);
	dir_remove(dir);
}

/* en is the reference: it must be there, and as the source no text of it is fuzzy. */
static void test_en_required(void **state)
{
	(void)state;
	char dir[64];
	dir_new(dir);
	put_text(dir, "da.po", DA(DA_MSGS));
	ank_i18n *i = NULL;
	ank_err err = {{0}};
	assert_int_equal(ank_i18n_load(dir, &i, &err), -1);
	assert_null(i);
	assert_true(says(err.msg, "en.po|missing|reference|nothing loaded"));
	put_text(dir, "en.po",
	         PO_HEADER("en", PF_2, "English", "ltr") PO_MSG("lang.name", "English", "English")
	                 PO_FUZZY("hello", "Hello {who}", "Hello {who}")
	                         PO_MSG("ticket.wait", "{ahead} ahead, {minutes} min",
	                                "{ahead} ahead, {minutes} min") EN_LEFT);
	assert_int_equal(ank_i18n_load(dir, &i, &err), -1);
	assert_true(says(err.msg, "en.po|source language|fuzzy"));
	put_text(dir, "en.po", EN);
	i = load_ok(dir);
	assert_string_equal(ank_i18n_review(i, "en"), "source");
	ank_i18n_free(i);
	dir_remove(dir);
}

/* The review state is per text: a fuzzy text is counted and named, and shown all the same. */
static void test_review_state(void **state)
{
	(void)state;
	char dir[64];
	dir_new(dir);
	put_text(dir, "en.po", EN);
	put_text(dir, "da.po",
	         DA(PO_FUZZY("hello", "Hello {who}", "Hej {who}") DA_WAIT "#, fuzzy\n" DA_LEFT));
	ank_i18n *i = load_ok(dir);
	assert_string_equal(ank_i18n_review(i, "da"), "unreviewed");
	assert_true(ank_i18n_fuzzy(i, "da", "hello"));
	assert_true(ank_i18n_fuzzy(i, "da", "left"));
	assert_false(ank_i18n_fuzzy(i, "da", "ticket.wait"));
	assert_false(ank_i18n_fuzzy(i, "da", "lang.name"));
	assert_false(ank_i18n_fuzzy(i, "da", "no.such"));
	assert_false(ank_i18n_fuzzy(i, "da", NULL));
	assert_false(ank_i18n_fuzzy(i, "en", "hello"));
	assert_false(ank_i18n_fuzzy(i, "sv", "hello"));
	assert_string_equal(ank_i18n_get(i, "da", "hello"), "Hej {who}");
	int pending = -1, total = -1;
	assert_int_equal(ank_i18n_review_counts(i, "da", &pending, &total), 0);
	assert_int_equal(pending, 2);
	assert_int_equal(total, 4);
	assert_int_equal(ank_i18n_review_counts(i, "sv", &pending, &total), -1);
	ank_i18n_free(i);
	/* Every text approved: the language is native-reviewed. */
	put_text(dir, "da.po", DA(DA_MSGS));
	i = load_ok(dir);
	assert_string_equal(ank_i18n_review(i, "da"), "native-reviewed");
	assert_int_equal(ank_i18n_review_counts(i, "da", &pending, &total), 0);
	assert_int_equal(pending, 0);
	ank_i18n_free(i);
	dir_remove(dir);
}

/* Writes da.po with "hello" of exactly `len` bytes (placeholder included). */
static void put_da_hello(const char *dir, size_t len)
{
	static char text[ANK_I18N_MAX_MESSAGE_BYTES * 2];
	static char hello[ANK_I18N_MAX_MESSAGE_BYTES * 2];
	assert_true(len >= 5 && len < sizeof hello);
	memset(hello, 'a', len);
	memcpy(hello, "{who}", 5);
	hello[len] = '\0';
	int w = snprintf(text, sizeof text, DA_HELLO("%s"), hello);
	assert_true(w > 0 && (size_t)w < sizeof text);
	put_text(dir, "da.po", text);
}

static void test_limits(void **state)
{
	(void)state;
	char dir[64];
	dir_new(dir);
	put_text(dir, "en.po", EN);
	ank_i18n *i = NULL;
	ank_err err = {{0}};

	/* Message length: the limit itself loads, one byte more does not. */
	put_da_hello(dir, ANK_I18N_MAX_MESSAGE_BYTES);
	i = load_ok(dir);
	assert_int_equal(strlen(ank_i18n_get(i, "da", "hello")), ANK_I18N_MAX_MESSAGE_BYTES);
	ank_i18n_free(i);
	put_da_hello(dir, ANK_I18N_MAX_MESSAGE_BYTES + 1);
	assert_int_equal(ank_i18n_load(dir, &i, &err), -1);
	assert_null(i);
	assert_true(says(err.msg, "da.po|\"hello\"|longer than 2048"));

	/* File size: a valid catalog padded with blank lines to the limit loads, one more
	 * byte is refused before parsing. */
	static char big[ANK_I18N_MAX_FILE_BYTES + 1];
	const char *da = DA(DA_MSGS);
	memset(big, '\n', sizeof big);
	memcpy(big, da, strlen(da));
	put_file(dir, "da.po", big, ANK_I18N_MAX_FILE_BYTES);
	i = load_ok(dir);
	ank_i18n_free(i);
	put_file(dir, "da.po", big, ANK_I18N_MAX_FILE_BYTES + 1);
	assert_int_equal(ank_i18n_load(dir, &i, &err), -1);
	assert_true(says(err.msg, "da.po|limit"));
	dir_remove(dir);

	/* Languages: en and 31 more load; a 33rd is refused. Each with the forms CLDR gives
	 * its code (most of aa..bf have only "other"; ar six, be four). */
	dir_new(dir);
	put_text(dir, "en.po", EN);
	static const char *const forms[ANK_I18N_MAX_PLURALS] = {"{n}", "{n}", "{n}",
	                                                        "{n}", "{n}", "{n}"};
	for (int k = 0; k < ANK_I18N_MAX_LANGS; k++) {
		char code[4] = {(char)('a' + k / 26), (char)('a' + k % 26), '\0', '\0'};
		int n = cldr_count(code);
		char pf[64];
		snprintf(pf, sizeof pf, "nplurals=%d; plural=0;", n);
		put_plural_catalog(dir, code, pf, "X", forms, n);
		if (k == ANK_I18N_MAX_LANGS - 2) { /* aa..be: en and 31 others */
			i = load_ok(dir);
			assert_int_equal(ank_i18n_count(i), ANK_I18N_MAX_LANGS);
			if (ank_i18n_check(i, &err))
				fail_msg("%s", err.msg);
			assert_int_equal(ank_i18n_plurals(i, "ar", NULL), 6);
			ank_i18n_free(i);
		}
	}
	assert_int_equal(ank_i18n_load(dir, &i, &err), -1);
	assert_non_null(strstr(err.msg, "more than 32"));
	dir_remove(dir);
}

/* Hidden files and other file types are not catalogs: an editor's lock file or backup next
 * to da.po, or an old JSON catalog, must not stop the kiosk. */
static void test_ignored_files(void **state)
{
	(void)state;
	char dir[64];
	dir_new(dir);
	put_text(dir, "en.po", EN);
	put_text(dir, "da.po", DA(DA_MSGS));
	put_text(dir, ".#da.po", "not a catalog");
	put_text(dir, "README.md", "# i18n");
	put_text(dir, "da.po~", "msgid \"");
	put_text(dir, "da.json", "{\"language\": \"da\"}");
	put_text(dir, "da.mo", "\xde\x12\x04\x95");
	ank_i18n *i = load_ok(dir);
	assert_int_equal(ank_i18n_count(i), 2);
	ank_i18n_free(i);
	dir_remove(dir);
	/* A directory that does not exist is an error, not an empty set. */
	ank_err err = {{0}};
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
	put_text(dir, "en.po",
	         PO_HEADER("en", PF_2, "English", "ltr") PO_MSG("lang.name", "English", "English")
	                 PO_MSG("a", "en a", "en a") PO_MSG("b", "en b", "en b") PO_MSG("c", "en c",
	                                                                                "en c")
	                         PO_PLURAL("p", "one {n}", "other {n}",
	                                   PO_FORM(0, "en one {n}") PO_FORM(1, "en other {n}")));
	put_text(dir, "da.po",
	         DA(PO_MSG("a", "en a", "da a") PO_MSG("b", "en b", "da b")
	                    PO_PLURAL("p", "one {n}", "other {n}",
	                              PO_FORM(0, "da one {n}") PO_FORM(1, "da other {n}"))));
	put_text(dir, "ar.po",
	         PO_HEADER("ar", PF_AR, "العربية", "rtl") PO_MSG("lang.name", "English", "العربية")
	                 PO_MSG("a", "en a", "ar a"));
	ank_i18n *i = load_ok(dir);
	static const struct {
		const char *lang, *key, *expect;
	} cases[] = {
	        {"ar", "a", "ar a"},          {"ar", "b", "da b"}, /* ar lacks b: da */
	        {"ar", "c", "en c"},                               /* ar and da lack c: en */
	        {"ar", "zz.none", "zz.none"},                      /* nobody has it: the key */
	        {"da", "c", "en c"},          {"en", "b", "en b"}, /* en never falls back to da */
	        {"fr", "a", "da a"},                               /* not loaded: da */
	        {NULL, "b", "da b"},          {"", "c", "en c"},
	        {"da", "p", "da other {n}"}, /* a plural text without a number: "other" */
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
	/* A plural text from the fallback is chosen by the rules of the catalog it comes
	 * from: ar lacks "p", so da's rules pick for 0, 2 and 11 ("zero", "two", "many" in
	 * Arabic, "other" in Danish). */
	assert_string_equal(ank_i18n_get_n(i, "ar", "p", 0), "da other {n}");
	assert_string_equal(ank_i18n_get_n(i, "ar", "p", 1), "da one {n}");
	assert_string_equal(ank_i18n_get_n(i, "ar", "p", 2), "da other {n}");
	assert_string_equal(ank_i18n_get_n(i, "ar", "p", 11), "da other {n}");
	/* A plain text is the same for every number; a missing key is the key. */
	assert_string_equal(ank_i18n_get_n(i, "ar", "a", 3), "ar a");
	assert_string_equal(ank_i18n_get_n(i, "ar", "zz.none", 3), "zz.none");
	assert_string_equal(ank_i18n_get_n(i, "ar", NULL, 3), "");
	/* The key itself is returned, not a copy; a NULL key gives "", never NULL. */
	const char *key = "zz.none";
	assert_ptr_equal(ank_i18n_get(i, "ar", key), key);
	assert_string_equal(ank_i18n_get(i, "ar", NULL), "");
	assert_string_equal(ank_i18n_get(NULL, "da", "a"), "a");
	/* The check sees what the fallback hides. */
	ank_err err = {{0}};
	assert_int_equal(ank_i18n_check(i, &err), -1);
	assert_non_null(strstr(err.msg, "ar: key \"b\""));
	assert_true(ank_i18n_rtl(i, "ar"));
	assert_false(ank_i18n_rtl(i, "da"));
	assert_false(ank_i18n_rtl(i, "fr"));
	assert_null(ank_i18n_review(i, "fr"));
	assert_null(ank_i18n_review(i, NULL));
	assert_null(ank_i18n_plural_category(i, "fr", 1));
	assert_int_equal(ank_i18n_plurals(i, "fr", NULL), 0);
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
        {"a plural text without a number: other", "left", {"n", "3", NULL}, 64, "3 tries left", 0},
};

static void test_format_golden(void **state)
{
	(void)state;
	char dir[64];
	dir_new(dir);
	put_text(dir, "en.po",
	         PO_HEADER("en", PF_2, "English", "ltr") PO_MSG("lang.name", "English", "English")
	                 PO_MSG("wait", "{ahead} ahead, {minutes} min",
	                        "{ahead} ahead, {minutes} min")
	                         PO_MSG("two", "Hi {who} and {other}", "Hi {who} and {other}")
	                                 PO_MSG("twice", "{x}-{x}", "{x}-{x}") PO_MSG(
	                                         "plain", "Nothing to fill", "Nothing to fill")
	                                         PO_MSG("ar", "قبلك {ahead}", "قبلك {ahead}")
	                                                 EN_LEFT);
	ank_i18n *i = load_ok(dir);
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
	/* With a number, the form of its category, filled and cut like any text. */
	char out[32];
	const char *args[] = {"n", "1", NULL};
	assert_int_equal(ank_i18n_format_n(i, "en", "left", 1, out, sizeof out, args), 0);
	assert_string_equal(out, "1 try left");
	args[1] = "0";
	assert_int_equal(ank_i18n_format_n(i, "en", "left", 0, out, sizeof out, args), 0);
	assert_string_equal(out, "0 tries left");
	assert_int_equal(ank_i18n_format_n(i, "en", "left", 0, out, 6, args), -1);
	assert_string_equal(out, "0 tri");
	assert_int_equal(ank_i18n_format_n(i, "en", "plain", 1, out, sizeof out, NULL), 0);
	assert_string_equal(out, "Nothing to fill");
	ank_i18n_free(i);
	dir_remove(dir);
}

/* ---- plural forms by CLDR's rules ---- */

/* Catalogs whose plural text "left" names each form's category, so the form shown says
 * which category ICU chose. */
static const struct {
	const char *code, *pf;
	const char *categories[ANK_I18N_MAX_PLURALS];
} plural_langs[] = {
        {"ar", PF_AR, {"zero", "one", "two", "few", "many", "other"}},
        {"da", PF_2, {"one", "other"}},
        {"en", PF_2, {"one", "other"}},
        {"lt", PF_LT, {"one", "few", "many", "other"}},
        {"pl", PF_PL, {"one", "few", "many", "other"}},
        {"ro", PF_RO, {"one", "few", "other"}},
        {"ru", PF_RU, {"one", "few", "many", "other"}},
};

/* CLDR's sample numbers (cldr/common/supplemental/plurals.xml) and their categories. */
static const struct {
	const char *lang;
	long n;
	const char *category;
} plural_samples[] = {
        {"ar", 0, "zero"},    {"ar", 1, "one"},    {"ar", 2, "two"},    {"ar", 3, "few"},
        {"ar", 10, "few"},    {"ar", 11, "many"},  {"ar", 99, "many"},  {"ar", 100, "other"},
        {"ar", 102, "other"}, {"ar", 103, "few"},  {"pl", 0, "many"},   {"pl", 1, "one"},
        {"pl", 2, "few"},     {"pl", 4, "few"},    {"pl", 5, "many"},   {"pl", 12, "many"},
        {"pl", 22, "few"},    {"pl", 25, "many"},  {"ru", 0, "many"},   {"ru", 1, "one"},
        {"ru", 2, "few"},     {"ru", 5, "many"},   {"ru", 11, "many"},  {"ru", 21, "one"},
        {"ru", 22, "few"},    {"lt", 1, "one"},    {"lt", 2, "few"},    {"lt", 9, "few"},
        {"lt", 10, "other"},  {"lt", 11, "other"}, {"lt", 21, "one"},   {"ro", 0, "few"},
        {"ro", 1, "one"},     {"ro", 2, "few"},    {"ro", 19, "few"},   {"ro", 20, "other"},
        {"da", 0, "other"},   {"da", 1, "one"},    {"da", 2, "other"},  {"en", 0, "other"},
        {"en", 1, "one"},     {"en", 2, "other"},  {"en", 21, "other"},
};

static void test_plural_samples(void **state)
{
	(void)state;
	char dir[64];
	dir_new(dir);
	for (size_t l = 0; l < COUNT_OF(plural_langs); l++) {
		const char *forms[ANK_I18N_MAX_PLURALS];
		char buf[ANK_I18N_MAX_PLURALS][24];
		int n = 0;
		for (; n < ANK_I18N_MAX_PLURALS && plural_langs[l].categories[n]; n++) {
			snprintf(buf[n], sizeof buf[n], "%s {n}", plural_langs[l].categories[n]);
			forms[n] = buf[n];
		}
		put_plural_catalog(dir, plural_langs[l].code, plural_langs[l].pf,
		                   plural_langs[l].code, forms, n);
	}
	ank_i18n *i = load_ok(dir);
	ank_err err = {{0}};
	if (ank_i18n_check(i, &err))
		fail_msg("%s", err.msg);
	int failed = 0;
	/* Each language has CLDR's categories, in CLDR's order. */
	for (size_t l = 0; l < COUNT_OF(plural_langs); l++) {
		const char *cats[ANK_I18N_MAX_PLURALS] = {NULL};
		int n = ank_i18n_plurals(i, plural_langs[l].code, cats);
		for (int k = 0; k < ANK_I18N_MAX_PLURALS; k++) {
			const char *want = plural_langs[l].categories[k];
			if ((k < n) != (want != NULL) || (want && strcmp(cats[k], want) != 0))
				case_fail(&failed, "%s: category %d is %s, CLDR has %s",
				          plural_langs[l].code, k, k < n ? cats[k] : "none",
				          want ? want : "none");
		}
	}
	for (size_t s = 0; s < COUNT_OF(plural_samples); s++) {
		const char *lang = plural_samples[s].lang, *want = plural_samples[s].category;
		long n = plural_samples[s].n;
		const char *got = ank_i18n_plural_category(i, lang, n);
		if (!got || strcmp(got, want) != 0)
			case_fail(&failed, "%s %ld: category %s, CLDR says %s", lang, n,
			          got ? got : "NULL", want);
		char expect[32], out[32], num[24];
		snprintf(expect, sizeof expect, "%s %ld", want, n);
		snprintf(num, sizeof num, "%ld", n);
		const char *args[] = {"n", num, NULL};
		if (ank_i18n_format_n(i, lang, "left", n, out, sizeof out, args) ||
		    strcmp(out, expect) != 0)
			case_fail(&failed, "%s %ld: '%s', expected '%s'", lang, n, out, expect);
		snprintf(expect, sizeof expect, "%s {n}", want);
		if (strcmp(ank_i18n_get_n(i, lang, "left", n), expect) != 0)
			case_fail(&failed, "%s %ld: get_n '%s'", lang, n,
			          ank_i18n_get_n(i, lang, "left", n));
	}
	assert_cases_passed(failed);
	ank_i18n_free(i);
	dir_remove(dir);
}

/* ---- the catalog as the browser gets it ---- */

static void test_catalog_json(void **state)
{
	(void)state;
	char dir[64];
	dir_new(dir);
	put_text(dir, "en.po", EN);
	put_text(dir, "da.po",
	         DA(PO_FUZZY("hello", "Hello {who}", "Hej {who}") DA_WAIT "#, fuzzy\n" PO_PLURAL(
	                 "left", "{n} try left", "{n} tries left",
	                 PO_FORM(0, "{n} forsøg tilbage") PO_FORM(1, "{n} forsøg mere"))));
	put_text(dir, "ar.po", PO_HEADER("ar", PF_AR, "العربية", "rtl") AR_MSGS);
	ank_i18n *i = load_ok(dir);
	assert_int_equal(ank_i18n_count(i), 3);
	assert_string_equal(ank_i18n_code(i, 1), "da");
	json_t *da = ank_i18n_catalog_json(i, 1);
	assert_non_null(da);
	json_t *want = json_pack(
	        "{s:i, s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s}, s:{s:{s:s, s:s}}, s:[s, s]}",
	        "v", 1, "lang", "da", "name", "Dansk", "direction", "ltr", "review", "unreviewed",
	        "messages", "lang.name", "Dansk", "hello", "Hej {who}", "ticket.wait",
	        "{ahead} foran, {minutes} min", "left", "{n} forsøg mere", "plurals", "left", "one",
	        "{n} forsøg tilbage", "other", "{n} forsøg mere", "pending", "hello", "left");
	assert_non_null(want);
	/* The pending list is a set: compare it sorted. */
	json_t *pending = json_object_get(da, "pending");
	assert_int_equal(json_array_size(pending), 2);
	if (strcmp(json_string_value(json_array_get(pending, 0)), "left") == 0) {
		json_t *first = json_incref(json_array_get(pending, 0));
		json_array_remove(pending, 0);
		json_array_append_new(pending, first);
	}
	if (!json_equal(da, want)) {
		char *got = json_dumps(da, JSON_SORT_KEYS);
		fail_msg("da as JSON: %s", got);
	}
	json_decref(want);
	json_decref(da);
	/* Arabic: six forms by category, right to left, no text marked for review. */
	json_t *ar = ank_i18n_catalog_json(i, 0);
	assert_string_equal(json_string_value(json_object_get(ar, "direction")), "rtl");
	json_t *left = json_object_get(json_object_get(ar, "plurals"), "left");
	assert_int_equal(json_object_size(left), 6);
	assert_string_equal(json_string_value(json_object_get(left, "zero")), "لا محاولات {n}");
	assert_string_equal(json_string_value(json_object_get(left, "two")), "محاولتان {n}");
	assert_string_equal(json_string_value(json_object_get(left, "few")), "{n} محاولات");
	assert_string_equal(json_string_value(json_object_get(ar, "review")), "native-reviewed");
	assert_int_equal(json_array_size(json_object_get(ar, "pending")), 0);
	json_decref(ar);
	/* en: the source, nothing pending. */
	json_t *en = ank_i18n_catalog_json(i, 2);
	assert_string_equal(json_string_value(json_object_get(en, "review")), "source");
	assert_int_equal(json_object_size(json_object_get(en, "messages")), 4);
	assert_int_equal(json_object_size(json_object_get(en, "plurals")), 1);
	json_decref(en);
	assert_null(ank_i18n_catalog_json(i, 3));
	assert_null(ank_i18n_catalog_json(i, -1));
	assert_null(ank_i18n_catalog_json(NULL, 0));
	ank_i18n_free(i);
	dir_remove(dir);
}

/* ---- reload ---- */

static void test_reload(void **state)
{
	(void)state;
	char dir[64];
	dir_new(dir);
	put_text(dir, "en.po", EN);
	put_text(dir, "da.po", DA(DA_MSGS));
	ank_i18n *i = load_ok(dir);
	ank_err err = {{0}};
	assert_string_equal(ank_i18n_get(i, "da", "hello"), "Hej {who}");

	/* A broken edit: the old texts stay, and the error names the file. */
	put_text(dir, "da.po", DA("msgctxt \"hello\"\nmsgid \"Hello {who}\"\nmsgstr \"Hej"));
	assert_int_equal(ank_i18n_reload(i, dir, &err), -1);
	assert_true(says(err.msg, "da.po|stay in use"));
	assert_string_equal(ank_i18n_get(i, "da", "hello"), "Hej {who}");
	assert_int_equal(ank_i18n_count(i), 2);

	/* A valid file that breaks a rule is refused the same way. */
	put_text(dir, "da.po", DA_HELLO("Hej\xe2\x80\xae{who}"));
	assert_int_equal(ank_i18n_reload(i, dir, &err), -1);
	assert_string_equal(ank_i18n_get(i, "da", "hello"), "Hej {who}");

	/* A good edit changes the text; a new file adds a language. */
	put_text(dir, "da.po", DA_HELLO("Goddag {who}"));
	put_text(dir, "ar.po", PO_HEADER("ar", PF_AR, "العربية", "rtl") AR_MSGS);
	if (ank_i18n_reload(i, dir, &err))
		fail_msg("%s", err.msg);
	assert_string_equal(ank_i18n_get(i, "da", "hello"), "Goddag {who}");
	assert_int_equal(ank_i18n_count(i), 3);
	assert_true(ank_i18n_rtl(i, "ar"));
	assert_string_equal(ank_i18n_get_n(i, "ar", "left", 2), "محاولتان {n}");
	assert_int_equal(ank_i18n_check(i, &err), 0);
	char out[64];
	const char *args[] = {"who", "Ann", NULL};
	assert_int_equal(ank_i18n_format(i, "da", "hello", out, sizeof out, args), 0);
	assert_string_equal(out, "Goddag Ann");
	ank_i18n_free(i);
	dir_remove(dir);
}

/* The kiosk reloads its catalogs whenever the files change, for months: a load and a reload
 * of the shipped catalogs give back all they take but what libgettextpo keeps of each file
 * (its copy of the file's path). Each catalog's keys and header, which the
 * library's own po_file_free does not free, would be some 7 KiB a file. */
static void test_reload_keeps_no_memory(void **state)
{
	(void)state;
	char dir[512];
	snprintf(dir, sizeof dir, "%s/i18n", test_source_dir());
	enum { rounds = 10 };
	size_t before = 0;
	int files = 0;
	for (int r = -2; r < rounds; r++) { /* two rounds first: ICU and jansson set up once */
		if (r == 0)
			before = heap_in_use();
		ank_i18n *i = load_ok(dir);
		ank_err err = {{0}};
		if (ank_i18n_reload(i, dir, &err))
			fail_msg("%s", err.msg);
		files = ank_i18n_count(i);
		ank_i18n_free(i);
	}
	size_t after = heap_in_use();
	size_t grown = after > before ? after - before : 0;
	size_t per_file = grown / (size_t)(2 * rounds * files);
	print_message("%d loads of %d files: %zu bytes kept, %zu a file\n", 2 * rounds, files,
	              grown, per_file);
	/* The name's copy, and room for the allocator's own bookkeeping. */
	if (per_file > strlen(dir) + 256)
		fail_msg("a catalog load keeps %zu bytes a file (%zu in all)", per_file, grown);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_shipped_catalogs),
	        cmocka_unit_test(test_shipped_keys),
	        cmocka_unit_test(test_shipped_words),
	        cmocka_unit_test(test_shipped_plurals),
	        cmocka_unit_test(test_load_golden),
	        cmocka_unit_test(test_po_strings),
	        cmocka_unit_test(test_en_required),
	        cmocka_unit_test(test_review_state),
	        cmocka_unit_test(test_limits),
	        cmocka_unit_test(test_ignored_files),
	        cmocka_unit_test(test_fallback),
	        cmocka_unit_test(test_format_golden),
	        cmocka_unit_test(test_plural_samples),
	        cmocka_unit_test(test_catalog_json),
	        cmocka_unit_test(test_reload),
	        cmocka_unit_test(test_reload_keeps_no_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
