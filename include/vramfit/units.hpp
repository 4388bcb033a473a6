// Strong unit types: a byte count cannot be added to a rate, and dividing bytes by a bandwidth
// gives seconds. GiB/MiB are binary (what runtimes print); GB and GB/s are decimal (what vendors print).
#pragma once

#include <cmath>
#include <compare>
#include <concepts>
#include <functional>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "vramfit/error.hpp"

namespace vramfit {

namespace detail {

// Integer quantities (Bytes, element counts) never wrap: a sum or product past 2^63 - 1 is an overflow error.
[[noreturn]] inline void byte_count_overflow() {
  throw CoreError(ErrorKind::overflow, "a byte or element count overflows 64 bits: the model or workload is absurdly large");
}
template <class Rep>
constexpr Rep checked_add(Rep a, Rep b) {
  if constexpr (std::is_integral_v<Rep>) {
    Rep out{};
    if (__builtin_add_overflow(a, b, &out)) byte_count_overflow();
    return out;
  } else {
    return a + b;
  }
}
template <class Rep>
constexpr Rep checked_sub(Rep a, Rep b) {
  if constexpr (std::is_integral_v<Rep>) {
    Rep out{};
    if (__builtin_sub_overflow(a, b, &out)) byte_count_overflow();
    return out;
  } else {
    return a - b;
  }
}
template <class Rep, class K>
constexpr Rep checked_mul(Rep a, K k) {
  if constexpr (std::is_integral_v<Rep>) {
    Rep out{};
    if (__builtin_mul_overflow(a, k, &out)) byte_count_overflow();
    return out;
  } else {
    return a * k;
  }
}

}  // namespace detail

template <class Tag, class Rep>
class Quantity {
 public:
  using rep = Rep;
  constexpr Quantity() = default;
  constexpr explicit Quantity(Rep v) : v_(v) {}
  [[nodiscard]] constexpr Rep value() const { return v_; }

  constexpr Quantity& operator+=(Quantity o) { v_ = detail::checked_add(v_, o.v_); return *this; }
  constexpr Quantity& operator-=(Quantity o) { v_ = detail::checked_sub(v_, o.v_); return *this; }
  friend constexpr Quantity operator+(Quantity a, Quantity b) { return Quantity(detail::checked_add(a.v_, b.v_)); }
  friend constexpr Quantity operator-(Quantity a, Quantity b) { return Quantity(detail::checked_sub(a.v_, b.v_)); }
  // Scaling takes Rep (or any integer for integer quantities): Bytes * 0.9 must not truncate 0.9 to 0.
  template <class K>
    requires(std::same_as<K, Rep> || (std::integral<K> && std::integral<Rep>))
  friend constexpr Quantity operator*(Quantity a, K k) { return Quantity(detail::checked_mul(a.v_, k)); }
  template <class K>
    requires(std::same_as<K, Rep> || (std::integral<K> && std::integral<Rep>))
  friend constexpr Quantity operator*(K k, Quantity a) { return Quantity(detail::checked_mul(a.v_, k)); }
  template <class K>
    requires(std::same_as<K, Rep> || (std::integral<K> && std::integral<Rep>))
  friend constexpr Quantity operator/(Quantity a, K k) { return Quantity(a.v_ / k); }
  // Ratio of two like quantities is a plain number.
  friend constexpr double operator/(Quantity a, Quantity b) {
    return static_cast<double>(a.v_) / static_cast<double>(b.v_);
  }
  friend constexpr auto operator<=>(Quantity, Quantity) = default;
  friend constexpr bool operator==(Quantity, Quantity) = default;

 private:
  Rep v_{};
};

struct BytesTag {};
struct BytesPerSecondTag {};
struct SecondsTag {};
struct TokensPerSecondTag {};
struct FlopsTag {};
struct FlopsPerSecondTag {};

// Byte counts are exact integers: KV caches and tensor sizes are reproduced to the byte.
using Bytes = Quantity<BytesTag, std::int64_t>;
using BytesPerSecond = Quantity<BytesPerSecondTag, double>;
using Seconds = Quantity<SecondsTag, double>;
using TokensPerSecond = Quantity<TokensPerSecondTag, double>;
using Flops = Quantity<FlopsTag, double>;
using FlopsPerSecond = Quantity<FlopsPerSecondTag, double>;

inline constexpr std::int64_t kKiB = 1024;
inline constexpr std::int64_t kMiB = 1024 * kKiB;
inline constexpr std::int64_t kGiB = 1024 * kMiB;
inline constexpr std::int64_t kTiB = 1024 * kGiB;
inline constexpr std::int64_t kGB = 1000 * 1000 * 1000;

constexpr Bytes bytes(std::int64_t n) { return Bytes(n); }
constexpr Bytes mib(std::int64_t n) { return Bytes(n * kMiB); }
constexpr Bytes gib(std::int64_t n) { return Bytes(n * kGiB); }
// A byte count given as a double, rounded to the nearest byte; an overflow error when it is not a
// finite number within +-2^63 (llround's result is unspecified there: a "1e17 GiB" log line became a
// negative size).
inline Bytes bytes_from_double(double n) {
  if (!(std::abs(n) < 9.2e18)) detail::byte_count_overflow();
  return Bytes(static_cast<std::int64_t>(std::llround(n)));
}
// Fractional capacities (e.g. "10.67 GiB") round to the nearest byte.
inline Bytes gib(double n) { return bytes_from_double(n * double(kGiB)); }
inline Bytes gb(double n) { return bytes_from_double(n * 1e9); }
constexpr BytesPerSecond gb_per_s(double n) { return BytesPerSecond(n * 1e9); }
constexpr FlopsPerSecond tflops(double n) { return FlopsPerSecond(n * 1e12); }

constexpr double to_gib(Bytes b) { return static_cast<double>(b.value()) / double(kGiB); }
constexpr double to_mib(Bytes b) { return static_cast<double>(b.value()) / double(kMiB); }
constexpr double to_gb(Bytes b) { return static_cast<double>(b.value()) / 1e9; }

// The only cross-unit operations that make physical sense.
constexpr Seconds operator/(Bytes b, BytesPerSecond r) { return Seconds(static_cast<double>(b.value()) / r.value()); }
constexpr Seconds operator/(Flops f, FlopsPerSecond r) { return Seconds(f.value() / r.value()); }
constexpr TokensPerSecond per_token(Seconds s) { return TokensPerSecond(1.0 / s.value()); }
constexpr Seconds operator/(double tokens, TokensPerSecond r) { return Seconds(tokens / r.value()); }

// Proof that the rules hold at compile time.
static_assert(std::is_same_v<decltype(Bytes{} / BytesPerSecond{1.0}), Seconds>);
static_assert(std::is_same_v<decltype(Flops{} / FlopsPerSecond{1.0}), Seconds>);
static_assert(std::is_same_v<decltype(Bytes{} + Bytes{}), Bytes>);
static_assert(!std::is_invocable_v<std::plus<>, Bytes, TokensPerSecond>);
static_assert(!std::is_invocable_v<std::plus<>, Bytes, BytesPerSecond>);
static_assert(!std::is_convertible_v<std::int64_t, Bytes>);
static_assert(!std::is_invocable_v<std::multiplies<>, Bytes, double>);
static_assert(gib(std::int64_t{1}).value() == 1073741824);
static_assert(mib(std::int64_t{1}).value() == 1048576);

// Checked helpers: byte counts of absurd inputs must fail loudly, never wrap.
constexpr bool mul_overflows(std::int64_t a, std::int64_t b, std::int64_t& out) {
  return __builtin_mul_overflow(a, b, &out);
}
constexpr bool add_overflows(std::int64_t a, std::int64_t b, std::int64_t& out) {
  return __builtin_add_overflow(a, b, &out);
}
// a + b for element and parameter counts summed over a file's tensors: an overflow error, not a wrap.
constexpr std::int64_t checked_sum(std::int64_t a, std::int64_t b) { return detail::checked_add(a, b); }
// The product of integer factors as a byte count; an overflow error instead of a wrap.
template <std::integral... K>
constexpr Bytes checked_bytes(std::int64_t first, K... rest) {
  std::int64_t out = first;
  ((out = detail::checked_mul(out, static_cast<std::int64_t>(rest))), ...);
  return Bytes(out);
}
static_assert(checked_bytes(4, 2, kGiB).value() == 8 * kGiB);

}  // namespace vramfit
