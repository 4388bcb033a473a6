// YAML catalogs: the first byte picks the file kind (models, devices, quants, runtimes, speed,
// ollama), the rest is the document, read by the strict loaders both ways (stop at the first
// problem, as every command does, and collect them all, as `catalog check` does).
#include <string>

#include "catalog/catalog.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const char* const kinds[] = {"models.yaml", "devices.yaml", "quants.yaml",
                                      "runtimes.yaml", "speed.yaml", "ollama.yaml"};
  if (size < 1) return 0;
  const std::string name = kinds[data[0] % 6];
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  vramfit::fuzz::expect_documented_errors([&] {
    vramfit::io::Catalog cat;
    vramfit::io::Diagnostics stop;
    vramfit::io::load_catalog_text(cat, name, name, text, stop);
  });
  vramfit::fuzz::expect_documented_errors([&] {
    vramfit::io::Catalog cat;
    vramfit::io::Diagnostics collect(true);
    vramfit::io::load_catalog_text(cat, name, name, text, collect);
  });
  return 0;
}
