-- ---------------------------------------------------------------------------
-- 52_vambe: the Vambe AI CRM contract (POST /api/public/tasks).
-- ---------------------------------------------------------------------------
CREATE SCHEMA tasks_vambe;
COMMENT ON SCHEMA tasks_vambe IS 'Vambe-compatible endpoints (PostgREST profile tasks_vambe).';

-- Vambe's status_config.type of a canonical status: the workspace's initial
-- status is "initial", closed ones (done, cancelled) "final", the rest "intermediate".
CREATE FUNCTION tasks._vambe_status_type(category text, is_initial boolean) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT CASE WHEN is_initial THEN 'initial'
				WHEN category = ANY (ARRAY['done', 'cancelled']) THEN 'final'
				ELSE 'intermediate' END;
END;
COMMENT ON FUNCTION tasks._vambe_status_type(text, boolean) IS
	'Vambe status_config.type: initial (the initial status), final (done, cancelled), intermediate (the rest).';

-- The Vambe Task Object of one task.
CREATE FUNCTION tasks._vambe_response(workspace_id uuid, id uuid) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT jsonb_build_object(
		'id', t.id,
		'title', t.title,
		'description', t.description,
		'due_timezone', t.due_timezone,
		-- an all-day date is shown as that date's midnight UTC, as Vambe's clients send it
		'due_at', coalesce(tasks.format_instant(t.due_at), to_char(t.due_date, 'YYYY-MM-DD"T00:00:00.000Z"')),
		'is_all_day', t.due_at IS NULL,
		'created_at', tasks.format_instant(t.created_at),
		'ai_contact_id', tasks._link_id(t.workspace_id, t.id, 'contact'),
		'ai_customer_id', tasks._link_id(t.workspace_id, t.id, 'customer'),
		'task_status_config_id', s.id,
		'priority', CASE t.priority WHEN 'low' THEN 0 WHEN 'medium' THEN 1 WHEN 'high' THEN 2 WHEN 'urgent' THEN 2 END,
		'creator_id', t.created_by,
		'task_responsibles', (SELECT coalesce(jsonb_agg(jsonb_build_object('responsible_id', r.id) ORDER BY r.o), '[]'::jsonb)
								FROM jsonb_array_elements(tasks._assignee_ids(t.workspace_id, t.id)) WITH ORDINALITY AS r(id, o)),
		'status_config', jsonb_build_object('id', s.id, 'name', s.name, 'color', s.color,
											'type', tasks._vambe_status_type(s.category, s.is_initial),
											'order', s.position))
	  FROM tasks.tasks t
	  JOIN tasks.statuses s ON s.workspace_id = t.workspace_id AND s.id = t.status_id
	 WHERE t.workspace_id = _vambe_response.workspace_id AND t.id = _vambe_response.id;
END;
COMMENT ON FUNCTION tasks._vambe_response(uuid, uuid) IS 'The Vambe Task Object of one task.';

CREATE FUNCTION tasks_vambe.task_create(jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_vambe_task_create'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks_vambe.task_create(jsonb) IS
	'Vambe POST /api/public/tasks: title, responsibleIds (active users), priority "0" | "1" | "2", dueDate / dueTime / timezone, aiContactId, aiCustomerId, associateToCalendar. The caller is the creator, the status the initial one; a contact gets an interactive note. Returns the Task Object (HTTP 201 under PostgREST); errors raise SQLSTATE PT400 / PT401 / PT404 with the NestJS body {"statusCode", "message", "errors": [{field, message}]} in DETAIL.';
