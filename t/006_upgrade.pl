# ALTER EXTENSION tasks UPDATE gives what a fresh install gives, and keeps the data.
#
# For every earlier version installed next to the current one (the frozen scripts in
# upgrade/, installed by make install):
#  - every C symbol its install script names is still in tasks.so (the library is shared
#    by all versions);
#  - an empty database upgraded from it equals a fresh install, object by object, down to
#    the rows the install seeds (test/upgrade/describe.sql, compared by
#    test/upgrade/compare.pl, which prints each difference: object, attribute, both values);
#  - a database with data (tasks with assignees, links, dependencies, notes, records, a
#    workspace setting, statuses, an API key, an idempotency key) set up through the API of
#    the old version and upgraded (then tasks.api_setup() again, as README says) equals a
#    fresh install set up the same way, grants included; its tasks read back as before the
#    upgrade and the API works;
#  - pg_dump / pg_restore of the upgraded database gives the same objects and the same rows;
#  - edits to the seeded record kinds made before the upgrade survive a dump afterwards.
# scripts/upgrade-check.sh runs the object comparison alone against any installation.
use strict;
use warnings;

use FindBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $top = "$FindBin::Bin/..";
my $ws = '00000000-0000-7000-8a00-0000000000a1';
my $actor = '00000000-0000-7000-8a00-000000000101';
my $agent = '00000000-0000-7000-8a00-000000000201';
my $contact = '00000000-0000-7000-8a00-000000000301';
my $identity = "SET tasks.workspace_id = '$ws'; SET tasks.actor_id = '$actor';";
my $secret = "SET tasks.jwt_secret = 'test-secret-of-at-least-32-characters!!';";
my $claims = qq({"workspace_id": "$ws", "member_id": "$actor", "scopes": ["tasks:create", "activities:write"]});

my $node = PostgreSQL::Test::Cluster->new('upgrade');
$node->init;
$node->start;
my $dir = PostgreSQL::Test::Utils::tempdir;

# The versions: the default one is the newest, every other one has an update path to it.
my $default = $node->safe_psql('postgres', "SELECT default_version FROM pg_available_extensions WHERE name = 'tasks'");
my @old = split /\n/, $node->safe_psql('postgres',
	"SELECT version FROM pg_available_extension_versions WHERE name = 'tasks' AND version <> '$default' ORDER BY string_to_array(version, '.')::int[]");
ok(scalar(@old) > 0, "versions before $default are installed: @old");
for my $v (@old)
{
	like($node->safe_psql('postgres', "SELECT path FROM pg_extension_update_paths('tasks') WHERE source = '$v' AND target = '$default'"),
		qr/^\Q$v\E--.*\Q$default\E$/, "an update path from $v to $default");
}

# Every C symbol the old scripts name exists in the current tasks.so: a C function is
# created only if its symbol (and its PG_FUNCTION_INFO_V1 record) are found.
my $sharedir = $node->config_data('--sharedir');
for my $v (@old)
{
	my $script = "$sharedir/extension/tasks--$v.sql";
	open my $fh, '<', $script or die "$script: $!";
	my %symbols = map { $_ => 1 } (join('', <$fh>) =~ /'MODULE_PATHNAME',\s*'(\w+)'/g);
	close $fh;
	ok(scalar(keys %symbols) > 0, "tasks--$v.sql names C symbols (" . scalar(keys %symbols) . ")");
	my ($ret, $out, $err) = $node->psql('postgres', "DO \$\$ DECLARE s text; missing text[] := '{}'; BEGIN
		FOREACH s IN ARRAY ARRAY['" . join("', '", sort keys %symbols) . "'] LOOP
			BEGIN
				EXECUTE format('CREATE FUNCTION pg_temp.%I() RETURNS void AS %L, %L LANGUAGE C', 'probe_' || s, '\$libdir/tasks', s);
			EXCEPTION WHEN OTHERS THEN
				missing := missing || (s || ' (' || SQLERRM || ')');
			END;
		END LOOP;
		RAISE NOTICE 'missing: [%]', array_to_string(missing, ', ');
	END \$\$;");
	like($err, qr/missing: \[\]/, "every C symbol of tasks--$v.sql is in tasks.so") or diag($err);
}

# describe(db, user rows?): writes the description to a file, returns its path
sub describe
{
	my ($db, $user_rows) = @_;
	open my $fh, '<', "$top/test/upgrade/describe.sql" or die $!;
	my $sql = join('', <$fh>);
	close $fh;
	$sql = "SET upgrade_check.user_rows = on;\n$sql" if $user_rows;
	my $file = "$dir/$db.jsonl";
	open my $out, '>', $file or die $!;
	print $out $node->safe_psql($db, $sql), "\n";
	close $out;
	return $file;
}

# same(names, a, b, test name): the two descriptions are equal; the differences otherwise
sub same
{
	my ($names, $a, $b, $name) = @_;
	my ($stdout, $stderr) = ('', '');
	my $ok = IPC::Run::run([ 'perl', "$top/test/upgrade/compare.pl", '--names', $names, $a, $b ], '>', \$stdout, '2>', \$stderr);
	ok($ok, $name) or diag("$stdout$stderr");
	note($stdout) if $ok;
	return $ok;
}

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

my $fresh_empty;
for my $v (@old)
{
	(my $tag = $v) =~ s/\W/_/g;

	# (1) empty: every object and every row, user rows included (there are none)
	$node->safe_psql('postgres', "CREATE DATABASE fresh_empty") unless $fresh_empty;
	$node->safe_psql('fresh_empty', "SET client_min_messages = warning; CREATE EXTENSION tasks CASCADE") unless $fresh_empty;
	$fresh_empty //= describe('fresh_empty', 1);
	$node->safe_psql('postgres', "CREATE DATABASE empty_$tag");
	$node->safe_psql("empty_$tag", "SET client_min_messages = warning; CREATE EXTENSION tasks VERSION '$v' CASCADE");
	is($node->safe_psql("empty_$tag", "SELECT extversion FROM pg_extension WHERE extname = 'tasks'"), $v, "$v installed");
	$node->safe_psql("empty_$tag", "ALTER EXTENSION tasks UPDATE");
	is($node->safe_psql("empty_$tag", "SELECT extversion FROM pg_extension WHERE extname = 'tasks'"), $default, "$v updated to $default");
	same("upgraded_from_$v,fresh_$default", describe("empty_$tag", 1), $fresh_empty,
		"empty database: $v + ALTER EXTENSION UPDATE equals a fresh $default install");

	# (2) with data, set up through the API of $v
	my $db = "data_$tag";
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, qq{
SET client_min_messages = warning;
CREATE EXTENSION tasks VERSION '$v' CASCADE;
SELECT tasks.api_setup('tasks_upgrade_authenticator');
INSERT INTO tasks.record_kinds (kind, label, description) VALUES ('vehicle', 'Vehicle', 'added by the user');
SELECT tasks.workspace_create('{"id": "$ws", "name": "Upgrade A", "slug": "upgrade-a", "settings": {"lightfield_base_url": "https://x.test/"},
  "statuses": [{"name": "Inbox", "category": "backlog", "initial": true, "color": "#111111"}, {"name": "Open", "category": "todo"},
			   {"name": "Doing", "category": "in_progress"}, {"name": "Shipped", "category": "done"}, {"name": "Dropped", "category": "cancelled"}]}');
SELECT tasks.workspace_create('{"name": "Upgrade B"}');
SELECT tasks.workspace_grant('$ws', 'tasks_api');
$identity
SELECT tasks.status_create('{"name": "Waiting", "category": "blocked", "color": "#ff0000", "position": 9}');
SELECT tasks.member_create('{"id": "$actor", "name": "Ana Rojas", "email": "ana\@example.test", "scopes": ["tasks:create", "tasks:read", "activities:write"]}');
SELECT tasks.agent_create('{"id": "$agent", "name": "triage-bot", "scopes": ["tasks:create"]}');
SELECT tasks.record_create('{"id": "$contact", "kind": "contact", "name": "Hans Mueller", "external_id": "crm-1", "data": {"vip": true}}');
SELECT tasks.record_create('{"kind": "vehicle", "name": "Truck 7"}');
SELECT tasks.record_create('{"kind": "account", "name": "Initech"}');
SELECT tasks.record_create(jsonb_build_object('kind', k, 'name', initcap(k) || ' one')) FROM unnest(ARRAY['project', 'thread']) k;
SELECT tasks.relation_definition_create('{"slug": "champion", "kind": "contact", "cardinality": "has_one", "label": "Champion"}');
SELECT tasks.task_create('{"title": "first", "description": "**md**", "priority": "high", "tags": ["a", "b"], "due_at": "2026-03-29T03:30",
  "timezone": "Europe/Berlin", "assignee_ids": ["$actor", "$agent"], "contact_name": "hans mueller", "vehicle_name": "Truck 7",
  "metadata": {"k": [1, 2]}, "external_id": "ext-1", "notes": ["note one", "note two"], "sort_order": 1.5}');
SELECT tasks.task_create(jsonb_build_object('title', 'second', 'due_date', '2026-02-28', 'status', 'Waiting',
  'dependency_ids', jsonb_build_array((SELECT id FROM tasks.tasks WHERE title = 'first'))));
SELECT tasks_leadlex.task_create('{"title": "leadlex", "contact_id": "$contact", "status": "completed", "due_date": "2026-03-10T09:00:00+01:00"}');
SELECT tasks_vambe.task_create('{"title": "vambe", "priority": "2", "responsibleIds": ["$actor"], "dueDate": "2025-10-25", "dueTime": "14:30", "timezone": "America/Santiago", "aiContactId": "$contact"}');
SELECT tasks_acp.task_create(jsonb_build_object('title', 'acp', 'status', 'done', 'assigneeAgentId', '$agent',
  'projectId', (SELECT id FROM tasks.records WHERE kind = 'project'), 'linkedThreadIds', jsonb_build_array((SELECT id FROM tasks.records WHERE kind = 'thread')),
  'dependencyIds', jsonb_build_array((SELECT id FROM tasks.tasks WHERE title = 'second'))));
SELECT tasks_lightfield.task_create(jsonb_build_object('fields', '{"\$title": "lightfield", "\$status": "IN_PROGRESS"}'::jsonb,
  'relationships', jsonb_build_object('\$assignedTo', '$actor', '\$account', (SELECT id FROM tasks.records WHERE kind = 'account'), 'champion', '$contact')));
SELECT tasks.task_update((SELECT id FROM tasks.tasks WHERE title = 'second'), '{"priority": "low"}');
});
	my $api_key = $node->safe_psql($db, "$secret SET tasks.workspace_id = '$ws';
SELECT tasks.api_key_create('{\"member_id\": \"$actor\", \"name\": \"upgrade test\", \"scopes\": [\"activities:write\"]}') ->> 'key'");
	like(http_request($db, 'upgrade-key-1', "tasks_leadlex.task_create('{\"title\": \"over http\", \"contact_id\": \"$contact\"}')"),
		qr/^201 /m, "$v: an HTTP create with an Idempotency-Key");

	# what the API shows before the upgrade
	my $reads = "$identity SELECT jsonb_build_object('get', (SELECT jsonb_agg(tasks.task_get(id) ORDER BY id) FROM tasks.tasks),
		'list', tasks.task_list('{\"limit\": 100}'), 'lightfield', tasks_lightfield.task_list('{}'),
		'workspace', tasks.workspace_get('$ws'))";
	my $counts = q{SELECT string_agg(format('%s=%s', c.oid::regclass, (xpath('/row/n/text()',
			query_to_xml(format('SELECT count(*) AS n FROM %s', c.oid::regclass), false, true, '')))[1]), ' ' ORDER BY c.oid::regclass::text)
		FROM pg_class c WHERE c.relnamespace = 'tasks'::regnamespace AND c.relkind = 'r'
		  AND c.relname NOT IN ('record_kind_edits', 'name_words', 'name_postings')};
	my $before = $node->safe_psql($db, $reads);
	my $counts_before = $node->safe_psql($db, $counts);
	for my $table (qw(tasks task_assignees task_links task_dependencies notes workspaces statuses members records api_keys idempotency_keys))
	{
		like($counts_before, qr/\btasks\.$table=[1-9]/, "$v: $table has rows");
	}

	$node->safe_psql($db, "ALTER EXTENSION tasks UPDATE; SELECT tasks.api_setup(NULL)");

	# the same objects and seeded rows as a fresh install set up the same way
	$node->safe_psql('postgres', "CREATE DATABASE fresh_$tag");
	$node->safe_psql("fresh_$tag", "SET client_min_messages = warning; CREATE EXTENSION tasks CASCADE;
		SELECT tasks.api_setup('tasks_upgrade_authenticator')");
	same("upgraded_from_$v,fresh_$default", describe($db, 0), describe("fresh_$tag", 0),
		"with data and api_setup: $v + ALTER EXTENSION UPDATE equals a fresh $default install, grants included");

	# (c) the data is intact and the API works
	is($node->safe_psql($db, $counts), $counts_before, "$v: every table keeps its rows");
	# the name vocabulary (new in 1.1) was built from the records that existed
	is($node->safe_psql($db, q{SELECT (SELECT count(*) FROM tasks.name_postings) = (SELECT count(*) FROM
			(SELECT DISTINCT r.workspace_id, r.kind, w, r.id FROM tasks.records r,
			 unnest(string_to_array(r.name_norm, ' ')) AS w WHERE r.deleted_at IS NULL) x)
		AND (SELECT count(*) FROM tasks.name_postings) > 0}), 't',
		"$v: the upgrade indexed the words of every existing record name");
	is($node->safe_psql($db, $reads), $before, "$v: task_get, task_list, the Lightfield list and the workspace read back as before");
	is($node->safe_psql($db, "$identity SELECT tasks.task_create(('{\"title\": \"after upgrade\", \"vehicle_name\": \"truck 7\", \"assignee_ids\": [\"$agent\"], \"dependency_ids\": [\"' || (SELECT id FROM tasks.tasks WHERE title = 'first') || '\"]}')::jsonb) #>> '{links,0,kind}'"),
		'vehicle', "$v: a new task links a record of the user's own kind");
	is($node->safe_psql($db, "$identity SELECT tasks.task_update((SELECT id FROM tasks.tasks WHERE title = 'first'), '{\"title\": \"first, renamed\"}') ->> 'title'"),
		'first, renamed', "$v: an old task can be updated");
	is($node->safe_psql($db, "$identity SELECT count(*) FROM jsonb_array_elements(tasks.task_list('{\"limit\": 100}') -> 'data')"),
		$node->safe_psql($db, "SELECT count(*) FROM tasks.tasks WHERE deleted_at IS NULL AND workspace_id = '$ws'"), "$v: task_list lists old and new tasks");
	is($node->safe_psql($db, "$identity SELECT tasks.resolve('contact', 'mueller hans') ->> 'id'"), $contact, "$v: names resolve");
	like(http_request($db, 'upgrade-key-1', "tasks_leadlex.task_create('{\"title\": \"over http\", \"contact_id\": \"$contact\"}')"),
		qr/^201 .*Idempotent-Replayed/m, "$v: the idempotency key still replays");
	is($node->safe_psql($db, "$secret SELECT tasks._api_key_claims('$api_key') ->> 'member_id'"), $actor, "$v: the API key still authenticates");

	# (d) pg_dump / pg_restore of the upgraded database: the same objects and rows
	$node->command_ok([ 'pg_dump', '-Fc', '-f', "$dir/$db.dump", '-d', $node->connstr($db) ], "$v: pg_dump of the upgraded database");
	$node->safe_psql('postgres', "CREATE DATABASE restored_$tag");
	my ($stdout, $stderr) = ('', '');
	my $ok = IPC::Run::run([ 'pg_restore', '--exit-on-error', '-d', $node->connstr("restored_$tag"), "$dir/$db.dump" ],
		'>', \$stdout, '2>', \$stderr);
	ok($ok && $stderr eq '', "$v: pg_restore exits 0 and reports nothing") or diag($stderr);
	same("upgraded_from_$v,restored", describe($db, 1), describe("restored_$tag", 1),
		"$v: the restored database has the same objects, grants, rows and sequence positions");

	# (e) seeded record kinds edited before the upgrade: kept by the dump afterwards
	my $kdb = "kinds_$tag";
	$node->safe_psql('postgres', "CREATE DATABASE $kdb");
	$node->safe_psql($kdb, "SET client_min_messages = warning; CREATE EXTENSION tasks VERSION '$v' CASCADE;
		UPDATE tasks.record_kinds SET label = 'Client', description = 'people we bill' WHERE kind = 'contact';
		DELETE FROM tasks.record_kinds WHERE kind = 'fax';
		INSERT INTO tasks.record_kinds (kind, label) VALUES ('vehicle', 'Vehicle');
		ALTER EXTENSION tasks UPDATE;");
	$node->command_ok([ 'pg_dump', '-Fc', '-f', "$dir/$kdb.dump", '-d', $node->connstr($kdb) ], "$v: pg_dump after edits to seeded kinds");
	$node->safe_psql('postgres', "CREATE DATABASE restored_$kdb");
	$ok = IPC::Run::run([ 'pg_restore', '--exit-on-error', '-d', $node->connstr("restored_$kdb"), "$dir/$kdb.dump" ],
		'>', \$stdout, '2>', \$stderr);
	ok($ok, "$v: pg_restore of edited seeded kinds") or diag($stderr);
	my $kinds = "SELECT string_agg(format('%s:%s:%s', kind, label, coalesce(description, '')), ' ' ORDER BY kind)
		FROM tasks.record_kinds WHERE kind IN ('contact', 'fax', 'vehicle', 'deal')";
	is($node->safe_psql($kdb, $kinds), 'contact:Client:people we bill deal:Deal: vehicle:Vehicle:', "$v: the edits are in place after the upgrade");
	is($node->safe_psql("restored_$kdb", $kinds), 'contact:Client:people we bill deal:Deal: vehicle:Vehicle:',
		"$v: and after dump and restore (a changed label and a deleted seeded kind)");
}

$node->stop;
done_testing();
