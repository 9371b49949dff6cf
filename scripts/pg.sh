#!/usr/bin/env bash
# Make sure a PostgreSQL server answers and that Odoo's database role exists.
#   as root:        the system cluster, administered as the 'postgres' user
#   as normal user: a project-local cluster in .local/pgdata
# Prints the connection settings as shell assignments (PGHOST, PGPORT, ...),
# which the Makefile passes to Odoo.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
STATE="${UTILITY_STATE_DIR:-$ROOT/.local}"
DB_USER="${DB_USER:-odoo}"
DB_PASSWORD="${DB_PASSWORD:-odoo}"
mkdir -p "$STATE"
log() { printf '[pg] %s\n' "$*" >&2; }
# The admin commands below name their server, database and user themselves: the
# caller's libpq variables (PGHOST=localhost PGUSER=odoo in a developer's shell)
# would otherwise send them to another user and database than the ones named.
PG_CLEAN_ENV=(env -u PGHOST -u PGHOSTADDR -u PGPORT -u PGUSER -u PGDATABASE -u PGPASSWORD -u PGPASSFILE -u PGSERVICE)

pg_bindir() {
    local d
    d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
    [ -n "$d" ] || { log "PostgreSQL is not installed (run: make install)"; exit 1; }
    echo "$d"
}

if [ "$(id -u)" = 0 ]; then
    HOST=localhost
    PORT="${DB_PORT:-5432}"
    if ! pg_isready -q -h "$HOST" -p "$PORT" 2>/dev/null; then
        if command -v pg_lsclusters >/dev/null && [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then
            ver="$(basename "$(dirname "$(pg_bindir)")")"
            log "creating the system cluster $ver/main"
            pg_createcluster "$ver" main >/dev/null
        fi
        log "starting the system PostgreSQL cluster"
        if command -v pg_ctlcluster >/dev/null; then
            pg_lsclusters -h | while read -r ver name _; do
                pg_ctlcluster "$ver" "$name" start 2>/dev/null || true
            done
        else
            service postgresql start >/dev/null
        fi
        for _ in $(seq 1 30); do pg_isready -q -h "$HOST" -p "$PORT" && break; sleep 1; done
    fi
    # 'su' keeps the caller's environment: clear the libpq variables so that
    # psql reaches the postgres role through the local socket.
    psql_admin() {
        "${PG_CLEAN_ENV[@]}" su postgres -c "psql -p $PORT -d postgres -qtAX $(printf '%q ' "$@")"
    }
else
    DATA="$STATE/pgdata"
    SOCK="$STATE/pgrun"
    HOST=localhost
    PORT="${DB_PORT:-5433}"
    BIN="$(pg_bindir)"
    mkdir -p "$SOCK"
    if [ ! -f "$DATA/PG_VERSION" ]; then
        log "creating a project-local cluster in $DATA"
        "$BIN/initdb" -D "$DATA" -U "$(id -un)" --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! pg_isready -q -h "$HOST" -p "$PORT" 2>/dev/null; then
        log "starting the project-local cluster on port $PORT"
        "$BIN/pg_ctl" -D "$DATA" -l "$STATE/postgresql.log" -w \
            -o "-p $PORT -k $SOCK -c listen_addresses=localhost" start >/dev/null
    fi
    psql_admin() { "${PG_CLEAN_ENV[@]}" psql -h "$SOCK" -p "$PORT" -d postgres -qtAX "$@"; }
fi

pg_isready -q -h "$HOST" -p "$PORT" || { log "PostgreSQL does not answer on $HOST:$PORT"; exit 1; }
if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER'")" != 1 ]; then
    log "creating database role $DB_USER"
    psql_admin -c "CREATE ROLE \"$DB_USER\" LOGIN CREATEDB PASSWORD '$DB_PASSWORD'"
fi
echo "DB_HOST=$HOST DB_PORT=$PORT DB_USER=$DB_USER DB_PASSWORD=$DB_PASSWORD"
