// A loopback HTTP server for the remote-model tests (cpp-httplib, Debian's libcpp-httplib-dev): it
// serves files the test puts in it, with Range support and ETags, a Hugging Face Hub-like tree
// (/api/models/ORG/REPO/tree/REV and /ORG/REPO/resolve/REV/PATH), an Ollama-like registry
// (/v2/NS/NAME/manifests/TAG, blobs answered with a redirect to a CDN path), and hostile modes per
// path. No test touches the internet: every URL is http://127.0.0.1:PORT/...
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace vramfit::test {

class FixtureServer {
 public:
  enum class Mode {
    normal,
    ignore_range,   // 200 with the whole body, whatever Range says
    endless,        // a body that never ends
    silence,        // no answer for `silence_seconds`
    redirect_loop,  // 302 to itself
    lying_length,   // Content-Length larger than the bytes sent, then the connection closes
    html_404,       // a 404 with an HTML page
    garbage,        // 200 with bytes that are no JSON and no GGUF
  };

  FixtureServer() {
    server_.Get(".*", [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    wait_until_running(server_);
  }
  ~FixtureServer() {
    server_.stop();
    thread_.join();
  }
  FixtureServer(const FixtureServer&) = delete;
  FixtureServer& operator=(const FixtureServer&) = delete;

  // cpp-httplib 0.11 (Debian 12) has no wait_until_ready: poll until the listening thread runs.
  static void wait_until_running(const httplib::Server& s) {
    for (int i = 0; i < 5000 && !s.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  [[nodiscard]] std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] std::string url(const std::string& path) const { return base() + path; }

  // A file at `path` ("/models/x.gguf").
  void file(const std::string& path, std::string bytes) {
    const std::uint64_t size = bytes.size();
    sparse_file(path, std::move(bytes), size);
  }
  // A file of `size` bytes that starts with `head` and is zeros after it (a GGUF file's header and
  // its tensor data, which is never read): gigabytes served without holding them.
  void sparse_file(const std::string& path, std::string head, std::uint64_t size) {
    std::lock_guard<std::mutex> lock(mu_);
    files_[path] = std::make_shared<const File>(File{std::move(head), size});
  }
  void mode(const std::string& path, Mode m) {
    std::lock_guard<std::mutex> lock(mu_);
    modes_[path] = m;
  }

  // A file of a Hub repository at a revision: served at /ORG/REPO/resolve/REV/PATH and listed at
  // /api/models/ORG/REPO/tree/REV (as {"type": "file", "path", "size", "oid"}); with `main`, the
  // same under the revision "main".
  void hub_file(const std::string& repo, const std::string& revision, const std::string& path, std::string head,
                std::uint64_t size, bool main = true) {
    for (const std::string& rev : main && revision != "main" ? std::vector<std::string>{revision, "main"} : std::vector<std::string>{revision}) {
      sparse_file("/" + repo + "/resolve/" + rev + "/" + path, head, size);
      std::lock_guard<std::mutex> lock(mu_);
      trees_["/api/models/" + repo + "/tree/" + rev][path] = size;
    }
  }
  void hub_file(const std::string& repo, const std::string& revision, const std::string& path, const std::string& bytes) {
    hub_file(repo, revision, path, bytes, bytes.size());
  }

  // An Ollama model: the manifest at /v2/NS/NAME/manifests/TAG and its layers' blobs at
  // /v2/NS/NAME/blobs/sha256:DIGEST, each answered with a 307 to /cdn/DIGEST (as the registry does).
  // The model layer is a GGUF file of `gguf_size` bytes starting with `gguf_head`.
  void ollama_model(const std::string& ns, const std::string& name, const std::string& tag, const std::string& gguf_head,
                    std::uint64_t gguf_size, const std::string& params_json = "", const std::string& projector = "") {
    nlohmann::json layers = nlohmann::json::array();
    auto add = [&](const std::string& media, const std::string& head, std::uint64_t size) {
      const std::string digest = "sha256:" + fake_digest(head + std::to_string(size));
      layers.push_back({{"mediaType", media}, {"digest", digest}, {"size", size}});
      sparse_file("/cdn/" + digest, head, size);
      std::lock_guard<std::mutex> lock(mu_);
      redirects_["/v2/" + ns + "/" + name + "/blobs/" + digest] = "/cdn/" + digest;
    };
    add("application/vnd.ollama.image.model", gguf_head, gguf_size);
    if (!params_json.empty()) add("application/vnd.ollama.image.params", params_json, params_json.size());
    if (!projector.empty()) add("application/vnd.ollama.image.projector", projector, projector.size());
    const nlohmann::json manifest = {{"schemaVersion", 2},
                                     {"mediaType", "application/vnd.docker.distribution.manifest.v2+json"},
                                     {"config", {{"mediaType", "application/vnd.docker.container.image.v1+json"},
                                                 {"digest", "sha256:" + fake_digest("config")}, {"size", 6}}},
                                     {"layers", layers}};
    file("/v2/" + ns + "/" + name + "/manifests/" + tag, manifest.dump());
  }

  // Requests whose path starts with `prefix`, and the body bytes sent for them.
  [[nodiscard]] int requests(const std::string& prefix = "") const {
    std::lock_guard<std::mutex> lock(mu_);
    int n = 0;
    for (const std::string& p : log_) n += p.rfind(prefix, 0) == 0 ? 1 : 0;
    return n;
  }
  [[nodiscard]] std::uint64_t bytes_sent() const { return bytes_sent_; }
  int silence_seconds = 3;

 private:
  static constexpr std::uint64_t kChunk = 1 << 20;  // bytes per write of a response body

  struct File {
    std::string head;
    std::uint64_t size = 0;
    // Bytes [offset, offset + n) of the file.
    [[nodiscard]] std::string slice(std::uint64_t offset, std::uint64_t n) const {
      std::string out(static_cast<std::size_t>(n), '\0');
      if (offset < head.size()) head.copy(out.data(), static_cast<std::size_t>(std::min<std::uint64_t>(n, head.size() - offset)), static_cast<std::size_t>(offset));
      return out;
    }
  };

  // Not a real hash: a stable 64-hex-digit name per content.
  static std::string fake_digest(const std::string& bytes) {
    std::uint64_t h = 1469598103934665603ull;
    for (const unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return std::string(buf) + std::string(buf) + std::string(buf) + std::string(buf);
  }

  void handle(const httplib::Request& req, httplib::Response& res) {
    std::shared_ptr<const File> file;
    Mode m = Mode::normal;
    std::string redirect;
    {
      std::lock_guard<std::mutex> lock(mu_);
      log_.push_back(req.path);
      if (const auto it = modes_.find(req.path); it != modes_.end()) m = it->second;
      if (const auto it = redirects_.find(req.path); it != redirects_.end()) redirect = it->second;
      if (const auto it = files_.find(req.path); it != files_.end()) file = it->second;
      if (const auto it = trees_.find(req.path); it != trees_.end()) {
        nlohmann::json tree = nlohmann::json::array();
        for (const auto& [path, size] : it->second) tree.push_back({{"type", "file"}, {"path", path}, {"size", size}, {"oid", "oid-" + path}});
        const std::string text = tree.dump();
        file = std::make_shared<const File>(File{text, text.size()});
      }
    }
    switch (m) {
      case Mode::redirect_loop:
        res.status = 302;
        res.set_header("Location", req.path);
        return;
      case Mode::html_404:
        res.status = 404;
        res.set_content("<html><body><h1>404 Not Found</h1></body></html>", "text/html");
        return;
      case Mode::silence:
        std::this_thread::sleep_for(std::chrono::seconds(silence_seconds));
        res.status = 503;
        return;
      case Mode::garbage:
        res.status = 200;
        res.set_content("<!doctype html><p>this is not what you asked for</p>", "text/html");
        return;
      case Mode::endless:
        res.status = 200;
        res.set_chunked_content_provider("application/octet-stream", [this](std::size_t, httplib::DataSink& sink) {
          static const std::string chunk(64 << 10, 'x');
          bytes_sent_ += chunk.size();
          return sink.write(chunk.data(), chunk.size());
        });
        return;
      default: break;
    }
    if (!redirect.empty()) {
      res.status = 307;
      res.set_header("Location", url(redirect));
      return;
    }
    if (file == nullptr) {
      res.status = 404;
      res.set_content("{\"error\": \"not found\"}", "application/json");
      return;
    }
    res.set_header("ETag", "\"" + fake_digest(file->head + std::to_string(file->size)).substr(0, 16) + "\"");
    if (m == Mode::ignore_range) {  // 200 and the whole file, in chunks, until the client hangs up
      res.status = 200;
      res.set_chunked_content_provider("application/octet-stream", [this, file](std::size_t offset, httplib::DataSink& sink) {
        if (offset >= file->size) {
          sink.done();
          return true;
        }
        const std::string part = file->slice(offset, std::min<std::uint64_t>(kChunk, file->size - offset));
        bytes_sent_ += part.size();
        return sink.write(part.data(), part.size());
      });
      return;
    }
    if (m == Mode::lying_length) {  // claims twice the bytes, sends the first half of them, then closes
      res.set_content_provider(file->size * 2, "application/octet-stream",
                               [this, file](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                                 if (offset >= file->size) return false;
                                 const std::string part = file->slice(offset, file->size - offset);
                                 bytes_sent_ += part.size();
                                 sink.write(part.data(), part.size());
                                 return true;
                               });
      return;
    }
    // httplib answers a Range with 206 + Content-Range and asks the provider for those bytes only.
    res.set_content_provider(file->size, "application/octet-stream",
                             [this, file](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                               const std::string part = file->slice(offset, std::min<std::uint64_t>(length, kChunk));
                               bytes_sent_ += part.size();
                               return sink.write(part.data(), part.size());
                             });
  }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const File>> files_;
  std::map<std::string, std::map<std::string, std::uint64_t>> trees_;  // listing path -> file -> size
  std::map<std::string, Mode> modes_;
  std::map<std::string, std::string> redirects_;
  std::vector<std::string> log_;
  std::atomic<std::uint64_t> bytes_sent_{0};
};

}  // namespace vramfit::test
