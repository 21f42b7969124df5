-- ---------------------------------------------------------------------------
-- 40_tasks: the native task API.
-- ---------------------------------------------------------------------------

-- The one read shape of a task, shared by every native function.
CREATE FUNCTION tasks.task_json(workspace_id uuid, id uuid) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT jsonb_build_object(
		'id', t.id,
		'workspace_id', t.workspace_id,
		'title', t.title,
		'description', t.description,
		'status', jsonb_build_object('id', s.id, 'name', s.name, 'category', s.category, 'color', s.color),
		'priority', t.priority,
		'type', t.type,
		'tags', to_jsonb(t.tags),
		'due_date', to_jsonb(to_char(t.due_date, 'YYYY-MM-DD')),
		'due_at', tasks.format_instant(t.due_at),
		'timezone', t.due_timezone,
		'all_day', t.due_date IS NOT NULL,
		'deadline', tasks.format_instant(t.deadline),
		'scheduled_start', tasks.format_instant(t.scheduled_start),
		'scheduled_end', tasks.format_instant(t.scheduled_end),
		'completed_at', tasks.format_instant(t.completed_at),
		'sort_order', t.sort_order,
		'metadata', t.metadata,
		'external_id', t.external_id,
		'created_by', t.created_by,
		'created_at', tasks.format_instant(t.created_at),
		'updated_at', tasks.format_instant(t.updated_at),
		'version', t.version,
		'assignees', coalesce((SELECT jsonb_agg(jsonb_build_object('id', m.id, 'kind', m.kind, 'name', m.name)
											   ORDER BY m.kind DESC, m.name, m.id)
								 FROM tasks.task_assignees a
								 JOIN tasks.members m ON m.workspace_id = a.workspace_id AND m.id = a.member_id
								WHERE a.workspace_id = t.workspace_id AND a.task_id = t.id), '[]'::jsonb),
		'links', coalesce((SELECT jsonb_agg(jsonb_build_object('relation', l.relation, 'kind', l.kind,
															   'id', r.id, 'name', r.name)
										   ORDER BY l.relation, r.name, r.id)
							 FROM tasks.task_links l
							 JOIN tasks.records r ON r.workspace_id = l.workspace_id AND r.id = l.record_id
							WHERE l.workspace_id = t.workspace_id AND l.task_id = t.id), '[]'::jsonb),
		'dependency_ids', coalesce((SELECT jsonb_agg(d.depends_on_id ORDER BY d.depends_on_id)
									  FROM tasks.task_dependencies d
									 WHERE d.workspace_id = t.workspace_id AND d.task_id = t.id), '[]'::jsonb),
		'notes', coalesce((SELECT jsonb_agg(jsonb_build_object('id', n.id, 'body', n.body, 'kind', n.kind,
															   'created_at', tasks.format_instant(n.created_at))
										   ORDER BY n.id)
							 FROM tasks.notes n
							WHERE n.workspace_id = t.workspace_id AND n.task_id = t.id), '[]'::jsonb))
	  FROM tasks.tasks t
	  JOIN tasks.statuses s ON s.workspace_id = t.workspace_id AND s.id = t.status_id
	 WHERE t.workspace_id = task_json.workspace_id AND t.id = task_json.id;
END;
COMMENT ON FUNCTION tasks.task_json(uuid, uuid) IS
	'The native JSON shape of one task (NULL when absent or not visible).';

CREATE FUNCTION tasks.task_create(jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_task_create'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks.task_create(jsonb) IS
	'Creates a task in the current workspace from the native payload (see README). Every problem is reported at once: SQLSTATE 22023, detail = JSON array of {path, code, message}. Returns the task.';

CREATE FUNCTION tasks.task_get(id uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	result jsonb;
BEGIN
	SELECT tasks.task_json(t.workspace_id, t.id) INTO result FROM tasks.tasks t
	 WHERE t.workspace_id = tasks.current_workspace_id() AND t.id = task_get.id AND t.deleted_at IS NULL;
	IF result IS NULL THEN
		RAISE EXCEPTION 'task % not found', id
			USING ERRCODE = 'P0002',
				  DETAIL = jsonb_build_array(jsonb_build_object('path', '/id', 'code', 'not_found',
																'message', 'no such task in this workspace'))::text;
	END IF;
	RETURN result;
END
$$;
COMMENT ON FUNCTION tasks.task_get(uuid) IS
	'One task of the current workspace in the native shape; P0002 not_found otherwise.';
