// The printable report page (issue 14, item 3) in real Chromium against real central and a
// real paired kiosk: people check in on the kiosk's screens and start sessions, a week ago and
// now; an admin opens the Report tab for the period, and every figure of the tables is the
// one the CLI's JSON gives for the same period, suppressed with the same threshold (the
// config's report_suppress_below), "<3" and "hidden" as they are and explained in the
// footnote. The page is printed with page.pdf(), turned into PNGs with pdftoppm, and the
// charts' bars are found in the pixels. The raw-data link is a confidential CSV download; a
// bad period says why; axe-core finds no serious or critical violation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { world, run, axeCheck, report, screenshot, ADMIN, SITE } from './lib.mjs';

const BELOW = 3; // small enough that this test's few people make bars that are not hidden
const DAY = 24 * 3600 * 1000;
let w, admin;
const day = (ms) => new Date(ms).toISOString().slice(0, 10);
// The period: from ten days ago to tomorrow (local days; a day either side of UTC is enough).
const FROM = day(Date.now() - 10 * DAY), TO = day(Date.now() + DAY);

// A staff command that may find nothing to do (a ticket the site's auto-call already called,
// a station that is not being cleaned).
async function tryCmd(k, args) {
	try {
		await k.cmd(args);
	} catch (e) {
		if (!/not allowed in the current state/.test(e.message)) throw e;
	}
}

// One visit: check in on the screens, called to a station (or auto-called), the session started.
async function visit(k, nickname, substance, route, station) {
	const { label } = await k.checkIn(nickname, substance, route);
	await tryCmd(k, ['call_ticket', '--ticket', label, '--station', station]);
	await k.cmd(['start', '--ticket', label]);
	return label;
}

before(async () => {
	w = await world({ kiosk: true, ini: { report_suppress_below: BELOW } });
	const k = w.kiosk;
	// A week ago: three heroin injections and one cocaine smoke, all ended.
	k.setClock(Date.now() - 8 * DAY);
	const past = [['Mette', 'heroin', 'inject', '1'], ['Nanna', 'heroin', 'inject', '2'],
		['Æblet', 'heroin', 'inject', '5'], ['Karim', 'cocaine', 'smoke', '3']];
	const labels = [];
	for (const [n, s, r, st] of past) labels.push(await visit(k, n, s, r, st));
	for (const label of labels) await k.cmd(['end', '--ticket', label]);
	for (const st of ['1', '2', '3', '4', '5']) await tryCmd(k, ['cleaning_done', '--station', st]);
	// Now: the same four again, and one more who smokes cocaine and still waits.
	k.setClock(Date.now());
	for (const [n, s, r, st] of past)
		await visit(k, n, s, r, st);
	await k.checkIn('Søren', 'cocaine', 'smoke', { birthYear: 1984 });
	admin = await w.newPage();
});
after(async () => {
	if (w) await w.close();
});

const page = () => admin.page;

// Every leaf of a section as the page marks it: "figure\u0000path" → JSON text.
function leavesOf(sec) {
	const out = {};
	const isWait = (v) => v !== null && typeof v === 'object' && Object.hasOwn(v, 'n');
	const walk = (fig, obj, path) => {
		for (const [k, v] of Object.entries(obj)) {
			if (v === null || typeof v !== 'object' || isWait(v)) out[`${fig}\u0000${path.concat(k).join('|')}`] = JSON.stringify(v);
			else walk(fig, v, path.concat(k));
		}
	};
	for (const [fig, v] of Object.entries(sec)) {
		if (['name', 'time_zone', 'municipality'].includes(fig)) continue;
		if (v === null || typeof v !== 'object' || isWait(v)) out[`${fig}\u0000`] = JSON.stringify(v);
		else walk(fig, v, []);
	}
	return out;
}

async function shownLeaves() {
	return page().evaluate(() => {
		const out = {};
		for (const td of document.querySelectorAll('[data-test=report] td[data-fig]'))
			out[`${td.dataset.fig}\u0000${td.dataset.cell}`] = td.dataset.value;
		return out;
	});
}

async function openReport() {
	const p = page();
	await p.goto(w.url + '/admin');
	await p.waitForURL((u) => u.pathname === '/staff/login');
	await p.locator('#login-user').fill(ADMIN.user);
	await p.locator('#login-password').fill(ADMIN.password);
	await Promise.all([p.waitForURL((u) => u.pathname === '/admin'), p.locator('[data-test=login-submit]').click()]);
	await p.locator('#tabs a[data-view=report]').click();
	await p.locator('[data-test=report-view]').waitFor();
	await p.locator('[data-test=rep-kind]').selectOption('range');
	await p.locator('[data-test=rep-from]').fill(FROM);
	await p.locator('[data-test=rep-to]').fill(TO);
	await p.locator('[data-test=rep-submit]').click();
	await p.locator('[data-test=report-summary]').waitFor();
}

test('the report tab shows the figures the CLI gives for the period, suppressed alike', async () => {
	await openReport();
	const cli = await report(w.central, { from: FROM, to: TO, suppressBelow: BELOW });
	assert.equal(cli.suppression.below, BELOW);
	// The people of this test: 9 check-ins and 8 intakes, in two ISO weeks.
	assert.equal((await report(w.central, { from: FROM, to: TO })).totals.intakes, 8);
	assert.equal(Object.keys(cli.totals.intakes_by_week).length, 2, JSON.stringify(cli.totals.intakes_by_week));
	assert.deepEqual(await shownLeaves(), leavesOf(cli.totals), 'the totals');
	for (const [value, sec] of [[`s:${SITE}`, cli.sites[SITE]], ['m:101', cli.municipalities['101']]]) {
		await page().locator('[data-test=rep-section]').selectOption(value);
		await page().locator('[data-test=report-title]').filter({ hasText: value.slice(2) }).waitFor();
		assert.deepEqual(await shownLeaves(), leavesOf(sec), value);
	}
	await page().locator('[data-test=rep-section]').selectOption('totals');
	// Danish by default; small cells as they are, explained below the tables.
	const out = page().locator('[data-test=report]');
	assert.match(await out.locator('[data-test=report-title]').textContent(), /^Ankomst-rapport: Alle steder$/);
	const texts = await out.locator('td.suppressed').allTextContents();
	assert.ok(texts.includes('<3'), `a "<3" cell: ${texts}`);
	assert.ok(texts.every((x) => x === '<3' || x === 'hidden'), texts.join(','));
	assert.match(await out.locator('[data-test=report-footnote]').textContent(), /“<3” er et tal fra 1 til 3 minus 1/);
	// Capacity use by hour: the kiosk sent its stations' types, so a table of the hours
	// replaces "not available yet".
	const cap = cli.totals.capacity;
	assert.ok(cap && cap.open_s > 0, JSON.stringify(cap));
	assert.equal(await out.locator('[data-test=capacity-table] tbody tr').count(), Object.keys(cap.by_hour).length);
	assert.doesNotMatch(await out.locator('[data-test=capacity]').textContent(), /Ikke tilgængelig endnu/);
	await axeCheck(page(), '/admin, report');
	await screenshot(page(), 'admin_report');
	await page().locator('[data-lang=en]').click();
	await waitTitle(/^Ankomst report: All sites$/);
	assert.match(await out.locator('[data-test=capacity]').textContent(), /Station-hours open/);
	admin.seen.assertClean('/admin, report');
});

async function waitTitle(re) {
	const title = page().locator('[data-test=report-title]');
	for (let i = 0; i < 50 && !re.test(await title.textContent()); i++) await page().waitForTimeout(100);
	assert.match(await title.textContent(), re);
}

// A PNG of pdftoppm (8-bit greyscale, RGB or RGBA, not interlaced) as {width, height, px(x, y) → [r, g, b]}.
function decodePng(buf) {
	assert.equal(buf.toString('latin1', 1, 4), 'PNG');
	let pos = 8, width = 0, height = 0, type = 0;
	const idat = [];
	while (pos < buf.length) {
		const len = buf.readUInt32BE(pos), kind = buf.toString('latin1', pos + 4, pos + 8);
		const data = buf.subarray(pos + 8, pos + 8 + len);
		if (kind === 'IHDR') {
			width = data.readUInt32BE(0);
			height = data.readUInt32BE(4);
			assert.equal(data[8], 8, 'bit depth 8');
			type = data[9];
			assert.equal(data[12], 0, 'not interlaced');
		} else if (kind === 'IDAT') idat.push(data);
		pos += 12 + len;
	}
	const bpp = { 0: 1, 2: 3, 6: 4 }[type];
	assert.ok(bpp, `colour type ${type}`);
	const raw = inflateSync(Buffer.concat(idat)), stride = width * bpp;
	const img = Buffer.alloc(stride * height);
	for (let y = 0; y < height; y++) {
		const f = raw[y * (stride + 1)], line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
		for (let i = 0; i < stride; i++) {
			const a = i >= bpp ? img[y * stride + i - bpp] : 0, b = y ? img[(y - 1) * stride + i] : 0;
			const c = i >= bpp && y ? img[(y - 1) * stride + i - bpp] : 0;
			const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
			const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][f];
			img[y * stride + i] = (line[i] + pred) & 0xff;
		}
	}
	return {
		width, height,
		px: (x, y) => (bpp === 1 ? [img[y * stride + x], img[y * stride + x], img[y * stride + x]] : [...img.subarray(y * stride + x * bpp, y * stride + x * bpp + 3)]),
	};
}

test('printed to PDF and back to PNG, the charts are there in black and grey', async () => {
	const p = page();
	// The bars as drawn (CSS px): what the PNGs must hold about as much of.
	const bars = await p.evaluate(() => [...document.querySelectorAll('svg[data-test=chart] rect.chart-bar')]
		.reduce((sum, r) => sum + r.getBBox().width * r.getBBox().height, 0));
	assert.ok(bars > 2000, `the charts draw bars: ${bars} px²`);
	const dir = w.central.dir, pdf = join(dir, 'report.pdf');
	writeFileSync(pdf, await p.pdf({ format: 'A4' }));
	const r = await run('pdftoppm', ['-png', '-r', '60', pdf, join(dir, 'report')]);
	assert.equal(r.code, 0, r.stderr);
	const pages = readdirSync(dir).filter((f) => /^report-\d+\.png$/.test(f)).sort();
	assert.ok(pages.length >= 3, `head and figures, charts, tables on pages of their own: ${pages}`);
	// Bar pixels: the bars' grey (#4d4d4d) in a 3×3 block of it, which text never makes.
	const grey = ([r, g, b]) => Math.abs(r - 77) < 14 && Math.abs(g - 77) < 14 && Math.abs(b - 77) < 14;
	const perPage = pages.map((f) => {
		const png = decodePng(readFileSync(join(dir, f)));
		let n = 0, colour = 0;
		for (let y = 1; y < png.height - 1; y++)
			for (let x = 1; x < png.width - 1; x++) {
				const c = png.px(x, y);
				if (Math.max(...c) - Math.min(...c) > 24) colour++;
				let all = true;
				for (let dy = -1; dy <= 1 && all; dy++)
					for (let dx = -1; dx <= 1 && all; dx++) all = grey(png.px(x + dx, y + dy));
				n += all;
			}
		return { f, n, colour };
	});
	const scale = (60 / 96) ** 2; // CSS px at 96 per inch, the PNG at 60
	const found = perPage.reduce((s, x) => s + x.n, 0);
	assert.ok(found > 0.4 * bars * scale, `bar pixels ${found} of about ${Math.round(bars * scale)}: ${JSON.stringify(perPage)}`);
	assert.equal(perPage[0].n, 0, 'the first page (heading and figures) has no chart');
	assert.ok(perPage.every((x) => x.colour === 0), `black and grey only: ${JSON.stringify(perPage)}`);
});

test('the raw data link is a confidential CSV; a wrong period says why', async () => {
	const href = await page().locator('[data-test=rep-raw]').getAttribute('href');
	assert.equal(href, `/api/v1/report?from=${FROM}&to=${TO}&format=csv`);
	// Clicked, the browser saves it under the name central gives.
	const [dl] = await Promise.all([page().waitForEvent('download'), page().locator('[data-test=rep-raw]').click()]);
	assert.equal(dl.suggestedFilename(), `ankomst-raw-${FROM}-${TO}-CONFIDENTIAL.csv`);
	const csv = readFileSync(await dl.path(), 'utf8');
	assert.match(csv, /^# CONFIDENTIAL/);
	const rows = csv.split('\n').filter((l) => l && !l.startsWith('#'));
	assert.equal(rows.length, 1 + 8, 'a header and one row per intake');
	const r = await page().evaluate(async (u) => {
		const a = await fetch(u);
		return { status: a.status, type: a.headers.get('content-type'), disposition: a.headers.get('content-disposition') };
	}, href);
	assert.deepEqual(r, { status: 200, type: 'text/csv; charset=utf-8',
		disposition: `attachment; filename="ankomst-raw-${FROM}-${TO}-CONFIDENTIAL.csv"` });
	await page().locator('[data-test=rep-from]').fill(TO);
	await page().locator('[data-test=rep-to]').fill(FROM);
	await page().locator('[data-test=rep-submit]').click();
	await page().locator('[data-test=rep-error]').filter({ hasText: 'to is before from' }).waitFor();
	assert.equal(await page().locator('[data-test=report-summary]').count(), 0);
});
