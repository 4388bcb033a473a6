#!/usr/bin/env python3
"""Writes the binary seeds of tests/fuzz_corpus (the text seeds are checked in as they are):
gguf/tiny_llama.gguf (a valid 1-block llama GGUF v3, F16, zero weights) and safetensors/*.bin
(8-byte data size + JSON header, the fuzz_safetensors input layout). Run from this directory."""
import json
import struct

def gguf_string(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b

def kv_u32(key, v):
    return gguf_string(key) + struct.pack("<I", 4) + struct.pack("<I", v)

def kv_f32(key, v):
    return gguf_string(key) + struct.pack("<I", 6) + struct.pack("<f", v)

def kv_str(key, v):
    return gguf_string(key) + struct.pack("<I", 8) + gguf_string(v)

def tiny_gguf(path):
    d, ff, vocab = 32, 64, 16
    kvs = [kv_str("general.architecture", "llama"), kv_str("general.name", "tiny"),
           kv_u32("general.file_type", 1), kv_u32("llama.block_count", 1),
           kv_u32("llama.context_length", 256), kv_u32("llama.embedding_length", d),
           kv_u32("llama.feed_forward_length", ff), kv_u32("llama.attention.head_count", 2),
           kv_u32("llama.attention.head_count_kv", 2), kv_u32("llama.rope.dimension_count", 16),
           kv_f32("llama.attention.layer_norm_rms_epsilon", 1e-5), kv_u32("llama.vocab_size", vocab),
           kv_u32("general.alignment", 32)]
    tensors = [("token_embd.weight", [d, vocab]), ("blk.0.attn_norm.weight", [d]),
               ("blk.0.attn_q.weight", [d, d]), ("blk.0.attn_k.weight", [d, d]),
               ("blk.0.attn_v.weight", [d, d]), ("blk.0.attn_output.weight", [d, d]),
               ("blk.0.ffn_norm.weight", [d]), ("blk.0.ffn_gate.weight", [d, ff]),
               ("blk.0.ffn_up.weight", [d, ff]), ("blk.0.ffn_down.weight", [ff, d]),
               ("output_norm.weight", [d]), ("output.weight", [d, vocab])]
    infos, offset = b"", 0
    for name, shape in tensors:
        n = 1
        for x in shape:
            n *= x
        typ = 0 if len(shape) == 1 else 1  # norms F32, matrices F16
        infos += gguf_string(name) + struct.pack("<I", len(shape)) + b"".join(struct.pack("<Q", x) for x in shape)
        infos += struct.pack("<IQ", typ, offset)
        offset += (n * (4 if typ == 0 else 2) + 31) // 32 * 32
    head = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs)) + b"".join(kvs) + infos
    head += b"\0" * ((32 - len(head) % 32) % 32)
    with open(path, "wb") as f:
        f.write(head + b"\0" * offset)

def safetensors_seed(path, header, data_bytes):
    text = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", data_bytes) + text)

tiny_gguf("gguf/tiny_llama.gguf")
safetensors_seed("safetensors/two_tensors.bin", {
    "__metadata__": {"format": "pt"},
    "model.embed_tokens.weight": {"dtype": "BF16", "shape": [16, 32], "data_offsets": [0, 1024]},
    "model.layers.0.self_attn.q_proj.weight": {"dtype": "F8_E4M3", "shape": [32, 32], "data_offsets": [1024, 2048]},
}, 2048)
safetensors_seed("safetensors/dtypes.bin", {
    "a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
    "b": {"dtype": "I64", "shape": [], "data_offsets": [16, 24]},
    "c": {"dtype": "F4", "shape": [4], "data_offsets": [24, 26]},
    "d": {"dtype": "U8", "shape": [0, 3], "data_offsets": [26, 26]},
}, 26)

# YAML catalog seeds: the first byte picks the file kind (fuzz_yaml_catalog.cpp: models, devices,
# quants, runtimes, speed, ollama); the document is the head of data/FILE.yaml cut after a few entries.
import os
import shlex
import shutil

def yaml_head(name, entries):
    lines, seen = [], 0
    with open(os.path.join("..", "..", "data", name)) as f:
        for line in f:
            if line.startswith("- "):
                seen += 1
                if seen > entries:
                    break
            lines.append(line)
    return "".join(lines)

for i, name in enumerate(["models.yaml", "devices.yaml", "quants.yaml", "runtimes.yaml", "speed.yaml", "ollama.yaml"]):
    text = yaml_head(name, 3) if name not in ("runtimes.yaml", "speed.yaml") else open(os.path.join("..", "..", "data", name)).read()
    with open("yaml_catalog/%s" % name, "wb") as f:
        f.write(bytes([i]) + text.encode())

# config.json seeds: one per family of tests/hf/configs.
for name in ["llama-3.1-8b", "deepseek-v3", "gemma-3-27b", "gemma-2-9b", "gpt-oss-20b", "jamba-v0.1",
             "granite-4.0-h-small", "qwen2.5-vl-7b", "phi-3-mini", "mixtral-8x7b", "command-r",
             "llama-4-scout-17b-16e", "glm-4.5-air", "qwen3-0.6b", "kimi-k2"]:
    src = os.path.join("..", "hf", "configs", name + ".json")
    if os.path.exists(src):
        shutil.copy(src, "hf_config/%s.json" % name)
# 2026: Qwen3.5 (delta-net hybrid, ViT) and Qwen3-VL (ViT with DeepStack mergers).
for name in ["qwen3.5-35b-a3b", "qwen3-vl-30b-a3b"]:
    shutil.copy(os.path.join("..", "hf", "configs", name + ".json"), "hf_config/%s.json" % name)
# 2026: Llama 3.2 Vision (mllama: cross_attention_layers, tiled ViT).
shutil.copy(os.path.join("..", "hf", "configs", "llama-3.2-11b-vision.json"), "hf_config/llama-3.2-11b-vision.json")

# Command-line seeds: every argument list of tests/cli/cases.txt that names no file, one argument a line.
n = 0
for line in open(os.path.join("..", "cli", "cases.txt")):
    if not line.startswith("args "):
        continue
    args = shlex.split(line[5:])
    if any("/" in a or "gguf" in a or ".." in a or a in (".", "import") for a in args):
        continue
    n += 1
    with open("cli/case_%03d.txt" % n, "w") as f:
        f.write("\n".join(args))
