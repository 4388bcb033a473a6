// The judges of `validate`, one per log kind: each infers the model and settings from the log (or takes
// them from the request), estimates them, and lists the terms measured against estimated. The verdicts
// are answer_validate's (validate.cpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "engine/query.hpp"
#include "engine/session.hpp"
#include "engine/validate.hpp"
#include "formats/runtime_log.hpp"

namespace vramfit::engine {

struct Judged {
  std::vector<ValidationTerm> terms;
  std::vector<std::string> inferred;  // what was read from the log and how it was used
  std::vector<std::string> assumptions;
  std::optional<Query> query;
};

Judged judge_llamacpp(Session& s, const io::RuntimeLog& log, const ValidateRequest& opt);  // validate_llamacpp.cpp
Judged judge_ollama(Session& s, const io::RuntimeLog& log, const ValidateRequest& opt);    // validate_serving.cpp
Judged judge_vllm(Session& s, const io::RuntimeLog& log, const ValidateRequest& opt);      // validate_serving.cpp

// Runtimes print MiB and GiB (binary).
inline constexpr double kMiB = 1024.0 * 1024.0;
inline constexpr double kGiB = kMiB * 1024.0;

// " (line 12)", or "" when the fact has no line.
inline std::string at_line(int line) { return line > 0 ? fmt::format(" (line {})", line) : std::string(); }

}  // namespace vramfit::engine
