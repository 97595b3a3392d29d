// The browser tests' harness: a real ankomst-central on a loopback port with a temporary
// database, admin and staff accounts, a real paired kiosk (headless check-ins, a sync-only
// process), Debian's chromium driven by playwright-core, and helpers for login, axe, CSP,
// screenshots and central's report. Everything it starts it stops in the test's `after`.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync, existsSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

const here = dirname(fileURLToPath(import.meta.url));

// The binaries and folders, from tests/web/run.sh (which ctest calls with the build's paths).
function need(name) {
	const v = process.env[name];
	if (!v) throw new Error(`${name} is not set: run the browser tests through tests/web/run.sh`);
	return v;
}
export const env = {
	central: need('ANK_CENTRAL'),
	kiosk: need('ANK_KIOSK'),
	queue: need('ANK_QUEUE'),
	source: process.env.ANK_SOURCE_DIR || join(here, '..', '..'),
	chromium: process.env.ANK_CHROMIUM || '/usr/bin/chromium',
	// Where screenshot() writes; scripts/screenshots sets docs/screenshots for the README.
	shots: process.env.ANK_WEB_SHOTS || '',
	keep: process.env.ANK_WEB_KEEP === '1',
	// The pages and catalogs central serves: its compiled-in defaults (this source tree)
	// unless these name other folders (to try a page tree against a built central).
	webDir: process.env.ANK_WEB_DIR || '',
	i18nDir: process.env.ANK_I18N_DIR || '',
};
// The folder of the web files that the served manifest lists.
export const webDir = () => env.webDir || join(env.source, 'server-sync/central/web');

// The headers every page and static answer has (issue 10's contract).
export const PAGE_HEADERS = {
	'content-security-policy':
		"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"media-src 'self'; connect-src 'self'; font-src 'self'; form-action 'self'; " +
		"frame-ancestors 'none'; base-uri 'none'",
	'x-content-type-options': 'nosniff',
	'referrer-policy': 'no-referrer',
	'x-frame-options': 'DENY',
	'cache-control': 'no-cache',
};

// The test accounts. Passwords are test-only (12+ characters, as central requires).
export const ADMIN = { user: 'admin', password: 'web-test-admin-pw' };
export const STAFF = { user: 'anna', password: 'web-test-staff-pw', site: 'demo' };
export const SITE = 'demo';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// An error that ends a waitFor at once instead of being tried again (a process that died).
export class Fatal extends Error {}

// waitFor(fn, what, ms): polls an async predicate every 100 ms; throws naming `what`. An
// error thrown by fn is retried (a busy database), unless it is a Fatal.
export async function waitFor(fn, what, ms = 20000) {
	const end = Date.now() + ms;
	let last;
	while (Date.now() < end) {
		try {
			const v = await fn();
			if (v) return v;
		} catch (e) {
			if (e instanceof Fatal) throw e;
			last = e;
		}
		await sleep(100);
	}
	throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

// run(cmd, args, {input}): runs a program to its end; resolves {code, stdout, stderr}.
export function run(cmd, args, opts = {}) {
	return new Promise((resolve, reject) => {
		const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
		let stdout = '', stderr = '';
		p.stdout.on('data', (d) => (stdout += d));
		p.stderr.on('data', (d) => (stderr += d));
		p.on('error', reject);
		// A program that reads no input may be gone before it is written: not an error.
		p.stdin.on('error', () => {});
		p.on('close', (code, signal) => resolve({ code: code ?? 128, signal, stdout, stderr }));
		p.stdin.end(opts.input ?? '');
	});
}

// Like run, but a status other than 0 is an error carrying the program's output.
async function must(cmd, args, opts) {
	const r = await run(cmd, args, opts);
	if (r.code !== 0)
		throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}\n${r.stdout}${r.stderr}`);
	return r;
}

// A long-running process whose output goes to a log file; stop() ends it with SIGTERM and
// says how it ended, so an ASan report at exit (status != 0) fails the test.
class Proc {
	constructor(name, cmd, args, log) {
		this.name = name;
		this.log = log;
		this.out = '';
		this.p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
		const keep = (d) => {
			this.out += d;
			if (this.out.length > 400000) this.out = this.out.slice(-200000);
		};
		this.p.stdout.on('data', keep);
		this.p.stderr.on('data', keep);
		this.done = new Promise((r) => this.p.on('close', (code, signal) => r({ code, signal })));
		live.add(this);
	}
	alive() {
		return this.p.exitCode === null && this.p.signalCode === null;
	}
	async stop() {
		if (this.alive()) this.p.kill('SIGTERM');
		const t = setTimeout(() => this.p.kill('SIGKILL'), 15000);
		const r = await this.done;
		clearTimeout(t);
		live.delete(this);
		writeFileSync(this.log, this.out);
		return r;
	}
	tail(n = 30) {
		return this.out.split('\n').slice(-n).join('\n');
	}
}
// Whatever is still running when node exits (a test that threw) is killed, never left behind.
const live = new Set();
process.on('exit', () => {
	for (const p of live) if (p.alive()) p.p.kill('SIGKILL');
});

// ---- central ----

// A real `ankomst-central serve` on 127.0.0.1 with a fresh database in its own folder, the
// demo site, and an admin (create-admin) who makes the staff account through the API.
// ini: more [central] keys for its config file ({metrics_token: '…'}).
export async function startCentral({ ini = {} } = {}) {
	const dir = mkdtempSync(join(tmpdir(), 'ank-web-'));
	const db = join(dir, 'central.db');
	const c = env.central;
	const keys = { ...(env.webDir ? { web_dir: env.webDir } : {}), ...(env.i18nDir ? { i18n_dir: env.i18nDir } : {}), ...ini };
	const config = join(dir, 'central.ini');
	writeFileSync(config, '[central]\n' + Object.entries(keys).map(([k, v]) => `${k} = ${v}\n`).join(''));
	await must(c, ['migrate', '--db', db]);
	await must(c, ['add-site', '--db', db, '--site', SITE, '--name', 'Demo-rummet', '--municipality', '101']);
	await must(c, ['create-admin', '--db', db, '--user', ADMIN.user], { input: ADMIN.password + '\n' });
	const portFile = join(dir, 'port');
	const proc = new Proc('central', c, ['serve', '--config', config, '--db', db, '--listen', '127.0.0.1:0', '--port-file', portFile], join(dir, 'central.log'));
	const port = await waitFor(() => {
		if (!proc.alive()) throw new Fatal(`central exited: ${proc.tail()}`);
		const t = existsSync(portFile) ? readFileSync(portFile, 'utf8').trim() : '';
		return t ? Number(t) : 0;
	}, 'central to listen', 20000);
	const central = {
		dir, db, port, proc,
		url: `http://127.0.0.1:${port}`,
		// The CLI on this database (pair-kiosk, report, …).
		cli: (args, input) => must(c, [args[0], '--db', db, ...args.slice(1)], { input }),
		// A new display key of the site (`display-key`, printed once), for /display#key=….
		displayKey: async (site = SITE) => (await must(c, ['display-key', '--db', db, '--site', site])).stdout.trim(),
		async stop() {
			const r = await proc.stop();
			// SIGTERM is a clean stop (status 0); anything else (an ASan report) fails.
			assert.equal(r.code, 0, `central ended with ${r.code ?? r.signal}:\n${proc.tail(60)}`);
		},
	};
	central.admin = await apiLogin(central.url, ADMIN.user, ADMIN.password);
	const made = await central.admin.post('/api/v1/accounts', { v: 1, user: STAFF.user, password: STAFF.password, role: 'staff', site: STAFF.site });
	assert.equal(made.status, 201, `making the staff account: ${made.status} ${JSON.stringify(made.body)}`);
	return central;
}

// A logged-in API client from node (not the browser): keeps the session cookie and CSRF token.
export async function apiLogin(url, user, password) {
	const r = await fetch(url + '/api/v1/login', {
		method: 'POST', headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ v: 1, user, password }),
	});
	const body = await r.json();
	assert.equal(r.status, 200, `login of ${user}: ${r.status} ${JSON.stringify(body)}`);
	const cookie = (r.headers.get('set-cookie') || '').split(';')[0];
	const call = async (method, path, data) => {
		const headers = { Cookie: cookie };
		if (method !== 'GET') Object.assign(headers, { 'Content-Type': 'application/json', 'X-CSRF-Token': body.csrf });
		const a = await fetch(url + path, { method, headers, body: data === undefined ? undefined : JSON.stringify(data) });
		const text = await a.text();
		let json = null;
		try { json = JSON.parse(text); } catch { /* not JSON: kept as text */ }
		return { status: a.status, body: json ?? text, headers: a.headers };
	};
	return { csrf: body.csrf, cookie, get: (p) => call('GET', p), post: (p, d) => call('POST', p, d) };
}

// Waits until a command posted to central (POST /api/v1/sites/{site}/commands, number n)
// was applied or refused by the kiosk; resolves its final state {state, reason, …}.
export async function commandDone(api, n, site = SITE, ms = 30000) {
	return waitFor(async () => {
		const r = await api.get(`/api/v1/sites/${site}/commands/${n}`);
		return r.status === 200 && r.body.state !== 'sent' ? r.body : null;
	}, `command ${n} to be applied or refused`, ms);
}

// `ankomst-central report` on the live database, parsed (the ministry's JSON), without
// small-cell suppression by default: the tests compare exact counts. suppressBelow N hides
// as the config's report_suppress_below does (the report page's figures); quarter or year
// instead of from/to as the CLI takes them.
export async function report(central, { from, to, quarter, year, suppressBelow = 0 } = {}) {
	const args = ['report', '--suppress-below', String(suppressBelow)];
	if (from) args.push('--from', from);
	if (to) args.push('--to', to);
	if (quarter) args.push('--quarter', quarter);
	if (year) args.push('--year', year);
	const r = await central.cli(args);
	return JSON.parse(r.stdout);
}

// Central's store read directly (read-only) with the sqlite3 shell: for waiting on sync.
export async function sqlOne(db, query) {
	const r = await must('sqlite3', ['-readonly', '-batch', '-noheader', db, query]);
	return r.stdout.trim();
}

// ---- the kiosk ----

const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

// A real kiosk of the demo site (or of `site`): its own site.db (demo config and registry), paired with
// central, a `--sync-only` process keeping it online (it applies central's commands), and
// check-ins through the real screens in headless runs. The kiosk's clock is real time
// unless setClock/advanceClock set one: then headless runs and the CLI get `--now`, so a
// test can check in "45 minutes ago" (central takes kiosk times from 2020 up to 24 h ahead).
export class Kiosk {
	constructor(central, name = 'kiosk', site = SITE) {
		this.central = central;
		this.site = site;
		this.dir = join(central.dir, name);
		mkdirSync(this.dir);
		this.db = join(this.dir, 'site.db');
		this.offsetMs = null;
		this.sync = null;
		this.runs = 0;
	}
	// The kiosk's now as an ISO time, or null for real time.
	nowArg() {
		return this.offsetMs === null ? null : iso(Date.now() + this.offsetMs);
	}
	setClock(ms) {
		this.offsetMs = ms - Date.now();
	}
	advanceClock(ms) {
		this.offsetMs = (this.offsetMs ?? 0) + ms;
	}
	// ankomst-queue on this kiosk's database at the kiosk's clock.
	queue(args) {
		const now = this.nowArg();
		return must(env.queue, ['--db', this.db, ...(now ? ['--now', now] : []), ...args]);
	}
	// site: the site to pair with; code: a pairing code made already (the admin page's),
	// else one is made with the CLI.
	async setup({ config = join(env.source, 'assets/demo/site.ini'), registry = join(env.source, 'assets/demo/registry.json'), site = this.site, code = null } = {}) {
		await this.queue(['config', config]);
		await this.queue(['import', registry]);
		code = code ?? (await this.central.cli(['pair-kiosk', '--site', site])).stdout.trim();
		await must(env.kiosk, ['--db', this.db, '--pair', this.central.url, code]);
		const token = JSON.parse(readFileSync(this.db + '.token', 'utf8'));
		this.id = token.kiosk;
		assert.match(this.id, /^k-/, 'the pairing stored the kiosk id');
		await this.startSync();
		await this.waitSynced();
		return this;
	}
	// Starts the sync-only process and waits until its sync has started (its log says so).
	async startSync() {
		if (this.sync) return;
		const s = new Proc('kiosk-sync', env.kiosk, ['--db', this.db, '--data', env.source, '--sync-only'], join(this.dir, `sync-${this.runs++}.log`));
		this.sync = s;
		await waitFor(() => {
			if (!s.alive()) throw new Fatal(`the sync-only kiosk exited: ${s.tail()}`);
			return / syncing with /.test(s.out);
		}, 'the sync-only kiosk to start', 20000);
	}
	// Stops the sync-only process (the kiosk "goes offline"): it must end with status 0, or by
	// the SIGTERM itself when that came in the moment before the kiosk set its handler;
	// anything else (an ASan abort) fails with its log.
	async stopSync() {
		if (!this.sync) return;
		const s = this.sync;
		this.sync = null;
		const r = await s.stop();
		assert.ok(r.code === 0 || r.signal === 'SIGTERM', `the sync-only kiosk ended with ${r.code ?? r.signal}:\n${s.tail(60)}`);
	}
	// Resolves when central holds every event of this kiosk's outbox (a sync-only process
	// must be running); returns the number of events.
	async waitSynced(ms = 30000) {
		const want = Number(await sqlOne(this.db, 'SELECT coalesce(max(seq), 0) FROM outbox'));
		await waitFor(async () => Number(await sqlOne(this.central.db,
			`SELECT coalesce(max(seq), 0) FROM event WHERE kiosk = '${this.id}'`)) >= want,
		`central to hold the kiosk's ${want} events`, ms);
		return want;
	}
	// Plays a headless script on the real screens (the null renderer unless shots are asked
	// for). The sync-only process pauses meanwhile, so one process syncs this database at a
	// time; the headless kiosk syncs while it runs. Resolves {code, stdout, stderr}.
	// offline: true plays it unpaired (the token file set aside meanwhile), so its events stay
	// unsent until the sync runs again (startSync, after stopSync).
	async headless(lines, { shots = null, expectCode = 0, offline = false } = {}) {
		const script = join(this.dir, `script-${this.runs++}.txt`);
		writeFileSync(script, lines.join('\n') + '\n');
		const args = ['--data', env.source, '--db', this.db, '--headless', '--script', script];
		const now = this.nowArg();
		if (now) args.push('--now', now);
		if (shots) args.push('--shots', shots);
		else args.push('--renderer', 'null');
		const wasSyncing = !!this.sync;
		await this.stopSync();
		const token = this.db + '.token', aside = this.db + '.token-aside';
		if (offline) renameSync(token, aside);
		let r;
		try {
			r = await run(env.kiosk, args);
		} finally {
			if (offline) renameSync(aside, token);
		}
		if (wasSyncing && !offline) await this.startSync();
		assert.equal(r.code, expectCode, `headless kiosk (${script}) exited ${r.code}:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
		return r;
	}
	// Waits until the kiosk's registry lists a nickname (a user registered at central comes
	// down through the sync's change feed); resolves the search line ("u-…\tNICK\t…").
	async waitUser(nickname, ms = 30000) {
		return waitFor(async () => (await this.queue(['search', nickname])).stdout.split('\n')
			.find((l) => l.split('\t')[1] === nickname), `the kiosk to know "${nickname}"`, ms);
	}
	// Checks a user in through the kiosk's screens as a person would: the nickname typed on
	// the on-screen keyboard, the match chosen (the birth year when the name is shared), the
	// substance and route tapped (route: null for a site with one route), then waits until
	// central holds the events. Returns {label} of the ticket; with expect 'refused' the
	// refusal screen is expected instead and {label: null} returned; with early: true as well,
	// right after the nickname (or birth year), before any substance (a rule about the person).
	// opts: {birthYear, assisted, helper (a nickname), expect: 'ticket'|'refused', early: false,
	// sync: true, offline: false (see headless; the sync-only process stays stopped after it)}.
	async checkIn(nickname, substance, route, opts = {}) {
		const found = (await this.queue(['search', nickname])).stdout.split('\n').filter(Boolean);
		const index = found.findIndex((l) => l.split('\t')[1] === nickname);
		assert.ok(index >= 0, `the kiosk's search for "${nickname}" does not list it:\n${found.join('\n')}`);
		const s = ['expect-screen welcome', 'tap-id welcome.checkin', 'expect-screen nickname',
			`type ${nickname.toLowerCase()}`, `expect-text ${nickname}`, `tap-id nickname.match.${index}`];
		if (/\(\d+ users/.test(found[index])) {
			assert.ok(opts.birthYear, `"${nickname}" is shared: give birthYear`);
			s.push('expect-screen birthyear', `tap-id birthyear.option.${opts.birthYear}`);
		}
		const expect = opts.expect ?? 'ticket';
		const early = expect === 'refused' && opts.early;
		if (!early) {
			s.push('expect-screen substance');
			if (opts.assisted) s.push('tap-id substance.assisted');
			s.push(`tap-id substance.${substance}`);
			if (opts.assisted) s.push('expect-screen helper', `type ${opts.helper.toLowerCase()}`, 'tap-id helper.match.0');
			else if (route) s.push('expect-screen route', `tap-id route.${route}`);
		}
		// The refusal comes when the check-in is tried, after the choices, or early.
		s.push(`expect-screen ${expect}`, 'dump', `tap-id ${expect === 'ticket' ? 'ticket.done' : 'refused.ok'}`,
			'expect-screen welcome');
		const r = await this.headless(s, { offline: opts.offline });
		const label = expect === 'ticket' ? ticketLabel(r.stdout) : null;
		if (expect === 'ticket') assert.ok(label, `no ticket label in the ticket screen's dump:\n${r.stdout.slice(0, 2000)}`);
		if (opts.sync !== false && this.sync && !opts.offline) await this.waitSynced();
		return { label };
	}
	// The queue's timer at the kiosk's clock (no-shows, auto-call), then synced.
	async tick() {
		await this.queue(['tick']);
		if (this.sync) await this.waitSynced();
	}
	// A staff command at the kiosk (ankomst-queue cmd), then synced.
	async cmd(args) {
		await this.queue(['cmd', ...args]);
		if (this.sync) await this.waitSynced();
	}
	async stop() {
		await this.stopSync();
	}
}

// The ticket number widget of the last ticket screen dump in a headless run's output.
function ticketLabel(stdout) {
	let label = null;
	for (const line of stdout.split('\n')) {
		if (!line.startsWith('{"screen":"ticket"')) continue;
		const w = JSON.parse(line).widgets.find((x) => x.id === 'ticket.number');
		if (w) label = w.text;
	}
	return label;
}

// ---- the browser ----

let pw = null;
async function playwright() {
	if (!pw) {
		try {
			pw = await import('playwright-core');
		} catch (e) {
			throw new Error(`playwright-core is missing in tests/web/node_modules: run scripts/web-deps (${e.message})`);
		}
	}
	return pw;
}

// Debian's chromium, headless; never a browser playwright downloads.
export async function launchBrowser() {
	const { chromium } = await playwright();
	return chromium.launch({ executablePath: env.chromium, headless: true });
}

// Records what a page must never show: console errors (among them CSP violations and any
// resource answered 4xx/5xx, which chromium logs as "Failed to load resource"), uncaught
// exceptions and failed requests. assertClean() fails with the list. allow: regular
// expressions for lines a test expects (/status of 401/ after a session was revoked).
export function watch(page, { allow = [] } = {}) {
	const problems = [];
	const keep = (line) => {
		if (!allow.some((re) => re.test(line))) problems.push(line);
	};
	page.on('console', (m) => {
		// The location names the resource of a "Failed to load resource" line. The browser's
		// own /favicon.ico request is left out: no page asks for it, and whether its 404 is
		// logged before or after a check depends on timing.
		const where = m.location()?.url || page.url();
		if (m.type() === 'error' && new URL(where, page.url()).pathname !== '/favicon.ico')
			keep(`console: ${m.text()} (${where})`);
	});
	page.on('pageerror', (e) => keep(`exception: ${e.message}`));
	page.on('requestfailed', (r) => keep(`request failed: ${r.url()} ${r.failure()?.errorText}`));
	return {
		problems,
		assertClean(what = 'the page') {
			assert.deepEqual(problems, [], `${what} reported problems`);
		},
	};
}

// A fresh browser context (no cookies) and page with watch() on it: {ctx, page, seen}.
// ctxOptions as playwright's (viewport, locale, …); close with ctx.close(). (/staff and
// /display long-poll, so their network is never idle: wait for an answer or an element.)
export async function newPage(browser, ctxOptions = {}, watchOptions = {}) {
	const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...ctxOptions });
	const page = await ctx.newPage();
	return { ctx, page, seen: watch(page, watchOptions) };
}

// Logs in through the real login page: /staff/login, the user name and password fields,
// the submit button; resolves when the browser is on /staff.
export async function login(page, baseUrl, user, password) {
	const r = await page.goto(baseUrl + '/staff/login');
	assert.equal(r?.status(), 200, 'GET /staff/login (the login page)');
	const form = page.locator('form');
	const timeout = 10000;
	await form.locator('input[autocomplete="username"], input[name="user"]').first().fill(user, { timeout });
	await form.locator('input[type="password"]').first().fill(password, { timeout });
	await Promise.all([
		page.waitForURL((u) => u.pathname === '/staff', { timeout: 15000 }),
		form.locator('button[type="submit"], input[type="submit"]').first().click(),
	]);
}

const axeSource = () => readFileSync(join(here, 'node_modules/axe-core/axe.min.js'), 'utf8');

// Runs axe-core on the page as it is and fails on any violation of impact serious or
// critical (listing rule, impact and the elements). axe is evaluated through the DevTools
// protocol (page.evaluate), which the page's CSP does not govern, so the page keeps its
// real CSP during the audit: no bypassCSP context is needed (page.addScriptTag would add
// an inline <script>, which `script-src 'self'` rightly blocks).
export async function axeCheck(page, what = page.url()) {
	// Contrast is judged on the page at rest: a pulse that is still fading (the TV page's
	// fresh call blinks three times) would be measured half transparent. Finite animations
	// are waited for (they end within seconds); infinite ones would fail this wait.
	await page.waitForFunction(() => document.getAnimations()
		.every((a) => a.playState !== 'running'), null, { timeout: 15000 });
	await page.evaluate(axeSource());
	const result = await page.evaluate(() =>
		// eslint-disable-next-line no-undef
		axe.run(document, { resultTypes: ['violations'] }));
	const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
	const text = bad.map((v) => `${v.impact} ${v.id}: ${v.help}\n` +
		v.nodes.map((n) => `    ${n.target.join(' ')}`).join('\n')).join('\n');
	assert.equal(bad.length, 0, `axe on ${what}: ${bad.length} serious/critical violation(s)\n${text}`);
	return result;
}

// Writes DIR/NAME.png when ANK_WEB_SHOTS names a folder (scripts/screenshots sets
// docs/screenshots, where the README's pictures are); otherwise does nothing.
export async function screenshot(page, name) {
	if (!env.shots) return null;
	mkdirSync(env.shots, { recursive: true });
	const path = join(env.shots, `${name}.png`);
	await page.screenshot({ path, fullPage: false });
	return path;
}

// ---- everything at once ----

// The whole world of a test: central with accounts, optionally a paired kiosk with its sync
// running, the browser. close() (call it from `after`/`t.after`) closes the browser, stops
// the kiosk and central with status 0 and removes the folder (kept with ANK_WEB_KEEP=1).
export async function world({ kiosk = false, ini = {} } = {}) {
	const w = {};
	w.close = async () => {
		if (w.browser) await w.browser.close();
		if (w.kiosk) await w.kiosk.stop();
		if (w.central) await w.central.stop();
		if (w.central && !env.keep) rmSync(w.central.dir, { recursive: true, force: true, maxRetries: 5 });
		else if (w.central) console.log(`# kept ${w.central.dir}`);
	};
	try {
		w.central = await startCentral({ ini });
		w.url = w.central.url;
		w.login = (page, user, password) => login(page, w.url, user, password);
		w.newPage = (ctxOptions, watchOptions) => newPage(w.browser, ctxOptions, watchOptions);
		if (kiosk) w.kiosk = await new Kiosk(w.central).setup();
		w.browser = await launchBrowser();
	} catch (e) {
		await w.close().catch(() => {});
		throw e;
	}
	return w;
}
