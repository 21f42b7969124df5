/*-------------------------------------------------------------------------
 *
 * api_time.c
 *	  SQL entry points previewing the strict date/time rules of timeparse.c.
 *
 * These are thin wrappers: parsing lives in timeparse.c, which returns
 * status codes; this file turns them into errors with precise SQLSTATEs:
 * 22007 bad format, 22008 out of range, 22023 zone problems and DST gaps.
 *
 *-------------------------------------------------------------------------
 */
#include "tasks.h"

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(tasks_timezone_canonical);
PG_FUNCTION_INFO_V1(tasks_parse_instant);
PG_FUNCTION_INFO_V1(tasks_parse_date);
PG_FUNCTION_INFO_V1(tasks_format_instant);

#define INPUT_SHOW_BYTES 100

/* The input as a C string for messages, clipped to 100 bytes on a character boundary. */
static char *
input_for_message(const char *s, int len)
{
	int			cut = pg_mbcliplen(s, len, INPUT_SHOW_BYTES);

	if (cut < len)
		return psprintf("%.*s...", cut, s);
	return pnstrdup(s, len);
}

/* Looks up an IANA zone or raises 22023 naming it. */
static pg_tz *
zone_or_error(text *zone, const char **canonical)
{
	const char *name = VARDATA_ANY(zone);
	int			len = VARSIZE_ANY_EXHDR(zone);
	pg_tz	   *tz = tp_lookup_zone(name, len, canonical);

	if (tz == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid time zone \"%s\"", input_for_message(name, len)),
				 errhint("Use an IANA time zone name such as \"Europe/Berlin\"; "
						 "UTC offsets, POSIX TZ strings and abbreviations are not accepted.")));
	return tz;
}

/* Raises the error for a failed parse of value (what: "date" or "date-time"). */
static void
report_parse_error(TimeParseStatus status, const char *what, const char *s,
				   int len, const char *zone)
{
	char	   *shown = input_for_message(s, len);

	switch (status)
	{
		case TP_OK:
			return;
		case TP_BAD_FORMAT:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_DATETIME_FORMAT),
					 errmsg("invalid ISO 8601 %s", what),
					 errdetail("Value: \"%s\".", shown),
					 strcmp(what, "date") == 0 ?
					 errhint("Expected YYYY-MM-DD.") :
					 errhint("Expected YYYY-MM-DDTHH:MM[:SS[.fraction]] followed by Z, +HH:MM or -HH:MM, or no offset and a time zone.")));
			break;
		case TP_OUT_OF_RANGE:
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("%s field value out of range", what),
					 errdetail("Value: \"%s\".", shown),
					 strcmp(what, "date") == 0 ?
					 errhint("Years are 0001-9999 and the day must exist in its month.") :
					 errhint("Years are 0001-9999, days must exist in their month, hours 00-23, "
							 "minutes and seconds 00-59 (no leap seconds), offsets at most 15:59.")));
			break;
		case TP_NEEDS_ZONE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("local date-time without UTC offset needs a time zone"),
					 errdetail("Value: \"%s\".", shown),
					 errhint("Append Z or an offset such as +02:00, or pass an IANA time zone such as \"Europe/Berlin\".")));
			break;
		case TP_LOCAL_TIME_GAP:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("local time does not exist in time zone \"%s\"", zone ? zone : ""),
					 errdetail("Value: \"%s\" falls in a period skipped when the clocks moved forward.", shown),
					 errhint("Use a time after the clock change, or give an explicit UTC offset.")));
			break;
	}
}

/* tasks.timezone_canonical(text): canonical IANA spelling, or NULL when invalid. */
Datum
tasks_timezone_canonical(PG_FUNCTION_ARGS)
{
	text	   *zone = PG_GETARG_TEXT_PP(0);
	const char *canonical;

	if (tp_lookup_zone(VARDATA_ANY(zone), VARSIZE_ANY_EXHDR(zone), &canonical) == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(canonical));
}

/* tasks.parse_instant(value, zone): strict ISO 8601 date-time to timestamptz. */
Datum
tasks_parse_instant(PG_FUNCTION_ARGS)
{
	text	   *value;
	pg_tz	   *tz = NULL;
	const char *canonical = NULL;
	TimestampTz result = 0;
	TimeParseStatus status;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	value = PG_GETARG_TEXT_PP(0);
	if (!PG_ARGISNULL(1))
		tz = zone_or_error(PG_GETARG_TEXT_PP(1), &canonical);
	status = tp_parse_datetime(VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value), tz, &result);
	report_parse_error(status, "date-time", VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value), canonical);
	PG_RETURN_TIMESTAMPTZ(result);
}

/* tasks.parse_date(text): strict ISO 8601 calendar date. */
Datum
tasks_parse_date(PG_FUNCTION_ARGS)
{
	text	   *value = PG_GETARG_TEXT_PP(0);
	DateADT		result = 0;
	TimeParseStatus status;

	status = tp_parse_date(VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value), &result);
	report_parse_error(status, "date", VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value), NULL);
	PG_RETURN_DATEADT(result);
}

/* tasks.format_instant(timestamptz): ISO 8601 UTC with milliseconds. */
Datum
tasks_format_instant(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(tp_format_instant(PG_GETARG_TIMESTAMPTZ(0))));
}
