#!/usr/bin/env bash
# Installs what the build and the tests need on a Debian machine, if it is missing:
# the real libzmq (for ABI and interop comparisons), libsodium (the CURVE tests box by hand),
# valgrind, pkg-config, a C/C++ compiler, python3 with venv and headers (pyzmq-test).
set -euo pipefail
need=()
dpkg -s libzmq3-dev >/dev/null 2>&1 || need+=(libzmq3-dev)
dpkg -s cppzmq-dev >/dev/null 2>&1 || need+=(cppzmq-dev)
dpkg -s libsodium-dev >/dev/null 2>&1 || need+=(libsodium-dev)
command -v valgrind >/dev/null || need+=(valgrind)
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v cc >/dev/null || need+=(gcc)
command -v c++ >/dev/null || need+=(g++)
command -v python3 >/dev/null || need+=(python3)
# pyzmq-test: a venv from Debian's python3, and Python.h to build pyzmq's extension.
dpkg -s python3-venv >/dev/null 2>&1 || need+=(python3-venv)
dpkg -s python3-dev >/dev/null 2>&1 || need+=(python3-dev)
if [ ${#need[@]} -gt 0 ]; then
    echo "ensure-deps: installing ${need[*]}"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
