#!/usr/bin/env bash
# Builds and runs every capi-tests/test_*.c, then prints "N passed, N failed" over all cases.
#
#   run.sh LIBDIR              against include/zmq.h, linked to LIBDIR/libzmq.so
#   run.sh --valgrind LIBDIR   the same binaries under valgrind memcheck (errors or
#                              definite/indirect leaks fail the binary)
#   run.sh --system LIBDIR     compiled against the system zmq.h, linked to the system
#                              libzmq.so.5, run with LIBDIR first on LD_LIBRARY_PATH; each
#                              binary also proves that our library served its calls
#   run.sh --preload LIBDIR    the --system binaries, run with LD_PRELOAD=LIBDIR/libzmq.so.5
#                              instead (the way a binary is switched without touching its
#                              library path); each proves that ours served its calls
set -uo pipefail
mode=plain
case "${1:-}" in --valgrind|--system|--preload) mode=${1#--}; shift ;; esac
libdir=$(cd "${1:?usage: run.sh [--valgrind|--system|--preload] LIBDIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
case "$mode" in system|preload) sys=1 ;; *) sys=0 ;; esac
out="$root/build/capi-tests/$([ "$sys" = 1 ] && echo system || echo ours)"
mkdir -p "$out"

CC=${CC:-cc}
CFLAGS="-std=gnu11 -g -O1 -Wall -Wextra -Werror -Wno-unused-parameter -Wno-unused-function -pthread"
passed=0 failed=0 broken=()

for src in "$here"/test_*.c; do
    name=$(basename "$src" .c)
    bin="$out/$name"
    if [ "$sys" = 1 ]; then
        # The system header and library; our library must take over at run time.
        build=("$CC" $CFLAGS -I"$here" -o "$bin" "$src" -lzmq -lsodium)
    else
        build=("$CC" $CFLAGS -DZMQ_BUILD_DRAFT_API -I"$root/include" -I"$here" -o "$bin" "$src"
               -L"$libdir" -lzmq -Wl,-rpath,"$libdir" -lsodium)
    fi
    if [ "$mode" = plain ] || [ "$mode" = system ] || [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
        if ! "${build[@]}"; then
            echo "FAIL $name: does not compile"; broken+=("$name"); failed=$((failed + 1)); continue
        fi
    fi
    run=("$bin")
    env_extra=()
    case "$mode" in
        valgrind)
            run=(valgrind -q --error-exitcode=99 --leak-check=full
                 --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect
                 "$bin") ;;
        system)
            env_extra=(LD_LIBRARY_PATH="$libdir" ZMQ_TEST_EXPECT_OURS=1 ZMQ_TEST_OUR_LIB="$libdir") ;;
        preload)
            env_extra=(LD_PRELOAD="$libdir/libzmq.so.5" ZMQ_TEST_EXPECT_OURS=1 ZMQ_TEST_OUR_LIB="$libdir") ;;
    esac
    log="$out/$name.$mode.log"
    env "${env_extra[@]}" timeout 300 "${run[@]}" >"$log" 2>&1
    rc=$?
    summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
    p=$(echo "$summary" | awk '{print $1}'); f=$(echo "$summary" | awk '{print $3}')
    p=${p:-0}; f=${f:-0}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        # Crashed, timed out, or valgrind found errors: count the binary as one failure.
        f=1
    fi
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$rc" -ne 0 ] || [ "$f" -ne 0 ]; then
        broken+=("$name")
        echo "---- $name ($mode): exit $rc"; cat "$log"
    else
        echo "$name ($mode): $p passed"
    fi
done

[ ${#broken[@]} -eq 0 ] || echo "failing ($mode): ${broken[*]}"
echo "capi-tests ($mode):"
echo "capi-tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
