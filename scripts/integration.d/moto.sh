#!/usr/bin/env bash
# Starts moto_server, a local AWS Secrets Manager, for the awssm integration
# test: the SDK writes, and the real `aws` CLI reads back with the command
# Kamal's aws_secrets_manager adapter runs.
#
# moto is Python. When it is missing this script tries `pip install
# 'moto[server]'` (and `awscli`) quietly; when that fails too it exports
# nothing but a reason, and the test skips — it is gated on
# ASSEMBLE_MOTO_REQUIRED=1, which is exported only after a successful start,
# so a machine without Python doesn't fail the strict run.
#
# Exports ASSEMBLE_MOTO_ENDPOINT=http://127.0.0.1:PORT, ASSEMBLE_MOTO_REQUIRED=1
# and ASSEMBLE_AWS_CLI (path of the aws CLI, when there is one).
set -euo pipefail
: "${ITEST_DIR:?run through scripts/integration}"

PATH="$PATH:$HOME/.pyenv/shims:$HOME/.local/bin"

find_tool() { command -v "$1" 2>/dev/null || true; }

pip_install() {
	local pip
	pip=$(find_tool pip3)
	[ -n "$pip" ] || pip=$(find_tool pip)
	[ -n "$pip" ] || return 1
	"$pip" install -q "$@" >"$ITEST_DIR/pip.log" 2>&1
}

MOTO=$(find_tool moto_server)
if [ -z "$MOTO" ]; then
	echo "moto: moto_server missing, trying pip install 'moto[server]'"
	pip_install 'moto[server]' || true
	hash -r
	MOTO=$(find_tool moto_server)
fi
if [ -z "$MOTO" ]; then
	echo "moto: moto_server is not available and could not be installed (no Python/pip?): the awssm integration test will skip"
	echo "export ASSEMBLE_MOTO_SKIP_REASON='moto_server not available on this machine'" >>"$ITEST_DIR/env"
	exit 0
fi

AWS=$(find_tool aws)
if [ -z "$AWS" ]; then
	echo "moto: aws CLI missing, trying pip install awscli"
	pip_install awscli || true
	hash -r
	AWS=$(find_tool aws)
fi

# A free port on loopback, chosen by the kernel.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null || echo 45123)

"$MOTO" -H 127.0.0.1 -p "$PORT" >"$ITEST_DIR/moto.log" 2>&1 &
pid=$!
echo "$pid" >>"$ITEST_DIR/pids"

for _ in $(seq 1 100); do
	if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
		break
	fi
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "moto: moto_server exited; log:" >&2
		cat "$ITEST_DIR/moto.log" >&2
		exit 1
	fi
	sleep 0.2
done
if ! (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
	echo "moto: moto_server did not answer on 127.0.0.1:$PORT within 20s" >&2
	exit 1
fi
echo "moto: started moto_server on 127.0.0.1:$PORT (pid $pid)"
{
	echo "export ASSEMBLE_MOTO_ENDPOINT=http://127.0.0.1:$PORT"
	echo "export ASSEMBLE_MOTO_REQUIRED=1"
	[ -n "$AWS" ] && echo "export ASSEMBLE_AWS_CLI=$AWS"
} >>"$ITEST_DIR/env"
