#!/usr/bin/env bash
# Starts a real S3 server (versitygw, posix backend) on loopback for the
# storage/s3 contract tests, with two accounts: the root account the tests
# provision with, and a second user whose buckets are "someone else's".
# Run by scripts/integration with ITEST_DIR set; see that script.
set -euo pipefail

: "${ITEST_DIR:?run me from scripts/integration}"
VERSION=v1.8.0
ADDR=${ASSEMBLE_VERSITYGW_ADDR:-127.0.0.21:7070}
ADMIN_ADDR=${ASSEMBLE_VERSITYGW_ADMIN_ADDR:-127.0.0.21:7071}

GOBIN_DIR=$(go env GOBIN)
[ -n "$GOBIN_DIR" ] || GOBIN_DIR="$(go env GOPATH)/bin"
BIN=$(command -v versitygw || true)
[ -n "$BIN" ] || { [ -x "$GOBIN_DIR/versitygw" ] && BIN="$GOBIN_DIR/versitygw"; } || true
if [ -z "$BIN" ]; then
	echo "versitygw: installing $VERSION with go install (about 2 minutes)"
	go install "github.com/versity/versitygw/cmd/versitygw@$VERSION"
	BIN="$GOBIN_DIR/versitygw"
fi

DIR="$ITEST_DIR/versitygw"
mkdir -p "$DIR/data" "$DIR/iam" "$DIR/versions"
# Throwaway credentials for this run only. The root pair travels in the
# environment; see below for the second account's.
ROOT_KEY="vgwroot$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
ROOT_SECRET="$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
OTHER_KEY="vgwother$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
OTHER_SECRET="$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"

ROOT_ACCESS_KEY_ID="$ROOT_KEY" ROOT_SECRET_ACCESS_KEY="$ROOT_SECRET" \
	"$BIN" --port "$ADDR" --admin-port "$ADMIN_ADDR" --iam-dir "$DIR/iam" --quiet \
	posix --versioning-dir "$DIR/versions" "$DIR/data" >"$DIR/log" 2>&1 &
PID=$!
echo "$PID" >>"$ITEST_DIR/pids"

# Wait until it accepts connections, at most 30 s (bash's /dev/tcp: no curl
# needed).
answers() { (exec 3<>"/dev/tcp/${ADDR%:*}/${ADDR##*:}") 2>/dev/null; }
up=""
for _ in $(seq 1 60); do
	if answers; then
		up=1
		break
	fi
	if ! kill -0 "$PID" 2>/dev/null; then
		echo "versitygw: exited early:" >&2
		cat "$DIR/log" >&2
		exit 1
	fi
	sleep 0.5
done
[ -n "$up" ] || { echo "versitygw: not answering on $ADDR" >&2; cat "$DIR/log" >&2; exit 1; }

# The tests provision with the root account. A second, ordinary account
# (role userplus: may create buckets) owns buckets that are someone else's.
# Why root: versitygw makes a bucket policy, once present, the only source of
# access for non-admin accounts, so an ordinary owner that puts a public-read
# policy locks itself out of its own bucket (AWS and Hetzner keep the owner's
# access). Root/admin bypasses policies and behaves like an AWS owner.
# The account's throwaway secret has to go on this command line: versitygw's
# admin CLI has no other way to take it.
create_user() {
	ADMIN_ACCESS_KEY_ID="$ROOT_KEY" ADMIN_SECRET_ACCESS_KEY="$ROOT_SECRET" \
		"$BIN" admin --endpoint-url "http://$ADMIN_ADDR" create-user --access "$1" --secret "$2" --role userplus \
		>>"$DIR/log" 2>&1 || { echo "versitygw: could not create account $1" >&2; cat "$DIR/log" >&2; exit 1; }
}
create_user "$OTHER_KEY" "$OTHER_SECRET"

{
	echo "export ASSEMBLE_S3_ENDPOINT=http://$ADDR"
	echo "export ASSEMBLE_S3_REGION=us-east-1"
	echo "export ASSEMBLE_S3_ACCESS_KEY=$ROOT_KEY"
	echo "export ASSEMBLE_S3_SECRET_KEY=$ROOT_SECRET"
	echo "export ASSEMBLE_S3_OTHER_ACCESS_KEY=$OTHER_KEY"
	echo "export ASSEMBLE_S3_OTHER_SECRET_KEY=$OTHER_SECRET"
} >>"$ITEST_DIR/env"
echo "versitygw: listening on $ADDR (pid $PID)"
