# Crash safety: a backend killed with SIGKILL in the middle of a create (native, HTTP with
# an Idempotency-Key, a dialect) and in the middle of a long multi-statement transaction.
# After the crash restart there is no partial task, and a retry with the same idempotency
# key creates exactly one task (a second retry is a replay).
#
# "In the middle" is made deterministic with a lock: another session holds tasks.notes in
# ACCESS EXCLUSIVE mode, so the create has written tasks.tasks, task_assignees, task_links
# and task_dependencies (store.c's order) when it waits for the notes insert.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $ws = '00000000-0000-7000-8c00-000000000001';
my $actor = '00000000-0000-7000-8c00-000000000101';
my $contact = '00000000-0000-7000-8c00-000000000301';
my $agent = '00000000-0000-7000-8c00-000000000201';

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
$node->append_conf('postgresql.conf', "restart_after_crash = on\nlog_min_messages = warning\n");
$node->start;

$node->safe_psql('postgres', qq{
SET client_min_messages = warning;
CREATE EXTENSION tasks CASCADE;
SELECT tasks.workspace_create('{"id": "$ws", "name": "Crash"}');
SET tasks.workspace_id = '$ws';
SELECT tasks.member_create('{"id": "$actor", "name": "Crash actor", "scopes": ["tasks:create", "activities:write"]}');
SELECT tasks.agent_create('{"id": "$agent", "name": "crash-bot"}');
SELECT tasks.record_create('{"id": "$contact", "kind": "contact", "name": "Hans Müller"}');
});

my $identity = "SET tasks.workspace_id = '$ws'; SET tasks.actor_id = '$actor';";
my $claims = qq({"workspace_id": "$ws", "member_id": "$actor", "scopes": ["tasks:create", "activities:write"]});

# The statements PostgREST sends for one request (see sql/http.sql), as one string.
sub http_request
{
	my ($key, $call) = @_;
	return qq{BEGIN;
SELECT set_config('request.method', 'POST', true), set_config('request.path', '/rpc/task_create', true),
       set_config('request.headers', '{"idempotency-key": "$key"}', true),
       set_config('request.jwt.claims', '$claims', true), set_config('request.cookies', '{}', true);
SELECT coalesce(current_setting('response.status', true), '') || ' ' || coalesce(current_setting('response.headers', true), '')
  FROM (SELECT $call AS r) s;
COMMIT;};
}

# Rows of the workspace, per table, as one line.
sub census
{
	return $node->safe_psql('postgres', qq{
SELECT format('tasks=%s assignees=%s links=%s dependencies=%s notes=%s idempotency=%s',
  (SELECT count(*) FROM tasks.tasks WHERE workspace_id = '$ws'),
  (SELECT count(*) FROM tasks.task_assignees WHERE workspace_id = '$ws'),
  (SELECT count(*) FROM tasks.task_links WHERE workspace_id = '$ws'),
  (SELECT count(*) FROM tasks.task_dependencies WHERE workspace_id = '$ws'),
  (SELECT count(*) FROM tasks.notes WHERE workspace_id = '$ws'),
  (SELECT count(*) FROM tasks.idempotency_keys WHERE workspace_id = '$ws'))});
}

# Runs $sql in a session that blocks on the notes lock, checks that it is stuck in the
# middle (it has written tasks.tasks), kills it with SIGKILL and waits for the restart.
sub kill_in_the_middle
{
	my ($name, $sql, $written) = @_;
	$written //= 'tasks.tasks';
	my $locker = $node->background_psql('postgres');
	$locker->query_safe('BEGIN; LOCK TABLE tasks.notes IN ACCESS EXCLUSIVE MODE;');
	my $victim = $node->background_psql('postgres', on_error_stop => 0);
	my $pid = $victim->query_safe('SELECT pg_backend_pid()');
	$victim->query_until(qr/started/, "\\echo started\n$sql\n");
	ok( $node->poll_query_until('postgres',
			"SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $pid"),
		"$name: waits on the notes lock");
	is( $node->safe_psql('postgres',
			"SELECT count(*) > 0 FROM pg_locks WHERE pid = $pid AND relation = '$written'::regclass AND mode = 'RowExclusiveLock'"),
		't', "$name: has written $written when it is killed");
	my $log_offset = -s $node->logfile;
	kill 'KILL', $pid;
	# the postmaster ends every session, reinitializes and replays the WAL
	$node->wait_for_log(qr/all server processes terminated; reinitializing/, $log_offset);
	$node->poll_query_until('postgres', 'SELECT 1', '1');
	ok($node->log_contains(qr/was terminated by signal 9/, $log_offset), "$name: the server saw the backend die");
	ok($node->log_contains(qr/database system is ready to accept connections/, $log_offset),
		"$name: and came back after crash recovery");
	# both psql processes lost their server; they may be gone already
	eval { $locker->{run}->kill_kill; };
	eval { $victim->{run}->kill_kill; };
	return;
}

my $clean = 'tasks=0 assignees=0 links=0 dependencies=0 notes=0 idempotency=0';
is(census(), $clean, 'nothing before');

# 1. a native create with assignees, links and notes
kill_in_the_middle('native create', qq{$identity
SELECT tasks.task_create('{"title": "crash native", "assignee_ids": ["$agent"], "contact_id": "$contact", "notes": ["n"]}');});
is(census(), $clean, 'native create: no partial task after recovery');

# 2. a long multi-statement transaction: 40 tasks through four endpoints, killed in the last
kill_in_the_middle('long transaction', qq{$identity
BEGIN;
SELECT count(tasks.task_create(jsonb_build_object('title', 'crash tx native ' || i, 'assignee_ids', jsonb_build_array('$agent')))) FROM generate_series(1, 10) i;
SELECT count(tasks_leadlex.task_create(jsonb_build_object('title', 'crash tx leadlex ' || i, 'contact_id', '$contact'))) FROM generate_series(1, 10) i;
SELECT count(tasks_acp.task_create(jsonb_build_object('title', 'crash tx acp ' || i, 'assigneeAgentId', '$agent'))) FROM generate_series(1, 10) i;
SELECT count(tasks_care.task_create(jsonb_build_object('title', 'crash tx care ' || i, 'description', 'd', 'assigned_user_ids', jsonb_build_array('$actor'),
	'created_by_id', '$actor', 'deadline', '2026-03-10T09:00:00Z'))) FROM generate_series(1, 10) i;
SELECT tasks.task_create('{"title": "crash tx last", "notes": ["n"]}');
COMMIT;});
is(census(), $clean, 'long transaction: none of its 41 tasks after recovery');

# 3. over HTTP with an Idempotency-Key: killed, then retried with the same key
my $body = qq({"title": "crash http", "assignee_ids": ["$agent"], "contact_id": "$contact", "notes": ["n"]});
kill_in_the_middle('HTTP create', http_request('crash-key-1', "tasks_v1.task_create('$body')"));
is(census(), $clean, 'HTTP create: no partial task and no idempotency key after recovery');
my $retry_1 = $node->safe_psql('postgres', http_request('crash-key-1', "tasks_v1.task_create('$body')"));
like($retry_1, qr/^201 /m, 'HTTP create: the retry with the same key creates the task');
unlike($retry_1, qr/Idempotent-Replayed/, 'HTTP create: the first retry runs (no replay of the killed attempt)');
like($node->safe_psql('postgres', http_request('crash-key-1', "tasks_v1.task_create('$body')")),
	qr/^201 .*Idempotent-Replayed/m, 'HTTP create: a second retry is a replay');
is(census(), 'tasks=1 assignees=1 links=1 dependencies=0 notes=1 idempotency=1', 'HTTP create: exactly one task');
is($node->safe_psql('postgres', "SELECT count(*) FROM tasks.tasks WHERE workspace_id = '$ws' AND title = 'crash http'"),
	'1', 'HTTP create: one task with that title');

# 4. a dialect over HTTP: Vambe writes its interactive note on the contact after the task
my $vambe = qq({"title": "crash vambe", "priority": "1", "responsibleIds": ["$actor"], "aiContactId": "$contact"});
kill_in_the_middle('Vambe create', http_request('crash-key-2', "tasks_vambe.task_create('$vambe')"));
is(census(), 'tasks=1 assignees=1 links=1 dependencies=0 notes=1 idempotency=1', 'Vambe create: nothing of it after recovery');
my $retry_2 = $node->safe_psql('postgres', http_request('crash-key-2', "tasks_vambe.task_create('$vambe')"));
like($retry_2, qr/^201 /m, 'Vambe create: the retry creates the task');
unlike($retry_2, qr/Idempotent-Replayed/, 'Vambe create: the first retry runs (no replay of the killed attempt)');
like($node->safe_psql('postgres', http_request('crash-key-2', "tasks_vambe.task_create('$vambe')")),
	qr/^201 .*Idempotent-Replayed/m, 'Vambe create: a second retry is a replay');
is($node->safe_psql('postgres', "SELECT count(*) FROM tasks.tasks WHERE workspace_id = '$ws' AND title = 'crash vambe'"),
	'1', 'Vambe create: one task with that title');

# 5. the server stopped with "immediate" (no checkpoint) right after a commit keeps it
$node->safe_psql('postgres', "$identity SELECT tasks.task_create('{\"title\": \"committed before the stop\"}')");
$node->stop('immediate');
$node->start;
is($node->safe_psql('postgres', "SELECT count(*) FROM tasks.tasks WHERE workspace_id = '$ws' AND title = 'committed before the stop'"),
	'1', 'a committed task survives an immediate stop');
is($node->safe_psql('postgres', qq{SELECT count(*) FROM tasks.task_assignees a WHERE NOT EXISTS
	(SELECT 1 FROM tasks.tasks t WHERE t.workspace_id = a.workspace_id AND t.id = a.task_id)}), '0', 'no orphan assignees');

$node->stop;
done_testing();
