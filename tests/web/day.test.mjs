// A whole day at the demo site through the browser (skeleton, to be filled once the staff
// console and display pages land): central, a real paired kiosk where users check in, staff
// in chromium logged in through the login page, and central's report at the end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { world, report, STAFF } from './lib.mjs';

let w;
before(async () => {
	w = await world({ kiosk: true });
});
after(async () => {
	if (w) await w.close();
});

test('users check in at the kiosk', async () => {
	const k = w.kiosk;
	// An intake that started 45 minutes ago (the kiosk's clock set back), then one now.
	k.setClock(Date.now() - 45 * 60 * 1000);
	await k.checkIn('Æblet', 'heroin', 'inject');
	k.setClock(Date.now());
	await k.checkIn('Søren', 'cocaine', 'smoke', { birthYear: 1984 });
	// TODO(lead): more users, calls from the console, an alarm acknowledged, the display.
});

test('staff log in through the login page and see the console', async () => {
	const { ctx, page, seen } = await w.newPage();
	await w.login(page, STAFF.user, STAFF.password);
	// TODO(lead): the queue board, calls, alarms, user search and registration, the display
	// (w.central.displayKey() gives a key for /display#key=…).
	seen.assertClean('the staff console');
	await ctx.close();
});

test("central's report counts the day's check-ins", async () => {
	const r = await report(w.central);
	assert.equal(r.totals.checkins, 2);
	// TODO(lead): every figure of the day's scenario.
});
