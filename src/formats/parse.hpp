// Command-line quantities: sizes (24GB, 24GiB, 512MiB), token counts (32768, 128k, 1M),
// bandwidths (90GB/s). Anything else is an InputError naming the flag.
#pragma once

#include <cstdint>
#include <string>

#include "vramfit/units.hpp"

namespace vramfit::io {

// Decimal units (KB, MB, GB, TB) are powers of 1000, binary (KiB, MiB, GiB, TiB) powers of 1024.
// A bare number is refused: "24" could mean GB or GiB.
Bytes parse_size(const std::string& text, const std::string& what);

// Token counts: plain integers, or k/K = 1024 and m/M = 1048576 ("128k" = 131072, as model cards use it).
std::int64_t parse_tokens(const std::string& text, const std::string& what);

// Bandwidth in GB/s, TB/s, MB/s (decimal) or GiB/s.
BytesPerSecond parse_bandwidth(const std::string& text, const std::string& what);

// Positive integer with an upper bound.
std::int64_t parse_count(const std::string& text, const std::string& what, std::int64_t lo, std::int64_t hi);

}  // namespace vramfit::io
