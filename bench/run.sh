#!/usr/bin/env bash
# Benchmark harness for the tasks extension (issue 6): builds the working tree
# into a private prefix, starts a throwaway PostgreSQL 15 cluster on a private
# port, generates seeded data and runs every scenario against its baseline in
# the same run (interleaved ABAB), then prints one table:
#   scenario | ours | baseline | ratio | target | met?
#
#   bench/run.sh                     quick mode: every scenario at reduced scale (< 15 min on 2 cores)
#   bench/run.sh --full              the issue's scales (1M-contact workspace, 2M+ records, 1M-task list)
#   bench/run.sh --full --list-10m   ... with 10M tasks in the table for the list scenario (slow to load)
#   bench/run.sh --only resolve      one scenario (create, dialects, durable, resolve, errors, bulk, list, memory)
#   bench/run.sh --only resolve --resolve-sizes 1k,100k,1m
#   bench/run.sh --help              every option
#
# Exit status: 0 when the harness ran (missed targets are reported in the
# table, not hidden), non-zero only on a harness failure (build, cluster,
# data, a baseline that cannot run).
#
# Never installs into the system directories: the tree is copied to a temp dir,
# /usr/lib/postgresql/15 and /usr/share/postgresql/15 are copied under a
# private prefix, `make install DESTDIR=<prefix>` installs there and the server
# binary runs from the prefix.  Clusters refuse root, so everything after the
# copy runs as the postgres user (BENCH_USER) when started as root.
set -euo pipefail
umask 022

SELF_DIR=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
SRC_TREE=$(cd "$SELF_DIR/.." && pwd)
PG_MAJOR=15
SYS_LIB=/usr/lib/postgresql/$PG_MAJOR
SYS_SHARE=/usr/share/postgresql/$PG_MAJOR
BENCH_USER=${BENCH_USER:-postgres}
SAFE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
PYTHON=${BENCH_PYTHON:-/usr/bin/python3}

die() { printf 'bench: error: %s\n' "$*" >&2; exit 2; }
say() { printf '==> %s\n' "$*" >&2; }

KEEP=0
OUT=""
ARGS=()
for a in "$@"; do
	case "$a" in
	-h|--help)
		"$PYTHON" "$SELF_DIR/bench.py" --help
		exit 0 ;;
	--keep) KEEP=1; ARGS+=("$a") ;;
	--out=*) OUT=${a#--out=} ;;
	*) ARGS+=("$a") ;;
	esac
done

# Tools.
for t in "$SYS_LIB/bin/postgres" "$SYS_LIB/bin/pg_config" "$SYS_LIB/bin/pgbench" make gcc; do
	command -v "$t" >/dev/null 2>&1 || [ -x "$t" ] || die "missing $t (scripts/install-deps.sh installs PostgreSQL 15 and its headers)"
done
"$PYTHON" -c 'import psycopg2' 2>/dev/null || die "$PYTHON cannot import psycopg2 (apt-get install python3-psycopg2)"
command -v valgrind >/dev/null 2>&1 || say "valgrind not found: instruction counts are skipped (apt-get install valgrind)"

if [ "$(id -u)" -eq 0 ]; then
	id -u "$BENCH_USER" >/dev/null 2>&1 || die "no user $BENCH_USER to run the cluster as"
	RUNAS=(runuser -u "$BENCH_USER" --)
else
	RUNAS=()
fi

# A port of 5530-5539 that nobody listens on (TCP or a socket in /tmp or /var/run).
pick_port() {
	local p
	for p in $(seq 5530 5539); do
		if [ -e "/tmp/.s.PGSQL.$p" ] || [ -e "/var/run/postgresql/.s.PGSQL.$p" ]; then continue; fi
		if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then continue; fi
		if ls /tmp/bench-tasks.*/sock/.s.PGSQL."$p" >/dev/null 2>&1; then continue; fi
		echo "$p"; return 0
	done
	return 1
}
PORT=${BENCH_PORT:-$(pick_port)} || die "no free port in 5530-5539"

WORK=$(mktemp -d /tmp/bench-tasks.XXXXXX)
chmod 755 "$WORK"
PREFIX=$WORK/prefix
TREE=$WORK/tree
mkdir -p "$PREFIX/usr/lib/postgresql" "$PREFIX/usr/share/postgresql" "$TREE" "$WORK/sock" "$WORK/tmp"

cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP
	set +e
	if [ -f "$WORK/data/postmaster.pid" ]; then
		"${RUNAS[@]}" "$PREFIX$SYS_LIB/bin/pg_ctl" -D "$WORK/data" -m immediate -w stop >/dev/null 2>&1
	fi
	if [ "$KEEP" = 1 ]; then
		say "kept $WORK"
	else
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

say "private copy of the tree in $TREE"
if command -v rsync >/dev/null 2>&1; then
	rsync -a --exclude=.git --exclude='*.o' --exclude='*.so' --exclude='*.bc' \
		--exclude=/results --exclude=/output_iso --exclude=/log --exclude=/tmp_check \
		--exclude=/tmp_check_iso --exclude=/regression.diffs --exclude=/regression.out \
		--exclude=/bench/results "$SRC_TREE/" "$TREE/"
else
	tar -C "$SRC_TREE" --exclude=.git --exclude='*.o' --exclude='*.so' --exclude='*.bc' \
		--exclude=./results --exclude=./output_iso --exclude=./log --exclude=./tmp_check \
		--exclude=./tmp_check_iso --exclude=./regression.diffs --exclude=./regression.out \
		--exclude=./bench/results -cf - . | tar -C "$TREE" --no-same-owner -xf -
fi
# What was measured: the commit, and whether the tree had uncommitted changes.
{
	echo "head=$(git -C "$SRC_TREE" rev-parse HEAD 2>/dev/null || echo unknown)"
	echo "head_short=$(git -C "$SRC_TREE" rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo "dirty_files=$(git -C "$SRC_TREE" status --porcelain 2>/dev/null | grep -v ' bench/\| doc/performance.md' | wc -l)"
	echo "tree_sha=$(cd "$TREE" && find . -type f \( -name '*.c' -o -name '*.h' -o -name '*.sql' -o -name Makefile -o -name '*.control' \) \
		-not -path './bench/*' -not -path './test/*' | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-12)"
} >"$WORK/source.txt"

say "private PostgreSQL prefix $PREFIX"
cp -a "$SYS_LIB" "$PREFIX/usr/lib/postgresql/"
cp -a "$SYS_SHARE" "$PREFIX/usr/share/postgresql/"

if [ ${#RUNAS[@]} -gt 0 ]; then chown -R "$BENCH_USER:" "$WORK"; fi
run_user() { "${RUNAS[@]}" env -i PATH="$SAFE_PATH" HOME="$WORK" TMPDIR="$WORK/tmp" LANG=C.UTF-8 "$@"; }

say "build (make -j$(nproc)) and install into the prefix"
if ! run_user make -C "$TREE" -j"$(nproc)" PG_CONFIG="$SYS_LIB/bin/pg_config" >"$WORK/build.log" 2>&1; then
	grep -E 'error|Error' "$WORK/build.log" | head -n 40 >&2
	die "build failed (log: $WORK/build.log; --keep keeps it)"
fi
if ! run_user make -C "$TREE" PG_CONFIG="$SYS_LIB/bin/pg_config" DESTDIR="$PREFIX" install >>"$WORK/build.log" 2>&1; then
	tail -n 20 "$WORK/build.log" >&2
	die "install into $PREFIX failed"
fi

say "running the scenarios as $BENCH_USER (port $PORT, sockets in $WORK/sock)"
rc=0
run_user "$PYTHON" "$TREE/bench/bench.py" --work "$WORK" --prefix "$PREFIX$SYS_LIB" \
	--port "$PORT" --source-info "$WORK/source.txt" "${ARGS[@]}" || rc=$?

# Results: copied back next to this script (bench/results/<stamp>/), or --out=DIR.
if [ -d "$WORK/results" ]; then
	dest=${OUT:-$SELF_DIR/results/$(date -u +%Y%m%dT%H%M%SZ)}
	mkdir -p "$dest"
	cp -a "$WORK/results/." "$dest/"
	if [ "$(id -u)" -eq 0 ]; then chown -R --reference="$SELF_DIR" "$dest" 2>/dev/null || true; fi
	say "results in $dest"
fi
exit "$rc"
