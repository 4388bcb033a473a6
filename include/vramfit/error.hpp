// Typed errors raised by the core; the CLI renders them once, as one line, with exit code 2.
#pragma once

#include <stdexcept>
#include <string>

namespace vramfit {

enum class ErrorKind {
  invalid_model,     // architecture description is inconsistent (kv_heads not dividing heads ...)
  invalid_workload,  // context, batch, parallel out of range
  unknown_type,      // tensor/KV type or mix id not in the catalog
  placement,         // impossible placement (more GPUs than layers ...)
  overflow,          // a byte count would not fit in 63 bits
};

class CoreError : public std::runtime_error {
 public:
  CoreError(ErrorKind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  [[nodiscard]] ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

}  // namespace vramfit
