#!/usr/bin/env bash
# Scripted CLI timings: wall time and peak memory of whole `vramfit` invocations (process start,
# catalog, estimate, output), the figures a shell script or CI job sees.
# Usage: bench/cli_latency.sh [path/to/vramfit] [runs]
set -euo pipefail
bin=${1:-build/vramfit}
runs=${2:-200}
time_cmd=/usr/bin/time
[ -x "$time_cmd" ] || { echo "cli_latency: /usr/bin/time is needed (apt-get install time)" >&2; exit 2; }

measure() {
  local label=$1; shift
  local start end peak=0 rss
  start=$(date +%s%N)
  for ((i = 0; i < runs; i++)); do "$bin" "$@" >/dev/null || [ $? -eq 1 ]; done
  end=$(date +%s%N)
  rss=$("$time_cmd" -f %M "$bin" "$@" 2>&1 >/dev/null | tail -n 1)
  printf '%-58s %8.3f ms/run  peak %6.1f MiB\n' "$label" "$(echo "($end - $start) / $runs / 1000000" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
}

echo "vramfit CLI latency, $runs runs each, $(nproc) cores, $(uname -m)"
measure "fit llama-3.1-8b --device rtx-4090" fit llama-3.1-8b --device rtx-4090
measure "fit llama-3.1-70b --device rtx-4090 --ram 64GB (offload)" fit llama-3.1-70b --device rtx-4090 --ram 64GB
measure "fit deepseek-v3 --device h100-sxmx8 --json" fit deepseek-v3 --device h100-sxmx8 --json
measure "estimate gemma-3-27b -c 32k" estimate gemma-3-27b -c 32k
runs=20 measure "table --device rtx-4090 (52 models x 5 quants)" table --device rtx-4090
