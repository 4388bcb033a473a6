// The Hugging Face Hub reader's pieces that need no network (formats/hf_hub.cpp reads repositories
// with them): the file listing of a repository, and how a GGUF file name says its quantization.
//
// A listing is GET {HF_ENDPOINT}/api/models/ORG/REPO/tree/REV?recursive=true, a JSON list of
// {"type": "file" | "directory", "path", "size", "oid", "lfs": {"oid", ...}} (huggingface_hub
// HfApi.list_repo_tree), paged with a Link: <...>; rel="next" header. It is the source of truth for
// which files a repository holds: nothing it does not list is asked for.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vramfit::io::hub {

struct HubFile {
  std::string path;  // in the repository: "config.json", "Q4_K_M/x-00001-of-00002.gguf"
  std::uint64_t size = 0;
  std::string oid;      // the git blob id
  std::string lfs_oid;  // the sha256 of an LFS file's content; "" for a small file
  // What changes when the file does (at a branch that moved): the cache keeps a file's bytes under it.
  [[nodiscard]] std::string version() const { return oid + " " + lfs_oid + " " + std::to_string(size); }
};

// One page of a listing: the files (directories left out, and paths that could not name a file of
// the repository: absolute, "..", control bytes). Text that is no JSON list of objects is an
// InputError "LABEL: the file listing is not JSON (a Hub endpoint? HF_ENDPOINT=ENDPOINT)".
std::vector<HubFile> parse_listing(std::string_view text, const std::string& label, const std::string& endpoint);
// The files back as listing JSON (the cache keeps a repository's listing so).
std::string listing_json(const std::vector<HubFile>& files);
// The next page of a listing: the URL of Link's rel="next" (resolved against `url`), or "".
std::string next_page(const std::string& link_header, const std::string& url);

// Percent-encodes all but RFC 3986's unreserved characters (and '/' when `keep_slash`): a path or a
// revision in a Hub URL, as huggingface_hub quotes them.
std::string url_encode(std::string_view s, bool keep_slash);

// GGUF file names (llama.cpp's convert and gguf-split, unsloth, bartowski, TheBloke, lmstudio):
//   Qwen3-30B-A3B-Q4_K_M.gguf, llama-2-7b.Q4_K_M.gguf, Qwen3-30B-A3B-UD-Q4_K_XL.gguf,
//   Q4_K_M/Qwen3-235B-A22B-Q4_K_M-00001-of-00003.gguf, mmproj-F16.gguf
bool is_gguf(std::string_view path);
bool is_projector(std::string_view path);  // an mmproj file: the vision projector, never the model
// The part number of a split file (-00002-of-00003.gguf gives 2); 0 for a whole file.
int split_part(std::string_view path);
// Whether `quant` is a word of the path, case-insensitively: bounded by the ends or by characters
// other than letters, digits and '_' (so Q4_K matches neither Q4_K_M nor IQ4_K).
bool names_quant(std::string_view path, std::string_view quant);
// The quantization a path names ("Q4_K_M", "UD-Q4_K_XL", "BF16"), its last such word; "" for none.
std::string quant_of(std::string_view path);

}  // namespace vramfit::io::hub
