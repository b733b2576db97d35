#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Fuzz seeds from the real client's traffic (issue #6).

usage: fuzz-seeds-from-pcap.py [--pcap FILE [--tls12]] [--plain DIR] [--max N] OUTDIR

--pcap: a capture (libpcap, Ethernet) of the bridge between the real client
  (sstpc in user-mode Linux) and the DPDK gateway's outer port
  (scripts/fuzz-capture-e2e.sh). Gives seeds for
    net     byte 0 = 0 (outer port, worker 0, no clock step), then one
            Ethernet frame from the client; the gateway's MAC is rewritten
            to fuzz_net's outer MAC 02:00:00:00:00:01
    tcp     fuzz_tcp's ops: the client's SYN as is, the rest of its segments
            with relative numbers (SEQ/ACK fields 0: in order, acking
            SND.UNA), clock ops for the gaps, payload cut to fit L <= 255
    record  mode RAW13 (RAW12 with --tls12), plain and differential, each
            piece one TLS record of the client's stream as it came off the wire
--plain: the files sock_gateway --capture DIR wrote (<what>-<n>.bin, n in
  arrival order). Gives seeds for
    http    byte 0 the piece-size seed, then the request
    sstp    flags (2: CALL_CONNECTED verified good), clock step 1, then the
            SSTP packets back to back (chunks after the first start with
            flag bit 0: a valid CALL_CONNECT_REQUEST first)
    ppp     setup (the stage the link had reached before the chunk's first
            frame), then 2-byte length + frame records
    eaptls  max_frag selector, then 2-byte length + Type-Data records
    record  mode INNER13: each piece a TLSInnerPlaintext (the plaintext,
            content type 23, a little zero padding now and then)
Seeds are named real-<what>-<n>, each < 4 KiB, at most --max (15) per
target. Python 3 standard library only; the pcap is parsed by hand.
"""
import argparse
import glob
import os
import re
import struct
import sys

LIMIT = 4000          # bytes per seed (< 4 KiB)
FZ_OUTER_MAC = bytes([2, 0, 0, 0, 0, 1])
GW_IP = bytes([10, 77, 0, 1])
PORT = 443


def read_pcap(path):
    """[(time_s, frame)] of a classic pcap file with Ethernet frames."""
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError('%s: not a pcap file' % path)
    magic = data[:4]
    table = {b'\xd4\xc3\xb2\xa1': ('<', 1e-6), b'\xa1\xb2\xc3\xd4': ('>', 1e-6),
             b'\x4d\x3c\xb2\xa1': ('<', 1e-9), b'\xa1\xb2\x3c\x4d': ('>', 1e-9)}
    if magic not in table:
        raise ValueError('%s: not a pcap file (magic %s)' % (path, magic.hex()))
    end, unit = table[magic]
    linktype = struct.unpack(end + 'I', data[20:24])[0]
    if linktype != 1:
        raise ValueError('%s: link type %d, want 1 (Ethernet)' % (path, linktype))
    out, off = [], 24
    while off + 16 <= len(data):
        sec, frac, incl, _orig = struct.unpack(end + 'IIII', data[off:off + 16])
        off += 16
        if off + incl > len(data):
            break
        out.append((sec + frac * unit, data[off:off + incl]))
        off += incl
    return out


def parse_frame(fr):
    """dict of what the frame holds (Ethernet, ARP, IPv4, TCP)."""
    if len(fr) < 14:
        return None
    d = {'dst': fr[0:6], 'src': fr[6:12], 'type': struct.unpack('>H', fr[12:14])[0]}
    if d['type'] == 0x0806 and len(fr) >= 42:
        d['arp_op'] = struct.unpack('>H', fr[20:22])[0]
        d['arp_sip'], d['arp_tip'] = fr[28:32], fr[38:42]
    if d['type'] != 0x0800 or len(fr) < 34:
        return d
    ihl = (fr[14] & 15) * 4
    tot = struct.unpack('>H', fr[16:18])[0]
    d['proto'], d['sip'], d['dip'] = fr[23], fr[26:30], fr[30:34]
    ip_end = min(len(fr), 14 + tot)
    if d['proto'] == 6 and ip_end >= 14 + ihl + 20:
        t = fr[14 + ihl:ip_end]
        d['tcp'] = t
        d['sport'], d['dport'] = struct.unpack('>HH', t[0:4])
        d['seq'], d['ack'] = struct.unpack('>II', t[4:12])
        d['thl'] = (t[12] >> 4) * 4
        d['flags'] = t[13]
        d['payload'] = t[d['thl']:]
    return d


def gateway_mac(pkts):
    for _, fr in pkts:
        d = parse_frame(fr)
        if d and (d.get('sip') == GW_IP or d.get('arp_sip') == GW_IP):
            return d['src']
    return None


def client_frames(pkts, gw):
    """Frames the gateway receives: everything not sent by it."""
    return [(t, fr, parse_frame(fr)) for t, fr in pkts
            if parse_frame(fr) is not None and fr[6:12] != gw]


def write(outdir, target, name, blob, seeds):
    if len(blob) >= LIMIT + 96 or len(seeds.setdefault(target, [])) >= MAX:
        return
    os.makedirs(os.path.join(outdir, target), exist_ok=True)
    with open(os.path.join(outdir, target, name), 'wb') as f:
        f.write(blob)
    seeds[target].append(name)


# ---- net ----

def net_kind(d):
    if 'arp_op' in d:
        return 'arp'
    if 'tcp' in d:
        fl = d['flags']
        if fl & 0x02:
            return 'syn'
        if fl & 0x04:
            return 'rst'
        if fl & 0x01:
            return 'fin'
        if d['payload']:
            return 'tls'
        return 'ack'
    if d.get('proto') == 1:
        return 'icmp'
    if 'proto' in d:
        return 'ip'
    return 'eth%04x' % d['type']


def net_seeds(frames, gw, outdir, seeds):
    want = {'arp': 2, 'syn': 1, 'ack': 2, 'tls': 7, 'fin': 1, 'rst': 1, 'icmp': 1}
    taken = {}
    for _, fr, d in frames:
        k = net_kind(d)
        if taken.get(k, 0) >= want.get(k, 1):
            continue
        # TLS data: keep diverse sizes (ClientHello, small, full-size).
        if k == 'tls' and any(abs(len(fr) - s) < 40 for s in taken.get('tls_sizes', [])):
            continue
        fr = bytearray(fr)
        if fr[0:6] == gw:
            fr[0:6] = FZ_OUTER_MAC
        if k == 'arp' and fr[32:38] == gw:
            fr[32:38] = FZ_OUTER_MAC
        taken[k] = taken.get(k, 0) + 1
        if k == 'tls':
            taken.setdefault('tls_sizes', []).append(len(fr))
        write(outdir, 'net', 'real-%s-%d' % (k, taken[k] - 1), bytes([0]) + bytes(fr), seeds)


# ---- tcp ----

def tcp_conns(frames):
    """{client port: [(time, d)]}: the client's segments to port 443."""
    conns = {}
    for t, _, d in frames:
        if 'tcp' in d and d['dport'] == PORT:
            conns.setdefault(d['sport'], []).append((t, d))
    return conns


def syn_setup(d):
    """fuzz_tcp setup bits from the options of the client's SYN."""
    bits, opts, i = 0, d['tcp'][20:d['thl']], 0
    while i < len(opts):
        k = opts[i]
        if k == 0:
            break
        if k == 1:
            i += 1
            continue
        if i + 1 >= len(opts) or opts[i + 1] < 2:
            break
        bits |= {8: 1, 4: 2, 3: 4}.get(k, 0)
        i += opts[i + 1]
    return bits


def seg_op(d, relative, ack=0):
    hdr = bytearray(d['tcp'][:d['thl']])
    room = 255 - len(hdr)
    if room < 0:
        return b''
    if relative:                      # SEQ = RCV.NXT, ACK = SND.UNA + ack
        hdr[4:12] = bytes(6) + struct.pack('>H', ack)
    body = bytes(hdr) + bytes(d['payload'][:room])
    sel = 0x20 if relative else 0     # peer port index 0, port 443
    return bytes([0, sel, len(body)]) + body


def gap_ops(dt):
    steps, out = int(dt * 1000 / 37), b''
    while steps > 0 and len(out) < 8:
        n = min(steps, 63)
        out += bytes([1 | n << 2])
        steps -= n
    return out


def tcp_seeds(frames, outdir, seeds):
    for port, segs in sorted(tcp_conns(frames).items()):
        syn = next((d for _, d in segs if d['flags'] & 0x02), None)
        if syn is None:
            continue
        setup = syn_setup(syn)
        rest = [(t, d) for t, d in segs if not d['flags'] & 0x02]
        head = seg_op(syn, False)
        chunks, cur, last_t = [], b'', segs[0][0]
        for k, (t, d) in enumerate(rest):
            # The handshake's ACK: SND.UNA is still our ISS in SYN-RECEIVED.
            op = gap_ops(t - last_t) + seg_op(d, True, 1 if k == 0 else 0)
            last_t = t
            if len(head) + 1 + len(cur) + len(op) > LIMIT:
                chunks.append(cur)
                cur = b''
            cur += op
        if cur:
            chunks.append(cur)
        for i, c in enumerate(chunks[:8]):
            write(outdir, 'tcp', 'real-conn-%d' % i, bytes([setup]) + head + c, seeds)
        # The first chunk again: server without options; tiny buffers.
        if chunks:
            write(outdir, 'tcp', 'real-noopts-0', bytes([0]) + head + chunks[0], seeds)
            write(outdir, 'tcp', 'real-tiny-0', bytes([setup | 8]) + head + chunks[0], seeds)
        break  # one connection is enough (the dpdk case has one)


# ---- record ----

def client_stream(frames):
    """The client's byte stream to port 443, in order, once."""
    conns = tcp_conns(frames)
    if not conns:
        return b''
    segs = conns[sorted(conns)[0]]
    syn = next((d for _, d in segs if d['flags'] & 0x02), None)
    if syn is None:
        return b''
    nxt, out = (syn['seq'] + 1) & 0xffffffff, bytearray()
    pending = {}
    for _, d in segs:
        if d['payload']:
            pending.setdefault(d['seq'], d['payload'])
        while nxt in pending:
            p = pending.pop(nxt)
            out += p
            nxt = (nxt + len(p)) & 0xffffffff
    return bytes(out)


def split_records(stream):
    recs, off = [], 0
    while off + 5 <= len(stream):
        n = struct.unpack('>H', stream[off + 3:off + 5])[0]
        if off + 5 + n > len(stream):
            break
        recs.append(stream[off:off + 5 + n])
        off += 5 + n
    return recs


def pack(mode, pieces, extra=lambda i, p: b''):
    """Seeds (mode byte, then 2-byte length + piece [+ extra]) < LIMIT."""
    out, cur, k = [], b'', 0
    for p in pieces:
        rec = struct.pack('>H', len(p)) + extra(k, p) + p
        k += 1
        if len(rec) + 1 > LIMIT:
            continue
        if len(cur) + len(rec) + 1 > LIMIT or k > 60:
            out.append(bytes([mode]) + cur)
            cur, k = b'', 1
        cur += rec
    if cur:
        out.append(bytes([mode]) + cur)
    return out


def record_seeds(frames, outdir, seeds, tls12):
    recs = split_records(client_stream(frames))
    mode, v = (0, 12) if tls12 else (1, 13)     # RAW12 or RAW13
    for i, s in enumerate(pack(mode, recs)[:6]):
        write(outdir, 'record', 'real-raw%d-%d' % (v, i), s, seeds)
    # Differential: three cut points per record (fuzz_record bit 6).
    cuts = lambda i, p: struct.pack('>HHH', 3, len(p) // 2, max(len(p) - 7, 0))
    for i, s in enumerate(pack(mode | 0x40, recs, cuts)[:2]):
        write(outdir, 'record', 'real-diff%d-%d' % (v, i), s, seeds)


# ---- plaintext (sock_gateway --capture) ----

def read_plain(d):
    got = []
    for p in glob.glob(os.path.join(d, '*.bin')):
        m = re.match(r'([a-z]+)-(\d+)\.bin$', os.path.basename(p))
        if m:
            with open(p, 'rb') as f:
                got.append((int(m.group(2)), m.group(1), f.read()))
    got.sort()
    return got


def chunks_of(items, size_of, limit):
    out, cur, n = [], [], 0
    for it in items:
        if n + size_of(it) > limit and cur:
            out.append(cur)
            cur, n = [], 0
        if size_of(it) <= limit:
            cur.append(it)
            n += size_of(it)
    if cur:
        out.append(cur)
    return out


def ppp_stage(f):
    """How far the link must be for f: 1 LCP opened (EAP), 2 authenticated
    (IPCP), 3 IPCP opened (IPv4), else 0."""
    h = 2 if f[:2] == b'\xff\x03' else 0
    proto = struct.unpack('>H', f[h:h + 2])[0] if len(f) >= h + 2 else 0
    return {0xc227: 1, 0x8021: 2, 0x0021: 3}.get(proto, 0)


def last_call(plain):
    """The last call of the capture (a stalled client retries: the calls
    before it got no further than HTTP): from its first HTTP piece on."""
    start = 0
    for i, (_, w, _p) in enumerate(plain):
        if w == 'http' and (i == 0 or plain[i - 1][1] != 'http'):
            start = i
    return plain[start:]


def sstp_type(p):
    """The message type of a control packet (MS-SSTP 2.2.3), else None."""
    return struct.unpack('>H', p[4:6])[0] if len(p) >= 6 and p[1] & 1 else None


def plain_seeds(plain, outdir, seeds):
    plain = last_call(plain)
    http = b''.join(p for _, w, p in plain if w == 'http')
    if http:
        for i, b0 in enumerate((0, 7, 0x5a)):
            write(outdir, 'http', 'real-http-%d' % i, bytes([b0]) + http, seeds)
    sstp = [p for _, w, p in plain if w == 'sstp']
    for i, c in enumerate(chunks_of(sstp, len, LIMIT - 2)[:10]):
        flags = 2 if i == 0 else 3
        write(outdir, 'sstp', 'real-sstp-%d' % i, bytes([flags, 1]) + b''.join(c), seeds)
        if i == 0:
            write(outdir, 'sstp', 'real-sstp-bad-%d' % i, bytes([4, 1]) + b''.join(c), seeds)
            write(outdir, 'sstp', 'real-sstp-slow-%d' % i, bytes([2, 200]) + b''.join(c), seeds)
    # From CALL_CONNECTED (type 4) on, after a valid CALL_CONNECT_REQUEST.
    cc = next((i for i, p in enumerate(sstp) if sstp_type(p) == 4), None)
    if cc is not None:
        for i, c in enumerate(chunks_of(sstp[cc:], len, LIMIT - 2)[:2]):
            write(outdir, 'sstp', 'real-sstp-cc-%d' % i, bytes([3, 1]) + b''.join(c), seeds)
    ppp = [p for _, w, p in plain if w == 'ppp']
    stage, items = 0, []
    for f in ppp:
        stage = max(stage, ppp_stage(f))   # what the frame implies came first
        items.append((stage, f))
    size = lambda it: len(it[1]) + 2
    # The whole call, then from each stage on (setup: how far fuzz_ppp's
    # well-behaved client takes the link first; EAP-TLS rounds: 2).
    starts = [0] + [i for i in range(1, len(items)) if items[i][0] != items[i - 1][0]]
    for st in starts:
        for i, c in enumerate(chunks_of(items[st:], size, LIMIT - 1)[:3]):
            setup = c[0][0] | 2 << 3
            write(outdir, 'ppp', 'real-ppp-s%d-%d' % (c[0][0], i),
                  bytes([setup]) + b''.join(struct.pack('>H', len(f)) + f for _, f in c),
                  seeds)
    eap = [p for _, w, p in plain if w == 'eaptls']
    # max_frag = 64 + 8 * byte 0: 178 is what the gateway used (MRU 1500 - 10).
    for sel in (178, 0, 40):
        for i, c in enumerate(chunks_of(eap, lambda p: len(p) + 2, LIMIT - 1)[:4]):
            write(outdir, 'eaptls', 'real-eaptls-%d-%d' % (sel, i),
                  bytes([sel]) + b''.join(struct.pack('>H', len(p)) + p for p in c), seeds)
    # The record layer behind the MAC: the same plaintext sealed by the
    # fuzz client (INNER13: content, type 23, zero padding now and then).
    stream = http + b''.join(sstp)
    pieces = [stream[i:i + 1200] + b'\x17' + bytes(i % 3)
              for i in range(0, len(stream), 1200)]
    for i, s in enumerate(pack(3, pieces)[:4]):
        write(outdir, 'record', 'real-inner13-%d' % i, s, seeds)


def main():
    global MAX
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--pcap')
    ap.add_argument('--plain')
    ap.add_argument('--max', type=int, default=15)
    ap.add_argument('--tls12', action='store_true',
                    help='the outer TLS of the pcap is 1.2 (record seeds in RAW12)')
    ap.add_argument('outdir')
    a = ap.parse_args()
    MAX = a.max
    seeds = {}
    if a.pcap:
        pkts = read_pcap(a.pcap)
        gw = gateway_mac(pkts)
        if gw is None:
            sys.exit('%s: no frame from the gateway %s' % (a.pcap, '.'.join(map(str, GW_IP))))
        frames = client_frames(pkts, gw)
        net_seeds(frames, gw, a.outdir, seeds)
        tcp_seeds(frames, a.outdir, seeds)
        record_seeds(frames, a.outdir, seeds, a.tls12)
    if a.plain:
        plain_seeds(read_plain(a.plain), a.outdir, seeds)
    for t in sorted(seeds):
        print('%-7s %2d seeds: %s' % (t, len(seeds[t]), ' '.join(seeds[t])))


MAX = 15
if __name__ == '__main__':
    main()
