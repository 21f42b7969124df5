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
-- Built by one kept query in src/dialect_vambe.c (shared with task_create), so
-- no SQL-language function is parsed and planned again on every call.
CREATE FUNCTION tasks._vambe_response(workspace_id uuid, id uuid) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_vambe_response'
	LANGUAGE C STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks._vambe_response(uuid, uuid) IS 'The Vambe Task Object of one task.';

CREATE FUNCTION tasks_vambe.task_create(jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_vambe_task_create'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks_vambe.task_create(jsonb) IS
	'Vambe POST /api/public/tasks: title, responsibleIds (active users), priority "0" | "1" | "2", dueDate / dueTime / timezone, aiContactId, aiCustomerId, associateToCalendar. The caller is the creator, the status the initial one; a contact gets an interactive note. Returns the Task Object (HTTP 201 under PostgREST); errors raise SQLSTATE PT400 / PT401 / PT404 with the NestJS body {"statusCode", "message", "errors": [{field, message}]} in DETAIL.';
