-- Identity: which workspace and actor a call acts for, and who may use which workspace.
CREATE FUNCTION pg_temp.err(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; r text;
BEGIN
	EXECUTE sql INTO r;
	RETURN 'ok ' || coalesce(r, 'NULL');
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
	RETURN st || ' ' || msg;
END $$;

SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8000-000000000501", "name": "W1"}') IS NOT NULL;
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8000-000000000502", "name": "W2"}') IS NOT NULL;

-- nothing set: an error, never a default tenant
SELECT pg_temp.err('SELECT tasks.current_workspace_id()');
-- the setting
SET tasks.workspace_id = '00000000-0000-7000-8000-000000000501';
SELECT pg_temp.err('SELECT tasks.current_workspace_id()');
SELECT pg_temp.err('SELECT tasks.current_actor_id()');
SET tasks.actor_id = '00000000-0000-7000-8000-00000000a001';
SELECT pg_temp.err('SELECT tasks.current_actor_id()');
SET tasks.actor_id = 'bob';
SELECT pg_temp.err('SELECT tasks.current_actor_id()');
RESET tasks.actor_id;
SET tasks.workspace_id = '';
SELECT pg_temp.err('SELECT tasks.current_workspace_id()');
SET tasks.workspace_id = '00000000-0000-7000-8000-0000000005ff';
SELECT pg_temp.err('SELECT tasks.current_workspace_id()');
-- PostgREST's claims win over the setting
SET tasks.workspace_id = '00000000-0000-7000-8000-000000000501';
SELECT set_config('request.jwt.claims', '{"role": "web_user", "workspace_id": "00000000-0000-7000-8000-000000000502", "sub": "00000000-0000-7000-8000-00000000a002"}', false) IS NOT NULL;
SELECT pg_temp.err('SELECT tasks.current_workspace_id()');
SELECT pg_temp.err('SELECT tasks.current_actor_id()');
SELECT set_config('request.jwt.claims', '{"role": "web_user", "workspace_id": "00000000-0000-7000-8000-000000000502", "sub": "user@example.com", "member_id": "00000000-0000-7000-8000-00000000a003"}', false) IS NOT NULL;
SELECT pg_temp.err('SELECT tasks.current_actor_id()');
SELECT set_config('request.jwt.claims', '{"role": "web_user", "workspace_id": "00000000-0000-7000-8000-000000000502", "sub": "user@example.com"}', false) IS NOT NULL;
SELECT pg_temp.err('SELECT tasks.current_actor_id()');
SELECT set_config('request.jwt.claims', '{"role": "web_user", "workspace_id": 502}', false) IS NOT NULL;
SELECT pg_temp.err('SELECT tasks.current_workspace_id()');
SELECT set_config('request.jwt.claims', '{"role": "web_user", "workspace_id": "w2"}', false) IS NOT NULL;
SELECT pg_temp.err('SELECT tasks.current_workspace_id()');
SELECT set_config('request.jwt.claims', '{"role": "web_anon"}', false) IS NOT NULL;
SELECT pg_temp.err('SELECT tasks.current_workspace_id()');
SELECT set_config('request.jwt.claims', '', false) IS NOT NULL;
SELECT pg_temp.err('SELECT tasks.current_workspace_id()');

-- a role that is not a superuser acts only in workspaces it was granted
CREATE ROLE tasks_identity_user NOLOGIN;
GRANT USAGE ON SCHEMA tasks TO tasks_identity_user;
GRANT EXECUTE ON FUNCTION tasks.current_workspace_id() TO tasks_identity_user;
SET ROLE tasks_identity_user;
SELECT pg_temp.err('SELECT tasks.current_workspace_id()');
RESET ROLE;
SELECT tasks.workspace_grant('00000000-0000-7000-8000-000000000501', 'tasks_identity_user');
SET ROLE tasks_identity_user;
SELECT pg_temp.err('SELECT tasks.current_workspace_id()');
SET tasks.workspace_id = '00000000-0000-7000-8000-000000000502';
SELECT pg_temp.err('SELECT tasks.current_workspace_id()');
-- the grant table itself stays out of reach
SELECT pg_temp.err('SELECT count(*) FROM tasks.workspace_grants');
RESET ROLE;
-- membership counts: a role granted through another role
CREATE ROLE tasks_identity_api NOLOGIN;
GRANT tasks_identity_api TO tasks_identity_user;
SELECT tasks.workspace_grant(NULL, 'tasks_identity_api');
SET ROLE tasks_identity_user;
SELECT pg_temp.err('SELECT tasks.current_workspace_id()');
RESET ROLE;
SELECT tasks.workspace_revoke(NULL, 'tasks_identity_api');
SET ROLE tasks_identity_user;
SELECT pg_temp.err('SELECT tasks.current_workspace_id()');
RESET ROLE;

DELETE FROM tasks.workspace_grants WHERE role_name IN ('tasks_identity_user', 'tasks_identity_api');
REVOKE ALL ON SCHEMA tasks FROM tasks_identity_user;
REVOKE ALL ON FUNCTION tasks.current_workspace_id() FROM tasks_identity_user;
DROP ROLE tasks_identity_api;
DROP ROLE tasks_identity_user;
