// validate: the tolerance and slack parsed, the log read and judged by its kind (validate_llamacpp.cpp,
// validate_serving.cpp), and each term with an estimate judged: off when its error exceeds the tolerance
// and, for sizes, the difference exceeds the slack.
#include "engine/validate.hpp"

#include <cmath>

#include <fmt/format.h>

#include "engine/text.hpp"
#include "engine/validate_judges.hpp"
#include "formats/parse.hpp"

namespace vramfit::engine {

ValidateAnswer answer_validate(Session& s, const ValidateRequest& opt) {
  std::string percent = opt.tolerance;
  if (!percent.empty() && percent.back() == '%') percent.pop_back();
  const std::optional<double> parsed = io::parse_decimal(percent, 0, 1000);
  if (!parsed) throw io::InputError("--tolerance '" + opt.tolerance + "': a percentage from 0 to 1000, e.g. 5 or 2.5%");
  ValidateAnswer a;
  a.tolerance_percent = *parsed;
  a.slack_bytes = double(io::parse_size(opt.slack, "--slack", true).value());
  const io::RuntimeLog log = io::read_runtime_log(opt.log);
  a.log_name = log.name;
  a.log_kind = log.kind;
  Judged j;
  switch (log.kind) {
    case io::LogKind::llamacpp: j = judge_llamacpp(s, log, opt); break;
    case io::LogKind::ollama_ps: j = judge_ollama(s, log, opt); break;
    case io::LogKind::vllm: j = judge_vllm(s, log, opt); break;
  }
  for (const std::string& n : log.notes) j.assumptions.push_back("log: " + n);
  j.assumptions.push_back(fmt::format("a term is off when its error exceeds ±{:g} % and the difference exceeds {} (--tolerance, --slack)",
                                      a.tolerance_percent, size_str(Bytes(static_cast<std::int64_t>(a.slack_bytes)))));
  for (ValidationTerm& t : j.terms) {
    const auto err = t.error_percent();
    if (!err) continue;
    ++a.judged;
    const double diff = std::abs(*t.estimate - t.measured);
    if (std::abs(*err) > a.tolerance_percent && (t.unit != "bytes" || diff > a.slack_bytes)) t.within_tolerance = false, ++a.off;  // counts: no slack
  }
  a.query = std::move(j.query);
  a.terms = std::move(j.terms);
  a.inferred = std::move(j.inferred);
  a.assumptions = std::move(j.assumptions);
  return a;
}

}  // namespace vramfit::engine
