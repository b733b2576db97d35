#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""dp abuse suite (issue #6, item 3): the real engine (sstpgw) on net_tap in
a network namespace, attacked from the kernel side while good traffic keeps
flowing; the same topology as dp_test.py (whose helpers this imports).

  syn_flood    --tcp-test echo: an established connection streams 8 MB
               (CRC-checked) while >= 20,000 SYNs from spoofed on-link
               sources (nobody answers ARP) arrive; a new connection must
               succeed during the flood.
  slow_reader  --tcp-test source: two connections ask for 8 MB each and stop
               reading for 3 s (their windows close) while a third moves 8 MB.
  half_open    the SSTP application: three waves of 10,000 connections that
               stop after the TCP handshake, after half a ClientHello, or
               after TLS, with max_sessions 1024 and a 3 s handshake timer;
               the excess is refused, every accepted one is reaped, memory
               stays under max_sessions x 160 KiB, and a good TLS + HTTP +
               Call Connect Request client gets in once the timer frees
               slots (while all are held nobody does: no eviction).
  per_source   the SSTP application with limits.max_pending_per_source 16:
               one address opens 200 silent connections, 16 are taken and
               the rest refused at once, a client from another address is
               served meanwhile, the attacker's 17th is refused.
  garbage      the SSTP application: random bytes, plain HTTP, an oversized
               TLS record header, TLS 1.0/1.1 offers, HTTP requests that are
               not SSTP, a short SSTP packet: each refused at once, with its
               reason in the log, while good clients are served.

  dp_abuse.py SSTPGW CASE          run CASE (harness: namespace, gateway, checks)
  dp_abuse.py --client CASE DIR PID  the client half, run inside the namespace
  dp_abuse.py --flood               SYNs until SIGTERM (a child of syn_flood)

Exit 0 pass, 1 fail, 77 skip (not root, no namespaces, no openssl, DPDK
cannot start). The client writes DIR/result.json (figures) and the harness
checks it against the gateway's counters and log lines.
"""
import collections
import json
import os
import random
import resource
import selectors
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from errno import EAGAIN, ECONNRESET, ENOBUFS

sys.dont_write_bytecode = True     # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dp_test as dt  # noqa: E402  (same folder: topology, Gateway, helpers)

SKIP, MB, GW, ME = dt.SKIP, dt.MB, dt.GW, dt.ME
log = dt.log
SERVER_NAME = "sstp.dp.test"
# MS-SSTP 2.2.1 / 3.3.5.1 (PROTOCOL.md): the request a client must send.
HTTP_REQ = ("SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\n"
            "Host: " + SERVER_NAME + "\r\n"
            "Content-Length: 18446744073709551615\r\n"
            "SSTPCORRELATIONID: {0C1F2E3D-4B5A-6978-8796-A5B4C3D2E1F0}\r\n\r\n").encode()
# MS-SSTP 2.2.9: CALL_CONNECT_REQUEST, ENCAPSULATED_PROTOCOL_ID = 1 (PPP).
CALL_CONNECT_REQUEST = bytes.fromhex("1001000e" "00010001" "00010006" "0001")
SSTP_CALL_CONNECT_ACK = 2
HANDSHAKE_S = 3          # half_open: sstp.handshake_timeout_s
MAX_SESSIONS = 1024      # half_open: limits.max_sessions (< the attackers)
HALF_OPEN_N = 10000


# ------------------------------------------------------------ client helpers

def rss_kib(pid):
    """(VmRSS, VmHWM) of the gateway in KiB."""
    v = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, rest = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                v[k] = int(rest.split()[0])
    return v.get("VmRSS", 0), v.get("VmHWM", 0)


class RssSampler:
    """The gateway's resident memory every 100 ms, in a thread."""

    def __init__(self, pid):
        self.pid, self.peak, self.stop_ev = pid, 0, threading.Event()
        self.base = rss_kib(pid)[0]
        self.th = threading.Thread(target=self._run, daemon=True)
        self.th.start()

    def _run(self):
        while not self.stop_ev.wait(0.1):
            try:
                self.peak = max(self.peak, rss_kib(self.pid)[0])
            except OSError:
                return

    def stop(self):
        self.stop_ev.set()
        self.th.join(2)
        return {"rss_base_kib": self.base, "rss_peak_kib": max(self.peak, self.base),
                "rss_end_kib": rss_kib(self.pid)[0]}


echo_stream = dt.echo_stream


def echo_ping(s, tag):
    s.sendall(tag)
    b = b""
    while len(b) < len(tag):
        r = s.recv(len(tag) - len(b))
        if not r:
            break
        b += r
    assert b == tag, "echo of %r: got %r" % (tag, b)


def syn_packet(i, src, sport):
    tcp = struct.pack("!HHIIBBHHH", sport, 443, random.getrandbits(32), 0, 0x50, 0x02,
                      65535, 0, 0)
    ph = socket.inet_aton(src) + socket.inet_aton(GW) + struct.pack("!BBH", 0, 6, 20)
    tcp = tcp[:16] + struct.pack("!H", dt.csum(ph + tcp)) + tcp[18:]
    return dt.ip_hdr(src, GW, 6, tcp)


def flood_main():
    """SYNs from 10.77.0.100-249 (on-link, nobody answers ARP), 30,000
    distinct (address, port) pairs, until SIGTERM; prints the count and the
    seconds. Pre-built, so the checksums do not slow the flood down."""
    stop = {"v": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__("v", True))
    pkts = [syn_packet(i, "10.77.0.%d" % (100 + i % 150), 1024 + i // 150)
            for i in range(30000)]
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    n, t0 = 0, time.monotonic()
    while not stop["v"]:
        for p in pkts[n % 30000:n % 30000 + 500]:
            try:
                raw.sendto(p, (GW, 0))
                n += 1
            except OSError as e:        # the tap's queue is full: wait
                if e.errno not in (ENOBUFS, EAGAIN):
                    raise
                time.sleep(0.001)
    print("flood %d %.3f" % (n, time.monotonic() - t0), flush=True)
    return 0


# ---------------------------------------------------------- case: syn_flood

def client_syn_flood(res, pid):
    size = 8 * MB
    res["alone_s"] = [echo_stream(dt.connect(), size) for _ in range(2)]
    s = dt.connect()                 # the established connection
    echo_ping(s, b"before the flood")
    fl = subprocess.Popen([sys.executable, __file__, "--flood"], stdout=subprocess.PIPE,
                          text=True)
    try:
        time.sleep(0.5)              # the SYN queue is full by now
        t0 = time.monotonic()
        res["flood_s"] = echo_stream(s, size)
        echo_ping(s, b"during the flood")
        t1 = time.monotonic()
        s2 = dt.connect(timeout=5)   # a new connection during the flood
        echo_ping(s2, b"new during the flood")
        res["new_conn_ms"] = (time.monotonic() - t1) * 1000
        s2.close()
        # Keep flooding past 20,000 SYNs and 1 s after the stream.
        while time.monotonic() - t0 < max(1.0, res["flood_s"] + 1.0):
            time.sleep(0.1)
    finally:
        fl.send_signal(signal.SIGTERM)
        out = fl.communicate(timeout=30)[0].split()
    res["syns"], res["syn_s"] = int(out[1]), float(out[2])
    assert res["syns"] >= 20000, "only %d SYNs sent" % res["syns"]
    echo_ping(s, b"after the flood")
    s.close()
    alone = min(res["alone_s"])
    log("syn flood: %d SYNs in %.1f s (%.0f/s); 8 MB echo intact: %.1f MB/s alone, "
        "%.1f MB/s under the flood; new connection in %.1f ms" %
        (res["syns"], res["syn_s"], res["syns"] / res["syn_s"], 8 / alone,
         8 / res["flood_s"], res["new_conn_ms"]))


# -------------------------------------------------------- case: slow_reader

def client_slow_reader(res, pid):
    """--tcp-test source: two readers A ask for 8 MB each and read nothing
    for 3 s with a 64 KiB receive buffer (their windows close); B moves
    8 MB meanwhile, twice, and alone before."""
    size = 8 * MB
    res["b_alone_s"] = [dt.source_bulk(size) for _ in range(3)]
    rss = RssSampler(pid)
    stalled = []
    for _ in range(2):
        a = socket.socket()
        a.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)   # before connect
        a.settimeout(10)
        a.connect((GW, 443))
        a.sendall(struct.pack("!Q", size))
        stalled.append(a)
    t_stall = time.monotonic()
    time.sleep(0.3)                  # their windows close
    res["b_during_s"] = [dt.source_bulk(size) for _ in range(3)]
    while time.monotonic() - t_stall < 3.0:
        time.sleep(0.05)
    res.update(rss.stop())
    pat = dt.pattern_block()
    res["a_s"] = []
    for a in stalled:                # now read them: intact, complete
        t0, n = time.monotonic(), 0
        while True:
            b = a.recv(1 << 16)
            if not b:
                break
            o = n % 251
            assert b == pat[o:o + len(b)], "stalled reader: pattern differs at %d" % n
            n += len(b)
        assert n == size, "stalled reader: got %d of %d" % (n, size)
        res["a_s"].append(time.monotonic() - t0)
        a.close()
    alone, during = sorted(res["b_alone_s"])[1], sorted(res["b_during_s"])[1]   # medians
    log("slow reader: B 8 MB alone %.2f s, while 2 readers stall %.2f s (medians of 3); stalled A 8 MB "
        "intact after 3 s in %s s; gateway RSS %d -> peak %d KiB" %
        (alone, during, "/".join("%.2f" % x for x in res["a_s"]), res["rss_base_kib"],
         res["rss_peak_kib"]))
    assert during < 3 * alone + 0.5, "B starved: %.2f s vs %.2f s alone" % (during, alone)


# --------------------------------------------------------- SSTP client side

def tls_ctx(ca):
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    c.load_verify_locations(ca)
    return c


def read_http_head(ts, limit=4096):
    b = b""
    while b"\r\n\r\n" not in b and len(b) < limit:
        r = ts.recv(limit)
        if not r:
            break
        b += r
    return b


def good_client(ca, timeout=5.0, source=None):
    """TLS (checking the server certificate), SSTP_DUPLEX_POST -> 200, then
    CALL_CONNECT_REQUEST -> CALL_CONNECT_ACK; returns milliseconds."""
    t0 = time.monotonic()
    s = socket.create_connection((GW, 443), timeout=timeout,
                                 source_address=(source, 0) if source else None)
    try:
        ts = tls_ctx(ca).wrap_socket(s, server_hostname=SERVER_NAME)
        ts.sendall(HTTP_REQ)
        head = read_http_head(ts)
        assert head.startswith(b"HTTP/1.1 200 "), "HTTP answer %r" % head[:40]
        rest = head.split(b"\r\n\r\n", 1)[1]
        ts.sendall(CALL_CONNECT_REQUEST)
        for _ in range(16):             # SSTP packets until the ACK
            while len(rest) < 4 or len(rest) < (struct.unpack("!H", rest[2:4])[0] & 0xfff):
                r = ts.recv(4096)
                assert r, "closed before CALL_CONNECT_ACK"
                rest += r
            ln = struct.unpack("!H", rest[2:4])[0] & 0xfff
            pkt, rest = rest[:ln], rest[ln:]
            if pkt[1] & 1 and struct.unpack("!H", pkt[4:6])[0] == SSTP_CALL_CONNECT_ACK:
                return (time.monotonic() - t0) * 1000
        raise AssertionError("no CALL_CONNECT_ACK")
    finally:
        s.close()


class Prober:
    """A good client every 0.25 s in a thread: (start, ms or None, error)."""

    def __init__(self, ca):
        self.ca, self.log, self.stop_ev = ca, [], threading.Event()
        self.th = threading.Thread(target=self._run, daemon=True)
        self.th.start()

    def _run(self):
        for _ in range(2000):
            t = time.monotonic()
            try:
                self.log.append((t, good_client(self.ca), None))
            except (OSError, AssertionError, ssl.SSLError) as e:
                self.log.append((t, None, repr(e)[:80]))
            if self.stop_ev.wait(0.25):
                return

    def stop(self):
        self.stop_ev.set()
        self.th.join(10)
        return self.log


def client_hello_bytes(ctx=None):
    ctx = ctx or ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    i, o = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(i, o, server_hostname=SERVER_NAME)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return o.read()


# ---------------------------------------------------------- case: half_open

class Conn:
    __slots__ = ("s", "kind", "t_start", "t_conn", "t_end", "how", "port", "ts")

    def __init__(self, s, kind):
        self.s, self.kind, self.t_conn, self.t_end, self.how = s, kind, None, None, None
        self.t_start, self.port, self.ts = time.monotonic(), 0, None


def finish(c, how, now):
    c.t_end, c.how = now, how


def drain_fd(sel, c, now):
    """Readable: read raw bytes (an alert, nothing) until EOF or RST."""
    for _ in range(64):
        try:
            b = os.read(c.s.fileno(), 65536)
        except BlockingIOError:
            return
        except ConnectionResetError:
            b = None
        except OSError:
            b = None
        if not b:
            sel.unregister(c.s)
            finish(c, "fin" if b == b"" else "rst", now)
            c.s.close()
            return


def half_open_attack(ca, n, sel, conns):
    """n attackers: 3% finish TLS (blocking, first), the rest split between
    'TCP only' and 'half a ClientHello', opened non-blocking, 256 at a time."""
    hello = client_hello_bytes()
    half = hello[:len(hello) // 2]
    n_tls = n * 3 // 100
    ctx = tls_ctx(ca)
    for _ in range(n_tls):
        s = socket.socket()
        s.settimeout(5)
        c = Conn(s, "tls")
        conns.append(c)
        try:
            s.connect((GW, 443))
            c.t_conn = time.monotonic()
            c.port = s.getsockname()[1]
            c.ts = ctx.wrap_socket(s, server_hostname=SERVER_NAME)
            s = c.ts
            c.s = s
        except (OSError, ssl.SSLError):
            finish(c, "refused", time.monotonic())
            s.close()
            continue
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, c)
    pending = []
    kinds = ["tcp", "half_hello"]
    for i in range(n - n_tls):
        s = socket.socket()
        s.setblocking(False)
        c = Conn(s, kinds[i % 2])
        conns.append(c)
        s.connect_ex((GW, 443))
        sel.register(s, selectors.EVENT_WRITE, c)
        pending.append(c)
        while len(pending) >= 256 or (i == n - n_tls - 1 and pending):
            pump(sel, pending, half, 0.05)
    return n_tls


def pump(sel, pending, half, timeout):
    now = time.monotonic()
    for key, ev in sel.select(timeout):
        c = key.data
        if c in pending and ev & selectors.EVENT_WRITE:
            pending.remove(c)
            err = c.s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                sel.unregister(c.s)
                c.s.close()
                finish(c, "connect error %d" % err, now)
                continue
            c.t_conn, c.port = now, c.s.getsockname()[1]
            sel.modify(c.s, selectors.EVENT_READ, c)
            if c.kind == "half_hello":
                try:
                    c.s.send(half)
                except OSError:             # refused already: the RST came first
                    sel.unregister(c.s)
                    c.s.close()
                    finish(c, "rst", now)
        elif ev & selectors.EVENT_READ:
            drain_fd(sel, c, now)
    for c in list(pending):         # a SYN never answered: give up
        if now - c.t_start > 10:
            pending.remove(c)
            sel.unregister(c.s)
            c.s.close()
            finish(c, "connect timeout", now)


def classify(conns, tally, life, odd):
    """refused (RST at once), reaped (closed by the gateway after the
    handshake timer), or something else (a failure)."""
    for c in conns:
        # A refusal may come late when the handshake's last ACK was lost
        # and the SYN-ACK retransmitted (1 s): any RST well before the timer.
        if c.how in ("refused", "connect error %d" % ECONNRESET) or \
           (c.t_conn and c.t_end - c.t_conn < HANDSHAKE_S - 0.5 and c.how == "rst"):
            tally[c.kind + " refused"] += 1
        elif c.t_conn and c.how in ("fin", "rst"):
            tally[c.kind + " reaped"] += 1
            life.append(c.t_end - c.t_conn)
            if c.t_end - c.t_conn < HANDSHAKE_S - 0.2:
                odd.append((c.kind, c.how, round(c.t_end - c.t_conn, 3), c.port))
        else:
            tally[c.kind + " " + str(c.how)] += 1


def half_open_wave(res, ca, n, rss, prober):
    """One wave of n attackers; returns when every one is refused or reaped.
    Figures: when the slots were full, when the first good client got in."""
    sel, conns = selectors.DefaultSelector(), []
    t0 = time.monotonic()
    n_tls = half_open_attack(ca, n, sel, conns)
    t_full = time.monotonic()
    last = max([c.t_conn for c in conns if c.t_conn] + [t0])
    while time.monotonic() < last + HANDSHAKE_S + 3 and sel.get_map():
        pump(sel, [], b"", 0.1)
    for key in list(sel.get_map().values()):
        finish(key.data, "still open", time.monotonic())
        key.fileobj.close()
    tally, life, odd = collections.Counter(), [], []
    classify(conns, tally, life, odd)
    probes = [p for p in prober.log if p[0] >= t_full]
    first = next((p for p in probes if p[1] is not None), None)
    w = {"n": n, "n_tls": n_tls, "open_s": t_full - t0, "tally": dict(tally), "odd": odd[:20],
         "reaped": len(life), "life": [min(life), max(life)] if life else [0, 0],
         "refused": sum(v for k, v in tally.items() if k.endswith("refused")),
         "locked_out_s": (first[0] - t_full) if first else None,
         "probes_refused_before": sum(1 for p in probes if first and p[0] < first[0]),
         "rss_kib": rss_kib(res["pid"])[0], "rss_peak_kib": rss.peak}
    res["waves"].append(w)
    log("half open wave: %d attackers in %.2f s (%s); reaped %.2f-%.2f s after accept; "
        "good clients refused for %s s after the slots filled; gateway RSS peak %d KiB" %
        (n, w["open_s"], ", ".join("%s %d" % kv for kv in sorted(tally.items())),
         w["life"][0], w["life"][1],
         "%.2f" % w["locked_out_s"] if first else "ever", w["rss_peak_kib"]))
    bad = {k: v for k, v in tally.items() if not k.endswith(("refused", "reaped"))}
    assert not bad, "attackers neither refused nor reaped: %s" % bad
    assert w["refused"] >= 1, "max_sessions %d < %d attackers but none refused" % (
        MAX_SESSIONS, n)
    # + 2.5 s: the gateway accepts when the handshake's last ACK arrives,
    # which may follow a retransmitted SYN-ACK (1 s) when the table is full.
    assert w["life"][0] >= HANDSHAKE_S - 0.2 and w["life"][1] <= HANDSHAKE_S + 2.5, \
        "reaped after %.2f-%.2f s (handshake timer %d s): %s" % (w["life"][0], w["life"][1],
                                                                HANDSHAKE_S, odd[:3])
    # While every slot is held nobody else gets in (no eviction): a good
    # client must get in once the handshake timer frees the slots.
    assert first is not None and first[0] - t_full <= HANDSHAKE_S + 1.5, \
        "no good client served within %d s of the slots filling" % (HANDSHAKE_S + 1.5)


def client_half_open(res, pid, ca):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (40000, max(hard, 40000)))
    except (ValueError, OSError):   # no CAP_SYS_RESOURCE (a container): the hard limit
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    n = min(HALF_OPEN_N, resource.getrlimit(resource.RLIMIT_NOFILE)[0] - 200)
    assert n >= 2000, "RLIMIT_NOFILE %d: too few descriptors for 2,000 attackers" % n
    res["pid"], res["waves"] = pid, []
    res["before_ms"] = good_client(ca)
    rss = RssSampler(pid)
    prober = Prober(ca)
    try:
        # Three waves: memory freed by the reaper is reused (RSS levels off).
        for _ in range(int(os.environ.get("DP_ABUSE_WAVES", "3"))):
            half_open_wave(res, ca, n, rss, prober)
    finally:
        probes = prober.stop()
        res.update(rss.stop())
    res["after_ms"] = good_client(ca)
    ok = [p for p in probes if p[1] is not None]
    res["probes"], res["probes_ok"] = len(probes), len(ok)
    res["probe_ms_max"] = max(p[1] for p in ok) if ok else None
    res["probe_errors"] = collections.Counter(p[2].split("(")[0] for p in probes
                                              if p[2]).most_common(3)
    res["reaped"] = sum(w["reaped"] for w in res["waves"])
    res["refused"] = sum(w["refused"] for w in res["waves"])
    w1, w2 = res["waves"][0], res["waves"][-1]
    log("half open: %d x %d attackers, %d refused, %d reaped; good clients %d/%d served "
        "(slowest %.0f ms; refused: %s), after: %.0f ms; gateway RSS %d -> %d after the "
        "first wave -> %d after the last (peak %d) KiB" %
        (len(res["waves"]), n, res["refused"], res["reaped"], len(ok), len(probes), res["probe_ms_max"] or -1,
         res["probe_errors"], res["after_ms"], res["rss_base_kib"], w1["rss_kib"],
         w2["rss_kib"], res["rss_peak_kib"]))


# ----------------------------------------------------------- case: garbage

def attack_once(kind, ca, lport):
    """One attacker from local port lport (below the kernel's ephemeral
    range, so that each attacker's port, and its 'session end' line, is its
    own); returns (local port, seconds to close, what it saw)."""
    s = socket.create_connection((GW, 443), timeout=8, source_address=("", lport))
    port, t0, seen = s.getsockname()[1], time.monotonic(), ""
    try:
        if kind == "random":
            # Garbage that cannot pass for a record header: bytes 0x80-0xff
            # first (+ 1 at byte 2) are an SSLv2-format ClientHello header,
            # and x 03 0y a record header (any type) announcing up to 18 KB;
            # OpenSSL rightly waits for the rest of those, bounded by the
            # receive buffer and reaped by the handshake timer.
            s.sendall(b"\x00\x42" + os.urandom(4094))
        elif kind == "plain_http":
            s.sendall(HTTP_REQ)
        elif kind == "record_too_long":
            # A handshake record of 2^14 + 2048 bytes (RFC 8446 5.1: at most 2^14).
            s.sendall(b"\x16\x03\x01" + struct.pack("!H", (1 << 14) + 2048) + os.urandom(3000))
        elif kind in ("tls10", "tls11"):
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
            v = ssl.TLSVersion.TLSv1 if kind == "tls10" else ssl.TLSVersion.TLSv1_1
            ctx.minimum_version = ctx.maximum_version = v
            try:
                ctx.wrap_socket(s, server_hostname=SERVER_NAME)
                seen = "handshake succeeded"
            except ssl.SSLError as e:
                seen = e.reason or str(e)
        elif kind in ("http_get", "http_huge", "sstp_short"):
            ts = tls_ctx(ca).wrap_socket(s, server_hostname=SERVER_NAME)
            if kind == "http_get":
                ts.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            elif kind == "http_huge":
                ts.sendall(b"SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ "
                           b"HTTP/1.1\r\n" + b"X-Pad: " + b"a" * 16000 + b"\r\n")
            else:
                ts.sendall(HTTP_REQ)
                head = read_http_head(ts)
                assert head.startswith(b"HTTP/1.1 200"), "sstp_short: %r" % head[:30]
                ts.sendall(b"\x10\x00\x00\x02")      # SSTP length 2 < its header
            try:
                seen = read_http_head(ts).split(b"\r\n")[0].decode(errors="replace")
            except (OSError, ssl.SSLError) as e:
                seen = repr(e)[:60]
            if kind == "sstp_short":
                seen = "closed" if seen == "" else seen
        # The gateway must close: read until EOF or RST.
        for _ in range(1000):
            try:
                if not s.recv(65536):
                    break
            except (ConnectionResetError, ssl.SSLError, OSError):
                break
    finally:
        s.close()
    return port, time.monotonic() - t0, seen


GARBAGE = ["random", "plain_http", "record_too_long", "tls10", "tls11", "http_get",
           "http_huge", "sstp_short"]


# ----------------------------------------------------------- case: per_source

ME2 = "10.77.0.3"       # a second client address (the harness adds it)
PER_SOURCE = 16         # limits.max_pending_per_source in this case


def client_per_source(res, pid, ca):
    """One address opens 200 connections and sends nothing; only
    PER_SOURCE are taken, the rest refused at once, and a client from
    another address is served meanwhile; one more from the attacker's
    address is refused; once the attacker lets go, it is served too."""
    held, refused, alive = [], 0, 0
    for _ in range(200):
        s = socket.socket()
        s.settimeout(5)
        try:
            s.connect((GW, 443))
            held.append(s)
        except ConnectionResetError:      # the RST beat connect()'s return
            refused += 1
            s.close()
        except socket.timeout:
            raise AssertionError("connect %d timed out (%d held, %d refused)" %
                                 (len(held) + refused, len(held), refused))
    time.sleep(1.0)
    for s in held:
        s.setblocking(False)            # a timeout would make recv wait
        try:
            r = s.recv(1)
            refused += 1 if r == b"" else 0
        except BlockingIOError:
            alive += 1
        except ConnectionResetError:
            refused += 1
    res.update(alive=alive, refused=refused)
    log("per source: 200 silent connections from %s: %d held, %d refused" %
        (ME, alive, refused))
    assert alive == PER_SOURCE, "%d held, want %d" % (alive, PER_SOURCE)
    ms = good_client(ca, source=ME2)
    res["other_ms"] = ms
    log("per source: a client from %s served in %.0f ms during the attack" % (ME2, ms))
    try:
        good_client(ca)
        raise AssertionError("a 17th call from the attacker's address was served")
    except (ConnectionResetError, ssl.SSLError, OSError) as e:
        log("per source: one more from %s refused (%s)" % (ME, type(e).__name__))
    for s in held:
        s.close()
    time.sleep(0.5)
    ms = good_client(ca)
    res["after_ms"] = ms
    log("per source: after the attacker let go, a client from %s served in %.0f ms" % (ME, ms))


def check_per_source(st, lines, res):
    bad = dt.check_stats(st, ["sessions_refused_source>=184"])
    if res.get("alive") != PER_SOURCE:
        bad.append("held %s, want %d" % (res.get("alive"), PER_SOURCE))
    return bad


def client_garbage(res, pid, ca):
    prober = Prober(ca)
    rss = RssSampler(pid)
    out = []
    for rnd in range(min(int(os.environ.get("DP_ABUSE_ROUNDS", "100")), 1000)):
        for i, kind in enumerate(GARBAGE):
            port, secs, seen = attack_once(kind, ca, 20000 + rnd * len(GARBAGE) + i)
            out.append((kind, port, secs, seen))
    probes = prober.stop()
    res.update(rss.stop())
    res["attacks"] = out
    ok = [p for p in probes if p[1] is not None]
    res["probes"], res["probes_ok"] = len(probes), len(ok)
    res["probe_ms_max"] = max(p[1] for p in ok) if ok else None
    res["probe_ms"] = sorted(round(p[1]) for p in ok)
    slow = [(k, round(s, 2)) for k, _, s, _ in out if s > 2.0]
    by = collections.defaultdict(list)
    for k, _, s, seen in out:
        by[k].append((s, seen))
    for k in GARBAGE:
        log("garbage %-16s closed in %.0f-%.0f ms, client saw %r" %
            (k, min(x[0] for x in by[k]) * 1000, max(x[0] for x in by[k]) * 1000,
             by[k][0][1]))
    log("garbage: good clients %d/%d served, slowest %.0f ms; gateway RSS %d -> %d KiB" %
        (len(ok), len(probes), res["probe_ms_max"] or -1, res["rss_base_kib"],
         res["rss_end_kib"]))
    assert not slow, "attackers not closed at once: %s" % slow[:5]
    for k in ("tls10", "tls11"):
        assert all("PROTOCOL_VERSION" in x[1].upper() for x in by[k]), \
            "%s: %r (want a protocol_version alert)" % (k, by[k][0][1])
    assert all(x[1].startswith("HTTP/1.1 405") for x in by["http_get"]), by["http_get"][0]
    assert all(x[1].startswith("HTTP/1.1 431") for x in by["http_huge"]), by["http_huge"][0]
    assert len(ok) == len(probes) and ok, "good clients refused: %s" % [
        p[2] for p in probes if p[2]][:3]


def client_main(case, tmp, pid):
    res = {}
    pid = int(pid)
    ca = os.path.join(tmp, "ca.crt")
    fn = {"syn_flood": lambda: client_syn_flood(res, pid),
          "slow_reader": lambda: client_slow_reader(res, pid),
          "half_open": lambda: client_half_open(res, pid, ca),
          "garbage": lambda: client_garbage(res, pid, ca),
          "per_source": lambda: client_per_source(res, pid, ca)}[case]
    rc = 0
    try:
        fn()
    except (AssertionError, OSError, ssl.SSLError, subprocess.TimeoutExpired) as e:
        log("FAIL:", e)
        rc = 1
    with open(os.path.join(tmp, "result.json"), "w") as f:
        json.dump(res, f, default=str)
    return rc


# --------------------------------------------------------------- harness side

def make_pki(tmp):
    """A throwaway CA, a server certificate from it, and the CA as the only
    client root (nobody here authenticates a client)."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    with open(os.path.join(tmp, "srv.ext"), "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=serverAuth\nsubjectAltName=DNS:%s,IP:%s\n" %
                (SERVER_NAME, GW))
    j = lambda n: os.path.join(tmp, n)   # noqa: E731
    for cmd in (["req", "-x509"] + ec + ["-keyout", j("ca.key"), "-out", j("ca.crt"),
                                          "-days", "2", "-subj", "/CN=dp-abuse root",
                                          "-addext", "basicConstraints=critical,CA:TRUE",
                                          "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
                ["req"] + ec + ["-keyout", j("srv.key"), "-out", j("srv.csr"),
                                "-subj", "/CN=" + SERVER_NAME],
                ["x509", "-req", "-in", j("srv.csr"), "-CA", j("ca.crt"), "-CAkey",
                 j("ca.key"), "-CAcreateserial", "-days", "2", "-out", j("srv.crt"),
                 "-extfile", j("srv.ext")]):
        subprocess.run(["openssl"] + cmd, check=True, capture_output=True, timeout=30)
    os.mkdir(j("roots"))
    shutil.copy(j("ca.crt"), j("roots/root.crt"))


def write_config(tmp, ns, handshake_s, max_sessions, per_source=0):
    j = lambda n: os.path.join(tmp, n)   # noqa: E731
    cfg = j("sstpgw.yaml")
    with open(cfg, "w") as f:
        f.write("""ports:
  outer: {device: "net_tap0,iface=dpout", address: %s/24}
  inner: {device: "net_tap1,iface=dpin", address: %s/24}
engine: {workers: 1, mem_mb: 256, file_prefix: %s}
tls: {cert: %s, key: %s}
sstp: {handshake_timeout_s: %d, negotiation_timeout_s: 60}
clients: {pools: [172.16.201.0/24]}
trust: {roots_dir: %s}
limits: {max_sessions: %d, max_pending_per_source: %d}
management: {socket: %s, metrics: false}
""" % (GW, dt.GW_IN, ns, j("srv.crt"), j("srv.key"), handshake_s, j("roots"),
            max_sessions, per_source, j("mgmt/mgmt.sock")))
    return cfg


class SstpGateway(dt.Gateway):
    """dp_test.Gateway with a command line of our own (config file mode)."""

    def __init__(self, exe, ns, args):    # pylint: disable=super-init-not-called
        self.lines = []
        self.ready = threading.Event()
        cmd = ["ip", "netns", "exec", ns, exe] + args
        log("+", " ".join(cmd))
        self.p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True)
        threading.Thread(target=self._read, daemon=True).start()


def end_reasons(lines):
    """[(client port, reason)] from the 'session end' log lines."""
    out = []
    for l in lines:
        if l.startswith("log ") and " session end " in l:
            port = int(l.split("client=")[1].split()[0].split(":")[1])
            out.append((port, l.split(" reason=")[1].split(' tcp="')[0]))
    return out


def check_half_open(st, lines, res):
    bad = []
    reasons = collections.Counter(r for _, r in end_reasons(lines))
    log("session end reasons:", dict(reasons))
    timeouts = sum(v for k, v in reasons.items() if k.startswith("negotiation timeout"))
    if st.get("sessions_created", 0) != st.get("sessions_ended", 0):
        bad.append("sessions_created %d != sessions_ended %d" %
                   (st.get("sessions_created", 0), st.get("sessions_ended", 0)))
    if st.get("log_dropped", 0) == 0 and timeouts < res.get("reaped", 1):
        bad.append("%d handshake timeouts logged, %d attackers reaped" %
                   (timeouts, res.get("reaped", 0)))
    # A full worker refuses at the TCP level (no buffer pair left,
    # tcp_drop_no_buffer) before its session slots run out (sessions_refused).
    refused = st.get("sessions_refused", 0) + st.get("tcp_drop_no_buffer", 0)
    if refused < res.get("refused", 1):
        bad.append("gateway counted %d refusals, the attackers saw %d" %
                   (refused, res.get("refused", 0)))
    # Bounded by the configuration, not by the attack: over every wave the
    # gateway's resident memory grows by less than max_sessions x 160 KiB
    # (test_abuse measured 132 KiB per session in the TLS phase).
    grow = res.get("rss_peak_kib", 0) - res.get("rss_base_kib", 0)
    if SANITIZED:
        log("RSS bound not checked: an ASan build keeps freed memory in quarantine")
    elif grow > MAX_SESSIONS * 160:
        bad.append("gateway RSS grew by %d KiB (> %d sessions x 160 KiB)" %
                   (grow, MAX_SESSIONS))
    return bad


def check_garbage(st, lines, res):
    want = {"random": "TLS handshake failed", "plain_http": "TLS handshake failed",
            "record_too_long": "TLS handshake failed", "tls10": "TLS handshake failed",
            "tls11": "TLS handshake failed", "http_get": "HTTP request refused",
            "http_huge": "HTTP request refused", "sstp_short": "SSTP protocol error"}
    reasons, bad, shown = dict(end_reasons(lines)), [], set()
    for kind, port, _, _ in res.get("attacks", []):
        r = reasons.get(port)
        if kind not in shown and r is not None:
            shown.add(kind)
            log("garbage %-16s reason=%s" % (kind, r))
        if r is None or not r.startswith(want[kind]):
            bad.append("%s (port %d): reason %r, want %r" % (kind, port, r, want[kind]))
    if st.get("sessions_created", 0) != st.get("sessions_ended", 0):
        bad.append("sessions_created %d != sessions_ended %d" %
                   (st.get("sessions_created", 0), st.get("sessions_ended", 0)))
    return bad[:8]


def counters(*checks):
    return lambda st, lines, res: dt.check_stats(st, list(checks))


def check_slow_reader(st, lines, res):
    bad = dt.check_stats(st, ["tcp_zero_window_probes>=1"])
    if st.get("tcp_drop_no_buffer", 0) != 0:
        bad.append("tcp_drop_no_buffer=%d" % st["tcp_drop_no_buffer"])
    grow = res.get("rss_peak_kib", 0) - res.get("rss_base_kib", 0)
    if grow > 4096:       # two stalled 8 MB streams must not be buffered
        bad.append("gateway RSS grew by %d KiB while 16 MB were owed" % grow)
    return bad


CASES = {
    # name: (--tcp-test app or None for SSTP, handshake s, max sessions,
    #        client timeout s, post-check)
    "syn_flood": ("echo", 0, 0, 90, counters("tcp_syn_recv>=20000", "tcp_syn_queue_full>=1",
                                              "tcp_cookies_sent>=1",
                                              "tcp_conns_established>=4")),
    "slow_reader": ("source", 0, 0, 60, check_slow_reader),
    "half_open": (None, HANDSHAKE_S, MAX_SESSIONS, 120, check_half_open),
    "garbage": (None, 10, MAX_SESSIONS, 90, check_garbage),
    "per_source": (None, 10, MAX_SESSIONS, 60, check_per_source),
}


# The gateway built with AddressSanitizer (the CI's sanitizer run): its
# quarantine holds freed memory, so resident memory says nothing of ours.
SANITIZED = False


def harness(exe, case):
    global SANITIZED
    with open(exe, "rb") as f:
        SANITIZED = b"__asan_init" in f.read()
    if os.geteuid() != 0:
        log("SKIP: needs root (network namespaces, tap devices)")
        return SKIP
    app, hs, maxs, limit, post = CASES[case]
    if app is None and shutil.which("openssl") is None:
        log("SKIP: no openssl command to make the test certificates")
        return SKIP
    ns = "sgwab%d" % os.getpid()
    if subprocess.run(["ip", "netns", "add", ns], capture_output=True).returncode != 0:
        log("SKIP: cannot create a network namespace")
        return SKIP
    tmp = tempfile.mkdtemp(prefix="dp_abuse.")
    gw = None
    try:
        if app is None:
            make_pki(tmp)
            args = ["--config", write_config(tmp, ns, hs, maxs,
                                             PER_SOURCE if case == "per_source" else 0)]
        else:
            args = ["--outer", "net_tap0,iface=dpout", "--outer-addr", GW + "/24",
                    "--inner", "net_tap1,iface=dpin", "--inner-addr", dt.GW_IN + "/24",
                    "--tcp-test", app, "--file-prefix", ns, "--mem", "256"]
        gw = SstpGateway(exe, ns, args)
        gw.ready.wait(30)
        if gw.p.poll() is not None or not any(l.startswith("ready") for l in gw.lines):
            log("\n".join(gw.lines[-20:]))
            log("SKIP: the engine did not start (DPDK/tap unavailable?)")
            return SKIP
        for dev, addr in (("dpout", ME), ("dpin", dt.ME_IN)):
            dt.sh("ip", "netns", "exec", ns, "ip", "link", "set", dev, "up")
            dt.sh("ip", "netns", "exec", ns, "ip", "addr", "add", addr + "/24", "dev", dev)
        dt.sh("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")
        if case == "per_source":
            dt.sh("ip", "netns", "exec", ns, "ip", "addr", "add", ME2 + "/24", "dev", "dpout")
        t0 = time.monotonic()
        rc = subprocess.run(["ip", "netns", "exec", ns, sys.executable, __file__, "--client",
                             case, tmp, str(gw.p.pid)], timeout=limit).returncode
        log("client: rc=%d in %.1f s" % (rc, time.monotonic() - t0))
        code = gw.stop()
        noisy = ("EAL", "TAP", "log ")
        log("\n".join(l for l in gw.lines if not l.startswith(noisy) and "qdisc" not in l))
        log("(%d log lines)" % sum(1 for l in gw.lines if l.startswith("log ")))
        try:
            with open(os.path.join(tmp, "result.json")) as f:
                res = json.load(f)
        except (OSError, ValueError):
            res = {}
        log("result:", json.dumps({k: v for k, v in res.items() if k != "attacks"}))
        if code != 0:
            log("FAIL: sstpgw exit code %s (want 0)" % code)
            return 1
        bad = post(gw.stats(), gw.lines, res)
        if bad:
            log("FAIL:", "; ".join(bad))
            return 1
        return rc
    except subprocess.TimeoutExpired as e:
        log("FAIL: timeout:", e)
        return 1
    finally:
        if gw is not None and gw.p.poll() is None:
            gw.p.kill()
            gw.p.wait(5)
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "--flood":
        return flood_main()
    if len(sys.argv) == 5 and sys.argv[1] == "--client":
        return client_main(*sys.argv[2:])
    if len(sys.argv) != 3 or sys.argv[2] not in CASES:
        log("usage: dp_abuse.py SSTPGW {%s}" % "|".join(CASES))
        return 2
    return harness(sys.argv[1], sys.argv[2])


if __name__ == "__main__":
    sys.exit(main())
