#!/usr/bin/env python3
"""Sweep context/KV/FA for a shape and report which tensor sets the peak and the residual over logits."""
import sys, os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sim import SHAPES
from models import P, build_graph
from ggml_sim import reserve
MiB = 1 << 20
model = sys.argv[1]
T = int(sys.argv[2]) if len(sys.argv) > 2 else 512
sh = SHAPES[model]
A = 4 * sh['d'] * T
Lg = 4 * sh['n_vocab'] * T
print(f"{model} T={T} A={A/MiB:.4f} MiB Lg={Lg/MiB:.4f} MiB")
for fa in (True, False):
    for kv in ('f16', 'q8_0'):
        if not fa and kv != 'f16':
            continue
        for ctx in (512, 1024, 2048, 4096, 8192, 16384, 32768):
            p = P(**sh, n_ctx_seq=ctx, n_seq=1, n_ubatch=T, fa=fa, kv=kv)
            g = build_graph(p, min(T, ctx), 1, min(T, ctx))
            size, ga = reserve(g, trace=True)
            # which event set the final max
            who = None
            for kind, t, off, mx, live in ga.events:
                if kind != 'free' and mx == size:
                    who = (t.name or t.op, off); break
            resid = size - Lg
            print(f"  fa={fa!s:5} kv={kv:5} ctx={ctx:6} peak={size/MiB:10.4f}  set by {who[0]:14} @ {who[1]/MiB:9.4f} MiB"
                  f"  peak-Lg={resid/MiB:9.4f} = {resid/A:7.3f} A")
