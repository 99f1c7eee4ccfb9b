# shellcheck shell=bash
# A Keel of its own for scripts that talk to a live server (scripts/lint-openapi, scripts/clients):
# the Release build on a throwaway SQLite file, a free loopback port, a known admin token, and webhooks
# opened to plain http on loopback so that a test's own receiver can get deliveries.
# Source scripts/lib/servers.sh first (keel_free_port).
#
#   keel_live_start WORK   starts it, waits until it is ready; sets KEEL_URL, KEEL_ADMIN_TOKEN, KEEL_LIVE_PID
#   keel_live_stop         stops it (idempotent)

KEEL_LIVE_PID=

keel_live_start() {
  local work=$1 keel=src/Keel/bin/Release/net10.0/keel.dll port status i
  if [[ ! -f $keel ]]; then
    dotnet build src/Keel -c Release --nologo -v quiet || return 1
  fi
  port=$(keel_free_port) || return 1
  KEEL_URL=http://127.0.0.1:$port
  # A fresh random token each start; 64 hex characters is over the 32-character minimum.
  KEEL_ADMIN_TOKEN=keel_admin_$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
  export KEEL_URL KEEL_ADMIN_TOKEN
  (
    # Nothing of a development environment (scripts/services) leaks in: an embedded Keel of its own.
    unset Redis__ConnectionString Queue__Provider
    export Storage__Provider=sqlite Storage__ConnectionString="Data Source=$work/keel.db" \
      Keel__MasterKeyFile="$work/master.key" Keel__AdminToken="$KEEL_ADMIN_TOKEN" \
      Webhooks__AllowHttp=true Webhooks__AllowedNetworks__0=127.0.0.0/8
    exec dotnet "$keel" serve --urls "$KEEL_URL"
  ) >"$work/keel.log" 2>&1 &
  KEEL_LIVE_PID=$!
  for ((i = 0; i < 120; i++)); do
    # Node's fetch rather than curl, which a fresh machine may lack: prints the status, 000 when nobody answers.
    status=$(node -e 'fetch(process.argv[1]).then(r => console.log(r.status), () => console.log("000"))' "$KEEL_URL/health/ready")
    [[ $status == 200 ]] && return 0
    if ! kill -0 "$KEEL_LIVE_PID" 2>/dev/null; then
      tail -n 20 "$work/keel.log" >&2
      KEEL_LIVE_PID=
      return 1
    fi
    sleep 1
  done
  tail -n 20 "$work/keel.log" >&2
  keel_live_stop
  return 1
}

keel_live_stop() {
  if [[ -n $KEEL_LIVE_PID ]]; then
    kill "$KEEL_LIVE_PID" 2>/dev/null && wait "$KEEL_LIVE_PID" 2>/dev/null
    KEEL_LIVE_PID=
  fi
  return 0
}
