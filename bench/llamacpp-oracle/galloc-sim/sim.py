#!/usr/bin/env python3
"""Simulate llama.cpp's CPU compute buffer (sched_reserve) and compare with the oracle.

usage: python3 sim.py [--oracle PATH] [--model SUBSTR] [--trace MODEL:CTX:FA:KV:SEQ]
"""
import argparse, json, os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ggml_sim import reserve
from models import P, build_graph

MiB = 1024 * 1024

SHAPES = {
    'gguf-tiny-llama': dict(arch='llama', n_layer=2, d=256, n_head=4, n_head_kv=2, hd=64, n_ff=512, n_vocab=512),
    'llama-3.2-1b': dict(arch='llama', n_layer=16, d=2048, n_head=32, n_head_kv=8, hd=64, n_ff=8192,
                         n_vocab=128256, rope_freqs=True),
    'qwen3-0.6b': dict(arch='qwen3', n_layer=28, d=1024, n_head=16, n_head_kv=8, hd=128, n_ff=3072, n_vocab=151936),
    'qwen2.5-0.5b': dict(arch='qwen2', n_layer=24, d=896, n_head=14, n_head_kv=2, hd=64, n_ff=4864,
                         n_vocab=151936, qkv_bias=True),
    'gguf-tiny-qwen3moe': dict(arch='qwen3', n_layer=2, d=256, n_head=4, n_head_kv=2, hd=64, n_ff=0, n_vocab=512,
                               n_expert=8, n_expert_used=2, n_ff_exp=128),
}


def params_for(pt):
    sh = SHAPES[pt['model']]
    return P(**sh, n_ctx_seq=pt['context'], n_seq=pt['sequences'], n_ubatch=pt['batch'],
             fa=pt['flash_attention'], kv=pt['kv'])


def simulate(p, trace=False):
    """llama_context::sched_reserve: pp, tg, pp; gallocr keeps the max per chunk."""
    n_seqs = p.n_seq
    n_tokens = min(p.n_ctx_seq * p.n_seq, p.n_ubatch)
    if n_tokens % n_seqs:
        n_tokens = (n_tokens + n_seqs - 1) // n_seqs * n_seqs
    n_outputs_pp = n_tokens  # n_outputs_max defaults to n_batch
    res = {}
    g = build_graph(p, n_tokens, n_seqs, n_outputs_pp)
    res['pp'], ga = reserve(g, trace=trace)
    g2 = build_graph(p, n_seqs, n_seqs, n_seqs)
    res['tg'], _ = reserve(g2)
    return max(res.values()), res, (g, ga)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--oracle', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../build/tests/gguf/llamacpp_oracle/oracle.json'))
    ap.add_argument('--model', default=None)
    args = ap.parse_args()
    pts = json.load(open(args.oracle))['points']
    print(f"{'model':22} {'ctx':>5} {'FA':>3} {'kv':>5} {'seq':>3} {'measured':>9} {'sim':>9} {'diff MiB':>9} {'vramfit':>9}")
    worst = 0
    for pt in pts:
        if pt['model'] not in SHAPES:
            continue
        if args.model and args.model not in pt['model']:
            continue
        p = params_for(pt)
        sim, parts, _ = simulate(p)
        meas = pt['llamacpp']['compute']
        d = sim / MiB - meas / MiB
        worst = max(worst, abs(d))
        print(f"{pt['model']:22} {pt['context']:5} {'on' if pt['flash_attention'] else 'off':>3} {pt['kv']:>5} "
              f"{pt['sequences']:3} {meas / MiB:9.2f} {sim / MiB:9.4f} {d:+9.4f} {pt['vramfit']['compute'] / MiB:9.2f}")
    print(f"max |diff| = {worst:.4f} MiB")


if __name__ == '__main__':
    main()
