#!/usr/bin/env python3
"""Writes cases.txt (the format of tests/cli/cases.txt, run by tests/cli/run_case.sh from tests/cli/):
one case per malformed file, with the command that reads it and the part of the one-line message
that must name the file and what is wrong. The expectations are written here by hand."""
P = "../corpus/"
cases = [
    # GGUF: header reader (gguf_reader.cpp) and the mapping to a model (gguf_model.cpp)
    ("gguf_empty", "show {f}", "gguf/empty.gguf", "gguf/empty.gguf: truncated in the magic"),
    ("gguf_bad_magic", "show {f}", "gguf/bad_magic.gguf", "gguf/bad_magic.gguf: not a GGUF file"),
    ("gguf_version_1", "estimate {f}", "gguf/version_1.gguf", "gguf/version_1.gguf: GGUF version 1 is not supported"),
    ("gguf_version_99", "show {f}", "gguf/version_99.gguf", "gguf/version_99.gguf: GGUF version 99 is not supported"),
    ("gguf_truncated_counts", "show {f}", "gguf/truncated_counts.gguf", "gguf/truncated_counts.gguf: truncated in the header"),
    ("gguf_kv_count_huge", "show {f}", "gguf/kv_count_huge.gguf", "key-value count 1099511627776 is more than the limit"),
    ("gguf_tensor_count_huge", "fit {f} -d rtx-4090", "gguf/tensor_count_huge.gguf", "tensor count 1099511627776 is more than the limit"),
    ("gguf_key_length_huge", "show {f}", "gguf/key_length_huge.gguf", "key-value pair 0 has a key of 4611686018427387904 bytes"),
    ("gguf_value_type_unknown", "show {f}", "gguf/value_type_unknown.gguf", "key 'general.name' has unknown value type 99"),
    ("gguf_string_past_end", "show {f}", "gguf/string_past_end.gguf", "gguf/string_past_end.gguf: truncated in key 'general.name'"),
    ("gguf_array_of_arrays", "show {f}", "gguf/array_of_arrays.gguf", "key 'x.nested' is an array of arrays"),
    ("gguf_ggml_type_unknown", "show {f}", "gguf/ggml_type_unknown.gguf", "tensor 'output.weight' has unknown ggml type 77"),
    ("gguf_n_dims_5", "show {f}", "gguf/n_dims_5.gguf", "tensor 'output.weight' has 5 dimensions"),
    ("gguf_dim_negative", "show {f}", "gguf/dim_negative.gguf", "tensor 'output.weight' has a negative size -4 in dimension 1"),
    ("gguf_elements_overflow", "show {f}", "gguf/elements_overflow.gguf", "tensor 'output.weight' of shape [2147483648, 2147483648, 2147483648, 4] has more than 2^63-1 elements"),
    ("gguf_data_truncated", "fit {f} -d rtx-4090", "gguf/data_truncated.gguf", "truncated: tensor 'output.weight' ends at byte 24000 but the file has 23900 bytes"),
    ("gguf_offset_misaligned", "show {f}", "gguf/offset_misaligned.gguf", "tensor 'output.weight' has offset 7, not a multiple of the alignment 32"),
    ("gguf_duplicate_key", "show {f}", "gguf/duplicate_key.gguf", "duplicate key 'llama.block_count'"),
    ("gguf_duplicate_tensor", "show {f}", "gguf/duplicate_tensor.gguf", "duplicate tensor name 'output.weight'"),
    ("gguf_name_too_long", "show {f}", "gguf/name_too_long.gguf", "tensor info 12 has a name of 64 bytes"),
    ("gguf_no_architecture", "estimate {f}", "gguf/no_architecture.gguf", "missing metadata key 'general.architecture'"),
    ("gguf_architecture_unknown", "estimate {f}", "gguf/architecture_unknown.gguf", "architecture 'frobnicator' is not supported"),
    ("gguf_architecture_newline", "estimate {f}", "gguf/architecture_newline.gguf", "architecture 'lla\\x0ama' is not supported"),
    ("gguf_architecture_not_string", "show {f}", "gguf/architecture_not_string.gguf", "key 'general.architecture' is uint32, expected a string"),
    ("gguf_block_count_missing", "estimate {f}", "gguf/block_count_missing.gguf", "missing metadata key 'llama.block_count'"),
    ("gguf_block_count_zero", "estimate {f}", "gguf/block_count_zero.gguf", "'llama.block_count' = 0 is out of range"),
    ("gguf_heads_not_dividing", "estimate {f}", "gguf/heads_not_dividing.gguf", "model 'heads_not_dividing.gguf': kv_heads (3) does not divide heads (2)"),
    ("gguf_alignment_zero", "show {f}", "gguf/alignment_zero.gguf", "general.alignment 0 is not a power of two"),
    ("gguf_alignment_odd", "show {f}", "gguf/alignment_odd.gguf", "general.alignment 48 is not a power of two"),
    ("gguf_truncated_tensor_infos", "show {f}", "gguf/truncated_tensor_infos.gguf", "truncated in tensor info 9"),
    # Issue 16: keys range-checked before any product, tensor data order, an incomplete tensor list.
    ("gguf_ssm_inner_huge", "estimate {f}", "gguf/ssm_inner_huge.gguf", "'mamba.ssm.inner_size' = 1099511627776 is out of range [1, 16777216]"),
    ("gguf_mla_rank_huge", "estimate {f}", "gguf/mla_rank_huge.gguf", "'deepseek2.attention.kv_lora_rank' = 4611686018427387904 is out of range [1, 16777216]"),
    ("gguf_sliding_window_huge", "estimate {f}", "gguf/sliding_window_huge.gguf", "'gemma2.attention.sliding_window' = 9223372036854775807 is out of range [0, 2147483648]"),
    ("gguf_tensor_overlap", "show {f}", "gguf/tensor_overlap.gguf", "tensor 'blk.0.attn_norm.weight' at data offset 0 overlaps tensor 'token_embd.weight' (offsets 0 to 1024)"),
    ("gguf_tensor_out_of_order", "show {f}", "gguf/tensor_out_of_order.gguf", "tensor 'blk.0.attn_norm.weight' at data offset 0 comes before tensor 'token_embd.weight' (offsets 1024 to 2048)"),
    ("gguf_tensor_list_short", "fit {f} -d rtx-4090", "gguf/tensor_list_short.gguf", "the tensor list is incomplete: block 1 of 2 has no attention or recurrent tensors (12 tensors in all)"),
    # safetensors headers of a model directory (safetensors.cpp)
    ("st_short_file", "estimate {f}", "safetensors/short_file", "safetensors/short_file/model.safetensors: truncated: 3 bytes"),
    ("st_header_past_end", "estimate {f}", "safetensors/header_past_end", "header_past_end/model.safetensors: truncated: header length 4096"),
    ("st_header_not_json", "estimate {f}", "safetensors/header_not_json", "header_not_json/model.safetensors: invalid JSON header at byte 11"),
    ("st_header_not_object", "estimate {f}", "safetensors/header_not_object", "header_not_object/model.safetensors: header is not a JSON object"),
    ("st_dtype_unknown", "estimate {f}", "safetensors/dtype_unknown", "tensor 'model.embed_tokens.weight': unknown dtype 'Q4'"),
    ("st_span_mismatch", "fit {f} -d rtx-4090", "safetensors/span_mismatch", "tensor 'model.embed_tokens.weight': 16384 elements of BF16 need 32768 bytes but data_offsets span 100"),
    ("st_offsets_past_end", "estimate {f}", "safetensors/offsets_past_end", "tensor 'model.embed_tokens.weight': data_offsets [0, 32768] outside the 64-byte data section"),
    ("st_overlap", "estimate {f}", "safetensors/overlap", "tensors 'model.embed_tokens.weight' and 'lm_head.weight' overlap"),
    ("st_shape_negative", "estimate {f}", "safetensors/shape_negative", "tensor 'model.embed_tokens.weight': shape has a dimension that is not a non-negative integer"),
    ("st_shape_overflow", "estimate {f}", "safetensors/shape_overflow", "tensor 'model.embed_tokens.weight': shape overflows (more than 2^62 elements)"),
    ("st_number_overflow", "estimate {f}", "safetensors/number_overflow", "invalid JSON header: a number out of range (beyond a 64-bit float)"),
    ("st_missing_offsets", "estimate {f}", "safetensors/missing_offsets", "tensor 'model.embed_tokens.weight': expected {dtype, shape, data_offsets}"),
    ("st_index_missing_shard", "estimate {f}", "safetensors/index_missing_shard", "shard 'model-00001-of-00002.safetensors' is missing"),
    ("st_index_not_json", "estimate {f}", "safetensors/index_not_json", "index_not_json/model.safetensors.index.json: invalid JSON at byte 16"),
    # config.json (hf_config.cpp, hf_quant.cpp)
    ("cfg_not_json", "estimate {f}", "config/not_json.json", "config/not_json.json: invalid JSON at byte 24"),
    ("cfg_empty", "import {f} --id x", "config/empty.json", "config/empty.json: invalid JSON at byte 1"),
    ("cfg_top_level_array", "estimate {f}", "config/top_level_array.json", "top level: expected a JSON object"),
    ("cfg_no_model_type", "estimate {f}", "config/no_model_type.json", "config/no_model_type.json: no model_type"),
    ("cfg_model_type_unknown", "import {f} --id x", "config/model_type_unknown.json", "unknown model_type 'frobnicator'"),
    ("cfg_model_type_number", "estimate {f}", "config/model_type_number.json", "model_type: expected a string"),
    ("cfg_layers_negative", "estimate {f}", "config/layers_negative.json", "num_hidden_layers: expected an integer from 1 to 65536, got -2"),
    ("cfg_layers_string", "estimate {f}", "config/layers_string.json", "num_hidden_layers: expected an integer from 1 to 65536, got \"28\""),
    ("cfg_layers_huge", "fit {f} -d rtx-4090", "config/layers_huge.json", "num_hidden_layers: expected an integer from 1 to 65536, got 1e+30"),
    ("cfg_hidden_zero", "estimate {f}", "config/hidden_zero.json", "hidden_size: expected an integer from 1 to 16777216, got 0"),
    ("cfg_heads_missing", "estimate {f}", "config/heads_missing.json", "num_attention_heads: missing"),
    ("cfg_kv_heads_not_dividing", "estimate {f}", "config/kv_heads_not_dividing.json", "num_key_value_heads: 3 does not divide num_attention_heads 4"),
    ("cfg_vocab_float", "estimate {f}", "config/vocab_float.json", "vocab_size: expected an integer from 1 to 16777216, got 151936.5"),
    ("cfg_quant_method_unknown", "estimate {f}", "config/quant_method_unknown.json", "quantization_config.quant_method: 'frobq' is not supported"),
    ("cfg_number_overflow", "estimate {f}", "config/number_overflow.json", "invalid JSON: a number out of range (beyond a 64-bit float)"),
    ("cfg_jamba_offset_default_past_period", "estimate {f}", "config/jamba_offset_default_past_period.json", "attn_layer_offset 4 (the default) is not below attn_layer_period 4"),
    ("cfg_deep_nesting", "estimate {f}", "config/deep_nesting.json", "config/deep_nesting.json: invalid JSON at byte 93: nested deeper than 64 levels"),
    ("cfg_ssm_width_overflow", "estimate {f}", "config/ssm_width_overflow.json", "linear_value_head_dim: linear_num_value_heads x linear_value_head_dim = 65536 x 16777216 is more than 16777216"),
    ("cfg_params_past_catalog_limit", "import {f} --id big", "config/params_past_catalog_limit.json", "the entry import would print does not load: models.yaml:"),
    # runtime logs (runtime_log.cpp): the line of the figure, never an option the user did not give
    ("log_buffer_negative", "validate {f}", "logs/buffer_negative.log", "logs/buffer_negative.log:5: buffer size (MiB) = -5 is out of range [0, 1073741824]"),
    ("log_buffer_1e17_mib", "validate {f}", "logs/buffer_1e17_mib.log", "logs/buffer_1e17_mib.log:5: buffer size (MiB) = 1e+17 is out of range [0, 1073741824]"),
    ("log_ubatch_zero", "validate {f}", "logs/ubatch_zero.log", "logs/ubatch_zero.log:7: n_ubatch = 0 is out of range [1, 1048576]"),
    ("log_vllm_max_num_seqs_negative", "validate {f}", "logs/vllm_max_num_seqs_negative.log", "logs/vllm_max_num_seqs_negative.log:1: max_num_seqs = -1 is out of range [1, 1048576]"),
    ("log_vllm_profile_total_huge", "validate {f}", "logs/vllm_profile_total_huge.log", "logs/vllm_profile_total_huge.log:2: total_gpu_memory (GiB) = 1e+17 is out of range [0, 1048576]"),
    ("log_vllm_kv_needed_huge", "validate {f}", "logs/vllm_kv_needed_huge.log", "logs/vllm_kv_needed_huge.log:1: KV cache needed (GiB) = 4000000000 is out of range [0, 1048576]"),
    ("log_ollama_size_huge", "validate {f}", "logs/ollama_size_huge.txt", "logs/ollama_size_huge.txt:2: SIZE (bytes) = 1e+26 is out of range [0, 1e+15]"),
    # YAML catalogs given with --catalog-dir (yaml_reader.cpp, load_*.cpp): FILE:LINE:COLUMN
    ("yaml_syntax_error", "--catalog-dir {f} fit llama-3.1-8b -d rtx-4090", "yaml/syntax_error", "yaml/syntax_error/models.yaml:3:1: malformed YAML"),
    ("yaml_tab_indent", "--catalog-dir {f} list models", "yaml/tab_indent", "yaml/tab_indent/models.yaml:3:2: malformed YAML"),
    ("yaml_binary", "--catalog-dir {f} list models", "yaml/binary", "yaml/binary/models.yaml:3:11: malformed YAML: unknown escape character: \\x01"),
    ("yaml_deep_nesting", "--catalog-dir {f} list models", "yaml/deep_nesting", "yaml/deep_nesting/models.yaml:2:6009: malformed YAML: nested deeper than"),
    ("yaml_schema_version_2", "--catalog-dir {f} list models", "yaml/schema_version_2", "yaml/schema_version_2/models.yaml:1:17: 'schema_version': unsupported schema version 2"),
    ("yaml_no_schema_version", "--catalog-dir {f} show llama-3.1-8b", "yaml/no_schema_version", "yaml/no_schema_version/models.yaml:1:1: missing required key 'schema_version'"),
    ("yaml_layers_negative", "--catalog-dir {f} fit test-model -d rtx-4090", "yaml/layers_negative", "yaml/layers_negative/models.yaml:6:11: 'layers': -1 is out of range [1, 65536]"),
    ("yaml_layers_text", "--catalog-dir {f} list models", "yaml/layers_text", "yaml/layers_text/models.yaml:6:11: 'layers': expected an integer, got 'many'"),
    ("yaml_layers_huge", "--catalog-dir {f} list models", "yaml/layers_huge", "yaml/layers_huge/models.yaml:6:11: 'layers': expected an integer, got '1e400'"),
    ("yaml_models_not_list", "--catalog-dir {f} list models", "yaml/models_not_list", "yaml/models_not_list/models.yaml:2:9: 'models' must be a list"),
    ("yaml_unknown_key", "--catalog-dir {f} list models", "yaml/unknown_key", "yaml/unknown_key/models.yaml:13:3: unknown key 'vocab_sise'"),
    ("yaml_missing_key", "--catalog-dir {f} estimate test-model", "yaml/missing_key", "yaml/missing_key/models.yaml:3:3: missing required key 'hidden_size'"),
    ("yaml_duplicate_key", "--catalog-dir {f} list models", "yaml/duplicate_key", "yaml/duplicate_key/models.yaml:9:3: key 'heads' appears twice in this entry"),
    ("yaml_device_memory_zero", "--catalog-dir {f} fit llama-3.1-8b -d test-gpu", "yaml/device_memory_zero", "yaml/device_memory_zero/devices.yaml:7:15: 'memory_gib': 0 is out of range"),
    ("yaml_device_memory_text", "--catalog-dir {f} list devices", "yaml/device_memory_text", "yaml/device_memory_text/devices.yaml:7:15: 'memory_gib': expected a number, got 'lots'"),
    ("yaml_device_memory_absurd", "--catalog-dir {f} list devices", "yaml/device_memory_absurd", "yaml/device_memory_absurd/devices.yaml:7:15: 'memory_gib': 1e300 is out of range"),
    ("yaml_device_bandwidth_negative", "--catalog-dir {f} list devices", "yaml/device_bandwidth_negative", "yaml/device_bandwidth_negative/devices.yaml:8:25: 'memory_bandwidth_gbs': -5 is out of range"),
    ("yaml_device_bandwidth_nan", "--catalog-dir {f} list devices", "yaml/device_bandwidth_nan", "yaml/device_bandwidth_nan/devices.yaml:8:25: 'memory_bandwidth_gbs': expected a number, got '.nan'"),
    ("yaml_quants_not_list", "--catalog-dir {f} list quants", "yaml/quants_not_list", "yaml/quants_not_list/quants.yaml:2:8: 'mixes' must be a list"),
    ("yaml_runtimes_bad", "--catalog-dir {f} list runtimes", "yaml/runtimes_bad", "yaml/runtimes_bad/runtimes.yaml:3:7: 'id': expected a text value"),
    ("yaml_ids_differ_in_case", "--catalog-dir {f} list devices", "yaml/ids_differ_in_case", "yaml/ids_differ_in_case/devices.yaml:10:3: duplicate id 'TEST-GPU' (first defined at line 3)"),
    ("yaml_models_yaml_is_a_directory", "--catalog-dir {f} list models", "yaml/models_yaml_is_a_directory", "yaml/models_yaml_is_a_directory/models.yaml: cannot read models.yaml: it is a directory, not a file"),
    # fuzz_yaml_catalog (session 5): a mapping where the platforms list belongs escaped as yaml-cpp's
    # "invalid node" without the file name, in `catalog check` and every command alike.
    ("yaml_runtimes_platforms_map", "--catalog-dir {f} list runtimes", "yaml/runtimes_platforms_map", "yaml/runtimes_platforms_map/runtimes.yaml:4:3: 'platforms' must be a list"),
]

def full(f, want):
    """The whole message from its start: the path as given, then what follows it."""
    if f.startswith("yaml/") or f.startswith("logs/"):  # FILE:LINE: ...
        return P + want
    if f.startswith("safetensors/"):
        name = "model.safetensors.index.json" if "index" in f else "model.safetensors"
        path = P + f + "/" + name
    else:
        path = P + f
    short = path[len(P):]
    for prefix in (short + ": ", short.split("/", 1)[1] + ": "):
        if want.startswith(prefix):
            want = want[len(prefix):]
    return path + ": " + want

# Extreme inputs (issue 8): exact numbers, or an overflow error, never a wrapped value; arguments
# holding a newline still give a one-line error (control bytes escaped). Hand checks:
#   Llama 3.1 8B KV @ 10M tokens = 32*2*8*128*2 B = 131,072 B/token * 10,485,760 = 1,374,389,534,720 B
#   dense-2t (huge/models.yaml; tests/core/test_overflow.cpp): F16 weights 4,025,502,269,440 B;
#     KV @ 10M = 168*2*8*128*2 B = 688,128 B/token * 10,485,760 = 7,215,545,057,280 B
#   overflow-sum: 65,536 blocks * 3 FFN matrices of 2^48 f16 weights = 3*2^65 B > 2^63
#   wide-heads: scores without flash attention 4 B * 2^31 cells * 2^20 tokens * 65,536 heads = 2^69 B
EXTREME = """
case extreme_kv_10m_tokens
args estimate llama-3.1-8b -c 10M --json
exit 0
no-golden
stdout-contains "bytes": 1374389534720,

case extreme_fit_10m_tokens
args fit llama-3.1-8b -d rtx-4090 -c 10M
exit 1
no-golden
stdout-contains verdict: DOES NOT FIT

case extreme_2t_params_f16_weights
args --catalog-dir ../corpus/huge estimate dense-2t -q F16 --json
exit 0
no-golden
stdout-contains "bytes": 4025502269440,

case extreme_2t_params_kv_10m
args --catalog-dir ../corpus/huge estimate dense-2t -c 10M --json
exit 0
no-golden
stdout-contains "bytes": 7215545057280,

case extreme_2t_params_on_64_gpus
args --catalog-dir ../corpus/huge fit dense-2t -d h100-sxmx64 -c 1M
exit 0
no-golden
stdout-contains verdict: FITS

case extreme_1000_gpus_layer_split
args fit llama-3.1-405b -d rtx-4090x1000
exit 2
stderr vramfit: error: 1000 GPUs for 126 layers: a layer split needs at least one layer per GPU

case extreme_1000_gpus_table
args table --device rtx-4090x1000 --quants Q4_K_M
exit 0
no-golden
stdout-contains n/a

case extreme_1025_gpus
args fit llama-3.1-8b -d rtx-4090x1025
exit 2
stderr vramfit: error: device count in 'rtx-4090x1025' 1025 is out of range [1, 1024]

case extreme_weight_sum_overflow
args --catalog-dir ../corpus/huge estimate overflow-sum -q F16
exit 2
stderr vramfit: error: a byte or element count overflows 64 bits: the model or workload is absurdly large

case extreme_weight_sum_overflow_fit
args --catalog-dir ../corpus/huge fit overflow-sum -d h100-sxmx8
exit 2
stderr vramfit: error: a byte or element count overflows 64 bits: the model or workload is absurdly large

case extreme_compute_buffer_overflow
args --catalog-dir ../corpus/huge estimate wide-heads -c 2048M --ubatch 1048576 --no-flash-attn
exit 2
stderr vramfit: error: a byte or element count overflows 64 bits: the model or workload is absurdly large

case newline_in_size_argument
args fit llama-3.1-8b -d rtx-4090 --ram "$(printf '6\\n4')"
exit 2
stderr vramfit: error: invalid --ram '6\\x0a4': expected a size with a unit, e.g. 24GB, 24GiB, 512MiB

case newline_in_model_name
args fit "$(printf 'llama\\nx')" -d rtx-4090
exit 2
stderr-contains vramfit: error: unknown model 'llama\\x0ax'

case extreme_kv_overflow
args estimate llama-3.1-8b -c 2048M -n 32768
exit 2
stderr vramfit: error: KV cache size overflows at context 2147483648
"""

with open("cases.txt", "w") as out:
    out.write("# Bad-input corpus: one malformed file per case, read through the CLI (generated by cases.py;\n"
              "# format: tests/cli/README.md). Every case: exit 2, nothing on stdout, one stderr line naming\n"
              "# the file (and the line, key, tensor or field) and what is wrong. Paths are relative to tests/cli/.\n")
    for name, args, f, want in cases:
        out.write("\ncase corpus_%s\nargs %s\nexit 2\nstderr-contains %s\n" % (name, args.format(f=P + f), "vramfit: error: " + full(f, want)))
    out.write(EXTREME)
print(len(cases), "bad-input files +", EXTREME.count("\ncase "), "extreme-input and argument cases")
