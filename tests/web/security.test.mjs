// The browser's view of central's security: a logged-out browser gets 401 from every staff
// route of central's route table, the pages answer with the contract's headers (CSP and
// friends) and redirects, the CSP really binds in chromium, the session cookie is out of a
// script's reach and out of another site's requests, no other site frames us, and the login
// page passes axe. Real central, real chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { env, webDir, world, login, apiLogin, axeCheck, screenshot, watch, PAGE_HEADERS, STAFF, ADMIN, SITE } from './lib.mjs';

// The session-guarded routes, read from central's route table itself so that a route added
// later is checked without editing this file: {"METHOD", "/path", handler, AUTH_KIND, …}.
function routeTable() {
	const src = readFileSync(join(env.source, 'server-sync/central/http.c'), 'utf8');
	const re = /\{\s*"(GET|POST|PUT|DELETE)",\s*"([^"]+)",\s*\w+,\s*AUTH_(\w+)/g;
	return [...src.matchAll(re)].map((m) => ({ method: m[1], path: m[2], auth: m[3] }));
}
const staffRoutes = () => routeTable().filter((r) => ['SESSION', 'SITE', 'ADMIN'].includes(r.auth));
// The routes that answer without a session or token, on purpose. A route added with
// AUTH_NONE that is not here fails the test below: add it here only when it must be public.
const PUBLIC_ROUTES = [
	'GET /healthz', 'POST /api/v1/login', 'GET /api/v1/i18n', 'GET /api/v1/i18n/{lang}',
	'GET /', 'GET /staff/login', 'GET /display', 'GET /static/{file}',
	// The waiting-room page's pictograms: the vetted icons, public as the page is.
	'GET /icons/{file}',
];
// Issue 10's contract adds these; the table must have them (so the parse above cannot pass
// by finding nothing).
const CONTRACT_STAFF_ROUTES = [
	'GET /api/v1/me', 'GET /api/v1/users', 'GET /api/v1/municipalities',
	'POST /api/v1/sites/{site}/alarms', 'POST /api/v1/sites/{site}/tickets/check',
	'GET /api/v1/sites/{site}/queue', 'POST /api/v1/sites/{site}/commands',
	'POST /api/v1/users', 'POST /api/v1/accounts', 'POST /api/v1/logout',
];
// Routes that take a bearer key instead of a session: 401 without one, too.
const BEARER_ROUTES = ['POST /api/v1/sync/events', 'GET /api/v1/sync/changes', 'GET /api/v1/display'];
// A value for each {param}: the real site, a plausible id otherwise.
const PARAM = { site: SITE, n: '1', id: 'u-0000000000000000', lang: 'da' };
const fill = (p) => p.replace(/\{(\w+)\}/g, (_, k) => PARAM[k] ?? 'x');

let w;
before(async () => {
	w = await world();
});
after(async () => {
	if (w) await w.close();
});

// A fetch made by the page itself (same origin, the browser's cookies): what a script on our
// pages, or an attacker's page opened in a logged-out browser, would get.
async function browserFetch(page, method, path, body) {
	return page.evaluate(async ({ method, path, body }) => {
		const r = await fetch(path, {
			method, credentials: 'same-origin',
			headers: body ? { 'Content-Type': 'application/json' } : {},
			body: body ? JSON.stringify(body) : undefined,
		});
		let json = null;
		try { json = await r.json(); } catch { /* not JSON */ }
		return { status: r.status, json };
	}, { method, path, body });
}

test('central route table lists the contract staff routes', () => {
	const have = new Set(staffRoutes().map((r) => `${r.method} ${r.path}`));
	const absent = CONTRACT_STAFF_ROUTES.filter((r) => !have.has(r));
	assert.deepEqual(absent, [], `staff routes missing from server-sync/central/http.c`);
});

test('no route of the table is public unless it is on the list of public routes', () => {
	const open = routeTable().filter((r) => r.auth === 'NONE').map((r) => `${r.method} ${r.path}`);
	assert.ok(open.includes('POST /api/v1/login'), 'the table parse finds the public routes');
	assert.deepEqual(open.filter((r) => !PUBLIC_ROUTES.includes(r)), [], 'routes without authentication');
});

test('a logged-out browser gets 401 unauthorized from every staff and bearer route', async () => {
	const ctx = await w.browser.newContext();
	const page = await ctx.newPage();
	await page.goto(w.url + '/healthz');
	const routes = [...staffRoutes().map((r) => `${r.method} ${r.path}`), ...BEARER_ROUTES];
	const wrong = [];
	for (const r of routes) {
		const [method, path] = r.split(' ');
		const a = await browserFetch(page, method, fill(path), method === 'POST' ? { v: 1 } : null);
		if (a.status !== 401 || a.json?.code !== 'unauthorized' || a.json?.v !== 1)
			wrong.push(`${r}: ${a.status} ${JSON.stringify(a.json)}`);
	}
	assert.deepEqual(wrong, [], 'routes that did not answer 401 unauthorized');
	// A made-up session cookie is no session either.
	await ctx.addCookies([{ name: 'ank_session', value: 'ab'.repeat(32), url: w.url }]);
	const forged = await browserFetch(page, 'GET', fill('/api/v1/sites/{site}/queue'));
	assert.equal(forged.status, 401, 'a forged session cookie');
	await ctx.close();
});

test('GET / and a logged-out GET /staff redirect (303) to the login page', async () => {
	const ctx = await w.browser.newContext();
	const root = await ctx.request.get(w.url + '/', { maxRedirects: 0 });
	assert.equal(root.status(), 303, 'GET /');
	assert.equal(new URL(root.headers().location, w.url).pathname, '/staff');
	const staff = await ctx.request.get(w.url + '/staff', { maxRedirects: 0 });
	assert.equal(staff.status(), 303, 'GET /staff without a session');
	assert.equal(new URL(staff.headers().location, w.url).pathname, '/staff/login');
	// And a browser that follows them lands on the login page.
	const page = await ctx.newPage();
	await page.goto(w.url + '/');
	assert.equal(new URL(page.url()).pathname, '/staff/login');
	await ctx.close();
});

// The contract's headers on a page answer.
function assertPageHeaders(headers, what) {
	for (const [k, v] of Object.entries(PAGE_HEADERS))
		assert.equal(headers[k], v, `${what}: header ${k}`);
	assert.ok(headers.etag, `${what}: an ETag`);
}

// Where each page file of the manifest is served (the contract's table); static/NAME is
// served at /static/NAME.
const PAGE_URL = { 'login.html': '/staff/login', 'display.html': '/display', 'staff.html': '/staff', 'admin.html': '/admin' };

test('every file of the manifest answers with the CSP and the other contract headers', async () => {
	const ctx = await w.browser.newContext();
	const manifest = join(webDir(), 'manifest');
	assert.ok(existsSync(manifest), 'server-sync/central/web/manifest exists');
	const files = readFileSync(manifest, 'utf8').split('\n').map((l) => l.trim())
		.filter((l) => l && !l.startsWith('#'));
	for (const f of ['login.html', 'staff.html', 'display.html'])
		assert.ok(files.includes(f), `the manifest lists ${f}`);
	// /staff needs a session: a staff member's. (The cookie is Secure, so playwright's request
	// client would not send it over http by itself; chromium does, to a loopback address.)
	// /admin an admin's (a staff member gets it with 403: admin.test.mjs).
	const { cookie: staffCookie } = await apiLogin(w.url, STAFF.user, STAFF.password);
	const { cookie: adminCookie } = await apiLogin(w.url, ADMIN.user, ADMIN.password);
	for (const f of files) {
		const path = f.startsWith('static/') ? '/' + f : PAGE_URL[f];
		assert.ok(path, `the manifest's ${f} has a URL in the contract`);
		const cookie = f === 'admin.html' ? adminCookie : staffCookie;
		const r = await ctx.request.get(w.url + path, { maxRedirects: 0, headers: { Cookie: cookie } });
		assert.equal(r.status(), 200, `GET ${path}`);
		assertPageHeaders(r.headers(), `GET ${path}`);
		// An unchanged file is not sent again: If-None-Match with its ETag gives 304.
		const again = await ctx.request.get(w.url + path, { maxRedirects: 0, headers: { Cookie: cookie, 'If-None-Match': r.headers().etag } });
		assert.equal(again.status(), 304, `GET ${path} with If-None-Match: its ETag`);
	}
	// Nothing outside the manifest, no directory listing, no way out of the folder.
	for (const path of ['/static/', '/static/manifest', '/static/nope.js', '/staff.html', '/login.html', '/manifest', '/static/../manifest'])
		assert.equal((await ctx.request.get(w.url + path, { maxRedirects: 0 })).status(), 404, `GET ${path}`);
	await ctx.close();
});

test('the login page loads cleanly under its CSP, and the CSP blocks inline script', async () => {
	const ctx = await w.browser.newContext();
	const page = await ctx.newPage();
	const seen = watch(page);
	const r = await page.goto(w.url + '/staff/login');
	assert.equal(r.status(), 200);
	await page.waitForLoadState('networkidle');
	seen.assertClean('/staff/login');
	// An inline script put in by whatever means does not run: the CSP is in force.
	const ran = await page.evaluate(async () => {
		window.__inline = false;
		const s = document.createElement('script');
		s.textContent = 'window.__inline = true';
		document.body.appendChild(s);
		await new Promise((r) => setTimeout(r, 100));
		return window.__inline;
	});
	assert.equal(ran, false, 'an inline script ran on /staff/login');
	await ctx.close();
});

test('the login page passes axe (no serious or critical violation), screenshot', async () => {
	const ctx = await w.browser.newContext({ viewport: { width: 1280, height: 800 } });
	const page = await ctx.newPage();
	await page.goto(w.url + '/staff/login');
	await page.waitForLoadState('networkidle');
	await axeCheck(page, '/staff/login');
	await screenshot(page, 'console_login');
	await ctx.close();
});

// A login made by a script of our origin (as the login page does it): the browser keeps the
// cookie out of every script's reach. Needs no page of the console.
test('the session cookie is HttpOnly, SameSite=Strict, unreadable by scripts; POST needs the CSRF header', async () => {
	const ctx = await w.browser.newContext();
	const page = await ctx.newPage();
	await page.goto(w.url + '/healthz');
	const logged = await browserFetch(page, 'POST', '/api/v1/login', { v: 1, user: STAFF.user, password: STAFF.password });
	assert.equal(logged.status, 200, 'login');
	assert.ok(!('token' in logged.json), 'the login answer does not carry the session token');
	const cookie = (await ctx.cookies()).find((c) => c.name === 'ank_session');
	assert.ok(cookie, 'the session cookie is set');
	assert.equal(cookie.httpOnly, true, 'HttpOnly');
	assert.equal(cookie.sameSite, 'Strict', 'SameSite=Strict');
	assert.equal(cookie.secure, true, 'Secure');
	assert.ok(!(await page.evaluate(() => document.cookie)).includes('ank_session'),
		'page scripts cannot read the session cookie');
	const queue = await browserFetch(page, 'GET', `/api/v1/sites/${SITE}/queue`);
	assert.equal(queue.status, 200, 'the session opens the own site\'s queue');
	const post = await browserFetch(page, 'POST', `/api/v1/sites/${SITE}/commands`, { v: 1, type: 'call_next' });
	assert.equal(post.status, 403, 'a POST without X-CSRF-Token');
	assert.equal(post.json.code, 'csrf');
	const out = await page.evaluate(async (csrf) => (await fetch('/api/v1/logout', { method: 'POST', headers: { 'X-CSRF-Token': csrf } })).status, logged.json.csrf);
	assert.equal(out, 200, 'logout');
	assert.equal((await browserFetch(page, 'GET', `/api/v1/sites/${SITE}/queue`)).status, 401, 'after logout');
	await ctx.close();
});

// An attacker's page on another site (http://localhost:PORT is another site than
// http://127.0.0.1:PORT, both loopback) in the browser of a logged-in staff member.
async function attackerPage(ctx, html) {
	const origin = `http://localhost:${w.central.port}`;
	await ctx.route(`${origin}/attack`, (r) => r.fulfill({ status: 200, contentType: 'text/html', body: html }));
	const page = await ctx.newPage();
	await page.goto(`${origin}/attack`);
	return page;
}

test('a page of another site cannot act with the staff session (SameSite=Strict, CSRF)', async () => {
	const ctx = await w.browser.newContext();
	const staff = await ctx.newPage();
	await staff.goto(w.url + '/healthz');
	assert.equal((await browserFetch(staff, 'POST', '/api/v1/login', { v: 1, user: STAFF.user, password: STAFF.password })).status, 200);
	const before = await w.central.admin.get(`/api/v1/sites/${SITE}/commands/1`);
	assert.equal(before.status, 404, 'no command yet');
	const evil = await attackerPage(ctx, `<!doctype html><html><body>
		<form id="f" method="POST" action="${w.url}/api/v1/logout" enctype="text/plain">
		<input name='{"v":1,"x":"' value='"}'></form></body></html>`);
	// A script there posts a command (no-cors: it cannot read the answer, only cause it).
	await evil.evaluate(async (url) => {
		await fetch(url, { method: 'POST', mode: 'no-cors', credentials: 'include',
			headers: { 'Content-Type': 'text/plain' }, body: '{"v":1,"type":"call_next"}' }).catch(() => {});
	}, `${w.url}/api/v1/sites/${SITE}/commands`);
	// A form there posts the logout as a top-level navigation: central answers it as logged out.
	await Promise.all([evil.waitForURL(`${w.url}/api/v1/logout`), evil.evaluate(() => document.getElementById('f').submit())]);
	assert.match(await evil.content(), /"code":"unauthorized"/, 'the cross-site POST came without the cookie');
	const after = await w.central.admin.get(`/api/v1/sites/${SITE}/commands/1`);
	assert.equal(after.status, 404, 'the cross-site script made no command');
	assert.equal((await browserFetch(staff, 'GET', `/api/v1/sites/${SITE}/queue`)).status, 200,
		'the staff session still works after the cross-site logout');
	await ctx.close();
});

test('no other site can frame the login page (frame-ancestors, X-Frame-Options)', async () => {
	const ctx = await w.browser.newContext();
	const evil = await attackerPage(ctx, `<!doctype html><html><body>
		<iframe src="${w.url}/staff/login" width="600" height="400"></iframe></body></html>`);
	const frame = evil.frames().find((f) => f !== evil.mainFrame());
	assert.ok(frame, 'the iframe exists');
	// A refused frame holds chromium's error page (chrome-error://), not ours.
	const framed = await frame.evaluate(() => location.href).catch(() => 'unreachable');
	assert.ok(!framed.startsWith(w.url), `the login page rendered inside another site's frame (${framed})`);
	await ctx.close();
});

test('logging in through the login page opens /staff, and /api/v1/me names the user', async () => {
	const ctx = await w.browser.newContext();
	const page = await ctx.newPage();
	const seen = watch(page);
	await login(page, w.url, STAFF.user, STAFF.password);
	const me = await browserFetch(page, 'GET', '/api/v1/me');
	assert.equal(me.status, 200, 'GET /api/v1/me with the session');
	assert.equal(me.json.user, STAFF.user);
	assert.equal(me.json.role, 'staff');
	assert.equal(me.json.site, SITE);
	assert.match(me.json.csrf, /^[0-9a-f]{64}$/);
	// The page keeps the CSRF token in memory only: nothing of the session in web storage.
	const stored = await page.evaluate(() => JSON.stringify([{ ...localStorage }, { ...sessionStorage }]));
	assert.ok(!stored.includes(me.json.csrf), `the CSRF token is in web storage: ${stored}`);
	const session = (await ctx.cookies()).find((c) => c.name === 'ank_session');
	assert.ok(session && !stored.includes(session.value), 'the session token is in web storage');
	seen.assertClean('login and /staff');
	await ctx.close();
});

test('a wrong password on the login page: an error shown, no session, still on the login page', async () => {
	const ctx = await w.browser.newContext();
	const page = await ctx.newPage();
	// The page's POST /api/v1/login is answered 401, which chromium logs: that is expected.
	const seen = watch(page, { allow: [/status of 401 .*\/api\/v1\/login/] });
	assert.equal((await page.goto(w.url + '/staff/login')).status(), 200);
	const form = page.locator('form');
	await form.locator('input[autocomplete="username"], input[name="user"]').first().fill(STAFF.user, { timeout: 10000 });
	await form.locator('input[type="password"]').first().fill('not the password at all');
	const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/login'));
	await form.locator('button[type="submit"], input[type="submit"]').first().click();
	assert.equal((await answer).status(), 401);
	const alert = page.locator('[role="alert"]');
	await alert.filter({ hasText: /\S/ }).first().waitFor({ timeout: 5000 });
	assert.equal(new URL(page.url()).pathname, '/staff/login');
	assert.equal((await ctx.cookies()).filter((c) => c.name === 'ank_session').length, 0, 'no session cookie');
	seen.assertClean('the failed login');
	await ctx.close();
});
