#include "formats/http.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>

#include <curl/curl.h>

#include "base/diagnostics.hpp"

namespace vramfit::io {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return s.substr(i);
}

struct Transfer {
  std::string body;
  std::uint64_t max_body = 0;
  bool overflow = false;
  std::map<std::string, std::string> headers;
  std::size_t header_bytes = 0;
  const HttpOptions* options = nullptr;
  std::string url;
  std::chrono::steady_clock::time_point last_progress{};
  const std::function<bool(const char*, std::size_t)>* on_data = nullptr;
  bool stopped = false;
  // post(): silence measured by hand (curl's low-speed check averages over seconds that include the
  // request's own upload, so a server that reads the request and then says nothing is not caught).
  std::chrono::steady_clock::time_point last_data{};
  long silence_seconds = 0;
  bool silent = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  Transfer& t = *static_cast<Transfer*>(user);
  const std::size_t len = size * n;
  const std::uint64_t room = t.max_body - t.body.size();
  if (len > room) {  // past what was asked for: keep what fits, abort the rest (a Range ignored, an endless body)
    t.body.append(data, static_cast<std::size_t>(room));
    t.overflow = true;
    return 0;
  }
  t.body.append(data, len);
  t.last_data = std::chrono::steady_clock::now();
  if (t.on_data != nullptr && *t.on_data && !(*t.on_data)(data, len)) {
    t.stopped = true;
    return 0;
  }
  if (t.options->progress) {
    const auto now = std::chrono::steady_clock::now();
    if (now - t.last_progress > std::chrono::milliseconds(100)) {
      t.last_progress = now;
      t.options->progress(t.url, t.body.size());
    }
  }
  return len;
}

int on_xferinfo(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  Transfer& t = *static_cast<Transfer*>(user);
  if (t.silence_seconds > 0 && std::chrono::steady_clock::now() - t.last_data > std::chrono::seconds(t.silence_seconds)) {
    t.silent = true;
    return 1;
  }
  return 0;
}

// Header lines; a status line starts a new block (an interim 100 Continue), so only the final
// response's headers remain. Header blocks past 64 KiB are refused (a hostile server's).
std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  Transfer& t = *static_cast<Transfer*>(user);
  const std::size_t len = size * n;
  t.header_bytes += len;
  if (t.header_bytes > (64u << 10)) return 0;
  const std::string line(data, len);
  if (line.rfind("HTTP/", 0) == 0) {
    t.headers.clear();
    return len;
  }
  const std::size_t colon = line.find(':');
  if (colon != std::string::npos) t.headers[lower(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
  return len;
}

void global_init() {
  static const bool done = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }();
  if (!done) throw InputError("cannot initialise libcurl");
}

// "bytes 0-1023/123456" -> 123456
std::optional<std::uint64_t> content_range_total(const std::string& v) {
  const std::size_t slash = v.rfind('/');
  if (slash == std::string::npos || slash + 1 >= v.size()) return std::nullopt;
  std::uint64_t total = 0;
  for (std::size_t i = slash + 1; i < v.size(); ++i) {
    if (v[i] < '0' || v[i] > '9' || total > (std::uint64_t{1} << 60)) return std::nullopt;
    total = total * 10 + static_cast<std::uint64_t>(v[i] - '0');
  }
  return total;
}

[[noreturn]] void fail(const std::string& url, const std::string& why) { throw InputError(url + ": " + why); }

// One line for a failed transfer: what the user can act on (a wrong name, no network, a server that
// sent too much or broke off, a timeout and which one).
[[noreturn]] void fail_transfer(const std::string& url, CURLcode rc, const char* error, const Transfer& t, std::uint64_t max_body,
                                bool ranged, long silence_seconds, long total_seconds,
                                std::chrono::steady_clock::duration elapsed) {
  const std::string detail = error[0] != '\0' ? std::string(error) : std::string(curl_easy_strerror(rc));
  switch (rc) {
    case CURLE_WRITE_ERROR:
      if (t.overflow)
        fail(url, "the server sent more than the " + std::to_string(max_body) + " bytes asked for" +
                      (ranged ? " (it ignored the byte range)" : ""));
      if (t.header_bytes > (64u << 10)) fail(url, "the response headers are larger than 64 KiB");
      fail(url, "read error: " + detail);
    case CURLE_ABORTED_BY_CALLBACK:
      if (t.silent) fail(url, "timed out: no answer for " + std::to_string(silence_seconds) + " s (--timeout)");
      fail(url, detail);
    case CURLE_OPERATION_TIMEDOUT:
      if (total_seconds > 0 && elapsed >= std::chrono::seconds(total_seconds))
        fail(url, "timed out: no complete answer within " + std::to_string(total_seconds) + " s (--timeout)");
      fail(url, "timed out: no answer for " + std::to_string(silence_seconds) + " s (--timeout)");
    case CURLE_COULDNT_RESOLVE_HOST:
      fail(url, "cannot resolve host '" + url_host(url) + "' (no network, or a wrong name)");
    case CURLE_COULDNT_CONNECT:
      fail(url, "cannot connect to " + url_host(url) + " (connection refused, or no network)");
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
      fail(url, "TLS failure: " + detail);
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
      fail(url, "the connection broke off: " + detail);
    default:
      fail(url, detail + " (curl error " + std::to_string(static_cast<int>(rc)) + ")");
  }
}

}  // namespace

std::string HttpResponse::header(const std::string& name) const {
  const auto it = headers.find(lower(name));
  return it == headers.end() ? std::string() : it->second;
}

std::string url_host(const std::string& url) {
  const std::string l = lower(url);
  std::size_t start = 0;
  if (l.rfind("https://", 0) == 0) start = 8;
  else if (l.rfind("http://", 0) == 0) start = 7;
  else return "";
  const std::size_t end = l.find_first_of("/?#", start);
  std::string host = l.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (const std::size_t at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);  // user:pass@
  return host;
}

std::string resolve_location(const std::string& base, const std::string& location) {
  if (!url_host(location).empty()) return location;
  const std::size_t scheme = base.find("://");
  if (scheme == std::string::npos) return location;
  const std::size_t path = base.find('/', scheme + 3);
  const std::string origin = path == std::string::npos ? base : base.substr(0, path);
  if (!location.empty() && location.front() == '/') return origin + location;
  const std::size_t last = base.rfind('/');
  return (last == std::string::npos || last < scheme + 3 ? origin + "/" : base.substr(0, last + 1)) + location;
}

HttpClient::HttpClient(HttpOptions options) : options_(std::move(options)) {
  global_init();
  curl_ = curl_easy_init();
  if (curl_ == nullptr) throw InputError("cannot initialise libcurl");
}

HttpClient::~HttpClient() {
  if (curl_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

namespace {
// What every transfer sets after curl_easy_reset: no signals, http(s) only, no automatic redirects,
// the connect timeout and the silence limit (less than a byte a second for timeout seconds), an
// optional limit on the whole request, and our body / header callbacks on `t`.
void set_transfer_options(CURL* c, long timeout, long total_timeout, Transfer* t, char* error) {
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, timeout);
  if (total_timeout > 0) curl_easy_setopt(c, CURLOPT_TIMEOUT, total_timeout);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, t);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, t);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "vramfit/0.1");
}
}  // namespace

HttpResponse HttpClient::get(const std::string& first_url, std::optional<ByteRange> range, std::uint64_t max_body, bool truncate_ok) {
  CURL* c = static_cast<CURL*>(curl_);
  std::string url = first_url;
  for (int hop = 0;; ++hop) {
    if (url_host(url).empty()) fail(first_url, "not an http or https URL: " + quote_cut(url));
    Transfer t;
    t.max_body = max_body;
    t.options = &options_;
    t.url = url;
    char error[CURL_ERROR_SIZE] = "";
    curl_easy_reset(c);  // keeps the connection cache: one connection per host for the whole question
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    set_transfer_options(c, options_.timeout_seconds, options_.total_timeout_seconds, &t, error);  // redirects by hand, below
    std::string range_text;
    if (range) {
      range_text = std::to_string(range->first) + "-" + std::to_string(range->last);
      curl_easy_setopt(c, CURLOPT_RANGE, range_text.c_str());
    }
    curl_slist* headers = nullptr;
    std::string auth;
    if (!options_.token.empty() && url_host(url) == options_.token_host) {
      auth = "Authorization: Bearer " + options_.token;
      headers = curl_slist_append(headers, auth.c_str());
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    const auto start = std::chrono::steady_clock::now();
    const CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(headers);
    ++requests_;
    bytes_ += t.body.size();
    if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && t.overflow && truncate_ok))
      fail_transfer(url, rc, error, t, max_body, range.has_value(), options_.timeout_seconds, options_.total_timeout_seconds,
                    std::chrono::steady_clock::now() - start);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
      const auto loc = t.headers.find("location");
      if (loc == t.headers.end() || loc->second.empty()) fail(url, "a redirect (" + std::to_string(status) + ") without a Location");
      if (hop >= options_.max_redirects)
        fail(first_url, "too many redirects (more than " + std::to_string(options_.max_redirects) + ")");
      url = resolve_location(url, loc->second);
      continue;
    }
    HttpResponse r;
    r.status = status;
    r.url = url;
    r.headers = std::move(t.headers);
    if (status == 206) {
      r.total_size = content_range_total(r.header("content-range"));
    } else if (status == 200 && !t.overflow) {
      r.total_size = t.body.size();
    } else if (status == 200) {  // cut short on purpose: the whole size is in Content-Length, if anywhere
      const std::string n = r.header("content-length");
      if (!n.empty() && n.size() < 19 && n.find_first_not_of("0123456789") == std::string::npos) r.total_size = std::stoull(n);
    }
    r.body = std::move(t.body);
    return r;
  }
}

HttpResponse HttpClient::post(const std::string& url, const HttpPost& request) {
  CURL* c = static_cast<CURL*>(curl_);
  if (url_host(url).empty()) fail(url, "not an http or https URL: " + quote_cut(url));
  Transfer t;
  t.max_body = request.max_body;
  t.options = &options_;
  t.url = url;
  t.on_data = &request.on_data;
  char error[CURL_ERROR_SIZE] = "";
  curl_easy_reset(c);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  set_transfer_options(c, options_.timeout_seconds, request.total_timeout_seconds, &t, error);
  curl_slist* headers = nullptr;
  const std::string type = "Content-Type: " + request.content_type;
  headers = curl_slist_append(headers, type.c_str());
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip before the body
  std::string auth;
  if (!options_.token.empty() && url_host(url) == options_.token_host) {
    auth = "Authorization: Bearer " + options_.token;
    headers = curl_slist_append(headers, auth.c_str());
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  const auto start = std::chrono::steady_clock::now();
  t.last_data = start;
  t.silence_seconds = options_.timeout_seconds;
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_xferinfo);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  const CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  ++requests_;
  bytes_ += t.body.size();
  if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && t.stopped))
    fail_transfer(url, rc, error, t, request.max_body, false, options_.timeout_seconds, request.total_timeout_seconds,
                  std::chrono::steady_clock::now() - start);
  HttpResponse r;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  r.url = url;
  r.headers = std::move(t.headers);
  r.body = std::move(t.body);
  r.total_size = r.body.size();
  r.stopped = t.stopped;
  return r;
}

}  // namespace vramfit::io
