// safetensors headers: an 8-byte little-endian length N, then N bytes of JSON mapping each tensor
// name to {dtype, shape, data_offsets} (offsets relative to the data after the header), plus an
// optional "__metadata__" string map. Format: https://github.com/huggingface/safetensors (README,
// safetensors/src/tensor.rs). Tensor data is never read.
//
// Every check the reference implementation makes is made here, each an InputError naming the file:
// header length within the file and at most kMaxHeaderBytes, known dtype, shape products without
// overflow, bytes = elements x dtype size = data_offsets span, offsets inside the file, no overlaps.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/input_file.hpp"

namespace vramfit::io::hf {

inline constexpr std::uint64_t kMaxHeaderBytes = 100ull << 20;  // safetensors' own MAX_HEADER_SIZE
inline constexpr std::size_t kMaxTensorsPerFile = 1 << 20;
inline constexpr std::size_t kMaxRank = 8;
inline constexpr std::size_t kMaxShards = 1 << 14;

struct SafeTensor {
  std::string name;
  std::string dtype;  // as in the file: BF16, F8_E4M3, I32 ...
  std::vector<std::int64_t> shape;
  std::int64_t elements = 0;
  std::uint64_t begin = 0, end = 0;  // byte offsets in the data section
};

struct SafetensorsHeader {
  std::vector<SafeTensor> tensors;  // in file order
  std::map<std::string, std::string> metadata;
  std::uint64_t data_bytes = 0;  // file size - 8 - N
};

// Bits per element of a safetensors dtype; 0 when unknown.
int safetensors_dtype_bits(std::string_view dtype);

// The JSON header of a file whose data section has `data_bytes` bytes.
SafetensorsHeader parse_safetensors_header(std::string_view header_json, std::uint64_t data_bytes, const std::string& file);
// Reads only the first 8 + N bytes of `file` (a local file, or a remote one: base/input_file.hpp).
SafetensorsHeader read_safetensors_header(const std::string& file);
SafetensorsHeader read_safetensors_header(const ByteSource& file);

// The shard file names of a model.safetensors.index.json (its weight_map), sorted, each a plain file
// name beside the index.
std::vector<std::string> safetensors_index_shards(std::string_view text, const std::string& file);

// The weight files of a model directory: the shards named by model.safetensors.index.json
// (weight_map, at most kMaxIndexBytes), else model*.safetensors, else *.safetensors. Sorted, full paths.
std::vector<std::string> safetensors_files(const std::string& dir);

}  // namespace vramfit::io::hf
