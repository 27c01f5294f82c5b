#!/usr/bin/env bash
# Runs every test stage of `make test`, keeps going past a failing stage, and ends with one
# line counting all test cases: "make test: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
logs=build/test-logs
mkdir -p "$logs"
stages=(cargo-test header-check abi-check install-check capi-test system-test preload-test cppzmq-test valgrind-test examples-test examples-inject-test interop-test pyzmq-test)
total_p=0 total_f=0 bad=()
for st in "${stages[@]}"; do
    echo "==== $st"
    make --no-print-directory "$st" 2>&1 | tee "$logs/$st.log"
    rc=${PIPESTATUS[0]}
    if [ "$st" = cargo-test ]; then
        p=$(grep -E '^test result:' "$logs/$st.log" | awk '{s += $4} END {print s + 0}')
        f=$(grep -E '^test result:' "$logs/$st.log" | awk '{s += $6} END {print s + 0}')
    else
        line=$(grep -E '^[a-z-]+: [0-9]+ passed, [0-9]+ failed$' "$logs/$st.log" | tail -n 1)
        if [ -n "$line" ]; then
            p=$(echo "$line" | awk '{print $2}'); f=$(echo "$line" | awk '{print $4}')
        else
            # A stage with no case count (the header check) counts as one case.
            p=$([ "$rc" -eq 0 ] && echo 1 || echo 0); f=$([ "$rc" -eq 0 ] && echo 0 || echo 1)
        fi
    fi
    p=${p:-0}; f=${f:-0}
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    [ "$rc" -ne 0 ] && bad+=("$st")
    total_p=$((total_p + p)); total_f=$((total_f + f))
done
[ ${#bad[@]} -eq 0 ] || echo "failed stages: ${bad[*]}"
echo "make test: $total_p passed, $total_f failed"
[ ${#bad[@]} -eq 0 ]
