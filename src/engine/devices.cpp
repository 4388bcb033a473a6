#include "engine/devices.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/suggest.hpp"
#include "engine/local.hpp"
#include "engine/text.hpp"
#include "formats/parse.hpp"
#include "vramfit/llamacpp_graph.hpp"
#include "vramfit/parallel.hpp"

namespace vramfit::engine {

using io::InputError;

DeviceSpec parse_device_spec(const io::Catalog& cat, const std::string& text) {
  DeviceSpec s;
  s.text = text;
  std::string base = text;
  if (cat.find_device(text) == nullptr) {
    // ID followed by xN: the last 'x', with only digits after it.
    const std::size_t x = text.rfind('x');
    if (x != std::string::npos && x > 0 && x + 1 < text.size() &&
        text.find_first_not_of("0123456789", x + 1) == std::string::npos) {
      base = text.substr(0, x);
      s.count = io::parse_count(text.substr(x + 1), "device count in " + io::quote_cut(text), 1, 1024);
    }
  }
  if (cat.find_device(base) == nullptr) {
    const auto colon = base.rfind(':');
    if (colon != std::string::npos) {
      s.memory_gib = to_gib(io::parse_size(base.substr(colon + 1), "device memory in '" + text + "'"));
      base = base.substr(0, colon);
    }
  }
  s.device = &cat.device(base);
  s.name = base;
  const Device& d = s.device->device;
  if (s.memory_gib > 0 && !d.memory_options_gib.empty()) {
    const bool listed = std::any_of(d.memory_options_gib.begin(), d.memory_options_gib.end(),
                                    [&](double o) { return std::abs(o - s.memory_gib) < 0.01; });
    if (!listed) {
      std::string opts;
      for (double o : d.memory_options_gib) opts += (opts.empty() ? "" : ", ") + fmt::format("{:g}GB", o);
      throw InputError(fmt::format("{} is not sold with {:g} GB (options: {})", d.id, s.memory_gib, opts));
    }
  }
  return s;
}

std::string configuration_note(const DeviceSpec& s) {
  const Device& d = s.device->device;
  if (s.memory_gib > 0 || !d.unified_memory()) return "";
  const std::vector<double>& opts = d.memory_options_gib;
  if (opts.size() == 1 || (opts.empty() && d.kind != DeviceKind::apple && d.kind != DeviceKind::igpu)) return "";
  const std::string who = io::to_lower(s.name) == io::to_lower(d.id) ? d.id : fmt::format("'{}' = {} ({})", s.name, d.id, d.name);
  if (opts.empty())
    return fmt::format("{} named without its memory size: took {:g} GB, the most it is sold with; the catalog does not list the sizes sold (name yours, e.g. {}:{:g}GB)",
                       who, d.memory_gib, d.id, d.memory_gib / 2);
  const double largest = *std::max_element(opts.begin(), opts.end());
  const double smallest = *std::min_element(opts.begin(), opts.end());
  std::string sizes;
  for (double o : opts) sizes += fmt::format("{}{:g}", sizes.empty() ? "" : ", ", o);
  return fmt::format("{} named without its memory size: took {:g} GB, {} (sold with {} GB: name yours, e.g. {}:{:g}GB)", who, d.memory_gib,
                     std::abs(d.memory_gib - largest) < 1e-9 ? "the largest configuration" : "the catalog's default", sizes, d.id, smallest);
}

namespace {

// "75 %", "all but 4 GiB kept for the OS", or both.
std::string share_words(const UnifiedMemoryPlatform& p, double memory_gib) {
  const double f = wired_fraction(p.share, memory_gib);
  const std::string pct = fmt::format("{:.0f} %", f * 100);
  const std::string rest = fmt::format("all but {:g} GiB kept for the OS", p.os_reserve_gib);
  if (p.os_reserve_gib <= 0) return pct;
  if (f >= 1.0) return rest;
  return pct + " (at most " + rest + ")";
}

std::string link_ids(const io::Catalog& cat) {
  std::string out;
  for (const LinkProfile& l : cat.links) out += (out.empty() ? "" : ", ") + l.id;
  return out;
}

// --split tensor / --tp N: identical GPUs, the link between them, and what each GPU holds.
void resolve_tensor_parallel(const io::Catalog& cat, const Query& q, const DeviceRequest& opt, ResolvedPlacement& r) {
  const DeviceSpec* first = nullptr;
  std::int64_t n = 0;
  for (const DeviceSpec& s : r.specs) {
    if (s.device->device.is_cpu()) continue;
    if (s.device->device.kind == DeviceKind::apple)
      throw InputError("tensor parallel needs discrete GPUs: an Apple chip is one device");
    if (first == nullptr) first = &s;
    else if (s.device != first->device || s.memory_gib != first->memory_gib)
      throw InputError("tensor parallel needs identical GPUs: got " + first->text + " and " + s.text +
                       " (the default layer split takes mixed GPUs)");
    n += s.count;
  }
  if (first == nullptr) throw InputError("tensor parallel (--split tensor, --tp) needs GPUs: no GPU among the devices");
  if (opt.gpu_layers != "auto")
    throw InputError("--gpu-layers is a layer-split option: tensor parallel keeps every layer on the GPUs");
  if (opt.cpu_moe || !opt.n_cpu_moe.empty())
    throw InputError(std::string(opt.cpu_moe ? "--cpu-moe" : "--n-cpu-moe") +
                     " is a llama.cpp layer-split option: it does not combine with tensor parallel");
  const Device& d = first->device->device;
  const LinkProfile* lp = nullptr;
  if (!opt.link.empty()) {
    for (const LinkProfile& l : cat.links)
      if (io::to_lower(l.id) == io::to_lower(opt.link)) lp = &l;
    if (lp == nullptr) {
      std::vector<std::string> ids;
      for (const LinkProfile& l : cat.links) ids.push_back(l.id);
      throw InputError("unknown link '" + opt.link + "'" + io::did_you_mean(opt.link, ids) + " (links: " + link_ids(cat) + ")");
    }
  } else {
    lp = default_link(cat.links, d);
    if (lp == nullptr)
      throw InputError(fmt::format("no link known between {} GPUs (PCIe gen {}): pass --link ({})", d.id,
                                   d.pcie_gen, link_ids(cat)));
  }
  r.request.split = Parallelism::tensor;
  r.request.link = resolve_link(*lp, d);
  const ModelSpec& m = q.model->spec;
  const Link& l = r.request.link;
  std::string kv;
  if (m.count_layers([](LayerKind k) { return k == LayerKind::mla; }) > 0) kv = "the MLA latent cache whole (shared by all heads)";
  else if (m.kv_heads >= n) kv = fmt::format("{} of the {} KV heads", m.kv_heads / n, m.kv_heads);
  else kv = fmt::format("one of the {} KV heads (replicated: fewer KV heads than GPUs)", m.kv_heads);
  r.assumptions.push_back(fmt::format(
      "tensor parallel over {} x {} (vLLM -tp {}): each GPU holds 1/{} of every block, of the token embeddings and of the output head (vocab-parallel), {}, the compute buffer with attention/FFN scratch / {} and the runtime overhead; nothing in host RAM, no offload",
      n, d.id, n, n, kv, n));
  const Seconds one = allreduce_time(l, n, Bytes(m.hidden * kActivationBytes));
  r.assumptions.push_back(fmt::format(
      "link {}: {:g} GB/s per direction, {:g} us per all-reduce ({}); {} all-reduces per token (after attention and FFN, Megatron-LM) of {} x 2 B: {:.2f} us each, {:.3f} ms per decoded token (reference/methods.md §6.2)",
      l.name, l.bandwidth.value() / 1e9, l.latency.value() * 1e6, opt.link.empty() ? "detected; --link to change" : "--link", allreduces_per_token(m),
      m.hidden, one.value() * 1e6, tp_comm_time(m, l, n, 1).value() * 1e3));
}

// --backend cpu (llama.cpp's CPU backend; docs/unified-memory.md): the GPUs hold nothing. A unified-
// memory chip that is the whole machine gives its CPU cores all of its memory: the GPU's wired limit or
// carve-out does not bind the CPU (the OS lives in the same memory: --reserve).
void resolve_cpu_backend(ResolvedPlacement& r, bool& unified_host) {
  std::int64_t unified = 0;
  for (const DeviceSpec& s : r.specs)
    if (s.device->device.unified_memory()) unified += s.count;
  std::vector<std::string> idle;
  for (const DeviceSpec& s : r.specs) {
    const Device& d = s.device->device;
    if (d.is_cpu()) continue;
    if (!d.unified_memory() || unified != 1) {
      idle.push_back(s.text);
      continue;
    }
    unified_host = true;
    Target& host = r.request.host;
    host.label = "unified memory";
    host.capacity = d.capacity(s.memory_gib);
    host.bandwidth = d.bandwidth();
    if (const std::string note = configuration_note(s); !note.empty()) r.assumptions.push_back("note: " + note);
    r.assumptions.push_back(fmt::format(
        "--backend cpu: llama.cpp's CPU backend on the CPU cores of {}, in all {:g} GB of its unified memory at {:g} GB/s (the GPU's "
        "share does not bind the CPU; the OS lives in the same memory: --reserve)",
        d.id, s.memory_gib > 0 ? s.memory_gib : d.memory_gib, d.bandwidth_gbs));
  }
  if (!idle.empty())
    r.assumptions.push_back(fmt::format("--backend cpu: {} run{} nothing (llama.cpp's CPU backend)", fmt::join(idle, ", "), idle.size() == 1 ? "s" : ""));
}

void resolve_cpu(const Query& q, const DeviceRequest& opt, bool tensor_parallel, ResolvedPlacement& r) {
  r.cpu = host_cpu_features(r.specs, opt.cpu_features, opt.cpu_features_from, r.cpu_source);
  if (!opt.cpu_cores.empty()) r.cpu_cores = io::parse_count(opt.cpu_cores, "--cpu-cores", 1, 4096);
  if (q.runtime->kind != RuntimeKind::llamacpp || tensor_parallel) return;
  if (opt.no_repack) {
    r.no_repack_reason = "--no-repack (llama.cpp -nr)";
    return;
  }
  // llama.cpp's list of host buffer types puts a GPU backend's host (pinned) buffer type before the CPU's
  // extra buffer types, and a weight takes the first that runs its op; with mmap that host buffer becomes
  // the plain CPU buffer (llama-model.cpp make_cpu_buft_list, llama-model-loader.cpp create_tensor). CUDA,
  // ROCm, SYCL and Vulkan have one, Metal has none (ggml_backend_dev_host_buffer_type).
  for (const DeviceSpec& s : r.specs) {
    const Device& d = s.device->device;
    if (!d.is_cpu() && d.backend() != Backend::metal && !opt.cpu_backend) {  // a CPU build has no GPU host buffer
      r.no_repack_reason = fmt::format("{} ({}): llama.cpp keeps host weights in the GPU backend's host buffer, not CPU_REPACK (llama.cpp --no-host would repack them)",
                                       d.id, to_string(d.backend()));
      return;
    }
  }
  r.request.cpu_repack = r.cpu.any();
}

}  // namespace

void check_runtime_devices(const RuntimeProfile& r, const std::vector<DeviceSpec>& specs) {
  if (r.vendors.empty()) return;
  for (const DeviceSpec& s : specs) {
    const Device& d = s.device->device;
    if (std::find(r.vendors.begin(), r.vendors.end(), d.vendor) != r.vendors.end()) continue;
    throw InputError(fmt::format("--runtime {} runs on {} devices only ({}); {} is {}: use --runtime llama.cpp{}", r.id,
                                 fmt::join(r.vendors, ", "), r.name, d.id, d.is_cpu() ? "a CPU memory preset" : d.vendor,
                                 d.is_cpu() ? "" : " or transformers"));
  }
}

CpuFeatures host_cpu_features(const std::vector<DeviceSpec>& specs, const std::string& typed, const std::string& from, std::string& source) {
  const DeviceSpec* apple = nullptr;
  for (const DeviceSpec& s : specs)
    if (s.device->device.kind == DeviceKind::apple) apple = &s;
  if (!typed.empty()) {
    source = from.empty() ? "--cpu-features" : from;
    try {
      return parse_cpu_features(typed);
    } catch (const CoreError& e) {
      std::string word = e.what();
      word = word.substr(word.find('\'') + 1);
      word = word.substr(0, word.find('\''));
      throw InputError("--cpu-features: unknown CPU feature '" + word + "'" + io::did_you_mean(word, cpu_feature_names()) +
                       "; known: " + fmt::format("{}", fmt::join(cpu_feature_names(), ", ")) + ", or none");
    }
  }
  // An Apple chip: M1 is ARMv8.5 with dotprod; M2 and later add i8mm (ARMv8.6).
  if (apple != nullptr) {
    const bool m1 = apple->device->device.id.rfind("apple-m1", 0) == 0;
    source = apple->device->device.id + (m1 ? ": ARMv8.5, NEON with dotprod" : ": ARMv8.6, NEON with dotprod and i8mm");
    return parse_cpu_features(m1 ? "neon,dotprod" : "neon,dotprod,i8mm");
  }
  // Every x86 desktop and server CPU since 2013-2015 has AVX2; the catalog's CPU presets name memory, not a CPU.
  source = "assumed: an x86 CPU with AVX2; set --cpu-features";
  return parse_cpu_features("avx2");
}

UnifiedShare unified_share(const io::Catalog& cat, const DeviceSpec& s, const std::string& wired_limit) {
  const Device& d = s.device->device;
  const UnifiedMemoryPlatform* p = cat.platform_of(d);
  if (p == nullptr)
    throw InputError(d.id + ": no platform rule for its unified memory in runtimes.yaml (memory_platform '" + d.memory_platform +
                     "'; see 'vramfit catalog check')");
  UnifiedShare u;
  if (!wired_limit.empty()) {
    const Bytes wl = io::parse_size(wired_limit, "--wired-limit");
    if (wl > d.capacity(s.memory_gib)) throw InputError("--wired-limit " + wired_limit + " exceeds the unified memory of " + d.id);
    u.capacity = wl;
    u.assumption = fmt::format("{}: {} set to {:.2f} GiB (--wired-limit)", d.id,
                               d.kind == DeviceKind::apple ? "GPU wired limit" : "GPU share of unified memory", to_gib(wl));
    return u;
  }
  const double mem_gib = s.memory_gib > 0 ? s.memory_gib : d.memory_gib;
  u.capacity = unified_gpu_share(*p, mem_gib);
  u.assumption = fmt::format("{} with {:g} GB unified memory: {} lets the GPU use {} = {:.2f} GiB by default ({}, or --wired-limit)",
                             d.id, mem_gib, p->name, share_words(*p, mem_gib), to_gib(u.capacity), p->how);
  return u;
}

ResolvedPlacement resolve_placement(Session& ctx, const Query& q, const DeviceRequest& given) {
  // --device local: the devices `vramfit detect` finds (src/cli/detect.cpp), as ordinary options.
  std::vector<std::string> local_notes;
  const DeviceRequest opt = names_local(given) ? expand_local(ctx, given, &local_notes) : given;
  const io::Catalog& cat = ctx.catalog();
  if (!opt.gpu_memory_utilization.empty() || !opt.max_num_batched_tokens.empty() || !opt.max_num_seqs.empty() || !opt.vllm_version.empty())
    throw io::InputError("--gpu-memory-utilization, --max-num-batched-tokens, --max-num-seqs and --vllm-version size a vLLM-style pool: "
                         "add --runtime vllm (this is " + q.runtime->id + ")");
  ResolvedPlacement r;
  r.assumptions = local_notes;
  r.request.embeddings_on_host = q.runtime->embeddings_on_host;
  const Bytes reserve = opt.reserve.empty() ? Bytes{0} : io::parse_size(opt.reserve, "--reserve", true);
  // --margin 0 needs no unit: nothing kept free.
  const Bytes margin = opt.margin.empty() ? q.runtime->fit_margin : opt.margin == "0" ? Bytes{0} : io::parse_size(opt.margin, "--margin", true);
  const DeviceSpec* host_spec = nullptr;
  for (const std::string& text : opt.devices) r.specs.push_back(parse_device_spec(cat, text));
  std::int64_t total_gpus = 0;
  for (const DeviceSpec& s : r.specs) {
    if (s.device->device.is_cpu()) {
      if (host_spec != nullptr) throw InputError("more than one CPU memory preset among the devices");
      if (s.count != 1) throw InputError("'" + s.text + "': a CPU memory preset cannot be multiplied");
      host_spec = &s;
    } else {
      total_gpus += s.count;
    }
  }
  if (!opt.split.empty() && opt.split != "layer" && opt.split != "tensor")
    throw InputError("unknown --split '" + opt.split + "'" + io::did_you_mean(opt.split, {"layer", "tensor"}) + " (layer, tensor)");
  if (!opt.tp.empty()) {
    if (opt.split == "layer") throw InputError("--tp N is tensor parallel: it does not combine with --split layer");
    const std::int64_t n = io::parse_count(opt.tp, "--tp", 1, 1024);
    std::vector<DeviceSpec*> gpu_specs;
    for (DeviceSpec& s : r.specs)
      if (!s.device->device.is_cpu()) gpu_specs.push_back(&s);
    if (gpu_specs.size() == 1 && gpu_specs.front()->count == 1) {
      // One GPU named without a count: --tp N means N of them, as vLLM -tp N on such a machine.
      gpu_specs.front()->count = n;
      total_gpus = n;
    } else if (total_gpus != n) {
      throw InputError(fmt::format("--tp {} with {} GPUs: tensor parallel spans every GPU given (name one GPU, e.g. --device {} --tp {})",
                                   n, total_gpus, gpu_specs.empty() ? std::string("rtx-4090") : gpu_specs.front()->device->device.id, n));
    }
  }
  if (total_gpus > 1024) throw InputError("more than 1024 devices");
  check_runtime_devices(*q.runtime, r.specs);
  DeviceSpec host_from_flag;
  if (!opt.host.empty()) {
    if (host_spec != nullptr) throw InputError("--host given twice (also as a CPU --device)");
    host_from_flag = parse_device_spec(cat, opt.host);
    if (!host_from_flag.device->device.is_cpu())
      throw InputError("--host '" + opt.host + "' is not a CPU memory preset (see 'vramfit list devices --filter cpu')");
    host_spec = &host_from_flag;
  }
  r.cpu_only = total_gpus == 0 || opt.cpu_backend;
  if (opt.cpu_backend) {
    if (opt.tensor_parallel()) throw InputError("--backend cpu runs no GPU: it does not combine with --split tensor or --tp");
    if (opt.gpu_layers != "auto") throw InputError("--backend cpu keeps every layer in host memory: drop --gpu-layers");
    if (!opt.wired_limit.empty())
      throw InputError("--wired-limit is the GPU's share of unified memory: with --backend cpu the CPU cores use the whole memory");
  }
  // llama.cpp's op offload (placement.hpp): discrete GPUs with a reserve graph of >= 32 tokens; Metal
  // shares the host's memory and offloads nothing.
  r.request.op_offload = q.runtime->kind == RuntimeKind::llamacpp && q.workload.ubatch >= 32;
  r.request.fill_split = q.runtime->kind == RuntimeKind::llamacpp;  // llama.cpp --fit sets -ts

  // Unified memory (docs/unified-memory.md): the GPU gets the share its platform allows; the rest is the
  // CPU side of the same memory, at the same bandwidth, when one such device is the whole machine's memory.
  const bool any_apple = std::any_of(r.specs.begin(), r.specs.end(), [](const DeviceSpec& s) { return s.device->device.kind == DeviceKind::apple; });
  if (any_apple && (r.specs.size() != 1 || r.specs.front().count != 1))
    throw InputError("an Apple chip is a whole computer: combine it with no other device (got " + std::to_string(total_gpus) + " devices)");
  std::int64_t unified_count = 0;
  for (const DeviceSpec& s : r.specs)
    if (s.device->device.unified_memory()) unified_count += s.count;
  if (unified_count == 0 && !opt.wired_limit.empty())
    throw InputError("--wired-limit applies only to unified-memory devices (Apple chips, APUs such as Ryzen AI Max, Jetson, DGX Spark)");
  bool unified_host = false;
  if (opt.cpu_backend) resolve_cpu_backend(r, unified_host);
  if (opt.tensor_parallel()) resolve_tensor_parallel(cat, q, opt, r);
  else if (!opt.link.empty()) throw InputError("--link is the link between tensor-parallel GPUs: add --split tensor or --tp N");
  if (opt.cpu_moe && !opt.n_cpu_moe.empty()) throw InputError("give --cpu-moe (every block) or --n-cpu-moe N (the first N blocks), not both");
  if (opt.cpu_moe || !opt.n_cpu_moe.empty()) {
    if (r.cpu_only)
      throw InputError(std::string(opt.cpu_moe ? "--cpu-moe" : "--n-cpu-moe") + " keeps routed experts in host RAM beside a GPU: with no GPU everything is in RAM already");
    const std::int64_t layers = q.model->spec.layers;
    r.request.cpu_moe_layers = opt.cpu_moe ? layers : std::min(io::parse_count(opt.n_cpu_moe, "--n-cpu-moe", 0, 1 << 20), layers);
    if (q.model->spec.moe.present() && r.request.cpu_moe_layers > 0)
      r.assumptions.push_back(fmt::format(
          "routed experts (ffn_*_exps) of blocks 0-{} in host RAM ({}, llama.cpp's tensor override to the CPU buffer); attention, shared experts, router, norms and the KV cache of GPU blocks stay on the GPU; a token reads its active experts from RAM",
          r.request.cpu_moe_layers - 1, opt.cpu_moe ? "--cpu-moe" : "--n-cpu-moe " + std::to_string(r.request.cpu_moe_layers)));
  }
  for (const DeviceSpec& s : r.specs) {
    const Device& d = s.device->device;
    if (d.is_cpu() || opt.cpu_backend) continue;
    Bytes capacity = d.capacity(s.memory_gib);
    if (d.unified_memory()) {
      if (const std::string note = configuration_note(s); !note.empty()) r.assumptions.push_back("note: " + note);
      const UnifiedShare share = unified_share(cat, s, opt.wired_limit);
      capacity = share.capacity;
      r.assumptions.push_back(share.assumption);
    }
    for (std::int64_t i = 0; i < s.count; ++i) {
      Target t;
      t.label = s.count > 1 ? fmt::format("{}#{}", d.id, i) : d.id;
      t.capacity = capacity;
      t.reserve = reserve;
      t.margin = margin;
      t.overhead = q.runtime->device_overhead(d.backend());
      t.bandwidth = d.bandwidth();
      r.request.gpus.push_back(t);
    }
    if (d.unified_memory() && unified_count == 1) {
      unified_host = true;
      // The CPU side is the same memory: it holds what the GPU may not take (the OS lives there too), and
      // a GPU that runs weights left there copies nothing over PCIe (op offload) unless a discrete GPU
      // sits beside it.
      if (total_gpus == 1) r.request.op_offload = false;
      r.request.host.label = "unified (CPU side)";
      r.request.host.capacity = d.capacity(s.memory_gib) - capacity;
      r.request.host.bandwidth = d.bandwidth();
    }
  }
  if (!r.cpu_only && reserve.value() > 0)
    r.assumptions.push_back(fmt::format("{:.2f} GiB per GPU reserved for other processes (--reserve)", to_gib(reserve)));
  if (!r.cpu_only && !opt.tensor_parallel() && margin.value() > 0)
    r.assumptions.push_back(fmt::format("margin: the automatic placement keeps {} free on each GPU ({}; --margin)", size_str(margin),
                                        opt.margin.empty() ? q.runtime->id + "'s default, as llama.cpp --fit keeps (--fit-target)" : "--margin"));

  Target& host = r.request.host;
  if (host_spec != nullptr) {
    const Device& d = host_spec->device->device;
    host.label = d.id;
    host.capacity = d.capacity(host_spec->memory_gib);
    host.bandwidth = d.bandwidth();
    r.assumptions.push_back(fmt::format("host memory {}: {:.0f} GiB at {:g} GB/s", d.id, to_gib(host.capacity), d.bandwidth_gbs));
  } else if (!unified_host) {
    host.label = "host RAM";
    // Bandwidth of the most common desktop memory, for the speed of offloaded layers only.
    if (const io::CatalogDevice* def = cat.find_device("cpu-ddr5-6000-2ch")) {
      host.bandwidth = def->device.bandwidth();
      if (!r.cpu_only && !opt.tensor_parallel())
        r.assumptions.push_back(fmt::format("host memory bandwidth assumed {:g} GB/s (dual-channel DDR5-6000; set --host)", def->device.bandwidth_gbs));
    }
  }
  if (!opt.ram.empty()) {
    host.capacity = io::parse_size(opt.ram, "--ram");
    if (host.label.empty() || host.label == "host RAM") host.label = "host RAM";
  }
  if (!opt.ram_bandwidth.empty()) {
    if (unified_host)
      throw InputError(std::string("--ram-bandwidth does not apply to ") + (any_apple ? "Apple " : "") +
                       "unified memory (the CPU side shares the chip's bandwidth)");
    host.bandwidth = io::parse_bandwidth(opt.ram_bandwidth, "--ram-bandwidth");
    std::erase_if(r.assumptions, [](const std::string& a) { return a.rfind("host memory bandwidth assumed", 0) == 0; });
    r.assumptions.push_back(fmt::format("host memory bandwidth {:g} GB/s (--ram-bandwidth)", host.bandwidth.value() / 1e9));
  }
  if (r.cpu_only) {
    // A CPU-only host is a preset (--device/--host) or described by hand: --ram SIZE --ram-bandwidth BW.
    // --backend cpu beside a discrete GPU: the host RAM's size is needed, its bandwidth may be assumed.
    if (opt.cpu_backend && host_spec == nullptr && !unified_host) {
      if (opt.ram.empty())
        throw InputError("--backend cpu runs everything in host RAM: describe it with --host PRESET (see 'vramfit list devices --filter cpu') or --ram SIZE [--ram-bandwidth BW]");
      if (opt.ram_bandwidth.empty() && host.bandwidth.value() > 0)
        r.assumptions.push_back(fmt::format("host memory bandwidth assumed {:g} GB/s (dual-channel DDR5-6000; set --host or --ram-bandwidth)",
                                            host.bandwidth.value() / 1e9));
    } else if (host_spec == nullptr && !unified_host && (opt.ram.empty() || opt.ram_bandwidth.empty()))
      throw InputError("no device given: use --device ID (see 'vramfit list devices'), or --ram SIZE --ram-bandwidth BW for a CPU-only host");
    host.reserve = reserve;
    host.overhead = q.runtime->overhead_cpu;
    r.assumptions.push_back("CPU-only: weights, KV cache and compute buffer all in host RAM");
    if (q.runtime->id == "llama.cpp" && llamacpp_graph_covers(q.model->spec))
      r.assumptions.push_back("compute buffer: ggml-alloc replayed over the graph llama.cpp reserves for this architecture (llamacpp_graph.hpp; llama.cpp's logged size at every oracle point, docs/llamacpp-oracle.md)");
  } else if (!host.known() && !opt.tensor_parallel()) {
    r.assumptions.push_back("host RAM not given (--ram): layers that do not fit on the GPU are assumed to fit in RAM");
  }
  if (opt.gpu_layers != "auto" && !opt.tensor_parallel()) {
    // Like llama.cpp, a value above the layer count (the usual -ngl 999) means all of them.
    r.request.gpu_layers = std::min(io::parse_count(opt.gpu_layers, "--gpu-layers", 0, 1 << 20), q.model->spec.layers + 1);
  }
  resolve_cpu(q, opt, opt.tensor_parallel(), r);
  if (!r.cpu_only && !opt.tensor_parallel())
    r.assumptions.push_back(fmt::format(
        "llama.cpp layer split: token embeddings in host RAM, the last -ngl blocks on the GPUs in proportion to their free memory, output head on the last GPU; {} MiB runtime overhead per CUDA/ROCm GPU, {} MiB per Metal GPU",
        to_mib(q.runtime->overhead_cuda), to_mib(q.runtime->overhead_metal)));
  return r;
}


}  // namespace vramfit::engine
