#!/usr/bin/env bash
# `make install-check`: installs into temporary prefixes and checks what a consumer sees:
# the file layout and symlinks, the SONAME, the pkg-config metadata (with and without DRAFT=1),
# and a C program built with `pkg-config --cflags --libs` (dynamic) and with
# `pkg-config --static --libs` against libzmq.a (static), both run.
# Prints one line per check and ends with "install: N passed, N failed"; non-zero exit on failure.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
MAKE=${MAKE:-make}
CC=${CC:-cc}

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
check() { # check "description" command...
    local what=$1; shift
    if "$@" >/dev/null 2>&1; then ok "$what"; else bad "$what"; fi
}

work=$(mktemp -d /tmp/zmq-install-check.XXXXXX)
# `make install` regenerates pkgconfig/libzmq.pc in the tree with the temporary prefix: put the
# tree back as it was afterwards.
pc_tree=pkgconfig/libzmq.pc
pc_saved=""
if [ -e "$pc_tree" ]; then pc_saved="$work/libzmq.pc.saved"; cp -p "$pc_tree" "$pc_saved"; fi
cleanup() {
    if [ -n "$pc_saved" ]; then cp -p "$pc_saved" "$pc_tree"; else rm -f "$pc_tree"; fi
    rm -rf "$work"
}
trap cleanup EXIT

prefix="$work/prefix"
prefix2="$work/prefix-draft"

echo "== make install PREFIX=$prefix"
if $MAKE --no-print-directory install PREFIX="$prefix" >"$work/install.log" 2>&1; then
    ok "make install PREFIX=<tmp> succeeds"
else
    bad "make install PREFIX=<tmp> succeeds"; tail -n 30 "$work/install.log"
    echo "install: $passed passed, $failed failed"
    exit 1
fi

lib="$prefix/lib"
inc="$prefix/include"
echo "== layout"
check "lib/libzmq.so.5.2.5 is a regular file" test -f "$lib/libzmq.so.5.2.5" -a ! -L "$lib/libzmq.so.5.2.5"
soname=$(readelf -d "$lib/libzmq.so.5.2.5" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
if [ "$soname" = "libzmq.so.5" ]; then ok "lib/libzmq.so.5.2.5 has SONAME libzmq.so.5"
else bad "lib/libzmq.so.5.2.5 has SONAME libzmq.so.5 (found '$soname')"; fi
check "lib/libzmq.so.5.2.5 is executable (mode 755)" test -x "$lib/libzmq.so.5.2.5"
if [ -L "$lib/libzmq.so.5" ] && [ "$(readlink "$lib/libzmq.so.5")" = "libzmq.so.5.2.5" ]; then
    ok "lib/libzmq.so.5 -> libzmq.so.5.2.5"
else bad "lib/libzmq.so.5 -> libzmq.so.5.2.5 (found: $(readlink "$lib/libzmq.so.5" 2>/dev/null || echo 'not a symlink'))"; fi
if [ -L "$lib/libzmq.so" ] && [ "$(readlink "$lib/libzmq.so")" = "libzmq.so.5" ]; then
    ok "lib/libzmq.so -> libzmq.so.5"
else bad "lib/libzmq.so -> libzmq.so.5 (found: $(readlink "$lib/libzmq.so" 2>/dev/null || echo 'not a symlink'))"; fi
check "lib/libzmq.a is a regular file" test -f "$lib/libzmq.a" -a ! -L "$lib/libzmq.a"
# readelf, not nm: the archive's objects embed LLVM bitcode (.llvmbc), which nm hands to an
# installed LLVM plugin that may be too old to read it and then lists no symbols.
check "lib/libzmq.a is an ar archive defining zmq_ctx_new" \
    bash -c "readelf -sW '$lib/libzmq.a' 2>/dev/null | grep -Eq ' FUNC +GLOBAL +DEFAULT +[0-9]+ zmq_ctx_new$'"
check "lib/pkgconfig/libzmq.pc exists" test -f "$lib/pkgconfig/libzmq.pc"
check "include/zmq.h exists" test -f "$inc/zmq.h"
check "include/zmq_utils.h exists" test -f "$inc/zmq_utils.h"
check "include/zmq.h is the tree's include/zmq.h" cmp -s "$inc/zmq.h" include/zmq.h
check "include/zmq_utils.h is the tree's include/zmq_utils.h" cmp -s "$inc/zmq_utils.h" include/zmq_utils.h

echo "== pkg-config"
pc() { PKG_CONFIG_PATH="$lib/pkgconfig" PKG_CONFIG_LIBDIR="$lib/pkgconfig" pkg-config "$@" libzmq; }
version=$(pc --modversion 2>&1)
if [ "$version" = "4.3.5" ]; then ok "pkg-config --modversion libzmq = 4.3.5"
else bad "pkg-config --modversion libzmq = 4.3.5 (got '$version')"; fi
libs=$(pc --libs 2>&1)
has_word() { # has_word "words" word
    local w; for w in $1; do [ "$w" = "$2" ] && return 0; done; return 1
}
if has_word "$libs" "-lzmq"; then ok "--libs has -lzmq ($libs)"; else bad "--libs has -lzmq ($libs)"; fi
if has_word "$libs" "-L$lib"; then ok "--libs has -L<prefix>/lib"; else bad "--libs has -L$lib ($libs)"; fi
cflags=$(pc --cflags 2>&1)
if has_word "$cflags" "-I$inc"; then ok "--cflags has -I<prefix>/include ($cflags)"
else bad "--cflags has -I$inc ($cflags)"; fi
case "$cflags" in
    *ZMQ_BUILD_DRAFT_API*) bad "--cflags of a non-draft install has no draft define ($cflags)" ;;
    *) ok "--cflags of a non-draft install has no draft define" ;;
esac
check "pkg-config --exists 'libzmq >= 4.3.5'" \
    env PKG_CONFIG_PATH="$lib/pkgconfig" PKG_CONFIG_LIBDIR="$lib/pkgconfig" pkg-config --exists 'libzmq >= 4.3.5'

echo "== a program built with pkg-config"
cat >"$work/consumer.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include <zmq.h>
int main (void)
{
    int major, minor, patch;
    zmq_version (&major, &minor, &patch);
    void *ctx = zmq_ctx_new ();
    if (!ctx)
        return 2;
    void *s = zmq_socket (ctx, ZMQ_PUB);
    if (!s)
        return 3;
    int type = -1;
    size_t len = sizeof type;
    if (zmq_getsockopt (s, ZMQ_TYPE, &type, &len) != 0 || type != ZMQ_PUB)
        return 4;
    if (zmq_close (s) != 0 || zmq_ctx_term (ctx) != 0)
        return 5;
    printf ("%d.%d.%d\n", major, minor, patch);
    return 0;
}
EOF
# Dynamic: -L<prefix>/lib -lzmq; the run finds the library through LD_LIBRARY_PATH.
if $CC -o "$work/consumer-dyn" "$work/consumer.c" $(pc --cflags) $(pc --libs) >"$work/dyn.log" 2>&1; then
    ok "builds with \$(pkg-config --cflags --libs libzmq)"
    needed=$(readelf -d "$work/consumer-dyn" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
    if has_word "$needed" "libzmq.so.5"; then ok "it records NEEDED libzmq.so.5"
    else bad "it records NEEDED libzmq.so.5 (NEEDED: $needed)"; fi
    out=$(LD_LIBRARY_PATH="$lib" "$work/consumer-dyn" 2>&1)
    rc=$?
    if [ $rc -eq 0 ] && [ "$out" = "4.3.5" ]; then ok "it runs on the installed libzmq.so.5 (4.3.5)"
    else bad "it runs on the installed libzmq.so.5 (exit $rc: $out)"; fi
    resolved=$(LD_LIBRARY_PATH="$lib" ldd "$work/consumer-dyn" | awk '$1 == "libzmq.so.5" {print $3}')
    if [ "$(readlink -f "$resolved")" = "$(readlink -f "$lib/libzmq.so.5.2.5")" ]; then
        ok "the loader resolves libzmq.so.5 to <prefix>/lib/libzmq.so.5.2.5"
    else bad "the loader resolves libzmq.so.5 to <prefix>/lib/libzmq.so.5.2.5 (got '$resolved')"; fi
else
    bad "builds with \$(pkg-config --cflags --libs libzmq)"; cat "$work/dyn.log"
fi

# Static: libzmq.a (forced with -Bstatic) plus what `pkg-config --static --libs` adds.
static_libs=$(pc --static --libs)
static_args=()
for w in $static_libs; do
    if [ "$w" = "-lzmq" ]; then static_args+=(-Wl,-Bstatic -lzmq -Wl,-Bdynamic); else static_args+=("$w"); fi
done
echo "   static link flags: ${static_args[*]}"
if $CC -o "$work/consumer-static" "$work/consumer.c" $(pc --cflags) "${static_args[@]}" >"$work/static.log" 2>&1; then
    ok "links statically against libzmq.a with \$(pkg-config --static --libs libzmq)"
    needed=$(readelf -d "$work/consumer-static" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
    if has_word "$needed" "libzmq.so.5"; then bad "the static binary does not need libzmq.so.5 (NEEDED: $needed)"
    else ok "the static binary does not need libzmq.so.5 (NEEDED: $needed)"; fi
    out=$(env -u LD_LIBRARY_PATH "$work/consumer-static" 2>&1)
    rc=$?
    if [ $rc -eq 0 ] && [ "$out" = "4.3.5" ]; then ok "the static binary runs (4.3.5)"
    else bad "the static binary runs (exit $rc: $out)"; fi
else
    bad "links statically against libzmq.a with \$(pkg-config --static --libs libzmq)"
    grep -E 'undefined reference|error' "$work/static.log" | sort -u | head -n 20
    # Which system libraries does the unresolved code come from? Try the usual suspects.
    for extra in -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc; do
        if $CC -o "$work/consumer-static" "$work/consumer.c" $(pc --cflags) "${static_args[@]}" $extra >/dev/null 2>&1; then
            echo "   note: linking succeeds when $extra is added: Libs.private in pkgconfig/libzmq.pc.in lacks it"
            break
        fi
    done
fi

echo "== make install DRAFT=1 PREFIX=$prefix2"
if $MAKE --no-print-directory install DRAFT=1 PREFIX="$prefix2" >"$work/install2.log" 2>&1; then
    ok "make install DRAFT=1 PREFIX=<tmp2> succeeds"
    cflags2=$(PKG_CONFIG_PATH="$prefix2/lib/pkgconfig" PKG_CONFIG_LIBDIR="$prefix2/lib/pkgconfig" pkg-config --cflags libzmq 2>&1)
    if has_word "$cflags2" "-DZMQ_BUILD_DRAFT_API=1"; then ok "DRAFT=1: --cflags has -DZMQ_BUILD_DRAFT_API=1 ($cflags2)"
    else bad "DRAFT=1: --cflags has -DZMQ_BUILD_DRAFT_API=1 ($cflags2)"; fi
    if has_word "$cflags2" "-I$prefix2/include"; then ok "DRAFT=1: --cflags has -I<tmp2>/include"
    else bad "DRAFT=1: --cflags has -I$prefix2/include ($cflags2)"; fi
    # The draft API is reachable through those Cflags: a draft-only name compiles.
    cat >"$work/draft.c" <<'EOF'
#include <zmq.h>
#ifndef ZMQ_HAVE_POLLER
#error "the draft API is not visible"
#endif
int main (void) { return ZMQ_SERVER == 12 && zmq_poller_new != 0 ? 0 : 1; }
EOF
    pc2() { PKG_CONFIG_PATH="$prefix2/lib/pkgconfig" PKG_CONFIG_LIBDIR="$prefix2/lib/pkgconfig" pkg-config "$@" libzmq; }
    if $CC -o "$work/draft" "$work/draft.c" $(pc2 --cflags) $(pc2 --libs) >"$work/draft.log" 2>&1 \
        && LD_LIBRARY_PATH="$prefix2/lib" "$work/draft"; then
        ok "DRAFT=1: a program using the draft API builds and runs with pkg-config's flags"
    else
        bad "DRAFT=1: a program using the draft API builds and runs with pkg-config's flags"; cat "$work/draft.log"
    fi
    # Without DRAFT the same program must not compile (the header itself never turns drafts on).
    if $CC -o "$work/draft-nd" "$work/draft.c" $(pc --cflags) $(pc --libs) >/dev/null 2>&1; then
        bad "non-draft install: the draft API stays hidden"
    else ok "non-draft install: the draft API stays hidden"; fi
else
    bad "make install DRAFT=1 PREFIX=<tmp2> succeeds"; tail -n 30 "$work/install2.log"
fi

echo "install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
