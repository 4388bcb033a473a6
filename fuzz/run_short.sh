#!/usr/bin/env bash
# The CI fuzz pass: every target for RUNS executions (default 20000), or SECONDS seconds (default 15)
# if that comes first (the CLI and YAML targets run a few hundred inputs a second), from its seeds in
# tests/fuzz_corpus/<target>/, new inputs kept in a temporary directory. Any crash, leak, sanitizer
# report or broken contract fails the pass; the offending input is left in the current directory.
#   fuzz/run_short.sh [BUILD_DIR] [RUNS] [SECONDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-fuzz}
runs=${2:-20000}
seconds=${3:-15}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vramfit-fuzz.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
DICTS=$tmp
for t in gguf safetensors hf_config yaml_catalog parse cli remote runtime_log; do
  # The runtime log reader is built only where the tree has it (fuzz/CMakeLists.txt).
  [ "$t" = runtime_log ] && [ ! -x "$build/fuzz/fuzz_$t" ] && { echo "fuzz_runtime_log: not built (no log reader), skipped"; continue; }
  mkdir -p "$tmp/$t"
  # Inputs up to 1 MiB where size is what breaks (issue 16: a 100 KB id crashed the catalog loader);
  # GGUF seeds are whole files (headers + data); the other readers take small texts.
  max_len=4096
  [ "$t" = gguf ] && max_len=32768
  [ "$t" = hf_config ] && max_len=16384
  # An HTTP response (status, headers, body) whose body is a manifest, a listing or a GGUF header.
  [ "$t" = remote ] && max_len=65536
  [ "$t" = cli ] || [ "$t" = yaml_catalog ] || [ "$t" = runtime_log ] && max_len=1048576
  # Huge and negative numbers for every target, then the target's own words (fuzz/dict/).
  cat "$root/fuzz/dict/numbers.dict" > "$DICTS/$t.dict"
  [ -f "$root/fuzz/dict/$t.dict" ] && cat "$root/fuzz/dict/$t.dict" >> "$DICTS/$t.dict"
  start=$(date +%s%N)
  # Absolute paths: fuzz_cli runs in a temporary directory of its own.
  if ! "$build/fuzz/fuzz_$t" -runs="$runs" -max_total_time="$seconds" -max_len=$max_len -dict="$DICTS/$t.dict" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$PWD/fuzz_$t-" \
      "$tmp/$t" "$root/tests/fuzz_corpus/$t" >"$tmp/$t.log" 2>&1; then
    tail -n 60 "$tmp/$t.log"
    echo "fuzz_$t: FAILED (see above)" >&2
    exit 1
  fi
  end=$(date +%s%N)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/$t.log")
  ms=$(( (end - start) / 1000000 ))
  printf 'fuzz_%-13s %9s executions %6d ms  ok\n' "$t" "$execs" "$ms"
done
