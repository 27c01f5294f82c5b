#!/usr/bin/env bash
# Interop with the real libzmq: every scenario runs two processes of the same peer program
# (peer.c, compiled once against the system zmq.h and linked to the system libzmq.so.5), one on
# the real libzmq and one on ours (LD_LIBRARY_PATH=LIBDIR); each checks zmq_version to prove
# which library it runs on. Both directions of bind/connect, tcp and ipc.
#
#   run.sh LIBDIR
#
# Scenarios (peer.c has the details), each over tcp and ipc, with each side binding and each
# library on each side:
#   - echo pairs PAIR/PAIR, REQ/REP, REQ/ROUTER, DEALER/REP, DEALER/ROUTER, DEALER/DEALER,
#     ROUTER/ROUTER (ZMQ_ROUTING_ID on both, ROUTER_MANDATORY): the client sends the payload
#     suite (multipart, empty frames, 0/1/255/256/64 KiB/8 MiB frames), the server checks every
#     byte and echoes it, the client checks the echo;
#   - PUSH/PULL: the suite one way;
#   - PUB/SUB, PUB/XSUB: a PUSH->PULL back channel and probe rounds make subscription and
#     unsubscription deterministic; XPUB/XSUB, XPUB/SUB: the XPUB reads the (un)subscriptions;
#   - stream-stream: STREAM to STREAM, raw bytes: connect notification, 300 KiB each way in
#     whatever pieces TCP gives, a close by an empty frame and its disconnect notification;
#   - plain, plain-denied: PLAIN with a ZAP handler on the server's side (accepting, and
#     refusing a wrong password with 400: both monitors see HANDSHAKE_FAILED_AUTH, nothing
#     is delivered); accepted messages carry ZAP's User-Id;
#   - curve (no ZAP handler), curve-zap, curve-denied (ZAP refuses the client's key),
#     curve-badkey (the client has the wrong server key): the payload suite (up to 8 MiB
#     frames) both ways through CURVE boxes, refusals seen on the monitors as above;
#   - curve+SCENARIO: pub-sub, xpub-xsub, dealer-router, push-pull and heartbeat with every
#     socket under CURVE (subscriptions, PING/PONG travel inside the boxes);
#   - heartbeat: PAIRs pinging each other across an idle second, the real libzmq side's
#     monitor must see one handshake and no disconnection;
#   - restart: a PULL binder killed mid-stream and rebound on the same endpoint (tcp: the same
#     port, the first bound to port 0), and a PULL connecter killed and replaced; what the new
#     PULL receives must continue the stream in order with no duplicates.
#
# INTEROP_SELFCHECK=1 runs both sides on the real libzmq (a check of the tests themselves).
# One line per scenario, then "interop: N passed, N failed"; exits non-zero on any failure.
# The binder binds tcp://127.0.0.1:* (or a fresh ipc path under a mktemp -d directory) and
# prints its ZMQ_LAST_ENDPOINT on stdout; the driver hands that to the connecter. Every
# process runs under timeout(1); every receive in peer.c has a ZMQ_RCVTIMEO.
set -uo pipefail
libdir=$(cd "${1:?usage: run.sh LIBDIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$root/build/interop"
logs="$out/logs"
peer="$out/peer"
mkdir -p "$out"
rm -rf "$logs"
mkdir -p "$logs"

CC=${CC:-cc}
if [ ! -x "$peer" ] || [ "$here/peer.c" -nt "$peer" ]; then
    # The system header and the system library: the binary itself is the real libzmq's.
    if ! "$CC" -std=gnu11 -g -O1 -Wall -Wextra -Werror -pthread -o "$peer" "$here/peer.c" -lzmq; then
        echo "interop: peer.c does not compile"
        echo "interop: 0 passed, 1 failed"
        exit 1
    fi
fi

tmp=$(mktemp -d /tmp/zmq-interop.XXXXXX)
cleanup() {
    local p
    for p in $(jobs -p); do kill "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT

PROC_TIMEOUT=20      # seconds, any single peer process
START_TIMEOUT=10     # seconds for a binder to print its endpoint
# A healthy run takes about 30s. When many scenarios fail on timeouts, the ones left once the
# budget is spent are reported as failures without being run, to keep the stage bounded.
BUDGET=${INTEROP_BUDGET:-200}
passed=0 failed=0 failures=() seq=0
t_start=$(date +%s.%N)

# start_peer LIB OUTFILE ERRFILE ARGS... : runs the peer in the background, sets $pid.
start_peer() {
    local lib=$1 o=$2 e=$3; shift 3
    [ "${INTEROP_SELFCHECK:-0}" = 1 ] && lib=sys
    if [ "$lib" = ours ]; then
        LD_LIBRARY_PATH="$libdir" timeout -k 2 "$PROC_TIMEOUT" "$peer" "$lib" "$@" >"$o" 2>"$e" &
    else
        env -u LD_LIBRARY_PATH timeout -k 2 "$PROC_TIMEOUT" "$peer" "$lib" "$@" >"$o" 2>"$e" &
    fi
    pid=$!
}

# wait_line FILE PID PATTERN SECONDS : waits until FILE has a complete line matching
# PATTERN (prints it) or the process has exited or the time is up.
wait_line() {
    local f=$1 p=$2 pat=$3 limit=$4 n=0 line
    while [ "$n" -lt $((limit * 50)) ]; do
        line=$(grep -E "$pat" "$f" 2>/dev/null | head -n 1)
        if [ -n "$line" ] && [ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" = '\n' ]; then
            echo "$line"; return 0
        fi
        kill -0 "$p" 2>/dev/null || { line=$(grep -E "$pat" "$f" | head -n 1); [ -n "$line" ] && { echo "$line"; return 0; }; return 1; }
        sleep 0.02
        n=$((n + 1))
    done
    return 1
}

# bind_endpoints TRANSPORT COUNT [TCPPORT] : sets beps, the endpoints a binder is told to bind.
bind_endpoints() {
    local k
    beps=()
    for ((k = 0; k < $2; k++)); do
        if [ "$1" = tcp ]; then beps+=("tcp://127.0.0.1:${3:-*}"); else beps+=("ipc://$tmp/s$seq-$k.sock"); fi
    done
}

report() { # report OK LABEL SECONDS LOGPREFIX
    local ok=$1 label=$2 secs=$3 lp=$4
    if [ "$ok" = 1 ]; then
        passed=$((passed + 1)); printf 'PASS %-64s %5.2fs\n' "$label" "$secs"
    else
        failed=$((failed + 1)); failures+=("$label")
        printf 'FAIL %-64s %5.2fs\n' "$label" "$secs"
        local f
        for f in "$lp".*.err "$lp".driver; do
            [ -s "$f" ] || continue
            sed -e "s|^|    ${f##*/}: |" "$f" | head -n 8
        done
    fi
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# over_budget LABEL : when the time budget is spent, reports LABEL as failed and succeeds.
over_budget() {
    awk -v a="$t_start" -v b="$(now)" -v m="$BUDGET" 'BEGIN { exit !(b - a > m) }' || return 1
    failed=$((failed + 1)); failures+=("$1 (not run: time budget spent)")
    printf 'FAIL %-64s not run: the %ss budget is spent\n' "$1" "$BUDGET"
}

# pair SCENARIO TRANSPORT NEPS BINDLIB BINDSIDE BINDTYPE CONNLIB CONNSIDE CONNTYPE
pair() {
    local scn=$1 tr=$2 neps=$3 blib=$4 bside=$5 btype=$6 clib=$7 cside=$8 ctype=$9
    seq=$((seq + 1))
    local lp="$logs/$seq-$scn-$tr" t0 label bpid cpid brc crc eps ceps ok=1
    label="$tr $scn: $btype($blib) binds, $ctype($clib) connects"
    over_budget "$label" && return
    t0=$(now)
    bind_endpoints "$tr" "$neps"
    start_peer "$blib" "$lp.bind.out" "$lp.bind.err" "$scn" "$bside" bind "${beps[@]}"
    bpid=$pid
    if ! eps=$(wait_line "$lp.bind.out" "$bpid" '^(tcp|ipc)://' "$START_TIMEOUT"); then
        echo "binder printed no endpoint" >"$lp.driver"
        kill "$bpid" 2>/dev/null; wait "$bpid" 2>/dev/null
        report 0 "$label" "$(elapsed "$t0")" "$lp"; return
    fi
    read -ra ceps <<<"$eps"
    start_peer "$clib" "$lp.conn.out" "$lp.conn.err" "$scn" "$cside" connect "${ceps[@]}"
    cpid=$pid
    # When one side fails, stop the other instead of letting it run into its timeouts.
    local first rc
    wait -n -p first "$bpid" "$cpid"; rc=$?
    if [ "$first" = "$bpid" ]; then brc=$rc; else crc=$rc; fi
    if [ "$rc" -ne 0 ]; then kill "$bpid" "$cpid" 2>/dev/null; fi
    if [ "$first" = "$bpid" ]; then wait "$cpid"; crc=$?; else wait "$bpid"; brc=$?; fi
    [ "$brc" -eq 0 ] && [ "$crc" -eq 0 ] || ok=0
    [ "$ok" = 1 ] || echo "exit codes: binder $brc, connecter $crc (124 = timeout, 143 = stopped after the other side failed)" >"$lp.driver"
    report "$ok" "$label" "$(elapsed "$t0")" "$lp"
}

# all_pairs SCENARIO SIDE1 TYPE1 SIDE2 TYPE2 NEPS : both sides bind, each on both libraries.
all_pairs() {
    local scn=$1 s1=$2 t1=$3 s2=$4 t2=$5 neps=$6 tr
    for tr in tcp ipc; do
        pair "$scn" "$tr" "$neps" ours "$s1" "$t1" sys "$s2" "$t2"
        pair "$scn" "$tr" "$neps" sys "$s1" "$t1" ours "$s2" "$t2"
        if [ "$s1" != server ] || [ "$t1" != "$t2" ]; then
            pair "$scn" "$tr" "$neps" ours "$s2" "$t2" sys "$s1" "$t1"
            pair "$scn" "$tr" "$neps" sys "$s2" "$t2" ours "$s1" "$t1"
        fi
    done
}

# restart TRANSPORT PULLLIB PUSHLIB : a PULL binder killed after message 50 and restarted on
# the same endpoint; the PUSH connecter must reconnect, and what the second PULL receives
# must continue the stream in order with no duplicates.
restart() {
    local tr=$1 plib=$2 slib=$3
    seq=$((seq + 1))
    local lp="$logs/$seq-restart-$tr" t0 label p1 p2 spid ep line last victim rc1 src ok=1
    label="$tr restart: PULL($plib) binds, killed and rebound; PUSH($slib) connects"
    over_budget "$label" && return
    t0=$(now)
    # tcp: port 0 (ephemeral) for the first binder, that same port for the second.
    bind_endpoints "$tr" 1 0
    start_peer "$plib" "$lp.pull1.out" "$lp.pull1.err" restart pull bind "${beps[0]}" 1 0
    p1=$pid
    if ! ep=$(wait_line "$lp.pull1.out" "$p1" '^(tcp|ipc)://' "$START_TIMEOUT"); then
        echo "first PULL printed no endpoint" >"$lp.driver"
        kill "$p1" 2>/dev/null; wait "$p1" 2>/dev/null
        report 0 "$label" "$(elapsed "$t0")" "$lp"; return
    fi
    start_peer "$slib" "$lp.push.out" "$lp.push.err" restart push connect "$ep"
    spid=$pid
    if ! line=$(wait_line "$lp.pull1.out" "$p1" '^last [0-9]+ pid [0-9]+$' 15); then
        echo "first PULL never reported its first 50 messages" >"$lp.driver"
        kill "$p1" "$spid" 2>/dev/null; wait "$p1" "$spid" 2>/dev/null
        report 0 "$label" "$(elapsed "$t0")" "$lp"; return
    fi
    last=$(echo "$line" | awk '{print $2}'); victim=$(echo "$line" | awk '{print $4}')
    kill -KILL "$victim"
    wait "$p1" 2>/dev/null
    # Rebind exactly the endpoint the first one had (for tcp: the same port).
    start_peer "$plib" "$lp.pull2.out" "$lp.pull2.err" restart pull bind "$ep" 2 "$last"
    p2=$pid
    wait "$p2"; rc1=$?
    [ "$rc1" -eq 0 ] || kill "$spid" 2>/dev/null
    wait "$spid"; src=$?
    [ "$rc1" -eq 0 ] && [ "$src" -eq 0 ] || ok=0
    [ "$ok" = 1 ] || echo "exit codes: restarted PULL $rc1, PUSH $src (124 = timeout)" >"$lp.driver"
    report "$ok" "$label" "$(elapsed "$t0")" "$lp"
}

# restart_connecter TRANSPORT PULLLIB PUSHLIB : the same with the roles of bind and connect
# swapped: a PULL connecter is killed after message 50 and a new one connects; the PUSH binder
# must drop the dead peer's pipe and go on with the new one, in order, with no duplicates.
restart_connecter() {
    local tr=$1 plib=$2 slib=$3
    seq=$((seq + 1))
    local lp="$logs/$seq-restart-connecter-$tr" t0 label p1 p2 spid ep line last victim rc1 src ok=1
    label="$tr restart: PUSH($slib) binds; PULL($plib) connects, killed and restarted"
    over_budget "$label" && return
    t0=$(now)
    bind_endpoints "$tr" 1
    start_peer "$slib" "$lp.push.out" "$lp.push.err" restart push bind "${beps[0]}"
    spid=$pid
    if ! ep=$(wait_line "$lp.push.out" "$spid" '^(tcp|ipc)://' "$START_TIMEOUT"); then
        echo "PUSH printed no endpoint" >"$lp.driver"
        kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
        report 0 "$label" "$(elapsed "$t0")" "$lp"; return
    fi
    start_peer "$plib" "$lp.pull1.out" "$lp.pull1.err" restart pull connect "$ep" 1 0
    p1=$pid
    if ! line=$(wait_line "$lp.pull1.out" "$p1" '^last [0-9]+ pid [0-9]+$' 15); then
        echo "first PULL never reported its first 50 messages" >"$lp.driver"
        kill "$p1" "$spid" 2>/dev/null; wait "$p1" "$spid" 2>/dev/null
        report 0 "$label" "$(elapsed "$t0")" "$lp"; return
    fi
    last=$(echo "$line" | awk '{print $2}'); victim=$(echo "$line" | awk '{print $4}')
    kill -KILL "$victim"
    wait "$p1" 2>/dev/null
    start_peer "$plib" "$lp.pull2.out" "$lp.pull2.err" restart pull connect "$ep" 2 "$last"
    p2=$pid
    wait "$p2"; rc1=$?
    [ "$rc1" -eq 0 ] || kill "$spid" 2>/dev/null
    wait "$spid"; src=$?
    [ "$rc1" -eq 0 ] && [ "$src" -eq 0 ] || ok=0
    [ "$ok" = 1 ] || echo "exit codes: second PULL $rc1, PUSH $src (124 = timeout)" >"$lp.driver"
    report "$ok" "$label" "$(elapsed "$t0")" "$lp"
}

all_pairs pair-pair     server PAIR   client PAIR   1
all_pairs pub-sub       pub    PUB    sub    SUB    2
all_pairs xpub-xsub     pub    XPUB   sub    XSUB   1
all_pairs xpub-sub      pub    XPUB   sub    SUB    1
all_pairs pub-xsub      pub    PUB    sub    XSUB   2
all_pairs req-rep       client REQ    server REP    1
all_pairs req-router    client REQ    server ROUTER 1
all_pairs dealer-rep    client DEALER server REP    1
all_pairs dealer-router client DEALER server ROUTER 1
all_pairs dealer-dealer server DEALER client DEALER 1
all_pairs router-router server ROUTER client ROUTER 1
all_pairs push-pull     push   PUSH   pull   PULL   1
all_pairs heartbeat     server PAIR   client PAIR   1
all_pairs stream-stream server STREAM client STREAM 1
all_pairs plain         client DEALER server DEALER 1
all_pairs plain-denied  client DEALER server DEALER 1
all_pairs curve         client DEALER server DEALER 1
all_pairs curve-zap     client DEALER server DEALER 1
all_pairs curve-denied  client DEALER server DEALER 1
all_pairs curve-badkey  client DEALER server DEALER 1
all_pairs curve+pub-sub       pub    PUB    sub    SUB    2
all_pairs curve+xpub-xsub     pub    XPUB   sub    XSUB   1
all_pairs curve+dealer-router client DEALER server ROUTER 1
all_pairs curve+push-pull     push   PUSH   pull   PULL   1
all_pairs curve+heartbeat     server PAIR   client PAIR   1
for tr in tcp ipc; do
    restart "$tr" sys ours
    restart "$tr" ours sys
    restart_connecter "$tr" sys ours
    restart_connecter "$tr" ours sys
done

[ ${#failures[@]} -eq 0 ] || { echo "failing scenarios:"; printf '  %s\n' "${failures[@]}"; }
printf 'interop: run time %.1fs, logs in %s\n' "$(elapsed "$t_start")" "$logs"
echo "interop: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
