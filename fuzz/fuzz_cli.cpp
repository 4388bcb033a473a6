// The command line: the input is an argument list, one argument per line. Every run must keep the
// exit-code contract (docs/errors.md): 0, 1 or 2; on 2 nothing on stdout and exactly one stderr line
// starting "vramfit: error: ", at most 16 KiB long. Arguments naming paths are dropped (the target
// runs in an empty temporary directory), so that the fuzzer never reads or writes the machine's files.
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "cli/app.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  char dir[] = "/tmp/vramfit-fuzz-cli.XXXXXX";
  if (mkdtemp(dir) == nullptr || chdir(dir) != 0) std::abort();
  // A reference that looks remote (NAME:TAG, ORG/REPO) must never reach the network: offline, with an
  // empty cache of its own.
  setenv("VRAMFIT_OFFLINE", "1", 1);
  setenv("VRAMFIT_CACHE_DIR", (std::string(dir) + "/cache").c_str(), 1);
  for (const char* v : {"HF_ENDPOINT", "HF_TOKEN", "VRAMFIT_OLLAMA_REGISTRY"}) unsetenv(v);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> args{"vramfit"};
  std::string cur;
  for (std::size_t i = 0; i < size; ++i) {
    const char c = static_cast<char>(data[i]);
    if (c == '\n') {
      args.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) args.push_back(cur);
  if (args.size() > 24) return 0;
  for (const std::string& a : args)
    if (a.find('/') != std::string::npos || a.find('\0') != std::string::npos || a.find("..") != std::string::npos ||
        a.find("gguf") != std::string::npos || a == "." || a == "import")
      return -1;  // not added to the corpus
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  vramfit::cli::Io io{out, err, false, "1", nullptr};
  const int rc = vramfit::cli::run(static_cast<int>(argv.size()), argv.data(), io);
  const std::string o = out.str(), e = err.str();
  bool ok = rc == 0 || rc == 1 || rc == 2;
  if (rc == 2)
    // One line, and a bounded one: quoted inputs are cut (a 1 MiB argument makes no 1 MiB message).
    ok = ok && o.empty() && e.rfind("vramfit: error: ", 0) == 0 && e.find('\n') == e.size() - 1 && e.size() <= 16384;
  else
    ok = ok && e.empty();
  if (!ok) {
    std::fprintf(stderr, "contract broken: exit %d\n--- stdout\n%s--- stderr\n%s", rc, o.c_str(), e.c_str());
    std::abort();
  }
  return 0;
}
