#!/usr/bin/env bash
# Make sure MariaDB and Redis answer (installing them from Debian if missing) and the system packages the
# tests need are present. Idempotent: quick when everything is already there.
set -euo pipefail

need_apt=()
command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || need_apt+=(mariadb-server)
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
# tests/redis/test_sentinel_failover.py runs its own master, replica and Sentinel on free loopback ports.
command -v redis-sentinel >/dev/null 2>&1 || need_apt+=(redis-sentinel)
# QR labels and record PDFs need a CJK font; the decode tests need zbarimg (and pdftoppm to render a PDF page);
# the browser tests need Debian's Chromium.
for extra in fonts-wqy-microhei zbar-tools poppler-utils chromium ${MINIBACK_APT_EXTRA:-}; do
  dpkg -s "$extra" >/dev/null 2>&1 || need_apt+=("$extra")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "==> apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if ! mysqladmin -uroot --connect-timeout=2 ping >/dev/null 2>&1; then
  echo "==> 启动 MariaDB"
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  for _ in $(seq 1 60); do mysqladmin -uroot --connect-timeout=2 ping >/dev/null 2>&1 && break; sleep 0.5; done
fi
if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  echo "==> 启动 Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 40); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.25; done
fi
mysqladmin -uroot ping >/dev/null
redis-cli -h 127.0.0.1 ping >/dev/null
echo "==> MariaDB 与 Redis 已就绪"
