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
