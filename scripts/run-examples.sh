#!/usr/bin/env bash
# Runs every built example (BINDIR/*), once plainly and once under valgrind memcheck (errors
# or definite/indirect leaks fail it). Each run is one case: it passes when the program exits
# 0 within the time limit. Ends with "examples: N passed, N failed".
set -uo pipefail
bindir=$(cd "${1:?usage: run-examples.sh BINDIR}" && pwd)
logs="$bindir/logs"
mkdir -p "$logs"
passed=0 failed=0 broken=()
for bin in "$bindir"/*; do
    [ -f "$bin" ] && [ -x "$bin" ] || continue
    name=$(basename "$bin")
    for mode in plain valgrind; do
        run=("$bin")
        [ "$mode" = valgrind ] && run=(valgrind -q --error-exitcode=99 --leak-check=full
            --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect "$bin")
        log="$logs/$name.$mode.log"
        timeout 300 "${run[@]}" >"$log" 2>&1
        rc=$?
        if [ "$rc" -eq 0 ]; then
            passed=$((passed + 1)); echo "ok   $name ($mode)"
        else
            failed=$((failed + 1)); broken+=("$name/$mode")
            echo "FAIL $name ($mode): exit $rc"; tail -n 20 "$log"
        fi
    done
done
[ ${#broken[@]} -eq 0 ] || echo "failing: ${broken[*]}"
echo "examples: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
