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
							 'task_dependencies', 'notes', 'api_keys', 'idempotency_keys',
							 'name_words', 'name_postings']
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
