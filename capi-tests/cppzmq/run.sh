#!/usr/bin/env bash
# Builds test_cppzmq.cpp (Debian's cppzmq headers) against our zmq.h and library, runs it
# plainly and under valgrind memcheck, and prints "cppzmq: N passed, N failed" over both runs.
#
#   run.sh LIBDIR
set -uo pipefail
libdir=$(cd "${1:?usage: run.sh LIBDIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$root/build/cppzmq"
mkdir -p "$out"
bin="$out/test_cppzmq"
# With the draft API, as a draft build of libzmq serves it (poller_t needs it).
if ! ${CXX:-c++} -std=c++17 -O1 -g -Wall -Wextra -Werror -pthread -DZMQ_BUILD_DRAFT_API -I"$root/include" \
        -o "$bin" "$here/test_cppzmq.cpp" -L"$libdir" -lzmq -Wl,-rpath,"$libdir"; then
    echo "cppzmq: 0 passed, 1 failed"
    exit 1
fi
passed=0 failed=0
for mode in plain valgrind; do
    run=("$bin")
    [ "$mode" = valgrind ] && run=(valgrind -q --error-exitcode=99 --leak-check=full
        --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect "$bin")
    log="$out/test_cppzmq.$mode.log"
    timeout 300 "${run[@]}" >"$log" 2>&1
    rc=$?
    line=$(grep -E '^cppzmq: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
    p=$(echo "$line" | awk '{print $2}'); f=$(echo "$line" | awk '{print $4}')
    p=${p:-0}; f=${f:-0}
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$rc" -ne 0 ]; then echo "---- test_cppzmq ($mode): exit $rc"; cat "$log"; else echo "test_cppzmq ($mode): $p passed"; fi
done
echo "cppzmq: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
