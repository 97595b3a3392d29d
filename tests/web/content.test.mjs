// Drug alerts and information screens (issue 13 items 6 and 7) in real Chromium against a
// real central and a real paired kiosk of a three-language site (da, en, ar): an admin
// composes a danger alert and an information screen in /admin's "Alerts & information" tab,
// publishes both; the kiosk gets them in advance (site.db) and, headless on a test clock,
// shows the alert at its start in Danish and Arabic and not after its end, and the
// information screen on the idle welcome within its dates only; /display on a fake browser
// clock shows the alert and rotates the screen inside their boxes only; every action is in
// the audit log; axe finds no serious or critical violation on the tab and the display.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { world, Kiosk, env, waitFor, axeCheck, screenshot, sqlOne, run, ADMIN } from './lib.mjs';

let w, k, admin;
const ALERT_DA = 'Livsfarlig fentanyl i omløb';
const ALERT_AR = 'فنتانيل قاتل متداول';
const INFO_DA = 'Naloxon-kursus torsdag';
const INFO_EN = 'Naloxone training Thursday';
const INFO_AR = 'دورة النالوكسون';
// The boxes, far enough ahead that central takes them whatever today is.
const A_FROM = '2030-01-10T10:30', A_UNTIL = '2030-01-10T11:00';
const I_FROM = '2030-01-10T10:00', I_UNTIL = '2030-01-10T12:00';
const at = (s) => Date.parse(s + ':00Z');

before(async () => {
	w = await world();
	const ini = readFileSync(join(env.source, 'assets/demo/site.ini'), 'utf8')
		.replace(/^languages = .*$/m, 'languages = da, en, ar');
	const path = join(w.central.dir, 'three.ini');
	writeFileSync(path, ini);
	k = await new Kiosk(w.central).setup({ config: path });
	w.kiosk = k;
	// UTC in the browser, so that the form's local times are the boxes above.
	// The one 400 is the bad draft the first test sends on purpose.
	admin = await w.newPage({ timezoneId: 'UTC' }, { allow: [/status of 400 .*\/api\/v1\/content\)$/] });
});
after(() => w?.close());

const page = () => admin.page;

async function compose({ kind, severity, pictogram, qr, from, until, texts, site }) {
	const p = page();
	await p.locator('[data-test=ct-new]').click();
	await p.locator('[data-test=ct-kind]').selectOption(kind);
	if (severity) await p.locator('[data-test=ct-severity]').selectOption(severity);
	if (pictogram) await p.locator('[data-test=ct-pictogram]').selectOption(pictogram);
	if (qr) await p.locator('[data-test=ct-qr]').fill(qr);
	await p.locator('[data-test=ct-from]').fill(from);
	await p.locator('[data-test=ct-until]').fill(until);
	if (site) {
		await p.locator('[data-test=ct-target]').selectOption('list');
		await p.locator(`[data-test=ct-site-${site}]`).check();
	} else {
		await p.locator('[data-test=ct-target]').selectOption('all');
	}
	for (const [lang, t] of Object.entries(texts)) {
		const d = p.locator(`details[lang=${lang}]`);
		if (!(await d.getAttribute('open') !== null)) await d.locator('summary').click();
		if (t.title) await p.locator(`[data-test=ct-title-${lang}]`).fill(t.title);
		await p.locator(`[data-test=ct-text-${lang}]`).fill(t.text);
	}
	const before = await p.locator('[data-test=ct-row]').count();
	await p.locator('[data-test=ct-save]').click();
	await waitFor(async () => (await p.locator('[data-test=ct-row]').count()) === before + 1, 'the draft in the list', 10000);
	const row = p.locator('[data-test=ct-row]').first();
	assert.equal(await row.getAttribute('data-state'), 'draft');
	return row.getAttribute('data-id');
}

async function publish(id) {
	const row = page().locator(`[data-test=ct-row][data-id="${id}"]`);
	await row.locator('[data-test=ct-publish]').click();
	await waitFor(async () => (await page().locator(`[data-test=ct-row][data-id="${id}"]`).getAttribute('data-state')) === 'published',
		`item ${id} published`, 10000);
}

let alertId, infoId;

test('an admin composes, checks and publishes an alert and an information screen', async () => {
	// /admin without a session goes to the login page, which comes back to /admin.
	const p = page();
	await p.goto(w.url + '/admin');
	await p.waitForURL((u) => u.pathname === '/staff/login');
	await p.locator('#login-user').fill(ADMIN.user);
	await p.locator('#login-password').fill(ADMIN.password);
	await Promise.all([p.waitForURL((u) => u.pathname === '/admin'), p.locator('[data-test=login-submit]').click()]);
	await p.locator('#tabs a[data-view=content]').click();
	await page().locator('[data-test=content-view]').waitFor();
	await page().locator('[data-test=ct-site-demo]').waitFor({ state: 'attached' });
	// A bad draft: central names the field, and nothing is listed.
	await page().locator('[data-test=ct-from]').fill(A_UNTIL);
	await page().locator('[data-test=ct-until]').fill(A_FROM);
	await page().locator('[data-test=ct-text-da]').fill(ALERT_DA);
	await page().locator('[data-test=ct-save]').click();
	await waitFor(async () => /until: must be after from/.test(await page().locator('[data-test=ct-error]').textContent()),
		'the error naming until', 10000);
	assert.equal(await page().locator('[data-test=ct-row]').count(), 0);

	alertId = await compose({ kind: 'alert', severity: 'danger', from: A_FROM, until: A_UNTIL, site: 'demo',
		texts: { da: { text: ALERT_DA }, ar: { text: ALERT_AR } } });
	infoId = await compose({ kind: 'info', pictogram: 'clock', qr: 'https://example.org/naloxon', from: I_FROM, until: I_UNTIL,
		texts: { da: { title: INFO_DA, text: 'Lær at redde et liv.' }, en: { title: INFO_EN, text: 'Learn to save a life.' },
			ar: { title: INFO_AR + ' يوم الخميس', text: 'تعلّم كيف تنقذ حياة.' } } });
	// The preview: the real kiosk draws the draft alert (Danish, Arabic, the nickname screen).
	await page().locator(`[data-test=ct-row][data-id="${alertId}"] [data-test=ct-preview]`).click();
	const found = page().locator('[data-test=ct-preview-findings][data-state=done]');
	await found.waitFor({ timeout: 60000 });
	assert.equal(await found.getAttribute('data-count'), '0', 'the alert fits every screen');
	const ar = page().locator('[data-test=ct-preview-shots] img[data-screen=alert_ar]');
	await ar.waitFor();
	await waitFor(() => ar.evaluate((n) => n.complete && n.naturalWidth > 0), 'the Arabic preview PNG to load');
	assert.equal(await page().locator('[data-test=ct-preview-shots] img').count(), 3, 'da, ar and the nickname screen');
	await axeCheck(page(), '/admin, alerts & information');
	await screenshot(page(), 'admin_content');
	await publish(alertId);
	await publish(infoId);
	assert.match(await page().locator(`[data-test=ct-row][data-id="${alertId}"]`).textContent(), /Offentliggjort/);
	admin.seen.assertClean('the admin page');
});

test('the kiosk has both in advance and shows them on its own clock only inside their boxes', async () => {
	await waitFor(async () => Number(await sqlOne(k.db, 'SELECT count(*) FROM content')) === 2, "both items in the kiosk's site.db", 30000);
	// Just before the alert: none; at its start, in Danish, and in Arabic for one who picks it.
	k.setClock(at(A_FROM) - 10000);
	await k.headless(['expect-screen welcome', `expect-no-text ${ALERT_DA}`, 'wait 10000', `expect-text ${ALERT_DA}`,
		'tap-id welcome.lang.ar', `expect-text ${ALERT_AR}`, 'tap-id welcome.checkin', 'expect-screen nickname', `expect-text ${ALERT_AR}`]);
	// After its end: gone; the information screen still rotates on the idle welcome.
	k.setClock(at(A_UNTIL) + 1000);
	await k.headless(['expect-screen welcome', `expect-no-text ${ALERT_DA}`, `expect-no-text ${ALERT_AR}`,
		`expect-no-text ${INFO_DA}`, 'wait 31000', `expect-text ${INFO_DA}`, 'wait 8000', `expect-text ${INFO_EN}`,
		'wait 8000', `expect-text ${INFO_AR}`, 'tap 540 1500', 'tap-id welcome.checkin', 'expect-screen nickname',
		'wait 40000', `expect-no-text ${INFO_DA}`, `expect-no-text ${INFO_EN}`]);
	// Outside the screen's dates: never.
	for (const t of [at(I_FROM) - 60000, at(I_UNTIL) + 1000]) {
		k.setClock(t);
		await k.headless(['wait 40000', 'expect-screen welcome', `expect-no-text ${INFO_DA}`, `expect-no-text ${INFO_EN}`]);
	}
});

test('/display shows the alert and rotates the screen inside their boxes, on the page\'s clock', async () => {
	const key = await w.central.displayKey();
	const tv = await w.newPage({ viewport: { width: 1920, height: 1080 } });
	await tv.page.clock.install({ time: at(A_FROM) - 10000 });
	await tv.page.goto(`${w.url}/display#key=${key}&hold=0`);
	const p = tv.page;
	const alert = p.locator('#alert'), info = p.locator('[data-test=info]');
	await waitFor(async () => (await p.locator('#info-title').textContent()) === INFO_DA, 'the screen in Danish', 15000);
	// Its pictogram, the kiosk's own clock icon, served by central.
	const icon = p.locator('[data-test=info-icon]');
	assert.equal(await icon.getAttribute('src'), '/icons/clock.svg');
	await waitFor(() => icon.evaluate((n) => n.complete && n.naturalWidth > 0), 'the pictogram to load');
	assert.equal(await alert.isHidden(), true, 'no alert before its start');
	await p.clock.fastForward(11000);
	const texts = new Set();
	for (let i = 0; i < 4; i++) {
		await waitFor(async () => !(await alert.isHidden()), 'the alert at its start', 10000);
		texts.add((await p.locator('#alert-text').textContent()).trim());
		texts.add((await p.locator('#info-title').textContent()).trim());
		await p.clock.fastForward(6000);
	}
	assert.ok(texts.has(ALERT_DA) && texts.has(ALERT_AR), `the alert in Danish and Arabic: ${[...texts]}`);
	assert.ok(texts.has(INFO_DA) && texts.has(INFO_EN), `the screen in its languages in turn: ${[...texts]}`);
	assert.ok(await alert.evaluate((n) => n.classList.contains('alert-danger')), 'drawn as a danger');
	// The screen's QR, drawn by the page from central's modules, reads back as its address.
	const qrPng = join(w.central.dir, 'display-qr.png');
	await p.locator('[data-test=info-qr]').screenshot({ path: qrPng });
	const z = await run('zbarimg', ['--quiet', '--raw', qrPng]);
	assert.equal(z.stdout.trim(), 'https://example.org/naloxon', `zbarimg: ${z.stderr}`);
	await axeCheck(p, '/display with an alert and an information screen');
	await screenshot(p, 'display_content');
	await p.clock.fastForward(at(A_UNTIL) - at(A_FROM));
	await waitFor(async () => alert.isHidden(), 'the alert gone after its end', 10000);
	assert.equal(await info.isHidden(), false, 'the screen still up');
	await p.clock.fastForward(at(I_UNTIL) - at(A_UNTIL) + 6000);
	await waitFor(async () => info.isHidden(), 'the screen gone after its end', 10000);
	await tv.ctx.close();
});

test('every action is in the audit log', async () => {
	const rows = (await w.central.admin.get('/api/v1/audit?actor=admin')).body.entries;
	const seen = rows.map((r) => `${r.action} ${r.object} ${r.result}`);
	for (const want of [`content_new content/${alertId} 201`, `content_new content/${infoId} 201`,
		`content_publish content/${alertId} 200`, `content_publish content/${infoId} 200`])
		assert.ok(seen.includes(want), `${want} in ${seen.join('; ')}`);
	assert.ok(seen.some((s) => s.startsWith('content_new  400')), `the refused draft too: ${seen.join('; ')}`);
});
