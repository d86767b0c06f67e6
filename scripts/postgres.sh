#!/usr/bin/env bash
# A local PostgreSQL 16 with pgvector on loopback, for `imgsearch --database` without a database server of your own
# (the binaries `make setup` unpacks into assets/pgserver-0.1.4). Any PostgreSQL >= 15 with pgvector works as well.
#
#   scripts/postgres.sh start   [--dir DIR] [--port P]    initialise DIR on first use, start, print the URL
#   scripts/postgres.sh stop    [--dir DIR]
#   scripts/postgres.sh status  [--dir DIR]               exit status 0 running, 3 stopped
#   scripts/postgres.sh url     [--dir DIR]               postgres://imgsearch@127.0.0.1:P/imgsearch
#   scripts/postgres.sh replica --primary-port P [--dir DIR] [--port P2]
#                                                         a streaming replica made with pg_basebackup, started
#
# Defaults: --dir .postgres/data, --port 5432. The server listens on 127.0.0.1 only and trusts local connections:
# it is for one machine, not for a network. initdb and postgres refuse to run as root; as root the script runs them
# as the system user `imgsearch` (created with useradd --system when missing), which owns DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
PGBIN=${IMGSEARCH_PG_BIN:-$PWD/assets/pgserver-0.1.4/pgserver/pginstall/bin}
RUN_USER=imgsearch
command=${1:-}; shift || true
DIR=.postgres/data; PORT=""; PRIMARY_PORT=""
while (($#)); do
  case $1 in
    --dir) DIR=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    --primary-port) PRIMARY_PORT=$2; shift 2 ;;
    *) echo "postgres.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
fail() { echo "postgres.sh: $*" >&2; exit 1; }
[ -x "$PGBIN/postgres" ] || fail "no PostgreSQL binaries in $PGBIN (run make setup)"
mkdir -p "$(dirname "$DIR")"
DIR=$(cd "$(dirname "$DIR")" && pwd)/$(basename "$DIR")

# Runs a PostgreSQL program as the unprivileged owner of the data directory.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u "$RUN_USER" -- "$@"; else "$@"; fi
}
prepare_owner() {
  [ "$(id -u)" = 0 ] || return 0
  id -u "$RUN_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$RUN_USER"
  mkdir -p "$DIR" && chown "$RUN_USER" "$DIR" && chmod 700 "$DIR"
  # The owner must reach the directory: every parent needs search permission for it.
  local parent=$(dirname "$DIR")
  while [ "$parent" != / ]; do chmod o+x "$parent" 2>/dev/null || true; parent=$(dirname "$parent"); done
}
port_of() { cat "$DIR/imgsearch.port" 2>/dev/null || echo 5432; }
url() { echo "postgres://imgsearch@127.0.0.1:$(port_of)/imgsearch"; }
running() { [ -f "$DIR/PG_VERSION" ] && as_owner "$PGBIN/pg_ctl" status -D "$DIR" >/dev/null 2>&1; }

configure() {  # listen on loopback, allow a replica to stream from this server
  cat >>"$DIR/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
wal_level = replica
max_wal_senders = 10
hot_standby = on
shared_buffers = 256MB
maintenance_work_mem = 1GB
max_connections = 200
EOF
  cat >"$DIR/pg_hba.conf" <<EOF
host all all 127.0.0.1/32 trust
host replication all 127.0.0.1/32 trust
EOF
}

start() {
  local port=$1
  echo "$port" >"$DIR/imgsearch.port.new" && mv "$DIR/imgsearch.port.new" "$DIR/imgsearch.port"
  [ "$(id -u)" = 0 ] && chown "$RUN_USER" "$DIR/imgsearch.port"
  as_owner "$PGBIN/pg_ctl" start -D "$DIR" -w -t 60 -l "$DIR/server.log" -o "-p $port" >/dev/null \
    || fail "the server in $DIR did not start; its log: $DIR/server.log: $(tail -3 "$DIR/server.log" 2>/dev/null)"
}

case $command in
  start)
    if running; then echo "running: $(url)"; exit 0; fi
    prepare_owner
    if [ ! -f "$DIR/PG_VERSION" ]; then
      as_owner "$PGBIN/initdb" -D "$DIR" -U imgsearch --auth=trust --encoding=UTF8 --locale=C >"$DIR.initdb.log" 2>&1 \
        || fail "initdb failed: $(tail -5 "$DIR.initdb.log")"
      configure
      start "${PORT:-5432}"
      as_owner "$PGBIN/psql" -q -h 127.0.0.1 -p "$(port_of)" -U imgsearch -d postgres \
        -c "CREATE DATABASE imgsearch" -c "\\c imgsearch" -c "CREATE EXTENSION IF NOT EXISTS vector" >/dev/null
    else
      start "${PORT:-$(port_of)}"
    fi
    echo "running: $(url)" ;;
  stop)
    if running; then as_owner "$PGBIN/pg_ctl" stop -D "$DIR" -m fast -w >/dev/null; fi
    echo "stopped: $DIR" ;;
  status)
    if running; then echo "running: $(url)"; else echo "stopped: $DIR"; exit 3; fi ;;
  url) url ;;
  replica)
    [ -n "$PRIMARY_PORT" ] || fail "replica needs --primary-port (the primary's port on 127.0.0.1)"
    if running; then echo "running: $(url)"; exit 0; fi
    [ -f "$DIR/PG_VERSION" ] && fail "$DIR already holds a database"
    prepare_owner
    as_owner "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U imgsearch -D "$DIR" -R -X stream -c fast \
      || fail "pg_basebackup from 127.0.0.1:$PRIMARY_PORT failed"
    start "${PORT:-$((PRIMARY_PORT + 1))}"
    echo "running: $(url)" ;;
  *) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
