"""Tiny GGUF header reader: metadata + tensor infos."""
import struct, sys
GT = {0:'f32',1:'f16',2:'q4_0',3:'q4_1',6:'q5_0',7:'q5_1',8:'q8_0',9:'q8_1',10:'q2_k',11:'q3_k',12:'q4_k',13:'q5_k',14:'q6_k',15:'q8_k',24:'i8',25:'i16',26:'i32',27:'i64',28:'f64',30:'bf16',39:'mxfp4'}
def read(path):
    f = open(path, 'rb')
    def u(fmt): return struct.unpack('<'+fmt, f.read(struct.calcsize('<'+fmt)))[0]
    def s(): n = u('Q'); return f.read(n).decode('utf-8', 'replace')
    def val(t):
        F = {0:'B',1:'b',2:'H',3:'h',4:'I',5:'i',6:'f',7:'?',10:'Q',11:'q',12:'d'}
        if t in F: return u(F[t])
        if t == 8: return s()
        if t == 9:
            at = u('I'); n = u('Q')
            return [val(at) for _ in range(n)]
        raise ValueError(t)
    assert f.read(4) == b'GGUF'
    ver = u('I'); nt = u('Q'); nkv = u('Q')
    meta = {}
    for _ in range(nkv):
        k = s(); t = u('I'); meta[k] = val(t)
    tensors = {}
    for _ in range(nt):
        name = s(); nd = u('I'); ne = [u('Q') for _ in range(nd)]; typ = u('I'); off = u('Q')
        tensors[name] = (GT.get(typ, typ), ne)
    return meta, tensors
if __name__ == '__main__':
    m, t = read(sys.argv[1])
    for k, v in m.items():
        if isinstance(v, list) and len(v) > 16: v = f'[{len(v)} items] {v[:8]}...'
        print(k, '=', v)
    for k, v in t.items():
        if k.startswith('blk.') and not (k.startswith('blk.0.') or k.startswith('blk.1.') or k.startswith('blk.3.')): continue
        print(k, v)
