// The command a user would run to get the plan of a fit: llama-server, Ollama, vllm serve or
// mlx_lm.server with the flags that pin the plan's context, sequences, layers on the GPUs, split,
// experts in RAM, KV type, flash attention and batch (issue 21). Every flag emitted is listed, with
// its meaning and source, in docs/runtimes.md "Launch commands"; tests/engine/test_launch.cpp checks
// each emitted flag against that table.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "engine/fit.hpp"
#include "engine/session.hpp"

namespace vramfit::engine {

// One flag, environment variable or Ollama parameter of a launch command, with the meaning it is
// emitted for: the first words of its row's meaning in docs/runtimes.md (the test compares them).
struct LaunchFlag {
  std::string name;     // "-c", "OLLAMA_KV_CACHE_TYPE", "num_ctx"
  std::string value;    // "" for a switch (--cpu-moe)
  std::string meaning;  // "context tokens, total over all slots"
};

struct LaunchCommand {
  std::string runtime;                 // the runtime profile id (llama.cpp, ollama, vllm, mlx ...)
  std::vector<std::string> argv;       // empty: the runtime has no command for this plan (notes say why)
  std::vector<LaunchFlag> flags;       // what argv holds after the program (and subcommand), in order
  std::vector<LaunchFlag> env;         // environment of the server process (Ollama: of `ollama serve`)
  std::vector<LaunchFlag> parameters;  // Ollama model parameters (/set parameter, Modelfile PARAMETER)
  std::vector<std::string> notes;      // placeholders, plan settings no flag can express

  [[nodiscard]] bool has_command() const { return !argv.empty(); }
  // argv as one shell line: words with shell metacharacters in single quotes, placeholders (<...>)
  // verbatim so that they cannot be mistaken for a real name.
  [[nodiscard]] std::string command() const;
};

// The launch command of a fit's plan (pool runtimes: of a.pool). `r` is the request as asked: the
// model as the user named it (an Ollama tag, a file path, hf.co/ORG/REPO:QUANT) and the runtime
// settings given (--no-repack, --backend cpu, --vllm-version). A plan that does not fit has a
// command too (the CLI prints it only for plans that fit).
LaunchCommand launch_command(Session& s, const FitRequest& r, const FitAnswer& a);

// A shell word: quoted where needed ("a b" -> 'a b'); a <placeholder> stays as it is.
std::string shell_word(const std::string& w);

}  // namespace vramfit::engine
