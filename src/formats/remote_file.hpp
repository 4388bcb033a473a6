// Remote model files, header bytes only: what every remote reader shares (formats/hf_hub.hpp,
// formats/ollama_registry.hpp, GGUF URLs). A RemoteFile is a ByteSource over HTTP Range requests that
// fetches a growing prefix (1 MiB, then doubling) as the header reader asks for bytes, never past its
// budget; the Fetcher holds the one HTTP client of a question, the cache and the offline switch.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/diagnostics.hpp"
#include "base/input_file.hpp"
#include "formats/http.hpp"

namespace vramfit::io {

// Where remote models come from and how they are fetched: as the ecosystem spells it in the
// environment (remote_options_from_env), or set by a front end or a test.
struct RemoteOptions {
  std::string hf_endpoint = "https://huggingface.co";  // HF_ENDPOINT
  std::string hf_token;                                // HF_TOKEN: sent to hf_endpoint's host only
  std::string ollama_registry = "https://registry.ollama.ai";  // VRAMFIT_OLLAMA_REGISTRY
  std::string cache_dir;  // VRAMFIT_CACHE_DIR, else $XDG_CACHE_HOME/vramfit, else ~/.cache/vramfit; "" = none
  bool offline = false;   // --offline, VRAMFIT_OFFLINE=1, HF_HUB_OFFLINE=1: the cache and local files only
  long timeout_seconds = 30;
  std::function<void(const std::string& what, std::uint64_t bytes)> progress;
};
RemoteOptions remote_options_from_env();

// A remote reference that names nothing there (a 404 for the repository, file or manifest): the
// engine falls back on the catalog's own message where it has one (an Ollama name it knows).
class RemoteNotFound : public InputError {
 public:
  using InputError::InputError;
};

// What a remote model was read from: the JSON "source" of an answer.
struct RemoteSource {
  std::string kind;      // huggingface | gguf_url | ollama
  std::string reference; // as the user wrote it
  std::string url;       // the repository, file or manifest
  std::string revision;  // a commit, tag or digest; "" when the source has none
  std::vector<std::string> files;  // what was read, in order
  std::uint64_t bytes_fetched = 0;  // over the network for this question (0: all from the cache)
  int requests = 0;
  bool cached = false;  // answered from the cache alone
};

// Bytes kept from earlier questions, keyed by URL (and revision): a file per entry in cache_dir.
struct CachedBytes {
  std::string body;
  std::uint64_t total_size = 0;  // of the whole resource; 0 = unknown
  std::string etag;
};

class Fetcher {
 public:
  explicit Fetcher(RemoteOptions options);
  [[nodiscard]] const RemoteOptions& options() const { return options_; }

  // A small document (config.json, an index, a listing, a manifest): the whole body, at most
  // `max_bytes`. `immutable`: a pinned revision or a digest, taken from the cache without a request.
  // A 404 gives nullopt (the caller says what was not found); 401/403 is an error naming HF_TOKEN.
  std::optional<std::string> document(const std::string& url, std::uint64_t max_bytes, bool immutable, const std::string& what);

  [[nodiscard]] std::uint64_t bytes_received() const { return http_.bytes_received(); }
  [[nodiscard]] int requests() const { return http_.requests(); }
  HttpClient& http() { return http_; }

  std::optional<CachedBytes> cached(const std::string& key) const;
  void store(const std::string& key, const CachedBytes& value) const;
  // Refused under --offline: "REF: not in the cache, and --offline is set".
  void need_network(const std::string& what) const;

 private:
  RemoteOptions options_;
  HttpClient http_;
};

// A remote file read as a growing prefix. `budget`: the most bytes its header may take.
class RemoteFile : public ByteSource {
 public:
  // `first_read`: the bytes of the first request (a safetensors header is usually under 64 KiB, a
  // GGUF header with its vocabulary a few MiB); later requests at least double the prefix.
  static constexpr std::uint64_t kFirstRead = std::uint64_t{1} << 20;
  RemoteFile(Fetcher& fetcher, std::string url, std::uint64_t budget, bool immutable, std::uint64_t first_read = kFirstRead);
  RemoteFile(const RemoteFile&) = delete;
  RemoteFile& operator=(const RemoteFile&) = delete;
  ~RemoteFile() override { keep(); }  // what was read stays in the cache for the next question
  [[nodiscard]] const std::string& name() const override { return url_; }
  [[nodiscard]] std::uint64_t size() const override;
  std::size_t read_at(std::uint64_t offset, void* out, std::size_t n) const override;
  // Saves the prefix read so far in the cache (the header readers stop where the header ends). Never
  // throws: a cache that cannot be written only costs the next question a request.
  void keep() const noexcept;

 private:
  void grow(std::uint64_t to) const;
  Fetcher& fetcher_;
  std::string url_;
  std::uint64_t budget_;
  bool immutable_;
  std::uint64_t first_read_;
  mutable std::string prefix_;
  mutable std::string etag_;
  mutable std::uint64_t size_ = 0;
  mutable bool sized_ = false;
};

}  // namespace vramfit::io
