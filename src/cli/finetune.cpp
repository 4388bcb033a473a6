// vramfit finetune MODEL --method full|lora|qlora --device ID[xN] ...: per-GPU training memory (weights,
// gradients, master weights, optimizer states, activations, logits, overhead) under ZeRO / FSDP, the fit
// verdict (exit 0 fits, 1 does not fit) and the training throughput. The answer is the engine's
// (engine/finetune.hpp; core: include/vramfit/finetune*.hpp); this file writes it.
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/render.hpp"
#include "cli/report.hpp"
#include "engine/finetune.hpp"

namespace vramfit::cli {
namespace {

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

Json finetune_json(const FinetuneAnswer& ans) {
  const FinetuneSetup& s = ans.setup;
  const Query& q = ans.query;
  const FinetuneMemory& mem = ans.memory;
  const FinetuneSpeed& speed = ans.speed;
  const DeviceSpec& ds = ans.device;
  const Device& d = ds.device->device;
  const Bytes capacity = ans.capacity, total = ans.total();
  const bool lora = ans.lora();
  Json j = json_document("finetune");
  j["model"] = model_json(q);
  j["method"] = to_string(s.method);
  j["optimizer"] = to_string(s.optimizer);
  j["precision"] = to_string(s.precision);
  j["base_weights"] = q.mix->mix.id;
  j["framework"] = to_string(s.framework);
  if (lora) {
    Json l;
    l["rank"] = s.rank;
    l["alpha"] = ans.alpha;
    l["targets"] = targets_text(s.targets);
    l["params"] = mem.adapters.params;
    l["matrices"] = mem.adapters.matrices;
    l["layers"] = mem.activations.trained_layers;
    j["lora"] = l;
  } else {
    j["lora"] = nullptr;
  }
  Json b;
  b["seq"] = s.seq;
  b["micro_batch"] = s.micro_batch;
  b["grad_accum"] = s.grad_accum;
  b["gpus"] = s.gpus;
  b["tokens_per_step"] = ans.tokens_per_step;
  b["grad_ckpt"] = s.grad_ckpt;
  b["flash_attention"] = s.flash_attention;
  b["zero"] = s.zero;
  b["fsdp"] = ans.fsdp;
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
  mj["attention_backward"] = mem.activations.attention_backward.value();
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
  j["verdict"] = to_string(ans.verdict);
  Json sp;
  // A speed that is not known (no tensor rate for the device) is null, as everywhere else, not 0.
  const auto known = [&](double v) { return speed.known ? Json(v) : Json(nullptr); };
  sp["known"] = speed.known;
  sp["model_flops_per_token"] = speed.flops.model;
  sp["hardware_flops_per_token"] = speed.flops.hardware;
  sp["achieved_flops_per_second"] = known(speed.achieved.value());
  sp["micro_batch_seconds"] = known(speed.compute.value() + speed.dequant.value());
  sp["dequant_seconds"] = known(speed.dequant.value());
  sp["allreduce_seconds"] = known(speed.comm.value());
  sp["step_seconds"] = known(speed.step.value());
  sp["tokens_per_second_per_gpu"] = known(speed.per_gpu.value());
  sp["tokens_per_second"] = known(speed.job.value());
  if (ans.tokens > 0) {
    sp["tokens"] = ans.tokens;
    sp["seconds"] = known(ans.seconds);
  }
  j["speed"] = sp;
  j["assumptions"] = ans.assumptions;
  return j;
}

// The memory table for people (or CSV), the verdict, the speed and the assumptions.
std::string finetune_text(const FinetuneAnswer& ans, const std::string& format, const TextOptions& text) {
  const FinetuneSetup& s = ans.setup;
  const Query& q = ans.query;
  const ModelSpec& m = q.model->spec;
  const FinetuneMemory& mem = ans.memory;
  const FinetuneSpeed& speed = ans.speed;
  const FinetuneProfile& prof = ans.profile;
  const ParamCounts& pc = ans.params;
  const DeviceSpec& ds = ans.device;
  const Device& d = ds.device->device;
  const Bytes capacity = ans.capacity, total = ans.total();
  const bool lora = ans.lora(), fits = ans.verdict == FtVerdict::fits;
  const std::string label = ds.count > 1 ? fmt::format("{} (each of {})", d.id, ds.count) : d.id;
  Table t;
  t.header = {"component", "per GPU", "detail"};
  t.right = {false, true, false};
  auto row = [&](const std::string& name, Bytes b, const std::string& detail) {
    if (b.value() > 0) t.rows.push_back({name, size_str(b), detail});
  };
  const std::string shard_note = s.zero > 0 && s.gpus > 1 ? fmt::format(", 1/{} ({})", s.gpus, ans.fsdp ? "FSDP" : "ZeRO") : "";
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
      s.grad_ckpt ? fmt::format("checkpointed: {} layer inputs + one layer {}", am.trained_layers, size_str(am.recompute))
                  : fmt::format("{} tokens x {:.0f} KiB/token over {} layers", toks, double(am.layers.value()) / double(toks) / 1024.0, am.trained_layers));
  row("attention backward", am.attention_backward, fmt::format("one block's {} x {} x {} scores x 3 at a time (MLX)", s.micro_batch, m.heads, s.seq));
  row("logits + loss", am.logits, fmt::format("{} tokens x {} vocab x {} B", toks, m.vocab, prof.logits_bytes));
  row("CUDA context", mem.context, "PyTorch context, kernels, workspaces");
  row("fragmentation", mem.fragmentation, fmt::format("{:.0f} % allocator slack", prof.fragmentation * 100));
  t.rows.push_back({"total", size_str(total), ""});
  t.rows.push_back({"usable", size_str(capacity), label});
  t.rows.push_back({"headroom", fits ? size_str(capacity - total) : "-" + size_str(total - capacity), ""});
  if (format == "csv") return t.csv();
  const Style& style = text.style;
  std::string head = fmt::format("{} ({}) · {} · {} · {} · {} x {} tokens x {} accum · {}", m.name, m.id,
                                 lora ? fmt::format("{} r={} {}", s.method == FtMethod::qlora ? "QLoRA" : "LoRA", s.rank, targets_text(s.targets)) : std::string("full"),
                                 to_string(s.optimizer), to_string(s.precision), s.micro_batch, s.seq, s.grad_accum,
                                 ds.count > 1 ? fmt::format("{} x {}{}", ds.count, d.id, s.zero > 0 ? (ans.fsdp ? " FSDP" : fmt::format(" ZeRO-{}", s.zero)) : " DDP") : d.id);
  std::string out = head + "\n\n" + t.render(format) + "\n";
  const std::size_t prose = out.size();  // the verdict and speed lines wrap to the terminal
  if (ans.verdict == FtVerdict::fits)
    out += fmt::format("verdict: {} ({} of {} per GPU, {} free)\n", style.green("FITS"), size_str(total), size_str(capacity), size_str(capacity - total));
  else if (ans.verdict == FtVerdict::fits_with_paging)
    out += fmt::format("verdict: {} (needs {} per GPU, {} has {}: {} of paged optimizer states move to host RAM, each step pages them back)\n",
                       style.yellow("FITS WITH PAGING"), size_str(total), d.id, size_str(capacity), size_str(mem.pageable));
  else
    out += fmt::format("verdict: {} (needs {} per GPU{}, {} has {})\n", style.red("DOES NOT FIT"), size_str(total),
                       mem.pageable.value() > 0 ? fmt::format(", {} without the paged optimizer states", size_str(total - mem.pageable)) : "",
                       d.id, size_str(capacity));
  if (speed.known) {
    out += fmt::format("speed: {:.0f} tokens/s per GPU{}; optimizer step {:.2f} s ({} tokens{}){}\n", speed.per_gpu.value(),
                       s.gpus > 1 ? fmt::format(", {:.0f} tokens/s for the job", speed.job.value()) : "", speed.step.value(),
                       ans.tokens_per_step, s.gpus > 1 ? " over all GPUs" : "",
                       speed.comm.value() <= 0 ? std::string()
                       : speed.comm.value() < 1 ? fmt::format(", gradient all-reduce {:.0f} ms", speed.comm.value() * 1e3)
                                                : fmt::format(", gradient all-reduce {:.2f} s", speed.comm.value()));
    if (ans.tokens > 0) out += fmt::format("time for {} tokens: {}\n", count_text(double(ans.tokens)), duration_text(ans.seconds));
  }
  out = out.substr(0, prose) + wrap(out.substr(prose), text.columns);
  out += (text.explain ? "\n" : "") + assumptions_text(ans.assumptions, text);
  return out;
}

int run_finetune(Context& ctx, const FinetuneRequest& r) {
  const FinetuneAnswer a = answer_finetune(ctx, r);
  ctx.io.out << (ctx.format() == "json" ? dump(finetune_json(a)) : finetune_text(a, ctx.format(), ctx.text_options()));
  return a.verdict == FtVerdict::does_not_fit ? 1 : 0;
}

}  // namespace

void setup_finetune(CLI::App& app, Context& ctx, int& exit_code) {
  auto opt = std::make_shared<FinetuneRequest>();
  CLI::App* sub = app.add_subcommand("finetune", "training memory per GPU (full, LoRA, QLoRA; ZeRO/FSDP) and throughput (exit 0 fits, 1 does not)");
  sub->add_option("model", opt->model, "model id, alias, Ollama tag or Hugging Face directory")->required();
  sub->add_option("--method", opt->method, "full, lora or qlora (default lora)");
  sub->add_option("--optimizer", opt->optimizer, "adamw (default), adamw-8bit, paged-adamw, paged-adamw-8bit, sgd, adafactor");
  sub->add_option("--rank,-r", opt->rank, "LoRA rank r (default 16; MLX-LM on Apple silicon: 8)");
  sub->add_option("--alpha", opt->alpha, "LoRA alpha (default 2r; scales the update, no memory effect)");
  sub->add_option("--targets", opt->targets, "LoRA targets: attn, mlp, all-linear (default), or q,k,v,o,gate,up,down");
  sub->add_option("--seq", opt->seq, "tokens per sequence: 2048 (default), 4k, 8k");
  sub->add_option("--micro-batch,-b", opt->micro_batch, "sequences per forward/backward on each GPU (default 1; MLX-LM: 4)");
  sub->add_option("--lora-layers", opt->lora_layers, "LoRA on the last N blocks only (default all; MLX-LM: 16, as mlx_lm.lora --num-layers)");
  sub->add_option("--grad-accum", opt->grad_accum, "micro-batches per optimizer step (default 1)");
  sub->add_flag("--grad-ckpt", opt->grad_ckpt, "gradient checkpointing: keep layer inputs, recompute in backward (PyTorch QLoRA: on by default)");
  sub->add_flag("--no-grad-ckpt", opt->no_grad_ckpt, "no gradient checkpointing, also for QLoRA (whose default, as in PEFT and Unsloth, is on)");
  sub->add_flag("--no-flash-attn", opt->no_flash_attention, "eager attention: every score kept for the backward pass");
  sub->add_option("--precision", opt->precision, "bf16 (default), fp16 (mixed precision) or fp32");
  sub->add_option("--zero", opt->zero, "DeepSpeed ZeRO stage 0-3 over the GPUs of --device ID xN");
  sub->add_flag("--fsdp", opt->fsdp, "PyTorch FSDP FULL_SHARD (= ZeRO-3)");
  sub->add_option("-d,--device", opt->device, "GPU ID[xN]: N identical data-parallel GPUs, e.g. rtx-4090, a100-80gb-sxmx8; an Apple chip (m4-max:64GB) trains with MLX-LM");
  sub->add_option("--wired-limit", opt->wired_limit, "unified memory: what the GPU may use instead of the platform's default share (as in fit)");
  sub->add_option("--reserve", opt->reserve, "memory per GPU held by other processes or the desktop (as in fit)");
  sub->add_option("--tokens", opt->tokens, "training tokens for a time estimate: 50M, 1B (decimal)");
  sub->callback([&ctx, &exit_code, opt] { exit_code = run_finetune(ctx, *opt); });
}

}  // namespace vramfit::cli
