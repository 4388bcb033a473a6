#!/usr/bin/env python3
"""Print every alloc/in-place/free event with offsets. usage: timeline.py MODEL CTX fa|nofa KV [SEQ] [--max N]"""
import sys, os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sim import SHAPES, simulate
from models import P
argv = sys.argv[1:]
if '--max' in argv:
    i = argv.index('--max'); lim = int(argv[i + 1]); del argv[i:i + 2]
else:
    lim = 10**9
a = [x for x in argv if not x.startswith('--')]
p = P(**SHAPES[a[0]], n_ctx_seq=int(a[1]), n_seq=int(a[4]) if len(a) > 4 else 1, n_ubatch=512, fa=a[2] == 'fa', kv=a[3])
total, parts, (g, ga) = simulate(p, trace=True)
for i, (kind, t, off, mx, live) in enumerate(ga.events[:lim]):
    sz = ga.alloc._pad(t.nbytes())
    print(f"{i:4} {kind:7} {t.op:10} {t.name:18} {str(t.ne):22} off={off:>10} end={off+sz:>10} size={sz:>10} hw={mx}")
