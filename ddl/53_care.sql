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

CREATE FUNCTION tasks._care_response(workspace_id uuid, id uuid) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT jsonb_build_object(
		'id', t.id,
		'title', t.title,
		'description', t.description,
		'tags', to_jsonb(t.tags),
		'deadline', tasks._care_datetime(coalesce(t.due_at, t.deadline)),
		'created_at', tasks._care_datetime(t.created_at),
		'updated_at', tasks._care_datetime(t.updated_at),
		'priority', coalesce(t.priority, 'medium'),
		'created_by_id', t.created_by,
		'company_id', t.workspace_id,
		'version', t.version,
		'status', CASE WHEN s.category = ANY (ARRAY['done', 'cancelled']) THEN 'completed'
					   WHEN s.category = ANY (ARRAY['in_progress', 'blocked']) THEN 'in_progress'
					   ELSE 'pending' END,
		'call_id', tasks._link_id(t.workspace_id, t.id, 'call'),
		'fax_id', tasks._link_id(t.workspace_id, t.id, 'fax'),
		'assistant_id', tasks._link_id(t.workspace_id, t.id, 'assistant'),
		'session_id', tasks._link_id(t.workspace_id, t.id, 'session'),
		'patient_id', tasks._link_id(t.workspace_id, t.id, 'patient'),
		'type', t.type,
		'external_message_ids', '{}'::jsonb)
	  FROM tasks.tasks t
	  JOIN tasks.statuses s ON s.workspace_id = t.workspace_id AND s.id = t.status_id
	 WHERE t.workspace_id = _care_response.workspace_id AND t.id = _care_response.id;
END;
COMMENT ON FUNCTION tasks._care_response(uuid, uuid) IS 'The care response body (TaskResponse) of one task.';

CREATE FUNCTION tasks_care.task_create(jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_care_task_create'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks_care.task_create(jsonb) IS
	'care POST /v1/tasks: title, description, assigned_user_ids, created_by_id and deadline (a date-time with a UTC offset, stored as the due instant) required; call_id, fax_id, assistant_id, session_id, patient_id must exist in the workspace; unknown fields ignored. Returns the task (HTTP 201 under PostgREST); errors raise SQLSTATE PT422 with FastAPI''s {"detail": [{type, loc, msg, input, ctx?}]} or PT404 with {"detail": "..."} in DETAIL.';
