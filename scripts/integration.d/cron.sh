#!/usr/bin/env bash
# Makes sure a cron daemon reads /etc/cron.d while the integration tests run:
# starts `cron -f -L 15` unless one is already running (a second one would
# refuse to start, and killing the machine's own is not ours to do).
#
# Exports ASSEMBLE_CRON_PID (the daemon's PID, ours or the machine's).
set -euo pipefail
: "${ITEST_DIR:?run through scripts/integration}"

if ! command -v cron >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends cron >/dev/null
fi
CRON=$(command -v cron)

if pid=$(pgrep -x cron | head -1) && [ -n "$pid" ]; then
	echo "cron: using the cron daemon already running (pid $pid)"
else
	"$CRON" -f -L 15 >"$ITEST_DIR/cron.log" 2>&1 &
	pid=$!
	echo "$pid" >>"$ITEST_DIR/pids"
	sleep 0.3
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "cron: cron -f exited; log:" >&2
		cat "$ITEST_DIR/cron.log" >&2
		exit 1
	fi
	echo "cron: started cron -f (pid $pid)"
fi
echo "export ASSEMBLE_CRON_PID=$pid" >>"$ITEST_DIR/env"
