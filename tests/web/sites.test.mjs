// Sites from the admin page (issue 13 item 2) in real Chromium against real central and a
// real paired headless kiosk: an admin creates a site, fills its config as a form (two
// stations, one added and closed again, reordered; Monday open past midnight), sees a bad
// config refused at central with the reason beside the field it names and nothing sent,
// sends the good one, makes a pairing code on the Kiosks tab, and the kiosk paired with it
// applies the config (its site.db has the stations and hours, its welcome screen the
// languages in the order given). Every action is in the audit
// log; axe-core finds no serious or critical violation on the tab.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { world, waitFor, axeCheck, sqlOne, screenshot, Kiosk, ADMIN } from './lib.mjs';

let w, admin;

before(async () => {
	w = await world();
	// The refusals are answered 400, which chromium logs; nothing else may show up.
	admin = await w.newPage({}, { allow: [/status of 400/] });
});
after(async () => {
	if (admin) await admin.ctx.close();
	if (w) await w.close();
});

const page = () => admin.page;
const field = (f) => page().locator(`[data-field="${f}"]`);
const errorOf = (f) => page().locator(`[data-error-for="${f}"]`);
const configChanges = async () => Number(await sqlOne(w.central.db, "SELECT count(*) FROM change WHERE type = 'site.config' AND site = 'nord'"));

async function adminLogin(p) {
	await p.goto(w.url + '/admin');
	await p.waitForURL((u) => u.pathname === '/staff/login');
	await p.locator('#login-user').fill(ADMIN.user);
	await p.locator('#login-password').fill(ADMIN.password);
	await Promise.all([p.waitForURL((u) => u.pathname === '/admin'), p.locator('[data-test=login-submit]').click()]);
}

// Saves the form and waits for central's answer.
async function save() {
	const answer = page().waitForResponse((r) => r.url().endsWith('/api/v1/sites/nord/form') && r.request().method() === 'POST');
	await page().locator('[data-test=site-save]').click();
	return answer;
}

test('an admin creates a site from the Sites tab; a bad field is named beside itself', async () => {
	await adminLogin(page());
	await page().locator('a[data-view=sites]').click();
	await page().locator('[data-test=sites-view]').waitFor();
	// A bad id is refused by central and shown beside the id field.
	await page().locator('[data-test=site-new-site]').fill('no spaces');
	await page().locator('[data-test=site-new-name]').fill('Nord');
	await page().locator('[data-test=site-new-municipality]').selectOption('101');
	await page().locator('[data-test=site-new-submit]').click();
	await waitFor(async () => (await page().locator('[data-test=site-new-site-error]').textContent()).includes('site:'), 'the id field\'s error');
	assert.equal(await page().locator('[data-test=site-new-site]').getAttribute('aria-invalid'), 'true');

	await page().locator('[data-test=site-new-site]').fill('nord');
	await page().locator('[data-test=site-new-submit]').click();
	await page().locator('[data-test=site-editor]').waitFor();
	assert.match(await page().locator('[data-test=site-editor-title]').textContent(), /Opsætning af Nord \(nord\)/);
	assert.equal(await field('site.timezone').inputValue(), 'Europe/Copenhagen');
	assert.equal(await page().locator('#stations-body tr').count(), 0);
	await axeCheck(page(), '/admin, sites (a new site)');
});

test('stations are added, edited, closed and reordered; a bad config is refused with its field', async () => {
	for (let i = 0; i < 3; i++) await page().locator('[data-test=station-add]').click();
	assert.equal(await page().locator('#stations-body tr').count(), 3);
	await field('station.s1.label').fill('Fix 1');
	await field('station.s1.women_only').check();
	await field('station.s2.label').fill('Røg 1');
	await field('station.s2.type').selectOption('smoke');
	// The third is closed again before it was ever sent; the smoking one goes first.
	await page().locator('tr[data-station=s3] [data-test=station-close]').click();
	await page().locator('tr[data-station=s2] [data-test=station-up]').click();
	assert.deepEqual(await page().locator('#stations-body tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-station'))), ['s2', 's1']);
	// Monday runs past midnight, Tuesday a day, the rest closed.
	const day = (d) => page().locator(`[data-test=hours] tr[data-day=${d}]`);
	await day('mon').locator('[data-part=closed]').uncheck();
	await day('mon').locator('[data-part=open]').fill('20:00');
	await day('mon').locator('[data-part=close]').fill('02:30');
	await day('tue').locator('[data-part=closed]').uncheck();
	await day('tue').locator('[data-part=open]').fill('08:00');
	await day('tue').locator('[data-part=close]').fill('22:00');

	// English first, then Danish: the kiosk's default language and its buttons' order.
	await field('site.languages').fill('en, da');
	// An alarm before the warning: central's checks (the kiosk's) name site.alarm_min.
	await field('site.alarm_min').fill('10');
	let r = await save();
	assert.equal(r.status(), 400);
	assert.equal((await r.json()).field, 'site.alarm_min');
	await waitFor(async () => (await errorOf('site.alarm_min').textContent()).includes('alarm_min must be above warn_min'), 'the error beside alarm_min');
	assert.equal(await field('site.alarm_min').getAttribute('aria-invalid'), 'true');
	await axeCheck(page(), '/admin, sites (a refused field)');
	await screenshot(page(), 'admin_sites');
	await field('site.alarm_min').fill('30');

	// Hours that are no time: hours.tue, beside Tuesday.
	await day('tue').locator('[data-part=close]').fill('26:00');
	r = await save();
	assert.equal((await r.json()).field, 'hours.tue');
	await waitFor(async () => (await errorOf('hours.tue').textContent()).includes("bad value for 'tue' in [hours]"), 'the error beside Tuesday');
	assert.equal(await errorOf('site.alarm_min').textContent(), '', 'the earlier error is cleared');
	await day('tue').locator('[data-part=close]').fill('22:00');
	assert.equal(await configChanges(), 0, 'nothing was sent');

	r = await save();
	assert.equal(r.status(), 202, await r.text());
	await waitFor(async () => /Sidst sendt .* af admin/.test(await page().locator('[data-test=site-accepted]').textContent()), 'the form to say it was sent');
	assert.equal(await configChanges(), 1);
	// Opened again, the form is the one sent: stations in their order, the hours as given.
	assert.deepEqual(await page().locator('#stations-body tr').evaluateAll((rows) => rows.map((x) => x.getAttribute('data-station'))), ['s2', 's1']);
	assert.equal(await day('mon').locator('[data-part=close]').inputValue(), '02:30');
	assert.equal(await field('station.s1.label').inputValue(), 'Fix 1');
});

test('a kiosk paired with the page\'s code applies the config as the owner', async () => {
	await page().locator('a[data-view=kiosks]').click();
	await page().locator('[data-test=pair-site]').selectOption('nord');
	await page().locator('[data-test=pair-submit]').click();
	const code = await waitFor(async () => page().locator('[data-test=pair-code]').getAttribute('data-code'), 'a pairing code');
	// The kiosk starts with a config of its own for the site; central's replaces it.
	const kiosk = new Kiosk(w.central, 'nord');
	const local = join(kiosk.dir, 'local.ini');
	writeFileSync(local, '[site]\nid = nord\nname = Nord (local)\n[station.tmp]\ntype = flex\n');
	await kiosk.setup({ config: local, site: 'nord', code });
	w.kiosk = kiosk; // stopped by w.close()
	const stations = () => sqlOne(kiosk.db, "SELECT group_concat(id || ':' || label || ':' || type || ':' || women_only, ' ') FROM (SELECT * FROM station WHERE retired = 0 ORDER BY sort)");
	await waitFor(async () => (await stations()) === 's2:Røg 1:smoke:0 s1:Fix 1:inject:1', 'the kiosk to apply the stations', 30000);
	assert.equal(await sqlOne(kiosk.db, "SELECT json_extract(config, '$.name') FROM site"), 'Nord');
	assert.equal(await sqlOne(kiosk.db, "SELECT json_extract(config, '$.hours.mon') || ' ' || json_extract(config, '$.hours.sun') FROM site"), '20:00-02:30 closed');
	assert.equal(await sqlOne(kiosk.db, "SELECT retired FROM station WHERE id = 'tmp'"), '1');
	await kiosk.waitSynced();
	assert.equal(await sqlOne(w.central.db, `SELECT count(*) FROM event WHERE kiosk = '${kiosk.id}' AND type = 'config.applied'`), '1');
	// The Sites tab says what the kiosk answered: applied, by which kiosk.
	await page().locator('a[data-view=sites]').click();
	await page().locator('[data-test=site-choose]').selectOption('nord');
	await page().locator('[data-test=site-open]').click();
	const ans = page().locator('[data-test=site-answer]');
	await waitFor(async () => (await ans.getAttribute('data-state')) === 'applied', 'the kiosk\'s answer on the Sites tab');
	assert.ok((await ans.textContent()).includes(kiosk.id), 'the answer names the kiosk');
	// The kiosk's own screens follow it: English by default, the two languages in order.
	const run = await kiosk.headless(['expect-screen welcome', 'dump']);
	const welcome = JSON.parse(run.stdout.split('\n').find((l) => l.startsWith('{"screen":"welcome"')));
	assert.equal(welcome.lang, 'en');
	assert.deepEqual(welcome.widgets.filter((x) => x.id.startsWith('welcome.lang.')).map((x) => x.id), ['welcome.lang.en', 'welcome.lang.da']);
});

test('every site action is in the audit log, and the page stayed clean', async () => {
	const rows = (await w.central.admin.get('/api/v1/audit')).body.entries;
	const has = (action, result) => rows.some((e) => e.actor === ADMIN.user && e.action === action && e.object === 'nord' && e.result === result);
	assert.ok(has('site_create', '201'), 'site_create 201');
	assert.ok(rows.some((e) => e.action === 'site_create' && e.result === '400'), 'the refused create');
	assert.ok(has('site_form', '400'), 'site_form 400');
	assert.ok(has('site_form', '202'), 'site_form 202');
	assert.ok(has('pair_code', '201'), 'pair_code 201');
	admin.seen.assertClean('the admin console');
});
