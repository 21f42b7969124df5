
-- ---------------------------------------------------------------------------
-- 20_time: strict ISO 8601 dates and date-times, IANA time zones.
--
-- Previews of the rules the native create path applies to due dates and
-- instants (src/timeparse.c).  Zone look-ups depend on the installed tzdata,
-- so nothing that reads a zone is IMMUTABLE.
-- ---------------------------------------------------------------------------

CREATE FUNCTION tasks.timezone_canonical(name text) RETURNS text
	AS 'MODULE_PATHNAME', 'tasks_timezone_canonical'
	LANGUAGE C STABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks.timezone_canonical(text) IS
	'Canonical spelling of an IANA time zone name (case-insensitive: "america/santiago" gives "America/Santiago"), or NULL when it is not an IANA zone file (POSIX TZ strings, offsets, abbreviations and paths are refused).';

-- Not STRICT: a NULL zone means "no zone", which matters for local times.
CREATE FUNCTION tasks.parse_instant(value text, zone text DEFAULT NULL) RETURNS timestamptz
	AS 'MODULE_PATHNAME', 'tasks_parse_instant'
	LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks.parse_instant(text, text) IS
	'Strict ISO 8601 date-time YYYY-MM-DDTHH:MM[:SS[.fraction]] with Z or a +HH:MM offset, or a local time read in the IANA zone (DST gap: error; DST overlap: the earlier instant). Fractions beyond microseconds are truncated. NULL value gives NULL. Errors: 22007 format, 22008 range, 22023 zone or DST gap.';

CREATE FUNCTION tasks.parse_date(value text) RETURNS date
	AS 'MODULE_PATHNAME', 'tasks_parse_date'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks.parse_date(text) IS
	'Strict ISO 8601 calendar date YYYY-MM-DD (years 0001-9999, real calendar days). Errors: 22007 format, 22008 range.';

CREATE FUNCTION tasks.format_instant(value timestamptz) RETURNS text
	AS 'MODULE_PATHNAME', 'tasks_format_instant'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks.format_instant(timestamptz) IS
	'The instant as ISO 8601 UTC with milliseconds (truncated), e.g. 2025-10-25T17:00:00.000Z, whatever the session DateStyle and TimeZone.';
