#!/bin/sh
# A PostgreSQL server of the project's own, for the tests and the load script.
#
#   scripts/postgres.sh start    install PostgreSQL if missing (Debian's package, as root), make a
#                                cluster in .pg/ if there is none, start it, create the user and
#                                the database; prints the database URL (the only line on stdout)
#   scripts/postgres.sh url      print the URL (the server may or may not run)
#   scripts/postgres.sh status   exit 0 when the server runs
#   scripts/postgres.sh stop     stop the server (the cluster stays in .pg/)
#   scripts/postgres.sh destroy  stop the server and remove .pg/
#
# Every step is idempotent: `start` on a running server only prints the URL again.
# The server listens on 127.0.0.1 (port SAMEN_PG_PORT, 54329 unless set) and on a unix socket
# in .pg/run; local connections are trusted, TCP ones need the password. PostgreSQL refuses to
# run as root, so as root the cluster belongs to the `postgres` user (made by the package) and
# every server command runs as that user; as anyone else the cluster is simply theirs.
# Progress goes to stderr, so `URL=$(scripts/postgres.sh start)` works.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PGHOME=${SAMEN_PG_DIR:-$ROOT/.pg}
PORT=${SAMEN_PG_PORT:-54329}
DB_USER=samen
DB_PASSWORD=samen
DB_NAME=samen
URL="postgresql://$DB_USER:$DB_PASSWORD@127.0.0.1:$PORT/$DB_NAME"

say() { echo "postgres.sh: $*" >&2; }
die() { say "$*"; exit 1; }

bindir() {
    # Debian keeps the server programs out of PATH, one folder per major version
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
        if [ -x "$d/postgres" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
            echo "$d"
            return 0
        fi
    done
    # elsewhere (a developer's machine): whatever is in PATH
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
        return 0
    fi
    return 1
}

install_server() {
    if bindir >/dev/null; then
        return 0
    fi
    [ "$(id -u)" = 0 ] || die "PostgreSQL's server is not installed; install it (Debian: apt-get install postgresql) or run this as root"
    command -v apt-get >/dev/null 2>&1 || die "PostgreSQL's server is not installed and there is no apt-get to install it"
    say "installing PostgreSQL (apt-get install postgresql)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 || die "apt-get update failed (no network?)"
    # the package's own cluster is not used; do not let the install start it
    apt-get install -y -qq --no-install-recommends postgresql >&2 \
        || die "apt-get install postgresql failed"
    bindir >/dev/null || die "PostgreSQL installed, but its programs were not found"
}

# run a command as the owner of the cluster
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

BIN=""
CLUSTER=""
DATA=""
RUN=""
LOG=""

setup_paths() {
    BIN=$(bindir) || die "PostgreSQL's server is not installed (run: $0 start)"
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || die "there is no postgres user; reinstall Debian's postgresql package"
        mkdir -p "$PGHOME"
        # the postgres user must reach .pg/ through the folders above it; where it cannot (a
        # home folder only root may enter), the cluster lives in a folder of its own in /tmp
        # and .pg/cluster points at it
        if runuser -u postgres -- test -x "$PGHOME"; then
            CLUSTER=$PGHOME
        else
            sum=$(printf '%s' "$PGHOME" | cksum | cut -d' ' -f1)
            CLUSTER=${TMPDIR:-/tmp}/samen-pg-$sum
            mkdir -p "$CLUSTER"
            ln -sfn "$CLUSTER" "$PGHOME/cluster"
        fi
        chown postgres: "$CLUSTER"
    else
        mkdir -p "$PGHOME"
        CLUSTER=$PGHOME
    fi
    DATA=$CLUSTER/data
    RUN=$CLUSTER/run
    LOG=$CLUSTER/server.log
    # a unix socket's path has at most 107 bytes: in a deep work tree, the socket goes to /tmp
    if [ ${#RUN} -gt 80 ]; then
        RUN=${TMPDIR:-/tmp}/samen-pg-run-$(printf '%s' "$PGHOME" | cksum | cut -d' ' -f1)
    fi
}

running() {
    [ -f "$DATA/PG_VERSION" ] && as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

init_cluster() {
    if [ -f "$DATA/PG_VERSION" ]; then
        return 0
    fi
    say "making a cluster in $DATA"
    as_owner mkdir -p "$DATA" "$RUN"
    as_owner "$BIN/initdb" -D "$DATA" -U postgres --encoding=UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=scram-sha-256 >/dev/null 2>&1 \
        || as_owner "$BIN/initdb" -D "$DATA" -U postgres --encoding=UTF8 --locale=C \
            --auth-local=trust --auth-host=scram-sha-256 >&2 \
        || die "initdb failed"
    # settings for a test server on a small machine; durability stays on (fsync, synchronous
    # commit), so the load script's crash check means what it says
    as_owner sh -c "cat >> '$DATA/postgresql.conf'" <<EOF

# samen (scripts/postgres.sh)
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$RUN'
max_connections = 200
shared_buffers = 256MB
work_mem = 16MB
logging_collector = off
log_min_messages = warning
EOF
}

start() {
    install_server
    setup_paths
    init_cluster
    as_owner mkdir -p "$RUN"
    if ! running; then
        say "starting the server on 127.0.0.1:$PORT"
        as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 -o "-p $PORT" start >/dev/null \
            || { cat "$LOG" >&2 2>/dev/null || true; die "the server did not start (log above)"; }
    fi
    psql_super() {
        as_owner "$BIN/psql" -h "$RUN" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 \
            -qtA "$@"
    }
    if [ "$(psql_super -c "SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER'")" != 1 ]; then
        psql_super -c "CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD'" >/dev/null
    fi
    if [ "$(psql_super -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != 1 ]; then
        psql_super -c "CREATE DATABASE $DB_NAME OWNER $DB_USER" >/dev/null
    fi
    echo "$URL"
}

stop() {
    BIN=$(bindir) || return 0
    setup_paths
    if running; then
        say "stopping the server"
        as_owner "$BIN/pg_ctl" -D "$DATA" -w -m fast stop >/dev/null
    fi
}

case "${1:-start}" in
    start) start ;;
    url) echo "$URL" ;;
    status) BIN=$(bindir) || exit 1; setup_paths; running ;;
    stop) stop ;;
    destroy)
        stop
        if [ -L "$PGHOME/cluster" ]; then
            rm -rf "$(readlink "$PGHOME/cluster")"
        fi
        case "$RUN" in
            "" | "$PGHOME"/* | "$CLUSTER"/*) ;;
            *) rm -rf "$RUN" ;;
        esac
        rm -rf "$PGHOME"
        ;;
    *) echo "usage: $0 start|url|status|stop|destroy" >&2; exit 2 ;;
esac
