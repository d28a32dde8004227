#!/usr/bin/env bash
# Transcoding capacity against rtpengine 10.5 in the same run (issue 14): the reference load generator
# and runner in ../shared/perf (loadgen --transcode: side A PCMU, side B PCMA / G722 / opus, 400 Hz tone
# checked after decoding, latency by RTP sequence number), both daemons pinned to CPU 0, loadgen to CPU 1,
# targets and tests interleaved, medians of REPS repetitions. Prints measure.sh's tables (µs per packet,
# loss, p99, SNR, and the largest N per codec with 0 % loss and p99 < 50 ms).
#
#   npm run bench:xcode                                   # the default ladder below, 3 reps
#   TESTS="xcode-opus-70 xcode-opus-100" REPS=3 npm run bench:xcode
#   TARGETS=ts npm run bench:xcode                        # rtpengine-ts only
#
# rtpengine-ts runs with one media worker (--num-threads=1), so "per core" compares like with like:
# rtpengine's own threads are pinned to the same single CPU.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
[[ -x $SHARED/perf/measure.sh || -f $SHARED/perf/measure.sh ]] || { echo "xcode-bench: $SHARED/perf/measure.sh not found (set SHARED)" >&2; exit 2; }
cd "$ROOT"
export TARGETS=${TARGETS:-"rtpengine ts"}
export TESTS=${TESTS:-"xcode-pcma-300 xcode-pcma-400 xcode-g722-150 xcode-g722-200 xcode-opus-70 xcode-opus-100"}
export REPS=${REPS:-3}
export DURATION=${DURATION:-10}
export TS_CMD=${TS_CMD:-"node --max-semi-space-size=4 dist/daemon/main.js --config-file=none -t -1 -i 127.0.0.1 -n 127.0.0.1:22300 -m 40000 -M 49999 -f -E -L 4 --num-threads=1 --delete-delay=0"}
exec bash "$SHARED/perf/measure.sh"
