# shellcheck shell=bash
# Start and stop throwaway PostgreSQL and Redis servers on free loopback ports.
#
# Sourced by scripts/test (one pair of servers per test run, removed afterwards)
# and scripts/services (a pair for development that lives until `stop`).
# The library sets no shell options; every function returns non-zero on error
# except keel_stop_servers, which never fails.
#
# State is kept in exported KEEL_* variables so that keel_stop_servers works
# both in the same shell and in a later one that sourced .keel/services/env:
#   KEEL_TEST_POSTGRES  KEEL_PG_PORT  KEEL_PG_PID  KEEL_PG_DATA  KEEL_PG_SOCKET_DIR  KEEL_PG_BINDIR
#   KEEL_TEST_REDIS     KEEL_REDIS_PORT  KEEL_REDIS_PID  KEEL_REDIS_SERVER  KEEL_REDIS_DIR
#   KEEL_CLEANUP_DIRS   (':'-separated dirs keel_stop_servers deletes; only ones a caller registered)

_keel_log() { printf 'keel: %s\n' "$*" >&2; }

# Run a command as the postgres user when we are root (initdb and postgres refuse
# to run as root); as an ordinary user, run it as ourselves. Run from / so the
# postgres user is never left in a cwd it cannot read (e.g. /root).
_keel_as_pg() {
  if [[ ${EUID:-$(id -u)} -eq 0 ]]; then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

# True if PID is a live (not zombie) process whose command line mentions NAME.
# The name check keeps us from killing an unrelated process that reused the pid
# (the services env file can be sourced long after the server died).
_keel_alive() {
  local pid=$1 name=$2 state cmd
  [[ -n $pid && $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -r /proc/$pid/stat ]]; then
    state=$(sed -E 's/^[0-9]+ \(.*\) ([A-Za-z]).*/\1/' "/proc/$pid/stat" 2>/dev/null) || state=
    [[ $state == Z ]] && return 1
    cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || cmd=
    [[ -z $name || $cmd == *"$name"* ]] || return 1
  fi
  return 0
}

# Wait up to SECONDS for PID to exit; then SIGKILL it. Never fails.
_keel_wait_gone() {
  local pid=$1 name=$2 secs=${3:-15} i
  for ((i = 0; i < secs * 10; i++)); do
    _keel_alive "$pid" "$name" || return 0
    sleep 0.1
  done
  _keel_log "$name (pid $pid) did not stop in ${secs}s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  sleep 0.2
  return 0
}

# Directory holding the PostgreSQL server binaries (initdb, postgres, pg_ctl, ...).
# PATH first (resolving symlinks such as /usr/local/bin/initdb), then the newest
# Debian versioned dir. /usr/bin/psql et al. are Debian wrappers, so we never
# take the bin dir from them.
keel_pg_bindir() {
  local p dir
  if p=$(command -v initdb 2>/dev/null) && [[ -n $p ]]; then
    dir=$(dirname "$(readlink -f "$p")")
    if [[ -x $dir/postgres && -x $dir/pg_ctl ]]; then
      printf '%s\n' "$dir"
      return 0
    fi
  fi
  for dir in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -t/ -k5,5 -rn); do
    if [[ -x $dir/initdb && -x $dir/postgres && -x $dir/pg_ctl ]]; then
      printf '%s\n' "$dir"
      return 0
    fi
  done
  return 1
}

# A PostgreSQL client tool: from the server's bin dir if it has it, else PATH.
_keel_pg_tool() {
  local bindir=${KEEL_PG_BINDIR:-$(keel_pg_bindir 2>/dev/null)}
  if [[ -n $bindir && -x $bindir/$1 ]]; then
    printf '%s\n' "$bindir/$1"
  else
    command -v "$1"
  fi
}

# Install what a fresh machine may lack, with a single `apt-get update`.
# PostgreSQL is normally preinstalled; Redis usually is not. With --clients, also Node.js (the OpenAPI
# linters, the TypeScript client) and Go (the Go client), for scripts/lint-openapi and scripts/clients;
# with --bench, wrk (the outside load generator of the benchmarks).
keel_install_missing() {
  local -
  set +e +o pipefail # `local -` restores the caller's options on return
  local pkgs=()
  command -v redis-server >/dev/null 2>&1 || pkgs+=(redis-server)
  command -v redis-cli >/dev/null 2>&1 || pkgs+=(redis-tools)
  keel_pg_bindir >/dev/null 2>&1 || pkgs+=(postgresql)
  if [[ ${1:-} == --clients ]]; then
    command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm)
    command -v go >/dev/null 2>&1 || pkgs+=(golang-go)
  fi
  [[ ${1:-} == --bench ]] && { command -v wrk >/dev/null 2>&1 || pkgs+=(wrk); }
  ((${#pkgs[@]})) || return 0
  if [[ ${EUID:-$(id -u)} -ne 0 ]]; then
    _keel_log "missing ${pkgs[*]} and not root: install them with apt-get first"
    return 1
  fi
  _keel_log "installing ${pkgs[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || return 1
  apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >&2 || return 1
  # Debian's postinst starts its own cluster and redis service where an init
  # system runs; we never use those, our servers run on other ports.
  command -v redis-server >/dev/null 2>&1 && keel_pg_bindir >/dev/null 2>&1
}

# Print a free TCP port on 127.0.0.1. The kernel picks it (bind to port 0);
# without python3, probe random ports in 20000-59999 until nothing answers.
keel_free_port() {
  local -
  set +e +o pipefail # `local -` restores the caller's options on return
  local p i
  if command -v python3 >/dev/null 2>&1 &&
    p=$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null) &&
    [[ $p =~ ^[0-9]+$ ]]; then
    printf '%s\n' "$p"
    return 0
  fi
  for ((i = 0; i < 200; i++)); do
    p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    if ! (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      printf '%s\n' "$p"
      return 0
    fi
  done
  _keel_log "no free port found"
  return 1
}

# Add DIR to the dirs keel_stop_servers deletes (only temp dirs the caller made).
keel_register_cleanup() {
  case ":${KEEL_CLEANUP_DIRS:-}:" in
  *":$1:"*) ;;
  *) export KEEL_CLEANUP_DIRS="${KEEL_CLEANUP_DIRS:+$KEEL_CLEANUP_DIRS:}$1" ;;
  esac
}

# keel_start_postgres DIR: a PostgreSQL cluster in DIR/pg on a free port.
# An existing cluster in DIR/pg/data is reused (scripts/services keeps its data).
keel_start_postgres() {
  local -
  set +e +o pipefail # `local -` restores the caller's options on return
  local dir=${1:?usage: keel_start_postgres DIR} bindir pgdir data sock log port attempt i ready
  bindir=$(keel_pg_bindir) || {
    _keel_log "PostgreSQL server binaries not found (run keel_install_missing)"
    return 1
  }
  mkdir -p "$dir" || return 1
  dir=$(cd "$dir" && pwd -P)
  # mktemp -d makes 0700 dirs; the postgres user must be able to traverse it.
  chmod 755 "$dir" || return 1
  pgdir=$dir/pg data=$dir/pg/data log=$dir/pg/postgres.log sock=$dir/pg/sock
  # Unix socket paths are limited to 107 bytes; fall back to a short temp dir.
  if ((${#sock} > 90)); then
    sock=$(mktemp -d /tmp/keel-pgsock.XXXXXX) && chmod 755 "$sock" || return 1
    keel_register_cleanup "$sock"
  fi
  mkdir -p "$pgdir" "$sock" || return 1
  if [[ ${EUID:-$(id -u)} -eq 0 ]]; then
    chown postgres: "$pgdir" "$sock" || return 1
    if ! runuser -u postgres -- test -w "$pgdir"; then
      _keel_log "user postgres cannot write $pgdir (a parent dir is not traversable?)"
      return 1
    fi
  fi

  if [[ ! -f $data/PG_VERSION ]]; then
    # --no-sync: a test cluster need not survive a power cut, and it is much faster.
    _keel_as_pg "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C \
      --no-sync >"$pgdir/initdb.log" 2>&1 || {
      _keel_log "initdb failed; see $pgdir/initdb.log:"
      tail -n 20 "$pgdir/initdb.log" >&2
      return 1
    }
  fi

  local durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  [[ ${KEEL_PG_DURABLE:-} == 1 ]] && durability=
  # The port is free when chosen but another process may take it before
  # postgres binds it, so retry with a new port a few times.
  for attempt in 1 2 3; do
    port=$(keel_free_port) || return 1
    # pg_ctl starts postgres in the background with a log file and waits (-w)
    # until it accepts connections. Durability is switched off for tests;
    # KEEL_PG_DURABLE=1 keeps PostgreSQL's defaults (benchmarks of the outbox).
    if _keel_as_pg "$bindir/pg_ctl" -D "$data" -l "$log" -w -t 30 -s start \
      -o "-h 127.0.0.1 -p $port -k '$sock' $durability -c max_connections=300" \
      >>"$pgdir/pg_ctl.log" 2>&1; then
      break
    fi
    _keel_log "postgres did not start on port $port (attempt $attempt); log tail:"
    tail -n 10 "$log" >&2 2>/dev/null
    _keel_as_pg "$bindir/pg_ctl" -D "$data" -m immediate -s stop >/dev/null 2>&1
    port=
  done
  [[ -n $port ]] || return 1

  # Belt and braces: wait (30 s at most) until a TCP connection is accepted.
  ready=
  for ((i = 0; i < 300; i++)); do
    if "$(_keel_pg_tool pg_isready)" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres; then
      ready=1
      break
    fi
    sleep 0.1
  done
  export KEEL_PG_BINDIR=$bindir KEEL_PG_DATA=$data KEEL_PG_SOCKET_DIR=$sock KEEL_PG_PORT=$port
  KEEL_PG_PID=$(head -n 1 "$data/postmaster.pid" 2>/dev/null)
  export KEEL_PG_PID
  export KEEL_PG_LOG=$log
  if [[ -z $ready ]]; then
    _keel_log "postgres on port $port not ready after 30s; log tail:"
    tail -n 20 "$log" >&2
    return 1
  fi
  export KEEL_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
}

# keel_start_redis DIR: a Redis server without persistence on a free port.
keel_start_redis() {
  local -
  set +e +o pipefail # `local -` restores the caller's options on return
  local dir=${1:?usage: keel_start_redis DIR} server cli rdir port pid attempt i
  server=$(command -v redis-server) || {
    _keel_log "redis-server not found (run keel_install_missing)"
    return 1
  }
  # Keep the symlink's name: Debian's redis-server links to redis-check-rdb,
  # which picks its role from argv[0].
  [[ $server == /* ]] || server=$PWD/$server
  cli=$(command -v redis-cli) || {
    _keel_log "redis-cli not found (run keel_install_missing)"
    return 1
  }
  mkdir -p "$dir/redis" || return 1
  rdir=$(cd "$dir/redis" && pwd -P)
  for attempt in 1 2 3; do
    port=$(keel_free_port) || return 1
    # Not daemonized, so $! is the server itself; stdin from /dev/null and nohup
    # so `scripts/services start` can leave it running after it exits.
    nohup "$server" --bind 127.0.0.1 --port "$port" --save '' --appendonly no \
      --daemonize no --dir "$rdir" --logfile "$rdir/redis.log" \
      </dev/null >>"$rdir/redis.out" 2>&1 &
    pid=$!
    for ((i = 0; i < 300; i++)); do
      # No name check: right after `&` the child may not have exec'd redis yet.
      _keel_alive "$pid" "" || break
      [[ $("$cli" -h 127.0.0.1 -p "$port" ping 2>/dev/null) == PONG ]] && break 2
      sleep 0.1
    done
    _keel_log "redis did not start on port $port (attempt $attempt); log tail:"
    tail -n 10 "$rdir/redis.log" >&2 2>/dev/null
    kill -KILL "$pid" 2>/dev/null
    pid=
  done
  [[ -n $pid ]] || return 1
  export KEEL_REDIS_SERVER=$server KEEL_REDIS_DIR=$rdir KEEL_REDIS_PORT=$port KEEL_REDIS_PID=$pid
  export KEEL_TEST_REDIS="127.0.0.1:$port"
}

# Stop whatever keel_start_* started (as recorded in KEEL_* variables) and delete
# registered temp dirs. Safe to call twice, or when nothing was started; never fails.
keel_stop_servers() {
  local -
  set +e +o pipefail # `local -` restores the caller's options on return
  local pid cli dirs d
  # PostgreSQL: fast shutdown via pg_ctl, then make sure the postmaster is gone.
  if [[ -n ${KEEL_PG_DATA:-} && -d ${KEEL_PG_DATA:-} ]]; then
    pid=${KEEL_PG_PID:-}
    [[ -f $KEEL_PG_DATA/postmaster.pid ]] && pid=$(head -n 1 "$KEEL_PG_DATA/postmaster.pid" 2>/dev/null)
    if _keel_alive "$pid" postgres; then
      _keel_as_pg "${KEEL_PG_BINDIR:-$(keel_pg_bindir)}/pg_ctl" -D "$KEEL_PG_DATA" -m fast -w -t 20 -s stop \
        >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null
      _keel_wait_gone "$pid" postgres 15
    fi
  elif _keel_alive "${KEEL_PG_PID:-}" postgres; then
    kill -TERM "$KEEL_PG_PID" 2>/dev/null
    _keel_wait_gone "$KEEL_PG_PID" postgres 15
  fi
  # Redis: SHUTDOWN NOSAVE, then SIGTERM, then SIGKILL.
  pid=${KEEL_REDIS_PID:-}
  if _keel_alive "$pid" redis-server; then
    if cli=$(command -v redis-cli) && [[ -n ${KEEL_REDIS_PORT:-} ]]; then
      "$cli" -h 127.0.0.1 -p "$KEEL_REDIS_PORT" shutdown nosave >/dev/null 2>&1
    fi
    local i
    for ((i = 0; i < 30; i++)); do
      _keel_alive "$pid" redis-server || break
      sleep 0.1
    done
    _keel_alive "$pid" redis-server && kill -TERM "$pid" 2>/dev/null
    _keel_wait_gone "$pid" redis-server 10
  fi
  # Tests may restart Redis on the same port (with KEEL_REDIS_SERVER); the one
  # they left behind has another pid, so ask whatever still answers there.
  if [[ -n ${KEEL_REDIS_PORT:-} ]] && cli=$(command -v redis-cli) &&
    [[ $("$cli" -h 127.0.0.1 -p "$KEEL_REDIS_PORT" ping 2>/dev/null) == PONG ]]; then
    pid=$("$cli" -h 127.0.0.1 -p "$KEEL_REDIS_PORT" info server 2>/dev/null | sed -n 's/^process_id:\([0-9]*\).*/\1/p')
    "$cli" -h 127.0.0.1 -p "$KEEL_REDIS_PORT" shutdown nosave >/dev/null 2>&1
    [[ -n $pid ]] && _keel_wait_gone "$pid" redis-server 10
  fi
  # Reap our own background children (redis in scripts/test) quietly.
  [[ -n ${KEEL_REDIS_PID:-} ]] && wait "$KEEL_REDIS_PID" 2>/dev/null
  # Remove only dirs a caller registered as temporary.
  if [[ -n ${KEEL_CLEANUP_DIRS:-} ]]; then
    IFS=: read -r -a dirs <<<"$KEEL_CLEANUP_DIRS"
    for d in "${dirs[@]}"; do
      [[ -n $d && $d != / && -d $d ]] && rm -rf -- "$d" 2>/dev/null
    done
  fi
  unset KEEL_CLEANUP_DIRS KEEL_PG_PID KEEL_PG_DATA KEEL_PG_PORT KEEL_PG_SOCKET_DIR KEEL_PG_LOG \
    KEEL_TEST_POSTGRES KEEL_REDIS_PID KEEL_REDIS_PORT KEEL_REDIS_DIR KEEL_TEST_REDIS
  return 0
}
