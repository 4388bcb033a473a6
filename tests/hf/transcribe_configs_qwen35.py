#!/usr/bin/env python3
"""Writes tests/hf/configs/<catalog-id>.json for the Qwen3.5 and Qwen3-VL models of
shared/reference/models_2026.yaml (architectures qwen3_5, qwen3_5_moe, qwen3_vl, qwen3_vl_moe), each in
the layout Hugging Face ships (Qwen3_5*/Qwen3VL*ForConditionalGeneration: the language model in
text_config, the ViT in vision_config, tie_word_embeddings at the top level too), with that file's
field values. As transcribe_configs.py: not from data/models.yaml, which the test compares against.

The reference counts the vision tower only where it was sourced (its param_check says "+ vision"):
the other Qwen3.5 fixtures have no vision_config, so their counts are the text stack the catalog holds.
Run once by hand: python3 tests/hf/transcribe_configs_qwen35.py ../shared/reference/models_2026.yaml
"""
import json, os, sys, yaml

ref = yaml.safe_load(open(sys.argv[1]))
catalog = yaml.safe_load(open(os.path.join(os.path.dirname(__file__), '../../data/models.yaml')))['models']
by_alias = {}
for m in catalog:  # only to name the fixture file after the catalog id
    for a in [m['id']] + m.get('aliases', []):
        by_alias[a.lower()] = m['id']

out = {}
for r in ref:
    a = r.get('architecture')
    if a not in ('qwen3_5', 'qwen3_5_moe', 'qwen3_vl', 'qwen3_vl_moe') or r.get('alias_of'):
        continue
    cid = by_alias.get(r['hf_id'].lower())
    if cid is None:
        print('no catalog id for', r['hf_id']); continue
    moe, hyb, vis, rope = r.get('moe'), r.get('hybrid'), r.get('vision'), r.get('rope') or {}
    n = r['num_hidden_layers']
    text = {'model_type': a + '_text', 'hidden_size': r['hidden_size'], 'num_hidden_layers': n,
            'num_attention_heads': r['num_attention_heads'], 'num_key_value_heads': r['num_key_value_heads'],
            'head_dim': r['head_dim'], 'vocab_size': r['vocab_size'],
            'max_position_embeddings': r['max_position_embeddings'], 'rms_norm_eps': rope.get('rms_norm_eps', 1e-6),
            'attention_bias': False, 'hidden_act': 'silu', 'tie_word_embeddings': r['tie_word_embeddings'],
            'dtype': 'bfloat16'}
    if r.get('intermediate_size'):
        text['intermediate_size'] = r['intermediate_size']
    if moe:
        text.update(num_experts=moe['num_experts'], num_experts_per_tok=moe['num_experts_per_tok'],
                    moe_intermediate_size=moe['moe_intermediate_size'], norm_topk_prob=True)
        if moe.get('shared_experts'):
            text['shared_expert_intermediate_size'] = moe['shared_expert_intermediate_size']
        if a == 'qwen3_vl_moe':
            text.update(decoder_sparse_step=1, mlp_only_layers=[])
    if a.startswith('qwen3_5'):
        every = hyb['full_attention_interval']
        text.update(layer_types=['full_attention' if (i + 1) % every == 0 else 'linear_attention' for i in range(n)],
                    full_attention_interval=every, attn_output_gate=True, mtp_num_hidden_layers=1,
                    linear_conv_kernel_dim=hyb['linear_conv_kernel_dim'], linear_key_head_dim=hyb['linear_key_head_dim'],
                    linear_value_head_dim=hyb['linear_value_head_dim'], linear_num_key_heads=hyb['linear_num_key_heads'],
                    linear_num_value_heads=hyb['linear_num_value_heads'], mamba_ssm_dtype='float32',
                    rope_parameters={'rope_type': 'default', 'rope_theta': rope['rope_theta'],
                                     'partial_rotary_factor': rope['partial_rotary_factor'],
                                     'mrope_section': rope['mrope_section'], 'mrope_interleaved': rope['mrope_interleaved']})
    else:
        text.update(rope_theta=rope['rope_theta'],
                    rope_scaling={'rope_type': 'default', 'mrope_section': rope['mrope_section'],
                                  'mrope_interleaved': rope['mrope_interleaved']})
    # Qwen3-VL-30B-A3B: "tie_word_embeddings True inside text_config but top-level False".
    if 'text_config tie_word_embeddings True' in (r.get('variant_notes') or ''):
        text['tie_word_embeddings'] = True
    c = {'architectures': [r['hf_architectures']], 'model_type': a, 'text_config': text,
         'tie_word_embeddings': r['tie_word_embeddings'], 'torch_dtype': 'bfloat16'}
    if vis and '+ vision' in r['param_check']:
        c['vision_config'] = {'model_type': a, 'depth': vis['depth'], 'hidden_size': vis['hidden_size'],
                              'intermediate_size': vis['intermediate_size'], 'num_heads': vis['num_heads'],
                              'in_channels': 3, 'patch_size': vis['patch_size'],
                              'temporal_patch_size': vis['temporal_patch_size'],
                              'spatial_merge_size': vis['spatial_merge_size'],
                              'num_position_embeddings': vis['num_position_embeddings'],
                              'out_hidden_size': vis['out_hidden_size'],
                              'deepstack_visual_indexes': vis['deepstack_visual_indexes'],
                              'hidden_act': 'gelu_pytorch_tanh'}
    c['_source'] = r['source'][0]
    out[cid] = c

os.makedirs(os.path.join(os.path.dirname(__file__), 'configs'), exist_ok=True)
for cid, c in out.items():
    with open(os.path.join(os.path.dirname(__file__), 'configs', cid + '.json'), 'w') as f:
        json.dump(c, f, indent=2)
        f.write('\n')
print(len(out), 'configs')
