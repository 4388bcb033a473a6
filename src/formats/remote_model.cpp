#include "formats/remote_model.hpp"

#include <algorithm>
#include <cctype>
#include <memory>
#include <vector>

#include "base/diagnostics.hpp"
#include "formats/gguf_reader.hpp"

namespace vramfit::io {
namespace {

bool starts_with_ci(const std::string& s, const std::string& prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

bool ends_with_ci(const std::string& s, const std::string& tail) {
  if (s.size() < tail.size()) return false;
  for (std::size_t i = 0; i < tail.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[s.size() - tail.size() + i])) != tail[i]) return false;
  return true;
}

// A Hub organisation or repository name: letters, digits, '-', '_', '.', at most 96 (the Hub's limit).
bool hub_name(const std::string& s) {
  if (s.empty() || s.size() > 96 || s == "." || s == "..") return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'; });
}

// An Ollama name or namespace: lower case letters, digits, '-', '_', '.'.
bool ollama_name(const std::string& s) {
  if (s.empty() || s.size() > 96) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'; });
}

bool word(const std::string& s, std::size_t max) {
  if (s.empty() || s.size() > max) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'; });
}

[[noreturn]] void bad(const std::string& text, const std::string& why) { throw InputError(quote_cut(text) + ": " + why); }

// "ORG/REPO[@REV]" -> repo, revision.
bool split_repo(const std::string& s, RemoteRef& r) {
  std::string repo = s;
  if (const std::size_t at = s.find('@'); at != std::string::npos) {
    repo = s.substr(0, at);
    r.revision = s.substr(at + 1);
    if (r.revision.empty() || r.revision.size() > 256 ||
        !std::all_of(r.revision.begin(), r.revision.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '/'; }))
      return false;
  }
  const std::size_t slash = repo.find('/');
  if (slash == std::string::npos || repo.find('/', slash + 1) != std::string::npos) return false;
  if (!hub_name(repo.substr(0, slash)) || !hub_name(repo.substr(slash + 1))) return false;
  r.repo = repo;
  if (r.revision.empty()) r.revision = "main";
  return true;
}

// "[NS/]NAME:TAG" -> ollama.
bool split_ollama(const std::string& s, RemoteRef& r) {
  const std::size_t colon = s.rfind(':');
  if (colon == std::string::npos) return false;
  std::string path = s.substr(0, colon);
  r.tag = s.substr(colon + 1);
  const std::size_t slash = path.find('/');
  r.ns = slash == std::string::npos ? "library" : path.substr(0, slash);
  r.name = slash == std::string::npos ? path : path.substr(slash + 1);
  return ollama_name(r.ns) && ollama_name(r.name) && word(r.tag, 128);
}

}  // namespace

std::optional<RemoteRef> parse_remote_ref(const std::string& text) {
  RemoteRef r;
  r.text = text;
  if (text.find("://") != std::string::npos && !starts_with_ci(text, "http://") && !starts_with_ci(text, "https://"))
    bad(text, "vramfit reads models over http and https only");
  if (starts_with_ci(text, "http://") || starts_with_ci(text, "https://")) {
    const std::string host = url_host(text);
    const std::size_t slash = text.find('/', text.find("://") + 3);
    std::string path = slash == std::string::npos ? std::string("/") : text.substr(slash);
    if (const std::size_t q = path.find_first_of("?#"); q != std::string::npos) path = path.substr(0, q);
    if (ends_with_ci(path, ".gguf")) {
      r.kind = RemoteRef::Kind::gguf_url;
      r.url = text;
      return r;
    }
    if (host == "huggingface.co" || host == "hf.co" || host == "www.huggingface.co") {
      std::string rest = path.substr(1);
      if (const std::size_t tree = rest.find("/tree/"); tree != std::string::npos) rest = rest.substr(0, tree) + "@" + rest.substr(tree + 6);
      while (!rest.empty() && rest.back() == '/') rest.pop_back();
      if (!split_repo(rest, r)) bad(text, "not a Hugging Face repository URL (https://huggingface.co/ORG/REPO)");
      r.kind = RemoteRef::Kind::hf_repo;
      return r;
    }
    if (host == "ollama.com" || host == "www.ollama.com" || host == "registry.ollama.ai") {
      std::string rest = path.substr(1);
      if (rest.rfind("library/", 0) == 0) rest = rest.substr(8);
      if (rest.find(':') == std::string::npos) rest += ":latest";
      if (!split_ollama(rest, r)) bad(text, "not an Ollama model URL (https://ollama.com/library/NAME:TAG)");
      r.kind = RemoteRef::Kind::ollama;
      return r;
    }
    bad(text, "vramfit reads GGUF files (URL ending in .gguf), Hugging Face repositories and ollama.com models");
  }
  for (const char* prefix : {"hf.co/", "huggingface.co/"}) {
    if (!starts_with_ci(text, prefix)) continue;
    std::string rest = text.substr(std::string(prefix).size());
    const std::size_t colon = rest.find(':');
    if (colon != std::string::npos) {
      r.quant = rest.substr(colon + 1);
      rest = rest.substr(0, colon);
      if (!word(r.quant, 64)) bad(text, "the quantization after ':' must be a word like Q4_K_M");
    }
    if (!split_repo(rest, r)) bad(text, std::string("not a Hugging Face reference (") + prefix + "ORG/REPO[:QUANT])");
    r.kind = r.quant.empty() ? RemoteRef::Kind::hf_repo : RemoteRef::Kind::hf_gguf;
    return r;
  }
  for (const char* prefix : {"ollama.com/library/", "ollama.com/", "registry.ollama.ai/library/", "registry.ollama.ai/"}) {
    if (!starts_with_ci(text, prefix)) continue;
    std::string rest = text.substr(std::string(prefix).size());
    if (rest.find(':') == std::string::npos) rest += ":latest";
    if (!split_ollama(rest, r)) bad(text, "not an Ollama reference (ollama.com/library/NAME:TAG)");
    r.kind = RemoteRef::Kind::ollama;
    return r;
  }
  const std::size_t colon = text.find(':');
  if (colon != std::string::npos) {
    // NAME:TAG and NS/NAME:TAG are Ollama's (names are lower case); ORG/REPO:QUANT with capitals, or a
    // repository named like its GGUF files, is llama.cpp's -hf spelling of a Hub GGUF.
    if (split_ollama(text, r) && r.name.find("gguf") == std::string::npos) {
      r.kind = RemoteRef::Kind::ollama;
      return r;
    }
    RemoteRef h;
    h.text = text;
    h.quant = text.substr(colon + 1);
    if (split_repo(text.substr(0, colon), h) && word(h.quant, 64)) {
      h.kind = RemoteRef::Kind::hf_gguf;
      return h;
    }
    return std::nullopt;
  }
  if (std::count(text.begin(), text.end(), '/') == 1 && split_repo(text, r)) {
    r.kind = RemoteRef::Kind::hf_repo;
    return r;
  }
  return std::nullopt;
}

ModelFile read_gguf_url(Fetcher& fetcher, const std::string& url, const std::string& mmproj_url, bool immutable) {
  std::vector<std::string> files;
  auto open = [&](const std::string& part) -> std::unique_ptr<ByteSource> {
    files.push_back(part);
    return std::make_unique<RemoteFile>(fetcher, part, kMaxRemoteGgufHeader, immutable);
  };
  std::unique_ptr<ByteSource> first = open(url);
  const gguf::Header model = gguf::read_model(*first, open);
  ModelFile f;
  if (mmproj_url.empty()) {
    f = gguf_model_file(model, nullptr);
  } else {
    std::unique_ptr<ByteSource> projector_file = open(mmproj_url);
    const gguf::Header projector = gguf::read_model(*projector_file, open);
    f = gguf_model_file(model, &projector);
  }
  f.remote = RemoteSource{};
  f.remote->files = files;
  return f;
}

ModelFile read_remote_model(Fetcher& fetcher, const RemoteRef& ref, const std::string& quant, const std::string& mmproj) {
  const std::uint64_t bytes_before = fetcher.bytes_received();
  const int requests_before = fetcher.requests();
  ModelFile f;
  switch (ref.kind) {
    case RemoteRef::Kind::gguf_url:
      f = read_gguf_url(fetcher, ref.url, mmproj, false);
      f.remote->kind = "gguf_url";
      f.remote->url = ref.url;
      break;
    case RemoteRef::Kind::hf_repo:
    case RemoteRef::Kind::hf_gguf:
      f = read_hf_repo(fetcher, ref, quant, mmproj);
      break;
    case RemoteRef::Kind::ollama:
      f = read_ollama_model(fetcher, ref, mmproj);
      break;
  }
  if (!f.remote) f.remote = RemoteSource{};
  f.remote->reference = ref.text;
  f.remote->bytes_fetched = fetcher.bytes_received() - bytes_before;
  f.remote->requests = fetcher.requests() - requests_before;
  f.remote->cached = f.remote->requests == 0;
  return f;
}

}  // namespace vramfit::io
