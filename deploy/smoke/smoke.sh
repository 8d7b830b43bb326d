#!/usr/bin/env bash
# The production profile behind Debian's nginx, on PostgreSQL and Redis: TLS at the proxy, two
# server processes and the job worker, then a founder's walk through the proxy (walk.py).
# Run by .ci/run after the suites; needs nginx, openssl, PostgreSQL and Redis on this machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BIN=$ROOT/.venv/bin
WORK=$(mktemp -d)
DB=beiyang_smoke
APP_PORT=${SMOKE_APP_PORT:-18080}
HTTPS_PORT=${SMOKE_HTTPS_PORT:-18443}
HTTP_PORT=${SMOKE_HTTP_PORT:-18081}

app_pid=""
cleanup() {
  [[ -n "$app_pid" ]] && kill "$app_pid" 2>/dev/null && wait "$app_pid" 2>/dev/null || true
  [[ -f "$WORK/nginx.pid" ]] && nginx -p "$WORK" -c "$WORK/nginx.conf" -s stop 2>/dev/null || true
  dropdb --if-exists -h 127.0.0.1 -U postgres "$DB" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

dropdb --if-exists -h 127.0.0.1 -U postgres "$DB" 2>/dev/null
createdb -h 127.0.0.1 -U postgres "$DB"
redis-cli -h 127.0.0.1 -n 9 flushdb >/dev/null

export BEIYANG_PROFILE=production
export SECRET_KEY="$($BIN/python -c 'import secrets; print(secrets.token_urlsafe(64))')"
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB"
export REDIS_URL="redis://127.0.0.1:6379/9"
export BEIYANG_VAR_DIR="$WORK/var"
export ALLOWED_HOSTS="localhost,127.0.0.1"
export SITE_URL="https://localhost:$HTTPS_PORT"
export SERVE_STATIC=0
export LOG_FORMAT=json
export WORKER_HEARTBEAT_SECONDS=1
unset DEBUG HUEY_IMMEDIATE

$BIN/beiyang migrate --noinput -v0
$BIN/beiyang collectstatic --noinput -v0
$BIN/beiyang createstaff --phone 13900009999 --password 'Smoke-Walk-2027!' --role event_manager >/dev/null

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=localhost" \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
sed -e "s#@SERVER_NAME@#localhost#" -e "s#@LISTEN_HTTPS@#127.0.0.1:$HTTPS_PORT#" \
    -e "s#@LISTEN_HTTP@#127.0.0.1:$HTTP_PORT#" -e "s#@CERT@#$WORK/cert.pem#" -e "s#@KEY@#$WORK/key.pem#" \
    -e "s#@STATIC_ROOT@#$BEIYANG_VAR_DIR/static#" -e "s#@UPSTREAM@#127.0.0.1:$APP_PORT#" \
    deploy/nginx/beiyang.conf > "$WORK/site.conf"
mkdir -p "$WORK/tmp"
cat > "$WORK/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/error.log warn;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    access_log $WORK/access.log;
    client_body_temp_path $WORK/tmp/body;
    proxy_temp_path $WORK/tmp/proxy;
    fastcgi_temp_path $WORK/tmp/fastcgi;
    uwsgi_temp_path $WORK/tmp/uwsgi;
    scgi_temp_path $WORK/tmp/scgi;
    include $WORK/site.conf;
}
CONF
nginx -t -q -p "$WORK" -c "$WORK/nginx.conf"
nginx -p "$WORK" -c "$WORK/nginx.conf"

$BIN/beiyang run --host 127.0.0.1 --port "$APP_PORT" --workers 2 > "$WORK/app.log" 2>&1 &
app_pid=$!

if ! $BIN/python deploy/smoke/walk.py "https://localhost:$HTTPS_PORT" "http://127.0.0.1:$APP_PORT"; then
  echo "--- app log"; tail -n 40 "$WORK/app.log"; echo "--- nginx error log"; tail -n 20 "$WORK/error.log"
  exit 1
fi
