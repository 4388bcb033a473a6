// safetensors: the first 8 bytes give the size of the data section, the rest is the JSON header.
#include <cstring>
#include <string_view>

#include "formats/safetensors.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 8) return 0;
  std::uint64_t data_bytes = 0;
  std::memcpy(&data_bytes, data, 8);
  const std::string_view header(reinterpret_cast<const char*>(data) + 8, size - 8);
  vramfit::fuzz::expect_documented_errors([&] {
    const auto h = vramfit::io::hf::parse_safetensors_header(header, data_bytes, "model.safetensors");
    for (const auto& t : h.tensors)
      if (t.end < t.begin || t.end > h.data_bytes) std::abort();  // offsets must have been checked
  });
  return 0;
}
