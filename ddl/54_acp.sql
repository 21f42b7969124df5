-- ---------------------------------------------------------------------------
-- 54_acp: the ACP (AI-agent control plane) contract (POST /v1/tasks).
-- ---------------------------------------------------------------------------
CREATE SCHEMA tasks_acp;
COMMENT ON SCHEMA tasks_acp IS 'ACP-compatible endpoints (PostgREST profile tasks_acp).';

-- ACP has no "cancelled": a cancelled task reads as done (closed).  An
-- all-day due date (only the native API can store one) reads as "YYYY-MM-DD".
-- Built by one kept query in src/dialect_acp.c (shared with task_create), so
-- no SQL-language function is parsed and planned again on every call.
CREATE FUNCTION tasks._acp_response(workspace_id uuid, id uuid) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_acp_response'
	LANGUAGE C STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks._acp_response(uuid, uuid) IS 'The ACP response body {"task": {...}} of one task.';

CREATE FUNCTION tasks_acp.task_create(jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_acp_task_create'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks_acp.task_create(jsonb) IS
	'ACP POST /v1/tasks: flat camelCase body (title required; projectId, releaseId, sprintId, assigneeAgentId (an agent), dependencyIds, linkedThreadIds, lastStartedThreadId must exist in the workspace; timestamps need a UTC offset; unknown fields refused). Returns {"task": {...}} (HTTP 201); errors raise SQLSTATE PT400 (validation_error), PT401 (unauthorized) or PT422 (invalid_reference) with {"error": {"code", "message", "details": [{"field", "code", "message"}]}} in DETAIL.';
