// Remote models (issue 18): the response handling of the remote readers, without a network. The input
// is an HTTP response as a server could send it, after one byte that picks the reader:
//
//   READER STATUS "\n" (NAME ": " VALUE "\n")* "\n" BODY
//
//   READER 0  a JSON document: Ollama's manifest and params parsers, the Hub's file listing (with
//             its Link header for the next page, and the GGUF file-name rules on every path), and a
//             safetensors index
//   READER 1  a GGUF header over the response, as RemoteFile serves it to the GGUF reader, then the
//             mapping to a ModelFile (io::gguf_model_file)
//   READER 2  a safetensors header over the response (8-byte length, then JSON)
//
// The status and headers act as they do in Fetcher::document and RemoteFile::grow
// (formats/remote_file.cpp): 404 is "not found", 401/403 "access denied", anything but 200/206 an
// error; a 206's size is Content-Range's "/TOTAL", a 200's the body's (or Content-Length, when the
// client cut the body short). Bytes past the body but within the size are what a RemoteFile would
// fetch next: zeros here (as the fixture server's sparse files), up to a read budget (4 MiB, for
// RemoteFile's 64) past which it is the budget error. Only InputError and CoreError may escape.
#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "base/input_file.hpp"
#include "formats/gguf_reader.hpp"
#include "formats/hf_hub.hpp"
#include "formats/model_file.hpp"
#include "formats/ollama_registry.hpp"
#include "formats/remote_file.hpp"
#include "formats/safetensors.hpp"
#include "fuzz_common.hpp"

namespace {

using vramfit::io::InputError;

struct Response {
  long status = 0;
  std::string content_range, content_length, link;
  std::string_view body;
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return std::string(s);
}

// "STATUS\n" headers "\n" body; a response without a blank line is all headers and no body.
Response split(std::string_view in) {
  Response r;
  std::size_t eol = in.find('\n');
  const std::string_view status = in.substr(0, eol);
  for (std::size_t i = 0; i < status.size() && i < 3; ++i)
    if (status[i] >= '0' && status[i] <= '9') r.status = r.status * 10 + (status[i] - '0');
  while (eol != std::string_view::npos) {
    const std::size_t start = eol + 1;
    eol = in.find('\n', start);
    const std::string_view line = in.substr(start, eol == std::string_view::npos ? std::string_view::npos : eol - start);
    if (trim(line).empty()) {
      r.body = eol == std::string_view::npos ? std::string_view() : in.substr(eol + 1);
      break;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string name = lower(trim(line.substr(0, colon)));
    if (name == "content-range") r.content_range = trim(line.substr(colon + 1));
    else if (name == "content-length") r.content_length = trim(line.substr(colon + 1));
    else if (name == "link") r.link = trim(line.substr(colon + 1));
  }
  return r;
}

std::optional<std::uint64_t> number(std::string_view s) {
  if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  std::uint64_t v = 0;
  for (const char c : s) v = v * 10 + static_cast<std::uint64_t>(c - '0');
  return v;
}

// As Fetcher::document and RemoteFile::grow treat the status line.
void check_status(const Response& r, const std::string& url) {
  if (r.status == 404) throw vramfit::io::RemoteNotFound(url + ": not found (HTTP 404)");
  if (r.status == 401 || r.status == 403) throw InputError(url + ": access denied (HTTP " + std::to_string(r.status) + ")");
  if (r.status != 200 && r.status != 206) throw InputError(url + ": HTTP " + std::to_string(r.status) + " where file bytes were expected");
}

// The bytes a RemoteFile holds after one response: the body is the prefix fetched, the size the
// resource's total as the headers tell it.
class MemorySource : public vramfit::io::ByteSource {
 public:
  static constexpr std::uint64_t kBudget = std::uint64_t{4} << 20;
  MemorySource(const Response& r, std::string name) : name_(std::move(name)), body_(r.body) {
    check_status(r, name_);
    if (r.status == 206) {
      const std::size_t slash = r.content_range.rfind('/');
      const std::optional<std::uint64_t> total = slash == std::string::npos ? std::nullopt : number(std::string_view(r.content_range).substr(slash + 1));
      if (r.content_range.rfind("bytes 0-", 0) != 0 || !total) throw InputError(name_ + ": no usable Content-Range");
      size_ = *total;
    } else {
      size_ = std::max<std::uint64_t>(body_.size(), number(r.content_length).value_or(0));
    }
    if (body_.size() > size_) body_ = body_.substr(0, static_cast<std::size_t>(size_));
  }
  [[nodiscard]] const std::string& name() const override { return name_; }
  [[nodiscard]] std::uint64_t size() const override { return size_; }
  std::size_t read_at(std::uint64_t offset, void* out, std::size_t n) const override {
    if (offset >= size_) return 0;
    const std::uint64_t end = std::min<std::uint64_t>(offset + n, size_);
    if (end > kBudget) throw InputError(name_ + ": the header is larger than the 4 MiB read budget of a remote file");
    const std::size_t k = static_cast<std::size_t>(end - offset);
    const std::size_t held = offset < body_.size() ? std::min<std::size_t>(k, body_.size() - static_cast<std::size_t>(offset)) : 0;
    if (held > 0) std::memcpy(out, body_.data() + offset, held);
    std::memset(static_cast<char*>(out) + held, 0, k - held);
    return k;
  }

 private:
  std::string name_;
  std::string_view body_;
  std::uint64_t size_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const int reader = data[0] % 3;
  const Response r = split(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  using namespace vramfit;
  switch (reader) {
    case 0:
      fuzz::expect_documented_errors([&] {
        check_status(r, "manifest");
        const io::OllamaManifest m = io::parse_ollama_manifest(r.body, "fuzz:latest");
        for (const io::OllamaLayer& l : m.layers)  // digests become URL paths: they must have been checked
          if (l.digest.size() != 71 || l.digest.find_first_of("/.?#%") != std::string::npos) std::abort();
        (void)m.model();
        (void)m.projector();
        (void)m.params();
      });
      fuzz::expect_documented_errors([&] {
        check_status(r, "params");
        const io::OllamaParams p = io::parse_ollama_params(r.body, "fuzz:latest");
        if (p.num_ctx && *p.num_ctx < 0) std::abort();
        for (const std::string& n : p.notes)
          if (n.find('\n') != std::string::npos) std::abort();
      });
      fuzz::expect_documented_errors([&] {
        check_status(r, "listing");
        const std::string url = "https://huggingface.co/api/models/org/repo/tree/main?recursive=true";
        const std::vector<io::hub::HubFile> files = io::hub::parse_listing(r.body, "org/repo", "https://huggingface.co");
        for (const io::hub::HubFile& f : files) {
          // A path names a file inside the repository: it becomes part of a URL and a cache key.
          if (f.path.empty() || f.path.front() == '/' || ("/" + f.path + "/").find("/../") != std::string::npos) std::abort();
          (void)io::hub::is_gguf(f.path);
          (void)io::hub::is_projector(f.path);
          (void)io::hub::split_part(f.path);
          (void)io::hub::names_quant(f.path, "Q4_K_M");
          (void)io::hub::quant_of(f.path);
        }
        // What the cache keeps reads back as the same files.
        if (io::hub::parse_listing(io::hub::listing_json(files), "org/repo", "https://huggingface.co").size() != files.size()) std::abort();
        const std::string next = io::hub::next_page(r.link, url);
        if (next.find('\n') != std::string::npos) std::abort();
      });
      fuzz::expect_documented_errors([&] {
        check_status(r, "index");
        (void)io::hf::safetensors_index_shards(r.body, "model.safetensors.index.json");
      });
      break;
    case 1:
      fuzz::expect_documented_errors([&] {
        const MemorySource blob(r, "http://fuzz/v2/library/fuzz/blobs/sha256:0");
        const io::gguf::Header h = io::gguf::read_model(blob, [](const std::string&) { return nullptr; });
        (void)io::gguf_model_file(h, nullptr);
      });
      break;
    default:
      fuzz::expect_documented_errors([&] {
        const MemorySource file(r, "http://fuzz/model.safetensors");
        const auto h = io::hf::read_safetensors_header(file);
        for (const auto& t : h.tensors)
          if (t.end < t.begin || t.end > h.data_bytes) std::abort();
      });
      break;
  }
  return 0;
}
