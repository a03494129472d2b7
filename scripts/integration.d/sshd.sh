#!/usr/bin/env bash
# Starts a real OpenSSH sshd on 127.0.0.22 with its own config, host key and
# PidFile, for the builder's (and any SSH user's) integration tests.
#
# Logins: root, asmb-sudo (passwordless sudo) and asmb-nosudo (no sudo), all
# with one client key. Sessions get DOCKER_HOST pointing at the private
# dockerd from docker.sh through the sshd config's SetEnv — nothing is put in
# /etc/environment or a profile, so the machine's own docker is untouched.
#
# Exports ASSEMBLE_SSHD_ADDR (host:port), ASSEMBLE_SSHD_HOST_KEY (host public
# key file), ASSEMBLE_SSHD_CLIENT_KEY (client private key file),
# ASSEMBLE_SSHD_SUDO_USER, ASSEMBLE_SSHD_NOSUDO_USER.
set -euo pipefail
: "${ITEST_DIR:?run through scripts/integration}"

need=()
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v sudo >/dev/null || need+=(sudo)
if [ ${#need[@]} -gt 0 ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

IP=127.0.0.22
PORT=$(python3 -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1],0)); print(s.getsockname()[1])' "$IP" 2>/dev/null || echo 2222)

D="$ITEST_DIR/sshd"
mkdir -p "$D"
ssh-keygen -q -t ed25519 -N '' -C assemble-itest-host -f "$D/host_key"
ssh-keygen -q -t ed25519 -N '' -C assemble-itest-client -f "$D/client_key"

# authorized_keys must be readable by every login user, and $ITEST_DIR is
# root's alone: keep it in a world-traversable directory that a janitor
# removes when the runner kills it.
PUB=$(mktemp -d /tmp/assemble-sshd.XXXXXX)
chmod 0755 "$PUB"
install -m 0644 "$D/client_key.pub" "$PUB/authorized_keys"
# DOCKER_CONFIG for the sessions, so tests never touch a user's ~/.docker.
install -d -m 1777 "$PUB/docker-config"
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

SUDO_USER_NAME=asmb-sudo
NOSUDO_USER_NAME=asmb-nosudo
for u in "$SUDO_USER_NAME" "$NOSUDO_USER_NAME"; do
	id "$u" >/dev/null 2>&1 || useradd -m -s /bin/bash "$u"
	# With UsePAM no a user without a password is "locked"; '*' unlocks
	# key logins and still allows no password.
	usermod -p '*' "$u"
done
echo "$SUDO_USER_NAME ALL=(ALL) NOPASSWD:ALL" >"$D/sudoers"
install -m 0440 "$D/sudoers" "/etc/sudoers.d/$SUDO_USER_NAME"
visudo -cq -f "/etc/sudoers.d/$SUDO_USER_NAME"

# Lines in the env file look like: export NAME=value
DOCKER_HOST_VALUE=$(sed -n 's/^export ASSEMBLE_DOCKER_HOST=//p' "$ITEST_DIR/env" | tail -1)
{
	echo "ListenAddress $IP:$PORT"
	echo "HostKey $D/host_key"
	echo "PidFile $D/sshd.pid"
	echo "AuthorizedKeysFile $PUB/authorized_keys"
	echo "StrictModes no"
	echo "UsePAM no"
	echo "PasswordAuthentication no"
	echo "KbdInteractiveAuthentication no"
	echo "PermitRootLogin prohibit-password"
	echo "AllowUsers root $SUDO_USER_NAME $NOSUDO_USER_NAME"
	echo "X11Forwarding no"
	echo "PrintMotd no"
	if [ -n "$DOCKER_HOST_VALUE" ]; then
		echo "SetEnv DOCKER_HOST=$DOCKER_HOST_VALUE DOCKER_CONFIG=$PUB/docker-config"
	fi
} >"$D/sshd_config"
mkdir -p /run/sshd
chmod 0755 /run/sshd
/usr/sbin/sshd -t -f "$D/sshd_config"
/usr/sbin/sshd -D -e -f "$D/sshd_config" >"$D/sshd.log" 2>&1 &
echo $! >>"$ITEST_DIR/pids"

for _ in $(seq 1 50); do
	if ssh-keyscan -T 1 -p "$PORT" "$IP" 2>/dev/null | grep -q ssh-ed25519; then
		{
			echo "export ASSEMBLE_SSHD_ADDR=$IP:$PORT"
			echo "export ASSEMBLE_SSHD_HOST_KEY=$D/host_key.pub"
			echo "export ASSEMBLE_SSHD_CLIENT_KEY=$D/client_key"
			echo "export ASSEMBLE_SSHD_SUDO_USER=$SUDO_USER_NAME"
			echo "export ASSEMBLE_SSHD_NOSUDO_USER=$NOSUDO_USER_NAME"
		} >>"$ITEST_DIR/env"
		echo "sshd: listening on $IP:$PORT"
		exit 0
	fi
	sleep 0.2
done
echo "sshd: no answer on $IP:$PORT; log:" >&2
tail -20 "$D/sshd.log" >&2
exit 1
