// Pieces of output that several subcommands print the same way.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/common.hpp"
#include "cli/render.hpp"
#include "vramfit/speed.hpp"

namespace vramfit::cli {

std::string headline(const Query& q);
// The assumptions behind a text answer: the list with --explain, otherwise one line saying how many
// there are and how to see them (JSON documents always carry the list).
std::string assumptions_text(const std::vector<std::string>& a, const TextOptions& t);
std::string kv_detail(const ModelSpec& m, const MemoryEstimate& e, const Workload& w);
std::string compute_detail(const ComputeTerms& c);

Json model_json(const io::CatalogModel& m);
// The model of a query: model_json, with "source" when it was read from a file or over the network
// (where from, what was read, how many bytes were fetched, whether the cache answered).
Json model_json(const Query& q);
Json workload_json(const Workload& w);
Json weights_json(const ModelSpec& m, const MemoryEstimate& e, const ParamCounts& pc);
Json kv_json(const MemoryEstimate& e);
Json compute_json(const ComputeTerms& c);
Json plan_json(const DevicePlan& d);
// "cpu_repack": the CPU_REPACK copy in host memory (`host`: fit's placement; none for estimate), and
// what a CPU-only run would copy.
Json repack_json(const RepackBreakdown& r, const CpuFeatures& cpu, std::optional<Bytes> host);
Json decode_json(const DecodeBound& b);
// How the GPUs share the model: mode, tensor-parallel link and all-reduce time, experts in RAM.
Json parallelism_json(const Placement& p);
std::string parallelism_text(const Placement& p);  // one line, or "" for a single GPU / CPU

}  // namespace vramfit::cli
