// The waiting-room page's spoken announcements in a real Chromium against a real central
// and kiosk: each new call chimes, then is read in each of the site's languages (a
// three-language site keeps the test short), one after the other; the page's queue
// (window.ankDisplaySpeech) shows the order and that nothing overlaps.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { world, Kiosk, env, waitFor } from './lib.mjs';

let w, k;
before(async () => {
	w = await world();
	const ini = readFileSync(join(env.source, 'assets/demo/site.ini'), 'utf8')
		.replace(/^languages = .*$/m, 'languages = da, en, ar');
	const path = join(w.central.dir, 'three.ini');
	writeFileSync(path, ini);
	k = await new Kiosk(w.central).setup({ config: path });
	w.kiosk = k;
});
after(() => w?.close());

test("each call is announced after its chime in the site's languages, queued without overlap", async () => {
	const key = await w.central.displayKey();
	const tv = await w.newPage({ viewport: { width: 1920, height: 1080 } });
	await tv.page.goto(`${w.url}/display#key=${key}&hold=0`);
	await waitFor(async () => (await tv.page.evaluate(() => window.ankDisplaySpeech.languages().join())) === 'da,en,ar',
		"the site's three catalogs on the page");
	// Two check-ins: the demo site calls each to a free station at once.
	await k.queue(['checkin', 'u-0001', 'heroin', 'inject']);
	await k.queue(['checkin', 'u-0006', 'heroin', 'inject']);
	await k.waitSynced();
	const speech = () => tv.page.evaluate(() => ({ log: window.ankDisplaySpeech.log, pending: window.ankDisplaySpeech.pending() }));
	await waitFor(async () => { const s = await speech(); return s.log.length >= 8 && s.pending === 0; },
		'two announcements said', 60000);
	const { log } = await speech();
	assert.deepEqual(log.map((e) => (e.kind === 'chime' ? 'chime' : e.lang)),
		['chime', 'da', 'en', 'ar', 'chime', 'da', 'en', 'ar'], 'chime, then each language, per call');
	assert.match(log[1].text, /^Nummer I-\d{3}, plads \d+$/);
	assert.match(log[2].text, /^Ticket I-\d{3}, station \d+$/);
	assert.match(log[3].text, /^الرقم I-\d{3}، المحطة \d+$/);
	assert.notEqual(log[1].text, log[5].text, 'the second call is its own ticket');
	for (let i = 1; i < log.length; i++)
		assert.ok(log[i].start >= log[i - 1].end, `entry ${i} starts before entry ${i - 1} ended`);
	assert.ok(log[1].start - log[0].start >= 1300, 'the first language waits for the whole chime');
	for (const e of log) assert.ok(!/Tove|Mette|Søren|Æblet/.test(e.text), 'no nickname is spoken');
	tv.seen.assertClean('the waiting-room page');
	await tv.ctx.close();
});
