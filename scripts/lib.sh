# shellcheck shell=bash
# Shared helpers for scripts/test.sh and scripts/demo.sh.  Source it; do not
# run it (except internally: `bash lib.sh initdb-cluster ...`, see below).
#
# Model: the working tree is copied into a private temp dir, built and
# installed there (as root, or with sudo, or skipped when impossible), and the
# throwaway cluster plus everything that talks to it runs as an unprivileged
# user (postgres when we are root; ourselves otherwise) because PostgreSQL
# refuses to run as root.
#
# Knobs (environment):
#   TASKS_CLUSTER=auto|virtualenv|initdb  how to make the cluster (auto: pg_virtualenv if present)
#   TASKS_TEST_USER=postgres              unprivileged user when running as root
#   TASKS_TIMEOUT=2700                    seconds before the in-cluster run is killed
#   TASKS_KEEP=1                          keep the temp dir (printed) for inspection
#   TASKS_TMPDIR=/tmp                     where the temp dir goes

umask 022	# the runner must read what we copy and build
PG_MAJOR=15
PG_BINDIR=/usr/lib/postgresql/$PG_MAJOR/bin
PG_CONFIG=$PG_BINDIR/pg_config
export PG_CONFIG
TASKS_TEST_USER=${TASKS_TEST_USER:-postgres}
TASKS_TIMEOUT=${TASKS_TIMEOUT:-2700}
# Cluster settings: UTF8 with byte-order (C) collation so results do not
# depend on the machine's locale; fast and small.
TASKS_INITDB_OPTS="--encoding=UTF8 --locale=C.UTF-8"
TASKS_PG_SETTINGS=(fsync=off synchronous_commit=off full_page_writes=off
	shared_buffers=128MB timezone=UTC log_timezone=UTC)
SAFE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

say()  { printf '==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*"; }
die()  { printf 'error: %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# The user the cluster runs as.
runner_user() {
	if is_root; then printf '%s\n' "$TASKS_TEST_USER"; else id -un; fi
}

# Command prefix that runs something as the unprivileged runner, with a
# clean PATH and TMPDIR inside our temp dir (set by make_workdir).
RUNNER=()
as_runner() { "${RUNNER[@]}" "$@"; }

# Check that the toolchain is here; point at install-deps.sh otherwise.
require_tools() {
	local missing=()
	[ -x "$PG_CONFIG" ] || missing+=("$PG_CONFIG (postgresql-server-dev-$PG_MAJOR)")
	[ -x "$PG_BINDIR/postgres" ] || missing+=("$PG_BINDIR/postgres (postgresql-$PG_MAJOR)")
	command -v make >/dev/null || missing+=("make")
	command -v gcc >/dev/null || missing+=("gcc")
	if is_root && ! id -u "$TASKS_TEST_USER" >/dev/null 2>&1; then
		missing+=("system user $TASKS_TEST_USER")
	fi
	if [ ${#missing[@]} -gt 0 ]; then
		printf 'missing: %s\n' "${missing[@]}" >&2
		die "run scripts/install-deps.sh first"
	fi
}

# WORKDIR: private temp dir, removed on exit (after stopping any server whose
# data directory lives inside it -- those are the only ones we ever stop).
make_workdir() {
	local base=${TASKS_TMPDIR:-${TMPDIR:-/tmp}}
	# As root, the runner must be able to reach the dir: stay in /tmp.
	if is_root && [ -z "${TASKS_TMPDIR:-}" ]; then base=/tmp; fi
	WORKDIR=$(mktemp -d "$base/tasks-run.XXXXXX")
	chmod 755 "$WORKDIR"
	mkdir -p "$WORKDIR/tmp" "$WORKDIR/tree"
	cp "$TASKS_LIB" "$WORKDIR/lib.sh"
	if is_root; then
		chown "$TASKS_TEST_USER:" "$WORKDIR/tmp"
		RUNNER=(runuser -u "$TASKS_TEST_USER" -- env PATH="$SAFE_PATH" TMPDIR="$WORKDIR/tmp")
	else
		RUNNER=(env PATH="$SAFE_PATH" TMPDIR="$WORKDIR/tmp")
	fi
	trap cleanup_workdir EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM HUP
	trap 'exit 141' PIPE	# e.g. `scripts/demo.sh | head`: still clean up
}

cleanup_workdir() {
	local rc=$? pidfile datadir
	trap - EXIT INT TERM HUP
	trap '' PIPE
	set +e
	if [ -n "${CHILD_PID:-}" ] && kill -0 "$CHILD_PID" 2>/dev/null; then
		# Interrupted: let the in-cluster run drop its cluster itself.
		kill -TERM "$CHILD_PID" 2>/dev/null || true
		for _ in $(seq 1 60); do
			kill -0 "$CHILD_PID" 2>/dev/null || break
			sleep 0.5
		done
	fi
	if [ -n "${WORKDIR:-}" ] && [ -d "$WORKDIR" ]; then
		while IFS= read -r pidfile; do
			datadir=${pidfile%/postmaster.pid}
			warn "stopping leftover server in $datadir"
			as_runner "$PG_BINDIR/pg_ctl" -D "$datadir" -m immediate -w stop >/dev/null 2>&1 || true
		done < <(find "$WORKDIR" -name postmaster.pid -type f 2>/dev/null)
		if [ "${TASKS_KEEP:-}" = 1 ]; then
			note "kept $WORKDIR"
		else
			rm -rf "$WORKDIR"
		fi
	fi
	if [ -n "${FINAL_LINE:-}" ]; then printf '%s\n' "$FINAL_LINE"; fi
	exit "$rc"
}

# Copy the working tree (tracked and untracked files alike) without .git and
# build/test outputs, then make it the runner's.
copy_tree() {
	local src=$1 dst=$2
	tar -C "$src" \
		--exclude=.git --exclude='*.o' --exclude='*.so' --exclude='*.bc' \
		--exclude=./results --exclude=./output_iso --exclude=./log \
		--exclude=./tmp_check --exclude=./tmp_check_iso --exclude=./.build \
		--exclude=./regression.diffs --exclude=./regression.out \
		-cf - . | tar -C "$dst" --no-same-owner -xf -
	make -s -C "$dst" PG_CONFIG="$PG_CONFIG" clean >/dev/null 2>&1 || true
}

give_tree_to_runner() {
	if is_root; then chown -R "$TASKS_TEST_USER:" "$1"; fi
}

# build_ext DIR [make args...]: compile; on failure show the compiler output.
build_ext() {
	local dir=$1 log
	shift
	log=$WORKDIR/build.log
	if ! make -C "$dir" -j"$(nproc 2>/dev/null || echo 2)" PG_CONFIG="$PG_CONFIG" "$@" >"$log" 2>&1; then
		# The diagnostics, without the long compiler command lines.
		grep -vE '^(gcc|cc|clang[-0-9]*|/usr/bin/clang[-0-9]*|cat) ' "$log" |
			grep -vE '^make(\[[0-9]+\])?: (Entering|Leaving)' | head -n 80 || true
		return 1
	fi
	if grep -q 'warning:' "$log"; then
		warn "$(grep -c 'warning:' "$log") compiler warning(s):"
		grep 'warning:' "$log" | head -n 20
	fi
}

# install_ext DIR: make install as root, directly if the PostgreSQL dirs are
# writable, with passwordless sudo if available; otherwise skip and say so.
install_ext() {
	local dir=$1 log=$WORKDIR/install.log libdir extdir
	libdir=$("$PG_CONFIG" --pkglibdir)
	extdir=$("$PG_CONFIG" --sharedir)/extension
	local cmd=(make -C "$dir" PG_CONFIG="$PG_CONFIG" install)
	if is_root || { [ -w "$libdir" ] && [ -w "$extdir" ]; }; then
		:
	elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
		cmd=(sudo -n "${cmd[@]}")
	else
		warn "cannot write $libdir and $extdir (not root, no passwordless sudo):"
		warn "skipping make install; using whatever tasks version is already installed"
		return 0
	fi
	if ! "${cmd[@]}" >"$log" 2>&1; then
		tail -n 40 "$log"
		return 1
	fi
}

# run_in_cluster CMD...: run CMD as the runner, in the current directory,
# inside a throwaway cluster (PGHOST/PGPORT/PGUSER/PGDATABASE set).  The
# cluster is removed afterwards whatever happens; the exit status is CMD's
# (124 on timeout).
run_in_cluster() {
	local mode=${TASKS_CLUSTER:-auto} cmd s rc=0
	if [ "$mode" = auto ]; then
		if command -v pg_virtualenv >/dev/null; then mode=virtualenv; else mode=initdb; fi
	fi
	mkdir -p "$WORKDIR/sock"
	if is_root; then chown "$TASKS_TEST_USER:" "$WORKDIR/sock"; fi
	case $mode in
	virtualenv)
		# As a non-root user pg_virtualenv keeps the cluster, its config and
		# its logs in a temp dir (under $WORKDIR/tmp) and never touches
		# /etc/postgresql or other clusters.  (As root it would create
		# /etc/postgresql/15/regress, hence the runner.)
		cmd=(pg_virtualenv -v "$PG_MAJOR" -i "$TASKS_INITDB_OPTS")
		for s in "${TASKS_PG_SETTINGS[@]}" "unix_socket_directories=$WORKDIR/sock"; do
			cmd+=(-o "$s")
		done
		;;
	initdb) cmd=(bash "$WORKDIR/lib.sh" initdb-cluster "$WORKDIR") ;;
	*) die "TASKS_CLUSTER must be auto, virtualenv or initdb (got $mode)" ;;
	esac
	# In the background so that an interrupt reaches our trap, which then
	# stops it cleanly; timeout(1) signals the whole process group.
	timeout -k 30 "$TASKS_TIMEOUT" "${RUNNER[@]}" "${cmd[@]}" "$@" &
	CHILD_PID=$!
	wait "$CHILD_PID" || rc=$?
	CHILD_PID=
	if [ "$rc" -eq 124 ]; then warn "timed out after ${TASKS_TIMEOUT}s"; fi
	return "$rc"
}

# Fallback cluster without postgresql-common: initdb + pg_ctl in WORKDIR,
# listening only on a Unix socket in WORKDIR/sock (so no port can clash).
initdb_cluster() {
	local workdir=$1 port=5432 s rc=0 pgopts
	shift
	INITDB_DATA=$workdir/tmp/data
	pgopts="-k $workdir/sock -c listen_addresses='' -p $port"
	for s in "${TASKS_PG_SETTINGS[@]}"; do pgopts+=" -c $s"; done
	# shellcheck disable=SC2086  # TASKS_INITDB_OPTS is a list of words
	"$PG_BINDIR/initdb" -D "$INITDB_DATA" --auth=trust -N $TASKS_INITDB_OPTS >"$workdir/tmp/initdb.log" 2>&1 \
		|| { cat "$workdir/tmp/initdb.log"; return 1; }
	trap '"$PG_BINDIR/pg_ctl" -D "$INITDB_DATA" -m immediate -w stop >/dev/null 2>&1 || true' EXIT
	trap 'exit 143' TERM INT HUP
	"$PG_BINDIR/pg_ctl" -D "$INITDB_DATA" -l "$workdir/tmp/server.log" -o "$pgopts" -w start >/dev/null \
		|| { tail -n 50 "$workdir/tmp/server.log"; return 1; }
	PGHOST=$workdir/sock PGPORT=$port PGUSER=$(id -un) PGDATABASE=postgres "$@" || rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "*** server log (last 50 lines) ***"
		tail -n 50 "$workdir/tmp/server.log"
	fi
	return "$rc"
}

# In the cluster: copy the server log to DEST (pg_virtualenv deletes its own).
save_server_log() {
	local f
	for f in "$TMPDIR"/pg_virtualenv.*/log/*.log "$TMPDIR"/server.log; do
		if [ -f "$f" ]; then cat "$f" >>"$1"; fi
	done
	return 0
}

# Server log lines that show a crash or an assertion failure, if any.
show_crashes() {
	[ -s "$1" ] || return 0
	if grep -qE 'terminated by signal|TRAP:|PANIC:|was terminated by exception' "$1"; then
		echo "----- server log: crashes -----"
		grep -E -B2 -A2 'terminated by signal|TRAP:|PANIC:|was terminated by exception' "$1" | head -n 60
		echo "----- end of server log excerpt -----"
	fi
}

# Print a file (truncated) under a heading, if it exists and is non-empty.
show_file() {
	local f=$1 limit=${2:-20000}
	[ -s "$f" ] || return 0
	echo "----- $f -----"
	head -c "$limit" "$f"
	[ "$(wc -c <"$f")" -le "$limit" ] || printf '\n[... truncated at %s bytes]\n' "$limit"
	echo "----- end of $f -----"
}

TASKS_LIB=$(readlink -f "${BASH_SOURCE[0]}")
export TASKS_LIB
# shellcheck disable=SC2034  # used by the scripts that source this file
REPO_ROOT=$(cd "$(dirname "$TASKS_LIB")/.." && pwd)

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	case ${1:-} in
	initdb-cluster) shift; initdb_cluster "$@" ;;
	*) die "lib.sh is meant to be sourced" ;;
	esac
fi
