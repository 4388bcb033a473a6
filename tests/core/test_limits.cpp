// The model limits of model.hpp (docs/hardening.md "Limits"): validate() refuses every architecture
// fact past its limit, whichever reader it came from, so that no product of file-supplied sizes can
// wrap; the recurrent state and the sums over a file's tensors are checked besides (issue 16).
#include <limits>

#include <gtest/gtest.h>

#include "fixtures.hpp"
#include "vramfit/file_weights.hpp"
#include "vramfit/kv_cache.hpp"

namespace vramfit {
namespace {

constexpr std::int64_t kI64Max = std::numeric_limits<std::int64_t>::max();

std::string refusal(const ModelSpec& m) {
  try {
    validate(m);
  } catch (const CoreError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_model);
    return e.what();
  }
  return "accepted";
}

// One field past its limit at a time, on models where the field is in use; the message names the
// field, its value and the range.
TEST(Limits, EveryFieldPastItsLimitIsRefusedByName) {
  struct Row {
    const char* what;
    ModelSpec (*base)();
    void (*set)(ModelSpec&);
    const char* message;
  };
  const Row rows[] = {
      {"ssm.d_inner 2^40 (heads x head size from a config)", test::qwen3_next,
       [](ModelSpec& m) { m.ssm.d_inner = std::int64_t{1} << 40; },
       "model 'qwen3-next-80b-a3b': ssm.d_inner = 1099511627776 is out of range [0, 16777216]"},
      {"ssm.d_state near 2^63", test::jamba, [](ModelSpec& m) { m.ssm.d_state = kI64Max; },
       "model 'jamba-v0.1': ssm.d_state = 9223372036854775807 is out of range [0, 16777216]"},
      {"ssm.d_conv 1025", test::jamba, [](ModelSpec& m) { m.ssm.d_conv = 1025; },
       "model 'jamba-v0.1': ssm.d_conv = 1025 is out of range [0, 1024]"},
      {"ssm.n_groups -1", test::qwen3_next, [](ModelSpec& m) { m.ssm.n_groups = -1; },
       "model 'qwen3-next-80b-a3b': ssm.n_groups = -1 is out of range [0, 16777216]"},
      {"mla.kv_lora_rank 2^62", test::deepseek_v3, [](ModelSpec& m) { m.mla.kv_lora_rank = std::int64_t{1} << 62; },
       "model 'deepseek-v3': mla.kv_lora_rank = 4611686018427387904 is out of range [0, 16777216]"},
      {"mla.qk_rope_head_dim 2^24 + 1", test::deepseek_v3, [](ModelSpec& m) { m.mla.qk_rope_head_dim = (1 << 24) + 1; },
       "model 'deepseek-v3': mla.qk_rope_head_dim = 16777217 is out of range [0, 16777216]"},
      {"sliding window near 2^63", test::gemma_3_27b, [](ModelSpec& m) { m.sliding_window = kI64Max - 1; },
       "model 'gemma-3-27b': attention.sliding_window = 9223372036854775806 is out of range [0, 2147483648]"},
      {"layers 65537", test::llama_3_1_8b, [](ModelSpec& m) { m.layers = 65537; },
       "model 'llama-3.1-8b': layers = 65537 is out of range [1, 65536]"},
      {"max_context 2^31 + 1", test::llama_3_1_8b, [](ModelSpec& m) { m.max_context = (std::int64_t{1} << 31) + 1; },
       "model 'llama-3.1-8b': max_context = 2147483649 is out of range [1, 2147483648]"},
      {"experts 65537", test::qwen3_30b_a3b, [](ModelSpec& m) { m.moe.experts = 65537; },
       "model 'qwen3-30b-a3b': moe.experts = 65537 is out of range [0, 65536]"},
      {"vision params 2^41", test::gemma_3_27b, [](ModelSpec& m) { m.vision.params = std::int64_t{1} << 41; },
       "model 'gemma-3-27b': vision.params = 2199023255552 is out of range [0, 1099511627776]"},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.what);
    ModelSpec m = r.base();
    ASSERT_EQ(refusal(m), "accepted");  // the model itself is valid
    r.set(m);
    EXPECT_EQ(refusal(m), r.message);
  }
}

// At the limits the state is exact: conv (1024 - 1) x (2^24 + 2 x 2^24 x 2^24) + 2^24 x 2^24
// = 1023 x 562,949,970,198,528 + 281,474,976,710,656 = 575,897,819,513,094,144 + 281,474,976,710,656
// = 576,179,294,489,804,800 elements, below 2^63; x 4 B x 8 sequences passes 2^63 and throws.
TEST(Limits, RecurrentStateAtTheLimitsIsExactAndPastThemThrows) {
  SsmSpec s;
  s.kind = SsmKind::mamba2;
  s.d_conv = 1024;
  s.d_inner = s.n_groups = s.d_state = std::int64_t{1} << 24;
  EXPECT_EQ(recurrent_state_elements(s), 576'179'294'489'804'800);
  ModelSpec m = test::jamba();
  m.ssm = s;
  ASSERT_EQ(refusal(m), "accepted");
  Workload w;
  w.parallel = 8;
  const TypeTable types = test::ggml_types();
  EXPECT_THROW((void)kv_cache(m, w, types.get("f16"), types.get("f16")), CoreError);
  // Past the limits (a reader that skipped validate) the products throw instead of wrapping:
  // 2^24 x 2^40 = 2^64 was 0 in 64 bits, an "0 MiB" state.
  s.d_inner = std::int64_t{1} << 40;
  EXPECT_THROW((void)recurrent_state_elements(s), CoreError);
}

// Parameter and element sums over a file's tensors: each tensor is below 2^63, their sum is not.
TEST(Limits, ParameterSumsOverFileTensorsThrowInsteadOfWrapping) {
  const ModelSpec m = test::llama_3_1_8b();
  std::vector<FileTensor> tensors(2);
  tensors[0] = {"blk.0.attn_q.weight", "f16", TensorGroup::attention, 0, kI64Max / 2 + 1, Bytes{1}};
  tensors[1] = {"blk.1.attn_q.weight", "f16", TensorGroup::attention, 1, kI64Max / 2 + 1, Bytes{1}};
  EXPECT_THROW((void)weight_bytes_from_file(m, tensors), CoreError);
  EXPECT_THROW((void)count_params_from_file(m, tensors), CoreError);
  tensors[1].elements = 1;  // kI64Max / 2 + 2 = 4,611,686,018,427,387,905: exact
  EXPECT_EQ(weight_bytes_from_file(m, tensors).params, 4'611'686'018'427'387'905);
}

// A byte count given as a double (a log's "1e17 GiB"): rounded when it fits, an overflow error when
// it does not, never llround's unspecified result (LLONG_MIN on x86, a negative size).
TEST(Limits, BytesFromDoubleRefusesWhatDoesNotFit) {
  EXPECT_EQ(gib(1.5).value(), 1'610'612'736);
  EXPECT_EQ(gb(0.5).value(), 500'000'000);
  EXPECT_EQ(bytes_from_double(-2.6).value(), -3);
  EXPECT_THROW((void)gib(1e17), CoreError);  // 1.07e26 bytes
  EXPECT_THROW((void)bytes_from_double(std::numeric_limits<double>::quiet_NaN()), CoreError);
  EXPECT_THROW((void)bytes_from_double(-std::numeric_limits<double>::infinity()), CoreError);
}

// Error messages quoting a 100 KB input keep their start and end, and stay one line.
TEST(Limits, LongMessagesLoseTheirMiddle) {
  const std::string msg = "start " + std::string(100000, 'x') + "\n end";
  const std::string out = one_line(msg);
  EXPECT_LT(out.size(), kMaxMessageBytes + 100);
  EXPECT_EQ(out.substr(0, 7), "start x");
  EXPECT_EQ(out.substr(out.size() - 9), "x\\x0a end");
  EXPECT_NE(out.find(" bytes cut ...] "), std::string::npos);
  EXPECT_EQ(out.find('\n'), std::string::npos);
  EXPECT_EQ(one_line("short\tline"), "short\\x09line");
}

}  // namespace
}  // namespace vramfit
