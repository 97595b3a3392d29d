// The console's texts as central serves them from the PO catalogs (issue 12): plural forms
// chosen in the browser by Intl.PluralRules with CLDR's sample numbers, the same forms
// central's ICU gives; and the note on texts no native speaker has reviewed yet, shown for a
// language with such texts and hidden for English, the source. Real central, real chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { world, axeCheck, STAFF } from './lib.mjs';

let w, page;
before(async () => {
	w = await world();
	page = (await w.newPage()).page;
	await w.login(page, STAFF.user, STAFF.password);
});
after(async () => w && w.close());

test('every language is served with its plural forms by CLDR category', async () => {
	const r = await fetch(`${w.url}/api/v1/i18n`);
	assert.equal(r.status, 200);
	const langs = (await r.json()).languages;
	const codes = langs.map((l) => l.lang).sort();
	assert.deepEqual(codes, ['ar', 'da', 'en', 'fa', 'kl', 'lt', 'pl', 'ro', 'ru', 'sv']);
	for (const l of langs) {
		const c = await (await fetch(`${w.url}/api/v1/i18n/${l.lang}`)).json();
		const forms = c.plurals['console.users.found'];
		assert.ok(forms && forms.other, `${l.lang}: console.users.found has plural forms`);
		const cats = new Intl.PluralRules(l.lang).resolvedOptions().pluralCategories.sort();
		assert.deepEqual(Object.keys(forms).sort(), cats,
			`${l.lang}: the forms are the browser's CLDR categories`);
		assert.equal(l.pending, c.pending.length, `${l.lang}: the list counts its pending texts`);
		assert.equal(l.lang === 'en', l.pending === 0, `${l.lang}: only English has none pending`);
	}
});

test("the console picks a plural form by CLDR's sample numbers", async () => {
	const samples = {
		ar: { 0: 'zero', 1: 'one', 2: 'two', 3: 'few', 11: 'many', 100: 'other' },
		pl: { 1: 'one', 2: 'few', 5: 'many', 22: 'few', 25: 'many' },
		ru: { 1: 'one', 2: 'few', 5: 'many', 21: 'one' },
		da: { 0: 'other', 1: 'one', 2: 'other' },
	};
	for (const [lang, want] of Object.entries(samples)) {
		const c = await (await fetch(`${w.url}/api/v1/i18n/${lang}`)).json();
		const forms = c.plurals['console.login.wait'];
		await page.evaluate((l) => window.Ank.loadLang(l), lang);
		for (const [n, cat] of Object.entries(want)) {
			const got = await page.evaluate(([k, num]) => window.Ank.tn(k, num, { seconds: num }),
				['console.login.wait', Number(n)]);
			assert.equal(got, forms[cat].replace('{seconds}', n), `${lang} ${n} is ${cat}`);
		}
	}
});

test('the note on texts awaiting review shows for Danish, not for English', async () => {
	await page.goto(`${w.url}/staff`);
	await page.locator('[data-test=lang] [data-lang=da]').click();
	const note = page.locator('[data-test=review-note]');
	await note.waitFor({ state: 'visible' });
	const da = await (await fetch(`${w.url}/api/v1/i18n/da`)).json();
	assert.match(await note.textContent(), new RegExp(`^${da.pending.length} af ${Object.keys(da.messages).length} `));
	await axeCheck(page, 'the console with the review note');
	await page.locator('[data-test=lang] [data-lang=en]').click();
	await note.waitFor({ state: 'hidden' });
});
