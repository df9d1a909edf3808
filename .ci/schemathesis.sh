#!/usr/bin/env bash
# Schema-driven test of every documented operation against the OpenAPI document
# (GET /api/swagger.json) with schemathesis: generated valid and invalid requests must never
# get a 5xx (check `not_a_server_error`), and answers must match the documented schemas
# (`response_schema_conformance`), on SQLite and Postgres. Three runs per backend: the
# Management API with a Management token; the Account API with an end user's token
# (.ci/user_token.py signs a user in through the hosted form); and everything anyone may
# call (OIDC, the Experience API, the hosted pages, status, the operator's page at `/`, the
# public sign-in experience) without credentials. A run that only hit a known crash of the
# tool itself is repeated once (see run_st).
#
# Usage: bash .ci/schemathesis.sh [sqlite|postgres ...]   (default: both)
# Needs: python3 with venv, curl, psql for Postgres (127.0.0.1:5432, user postgres).
# Installs schemathesis (pinned) into $TESSERA_CACHE/schemathesis-<version> (default
# ~/.cache/tessera) on first use. Bounded: --max-examples per operation and a timeout per
# run (SCHEMATHESIS_TIMEOUT seconds, default 150: raise it with the examples); the whole
# step takes about two minutes on the 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=4.32.5
EXAMPLES=${SCHEMATHESIS_EXAMPLES:-25}
SEED=${SCHEMATHESIS_SEED:-20261122}
CACHE=${TESSERA_CACHE:-$HOME/.cache/tessera}
VENV="$CACHE/schemathesis-$VERSION"
ADMIN_ID=schemathesis-admin
ADMIN_SECRET=schemathesis-admin-secret-0123456789abcdefghij

if [ ! -x "$VENV/bin/st" ]; then
  echo "installing schemathesis $VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$VERSION"
fi
"$VENV/bin/st" --version

cargo build --quiet --bin tessera
BIN=${CARGO_TARGET_DIR:-$PWD/target}/debug/tessera

work=$(mktemp -d)
server_pid=
database=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ -n "$database" ]; then psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $database" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Starts `tessera serve` on a free port for backend $1; sets $url.
start_server() {
  local backend=$1 dir="$work/$1"
  mkdir -p "$dir"
  local env=(
    TESSERA_DATA_DIR="$dir/data"
    TESSERA_BIND=127.0.0.1:0
    TESSERA_KEK="$(head -c 32 /dev/urandom | base64)"
    TESSERA_BOOTSTRAP_M2M_ID=$ADMIN_ID
    TESSERA_BOOTSTRAP_M2M_SECRET=$ADMIN_SECRET
    RUST_LOG=warn
    # Schemathesis sends thousands of requests from one address.
    TESSERA_RATE_LIMIT_PER_SECOND=0
  )
  if [ "$backend" = postgres ]; then
    database="tessera_schemathesis_$$"
    psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $database" >/dev/null
    env+=(TESSERA_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$database")
  fi
  (cd "$dir" && exec env -u TESSERA_CONFIG -u TESSERA_ENDPOINT -u TESSERA_DATABASE_URL \
    "${env[@]}" "$BIN" serve >"$dir/stdout" 2>"$dir/server.log") &
  server_pid=$!
  url=
  for _ in $(seq 1 600); do
    url=$(sed -n 's/^Tessera listening on //p' "$dir/stdout" | head -n1)
    [ -n "$url" ] && break
    if ! kill -0 "$server_pid" 2>/dev/null; then cat "$dir/server.log" >&2; return 1; fi
    sleep 0.1
  done
  [ -n "$url" ] || { echo "tessera serve did not start" >&2; cat "$dir/server.log" >&2; return 1; }
  for _ in $(seq 1 300); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/api/status")" = 204 ] && return 0
    sleep 0.1
  done
  echo "/api/status never answered 204" >&2
  return 1
}

stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
  if [ -n "$database" ]; then
    psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $database" >/dev/null 2>&1 || true
    database=
  fi
}

management_token() {
  curl -sf -u "$ADMIN_ID:$ADMIN_SECRET" "$url/oidc/token" \
    -d grant_type=client_credentials \
    --data-urlencode resource=https://default.logto.app/api -d scope=all |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

# The Management API: every /api operation that takes the Bearer token (the Experience and
# Account APIs, health and the documents run separately). Key rotation runs last and alone: a generated
# `rotationGracePeriod` of 0 retires the key that signed the run's token.
ROTATE='^/api/configs/oidc/private-keys/rotate$'
EXCLUDE='^/api/((experience|my-account|verifications|docs|status)(/|$)|swagger\.json$|configs/oidc/private-keys/rotate$)'

# run_st BEARER_TOKEN_OR_EMPTY SCHEMATHESIS_ARGS...
run_st() {
  local bearer=$1 auth=()
  shift
  [ -z "$bearer" ] || auth=(--header "Authorization: Bearer $bearer")
  local out="$work/st-$RANDOM.log" attempt
  for attempt in 1 2; do
    if timeout "${SCHEMATHESIS_TIMEOUT:-150}" "$VENV/bin/st" run "$url/api/swagger.json" \
      --checks not_a_server_error,response_schema_conformance \
      "${auth[@]}" \
      --max-examples "$EXAMPLES" --seed "$SEED" --workers 2 \
      --request-timeout 20 --no-color --warnings off \
      --generation-database none "$@" 2>&1 | tee "$out"; then
      return 0
    fi
    # Python 3.11's ast module sometimes fails inside Hypothesis while it describes a
    # filter ("AST constructor recursion depth mismatch"): an error of the tool, not a
    # finding about Tessera. Such a run is repeated once; any other failure stands.
    if [ "$attempt" = 1 ] && grep -q "AST constructor recursion depth mismatch" "$out" \
      && ! grep -q "FAILURES" "$out"; then
      echo "schemathesis hit Python's AST recursion bug (a tool error); running it again"
      continue
    fi
    return 1
  done
}

backends=("$@")
[ ${#backends[@]} -gt 0 ] || backends=(sqlite postgres)
status=0
for backend in "${backends[@]}"; do
  echo "==> schemathesis against tessera serve ($backend)"
  start_server "$backend"
  # One token for the whole run: generated requests may delete the bootstrap app's role,
  # after which no new token could be had (the token's scope is fixed when issued).
  token=$(management_token)
  # A run whose requests were all refused would prove nothing.
  probe=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$url/api/roles")
  [ "$probe" = 200 ] || { echo "the Management token does not work ($probe)" >&2; exit 1; }
  user_token=$(python3 .ci/user_token.py "$url" "$token")
  echo "-- Management API"
  run_st "$token" --include-path-regex '^/api/' --exclude-path-regex "$EXCLUDE" || status=1
  echo "-- Account API (an end user's token)"
  run_st "$user_token" --include-path-regex '^/api/(my-account|verifications)(/|$)' || status=1
  echo "-- public and cookie-bound routes (no credentials)"
  run_st "" --include-path-regex '^/$|^/(oidc|sign-in|register|consent|metrics|api/(experience|status|\.well-known))(/|$)' || status=1
  echo "-- key rotation"
  run_st "$token" --include-path-regex "$ROTATE" || status=1
  echo "answers by status (tessera_http_requests_total):"
  curl -s "$url/metrics" | python3 -c '
import collections, re, sys
counts = collections.Counter()
for line in sys.stdin:
    m = re.match(r"tessera_http_requests_total\{.*status=\"(\d+)\".*\} (\d+)", line)
    if m:
        counts[m.group(1)] += int(m.group(2))
print("  " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
'
  if grep -q "panicked" "$work/$backend/server.log"; then
    echo "tessera panicked during the run:" >&2
    grep -A5 "panicked" "$work/$backend/server.log" >&2
    status=1
  fi
  stop_server
done
exit $status
