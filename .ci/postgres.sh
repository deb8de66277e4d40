#!/usr/bin/env bash
# postgres.sh gives the tests a PostgreSQL database: it installs PostgreSQL
# from the distribution (Debian/Ubuntu apt), starts a cluster listening on
# 127.0.0.1:5432 only, creates a user and a database for the tests, and
# prints the one line that points the tests at them:
#
#	eval "$(.ci/postgres.sh)"   # sets DYNROUTE_TEST_POSTGRES
#
# Everything else it says goes to stderr, so that eval sees that line only.
# It runs as root or with sudo, and may be run again: each run reuses the
# cluster, user and database and gives the user a new random password.
set -euo pipefail

user=dynroute
db=dynroute_test
port=5432

if [ "$(id -u)" -eq 0 ]; then
	sudo=()
else
	sudo=(sudo)
fi
# as_postgres runs a command as the cluster's owner, which psql's peer
# authentication over the Unix socket lets in as the superuser.
as_postgres() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		sudo -u postgres "$@"
	fi
}

{
	echo "== installing PostgreSQL"
	export DEBIAN_FRONTEND=noninteractive
	"${sudo[@]}" apt-get update -q
	"${sudo[@]}" apt-get install -y -q --no-install-recommends postgresql postgresql-client

	version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
	if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { found = 1 } END { exit !found }'; then
		"${sudo[@]}" pg_createcluster "$version" main
	fi
	# Loopback only, on the port the DSN names. Debian's postgresql.conf
	# includes conf.d last, so these settings win.
	printf "listen_addresses = '127.0.0.1'\nport = %d\n" "$port" |
		"${sudo[@]}" tee "/etc/postgresql/$version/main/conf.d/dynroute-ci.conf" >/dev/null
	if "${sudo[@]}" pg_ctlcluster "$version" main status >/dev/null 2>&1; then
		"${sudo[@]}" pg_ctlcluster "$version" main restart
	else
		"${sudo[@]}" pg_ctlcluster "$version" main start
	fi
	pg_isready -h 127.0.0.1 -p "$port" -t 60

	echo "== creating user $user and database $db"
	password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
	as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$port" -d postgres <<SQL
DO \$\$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$user') THEN
		CREATE ROLE $user LOGIN;
	END IF;
END
\$\$;
ALTER ROLE $user WITH LOGIN PASSWORD '$password';
SELECT 'CREATE DATABASE $db OWNER $user' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$db')
\gexec
SQL

	dsn="postgres://$user:$password@127.0.0.1:$port/$db?sslmode=disable"
	# The default pg_hba.conf lets password logins in over 127.0.0.1; check.
	psql -X -q -v ON_ERROR_STOP=1 "$dsn" -c 'SELECT 1' >/dev/null
	echo "== PostgreSQL $version is ready on 127.0.0.1:$port"
} >&2

echo "export DYNROUTE_TEST_POSTGRES='$dsn'"
