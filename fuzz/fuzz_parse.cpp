// Command-line quantities: sizes, token counts, bandwidths, bounded counts. Besides not crashing,
// whatever is accepted must be in the documented range (positive, sizes <= 10^18, tokens <= 10^15).
#include <string>

#include "formats/parse.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  using namespace vramfit;
  fuzz::expect_documented_errors([&] {
    const Bytes b = io::parse_size(text, "--ram");
    if (b.value() <= 0 || b.value() > 1'000'000'000'000'000'000) std::abort();
  });
  fuzz::expect_documented_errors([&] {
    const Bytes b = io::parse_size(text, "--reserve", true);
    if (b.value() < 0 || b.value() > 1'000'000'000'000'000'000) std::abort();
  });
  fuzz::expect_documented_errors([&] {
    const std::int64_t t = io::parse_tokens(text, "context");
    if (t <= 0 || t > 1'000'000'000'000'000) std::abort();  // the CLI then caps contexts at 2^31
  });
  fuzz::expect_documented_errors([&] {
    const BytesPerSecond bw = io::parse_bandwidth(text, "--ram-bandwidth");
    if (!(bw.value() > 0)) std::abort();
  });
  fuzz::expect_documented_errors([&] {
    const std::int64_t n = io::parse_count(text, "--parallel", 1, 65536);
    if (n < 1 || n > 65536) std::abort();
  });
  return 0;
}
