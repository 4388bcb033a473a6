#!/usr/bin/env bash
# The long fuzz run: every target (or those named) for RUNS executions each (default 10 million),
# one after another, with a growing corpus in CORPUS_DIR (default fuzz-corpus/, not tracked; seeded
# from tests/fuzz_corpus/). Logs and any crash inputs go to LOG_DIR (default fuzz-logs/). Prints
# executions, seconds and executions/s per target.
#   fuzz/run_long.sh [-b BUILD_DIR] [-n RUNS] [TARGET ...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-fuzz
runs=10000000
while getopts "b:n:" o; do
  case $o in
    b) build=$OPTARG ;;
    n) runs=$OPTARG ;;
    *) echo "usage: $0 [-b BUILD_DIR] [-n RUNS] [TARGET ...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(parse safetensors hf_config yaml_catalog gguf cli)
  [ -x "$build/fuzz/fuzz_runtime_log" ] && targets+=(runtime_log)
fi
# No allocation stacks in ASan reports (a finding is re-run with the default to get them): recording
# every allocation's stack was 18 % of the cli target's time. Leaks and memory errors are still caught.
export ASAN_OPTIONS=${ASAN_OPTIONS:-malloc_context_size=0}
corpus=${CORPUS_DIR:-$root/fuzz-corpus}
logs=${LOG_DIR:-$root/fuzz-logs}
mkdir -p "$logs"
status=0
for t in "${targets[@]}"; do
  mkdir -p "$corpus/$t"
  max_len=4096
  [ "$t" = gguf ] && max_len=32768
  [ "$t" = yaml_catalog ] || [ "$t" = hf_config ] && max_len=16384
  start=$(date +%s)
  if (cd "$logs" && "$build/fuzz/fuzz_$t" -runs="$runs" -max_len=$max_len -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$logs/$t-" \
        "$corpus/$t" "$root/tests/fuzz_corpus/$t" >"$logs/$t.log" 2>&1); then
    result=ok
  else
    result=FAILED
    status=1
  fi
  secs=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$logs/$t.log")
  printf 'fuzz_%-13s %10s executions %7d s %8d exec/s  %s\n' "$t" "${execs:-0}" "$secs" \
    $(( ${execs:-0} / (secs > 0 ? secs : 1) )) "$result"
done
exit $status
