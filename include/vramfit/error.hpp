// Typed errors raised by the core; the CLI renders them once, as one line, with exit code 2.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace vramfit {

// Messages past this many bytes lose their middle: a 100 KB argument quoted whole would make a 100 KB
// error line. The start (file, line, what is wrong) and the end are kept.
inline constexpr std::size_t kMaxMessageBytes = 2048;

// A message as one printable line: control bytes that quoted input brings in (a key, tensor or
// architecture name holding a newline) escaped as \xNN, and no longer than kMaxMessageBytes. Both
// error types below apply it, so every error the CLI renders keeps the one-line contract of
// docs/errors.md.
inline std::string one_line(const std::string& msg) {
  if (msg.size() > kMaxMessageBytes) {
    // Cut at UTF-8 character boundaries (never before a continuation byte 10xxxxxx).
    auto boundary = [&](std::size_t i) {
      while (i > 0 && i < msg.size() && (static_cast<unsigned char>(msg[i]) & 0xC0) == 0x80) --i;
      return i;
    };
    const std::size_t head = boundary(kMaxMessageBytes * 3 / 4), tail = boundary(msg.size() - kMaxMessageBytes / 5);
    std::string cut(msg, 0, head);
    cut.append(" [... ").append(std::to_string(tail - head)).append(" bytes cut ...] ").append(msg, tail, std::string::npos);
    return one_line(cut);
  }
  std::string out;
  out.reserve(msg.size());
  for (const char c : msg) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      static const char* const hex = "0123456789abcdef";
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 15];
    } else {
      out += c;
    }
  }
  return out;
}

enum class ErrorKind {
  invalid_model,     // architecture description is inconsistent (kv_heads not dividing heads ...)
  invalid_workload,  // context, batch, parallel out of range
  unknown_type,      // tensor/KV type or mix id not in the catalog
  placement,         // impossible placement (more GPUs than layers ...)
  overflow,          // a byte count would not fit in 63 bits
};

class CoreError : public std::runtime_error {
 public:
  CoreError(ErrorKind kind, const std::string& what) : std::runtime_error(one_line(what)), kind_(kind) {}
  [[nodiscard]] ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

}  // namespace vramfit
