# raw+sparse golden streams, written from the spec in docs/formats.md (not by volport's encoder).
# python3 golden.py 1|2: writes golden-v1.rsparse or golden-v2.rsparse next to this script.
import hashlib, os, struct, sys
def crc32c(b):
    crc = 0xffffffff
    for x in b:
        crc ^= x
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xffffffff
def digest(img, version):
    L, G = (1 << 20, 1024) if version == 1 else (1 << 16, 16384)
    root, grp, n = hashlib.sha256(), hashlib.sha256(), 0
    for off in range(0, len(img), L):
        grp.update(hashlib.sha256(img[off:off+L]).digest()); n += 1
        if n == G: root.update(grp.digest()); grp, n = hashlib.sha256(), 0
    if n: root.update(grp.digest())
    root.update(struct.pack('<Q', len(img)))
    return root.digest()
def rec(t, off, length, payload=b''):
    h = struct.pack('<c3xIQQI', t, len(payload), off, length, crc32c(payload) if payload else 0)
    return h + struct.pack('<I', crc32c(h)) + payload
version = int(sys.argv[1])
img = b'hello' + bytes(10) + b'world'
h = b'VPSPARSE' + struct.pack('<IIQI', version, 0, len(img), 0)
out = h + struct.pack('<I', crc32c(h))
out += rec(b'D', 0, 5, b'hello') + rec(b'Z', 5, 10) + rec(b'D', 15, 5, b'world')
out += rec(b'E', 20, 0, struct.pack('<Q', 3) + digest(img, version))
name = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'golden-v%d.rsparse' % version)
open(name, 'wb').write(out)
print(len(out), digest(img, version).hex())
