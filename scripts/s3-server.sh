#!/usr/bin/env bash
# A throwaway single-node Ceph cluster (one monitor, one in-memory OSD) with radosgw: a real S3
# server on 127.0.0.1, for the S3 driver's tests and bench. Developers and CI (.ci/run via
# scripts/services/s3.sh) both use it.
#
#   bash scripts/s3-server.sh start    # ready in ~15 s; prints the endpoint
#   bash scripts/s3-server.sh status   # exit 0 if it answers
#   bash scripts/s3-server.sh stop     # stops the daemons and deletes all data
#
# Needs the Debian packages: apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd
# Environment: BSS_S3_DIR (state, default /tmp/bss-s3), BSS_S3_PORT (default 7480),
# BSS_S3_ACCESS_KEY / BSS_S3_SECRET_KEY (the test user's keys, default TESTAK / TESTSK).
# Everything is in memory and under BSS_S3_DIR: nothing survives `stop`.
set -euo pipefail

DIR=${BSS_S3_DIR:-/tmp/bss-s3}
PORT=${BSS_S3_PORT:-7480}
MON_PORT=${BSS_S3_MON_PORT:-3300}
ACCESS_KEY=${BSS_S3_ACCESS_KEY:-TESTAK}
SECRET_KEY=${BSS_S3_SECRET_KEY:-TESTSK}
ENDPOINT="http://127.0.0.1:$PORT"
CONF="$DIR/ceph.conf"

die() { echo "s3-server: $*" >&2; exit 1; }

answers() { curl -s -o /dev/null --max-time 2 "$ENDPOINT/"; }

require_packages() {
  local missing=()
  for bin in ceph-mon ceph-osd radosgw radosgw-admin ceph ceph-authtool monmaptool curl; do
    command -v "$bin" >/dev/null 2>&1 || missing+=("$bin")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    die "missing ${missing[*]}. Install Ceph's radosgw first:
  apt-get update && apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd curl"
  fi
}

# Stops only the daemons this script started (their pid files), never by process name.
stop_daemons() {
  local pidfile pid
  for pidfile in "$DIR"/run/*.pid; do
    [ -e "$pidfile" ] || continue
    pid=$(cat "$pidfile" 2>/dev/null || true)
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
  for _ in $(seq 1 50); do
    local alive=0
    for pidfile in "$DIR"/run/*.pid; do
      [ -e "$pidfile" ] || continue
      pid=$(cat "$pidfile" 2>/dev/null || true)
      [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && alive=1
    done
    [ $alive -eq 0 ] && break
    sleep 0.2
  done
  for pidfile in "$DIR"/run/*.pid; do
    [ -e "$pidfile" ] || continue
    pid=$(cat "$pidfile" 2>/dev/null || true)
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
  done
}

write_conf() {
  local fsid=$1
  # auth none + crc modes: without `ms mon client mode = crc` radosgw loops on an auth request
  # and gives up after 5 minutes on these machines. memstore + pool size 1: one in-memory OSD.
  cat > "$CONF" <<CONF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$MON_PORT
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
ms client mode = crc
ms mon cluster mode = crc
ms cluster mode = crc
ms service mode = crc
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
mon allow pool size one = true
mon warn on pool no redundancy = false
mon data avail warn = 2
osd crush chooseleaf type = 0
osd objectstore = memstore
memstore device bytes = ${BSS_S3_MEMSTORE_BYTES:-4294967296}
run dir = $DIR/run
admin socket = $DIR/run/\$name.asok
log file = $DIR/log/\$name.log
pid file = $DIR/run/\$name.pid
keyring = $DIR/keyring
[mon.a]
mon data = $DIR/mon.a
[osd.0]
osd data = $DIR/osd.0
[client.rgw]
# tcp_nodelay: without it Nagle holds a small response's body until the client ACKs its headers, and
# the client delays that ACK (~40 ms): a 4 KiB GET took ~48 ms while a 1 MiB GET took ~9 ms.
rgw frontends = beast endpoint=127.0.0.1:$PORT tcp_nodelay=1
rgw data = $DIR/rgw
rgw dns name = 127.0.0.1
# Overwritten and deleted data is garbage-collected after 2 hours by default: an in-memory OSD then
# fills up within a few test runs and every write hangs. Collect it within seconds instead.
rgw gc obj min wait = 2
rgw gc processor period = 5
rgw gc processor max time = 5
CONF
}

start() {
  require_packages
  if answers; then
    echo "s3-server: already answering on $ENDPOINT"
    return 0
  fi
  stop_daemons
  rm -rf "$DIR"
  mkdir -p "$DIR"/{mon.a,osd.0,run,log,rgw}
  local fsid C
  fsid=$(cat /proc/sys/kernel/random/uuid)
  write_conf "$fsid"
  C=(-c "$CONF")
  step() { "$@" >>"$DIR/log/setup.log" 2>&1 || die "'$1' failed; see $DIR/log/setup.log and $DIR/log/"; }
  step ceph-authtool --create-keyring "$DIR/keyring" --gen-key -n mon. --cap mon 'allow *'
  step monmaptool --create --addv a "[v2:127.0.0.1:$MON_PORT]" --fsid "$fsid" "$DIR/monmap"
  step ceph-mon "${C[@]}" --mkfs -i a --monmap "$DIR/monmap"
  step ceph-mon "${C[@]}" -i a
  step timeout 30 ceph "${C[@]}" osd create
  step ceph-osd "${C[@]}" -i 0 --mkfs
  step timeout 30 ceph "${C[@]}" osd crush add osd.0 1 root=default host=localhost
  step ceph-osd "${C[@]}" -i 0
  step radosgw "${C[@]}" -n client.rgw
  local ready=0
  for _ in $(seq 1 240); do
    if answers; then ready=1; break; fi
    sleep 0.5
  done
  [ $ready -eq 1 ] || die "radosgw did not answer on $ENDPOINT within 120 s; see $DIR/log/client.rgw.log"
  # The secret goes to radosgw-admin only; its JSON output (which echoes the keys) is discarded.
  timeout 60 radosgw-admin "${C[@]}" -n client.rgw user create --uid=bss-test --display-name=bss-test \
    --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" >/dev/null 2>>"$DIR/log/setup.log" \
    || die "could not create the test user; see $DIR/log/setup.log"
  echo "s3-server: radosgw ready on $ENDPOINT (access key $ACCESS_KEY; state in $DIR)"
}

status() {
  if answers; then
    echo "s3-server: answering on $ENDPOINT"
  else
    echo "s3-server: not answering on $ENDPOINT"
    return 1
  fi
}

stop() {
  stop_daemons
  rm -rf "$DIR"
  echo "s3-server: stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  restart) stop; start ;;
  *) echo "usage: $0 start|stop|status|restart" >&2; exit 2 ;;
esac
