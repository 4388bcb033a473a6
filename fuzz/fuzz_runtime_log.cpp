// Runtime logs (llama.cpp, vLLM, `ollama ps`): the text as a log named server.log.
#include <string_view>

#include "formats/runtime_log.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  vramfit::fuzz::expect_documented_errors([&] { (void)vramfit::io::parse_runtime_log(text, "server.log"); });
  return 0;
}
