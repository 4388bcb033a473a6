#!/usr/bin/env python3
"""Show the buffer layout at the moment the compute buffer reaches its peak.

usage: python3 explain.py MODEL CTX fa|nofa KV [SEQ] [--all]
  e.g. python3 explain.py gguf-tiny-llama 512 fa f16
"""
import sys, os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sim import SHAPES, simulate
from models import P

MiB = 1024 * 1024


def fmt(n):
    return f"{n / MiB:9.4f} MiB" if n >= 65536 else f"{n:9d} B  "


def main():
    a = [x for x in sys.argv[1:] if not x.startswith('--')]
    model, ctx, fa, kv = a[0], int(a[1]), a[2] == 'fa', a[3]
    seq = int(a[4]) if len(a) > 4 else 1
    p = P(**SHAPES[model], n_ctx_seq=ctx, n_seq=seq, n_ubatch=512, fa=fa, kv=kv)
    total, parts, (g, ga) = simulate(p, trace=True)
    print(f"{model} ctx={ctx} fa={fa} kv={kv} seq={seq}: pp={parts['pp']} B ({parts['pp']/MiB:.4f} MiB)"
          f" tg={parts['tg']} B -> buffer {total/MiB:.4f} MiB")
    final = parts['pp']
    # every allocation that raised the high-water mark
    prev = 0
    for i, (kind, t, off, mx, live) in enumerate(ga.events):
        if kind == 'free':
            continue
        if mx > prev:
            if '--all' in sys.argv or mx == final:
                print(f"\n-- high-water {mx} B ({mx/MiB:.4f} MiB) set by {kind} {t.name or t.op} {t.ne} "
                      f"@ {off} (event {i})")
                print("   live tensors by offset:")
                end = 0
                for tid, (tt, o, sz) in sorted(live.items(), key=lambda kv: kv[1][1]):
                    if o > end:
                        print(f"     {end:>10} .. {o:>10}  HOLE {fmt(o - end)}")
                    print(f"     {o:>10} .. {o + sz:>10}  {fmt(sz)}  {tt.op:14} {tt.name:22} {tt.type} {tt.ne}")
                    end = max(end, o + sz)
            prev = mx


if __name__ == '__main__':
    main()
