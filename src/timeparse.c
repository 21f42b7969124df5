/*-------------------------------------------------------------------------
 *
 * timeparse.c
 *	  Strict ISO 8601 dates and date-times, IANA time zones.
 *
 * Everything here is a pure function returning a status code; callers
 * decide how to report problems.  Inputs are (pointer, length) pairs and
 * need not be NUL-terminated.  Nothing depends on the session's DateStyle,
 * TimeZone or IntervalStyle.
 *
 * Accepted shapes (and nothing else):
 *	  date		YYYY-MM-DD, year 0001..9999
 *	  date-time YYYY-MM-DDTHH:MM[:SS[.f{1,9}]][Z|+HH:MM|-HH:MM|+HHMM|-HHMM]
 *	  hh:mm		HH:MM, 00:00..23:59
 * Only upper-case 'T' and 'Z'; no space separator, no comma decimal mark,
 * no leap second (:60), no 24:00.  Offsets go up to 15:59 ("-00:00" is
 * read as UTC).  Fractions beyond microseconds are truncated, never
 * rounded, so a value never moves to the next second, day or DST segment.
 *
 * Local wall-clock times are converted with PostgreSQL's tz library: every
 * UTC offset the zone uses within a day of the wall time is a candidate,
 * and a candidate counts only if pg_localtime() maps it back to the very
 * same wall time.  No candidate means the time was skipped (DST gap); two
 * mean it happened twice (DST overlap) and the earlier instant wins.
 *
 * Zone names are IANA zone files only: the name must be a file under the
 * server's tz directory (found case-insensitively, exactly as pg_tzset does)
 * before pg_tzset is ever called, so POSIX TZ specs ("EST5", "FOO+3") are
 * refused and never enter pg_tzset's unbounded cache.
 *
 *-------------------------------------------------------------------------
 */
#include "tasks.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "utils/datetime.h"
#include "utils/hsearch.h"
#include "utils/timestamp.h"

/*
 * Exported by the server (src/timezone/pgtz.c) but declared in pgtz.h, which
 * is not installed.  Opens a zone file below the server's tz directory,
 * matching each path component case-insensitively; with canonname it also
 * returns the on-disk spelling (buffer of TZ_STRLEN_MAX + 1 bytes).
 */
extern int	pg_open_tzfile(const char *name, char *canonname);

#define TP_MAX_OFFSET_HOURS 15
#define TP_MAX_FRACTION_DIGITS 9

/* Backend-local zone cache: upper-cased name -> zone, NULL when invalid. */
typedef struct ZoneCacheEntry
{
	char		key[TZ_STRLEN_MAX + 1];
	pg_tz	   *tz;
} ZoneCacheEntry;

#define ZONE_CACHE_MAX_NEGATIVE 256

static HTAB *zone_cache = NULL;
static int	zone_cache_negatives = 0;

/* Parsed, not yet range-checked, fields of a date-time. */
typedef struct DateTimeFields
{
	int			year;
	int			month;
	int			day;
	int			hour;
	int			minute;
	int			second;
	int			usec;
	bool		has_offset;
	int			offset_sign;
	int			offset_hour;
	int			offset_minute;
} DateTimeFields;

/* Reads exactly n ASCII digits at s into *out; false if any is not a digit. */
static bool
read_digits(const char *s, int n, int *out)
{
	int			v = 0;
	int			i;

	for (i = 0; i < n; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* Days in a month of the proleptic Gregorian calendar. */
static int
days_in_month(int year, int month)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (month == 2 && isleap(year))
		return 29;
	return mdays[month - 1];
}

/* Reads the "YYYY-MM-DD" shape at s (10 bytes available); no range check. */
static bool
read_date_shape(const char *s, int *year, int *month, int *day)
{
	return read_digits(s, 4, year) && s[4] == '-' &&
		read_digits(s + 5, 2, month) && s[7] == '-' &&
		read_digits(s + 8, 2, day);
}

/* True when year/month/day is a real calendar day of years 0001..9999. */
static bool
date_in_range(int year, int month, int day)
{
	return year >= 1 && year <= 9999 && month >= 1 && month <= 12 &&
		day >= 1 && day <= days_in_month(year, month);
}

/* Strict calendar date "YYYY-MM-DD" (4-digit year 0001..9999). */
TimeParseStatus
tp_parse_date(const char *s, int len, DateADT *out)
{
	int			year,
				month,
				day;

	if (s == NULL || len != 10 || !read_date_shape(s, &year, &month, &day))
		return TP_BAD_FORMAT;
	if (!date_in_range(year, month, day))
		return TP_OUT_OF_RANGE;
	*out = date2j(year, month, day) - POSTGRES_EPOCH_JDATE;
	return TP_OK;
}

/* Reads an optional "Z" / "+HH:MM" / "+HHMM" suffix starting at s[pos]. */
static bool
read_offset_shape(const char *s, int len, int pos, DateTimeFields *f)
{
	int			rest = len - pos;

	f->has_offset = false;
	if (rest == 0)
		return true;
	f->has_offset = true;
	f->offset_sign = 1;
	f->offset_hour = 0;
	f->offset_minute = 0;
	if (rest == 1 && s[pos] == 'Z')
		return true;
	if (s[pos] != '+' && s[pos] != '-')
		return false;
	f->offset_sign = (s[pos] == '-') ? -1 : 1;
	pos++;
	rest--;
	if (rest == 5)
		return read_digits(s + pos, 2, &f->offset_hour) && s[pos + 2] == ':' &&
			read_digits(s + pos + 3, 2, &f->offset_minute);
	if (rest == 4)
		return read_digits(s + pos, 2, &f->offset_hour) &&
			read_digits(s + pos + 2, 2, &f->offset_minute);
	return false;
}

/* Reads the whole date-time shape into *f; false on any deviation. */
static bool
read_datetime_shape(const char *s, int len, DateTimeFields *f)
{
	int			pos;

	memset(f, 0, sizeof(*f));
	if (s == NULL || len < 16 || !read_date_shape(s, &f->year, &f->month, &f->day))
		return false;
	if (s[10] != 'T' || !read_digits(s + 11, 2, &f->hour) || s[13] != ':' ||
		!read_digits(s + 14, 2, &f->minute))
		return false;
	pos = 16;
	if (pos < len && s[pos] == ':')
	{
		if (len - pos < 3 || !read_digits(s + pos + 1, 2, &f->second))
			return false;
		pos += 3;
		if (pos < len && s[pos] == '.')
		{
			int			ndigits = 0;
			int			scale = 100000;

			pos++;
			while (pos < len && s[pos] >= '0' && s[pos] <= '9')
			{
				if (++ndigits > TP_MAX_FRACTION_DIGITS)
					return false;
				/* keep microseconds, truncate the rest */
				f->usec += (s[pos] - '0') * scale;
				scale /= 10;
				pos++;
			}
			if (ndigits == 0)
				return false;
		}
	}
	return read_offset_shape(s, len, pos, f);
}

/*
 * ISO 8601 date-time; without an offset the wall time is read in zone.
 */
TimeParseStatus
tp_parse_datetime(const char *s, int len, pg_tz *zone, TimestampTz *out)
{
	DateTimeFields f;
	DateADT		date;
	int64		usec_of_day;
	TimestampTz result;

	if (!read_datetime_shape(s, len, &f))
		return TP_BAD_FORMAT;
	if (!date_in_range(f.year, f.month, f.day) || f.hour > 23 ||
		f.minute > 59 || f.second > 59 ||
		f.offset_hour > TP_MAX_OFFSET_HOURS || f.offset_minute > 59)
		return TP_OUT_OF_RANGE;

	date = date2j(f.year, f.month, f.day) - POSTGRES_EPOCH_JDATE;
	usec_of_day = ((int64) f.hour * SECS_PER_HOUR + f.minute * SECS_PER_MINUTE +
				   f.second) * USECS_PER_SEC + f.usec;
	if (!f.has_offset)
		return tp_local_to_instant(date, usec_of_day, zone, out);

	result = (TimestampTz) date * USECS_PER_DAY + usec_of_day -
		(int64) f.offset_sign *
		(f.offset_hour * SECS_PER_HOUR + f.offset_minute * SECS_PER_MINUTE) *
		USECS_PER_SEC;
	if (!IS_VALID_TIMESTAMP(result))
		return TP_OUT_OF_RANGE;
	*out = result;
	return TP_OK;
}

/* "HH:MM" (24-hour) into microseconds since midnight. */
TimeParseStatus
tp_parse_hhmm(const char *s, int len, int64 *usec_out)
{
	int			hour,
				minute;

	if (s == NULL || len != 5 || !read_digits(s, 2, &hour) || s[2] != ':' ||
		!read_digits(s + 3, 2, &minute))
		return TP_BAD_FORMAT;
	if (hour > 23 || minute > 59)
		return TP_OUT_OF_RANGE;
	*usec_out = ((int64) hour * SECS_PER_HOUR + minute * SECS_PER_MINUTE) * USECS_PER_SEC;
	return TP_OK;
}

/* Adds off to the candidate set offs[*n] unless already there. */
static void
add_offset(long *offs, int *n, int max, long off)
{
	int			i;

	for (i = 0; i < *n; i++)
		if (offs[i] == off)
			return;
	if (*n < max)
		offs[(*n)++] = off;
}

/*
 * Wall-clock date + time of day in zone to an instant.  A skipped wall time
 * is TP_LOCAL_TIME_GAP; a repeated one resolves to the earlier instant.
 */
TimeParseStatus
tp_local_to_instant(DateADT date, int64 usec_of_day, pg_tz *zone, TimestampTz *out)
{
#define MAX_CANDIDATES 16
	long		offs[MAX_CANDIDATES];
	int			noffs = 0;
	int			year,
				month,
				day,
				sec_of_day,
				i;
	pg_time_t	wall,
				t;
	bool		found = false;
	pg_time_t	best = 0;
	TimestampTz result;

	if (zone == NULL)
		return TP_NEEDS_ZONE;
	/* the timestamp range, less a day on each side for the zone offset */
	if (DATE_NOT_FINITE(date) ||
		date <= DATETIME_MIN_JULIAN - POSTGRES_EPOCH_JDATE ||
		date >= TIMESTAMP_END_JULIAN - POSTGRES_EPOCH_JDATE - 1 ||
		usec_of_day < 0 || usec_of_day >= USECS_PER_DAY)
		return TP_OUT_OF_RANGE;

	j2date(date + POSTGRES_EPOCH_JDATE, &year, &month, &day);
	sec_of_day = (int) (usec_of_day / USECS_PER_SEC);
	/* the wall time read as if it were UTC, in Unix seconds */
	wall = ((pg_time_t) date + POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY +
		sec_of_day;

	/*
	 * Every offset in force at some instant within a day of the wall time
	 * (real offsets are well under 24 hours) is a candidate.
	 */
	t = wall - SECS_PER_DAY;
	for (i = 0; i < 4 * MAX_CANDIDATES; i++)
	{
		long		before_off,
					after_off;
		int			before_dst,
					after_dst;
		pg_time_t	boundary;
		int			r;

		r = pg_next_dst_boundary(&t, &before_off, &before_dst, &boundary,
								 &after_off, &after_dst, zone);
		if (r < 0)
			return TP_OUT_OF_RANGE;
		add_offset(offs, &noffs, MAX_CANDIDATES, before_off);
		if (r == 0 || boundary > wall + SECS_PER_DAY)
			break;
		add_offset(offs, &noffs, MAX_CANDIDATES, after_off);
		t = (boundary > t) ? boundary : t + 1;
	}

	/* Keep the earliest candidate whose local time round-trips. */
	for (i = 0; i < noffs; i++)
	{
		pg_time_t	cand = wall - offs[i];
		struct pg_tm *tm = pg_localtime(&cand, zone);

		if (tm == NULL)
			return TP_OUT_OF_RANGE;
		if (tm->tm_year + 1900 != year || tm->tm_mon + 1 != month ||
			tm->tm_mday != day ||
			tm->tm_hour * SECS_PER_HOUR + tm->tm_min * SECS_PER_MINUTE + tm->tm_sec != sec_of_day)
			continue;
		if (!found || cand < best)
			best = cand;
		found = true;
	}
	if (!found)
		return TP_LOCAL_TIME_GAP;

	result = (best - ((pg_time_t) POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY) *
		USECS_PER_SEC + usec_of_day % USECS_PER_SEC;
	if (!IS_VALID_TIMESTAMP(result))
		return TP_OUT_OF_RANGE;
	*out = result;
	return TP_OK;
#undef MAX_CANDIDATES
}

/*
 * True if name looks like an IANA zone name: '/'-separated components, each
 * starting with a letter and made of [A-Za-z0-9_+-].  This alone excludes
 * paths (leading '/', ".."), offsets ("+03:00") and bracketed POSIX specs.
 */
static bool
zone_name_shape_ok(const char *name, int len)
{
	bool		at_start = true;
	int			i;

	for (i = 0; i < len; i++)
	{
		char		c = name[i];

		if (c == '/')
		{
			if (at_start)
				return false;	/* leading or doubled '/' */
			at_start = true;
			continue;
		}
		if (at_start && !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
			return false;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '+' || c == '-'))
			return false;
		at_start = false;
	}
	return !at_start;			/* not empty, no trailing '/' */
}

/* Files of the tz directory that are not IANA zone names. */
static bool
zone_name_excluded(const char *canon)
{
	return pg_strcasecmp(canon, "localtime") == 0 ||
		pg_strcasecmp(canon, "posixrules") == 0 ||
		pg_strcasecmp(canon, "Factory") == 0 ||
		pg_strncasecmp(canon, "posix/", 6) == 0 ||
		pg_strncasecmp(canon, "right/", 6) == 0;
}

/*
 * Loads the zone named key (NUL-terminated) if it is a regular file of the
 * tz directory, an IANA name, and free of leap seconds; NULL otherwise.
 */
static pg_tz *
load_zone_file(const char *key)
{
	char		canon[TZ_STRLEN_MAX + 1];
	struct stat st;
	int			fd;
	bool		regular;
	pg_tz	   *tz;

	canon[0] = '\0';
	fd = pg_open_tzfile(key, canon);
	if (fd < 0)
		return NULL;
	regular = (fstat(fd, &st) == 0 && S_ISREG(st.st_mode));
	close(fd);
	if (!regular || canon[0] == '\0' || zone_name_excluded(canon))
		return NULL;

	tz = pg_tzset(canon);
	if (tz == NULL || !pg_tz_acceptable(tz))
		return NULL;
	return tz;
}

/*
 * Looks up an IANA zone name with pg_tzset, refusing POSIX specs,
 * abbreviations and paths.  *canonical points into the tz library's cache
 * and lives as long as the backend.
 */
pg_tz *
tp_lookup_zone(const char *name, int len, const char **canonical)
{
	char		key[TZ_STRLEN_MAX + 1];
	ZoneCacheEntry *entry;
	bool		found;
	pg_tz	   *tz;
	int			i;

	if (canonical)
		*canonical = NULL;
	if (name == NULL || len <= 0 || len > TZ_STRLEN_MAX ||
		!zone_name_shape_ok(name, len))
		return NULL;

	for (i = 0; i < len; i++)
		key[i] = pg_toupper((unsigned char) name[i]);
	key[len] = '\0';

	if (zone_cache == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = TZ_STRLEN_MAX + 1;
		ctl.entrysize = sizeof(ZoneCacheEntry);
		zone_cache = hash_create("tasks time zone cache", 64, &ctl,
								 HASH_ELEM | HASH_STRINGS);
	}

	entry = (ZoneCacheEntry *) hash_search(zone_cache, key, HASH_FIND, NULL);
	if (entry)
		tz = entry->tz;
	else
	{
		tz = load_zone_file(key);
		if (tz != NULL || zone_cache_negatives < ZONE_CACHE_MAX_NEGATIVE)
		{
			entry = (ZoneCacheEntry *) hash_search(zone_cache, key, HASH_ENTER, &found);
			entry->tz = tz;
			if (tz == NULL)
				zone_cache_negatives++;
		}
	}

	if (tz != NULL && canonical)
		*canonical = pg_get_timezone_name(tz);
	return tz;
}

/* Appends an ISO 8601 year: 4 digits, or signed when outside 0000..9999. */
static void
append_iso_year(StringInfo buf, int year)
{
	if (year < 0)
		appendStringInfo(buf, "-%04d", -year);
	else if (year > 9999)
		appendStringInfo(buf, "+%d", year);
	else
		appendStringInfo(buf, "%04d", year);
}

/*
 * Instant as ISO 8601 UTC with milliseconds (truncated): always
 * "YYYY-MM-DDTHH:MM:SS.mmmZ"; "infinity"/"-infinity" for infinite values.
 */
char *
tp_format_instant(TimestampTz t)
{
	struct pg_tm tm;
	fsec_t		fsec;
	StringInfoData buf;

	if (TIMESTAMP_IS_NOBEGIN(t))
		return pstrdup("-infinity");
	if (TIMESTAMP_IS_NOEND(t))
		return pstrdup("infinity");
	/* no tzp: broken down in UTC, whatever the session TimeZone */
	if (timestamp2tm(t, NULL, &tm, &fsec, NULL, NULL) != 0)
		return pstrdup("invalid");

	initStringInfo(&buf);
	append_iso_year(&buf, tm.tm_year);
	appendStringInfo(&buf, "-%02d-%02dT%02d:%02d:%02d.%03dZ",
					 tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
					 (int) (fsec / 1000));
	return buf.data;
}

/* Date as ISO 8601 "YYYY-MM-DD"; "infinity"/"-infinity" for infinite values. */
char *
tp_format_date(DateADT d)
{
	int			year,
				month,
				day;
	StringInfoData buf;

	if (DATE_IS_NOBEGIN(d))
		return pstrdup("-infinity");
	if (DATE_IS_NOEND(d))
		return pstrdup("infinity");

	j2date(d + POSTGRES_EPOCH_JDATE, &year, &month, &day);
	initStringInfo(&buf);
	append_iso_year(&buf, year);
	appendStringInfo(&buf, "-%02d-%02d", month, day);
	return buf.data;
}
