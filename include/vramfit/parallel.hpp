// Tensor parallelism (vLLM --tensor-parallel-size N, the Megatron-LM split) and the links between GPUs.
//
// Each of N identical GPUs holds 1/N of every layer: attention heads and FFN columns are divided, so are
// the token embeddings and the output head (vLLM VocabParallelEmbedding / ParallelLMHead split the
// vocabulary). KV heads are divided by N, or replicated when there are fewer KV heads than GPUs; an MLA
// latent is shared by all heads, so every GPU caches it whole. Every block costs two all-reduces per
// token, after the attention output and after the FFN down projection (Megatron-LM, arXiv 1909.08053),
//   t_AR = alpha + 2 (N - 1) / N x message / beta          (ring all-reduce, bytes sent per GPU)
// with alpha the fixed cost of one all-reduce and beta the link bandwidth per direction
// (reference/methods.md §6.2). At decode the message is one token's hidden state, so alpha dominates.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "vramfit/error.hpp"
#include "vramfit/hardware.hpp"
#include "vramfit/model.hpp"
#include "vramfit/units.hpp"

namespace vramfit {

enum class LinkKind { pcie, nvlink };

inline const char* to_string(LinkKind k) { return k == LinkKind::pcie ? "pcie" : "nvlink"; }

// One entry of data/runtimes.yaml `links:`.
struct LinkProfile {
  std::string id;    // pcie3, pcie4, pcie5, nvlink
  std::string name;  // "PCIe 4.0"
  LinkKind kind = LinkKind::pcie;
  std::int64_t pcie_gen = 0;  // PCIe generation (pcie only): a device's pcie_gen picks its profile
  double bandwidth_gbs = 0;   // beta per direction; PCIe: at x16, scaled by lanes; NVLink: 0 = from the device
  double latency_us = 0;      // alpha: the fixed cost of one all-reduce
  std::vector<std::string> source;
};

// The link of one tensor-parallel group, resolved for its device.
struct Link {
  std::string id;
  std::string name;               // "PCIe 4.0 x16", "NVLink"
  BytesPerSecond bandwidth{0.0};  // beta, per direction
  Seconds latency{0.0};           // alpha
};

// devices.yaml gives nvlink_gbs as the total of both directions (900 GB/s on an H100 SXM = 450 each way).
inline Link resolve_link(const LinkProfile& lp, const Device& d) {
  Link l;
  l.id = lp.id;
  l.latency = Seconds(lp.latency_us * 1e-6);
  if (lp.kind == LinkKind::pcie) {
    // Fewer lanes, proportionally less bandwidth; a x16 slot is the most a card uses.
    const std::int64_t lanes = d.pcie_lanes > 0 ? std::min<std::int64_t>(d.pcie_lanes, 16) : 16;
    l.bandwidth = gb_per_s(lp.bandwidth_gbs * double(lanes) / 16.0);
    l.name = lp.name + " x" + std::to_string(lanes);
  } else {
    if (lp.bandwidth_gbs > 0) {
      l.bandwidth = gb_per_s(lp.bandwidth_gbs);
    } else {
      if (d.nvlink_gbs <= 0) throw CoreError(ErrorKind::placement, d.id + " has no NVLink (no nvlink_gbs in the catalog)");
      l.bandwidth = gb_per_s(d.nvlink_gbs / 2.0);
    }
    l.name = lp.name;
  }
  return l;
}

// The link a group of `d` uses unless told otherwise: NVLink between datacenter GPUs that have it
// (SXM boards, NVLink bridges sold with the server), else PCIe of the card's generation. GeForce and
// workstation bridges are optional extras, so they are not assumed (--link nvlink turns them on).
// nullptr when no profile matches.
inline const LinkProfile* default_link(const std::vector<LinkProfile>& links, const Device& d) {
  const bool nvlink = d.kind == DeviceKind::datacenter && d.nvlink_gbs > 0;
  for (const LinkProfile& lp : links)
    if (nvlink ? lp.kind == LinkKind::nvlink : (lp.kind == LinkKind::pcie && lp.pcie_gen == d.pcie_gen)) return &lp;
  return nullptr;
}

// Activations travel in the model's 16-bit dtype (vLLM runs TP in bf16/fp16 and all-reduces that).
inline constexpr std::int64_t kActivationBytes = 2;

// One ring all-reduce of `message` bytes among n GPUs.
inline Seconds allreduce_time(const Link& l, std::int64_t n, Bytes message) {
  if (n <= 1) return Seconds{0.0};
  const double volume = 2.0 * double(n - 1) / double(n) * double(message.value());
  return l.latency + Seconds(l.bandwidth.value() > 0 ? volume / l.bandwidth.value() : 0.0);
}

// All-reduces per token: one after each token mixer (attention or SSM output projection) and one after
// each FFN (dense or MoE), i.e. two per ordinary block.
inline std::int64_t allreduces_per_token(const ModelSpec& m) {
  std::int64_t n = 0;
  for (std::int64_t il = 0; il < m.layers; ++il) n += 1 + (m.has_ffn(il) ? 1 : 0);
  return n;
}

// Communication time of `tokens` tokens through all blocks (decode: tokens = 1; a prefill
// micro-batch: tokens = n_ubatch).
inline Seconds tp_comm_time(const ModelSpec& m, const Link& l, std::int64_t n, std::int64_t tokens) {
  const Seconds one = allreduce_time(l, n, Bytes(m.hidden * kActivationBytes * tokens));
  return one * double(allreduces_per_token(m));
}

// KV heads each GPU caches: divided among the GPUs, or one replicated head per GPU when there are fewer
// KV heads than GPUs (vLLM: num_kv_heads // tp, at least 1).
inline std::int64_t kv_heads_per_gpu(const ModelSpec& m, std::int64_t n) {
  return m.kv_heads >= n ? m.kv_heads / n : 1;
}

// vLLM shards whole heads: the degree must divide the attention heads, and the KV heads must divide
// among the GPUs or the GPUs among the KV heads (vllm/config: "Total number of attention heads must be
// divisible by tensor parallel size"; QKVParallelLinear replicates KV heads when tp > num_kv_heads).
inline void validate_tensor_parallel(const ModelSpec& m, std::int64_t n) {
  if (n < 1) throw CoreError(ErrorKind::placement, "tensor parallel degree " + std::to_string(n) + " must be at least 1");
  if (m.count_layers(ModelSpec::is_attention) == 0) return;
  if (m.heads % n != 0)
    throw CoreError(ErrorKind::placement, "tensor parallel degree " + std::to_string(n) + " does not divide the " +
                                              std::to_string(m.heads) + " attention heads of " + m.id);
  const bool ok = m.kv_heads >= n ? m.kv_heads % n == 0 : n % m.kv_heads == 0;
  if (!ok)
    throw CoreError(ErrorKind::placement, "tensor parallel degree " + std::to_string(n) + " and the " +
                                              std::to_string(m.kv_heads) + " KV heads of " + m.id +
                                              ": one must divide the other");
}

}  // namespace vramfit
