-- ---------------------------------------------------------------------------
-- 73_bulk_claim: bulk create, agent claiming and the native definitions.
--
-- A claim lives on the task row: claimed_by (the agent), claimed_at and
-- lease_expires_at.  No lease: claimed_by IS NULL.  A lease whose agent was
-- deleted keeps lease_expires_at, so an in_progress task it held stays
-- reclaimable.  See src/claim.c and doc/bulk_claim.md.
-- ---------------------------------------------------------------------------

ALTER TABLE tasks.tasks
	ADD COLUMN claimed_by uuid,
	ADD COLUMN claimed_at timestamptz,
	ADD COLUMN lease_expires_at timestamptz,
	ADD CONSTRAINT tasks_claimed_by_fkey FOREIGN KEY (workspace_id, claimed_by)
		REFERENCES tasks.members (workspace_id, id) ON DELETE SET NULL (claimed_by),
	ADD CONSTRAINT tasks_claim_lease CHECK (claimed_by IS NULL OR (claimed_at IS NOT NULL AND lease_expires_at IS NOT NULL));
COMMENT ON COLUMN tasks.tasks.claimed_by IS 'The agent holding the task''s claim (tasks.task_claim_next), or NULL.';
COMMENT ON COLUMN tasks.tasks.lease_expires_at IS 'When the claim lapses unless the agent heartbeats; an expired claim can be taken by another agent.';

-- The claim queue of each status in the order task_claim_next hands tasks
-- out (priority: urgent, high, medium, low, none; then sort_order,
-- created_at, id).  A claim reads the first rows of each eligible status
-- instead of sorting every open task or walking past the done ones.  The
-- expression must stay identical to CLAIM_ORDER in src/claim.c.
CREATE INDEX tasks_claim_order_idx ON tasks.tasks
	(workspace_id, status_id,
	 (CASE priority WHEN 'urgent' THEN 1 WHEN 'high' THEN 2 WHEN 'medium' THEN 3 WHEN 'low' THEN 4 ELSE 5 END),
	 sort_order, created_at, id)
	WHERE deleted_at IS NULL;
-- Leases by status and expiry, so a claim finds the in_progress tasks whose
-- agent stopped heartbeating without reading the ones being worked on.
-- Partial: only tasks under a claim (or one that was never released).
CREATE INDEX tasks_claim_lease_idx ON tasks.tasks (workspace_id, status_id, lease_expires_at)
	WHERE lease_expires_at IS NOT NULL AND deleted_at IS NULL;

-- The claim of one task: {agent_id, claimed_at, expires_at, expired}, or null.
CREATE FUNCTION tasks._task_lease(workspace_id uuid, id uuid) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT CASE WHEN t.claimed_by IS NOT NULL THEN
		jsonb_build_object('agent_id', t.claimed_by,
						   'claimed_at', tasks.format_instant(t.claimed_at),
						   'expires_at', tasks.format_instant(t.lease_expires_at),
						   'expired', t.lease_expires_at <= now()) END
	  FROM tasks.tasks t
	 WHERE t.workspace_id = _task_lease.workspace_id AND t.id = _task_lease.id;
END;
COMMENT ON FUNCTION tasks._task_lease(uuid, uuid) IS
	'Internal: the claim of a task as {agent_id, claimed_at, expires_at, expired}, or null when nobody holds it.';

-- ---------------------------------------------------------------------------
-- Bulk create
-- ---------------------------------------------------------------------------
CREATE FUNCTION tasks.task_create_many(jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_task_create_many'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks.task_create_many(jsonb) IS
	'Creates up to 1000 tasks: {"tasks": [native payload, ...], "defaults"?: {native keys every item gets unless it sets them}, "mode"?: "all_or_none" (default) | "best_effort"}. Returns {"results": [{"index", "id"} | {"index", "errors"}], "created", "failed"}. all_or_none: any invalid item raises one 22023 listing every problem with paths /tasks/<i>/..., nothing stored. best_effort: valid items are stored, the others reported.';

CREATE FUNCTION tasks_v1.task_create_many(jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_v1_task_create_many'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks_v1.task_create_many(jsonb) IS
	'POST /rpc/task_create_many: {"tasks": [...], "defaults"?, "mode"?: "all_or_none" | "best_effort"} (at most 1000 tasks). 200 with {"results", "created", "failed"}; 422 {"code": "validation_failed", "errors"} when the envelope or (all_or_none) any item is invalid. Supports Idempotency-Key.';

-- ---------------------------------------------------------------------------
-- Agent claiming
--
-- The claim functions run with jit = off: the generic plan of the claim
-- statement is estimated high (its LIMIT is a parameter), and compiling it
-- would cost about 250 ms a call for a statement that runs in about 1 ms.
-- ---------------------------------------------------------------------------
CREATE FUNCTION tasks.task_claim_next(agent_id uuid, filter jsonb DEFAULT '{}', lease interval DEFAULT '15 minutes')
RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_task_claim_next'
	LANGUAGE C VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
	SET jit = off;
COMMENT ON FUNCTION tasks.task_claim_next(uuid, jsonb, interval) IS
	'Hands the next eligible task to the agent (an active member of kind agent): moves it to the workspace''s in_progress status under a lease and returns it with "lease", or NULL when none is eligible. Eligible: not deleted, no active lease, category todo (filter "categories": ["todo", "backlog"]) or in_progress under an expired lease, assigned to the agent or unassigned, every dependency done. Filter: categories, priorities, tags (all), assigned (me_or_unassigned | me | unassigned), <kind>_id (a linked record). Order: priority (urgent first), sort_order, created_at, id. Lease: > 0 and <= 24 hours.';

CREATE FUNCTION tasks.task_heartbeat(task_id uuid, agent_id uuid, lease interval DEFAULT '15 minutes')
RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_task_heartbeat'
	LANGUAGE C VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks.task_heartbeat(uuid, uuid, interval) IS
	'Extends the agent''s lease on a task it holds to now() + lease: {task_id, agent_id, claimed_at, expires_at, status}. P0002 when the task is not there, 55000 not_claimed when the agent does not hold it (another agent reclaimed it, or it was released).';

CREATE FUNCTION tasks.task_release(task_id uuid, agent_id uuid, status text DEFAULT NULL)
RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_task_release'
	LANGUAGE C VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks.task_release(uuid, uuid, text) IS
	'Gives a held task back: clears the lease and moves it to status (a status name or category). Without one, a task still in progress goes back to todo and a task a human moved meanwhile keeps its status. A done status completes it (completed_at now). Returns the task. P0002 not found, 55000 not_claimed.';

CREATE FUNCTION tasks_v1.task_claim_next(jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_v1_task_claim_next'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
	SET jit = off;
COMMENT ON FUNCTION tasks_v1.task_claim_next(jsonb) IS
	'POST /rpc/task_claim_next {"agent_id", "filter"?, "lease_seconds"? (default 900)}: 200 with the claimed task and its "lease", or null when none is eligible; 422 validation_failed; 409 status_unavailable. Supports Idempotency-Key (a retried claim returns the same task).';

CREATE FUNCTION tasks_v1.task_heartbeat(jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_v1_task_heartbeat'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks_v1.task_heartbeat(jsonb) IS
	'POST /rpc/task_heartbeat {"task_id", "agent_id", "lease_seconds"?}: 200 with the lease; 404 not_found; 409 not_claimed; 422 validation_failed.';

CREATE FUNCTION tasks_v1.task_release(jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_v1_task_release'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks_v1.task_release(jsonb) IS
	'POST /rpc/task_release {"task_id", "agent_id", "status"?}: 200 with the task; 404 not_found; 409 not_claimed; 422 validation_failed. Supports Idempotency-Key.';

-- ---------------------------------------------------------------------------
-- Definitions: what a task of the current workspace is made of
-- ---------------------------------------------------------------------------
CREATE FUNCTION tasks.task_definitions() RETURNS jsonb
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	WITH ws AS (SELECT tasks.current_workspace_id() AS id),
	st AS (
		SELECT coalesce(jsonb_agg(jsonb_build_object('id', s.id, 'name', s.name, 'category', s.category,
													 'color', s.color, 'position', s.position, 'initial', s.is_initial)
								  ORDER BY s.position, s.name COLLATE "C", s.id), '[]'::jsonb) AS statuses,
			   coalesce(jsonb_agg(s.name ORDER BY s.position, s.name COLLATE "C", s.id), '[]'::jsonb) AS names,
			   (SELECT i.name FROM tasks.statuses i, ws WHERE i.workspace_id = ws.id AND i.is_initial) AS initial
		  FROM tasks.statuses s, ws
		 WHERE s.workspace_id = ws.id)
	SELECT jsonb_build_object(
		'object_type', 'task',
		'workspace_id', (SELECT ws.id FROM ws),
		'fields', jsonb_build_array(
			'{"name": "title", "type": "string", "required": true, "nullable": false, "min_length": 1, "max_length": 500}'::jsonb,
			'{"name": "description", "type": "string", "format": "markdown", "nullable": true, "min_length": 0, "max_length": 100000}'::jsonb,
			jsonb_build_object('name', 'status', 'type', 'string', 'nullable', true, 'max_length', 100,
							   'enum', (SELECT st.names FROM st), 'default', (SELECT st.initial FROM st),
							   'description', 'a status name of the workspace (case-insensitive) or a status category; conflicts with status_id'),
			'{"name": "status_id", "type": "string", "format": "uuid", "nullable": true, "references": "status", "description": "instead of status"}'::jsonb,
			'{"name": "priority", "type": "string", "nullable": true, "enum": ["low", "medium", "high", "urgent"]}'::jsonb,
			'{"name": "type", "type": "string", "nullable": true, "min_length": 1, "max_length": 255}'::jsonb,
			'{"name": "tags", "type": "array", "nullable": true, "max_items": 100, "unique_items": true, "items": {"type": "string", "min_length": 1, "max_length": 255}, "description": "duplicates are dropped"}'::jsonb,
			'{"name": "due_date", "type": "string", "format": "date", "nullable": true, "description": "an all-day due date YYYY-MM-DD; conflicts with due_at"}'::jsonb,
			'{"name": "due_at", "type": "string", "format": "date-time", "nullable": true, "description": "an instant: with Z or an offset, or local wall time plus timezone"}'::jsonb,
			'{"name": "timezone", "type": "string", "format": "iana-timezone", "nullable": true, "max_length": 100, "description": "stored with the due date/time; interprets every local date-time of the payload"}'::jsonb,
			'{"name": "deadline", "type": "string", "format": "date-time", "nullable": true}'::jsonb,
			'{"name": "scheduled_start", "type": "string", "format": "date-time", "nullable": true}'::jsonb,
			'{"name": "scheduled_end", "type": "string", "format": "date-time", "nullable": true, "description": "not before scheduled_start"}'::jsonb,
			'{"name": "completed_at", "type": "string", "format": "date-time", "nullable": true, "description": "set to the time of the call when the status is of category done and none is given"}'::jsonb,
			'{"name": "created_at", "type": "string", "format": "date-time", "nullable": true, "description": "for imports; at most 24 hours ahead"}'::jsonb,
			'{"name": "sort_order", "type": "number", "format": "double", "nullable": true}'::jsonb,
			'{"name": "metadata", "type": "object", "nullable": true, "max_bytes": 65536}'::jsonb,
			'{"name": "external_id", "type": "string", "nullable": true, "min_length": 1, "max_length": 255, "unique": "workspace"}'::jsonb,
			'{"name": "created_by", "type": "string", "format": "uuid", "nullable": true, "references": "member", "description": "default: the calling actor"}'::jsonb,
			'{"name": "assignee_ids", "type": "array", "nullable": true, "max_items": 100, "unique_items": true, "items": {"type": "string", "format": "uuid", "references": "member"}, "description": "active users or agents of the workspace"}'::jsonb,
			'{"name": "links", "type": "array", "nullable": true, "max_items": 100, "items": {"type": "object", "properties": {"kind": {"type": "string", "references": "record_kind", "required": true}, "id": {"type": "string", "format": "uuid", "references": "record"}, "name": {"type": "string", "min_length": 1, "max_length": 500, "description": "resolved to one record of the kind"}, "relation": {"type": "string", "max_length": 63, "pattern": "^[a-z][a-z0-9_]{0,62}$", "description": "default: the kind"}}}}'::jsonb,
			'{"name": "dependency_ids", "type": "array", "nullable": true, "max_items": 100, "unique_items": true, "items": {"type": "string", "format": "uuid", "references": "task"}, "description": "live tasks of the workspace this task waits for"}'::jsonb,
			'{"name": "notes", "type": "array", "nullable": true, "max_items": 100, "items": {"type": "string", "min_length": 1, "max_length": 100000}}'::jsonb),
		'read_only_fields', '[
			{"name": "id", "type": "string", "format": "uuid"},
			{"name": "workspace_id", "type": "string", "format": "uuid"},
			{"name": "all_day", "type": "boolean"},
			{"name": "updated_at", "type": "string", "format": "date-time"},
			{"name": "version", "type": "integer"},
			{"name": "assignees", "type": "array", "items": {"type": "object", "properties": ["id", "kind", "name"]}},
			{"name": "lease", "type": "object", "nullable": true, "properties": ["agent_id", "claimed_at", "expires_at", "expired"], "description": "the agent claim, returned by the claim functions"}]'::jsonb,
		'enums', jsonb_build_object(
			'priority', '["low", "medium", "high", "urgent"]'::jsonb,
			'status_category', '["backlog", "todo", "in_progress", "blocked", "done", "cancelled"]'::jsonb,
			'status', (SELECT st.names FROM st),
			'member_kind', '["user", "agent"]'::jsonb),
		'statuses', (SELECT st.statuses FROM st),
		'record_kinds', (SELECT coalesce(jsonb_agg(jsonb_build_object(
									'kind', k.kind, 'label', k.label, 'description', k.description,
									'fields', jsonb_build_array(k.kind || '_id', k.kind || '_name'))
								ORDER BY k.kind COLLATE "C"), '[]'::jsonb)
						   FROM tasks.record_kinds k),
		'relations', jsonb_build_object(
			'defined', (SELECT coalesce(jsonb_agg(jsonb_build_object(
										'id', d.id, 'slug', d.slug, 'kind', d.kind, 'cardinality', d.cardinality,
										'label', d.label, 'description', d.description) ORDER BY d.slug COLLATE "C"), '[]'::jsonb)
						  FROM tasks.relation_definitions d, ws
						 WHERE d.workspace_id = ws.id AND d.object_type = 'task'),
			'in_use', (SELECT coalesce(jsonb_agg(jsonb_build_object('relation', u.relation, 'kind', u.kind)
											   ORDER BY u.relation COLLATE "C", u.kind COLLATE "C"), '[]'::jsonb)
						 FROM (SELECT DISTINCT l.relation, l.kind FROM tasks.task_links l, ws
								WHERE l.workspace_id = ws.id) u)),
		'limits', '{"task_create_many_max_tasks": 1000, "claim_lease_default_seconds": 900, "claim_lease_max_seconds": 86400}'::jsonb);
END;
COMMENT ON FUNCTION tasks.task_definitions() IS
	'What a task of the current workspace is made of: the payload fields with types, limits and enums, read-only fields, the workspace''s statuses, record kinds (with their <kind>_id / <kind>_name keys), relations defined (tasks.relation_definitions) and in use on links, and the limits of the bulk and claim calls.';

CREATE FUNCTION tasks_v1.task_definitions() RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT tasks.task_definitions();
END;
COMMENT ON FUNCTION tasks_v1.task_definitions() IS
	'GET /rpc/task_definitions: the fields, enums, statuses, record kinds and relations of the caller''s workspace.';
