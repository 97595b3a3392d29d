/* The substance, route and gender tables of the domain vocabulary (municipalities
 * live in ank_municipality.c because that table is long). */
#include "ank_vocab.h"

#include <string.h>

static const char *const route_codes[ANK_ROUTE_COUNT] = {"inject", "smoke"};
/* I for injektion, R for rygning: the letters staff already use on paper. */
static const char *const route_prefixes[ANK_ROUTE_COUNT] = {"I", "R"};

/* {inject, smoke}. The seeds allow every drug on either route except that hash and
 * cannabis may not take a smoking station (capacity); nobody injects cannabis, so it
 * is known to the vocabulary (for statistics) but can never be queued. */
static const ank_substance_info substances[] = {
        {"heroin", {true, true}},          {"cocaine", {true, true}},
        {"crack", {true, true}},           {"amphetamine", {true, true}},
        {"methamphetamine", {true, true}}, {"methadone", {true, true}},
        {"opioid", {true, true}},          {"ketamine", {true, true}},
        {"benzodiazepine", {true, true}},  {"speedball", {true, true}},
        {"cannabis", {false, false}},      {"other", {true, true}},
};

static const ank_gender_info genders[] = {
        {"female"},
        {"male"},
        {"other"},
        {"unknown"},
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static const char *const severity_codes[ANK_SEVERITY_COUNT] = {"warning", "danger"};

int ank_severity_from_code(const char *code)
{
	for (int i = 0; code && i < ANK_SEVERITY_COUNT; i++)
		if (!strcmp(code, severity_codes[i]))
			return i;
	return -1;
}

const char *ank_severity_code(ank_alert_severity s)
{
	return s >= 0 && s < ANK_SEVERITY_COUNT ? severity_codes[s] : severity_codes[0];
}

static const char *const content_kinds[ANK_CONTENT_KIND_COUNT] = {"alert", "info"};

int ank_content_kind_from_code(const char *code)
{
	for (int i = 0; code && i < ANK_CONTENT_KIND_COUNT; i++)
		if (!strcmp(code, content_kinds[i]))
			return i;
	return -1;
}

const char *ank_content_kind_code(ank_content_kind k)
{
	return k >= 0 && k < ANK_CONTENT_KIND_COUNT ? content_kinds[k] : content_kinds[0];
}

/* The pictograms of assets/icons that say something on an information screen (a clock for
 * opening hours, staff for an offer of help, ...); not the check-in flow's own controls. */
static const char *const pictograms[] = {"alert",   "clock",      "staff",  "rules", "check",
                                         "station", "call_staff", "inject", "smoke", "language"};

const char *ank_pictogram_at(size_t i)
{
	return i < COUNT_OF(pictograms) ? pictograms[i] : NULL;
}

size_t ank_pictogram_count(void)
{
	return COUNT_OF(pictograms);
}

bool ank_pictogram_known(const char *name)
{
	for (size_t i = 0; name && i < COUNT_OF(pictograms); i++)
		if (!strcmp(name, pictograms[i]))
			return true;
	return false;
}

int ank_route_from_code(const char *code)
{
	if (!code)
		return -1;
	for (int i = 0; i < ANK_ROUTE_COUNT; i++)
		if (strcmp(code, route_codes[i]) == 0)
			return i;
	return -1;
}

const char *ank_route_code(ank_route r)
{
	return (r >= 0 && r < ANK_ROUTE_COUNT) ? route_codes[r] : "?";
}

const char *ank_route_prefix(ank_route r)
{
	return (r >= 0 && r < ANK_ROUTE_COUNT) ? route_prefixes[r] : "?";
}

const ank_substance_info *ank_substance_find(const char *code)
{
	if (!code)
		return NULL;
	for (size_t i = 0; i < COUNT_OF(substances); i++)
		if (strcmp(code, substances[i].code) == 0)
			return &substances[i];
	return NULL;
}

size_t ank_substance_count(void)
{
	return COUNT_OF(substances);
}

const ank_substance_info *ank_substance_at(size_t i)
{
	return i < COUNT_OF(substances) ? &substances[i] : NULL;
}

bool ank_substance_allows(const char *code, ank_route r)
{
	const ank_substance_info *s = ank_substance_find(code);
	if (!s || r < 0 || r >= ANK_ROUTE_COUNT)
		return false;
	return s->routes[r];
}

const ank_gender_info *ank_gender_find(const char *code)
{
	if (!code)
		return NULL;
	for (size_t i = 0; i < COUNT_OF(genders); i++)
		if (strcmp(code, genders[i].code) == 0)
			return &genders[i];
	return NULL;
}

size_t ank_gender_count(void)
{
	return COUNT_OF(genders);
}

const ank_gender_info *ank_gender_at(size_t i)
{
	return i < COUNT_OF(genders) ? &genders[i] : NULL;
}
