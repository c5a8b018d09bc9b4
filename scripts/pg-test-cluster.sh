#!/usr/bin/env bash
# A private PostgreSQL cluster for the tests and benchmarks: Debian's
# postgresql binaries, a temporary directory, 127.0.0.1 on a free port, run
# as an unprivileged user (postgres, else nobody) when started as root.
#
# usage: eval "$(scripts/pg-test-cluster.sh start)"   initdb + start; prints
#            export AUTHKIT_TEST_PG=postgresql://…  AUTHKIT_PG_CLUSTER_DIR=…
#        scripts/pg-test-cluster.sh stop     stop the server, delete the directory
#        scripts/pg-test-cluster.sh pause    stop the server (pg_ctl stop -m fast), keep the data
#        scripts/pg-test-cluster.sh resume   start it again on the same port
#        scripts/pg-test-cluster.sh env      print the exports again
# The commands after start find the cluster through AUTHKIT_PG_CLUSTER_DIR.
set -euo pipefail

bindir=${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
	echo "pg-test-cluster: no PostgreSQL server binaries (Debian package postgresql)" >&2
	exit 1
fi

# As root, every server command runs as this user, who owns the directory.
run_as=()
owner=$(id -un)
if [ "$(id -u)" -eq 0 ]; then
	owner=postgres
	id -u postgres >/dev/null 2>&1 || owner=nobody
	run_as=(runuser -u "$owner" --)
fi

as_owner() {
	"${run_as[@]}" "$@"
}

free_port() {
	# Bind port 0 and report what the kernel chose; the server takes it
	# right after (a retry covers the rare race).
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

cluster_dir() {
	if [ -z "${AUTHKIT_PG_CLUSTER_DIR:-}" ] || [ ! -f "$AUTHKIT_PG_CLUSTER_DIR/port" ]; then
		echo "pg-test-cluster: AUTHKIT_PG_CLUSTER_DIR does not name a cluster" >&2
		exit 1
	fi
	echo "$AUTHKIT_PG_CLUSTER_DIR"
}

print_env() {
	local dir=$1
	echo "export AUTHKIT_TEST_PG='postgresql://authkit@127.0.0.1:$(cat "$dir/port")/authkit_test'"
	echo "export AUTHKIT_PG_CLUSTER_DIR='$dir'"
}

server_start() {
	local dir=$1
	as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -s \
		-o "-c listen_addresses=127.0.0.1 -p $(cat "$dir/port") -k $dir -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
		start >&2
}

start() {
	local dir
	dir=$(mktemp -d "${TMPDIR:-/tmp}/authkit-pg.XXXXXX")
	chmod 755 "$dir"
	[ ${#run_as[@]} -eq 0 ] || chown "$owner" "$dir"
	as_owner "$bindir/initdb" -D "$dir/data" -U authkit -A trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 || {
		cat "$dir/initdb.log" >&2
		exit 1
	}
	local tries=0
	until free_port >"$dir/port" && server_start "$dir"; do
		tries=$((tries + 1))
		if [ $tries -ge 3 ]; then
			cat "$dir/server.log" >&2 || true
			exit 1
		fi
	done
	as_owner "$bindir/createdb" -h 127.0.0.1 -p "$(cat "$dir/port")" -U authkit authkit_test >&2
	print_env "$dir"
}

case "${1:-}" in
start) start ;;
stop)
	dir=$(cluster_dir)
	as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -s stop >&2 2>/dev/null || true
	rm -rf "$dir"
	;;
pause)
	dir=$(cluster_dir)
	as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w -s stop >&2
	;;
resume)
	dir=$(cluster_dir)
	server_start "$dir"
	;;
env) print_env "$(cluster_dir)" ;;
*)
	echo "usage: $0 start|stop|pause|resume|env" >&2
	exit 2
	;;
esac
