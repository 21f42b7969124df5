#!/usr/bin/env bash
# Build with warnings as errors, install, and run the pg_regress suite
# (sql/*.sql), the isolation specs (specs/*.spec) and the HTTP tests through
# the PostgREST emulation (test/http) against a throwaway PostgreSQL 15
# cluster.  The last line is always "N passed, N failed".
# Exit 0 only if everything passed and at least one test ran.
#
#   scripts/test.sh                  (installs missing packages first, as root)
#   TASKS_KEEP=1 scripts/test.sh     keep the temp dir with results/ for a look
#   TASKS_SKIP_DEPS=1 scripts/test.sh    do not look at packages at all
# More knobs (cluster kind, user, timeout) at the top of scripts/lib.sh.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

# shellcheck source=lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

# Lines pg_regress prints per test: PG <= 15 "test name ... ok   12 ms"
# (or "     name ... FAILED" inside a parallel group); PG >= 16 TAP style
# "ok 1 - name   12 ms" / "not ok 2 + name".
RESULT_RE='^(test +|     +)[^ ]+ +\.\.\. |^(not )?ok [0-9]+ +[-+] '

# Inside the cluster, as the runner, with the copied tree as the cwd.  The
# status goes to a file and the exit is 0, so that pg_virtualenv does not dump
# the whole server log (full of the errors the tests provoke on purpose).
in_cluster() {
	local rc=0
	run_suites "$@" || rc=$?
	save_server_log server.log
	echo "$rc" >suite-status
	return 0
}

run_suites() {
	local rc=0
	echo "    server $(psql -XAtc 'SHOW server_version') on ${PGHOST:-}:${PGPORT:-} as ${PGUSER:-}"
	if [ "$1" -gt 0 ]; then
		say "pg_regress: $1 test(s)"
		make installcheck PG_CONFIG="$PG_CONFIG" ISOLATION= TAP_TESTS= >regress-run.log 2>&1 || rc=1
		grep -E "$RESULT_RE" regress-run.log | sed 's/^/    /' || true
	fi
	if [ "$2" -gt 0 ]; then
		# After a crash in the regress suite the server restarts; wait for it.
		if [ "$rc" -ne 0 ]; then sleep 2; fi
		for _ in $(seq 1 60); do
			psql -XAtqc 'SELECT 1' >/dev/null 2>&1 && break
			sleep 0.5
		done
		say "isolation: $2 spec(s)"
		make installcheck PG_CONFIG="$PG_CONFIG" REGRESS= TAP_TESTS= >isolation-run.log 2>&1 || rc=1
		grep -E "$RESULT_RE" isolation-run.log | sed 's/^/    /' || true
	fi
	if [ -f test/http/run.py ]; then
		say "http: PostgREST emulation (test/http)"
		psql -XAtqc 'DROP DATABASE IF EXISTS tasks_http' -c 'CREATE DATABASE tasks_http' >/dev/null
		PGDATABASE=tasks_http /usr/bin/python3 test/http/run.py >http-run.log 2>&1 || rc=1
		grep -E '^(not )?ok - ' http-run.log | sed 's/^/    /' || true
	fi
	# The payload fuzzer in CI mode (doc/hardening.md): its own database here.
	if [ -f test/fuzz/fuzz_payloads.py ]; then
		say "fuzz: 2,000 payloads (test/fuzz)"
		/usr/bin/python3 test/fuzz/fuzz_payloads.py --setup --dbname tasks_fuzz --count 2000 \
			--out "$PWD/fuzz-reproducers" >fuzz-run.log 2>&1 || rc=1
		grep -E '^FINDING|^[0-9]+ passed, [0-9]+ failed$' fuzz-run.log | sed 's/^/    /' || true
	fi
	# TAP tests (t/*.pl) start their own clusters; the slow ones only with TASKS_SLOW_TESTS=1.
	if compgen -G 't/*.pl' >/dev/null; then
		say "TAP: $(echo t/*.pl | wc -w) test(s)"
		make installcheck PG_CONFIG="$PG_CONFIG" REGRESS= ISOLATION= TAP_TESTS=1 >tap-run.log 2>&1 || rc=1
		grep -E '^t/[^ ]+\.pl \.+' tap-run.log | sed 's/^/    /' || true
	fi
	return "$rc"
}

# show_tail LOG: the end of a suite's output when it has no result lines for
# every test (pg_regress gave up early).
show_tail() {
	[ -s "$1" ] || return 0
	grep -q '^=* *All [0-9]* tests passed' "$1" && return 0
	echo "----- $1 (last lines) -----"
	tail -n 8 "$1"
}

# passed_names LOG: names of the tests a pg_regress log reports as passed.
passed_names() {
	[ -f "$1" ] || return 0
	sed -nE \
		-e 's/^(test +|     +)([^ ]+) +\.\.\. +ok( .*)?$/\2/p' \
		-e 's/^ok [0-9]+ +[-+] +([^ ]+)( .*)?$/\1/p' "$1"
}

main() {
	local tree regress=() specs=() n_reg n_iso total passed=0 failed=0 rc=0 name f
	local failed_names=()
	for f in "$REPO_ROOT"/sql/*.sql; do [ -e "$f" ] && regress+=("$(basename "$f" .sql)"); done
	for f in "$REPO_ROOT"/specs/*.spec; do [ -e "$f" ] && specs+=("$(basename "$f" .spec)"); done
	n_reg=${#regress[@]}
	n_iso=${#specs[@]}
	total=$((n_reg + n_iso))
	FINAL_LINE="0 passed, $total failed"
	trap 'echo "$FINAL_LINE"' EXIT
	if [ "${TASKS_SKIP_DEPS:-}" != 1 ]; then
		bash "$REPO_ROOT/scripts/install-deps.sh" || die "missing dependencies"
	fi
	require_tools
	make_workdir   # its cleanup prints FINAL_LINE last
	tree=$WORKDIR/tree

	say "copying $REPO_ROOT to $tree"
	copy_tree "$REPO_ROOT" "$tree"
	say "building (make WERROR=1, PostgreSQL $("$PG_CONFIG" --version | awk '{print $2}'))"
	build_ext "$tree" WERROR=1 || die "build failed"
	say "installing"
	install_ext "$tree" || die "make install failed"
	# pg_regress stops at the first test without an expected file; compare
	# those with an empty file instead so the diff shows the whole output.
	for name in "${regress[@]}" "${specs[@]}"; do
		if [ ! -e "$tree/expected/$name.out" ]; then
			warn "expected/$name.out is missing; comparing with an empty file"
			mkdir -p "$tree/expected"
			: >"$tree/expected/$name.out"
		fi
	done
	give_tree_to_runner "$tree"

	if [ "$total" -eq 0 ]; then
		warn "no tests found (sql/*.sql, specs/*.spec)"
		exit 1
	fi

	say "starting a throwaway cluster as $(runner_user)"
	cd "$tree"
	run_in_cluster bash "$tree/scripts/test.sh" --in-cluster "$n_reg" "$n_iso" || rc=$?
	cd /
	if [ "$rc" -eq 0 ]; then rc=$(cat "$tree/suite-status" 2>/dev/null || echo 1); fi

	for name in "${regress[@]}"; do
		if passed_names "$tree/regress-run.log" | grep -qxF "$name"; then
			passed=$((passed + 1))
		else
			failed_names+=("$name")
		fi
	done
	for name in "${specs[@]}"; do
		if passed_names "$tree/isolation-run.log" | grep -qxF "$name"; then
			passed=$((passed + 1))
		else
			failed_names+=("$name (isolation)")
		fi
	done
	# HTTP tests count one by one; a runner that died counts as one failure.
	if [ -f "$tree/test/http/run.py" ]; then
		local http_ok http_bad
		http_ok=$(grep -c '^ok - ' "$tree/http-run.log" 2>/dev/null || true)
		http_bad=$(grep -c '^not ok - ' "$tree/http-run.log" 2>/dev/null || true)
		passed=$((passed + ${http_ok:-0}))
		if [ "${http_bad:-0}" -gt 0 ]; then
			for _ in $(seq 1 "$http_bad"); do failed_names+=("http"); done
		elif ! grep -qE '^[0-9]+ passed, 0 failed$' "$tree/http-run.log" 2>/dev/null; then
			failed_names+=("http (runner)")
		fi
	fi
	# The fuzzer counts as one test, each TAP file as one.
	if [ -f "$tree/test/fuzz/fuzz_payloads.py" ]; then
		if grep -qE '^[0-9]+ passed, 0 failed$' "$tree/fuzz-run.log" 2>/dev/null; then
			passed=$((passed + 1))
		else
			failed_names+=("fuzz")
		fi
	fi
	for f in "$tree"/t/*.pl; do
		[ -e "$f" ] || continue
		name=$(basename "$f")
		if grep -qE "^t/${name//./\\.} \.+ (ok|skipped)" "$tree/tap-run.log" 2>/dev/null; then
			passed=$((passed + 1))
		else
			failed_names+=("$name (TAP)")
		fi
	done
	failed=${#failed_names[@]}
	FINAL_LINE="$passed passed, $failed failed"

	if [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ]; then
		if [ "$failed" -gt 0 ]; then say "failed: ${failed_names[*]}"; fi
		show_file "$tree/regression.diffs"
		show_file "$tree/output_iso/regression.diffs"
		show_crashes "$tree/server.log"
		# A suite that stopped before producing diffs: show why.
		if [ ! -s "$tree/regression.diffs" ]; then show_tail "$tree/regress-run.log"; fi
		if [ ! -s "$tree/output_iso/regression.diffs" ]; then show_tail "$tree/isolation-run.log"; fi
		if [ -f "$tree/fuzz-run.log" ] && ! grep -qE '^[0-9]+ passed, 0 failed$' "$tree/fuzz-run.log"; then
			echo "----- fuzz-run.log (findings; reproducers in fuzz-reproducers/) -----"
			grep -A3 -E '^FINDING|^Traceback' "$tree/fuzz-run.log" | head -n 60
		fi
		if [ -f "$tree/tap-run.log" ] && ! grep -q '^Result: PASS' "$tree/tap-run.log"; then
			echo "----- tap-run.log (failures; logs in tmp_check/log) -----"
			grep -E '^(not ok|#|t/)' "$tree/tap-run.log" | grep -v '^# TODO' | head -n 60
		fi
		if [ -f "$tree/http-run.log" ] && ! grep -qE '^[0-9]+ passed, 0 failed$' "$tree/http-run.log"; then
			echo "----- http-run.log (failures) -----"
			grep -vE '^ok - ' "$tree/http-run.log" | head -n 60
		fi
		exit 1
	fi
	say "all tests passed"
}

if [ "${1:-}" = --in-cluster ]; then
	shift
	in_cluster "$@"
	exit
fi

FINAL_LINE=
main "$@"
