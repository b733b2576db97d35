#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Plots of the bench JSON (scripts/bench.sh output) as small PNGs.

    scripts/bench-plot.py [bench-results] [docs/img]

Needs matplotlib (Debian: python3-matplotlib, hence /usr/bin/python3).
Writes, for whatever JSON is there:
  record-throughput.png  record seal/open Gbit/s vs plaintext size, per
                         backend (TLS 1.3 AES-128-GCM)
  record-ns.png          ns per record vs size, per backend and suite (open)
  connect.png            server time per connect vs the two handshakes
  pipeline.png           ns per 1400-byte packet, whole pipeline vs the AEAD
                         alone, rx and tx, 1/64/1024 calls (target 1.5x)
  worker.png             the worker loop over net_ring: Gbit/s of inner
                         packets per size, rx / tx / both, one worker
"""
import glob
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

BACKENDS = ("evp", "ipsec-mb", "cryptodev")
STYLE = {"evp": "o-", "ipsec-mb": "s-", "cryptodev": "^-"}


def load(src):
    runs = {}
    for path in sorted(glob.glob(os.path.join(src, "bench_*.json"))):
        with open(path) as f:
            for b in json.load(f).get("benchmarks", []):
                if not b.get("error_occurred"):
                    runs[b["name"]] = b
    return runs


def save(fig, dst, name):
    fig.tight_layout()
    path = os.path.join(dst, name)
    fig.savefig(path)
    plt.close(fig)
    return path


def series(runs, op, backend, suite):
    pts = []
    prefix = "%s/%s/%s/" % (op, backend, suite)
    for name, b in runs.items():
        if name.startswith(prefix) and name[len(prefix):].isdigit():
            pts.append((int(name[len(prefix):]), b))
    return sorted(pts, key=lambda p: p[0])


def size_axis(ax):
    ax.set_xscale("log", base=2)
    ax.set_xlabel("plaintext bytes per record")
    ax.grid(True, which="both", alpha=0.3)


def plot_record_throughput(runs, dst):
    fig, ax = plt.subplots(figsize=(6.4, 4), dpi=100)
    drawn = False
    for be in BACKENDS:
        for op, ls in (("seal", "-"), ("open", "--")):
            pts = series(runs, op, be, "tls13-aes-128-gcm")
            if not pts:
                continue
            ax.plot([p[0] for p in pts], [p[1]["Gbit"] for p in pts],
                    STYLE[be][0] + ls, label="%s %s" % (be, op), markersize=4)
            drawn = True
    if not drawn:
        plt.close(fig)
        return None
    size_axis(ax)
    ax.set_ylabel("Gbit/s (one core)")
    ax.set_title("TLS 1.3 AES-128-GCM record, in place")
    ax.legend(fontsize=8)
    return save(fig, dst, "record-throughput.png")


def plot_record_ns(runs, dst):
    fig, ax = plt.subplots(figsize=(6.4, 4), dpi=100)
    drawn = False
    for be in BACKENDS:
        for suite, ls in (("tls13-aes-128-gcm", "-"), ("tls13-chacha20-poly1305", ":")):
            pts = series(runs, "open", be, suite)
            if not pts:
                continue
            ax.plot([p[0] for p in pts], [p[1]["ns_per_rec"] for p in pts],
                    STYLE[be][0] + ls, markersize=4,
                    label="%s %s" % (be, suite.replace("tls13-", "")))
            drawn = True
    if not drawn:
        plt.close(fig)
        return None
    size_axis(ax)
    ax.set_yscale("log")
    ax.set_ylabel("ns per record (open)")
    ax.set_title("TLS 1.3 record open cost")
    ax.legend(fontsize=8)
    return save(fig, dst, "record-ns.png")


def med(runs, name, key):
    b = runs.get(name + "_median") or runs.get(name)
    return None if b is None else b.get(key)


def plot_connect(runs, dst):
    cfgs, tls, eap, conn = [], [], [], []
    for cfg in ("tls13_eap12", "tls13_eap13"):
        vals = [med(runs, "%s/%s/manual_time" % (b, cfg), "server_us_per_op")
                for b in ("tls_handshake", "eaptls_handshake", "connect")]
        if None in vals:
            continue
        cfgs.append(cfg)
        tls.append(vals[0])
        eap.append(vals[1])
        conn.append(vals[2])
    if not cfgs:
        return None
    fig, ax = plt.subplots(figsize=(6.4, 3.6), dpi=100)
    x = range(len(cfgs))
    ax.bar([i - 0.2 for i in x], tls, 0.4, label="TLS handshake")
    ax.bar([i - 0.2 for i in x], eap, 0.4, bottom=tls, label="EAP-TLS handshake")
    ax.bar([i + 0.2 for i in x], conn, 0.4, label="full connect")
    for i in x:
        ax.text(i + 0.2, conn[i], "ratio %.2f" % ((tls[i] + eap[i]) / conn[i]),
                ha="center", va="bottom", fontsize=8)
    ax.set_xticks(list(x))
    ax.set_xticklabels(cfgs)
    ax.set_ylabel("server CPU us per connect")
    ax.set_title("Connect vs the two handshakes (target ratio >= 0.80)")
    ax.legend(fontsize=8)
    return save(fig, dst, "connect.png")


def plot_pipeline(runs, dst):
    rows = []
    for calls in (1, 64, 1024):
        for d, k in (("rx", "aead_open_ns"), ("tx", "aead_seal_ns")):
            b = runs.get("%s/%d/manual_time" % (d, calls))
            if b is not None and "ns_per_pkt" in b and k in b:
                rows.append(("%s %d" % (d, calls), b["ns_per_pkt"], b[k]))
    if not rows:
        return None
    fig, ax = plt.subplots(figsize=(6.4, 3.6), dpi=100)
    x = range(len(rows))
    ax.bar([i - 0.2 for i in x], [r[1] for r in rows], 0.4, label="whole pipeline")
    ax.bar([i + 0.2 for i in x], [r[2] for r in rows], 0.4, label="AEAD alone")
    ax.plot([i - 0.4 for i in x] + [len(rows) - 0.6], [1.5 * rows[0][2]] * (len(rows) + 1),
            "k--", linewidth=1, label="1.5 x AEAD (target)")
    for i, r in enumerate(rows):
        ax.text(i - 0.2, r[1], "%.1fx" % (r[1] / r[2]), ha="center", va="bottom", fontsize=7)
    ax.set_xticks(list(x))
    ax.set_xticklabels([r[0] for r in rows], fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("ns per 1400-byte packet")
    ax.set_title("Pipeline vs AEAD, one core (direction, calls)")
    ax.legend(fontsize=8)
    return save(fig, dst, "pipeline.png")


def plot_worker(runs, dst):
    sizes = (64, 512, 1400)
    fig, ax = plt.subplots(figsize=(6.4, 3.6), dpi=100)
    drawn = False
    for j, mode in enumerate(("rx", "tx", "both")):
        vals = []
        for size in sizes:
            hit = [b for n, b in runs.items()
                   if n.startswith("%s/workers:1/sessions:64/bytes:%d/" % (mode, size))]
            vals.append(hit[0]["Gbit"] if hit else 0)
        if any(vals):
            ax.bar([i + (j - 1) * 0.27 for i in range(len(sizes))], vals, 0.27, label=mode)
            drawn = True
    if not drawn:
        plt.close(fig)
        return None
    ax.set_xticks(range(len(sizes)))
    ax.set_xticklabels(["%d B" % s for s in sizes])
    ax.set_ylabel("Gbit/s of inner packets")
    ax.set_title("Worker loop over net_ring, one worker, 64 calls")
    ax.legend(fontsize=8)
    return save(fig, dst, "worker.png")


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "bench-results"
    dst = sys.argv[2] if len(sys.argv) > 2 else os.path.join("docs", "img")
    runs = load(src)
    if not runs:
        sys.exit("no bench_*.json with results in %s" % src)
    os.makedirs(dst, exist_ok=True)
    for f in (plot_record_throughput, plot_record_ns, plot_connect, plot_pipeline,
              plot_worker):
        path = f(runs, dst)
        if path:
            print(path)


if __name__ == "__main__":
    main()
