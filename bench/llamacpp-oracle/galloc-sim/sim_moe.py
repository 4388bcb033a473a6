#!/usr/bin/env python3
"""Driver over /tmp/oracle-full/points.jsonl. usage: python3 sim.py [--model SUBSTR] [-v]"""
import argparse, json, os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ggml_sim import reserve
from models import P
from models_moe import build_graph

MiB = 1024 * 1024

SHAPES = {
    # regression set (already covered by ../galloc-sim)
    'gguf-tiny-qwen2': dict(arch='qwen2', n_layer=2, d=256, n_head=4, n_head_kv=2, hd=64, n_ff=512, n_vocab=512,
                            qkv_bias=True),
    'gguf-tiny-qwen3': dict(arch='qwen3', n_layer=2, d=256, n_head=4, n_head_kv=2, hd=64, n_ff=512, n_vocab=512),
    'llama-3.2-1b': dict(arch='llama', n_layer=16, d=2048, n_head=32, n_head_kv=8, hd=64, n_ff=8192,
                         n_vocab=128256, rope_freqs=True),
    'llama-3.2-3b': dict(arch='llama', n_layer=28, d=3072, n_head=24, n_head_kv=8, hd=128, n_ff=8192,
                         n_vocab=128256, rope_freqs=True),
    'qwen3-0.6b': dict(arch='qwen3', n_layer=28, d=1024, n_head=16, n_head_kv=8, hd=128, n_ff=3072, n_vocab=151936),
    'qwen2.5-0.5b': dict(arch='qwen2', n_layer=24, d=896, n_head=14, n_head_kv=2, hd=64, n_ff=4864,
                         n_vocab=151936, qkv_bias=True),
    'qwen3-1.7b': dict(arch='qwen3', n_layer=28, d=2048, n_head=16, n_head_kv=8, hd=128, n_ff=6144, n_vocab=151936),
    'gguf-tiny-llama': dict(arch='llama', n_layer=2, d=256, n_head=4, n_head_kv=2, hd=64, n_ff=512, n_vocab=512),
    'gguf-tiny-qwen3moe': dict(arch='qwen3', n_layer=2, d=256, n_head=4, n_head_kv=2, hd=64, n_ff=0, n_vocab=512,
                               n_expert=8, n_expert_used=2, n_ff_exp=128),
    'gguf-tiny-mixtral': dict(arch='llama', n_layer=2, d=256, n_head=4, n_head_kv=2, hd=64, n_ff=0, n_vocab=512,
                              n_expert=4, n_expert_used=2, n_ff_exp=256),
    'gguf-tiny-glm4moe': dict(arch='glm4moe', n_layer=2, d=256, n_head=8, n_head_kv=2, hd=64, n_ff=512, n_vocab=512,
                              n_expert=8, n_expert_used=2, n_ff_exp=128, n_expert_shared=1, n_dense_lead=1,
                              gating='sigmoid', norm_w=False, w_scale=0.0, qk_norm=True),
    'gguf-tiny-qwen2vl': dict(arch='qwen2', n_layer=2, d=256, n_head=4, n_head_kv=2, hd=64, n_ff=512, n_vocab=512,
                              qkv_bias=True, n_pos_per_embd=4),
    'gguf-tiny-llama4': dict(arch='llama4', n_layer=4, d=256, n_head=4, n_head_kv=2, hd=64, n_ff=0, n_vocab=512,
                             n_expert=4, n_expert_used=1, n_ff_exp=256, n_swa=8192, swa_pattern=4,
                             n_no_rope_layer_step=4, use_kq_norm=True),
    'gguf-tiny-jamba': dict(arch='jamba', n_layer=4, d=256, n_head=4, n_head_kv=2, n_head_kv_arr=[0, 0, 2, 0], hd=64,
                            n_ff=512, n_vocab=512, n_expert=4, n_expert_used=2, n_ff_exp=512, moe_layers=[1, 3],
                            d_conv=4, d_inner=512, d_state=16, dt_rank=16, dt_b_c_norm=True,
                            n_embd_r=3 * 512, n_embd_s=16 * 512),
    'gguf-tiny-granite-hybrid': dict(arch='granitehybrid', n_layer=4, d=256, n_head=4, n_head_kv=2,
                                     n_head_kv_arr=[0, 0, 2, 0], hd=64, n_ff=128, n_vocab=512, n_expert=8,
                                     n_expert_used=2, n_ff_exp=128, n_ff_shexp=256, d_conv=4, d_inner=512,
                                     d_state=32, dt_rank=8, n_group=1, ssm_norm=True,
                                     n_embd_r=3 * (512 + 2 * 32), n_embd_s=32 * 512),
    'gguf-tiny-qwen3-next': dict(arch='qwen3next', n_layer=4, d=256, n_head=4, n_head_kv=2, hd=64, n_ff=0,
                                 n_vocab=512, n_expert=8, n_expert_used=2, n_ff_exp=128, n_ff_shexp=128,
                                 d_conv=4, d_inner=256, d_state=32, dt_rank=8, n_group=4, full_attn_interval=4,
                                 n_embd_r=3 * (256 + 2 * 4 * 32), n_embd_s=32 * 256),
    'gguf-tiny-deepseek-v3': dict(arch='deepseek2', n_layer=3, d=256, n_head=4, n_head_kv=1, hd=288, n_ff=512,
                                  n_vocab=512, q_lora=128, kv_lora=256, qk_nope=64, qk_rope=32, hd_v_mla=64,
                                  n_expert=8, n_expert_used=2, n_ff_exp=128, n_expert_shared=1, n_dense_lead=1,
                                  gating='sigmoid', probs_b=True, norm_w=False, w_scale=0.0),
    'gguf-tiny-deepseek-v2-lite': dict(arch='deepseek2', n_layer=2, d=256, n_head=4, n_head_kv=1, hd=288, n_ff=512,
                                  n_vocab=512, q_lora=0, kv_lora=256, qk_nope=64, qk_rope=32, hd_v_mla=64,
                                  n_expert=8, n_expert_used=2, n_ff_exp=128, n_expert_shared=2, n_dense_lead=1,
                                  gating='softmax', probs_b=False, norm_w=False, w_scale=0.0),
}


def params_for(pt):
    sh = SHAPES[pt['model']]
    return P(**sh, n_ctx_seq=pt['context'], n_seq=pt['sequences'], n_ubatch=pt['llamacpp']['n_ubatch'],
             fa=pt['flash_attention'], kv=pt['kv'])


def simulate(p, trace=False):
    n_seqs = p.n_seq
    n_tokens = min(p.n_ctx_seq * p.n_seq, p.n_ubatch)
    n_outputs = n_tokens                      # n_outputs_pp = min(n_tokens, n_outputs_max=n_batch), before rounding
    if n_tokens % n_seqs:
        n_tokens = (n_tokens + n_seqs - 1) // n_seqs * n_seqs
    res = {}
    g = build_graph(p, n_tokens, n_seqs, n_outputs)
    res['pp'], ga = reserve(g, trace=trace)
    g2 = build_graph(p, n_seqs, n_seqs, n_seqs)
    res['tg'], _ = reserve(g2)
    return max(res.values()), res, (g, ga)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--oracle', default='/tmp/oracle-full/points.jsonl')
    ap.add_argument('--model', default=None)
    ap.add_argument('-v', action='store_true')
    args = ap.parse_args()
    pts = [json.loads(l) for l in open(args.oracle)]
    stats = {}
    for pt in pts:
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
            print(f"{pt['model']:26} {pt['context']:5} ub{p.n_ubatch:4} {'FA' if pt['flash_attention'] else 'nofa':>4} "
                  f"{pt['kv']:>5} s{pt['sequences']} meas {meas / MiB:9.4f} sim {sim / MiB:9.4f} {d:+9.4f} {'' if ok else 'MISS'}")
    for m, (a, n, w) in stats.items():
        print(f"{m:28} {a}/{n} max|diff| {w:.4f} MiB")


if __name__ == '__main__':
    main()
