-- ---------------------------------------------------------------------------
-- 40_tasks: the native task API.
-- ---------------------------------------------------------------------------

-- The one read shape of a task.  It is built by tasks._task_json_batch
-- (ddl/71_list.sql), which renders a page of tasks in one statement; a
-- single task is a page of one, so the shape is defined in one place.
CREATE FUNCTION tasks.task_json(workspace_id uuid, id uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN (SELECT b.task FROM tasks._task_json_batch(workspace_id, ARRAY[id]) AS b);
END
$$;
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
