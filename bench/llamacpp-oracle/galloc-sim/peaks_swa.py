#!/usr/bin/env python3
"""Per oracle point: measured vs simulated and the tensor whose allocation set the peak (pp graph)."""
import sys, os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sim_swa import SHAPES, params_for, simulate, load_points
MiB = 1 << 20

pts = load_points(sys.argv[1] if len(sys.argv) > 1 else '/tmp/oracle-full/points.jsonl')
for pt in pts:
    if pt['model'] not in SHAPES:
        continue
    p = params_for(pt)
    total, parts, (g, ga) = simulate(p, trace=True)
    who = next(e for e in ga.events if e[0] != 'free' and e[3] == parts['pp'])
    src = 'pp' if parts['pp'] >= parts['tg'] else 'TG'
    print(f"{pt['model']:19} {pt['context']:5} ub{p.n_ubatch:4} {'FA' if p.fa else 'nf'} {p.kv:5} s{p.n_seq}"
          f" meas {pt['llamacpp']['compute']/MiB:8.2f} sim {total/MiB:9.4f} [{src}] peak@ {who[1].name or who[1].op}"
          f" {who[1].ne[:3]} off {who[2]/MiB:.4f}")
