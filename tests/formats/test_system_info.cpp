// system_info.hpp: the readers of `vramfit detect`, on recorded outputs (tests/cli/fixtures/detect/
// holds whole recordings; these rows are cut from them and from the tools' documented formats).
#include <gtest/gtest.h>

#include "formats/system_info.hpp"

namespace vramfit::io {
namespace {

TEST(SystemInfo, NvidiaSmiCsv) {
  std::vector<std::string> problems;
  const auto g = parse_nvidia_smi(
      "NVIDIA GeForce RTX 4090, 24564, 1536, 22620, 8.9, 560.35.03\n"
      "NVIDIA GeForce GTX 1070, 8192, 287, 7734, 6.1, 535.183.01\n\n",
      problems);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(g[0].name, "NVIDIA GeForce RTX 4090");
  EXPECT_EQ(g[0].total_mib, 24564);
  EXPECT_EQ(g[0].used_mib, 1536);  // the desktop's 1.5 GiB
  EXPECT_EQ(g[0].free_mib, 22620);
  EXPECT_EQ(g[0].compute_capability, "8.9");
  EXPECT_EQ(g[0].driver, "560.35.03");
  EXPECT_EQ(g[1].compute_capability, "6.1");
}

TEST(SystemInfo, NvidiaSmiBadLinesAreSkipped) {
  std::vector<std::string> problems;
  const auto g = parse_nvidia_smi(
      "NVIDIA GeForce RTX 3090, 24576, 5, 24245\n"                      // 4 fields
      "NVIDIA A100-SXM4-80GB, [N/A], [N/A], [N/A], 8.0, 550.54.15\n"  // memory not reported
      "NVIDIA GeForce RTX 3090, 24576, 5, 24245, [N/A], 550.54.15\r\n",
      problems);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].compute_capability, "");  // [N/A]: left to the catalog
  EXPECT_EQ(g[0].total_mib, 24576);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0], "nvidia-smi line 1: expected 6 fields, got 4");
}

TEST(SystemInfo, RocmSmiJson) {
  std::vector<std::string> problems;
  // Cards sorted by number (card10 after card2), both key spellings ("Card series" 5.x, "Card Series" 6.x).
  const auto g = parse_rocm_smi(
      R"json({"card10": {"Card series": "AMD Instinct MI300X", "GFX Version": "gfx942", "VRAM Total Memory (B)": "206141652992", "VRAM Total Used Memory (B)": "297254912"},
          "card2": {"Card Series": "Radeon RX 7900 XTX", "GFX Version": "gfx1100", "VRAM Total Memory (B)": "25753026560", "VRAM Total Used Memory (B)": "1038327808"},
          "system": {"Driver version": "6.8.5"}})json",
      problems);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(g[0].name, "Radeon RX 7900 XTX");
  EXPECT_EQ(g[0].gfx_target, "gfx1100");
  EXPECT_EQ(g[0].total_mib, 24560);  // 25,753,026,560 B / 1,048,576 = 24560 MiB
  EXPECT_EQ(g[0].used_mib, 990);     // 1,038,327,808 B / 1,048,576 = 990.2 -> 990
  EXPECT_EQ(g[0].free_mib, 24560 - 990);
  EXPECT_EQ(g[1].name, "AMD Instinct MI300X");
  EXPECT_EQ(g[1].total_mib, 196592);  // 206,141,652,992 / 1,048,576
  EXPECT_TRUE(parse_rocm_smi("not json", problems).empty());
  EXPECT_EQ(problems.back(), "rocm-smi: output is not a JSON object");
}

TEST(SystemInfo, AppleSysctl) {
  std::vector<std::string> problems;
  const AppleReading a = parse_sysctl(
      "hw.memsize: 68719476736\nhw.model: Mac14,6\nmachdep.cpu.brand_string: Apple M2 Max\niogpu.wired_limit_mb: 57344\n", problems);
  EXPECT_TRUE(a.present);
  EXPECT_EQ(a.chip, "Apple M2 Max");
  EXPECT_EQ(a.model, "Mac14,6");
  EXPECT_EQ(a.memory_bytes, 68719476736);  // 64 GiB
  EXPECT_EQ(a.wired_limit_mb, 57344);      // 56 GiB raised by hand
  // An Intel Mac names no Apple chip.
  EXPECT_FALSE(parse_sysctl("hw.memsize: 17179869184\nmachdep.cpu.brand_string: Intel(R) Core(TM) i7-9750H\n", problems).present);
  EXPECT_TRUE(problems.empty());
}

// Memory figures past 1 PiB (2^50 B) are misreadings: left out with a problem line, never multiplied
// into bytes (999999999999999999 kB x 1024 overflowed; issue 16).
TEST(SystemInfo, MemoryPastOnePebibyteIsAProblemNotAnOverflow) {
  std::vector<std::string> problems;
  const HostMemory m = parse_meminfo("MemTotal: 999999999999999999 kB\nMemAvailable: 1048576 kB\n", problems);
  EXPECT_EQ(m.total_bytes, 0);
  EXPECT_EQ(m.available_bytes, 1073741824);  // 1 GiB, in range, still read
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "meminfo line 1: MemTotal 999999999999999999 kB is out of range (at most 1099511627776 kB)");

  problems.clear();
  const std::vector<GpuReading> g =
      parse_nvidia_smi("NVIDIA H100, 99999999999999999, 0, 99999999999999999, 9.0, 550.54\nNVIDIA H100, 81559, 0, 81559, 9.0, 550.54\n", problems);
  ASSERT_EQ(g.size(), 1u);  // the second line only
  EXPECT_EQ(g[0].total_mib, 81559);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "nvidia-smi line 1: memory 99999999999999999 MiB is out of range (at most 1073741824 MiB)");

  problems.clear();
  const AppleReading a = parse_sysctl("hw.memsize: 9223372036854775\nmachdep.cpu.brand_string: Apple M4 Max\n", problems);
  EXPECT_EQ(a.memory_bytes, 0);
  EXPECT_FALSE(a.present);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "sysctl line 1: hw.memsize 9223372036854775 is out of range (at most 1125899906842624)");

  problems.clear();
  EXPECT_TRUE(parse_rocm_smi(R"json({"card0": {"Card series": "Radeon RX 7900 XTX", "VRAM Total Memory (B)": "999999999999999999"}})json", problems).empty());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "rocm-smi card0: VRAM 999999999999999999 B is out of range (at most 1125899906842624 B)");
}

TEST(SystemInfo, MeminfoAndCpuinfo) {
  std::vector<std::string> problems;
  const HostMemory m = parse_meminfo("MemTotal:       65536000 kB\nMemFree:  1000 kB\nMemAvailable:   50331648 kB\n", problems);
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(m.total_bytes, 65536000LL * 1024);
  EXPECT_EQ(m.available_bytes, 50331648LL * 1024);  // 48 GiB
  const CpuReading c = parse_cpuinfo(
      "processor\t: 0\nmodel name\t: AMD Ryzen 9 7950X 16-Core Processor\nphysical id\t: 0\ncore id\t\t: 0\n\n"
      "processor\t: 1\nmodel name\t: AMD Ryzen 9 7950X 16-Core Processor\nphysical id\t: 0\ncore id\t\t: 1\n\n"
      "processor\t: 2\nmodel name\t: AMD Ryzen 9 7950X 16-Core Processor\nphysical id\t: 0\ncore id\t\t: 0\n");
  EXPECT_EQ(c.model, "AMD Ryzen 9 7950X 16-Core Processor");
  EXPECT_EQ(c.logical, 3);
  EXPECT_EQ(c.cores, 2);  // core 0 twice (SMT sibling)
  EXPECT_EQ(c.features, "");  // no flags line
}

// The CPU features of llama.cpp's repack rule, from Linux's names (x86 "flags", ARM "Features").
TEST(SystemInfo, CpuinfoFeatures) {
  EXPECT_EQ(parse_cpuinfo("processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma avx512f avx512dq avx512_vnni avx512_bf16\n").features,
            "avx2,avx512,avx512_vnni");
  EXPECT_EQ(parse_cpuinfo("flags\t\t: fpu sse2 avx2 avx512f avx512_vnni amx_bf16 amx_tile amx_int8\n").features,
            "avx2,avx512,avx512_vnni,amx");
  EXPECT_EQ(parse_cpuinfo("processor\t: 0\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm "
                          "lrcpc dcpop asimddp sve i8mm bf16\n").features,
            "neon,dotprod,i8mm,sve");
  EXPECT_EQ(parse_cpuinfo("flags\t\t: fpu sse2 avx\n").features, "none");  // a CPU before AVX2
}

}  // namespace
}  // namespace vramfit::io
