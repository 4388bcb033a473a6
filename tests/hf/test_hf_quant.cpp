// quantization_config -> catalog mix id. The configs are the quantization_config blocks the
// quantizers write (transformers/utils/quantization_config.py, llm-compressor, gpt-oss, DeepSeek-V3).
#include <gtest/gtest.h>

#include "formats/hf_config.hpp"
#include "hf_test_util.hpp"

namespace vramfit {
namespace {

std::string mix_of(const std::string& extra, std::vector<std::string>* notes_out = nullptr) {
  std::vector<std::string> notes;
  const std::string mix = io::hf::quant_mix_id(nlohmann::json::parse("{" + extra + "}"), "config.json", notes);
  if (notes_out) *notes_out = notes;
  return mix;
}

struct QuantRow {
  const char* config;  // the fields after "{"
  const char* mix;
};

class QuantConfigs : public ::testing::TestWithParam<QuantRow> {};

TEST_P(QuantConfigs, MapToTheNearestMix) { EXPECT_EQ(mix_of(GetParam().config), GetParam().mix) << GetParam().config; }

INSTANTIATE_TEST_SUITE_P(
    Schemes, QuantConfigs,
    ::testing::Values(
        QuantRow{R"("torch_dtype": "bfloat16")", "hf-bf16"}, QuantRow{R"("torch_dtype": "float16")", "hf-fp16"},
        QuantRow{R"("torch_dtype": "float32")", "hf-fp32"}, QuantRow{R"("dtype": "float16")", "hf-fp16"},
        QuantRow{R"("text_config": {"torch_dtype": "float16"})", "hf-fp16"},
        QuantRow{R"("quantization_config": {"quant_method": "gptq", "bits": 4, "group_size": 128, "desc_act": false})", "gptq-int4"},
        QuantRow{R"("quantization_config": {"quant_method": "gptq", "bits": 8, "group_size": 128})", "gptq-int8"},
        QuantRow{R"("quantization_config": {"quant_method": "awq", "bits": 4, "group_size": 128, "version": "gemm"})", "awq-int4"},
        QuantRow{R"("quantization_config": {"quant_method": "bitsandbytes", "load_in_4bit": true, "bnb_4bit_quant_type": "nf4"})", "bnb-nf4"},
        QuantRow{R"("quantization_config": {"quant_method": "bitsandbytes", "load_in_4bit": true, "bnb_4bit_quant_type": "nf4",
                   "bnb_4bit_use_double_quant": true})", "bnb-nf4-dq"},
        QuantRow{R"("quantization_config": {"quant_method": "bitsandbytes", "load_in_4bit": true, "bnb_4bit_quant_type": "fp4"})", "bnb-nf4"},
        QuantRow{R"("quantization_config": {"quant_method": "bitsandbytes", "load_in_8bit": true})", "bnb-int8"},
        QuantRow{R"("quantization_config": {"quant_method": "fp8", "fmt": "e4m3", "activation_scheme": "dynamic",
                   "weight_block_size": [128, 128]})", "fp8-block"},
        QuantRow{R"("quantization_config": {"quant_method": "fp8", "activation_scheme": "dynamic"})", "fp8"},
        QuantRow{R"("quantization_config": {"quant_method": "mxfp4", "modules_to_not_convert": ["lm_head"]})", "mxfp4"},
        QuantRow{R"("quantization_config": {"quant_method": "compressed-tensors", "format": "float-quantized",
                   "config_groups": {"group_0": {"targets": ["Linear"], "weights": {"num_bits": 8, "type": "float",
                   "strategy": "channel", "dynamic": false, "symmetric": true}}}})", "fp8"},
        QuantRow{R"("quantization_config": {"quant_method": "compressed-tensors", "format": "float-quantized",
                   "config_groups": {"group_0": {"weights": {"num_bits": 8, "type": "float", "strategy": "block",
                   "block_structure": [128, 128]}}}})", "fp8-block"},
        QuantRow{R"("quantization_config": {"quant_method": "compressed-tensors", "format": "pack-quantized",
                   "config_groups": {"group_0": {"weights": {"num_bits": 4, "type": "int", "strategy": "group",
                   "group_size": 128}}}})", "gptq-int4"},
        QuantRow{R"("quantization_config": {"quant_method": "compressed-tensors", "format": "nvfp4-pack-quantized",
                   "config_groups": {"group_0": {"weights": {"num_bits": 4, "type": "float", "strategy": "tensor_group",
                   "group_size": 16}}}})", "nvfp4"},
        QuantRow{R"("quantization_config": {"quant_method": "compressed-tensors", "format": "int-quantized",
                   "config_groups": {"group_0": {"weights": {"num_bits": 8, "type": "int", "strategy": "channel"}}}})", "bnb-int8"},
        QuantRow{R"("quantization_config": {"quant_method": "modelopt", "quant_algo": "NVFP4"})", "nvfp4"}));

TEST(HfQuant, NotesWhatTheMixDoesNotCover) {
  std::vector<std::string> notes;
  EXPECT_EQ(mix_of(R"("quantization_config": {"quant_method": "gptq", "bits": 4, "group_size": 32})", &notes), "gptq-int4");
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("quantization_config.group_size 32"), std::string::npos) << notes[0];
  mix_of(R"("model_type": "llama")", &notes);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0], "no torch_dtype: assuming bfloat16");
}

TEST(HfQuant, UnsupportedSchemesNameWhatIsUnsupported) {
  using test::expect_input_error;
  expect_input_error([] { mix_of(R"("quantization_config": {"quant_method": "gptq", "bits": 3})"); }, "config.json",
                     "quantization_config.bits: GPTQ with 3 bits is not supported");
  expect_input_error([] { mix_of(R"("quantization_config": {"quant_method": "hqq"})"); }, "config.json",
                     "quantization_config.quant_method: 'hqq' is not supported (gptq, awq,");
  expect_input_error([] { mix_of(R"("quantization_config": {"quant_method": "bitsandbytes"})"); }, "config.json",
                     "sets neither load_in_4bit nor load_in_8bit");
  expect_input_error(
      [] {
        mix_of(R"("quantization_config": {"quant_method": "compressed-tensors", "config_groups": {"group_0": {"weights":
               {"num_bits": 2, "type": "int", "strategy": "group", "group_size": 64}}}})");
      },
      "config.json", "compressed-tensors scheme int 2-bit, strategy group, group 64 is not supported");
  expect_input_error(
      [] {
        mix_of(R"("quantization_config": {"quant_method": "compressed-tensors", "config_groups": {
               "a": {"weights": {"num_bits": 8, "type": "float", "strategy": "channel"}},
               "b": {"weights": {"num_bits": 4, "type": "int", "strategy": "group", "group_size": 128}}}})");
      },
      "config.json", "mixes schemes (fp8 and gptq-int4)");
  expect_input_error([] { mix_of(R"("torch_dtype": "int8")"); }, "config.json", "unsupported dtype 'int8'");
}

}  // namespace
}  // namespace vramfit
