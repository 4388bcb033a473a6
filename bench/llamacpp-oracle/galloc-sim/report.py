#!/usr/bin/env python3
import os
"""Per oracle point: measured vs simulated, the tensor whose allocation set the peak, and closed-form candidates.
   t=4T, A=4dT, Aq=4*hd*n_head*T, F=4*n_ff*T, Lg=4*V*T, KQ=4*n_kv*T*n_head, P=inputs prefix (see README)."""
import json, sys, os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sim import SHAPES, params_for, simulate
MiB = 1 << 20
pad = lambda n: (n + 31) // 32 * 32


def closed_form(p, T):
    d, hd, H, Hkv = p.d, p.hd, p.n_head, p.n_head_kv
    t = pad(4 * T); A = pad(4 * d * T); Aq = pad(4 * hd * H * T)
    F = pad(4 * (p.n_ff if p.n_expert == 0 else p.n_ff_exp * p.n_expert_used) * T)
    Lg = pad(4 * p.n_vocab * T)
    n_kv = p.n_ctx_seq
    M = pad(n_kv * T * (2 if p.fa else 4))
    VI = pad(8 * T) if p.fa else pad(8 * T * hd * Hkv)
    rot = 0
    if p.kv not in ('f16', 'f32') and hd % 64 == 0:
        nrot = 64
        while hd % (nrot * 2) == 0:
            nrot *= 2
        rot = pad(4 * nrot * nrot) + pad(4 * 64 * 64)
    P = t + A + rot + t + pad(8 * T) + VI + M + t
    KQ = pad(4 * n_kv * T * H)
    c = {'head_min': t + 2 * A + Lg}
    if not p.fa:
        c['attn_noFA'] = P + 2 * A + 2 * Aq + KQ
    if p.n_expert == 0:
        c['ffn0_a'] = P + 3 * A + 2 * F
        c['ffn0_b'] = P + 2 * A + 3 * F
    return c, dict(t=t, A=A, Aq=Aq, F=F, Lg=Lg, M=M, P=P, KQ=KQ)


def main():
    pts = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../build/tests/gguf/llamacpp_oracle/oracle.json')))['points']
    for pt in pts:
        if pt['model'] not in SHAPES or pt['sequences'] != 1:
            continue
        p = params_for(pt)
        total, parts, (g, ga) = simulate(p, trace=True)
        who = next(e for e in ga.events if e[0] != 'free' and e[3] == parts['pp'])
        T = min(p.n_ubatch, p.n_ctx_seq)
        cf, sz = closed_form(p, T)
        match = [k for k, v in cf.items() if v == total]
        print(f"{pt['model']:19} {pt['context']:5} {'FA' if p.fa else 'noFA':4} {p.kv:5} meas {pt['llamacpp']['compute']/MiB:8.2f}"
              f" sim {total/MiB:9.4f} peak@ {who[1].name or who[1].op:16} off {who[2]/MiB:8.4f}"
              f"  closed-form match: {','.join(match) or '-'}  (vramfit {pt['vramfit']['compute']/MiB:.2f})")


if __name__ == '__main__':
    main()
