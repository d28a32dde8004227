#!/usr/bin/env bash
# Does transcoding on a worker hurt the plain calls on the same worker? (issue 14, placement)
#
# One daemon pinned to CPU 0 (rtpengine-ts with ONE media worker, so every call shares it; rtpengine with
# its threads on the same CPU). For each repetition, interleaved per target:
#   alone : PLAIN plain calls (loadgen rate mode, PCMU both ways)
#   mixed : the same PLAIN plain calls while XCODE calls are transcoded (loadgen --transcode CODEC) at once
# and the plain calls' loss and latency (p50/p99/max) are printed for both, from the reference loadgen
# (../shared/perf/loadgen.c, built by measure.sh into $PERF_WORK). Both loadgens run pinned to CPU 1.
#
#   npm run bench:xcode-mixed                        # opus, XCODE=56 (80 % of the 70 calls/core target), PLAIN=200
#   CODEC=PCMA XCODE=300 npm run bench:xcode-mixed
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
PERF_WORK=${PERF_WORK:-${TMPDIR:-/tmp}/rtpe-perf}
CODEC=${CODEC:-opus}
XCODE=${XCODE:-56}
PLAIN=${PLAIN:-200}
REPS=${REPS:-3}
DURATION=${DURATION:-10}
TARGETS=${TARGETS:-"ts rtpengine"}
NG=127.0.0.1:22300
mkdir -p "$PERF_WORK"
cp "$SHARED"/perf/loadgen.c "$SHARED"/perf/ng.h "$PERF_WORK"/
(cd "$PERF_WORK" && [ loadgen -nt loadgen.c ] || gcc -O2 -Wall -o loadgen loadgen.c)
LG=$PERF_WORK/loadgen
cd "$ROOT"

cmd_of() {
	case $1 in
	ts) echo "node --max-semi-space-size=4 dist/daemon/main.js --config-file=none -t -1 -i 127.0.0.1 -n $NG -m 40000 -M 49999 -f -E -L 4 --num-threads=1 --delete-delay=0" ;;
	rtpengine) echo "rtpengine --config-file=none -t -1 -i 127.0.0.1 -n $NG -m 40000 -M 49999 -f -E -L 4 --num-threads=2 --delete-delay=0" ;;
	esac
}

field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }

run() { # target mode rep
	local target=$1 mode=$2 pid line xpid=""
	taskset -c 0 bash -c "exec $(cmd_of "$target")" >"$PERF_WORK/mixed-$target.log" 2>&1 &
	pid=$!
	"$LG" --ng "$NG" --ping --ping-wait 15 >/dev/null
	if [[ $mode == mixed ]]; then
		taskset -c 1 "$LG" --ng "$NG" --pid "$pid" --mode rate --calls "$XCODE" --pps 50 --transcode "$CODEC" --ramp 3 \
			--warmup 4 --duration $((DURATION + 4)) --local-base 50000 --label xcode >"$PERF_WORK/mixed-xcode.out" 2>/dev/null &
		xpid=$!
		sleep 4
	fi
	line=$(taskset -c 1 "$LG" --ng "$NG" --pid "$pid" --mode rate --calls "$PLAIN" --pps 50 --warmup 2 --duration "$DURATION" \
		--local-base 56000 --label plain 2>/dev/null | grep '^RESULT' || true)
	[[ -n $xpid ]] && wait "$xpid" || true
	local x
	x=$(grep '^RESULT' "$PERF_WORK/mixed-xcode.out" 2>/dev/null || true)
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$target" "$mode" "$(field "$line" loss_pct)" \
		"$(awk "BEGIN{printf \"%.2f\", $(field "$line" lat_p50_us)/1000}")" "$(awk "BEGIN{printf \"%.2f\", $(field "$line" lat_p99_us)/1000}")" \
		"$(awk "BEGIN{printf \"%.2f\", $(field "$line" lat_max_us)/1000}")" "$(field "$line" relay_util_pct)" \
		"$([[ $mode == mixed ]] && echo "$(field "$x" loss_pct) % loss, p99 $(awk "BEGIN{printf \"%.1f\", $(field "$x" lat_p99_us)/1000}") ms" || echo -)"
	rm -f "$PERF_WORK/mixed-xcode.out"
}

echo "# $(date -u +%FT%TZ) plain=$PLAIN calls, transcoded=$XCODE calls $CODEC, ${DURATION}s windows, $REPS reps"
echo '| target | plain calls | loss % | p50 ms | p99 ms | max ms | relay util % (whole run) | transcoded calls |'
echo '|---|---|---|---|---|---|---|---|'
for rep in $(seq "$REPS"); do
	for t in $TARGETS; do
		run "$t" alone "$rep"
		run "$t" mixed "$rep"
	done
done
