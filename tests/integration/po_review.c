/* What the real loader makes of one text of a catalog directory, for the translator's round
 * trip (tests/po_roundtrip.sh): `po_review DIR LANG KEY` loads DIR with ank_i18n_load, runs
 * the parity check and prints "fuzzy" or "reviewed", a tab and the text; exit 1 with the
 * loader's error when the directory does not load, the check fails or the key is not in LANG. */
#include <stdio.h>
#include <string.h>

#include "ank_i18n.h"

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: po_review DIR LANG KEY\n");
		return 2;
	}
	const char *dir = argv[1], *lang = argv[2], *key = argv[3];
	ank_i18n *i = NULL;
	ank_err err;
	if (ank_i18n_load(dir, &i, &err)) {
		fprintf(stderr, "po_review: %s\n", err.msg);
		return 1;
	}
	int rc = 0;
	if (ank_i18n_check(i, &err)) {
		fprintf(stderr, "po_review: parity: %s\n", err.msg);
		rc = 1;
	} else if (!ank_i18n_review(i, lang)) {
		fprintf(stderr, "po_review: %s is not loaded\n", lang);
		rc = 1;
	} else {
		/* The language's own text, not a fallback: the key is among its messages. */
		int k = 0;
		while (strcmp(ank_i18n_code(i, k), lang) != 0)
			k++;
		json_t *cat = ank_i18n_catalog_json(i, k);
		if (!json_object_get(json_object_get(cat, "messages"), key)) {
			fprintf(stderr, "po_review: %s has no text \"%s\"\n", lang, key);
			rc = 1;
		} else {
			printf("%s\t%s\n", ank_i18n_fuzzy(i, lang, key) ? "fuzzy" : "reviewed",
			       ank_i18n_get(i, lang, key));
		}
		json_decref(cat);
	}
	ank_i18n_free(i);
	return rc;
}
