#!/usr/bin/env bash
# Installs rtpengine-ts as a systemd service, as root: this checkout built and on PATH (npm ci, then
# npm link: a link in npm's global bin directory), /etc/rtpengine-ts/rtpengine.conf (kept if it exists),
# and the rtpengine-ts.service unit; then enables and starts it.
#
#   sudo bash docs/systemd/install.sh            # install, enable, start
#   sudo bash docs/systemd/install.sh --no-start # install only (e.g. on a machine without systemd running)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
START=1
[[ ${1:-} == --no-start ]] && START=0
cd "$ROOT"
npm ci                      # dist/ and the native addons
npm link --ignore-scripts   # rtpengine-ts on PATH (a link to this checkout)
BIN=$(command -v rtpengine-ts)
install -d /etc/rtpengine-ts
[[ -e /etc/rtpengine-ts/rtpengine.conf ]] || install -m 0644 "$HERE/rtpengine.conf" /etc/rtpengine-ts/rtpengine.conf
sed "s#@BIN@#$BIN#" "$HERE/rtpengine-ts.service" > /etc/systemd/system/rtpengine-ts.service
echo "installed $BIN, /etc/rtpengine-ts/rtpengine.conf, /etc/systemd/system/rtpengine-ts.service"
if ((START)); then
	if [[ -d /run/systemd/system ]]; then
		systemctl daemon-reload
		systemctl enable --now rtpengine-ts
		systemctl --no-pager status rtpengine-ts || true
	else
		echo "systemd is not running on this machine (PID 1 is $(ps -p 1 -o comm=)): start it with" >&2
		echo "  rtpengine-ts --config-file=/etc/rtpengine-ts/rtpengine.conf     # detaches, logs to syslog" >&2
	fi
fi
