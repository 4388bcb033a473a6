#!/usr/bin/env python3
"""Simulate llama.cpp's CPU compute buffer for gemma3 / gpt-oss / gemma2 / phi3 / command-r
and compare with the oracle points (JSON lines).

usage: python3 sim_swa.py [--points PATH] [--model SUBSTR] [-v]
"""
import argparse, json, os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ggml_sim import reserve
from models import P
from models_swa import build_graph2

MiB = 1024 * 1024
TINY = dict(n_layer=2, d=256, n_head=4, n_head_kv=2, hd=64, n_ff=512, n_vocab=512)
SHAPES = {
    'gguf-tiny-gemma3': dict(TINY, arch='gemma3', n_layer=6, swa_pattern=[1, 1, 1, 1, 1, 0], n_swa=128),
    'gguf-tiny-gemma2': dict(TINY, arch='gemma2', swa_pattern=[1, 0], n_swa=128, attn_softcap=True, final_softcap=True),
    'gguf-tiny-gpt-oss': dict(TINY, arch='gpt-oss', n_head=8, n_ff=0, swa_pattern=[1, 0], n_swa=128,
                              n_expert=4, n_expert_used=2, n_ff_exp=256, etype='mxfp4'),
    'gguf-tiny-phi3': dict(TINY, arch='phi3'),
    'gguf-tiny-command-r': dict(TINY, arch='command-r', n_head_kv=4),
    # gemma-3-1b-it (Q8_0): 26 layers, d 1152, 4 heads, 1 kv head, hd 256, ff 6912, vocab 262144, window 512, pattern 6
    'gemma-3-1b': dict(arch='gemma3', n_layer=26, d=1152, n_head=4, n_head_kv=1, hd=256, n_ff=6912, n_vocab=262144,
                       swa_pattern=[1, 1, 1, 1, 1, 0], n_swa=512),
}
DEFAULTS = dict(swa_pattern=None, n_swa=0, attn_softcap=False, final_softcap=False, etype='q8_0')


def swa_cells(n_ctx_seq, n_swa, n_seq, n_ubatch, unified=False):
    # llama-kv-cache-iswa.cpp: GGML_PAD(min(size_base, n_swa*(unified ? n_seq_max : 1) + n_ubatch), 256)
    v = min(n_ctx_seq, n_swa * (n_seq if unified else 1) + n_ubatch)
    return (v + 255) // 256 * 256


def params_for(pt):
    sh = dict(DEFAULTS); sh.update(SHAPES[pt['model']])
    L = pt['llamacpp']
    nub = L['n_ubatch']
    p = P(**sh, n_ctx_seq=pt['context'], n_seq=pt['sequences'], n_ubatch=nub,
          fa=pt['flash_attention'], kv=pt['kv'])
    p.n_ctx = L['n_ctx']
    p.n_batch = L['n_batch']
    if p.swa_pattern:
        p.n_kv_swa = swa_cells(p.n_ctx_seq, p.n_swa, p.n_seq, nub)
        caches = L.get('kv_caches') or []
        if len(caches) == 2:
            assert caches[1]['cells'] == p.n_kv_swa, (caches, p.n_kv_swa)
    return p


def simulate(p, trace=False):
    """llama_context::sched_reserve: pp, tg, pp; gallocr keeps the max per chunk."""
    n_seqs = p.n_seq
    n_tokens = min(p.n_ctx, p.n_ubatch)
    n_outputs_pp = min(n_tokens, p.n_batch)     # n_outputs_max = n_batch, taken before rounding
    if n_tokens % n_seqs:                        # llama_context::graph_reserve rounds up n_tokens only
        n_tokens = (n_tokens + n_seqs - 1) // n_seqs * n_seqs
    if 'outround' in os.environ.get('ABLATE', '').split(','):
        n_outputs_pp = n_tokens
    res = {}
    g = build_graph2(p, n_tokens, n_seqs, n_outputs_pp)
    res['pp'], ga = reserve(g, trace=trace)
    g2 = build_graph2(p, n_seqs, n_seqs, n_seqs)
    res['tg'], _ = reserve(g2)
    return max(res.values()), res, (g, ga)


def load_points(path):
    return [json.loads(l) for l in open(path) if l.strip()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--points', default='/tmp/oracle-full/points.jsonl')
    ap.add_argument('--model', default=None)
    ap.add_argument('-v', action='store_true')
    args = ap.parse_args()
    stats = {}
    for pt in load_points(args.points):
        if pt['model'] not in SHAPES:
            continue
        if args.model and args.model not in pt['model']:
            continue
        p = params_for(pt)
        sim, parts, _ = simulate(p)
        meas = pt['llamacpp']['compute']
        d = sim / MiB - meas / MiB
        ok = f"{sim / MiB:.2f}" == f"{meas / MiB:.2f}"
        s = stats.setdefault(pt['model'], [0, 0, 0.0])
        s[0] += ok; s[1] += 1; s[2] = max(s[2], abs(d))
        if args.v or not ok:
            print(f"{pt['model']:20} {pt['context']:5} ub{p.n_ubatch:4} {'FA' if p.fa else 'nf':>2} {pt['kv']:>5} "
                  f"s{pt['sequences']} swa{getattr(p, 'n_kv_swa', 0):5} meas {meas / MiB:9.2f} sim {sim / MiB:9.4f} "
                  f"{d:+8.4f} {'ok' if ok else 'MISS'}  tg={parts['tg'] / MiB:.3f}")
    for m, (ok, n, w) in stats.items():
        print(f"{m:22} {ok}/{n} match, max |diff| {w:.4f} MiB")


if __name__ == '__main__':
    main()
