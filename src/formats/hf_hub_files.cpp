// hf_hub.hpp: a repository's file listing, and the quantization a GGUF file name says.
#include <algorithm>
#include <cctype>

#include "base/diagnostics.hpp"
#include "formats/hf_hub.hpp"
#include "formats/hf_json.hpp"
#include "formats/http.hpp"

namespace vramfit::io::hub {
namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool ends_with_ci(std::string_view s, std::string_view tail) {
  if (s.size() < tail.size()) return false;
  for (std::size_t i = 0; i < tail.size(); ++i)
    if (lower(s[s.size() - tail.size() + i]) != lower(tail[i])) return false;
  return true;
}

std::string_view file_name(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// A path that names a file inside the repository: relative, no "." or ".." segment, no empty
// segment, no backslash or control byte (the Hub allows none of them; a listing that does is not
// followed into other URLs of the host).
bool repository_path(std::string_view p) {
  if (p.empty() || p.size() > 1024 || p.front() == '/' || p.back() == '/') return false;
  if (std::any_of(p.begin(), p.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == '\\' || c == 0x7f; })) return false;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= p.size(); ++i)
    if (i == p.size() || p[i] == '/') {
      const std::string_view seg = p.substr(start, i - start);
      if (seg.empty() || seg == "." || seg == "..") return false;
      start = i + 1;
    }
  return true;
}

// A word that spells a quantization: Q4_K_M, IQ3_XXS, TQ1_0, Q8_0, F16, BF16, MXFP4_MOE ...
bool quant_word(std::string_view w) {
  std::string u;
  for (char c : w) u += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto digit_at = [&](std::size_t i) { return u.size() > i && std::isdigit(static_cast<unsigned char>(u[i])); };
  if (u[0] == 'Q' && digit_at(1)) return true;
  if ((u.rfind("IQ", 0) == 0 || u.rfind("TQ", 0) == 0) && digit_at(2)) return true;
  return u == "F16" || u == "F32" || u == "BF16" || u == "FP16" || u == "FP32" || u == "FP8" || u.rfind("MXFP4", 0) == 0;
}

}  // namespace

std::vector<HubFile> parse_listing(std::string_view text, const std::string& label, const std::string& endpoint) {
  const std::string why = ": the file listing is not JSON (a Hub endpoint? HF_ENDPOINT=" + endpoint + ")";
  hf::Json j;
  try {
    j = hf::parse_json(text, label);
  } catch (const InputError&) {
    throw InputError(label + why);
  }
  if (!j.is_array()) throw InputError(label + why);
  std::vector<HubFile> out;
  for (const hf::Json& e : j) {
    if (!e.is_object()) throw InputError(label + why);
    const auto type = e.find("type");
    if (type != e.end() && (!type->is_string() || type->get<std::string>() != "file")) continue;  // a directory
    const auto path = e.find("path");
    if (path == e.end() || !path->is_string() || !repository_path(path->get<std::string>())) continue;
    HubFile f;
    f.path = path->get<std::string>();
    if (const auto size = e.find("size"); size != e.end() && size->is_number_unsigned()) f.size = size->get<std::uint64_t>();
    if (const auto oid = e.find("oid"); oid != e.end() && oid->is_string()) f.oid = oid->get<std::string>();
    if (const auto lfs = e.find("lfs"); lfs != e.end() && lfs->is_object())
      if (const auto oid = lfs->find("oid"); oid != lfs->end() && oid->is_string()) f.lfs_oid = oid->get<std::string>();
    out.push_back(std::move(f));
  }
  return out;
}

std::string listing_json(const std::vector<HubFile>& files) {
  hf::Json j = hf::Json::array();
  for (const HubFile& f : files) {
    hf::Json e = {{"type", "file"}, {"path", f.path}, {"size", f.size}, {"oid", f.oid}};
    if (!f.lfs_oid.empty()) e["lfs"] = {{"oid", f.lfs_oid}};
    j.push_back(std::move(e));
  }
  return j.dump();
}

std::string next_page(const std::string& link, const std::string& url) {
  // Link: <https://huggingface.co/api/models/x/tree/main?recursive=true&cursor=...>; rel="next"
  std::size_t start = 0;
  while (start < link.size()) {
    std::size_t end = link.find(',', start);
    if (end == std::string::npos) end = link.size();
    const std::string part = link.substr(start, end - start);
    const std::size_t open = part.find('<'), close = part.find('>');
    if (open != std::string::npos && close != std::string::npos && close > open &&
        (part.find("rel=\"next\"", close) != std::string::npos || part.find("rel=next", close) != std::string::npos))
      return resolve_location(url, part.substr(open + 1, close - open - 1));
    start = end + 1;
  }
  return "";
}

std::string url_encode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~' || (keep_slash && c == '/')) out += c;
    else out += {'%', kHex[u >> 4], kHex[u & 15]};
  }
  return out;
}

bool is_gguf(std::string_view path) { return ends_with_ci(path, ".gguf"); }

bool is_projector(std::string_view path) {
  std::string name(file_name(path));
  for (char& c : name) c = lower(c);
  return name.find("mmproj") != std::string::npos;
}

int split_part(std::string_view path) {
  // PREFIX-%05d-of-%05d.gguf (llama.cpp llama_split_path)
  constexpr std::size_t kSuffix = 21;  // "-00001-of-00003.gguf" is 20, plus the prefix's last byte
  if (!is_gguf(path) || path.size() < kSuffix) return 0;
  const std::string_view s = path.substr(path.size() - 20, 15);  // -NNNNN-of-MMMMM
  auto digits = [](std::string_view d) { return std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; }); };
  if (s[0] != '-' || !digits(s.substr(1, 5)) || s.substr(6, 4) != "-of-" || !digits(s.substr(10, 5))) return 0;
  return std::stoi(std::string(s.substr(1, 5)));
}

bool names_quant(std::string_view path, std::string_view quant) {
  if (quant.empty()) return false;
  auto word_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (std::size_t i = 0; i + quant.size() <= path.size(); ++i) {
    if (i > 0 && word_char(path[i - 1])) continue;
    const std::size_t end = i + quant.size();
    if (end < path.size() && word_char(path[end])) continue;
    bool same = true;
    for (std::size_t k = 0; k < quant.size() && same; ++k) same = lower(path[i + k]) == lower(quant[k]);
    if (same) return true;
  }
  return false;
}

std::string quant_of(std::string_view path) {
  // Words split at '-', '.' and '/' ('_' belongs to the quantization's name); the last one that
  // spells a quantization wins (a model named "Qwen3" is no Q3), with unsloth's "UD-" before it.
  std::vector<std::string_view> words;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= path.size(); ++i)
    if (i == path.size() || path[i] == '-' || path[i] == '.' || path[i] == '/') {
      if (i > start) words.push_back(path.substr(start, i - start));
      start = i + 1;
    }
  for (std::size_t k = words.size(); k-- > 0;) {
    if (!quant_word(words[k])) continue;
    std::string q(words[k]);
    if (k > 0 && words[k - 1].size() == 2 && lower(words[k - 1][0]) == 'u' && lower(words[k - 1][1]) == 'd') q = std::string(words[k - 1]) + "-" + q;
    return q;
  }
  return "";
}

}  // namespace vramfit::io::hub
