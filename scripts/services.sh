#!/usr/bin/env bash
# Makes sure the real servers the integration tests talk to are up. PostgreSQL and MariaDB are started by
# this kind of machine; we start them again if they stopped (the same commands the machine uses), and fail
# loudly in CI if they cannot be reached. Azurite runs from npm inside the tests.
set -uo pipefail
up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if ! up 5432 && command -v pg_ctlcluster >/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
fi
if ! up 3306 && [ -x /usr/sbin/mariadbd ]; then
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
  for _ in $(seq 1 50); do up 3306 && break; sleep 0.2; done
fi
for p in 5432 3306; do
  if up $p; then echo "port $p: up"; else
    echo "port $p: DOWN"; [ "${CI:-}" = true ] && { echo "CI needs the server on 127.0.0.1:$p"; exit 1; }
  fi
done
exit 0
