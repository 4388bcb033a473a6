// formats/http.hpp and formats/remote_file.hpp against the loopback server: ranges, the cap on every
// body, timeouts, redirects, the token that never follows to another host, and every hostile mode of
// fixture_server.hpp, each one line naming the URL.
#include <gtest/gtest.h>

#include "base/diagnostics.hpp"
#include "../hf/hf_test_util.hpp"
#include "fixture_server.hpp"
#include "formats/http.hpp"
#include "formats/remote_file.hpp"

namespace vramfit::io {
namespace {

using test::FixtureServer;

using test::error_of;

TEST(Http, RangesAndTheTotalSize) {
  FixtureServer server;
  server.file("/f.bin", "0123456789abcdef");
  HttpClient http;
  const HttpResponse r = http.get(server.url("/f.bin"), ByteRange{4, 7}, 1 << 20);
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, "4567");
  ASSERT_TRUE(r.total_size.has_value());
  EXPECT_EQ(*r.total_size, 16u);
  const HttpResponse whole = http.get(server.url("/f.bin"), std::nullopt, 1 << 20);
  EXPECT_EQ(whole.status, 200);
  EXPECT_EQ(whole.body, "0123456789abcdef");
  EXPECT_EQ(*whole.total_size, 16u);
  EXPECT_EQ(http.get(server.url("/none"), std::nullopt, 1 << 20).status, 404);
  EXPECT_EQ(http.requests(), 3);
  EXPECT_EQ(http.bytes_received(), 4u + 16u + 22u);  // the 404's JSON body counts too: {"error": "not found"}
}

// A server that ignores Range sends the whole file with a 200: the client stops at what it asked for.
TEST(Http, AServerIgnoringRangeIsCutAtTheCap) {
  FixtureServer server;
  server.sparse_file("/big.gguf", "GGUF", std::uint64_t{8} << 30);  // 8 GiB
  server.mode("/big.gguf", FixtureServer::Mode::ignore_range);
  HttpClient http;
  EXPECT_EQ(error_of([&] { (void)http.get(server.url("/big.gguf"), ByteRange{0, 1023}, 1024); }),
            server.url("/big.gguf") + ": the server sent more than the 1024 bytes asked for (it ignored the byte range)");
  EXPECT_LT(http.bytes_received(), 2048u);
  // A caller that wants a prefix takes it.
  const HttpResponse r = http.get(server.url("/big.gguf"), ByteRange{0, 1023}, 1024, true);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.size(), 1024u);
  EXPECT_EQ(r.body.substr(0, 4), "GGUF");
}

TEST(Http, HostileServersAreOneLineErrors) {
  FixtureServer server;
  server.file("/endless", "");
  server.mode("/endless", FixtureServer::Mode::endless);
  server.mode("/loop", FixtureServer::Mode::redirect_loop);
  server.file("/lying", std::string(1000, 'x'));
  server.mode("/lying", FixtureServer::Mode::lying_length);
  server.mode("/silent", FixtureServer::Mode::silence);
  server.silence_seconds = 3;
  HttpOptions o;
  o.timeout_seconds = 1;
  HttpClient http(o);
  EXPECT_EQ(error_of([&] { (void)http.get(server.url("/endless"), std::nullopt, 1 << 20); }),
            server.url("/endless") + ": the server sent more than the 1048576 bytes asked for");
  EXPECT_EQ(error_of([&] { (void)http.get(server.url("/loop"), std::nullopt, 1 << 20); }),
            server.url("/loop") + ": too many redirects (more than 8)");
  EXPECT_EQ(server.requests("/loop"), 9);
  EXPECT_NE(error_of([&] { (void)http.get(server.url("/lying"), std::nullopt, 1 << 20); }).find(": the connection broke off: "),
            std::string::npos);
  EXPECT_EQ(error_of([&] { (void)http.get(server.url("/silent"), std::nullopt, 1 << 20); }),
            server.url("/silent") + ": timed out: no answer for 1 s (--timeout)");
  EXPECT_EQ(error_of([&] { (void)http.get("http://127.0.0.1:1/x", std::nullopt, 1 << 20); }),
            "http://127.0.0.1:1/x: cannot connect to 127.0.0.1:1 (connection refused, or no network)");
  // https:// to a server speaking plain HTTP: the TLS handshake fails (loopback, no certificate involved).
  std::string https = server.url("/lying");
  https.replace(0, 4, "https");
  EXPECT_EQ(error_of([&] { (void)http.get(https, std::nullopt, 1 << 20); }).rfind(https + ": TLS failure: ", 0), 0u);
  EXPECT_EQ(error_of([&] { (void)http.get("ftp://example.org/x", std::nullopt, 1 << 20); }),
            "ftp://example.org/x: not an http or https URL: 'ftp://example.org/x'");
}

// HF_TOKEN goes to the Hub's host only: a redirect elsewhere (a CDN) never carries it.
TEST(Http, TheTokenStaysWithItsHost) {
  httplib::Server a, b;
  std::string auth_a, auth_b;
  b.Get("/file", [&](const httplib::Request& req, httplib::Response& res) {
    auth_b = req.get_header_value("Authorization");
    res.set_content("data", "text/plain");
  });
  const int port_b = b.bind_to_any_port("127.0.0.1");
  std::thread tb([&] { b.listen_after_bind(); });
  a.Get("/file", [&](const httplib::Request& req, httplib::Response& res) {
    auth_a = req.get_header_value("Authorization");
    res.status = 302;
    res.set_header("Location", "http://127.0.0.1:" + std::to_string(port_b) + "/file");
  });
  const int port_a = a.bind_to_any_port("127.0.0.1");
  std::thread ta([&] { a.listen_after_bind(); });
  FixtureServer::wait_until_running(a);
  FixtureServer::wait_until_running(b);
  HttpOptions o;
  o.token = "hf_secret";
  o.token_host = "127.0.0.1:" + std::to_string(port_a);
  HttpResponse r;
  {
    HttpClient http(o);  // closed before the servers stop (they wait for kept-alive connections)
    r = http.get("http://127.0.0.1:" + std::to_string(port_a) + "/file", std::nullopt, 100);
  }
  a.stop();
  b.stop();
  ta.join();
  tb.join();
  EXPECT_EQ(r.body, "data");
  EXPECT_EQ(auth_a, "Bearer hf_secret");
  EXPECT_EQ(auth_b, "");  // another port is another host: 127.0.0.1:B is not 127.0.0.1:A
}

TEST(Http, LocationsResolveAgainstTheirUrl) {
  EXPECT_EQ(resolve_location("http://h:1/a/b?x", "/c"), "http://h:1/c");
  EXPECT_EQ(resolve_location("http://h:1/a/b", "c"), "http://h:1/a/c");
  EXPECT_EQ(resolve_location("http://h:1/a/b", "https://cdn/x"), "https://cdn/x");
  EXPECT_EQ(url_host("https://User@Hub.example:8443/x"), "hub.example:8443");
  EXPECT_EQ(url_host("file:///etc/passwd"), "");
}

// A RemoteFile reads a growing prefix: reading near the end of a 3 MiB header costs a first request of
// 1 MiB and a second up to the bytes asked for (at least doubling the prefix), never the file's 8 GiB;
// a second question answers from the cache.
TEST(RemoteFile, GrowsItsPrefixAndKeepsItInTheCache) {
  FixtureServer server;
  std::string head(3 << 20, 'h');
  server.sparse_file("/m.gguf", head, std::uint64_t{8} << 30);
  const std::string cache = ::testing::TempDir() + "vramfit-remote-cache-" + std::to_string(::getpid());
  RemoteOptions o;
  o.cache_dir = cache;
  {
    Fetcher fetcher(o);
    RemoteFile f(fetcher, server.url("/m.gguf"), std::uint64_t{64} << 20, true);
    EXPECT_EQ(f.size(), std::uint64_t{8} << 30);
    std::string buf(16, '\0');
    EXPECT_EQ(f.read_at((3 << 20) - 8, buf.data(), 16), 16u);
    EXPECT_EQ(buf, std::string(8, 'h') + std::string(8, '\0'));
    EXPECT_EQ(fetcher.requests(), 2);  // [0, 1 MiB), then [1 MiB, 3 MiB + 8)
    EXPECT_EQ(fetcher.bytes_received(), (std::uint64_t{3} << 20) + 8);
  }
  {
    Fetcher fetcher(o);
    RemoteFile f(fetcher, server.url("/m.gguf"), std::uint64_t{64} << 20, true);
    std::string buf(4, '\0');
    EXPECT_EQ(f.read_at(0, buf.data(), 4), 4u);
    EXPECT_EQ(fetcher.requests(), 0);  // pinned: the cache alone
  }
  {
    o.offline = true;
    Fetcher fetcher(o);
    RemoteFile f(fetcher, server.url("/m.gguf"), std::uint64_t{64} << 20, false);
    EXPECT_EQ(f.size(), std::uint64_t{8} << 30);
    EXPECT_EQ(fetcher.requests(), 0);
    RemoteFile other(fetcher, server.url("/other.gguf"), std::uint64_t{64} << 20, false);
    EXPECT_EQ(error_of([&] { (void)other.size(); }),
              server.url("/other.gguf") + ": not in the cache, and --offline is set (VRAMFIT_OFFLINE, HF_HUB_OFFLINE)");
  }
  std::filesystem::remove_all(cache);
}

TEST(RemoteFile, AHeaderPastItsBudgetStops) {
  FixtureServer server;
  server.sparse_file("/huge.gguf", std::string(4 << 20, 'h'), std::uint64_t{1} << 40);
  Fetcher fetcher({});
  RemoteFile f(fetcher, server.url("/huge.gguf"), std::uint64_t{2} << 20, true);
  std::string buf(8, '\0');
  EXPECT_EQ(error_of([&] { (void)f.read_at((3 << 20), buf.data(), 8); }),
            server.url("/huge.gguf") + ": the header is larger than the 2 MiB read budget of a remote file");
  EXPECT_LE(fetcher.bytes_received(), std::uint64_t{2} << 20);
}

}  // namespace
}  // namespace vramfit::io
