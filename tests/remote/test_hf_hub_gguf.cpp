// formats/hf_hub.cpp against the loopback Hub, GGUF repositories: the file of the quantization asked
// for (case-insensitive, split parts read as one), the same model file as read_gguf_model gives for
// the local file; the mmproj offered in a note, read when asked for; the quantizations available
// named when the choice is missing or wrong.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "catalog/catalog.hpp"
#include "gguf_model.hpp"
#include "test_hf_hub_util.hpp"

namespace vramfit::io {
namespace {

using namespace hub_test;
namespace fs = std::filesystem;
namespace wg = vramfit::gguf;  // the test writer (io::gguf is the reader)

void put32(std::string& s, std::uint32_t v) { s.append(reinterpret_cast<const char*>(&v), 4); }
void put64(std::string& s, std::uint64_t v) { s.append(reinterpret_cast<const char*>(&v), 8); }

// The bytes of a writer's header: 24 bytes of preamble, the key-value pairs, the tensor infos.
std::uint64_t infos_size(const wg::Writer& w) {
  std::uint64_t n = 0;
  for (const wg::Tensor& t : w.tensors()) n += 8 + t.name.size() + 4 + 8 * t.ne.size() + 4 + 8;
  return n;
}
std::string kv_section(const wg::Writer& w) { return w.header().substr(24, w.layout().header_bytes - 24 - infos_size(w)); }
std::string infos_section(const wg::Writer& w) { return w.header().substr(w.layout().header_bytes - infos_size(w), infos_size(w)); }

struct GgufFile {
  std::string name;
  std::string head;
  std::uint64_t size = 0;
};

// `full` split in two as llama.cpp's gguf-split writes it: split.no, split.count and
// split.tensors.count in each part, the model's metadata in part 1, the tensors halved.
std::vector<GgufFile> split_in_two(const wg::Writer& full, const std::string& prefix) {
  const std::vector<wg::Tensor>& ts = full.tensors();
  std::vector<GgufFile> out;
  for (std::uint32_t no = 0; no < 2; ++no) {
    wg::Writer part;
    part.add_u32("split.no", no);
    part.add_u32("split.count", 2);
    part.add_i32("split.tensors.count", static_cast<std::int32_t>(ts.size()));
    const std::size_t from = no == 0 ? 0 : ts.size() / 2, to = no == 0 ? ts.size() / 2 : ts.size();
    for (std::size_t i = from; i < to; ++i) part.add_tensor(ts[i].name, ts[i].ne, ts[i].type, ts[i].nbytes);
    std::string head = part.header();
    if (no == 0) {
      head.clear();
      put32(head, wg::kMagic);
      put32(head, wg::kVersion);
      put64(head, part.tensors().size());
      put64(head, full.kv_count() + part.kv_count());
      head += kv_section(full) + kv_section(part) + infos_section(part);
      head.resize(wg::pad(head.size(), 32), '\0');
    }
    out.push_back({prefix + "-0000" + std::to_string(no + 1) + "-of-00002.gguf", head, head.size() + part.layout().data_bytes});
  }
  return out;
}

void write_gguf(const TempDir& dir, const GgufFile& f) {
  fs::create_directories(fs::path(dir.file(f.name)).parent_path());
  test::write_text(dir.file(f.name), f.head);
  fs::resize_file(dir.file(f.name), f.size);
}

// A repository as unsloth and bartowski lay them out: one Q4_K_M file, Q8_0 split in a folder of
// its own, and the vision projector.
class GgufRepoTest : public HubTest {
 protected:
  static void SetUpTestSuite() {
    Diagnostics diag;
    const Catalog cat = load_catalog({}, diag);
    const TypeTable types = cat.type_table();
    const ModelSpec& m = cat.model("llama-3.1-8b").spec;
    const wg::Writer q4 = wg::model_writer(m, cat.mix("Q4_K_M").mix, types);
    const wg::Writer q8 = wg::model_writer(m, cat.mix("Q8_0").mix, types);
    // A clip file of two f16 tensors: 1024 x 1024 x 2 B = 2,097,152 B and 4096 x 1024 x 2 B = 8,388,608 B.
    wg::Writer clip;
    clip.add_string("general.architecture", "clip");
    clip.add_tensor("v.blk.0.attn_q.weight", {1024, 1024}, 1, 2097152);
    clip.add_tensor("mm.0.weight", {1024, 4096}, 1, 8388608);
    files_ = new std::vector<GgufFile>{{"Llama-8B-Q4_K_M.gguf", q4.header(), q4.layout().file_size},
                                       {"mmproj-Llama-8B-F16.gguf", clip.header(), clip.layout().file_size},
                                       {"Llama-8B-Q8_0.gguf", q8.header(), q8.layout().file_size}};
    for (const GgufFile& f : split_in_two(q8, "Q8_0/Llama-8B-Q8_0")) files_->push_back(f);
    local_ = new TempDir;
    for (const GgufFile& f : *files_) write_gguf(*local_, f);
  }
  static void TearDownTestSuite() {
    delete files_;
    delete local_;
  }
  void SetUp() override {
    // The repository holds the split Q8_0 only; the whole file stays local, to compare with.
    for (const GgufFile& f : *files_)
      if (f.name != "Llama-8B-Q8_0.gguf") server.hub_file(repo, "main", f.name, f.head, f.size);
    server.hub_file(repo, "main", "README.md", "# GGUF\n");
  }
  static std::string local(const std::string& name) { return local_->file(name); }
  static const GgufFile& file(const std::string& name) {
    for (const GgufFile& f : *files_)
      if (f.name == name) return f;
    throw std::logic_error(name);
  }
  const std::string repo = "test-org/Llama-8B-GGUF";
  static inline std::vector<GgufFile>* files_ = nullptr;
  static inline TempDir* local_ = nullptr;
};

TEST_F(GgufRepoTest, TheQuantizationPicksTheFileCaseInsensitively) {
  const ModelFile remote = read(options(), "hf.co/" + repo + ":q4_k_m");
  const ModelFile local = read_gguf_model(this->local("Llama-8B-Q4_K_M.gguf"));
  expect_same_tensors(remote.tensors, local.tensors);
  expect_same_spec(remote.model.spec, local.model.spec);
  EXPECT_EQ(remote.mix_id, "Q4_K_M");
  EXPECT_EQ(remote.stored_as, local.stored_as);
  EXPECT_EQ(weight_bytes_from_file(remote.model.spec, remote.tensors).total, weight_bytes_from_file(local.model.spec, local.tensors).total);
  EXPECT_EQ(remote.format, "gguf");
  EXPECT_EQ(remote.path, "hf.co/" + repo + ":q4_k_m");
  EXPECT_EQ(remote.remote->files, std::vector<std::string>{resolve(repo, "Llama-8B-Q4_K_M.gguf")});
  EXPECT_EQ(remote.remote->revision, "main");
  ASSERT_GE(remote.facts.size(), 3u);
  EXPECT_EQ(remote.facts[0], (std::pair<std::string, std::string>{"repository", repo}));
  EXPECT_EQ(remote.facts[1], (std::pair<std::string, std::string>{"revision", "main"}));
  EXPECT_EQ(remote.facts[2], (std::pair<std::string, std::string>{"GGUF file", "Llama-8B-Q4_K_M.gguf"}));
  // The projector is offered, not loaded: no vision tensor, a note naming the file and how to add it.
  EXPECT_EQ(remote.notes.back(), "hf.co/" + repo + " offers a vision projector (mmproj-Llama-8B-F16.gguf): add --mmproj " +
                                     resolve(repo, "mmproj-Llama-8B-F16.gguf") + " to include it");
  EXPECT_EQ(server.requests("/" + repo + "/resolve/main/mmproj"), 0);
  EXPECT_EQ(server.requests("/" + repo + "/resolve/main/Q8_0"), 0);
  // The header only (tokenizer included, ~3 MiB) of a 4.9 GB file: the prefix doubles, so at most
  // twice the header, plus the listing.
  const std::uint64_t header = file("Llama-8B-Q4_K_M.gguf").head.size();
  EXPECT_GT(file("Llama-8B-Q4_K_M.gguf").size, std::uint64_t{4} << 30);
  EXPECT_LT(remote.remote->bytes_fetched, 2 * header + 16 * 1024);
}

TEST_F(GgufRepoTest, SplitPartsAreReadAsOneModel) {
  const ModelFile remote = read(options(), "hf.co/" + repo + ":Q8_0");
  const ModelFile split_local = read_gguf_model(local("Q8_0/Llama-8B-Q8_0-00001-of-00002.gguf"));
  const ModelFile whole_local = read_gguf_model(local("Llama-8B-Q8_0.gguf"));
  expect_same_tensors(remote.tensors, split_local.tensors);
  expect_same_tensors(remote.tensors, whole_local.tensors);
  const WeightBreakdown w = weight_bytes_from_file(remote.model.spec, remote.tensors);
  EXPECT_EQ(w.total, weight_bytes_from_file(whole_local.model.spec, whole_local.tensors).total);
  EXPECT_EQ(w.params, kLlama8bParams);  // the same model as the safetensors checkpoint of test_hf_hub.cpp
  EXPECT_EQ(remote.remote->files, (std::vector<std::string>{resolve(repo, "Q8_0/Llama-8B-Q8_0-00001-of-00002.gguf"),
                                                            resolve(repo, "Q8_0/Llama-8B-Q8_0-00002-of-00002.gguf")}));
  EXPECT_NE(std::find(remote.facts.begin(), remote.facts.end(), std::pair<std::string, std::string>{"split parts", "2"}), remote.facts.end());

  // -q picks the same file when the reference names none; at the branch, the listing is the one
  // request (both parts come from the cache).
  const ModelFile by_q = read(options(), repo, "q8_0");
  expect_same_tensors(by_q.tensors, remote.tensors);
  EXPECT_EQ(by_q.remote->requests, 1);
  EXPECT_EQ(by_q.remote->files, remote.remote->files);
}

TEST_F(GgufRepoTest, WithoutAQuantizationQ4_K_MIsReadAndSaidSo) {
  const ModelFile f = read(options(), repo);
  EXPECT_EQ(f.mix_id, "Q4_K_M");
  ASSERT_GE(f.notes.size(), 2u);
  EXPECT_EQ(f.notes[f.notes.size() - 2], repo + " holds Q4_K_M, Q8_0: Q4_K_M read, as no quantization was named (:QUANT or -q)");
}

TEST_F(GgufRepoTest, AWrongQuantizationListsTheAvailableOnes) {
  EXPECT_EQ(error_of([&] { read(options(), "hf.co/" + repo + ":Q5_K_S"); }),
            "hf.co/" + repo + ": no GGUF file for 'Q5_K_S' (available: Q4_K_M, Q8_0)");
  EXPECT_EQ(error_of([&] { read(options(), repo, "Q4_K"); }), repo + ": no GGUF file for 'Q4_K' (available: Q4_K_M, Q8_0)");
  EXPECT_EQ(error_of([&] { read(options(), "hf.co/" + repo + ":Q4_K_M", "Q8_0"); }),
            "hf.co/" + repo + ":Q4_K_M names the quantization Q4_K_M already: drop -q Q8_0");
  // Several files and none of them Q4_K_M: the choice is the user's.
  server.hub_file("test-org/Two-GGUF", "main", "Two-Q8_0.gguf", "GGUF", 100);
  server.hub_file("test-org/Two-GGUF", "main", "Two-BF16.gguf", "GGUF", 100);
  EXPECT_EQ(error_of([&] { read(options(), "test-org/Two-GGUF"); }),
            "test-org/Two-GGUF: 2 GGUF files; name one with :QUANT or -q (available: BF16, Q8_0)");
  EXPECT_EQ(server.requests("/test-org/Two-GGUF/resolve/"), 0);
}

TEST_F(GgufRepoTest, TheProjectorIsReadWhenAskedFor) {
  const ModelFile text = read(options(), "hf.co/" + repo + ":Q4_K_M");
  const ModelFile local = read_gguf_model(this->local("Llama-8B-Q4_K_M.gguf"), this->local("mmproj-Llama-8B-F16.gguf"));
  const WeightBreakdown tw = weight_bytes_from_file(text.model.spec, text.tensors);
  const std::string url = resolve(repo, "mmproj-Llama-8B-F16.gguf");
  for (const std::string& mmproj : {std::string("mmproj-Llama-8B-F16.gguf"), url, this->local("mmproj-Llama-8B-F16.gguf")}) {
    SCOPED_TRACE(mmproj);
    const ModelFile vlm = read(options(), "hf.co/" + repo + ":Q4_K_M", "", mmproj);
    expect_same_tensors(vlm.tensors, local.tensors);
    const WeightBreakdown w = weight_bytes_from_file(vlm.model.spec, vlm.tensors);
    EXPECT_EQ(w.total, tw.total + Bytes{10485760});
    EXPECT_EQ(w.params, tw.params);  // the text model's parameters; the encoder's are its own
    EXPECT_EQ(vlm.model.spec.vision.params, 5242880);  // 1024 x 1024 + 1024 x 4096
    EXPECT_EQ(vlm.remote->files.size(), mmproj[0] == '/' ? 1u : 2u);
  }
  EXPECT_EQ(error_of([&] { read(options(), "hf.co/" + repo + ":Q4_K_M", "", "mmproj-other.gguf"); }),
            "--mmproj 'mmproj-other.gguf': neither a file of hf.co/" + repo +
                " (its mmproj files: mmproj-Llama-8B-F16.gguf) nor a local file or a URL");
}

TEST_F(GgufRepoTest, AMissingSplitPartIsNamed) {
  const GgufFile& part1 = file("Q8_0/Llama-8B-Q8_0-00001-of-00002.gguf");
  server.hub_file("test-org/Half-GGUF", "main", part1.name, part1.head, part1.size);
  EXPECT_EQ(error_of([&] { read(options(), "hf.co/test-org/Half-GGUF:Q8_0"); }),
            resolve("test-org/Half-GGUF", part1.name) + ": split part 2 of 2 is missing: " +
                resolve("test-org/Half-GGUF", "Q8_0/Llama-8B-Q8_0-00002-of-00002.gguf"));
  EXPECT_EQ(server.requests("/test-org/Half-GGUF/resolve/main/Q8_0/Llama-8B-Q8_0-00002"), 0);  // not listed: not asked for
}

}  // namespace
}  // namespace vramfit::io
