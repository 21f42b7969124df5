#!/usr/bin/env bash
# Runs the payload fuzzer (test/fuzz/fuzz_payloads.py) against a throwaway cluster: initdb in
# a temp dir, Unix socket only, removed afterwards.  Uses the PostgreSQL of PG_CONFIG and the
# tasks extension installed there (make install first).  Arguments go to the fuzzer; the
# default is the CI mode, --count 2000.  The last line is "N passed, N failed".
#
#   test/fuzz/run.sh                                  # CI mode: 2,000 payloads, < 2 minutes
#   test/fuzz/run.sh --long --count 1000000 --keep-going --seed 20240601    # the long run
#   test/fuzz/run.sh --replay 1:4711                  # one case again (needs --setup: see below)
#
# As root, the cluster and the fuzzer run as TASKS_TEST_USER (postgres).  Needs
# python3-psycopg2 (Debian) and /usr/bin/python3.
set -euo pipefail

PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
HERE=$(cd "$(dirname "$0")" && pwd)
RUNNER=${TASKS_TEST_USER:-postgres}

if [ "$(id -u)" -eq 0 ]; then
	chmod o+rx "$HERE" "$HERE/.." "$HERE/../.." 2>/dev/null || true
	exec runuser -u "$RUNNER" -- env PG_CONFIG="$PG_CONFIG" PATH=/usr/bin:/bin TMPDIR="${TMPDIR:-/tmp}" \
		bash "$HERE/run.sh" "$@"
fi

BIN=$("$PG_CONFIG" --bindir)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tasks-fuzz.XXXXXX")
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
	"$BIN/pg_ctl" -D "$WORK/data" -m immediate -w stop >/dev/null 2>&1 || true
	if [ "${TASKS_KEEP:-}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$BIN/initdb" -D "$WORK/data" --auth=trust -N --encoding=UTF8 --locale=C.UTF-8 >"$WORK/initdb.log" 2>&1 ||
	{ cat "$WORK/initdb.log"; exit 1; }
"$BIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w start \
	-o "-k $WORK -c listen_addresses='' -p 5432 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c timezone=UTC" \
	>/dev/null || { tail -n 30 "$WORK/server.log"; exit 1; }

args=("$@")
if [ ${#args[@]} -eq 0 ]; then args=(--count 2000); fi
rc=0
PGHOST=$WORK PGPORT=5432 PGUSER=$(id -un) /usr/bin/python3 "$HERE/fuzz_payloads.py" --setup \
	--out "$WORK/reproducers" "${args[@]}" 2>&1 | tee "$WORK/fuzz.log" || true
rc=${PIPESTATUS[0]}
final=$(tail -n 1 "$WORK/fuzz.log")
case $final in *" passed, "*" failed") ;; *) final="0 passed, 1 failed"; rc=1 ;; esac
if grep -qE 'terminated by signal|TRAP:|PANIC:' "$WORK/server.log"; then
	echo "----- server log: crashes -----"
	grep -E -B2 -A2 'terminated by signal|TRAP:|PANIC:' "$WORK/server.log" | head -n 40
	rc=1
fi
if [ "$rc" -ne 0 ] && [ -d "$WORK/reproducers" ]; then
	mkdir -p "${TMPDIR:-/tmp}/tasks-fuzz-reproducers"
	cp -r "$WORK/reproducers/." "${TMPDIR:-/tmp}/tasks-fuzz-reproducers/"
	echo "reproducers copied to ${TMPDIR:-/tmp}/tasks-fuzz-reproducers"
	echo "$final"
fi
exit "$rc"
