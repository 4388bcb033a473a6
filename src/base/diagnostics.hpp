// Input errors with a location, and a sink that either stops at the first problem (normal commands)
// or collects them all (`vramfit catalog check`).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "vramfit/error.hpp"

namespace vramfit::io {

// The core's one_line (vramfit/error.hpp): control bytes escaped as \xNN.
using vramfit::one_line;

// Bad input: a file, argument or catalog entry the program cannot use. The message is always one
// line: control bytes that quoted input brings in (an architecture name holding a newline) are
// escaped here, so no reader has to remember to (the GGUF fuzz target found one that did not).
class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& msg) : std::runtime_error(one_line(msg)) {}
  explicit InputError(const char* msg) : InputError(std::string(msg)) {}
};

// Text from an input, quoted for a message: 'text', cut after `max` bytes ("'abc...' (100000 bytes)")
// so that a 100 KB id or name does not become a 100 KB error line.
inline std::string quote_cut(std::string_view s, std::size_t max = 80) {
  std::string out(1, '\'');
  out.append(s.substr(0, max));
  if (s.size() <= max) return out.append(1, '\'');
  return out.append("...' (").append(std::to_string(s.size())).append(" bytes)");
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
