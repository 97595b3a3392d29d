// The harness checks itself, so a browser test cannot pass because a helper looks away: axe
// finds a known violation under the contract's CSP and passes a clean page, the CSP binds in
// this chromium, watch() sees a blocked script, and the kiosk helpers (check-in through the
// screens, the kiosk clock, sync, report) give what central then holds.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { world, axeCheck, watch, report, commandDone, PAGE_HEADERS, SITE } from './lib.mjs';

let w;
before(async () => {
	w = await world({ kiosk: true });
});
after(async () => {
	if (w) await w.close();
});

// A page served to the browser with the contract's headers, at an origin of its own (no
// network: playwright answers the requests).
async function fakePage(html) {
	const ctx = await w.browser.newContext();
	await ctx.route('http://harness.invalid/**', (r) =>
		r.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', headers: PAGE_HEADERS, body: html }));
	const page = await ctx.newPage();
	return { ctx, page };
}

const CLEAN = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Clean</title></head>' +
	'<body><main><h1>Clean</h1><p>Nothing wrong here.</p></main></body></html>';

test('axeCheck passes a clean page under the CSP and fails one with a serious violation', async () => {
	const clean = await fakePage(CLEAN);
	await clean.page.goto('http://harness.invalid/clean');
	await axeCheck(clean.page, 'the clean page');
	await clean.ctx.close();
	// A form field with no label and an image with no text: critical for axe.
	const bad = await fakePage('<!doctype html><html lang="en"><head><title>Bad</title></head><body><main>' +
		'<h1>Bad</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><input type="text"></main></body></html>');
	await bad.page.goto('http://harness.invalid/bad');
	await assert.rejects(axeCheck(bad.page, 'the bad page'), /image-alt|label/);
	await bad.ctx.close();
});

test('the contract CSP blocks inline script in this chromium, and watch() reports it', async () => {
	const { ctx, page } = await fakePage(CLEAN.replace('</main>', '</main><script>document.title = "ran"</script>'));
	const seen = watch(page);
	await page.goto('http://harness.invalid/inline');
	assert.equal(await page.title(), 'Clean', 'the inline script did not run');
	assert.ok(seen.problems.some((p) => /Content Security Policy/i.test(p)), `watch saw: ${seen.problems}`);
	assert.throws(() => seen.assertClean('the inline page'));
	await ctx.close();
});

test('a check-in at the kiosk with its clock set back reaches central at that time', async () => {
	const k = w.kiosk;
	const back = 45 * 60 * 1000;
	k.setClock(Date.now() - back);
	const { label } = await k.checkIn('Æblet', 'heroin', 'inject');
	assert.match(label, /^I-\d{3}$/);
	k.setClock(Date.now());
	const q = await w.central.admin.get(`/api/v1/sites/${SITE}/queue`);
	assert.equal(q.status, 200);
	const t = q.body.tickets.find((x) => x.label === label);
	assert.ok(t, `central's queue has ${label}`);
	assert.ok(Math.abs(q.body.server_ms - t.since_ms - back) < 120000,
		`the ticket's since_ms is 45 min before central's now (${q.body.server_ms - t.since_ms} ms)`);
	// A shared nickname goes through the birth year; the smoking ticket has its own prefix.
	const second = await k.checkIn('Søren', 'cocaine', 'smoke', { birthYear: 1991 });
	assert.match(second.label, /^R-\d{3}$/);
	// A quarantined user is refused right after the nickname; nothing is queued, the refusal
	// (without substance or route) is reported.
	assert.equal((await k.checkIn('Tomas', null, null, { expect: 'refused', early: true })).label, null);
	const r = await report(w.central);
	assert.equal(r.totals.checkins, 2);
	assert.deepEqual(r.totals.checkins_by_route, { inject: 1, smoke: 1 });
	assert.deepEqual(r.totals.refusals_by_reason, { quarantined: 1 });
});

test('a staff command at the kiosk (CLI) is synced: central sees the intake start', async () => {
	const k = w.kiosk;
	const q = await w.central.admin.get(`/api/v1/sites/${SITE}/queue`);
	const called = q.body.tickets.find((x) => x.state === 'called');
	assert.ok(called, `a called ticket: ${JSON.stringify(q.body.tickets)}`);
	await k.cmd(['start', '--ticket', called.label]);
	const after = await w.central.admin.get(`/api/v1/sites/${SITE}/queue`);
	assert.equal(after.body.tickets.find((x) => x.label === called.label).state, 'in_session');
});

test("a command from central is applied by the kiosk's sync process (commandDone)", async () => {
	const q = await w.central.admin.get(`/api/v1/sites/${SITE}/queue`);
	const inSession = q.body.tickets.find((x) => x.state === 'in_session');
	assert.ok(inSession, 'the intake started in the test before');
	const posted = await w.central.admin.post(`/api/v1/sites/${SITE}/commands`, { v: 1, type: 'end', ticket: inSession.ticket });
	assert.equal(posted.status, 202, JSON.stringify(posted.body));
	const done = await commandDone(w.central.admin, posted.body.command);
	assert.equal(done.state, 'applied', JSON.stringify(done));
});

test('an offline check-in reaches central only when the kiosk syncs again', async () => {
	const k = w.kiosk;
	const { label } = await k.checkIn('Mette', 'amphetamine', 'smoke', { offline: true });
	const labels = async () => (await w.central.admin.get(`/api/v1/sites/${SITE}/queue`)).body.tickets.map((x) => x.label);
	assert.ok(!(await labels()).includes(label), `central has ${label} already`);
	await k.startSync();
	await k.waitSynced();
	assert.ok((await labels()).includes(label), `central has ${label} after the sync`);
});

test('a user registered at central comes down to the kiosk and checks in there', async () => {
	const made = await w.central.admin.post('/api/v1/users', { v: 1, nickname: 'Harness Ny', birth_year: 1990,
		gender: 'female', municipality: '101', consent_version: '2024-1', site: SITE });
	assert.equal(made.status, 201, JSON.stringify(made.body));
	assert.match(await w.kiosk.waitUser('Harness Ny'), new RegExp(`^${made.body.id}\t`));
	assert.match((await w.kiosk.checkIn('Harness Ny', 'heroin', 'inject')).label, /^I-\d{3}$/);
});

test('central.displayKey gives a key the display route and page take', async () => {
	const key = await w.central.displayKey();
	const get = (k) => fetch(`${w.url}/api/v1/display`, { headers: { Authorization: `Bearer ${k}` } });
	const ok = await get(key);
	assert.equal(ok.status, 200);
	assert.equal((await ok.json()).site, SITE);
	assert.equal((await get('0'.repeat(key.length))).status, 401, 'a wrong key');
	const { ctx, page, seen } = await w.newPage({ viewport: { width: 1920, height: 1080 } });
	// The page long-polls, so the network is never idle: wait for its first answer instead.
	const first = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/display');
	await page.goto(`${w.url}/display#key=${key}`);
	assert.equal((await first).status(), 200, "the display page's first call");
	await page.waitForTimeout(300);
	await axeCheck(page, '/display');
	seen.assertClean('/display');
	await ctx.close();
});
