-- Updates: tasks.task_update(id, patch), tasks_v1.task_update(body) and the
-- Lightfield and Vambe updates, one rule per line.
-- The output must not depend on the session's time zone or date style.
SET TimeZone = 'Pacific/Kiritimati';
SET DateStyle = 'SQL, DMY';

-- a native update: the chosen keys of the task it returns, or "SQLSTATE path:code ..."
CREATE FUNCTION pg_temp.upd(id text, patch text, keys text DEFAULT 'version') RETURNS text LANGUAGE plpgsql AS $$
DECLARE r jsonb; st text; det text;
BEGIN
	r := tasks.task_update(id::uuid, patch::jsonb);
	RETURN (SELECT string_agg(k || '=' || coalesce((r -> k)::text, 'absent'), ' ' ORDER BY o)
			  FROM unnest(string_to_array(keys, ' ')) WITH ORDINALITY AS x(k, o));
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, det = PG_EXCEPTION_DETAIL;
	RETURN st || ' ' || CASE WHEN det LIKE '[%' THEN
		(SELECT string_agg((e ->> 'path') || ':' || (e ->> 'code'), ' ') FROM jsonb_array_elements(det::jsonb) e)
		ELSE coalesce(det, '') END;
END $$;
-- the full error of a native update: SQLSTATE, message and DETAIL, the task id masked
CREATE FUNCTION pg_temp.err(id text, patch text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE st text; det text; msg text;
BEGIN
	PERFORM tasks.task_update(id::uuid, patch::jsonb);
	RETURN '"no error"';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, det = PG_EXCEPTION_DETAIL, msg = MESSAGE_TEXT;
	RETURN jsonb_build_object('sqlstate', st, 'message', replace(msg, id, '<id>'),
							  'detail', replace(det, id, '<id>')::jsonb);
END $$;
-- what is stored for a task, to show that a failed update wrote nothing
CREATE FUNCTION pg_temp.stored(id text) RETURNS text LANGUAGE sql AS $$
	SELECT md5(tasks.task_json(t.workspace_id, t.id)::text) || ' v' || t.version
	  FROM tasks.tasks t WHERE t.id = id::uuid
$$;

SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8120-000000000001", "name": "Updates"}') IS NOT NULL AS ws1;
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8120-000000000002", "name": "Other tenant"}') IS NOT NULL AS ws2;
SET tasks.workspace_id = '00000000-0000-7000-8120-000000000002';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8120-000000000209", "name": "Foreign member"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8120-000000000309", "kind": "contact", "name": "Greta Foreign"}') IS NOT NULL;
SELECT tasks.task_create('{"title": "Foreign task"}') ->> 'id' AS foreign_task \gset
SET tasks.workspace_id = '00000000-0000-7000-8120-000000000001';
SET tasks.actor_id = '00000000-0000-7000-8120-000000000201';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8120-000000000201", "name": "Ana Rojas"}') IS NOT NULL;
SELECT tasks.member_create('{"id": "00000000-0000-7000-8120-000000000202", "name": "Ben Okafor"}') IS NOT NULL;
SELECT tasks.member_create('{"id": "00000000-0000-7000-8120-000000000203", "name": "Gone Member", "active": false}') IS NOT NULL;
SELECT tasks.agent_create('{"id": "00000000-0000-7000-8120-000000000204", "name": "triage-bot"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8120-000000000301", "kind": "contact", "name": "Hans Müller"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8120-000000000302", "kind": "contact", "name": "Anna Schmidt"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8120-000000000303", "kind": "company", "name": "Globex GmbH"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8120-000000000304", "kind": "patient", "name": "Lucía Fernández"}') IS NOT NULL;
SELECT tasks.task_create($${"title": "Call back", "description": "About the results", "priority": "high",
  "type": "call", "tags": ["lab", "callback"], "due_at": "2026-03-10T09:00", "timezone": "Europe/Berlin",
  "deadline": "2026-03-12T00:00:00Z", "scheduled_start": "2026-03-09T08:00:00Z", "scheduled_end": "2026-03-09T09:00:00Z",
  "sort_order": 2.5, "metadata": {"source": "fax"}, "external_id": "upd-1",
  "assignee_ids": ["00000000-0000-7000-8120-000000000201", "00000000-0000-7000-8120-000000000202"],
  "contact_id": "00000000-0000-7000-8120-000000000301", "patient_id": "00000000-0000-7000-8120-000000000304"}$$) ->> 'id' AS t \gset
SELECT tasks.task_create('{"title": "Second"}') ->> 'id' AS t2 \gset
SELECT tasks.task_create('{"title": "Third"}') ->> 'id' AS t3 \gset
SELECT tasks.task_create('{"title": "Fourth", "external_id": "upd-4"}') ->> 'id' AS t4 \gset

-- only the keys given change; every update bumps version and updated_at
SELECT pg_temp.upd(:'t', '{"title": "Call back today"}', 'title description priority type tags due_at timezone deadline sort_order metadata external_id version');
SELECT pg_temp.upd(:'t', '{"priority": "urgent"}', 'title priority version');
SELECT updated_at > created_at AS updated_at_moved FROM tasks.tasks WHERE id = :'t';
SELECT pg_temp.upd(:'t', '{}', 'title version') AS empty_patch_is_a_write;
-- null clears a nullable field
SELECT pg_temp.upd(:'t2', '{"description": "d", "priority": "low", "type": "x", "sort_order": 1, "external_id": "upd-2", "metadata": {"a": 1}, "tags": ["t"], "deadline": "2026-01-01T00:00:00Z"}', 'description priority type sort_order external_id metadata tags deadline');
SELECT pg_temp.upd(:'t2', '{"description": null, "priority": null, "type": null, "sort_order": null, "external_id": null, "metadata": null, "tags": null, "deadline": null}', 'description priority type sort_order external_id metadata tags deadline');
-- a required field cannot be cleared
SELECT pg_temp.upd(:'t2', '{"title": null}');
SELECT pg_temp.upd(:'t2', '{"status": null}');
SELECT pg_temp.upd(:'t2', '{"status_id": null}');
-- the create's validators
SELECT pg_temp.upd(:'t2', '{"title": ""}');
SELECT pg_temp.upd(:'t2', '{"title": 42}');
SELECT pg_temp.upd(:'t2', format('{"title": "%s"}', repeat('ü', 501)));
SELECT pg_temp.upd(:'t2', '{"priority": "asap"}');
SELECT pg_temp.upd(:'t2', '{"status": "done", "status_id": "00000000-0000-7000-8120-000000000301"}');
SELECT pg_temp.upd(:'t2', '{"sort_order": "1"}');
SELECT pg_temp.upd(:'t2', '{"metadata": [1]}');
-- unknown keys are refused; read-only keys too
SELECT pg_temp.upd(:'t2', '{"colour": "red"}');
SELECT pg_temp.upd(:'t2', '{"planet_id": "00000000-0000-7000-8120-000000000301"}');
SELECT pg_temp.upd(:'t2', '{"id": "00000000-0000-7000-8120-000000000301"}');
SELECT pg_temp.upd(:'t2', '{"created_by": "00000000-0000-7000-8120-000000000202"}');
SELECT pg_temp.upd(:'t2', '{"created_at": "2026-01-01T00:00:00Z"}');
SELECT pg_temp.upd(:'t2', '[]');
SELECT pg_temp.upd(:'t2', '"title"');
-- every problem at once
SELECT pg_temp.upd(:'t2', '{"title": null, "priority": "asap", "colour": 1, "due_at": "tomorrow", "version": 0}');

-- optimistic concurrency: "version" must be the current one
SELECT pg_temp.upd(:'t3', '{"title": "Third, v2", "version": 1}', 'title version');
SELECT pg_temp.err(:'t3', '{"title": "stale", "version": 1}') - 'detail' AS stale;
SELECT (d -> 'detail') - 'current' AS conflict_body, d #>> '{detail,current,title}' AS current_title,
	   d #>> '{detail,current,version}' AS current_version
  FROM pg_temp.err(:'t3', '{"title": "stale", "version": 1}') AS d;
SELECT pg_temp.upd(:'t3', '{"title": "Third, v3", "version": 2}', 'title version');
SELECT pg_temp.upd(:'t3', '{"version": "3"}');
SELECT pg_temp.upd(:'t3', '{"version": 0}');
SELECT pg_temp.upd(:'t3', '{"version": 1.5}');
SELECT pg_temp.upd(:'t3', '{"version": 99999999999}');
SELECT pg_temp.upd(:'t3', '{"title": "no version: last write wins"}', 'title version');

-- a task that is not there: missing, another workspace's, soft-deleted
SELECT pg_temp.err('00000000-0000-7000-8120-0000000004ff', '{"title": "x"}');
SELECT pg_temp.err(:'foreign_task', '{"title": "x"}');
SELECT pg_temp.upd(:'foreign_task', '{"title": "x"}') = pg_temp.upd('00000000-0000-7000-8120-0000000004ff', '{"title": "x"}') AS foreign_like_missing;
SELECT tasks.task_create('{"title": "Deleted"}') ->> 'id' AS gone \gset
UPDATE tasks.tasks SET deleted_at = now() WHERE id = :'gone';
SELECT pg_temp.upd(:'gone', '{"title": "x"}');
-- shape problems are reported before the task is looked up
SELECT pg_temp.upd('00000000-0000-7000-8120-0000000004ff', '{"priority": "asap"}');
SET tasks.workspace_id = '00000000-0000-7000-8120-000000000002';
SELECT title, version FROM tasks.tasks WHERE id = :'foreign_task';
SET tasks.workspace_id = '00000000-0000-7000-8120-000000000001';

-- status changes keep completed_at consistent
SELECT tasks.task_create('{"title": "Status"}') ->> 'id' AS s \gset
SELECT pg_temp.upd(:'s', '{"status": "done"}', 'status completed_at') ~ 'completed_at="\d{4}-' AS into_done_sets_completed_at;
SELECT (t ->> 'completed_at') = (t ->> 'updated_at') AS completed_at_is_the_update_time FROM tasks.task_get(:'s') t;
SELECT pg_temp.upd(:'s', '{"title": "still done"}', 'completed_at') ~ '\d{4}-' AS staying_done_keeps_it;
SELECT pg_temp.upd(:'s', '{"status": "in_progress"}', 'completed_at') AS out_of_done_clears_it;
SELECT pg_temp.upd(:'s', '{"status": "done", "completed_at": "2026-03-01T10:00:00+01:00"}', 'completed_at') AS given_completion_time;
SELECT pg_temp.upd(:'s', '{"completed_at": "2026-03-02T10:00:00Z"}', 'completed_at') AS done_task_new_completion_time;
SELECT pg_temp.upd(:'s', '{"completed_at": null}') AS done_task_cannot_lose_it;
SELECT pg_temp.upd(:'s', '{"status": "cancelled"}', 'completed_at') AS cancelled_is_not_completed;
SELECT pg_temp.upd(:'s', '{"completed_at": "2026-03-02T10:00:00Z"}') AS not_done_task_gets_none;
SELECT pg_temp.upd(:'s', '{"status": "To do", "completed_at": "2026-03-02T10:00:00Z"}') AS not_even_with_a_status;
SELECT pg_temp.upd(:'s', '{"completed_at": null}', 'completed_at') AS clearing_when_none_is_fine;
SELECT pg_temp.upd(:'s', '{"status": "Nonexistent"}');
-- a task created done by an import, with a completion time, and no status change
UPDATE tasks.tasks SET completed_at = '2026-01-01T00:00:00Z' WHERE id = :'s';
SELECT pg_temp.upd(:'s', '{"title": "imported"}', 'completed_at') AS untouched_without_status_change;

-- due date: all-day and instant exclude each other, setting one clears the other
SELECT pg_temp.upd(:'t', '{"due_date": "2026-04-01"}', 'due_date due_at all_day timezone');
SELECT pg_temp.upd(:'t', '{"due_at": "2026-04-01T09:00:00Z"}', 'due_date due_at all_day timezone');
SELECT pg_temp.upd(:'t', '{"due_at": "2026-04-01T09:00", "timezone": "America/Santiago"}', 'due_at timezone');
SELECT pg_temp.upd(:'t', '{"due_at": "2026-04-01T09:00"}');
SELECT pg_temp.upd(:'t', '{"due_date": "2026-04-01", "due_at": "2026-04-01T09:00:00Z"}');
SELECT pg_temp.upd(:'t', '{"due_at": null, "timezone": null}', 'due_date due_at timezone');
SELECT pg_temp.upd(:'t', '{"timezone": "europe/berlin"}', 'due_at timezone') AS zone_alone_is_kept;
-- the schedule stays ordered against the stored other end
SELECT pg_temp.upd(:'t', '{"scheduled_end": "2026-03-09T07:00:00Z"}');
SELECT pg_temp.upd(:'t', '{"scheduled_start": "2026-03-09T10:00:00Z"}');
SELECT pg_temp.upd(:'t', '{"scheduled_start": "2026-03-09T10:00:00Z", "scheduled_end": "2026-03-09T09:00:00Z"}');
SELECT pg_temp.upd(:'t', '{"scheduled_start": "2026-03-09T10:00:00Z", "scheduled_end": null}', 'scheduled_start scheduled_end');

-- tags: an array replaces, {"add", "remove"} edits
SELECT pg_temp.upd(:'t', '{"tags": ["b", "a", "b"]}', 'tags');
SELECT pg_temp.upd(:'t', '{"tags": {"add": ["c", "a"], "remove": ["b"]}}', 'tags');
SELECT pg_temp.upd(:'t', '{"tags": {"add": ["x"], "remove": ["x"]}}');
SELECT pg_temp.upd(:'t', '{"tags": {}}');
SELECT pg_temp.upd(:'t', '{"tags": {"append": ["x"]}}');
SELECT pg_temp.upd(:'t', '{"tags": {"add": "x"}}');
SELECT pg_temp.upd(:'t', format('{"tags": {"add": %s}}', (SELECT jsonb_agg('n' || i) FROM generate_series(1, 99) i)));

-- assignees: replace (in the order given), add, remove; members of the workspace only
SELECT pg_temp.upd(:'t', '{"assignee_ids": ["00000000-0000-7000-8120-000000000202", "00000000-0000-7000-8120-000000000204"]}', 'assignees');
SELECT tasks._assignee_ids('00000000-0000-7000-8120-000000000001', :'t') AS in_order;
SELECT pg_temp.upd(:'t', '{"assignee_ids": {"add": ["00000000-0000-7000-8120-000000000201"], "remove": ["00000000-0000-7000-8120-000000000204"]}}', 'assignees');
SELECT tasks._assignee_ids('00000000-0000-7000-8120-000000000001', :'t') AS added_last;
SELECT pg_temp.upd(:'t', '{"assignee_ids": ["00000000-0000-7000-8120-000000000203"]}');
SELECT pg_temp.upd(:'t', '{"assignee_ids": ["00000000-0000-7000-8120-000000000209"]}');
SELECT pg_temp.upd(:'t', '{"assignee_ids": {"add": ["00000000-0000-7000-8120-000000000209"]}}');
SELECT pg_temp.upd(:'t', '{"assignee_ids": {"add": ["00000000-0000-7000-8120-000000000202"], "remove": ["00000000-0000-7000-8120-000000000202"]}}');
SELECT pg_temp.upd(:'t', '{"assignee_ids": {"remove": ["not-a-uuid"]}}');
-- an assignee that stays keeps its assignment time
SELECT assigned_at AS ben_assigned_at FROM tasks.task_assignees WHERE task_id = :'t' AND member_id = '00000000-0000-7000-8120-000000000202' \gset
SELECT pg_temp.upd(:'t', '{"assignee_ids": ["00000000-0000-7000-8120-000000000201", "00000000-0000-7000-8120-000000000202"]}', 'version') IS NOT NULL AS replaced;
SELECT assigned_at = :'ben_assigned_at' AS kept_assigned_at FROM tasks.task_assignees WHERE task_id = :'t' AND member_id = '00000000-0000-7000-8120-000000000202';
SELECT pg_temp.upd(:'t2', '{"assignee_ids": ["00000000-0000-7000-8120-000000000201"]}', 'assignees');
SELECT pg_temp.upd(:'t2', '{"assignee_ids": null}', 'assignees');

-- links: <kind>_id replaces that relation, "links" replaces all, an edit adds, removes, clears
SELECT pg_temp.upd(:'t', '{"contact_id": "00000000-0000-7000-8120-000000000302"}', 'links');
SELECT pg_temp.upd(:'t', '{"contact_name": "hans mueller"}', 'links resolutions');
SELECT pg_temp.upd(:'t', '{"contact_id": null}', 'links');
SELECT pg_temp.upd(:'t', '{"links": {"add": [{"kind": "contact", "id": "00000000-0000-7000-8120-000000000302", "relation": "second_opinion"}, {"kind": "company", "name": "Globex"}]}}', 'links');
SELECT pg_temp.upd(:'t', '{"links": {"remove": [{"relation": "second_opinion", "id": "00000000-0000-7000-8120-000000000302"}, {"kind": "company", "id": "00000000-0000-7000-8120-000000000303"}]}}', 'links');
SELECT pg_temp.upd(:'t', '{"links": {"clear": ["patient"], "add": [{"kind": "contact", "id": "00000000-0000-7000-8120-000000000301"}]}}', 'links');
SELECT pg_temp.upd(:'t', '{"links": [{"kind": "company", "id": "00000000-0000-7000-8120-000000000303"}], "patient_id": "00000000-0000-7000-8120-000000000304"}', 'links');
SELECT pg_temp.upd(:'t', '{"links": null}', 'links');
SELECT pg_temp.upd(:'t', '{"contact_id": "00000000-0000-7000-8120-000000000309"}');
SELECT pg_temp.upd(:'t', '{"links": {"add": [{"kind": "planet", "id": "00000000-0000-7000-8120-000000000301"}]}}');
SELECT pg_temp.upd(:'t', '{"links": {"remove": [{"id": "00000000-0000-7000-8120-000000000301"}]}}');
SELECT pg_temp.upd(:'t', '{"links": {"remove": [{"kind": "contact"}]}}');
SELECT pg_temp.upd(:'t', '{"links": {"clear": [""]}}');
SELECT pg_temp.upd(:'t', '{"links": {"swap": []}}');
SELECT pg_temp.upd(:'t', '{"contact_name": "Anna Schmidt"}', 'links');
SELECT pg_temp.upd(:'t', '{"contact_name": "Zebediah Quux"}');

-- dependencies: live tasks of the workspace, never the task itself, never a cycle
SELECT tasks.task_create('{"title": "A"}') ->> 'id' AS a \gset
SELECT tasks.task_create('{"title": "B"}') ->> 'id' AS b \gset
SELECT tasks.task_create('{"title": "C"}') ->> 'id' AS c \gset
SELECT pg_temp.stored(:'a') AS a_before \gset
SELECT pg_temp.upd(:'a', format('{"title": "A!", "dependency_ids": ["%s"]}', :'a'));
SELECT pg_temp.stored(:'a') = :'a_before' AS self_dependency_wrote_nothing;
SELECT count(*) AS no_lock_taken FROM tasks.dependency_locks WHERE workspace_id = '00000000-0000-7000-8120-000000000001';
SELECT pg_temp.upd(:'a', format('{"dependency_ids": ["%s"]}', :'b'), 'dependency_ids') = format('dependency_ids=["%s"]', :'b') AS a_waits_for_b;
SELECT pg_temp.upd(:'b', format('{"dependency_ids": ["%s"]}', :'c'), 'dependency_ids') = format('dependency_ids=["%s"]', :'c') AS b_waits_for_c;
SELECT replace(replace(replace(pg_temp.err(:'c', format('{"dependency_ids": {"add": ["%s"]}}', :'a'))::text, :'a', '<A>'), :'b', '<B>'), :'c', '<C>') AS c_on_a_closes_a_cycle;
SELECT pg_temp.upd(:'c', format('{"dependency_ids": ["%s"]}', :'b'));
SELECT pg_temp.upd(:'b', format('{"dependency_ids": ["%s", "%s"]}', :'c', :'a'));
SELECT pg_temp.upd(:'c', format('{"dependency_ids": ["%s", "%s"]}', :'t2', :'t3'), 'version') IS NOT NULL AS c_on_others_is_fine;
SELECT pg_temp.upd(:'a', format('{"dependency_ids": {"add": ["%s"]}}', :'c'), 'version') IS NOT NULL AS a_on_c_too;
SELECT (SELECT count(*) FROM tasks.task_dependencies WHERE task_id = :'a') AS a_dependencies;
SELECT pg_temp.upd(:'a', format('{"dependency_ids": {"remove": ["%s"]}}', :'b'), 'version') IS NOT NULL AS removed,
	   (SELECT array_agg(depends_on_id = :'c') FROM tasks.task_dependencies WHERE task_id = :'a') AS only_c_left;
SELECT pg_temp.upd(:'a', format('{"dependency_ids": ["%s"]}', :'foreign_task'));
SELECT pg_temp.upd(:'a', format('{"dependency_ids": ["%s"]}', :'gone'));
SELECT pg_temp.upd(:'a', '{"dependency_ids": null}', 'dependency_ids');
SELECT version AS lock_version FROM tasks.dependency_locks WHERE workspace_id = '00000000-0000-7000-8120-000000000001';
-- a cycle through a soft-deleted task counts: a restore must not close one
UPDATE tasks.tasks SET deleted_at = now() WHERE id = :'b';
SELECT pg_temp.upd(:'c', format('{"dependency_ids": {"add": ["%s"]}}', :'a'), 'version') IS NOT NULL AS c_on_a_fine_again;
UPDATE tasks.tasks SET deleted_at = NULL WHERE id = :'b';
SELECT pg_temp.upd(:'a', format('{"dependency_ids": ["%s"]}', :'b')) LIKE '22023 /dependency_ids/0:cycle' AS through_b_and_c;

-- metadata: replaced, or merged with metadata_merge (null removes a key)
SELECT pg_temp.upd(:'t4', '{"metadata": {"a": 1, "b": {"x": 1}}}', 'metadata');
SELECT pg_temp.upd(:'t4', '{"metadata_merge": {"b": {"y": 2}, "c": 3, "a": null}}', 'metadata');
SELECT pg_temp.upd(:'t4', '{"metadata": {}, "metadata_merge": {"a": 1}}');
SELECT pg_temp.upd(:'t4', '{"metadata_merge": [1]}');
SELECT pg_temp.upd(:'t4', format('{"metadata": {"big": "%s"}}', repeat('x', 40000)), 'version') IS NOT NULL AS big_metadata;
SELECT pg_temp.upd(:'t4', format('{"metadata_merge": {"bigger": "%s"}}', repeat('y', 40000)));
-- external ids stay unique; a task may keep its own
SELECT pg_temp.upd(:'t4', '{"external_id": "upd-1"}');
SELECT pg_temp.upd(:'t4', '{"external_id": "upd-4"}', 'external_id');
-- notes are added (a patch never removes notes), written by the actor
SELECT pg_temp.upd(:'t4', '{"notes": ["First", "Second"]}', 'version') IS NOT NULL AS noted;
SELECT body, created_by FROM tasks.notes WHERE task_id = :'t4' ORDER BY id;
SELECT pg_temp.upd(:'t4', '{"notes": [""]}');

-- nothing is written when a call fails
SELECT pg_temp.stored(:'t4') AS t4_before \gset
SELECT pg_temp.upd(:'t4', '{"title": "valid", "assignee_ids": ["00000000-0000-7000-8120-000000000203"]}');
SELECT pg_temp.upd(:'t4', '{"title": "valid", "tags": ["ok"], "status": "done", "completed_at": null}');
SELECT pg_temp.upd(:'t4', '{"title": "valid", "version": 1}') LIKE 'PT409 %' AS conflict;
SELECT pg_temp.stored(:'t4') = :'t4_before' AS unchanged;

-- a role that may not act in the workspace
SET client_min_messages = warning;
DROP ROLE IF EXISTS tasks_update_intruder;
RESET client_min_messages;
CREATE ROLE tasks_update_intruder;
GRANT USAGE ON SCHEMA tasks TO tasks_update_intruder;
GRANT EXECUTE ON FUNCTION tasks.task_update(uuid, jsonb) TO tasks_update_intruder;
SET ROLE tasks_update_intruder;
SELECT pg_temp.upd(:'t4', '{"title": "x"}');
RESET ROLE;
DROP OWNED BY tasks_update_intruder;
DROP ROLE tasks_update_intruder;

-- tasks_v1.task_update from SQL: {"id", ...patch}
CREATE FUNCTION pg_temp.v1(body text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r jsonb; st text; det text;
BEGIN
	r := tasks_v1.task_update(body::jsonb);
	RETURN 'ok ' || (r ->> 'title') || ' v' || (r ->> 'version');
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, det = PG_EXCEPTION_DETAIL;
	RETURN st || ' ' || CASE WHEN det LIKE '[%' THEN
		(SELECT string_agg((e ->> 'path') || ':' || (e ->> 'code'), ' ') FROM jsonb_array_elements(det::jsonb) e)
		ELSE ((det::jsonb - 'current' - 'message') || jsonb_build_object('has_current', det::jsonb ? 'current'))::text END;
END $$;
SELECT pg_temp.v1(format('{"id": "%s", "title": "Via v1"}', :'t4'));
SELECT pg_temp.v1(format('{"id": "%s", "title": "Via v1", "version": 1}', :'t4'));
SELECT pg_temp.v1('{"title": "no id", "priority": "asap"}');
SELECT pg_temp.v1('{"id": 42}');
SELECT pg_temp.v1('{"id": "00000000-0000-7000-8120-0000000004ff", "title": "x"}');
SELECT pg_temp.v1(format('{"id": "%s", "title": "x"}', :'foreign_task'));
SELECT pg_temp.v1('[]');
RESET tasks.workspace_id;
RESET tasks.actor_id;

-- over PostgREST: statuses and bodies (requests replayed as PostgREST sends them)
SET client_min_messages = warning;
SELECT tasks.api_setup(NULL);
RESET client_min_messages;
-- what tasks.api_setup must also grant (see doc/update.md)
GRANT SELECT, INSERT, UPDATE ON tasks.dependency_locks TO tasks_api;
SET tasks.jwt_secret = 'test-secret-of-at-least-32-characters!!';
SET tasks.workspace_id = '00000000-0000-7000-8120-000000000001';
SELECT tasks.api_key_create('{"member_id": "00000000-0000-7000-8120-000000000201", "scopes": ["tasks:update"]}') ->> 'key' AS key \gset
RESET tasks.workspace_id;
CREATE FUNCTION pg_temp.request(profile text, headers jsonb, call text)
RETURNS TABLE (status text, body jsonb) LANGUAGE plpgsql AS $$
DECLARE b jsonb;
BEGIN
	PERFORM set_config('search_path', format('"%s", "public"', profile), true),
			set_config('role', 'tasks_anon', true),
			set_config('request.jwt.claims', '{"role": "tasks_anon"}', true),
			set_config('request.method', 'POST', true),
			set_config('request.path', '/rpc/task_update', true),
			set_config('request.headers', headers::text, true),
			set_config('request.cookies', '{}', true);
	PERFORM tasks.pre_request();
	EXECUTE call INTO b;
	-- generated ids (the tests' own ids start with 00000000) are masked
	b := regexp_replace(b::text, '0[1-9a-f][0-9a-f]{6}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}', '<uuid7>', 'g')::jsonb;
	RETURN QUERY SELECT nullif(current_setting('response.status', true), ''),
		(b - 'id' - 'workspace_id' - 'created_at' - 'updated_at' - 'notes' - 'assignees' - 'links' #- '{status,id}')
		|| CASE WHEN b ? 'current' THEN jsonb_build_object('current', (b -> 'current') ->> 'title') ELSE '{}' END;
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.request(text, jsonb, text) TO PUBLIC;
BEGIN;
SELECT status, body ->> 'title' AS title, body ->> 'version' AS version
  FROM pg_temp.request('tasks_v1', format('{"authorization": "Bearer %s"}', :'key')::jsonb,
	format($$SELECT tasks_v1.task_update('{"id": "%s", "title": "Over HTTP", "version": 7}')$$, :'t4'));
COMMIT;
BEGIN;
SELECT * FROM pg_temp.request('tasks_v1', format('{"authorization": "Bearer %s"}', :'key')::jsonb,
	format($$SELECT tasks_v1.task_update('{"id": "%s", "title": "Stale", "version": 7}')$$, :'t4'));
ROLLBACK;
BEGIN;
SELECT * FROM pg_temp.request('tasks_v1', format('{"authorization": "Bearer %s"}', :'key')::jsonb,
	format($$SELECT tasks_v1.task_update('{"id": "%s", "title": "x"}')$$, :'foreign_task'));
ROLLBACK;
BEGIN;
SELECT * FROM pg_temp.request('tasks_v1', format('{"authorization": "Bearer %s"}', :'key')::jsonb,
	format($$SELECT tasks_v1.task_update('{"id": "%s", "title": ""}')$$, :'t4'));
ROLLBACK;
BEGIN;
SELECT * FROM pg_temp.request('tasks_v1', '{}', format($$SELECT tasks_v1.task_update('{"id": "%s", "title": "x"}')$$, :'t4'));
ROLLBACK;
-- dependencies as the API role (the dependency lock is written under row level security)
BEGIN;
SELECT status, body -> 'dependency_ids' AS depends_on_t3
  FROM pg_temp.request('tasks_v1', format('{"authorization": "Bearer %s"}', :'key')::jsonb,
	format($$SELECT tasks_v1.task_update('{"id": "%s", "dependency_ids": ["%s"]}')$$, :'t4', :'t3'));
COMMIT;
-- an Idempotency-Key replays the stored response
BEGIN;
SELECT status, body ->> 'title' AS title, body ->> 'version' AS version
  FROM pg_temp.request('tasks_v1', format('{"authorization": "Bearer %s", "idempotency-key": "upd-k1"}', :'key')::jsonb,
	format($$SELECT tasks_v1.task_update('{"id": "%s", "title": "Once"}')$$, :'t4'));
COMMIT;
BEGIN;
SELECT status, body ->> 'title' AS title, body ->> 'version' AS version, current_setting('response.headers', true) AS headers
  FROM pg_temp.request('tasks_v1', format('{"authorization": "Bearer %s", "idempotency-key": "upd-k1"}', :'key')::jsonb,
	format($$SELECT tasks_v1.task_update('{"id": "%s", "title": "Once"}')$$, :'t4'));
COMMIT;
SELECT title, version FROM tasks.tasks WHERE id = :'t4';

-- Lightfield: tasks_lightfield.task_update({"id", "fields"?, "relationships"?})
SET tasks.workspace_id = '00000000-0000-7000-8120-000000000001';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8120-000000000211", "name": "LF user", "scopes": ["tasks:create", "tasks:update"]}') IS NOT NULL;
SELECT tasks.member_create('{"id": "00000000-0000-7000-8120-000000000212", "name": "LF creator", "scopes": ["tasks:create"]}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8120-000000000311", "kind": "account", "name": "Acme"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8120-000000000312", "kind": "account", "name": "Initech"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8120-000000000313", "kind": "opportunity", "name": "Big deal"}') IS NOT NULL;
SELECT tasks.relation_definition_create('{"slug": "stakeholders", "kind": "contact"}') IS NOT NULL;
SET tasks.actor_id = '00000000-0000-7000-8120-000000000211';
SELECT tasks_lightfield.task_create($${"fields": {"$title": "LF task", "$status": "TODO", "$dueAt": "2026-05-01T10:00:00Z"},
  "relationships": {"$assignedTo": "00000000-0000-7000-8120-000000000201", "$account": "00000000-0000-7000-8120-000000000311"}}$$) ->> 'id' AS lf \gset
-- an update: "ok" with the values of the fields and of the non-empty relationships, or "SQLSTATE type code param"
CREATE FUNCTION pg_temp.lf(id text, body text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r jsonb; st text; det jsonb;
BEGIN
	r := tasks_lightfield.task_update(CASE WHEN id IS NULL THEN body::jsonb ELSE body::jsonb || jsonb_build_object('id', id) END);
	RETURN 'ok ' || (SELECT string_agg(k || '=' || (v -> 'value')::text, ' ' ORDER BY k) FROM jsonb_each(r -> 'fields') f(k, v))
		|| ' | ' || coalesce((SELECT string_agg(k || '=' || (v -> 'values')::text, ' ' ORDER BY k)
								FROM jsonb_each(r -> 'relationships') x(k, v) WHERE v -> 'values' <> '[]'), '');
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, det = PG_EXCEPTION_DETAIL;
	RETURN concat_ws(' ', st, det #>> '{error,type}', det #>> '{error,code}', det #>> '{error,param}');
END $$;
-- the full error body
CREATE FUNCTION pg_temp.lf_body(id text, body text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE st text; det text;
BEGIN
	PERFORM tasks_lightfield.task_update(body::jsonb || jsonb_build_object('id', id));
	RETURN '"no error"';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, det = PG_EXCEPTION_DETAIL;
	RETURN jsonb_build_object('sqlstate', st, 'body', det::jsonb);
END $$;
-- the response's shape
SELECT jsonb_pretty(jsonb_set(jsonb_set(r, '{id}', '"<id>"'), '{updatedAt}',
						   to_jsonb((r ->> 'updatedAt') ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$')) - 'createdAt') AS response
  FROM tasks_lightfield.task_update(format('{"id": "%s", "fields": {"$title": "LF task, renamed"}}', :'lf')::jsonb) AS r;
-- fields: only those given change; $description and $dueAt can be cleared
SELECT pg_temp.lf(:'lf', '{"fields": {"$description": "**Call** them"}}');
SELECT pg_temp.lf(:'lf', '{"fields": {"$description": null, "$dueAt": null}}');
SELECT pg_temp.lf(:'lf', '{"fields": {"$dueAt": "2026-05-02T09:30:00+02:00"}}');
SELECT pg_temp.lf(:'lf', '{"fields": {"$status": "COMPLETE"}}');
SELECT (tasks.task_get(:'lf') ->> 'completed_at') IS NOT NULL AS complete_sets_completed_at;
SELECT pg_temp.lf(:'lf', '{"fields": {"$status": "CANCELLED"}}');
SELECT (tasks.task_get(:'lf') ->> 'completed_at') IS NULL AS cancelled_clears_it;
SELECT pg_temp.lf(:'lf', '{"fields": {"$status": "IN_PROGRESS"}}');
SELECT pg_temp.lf(:'lf', '{}') LIKE 'ok %' AS nothing_to_change;
-- relationships: one operation each; a has_one "add" sets the value
SELECT pg_temp.lf(:'lf', '{"relationships": {"$assignedTo": {"replace": "00000000-0000-7000-8120-000000000202"}}}');
SELECT pg_temp.lf(:'lf', '{"relationships": {"$assignedTo": {"add": ["00000000-0000-7000-8120-000000000201"]}}}');
SELECT pg_temp.lf(:'lf', '{"relationships": {"$account": {"replace": "00000000-0000-7000-8120-000000000312"}, "$opportunity": {"add": "00000000-0000-7000-8120-000000000313"}}}');
SELECT pg_temp.lf(:'lf', '{"relationships": {"$account": {"remove": "00000000-0000-7000-8120-000000000312"}, "$opportunity": {"replace": null}}}');
SELECT pg_temp.lf(:'lf', '{"relationships": {"stakeholders": {"add": ["00000000-0000-7000-8120-000000000301", "00000000-0000-7000-8120-000000000302"]}}}');
SELECT pg_temp.lf(:'lf', '{"relationships": {"stakeholders": {"remove": ["00000000-0000-7000-8120-000000000301"]}}}');
SELECT pg_temp.lf(:'lf', '{"relationships": {"stakeholders": {"replace": []}}}');
SELECT pg_temp.lf(:'lf', '{"relationships": {"$assignedTo": {"remove": "00000000-0000-7000-8120-000000000201"}}}');
SELECT pg_temp.lf(:'lf', '{"relationships": {"$assignedTo": {"replace": null}}}');
SELECT pg_temp.lf(:'lf', '{"relationships": {"$assignedTo": {"add": []}}}');
SELECT pg_temp.lf(:'lf', '{"relationships": {"$assignedTo": {"replace": ["00000000-0000-7000-8120-000000000201", "00000000-0000-7000-8120-000000000202"]}}}');
SELECT pg_temp.lf(:'lf', '{"relationships": {"$assignedTo": {"replace": "00000000-0000-7000-8120-000000000203"}}}');
SELECT pg_temp.lf(:'lf', '{"relationships": {"$assignedTo": {"replace": "00000000-0000-7000-8120-000000000209"}}}');
SELECT pg_temp.lf(:'lf', '{"relationships": {"$account": {"replace": "not-an-id"}}}');
SELECT pg_temp.lf(:'lf', '{"relationships": {"$account": {"replace": "00000000-0000-7000-8120-000000000313"}}}');
SELECT pg_temp.lf(:'lf', '{"relationships": {"$account": {"add": "00000000-0000-7000-8120-000000000311", "remove": "00000000-0000-7000-8120-000000000312"}}}');
SELECT pg_temp.lf(:'lf', '{"relationships": {"$account": {}}}');
SELECT pg_temp.lf(:'lf', '{"relationships": {"$account": {"set": "00000000-0000-7000-8120-000000000311"}}}');
SELECT pg_temp.lf(:'lf', '{"relationships": {"$account": "00000000-0000-7000-8120-000000000311"}}');
SELECT pg_temp.lf(:'lf', '{"relationships": {"$account": {"add": null}}}');
SELECT pg_temp.lf(:'lf', '{"relationships": {"$account": {"add": [1]}}}');
SELECT pg_temp.lf(:'lf', '{"relationships": {"$note": {"add": "x"}}}');
SELECT pg_temp.lf(:'lf', '{"relationships": {"$createdBy": {"replace": "00000000-0000-7000-8120-000000000202"}}}');
SELECT pg_temp.lf(:'lf', '{"relationships": {"$owner": {"add": "x"}}}');
SELECT pg_temp.lf(:'lf', '{"relationships": {"watchers": {"add": "x"}}}');
-- fields: the create's rules, but every field is optional
SELECT pg_temp.lf(:'lf', '{"fields": {"title": "x"}}');
SELECT pg_temp.lf(:'lf', '{"fields": {"$title": null}}');
SELECT pg_temp.lf(:'lf', '{"fields": {"$title": ""}}');
SELECT pg_temp.lf(:'lf', '{"fields": {"$status": "todo"}}');
SELECT pg_temp.lf(:'lf', '{"fields": {"$status": null}}');
SELECT pg_temp.lf(:'lf', '{"fields": {"$dueAt": "2026-05-01"}}');
SELECT pg_temp.lf(:'lf', '{"fields": {"$dueAt": "2026-05-01T10:00"}}');
SELECT pg_temp.lf(:'lf', format('{"fields": {"$title": "%s"}}', repeat('x', 501)));
SELECT pg_temp.lf_body(:'lf', format('{"fields": {"$title": "%s"}}', repeat('x', 501)));
-- the body, the id and the task
SELECT pg_temp.lf(NULL, '{"fields": {"$title": "x"}}');
SELECT pg_temp.lf(NULL, '{"id": 42}');
SELECT pg_temp.lf(:'lf', '{"version": 1}');
SELECT pg_temp.lf(:'lf', '{"fields": []}');
SELECT pg_temp.lf(NULL, '[]');
SELECT pg_temp.lf_body('not-an-id', '{"fields": {"$title": "x"}}');
SELECT pg_temp.lf('00000000-0000-7000-8120-0000000004ff', '{"fields": {"$title": "x"}}');
SELECT pg_temp.lf(:'foreign_task', '{"fields": {"$title": "x"}}');
SELECT pg_temp.lf('not-an-id', '{"fields": {"$title": null}}') AS bad_request_first;
-- one error per response: the first request error in checking order
SELECT pg_temp.lf(:'lf', '{"fields": {"$title": ""}, "relationships": {"$account": {"replace": "00000000-0000-7000-8120-000000000309"}, "$assignedTo": {"replace": null}}}');
SELECT pg_temp.lf(:'lf', '{"relationships": {"stakeholders": {"add": "00000000-0000-7000-8120-000000000309"}, "$account": {"replace": "00000000-0000-7000-8120-000000000309"}}}');
-- the scope
SET tasks.actor_id = '00000000-0000-7000-8120-000000000212';
SELECT pg_temp.lf_body(:'lf', '{"fields": {"$title": "x"}}');
SET tasks.actor_id = '00000000-0000-7000-8120-000000000211';
-- nothing is written when a call fails
SELECT pg_temp.stored(:'lf') AS lf_before \gset
SELECT pg_temp.lf(:'lf', '{"fields": {"$title": "valid"}, "relationships": {"$account": {"replace": "00000000-0000-7000-8120-000000000309"}}}');
SELECT pg_temp.lf(:'lf', '{"fields": {"$title": "valid"}, "relationships": {"$assignedTo": {"remove": ["00000000-0000-7000-8120-000000000201"]}}}');
SELECT pg_temp.stored(:'lf') = :'lf_before' AS unchanged;

-- Vambe: tasks_vambe.task_update({"id", ...}), PUT /api/public/tasks/{id}
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8120-000000000003", "name": "Vambe org", "statuses": [
  {"name": "Pendiente", "category": "todo", "color": "#60a5fa", "initial": true},
  {"name": "En progreso", "category": "in_progress", "color": "#f59e0b"},
  {"name": "Completada", "category": "done", "color": "#22c55e"},
  {"name": "Cancelada", "category": "cancelled", "color": "#6b7280"}]}') IS NOT NULL AS ws3;
SET tasks.workspace_id = '00000000-0000-7000-8120-000000000003';
SET tasks.actor_id = '00000000-0000-7000-8120-000000000221';
SELECT tasks.member_create('{"id": "00000000-0000-7000-8120-000000000221", "name": "Vera"}') IS NOT NULL;
SELECT tasks.member_create('{"id": "00000000-0000-7000-8120-000000000222", "name": "Valentina"}') IS NOT NULL;
SELECT tasks.agent_create('{"id": "00000000-0000-7000-8120-000000000223", "name": "vambe-bot"}') IS NOT NULL;
SELECT tasks.member_create('{"id": "00000000-0000-7000-8120-000000000224", "name": "Ex employee", "active": false}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8120-000000000321", "kind": "contact", "name": "Carla"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8120-000000000322", "kind": "contact", "name": "Diego"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8120-000000000323", "kind": "customer", "name": "Cliente SA"}') IS NOT NULL;
SELECT tasks_vambe.task_create('{"title": "Vambe task", "priority": "1", "responsibleIds": ["00000000-0000-7000-8120-000000000221"],
  "dueDate": "2025-11-26", "aiContactId": "00000000-0000-7000-8120-000000000321"}') ->> 'id' AS vt \gset
-- generated ids (the tests' own ids start with 00000000) masked
CREATE FUNCTION pg_temp.mask(s text) RETURNS text LANGUAGE sql AS $$
	SELECT regexp_replace(s, '0[1-9a-f][0-9a-f]{6}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}', '<uuid7>', 'g')
$$;
-- an update: the response's chosen keys, or the status and every {field: message}
CREATE FUNCTION pg_temp.vb(id text, body text, keys text DEFAULT '') RETURNS text LANGUAGE plpgsql AS $$
DECLARE r jsonb; st text; det jsonb;
BEGIN
	r := tasks_vambe.task_update(CASE WHEN id IS NULL THEN body::jsonb ELSE body::jsonb || jsonb_build_object('id', id) END);
	RETURN pg_temp.mask('ok' || coalesce(' ' || (SELECT string_agg(k || '=' || coalesce((r -> k)::text, 'absent'), ' ' ORDER BY o)
			  FROM unnest(string_to_array(keys, ' ')) WITH ORDINALITY AS x(k, o)), ''));
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, det = PG_EXCEPTION_DETAIL;
	RETURN pg_temp.mask(st || ' ' || coalesce((SELECT string_agg((e ->> 'field') || ': ' || (e ->> 'message'), ' | ')
								  FROM jsonb_array_elements(det -> 'errors') e), det::text));
END $$;
-- the response's shape
SELECT jsonb_pretty(r || jsonb_build_object('id', '<id>', 'created_at', '<created_at>', 'task_status_config_id', '<status>',
										   'status_config', r -> 'status_config' || '{"id": "<status>"}')) AS response
  FROM tasks_vambe.task_update(format('{"id": "%s", "title": "Vambe task, renamed"}', :'vt')::jsonb) AS r;
-- every field is optional; null leaves it as it is
SELECT pg_temp.vb(:'vt', '{"title": null, "description": null, "priority": null, "dueDate": "2025-11-27"}', 'title description priority due_at is_all_day');
SELECT pg_temp.vb(:'vt', '{"description": "Llamar", "priority": "2"}', 'description priority');
SELECT pg_temp.vb(:'vt', '{"priority": 2}');
SELECT pg_temp.vb(:'vt', '{"title": ""}');
SELECT pg_temp.vb(:'vt', format('{"title": "%s"}', repeat('t', 501)));
-- status: newStatusName (any case) or newStatusPosition, not both
SELECT pg_temp.vb(:'vt', '{"newStatusName": "Completada"}', 'status_config');
SELECT (tasks.task_get(:'vt') ->> 'completed_at') IS NOT NULL AS completed;
SELECT pg_temp.vb(:'vt', '{"newStatusName": "en progreso"}', 'status_config');
SELECT (tasks.task_get(:'vt') ->> 'completed_at') IS NULL AS reopened;
SELECT position AS pendiente_position FROM tasks.statuses WHERE workspace_id = '00000000-0000-7000-8120-000000000003' AND name = 'Pendiente' \gset
SELECT pg_temp.vb(:'vt', format('{"newStatusPosition": %s}', :'pendiente_position'), 'status_config');
SELECT pg_temp.vb(:'vt', '{"newStatusName": "Pendiente", "newStatusPosition": 1}');
SELECT pg_temp.vb(:'vt', '{"newStatusName": "Archivada"}');
SELECT pg_temp.vb(:'vt', '{"newStatusPosition": 99}');
SELECT pg_temp.vb(:'vt', '{"newStatusPosition": -1}');
SELECT pg_temp.vb(:'vt', '{"newStatusName": 3}');
-- due dates: dueDate null removes the due date; a dueDate sets it as create does
SELECT pg_temp.vb(:'vt', '{"dueDate": "2025-12-01", "dueTime": "14:30", "timezone": "America/Santiago"}', 'due_at is_all_day due_timezone');
SELECT pg_temp.vb(:'vt', '{"dueDate": "2025-12-02"}', 'due_at is_all_day due_timezone');
SELECT pg_temp.vb(:'vt', '{"dueDate": "2025-12-02", "dueTime": "09:00"}', 'due_at is_all_day due_timezone');
SELECT pg_temp.vb(:'vt', '{"dueDate": null}', 'due_at is_all_day due_timezone');
SELECT pg_temp.vb(:'vt', '{"dueTime": "14:30"}');
SELECT pg_temp.vb(:'vt', '{"dueDate": null, "dueTime": "14:30"}');
SELECT pg_temp.vb(:'vt', '{"dueDate": "2025-12-02", "dueTime": "25:00"}');
SELECT pg_temp.vb(:'vt', '{"timezone": "Mars/Olympus"}');
SELECT pg_temp.vb(:'vt', '{"timezone": "Europe/Madrid"}', 'due_at due_timezone') AS zone_alone_is_ignored;
-- responsibleIds replaces every assignee: active users of the organisation
SELECT pg_temp.vb(:'vt', '{"responsibleIds": ["00000000-0000-7000-8120-000000000222", "00000000-0000-7000-8120-000000000221"]}', 'task_responsibles');
SELECT pg_temp.vb(:'vt', '{"responsibleIds": ["00000000-0000-7000-8120-000000000222"]}', 'task_responsibles');
SELECT pg_temp.vb(:'vt', '{"responsibleIds": []}');
SELECT pg_temp.vb(:'vt', '{"responsibleIds": ["00000000-0000-7000-8120-000000000223", "00000000-0000-7000-8120-000000000224", "00000000-0000-7000-8120-000000000201"]}');
SELECT pg_temp.vb(:'vt', '{"responsibleIds": ["nope"]}');
SELECT pg_temp.vb(:'vt', '{"responsibleIds": null}', 'task_responsibles');
-- a new contact gets an interactive note; the same contact again does not
SELECT pg_temp.vb(:'vt', '{"aiContactId": "00000000-0000-7000-8120-000000000322"}', 'ai_contact_id');
SELECT pg_temp.vb(:'vt', '{"aiContactId": "00000000-0000-7000-8120-000000000322", "title": "Again"}', 'ai_contact_id');
SELECT record_id, kind, body FROM tasks.notes WHERE task_id = :'vt' ORDER BY id;
SELECT pg_temp.vb(:'vt', '{"aiCustomerId": "00000000-0000-7000-8120-000000000323"}', 'ai_customer_id ai_contact_id');
SELECT pg_temp.vb(:'vt', '{"aiContactId": "00000000-0000-7000-8120-000000000323", "aiCustomerId": "00000000-0000-7000-8120-000000000301"}');
SELECT pg_temp.vb(:'vt', '{"aiContactId": "123"}');
-- associateToCalendar is merged into the metadata, other keys stay
SELECT pg_temp.upd(:'vt', '{"metadata_merge": {"crm": {"pipeline": 7}}}', 'metadata');
SELECT pg_temp.vb(:'vt', '{"associateToCalendar": true}');
SELECT tasks.task_get(:'vt') -> 'metadata' AS metadata;
SELECT pg_temp.vb(:'vt', '{"associateToCalendar": "yes"}');
-- the body, the id, the task, the caller
SELECT pg_temp.vb(:'vt', '{"status": "done", "title": 5}');
SELECT pg_temp.vb(NULL, '{"title": "x"}');
SELECT pg_temp.vb('00000000-0000-7000-8120-0000000004ff', '{"title": "x"}');
SELECT pg_temp.vb(:'foreign_task', '{"title": "x"}');
SELECT pg_temp.vb(:'vt', '[]');
SET tasks.actor_id = '00000000-0000-7000-8120-000000000224';
SELECT pg_temp.vb(:'vt', '{"title": "x"}');
SET tasks.actor_id = '00000000-0000-7000-8120-000000000221';
-- nothing is written when a call fails
SELECT count(*) AS notes_before FROM tasks.notes WHERE task_id = :'vt' \gset
SELECT pg_temp.stored(:'vt') AS vt_before \gset
SELECT pg_temp.vb(:'vt', '{"title": "valid", "aiContactId": "00000000-0000-7000-8120-000000000321", "responsibleIds": ["00000000-0000-7000-8120-000000000223"]}');
SELECT pg_temp.vb(:'vt', '{"title": "valid", "aiContactId": "00000000-0000-7000-8120-000000000321", "newStatusName": "Archivada"}');
SELECT pg_temp.stored(:'vt') = :'vt_before' AS unchanged, count(*) = :notes_before AS no_note FROM tasks.notes WHERE task_id = :'vt';
RESET tasks.workspace_id;
RESET tasks.actor_id;
