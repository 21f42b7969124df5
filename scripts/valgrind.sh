#!/usr/bin/env bash
# Run the whole pg_regress suite (sql/*.sql, then specs/*.spec) with the
# extension under valgrind memcheck, or under AddressSanitizer + UBSan, and
# report every memory error whose stack passes through our code (src/*.c).
# See doc/memory-checking.md.
#
#   scripts/valgrind.sh                 valgrind, committed HEAD (as root)
#   scripts/valgrind.sh --asan          ASan + UBSan build of the extension
#   scripts/valgrind.sh --worktree      test the working tree instead of HEAD
#   scripts/valgrind.sh --commit REV    test another commit
#   scripts/valgrind.sh --rebuild       rebuild the cached PostgreSQL first
#   scripts/valgrind.sh TEST...         only these regress tests (no specs)
#
# Both modes run a PostgreSQL 15 built from Debian's source package (upstream
# tree) with -DUSE_VALGRIND, --enable-cassert, --enable-debug, cached in
# $TASKS_VG_ROOT/pg (built once, ~2.5 min; the script installs the packages
# it needs and enables deb-src itself).  The system PostgreSQL under /usr is
# never written.  ASan mode builds tasks.so with -fsanitize=address,undefined
# and preloads libasan into that server.
#
# Exit: 0 clean; 1 a memory error / sanitizer report / crash attributable to
# the extension (or a server crash); 2 the harness itself failed.
# Knobs: TASKS_VG_ROOT=/var/tmp/tasks-valgrind  TASKS_VG_TIMEOUT=7200 (s)
#        TASKS_VG_OPTS="..." extra valgrind options   TASKS_KEEP=1 keep workdir
#        TASKS_TEST_USER=postgres (the cluster's user when run as root)
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

# shellcheck source=lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

die() { printf 'error: %s\n' "$*" >&2; exit 2; }

VG_ROOT=${TASKS_VG_ROOT:-/var/tmp/tasks-valgrind}
VG_PREFIX=$VG_ROOT/pg
VG_TIMEOUT=${TASKS_VG_TIMEOUT:-7200}
VG_PORT=5432	# only a Unix socket in our private dir: no clash possible
# How the valgrind server is configured; a change here triggers a rebuild.
PG_CONFIGURE=(--enable-debug --enable-cassert --without-readline --without-zlib
	--without-icu --with-system-tzdata=/usr/share/zoneinfo)
PG_CFLAGS_VG="-DUSE_VALGRIND -Og -g -fno-omit-frame-pointer"
# -fno-sanitize-recover: a UBSan finding aborts the backend (UBSAN_OPTIONS'
# halt_on_error is not honoured when the ASan runtime hosts UBSan's handlers).
SAN_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -fno-common -g"

mode=valgrind source=head commit=HEAD rebuild='' only=()
while [ $# -gt 0 ]; do
	case $1 in
	--asan) mode=asan ;;
	--worktree) source=worktree ;;
	--commit) source=commit; commit=${2:?--commit needs a revision}; shift ;;
	--rebuild) rebuild=1 ;;
	-h | --help) sed -n '2,26p' "$0"; exit 0 ;;
	-*) die "unknown option: $1 (see --help)" ;;
	*) only+=("$1") ;;
	esac
	shift
done

# ---------------------------------------------------------------- packages --

apt_install() {
	local p missing=()
	for p in "$@"; do
		[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)" = "ii " ] || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	is_root || die "missing packages (${missing[*]}); run as root"
	say "installing ${missing[*]}"
	if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq; APT_UPDATED=1; fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# deb-src for the Debian archive: a copy of the system's deb entries with
# Types: deb-src, in a file of our own (left in place for the next rebuild).
enable_deb_src() {
	local f=/etc/apt/sources.list.d/tasks-deb-src.sources
	if [ -n "$(apt-cache showsrc postgresql-15 2>/dev/null | sed -n 's/^Version: //p')" ]; then return 0; fi
	if [ ! -e "$f" ]; then
		say "enabling deb-src in $f"
		if [ -f /etc/apt/sources.list.d/debian.sources ]; then
			sed -e 's/^Types:.*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources >"$f"
		elif grep -qE '^deb (\[[^]]*\] )?https?://[^ ]*debian' /etc/apt/sources.list 2>/dev/null; then
			f=/etc/apt/sources.list.d/tasks-deb-src.list
			grep -E '^deb (\[[^]]*\] )?https?://[^ ]*debian' /etc/apt/sources.list | sed 's/^deb /deb-src /' >"$f"
		else
			die "no Debian apt source found to mirror as deb-src"
		fi
	fi
	apt-get update -qq
	APT_UPDATED=1
}

# ------------------------------------------------ the valgrind-ready server --

pg_build_id() { printf '%s\n' "configure: ${PG_CONFIGURE[*]}" "CFLAGS: $PG_CFLAGS_VG"; }

ensure_vg_server() {
	if [ -z "$rebuild" ] && [ -x "$VG_PREFIX/bin/postgres" ] && [ -f "$VG_PREFIX/valgrind.supp" ] &&
		[ "$(sed -n '2,$p' "$VG_PREFIX/.tasks-build-id" 2>/dev/null)" = "$(pg_build_id)" ]; then
		note "cached server: $(head -n 1 "$VG_PREFIX/.tasks-build-id")"
		return 0
	fi
	is_root || die "the valgrind server is not built yet ($VG_PREFIX); run once as root"
	local t0=$SECONDS src=$VG_ROOT/src v versions dir stage
	apt_install dpkg-dev bzip2 xz-utils bison flex make gcc libc6-dev pkg-config perl tzdata
	enable_deb_src
	rm -rf "$src" "$VG_ROOT/stage"
	mkdir -p "$src"
	# The newest source version first; a mirror may lack the newest (the
	# security archive often has no sources), so fall back to older ones.
	mapfile -t versions < <(apt-cache showsrc postgresql-15 | sed -n 's/^Version: //p' | sort -Vru)
	[ ${#versions[@]} -gt 0 ] || die "apt-cache showsrc postgresql-15 found nothing"
	for v in "${versions[@]}" ""; do
		[ -n "$v" ] || die "could not download any postgresql-15 source (${versions[*]})"
		say "downloading postgresql-15 $v source"
		if (cd "$src" && apt-get source -qq --download-only "postgresql-15=$v" >download.log 2>&1); then break; fi
		tail -n 3 "$src/download.log" | sed 's/^/    /'
		find "$src" -mindepth 1 -delete
	done
	# Upstream sources only: Debian's patches hard-wire pkglibdir to
	# /usr/lib/postgresql/15/lib, so a patched tree would install over the
	# system packages.
	(cd "$src" && dpkg-source --skip-patches -x ./*.dsc pg >/dev/null 2>&1) || die "dpkg-source -x failed"
	dir=$src/pg
	say "building PostgreSQL $v (cassert, USE_VALGRIND) into $VG_PREFIX"
	(cd "$dir" && ./configure --prefix="$VG_PREFIX" "${PG_CONFIGURE[@]}" CFLAGS="$PG_CFLAGS_VG" >"$src/configure.log" 2>&1) ||
		{ tail -n 30 "$src/configure.log"; die "configure failed"; }
	# Belt and braces: nothing may be installed outside the prefix.
	if grep -E '^(prefix|pkglibdir|libdir|bindir|datadir|includedir) *:?=' "$dir/src/Makefile.global" | grep -q '/usr/'; then
		die "configured install paths point into /usr; refusing to build"
	fi
	local jobs
	jobs=$(($(nproc 2>/dev/null || echo 2) + 1))
	{ make -C "$dir" -j"$jobs" -s &&
		make -C "$dir/contrib/pg_trgm" -s &&
		make -C "$dir/contrib/btree_gin" -s; } >"$src/build.log" 2>&1 ||
		{ tail -n 30 "$src/build.log"; die "PostgreSQL build failed"; }
	# Install into a staging dir, check, then move into place.
	stage=$VG_ROOT/stage
	{ make -C "$dir" -s install DESTDIR="$stage" &&
		make -C "$dir/contrib/pg_trgm" -s install DESTDIR="$stage" &&
		make -C "$dir/contrib/btree_gin" -s install DESTDIR="$stage"; } >"$src/install.log" 2>&1 ||
		{ tail -n 30 "$src/install.log"; die "PostgreSQL install failed"; }
	if find "$stage" -mindepth 1 \( -type f -o -type l \) | grep -v "^$stage$VG_PREFIX/" | grep -q .; then
		die "make install wrote outside $VG_PREFIX (see $stage); not using it"
	fi
	rm -rf "$VG_PREFIX"
	mv "$stage$VG_PREFIX" "$VG_PREFIX"
	rm -rf "$stage"
	cp "$dir/src/tools/valgrind.supp" "$VG_PREFIX/valgrind.supp"
	{ echo "PostgreSQL $v (Debian source, upstream tree), built $(date -u +%FT%TZ)"; pg_build_id; } >"$VG_PREFIX/.tasks-build-id"
	rm -rf "$src"
	note "built in $((SECONDS - t0)) s"
}

# ------------------------------------------------------------------ cluster --

SERVER_PID=
DATA=

start_server() {	# start_server BINDIR [env-or-wrapper words...] -- [postgres -c options]
	local bindir=$1 i
	shift
	local wrap=() opts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do wrap+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	opts=("$@")
	DATA=$WORKDIR/tmp/data	# tmp/ belongs to the runner (make_workdir)
	as_runner "$bindir/initdb" -D "$DATA" --auth=trust -N --encoding=UTF8 --locale=C.UTF-8 \
		>"$WORKDIR/initdb.log" 2>&1 || { tail -n 20 "$WORKDIR/initdb.log"; die "initdb failed"; }
	as_runner "${wrap[@]}" "$bindir/postgres" -D "$DATA" -k "$WORKDIR/sock" -p "$VG_PORT" \
		-c listen_addresses= -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
		-c shared_buffers=32MB -c max_connections=30 -c autovacuum=off \
		-c timezone=UTC -c log_timezone=UTC -c "log_line_prefix=%m [%p] " \
		"${opts[@]}" >>"$WORKDIR/server.log" 2>&1 &
	SERVER_PID=$!
	for i in $(seq 1 600); do
		if as_runner "$bindir/pg_isready" -q -h "$WORKDIR/sock" -p "$VG_PORT"; then
			note "server up after $((i / 2)) s"
			return 0
		fi
		kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 30 "$WORKDIR/server.log"; die "server exited at start"; }
		sleep 0.5
	done
	tail -n 30 "$WORKDIR/server.log"
	die "server not ready after 300 s"
}

stop_server() {	# stop_server BINDIR
	local child i
	[ -n "$SERVER_PID" ] || return 0
	if [ -f "$DATA/postmaster.pid" ]; then
		as_runner "$1/pg_ctl" -D "$DATA" -m fast -w -t 600 stop >/dev/null 2>&1 ||
			as_runner "$1/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	# A server that never got as far as postmaster.pid: our runuser's child
	# (the postmaster, or valgrind running it), by process id.
	for i in $(seq 1 60); do
		kill -0 "$SERVER_PID" 2>/dev/null || break
		for child in $(pgrep -P "$SERVER_PID" || true); do
			if [ "$i" -lt 40 ]; then kill -QUIT "$child" 2>/dev/null; else kill -KILL "$child" 2>/dev/null; fi
		done
		sleep 0.5
	done
	wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=
}

on_exit() {
	local rc=$?
	set +e
	if [ -n "$SERVER_PID" ]; then stop_server "$PG_BINDIR"; fi
	(exit "$rc")
	cleanup_workdir	# lib.sh: leftover servers inside WORKDIR, the dir itself
}

psql_runner() {	# psql_runner BINDIR SQL
	as_runner "$1/psql" -XAtq -h "$WORKDIR/sock" -p "$VG_PORT" -U "$(runner_user)" -d postgres -c "$2"
}

# ------------------------------------------------------------------ scanning --

# vg_blocks LOG...: each valgrind error (marker block plus its generated
# suppression), separated by a line "@@@@".
vg_blocks() {
	awk '
		/VALGRINDERROR-BEGIN/ { inb = 1; buf = FILENAME "\n"; next }
		inb && /VALGRINDERROR-END/ { inb = 0; insup = 1; next }
		inb { sub(/^==[0-9]+== ?/, ""); buf = buf $0 "\n"; next }
		insup && /^\{/ { next }
		insup && /^\}/ { insup = 0; printf "%s@@@@\n", buf; next }
		insup { next }
	' "$@"
}

# ours FILE: does this report's stack pass through our code?
# (valgrind prints full paths here; ASan may print the relative src/foo.c:N)
ours() { grep -qE "tasks\.so|$TREE/src/[a-z_0-9]+\.[ch]|(^|[ (])src/[a-z_0-9]+\.[ch]:[0-9]" "$1"; }

# split_reports INFILE OUTDIR: one file per "@@@@"-separated report.
split_reports() {
	mkdir -p "$2"
	awk -v d="$2" 'BEGIN { n = 1 } /^@@@@$/ { close(f); n++; next } { f = sprintf("%s/%04d", d, n); print > f }' "$1"
}

# short_stacks FILE: a report without its first line (the log it came from),
# each stack cut after 12 frames (the rest is the executor and the postmaster).
short_stacks() {
	awk 'NR == 1 { next }
		/^ +by 0x/ { if (++n == 12) print "   ..."; if (n >= 12) next; print; next }
		{ n = 0; print }' "$1"
}

# ---------------------------------------------------------------------- main --

main() {
	local t0=$SECONDS f name tested regress=() specs=() rc=0 suite_rc=0
	is_root || [ -w "$VG_PREFIX/lib/postgresql" ] ||
		die "run as root (the extension is installed into $VG_PREFIX)"
	mkdir -p "$VG_ROOT"
	# One run at a time: runs share the extension installed in $VG_PREFIX.
	exec 9>"$VG_ROOT/.lock"
	flock -n 9 || { note "another scripts/valgrind.sh is running; waiting"; flock 9; }

	# Both modes run the source-built server: Debian's postgres links
	# libp11-kit (through libldap and gnutls), whose constructor deadlocks in
	# glibc's locale locks when libasan is preloaded (see the doc).
	apt_install make gcc libc6-dev uuid-dev
	if [ "$mode" = valgrind ]; then apt_install valgrind; else apt_install libasan8 libubsan1; fi
	ensure_vg_server
	PG_BINDIR=$VG_PREFIX/bin
	PG_CONFIG=$VG_PREFIX/bin/pg_config
	export PG_CONFIG
	make_workdir
	trap on_exit EXIT
	TREE=$WORKDIR/tree
	mkdir -p "$WORKDIR/sock" "$WORKDIR/logs"
	if is_root; then chown "$TASKS_TEST_USER:" "$WORKDIR/sock" "$WORKDIR/logs"; fi

	# The tree under test.
	case $source in
	worktree)
		copy_tree "$REPO_ROOT" "$TREE"
		tested="$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?') + working-tree changes"
		;;
	*)
		tested=$(git -C "$REPO_ROOT" rev-parse --verify "$commit^{commit}") || die "no such commit: $commit"
		git -C "$REPO_ROOT" archive "$tested" | tar -x -C "$TREE"
		tested="$(git -C "$REPO_ROOT" log -1 --format='%h %s' "$tested")"
		;;
	esac
	say "testing $tested ($mode)"
	if [ ${#only[@]} -gt 0 ]; then
		regress=("${only[@]}")
	else
		for f in "$TREE"/sql/*.sql; do [ -e "$f" ] && regress+=("$(basename "$f" .sql)"); done
		for f in "$TREE"/specs/*.spec; do [ -e "$f" ] && specs+=("$(basename "$f" .spec)"); done
	fi
	[ ${#regress[@]} -gt 0 ] || die "no tests in sql/*.sql"
	for name in "${regress[@]}" "${specs[@]}"; do
		[ -e "$TREE/expected/$name.out" ] || { mkdir -p "$TREE/expected"; : >"$TREE/expected/$name.out"; }
	done

	say "building the extension against $PG_CONFIG"
	local mk=(make -C "$TREE" PG_CONFIG="$PG_CONFIG")
	if [ "$mode" = asan ]; then
		mk+=(COPT="$SAN_FLAGS")
	fi
	"${mk[@]}" -j"$(nproc 2>/dev/null || echo 2)" >"$WORKDIR/build.log" 2>&1 ||
		{ grep -E 'error|warning' "$WORKDIR/build.log" | head -n 40; die "extension build failed"; }
	"${mk[@]}" install >"$WORKDIR/install.log" 2>&1 || { tail -n 20 "$WORKDIR/install.log"; die "install failed"; }
	EXPECT_SO=$("$PG_CONFIG" --pkglibdir)/tasks.so
	give_tree_to_runner "$TREE"

	say "starting the server under $mode as $(runner_user)"
	if [ "$mode" = valgrind ]; then
		local vgopts=(--trace-children=yes --track-origins=yes --num-callers=40
			--leak-check=no --error-limit=no --gen-suppressions=all --error-exitcode=128
			"--error-markers=VALGRINDERROR-BEGIN,VALGRINDERROR-END" --fullpath-after=
			--suppressions="$VG_PREFIX/valgrind.supp")
		if [ -f "$REPO_ROOT/scripts/valgrind.supp" ]; then
			vgopts+=(--suppressions="$REPO_ROOT/scripts/valgrind.supp")
		fi
		# shellcheck disable=SC2206  # a list of options, split on purpose
		vgopts+=(${TASKS_VG_OPTS:-} --log-file="$WORKDIR/logs/%p.log")
		start_server "$PG_BINDIR" valgrind "${vgopts[@]}" --
	else
		local libasan
		libasan=$(gcc -print-file-name=libasan.so)
		[ -e "$libasan" ] || die "libasan.so not found (gcc -print-file-name)"
		start_server "$PG_BINDIR" env LD_PRELOAD="$libasan" \
			ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:disable_coredump=1:log_path=$WORKDIR/logs/asan" \
			UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$WORKDIR/logs/ubsan" --
	fi
	# The backends really load the tasks.so we just built (and libasan).
	local maps
	maps=$(psql_runner "$PG_BINDIR" "LOAD 'tasks'; SELECT pg_read_file('/proc/self/maps')") ||
		die "could not LOAD 'tasks'"
	grep -qF "$EXPECT_SO" <<<"$maps" || die "backend did not load $EXPECT_SO"
	if [ "$mode" = asan ]; then grep -q libasan <<<"$maps" || die "libasan is not loaded in the backend"; fi
	note "backends load $EXPECT_SO"

	local env=(env PGHOST="$WORKDIR/sock" PGPORT="$VG_PORT" PGUSER="$(runner_user)")
	local regress_args=(ISOLATION=)
	if [ ${#only[@]} -gt 0 ]; then regress_args+=(REGRESS="${only[*]}"); fi
	say "pg_regress: ${#regress[@]} test(s) (slow under $mode)"
	local t1=$SECONDS
	(cd "$TREE" && timeout -k 30 "$VG_TIMEOUT" "${RUNNER[@]}" "${env[@]}" make installcheck \
		PG_CONFIG="$PG_CONFIG" "${regress_args[@]}" >"$WORKDIR/regress-run.log" 2>&1) || suite_rc=$?
	grep -E '^(test +|     +)[^ ]+ +\.\.\. ' "$WORKDIR/regress-run.log" | sed 's/^/    /' || true
	note "regress suite took $((SECONDS - t1)) s"
	if [ ${#specs[@]} -gt 0 ]; then
		say "isolation: ${#specs[@]} spec(s)"
		t1=$SECONDS
		for _ in $(seq 1 120); do psql_runner "$PG_BINDIR" 'SELECT 1' >/dev/null 2>&1 && break; sleep 1; done
		(cd "$TREE" && timeout -k 30 "$VG_TIMEOUT" "${RUNNER[@]}" "${env[@]}" make installcheck \
			PG_CONFIG="$PG_CONFIG" REGRESS= >"$WORKDIR/isolation-run.log" 2>&1) || suite_rc=$?
		grep -E '^(test +|     +)[^ ]+ +\.\.\. ' "$WORKDIR/isolation-run.log" | sed 's/^/    /' || true
		note "isolation suite took $((SECONDS - t1)) s"
	fi
	if [ "$suite_rc" -eq 124 ]; then warn "suite timed out after ${VG_TIMEOUT}s"; fi
	say "stopping the server"
	stop_server "$PG_BINDIR"

	# ---- results
	local out=$VG_ROOT/last-$mode passed failed nprocs=0 total=0 n_ours=0 n_other=0 crashes
	rm -rf "$out"
	mkdir -p "$out/ours" "$out/other"
	passed=$(cat "$WORKDIR"/regress-run.log "$WORKDIR"/isolation-run.log 2>/dev/null | grep -cE '^(test +|     +)[^ ]+ +\.\.\. +ok' || true)
	failed=$(cat "$WORKDIR"/regress-run.log "$WORKDIR"/isolation-run.log 2>/dev/null | grep -cE '^(test +|     +)[^ ]+ +\.\.\. +FAILED' || true)
	shopt -s nullglob
	local logs=("$WORKDIR"/logs/*)
	shopt -u nullglob
	nprocs=${#logs[@]}
	if [ "$mode" = valgrind ]; then
		if [ "$nprocs" -gt 0 ]; then
			total=$(cat "${logs[@]}" | sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' | awk '{s += $1} END {print s + 0}')
			vg_blocks "${logs[@]}" >"$WORKDIR/blocks"
			split_reports "$WORKDIR/blocks" "$WORKDIR/reports"
		fi
	else
		mkdir -p "$WORKDIR/reports"
		for f in "${logs[@]}"; do cp "$f" "$WORKDIR/reports/"; done
		total=$nprocs
		# Reports that went to the server's stderr instead of log_path: the
		# report lines up to the next server log line.
		awk '/ERROR: AddressSanitizer|runtime error:/ { inr = 1; print "server.log"; print; next }
			inr && /^([0-9]{4}-[0-9][0-9]-[0-9][0-9] |\t)/ { inr = 0; print "@@@@"; next }
			inr { print }
			END { if (inr) print "@@@@" }' "$WORKDIR/server.log" >"$WORKDIR/stderr-reports"
		split_reports "$WORKDIR/stderr-reports" "$WORKDIR/reports/stderr"
		mv "$WORKDIR"/reports/stderr/* "$WORKDIR/reports/" 2>/dev/null || true
		rmdir "$WORKDIR/reports/stderr"
		total=$(find "$WORKDIR/reports" -type f -size +0 | wc -l)
	fi
	# Kept with readable paths: src/foo.c for ours, postgresql/... for the server's.
	local dest
	for f in "$WORKDIR"/reports/*; do
		[ -s "$f" ] || continue
		if ours "$f"; then n_ours=$((n_ours + 1)); dest=$out/ours; else n_other=$((n_other + 1)); dest=$out/other; fi
		sed -e "s|$TREE/||g" -e "s|$VG_ROOT/src/pg/|postgresql/|g" "$f" >"$dest/$(basename "$f").txt"
	done
	crashes=$(grep -cE 'terminated by signal|was terminated by exception|server process \(PID [0-9]+\) exited with exit code|TRAP:|PANIC:' "$WORKDIR/server.log" || true)
	cp "$WORKDIR/server.log" "$WORKDIR"/*-run.log "$out/" 2>/dev/null || true
	cp "$TREE/regression.diffs" "$out/" 2>/dev/null || true
	cp "$TREE/output_iso/regression.diffs" "$out/isolation.diffs" 2>/dev/null || true

	if [ "$n_ours" -gt 0 ]; then
		say "$n_ours report(s) with our code (src/*.c, tasks.so) on the stack:"
		for f in "$out"/ours/*; do echo "----- $f"; short_stacks "$f"; done
	fi
	if [ "$n_other" -gt 0 ]; then
		warn "$n_other report(s) without our code on the stack (PostgreSQL itself, suppressions to add?):"
		for f in "$out"/other/*; do echo "----- $f"; short_stacks "$f"; done
	fi
	if [ "$crashes" -gt 0 ]; then
		warn "server log: $crashes crash / assertion / valgrind-exit line(s):"
		grep -E -A3 'terminated by signal|was terminated by exception|server process \(PID [0-9]+\) exited with exit code|TRAP:|PANIC:' \
			"$WORKDIR/server.log" | head -n 60
	fi
	if [ "$failed" -gt 0 ]; then warn "$failed test(s) differ; diffs in $out/"; fi
	say "tested: $tested; results in $out; took $((SECONDS - t0)) s"
	if [ "$mode" = valgrind ]; then
		printf 'valgrind: %s error(s) (ERROR SUMMARY total over %s processes), %s distinct report(s) in our code, %s elsewhere; %s crash line(s); tests: %s passed, %s failed\n' \
			"$total" "$nprocs" "$n_ours" "$n_other" "$crashes" "$passed" "$failed"
	else
		printf 'asan+ubsan: %s report file(s), %s in our code, %s elsewhere; %s crash line(s); tests: %s passed, %s failed\n' \
			"$total" "$n_ours" "$n_other" "$crashes" "$passed" "$failed"
	fi
	if [ "$n_ours" -gt 0 ] || [ "$crashes" -gt 0 ]; then rc=1; fi
	if [ $((passed + failed)) -eq 0 ]; then warn "no test ran: the harness may be broken"; rc=$((rc > 0 ? rc : 2)); fi
	return "$rc"
}

main
