-- tasks extension install script, assembled from ddl/NN_*.sql by the Makefile.
-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION tasks CASCADE" to load this file. \quit

-- ---------------------------------------------------------------------------
-- 00_model: the canonical task model.
--
-- Every primary, unique and foreign key starts with workspace_id, so no key
-- can reach across tenants.  Ids are UUIDv7 generated in C.  Names of objects
-- are schema-qualified; the script never relies on search_path.
-- ---------------------------------------------------------------------------

-- Refuse to install into a schema somebody else planted for us.
DO $guard$
DECLARE
	owner_ok boolean;
BEGIN
	SELECT n.nspowner OPERATOR(pg_catalog.=) e.extowner
	  INTO owner_ok
	  FROM pg_catalog.pg_extension e
	  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace
	 WHERE e.extname OPERATOR(pg_catalog.=) 'tasks';
	IF owner_ok IS NOT TRUE THEN
		RAISE EXCEPTION 'schema "tasks" is owned by another role'
			USING ERRCODE = '42501',
				  HINT = 'Drop or rename the existing schema, then CREATE EXTENSION tasks again.';
	END IF;
END
$guard$;

CREATE FUNCTION tasks.uuid_generate_v7() RETURNS uuid
	AS 'MODULE_PATHNAME', 'tasks_uuid_generate_v7'
	LANGUAGE C VOLATILE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tasks.uuid_generate_v7() IS
	'A time-ordered UUID (version 7): 48-bit Unix milliseconds, then random bits.';

CREATE FUNCTION tasks.version() RETURNS text
	AS 'MODULE_PATHNAME', 'tasks_version'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tasks.version() IS 'Version of the loaded tasks library.';

-- Name normalization, used by generated columns below (see 10_names.sql).
CREATE FUNCTION tasks.name_norm(text) RETURNS text
	AS 'MODULE_PATHNAME', 'tasks_name_norm'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tasks.name_norm(text) IS
	'Name normalized for matching: lower case, accents stripped, Cyrillic and Greek transliterated, punctuation as single spaces.';
CREATE FUNCTION tasks.name_key(text) RETURNS text
	AS 'MODULE_PATHNAME', 'tasks_name_key'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tasks.name_key(text) IS
	'tasks.name_norm() with its words sorted, so "Mueller, Hans" and "Hans Mueller" agree.';
CREATE FUNCTION tasks.name_fold(text) RETURNS text
	AS 'MODULE_PATHNAME', 'tasks_name_fold'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tasks.name_fold(text) IS
	'tasks.name_key() with German transliterations folded (ae, oe, ue to a, o, u), so "Mueller" and "Mueller" agree.';

-- Tenants.
CREATE TABLE tasks.workspaces (
	id			uuid PRIMARY KEY DEFAULT tasks.uuid_generate_v7(),
	name		text NOT NULL CHECK (pg_catalog.char_length(name) BETWEEN 1 AND 500),
	slug		text UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
	settings	jsonb NOT NULL DEFAULT '{}'::jsonb,
	created_at	timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE tasks.workspaces IS 'Tenants. Every other table is keyed by workspace_id.';

-- Which database roles may act in which workspaces (NULL workspace_id: all).
CREATE TABLE tasks.workspace_grants (
	workspace_id uuid REFERENCES tasks.workspaces (id) ON DELETE CASCADE,
	role_name	name NOT NULL,
	granted_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	UNIQUE NULLS NOT DISTINCT (workspace_id, role_name)
);
COMMENT ON TABLE tasks.workspace_grants IS
	'Roles (other than superusers) allowed to act in a workspace; a NULL workspace_id grants every workspace (the API role).';

-- People and AI agents: who creates, owns, is assigned.
CREATE TABLE tasks.members (
	workspace_id uuid NOT NULL REFERENCES tasks.workspaces (id) ON DELETE CASCADE,
	id			uuid NOT NULL DEFAULT tasks.uuid_generate_v7(),
	kind		text NOT NULL DEFAULT 'user' CHECK (kind IN ('user', 'agent')),
	name		text NOT NULL CHECK (pg_catalog.char_length(name) BETWEEN 1 AND 500),
	email		text CHECK (pg_catalog.char_length(email) <= 320),
	scopes		text[] NOT NULL DEFAULT '{}',
	active		boolean NOT NULL DEFAULT true,
	data		jsonb NOT NULL DEFAULT '{}'::jsonb,
	created_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	PRIMARY KEY (workspace_id, id),
	UNIQUE (workspace_id, kind, id)
);
CREATE UNIQUE INDEX members_email_key ON tasks.members (workspace_id, pg_catalog.lower(email)) WHERE email IS NOT NULL;
COMMENT ON TABLE tasks.members IS 'Users (kind user) and AI agents (kind agent) of a workspace.';

-- Kinds of linkable records.  Adding a kind is an INSERT, never a C change.
CREATE TABLE tasks.record_kinds (
	kind		text PRIMARY KEY CHECK (kind ~ '^[a-z][a-z0-9_]{0,62}$'),
	label		text NOT NULL,
	description	text
);
COMMENT ON TABLE tasks.record_kinds IS 'Kinds of records a task can link to; <kind>_id and <kind>_name payload keys follow this table.';
INSERT INTO tasks.record_kinds (kind, label) VALUES
	('contact', 'Contact'), ('company', 'Company'), ('deal', 'Deal'), ('event', 'Event'),
	('customer', 'Customer'), ('account', 'Account'), ('opportunity', 'Opportunity'),
	('patient', 'Patient'), ('call', 'Call'), ('fax', 'Fax'), ('session', 'Session'),
	('assistant', 'Assistant'), ('project', 'Project'), ('sprint', 'Sprint'),
	('release', 'Release'), ('thread', 'Thread');

-- Whether the install seeds a kind (the rows above; the pg_extension_config_dump
-- filter at the end of this file names the same kinds).
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

-- Linkable records of every kind, one generic table.
CREATE TABLE tasks.records (
	workspace_id uuid NOT NULL REFERENCES tasks.workspaces (id) ON DELETE CASCADE,
	id			uuid NOT NULL DEFAULT tasks.uuid_generate_v7(),
	kind		text NOT NULL REFERENCES tasks.record_kinds (kind),
	name		text NOT NULL CHECK (pg_catalog.char_length(name) BETWEEN 1 AND 500),
	name_norm	text GENERATED ALWAYS AS (tasks.name_norm(name)) STORED,
	name_key	text GENERATED ALWAYS AS (tasks.name_key(name)) STORED,
	name_fold	text GENERATED ALWAYS AS (tasks.name_fold(name)) STORED,
	external_id	text CHECK (pg_catalog.char_length(external_id) <= 255),
	data		jsonb NOT NULL DEFAULT '{}'::jsonb,
	created_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	deleted_at	timestamptz,
	PRIMARY KEY (workspace_id, id),
	UNIQUE (workspace_id, kind, id)
);
CREATE INDEX records_name_key_idx ON tasks.records (workspace_id, kind, name_key) WHERE deleted_at IS NULL;
CREATE INDEX records_name_fold_idx ON tasks.records (workspace_id, kind, name_fold) WHERE deleted_at IS NULL;
-- Trigram candidates scoped to workspace and kind inside one GIN (btree_gin).
CREATE INDEX records_name_trgm_idx ON tasks.records
	USING gin (workspace_id, kind, name_norm gin_trgm_ops) WHERE deleted_at IS NULL;
COMMENT ON TABLE tasks.records IS 'Linkable records (contacts, companies, patients, projects, ...) with a display name.';

-- Configurable statuses, exactly one initial per workspace.
CREATE TABLE tasks.statuses (
	workspace_id uuid NOT NULL REFERENCES tasks.workspaces (id) ON DELETE CASCADE,
	id			uuid NOT NULL DEFAULT tasks.uuid_generate_v7(),
	name		text NOT NULL CHECK (pg_catalog.char_length(name) BETWEEN 1 AND 100),
	color		text NOT NULL DEFAULT '#9ca3af' CHECK (color ~ '^#[0-9a-fA-F]{6}$'),
	position	integer NOT NULL,
	category	text NOT NULL CHECK (category IN ('backlog', 'todo', 'in_progress', 'blocked', 'done', 'cancelled')),
	is_initial	boolean NOT NULL DEFAULT false,
	PRIMARY KEY (workspace_id, id)
);
CREATE UNIQUE INDEX statuses_name_key ON tasks.statuses (workspace_id, pg_catalog.lower(name));
CREATE UNIQUE INDEX statuses_one_initial ON tasks.statuses (workspace_id) WHERE is_initial;
COMMENT ON TABLE tasks.statuses IS 'A workspace''s task statuses: name, color, order and category; one is the initial status.';

CREATE TABLE tasks.tasks (
	workspace_id uuid NOT NULL REFERENCES tasks.workspaces (id) ON DELETE CASCADE,
	id			uuid NOT NULL,
	title		text NOT NULL,
	description	text,
	status_id	uuid NOT NULL,
	priority	text CHECK (priority IN ('low', 'medium', 'high', 'urgent')),
	type		text,
	tags		text[] NOT NULL DEFAULT '{}',
	due_date	date,						-- all-day: a calendar date, never an instant
	due_at		timestamptz,				-- a precise instant
	due_timezone text,					-- IANA zone the due date/time was given in
	deadline	timestamptz,
	scheduled_start timestamptz,
	scheduled_end timestamptz,
	completed_at timestamptz,
	sort_order	double precision,
	metadata	jsonb NOT NULL DEFAULT '{}'::jsonb,
	external_id	text,
	created_by	uuid,
	created_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	updated_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	version		integer NOT NULL DEFAULT 1,
	deleted_at	timestamptz,
	deleted_by	uuid,
	PRIMARY KEY (workspace_id, id),
	FOREIGN KEY (workspace_id, status_id) REFERENCES tasks.statuses (workspace_id, id),
	FOREIGN KEY (workspace_id, created_by) REFERENCES tasks.members (workspace_id, id) ON DELETE SET NULL (created_by),
	CONSTRAINT tasks_one_due CHECK (due_date IS NULL OR due_at IS NULL),
	CONSTRAINT tasks_schedule_order CHECK (scheduled_start IS NULL OR scheduled_end IS NULL OR scheduled_start <= scheduled_end)
);
CREATE UNIQUE INDEX tasks_external_id_key ON tasks.tasks (workspace_id, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX tasks_status_idx ON tasks.tasks (workspace_id, status_id, id) WHERE deleted_at IS NULL;
COMMENT ON TABLE tasks.tasks IS 'The canonical task. Exactly one of due_date (all-day) or due_at (instant) may be set.';

CREATE TABLE tasks.task_assignees (
	workspace_id uuid NOT NULL,
	task_id		uuid NOT NULL,
	member_id	uuid NOT NULL,
	position	smallint NOT NULL DEFAULT 0,	-- order the assignees were given in
	assigned_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	PRIMARY KEY (workspace_id, task_id, member_id),
	FOREIGN KEY (workspace_id, task_id) REFERENCES tasks.tasks (workspace_id, id) ON DELETE CASCADE,
	FOREIGN KEY (workspace_id, member_id) REFERENCES tasks.members (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX task_assignees_member_idx ON tasks.task_assignees (workspace_id, member_id, task_id);
COMMENT ON TABLE tasks.task_assignees IS 'Many assignees per task: users or agents of the same workspace.';

CREATE TABLE tasks.task_links (
	workspace_id uuid NOT NULL,
	task_id		uuid NOT NULL,
	relation	text NOT NULL CHECK (relation ~ '^[a-z][a-z0-9_]{0,62}$'),
	kind		text NOT NULL,
	record_id	uuid NOT NULL,
	PRIMARY KEY (workspace_id, task_id, relation, record_id),
	FOREIGN KEY (workspace_id, task_id) REFERENCES tasks.tasks (workspace_id, id) ON DELETE CASCADE,
	FOREIGN KEY (workspace_id, kind, record_id) REFERENCES tasks.records (workspace_id, kind, id) ON DELETE CASCADE
);
CREATE INDEX task_links_record_idx ON tasks.task_links (workspace_id, record_id, task_id);
COMMENT ON TABLE tasks.task_links IS 'Typed links from a task to records; relation names the role (default: the kind).';

CREATE TABLE tasks.task_dependencies (
	workspace_id uuid NOT NULL,
	task_id		uuid NOT NULL,
	depends_on_id uuid NOT NULL,
	PRIMARY KEY (workspace_id, task_id, depends_on_id),
	FOREIGN KEY (workspace_id, task_id) REFERENCES tasks.tasks (workspace_id, id) ON DELETE CASCADE,
	FOREIGN KEY (workspace_id, depends_on_id) REFERENCES tasks.tasks (workspace_id, id) ON DELETE CASCADE,
	CHECK (task_id <> depends_on_id)
);
CREATE INDEX task_dependencies_reverse_idx ON tasks.task_dependencies (workspace_id, depends_on_id, task_id);
COMMENT ON TABLE tasks.task_dependencies IS 'task_id cannot be done before depends_on_id; cycles are refused on write.';

CREATE TABLE tasks.notes (
	workspace_id uuid NOT NULL,
	id			uuid NOT NULL DEFAULT tasks.uuid_generate_v7(),
	task_id		uuid,
	record_id	uuid,
	kind		text NOT NULL DEFAULT 'note' CHECK (kind IN ('note', 'interactive')),
	body		text NOT NULL CHECK (pg_catalog.char_length(body) BETWEEN 1 AND 100000),
	created_by	uuid,
	created_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	PRIMARY KEY (workspace_id, id),
	FOREIGN KEY (workspace_id, task_id) REFERENCES tasks.tasks (workspace_id, id) ON DELETE CASCADE,
	FOREIGN KEY (workspace_id, record_id) REFERENCES tasks.records (workspace_id, id) ON DELETE CASCADE,
	FOREIGN KEY (workspace_id, created_by) REFERENCES tasks.members (workspace_id, id) ON DELETE SET NULL (created_by),
	CHECK (task_id IS NOT NULL OR record_id IS NOT NULL)
);
CREATE INDEX notes_task_idx ON tasks.notes (workspace_id, task_id) WHERE task_id IS NOT NULL;
CREATE INDEX notes_record_idx ON tasks.notes (workspace_id, record_id) WHERE record_id IS NOT NULL;
COMMENT ON TABLE tasks.notes IS 'Notes on a task, or interactive notes on a record created alongside a task.';

-- User data survives pg_dump.
SELECT pg_catalog.pg_extension_config_dump('tasks.workspaces', '');
SELECT pg_catalog.pg_extension_config_dump('tasks.workspace_grants', '');
SELECT pg_catalog.pg_extension_config_dump('tasks.members', '');
SELECT pg_catalog.pg_extension_config_dump('tasks.record_kinds', $$WHERE kind NOT IN ('contact', 'company', 'deal', 'event', 'customer', 'account', 'opportunity', 'patient', 'call', 'fax', 'session', 'assistant', 'project', 'sprint', 'release', 'thread')$$);
SELECT pg_catalog.pg_extension_config_dump('tasks.record_kind_edits', '');
SELECT pg_catalog.pg_extension_config_dump('tasks.records', '');
SELECT pg_catalog.pg_extension_config_dump('tasks.statuses', '');
SELECT pg_catalog.pg_extension_config_dump('tasks.tasks', '');
SELECT pg_catalog.pg_extension_config_dump('tasks.task_assignees', '');
SELECT pg_catalog.pg_extension_config_dump('tasks.task_links', '');
SELECT pg_catalog.pg_extension_config_dump('tasks.task_dependencies', '');
SELECT pg_catalog.pg_extension_config_dump('tasks.notes', '');

REVOKE ALL ON ALL TABLES IN SCHEMA tasks FROM PUBLIC;
