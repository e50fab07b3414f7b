#!/usr/bin/env python3
"""Writes the seed corpora of the ring fuzz targets (tests/fuzz/corpus/ring_fuzz_*).
Run from the repository root: python3 ring/tests/mkseeds.py"""
import os, struct

def desc(t, off8, len8, flags, tid):
    return struct.pack('<HHHHQ', t, off8, len8, flags, tid)

def pkt(t, hdr, payload, flags=0, tid=0, start=0):
    body = hdr + payload
    plen = 16 + len(body)
    len8 = (plen + 7) // 8
    p = desc(t, (16 + len(hdr)) // 8, len8, flags, tid) + body
    p += b'\0' * (len8 * 8 - plen)
    return p + struct.pack('<II', 0, start)

def gpa_hdr(ranges):
    h = struct.pack('<II', 0, len(ranges))
    for cnt, off, pfns in ranges:
        h += struct.pack('<II', cnt, off) + b''.join(struct.pack('<Q', p) for p in pfns)
    return h

def xfer_hdr(ranges):
    h = struct.pack('<HBBI', 1, 0, 0, len(ranges))
    return h + b''.join(struct.pack('<II', c, o) for c, o in ranges)

def image(opt, start, ctl_w, pkts_bytes, dsz=4096, feat=1, pending=0, mask=0):
    ctl = struct.pack('<IIII', ctl_w, start, mask, pending) + b'\0' * 48 + struct.pack('<I', feat)
    data = bytearray(dsz)
    for i, b in enumerate(pkts_bytes):
        data[(start + i) % dsz] = b
    return bytes([opt]) + struct.pack('<H', start // 8) + ctl + bytes(data[:max(((start + len(pkts_bytes)) if start + len(pkts_bytes) <= dsz else dsz), 1)])

def write(d, name, b):
    with open(os.path.join(d, name), 'wb') as f:
        f.write(b)

D1 = 'tests/fuzz/corpus/ring_fuzz_image'
ps = [
    ('inband', pkt(6, b'', b'hello world', 1, 7)),
    ('empty_inband', pkt(6, b'', b'')),
    ('comp', pkt(11, b'', b'\1\2\3\4', 0, 99)),
    ('gpa', pkt(9, gpa_hdr([(100, 8, [0x1234]), (8192, 4000, [1, 2, 3])]), b'abc', 1, 5)),
    ('xfer', pkt(7, xfer_hdr([(100, 0), (200, 100)]), b'', 1, 3)),
]
for name, p in ps:
    write(D1, name, image(0, 0, len(p), p))
allp = b''.join(p for _, p in ps)
write(D1, 'all_types', image(0, 0, len(allp), allp))
write(D1, 'all_types_batch_peek', image(4 | 16, 0, len(allp), allp))
write(D1, 'small_buffer', image(8, 0, len(allp), allp))
# packets straddling the wrap point
start = 4096 - 24
write(D1, 'wrap', image(0, start, (start + len(allp)) % 4096, allp))
write(D1, 'bad_type', image(0, 0, 32, pkt(8, b'', b'12345678')))
write(D1, 'bad_len', image(0, 0, 24, desc(6, 2, 200, 0, 0) + b'\0' * 8))
write(D1, 'pending', image(0, 0, len(allp), allp, pending=64))

D2 = 'tests/fuzz/corpus/ring_fuzz_hostile'
def hostile(opt, start, pk, actions):
    return bytes([opt]) + struct.pack('<H', start // 8) + bytes([len(pk)]) + \
        b''.join(bytes(x) for x in pk) + actions
write(D2, 'quiet', hostile(0, 0, [(0, 10), (1, 20), (2, 5), (4, 0)], b''))
write(D2, 'quiet_wrap_batch', hostile(4, 4000, [(0, 30), (1, 40), (2, 50)], b''))
# rewrite the write index, a descriptor, data words, pending/feature bits mid-read
write(D2, 'move_w', hostile(0, 0, [(0, 10), (0, 10)], bytes([0, 4, 0x05, 0x00, 0, 0])))
write(D2, 'desc', hostile(0, 0, [(0, 10), (0, 10)],
      bytes([0, 0, 6]) + struct.pack('<II', 0x00050006, 0x00000002) + bytes([0] * 4)))
write(D2, 'data_word', hostile(0, 0, [(1, 10), (0, 10)], bytes([5]) + struct.pack('<HI', 2, 0xFFFFFFFF)))
write(D2, 'pending', hostile(0, 0, [(0, 200)] * 8, bytes([7 | 8]) + struct.pack('<I', 64) + bytes([7]) + struct.pack('<I', 1)))
