-- Reading many tasks: tasks.task_list (filters, sorts, keyset pagination,
-- cursor checks), tasks_v1.task_list over PostgREST, and the dialect reads
-- (Lightfield task.list / task.retrieve, Vambe GET /api/public/tasks).
-- Output is titles and problem codes only: no generated ids or timestamps.

-- One page as "title, title, ... [| more]", or the SQLSTATE and "path code" of each problem.
CREATE FUNCTION pg_temp.t(filter jsonb) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r jsonb; st text; det text;
BEGIN
	r := tasks.task_list(filter);
	RETURN coalesce((SELECT string_agg(e ->> 'title', ', ' ORDER BY o) FROM jsonb_array_elements(r -> 'data') WITH ORDINALITY x(e, o)), '(none)')
		|| CASE WHEN r ->> 'next_cursor' IS NOT NULL THEN ' | more' ELSE '' END;
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, det = PG_EXCEPTION_DETAIL;
	RETURN st || ' ' || coalesce((SELECT string_agg((e ->> 'path') || ' ' || (e ->> 'code'), '; ') FROM jsonb_array_elements(det::jsonb) e), det);
END $$;
-- The same error with its messages.
CREATE FUNCTION pg_temp.msg(filter jsonb) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; det text;
BEGIN
	PERFORM tasks.task_list(filter);
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, det = PG_EXCEPTION_DETAIL;
	RETURN st || ' ' || (SELECT string_agg((e ->> 'path') || ': ' || (e ->> 'message'), '; ') FROM jsonb_array_elements(det::jsonb) e);
END $$;
-- Every page of a filter at a page size, joined: "titles" and the number of pages.
CREATE FUNCTION pg_temp.walk(filter jsonb, page_size int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r jsonb; c text; all_titles text[] := '{}'; pages int := 0;
BEGIN
	LOOP
		r := tasks.task_list(filter || jsonb_build_object('limit', page_size) || CASE WHEN c IS NULL THEN '{}' ELSE jsonb_build_object('cursor', c) END);
		pages := pages + 1;
		all_titles := all_titles || ARRAY(SELECT e ->> 'title' FROM jsonb_array_elements(r -> 'data') e);
		c := r ->> 'next_cursor';
		EXIT WHEN c IS NULL OR pages > 100;
	END LOOP;
	RETURN array_to_string(all_titles, ', ') || format(' (%s pages)', pages);
END $$;
-- The titles of one page, without the "| more".
CREATE FUNCTION pg_temp.whole(filter jsonb) RETURNS text LANGUAGE sql AS $$
	SELECT string_agg(e ->> 'title', ', ' ORDER BY o) FROM jsonb_array_elements(tasks.task_list(filter || '{"limit": 200}') -> 'data') WITH ORDINALITY x(e, o)
$$;

-- Workspace A: three members, three records, fourteen tasks created a minute apart.
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8110-000000000001", "name": "List A"}') IS NOT NULL;
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8110-000000000002", "name": "List B"}') IS NOT NULL;
SET tasks.workspace_id = '00000000-0000-7000-8110-000000000002';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8110-000000000201", "name": "Zed", "scopes": ["tasks:read"]}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8110-000000000311", "kind": "contact", "name": "Foreign contact"}') IS NOT NULL;
SELECT tasks.task_create('{"title": "B1 foreign", "assignee_ids": ["00000000-0000-7000-8110-000000000201"], "contact_id": "00000000-0000-7000-8110-000000000311", "created_at": "2026-01-01T00:00:00Z"}') IS NOT NULL;
SELECT tasks.task_create('{"title": "B2 foreign", "created_at": "2026-01-01T00:01:00Z"}') IS NOT NULL;
SET tasks.workspace_id = '00000000-0000-7000-8110-000000000001';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8110-000000000101", "name": "Ann", "scopes": ["tasks:read"]}') IS NOT NULL;
SELECT tasks.member_create('{"id": "00000000-0000-7000-8110-000000000102", "name": "Bob"}') IS NOT NULL;
SELECT tasks.agent_create('{"id": "00000000-0000-7000-8110-000000000105", "name": "Bot"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8110-000000000301", "kind": "contact", "name": "Carla"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8110-000000000302", "kind": "company", "name": "Acme"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8110-000000000303", "kind": "deal", "name": "Big deal"}') IS NOT NULL;
SET tasks.actor_id = '00000000-0000-7000-8110-000000000101';
SELECT count(tasks.task_create(p)) AS created FROM jsonb_array_elements('[
 {"title": "T01 invoice", "assignee_ids": ["00000000-0000-7000-8110-000000000101"], "contact_id": "00000000-0000-7000-8110-000000000301", "status": "To do", "due_date": "2026-03-10", "priority": "high", "tags": ["billing"], "sort_order": 3, "created_at": "2026-01-01T00:01:00Z"},
 {"title": "T02 renewal", "assignee_ids": ["00000000-0000-7000-8110-000000000102"], "company_id": "00000000-0000-7000-8110-000000000302", "status": "In progress", "due_at": "2026-03-10T23:30:00Z", "priority": "low", "tags": ["billing", "ops"], "sort_order": 1, "created_at": "2026-01-01T00:02:00Z"},
 {"title": "T03 deal", "deal_id": "00000000-0000-7000-8110-000000000303", "status": "Done", "due_date": "2026-03-11", "priority": "urgent", "created_at": "2026-01-01T00:03:00Z"},
 {"title": "T04 billing contact", "assignee_ids": ["00000000-0000-7000-8110-000000000101", "00000000-0000-7000-8110-000000000102"], "links": [{"kind": "contact", "id": "00000000-0000-7000-8110-000000000301", "relation": "billing_contact"}], "status": "Blocked", "due_at": "2026-03-11T00:30:00+01:00", "tags": ["ops"], "created_at": "2026-01-01T00:04:00Z"},
 {"title": "T05 Refund 50%_off voucher", "status": "Backlog", "priority": "medium", "sort_order": 2, "created_at": "2026-01-01T00:05:00Z"},
 {"title": "T06 Call back about lab results", "assignee_ids": ["00000000-0000-7000-8110-000000000105"], "status": "Cancelled", "due_date": "2026-03-09", "created_at": "2026-01-01T00:06:00Z"},
 {"title": "T07 CALL BACK Hans", "assignee_ids": ["00000000-0000-7000-8110-000000000101"], "due_at": "2026-03-12T08:00:00Z", "tags": ["billing", "ops"], "created_at": "2026-01-01T00:07:00Z"},
 {"title": "T08 path C:\\temp check", "assignee_ids": ["00000000-0000-7000-8110-000000000101"], "created_at": "2026-01-01T00:08:00Z"},
 {"title": "T09 deleted", "assignee_ids": ["00000000-0000-7000-8110-000000000101"], "contact_id": "00000000-0000-7000-8110-000000000301", "created_at": "2026-01-01T00:09:00Z"},
 {"title": "T10 paid", "assignee_ids": ["00000000-0000-7000-8110-000000000102"], "status": "Done", "due_date": "2026-03-10", "created_at": "2026-01-01T00:10:00Z"},
 {"title": "T11 plain", "created_at": "2026-01-01T00:11:00Z"},
 {"title": "T12 plain", "created_at": "2026-01-01T00:12:00Z"},
 {"title": "T13 plain", "created_at": "2026-01-01T00:13:00Z"},
 {"title": "T14 plain", "created_at": "2026-01-01T00:14:00Z"}]') p;
-- updated_at as an import would leave it (T01, T02 touched later); T09 soft-deleted.  Row triggers off: this is test setup.
SET session_replication_role = replica;
UPDATE tasks.tasks SET updated_at = created_at WHERE workspace_id = '00000000-0000-7000-8110-000000000001';
UPDATE tasks.tasks SET updated_at = '2026-02-01T00:00:00Z' WHERE workspace_id = '00000000-0000-7000-8110-000000000001' AND title = 'T01 invoice';
UPDATE tasks.tasks SET updated_at = '2026-02-02T00:00:00Z' WHERE workspace_id = '00000000-0000-7000-8110-000000000001' AND title = 'T02 renewal';
UPDATE tasks.tasks SET deleted_at = '2026-01-20T00:00:00Z', deleted_by = '00000000-0000-7000-8110-000000000101'
 WHERE workspace_id = '00000000-0000-7000-8110-000000000001' AND title = 'T09 deleted';
RESET session_replication_role;

-- The shape: {"data": [task_json, ...], "next_cursor"}; every item is exactly tasks.task_json
SELECT string_agg(k, ', ' ORDER BY k) AS top_keys FROM jsonb_object_keys(tasks.task_list()) k;
SELECT bool_and(e = tasks.task_json('00000000-0000-7000-8110-000000000001', (e ->> 'id')::uuid)) AS items_are_task_json,
	   count(*) AS items
  FROM jsonb_array_elements(tasks.task_list() -> 'data') e;
-- with include_deleted every item also carries deleted_at and deleted_by (as task_delete returns them)
SELECT bool_and(e - 'deleted_at' - 'deleted_by' = tasks.task_json('00000000-0000-7000-8110-000000000001', (e ->> 'id')::uuid)) AS items_are_task_json,
	   count(*) AS items, string_agg(e ->> 'title' || ' ' || (e ->> 'deleted_at') || ' ' || (e ->> 'deleted_by'), '') AS deleted_ones,
	   count(*) FILTER (WHERE e ? 'deleted_at' AND e ? 'deleted_by') AS with_the_keys
  FROM jsonb_array_elements(tasks.task_list('{"include_deleted": true}') -> 'data') e;
-- ... and so is the batch renderer, for every task of the workspace (assignees, links, notes, deleted ones)
SELECT count(*) AS batch_differs
  FROM tasks.tasks t
 WHERE t.workspace_id = '00000000-0000-7000-8110-000000000001'
   AND (SELECT b.task FROM tasks._task_json_batch(t.workspace_id, ARRAY[t.id]) b) IS DISTINCT FROM tasks.task_json(t.workspace_id, t.id);
SELECT array_agg(b.ord ORDER BY b.ord) AS batch_keeps_order_skips_unknown
  FROM tasks._task_json_batch('00000000-0000-7000-8110-000000000001',
	   ARRAY(SELECT id FROM tasks.tasks WHERE workspace_id = '00000000-0000-7000-8110-000000000001' AND title IN ('T02 renewal', 'T01 invoice') ORDER BY title DESC)
	   || '00000000-0000-7000-8110-0000000009ff'::uuid) b;

-- Filters, one per line (default sort: newest first)
SELECT c AS filter, pg_temp.t(f::jsonb) AS result FROM (VALUES
 ('none', '{}'),
 ('record_id', '{"record_id": "00000000-0000-7000-8110-000000000301"}'),
 ('record_id + relation', '{"record_id": "00000000-0000-7000-8110-000000000301", "relation": "billing_contact"}'),
 ('record_id + kind', '{"record_id": "00000000-0000-7000-8110-000000000301", "kind": "contact"}'),
 ('record_id + other kind', '{"record_id": "00000000-0000-7000-8110-000000000301", "kind": "company"}'),
 ('kind only', '{"kind": "deal"}'),
 ('relation only', '{"relation": "company"}'),
 ('record of workspace B', '{"record_id": "00000000-0000-7000-8110-000000000311"}'),
 ('unknown record', '{"record_id": "00000000-0000-7000-8110-0000000003ff"}'),
 ('assignee_id', '{"assignee_id": "00000000-0000-7000-8110-000000000102"}'),
 ('assignee_id without dashes', '{"assignee_id": "00000000000070008110000000000102"}'),
 ('assignee_id me', '{"assignee_id": "me"}'),
 ('assignee agent', '{"assignee_id": "00000000-0000-7000-8110-000000000105"}'),
 ('assignee of workspace B', '{"assignee_id": "00000000-0000-7000-8110-000000000201"}'),
 ('unassigned true', '{"unassigned": true}'),
 ('unassigned false', '{"unassigned": false}'),
 ('status_category one', '{"status_category": "done"}'),
 ('status_category many', '{"status_category": ["backlog", "blocked", "cancelled"]}'),
 ('status_category open', '{"status_category": ["backlog", "todo", "in_progress", "blocked"]}'),
 ('null means absent', '{"status_category": null, "assignee_id": null, "cursor": null, "q": null}'),
 ('assignee + open', '{"assignee_id": "me", "status_category": ["backlog", "todo", "in_progress", "blocked"]}'),
 ('tag', '{"tag": "billing"}'),
 ('tags: all of them', '{"tag": ["billing", "ops"]}'),
 ('tag nobody has', '{"tag": "Billing"}'),
 ('q case-insensitive', '{"q": "call back"}'),
 ('q: % is a character', '{"q": "50%"}'),
 ('q: _ is a character', '{"q": "%_o"}'),
 ('q: _ not a wildcard', '{"q": "T_1"}'),
 ('q: backslash', '{"q": "C:\\t"}'),
 ('q multibyte', '{"q": "ÿ"}'),
 ('updated_since date', '{"updated_since": "2026-02-01"}'),
 ('updated_since instant', '{"updated_since": "2026-02-01T12:00:00Z"}'),
 ('updated_since local + zone', '{"updated_since": "2026-02-02T00:30", "timezone": "Europe/Berlin"}'),
 ('include_deleted', '{"include_deleted": true}'),
 ('include_deleted false', '{"include_deleted": false, "assignee_id": "me"}'),
 ('record + include_deleted', '{"record_id": "00000000-0000-7000-8110-000000000301", "include_deleted": true}')
) v(c, f);
-- status_id: one or many, intersected with status_category
SELECT pg_temp.t(jsonb_build_object('status_id', (SELECT id FROM tasks.statuses WHERE workspace_id = '00000000-0000-7000-8110-000000000001' AND name = 'Done'))) AS status_id_one;
SELECT pg_temp.t(jsonb_build_object('status_id', (SELECT jsonb_agg(id) FROM tasks.statuses WHERE workspace_id = '00000000-0000-7000-8110-000000000001' AND name IN ('Done', 'Blocked')))) AS status_id_many;
SELECT pg_temp.t(jsonb_build_object('status_id', (SELECT id FROM tasks.statuses WHERE workspace_id = '00000000-0000-7000-8110-000000000001' AND name = 'Done'), 'status_category', 'blocked')) AS status_id_and_category;
SELECT pg_temp.t(jsonb_build_object('status_id', (SELECT id FROM tasks.statuses WHERE workspace_id = '00000000-0000-7000-8110-000000000002' AND name = 'Done'))) AS status_of_workspace_b;

-- Due range: all-day tasks by date, timed tasks by instant; a date bound is a day in "timezone" (UTC by default)
SELECT c AS due, pg_temp.t(f::jsonb) AS result FROM (VALUES
 ('the day 2026-03-10 (UTC)', '{"due_from": "2026-03-10", "due_to": "2026-03-10"}'),
 ('the day 2026-03-10 in Berlin', '{"due_from": "2026-03-10", "due_to": "2026-03-10", "timezone": "Europe/Berlin"}'),
 ('the day 2026-03-11 in Berlin', '{"due_from": "2026-03-11", "due_to": "2026-03-11", "timezone": "Europe/Berlin"}'),
 ('instants: all-day by their UTC date', '{"due_from": "2026-03-10T23:00:00Z", "due_to": "2026-03-11T00:00:00Z"}'),
 ('instant bound is inclusive', '{"due_from": "2026-03-12T08:00:00Z"}'),
 ('local instant in Berlin', '{"due_from": "2026-03-12T09:00", "timezone": "Europe/Berlin"}'),
 ('one microsecond later', '{"due_from": "2026-03-12T09:00:00.000001", "timezone": "Europe/Berlin"}'),
 ('to only', '{"due_to": "2026-03-09"}'),
 ('from only', '{"due_from": "2026-03-11"}'),
 ('instant to, all-day by date', '{"due_to": "2026-03-10T00:00:00Z"}'),
 ('due sort within a range', '{"due_from": "2026-03-09", "due_to": "2026-03-11", "sort": "due"}')
) v(c, f);

-- Sorts: each key with id as tiebreaker; undated last ascending (first descending); no priority lowest
SELECT c AS sort, pg_temp.whole(f::jsonb) AS titles FROM (VALUES
 ('default (-created_at)', '{}'),
 ('created_at', '{"sort": "created_at"}'),
 ('due', '{"sort": "due"}'),
 ('-due', '{"sort": "-due"}'),
 ('-priority', '{"sort": "-priority"}'),
 ('priority', '{"sort": "priority"}'),
 ('sort_order', '{"sort": "sort_order"}'),
 ('-sort_order', '{"sort": "-sort_order"}'),
 ('-updated_at', '{"sort": "-updated_at"}'),
 ('updated_at', '{"sort": "updated_at"}')
) v(c, f);

-- Pagination: every page size and sort gives the whole list once, in order
SELECT c AS walk, pg_temp.walk(f::jsonb, n) = pg_temp.whole(f::jsonb) || format(' (%s pages)', greatest(1, ceil(13.0 / n)::int)) AS same_as_one_page
  FROM (VALUES ('limit 1', '{}', 1), ('limit 2', '{}', 2), ('limit 5, due', '{"sort": "due"}', 5),
			   ('limit 2, -due', '{"sort": "-due"}', 2), ('limit 3, -priority', '{"sort": "-priority"}', 3),
			   ('limit 4, sort_order', '{"sort": "sort_order"}', 4), ('limit 2, updated_at', '{"sort": "updated_at"}', 2),
			   ('limit 13', '{}', 13)) v(c, f, n);
SELECT pg_temp.walk('{"assignee_id": "me", "sort": "due"}', 2) AS mine_by_due_two_a_page;
SELECT pg_temp.walk('{"include_deleted": true, "sort": "-priority"}', 4) AS with_deleted_four_a_page;
SELECT pg_temp.t('{"limit": 13}') AS exactly_all_no_more, pg_temp.t('{"limit": 12}') AS one_left;
-- the limit may change between pages
SELECT pg_temp.t(jsonb_build_object('limit', 5, 'cursor', tasks.task_list('{"limit": 2}') ->> 'next_cursor')) AS page_two_bigger;

-- Cursors are checked: altered, truncated, foreign, or for another sort or filter
SELECT tasks.task_list('{"limit": 2}') ->> 'next_cursor' AS c2 \gset
SELECT tasks.task_list('{"limit": 2, "sort": "due"}') ->> 'next_cursor' AS cdue \gset
SELECT tasks.task_list('{"limit": 2, "tag": "billing"}') ->> 'next_cursor' AS ctag \gset
SELECT length(:'c2') AS cursor_length, :'c2' ~ '^[A-Za-z0-9_-]+$' AS url_safe;
SELECT c AS cursor, pg_temp.msg(f) AS result FROM (VALUES
 ('valid', jsonb_build_object('cursor', :'c2')),
 ('one character changed', jsonb_build_object('cursor', overlay(:'c2' PLACING CASE WHEN substr(:'c2', 30, 1) = 'A' THEN 'B' ELSE 'A' END FROM 30 FOR 1))),
 ('last character changed', jsonb_build_object('cursor', overlay(:'c2' PLACING CASE WHEN right(:'c2', 1) = 'A' THEN 'Q' ELSE 'A' END FROM length(:'c2') FOR 1))),
 ('truncated', jsonb_build_object('cursor', left(:'c2', 40))),
 ('not base64url', jsonb_build_object('cursor', replace(:'c2', substr(:'c2', 5, 1), '+'))),
 ('empty', '{"cursor": ""}'),
 ('a number', '{"cursor": 42}'),
 ('for another sort', jsonb_build_object('cursor', :'cdue')),
 ('for the other direction', jsonb_build_object('cursor', :'c2', 'sort', 'created_at')),
 ('for another filter', jsonb_build_object('cursor', :'ctag')),
 ('filter changed', jsonb_build_object('cursor', :'ctag', 'tag', 'ops')),
 ('same filter', jsonb_build_object('cursor', :'ctag', 'tag', 'billing'))
) v(c, f);
SET tasks.workspace_id = '00000000-0000-7000-8110-000000000002';
SELECT tasks.task_list('{"limit": 1}') ->> 'next_cursor' AS cb \gset
SELECT pg_temp.t('{}') AS workspace_b_sees_its_own;
SET tasks.workspace_id = '00000000-0000-7000-8110-000000000001';
SELECT pg_temp.msg(jsonb_build_object('limit', 1, 'cursor', :'cb')) AS cursor_of_workspace_b;
-- a valid cursor with another problem: the other problem is reported, the cursor's fit is not judged
SELECT pg_temp.t(jsonb_build_object('cursor', :'cdue', 'limit', 0)) AS cursor_and_bad_limit;

-- Rows written between pages: keyset pages skip nothing that was there and repeat nothing
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8110-000000000005", "name": "List E"}') IS NOT NULL;
SET tasks.workspace_id = '00000000-0000-7000-8110-000000000005';
RESET tasks.actor_id;
SELECT count(tasks.task_create(jsonb_build_object('title', 'E' || i, 'created_at', format('2026-01-01T00:%s:00Z', lpad((i * 2)::text, 2, '0')),
													  'due_date', format('2026-04-%s', lpad((i * 2)::text, 2, '0'))))) AS created
  FROM generate_series(1, 8) i;
CREATE TEMP TABLE seen (sort text, n int, pos bigint, title text);
DO $$
DECLARE r jsonb; c text; s text; p int;
BEGIN
	FOREACH s IN ARRAY ARRAY['-created_at', 'due'] LOOP
		c := NULL; p := 0;
		LOOP
			r := tasks.task_list(jsonb_build_object('sort', s, 'limit', 3) || CASE WHEN c IS NULL THEN '{}' ELSE jsonb_build_object('cursor', c) END);
			p := p + 1;
			INSERT INTO seen SELECT s, p, o, e ->> 'title' FROM jsonb_array_elements(r -> 'data') WITH ORDINALITY x(e, o);
			IF p = 1 THEN
				-- before the cursor (newest / earliest due) and after it
				PERFORM tasks.task_create(jsonb_build_object('title', s || ' new first', 'due_date', '2026-03-01'));
				PERFORM tasks.task_create(jsonb_build_object('title', s || ' new later', 'created_at', '2026-01-01T00:05:00Z', 'due_date', '2026-04-30'));
			END IF;
			c := r ->> 'next_cursor';
			EXIT WHEN c IS NULL OR p > 10;
		END LOOP;
	END LOOP;
END $$;
SELECT sort, string_agg(title, ', ' ORDER BY n, pos) AS pages_in_order, max(n) AS pages, count(*) AS rows, count(DISTINCT title) AS distinct_rows,
	   count(*) FILTER (WHERE title ~ '^E[0-9]$') AS of_the_8_that_were_there
  FROM seen GROUP BY sort ORDER BY sort;
SET tasks.workspace_id = '00000000-0000-7000-8110-000000000001';
SET tasks.actor_id = '00000000-0000-7000-8110-000000000101';

-- Validation: every problem at once, unknown keys refused
SELECT c AS bad, pg_temp.t(f::jsonb) AS result FROM (VALUES
 ('not an object', '[]'),
 ('a string', '"x"'),
 ('unknown key', '{"assignee": "me"}'),
 ('record_id not a uuid', '{"record_id": "x"}'),
 ('record_id a number', '{"record_id": 1}'),
 ('kind unknown', '{"kind": "planet"}'),
 ('kind empty', '{"kind": ""}'),
 ('relation malformed', '{"relation": "Billing Contact"}'),
 ('assignee_id not a uuid', '{"assignee_id": "ME"}'),
 ('assignee_id an array', '{"assignee_id": ["me"]}'),
 ('assignee_id and unassigned', '{"assignee_id": "me", "unassigned": true}'),
 ('unassigned a string', '{"unassigned": "yes"}'),
 ('status_category unknown', '{"status_category": "open"}'),
 ('status_category empty array', '{"status_category": []}'),
 ('status_category item wrong', '{"status_category": ["todo", 3, "Done"]}'),
 ('status_category object', '{"status_category": {"todo": true}}'),
 ('status_id not a uuid', '{"status_id": ["00000000-0000-7000-8110-000000000001", "nope"]}'),
 ('due_from not a date', '{"due_from": "10.03.2026"}'),
 ('due_from not real', '{"due_from": "2026-02-30"}'),
 ('due_to a number', '{"due_to": 20260310}'),
 ('due_to before due_from', '{"due_from": "2026-03-11", "due_to": "2026-03-10"}'),
 ('instants reversed', '{"due_from": "2026-03-10T10:00:00Z", "due_to": "2026-03-10T09:59:59Z"}'),
 ('local time, no zone', '{"due_from": "2026-03-10T09:00"}'),
 ('local time, bad zone', '{"due_from": "2026-03-10T09:00", "timezone": "CEST"}'),
 ('skipped local time', '{"due_from": "2026-03-29T02:30", "timezone": "Europe/Berlin"}'),
 ('overdue a string', '{"overdue": "true"}'),
 ('updated_since bad', '{"updated_since": "yesterday"}'),
 ('tag empty', '{"tag": ""}'),
 ('tag null item', '{"tag": ["ops", null]}'),
 ('q empty', '{"q": ""}'),
 ('q a number', '{"q": 5}'),
 ('include_deleted a string', '{"include_deleted": "true"}'),
 ('sort unknown', '{"sort": "title"}'),
 ('sort double minus', '{"sort": "--due"}'),
 ('limit 0', '{"limit": 0}'),
 ('limit 201', '{"limit": 201}'),
 ('limit 1.5', '{"limit": 1.5}'),
 ('limit a string', '{"limit": "10"}'),
 ('many at once', '{"x": 1, "limit": -1, "sort": "?", "q": ""}')
) v(c, f);
SELECT pg_temp.t(format('{"q": "%s"}', repeat('ä', 200))::jsonb) AS q_200_characters, pg_temp.t(format('{"q": "%s"}', repeat('ä', 201))::jsonb) AS q_201;
SELECT pg_temp.t('{"limit": 200}') = pg_temp.t('{"limit": 2e2}') AS limit_as_exponent, pg_temp.t('{"limit": 1.0}') AS limit_one_point_zero;
-- messages
SELECT pg_temp.msg('{"assignee_id": "me", "unassigned": true, "sort": "name", "limit": 500, "due_from": "2026-03-10T09:00", "relation": "X"}') AS messages;
RESET tasks.actor_id;
SELECT pg_temp.msg('{"assignee_id": "me"}') AS me_without_actor;
SET tasks.actor_id = '00000000-0000-7000-8110-000000000101';
SELECT pg_temp.t(NULL) AS null_filter_is_strict, (SELECT count(*) FROM jsonb_array_elements(tasks.task_list() -> 'data')) AS default_argument;

-- Overdue: open, due before now; an all-day task once its date is over in "timezone", else its own zone, else UTC
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8110-000000000003", "name": "List C"}') IS NOT NULL;
SET tasks.workspace_id = '00000000-0000-7000-8110-000000000003';
RESET tasks.actor_id;
-- today in Kiritimati (UTC+14) is always one or two days after today in Pago Pago (UTC-11)
SELECT to_char((now() AT TIME ZONE 'Pacific/Kiritimati')::date - 1, 'YYYY-MM-DD') AS k_yesterday \gset
SELECT count(tasks.task_create(p)) AS created FROM jsonb_array_elements(jsonb_build_array(
 jsonb_build_object('title', 'O1 all-day, yesterday in its Kiritimati', 'due_date', :'k_yesterday', 'timezone', 'Pacific/Kiritimati'),
 jsonb_build_object('title', 'O2 all-day, same date in its Pago Pago', 'due_date', :'k_yesterday', 'timezone', 'Pacific/Pago_Pago'),
 jsonb_build_object('title', 'O3 all-day, three days ago, no zone', 'due_date', to_char(:'k_yesterday'::date - 2, 'YYYY-MM-DD')),
 jsonb_build_object('title', 'O4 an hour ago', 'due_at', tasks.format_instant(now() - interval '1 hour')),
 jsonb_build_object('title', 'O5 an hour ago but done', 'due_at', tasks.format_instant(now() - interval '1 hour'), 'status', 'done'),
 jsonb_build_object('title', 'O6 an hour ago but cancelled', 'due_at', tasks.format_instant(now() - interval '1 hour'), 'status', 'cancelled'),
 jsonb_build_object('title', 'O7 tomorrow', 'due_at', tasks.format_instant(now() + interval '1 day')),
 jsonb_build_object('title', 'O8 no due date'))) p;
SELECT c AS overdue, pg_temp.t(f::jsonb) AS result FROM (VALUES
 ('own zone', '{"overdue": true, "sort": "created_at"}'),
 ('in Pago Pago', '{"overdue": true, "timezone": "Pacific/Pago_Pago", "sort": "created_at"}'),
 ('in Kiritimati', '{"overdue": true, "timezone": "Pacific/Kiritimati", "sort": "created_at"}'),
 ('not overdue', '{"overdue": false, "sort": "created_at"}'),
 ('overdue and open status', '{"overdue": true, "status_category": "blocked"}')
) v(c, f);

SET tasks.actor_id = '00000000-0000-7000-8110-000000000101';
-- Another workspace sees none of it, and ids of A behave like missing ids there
SET tasks.workspace_id = '00000000-0000-7000-8110-000000000002';
SELECT c AS in_b, pg_temp.t(f::jsonb) AS result FROM (VALUES
 ('everything', '{"include_deleted": true}'),
 ('A''s contact', '{"record_id": "00000000-0000-7000-8110-000000000301"}'),
 ('A''s member', '{"assignee_id": "00000000-0000-7000-8110-000000000101"}'),
 ('B''s contact', '{"record_id": "00000000-0000-7000-8110-000000000311"}')
) v(c, f);
-- the API role, under row level security, sees the same
SET client_min_messages = warning;
SELECT tasks.api_setup(NULL);
RESET client_min_messages;
SET tasks.workspace_id = '00000000-0000-7000-8110-000000000001';
SELECT pg_temp.whole('{"sort": "due"}') AS as_owner \gset
SET ROLE tasks_api;
SELECT pg_temp.whole('{"sort": "due"}') = :'as_owner' AS same_under_rls, pg_temp.t('{"assignee_id": "me", "status_category": ["todo", "blocked"], "limit": 2}') AS api_role;
RESET ROLE;

-- A hostile session changes nothing: decoy operators on the path, odd zone and styles
CREATE SCHEMA evil_list;
CREATE FUNCTION evil_list.uuid_eq(uuid, uuid) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE OPERATOR evil_list.= (LEFTARG = uuid, RIGHTARG = uuid, FUNCTION = evil_list.uuid_eq);
CREATE FUNCTION evil_list.always(text, text) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE OPERATOR evil_list.~~* (LEFTARG = text, RIGHTARG = text, FUNCTION = evil_list.always);
SET search_path = evil_list, pg_catalog, public;
SET TimeZone = 'Pacific/Kiritimati';
SET DateStyle = 'SQL, DMY';
SELECT pg_temp.whole('{"sort": "due"}') = :'as_owner' AS same_in_hostile_session, pg_temp.t('{"q": "renewal"}') AS q_not_decoyed,
	   pg_temp.t('{"due_from": "2026-03-10", "due_to": "2026-03-10"}') AS day_still_utc;
RESET search_path;
RESET TimeZone;
RESET DateStyle;
DROP SCHEMA evil_list CASCADE;

-- Over PostgREST: POST /rpc/task_list (tasks_v1): 200, or 422 with the problems; nothing else changes
BEGIN;
SELECT set_config('request.method', 'POST', true), set_config('request.jwt.claims', '{"role": "tasks_api", "workspace_id": "00000000-0000-7000-8110-000000000001", "member_id": "00000000-0000-7000-8110-000000000101"}', true) IS NOT NULL AS request;
SELECT jsonb_array_length(tasks_v1.task_list('{"assignee_id": "me", "limit": 2}') -> 'data') AS v1_items, current_setting('response.status') AS status;
SELECT tasks_v1.task_list('{"limit": 0, "colour": "red"}') AS v1_error, current_setting('response.status') AS status;
ROLLBACK;
BEGIN;
SELECT set_config('request.method', 'POST', true) IS NOT NULL AS request_without_credentials;
SELECT tasks_v1.task_list('{}') AS v1_unauthorized, current_setting('response.status') AS status;
ROLLBACK;

-- Lightfield task.list: {"object": "list", "data": [task records, oldest first], "totalCount"}, limit <= 25
CREATE FUNCTION pg_temp.lf(body jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE r jsonb; st text; det text;
BEGIN
	r := tasks_lightfield.task_list(body);
	RETURN jsonb_build_object('object', r -> 'object', 'totalCount', r -> 'totalCount',
							  'titles', (SELECT jsonb_agg(e #> '{fields,$title,value}' ORDER BY o) FROM jsonb_array_elements(r -> 'data') WITH ORDINALITY x(e, o)));
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, det = PG_EXCEPTION_DETAIL;
	RETURN jsonb_build_object('sqlstate', st, 'body', det::jsonb);
END $$;
SELECT c AS lightfield_list, pg_temp.lf(f::jsonb) AS result FROM (VALUES
 ('default', '{}'),
 ('offset + limit', '{"offset": 3, "limit": 2}'),
 ('as query strings', '{"offset": "12", "limit": "5"}'),
 ('empty values are defaults', '{"offset": "", "limit": ""}'),
 ('past the end', '{"offset": 13}'),
 ('limit 25', '{"limit": 25}'),
 ('limit 26', '{"limit": 26}'),
 ('limit 0', '{"limit": 0}'),
 ('limit 2.5', '{"limit": 2.5}'),
 ('offset -1', '{"offset": -1}'),
 ('offset huge', '{"offset": 9007199254740991}'),
 ('offset too huge', '{"offset": 9007199254740992}'),
 ('unknown parameter', '{"filter": "x"}'),
 ('not an object', '[1]')
) v(c, f);
SELECT (SELECT bool_and(e = tasks._lightfield_response('00000000-0000-7000-8110-000000000001', (e ->> 'id')::uuid))
		  FROM jsonb_array_elements(tasks_lightfield.task_list('{}') -> 'data') e) AS items_are_task_records;
SET tasks.actor_id = '00000000-0000-7000-8110-000000000102';
SELECT pg_temp.lf('{}') AS without_tasks_read;
SET tasks.actor_id = '00000000-0000-7000-8110-000000000101';
-- task.retrieve: the record, or 404 for missing, foreign, deleted and malformed ids
CREATE FUNCTION pg_temp.lfget(id text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE r jsonb; st text; det text;
BEGIN
	r := tasks_lightfield.task_retrieve(id);
	RETURN r #> '{fields,$title}';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, det = PG_EXCEPTION_DETAIL;
	RETURN jsonb_build_object('sqlstate', st, 'body', det::jsonb);
END $$;
SELECT c AS lightfield_retrieve, pg_temp.lfget(i) AS result FROM (VALUES
 ('live task', (SELECT id::text FROM tasks.tasks WHERE workspace_id = '00000000-0000-7000-8110-000000000001' AND title = 'T02 renewal')),
 ('upper case id', (SELECT upper(id::text) FROM tasks.tasks WHERE workspace_id = '00000000-0000-7000-8110-000000000001' AND title = 'T02 renewal')),
 ('deleted task', (SELECT id::text FROM tasks.tasks WHERE workspace_id = '00000000-0000-7000-8110-000000000001' AND title = 'T09 deleted')),
 ('task of workspace B', (SELECT id::text FROM tasks.tasks WHERE workspace_id = '00000000-0000-7000-8110-000000000002' AND title = 'B1 foreign')),
 ('unknown id', '00000000-0000-7000-8110-0000000009ff'),
 ('not a uuid', 'task_123')
) v(c, i);
SELECT tasks_lightfield.task_retrieve((SELECT id::text FROM tasks.tasks WHERE workspace_id = '00000000-0000-7000-8110-000000000001' AND title = 'T02 renewal'))
	 = tasks._lightfield_response('00000000-0000-7000-8110-000000000001', (SELECT id FROM tasks.tasks WHERE workspace_id = '00000000-0000-7000-8110-000000000001' AND title = 'T02 renewal')) AS retrieve_is_the_record;
-- over PostgREST the 404 is the response itself
BEGIN;
SELECT set_config('request.method', 'GET', true), set_config('request.jwt.claims', '{"role": "tasks_api", "workspace_id": "00000000-0000-7000-8110-000000000001", "member_id": "00000000-0000-7000-8110-000000000101"}', true) IS NOT NULL AS request;
SELECT tasks_lightfield.task_retrieve('nope') AS body, current_setting('response.status') AS status;
SELECT tasks_lightfield.task_list('{"limit": 30}') AS body, current_setting('response.status') AS status;
SELECT tasks_lightfield.task_list('{"limit": 1}') ->> 'totalCount' AS total, current_setting('response.status') AS status;
ROLLBACK;

-- Vambe GET /api/public/tasks: responsibleIds (required, empty = all), fromDate / toDate (required), includeTasksWithoutDates
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8110-000000000004", "name": "List V", "statuses": [
  {"name": "Pendiente", "category": "todo", "initial": true}, {"name": "Completada", "category": "done"}]}') IS NOT NULL;
SET tasks.workspace_id = '00000000-0000-7000-8110-000000000004';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8110-000000000401", "name": "Camila"}') IS NOT NULL;
SELECT tasks.member_create('{"id": "00000000-0000-7000-8110-000000000402", "name": "Diego"}') IS NOT NULL;
SELECT tasks.member_create('{"id": "00000000-0000-7000-8110-000000000403", "name": "Gone", "active": false}') IS NOT NULL;
SET tasks.actor_id = '00000000-0000-7000-8110-000000000401';
SELECT count(tasks_vambe.task_create(p)) AS created FROM jsonb_array_elements('[
 {"title": "V1 all-day Oct 25", "responsibleIds": ["00000000-0000-7000-8110-000000000401"], "priority": "1", "dueDate": "2025-10-25"},
 {"title": "V2 Oct 25 23:30 in Santiago", "responsibleIds": ["00000000-0000-7000-8110-000000000402"], "priority": "1", "dueDate": "2025-10-25", "dueTime": "23:30", "timezone": "America/Santiago"},
 {"title": "V3 Oct 26 01:00 UTC", "responsibleIds": ["00000000-0000-7000-8110-000000000401", "00000000-0000-7000-8110-000000000402"], "priority": "2", "dueDate": "2025-10-26", "dueTime": "01:00"},
 {"title": "V4 no date", "responsibleIds": ["00000000-0000-7000-8110-000000000401"], "priority": "0"},
 {"title": "V5 all-day Oct 24", "responsibleIds": ["00000000-0000-7000-8110-000000000402"], "priority": "0", "dueDate": "2025-10-24"},
 {"title": "V6 deleted", "responsibleIds": ["00000000-0000-7000-8110-000000000401"], "priority": "0", "dueDate": "2025-10-25"}]') p;
SET session_replication_role = replica;
UPDATE tasks.tasks SET deleted_at = now() WHERE workspace_id = '00000000-0000-7000-8110-000000000004' AND title = 'V6 deleted';
RESET session_replication_role;
CREATE FUNCTION pg_temp.vb(body jsonb) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r jsonb; st text; det text;
BEGIN
	r := tasks_vambe.task_list(body);
	RETURN coalesce((SELECT string_agg(e ->> 'title', ', ' ORDER BY o) FROM jsonb_array_elements(r) WITH ORDINALITY x(e, o)), '[]');
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, det = PG_EXCEPTION_DETAIL;
	RETURN st || ' ' || coalesce((SELECT string_agg((e ->> 'field') || ': ' || (e ->> 'message'), ' | ') FROM jsonb_array_elements(det::jsonb -> 'errors') e), det);
END $$;
SELECT c AS vambe_list, pg_temp.vb(f::jsonb) AS result FROM (VALUES
 ('Oct 25, everyone', '{"responsibleIds": [], "fromDate": "2025-10-25", "toDate": "2025-10-25"}'),
 ('Oct 25, without undated', '{"responsibleIds": [], "fromDate": "2025-10-25", "toDate": "2025-10-25", "includeTasksWithoutDates": false}'),
 ('Oct 26 (V2 is Oct 26 in UTC, Oct 25 in Santiago)', '{"responsibleIds": [], "fromDate": "2025-10-26", "toDate": "2025-10-26", "includeTasksWithoutDates": false}'),
 ('Oct 24 to 26', '{"responsibleIds": [], "fromDate": "2025-10-24", "toDate": "2025-10-26"}'),
 ('Camila', '{"responsibleIds": ["00000000-0000-7000-8110-000000000401"], "fromDate": "2025-10-01", "toDate": "2025-10-31"}'),
 ('Camila or Diego', '{"responsibleIds": ["00000000-0000-7000-8110-000000000401", "00000000-0000-7000-8110-000000000402"], "fromDate": "2025-10-26", "toDate": "2025-10-26", "includeTasksWithoutDates": false}'),
 ('as query strings', '{"responsibleIds": "00000000-0000-7000-8110-000000000402, 00000000-0000-7000-8110-000000000403", "fromDate": "2025-10-01", "toDate": "2025-10-31", "includeTasksWithoutDates": "false"}'),
 ('empty string = everyone', '{"responsibleIds": "", "fromDate": "2025-10-24", "toDate": "2025-10-24", "includeTasksWithoutDates": "true"}'),
 ('a member of another org', '{"responsibleIds": ["00000000-0000-7000-8110-000000000101"], "fromDate": "2025-10-01", "toDate": "2025-10-31"}'),
 ('nothing in range', '{"responsibleIds": [], "fromDate": "2024-01-01", "toDate": "2024-01-31", "includeTasksWithoutDates": false}'),
 ('missing everything', '{}'),
 ('bad values', '{"responsibleIds": ["nope", 7], "fromDate": "2025-10-25T00:00:00Z", "toDate": "2025-02-30", "includeTasksWithoutDates": "yes"}'),
 ('toDate before fromDate', '{"responsibleIds": [], "fromDate": "2025-10-26", "toDate": "2025-10-25"}'),
 ('responsibleIds an object', '{"responsibleIds": {}, "fromDate": "2025-10-26", "toDate": "2025-10-26"}'),
 ('unknown property', '{"responsibleIds": [], "fromDate": "2025-10-26", "toDate": "2025-10-26", "status": "done"}'),
 ('not an object', '[]')
) v(c, f);
SELECT pg_temp.vb(jsonb_build_object('responsibleIds', (SELECT jsonb_agg('00000000-0000-7000-8110-000000000401'::text) FROM generate_series(1, 101)), 'fromDate', '2025-10-25', 'toDate', '2025-10-25')) AS too_many_responsibles;
SELECT (SELECT bool_and(e = tasks._vambe_response('00000000-0000-7000-8110-000000000004', (e ->> 'id')::uuid)) FROM jsonb_array_elements(
		tasks_vambe.task_list('{"responsibleIds": [], "fromDate": "2025-10-01", "toDate": "2025-10-31"}')) e) AS items_are_task_objects;
-- GET /rpc/tasks?responsibleIds=...&fromDate=...: the query parameters as text, the same answer
SELECT tasks_vambe.tasks("responsibleIds" := '', "fromDate" := '2025-10-24', "toDate" := '2025-10-26', "includeTasksWithoutDates" := 'false')
	 = tasks_vambe.task_list('{"responsibleIds": [], "fromDate": "2025-10-24", "toDate": "2025-10-26", "includeTasksWithoutDates": false}') AS get_form_same;
SELECT tasks_vambe.task_list(NULL) IS NULL AS strict;
-- the caller must be an active member (a Vambe key stands for a user): 401
RESET tasks.actor_id;
SELECT pg_temp.vb('{"responsibleIds": [], "fromDate": "2025-10-25", "toDate": "2025-10-25"}') AS no_caller;
SET tasks.actor_id = '00000000-0000-7000-8110-000000000403';
SELECT pg_temp.vb('{"responsibleIds": [], "fromDate": "2025-10-25", "toDate": "2025-10-25"}') AS deactivated_caller;
SET tasks.actor_id = '00000000-0000-7000-8110-000000000401';
-- over PostgREST the 400 is the response itself
BEGIN;
SELECT set_config('request.method', 'GET', true), set_config('request.jwt.claims', '{"role": "tasks_api", "workspace_id": "00000000-0000-7000-8110-000000000004", "member_id": "00000000-0000-7000-8110-000000000401"}', true) IS NOT NULL AS request;
SELECT tasks_vambe.tasks("fromDate" := '2025-10-25') AS body, current_setting('response.status') AS status;
SELECT jsonb_array_length(tasks_vambe.tasks('', '2025-10-25', '2025-10-25')) AS items, current_setting('response.status') AS status,
	   nullif(current_setting('response.headers', true), '') AS headers;
ROLLBACK;
-- at most 1000 tasks, soonest due first; over PostgREST "X-Truncated: true" says there were more
SET session_replication_role = replica;
INSERT INTO tasks.tasks (workspace_id, id, title, status_id, due_date, created_by)
SELECT '00000000-0000-7000-8110-000000000004', tasks.uuid_generate_v7(), 'bulk ' || i,
	   (SELECT id FROM tasks.statuses WHERE workspace_id = '00000000-0000-7000-8110-000000000004' AND is_initial), '2025-11-01', '00000000-0000-7000-8110-000000000401'
  FROM generate_series(1, 1000) i;
RESET session_replication_role;
BEGIN;
SELECT set_config('request.method', 'GET', true), set_config('request.jwt.claims', '{"role": "tasks_api", "workspace_id": "00000000-0000-7000-8110-000000000004", "member_id": "00000000-0000-7000-8110-000000000401"}', true) IS NOT NULL AS request;
SELECT jsonb_array_length(r) AS items, r -> 0 ->> 'title' AS first, r -> 999 ->> 'title' AS last,
	   current_setting('response.status') AS status, current_setting('response.headers', true) AS headers
  FROM tasks_vambe.tasks('', '2025-10-01', '2025-11-30') r;
ROLLBACK;
RESET tasks.workspace_id;
RESET tasks.actor_id;
