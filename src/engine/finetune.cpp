// finetune: the training options parsed (each error naming its option), the model in the storage the
// method loads, training memory per GPU, throughput and verdict, and the assumptions behind them.
#include "engine/finetune.hpp"

#include <cctype>
#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "base/suggest.hpp"
#include "engine/text.hpp"
#include "formats/parse.hpp"
#include "vramfit/parallel.hpp"
#include "vramfit/speed.hpp"

namespace vramfit::engine {
namespace {

using io::InputError;

// MLX-LM's mlx_lm.lora defaults (mlx_lm/lora.py CONFIG_DEFAULTS): LoRA rank 8 (scale 20, no alpha), the
// last 16 blocks adapted (--num-layers), 4 sequences per batch (--batch-size), no gradient checkpointing
// (--grad-checkpoint), Adam.
constexpr std::int64_t kMlxRank = 8, kMlxLayers = 16, kMlxBatch = 4;

// "the last 16 of 32 blocks", or "all 32 blocks".
std::string blocks_text(const ModelSpec& m, const FinetuneSetup& s) {
  const std::int64_t n = m.layers - first_trained_layer(m, s);
  return n == m.layers ? fmt::format("all {} blocks", m.layers) : fmt::format("the last {} of {} blocks", n, m.layers);
}

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

// Assumptions, in the order a reader checks them.
std::vector<std::string> finetune_assumptions(const FinetuneAnswer& ans, const std::optional<Link>& link) {
  const FinetuneSetup& s = ans.setup;
  const Query& q = ans.query;
  const ModelSpec& m = q.model->spec;
  const FinetuneProfile& prof = ans.profile;
  const FinetuneSpeed& speed = ans.speed;
  const Device& d = ans.device.device->device;
  const std::int64_t alpha = ans.alpha;
  const bool mlx = s.framework == TrainFramework::mlx;
  std::vector<std::string> a;
  if (!ans.configuration_note.empty()) a.push_back("note: " + ans.configuration_note);
  if (q.file != nullptr && !q.assumptions.empty()) a.push_back(q.assumptions.front());
  if (mlx)
    a.push_back(fmt::format("MLX-LM (mlx_lm.lora) on {}: the only trainer modelled on Apple silicon; its defaults where no option is given (rank {}, last {} blocks, batch {}, no checkpointing)",
                            d.id, kMlxRank, kMlxLayers, kMlxBatch));
  a.push_back(fmt::format("base weights {} ({}){}", q.mix->mix.id, q.mix->mix.name,
                          s.method != FtMethod::qlora ? ""
                          : mlx ? ": MLX affine 4-bit for every linear layer, the embeddings and the head (mlx_lm.convert -q); quantized_matmul reads it in place, no dequantized copy"
                                : ": NF4 + double quantization for every linear layer, embeddings, head and norms in bf16 (QLoRA)"));
  if (s.method == FtMethod::full)
    a.push_back(mixed_precision(s.precision)
                    ? fmt::format("full fine-tuning, mixed precision: {} weights and gradients, fp32 master weights and optimizer states (ZeRO accounting: {} B/param with AdamW; HF Trainer without DeepSpeed keeps fp32 gradients: +2)",
                                  to_string(s.precision), 2 + 2 + 4 + prof.adamw_bytes)
                    : fmt::format("full fine-tuning in fp32: weights and gradients 4 B each, no master copy ({} B/param with AdamW)", 4 + 4 + prof.adamw_bytes));
  else if (mlx)
    a.push_back(fmt::format("LoRA r={} on {} of {}: r x (d_in + d_out) per adapted matrix; adapters, their gradients and optimizer states in fp32 (mlx_lm LoRALinear creates lora_a and lora_b in float32), so x @ lora_a keeps an fp32 copy of each adapted matrix's input; the scale (default 20) replaces alpha and costs no memory; older mlx-lm releases adapted q and v only (--targets q,v)",
                            s.rank, targets_text(s.targets), blocks_text(m, s)));
  else
    a.push_back(fmt::format("LoRA r={} alpha={} on {}{}: r x (d_in + d_out) per adapted matrix, routed experts adapted one by one; adapters, their gradients and optimizer states in fp32 (PEFT autocast_adapter_dtype); base frozen, no gradients; router, embeddings and output head not adapted",
                            s.rank, alpha, targets_text(s.targets), s.adapted_layers > 0 ? " of " + blocks_text(m, s) : ""));
  if (first_trained_layer(m, s) > 0)
    a.push_back(fmt::format("the backward pass stops at block {}, the first adapted one: blocks 0-{} keep no activations and get no backward FLOPs",
                            first_trained_layer(m, s), first_trained_layer(m, s) - 1));
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
                          mlx ? "mx.fast.scaled_dot_product_attention: no score matrix kept, but its backward runs the unfused fallback, so each block's backward holds 3 x heads x seq x seq scores (probabilities, their gradient, the scores' gradient)"
                          : s.flash_attention ? "FlashAttention / SDPA (no score matrix kept)" : "eager attention (fp32 softmax + 16-bit copy of every score kept)"));
  a.push_back(s.grad_ckpt ? std::string("gradient checkpointing of every decoder layer: layer inputs kept, one layer recomputed at a time (Korthikanti et al. 2022)") +
                              (ans.grad_ckpt_default ? "; on by default for QLoRA, as PEFT's prepare_model_for_kbit_training and Unsloth set it (--no-grad-ckpt to turn it off)" : "")
                          : fmt::format("no gradient checkpointing: every trained block's activations kept for the backward pass (--grad-ckpt{} to trade compute for memory)",
                                        mlx ? ", mlx_lm.lora --grad-checkpoint," : ""));
  a.push_back(fmt::format("logits + loss: {} B per token x vocab (bf16 logits, fp32 log-softmax and its gradient); a fused / chunked cross-entropy needs far less", prof.logits_bytes));
  if (s.seq > m.max_context) a.push_back(fmt::format("warning: --seq {} exceeds the model's maximum context {}", s.seq, m.max_context));
  if (s.zero > 0 && s.gpus == 1)
    a.push_back(fmt::format("{} on one GPU partitions over a single rank: it saves nothing", ans.fsdp ? "FSDP" : fmt::format("ZeRO-{}", s.zero)));
  else if (s.zero > 0)
    a.push_back(fmt::format("{} over {} GPUs: optimizer states and master weights{}{} / {}{}", ans.fsdp ? "FSDP FULL_SHARD (= ZeRO-3)" : fmt::format("ZeRO-{}", s.zero), s.gpus,
                            s.zero >= 2 ? ", gradients" : "", s.zero >= 3 ? ", all weights (frozen too)" : "", s.gpus,
                            s.zero >= 3 ? fmt::format("; {} layers gathered at a time", prof.zero3_gathered_layers) : ""));
  else if (s.gpus > 1)
    a.push_back(fmt::format("data parallel (DDP) over {} GPUs: every GPU holds everything, plus the all-reduce buckets (one more copy of the gradients); --zero or --fsdp to shard", s.gpus));
  if (s.method == FtMethod::qlora && s.zero >= 3) a.push_back("QLoRA + ZeRO-3 / FSDP: supported by PEFT with bitsandbytes >= 0.43 (bnb_4bit_quant_storage set to the compute dtype); the 4-bit base is sharded");
  if (!ans.capacity_note.empty()) a.push_back(ans.capacity_note);
  if (ans.reserve.value() > 0)
    a.push_back(fmt::format("usable memory per GPU: {} less {} held by other processes or the desktop (--reserve)",
                            size_str(ans.capacity + ans.reserve), size_str(ans.reserve)));
  if (mlx)
    a.push_back(fmt::format("framework: MLX, no CUDA context; {:.0f} % allocator slack (runtimes.yaml finetune, PyTorch's figure: MLX's buffer cache is not measured)", prof.fragmentation * 100));
  else
    a.push_back(fmt::format("framework: {} CUDA context and kernels per GPU, {:.0f} % allocator fragmentation (runtimes.yaml finetune)", size_str(prof.cuda_context), prof.fragmentation * 100));
  const std::string flops_words = s.method == FtMethod::full ? "6N" : first_trained_layer(m, s) > 0 ? "2N forward + 2N backward over the trained blocks + 6N_adapters" : "4N + 6N_adapters";
  if (speed.known && mlx)
    a.push_back(fmt::format("speed: {:.1f} GFLOP per token ({}{}) at {:.2f} TFLOP/s, {}",
                            speed.flops.hardware / 1e9, flops_words, s.grad_ckpt ? " + a recomputed forward" : "", ans.peak_flops / 1e12, ans.peak_source));
  else if (speed.known)
    a.push_back(fmt::format("speed: {:.1f} GFLOP per token ({}{}), at {:.0f} % of the {} {:g} TFLOP/s peak{}",
                            speed.flops.hardware / 1e9, flops_words,
                            s.grad_ckpt ? " + a recomputed forward" : "", prof.efficiency * 100, to_string(s.precision), ans.peak_flops / 1e12,
                            s.method == FtMethod::qlora ? fmt::format("; NF4 dequantization at {:.0f} % of {:g} GB/s", prof.dequant_bandwidth_efficiency * 100, d.bandwidth_gbs) : ""));
  else if (mlx)
    a.push_back(fmt::format("speed unknown: no Metal prefill rate per GPU core, or no GPU core count for {}", d.id));
  else
    a.push_back(fmt::format("speed unknown: {} lists no {} tensor throughput", d.id, to_string(s.precision)));
  if (s.gpus > 1 && link)
    a.push_back(fmt::format("gradient all-reduce once per optimizer step over {} ({:g} GB/s per direction), overlapped with the last micro-batch's backward", link->name, link->bandwidth.value() / 1e9));
  else if (s.gpus > 1)
    a.push_back("no link known between these GPUs: gradient all-reduce time left out");
  return a;
}

}  // namespace

std::string targets_text(const LoraTargets& t) {
  if (t.q && t.k && t.v && t.o && t.gate && t.up && t.down && t.ssm) return "all-linear";
  std::string s;
  for (const auto& [on, name] : {std::pair{t.q, "q"}, {t.k, "k"}, {t.v, "v"}, {t.o, "o"}, {t.gate, "gate"}, {t.up, "up"},
                                 {t.down, "down"}, {t.ssm, "ssm"}})
    if (on) s += (s.empty() ? "" : ",") + std::string(name);
  return s;
}

namespace {

// What MLX-LM cannot do that PyTorch can: each as an input error naming the option.
void check_mlx(const FinetuneRequest& opt, const FinetuneSetup& s, const DeviceSpec& dev) {
  const std::string& id = dev.device->device.id;
  if (dev.count > 1)
    throw InputError(fmt::format("'{}': an Apple chip is a whole computer, and MLX-LM trains on one (got {}); drop x{}", id, dev.count, dev.count));
  if (s.zero > 0 || opt.fsdp) throw InputError("--zero and --fsdp shard over data-parallel CUDA/ROCm GPUs; MLX-LM on " + id + " trains on one chip");
  if (s.optimizer == Optimizer::adamw_8bit || s.optimizer == Optimizer::paged_adamw || s.optimizer == Optimizer::paged_adamw_8bit)
    throw InputError(fmt::format("--optimizer {}: bitsandbytes optimizers run on CUDA only; MLX-LM on {} takes adamw, sgd or adafactor", to_string(s.optimizer), id));
  if (opt.no_flash_attention)
    throw InputError("--no-flash-attn: MLX-LM always runs mx.fast.scaled_dot_product_attention on " + id + " (its backward is counted: docs/finetune.md)");
}

// The rate training reaches on an Apple chip: the Metal prefill rate the speed profiles give (FLOP/s per
// GPU core, fitted on measured prefill rows), MoE models at the profile's MoE share.
double mlx_training_peak(const io::Catalog& cat, const Device& d, const ModelSpec& m, std::string& source) {
  const SpeedDevice sd = speed_device(d);
  const SpeedProfile* p = find_profile(cat.speed, sd);
  if (p == nullptr || p->flops_per_core <= 0 || sd.gpu_cores <= 0) return 0;
  const double moe = m.moe.present() ? p->moe_factor : 1.0;
  source = fmt::format("the Metal prefill rate of data/speed.yaml '{}' ({:.1f} GFLOP/s per GPU core x {} cores{}), taken as the rate of training's matmuls: no measured MLX training run calibrates it",
                       p->id, p->flops_per_core / 1e9, sd.gpu_cores, m.moe.present() ? fmt::format(", x {:.2f} for MoE", moe) : "");
  return p->flops_per_core * double(sd.gpu_cores) * moe;
}

}  // namespace

FinetuneAnswer answer_finetune(Session& ctx, const FinetuneRequest& opt) {
  const io::Catalog& cat = ctx.catalog();
  FinetuneAnswer ans;
  FinetuneSetup& s = ans.setup;
  if (opt.device.empty()) throw InputError("no device given: use --device ID[xN] (see 'vramfit list devices')");
  ans.device = parse_device_spec(cat, opt.device);
  const Device& d = ans.device.device->device;
  if (d.is_cpu())
    throw InputError("'" + d.id + "': vramfit finetune models GPU training (PyTorch on CUDA/ROCm, MLX-LM on Apple silicon); CPU training is not modelled");
  s.framework = d.kind == DeviceKind::apple ? TrainFramework::mlx : TrainFramework::pytorch;
  const bool mlx = s.framework == TrainFramework::mlx;
  s.method = pick<FtMethod>(opt.method, "--method", {{"full", FtMethod::full}, {"lora", FtMethod::lora}, {"qlora", FtMethod::qlora}});
  s.optimizer = pick<Optimizer>(opt.optimizer, "--optimizer",
                                {{"adamw", Optimizer::adamw}, {"adamw-8bit", Optimizer::adamw_8bit}, {"paged-adamw", Optimizer::paged_adamw},
                                 {"paged-adamw-8bit", Optimizer::paged_adamw_8bit}, {"sgd", Optimizer::sgd}, {"adafactor", Optimizer::adafactor}});
  s.precision = pick<TrainPrecision>(opt.precision, "--precision",
                                     {{"bf16", TrainPrecision::bf16}, {"fp16", TrainPrecision::fp16}, {"fp32", TrainPrecision::fp32}});
  const bool lora = lora_like(s.method);
  if (!lora && (!opt.rank.empty() || !opt.alpha.empty() || !opt.targets.empty() || !opt.lora_layers.empty()))
    throw InputError("--rank, --alpha, --targets and --lora-layers are LoRA options: drop them for --method full, or use --method lora/qlora");
  if (s.method == FtMethod::qlora && s.precision == TrainPrecision::fp32)
    throw InputError(mlx ? "QLoRA on MLX computes in the 16-bit type of the quantization scales: use --precision bf16 or fp16"
                         : "QLoRA computes in 16 bits (bnb_4bit_compute_dtype bf16 or fp16): use --precision bf16 or fp16");
  s.rank = opt.rank.empty() ? (mlx ? kMlxRank : s.rank) : io::parse_count(opt.rank, "--rank", 1, 65536);
  ans.alpha = opt.alpha.empty() ? 2 * s.rank : io::parse_count(opt.alpha, "--alpha", 1, 1 << 20);
  if (!opt.targets.empty()) s.targets = parse_targets(opt.targets);
  s.seq = opt.seq.empty() ? 2048 : io::parse_tokens(opt.seq, "--seq");
  if (s.seq < 1 || s.seq > (std::int64_t{1} << 24)) throw InputError("--seq " + opt.seq + " is out of range (1 to 16M tokens)");
  s.micro_batch = opt.micro_batch.empty() ? (mlx ? kMlxBatch : 1) : io::parse_count(opt.micro_batch, "--micro-batch", 1, 65536);
  s.grad_accum = opt.grad_accum.empty() ? 1 : io::parse_count(opt.grad_accum, "--grad-accum", 1, 1 << 20);
  // QLoRA checkpoints by default under PyTorch: PEFT's prepare_model_for_kbit_training(use_gradient_
  // checkpointing=True) and Unsloth's get_peft_model(use_gradient_checkpointing="unsloth") turn it on;
  // full and LoRA runs follow transformers' TrainingArguments (gradient_checkpointing=False), and
  // mlx_lm.lora leaves it off for every method (--grad-checkpoint).
  if (opt.grad_ckpt && opt.no_grad_ckpt) throw InputError("give --grad-ckpt or --no-grad-ckpt, not both");
  s.grad_ckpt = opt.grad_ckpt || (s.method == FtMethod::qlora && !mlx && !opt.no_grad_ckpt);
  ans.grad_ckpt_default = !opt.grad_ckpt && !opt.no_grad_ckpt && s.method == FtMethod::qlora && !mlx;
  s.flash_attention = !opt.no_flash_attention;
  if (opt.fsdp && !opt.zero.empty()) throw InputError("give --zero N (DeepSpeed) or --fsdp (= ZeRO-3), not both");
  s.zero = opt.fsdp ? 3 : opt.zero.empty() ? 0 : static_cast<int>(io::parse_count(opt.zero, "--zero", 0, 3));
  ans.fsdp = opt.fsdp;
  ans.tokens = opt.tokens.empty() ? 0 : parse_token_budget(opt.tokens);
  if (mlx) check_mlx(opt, s, ans.device);
  if (!opt.wired_limit.empty() && !d.unified_memory())
    throw InputError("--wired-limit applies only to unified-memory devices (Apple chips, APUs such as Ryzen AI Max, Jetson, DGX Spark)");
  s.gpus = ans.device.count;

  // The model in the storage the method loads: 16/32-bit safetensors, NF4 + double quant for QLoRA, or
  // MLX's affine 4-bit (mlx_lm.convert -q) for QLoRA on MLX.
  WorkloadRequest wo;
  wo.quant = s.method == FtMethod::qlora ? (mlx ? "mlx-4bit" : "bnb-nf4-dq")
             : s.precision == TrainPrecision::bf16 ? "hf-bf16"
             : s.precision == TrainPrecision::fp16 ? "hf-fp16" : "hf-fp32";
  ans.query = resolve_query(ctx, opt.model, wo);
  const ModelSpec& m = ans.query.model->spec;
  if (!opt.lora_layers.empty()) {
    s.adapted_layers = io::parse_count(opt.lora_layers, "--lora-layers", 1, 1 << 20);
    if (s.adapted_layers > m.layers)
      throw InputError(fmt::format("--lora-layers {} exceeds the {} blocks of {}", s.adapted_layers, m.layers, m.id));
  }
  else if (mlx && lora)
    s.adapted_layers = std::min(kMlxLayers, m.layers);
  ans.params = count_params(m);
  const WeightBreakdown base = weight_bytes(m, ans.query.mix->mix, ctx.types(), true);
  ans.profile = cat.finetune;
  FinetuneProfile& prof = ans.profile;
  if (mlx) {
    prof.cuda_context = Bytes{0};  // no CUDA: Metal's own allocations are inside the wired limit's slack
    ans.peak_flops = mlx_training_peak(cat, d, m, ans.peak_source);
    prof.efficiency = 1.0;  // the peak above is already an achieved rate
  } else {
    ans.peak_flops = tflops(s.precision == TrainPrecision::bf16 ? d.bf16_tflops : s.precision == TrainPrecision::fp16 ? d.fp16_tflops : d.fp32_tflops).value();
  }
  ans.memory = finetune_memory(m, base, s, prof);
  std::optional<Link> link;
  if (s.gpus > 1)
    if (const LinkProfile* lp = default_link(cat.links, d)) link = resolve_link(*lp, d);
  ans.speed = finetune_speed(m, base, ans.memory, s, prof, FlopsPerSecond(ans.peak_flops), d.bandwidth(), link ? &*link : nullptr);
  ans.reserve = opt.reserve.empty() ? Bytes{0} : io::parse_size(opt.reserve, "--reserve", true);
  Bytes usable = d.capacity(ans.device.memory_gib);
  if (d.unified_memory()) {
    const UnifiedShare share = unified_share(cat, ans.device, opt.wired_limit);
    usable = share.capacity;
    ans.capacity_note = share.assumption;
    ans.configuration_note = configuration_note(ans.device);
  }
  if (ans.reserve.value() >= usable.value())
    throw InputError(fmt::format("--reserve {} leaves nothing of {}'s {} for training", opt.reserve, d.id, size_str(usable)));
  ans.capacity = usable - ans.reserve;
  ans.verdict = finetune_verdict(ans.memory, ans.capacity);
  ans.tokens_per_step = ans.speed.tokens_per_step * s.gpus;
  if (ans.tokens > 0 && ans.speed.known) ans.seconds = double(ans.tokens) / ans.speed.job.value();
  ans.assumptions = finetune_assumptions(ans, link);
  return ans;
}

}  // namespace vramfit::engine
