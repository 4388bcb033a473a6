#include "formats/remote_file.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "base/diagnostics.hpp"

namespace vramfit::io {
namespace {

constexpr std::uint64_t kMaxCacheEntry = std::uint64_t{256} << 20;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::string(v) : std::string();
}

bool env_on(const char* name) {
  const std::string v = env(name);
  return !v.empty() && v != "0" && v != "false" && v != "False";
}

std::string without_trailing_slash(std::string s) {
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

// FNV-1a, 64 bits: a file name per key. The key itself is stored in the entry and compared on load.
std::string key_file(const std::string& key) {
  std::uint64_t h = 1469598103934665603ull;
  for (const unsigned char c : key) h = (h ^ c) * 1099511628211ull;
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace

RemoteOptions remote_options_from_env() {
  RemoteOptions o;
  if (const std::string e = env("HF_ENDPOINT"); !e.empty()) o.hf_endpoint = without_trailing_slash(e);
  o.hf_token = env("HF_TOKEN");
  if (const std::string r = env("VRAMFIT_OLLAMA_REGISTRY"); !r.empty()) o.ollama_registry = without_trailing_slash(r);
  if (const std::string d = env("VRAMFIT_CACHE_DIR"); !d.empty()) o.cache_dir = d;
  else if (const std::string x = env("XDG_CACHE_HOME"); !x.empty()) o.cache_dir = x + "/vramfit";
  else if (const std::string h = env("HOME"); !h.empty()) o.cache_dir = h + "/.cache/vramfit";
  o.offline = env_on("VRAMFIT_OFFLINE") || env_on("HF_HUB_OFFLINE");
  return o;
}

Fetcher::Fetcher(RemoteOptions options)
    : options_(std::move(options)), http_([&] {
        HttpOptions h;
        h.timeout_seconds = options_.timeout_seconds;
        h.token = options_.hf_token;
        h.token_host = url_host(options_.hf_endpoint);
        h.progress = options_.progress;
        return h;
      }()) {}

void Fetcher::need_network(const std::string& what) const {
  if (options_.offline) throw InputError(what + ": not in the cache, and --offline is set (VRAMFIT_OFFLINE, HF_HUB_OFFLINE)");
}

std::optional<CachedBytes> Fetcher::cached(const std::string& key) const {
  if (options_.cache_dir.empty()) return std::nullopt;
  const std::string path = options_.cache_dir + "/" + key_file(key);
  if (!path_exists(path)) return std::nullopt;
  // An entry: "vramfit-cache 1\n", the key, "TOTAL ETAG\n", then the bytes. A damaged or foreign
  // entry is a miss, not an error: the cache is only ever a shortcut.
  std::string text;
  try {
    text = read_input_file(path, kMaxCacheEntry, "a cache entry");
  } catch (const InputError&) {
    return std::nullopt;
  }
  const std::string magic = "vramfit-cache 1\n";
  if (text.rfind(magic, 0) != 0) return std::nullopt;
  const std::size_t key_end = text.find('\n', magic.size());
  if (key_end == std::string::npos || text.compare(magic.size(), key_end - magic.size(), key) != 0) return std::nullopt;
  const std::size_t meta_end = text.find('\n', key_end + 1);
  if (meta_end == std::string::npos) return std::nullopt;
  const std::string meta = text.substr(key_end + 1, meta_end - key_end - 1);
  CachedBytes c;
  const std::size_t space = meta.find(' ');
  const std::string total = meta.substr(0, space);
  if (total.empty() || total.size() > 18 || total.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  c.total_size = std::stoull(total);
  c.etag = space == std::string::npos ? "" : meta.substr(space + 1);
  c.body = text.substr(meta_end + 1);
  return c;
}

void Fetcher::store(const std::string& key, const CachedBytes& value) const {
  if (options_.cache_dir.empty() || key.find('\n') != std::string::npos || value.etag.find('\n') != std::string::npos) return;
  std::error_code ec;
  std::filesystem::create_directories(options_.cache_dir, ec);
  const std::string path = options_.cache_dir + "/" + key_file(key);
  const std::string tmp = path + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << "vramfit-cache 1\n" << key << "\n" << value.total_size << " " << value.etag << "\n";
    out.write(value.body.data(), static_cast<std::streamsize>(value.body.size()));
    if (!out) {
      std::filesystem::remove(tmp, ec);
      return;  // a cache that cannot be written only costs the next question a request
    }
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) std::filesystem::remove(tmp, ec);
}

std::optional<std::string> Fetcher::document(const std::string& url, std::uint64_t max_bytes, bool immutable, const std::string& what) {
  const std::string key = "document " + url;
  const std::optional<CachedBytes> hit = cached(key);
  if (hit && (immutable || options_.offline)) return hit->body;
  need_network(what);
  const HttpResponse r = http_.get(url, std::nullopt, max_bytes);
  if (r.status == 404) return std::nullopt;
  if (r.status == 401 || r.status == 403)
    throw InputError(url + ": access denied (HTTP " + std::to_string(r.status) + ")" +
                     (url_host(url) == url_host(options_.hf_endpoint)
                          ? (options_.hf_token.empty() ? ": a gated or private repository; set HF_TOKEN to a token that may read it"
                                                       : ": HF_TOKEN may not read this repository (gated: accept its terms first)")
                          : std::string()));
  if (r.status != 200) throw InputError(url + ": HTTP " + std::to_string(r.status) + " where " + what + " was expected");
  store(key, {r.body, r.body.size(), r.header("etag")});
  return r.body;
}

RemoteFile::RemoteFile(Fetcher& fetcher, std::string url, std::uint64_t budget, bool immutable, std::uint64_t first_read)
    : fetcher_(fetcher), url_(std::move(url)), budget_(budget), immutable_(immutable), first_read_(std::max<std::uint64_t>(first_read, 1)) {
  if (const std::optional<CachedBytes> hit = fetcher_.cached("file " + url_); hit && hit->total_size > 0) {
    // A mutable file is taken from the cache only while its size and ETag are unchanged: one cheap
    // request for its first byte tells.
    bool valid = immutable_ || fetcher_.options().offline;
    if (!valid) {
      const HttpResponse r = fetcher_.http().get(url_, ByteRange{0, 0}, 1, true);
      valid = (r.status == 206 || r.status == 200) && r.total_size == hit->total_size && r.header("etag") == hit->etag;
    }
    if (valid) {
      prefix_ = hit->body;
      etag_ = hit->etag;
      size_ = hit->total_size;
      sized_ = true;
    }
  }
}

std::uint64_t RemoteFile::size() const {
  if (!sized_) grow(1);
  return size_;
}

void RemoteFile::grow(std::uint64_t to) const {
  if (sized_ && (to <= prefix_.size() || prefix_.size() >= size_)) return;
  if (to > budget_)
    throw InputError(url_ + ": the header is larger than the " + std::to_string(budget_ >> 20) + " MiB read budget of a remote file");
  fetcher_.need_network(url_);
  std::uint64_t want = std::max<std::uint64_t>({to, first_read_, 2 * prefix_.size()});
  want = std::min(want, budget_);
  if (sized_) want = std::min(want, size_);
  const std::uint64_t from = prefix_.size();
  const HttpResponse r = fetcher_.http().get(url_, ByteRange{from, want - 1}, want - from, false);
  if (r.status == 404) throw InputError(url_ + ": not found (HTTP 404)");
  if (r.status == 401 || r.status == 403) throw InputError(url_ + ": access denied (HTTP " + std::to_string(r.status) + "); set HF_TOKEN for a gated repository");
  if (r.status == 416) {  // the file ends before `from`
    sized_ = true;
    size_ = prefix_.size();
    return;
  }
  if (r.status != 206 && r.status != 200) throw InputError(url_ + ": HTTP " + std::to_string(r.status) + " where file bytes were expected");
  if (r.status == 200) {
    // The whole file from byte 0 (the server ignored Range); the client stopped it at want - from bytes.
    if (from > 0) throw InputError(url_ + ": the server ignores byte ranges (HTTP 200 for a range past the start)");
    prefix_ = r.body;
  } else {
    const std::string range = r.header("content-range");
    if (range.rfind("bytes " + std::to_string(from) + "-", 0) != 0)
      throw InputError(url_ + ": the server answered another byte range ('" + range.substr(0, 60) + "') than asked for");
    prefix_ += r.body;
  }
  if (!r.total_size) throw InputError(url_ + ": the server tells neither Content-Range nor Content-Length: the file's size is unknown");
  size_ = *r.total_size;
  sized_ = true;
  etag_ = r.header("etag");
  if (prefix_.size() > size_) prefix_.resize(static_cast<std::size_t>(size_));
}

std::size_t RemoteFile::read_at(std::uint64_t offset, void* out, std::size_t n) const {
  if (!sized_) grow(1);
  if (offset >= size_) return 0;
  const std::uint64_t end = std::min<std::uint64_t>(offset + n, size_);
  grow(end);
  const std::size_t k = static_cast<std::size_t>(std::min<std::uint64_t>(end, prefix_.size()) - offset);
  std::memcpy(out, prefix_.data() + offset, k);
  return k;
}

void RemoteFile::keep() const noexcept {
  try {
    if (sized_ && !prefix_.empty()) fetcher_.store("file " + url_, {prefix_, size_, etag_});
  } catch (...) {
  }
}

}  // namespace vramfit::io
