#!/usr/bin/env bash
# Install what test/e2e/run.sh needs on Debian 12 (bookworm). Idempotent: does
# nothing when everything is already installed. Run as root (CI does).
#
#   bash test/e2e/install-deps.sh                    # kamailio, sip-tester, tshark, iproute2, rtpengine-utils
#   bash test/e2e/install-deps.sh --with-rtpengine   # + the real rtpengine (reference daemon)
#
# kamailio   Kamailio 5.6 incl. the rtpengine module (rtpengine.so)
# sip-tester SIPp (/usr/bin/sipp) and its pcaps (/usr/share/sip-tester/g711a.pcap)
# tshark     loopback capture and dissection
# iproute2   `ss`, used to find free ports (present on most systems already)
set -euo pipefail

# rtpengine-utils: rtpengine-ng-client and rtpengine-ctl, used by test/integration/ng-client.test.ts and cli.test.ts (npm test)
# libsrtp2-dev: the libsrtp2 oracle of test/unit/srtp-oracle.test.ts (npm test; fails under CI=true without it)
# libspandsp-dev: the G.711/G.722 oracles of test/unit/g711.test.ts and g722.test.ts (likewise)
# chromium: the real browser of npm run test:webrtc (test/webrtc/run.sh)
PKGS=(kamailio sip-tester tshark iproute2 rtpengine-utils libsrtp2-dev libspandsp-dev chromium)
if [[ ${1:-} == --with-rtpengine ]]; then
	PKGS+=(rtpengine-daemon)
elif [[ -n ${1:-} ]]; then
	echo "usage: $0 [--with-rtpengine]" >&2
	exit 2
fi

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=()
for p in "${PKGS[@]}"; do
	installed "$p" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
	echo "install-deps: already installed: ${PKGS[*]}"
	exit 0
fi

if ((EUID != 0)); then
	echo "install-deps: need root to install: ${missing[*]}" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# tshark's wireshark-common asks whether non-root users may capture; answer
# "no" up front so the install never prompts (the e2e test runs as root).
if command -v debconf-set-selections >/dev/null; then
	echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
fi
echo "install-deps: installing ${missing[*]}"
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
