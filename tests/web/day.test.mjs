// A whole day at the demo site through the browser: a staff member logs in, registers a new
// user, the user checks in at the real kiosk and the ticket is on the board within a second;
// it is called (from the keyboard only) and started; two sessions that started 25 and 35
// minutes ago (the kiosk's clock set back) show warn and alarm, the alarm is acknowledged and
// an overdose recorded from that station, sessions end, a no-show is requeued, a freeze
// blanks the waiting-room page calmly and resume brings it back; then central's report counts
// exactly those events. Staff of another site are refused on every page and action, and an
// alert text with markup stays text. Screenshots for the README come from here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { world, report, env, waitFor, axeCheck, screenshot, apiLogin, Kiosk, STAFF, SITE } from './lib.mjs';

// The demo site as the test needs it: staff call tickets themselves (no auto-call), a station
// is free again after a session (no cleaning step), and the drug alert holds markup that must
// stay text wherever it is shown.
const ALERT_DA = '<b>Pas på</b> <img src=x onerror=alert(1)> fentanyl i heroin';
function siteConfig(dir) {
	const ini = readFileSync(join(env.source, 'assets/demo/site.ini'), 'utf8')
		.replace(/^auto_call = true$/m, 'auto_call = false')
		.replace(/^clean_after_session = true$/m, 'clean_after_session = false')
		// The service day starts half a day from now, so that the sessions "35 minutes ago"
		// are of the same day as the rest whenever the test runs.
		.replace(/^day_starts = .*$/m, `day_starts = ${String((new Date().getUTCHours() + 13) % 24).padStart(2, '0')}:00`);
	const path = join(dir, 'site.ini');
	writeFileSync(path, `${ini}\n[alert]\nda = ${ALERT_DA}\nen = <i>Take care</i>: fentanyl\n`);
	return path;
}

const MIN = 60 * 1000;
let w, k, board, api;

before(async () => {
	w = await world();
	k = await new Kiosk(w.central).setup({ config: siteConfig(w.central.dir) });
	w.kiosk = k; // stopped by w.close()
	api = await apiLogin(w.url, STAFF.user, STAFF.password);
	board = await w.newPage();
	await w.login(board.page, STAFF.user, STAFF.password);
	await board.page.locator('[data-test=board]').waitFor();
});
after(async () => {
	if (w) await w.close();
});

const page = () => board.page;
const station = (id) => page().locator(`[data-station="${id}"]`);
const ticketRow = (label) => page().locator(`li[data-ticket="${label}"]`);

// The newest toast has reached a final state; returns it ("applied", "refused", …).
async function toastDone(what) {
	const toast = page().locator('[data-test=toast]').first();
	await waitFor(async () => ['applied', 'refused', 'saved', 'done', 'error'].includes(await toast.getAttribute('data-state')) ||
		!['sent', 'pending'].includes(await toast.getAttribute('data-state')), `the toast of ${what}`);
	return { state: await toast.getAttribute('data-state'), text: await toast.textContent() };
}
async function applied(what) {
	const r = await toastDone(what);
	assert.equal(r.state, 'applied', `${what}: ${r.text}`);
}

// Tabs (keyboard only) until the element has the focus; fails when it is not reachable.
async function tabTo(loc, what, max = 300) {
	const handle = await loc.elementHandle();
	for (let i = 0; i < max; i++) {
		if (await handle.evaluate((e) => e === document.activeElement)) return;
		await page().keyboard.press('Tab');
	}
	assert.fail(`${what} is not reachable with the Tab key`);
}

// Central's queue as the board reads it.
async function queue() {
	const r = await api.get(`/api/v1/sites/${SITE}/queue`);
	assert.equal(r.status, 200);
	return r.body;
}

let tove;
test('a new user is registered in the console and can check in at the kiosk within 5 s', async () => {
	const p = page();
	await p.keyboard.press('r'); // the registration shortcut
	const form = p.locator('[data-test=register]');
	await form.waitFor();
	await p.fill('#reg-nickname', 'Tove');
	await p.fill('#reg-birth', '1979');
	await p.check('#reg-g-female');
	await p.fill('#reg-muni', '101');
	await p.selectOption('#reg-lang', 'da');
	await p.check('#reg-consent');
	await axeCheck(p, 'the registration form');
	await p.evaluate(() => window.scrollTo(0, 0));
	await screenshot(p, 'console_register');
	const t0 = Date.now();
	await p.click('[data-test=reg-submit]');
	await k.waitUser('Tove', 5000);
	const took = Date.now() - t0;
	assert.ok(took <= 5000, `the kiosk knew the new user after ${took} ms`);
	// The same nickname again: before anything is stored, a warning with the birth year.
	await waitFor(async () => (await p.inputValue('#reg-nickname')) === '', 'the form to be reset');
	await p.fill('#reg-nickname', 'tove');
	await p.fill('#reg-birth', '1990');
	await p.check('#reg-g-female');
	await p.fill('#reg-muni', '101');
	await p.check('#reg-consent');
	await p.click('[data-test=reg-submit]');
	const taken = p.locator('[data-test=reg-taken]');
	await taken.waitFor({ state: 'visible' });
	assert.match(await taken.textContent(), /1979/);
	const users = await api.get('/api/v1/users?nickname=tove&exact=1');
	assert.equal(users.body.users.length, 1, 'one Tove at central');
	tove = users.body.users[0];
	assert.equal(tove.consent_version !== null, true, 'the consent version is stored');
});

let L1, toveAt, metteAt;
test("the kiosk's ticket is on the board within a second, then called by keyboard and started", async () => {
	const p = page();
	await p.evaluate(() => document.activeElement.blur()); // shortcuts wait while a field has the focus
	await p.keyboard.press('b'); // back to the board
	await p.locator('[data-test=board]').waitFor();
	({ label: L1 } = await k.checkIn('Tove', 'heroin', 'inject'));
	const t0 = Date.now(); // central holds the events now (checkIn waited for it)
	await ticketRow(L1).waitFor({ timeout: 5000 });
	const took = Date.now() - t0;
	assert.ok(took <= 1000, `ticket ${L1} reached the board ${took} ms after central stored it`);
	// Keyboard only: the shortcut calls the next ticket.
	await p.locator('body').press('n');
	await applied('call next (N)');
	await waitFor(async () => (await ticketRow(L1).getAttribute('data-state')) === 'called', `${L1} called`);
	const at = (await queue()).tickets.find((t) => t.label === L1).station;
	assert.ok(at, 'the called ticket has a station');
	toveAt = at;
	metteAt = ['1', '2'].find((x) => x !== at);
	// Start it with Tab and Enter only.
	await tabTo(station(at).locator('[data-cmd=start]'), 'the start button');
	await p.keyboard.press('Enter');
	await applied('start');
	await waitFor(async () => (await station(at).getAttribute('data-state')) === 'occupied', `station ${at} occupied`);
	await axeCheck(p, 'the board with a session');
});

let L2, L3;
test('sessions started 25 and 35 minutes ago show warn and alarm; the alarm is acknowledged', async () => {
	const p = page();
	// The kiosk's clock set back: check-in, call and start "then", at stations 2 and 3.
	k.setClock(Date.now() - 25 * MIN);
	({ label: L2 } = await k.checkIn('Mette', 'heroin', 'inject'));
	await k.cmd(['call_ticket', '--ticket', L2, '--station', metteAt]);
	await k.cmd(['start', '--ticket', L2]);
	k.setClock(Date.now() - 35 * MIN);
	({ label: L3 } = await k.checkIn('Karim', 'cocaine', 'smoke'));
	await k.cmd(['call_ticket', '--ticket', L3, '--station', '3']);
	await k.cmd(['start', '--ticket', L3]);
	k.offsetMs = null; // real time again
	await waitFor(async () => (await station(metteAt).getAttribute('data-level')) === 'warn', `station ${metteAt} at warn`);
	await waitFor(async () => (await station('3').getAttribute('data-level')) === 'alarm', 'station 3 at alarm');
	assert.match(await station('3').textContent(), /ALARM|ALARMERING|Alarm/i, 'the alarm says so in words too');
	await screenshot(p, 'console');
	await axeCheck(p, 'the board with an alarm');
	await station('3').locator('[data-test=ack]').click();
	const acked = station('3').locator('[data-test=acked]');
	await acked.waitFor();
	assert.match(await acked.textContent(), new RegExp(STAFF.user));
	const s3 = (await queue()).stations.find((s) => s.station === '3');
	assert.equal(s3.ack.level, 'alarm');
	assert.equal(s3.ack.by, STAFF.user);
	assert.ok(Math.abs(s3.ack.at_ms - Date.now()) < 60000, 'acknowledged now');
	// The other station's warning is still unacknowledged.
	assert.equal((await queue()).stations.find((s) => s.station === metteAt).ack, null);
});

test('an overdose is recorded from the alarming station in three taps, then its session ends', async () => {
	const p = page();
	await station('3').locator('[data-record=overdose]').click(); // 1
	const dialog = p.locator('[data-test=dialog]');
	await dialog.waitFor();
	assert.equal(await p.locator('#od-station').inputValue(), '3', 'the station is filled in');
	await dialog.locator('[data-toggle=naloxone]').click(); // 2
	await dialog.locator('[data-choice=recovered]').click(); // 3
	await waitFor(async () => !(await dialog.isVisible()), 'the dialog to close');
	await station('3').locator('[data-cmd=end]').click();
	await applied('end at station 3');
	await waitFor(async () => (await station('3').getAttribute('data-state')) === 'free', 'station 3 free');
});

let L4;
test('a no-show is requeued from the board', async () => {
	({ label: L4 } = await k.checkIn('Nanna', 'heroin', 'inject'));
	await ticketRow(L4).waitFor();
	await station('5').locator('[data-cmd=call_next]').click();
	await applied('call next at station 5');
	await waitFor(async () => (await ticketRow(L4).getAttribute('data-state')) === 'called', `${L4} called`);
	await ticketRow(L4).locator('[data-cmd=no_show]').click();
	await applied('no-show');
	await waitFor(async () => (await ticketRow(L4).getAttribute('data-state')) === 'no_show', `${L4} a no-show`);
	await ticketRow(L4).locator('[data-cmd=requeue]').click();
	await applied('requeue');
	await waitFor(async () => (await ticketRow(L4).getAttribute('data-state')) === 'waiting', `${L4} waiting again`);
});

test('a scanned ticket is checked in the console: valid, forged, or already done', async () => {
	const p = page();
	const ref = async (label) => (await k.queue(['ticket-ref', label])).stdout.trim();
	const check = async (text) => {
		await p.locator('[data-test=check-input]').fill(text);
		await p.locator('[data-test=check-input]').press('Enter');
		const res = p.locator('[data-test=check-result]');
		await waitFor(async () => (await res.getAttribute('data-valid')) !== null && (await res.textContent()).length > 0, 'the check result');
		const r = { valid: await res.getAttribute('data-valid'), text: await res.textContent() };
		await p.evaluate(() => { const e = document.querySelector('[data-test=check-result]'); e.removeAttribute('data-valid'); e.textContent = ''; });
		return r;
	};
	const good = await ref(L4);
	assert.equal((await check(good)).valid, 'true', `${L4} (waiting) is valid`);
	const forged = good.slice(0, -3) + (good.endsWith('AAA') ? 'BBB' : 'AAA');
	assert.equal((await check(forged)).valid, 'false', 'a forged reference is refused');
	const done = await ref(L3); // its session ended
	assert.equal((await check(done)).valid, 'false', `${L3} (done) is no longer valid`);
	await p.evaluate(() => document.activeElement.blur());
	await p.keyboard.press('u');
	await p.locator('#users-q').fill('tove');
	await p.locator('#users-q').press('Enter');
	await p.locator('[data-test=users] [data-user]').first().waitFor();
	await axeCheck(p, 'the users view');
	await p.evaluate(() => document.activeElement.blur());
	await p.keyboard.press('b');
	await p.locator('[data-test=board]').waitFor();
});

test('a freeze blanks the waiting-room page calmly and resume brings the calls back', async () => {
	const key = await w.central.displayKey();
	const tv = await w.newPage({ viewport: { width: 1920, height: 1080 } });
	await tv.page.goto(`${w.url}/display#key=${key}`);
	await station('5').locator('[data-cmd=call_next]').click();
	await applied('call next at station 5 again');
	const now = tv.page.locator('.now-label');
	await waitFor(async () => (await now.textContent())?.includes(L4), `${L4} on the TV page`);
	const text = await tv.page.locator('body').innerText();
	assert.ok(text.includes('<b>Pas på</b>') || text.includes('<i>Take care</i>'), 'the alert with markup shows as text');
	// (The page's one img is the information screens' pictogram, hidden here.)
	assert.equal(await tv.page.locator('img:not(#info-icon)').count(), 0, 'no element from the alert text');
	for (const n of ['Tove', 'Mette', 'Karim', 'Nanna']) assert.ok(!text.includes(n), `no nickname (${n}) on the TV page`);
	await screenshot(tv.page, 'tv');
	await axeCheck(tv.page, 'the waiting-room page');
	await page().click('[data-cmd=freeze]');
	await page().locator('[data-test=dialog] [data-test=dlg-ok]').click();
	await applied('freeze');
	const paused = tv.page.locator('.paused, [data-test=paused], #paused');
	await waitFor(async () => (await tv.page.locator('body').innerText()).match(/pause|stop|ingen kaldes/i) &&
		!(await tv.page.locator('body').innerText()).includes(L4), 'the TV page paused without calls');
	await screenshot(tv.page, 'tv_frozen');
	assert.ok(paused !== null);
	await page().click('[data-cmd=resume]');
	await applied('resume');
	await waitFor(async () => (await now.textContent())?.includes(L4), `${L4} back on the TV page`);
	tv.seen.assertClean('the waiting-room page');
	await tv.ctx.close();
});

test('sessions end; the report counts exactly the day', async () => {
	await station(toveAt).locator('[data-cmd=end]').click();
	await applied(`end of ${L1}`);
	await station(metteAt).locator('[data-cmd=end]').click();
	await applied(`end of ${L2}`);
	board.seen.assertClean('the staff console');
	const r = (await report(w.central)).sites[SITE];
	assert.equal(r.checkins, 4, 'Tove, Mette, Karim, Nanna');
	assert.deepEqual(r.checkins_by_route, { inject: 3, smoke: 1 });
	assert.equal(r.intakes, 3, 'three sessions started');
	assert.equal(r.sessions_ended, 3);
	assert.equal(r.no_shows, 1);
	assert.equal(r.overdoses, 1);
	assert.equal(r.overdoses_naloxone, 1);
	assert.equal(r.overdoses_oxygen, 0);
	assert.deepEqual(r.overdoses_by_outcome, { recovered: 1 });
	assert.equal(r.refusals, 0);
});

test('staff of another site are refused on every page and action of this one', async () => {
	// A site in another municipality (147, Frederiksberg): its staff may not touch this
	// site's queue nor the quarantine of a user registered here.
	await w.central.cli(['add-site', '--site', 'north', '--name', 'Nord', '--municipality', '147']);
	const made = await w.central.admin.post('/api/v1/accounts', { v: 1, user: 'nora', password: 'north-staff-password', role: 'staff', site: 'north' });
	assert.equal(made.status, 201);
	const other = await w.newPage({}, { allow: [/status of 403/] });
	await w.login(other.page, 'nora', 'north-staff-password');
	const tries = await other.page.evaluate(async (site) => {
		const me = await (await fetch('/api/v1/me')).json();
		const post = (path, body) => fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf }, body: JSON.stringify(body) }).then((r) => r.status);
		return {
			queue: (await fetch(`/api/v1/sites/${site}/queue`)).status,
			command: await post(`/api/v1/sites/${site}/commands`, { v: 1, type: 'freeze' }),
			record: await post(`/api/v1/sites/${site}/records`, { v: 1, kind: 'referral', type: 'health' }),
			alarm: await post(`/api/v1/sites/${site}/alarms`, { v: 1, kiosk: 'k-x', station: '1', ticket: 1, level: 'warn' }),
			check: await post(`/api/v1/sites/${site}/tickets/check`, { v: 1, ref: 'x' }),
		};
	}, SITE);
	tries.quarantine = await other.page.evaluate(async (id) => {
		const me = await (await fetch('/api/v1/me')).json();
		return (await fetch(`/api/v1/users/${id}/quarantine`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf }, body: JSON.stringify({ v: 1, until: null }) })).status;
	}, tove.id);
	assert.deepEqual(tries, { queue: 403, command: 403, record: 403, alarm: 403, check: 403, quarantine: 403 });
	// Their own console shows their own site, not this one's tickets.
	const text = await other.page.locator('[data-test=board]').innerText();
	assert.ok(!text.includes(L4), 'no ticket of the other site on their board');
	await other.ctx.close();
});
