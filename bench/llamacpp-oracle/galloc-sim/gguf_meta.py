"""Minimal GGUF metadata + tensor-info reader (no numpy)."""
import struct, sys
TT = {0:'f32',1:'f16',2:'q4_0',8:'q8_0',30:'bf16',39:'mxfp4'}
def read(path):
    f = open(path, 'rb')
    def u(fmt):
        s = struct.calcsize(fmt); return struct.unpack('<' + fmt, f.read(s))[0]
    def rs():
        n = u('Q'); return f.read(n).decode('utf8', 'replace')
    def val(t):
        if t == 8: return rs()
        if t == 9:
            at = u('I'); n = u('Q'); return [val(at) for _ in range(n)]
        fm = {0:'B',1:'b',2:'H',3:'h',4:'I',5:'i',6:'f',7:'?',10:'Q',11:'q',12:'d'}[t]
        return u(fm)
    assert f.read(4) == b'GGUF'
    ver = u('I'); nt = u('Q'); nkv = u('Q')
    kv = {}
    for _ in range(nkv):
        k = rs(); t = u('I'); kv[k] = val(t)
    tensors = []
    for _ in range(nt):
        name = rs(); nd = u('I'); ne = [u('Q') for _ in range(nd)]; typ = u('I'); off = u('Q')
        tensors.append((name, ne, TT.get(typ, typ)))
    return kv, tensors
if __name__ == '__main__':
    kv, ts = read(sys.argv[1])
    for k, v in kv.items():
        if isinstance(v, list) and len(v) > 20: v = f'[{len(v)} items] {v[:8]}'
        print(k, '=', v)
    for t in ts: print(t)
