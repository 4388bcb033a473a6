// Command-line quantities: sizes (24GB, 24GiB, 512MiB), token counts (32768, 128k, 1M),
// bandwidths (90GB/s). Anything else is an InputError naming the flag.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vramfit/units.hpp"

namespace vramfit::io {

// Memory capacities: memory is made and sold in binary sizes (a "24 GB" card holds 24 GiB, a "64 GB"
// Mac 64 GiB), so GB/MB/TB here mean GiB/MiB/TiB, exactly like GiB/MiB/TiB. A bare number is refused.
Bytes parse_size(const std::string& text, const std::string& what, bool allow_zero = false);

// Token counts: plain integers, or k/K = 1024 and m/M = 1048576 ("128k" = 131072, as model cards use it).
// allow_zero: 0 is a count too (a context position, --at 0).
std::int64_t parse_tokens(const std::string& text, const std::string& what, bool allow_zero = false);

// Bandwidth in GB/s, TB/s, MB/s (decimal) or GiB/s.
BytesPerSecond parse_bandwidth(const std::string& text, const std::string& what);

// A plain decimal number ("2.5", "1e3"; no hex, inf or nan, as every other quantity) within [lo, hi];
// nullopt when the text is no such number (the caller words the message).
std::optional<double> parse_decimal(const std::string& text, double lo, double hi);

// A plain non-negative decimal number for --budget, --min-tps, --kwh-price ... ("1500", "0.15");
// units or signs are refused with a one-line error naming the option.
double parse_amount(const std::string& text, const std::string& what, bool allow_zero = false);

// The non-empty items of a comma-separated option value (--quants, --contexts).
std::vector<std::string> split_list(const std::string& text);

// Positive integer with an upper bound.
std::int64_t parse_count(const std::string& text, const std::string& what, std::int64_t lo, std::int64_t hi);

}  // namespace vramfit::io
