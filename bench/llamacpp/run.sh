#!/usr/bin/env bash
# Real llama.cpp on this CPU against vramfit (docs/llamacpp-cpu.md):
#   1. builds vramfit and vramfit_gguf_write, and the bandwidth probe membw.cpp;
#   2. measures this machine's streaming-read bandwidth;
#   3. writes zero-weight GGUF files of Llama 3.2 1B / 3B and Llama 3.1 8B (sparse: no disk);
#   4. checks each with `npx node-llama-cpp inspect gguf`;
#   5. loads each with llama.cpp's CPU build (node-llama-cpp), records its buffer sizes, times decode;
#   6. prints the comparison with vramfit (compare.mjs, with a catalog device of the measured
#      bandwidth) and keeps everything in $OUT.
#
#   bash bench/llamacpp/run.sh                  the default set (about 10-15 minutes on 2 cores)
#   QUICK=1 bash bench/llamacpp/run.sh          1B only
#   BUILD=build-x OUT=/tmp/x bash bench/llamacpp/run.sh
#
# Needs the network once, for `npm ci` (node-llama-cpp and its prebuilt llama.cpp binaries), when
# bench/llamacpp/node_modules is missing. Memory: up to ~9 GiB of page cache (8B Q8_0).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-$root/build}
OUT=${OUT:-$BUILD/llamacpp-bench}
THREADS=${THREADS:-1}   # llama.cpp threads: 1 is robust on a shared 2-core machine (see the doc)
TOKENS=${TOKENS:-16}
mkdir -p "$OUT/gguf"

echo "== build"
cmake -S "$root" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j 2 --target vramfit vramfit_gguf_write >/dev/null
c++ -O3 -march=native -std=c++20 -pthread "$here/membw.cpp" -o "$OUT/membw"
if [[ ! -f $here/node_modules/node-llama-cpp/package.json ]]; then
  echo "== npm ci (node-llama-cpp)"
  (cd "$here" && npm ci --no-audit --no-fund)
fi

# Waits (up to 30 seconds) for a second in which other processes keep the CPUs under 10 % busy: on a
# shared machine, compiles running beside the benchmark distort every timing.
wait_quiet() {
  local end=$((SECONDS + 30)) a b
  while ((SECONDS < end)); do
    a=($(head -1 /proc/stat)); sleep 1; b=($(head -1 /proc/stat))
    local busy=$(( (b[1]+b[2]+b[3]+b[6]+b[7]+b[8]) - (a[1]+a[2]+a[3]+a[6]+a[7]+a[8]) ))
    local total=$(( busy + (b[4]+b[5]) - (a[4]+a[5]) ))
    (( total > 0 && busy * 10 < total )) && return 0
  done
  echo "(machine still busy after 30 seconds; measuring anyway)"
}

# Other processes on a small shared machine (compiles, test suites) take turns on the same cores. A
# higher priority for the measuring processes helps against those in the same scheduling group (not
# against other containers' cgroups); compare.mjs therefore uses the fastest steps. Needs root.
prio=()
if nice -n -15 true 2>/dev/null; then prio=(nice -n -15); else echo "(not allowed to raise priority; timings may suffer from other processes)"; fi

echo "== memory bandwidth"
wait_quiet
for t in $(printf '%s\n' 1 2 "$THREADS" | sort -un); do
  "${prio[@]}" "$OUT/membw" --threads "$t" --passes 24 | tee "$OUT/membw-${t}t.json"
done
membw=$OUT/membw-${THREADS}t.json  # the device gets the bandwidth of as many threads as llama.cpp uses

# model quant positions (decode is timed at each position; contexts 4096 and 16384 for the buffers)
if [[ ${QUICK:-0} == 1 ]]; then
  runs=("llama-3.2-1b Q4_0 0,1024" "llama-3.2-1b Q8_0 0" "llama-3.2-1b F16 0")
else
  runs=("llama-3.2-1b Q4_0 0,1024" "llama-3.2-1b Q4_K_M 0" "llama-3.2-1b Q8_0 0" "llama-3.2-1b F16 0"
        "llama-3.2-3b Q4_0 0" "llama-3.2-3b Q4_K_M 0" "llama-3.2-3b Q8_0 0" "llama-3.2-3b F16 0"
        "llama-3.1-8b Q4_0 0" "llama-3.1-8b Q4_K_M 0" "llama-3.1-8b Q8_0 0")
fi

echo "== GGUF files"
plan="{\"threads\": [${THREADS}], \"tokens\": $TOKENS, \"attempts\": 3, \"membw\": \"$OUT/membw\", \"runs\": ["
sep=""
for r in "${runs[@]}"; do
  read -r model quant positions <<<"$r"
  f=$OUT/gguf/$model-$quant.gguf
  "$BUILD/tests/gguf/vramfit_gguf_write" "$model" "$quant" "$f" | tee -a "$OUT/files.jsonl"
  (cd "$here" && npx --no-install node-llama-cpp inspect gguf "$f") >"$OUT/gguf/$model-$quant.inspect.txt" 2>&1
  grep -q "GGUF version: 3" "$OUT/gguf/$model-$quant.inspect.txt"
  plan+="$sep{\"file\": \"$f\", \"model\": \"$model\", \"quant\": \"$quant\", \"contexts\": ["
  plan+="{\"size\": 4096, \"positions\": [$positions]}, {\"size\": 16384, \"positions\": []}]}"
  sep=", "
done
plan+="]}"
echo "$plan" >"$OUT/plan.json"

echo "== llama.cpp (node-llama-cpp, CPU)"
"${prio[@]}" node "$here/measure.mjs" "$OUT/plan.json" >"$OUT/results.json"
rm -f "$OUT"/gguf/*.gguf  # sparse, but no reason to keep them

echo "== comparison"
node "$here/compare.mjs" "$BUILD/vramfit" "$OUT/catalog" "$OUT/results.json" "$membw" "$root/data/speed.yaml" | tee "$OUT/table.md"
