// config.json: architecture and quantization_config -> ModelSpec + catalog mix.
#include <string_view>

#include "formats/hf_config.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  vramfit::fuzz::expect_documented_errors([&] { (void)vramfit::io::hf::parse_hf_config(text, "config.json"); });
  return 0;
}
