-- The response of tasks.task_create is built from the checked draft, without
-- reading the task back (src/store.c, task_store_response).  It must be
-- exactly tasks.task_json of the stored task (plus "resolutions" when names
-- were resolved): every case below compares the two, field by field.

SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8190-000000000001", "name": "Response", "statuses": [
  {"name": "Open", "category": "todo", "color": "#60a5fa", "initial": true},
  {"name": "Plain", "category": "in_progress"},
  {"name": "Finished", "category": "done", "color": "#22c55e"}]}') IS NOT NULL AS ws;
SET tasks.workspace_id = '00000000-0000-7000-8190-000000000001';
SET tasks.actor_id = '00000000-0000-7000-8190-000000000101';
-- members and records whose names sort differently by case, accents and kind
SELECT count(*) FROM (
  SELECT tasks.member_create('{"id": "00000000-0000-7000-8190-000000000101", "name": "Zoë Actor"}')
  UNION ALL SELECT tasks.member_create('{"id": "00000000-0000-7000-8190-000000000102", "name": "adam"}')
  UNION ALL SELECT tasks.member_create('{"id": "00000000-0000-7000-8190-000000000103", "name": "Adam"}')
  UNION ALL SELECT tasks.member_create('{"id": "00000000-0000-7000-8190-000000000104", "name": "Adam"}')
  UNION ALL SELECT tasks.agent_create('{"id": "00000000-0000-7000-8190-000000000105", "name": "bot \"quoted\" \\ agent"}')
  UNION ALL SELECT tasks.agent_create('{"id": "00000000-0000-7000-8190-000000000106", "name": "Émile-bot"}')
  UNION ALL SELECT tasks.record_create('{"id": "00000000-0000-7000-8190-000000000301", "kind": "contact", "name": "Hans Müller"}')
  UNION ALL SELECT tasks.record_create('{"id": "00000000-0000-7000-8190-000000000302", "kind": "contact", "name": "anna Schmidt"}')
  UNION ALL SELECT tasks.record_create('{"id": "00000000-0000-7000-8190-000000000303", "kind": "company", "name": "Acme"}')
  UNION ALL SELECT tasks.record_create('{"id": "00000000-0000-7000-8190-000000000304", "kind": "deal", "name": "Acme"}')
  UNION ALL SELECT tasks.record_create('{"id": "00000000-0000-7000-8190-000000000305", "kind": "company", "name": "Ωmega Ltd"}')
) x;

CREATE TEMP TABLE made (n int, response jsonb);
GRANT ALL ON made TO PUBLIC;
-- Creates the task of payload p and records the response.
CREATE FUNCTION pg_temp.mk(n int, p jsonb) RETURNS void LANGUAGE sql AS $$
	INSERT INTO made SELECT n, tasks.task_create(p) $$;

SELECT pg_temp.mk(1, '{"title": "Minimal"}');
SELECT pg_temp.mk(2, '{"title": "Everything \"quoted\"\n\ttabs \\ and ünïcode ☃", "description": "d\u0001e",
  "status": "Plain", "priority": "high", "type": "call", "tags": ["b", "a", "Ä", "a b"],
  "due_at": "2025-10-25T17:30:00", "timezone": "Europe/Berlin", "deadline": "2025-10-26T00:00:00.123456Z",
  "scheduled_start": "2025-10-24T08:00:00+02:00", "scheduled_end": "2025-10-24T09:00:00-03:30",
  "sort_order": 1.5, "metadata": {"z": 1, "a": [1, 2.50, {"x": null}], "s": "t", "n": 1e3},
  "external_id": "ext-1", "created_at": "2024-02-29T23:59:59.999Z",
  "assignee_ids": ["00000000-0000-7000-8190-000000000106", "00000000-0000-7000-8190-000000000104",
                   "00000000-0000-7000-8190-000000000102", "00000000-0000-7000-8190-000000000105",
                   "00000000-0000-7000-8190-000000000103", "00000000-0000-7000-8190-000000000101"],
  "contact_id": "00000000-0000-7000-8190-000000000301", "company_id": "00000000-0000-7000-8190-000000000305",
  "links": [{"kind": "contact", "id": "00000000-0000-7000-8190-000000000302", "relation": "billing"},
            {"kind": "deal", "id": "00000000-0000-7000-8190-000000000304"},
            {"kind": "company", "id": "00000000-0000-7000-8190-000000000303", "relation": "billing"},
            {"kind": "contact", "id": "00000000-0000-7000-8190-000000000302", "relation": "billing"}]}');
SELECT pg_temp.mk(3, '{"title": "All day, done", "status": "done", "due_date": "2025-12-31", "sort_order": -0.000001,
  "created_by": "00000000-0000-7000-8190-000000000102", "tags": []}');
SELECT pg_temp.mk(4, ('{"title": "Done when told", "status_id": "' || (SELECT id FROM tasks.statuses
  WHERE workspace_id = '00000000-0000-7000-8190-000000000001' AND name = 'Finished') || '",
  "completed_at": "2025-01-01T00:00:00Z", "due_date": "0001-01-01", "sort_order": 12345678901234567890}')::jsonb);
SELECT pg_temp.mk(5, '{"title": "Big numbers", "sort_order": 1e300, "due_date": "9999-12-31", "metadata": {}}');
SELECT pg_temp.mk(6, jsonb_build_object('title', 'Depends', 'dependency_ids',
  (SELECT jsonb_agg(r -> 'id' ORDER BY n DESC) FROM made, LATERAL (SELECT response) x(r) WHERE n <= 3)));
-- names resolved: the response carries "resolutions" too
SELECT pg_temp.mk(7, '{"title": "By name", "contact_name": "Hans Mueller", "company_name": "acme"}');
-- notes: read back from the database (their ids are made there)
SELECT pg_temp.mk(8, '{"title": "With notes", "notes": ["first", "second"], "contact_id": "00000000-0000-7000-8190-000000000302"}');

-- the same through the API role, under row level security
SET client_min_messages = warning;
SELECT tasks.api_setup(NULL);
RESET client_min_messages;
SET ROLE tasks_api;
SELECT pg_temp.mk(9, '{"title": "As the API", "assignee_ids": ["00000000-0000-7000-8190-000000000103"],
  "deal_id": "00000000-0000-7000-8190-000000000304", "due_at": "2025-03-30T02:30:00Z"}');
SELECT n, (m.response - 'resolutions') = tasks.task_json('00000000-0000-7000-8190-000000000001', (m.response ->> 'id')::uuid) AS same,
       m.response ? 'resolutions' AS resolutions
  FROM made m ORDER BY n;
RESET ROLE;

-- what the cases covered
SELECT n, jsonb_array_length(response -> 'assignees') AS assignees, jsonb_array_length(response -> 'links') AS links,
       jsonb_array_length(response -> 'dependency_ids') AS deps, jsonb_array_length(response -> 'notes') AS notes,
       response -> 'status' ->> 'name' AS status, left(response ->> 'sort_order', 12) AS sort_order, response ->> 'due_date' AS due_date,
       response -> 'completed_at' IS NOT NULL AND response ->> 'completed_at' IS NOT NULL AS completed
  FROM made ORDER BY n;
-- (the order of assignees and links follows the database's collation, so it
-- is checked by the comparison above, not printed)
SELECT jsonb_pretty(response -> 'resolutions') IS NOT NULL AS has_resolutions FROM made WHERE n = 7;
