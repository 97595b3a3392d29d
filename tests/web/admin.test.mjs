// The administrators' console (/admin, issue 13) in real Chromium against real central and a
// real paired kiosk: an admin logs in (the login page sends them back to /admin), sees the
// kiosk online with the version it reports, makes a pairing code, sees a command given in the
// kiosk's staff mode logged as "kiosk PIN", revokes the kiosk (its
// token gets 401 at once), creates an account and disables it (that account's open console
// is logged out), and finds each of those actions in the audit log. axe-core finds no
// serious or critical violation on any section; a staff account gets "admins only" and 403.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { world, waitFor, axeCheck, screenshot, ADMIN, STAFF, SITE } from './lib.mjs';

let w, admin;

before(async () => {
	w = await world({ kiosk: true });
	// The kiosk's sync process keeps polling after the revoke: central answers it 401,
	// which the admin page never sees; the page's own watch must stay clean.
	admin = await w.newPage();
});
after(async () => {
	if (w) await w.close();
});

const page = () => admin.page;
const NEW_USER = { user: 'bea', password: 'web-test-bea-password' };

// /admin without a session goes to the login page, which comes back to /admin.
async function adminLogin(p, user, password) {
	await p.goto(w.url + '/admin');
	await p.waitForURL((u) => u.pathname === '/staff/login' && u.search === '?next=admin');
	await p.locator('#login-user').fill(user);
	await p.locator('#login-password').fill(password);
	await Promise.all([p.waitForURL((u) => u.pathname === '/admin'), p.locator('[data-test=login-submit]').click()]);
}

test('the admin sees the kiosk with its health and version, and makes a pairing code', async () => {
	await adminLogin(page(), ADMIN.user, ADMIN.password);
	const row = page().locator(`[data-test=kiosks] tr[data-kiosk="${w.kiosk.id}"]`);
	await row.waitFor();
	assert.equal(await row.getAttribute('data-state'), 'online');
	// The version the kiosk reports with its poll: the project's (CMakeLists.txt, its one home).
	const version = readFileSync(new URL('../../CMakeLists.txt', import.meta.url), 'utf8')
		.match(/project\(ankomst VERSION ([0-9.]+)/)[1];
	await waitFor(async () => (await row.textContent()).includes(version), `the kiosk's version ${version} in its row`, 15000);
	assert.match(await row.textContent(), new RegExp(SITE));
	await axeCheck(page(), '/admin, kiosks');
	await screenshot(page(), 'admin_kiosks');

	await page().locator('[data-test=pair-site]').selectOption(SITE);
	await page().locator('[data-test=pair-submit]').click();
	const code = page().locator('[data-test=pair-code]');
	await code.waitFor();
	assert.match(await code.getAttribute('data-code'), /^[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}$/);
	assert.match(await code.textContent(), /Parringskode til demo/);
});

test('a command in the kiosk\'s staff mode (behind the PIN) reaches the audit log as "kiosk PIN"', async () => {
	// The demo site's PIN is 1234 (docs/operations.md "Demo site and users").
	await w.kiosk.headless(['hold 20 20 3200', 'tap-id staff_pin.key.1', 'tap-id staff_pin.key.2',
		'tap-id staff_pin.key.3', 'tap-id staff_pin.key.4', 'tap-id staff_pin.ok', 'expect-screen staff',
		'tap-id staff.station.1.close', 'tap-id staff.exit']);
	await w.kiosk.waitSynced();
	const rows = (await w.central.admin.get('/api/v1/audit?actor=kiosk%20PIN')).body.entries;
	assert.equal(rows.length, 1, JSON.stringify(rows));
	assert.equal(rows[0].action, 'kiosk_close_station');
	assert.equal(rows[0].addr, w.kiosk.id);
	assert.match(rows[0].object, /^demo station 1$/);
});

test('revoking the kiosk stops its token at once', async () => {
	const token = JSON.parse(readFileSync(w.kiosk.db + '.token', 'utf8')).token;
	const poll = () => fetch(`${w.url}/api/v1/sync/changes?since=0&wait=0`, { headers: { Authorization: `Bearer ${token}` } });
	assert.equal((await poll()).status, 200, 'the token works before');
	const row = page().locator(`[data-test=kiosks] tr[data-kiosk="${w.kiosk.id}"]`);
	await row.locator('[data-test=revoke]').click();
	const dlg = page().locator('[data-test=dialog]');
	assert.match(await dlg.textContent(), new RegExp(`Tilbagekald kiosk ${w.kiosk.id}`));
	await dlg.locator('[data-test=dlg-ok]').click();
	await waitFor(async () => (await row.getAttribute('data-state')) === 'revoked', 'the row to say revoked', 5000);
	assert.equal((await poll()).status, 401, 'the token is refused right after');
	const toast = page().locator('[data-test=toast]').last();
	assert.equal(await toast.getAttribute('data-state'), 'applied');
});

test('an account is created and disabled; its open console is logged out', async () => {
	await page().locator('a[data-view=accounts]').click();
	await page().locator('[data-test=accounts] tr[data-user="admin"]').waitFor();
	await page().locator('[data-test=acc-user]').fill(NEW_USER.user);
	await page().locator('[data-test=acc-password]').fill(NEW_USER.password);
	await page().locator('[data-test=acc-role]').selectOption('staff');
	await page().locator('[data-test=acc-site]').selectOption(SITE);
	await page().locator('[data-test=acc-submit]').click();
	const row = page().locator(`[data-test=accounts] tr[data-user="${NEW_USER.user}"]`);
	await row.waitFor();
	assert.equal(await row.getAttribute('data-state'), 'active');
	await axeCheck(page(), '/admin, accounts');
	await screenshot(page(), 'admin_accounts');

	// Bea's console is open in a browser of its own; the 401s that end it are expected.
	const bea = await w.newPage({}, { allow: [/status of 401/] });
	await w.login(bea.page, NEW_USER.user, NEW_USER.password);
	await bea.page.locator('[data-test=board]').waitFor();
	await new Promise((r) => setTimeout(r, 1000)); // its long-poll is held by now
	await row.locator('[data-act=disable]').click();
	await waitFor(async () => (await row.getAttribute('data-state')) === 'disabled', 'the row to say disabled', 5000);
	await bea.page.waitForURL((u) => u.pathname === '/staff/login', { timeout: 10000 });
	// And logging in again is refused.
	await bea.page.locator('#login-user').fill(NEW_USER.user);
	await bea.page.locator('#login-password').fill(NEW_USER.password);
	await bea.page.locator('[data-test=login-submit]').click();
	await waitFor(async () => (await bea.page.locator('[data-test=login-error]').textContent()).length > 0, 'the login error', 5000);
	assert.equal(new URL(bea.page.url()).pathname, '/staff/login');
	await bea.ctx.close();
});

test('the audit log shows those actions and filters by who and what', async () => {
	await page().locator('a[data-view=audit]').click();
	const rows = page().locator('[data-test=audit] tr[data-audit]');
	await rows.first().waitFor();
	const has = async (action, text) => {
		const r = page().locator(`[data-test=audit] tr[data-action="${action}"]`, { hasText: text });
		return (await r.count()) > 0;
	};
	assert.ok(await has('kiosk_revoke', w.kiosk.id), 'the revoke');
	assert.ok(await has('accounts', ''), 'the account made');
	assert.ok(await has('account_change', `${NEW_USER.user}: disabled`), 'the account disabled');
	assert.ok(await has('pair_code', SITE), 'the pairing code');
	assert.ok(await has('login', ''), 'the logins');
	assert.ok(await has('kiosk_close_station', 'kiosk PIN'), 'the kiosk PIN action');
	await axeCheck(page(), '/admin, audit log');
	await screenshot(page(), 'admin_audit');

	await page().locator('[data-test=audit-actor]').fill(NEW_USER.user);
	await page().locator('[data-test=audit-submit]').click();
	await waitFor(async () => {
		const actors = await page().locator('[data-test=audit] tr[data-audit]').evaluateAll((n) => n.map((x) => x.getAttribute('data-actor')));
		return actors.length > 0 && actors.every((a) => a === NEW_USER.user);
	}, 'only bea\'s rows', 5000);
	await page().locator('[data-test=audit-actor]').fill('');
	await page().locator('[data-test=audit-action]').fill('kiosk_revoke');
	await page().locator('[data-test=audit-submit]').click();
	await waitFor(async () => {
		const actions = await page().locator('[data-test=audit] tr[data-audit]').evaluateAll((n) => n.map((x) => x.getAttribute('data-action')));
		return actions.length === 1 && actions[0] === 'kiosk_revoke';
	}, 'only the revoke', 5000);
	// A day before anything happened shows nothing.
	await page().locator('[data-test=audit-action]').fill('');
	await page().locator('[data-test=audit-to]').fill('2020-01-01');
	await page().locator('[data-test=audit-submit]').click();
	await waitFor(async () => (await page().locator('[data-test=audit] tr[data-audit]').count()) === 0, 'no rows before 2020', 5000);
	admin.seen.assertClean('the admin console');
});

test('a staff account cannot open /admin', async () => {
	const staff = await w.newPage({}, { allow: [/status of 403/] });
	await w.login(staff.page, STAFF.user, STAFF.password);
	const r = await staff.page.goto(w.url + '/admin');
	assert.equal(r.status(), 403);
	const denied = staff.page.locator('[data-test=denied]');
	await denied.waitFor();
	assert.match(await denied.textContent(), /Kun administratorer/);
	assert.equal(await staff.page.locator('#tabs').isHidden(), true);
	const api = await staff.page.evaluate(async () => (await fetch('/api/v1/kiosks')).status);
	assert.equal(api, 403);
	await axeCheck(staff.page, '/admin for staff');
	await staff.ctx.close();
});
