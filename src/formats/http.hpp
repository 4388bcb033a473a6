// The one HTTP client (libcurl): GET with an optional byte range, a hard cap on what a response may
// bring, timeouts for connecting and for silence, redirects followed by hand (so that a token never
// follows a redirect to another host), one connection kept alive across the requests of a question.
// Every failure is an InputError naming the URL and what went wrong, in one line.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace vramfit::io {

struct HttpOptions {
  long timeout_seconds = 30;  // to connect, and of silence (no byte received) once connected
  // get(): a request as a whole, however the server trickles its bytes; 0: no limit beyond silence
  // (remote models: a large header on a slow link). bench sets it (a hostile server's trickle).
  long total_timeout_seconds = 0;
  int max_redirects = 8;
  // Authorization: Bearer TOKEN, sent to this host only (HF_TOKEN to HF_ENDPOINT's host).
  std::string token_host;
  std::string token;
  // Told the URL and the bytes received so far, at most every ~100 ms (a front end's progress line).
  std::function<void(const std::string& url, std::uint64_t bytes)> progress;
};

struct HttpResponse {
  long status = 0;
  std::string url;   // after redirects
  std::string body;  // at most the request's max_body bytes
  std::map<std::string, std::string> headers;  // of the final response, names lower-case
  // The total size of the resource: Content-Range's "/TOTAL" for a 206, the body's size for a whole 200;
  // nullopt when the server did not say.
  std::optional<std::uint64_t> total_size;
  bool stopped = false;  // a post()'s on_data asked to stop reading
  [[nodiscard]] std::string header(const std::string& name) const;
};

// A POST (the bench's generation requests): a body sent, the answer read as it arrives.
struct HttpPost {
  std::string body;
  std::string content_type = "application/json";
  std::uint64_t max_body = 0;     // the answer may bring at most this many bytes (an error past it)
  long total_timeout_seconds = 0;  // the whole request, answer included; 0: no limit beyond silence
  // Told each piece of the answer's body as it arrives (a server-sent event stream is read while it
  // streams); false stops the transfer, which then returns what arrived (`stopped`).
  std::function<bool(const char* data, std::size_t size)> on_data;
};

struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive, as HTTP counts
};

class HttpClient {
 public:
  explicit HttpClient(HttpOptions options = {});
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  ~HttpClient();

  // GET `url`. `range`: ask for those bytes only (a server may ignore it and send a 200: the body is
  // then read only up to `max_body`, and the transfer aborted past it). A response larger than
  // `max_body` is an error unless `truncate_ok` (the caller wanted a prefix). Statuses other than
  // 200/206 are returned, not thrown: callers word 404 and 401 for what they asked.
  HttpResponse get(const std::string& url, std::optional<ByteRange> range, std::uint64_t max_body, bool truncate_ok = false);

  // POST `request.body` to `url`. Redirects are not followed (a generation request is not resent);
  // statuses are returned, not thrown, as for get().
  HttpResponse post(const std::string& url, const HttpPost& request);

  [[nodiscard]] std::uint64_t bytes_received() const { return bytes_; }
  [[nodiscard]] int requests() const { return requests_; }

 private:
  HttpOptions options_;
  void* curl_ = nullptr;  // CURL*, kept for its connection cache
  std::uint64_t bytes_ = 0;
  int requests_ = 0;
};

// "https://host:port/path" -> "host:port" (lower case); "" when the text is no http(s) URL.
std::string url_host(const std::string& url);
// A Location header against the URL it came from: absolute, or resolved as a path on the same host.
std::string resolve_location(const std::string& base, const std::string& location);

}  // namespace vramfit::io
