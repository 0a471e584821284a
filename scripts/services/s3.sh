#!/usr/bin/env bash
# CI service hook (.ci/run calls `start` before the tests and `stop` after): installs Ceph's radosgw
# from Debian if it is missing, then starts the throwaway S3 server of scripts/s3-server.sh and waits
# until it answers.
set -euo pipefail
cd "$(dirname "$0")/../.."

case "${1:-}" in
  start)
    if ! command -v radosgw >/dev/null 2>&1 || ! command -v ceph-mon >/dev/null 2>&1 \
      || ! command -v ceph-osd >/dev/null 2>&1 || ! command -v curl >/dev/null 2>&1; then
      echo "s3: installing radosgw, ceph-mon, ceph-osd from Debian"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >/tmp/bss-s3-apt.log 2>&1 \
        || { echo "s3: apt-get update failed; see /tmp/bss-s3-apt.log" >&2; exit 1; }
      apt-get install -y -qq --no-install-recommends radosgw ceph-mon ceph-osd curl >>/tmp/bss-s3-apt.log 2>&1 \
        || { echo "s3: apt-get install radosgw ceph-mon ceph-osd failed; see /tmp/bss-s3-apt.log" >&2; exit 1; }
    fi
    bash scripts/s3-server.sh start
    bash scripts/s3-server.sh status
    ;;
  stop) bash scripts/s3-server.sh stop ;;
  status) bash scripts/s3-server.sh status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
