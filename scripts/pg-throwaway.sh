#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suite (scripts/test.sh) and the benchmarks.
# `start DIR` prints one URL line on stdout; `stop DIR` stops the server and removes DIR.
# `halt DIR` stops the server as a restart does (fast shutdown) and keeps its data; `resume
# DIR` starts it again on the same port (the restart fault test uses both).
#
# The URL is TCP on loopback: postgresql://orca@127.0.0.1:PORT/orca. TCP rather than the
# socket because a unix socket path is limited to ~107 bytes and DIR may be long; the
# server still listens on DIR/socket too when that path fits (psql -h DIR/socket works).
#
# The cluster is tuned for speed, not safety (fsync, synchronous_commit and
# full_page_writes off) and trusts every local / loopback connection, except role
# `orca_secret` (password `orca-secret`), which needs scram-sha-256 so that tests can check
# what a wrong password does. Run as root, the cluster belongs to the `postgres` user.
# It never touches the distribution's own clusters (e.g. Debian's `main` on 5432).
set -euo pipefail

readonly marker=.orca-pg-throwaway
readonly secret_role=orca_secret
readonly secret_password=orca-secret

say() { echo "pg-throwaway: $*" >&2; }
die() { say "$*"; exit 1; }

usage() {
  echo "usage: $0 start DIR   # prints postgresql://orca@127.0.0.1:PORT/orca" >&2
  echo "       $0 stop DIR    # stops the server and removes DIR" >&2
  echo "       $0 halt DIR    # stops the server (fast shutdown), keeps DIR" >&2
  echo "       $0 resume DIR  # starts a halted server again, on the same port" >&2
  exit 2
}

# The newest installed server's bin directory (/usr/lib/postgresql/<major>/bin).
find_bindir() {
  local dir
  dir=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  if [[ -z "$dir" || ! -x "$dir/initdb" ]]; then
    dir=$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")
  fi
  [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]] ||
    die "no PostgreSQL server found under /usr/lib/postgresql/*/bin (apt-get install postgresql)"
  echo "$dir"
}

# Runs a command as the cluster's owner: `postgres` when we are root (the server refuses
# to run as root), ourselves otherwise.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# True if something already accepts connections on 127.0.0.1:$1.
port_taken() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

log_tail() {
  if [[ -f "$1/server.log" ]]; then
    say "last lines of $1/server.log:"
    tail -n 30 "$1/server.log" >&2
  fi
}

start() {
  local dir=$1 bindir data port sockdir attempt
  bindir=$(find_bindir)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd -P)
  data=$dir/data
  [[ ! -e "$data" ]] || die "$data already exists; run '$0 stop $dir' first"
  touch "$dir/$marker"
  if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' user"
    chown postgres: "$dir"
    as_owner test -x "$dir" ||
      die "user postgres cannot enter $dir (a parent directory is private); use a DIR under /tmp"
  fi

  say "initdb ($bindir) into $data"
  if ! as_owner "$bindir/initdb" -D "$data" -U orca -E UTF8 --locale=C --no-sync \
      --auth-local=trust --auth-host=trust >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    die "initdb failed"
  fi
  cat >"$data/pg_hba.conf" <<EOF
# throwaway cluster: trust on the socket and loopback, one password role for tests
local all all                    trust
host  all $secret_role 127.0.0.1/32  scram-sha-256
host  all $secret_role ::1/128       scram-sha-256
host  all all          127.0.0.1/32  trust
host  all all          ::1/128       trust
EOF

  # A socket path longer than sun_path (108 bytes with the file name) makes the server
  # refuse to start; go TCP-only then.
  sockdir=$dir/socket
  if (( ${#sockdir} + 20 < 108 )); then
    as_owner mkdir -p "$sockdir"
  else
    say "socket path $sockdir is too long; listening on TCP only"
    sockdir=
  fi

  # Pick a port at random above the usual ones; another process may take it between the
  # check and the bind, so a failed start on a busy port retries with another.
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    port_taken "$port" && continue
    cat >"$data/postgresql.auto.conf" <<EOF
# written by scripts/pg-throwaway.sh: a disposable test server
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$sockdir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 600
shared_buffers = 128MB
max_wal_size = 1GB
logging_collector = off
log_min_messages = warning
EOF
    chown --reference="$data" "$data/postgresql.auto.conf" 2>/dev/null || true
    say "starting on 127.0.0.1:$port (attempt $attempt)"
    rm -f "$dir/server.log"
    if as_owner "$bindir/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 start >/dev/null 2>&1; then
      break
    fi
    if grep -q "could not bind\|Address already in use\|could not create any TCP/IP sockets" \
        "$dir/server.log" 2>/dev/null; then
      say "port $port is busy, trying another"
      port=
      continue
    fi
    log_tail "$dir"
    die "the server did not start"
  done
  if [[ -z "${port:-}" ]] || ! as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    log_tail "$dir"
    die "no free port found"
  fi

  if ! "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U orca -d postgres \
      >/dev/null 2>"$dir/setup.log" <<EOF
CREATE DATABASE orca OWNER orca;
CREATE ROLE $secret_role LOGIN PASSWORD '$secret_password';
GRANT ALL ON DATABASE orca TO $secret_role;
EOF
  then
    cat "$dir/setup.log" >&2
    log_tail "$dir"
    as_owner "$bindir/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
    die "could not create the orca database"
  fi
  say "ready; stop it with: $0 stop $dir"
  echo "postgresql://orca@127.0.0.1:$port/orca"
}

stop() {
  local dir=$1 bindir
  [[ -d "$dir" ]] || return 0
  if [[ ! -e "$dir/$marker" ]] && [[ -n "$(ls -A "$dir" 2>/dev/null)" ]]; then
    say "$dir was not made by this script; leaving it alone"
    return 0
  fi
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    bindir=$(find_bindir 2>/dev/null) || bindir=
    if [[ -n "$bindir" ]]; then
      as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
        as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 ||
        say "could not stop the server in $dir/data"
    fi
  fi
  rm -rf "$dir"
}

# Fast shutdown: sessions are terminated, every committed transaction is on disk.
halt() {
  [[ -e "$1/$marker" ]] || die "$1 was not made by this script"
  as_owner "$(find_bindir)/pg_ctl" -D "$1/data" -m fast -w -t 30 stop >/dev/null
}

resume() {
  [[ -e "$1/$marker" ]] || die "$1 was not made by this script"
  as_owner "$(find_bindir)/pg_ctl" -D "$1/data" -l "$1/server.log" -w -t 60 start >/dev/null
}

[[ $# -eq 2 ]] || usage
case $1 in
  start) start "$2" ;;
  stop) stop "$2" || true ;;
  halt) halt "$2" ;;
  resume) resume "$2" ;;
  *) usage ;;
esac
