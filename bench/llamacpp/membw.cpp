// Streaming-read memory bandwidth of this machine, the figure a decode-speed bound divides by.
//
//   membw [--threads N] [--mib SIZE] [--passes P]
//
// Each thread sums its own slice of one buffer of SIZE MiB (default 1024, far larger than any cache),
// P times (default 8); every pass reads the whole buffer once. The buffer is written first with
// non-zero data so that every page is really backed. Prints one JSON line with the best and median
// rate over the passes, in decimal GB/s (10^9 bytes per second, as vendors and vramfit's catalog state
// bandwidth), and the median rate over process CPU time (std::clock): with one thread that is the rate
// while the thread is on a core (null for more threads), unaffected by other processes taking turns on a shared machine.
// Build: c++ -O3 -march=native -std=c++20 -pthread membw.cpp -o membw
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

namespace {

// Sums n words as two independent sequential streams (the two halves, walked together): they keep
// more cache-line requests in flight than one stream, as a matrix-vector product walking several
// rows does. A plain integer reduction, which the compiler vectorises with vector accumulators.
std::uint64_t sum_slice(const std::uint64_t* p, std::size_t n) {
  const std::size_t half = n / 2;
  const std::uint64_t* q = p + half;
  std::uint64_t a = 0, b = 0;
  for (std::size_t i = 0; i < half; ++i) {
    a += p[i];
    b += q[i];
  }
  if (n % 2) a += p[n - 1];
  return a + b;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1, passes = 8;
  std::size_t mib = 1024;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--threads") threads = std::max(1, std::atoi(argv[i + 1]));
    else if (a == "--mib") mib = static_cast<std::size_t>(std::max(64, std::atoi(argv[i + 1])));
    else if (a == "--passes") passes = std::max(1, std::atoi(argv[i + 1]));
    else {
      std::fprintf(stderr, "usage: membw [--threads N] [--mib SIZE] [--passes P]\n");
      return 2;
    }
  }
  const std::size_t words = mib * 1024 * 1024 / sizeof(std::uint64_t);
  std::vector<std::uint64_t> buf(words);
  for (std::size_t i = 0; i < words; ++i) buf[i] = i * 0x9E3779B97F4A7C15ull;

  std::vector<double> rates, cpu_rates;
  std::uint64_t sink = 0;
  for (int pass = 0; pass < passes; ++pass) {
    std::vector<std::uint64_t> sums(static_cast<std::size_t>(threads));
    std::vector<std::thread> pool;
    const std::clock_t c0 = std::clock();
    const auto t0 = std::chrono::steady_clock::now();
    for (int t = 0; t < threads; ++t) {
      const std::size_t lo = words * static_cast<std::size_t>(t) / static_cast<std::size_t>(threads);
      const std::size_t hi = words * static_cast<std::size_t>(t + 1) / static_cast<std::size_t>(threads);
      pool.emplace_back([&, lo, hi, t] { sums[static_cast<std::size_t>(t)] = sum_slice(buf.data() + lo, hi - lo); });
    }
    for (std::thread& th : pool) th.join();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu_s = double(std::clock() - c0) / CLOCKS_PER_SEC / threads;
    for (std::uint64_t x : sums) sink += x;
    rates.push_back(double(words * sizeof(std::uint64_t)) / s / 1e9);
    cpu_rates.push_back(double(words * sizeof(std::uint64_t)) / cpu_s / 1e9);
  }
  std::sort(rates.begin(), rates.end());
  std::sort(cpu_rates.begin(), cpu_rates.end());
  std::printf("{\"threads\": %d, \"mib\": %zu, \"passes\": %d, \"best_gbs\": %.2f, \"median_gbs\": %.2f, "
              "\"cpu_time_median_gbs\": %s, \"checksum\": %llu}\n",
              threads, mib, passes, rates.back(), rates[rates.size() / 2],
              threads == 1 ? std::to_string(cpu_rates[cpu_rates.size() / 2]).c_str() : "null",
              static_cast<unsigned long long>(sink % 1000));
  return 0;
}
