#!/usr/bin/env bash
# ABI checks of the built library and include/zmq.h against the system libzmq (Debian's 4.3.4
# dev package): constants, prototypes, C layouts, header hygiene, exported symbols, and loading
# in place of the system library. Usage: check.sh LIBDIR (e.g. build/lib).
# Prints one line per check and ends with "abi: N passed, N failed"; exits non-zero on any failure.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
libdir=${1:?usage: check.sh LIBDIR}
if [ ! -e "$libdir/libzmq.so.5" ]; then
    echo "abi: $libdir/libzmq.so.5 not found (run make lib)"
    echo "abi: 0 passed, 1 failed"
    exit 1
fi
for tool in python3 gcc g++ nm readelf; do
    if ! command -v "$tool" >/dev/null; then
        echo "abi: $tool is required (make deps)"
        echo "abi: 0 passed, 1 failed"
        exit 1
    fi
done
if [ ! -f /usr/include/zmq.h ]; then
    echo "abi: the system /usr/include/zmq.h is required (make deps installs libzmq3-dev)"
    echo "abi: 0 passed, 1 failed"
    exit 1
fi
exec python3 "$here/abi_check.py" "$libdir"
