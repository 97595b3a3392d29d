/* The machine-readable codes of central's error answers ("code" next to "error", see
 * docs/api.md "Error codes"): one enum here, one wire-name table in proto.c. Both ends use
 * them; a kiosk decides by the code, never by the message text. */
#ifndef ANK_ERRCODES_H
#define ANK_ERRCODES_H

/* The wire names are stable: a code may be added, never renamed or given a new meaning. */
typedef enum ank_errcode {
	ANK_ERR_UNKNOWN = 0,        /* "unknown": never sent; an answer without a code or with
	                             * one this build does not know decodes as this */
	ANK_ERR_BAD_REQUEST,        /* "bad_request": not the form the route takes */
	ANK_ERR_INVALID_JSON,       /* "invalid_json": not a JSON object with "v":1 */
	ANK_ERR_INVALID_FIELD,      /* "invalid_field": a field missing, unknown or wrong */
	ANK_ERR_UNAUTHORIZED,       /* "unauthorized": no valid token, session or password */
	ANK_ERR_FORBIDDEN,          /* "forbidden": known, but not allowed to do this */
	ANK_ERR_CSRF,               /* "csrf": a POST without the right X-CSRF-Token */
	ANK_ERR_NOT_FOUND,          /* "not_found": no such route, site, user or command */
	ANK_ERR_METHOD_NOT_ALLOWED, /* "method_not_allowed": the path exists, not the method */
	ANK_ERR_EXISTS,             /* "exists": the name is taken */
	ANK_ERR_CONFLICT,           /* "conflict": a seq is held with other content */
	ANK_ERR_GAP,                /* "gap": the batch starts after central's acked + 1 */
	ANK_ERR_TOO_LARGE,          /* "too_large": the body is over its limit */
	ANK_ERR_WAIT,               /* "wait": this login name must wait (Retry-After) */
	ANK_ERR_UNAVAILABLE,        /* "unavailable": central cannot do it now; try later */
	ANK_ERR_STORAGE_FULL,       /* "storage_full": central's disk is full; nothing stored */
	ANK_ERR_COUNT
} ank_errcode;

/* The wire name of a code; "unknown" for ANK_ERR_UNKNOWN and anything out of range. */
const char *ank_errcode_name(ank_errcode code);
/* The code of a wire name; ANK_ERR_UNKNOWN for NULL or a name this build does not know. */
ank_errcode ank_errcode_from_name(const char *name);

#endif
