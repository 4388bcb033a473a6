#include "formats/runtime_log.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <optional>

#include "base/diagnostics.hpp"
#include "base/input_file.hpp"

namespace vramfit::io {

const char* to_string(LogKind k) {
  switch (k) {
    case LogKind::llamacpp: return "llama.cpp";
    case LogKind::vllm: return "vllm";
    case LogKind::ollama_ps: return "ollama ps";
  }
  return "?";
}

namespace {

using sv = std::string_view;

bool contains(sv s, sv what) { return s.find(what) != sv::npos; }

sv trim(sv s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// A number at the start of s (after blanks), with ',' thousands separators allowed ("447,232").
std::optional<double> number_at(sv s, std::size_t* used = nullptr) {
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  std::string digits;
  std::size_t j = i;
  if (j < s.size() && (s[j] == '-' || s[j] == '+')) digits += s[j++];
  bool any = false;
  for (; j < s.size() && digits.size() < 40; ++j) {
    const char c = s[j];
    if (std::isdigit(static_cast<unsigned char>(c))) digits += c, any = true;
    else if (c == '.' || ((c == 'e' || c == 'E') && any)) digits += c;
    else if ((c == '-' || c == '+') && !digits.empty() && (digits.back() == 'e' || digits.back() == 'E')) digits += c;
    else if (c == ',' && any && digits.find('.') == std::string::npos && j + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[j + 1]))) continue;
    else break;
  }
  if (!any) return std::nullopt;
  double v = 0;
  const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (r.ec != std::errc() || !(v == v) || v > 1e18 || v < -1e18) return std::nullopt;
  if (used != nullptr) *used = j;
  return v;
}

std::optional<std::int64_t> int_at(sv s) {
  const auto v = number_at(s);
  if (!v || *v != static_cast<double>(static_cast<std::int64_t>(*v))) return std::nullopt;
  return static_cast<std::int64_t>(*v);
}

// "[32, 32, 0, ...]" or "32": the largest value (per-layer arrays in print_info; layers without KV
// print 0, so the largest is the model's figure).
std::optional<std::int64_t> int_or_array_max(sv s) {
  s = trim(s);
  if (s.empty() || s.front() != '[') return int_at(s);
  std::optional<std::int64_t> best;
  s.remove_prefix(1);
  while (!s.empty()) {
    std::size_t used = 0;
    const auto v = number_at(s, &used);
    if (!v) break;
    if (!best || *v > double(*best)) best = static_cast<std::int64_t>(*v);
    s.remove_prefix(used);
    const std::size_t c = s.find(',');
    if (c == sv::npos) break;
    s.remove_prefix(c + 1);
  }
  return best;
}

std::optional<double> gib_of(sv value);

// The "KEY = VALUE" after "PREFIX:" of a llama.cpp info line; key trimmed.
bool key_value(sv rest, sv& key, sv& value) {
  const std::size_t eq = rest.find('=');
  if (eq == sv::npos) return false;
  key = trim(rest.substr(0, eq));
  value = trim(rest.substr(eq + 1));
  return !key.empty();
}

template <class T>
void set(Fact<T>& f, T v, int line) {
  if (f.known()) return;  // the first occurrence wins (a second model or context is ignored)
  f.value = std::move(v);
  f.line = line;
}

// The range every figure of a log is held to (docs/hardening.md "Limits"): a figure outside it is no
// misreading to skip but a wrong log (a negative buffer, "1e17 MiB", n_ubatch = 0), refused at its
// line; parse_runtime_log names the log. The bounds are the model limits of vramfit/model.hpp, the
// command line's own (--ubatch, --parallel) and 1 PiB for memory.
constexpr std::int64_t kDim = std::int64_t{1} << 24;
constexpr std::int64_t kCount = std::int64_t{1} << 16;
constexpr std::int64_t kTokens = std::int64_t{1} << 31;
constexpr double kMaxMiB = double(std::int64_t{1} << 30);
constexpr double kMaxGiB = double(std::int64_t{1} << 20);

struct OutOfRange {
  int line;
  std::string message;
};

std::string num_str(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

template <class T>
void check_range(T v, T lo, T hi, sv what, int line) {
  if (!(v >= lo && v <= hi))
    throw OutOfRange{line, std::string(what) + " = " + num_str(double(v)) + " is out of range [" + num_str(double(lo)) + ", " +
                               num_str(double(hi)) + "]"};
}

// The first occurrence of a figure, range-checked (a second model or context is ignored unchecked).
template <class T>
void set_in(Fact<T>& f, T v, int line, T lo, T hi, sv what) {
  if (f.known()) return;
  check_range(v, lo, hi, what, line);
  set(f, v, line);
}

void set_int(Fact<std::int64_t>& f, sv value, int line, std::int64_t lo, std::int64_t hi, sv what) {
  if (const auto v = int_or_array_max(value)) set_in(f, *v, line, lo, hi, what);
}

void set_gib(Fact<double>& f, sv value, int line, sv what, double lo = 0) {
  if (const auto g = gib_of(value)) set_in(f, *g, line, lo, kMaxGiB, what);
}

// The prefixes of llama.cpp's load and context messages, old and new spellings.
enum class Part { none, meta, loader, tensors, context, kv, sched, breakdown };

Part part_of(sv func) {
  if (func == "print_info" || func == "llm_load_print_meta") return Part::meta;
  if (func == "llama_model_loader") return Part::loader;
  if (func == "load_tensors" || func == "llm_load_tensors") return Part::tensors;
  if (func == "llama_context" || func == "llama_new_context_with_model" || func == "llama_init_from_model") return Part::context;
  if (func.rfind("llama_kv_cache", 0) == 0 || func == "llama_memory_recurrent" || func == "llama_memory_hybrid") return Part::kv;
  // llama.cpp builds of early 2025 print the KV lines from llama_kv_cache_unified::init ("init: kv_size = ...",
  // "init: CUDA0 KV buffer size = ...", ik_llama.cpp discussion 357); other "init:" lines (llama-server's
  // slots) hold nothing kv() reads.
  if (func == "init") return Part::kv;
  if (func == "sched_reserve" || func == "graph_reserve") return Part::sched;
  if (func.size() >= 22 && func.substr(func.size() - 22) == "memory_breakdown_print") return Part::breakdown;
  return Part::none;
}

// Finds "func: " in a line, skipping a timestamp or level prefix that some front ends add
// ("0.01.234.567 I ", "[1737033720] "). Returns the function name and the text after ": ".
bool split_func(sv line, sv& func, sv& rest) {
  for (std::size_t from = 0; from < line.size() && from < 64;) {
    const std::size_t colon = line.find(": ", from);
    if (colon == sv::npos || colon == 0) return false;
    std::size_t b = colon;
    while (b > 0 && (std::isalnum(static_cast<unsigned char>(line[b - 1])) || line[b - 1] == '_')) --b;
    func = line.substr(b, colon - b);
    if (part_of(func) != Part::none) {
      rest = line.substr(colon + 2);
      return true;
    }
    from = colon + 2;
  }
  return false;
}

// "K (q8_0):" -> q8_0, for tag " K (" or " V (".
std::string type_after(sv s, sv tag) {
  const std::size_t p = s.find(tag);
  if (p == sv::npos) return {};
  const std::size_t b = p + tag.size();
  const std::size_t e = s.find(')', b);
  if (e == sv::npos || e - b > 16) return {};
  return std::string(s.substr(b, e - b));
}

// "type_k = 'q8_0'" -> q8_0
std::string quoted_after(sv s, sv key) {
  const std::size_t p = s.find(key);
  if (p == sv::npos) return {};
  const std::size_t a = s.find('\'', p + key.size());
  if (a == sv::npos || a > p + key.size() + 4) return {};
  const std::size_t e = s.find('\'', a + 1);
  if (e == sv::npos || e - a > 17) return {};
  return std::string(s.substr(a + 1, e - a - 1));
}

// Sizes with a unit: "4.58 GiB", "456.11 MiB", "12.881 GiB" -> GiB.
std::optional<double> gib_of(sv value) {
  std::size_t used = 0;
  const auto v = number_at(value, &used);
  if (!v) return std::nullopt;
  const sv unit = trim(value.substr(used)).substr(0, 3);
  if (unit == "GiB" || unit == "GB ") return *v;
  if (unit == "MiB" || unit.substr(0, 2) == "MB") return *v / 1024;
  if (unit == "TiB") return *v * 1024;
  return *v;
}

class LlamaParser {
 public:
  explicit LlamaParser(LlamaCppLog& out, std::vector<std::string>& notes) : L(out), notes_(notes) {}
  int hits = 0;

  void line(sv text, int n) {
    if (done_) return;
    if (const std::size_t c = text.find("CPU : "); c != sv::npos && contains(text, " = 1 |") && !L.cpu_features.known()) {
      cpu_system_info(text.substr(c + 6), n);
      return;
    }
    sv func, rest;
    if (!split_func(text, func, rest)) return;
    const Part part = part_of(func);
    if (func == "llm_load_print_meta" || func == "llm_load_tensors" || func == "llama_new_context_with_model" || func == "llama_kv_cache_init")
      L.old_names = true;
    ++hits;
    if (part == Part::breakdown) return breakdown(rest, n);
    if (contains(rest, "buffer size =")) return buffer(func, part, rest, n);
    if (part == Part::meta) return meta(rest, n);
    if (part == Part::loader) return loader(rest, n);
    if (part == Part::tensors) {
      if (const std::size_t p = rest.find("offloaded "); p != sv::npos && contains(rest, "layers to GPU")) {
        sv r = rest.substr(p + 10);
        const std::size_t slash = r.find('/');
        if (slash != sv::npos) {
          if (const auto a = int_at(r.substr(0, slash))) set_in(L.offloaded, *a, n, std::int64_t{0}, kCount + 1, "offloaded layers");
          if (const auto b = int_at(r.substr(slash + 1))) set_in(L.offloadable, *b, n, std::int64_t{0}, kCount + 1, "offloadable layers");
        }
      }
      return;
    }
    if (part == Part::context) return context(rest, n);
    if (part == Part::kv) return kv(rest, n);
  }

 private:
  LlamaCppLog& L;
  std::vector<std::string>& notes_;
  bool done_ = false;
  bool context_buffers_ = false;  // a context's buffers were seen: a new context or model ends the log's first run
  bool model_buffers_ = false;

  void stop(int n, const char* what) {
    done_ = true;
    notes_.push_back("line " + std::to_string(n) + ": " + what + "; only the first model and context are read");
  }

  void buffer(sv func, Part part, sv rest, int n) {
    const std::size_t at = rest.find("buffer size =");
    const auto mib = number_at(rest.substr(at + 13));
    if (!mib) return;
    check_range(*mib, 0.0, kMaxMiB, "buffer size (MiB)", n);
    // The text before "buffer size": "<dev> <what>" or, in old llm_load_tensors lines, "<dev>". The
    // device may hold spaces: old Vulkan builds print the GPU's name, "AMD Radeon RX 7900 XTX (RADV
    // NAVI31) buffer size = ..." (llm_load_tensors) and "... KV buffer size".
    sv head = trim(rest.substr(0, at));
    if (head.empty() || head.size() > 128) return;
    const std::size_t sp = head.find_last_of(" \t");
    const sv last = sp == sv::npos ? head : head.substr(sp + 1);
    std::string what;
    if (last == "model") what = "model";
    else if (last == "KV") what = "kv";
    else if (last == "RS") what = "rs";
    else if (last == "compute") what = "compute";
    else if (last == "output") what = "output";
    sv device = head;
    if (!what.empty()) {
      if (sp == sv::npos) return;  // "model buffer size" without a device
      device = trim(head.substr(0, sp));
    } else if (part == Part::tensors) {
      what = "model";
    } else {
      return;
    }
    (void)func;
    if (what == "model" && context_buffers_) return stop(n, "a second model is loaded");
    if (what == "model") model_buffers_ = true;
    else context_buffers_ = true;
    L.buffers.push_back({std::string(device), what, *mib, n});
  }

  void meta(sv rest, int n) {
    sv key, value;
    if (!key_value(rest, key, value)) return;
    if (key == "arch") set(L.arch, std::string(value), n);
    else if (key == "general.name") set(L.name, std::string(value), n);
    else if (key == "file type" || key == "model ftype") set(L.file_type, std::string(value), n);
    else if (key == "model type") set(L.model_type, std::string(value), n);
    else if (key == "n_layer") set_int(L.n_layer, value, n, 0, kCount, key);
    else if (key == "n_embd") set_int(L.n_embd, value, n, 0, kDim, key);
    else if (key == "n_head") set_int(L.n_head, value, n, 0, kCount, key);
    else if (key == "n_head_kv") set_int(L.n_head_kv, value, n, 0, kCount, key);
    else if (key == "n_vocab") set_int(L.n_vocab, value, n, 0, kDim, key);
    else if (key == "n_ff") set_int(L.n_ff, value, n, 0, kDim, key);
    else if (key == "n_expert") set_int(L.n_expert, value, n, 0, kCount, key);
    else if (key == "n_expert_used") set_int(L.n_expert_used, value, n, 0, kCount, key);
    else if (key == "n_ctx_train") set_int(L.n_ctx_train, value, n, 0, kTokens, key);
    else if (key == "file size" || key == "model size") {
      set_gib(L.file_size_gib, value, n, "file size (GiB)");
    } else if (key == "model params") {
      std::size_t used = 0;
      if (const auto v = number_at(value, &used)) {
        const sv unit = trim(value.substr(used));
        const double scale = unit.rfind("T", 0) == 0 ? 1e3 : unit.rfind("M", 0) == 0 ? 1e-3 : unit.rfind("K", 0) == 0 ? 1e-6 : 1.0;
        set_in(L.params_b, *v * scale, n, 0.0, 1e6, "model params (billions)");
      }
    }
  }

  // "- kv   2:   general.name str = Llama 3.1 8B"
  void loader(sv rest, int n) {
    if (!contains(rest, "- kv ")) return;
    sv key, value;
    if (!key_value(rest, key, value)) return;
    const std::size_t colon = key.find(':');
    if (colon == sv::npos) return;
    key = trim(key.substr(colon + 1));
    const std::size_t sp = key.find(' ');
    const sv k = key.substr(0, sp);
    if (k == "general.name") set(L.name, std::string(value), n);
    else if (k == "general.architecture") set(L.arch, std::string(value), n);
  }

  // llama_print_system_info(): "SSE3 = 1 | AVX2 = 1 | ... | SVE_CNT = 32 | REPACK = 1 |" (ggml-cpu.cpp
  // ggml_backend_cpu_get_features), up to the next backend's "NAME : ".
  void cpu_system_info(sv list, int n) {
    static const std::pair<sv, sv> kNames[] = {{"AVX2", "avx2"}, {"AVX512", "avx512"}, {"AVX512_VNNI", "avx512_vnni"}, {"AMX_INT8", "amx"},
                                               {"NEON", "neon"}, {"DOTPROD", "dotprod"}, {"MATMUL_INT8", "i8mm"}, {"SVE", "sve"}};
    std::string features;
    for (std::size_t from = 0; from < list.size();) {
      std::size_t bar = list.find('|', from);
      if (bar == sv::npos) bar = list.size();
      const sv item = trim(list.substr(from, bar - from));
      from = bar + 1;
      const std::size_t eq = item.find(" = ");
      if (eq == sv::npos) {
        if (item.find(" : ") != sv::npos) break;  // the next backend
        continue;
      }
      const sv key = trim(item.substr(0, eq)), value = trim(item.substr(eq + 3));
      if (key == "REPACK" && value == "1") L.cpu_repack_built = true;
      if (key == "SVE_CNT" && value == "32") features += std::string(features.empty() ? "" : ",") + "sve256";
      for (const auto& [name, ours] : kNames)
        if (key == name && value == "1") features += std::string(features.empty() ? "" : ",") + std::string(ours);
    }
    set(L.cpu_features, features.empty() ? std::string("none") : features, n);
  }

  void context(sv rest, int n) {
    if (contains(rest, "pipeline parallelism enabled")) L.pipeline_parallel = true;
    if (contains(rest, "KV self size")) {
      kv_types(rest, n);
      return;
    }
    sv key, value;
    if (!key_value(rest, key, value)) return;
    if (key == "n_ctx") {
      if (context_buffers_ && L.n_ctx.known()) return stop(n, "a second context is created");
      set_int(L.n_ctx, value, n, 1, kTokens, key);
    } else if (key == "n_ctx_seq" || key == "n_ctx_per_seq") set_int(L.n_ctx_seq, value, n, 1, kTokens, key);
    else if (key == "n_seq_max") set_int(L.n_seq_max, value, n, 1, kCount, key);
    else if (key == "n_batch") set_int(L.n_batch, value, n, 1, kTokens, key);
    else if (key == "n_ubatch") set_int(L.n_ubatch, value, n, 1, std::int64_t{1} << 20, key);
    else if (key == "flash_attn") set(L.flash_attn, std::string(value.substr(0, 16)), n);
  }

  // ik_llama.cpp's MLA cache prints "KV self size = 583.31 MiB, c^KV (q8_0): 583.31 MiB, kv^T: not used":
  // c^KV is the cached latent, the K side; V is no separate cache there, so it stays unknown.
  void kv_types(sv rest, int n) {
    std::string k = type_after(rest, " K (");
    std::string v = type_after(rest, " V (");
    if (k.empty()) k = type_after(rest, " c^KV (");
    if (k.empty()) k = quoted_after(rest, "type_k");
    if (v.empty()) v = quoted_after(rest, "type_v");
    if (!k.empty()) set(L.type_k, k, n);
    if (!v.empty()) set(L.type_v, v, n);
    auto mib = [&](Fact<double>& f, sv tag) {
      const std::size_t p = rest.find(tag);
      if (p == sv::npos) return;
      const std::size_t colon = rest.find("): ", p + tag.size());
      if (colon == sv::npos || colon - p > 24) return;
      sv value = rest.substr(colon + 3);
      if (const auto x = number_at(value, nullptr); x && contains(value.substr(0, 24), "MiB")) set_in(f, *x, n, 0.0, kMaxMiB, "KV size (MiB)");
    };
    mib(L.kv_k_mib, " K (");
    mib(L.kv_k_mib, " c^KV (");
    mib(L.kv_v_mib, " V (");
  }

  void kv(sv rest, int n) {
    kv_types(rest, n);
    // "kv_size = 16384, type_k = ..., n_layer = 94" (older) or "size = 512.00 MiB ( 4096 cells,  32 layers, ...".
    if (const std::size_t p = rest.find("kv_size ="); p != sv::npos) {
      if (const auto c = int_at(rest.substr(p + 9))) set_in(L.kv_cells, *c, n, std::int64_t{0}, kTokens, "kv_size");
    }
    if (const std::size_t p = rest.find("n_layer ="); p != sv::npos) {
      if (const auto c = int_at(rest.substr(p + 9))) set_in(L.kv_layers, *c, n, std::int64_t{0}, kCount, "n_layer");
    }
    if (const std::size_t p = rest.find(" cells"); p != sv::npos && rest.find('(') != sv::npos && rest.find('(') < p) {
      const std::size_t open = rest.rfind('(', p);
      if (const auto c = int_at(rest.substr(open + 1, p - open - 1))) set_in(L.kv_cells, *c, n, std::int64_t{0}, kTokens, "KV cells");
      const std::size_t lay = rest.find(" layers", p);
      const std::size_t comma = rest.find(',', p);
      if (lay != sv::npos && comma != sv::npos && comma < lay)
        if (const auto c = int_at(rest.substr(comma + 1, lay - comma - 1))) set_in(L.kv_layers, *c, n, std::int64_t{0}, kCount, "KV layers");
    }
  }

  // "| - CUDA0 (RTX 4090) | 24080 = 18000 + (5200 = 4403 + 512 + 266) + 480 |" and
  // "| - Host | 289 = 281 + 0 + 8 |"; the header row names the columns.
  void breakdown(sv rest, int n) {
    if (contains(rest, "memory breakdown")) return;
    std::vector<sv> cells;
    while (!rest.empty() && cells.size() < 8) {
      const std::size_t bar = rest.find('|');
      cells.push_back(trim(rest.substr(0, bar)));
      if (bar == sv::npos) break;
      rest.remove_prefix(bar + 1);
    }
    // cells: "", "- NAME (desc)", "numbers", ""
    if (cells.size() < 3) return;
    sv who = cells[1];
    if (who.rfind("- ", 0) != 0) return;
    who = trim(who.substr(2));
    BreakdownRow r;
    r.line = n;
    const std::size_t open = who.find(" (");
    r.device = std::string(trim(who.substr(0, open)).substr(0, 64));
    if (open != sv::npos) {
      sv desc = who.substr(open + 2);
      if (!desc.empty() && desc.back() == ')') desc.remove_suffix(1);
      r.description = std::string(trim(desc).substr(0, 64));
    }
    std::vector<std::int64_t> v;
    sv nums = cells[2];
    while (!nums.empty() && v.size() < 8) {
      std::size_t i = 0;
      while (i < nums.size() && !std::isdigit(static_cast<unsigned char>(nums[i])) && nums[i] != '-') ++i;
      nums.remove_prefix(i);
      std::size_t used = 0;
      const auto x = number_at(nums, &used);
      if (!x) {
        if (!nums.empty()) nums.remove_prefix(1);
        continue;
      }
      // MiB figures; only "unaccounted" (the last of seven) may be negative.
      const bool unaccounted = v.size() == 6;
      check_range(*x, unaccounted ? -kMaxMiB : 0.0, kMaxMiB, "memory breakdown (MiB)", n);
      v.push_back(static_cast<std::int64_t>(*x));
      nums.remove_prefix(used);
    }
    if (v.size() == 7) {
      r.total = v[0], r.free = v[1], r.self = v[2], r.model = v[3], r.context = v[4], r.compute = v[5], r.unaccounted = v[6];
    } else if (v.size() == 4) {
      r.self = v[0], r.model = v[1], r.context = v[2], r.compute = v[3];
    } else {
      return;
    }
    if (L.breakdown.size() < 64) L.breakdown.push_back(r);
  }
};

// One engine argument of vLLM's config, non-default args or command line (quotes stripped).
void vllm_pair(sv key, sv value, VllmLog& V, int n) {
  key = trim(key);
  value = trim(value);
  if (!key.empty() && (key.front() == '\'' || key.front() == '"')) key = key.substr(1, key.size() >= 2 ? key.size() - 2 : 0);
  if (!value.empty() && (value.front() == '\'' || value.front() == '"')) value = value.substr(1, value.size() >= 2 ? value.size() - 2 : 0);
  if (value.size() > 256) return;
  if (key == "model" || key == "model_tag") set(V.model, std::string(value), n);
  else if (key == "dtype") set(V.dtype, std::string(value.rfind("torch.", 0) == 0 ? value.substr(6) : value), n);
  else if (key == "kv_cache_dtype") set(V.kv_cache_dtype, std::string(value), n);
  else if (key == "quantization") set(V.quantization, std::string(value), n);
  else if (key == "max_seq_len" || key == "max_model_len") set_int(V.max_model_len, value, n, 1, kTokens, key);
  else if (key == "tensor_parallel_size") set_int(V.tensor_parallel, value, n, 1, 1024, key);
  else if (key == "pipeline_parallel_size") set_int(V.pipeline_parallel, value, n, 1, 1024, key);
  else if (key == "block_size") set_int(V.block_size, value, n, 1, std::int64_t{1} << 20, key);
  else if (key == "max_num_seqs") set_int(V.max_num_seqs, value, n, 1, std::int64_t{1} << 20, key);
  else if (key == "max_num_batched_tokens") set_int(V.max_num_batched_tokens, value, n, 1, kTokens, key);
  else if (key == "enforce_eager") set(V.enforce_eager, value == "True" || value == "true", n);
  else if (key == "chunked_prefill_enabled" || key == "enable_chunked_prefill") set(V.chunked_prefill, value == "True" || value == "true", n);
  else if (key == "gpu_memory_utilization") {
    if (const auto v = number_at(value)) set_in(V.gpu_memory_utilization, *v, n, 0.0, 1.0, key);
  }
}

// key=value pairs of vLLM's "with config: model='x', dtype=torch.bfloat16, ..." and of its
// "non-default args: {'model': 'x', 'max_model_len': 8192}" line.
void vllm_pairs(sv s, VllmLog& V, int n) {
  auto handle = [&](sv key, sv value) { vllm_pair(key, value, V, n); };
  // Split on ", " at depth 0 of brackets and quotes.
  int depth = 0;
  char quote = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    const char c = i < s.size() ? s[i] : ',';
    if (quote) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '\'' || c == '"') quote = c;
    else if (c == '(' || c == '[' || c == '{') ++depth;
    else if ((c == ')' || c == ']' || c == '}') && depth > 0) --depth;
    else if (c == ',' && depth == 0) {
      const sv item = s.substr(start, i - start);
      std::size_t sep = item.find('=');
      const std::size_t colon = item.find(':');
      if (sep == sv::npos || (colon != sv::npos && colon < sep && item.find('\'') < colon)) sep = colon;
      if (sep != sv::npos) handle(item.substr(0, sep), item.substr(sep + 1));
      start = i + 1;
    }
  }
}

// The "key=valueGiB" pairs of V0's "Memory profiling results:" line (vllm_line); a pair cut off by a
// truncated line is skipped.
void vllm_profile(sv s, VllmLog& V, int n) {
  while (!s.empty()) {
    s = trim(s);
    const std::size_t end = std::min(s.find(' '), s.size());
    const sv item = s.substr(0, end);
    s.remove_prefix(end);
    const std::size_t eq = item.find('=');
    if (eq == sv::npos) continue;
    const sv key = item.substr(0, eq), value = item.substr(eq + 1);
    if (key == "total_gpu_memory") set_gib(V.total_gpu_gib, value, n, "total_gpu_memory (GiB)");
    else if (key == "peak_torch_memory") set_gib(V.peak_torch_gib, value, n, "peak_torch_memory (GiB)");
    else if (key == "non_torch_memory") set_gib(V.non_torch_gib, value, n, "non_torch_memory (GiB)", -kMaxGiB);
    else if (key == "kv_cache_size") set_gib(V.available_kv_gib, value, n, "kv_cache_size (GiB)", -kMaxGiB);
    else if (key == "gpu_memory_utilization") {
      if (const auto x = number_at(value)) set_in(V.gpu_memory_utilization, *x, n, 0.0, 1.0, "gpu_memory_utilization");
    }
  }
}

// "s max seq len (32768), (4.00 GiB KV cache is needed, which is larger than the available KV cache memory
// (1.71 GiB)": the tokens, the GiB needed for them and the GiB there were; a cut line gives what it holds.
void vllm_kv_needed(sv s, VllmLog& V, int n) {
  const std::size_t len = s.find("max seq len (");
  if (len == sv::npos) return;
  s.remove_prefix(len + 13);
  if (const auto t = int_at(s)) {
    set_in(V.kv_needed_tokens, *t, n, std::int64_t{1}, kTokens, "max seq len");
    set_in(V.max_model_len, *t, n, std::int64_t{1}, kTokens, "max seq len");
  }
  const std::size_t need = s.find("), (");
  if (need == sv::npos || !contains(s, "KV cache is needed")) return;
  set_gib(V.kv_needed_gib, s.substr(need + 4), n, "KV cache needed (GiB)");
  if (const std::size_t avail = s.find("available KV cache memory ("); avail != sv::npos)
    set_gib(V.available_kv_gib, s.substr(avail + 27), n, "available KV cache memory (GiB)", -kMaxGiB);
}

// The command pasted above a log: "vllm serve MODEL --gpu-memory-utilization 0.95 --max-num-batched-tokens
// 1024" (vllm/entrypoints/cli/serve.py: the model is the positional argument; flags are the engine
// arguments with '-' for '_', "--flag value" or "--flag=value"; -tp is --tensor-parallel-size).
void vllm_command(sv s, VllmLog& V, int n) {
  std::vector<sv> words;
  while (words.size() < 256) {
    s = trim(s);
    if (s.empty()) break;
    const std::size_t end = std::min(s.find_first_of(" \t"), s.size());
    words.push_back(s.substr(0, end));
    s.remove_prefix(end);
  }
  for (std::size_t i = 0; i < words.size(); ++i) {
    sv w = words[i];
    if (w.empty() || w == "\\") continue;
    if (w.front() != '-') {
      if (i == 0) vllm_pair("model", w, V, n);
      continue;
    }
    while (!w.empty() && w.front() == '-') w.remove_prefix(1);
    sv value;
    if (const std::size_t eq = w.find('='); eq != sv::npos) value = w.substr(eq + 1), w = w.substr(0, eq);
    else if (i + 1 < words.size() && !words[i + 1].empty() && words[i + 1].front() != '-') value = words[++i];
    else value = "True";  // a switch: --enforce-eager
    std::string key(w.substr(0, 64));
    std::replace(key.begin(), key.end(), '-', '_');
    if (key == "tp") key = "tensor_parallel_size";
    if (key == "pp") key = "pipeline_parallel_size";
    vllm_pair(key, value, V, n);
  }
}

int vllm_line(sv line, VllmLog& V, int n) {
  int hit = 0;
  auto after = [&](sv tag) -> std::optional<sv> {
    const std::size_t p = line.find(tag);
    if (p == sv::npos) return std::nullopt;
    ++hit;
    return line.substr(p + tag.size());
  };
  if (auto r = after("Initializing a V1 LLM engine")) {
    set(V.v0_engine, false, n);
    if (const std::size_t v = r->find("(v"); v != sv::npos) set(V.version, std::string(r->substr(v + 2, std::min<std::size_t>(r->find(')', v) - v - 2, 32))), n);
    if (const std::size_t c = r->find("with config:"); c != sv::npos) vllm_pairs(r->substr(c + 12), V, n);
  } else if (auto r2 = after("Initializing an LLM engine")) {
    set(V.v0_engine, true, n);
    if (const std::size_t v = r2->find("(v"); v != sv::npos) set(V.version, std::string(r2->substr(v + 2, std::min<std::size_t>(r2->find(')', v) - v - 2, 32))), n);
    if (const std::size_t c = r2->find("with config:"); c != sv::npos) vllm_pairs(r2->substr(c + 12), V, n);
  }
  if (auto r = after("non-default args:")) {
    sv s = trim(*r);
    if (!s.empty() && s.front() == '{') s.remove_prefix(1);
    if (!s.empty() && s.back() == '}') s.remove_suffix(1);
    vllm_pairs(s, V, n);
  }
  // A command line only where the line starts with it (after a shell prompt): "vllm serve" in prose is no command.
  if (sv cmd = trim(line); cmd.rfind("vllm serve ", 0) == 0 || cmd.rfind("$ vllm serve ", 0) == 0) {
    ++hit;
    vllm_command(cmd.substr(cmd.find("serve ") + 6), V, n);
  }
  if (auto r = after("Model loading took")) set_gib(V.weights_gib, *r, n, "model weights (GiB)");
  if (auto r = after("model weights take")) set_gib(V.weights_gib, *r, n, "model weights (GiB)");
  // V0 (worker/model_runner.py load_model): "Loading model weights took 14.9888 GB", bytes / 2^30 labelled
  // GB, i.e. GiB; with tensor parallelism each worker prints its own share.
  if (auto r = after("Loading model weights took")) set_gib(V.weights_gib, *r, n, "model weights (GiB)"), set(V.v0_engine, true, n);
  // V0 (worker/worker.py determine_num_available_blocks, vLLM 0.6.4): "Memory profiling results:
  // total_gpu_memory=23.58GiB initial_memory_usage=15.34GiB peak_torch_memory=17.06GiB
  // memory_usage_post_profile=15.35GiB non_torch_memory=0.35GiB kv_cache_size=3.81GiB gpu_memory_utilization=0.90";
  // kv_cache_size = total x utilization - peak_torch - non_torch, negative when nothing is left.
  if (auto r = after("Memory profiling results:")) vllm_profile(*r, V, n), set(V.v0_engine, true, n);
  // V1 (v1/core/kv_cache_utils.py check_enough_kv_cache_memory), a start-up error: "To serve at least one
  // request with the models's max seq len (32768), (4.00 GiB KV cache is needed, which is larger than the
  // available KV cache memory (1.71 GiB). ...".
  if (auto r = after("To serve at least one request with the model")) vllm_kv_needed(*r, V, n);
  // vLLM's profiler subtracts two readings: the non-torch figure can come out slightly negative.
  if (auto r = after("non_torch_memory takes")) set_gib(V.non_torch_gib, *r, n, "non_torch_memory (GiB)", -kMaxGiB);
  if (auto r = after("PyTorch activation peak memory takes")) set_gib(V.activation_gib, *r, n, "activation peak (GiB)");
  if (auto r = after("reserved for KV Cache is")) set_gib(V.available_kv_gib, *r, n, "KV cache memory (GiB)");
  if (auto r = after("total_gpu_memory (")) {
    set_gib(V.total_gpu_gib, *r, n, "total_gpu_memory (GiB)");
    if (const std::size_t u = r->find("gpu_memory_utilization ("); u != sv::npos)
      if (const auto x = number_at(r->substr(u + 24))) set_in(V.gpu_memory_utilization, *x, n, 0.0, 1.0, "gpu_memory_utilization");
  }
  if (auto r = after("Available KV cache memory:")) set_gib(V.available_kv_gib, *r, n, "KV cache memory (GiB)");
  if (auto r = after("GPU KV cache size:")) set_int(V.kv_tokens, *r, n, 0, std::int64_t{1} << 40, "GPU KV cache size (tokens)");
  if (auto r = after("# GPU blocks:")) set_int(V.gpu_blocks, *r, n, 0, kTokens, "GPU blocks");
  if (auto r = after("# cuda blocks:")) set_int(V.gpu_blocks, *r, n, 0, kTokens, "cuda blocks");
  if (auto r = after("Maximum concurrency for")) {
    std::size_t used = 0;
    if (const auto t = number_at(*r, &used)) {
      check_range(*t, 0.0, double(kTokens), "maximum concurrency tokens", n);
      set(V.concurrency_tokens, static_cast<std::int64_t>(*t), n);
      if (const std::size_t c = r->find(':', used); c != sv::npos)
        if (const auto x = number_at(r->substr(c + 1))) set_in(V.max_concurrency, *x, n, 0.0, 1e9, "maximum concurrency");
    }
  }
  if (const std::size_t p = line.find("Graph capturing finished"); p != sv::npos) {
    ++hit;
    if (const std::size_t t = line.find("took", p); t != sv::npos) set_gib(V.cuda_graph_gib, line.substr(t + 4), n, "CUDA graph memory (GiB)");
  }
  if (auto r = after("Using max model len")) set_int(V.max_model_len, *r, n, 1, kTokens, "max model len");
  return hit;
}

// `ollama ps`: a header "NAME  ID  SIZE  PROCESSOR  [CONTEXT]  UNTIL" then one row per model. Columns
// are found from the header's word positions; PROCESSOR and UNTIL hold spaces.
struct PsColumns {
  std::size_t id = 0, size = 0, processor = 0, context = sv::npos, until = sv::npos;
};

std::optional<PsColumns> ps_header(sv line) {
  line = trim(line);
  if (line.rfind("NAME", 0) != 0) return std::nullopt;
  PsColumns c;
  c.id = line.find(" ID ");
  c.size = line.find(" SIZE ");
  c.processor = line.find(" PROCESSOR");
  if (c.id == sv::npos || c.size == sv::npos || c.processor == sv::npos) return std::nullopt;
  c.id += 1, c.size += 1, c.processor += 1;
  if (const std::size_t x = line.find(" CONTEXT"); x != sv::npos) c.context = x + 1;
  if (const std::size_t x = line.find(" UNTIL"); x != sv::npos) c.until = x + 1;
  return c;
}

// Ollama prints sizes with format.HumanBytes: decimal units (1 GB = 1e9 B).
std::optional<double> ps_size(sv s) {
  std::size_t used = 0;
  const auto v = number_at(s, &used);
  if (!v || *v < 0) return std::nullopt;
  const sv unit = trim(s.substr(used));
  if (unit == "B") return *v;
  if (unit == "KB") return *v * 1e3;
  if (unit == "MB") return *v * 1e6;
  if (unit == "GB") return *v * 1e9;
  if (unit == "TB") return *v * 1e12;
  return std::nullopt;
}

std::optional<OllamaPsRow> ps_row(sv raw, const PsColumns& c, int n) {
  // The header may be indented differently from the rows: align on the header's trimmed start.
  const sv line = trim(raw);
  if (line.empty() || line.size() <= c.processor) return std::nullopt;
  auto field = [&](std::size_t from, std::size_t to) {
    if (from >= line.size()) return sv{};
    return trim(line.substr(from, to == sv::npos ? sv::npos : to - from));
  };
  OllamaPsRow r;
  r.line = n;
  // NAME and ID are single words: take them by words, then the rest by column.
  const std::size_t sp = line.find_first_of(" \t");
  r.name = std::string(line.substr(0, std::min<std::size_t>(sp, 200)));
  r.id = std::string(field(c.id, c.size).substr(0, 64));
  const sv size = field(c.size, c.processor);
  r.size_text = std::string(size.substr(0, 32));
  const auto bytes = ps_size(size);
  if (!bytes) return std::nullopt;
  check_range(*bytes, 0.0, 1e15, "SIZE (bytes)", n);
  r.size_bytes = *bytes;
  const std::size_t proc_end = c.context != sv::npos ? c.context : c.until;
  const sv proc = field(c.processor, proc_end);
  r.processor = std::string(proc.substr(0, 64));
  // "100% GPU", "100% CPU", "48%/52% CPU/GPU"
  if (const std::size_t slash = proc.find("%/"); slash != sv::npos) {
    const auto gpu = number_at(proc.substr(slash + 2));
    if (!gpu || *gpu < 0 || *gpu > 100) return std::nullopt;
    r.gpu_percent = static_cast<int>(*gpu);
  } else {
    const auto pct = number_at(proc);
    if (!pct || *pct < 0 || *pct > 100) return std::nullopt;
    r.gpu_percent = contains(proc, "GPU") ? static_cast<int>(*pct) : 100 - static_cast<int>(*pct);
  }
  if (c.context != sv::npos)
    if (const auto ctx = int_at(field(c.context, c.until))) {
      check_range(*ctx, std::int64_t{0}, kTokens, "CONTEXT", n);
      r.context = *ctx;
    }
  return r;
}

bool has_memory_figures(const RuntimeLog& log) {
  switch (log.kind) {
    case LogKind::llamacpp: return !log.llama.buffers.empty() || !log.llama.breakdown.empty();
    case LogKind::vllm:
      return log.vllm.weights_gib.known() || log.vllm.available_kv_gib.known() || log.vllm.kv_tokens.known() || log.vllm.kv_needed_gib.known();
    case LogKind::ollama_ps: return !log.ollama.empty();
  }
  return false;
}

}  // namespace

namespace {

RuntimeLog parse_log(std::string_view text, const std::string& name) {
  RuntimeLog log;
  log.name = name;
  if (text.size() > kMaxLogBytes) {
    text = text.substr(0, kMaxLogBytes);
    log.notes.push_back("only the first 64 MiB of the log were read");
  }
  // Logs are text: NUL bytes near the start mean a binary file (a model, an executable) passed by mistake.
  if (text.substr(0, 65536).find('\0') != sv::npos) {
    const sv head = text.substr(0, text.find('\0'));
    throw InputError(name + ":" + std::to_string(1 + std::count(head.begin(), head.end(), '\n')) + ": a binary file, not a log");
  }
  LlamaParser llama(log.llama, log.notes);
  int vllm_hits = 0;
  std::optional<PsColumns> ps;
  int first_text_line = 0;
  int cut = 0;
  int n = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t end = text.find('\n', pos);
    if (end == sv::npos) end = text.size();
    sv line = text.substr(pos, end - pos);
    pos = end + 1;
    ++n;
    if (n == (1 << 30)) break;
    if (line.size() > kMaxLineBytes) line = line.substr(0, kMaxLineBytes), ++cut;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (first_text_line == 0 && !trim(line).empty()) {
      first_text_line = n;
      ps = ps_header(line);
      if (ps) {
        log.kind = LogKind::ollama_ps;
        continue;
      }
    }
    if (ps) {
      if (trim(line).empty()) continue;
      const auto row = ps_row(line, *ps, n);
      if (!row) throw InputError(name + ":" + std::to_string(n) + ": not an `ollama ps` row (NAME ID SIZE PROCESSOR ...)");
      if (log.ollama.size() < 256) log.ollama.push_back(*row);
      continue;
    }
    llama.line(line, n);
    vllm_hits += vllm_line(line, log.vllm, n);
  }
  if (cut > 0) log.notes.push_back(std::to_string(cut) + " line(s) longer than 16 KiB were cut");
  if (!ps) log.kind = vllm_hits > llama.hits ? LogKind::vllm : LogKind::llamacpp;
  if (first_text_line == 0) throw InputError(name + ":1: empty log");
  if (ps && log.ollama.empty()) throw InputError(name + ":" + std::to_string(first_text_line) + ": `ollama ps` output without a model row");
  if (llama.hits == 0 && vllm_hits == 0 && !ps)
    throw InputError(name + ":" + std::to_string(first_text_line) +
                     ": not a llama.cpp log, vLLM start-up log or `ollama ps` output (no line vramfit reads; docs/validate.md)");
  if (!has_memory_figures(log))
    throw InputError(name + ":" + std::to_string(n) + ": a " + to_string(log.kind) +
                     " log without memory figures (no buffer sizes, KV cache or model loading lines; docs/validate.md)");
  return log;
}

}  // namespace

RuntimeLog parse_runtime_log(std::string_view text, const std::string& name) {
  try {
    return parse_log(text, name);
  } catch (const OutOfRange& e) {
    throw InputError(name + ":" + std::to_string(e.line) + ": " + e.message);
  }
}

RuntimeLog read_runtime_log(const std::string& path) {
  // Logs can be long (a server that ran for days): the start-up facts sit in the first 64 MiB, and
  // only those are read. A file is checked like every input (a FIFO would block for ever).
  std::string text;
  bool more = false;
  if (path == "-") {
    // In 1 MiB steps: a small log costs a small buffer.
    std::string chunk(std::size_t{1} << 20, '\0');
    while (text.size() < kMaxLogBytes && std::cin) {
      std::cin.read(chunk.data(), static_cast<std::streamsize>(std::min(chunk.size(), kMaxLogBytes - text.size())));
      text.append(chunk.data(), static_cast<std::size_t>(std::cin.gcount()));
    }
    more = text.size() >= kMaxLogBytes && std::cin.peek() != std::char_traits<char>::eof();
  } else {
    const InputFile in(path, "the log");
    text.resize(static_cast<std::size_t>(std::min<std::uint64_t>(in.size(), kMaxLogBytes)));
    text.resize(in.read_at(0, text.data(), text.size()));
    more = in.size() > kMaxLogBytes;
  }
  RuntimeLog log = parse_runtime_log(text, path == "-" ? std::string("<stdin>") : path);
  if (more) log.notes.push_back("only the first 64 MiB of the log were read");
  return log;
}

std::string mix_from_file_type(const std::string& file_type) {
  std::string t(trim(file_type));
  if (const std::size_t g = t.find(" (guessed)"); g != std::string::npos) t.erase(g);
  if (t == "all F32") return "F32";
  if (t == "MXFP4 MoE") return "MXFP4_MOE";
  if (t.rfind("IQ3_S mix", 0) == 0) return "IQ3_M";
  const std::size_t dash = t.find(" - ");
  std::string base = t.substr(0, dash);
  if (base.empty() || base.size() > 16) return {};
  for (const char c : base)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return {};
  if (dash == std::string::npos) return base;
  const std::string size = t.substr(dash + 3);
  // K-quant mixes: "Q4_K - Medium" -> Q4_K_M; Q2_K's medium is plain Q2_K in llama-quantize's names.
  if (base.size() >= 2 && base.substr(base.size() - 2) == "_K") {
    if (size == "Medium") return base == "Q2_K" ? base : base + "_M";
    if (size == "Small") return base + "_S";
    if (size == "Large") return base + "_L";
    return {};
  }
  return base;  // "IQ4_XS - 4.25 bpw" -> IQ4_XS
}

}  // namespace vramfit::io
