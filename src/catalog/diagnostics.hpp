// Input errors with a location, and a sink that either stops at the first problem (normal commands)
// or collects them all (`vramfit catalog check`).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace vramfit::io {

// Bad input from a file or the command line: rendered as one line, exit code 2.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A message as one printable line: control bytes of quoted input (a key or tensor name holding a
// newline) escaped as \xNN.
inline std::string one_line(const std::string& msg) {
  std::string out;
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

struct Location {
  std::string file;
  int line = 0;    // 1-based; 0 = unknown
  int column = 0;  // 1-based; 0 = unknown
  [[nodiscard]] std::string str() const {
    std::string s = file;
    if (line > 0) s += ":" + std::to_string(line);
    if (column > 0) s += ":" + std::to_string(column);
    return s;
  }
};

struct Problem {
  Location where;
  std::string message;
  [[nodiscard]] std::string str() const { return where.str() + ": " + message; }
};

class Diagnostics {
 public:
  explicit Diagnostics(bool collect = false) : collect_(collect) {}
  void report(const Location& where, const std::string& message) {
    Problem p{where, one_line(message)};
    if (!collect_) throw InputError(p.str());
    problems_.push_back(std::move(p));
  }
  [[nodiscard]] bool collecting() const { return collect_; }
  [[nodiscard]] const std::vector<Problem>& problems() const { return problems_; }

 private:
  bool collect_;
  std::vector<Problem> problems_;
};

}  // namespace vramfit::io
