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

-- ===========================================================================
-- Fuzzy name resolution through a per-workspace vocabulary (ddl/10_names.sql),
-- so a lookup no longer scans the trigrams of every name in the workspace.
-- ===========================================================================
-- ---------------------------------------------------------------------------
-- Fuzzy candidates that do not grow with the workspace.
--
-- A trigram scan over every record name decodes posting lists shared by a
-- large part of a big workspace.  Instead the resolver matches the query's
-- words against the workspace's vocabulary of distinct name words (a few
-- thousand for a million contacts) and then reads a bounded number of live
-- records per matched word from a b-tree.  Both tables are derived from
-- tasks.records by the triggers below and are rebuilt by them when a dump is
-- restored, so their rows are not dumped (see tasks.name_index_rebuild()).
-- ---------------------------------------------------------------------------

-- Distinct words of record names per workspace and kind.  Insert-only: a word
-- whose last record went away stays and is harmless (it only leads to no
-- postings).
--
-- Unlike every other key, the primary key does not start with workspace_id,
-- on purpose: pg_trgm's functions claim a cost of 1, so a b-tree usable for
-- (workspace_id, kind) lets the planner prefer filtering every word of a
-- large workspace with % (measured: 44k words, 150 ms) to the trigram
-- index.  The trigram GIN leaves kind to the heap recheck: a GIN key on it
-- would intersect every scan with the posting tree of all words of that
-- kind in every workspace (measured: 3x the index pages).  The GIN also
-- serves the workspace foreign key's cascade.
CREATE TABLE tasks.name_words (
	workspace_id uuid NOT NULL REFERENCES tasks.workspaces (id) ON DELETE CASCADE,
	kind		text NOT NULL,
	word		text NOT NULL,
	PRIMARY KEY (word, workspace_id, kind)
);
CREATE INDEX name_words_trgm_idx ON tasks.name_words
	USING gin (workspace_id, word gin_trgm_ops);
COMMENT ON TABLE tasks.name_words IS
	'Derived from tasks.records by trigger: the distinct words of record names (name_norm split at spaces) per workspace and kind, for fuzzy name resolution.';

-- One row per word of every live record's name: the records of a word in id
-- (creation) order through the primary key.  A stale row (records deleted
-- with triggers off) is harmless: candidates are re-read from tasks.records
-- and must be live there.
CREATE TABLE tasks.name_postings (
	workspace_id uuid NOT NULL,
	kind		text NOT NULL,
	word		text NOT NULL,
	record_id	uuid NOT NULL,
	PRIMARY KEY (workspace_id, kind, word, record_id)
);
COMMENT ON TABLE tasks.name_postings IS
	'Derived from tasks.records by trigger: (word, record) for every word of every live record name, for fuzzy name resolution.';

-- Statement-level triggers with transition tables: one INSERT per statement,
-- so COPY and bulk INSERT ... SELECT pay per statement, not per row.  Words
-- are inserted in sorted order (fewer lock-order deadlocks between concurrent
-- writers) with ON CONFLICT DO NOTHING: a concurrent writer of the same word
-- waits for the first and then skips it, so no word is ever lost.  The words
-- of a name are name_norm split at its single spaces.  The functions run as
-- the writer of the records (no SECURITY DEFINER): whoever may insert records
-- of a workspace may insert their words, under the same row level security.
CREATE FUNCTION tasks._name_index_add() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	INSERT INTO tasks.name_words (workspace_id, kind, word)
	SELECT DISTINCT n.workspace_id, n.kind, w.word
	  FROM name_new n CROSS JOIN LATERAL pg_catalog.unnest(pg_catalog.string_to_array(n.name_norm, ' ')) AS w(word)
	 WHERE n.deleted_at IS NULL
	 ORDER BY 1, 2, 3
	ON CONFLICT DO NOTHING;
	INSERT INTO tasks.name_postings (workspace_id, kind, word, record_id)
	SELECT DISTINCT n.workspace_id, n.kind, w.word, n.id
	  FROM name_new n CROSS JOIN LATERAL pg_catalog.unnest(pg_catalog.string_to_array(n.name_norm, ' ')) AS w(word)
	 WHERE n.deleted_at IS NULL
	ON CONFLICT DO NOTHING;
	RETURN NULL;
END
$$;

CREATE FUNCTION tasks._name_index_remove() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	DELETE FROM tasks.name_postings p
	 USING name_old o CROSS JOIN LATERAL pg_catalog.unnest(pg_catalog.string_to_array(o.name_norm, ' ')) AS w(word)
	 WHERE p.workspace_id OPERATOR(pg_catalog.=) o.workspace_id
	   AND p.kind OPERATOR(pg_catalog.=) o.kind
	   AND p.word OPERATOR(pg_catalog.=) w.word
	   AND p.record_id OPERATOR(pg_catalog.=) o.id;
	RETURN NULL;
END
$$;

-- An update moves the postings of the rows whose name, kind or liveness
-- changed (transition tables cannot be limited to columns): the postings
-- the old row had and the new one has not are deleted, the reverse are
-- inserted, so no key is deleted and inserted by the same statement.  Rows
-- updated otherwise (data, external_id) cost a comparison, no index work.
CREATE FUNCTION tasks._name_index_update() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	DELETE FROM tasks.name_postings p
	 USING (SELECT o.workspace_id, o.kind, w.word, o.id
			  FROM name_old o CROSS JOIN LATERAL pg_catalog.unnest(pg_catalog.string_to_array(o.name_norm, ' ')) AS w(word)
			 WHERE o.deleted_at IS NULL
			EXCEPT
			SELECT n.workspace_id, n.kind, w.word, n.id
			  FROM name_new n CROSS JOIN LATERAL pg_catalog.unnest(pg_catalog.string_to_array(n.name_norm, ' ')) AS w(word)
			 WHERE n.deleted_at IS NULL) AS gone (workspace_id, kind, word, id)
	 WHERE p.workspace_id OPERATOR(pg_catalog.=) gone.workspace_id
	   AND p.kind OPERATOR(pg_catalog.=) gone.kind
	   AND p.word OPERATOR(pg_catalog.=) gone.word
	   AND p.record_id OPERATOR(pg_catalog.=) gone.id;
	WITH added AS MATERIALIZED (
		SELECT n.workspace_id, n.kind, w.word, n.id
		  FROM name_new n CROSS JOIN LATERAL pg_catalog.unnest(pg_catalog.string_to_array(n.name_norm, ' ')) AS w(word)
		 WHERE n.deleted_at IS NULL
		EXCEPT
		SELECT o.workspace_id, o.kind, w.word, o.id
		  FROM name_old o CROSS JOIN LATERAL pg_catalog.unnest(pg_catalog.string_to_array(o.name_norm, ' ')) AS w(word)
		 WHERE o.deleted_at IS NULL),
	words AS (
		INSERT INTO tasks.name_words (workspace_id, kind, word)
		SELECT DISTINCT a.workspace_id, a.kind, a.word FROM added a
		 ORDER BY 1, 2, 3
		ON CONFLICT DO NOTHING)
	INSERT INTO tasks.name_postings (workspace_id, kind, word, record_id)
	SELECT a.workspace_id, a.kind, a.word, a.id FROM added a
	ON CONFLICT DO NOTHING;
	RETURN NULL;
END
$$;

CREATE TRIGGER records_name_index_insert AFTER INSERT ON tasks.records
	REFERENCING NEW TABLE AS name_new
	FOR EACH STATEMENT EXECUTE FUNCTION tasks._name_index_add();
CREATE TRIGGER records_name_index_update AFTER UPDATE ON tasks.records
	REFERENCING OLD TABLE AS name_old NEW TABLE AS name_new
	FOR EACH STATEMENT EXECUTE FUNCTION tasks._name_index_update();
CREATE TRIGGER records_name_index_delete AFTER DELETE ON tasks.records
	REFERENCING OLD TABLE AS name_old
	FOR EACH STATEMENT EXECUTE FUNCTION tasks._name_index_remove();

-- Rebuilds both tables from tasks.records, e.g. after loading records with
-- triggers disabled (pg_restore --disable-triggers, session_replication_role
-- = replica).  Returns the number of postings.
CREATE FUNCTION tasks.name_index_rebuild() RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	n bigint;
BEGIN
	LOCK TABLE tasks.records IN SHARE MODE;
	TRUNCATE tasks.name_words, tasks.name_postings;
	INSERT INTO tasks.name_words (workspace_id, kind, word)
	SELECT DISTINCT r.workspace_id, r.kind, w.word
	  FROM tasks.records r CROSS JOIN LATERAL pg_catalog.unnest(pg_catalog.string_to_array(r.name_norm, ' ')) AS w(word)
	 WHERE r.deleted_at IS NULL;
	INSERT INTO tasks.name_postings (workspace_id, kind, word, record_id)
	SELECT DISTINCT r.workspace_id, r.kind, w.word, r.id
	  FROM tasks.records r CROSS JOIN LATERAL pg_catalog.unnest(pg_catalog.string_to_array(r.name_norm, ' ')) AS w(word)
	 WHERE r.deleted_at IS NULL;
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$$;
COMMENT ON FUNCTION tasks.name_index_rebuild() IS
	'Rebuilds tasks.name_words and tasks.name_postings from tasks.records (needed only after loading records with triggers disabled). Returns the number of postings.';
REVOKE EXECUTE ON FUNCTION tasks.name_index_rebuild() FROM PUBLIC;

-- Registered for the dump with a filter that keeps no rows: the rows are
-- derived, and restoring tasks.records rebuilds them through the triggers
-- (dumping them as well would collide with those rows on restore).
SELECT pg_catalog.pg_extension_config_dump('tasks.name_words', 'WHERE false');
SELECT pg_catalog.pg_extension_config_dump('tasks.name_postings', 'WHERE false');

-- As ddl/90_privileges.sql does for every object of the schema.
REVOKE ALL ON TABLE tasks.name_words, tasks.name_postings FROM PUBLIC;
REVOKE ALL ON FUNCTION tasks._name_index_add(), tasks._name_index_remove(), tasks._name_index_update()
	FROM PUBLIC;

-- Row level security on the two new tenant tables, as ddl/60_http.sql does
-- for every tenant table.
ALTER TABLE tasks.name_words ENABLE ROW LEVEL SECURITY;
ALTER TABLE tasks.name_words FORCE ROW LEVEL SECURITY;
CREATE POLICY workspace_isolation ON tasks.name_words
	USING (workspace_id OPERATOR(pg_catalog.=) (SELECT tasks.current_workspace_id()))
	WITH CHECK (workspace_id OPERATOR(pg_catalog.=) (SELECT tasks.current_workspace_id()));
ALTER TABLE tasks.name_postings ENABLE ROW LEVEL SECURITY;
ALTER TABLE tasks.name_postings FORCE ROW LEVEL SECURITY;
CREATE POLICY workspace_isolation ON tasks.name_postings
	USING (workspace_id OPERATOR(pg_catalog.=) (SELECT tasks.current_workspace_id()))
	WITH CHECK (workspace_id OPERATOR(pg_catalog.=) (SELECT tasks.current_workspace_id()));

-- tasks.api_setup grants tasks_api INSERT on the vocabulary (its record writes
-- run the triggers above as tasks_api).  README "Upgrading": run
-- SELECT tasks.api_setup(NULL) after ALTER EXTENSION ... UPDATE.
CREATE OR REPLACE FUNCTION tasks.api_setup(authenticator name DEFAULT 'authenticator') RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	s text;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tasks_anon') THEN
		CREATE ROLE tasks_anon NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tasks_api') THEN
		CREATE ROLE tasks_api NOLOGIN;
	END IF;
	IF authenticator IS NOT NULL THEN
		IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = authenticator) THEN
			EXECUTE format('CREATE ROLE %I LOGIN NOINHERIT', authenticator);
		END IF;
		EXECUTE format('GRANT tasks_anon, tasks_api TO %I', authenticator);
	END IF;

	-- Claims (set by PostgREST or the pre-request) choose the workspace.
	PERFORM tasks.workspace_grant(NULL, 'tasks_api');

	-- Exposed schemas: endpoints only.
	FOR s IN SELECT n.nspname FROM pg_namespace n WHERE n.nspname LIKE 'tasks\_%' ESCAPE '\'
		   AND EXISTS (SELECT 1 FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
					   WHERE d.objid = n.oid AND d.classid = 'pg_namespace'::regclass AND e.extname = 'tasks')
	LOOP
		EXECUTE format('GRANT USAGE ON SCHEMA %I TO tasks_anon, tasks_api', s);
		EXECUTE format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA %I TO tasks_anon, tasks_api', s);
		EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO tasks_api', s);
	END LOOP;
	GRANT USAGE ON SCHEMA tasks TO tasks_anon, tasks_api;
	-- name resolution calls pg_trgm's operators schema-qualified
	EXECUTE format('GRANT USAGE ON SCHEMA %I TO tasks_api',
				   (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
					 WHERE e.extname = 'pg_trgm'));
	GRANT EXECUTE ON FUNCTION tasks.pre_request(), tasks._api_key_claims(text, uuid),
		tasks._error_body(text, integer, text, text, text) TO tasks_anon, tasks_api;

	-- What invoker-rights endpoints run on behalf of the API role.  Schema
	-- tasks is never exposed, so none of this is reachable over HTTP.
	GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA tasks TO tasks_api;
	REVOKE EXECUTE ON FUNCTION tasks.api_setup(name), tasks.workspace_create(jsonb),
		tasks.workspace_grant(uuid, name), tasks.workspace_revoke(uuid, name),
		tasks.api_key_create(jsonb), tasks.api_key_revoke(uuid), tasks.idempotency_purge(interval),
		tasks._jwt_sign(jsonb), tasks.name_index_rebuild()
		FROM tasks_api;
	GRANT SELECT ON tasks.record_kinds TO tasks_api;
	GRANT SELECT ON tasks.workspaces TO tasks_api;
	GRANT SELECT ON tasks.members, tasks.statuses TO tasks_api;
	GRANT SELECT, INSERT ON tasks.records, tasks.notes TO tasks_api;
	-- Written by the records' triggers as the inserting role (10_names.sql).
	GRANT INSERT ON tasks.name_words, tasks.name_postings TO tasks_api;
	GRANT DELETE ON tasks.notes TO tasks_api;
	GRANT SELECT ON tasks.events, tasks.task_history TO tasks_api;
	REVOKE EXECUTE ON FUNCTION tasks.task_purge(interval), tasks.events_purge(interval) FROM tasks_api;
	GRANT SELECT, INSERT, UPDATE, DELETE ON tasks.tasks, tasks.task_assignees, tasks.task_links,
		tasks.task_dependencies TO tasks_api;
	GRANT SELECT, INSERT ON tasks.idempotency_keys TO tasks_api;
	GRANT SELECT, INSERT, UPDATE ON tasks.dependency_locks TO tasks_api;
	FOR s IN SELECT c.oid::regclass::text FROM pg_class c
			  WHERE c.relnamespace = 'tasks'::regnamespace AND c.relkind = 'r'
				AND c.relname = ANY (ARRAY['relation_definitions'])
	LOOP
		EXECUTE format('GRANT SELECT ON %s TO tasks_api', s);
	END LOOP;
	NOTIFY pgrst, 'reload schema';
END
$$;

-- The vocabulary of the records that exist already (the triggers above keep
-- it from here on; CREATE TRIGGER's lock keeps writers out until commit).
SELECT tasks.name_index_rebuild();
