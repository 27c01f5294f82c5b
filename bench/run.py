#!/usr/bin/env python3
"""Benchmark runner: Debian's libzmq vs ours, side by side.

Compiles bench/*.c once against the SYSTEM zmq.h and libzmq, then runs every case with the system
library ("libzmq") and with LD_LIBRARY_PATH=<--lib> ("ours"), alternating A, B, A, B, ... and
compares medians. Every run must prove which library it loaded (zmq_version and the libzmq.so path
from /proc/self/maps); a wrong library, a crash, a hang or a nonzero exit fails the whole run
(exit status 1) -- a ratio that misses the bar is reported, never enforced.

Outputs (in --out, default target/bench): results.csv, results.md, runs.csv (every single run),
ratio.png (via matplotlib in the venv build/bench-venv; skipped with a warning if unavailable).

Standard library only.
"""

import argparse
import csv
import datetime
import os
import platform
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH_DIR = os.path.join(ROOT, "bench")
SYSTEM_LIBDIR = "/usr/lib/x86_64-linux-gnu"
RUN_TIMEOUT_S = 90  # the programs arm a 60 s watchdog themselves; this is the backstop

KB, MB = 1024, 1024 * 1024


def size_label(n):
    if n >= MB and n % MB == 0:
        return "%dMiB" % (n // MB)
    if n >= KB and n % KB == 0:
        return "%dKiB" % (n // KB)
    return "%dB" % n


class Metric:
    def __init__(self, key, name, unit, higher_is_better, plot=True):
        self.key, self.name, self.unit = key, name, unit
        self.higher_is_better, self.plot = higher_is_better, plot


class Case:
    """One program invocation, measured R times per library; yields one or more metrics."""

    def __init__(self, case, transport, size, prog, args, metrics):
        self.case, self.transport, self.size = case, transport, size
        self.prog, self.args, self.metrics = prog, [str(a) for a in args], metrics

    @property
    def label(self):
        parts = [self.case, self.transport]
        if self.size is not None:
            parts.append(size_label(self.size))
        return " ".join(p for p in parts if p)


M_THR = [Metric("msgs_per_s", "throughput", "msg/s", True),
         Metric("mbit_per_s", "bandwidth", "Mb/s", True, plot=False)]
M_LAT = [Metric("latency_us", "latency (one-way)", "us", False)]
M_PUBSUB = [Metric("msgs_per_s", "per-subscriber rate", "msg/s", True)]
M_PROXY = [Metric("latency_us", "round trip via proxy", "us", False)]
M_CONN = [Metric("conns_per_s", "connection rate", "conn/s", True)]
M_MEM = [Metric("rss_kib", "peak RSS", "KiB", False),
         Metric("delta_kib", "peak RSS - baseline", "KiB", False, plot=False)]


def build_cases(quick):
    cases = []
    transports = ["inproc", "ipc", "tcp"]
    # Counts per (transport, size), calibrated so one run takes roughly 0.2-1.5 s here.
    if quick:
        thr = {"inproc": {64: 1_000_000, 1024: 500_000, 65536: 100_000},
               "ipc": {64: 500_000, 1024: 200_000, 65536: 5_000},
               "tcp": {64: 500_000, 1024: 200_000, 65536: 5_000, MB: 300}}
        lat = {"inproc": {64: 2_000, 1024: 2_000, 65536: 1_000},
               "ipc": {64: 2_000, 1024: 2_000, 65536: 1_000},
               "tcp": {64: 2_000, 1024: 2_000, 65536: 1_000}}
    else:
        # Throughput runs take about 1 s each: shorter ones are swayed by start-up and by
        # this VM's scheduling from one run to the next.
        thr = {"inproc": {1: 8_000_000, 64: 5_000_000, 1024: 3_000_000, 65536: 800_000, MB: 100_000},
               "ipc": {1: 3_000_000, 64: 2_500_000, 1024: 1_000_000, 65536: 25_000, MB: 2_000},
               "tcp": {1: 3_500_000, 64: 2_500_000, 1024: 800_000, 65536: 30_000, MB: 2_000}}
        lat = {"inproc": {1: 5_000, 64: 5_000, 1024: 5_000, 65536: 5_000, MB: 2_000},
               "ipc": {1: 4_000, 64: 4_000, 1024: 4_000, 65536: 3_000, MB: 600},
               "tcp": {1: 5_000, 64: 5_000, 1024: 5_000, 65536: 2_500, MB: 600}}
    for t in transports:
        for size, count in thr[t].items():
            cases.append(Case("throughput", t, size, "thr", [t, size, count], M_THR))
    for t in transports:
        for size, count in lat[t].items():
            cases.append(Case("latency", t, size, "lat", [t, size, count], M_LAT))
    pub = ({("inproc", 64): 50_000, ("inproc", 1024): 50_000, ("tcp", 64): 30_000, ("tcp", 1024): 20_000}
           if quick else
           {("inproc", 64): 300_000, ("inproc", 1024): 300_000, ("tcp", 64): 200_000, ("tcp", 1024): 100_000})
    for (t, size), count in pub.items():
        cases.append(Case("pubsub-4sub", t, size, "pubsub", [t, size, count, 4], M_PUBSUB))
    proxy = {"inproc": 2_000, "tcp": 1_000} if quick else {"inproc": 10_000, "tcp": 4_000}
    for t, count in proxy.items():
        cases.append(Case("proxy-hop", t, 64, "proxy", [t, 64, count], M_PROXY))
    cases.append(Case("connect", "tcp", None, "conn", [50 if quick else 200], M_CONN))
    cases.append(Case("mem-queue-10k-1KiB", "inproc", KB, "mem", ["queue", "inproc", 10_000, KB], M_MEM))
    cases.append(Case("mem-queue-10k-1KiB", "tcp", KB, "mem", ["queue", "tcp", 10_000, KB], M_MEM))
    cases.append(Case("mem-1000-conns", "tcp", None, "mem", ["conns", 1000], M_MEM))
    cases.append(Case("mem-10k-idle-sockets", "", None, "mem", ["idle", 10_000], M_MEM))
    return cases


def compile_programs(bindir):
    os.makedirs(bindir, exist_ok=True)
    env = dict(os.environ)
    for var in ("CPATH", "C_INCLUDE_PATH", "LIBRARY_PATH", "LD_LIBRARY_PATH"):
        env.pop(var, None)
    sources = sorted(f for f in os.listdir(BENCH_DIR) if f.endswith(".c"))
    for src in sources:
        prog = os.path.join(bindir, src[:-2])
        srcpath = os.path.join(BENCH_DIR, src)
        cmd = ["gcc", "-O2", "-Wall", "-Wextra", "-pthread", "-I/usr/include", "-o", prog, srcpath,
               "-L" + SYSTEM_LIBDIR, "-lzmq"]
        print("  " + " ".join(cmd), flush=True)
        r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            sys.exit("bench: compiling %s failed:\n%s" % (src, r.stdout))
        if r.stdout.strip():
            print(r.stdout, end="")


class RunError(Exception):
    pass


def run_once(bindir, case, side, libdir, expect):
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    if side == "ours":
        env["LD_LIBRARY_PATH"] = libdir
    else:
        env.pop("LD_LIBRARY_PATH", None)
    cmd = [os.path.join(bindir, case.prog)] + case.args
    try:
        r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise RunError("timed out after %d s (hang)" % RUN_TIMEOUT_S)
    version = libpath = None
    result = {}
    for line in r.stdout.splitlines():
        if line.startswith("VERSION "):
            version = line.split(None, 1)[1].strip()
        elif line.startswith("LIBPATH "):
            libpath = line.split(None, 1)[1].strip()
        elif line.startswith("RESULT "):
            for kv in line.split()[1:]:
                k, _, v = kv.partition("=")
                result[k] = float(v)
    if r.returncode != 0:
        sig = " (signal %d)" % -r.returncode if r.returncode < 0 else ""
        raise RunError("exit status %d%s; stderr: %s" % (r.returncode, sig, r.stderr.strip()[-600:]))
    if version is None or libpath is None:
        raise RunError("no VERSION/LIBPATH line in output: %r" % r.stdout[-300:])
    # Assert which library was loaded.
    if version != expect[side]:
        raise RunError("WRONG LIBRARY: zmq_version %s, expected %s for %s (loaded %s)"
                       % (version, expect[side], side, libpath))
    real_libpath = os.path.realpath(libpath)
    in_ours = real_libpath.startswith(libdir + os.sep) or libpath.startswith(libdir + os.sep)
    if side == "ours" and not in_ours:
        raise RunError("WRONG LIBRARY: loaded %s, expected one under %s" % (libpath, libdir))
    if side == "libzmq" and (in_ours or libdir in libpath):
        raise RunError("WRONG LIBRARY: system run loaded %s (under %s)" % (libpath, libdir))
    for m in case.metrics:
        if m.key not in result:
            raise RunError("RESULT line lacks %s: %r" % (m.key, r.stdout[-300:]))
    return result, libpath, version


def fmt_num(v):
    if v is None:
        return "FAIL"
    a = abs(v)
    if a >= 100_000:
        return "%.0f" % v
    if a >= 100:
        return "%.1f" % v
    if a >= 1:
        return "%.2f" % v
    return "%.3f" % v


def fmt_short(v):
    """A run's value in a few characters (for the spread of the runs)."""
    a = abs(v)
    if a >= 1e6:
        return "%.1fM" % (v / 1e6)
    if a >= 1e4:
        return "%.0fk" % (v / 1e3)
    if a >= 1e3:
        return "%.1fk" % (v / 1e3)
    return fmt_num(v)


def machine_info(versions):
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "kernel": platform.release(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "libzmq": versions.get("libzmq", "?"),
        "ours": versions.get("ours", "?"),
    }


def ensure_venv_and_plot(csv_path, png_path):
    venv = os.path.join(ROOT, "build", "bench-venv")
    py = os.path.join(venv, "bin", "python")
    try:
        if not os.path.exists(py):
            print("bench: creating venv %s (first use)" % venv, flush=True)
            subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        has = subprocess.run([py, "-c", "import matplotlib"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL).returncode == 0
        if not has:
            print("bench: installing matplotlib into %s (first use)" % venv, flush=True)
            subprocess.run([py, "-m", "pip", "install", "--quiet", "matplotlib"], check=True,
                           timeout=600)
        subprocess.run([py, os.path.join(BENCH_DIR, "plot.py"), csv_path, png_path], check=True,
                       timeout=120)
        print("bench: wrote %s" % png_path)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as e:
        print("bench: WARNING: no plot (%s); CSV and Markdown are still written" % e, flush=True)


def splice_readme(readme, md_path):
    """Replaces what lies between the bench markers in `readme` with results.md."""
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    with open(readme) as f:
        text = f.read()
    if start not in text or end not in text:
        print("bench: %s has no %s ... %s markers; not updated" % (readme, start, end))
        return
    with open(md_path) as f:
        table = f.read()
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    with open(readme, "w") as f:
        f.write(head + start + "\n" + table.rstrip("\n") + "\n" + end + tail)
    print("bench: updated the table in %s" % readme)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lib", default=os.path.join(ROOT, "build", "lib"),
                    help="directory holding our libzmq.so.5 (default build/lib)")
    ap.add_argument("--quick", action="store_true", help="fewer cases and smaller counts, 3 reps")
    ap.add_argument("--filter", default=None, help="only cases whose label contains this substring")
    ap.add_argument("--reps", type=int, default=None, help="repetitions per library (default 7, quick 3)")
    ap.add_argument("--out", default=os.path.join(ROOT, "target", "bench"), help="output directory")
    ap.add_argument("--no-plot", action="store_true", help="skip ratio.png")
    ap.add_argument("--readme", default=None,
                    help="also put results.md into this file, between the lines "
                         "'<!-- bench:start -->' and '<!-- bench:end -->' (full runs only)")
    ap.add_argument("--expect-libzmq-version", default="4.3.4")
    ap.add_argument("--expect-ours-version", default="4.3.5")
    args = ap.parse_args()

    t_start = time.monotonic()
    libdir = os.path.realpath(os.path.abspath(args.lib))
    if not os.path.exists(os.path.join(libdir, "libzmq.so.5")):
        sys.exit("bench: %s/libzmq.so.5 not found (run `make lib`)" % libdir)
    if libdir == os.path.realpath(SYSTEM_LIBDIR):
        sys.exit("bench: --lib must not be the system library directory")
    if args.expect_libzmq_version == args.expect_ours_version:
        sys.exit("bench: the two expected versions must differ to tell the libraries apart")
    expect = {"libzmq": args.expect_libzmq_version, "ours": args.expect_ours_version}
    reps = args.reps if args.reps else (3 if args.quick else 7)
    out = os.path.abspath(args.out)
    bindir = os.path.join(out, "bin")
    os.makedirs(out, exist_ok=True)

    print("bench: compiling against /usr/include/zmq.h and %s/libzmq.so" % SYSTEM_LIBDIR, flush=True)
    compile_programs(bindir)

    cases = build_cases(args.quick)
    if args.filter:
        cases = [c for c in cases if args.filter in c.label]
        if not cases:
            sys.exit("bench: no case matches --filter %r" % args.filter)
    print("bench: %d cases x %d reps x 2 libraries (%s mode); ours = %s"
          % (len(cases), reps, "quick" if args.quick else "full", libdir), flush=True)

    failures = []
    rows = []
    runs = []
    versions = {}
    t_measure = time.monotonic()
    for ci, case in enumerate(cases, 1):
        values = {"libzmq": [], "ours": []}
        failed = {"libzmq": False, "ours": False}
        for rep in range(reps):
            for side in ("libzmq", "ours"):
                if failed[side]:
                    continue
                t0 = time.monotonic()
                try:
                    result, libpath, version = run_once(bindir, case, side, libdir, expect)
                except RunError as e:
                    failed[side] = True
                    msg = "%s [%s] %s %s: %s" % (case.label, side, case.prog, " ".join(case.args), e)
                    failures.append(msg)
                    print("  FAILED: " + msg, flush=True)
                    runs.append([case.label, side, rep, "", "", "FAILED: %s" % e])
                    continue
                versions[side] = version
                values[side].append(result)
                runs.append([case.label, side, rep, libpath, "%.3f" % (time.monotonic() - t0),
                             " ".join("%s=%s" % kv for kv in sorted(result.items()))])
        line = []
        for m in case.metrics:
            med, lo, hi = {}, {}, {}
            for side in ("libzmq", "ours"):
                vs = [r[m.key] for r in values[side]]
                ok = vs and not failed[side]
                med[side] = statistics.median(vs) if ok else None
                lo[side] = min(vs) if ok else None
                hi[side] = max(vs) if ok else None
            ratio = None
            if med["libzmq"] and med["ours"] is not None:
                ratio = med["ours"] / med["libzmq"]
            rows.append({"case": case.case, "transport": case.transport,
                         "size": "" if case.size is None else case.size, "metric": m.key,
                         "unit": m.unit, "libzmq": med["libzmq"], "ours": med["ours"], "ratio": ratio,
                         "higher_is_better": m.higher_is_better, "label": case.label,
                         "lo": lo, "hi": hi,
                         "name": m.name, "plot": m.plot})
            line.append("%s %s/%s %s" % (m.key, fmt_num(med["libzmq"]), fmt_num(med["ours"]), m.unit))
        print("[%d/%d] %-32s %s" % (ci, len(cases), case.label, "; ".join(line)), flush=True)
    measure_s = time.monotonic() - t_measure

    # ---- results.csv / runs.csv
    csv_path = os.path.join(out, "results.csv")
    with open(csv_path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["case", "transport", "size", "metric", "unit", "libzmq", "ours", "ratio",
                    "higher_is_better", "libzmq_min", "libzmq_max", "ours_min", "ours_max"])

        def g(v):
            return "" if v is None else "%.6g" % v
        for r in rows:
            w.writerow([r["case"], r["transport"], r["size"], r["metric"], r["unit"],
                        g(r["libzmq"]), g(r["ours"]),
                        "" if r["ratio"] is None else "%.4f" % r["ratio"],
                        "1" if r["higher_is_better"] else "0",
                        g(r["lo"]["libzmq"]), g(r["hi"]["libzmq"]),
                        g(r["lo"]["ours"]), g(r["hi"]["ours"])])
    with open(os.path.join(out, "runs.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["case", "library", "rep", "loaded", "wall_s", "result"])
        w.writerows(runs)

    # ---- table
    def failed_row(r):
        return r["libzmq"] is None or r["ours"] is None

    def bar(r):
        # Issue #5's bar: 1.3 for 1-64 B throughput over inproc and tcp, 0.9 for inproc
        # latency, else at least even.
        if (r["case"] == "throughput" and r["transport"] in ("inproc", "tcp")
                and r["size"] != "" and r["size"] <= 64):
            return 1.3
        if r["case"] == "latency" and r["transport"] == "inproc":
            return 0.9
        return 1.0

    def better(r):
        if failed_row(r):
            return "FAIL"
        if r["ratio"] is None:
            return "n/a"
        ok = r["ratio"] >= bar(r) if r["higher_is_better"] else r["ratio"] <= bar(r)
        return "yes" if ok else "no"

    def spread(r):
        # Each side's slowest to fastest run: on a noisy machine a ratio near its bar means
        # little when the runs of either side span more than the gap.
        if failed_row(r):
            return ""
        return " / ".join("%s–%s" % (fmt_short(r["lo"][side]), fmt_short(r["hi"][side]))
                          for side in ("libzmq", "ours"))

    headers = ["case", "metric", "unit", "libzmq", "ours", "ours/libzmq", "bar", "at bar?",
               "runs: libzmq / ours"]
    table = []
    for r in rows:
        table.append([r["label"], r["metric"], r["unit"] + (" (higher=better)" if r["higher_is_better"]
                                                            else " (lower=better)"),
                      fmt_num(r["libzmq"]), fmt_num(r["ours"]),
                      "FAIL" if failed_row(r) else "n/a" if r["ratio"] is None else "%.2f" % r["ratio"],
                      ("≥ " if r["higher_is_better"] else "≤ ") + "%.1f" % bar(r),
                      better(r), spread(r)])
    widths = [max(len(h), *(len(t[i]) for t in table)) for i, h in enumerate(headers)]
    right = {3, 4, 5}

    def fmt_row(cells):
        return "  ".join(c.rjust(widths[i]) if i in right else c.ljust(widths[i])
                         for i, c in enumerate(cells))

    total_s = time.monotonic() - t_start
    info = machine_info(versions)
    mode = "quick" if args.quick else "full"
    print()
    print(fmt_row(headers))
    print("  ".join("-" * w for w in widths))
    for t in table:
        print(fmt_row(t))
    n_yes = sum(1 for r in rows if better(r) == "yes")
    print()
    print("bench: %d/%d metrics meet the bar (issue #5's: see the bar column)" % (n_yes, len(rows)))

    # ---- results.md
    md_path = os.path.join(out, "results.md")
    with open(md_path, "w") as f:
        f.write("### libzmq %s (Debian) vs ours %s: %s mode, median of %d runs each\n\n"
                % (info["libzmq"], info["ours"], mode, reps))
        f.write("Machine: nproc=%s, CPU: %s, kernel %s; run %s; measuring took %.0f s "
                "(whole run incl. compile %.0f s)%s.\n\n"
                % (info["nproc"], info["cpu"], info["kernel"], info["date"], measure_s, total_s,
                   "; filter %r" % args.filter if args.filter else ""))
        f.write("Ratio = ours / libzmq. `bar` is issue #5's: at least 1.3 for 1-64 B throughput "
                "over inproc and tcp, at most 0.9 for inproc latency; otherwise at least 1.0 for "
                "rates (higher is better) and at most 1.0 for latency and memory (lower is "
                "better). The last column gives each side's slowest and fastest run.\n\n")
        f.write("| " + " | ".join(headers) + " |\n")
        f.write("|" + "|".join("---:" if i in right else "---" for i in range(len(headers))) + "|\n")
        for t in table:
            f.write("| " + " | ".join(t) + " |\n")
        f.write("\n%d/%d metrics meet the bar.\n" % (n_yes, len(rows)))
        if failures:
            f.write("\nFailed runs:\n\n")
            for m in failures:
                f.write("- %s\n" % m.replace("|", "\\|"))
    print("bench: wrote %s and %s" % (csv_path, md_path))
    if args.readme and not args.quick and not args.filter and not failures:
        splice_readme(args.readme, md_path)

    if not args.no_plot:
        ensure_venv_and_plot(csv_path, os.path.join(out, "ratio.png"))

    print("bench: measuring took %.1f s; total %.1f s (%s mode)" % (measure_s, time.monotonic() - t_start, mode))
    if failures:
        print("\nbench: %d run(s) FAILED:" % len(failures))
        for m in failures:
            print("  " + m)
        sys.exit(1)


if __name__ == "__main__":
    main()
