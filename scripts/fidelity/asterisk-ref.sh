#!/usr/bin/env bash
# Restart command for scripts/fidelity/record.ts: restarts the reference Asterisk 20 built by
# scripts/asterisk-ref/build.sh (installed under $PREFIX, default /opt/asterisk-ref) on the configuration
# directory $FIDELITY_CONFIG, with a fresh astdb. When $FIDELITY_SIP is set, a loopback SIP stub
# answers for test-202 (15062) and test-203 (15064) while the scenario runs.
set -euo pipefail
PREFIX=${PREFIX:-/opt/asterisk-ref}
REF=${ASTERISK_REF:-$(cd "$(dirname "$0")/../asterisk-ref" && pwd)}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${FIDELITY_CONFIG:?the configuration directory to run on}"
"$REF/stop.sh" >/dev/null 2>&1 || true
etc=$PREFIX/etc/asterisk
# Files an earlier scenario's overlay added (features.conf, ...) go, so they do not leak into the next.
added=$etc/.fidelity-added
if [[ -f $added ]]; then
  while read -r name; do rm -f "$etc/$name"; done <"$added"
  rm -f "$added"
fi
for f in "$FIDELITY_CONFIG"/*.conf; do
  name=$(basename "$f")
  [[ -e $etc/$name ]] || echo "$name" >>"$added"
  # The TLS key and certificate stay the installed ones.
  sed "s|@PREFIX@|$PREFIX|g" "$f" >"$etc/$name"
done
# The stub this script started last time (by its pid, never by name).
SIP_PID=${TMPDIR:-/tmp}/amikit-fidelity-sip.pid
if [[ -f $SIP_PID ]]; then
  kill "$(cat "$SIP_PID")" 2>/dev/null || true
  rm -f "$SIP_PID"
fi
if [[ -n ${FIDELITY_SIP:-} ]]; then
  (cd "$ROOT" && exec nohup node --import tsx scripts/fidelity/sip-stub.ts --ports 15062,15064 --seconds 300 >/dev/null 2>&1) &
  echo $! >"$SIP_PID"
  sleep 1
fi
"$REF/start.sh" >/dev/null
