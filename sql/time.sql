--
-- time: strict ISO 8601 dates and date-times, IANA zones, DST gaps and overlaps
-- (src/timeparse.c through the SQL previews of src/api_time.c).
--
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
\pset null '(null)'

-- Each case on its own line: the result, or the SQLSTATE and message of the error.
CREATE FUNCTION pg_temp.instant(v text, z text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	RETURN tasks.format_instant(tasks.parse_instant(v, z));
EXCEPTION WHEN others THEN
	RETURN SQLSTATE || ' ' || SQLERRM;
END
$$;
CREATE FUNCTION pg_temp.day(v text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	RETURN tasks.parse_date(v)::text;
EXCEPTION WHEN others THEN
	RETURN SQLSTATE || ' ' || SQLERRM;
END
$$;

-- Calendar dates: exactly YYYY-MM-DD, real calendar days, years 0001-9999.
SELECT v, pg_temp.day(v) AS result FROM (VALUES
	('2025-01-05'),			-- plain date
	('2024-02-29'),			-- leap year
	('2023-02-29'),			-- not a leap year: out of range
	('1900-02-29'),			-- divisible by 100: not a leap year
	('2000-02-29'),			-- divisible by 400: leap year
	('2025-04-31'),			-- April has 30 days
	('2025-13-01'),			-- month 13
	('2025-00-10'),			-- month 0
	('2025-01-00'),			-- day 0
	('0000-01-01'),			-- year 0
	('0001-01-01'),			-- first year
	('9999-12-31'),			-- last day
	('2025-1-05'),			-- one-digit month
	('2025/01/05'),			-- wrong separator
	(' 2025-01-05'),		-- leading space
	('2025-01-05 '),		-- trailing space
	('20250105'),			-- basic format
	('2025-01-05x'),		-- trailing junk
	('+2025-01-05'),		-- expanded year
	('12025-01-05'),		-- five-digit year
	('２０２５-01-05'),		-- full-width digits
	(''),					-- empty
	('2025-01-05T00:00Z')	-- an instant is not an all-day date
) AS t(v);

-- Date-times with an offset: shape and ranges.
SELECT v, pg_temp.instant(v) AS result FROM (VALUES
	('2025-10-25T17:00Z'),				-- minutes only
	('2025-10-25T17:00:05Z'),			-- with seconds
	('2025-10-25T19:00:00+02:00'),		-- extended offset
	('2025-10-25T19:00:00+0200'),		-- basic offset
	('2025-10-25T12:00:00-05:00'),		-- negative offset
	('2025-10-25T22:45:00+05:45'),		-- quarter-hour offset (Nepal)
	('2025-10-25T17:00:00-00:00'),		-- -00:00 is read as UTC
	('2025-10-26T08:59+15:59'),			-- largest offset
	('2025-10-25T17:00+16:00'),			-- offset hours above 15
	('2025-10-25T17:00+05:60'),			-- offset minutes above 59
	('2025-10-25T17:00+05'),			-- offset without minutes
	('2025-10-25T17:00+5:00'),			-- one-digit offset hour
	('2025-10-25T17:00+05:0'),			-- one-digit offset minute
	('2025-10-25T17:00+05:00:00'),		-- offset with seconds
	('2025-10-25T17:00UTC'),			-- zone abbreviation instead of an offset
	('2025-10-25T17:00z'),				-- lower-case z
	('2025-10-25t17:00Z'),				-- lower-case t
	('2025-10-25 17:00Z'),				-- space instead of T
	('2025-10-25T17Z'),					-- hour only
	('2025-10-25T1700Z'),				-- basic time
	('2025-10-25T17:0Z'),				-- one-digit minute
	('2025-10-25T17:00:5Z'),			-- one-digit second
	('2025-10-25T23:59:59Z'),			-- last second of the day
	('2025-10-25T24:00Z'),				-- 24:00 is refused
	('2025-10-25T25:00Z'),				-- hour 25
	('2025-10-25T12:60Z'),				-- minute 60
	('2016-12-31T23:59:60Z'),			-- leap second refused
	('2025-02-29T12:00Z'),				-- no such day
	('2024-02-29T12:00Z'),				-- leap day
	('0000-01-01T00:00Z'),				-- year 0
	('0001-01-01T00:00+01:00'),			-- first year, an hour before it in UTC
	('9999-12-31T23:59-15:00'),			-- last year, the next year in UTC
	('2025-10-25T17:00Z '),				-- trailing space
	(' 2025-10-25T17:00Z'),				-- leading space
	('2025-10-25T17:00Zjunk'),			-- trailing junk
	('2025-10-25T17:00ZZ'),				-- doubled Z
	('2025-10-25'),						-- an all-day date is not an instant
	('2025-10-25T'),					-- no time
	('')								-- empty
) AS t(v);

-- Fractions: up to 9 digits, microseconds kept, the rest truncated (never rounded).
SELECT v, pg_temp.instant(v) AS result FROM (VALUES
	('2025-10-25T17:00:00.5Z'),				-- one digit
	('2025-10-25T17:00:00.123Z'),			-- milliseconds
	('2025-10-25T17:00:00.1239Z'),			-- output keeps milliseconds, truncated
	('2025-10-25T17:00:00.123456789Z'),		-- nine digits
	('2025-10-25T17:00:00.1234567891Z'),	-- ten digits
	('2025-10-25T17:00:00.Z'),				-- dot without digits
	('2025-10-25T17:00:00,5Z'),				-- comma decimal mark
	('2025-10-25T17:00.5Z'),				-- fraction without seconds
	('2025-12-31T23:59:59.999999999Z')		-- truncation never reaches the next day
) AS t(v);
SELECT tasks.parse_instant('2025-10-25T17:00:00.1234569Z') = '2025-10-25 17:00:00.123456+00' AS truncated_to_microseconds;
SELECT tasks.parse_instant('2025-10-25T17:00:00.9999999Z') = '2025-10-25 17:00:00.999999+00' AS not_rounded_up;

-- Local times: read in the IANA zone, DST-correct.
SELECT v, z, pg_temp.instant(v, z) AS result FROM (VALUES
	('2025-01-15T09:00', 'Europe/Berlin'),				-- winter, +01:00
	('2025-07-15T09:00', 'Europe/Berlin'),				-- summer, +02:00
	('2025-03-30T01:59:59', 'Europe/Berlin'),			-- last second before the gap
	('2025-03-30T02:00', 'Europe/Berlin'),				-- gap starts
	('2025-03-30T02:30', 'Europe/Berlin'),				-- gap
	('2025-03-30T02:59:59.999', 'Europe/Berlin'),		-- gap, last fraction
	('2025-03-30T03:00', 'Europe/Berlin'),				-- first time after the gap
	('2025-10-26T01:59', 'Europe/Berlin'),				-- before the overlap, +02:00
	('2025-10-26T02:00', 'Europe/Berlin'),				-- overlap starts: earlier (+02:00)
	('2025-10-26T02:30', 'Europe/Berlin'),				-- overlap: earlier instant 00:30Z
	('2025-10-26T02:59:59', 'Europe/Berlin'),			-- overlap ends
	('2025-10-26T03:00', 'Europe/Berlin'),				-- after the overlap, +01:00
	('2025-03-09T01:59', 'America/New_York'),			-- before the gap, EST
	('2025-03-09T02:30', 'America/New_York'),			-- gap
	('2025-03-09T03:00', 'America/New_York'),			-- after the gap, EDT
	('2025-11-02T01:30', 'America/New_York'),			-- overlap: earlier instant (EDT)
	('2025-11-02T02:00', 'America/New_York'),			-- after the overlap, EST
	('2025-09-06T23:59', 'America/Santiago'),			-- before the gap, -04:00
	('2025-09-07T00:00', 'America/Santiago'),			-- gap at midnight (southern spring)
	('2025-09-07T00:30', 'America/Santiago'),			-- gap
	('2025-09-07T01:00', 'America/Santiago'),			-- after the gap, -03:00
	('2025-04-05T23:30', 'America/Santiago'),			-- overlap: earlier instant (-03:00)
	('2025-04-06T00:00', 'America/Santiago'),			-- after the overlap, -04:00
	('2025-10-05T02:15', 'Australia/Lord_Howe'),		-- half-hour gap
	('2025-04-06T01:45', 'Australia/Lord_Howe'),		-- half-hour overlap: earlier (+11:00)
	('2011-12-30T12:00', 'Pacific/Apia'),				-- a whole skipped day
	('2011-12-31T00:00', 'Pacific/Apia'),				-- the day after, +14:00
	('2014-10-26T01:30', 'Europe/Moscow'),				-- standard-to-standard overlap: earlier (+04:00)
	('2025-06-01T12:00', 'Asia/Kathmandu'),				-- +05:45
	('2025-06-01T12:00', 'Asia/Tokyo'),					-- no DST
	('2025-06-01T12:00', 'UTC'),						-- UTC
	('2025-06-01T12:00', 'Etc/GMT+5'),					-- POSIX sign: UTC-5
	('2025-06-01T12:00', 'america/new_york'),			-- zone names are case-insensitive
	('0001-01-01T00:00', 'America/New_York'),			-- before any rule: local mean time
	('9999-07-01T12:00', 'America/New_York'),			-- far future follows the current rule
	('2025-06-01T12:00', NULL),							-- local time without a zone
	('2025-06-01T12:00', 'Mars/Olympus'),				-- unknown zone
	('2025-06-01T12:00Z', 'Mars/Olympus'),				-- the zone is checked even with an offset
	('2025-06-01T12:00+02:00', 'America/New_York'),		-- an explicit offset wins over the zone
	('2025-06-01T12:00', 'EST5'),						-- POSIX TZ string
	('2025-06-01T12:00', '+02:00'),						-- offset as a zone
	('2025-06-01T12:00', 'CEST'),						-- abbreviation
	('2025-02-29T12:00', 'Europe/Berlin'),				-- range before zone: no such day
	('2025-06-01T12:00:60', 'Europe/Berlin')			-- leap second
) AS t(v, z);

-- The session TimeZone is never used for local times.
SET TimeZone = 'Europe/Berlin';
SELECT pg_temp.instant('2025-06-01T12:00') AS local_without_zone;
SET TimeZone = 'UTC';

-- IANA zone names: canonical spelling, or NULL.
SELECT z, tasks.timezone_canonical(z) AS canonical FROM (VALUES
	('UTC'),							-- UTC
	('Etc/UTC'),						-- Etc/UTC
	('Europe/London'),					-- region/city
	('America/Santiago'),				-- southern hemisphere
	('Asia/Tokyo'),						-- no DST
	('America/Argentina/Buenos_Aires'),	-- three levels
	('Etc/GMT+5'),						-- fixed offset zone file
	('america/santiago'),				-- lower case: canonical spelling
	('EUROPE/LONDON'),					-- upper case: canonical spelling
	('utc'),							-- lower-case UTC
	('GMT'),							-- GMT zone file
	('Mars/Olympus'),					-- unknown
	('Europe/Londn'),					-- misspelt
	('EST5'),							-- POSIX TZ string
	('UTC0'),							-- POSIX TZ string
	('FOO+3'),							-- POSIX TZ string
	('EST5EDT4'),						-- POSIX TZ string with DST
	('Foo/Bar+3'),						-- POSIX TZ string with a slash
	('<+03>-3'),						-- bracketed POSIX TZ string
	('+03:00'),							-- UTC offset
	('CEST'),							-- abbreviation
	('PDT'),							-- abbreviation
	('Z'),								-- military letter
	(''),								-- empty
	('../etc/passwd'),					-- path traversal
	('Etc/../UTC'),						-- dot segment
	('/usr/share/zoneinfo/UTC'),		-- absolute path
	('America/'),						-- trailing slash
	('America'),						-- a directory
	('Europe//London'),					-- doubled slash
	(' UTC'),							-- leading space
	('UTC '),							-- trailing space
	('posix/Europe/Berlin'),			-- tzdata build artifact
	('right/UTC'),						-- leap-second zone
	('localtime'),						-- system link, not an IANA name
	('posixrules'),						-- not an IANA name
	('Factory'),						-- "zone unknown" placeholder
	('zone.tab'),						-- table file
	('leapseconds')						-- data file
) AS t(z);
SELECT tasks.timezone_canonical(repeat('A', 256)) IS NULL AS longer_than_tz_strlen_max;
SELECT tasks.timezone_canonical(NULL) AS null_zone;

-- Formatting: always UTC milliseconds, whatever the session settings.
SELECT tasks.format_instant('2025-10-25 19:00:00.123456+02') AS formatted;
SELECT tasks.format_instant('1969-12-31 23:59:59.9999+00') AS before_1970_truncated;
SELECT tasks.format_instant('0001-01-01 00:00:00+01') AS year_zero;
SELECT tasks.format_instant('infinity') AS infinite;
SET DateStyle = 'SQL, DMY';
SET TimeZone = 'Pacific/Kiritimati';
SET IntervalStyle = 'sql_standard';
SELECT tasks.format_instant(tasks.parse_instant('2025-10-26T02:30', 'Europe/Berlin')) AS same_with_other_settings;
SELECT tasks.format_instant('2025-10-25 17:00:00.123+00') AS same_literal_in_utc;
SELECT tasks.parse_date('2024-02-29') = DATE '2024-02-29' AS date_unaffected;
RESET IntervalStyle;
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';

-- NULL handling.
SELECT tasks.parse_instant(NULL) IS NULL AS null_value, tasks.parse_instant(NULL, 'UTC') IS NULL AS null_value_with_zone;
SELECT tasks.parse_date(NULL) IS NULL AS null_date, tasks.format_instant(NULL) IS NULL AS null_instant;

-- Full error reports: message, detail, hint (SQLSTATEs are shown above).
SELECT tasks.parse_date('2025-1-05');
SELECT tasks.parse_date('2023-02-29');
SELECT tasks.parse_instant('2025-10-25 17:00Z');
SELECT tasks.parse_instant('2025-10-25T24:00Z');
SELECT tasks.parse_instant('2025-10-25T17:00');
SELECT tasks.parse_instant('2025-03-30T02:30', 'Europe/Berlin');
SELECT tasks.parse_instant('2025-10-25T17:00', 'EST5');
SELECT tasks.parse_instant(repeat('x', 150));
