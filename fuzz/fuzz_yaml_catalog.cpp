// YAML catalogs: the first byte picks the file kind (models, devices, quants, runtimes, speed,
// ollama) and how problems are met: stop at the first, as every command does, or collect them all,
// as `catalog check` does (one mode per input: half the work per execution, both modes explored by
// the mutations of that byte). The rest is the document, read by the strict loaders.
#include <string>

#include "catalog/catalog.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const char* const kinds[] = {"models.yaml", "devices.yaml", "quants.yaml",
                                      "runtimes.yaml", "speed.yaml", "ollama.yaml"};
  if (size < 1) return 0;
  const std::string name = kinds[data[0] % 6];
  const bool collect = (data[0] / 6) % 2 == 1;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  vramfit::fuzz::expect_documented_errors([&] {
    vramfit::io::Catalog cat;
    vramfit::io::Diagnostics diag(collect);
    vramfit::io::load_catalog_text(cat, name, name, text, diag);
  });
  return 0;
}
