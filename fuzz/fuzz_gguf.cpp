// GGUF: the header reader and the mapping to a model (read_gguf_model: metadata -> ModelSpec, tensor
// infos -> FileTensors), on the input as a file.
#include "formats/gguf_reader.hpp"
#include "formats/model_file.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static vramfit::fuzz::MemFile file;
  const std::string& path = file.write(data, size);
  vramfit::fuzz::expect_documented_errors([&] { (void)vramfit::io::read_gguf_model(path); });
  return 0;
}
