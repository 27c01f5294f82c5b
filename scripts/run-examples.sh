#!/usr/bin/env bash
# Runs the examples built in BINDIR.
#
#   run-examples.sh BINDIR                 every example, once plainly and once under valgrind
#   run-examples.sh --demo BINDIR NAME...  the named tcp examples, plainly, showing their output
#   run-examples.sh --inject LIBDIR BINDIR examples built against the system zmq.h and linked to
#                                          the system libzmq.so.5, each run twice with ours
#                                          injected: by LD_LIBRARY_PATH and by LD_PRELOAD (the
#                                          loader must resolve libzmq.so.5 to LIBDIR, checked
#                                          before each run)
#
# The single-process examples (BINDIR/*, over inproc) are run as they are. The tcp examples
# (BINDIR/tcp/*) are several processes each, started here: the process that binds picks a
# free port itself and writes its endpoints to a file; this script waits for that file and
# passes the endpoints to the others on their command lines (see examples/tcp/net.h).
#
# Each run of an example is one case: it passes when every one of its processes exits 0
# within the time limit. When one fails, the others are stopped. Under valgrind memcheck,
# errors or definite/indirect leaks also fail it. Ends with "examples: N passed, N failed".
set -uo pipefail

demo=0 inject=""
if [ "${1:-}" = --demo ]; then demo=1; shift; fi
if [ "${1:-}" = --inject ]; then inject=$(cd "${2:?--inject LIBDIR}" && pwd); shift 2; fi
bindir=$(cd "${1:?usage: run-examples.sh [--demo] BINDIR [NAME...]}" && pwd)
shift
tcpdir="$bindir/tcp"
logs="$bindir/logs"
mkdir -p "$logs"
LIMIT=300 # seconds, for any one process
VALGRIND=(valgrind -q --error-exitcode=99 --leak-check=full
    --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect)

# ---- the tcp examples: each function starts the processes of one example ----

TCP_EXAMPLES=(hello weather pipeline rrbroker msgqueue psenv syncpub mtserver)

# Hello World: one REP server answering 10 requests, two REQ clients asking 5 each.
ex_hello() {
    start hwserver "$run_dir/endpoints" 10
    endpoints 1 || return 1
    start hwclient "${ep[0]}" 5
    start hwclient "${ep[0]}" 5
}

# Weather: a PUB server publishing until both SUB clients, each filtering on its own zip
# code and averaging 20 updates, are done.
ex_weather() {
    start wuserver "$run_dir/endpoints" 2
    endpoints 2 || return 1
    start wuclient "${ep[0]}" "${ep[1]}" 10001 20
    start wuclient "${ep[0]}" "${ep[1]}" 10042 20
}

# Pipeline: sink first (results and kill signal), then the ventilator (100 tasks), then three
# workers; the sink kills the workers when all results are in.
ex_pipeline() {
    start tasksink "$run_dir/sink" 3
    endpoints 2 sink || return 1
    local results=${ep[0]} control=${ep[1]}
    start taskvent "$run_dir/vent" "$results" 100
    endpoints 1 vent || return 1
    local w
    for w in 1 2 3; do start taskwork "${ep[0]}" "$results" "$control" "w$w"; done
}

# Request-reply broker (ROUTER/DEALER with zmq_poll): two REP workers, two REQ clients with
# 10 requests each; the broker relays 20 replies, then kills the workers.
ex_rrbroker() {
    start rrbroker "$run_dir/endpoints" 20 2
    broker_clients_and_workers
}

# The same with zmq_proxy as the broker.
ex_msgqueue() {
    start msgqueue "$run_dir/endpoints" 20 2
    broker_clients_and_workers
}

broker_clients_and_workers() {
    endpoints 3 || return 1
    start rrworker "${ep[1]}" "${ep[2]}" w1
    start rrworker "${ep[1]}" "${ep[2]}" w2
    start rrclient "${ep[0]}" 10 c1
    start rrclient "${ep[0]}" 10 c2
}

# Pub-sub envelopes: topic frame + content frame; the subscriber wants topic B only.
ex_psenv() {
    start psenvpub "$run_dir/endpoints" 1
    endpoints 2 || return 1
    start psenvsub "${ep[0]}" "${ep[1]}" 5
}

# Synchronized publisher: three subscribers check in over REQ/REP, then each must get all
# 10000 updates.
ex_syncpub() {
    start syncpub "$run_dir/endpoints" 3 10000
    endpoints 2 || return 1
    local s
    for s in 1 2 3; do start syncsub "${ep[0]}" "${ep[1]}" 10000; done
}

# Multithreaded server with a tcp front end (ROUTER -> zmq_proxy -> inproc DEALER -> worker
# threads), three hwclient processes with 10 requests each.
ex_mtserver() {
    start mtserver "$run_dir/endpoints" 30
    endpoints 1 || return 1
    local c
    for c in 1 2 3; do start hwclient "${ep[0]}" 10; done
}

# ---- running them ----

# start NAME ARGS...: starts BINDIR/tcp/NAME in the background (under valgrind in that mode).
start() {
    local name=$1
    shift
    local log="$run_dir/$((${#pids[@]} + 1))-$name.log"
    local run=("$tcpdir/$name" "$@")
    [ "$mode" = valgrind ] && run=("${VALGRIND[@]}" "${run[@]}")
    case "$mode" in path|preload) run=(env "${INJECT_ENV[@]}" "${run[@]}") ;; esac
    timeout -k 5 "$LIMIT" "${run[@]}" >"$log" 2>&1 &
    pids+=($!)
    names+=("$name")
    logfiles+=("$log")
}

# endpoints COUNT [FILE]: waits until the last process started has written its endpoint file
# ($run_dir/FILE, default "endpoints") and reads COUNT endpoints from it into ep[]. Fails if
# that process ends first.
endpoints() {
    local file="$run_dir/${2:-endpoints}" pid=${pids[-1]} tries=0
    while [ ! -f "$file" ]; do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "${names[-1]} ended before writing its endpoints" >>"$run_dir/runner.log"
            return 1
        fi
        tries=$((tries + 1))
        if [ "$tries" -gt $((LIMIT * 20)) ]; then
            echo "${names[-1]} wrote no endpoints in ${LIMIT}s" >>"$run_dir/runner.log"
            return 1
        fi
        sleep 0.05
    done
    mapfile -t ep <"$file"
    [ "${#ep[@]}" -eq "$1" ] || {
        echo "$file: expected $1 endpoints: ${ep[*]}" >>"$run_dir/runner.log"
        return 1
    }
}

# run_tcp NAME: one case; runs ex_NAME's processes and waits for all of them. Sets problems[].
run_tcp() {
    local name=$1
    run_dir="$logs/tcp-$name.$mode"
    rm -rf "$run_dir"
    mkdir -p "$run_dir"
    pids=() names=() logfiles=() ep=() problems=()
    "ex_$name" || problems+=("could not start: $(cat "$run_dir/runner.log" 2>/dev/null)")
    local -A index=()
    local i
    for i in "${!pids[@]}"; do index[${pids[$i]}]=$i; done
    local running=("${pids[@]}") done_pid rc stopped=0
    [ "${#problems[@]}" -eq 0 ] || { stop_all "${running[@]}"; stopped=1; }
    while [ "${#running[@]}" -gt 0 ]; do
        done_pid=
        wait -n -p done_pid "${running[@]}"
        rc=$?
        [ -n "${done_pid:-}" ] || break
        i=${index[$done_pid]}
        local left=()
        for p in "${running[@]}"; do [ "$p" = "$done_pid" ] || left+=("$p"); done
        running=("${left[@]}")
        if [ "$rc" -ne 0 ]; then
            local why="exit $rc"
            [ "$rc" -eq 124 ] && why="timed out after ${LIMIT}s"
            [ "$rc" -eq 99 ] && why="valgrind errors or leaks"
            [ "$stopped" -eq 1 ] && [ "$rc" -eq 143 ] && why="stopped after the failure above"
            problems+=("${names[$i]} (process $((i + 1))): $why")
            # One side failed: the others cannot finish normally; stop them.
            [ "$stopped" -eq 1 ] || { stop_all "${running[@]}"; stopped=1; }
        fi
    done
}

stop_all() {
    local p
    for p in "$@"; do kill "$p" 2>/dev/null; done
}

# Prints the output of the last tcp case, each line tagged with its process.
show_tcp_output() {
    local i
    for i in "${!logfiles[@]}"; do
        sed "s/^/[${names[$i]}] /" "${logfiles[$i]}"
    done
}

if [ "$demo" -eq 1 ]; then
    mode=plain
    status=0
    for name in "$@"; do
        run_tcp "$name"
        show_tcp_output
        if [ "${#problems[@]}" -ne 0 ]; then
            printf 'FAIL tcp/%s: %s\n' "$name" "${problems[*]}"
            status=1
        fi
    done
    exit "$status"
fi

passed=0 failed=0 broken=()
pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); broken+=("$1"); }

# EXAMPLE_MODES="valgrind" runs only the memcheck runs (make memcheck).
read -ra MODES <<<"${EXAMPLE_MODES:-plain valgrind}"
[ -n "$inject" ] && MODES=(path preload)
INJECT_ENV=()
# set_mode MODE: the environment that injects our library in MODE (path, preload).
set_mode() {
    case "$1" in
        path) INJECT_ENV=(LD_LIBRARY_PATH="$inject") ;;
        preload) INJECT_ENV=(LD_PRELOAD="$inject/libzmq.so.5") ;;
        *) INJECT_ENV=() ;;
    esac
}
# served_by_ours BIN: in the current mode, the loader resolves libzmq.so.5 to ours only.
served_by_ours() {
    local trace
    trace=$(env "${INJECT_ENV[@]}" LD_TRACE_LOADED_OBJECTS=1 "$1" 2>&1)
    # (Here-strings, not pipes into grep -q: with pipefail, grep quitting early fails the pipe.)
    local others
    others=$(grep -v "$inject" <<<"$trace")
    if grep -q "$inject/libzmq.so" <<<"$trace" && ! grep -q "libzmq.so" <<<"$others"; then
        return 0
    fi
    echo "loader trace of $1:"
    echo "$trace" | sed 's/^/    /'
    return 1
}

for bin in "$bindir"/*; do
    [ -f "$bin" ] && [ -x "$bin" ] || continue
    name=$(basename "$bin")
    for mode in "${MODES[@]}"; do
        set_mode "$mode"
        run=("$bin")
        [ "$mode" = valgrind ] && run=("${VALGRIND[@]}" "$bin")
        [ -n "$inject" ] && run=(env "${INJECT_ENV[@]}" "$bin")
        log="$logs/$name.$mode.log"
        if [ -n "$inject" ] && ! served_by_ours "$bin"; then
            fail "$name/$mode"
            echo "FAIL $name ($mode): libzmq.so.5 does not resolve to $inject"
            continue
        fi
        timeout -k 5 "$LIMIT" "${run[@]}" >"$log" 2>&1
        rc=$?
        if [ "$rc" -eq 0 ]; then
            pass "$name ($mode)"
        else
            fail "$name/$mode"
            echo "FAIL $name ($mode): exit $rc"
            tail -n 20 "$log"
        fi
    done
done

# Every tcp program resolves libzmq.so.5 to ours in the current mode.
all_tcp_served() {
    local b
    for b in "$tcpdir"/*; do
        [ -f "$b" ] && [ -x "$b" ] || continue
        served_by_ours "$b" || return 1
    done
}

for name in "${TCP_EXAMPLES[@]}"; do
    for mode in "${MODES[@]}"; do
        set_mode "$mode"
        if [ -n "$inject" ] && ! all_tcp_served; then
            fail "tcp/$name/$mode"
            echo "FAIL tcp/$name ($mode): libzmq.so.5 does not resolve to $inject"
            continue
        fi
        run_tcp "$name"
        if [ "${#problems[@]}" -eq 0 ]; then
            pass "tcp/$name ($mode)"
        else
            fail "tcp/$name/$mode"
            printf 'FAIL tcp/%s (%s): %s\n' "$name" "$mode" "$(IFS=';'; echo "${problems[*]}")"
            for i in "${!logfiles[@]}"; do
                echo "  -- ${names[$i]} (process $((i + 1))), ${logfiles[$i]}:"
                tail -n 10 "${logfiles[$i]}" | sed 's/^/     /'
            done
        fi
    done
done

[ ${#broken[@]} -eq 0 ] || echo "failing: ${broken[*]}"
echo "examples: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
