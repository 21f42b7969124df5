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
SELECT pg_catalog.pg_extension_config_dump('tasks.records', '');
SELECT pg_catalog.pg_extension_config_dump('tasks.statuses', '');
SELECT pg_catalog.pg_extension_config_dump('tasks.tasks', '');
SELECT pg_catalog.pg_extension_config_dump('tasks.task_assignees', '');
SELECT pg_catalog.pg_extension_config_dump('tasks.task_links', '');
SELECT pg_catalog.pg_extension_config_dump('tasks.task_dependencies', '');
SELECT pg_catalog.pg_extension_config_dump('tasks.notes', '');

REVOKE ALL ON ALL TABLES IN SCHEMA tasks FROM PUBLIC;
-- ---------------------------------------------------------------------------
-- 10_names: resolving record names (tasks.name_norm/name_key/name_fold are
-- declared in 00_model.sql because the generated columns need them).
-- ---------------------------------------------------------------------------

CREATE FUNCTION tasks.resolve(kind text, name text) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_resolve'
	LANGUAGE C STABLE STRICT PARALLEL RESTRICTED
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks.resolve(text, text) IS
	'Previews how a record name resolves in the current workspace: {"status": resolved|ambiguous|not_found|invalid, "query", "normalized", "method": exact|folded|fuzzy, "id", "name", "score", "candidates": [{"id", "name", "score"}]}. Unknown kinds raise 22023.';

-- ---------------------------------------------------------------------------
-- 20_time: strict ISO 8601 dates and date-times, IANA time zones.
--
-- Previews of the rules the native create path applies to due dates and
-- instants (src/timeparse.c).  Zone look-ups depend on the installed tzdata,
-- so nothing that reads a zone is IMMUTABLE.
-- ---------------------------------------------------------------------------

CREATE FUNCTION tasks.timezone_canonical(name text) RETURNS text
	AS 'MODULE_PATHNAME', 'tasks_timezone_canonical'
	LANGUAGE C STABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks.timezone_canonical(text) IS
	'Canonical spelling of an IANA time zone name (case-insensitive: "america/santiago" gives "America/Santiago"), or NULL when it is not an IANA zone file (POSIX TZ strings, offsets, abbreviations and paths are refused).';

-- Not STRICT: a NULL zone means "no zone", which matters for local times.
CREATE FUNCTION tasks.parse_instant(value text, zone text DEFAULT NULL) RETURNS timestamptz
	AS 'MODULE_PATHNAME', 'tasks_parse_instant'
	LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks.parse_instant(text, text) IS
	'Strict ISO 8601 date-time YYYY-MM-DDTHH:MM[:SS[.fraction]] with Z or a +HH:MM offset, or a local time read in the IANA zone (DST gap: error; DST overlap: the earlier instant). Fractions beyond microseconds are truncated. NULL value gives NULL. Errors: 22007 format, 22008 range, 22023 zone or DST gap.';

CREATE FUNCTION tasks.parse_date(value text) RETURNS date
	AS 'MODULE_PATHNAME', 'tasks_parse_date'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks.parse_date(text) IS
	'Strict ISO 8601 calendar date YYYY-MM-DD (years 0001-9999, real calendar days). Errors: 22007 format, 22008 range.';

CREATE FUNCTION tasks.format_instant(value timestamptz) RETURNS text
	AS 'MODULE_PATHNAME', 'tasks_format_instant'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks.format_instant(timestamptz) IS
	'The instant as ISO 8601 UTC with milliseconds (truncated), e.g. 2025-10-25T17:00:00.000Z, whatever the session DateStyle and TimeZone.';
-- ---------------------------------------------------------------------------
-- 30_setup: identity and the jsonb-in/jsonb-out API to set up data.
--
-- Errors follow the task API's convention: SQLSTATE 22023, message
-- "<what> payload is invalid", detail a JSON array of {path, code, message}.
-- ---------------------------------------------------------------------------

CREATE FUNCTION tasks.current_workspace_id() RETURNS uuid
	AS 'MODULE_PATHNAME', 'tasks_current_workspace_id'
	LANGUAGE C STABLE PARALLEL RESTRICTED
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks.current_workspace_id() IS
	'The workspace this call acts in: request.jwt.claims ->> workspace_id, else the setting tasks.workspace_id. Raises 28000 when none, 42501 when the role has no grant.';

CREATE FUNCTION tasks.current_actor_id() RETURNS uuid
	AS 'MODULE_PATHNAME', 'tasks_current_actor_id'
	LANGUAGE C STABLE PARALLEL RESTRICTED
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks.current_actor_id() IS
	'The acting member: claims member_id or a uuid sub, else the setting tasks.actor_id; NULL when none.';

-- Raises the collected problems (internal).
CREATE FUNCTION tasks._raise_problems(what text, problems jsonb) RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF jsonb_array_length(problems) > 0 THEN
		RAISE EXCEPTION '% payload is invalid', what
			USING ERRCODE = '22023',
				  DETAIL = problems::text,
				  HINT = format('%s: %s', problems -> 0 ->> 'path', problems -> 0 ->> 'message');
	END IF;
END
$$;

-- One problem as JSON (internal).
CREATE FUNCTION tasks._problem(path text, code text, message text) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT jsonb_build_array(jsonb_build_object('path', path, 'code', code, 'message', message));
END;

-- Problems of a string member: required/type/length (internal).
CREATE FUNCTION tasks._check_text(payload jsonb, key text, required boolean, max_chars integer)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v jsonb := payload -> key;
BEGIN
	IF v IS NULL OR jsonb_typeof(v) = 'null' THEN
		RETURN CASE WHEN required THEN tasks._problem('/' || key, 'required', 'is required') ELSE '[]' END;
	ELSIF jsonb_typeof(v) <> 'string' THEN
		RETURN tasks._problem('/' || key, 'invalid_type', format('must be a string, not %s', jsonb_typeof(v)));
	ELSIF char_length(v #>> '{}') = 0 THEN
		RETURN tasks._problem('/' || key, 'empty', 'must not be empty');
	ELSIF char_length(v #>> '{}') > max_chars THEN
		RETURN tasks._problem('/' || key, 'too_long', format('must be at most %s characters', max_chars));
	END IF;
	RETURN '[]';
END
$$;

-- Problems for keys outside the allowed list (internal).
CREATE FUNCTION tasks._check_keys(payload jsonb, allowed text[]) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT coalesce(jsonb_agg(jsonb_build_object('path', '/' || replace(replace(k, '~', '~0'), '/', '~1'),
												 'code', 'unknown_field',
												 'message', 'is not a known field') ORDER BY k), '[]'::jsonb)
	  FROM jsonb_object_keys(payload) AS k
	 WHERE NOT k = ANY (allowed);
END;

-- Problems of an optional uuid member (internal).
CREATE FUNCTION tasks._check_uuid(payload jsonb, key text) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT CASE
		WHEN payload -> key IS NULL OR jsonb_typeof(payload -> key) = 'null' THEN '[]'::jsonb
		WHEN jsonb_typeof(payload -> key) <> 'string'
			OR (payload ->> key) !~* '^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$'
			THEN tasks._problem('/' || key, 'invalid_uuid', 'must be a uuid')
		ELSE '[]'::jsonb END;
END;

-- Refuses anything but a JSON object (internal).
CREATE FUNCTION tasks._check_object(what text, payload jsonb) RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF jsonb_typeof(payload) IS DISTINCT FROM 'object' THEN
		PERFORM tasks._raise_problems(what, tasks._problem('', 'invalid_type', 'the payload must be a JSON object'));
	END IF;
END
$$;

CREATE FUNCTION tasks.workspace_create(payload jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	problems jsonb;
	ws uuid;
	st jsonb;
	n integer := 0;
	initial_count integer := 0;
BEGIN
	PERFORM tasks._check_object('workspace', payload);
	problems := tasks._check_keys(payload, ARRAY['id', 'name', 'slug', 'settings', 'statuses'])
		|| tasks._check_text(payload, 'name', true, 500)
		|| tasks._check_text(payload, 'slug', false, 63)
		|| tasks._check_uuid(payload, 'id');
	IF jsonb_typeof(payload -> 'slug') = 'string' AND (payload ->> 'slug') !~ '^[a-z0-9][a-z0-9-]{0,62}$' THEN
		problems := problems || tasks._problem('/slug', 'invalid_value', 'must be lower-case letters, digits and dashes');
	END IF;
	IF payload ? 'settings' AND jsonb_typeof(payload -> 'settings') <> 'object' THEN
		problems := problems || tasks._problem('/settings', 'invalid_type', 'must be an object');
	END IF;
	IF payload ? 'statuses' THEN
		IF jsonb_typeof(payload -> 'statuses') <> 'array' OR jsonb_array_length(payload -> 'statuses') = 0 THEN
			problems := problems || tasks._problem('/statuses', 'invalid_type', 'must be a non-empty array');
		ELSE
			FOR st IN SELECT value FROM jsonb_array_elements(payload -> 'statuses') LOOP
				IF jsonb_typeof(st) <> 'object' THEN
					problems := problems || tasks._problem(format('/statuses/%s', n), 'invalid_type', 'must be an object');
				ELSE
					problems := problems || (SELECT coalesce(jsonb_agg(jsonb_set(e, '{path}', to_jsonb(format('/statuses/%s%s', n, e ->> 'path')))), '[]')
											   FROM jsonb_array_elements(tasks._status_problems(st)) AS e);
					IF (st ->> 'initial')::boolean IS TRUE THEN
						initial_count := initial_count + 1;
					END IF;
				END IF;
				n := n + 1;
			END LOOP;
			IF initial_count <> 1 THEN
				problems := problems || tasks._problem('/statuses', 'invalid_value', 'exactly one status must be "initial": true');
			END IF;
		END IF;
	END IF;
	IF jsonb_typeof(payload -> 'slug') = 'string' AND EXISTS (SELECT 1 FROM tasks.workspaces w WHERE w.slug = payload ->> 'slug') THEN
		problems := problems || tasks._problem('/slug', 'duplicate', 'another workspace has this slug');
	END IF;
	IF jsonb_typeof(payload -> 'id') = 'string' AND tasks._check_uuid(payload, 'id') = '[]'
	   AND EXISTS (SELECT 1 FROM tasks.workspaces w WHERE w.id = (payload ->> 'id')::uuid) THEN
		problems := problems || tasks._problem('/id', 'duplicate', 'a workspace with this id exists');
	END IF;
	PERFORM tasks._raise_problems('workspace', problems);

	INSERT INTO tasks.workspaces (id, name, slug, settings)
	VALUES (coalesce((payload ->> 'id')::uuid, tasks.uuid_generate_v7()), payload ->> 'name',
			payload ->> 'slug', coalesce(payload -> 'settings', '{}'))
	RETURNING id INTO ws;

	INSERT INTO tasks.statuses (workspace_id, name, color, position, category, is_initial)
	SELECT ws, s ->> 'name', coalesce(s ->> 'color', '#9ca3af'), o::integer, s ->> 'category',
		   coalesce((s ->> 'initial')::boolean, false)
	  FROM jsonb_array_elements(coalesce(payload -> 'statuses', tasks.default_statuses())) WITH ORDINALITY AS x(s, o);

	RETURN tasks.workspace_get(ws);
END
$$;
COMMENT ON FUNCTION tasks.workspace_create(jsonb) IS
	'Creates a workspace {"name", "slug"?, "settings"?, "statuses"?: [{"name", "category", "color"?, "initial"?}]} with default statuses unless given; returns it.';

-- Problems of one status definition (internal).
CREATE FUNCTION tasks._status_problems(st jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	problems jsonb;
BEGIN
	problems := tasks._check_keys(st, ARRAY['name', 'color', 'category', 'initial', 'position'])
		|| tasks._check_text(st, 'name', true, 100)
		|| tasks._check_text(st, 'category', true, 20);
	IF jsonb_typeof(st -> 'category') = 'string'
	   AND NOT (st ->> 'category') = ANY (ARRAY['backlog', 'todo', 'in_progress', 'blocked', 'done', 'cancelled']) THEN
		problems := problems || tasks._problem('/category', 'invalid_value',
			'must be one of: backlog, todo, in_progress, blocked, done, cancelled');
	END IF;
	IF st ? 'color' AND (jsonb_typeof(st -> 'color') <> 'string' OR (st ->> 'color') !~ '^#[0-9a-fA-F]{6}$') THEN
		problems := problems || tasks._problem('/color', 'invalid_value', 'must be a hex color like "#60a5fa"');
	END IF;
	IF st ? 'initial' AND jsonb_typeof(st -> 'initial') <> 'boolean' THEN
		problems := problems || tasks._problem('/initial', 'invalid_type', 'must be a boolean');
	END IF;
	IF st ? 'position' AND jsonb_typeof(st -> 'position') <> 'number' THEN
		problems := problems || tasks._problem('/position', 'invalid_type', 'must be a number');
	END IF;
	RETURN problems;
END
$$;

CREATE FUNCTION tasks.default_statuses() RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT '[{"name": "Backlog", "category": "backlog", "color": "#9ca3af"},
	         {"name": "To do", "category": "todo", "color": "#60a5fa", "initial": true},
	         {"name": "In progress", "category": "in_progress", "color": "#f59e0b"},
	         {"name": "Blocked", "category": "blocked", "color": "#ef4444"},
	         {"name": "Done", "category": "done", "color": "#22c55e"},
	         {"name": "Cancelled", "category": "cancelled", "color": "#6b7280"}]'::jsonb;
END;
COMMENT ON FUNCTION tasks.default_statuses() IS 'The statuses a new workspace gets unless it names its own.';

CREATE FUNCTION tasks.workspace_get(id uuid) RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT jsonb_build_object(
		'id', w.id, 'name', w.name, 'slug', w.slug, 'settings', w.settings,
		'created_at', tasks.format_instant(w.created_at),
		'statuses', (SELECT jsonb_agg(jsonb_build_object('id', s.id, 'name', s.name, 'color', s.color,
														  'position', s.position, 'category', s.category,
														  'initial', s.is_initial) ORDER BY s.position, s.id)
					   FROM tasks.statuses s WHERE s.workspace_id = w.id))
	  FROM tasks.workspaces w WHERE w.id = workspace_get.id;
END;
COMMENT ON FUNCTION tasks.workspace_get(uuid) IS 'A workspace with its statuses, or NULL.';

CREATE FUNCTION tasks.workspace_grant(workspace_id uuid, role_name name) RETURNS void
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	INSERT INTO tasks.workspace_grants (workspace_id, role_name) VALUES (workspace_id, role_name)
	ON CONFLICT DO NOTHING;
END;
COMMENT ON FUNCTION tasks.workspace_grant(uuid, name) IS
	'Lets a role (and its members) act in a workspace; NULL workspace_id grants all workspaces (for the API role). Superusers need no grant.';

CREATE FUNCTION tasks.workspace_revoke(workspace_id uuid, role_name name) RETURNS void
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	DELETE FROM tasks.workspace_grants g
	 WHERE g.workspace_id IS NOT DISTINCT FROM workspace_revoke.workspace_id
	   AND g.role_name = workspace_revoke.role_name;
END;
COMMENT ON FUNCTION tasks.workspace_revoke(uuid, name) IS 'Undoes tasks.workspace_grant.';

-- Members and agents share one table; kind tells them apart (internal).
CREATE FUNCTION tasks._member_create(kind text, payload jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	ws uuid := tasks.current_workspace_id();
	what text := CASE kind WHEN 'agent' THEN 'agent' ELSE 'member' END;
	problems jsonb;
	m tasks.members;
BEGIN
	PERFORM tasks._check_object(what, payload);
	problems := tasks._check_keys(payload, ARRAY['id', 'name', 'email', 'scopes', 'active', 'data'])
		|| tasks._check_text(payload, 'name', true, 500)
		|| tasks._check_text(payload, 'email', false, 320)
		|| tasks._check_uuid(payload, 'id');
	IF jsonb_typeof(payload -> 'email') = 'string' AND (payload ->> 'email') !~ '^[^@\s]+@[^@\s]+$' THEN
		problems := problems || tasks._problem('/email', 'invalid_value', 'must be an e-mail address');
	END IF;
	IF payload ? 'scopes' AND (jsonb_typeof(payload -> 'scopes') <> 'array'
		OR EXISTS (SELECT 1 FROM jsonb_array_elements(payload -> 'scopes') e WHERE jsonb_typeof(e) <> 'string')) THEN
		problems := problems || tasks._problem('/scopes', 'invalid_type', 'must be an array of strings');
	END IF;
	IF payload ? 'active' AND jsonb_typeof(payload -> 'active') <> 'boolean' THEN
		problems := problems || tasks._problem('/active', 'invalid_type', 'must be a boolean');
	END IF;
	IF payload ? 'data' AND jsonb_typeof(payload -> 'data') <> 'object' THEN
		problems := problems || tasks._problem('/data', 'invalid_type', 'must be an object');
	END IF;
	IF jsonb_typeof(payload -> 'email') = 'string' AND EXISTS (
		SELECT 1 FROM tasks.members x WHERE x.workspace_id = ws AND lower(x.email) = lower(payload ->> 'email')) THEN
		problems := problems || tasks._problem('/email', 'duplicate', 'another member of this workspace has this e-mail');
	END IF;
	IF jsonb_typeof(payload -> 'id') = 'string' AND tasks._check_uuid(payload, 'id') = '[]'
	   AND EXISTS (SELECT 1 FROM tasks.members x WHERE x.workspace_id = ws AND x.id = (payload ->> 'id')::uuid) THEN
		problems := problems || tasks._problem('/id', 'duplicate', 'a member with this id exists in this workspace');
	END IF;
	PERFORM tasks._raise_problems(what, problems);

	INSERT INTO tasks.members (workspace_id, id, kind, name, email, scopes, active, data)
	VALUES (ws, coalesce((payload ->> 'id')::uuid, tasks.uuid_generate_v7()), kind, payload ->> 'name',
			payload ->> 'email',
			coalesce(ARRAY(SELECT jsonb_array_elements_text(payload -> 'scopes')), '{}'),
			coalesce((payload ->> 'active')::boolean, true), coalesce(payload -> 'data', '{}'))
	RETURNING * INTO m;
	RETURN jsonb_build_object('id', m.id, 'workspace_id', m.workspace_id, 'kind', m.kind, 'name', m.name,
							  'email', m.email, 'scopes', to_jsonb(m.scopes), 'active', m.active,
							  'data', m.data);
END
$$;

CREATE FUNCTION tasks.member_create(payload jsonb) RETURNS jsonb
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT tasks._member_create('user', payload);
END;
COMMENT ON FUNCTION tasks.member_create(jsonb) IS
	'Adds a user to the current workspace: {"name", "email"?, "scopes"?, "active"?, "data"?, "id"?}.';

CREATE FUNCTION tasks.agent_create(payload jsonb) RETURNS jsonb
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT tasks._member_create('agent', payload);
END;
COMMENT ON FUNCTION tasks.agent_create(jsonb) IS
	'Adds an AI agent (an assignable member of kind agent) to the current workspace: {"name", ...}.';

CREATE FUNCTION tasks.record_create(payload jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	ws uuid := tasks.current_workspace_id();
	problems jsonb;
	r tasks.records;
BEGIN
	PERFORM tasks._check_object('record', payload);
	problems := tasks._check_keys(payload, ARRAY['id', 'kind', 'name', 'external_id', 'data'])
		|| tasks._check_text(payload, 'kind', true, 63)
		|| tasks._check_text(payload, 'name', true, 500)
		|| tasks._check_text(payload, 'external_id', false, 255)
		|| tasks._check_uuid(payload, 'id');
	IF jsonb_typeof(payload -> 'kind') = 'string'
	   AND NOT EXISTS (SELECT 1 FROM tasks.record_kinds k WHERE k.kind = payload ->> 'kind') THEN
		problems := problems || tasks._problem('/kind', 'unknown_kind', 'is not a record kind of this service (see tasks.record_kinds)');
	END IF;
	IF jsonb_typeof(payload -> 'name') = 'string' AND char_length(payload ->> 'name') <= 500
	   AND tasks.name_norm(payload ->> 'name') = '' THEN
		problems := problems || tasks._problem('/name', 'invalid_value', 'must contain a letter or digit');
	END IF;
	IF payload ? 'data' AND jsonb_typeof(payload -> 'data') <> 'object' THEN
		problems := problems || tasks._problem('/data', 'invalid_type', 'must be an object');
	END IF;
	IF jsonb_typeof(payload -> 'id') = 'string' AND tasks._check_uuid(payload, 'id') = '[]'
	   AND EXISTS (SELECT 1 FROM tasks.records x WHERE x.workspace_id = ws AND x.id = (payload ->> 'id')::uuid) THEN
		problems := problems || tasks._problem('/id', 'duplicate', 'a record with this id exists in this workspace');
	END IF;
	PERFORM tasks._raise_problems('record', problems);

	INSERT INTO tasks.records (workspace_id, id, kind, name, external_id, data)
	VALUES (ws, coalesce((payload ->> 'id')::uuid, tasks.uuid_generate_v7()), payload ->> 'kind',
			payload ->> 'name', payload ->> 'external_id', coalesce(payload -> 'data', '{}'))
	RETURNING * INTO r;
	RETURN jsonb_build_object('id', r.id, 'workspace_id', r.workspace_id, 'kind', r.kind, 'name', r.name,
							  'external_id', r.external_id, 'data', r.data);
END
$$;
COMMENT ON FUNCTION tasks.record_create(jsonb) IS
	'Adds a linkable record to the current workspace: {"kind", "name", "external_id"?, "data"?, "id"?}.';

CREATE FUNCTION tasks.status_create(payload jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	ws uuid := tasks.current_workspace_id();
	problems jsonb;
	s tasks.statuses;
BEGIN
	PERFORM tasks._check_object('status', payload);
	problems := tasks._status_problems(payload);
	IF jsonb_typeof(payload -> 'name') = 'string' AND EXISTS (
		SELECT 1 FROM tasks.statuses x WHERE x.workspace_id = ws AND lower(x.name) = lower(payload ->> 'name')) THEN
		problems := problems || tasks._problem('/name', 'duplicate', 'the workspace already has a status with this name');
	END IF;
	PERFORM tasks._raise_problems('status', problems);

	-- Exactly one initial status: a new initial one replaces the old.
	IF (payload ->> 'initial')::boolean IS TRUE THEN
		UPDATE tasks.statuses x SET is_initial = false WHERE x.workspace_id = ws AND x.is_initial;
	END IF;
	INSERT INTO tasks.statuses (workspace_id, name, color, position, category, is_initial)
	VALUES (ws, payload ->> 'name', coalesce(payload ->> 'color', '#9ca3af'),
			coalesce((payload ->> 'position')::integer,
					 (SELECT coalesce(max(x.position), 0) + 1 FROM tasks.statuses x WHERE x.workspace_id = ws)),
			payload ->> 'category', coalesce((payload ->> 'initial')::boolean, false))
	RETURNING * INTO s;
	RETURN jsonb_build_object('id', s.id, 'name', s.name, 'color', s.color, 'position', s.position,
							  'category', s.category, 'initial', s.is_initial);
END
$$;
COMMENT ON FUNCTION tasks.status_create(jsonb) IS
	'Adds a status to the current workspace: {"name", "category", "color"?, "position"?, "initial"?}; a new initial status replaces the old one.';
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
-- ---------------------------------------------------------------------------
-- 45_dialects: what every vendor dialect shares.
--
-- Each dialect D has a schema tasks_D holding only its endpoints (what
-- PostgREST exposes as the profile tasks_D); its response shaping lives in
-- schema tasks as tasks._D_response(workspace, task).  These helpers read
-- the canonical rows the way vendor responses need them.
-- ---------------------------------------------------------------------------

-- The first record linked under a relation (a has-one relationship), or NULL.
CREATE FUNCTION tasks._link_id(workspace_id uuid, task_id uuid, relation text) RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT l.record_id FROM tasks.task_links l
	 WHERE l.workspace_id = _link_id.workspace_id AND l.task_id = _link_id.task_id
	   AND l.relation = _link_id.relation
	 ORDER BY l.record_id LIMIT 1;
END;

-- Every record linked under a relation, as a JSON array of ids.
CREATE FUNCTION tasks._link_ids(workspace_id uuid, task_id uuid, relation text) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT coalesce(jsonb_agg(l.record_id ORDER BY l.record_id), '[]'::jsonb) FROM tasks.task_links l
	 WHERE l.workspace_id = _link_ids.workspace_id AND l.task_id = _link_ids.task_id
	   AND l.relation = _link_ids.relation;
END;

-- The assignees of a task as a JSON array of ids, in the order they were given.
CREATE FUNCTION tasks._assignee_ids(workspace_id uuid, task_id uuid) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT coalesce(jsonb_agg(a.member_id ORDER BY a.assigned_at, a.position, a.member_id), '[]'::jsonb)
	  FROM tasks.task_assignees a
	 WHERE a.workspace_id = _assignee_ids.workspace_id AND a.task_id = _assignee_ids.task_id;
END;

-- Every endpoint that takes a request body declares ONE UNNAMED jsonb
-- parameter: PostgREST then passes the raw body as that argument
-- (a named parameter would make it look for a key of that name instead).
-- ---------------------------------------------------------------------------
-- 50_leadlex: the Leadlex CRM contract (POST /v1/tasks).
-- ---------------------------------------------------------------------------
CREATE SCHEMA tasks_leadlex;
COMMENT ON SCHEMA tasks_leadlex IS 'Leadlex-compatible endpoints (PostgREST profile tasks_leadlex).';

CREATE FUNCTION tasks._leadlex_response(workspace_id uuid, id uuid) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT jsonb_build_object('data', jsonb_build_object(
		'id', t.id,
		'title', t.title,
		'status', CASE WHEN s.category = ANY (ARRAY['done', 'cancelled']) THEN 'completed'
					   WHEN s.category = ANY (ARRAY['in_progress', 'blocked']) THEN 'in_progress'
					   ELSE 'open' END,
		'priority', CASE WHEN t.priority = 'urgent' THEN 'high' ELSE t.priority END,
		'due_date', coalesce(to_char(t.due_date, 'YYYY-MM-DD'), tasks.format_instant(t.due_at)),
		'assigned_to_user_id', tasks._assignee_ids(t.workspace_id, t.id) -> 0,
		'contact_id', tasks._link_id(t.workspace_id, t.id, 'contact'),
		'deal_id', tasks._link_id(t.workspace_id, t.id, 'deal'),
		'event_id', tasks._link_id(t.workspace_id, t.id, 'event'),
		'created_date', tasks.format_instant(t.created_at)))
	  FROM tasks.tasks t
	  JOIN tasks.statuses s ON s.workspace_id = t.workspace_id AND s.id = t.status_id
	 WHERE t.workspace_id = _leadlex_response.workspace_id AND t.id = _leadlex_response.id;
END;
COMMENT ON FUNCTION tasks._leadlex_response(uuid, uuid) IS 'The Leadlex response body {"data": {...}} of one task.';

CREATE FUNCTION tasks_leadlex.task_create(jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_leadlex_task_create'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks_leadlex.task_create(jsonb) IS
	'Leadlex POST /v1/tasks: flat body, at least one parent link (contact_id, company_id, deal_id, event_id, or a resolved contact_name / company_name), needs the activities:write scope. Returns {"data": {...}}; errors raise SQLSTATE PT400 / PT403 / PT404 with the Leadlex body {"error": {"code", "message"}} in DETAIL.';
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

CREATE FUNCTION tasks._lightfield_response(workspace_id uuid, id uuid) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT jsonb_build_object(
		'id', t.id,
		'createdAt', tasks.format_instant(t.created_at),
		'updatedAt', tasks.format_instant(t.updated_at),
		'httpLink', CASE WHEN jsonb_typeof(w.settings -> 'lightfield_base_url') = 'string'
							  AND w.settings ->> 'lightfield_base_url' <> ''
						 THEN rtrim(w.settings ->> 'lightfield_base_url', '/') || '/tasks/' || t.id END,
		'externalId', t.external_id,
		'fields', jsonb_build_object(
			'$title', jsonb_build_object('value', t.title, 'valueType', 'TEXT'),
			'$status', jsonb_build_object('value', tasks._lightfield_status(s.category), 'valueType', 'SINGLE_SELECT'),
			'$description', jsonb_build_object('value', t.description, 'valueType', 'MARKDOWN'),
			'$dueAt', jsonb_build_object('value', coalesce(tasks.format_instant(t.due_at), to_char(t.due_date, 'YYYY-MM-DD')),
										 'valueType', 'DATETIME')),
		'relationships', jsonb_build_object(
			'$assignedTo', tasks._lightfield_relationship('has_one', 'member', tasks._assignee_ids(t.workspace_id, t.id)),
			'$account', tasks._lightfield_relationship('has_one', 'account', tasks._link_ids(t.workspace_id, t.id, 'account')),
			'$opportunity', tasks._lightfield_relationship('has_one', 'opportunity',
														   tasks._link_ids(t.workspace_id, t.id, 'opportunity')),
			'$createdBy', tasks._lightfield_relationship('has_one', 'member',
														 CASE WHEN t.created_by IS NULL THEN '[]'::jsonb
															  ELSE jsonb_build_array(t.created_by) END),
			'$note', tasks._lightfield_relationship('has_many', 'note',
				(SELECT coalesce(jsonb_agg(n.id ORDER BY n.id), '[]'::jsonb) FROM tasks.notes n
				  WHERE n.workspace_id = t.workspace_id AND n.task_id = t.id)))
			|| coalesce((SELECT jsonb_object_agg(d.slug, tasks._lightfield_relationship(d.cardinality, d.kind,
													tasks._link_ids(t.workspace_id, t.id, d.slug)))
						   FROM tasks.relation_definitions d
						  WHERE d.workspace_id = t.workspace_id AND d.object_type = 'task'), '{}'::jsonb))
	  FROM tasks.tasks t
	  JOIN tasks.statuses s ON s.workspace_id = t.workspace_id AND s.id = t.status_id
	  JOIN tasks.workspaces w ON w.id = t.workspace_id
	 WHERE t.workspace_id = _lightfield_response.workspace_id AND t.id = _lightfield_response.id;
END;
COMMENT ON FUNCTION tasks._lightfield_response(uuid, uuid) IS
	'The Lightfield record of one task: {id, createdAt, updatedAt, httpLink, externalId, fields, relationships}.';

CREATE FUNCTION tasks._lightfield_definitions(workspace_id uuid) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT jsonb_build_object(
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
END;
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
CREATE FUNCTION tasks._vambe_response(workspace_id uuid, id uuid) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT jsonb_build_object(
		'id', t.id,
		'title', t.title,
		'description', t.description,
		'due_timezone', t.due_timezone,
		-- an all-day date is shown as that date's midnight UTC, as Vambe's clients send it
		'due_at', coalesce(tasks.format_instant(t.due_at), to_char(t.due_date, 'YYYY-MM-DD"T00:00:00.000Z"')),
		'is_all_day', t.due_at IS NULL,
		'created_at', tasks.format_instant(t.created_at),
		'ai_contact_id', tasks._link_id(t.workspace_id, t.id, 'contact'),
		'ai_customer_id', tasks._link_id(t.workspace_id, t.id, 'customer'),
		'task_status_config_id', s.id,
		'priority', CASE t.priority WHEN 'low' THEN 0 WHEN 'medium' THEN 1 WHEN 'high' THEN 2 WHEN 'urgent' THEN 2 END,
		'creator_id', t.created_by,
		'task_responsibles', (SELECT coalesce(jsonb_agg(jsonb_build_object('responsible_id', r.id) ORDER BY r.o), '[]'::jsonb)
								FROM jsonb_array_elements(tasks._assignee_ids(t.workspace_id, t.id)) WITH ORDINALITY AS r(id, o)),
		'status_config', jsonb_build_object('id', s.id, 'name', s.name, 'color', s.color,
											'type', tasks._vambe_status_type(s.category, s.is_initial),
											'order', s.position))
	  FROM tasks.tasks t
	  JOIN tasks.statuses s ON s.workspace_id = t.workspace_id AND s.id = t.status_id
	 WHERE t.workspace_id = _vambe_response.workspace_id AND t.id = _vambe_response.id;
END;
COMMENT ON FUNCTION tasks._vambe_response(uuid, uuid) IS 'The Vambe Task Object of one task.';

CREATE FUNCTION tasks_vambe.task_create(jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_vambe_task_create'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks_vambe.task_create(jsonb) IS
	'Vambe POST /api/public/tasks: title, responsibleIds (active users), priority "0" | "1" | "2", dueDate / dueTime / timezone, aiContactId, aiCustomerId, associateToCalendar. The caller is the creator, the status the initial one; a contact gets an interactive note. Returns the Task Object (HTTP 201 under PostgREST); errors raise SQLSTATE PT400 / PT401 / PT404 with the NestJS body {"statusCode", "message", "errors": [{field, message}]} in DETAIL.';
-- ---------------------------------------------------------------------------
-- 53_care: the healthcare-operations contract (POST /v1/tasks, seed 003).
-- ---------------------------------------------------------------------------
CREATE SCHEMA tasks_care;
COMMENT ON SCHEMA tasks_care IS 'Healthcare-operations ("care") compatible endpoints (PostgREST profile tasks_care).';

-- An instant the way pydantic serializes an aware UTC datetime:
-- "2023-11-07T05:31:56Z", with ".ffffff" only when there are microseconds.
CREATE FUNCTION tasks._care_datetime(value timestamptz) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT to_char(u, 'YYYY-MM-DD"T"HH24:MI:SS')
		   || CASE WHEN date_part('microseconds', u)::bigint % 1000000 = 0 THEN '' ELSE to_char(u, '.US') END
		   || 'Z'
	  FROM (SELECT value AT TIME ZONE 'UTC') AS x(u);
END;
COMMENT ON FUNCTION tasks._care_datetime(timestamptz) IS
	'An instant as pydantic writes an aware UTC datetime: 2023-11-07T05:31:56Z, or 2023-11-07T05:31:56.123456Z; independent of TimeZone and DateStyle.';

CREATE FUNCTION tasks._care_response(workspace_id uuid, id uuid) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT jsonb_build_object(
		'id', t.id,
		'title', t.title,
		'description', t.description,
		'tags', to_jsonb(t.tags),
		'deadline', tasks._care_datetime(coalesce(t.due_at, t.deadline)),
		'created_at', tasks._care_datetime(t.created_at),
		'updated_at', tasks._care_datetime(t.updated_at),
		'priority', coalesce(t.priority, 'medium'),
		'created_by_id', t.created_by,
		'company_id', t.workspace_id,
		'version', t.version,
		'status', CASE WHEN s.category = ANY (ARRAY['done', 'cancelled']) THEN 'completed'
					   WHEN s.category = ANY (ARRAY['in_progress', 'blocked']) THEN 'in_progress'
					   ELSE 'pending' END,
		'call_id', tasks._link_id(t.workspace_id, t.id, 'call'),
		'fax_id', tasks._link_id(t.workspace_id, t.id, 'fax'),
		'assistant_id', tasks._link_id(t.workspace_id, t.id, 'assistant'),
		'session_id', tasks._link_id(t.workspace_id, t.id, 'session'),
		'patient_id', tasks._link_id(t.workspace_id, t.id, 'patient'),
		'type', t.type,
		'external_message_ids', '{}'::jsonb)
	  FROM tasks.tasks t
	  JOIN tasks.statuses s ON s.workspace_id = t.workspace_id AND s.id = t.status_id
	 WHERE t.workspace_id = _care_response.workspace_id AND t.id = _care_response.id;
END;
COMMENT ON FUNCTION tasks._care_response(uuid, uuid) IS 'The care response body (TaskResponse) of one task.';

CREATE FUNCTION tasks_care.task_create(jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_care_task_create'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks_care.task_create(jsonb) IS
	'care POST /v1/tasks: title, description, assigned_user_ids, created_by_id and deadline (a date-time with a UTC offset, stored as the due instant) required; call_id, fax_id, assistant_id, session_id, patient_id must exist in the workspace; unknown fields ignored. Returns the task (HTTP 201 under PostgREST); errors raise SQLSTATE PT422 with FastAPI''s {"detail": [{type, loc, msg, input, ctx?}]} or PT404 with {"detail": "..."} in DETAIL.';
-- ---------------------------------------------------------------------------
-- 54_acp: the ACP (AI-agent control plane) contract (POST /v1/tasks).
-- ---------------------------------------------------------------------------
CREATE SCHEMA tasks_acp;
COMMENT ON SCHEMA tasks_acp IS 'ACP-compatible endpoints (PostgREST profile tasks_acp).';

-- ACP has no "cancelled": a cancelled task reads as done (closed).  An
-- all-day due date (only the native API can store one) reads as "YYYY-MM-DD".
CREATE FUNCTION tasks._acp_response(workspace_id uuid, id uuid) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT jsonb_build_object('task', jsonb_build_object(
		'id', t.id,
		'userId', t.created_by,
		'projectId', tasks._link_id(t.workspace_id, t.id, 'project'),
		'releaseId', tasks._link_id(t.workspace_id, t.id, 'release'),
		'title', t.title,
		'description', t.description,
		'status', CASE WHEN s.category = 'cancelled' THEN 'done' ELSE s.category END,
		'priority', t.priority,
		'sprintId', tasks._link_id(t.workspace_id, t.id, 'sprint'),
		'assigneeAgentId', (SELECT a.member_id
							  FROM tasks.task_assignees a
							  JOIN tasks.members m ON m.workspace_id = a.workspace_id AND m.id = a.member_id
							 WHERE a.workspace_id = t.workspace_id AND a.task_id = t.id AND m.kind = 'agent'
							 ORDER BY a.assigned_at, a.member_id LIMIT 1),
		'dependencyIds', coalesce((SELECT jsonb_agg(d.depends_on_id ORDER BY d.depends_on_id)
									 FROM tasks.task_dependencies d
									WHERE d.workspace_id = t.workspace_id AND d.task_id = t.id), '[]'::jsonb),
		'linkedThreadIds', tasks._link_ids(t.workspace_id, t.id, 'linked_thread'),
		'lastStartedThreadId', tasks._link_id(t.workspace_id, t.id, 'last_started_thread'),
		'scheduledStartAt', tasks.format_instant(t.scheduled_start),
		'scheduledEndAt', tasks.format_instant(t.scheduled_end),
		'dueAt', coalesce(tasks.format_instant(t.due_at), to_char(t.due_date, 'YYYY-MM-DD')),
		'completedAt', tasks.format_instant(t.completed_at),
		'sortOrder', t.sort_order,
		'metadata', t.metadata,
		'createdAt', tasks.format_instant(t.created_at),
		'updatedAt', tasks.format_instant(t.updated_at)))
	  FROM tasks.tasks t
	  JOIN tasks.statuses s ON s.workspace_id = t.workspace_id AND s.id = t.status_id
	 WHERE t.workspace_id = _acp_response.workspace_id AND t.id = _acp_response.id;
END;
COMMENT ON FUNCTION tasks._acp_response(uuid, uuid) IS 'The ACP response body {"task": {...}} of one task.';

CREATE FUNCTION tasks_acp.task_create(jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_acp_task_create'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks_acp.task_create(jsonb) IS
	'ACP POST /v1/tasks: flat camelCase body (title required; projectId, releaseId, sprintId, assigneeAgentId (an agent), dependencyIds, linkedThreadIds, lastStartedThreadId must exist in the workspace; timestamps need a UTC offset; unknown fields refused). Returns {"task": {...}} (HTTP 201); errors raise SQLSTATE PT400 (validation_error), PT401 (unauthorized) or PT422 (invalid_reference) with {"error": {"code", "message", "details": [{"field", "code", "message"}]}} in DETAIL.';
-- ---------------------------------------------------------------------------
-- 60_http: serving the API through PostgREST.
--
-- Exposed schemas hold only endpoints: tasks_v1 (native) and tasks_<dialect>.
-- Everything else stays in schema tasks, which PostgREST never exposes.
-- ---------------------------------------------------------------------------

CREATE SCHEMA tasks_v1;
COMMENT ON SCHEMA tasks_v1 IS 'The native task API over HTTP (PostgREST profile tasks_v1).';

CREATE FUNCTION tasks_v1.task_create(jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_v1_task_create'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks_v1.task_create(jsonb) IS
	'POST /rpc/task_create: creates a task from the native payload (see the README). 201 with the task and a Location header; 422 {"code": "validation_failed", "message", "errors": [{path, code, message}]}. Supports Idempotency-Key.';

CREATE FUNCTION tasks_v1.task_get(id uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN tasks.task_get(id);
EXCEPTION WHEN no_data_found THEN
	-- over PostgREST a missing task is a 404 with the native error body
	IF nullif(current_setting('request.method', true), '') IS NULL THEN
		RAISE;
	END IF;
	PERFORM set_config('response.status', '404', true);
	RETURN jsonb_build_object('code', 'not_found', 'message', format('task %s not found', id));
END
$$;
COMMENT ON FUNCTION tasks_v1.task_get(uuid) IS 'GET /rpc/task_get?id=...: one task of the caller''s workspace.';

CREATE FUNCTION tasks_v1.resolve(kind text, name text) RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT tasks.resolve(resolve.kind, resolve.name);
END;
COMMENT ON FUNCTION tasks_v1.resolve(text, text) IS
	'GET /rpc/resolve?kind=contact&name=...: how a name would resolve in the caller''s workspace (preview, nothing stored).';

CREATE VIEW tasks_v1.tasks WITH (security_invoker = true) AS
	SELECT t.id, t.title, t.description, s.name AS status, s.category AS status_category, t.priority,
		   t.type, t.tags, t.due_date, t.due_at, t.due_timezone, t.deadline, t.completed_at,
		   t.sort_order, t.external_id, t.created_by, t.created_at, t.updated_at, t.version
	  FROM tasks.tasks t
	  JOIN tasks.statuses s ON s.workspace_id = t.workspace_id AND s.id = t.status_id
	 WHERE t.deleted_at IS NULL;
COMMENT ON VIEW tasks_v1.tasks IS
	'GET /tasks: the caller''s workspace''s tasks (row level security of the underlying tables applies: security_invoker).';

-- API keys: only a hash is stored; the key is shown once, at creation.
CREATE TABLE tasks.api_keys (
	workspace_id uuid NOT NULL REFERENCES tasks.workspaces (id) ON DELETE CASCADE,
	id			uuid NOT NULL DEFAULT tasks.uuid_generate_v7(),
	member_id	uuid NOT NULL,
	name		text NOT NULL DEFAULT '' CHECK (pg_catalog.char_length(name) <= 200),
	key_hash	bytea NOT NULL,			-- SHA-256 of the whole key (for x-api-key)
	scopes		text[] NOT NULL DEFAULT '{}',
	created_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	expires_at	timestamptz,
	revoked_at	timestamptz,
	PRIMARY KEY (workspace_id, id),
	FOREIGN KEY (workspace_id, member_id) REFERENCES tasks.members (workspace_id, id) ON DELETE CASCADE
);
-- The one unique key without the workspace: a key must find its tenant
-- before the tenant is known.  It is the SHA-256 of a signed token, so it
-- says nothing about any workspace.
CREATE UNIQUE INDEX api_keys_hash_key ON tasks.api_keys (key_hash);
COMMENT ON TABLE tasks.api_keys IS 'API keys (SHA-256 hashes), each bound to a workspace, a member and scopes.';
SELECT pg_catalog.pg_extension_config_dump('tasks.api_keys', '');

-- Idempotency keys, stored in the same transaction as what they protect.
CREATE TABLE tasks.idempotency_keys (
	workspace_id uuid NOT NULL REFERENCES tasks.workspaces (id) ON DELETE CASCADE,
	operation	text NOT NULL,
	key			text NOT NULL CHECK (pg_catalog.char_length(key) BETWEEN 1 AND 255),
	request_hash bytea NOT NULL,		-- SHA-256 of the request body's jsonb text
	status		integer NOT NULL,
	response	jsonb NOT NULL,
	headers		jsonb,				-- response headers to replay (e.g. Location)
	created_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	PRIMARY KEY (workspace_id, operation, key)
);
CREATE INDEX idempotency_keys_created_idx ON tasks.idempotency_keys (created_at);
COMMENT ON TABLE tasks.idempotency_keys IS
	'Idempotency-Key replays: scoped to workspace and operation, kept 24 hours (tasks.idempotency_purge).';
SELECT pg_catalog.pg_extension_config_dump('tasks.idempotency_keys', '');

CREATE FUNCTION tasks.idempotency_purge(older_than interval DEFAULT '24 hours') RETURNS bigint
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	WITH gone AS (DELETE FROM tasks.idempotency_keys k WHERE k.created_at < now() - older_than RETURNING 1)
	SELECT count(*) FROM gone;
END;
COMMENT ON FUNCTION tasks.idempotency_purge(interval) IS
	'Deletes idempotency keys older than the retention (24 hours by default); run it from cron or pg_cron.';

CREATE FUNCTION tasks._jwt_sign(claims jsonb) RETURNS text
	AS 'MODULE_PATHNAME', 'tasks_jwt_sign'
	LANGUAGE C VOLATILE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks._jwt_sign(jsonb) IS
	'Internal: an HS256 JWT of the claims, signed with tasks.jwt_secret. Never granted to API roles.';

-- Creates an API key for a member of the current workspace; returns the key once.
CREATE FUNCTION tasks.api_key_create(payload jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	ws uuid := tasks.current_workspace_id();
	problems jsonb;
	key_id uuid := tasks.uuid_generate_v7();
	secret text;
	k tasks.api_keys;
BEGIN
	PERFORM tasks._check_object('api key', payload);
	problems := tasks._check_keys(payload, ARRAY['member_id', 'name', 'scopes', 'expires_at'])
		|| tasks._check_uuid(payload, 'member_id')
		|| tasks._check_text(payload, 'name', false, 200);
	IF NOT payload ? 'member_id' THEN
		problems := problems || tasks._problem('/member_id', 'required', 'is required');
	ELSIF jsonb_typeof(payload -> 'member_id') = 'string' AND (payload ->> 'member_id') ~* '^[0-9a-f-]{32,36}$'
		AND NOT EXISTS (SELECT 1 FROM tasks.members m WHERE m.workspace_id = ws AND m.id = (payload ->> 'member_id')::uuid) THEN
		problems := problems || tasks._problem('/member_id', 'not_found', 'no such member in this workspace');
	END IF;
	IF payload ? 'scopes' AND (jsonb_typeof(payload -> 'scopes') <> 'array'
		OR EXISTS (SELECT 1 FROM jsonb_array_elements(payload -> 'scopes') e WHERE jsonb_typeof(e) <> 'string')) THEN
		problems := problems || tasks._problem('/scopes', 'invalid_type', 'must be an array of strings');
	END IF;
	IF payload ? 'expires_at' AND jsonb_typeof(payload -> 'expires_at') <> 'string' THEN
		problems := problems || tasks._problem('/expires_at', 'invalid_type', 'must be an ISO 8601 date-time');
	END IF;
	PERFORM tasks._raise_problems('api key', problems);

	-- PostgREST verifies bearer tokens as JWTs, so the key is one; it names
	-- only the key, and the pre-request reads everything else from this row.
	secret := tasks._jwt_sign(jsonb_build_object('role', 'tasks_api', 'key_id', key_id,
												 'iat', floor(extract(epoch FROM now()))::bigint));
	INSERT INTO tasks.api_keys (workspace_id, id, member_id, name, key_hash, scopes, expires_at)
	VALUES (ws, key_id, (payload ->> 'member_id')::uuid, coalesce(payload ->> 'name', ''),
			sha256(convert_to(secret, 'UTF8')),
			coalesce(ARRAY(SELECT jsonb_array_elements_text(payload -> 'scopes')), '{}'),
			tasks.parse_instant(payload ->> 'expires_at'))
	RETURNING * INTO k;
	RETURN jsonb_build_object('id', k.id, 'key', secret, 'member_id', k.member_id, 'name', k.name,
							  'scopes', to_jsonb(k.scopes), 'expires_at', tasks.format_instant(k.expires_at));
END
$$;
COMMENT ON FUNCTION tasks.api_key_create(jsonb) IS
	'Creates an API key {"member_id", "scopes"?, "name"?, "expires_at"?} in the current workspace: a JWT signed with tasks.jwt_secret (PostgREST''s jwt-secret) naming only the key. Returned once; only its SHA-256 is stored.';

CREATE FUNCTION tasks.api_key_revoke(id uuid) RETURNS boolean
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	WITH r AS (UPDATE tasks.api_keys k SET revoked_at = now()
				WHERE k.workspace_id = tasks.current_workspace_id() AND k.id = api_key_revoke.id
				  AND k.revoked_at IS NULL RETURNING 1)
	SELECT count(*) > 0 FROM r;
END;
COMMENT ON FUNCTION tasks.api_key_revoke(uuid) IS 'Revokes an API key of the current workspace at once.';

-- The claims an API key stands for (by its SHA-256, or by the key id a
-- verified JWT carries), or NULL when unknown, revoked, expired or its
-- member is deactivated (internal; the one definer function).
CREATE FUNCTION tasks._api_key_claims(token text, key_id uuid DEFAULT NULL) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT jsonb_build_object('workspace_id', k.workspace_id, 'member_id', k.member_id,
							  'scopes', to_jsonb(k.scopes), 'key_id', k.id)
	  FROM tasks.api_keys k
	  JOIN tasks.members m ON m.workspace_id = k.workspace_id AND m.id = k.member_id
	 WHERE (k.key_hash = sha256(convert_to(token, 'UTF8')) OR k.id = _api_key_claims.key_id)
	   AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
	   AND m.active;
END;
COMMENT ON FUNCTION tasks._api_key_claims(text, uuid) IS
	'Internal: the workspace, member and scopes of a valid API key (SECURITY DEFINER: API roles cannot read key hashes).';

/*
 * PostgREST db-pre-request.  An API key sent as a bearer token reaches us
 * as claims PostgREST verified ({"role": "tasks_api", "key_id"}): the key is
 * looked up, and a revoked one drops back to the anonymous role.  Any other
 * JWT that names a workspace is kept.  Otherwise the dialect's documented
 * header carries the key (x-api-key for vambe and care; a bearer header
 * only when no PostgREST verified it, e.g. behind another proxy).  A valid key becomes the
 * request's claims and switches to the API role; a missing or invalid one
 * leaves the anonymous role, and the endpoint answers 401 in its dialect.
 */
CREATE FUNCTION tasks.pre_request() RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	headers jsonb := coalesce(nullif(current_setting('request.headers', true), '')::jsonb, '{}');
	claims jsonb := coalesce(nullif(current_setting('request.jwt.claims', true), '')::jsonb, '{}');
	-- The profile the client asked for (Content-Profile on writes, Accept-Profile
	-- on reads); without one PostgREST uses its first schema, tasks_v1 in
	-- doc/postgrest.conf.  (search_path cannot tell: this function pins it.)
	profile text := coalesce(headers ->> 'content-profile', headers ->> 'accept-profile', 'tasks_v1');
	token text;
	found jsonb;
BEGIN
	-- An API key that PostgREST verified as a JWT: it only names the key.
	IF claims ? 'key_id' THEN
		found := tasks._api_key_claims(NULL, (claims ->> 'key_id')::uuid);
		IF found IS NULL THEN
			PERFORM set_config('tasks.auth_error', 'invalid_key', true);
			PERFORM set_config('request.jwt.claims', jsonb_build_object('role', 'tasks_anon')::text, true);
			PERFORM set_config('role', 'tasks_anon', true);
		ELSE
			PERFORM set_config('request.jwt.claims', (claims || found)::text, true);
		END IF;
		RETURN;
	END IF;
	-- Any other JWT signed for PostgREST that names a workspace is kept.
	IF claims ? 'workspace_id' THEN
		RETURN;
	END IF;
	IF profile = ANY (ARRAY['tasks_vambe', 'tasks_care']) THEN
		token := headers ->> 'x-api-key';
	ELSE
		token := substring(headers ->> 'authorization' FROM '^[Bb]earer +(\S+)$');
	END IF;
	IF token IS NULL OR token = '' THEN
		PERFORM set_config('tasks.auth_error', 'missing_key', true);
		RETURN;
	END IF;
	found := tasks._api_key_claims(token);
	IF found IS NULL THEN
		PERFORM set_config('tasks.auth_error', 'invalid_key', true);
		RETURN;
	END IF;
	PERFORM set_config('request.jwt.claims', (claims || found || jsonb_build_object('role', 'tasks_api'))::text, true);
	PERFORM set_config('role', 'tasks_api', true);
END
$$;
COMMENT ON FUNCTION tasks.pre_request() IS
	'PostgREST db-pre-request: turns a valid API key (Authorization: Bearer, or x-api-key for tasks_vambe / tasks_care) into claims and the tasks_api role.';

/*
 * Creates the API roles (once per cluster) and grants them what the API
 * needs.  tasks_anon: requests without a valid credential (may call the
 * endpoints, which answer 401, and nothing else); tasks_api: requests with a
 * valid API key or a JWT; authenticator: PostgREST's login role (NOINHERIT),
 * which may switch to both.
 */
CREATE FUNCTION tasks.api_setup(authenticator name DEFAULT 'authenticator') RETURNS void
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
		tasks._jwt_sign(jsonb)
		FROM tasks_api;
	GRANT SELECT ON tasks.record_kinds TO tasks_api;
	GRANT SELECT ON tasks.workspaces TO tasks_api;
	GRANT SELECT ON tasks.members, tasks.statuses TO tasks_api;
	GRANT SELECT, INSERT ON tasks.records, tasks.notes TO tasks_api;
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
COMMENT ON FUNCTION tasks.api_setup(name) IS
	'Creates the roles tasks_anon and tasks_api and the NOINHERIT login role for PostgREST (default "authenticator"), and grants what the API needs. Run once as a superuser; safe to rerun after an upgrade.';

-- Row level security on every tenant table: a role sees and writes only the
-- workspace of the current call.  The workspace is read once per statement
-- (an InitPlan), not once per row.  FORCE makes the owner obey too;
-- superusers and BYPASSRLS roles still bypass, as PostgreSQL defines.
DO $rls$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['members', 'records', 'statuses', 'tasks', 'task_assignees', 'task_links',
							 'task_dependencies', 'notes', 'api_keys', 'idempotency_keys']
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
ALTER TABLE tasks.workspaces ENABLE ROW LEVEL SECURITY;
ALTER TABLE tasks.workspaces FORCE ROW LEVEL SECURITY;
CREATE POLICY workspace_isolation ON tasks.workspaces
	USING (id OPERATOR(pg_catalog.=) (SELECT tasks.current_workspace_id()));
ALTER TABLE tasks.workspace_grants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tasks.workspace_grants FORCE ROW LEVEL SECURITY;

-- The error body of each dialect for errors raised outside the dialect's own
-- code (authentication, idempotency).  param names the request location.
CREATE FUNCTION tasks._error_body(dialect text, status integer, code text, message text, param text DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT CASE dialect
		WHEN 'lightfield' THEN jsonb_build_object('error', jsonb_strip_nulls(jsonb_build_object(
			'type', CASE status WHEN 400 THEN 'bad_request' WHEN 401 THEN 'unauthorized' WHEN 403 THEN 'forbidden'
								WHEN 404 THEN 'not_found' WHEN 409 THEN 'conflict'
								WHEN 422 THEN 'unprocessable_content' ELSE 'internal_server_error' END,
			'message', message,
			'code', CASE WHEN status = 400 THEN code END,
			'param', CASE WHEN status = ANY (ARRAY[400, 422]) THEN param END)))
		WHEN 'vambe' THEN CASE WHEN status = 401
			-- NestJS's UnauthorizedException body
			THEN jsonb_build_object('statusCode', 401, 'message', 'Unauthorized')
			ELSE jsonb_build_object('statusCode', status, 'message', message,
			'error', CASE status WHEN 400 THEN 'Bad Request' WHEN 401 THEN 'Unauthorized' WHEN 403 THEN 'Forbidden'
								 WHEN 404 THEN 'Not Found' WHEN 409 THEN 'Conflict'
								 WHEN 422 THEN 'Unprocessable Entity' ELSE 'Internal Server Error' END) END
		WHEN 'acp' THEN jsonb_build_object('error', jsonb_build_object(
			'code', CASE WHEN status = 401 THEN 'unauthorized' ELSE code END,
			'message', message, 'details', '[]'::jsonb))
		WHEN 'care' THEN jsonb_build_object('detail', message)
		WHEN 'v1' THEN jsonb_build_object('code', code, 'message', message)
		ELSE jsonb_build_object('error', jsonb_build_object('code', code, 'message', message))
	END;
END;
COMMENT ON FUNCTION tasks._error_body(text, integer, text, text, text) IS
	'Internal: a dialect''s error body for authentication and idempotency errors.';

NOTIFY pgrst, 'reload schema';
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
-- ---------------------------------------------------------------------------
-- 71_list: reading many tasks.
--
-- tasks.task_list(filter) is keyset (cursor) paginated: every sort is a key
-- plus the id as tiebreaker, and each has an index that starts with the
-- workspace and ends with (key, id), so page 1000 costs what page 1 costs.
--
-- Row level security decides which sort keys can use an index: under RLS a
-- condition can only be an index condition when all its functions are
-- LEAKPROOF (otherwise it runs after the policy, as a filter).  So the sort
-- keys are written with leakproof pieces only: plain columns, CASE, IS NULL
-- and tasks._due_key (C, leakproof: it cannot fail).  COALESCE would not do:
-- the planner treats it as leaky.  The C code writes the very same
-- expressions (src/task_list.c, list_sorts[]); an index is used only when the
-- expression matches exactly.
-- ---------------------------------------------------------------------------

-- The due sort key: the instant, or an all-day date as the start of that day
-- in UTC, or +infinity when the task has no due date (so ascending order puts
-- undated tasks last, descending first, as PostgreSQL orders NULLs).
CREATE FUNCTION tasks._due_key(due_at timestamptz, due_date date) RETURNS timestamptz
	AS 'MODULE_PATHNAME', 'tasks_due_key'
	LANGUAGE C IMMUTABLE LEAKPROOF PARALLEL SAFE;
COMMENT ON FUNCTION tasks._due_key(timestamptz, date) IS
	'Internal: the "due" sort key of a task: due_at, else due_date at 00:00 UTC, else +infinity. Never fails (LEAKPROOF), so row level security lets it drive an index.';

-- The sort indexes: (workspace, key, id), carrying status_id and deleted_at
-- so that the status filter (e.g. "open") and the live-task test are checked
-- inside the index, without visiting the table.  Not partial: include_deleted
-- pages through the same indexes.
CREATE INDEX tasks_list_created_idx ON tasks.tasks (workspace_id, created_at, id)
	INCLUDE (status_id, deleted_at);
CREATE INDEX tasks_list_updated_idx ON tasks.tasks (workspace_id, updated_at, id)
	INCLUDE (status_id, deleted_at);
CREATE INDEX tasks_list_due_idx ON tasks.tasks (workspace_id, tasks._due_key(due_at, due_date), id)
	INCLUDE (status_id, deleted_at);
CREATE INDEX tasks_list_sort_order_idx ON tasks.tasks
	(workspace_id, (CASE WHEN sort_order IS NULL THEN 'Infinity'::pg_catalog.float8 ELSE sort_order END), id)
	INCLUDE (status_id, deleted_at);
CREATE INDEX tasks_list_priority_idx ON tasks.tasks
	(workspace_id, (CASE priority WHEN 'urgent' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END), id)
	INCLUDE (status_id, deleted_at);

-- The native shape of many tasks at once, in the order of ids: the same JSON
-- as tasks.task_json (the regression test list.sql compares them for every
-- task it makes), built in one statement whose plan PL/pgSQL keeps.  Calling
-- tasks.task_json once per row starts an executor per row (~0.15 ms each, 8
-- to 12 ms for a page of 50); a SQL function would be planned anew on each
-- call (~7 ms for this statement).  The generic plan is right for every call
-- (ids are primary keys), so it is used from the first call on instead of
-- after five custom ones.
CREATE FUNCTION tasks._task_json_batch(ws uuid, task_ids uuid[]) RETURNS TABLE (ord bigint, id uuid, task jsonb)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
BEGIN
	RETURN QUERY
		WITH asg AS (
			SELECT a.task_id, jsonb_agg(jsonb_build_object('id', m.id, 'kind', m.kind, 'name', m.name)
										ORDER BY m.kind DESC, m.name, m.id) AS j
			  FROM tasks.task_assignees a
			  JOIN tasks.members m ON m.workspace_id = a.workspace_id AND m.id = a.member_id
			 WHERE a.workspace_id = ws AND a.task_id = ANY (task_ids)
			 GROUP BY a.task_id),
		lnk AS (
			SELECT l.task_id, jsonb_agg(jsonb_build_object('relation', l.relation, 'kind', l.kind, 'id', r.id, 'name', r.name)
										ORDER BY l.relation, r.name, r.id) AS j
			  FROM tasks.task_links l
			  JOIN tasks.records r ON r.workspace_id = l.workspace_id AND r.id = l.record_id
			 WHERE l.workspace_id = ws AND l.task_id = ANY (task_ids)
			 GROUP BY l.task_id),
		dep AS (
			SELECT d.task_id, jsonb_agg(d.depends_on_id ORDER BY d.depends_on_id) AS j
			  FROM tasks.task_dependencies d
			 WHERE d.workspace_id = ws AND d.task_id = ANY (task_ids)
			 GROUP BY d.task_id),
		nts AS (
			SELECT n.task_id, jsonb_agg(jsonb_build_object('id', n.id, 'body', n.body, 'kind', n.kind,
														   'created_at', tasks.format_instant(n.created_at))
										ORDER BY n.id) AS j
			  FROM tasks.notes n
			 WHERE n.workspace_id = ws AND n.task_id = ANY (task_ids)
			 GROUP BY n.task_id)
		SELECT u.o, t.id, jsonb_build_object(
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
			'assignees', coalesce(asg.j, '[]'::jsonb),
			'links', coalesce(lnk.j, '[]'::jsonb),
			'dependency_ids', coalesce(dep.j, '[]'::jsonb),
			'notes', coalesce(nts.j, '[]'::jsonb))
		  FROM unnest(task_ids) WITH ORDINALITY AS u(id, o)
		  JOIN tasks.tasks t ON t.workspace_id = ws AND t.id = u.id
		  JOIN tasks.statuses s ON s.workspace_id = t.workspace_id AND s.id = t.status_id
		  LEFT JOIN asg ON asg.task_id = t.id
		  LEFT JOIN lnk ON lnk.task_id = t.id
		  LEFT JOIN dep ON dep.task_id = t.id
		  LEFT JOIN nts ON nts.task_id = t.id
	  ORDER BY u.o;
END
$$;
COMMENT ON FUNCTION tasks._task_json_batch(uuid, uuid[]) IS
	'Internal: tasks.task_json of many tasks in one statement, with each id''s position in task_ids (ord); ids not in the workspace are skipped.';

CREATE FUNCTION tasks.task_list(filter jsonb DEFAULT '{}') RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_task_list'
	LANGUAGE C STABLE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks.task_list(jsonb) IS
	'Tasks of the current workspace: {"data": [task, ...], "next_cursor": string | null}. Filter keys: record_id, kind, relation, assignee_id (uuid or "me"), unassigned, status_category, status_id, due_from, due_to, overdue, timezone, updated_since, tag, q, include_deleted, sort (created_at | updated_at | due | sort_order | priority, "-" for descending; default -created_at), limit (1-200, default 50), cursor. Problems: 22023 with the list in DETAIL (unknown keys, bad values, a cursor of another workspace, sort or filter).';

CREATE FUNCTION tasks_v1.task_list(jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_v1_task_list'
	LANGUAGE C STABLE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks_v1.task_list(jsonb) IS
	'POST /rpc/task_list with the filter as the body (see tasks.task_list): 200 {"data", "next_cursor"}; 422 {"code": "validation_failed", "message", "errors": [{path, code, message}]}.';

-- Lightfield: GET /v1/tasks (task.list) and GET /v1/tasks/{id} (task.retrieve).
CREATE FUNCTION tasks_lightfield.task_list(jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_lightfield_task_list'
	LANGUAGE C STABLE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks_lightfield.task_list(jsonb) IS
	'Lightfield task.list (GET /v1/tasks), as POST /rpc/task_list with {"offset"?, "limit"?} (PostgREST keeps the query parameters limit and offset for itself). Needs tasks:read. 200 {"object": "list", "data": [task records, oldest first], "totalCount"}; errors PT400 / PT403 with the Lightfield body {"error": {"type", "message", "code", "param"}} in DETAIL.';

CREATE FUNCTION tasks_lightfield.task_retrieve(id text) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_lightfield_task_retrieve'
	LANGUAGE C STABLE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks_lightfield.task_retrieve(text) IS
	'Lightfield task.retrieve (GET /v1/tasks/{id}), as GET /rpc/task_retrieve?id=.... Needs tasks:read. 200 with the task record; PT404 {"error": {"type": "not_found", "message"}} for an id that is not a live task of the workspace; PT403 without the scope.';

-- Vambe: GET /api/public/tasks.
CREATE FUNCTION tasks_vambe.task_list(jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'tasks_vambe_task_list'
	LANGUAGE C STABLE STRICT PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tasks_vambe.task_list(jsonb) IS
	'Vambe GET /api/public/tasks with the query as a JSON body: {"responsibleIds": [uuid, ...] or "uuid,uuid" ([] or "" = everyone), "fromDate", "toDate" (YYYY-MM-DD), "includeTasksWithoutDates"? (default true)}. Returns an array of Task Objects, soonest due first, at most 1000 (X-Truncated: true when more match); errors PT400 {"statusCode", "message", "errors": [{field, message}]} / PT401.';

CREATE FUNCTION tasks_vambe.tasks("responsibleIds" text DEFAULT NULL, "fromDate" text DEFAULT NULL,
								  "toDate" text DEFAULT NULL, "includeTasksWithoutDates" text DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql STABLE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT tasks_vambe.task_list(jsonb_strip_nulls(jsonb_build_object(
		'responsibleIds', "responsibleIds", 'fromDate', "fromDate", 'toDate', "toDate",
		'includeTasksWithoutDates', "includeTasksWithoutDates")));
END;
COMMENT ON FUNCTION tasks_vambe.tasks(text, text, text, text) IS
	'Vambe GET /api/public/tasks as GET /rpc/tasks?responsibleIds=id1,id2&fromDate=2025-10-01&toDate=2025-10-31&includeTasksWithoutDates=false: the query parameters as text, exactly as tasks_vambe.task_list(jsonb) takes them.';
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
-- ---------------------------------------------------------------------------
-- 90_privileges: nothing is callable by PUBLIC; roles are granted explicitly.
-- Covers schema tasks and every dialect schema (tasks_<dialect>) this
-- script created.
-- ---------------------------------------------------------------------------
DO $privileges$
DECLARE
	s name;
BEGIN
	FOR s IN
		SELECT n.nspname FROM pg_catalog.pg_namespace n
		  JOIN pg_catalog.pg_depend d ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_namespace'::pg_catalog.regclass
			AND d.objid OPERATOR(pg_catalog.=) n.oid AND d.deptype OPERATOR(pg_catalog.=) 'e'
		  JOIN pg_catalog.pg_extension e ON e.oid OPERATOR(pg_catalog.=) d.refobjid
		 WHERE e.extname OPERATOR(pg_catalog.=) 'tasks'
		UNION ALL SELECT 'tasks'
	LOOP
		EXECUTE pg_catalog.format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA %I FROM PUBLIC', s);
		EXECUTE pg_catalog.format('REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM PUBLIC', s);
		EXECUTE pg_catalog.format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', s);
	END LOOP;
END
$privileges$;
