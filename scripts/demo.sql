-- A tour of the tasks API, run by scripts/demo.sh against a throwaway cluster:
--   psql -X -f scripts/demo.sql
-- Setup steps stop the script on error; the steps that are meant to fail run
-- through pg_temp.attempt(), which catches the error and shows its SQLSTATE,
-- message, detail (pretty-printed when it is JSON) and hint.

\set ON_ERROR_STOP on
\set QUIET on
\pset pager off
\pset tuples_only on
\pset format unaligned
SET client_min_messages = warning;

CREATE EXTENSION IF NOT EXISTS tasks CASCADE;

-- Runs one SQL call returning jsonb; returns the result, or the error it raised.
CREATE FUNCTION pg_temp.attempt(call text) RETURNS text
LANGUAGE plpgsql AS $fn$
DECLARE
	result jsonb;
	v_state text;
	v_message text;
	v_detail text;
	v_hint text;
BEGIN
	EXECUTE call INTO result;
	RETURN E'(no error)\n' || jsonb_pretty(result);
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT,
		v_detail = PG_EXCEPTION_DETAIL, v_hint = PG_EXCEPTION_HINT;
	BEGIN
		v_detail := jsonb_pretty(v_detail::jsonb);
	EXCEPTION WHEN OTHERS THEN
		NULL;	-- not JSON: show it as it is
	END;
	RETURN format('SQLSTATE: %s', v_state)
		|| E'\nMESSAGE:  ' || v_message
		|| coalesce(E'\nDETAIL:\n' || nullif(v_detail, ''), '')
		|| coalesce(E'\nHINT:     ' || nullif(v_hint, ''), '');
END
$fn$;

\echo
\echo '== tasks extension'
SELECT format('tasks %s on PostgreSQL %s', e.extversion, current_setting('server_version'))
  FROM pg_extension e
 WHERE e.extname = 'tasks';

\echo
\echo '== 1. A workspace (it comes with default statuses)'
\echo '   SELECT tasks.workspace_create(''{"name": "Acme Health"}'');'
SELECT tasks.workspace_create('{"name": "Acme Health"}') AS ws_json \gset
SELECT (:'ws_json'::jsonb) ->> 'id' AS ws \gset
SELECT format('id %s, name %s', w ->> 'id', w ->> 'name') || E'\nstatuses: '
	|| (SELECT string_agg((s ->> 'name') || CASE WHEN (s ->> 'initial')::boolean THEN ' (initial)' ELSE '' END,
						  ', ' ORDER BY (s ->> 'position')::int)
		  FROM jsonb_array_elements(w -> 'statuses') AS s)
  FROM (SELECT :'ws_json'::jsonb AS w) AS x;

\echo
\echo '== 2. Identity: this session acts in that workspace'
\echo '   SET tasks.workspace_id = ...;  (and tasks.actor_id below)'
SELECT set_config('tasks.workspace_id', :'ws', false) AS ignored \gset

\echo
\echo '== 3. Members: a person and an AI agent'
SELECT (tasks.member_create('{"name": "Ana Rojas", "email": "ana@acme.test"}')) ->> 'id' AS ana \gset
SELECT (tasks.agent_create('{"name": "triage-bot"}')) ->> 'id' AS bot \gset
SELECT set_config('tasks.actor_id', :'ana', false) AS ignored \gset
SELECT format('%-6s %-12s %s', m.kind, m.name, m.id)
  FROM tasks.members m
 WHERE m.workspace_id = :'ws'::uuid
 ORDER BY m.kind DESC, m.name;
\echo 'actor: Ana Rojas'

\echo
\echo '== 4. Contacts (two of them are both called Anna Schmidt)'
SELECT format('%-8s %-13s %s', r ->> 'kind', r ->> 'name', coalesce(r ->> 'external_id', ''))
  FROM (VALUES
		(tasks.record_create('{"kind": "contact", "name": "Hans Müller"}')),
		(tasks.record_create('{"kind": "contact", "name": "Anna Schmidt", "external_id": "crm-101"}')),
		(tasks.record_create('{"kind": "contact", "name": "Anna Schmidt", "external_id": "crm-102"}')),
		(tasks.record_create('{"kind": "company", "name": "Müller & Söhne GmbH"}'))
	   ) AS v(r);

\echo
\echo '== 5. A task linked by a fuzzy contact name: "hans mueller" finds "Hans Müller"'
\echo '   tasks.task_create(''{"title": "Call back about lab results", "contact_name": "hans mueller",'
\echo '                       "assignee_ids": [ana, triage-bot], "due_at": "2026-03-10T09:00",'
\echo '                       "timezone": "Europe/Berlin", "priority": "high"}'')'
SELECT jsonb_pretty(tasks.task_create(
	'{"title": "Call back about lab results",
	  "contact_name": "hans mueller",
	  "due_at": "2026-03-10T09:00",
	  "timezone": "Europe/Berlin",
	  "priority": "high"}'::jsonb
	|| jsonb_build_object('assignee_ids', jsonb_build_array(:'ana', :'bot'))));

\echo
\echo '== 6. An ambiguous name: "Anna Schmidt" matches two contacts, so nothing is guessed'
\echo '   tasks.task_create(''{"title": "Send referral letter", "contact_name": "Anna Schmidt"}'')'
SELECT pg_temp.attempt($$
	SELECT tasks.task_create('{"title": "Send referral letter", "contact_name": "Anna Schmidt"}')
$$);

\echo
\echo '== 7. An invalid payload: every problem is reported at once'
\echo '   tasks.task_create(''{"title": "", "priority": "asap", "due_date": "2026-02-30",'
\echo '                       "timezone": "Mars/Olympus", "colour": "red"}'')'
SELECT pg_temp.attempt($$
	SELECT tasks.task_create('{"title": "", "priority": "asap", "due_date": "2026-02-30",
							   "timezone": "Mars/Olympus", "colour": "red"}')
$$);

\echo
\echo '== 8. What is stored now'
SELECT format('%s | %s | due %s | %s', t.title, coalesce(t.priority, '-'),
			  coalesce(to_char(t.due_at AT TIME ZONE coalesce(t.due_timezone, 'UTC'), 'YYYY-MM-DD HH24:MI')
					   || ' ' || coalesce(t.due_timezone, 'UTC'), t.due_date::text, '-'),
			  coalesce((SELECT string_agg(l.kind || ': ' || r.name, ', ')
						  FROM tasks.task_links l
						  JOIN tasks.records r ON r.workspace_id = l.workspace_id AND r.id = l.record_id
						 WHERE l.workspace_id = t.workspace_id AND l.task_id = t.id), 'no links'))
  FROM tasks.tasks t
 WHERE t.workspace_id = :'ws'::uuid
 ORDER BY t.created_at;
\echo
