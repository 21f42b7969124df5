#!/usr/bin/env bash
# Does ALTER EXTENSION tasks UPDATE give what a fresh install gives?  For every
# version installed before the default one (or the ones named), an empty
# database gets CREATE EXTENSION tasks VERSION '<old>' + ALTER EXTENSION tasks
# UPDATE, another one a fresh CREATE EXTENSION tasks, and the two are compared
# object by object (test/upgrade/describe.sql, test/upgrade/compare.pl): every
# difference is printed as object, attribute and both values.  Exit 0 when all
# are the same.  It installs nothing: run `make install` first.
#
#   scripts/upgrade-check.sh              throwaway cluster from PG_CONFIG's
#                                         binaries and installed extension files
#   scripts/upgrade-check.sh 1.0          only from 1.0
#   PGHOST=/tmp PGPORT=5433 scripts/upgrade-check.sh
#                                         a running server instead (as a superuser;
#                                         its scratch databases are dropped after)
#
# t/006_upgrade.pl runs the same comparison, plus the same with data, grants,
# the API and pg_dump/pg_restore.
set -euo pipefail

HERE=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
BIN=$("$PG_CONFIG" --bindir)
RUNNER=${TASKS_TEST_USER:-postgres}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tasks-upgrade-check.XXXXXX")
OWN_CLUSTER=

as_runner() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u "$RUNNER" -- "$@"; else "$@"; fi
}

# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
	local rc=$?
	if [ -n "$OWN_CLUSTER" ]; then
		as_runner "$BIN/pg_ctl" -D "$WORK/data" -m fast -w stop >/dev/null 2>&1 || true
	else
		for db in "${DBS[@]}"; do
			psql -XAtq -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
		done
	fi
	if [ "$rc" -eq 0 ]; then rm -rf "$WORK"; else echo "descriptions kept in $WORK"; fi
	exit "$rc"
}
DBS=()
trap cleanup EXIT

if [ -z "${PGHOST:-}${PGPORT:-}" ]; then
	OWN_CLUSTER=1
	if [ "$(id -u)" -eq 0 ]; then chown "$RUNNER" "$WORK"; fi
	as_runner "$BIN/initdb" -D "$WORK/data" --auth=trust -N --encoding=UTF8 --locale=C.UTF-8 >"$WORK/initdb.log" 2>&1 ||
		{ cat "$WORK/initdb.log"; exit 1; }
	as_runner "$BIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w start \
		-o "-k $WORK -c listen_addresses='' -p 5499 -c fsync=off" >/dev/null
	export PGHOST=$WORK PGPORT=5499 PGUSER=$RUNNER
fi
export PATH="$BIN:$PATH" PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
psql() { command psql -X -v ON_ERROR_STOP=1 "$@"; }

default=$(psql -XAtq -d postgres -c "SELECT default_version FROM pg_available_extensions WHERE name = 'tasks'")
[ -n "$default" ] || { echo "the tasks extension is not installed for this server ($PG_CONFIG)"; exit 1; }
if [ $# -gt 0 ]; then
	versions=("$@")
else
	mapfile -t versions < <(psql -XAtq -d postgres -c "SELECT version FROM pg_available_extension_versions
		WHERE name = 'tasks' AND version <> '$default' ORDER BY string_to_array(version, '.')::int[]")
fi
echo "default version $default; upgrading from: ${versions[*]:-(none)}"

DBS+=(tasks_upgrade_check_fresh)
psql -q -d postgres -c "DROP DATABASE IF EXISTS tasks_upgrade_check_fresh" -c "CREATE DATABASE tasks_upgrade_check_fresh"
psql -q -d tasks_upgrade_check_fresh -c "SET client_min_messages = warning" -c "CREATE EXTENSION tasks CASCADE"
PGOPTIONS="$PGOPTIONS -c upgrade_check.user_rows=on" psql -Atq -d tasks_upgrade_check_fresh -f "$HERE/test/upgrade/describe.sql" >"$WORK/fresh-$default.jsonl"

rc=0
for v in "${versions[@]}"; do
	db=tasks_upgrade_check_from_${v//[^0-9a-zA-Z]/_}
	DBS+=("$db")
	psql -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
	psql -q -d "$db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION tasks VERSION '$v' CASCADE" \
		-c "ALTER EXTENSION tasks UPDATE"
	PGOPTIONS="$PGOPTIONS -c upgrade_check.user_rows=on" psql -Atq -d "$db" -f "$HERE/test/upgrade/describe.sql" >"$WORK/from-$v.jsonl"
	echo "== $v + ALTER EXTENSION tasks UPDATE vs a fresh $default install"
	perl "$HERE/test/upgrade/compare.pl" --names "upgraded_from_$v,fresh_$default" "$WORK/from-$v.jsonl" "$WORK/fresh-$default.jsonl" || rc=1
done
exit "$rc"
