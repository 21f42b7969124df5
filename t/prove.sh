#!/usr/bin/env bash
# Runs the TAP tests (t/*.pl) the way PGXS's prove_installcheck does, without the Makefile:
# each test starts its own clusters (PostgreSQL::Test::Cluster) with the binaries of
# PG_CONFIG and the tasks extension installed there (make install first).  Logs go to a temp
# dir (kept on failure).  The last line is "N passed, N failed", one per test file.
#
#   t/prove.sh                        # every t/*.pl
#   t/prove.sh t/001_crash_recovery.pl
#   TASKS_SLOW_TESTS=0 t/prove.sh     # skip the slow ones (003, 004), as scripts/test.sh does
#
# Needs libipc-run-perl.  As root, runs as TASKS_TEST_USER (postgres): initdb refuses root.
set -euo pipefail

PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
RUNNER=${TASKS_TEST_USER:-postgres}

if [ "$(id -u)" -eq 0 ]; then
	exec runuser -u "$RUNNER" -- env PG_CONFIG="$PG_CONFIG" PATH=/usr/bin:/bin TMPDIR="${TMPDIR:-/tmp}" \
		bash "$HERE/prove.sh" "$@"
fi

BIN=$("$PG_CONFIG" --bindir)
PGXS_DIR=$(dirname "$("$PG_CONFIG" --pgxs)")/../..
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tasks-tap.XXXXXX")
mkdir -p "$WORK/tmp_check"

tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
	cd "$TOP"
	tests=(t/*.pl)
fi
cd "$TOP"
rc=0
TASKS_SLOW_TESTS=${TASKS_SLOW_TESTS:-1} TESTDIR=$WORK PATH="$BIN:$PATH" PG_REGRESS="$PGXS_DIR/src/test/regress/pg_regress" PGPORT=65432 \
	prove -I "$PGXS_DIR/src/test/perl" -I "$TOP" "${tests[@]}" 2>&1 | tee "$WORK/prove.log" || true
rc=${PIPESTATUS[0]}
passed=$(grep -cE '^t/.*\.pl \.+ (ok|skipped)' "$WORK/prove.log" || true)
failed=$((${#tests[@]} - passed))
if [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ]; then
	echo "logs: $WORK/tmp_check/log"
	rc=1
else
	rm -rf "$WORK"
fi
echo "$passed passed, $failed failed"
exit "$rc"
