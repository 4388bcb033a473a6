#!/usr/bin/env python3
"""Writes the bad-input corpus (tests/corpus/README.md): malformed GGUF files, safetensors headers,
config.json files and YAML catalogs, each run through the CLI by a case in cases.txt. Run from this
directory; the files are checked in, so this only needs re-running when a case is added."""
import json
import os
import struct

def w(path, data):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())

# ---------------------------------------------------------------- GGUF
def s(x):
    b = x.encode() if isinstance(x, str) else x
    return struct.pack("<Q", len(b)) + b

def kv(key, typ, payload):
    return s(key) + struct.pack("<I", typ) + payload

def u32(key, v):
    return kv(key, 4, struct.pack("<I", v))

def st(key, v):
    return kv(key, 8, s(v))

D, FF, VOCAB = 32, 64, 16
def base_kvs(arch="llama", **over):
    vals = {"block_count": 1, "context_length": 256, "embedding_length": D, "feed_forward_length": FF,
            "attention.head_count": 2, "attention.head_count_kv": 2}
    vals.update(over)
    out = [st("general.architecture", arch), u32("general.file_type", 1), u32("general.alignment", 32)]
    out += [u32(arch + "." + k, v) for k, v in vals.items() if v is not None]
    return out

def base_tensors():
    return [("token_embd.weight", [D, VOCAB], 1), ("blk.0.attn_norm.weight", [D], 0),
            ("blk.0.attn_q.weight", [D, D], 1), ("blk.0.attn_k.weight", [D, D], 1),
            ("blk.0.attn_v.weight", [D, D], 1), ("blk.0.attn_output.weight", [D, D], 1),
            ("blk.0.ffn_norm.weight", [D], 0), ("blk.0.ffn_gate.weight", [D, FF], 1),
            ("blk.0.ffn_up.weight", [D, FF], 1), ("blk.0.ffn_down.weight", [FF, D], 1),
            ("output_norm.weight", [D], 0), ("output.weight", [D, VOCAB], 1)]

def gguf(kvs=None, tensors=None, version=3, magic=b"GGUF", kv_count=None, tensor_count=None,
         offsets=None, data_cut=0):
    kvs = base_kvs() if kvs is None else kvs
    tensors = base_tensors() if tensors is None else tensors
    infos, off = b"", 0
    for i, (name, shape, typ) in enumerate(tensors):
        n = 1
        for x in shape:
            n *= x
        o = off if offsets is None or offsets[i] is None else offsets[i]
        infos += s(name) + struct.pack("<I", len(shape)) + b"".join(struct.pack("<Q", x & (2**64 - 1)) for x in shape)
        infos += struct.pack("<IQ", typ, o)
        size = n * (4 if typ == 0 else 2) if typ in (0, 1) and n < 2**40 else 32
        off += (size + 31) // 32 * 32
    head = magic + struct.pack("<I", version)
    head += struct.pack("<QQ", len(tensors) if tensor_count is None else tensor_count,
                        len(kvs) if kv_count is None else kv_count)
    head += b"".join(kvs) + infos
    head += b"\0" * ((32 - len(head) % 32) % 32)
    data = head + b"\0" * off
    return data[:len(data) - data_cut] if data_cut else data

G = "gguf/"
w(G + "empty.gguf", b"")
w(G + "bad_magic.gguf", gguf(magic=b"GGML"))
w(G + "version_1.gguf", gguf(version=1))
w(G + "version_99.gguf", gguf(version=99))
w(G + "truncated_counts.gguf", b"GGUF" + struct.pack("<I", 3) + b"\1\0\0")
w(G + "kv_count_huge.gguf", gguf(kv_count=2**40))
w(G + "tensor_count_huge.gguf", gguf(tensor_count=2**40))
w(G + "key_length_huge.gguf", b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", 2**62) + b"general")
w(G + "value_type_unknown.gguf", gguf(kvs=base_kvs() + [kv("general.name", 99, b"\0" * 8)]))
w(G + "string_past_end.gguf", b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + s("general.name") + struct.pack("<I", 8)
  + struct.pack("<Q", 10**6) + b"tiny")
w(G + "array_of_arrays.gguf", gguf(kvs=base_kvs() + [kv("x.nested", 9, struct.pack("<IQ", 9, 1) + struct.pack("<IQ", 4, 0))]))
w(G + "ggml_type_unknown.gguf", gguf(tensors=base_tensors()[:-1] + [("output.weight", [D, VOCAB], 77)]))
w(G + "n_dims_5.gguf", gguf(tensors=base_tensors()[:-1] + [("output.weight", [D, VOCAB, 1, 1, 1], 1)]))
w(G + "dim_negative.gguf", gguf(tensors=base_tensors()[:-1] + [("output.weight", [D, -4], 1)]))
w(G + "elements_overflow.gguf", gguf(tensors=base_tensors()[:-1] + [("output.weight", [2**31, 2**31, 2**31, 4], 1)]))
w(G + "data_truncated.gguf", gguf(data_cut=100))
w(G + "offset_misaligned.gguf", gguf(offsets=[None] * 11 + [7]))
w(G + "duplicate_key.gguf", gguf(kvs=base_kvs() + [u32("llama.block_count", 1)]))
w(G + "duplicate_tensor.gguf", gguf(tensors=base_tensors() + [("output.weight", [D, VOCAB], 1)]))
w(G + "name_too_long.gguf", gguf(tensors=base_tensors() + [("x" * 64, [D], 0)]))
w(G + "no_architecture.gguf", gguf(kvs=base_kvs()[1:]))
w(G + "architecture_unknown.gguf", gguf(kvs=base_kvs("frobnicator")))
# Found by fuzz_gguf (issue 8, session 4): an architecture name holding a newline gave a two-line error.
w(G + "architecture_newline.gguf", gguf(kvs=base_kvs("lla\nma")))
w(G + "architecture_not_string.gguf", gguf(kvs=[u32("general.architecture", 7)] + base_kvs()[1:]))
w(G + "block_count_missing.gguf", gguf(kvs=base_kvs(block_count=None)))
w(G + "block_count_zero.gguf", gguf(kvs=base_kvs(block_count=0)))
w(G + "heads_not_dividing.gguf", gguf(kvs=base_kvs(**{"attention.head_count_kv": 3})))
w(G + "alignment_zero.gguf", gguf(kvs=base_kvs()[:2] + [u32("general.alignment", 0)] + base_kvs()[3:]))
w(G + "alignment_odd.gguf", gguf(kvs=base_kvs()[:2] + [u32("general.alignment", 48)] + base_kvs()[3:]))
w(G + "truncated_tensor_infos.gguf", gguf()[:900])

# Issue 16: integers from the file range-checked by key before any product; tensor data in order and
# without overlap (ggml's gguf.cpp refuses both); a tensor list short of the architecture's blocks.
def u64(key, v):
    return kv(key, 10, struct.pack("<Q", v))

def i64(key, v):
    return kv(key, 11, struct.pack("<q", v))

MAMBA_TENSORS = [("token_embd.weight", [D, VOCAB], 1), ("blk.0.attn_norm.weight", [D], 0),
                 ("blk.0.ssm_in.weight", [D, 2 * D], 1), ("blk.0.ssm_conv1d.weight", [4, D], 0),
                 ("blk.0.ssm_out.weight", [D, D], 1), ("output_norm.weight", [D], 0)]
MAMBA_KVS = base_kvs("mamba", feed_forward_length=None, **{"attention.head_count": None, "attention.head_count_kv": None})
w(G + "ssm_inner_huge.gguf", gguf(kvs=MAMBA_KVS + [u32("mamba.ssm.conv_kernel", 4), u64("mamba.ssm.inner_size", 2**40),
                                              u32("mamba.ssm.state_size", 16)], tensors=MAMBA_TENSORS))
w(G + "mla_rank_huge.gguf", gguf(kvs=base_kvs("deepseek2") + [u64("deepseek2.attention.kv_lora_rank", 2**62)],
                                 tensors=base_tensors() + [("blk.0.attn_kv_a_mqa.weight", [D, D], 1)]))
w(G + "sliding_window_huge.gguf", gguf(kvs=base_kvs("gemma2") + [i64("gemma2.attention.sliding_window", 2**63 - 1)]))
w(G + "tensor_overlap.gguf", gguf(offsets=[None, 0] + [None] * 10))
w(G + "tensor_out_of_order.gguf", gguf(offsets=[1024, 0] + [None] * 10))
w(G + "tensor_list_short.gguf", gguf(kvs=base_kvs(block_count=2)))
# llama.cpp loads a general.name that is not UTF-8; --json must still be a valid document.
w(G + "name_not_utf8.gguf", gguf(kvs=base_kvs() + [kv("general.name", 8, s(b"caf\xe9 \xff model"))]))

# ---------------------------------------------------------------- safetensors (beside a valid config.json)
CONFIG = {"architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "hidden_size": 64,
          "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
          "num_key_value_heads": 2, "vocab_size": 256, "max_position_embeddings": 4096,
          "tie_word_embeddings": True, "head_dim": 16, "rms_norm_eps": 1e-06, "torch_dtype": "bfloat16"}

def st_file(header, data_bytes, length=None):
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<Q", len(text) if length is None else length) + text + b"\0" * data_bytes

def st_dir(name, data):
    w("safetensors/%s/config.json" % name, json.dumps(CONFIG, indent=1))
    w("safetensors/%s/model.safetensors" % name, data)

EMB = "model.embed_tokens.weight"
st_dir("short_file", b"\1\2\3")
st_dir("header_past_end", st_file({}, 0, length=4096))
st_dir("header_not_json", st_file(b"{not json", 0))
st_dir("header_not_object", st_file([1, 2], 0))
st_dir("dtype_unknown", st_file({EMB: {"dtype": "Q4", "shape": [256, 64], "data_offsets": [0, 8192]}}, 8192))
st_dir("span_mismatch", st_file({EMB: {"dtype": "BF16", "shape": [256, 64], "data_offsets": [0, 100]}}, 100))
st_dir("offsets_past_end", st_file({EMB: {"dtype": "BF16", "shape": [256, 64], "data_offsets": [0, 32768]}}, 64))
st_dir("overlap", st_file({EMB: {"dtype": "BF16", "shape": [4], "data_offsets": [0, 8]},
                           "lm_head.weight": {"dtype": "BF16", "shape": [4], "data_offsets": [4, 12]}}, 12))
st_dir("shape_negative", st_file({EMB: {"dtype": "BF16", "shape": [-1, 64], "data_offsets": [0, 0]}}, 0))
st_dir("shape_overflow", st_file({EMB: {"dtype": "BF16", "shape": [2**40, 2**40], "data_offsets": [0, 0]}}, 0))
st_dir("number_overflow", st_file(b'{"a": {"dtype": "F32", "shape": [1e400], "data_offsets": [0, 4]}}', 4))
st_dir("missing_offsets", st_file({EMB: {"dtype": "BF16", "shape": [4]}}, 8))
# A sharded model whose index names a file that is not there.
w("safetensors/index_missing_shard/config.json", json.dumps(CONFIG, indent=1))
w("safetensors/index_missing_shard/model.safetensors.index.json",
  json.dumps({"metadata": {}, "weight_map": {EMB: "model-00001-of-00002.safetensors"}}))
w("safetensors/index_not_json/config.json", json.dumps(CONFIG, indent=1))
w("safetensors/index_not_json/model.safetensors.index.json", "{\"weight_map\": ")

# ---------------------------------------------------------------- config.json
def cfg(name, text):
    w("config/%s.json" % name, text if isinstance(text, str) else json.dumps(text, indent=1))

def with_(**kw):
    c = dict(CONFIG)
    for k, v in kw.items():
        if v is None:
            c.pop(k, None)
        else:
            c[k] = v
    return c

cfg("not_json", "{\"model_type\": \"qwen3\",,}")
cfg("empty", "")
cfg("top_level_array", [CONFIG])
cfg("no_model_type", with_(model_type=None))
cfg("model_type_unknown", with_(model_type="frobnicator"))
cfg("model_type_number", with_(model_type=3))
cfg("layers_negative", with_(num_hidden_layers=-2))
cfg("layers_string", with_(num_hidden_layers="28"))
cfg("layers_huge", with_(num_hidden_layers=10**30))
cfg("hidden_zero", with_(hidden_size=0))
cfg("heads_missing", with_(num_attention_heads=None))
cfg("kv_heads_not_dividing", with_(num_key_value_heads=3))
cfg("vocab_float", with_(vocab_size=151936.5))
cfg("quant_method_unknown", with_(quantization_config={"quant_method": "frobq", "bits": 3}))
cfg("number_overflow", "{\"model_type\": \"qwen3\", \"hidden_size\": 1e400}")
# Jamba v0.1 with attn_layer_period 4 and no attn_layer_offset: the default offset 4 is past the period.
JAMBA = json.load(open(os.path.join("..", "hf", "configs", "jamba-v0.1.json")))
JAMBA["attn_layer_period"] = 4
JAMBA.pop("attn_layer_offset", None)
cfg("jamba_offset_default_past_period", JAMBA)
# Issue 16: a width made of two keys (value heads x head size) past 2^24 wrapped in the recurrent state.
NEXT = json.load(open(os.path.join("..", "hf", "configs", "qwen3-next-80b-a3b.json")))
NEXT["linear_num_value_heads"] = 65536
NEXT["linear_value_head_dim"] = 16777216
cfg("ssm_width_overflow", NEXT)
# Every value in range, but 281 trillion parameters: `import` printed an entry its own loader refused.
cfg("params_past_catalog_limit", with_(num_hidden_layers=4096, hidden_size=65536, intermediate_size=262144,
                                       num_attention_heads=512, num_key_value_heads=8, head_dim=128))
cfg("deep_nesting", "{\"model_type\": \"qwen3\", \"x\": " + "[" * 100 + "]" * 100 + "}")

# ---------------------------------------------------------------- runtime logs (vramfit validate)
# Issue 16: figures outside their range are refused at their line, blamed on the log (not on an option).
LLAMA_HEAD = ("print_info: arch             = llama\nprint_info: n_layer          = 32\nprint_info: n_embd           = 4096\n"
              "load_tensors: offloaded 33/33 layers to GPU\n")
w("logs/buffer_negative.log", LLAMA_HEAD + "load_tensors:        CUDA0 model buffer size =    -5.00 MiB\n")
w("logs/buffer_1e17_mib.log", LLAMA_HEAD + "load_tensors:        CUDA0 model buffer size = 1e17 MiB\n")
w("logs/ubatch_zero.log", LLAMA_HEAD + "load_tensors:        CUDA0 model buffer size =  4403.49 MiB\n"
  "llama_context: n_ctx         = 4096\nllama_context: n_ubatch      = 0\n")
w("logs/vllm_max_num_seqs_negative.log", "(APIServer pid=1) INFO 08-21 14:02:14 [utils.py:326] non-default args: "
  "{'model': 'meta-llama/Llama-3.1-8B-Instruct', 'max_model_len': 8192, 'max_num_seqs': -1}\n"
  "(EngineCore_0 pid=2) INFO 08-21 14:02:40 [gpu_worker.py:276] Available KV cache memory: 53.29 GiB\n")
# vLLM V0's profiling line with a total of 1e17 GiB, and V1's KV-needed error with a need of 4e9 GiB
# (runtime_log.cpp vllm_profile, vllm_kv_needed; issue 20).
w("logs/vllm_profile_total_huge.log", "INFO 11-21 09:12:01 model_runner.py:1077] Loading model weights took 14.9888 GB\n"
  "INFO 11-21 09:12:04 worker.py:232] Memory profiling results: total_gpu_memory=1e17GiB initial_memory_usage=15.34GiB "
  "peak_torch_memory=17.06GiB memory_usage_post_profile=15.35GiB non_torch_memory=0.35GiB kv_cache_size=3.81GiB "
  "gpu_memory_utilization=0.90\n")
w("logs/vllm_kv_needed_huge.log", "(EngineCore_0 pid=2) ERROR 08-21 14:02:52 [core.py:700] ValueError: To serve at least one request "
  "with the models's max seq len (131072), (4000000000.00 GiB KV cache is needed, which is larger than the available KV cache "
  "memory (3.81 GiB).\n")
w("logs/ollama_size_huge.txt", "NAME             ID              SIZE     PROCESSOR          CONTEXT    UNTIL\n"
  "llama3.1:8b      46e0c10c039e    1e17 GB  100% GPU           4096       4 minutes from now\n")

# ---------------------------------------------------------------- YAML catalogs (--catalog-dir)
MODEL = """schema_version: 1
models:
- id: test-model
  name: Test Model
  architecture: llama
  layers: {layers}
  hidden_size: 4096
  heads: 32
  kv_heads: 8
  head_dim: 128
  ffn_size: 14336
  ffn_gated: true
  vocab: 128256
  tied_embeddings: false
  max_context: 131072
  native_format: bf16
  params_total_b: 8.03
  source: [test]
"""
DEVICE = """schema_version: 1
devices:
- id: test-gpu
  name: Test GPU
  vendor: nvidia
  kind: gpu
  memory_gib: {memory}
  memory_bandwidth_gbs: {bw}
  source: [test]
"""
def yml(d, name, text):
    w("yaml/%s/%s" % (d, name), text)

yml("syntax_error", "models.yaml", "schema_version: 1\nmodels: [\n- id: x\n")
yml("tab_indent", "models.yaml", "schema_version: 1\nmodels:\n\t- id: x\n")
yml("schema_version_2", "models.yaml", MODEL.format(layers=32).replace("schema_version: 1", "schema_version: 2"))
yml("no_schema_version", "models.yaml", MODEL.format(layers=32).replace("schema_version: 1\n", ""))
yml("layers_negative", "models.yaml", MODEL.format(layers=-1))
yml("layers_text", "models.yaml", MODEL.format(layers="many"))
yml("layers_huge", "models.yaml", MODEL.format(layers="1e400"))
yml("models_not_list", "models.yaml", "schema_version: 1\nmodels: {id: x}\n")
yml("unknown_key", "models.yaml", MODEL.format(layers=32).replace("  vocab:", "  vocab_sise: 5\n  vocab:"))
yml("missing_key", "models.yaml", MODEL.format(layers=32).replace("  hidden_size: 4096\n", ""))
yml("duplicate_key", "models.yaml", MODEL.format(layers=32).replace("  heads: 32\n", "  heads: 32\n  heads: 16\n"))
yml("binary", "models.yaml", b"schema_version: 1\nmodels:\n- id: \xff\xfe\x00\x01\n")
yml("deep_nesting", "models.yaml", "schema_version: 1\nmodels: " + "[" * 3000 + "]" * 3000 + "\n")
yml("device_memory_zero", "devices.yaml", DEVICE.format(memory=0, bw=1000))
yml("device_memory_text", "devices.yaml", DEVICE.format(memory="lots", bw=1000))
yml("device_memory_absurd", "devices.yaml", DEVICE.format(memory="1e300", bw=1000))
yml("device_bandwidth_nan", "devices.yaml", DEVICE.format(memory=24, bw=".nan"))
yml("device_bandwidth_negative", "devices.yaml", DEVICE.format(memory=24, bw=-5))
yml("quants_not_list", "quants.yaml", "schema_version: 1\nmixes: 7\n")
yml("runtimes_bad", "runtimes.yaml", "schema_version: 1\nruntimes:\n- id: [1, 2]\n")
# Issue 16: ids that differ only in case (every look-up ignores case); a directory named models.yaml.
yml("ids_differ_in_case", "devices.yaml", DEVICE.format(memory=24, bw=1000) + DEVICE.format(memory=48, bw=2000)
    .replace("schema_version: 1\ndevices:\n", "").replace("id: test-gpu", "id: TEST-GPU"))
yml("models_yaml_is_a_directory", "models.yaml/README", "models.yaml is a directory here, not a file\n")
yml("runtimes_platforms_map", "runtimes.yaml", "schema_version: 1\nruntimes: []\nplatforms:\n  wired_limit:\n  - {fraction: 0.75}\n")
