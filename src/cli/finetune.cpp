// vramfit finetune MODEL --method full|lora|qlora --device ID[xN] ...: per-GPU training memory (weights,
// gradients, master weights, optimizer states, activations, logits, overhead) under ZeRO / FSDP, the fit
// verdict (exit 0 fits, 1 does not fit) and the training throughput. Core: include/vramfit/finetune*.hpp.
#include <cmath>

#include <fmt/format.h>

#include "base/suggest.hpp"
#include "cli/commands.hpp"
#include "cli/render.hpp"
#include "cli/report.hpp"
#include "formats/parse.hpp"
#include "vramfit/finetune_speed.hpp"

namespace vramfit::cli {
namespace {

using io::InputError;

struct FinetuneOptions {
  std::string model;
  std::string method = "lora";
  std::string optimizer = "adamw";
  std::string precision = "bf16";
  std::string rank, alpha, targets;
  std::string seq, micro_batch, grad_accum;
  bool grad_ckpt = false, no_flash_attention = false, fsdp = false;
  std::string zero;
  std::string device;
  std::string tokens;
};

template <class E>
E pick(const std::string& text, const char* what, std::initializer_list<std::pair<const char*, E>> choices) {
  std::vector<std::string> names;
  for (const auto& [name, value] : choices) {
    if (io::to_lower(text) == name) return value;
    names.emplace_back(name);
  }
  std::string list;
  for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
  throw InputError(fmt::format("unknown {} '{}'{} ({})", what, text, io::did_you_mean(text, names), list));
}

// --targets: attn, mlp, all-linear, or projections q,k,v,o,gate,up,down (comma-separated, combinable).
LoraTargets parse_targets(const std::string& text) {
  LoraTargets t;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    const std::string word = io::to_lower(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (word == "attn") t.q = t.k = t.v = t.o = true;
    else if (word == "mlp") t.gate = t.up = t.down = true;
    else if (word == "all-linear") t = LoraTargets::all_linear();
    else if (word == "q") t.q = true;
    else if (word == "k") t.k = true;
    else if (word == "v") t.v = true;
    else if (word == "o") t.o = true;
    else if (word == "gate") t.gate = true;
    else if (word == "up") t.up = true;
    else if (word == "down") t.down = true;
    else
      throw InputError("unknown LoRA target '" + word + "'" +
                       io::did_you_mean(word, {"attn", "mlp", "all-linear", "q", "k", "v", "o", "gate", "up", "down"}) +
                       " (attn, mlp, all-linear, or projections q,k,v,o,gate,up,down)");
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return t;
}

std::string targets_text(const LoraTargets& t) {
  if (t.q && t.k && t.v && t.o && t.gate && t.up && t.down && t.ssm) return "all-linear";
  std::string s;
  for (const auto& [on, name] : {std::pair{t.q, "q"}, {t.k, "k"}, {t.v, "v"}, {t.o, "o"}, {t.gate, "gate"}, {t.up, "up"},
                                 {t.down, "down"}, {t.ssm, "ssm"}})
    if (on) s += (s.empty() ? "" : ",") + std::string(name);
  return s;
}

// Training token budgets are quoted in decimal: 500M, 1B, 2.5T.
std::int64_t parse_token_budget(const std::string& text) {
  static const std::pair<const char*, double> units[] = {{"", 1}, {"k", 1e3}, {"m", 1e6}, {"b", 1e9}, {"t", 1e12}};
  const std::string lower = io::to_lower(text);
  std::size_t digits = 0;
  while (digits < lower.size() && (std::isdigit(static_cast<unsigned char>(lower[digits])) || lower[digits] == '.')) ++digits;
  for (const auto& [u, mult] : units) {
    if (digits == 0 || lower.substr(digits) != u) continue;
    // The whole number part must parse ("1.2.3M" is no budget; stod read it as 1.2).
    if (const auto v = io::parse_decimal(lower.substr(0, digits), 0, 1e16 / mult); v && *v * mult >= 1)
      return static_cast<std::int64_t>(std::llround(*v * mult));
  }
  throw InputError("--tokens '" + text + "' is not a token count (e.g. 50M, 1B, 2.5T: decimal)");
}

std::string duration_text(double s) {
  if (s < 120) return fmt::format("{:.0f} s", s);
  if (s < 7200) return fmt::format("{:.1f} min", s / 60);
  if (s < 172800) return fmt::format("{:.1f} h", s / 3600);
  return fmt::format("{:.1f} days", s / 86400);
}

std::string count_text(double n) {
  if (n >= 1e9) return fmt::format("{:.2f} B", n / 1e9);
  if (n >= 1e6) return fmt::format("{:.1f} M", n / 1e6);
  return fmt::format("{:.0f}", n);
}

int run_finetune(Context& ctx, const FinetuneOptions& opt) {
  const io::Catalog& cat = ctx.catalog();
  FinetuneSetup s;
  s.method = pick<FtMethod>(opt.method, "--method", {{"full", FtMethod::full}, {"lora", FtMethod::lora}, {"qlora", FtMethod::qlora}});
  s.optimizer = pick<Optimizer>(opt.optimizer, "--optimizer",
                                {{"adamw", Optimizer::adamw}, {"adamw-8bit", Optimizer::adamw_8bit}, {"paged-adamw", Optimizer::paged_adamw},
                                 {"paged-adamw-8bit", Optimizer::paged_adamw_8bit}, {"sgd", Optimizer::sgd}, {"adafactor", Optimizer::adafactor}});
  s.precision = pick<TrainPrecision>(opt.precision, "--precision",
                                     {{"bf16", TrainPrecision::bf16}, {"fp16", TrainPrecision::fp16}, {"fp32", TrainPrecision::fp32}});
  const bool lora = lora_like(s.method);
  if (!lora && (!opt.rank.empty() || !opt.alpha.empty() || !opt.targets.empty()))
    throw InputError("--rank, --alpha and --targets are LoRA options: drop them for --method full, or use --method lora/qlora");
  if (s.method == FtMethod::qlora && s.precision == TrainPrecision::fp32)
    throw InputError("QLoRA computes in 16 bits (bnb_4bit_compute_dtype bf16 or fp16): use --precision bf16 or fp16");
  if (!opt.rank.empty()) s.rank = io::parse_count(opt.rank, "--rank", 1, 65536);
  const std::int64_t alpha = opt.alpha.empty() ? 2 * s.rank : io::parse_count(opt.alpha, "--alpha", 1, 1 << 20);
  if (!opt.targets.empty()) s.targets = parse_targets(opt.targets);
  s.seq = opt.seq.empty() ? 2048 : io::parse_tokens(opt.seq, "--seq");
  if (s.seq < 1 || s.seq > (std::int64_t{1} << 24)) throw InputError("--seq " + opt.seq + " is out of range (1 to 16M tokens)");
  s.micro_batch = opt.micro_batch.empty() ? 1 : io::parse_count(opt.micro_batch, "--micro-batch", 1, 65536);
  s.grad_accum = opt.grad_accum.empty() ? 1 : io::parse_count(opt.grad_accum, "--grad-accum", 1, 1 << 20);
  s.grad_ckpt = opt.grad_ckpt;
  s.flash_attention = !opt.no_flash_attention;
  if (opt.fsdp && !opt.zero.empty()) throw InputError("give --zero N (DeepSpeed) or --fsdp (= ZeRO-3), not both");
  s.zero = opt.fsdp ? 3 : opt.zero.empty() ? 0 : static_cast<int>(io::parse_count(opt.zero, "--zero", 0, 3));
  const std::int64_t tokens = opt.tokens.empty() ? 0 : parse_token_budget(opt.tokens);

  if (opt.device.empty()) throw InputError("no device given: use --device ID[xN] (see 'vramfit list devices')");
  const DeviceSpec ds = parse_device_spec(cat, opt.device);
  const Device& d = ds.device->device;
  if (d.is_cpu() || d.unified_memory())
    throw InputError("'" + d.id + "': vramfit finetune models PyTorch training on discrete GPUs (CUDA/ROCm); CPU and unified-memory devices are not modelled");
  s.gpus = ds.count;

  // The model in the storage the method loads: 16/32-bit safetensors, or NF4 + double quant for QLoRA.
  WorkloadOptions wo;
  wo.quant = s.method == FtMethod::qlora ? "bnb-nf4-dq" : s.precision == TrainPrecision::bf16 ? "hf-bf16"
                                                                          : s.precision == TrainPrecision::fp16 ? "hf-fp16" : "hf-fp32";
  const Query q = resolve_query(ctx, opt.model, wo);
  const ModelSpec& m = q.model->spec;
  const WeightBreakdown base = weight_bytes(m, q.mix->mix, ctx.types(), true);
  const FinetuneProfile& prof = cat.finetune;
  const FinetuneMemory mem = finetune_memory(m, base, s, prof);
  const double peak_tflops = s.precision == TrainPrecision::bf16 ? d.bf16_tflops : s.precision == TrainPrecision::fp16 ? d.fp16_tflops : d.fp32_tflops;
  std::optional<Link> link;
  if (s.gpus > 1)
    if (const LinkProfile* lp = default_link(cat.links, d)) link = resolve_link(*lp, d);
  const FinetuneSpeed speed = finetune_speed(m, base, mem, s, prof, tflops(peak_tflops), d.bandwidth(), link ? &*link : nullptr);
  const Bytes capacity = d.capacity(ds.memory_gib);
  const Bytes total = mem.total();
  const FtVerdict verdict = finetune_verdict(mem, capacity);
  const bool fits = verdict == FtVerdict::fits;
  const int code = verdict == FtVerdict::does_not_fit ? 1 : 0;

  // Assumptions, in the order a reader checks them.
  std::vector<std::string> a;
  if (q.file != nullptr && !q.assumptions.empty()) a.push_back(q.assumptions.front());
  a.push_back(fmt::format("base weights {} ({}){}", q.mix->mix.id, q.mix->mix.name,
                          s.method == FtMethod::qlora ? ": NF4 + double quantization for every linear layer, embeddings, head and norms in bf16 (QLoRA)" : ""));
  if (s.method == FtMethod::full)
    a.push_back(mixed_precision(s.precision)
                    ? fmt::format("full fine-tuning, mixed precision: {} weights and gradients, fp32 master weights and optimizer states (ZeRO accounting: {} B/param with AdamW; HF Trainer without DeepSpeed keeps fp32 gradients: +2)",
                                  to_string(s.precision), 2 + 2 + 4 + prof.adamw_bytes)
                    : fmt::format("full fine-tuning in fp32: weights and gradients 4 B each, no master copy ({} B/param with AdamW)", 4 + 4 + prof.adamw_bytes));
  else
    a.push_back(fmt::format("LoRA r={} alpha={} on {}: r x (d_in + d_out) per adapted matrix, routed experts adapted one by one; adapters, their gradients and optimizer states in fp32 (PEFT autocast_adapter_dtype); base frozen, no gradients; router, embeddings and output head not adapted",
                            s.rank, alpha, targets_text(s.targets)));
  if (m.vision.present()) a.push_back("vision tower loaded and frozen (counted as frozen weights, not adapted)");
  const char* opt_text = "";
  switch (s.optimizer) {
    case Optimizer::adamw: opt_text = "AdamW: fp32 m and v"; break;
    case Optimizer::adamw_8bit: opt_text = "8-bit AdamW (bitsandbytes): block-wise 8-bit m and v"; break;
    case Optimizer::paged_adamw: opt_text = "paged AdamW: fp32 m and v in unified memory, counted on the GPU (paging only moves them to host RAM under memory pressure)"; break;
    case Optimizer::paged_adamw_8bit: opt_text = "paged 8-bit AdamW: 8-bit m and v in unified memory, counted on the GPU (paging only moves them to host RAM under memory pressure)"; break;
    case Optimizer::sgd: opt_text = "SGD with momentum: one fp32 buffer"; break;
    case Optimizer::adafactor: opt_text = "Adafactor (no first moment): fp32 row and column accumulators per matrix, full second moment of vectors"; break;
  }
  a.push_back(s.optimizer == Optimizer::adafactor ? std::string(opt_text)
                                                  : fmt::format("{}: {} B per trainable parameter", opt_text, optimizer_bytes_per_param(s.optimizer, prof)));
  a.push_back(fmt::format("{} sequence{} of {} tokens per micro-batch (packed, no padding), {} micro-batch{} per optimizer step{}; activations in {}, {}",
                          s.micro_batch, s.micro_batch > 1 ? "s" : "", s.seq, s.grad_accum, s.grad_accum > 1 ? "es" : "",
                          s.gpus > 1 ? fmt::format(" on each of {} GPUs", s.gpus) : "", to_string(s.precision),
                          s.flash_attention ? "FlashAttention / SDPA (no score matrix kept)" : "eager attention (fp32 softmax + 16-bit copy of every score kept)"));
  a.push_back(s.grad_ckpt ? "gradient checkpointing of every decoder layer: layer inputs kept, one layer recomputed at a time (Korthikanti et al. 2022)"
                          : "no gradient checkpointing: every layer's activations kept for the backward pass (--grad-ckpt to trade compute for memory)");
  a.push_back(fmt::format("logits + loss: {} B per token x vocab (bf16 logits, fp32 log-softmax and its gradient); a fused / chunked cross-entropy needs far less", prof.logits_bytes));
  if (s.seq > m.max_context) a.push_back(fmt::format("warning: --seq {} exceeds the model's maximum context {}", s.seq, m.max_context));
  if (s.zero > 0 && s.gpus == 1)
    a.push_back(fmt::format("{} on one GPU partitions over a single rank: it saves nothing", opt.fsdp ? "FSDP" : fmt::format("ZeRO-{}", s.zero)));
  else if (s.zero > 0)
    a.push_back(fmt::format("{} over {} GPUs: optimizer states and master weights{}{} / {}{}", opt.fsdp ? "FSDP FULL_SHARD (= ZeRO-3)" : fmt::format("ZeRO-{}", s.zero), s.gpus,
                            s.zero >= 2 ? ", gradients" : "", s.zero >= 3 ? ", all weights (frozen too)" : "", s.gpus,
                            s.zero >= 3 ? fmt::format("; {} layers gathered at a time", prof.zero3_gathered_layers) : ""));
  else if (s.gpus > 1)
    a.push_back(fmt::format("data parallel (DDP) over {} GPUs: every GPU holds everything, plus the all-reduce buckets (one more copy of the gradients); --zero or --fsdp to shard", s.gpus));
  if (s.method == FtMethod::qlora && s.zero >= 3) a.push_back("QLoRA + ZeRO-3 / FSDP: supported by PEFT with bitsandbytes >= 0.43 (bnb_4bit_quant_storage set to the compute dtype); the 4-bit base is sharded");
  a.push_back(fmt::format("framework: {} CUDA context and kernels per GPU, {:.0f} % allocator fragmentation (runtimes.yaml finetune)", size_str(prof.cuda_context), prof.fragmentation * 100));
  if (speed.known)
    a.push_back(fmt::format("speed: {:.1f} GFLOP per token ({}{}), at {:.0f} % of the {} {:g} TFLOP/s peak{}",
                            speed.flops.hardware / 1e9, s.method == FtMethod::full ? "6N" : "4N + 6N_adapters",
                            s.grad_ckpt ? " + a recomputed forward" : "", prof.efficiency * 100, to_string(s.precision), peak_tflops,
                            s.method == FtMethod::qlora ? fmt::format("; NF4 dequantization at {:.0f} % of {:g} GB/s", prof.dequant_bandwidth_efficiency * 100, d.bandwidth_gbs) : ""));
  else
    a.push_back(fmt::format("speed unknown: {} lists no {} tensor throughput", d.id, to_string(s.precision)));
  if (s.gpus > 1 && link)
    a.push_back(fmt::format("gradient all-reduce once per optimizer step over {} ({:g} GB/s per direction), overlapped with the last micro-batch's backward", link->name, link->bandwidth.value() / 1e9));
  else if (s.gpus > 1)
    a.push_back("no link known between these GPUs: gradient all-reduce time left out");

  const std::string label = ds.count > 1 ? fmt::format("{} (each of {})", d.id, ds.count) : d.id;
  if (ctx.format() == "json") {
    Json j = json_document("finetune");
    j["model"] = model_json(*q.model);
    j["method"] = to_string(s.method);
    j["optimizer"] = to_string(s.optimizer);
    j["precision"] = to_string(s.precision);
    j["base_weights"] = q.mix->mix.id;
    if (lora) {
      Json l;
      l["rank"] = s.rank;
      l["alpha"] = alpha;
      l["targets"] = targets_text(s.targets);
      l["params"] = mem.adapters.params;
      l["matrices"] = mem.adapters.matrices;
      j["lora"] = l;
    } else {
      j["lora"] = nullptr;
    }
    Json b;
    b["seq"] = s.seq;
    b["micro_batch"] = s.micro_batch;
    b["grad_accum"] = s.grad_accum;
    b["gpus"] = s.gpus;
    b["tokens_per_step"] = speed.tokens_per_step * s.gpus;
    b["grad_ckpt"] = s.grad_ckpt;
    b["flash_attention"] = s.flash_attention;
    b["zero"] = s.zero;
    b["fsdp"] = opt.fsdp;
    j["training"] = b;
    Json p;
    p["total"] = mem.params_total;
    p["trainable"] = mem.params_trainable;
    j["params"] = p;
    Json mj;
    mj["frozen_weights"] = mem.frozen_weights.value();
    mj["trainable_weights"] = mem.trainable_weights.value();
    mj["gradients"] = mem.gradients.value();
    mj["master_weights"] = mem.master_weights.value();
    mj["optimizer"] = mem.optimizer.value();
    mj["zero3_gathered"] = mem.gathered.value();
    mj["dequant_buffer"] = mem.dequant.value();
    mj["ddp_buckets"] = mem.ddp_buckets.value();
    mj["activations"] = (mem.activations.layers + mem.activations.recompute + mem.activations.adapters + mem.activations.head).value();
    mj["logits"] = mem.activations.logits.value();
    mj["cuda_context"] = mem.context.value();
    mj["fragmentation"] = mem.fragmentation.value();
    mj["total"] = total.value();
    j["memory_per_gpu_bytes"] = mj;
    Json dj;
    dj["id"] = d.id;
    dj["count"] = ds.count;
    dj["capacity_bytes"] = capacity.value();
    dj["headroom_bytes"] = (capacity - total).value();
    dj["pageable_bytes"] = mem.pageable.value();
    j["device"] = dj;
    j["verdict"] = to_string(verdict);
    Json sp;
    sp["known"] = speed.known;
    sp["model_flops_per_token"] = speed.flops.model;
    sp["hardware_flops_per_token"] = speed.flops.hardware;
    sp["achieved_flops_per_second"] = speed.achieved.value();
    sp["micro_batch_seconds"] = speed.compute.value() + speed.dequant.value();
    sp["dequant_seconds"] = speed.dequant.value();
    sp["allreduce_seconds"] = speed.comm.value();
    sp["step_seconds"] = speed.step.value();
    sp["tokens_per_second_per_gpu"] = speed.per_gpu.value();
    sp["tokens_per_second"] = speed.job.value();
    if (tokens > 0) {
      sp["tokens"] = tokens;
      sp["seconds"] = speed.known ? double(tokens) / speed.job.value() : 0.0;
    }
    j["speed"] = sp;
    j["assumptions"] = a;
    ctx.io.out << dump(j);
    return code;
  }

  Table t;
  t.header = {"component", "per GPU", "detail"};
  t.right = {false, true, false};
  const ParamCounts pc = count_params(m);
  auto row = [&](const std::string& name, Bytes b, const std::string& detail) {
    if (b.value() > 0) t.rows.push_back({name, size_str(b), detail});
  };
  const std::string shard_note = s.zero > 0 && s.gpus > 1 ? fmt::format(", 1/{} ({})", s.gpus, opt.fsdp ? "FSDP" : "ZeRO") : "";
  if (lora) {
    row("frozen weights", mem.frozen_weights, fmt::format("{} params, {}{}", count_text(double(pc.total)), q.mix->mix.id, s.zero >= 3 && s.gpus > 1 ? shard_note : ""));
    row("LoRA adapters", mem.trainable_weights,
        fmt::format("{} params ({:.2f} % of the model), {} matrices, fp32{}", count_text(double(mem.adapters.params)),
                    100.0 * double(mem.adapters.params) / double(pc.total), mem.adapters.matrices, s.zero >= 3 && s.gpus > 1 ? shard_note : ""));
  } else {
    row("weights", mem.trainable_weights, fmt::format("{} trainable params, {}{}", count_text(double(pc.text)), to_string(s.precision), s.zero >= 3 && s.gpus > 1 ? shard_note : ""));
    row("frozen weights", mem.frozen_weights, "vision tower");
  }
  row("gradients", mem.gradients, fmt::format("{}{}", lora ? "fp32" : to_string(s.precision), s.zero >= 2 && s.gpus > 1 ? shard_note : ""));
  row("master weights", mem.master_weights, fmt::format("fp32 copy for the optimizer{}", s.zero >= 1 && s.gpus > 1 ? shard_note : ""));
  row("optimizer states", mem.optimizer, fmt::format("{}{}", to_string(s.optimizer), s.zero >= 1 && s.gpus > 1 ? shard_note : ""));
  row("ZeRO-3 gathered layers", mem.gathered, fmt::format("{} layers' full weights at a time", prof.zero3_gathered_layers));
  row("dequantization buffer", mem.dequant, "largest matrix in bf16");
  row("DDP buckets", mem.ddp_buckets, "a second copy of the gradients");
  const ActivationMemory& am = mem.activations;
  const std::int64_t toks = s.seq * s.micro_batch;
  row("activations", am.layers + am.recompute + am.adapters + am.head,
      s.grad_ckpt ? fmt::format("checkpointed: {} layer inputs + one layer {}", m.layers, size_str(am.recompute))
                  : fmt::format("{} tokens x {:.0f} KiB/token over {} layers", toks, double(am.layers.value()) / double(toks) / 1024.0, m.layers));
  row("logits + loss", am.logits, fmt::format("{} tokens x {} vocab x {} B", toks, m.vocab, prof.logits_bytes));
  row("CUDA context", mem.context, "PyTorch context, kernels, workspaces");
  row("fragmentation", mem.fragmentation, fmt::format("{:.0f} % allocator slack", prof.fragmentation * 100));
  t.rows.push_back({"total", size_str(total), ""});
  t.rows.push_back({"usable", size_str(capacity), label});
  t.rows.push_back({"headroom", fits ? size_str(capacity - total) : "-" + size_str(total - capacity), ""});
  if (ctx.format() == "csv") {
    ctx.io.out << t.csv();
    return code;
  }
  Style style{ctx.color() && ctx.format() == "table"};
  std::string head = fmt::format("{} ({}) · {} · {} · {} · {} x {} tokens x {} accum · {}", m.name, m.id,
                                 lora ? fmt::format("{} r={} {}", s.method == FtMethod::qlora ? "QLoRA" : "LoRA", s.rank, targets_text(s.targets)) : std::string("full"),
                                 to_string(s.optimizer), to_string(s.precision), s.micro_batch, s.seq, s.grad_accum,
                                 ds.count > 1 ? fmt::format("{} x {}{}", ds.count, d.id, s.zero > 0 ? (opt.fsdp ? " FSDP" : fmt::format(" ZeRO-{}", s.zero)) : " DDP") : d.id);
  std::string out = head + "\n\n" + t.render(ctx.format()) + "\n";
  if (verdict == FtVerdict::fits)
    out += fmt::format("verdict: {} ({} of {} per GPU, {} free)\n", style.green("FITS"), size_str(total), size_str(capacity), size_str(capacity - total));
  else if (verdict == FtVerdict::fits_with_paging)
    out += fmt::format("verdict: {} (needs {} per GPU, {} has {}: {} of paged optimizer states move to host RAM, each step pages them back)\n",
                       style.yellow("FITS WITH PAGING"), size_str(total), d.id, size_str(capacity), size_str(mem.pageable));
  else
    out += fmt::format("verdict: {} (needs {} per GPU{}, {} has {})\n", style.red("DOES NOT FIT"), size_str(total),
                       mem.pageable.value() > 0 ? fmt::format(", {} without the paged optimizer states", size_str(total - mem.pageable)) : "",
                       d.id, size_str(capacity));
  if (speed.known) {
    out += fmt::format("speed: {:.0f} tokens/s per GPU{}; optimizer step {:.2f} s ({} tokens{}){}\n", speed.per_gpu.value(),
                       s.gpus > 1 ? fmt::format(", {:.0f} tokens/s for the job", speed.job.value()) : "", speed.step.value(),
                       speed.tokens_per_step * s.gpus, s.gpus > 1 ? " over all GPUs" : "",
                       speed.comm.value() <= 0 ? std::string()
                       : speed.comm.value() < 1 ? fmt::format(", gradient all-reduce {:.0f} ms", speed.comm.value() * 1e3)
                                                : fmt::format(", gradient all-reduce {:.2f} s", speed.comm.value()));
    if (tokens > 0) out += fmt::format("time for {} tokens: {}\n", count_text(double(tokens)), duration_text(double(tokens) / speed.job.value()));
  }
  out += "\n" + assumptions_text(a);
  ctx.io.out << out;
  return code;
}

}  // namespace

void setup_finetune(CLI::App& app, Context& ctx, int& exit_code) {
  auto opt = std::make_shared<FinetuneOptions>();
  CLI::App* sub = app.add_subcommand("finetune", "training memory per GPU (full, LoRA, QLoRA; ZeRO/FSDP) and throughput (exit 0 fits, 1 does not)");
  sub->add_option("model", opt->model, "model id, alias, Ollama tag or Hugging Face directory")->required();
  sub->add_option("--method", opt->method, "full, lora or qlora (default lora)");
  sub->add_option("--optimizer", opt->optimizer, "adamw (default), adamw-8bit, paged-adamw, paged-adamw-8bit, sgd, adafactor");
  sub->add_option("--rank,-r", opt->rank, "LoRA rank r (default 16)");
  sub->add_option("--alpha", opt->alpha, "LoRA alpha (default 2r; scales the update, no memory effect)");
  sub->add_option("--targets", opt->targets, "LoRA targets: attn, mlp, all-linear (default), or q,k,v,o,gate,up,down");
  sub->add_option("--seq", opt->seq, "tokens per sequence: 2048 (default), 4k, 8k");
  sub->add_option("--micro-batch,-b", opt->micro_batch, "sequences per forward/backward on each GPU (default 1)");
  sub->add_option("--grad-accum", opt->grad_accum, "micro-batches per optimizer step (default 1)");
  sub->add_flag("--grad-ckpt", opt->grad_ckpt, "gradient checkpointing: keep layer inputs, recompute in backward");
  sub->add_flag("--no-flash-attn", opt->no_flash_attention, "eager attention: every score kept for the backward pass");
  sub->add_option("--precision", opt->precision, "bf16 (default), fp16 (mixed precision) or fp32");
  sub->add_option("--zero", opt->zero, "DeepSpeed ZeRO stage 0-3 over the GPUs of --device ID xN");
  sub->add_flag("--fsdp", opt->fsdp, "PyTorch FSDP FULL_SHARD (= ZeRO-3)");
  sub->add_option("-d,--device", opt->device, "GPU ID[xN]: N identical data-parallel GPUs, e.g. rtx-4090, a100-80gb-sxmx8");
  sub->add_option("--tokens", opt->tokens, "training tokens for a time estimate: 50M, 1B (decimal)");
  sub->callback([&ctx, &exit_code, opt] { exit_code = run_finetune(ctx, *opt); });
}

}  // namespace vramfit::cli
