#!/usr/bin/env bash
# The long fuzz run: every target (or those named) for RUNS executions each (default 10 million),
# one after another, with a growing corpus in CORPUS_DIR (default fuzz-corpus/, not tracked; seeded
# from tests/fuzz_corpus/). Logs and any crash inputs go to LOG_DIR (default fuzz-logs/). Prints
# executions, seconds and executions/s per target.
#   fuzz/run_long.sh [-b BUILD_DIR] [-n RUNS] [-t PIECE_SECONDS] [TARGET ...]
# -t runs each target as a series of fresh processes of at most PIECE_SECONDS each, over the same
# corpus, until RUNS executions in all (logs TARGET.1.log, TARGET.2.log, ...). fuzz_cli slows down
# as one process runs on: 10-minute pieces averaged 875 inputs/s, 20-minute processes 730-825/s, a
# 46-minute one 691/s (docs/hardening.md, "Fifth long run"); -t 600 suits it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-fuzz
runs=10000000
piece=0
while getopts "b:n:t:" o; do
  case $o in
    b) build=$OPTARG ;;
    n) runs=$OPTARG ;;
    t) piece=$OPTARG ;;
    *) echo "usage: $0 [-b BUILD_DIR] [-n RUNS] [-t PIECE_SECONDS] [TARGET ...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
if ! [[ $runs =~ ^[1-9][0-9]*$ && $piece =~ ^[0-9]+$ ]]; then
  echo "$0: -n takes a whole number of at least 1, -t a whole number of seconds (0: one process)" >&2
  exit 2
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(parse safetensors hf_config yaml_catalog gguf cli remote)
  [ -x "$build/fuzz/fuzz_runtime_log" ] && targets+=(runtime_log)
fi
# No allocation stacks in ASan reports (a finding is re-run with the default to get them): recording
# every allocation's stack was 18 % of the cli target's time. Leaks and memory errors are still caught.
export ASAN_OPTIONS=${ASAN_OPTIONS:-malloc_context_size=0}
corpus=${CORPUS_DIR:-$root/fuzz-corpus}
logs=${LOG_DIR:-$root/fuzz-logs}
mkdir -p "$logs"
DICTS=$logs
status=0
for t in "${targets[@]}"; do
  mkdir -p "$corpus/$t"
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
  start=$(date +%s)
  total=0
  pieces=0
  result=ok
  while [ "$total" -lt "$runs" ]; do
    pieces=$((pieces + 1))
    log=$logs/$t.log
    limit=()
    if [ "$piece" -gt 0 ]; then
      log=$logs/$t.$pieces.log
      limit=(-max_total_time="$piece")
    fi
    if ! (cd "$logs" && "$build/fuzz/fuzz_$t" -runs=$((runs - total)) "${limit[@]}" -max_len=$max_len -dict="$DICTS/$t.dict" \
          -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$logs/$t-" \
          "$corpus/$t" "$root/tests/fuzz_corpus/$t" >"$log" 2>&1); then
      result=FAILED
      status=1
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    total=$((total + ${execs:-0}))
    # A failed piece is a finding (or an interrupt): stop there. A piece that ran nothing would loop.
    if [ "$result" = FAILED ] || [ "${execs:-0}" -eq 0 ]; then break; fi
  done
  secs=$(( $(date +%s) - start ))
  printf 'fuzz_%-13s %10s executions %7d s %8d exec/s %3d piece(s)  %s\n' "$t" "$total" "$secs" \
    $(( total / (secs > 0 ? secs : 1) )) "$pieces" "$result"
done
exit $status
