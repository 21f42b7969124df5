-- tasks 1.0 -> 1.1 (ALTER EXTENSION tasks UPDATE).  Hand-written: what the
-- install script of 1.1 (ddl/*.sql) has that 1.0 (upgrade/tasks--1.0.sql) did
-- not.  t/006_upgrade.pl checks that an upgraded database equals a fresh
-- install, object by object; scripts/upgrade-check.sh runs that comparison.
-- Like ddl/, schema-qualified throughout, never relying on search_path.
\echo Use "ALTER EXTENSION tasks UPDATE TO '1.1'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Edits to the seeded record kinds survive pg_dump (ddl/00_model.sql).
-- ---------------------------------------------------------------------------
-- Whether the install seeds a kind (the rows ddl/00_model.sql inserts; its
-- pg_extension_config_dump filter names the same kinds).
CREATE FUNCTION tasks._record_kind_seeded(kind text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT kind = ANY (ARRAY['contact', 'company', 'deal', 'event', 'customer', 'account', 'opportunity',
							 'patient', 'call', 'fax', 'session', 'assistant', 'project', 'sprint',
							 'release', 'thread']);
END;
COMMENT ON FUNCTION tasks._record_kind_seeded(text) IS 'Internal: whether CREATE EXTENSION seeds this record kind.';

-- What the user changed in the seeded kinds.  pg_dump leaves the seeded rows
-- of tasks.record_kinds out (CREATE EXTENSION recreates them on restore, and a
-- dumped copy would collide with them), so a changed label or description, or
-- a deleted seeded kind, is also written here by a trigger; pg_dump copies
-- this table whole, and restoring a row applies it to tasks.record_kinds.
CREATE TABLE tasks.record_kind_edits (
	kind		text PRIMARY KEY CHECK (tasks._record_kind_seeded(kind)),
	label		text,
	description	text,
	deleted		boolean NOT NULL DEFAULT false,
	CHECK (deleted OR label IS NOT NULL)
);
COMMENT ON TABLE tasks.record_kind_edits IS
	'Changes to the record kinds the extension seeds (label, description, deleted), kept so that pg_dump carries them; written by a trigger on tasks.record_kinds, applied to it again on restore.';

-- Keeps tasks.record_kind_edits in step with the seeded rows of tasks.record_kinds.
CREATE FUNCTION tasks._record_kinds_keep_edits() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	-- a seeded kind deleted, or renamed (the new name is a kind of its own)
	IF TG_OP <> 'INSERT' AND tasks._record_kind_seeded(OLD.kind)
	   AND (TG_OP = 'DELETE' OR NEW.kind IS DISTINCT FROM OLD.kind) THEN
		INSERT INTO tasks.record_kind_edits AS e (kind, label, description, deleted)
		VALUES (OLD.kind, NULL, NULL, true)
		ON CONFLICT (kind) DO UPDATE SET label = NULL, description = NULL, deleted = true
		WHERE NOT e.deleted;
	END IF;
	IF TG_OP <> 'DELETE' AND tasks._record_kind_seeded(NEW.kind) THEN
		INSERT INTO tasks.record_kind_edits AS e (kind, label, description, deleted)
		VALUES (NEW.kind, NEW.label, NEW.description, false)
		ON CONFLICT (kind) DO UPDATE SET label = excluded.label, description = excluded.description, deleted = false
		WHERE (e.label, e.description, e.deleted) IS DISTINCT FROM (excluded.label, excluded.description, false);
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION tasks._record_kinds_keep_edits() IS
	'Internal trigger: records a change to a seeded record kind in tasks.record_kind_edits.';
CREATE TRIGGER record_kinds_keep_edits AFTER INSERT OR UPDATE OR DELETE ON tasks.record_kinds
	FOR EACH ROW EXECUTE FUNCTION tasks._record_kinds_keep_edits();

-- Applies a kept change to tasks.record_kinds (on restore; a no-op when the
-- row already matches, which ends the round trip with the trigger above).
CREATE FUNCTION tasks._record_kind_edits_apply() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NEW.deleted THEN
		DELETE FROM tasks.record_kinds k WHERE k.kind = NEW.kind;
	ELSE
		INSERT INTO tasks.record_kinds AS k (kind, label, description)
		VALUES (NEW.kind, NEW.label, NEW.description)
		ON CONFLICT (kind) DO UPDATE SET label = excluded.label, description = excluded.description
		WHERE (k.label, k.description) IS DISTINCT FROM (excluded.label, excluded.description);
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION tasks._record_kind_edits_apply() IS
	'Internal trigger: applies a row of tasks.record_kind_edits (restored by pg_restore) to tasks.record_kinds.';
CREATE TRIGGER record_kind_edits_apply AFTER INSERT OR UPDATE ON tasks.record_kind_edits
	FOR EACH ROW EXECUTE FUNCTION tasks._record_kind_edits_apply();

SELECT pg_catalog.pg_extension_config_dump('tasks.record_kind_edits', '');
REVOKE ALL ON TABLE tasks.record_kind_edits FROM PUBLIC;
REVOKE ALL ON FUNCTION tasks._record_kind_seeded(text), tasks._record_kinds_keep_edits(),
	tasks._record_kind_edits_apply() FROM PUBLIC;

-- Edits made under 1.0 (which pg_dump would have lost): every seeded kind
-- whose label or description differs from what 1.0 seeded, or that is gone.
-- (The apply trigger fires on these rows and finds tasks.record_kinds
-- already matching them.)
INSERT INTO tasks.record_kind_edits (kind, label, description, deleted)
SELECT s.kind, k.label, k.description, k.kind IS NULL
  FROM (VALUES ('contact', 'Contact'), ('company', 'Company'), ('deal', 'Deal'), ('event', 'Event'),
			   ('customer', 'Customer'), ('account', 'Account'), ('opportunity', 'Opportunity'),
			   ('patient', 'Patient'), ('call', 'Call'), ('fax', 'Fax'), ('session', 'Session'),
			   ('assistant', 'Assistant'), ('project', 'Project'), ('sprint', 'Sprint'),
			   ('release', 'Release'), ('thread', 'Thread')) AS s (kind, label)
  LEFT JOIN tasks.record_kinds k ON k.kind OPERATOR(pg_catalog.=) s.kind
 WHERE k.kind IS NULL OR k.label OPERATOR(pg_catalog.<>) s.label OR k.description IS NOT NULL;

-- ---------------------------------------------------------------------------
-- Vendor responses read by kept plans in C (ddl/50-54): no SQL-language
-- function parsed and planned on every call.  Same signatures, so CREATE OR
-- REPLACE keeps owners, comments and privileges.
-- ---------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION tasks._leadlex_response(workspace_id uuid, id uuid) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_leadlex_response'
	LANGUAGE C STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp;

CREATE OR REPLACE FUNCTION tasks._lightfield_response(workspace_id uuid, id uuid) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_lightfield_response'
	LANGUAGE C STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp;

CREATE OR REPLACE FUNCTION tasks._vambe_response(workspace_id uuid, id uuid) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_vambe_response'
	LANGUAGE C STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp;

CREATE OR REPLACE FUNCTION tasks._care_response(workspace_id uuid, id uuid) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_care_response'
	LANGUAGE C STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp;

CREATE OR REPLACE FUNCTION tasks._acp_response(workspace_id uuid, id uuid) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_acp_response'
	LANGUAGE C STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp;

CREATE OR REPLACE FUNCTION tasks._lightfield_definitions(workspace_id uuid) RETURNS jsonb
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

-- ---------------------------------------------------------------------------
-- tasks._task_json_batch (ddl/71_list.sql): built in C by the one builder
-- that also writes create responses and list pages (src/task_json.c), from
-- five statements over the ids given, each through primary keys: the cost of
-- a page or a read-back no longer grows with the workspace, and no jsonb is
-- built twice.
-- ---------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION tasks._task_json_batch(ws uuid, task_ids uuid[]) RETURNS TABLE (ord bigint, id uuid, task jsonb)
	AS 'MODULE_PATHNAME', 'tasks_task_json_batch'
	LANGUAGE C STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp;
