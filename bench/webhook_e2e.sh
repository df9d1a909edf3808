#!/usr/bin/env bash
# One webhook end-to-end run (bench/RESULTS.md, "Webhooks end to end through RabbitMQ"):
# a fresh Postgres database and fresh RabbitMQ queues, `tessera serve` with the RabbitMQ
# transport, then the webhook_e2e driver. Needs a release build:
#   cargo build --release -p tessera --bin tessera -p tessera-bench --bin webhook_e2e
# Usage: bench/webhook_e2e.sh [rate] [seconds] [api|log]
# BIN: where the binaries are (default target/release); SERVER_LOG: keep the server's output
# there (default: a temporary directory removed at the end).
set -euo pipefail
RATE=${1:-1000}
SECONDS_=${2:-60}
SOURCE=${3:-api}
BIN=${BIN:-target/release}
DB=bench_webhooks
PREFIX=benchwh
psql -q -U postgres -h 127.0.0.1 -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
for q in $(rabbitmqctl -q list_queues name | grep "^$PREFIX\." || true); do
  rabbitmqctl -q delete_queue "$q" >/dev/null
done
DATA=$(mktemp -d)
export TESSERA_DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB
export TESSERA_AMQP_URL='amqp://guest:guest@127.0.0.1:5672/%2f'
export TESSERA_AMQP_PREFIX=$PREFIX TESSERA_WEBHOOK_ALLOW_PRIVATE=true TESSERA_LOG=${TESSERA_LOG:-warn}
export TESSERA_BOOTSTRAP_M2M_ID=bench-admin TESSERA_BOOTSTRAP_M2M_SECRET=bench-secret-0123456789abcdef
export TESSERA_KEK=${TESSERA_KEK:-$(head -c32 /dev/urandom | base64)} TESSERA_DATA_DIR=$DATA
export TESSERA_BIND=127.0.0.1:3091
"$BIN/tessera" serve > "${SERVER_LOG:-$DATA/server.log}" 2>&1 &
SERVER=$!
trap 'kill -INT $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 1 60); do curl -sf http://127.0.0.1:3091/api/status >/dev/null && break; sleep 0.5; done
uptime
"$BIN/webhook_e2e" --url http://127.0.0.1:3091 --client-id bench-admin \
  --client-secret bench-secret-0123456789abcdef --rate "$RATE" --seconds "$SECONDS_" \
  --prefix $PREFIX --drain-seconds 60 --source "$SOURCE"
uptime
