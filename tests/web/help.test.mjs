// "Call staff" from the kiosk to the console: a user whose name is not found taps the button
// on the real kiosk screen; the staff console shows "Help requested at kiosk X, HH:MM" at once
// with a beep like an alarm's, and "I'm on it" takes it off the board (for good: a reload
// does not bring it back). The request carries nothing about the person.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { world, waitFor, axeCheck, screenshot, apiLogin, sqlOne, STAFF, SITE } from './lib.mjs';

let w, board, api;

before(async () => {
	w = await world({ kiosk: true });
	api = await apiLogin(w.url, STAFF.user, STAFF.password);
	board = await w.newPage();
	// Counts the oscillators the page starts: one per beep (staff.js's beep()).
	await board.page.addInitScript(() => {
		window.ankBeeps = 0;
		const start = OscillatorNode.prototype.start;
		OscillatorNode.prototype.start = function (...args) {
			window.ankBeeps++;
			return start.apply(this, args);
		};
	});
	await w.login(board.page, STAFF.user, STAFF.password);
	await board.page.locator('[data-test=board]').waitFor();
	// A first touch lets the page make sound at all (browsers' autoplay rule).
	await board.page.locator('#stations-h').click();
});
after(async () => {
	if (w) await w.close();
});

const page = () => board.page;
const banners = () => page().locator('[data-test=help] [data-test=help-request]');

test('a help request from the kiosk shows as a banner with a beep, and "I\'m on it" removes it', async () => {
	await assert.doesNotReject(banners().count().then((n) => assert.equal(n, 0, 'no banner before any request')));
	const beepsBefore = await page().evaluate(() => window.ankBeeps);
	await w.kiosk.headless(['tap-id welcome.checkin', 'type qx', 'expect-text Intet navn fundet',
		'tap-id nickname.call_staff', 'expect-text Personalet er på vej']);
	await w.kiosk.waitSynced();
	const banner = banners().first();
	await banner.waitFor({ timeout: 5000 });
	const text = await banner.textContent();
	assert.match(text, new RegExp(`Hjælp ønsket ved kiosk ${w.kiosk.id}, kl\\. \\d\\d:\\d\\d`), text);
	assert.equal(await banner.getAttribute('data-kiosk'), w.kiosk.id);
	await waitFor(async () => (await page().evaluate(() => window.ankBeeps)) > beepsBefore, 'a beep for the help request', 5000);
	assert.match(await page().title(), /^Hjælp ønsket · /);
	// Nothing about the person reaches central: the request is a kiosk, an id and a time.
	const q = (await api.get(`/api/v1/sites/${SITE}/queue`)).body;
	assert.equal(q.help.length, 1);
	assert.deepEqual(Object.keys(q.help[0]).sort(), ['asked_ms', 'id', 'kiosk']);
	await axeCheck(page(), 'the board with a help request');
	await screenshot(page(), 'console_help');

	await banner.locator('[data-test=help-ack]').click();
	await waitFor(async () => (await banners().count()) === 0, 'the banner to go after "I\'m on it"', 5000);
	const toast = page().locator('[data-test=toast]').last();
	assert.equal(await toast.getAttribute('data-state'), 'applied',
		(await page().locator('[data-test=toast]').allTextContents()).join(' | '));
	assert.match(await toast.textContent(), /du tager den/);
	assert.equal((await api.get(`/api/v1/sites/${SITE}/queue`)).body.help.length, 0);
	// The kiosk closes it too (help.taken down the feed), so its staff screen does not send
	// a second person.
	await w.kiosk.waitSynced();
	await waitFor(async () => (await sqlOne(w.kiosk.db, 'SELECT count(*) FROM help_request WHERE answered_ms = 0')) === '0',
		'the kiosk to close the help request', 15000);
	// The beeping stops with it.
	await new Promise((r) => setTimeout(r, 300));
	const after1 = await page().evaluate(() => window.ankBeeps);
	await new Promise((r) => setTimeout(r, 3500));
	assert.equal(await page().evaluate(() => window.ankBeeps), after1, 'no beep once someone is on it');
	assert.doesNotMatch(await page().title(), /Hjælp/);
	board.seen.assertClean('the board');
	// (The reload cuts the board's long-poll, which the page watch would count.)
	await page().reload();
	await page().locator('[data-test=board]').waitFor();
	await new Promise((r) => setTimeout(r, 1000));
	assert.equal(await banners().count(), 0, 'a reload does not bring the banner back');
});
