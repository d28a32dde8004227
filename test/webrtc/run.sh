#!/usr/bin/env bash
# Real-browser WebRTC ↔ SIP test (issue 13): headless Debian chromium driven by playwright-core,
# through the compiled daemon, inside a private network namespace. Chromium gathers no loopback
# candidates (spec/browser-test.md), so the namespace gets a veth pair with documentation
# addresses: the browser's host candidate is 203.0.113.5 (v0), the daemon listens on 203.0.113.6
# (v1). Everything stays inside the namespace, which is deleted at the end.
#
#   bash test/webrtc/run.sh            # npm run test:webrtc (builds first)
# Needs root (ip netns) and chromium (apt-get install chromium); prints "webrtc: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
ns="rtpts-webrtc-$$"
cleanup() { ip netns del "$ns" 2>/dev/null || true; }
trap cleanup EXIT
if ! command -v chromium >/dev/null; then echo "webrtc: chromium missing (apt-get install chromium)"; echo "webrtc: 0 passed, 1 failed"; exit 1; fi
ip netns add "$ns" || { echo "webrtc: cannot create a network namespace (need root)"; echo "webrtc: 0 passed, 1 failed"; exit 1; }
ip -n "$ns" link set lo up
ip -n "$ns" link add v0 type veth peer name v1
ip -n "$ns" addr add 203.0.113.5/24 dev v0
ip -n "$ns" addr add 203.0.113.6/24 dev v1
ip -n "$ns" link set v0 up
ip -n "$ns" link set v1 up
# Without a default route chromium gathers no candidate at all (spec/browser-test.md).
ip -n "$ns" route add default dev v0
report=$(mktemp /tmp/webrtc-report.XXXXXX.json)
ip netns exec "$ns" npx vitest run --config test/webrtc/vitest.config.ts --reporter=default --reporter=json --outputFile.json="$report"
rc=$?
read -r pass fail < <(node -e '
  try { const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(r.numPassedTests, r.numFailedTests + (r.numRuntimeErrorTests || 0)); }
  catch { console.log("0 1"); }' "$report")
rm -f "$report"
if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then fail=1; fi
echo "webrtc: ${pass} passed, ${fail} failed"
exit "$rc"
