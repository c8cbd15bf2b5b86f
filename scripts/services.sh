#!/usr/bin/env bash
# The test suite needs the real PostgreSQL and Redis. Start a local one that is installed but stopped;
# otherwise stop with one clear line. DATABASE_URL / REDIS_URL point elsewhere when set.
set -uo pipefail
db_url=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
redis_url=${REDIS_URL:-redis://127.0.0.1:6379/0}
hostport() { python3 -c 'import sys, urllib.parse as u; p = u.urlparse(sys.argv[1]); print(p.hostname or "127.0.0.1", p.port or int(sys.argv[2]))' "$1" "$2"; }
is_up() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }
is_local() { [ "$1" = 127.0.0.1 ] || [ "$1" = localhost ]; }

read -r db_host db_port < <(hostport "$db_url" 5432)
if ! is_up "$db_host" "$db_port"; then
  if is_local "$db_host" && [ -d /etc/postgresql ] && command -v pg_ctlcluster >/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 20); do is_up "$db_host" "$db_port" && break; sleep 0.5; done
  fi
  is_up "$db_host" "$db_port" || { echo "PostgreSQL is not reachable at $db_host:$db_port: install it (apt-get install postgresql) or start it, or set DATABASE_URL." >&2; exit 1; }
fi

read -r r_host r_port < <(hostport "$redis_url" 6379)
if ! is_up "$r_host" "$r_port"; then
  if is_local "$r_host" && command -v redis-server >/dev/null; then
    redis-server --daemonize yes --bind 127.0.0.1 --port "$r_port" --save "" --appendonly no >/dev/null
    for _ in $(seq 1 20); do is_up "$r_host" "$r_port" && break; sleep 0.5; done
  fi
  is_up "$r_host" "$r_port" || { echo "Redis is not reachable at $r_host:$r_port: install it (apt-get install redis-server) or start it, or set REDIS_URL." >&2; exit 1; }
fi
exit 0
