#!/usr/bin/env python3
"""ABI checks of this library against the system libzmq (Debian's 4.3.4 dev package).

Called by check.sh as `abi_check.py LIBDIR`. Every check prints `ok   ...` or `FAIL ...`; the last
line is `abi: N passed, N failed`, and the exit status is non-zero if anything failed.

Sections:
  1. constants   every ZMQ_* / error macro of the system zmq.h has the same value (and integer type)
                 in ours; draft-only names are absent from a non-draft compile of ours
  2. prototypes  every function the system header declares is declared by ours with a compatible
                 type (C and C++); the declared sets match, plus the 4.3.5 additions
  3. layouts     zmq_msg_t, zmq_pollitem_t, zmq_poller_event_t, zmq_fd_t, the callback types
  4. hygiene     ours compiles warning-free in strict C and C++ modes, twice, with zmq_utils.h
  5. exports     the shared library exports exactly the 97 zmq_* functions, SONAME, no versions
  6. loading     a program built against the system header and library runs on ours when ours
                 is found first (LD_LIBRARY_PATH, LD_PRELOAD)
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

SYS_INC = "/usr/include"
SYS_HDR = os.path.join(SYS_INC, "zmq.h")
SYS_LIB = "/usr/lib/x86_64-linux-gnu/libzmq.so.5"

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
# ABI_OUR_INCLUDE lets the checks be pointed at a modified copy of the headers (to see them fail).
OUR_INC = os.environ.get("ABI_OUR_INCLUDE") or os.path.join(ROOT, "include")
OUR_HDR = os.path.join(OUR_INC, "zmq.h")

CC = os.environ.get("CC", "gcc")
CXX = os.environ.get("CXX", "g++")

# Error macros checked besides the ZMQ_* ones. The POSIX fallbacks are defined by zmq.h only
# when <errno.h> lacks them; on Linux they all come from <errno.h>, and must agree anyway.
ERRNO_FALLBACKS = [
    "ENOTSUP", "EPROTONOSUPPORT", "ENOBUFS", "ENETDOWN", "EADDRINUSE", "EADDRNOTAVAIL",
    "ECONNREFUSED", "EINPROGRESS", "ENOTSOCK", "EMSGSIZE", "EAFNOSUPPORT", "ENETUNREACH",
    "ECONNABORTED", "ECONNRESET", "ENOTCONN", "ETIMEDOUT", "EHOSTUNREACH", "ENETRESET",
]
ZMQ_ERRORS = ["EFSM", "ENOCOMPATPROTO", "ETERM", "EMTHREAD"]

# Documented differences between Debian's 4.3.4 header and 4.3.5 (this library):
# name -> (value in the system 4.3.4 header, value 4.3.5 has and ours must have).
EXCEPTIONS = {
    "ZMQ_VERSION_PATCH": (4, 5),
    "ZMQ_VERSION": (40304, 40305),
    # 4.3.4 gave it 0x3 (= CONN_REFUSED|HANDSHAKE_FAILED), a bug fixed in 4.3.5.
    "ZMQ_RECONNECT_STOP_AFTER_DISCONNECT": (0x3, 0x4),
}

# Functions declared by 4.3.5's header (so by ours) that Debian's 4.3.4 header lacks, with the
# prototype they must have (draft section).
NEW_IN_435 = {
    "zmq_disconnect_peer": "extern int zmq_disconnect_peer (void *, uint32_t);",
    "zmq_ppoll": "extern int zmq_ppoll (zmq_pollitem_t *, int, long int, const sigset_t *);",
}

# The 97 zmq_* functions libzmq 4.3.5 exports in a draft build: 70 stable + 27 draft.
STABLE_EXPORTS = """
zmq_errno zmq_strerror zmq_version
zmq_ctx_new zmq_ctx_term zmq_ctx_shutdown zmq_ctx_set zmq_ctx_get zmq_init zmq_term zmq_ctx_destroy
zmq_msg_init zmq_msg_init_size zmq_msg_init_data zmq_msg_send zmq_msg_recv zmq_msg_close
zmq_msg_move zmq_msg_copy zmq_msg_data zmq_msg_size zmq_msg_more zmq_msg_get zmq_msg_set
zmq_msg_gets
zmq_socket zmq_close zmq_setsockopt zmq_getsockopt zmq_bind zmq_connect zmq_unbind
zmq_disconnect zmq_send zmq_send_const zmq_recv zmq_socket_monitor
zmq_poll zmq_proxy zmq_proxy_steerable zmq_has
zmq_device zmq_sendmsg zmq_recvmsg zmq_sendiov zmq_recviov
zmq_z85_encode zmq_z85_decode zmq_curve_keypair zmq_curve_public
zmq_atomic_counter_new zmq_atomic_counter_set zmq_atomic_counter_inc zmq_atomic_counter_dec
zmq_atomic_counter_value zmq_atomic_counter_destroy
zmq_timers_new zmq_timers_destroy zmq_timers_add zmq_timers_cancel zmq_timers_set_interval
zmq_timers_reset zmq_timers_timeout zmq_timers_execute
zmq_stopwatch_start zmq_stopwatch_intermediate zmq_stopwatch_stop zmq_sleep zmq_threadstart
zmq_threadclose
""".split()
DRAFT_EXPORTS = """
zmq_ctx_set_ext zmq_ctx_get_ext
zmq_join zmq_leave zmq_connect_peer zmq_disconnect_peer
zmq_msg_set_routing_id zmq_msg_routing_id zmq_msg_set_group zmq_msg_group zmq_msg_init_buffer
zmq_poller_new zmq_poller_destroy zmq_poller_size zmq_poller_add zmq_poller_modify
zmq_poller_remove zmq_poller_wait zmq_poller_wait_all zmq_poller_fd zmq_poller_add_fd
zmq_poller_modify_fd zmq_poller_remove_fd
zmq_socket_get_peer_state zmq_socket_monitor_versioned zmq_socket_monitor_pipes_stats zmq_ppoll
""".split()
assert len(STABLE_EXPORTS) == 70 and len(DRAFT_EXPORTS) == 27
assert len(set(STABLE_EXPORTS + DRAFT_EXPORTS)) == 97

passed = 0
failed = 0
failures = []
# Per-section [passed, failed], in order.
sections = {}
current = ["setup"]


def section(title):
    current[0] = title
    sections.setdefault(title, [0, 0])
    print("== " + title)


def ok(what):
    global passed
    passed += 1
    sections.setdefault(current[0], [0, 0])[0] += 1
    print("ok   " + what)


def fail(what, detail=""):
    global failed
    failed += 1
    sections.setdefault(current[0], [0, 0])[1] += 1
    failures.append(what)
    print("FAIL " + what)
    if detail:
        for line in detail.rstrip().splitlines()[:15]:
            print("       " + line)


def check(cond, what, detail=""):
    if cond:
        ok(what)
    else:
        fail(what, detail)
    return cond


def run(cmd, env=None, cwd=None, input_=None):
    p = subprocess.run(cmd, env=env, cwd=cwd, input=input_, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


TMP = tempfile.mkdtemp(prefix="zmq-abi-")


def tmp(name):
    return os.path.join(TMP, name)


def compile_src(src, args, name, lang="c", link=False, libs=()):
    """Compiles (and with link, links) src (text). Returns (ok, diagnostics)."""
    ext = ".c" if lang == "c" else ".cpp"
    path = tmp(name + ext)
    with open(path, "w") as f:
        f.write(src)
    comp = CC if lang == "c" else CXX
    out = tmp(name + (".bin" if link else ".o"))
    cmd = [comp] + args + ([] if link else ["-c"]) + [path, "-o", out] + list(libs)
    rc, so, se = run(cmd)
    return rc == 0, so + se


def batch(items, prelude, args, name, lang="c", label=""):
    """items: list of (check name, code). All are compiled in one file; if that fails, each is
    compiled alone after the prelude so that every failure is attributed to its own item."""
    if not items:
        return
    body = prelude + "\n" + "\n".join(code for _, code in items) + "\n"
    good, diag = compile_src(body, args, name, lang)
    if good:
        for what, _ in items:
            ok(label + what)
        return
    for i, (what, code) in enumerate(items):
        g, d = compile_src(prelude + "\n" + code + "\n", args, "%s_%d" % (name, i), lang)
        if g:
            ok(label + what)
        else:
            errs = [l for l in d.splitlines() if "error" in l] or d.splitlines()
            fail(label + what, "\n".join(errs[:6]))


# ---------------------------------------------------------------------------------------------
# 1. Constants


def macros(header, inc, draft):
    """{name: (params or None, body)} of every macro defined after including header."""
    args = [CC, "-dM", "-E", "-x", "c", "-I" + inc]
    if draft:
        args.append("-DZMQ_BUILD_DRAFT_API")
    rc, so, se = run(args + [header])
    if rc != 0:
        raise SystemExit("abi: cannot preprocess %s:\n%s" % (header, se))
    out = {}
    for line in so.splitlines():
        m = re.match(r"#define (\w+)(\([^)]*\))?(?: (.*))?$", line)
        if m:
            out[m.group(1)] = (m.group(2), (m.group(3) or "").strip())
    return out


def wanted(name):
    if name == "ZMQ_BUILD_DRAFT_API":
        return False
    return name.startswith("ZMQ_") or name in ERRNO_FALLBACKS or name in ZMQ_ERRORS


def classify(params, body):
    if params is not None:
        return "function"
    if body == "":
        return "empty"
    if body.startswith('"'):
        return "string"
    return "int"


def system_int_values(names):
    """Values, sizes and signedness of integer macros, from a program built on the system header."""
    lines = ["#include <stdio.h>", "#include <zmq.h>", "int main (void) {"]
    for n in names:
        lines.append(
            '  printf ("%%s %%lld %%d %%d\\n", "%s", (long long) (%s), (int) sizeof (%s), '
            "(int) ((%s) - (%s) - 1 < 0));" % (n, n, n, n, n))
    lines += ["  return 0;", "}"]
    good, diag = compile_src("\n".join(lines) + "\n",
                             ["-DZMQ_BUILD_DRAFT_API", "-I" + SYS_INC], "sysvals", link=True)
    if not good:
        raise SystemExit("abi: cannot build the system constant dump:\n" + diag)
    rc, so, se = run([tmp("sysvals.bin")])
    vals = {}
    for line in so.splitlines():
        n, v, size, signed = line.split()
        vals[n] = (int(v), int(size), int(signed))
    return vals


def check_constants():
    section("1. constants")
    sys_nd = {n: v for n, v in macros(SYS_HDR, SYS_INC, False).items() if wanted(n)}
    sys_d = {n: v for n, v in macros(SYS_HDR, SYS_INC, True).items() if wanted(n)}
    our_nd = {n: v for n, v in macros(OUR_HDR, OUR_INC, False).items() if wanted(n)}
    our_d = {n: v for n, v in macros(OUR_HDR, OUR_INC, True).items() if wanted(n)}
    draft_only = sorted(set(sys_d) - set(sys_nd))
    print("   system header: %d names without drafts, %d draft-only" % (len(sys_nd), len(draft_only)))
    for n in ERRNO_FALLBACKS + ZMQ_ERRORS + ["ZMQ_HAUSNUMERO"]:
        if n not in sys_d:
            fail("system header defines %s (the extraction is broken)" % n)

    kinds = {n: classify(*sys_d[n]) for n in sys_d}
    ints = sorted(n for n in sys_d if kinds[n] == "int")
    vals = system_int_values(ints)
    # The exception list must describe the system header as it is, or it hides nothing real.
    for n, (old, new) in sorted(EXCEPTIONS.items()):
        check(n in vals and vals[n][0] == old,
              "exception %s: the system 4.3.4 header has %d (4.3.5 and ours: %d)" % (n, old, new),
              "system value: %s" % (vals[n][0] if n in vals else "undefined"))

    # Nothing beyond libzmq's names: every macro our header adds to what the system header
    # (and the system headers both include) defines must be a known 4.3.5 addition.
    added_435 = {"ZMQ_BUSY_POLL", "ZMQ_HICCUP_MSG", "ZMQ_XSUB_VERBOSE_UNSUBSCRIBE",
                 "ZMQ_TOPICS_COUNT", "ZMQ_NORM_MODE", "ZMQ_NORM_UNICAST_NACK",
                 "ZMQ_NORM_BUFFER_SIZE", "ZMQ_NORM_SEGMENT_SIZE", "ZMQ_NORM_BLOCK_SIZE",
                 "ZMQ_NORM_NUM_PARITY", "ZMQ_NORM_NUM_AUTOPARITY", "ZMQ_NORM_PUSH",
                 "ZMQ_NORM_FIXED", "ZMQ_NORM_CC", "ZMQ_NORM_CCL", "ZMQ_NORM_CCE",
                 "ZMQ_NORM_CCE_ECNONLY"}
    # 4.3.5's header includes <signal.h> (for zmq_ppoll), which 4.3.4's does not.
    libc_hdr = tmp("libc_includes.h")
    with open(libc_hdr, "w") as f:
        f.write("".join("#include <%s>\n" % h
                        for h in ("errno.h", "stddef.h", "stdio.h", "stdint.h", "signal.h")))
    extra = sorted(set(macros(OUR_HDR, OUR_INC, True)) - set(macros(SYS_HDR, SYS_INC, True))
                   - set(macros(libc_hdr, SYS_INC, False)) - added_435)
    check(not extra, "our header defines no macro beyond libzmq 4.3.5's",
          "unexpected: " + ", ".join(extra[:20]))

    def items_for(names):
        items = []
        for n in names:
            kind = kinds[n]
            presence = '#ifndef %s\n#error "%s is not defined"\n#endif' % (n, n)
            if kind == "int":
                v, size, signed = vals[n]
                if n in EXCEPTIONS:
                    v = EXCEPTIONS[n][1]
                code = (presence +
                        '\n_Static_assert ((long long) (%s) == %dLL, "%s value");'
                        '\n_Static_assert (sizeof (%s) == %d, "%s size");'
                        '\n_Static_assert ((int) ((%s) - (%s) - 1 < 0) == %d, "%s signedness");'
                        % (n, v, n, n, size, n, n, n, signed, n))
                what = "%s == %d%s" % (n, v, " (4.3.5 value, not 4.3.4's)" if n in EXCEPTIONS else "")
            elif kind == "function":
                # Only ZMQ_MAKE_VERSION: checked on sample arguments.
                samples = [(4, 3, 5, 40305), (1, 2, 3, 10203), (0, 0, 0, 0), (12, 34, 56, 123456)]
                code = presence + "\n" + "\n".join(
                    '_Static_assert (%s (%d, %d, %d) == %d, "%s (%d, %d, %d)");'
                    % (n, a, b, c, r, n, a, b, c) for a, b, c, r in samples)
                what = "%s (function-like, on sample arguments)" % n
            elif kind == "string":
                code = presence + "\nstatic const char abi_str_%s[] = %s;" % (n, n)
                what = "%s is defined (value compared at run time)" % n
            else:
                code = presence
                what = "%s is defined (empty macro)" % n
            items.append((what, code))
        return items

    prelude = "#include <zmq.h>\n#include <string.h>\n"
    nd_names = sorted(sys_nd)
    batch(items_for(nd_names), prelude, ["-std=gnu11", "-I" + OUR_INC], "const_nd",
          label="[non-draft] ")
    batch(items_for(sorted(sys_d)), prelude,
          ["-std=gnu11", "-DZMQ_BUILD_DRAFT_API", "-I" + OUR_INC], "const_d", label="[draft] ")

    # String macros: compared with strcmp at run time.
    strings = sorted(n for n in sys_d if kinds[n] == "string")
    if strings:
        lines = ["#include <stdio.h>", "#include <string.h>", "#include <zmq.h>", "int main (void) {",
                 "  int bad = 0;"]
        for n in strings:
            lines.append('  if (strcmp (%s, %s) != 0) { printf ("%s\\n"); bad++; }'
                         % (n, sys_d[n][1], n))
        lines += ["  return bad != 0;", "}"]
        good, diag = compile_src("\n".join(lines) + "\n",
                                 ["-DZMQ_BUILD_DRAFT_API", "-I" + OUR_INC], "strings", link=True)
        rc, so, se = run([tmp("strings.bin")]) if good else (1, diag, "")
        bad = set(so.split()) if good else set(strings)
        for n in strings:
            check(n not in bad, "%s == %s (strcmp)" % (n, sys_d[n][1]), so if not good else "")

    # Draft-only names must not be defined by a non-draft compile of ours.
    items = [("%s is not defined without ZMQ_BUILD_DRAFT_API" % n,
              '#ifdef %s\n#error "%s is defined without ZMQ_BUILD_DRAFT_API"\n#endif' % (n, n))
             for n in draft_only]
    batch(items, "#include <zmq.h>\n", ["-std=gnu11", "-I" + OUR_INC], "const_nodraft")

    # ZMQ_EXPORT: upstream #undefs it at the end of zmq.h; ours must leave the same state.
    sys_has_export = "ZMQ_EXPORT" in macros(SYS_HDR, SYS_INC, True)
    our_has_export = "ZMQ_EXPORT" in macros(OUR_HDR, OUR_INC, True)
    check(sys_has_export == our_has_export,
          "ZMQ_EXPORT is %s after including zmq.h, as in the system header"
          % ("defined" if sys_has_export else "#undef'd"))

    # Informational: what ours defines beyond the 4.3.4 header (new in 4.3.5).
    extra_nd = sorted(set(our_nd) - set(sys_nd) - set(sys_d))
    extra_d = sorted(set(our_d) - set(our_nd) - set(sys_d))
    if extra_nd:
        print("   note: ours also defines (non-draft, not in 4.3.4): " + " ".join(extra_nd))
    if extra_d:
        print("   note: ours also defines (draft, not in 4.3.4): " + " ".join(extra_d))
    return draft_only


# ---------------------------------------------------------------------------------------------
# 2. Prototypes


def prototypes(inc, draft, hdr_path):
    """{name: normalized declaration} of the zmq_* functions hdr_path declares (gcc -aux-info)."""
    src = tmp("aux_src.c")
    with open(src, "w") as f:
        f.write("#include <zmq.h>\n")
    aux = tmp("aux.txt")
    args = [CC, "-std=gnu11", "-I" + inc, "-aux-info", aux, "-c", src, "-o", tmp("aux.o")]
    if draft:
        args.insert(1, "-DZMQ_BUILD_DRAFT_API")
    rc, so, se = run(args)
    if rc != 0:
        raise SystemExit("abi: gcc -aux-info failed on %s:\n%s" % (hdr_path, se))
    out = {}
    real = os.path.realpath(hdr_path)
    with open(aux) as f:
        for line in f:
            m = re.match(r"/\* (\S+):\d+:\w+ \*/ (extern [^(]*?\b(zmq_\w+) \(.*\);)$", line.strip())
            if m and os.path.realpath(m.group(1)) == real:
                out[m.group(3)] = m.group(2)
    return out


def check_prototypes():
    section("2. prototypes")
    sys_d = prototypes(SYS_INC, True, SYS_HDR)
    sys_nd = prototypes(SYS_INC, False, SYS_HDR)
    our_d = prototypes(OUR_INC, True, OUR_HDR)
    our_nd = prototypes(OUR_INC, False, OUR_HDR)
    print("   system header declares %d functions (%d without drafts); ours %d (%d)"
          % (len(sys_d), len(sys_nd), len(our_d), len(our_nd)))

    # The declared sets.
    want_d = set(sys_d) | set(NEW_IN_435)
    check(set(our_d) == want_d,
          "draft compile of ours declares exactly the system's %d functions + %s"
          % (len(sys_d), ", ".join(sorted(NEW_IN_435))),
          "missing: %s\nextra: %s" % (" ".join(sorted(want_d - set(our_d))),
                                      " ".join(sorted(set(our_d) - want_d))))
    check(set(our_nd) == set(sys_nd),
          "non-draft compile of ours declares exactly the system's %d non-draft functions"
          % len(sys_nd),
          "missing: %s\nextra (draft functions leaking?): %s"
          % (" ".join(sorted(set(sys_nd) - set(our_nd))), " ".join(sorted(set(our_nd) - set(sys_nd)))))
    check(set(our_d) == set(STABLE_EXPORTS) | set(DRAFT_EXPORTS),
          "ours declares exactly the 97 functions of 4.3.5 (with drafts)",
          "missing: %s\nextra: %s"
          % (" ".join(sorted(set(STABLE_EXPORTS + DRAFT_EXPORTS) - set(our_d))),
             " ".join(sorted(set(our_d) - set(STABLE_EXPORTS + DRAFT_EXPORTS)))))
    check(set(our_nd) == set(STABLE_EXPORTS),
          "non-draft compile of ours declares exactly the 70 stable functions",
          "missing: %s\nextra: %s" % (" ".join(sorted(set(STABLE_EXPORTS) - set(our_nd))),
                                       " ".join(sorted(set(our_nd) - set(STABLE_EXPORTS)))))

    protos = dict(sys_d)
    protos.update(NEW_IN_435)
    # (a) the function is declared: take its address; (b) redeclare with the system's prototype:
    # an incompatible redeclaration is a compile error.
    c_items, cxx_items = [], []
    for n in sorted(protos):
        decl = protos[n]
        c_items.append(("%s: %s" % (n, decl[len("extern "):]),
                        "__typeof__ (%s) *abi_p_%s = %s;\n%s" % (n, n, n, decl)))
        cxx_items.append(("%s: %s" % (n, decl[len("extern "):]),
                          "__typeof__ (%s) *abi_p_%s = %s;\nextern \"C\" %s"
                          % (n, n, n, decl[len("extern "):])))
    prelude = "#include <zmq.h>\n"
    batch(c_items, prelude, ["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-DZMQ_BUILD_DRAFT_API",
                             "-I" + OUR_INC], "proto_c", label="[C] ")
    batch(cxx_items, prelude, ["-std=gnu++11", "-Wall", "-Wextra", "-Werror",
                               "-DZMQ_BUILD_DRAFT_API", "-I" + OUR_INC], "proto_cxx", "c++",
          label="[C++] ")

    # Draft-only functions and types are not declared by a non-draft compile of ours: declaring
    # the name as a typedef conflicts with any earlier declaration of it.
    rc, plain, _ = run([CC, "-E", "-P", "-I" + SYS_INC, SYS_HDR])
    rc2, drafted, _ = run([CC, "-E", "-P", "-DZMQ_BUILD_DRAFT_API", "-I" + SYS_INC, SYS_HDR])
    ids = lambda text: set(re.findall(r"\bzmq_\w+\b", text))
    draft_ids = sorted((ids(drafted) - ids(plain)) | set(NEW_IN_435))
    items = [("%s is not declared without ZMQ_BUILD_DRAFT_API" % n, "typedef int %s;" % n)
             for n in draft_ids]
    batch(items, "#include <zmq.h>\n", ["-std=gnu11", "-I" + OUR_INC], "proto_nodraft")


# ---------------------------------------------------------------------------------------------
# 3. Layouts

LAYOUT_ITEMS = [
    ("sizeof (zmq_msg_t) == 64", '_Static_assert (sizeof (zmq_msg_t) == 64, "");'),
    ("_Alignof (zmq_msg_t) == 8", '_Static_assert (_Alignof (zmq_msg_t) == 8, "");'),
    ("sizeof (zmq_pollitem_t) == 16", '_Static_assert (sizeof (zmq_pollitem_t) == 16, "");'),
    ("_Alignof (zmq_pollitem_t) == 8", '_Static_assert (_Alignof (zmq_pollitem_t) == 8, "");'),
    ("offsetof (zmq_pollitem_t, socket) == 0",
     '_Static_assert (offsetof (zmq_pollitem_t, socket) == 0, "");'),
    ("offsetof (zmq_pollitem_t, fd) == 8",
     '_Static_assert (offsetof (zmq_pollitem_t, fd) == 8, "");'),
    ("offsetof (zmq_pollitem_t, events) == 12",
     '_Static_assert (offsetof (zmq_pollitem_t, events) == 12, "");'),
    ("offsetof (zmq_pollitem_t, revents) == 14",
     '_Static_assert (offsetof (zmq_pollitem_t, revents) == 14, "");'),
    ("zmq_pollitem_t members: void *socket, zmq_fd_t fd, short events, short revents",
     "_Static_assert (__builtin_types_compatible_p (__typeof__ (((zmq_pollitem_t *) 0)->socket), void *), \"\");\n"
     "_Static_assert (__builtin_types_compatible_p (__typeof__ (((zmq_pollitem_t *) 0)->fd), zmq_fd_t), \"\");\n"
     "_Static_assert (__builtin_types_compatible_p (__typeof__ (((zmq_pollitem_t *) 0)->events), short), \"\");\n"
     "_Static_assert (__builtin_types_compatible_p (__typeof__ (((zmq_pollitem_t *) 0)->revents), short), \"\");"),
    ("sizeof (zmq_poller_event_t) == 32 (draft)",
     '_Static_assert (sizeof (zmq_poller_event_t) == 32, "");'),
    ("_Alignof (zmq_poller_event_t) == 8 (draft)",
     '_Static_assert (_Alignof (zmq_poller_event_t) == 8, "");'),
    ("offsetof (zmq_poller_event_t, socket/fd/user_data/events) == 0/8/16/24 (draft)",
     '_Static_assert (offsetof (zmq_poller_event_t, socket) == 0, "");\n'
     '_Static_assert (offsetof (zmq_poller_event_t, fd) == 8, "");\n'
     '_Static_assert (offsetof (zmq_poller_event_t, user_data) == 16, "");\n'
     '_Static_assert (offsetof (zmq_poller_event_t, events) == 24, "");'),
    ("zmq_poller_event_t members: void *socket, zmq_fd_t fd, void *user_data, short events",
     "_Static_assert (__builtin_types_compatible_p (__typeof__ (((zmq_poller_event_t *) 0)->socket), void *), \"\");\n"
     "_Static_assert (__builtin_types_compatible_p (__typeof__ (((zmq_poller_event_t *) 0)->fd), zmq_fd_t), \"\");\n"
     "_Static_assert (__builtin_types_compatible_p (__typeof__ (((zmq_poller_event_t *) 0)->user_data), void *), \"\");\n"
     "_Static_assert (__builtin_types_compatible_p (__typeof__ (((zmq_poller_event_t *) 0)->events), short), \"\");"),
    ("zmq_fd_t is int", '_Static_assert (__builtin_types_compatible_p (zmq_fd_t, int), "");'),
    ("zmq_free_fn is the function type void (void *, void *)",
     "static void abi_free (void *data, void *hint) { (void) data; (void) hint; }\n"
     "zmq_free_fn *abi_free_p = abi_free;\n"
     '_Static_assert (__builtin_types_compatible_p (zmq_free_fn *, void (*) (void *, void *)), "");\n'
     '_Static_assert (__builtin_types_compatible_p (zmq_free_fn, void (void *, void *)), "");'),
    ("zmq_timer_fn is the function type void (int, void *)",
     "static void abi_timer (int id, void *arg) { (void) id; (void) arg; }\n"
     "zmq_timer_fn *abi_timer_p = abi_timer;\n"
     '_Static_assert (__builtin_types_compatible_p (zmq_timer_fn *, void (*) (int, void *)), "");\n'
     '_Static_assert (__builtin_types_compatible_p (zmq_timer_fn, void (int, void *)), "");'),
    ("zmq_thread_fn is the function type void (void *)",
     "static void abi_thread (void *arg) { (void) arg; }\n"
     "zmq_thread_fn *abi_thread_p = abi_thread;\n"
     '_Static_assert (__builtin_types_compatible_p (zmq_thread_fn *, void (*) (void *)), "");\n'
     '_Static_assert (__builtin_types_compatible_p (zmq_thread_fn, void (void *)), "");'),
]

LAYOUT_CXX = """
#include <zmq.h>
#include <cstddef>
static_assert (sizeof (zmq_msg_t) == 64, "zmq_msg_t size");
static_assert (alignof (zmq_msg_t) == 8, "zmq_msg_t alignment");
static_assert (sizeof (zmq_pollitem_t) == 16, "zmq_pollitem_t size");
static_assert (offsetof (zmq_pollitem_t, socket) == 0, "socket");
static_assert (offsetof (zmq_pollitem_t, fd) == 8, "fd");
static_assert (offsetof (zmq_pollitem_t, events) == 12, "events");
static_assert (offsetof (zmq_pollitem_t, revents) == 14, "revents");
static_assert (sizeof (zmq_poller_event_t) == 32, "zmq_poller_event_t size");
static_assert (offsetof (zmq_poller_event_t, user_data) == 16, "user_data");
static_assert (offsetof (zmq_poller_event_t, events) == 24, "events");
"""


def check_layouts():
    section("3. layouts")
    prelude = "#include <stddef.h>\n#include <zmq.h>\n"
    batch(LAYOUT_ITEMS, prelude,
          ["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-DZMQ_BUILD_DRAFT_API", "-I" + OUR_INC],
          "layout")
    good, diag = compile_src(LAYOUT_CXX, ["-std=c++11", "-Wall", "-Werror", "-DZMQ_BUILD_DRAFT_API",
                                          "-I" + OUR_INC], "layout_cxx", "c++")
    check(good, "the same layouts as seen by C++ (g++ -std=c++11)", diag)
    # The same facts on the system header, so a wrong expectation here shows up as a
    # disagreement with libzmq rather than a pass.
    batch(LAYOUT_ITEMS, prelude,
          ["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-DZMQ_BUILD_DRAFT_API", "-I" + SYS_INC],
          "layout_sys", label="[system header agrees] ")


# ---------------------------------------------------------------------------------------------
# 4. Header hygiene

HYGIENE = [
    ("C99 -pedantic, non-draft", "c",
     ["-std=c99", "-pedantic", "-Wall", "-Wextra", "-Werror", "-Wstrict-prototypes", "-Wundef"]),
    # C89 has no // comments: a "#endif // x" line is a warning even without -pedantic.
    ("C89 -pedantic, non-draft", "c", ["-std=c89", "-pedantic", "-Wall", "-Wextra", "-Werror"]),
    ("C89 -pedantic + _POSIX_C_SOURCE, draft", "c",
     ["-std=c89", "-pedantic", "-D_POSIX_C_SOURCE=200809L", "-DZMQ_BUILD_DRAFT_API", "-Wall",
      "-Wextra", "-Werror"]),
    ("gnu11, draft", "c",
     ["-std=gnu11", "-DZMQ_BUILD_DRAFT_API", "-pedantic", "-Wall", "-Wextra", "-Werror",
      "-Wstrict-prototypes", "-Wundef"]),
    ("C11 + _POSIX_C_SOURCE, draft", "c",
     ["-std=c11", "-D_POSIX_C_SOURCE=200809L", "-DZMQ_BUILD_DRAFT_API", "-pedantic", "-Wall",
      "-Wextra", "-Werror"]),
    ("C++98, non-draft", "c++", ["-std=c++98", "-pedantic", "-Wall", "-Wextra", "-Werror"]),
    ("C++98, draft", "c++", ["-std=c++98", "-DZMQ_BUILD_DRAFT_API", "-Wall", "-Wextra", "-Werror"]),
    ("C++11, non-draft", "c++", ["-std=c++11", "-pedantic", "-Wall", "-Wextra", "-Werror"]),
    ("C++11, draft", "c++",
     ["-std=c++11", "-DZMQ_BUILD_DRAFT_API", "-pedantic", "-Wall", "-Wextra", "-Werror"]),
    ("C++17, draft, -Wold-style-cast", "c++",
     ["-std=c++17", "-DZMQ_BUILD_DRAFT_API", "-pedantic", "-Wall", "-Wextra", "-Werror",
      "-Wold-style-cast"]),
]

HYGIENE_SOURCES = [
    ("zmq.h", "#include <zmq.h>\n"),
    ("zmq.h twice", "#include <zmq.h>\n#include <zmq.h>\n"),
    ("zmq.h + zmq_utils.h", "#include <zmq.h>\n#include <zmq_utils.h>\n"),
    ("zmq_utils.h + zmq.h", "#include <zmq_utils.h>\n#include <zmq.h>\n"),
]


def check_hygiene():
    section("4. header hygiene")
    n = 0
    for what, lang, flags in HYGIENE:
        for sname, src in HYGIENE_SOURCES:
            src = src + "int main (void) { return 0; }\n"
            n += 1
            sys_good, _ = compile_src(src, flags + ["-I" + SYS_INC], "hyg_sys_%d" % n, lang)
            good, diag = compile_src(src, flags + ["-I" + OUR_INC], "hyg_%d" % n, lang)
            note = "" if sys_good else " (the system header fails this too)"
            check(good, "%s: %s%s" % (what, sname, note), diag)


# ---------------------------------------------------------------------------------------------
# 5. Exports


def defined_dynsyms(lib):
    rc, so, se = run(["nm", "-D", "--defined-only", lib])
    if rc != 0:
        raise SystemExit("abi: nm failed on %s: %s" % (lib, se))
    syms = []
    for line in so.splitlines():
        parts = line.split()
        if len(parts) >= 3:
            syms.append((parts[1], parts[2]))
        elif len(parts) == 2:
            syms.append((parts[0], parts[1]))
    return syms


def check_exports(lib):
    section("5. exports")
    if not check(os.path.isfile(lib), "%s exists" % lib):
        return
    syms = defined_dynsyms(lib)
    names = [n for _, n in syms]
    expected = set(STABLE_EXPORTS) | set(DRAFT_EXPORTS)
    extra = sorted(set(names) - expected)
    check(not extra, "exports nothing but zmq_* API functions (%d defined dynamic symbols)"
          % len(names), "extra: " + " ".join(extra))
    for n in STABLE_EXPORTS:
        check(n in names, "exports %s" % n)
    for n in DRAFT_EXPORTS:
        check(n in names, "exports %s (draft)" % n)
    not_func = sorted(n for t, n in syms if n in expected and t not in ("T", "t", "i"))
    check(not not_func, "every export is a function (nm type T)", " ".join(not_func))
    check(len(names) == len(set(names)) == 97, "exactly 97 defined dynamic symbols",
          "found %d" % len(names))

    rc, dyn, _ = run(["readelf", "-d", "-W", lib])
    m = re.search(r"\(SONAME\)\s+Library soname: \[([^\]]+)\]", dyn)
    check(m is not None and m.group(1) == "libzmq.so.5", "SONAME is libzmq.so.5",
          "found: %s" % (m.group(1) if m else "none"))
    rc, sections, _ = run(["readelf", "-S", "-W", lib])
    check(".gnu.version_d" not in sections, "no .gnu.version_d section (no version definitions)")
    rc, ver, _ = run(["readelf", "-V", "-W", lib])
    check("Version definition section" not in ver, "readelf -V shows no version definitions",
          ver)
    rc, dsyms, _ = run(["readelf", "--dyn-syms", "-W", lib])
    versioned = sorted(set(re.findall(r"\b(zmq_\w+)@", dsyms)))
    check(not versioned, "zmq_* symbols carry no symbol version", " ".join(versioned))

    if os.path.exists(SYS_LIB):
        sys_names = {n for _, n in defined_dynsyms(SYS_LIB) if n.startswith("zmq_")}
        missing = sorted(sys_names - set(names))
        check(not missing, "every zmq_* symbol the system libzmq exports (%d) is exported"
              % len(sys_names), "missing: " + " ".join(missing))
    else:
        fail("system libzmq %s is missing (run make deps)" % SYS_LIB)


# ---------------------------------------------------------------------------------------------
# 6. Loading in place of the system library

LOADER = r"""
#include <stdio.h>
#include <string.h>
#include <zmq.h>
int main (void)
{
    int major, minor, patch;
    zmq_version (&major, &minor, &patch);
    printf ("version %d.%d.%d\n", major, minor, patch);
    /* Make a context and a socket, so that real calls go through the library. */
    void *ctx = zmq_ctx_new ();
    void *s = ctx ? zmq_socket (ctx, ZMQ_PUB) : NULL;
    printf ("socket %s\n", s ? "ok" : "failed");
    if (s)
        zmq_close (s);
    if (ctx)
        zmq_ctx_term (ctx);
    FILE *maps = fopen ("/proc/self/maps", "r");
    char line[4096];
    while (maps && fgets (line, sizeof line, maps)) {
        char *p = strchr (line, '/');
        if (p && strstr (p, "libzmq.so"))
            printf ("map %s", p);
    }
    if (maps)
        fclose (maps);
    return 0;
}
"""


def check_loading(libdir):
    section("6. loading in place of the system library")
    good, diag = compile_src(LOADER, ["-std=gnu11", "-I" + SYS_INC], "loader", link=True,
                             libs=["-lzmq"])
    if not check(good, "a program builds against the system zmq.h and -lzmq (no rpath)", diag):
        return
    binary = tmp("loader.bin")
    rc, needed, _ = run(["readelf", "-d", binary])
    check("libzmq.so.5" in needed and "RPATH" not in needed and "RUNPATH" not in needed,
          "it records NEEDED libzmq.so.5 and no rpath")
    ours = os.path.realpath(os.path.join(libdir, "libzmq.so.5"))
    ourdir = os.path.realpath(libdir)
    base = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "LD_PRELOAD")}

    def served(env, label, want_ours):
        rc, so, se = run([binary], env=env)
        maps = [l[4:].strip() for l in so.splitlines() if l.startswith("map ")]
        version = next((l.split()[1] for l in so.splitlines() if l.startswith("version ")), "?")
        on_ours = any(os.path.realpath(m) == ours or os.path.dirname(os.path.realpath(m)) == ourdir
                      for m in maps)
        sock_ok = "socket ok" in so
        if want_ours:
            check(rc == 0 and version == "4.3.5" and on_ours and sock_ok,
                  "%s: reports 4.3.5, maps our %s, makes a socket" % (label, ours),
                  "exit %d\n%s%s" % (rc, so, se))
        else:
            check(rc == 0 and version == "4.3.4" and not on_ours and sock_ok,
                  "%s: reports the system's 4.3.4 and maps no library of ours" % label,
                  "exit %d\n%s%s" % (rc, so, se))

    served(base, "without LD_LIBRARY_PATH/LD_PRELOAD", False)
    served(dict(base, LD_LIBRARY_PATH=ourdir), "LD_LIBRARY_PATH=%s" % libdir, True)
    served(dict(base, LD_PRELOAD=os.path.join(ourdir, "libzmq.so.5")),
           "LD_PRELOAD=%s/libzmq.so.5" % libdir, True)


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: abi_check.py LIBDIR")
    libdir = sys.argv[1]
    for p in (SYS_HDR, OUR_HDR):
        if not os.path.exists(p):
            raise SystemExit("abi: %s is missing" % p)
    try:
        check_constants()
        check_prototypes()
        check_layouts()
        check_hygiene()
        check_exports(os.path.join(libdir, "libzmq.so.5"))
        check_loading(libdir)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    print("== summary")
    for title, (p, f) in sections.items():
        print("   %-45s %4d passed, %d failed" % (title, p, f))
    if failures:
        print("abi: failing checks:")
        for f in failures:
            print("  - " + f)
    print("abi: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
