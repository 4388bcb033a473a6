#include "cli/common.hpp"

#include <fmt/format.h>

#include "formats/parse.hpp"

namespace vramfit::cli {

bool Context::color() const {
  if (global.color == "always") return true;
  if (global.color == "never") return false;
  return io.out_is_tty && (io.no_color == nullptr || io.no_color[0] == '\0');
}

io::RemoteOptions Context::make_remote_options() const {
  io::RemoteOptions o = io::remote_options_from_env();
  if (global.offline) o.offline = true;
  if (!global.timeout.empty()) o.timeout_seconds = io::parse_count(global.timeout, "--timeout", 1, 3600);
  if (io.err_is_tty) {
    std::ostream& err = io.err;
    o.progress = [progress = progress_, &err](const std::string& url, std::uint64_t bytes) {
      const auto now = std::chrono::steady_clock::now();
      if (url != progress->url) progress->url = url, progress->start = now;
      if (now - progress->start < std::chrono::milliseconds(500)) return;
      std::string name = url.substr(url.rfind('/') + 1);
      if (name.size() > 60) name = name.substr(0, 57) + "...";
      err << "\r\033[Kreading " << name << ": " << fmt::format("{:.1f} MB", double(bytes) / 1e6) << std::flush;
      progress->shown = true;
    };
  }
  return o;
}

void Context::show_progress(const std::string& line) {
  if (!io.err_is_tty) return;
  io.err << "\r\033[K" << line << std::flush;
  progress_->shown = true;
}

void Context::clear_progress() {
  if (!progress_->shown) return;
  io.err << "\r\033[K" << std::flush;
  progress_->shown = false;
}

void WorkloadOptions::add_to(CLI::App& app, bool with_context) {
  app.add_option("-q,--quant", quant, std::string("quantization mix or weight format (default ") + kDefaultQuant +
                                           " or the model's release format, e.g. MXFP4_MOE for gpt-oss; see 'vramfit list quants')");
  if (with_context) app.add_option("-c,--context", context, "context tokens per sequence: 8192, 32k, 128k (default 4096, capped at the model maximum)");
  app.add_option("--kv-type", kv_type, "KV cache type for K and V (f16, q8_0, q4_0 ...), or K/V as q8_0/q4_0");
  app.add_option("--parallel,-n", parallel, "concurrent sequences, each with its own context (default 1)");
  app.add_option("--ubatch", ubatch, "physical batch size n_ubatch (default from the runtime profile)");
  app.add_flag("--no-flash-attn", no_flash_attention, "flash attention off (KQ scores in the compute buffer; quantized V not allowed)");
  app.add_flag("--text-only", text_only, "do not load the vision encoder of a vision-language model");
  app.add_option("--images", images, "images per sequence whose tokens cross-attention layers cache (Llama 3.2 Vision; default 1)");
  app.add_option("--runtime", runtime, "runtime profile (default llama.cpp)");
  app.add_option("--mmproj", mmproj, "vision projector GGUF file (mmproj) loaded with a GGUF model file");
}

void PlacementOptions::add_to(CLI::App& app, bool for_fit) {
  app.add_option("-d,--device", devices, for_fit
      ? "device ID[:SIZE][xN], repeatable: rtx-4090, rtx-3090x2, apple-m4-max-40c:64GB, cpu-ddr5-6000-2ch (or a CPU-only host: --ram SIZE --ram-bandwidth BW)"
      : "device ID[:SIZE][xN], repeatable: rtx-4090, rtx-3090x2, apple-m4-max-40c:64GB, cpu-ddr5-6000-2ch");
  app.add_option("--reserve", reserve, "memory per GPU held by other processes or the desktop, e.g. 1.5GB");
  app.add_option("--margin", margin, "memory per GPU an automatic placement keeps free (default: the runtime's, 1 GiB for llama.cpp and Ollama as --fit keeps; 0 to fill the GPUs)");
  app.add_option("--ram", ram, "host RAM available for offloaded layers, e.g. 64GB");
  app.add_option("--ram-bandwidth", ram_bandwidth, "host memory bandwidth for offloaded layers and experts, e.g. 90GB/s");
  app.add_option("--host", host, "host memory preset for offloaded layers (see 'vramfit list devices --filter cpu')");
  app.add_option("--gpu-layers,--ngl", gpu_layers, "layers on the GPUs as llama.cpp -ngl counts them (blocks + output), or auto");
  app.add_option("--wired-limit", wired_limit, "unified memory: what the GPU may use (Apple iogpu.wired_limit_mb; APU carve-out or GTT; Jetson/DGX Spark: RAM the OS leaves), e.g. 56GB");
  app.add_option("--split", split, "how GPUs share the model: layer (llama.cpp -sm layer, default) or tensor (vLLM tensor parallel over every GPU)");
  app.add_option("--tp", tp, "tensor parallel over N GPUs (vLLM -tp N): --device h100-sxm --tp 4 = --device h100-sxmx4 --split tensor");
  app.add_option("--link", link, "link between tensor-parallel GPUs: pcie3, pcie4, pcie5, nvlink (default: NVLink on datacenter boards that have it, else the card's PCIe)");
  app.add_flag("--cpu-moe", cpu_moe, "keep every block's routed experts in host RAM (llama.cpp --cpu-moe)");
  app.add_option("--n-cpu-moe", n_cpu_moe, "keep the routed experts of the first N blocks in host RAM (llama.cpp --n-cpu-moe N)");
  if (for_fit) {
    app.add_option("--cpu-features", cpu_features,
                   "host CPU features for llama.cpp's CPU_REPACK copy: avx2, avx512, avx512_vnni, amx, neon, dotprod, i8mm, sve, sve256, or none "
                   "(default: detected with --device local, an Apple chip's, else avx2)");
    app.add_flag("--no-repack", no_repack, "no CPU_REPACK copy of the host's weights (llama.cpp -nr / --no-repack)");
    app.add_option("--cpu-cores", cpu_cores,
                   "physical cores of the host CPU, which time its prefill (default: detected with --device local; else the prefill "
                   "of a CPU is timed by its memory bandwidth)");
  }
  if (!for_fit) return;
  app.add_option("--gpu-memory-utilization", gpu_memory_utilization, "vLLM / TensorRT-LLM: share of GPU memory the engine may take (default 0.9)");
  app.add_option("--max-num-batched-tokens", max_num_batched_tokens, "vLLM: tokens of the start-up profiling pass (default 8192 for V1)");
  app.add_option("--max-num-seqs", max_num_seqs, "vLLM: sequences per step, the rows sampled in the profiling pass (default 256)");
  app.add_option("--vllm-version", vllm_version, "vLLM engine: 1 (default) or 0 (V0 profiles max(max_model_len, 2048) tokens unless chunked prefill is on)");
}

void PlacementOptions::add_questions_to(CLI::App& app) {
  app.add_flag("--max-context", max_context, "find the longest context per sequence that fits (up to the model maximum)");
  app.add_flag("--max-parallel", max_parallel, "find the most concurrent sequences of --context tokens that fit");
  app.add_flag("--min-devices", min_devices, "find the fewest GPUs of the one --device kind that hold the model (1 to 64)");
}

}  // namespace vramfit::cli
