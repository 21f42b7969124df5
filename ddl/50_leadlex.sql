-- ---------------------------------------------------------------------------
-- 50_leadlex: the Leadlex CRM contract (POST /v1/tasks).
-- ---------------------------------------------------------------------------
CREATE SCHEMA tasks_leadlex;
COMMENT ON SCHEMA tasks_leadlex IS 'Leadlex-compatible endpoints (PostgREST profile tasks_leadlex).';

CREATE FUNCTION tasks._leadlex_response(workspace_id uuid, id uuid) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT jsonb_build_object('data', jsonb_build_object(
		'id', t.id,
		'title', t.title,
		'status', CASE WHEN s.category = ANY (ARRAY['done', 'cancelled']) THEN 'completed'
					   WHEN s.category = ANY (ARRAY['in_progress', 'blocked']) THEN 'in_progress'
					   ELSE 'open' END,
		'priority', CASE WHEN t.priority = 'urgent' THEN 'high' ELSE t.priority END,
		'due_date', coalesce(to_char(t.due_date, 'YYYY-MM-DD'), tasks.format_instant(t.due_at)),
		'assigned_to_user_id', tasks._assignee_ids(t.workspace_id, t.id) -> 0,
		'contact_id', tasks._link_id(t.workspace_id, t.id, 'contact'),
		'deal_id', tasks._link_id(t.workspace_id, t.id, 'deal'),
		'event_id', tasks._link_id(t.workspace_id, t.id, 'event'),
		'created_date', tasks.format_instant(t.created_at)))
	  FROM tasks.tasks t
	  JOIN tasks.statuses s ON s.workspace_id = t.workspace_id AND s.id = t.status_id
	 WHERE t.workspace_id = _leadlex_response.workspace_id AND t.id = _leadlex_response.id;
END;
COMMENT ON FUNCTION tasks._leadlex_response(uuid, uuid) IS 'The Leadlex response body {"data": {...}} of one task.';

CREATE FUNCTION tasks_leadlex.task_create(jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_leadlex_task_create'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks_leadlex.task_create(jsonb) IS
	'Leadlex POST /v1/tasks: flat body, at least one parent link (contact_id, company_id, deal_id, event_id, or a resolved contact_name / company_name), needs the activities:write scope. Returns {"data": {...}}; errors raise SQLSTATE PT400 / PT403 / PT404 with the Leadlex body {"error": {"code", "message"}} in DETAIL.';
