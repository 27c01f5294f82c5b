#!/usr/bin/env python3
"""Bar chart of ours vs libzmq from results.csv: plot.py <results.csv> <out.png>.

One bar per case (primary metric only). The bar is oriented so that > 1 always means "ours better":
ours/libzmq for higher-is-better metrics (rates), libzmq/ours for lower-is-better ones (latency, RSS).
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

SECONDARY = {"mbit_per_s", "delta_kib"}  # same runs as another plotted metric


def label(r):
    size = r["size"]
    if size:
        n = int(size)
        size = ("%dMiB" % (n >> 20) if n >= 1 << 20 else "%dKiB" % (n >> 10) if n >= 1024 else "%dB" % n)
    return " ".join(p for p in (r["case"], r["transport"], size) if p)


def main():
    src, dst = sys.argv[1], sys.argv[2]
    labels, values, colors = [], [], []
    with open(src) as f:
        for r in csv.DictReader(f):
            if r["metric"] in SECONDARY:
                continue
            lib, ours = r["libzmq"], r["ours"]
            labels.append(label(r) + " [" + r["unit"] + "]")
            if not lib or not ours or float(lib) <= 0 or float(ours) <= 0:
                values.append(0.0)
                colors.append("black")
                continue
            lib, ours = float(lib), float(ours)
            v = ours / lib if r["higher_is_better"] == "1" else lib / ours
            values.append(v)
            colors.append("tab:green" if v >= 1.0 else "tab:red")
    fig, ax = plt.subplots(figsize=(max(8, 0.38 * len(labels) + 2), 6.5))
    ax.bar(range(len(values)), values, color=colors)
    ax.axhline(1.0, color="black", linewidth=1)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=75, ha="right", fontsize=7)
    ax.set_ylabel("speed-up of ours (>1 = ours better)\n"
                  "rates: ours/libzmq;  latency, RSS: libzmq/ours")
    ax.set_title("Rust libzmq vs Debian libzmq (>1 means ours is better; black = failed)")
    for i, v in enumerate(values):
        ax.text(i, v, "%.2f" % v, ha="center", va="bottom", fontsize=6)
    fig.tight_layout()
    fig.savefig(dst, dpi=110)


if __name__ == "__main__":
    main()
