/* Macros that write gettext PO catalog text for the unit tests (the format of i18n/README.md):
 * a header and entries as C string literals, so a golden case reads like the file it makes. */
#ifndef ANK_TEST_PO_TEXT_H
#define ANK_TEST_PO_TEXT_H

/* The header entry of a catalog: Language, Plural-Forms, the own name and the direction. */
#define PO_HEADER(lang, plural_forms, name, direction)                                             \
	"msgid \"\"\nmsgstr \"\"\n"                                                                \
	"\"Language: " lang "\\n\"\n"                                                              \
	"\"Content-Type: text/plain; charset=UTF-8\\n\"\n"                                         \
	"\"Plural-Forms: " plural_forms "\\n\"\n"                                                  \
	"\"X-Ankomst-Name: " name "\\n\"\n"                                                        \
	"\"X-Ankomst-Direction: " direction "\\n\"\n\n"

/* Plural-Forms with CLDR's count of categories, each form index in CLDR order: one/other
 * (da, en); Polish, Russian and Lithuanian one/few/many/other, where integers never reach the
 * category only fractions have; Romanian one/few/other; Arabic's six. */
#define PF_2 "nplurals=2; plural=(n != 1);"
#define PF_PL                                                                                      \
	"nplurals=4; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<12 || n%100>14) ? 1 : 2);"
#define PF_RU                                                                                      \
	"nplurals=4; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "                    \
	"(n%100<12 || n%100>14) ? 1 : 2);"
#define PF_LT                                                                                      \
	"nplurals=4; plural=(n%10==1 && (n%100<11 || n%100>19) ? 0 : n%10>=2 && "                  \
	"(n%100<11 || n%100>19) ? 1 : 3);"
#define PF_RO "nplurals=3; plural=(n==1 ? 0 : n==0 || (n%100>=1 && n%100<=19) ? 1 : 2);"
#define PF_AR                                                                                      \
	"nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : "        \
	"n%100>=11 ? 4 : 5);"

/* A plain entry: msgctxt is the key, msgid the English text, msgstr the translation. */
#define PO_MSG(key, id, str) "msgctxt \"" key "\"\nmsgid \"" id "\"\nmsgstr \"" str "\"\n\n"
/* The same marked for review (no native speaker approved it yet). */
#define PO_FUZZY(key, id, str) "#, fuzzy\n" PO_MSG(key, id, str)
/* A plural entry; forms is PO_FORM(0, "...") PO_FORM(1, "...") ... */
#define PO_PLURAL(key, id, id_plural, forms)                                                       \
	"msgctxt \"" key "\"\nmsgid \"" id "\"\nmsgid_plural \"" id_plural "\"\n" forms "\n"
#define PO_FORM(k, text) "msgstr[" #k "] \"" text "\"\n"

/* The catalogs most cases start from: en and da with a plain text, one with two
 * placeholders and a plural text ("left"). */
#define EN_LEFT                                                                                    \
	PO_PLURAL("left", "{n} try left", "{n} tries left",                                        \
	          PO_FORM(0, "{n} try left") PO_FORM(1, "{n} tries left"))
#define EN_MSGS                                                                                    \
	PO_MSG("lang.name", "English", "English")                                                  \
	PO_MSG("hello", "Hello {who}", "Hello {who}")                                              \
	PO_MSG("ticket.wait", "{ahead} ahead, {minutes} min", "{ahead} ahead, {minutes} min")      \
	EN_LEFT
#define EN PO_HEADER("en", PF_2, "English", "ltr") EN_MSGS

#define DA_WAIT                                                                                    \
	PO_MSG("ticket.wait", "{ahead} ahead, {minutes} min", "{ahead} foran, {minutes} min")
#define DA_LEFT                                                                                    \
	PO_PLURAL("left", "{n} try left", "{n} tries left",                                        \
	          PO_FORM(0, "{n} forsøg tilbage") PO_FORM(1, "{n} forsøg tilbage"))
/* A da catalog: the header, lang.name and then msgs. */
#define DA(msgs) PO_HEADER("da", PF_2, "Dansk", "ltr") PO_MSG("lang.name", "English", "Dansk") msgs
#define DA_MSGS  PO_MSG("hello", "Hello {who}", "Hej {who}") DA_WAIT DA_LEFT

#endif
