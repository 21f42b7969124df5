-- ---------------------------------------------------------------------------
-- 72_update: partial updates of a task (src/task_update.c).
--
-- tasks.task_update(id, patch) is the native SQL API; tasks_v1.task_update,
-- tasks_lightfield.task_update and tasks_vambe.task_update are the
-- endpoints PostgREST exposes.  Each update is a compare-and-set on
-- tasks.tasks.version inside the UPDATE itself.
-- ---------------------------------------------------------------------------

-- One row per workspace, updated by every update that adds dependencies: it
-- serialises their cycle checks (see task_dependency_lock in task_refs.c).
CREATE TABLE tasks.dependency_locks (
	workspace_id uuid PRIMARY KEY REFERENCES tasks.workspaces (id) ON DELETE CASCADE,
	version		bigint NOT NULL DEFAULT 1,
	changed_at	timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE tasks.dependency_locks IS
	'Internal: a counter per workspace bumped by every update that adds task dependencies, in the same transaction. Two such updates wait for each other, so their cycle checks see each other''s dependencies (READ COMMITTED) or the second fails with 40001 (REPEATABLE READ, SERIALIZABLE).';
SELECT pg_catalog.pg_extension_config_dump('tasks.dependency_locks', '');
ALTER TABLE tasks.dependency_locks ENABLE ROW LEVEL SECURITY;
ALTER TABLE tasks.dependency_locks FORCE ROW LEVEL SECURITY;
CREATE POLICY workspace_isolation ON tasks.dependency_locks
	USING (workspace_id OPERATOR(pg_catalog.=) (SELECT tasks.current_workspace_id()))
	WITH CHECK (workspace_id OPERATOR(pg_catalog.=) (SELECT tasks.current_workspace_id()));

CREATE FUNCTION tasks.task_update(id uuid, patch jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_task_update'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks.task_update(uuid, jsonb) IS
	'Updates a task of the current workspace with a partial native payload (see the README): only the keys given change, null clears, arrays replace, {"add", "remove"} edits a list; "version" makes it a compare-and-set. Returns the task. Errors: 22023 (the problem list in DETAIL), P0002 (no such task), PT409 (stale version; {"code": "version_conflict", "current_version", "current"} in DETAIL).';

CREATE FUNCTION tasks_v1.task_update(jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_v1_task_update'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks_v1.task_update(jsonb) IS
	'POST /rpc/task_update: {"id", "version"?, ...patch} as for tasks.task_update. 200 with the task; 404 {"code": "not_found"}; 409 {"code": "version_conflict", "message", "current_version", "current"}; 422 {"code": "validation_failed", "message", "errors"}. Supports Idempotency-Key.';

CREATE FUNCTION tasks_lightfield.task_update(jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_lightfield_task_update'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks_lightfield.task_update(jsonb) IS
	'Lightfield POST /v1/tasks/{id}: {"id", "fields"?: {"$title", "$status", "$description", "$dueAt"}, "relationships"?: {"$assignedTo" | "$account" | "$opportunity" | <custom slug>: {"add" | "remove" | "replace": id | [ids] | null}}}; only what is given changes; needs the tasks:update scope. Returns the task record (HTTP 200); errors raise SQLSTATE PT400 / PT403 / PT404 / PT409 / PT422 with the Lightfield body {"error": {"type", "message", "code"?, "param"?}} in DETAIL.';

CREATE FUNCTION tasks_vambe.task_update(jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_vambe_task_update'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks_vambe.task_update(jsonb) IS
	'Vambe PUT /api/public/tasks/{id}: {"id", ...} with every create field optional (null = unchanged; dueDate: null removes the due date), responsibleIds replacing all assignees, newStatusName or newStatusPosition (not both). Returns the Task Object (HTTP 200); errors raise SQLSTATE PT400 / PT401 / PT404 / PT409 with the NestJS body {"statusCode", "message", "errors"?} in DETAIL.';
