#!/usr/bin/env python3
"""Layout right after the allocation of the tensor NAME (last occurrence). usage: at.py MODEL CTX fa|nofa KV NAME"""
import sys, os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sim import SHAPES, simulate
from models import P
MiB = 1 << 20
m, ctx, fa, kv, name = sys.argv[1:6]
p = P(**SHAPES[m], n_ctx_seq=int(ctx), n_seq=1, n_ubatch=512, fa=fa == 'fa', kv=kv)
total, parts, (g, ga) = simulate(p, trace=True)
idx = max(i for i, e in enumerate(ga.events) if e[0] != 'free' and e[1].name == name)
kind, t, off, mx, live = ga.events[idx]
print(f"after {kind} {name} @ {off/MiB:.4f} MiB (event {idx}), hw={mx/MiB:.4f}")
end = 0
for tid, (tt, o, sz) in sorted(live.items(), key=lambda kv: kv[1][1]):
    if o > end:
        print(f"   {end/MiB:10.4f} .. {o/MiB:10.4f}  HOLE {(o-end)/MiB:.4f}")
    print(f"   {o/MiB:10.4f} .. {(o+sz)/MiB:10.4f}  {sz/MiB:8.4f}  {tt.op:14} {tt.name}")
    end = max(end, o + sz)
