#!/usr/bin/env bash
# docs/operations.md followed literally on this Debian machine: every `sh` block of the guide, in
# order, in one shell (deploy/smoke/guide.py), then a founder's walk through the proxy (walk.py).
#
# It touches nothing it did not make: a database and role named for this run, its own Redis
# server, PgBouncer and nginx on free ports, its folders under one temporary directory; all of
# them are removed at the end. The SMS cloud (Aliyun) and the SMTP server are the local stand-ins
# of beiyang.ops.tests.clouds. What the CI machine cannot do as a host does:
#   systemctl  no systemd here: the function below starts each unit's ExecStart with its
#              EnvironmentFile (as root), nginx, PgBouncer and Redis with the guide's files;
#   make       the walk runs on this checkout's .venv (the clone gets a link to it);
#   certbot    needs the public internet; ACME_EMAIL stays empty, so the guide skips it.
# Run by .ci/run after the suites; needs root, PostgreSQL on 5432 and Debian's package lists.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
WORK=$(mktemp -d /tmp/beiyang-smoke.XXXXXX)
chmod 0755 "$WORK"
mkdir -p "$WORK/units" "$WORK/logs"
chmod 1777 "$WORK/logs"  # PgBouncer writes its log there as postgres
TAG="smoke_$(date +%s)_$$"
free_ports() { python3 -c "
import socket
socks = [socket.socket() for _ in range($1)]
for s in socks: s.bind(('127.0.0.1', 0))
print(' '.join(str(s.getsockname()[1]) for s in socks))"; }
read -r APP_A APP_B HTTP_P HTTPS_P PGB_P REDIS_P <<<"$(free_ports 6)"

export ROOT WORK
export BEIYANG_USER=beiyang BEIYANG_HOME="$WORK/opt/beiyang" BEIYANG_REPO="$ROOT"
export BEIYANG_RELEASE="$(git -C "$ROOT" rev-parse HEAD)"
export BEIYANG_ETC="$WORK/etc/beiyang" BEIYANG_VAR="$WORK/var/lib/beiyang" BACKUP_DIR="$WORK/backups"
export SYSTEMD_DIR="$WORK/systemd" NGINX_SITES="$WORK/nginx/sites"
export DB_NAME="beiyang_$TAG" DB_USER="beiyang_$TAG" PG_PORT=5432 PGBOUNCER_PORT="$PGB_P"
export PGBOUNCER_ETC="$WORK/pgbouncer" PGBOUNCER_RUN="$WORK/pgbouncer-run" PGBOUNCER_LOG="$WORK/logs"
export REDIS_CONF="$WORK/redis/redis.conf" REDIS_PORT="$REDIS_P" REDIS_DB=0
export SERVER_NAME=founders.smoke.test LISTEN_ADDR=127.0.0.1: HTTP_PORT="$HTTP_P" HTTPS_PORT="$HTTPS_P"
export APP_PORTS="$APP_A $APP_B" TLS_DIR="$WORK/tls" ACME_ROOT="$WORK/acme" ACME_EMAIL=
export STAFF_PHONE=13900009999 STAFF_PASSWORD='Smoke-Walk-2027!' ONCALL_EMAIL=oncall@founders.smoke.test
export WORKER_HEARTBEAT_SECONDS=1
mkdir -p "$SYSTEMD_DIR" "$NGINX_SITES" "$WORK/nginx/tmp" "$PGBOUNCER_RUN" "$WORK/redis"

cleanup() {
  set +e
  for pidfile in "$WORK"/units/*.pid; do
    [[ -f "$pidfile" ]] && kill "$(cat "$pidfile")" 2>/dev/null
  done
  sleep 1
  for pidfile in "$WORK"/units/*.pid; do
    [[ -f "$pidfile" ]] && kill -9 "$(cat "$pidfile")" 2>/dev/null
  done
  [[ -f "$WORK/nginx/nginx.pid" ]] && command nginx -p "$WORK/nginx/" -c "$WORK/nginx/nginx.conf" -s stop 2>/dev/null
  [[ -f "$PGBOUNCER_RUN/pgbouncer.pid" ]] && kill "$(cat "$PGBOUNCER_RUN/pgbouncer.pid")" 2>/dev/null
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1
  [[ -n "${clouds_pid:-}" ]] && kill "$clouds_pid" 2>/dev/null && wait "$clouds_pid" 2>/dev/null
  # Only what this run made: its database and role, by their unique names.
  runuser -u postgres -- psql -p "$PG_PORT" -q -c "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)" 2>/dev/null
  runuser -u postgres -- psql -p "$PG_PORT" -q -c "DROP ROLE IF EXISTS \"$DB_USER\"" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

# The gateways' stand-ins, and the values an operator would copy from the clouds' consoles.
"$ROOT/.venv/bin/python" "$ROOT/deploy/smoke/clouds.py" "$WORK" >"$WORK/logs/clouds.log" 2>&1 &
clouds_pid=$!
for _ in $(seq 100); do [[ -s "$WORK/clouds.json" ]] && break; sleep 0.2; done
cloud() { python3 -c "import json,sys; print(json.load(open('$WORK/clouds.json'))[sys.argv[1]])" "$1"; }
export SMS_PROVIDER=aliyun SMS_ENDPOINT="$(cloud sms_endpoint)" SMS_ACCESS_KEY_ID="$(cloud access_key_id)"
export SMS_ACCESS_KEY_SECRET="$(cloud access_key_secret)" SMS_SIGN_NAME="$(cloud sign_name)"
export SMS_TEMPLATE_CODE="$(cloud login_template)" SMS_NOTICE_TEMPLATE_CODE="$(cloud notice_template)" SMS_SDK_APP_ID=
export EMAIL_HOST=127.0.0.1 EMAIL_PORT="$(cloud smtp_port)" EMAIL_USE_SSL=0 EMAIL_USE_TLS=0
export EMAIL_HOST_USER= EMAIL_HOST_PASSWORD= DEFAULT_FROM_EMAIL='北杨人工智能创新小镇 <noreply@founders.smoke.test>'

cat > "$WORK/nginx/nginx.conf" <<CONF
user www-data;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/logs/nginx-error.log warn;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    access_log $WORK/logs/nginx-access.log;
    client_body_temp_path $WORK/nginx/tmp/body;
    proxy_temp_path $WORK/nginx/tmp/proxy;
    fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
    scgi_temp_path $WORK/nginx/tmp/scgi;
    include $NGINX_SITES/*;
}
CONF

nginx() { command nginx -p "$WORK/nginx/" -c "$WORK/nginx/nginx.conf" "$@"; }
make() { [[ -e .venv ]] || ln -s "$ROOT/.venv" .venv; echo "smoke: make $* → this checkout's .venv"; }

unit_pidfile() { echo "$WORK/units/$1.pid"; }
unit_running() {
  case $1 in
    nginx) [[ -f "$WORK/nginx/nginx.pid" ]] && kill -0 "$(cat "$WORK/nginx/nginx.pid")" 2>/dev/null ;;
    pgbouncer) [[ -f "$PGBOUNCER_RUN/pgbouncer.pid" ]] && kill -0 "$(cat "$PGBOUNCER_RUN/pgbouncer.pid")" 2>/dev/null ;;
    redis-server) redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 ;;
    postgresql) true ;;
    *) [[ -f "$(unit_pidfile "$1")" ]] && kill -0 "$(cat "$(unit_pidfile "$1")")" 2>/dev/null ;;
  esac
}
unit_start() {
  local unit=${1%.service}
  unit_running "$unit" && return 0
  case $unit in
    nginx) nginx ;;
    pgbouncer)
      chown -R postgres: "$PGBOUNCER_RUN"
      runuser -u postgres -- pgbouncer -d -q "$PGBOUNCER_ETC/pgbouncer.ini"
      for _ in $(seq 50); do unit_running pgbouncer && return 0; sleep 0.1; done
      echo "smoke: pgbouncer did not start" >&2; cat "$PGBOUNCER_LOG/pgbouncer.log" >&2; return 1 ;;
    redis-server) redis-server "$REDIS_CONF" ;;
    postgresql) ;;
    beiyang-*)
      local template=$unit instance=""
      if [[ $unit == *@* ]]; then instance=${unit#*@}; template="${unit%@*}@"; fi
      local file="$SYSTEMD_DIR/$template.service" exec envfile workdir
      exec=$(sed -n 's/^ExecStart=//p' "$file"); exec=${exec//%i/$instance}
      envfile=$(sed -n 's/^EnvironmentFile=//p' "$file"); workdir=$(sed -n 's/^WorkingDirectory=//p' "$file")
      (cd "$workdir" && set -a && . "$envfile" && set +a && exec setsid $exec) >>"$WORK/logs/$unit.log" 2>&1 &
      echo $! >"$(unit_pidfile "$unit")" ;;
    *) echo "smoke: no unit $unit" >&2; return 1 ;;
  esac
}
unit_stop() {
  local unit=${1%.service} pid
  case $unit in
    nginx) nginx -s quit ;;
    pgbouncer) kill "$(cat "$PGBOUNCER_RUN/pgbouncer.pid")"; while unit_running pgbouncer; do sleep 0.2; done ;;
    redis-server) redis-cli -p "$REDIS_PORT" shutdown >/dev/null ;;
    postgresql) ;;
    *)
      unit_running "$unit" || return 0
      pid=$(cat "$(unit_pidfile "$unit")"); kill -TERM "$pid"
      for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -9 "$pid" 2>/dev/null || true ;;
  esac
}
systemctl() {
  local verb=$1; shift
  case $verb in
    daemon-reload) ;;
    enable) if [[ ${1:-} == --now ]]; then shift; for u; do unit_start "$u"; done; fi ;;
    start) for u; do unit_start "$u"; done ;;
    stop) for u; do unit_stop "$u"; done ;;
    restart) for u; do unit_stop "$u"; unit_start "$u"; done ;;
    reload) for u; do if [[ ${u%.service} == nginx ]]; then nginx -s reload; else unit_stop "$u"; unit_start "$u"; fi; done ;;
    *) echo "smoke: systemctl $verb not played" >&2; return 1 ;;
  esac
}

prober_pid=""
smoke_before() {
  echo "--- guide at $(($(date +%s) - started)) s: $1"
  case $1 in
    "4. Redis with AOF")
      # Its own Redis server, configured from Debian's file as the guide edits it.
      sed -e "s#^port .*#port $REDIS_PORT#" -e "s#^pidfile .*#pidfile $WORK/redis/redis.pid#" \
          -e "s#^logfile .*#logfile $WORK/logs/redis.log#" -e "s#^dir .*#dir $WORK/redis#" \
          -e "s#^daemonize .*#daemonize yes#" -e "s#^supervised .*#supervised no#" \
          -e "s#^unixsocket #\# unixsocket #" /etc/redis/redis.conf >"$REDIS_CONF" ;;
    "10. Restart without refusing anyone")
      "$ROOT/.venv/bin/python" "$ROOT/deploy/smoke/walk.py" probe "$WORK/probe.json" &
      prober_pid=$!
      for _ in $(seq 50); do [[ -s "$WORK/probe.json" ]] && break; sleep 0.2; done ;;
  esac
}
smoke_after() {
  case $1 in
    "10. Restart without refusing anyone")
      kill -TERM "$prober_pid"; wait "$prober_pid" ;;
  esac
}
export -f nginx make unit_pidfile unit_running unit_start unit_stop systemctl smoke_before smoke_after

"$ROOT/.venv/bin/python" "$ROOT/deploy/smoke/guide.py" "$ROOT/docs/operations.md" >"$WORK/guide.sh"
export started=$(date +%s)
if ! bash "$WORK/guide.sh"; then
  echo "--- the guide failed; logs:"
  for log in "$WORK"/logs/*.log; do echo "--- $log"; tail -n 30 "$log"; done
  exit 1
fi
echo "guide followed in $(($(date +%s) - started)) s"
if ! "$ROOT/.venv/bin/python" "$ROOT/deploy/smoke/walk.py" walk "$WORK"; then
  for log in "$WORK"/logs/*.log; do echo "--- $log"; tail -n 30 "$log"; done
  exit 1
fi
