-- ---------------------------------------------------------------------------
-- 54_acp: the ACP (AI-agent control plane) contract (POST /v1/tasks).
-- ---------------------------------------------------------------------------
CREATE SCHEMA tasks_acp;
COMMENT ON SCHEMA tasks_acp IS 'ACP-compatible endpoints (PostgREST profile tasks_acp).';

-- ACP has no "cancelled": a cancelled task reads as done (closed).  An
-- all-day due date (only the native API can store one) reads as "YYYY-MM-DD".
CREATE FUNCTION tasks._acp_response(workspace_id uuid, id uuid) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT jsonb_build_object('task', jsonb_build_object(
		'id', t.id,
		'userId', t.created_by,
		'projectId', tasks._link_id(t.workspace_id, t.id, 'project'),
		'releaseId', tasks._link_id(t.workspace_id, t.id, 'release'),
		'title', t.title,
		'description', t.description,
		'status', CASE WHEN s.category = 'cancelled' THEN 'done' ELSE s.category END,
		'priority', t.priority,
		'sprintId', tasks._link_id(t.workspace_id, t.id, 'sprint'),
		'assigneeAgentId', (SELECT a.member_id
							  FROM tasks.task_assignees a
							  JOIN tasks.members m ON m.workspace_id = a.workspace_id AND m.id = a.member_id
							 WHERE a.workspace_id = t.workspace_id AND a.task_id = t.id AND m.kind = 'agent'
							 ORDER BY a.assigned_at, a.member_id LIMIT 1),
		'dependencyIds', coalesce((SELECT jsonb_agg(d.depends_on_id ORDER BY d.depends_on_id)
									 FROM tasks.task_dependencies d
									WHERE d.workspace_id = t.workspace_id AND d.task_id = t.id), '[]'::jsonb),
		'linkedThreadIds', tasks._link_ids(t.workspace_id, t.id, 'linked_thread'),
		'lastStartedThreadId', tasks._link_id(t.workspace_id, t.id, 'last_started_thread'),
		'scheduledStartAt', tasks.format_instant(t.scheduled_start),
		'scheduledEndAt', tasks.format_instant(t.scheduled_end),
		'dueAt', coalesce(tasks.format_instant(t.due_at), to_char(t.due_date, 'YYYY-MM-DD')),
		'completedAt', tasks.format_instant(t.completed_at),
		'sortOrder', t.sort_order,
		'metadata', t.metadata,
		'createdAt', tasks.format_instant(t.created_at),
		'updatedAt', tasks.format_instant(t.updated_at)))
	  FROM tasks.tasks t
	  JOIN tasks.statuses s ON s.workspace_id = t.workspace_id AND s.id = t.status_id
	 WHERE t.workspace_id = _acp_response.workspace_id AND t.id = _acp_response.id;
END;
COMMENT ON FUNCTION tasks._acp_response(uuid, uuid) IS 'The ACP response body {"task": {...}} of one task.';

CREATE FUNCTION tasks_acp.task_create(jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_acp_task_create'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks_acp.task_create(jsonb) IS
	'ACP POST /v1/tasks: flat camelCase body (title required; projectId, releaseId, sprintId, assigneeAgentId (an agent), dependencyIds, linkedThreadIds, lastStartedThreadId must exist in the workspace; timestamps need a UTC offset; unknown fields refused). Returns {"task": {...}} (HTTP 201); errors raise SQLSTATE PT400 (validation_error), PT401 (unauthorized) or PT422 (invalid_reference) with {"error": {"code", "message", "details": [{"field", "code", "message"}]}} in DETAIL.';
