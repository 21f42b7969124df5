-- Leadlex dialect: tasks_leadlex.task_create(jsonb), seed 001.
-- On error: the SQLSTATE (PT<http status>) and the vendor body from DETAIL.
CREATE FUNCTION pg_temp.try(body text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE r jsonb; st text; det text;
BEGIN
	r := tasks_leadlex.task_create(body::jsonb);
	RETURN jsonb_set(jsonb_set(r, '{data,id}', '"<id>"'), '{data,created_date}',
					 CASE WHEN r #>> '{data,created_date}' LIKE '2024-%' THEN r #> '{data,created_date}' ELSE '"<now>"' END);
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, det = PG_EXCEPTION_DETAIL;
	RETURN jsonb_build_object('sqlstate', st, 'body', det::jsonb);
END $$;
-- the headline of an error: status and code
CREATE FUNCTION pg_temp.code(body text) RETURNS text LANGUAGE sql AS $$
	SELECT coalesce(r ->> 'sqlstate' || ' ' || (r #>> '{body,error,code}') || ': ' || (r #>> '{body,error,message}'), 'ok')
	  FROM pg_temp.try(body) r
$$;

SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8500-000000000001", "name": "Leadlex CRM"}') IS NOT NULL;
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8500-000000000002", "name": "Another CRM"}') IS NOT NULL;
SET tasks.workspace_id = '00000000-0000-7000-8500-000000000002';
SELECT tasks.record_create('{"id": "00000000-0000-7000-8500-000000000301", "kind": "contact", "name": "Hans Müller"}') IS NOT NULL;
SELECT tasks.member_create('{"id": "00000000-0000-7000-8500-000000000201", "name": "Other User"}') IS NOT NULL;
SET tasks.workspace_id = '00000000-0000-7000-8500-000000000001';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8500-000000000101", "name": "Writer", "scopes": ["activities:write"]}') IS NOT NULL;
SELECT tasks.member_create('{"id": "00000000-0000-7000-8500-000000000102", "name": "Reader", "scopes": ["activities:read"]}') IS NOT NULL;
SELECT tasks.record_create('{"id": "789e0123-e45b-67c8-a901-234567890abc", "kind": "contact", "name": "Hans Müller"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8500-000000000402", "kind": "contact", "name": "Anna Schmidt"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8500-000000000403", "kind": "contact", "name": "Anna Schmidt"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8500-000000000404", "kind": "company", "name": "Globex GmbH"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8500-000000000405", "kind": "deal", "name": "Globex renewal"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8500-000000000406", "kind": "event", "name": "Kick-off"}') IS NOT NULL;
SET tasks.actor_id = '00000000-0000-7000-8500-000000000101';

-- the page's example request
SELECT jsonb_pretty(pg_temp.try('{"title": "Follow up with Hans Müller", "due_date": "2026-03-10", "priority": "high", "contact_id": "789e0123-e45b-67c8-a901-234567890abc"}'));
-- defaults and enums
SELECT pg_temp.try('{"title": "t", "deal_id": "00000000-0000-7000-8500-000000000405"}') #>> '{data,status}' AS default_status;
SELECT pg_temp.try('{"title": "t", "deal_id": "00000000-0000-7000-8500-000000000405", "status": "in_progress"}') #>> '{data,status}' AS in_progress;
SELECT pg_temp.try('{"title": "t", "deal_id": "00000000-0000-7000-8500-000000000405", "status": "completed"}') #>> '{data,status}' AS completed;
SELECT pg_temp.code('{"title": "t", "deal_id": "00000000-0000-7000-8500-000000000405", "status": "done"}');
SELECT pg_temp.code('{"title": "t", "deal_id": "00000000-0000-7000-8500-000000000405", "priority": "urgent"}');
SELECT pg_temp.try('{"title": "t", "event_id": "00000000-0000-7000-8500-000000000406", "priority": "low"}') #> '{data}' AS event_parent;
-- the parent-link rule
SELECT pg_temp.try('{"title": "Orphan"}');
SELECT pg_temp.code('{"title": "Orphan", "assignee_id": "00000000-0000-7000-8500-000000000101"}');
SELECT pg_temp.try('{"title": "t", "company_id": "00000000-0000-7000-8500-000000000404"}') #>> '{data,title}' AS company_is_a_parent;
SELECT pg_temp.try('{"title": "t", "company_name": "Globex"}') #>> '{data,title}' AS resolved_company_name_is_a_parent;
-- title
SELECT pg_temp.code('{"deal_id": "00000000-0000-7000-8500-000000000405"}');
SELECT pg_temp.code('{"title": "", "deal_id": "00000000-0000-7000-8500-000000000405"}');
SELECT pg_temp.code('{"title": 7, "deal_id": "00000000-0000-7000-8500-000000000405"}');
SELECT jsonb_array_length(pg_temp.try('{"title": 7, "deal_id": "00000000-0000-7000-8500-000000000405"}') #> '{body,error,details}') AS reported_once;
-- contact names: fuzzy inside the workspace, ambiguous refused with candidates
SELECT pg_temp.try('{"title": "t", "contact_name": "hans mueller"}') #>> '{data,contact_id}' AS transliterated;
SELECT pg_temp.try('{"title": "t", "contact_name": "Müller, Hans"}') #>> '{data,contact_id}' AS last_first;
SELECT jsonb_pretty(pg_temp.try('{"title": "t", "contact_name": "Anna Schmidt"}'));
SELECT pg_temp.code('{"title": "t", "contact_name": "Zebediah Quux"}');
SELECT pg_temp.try('{"title": "t", "contact_id": "00000000-0000-7000-8500-000000000402", "contact_name": "Hans Müller"}') #>> '{data,contact_id}' AS id_wins_over_name;
SELECT pg_temp.code(format('{"title": "t", "contact_id": "00000000-0000-7000-8500-000000000402", "contact_name": "%s"}', repeat('x', 501)));
-- ids must belong to the workspace; another workspace's ids look like ids that do not exist
SELECT pg_temp.try('{"title": "t", "contact_id": "00000000-0000-7000-8500-000000000301"}');
SELECT pg_temp.try('{"title": "t", "contact_id": "00000000-0000-7000-8500-0000000003ff"}');
SELECT pg_temp.code('{"title": "t", "contact_id": "789e0123"}');
SELECT pg_temp.code('{"title": "t", "deal_id": "789e0123-e45b-67c8-a901-234567890abc"}');
SELECT pg_temp.code('{"title": "t", "deal_id": "00000000-0000-7000-8500-000000000405", "assignee_id": "00000000-0000-7000-8500-000000000201"}');
SELECT pg_temp.try('{"title": "t", "deal_id": "00000000-0000-7000-8500-000000000405", "assignee_id": "00000000-0000-7000-8500-000000000102"}') #>> '{data,assigned_to_user_id}' AS assignee;
-- due_date: a date stays a date; a date-time needs an offset
SELECT pg_temp.try('{"title": "t", "deal_id": "00000000-0000-7000-8500-000000000405", "due_date": "2026-03-10T09:30:00+01:00"}') #>> '{data,due_date}' AS instant;
SELECT pg_temp.code('{"title": "t", "deal_id": "00000000-0000-7000-8500-000000000405", "due_date": "2026-03-10T09:30:00"}');
SELECT pg_temp.code('{"title": "t", "deal_id": "00000000-0000-7000-8500-000000000405", "due_date": "10.03.2026"}');
SELECT pg_temp.code('{"title": "t", "deal_id": "00000000-0000-7000-8500-000000000405", "due_date": "2026-02-29"}');
-- created_date: honoured within the last 5 years and up to 24 h ahead, else now(); never null
SELECT pg_temp.try('{"title": "t", "deal_id": "00000000-0000-7000-8500-000000000405", "created_date": "2024-05-01T10:00:00Z"}') #>> '{data,created_date}' AS honoured;
SELECT pg_temp.try('{"title": "t", "deal_id": "00000000-0000-7000-8500-000000000405", "created_date": "2001-05-01T10:00:00Z"}') #>> '{data,created_date}' AS too_old_becomes_now;
SELECT pg_temp.try('{"title": "t", "deal_id": "00000000-0000-7000-8500-000000000405", "created_date": "2099-05-01T10:00:00Z"}') #>> '{data,created_date}' AS future_becomes_now;
SELECT tasks_leadlex.task_create(format('{"title": "t", "deal_id": "00000000-0000-7000-8500-000000000405", "created_date": "%s"}', to_char((now() + interval '23 hours') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))::jsonb) #>> '{data,created_date}' = to_char((now() + interval '23 hours') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS".000Z"') AS near_future_honoured;
SELECT pg_temp.code('{"title": "t", "deal_id": "00000000-0000-7000-8500-000000000405", "created_date": "yesterday"}');
SELECT pg_temp.try('{"title": "t", "deal_id": "00000000-0000-7000-8500-000000000405", "created_date": null}') #>> '{data,created_date}' AS null_becomes_now;
-- unknown fields and non-objects
SELECT pg_temp.code('{"title": "t", "deal_id": "00000000-0000-7000-8500-000000000405", "contactName": "Hans"}');
SELECT pg_temp.code('["title"]');
-- every problem is listed in details; the headline is the first validation error
SELECT jsonb_pretty(pg_temp.try('{"title": "", "status": "closed", "priority": "asap", "due_date": "soon"}'));
-- the activities:write permission
SET tasks.actor_id = '00000000-0000-7000-8500-000000000102';
SELECT pg_temp.try('{"title": "t", "deal_id": "00000000-0000-7000-8500-000000000405"}');
RESET tasks.actor_id;
SELECT pg_temp.code('{"title": "t", "deal_id": "00000000-0000-7000-8500-000000000405"}');
SELECT set_config('request.jwt.claims', '{"role": "api", "workspace_id": "00000000-0000-7000-8500-000000000001", "scope": "activities:read activities:write"}', false) IS NOT NULL;
SELECT pg_temp.code('{"title": "jwt scoped", "deal_id": "00000000-0000-7000-8500-000000000405"}');
SELECT set_config('request.jwt.claims', '{"role": "api", "workspace_id": "00000000-0000-7000-8500-000000000001", "scopes": ["activities:read"]}', false) IS NOT NULL;
SELECT pg_temp.code('{"title": "jwt scoped", "deal_id": "00000000-0000-7000-8500-000000000405"}');
SELECT set_config('request.jwt.claims', '', false) IS NOT NULL;
SET tasks.actor_id = '00000000-0000-7000-8500-000000000101';
-- nothing is stored when a call fails
SELECT count(*) AS before FROM tasks.tasks WHERE workspace_id = '00000000-0000-7000-8500-000000000001';
SELECT pg_temp.code('{"title": "t", "contact_name": "Anna Schmidt", "deal_id": "00000000-0000-7000-8500-000000000405", "assignee_id": "00000000-0000-7000-8500-000000000101"}');
SELECT count(*) AS after FROM tasks.tasks WHERE workspace_id = '00000000-0000-7000-8500-000000000001';
-- one model underneath: the native API reads the same task
SELECT tasks_leadlex.task_create('{"title": "Native view", "priority": "medium", "due_date": "2026-04-01", "contact_id": "789e0123-e45b-67c8-a901-234567890abc", "assignee_id": "00000000-0000-7000-8500-000000000101", "task_type": "call"}') #>> '{data,id}' AS leadlex_id \gset
SELECT jsonb_pretty((t - 'id' - 'workspace_id' - 'created_at' - 'updated_at' - 'status') || jsonb_build_object('status', t #>> '{status,category}')) AS native
  FROM tasks.task_get(:'leadlex_id') AS t;
-- the raw error a SQL client sees
\set VERBOSITY default
SELECT tasks_leadlex.task_create('{"title": "Orphan"}');
