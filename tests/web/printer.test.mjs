// The kiosk's receipt printer on the staff console: a kiosk reports its printer's state with
// its change poll (docs/api.md "Changes down": printer), the queue view carries it, and the
// board shows it beside the kiosk, a fault as a warning in the staff's words; a value that
// is not a code is not noted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { world, waitFor, apiLogin, STAFF, SITE } from './lib.mjs';

let w, board, api, token;

before(async () => {
	w = await world({ kiosk: true });
	api = await apiLogin(w.url, STAFF.user, STAFF.password);
	token = JSON.parse(readFileSync(w.kiosk.db + '.token', 'utf8')).token;
	board = await w.newPage();
	await w.login(board.page, STAFF.user, STAFF.password);
	await board.page.locator('[data-test=board]').waitFor();
});
after(async () => {
	if (w) await w.close();
});

// One change poll as the kiosk's sync client makes it, with its printer's state.
async function poll(printer) {
	const r = await fetch(`${w.url}/api/v1/sync/changes?since=0&wait=0&printer=${encodeURIComponent(printer)}`,
		{ headers: { Authorization: `Bearer ${token}` } });
	assert.equal(r.status, 200, 'the change poll is served whatever the printer says');
}
const printerOf = async () => {
	const q = await api.get(`/api/v1/sites/${SITE}/queue`);
	return q.body.kiosks.find((k) => k.kiosk === w.kiosk.id).printer;
};

test('a printer with no paper shows on the board as a warning, then ready', async () => {
	await poll('paper_end');
	await waitFor(async () => (await printerOf()) === 'paper_end', 'paper_end in the queue view');
	const pill = board.page.locator(`[data-kiosk="${w.kiosk.id}"] [data-printer=paper_end]`);
	await pill.waitFor();
	const text = await pill.textContent();
	assert.ok(!/staff\.printer/.test(text), `the pill is in words, not keys: ${text}`);
	assert.match(await pill.getAttribute('class'), /warn/);
	await poll('ready');
	const ready = board.page.locator(`[data-kiosk="${w.kiosk.id}"] [data-printer=ready]`);
	await ready.waitFor();
	assert.doesNotMatch(await ready.getAttribute('class'), /warn/);
});

test('a printer state that is not a code is not noted', async () => {
	await poll('ready');
	await poll('<script>');
	await poll('x'.repeat(40));
	assert.equal(await printerOf(), 'ready');
});
