-- ---------------------------------------------------------------------------
-- 50_leadlex: the Leadlex CRM contract (POST /v1/tasks).
-- ---------------------------------------------------------------------------
CREATE SCHEMA tasks_leadlex;
COMMENT ON SCHEMA tasks_leadlex IS 'Leadlex-compatible endpoints (PostgREST profile tasks_leadlex).';

-- Built by one kept query in src/dialect_leadlex.c (shared with task_create), so
-- no SQL-language function is parsed and planned again on every call.
CREATE FUNCTION tasks._leadlex_response(workspace_id uuid, id uuid) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_leadlex_response'
	LANGUAGE C STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks._leadlex_response(uuid, uuid) IS 'The Leadlex response body {"data": {...}} of one task.';

CREATE FUNCTION tasks_leadlex.task_create(jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_leadlex_task_create'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks_leadlex.task_create(jsonb) IS
	'Leadlex POST /v1/tasks: flat body, at least one parent link (contact_id, company_id, deal_id, event_id, or a resolved contact_name / company_name), needs the activities:write scope. Returns {"data": {...}}; errors raise SQLSTATE PT400 / PT403 / PT404 with the Leadlex body {"error": {"code", "message"}} in DETAIL.';
