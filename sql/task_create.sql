-- Native tasks.task_create(jsonb): one rule per line.
CREATE FUNCTION pg_temp.try(payload text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE r jsonb; st text; det text; msg text;
BEGIN
	r := tasks.task_create(payload::jsonb);
	-- drop what changes from run to run
	RETURN ((r - 'id' - 'workspace_id' - 'created_at' - 'updated_at' - 'notes') #- '{status,id}')
		|| jsonb_build_object('notes', (SELECT coalesce(jsonb_agg(n ->> 'body'), '[]') FROM jsonb_array_elements(r -> 'notes') n));
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, det = PG_EXCEPTION_DETAIL, msg = MESSAGE_TEXT;
	RETURN jsonb_build_object('sqlstate', st, 'message', msg, 'errors', CASE WHEN det LIKE '[%' THEN det::jsonb ELSE '[]'::jsonb END);
END $$;
-- only the problem codes and paths, compactly
CREATE FUNCTION pg_temp.codes(payload text) RETURNS text LANGUAGE sql AS $$
	SELECT coalesce(r ->> 'sqlstate', 'ok') || ' ' || coalesce((SELECT string_agg((e ->> 'path') || ':' || (e ->> 'code'), ' ')
														   FROM jsonb_array_elements(r -> 'errors') e), '')
	  FROM pg_temp.try(payload) r
$$;

SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8000-000000000101", "name": "Clinic"}') IS NOT NULL AS ws1;
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8000-000000000102", "name": "Other tenant"}') IS NOT NULL AS ws2;
SET tasks.workspace_id = '00000000-0000-7000-8000-000000000102';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8000-000000000209", "name": "Foreign member"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8000-000000000309", "kind": "contact", "name": "Greta Foreign"}') IS NOT NULL;
SET tasks.workspace_id = '00000000-0000-7000-8000-000000000101';
SET tasks.actor_id = '00000000-0000-7000-8000-000000000201';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8000-000000000201", "name": "Ana Rojas"}') IS NOT NULL;
SELECT tasks.member_create('{"id": "00000000-0000-7000-8000-000000000202", "name": "Ben Okafor"}') IS NOT NULL;
SELECT tasks.member_create('{"id": "00000000-0000-7000-8000-000000000203", "name": "Gone Member", "active": false}') IS NOT NULL;
SELECT tasks.agent_create('{"id": "00000000-0000-7000-8000-000000000204", "name": "triage-bot"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8000-000000000301", "kind": "contact", "name": "Hans Müller"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8000-000000000302", "kind": "contact", "name": "Anna Schmidt"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8000-000000000303", "kind": "contact", "name": "Anna Schmidt"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8000-000000000304", "kind": "patient", "name": "Lucía Fernández"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8000-000000000305", "kind": "company", "name": "Globex GmbH"}') IS NOT NULL;

-- a full payload
SELECT jsonb_pretty(pg_temp.try($${"title": "Call back about lab results", "description": "**Urgent**: results are in.",
  "status": "In progress", "priority": "high", "type": "call", "tags": ["lab", "callback", "lab"],
  "due_at": "2026-03-10T09:00", "timezone": "Europe/Berlin",
  "scheduled_start": "2026-03-09T08:00:00Z", "scheduled_end": "2026-03-09T09:30:00+01:00",
  "sort_order": 2.5, "metadata": {"source": "fax", "pages": 3}, "external_id": "ext-1",
  "assignee_ids": ["00000000-0000-7000-8000-000000000202", "00000000-0000-7000-8000-000000000204"],
  "contact_name": "hans mueller", "patient_id": "00000000-0000-7000-8000-000000000304",
  "links": [{"kind": "company", "name": "Globex", "relation": "billing_company"}],
  "notes": ["Patient prefers mornings"]}$$));

-- minimal payload: initial status, creator is the actor, nothing else
SELECT pg_temp.try('{"title": "Minimal"}') - 'tags' - 'metadata' - 'links' - 'assignees' - 'dependency_ids' - 'notes';

-- the payload must be an object
SELECT pg_temp.codes('[]');
SELECT pg_temp.codes('"title"');
SELECT pg_temp.codes('null');
-- title
SELECT pg_temp.codes('{}');
SELECT pg_temp.codes('{"title": ""}');
SELECT pg_temp.codes('{"title": null}');
SELECT pg_temp.codes('{"title": 42}');
SELECT pg_temp.codes(format('{"title": "%s"}', repeat('x', 501)));
SELECT pg_temp.codes(format('{"title": "%s"}', repeat('ü', 500)));
SELECT pg_temp.codes(format('{"title": "%s"}', repeat('ü', 501)));
SELECT pg_temp.codes(format('{"title": "%s"}', repeat('€', 500)));
SELECT pg_temp.codes(format('{"title": "%s"}', repeat('😀', 500)));
SELECT pg_temp.codes(format('{"title": "%s"}', repeat('😀', 501)));
-- unknown fields, with their path
SELECT pg_temp.codes('{"title": "t", "colour": "red"}');
SELECT pg_temp.codes('{"title": "t", "planet_id": "00000000-0000-7000-8000-000000000301"}');
SELECT pg_temp.codes('{"title": "t", "a/b~c": 1}');
SELECT pg_temp.codes('{"title": "t", "links": [{"kind": "contact", "id": "00000000-0000-7000-8000-000000000301", "extra": 1}]}');
-- status and priority
SELECT pg_temp.codes('{"title": "t", "priority": "asap"}');
SELECT pg_temp.codes('{"title": "t", "priority": "HIGH"}');
SELECT pg_temp.codes('{"title": "t", "status": "Nonexistent"}');
SELECT pg_temp.try('{"title": "t", "status": "done"}') -> 'status' ->> 'name' AS by_category;
SELECT pg_temp.try('{"title": "t", "status": "DONE"}') ->> 'completed_at' IS NOT NULL AS done_sets_completed_at;
SELECT pg_temp.try('{"title": "t", "status": "blocked"}') -> 'status' ->> 'category' AS blocked;
SELECT pg_temp.codes('{"title": "t", "status": "done", "status_id": "00000000-0000-7000-8000-000000000301"}');
SELECT pg_temp.codes('{"title": "t", "status_id": "00000000-0000-7000-8000-000000000301"}');
-- dates: all-day dates and instants are different things
SELECT pg_temp.try('{"title": "t", "due_date": "2026-03-10"}') -> 'due_date' AS all_day_date;
SET TimeZone = 'Pacific/Kiritimati';
SELECT pg_temp.try('{"title": "t", "due_date": "2026-03-10"}') -> 'due_date' AS same_date_far_east;
SET TimeZone = 'Pacific/Pago_Pago';
SELECT pg_temp.try('{"title": "t", "due_date": "2026-03-10"}') -> 'due_date' AS same_date_far_west;
RESET TimeZone;
SELECT to_char(due_date, 'YYYY-MM-DD') AS due_date, due_at FROM tasks.tasks WHERE workspace_id = '00000000-0000-7000-8000-000000000101' AND due_date IS NOT NULL ORDER BY id;
SELECT pg_temp.codes('{"title": "t", "due_date": "2026-02-30"}');
SELECT pg_temp.codes('{"title": "t", "due_date": "2026-03-10T09:00:00Z"}');
SELECT pg_temp.codes('{"title": "t", "due_date": "10/03/2026"}');
SELECT pg_temp.codes('{"title": "t", "due_date": 20260310}');
SELECT pg_temp.codes('{"title": "t", "due_at": "2026-03-10"}');
SELECT pg_temp.codes('{"title": "t", "due_at": "2026-03-10T09:00"}');
SELECT pg_temp.codes('{"title": "t", "due_at": "2026-03-10T25:00:00Z"}');
SELECT pg_temp.codes('{"title": "t", "due_at": "tomorrow"}');
SELECT pg_temp.codes('{"title": "t", "due_date": "2026-03-10", "due_at": "2026-03-10T09:00:00Z"}');
SELECT pg_temp.try('{"title": "t", "due_at": "2026-03-10T09:00:00+01:00"}') ->> 'due_at' AS offset_instant;
SELECT pg_temp.try('{"title": "t", "due_at": "2026-07-10T09:00", "timezone": "Europe/Berlin"}') ->> 'due_at' AS berlin_summer;
SELECT pg_temp.try('{"title": "t", "due_at": "2026-01-10T09:00", "timezone": "Europe/Berlin"}') ->> 'due_at' AS berlin_winter;
SELECT pg_temp.try('{"title": "t", "due_at": "2026-10-25T02:30", "timezone": "Europe/Berlin"}') ->> 'due_at' AS overlap_takes_first;
SELECT pg_temp.codes('{"title": "t", "due_at": "2026-03-29T02:30", "timezone": "Europe/Berlin"}');
SELECT pg_temp.try('{"title": "t", "due_at": "2026-03-10T09:00", "timezone": "america/santiago"}') ->> 'timezone' AS canonical_zone;
SELECT pg_temp.codes('{"title": "t", "due_at": "2026-03-10T09:00", "timezone": "Mars/Olympus"}');
SELECT pg_temp.codes('{"title": "t", "due_date": "2026-03-10", "timezone": "EST5"}');
SELECT pg_temp.codes('{"title": "t", "timezone": 5}');
SELECT pg_temp.codes('{"title": "t", "scheduled_start": "2026-03-10T10:00:00Z", "scheduled_end": "2026-03-10T09:00:00Z"}');
SELECT pg_temp.codes('{"title": "t", "created_at": "2099-01-01T00:00:00Z"}');
SELECT pg_temp.try('{"title": "t", "created_at": "2024-01-02T03:04:05Z"}') IS NOT NULL AS past_created_at_ok;
-- numbers, metadata, tags
SELECT pg_temp.codes('{"title": "t", "sort_order": "1"}');
SELECT pg_temp.codes('{"title": "t", "sort_order": 1e400}');
SELECT pg_temp.codes('{"title": "t", "metadata": [1]}');
SELECT pg_temp.codes('{"title": "t", "tags": "a"}');
SELECT pg_temp.codes('{"title": "t", "tags": ["ok", "", 3]}');
SELECT pg_temp.codes(format('{"title": "t", "tags": %s}', (SELECT jsonb_agg(i::text) FROM generate_series(1, 101) i)));
-- assignees: members or agents of this workspace only
SELECT pg_temp.codes('{"title": "t", "assignee_ids": "00000000-0000-7000-8000-000000000201"}');
SELECT pg_temp.codes('{"title": "t", "assignee_ids": ["not-a-uuid"]}');
SELECT pg_temp.codes('{"title": "t", "assignee_ids": ["00000000-0000-7000-8000-0000000002ff"]}');
SELECT pg_temp.codes('{"title": "t", "assignee_ids": ["00000000-0000-7000-8000-000000000209"]}');
SELECT pg_temp.codes('{"title": "t", "assignee_ids": ["00000000-0000-7000-8000-000000000203"]}');
SELECT jsonb_array_length(pg_temp.try('{"title": "t", "assignee_ids": ["00000000-0000-7000-8000-000000000201", "00000000-0000-7000-8000-000000000201"]}') -> 'assignees') AS deduplicated;
-- links by id: must exist, with that kind, in this workspace
SELECT pg_temp.codes('{"title": "t", "contact_id": "00000000-0000-7000-8000-0000000003ff"}');
SELECT pg_temp.codes('{"title": "t", "contact_id": "00000000-0000-7000-8000-000000000309"}');
SELECT pg_temp.codes('{"title": "t", "contact_id": "00000000-0000-7000-8000-000000000304"}');
SELECT pg_temp.codes('{"title": "t", "contact_id": "nope"}');
SELECT pg_temp.codes('{"title": "t", "links": [{"kind": "planet", "id": "00000000-0000-7000-8000-000000000301"}]}');
SELECT pg_temp.codes('{"title": "t", "links": [{"kind": "contact"}]}');
SELECT pg_temp.codes('{"title": "t", "links": ["00000000-0000-7000-8000-000000000301"]}');
SELECT pg_temp.codes('{"title": "t", "links": [{"kind": "contact", "id": "00000000-0000-7000-8000-000000000301", "relation": "Bad Relation"}]}');
-- links by name
SELECT pg_temp.try('{"title": "t", "contact_name": "Müller, Hans"}') -> 'links' AS last_first;
SELECT pg_temp.try('{"title": "t", "contact_name": "Hans Mülller"}') -> 'resolutions' -> 0 -> 'resolution' ->> 'method' AS typo_method;
SELECT pg_temp.try('{"title": "t", "contact_name": "Anna Schmidt"}');
SELECT pg_temp.try('{"title": "t", "contact_name": "Zebediah Quux"}');
SELECT pg_temp.codes('{"title": "t", "contact_name": "Greta Foreign"}');
SELECT pg_temp.codes('{"title": "t", "contact_name": "..."}');
SELECT pg_temp.try('{"title": "t", "contact_id": "00000000-0000-7000-8000-000000000302", "contact_name": "Hans Müller"}') -> 'links' -> 0 ->> 'id' AS id_wins_over_name;
-- dependencies
SELECT pg_temp.codes('{"title": "t", "dependency_ids": ["00000000-0000-7000-8000-0000000004ff"]}');
SELECT pg_temp.try(format('{"title": "depends", "dependency_ids": ["%s"]}', (SELECT id FROM tasks.tasks WHERE title = 'Minimal' AND workspace_id = '00000000-0000-7000-8000-000000000101'))) -> 'dependency_ids' IS NOT NULL AS dependency_ok;
-- external ids are unique per workspace
SELECT pg_temp.codes('{"title": "t", "external_id": "ext-1"}');
-- the creator defaults to the actor, who must be a member
SELECT pg_temp.try('{"title": "t"}') ->> 'created_by' AS creator;
SET tasks.actor_id = '00000000-0000-7000-8000-000000000209';
SELECT pg_temp.codes('{"title": "t"}');
RESET tasks.actor_id;
SELECT pg_temp.try('{"title": "t"}') ->> 'created_by' AS no_creator;
-- every problem at once
SELECT jsonb_pretty(pg_temp.try('{"title": "", "priority": "asap", "due_date": "2026-02-30", "timezone": "Mars/Olympus", "colour": "red", "contact_name": "Anna Schmidt", "assignee_ids": ["00000000-0000-7000-8000-0000000002ff"]}'));
-- nothing is stored when a call fails
SELECT count(*) AS before FROM tasks.tasks WHERE workspace_id = '00000000-0000-7000-8000-000000000101';
SELECT pg_temp.codes('{"title": "ok title", "assignee_ids": ["00000000-0000-7000-8000-000000000201"], "contact_id": "00000000-0000-7000-8000-000000000301", "notes": ["n"], "priority": "nope"}');
SELECT count(*) AS after FROM tasks.tasks WHERE workspace_id = '00000000-0000-7000-8000-000000000101';
SELECT count(*) AS orphans FROM tasks.task_assignees a WHERE NOT EXISTS (SELECT 1 FROM tasks.tasks t WHERE t.id = a.task_id);
-- a workspace can be deleted with everything in it
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8000-000000000103", "name": "Short-lived"}') IS NOT NULL AS created;
SET tasks.workspace_id = '00000000-0000-7000-8000-000000000103';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8000-000000000221", "name": "Temp"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8000-000000000321", "kind": "contact", "name": "Temp Contact"}') IS NOT NULL;
SET tasks.actor_id = '00000000-0000-7000-8000-000000000221';
SELECT (pg_temp.try('{"title": "t", "assignee_ids": ["00000000-0000-7000-8000-000000000221"], "contact_id": "00000000-0000-7000-8000-000000000321", "notes": ["n"]}') ->> 'title') AS stored;
DELETE FROM tasks.workspaces WHERE id = '00000000-0000-7000-8000-000000000103';
SELECT count(*) AS left_behind FROM tasks.tasks WHERE workspace_id = '00000000-0000-7000-8000-000000000103';
SET tasks.workspace_id = '00000000-0000-7000-8000-000000000101';
RESET tasks.actor_id;
-- the raw error as a client sees it
\set VERBOSITY default
SELECT tasks.task_create('{"title": "", "priority": "asap"}');
-- no workspace, no tenant
RESET tasks.workspace_id;
SELECT tasks.task_create('{"title": "nowhere"}');
