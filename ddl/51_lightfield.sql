-- ---------------------------------------------------------------------------
-- 51_lightfield: the Lightfield CRM contract (POST /v1/tasks and
-- GET /v1/tasks/definitions).
--
-- Lightfield tasks carry four system fields ($title, $status, $description,
-- $dueAt) and relationships ($assignedTo, $account, $opportunity, $createdBy,
-- the read-only $note, and custom relationships a workspace defines in
-- tasks.relation_definitions under a bare slug).
-- ---------------------------------------------------------------------------
CREATE SCHEMA tasks_lightfield;
COMMENT ON SCHEMA tasks_lightfield IS 'Lightfield-compatible endpoints (PostgREST profile tasks_lightfield).';

-- Custom relationships of an object type, per workspace.  A task link stored
-- under relation = slug is the relationship's value.
CREATE TABLE tasks.relation_definitions (
	workspace_id uuid NOT NULL REFERENCES tasks.workspaces (id) ON DELETE CASCADE,
	object_type	text NOT NULL DEFAULT 'task' CHECK (object_type = 'task'),
	slug		text NOT NULL CHECK (slug ~ '^[a-z][a-z0-9_]{0,62}$'),
	id			uuid NOT NULL DEFAULT tasks.uuid_generate_v7(),
	kind		text NOT NULL REFERENCES tasks.record_kinds (kind),
	cardinality	text NOT NULL DEFAULT 'has_many' CHECK (cardinality IN ('has_one', 'has_many')),
	label		text NOT NULL CHECK (pg_catalog.char_length(label) BETWEEN 1 AND 255),
	description	text CHECK (pg_catalog.char_length(description) <= 1000),
	created_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	PRIMARY KEY (workspace_id, object_type, slug),
	UNIQUE (workspace_id, id),
	-- the system relationships $account and $opportunity are stored under these
	CONSTRAINT relation_definitions_reserved CHECK (slug NOT IN ('account', 'opportunity'))
);
COMMENT ON TABLE tasks.relation_definitions IS
	'Custom relationships a workspace defines on an object type (tasks): a bare slug, the record kind it points to and its cardinality. Lightfield accepts and returns them under the slug.';
SELECT pg_catalog.pg_extension_config_dump('tasks.relation_definitions', '');
-- A role sees and writes only the definitions of the current call's workspace.
ALTER TABLE tasks.relation_definitions ENABLE ROW LEVEL SECURITY;
ALTER TABLE tasks.relation_definitions FORCE ROW LEVEL SECURITY;
CREATE POLICY workspace_isolation ON tasks.relation_definitions
	USING (workspace_id OPERATOR(pg_catalog.=) (SELECT tasks.current_workspace_id()))
	WITH CHECK (workspace_id OPERATOR(pg_catalog.=) (SELECT tasks.current_workspace_id()));

CREATE FUNCTION tasks.relation_definition_create(payload jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	ws uuid := tasks.current_workspace_id();
	problems jsonb;
	d tasks.relation_definitions;
BEGIN
	PERFORM tasks._check_object('relation definition', payload);
	problems := tasks._check_keys(payload, ARRAY['id', 'object_type', 'slug', 'kind', 'cardinality', 'label', 'description'])
		|| tasks._check_text(payload, 'object_type', false, 63)
		|| tasks._check_text(payload, 'slug', true, 63)
		|| tasks._check_text(payload, 'kind', true, 63)
		|| tasks._check_text(payload, 'cardinality', false, 20)
		|| tasks._check_text(payload, 'label', false, 255)
		|| tasks._check_text(payload, 'description', false, 1000)
		|| tasks._check_uuid(payload, 'id');
	IF jsonb_typeof(payload -> 'object_type') = 'string' AND payload ->> 'object_type' <> 'task' THEN
		problems := problems || tasks._problem('/object_type', 'invalid_value', 'only "task" relationships can be defined');
	END IF;
	IF jsonb_typeof(payload -> 'slug') = 'string' AND (payload ->> 'slug') !~ '^[a-z][a-z0-9_]{0,62}$' THEN
		problems := problems || tasks._problem('/slug', 'invalid_value',
			'must start with a lower-case letter, then lower-case letters, digits or underscores');
	ELSIF payload ->> 'slug' IN ('account', 'opportunity') THEN
		problems := problems || tasks._problem('/slug', 'reserved',
			format('is the system relationship $%s of tasks', payload ->> 'slug'));
	ELSIF jsonb_typeof(payload -> 'slug') = 'string' AND EXISTS (
		SELECT 1 FROM tasks.relation_definitions x
		 WHERE x.workspace_id = ws AND x.object_type = 'task' AND x.slug = payload ->> 'slug') THEN
		problems := problems || tasks._problem('/slug', 'duplicate', 'the workspace already defines this relationship');
	END IF;
	IF jsonb_typeof(payload -> 'kind') = 'string'
	   AND NOT EXISTS (SELECT 1 FROM tasks.record_kinds k WHERE k.kind = payload ->> 'kind') THEN
		problems := problems || tasks._problem('/kind', 'unknown_kind', 'is not a record kind of this service (see tasks.record_kinds)');
	END IF;
	IF jsonb_typeof(payload -> 'cardinality') = 'string'
	   AND NOT lower(payload ->> 'cardinality') = ANY (ARRAY['has_one', 'has_many']) THEN
		problems := problems || tasks._problem('/cardinality', 'invalid_value', 'must be one of: has_one, has_many');
	END IF;
	PERFORM tasks._raise_problems('relation definition', problems);

	INSERT INTO tasks.relation_definitions (workspace_id, object_type, slug, id, kind, cardinality, label, description)
	VALUES (ws, 'task', payload ->> 'slug', coalesce((payload ->> 'id')::uuid, tasks.uuid_generate_v7()),
			payload ->> 'kind', coalesce(lower(payload ->> 'cardinality'), 'has_many'),
			coalesce(payload ->> 'label', initcap(replace(payload ->> 'slug', '_', ' '))),
			payload ->> 'description')
	RETURNING * INTO d;
	RETURN jsonb_build_object('id', d.id, 'workspace_id', d.workspace_id, 'object_type', d.object_type,
							  'slug', d.slug, 'kind', d.kind, 'cardinality', d.cardinality,
							  'label', d.label, 'description', d.description);
END
$$;
COMMENT ON FUNCTION tasks.relation_definition_create(jsonb) IS
	'Defines a custom task relationship in the current workspace: {"slug", "kind", "cardinality"? (has_one | has_many, default has_many), "label"? (default from the slug), "description"?, "object_type"? ("task"), "id"?}. Errors: 22023 with the problem list.';

-- A Lightfield status for a status category: TODO, IN_PROGRESS, COMPLETE, CANCELLED.
CREATE FUNCTION tasks._lightfield_status(category text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT CASE category WHEN 'done' THEN 'COMPLETE'
						 WHEN 'cancelled' THEN 'CANCELLED'
						 WHEN 'in_progress' THEN 'IN_PROGRESS'
						 WHEN 'blocked' THEN 'IN_PROGRESS'
						 ELSE 'TODO' END;
END;
COMMENT ON FUNCTION tasks._lightfield_status(text) IS
	'Status category to Lightfield $status: backlog and todo are TODO, in_progress and blocked IN_PROGRESS, done COMPLETE, cancelled CANCELLED.';

-- One relationship of a Lightfield record.
CREATE FUNCTION tasks._lightfield_relationship(cardinality text, object_type text, ids jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT jsonb_build_object('cardinality', cardinality, 'objectType', object_type, 'values', ids);
END;

-- Built by one kept query in src/dialect_lightfield.c (shared with task_create), so
-- no SQL-language function is parsed and planned again on every call.
CREATE FUNCTION tasks._lightfield_response(workspace_id uuid, id uuid) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_lightfield_response'
	LANGUAGE C STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks._lightfield_response(uuid, uuid) IS
	'The Lightfield record of one task: {id, createdAt, updatedAt, httpLink, externalId, fields, relationships}.';

-- PL/pgSQL rather than BEGIN ATOMIC: the query is planned once per backend,
-- not deserialised and planned again on every GET /v1/tasks/definitions.
CREATE FUNCTION tasks._lightfield_definitions(workspace_id uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN jsonb_build_object(
		'objectType', 'task',
		'fieldDefinitions', '{
			"$title": {"slug": "title", "label": "Title", "description": "Title of the task.",
					   "valueType": "TEXT", "system": true, "typeConfiguration": {}},
			"$status": {"slug": "status", "label": "Status",
						"description": "Task status. One of: TODO, IN_PROGRESS, COMPLETE, CANCELLED.",
						"valueType": "SINGLE_SELECT", "system": true,
						"typeConfiguration": {"options": [
							{"id": "TODO", "label": "To do", "description": null},
							{"id": "IN_PROGRESS", "label": "In progress", "description": null},
							{"id": "COMPLETE", "label": "Complete", "description": null},
							{"id": "CANCELLED", "label": "Cancelled", "description": null}]}},
			"$description": {"slug": "description", "label": "Description",
							 "description": "Description of the task in markdown format.",
							 "valueType": "MARKDOWN", "system": true, "typeConfiguration": {}},
			"$dueAt": {"slug": "dueAt", "label": "Due at",
					   "description": "Due date as an ISO 8601 datetime string.",
					   "valueType": "DATETIME", "system": true, "typeConfiguration": {}}}'::jsonb,
		'relationshipDefinitions', '{
			"$assignedTo": {"slug": "assignedTo", "label": "Assigned to",
							"description": "ID of the member this task is assigned to.",
							"cardinality": "HAS_ONE", "objectType": "member", "system": true},
			"$account": {"slug": "account", "label": "Account",
						 "description": "ID of the account this task belongs to.",
						 "cardinality": "HAS_ONE", "objectType": "account", "system": true},
			"$opportunity": {"slug": "opportunity", "label": "Opportunity",
							 "description": "ID of the opportunity this task is associated with.",
							 "cardinality": "HAS_ONE", "objectType": "opportunity", "system": true},
			"$createdBy": {"slug": "createdBy", "label": "Created by",
						   "description": "ID of the member who created this task. Defaults to the authenticated user.",
						   "cardinality": "HAS_ONE", "objectType": "member", "system": true},
			"$note": {"slug": "note", "label": "Notes",
					  "description": "Notes on this task. Read-only: manage notes via their own relationships.",
					  "cardinality": "HAS_MANY", "objectType": "note", "system": true, "readOnly": true}}'::jsonb
			|| coalesce((SELECT jsonb_object_agg(d.slug, jsonb_build_object(
								'id', d.id, 'slug', d.slug, 'label', d.label, 'description', d.description,
								'cardinality', upper(d.cardinality), 'objectType', d.kind, 'system', false))
						   FROM tasks.relation_definitions d
						  WHERE d.workspace_id = _lightfield_definitions.workspace_id AND d.object_type = 'task'),
						'{}'::jsonb));
END
$$;
COMMENT ON FUNCTION tasks._lightfield_definitions(uuid) IS
	'The Lightfield TaskDefinitionsResponse of a workspace: the four system fields, the system relationships and the workspace''s custom relationships.';

CREATE FUNCTION tasks_lightfield.task_create(jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_lightfield_task_create'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks_lightfield.task_create(jsonb) IS
	'Lightfield POST /v1/tasks: {"fields": {"$title", "$status", "$description"?, "$dueAt"?}, "relationships": {"$assignedTo", "$account"?, "$opportunity"?, "$createdBy"?, <custom slug>?}}, needs the tasks:create scope. Returns the task record (HTTP 200); errors raise SQLSTATE PT400 / PT403 / PT422 with the Lightfield body {"error": {"type", "message", "code"?, "param"?}} in DETAIL, one error per call.';

CREATE FUNCTION tasks_lightfield.task_definitions() RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_lightfield_task_definitions'
	LANGUAGE C STABLE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks_lightfield.task_definitions() IS
	'Lightfield GET /v1/tasks/definitions: {"objectType": "task", "fieldDefinitions", "relationshipDefinitions"} including the workspace''s custom relationships; needs the tasks:read scope (else PT403).';
