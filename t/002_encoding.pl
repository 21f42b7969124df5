# The extension in databases whose encoding is not UTF-8: LATIN1 (one byte a character),
# EUC_JP (a multibyte encoding that is not UTF-8) and SQL_ASCII (bytes, no encoding).  The
# client always speaks UTF-8; the server converts.  Each call must work, or fail with a clean
# error; character limits must count characters of the database's encoding.
#
# (The source is UTF-8 and deliberately has no "use utf8": strings go to psql as bytes.)
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $ws = '00000000-0000-7000-8b00-000000000001';
my $actor = '00000000-0000-7000-8b00-000000000101';
my $contact = '00000000-0000-7000-8b00-000000000301';

my $node = PostgreSQL::Test::Cluster->new('encodings');
$node->init(extra => [ '--encoding=UTF8', '--locale=C' ]);
$node->start;

# Runs sql in db with the client in UTF-8; "ERROR <sqlstate>" on failure, else the output.
sub run_sql
{
	my ($db, $sql) = @_;
	my ($stdout, $stderr);
	$node->psql($db, "SET client_encoding = 'UTF8'; SET client_min_messages = warning;\n"
		  . "SET tasks.workspace_id = '$ws'; SET tasks.actor_id = '$actor';\n\\set VERBOSITY sqlstate\n$sql",
		stdout => \$stdout, stderr => \$stderr, on_error_stop => 1);
	return "ERROR $1" if defined $stderr && $stderr =~ /ERROR:\s+([0-9A-Z]{5})/;
	return $stdout;
}

for my $enc ('LATIN1', 'EUC_JP', 'SQL_ASCII')
{
	my $db = 'enc_' . lc $enc;
	$node->safe_psql('postgres', "CREATE DATABASE $db TEMPLATE template0 ENCODING '$enc' LC_COLLATE 'C' LC_CTYPE 'C'");
	my $created = run_sql($db, 'CREATE EXTENSION tasks CASCADE');
	# (the install script must be readable in the database encoding: see doc/hardening.md)
	if (!is($created, '', "$enc: CREATE EXTENSION tasks works"))
	{
		diag("$enc: CREATE EXTENSION failed; the other checks of $enc are skipped");
		next;
	}

	is(run_sql($db, qq{SELECT tasks.workspace_create('{"id": "$ws", "name": "Café $enc"}') ->> 'name'}), "Café $enc",
		"$enc: workspace with a non-ASCII name, read back in UTF-8");
	is(run_sql($db, qq{SELECT tasks.member_create('{"id": "$actor", "name": "Zoë Ärger", "scopes": ["activities:write", "tasks:create"]}') ->> 'name'}),
		'Zoë Ärger', "$enc: member");
	is(run_sql($db, qq{SELECT tasks.record_create('{"id": "$contact", "kind": "contact", "name": "Hans Müller"}') ->> 'name'}),
		'Hans Müller', "$enc: record");
	is(run_sql($db, q{SELECT tasks.name_norm('Müller, Hans') || '|' || tasks.name_key('Müller, Hans') || '|' || tasks.name_fold('Hans Mueller')}),
		'muller hans|hans muller|hans muller', "$enc: the normalisers agree with UTF-8");

	# names are resolved across transliterations, in every encoding
	is(run_sql($db, q{SELECT tasks.task_create('{"title": "Rückruf", "contact_name": "hans mueller"}') #>> '{links,0,name}'}),
		'Hans Müller', "$enc: contact_name resolved by folding");
	is(run_sql($db, q{SELECT (tasks.resolve('contact', 'Muller, Hans') ->> 'status') || ' ' || (tasks.resolve('contact', 'Muller, Hans') ->> 'method')}),
		'resolved exact', "$enc: resolve");

	# a title of 500 characters that are 1 byte in LATIN1, 2 in EUC_JP (ü is JIS X 0212: 3 bytes), 2 in UTF-8
	my $at = run_sql($db, q{SELECT length(tasks.task_create(jsonb_build_object('title', repeat('ü', 500))) ->> 'title')});
	my $over = run_sql($db, q{SELECT tasks.task_create(jsonb_build_object('title', repeat('ü', 501)))});
	if ($enc eq 'SQL_ASCII')
	{
		# SQL_ASCII has no characters: PostgreSQL counts bytes, so ü (2 bytes of UTF-8) counts twice
		is($at, 'ERROR 22023', "$enc: 500 two-byte characters are 1000 \"characters\" (bytes): too long");
		is(run_sql($db, q{SELECT length(tasks.task_create(jsonb_build_object('title', repeat('ü', 250))) ->> 'title')}), '500',
			"$enc: 250 of them fit (1000 bytes read back as 500 characters in UTF-8)");
	}
	else
	{
		is($at, '500', "$enc: a title of 500 non-ASCII characters is stored");
		is($over, 'ERROR 22023', "$enc: 501 is too long");
	}

	# characters the database cannot hold are refused cleanly before any tasks code runs
	my $euro = run_sql($db, q{SELECT tasks.task_create('{"title": "5 €"}') ->> 'title'});
	my $cyrillic = run_sql($db, q{SELECT tasks.record_create('{"kind": "contact", "name": "Иван Иванов"}') ->> 'name'});
	my $escaped = run_sql($db, q{SELECT tasks.task_create('{"title": "\u0416\u20ac"}') ->> 'title'});
	if ($enc eq 'LATIN1')
	{
		is($euro, 'ERROR 22P05', "$enc: € (not in LATIN1) is refused by the conversion");
		is($cyrillic, 'ERROR 22P05', "$enc: Cyrillic is refused by the conversion");
		is($escaped, 'ERROR 22P05', "$enc: \\u escapes the encoding cannot hold are refused by jsonb");
	}
	elsif ($enc eq 'EUC_JP')
	{
		is($euro, 'ERROR 22P05', "$enc: € (not in EUC_JP) is refused by the conversion");
		is($cyrillic, 'Иван Иванов', "$enc: Cyrillic is in JIS X 0208");
		is(run_sql($db, q{SELECT tasks.name_norm('Иван Иванов')}), 'ivan ivanov', "$enc: and transliterated like in UTF-8");
		is(run_sql($db, q{SELECT tasks.task_create('{"title": "山田"}') ->> 'title'}), '山田', "$enc: kanji");
	}
	else
	{
		is($euro, '5 €', "$enc: any UTF-8 goes in as bytes");
		is($cyrillic, 'Иван Иванов', "$enc: Cyrillic as bytes");
		is($escaped, 'ERROR 0A000', "$enc: non-ASCII \\u escapes are refused by jsonb (not supported without an encoding)");
		is(run_sql($db, q{SELECT tasks.name_norm('Иван Иванов')}), 'ivan ivanov', "$enc: the normaliser reads the bytes as UTF-8");
		# bytes that are not UTF-8 at all: normalised without a crash, whatever comes out
		like(run_sql($db, q{SELECT coalesce(tasks.name_norm(E'Hans \\xff\\xfeM\\xfcller'), 'null')}), qr/hans/,
			"$enc: invalid UTF-8 bytes do not break the normaliser");
		like(run_sql($db, q{SELECT tasks.resolve('contact', E'M\\xfcller \\xc3') ->> 'status'}), qr/^(resolved|ambiguous|not_found|invalid)$/,
			"$enc: nor the resolver");
	}

	# every dialect creates a task with non-ASCII text and reads it back
	is(run_sql($db, qq{SELECT tasks_leadlex.task_create('{"title": "Rückruf", "contact_name": "müller", "due_date": "2026-03-10"}') #>> '{data,title}'}),
		'Rückruf', "$enc: leadlex");
	is(run_sql($db, qq{SELECT tasks_vambe.task_create('{"title": "Llamar a Müller", "priority": "1", "responsibleIds": ["$actor"], "dueDate": "2026-03-10", "dueTime": "14:30", "timezone": "America/Santiago", "aiContactId": "$contact"}') ->> 'due_at'}),
		'2026-03-10T17:30:00.000Z', "$enc: vambe (with its interactive note)");
	is(run_sql($db, qq{SELECT tasks_care.task_create('{"title": "Prüfung", "description": "Kostenträger anrufen", "assigned_user_ids": ["$actor"], "created_by_id": "$actor", "deadline": "2026-03-10T09:00:00+01:00", "tags": ["vörläufig"]}') ->> 'tags'}),
		'["vörläufig"]', "$enc: care");
	is(run_sql($db, qq{SELECT tasks_acp.task_create('{"title": "Größe prüfen", "metadata": {"clé": "valeur"}}') #>> '{task,metadata}'}),
		'{"clé": "valeur"}', "$enc: acp");
	is(run_sql($db, qq{SELECT tasks_lightfield.task_create('{"fields": {"\$title": "Angebot für Müller", "\$status": "TODO"}, "relationships": {"\$assignedTo": "$actor"}}') #>> '{fields,\$title,value}'}),
		'Angebot für Müller', "$enc: lightfield");
	# a validation error's DETAIL (JSON) converts to the client encoding
	like(run_sql($db, q{SELECT tasks_vambe.task_create('{"title": "", "priorité": 1}')}), qr/^ERROR PT400$/, "$enc: a vendor error");
	is(run_sql($db, "SELECT count(*) FROM tasks.tasks WHERE workspace_id = '$ws'"), $enc eq 'LATIN1' ? '7' : '8',
		"$enc: every task that succeeded is stored");
}

$node->stop;
done_testing();
