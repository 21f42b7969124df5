#!/usr/bin/env bash
# Build and install the extension, start a throwaway PostgreSQL 15 cluster,
# run scripts/demo.sql against it, print what came back, tear it down.
#
#   scripts/demo.sh                  (installs missing packages first, as root)
#   TASKS_SKIP_DEPS=1 scripts/demo.sh    do not look at packages at all
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

# shellcheck source=lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

if [ "${1:-}" = --in-cluster ]; then
	# As the runner, inside the cluster, from the copied tree.  Exit 0 with
	# the status in a file so pg_virtualenv does not dump its server log.
	rc=0
	psql -X -v ON_ERROR_STOP=1 -f scripts/demo.sql || rc=$?
	save_server_log server.log
	echo "$rc" >demo-status
	exit 0
fi

if [ "${TASKS_SKIP_DEPS:-}" != 1 ]; then
	bash "$REPO_ROOT/scripts/install-deps.sh"
fi
require_tools
make_workdir
tree=$WORKDIR/tree

say "copying $REPO_ROOT to $tree"
copy_tree "$REPO_ROOT" "$tree"
say "building"
build_ext "$tree" || die "build failed"
say "installing"
install_ext "$tree" || die "make install failed"
give_tree_to_runner "$tree"

say "starting a throwaway cluster as $(runner_user) and running scripts/demo.sql"
cd "$tree"
rc=0
run_in_cluster bash "$tree/scripts/demo.sh" --in-cluster || rc=$?
cd /
if [ "$rc" -eq 0 ]; then rc=$(cat "$tree/demo-status" 2>/dev/null || echo 1); fi
if [ "$rc" -ne 0 ]; then
	show_crashes "$tree/server.log"
	say "demo failed (exit $rc)"
	exit "$rc"
fi
say "demo finished; cluster removed"
