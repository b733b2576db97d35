#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""dp suite: the real engine (sstpgw) in a network namespace, against the
Linux kernel's IPv4 and TCP on a net_tap port.

    netns sgwdpNNN (created and deleted here)
    +---------------------------+          +------------------------------+
    | kernel                    |          | sstpgw (DPDK, --no-huge)     |
    |  dpout 10.77.0.1/24  <----+ net_tap0 +--> outer 10.77.0.2/24 :443   |
    |  dpin  192.168.77.1/24 <--+ net_tap1 +--> inner 192.168.77.2/24     |
    +---------------------------+          +------------------------------+

Port 443 runs a test application (--tcp-test echo|discard|source) instead
of SSTP, so TCP is tested on its own.

  dp_test.py SSTPGW TEST        run TEST (harness: namespace, gateway, checks)
  dp_test.py --client TEST ...  the client half, run inside the namespace

Exit 0 pass, 1 fail, 77 skip (not root, no namespaces, DPDK cannot start).
"""
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import zlib

SKIP = 77
GW, ME = "10.77.0.2", "10.77.0.1"
GW_IN, ME_IN = "192.168.77.2", "192.168.77.1"
MB = 1 << 20


def log(*a):
    print(*a, flush=True)


# ---------------------------------------------------------------- client side

def pattern_block():
    return bytes(i % 251 for i in range(251 * 300))


def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b[: len(b) // 2 * 2]))
    if len(b) % 2:
        s += b[-1] << 8
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def connect(port=443, timeout=10):
    s = socket.create_connection((GW, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def echo_stream(s, size):
    """size bytes through echo on the connected socket s, read back at the
    same time; checks count and CRC; returns seconds."""
    data = os.urandom(MB) * (size // MB)
    got = {"crc": 0, "n": 0}

    def reader():
        crc, n = 0, 0
        while n < size:
            b = s.recv(1 << 16)
            if not b:
                break
            crc = zlib.crc32(b, crc)
            n += len(b)
        got["crc"], got["n"] = crc, n

    t0 = time.monotonic()
    th = threading.Thread(target=reader)
    th.start()
    s.sendall(data)
    th.join(60)
    dt = time.monotonic() - t0
    assert got["n"] == size, "echo: got %d of %d bytes" % (got["n"], size)
    assert got["crc"] == zlib.crc32(data), "echo: data differs"
    return dt


def echo_bulk(size):
    """Send size bytes on a new connection and read them back; seconds."""
    s = connect()
    try:
        return echo_stream(s, size)
    finally:
        s.close()


def discard_bulk(size):
    s = connect()
    data = os.urandom(MB) * (size // MB)
    t0 = time.monotonic()
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    reply = b""
    while len(reply) < 12:
        b = s.recv(12 - len(reply))
        if not b:
            break
        reply += b
    dt = time.monotonic() - t0
    s.close()
    n, crc = struct.unpack("!QI", reply)
    assert n == size, "discard: server counted %d of %d" % (n, size)
    assert crc == zlib.crc32(data), "discard: crc differs"
    return dt


def source_bulk(size, pause=0.0):
    s = connect()
    pat = pattern_block()
    s.sendall(struct.pack("!Q", size))
    if pause:
        time.sleep(pause)       # zero window: the kernel's buffer fills up
    t0 = time.monotonic()
    n = 0
    while True:
        b = s.recv(1 << 16)
        if not b:
            break
        o = n % 251
        assert b == pat[o:o + len(b)], "source: pattern differs at %d" % n
        n += len(b)
    dt = time.monotonic() - t0
    s.close()
    assert n == size, "source: got %d of %d" % (n, size)
    return dt


def median_rate(fn, size, runs=3):
    rates = sorted(size / MB / fn(size) for _ in range(runs))
    return rates[len(rates) // 2], rates


def icmp_echo(dst, count=3):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.settimeout(2)
    ok = 0
    for seq in range(count):
        payload = b"sstpgw-dp" * 4
        hdr = struct.pack("!BBHHH", 8, 0, 0, 0x4242, seq)
        hdr = struct.pack("!BBHHH", 8, 0, csum(hdr + payload), 0x4242, seq)
        s.sendto(hdr + payload, (dst, 0))
        end = time.monotonic() + 2
        while time.monotonic() < end:
            try:
                pkt = s.recv(2048)
            except socket.timeout:
                break
            ihl = (pkt[0] & 15) * 4
            t, _, _, ident, sq = struct.unpack("!BBHHH", pkt[ihl:ihl + 8])
            if t == 0 and ident == 0x4242 and sq == seq and pkt[ihl + 8:] == payload:
                ok += 1
                break
    return ok


def ip_hdr(src, dst, proto, payload, frag=0, bad_csum=False, total=None):
    tl = total if total is not None else 20 + len(payload)
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, tl, 1, frag, 64, proto, 0,
                    socket.inet_aton(src), socket.inet_aton(dst))
    c = csum(h) ^ (0x1111 if bad_csum else 0)
    return h[:10] + struct.pack("!H", c) + h[12:] + payload


def frames(gw_mac, my_mac):
    """Malformed and odd IPv4 frames for the gateway's checks."""
    eth = bytes.fromhex(gw_mac.replace(":", "")) + bytes.fromhex(my_mac.replace(":", "")) \
        + b"\x08\x00"
    udp = struct.pack("!HHHH", 5555, 9, 12, 0) + b"ping"
    tcp = struct.pack("!HHIIBBHHH", 5555, 443, 1, 0, 0x50, 0x02, 1024, 0xdead, 0)
    return [
        eth + ip_hdr(ME, GW, 17, udp, bad_csum=True),      # ipv4_bad_csum
        eth + ip_hdr(ME, GW, 17, udp, frag=0x2000),        # ipv4_frag (MF)
        eth + ip_hdr(ME, GW, 17, udp, frag=0x0010),        # ipv4_frag (offset)
        eth + ip_hdr(ME, GW, 17, udp, total=400),          # ipv4_bad_len
        eth + ip_hdr(ME, GW, 6, tcp),                      # tcp_bad_csum
        eth + b"\x46" + ip_hdr(ME, GW, 17, udp)[1:],       # ipv4_bad_csum (ihl 6)
        eth + ip_hdr(ME, GW, 17, udp),                     # icmp port unreachable
    ]


def client_basic(gw_mac, my_mac):
    assert icmp_echo(GW, 3) == 3, "no echo replies from the outer address"
    assert icmp_echo(GW_IN, 2) == 2, "no echo replies from the inner address"
    neigh = subprocess.run(["ip", "neigh", "show", GW], capture_output=True, text=True).stdout
    assert gw_mac in neigh, "ARP: %r does not show %s" % (neigh, gw_mac)
    icmp = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    icmp.settimeout(2)
    raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    raw.bind(("dpout", 0))
    for f in frames(gw_mac, my_mac):
        raw.send(f)
    unreach = False
    end = time.monotonic() + 3
    while time.monotonic() < end and not unreach:
        try:
            pkt = icmp.recv(2048)
        except socket.timeout:
            break
        ihl = (pkt[0] & 15) * 4
        unreach = pkt[ihl] == 3 and pkt[ihl + 1] == 3
    assert unreach, "no ICMP port unreachable for UDP to the gateway"
    # A TCP port nobody listens on: the stack answers RST.
    try:
        connect(444, timeout=3)
        raise AssertionError("port 444 accepted a connection")
    except ConnectionRefusedError:
        pass
    except socket.timeout:
        raise AssertionError("SYN to port 444: no RST the kernel accepts (the RST "
                             "must come from port 444, RFC 9293 3.10.7.1)")


def client_bulk(app):
    size = 20 * MB
    fn = {"echo": echo_bulk, "discard": discard_bulk, "source": source_bulk}[app]
    med, rates = median_rate(fn, size)
    log("throughput %s %d MB: median %.1f MB/s (runs %s)" %
        (app, size // MB, med, ", ".join("%.1f" % r for r in rates)))


def client_loss():
    for fn, size in ((echo_bulk, 4 * MB),):
        dt = fn(size)
        log("loss: %s %d MB intact in %.1f s" % (fn.__name__, size // MB, dt))


def client_parallel():
    """Eight connections at once over two workers (the tap spreads flows)."""
    errs = []

    def one():
        try:
            echo_bulk(4 * MB)
        except (AssertionError, OSError) as e:
            errs.append(e)
    ths = [threading.Thread(target=one) for _ in range(8)]
    for t in ths:
        t.start()
    for t in ths:
        t.join(45)
    assert not errs, "parallel: %s" % errs[0]
    assert icmp_echo(GW, 3) == 3, "no echo replies with two workers"
    log("parallel: 8 x 4 MB echoed intact over 2 workers")


def client_zerowin():
    dt = source_bulk(16 * MB, pause=3.0)
    log("zero window: 16 MB intact after a 3 s stall (%.1f s)" % dt)


def client_rst():
    s = connect()
    s.sendall(b"x" * 100000)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()                       # RST
    time.sleep(0.5)
    # The gateway must still serve new connections.
    s = connect()
    s.sendall(b"after-rst")
    assert s.recv(100) == b"after-rst", "echo after RST failed"
    s.close()


def client_syncookies():
    """A SYN flood from addresses that never answer fills the SYN queue;
    an established connection keeps working and a new one still connects."""
    s = connect()
    s.sendall(b"before")
    assert s.recv(100) == b"before"
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    sent = 0
    for i in range(2000):
        src = "10.77.0.%d" % (100 + i % 100)    # on-link, nobody answers ARP
        tcp = struct.pack("!HHIIBBHHH", 10000 + i, 443, i * 7919, 0, 0x50, 0x02, 65535, 0, 0)
        ph = socket.inet_aton(src) + socket.inet_aton(GW) + struct.pack("!BBH", 0, 6, 20)
        tcp = tcp[:16] + struct.pack("!H", csum(ph + tcp)) + tcp[18:]
        raw.sendto(ip_hdr(src, GW, 6, tcp), (GW, 0))
        sent += 1
    s.sendall(b"during")
    assert s.recv(100) == b"during", "established connection broke under the flood"
    s2 = connect()
    s2.sendall(b"new")
    assert s2.recv(100) == b"new", "new connection under the flood failed"
    s2.close()
    s.close()
    log("syn flood: %d SYNs sent" % sent)


def client_main(test, args):
    fn = {"basic": lambda: client_basic(*args), "bulk": lambda: client_bulk(*args),
          "loss": client_loss, "parallel": client_parallel, "zerowin": client_zerowin, "rst": client_rst,
          "syncookies": client_syncookies}[test]
    try:
        fn()
    except (AssertionError, OSError) as e:
        log("FAIL:", e)
        return 1
    return 0


# --------------------------------------------------------------- harness side

TESTS = {
    # name: (app, extra gateway options, client args builder, stats checks)
    "basic": ("echo", [], "basic",
              ["icmp_echo_replies>=5", "arp_replies>=1", "ipv4_bad_csum>=2", "ipv4_frag>=2",
               "ipv4_bad_len>=1", "tcp_bad_csum>=1", "icmp_errors_sent>=1",
               "tcp_rst_sent>=1"]),
    "bulk_echo": ("echo", [], "bulk", ["tcp_conns_established>=3"]),
    "bulk_discard": ("discard", [], "bulk", ["tcp_conns_established>=3"]),
    "bulk_source": ("source", [], "bulk", ["tcp_conns_established>=3"]),
    "loss": ("echo", ["--fault-drop", "0.05", "--fault-dup", "0.02", "--fault-reorder",
                      "0.02", "--fault-seed", "7"], "loss",
             ["fault_dropped>=10", "fault_duplicated>=1", "fault_reordered>=1",
              "tcp_retransmits>=1"]),
    "workers2": ("echo", ["--workers", "2"], "parallel",
                 ["tcp_conns_established>=8", "arp_shared>=1"]),
    "zerowin": ("source", [], "zerowin", ["tcp_zero_window_probes>=1"]),
    "rst": ("echo", [], "rst", ["tcp_conns_reset>=1", "tcp_conns_established>=2"]),
    "syncookies": ("echo", [], "syncookies", ["tcp_syn_queue_full>=1", "tcp_cookies_sent>=1",
                                              "tcp_cookies_ok>=1"]),
    # A full transmit queue: 5% of the outer tx bursts are taken only in
    # part (the rest dropped, counted in tx_full); TCP repairs.
    "txq_full": ("echo", ["--fault-txq-full", "0.05", "--fault-where", "tx", "--fault-seed", "5"],
                 "loss", ["tx_full>=10", "tcp_retransmits>=1"]),
    # Mempool exhaustion: 54 mbufs more than the receive rings hold (2 x
    # 1023): segments go unsent (tcp_tx_nombuf), TCP repairs, every byte
    # arrives, and every mbuf is back at the end.
    "mbufs_low": ("echo", ["--mbufs", "2100"], "parallel",
                  ["tcp_conns_established>=8", "tcp_tx_nombuf>=1", "mbufs_in_use<=2046"]),
}


def sh(*cmd, check=True):
    return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=20)


class Gateway:
    def __init__(self, exe, ns, app, extra):
        self.lines = []
        self.ready = threading.Event()
        cmd = ["ip", "netns", "exec", ns, exe,
               "--outer", "net_tap0,iface=dpout", "--outer-addr", GW + "/24",
               "--inner", "net_tap1,iface=dpin", "--inner-addr", GW_IN + "/24",
               "--tcp-test", app, "--file-prefix", ns, "--mem", "256"] + extra
        log("+", " ".join(cmd))
        self.p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.p.stdout:
            self.lines.append(line.rstrip("\n"))
            if line.startswith("ready"):
                self.ready.set()
        self.ready.set()

    def mac(self, which):
        for l in self.lines:
            if l.startswith("port " + which):
                return l.split("mac=")[1].split()[0]
        return None

    def stop(self, timeout=15):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait(5)
            return None

    def stats(self):
        st = {}
        for l in self.lines:
            if l.startswith("stats "):
                _, _, kv = l.split(" ", 2)
                k, v = kv.split("=")
                st[k] = st.get(k, 0) + int(v)     # summed over workers
        return st


def check_stats(st, checks):
    bad = []
    for c in checks:
        op = ">=" if ">=" in c else "<="
        k, v = c.split(op)
        got = st.get(k, 0)
        if (got < int(v)) if op == ">=" else (got > int(v)):
            bad.append("%s=%d (want %s %s)" % (k, got, op, v))
    return bad


def harness(exe, test):
    if os.geteuid() != 0:
        log("SKIP: needs root (network namespaces, tap devices)")
        return SKIP
    app, extra, client, checks = TESTS[test]
    ns = "sgwdp%d" % os.getpid()
    if subprocess.run(["ip", "netns", "add", ns], capture_output=True).returncode != 0:
        log("SKIP: cannot create a network namespace")
        return SKIP
    gw = None
    try:
        gw = Gateway(exe, ns, app, extra)
        gw.ready.wait(20)
        if gw.p.poll() is not None or not any(l.startswith("ready") for l in gw.lines):
            log("\n".join(gw.lines[-20:]))
            log("SKIP: the engine did not start (DPDK/tap unavailable?)")
            return SKIP
        for dev, addr in (("dpout", ME), ("dpin", ME_IN)):
            sh("ip", "netns", "exec", ns, "ip", "link", "set", dev, "up")
            sh("ip", "netns", "exec", ns, "ip", "addr", "add", addr + "/24", "dev", dev)
        sh("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")
        my_mac = sh("ip", "netns", "exec", ns, "cat", "/sys/class/net/dpout/address").stdout.strip()
        args = {"basic": [gw.mac("outer"), my_mac], "bulk": [app]}.get(client, [])
        t0 = time.monotonic()
        rc = subprocess.run(["ip", "netns", "exec", ns, sys.executable, __file__, "--client",
                             client] + args, timeout=50).returncode
        log("client: rc=%d in %.1f s" % (rc, time.monotonic() - t0))
        code = gw.stop()
        log("\n".join(l for l in gw.lines if not l.startswith("EAL") and "qdisc" not in l))
        if code != 0:
            log("FAIL: sstpgw exit code %s (want 0)" % code)
            return 1
        bad = check_stats(gw.stats(), checks)
        if bad:
            log("FAIL: counters:", ", ".join(bad))
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


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "--client":
        return client_main(sys.argv[2], sys.argv[3:])
    if len(sys.argv) != 3 or sys.argv[2] not in TESTS:
        log("usage: dp_test.py SSTPGW {%s}" % "|".join(TESTS))
        return 2
    return harness(sys.argv[1], sys.argv[2])


if __name__ == "__main__":
    sys.exit(main())
