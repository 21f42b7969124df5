#!/usr/bin/env bash
# Runs the payload fuzzer (test/fuzz/fuzz_payloads.py) against a throwaway cluster: initdb in
# a temp dir, Unix socket only, removed afterwards.  Uses the PostgreSQL of PG_CONFIG and the
# tasks extension installed there (make install first).  Arguments go to the fuzzer; the
# default is the CI mode, --count 2000.  The last line is "N passed, N failed".
#
#   test/fuzz/run.sh                                  # CI mode: 2,000 payloads, < 2 minutes
#   test/fuzz/run.sh --shards 4 --long --count 1000000 --keep-going --seed 20240601  # the long run
#   test/fuzz/run.sh --replay 1:4711                  # one case again (needs --setup: see below)
#
# --shards N (run.sh only, not a fuzzer option) runs N fuzzers side by side on the one
# cluster, each with its own database (tasks_fuzz1..N, so that the before/after row counts
# of one never see the other's calls) and its own part of --start/--count of the same seed.
# Each writes shardK.log in the work directory (TASKS_KEEP=1 keeps it); every line also goes
# to stdout prefixed "[shardK]", and the last line is the sum, "N passed, N failed".
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

# --shards N, and the --start/--count it splits, are taken out of the arguments
shards=1 start=0 count=2000 args=()
while [ $# -gt 0 ]; do
	case $1 in
		--shards) shards=$2; shift 2 ;;
		--shards=*) shards=${1#--shards=}; shift ;;
		--start) start=$2; args+=("$1" "$2"); shift 2 ;;
		--start=*) start=${1#--start=}; args+=("$1"); shift ;;
		--count) count=$2; args+=("$1" "$2"); shift 2 ;;
		--count=*) count=${1#--count=}; args+=("$1"); shift ;;
		*) args+=("$1"); shift ;;
	esac
done
case $shards in '' | *[!0-9]* | 0) echo "--shards needs a positive number" >&2; exit 2 ;; esac
if [ ${#args[@]} -eq 0 ]; then args=(--count 2000); fi
PGUSER=$(id -un)
export PGHOST=$WORK PGPORT=5432 PGUSER
rc=0
if [ "$shards" -eq 1 ]; then
	/usr/bin/python3 "$HERE/fuzz_payloads.py" --setup \
		--out "$WORK/reproducers" "${args[@]}" 2>&1 | tee "$WORK/fuzz.log" || true
	rc=${PIPESTATUS[0]}
	final=$(tail -n 1 "$WORK/fuzz.log")
	case $final in *" passed, "*" failed") ;; *) final="0 passed, 1 failed"; rc=1 ;; esac
else
	# the fuzzer takes the last --dbname/--start/--count given: each shard's own come last
	pids=() each=$((count / shards)) extra=$((count % shards)) from=$start
	for k in $(seq 1 "$shards"); do
		n=$each
		if [ "$k" -le "$extra" ]; then n=$((n + 1)); fi
		/usr/bin/python3 "$HERE/fuzz_payloads.py" --setup --out "$WORK/reproducers" \
			"${args[@]}" --dbname "tasks_fuzz$k" --start "$from" --count "$n" \
			>"$WORK/shard$k.log" 2>&1 &
		pids+=($!)
		from=$((from + n))
	done
	# every shard's lines on stdout as they come; each tail ends with its shard (--pid)
	for k in $(seq 1 "$shards"); do
		(tail -n +1 --pid="${pids[$((k - 1))]}" -F "$WORK/shard$k.log" 2>/dev/null | sed -u "s/^/[shard$k] /") &
	done
	passed=0 failed=0
	for k in $(seq 1 "$shards"); do
		wait "${pids[$((k - 1))]}" || rc=1
	done
	wait
	for k in $(seq 1 "$shards"); do
		last=$(tail -n 1 "$WORK/shard$k.log")
		case $last in
			*" passed, "*" failed")
				# shellcheck disable=SC2086  # split "N passed, N failed" into words
				set -- $last
				passed=$((passed + $1)) failed=$((failed + $3)) ;;
			*) failed=$((failed + 1)); rc=1 ;;
		esac
	done
	final="$passed passed, $failed failed"
	if [ "$failed" -ne 0 ]; then rc=1; fi
	echo "$final"
fi
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
