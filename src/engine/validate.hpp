// `validate LOG`: what a runtime says it allocated (a llama.cpp log, a vLLM start-up log, `ollama ps`
// output; formats/runtime_log.hpp) against vramfit's estimate for the model and settings the log names,
// term by term, each judged against a tolerance (docs/validate.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/query.hpp"
#include "engine/session.hpp"
#include "formats/runtime_log.hpp"

namespace vramfit::engine {

// The question as a front end received it: text is parsed here, so that errors name the option.
struct ValidateRequest {
  std::string log;      // the log file; "-" = standard input
  std::string model;    // --model ID|FILE.gguf: skip the inference from the log
  std::string quant;    // -q: when the log's file type is not enough
  std::string tolerance = "5";    // percent, "5" or "2.5%"
  std::string slack = "32MiB";    // differences below this size never count as off
  std::string device;   // vLLM: the GPU, when the log does not print its total memory
  std::string context;  // -c: when the log does not print n_ctx
  std::string cpu_features;  // --cpu-features: the CPU for the CPU_REPACK term (default: the log's system_info, else avx2)
};

// One compared quantity. A term without an estimate is shown but not judged (vramfit does not model it).
struct ValidationTerm {
  std::string name;     // leading spaces: a part of the term above (not summed into a total)
  double measured = 0;  // bytes (or a count for token / concurrency terms)
  std::optional<double> estimate;
  std::string unit = "bytes";  // bytes | tokens | x
  int line = 0;                // the log line it was read from; 0 = none
  std::string note;
  bool decimal = false;          // the runtime prints it in decimal GB (Ollama's SIZE)
  bool within_tolerance = true;  // judged terms: within --tolerance or --slack
  [[nodiscard]] std::optional<double> error_percent() const {
    if (!estimate || measured == 0) return std::nullopt;
    return (*estimate - measured) / measured * 100.0;
  }
};

struct ValidateAnswer {
  std::string log_name;
  io::LogKind log_kind = io::LogKind::llamacpp;
  std::optional<Query> query;  // the estimate's model, weights and workload (`ollama ps`: the first row's)
  std::vector<ValidationTerm> terms;
  double tolerance_percent = 0;
  double slack_bytes = 0;
  int judged = 0;  // terms with an estimate
  int off = 0;     // of them, those outside the tolerance
  std::vector<std::string> inferred;  // what was read from the log and how it was used
  std::vector<std::string> assumptions;
  [[nodiscard]] bool ok() const { return off == 0; }
};

// Reads the log (an unreadable or unknown log is an io::InputError with file:line) and judges it.
ValidateAnswer answer_validate(Session& s, const ValidateRequest& r);

}  // namespace vramfit::engine
