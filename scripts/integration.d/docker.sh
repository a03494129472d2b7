#!/usr/bin/env bash
# Starts a private Docker engine for the integration tests: its own data
# root, exec root, pidfile and socket; no iptables, no bridge, vfs storage, so
# it touches nothing of the machine's networking or an existing dockerd.
#
# Exports ASSEMBLE_DOCKER_HOST=unix://SOCK. The socket lives in a directory
# other users can traverse (the builder's sudo user reaches it through the
# docker group); a janitor process, killed with the others, removes it.
set -euo pipefail
: "${ITEST_DIR:?run through scripts/integration}"

if ! command -v dockerd >/dev/null || ! command -v docker >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >/dev/null
fi
getent group docker >/dev/null || groupadd --system docker

D="$ITEST_DIR/docker"
mkdir -p "$D/data" "$D/exec"
PUB=$(mktemp -d /tmp/assemble-docker.XXXXXX)
chmod 0755 "$PUB"
SOCK="$PUB/docker.sock"

# Janitor: removes the public directory when the runner kills it.
(
	sp=
	trap 'kill $sp 2>/dev/null; rm -rf "$PUB"; exit 0' TERM INT
	while :; do
		sleep 3600 &
		sp=$!
		wait $sp
	done
) >/dev/null 2>&1 &
echo $! >>"$ITEST_DIR/pids"

dockerd --iptables=false --ip6tables=false --bridge=none --storage-driver=vfs \
	--data-root "$D/data" --exec-root "$D/exec" --pidfile "$D/docker.pid" \
	-H "unix://$SOCK" --group docker >"$D/dockerd.log" 2>&1 &
echo $! >>"$ITEST_DIR/pids"

for _ in $(seq 1 120); do
	if DOCKER_CONFIG="$D/cfg" docker -H "unix://$SOCK" version >/dev/null 2>&1; then
		echo "export ASSEMBLE_DOCKER_HOST=unix://$SOCK" >>"$ITEST_DIR/env"
		echo "docker: dockerd on unix://$SOCK"
		exit 0
	fi
	sleep 0.5
done
echo "docker: dockerd did not answer on $SOCK; log:" >&2
tail -20 "$D/dockerd.log" >&2
exit 1
