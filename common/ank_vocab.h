/* The domain vocabulary shared by kiosk and central: substances, routes, genders
 * and municipalities as constant tables with stable codes. */
#ifndef ANK_VOCAB_H
#define ANK_VOCAB_H

#include <stdbool.h>
#include <stddef.h>

/* Routes of intake a station can serve. Stable codes go on the wire and in the
 * database; the enum values are only for C. */
typedef enum ank_route { ANK_ROUTE_INJECT = 0, ANK_ROUTE_SMOKE = 1, ANK_ROUTE_COUNT } ank_route;

/* How grave a drug alert is: a warning (a bad batch about) or a danger (deaths reported).
 * The kiosk and the waiting-room page draw the alert in the severity's colours. */
typedef enum ank_alert_severity {
	ANK_SEVERITY_WARNING = 0,
	ANK_SEVERITY_DANGER = 1,
	ANK_SEVERITY_COUNT
} ank_alert_severity;

/* The states of a station; their wire codes are in wire.h (ank_station_state_code). */
typedef enum ank_station_state {
	ANK_SS_FREE,
	ANK_SS_RESERVED, /* a ticket has been called here */
	ANK_SS_OCCUPIED, /* a session is running */
	ANK_SS_CLEANING,
	ANK_SS_CLOSED,
	ANK_SS_COUNT
} ank_station_state;

/* Administrators' content (issue 13): a drug alert, or an information screen that rotates on
 * the waiting-room displays and the kiosk's idle welcome. */
typedef enum ank_content_kind {
	ANK_CONTENT_ALERT = 0,
	ANK_CONTENT_INFO = 1,
	ANK_CONTENT_KIND_COUNT
} ank_content_kind;

typedef struct ank_substance_info {
	const char *code;             /* stable code, e.g. "cocaine" */
	bool routes[ANK_ROUTE_COUNT]; /* which routes this substance may use here */
} ank_substance_info;

typedef struct ank_gender_info {
	const char *code; /* "female", "male", "other", "unknown" */
} ank_gender_info;

typedef struct ank_municipality_info {
	const char *code; /* official three-digit code ("101"), or "abroad"/"unknown" */
	const char *name; /* official Danish name, UTF-8 */
} ank_municipality_info;

/* Severity code ("warning"/"danger") to enum, -1 when unknown; and back (never NULL). */
int ank_severity_from_code(const char *code);
const char *ank_severity_code(ank_alert_severity s);
/* Content kind code ("alert"/"info") to enum, -1 when unknown; and back (never NULL). */
int ank_content_kind_from_code(const char *code);
const char *ank_content_kind_code(ank_content_kind k);
/* The vetted pictograms an information screen may carry: names of assets/icons/NAME.svg,
 * which the kiosk draws and central accepts (the one list). NULL past the end. */
const char *ank_pictogram_at(size_t i);
size_t ank_pictogram_count(void);
bool ank_pictogram_known(const char *name);

/* Route code ("inject"/"smoke") to enum; returns -1 for an unknown code. */
int ank_route_from_code(const char *code);
/* Stable code of a route; never NULL for a valid route. */
const char *ank_route_code(ank_route r);
/* The one-letter prefix of a route's daily ticket numbers ("I", "R"). */
const char *ank_route_prefix(ank_route r);

/* Table access: the pointer is to static storage, never freed. NULL if unknown. */
const ank_substance_info *ank_substance_find(const char *code);
size_t ank_substance_count(void);
const ank_substance_info *ank_substance_at(size_t i);
/* True when substance `code` may be taken by route `r` (cannabis never smoked here). */
bool ank_substance_allows(const char *code, ank_route r);

const ank_gender_info *ank_gender_find(const char *code);
size_t ank_gender_count(void);
const ank_gender_info *ank_gender_at(size_t i);

const ank_municipality_info *ank_municipality_find(const char *code);
size_t ank_municipality_count(void);
const ank_municipality_info *ank_municipality_at(size_t i);

#endif
