-- ---------------------------------------------------------------------------
-- 53_care: the healthcare-operations contract (POST /v1/tasks, seed 003).
-- ---------------------------------------------------------------------------
CREATE SCHEMA tasks_care;
COMMENT ON SCHEMA tasks_care IS 'Healthcare-operations ("care") compatible endpoints (PostgREST profile tasks_care).';

-- An instant the way pydantic serializes an aware UTC datetime:
-- "2023-11-07T05:31:56Z", with ".ffffff" only when there are microseconds.
CREATE FUNCTION tasks._care_datetime(value timestamptz) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT to_char(u, 'YYYY-MM-DD"T"HH24:MI:SS')
		   || CASE WHEN date_part('microseconds', u)::bigint % 1000000 = 0 THEN '' ELSE to_char(u, '.US') END
		   || 'Z'
	  FROM (SELECT value AT TIME ZONE 'UTC') AS x(u);
END;
COMMENT ON FUNCTION tasks._care_datetime(timestamptz) IS
	'An instant as pydantic writes an aware UTC datetime: 2023-11-07T05:31:56Z, or 2023-11-07T05:31:56.123456Z; independent of TimeZone and DateStyle.';

-- Built by one kept query in src/dialect_care.c (shared with task_create), so
-- no SQL-language function is parsed and planned again on every call.
CREATE FUNCTION tasks._care_response(workspace_id uuid, id uuid) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_care_response'
	LANGUAGE C STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks._care_response(uuid, uuid) IS 'The care response body (TaskResponse) of one task.';

CREATE FUNCTION tasks_care.task_create(jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_care_task_create'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks_care.task_create(jsonb) IS
	'care POST /v1/tasks: title, description, assigned_user_ids, created_by_id and deadline (a date-time with a UTC offset, stored as the due instant) required; call_id, fax_id, assistant_id, session_id, patient_id must exist in the workspace; unknown fields ignored. Returns the task (HTTP 201 under PostgREST); errors raise SQLSTATE PT422 with FastAPI''s {"detail": [{type, loc, msg, input, ctx?}]} or PT404 with {"detail": "..."} in DETAIL.';
