// Screen texts with versions (issue 13 item 5) in real Chromium against real central and two
// real paired kiosks on two sites: an admin drafts the welcome title in the Screen texts tab,
// previews it (the PNGs the real kiosk drew; its UI dump has the new title), finds an overlong
// title flagged by the layout check and its publish refused, publishes the good one to site
// demo only, sees it on that kiosk's screen and not on the other site's kiosk, sees the
// version each kiosk reports, rolls back to the shipped texts, and finds every action in the
// audit log. axe-core finds no serious or critical violation on the tab.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { world, waitFor, axeCheck, screenshot, Kiosk, ADMIN } from './lib.mjs';

let w, admin, nord;
const TITLE = 'Hej, velkommen ind';
const LONG = 'Velkommen '.repeat(60).trim();
// The shipped Danish title (i18n/da.po, its one home).
const SHIPPED = readFileSync(new URL('../../i18n/da.po', import.meta.url), 'utf8')
	.match(/msgctxt "welcome\.title"\nmsgid "[^"]*"\nmsgstr "([^"]*)"/)[1];

before(async () => {
	w = await world({ kiosk: true });
	// A second site in another municipality, with its own kiosk.
	await w.central.cli(['add-site', '--site', 'nord', '--name', 'Nord', '--municipality', '147']);
	nord = await new Kiosk(w.central, 'kiosk-nord', 'nord').setup();
	admin = await w.newPage();
});
after(async () => {
	if (nord) await nord.stop();
	if (w) await w.close();
});

const page = () => admin.page;

// The override a kiosk keeps next to its database (the texts central sent it), or null.
function kioskTitle(k) {
	const f = k.db + '.catalogs/da.json';
	return existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')).messages['welcome.title'] ?? null : null;
}

async function editTitle(text) {
	const row = page().locator('[data-test=texts] tr[data-key="welcome.title"]');
	await row.locator('[data-test=text-edit]').click();
	await page().locator('[data-test=text-input]').fill(text);
	await page().locator('[data-test=dlg-ok]').click();
	await waitFor(async () => (await row.textContent()).includes(text.slice(0, 30)), 'the draft in its row');
}

async function preview(orientation) {
	await page().locator('[data-test=preview-orient]').selectOption(orientation);
	await page().locator('[data-test=preview-submit]').click();
	const f = page().locator('[data-test=preview-findings][data-state=done]');
	await f.waitFor({ timeout: 60000 });
	const img = page().locator('[data-test=preview-shots] img[data-screen=welcome]');
	await img.waitFor();
	// The picture really loaded (served to this admin session).
	await waitFor(() => img.evaluate((n) => n.complete && n.naturalWidth > 0), 'the welcome PNG to load');
	const id = (await img.getAttribute('src')).split('/')[4];
	return { count: Number(await f.getAttribute('data-count')), img, id };
}

// The preview's UI dump of the welcome screen, as the kiosk wrote it in central's folder.
function previewTitle(id) {
	const out = readFileSync(join(w.central.db + '.previews', id, 'out.txt'), 'utf8');
	for (const line of out.split('\n')) {
		if (!line.startsWith('{"screen":"welcome"')) continue;
		return JSON.parse(line).widgets.find((x) => x.id === 'welcome.title').text;
	}
	return null;
}

test('a text is drafted and previewed: the PNG the kiosk drew shows it; an overlong one is flagged and cannot be published', async () => {
	await w.login(page(), ADMIN.user, ADMIN.password);
	await page().goto(w.url + '/admin#texts');
	await page().locator('[data-test=texts-view]').waitFor();
	await page().locator('[data-test=texts-lang]').selectOption('da');
	await page().locator('[data-test=texts-search]').fill('welcome.title');
	await editTitle(TITLE);
	const good = await preview('portrait');
	assert.equal(good.count, 0, 'the good title fits');
	assert.equal(previewTitle(good.id), TITLE, 'the kiosk drew the draft title');
	await axeCheck(page(), '/admin, screen texts with a preview');
	await screenshot(page(), 'admin_texts');

	await editTitle(LONG);
	const bad = await preview('landscape');
	assert.ok(bad.count > 0, 'the overlong title is a finding');
	assert.equal(await bad.img.getAttribute('data-finding'), '1', 'the welcome picture is marked');
	assert.match(await page().locator('[data-test=finding]').first().textContent(), /welcome\.title/);
	await page().locator('[data-test=publish-scope]').selectOption('site');
	await page().locator('[data-test=publish-target]').selectOption('demo');
	await page().locator('[data-test=publish-submit]').click();
	await waitFor(async () => /layout check on screen welcome/.test(await page().locator('[data-test=publish-error]').textContent()),
		'the publish to be refused with the layout check\'s reason');
	assert.equal(await page().locator('[data-test=texts-history] tr[data-version]').count(), 0, 'no version was made');
});

test('published to one site: shown on that kiosk only, its version reported; then rolled back', async () => {
	await editTitle(TITLE);
	await page().locator('[data-test=publish-scope]').selectOption('site');
	await page().locator('[data-test=publish-target]').selectOption('demo');
	await page().locator('[data-test=publish-submit]').click();
	const v1 = page().locator('[data-test=texts-history] tr[data-version="1"]');
	await v1.waitFor({ timeout: 60000 });
	assert.match(await v1.textContent(), /demo/);

	await waitFor(() => kioskTitle(w.kiosk) === TITLE, 'the demo kiosk to get the title', 30000);
	// Its own screen shows it (the real kiosk, headless); the other site's does not.
	await w.kiosk.headless(['expect-screen welcome', `expect-text ${TITLE}`]);
	await nord.headless(['expect-screen welcome', `expect-no-text ${TITLE}`, `expect-text ${SHIPPED}`]);
	assert.equal(kioskTitle(nord), null, 'the nord kiosk got no texts');
	// Each kiosk's version as it reports it, in the tab.
	const row = (k) => page().locator(`[data-test=texts-kiosks] tr[data-kiosk="${k.id}"]`);
	await waitFor(async () => {
		await page().locator('[data-test=texts-lang]').dispatchEvent('change');
		return (await row(w.kiosk).getAttribute('data-version')) === '1';
	}, 'the demo kiosk to report version 1', 45000);
	assert.equal(await row(nord).getAttribute('data-version'), '', 'the nord kiosk shows the shipped texts');

	await page().locator('[data-test=rollback-shipped]').click();
	await page().locator('[data-test=dlg-ok]').click();
	await page().locator('[data-test=texts-history] tr[data-version="2"]').waitFor({ timeout: 30000 });
	await waitFor(() => kioskTitle(w.kiosk) === SHIPPED, 'the demo kiosk to get the shipped title back', 30000);
	await w.kiosk.headless(['expect-screen welcome', `expect-text ${SHIPPED}`, `expect-no-text ${TITLE}`]);
	await waitFor(async () => {
		await page().locator('[data-test=texts-lang]').dispatchEvent('change');
		return (await row(w.kiosk).getAttribute('data-version')) === '2';
	}, 'the demo kiosk to report version 2', 45000);
	await axeCheck(page(), '/admin, screen texts with history');
});

test('every action is in the audit log', async () => {
	for (const action of ['texts_drafts', 'texts_preview', 'texts_publish', 'texts_rollback']) {
		const r = await w.central.admin.get('/api/v1/audit?action=' + action);
		assert.equal(r.status, 200);
		assert.ok(r.body.entries.some((e) => e.actor === ADMIN.user), `${action} by ${ADMIN.user} in the audit log`);
	}
	const pub = (await w.central.admin.get('/api/v1/audit?action=texts_publish')).body.entries;
	assert.ok(pub.some((e) => e.result === '201' && /^da version 1 to site demo/.test(e.object)), JSON.stringify(pub));
	assert.ok(pub.some((e) => e.result === '400'), 'the refused publish is logged too');
});
