#!/usr/bin/env bash
# Starts two CNCF Distribution registries (Debian's docker-registry) on
# 127.0.0.1 with htpasswd (bcrypt) authentication for the registry contract
# tests: a writable one, and a read-only twin (maintenance mode) with the same
# user. Exports ASSEMBLE_REGISTRY_ADDR, ASSEMBLE_REGISTRY_USER,
# ASSEMBLE_REGISTRY_PASSWORD and ASSEMBLE_REGISTRY_READONLY_ADDR.
# Run by scripts/integration, which sets ITEST_DIR and kills the PIDs.
set -euo pipefail
: "${ITEST_DIR:?run this from scripts/integration}"

need=()
command -v docker-registry >/dev/null 2>&1 || need+=(docker-registry)
command -v htpasswd >/dev/null 2>&1 || need+=(apache2-utils)
if [ ${#need[@]} -gt 0 ]; then
	echo "registry: installing ${need[*]}"
	[ -f /tmp/assemble-apt-updated ] || { apt-get update -qq >/dev/null && touch /tmp/assemble-apt-updated; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

dir="$ITEST_DIR/registry"
mkdir -p "$dir"
user=assemble
pass=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' | head -c 24)
# -i reads the password from stdin: it never appears on a command line.
printf '%s\n' "$pass" | htpasswd -iBn "$user" >"$dir/htpasswd"

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_port() {
	local p i
	for i in $(seq 1 50); do
		p=$((20000 + RANDOM % 20000))
		if port_free "$p"; then echo "$p"; return 0; fi
	done
	echo "registry: no free port" >&2
	return 1
}

# start NAME READONLY: writes NAME.yml, starts the registry, prints its port.
start() {
	local name=$1 readonly=$2 port
	port=$(pick_port)
	mkdir -p "$dir/$name-data"
	cat >"$dir/$name.yml" <<YAML
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/$name-data
  delete:
    enabled: true
  maintenance:
    readonly:
      enabled: $readonly
http:
  addr: 127.0.0.1:$port
  secret: $(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
auth:
  htpasswd:
    realm: assemble-registry
    path: $dir/htpasswd
YAML
	docker-registry serve "$dir/$name.yml" >"$dir/$name.log" 2>&1 &
	echo $! >>"$ITEST_DIR/pids"
	local i
	for i in $(seq 1 100); do
		if ! port_free "$port"; then echo "$port"; return 0; fi
		sleep 0.1
	done
	echo "registry: $name did not start on 127.0.0.1:$port:" >&2
	cat "$dir/$name.log" >&2
	return 1
}

rw=$(start registry false)
ro=$(start registry-ro true)
{
	echo "export ASSEMBLE_REGISTRY_ADDR=127.0.0.1:$rw"
	echo "export ASSEMBLE_REGISTRY_USER=$user"
	echo "export ASSEMBLE_REGISTRY_PASSWORD=$pass"
	echo "export ASSEMBLE_REGISTRY_READONLY_ADDR=127.0.0.1:$ro"
} >>"$ITEST_DIR/env"
echo "registry: Distribution on 127.0.0.1:$rw (read-only twin on 127.0.0.1:$ro)"
