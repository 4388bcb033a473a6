// Which price a device configuration is ranked at: the user's own figures (--price ID[:MEM]=USD,
// --prices FILE), the catalog's dated street prices (used before new, or new only), the launch price
// (docs/planning.md "Price"). The choice itself is the core's choose_price (vramfit/planning.hpp).
#pragma once

#include <string>
#include <vector>

#include "catalog/catalog.hpp"
#include "vramfit/planning.hpp"

namespace vramfit::engine {

// A price the user gave for a device, or for one memory option of it.
struct UserPrice {
  const io::CatalogDevice* device = nullptr;
  double memory_gib = 0;  // 0 = every configuration of the device
  double usd = 0;
};

struct PriceBook {
  std::vector<UserPrice> user;  // later entries win (the command line after the file)
  bool new_only = false;        // --new: ignore used street prices

  // One unit of `d` in a configuration with `memory_gib` (0: a card sold in one size); `entry`: the smallest
  // memory option (a launch price is a lower bound for the others).
  [[nodiscard]] PriceChoice unit_price(const io::CatalogDevice& d, double memory_gib, bool entry) const;
};

// The prices of --prices FILE (first) and --price ID[:MEM]=USD (each repeatable, later wins). A bad entry
// is an io::InputError naming the option, or the file with line and column; an unknown id gets a
// did-you-mean; a memory size the device is not sold with names the sizes.
PriceBook read_prices(const io::Catalog& cat, const std::vector<std::string>& price_args, const std::string& prices_file,
                      bool new_only);

}  // namespace vramfit::engine
