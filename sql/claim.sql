-- Agent claiming: task_claim_next, task_heartbeat, task_release; one rule per line.
-- (Races between agents are in specs/claim_race.spec.)
-- A claim as text: the task's title, "none", or the error's SQLSTATE and problems.
CREATE FUNCTION pg_temp.claim(agent text, filter text DEFAULT '{}', lease interval DEFAULT '15 minutes') RETURNS text
LANGUAGE plpgsql AS $$
DECLARE r jsonb; st text; det text;
BEGIN
	r := tasks.task_claim_next(agent::uuid, filter::jsonb, lease);
	RETURN coalesce(r ->> 'title', 'none');
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, det = PG_EXCEPTION_DETAIL;
	RETURN st || coalesce(' ' || (SELECT string_agg((e ->> 'path') || ':' || (e ->> 'code'), ' ')
								   FROM jsonb_array_elements(CASE WHEN det LIKE '[%' THEN det::jsonb ELSE '[]' END) e), '');
END $$;
-- Any call as text: its result with volatile members dropped, or the error.
CREATE FUNCTION pg_temp.try(call text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r jsonb; st text; det text;
BEGIN
	EXECUTE 'SELECT ' || call INTO r;
	IF jsonb_typeof(r) <> 'object' THEN
		RETURN coalesce(r::text, 'NULL');
	END IF;
	RETURN coalesce((r - 'id' - 'task_id' - 'workspace_id' - 'created_at' - 'updated_at' - 'claimed_at' - 'expires_at' #- '{status,id}')::text, 'null');
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, det = PG_EXCEPTION_DETAIL;
	RETURN st || coalesce(' ' || (SELECT string_agg((e ->> 'path') || ':' || (e ->> 'code'), ' ')
								   FROM jsonb_array_elements(CASE WHEN det LIKE '[%' THEN det::jsonb
																  WHEN det LIKE '{%' THEN det::jsonb -> 'errors' ELSE '[]' END) e), '');
END $$;
-- the id of a task of workspace A by title
CREATE FUNCTION pg_temp.tid(wanted text) RETURNS uuid LANGUAGE sql AS $$
	SELECT t.id FROM tasks.tasks t WHERE t.workspace_id = '00000000-0000-7000-8140-000000020001' AND t.title = wanted
$$;
-- the claim columns of a task, as text
CREATE FUNCTION pg_temp.held(wanted text) RETURNS text LANGUAGE sql AS $$
	SELECT coalesce(m.name, '-') || ' ' || s.name || ' v' || t.version
		   || CASE WHEN t.lease_expires_at IS NULL THEN ' no lease' WHEN t.lease_expires_at > now() THEN ' active' ELSE ' expired' END
	  FROM tasks.tasks t JOIN tasks.statuses s ON s.workspace_id = t.workspace_id AND s.id = t.status_id
	  LEFT JOIN tasks.members m ON m.workspace_id = t.workspace_id AND m.id = t.claimed_by
	 WHERE t.workspace_id = '00000000-0000-7000-8140-000000020001' AND t.title = wanted
$$;
-- empties the queue of workspace A: every task done, no lease
CREATE FUNCTION pg_temp.clear() RETURNS void LANGUAGE sql AS $$
	UPDATE tasks.tasks t SET claimed_by = NULL, claimed_at = NULL, lease_expires_at = NULL,
		   status_id = (SELECT s.id FROM tasks.statuses s WHERE s.workspace_id = t.workspace_id AND s.name = 'Done')
	 WHERE t.workspace_id = '00000000-0000-7000-8140-000000020001'
$$;
-- expires the lease of a task (time passing)
CREATE FUNCTION pg_temp.expire(wanted text) RETURNS void LANGUAGE sql AS $$
	UPDATE tasks.tasks t SET lease_expires_at = now() - interval '1 second'
	 WHERE t.workspace_id = '00000000-0000-7000-8140-000000020001' AND t.title = wanted
$$;
-- the agents
\set a1 '00000000-0000-7000-8140-000000020101'
\set a2 '00000000-0000-7000-8140-000000020102'

SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8140-000000020002", "name": "Claim other"}') IS NOT NULL AS ws_b;
SET tasks.workspace_id = '00000000-0000-7000-8140-000000020002';
SELECT tasks.agent_create('{"id": "00000000-0000-7000-8140-000000020201", "name": "other-bot"}') IS NOT NULL;
SELECT tasks.task_create('{"title": "B task", "priority": "urgent"}') IS NOT NULL;
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8140-000000020003", "name": "No in progress",
		"statuses": [{"name": "Open", "category": "todo", "initial": true}, {"name": "Closed", "category": "done"}]}') IS NOT NULL AS ws_c;
SET tasks.workspace_id = '00000000-0000-7000-8140-000000020003';
SELECT tasks.agent_create('{"id": "00000000-0000-7000-8140-000000020301", "name": "c-bot"}') IS NOT NULL;
SELECT tasks.task_create('{"title": "C task"}') IS NOT NULL;
SELECT tasks.workspace_create('{"id": "00000000-0000-7000-8140-000000020001", "name": "Claim"}') IS NOT NULL AS ws_a;
SET tasks.workspace_id = '00000000-0000-7000-8140-000000020001';
SELECT tasks.agent_create('{"id": "00000000-0000-7000-8140-000000020101", "name": "agent-1"}') IS NOT NULL;
SELECT tasks.agent_create('{"id": "00000000-0000-7000-8140-000000020102", "name": "agent-2"}') IS NOT NULL;
SELECT tasks.member_create('{"id": "00000000-0000-7000-8140-000000020103", "name": "Una User"}') IS NOT NULL;
SELECT tasks.agent_create('{"id": "00000000-0000-7000-8140-000000020104", "name": "retired-bot", "active": false}') IS NOT NULL;
SELECT tasks.agent_create('{"id": "00000000-0000-7000-8140-000000020105", "name": "doomed-bot"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8140-000000020401", "kind": "project", "name": "Apollo"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8140-000000020402", "kind": "project", "name": "Gemini"}') IS NOT NULL;
SELECT tasks.record_create('{"id": "00000000-0000-7000-8140-000000020403", "kind": "sprint", "name": "Sprint 1"}') IS NOT NULL;

-- order: priority (urgent, high, medium, low, none), then sort_order (nulls last), then creation
SELECT tasks.task_create_many('{"tasks": [{"title": "none"}, {"title": "low", "priority": "low"}, {"title": "urgent", "priority": "urgent"},
	{"title": "high", "priority": "high"}, {"title": "medium", "priority": "medium"}, {"title": "high, sort 1", "priority": "high", "sort_order": 1},
	{"title": "high, sort -5", "priority": "high", "sort_order": -5}, {"title": "none, later"}]}') ->> 'created' AS created;
SELECT pg_temp.claim(:'a1') AS first;
SELECT pg_temp.claim(:'a1') AS second;
SELECT pg_temp.claim(:'a2') AS third;
SELECT pg_temp.claim(:'a1') AS fourth;
SELECT pg_temp.claim(:'a1') AS fifth;
SELECT pg_temp.claim(:'a1') AS sixth;
SELECT pg_temp.claim(:'a1') AS seventh;
SELECT pg_temp.claim(:'a1') AS eighth;
-- nothing left: NULL, not an error
SELECT tasks.task_claim_next(:'a1') IS NULL AS none_left;
-- the claimed task: in the workspace's in_progress status, version bumped, leased to the agent
SELECT pg_temp.held('urgent') AS urgent, pg_temp.held('high, sort 1') AS by_agent_2;

-- what comes back: the task with its lease (default 15 minutes)
SELECT pg_temp.clear();
SELECT tasks.task_create('{"title": "shape", "completed_at": "2026-01-01T00:00:00Z"}') IS NOT NULL;
SELECT tasks.task_claim_next(:'a1') AS r \gset
SELECT (:'r'::jsonb) ->> 'title' AS title, (:'r'::jsonb) -> 'status' ->> 'name' AS status, (:'r'::jsonb) ->> 'version' AS version,
	   (:'r'::jsonb) ->> 'completed_at' AS completed_at_cleared, ((:'r'::jsonb) -> 'lease') - 'claimed_at' - 'expires_at' AS lease,
	   ((:'r'::jsonb) -> 'lease' ->> 'expires_at')::timestamptz - ((:'r'::jsonb) -> 'lease' ->> 'claimed_at')::timestamptz = '15 minutes' AS lease_15_minutes;
SELECT tasks.task_create('{"title": "hour"}') IS NOT NULL;
SELECT ((r -> 'lease' ->> 'expires_at')::timestamptz - (r -> 'lease' ->> 'claimed_at')::timestamptz) = '1 hour' AS lease_1_hour
  FROM tasks.task_claim_next(:'a1', '{}', '1 hour') r;
-- filter and lease may be NULL: the defaults
SELECT tasks.task_create('{"title": "nulls"}') IS NOT NULL;
SELECT ((r -> 'lease' ->> 'expires_at')::timestamptz - (r -> 'lease' ->> 'claimed_at')::timestamptz) = '15 minutes' AS lease_15_minutes
  FROM tasks.task_claim_next(:'a1', NULL, NULL) r;

-- eligibility by status category: todo by default; backlog only when asked; never blocked, done, cancelled
SELECT pg_temp.clear();
SELECT tasks.task_create_many('{"tasks": [{"title": "in backlog", "status": "backlog"}, {"title": "is blocked", "status": "blocked"},
	{"title": "is done", "status": "done"}, {"title": "is cancelled", "status": "cancelled"}, {"title": "worked on by a human", "status": "in_progress"}]}') ->> 'created';
SELECT pg_temp.claim(:'a1') AS default_todo_only;
SELECT pg_temp.claim(:'a1', '{"categories": ["todo"]}') AS todo;
SELECT pg_temp.claim(:'a1', '{"categories": ["backlog"]}') AS backlog_when_asked;
SELECT pg_temp.claim(:'a1', '{"categories": ["todo", "backlog"]}') AS nothing_else;
-- a deleted task is never handed out
SELECT tasks.task_create('{"title": "deleted"}') IS NOT NULL;
UPDATE tasks.tasks SET deleted_at = now() WHERE id = pg_temp.tid('deleted');
SELECT pg_temp.claim(:'a1') AS not_deleted;
-- a task held under an active lease is not handed out, even when moved back to todo
SELECT tasks.task_create('{"title": "held"}') IS NOT NULL;
SELECT pg_temp.claim(:'a1') AS claimed;
UPDATE tasks.tasks SET status_id = (SELECT id FROM tasks.statuses WHERE workspace_id = '00000000-0000-7000-8140-000000020001' AND name = 'To do')
 WHERE id = pg_temp.tid('held');
SELECT pg_temp.claim(:'a2') AS active_lease_blocks;
-- ... and is handed out again once the lease expired
SELECT pg_temp.expire('held');
SELECT pg_temp.claim(:'a2') AS expired_lease_on_todo;
SELECT pg_temp.held('held');

-- dependencies: a task whose dependencies are not all done is never handed out
SELECT pg_temp.clear();
SELECT tasks.task_create('{"title": "prerequisite", "priority": "low"}') IS NOT NULL;
SELECT tasks.task_create(jsonb_build_object('title', 'dependent', 'priority', 'urgent', 'dependency_ids', jsonb_build_array(pg_temp.tid('prerequisite')))) IS NOT NULL;
SELECT pg_temp.claim(:'a1') AS skips_the_urgent_dependent;
SELECT pg_temp.claim(:'a2') AS dependency_in_progress_still_blocks;
SELECT tasks.task_release(pg_temp.tid('prerequisite'), :'a1', 'done') ->> 'title' AS released_done;
SELECT pg_temp.claim(:'a2') AS unblocked_once_done;
-- a cancelled dependency does not count as done
SELECT tasks.task_create('{"title": "cancelled prerequisite", "status": "cancelled"}') IS NOT NULL;
SELECT tasks.task_create(jsonb_build_object('title', 'waits on cancelled', 'dependency_ids', jsonb_build_array(pg_temp.tid('cancelled prerequisite')))) IS NOT NULL;
SELECT pg_temp.claim(:'a1') AS cancelled_blocks;
-- every dependency must be done, not just one
SELECT tasks.task_create('{"title": "done one", "status": "done"}') IS NOT NULL;
SELECT tasks.task_create('{"title": "open one", "status": "todo"}') IS NOT NULL;
UPDATE tasks.tasks SET status_id = (SELECT id FROM tasks.statuses WHERE workspace_id = '00000000-0000-7000-8140-000000020001' AND name = 'Blocked')
 WHERE id = pg_temp.tid('open one');
SELECT tasks.task_create(jsonb_build_object('title', 'waits on two', 'dependency_ids', jsonb_build_array(pg_temp.tid('done one'), pg_temp.tid('open one')))) IS NOT NULL;
SELECT pg_temp.claim(:'a1') AS one_open_dependency_blocks;
UPDATE tasks.tasks SET status_id = (SELECT id FROM tasks.statuses WHERE workspace_id = '00000000-0000-7000-8140-000000020001' AND name = 'Done')
 WHERE id = pg_temp.tid('open one');
SELECT pg_temp.claim(:'a1') AS all_done;

-- assignment: the agent's own tasks and unassigned ones, never somebody else's
SELECT pg_temp.clear();
SELECT tasks.task_create_many(jsonb_build_object('tasks', jsonb_build_array(
	jsonb_build_object('title', 'for agent-2', 'sort_order', 1, 'assignee_ids', jsonb_build_array(:'a2')),
	jsonb_build_object('title', 'for Una', 'sort_order', 2, 'assignee_ids', jsonb_build_array('00000000-0000-7000-8140-000000020103')),
	jsonb_build_object('title', 'for agent-1 and Una', 'sort_order', 3, 'assignee_ids', jsonb_build_array(:'a1', '00000000-0000-7000-8140-000000020103')),
	jsonb_build_object('title', 'unassigned', 'sort_order', 4),
	jsonb_build_object('title', 'for agent-1', 'sort_order', 5, 'assignee_ids', jsonb_build_array(:'a1'))))) ->> 'created';
SELECT pg_temp.claim(:'a1', '{"assigned": "unassigned"}') AS only_unassigned;
SELECT pg_temp.claim(:'a1', '{"assigned": "me"}') AS only_mine;
SELECT pg_temp.claim(:'a1', '{"assigned": "me_or_unassigned"}') AS mine_too;
SELECT pg_temp.claim(:'a1') AS not_somebody_elses;
SELECT pg_temp.claim(:'a2') AS agent_2_gets_its_own;
-- claiming does not change the assignees (another agent may take over an expired claim)
SELECT tasks.task_get(pg_temp.tid('unassigned')) -> 'assignees' AS assignees;

-- filters narrow: priorities, tags (all of them), linked records (<kind>_id)
SELECT pg_temp.clear();
SELECT tasks.task_create_many(jsonb_build_object('tasks', jsonb_build_array(
	jsonb_build_object('title', 'apollo sprint 1', 'priority', 'low', 'tags', jsonb_build_array('a', 'b', 'c'),
					   'project_id', '00000000-0000-7000-8140-000000020401', 'sprint_id', '00000000-0000-7000-8140-000000020403'),
	jsonb_build_object('title', 'apollo', 'priority', 'medium', 'tags', jsonb_build_array('a'), 'project_id', '00000000-0000-7000-8140-000000020401'),
	jsonb_build_object('title', 'gemini', 'priority', 'high', 'tags', jsonb_build_array('b'),
					   'links', jsonb_build_array(jsonb_build_object('kind', 'project', 'id', '00000000-0000-7000-8140-000000020402', 'relation', 'owner'))),
	jsonb_build_object('title', 'plain', 'priority', 'urgent'),
	jsonb_build_object('title', 'apollo twice', 'priority', 'urgent', 'project_id', '00000000-0000-7000-8140-000000020401',
					   'links', jsonb_build_array(jsonb_build_object('kind', 'project', 'id', '00000000-0000-7000-8140-000000020401', 'relation', 'owner')))))) ->> 'created';
-- (a record linked under two relations counts once: "apollo twice" has no sprint)
SELECT pg_temp.claim(:'a1', '{"project_id": "00000000-0000-7000-8140-000000020401", "sprint_id": "00000000-0000-7000-8140-000000020403"}') AS both_links;
SELECT pg_temp.claim(:'a1', '{"project_id": "00000000-0000-7000-8140-000000020402"}') AS link_under_any_relation;
SELECT pg_temp.claim(:'a1', '{"contact_id": "00000000-0000-7000-8140-000000020401"}') AS the_kind_must_match;
SELECT pg_temp.claim(:'a1', '{"tags": ["a", "b"]}') AS needs_every_tag;
SELECT pg_temp.claim(:'a1', '{"priorities": ["low", "medium"]}') AS by_priority;
SELECT pg_temp.claim(:'a1', '{"priorities": ["low", "medium"], "project_id": null}') AS null_filter_is_none;
SELECT pg_temp.claim(:'a1', '{"tags": ["a"]}') AS filters_combine_to_none;
SELECT pg_temp.claim(:'a1') AS the_rest;
SELECT pg_temp.claim(:'a1') AS and_the_last;

-- filter problems, all at once, nothing claimed
SELECT pg_temp.claim(:'a1', '[]') AS not_an_object;
SELECT pg_temp.claim(:'a1', '{"colour": "red", "planet_id": "x", "categories": ["done"], "priorities": "high"}') AS several;
SELECT pg_temp.claim(:'a1', '{"categories": []}') AS empty_categories;
SELECT pg_temp.claim(:'a1', '{"categories": ["in_progress", "TODO", 1]}') AS bad_categories;
SELECT pg_temp.claim(:'a1', '{"tags": ["", null]}') AS bad_tags;
SELECT pg_temp.claim(:'a1', '{"priorities": ["asap"]}') AS bad_priority;
SELECT pg_temp.claim(:'a1', '{"assigned": "anyone"}') AS bad_assigned;
SELECT pg_temp.claim(:'a1', '{"assigned": 1}') AS bad_assigned_type;
SELECT pg_temp.claim(:'a1', '{"project_id": "not-a-uuid", "sprint_id": 7}') AS bad_link_ids;
SELECT pg_temp.claim(:'a1', jsonb_build_object('tags', (SELECT jsonb_agg(i::text) FROM generate_series(1, 101) i))::text) AS too_many_tags;
-- the lease: longer than 0, at most 24 hours
SELECT pg_temp.claim(:'a1', '{}', '0 seconds') AS zero;
SELECT pg_temp.claim(:'a1', '{}', '-5 minutes') AS negative;
SELECT pg_temp.claim(:'a1', '{}', '24 hours 1 second') AS too_long;
SELECT pg_temp.claim(:'a1', '{}', '1 month') AS a_month;
SELECT pg_temp.claim(:'a1', '{}', '1 day') AS one_day_is_fine;
-- the agent: an active member of kind agent of this workspace
SELECT pg_temp.claim(NULL) AS missing;
SELECT pg_temp.claim('00000000-0000-7000-8140-000000020999') AS unknown;
SELECT pg_temp.claim('00000000-0000-7000-8140-000000020103') AS a_user;
SELECT pg_temp.claim('00000000-0000-7000-8140-000000020104') AS inactive;
SELECT pg_temp.claim('00000000-0000-7000-8140-000000020201') AS other_workspace_agent;
SELECT pg_temp.claim('00000000-0000-7000-8140-000000020103', '{"colour": 1}', '0 seconds') AS all_problems_at_once;
-- an acting agent claims only for itself; a user may dispatch for any agent
SELECT tasks.task_create('{"title": "dispatched"}') IS NOT NULL;
SET tasks.actor_id = '00000000-0000-7000-8140-000000020102';
SELECT pg_temp.claim(:'a1') AS agent_2_for_agent_1;
SET tasks.actor_id = '00000000-0000-7000-8140-000000020103';
SELECT pg_temp.claim(:'a1') AS user_for_agent_1;
RESET tasks.actor_id;
-- a workspace without an in_progress status cannot hand tasks out
SET tasks.workspace_id = '00000000-0000-7000-8140-000000020003';
SELECT pg_temp.claim('00000000-0000-7000-8140-000000020301') AS no_in_progress_status;
SET tasks.workspace_id = '00000000-0000-7000-8140-000000020001';
-- no workspace, no claim
RESET tasks.workspace_id;
SELECT pg_temp.claim(:'a1') AS no_workspace;
SET tasks.workspace_id = '00000000-0000-7000-8140-000000020001';
-- another workspace's tasks are never handed out (B has an eligible urgent task)
SELECT pg_temp.clear();
SELECT pg_temp.claim(:'a1') AS not_from_b;

-- heartbeat: extends the holder's lease; the version stays
SELECT tasks.task_create('{"title": "beat"}') IS NOT NULL;
SELECT pg_temp.claim(:'a1') AS claimed;
BEGIN;
SELECT pg_temp.try(format('tasks.task_heartbeat(%L, %L, %L)', pg_temp.tid('beat'), :'a1', '30 minutes')) AS heartbeat;
SELECT lease_expires_at - now() = '30 minutes' AS extended_by_30_minutes, version FROM tasks.tasks WHERE id = pg_temp.tid('beat');
COMMIT;
SELECT abs(extract(epoch FROM (tasks.task_heartbeat(pg_temp.tid('beat'), :'a1') ->> 'expires_at')::timestamptz - now()) - 900) < 0.001 AS default_15_minutes;
-- only the holder
SELECT pg_temp.try(format('tasks.task_heartbeat(%L, %L)', pg_temp.tid('beat'), :'a2')) AS other_agent;
-- it shows the task's status, so the agent learns when a human moved it
UPDATE tasks.tasks SET status_id = (SELECT id FROM tasks.statuses WHERE workspace_id = '00000000-0000-7000-8140-000000020001' AND name = 'Blocked')
 WHERE id = pg_temp.tid('beat');
SELECT pg_temp.try(format('tasks.task_heartbeat(%L, %L)', pg_temp.tid('beat'), :'a1')) AS after_human_move;
-- an expired lease nobody took yet can still be renewed by its holder
SELECT pg_temp.expire('beat');
SELECT pg_temp.try(format('tasks.task_heartbeat(%L, %L)', pg_temp.tid('beat'), :'a1')) <> '' AS renewed, pg_temp.held('beat');
-- problems: missing, unknown, other workspace's and deleted tasks; bad lease; bad agent
SELECT pg_temp.try(format('tasks.task_heartbeat(NULL, %L)', :'a1')) AS no_task;
SELECT pg_temp.try(format('tasks.task_heartbeat(%L, %L)', '00000000-0000-7000-8140-000000020999', :'a1')) AS unknown_task;
SELECT pg_temp.try(format('tasks.task_heartbeat(%L, %L)', (SELECT id FROM tasks.tasks WHERE title = 'B task'), :'a1')) AS other_workspace_task;
SELECT pg_temp.try(format('tasks.task_heartbeat(%L, %L)', pg_temp.tid('deleted'), :'a1')) AS deleted_task;
SELECT pg_temp.try(format('tasks.task_heartbeat(%L, %L, %L)', pg_temp.tid('beat'), :'a1', '2 days')) AS lease_too_long;
SELECT pg_temp.try(format('tasks.task_heartbeat(%L, NULL, %L)', pg_temp.tid('beat'), '0 seconds')) AS no_agent_and_bad_lease;

-- lease expiry: another agent reclaims an in_progress task whose lease expired
SELECT pg_temp.clear();
SELECT tasks.task_create('{"title": "crashy"}') IS NOT NULL;
SELECT pg_temp.claim(:'a1') AS agent_1;
SELECT pg_temp.claim(:'a2') AS not_while_active;
SELECT pg_temp.expire('crashy');
SELECT pg_temp.held('crashy') AS expired;
SELECT pg_temp.claim(:'a2') AS reclaimed;
SELECT pg_temp.held('crashy') AS now_agent_2;
-- the old holder has lost it
SELECT pg_temp.try(format('tasks.task_heartbeat(%L, %L)', pg_temp.tid('crashy'), :'a1')) AS heartbeat_lost;
SELECT pg_temp.try(format('tasks.task_release(%L, %L)', pg_temp.tid('crashy'), :'a1')) AS release_lost;
-- an agent deleted while holding a task: the task is reclaimable when the lease runs out
SELECT tasks.task_create('{"title": "orphan"}') IS NOT NULL;
SELECT pg_temp.claim('00000000-0000-7000-8140-000000020105') AS doomed_claims;
DELETE FROM tasks.members WHERE id = '00000000-0000-7000-8140-000000020105';
SELECT pg_temp.held('orphan') AS holder_gone;
SELECT pg_temp.claim(:'a1') AS not_before_expiry;
SELECT pg_temp.expire('orphan');
SELECT pg_temp.claim(:'a1') AS reclaimed_orphan;
SELECT pg_temp.held('orphan') AS agent_1_now;

-- release: back to todo by default, lease cleared, version bumped, claimable again
SELECT pg_temp.clear();
SELECT tasks.task_create('{"title": "returned"}') IS NOT NULL;
SELECT pg_temp.claim(:'a1') AS claimed;
SELECT pg_temp.try(format('tasks.task_release(%L, %L)', pg_temp.tid('returned'), :'a1')) AS released;
SELECT pg_temp.held('returned') AS after_release;
SELECT pg_temp.claim(:'a2') AS claimable_again;
-- release completing the task: done now
SELECT (r ->> 'completed_at') IS NOT NULL AS completed, r -> 'status' ->> 'name' AS status
  FROM tasks.task_release(pg_temp.tid('returned'), :'a2', 'done') r;
-- without a status, a task a human moved meanwhile keeps its status; only the claim ends
SELECT tasks.task_create('{"title": "taken over"}') IS NOT NULL;
SELECT pg_temp.claim(:'a1') AS claimed;
UPDATE tasks.tasks SET status_id = (SELECT id FROM tasks.statuses WHERE workspace_id = '00000000-0000-7000-8140-000000020001' AND name = 'Blocked')
 WHERE id = pg_temp.tid('taken over');
SELECT tasks.task_release(pg_temp.tid('taken over'), :'a1') -> 'status' ->> 'name' AS kept;
SELECT pg_temp.held('taken over') AS claim_ended;
-- a status by name (case-insensitive) or category
SELECT tasks.task_create('{"title": "named"}') IS NOT NULL;
SELECT pg_temp.claim(:'a1') AS claimed;
SELECT tasks.task_release(pg_temp.tid('named'), :'a1', 'BLOCKED') -> 'status' ->> 'name' AS blocked;
-- problems: the status, a task not held, unknown tasks
SELECT tasks.task_create('{"title": "problems"}') IS NOT NULL;
SELECT pg_temp.claim(:'a1') AS claimed;
SELECT pg_temp.try(format('tasks.task_release(%L, %L, %L)', pg_temp.tid('problems'), :'a1', 'Nope')) AS unknown_status;
SELECT pg_temp.try(format('tasks.task_release(%L, %L, %L)', pg_temp.tid('problems'), :'a1', '')) AS empty_status;
SELECT pg_temp.try(format('tasks.task_release(%L, %L)', pg_temp.tid('problems'), :'a2')) AS not_the_holder;
SELECT pg_temp.try(format('tasks.task_release(%L, %L)', pg_temp.tid('named'), :'a1')) AS not_claimed_at_all;
SELECT pg_temp.try(format('tasks.task_release(%L, %L)', '00000000-0000-7000-8140-000000020999', :'a1')) AS unknown_task;
SELECT pg_temp.try(format('tasks.task_release(NULL, NULL, %L)', 'Nope')) AS everything_missing;
SELECT pg_temp.held('problems') AS still_held;
-- a release from another workspace does not reach the task
SET tasks.workspace_id = '00000000-0000-7000-8140-000000020002';
SELECT pg_temp.try(format('tasks.task_release(%L, %L)', pg_temp.tid('problems'), '00000000-0000-7000-8140-000000020201')) AS from_workspace_b;
SET tasks.workspace_id = '00000000-0000-7000-8140-000000020001';
SELECT pg_temp.held('problems') AS untouched;

-- tasks_v1 endpoints (one jsonb body each), from SQL: the same work, errors in the native shape
SELECT pg_temp.clear();
SELECT pg_temp.try($$tasks_v1.task_claim_next('{"agent_id": "00000000-0000-7000-8140-000000020101"}')$$) AS none_is_json_null;
SELECT tasks.task_create('{"title": "v1"}') IS NOT NULL;
SELECT pg_temp.try($$tasks_v1.task_claim_next('{"agent_id": "00000000-0000-7000-8140-000000020101", "lease_seconds": 60}') -> 'lease'$$) AS claimed;
SELECT pg_temp.try(format('tasks_v1.task_heartbeat(%L) - %L', jsonb_build_object('task_id', pg_temp.tid('v1'), 'agent_id', :'a1', 'lease_seconds', 120.5), 'status')) AS heartbeat;
SELECT pg_temp.try(format('tasks_v1.task_heartbeat(%L)', jsonb_build_object('task_id', '00000000-0000-7000-8140-000000020999', 'agent_id', :'a1'))) AS not_found_404;
SELECT pg_temp.try(format('tasks_v1.task_heartbeat(%L)', jsonb_build_object('task_id', pg_temp.tid('v1'), 'agent_id', :'a2'))) AS not_claimed_409;
SELECT pg_temp.try($$tasks_v1.task_claim_next('[]')$$) AS not_an_object;
SELECT pg_temp.try($$tasks_v1.task_claim_next('{"agent": "x", "filter": [], "lease_seconds": 0}')$$) AS body_problems;
SELECT pg_temp.try($$tasks_v1.task_claim_next('{"agent_id": "nope", "lease_seconds": "60"}')$$) AS bad_id_once;
SELECT pg_temp.try($$tasks_v1.task_claim_next('{"agent_id": "00000000-0000-7000-8140-000000020101", "lease_seconds": 86401, "filter": {"tags": "x"}}')$$) AS lease_and_filter;
SELECT pg_temp.try($$tasks_v1.task_release('{"task_id": 1, "status": ""}')$$) AS release_problems;
SELECT pg_temp.try(format('tasks_v1.task_release(%L) -> %L', jsonb_build_object('task_id', pg_temp.tid('v1'), 'agent_id', :'a1', 'status', 'done'), 'status')) AS released;
-- the SQLSTATE and body of a tasks_v1 error
DO $$ DECLARE st text; det text; BEGIN
	PERFORM tasks_v1.task_heartbeat('{"task_id": "00000000-0000-7000-8140-000000020999", "agent_id": "00000000-0000-7000-8140-000000020101"}');
EXCEPTION WHEN OTHERS THEN GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, det = PG_EXCEPTION_DETAIL; RAISE NOTICE '% %', st, det; END $$;

-- over PostgREST, as role tasks_api: 200 with the task or null, 404, 409, 422
SET client_min_messages = warning;
SELECT tasks.api_setup(NULL);
RESET client_min_messages;
CREATE FUNCTION pg_temp.http(call text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE b jsonb;
BEGIN
	PERFORM set_config('search_path', '"tasks_v1", "public"', true),
			set_config('role', 'tasks_api', true),
			set_config('request.jwt.claims', '{"role": "tasks_api", "workspace_id": "00000000-0000-7000-8140-000000020001", "member_id": "00000000-0000-7000-8140-000000020103"}', true),
			set_config('request.method', 'POST', true),
			set_config('request.headers', '{}', true);
	EXECUTE 'SELECT ' || call INTO b;
	RETURN current_setting('response.status', true) || ' ' || coalesce(b ->> 'title', b ->> 'code', b::text);
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.http(text) TO PUBLIC;
SELECT tasks.task_create('{"title": "over http"}') IS NOT NULL;
BEGIN;
SELECT pg_temp.http($$tasks_v1.task_claim_next('{"agent_id": "00000000-0000-7000-8140-000000020101"}')$$) AS claim;
ROLLBACK;
BEGIN;
SELECT pg_temp.http($$tasks_v1.task_claim_next('{"agent_id": "00000000-0000-7000-8140-000000020101", "filter": {"categories": ["backlog"]}}')$$) AS nothing;
ROLLBACK;
BEGIN;
SELECT pg_temp.http($$tasks_v1.task_heartbeat('{"task_id": "00000000-0000-7000-8140-000000020999", "agent_id": "00000000-0000-7000-8140-000000020101"}')$$) AS heartbeat;
ROLLBACK;
BEGIN;
SELECT pg_temp.http(format('tasks_v1.task_release(%L)', jsonb_build_object('task_id', pg_temp.tid('over http'), 'agent_id', :'a1'))) AS release;
ROLLBACK;
BEGIN;
SELECT pg_temp.http($$tasks_v1.task_claim_next('{"agent_id": 1}')$$) AS invalid;
ROLLBACK;
-- the claim functions: volatile, not callable by PUBLIC
SELECT p.oid::regprocedure, p.provolatile, has_function_privilege('public', p.oid, 'EXECUTE') AS public_exec
  FROM pg_proc p WHERE p.proname IN ('task_claim_next', 'task_heartbeat', 'task_release') ORDER BY p.oid::regprocedure::text COLLATE "C";
