#include "formats/safetensors.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include "formats/hf_config.hpp"
#include "formats/hf_json.hpp"

namespace vramfit::io::hf {
namespace fs = std::filesystem;

int safetensors_dtype_bits(std::string_view d) {
  // safetensors/src/tensor.rs Dtype::bitsize
  if (d == "BOOL" || d == "U8" || d == "I8" || d == "F8_E5M2" || d == "F8_E4M3" || d == "F8_E8M0") return 8;
  if (d == "I16" || d == "U16" || d == "F16" || d == "BF16") return 16;
  if (d == "I32" || d == "U32" || d == "F32") return 32;
  if (d == "I64" || d == "U64" || d == "F64" || d == "C64") return 64;
  if (d == "F4") return 4;
  if (d == "F6_E2M3" || d == "F6_E3M2") return 6;
  return 0;
}

SafetensorsHeader parse_safetensors_header(std::string_view text, std::uint64_t data_bytes, const std::string& file) {
  nlohmann::ordered_json j;  // keeps the file's tensor order
  check_json_depth(text, file, 8);
  try {
    j = nlohmann::ordered_json::parse(text.begin(), text.end());
  } catch (const nlohmann::ordered_json::parse_error& e) {
    fail(file, "invalid JSON header at byte " + std::to_string(8 + e.byte));  // byte counts from the file start
  } catch (const nlohmann::ordered_json::out_of_range&) {  // a number past double range (1e400)
    fail(file, "invalid JSON header: a number out of range (beyond a 64-bit float)");
  }
  if (!j.is_object()) fail(file, "header is not a JSON object");
  if (j.size() > kMaxTensorsPerFile) fail(file, "more than " + std::to_string(kMaxTensorsPerFile) + " tensors");
  SafetensorsHeader h;
  h.data_bytes = data_bytes;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& name = it.key();
    const nlohmann::ordered_json& v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object()) fail(file, "__metadata__ is not an object");
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string()) fail(file, "__metadata__." + m.key() + " is not a string");
        h.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    const std::string what = "tensor '" + (name.size() > 200 ? name.substr(0, 200) + "..." : name) + "'";
    if (name.empty()) fail(file, "a tensor has an empty name");
    if (!v.is_object() || !v.contains("dtype") || !v.contains("shape") || !v.contains("data_offsets"))
      fail(file, what + ": expected {dtype, shape, data_offsets}");
    SafeTensor t;
    t.name = name;
    if (!v["dtype"].is_string()) fail(file, what + ": dtype is not a string");
    t.dtype = v["dtype"].get<std::string>();
    const int bits = safetensors_dtype_bits(t.dtype);
    if (bits == 0) fail(file, what + ": unknown dtype '" + t.dtype.substr(0, 40) + "'");
    const auto& shape = v["shape"];
    if (!shape.is_array() || shape.size() > kMaxRank) fail(file, what + ": shape is not a list of at most 8 dimensions");
    // Overflow-safe product: every factor and every partial product stays below 2^62.
    constexpr std::uint64_t kLimit = std::uint64_t{1} << 62;
    std::uint64_t n = 1;
    for (const auto& d : shape) {
      if (!d.is_number_unsigned() && !(d.is_number_integer() && d.get<std::int64_t>() >= 0))
        fail(file, what + ": shape has a dimension that is not a non-negative integer");
      const std::uint64_t x = d.get<std::uint64_t>();
      if (x >= kLimit || (x != 0 && n > kLimit / x)) fail(file, what + ": shape overflows (more than 2^62 elements)");
      n *= x;
      t.shape.push_back(static_cast<std::int64_t>(x));
    }
    t.elements = static_cast<std::int64_t>(n);
    const auto& off = v["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
      fail(file, what + ": data_offsets is not [begin, end]");
    t.begin = off[0].get<std::uint64_t>();
    t.end = off[1].get<std::uint64_t>();
    if (t.begin > t.end || t.end > data_bytes)
      fail(file, what + ": data_offsets [" + std::to_string(t.begin) + ", " + std::to_string(t.end) + "] outside the " +
                     std::to_string(data_bytes) + "-byte data section");
    // bytes = n x bits / 8 without forming n x bits (n < 2^62, bits <= 64).
    const std::uint64_t b = static_cast<std::uint64_t>(bits), rem = (n % 8) * b;
    if (rem % 8 != 0) fail(file, what + ": " + std::to_string(n) + " elements of " + t.dtype + " are not a whole number of bytes");
    if (n / 8 > kLimit / b) fail(file, what + ": shape overflows (more than 2^62 bytes)");
    const std::uint64_t bytes = n / 8 * b + rem / 8;
    if (bytes != t.end - t.begin)
      fail(file, what + ": " + std::to_string(n) + " elements of " + t.dtype + " need " + std::to_string(bytes) +
                     " bytes but data_offsets span " + std::to_string(t.end - t.begin));
    h.tensors.push_back(std::move(t));
  }
  // No two tensors may share bytes (safetensors' validate() also requires this).
  std::vector<const SafeTensor*> order;
  for (const SafeTensor& t : h.tensors)
    if (t.end > t.begin) order.push_back(&t);
  std::sort(order.begin(), order.end(), [](const SafeTensor* a, const SafeTensor* b) { return a->begin < b->begin; });
  for (std::size_t i = 1; i < order.size(); ++i)
    if (order[i]->begin < order[i - 1]->end)
      fail(file, "tensors '" + order[i - 1]->name + "' and '" + order[i]->name + "' overlap");
  return h;
}

SafetensorsHeader read_safetensors_header(const std::string& file) { return read_safetensors_header(InputFile(file, "safetensors file")); }

SafetensorsHeader read_safetensors_header(const ByteSource& in) {
  const std::string& file = in.name();
  const std::uint64_t size = in.size();
  if (size < 8) fail(file, "truncated: " + std::to_string(size) + " bytes, shorter than the 8-byte header length");
  unsigned char len[8];
  if (in.read_at(0, len, 8) != 8) fail(file, "cannot read safetensors file: it shrank while being read");
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | len[i];
  if (n > kMaxHeaderBytes)
    fail(file, "header length " + std::to_string(n) + " exceeds the " + std::to_string(kMaxHeaderBytes >> 20) + " MiB limit");
  if (n < 2) fail(file, "header length " + std::to_string(n) + " is too short for a JSON object");
  if (8 + n > size) fail(file, "truncated: header length " + std::to_string(n) + " but the file has " + std::to_string(size) + " bytes");
  std::string text(static_cast<std::size_t>(n), '\0');
  if (in.read_at(8, text.data(), static_cast<std::size_t>(n)) != n) fail(file, "cannot read safetensors header: the file shrank while being read");
  return parse_safetensors_header(text, size - 8 - n, file);
}

std::vector<std::string> safetensors_index_shards(std::string_view text, const std::string& file) {
  const Json j = parse_json(text, file);
  const Obj root(j, file);
  const Json* map = root.get("weight_map");
  if (map == nullptr || !map->is_object()) fail(file, "weight_map is missing or not an object");
  std::set<std::string> shards;
  for (auto it = map->begin(); it != map->end(); ++it) {
    if (!it.value().is_string()) fail(file, "weight_map." + it.key() + " is not a file name");
    const std::string shard = it.value().get<std::string>();
    // Shards sit beside the index: a path would let an index point anywhere on disk (or in a repository).
    if (shard.empty() || shard.find('/') != std::string::npos || shard.find('\\') != std::string::npos || shard == "." ||
        shard == "..")
      fail(file, "weight_map names '" + shard.substr(0, 100) + "', not a file name in the same directory");
    shards.insert(shard);
    if (shards.size() > kMaxShards) fail(file, "more than " + std::to_string(kMaxShards) + " shard files");
  }
  return {shards.begin(), shards.end()};
}

std::vector<std::string> safetensors_files(const std::string& dir) {
  const fs::path index = fs::path(dir) / "model.safetensors.index.json";
  std::vector<std::string> out;
  std::error_code ec;
  if (path_exists(index.string())) {
    const std::string file = index.string();
    const std::vector<std::string> shards = safetensors_index_shards(read_input_file(file, kMaxIndexBytes, "safetensors index"), file);
    for (const std::string& s : shards) {
      const fs::path p = fs::path(dir) / s;
      if (!path_exists(p.string())) fail(file, "shard '" + s + "' is missing");
      out.push_back(p.string());
    }
    return out;
  }
  std::vector<std::string> model, other;
  // Every *.safetensors entry is read, whatever it is: the reader refuses a FIFO or a directory by
  // that name instead of the estimate silently leaving it out.
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= 12 || name.substr(name.size() - 12) != ".safetensors") continue;
    if (name.rfind("model", 0) == 0) model.push_back(it->path().string());
    else if (name.rfind("consolidated", 0) != 0) other.push_back(it->path().string());  // Mistral's duplicate
  }
  if (ec) fail(dir, "cannot list the directory: " + ec.message());
  out = model.empty() ? other : model;
  std::sort(out.begin(), out.end());
  if (out.size() > kMaxShards) fail(dir, "more than " + std::to_string(kMaxShards) + " safetensors files");
  return out;
}

}  // namespace vramfit::io::hf
