#include "engine/prices.hpp"

#include <cmath>

#include <fmt/format.h>

#include "base/input_file.hpp"
#include "catalog/yaml_reader.hpp"
#include "engine/devices.hpp"
#include "formats/parse.hpp"

namespace vramfit::engine {

using io::InputError;

PriceChoice PriceBook::unit_price(const io::CatalogDevice& d, double memory_gib, bool entry) const {
  // The user's figure for exactly this memory option beats the device-wide one; the last given wins.
  double exact = 0, any = 0;
  for (const UserPrice& u : user) {
    if (u.device != &d) continue;
    if (u.memory_gib <= 0) any = u.usd;
    else if (std::abs(u.memory_gib - memory_gib) < 0.01) exact = u.usd;
  }
  return choose_price(d.street_prices, d.device.launch_price_usd, exact > 0 ? exact : any, memory_gib, entry, new_only);
}

namespace {

// 2 MiB: a prices file lists a few hundred devices at most.
constexpr std::uint64_t kMaxPricesFile = 2u << 20;

// "rtx-3090", "apple-m3-ultra:512", "apple-m3-ultra:512GB" -> the device and memory option (0 = all).
UserPrice parse_target(const io::Catalog& cat, const std::string& text) {
  std::string spec = text;
  const std::size_t colon = spec.rfind(':');
  if (cat.find_device(spec) == nullptr && colon != std::string::npos && colon + 1 < spec.size() &&
      spec.find_first_not_of("0123456789.", colon + 1) == std::string::npos)
    spec += "GB";  // ID:512 means 512 GB, as the configurations are named
  const DeviceSpec s = parse_device_spec(cat, spec);
  if (s.count != 1) throw InputError("a price is for one device (" + io::quote_cut(text) + " names " + std::to_string(s.count) + ")");
  if (s.memory_gib > 0 && s.device->device.memory_options_gib.empty())
    throw InputError(s.device->device.id + " is sold in one size: price it without a memory size (" + s.device->device.id + "=USD)");
  return UserPrice{s.device, s.memory_gib, 0};
}

double parse_usd(const std::string& text, const std::string& what) {
  double v = 0;
  try {
    v = io::parse_amount(text, what);
  } catch (const InputError&) {
    throw InputError(what + ": " + io::quote_cut(text) + " is not a price in US dollars (a positive number, e.g. 800)");
  }
  if (v <= 0) throw InputError(what + ": a price must be positive");
  return v;
}

UserPrice parse_price_arg(const io::Catalog& cat, const std::string& arg) {
  const std::size_t eq = arg.rfind('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size())
    throw InputError("--price " + io::quote_cut(arg) + ": expected ID=USD or ID:MEMGB=USD (e.g. rtx-3090=800, apple-m3-ultra:512GB=9499)");
  UserPrice u;
  try {
    u = parse_target(cat, arg.substr(0, eq));
  } catch (const InputError& e) {
    throw InputError("--price " + io::quote_cut(arg) + ": " + e.what());
  }
  u.usd = parse_usd(arg.substr(eq + 1), "--price " + io::quote_cut(arg));
  return u;
}

// One `ID: USD` pair of the file, errors located at the key or the value.
UserPrice file_entry(const io::Catalog& cat, const YAML::Node& key, const YAML::Node& value, const std::string& file) {
  const std::string at_key = io::location_of(key, file).str(), at_value = io::location_of(value, file).str();
  if (!key.IsScalar()) throw InputError(at_key + ": expected a device id (ID or ID:MEMGB)");
  UserPrice u;
  try {
    u = parse_target(cat, key.Scalar());
  } catch (const InputError& e) {
    throw InputError(at_key + ": " + e.what());
  }
  if (!value.IsScalar()) throw InputError(at_value + ": expected a price in US dollars for '" + key.Scalar() + "'");
  try {
    u.usd = parse_usd(value.Scalar(), "price of '" + key.Scalar() + "'");
  } catch (const InputError& e) {
    throw InputError(at_value + ": " + e.what());
  }
  return u;
}

// A map `ID: USD`, or a list of such one-pair maps or "ID=USD" strings.
void read_prices_file(const io::Catalog& cat, const std::string& path, std::vector<UserPrice>& out) {
  const std::string text = io::read_input_file(path, kMaxPricesFile, "prices file");
  const YAML::Node root = io::parse_yaml(text, path);
  if (!root.IsDefined() || root.IsNull()) return;
  auto pairs = [&](const YAML::Node& map) {
    for (auto it = map.begin(); it != map.end(); ++it) out.push_back(file_entry(cat, it->first, it->second, path));
  };
  if (root.IsMap()) return pairs(root);
  if (!root.IsSequence()) throw InputError(io::location_of(root, path).str() + ": a prices file is a map 'ID: USD' or a list of them");
  for (const YAML::Node& item : root) {
    if (item.IsMap()) {
      pairs(item);
    } else if (item.IsScalar()) {
      try {
        out.push_back(parse_price_arg(cat, item.Scalar()));
      } catch (const InputError& e) {
        std::string m = e.what();
        if (m.rfind("--price ", 0) == 0) m = m.substr(8);
        throw InputError(io::location_of(item, path).str() + ": " + m);
      }
    } else {
      throw InputError(io::location_of(item, path).str() + ": expected 'ID: USD' or \"ID=USD\"");
    }
  }
}

}  // namespace

PriceBook read_prices(const io::Catalog& cat, const std::vector<std::string>& price_args, const std::string& prices_file,
                      bool new_only) {
  PriceBook b;
  b.new_only = new_only;
  if (!prices_file.empty()) read_prices_file(cat, prices_file, b.user);
  for (const std::string& a : price_args) b.user.push_back(parse_price_arg(cat, a));
  return b;
}

}  // namespace vramfit::engine
