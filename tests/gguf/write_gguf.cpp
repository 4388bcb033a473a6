// vramfit_gguf_write: writes a zero-weight GGUF file of a catalog model under a quantization mix,
// for the node-llama-cpp checks (tests/gguf/check_llamacpp.sh) and bench/llamacpp/run.sh.
//
//   vramfit_gguf_write [--catalog-dir DIR]... [--context N] MODEL QUANT OUT.gguf|-
//
// Prints one JSON line: the file, its size, the tensor bytes it holds, vramfit's weight estimate for
// the same model and mix (text only: vision goes to a separate mmproj file), and the deviations
// where the file's tensors differ from vramfit's inventory (tensor_bytes = estimate + extra_bytes).
// OUT.gguf "-" prints the line without writing a file (for catalog-wide checks of huge models).
// Exit codes: 0 written, 2 bad input or a model the writer cannot express.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"
#include "gguf_model.hpp"

namespace {

int usage() {
  std::fprintf(stderr, "usage: vramfit_gguf_write [--catalog-dir DIR]... [--context N] MODEL QUANT OUT.gguf\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace vramfit;
  std::vector<std::string> dirs, positional;
  gguf::ModelFileOptions opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--catalog-dir" && i + 1 < argc) dirs.emplace_back(argv[++i]);
    else if (a == "--context" && i + 1 < argc) opt.context_length = std::stoll(argv[++i]);
    else if (a.rfind("--", 0) == 0) return usage();
    else positional.push_back(a);
  }
  if (positional.size() != 3) return usage();
  try {
    io::Diagnostics diag;
    const io::Catalog cat = io::load_catalog(dirs, diag);
    const ModelSpec& m = cat.model(positional[0]).spec;
    const QuantMix& mix = cat.mix(positional[1]).mix;
    const TypeTable types = cat.type_table();
    const gguf::Writer w = gguf::model_writer(m, mix, types, opt);
    if (positional[2] != "-") w.write(positional[2]);
    std::string devs;
    for (const gguf::Deviation& d : gguf::file_tensors(m, mix, types, opt).deviations) {
      char buf[256];
      std::snprintf(buf, sizeof buf, "%s{\"tensors\": \"%s\", \"file_bytes\": %lld, \"estimate_bytes\": %lld, \"blocks\": %lld}",
                    devs.empty() ? "" : ", ", d.tensors.c_str(), static_cast<long long>(d.file_bytes),
                    static_cast<long long>(d.estimate_bytes), static_cast<long long>(d.blocks));
      devs += buf;
    }
    std::uint64_t tensor_bytes = 0;
    for (const gguf::Tensor& t : w.tensors()) tensor_bytes += t.nbytes;
    const gguf::Layout l = w.layout();
    std::printf(
        "{\"model\": \"%s\", \"quant\": \"%s\", \"file\": \"%s\", \"architecture\": \"%s\", \"tensors\": %zu, "
        "\"metadata_kv\": %llu, \"data_start\": %llu, \"file_size\": %llu, \"tensor_bytes\": %llu, "
        "\"vramfit_weight_bytes\": %lld, \"deviations\": [%s]}\n",
        m.id.c_str(), mix.id.c_str(), positional[2].c_str(), gguf::gguf_architecture(m, opt).c_str(),
        w.tensors().size(), static_cast<unsigned long long>(w.kv_count()),
        static_cast<unsigned long long>(l.data_start), static_cast<unsigned long long>(l.file_size),
        static_cast<unsigned long long>(tensor_bytes),
        static_cast<long long>(weight_bytes(m, mix, types, false).total.value()), devs.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vramfit_gguf_write: error: %s\n", e.what());
    return 2;
  }
}
