#include "engine/text.hpp"

#include <cmath>

#include <fmt/format.h>

namespace vramfit::engine {

std::string size_str(Bytes b) {
  // The magnitude as a double: -INT64_MIN does not exist, and negating it recursed for ever.
  const double v = double(b.value());
  if (std::abs(v) < double(kGiB)) return fmt::format("{:.1f} MiB", v / double(kMiB));
  return fmt::format("{:.2f} GiB", v / double(kGiB));
}

std::string gb_str(Bytes b) { return fmt::format("{:.2f} GB", to_gb(b)); }

}  // namespace vramfit::engine
