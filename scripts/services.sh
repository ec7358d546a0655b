#!/usr/bin/env bash
# Makes sure the real servers the integration tests talk to are up. PostgreSQL and MariaDB are started by
# this kind of machine; we start them again if they stopped (the same commands the machine uses), and fail
# loudly in CI if they cannot be reached. Azurite runs from npm inside the tests; tinyproxy is installed from apt
# when missing (the tests start their own instances).
set -uo pipefail
up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if ! up 5432 && command -v pg_ctlcluster >/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
fi
if ! up 3306 && [ -x /usr/sbin/mariadbd ]; then
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
  for _ in $(seq 1 50); do up 3306 && break; sleep 0.2; done
fi
# tinyproxy: the proxy tests start their own instances (test/support/tinyproxy.ts); only the package is needed.
if ! command -v tinyproxy >/dev/null && [ ! -x /usr/bin/tinyproxy ] && command -v apt-get >/dev/null; then
  echo "installing tinyproxy (apt-get)"
  SUDO=; [ "$(id -u)" = 0 ] || SUDO="sudo -n"
  { $SUDO apt-get -qq update && DEBIAN_FRONTEND=noninteractive $SUDO apt-get -y -qq install tinyproxy; } >/dev/null 2>&1 || echo "could not install tinyproxy"
  # the package's own service is not wanted: tests run their own instances on free ports
  $SUDO service tinyproxy stop >/dev/null 2>&1 || true
fi
if command -v tinyproxy >/dev/null || [ -x /usr/bin/tinyproxy ]; then echo "tinyproxy: installed"; else
  echo "tinyproxy: MISSING"; [ "${CI:-}" = true ] && { echo "CI needs tinyproxy for the proxy tests"; exit 1; }
fi
# systemd-analyze (Debian's systemd package) checks the unit `dmgw install-service` writes; no systemd runs as PID 1 here.
if ! command -v systemd-analyze >/dev/null && command -v apt-get >/dev/null; then
  echo "installing systemd (apt-get) for systemd-analyze"
  SUDO=; [ "$(id -u)" = 0 ] || SUDO="sudo -n"
  { $SUDO apt-get -qq update && DEBIAN_FRONTEND=noninteractive $SUDO apt-get -y -qq install systemd; } >/dev/null 2>&1 || echo "could not install systemd"
fi
if command -v systemd-analyze >/dev/null; then echo "systemd-analyze: installed"; else
  echo "systemd-analyze: MISSING"; [ "${CI:-}" = true ] && { echo "CI needs systemd-analyze for the install-service tests"; exit 1; }
fi
for p in 5432 3306; do
  if up $p; then echo "port $p: up"; else
    echo "port $p: DOWN"; [ "${CI:-}" = true ] && { echo "CI needs the server on 127.0.0.1:$p"; exit 1; }
  fi
done
exit 0
