#!/usr/bin/env python3
"""Writes tests/hf/configs/<catalog-id>.json: each a config.json in the layout Hugging Face ships for
that model (nested text_config / vision_config, layer_types lists, quantization_config), with the
field values of shared/reference/models.yaml and models_2026.yaml (which cite the HF config.json of
each model). Not data/models.yaml: the test compares the reader's output against the catalog, so the
fixtures must not come from it. Run by hand:
  python3 tests/hf/transcribe_configs.py ../shared/reference/models.yaml ../shared/reference/models_2026.yaml
Entries that only name another model (alias_of) are skipped: their catalog entry is that model's.
"""
import json, sys, os, yaml

ref = [r for f in sys.argv[1:] for r in yaml.safe_load(open(f)) if not r.get('alias_of')]
by_hf_id = {r['hf_id']: r for r in ref}
catalog = yaml.safe_load(open(os.path.join(os.path.dirname(__file__), '../../data/models.yaml')))['models']
by_alias = {}
for m in catalog:  # only to name the fixture file after the catalog id
    for a in [m['id']] + m.get('aliases', []):
        by_alias[a.lower()] = m['id']

DTYPES = {'bfloat16': 'bfloat16', 'float16': 'float16'}

def base(r):
    c = {'architectures': [r['hf_architectures']], 'model_type': r['architecture'],
         'hidden_size': r['hidden_size'], 'intermediate_size': r['intermediate_size'],
         'num_hidden_layers': r['num_hidden_layers'], 'num_attention_heads': r['num_attention_heads'],
         'num_key_value_heads': r['num_key_value_heads'], 'vocab_size': r['vocab_size'],
         'max_position_embeddings': r['max_position_embeddings'],
         'tie_word_embeddings': r['tie_word_embeddings']}
    if r.get('head_dim'):
        c['head_dim'] = r['head_dim']
    rope = r.get('rope') or {}
    for k in ('rope_theta', 'rope_scaling', 'partial_rotary_factor', 'rms_norm_eps', 'query_pre_attn_scalar'):
        if k in rope:
            c[k] = rope[k]
    c['torch_dtype'] = 'float16' if r['native_dtype'] == 'float16' else 'bfloat16'
    return c

def nest_text(c, model_type):
    """Mistral3ForConditionalGeneration / Llama4: the language model's fields in text_config."""
    text = {k: c.pop(k) for k in ('hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads',
                                  'num_key_value_heads', 'head_dim', 'vocab_size', 'max_position_embeddings',
                                  'rope_scaling', 'rope_theta', 'tie_word_embeddings', 'rms_norm_eps') if k in c}
    text['model_type'] = model_type
    c['text_config'] = text
    return text

def layer_types(n, fn):
    return [fn(i) for i in range(n)]

out = {}
for r in ref:
    cid = by_alias.get(r['hf_id'].lower())
    if cid is None:
        print('no catalog id for', r['hf_id']); continue
    a = r['architecture']
    c = base(r)
    moe, mla, hyb, vis = r.get('moe'), r.get('mla'), r.get('hybrid'), r.get('vision')
    if a in ('qwen2',):
        c['sliding_window'] = r['max_position_embeddings']; c['use_sliding_window'] = False; c['max_window_layers'] = r['num_hidden_layers']
    if a == 'mixtral':
        c.update(num_local_experts=moe['num_local_experts'] if 'num_local_experts' in moe else moe['num_experts'],
                 num_experts_per_tok=moe['num_experts_per_tok'], sliding_window=None)
    if a in ('qwen3_moe', 'qwen3_next'):
        c.update(num_experts=moe['num_experts'], num_experts_per_tok=moe['num_experts_per_tok'],
                 moe_intermediate_size=moe['moe_intermediate_size'], decoder_sparse_step=moe.get('decoder_sparse_step', 1),
                 mlp_only_layers=moe.get('mlp_only_layers', []), norm_topk_prob=True)
    if a == 'qwen3_next':
        c.update(shared_expert_intermediate_size=moe['shared_expert_intermediate_size'],
                 full_attention_interval=hyb['full_attention_interval'],
                 linear_num_key_heads=hyb['linear_num_key_heads'], linear_num_value_heads=hyb['linear_num_value_heads'],
                 linear_key_head_dim=hyb['linear_key_head_dim'], linear_value_head_dim=hyb['linear_value_head_dim'],
                 linear_conv_kernel_dim=hyb['linear_conv_kernel_dim'])
    if a == 'gemma2':
        c.update(sliding_window=r['sliding_window'], attn_logit_softcapping=50.0, final_logit_softcapping=30.0)
    if a == 'gemma3_text':
        c.update(sliding_window=r['sliding_window'], sliding_window_pattern=6)
    if a == 'gemma3':
        # Gemma3ForConditionalGeneration: text fields in text_config; vocab_size and
        # max_position_embeddings omitted (Gemma3TextConfig defaults), as in the shipped file.
        text = {k: c.pop(k) for k in ('hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads',
                                      'num_key_value_heads', 'head_dim', 'rope_scaling', 'rope_theta', 'query_pre_attn_scalar')}
        c.pop('vocab_size'); c.pop('max_position_embeddings'); c.pop('tie_word_embeddings')
        text.update(model_type='gemma3_text', sliding_window=r['sliding_window'], sliding_window_pattern=6,
                    rope_local_base_freq=10000.0)
        c['text_config'] = text
        c['mm_tokens_per_image'] = vis['mm_tokens_per_image']
        c['vision_config'] = {'model_type': 'siglip_vision_model', 'hidden_size': vis['hidden_size'],
                              'intermediate_size': vis['intermediate_size'], 'num_hidden_layers': vis['num_hidden_layers'],
                              'num_attention_heads': vis['num_attention_heads'], 'patch_size': vis['patch_size'],
                              'image_size': vis['image_size'], 'vision_use_head': False}
    if a == 'phi3' and r.get('sliding_window'):
        c['sliding_window'] = r['sliding_window']
    if a in ('deepseek_v2', 'deepseek_v3', 'kimi_k2', 'glm4_moe_lite'):
        c.update(n_routed_experts=moe['n_routed_experts'], num_experts_per_tok=moe['num_experts_per_tok'],
                 moe_intermediate_size=moe['moe_intermediate_size'], n_shared_experts=moe['n_shared_experts'],
                 first_k_dense_replace=moe['first_k_dense_replace'], moe_layer_freq=moe.get('moe_layer_freq', 1),
                 topk_method=moe['topk_method'], scoring_func=moe.get('scoring_func', 'sigmoid'),
                 q_lora_rank=mla['q_lora_rank'], kv_lora_rank=mla['kv_lora_rank'], qk_rope_head_dim=mla['qk_rope_head_dim'],
                 qk_nope_head_dim=mla['qk_nope_head_dim'], v_head_dim=mla['v_head_dim'])
        if 'num_nextn_predict_layers' in moe:
            c['num_nextn_predict_layers'] = moe['num_nextn_predict_layers']
        if a == 'glm4_moe_lite':  # bf16 checkpoint with one MTP layer (context_notes)
            c.update(num_nextn_predict_layers=1, attention_bias=False, partial_rotary_factor=1.0)
        elif a != 'deepseek_v2':  # FP8 checkpoints (reference native_dtype)
            c['quantization_config'] = {'activation_scheme': 'dynamic', 'fmt': 'e4m3', 'quant_method': 'fp8',
                                        'weight_block_size': [128, 128]}
    if a == 'gpt_oss':
        c.update(num_local_experts=moe['num_local_experts'], num_experts_per_tok=moe['num_experts_per_tok'],
                 experts_per_token=moe['experts_per_token'], sliding_window=r['sliding_window'], attention_bias=True,
                 layer_types=layer_types(r['num_hidden_layers'], lambda i: 'sliding_attention' if i % 2 == 0 else 'full_attention'),
                 quantization_config={'modules_to_not_convert': ['model.layers.*.self_attn', 'model.layers.*.mlp.router',
                                                                 'model.embed_tokens', 'lm_head'], 'quant_method': 'mxfp4'})
    if a == 'cohere':
        c.update(use_qk_norm=False, logit_scale=0.0625)
    if a == 'jamba':
        c.update(num_experts=moe['num_experts'], num_experts_per_tok=moe['num_experts_per_tok'],
                 expert_layer_period=moe['expert_layer_period'], expert_layer_offset=moe['expert_layer_offset'],
                 attn_layer_period=hyb['attn_layer_period'], attn_layer_offset=hyb['attn_layer_offset'],
                 mamba_d_state=hyb['mamba_d_state'], mamba_d_conv=hyb['mamba_d_conv'], mamba_expand=hyb['mamba_expand'],
                 mamba_dt_rank=hyb['mamba_dt_rank'], mamba_conv_bias=hyb['mamba_conv_bias'], mamba_proj_bias=hyb['mamba_proj_bias'])
    if a == 'granitemoehybrid':
        c.update(num_local_experts=moe['num_local_experts'], num_experts_per_tok=moe['num_experts_per_tok'],
                 shared_intermediate_size=moe['shared_intermediate_size'], position_embedding_type='nope',
                 layer_types=layer_types(r['num_hidden_layers'], lambda i: 'attention' if i % 10 == 5 else 'mamba'),
                 mamba_d_state=hyb['mamba_d_state'], mamba_d_conv=hyb['mamba_d_conv'], mamba_expand=hyb['mamba_expand'],
                 mamba_n_heads=hyb['mamba_n_heads'], mamba_d_head=hyb['mamba_d_head'], mamba_n_groups=hyb['mamba_n_groups'],
                 mamba_chunk_size=hyb['mamba_chunk_size'], mamba_conv_bias=True, mamba_proj_bias=False)
    if a == 'glm4_moe':
        c.update(n_routed_experts=moe['n_routed_experts'], num_experts_per_tok=moe['num_experts_per_tok'],
                 moe_intermediate_size=moe['moe_intermediate_size'], n_shared_experts=moe['n_shared_experts'],
                 first_k_dense_replace=moe['first_k_dense_replace'], num_nextn_predict_layers=moe['num_nextn_predict_layers'],
                 attention_bias=True, use_qk_norm='use_qk_norm=True' in r['context_notes'])
    if a == 'llama4':
        if 'hidden_size' not in vis:  # Maverick: the reference takes the tower to be Scout's
            vis = dict(by_hf_id['meta-llama/Llama-4-Scout-17B-16E-Instruct']['vision'])
        text = {k: c.pop(k) for k in ('hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads',
                                      'num_key_value_heads', 'head_dim', 'vocab_size', 'max_position_embeddings',
                                      'rope_scaling', 'rope_theta', 'tie_word_embeddings') if k in c}
        text.update(model_type='llama4_text', num_local_experts=moe['num_local_experts'],
                    num_experts_per_tok=moe['num_experts_per_tok'], intermediate_size_mlp=moe['intermediate_size_mlp'],
                    interleave_moe_layer_step=moe['interleave_moe_layer_step'], attention_chunk_size=8192, use_qk_norm=True,
                    no_rope_layers=layer_types(r['num_hidden_layers'], lambda i: 0 if (i + 1) % 4 == 0 else 1))
        c['text_config'] = text
        c['vision_config'] = {k: vis[k] for k in ('hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads',
                                                  'patch_size', 'image_size', 'pixel_shuffle_ratio', 'projector_input_dim',
                                                  'projector_output_dim', 'vision_output_dim')}
        c['vision_config']['model_type'] = 'llama4_vision_model'
    if a == 'qwen2_5_vl':
        c.update(sliding_window=32768, use_sliding_window=False, max_window_layers=r['num_hidden_layers'])
        c['vision_config'] = {k: vis[k] for k in ('depth', 'hidden_size', 'intermediate_size', 'out_hidden_size', 'patch_size',
                                                  'spatial_merge_size', 'temporal_patch_size', 'window_size', 'fullatt_block_indexes')}
        c['vision_config'].update(num_heads=vis['num_heads'], in_chans=3, hidden_act='silu', model_type='qwen2_5_vl')
    if a == 'qwen3':
        c['attention_bias'] = False
    if a == 'mistral' and r.get('sliding_window') is None:
        c['sliding_window'] = None  # v0.2+: no window
    if a == 'mistral3':
        text = nest_text(c, 'ministral3' if 'ministral3' in r['context_notes'] else 'mistral')
        rope = r.get('rope') or {}
        if rope.get('rope_type') == 'yarn':
            text['rope_scaling'] = {'rope_type': 'yarn', 'factor': rope['factor'],
                                    'original_max_position_embeddings': rope['original_max_position_embeddings'],
                                    'llama_4_scaling_beta': rope.get('llama_4_scaling_beta')}
        text['sliding_window'] = None
        c.update(spatial_merge_size=vis['spatial_merge_size'], multimodal_projector_bias=False, image_token_index=10)
        c['vision_config'] = {k: vis[k] for k in ('hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads',
                                                  'head_dim', 'patch_size', 'image_size')}
        c['vision_config'].update(model_type='pixtral', num_channels=3)
    if a == 'smollm3':
        c.update(no_rope_layers=layer_types(r['num_hidden_layers'], lambda i: 0 if (i + 1) % 4 == 0 else 1),
                 use_sliding_window=False, attention_bias=False)
    if a == 'seed_oss':
        c.update(attention_bias=True, attention_out_bias=False)
    if a in ('olmo2', 'olmo3'):
        c['attention_bias'] = False
        if a == 'olmo3':
            c.update(sliding_window=r['sliding_window'],
                     layer_types=layer_types(r['num_hidden_layers'], lambda i: 'full_attention' if (i + 1) % 4 == 0 else 'sliding_attention'))
    if a == 'ernie4_5_moe':
        c.update(moe_num_experts=moe['moe_num_experts'], moe_k=moe['moe_k'], moe_intermediate_size=moe['moe_intermediate_size'],
                 moe_num_shared_experts=moe['moe_num_shared_experts'], moe_layer_start_index=moe['moe_layer_start_index'],
                 moe_layer_end_index=moe['moe_layer_end_index'], moe_layer_interval=1, moe_use_aux_free=moe['moe_use_aux_free'],
                 use_bias=False)
    if a == 'minimax_m2':
        c.update(num_local_experts=moe['num_local_experts'], num_experts_per_tok=moe['num_experts_per_tok'],
                 scoring_func=moe['scoring_func'], use_routing_bias=moe['use_routing_bias'], use_qk_norm=True,
                 qk_norm_type='per_layer', rotary_dim=64, num_mtp_modules=3, attn_type_list=[1] * r['num_hidden_layers'],
                 quantization_config={'activation_scheme': 'dynamic', 'fmt': 'float8_e4m3fn', 'quant_method': 'fp8',
                                      'weight_block_size': [128, 128]})
    c['_source'] = r['source'][0]
    out[cid] = c

os.makedirs(os.path.join(os.path.dirname(__file__), 'configs'), exist_ok=True)
for cid, c in out.items():
    with open(os.path.join(os.path.dirname(__file__), 'configs', cid + '.json'), 'w') as f:
        json.dump(c, f, indent=2)
        f.write('\n')
print(len(out), 'configs')
