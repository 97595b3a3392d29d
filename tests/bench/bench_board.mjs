// Benchmark of the staff console in a real Chromium against a real central: how long from a
// kiosk's event (its batch POSTed with the kiosk's token, as the sync client does) until the
// ticket is on the board, measured in the browser; the console's page weight; and its first
// contentful paint beside a static page of the same size served from the same machine.
// Run by tests/bench/bench_board.sh; prints a table (docs/benchmarks.md §9).
import { createServer } from 'node:http';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { world, env, STAFF } from '../web/lib.mjs';

const SAMPLES = Number(process.env.ANK_BENCH_SAMPLES || 200);
const PAINTS = 15;
const quantile = (xs, q) => {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const fmt = (x) => x.toFixed(1);

const w = await world();
try {
	// A kiosk paired the way a real one pairs, whose batches the page itself posts.
	const code = (await w.central.cli(['pair-kiosk', '--site', 'demo'])).stdout.trim();
	const pr = await fetch(w.url + '/api/v1/pair', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ v: 1, code }) });
	const { token, kiosk } = await pr.json();
	const { page } = await w.newPage();
	await w.login(page, STAFF.user, STAFF.password);
	await page.locator('[data-test=board]').waitFor();
	const day = new Date().toISOString().slice(0, 10);
	const lat = [];
	for (let i = 1; i <= SAMPLES; i++) {
		const ms = await page.evaluate(async ({ i, token, kiosk, day }) => {
			const label = 'I-' + String(i).padStart(3, '0');
			const hex = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
			const seen = new Promise((resolve) => {
				const look = () => document.querySelector(`li[data-ticket="${label}"]`);
				if (look()) return resolve();
				const mo = new MutationObserver(() => {
					if (look()) {
						mo.disconnect();
						resolve();
					}
				});
				mo.observe(document.body, { childList: true, subtree: true });
			});
			const t0 = performance.now();
			const r = await fetch('/api/v1/sync/events', {
				method: 'POST',
				headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + token },
				body: JSON.stringify({ v: 1, kiosk, events: [{ seq: i, id: hex(), type: 'ticket.issued', at: Date.now(),
					payload: { day, label, route: 'inject', state: 'waiting', substance: 'heroin', ticket: i, user: 'u-bench' } }] }),
			});
			if (!r.ok) throw new Error('events ' + r.status);
			await seen;
			return performance.now() - t0;
		}, { i, token, kiosk, day });
		lat.push(ms);
		// Keep the board at a realistic size: a day's open tickets, not thousands.
		if (i % 40 === 0) await page.evaluate(() => new Promise((r) => setTimeout(r, 50)));
	}

	// Page weight: the files /staff loads (HTML, CSS, JS), uncompressed.
	const web = join(env.source, 'server-sync/central/web');
	const files = ['staff.html', 'static/staff.css', 'static/common.js', 'static/staff.js'];
	const weight = files.reduce((n, f) => n + statSync(join(web, f)).size, 0);

	// First contentful paint of /staff, and of one static HTML file of the same size.
	const filler = 'x'.repeat(Math.max(0, weight - 200));
	const staticHtml = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>static</title></head><body><h1>Static page</h1><p>${filler}</p></body></html>`;
	const srv = createServer((req, res) => res.end(staticHtml));
	await new Promise((r) => srv.listen(0, '127.0.0.1', r));
	const staticUrl = `http://127.0.0.1:${srv.address().port}/`;
	const fcp = async (url) => {
		await page.goto('about:blank');
		await page.goto(url, { waitUntil: 'load' });
		return page.evaluate(() => new Promise((resolve) => {
			const get = () => performance.getEntriesByName('first-contentful-paint')[0];
			if (get()) return resolve(get().startTime);
			new PerformanceObserver(() => get() && resolve(get().startTime)).observe({ type: 'paint', buffered: true });
		}));
	};
	const paintStaff = [], paintStatic = [];
	for (let i = 0; i < PAINTS; i++) {
		paintStaff.push(await fcp(w.url + '/staff'));
		paintStatic.push(await fcp(staticUrl));
	}
	srv.close();

	const med = (xs) => quantile(xs, 0.5);
	console.log(`| figure | value |`);
	console.log(`|---|---|`);
	console.log(`| kiosk event → on the board, p50 (${SAMPLES} events) | ${fmt(med(lat))} ms |`);
	console.log(`| kiosk event → on the board, p95 | ${fmt(quantile(lat, 0.95))} ms |`);
	console.log(`| kiosk event → on the board, max | ${fmt(Math.max(...lat))} ms |`);
	console.log(`| page weight of /staff (HTML+CSS+JS, uncompressed) | ${(weight / 1024).toFixed(1)} KiB |`);
	console.log(`| first contentful paint /staff, median of ${PAINTS} | ${fmt(med(paintStaff))} ms |`);
	console.log(`| first contentful paint, static page of the same size | ${fmt(med(paintStatic))} ms |`);
	console.log(`| ratio /staff ÷ static | ${(med(paintStaff) / med(paintStatic)).toFixed(2)} |`);
	const fail = quantile(lat, 0.95) > 1000 || weight > 150 * 1024;
	if (fail) console.log('GOAL MISSED: p95 above 1 s or page weight above 150 KB');
} finally {
	await w.close();
}
