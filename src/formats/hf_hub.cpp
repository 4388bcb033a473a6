// A Hugging Face repository, header bytes only (issue 18): its file listing, then config.json, the
// safetensors index and each shard's header (two Range reads at most: 1 MiB, then the rest of the
// header), or the header of the GGUF file of one quantization. The model is assembled by the local
// readers (hf_model, gguf_model_file), so a repository gives the same estimate as its clone.
//
// Cache (formats/remote_file.hpp): at a commit (40 hex digits) everything is taken from the cache
// without a request; at a branch the listing is asked for again, and a file whose listed oid and
// size are those it had when it was cached is taken from the cache.
#include "formats/hf_hub.hpp"

#include <algorithm>
#include <memory>

#include <fmt/format.h>

#include "base/diagnostics.hpp"
#include "base/input_file.hpp"
#include "base/suggest.hpp"
#include "formats/gguf_reader.hpp"
#include "formats/hf_config.hpp"
#include "formats/hf_json.hpp"
#include "formats/remote_model.hpp"
#include "formats/safetensors.hpp"
#include "vramfit/quant.hpp"

namespace vramfit::io {
namespace {

using hub::HubFile;

constexpr std::uint64_t kMaxListingPage = std::uint64_t{32} << 20;  // a page lists 1000 files: ~300 KiB
constexpr int kMaxListingPages = 100;

bool is_commit(const std::string& rev) {
  return rev.size() == 40 && std::all_of(rev.begin(), rev.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string join(const std::vector<std::string>& v, std::size_t max = 12) {
  std::string out;
  for (std::size_t i = 0; i < v.size() && i < max; ++i) out += (i ? ", " : "") + v[i];
  return v.size() > max ? out + fmt::format(" and {} more", v.size() - max) : out;
}

// One repository at one revision: its listing, and what was read from it.
class Hub {
 public:
  Hub(Fetcher& fetcher, const RemoteRef& ref)
      : fetcher_(fetcher), ref_(ref), endpoint_(fetcher.options().hf_endpoint), pinned_(is_commit(ref.revision)) {
    // The reference without its ":QUANT", which the messages quote separately.
    label_ = ref.text;
    if (ref.kind == RemoteRef::Kind::hf_gguf && label_.size() > ref.quant.size() + 1) label_.resize(label_.size() - ref.quant.size() - 1);
    files_ = list();
  }

  [[nodiscard]] const std::string& label() const { return label_; }
  [[nodiscard]] const std::vector<HubFile>& files() const { return files_; }
  [[nodiscard]] std::vector<std::string>& read() { return read_; }
  [[nodiscard]] std::string url(const std::string& path) const {
    return endpoint_ + "/" + ref_.repo + "/resolve/" + hub::url_encode(ref_.revision, false) + "/" + hub::url_encode(path, true);
  }
  [[nodiscard]] const HubFile* find(const std::string& path) const {
    for (const HubFile& f : files_)
      if (f.path == path) return &f;
    return nullptr;
  }
  [[nodiscard]] const HubFile* find_url(const std::string& url) const {
    for (const HubFile& f : files_)
      if (this->url(f.path) == url) return &f;
    return nullptr;
  }

  // A small file (config.json, the index), whole.
  std::string document(const HubFile& f, std::uint64_t max_bytes) {
    const std::string u = url(f.path);
    const std::optional<std::string> body = fetcher_.document(u, max_bytes, fresh(f), f.path + " of " + label_);
    if (!body) throw InputError(u + ": not found (HTTP 404), though the repository's file listing names it");
    read_.push_back(u);
    record(f);
    return *body;
  }

  // A file read as a growing prefix; record() it once the file is closed (its bytes are then cached).
  std::unique_ptr<RemoteFile> open(const HubFile& f, std::uint64_t budget, std::uint64_t first_read = RemoteFile::kFirstRead) {
    read_.push_back(url(f.path));
    return std::make_unique<RemoteFile>(fetcher_, url(f.path), budget, fresh(f), first_read);
  }

  // Notes that the cache now holds this version of the file (at a branch; a commit never changes).
  void record(const HubFile& f) const {
    if (!pinned_) fetcher_.store("hub version " + url(f.path), {f.version(), f.version().size(), ""});
  }

 private:
  [[nodiscard]] bool fresh(const HubFile& f) const {
    if (pinned_) return true;
    const std::optional<CachedBytes> v = fetcher_.cached("hub version " + url(f.path));
    return v && v->body == f.version();
  }

  std::vector<HubFile> list() {
    const std::string first = endpoint_ + "/api/models/" + ref_.repo + "/tree/" + hub::url_encode(ref_.revision, false) + "?recursive=true";
    const std::string key = "hub listing " + first;
    if (const std::optional<CachedBytes> hit = fetcher_.cached(key); hit && (pinned_ || fetcher_.options().offline)) {
      try {
        return hub::parse_listing(hit->body, label_, endpoint_);
      } catch (const InputError&) {  // a damaged entry is a miss
      }
    }
    fetcher_.need_network(label_);
    std::vector<HubFile> files;
    std::string page = first;
    for (int n = 0; !page.empty(); ++n) {
      if (n == kMaxListingPages) throw InputError(label_ + fmt::format(": the file listing has more than {} pages", kMaxListingPages));
      const HttpResponse r = fetcher_.http().get(page, std::nullopt, kMaxListingPage);
      check(r);
      std::vector<HubFile> more = hub::parse_listing(r.body, label_, endpoint_);
      files.insert(files.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
      page = hub::next_page(r.header("link"), page);
      if (!page.empty() && url_host(page) != url_host(endpoint_))
        throw InputError(label_ + ": the file listing's next page is on another host (" + url_host(page) + ")");
    }
    const std::string text = hub::listing_json(files);
    fetcher_.store(key, {text, text.size(), ""});
    return files;
  }

  // The Hub says what is missing in X-Error-Code (huggingface_hub utils/_http.py): RepoNotFound (a
  // 401 without a token, as for a private repository), RevisionNotFound, GatedRepo.
  void check(const HttpResponse& r) const {
    if (r.status == 200) return;
    const std::string code = r.header("x-error-code");
    const std::string rev = quote_cut(ref_.revision);
    if (code == "RevisionNotFound") throw RemoteNotFound(label_ + ": the repository has no revision " + rev + " on " + endpoint_);
    const bool no_token = fetcher_.options().hf_token.empty();
    if (r.status == 404 || code == "RepoNotFound")
      throw RemoteNotFound(label_ + ": no such repository on " + endpoint_ + " (or no revision " + rev + ")" +
                           (r.status == 401 && no_token ? "; a private one needs HF_TOKEN" : ""));
    if (r.status == 401 || r.status == 403)
      throw InputError(label_ + fmt::format(": access denied (HTTP {}) to the file listing: ", r.status) +
                       (no_token ? "a gated or private repository; set HF_TOKEN to a token that may read it"
                                 : "HF_TOKEN may not read this repository (gated: accept its terms first)"));
    throw InputError(label_ + fmt::format(": HTTP {} for the file listing ({})", r.status, r.url));
  }

  Fetcher& fetcher_;
  const RemoteRef& ref_;
  std::string endpoint_;
  bool pinned_;
  std::string label_;
  std::vector<HubFile> files_;
  std::vector<std::string> read_;
};

void fill_remote(ModelFile& f, Hub& hub, const RemoteRef& ref, const Fetcher& fetcher) {
  f.path = ref.text;
  f.remote = RemoteSource{};
  f.remote->kind = "huggingface";
  f.remote->url = fetcher.options().hf_endpoint + "/" + ref.repo;
  f.remote->revision = ref.revision;
  f.remote->files = hub.read();
}

// config.json and the safetensors headers, as read_hf_model reads a local directory (safetensors_files).
ModelFile read_safetensors_repo(Fetcher& fetcher, Hub& hub, const RemoteRef& ref) {
  const HubFile* config = hub.find("config.json");
  if (config == nullptr) throw InputError(hub.label() + ": safetensors but no config.json: the architecture is unknown");
  const std::string config_url = hub.url(config->path);
  const std::string config_text = hub.document(*config, hf::kMaxConfigBytes);
  hf::HfConfig cfg = hf::parse_hf_config(std::string_view(config_text), config_url);

  std::vector<const HubFile*> shards;
  if (const HubFile* index = hub.find("model.safetensors.index.json")) {
    const std::string index_url = hub.url(index->path);
    for (const std::string& s : hf::safetensors_index_shards(hub.document(*index, hf::kMaxIndexBytes), index_url)) {
      const HubFile* f = hub.find(s);
      if (f == nullptr) hf::fail(index_url, "shard '" + s + "' is missing");
      shards.push_back(f);
    }
  } else {
    std::vector<const HubFile*> model, other;
    for (const HubFile& f : hub.files()) {
      const std::string& name = f.path;  // the top level only, as a local directory is read
      if (name.find('/') != std::string::npos || name.size() <= 12 || name.substr(name.size() - 12) != ".safetensors") continue;
      if (name.rfind("model", 0) == 0) model.push_back(&f);
      else if (name.rfind("consolidated", 0) != 0) other.push_back(&f);  // Mistral's duplicate
    }
    shards = model.empty() ? other : model;
    std::sort(shards.begin(), shards.end(), [](const HubFile* a, const HubFile* b) { return a->path < b->path; });
    if (shards.size() > hf::kMaxShards) hf::fail(hub.label(), fmt::format("more than {} safetensors files", hf::kMaxShards));
  }
  std::vector<hf::SafetensorsHeader> headers;
  for (const HubFile* s : shards) {
    {
      // Most safetensors headers are under 64 KiB: one request each; a larger one takes a second.
      const std::unique_ptr<RemoteFile> file = hub.open(*s, hf::kMaxHeaderBytes + 8, std::uint64_t{64} << 10);
      headers.push_back(hf::read_safetensors_header(*file));
    }  // closed: its prefix is in the cache
    hub.record(*s);
  }
  hf::HfModel hm = hf::hf_model(std::move(cfg), config_url, headers);

  // As a local directory becomes a model file (engine/session.cpp): the id is the repository's name.
  ModelFile f;
  f.format = hm.tensors.empty() ? "config.json" : "safetensors";
  f.model.spec = std::move(hm.spec);
  f.model.spec.id = ref.repo.substr(ref.repo.find('/') + 1);
  if (f.model.spec.name.empty()) f.model.spec.name = f.model.spec.id;
  f.model.meta.source = {hm.source_path};
  f.tensors = std::move(hm.tensors);
  f.mix_id = hm.mix_id;
  f.notes = std::move(hm.notes);
  f.stored_as = f.tensors.empty() ? hm.mix_id : fmt::format("{} ({} safetensors tensors)", hm.mix_id, f.tensors.size());
  f.facts = {{"format", f.format}, {"repository", ref.repo}, {"revision", ref.revision}, {"config", hm.source_path}, {"quantization", hm.mix_id}};
  fill_remote(f, hub, ref, fetcher);
  return f;
}

// The GGUF file of one quantization (whole, or part 1 of a split model), and the projector.
ModelFile read_gguf_repo(Fetcher& fetcher, Hub& hub, const RemoteRef& ref, const std::string& quant, const std::string& mmproj) {
  std::vector<const HubFile*> models, projectors;
  bool safetensors = false;
  for (const HubFile& f : hub.files()) {
    safetensors |= f.path.size() > 12 && f.path.substr(f.path.size() - 12) == ".safetensors";
    if (!hub::is_gguf(f.path)) continue;
    if (hub::is_projector(f.path)) projectors.push_back(&f);
    else if (hub::split_part(f.path) <= 1) models.push_back(&f);
  }
  if (models.empty())
    throw InputError(hub.label() + ": no GGUF model file in the repository" +
                     (safetensors ? " (it holds safetensors: name it as " + ref.repo + " without :QUANT)" : ""));
  std::vector<std::string> available;
  for (const HubFile* f : models) {
    const std::string q = hub::quant_of(f->path);
    available.push_back(q.empty() ? f->path : q);
  }
  std::sort(available.begin(), available.end());
  available.erase(std::unique(available.begin(), available.end()), available.end());
  auto matching = [&](const std::string& q) {
    std::vector<const HubFile*> out;
    for (const HubFile* f : models)
      if (hub::names_quant(f->path, q)) out.push_back(f);
    return out;
  };

  std::vector<std::string> notes;
  const HubFile* chosen = nullptr;
  if (!quant.empty()) {
    const std::vector<const HubFile*> m = matching(quant);
    if (m.empty()) throw InputError(hub.label() + ": no GGUF file for " + quote_cut(quant) + " (available: " + join(available, 40) + ")");
    if (m.size() > 1) {
      std::vector<std::string> paths;
      for (const HubFile* f : m) paths.push_back(f->path);
      throw InputError(hub.label() + ": " + quote_cut(quant) + " names several GGUF files (" + join(paths) + "): give the file's URL instead");
    }
    chosen = m.front();
  } else if (models.size() == 1) {
    chosen = models.front();
  } else if (const std::vector<const HubFile*> m = matching("Q4_K_M"); m.size() == 1) {
    chosen = m.front();
    notes.push_back(hub.label() + " holds " + join(available, 40) + ": Q4_K_M read, as no quantization was named (:QUANT or -q)");
  } else {
    throw InputError(hub.label() + fmt::format(": {} GGUF files; name one with :QUANT or -q (available: {})", models.size(), join(available, 40)));
  }

  // Split parts are named after part 1 (PREFIX-%05d-of-%05d.gguf): URLs on the same resolve prefix.
  std::vector<const HubFile*> opened;
  const gguf::PartOpener open = [&](const std::string& name) -> std::unique_ptr<ByteSource> {
    if (const HubFile* f = hub.find_url(name)) {
      opened.push_back(f);
      return hub.open(*f, kMaxRemoteGgufHeader);
    }
    if (name.rfind(hub.url(""), 0) == 0) return nullptr;  // not in the listing: the part is missing
    hub.read().push_back(name);  // a projector given by URL, on another host or repository
    return std::make_unique<RemoteFile>(fetcher, name, kMaxRemoteGgufHeader, false);
  };
  auto read_remote = [&](const std::string& url) {
    const std::unique_ptr<ByteSource> first = open(url);
    return gguf::read_model(*first, open);
  };
  const gguf::Header model = read_remote(hub.url(chosen->path));

  std::optional<gguf::Header> projector;
  auto offered = [&] {
    std::vector<std::string> v;
    for (const HubFile* f : projectors) v.push_back(f->path);
    return v;
  };
  if (!mmproj.empty()) {
    const HubFile* in_repo = hub.find(mmproj);
    for (const HubFile* f : projectors)
      if (in_repo == nullptr && f->path.substr(f->path.rfind('/') + 1) == mmproj) in_repo = f;
    const std::string lower = to_lower(mmproj.substr(0, 8));
    if (in_repo != nullptr) projector = read_remote(hub.url(in_repo->path));
    else if (lower.rfind("http://", 0) == 0 || lower.rfind("https://", 0) == 0) projector = read_remote(mmproj);
    else if (path_exists(mmproj)) projector = gguf::read_model(mmproj);
    else
      throw InputError("--mmproj " + quote_cut(mmproj) + ": neither a file of " + hub.label() + " (" +
                       (projectors.empty() ? std::string("it offers no mmproj file") : "its mmproj files: " + join(offered())) +
                       ") nor a local file or a URL");
  } else if (!projectors.empty()) {
    // Offered, not loaded: the projector is the user's choice (--text-only questions do without it).
    const auto f16 = std::find_if(projectors.begin(), projectors.end(), [](const HubFile* f) { return to_lower(f->path).find("f16") != std::string::npos; });
    notes.push_back(hub.label() + " offers a vision projector (" + join(offered()) + "): add --mmproj " +
                    hub.url((f16 != projectors.end() ? *f16 : projectors.front())->path) + " to include it");
  }
  for (const HubFile* f : opened) hub.record(*f);  // every part is closed: its prefix is in the cache

  ModelFile f = gguf_model_file(model, projector ? &*projector : nullptr);
  f.facts.insert(f.facts.begin(), {{"repository", ref.repo}, {"revision", ref.revision}, {"GGUF file", chosen->path}});
  f.notes.insert(f.notes.end(), notes.begin(), notes.end());
  fill_remote(f, hub, ref, fetcher);
  return f;
}

}  // namespace

ModelFile read_hf_repo(Fetcher& fetcher, const RemoteRef& ref, const std::string& quant, const std::string& mmproj) {
  if (!ref.quant.empty() && !quant.empty() && !iequals(ref.quant, quant))
    throw InputError(ref.text + " names the quantization " + ref.quant + " already: drop -q " + quant);
  Hub hub(fetcher, ref);
  bool safetensors = false, gguf = false, config = false;
  for (const HubFile& f : hub.files()) {
    const bool top = f.path.find('/') == std::string::npos;
    safetensors |= top && ((f.path.size() > 12 && f.path.substr(f.path.size() - 12) == ".safetensors") || f.path == "model.safetensors.index.json");
    gguf |= hub::is_gguf(f.path) && !hub::is_projector(f.path);
    config |= f.path == "config.json";
  }
  if (ref.kind == RemoteRef::Kind::hf_gguf || (gguf && !safetensors))
    return read_gguf_repo(fetcher, hub, ref, ref.quant.empty() ? quant : ref.quant, mmproj);
  if (!mmproj.empty())
    throw InputError("--mmproj goes with a GGUF model file (" + hub.label() + " holds safetensors, which carry their vision tower)");
  if (safetensors || config) return read_safetensors_repo(fetcher, hub, ref);
  std::vector<std::string> paths;
  for (const HubFile& f : hub.files()) paths.push_back(f.path);
  throw InputError(hub.label() + ": no config.json, safetensors or GGUF file in the repository" +
                   (paths.empty() ? std::string(" (it is empty)") : " (it holds " + join(paths) + ")"));
}

}  // namespace vramfit::io
