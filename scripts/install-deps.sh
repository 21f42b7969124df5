#!/usr/bin/env bash
# Install what building and testing the tasks extension needs on Debian 12:
# PostgreSQL 15 server (pg_trgm and btree_gin ship in postgresql-15),
# server headers, pg_virtualenv (postgresql-common), uuid-dev, IPC::Run,
# a C toolchain.  Idempotent and quick when everything is present.
#
#   scripts/install-deps.sh              as root (or with sudo)
#   scripts/install-deps.sh --valgrind   also install valgrind
#   scripts/install-deps.sh --check      only report what is missing
set -euo pipefail

PG_MAJOR=15
packages=(
	"postgresql-$PG_MAJOR"
	"postgresql-client-$PG_MAJOR"
	postgresql-common
	"postgresql-server-dev-$PG_MAJOR"
	uuid-dev
	libipc-run-perl
	python3
	python3-psycopg2
	build-essential
	make
	gcc
)
check_only=
for arg in "$@"; do
	case $arg in
	--valgrind) packages+=(valgrind) ;;
	--check) check_only=1 ;;
	-h | --help) sed -n '2,10p' "$0"; exit 0 ;;
	*) echo "unknown option: $arg" >&2; exit 2 ;;
	esac
done

installed() {
	[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" = "ii " ]
}

missing=()
for p in "${packages[@]}"; do
	installed "$p" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "==> dependencies present (PostgreSQL $PG_MAJOR, server headers, toolchain)"
	exit 0
fi

echo "==> missing packages: ${missing[*]}"
if [ -n "$check_only" ]; then
	exit 1
fi

if ! command -v apt-get >/dev/null; then
	echo "error: no apt-get here; install the equivalents of: ${missing[*]}" >&2
	exit 1
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null && { sudo -n true 2>/dev/null || [ -t 0 ]; }; then
		sudo=(sudo)
	else
		echo "error: not root and no sudo; as root, run:" >&2
		echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
		exit 1
	fi
fi

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y -q -o Dpkg::Use-Pty=0 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
log=$(mktemp -t tasks-apt.XXXXXX)
trap 'rm -f "$log"' EXIT
echo "==> apt-get update"
if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >"$log" 2>&1; then
	tail -n 30 "$log"
	echo "error: apt-get update failed" >&2
	exit 1
fi
echo "==> apt-get install ${missing[*]}"
if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get install "${apt_opts[@]}" --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
	tail -n 40 "$log"
	echo "error: apt-get install failed" >&2
	exit 1
fi

for p in "${missing[@]}"; do
	installed "$p" || { echo "error: $p still not installed" >&2; exit 1; }
done
for f in pg_trgm btree_gin; do
	[ -f "/usr/share/postgresql/$PG_MAJOR/extension/$f.control" ] || {
		echo "error: contrib extension $f not found" >&2
		exit 1
	}
done
echo "==> dependencies installed"
