#!/usr/bin/env bash
# End-to-end test: SIPp UAC -> Kamailio (rtpengine module) -> SIPp UAS (RTP echo),
# with the media anchored in the daemon under test. See test/e2e/README.md.
#
#   bash test/e2e/run.sh                                   # rtpengine-ts (node dist/daemon/main.js)
#   E2E_DAEMON_CMD=/usr/bin/rtpengine bash test/e2e/run.sh # the real rtpengine
#   E2E_TRANSCODE=1 bash test/e2e/run.sh                   # transcoding call (PCMA caller, PCMU callee)
#
# Environment:
#   E2E_DAEMON_CMD   daemon command line, run by bash from the repo root with the
#                    rtpengine options appended (default: node dist/daemon/main.js)
#   E2E_TRANSCODE    unset/0: plain relaying. 1 or dict: Kamailio offers with
#                    "codec-mask=all codec-transcode=PCMU"; flags: with
#                    "codec-mask-all codec-transcode-PCMU". The UAS answers PCMU
#                    only (uas-pcmu.xml), the audio is decoded and compared both
#                    ways (transcode-check.mjs); no RTCP injection / MOS checks.
#   E2E_CALLS        number of calls (default 20, 5 when transcoding; at most 70)
#   E2E_RATE         calls per second (default 5)
#   E2E_MIN_MEDIA_SECS  minimum media duration per call (default 10)
#   E2E_PORT_BASE    first port of the 1000-port block to use (default: random free block)
#   E2E_PCAP_DIR     directory holding g711a.pcap (default /usr/share/sip-tester)
#   E2E_KEEP=1       keep the temp dir (logs, capture) even when everything passed
#   E2E_CONTROL      ng (default: Kamailio's rtpengine module, kamailio.cfg) or rtpproxy
#                    (its rtpproxy module over the daemon's --listen-udp, kamailio-rtpproxy.cfg)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"

DAEMON_CMD=${E2E_DAEMON_CMD:-node dist/daemon/main.js}
case ${E2E_TRANSCODE:-0} in
0 | "") TRANSCODE= ;;
1 | dict) TRANSCODE=dict ;;
flags) TRANSCODE=flags ;;
*)
	echo "E2E_TRANSCODE must be 0, 1, dict or flags" >&2
	exit 2
	;;
esac
if [[ -n $TRANSCODE ]]; then
	CALLS=${E2E_CALLS:-5}
	UAS_SCENARIO=uas-pcmu.xml
else
	CALLS=${E2E_CALLS:-20}
	UAS_SCENARIO=uas.xml
fi
RATE=${E2E_RATE:-5}
MIN_MEDIA_SECS=${E2E_MIN_MEDIA_SECS:-10}
PCAP_DIR=${E2E_PCAP_DIR:-/usr/share/sip-tester}
KEEP=${E2E_KEEP:-0}
MEDIA_IP=127.0.0.1
CONTROL=${E2E_CONTROL:-ng}
if [[ -n $TRANSCODE && $CONTROL != ng ]]; then
	echo "E2E_TRANSCODE needs E2E_CONTROL=ng (the rtpproxy protocol carries no codec flags)" >&2
	exit 2
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rtpengine-e2e.XXXXXX")
PASSED=0
FAILED=0
declare -a PIDS=() NAMES=()
T_START=$(date +%s)

pass() { echo "PASS: $*"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL: $*"; FAILED=$((FAILED + 1)); }
info() { echo "INFO: $*"; }
elapsed() { echo $(($(date +%s) - T_START)); }

# Start a component in its own session/process group (so it can be stopped
# with all its children by its own id), output to $WORK/<name>.log.
start() {
	local name=$1
	shift
	setsid "$@" >"$WORK/$name.log" 2>&1 </dev/null &
	PIDS+=("$!")
	NAMES+=("$name")
}
pid_of() {
	local i
	for i in "${!NAMES[@]}"; do
		if [[ ${NAMES[$i]} == "$1" ]]; then
			echo "${PIDS[$i]}"
			return 0
		fi
	done
	return 1
}
alive() { kill -0 "$1" 2>/dev/null; }
# Stop one component: SIGTERM (SIGINT for tshark so it finalises the file) to
# its process group, wait up to 5 s, then SIGKILL.
stop() {
	local name=$1 sig=${2:-TERM} pid i
	pid=$(pid_of "$name") || return 0
	alive "$pid" || return 0
	kill "-$sig" -- "-$pid" 2>/dev/null || kill "-$sig" "$pid" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		alive "$pid" || break
		sleep 0.1
	done
	if alive "$pid"; then
		kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

show_logs() {
	local f
	for f in "$WORK"/*.log; do
		[[ -f $f ]] || continue
		echo "----- tail of $(basename "$f") -----"
		tail -n 30 "$f" | cut -c1-300
	done
}

finish() {
	local rc=$?
	trap - EXIT INT TERM
	set +e
	if ((rc != 0 && FAILED == 0)); then
		fail "harness aborted (exit status $rc${ERR_LINE:+ at run.sh line $ERR_LINE})"
	fi
	local i
	for ((i = ${#NAMES[@]} - 1; i >= 0; i--)); do
		if [[ ${NAMES[$i]} == tshark ]]; then stop tshark INT; else stop "${NAMES[$i]}"; fi
	done
	if ((FAILED > 0)); then
		show_logs
		echo "e2e: logs and capture kept in $WORK"
	elif [[ $KEEP == 1 ]]; then
		echo "e2e: logs and capture kept in $WORK"
	else
		rm -rf "$WORK"
	fi
	info "total run time $(elapsed) s"
	echo "e2e: $PASSED passed, $FAILED failed"
	if ((FAILED > 0)); then exit 1; fi
	exit 0
}
trap finish EXIT
trap 'exit 130' INT TERM
trap 'ERR_LINE=$LINENO' ERR

abort() {
	fail "$*"
	exit 1
}

# ------------------------------------------------------------------ preflight
for tool in kamailio sipp tshark node ss setsid timeout; do
	command -v "$tool" >/dev/null || abort "required tool '$tool' not found (run: sudo bash test/e2e/install-deps.sh)"
done
[[ -r $PCAP_DIR/g711a.pcap ]] || abort "$PCAP_DIR/g711a.pcap not found (package sip-tester)"
if [[ -z ${E2E_DAEMON_CMD:-} && ! -f dist/daemon/main.js ]]; then
	abort "dist/daemon/main.js missing: build rtpengine-ts first (npm run build) or set E2E_DAEMON_CMD"
fi
((CALLS >= 1 && CALLS <= 70)) || abort "E2E_CALLS must be 1..70"
[[ $CONTROL == ng || $CONTROL == rtpproxy ]] || abort "E2E_CONTROL must be ng or rtpproxy"

# Port block: B+0 Kamailio SIP, B+1 UAS SIP, B+2 UAC SIP, B+3 daemon ng,
# B+4/B+5 SIPp control ports, B+10 UAS media (echo; SIPp also takes B+12;
# rtcp-inject.mjs binds B+11, the UAS's RTCP port),
# B+100..B+399 UAC media (SIPp binds B+100/B+102 itself; call n advertises and
# sends from B+100+4n, where rtp-sink.mjs listens; rtcp-inject.mjs binds B+101+4n),
# B+400..B+999 daemon media range (-m/-M).
port_block_busy() {
	ss -Htuan | awk -v lo="$1" -v hi="$(($1 + 999))" '
		{ for (i = 5; i <= 6; i++) { n = split($i, a, ":"); p = a[n] + 0; if (p >= lo && p <= hi) busy = 1 } }
		END { exit busy ? 0 : 1 }'
}
if [[ -n ${E2E_PORT_BASE:-} ]]; then
	B=$E2E_PORT_BASE
	port_block_busy "$B" && abort "ports $B-$((B + 999)) (E2E_PORT_BASE) are partly in use"
else
	B=
	for ((try = 0; try < 40; try++)); do
		# blocks 11000..29000: below the ephemeral range, away from rtpengine's default 30000-40000
		cand=$(((RANDOM % 19 + 11) * 1000))
		if ! port_block_busy "$cand"; then
			B=$cand
			break
		fi
	done
	[[ -n $B ]] || abort "no free 1000-port block found"
fi
KAM_PORT=$B
UAS_SIP=$((B + 1))
UAC_SIP=$((B + 2))
NG_PORT=$((B + 3))
UAS_CP=$((B + 4))
UAC_CP=$((B + 5))
UAS_MEDIA=$((B + 10))
UAC_MEDIA_MIN=$((B + 100))
UAC_MEDIA_MAX=$((B + 399))
D_MIN=$((B + 400))
D_MAX=$((B + 999))
# The control protocol Kamailio speaks to the daemon: its config, defines and the daemon's listener.
# (With rtpproxy the daemon keeps its ng socket too: the harness reads counters over it.)
KAM_CFG=kamailio.cfg
declare -a KAM_DEFS=() CONTROL_OPTS=()
# transcoding mode: kamailio.cfg's offer flags with the codec flags
[[ -z $TRANSCODE ]] || KAM_DEFS=(-A "TRANSCODE_${TRANSCODE^^}")
if [[ $CONTROL == rtpproxy ]]; then
	RTPP_PORT=$((B + 6))
	KAM_CFG=kamailio-rtpproxy.cfg
	KAM_DEFS=(-A "RTPP_SOCK=\"udp:127.0.0.1:$RTPP_PORT\"")
	CONTROL_OPTS=(-u "127.0.0.1:$RTPP_PORT")
fi
info "workdir $WORK; ports: kamailio $KAM_PORT, UAS $UAS_SIP (media $UAS_MEDIA), UAC $UAC_SIP (media $UAC_MEDIA_MIN+), ng $NG_PORT, daemon media $D_MIN-$D_MAX"
info "daemon: $DAEMON_CMD"
if [[ $TRANSCODE == dict ]]; then
	info "transcoding: the UAC offers PCMA, Kamailio adds 'codec-mask=all codec-transcode=PCMU', the UAS answers PCMU"
elif [[ $TRANSCODE == flags ]]; then
	info "transcoding: the UAC offers PCMA, Kamailio adds 'codec-mask-all codec-transcode-PCMU', the UAS answers PCMU"
fi

wait_udp_bound() { # port timeout_tenths pidname
	local i
	for ((i = 0; i < $2; i++)); do
		[[ -n $(ss -Hlun "sport = :$1") ]] && return 0
		alive "$(pid_of "$3")" || return 1
		sleep 0.1
	done
	return 1
}

# ------------------------------------------------------------------ capture
start tshark tshark -i lo -n -q -B 64 -w "$WORK/capture.pcapng" \
	-f "(udp and portrange $B-$((B + 999))) or (icmp and icmp[0] == 3)"
for ((i = 0; i < 100; i++)); do
	grep -q "Capturing on" "$WORK/tshark.log" 2>/dev/null && break
	alive "$(pid_of tshark)" || break
	sleep 0.1
done
grep -q "Capturing on" "$WORK/tshark.log" || abort "tshark capture on lo did not start"
sleep 0.5

# ------------------------------------------------------------------ daemon
# shellcheck disable=SC2016
start daemon bash -c 'exec '"$DAEMON_CMD"' "$@"' e2e-daemon \
	--config-file=none -t -1 -i "$MEDIA_IP" -n "127.0.0.1:$NG_PORT" -m "$D_MIN" -M "$D_MAX" \
	-f -E -L 7 --delete-delay=0 "${CONTROL_OPTS[@]}"
ok=
t0=$(date +%s%N)
for ((i = 0; i < 40; i++)); do
	alive "$(pid_of daemon)" || break
	if reply=$(node "$HERE/ng.mjs" "127.0.0.1:$NG_PORT" '{"command":"ping"}' 250 1 2>/dev/null) &&
		[[ $reply == '{"result":"pong"}' ]]; then
		ok=1
		break
	fi
done
if [[ -n $ok ]]; then
	pass "daemon answered ng ping on 127.0.0.1:$NG_PORT after $((($(date +%s%N) - t0) / 1000000)) ms"
else
	dpid=$(pid_of daemon)
	if alive "$dpid"; then
		state="still running"
	else
		drc=0
		wait "$dpid" 2>/dev/null || drc=$?
		state="exited with status $drc"
	fi
	abort "daemon did not answer ng ping on 127.0.0.1:$NG_PORT within 10 s (${reply:-no reply}; daemon $state)"
fi

# ------------------------------------------------------------------ SIPp UAS
cp "$HERE/$UAS_SCENARIO" "$HERE/uac.xml" "$WORK/"
ln -s "$PCAP_DIR" "$WORK/pcap"
start sipp-uas sipp -sf "$WORK/$UAS_SCENARIO" -i 127.0.0.1 -p "$UAS_SIP" -mi "$MEDIA_IP" -mp "$UAS_MEDIA" \
	-rtp_echo -nostdin -cp "$UAS_CP" -trace_err -error_file "$WORK/sipp-uas-errors.log"
wait_udp_bound "$UAS_SIP" 100 sipp-uas || abort "SIPp UAS did not bind 127.0.0.1:$UAS_SIP"

# ------------------------------------------------------------------ Kamailio
mkdir -p "$WORK/kamailio-run"
start kamailio kamailio -f "$HERE/$KAM_CFG" -DD -E -m 64 -M 8 \
	-P "$WORK/kamailio-run/kamailio.pid" -Y "$WORK/kamailio-run" \
	-A "SIP_PORT=$KAM_PORT" -A "NG_SOCK=\"udp:127.0.0.1:$NG_PORT\"" -A "UAS_URI=\"sip:127.0.0.1:$UAS_SIP\"" "${KAM_DEFS[@]}"
wait_udp_bound "$KAM_PORT" 100 kamailio || abort "Kamailio did not start listening on 127.0.0.1:$KAM_PORT"
# its rtpengine module pings the daemon from each worker when they start
for ((i = 0; i < 50; i++)); do
	grep -q "rtpengine instance <udp:127.0.0.1:$NG_PORT> found" "$WORK/kamailio.log" && break
	alive "$(pid_of kamailio)" || break
	sleep 0.1
done
if grep -q "rtpengine instance <udp:127.0.0.1:$NG_PORT> found" "$WORK/kamailio.log"; then
	pass "Kamailio started on 127.0.0.1:$KAM_PORT and its rtpengine module reached the daemon"
else
	abort "Kamailio did not report the rtpengine instance udp:127.0.0.1:$NG_PORT as found"
fi
if [[ $CONTROL == rtpproxy ]]; then
	for ((i = 0; i < 50; i++)); do
		grep -q "rtp proxy <udp:127.0.0.1:$RTPP_PORT> found" "$WORK/kamailio.log" && break
		sleep 0.1
	done
	if grep -q "rtp proxy <udp:127.0.0.1:$RTPP_PORT> found" "$WORK/kamailio.log"; then
		pass "Kamailio's rtpproxy module reached the daemon's rtpproxy socket udp:127.0.0.1:$RTPP_PORT (V/VF)"
	else
		abort "Kamailio's rtpproxy module did not report udp:127.0.0.1:$RTPP_PORT as found"
	fi
fi
sleep 0.5

# ------------------------------------------------------------------ UAC media sink
# (RTP only, as rtcp-inject.mjs binds the RTCP ports, except when transcoding:
# then no injector runs, and the sink takes the UAC's RTCP ports too and a
# second one the UAS's (B+11), so RTCP the daemon may send on its own is
# received, not answered by ICMP)
sink_ports=()
for ((n = 1; n <= CALLS; n++)); do sink_ports+=($((UAC_MEDIA_MIN + 4 * n))); done
sink_opts=(--rtp-only)
[[ -z $TRANSCODE ]] || sink_opts=()
start rtp-sink node "$HERE/rtp-sink.mjs" "${sink_opts[@]}" "$WORK/rtp-sink.json" 300 "${sink_ports[@]}"
sinks=(rtp-sink)
if [[ -n $TRANSCODE ]]; then
	start rtcp-sink-uas node "$HERE/rtp-sink.mjs" --rtp-only "$WORK/rtcp-sink-uas.json" 300 $((UAS_MEDIA + 1))
	sinks+=(rtcp-sink-uas)
fi
for s in "${sinks[@]}"; do
	for ((i = 0; i < 50; i++)); do
		grep -q '^ready' "$WORK/$s.log" && break
		alive "$(pid_of "$s")" || break
		sleep 0.1
	done
	grep -q '^ready' "$WORK/$s.log" || abort "rtp-sink.mjs ($s) could not bind its ports"
done

# ------------------------------------------------------------------ RTCP injector
# Sends SR/RR on behalf of both SIPp sides from their RTCP ports (UAS echo
# port + 1, each UAC call's media port + 1) while each call's media flows, so
# the daemon computes MOS; it also receives the RTCP the daemon relays.
# Not when transcoding: its reports name the SSRC each side would receive if
# the UAS echoed the UAC's own stream, but a transcoding daemon sends its own
# SSRCs (rtpengine 10.5 does), so the plain mode alone covers RTCP and MOS.
if [[ -z $TRANSCODE ]]; then
	start rtcp-inject node "$HERE/rtcp-inject.mjs" --ng="127.0.0.1:$NG_PORT" --uas-media="$UAS_MEDIA" \
		--uac-media="$(IFS=,; echo "${sink_ports[*]}")" --out="$WORK/rtcp-inject.json" --max-secs=$((CALLS / RATE + 90))
	for ((i = 0; i < 50; i++)); do
		grep -q '^ready' "$WORK/rtcp-inject.log" && break
		alive "$(pid_of rtcp-inject)" || break
		sleep 0.1
	done
	grep -q '^ready' "$WORK/rtcp-inject.log" || abort "rtcp-inject.mjs could not bind the SIPp sides' RTCP ports"
fi

# ------------------------------------------------------------------ SIPp UAC
info "placing $CALLS calls at $RATE calls/s, each playing g711a.pcap twice (~14.2 s of PCMA)"
start sipp-uac timeout -k 5 $((CALLS / RATE + 60)) sipp "127.0.0.1:$KAM_PORT" -sf "$WORK/uac.xml" -s bob \
	-i 127.0.0.1 -p "$UAC_SIP" -mi "$MEDIA_IP" -mp "$UAC_MEDIA_MIN" -m "$CALLS" -r "$RATE" -rp 1000 \
	-nostdin -cp "$UAC_CP" -timeout "$((CALLS / RATE + 45))s" -timeout_error \
	-trace_stat -stf "$WORK/sipp-uac-stats.csv" -fd 1 \
	-trace_err -error_file "$WORK/sipp-uac-errors.log"
uac_rc=0
wait "$(pid_of sipp-uac)" || uac_rc=$?
info "SIPp UAC exited with status $uac_rc ($(elapsed) s into the run)"
sleep 1 # let the last 200 OK to BYE and any late datagram reach the capture

for name in kamailio daemon; do
	alive "$(pid_of "$name")" || fail "$name is no longer running at the end of the calls"
done
stop rtcp-inject
stop rtp-sink
stop rtcp-sink-uas
stop tshark INT
grep -E "dropped|captured" "$WORK/tshark.log" | sed 's/^/INFO: tshark: /' || true

# ------------------------------------------------------------------ checks
analysis=$(node "$HERE/analyze.mjs" --pcap="$WORK/capture.pcapng" --kamlog="$WORK/kamailio.log" \
	--uac-stat="$WORK/sipp-uac-stats.csv" --calls="$CALLS" --ng="127.0.0.1:$NG_PORT" \
	--kam-port="$KAM_PORT" --uas-sip-port="$UAS_SIP" --uac-sip-port="$UAC_SIP" \
	--uas-media-port="$UAS_MEDIA" --uac-media-min="$UAC_MEDIA_MIN" --uac-media-max="$UAC_MEDIA_MAX" \
	--daemon-min="$D_MIN" --daemon-max="$D_MAX" --media-ip="$MEDIA_IP" \
	--min-media-secs="$MIN_MEDIA_SECS" --sink="$WORK/rtp-sink.json" --rtcp="$WORK/rtcp-inject.json" --control="$CONTROL" \
	${TRANSCODE:+--transcode="$TRANSCODE" --ref-pcap="$PCAP_DIR/g711a.pcap"} \
	2>"$WORK/analyze.log") || {
	fail "analysis script failed (see analyze.log)"
	analysis=
}
while IFS= read -r line; do
	case $line in
	PASS:*) pass "${line#PASS: }" ;;
	FAIL:*) fail "${line#FAIL: }" ;;
	*) echo "$line" ;;
	esac
done <<<"$analysis"
if ((uac_rc != 0)); then
	fail "SIPp UAC exit status $uac_rc (0 = all calls successful)"
fi
exit 0
