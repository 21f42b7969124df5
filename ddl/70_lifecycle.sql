-- ---------------------------------------------------------------------------
-- 70_lifecycle: soft delete, restore and purge; the event outbox and the
-- field history (src/lifecycle.c; README section in doc/lifecycle.md).
--
-- Events and history are written by row triggers on tasks.tasks and its
-- child tables, in the transaction of the write, whichever path writes.
-- ---------------------------------------------------------------------------

-- Positions of events: global, increasing in the order events are written.
-- CACHE 1 is required: readers compare positions with the sequence's last
-- value (see lifecycle.c), which per-backend caches would hide.
CREATE SEQUENCE tasks.events_position_seq AS bigint CACHE 1;
COMMENT ON SEQUENCE tasks.events_position_seq IS
	'Positions of tasks.events (CACHE 1 is required by tasks.events_since).';

-- The outbox: one row per change of a task, in the transaction of the change.
CREATE TABLE tasks.events (
	workspace_id uuid NOT NULL REFERENCES tasks.workspaces (id) ON DELETE CASCADE,
	position	bigint NOT NULL,
	task_id		uuid NOT NULL,				-- no foreign key: events outlive a purged task
	type		text NOT NULL,				-- task.created, task.updated, task.deleted, task.restored (no CHECK: only the trigger writes, and a CHECK costs ~5 us per event)
	actor		uuid,						-- the acting member, when the call had one
	payload		jsonb NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	PRIMARY KEY (workspace_id, position)
);
-- Retention scans by age: a BRIN index costs next to nothing per insert on an append-only table.
CREATE INDEX events_created_idx ON tasks.events USING brin (created_at);
COMMENT ON TABLE tasks.events IS
	'Outbox of task changes (task.created, task.updated, task.deleted, task.restored), written by triggers in the same transaction; read with tasks.events_since.';

-- Who changed which field from what to what.  It goes with its task, and so
-- with its workspace (tasks cascade from tasks.workspaces): one foreign key
-- check per row instead of two.
CREATE TABLE tasks.task_history (
	workspace_id uuid NOT NULL,
	task_id		uuid NOT NULL,
	position	bigint NOT NULL,			-- the event that recorded the change
	field		text NOT NULL,				-- a column of tasks.tasks, or assignee_ids / links / dependency_ids
	actor		uuid,
	old			jsonb,						-- NULL: there was no value
	new			jsonb,						-- NULL: there is no value
	at			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	PRIMARY KEY (workspace_id, task_id, position, field),
	FOREIGN KEY (workspace_id, task_id) REFERENCES tasks.tasks (workspace_id, id) ON DELETE CASCADE
);
COMMENT ON TABLE tasks.task_history IS
	'Field-level audit of task updates (columns, assignees, links, dependencies); goes with the task when it is purged.';

-- The purge finds soft-deleted tasks without reading the live ones.
CREATE INDEX tasks_deleted_idx ON tasks.tasks (deleted_at) WHERE deleted_at IS NOT NULL;

SELECT pg_catalog.pg_extension_config_dump('tasks.events_position_seq', '');
SELECT pg_catalog.pg_extension_config_dump('tasks.events', '');
SELECT pg_catalog.pg_extension_config_dump('tasks.task_history', '');

DO $rls$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['events', 'task_history']
	LOOP
		EXECUTE pg_catalog.format('ALTER TABLE tasks.%I ENABLE ROW LEVEL SECURITY', t);
		EXECUTE pg_catalog.format('ALTER TABLE tasks.%I FORCE ROW LEVEL SECURITY', t);
		EXECUTE pg_catalog.format(
			'CREATE POLICY workspace_isolation ON tasks.%I'
			' USING (workspace_id OPERATOR(pg_catalog.=) (SELECT tasks.current_workspace_id()))'
			' WITH CHECK (workspace_id OPERATOR(pg_catalog.=) (SELECT tasks.current_workspace_id()))', t);
	END LOOP;
END
$rls$;

-- The triggers (C; their SQL is fully qualified and runs as the table owner).
-- The pinned search_path costs about 2 us per event; kept for defence in depth.
CREATE FUNCTION tasks._events_task_trigger() RETURNS trigger
	AS 'MODULE_PATHNAME', 'tasks_events_task_trigger'
	LANGUAGE C VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks._events_task_trigger() IS
	'Internal: writes the event (and history) of each insert, update and delete of tasks.tasks.';
CREATE FUNCTION tasks._events_child_trigger() RETURNS trigger
	AS 'MODULE_PATHNAME', 'tasks_events_child_trigger'
	LANGUAGE C VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks._events_child_trigger() IS
	'Internal: writes the event and history of an added or removed assignee, link or dependency (arguments: field, columns).';

CREATE TRIGGER tasks_events AFTER INSERT OR UPDATE OR DELETE ON tasks.tasks
	FOR EACH ROW EXECUTE FUNCTION tasks._events_task_trigger();
CREATE TRIGGER task_assignees_events AFTER INSERT OR DELETE ON tasks.task_assignees
	FOR EACH ROW EXECUTE FUNCTION tasks._events_child_trigger('assignee_ids', 'member_id');
CREATE TRIGGER task_links_events AFTER INSERT OR DELETE ON tasks.task_links
	FOR EACH ROW EXECUTE FUNCTION tasks._events_child_trigger('links', 'relation', 'kind', 'record_id');
CREATE TRIGGER task_dependencies_events AFTER INSERT OR DELETE ON tasks.task_dependencies
	FOR EACH ROW EXECUTE FUNCTION tasks._events_child_trigger('dependency_ids', 'depends_on_id');

-- Soft-deletes (deleted = true) or restores one task; NULL when there is no
-- such live (deleted) task in the workspace.  Returns the task.
CREATE FUNCTION tasks._task_set_deleted(workspace_id uuid, id uuid, actor uuid, deleted boolean) RETURNS jsonb
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	at timestamptz;
	who uuid;
BEGIN
	UPDATE tasks.tasks t
	   SET deleted_at = CASE WHEN _task_set_deleted.deleted THEN now() END,
		   deleted_by = CASE WHEN _task_set_deleted.deleted THEN _task_set_deleted.actor END,
		   updated_at = now(),
		   version = t.version + 1
	 WHERE t.workspace_id = _task_set_deleted.workspace_id AND t.id = _task_set_deleted.id
	   AND (t.deleted_at IS NOT NULL) <> _task_set_deleted.deleted
	RETURNING t.deleted_at, t.deleted_by INTO at, who;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;
	RETURN tasks.task_json(_task_set_deleted.workspace_id, _task_set_deleted.id)
		|| jsonb_build_object('deleted_at', tasks.format_instant(at), 'deleted_by', who);
END
$$;
COMMENT ON FUNCTION tasks._task_set_deleted(uuid, uuid, uuid, boolean) IS
	'Internal: soft-deletes or restores one task (deleted_at, deleted_by, version + 1); NULL when there is no such task.';

CREATE FUNCTION tasks._task_not_found(id uuid, message text) RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RAISE EXCEPTION 'task % not found', id
		USING ERRCODE = 'P0002',
			  DETAIL = jsonb_build_array(jsonb_build_object('path', '/id', 'code', 'not_found', 'message', message))::text;
END
$$;
COMMENT ON FUNCTION tasks._task_not_found(uuid, text) IS 'Internal: raises P0002 not_found as tasks.task_get does.';

CREATE FUNCTION tasks.task_delete(id uuid) RETURNS jsonb
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	result jsonb := tasks._task_set_deleted(tasks.current_workspace_id(), task_delete.id, tasks.current_actor_id(), true);
BEGIN
	IF result IS NULL THEN
		PERFORM tasks._task_not_found(task_delete.id, 'no such task in this workspace');
	END IF;
	RETURN result;
END
$$;
COMMENT ON FUNCTION tasks.task_delete(uuid) IS
	'Soft-deletes a task of the current workspace (deleted_at = now, deleted_by = the actor); it disappears from reads. Returns the task with deleted_at and deleted_by; P0002 when there is no live task with this id.';

CREATE FUNCTION tasks.task_restore(id uuid) RETURNS jsonb
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	result jsonb := tasks._task_set_deleted(tasks.current_workspace_id(), task_restore.id, tasks.current_actor_id(), false);
BEGIN
	IF result IS NULL THEN
		PERFORM tasks._task_not_found(task_restore.id, 'no deleted task with this id in this workspace');
	END IF;
	RETURN result;
END
$$;
COMMENT ON FUNCTION tasks.task_restore(uuid) IS
	'Restores a soft-deleted task of the current workspace (until it is purged). Returns the task; P0002 when there is no deleted task with this id.';

CREATE FUNCTION tasks.task_purge(older_than interval DEFAULT '30 days') RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	n bigint;
BEGIN
	IF older_than < interval '0' THEN
		RAISE EXCEPTION 'older_than must not be negative'
			USING ERRCODE = '22023',
				  DETAIL = jsonb_build_array(jsonb_build_object('path', '/older_than', 'code', 'out_of_range',
																'message', 'must not be negative'))::text;
	END IF;
	WITH gone AS (DELETE FROM tasks.tasks t WHERE t.deleted_at < now() - older_than RETURNING 1)
	SELECT count(*) INTO n FROM gone;
	RETURN n;
END
$$;
COMMENT ON FUNCTION tasks.task_purge(interval) IS
	'Hard-deletes tasks soft-deleted longer ago than the retention (30 days by default), with their children and history; returns how many. For cron: every workspace as a superuser, only the current one under row level security.';

CREATE FUNCTION tasks.events_purge(older_than interval DEFAULT '30 days') RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	n bigint;
BEGIN
	IF older_than < interval '0' THEN
		RAISE EXCEPTION 'older_than must not be negative'
			USING ERRCODE = '22023',
				  DETAIL = jsonb_build_array(jsonb_build_object('path', '/older_than', 'code', 'out_of_range',
																'message', 'must not be negative'))::text;
	END IF;
	WITH gone AS (DELETE FROM tasks.events e WHERE e.created_at < now() - older_than RETURNING 1)
	SELECT count(*) INTO n FROM gone;
	RETURN n;
END
$$;
COMMENT ON FUNCTION tasks.events_purge(interval) IS
	'Deletes events older than the retention (30 days by default); returns how many. For cron; consumers further behind lose what was purged.';

-- STABLE so that PostgREST serves it by GET; it reads with a fresh snapshot
-- (taken after the frontier), so two calls in one statement may differ.
CREATE FUNCTION tasks.events_since(after bigint DEFAULT 0, max_events integer DEFAULT 100) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_events_since'
	LANGUAGE C STABLE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks.events_since(bigint, integer) IS
	'The current workspace''s committed events after a position, oldest first, at most max_events (1..1000): [{position, type, task_id, workspace_id, actor, created_at, payload}]. Never passes a position an open transaction may still commit, so a consumer that resumes after its last position misses nothing.';

CREATE FUNCTION tasks.events_frontier() RETURNS bigint
	AS 'MODULE_PATHNAME', 'tasks_events_frontier'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks.events_frontier() IS
	'Every event position up to this one belongs to a finished transaction. For readers of tasks.events across workspaces: take it in one statement, then read position <= it in a later one.';

CREATE FUNCTION tasks.task_history(id uuid, include_deleted boolean DEFAULT false) RETURNS jsonb
LANGUAGE plpgsql STABLE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	ws uuid := tasks.current_workspace_id();
	result jsonb;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM tasks.tasks t
					WHERE t.workspace_id = ws AND t.id = task_history.id
					  AND (t.deleted_at IS NULL OR task_history.include_deleted)) THEN
		PERFORM tasks._task_not_found(task_history.id, 'no such task in this workspace');
	END IF;
	SELECT coalesce(jsonb_agg(jsonb_build_object('position', h.position, 'at', tasks.format_instant(h.at),
												 'actor', h.actor, 'field', h.field, 'old', h.old, 'new', h.new)
							  ORDER BY h.position, h.field), '[]'::jsonb)
	  INTO result
	  FROM tasks.task_history h
	 WHERE h.workspace_id = ws AND h.task_id = task_history.id;
	RETURN result;
END
$$;
COMMENT ON FUNCTION tasks.task_history(uuid, boolean) IS
	'Who changed which field of a task from what to what, oldest first: [{position, at, actor, field, old, new}]. A deleted task only with include_deleted; P0002 when there is no such task.';

-- HTTP: the native endpoints (tasks_v1) and Vambe's DELETE.
CREATE FUNCTION tasks_v1.task_delete(jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_v1_task_delete'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks_v1.task_delete(jsonb) IS
	'POST /rpc/task_delete {"id"}: soft-deletes a task; 200 with the task (deleted_at, deleted_by); 404 {"code": "not_found", "message"}; 422 validation_failed. Supports Idempotency-Key.';

CREATE FUNCTION tasks_v1.task_restore(jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_v1_task_restore'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks_v1.task_restore(jsonb) IS
	'POST /rpc/task_restore {"id"}: restores a soft-deleted task; 200 with the task; 404 {"code": "not_found", "message"}; 422 validation_failed. Supports Idempotency-Key.';

CREATE FUNCTION tasks_v1.task_history(id uuid) RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT tasks.task_history(task_history.id, false);
END;
COMMENT ON FUNCTION tasks_v1.task_history(uuid) IS 'GET /rpc/task_history?id=...: the field history of a task of the caller''s workspace.';

CREATE FUNCTION tasks_v1.events_since(after bigint DEFAULT 0, max_events integer DEFAULT 100) RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT tasks.events_since(events_since.after, events_since.max_events);
END;
COMMENT ON FUNCTION tasks_v1.events_since(bigint, integer) IS
	'GET /rpc/events_since?after=...&max_events=...: the caller''s workspace''s committed events after a position.';

CREATE FUNCTION tasks_vambe.task_delete(jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_vambe_task_delete'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks_vambe.task_delete(jsonb) IS
	'Vambe DELETE /api/public/tasks/{id}, the id as {"id"}: soft-deletes the task and deletes its interactive notes; {"status": "success"} (HTTP 200). Errors: PT400 / PT401 / PT404 with the NestJS body in DETAIL.';
