# pg_dump / pg_restore keeps everything: tasks, assignees, links, dependencies, notes,
# and the configuration (workspaces and their settings, grants, statuses, members and agents
# with scopes, record kinds added by the user and edits to the seeded ones, records, relation
# definitions, API keys, idempotency keys), as well as every other table and sequence of
# schema tasks.  After the restore the service works: a replayed idempotent request is still
# a replay, an API key still authenticates, new tasks can be created and linked to restored
# records.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $ws = '00000000-0000-7000-8900-0000000000a1';
my $ws2 = '00000000-0000-7000-8900-0000000000a2';
my $actor = '00000000-0000-7000-8900-000000000101';
my $user2 = '00000000-0000-7000-8900-000000000102';
my $agent = '00000000-0000-7000-8900-000000000201';
my $contact = '00000000-0000-7000-8900-000000000301';

my $node = PostgreSQL::Test::Cluster->new('dump');
$node->init;
$node->start;
my $identity = "SET tasks.workspace_id = '$ws'; SET tasks.actor_id = '$actor';";
my $claims = qq({"workspace_id": "$ws", "member_id": "$actor", "scopes": ["tasks:create", "activities:write"]});

# a request replayed as PostgREST sends it (sql/http.sql); returns "status headers"
sub http_request
{
	my ($db, $key, $call) = @_;
	return $node->safe_psql($db, qq{BEGIN;
SELECT FROM (SELECT set_config('request.method', 'POST', true), set_config('request.path', '/rpc/task_create', true),
       set_config('request.headers', '{"idempotency-key": "$key"}', true),
       set_config('request.jwt.claims', '$claims', true)) s;
SELECT coalesce(current_setting('response.status', true), '') || ' ' || coalesce(current_setting('response.headers', true), '')
  FROM (SELECT $call AS r) s;
COMMIT;});
}

$node->safe_psql('postgres', qq{
SET client_min_messages = warning;
CREATE EXTENSION tasks CASCADE;
SELECT tasks.api_setup('tasks_dump_authenticator');
INSERT INTO tasks.record_kinds (kind, label, description) VALUES ('vehicle', 'Vehicle', 'added by the user');
SELECT tasks.workspace_create('{"id": "$ws", "name": "Dump A", "slug": "dump-a", "settings": {"lightfield_base_url": "https://x.test/"},
  "statuses": [{"name": "Inbox", "category": "backlog", "initial": true, "color": "#111111"}, {"name": "Open", "category": "todo"},
			   {"name": "Doing", "category": "in_progress"}, {"name": "Shipped", "category": "done"}, {"name": "Dropped", "category": "cancelled"}]}');
SELECT tasks.workspace_create('{"id": "$ws2", "name": "Dump B"}');
SELECT tasks.workspace_grant('$ws', 'tasks_api');
SET tasks.workspace_id = '$ws';
SET tasks.actor_id = '$actor';
SELECT tasks.status_create('{"name": "Waiting", "category": "blocked", "color": "#ff0000", "position": 9}');
SELECT tasks.member_create('{"id": "$actor", "name": "Ana Rojas", "email": "ana\@example.test", "scopes": ["tasks:create", "tasks:read", "activities:write"], "data": {"team": "ops"}}');
SELECT tasks.member_create('{"id": "$user2", "name": "Gone User", "active": false}');
SELECT tasks.agent_create('{"id": "$agent", "name": "triage-bot", "scopes": ["tasks:create"]}');
SELECT tasks.record_create('{"id": "$contact", "kind": "contact", "name": "Hans Müller", "external_id": "crm-1", "data": {"vip": true}}');
SELECT tasks.record_create('{"kind": "vehicle", "name": "Truck 7"}');
SELECT tasks.record_create('{"kind": "account", "name": "Initech"}');
SELECT tasks.record_create(jsonb_build_object('kind', k, 'name', initcap(k) || ' one')) FROM unnest(ARRAY['project', 'release', 'sprint', 'thread', 'patient', 'call']) k;
SELECT tasks.relation_definition_create('{"slug": "champion", "kind": "contact", "cardinality": "has_one", "label": "Champion"}');
SELECT tasks.task_create('{"title": "first", "description": "**md**", "priority": "high", "tags": ["a", "b"], "due_at": "2026-03-29T03:30",
  "timezone": "Europe/Berlin", "assignee_ids": ["$actor", "$agent"], "contact_name": "hans mueller", "vehicle_name": "Truck 7",
  "metadata": {"k": [1, 2]}, "external_id": "ext-1", "notes": ["note one", "note two"], "sort_order": 1.5}');
SELECT tasks.task_create(jsonb_build_object('title', 'second', 'due_date', '2026-02-28', 'status', 'Waiting',
  'dependency_ids', jsonb_build_array((SELECT id FROM tasks.tasks WHERE title = 'first'))));
SELECT tasks_leadlex.task_create('{"title": "leadlex", "contact_id": "$contact", "status": "completed", "due_date": "2026-03-10T09:00:00+01:00"}');
SELECT tasks_vambe.task_create('{"title": "vambe", "priority": "2", "responsibleIds": ["$actor"], "dueDate": "2025-10-25", "dueTime": "14:30", "timezone": "America/Santiago", "aiContactId": "$contact", "associateToCalendar": true}');
SELECT tasks_care.task_create(jsonb_build_object('title', 'care', 'description', 'd', 'assigned_user_ids', jsonb_build_array('$agent'), 'created_by_id', '$actor',
  'deadline', '2023-11-07T05:31:56.5Z', 'patient_id', (SELECT id FROM tasks.records WHERE kind = 'patient'), 'call_id', (SELECT id FROM tasks.records WHERE kind = 'call'), 'tags', '["vob"]'::jsonb));
SELECT tasks_acp.task_create(jsonb_build_object('title', 'acp', 'status', 'done', 'assigneeAgentId', '$agent',
  'projectId', (SELECT id FROM tasks.records WHERE kind = 'project'), 'linkedThreadIds', jsonb_build_array((SELECT id FROM tasks.records WHERE kind = 'thread')),
  'dependencyIds', jsonb_build_array((SELECT id FROM tasks.tasks WHERE title = 'second')), 'metadata', '{"run": 7}'::jsonb));
SELECT tasks_lightfield.task_create(jsonb_build_object('fields', '{"\$title": "lightfield", "\$status": "IN_PROGRESS"}'::jsonb,
  'relationships', jsonb_build_object('\$assignedTo', '$actor', '\$account', (SELECT id FROM tasks.records WHERE kind = 'account'), 'champion', '$contact')));
});
my $secret = "SET tasks.jwt_secret = 'test-secret-of-at-least-32-characters!!';";
my $api_key = $node->safe_psql('postgres', qq{$secret SET tasks.workspace_id = '$ws';
SELECT tasks.api_key_create('{"member_id": "$actor", "name": "dump test", "scopes": ["activities:write"]}') ->> 'key'});
like($api_key, qr/^\S{16,}$/, 'an API key is shown once');
like(http_request('postgres', 'dump-key-1', "tasks_leadlex.task_create('{\"title\": \"over http\", \"contact_id\": \"$contact\"}')"),
	qr/^201 /m, 'an HTTP create with an Idempotency-Key');

# every table and sequence of the extension's schema, as one checksum each (sorted rows)
my $census_sql = q{
SELECT string_agg(format('%s=%s', c.relname, x.v), E'\n' ORDER BY c.relname)
  FROM pg_class c
  CROSS JOIN LATERAL (SELECT tasks_dump_census(c.oid) AS v) x
 WHERE c.relnamespace = 'tasks'::regnamespace AND c.relkind IN ('r', 'S')};
my $census_fn = q{
CREATE FUNCTION pg_temp.tasks_dump_census(t regclass) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
	IF (SELECT relkind FROM pg_class WHERE oid = t) = 'S' THEN
		EXECUTE format('SELECT last_value::text FROM %s', t) INTO r;
		RETURN 'last_value ' || r;
	END IF;
	EXECUTE format('SELECT count(*) || '' rows '' || coalesce(md5(string_agg(x::text, ''|'' ORDER BY x::text)), ''-'') FROM %s x', t) INTO r;
	RETURN r;
END $$;
};
(my $census_q = $census_sql) =~ s/tasks_dump_census/pg_temp.tasks_dump_census/;
my $before = $node->safe_psql('postgres', $census_fn . $census_q);
note("before:\n$before");
for my $table (qw(tasks task_assignees task_links task_dependencies notes workspaces workspace_grants statuses
	members records record_kinds relation_definitions api_keys idempotency_keys))
{
	unlike($before, qr/^$table=0 rows/m, "$table has rows to dump");
}

# dump in the custom format and restore into a new database; plain format into another
my $dir = PostgreSQL::Test::Utils::tempdir;
$node->command_ok([ 'pg_dump', '-Fc', '-f', "$dir/dump.custom", '-d', $node->connstr('postgres') ], 'pg_dump -Fc');
$node->command_ok([ 'pg_dump', '-Fp', '-f', "$dir/dump.sql", '-d', $node->connstr('postgres') ], 'pg_dump -Fp');
$node->safe_psql('postgres', 'CREATE DATABASE restored_custom');
$node->safe_psql('postgres', 'CREATE DATABASE restored_plain');
my ($stdout, $stderr) = ('', '');
my $ok = IPC::Run::run([ 'pg_restore', '--exit-on-error', '-d', $node->connstr('restored_custom'), "$dir/dump.custom" ],
	'>', \$stdout, '2>', \$stderr);
ok($ok, 'pg_restore exits 0') or diag($stderr);
is($stderr, '', 'pg_restore reports nothing');
my ($ret, $out, $err) = $node->psql('restored_plain', undef, extra_params => [ '-v', 'ON_ERROR_STOP=1', '-f', "$dir/dump.sql" ]);
is($ret, 0, 'the plain dump restores with ON_ERROR_STOP') or diag($err);

for my $db ('restored_custom', 'restored_plain')
{
	my $after = $node->safe_psql($db, $census_fn . $census_q);
	is($after, $before, "$db: every table and sequence of schema tasks is the same");

	# the restored service works
	is($node->safe_psql($db, "$identity SELECT tasks.task_get((SELECT id FROM tasks.tasks WHERE title = 'first')) ->> 'due_at'"),
		'2026-03-29T01:30:00.000Z', "$db: task_get reads a restored task");
	is($node->safe_psql($db, "$identity SELECT tasks.resolve('contact', 'mueller hans') ->> 'id'"), $contact,
		"$db: names resolve (generated columns and trigram index rebuilt)");
	like(http_request($db, 'dump-key-1', "tasks_leadlex.task_create('{\"title\": \"over http\", \"contact_id\": \"$contact\"}')"),
		qr/^201 .*Idempotent-Replayed/m, "$db: the idempotency key still replays");
	is($node->safe_psql($db, "$identity SELECT tasks.task_create('{\"title\": \"after restore\", \"vehicle_name\": \"truck 7\", \"assignee_ids\": [\"$agent\"]}') #>> '{links,0,kind}'"),
		'vehicle', "$db: a new task links a record of the user's own kind");
	is($node->safe_psql($db, "$identity SELECT string_agg(r ->> 'slug', ',') FROM jsonb_each(tasks_lightfield.task_definitions() -> 'relationshipDefinitions') e(k, r) WHERE NOT (r ->> 'system')::boolean"),
		'champion', "$db: the custom relationship is defined");
	is($node->safe_psql($db, "$secret SELECT tasks._api_key_claims('$api_key') ->> 'member_id'"), $actor,
		"$db: the API key still authenticates its member");
}

# The seeded record kinds: pg_dump's filter leaves their rows out (CREATE EXTENSION makes
# them), so what the user changed in them travels in tasks.record_kind_edits: a changed
# label and description, a deleted kind, a deleted kind inserted again, a renamed kind.
$node->safe_psql('postgres', q{
UPDATE tasks.record_kinds SET label = 'Client', description = 'people we bill' WHERE kind = 'contact';
UPDATE tasks.record_kinds SET label = 'Firm' WHERE kind = 'company';
UPDATE tasks.record_kinds SET label = 'Company' WHERE kind = 'company';
DELETE FROM tasks.record_kinds WHERE kind = 'fax';
DELETE FROM tasks.record_kinds WHERE kind = 'session';
INSERT INTO tasks.record_kinds (kind, label) VALUES ('session', 'Visit');
UPDATE tasks.record_kinds SET kind = 'assistant_bot' WHERE kind = 'assistant';
});
is($node->safe_psql('postgres', q{SELECT string_agg(format('%s:%s:%s:%s', kind, label, description, deleted), ' ' ORDER BY kind) FROM tasks.record_kind_edits}),
	'assistant:::t company:Company::f contact:Client:people we bill:f fax:::t session:Visit::f',
	'edits to seeded kinds are kept in tasks.record_kind_edits');
my $kinds_q = q{SELECT string_agg(format('%s:%s:%s', kind, label, description), ' ' ORDER BY kind) FROM tasks.record_kinds};
my $kinds = $node->safe_psql('postgres', $kinds_q);
$node->command_ok([ 'pg_dump', '-Fc', '-f', "$dir/dump2.custom", '-d', $node->connstr('postgres') ], 'pg_dump after edits to seeded kinds');
$node->command_ok([ 'pg_dump', '-Fp', '-f', "$dir/dump2.sql", '-d', $node->connstr('postgres') ], 'pg_dump -Fp after edits to seeded kinds');
$node->safe_psql('postgres', 'CREATE DATABASE restored_label');
$node->safe_psql('postgres', 'CREATE DATABASE restored_label_plain');
$ok = IPC::Run::run([ 'pg_restore', '--exit-on-error', '-d', $node->connstr('restored_label'), "$dir/dump2.custom" ], '>', \$stdout, '2>', \$stderr);
ok($ok, 'pg_restore with edited seeded kinds') or diag($stderr);
($ret, $out, $err) = $node->psql('restored_label_plain', undef, extra_params => [ '-v', 'ON_ERROR_STOP=1', '-f', "$dir/dump2.sql" ]);
is($ret, 0, 'the plain dump with edited seeded kinds restores') or diag($err);
for my $db ('restored_label', 'restored_label_plain')
{
	is($node->safe_psql($db, "SELECT label FROM tasks.record_kinds WHERE kind = 'contact'"), 'Client',
		"$db: a changed label of a seeded record kind survives");
	is($node->safe_psql($db, $kinds_q), $kinds, "$db: every record kind is as it was (labels, descriptions, deleted and renamed kinds)");
}

$node->stop;
done_testing();
